/* DMARC evaluation over zone data: the examples of RFC 9989 Appendix B.1 (alignment) and
 * B.4 (tree walks, the deep-name shortcut, psd=y), psd=n, p/sp/np, t=y, invalid records,
 * From problems, the null sender, DNS failures, the RFC 7489 legacy mode (public suffix
 * list, pct sampling) and report destinations (Appendix B.2.3-B.2.4). */
#include <facteur/dmarc.h>

#include <string.h>

static FctResolver *
resolver_for (const char *zone)
{
  g_autoptr (GError) error = NULL;
  FctLimits limits;
  FctResolver *resolver;

  fct_limits_init (&limits);
  limits.dns_timeout_ms = 50;
  resolver = fct_resolver_new_zone_data (zone, strlen (zone), "test.zone", &limits, &error);
  g_assert_no_error (error);
  return resolver;
}

static FctMsg *
message_with_headers (const char *headers)
{
  g_autofree char *text
      = g_strconcat (headers, "To: rcpt@example.org\r\nSubject: t\r\n\r\nbody\r\n", NULL);
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  FctMsg *msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  return msg;
}

typedef struct
{
  const char *zone;
  const char *headers; /* complete header lines; default: From: sender@<author> */
  const char *author;
  FctDmarcAuthResult spf;
  const char *mail_from;
  const char *helo;
  FctDmarcDkimInput dkim[3];
  guint n_dkim;
  gboolean legacy;
  gboolean seeded;
  guint32 seed;
} Case;

static FctDmarcVerdict *
run (const Case *c)
{
  g_autoptr (FctResolver) resolver = resolver_for (c->zone);
  g_autofree char *from = NULL;
  g_autoptr (FctMsg) msg = NULL;
  g_autoptr (GError) error = NULL;
  FctDmarcInputs inputs = { 0 };
  FctDmarcOptions options = { 0 };
  FctDmarcVerdict *v;

  if (c->headers != NULL)
    msg = message_with_headers (c->headers);
  else
    {
      from = g_strdup_printf ("From: Sender <sender@%s>\r\n", c->author);
      msg = message_with_headers (from);
    }
  inputs.msg = msg;
  inputs.spf_result = c->spf;
  inputs.mail_from = c->mail_from;
  inputs.helo = c->helo;
  inputs.dkim = c->dkim;
  inputs.n_dkim = c->n_dkim;
  options.legacy = c->legacy;
  options.sample_seeded = c->seeded;
  options.sample_seed = c->seed;
  v = fct_dmarc_evaluate (resolver, &inputs, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
  g_assert_nonnull (v->reason);
  return v;
}

#define PASS FCT_DMARC_AUTH_PASS
#define FAIL FCT_DMARC_AUTH_FAIL

static gboolean
has_note (const FctDmarcVerdict *v, const char *needle)
{
  for (guint i = 0; i < v->notes->len; i++)
    if (strstr (g_ptr_array_index (v->notes, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

/* ---------------------------------------------------------------- tree walk names */

/* RFC 9989 §4.10: the eight queries for a.b.c.d.e.f.g.h.i.j.mail.example.com. */
static void
test_walk_names (void)
{
  static const char *const expected[] = {
    "a.b.c.d.e.f.g.h.i.j.mail.example.com",
    "g.h.i.j.mail.example.com",
    "h.i.j.mail.example.com",
    "i.j.mail.example.com",
    "j.mail.example.com",
    "mail.example.com",
    "example.com",
    "com",
    NULL,
  };
  g_auto (GStrv) names
      = fct_dmarc_tree_walk_names ("a.b.c.d.e.f.g.h.i.j.mail.example.com", 8);
  g_assert_cmpstrv (names, expected);

  static const char *const short_name[]
      = { "a.mail.example.com", "mail.example.com", "example.com", "com", NULL };
  g_auto (GStrv) s = fct_dmarc_tree_walk_names ("a.mail.example.com", 8);
  g_assert_cmpstrv (s, short_name);

  /* Eight labels exactly: no shortcut needed, still eight queries. */
  g_auto (GStrv) eight = fct_dmarc_tree_walk_names ("a.b.c.d.e.f.g.h", 8);
  g_assert_cmpuint (g_strv_length (eight), ==, 8);
  g_assert_cmpstr (eight[1], ==, "b.c.d.e.f.g.h");
  /* A hundred labels still cost at most eight. */
  GString *deep = g_string_new ("example");
  for (guint i = 0; i < 100; i++)
    g_string_prepend (deep, "x.");
  g_auto (GStrv) many = fct_dmarc_tree_walk_names (deep->str, 8);
  g_assert_cmpuint (g_strv_length (many), ==, 8);
  g_string_free (deep, TRUE);
  g_auto (GStrv) one = fct_dmarc_tree_walk_names ("localhost", 8);
  g_assert_cmpuint (g_strv_length (one), ==, 1);
}

/* ---------------------------------------------------------------- Appendix B.1 */

static const char zone_b1[] = "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
                              "_dmarc.strict.example. TXT \"v=DMARC1; p=reject; aspf=s; "
                              "adkim=s\"\n"
                              "child.strict.example. A 192.0.2.1\n";

static void
test_b1_spf (void)
{
  /* Example 1: strict alignment. */
  g_autoptr (FctDmarcVerdict) e1 = run (&(Case){ .zone = zone_b1,
                                                 .author = "example.com",
                                                 .spf = PASS,
                                                 .mail_from = "sender@example.com" });
  g_assert_cmpint (e1->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (e1->spf_aligned);
  g_assert_cmpstr (e1->spf_domain, ==, "example.com");

  /* Example 2: the MAIL FROM domain is a child of the author domain: relaxed. */
  g_autoptr (FctDmarcVerdict) e2 = run (&(Case){ .zone = zone_b1,
                                                 .author = "example.com",
                                                 .spf = PASS,
                                                 .mail_from = "sender@child.example.com" });
  g_assert_cmpint (e2->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (e2->spf_aligned);

  /* ... which strict alignment (aspf=s) refuses. */
  g_autoptr (FctDmarcVerdict) e2s
      = run (&(Case){ .zone = zone_b1,
                      .author = "strict.example",
                      .spf = PASS,
                      .mail_from = "sender@child.strict.example" });
  g_assert_cmpint (e2s->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_false (e2s->spf_aligned);

  /* Example 3: unrelated domains. */
  g_autoptr (FctDmarcVerdict) e3 = run (&(Case){ .zone = zone_b1,
                                                 .author = "child.example.com",
                                                 .spf = PASS,
                                                 .mail_from = "sender@example.net" });
  g_assert_cmpint (e3->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_false (e3->spf_aligned);
  g_assert_cmpstr (e3->policy_domain, ==, "example.com");

  /* Alignment needs an SPF pass. */
  g_autoptr (FctDmarcVerdict) nopass = run (&(Case){ .zone = zone_b1,
                                                     .author = "example.com",
                                                     .spf = FAIL,
                                                     .mail_from = "sender@example.com" });
  g_assert_cmpint (nopass->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_false (nopass->spf_aligned);
}

/* An SPF or DKIM check that did not complete (temperror; or cut at a milter's time
 * budget) and whose domain would align: a later attempt might pass, so DMARC is
 * temperror, not a final fail. One that could not align changes nothing: the spoofer's
 * own domain timing out does not spare the message its fail. An aligned pass decides
 * whatever else is open. */
static void
test_open_identifiers (void)
{
  FctDmarcAuthResult temp = FCT_DMARC_AUTH_TEMPERROR;
  g_autoptr (FctDmarcVerdict) spf_open = run (&(Case){ .zone = zone_b1,
                                                       .author = "example.com",
                                                       .spf = temp,
                                                       .mail_from = "sender@example.com" });
  g_assert_cmpint (spf_open->result, ==, FCT_DMARC_RESULT_TEMPERROR);
  g_assert_nonnull (strstr (spf_open->reason, "example.com"));
  g_assert_cmpint (spf_open->disposition, ==, FCT_DMARC_POLICY_NONE);

  /* Relaxed: a child of the author domain would align too. */
  g_autoptr (FctDmarcVerdict) child
      = run (&(Case){ .zone = zone_b1,
                      .author = "example.com",
                      .spf = temp,
                      .mail_from = "bounce@child.example.com" });
  g_assert_cmpint (child->result, ==, FCT_DMARC_RESULT_TEMPERROR);

  g_autoptr (FctDmarcVerdict) foreign = run (&(Case){ .zone = zone_b1,
                                                      .author = "example.com",
                                                      .spf = temp,
                                                      .mail_from = "x@attacker.example" });
  g_assert_cmpint (foreign->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (foreign->disposition, ==, FCT_DMARC_POLICY_REJECT);

  /* Strict: a child would not align, so its temperror cannot matter. */
  g_autoptr (FctDmarcVerdict) strict
      = run (&(Case){ .zone = zone_b1,
                      .author = "strict.example",
                      .spf = temp,
                      .mail_from = "sender@child.strict.example" });
  g_assert_cmpint (strict->result, ==, FCT_DMARC_RESULT_FAIL);

  g_autoptr (FctDmarcVerdict) dkim_open
      = run (&(Case){ .zone = zone_b1,
                      .author = "example.com",
                      .spf = FAIL,
                      .mail_from = "x@attacker.example",
                      .dkim = { { temp, "example.com", "s1" } },
                      .n_dkim = 1 });
  g_assert_cmpint (dkim_open->result, ==, FCT_DMARC_RESULT_TEMPERROR);

  g_autoptr (FctDmarcVerdict) dkim_foreign
      = run (&(Case){ .zone = zone_b1,
                      .author = "example.com",
                      .spf = FAIL,
                      .mail_from = "x@attacker.example",
                      .dkim = { { temp, "attacker.example", "s1" } },
                      .n_dkim = 1 });
  g_assert_cmpint (dkim_foreign->result, ==, FCT_DMARC_RESULT_FAIL);

  g_autoptr (FctDmarcVerdict) passed
      = run (&(Case){ .zone = zone_b1,
                      .author = "example.com",
                      .spf = temp,
                      .mail_from = "sender@example.com",
                      .dkim = { { PASS, "example.com", "s1" } },
                      .n_dkim = 1 });
  g_assert_cmpint (passed->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (passed->dkim_aligned);
}

static void
test_b1_dkim (void)
{
  g_autoptr (FctDmarcVerdict) e1 = run (&(Case){ .zone = zone_b1,
                                                 .author = "example.com",
                                                 .spf = FCT_DMARC_AUTH_NONE,
                                                 .dkim = { { PASS, "example.com", "s1" } },
                                                 .n_dkim = 1 });
  g_assert_cmpint (e1->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (e1->dkim_aligned);
  g_assert_cmpstr (e1->dkim_domain, ==, "example.com");
  g_assert_cmpstr (e1->dkim_selector, ==, "s1");

  g_autoptr (FctDmarcVerdict) e2 = run (&(Case){ .zone = zone_b1,
                                                 .author = "child.example.com",
                                                 .dkim = { { PASS, "Example.COM", "s1" } },
                                                 .n_dkim = 1 });
  g_assert_cmpint (e2->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (e2->dkim_aligned);

  g_autoptr (FctDmarcVerdict) e2s
      = run (&(Case){ .zone = zone_b1,
                      .author = "child.strict.example",
                      .dkim = { { PASS, "strict.example", "s1" } },
                      .n_dkim = 1 });
  g_assert_cmpint (e2s->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (e2s->policy_source, ==, FCT_DMARC_POLICY_FROM_P);

  g_autoptr (FctDmarcVerdict) e3 = run (&(Case){ .zone = zone_b1,
                                                 .author = "child.example.com",
                                                 .dkim = { { PASS, "example.net", "s1" } },
                                                 .n_dkim = 1 });
  g_assert_cmpint (e3->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_false (e3->dkim_aligned);

  /* A failing aligned signature does not count; a later passing one does. */
  g_autoptr (FctDmarcVerdict) mixed
      = run (&(Case){ .zone = zone_b1,
                      .author = "example.com",
                      .dkim = { { FAIL, "example.com", "bad" },
                                { PASS, "example.net", "other" },
                                { PASS, "mail.example.com", "good" } },
                      .n_dkim = 3 });
  g_assert_cmpint (mixed->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpstr (mixed->dkim_selector, ==, "good");
}

/* RFC 9989 §4.4 Table 1, with DKIM as the authenticated identifier. */
static void
test_table1 (void)
{
  static const char zone[]
      = "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
        "_dmarc.news.example.com. TXT \"v=DMARC1; p=reject; adkim=s\"\n";
  g_autoptr (FctDmarcVerdict) relaxed
      = run (&(Case){ .zone = zone,
                      .author = "news.example.com",
                      .dkim = { { PASS, "foo.example.com", "s" } },
                      .n_dkim = 1 });
  g_autoptr (FctDmarcVerdict) strict
      = run (&(Case){ .zone = zone,
                      .author = "news.example.com",
                      .dkim = { { PASS, "news.example.com", "s" } },
                      .n_dkim = 1 });
  g_autoptr (FctDmarcVerdict) none
      = run (&(Case){ .zone = zone,
                      .author = "news.example.com",
                      .dkim = { { PASS, "foo.example.net", "s" } },
                      .n_dkim = 1 });

  /* news.example.com asks for strict DKIM alignment, so the relaxed pair fails there... */
  g_assert_cmpint (relaxed->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (strict->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpint (none->result, ==, FCT_DMARC_RESULT_FAIL);
  /* ... and passes under example.com's relaxed record for another subdomain. */
  g_autoptr (FctDmarcVerdict) relaxed2
      = run (&(Case){ .zone = zone,
                      .author = "sports.example.com",
                      .dkim = { { PASS, "foo.example.com", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (relaxed2->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpstr (relaxed2->organizational_domain, ==, "example.com");
}

/* RFC 9989 Appendix B.3.1: both identifiers align, the reject policy is not applied. */
static void
test_b3_session (void)
{
  static const char zone[] = "_dmarc.example.com. TXT (\"v=DMARC1; p=reject; aspf=r;\"\n"
                             "  \" rua=mailto:dmarc-feedback@example.com\")\n";
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = zone,
                                                .author = "example.com",
                                                .spf = PASS,
                                                .mail_from = "bounces@mail.example.com",
                                                .dkim = { { PASS, "example.com", "s" } },
                                                .n_dkim = 1 });
  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (v->dkim_aligned);
  /* DKIM aligns exactly, so SPF's relaxed alignment is not looked for (it would take
   * the organizational domain's walk and cannot change the verdict)... */
  g_assert_false (v->spf_aligned);
  g_assert_cmpuint (v->dns_queries, ==, 1);
  g_assert_cmpint (v->policy, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_cmpint (v->disposition, ==, FCT_DMARC_POLICY_NONE);
  g_assert_cmpstr (g_ptr_array_index (v->record->rua, 0), ==,
                   "mailto:dmarc-feedback@example.com");
  /* ... and aligns when it is the one that decides. */
  g_autoptr (FctDmarcVerdict) spf
      = run (&(Case){ .zone = zone,
                      .author = "example.com",
                      .spf = PASS,
                      .mail_from = "bounces@mail.example.com" });
  g_assert_cmpint (spf->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (spf->spf_aligned);
}

/* DKIM passes that need a walk past dkim_signatures_max are not considered (each may
 * cost a walk); failing results and exactly aligned passes take no place. */
static void
test_dkim_cap (void)
{
  static const char zone[] = "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
                             "_dmarc.own.example.com. TXT \"v=DMARC1; p=none; psd=n\"\n";
  g_autoptr (FctResolver) resolver = resolver_for (zone);
  g_autoptr (FctMsg) msg = message_with_headers ("From: a@example.com\r\n");
  FctLimits limits;
  FctDmarcOptions options = { .limits = &limits };
  g_autoptr (GError) error = NULL;

  fct_limits_init (&limits);
  limits.dkim_signatures_max = 1;

  /* Failing signatures first, then the aligned pass: it counts. */
  const FctDmarcDkimInput failing[] = { { FAIL, "example.com", "a" },
                                        { FAIL, "example.com", "b" },
                                        { PASS, "example.com", "c" } };
  FctDmarcInputs in1 = { .msg = msg, .dkim = failing, .n_dkim = 3 };
  g_autoptr (FctDmarcVerdict) v1 = fct_dmarc_evaluate (resolver, &in1, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v1->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpstr (v1->dkim_selector, ==, "c");

  /* A pass of another organization needs no walk either. */
  const FctDmarcDkimInput other[]
      = { { PASS, "example.net", "a" }, { PASS, "sub.example.com", "b" } };
  FctDmarcInputs in2 = { .msg = msg, .dkim = other, .n_dkim = 2 };
  g_autoptr (FctDmarcVerdict) v2 = fct_dmarc_evaluate (resolver, &in2, &options, &error);
  g_assert_cmpint (v2->result, ==, FCT_DMARC_RESULT_PASS);

  /* Two passes that each need a walk: the first takes the one slot (own.example.com is
   * its own organization, psd=n), the second is not considered. */
  const FctDmarcDkimInput walks[]
      = { { PASS, "own.example.com", "a" }, { PASS, "sub.example.com", "b" } };
  FctDmarcInputs in3 = { .msg = msg, .dkim = walks, .n_dkim = 2 };
  g_autoptr (FctDmarcVerdict) capped
      = fct_dmarc_evaluate (resolver, &in3, &options, &error);
  g_assert_cmpint (capped->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_true (has_note (capped, "not considered"));
  limits.dkim_signatures_max = 2;
  g_autoptr (FctDmarcVerdict) full = fct_dmarc_evaluate (resolver, &in3, &options, &error);
  g_assert_cmpint (full->result, ==, FCT_DMARC_RESULT_PASS);
}

/* ---------------------------------------------------------------- Appendix B.4 */

static void
test_b4_simple (void)
{
  static const char zone[] = "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
                             "_dmarc.signing.example.com. TXT \"v=DMARC1; p=none\"\n";
  g_autoptr (FctDmarcVerdict) v
      = run (&(Case){ .zone = zone,
                      .author = "example.com",
                      .spf = PASS,
                      .mail_from = "bounce@example.com",
                      .dkim = { { PASS, "signing.example.com", "s" } },
                      .n_dkim = 1 });

  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (v->spf_aligned);
  g_assert_cmpstr (v->policy_domain, ==, "example.com");
  g_assert_cmpint (v->policy, ==, FCT_DMARC_POLICY_REJECT);
  /* SPF aligns exactly, so the pass needs no organizational domain: the record at the
   * author domain is the policy and the only query (RFC 9989 §4.10.1). */
  g_assert_cmpuint (v->policy_queries, ==, 1);
  g_assert_cmpuint (v->dns_queries, ==, 1);

  /* The DKIM half of the example: relaxed alignment through the organizational domain. */
  g_autoptr (FctDmarcVerdict) dkim
      = run (&(Case){ .zone = zone,
                      .author = "example.com",
                      .dkim = { { PASS, "signing.example.com", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (dkim->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (dkim->dkim_aligned);
  /* signing.example.com is under the author domain, whose record has no psd: its own
   * record (no psd either) settles it; nothing above example.com is asked. */
  g_assert_cmpuint (dkim->policy_queries, ==, 1);
  g_assert_cmpuint (dkim->dns_queries, ==, 2);

  /* A psd=n record below the author domain makes the subdomain its own organization:
   * then the whole walks decide, and they do not align. */
  static const char psdn[]
      = "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
        "_dmarc.signing.example.com. TXT \"v=DMARC1; p=none; psd=n\"\n";
  g_autoptr (FctDmarcVerdict) own
      = run (&(Case){ .zone = psdn,
                      .author = "example.com",
                      .dkim = { { PASS, "signing.example.com", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (own->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpstr (own->organizational_domain, ==, "example.com");
  /* Likewise psd=y below it (b.example.com hands out a.b.example.com), and a name below
   * it that does not answer, which could hold either. */
  static const char psdy[] = "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
                             "_dmarc.b.example.com. TXT \"v=DMARC1; p=none; psd=y\"\n"
                             "_dmarc.slow.example.com. TIMEOUT\n";
  g_autoptr (FctDmarcVerdict) handed
      = run (&(Case){ .zone = psdy,
                      .author = "example.com",
                      .dkim = { { PASS, "a.b.example.com", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (handed->result, ==, FCT_DMARC_RESULT_FAIL);
  g_autoptr (FctDmarcVerdict) slow
      = run (&(Case){ .zone = psdy,
                      .author = "example.com",
                      .dkim = { { PASS, "x.slow.example.com", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (slow->result, ==, FCT_DMARC_RESULT_TEMPERROR);
}

/* B.4.2 with a trap: a record the shortcut must skip. */
static const char zone_deep[]
    = "_dmarc.example.com. TXT \"v=DMARC1; p=none; sp=reject\"\n"
      "_dmarc.signing.example.com. TXT \"v=DMARC1; p=none\"\n"
      "_dmarc.c.d.e.f.g.h.i.j.k.example.com. TXT \"v=DMARC1; p=none; psd=n\"\n"
      "a.b.c.d.e.f.g.h.i.j.k.example.com. A 192.0.2.1\n";

static void
test_b4_deep (void)
{
  const char *author = "a.b.c.d.e.f.g.h.i.j.k.example.com";
  g_autoptr (FctDmarcVerdict) v
      = run (&(Case){ .zone = zone_deep,
                      .author = author,
                      .spf = PASS,
                      .mail_from = "bounce@example.com",
                      .dkim = { { PASS, "signing.example.com", "s" } },
                      .n_dkim = 1 });

  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (v->spf_aligned);
  g_assert_true (v->dkim_aligned);
  g_assert_cmpuint (v->policy_queries, ==, 8);
  g_assert_cmpstr (v->organizational_domain, ==, "example.com");
  g_assert_cmpstr (v->policy_domain, ==, "example.com");

  /* Without authentication: the subdomain policy of example.com. */
  g_autoptr (FctDmarcVerdict) f = run (&(Case){ .zone = zone_deep, .author = author });
  g_assert_cmpint (f->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (f->policy, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_cmpint (f->policy_source, ==, FCT_DMARC_POLICY_FROM_SP);
  g_assert_cmpint (f->disposition, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_cmpuint (f->policy_queries, ==, 8);
}

/* Walk limits other than 8 follow FctLimits. */
static void
test_walk_limit (void)
{
  g_autoptr (FctResolver) resolver = resolver_for (zone_deep);
  g_autoptr (FctMsg) msg
      = message_with_headers ("From: x@a.b.c.d.e.f.g.h.i.j.k.example.com\r\n");
  FctLimits limits;
  FctDmarcInputs inputs = { .msg = msg };
  FctDmarcOptions options = { .limits = &limits };
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDmarcVerdict) v = NULL;

  fct_limits_init (&limits);
  limits.dmarc_tree_walk_max = 3;
  v = fct_dmarc_evaluate (resolver, &inputs, &options, &error);
  g_assert_no_error (error);
  /* author, example.com, com */
  g_assert_cmpuint (v->policy_queries, ==, 3);
  g_assert_cmpstr (v->policy_domain, ==, "example.com");
}

static const char zone_bank[]
    = "_dmarc.bank.example. TXT \"v=DMARC1; p=reject; psd=y\"\n"
      "_dmarc.giant.bank.example. TXT \"v=DMARC1; p=quarantine\"\n"
      "mail.giant.bank.example. A 192.0.2.1\n"
      "small.bank.example. A 192.0.2.2\n";

static void
test_b4_psd (void)
{
  g_autoptr (FctDmarcVerdict) v
      = run (&(Case){ .zone = zone_bank,
                      .author = "giant.bank.example",
                      .spf = PASS,
                      .mail_from = "bounce@mail.giant.bank.example",
                      .dkim = { { PASS, "mail.mega.bank.example", "s" } },
                      .n_dkim = 1 });

  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (v->spf_aligned);
  g_assert_false (v->dkim_aligned);
  g_assert_cmpstr (v->policy_domain, ==, "giant.bank.example");
  g_assert_cmpint (v->policy, ==, FCT_DMARC_POLICY_QUARANTINE);

  /* The DKIM half alone takes the whole walks: bank.example says psd=y, so the
   * organizational domains are giant.bank.example and mega.bank.example. */
  g_autoptr (FctDmarcVerdict) d
      = run (&(Case){ .zone = zone_bank,
                      .author = "giant.bank.example",
                      .dkim = { { PASS, "mail.mega.bank.example", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (d->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpstr (d->organizational_domain, ==, "giant.bank.example");
  g_assert_cmpint (d->disposition, ==, FCT_DMARC_POLICY_QUARANTINE);
}

/* psd=y at a public suffix: an author without its own record gets the PSD's policy, and
 * its organizational domain is the name just below the suffix. */
static void
test_psd_y_at_suffix (void)
{
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = zone_bank,
                                                .author = "small.bank.example",
                                                .dkim = { { PASS, "bank.example", "s" } },
                                                .n_dkim = 1 });

  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_false (v->dkim_aligned); /* bank.example is another organization */
  g_assert_cmpstr (v->organizational_domain, ==, "small.bank.example");
  g_assert_cmpstr (v->policy_domain, ==, "bank.example");
  g_assert_cmpint (v->policy, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_cmpint (v->policy_source, ==, FCT_DMARC_POLICY_FROM_P);
  g_assert_cmpuint (v->policy_queries, ==, 2);

  g_autoptr (FctDmarcVerdict) sub
      = run (&(Case){ .zone = zone_bank,
                      .author = "small.bank.example",
                      .dkim = { { PASS, "mail.small.bank.example", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (sub->result, ==, FCT_DMARC_RESULT_PASS);
}

static void
test_psd_n (void)
{
  static const char zone[] = "_dmarc.mail.example.com. TXT \"v=DMARC1; p=reject; psd=n\"\n"
                             "_dmarc.example.com. TXT \"v=DMARC1; p=none\"\n"
                             "a.mail.example.com. A 192.0.2.1\n";
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = zone,
                                                .author = "a.mail.example.com",
                                                .dkim = { { PASS, "example.com", "s" } },
                                                .n_dkim = 1 });

  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpstr (v->organizational_domain, ==, "mail.example.com");
  g_assert_cmpstr (v->policy_domain, ==, "mail.example.com");
  g_assert_cmpint (v->policy, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_cmpuint (v->policy_queries, ==, 2); /* the walk stops at psd=n */

  g_autoptr (FctDmarcVerdict) ok
      = run (&(Case){ .zone = zone,
                      .author = "a.mail.example.com",
                      .dkim = { { PASS, "x.mail.example.com", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (ok->result, ==, FCT_DMARC_RESULT_PASS);
}

/* RFC 9989 §4.10.2: records at mail.example.com and example.com, none at the author or
 * com: the organizational domain is example.com, whose record applies. */
static void
test_fewest_labels (void)
{
  static const char zone[] = "_dmarc.mail.example.com. TXT \"v=DMARC1; p=none\"\n"
                             "_dmarc.example.com. TXT \"v=DMARC1; p=quarantine\"\n"
                             "a.mail.example.com. A 192.0.2.1\n";
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = zone,
                                                .author = "a.mail.example.com",
                                                .dkim = { { PASS, "example.com", "s" } },
                                                .n_dkim = 1 });

  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpstr (v->organizational_domain, ==, "example.com");
  g_assert_cmpstr (v->policy_domain, ==, "example.com");
  g_assert_cmpuint (v->policy_queries, ==, 4);
}

/* ---------------------------------------------------------------- policies */

static const char zone_policies[]
    = "_dmarc.example.com. TXT \"v=DMARC1; p=reject; sp=quarantine; np=none\"\n"
      "exists.example.com. A 192.0.2.1\n"
      "_dmarc.nonp.example. TXT \"v=DMARC1; p=reject; sp=quarantine\"\n"
      "_dmarc.ponly.example. TXT \"v=DMARC1; p=reject\"\n"
      "_dmarc.npnosp.example. TXT \"v=DMARC1; p=reject; np=quarantine\"\n"
      "exists.npnosp.example. TXT \"x\"\n"
      "_dmarc.slow.example. TXT \"v=DMARC1; p=reject; np=none\"\n"
      "sub.slow.example. TIMEOUT\n"
      "_dmarc.example.org. TXT \"v=DMARC1; p=reject; sp=quarantine; np=reject\"\n"
      "sub.example.org. TIMEOUT\n"
      "_dmarc.same.example. TXT \"v=DMARC1; p=reject; sp=reject; np=reject\"\n"
      "sub.same.example. TIMEOUT\n";

static void
expect_policy (const char *author, FctDmarcPolicy policy, FctDmarcPolicySource source)
{
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = zone_policies, .author = author });
  if (v->result != FCT_DMARC_RESULT_FAIL || v->policy != policy
      || v->policy_source != source || v->disposition != policy)
    g_error ("%s: %s, policy %s from %s, disposition %s (%s)", author,
             fct_dmarc_result_to_string (v->result), fct_dmarc_policy_to_string (v->policy),
             fct_dmarc_policy_source_to_string (v->policy_source),
             fct_dmarc_policy_to_string (v->disposition), v->reason);
}

static void
test_p_sp_np (void)
{
  expect_policy ("example.com", FCT_DMARC_POLICY_REJECT, FCT_DMARC_POLICY_FROM_P);
  expect_policy ("exists.example.com", FCT_DMARC_POLICY_QUARANTINE,
                 FCT_DMARC_POLICY_FROM_SP);
  expect_policy ("nx.example.com", FCT_DMARC_POLICY_NONE, FCT_DMARC_POLICY_FROM_NP);
  /* Without np, a non-existent subdomain gets sp, then p. */
  expect_policy ("nx.nonp.example", FCT_DMARC_POLICY_QUARANTINE, FCT_DMARC_POLICY_FROM_SP);
  expect_policy ("nx.ponly.example", FCT_DMARC_POLICY_REJECT, FCT_DMARC_POLICY_FROM_P);
  expect_policy ("exists.ponly.example", FCT_DMARC_POLICY_REJECT, FCT_DMARC_POLICY_FROM_P);
  /* np with no sp: an existing subdomain gets p (NODATA for A means it exists). */
  expect_policy ("exists.npnosp.example", FCT_DMARC_POLICY_REJECT, FCT_DMARC_POLICY_FROM_P);
  expect_policy ("nx.npnosp.example", FCT_DMARC_POLICY_QUARANTINE,
                 FCT_DMARC_POLICY_FROM_NP);

  /* The existence query times out: no verdict. */
  g_autoptr (FctDmarcVerdict) slow
      = run (&(Case){ .zone = zone_policies, .author = "sub.slow.example" });
  g_assert_cmpint (slow->result, ==, FCT_DMARC_RESULT_TEMPERROR);

  /* The review's case: an aligned SPF pass needs no existence query, so its timeout
   * cannot turn the pass into temperror (np only chooses a failure's disposition). */
  g_autoptr (FctDmarcVerdict) pass
      = run (&(Case){ .zone = zone_policies,
                      .author = "sub.example.org",
                      .spf = PASS,
                      .mail_from = "x@bounce.sub.example.org" });
  g_assert_cmpint (pass->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (pass->spf_aligned);
  /* _dmarc.sub.example.org, _dmarc.example.org, then the organizational domains of
   * the two names: _dmarc.org twice, _dmarc.bounce.sub.example.org and
   * _dmarc.sub.example.org; never sub.example.org itself. */
  g_assert_cmpuint (pass->dns_queries, ==, 7);
  /* The same message unauthenticated still needs it, and cannot be judged without it. */
  g_autoptr (FctDmarcVerdict) spoof = run (&(Case){ .zone = zone_policies,
                                                    .author = "sub.example.org",
                                                    .spf = FAIL,
                                                    .mail_from = "x@evil.example" });
  g_assert_cmpint (spoof->result, ==, FCT_DMARC_RESULT_TEMPERROR);
  /* When np and sp ask for the same, existence does not matter: no query, a verdict. */
  g_autoptr (FctDmarcVerdict) same = run (&(Case){ .zone = zone_policies,
                                                   .author = "sub.same.example",
                                                   .spf = FAIL,
                                                   .mail_from = "x@evil.example" });
  g_assert_cmpint (same->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (same->disposition, ==, FCT_DMARC_POLICY_REJECT);
}

static void
test_testing_mode (void)
{
  static const char zone[] = "_dmarc.r.example. TXT \"v=DMARC1; p=reject; t=y\"\n"
                             "_dmarc.q.example. TXT \"v=DMARC1; p=quarantine; t=y\"\n"
                             "_dmarc.n.example. TXT \"v=DMARC1; p=none; t=y\"\n"
                             "_dmarc.tn.example. TXT \"v=DMARC1; p=reject; t=n\"\n";
  g_autoptr (FctDmarcVerdict) r = run (&(Case){ .zone = zone, .author = "r.example" });
  g_autoptr (FctDmarcVerdict) q = run (&(Case){ .zone = zone, .author = "q.example" });
  g_autoptr (FctDmarcVerdict) n = run (&(Case){ .zone = zone, .author = "n.example" });
  g_autoptr (FctDmarcVerdict) tn = run (&(Case){ .zone = zone, .author = "tn.example" });
  g_autoptr (FctDmarcVerdict) pass = run (&(Case){ .zone = zone,
                                                   .author = "r.example",
                                                   .dkim = { { PASS, "r.example", "s" } },
                                                   .n_dkim = 1 });

  g_assert_cmpint (r->policy, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_cmpint (r->disposition, ==, FCT_DMARC_POLICY_QUARANTINE);
  g_assert_true (r->testing);
  g_assert_cmpint (q->disposition, ==, FCT_DMARC_POLICY_NONE);
  g_assert_true (q->testing);
  g_assert_cmpint (n->disposition, ==, FCT_DMARC_POLICY_NONE);
  g_assert_false (n->testing); /* t has no effect on p=none */
  g_assert_cmpint (tn->disposition, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_false (tn->testing);
  g_assert_cmpint (pass->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpint (pass->disposition, ==, FCT_DMARC_POLICY_NONE);
}

/* RFC 9989 removed pct: reported, without effect. */
static void
test_removed_tags_ignored (void)
{
  static const char zone[]
      = "_dmarc.example.com. TXT \"v=DMARC1; p=reject; pct=0; ri=3600\"\n";
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = zone, .author = "example.com" });

  g_assert_cmpint (v->disposition, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_false (v->sampled_out);
  g_assert_true (has_note (v, "RFC 9989 removed"));
}

/* ---------------------------------------------------------------- invalid records */

static void
test_invalid_records (void)
{
  static const char zone[]
      = "_dmarc.notfirst.example. TXT \"p=reject; v=DMARC1\"\n"
        "_dmarc.two.example. TXT \"v=DMARC1; p=reject\"\n"
        "_dmarc.two.example. TXT \"v=DMARC1; p=none\"\n"
        "_dmarc.other.example. TXT \"v=spf1 -all\"\n"
        "_dmarc.other.example. TXT \"v=DMARC1; \" \"p=quarantine\"\n"
        "_dmarc.badp.example. TXT \"v=DMARC1; p=bogus\"\n"
        "_dmarc.badprua.example. TXT \"v=DMARC1; p=bogus; rua=mailto:r@badprua.example\"\n"
        "_dmarc.badsp.example. TXT \"v=DMARC1; p=reject; sp=bogus\"\n"
        "_dmarc.nop.example. TXT \"v=DMARC1; rua=mailto:r@nop.example\"\n"
        "_dmarc.nopnorua.example. TXT \"v=DMARC1; adkim=s\"\n"
        "_dmarc.unknown.example. TXT \"v=DMARC1; p=reject; future=tag\"\n";

  /* v not first: not a DMARC record, so no policy at all. */
  g_autoptr (FctDmarcVerdict) nf
      = run (&(Case){ .zone = zone, .author = "notfirst.example" });
  g_assert_cmpint (nf->result, ==, FCT_DMARC_RESULT_NONE);
  g_assert_cmpint (nf->disposition, ==, FCT_DMARC_POLICY_NONE);

  /* Two DMARC records at one name: both discarded. */
  g_autoptr (FctDmarcVerdict) two = run (&(Case){ .zone = zone, .author = "two.example" });
  g_assert_cmpint (two->result, ==, FCT_DMARC_RESULT_NONE);
  g_assert_true (has_note (two, "all discarded"));

  /* A non-DMARC TXT beside one DMARC record (split into strings) is fine. */
  g_autoptr (FctDmarcVerdict) other
      = run (&(Case){ .zone = zone, .author = "other.example" });
  g_assert_cmpint (other->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (other->policy, ==, FCT_DMARC_POLICY_QUARANTINE);

  /* Invalid p without rua: not applied, permerror. */
  g_autoptr (FctDmarcVerdict) badp
      = run (&(Case){ .zone = zone, .author = "badp.example" });
  g_assert_cmpint (badp->result, ==, FCT_DMARC_RESULT_PERMERROR);
  g_assert_cmpint (badp->disposition, ==, FCT_DMARC_POLICY_NONE);
  g_assert_nonnull (strstr (badp->reason, "no valid rua"));

  /* ... with a valid rua: p=none. */
  g_autoptr (FctDmarcVerdict) badprua
      = run (&(Case){ .zone = zone, .author = "badprua.example" });
  g_assert_cmpint (badprua->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (badprua->policy, ==, FCT_DMARC_POLICY_NONE);
  g_assert_true (has_note (badprua, "treated as p=none"));

  /* An invalid sp spoils the record the same way. */
  g_autoptr (FctDmarcVerdict) badsp
      = run (&(Case){ .zone = zone, .author = "x.badsp.example" });
  g_assert_cmpint (badsp->result, ==, FCT_DMARC_RESULT_PERMERROR);

  /* RFC 9989 §4.7: no p at all is p=none. */
  g_autoptr (FctDmarcVerdict) nop = run (&(Case){ .zone = zone, .author = "nop.example" });
  g_assert_cmpint (nop->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (nop->policy, ==, FCT_DMARC_POLICY_NONE);
  g_autoptr (FctDmarcVerdict) nopnorua
      = run (&(Case){ .zone = zone, .author = "nopnorua.example" });
  g_assert_cmpint (nopnorua->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (nopnorua->policy, ==, FCT_DMARC_POLICY_NONE);

  /* Unknown tags are ignored. */
  g_autoptr (FctDmarcVerdict) unknown
      = run (&(Case){ .zone = zone, .author = "unknown.example" });
  g_assert_cmpint (unknown->policy, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_true (has_note (unknown, "unknown tags"));
}

/* A 10 KB record: permerror with a reason, bounded. */
static void
test_huge_record (void)
{
  GString *zone = g_string_new ("_dmarc.huge.example. TXT \"v=DMARC1; p=reject; \"");
  for (guint i = 0; i < 40; i++)
    {
      g_string_append (zone, " \"");
      for (guint j = 0; j < 250; j++)
        g_string_append_c (zone, 'x');
      g_string_append_c (zone, '"');
    }
  g_string_append_c (zone, '\n');
  g_autoptr (FctDmarcVerdict) v
      = run (&(Case){ .zone = zone->str, .author = "huge.example" });
  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_PERMERROR);
  g_assert_nonnull (strstr (v->reason, "longer than 4096 bytes"));
  g_assert_cmpint (v->disposition, ==, FCT_DMARC_POLICY_NONE);
  g_string_free (zone, TRUE);
}

/* ---------------------------------------------------------------- From */

static void
test_from_problems (void)
{
  static const char zone[] = "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n";
  static const char *const headers[] = {
    "From: a@example.com\r\nFrom: b@example.com\r\n",
    "From: a@example.com, b@evil.example\r\n",
    "Sender: a@example.com\r\n",
    "From: undisclosed-recipients:;\r\n",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autoptr (FctDmarcVerdict) v = run (&(Case){
          .zone = zone, .headers = headers[i], .spf = PASS, .mail_from = "a@example.com" });
      g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_PERMERROR);
      g_assert_null (v->author_domain);
      g_assert_cmpuint (v->dns_queries, ==, 0);
    }

  /* RFC 8616 §5: a U-label author, DKIM d= and SPF domain align with their A-labels. */
  static const char idn_zone[]
      = "_dmarc.xn--bcher-kva.example. TXT \"v=DMARC1; p=reject\"\n";
  g_autoptr (FctDmarcVerdict) idn_dkim
      = run (&(Case){ .zone = idn_zone,
                      .headers = "From: Jörg <jörg@bücher.example>\r\n",
                      .dkim = { { PASS, "BÜCHER.example", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (idn_dkim->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpstr (idn_dkim->dkim_domain, ==, "xn--bcher-kva.example");
  g_autoptr (FctDmarcVerdict) idn_spf
      = run (&(Case){ .zone = idn_zone,
                      .headers = "From: a@xn--bcher-kva.example\r\n",
                      .spf = PASS,
                      .mail_from = "jörg@bücher.example" });
  g_assert_cmpint (idn_spf->result, ==, FCT_DMARC_RESULT_PASS);

  /* Two mailboxes of one domain: that domain's policy applies. */
  g_autoptr (FctDmarcVerdict) two = run (&(Case){ .zone = zone,
                                                  .headers = "From: a@example.com, "
                                                             "b@example.com\r\n",
                                                  .spf = PASS,
                                                  .mail_from = "a@example.com" });
  g_assert_cmpint (two->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpstr (two->author_domain, ==, "example.com");
}

/* ---------------------------------------------------------------- SPF domain */

static void
test_null_sender_helo (void)
{
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = zone_b1,
                                                .author = "example.com",
                                                .spf = PASS,
                                                .mail_from = "<>",
                                                .helo = "mx1.example.com" });
  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (v->spf_aligned);
  g_assert_true (v->spf_domain_is_helo);
  g_assert_cmpstr (v->spf_domain, ==, "mx1.example.com");

  g_autoptr (FctDmarcVerdict) empty = run (&(Case){ .zone = zone_b1,
                                                    .author = "example.com",
                                                    .spf = PASS,
                                                    .mail_from = "",
                                                    .helo = "mx.example.net" });
  g_assert_cmpint (empty->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpstr (empty->spf_domain, ==, "mx.example.net");

  /* A real sender is used even when a HELO name is given. */
  g_autoptr (FctDmarcVerdict) real = run (&(Case){ .zone = zone_b1,
                                                   .author = "example.com",
                                                   .spf = PASS,
                                                   .mail_from = "<bounce@Example.com>",
                                                   .helo = "mx.example.net" });
  g_assert_false (real->spf_domain_is_helo);
  g_assert_cmpstr (real->spf_domain, ==, "example.com");
  g_assert_true (real->spf_aligned);
}

/* ---------------------------------------------------------------- DNS failures */

static void
test_dns_failures (void)
{
  static const char zone[] = "_dmarc.broken.example. SERVFAIL\n"
                             "_dmarc.slow.example. TIMEOUT\n"
                             "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
                             "_dmarc.sub.example.com. TIMEOUT\n";
  g_autoptr (FctDmarcVerdict) broken
      = run (&(Case){ .zone = zone, .author = "broken.example" });
  g_autoptr (FctDmarcVerdict) slow
      = run (&(Case){ .zone = zone, .author = "slow.example" });
  g_assert_cmpint (broken->result, ==, FCT_DMARC_RESULT_TEMPERROR);
  g_assert_nonnull (strstr (broken->reason, "_dmarc.broken.example"));
  g_assert_cmpint (slow->result, ==, FCT_DMARC_RESULT_TEMPERROR);
  g_assert_cmpint (slow->disposition, ==, FCT_DMARC_POLICY_NONE);

  /* The walk for a DKIM domain fails: temperror unless something else aligns. */
  g_autoptr (FctDmarcVerdict) dkim
      = run (&(Case){ .zone = zone,
                      .author = "example.com",
                      .dkim = { { PASS, "sub.example.com", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (dkim->result, ==, FCT_DMARC_RESULT_TEMPERROR);
  g_autoptr (FctDmarcVerdict) spf
      = run (&(Case){ .zone = zone,
                      .author = "example.com",
                      .spf = PASS,
                      .mail_from = "a@example.com",
                      .dkim = { { PASS, "sub.example.com", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (spf->result, ==, FCT_DMARC_RESULT_PASS);
}

/* RFC 9989 §4.10: a record at the author domain is the policy; an unanswered query far
 * up the tree (here the TLD's) changes a verdict only if its answer could have. */
static void
test_dns_failure_above (void)
{
  static const char zone[] = "_dmarc.example.org. TXT \"v=DMARC1; p=reject\"\n"
                             "_dmarc.org. TIMEOUT\n"
                             "_dmarc.bank.example. SERVFAIL\n"
                             "_dmarc.giant.bank.example. TXT \"v=DMARC1; p=reject\"\n"
                             "_dmarc.psdn.example. TXT \"v=DMARC1; p=reject; psd=n\"\n"
                             "_dmarc.example. TIMEOUT\n";

  /* The review's case: SPF aligned exactly; no query beyond the author's record. */
  g_autoptr (FctDmarcVerdict) exact = run (&(Case){
      .zone = zone, .author = "example.org", .spf = PASS, .mail_from = "a@example.org" });
  g_assert_cmpint (exact->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpuint (exact->dns_queries, ==, 1);

  /* Relaxed: bounce.example.org and example.org share their organizational domain
   * whatever _dmarc.org says (no record, a record, psd=y or psd=n), and the walk below
   * the author domain's record shows it without asking _dmarc.org. */
  g_autoptr (FctDmarcVerdict) relaxed
      = run (&(Case){ .zone = zone,
                      .author = "example.org",
                      .spf = PASS,
                      .mail_from = "a@bounce.example.org" });
  g_assert_cmpint (relaxed->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_true (relaxed->spf_aligned);
  /* _dmarc.example.org, then _dmarc.bounce.example.org: nothing above the author. */
  g_assert_cmpuint (relaxed->dns_queries, ==, 2);

  /* An unauthenticated message, or one signed under another TLD, fails as it would
   * with an answer: nothing unanswered can make it align. */
  g_autoptr (FctDmarcVerdict) spoof = run (&(Case){ .zone = zone,
                                                    .author = "example.org",
                                                    .spf = FAIL,
                                                    .mail_from = "a@evil.example.net" });
  g_assert_cmpint (spoof->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (spoof->disposition, ==, FCT_DMARC_POLICY_REJECT);
  g_autoptr (FctDmarcVerdict) other = run (&(Case){ .zone = zone,
                                                    .author = "example.org",
                                                    .dkim = { { PASS, "evil.net", "s" } },
                                                    .n_dkim = 1 });
  g_assert_cmpint (other->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (other->disposition, ==, FCT_DMARC_POLICY_REJECT);
  /* evil.org is another organization unless _dmarc.org holds a record without psd=y
   * (RFC 9989 §4.10.2, fewest labels): only the answer could tell, so temperror. */
  g_autoptr (FctDmarcVerdict) same_tld
      = run (&(Case){ .zone = zone,
                      .author = "example.org",
                      .dkim = { { PASS, "evil.org", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (same_tld->result, ==, FCT_DMARC_RESULT_TEMPERROR);

  /* Where the unanswered record decides, temperror: if _dmarc.bank.example said psd=y,
   * mail.bank.example would be another organization than giant.bank.example; without a
   * psd tag, the same one. */
  g_autoptr (FctDmarcVerdict) decides
      = run (&(Case){ .zone = zone,
                      .author = "giant.bank.example",
                      .dkim = { { PASS, "mail.bank.example", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (decides->result, ==, FCT_DMARC_RESULT_TEMPERROR);
  g_assert_nonnull (strstr (decides->reason, "_dmarc.bank.example"));

  /* psd=n at the author ends its walk: nothing above is asked. */
  g_autoptr (FctDmarcVerdict) psdn
      = run (&(Case){ .zone = zone,
                      .author = "psdn.example",
                      .dkim = { { PASS, "a.psdn.example", "s" } },
                      .n_dkim = 1 });
  g_assert_cmpint (psdn->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpstr (psdn->organizational_domain, ==, "psdn.example");

  /* Without a record at the author domain the policy itself is unknown: temperror. */
  g_autoptr (FctDmarcVerdict) nopolicy = run (&(Case){ .zone = zone,
                                                       .author = "other.example",
                                                       .spf = PASS,
                                                       .mail_from = "a@other.example" });
  g_assert_cmpint (nopolicy->result, ==, FCT_DMARC_RESULT_TEMPERROR);
}

static void
test_no_record (void)
{
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = "other.example. A 192.0.2.1\n",
                                                .author = "example.org",
                                                .spf = PASS,
                                                .mail_from = "a@example.org" });
  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_NONE);
  g_assert_null (v->policy_domain);
  g_assert_cmpint (v->policy, ==, FCT_DMARC_POLICY_UNSET);
  g_assert_cmpuint (v->policy_queries, ==, 2);
}

/* ---------------------------------------------------------------- legacy */

static void
test_legacy_co_uk (void)
{
  static const char zone[]
      = "_dmarc.example.co.uk. TXT \"v=DMARC1; p=reject; sp=quarantine\"\n"
        "_dmarc.co.uk. TXT \"v=DMARC1; p=none; psd=y\"\n";
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = zone,
                                                .author = "mail.example.co.uk",
                                                .legacy = TRUE,
                                                .dkim = { { PASS, "other.co.uk", "s" } },
                                                .n_dkim = 1 });
  g_assert_true (v->legacy);
  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpstr (v->organizational_domain, ==, "example.co.uk");
  g_assert_cmpstr (v->policy_domain, ==, "example.co.uk");
  g_assert_cmpint (v->policy, ==, FCT_DMARC_POLICY_QUARANTINE);
  g_assert_cmpuint (v->policy_queries, ==, 2);

  g_autoptr (FctDmarcVerdict) ok = run (&(Case){ .zone = zone,
                                                 .author = "mail.example.co.uk",
                                                 .legacy = TRUE,
                                                 .dkim = { { PASS, "example.co.uk", "s" } },
                                                 .n_dkim = 1 });
  g_assert_cmpint (ok->result, ==, FCT_DMARC_RESULT_PASS);

  g_autofree char *org = fct_dmarc_psl_organizational_domain ("a.b.example.co.uk", NULL);
  g_assert_cmpstr (org, ==, "example.co.uk");
  g_autofree char *suffix = fct_dmarc_psl_organizational_domain ("co.uk", NULL);
  g_assert_cmpstr (suffix, ==, "co.uk");
}

/* A private-section entry of the list (blogspot.com) is a suffix too. */
static void
test_legacy_private_section (void)
{
  static const char zone[] = "_dmarc.myblog.blogspot.com. TXT \"v=DMARC1; p=reject\"\n"
                             "_dmarc.blogspot.com. TXT \"v=DMARC1; p=none\"\n";
  g_autoptr (FctDmarcVerdict) v = run (&(Case){ .zone = zone,
                                                .author = "news.myblog.blogspot.com",
                                                .legacy = TRUE,
                                                .dkim = { { PASS, "blogspot.com", "s" } },
                                                .n_dkim = 1 });
  g_assert_cmpint (v->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpstr (v->organizational_domain, ==, "myblog.blogspot.com");
  g_assert_cmpstr (v->policy_domain, ==, "myblog.blogspot.com");
  g_assert_cmpint (v->policy, ==, FCT_DMARC_POLICY_REJECT);
}

static void
test_legacy_rules (void)
{
  static const char zone[]
      = "_dmarc.half.example. TXT \"v=DMARC1; p=reject; pct=50\"\n"
        "_dmarc.zero.example. TXT \"v=DMARC1; p=quarantine; pct=0\"\n"
        "_dmarc.full.example. TXT \"v=DMARC1; p=reject; pct=100; t=y\"\n"
        "_dmarc.nop.example. TXT \"v=DMARC1; adkim=s\"\n"
        "_dmarc.np.example. TXT \"v=DMARC1; p=reject; np=none\"\n"
        "_dmarc.two.example.co.uk. TXT \"v=DMARC1; p=none\"\n"
        "_dmarc.two.example.co.uk. TXT \"v=DMARC1; p=quarantine\"\n"
        "_dmarc.example.co.uk. TXT \"v=DMARC1; p=reject\"\n";

  /* RFC 7489 §6.6.3: several records at the author domain end DMARC processing; the
   * organizational domain's record is not applied in their place. */
  g_autoptr (FctDmarcVerdict) two = run (&(Case){ .zone = zone,
                                                  .author = "two.example.co.uk",
                                                  .legacy = TRUE,
                                                  .spf = FAIL,
                                                  .mail_from = "a@evil.example" });
  g_assert_cmpint (two->result, ==, FCT_DMARC_RESULT_NONE);
  g_assert_null (two->policy_domain);
  g_assert_cmpint (two->disposition, ==, FCT_DMARC_POLICY_NONE);
  g_assert_cmpuint (two->policy_queries, ==, 1);
  g_assert_nonnull (strstr (two->reason, "_dmarc.two.example.co.uk"));
  /* A single record at the author domain still applies; none: the organizational one. */
  g_autoptr (FctDmarcVerdict) sub = run (&(Case){ .zone = zone,
                                                  .author = "sub.example.co.uk",
                                                  .legacy = TRUE,
                                                  .spf = FAIL,
                                                  .mail_from = "a@evil.example" });
  g_assert_cmpint (sub->result, ==, FCT_DMARC_RESULT_FAIL);
  g_assert_cmpint (sub->disposition, ==, FCT_DMARC_POLICY_REJECT);

  g_autoptr (FctDmarcVerdict) zero
      = run (&(Case){ .zone = zone, .author = "zero.example", .legacy = TRUE });
  g_assert_true (zero->sampled_out);
  g_assert_cmpint (zero->disposition, ==, FCT_DMARC_POLICY_NONE);

  /* t=y means nothing to RFC 7489; pct=100 samples everything. */
  g_autoptr (FctDmarcVerdict) full
      = run (&(Case){ .zone = zone, .author = "full.example", .legacy = TRUE });
  g_assert_cmpint (full->disposition, ==, FCT_DMARC_POLICY_REJECT);
  g_assert_false (full->testing);
  g_assert_false (full->sampled_out);

  /* RFC 7489 §6.6.3: no p and no rua: not applied. */
  g_autoptr (FctDmarcVerdict) nop
      = run (&(Case){ .zone = zone, .author = "nop.example", .legacy = TRUE });
  g_assert_cmpint (nop->result, ==, FCT_DMARC_RESULT_PERMERROR);

  /* np is not part of RFC 7489: a non-existent subdomain gets p. */
  g_autoptr (FctDmarcVerdict) np
      = run (&(Case){ .zone = zone, .author = "nx.np.example", .legacy = TRUE });
  g_assert_cmpint (np->policy, ==, FCT_DMARC_POLICY_REJECT);

  /* pct=50, seeded: the same seed gives the same draw; seeds give both outcomes. */
  guint in = 0, out = 0;
  for (guint32 seed = 1; seed <= 40; seed++)
    {
      g_autoptr (FctDmarcVerdict) a = run (&(Case){ .zone = zone,
                                                    .author = "half.example",
                                                    .legacy = TRUE,
                                                    .seeded = TRUE,
                                                    .seed = seed });
      g_autoptr (FctDmarcVerdict) b = run (&(Case){ .zone = zone,
                                                    .author = "half.example",
                                                    .legacy = TRUE,
                                                    .seeded = TRUE,
                                                    .seed = seed });
      g_assert_cmpint (a->sampled_out, ==, b->sampled_out);
      g_assert_cmpint (a->disposition, ==,
                       a->sampled_out ? FCT_DMARC_POLICY_QUARANTINE
                                      : FCT_DMARC_POLICY_REJECT);
      if (a->sampled_out)
        out++;
      else
        in++;
    }
  g_assert_cmpuint (in, >, 0);
  g_assert_cmpuint (out, >, 0);
}

/* ---------------------------------------------------------------- asynchronous use */

typedef struct
{
  gboolean done;
  FctDmarcVerdict *verdict;
} AsyncState;

static void
on_done (FctDmarcVerdict *verdict, const GError *error, gpointer user_data)
{
  AsyncState *st = user_data;
  g_assert_null (error);
  st->verdict = verdict;
  st->done = TRUE;
}

static void
test_async (void)
{
  g_autoptr (FctResolver) resolver = resolver_for (zone_b1);
  g_autoptr (FctMsg) good = message_with_headers ("From: a@example.com\r\n");
  g_autoptr (FctMsg) bad = message_with_headers ("From: a@example.com, b@example.net\r\n");
  AsyncState s1 = { 0 }, s2 = { 0 };
  FctDmarcInputs i1 = { .msg = good, .spf_result = PASS, .mail_from = "a@example.com" };
  FctDmarcInputs i2 = { .msg = bad };

  fct_dmarc_evaluate_async (resolver, &i1, NULL, on_done, &s1);
  fct_dmarc_evaluate_async (resolver, &i2, NULL, on_done, &s2);
  /* Never from inside the call, even when no query is needed. */
  g_assert_false (s1.done);
  g_assert_false (s2.done);
  while (!s1.done || !s2.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (s1.verdict->result, ==, FCT_DMARC_RESULT_PASS);
  g_assert_cmpint (s2.verdict->result, ==, FCT_DMARC_RESULT_PERMERROR);
  fct_dmarc_verdict_free (s1.verdict);
  fct_dmarc_verdict_free (s2.verdict);
}

/* ---------------------------------------------------------------- report destinations */

static const char zone_reports[]
    = "example.com._report._dmarc.thirdparty.example.net. TXT \"v=DMARC1;\"\n"
      "example.org._report._dmarc.thirdparty.example.net. TXT (\"v=DMARC1; \"\n"
      "  \"rua=mailto:aggregate-reports@thirdparty.example.net, "
      "mailto:x@elsewhere.example; \"\n"
      "  \"ruf=mailto:failure-reports@thirdparty.example.net\")\n"
      "example.com._report._dmarc.broken.example. SERVFAIL\n"
      "example.com._report._dmarc.notdmarc.example. TXT \"hello\"\n";

static void
test_report_destinations (void)
{
  g_autoptr (FctResolver) resolver = resolver_for (zone_reports);
  g_autoptr (FctDmarcDestination) third
      = fct_dmarc_destination_verify (resolver, "example.com", "example.com",
                                      "mailto:auth-reports@thirdparty.example.net", NULL);
  g_autoptr (FctDmarcDestination) internal
      = fct_dmarc_destination_verify (resolver, "example.com", "example.com",
                                      "mailto:dmarc-feedback@reports.example.com", NULL);
  g_autoptr (FctDmarcDestination) other = fct_dmarc_destination_verify (
      resolver, "test.example.com", "example.com", "mailto:x@thirdparty.example.net", NULL);
  g_autoptr (FctDmarcDestination) overridden = fct_dmarc_destination_verify (
      resolver, "example.org", "example.org", "mailto:typo@thirdparty.example.net", NULL);
  g_autoptr (FctDmarcDestination) broken = fct_dmarc_destination_verify (
      resolver, "example.com", "example.com", "mailto:r@broken.example", NULL);
  g_autoptr (FctDmarcDestination) notdmarc = fct_dmarc_destination_verify (
      resolver, "example.com", "example.com", "https://notdmarc.example:8443/r", NULL);
  g_autoptr (FctDmarcDestination) invalid = fct_dmarc_destination_verify (
      resolver, "example.com", "example.com", "mailto:nobody", NULL);

  g_assert_cmpint (third->status, ==, FCT_DMARC_DESTINATION_AUTHORIZED);
  g_assert_cmpstr (third->host, ==, "thirdparty.example.net");
  g_assert_null (third->rua_override);
  g_assert_cmpint (internal->status, ==, FCT_DMARC_DESTINATION_INTERNAL);
  /* The record names the policy domain, not its organizational domain. */
  g_assert_cmpint (other->status, ==, FCT_DMARC_DESTINATION_UNAUTHORIZED);
  g_assert_cmpint (overridden->status, ==, FCT_DMARC_DESTINATION_AUTHORIZED);
  g_assert_cmpuint (overridden->rua_override->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (overridden->rua_override, 0), ==,
                   "mailto:aggregate-reports@thirdparty.example.net");
  g_assert_cmpstr (g_ptr_array_index (overridden->ruf_override, 0), ==,
                   "mailto:failure-reports@thirdparty.example.net");
  g_assert_cmpint (broken->status, ==, FCT_DMARC_DESTINATION_TEMPERROR);
  g_assert_cmpint (notdmarc->status, ==, FCT_DMARC_DESTINATION_UNAUTHORIZED);
  g_assert_cmpstr (notdmarc->host, ==, "notdmarc.example");
  g_assert_cmpint (invalid->status, ==, FCT_DMARC_DESTINATION_INVALID);
  g_assert_cmpstr (fct_dmarc_destination_status_to_string (third->status), ==,
                   "authorized");
}

static void
on_destination (FctDmarcDestination *destination, gpointer user_data)
{
  GPtrArray *out = user_data;
  g_ptr_array_add (out, destination);
}

static void
test_report_destinations_async (void)
{
  g_autoptr (FctResolver) resolver = resolver_for (zone_reports);
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dmarc_destination_free);

  fct_dmarc_destination_verify_async (resolver, "example.com", "example.com",
                                      "mailto:auth-reports@thirdparty.example.net", NULL,
                                      on_destination, out);
  fct_dmarc_destination_verify_async (resolver, "example.com", "example.com",
                                      "mailto:d@example.com", NULL, on_destination, out);
  g_assert_cmpuint (out->len, ==, 0);
  while (out->len < 2)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 2; i++)
    {
      const FctDmarcDestination *d = g_ptr_array_index (out, i);
      if (g_str_equal (d->uri, "mailto:d@example.com"))
        g_assert_cmpint (d->status, ==, FCT_DMARC_DESTINATION_INTERNAL);
      else
        g_assert_cmpint (d->status, ==, FCT_DMARC_DESTINATION_AUTHORIZED);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dmarc/walk/names", test_walk_names);
  g_test_add_func ("/dmarc/align/b1-spf", test_b1_spf);
  g_test_add_func ("/dmarc/align/b1-dkim", test_b1_dkim);
  g_test_add_func ("/dmarc/align/open-identifiers", test_open_identifiers);
  g_test_add_func ("/dmarc/align/table-1", test_table1);
  g_test_add_func ("/dmarc/align/b3-1-session", test_b3_session);
  g_test_add_func ("/dmarc/align/dkim-cap", test_dkim_cap);
  g_test_add_func ("/dmarc/walk/b4-1-simple", test_b4_simple);
  g_test_add_func ("/dmarc/walk/b4-2-deep-shortcut", test_b4_deep);
  g_test_add_func ("/dmarc/walk/limit", test_walk_limit);
  g_test_add_func ("/dmarc/walk/b4-3-psd", test_b4_psd);
  g_test_add_func ("/dmarc/walk/psd-y-at-suffix", test_psd_y_at_suffix);
  g_test_add_func ("/dmarc/walk/psd-n", test_psd_n);
  g_test_add_func ("/dmarc/walk/fewest-labels", test_fewest_labels);
  g_test_add_func ("/dmarc/policy/p-sp-np", test_p_sp_np);
  g_test_add_func ("/dmarc/policy/testing-t", test_testing_mode);
  g_test_add_func ("/dmarc/policy/removed-tags-ignored", test_removed_tags_ignored);
  g_test_add_func ("/dmarc/invalid/records", test_invalid_records);
  g_test_add_func ("/dmarc/invalid/huge-record", test_huge_record);
  g_test_add_func ("/dmarc/from/problems", test_from_problems);
  g_test_add_func ("/dmarc/spf/null-sender-helo", test_null_sender_helo);
  g_test_add_func ("/dmarc/dns/failures", test_dns_failures);
  g_test_add_func ("/dmarc/dns/failure-above", test_dns_failure_above);
  g_test_add_func ("/dmarc/dns/no-record", test_no_record);
  g_test_add_func ("/dmarc/legacy/co-uk", test_legacy_co_uk);
  g_test_add_func ("/dmarc/legacy/private-section", test_legacy_private_section);
  g_test_add_func ("/dmarc/legacy/rules", test_legacy_rules);
  g_test_add_func ("/dmarc/async", test_async);
  g_test_add_func ("/dmarc/report/destinations", test_report_destinations);
  g_test_add_func ("/dmarc/report/destinations-async", test_report_destinations_async);
  return g_test_run ();
}
