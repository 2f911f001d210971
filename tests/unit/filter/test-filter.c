/* facteur filter (include/facteur/filter.h): the authserv-id of forged
 * Authentication-Results as an attacker spells it; the message kept up to its limits and
 * DKIM verified over all of it; the decisions for ordinary business mail (nothing but
 * our fields), a RIB fraud (prefix, banner), a DMARC p=reject spoof (5.7.1) and the same
 * through a trusted or untrusted ARC sealer; missing verdicts; the banner in text and
 * HTML parts with every other part left as it was; actions, the key table and the
 * signer's messages at their exact lengths only. DNS from zone data, a fixed clock. */
#include <facteur/filter.h>
#include <facteur/sync.h>

#include <string.h>

#define NOW G_GINT64_CONSTANT (1800000000)

static const char base_zone[]
    = "legit.example. TXT \"v=spf1 ip4:203.0.113.5 -all\"\n"
      "_dmarc.legit.example. TXT \"v=DMARC1; p=reject\"\n"
      "bank.example. TXT \"v=spf1 ip4:203.0.113.9 -all\"\n"
      "_dmarc.bank.example. TXT \"v=DMARC1; p=reject\"\n"
      "list.example. TXT \"v=spf1 ip4:198.51.100.7 -all\"\n"
      "fourniseur-durand.example. TXT \"v=spf1 ~all\"\n"
      "fournisseur-durand.example. TXT \"v=spf1 ip4:192.0.2.40 -all\"\n";

/* ---------------------------------------------------------------- helpers */

static FctResolver *
resolver_with (const char *extra)
{
  g_autofree char *zone = g_strconcat (base_zone, extra != NULL ? extra : "", NULL);
  g_autoptr (GError) error = NULL;
  FctResolver *r
      = fct_resolver_new_zone_data (zone, strlen (zone), "filter.zone", NULL, &error);
  g_assert_no_error (error);
  return r;
}

/* Feeds text (CRLF) as a milter would: one call per header field (name, value after the
 * colon with its folding), then the body in chunks of 7 bytes. */
static void
feed (FctFilterMessage *m, const char *text)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  /* Every field handed over, as the MTA does, whatever the library's limits. */
  FctLimits all = *fct_limits_default ();
  all.header_fields_max = G_MAXUINT;
  all.header_field_max_bytes = G_MAXSIZE;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, &all, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      g_autofree char *name = g_strndup ((const char *)h->name.ptr, h->name.len);
      g_autofree char *value = g_strndup ((const char *)h->value_raw.ptr, h->value_raw.len);
      fct_filter_message_header (m, name, value);
    }
  fct_filter_message_eoh (m);
  FctSlice body = fct_msg_get_body (msg);
  for (gsize off = 0; off < body.len; off += 7)
    fct_filter_message_body (m, body.ptr + off, MIN (7, body.len - off));
}

typedef struct
{
  gboolean done;
  GAsyncResult *result;
} Wait;

static void
ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;
  (void)source;
  w->result = g_object_ref (result);
  w->done = TRUE;
}

static void
set_true (gpointer data, GObject *gone)
{
  (void)gone;
  *(gboolean *)data = TRUE;
}

static void
wait_for (GMainContext *context, Wait *w)
{
  while (!w->done)
    g_main_context_iteration (context, TRUE);
}

/* The milter's path: stream text through a message with DKIM and ARC verification, then
 * check the kept part, the verifications ended alongside SPF; wait_max_ms as the milter
 * sets it (0: no cut). Returns the message; *report the report. */
static FctFilterMessage *
judge_within (FctResolver *resolver, const char *text, gsize scan_max, const char *ip,
              const char *mail_from, guint wait_max_ms, FctCheckReport **report)
{
  static const char *const none[] = { NULL };
  static const char *const protect[] = { "fournisseur-durand.example", NULL };
  GMainContext *context = g_main_context_new ();
  FctFilterMessageOptions o = { .authserv_id = "mx.example",
                                .scan_max_bytes = scan_max,
                                .resolver = resolver,
                                .now = NOW };
  FctFilterMessage *m;
  g_autoptr (GError) error = NULL;
  Wait w2 = { 0 };

  g_main_context_push_thread_default (context);
  m = fct_filter_message_new (&o);
  feed (m, text);
  FctCheckOptions co = { .ip = ip,
                         .mail_from = mail_from,
                         .authserv_id = "mx.example",
                         .protected_domains = protect,
                         .dnsbl_zones = none,
                         .uribl_zones = none,
                         .now = NOW,
                         .wait_max_ms = wait_max_ms };
  fct_filter_message_check_async (m, &co, NULL, ready, &w2);
  wait_for (context, &w2);
  *report = fct_check_finish (w2.result, &error);
  g_assert_no_error (error);
  /* After a cut the queries given up on still end (their timeouts) and release the
   * check: wait for that, so that nothing is left behind. */
  gboolean gone = FALSE;
  g_object_weak_ref (G_OBJECT (w2.result), set_true, &gone);
  g_object_unref (w2.result);
  while (!gone)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return m;
}

static FctFilterMessage *
judge (FctResolver *resolver, const char *text, gsize scan_max, const char *ip,
       const char *mail_from, FctCheckReport **report)
{
  return judge_within (resolver, text, scan_max, ip, mail_from, 0, report);
}

/* text with its Subject value replaced. */
static char *
subject_replaced (const char *text, const char *subject)
{
  const char *start = strstr (text, "Subject: ") + 9;
  const char *end = strstr (start, "\r\n");
  return g_strdup_printf ("%.*s%s%s", (int)(start - text), text, subject, end);
}

static const FctFilterEdit *
find_edit (const FctFilterDecision *d, FctFilterEditKind kind, const char *name)
{
  for (guint i = 0; i < d->edits->len; i++)
    {
      const FctFilterEdit *e = g_ptr_array_index (d->edits, i);
      if (e->kind == kind && g_ascii_strcasecmp (e->name, name) == 0)
        return e;
    }
  return NULL;
}

static char *
applied (FctFilterMessage *m, const FctFilterDecision *d)
{
  g_autoptr (GBytes) out = fct_filter_decision_apply (m, d);
  g_assert_nonnull (out);
  return g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
}

static const char legit_text[]
    = "From: Compta <compta@legit.example>\r\n"
      "To: achats@client.example\r\n"
      "Subject: Facture 2026-12\r\n"
      "Date: Mon, 07 Dec 2026 09:00:00 +0100\r\n"
      "Message-ID: <f-2026-12@legit.example>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Bonjour,\r\nVeuillez trouver la facture du mois, payable au compte habituel.\r\n";

static const char rib_text[]
    = "From: \"Comptabilite Durand\" <comptabilite@fourniseur-durand.example>\r\n"
      "To: factures@client.example\r\n"
      "Subject: Changement de coordonnees bancaires\r\n"
      "Date: Mon, 07 Dec 2026 09:00:00 +0100\r\n"
      "Message-ID: <rib@fourniseur-durand.example>\r\n"
      "\r\n"
      "Bonjour,\r\nSuite a un changement de banque, merci de noter notre nouveau RIB\r\n"
      "pour le reglement de la facture F-2026-1187, en urgence :\r\n"
      "IBAN : FR76 3000 4000 0312 3456 7890 143\r\nBIC : BNPAFRPPXXX\r\n"
      "Merci de ne plus utiliser l'ancien compte.\r\n";

/* ---------------------------------------------------------------- authserv-id */

static void
test_authserv_id (void)
{
  static const struct
  {
    const char *value;
    const char *id;
  } cases[] = {
    { " mx.example; spf=pass", "mx.example" },
    { "mx.example;spf=pass", "mx.example" },
    { " (forged) (nested (comment)) mx.example ; dkim=pass", "mx.example" },
    { " \"mx.example\"; dkim=pass", "mx.example" },
    { "\r\n\tmx.example 1; none", "mx.example" },
    { " mx.example(comment); none", "mx.example" },
    { " MX.EXAMPLE; none", "MX.EXAMPLE" },
    { " mx.example.evil; spf=pass", "mx.example.evil" },
    { " ; spf=pass", NULL },
    { "", NULL },
    { " (unclosed comment mx.example; spf=pass", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *id
          = fct_filter_authres_authserv_id (cases[i].value, strlen (cases[i].value));
      g_assert_cmpstr (id, ==, cases[i].id);
    }
}

static void
test_envelope_sender (void)
{
  static const struct
  {
    const char *argument, *sender;
  } cases[] = {
    { "<compta@legit.example>", "compta@legit.example" },
    { " <compta@legit.example> ", "compta@legit.example" },
    { "compta@legit.example", "compta@legit.example" },
    { "<>", "" },
    { "", "" },
    { NULL, "" },
    { "<@relay.example:compta@legit.example>", "compta@legit.example" },
    { "<unterminated@legit.example", "<unterminated@legit.example" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = fct_filter_envelope_sender (cases[i].argument);
      g_assert_cmpstr (s, ==, cases[i].sender);
    }
}

/* RFC 8601 §5: every field carrying our authserv-id goes, however written; others'
 * stay; ours is the only one of ours on the way out. */
static void
test_forged_authres_removed (void)
{
  g_autoptr (FctResolver) resolver = resolver_with (NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autofree char *text = g_strconcat (
      "Authentication-Results: other.example; spf=pass smtp.mailfrom=a@b.example\r\n"
      "Authentication-Results: mx.example; dmarc=pass header.from=bank.example\r\n"
      "Authentication-Results: (c) \"MX.Example\";\r\n\tdkim=pass "
      "header.d=bank.example\r\n",
      legit_text, NULL);
  g_autoptr (FctFilterMessage) m
      = judge (resolver, text, 0, "203.0.113.5", "compta@legit.example", &report);
  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);

  const FctFilterEdit *e0 = g_ptr_array_index (d->edits, 0);
  const FctFilterEdit *e1 = g_ptr_array_index (d->edits, 1);
  g_assert_cmpint (e0->kind, ==, FCT_FILTER_EDIT_DELETE);
  g_assert_cmpuint (e0->index, ==, 3); /* from the last, so that indices hold */
  g_assert_cmpint (e1->kind, ==, FCT_FILTER_EDIT_DELETE);
  g_assert_cmpuint (e1->index, ==, 2);
  g_autofree char *out = applied (m, d);
  g_assert_nonnull (strstr (out, "Authentication-Results: other.example; spf=pass"));
  g_assert_null (strstr (out, "header.from=bank.example"));
  g_assert_null (strstr (out, "MX.Example"));
  g_assert_true (g_str_has_prefix (out, "Authentication-Results: mx.example; spf=pass"));
}

/* ---------------------------------------------------------------- decisions */

/* Ordinary business mail: our two fields, nothing else touched. */
static void
test_legit_untouched (void)
{
  g_autoptr (FctResolver) resolver = resolver_with (NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m
      = judge (resolver, legit_text, 0, "203.0.113.5", "compta@legit.example", &report);
  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);

  g_assert_cmpint (report->threat, ==, FCT_THREAT_NONE);
  g_assert_cmpint (d->disposition, ==, FCT_FILTER_DISPOSITION_ACCEPT);
  g_assert_cmpint (d->actions, ==, FCT_FILTER_ACTION_ACCEPT);
  g_assert_false (d->quarantine);
  g_assert_null (d->body);
  g_assert_cmpuint (d->edits->len, ==, 2);
  g_assert_null (find_edit (d, FCT_FILTER_EDIT_CHANGE, "Subject"));
  g_assert_true (g_str_has_prefix (d->verdict, "clean; score="));
  g_assert_null (strstr (d->verdict, "partial"));
  g_autofree char *out = applied (m, d);
  g_assert_true (g_str_has_prefix (out, "Authentication-Results: mx.example; spf=pass"));
  g_assert_nonnull (strstr (out, "\r\nX-Facteur: clean; score="));
  g_assert_nonnull (strstr (out, "\r\nSubject: Facture 2026-12\r\n"));
  g_assert_true (g_str_has_suffix (out, "payable au compte habituel.\r\n"));

  /* A banner asked for clean mail says nothing alarming. */
  policy.on_clean = FCT_FILTER_ACTION_BANNER;
  g_autoptr (FctFilterDecision) b = fct_filter_decide (m, report, NULL, &policy);
  g_autofree char *banner = applied (m, b);
  g_assert_nonnull (strstr (banner, "\r\n\r\nfacteur checked this message and found no "
                                    "sign of fraud.\r\n\r\nBonjour,"));
}

/* A message judged while the bank-account history was unreachable says so in the
 * verdict field; one judged with it says nothing of it. */
static void
test_history_unavailable_said (void)
{
  g_autoptr (FctResolver) resolver = resolver_with (NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m
      = judge (resolver, legit_text, 0, "203.0.113.5", "compta@legit.example", &report);
  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  g_autoptr (FctFilterDecision) with = fct_filter_decide (m, report, NULL, &policy);

  g_assert_null (strstr (with->verdict, "iban-history"));
  fct_findings_add (report->findings, "iban-history-unavailable", "%s",
                    "store: connection refused");
  g_autoptr (FctFilterDecision) without = fct_filter_decide (m, report, NULL, &policy);
  g_assert_true (g_str_has_prefix (without->verdict, "clean; score="));
  g_assert_true (g_str_has_suffix (without->verdict, "; iban-history=unavailable"));
}

static void
test_rib_fraud_tagged (void)
{
  g_autoptr (FctResolver) resolver = resolver_with (NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m
      = judge (resolver, rib_text, 0, "192.0.2.200",
               "comptabilite@fourniseur-durand.example", &report);
  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);

  g_assert_cmpint (report->threat, ==, FCT_THREAT_DANGEROUS);
  g_assert_cmpint (d->disposition, ==, FCT_FILTER_DISPOSITION_ACCEPT);
  const FctFilterEdit *subject = find_edit (d, FCT_FILTER_EDIT_CHANGE, "Subject");
  g_assert_cmpstr (subject != NULL ? subject->value : NULL, ==,
                   " [FRAUD?] Changement de coordonnees bancaires");
  g_assert_nonnull (strstr (d->verdict, "findings="));
  g_assert_nonnull (strstr (d->verdict, "bank-details-change"));
  g_assert_nonnull (d->body);
  g_autofree char *out = applied (m, d);
  g_autofree char *banner = g_strconcat ("\r\n\r\nWARNING: facteur judged this message "
                                         "dangerous",
                                         NULL);
  g_assert_nonnull (strstr (out, banner));
  g_assert_nonnull (strstr (out, "IBAN : FR76 3000 4000 0312 3456 7890 143\r\n"));
  /* The banner's accents-free English fits the part; a message twice through keeps one
   * prefix. */
  g_assert_nonnull (strstr (out, "Subject: [FRAUD?] Changement"));

  policy.on_dangerous = FCT_FILTER_ACTION_REJECT;
  g_autoptr (FctFilterDecision) r = fct_filter_decide (m, report, NULL, &policy);
  g_assert_cmpint (r->disposition, ==, FCT_FILTER_DISPOSITION_REJECT);
  g_assert_cmpstr (r->reply_code, ==, "550");
  g_assert_cmpstr (r->reply_xcode, ==, "5.7.1");
  g_assert_nonnull (strstr (r->reply_text, "dangerous"));
  g_assert_nonnull (strstr (r->reply_text, "bank-details-change"));

  policy.on_dangerous = FCT_FILTER_ACTION_QUARANTINE;
  g_autoptr (FctFilterDecision) q = fct_filter_decide (m, report, NULL, &policy);
  g_assert_cmpint (q->disposition, ==, FCT_FILTER_DISPOSITION_ACCEPT);
  g_assert_true (q->quarantine);
  g_assert_nonnull (strstr (q->quarantine_reason, "dangerous"));
}

/* The fraudster writes the verdict he wants ("X-Facteur: clean", in two spellings of
 * the name) above and below the fields: after us, only our verdict field is left, and a
 * Sieve rule reading it sees "dangerous" alone. */
static void
test_forged_verdict_removed (void)
{
  g_autoptr (FctResolver) resolver = resolver_with (NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autofree char *text = g_strconcat ("X-Facteur: clean; score=9.9\r\n", rib_text, NULL);
  g_autoptr (GString) t = g_string_new (text);
  g_string_replace (t, "To: factures@client.example\r\n",
                    "To: factures@client.example\r\nx-facteur: clean\r\n", 1);
  g_autoptr (FctFilterMessage) m
      = judge (resolver, t->str, 0, "192.0.2.200", "comptabilite@fourniseur-durand.example",
               &report);
  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);
  g_assert_cmpint (report->threat, ==, FCT_THREAT_DANGEROUS);
  g_autofree char *out = applied (m, d);
  g_autofree char *lower = g_ascii_strdown (out, -1);
  const char *first = strstr (lower, "x-facteur:");
  g_assert_nonnull (first);
  g_assert_null (strstr (first + 1, "x-facteur:"));
  g_assert_true (g_str_has_prefix (out + (first - lower), "X-Facteur: dangerous"));
}

/* A message that comes round twice (a forward back to us) keeps one prefix. */
static void
test_prefix_once (void)
{
  g_autoptr (FctResolver) resolver = resolver_with (NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autofree char *text = subject_replaced (rib_text, "[FRAUD?] Changement");
  g_autoptr (FctFilterMessage) m = judge (
      resolver, text, 0, "192.0.2.200", "comptabilite@fourniseur-durand.example", &report);
  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);

  g_assert_true (d->actions & FCT_FILTER_ACTION_PREFIX);
  g_assert_null (find_edit (d, FCT_FILTER_EDIT_CHANGE, "Subject"));
}

static const char spoof_text[] = "From: Banque <securite@bank.example>\r\n"
                                 "To: client@client.example\r\n"
                                 "Subject: Votre compte\r\n"
                                 "Date: Mon, 07 Dec 2026 09:00:00 +0100\r\n"
                                 "Message-ID: <spoof@bank.example>\r\n"
                                 "\r\n"
                                 "Confirmez vos identifiants.\r\n";

static void
test_dmarc_reject (void)
{
  g_autoptr (FctResolver) resolver = resolver_with (NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m
      = judge (resolver, spoof_text, 0, "198.51.100.23", "securite@bank.example", &report);
  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);

  g_assert_cmpint (d->disposition, ==, FCT_FILTER_DISPOSITION_REJECT);
  g_assert_cmpstr (d->reply_code, ==, "550");
  g_assert_cmpstr (d->reply_xcode, ==, "5.7.1");
  g_assert_nonnull (strstr (d->reply_text, "DMARC policy of bank.example"));
  g_assert_null (strchr (d->reply_text, '%'));

  policy.on_dmarc_reject = FCT_FILTER_ACTION_QUARANTINE;
  g_autoptr (FctFilterDecision) q = fct_filter_decide (m, report, NULL, &policy);
  g_assert_cmpint (q->disposition, ==, FCT_FILTER_DISPOSITION_ACCEPT);
  g_assert_true (q->quarantine);
}

/* A mailing list breaks SPF and DKIM but seals its own DMARC pass (RFC 8617 §7.2): a
 * sealer we trust lifts the reject; the same chain from one we do not trust does not. */
static void
test_trusted_arc_sealer (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key
      = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_ED25519, 0, &error);
  g_assert_no_error (error);
  g_autofree char *record = fct_dkim_private_key_get_dns_record (key);
  g_autofree char *zone
      = g_strdup_printf ("arc._domainkey.list.example. TXT \"%s\"\n", record);
  g_autoptr (FctResolver) resolver = resolver_with (zone);
  g_autoptr (GBytes) bytes = g_bytes_new (spoof_text, strlen (spoof_text));
  g_autoptr (FctMsg) original = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FctArcVerifyResult) none = fct_arc_verify (original, resolver, NULL);
  FctArcSealOptions so = { .domain = "list.example",
                           .selector = "arc",
                           .key = key,
                           .authserv_id = "lists.list.example",
                           .results = "spf=pass smtp.mailfrom=securite@bank.example; "
                                      "dmarc=pass header.from=bank.example",
                           .timestamp = NOW - 60 };
  g_autoptr (FctArcSealResult) sealed = fct_arc_seal (original, none, &so, &error);
  g_assert_no_error (error);
  g_assert_true (sealed->sealed);
  g_autofree char *text = g_strconcat (sealed->seal, sealed->message_signature,
                                       sealed->authentication_results, spoof_text, NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m
      = judge (resolver, text, 0, "198.51.100.7", "bounce@list.example", &report);
  g_assert_cmpint (report->arc->cv, ==, FCT_ARC_CV_PASS);
  g_assert_cmpint (report->dmarc->result, ==, FCT_DMARC_RESULT_FAIL);

  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  g_autoptr (FctFilterDecision) untrusted = fct_filter_decide (m, report, NULL, &policy);
  g_assert_cmpint (untrusted->disposition, ==, FCT_FILTER_DISPOSITION_REJECT);

  static const char *const others[] = { "other.example", NULL };
  policy.trusted_arc_sealers = others;
  g_autoptr (FctFilterDecision) other = fct_filter_decide (m, report, NULL, &policy);
  g_assert_cmpint (other->disposition, ==, FCT_FILTER_DISPOSITION_REJECT);

  static const char *const trusted[] = { "list.example", NULL };
  policy.trusted_arc_sealers = trusted;
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);
  g_assert_cmpint (d->disposition, ==, FCT_FILTER_DISPOSITION_ACCEPT);
  g_assert_nonnull (strstr (d->reason, "lifted by arc list.example"));
}

/* The sealer we trust vouched for a DMARC pass of another author domain: an attacker
 * posts through the list as himself (dmarc=pass header.from=attacker.example), then
 * rewrites the From to the bank and seals the result with a key of his own. The list's
 * seal covers only the ARC fields (RFC 8617 §5.1.1) and only the latest AMS is checked
 * (§5.2), so the chain validates; the list's pass says nothing of bank.example, and the
 * reject holds. */
static void
test_trusted_arc_other_domain (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) list_key
      = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_ED25519, 0, &error);
  g_autoptr (FctDkimPrivateKey) evil_key
      = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_ED25519, 0, &error);
  g_assert_no_error (error);
  g_autofree char *list_record = fct_dkim_private_key_get_dns_record (list_key);
  g_autofree char *evil_record = fct_dkim_private_key_get_dns_record (evil_key);
  g_autofree char *zone = g_strdup_printf ("arc._domainkey.list.example. TXT \"%s\"\n"
                                           "arc._domainkey.attacker.example. TXT \"%s\"\n",
                                           list_record, evil_record);
  g_autoptr (FctResolver) resolver = resolver_with (zone);

  /* The attacker's own message, From his domain, through the list. */
  g_autoptr (GString) own_text = g_string_new (spoof_text);
  g_string_replace (own_text, "securite@bank.example", "securite@attacker.example", 0);
  const char *own = own_text->str;
  g_autoptr (GBytes) own_bytes = g_bytes_new (own, strlen (own));
  g_autoptr (FctMsg) own_msg = fct_msg_new_from_bytes (own_bytes, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FctArcVerifyResult) none = fct_arc_verify (own_msg, resolver, NULL);
  FctArcSealOptions so = { .domain = "list.example",
                           .selector = "arc",
                           .key = list_key,
                           .authserv_id = "lists.list.example",
                           .results = "spf=pass smtp.mailfrom=securite@attacker.example; "
                                      "dmarc=pass header.from=attacker.example",
                           .timestamp = NOW - 120 };
  g_autoptr (FctArcSealResult) listed = fct_arc_seal (own_msg, none, &so, &error);
  g_assert_no_error (error);
  g_assert_true (listed->sealed);

  /* The From rewritten to the bank, then sealed again by the attacker. */
  g_autofree char *forged = g_strconcat (listed->seal, listed->message_signature,
                                         listed->authentication_results, spoof_text, NULL);
  g_autoptr (GBytes) forged_bytes = g_bytes_new (forged, strlen (forged));
  g_autoptr (FctMsg) forged_msg = fct_msg_new_from_bytes (forged_bytes, NULL, &error);
  g_assert_no_error (error);
  /* His sealer writes cv=pass: the chain as it was before his edit. */
  g_autofree char *listed_text = g_strconcat (listed->seal, listed->message_signature,
                                              listed->authentication_results, own, NULL);
  g_autoptr (GBytes) listed_bytes = g_bytes_new (listed_text, strlen (listed_text));
  g_autoptr (FctMsg) listed_msg = fct_msg_new_from_bytes (listed_bytes, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FctArcVerifyResult) chain = fct_arc_verify (listed_msg, resolver, NULL);
  g_assert_cmpint (chain->cv, ==, FCT_ARC_CV_PASS);
  FctArcSealOptions eo = { .domain = "attacker.example",
                           .selector = "arc",
                           .key = evil_key,
                           .authserv_id = "mx.attacker.example",
                           .results = "arc=pass",
                           .timestamp = NOW - 60 };
  g_autoptr (FctArcSealResult) resealed = fct_arc_seal (forged_msg, chain, &eo, &error);
  g_assert_no_error (error);
  g_assert_true (resealed->sealed);
  g_autofree char *text = g_strconcat (resealed->seal, resealed->message_signature,
                                       resealed->authentication_results, forged, NULL);

  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m
      = judge (resolver, text, 0, "198.51.100.66", "x@attacker.example", &report);
  g_assert_cmpint (report->arc->cv, ==, FCT_ARC_CV_PASS);
  g_assert_cmpint (report->dmarc->result, ==, FCT_DMARC_RESULT_FAIL);

  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  static const char *const trusted[] = { "list.example", NULL };
  policy.trusted_arc_sealers = trusted;
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);
  g_assert_cmpint (d->disposition, ==, FCT_FILTER_DISPOSITION_REJECT);
}

static void
test_no_verdict (void)
{
  FctFilterMessageOptions o = { .authserv_id = "mx.example" };
  g_autoptr (FctFilterMessage) m = fct_filter_message_new (&o);
  g_autoptr (GError) error
      = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "time budget spent");
  FctFilterPolicy policy;

  feed (m, legit_text);
  fct_filter_policy_init (&policy);
  g_autoptr (FctFilterDecision) open = fct_filter_decide (m, NULL, error, &policy);
  g_assert_cmpint (open->disposition, ==, FCT_FILTER_DISPOSITION_ACCEPT);
  g_assert_cmpstr (open->verdict, ==, "unchecked; reason=time-budget");
  /* No result of ours to vouch for: no Authentication-Results added. */
  g_assert_null (find_edit (open, FCT_FILTER_EDIT_INSERT, "Authentication-Results"));

  policy.on_error = FCT_FILTER_ACTION_TEMPFAIL;
  g_autoptr (FctFilterDecision) closed = fct_filter_decide (m, NULL, error, &policy);
  g_assert_cmpint (closed->disposition, ==, FCT_FILTER_DISPOSITION_TEMPFAIL);
  g_assert_cmpstr (closed->reply_code, ==, "451");
  g_assert_cmpstr (closed->reply_xcode, ==, "4.3.0");
}

/* ---------------------------------------------------------------- limits */

/* Judged on its first bytes, the DKIM verdict still covers the whole message: checking
 * the kept part alone would fail its body hash and DMARC with it. */
static void
test_partial_keeps_dkim (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key
      = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_RSA, 2048, &error);
  g_assert_no_error (error);
  g_autofree char *record = fct_dkim_private_key_get_dns_record (key);
  g_autofree char *txt = fct_dkim_txt_split (record);
  g_autofree char *zone = g_strdup_printf ("s1._domainkey.legit.example. TXT %s\n", txt);
  g_autoptr (FctResolver) resolver = resolver_with (zone);
  g_autoptr (GString) text = g_string_new (legit_text);
  for (guint i = 0; i < 4000; i++)
    g_string_append (text, "Ligne de facture numero 0123456789, montant 100,00 EUR.\r\n");
  g_autoptr (GBytes) bytes = g_bytes_new (text->str, text->len);
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  FctDkimSignOptions so;
  fct_dkim_sign_options_init (&so);
  so.domain = "legit.example";
  so.selector = "s1";
  so.key = key;
  so.timestamp = NOW - 60;
  g_autofree char *sig = fct_dkim_sign (msg, &so, &error);
  g_assert_no_error (error);
  g_string_prepend (text, sig);

  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m
      = judge (resolver, text->str, 65536, "198.51.100.1", "compta@legit.example", &report);
  g_assert_true (fct_filter_message_is_partial (m));
  g_assert_cmpuint (fct_filter_message_get_size (m), ==, text->len);
  /* Judged on its first 64 KiB (what the log's scanned= says), DKIM over all of it. */
  g_assert_cmpuint (fct_filter_message_get_scanned_size (m), ==, 65536);
  g_assert_cmpstr (fct_check_report_dkim_result (report), ==, "pass");
  g_assert_cmpstr (fct_check_report_dmarc_result (report), ==, "pass");

  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  policy.on_clean = FCT_FILTER_ACTION_BANNER;
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);
  g_assert_true (g_str_has_suffix (d->verdict, "; partial"));
  g_assert_null (d->body); /* the body not kept cannot be rewritten */
  g_assert_null (fct_filter_decision_apply (m, d));
}

/* ---------------------------------------------------------------- the time budget */

/* A resolver whose TIMEOUT names answer only after dns_timeout_ms, longer than the
 * check is given to wait (wait_max_ms, as the milter sets it from its budget). */
static FctResolver *
slow_resolver_with (const char *extra)
{
  g_autofree char *zone = g_strconcat (base_zone, extra, NULL);
  g_autoptr (GError) error = NULL;
  FctLimits limits = *fct_limits_default ();
  limits.dns_timeout_ms = 800;
  FctResolver *r
      = fct_resolver_new_zone_data (zone, strlen (zone), "filter.zone", &limits, &error);
  g_assert_no_error (error);
  return r;
}

static char *
replaced (const char *text, const char *from, const char *to)
{
  GString *s = g_string_new (text);
  g_string_replace (s, from, to, 0);
  return g_string_free (s, FALSE);
}

static char *
signed_text (FctDkimPrivateKey *key, const char *text, const char *domain)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  FctDkimSignOptions so;
  fct_dkim_sign_options_init (&so);
  so.domain = domain;
  so.selector = "s1";
  so.key = key;
  so.timestamp = NOW - 60;
  g_autofree char *sig = fct_dkim_sign (msg, &so, &error);
  g_assert_no_error (error);
  return g_strconcat (sig, text, NULL);
}

static char *
key_zone (FctDkimPrivateKey *key, const char *domain)
{
  g_autofree char *record = fct_dkim_private_key_get_dns_record (key);
  g_autofree char *txt = fct_dkim_txt_split (record);
  return g_strdup_printf ("s1._domainkey.%s. TXT %s\n", domain, txt);
}

/* The sender's SPF record never comes, its aligned DKIM signature passes: the check
 * stops waiting for SPF at the cut, DMARC passes on DKIM (RFC 9989: one aligned pass
 * is enough), and a DNS error that changes nothing does not hold the message even when
 * on_dns_error says tempfail. */
static void
test_cut_spf_dkim_passes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key
      = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_ED25519, 0, &error);
  g_assert_no_error (error);
  g_autofree char *keys = key_zone (key, "slow.example");
  g_autofree char *extra = g_strconcat ("slow.example. TIMEOUT\n"
                                        "_dmarc.slow.example. TXT \"v=DMARC1; p=reject\"\n",
                                        keys, NULL);
  g_autoptr (FctResolver) resolver = slow_resolver_with (extra);
  g_autofree char *from = replaced (legit_text, "legit.example", "slow.example");
  g_autofree char *text = signed_text (key, from, "slow.example");
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m
      = judge_within (resolver, text, 0, "203.0.113.5", "compta@slow.example", 50, &report);

  g_assert_cmpuint (report->cut_short & FCT_CHECK_CUT_SPF, !=, 0);
  g_assert_cmpuint (report->cut_short & FCT_CHECK_CUT_DKIM, ==, 0);
  g_assert_cmpstr (fct_check_report_spf_result (report), ==, "temperror");
  g_assert_cmpstr (fct_check_report_dkim_result (report), ==, "pass");
  g_assert_cmpstr (fct_check_report_dmarc_result (report), ==, "pass");
  /* The A-R says why SPF has no result. */
  g_assert_nonnull (strstr (report->authentication_results, "spf=temperror"));
  g_assert_nonnull (strstr (report->authentication_results, "time budget"));

  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);
  policy.on_dns_error = FCT_FILTER_ACTION_TEMPFAIL;
  g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);
  g_assert_cmpint (d->disposition, ==, FCT_FILTER_DISPOSITION_ACCEPT);
  g_assert_true (g_str_has_prefix (d->verdict, "clean; "));
  g_assert_nonnull (strstr (d->verdict, "; cut-short=spf"));
  g_assert_null (strstr (d->reason, "dns-temperror"));
}

/* A spoof of a p=reject domain: its DKIM signature fails (the body changed), and SPF
 * never answers. From the spoofer's own envelope domain, SPF could not align whatever it
 * said: DMARC fails and the message is refused. From an envelope in the domain itself,
 * SPF could have passed and aligned: DMARC is temperror, and on_dns_error decides
 * (accept and tag by default, tempfail when configured), never a 5xx on a guess. */
static void
test_cut_spoof_spf_times_out (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key
      = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_ED25519, 0, &error);
  g_assert_no_error (error);
  g_autofree char *keys = key_zone (key, "slowbank.example");
  g_autofree char *extra
      = g_strconcat ("slowbank.example. TIMEOUT\n"
                     "_dmarc.slowbank.example. TXT \"v=DMARC1; p=reject\"\n"
                     "attacker.example. TIMEOUT\n",
                     keys, NULL);
  g_autoptr (FctResolver) resolver = slow_resolver_with (extra);
  g_autofree char *from = replaced (spoof_text, "bank.example", "slowbank.example");
  g_autofree char *signed_spoof = signed_text (key, from, "slowbank.example");
  g_autofree char *text
      = replaced (signed_spoof, "Confirmez vos identifiants.", "Confirmez-les ici.");
  FctFilterPolicy policy;
  fct_filter_policy_init (&policy);

  g_autoptr (FctCheckReport) foreign = NULL;
  g_autoptr (FctFilterMessage) m1 = judge_within (resolver, text, 0, "198.51.100.23",
                                                  "x@attacker.example", 50, &foreign);
  g_assert_cmpuint (foreign->cut_short & FCT_CHECK_CUT_SPF, !=, 0);
  g_assert_cmpstr (fct_check_report_spf_result (foreign), ==, "temperror");
  g_assert_cmpstr (fct_check_report_dkim_result (foreign), ==, "fail");
  g_assert_cmpstr (fct_check_report_dmarc_result (foreign), ==, "fail");
  g_autoptr (FctFilterDecision) d1 = fct_filter_decide (m1, foreign, NULL, &policy);
  g_assert_cmpint (d1->disposition, ==, FCT_FILTER_DISPOSITION_REJECT);
  g_assert_cmpstr (d1->reply_xcode, ==, "5.7.1");

  g_autoptr (FctCheckReport) own = NULL;
  g_autoptr (FctFilterMessage) m2 = judge_within (resolver, text, 0, "198.51.100.23",
                                                  "securite@slowbank.example", 50, &own);
  g_assert_cmpstr (fct_check_report_spf_result (own), ==, "temperror");
  g_assert_cmpstr (fct_check_report_dmarc_result (own), ==, "temperror");
  g_autoptr (FctFilterDecision) d2 = fct_filter_decide (m2, own, NULL, &policy);
  g_assert_cmpint (d2->disposition, ==, FCT_FILTER_DISPOSITION_ACCEPT);
  g_assert_nonnull (strstr (d2->reason, "dns-temperror"));
  g_assert_nonnull (strstr (d2->verdict, "cut-short=spf"));
  policy.on_dns_error = FCT_FILTER_ACTION_TEMPFAIL;
  g_autoptr (FctFilterDecision) d3 = fct_filter_decide (m2, own, NULL, &policy);
  g_assert_cmpint (d3->disposition, ==, FCT_FILTER_DISPOSITION_TEMPFAIL);
  g_assert_cmpstr (d3->reply_code, ==, "451");
}

/* The key of the only signature never comes: at the cut DKIM reads temperror, saying
 * why, and SPF, in, decides DMARC. */
static void
test_cut_dkim_key (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key
      = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_ED25519, 0, &error);
  g_assert_no_error (error);
  g_autoptr (FctResolver) resolver
      = slow_resolver_with ("s1._domainkey.legit.example. TIMEOUT\n");
  g_autofree char *text = signed_text (key, legit_text, "legit.example");
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m = judge_within (resolver, text, 0, "203.0.113.5",
                                                 "compta@legit.example", 50, &report);

  g_assert_cmpuint (report->cut_short, ==, FCT_CHECK_CUT_DKIM);
  g_assert_cmpstr (fct_check_report_dkim_result (report), ==, "temperror");
  g_assert_cmpstr (fct_check_report_spf_result (report), ==, "pass");
  g_assert_cmpstr (fct_check_report_dmarc_result (report), ==, "pass");
  g_assert_nonnull (strstr (report->authentication_results, "time budget"));
}

/* A mailing list's ARC seal whose key never comes: at the cut the chain reads cv=fail,
 * temporary (a DNS failure, RFC 8617 §5.2.1), the A-R says why, and cut-short names
 * arc; the spoofed p=reject author still fails DMARC. */
static void
test_cut_arc_key (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key
      = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_ED25519, 0, &error);
  g_assert_no_error (error);
  g_autoptr (FctResolver) resolver
      = slow_resolver_with ("arc._domainkey.list.example. TIMEOUT\n");
  g_autoptr (GBytes) bytes = g_bytes_new (spoof_text, strlen (spoof_text));
  g_autoptr (FctMsg) original = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FctArcVerifyResult) none = fct_arc_verify (original, resolver, NULL);
  FctArcSealOptions so = { .domain = "list.example",
                           .selector = "arc",
                           .key = key,
                           .authserv_id = "lists.list.example",
                           .results = "dmarc=pass header.from=bank.example",
                           .timestamp = NOW - 60 };
  g_autoptr (FctArcSealResult) sealed = fct_arc_seal (original, none, &so, &error);
  g_assert_no_error (error);
  g_autofree char *text = g_strconcat (sealed->seal, sealed->message_signature,
                                       sealed->authentication_results, spoof_text, NULL);
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (FctFilterMessage) m = judge_within (resolver, text, 0, "198.51.100.7",
                                                 "bounce@list.example", 50, &report);

  g_assert_cmpuint (report->cut_short, ==, FCT_CHECK_CUT_ARC);
  g_assert_cmpint (report->arc->cv, ==, FCT_ARC_CV_FAIL);
  g_assert_true (report->arc->temporary);
  g_assert_nonnull (strstr (report->authentication_results, "arc=fail"));
  g_assert_nonnull (strstr (report->authentication_results, "time budget"));
  g_assert_cmpstr (fct_check_report_dmarc_result (report), ==, "fail");
}

static void
test_header_limits (void)
{
  FctFilterMessageOptions o = { .authserv_id = "mx.example" };
  g_autoptr (FctFilterMessage) m = fct_filter_message_new (&o);
  g_autoptr (GError) error = NULL;

  fct_filter_message_header (m, "From", " a@legit.example");
  /* A folded value with bare LF, as Postfix hands them over. */
  fct_filter_message_header (m, "Subject", " first\n\tsecond");
  fct_filter_message_header (m, "Bad:Name", " dropped");
  fct_filter_message_header (m, "", " dropped");
  for (guint i = 0; i < 1500; i++)
    fct_filter_message_header (m, "X-Filler", " x");
  fct_filter_message_eoh (m);
  fct_filter_message_body (m, "body\r\n", 6);
  g_assert_true (fct_filter_message_is_partial (m));
  g_assert_cmpuint (fct_filter_message_get_header_count (m), ==, 1502);
  g_autoptr (FctMsg) msg = fct_filter_message_to_msg (m, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fct_msg_get_header_count (msg), ==,
                    fct_limits_default ()->header_fields_max);
  const FctMsgHeader *subject = fct_msg_find_header (msg, "Subject", 0);
  g_assert_cmpmem (subject->raw.ptr, subject->raw.len, "Subject: first\r\n\tsecond", 23);
  g_assert_cmpstr (fct_filter_message_get_from_domain (m), ==, "legit.example");

  g_autoptr (FctFilterMessage) empty = fct_filter_message_new (&o);
  fct_filter_message_eoh (empty);
  g_assert_null (fct_filter_message_to_msg (empty, &error));
  g_assert_error (error, FCT_FILTER_ERROR, FCT_FILTER_ERROR_MESSAGE);
}

/* A spoof of a p=reject domain whose From comes after a thousand padding fields, or after
 * padding past the scan budget, or is itself over the field limit: the check must see
 * that From (the MTA delivers it, the reader sees it), so DMARC fails and the reject
 * holds. Dropping it left the check without an author domain and the spoof accepted. */
static void
test_from_past_limits (void)
{
  g_autoptr (FctResolver) resolver = resolver_with (NULL);
  const char *from = strstr (spoof_text, "From:");
  const char *rest = strstr (spoof_text, "To:");
  g_autofree char *from_field = g_strndup (from, (gsize)(rest - from));

  for (guint variant = 0; variant < 3; variant++)
    {
      g_autoptr (GString) text = g_string_new (NULL);
      gsize scan_max = 0;
      if (variant == 0)
        for (guint i = 0; i < 1200; i++)
          g_string_append_printf (text, "X-Filler-%u: padding\r\n", i);
      else if (variant == 1)
        {
          scan_max = 65536;
          /* Large fields, then small ones to fill the budget to the byte. */
          for (guint i = 0; i < 15; i++)
            {
              g_string_append (text, "X-Filler: ");
              for (guint k = 0; k < 80; k++)
                g_string_append (text, "padding padding padding padding padding pad\r\n ");
              g_string_append (text, "end\r\n");
            }
          for (guint i = 0; i < 600; i++)
            g_string_append (text, "X-F: padding pad\r\n");
        }
      g_string_append (text, from_field);
      if (variant == 2)
        {
          /* The From itself over 64 KiB: a long comment in the display name. */
          g_string_truncate (text, text->len - 2);
          for (guint k = 0; k < 2000; k++)
            g_string_append (text, "\r\n (padding padding padding padding)");
          g_string_append (text, "\r\n");
        }
      g_string_append (text, rest);

      g_autoptr (FctCheckReport) report = NULL;
      g_autoptr (FctFilterMessage) m = judge (
          resolver, text->str, scan_max, "198.51.100.23", "securite@bank.example", &report);
      FctFilterPolicy policy;
      fct_filter_policy_init (&policy);
      g_autoptr (FctFilterDecision) d = fct_filter_decide (m, report, NULL, &policy);
      g_test_message ("variant %u: dmarc=%s", variant,
                      fct_check_report_dmarc_result (report));
      g_assert_cmpstr (fct_check_report_dmarc_result (report), ==, "fail");
      g_assert_cmpint (d->disposition, ==, FCT_FILTER_DISPOSITION_REJECT);
    }
}

/* ---------------------------------------------------------------- remote keys */

static GBytes *
sign_elsewhere (FctDkimKeyType type, FctDkimHash hash, const guint8 *digest,
                gsize digest_len, gpointer user_data, GError **error)
{
  guint *calls = g_object_get_data (G_OBJECT (user_data), "calls");
  FctDkimPrivateKey *key = g_object_get_data (G_OBJECT (user_data), "key");
  g_assert_cmpint (type, ==, fct_dkim_private_key_get_key_type (key));
  (*calls)++;
  return fct_dkim_private_key_sign (key, hash, digest, digest_len, error);
}

/* The milter's keys sign in the signer process: a remote key's signature is the one the
 * key itself would make, and verifies; the message is signed as it streams through. */
static void
test_remote_key_signs (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key
      = fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_ED25519, 0, &error);
  g_autofree char *record = fct_dkim_private_key_get_dns_record (key);
  g_autofree char *zone
      = g_strdup_printf ("ed._domainkey.legit.example. TXT \"%s\"\n", record);
  g_autoptr (FctResolver) resolver = resolver_with (zone);
  guint calls = 0;
  g_autoptr (GObject) holder = g_object_new (G_TYPE_OBJECT, NULL);
  g_object_set_data (holder, "calls", &calls);
  g_object_set_data (holder, "key", key);
  g_autoptr (FctDkimPrivateKey) remote
      = fct_dkim_private_key_new_remote (FCT_DKIM_KEY_TYPE_ED25519, 256, sign_elsewhere,
                                         g_object_ref (holder), g_object_unref);
  g_assert_cmpuint (fct_dkim_private_key_get_bits (remote), ==, 256);

  FctFilterMessageOptions o = { .authserv_id = "mx.example" };
  g_autoptr (FctFilterMessage) m = fct_filter_message_new (&o);
  FctDkimSignOptions so;
  fct_dkim_sign_options_init (&so);
  so.domain = "legit.example";
  so.selector = "ed";
  so.key = remote;
  so.timestamp = NOW - 60;
  /* Fed as the milter does: signing starts at the end of the header. */
  g_autoptr (GBytes) bytes = g_bytes_new (legit_text, strlen (legit_text));
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, NULL);
  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      g_autofree char *name = g_strndup ((const char *)h->name.ptr, h->name.len);
      g_autofree char *value = g_strndup ((const char *)h->value_raw.ptr, h->value_raw.len);
      fct_filter_message_header (m, name, value);
    }
  fct_filter_message_eoh (m);
  g_assert_true (fct_filter_message_sign (m, &so, &error));
  g_assert_no_error (error);
  FctSlice body = fct_msg_get_body (msg);
  fct_filter_message_body (m, body.ptr, body.len);
  g_autoptr (GPtrArray) sigs = fct_filter_message_signatures (m, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sigs->len, ==, 1);
  g_assert_cmpuint (calls, ==, 1);
  const char *field = g_ptr_array_index (sigs, 0);
  g_assert_true (g_str_has_prefix (field, "DKIM-Signature:"));
  g_assert_null (strstr (field, "\r")); /* folded with LF, as milters hand fields over */

  GString *with_crlf = g_string_new (field);
  g_string_replace (with_crlf, "\n", "\r\n", 0);
  g_autofree char *crlf = g_string_free (with_crlf, FALSE);
  g_autofree char *signed_text = g_strconcat (crlf, legit_text, NULL);
  g_autoptr (GBytes) sbytes = g_bytes_new (signed_text, strlen (signed_text));
  g_autoptr (FctMsg) smsg = fct_msg_new_from_bytes (sbytes, NULL, &error);
  FctDkimVerifyOptions vo = { .now = NOW };
  g_autoptr (FctDkimVerifyResult) v = fct_dkim_verify (smsg, resolver, &vo);
  g_assert_cmpint (fct_dkim_verify_result_summary (v), ==, FCT_DKIM_RESULT_PASS);
}

/* ---------------------------------------------------------------- banner */

static const char multipart_text[]
    = "From: a@legit.example\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
      "\r\n"
      "preamble\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
      "\r\n"
      "--alt\r\n"
      "Content-Type: text/plain; charset=us-ascii\r\n"
      "Content-Transfer-Encoding: 7bit\r\n"
      "\r\n"
      "Hello in text.\r\n"
      "--alt\r\n"
      "Content-Type: text/html; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "<html><head><title>t</title></head><BODY "
      "class=3D\"x\"><p>Caf=E9</p></BODY></html>\r\n"
      "--alt--\r\n"
      "--outer\r\n"
      "Content-Type: application/pdf; name=\"f.pdf\"\r\n"
      "Content-Disposition: attachment; filename=\"f.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n"
      "--outer\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
      "\r\n"
      "attached notes\r\n"
      "--outer--\r\n";

static void
test_banner_multipart (void)
{
  g_autoptr (GBytes) bytes = g_bytes_new (multipart_text, strlen (multipart_text));
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_autofree char *content_type = NULL, *encoding = NULL;
  g_autoptr (GBytes) body = fct_filter_banner_apply (
      msg, "Attention : m\303\251fiance <danger> & co", &content_type, &encoding);

  g_assert_nonnull (body);
  g_assert_null (content_type); /* the top level is a multipart: its fields stay */
  g_assert_null (encoding);
  g_autofree char *b = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  /* Structure and the parts not shown are as they were. */
  g_assert_true (g_str_has_prefix (b, "preamble\r\n--outer\r\n"));
  g_assert_nonnull (strstr (b, "--alt--"));
  g_assert_nonnull (strstr (b, "--outer--"));
  g_assert_nonnull (strstr (
      b, "\r\n\r\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n"));
  g_assert_nonnull (strstr (b, "\r\n\r\nattached notes\r\n"));
  g_assert_null (strstr (b, "\r\r\n"));
  /* The text part: utf-8 now, quoted-printable, banner first. */
  g_assert_nonnull (strstr (b, "charset=utf-8"));
  g_assert_nonnull (strstr (b, "Content-Transfer-Encoding: quoted-printable"));
  g_assert_nonnull (strstr (b, "Attention : m=C3=A9fiance <danger> & co"));
  g_assert_nonnull (strstr (b, "Hello in text."));
  /* The HTML part: after <BODY ...>, escaped, numeric references, still latin-1 QP. */
  g_assert_nonnull (strstr (b, "charset=iso-8859-1"));
  const char *body_tag = strstr (b, "<BODY class=3D\"x\">");
  g_assert_nonnull (body_tag);
  const char *div = strstr (b, "<BODY class=3D\"x\"><div style=3D");
  g_assert_true (div == body_tag);
  /* Quoted-printable soft line breaks (RFC 2045 §6.7 rule 5) aside. */
  GString *joined = g_string_new (b);
  g_string_replace (joined, "=\r\n", "", 0);
  g_autofree char *unwrapped = g_string_free (joined, FALSE);
  g_assert_nonnull (strstr (unwrapped, "m&#233;fiance &lt;danger&gt; &amp; co</div>"));
  g_assert_nonnull (strstr (b, "<p>Caf=E9</p>"));
}

static void
test_banner_single_part (void)
{
  static const char text[] = "From: a@legit.example\r\nSubject: x\r\n\r\nPlain body.\r\n";
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, NULL);
  g_autofree char *content_type = NULL, *encoding = NULL;
  g_autoptr (GBytes) body
      = fct_filter_banner_apply (msg, "M\303\251fiance.", &content_type, &encoding);

  g_assert_nonnull (body);
  /* No MIME fields: text/plain us-ascii 7bit, which the banner's é outgrows. */
  g_assert_nonnull (content_type);
  g_assert_nonnull (strstr (content_type, "charset=utf-8"));
  g_assert_cmpstr (encoding, ==, "quoted-printable");
  static const char expected[] = "M=C3=A9fiance.\r\n\r\nPlain body.\r\n";
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), expected,
                   sizeof expected - 1);

  /* An empty text part (GMime gives no data pointer at all; found by fuzz-filter under
   * UBSan): the banner alone. */
  static const char empty[] = "From: a@legit.example\r\nContent-Type: text/plain; "
                              "charset=utf-8\r\n\r\n";
  g_autoptr (GBytes) ebytes = g_bytes_new (empty, strlen (empty));
  g_autoptr (FctMsg) emsg = fct_msg_new_from_bytes (ebytes, NULL, NULL);
  g_autofree char *ct1 = NULL, *enc1 = NULL;
  g_autoptr (GBytes) ebody = fct_filter_banner_apply (emsg, "Banner.", &ct1, &enc1);
  g_assert_nonnull (ebody);
  g_assert_cmpmem (g_bytes_get_data (ebody, NULL), g_bytes_get_size (ebody),
                   "Banner.\r\n\r\n", 11);

  /* Nothing visible to warn in: no banner. */
  static const char pdf[] = "From: a@legit.example\r\nContent-Type: application/pdf\r\n"
                            "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0x\r\n";
  g_autoptr (GBytes) pbytes = g_bytes_new (pdf, strlen (pdf));
  g_autoptr (FctMsg) pmsg = fct_msg_new_from_bytes (pbytes, NULL, NULL);
  g_autofree char *ct2 = NULL, *enc2 = NULL;
  g_autoptr (GBytes) none = fct_filter_banner_apply (pmsg, "x", &ct2, &enc2);
  g_assert_null (none);
}

/* ---------------------------------------------------------------- settings and wire */

static void
test_actions (void)
{
  FctFilterAction a = 99;
  g_autoptr (GError) error = NULL;

  g_assert_true (fct_filter_action_parse ("prefix, banner", &a, &error));
  g_assert_cmpint (a, ==, FCT_FILTER_ACTION_PREFIX | FCT_FILTER_ACTION_BANNER);
  g_assert_true (fct_filter_action_parse ("accept", &a, &error));
  g_assert_cmpint (a, ==, FCT_FILTER_ACTION_ACCEPT);
  g_assert_true (fct_filter_action_parse ("QUARANTINE reject", &a, &error));
  g_autofree char *s = fct_filter_action_to_string (a);
  g_assert_cmpstr (s, ==, "quarantine,reject");
  g_assert_false (fct_filter_action_parse ("prefix,drop", &a, &error));
  g_assert_error (error, FCT_FILTER_ERROR, FCT_FILTER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (fct_filter_action_parse (" , ", &a, &error));
  g_assert_error (error, FCT_FILTER_ERROR, FCT_FILTER_ERROR_INVALID);
}

static void
test_key_table (void)
{
  static const char *const entries[]
      = { "example.com:rsa:/k/rsa.pem", " example.com : ed : /k/ed.pem ",
          "shop.example.com:s:/k/shop.pem", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FctFilterKeyTable) t = fct_filter_key_table_parse (entries, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (fct_filter_key_table_get_count (t), ==, 3);
  g_autoptr (GArray) own = fct_filter_key_table_lookup (t, "example.com");
  g_assert_cmpuint (own->len, ==, 2);
  g_autoptr (GArray) sub = fct_filter_key_table_lookup (t, "news.example.com");
  g_assert_cmpuint (sub->len, ==, 2);
  g_autoptr (GArray) shop = fct_filter_key_table_lookup (t, "shop.example.com");
  g_assert_cmpuint (shop->len, ==, 1);
  g_assert_cmpuint (g_array_index (shop, guint, 0), ==, 2);
  g_autoptr (GArray) other = fct_filter_key_table_lookup (t, "example.org");
  g_assert_cmpuint (other->len, ==, 0);
  g_autoptr (GArray) tld = fct_filter_key_table_lookup (t, "com");
  g_assert_cmpuint (tld->len, ==, 0);

  static const char *const bad[] = { "example.com:rsa:relative/path", NULL };
  g_assert_null (fct_filter_key_table_parse (bad, &error));
  g_assert_error (error, FCT_FILTER_ERROR, FCT_FILTER_ERROR_INVALID);
}

static void
test_wire_exact_lengths (void)
{
  FctFilterSignRequest req = { .op = FCT_FILTER_SIGN_OP_SIGN,
                               .generation = 7,
                               .key_index = 2,
                               .hash = FCT_DKIM_HASH_SHA256,
                               .digest_len = 32 };
  guint8 buf[FCT_FILTER_SIGN_REQUEST_SIZE + 1] = { 0 };
  FctFilterSignRequest got;

  memset (req.digest, 0xab, 32);
  fct_filter_sign_request_encode (&req, buf);
  g_assert_true (fct_filter_sign_request_decode (buf, FCT_FILTER_SIGN_REQUEST_SIZE, &got));
  g_assert_cmpuint (got.generation, ==, 7);
  g_assert_cmpuint (got.key_index, ==, 2);
  g_assert_cmpmem (got.digest, got.digest_len, req.digest, 32);
  g_assert_false (
      fct_filter_sign_request_decode (buf, FCT_FILTER_SIGN_REQUEST_SIZE - 1, &got));
  g_assert_false (
      fct_filter_sign_request_decode (buf, FCT_FILTER_SIGN_REQUEST_SIZE + 1, &got));
  buf[23] = 65; /* a digest longer than any */
  g_assert_false (fct_filter_sign_request_decode (buf, FCT_FILTER_SIGN_REQUEST_SIZE, &got));
  buf[23] = 32;
  buf[0] ^= 1;
  g_assert_false (fct_filter_sign_request_decode (buf, FCT_FILTER_SIGN_REQUEST_SIZE, &got));

  FctFilterSignReply reply = { .ok = TRUE, .generation = 7, .signature_len = 64 };
  guint8 rbuf[FCT_FILTER_SIGN_REPLY_SIZE];
  FctFilterSignReply rgot;
  fct_filter_sign_reply_encode (&reply, rbuf);
  g_assert_true (fct_filter_sign_reply_decode (rbuf, sizeof rbuf, &rgot));
  g_assert_cmpuint (rgot.signature_len, ==, 64);
  g_assert_false (fct_filter_sign_reply_decode (rbuf, sizeof rbuf - 1, &rgot));

  g_autoptr (FctFilterKeyTable) t = fct_filter_key_table_new ();
  fct_filter_key_table_add (t, "example.com", "rsa", "/secret", FCT_DKIM_KEY_TYPE_RSA,
                            2048);
  fct_filter_key_table_add (t, "example.com", "ed", "/secret", FCT_DKIM_KEY_TYPE_ED25519,
                            256);
  g_autoptr (GBytes) list = fct_filter_key_list_encode (t, 3);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (list, &len);
  g_assert_null (memmem (data, len, "/secret", 7)); /* paths stay with the signer */
  guint32 generation = 0;
  g_autoptr (FctFilterKeyTable) back = fct_filter_key_list_decode (data, len, &generation);
  g_assert_nonnull (back);
  g_assert_cmpuint (generation, ==, 3);
  g_assert_cmpuint (fct_filter_key_table_get_count (back), ==, 2);
  const FctFilterKey *ed = fct_filter_key_table_get (back, 1);
  g_assert_cmpstr (ed->selector, ==, "ed");
  g_assert_cmpint (ed->type, ==, FCT_DKIM_KEY_TYPE_ED25519);
  g_assert_cmpuint (ed->bits, ==, 256);
  g_assert_null (ed->path);
  g_assert_null (fct_filter_key_list_decode (data, len - 1, &generation));
  g_autofree guint8 *longer = g_malloc0 (len + 1);
  memcpy (longer, data, len);
  g_assert_null (fct_filter_key_list_decode (longer, len + 1, &generation));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/filter/authserv-id", test_authserv_id);
  g_test_add_func ("/filter/envelope-sender", test_envelope_sender);
  g_test_add_func ("/filter/forged-authres-removed", test_forged_authres_removed);
  g_test_add_func ("/filter/legit-untouched", test_legit_untouched);
  g_test_add_func ("/filter/history-unavailable-said", test_history_unavailable_said);
  g_test_add_func ("/filter/rib-fraud-tagged", test_rib_fraud_tagged);
  g_test_add_func ("/filter/prefix-once", test_prefix_once);
  g_test_add_func ("/filter/forged-verdict-removed", test_forged_verdict_removed);
  g_test_add_func ("/filter/dmarc-reject", test_dmarc_reject);
  g_test_add_func ("/filter/trusted-arc-sealer", test_trusted_arc_sealer);
  g_test_add_func ("/filter/trusted-arc-other-domain", test_trusted_arc_other_domain);
  g_test_add_func ("/filter/no-verdict", test_no_verdict);
  g_test_add_func ("/filter/partial-keeps-dkim", test_partial_keeps_dkim);
  g_test_add_func ("/filter/cut-spf-dkim-passes", test_cut_spf_dkim_passes);
  g_test_add_func ("/filter/cut-spoof-spf-times-out", test_cut_spoof_spf_times_out);
  g_test_add_func ("/filter/cut-dkim-key", test_cut_dkim_key);
  g_test_add_func ("/filter/cut-arc-key", test_cut_arc_key);
  g_test_add_func ("/filter/header-limits", test_header_limits);
  g_test_add_func ("/filter/from-past-limits", test_from_past_limits);
  g_test_add_func ("/filter/remote-key-signs", test_remote_key_signs);
  g_test_add_func ("/filter/banner-multipart", test_banner_multipart);
  g_test_add_func ("/filter/banner-single-part", test_banner_single_part);
  g_test_add_func ("/filter/actions", test_actions);
  g_test_add_func ("/filter/key-table", test_key_table);
  g_test_add_func ("/filter/wire-exact-lengths", test_wire_exact_lengths);
  return g_test_run ();
}
