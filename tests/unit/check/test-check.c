/* facteur check: every finding id the check raises (authentication, headers, size, bulk,
 * blocklists, IBAN history) on one message that raises it and a close one that does not;
 * DNS from zone data (base zone below plus data/keys.zone), a fixed clock; the JSON-
 * facing summaries, Authentication-Results, option errors; docs/SCORING.md has a row
 * for every id of the message weight table, with its severity and points. */
#include <facteur/check.h>

#include <string.h>

/* 2027-01-15: after every fixture's DKIM t= (dkimpy signs at the current time). */
#define NOW G_GINT64_CONSTANT (1800000000)

static const char base_zone[]
    = "example.com. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
      "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
      "soft.example. TXT \"v=spf1 ~all\"\n"
      "neutral.example. TXT \"v=spf1 ?all\"\n"
      "perm.example. TXT \"v=spf1 include:\"\n"
      "monitor.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
      "_dmarc.monitor.example. TXT \"v=DMARC1; p=none\"\n"
      "nodmarc.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
      "nospf.example. A 192.0.2.99\n"
      "broken.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
      "_dmarc.broken.example. TXT \"v=DMARC1; p=rejec\"\n"
      "unreachable.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
      "_dmarc.unreachable.example. SERVFAIL\n"
      /* DNSBL: Spamhaus XBL, PBL, a public-resolver refusal, SpamCop. */
      "10.2.0.192.zen.spamhaus.org. A 127.0.0.4\n"
      "11.2.0.192.zen.spamhaus.org. A 127.0.0.11\n"
      "20.2.0.192.zen.spamhaus.org. A 127.255.255.254\n"
      "30.2.0.192.bl.spamcop.net. A 127.0.0.2\n"
      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org. A "
      "127.0.0.2\n"
      /* URI blocklists. */
      "bad-links.example.dbl.spamhaus.org. A 127.0.1.4\n"
      "abused.example.multi.surbl.org. A 127.0.0.24\n"
      "refused.example.multi.uribl.com. A 127.0.0.1\n";

static char *
data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "unit", "check", "data", name, NULL);
}

static FctResolver *
make_resolver (void)
{
  g_autofree char *keys_path = data_path ("keys.zone");
  g_autofree char *keys = NULL;
  g_autofree char *zone = NULL;
  g_autoptr (GError) error = NULL;
  FctResolver *resolver;

  g_assert_true (g_file_get_contents (keys_path, &keys, NULL, &error));
  zone = g_strconcat (base_zone, keys, NULL);
  resolver = fct_resolver_new_zone_data (zone, strlen (zone), "check.zone", NULL, &error);
  g_assert_no_error (error);
  return resolver;
}

static FctMsg *
load_message (const char *fixture, const char *text)
{
  g_autoptr (GError) error = NULL;
  FctMsg *msg;

  if (fixture != NULL)
    {
      g_autofree char *path = data_path (fixture);
      msg = fct_msg_new_from_file (path, NULL, &error);
    }
  else
    {
      g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
      msg = fct_msg_new_from_bytes (bytes, NULL, &error);
    }
  g_assert_no_error (error);
  return msg;
}

/* The default message: clean headers, From example.com. */
#define HDR_FROM "From: News <news@example.com>\r\n"
#define HDR_REST                                                                           \
  "To: Client <client@example.org>\r\n"                                                    \
  "Subject: Figures\r\n"                                                                   \
  "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"                                              \
  "Message-ID: <m1@example.com>\r\n"                                                       \
  "MIME-Version: 1.0\r\n"                                                                  \
  "Content-Type: text/plain; charset=utf-8\r\n"
#define BODY "\r\nHello,\r\nthe figures are on the portal.\r\n"
#define CLEAN HDR_FROM HDR_REST BODY

typedef struct
{
  const char *name;
  const char *id;
  gboolean raised;
  const char *fixture; /* in data/, or NULL for text */
  const char *text;
  const char *ip;        /* NULL: 192.0.2.1 (allowed by example.com's SPF) */
  const char *mail_from; /* NULL: news@example.com; "" for none at all */
} Case;

static const Case cases[] = {
  /* SPF */
  { "spf-fail", "spf-fail", TRUE, "signed.eml", NULL, "198.51.100.7", NULL },
  { "spf-fail/pass", "spf-fail", FALSE, "signed.eml", NULL, NULL, NULL },
  { "spf-softfail", "spf-softfail", TRUE, "signed.eml", NULL, NULL, "a@soft.example" },
  { "spf-softfail/pass", "spf-softfail", FALSE, "signed.eml", NULL, NULL, NULL },
  { "spf-none/no-record", "spf-none", TRUE, "signed.eml", NULL, NULL, "a@nospf.example" },
  { "spf-none/no-sender", "spf-none", TRUE, "signed.eml", NULL, NULL, "" },
  { "spf-none/return-path", "spf-none", FALSE, NULL,
    "Return-Path: <news@example.com>\r\n" CLEAN, NULL, "" },
  /* RFC 7208 §8.2: neutral is treated exactly like none. */
  { "spf-neutral", "spf-neutral", TRUE, "signed.eml", NULL, NULL, "a@neutral.example" },
  { "spf-neutral/softfail", "spf-neutral", FALSE, "signed.eml", NULL, NULL,
    "a@soft.example" },
  { "spf-error", "spf-error", TRUE, "signed.eml", NULL, NULL, "a@perm.example" },
  { "spf-error/pass", "spf-error", FALSE, "signed.eml", NULL, NULL, NULL },
  /* DKIM */
  { "dkim-none", "dkim-none", TRUE, NULL, CLEAN, NULL, NULL },
  { "dkim-none/signed", "dkim-none", FALSE, "signed.eml", NULL, NULL, NULL },
  { "dkim-fail", "dkim-fail", TRUE, "signed-tampered.eml", NULL, NULL, NULL },
  /* RFC 6376 §3.6.1: a failing signature from a t=y key counts as no signature. */
  { "dkim-fail/testing-key", "dkim-fail", FALSE, "signed-tampered-testing.eml", NULL, NULL,
    NULL },
  { "dkim-none/testing-key", "dkim-none", TRUE, "signed-tampered-testing.eml", NULL, NULL,
    NULL },
  { "dkim-fail/pass", "dkim-fail", FALSE, "signed.eml", NULL, NULL, NULL },
  { "dkim-weak-key", "dkim-weak-key", TRUE, "signed-1024.eml", NULL, NULL, NULL },
  { "dkim-weak-key/2048", "dkim-weak-key", FALSE, "signed.eml", NULL, NULL, NULL },
  { "dkim-sha1", "dkim-sha1", TRUE, "signed-sha1.eml", NULL, NULL, NULL },
  { "dkim-sha1/sha256", "dkim-sha1", FALSE, "signed.eml", NULL, NULL, NULL },
  { "dkim-body-length", "dkim-body-length", TRUE, "signed-l-appended.eml", NULL, NULL,
    NULL },
  { "dkim-body-length/none", "dkim-body-length", FALSE, "signed.eml", NULL, NULL, NULL },
  /* RFC 6376 §8.2: a link or an IBAN after the signed length is anyone's. */
  { "dkim-unsigned-content/iban", "dkim-unsigned-content", TRUE, "signed-l-appended.eml",
    NULL, NULL, NULL },
  { "dkim-unsigned-content/link", "dkim-unsigned-content", TRUE, "signed-l-link.eml", NULL,
    NULL, NULL },
  /* A list footer without link or IBAN stays the warning; a signature without l=, or
   * one with nothing after it, says nothing. */
  { "dkim-unsigned-content/footer", "dkim-unsigned-content", FALSE, "signed-l-footer.eml",
    NULL, NULL, NULL },
  { "dkim-body-length/footer", "dkim-body-length", TRUE, "signed-l-footer.eml", NULL, NULL,
    NULL },
  { "dkim-unsigned-content/none", "dkim-unsigned-content", FALSE, "signed.eml", NULL, NULL,
    NULL },
  /* DMARC */
  { "dmarc-none", "dmarc-none", TRUE, NULL, "From: a@nodmarc.example\r\n" HDR_REST BODY,
    NULL, "a@nodmarc.example" },
  { "dmarc-none/record", "dmarc-none", FALSE, "signed.eml", NULL, NULL, NULL },
  { "dmarc-fail", "dmarc-fail", TRUE, NULL, CLEAN, "198.51.100.7", NULL },
  /* RFC 8301 §3.1: a sound rsa-sha1 signature of the From domain is no DKIM pass. */
  { "dmarc-fail/sha1-aligned", "dmarc-fail", TRUE, "signed-sha1.eml", NULL, "198.51.100.7",
    NULL },
  { "dkim-fail/sha1-only", "dkim-fail", TRUE, "signed-sha1.eml", NULL, NULL, NULL },
  { "dmarc-fail/dkim-aligned", "dmarc-fail", FALSE, "signed.eml", NULL, "198.51.100.7",
    NULL },
  /* A From domain whose policy cannot be evaluated is not authenticated: the signed
   * example.com message re-addressed From a domain with a broken record or one whose
   * _dmarc query fails (RFC 9989 §4.10.1, §5.3.6) must not score as clean. */
  { "dmarc-error/permerror", "dmarc-error", TRUE, NULL,
    "From: a@broken.example\r\n" HDR_REST BODY, NULL, "a@broken.example" },
  { "dmarc-error/temperror", "dmarc-error", TRUE, NULL,
    "From: a@unreachable.example\r\n" HDR_REST BODY, NULL, "a@unreachable.example" },
  { "dmarc-error/pass", "dmarc-error", FALSE, "signed.eml", NULL, NULL, NULL },
  /* A From that DMARC cannot read is header-from-invalid's, not counted twice. */
  { "dmarc-error/from-invalid", "dmarc-error", FALSE, NULL,
    "From: the newsletter team\r\n" HDR_REST BODY, NULL, NULL },
  { "dmarc-policy-none", "dmarc-policy-none", TRUE, NULL,
    "From: a@monitor.example\r\n" HDR_REST BODY, NULL, "a@monitor.example" },
  { "dmarc-policy-none/reject", "dmarc-policy-none", FALSE, "signed.eml", NULL, NULL,
    NULL },
  /* ARC */
  { "arc-fail", "arc-fail", TRUE, "arc-broken.eml", NULL, NULL, NULL },
  { "arc-fail/pass", "arc-fail", FALSE, "arc-sealed.eml", NULL, NULL, NULL },
  /* Header fields */
  { "header-missing-date", "header-missing-date", TRUE, NULL,
    HDR_FROM "To: c@example.org\r\nSubject: s\r\nMessage-ID: <m@example.com>\r\n" BODY,
    NULL, NULL },
  { "header-missing-date/unparsable", "header-missing-date", TRUE, NULL,
    HDR_FROM "Date: yesterday at noon\r\nMessage-ID: <m@example.com>\r\n" BODY, NULL,
    NULL },
  { "header-missing-date/present", "header-missing-date", FALSE, NULL, CLEAN, NULL, NULL },
  { "header-missing-message-id", "header-missing-message-id", TRUE, NULL,
    HDR_FROM "To: c@example.org\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n" BODY, NULL,
    NULL },
  { "header-missing-message-id/present", "header-missing-message-id", FALSE, NULL, CLEAN,
    NULL, NULL },
  { "header-date-future", "header-date-future", TRUE, NULL,
    HDR_FROM "Date: Mon, 1 Jan 2035 10:00:00 +0000\r\nMessage-ID: <m@example.com>\r\n" BODY,
    NULL, NULL },
  { "header-date-future/one-hour", "header-date-future", FALSE, NULL,
    HDR_FROM
    "Date: Fri, 15 Jan 2027 09:00:00 +0100\r\nMessage-ID: <m@example.com>\r\n" BODY,
    NULL, NULL },
  { "header-multiple-from", "header-multiple-from", TRUE, NULL,
    HDR_FROM "From: Bank <security@bank.example>\r\n" HDR_REST BODY, NULL, NULL },
  { "header-multiple-from/one", "header-multiple-from", FALSE, NULL, CLEAN, NULL, NULL },
  /* A From hidden after a line that ends the header: body to DKIM and DMARC. */
  { "header-malformed-line", "header-malformed-line", TRUE, NULL,
    HDR_FROM "X-Junk line without a colon\r\nFrom: ceo@bank.example\r\n" HDR_REST BODY,
    NULL, NULL },
  { "header-malformed-line/folded", "header-malformed-line", FALSE, NULL,
    HDR_FROM "X-Note: one\r\n two\r\n" HDR_REST BODY, NULL, NULL },
  { "header-from-invalid", "header-from-invalid", TRUE, NULL,
    "From: the newsletter team\r\n" HDR_REST BODY, NULL, NULL },
  { "header-from-invalid/missing", "header-from-invalid", TRUE, NULL, HDR_REST BODY, NULL,
    NULL },
  { "header-from-invalid/valid", "header-from-invalid", FALSE, NULL,
    "From: \"The newsletter team\" <news@example.com>\r\n" HDR_REST BODY, NULL, NULL },
  /* Written to show a brand's name while no address can be read. */
  { "header-from-disguised/comma", "header-from-disguised", TRUE, NULL,
    "From: DHL Express, <info@parcel-notice.example>\r\n" HDR_REST BODY, NULL, NULL },
  { "header-from-disguised/bent-domain", "header-from-disguised", TRUE, NULL,
    "From: Costco Rewards <noreply@costco,com>\r\n" HDR_REST BODY, NULL, NULL },
  { "header-from-disguised/quoted", "header-from-disguised", TRUE, NULL,
    "From: \"AOK\" <\"service@aok.example\">\r\n" HDR_REST BODY, NULL, NULL },
  { "header-from-disguised/last-first", "header-from-disguised", FALSE, NULL,
    "From: Lefebvre, Julien <j.lefebvre@example.com>\r\n" HDR_REST BODY, NULL, NULL },
  { "header-from-disguised/bare", "header-from-disguised", FALSE, NULL,
    "From: the newsletter team\r\n" HDR_REST BODY, NULL, NULL },
  { "header-from-disguised/local", "header-from-disguised", FALSE, NULL,
    "From: NAS <root@nas>\r\n" HDR_REST BODY, NULL, NULL },
  { "header-8bit-unencoded/header", "header-8bit-unencoded", TRUE, NULL,
    HDR_FROM "Subject: Relevé de compte\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
             "Message-ID: <m@example.com>\r\n" BODY,
    NULL, NULL },
  { "header-8bit-unencoded/rfc2047", "header-8bit-unencoded", FALSE, NULL,
    HDR_FROM "Subject: =?UTF-8?Q?Relev=C3=A9_de_compte?=\r\n"
             "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <m@example.com>\r\n"
             "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\nRelevé joint.\r\n",
    NULL, NULL },
  { "header-8bit-unencoded/body", "header-8bit-unencoded", TRUE, NULL,
    HDR_FROM HDR_REST "\r\nRelevé joint.\r\n", NULL, NULL },
  /* Bulk mail */
  { "unsubscribe-missing/list-id", "unsubscribe-missing", TRUE, NULL,
    HDR_FROM "List-Id: <news.example.com>\r\n" HDR_REST BODY, NULL, NULL },
  { "unsubscribe-missing/precedence", "unsubscribe-missing", TRUE, NULL,
    HDR_FROM "Precedence: bulk\r\n" HDR_REST BODY, NULL, NULL },
  { "unsubscribe-missing/present", "unsubscribe-missing", FALSE, "bulk-one-click.eml", NULL,
    NULL, NULL },
  { "unsubscribe-missing/not-bulk", "unsubscribe-missing", FALSE, NULL, CLEAN, NULL, NULL },
  { "unsubscribe-one-click-missing/unsigned", "unsubscribe-one-click-missing", TRUE,
    "bulk-one-click-unsigned.eml", NULL, NULL, NULL },
  { "unsubscribe-one-click-missing/mailto", "unsubscribe-one-click-missing", TRUE, NULL,
    HDR_FROM "List-Id: <news.example.com>\r\n"
             "List-Unsubscribe: <mailto:u@example.com>\r\n" HDR_REST BODY,
    NULL, NULL },
  { "unsubscribe-one-click-missing/signed", "unsubscribe-one-click-missing", FALSE,
    "bulk-one-click.eml", NULL, NULL, NULL },
  /* Blocklists */
  { "ip-blocklisted/xbl", "ip-blocklisted", TRUE, "signed.eml", NULL, "192.0.2.10", NULL },
  { "ip-blocklisted/pbl", "ip-blocklisted", TRUE, "signed.eml", NULL, "192.0.2.11", NULL },
  { "ip-blocklisted/spamcop", "ip-blocklisted", TRUE, "signed.eml", NULL, "192.0.2.30",
    NULL },
  { "ip-blocklisted/ipv6", "ip-blocklisted", TRUE, "signed.eml", NULL, "2001:db8::1",
    NULL },
  { "ip-blocklisted/public-resolver", "ip-blocklisted", FALSE, "signed.eml", NULL,
    "192.0.2.20", NULL },
  { "ip-blocklisted/clean", "ip-blocklisted", FALSE, "signed.eml", NULL, NULL, NULL },
};

static FctCheckReport *
run_case (const Case *c, FctStore *store)
{
  g_autoptr (FctResolver) resolver = make_resolver ();
  g_autoptr (FctMsg) msg = load_message (c->fixture, c->text);
  g_autoptr (GError) error = NULL;
  FctCheckOptions options = {
    .ip = c->ip != NULL ? c->ip : "192.0.2.1",
    .mail_from = c->mail_from == NULL      ? "news@example.com"
                 : c->mail_from[0] == '\0' ? NULL
                                           : c->mail_from,
    .now = NOW,
    .store = store,
  };
  FctCheckReport *report = fct_check (msg, resolver, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (FctCheckReport) report = run_case (c, NULL);

  if (fct_findings_has (report->findings, c->id) != c->raised)
    {
      for (guint i = 0; i < fct_findings_get_count (report->findings); i++)
        {
          const FctFinding *f = fct_findings_get (report->findings, i);
          g_test_message ("finding %s: %s", f->weight->id, f->detail);
        }
      g_test_fail_printf ("%s: %s expected %s", c->name, c->id,
                          c->raised ? "raised" : "absent");
    }
  g_assert_cmpfloat (report->score, ==, fct_findings_score (report->findings));
}

static void
test_clean_report (void)
{
  Case c = { "clean", NULL, FALSE, "signed.eml", NULL, NULL, NULL };
  g_autoptr (FctCheckReport) report = run_case (&c, NULL);

  g_assert_cmpstr (fct_check_report_spf_result (report), ==, "pass");
  g_assert_cmpstr (fct_check_report_dkim_result (report), ==, "pass");
  g_assert_cmpstr (fct_check_report_dmarc_result (report), ==, "pass");
  g_assert_cmpstr (fct_check_report_arc_result (report), ==, "none");
  g_assert_cmpuint (report->listings->len, ==, 0);
  /* Three DNSBL zones by default, nothing listed. */
  g_assert_cmpuint (report->blocklist_queries, >=, 3);
  g_assert_true (g_str_has_prefix (report->authentication_results, "facteur; spf=pass"));
  g_assert_nonnull (
      strstr (report->authentication_results, "dkim=pass header.d=example.com"));
  g_assert_nonnull (strstr (report->authentication_results, "dmarc=pass"));
  g_assert_nonnull (
      strstr (report->authentication_results, "arc=none smtp.remote-ip=192.0.2.1"));
}

static void
test_listing_decoded (void)
{
  Case c = { "xbl", NULL, FALSE, "signed.eml", NULL, "192.0.2.10", NULL };
  g_autoptr (FctCheckReport) report = run_case (&c, NULL);
  const FctCheckListing *l;

  g_assert_cmpuint (report->listings->len, ==, 1);
  l = g_ptr_array_index (report->listings, 0);
  g_assert_false (l->link);
  g_assert_cmpstr (l->zone, ==, "zen.spamhaus.org");
  g_assert_cmpstr (l->code, ==, "127.0.0.4");
  g_assert_nonnull (strstr (l->meaning, "XBL"));
}

/* A file saved with CR alone at each line end (old Mac clients) is read as the CRLF
 * message: its From and Date are those of the CRLF file and its signature verifies; one
 * info finding says how it was saved. The same message with CRLF or LF raises nothing. */
static void
test_cr_only (void)
{
  g_autofree char *path = data_path ("signed.eml");
  g_autofree char *crlf = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_get_contents (path, &crlf, NULL, &error));
  g_assert_nonnull (strstr (crlf, "\r\n"));
  g_autoptr (GString) cr = g_string_new (crlf);
  g_string_replace (cr, "\r\n", "\r", 0);
  g_autoptr (GString) lf = g_string_new (crlf);
  g_string_replace (lf, "\r\n", "\n", 0);

  Case c_cr = { "cr", NULL, FALSE, NULL, cr->str, NULL, NULL };
  g_autoptr (FctCheckReport) r = run_case (&c_cr, NULL);
  g_assert_true (fct_findings_has (r->findings, "message-cr-line-ends"));
  static const char *const absent[]
      = { "header-from-invalid", "header-missing-date", "header-missing-message-id",
          "dkim-fail",           "dkim-none",           "dmarc-fail" };
  for (gsize i = 0; i < G_N_ELEMENTS (absent); i++)
    if (fct_findings_has (r->findings, absent[i]))
      g_test_fail_printf ("a CR-only file raises %s", absent[i]);

  const char *others[] = { crlf, lf->str };
  for (gsize i = 0; i < G_N_ELEMENTS (others); i++)
    {
      Case c = { "other", NULL, FALSE, NULL, others[i], NULL, NULL };
      g_autoptr (FctCheckReport) o = run_case (&c, NULL);
      g_assert_false (fct_findings_has (o->findings, "message-cr-line-ends"));
      g_assert_false (fct_findings_has (o->findings, "dkim-fail"));
    }
}

static GString *
padding (guint n)
{
  GString *text = g_string_new (NULL);
  for (guint i = 1; i <= n; i++)
    g_string_append_printf (text, "X-Pad-%u: junk\r\n", i);
  return text;
}

static void
assert_ids (const FctCheckReport *r, const char *const *raised, const char *const *absent)
{
  for (; raised != NULL && *raised != NULL; raised++)
    if (!fct_findings_has (r->findings, *raised))
      g_test_fail_printf ("%s is not raised", *raised);
  for (; absent != NULL && *absent != NULL; absent++)
    if (fct_findings_has (r->findings, *absent))
      g_test_fail_printf ("%s is raised", *absent);
}

/* Issue 11: a header padded past the parser's limits (1,000 fields, 64 KiB for one) gave
 * no report at all. Now the report is made, says so, and what follows the padding is
 * still what the checks read; ordinary large headers raise nothing. */
static void
test_over_limits (void)
{
  /* The attacker's padding first, the message after it: its From and Date are read. */
  g_autoptr (GString) padded = padding (1200);
  g_string_append (padded, CLEAN);
  Case c1 = { "padded", NULL, FALSE, NULL, padded->str, NULL, NULL };
  g_autoptr (FctCheckReport) r1 = run_case (&c1, NULL);
  assert_ids (r1, (const char *[]){ "header-over-limits", NULL },
              (const char *[]){ "header-from-invalid", "header-missing-date",
                                "header-missing-message-id", "header-multiple-from",
                                NULL });
  g_assert_cmpint (r1->threat, ==, FCT_THREAT_SUSPICIOUS);

  /* Over the count only by fields the checks read (all kept): still over, still said,
   * since the DKIM and ARC verifiers do not read such a header whole. */
  g_autoptr (GString) just_over = padding (998);
  g_string_append (just_over, CLEAN);
  Case c7 = { "just-over", NULL, FALSE, NULL, just_over->str, NULL, NULL };
  g_autoptr (FctCheckReport) r7 = run_case (&c7, NULL);
  assert_ids (r7, (const char *[]){ "header-over-limits", NULL },
              (const char *[]){ "header-from-invalid", "header-missing-date", NULL });

  /* A second From hidden past the limit is still a second From. */
  g_autoptr (GString) hidden = g_string_new (HDR_FROM);
  g_autoptr (GString) pad = padding (1200);
  g_string_append (hidden, pad->str);
  g_string_append (hidden, "From: ceo@bank.example\r\n" HDR_REST BODY);
  Case c2 = { "hidden-from", NULL, FALSE, NULL, hidden->str, NULL, NULL };
  g_autoptr (FctCheckReport) r2 = run_case (&c2, NULL);
  assert_ids (r2, (const char *[]){ "header-over-limits", "header-multiple-from", NULL },
              NULL);
  g_assert_cmpstr (fct_dmarc_result_to_string (r2->dmarc->result), !=, "pass");

  /* One field over 64 KiB above a signed message: the report is made; the DKIM
   * verifier does not read such a header whole, so the signature fails closed (never
   * "none"), and SPF still aligns. */
  g_autofree char *path = data_path ("signed.eml");
  g_autofree char *signed_text = NULL;
  g_assert_true (g_file_get_contents (path, &signed_text, NULL, NULL));
  g_autoptr (GString) big = g_string_new ("X-Big: ");
  while (big->len < 70000)
    g_string_append (big, "0123456789");
  g_string_append (big, "\r\n");
  g_string_append (big, signed_text);
  Case c3 = { "big-field", NULL, FALSE, NULL, big->str, NULL, NULL };
  g_autoptr (FctCheckReport) r3 = run_case (&c3, NULL);
  assert_ids (r3, (const char *[]){ "header-over-limits", "dkim-fail", NULL },
              (const char *[]){ "dkim-none", "dmarc-fail", NULL });

  /* The signed message after 1,200 padding fields: its DKIM-Signature, past the limit,
   * is not silently lost (dkim=none): DKIM fails closed, in the findings and in the
   * Authentication-Results the check writes. */
  g_autoptr (GString) signed_padded = padding (1200);
  g_string_append (signed_padded, signed_text);
  Case c6 = { "signed-padded", NULL, FALSE, NULL, signed_padded->str, NULL, NULL };
  g_autoptr (FctCheckReport) r6 = run_case (&c6, NULL);
  assert_ids (r6, (const char *[]){ "header-over-limits", "dkim-fail", NULL },
              (const char *[]){ "dkim-none", "header-from-invalid", NULL });
  g_assert_nonnull (strstr (r6->authentication_results, "dkim=permerror"));

  /* A From padded past 64 KiB: its value is not read by the content checks (the
   * header is over its limits, and says so, suspicious), but DMARC still reads its author
   * domain, so the result is the domain's own: an empty author would make a spoof of a
   * p=reject domain permerror and escape the reject. Here example.com's SPF passes
   * aligned: pass, as for the same From unpadded. */
  g_autoptr (GString) from = g_string_new ("From: (");
  while (from->len < 70000)
    g_string_append (from, "padding ");
  g_string_append (from, ") news@example.com\r\n" HDR_REST BODY);
  Case c4 = { "big-from", NULL, FALSE, NULL, from->str, NULL, NULL };
  g_autoptr (FctCheckReport) r4 = run_case (&c4, NULL);
  assert_ids (r4, (const char *[]){ "header-over-limits", "header-from-invalid", NULL },
              NULL);
  g_assert_cmpstr (r4->dmarc->author_domain, ==, "example.com");
  g_assert_cmpint (r4->threat, ==, FCT_THREAT_SUSPICIOUS);

  /* Business mail: a mass mailing with 2,500 addresses in To (52 KiB) and a long trace
   * of 60 Received fields stays under the limits and raises nothing. */
  g_autoptr (GString) many = g_string_new (HDR_FROM "To: ");
  for (int i = 0; i < 2500; i++)
    g_string_append_printf (many, "%sc%04d@example.org", i > 0 ? ",\r\n " : "", i);
  g_string_append (many, "\r\n");
  for (int i = 0; i < 60; i++)
    g_string_append_printf (many,
                            "Received: from relay%d.example.org by mx.example.org; Tue, "
                            "14 Nov 2023 22:13:20 +0000\r\n",
                            i);
  g_string_append (many, HDR_REST BODY);
  g_assert_cmpuint (many->len, >, 50000);
  Case c5 = { "large-business", NULL, FALSE, NULL, many->str, NULL, NULL };
  g_autoptr (FctCheckReport) r5 = run_case (&c5, NULL);
  assert_ids (r5, NULL, (const char *[]){ "header-over-limits", NULL });
}

static void
test_zones_configurable (void)
{
  g_autoptr (FctResolver) resolver = make_resolver ();
  g_autoptr (FctMsg) msg = load_message ("signed.eml", NULL);
  g_autoptr (GError) error = NULL;
  static const char *const only_spamcop[] = { "bl.spamcop.net", NULL };
  static const char *const none[] = { NULL };
  FctCheckOptions options = {
    .ip = "192.0.2.10",
    .mail_from = "news@example.com",
    .now = NOW,
    .dnsbl_zones = only_spamcop,
    .uribl_zones = none,
  };
  g_autoptr (FctCheckReport) report = fct_check (msg, resolver, &options, &error);

  g_assert_no_error (error);
  g_assert_false (fct_findings_has (report->findings, "ip-blocklisted"));
  g_assert_cmpuint (report->blocklist_queries, ==, 1);
}

static void
test_size (void)
{
  /* 16 MiB of text: 16 MiB as received. The same with 8-bit bytes must be encoded
   * by a relay without 8BITMIME: 21.3 MiB, over Outlook.com's and iCloud's 20 MiB. */
  gsize n = 16 * 1024 * 1024;
  g_autoptr (GString) ascii = g_string_sized_new (n + 512);
  g_autoptr (GString) eight = g_string_sized_new (n + 512);
  const char *head = HDR_FROM HDR_REST "Content-Transfer-Encoding: 8bit\r\n\r\n";

  g_string_append (ascii, HDR_FROM HDR_REST "\r\n");
  g_string_append (eight, head);
  while (ascii->len < n)
    {
      g_string_append (ascii,
                       "0123456789 abcdefghij 0123456789 abcdefghij 0123456789 ab\r\n");
      g_string_append (eight, "0123456789 àbcdéfghij 0123456789 àbcdéfghij 012345678\r\n");
    }
  Case c_ascii = { "ascii", NULL, FALSE, NULL, ascii->str, NULL, NULL };
  Case c_eight = { "eight", NULL, FALSE, NULL, eight->str, NULL, NULL };
  g_autoptr (FctCheckReport) r_ascii = run_case (&c_ascii, NULL);
  g_autoptr (FctCheckReport) r_eight = run_case (&c_eight, NULL);

  g_assert_false (fct_findings_has (r_ascii->findings, "size-over-limit"));
  g_assert_cmpuint (r_ascii->received_size, ==, ascii->len);
  g_assert_true (fct_findings_has (r_eight->findings, "size-over-limit"));
  g_assert_cmpuint (r_eight->received_size, >, eight->len * 4 / 3);
  for (guint i = 0; i < fct_findings_get_count (r_eight->findings); i++)
    {
      const FctFinding *f = fct_findings_get (r_eight->findings, i);
      if (g_str_equal (f->weight->id, "size-over-limit"))
        {
          g_assert_nonnull (strstr (f->evidence, "Outlook.com"));
          g_assert_null (strstr (f->evidence, "Gmail"));
        }
    }
}

static void
test_size_table (void)
{
  gsize n = 0;
  const FctCheckSizeLimit *rows = fct_check_size_limits (&n);

  g_assert_cmpuint (n, >=, 6);
  for (gsize i = 1; i < n; i++)
    g_assert_cmpuint (rows[i - 1].max_bytes, <=, rows[i].max_bytes);
}

static void
test_many_recipients (void)
{
  g_autoptr (GString) text = g_string_new (HDR_FROM "To: ");
  for (int i = 0; i < 25; i++)
    g_string_append_printf (text, "%s\"Client, %d\" <c%d@example.org>", i ? ", " : "", i,
                            i);
  g_string_append (text, "\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
                         "Message-ID: <m@example.com>\r\n" BODY);
  Case many = { "many", NULL, FALSE, NULL, text->str, NULL, NULL };
  g_autoptr (FctCheckReport) r = run_case (&many, NULL);
  g_assert_true (fct_findings_has (r->findings, "unsubscribe-missing"));

  /* Commas and @ signs inside quoted names are not recipients. */
  Case few = { "few",
               NULL,
               FALSE,
               NULL,
               HDR_FROM "To: \"a@b, c@d, e@f\" <one@example.org>\r\n"
                        "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
                        "Message-ID: <m@example.com>\r\n" BODY,
               NULL,
               NULL };
  g_autoptr (FctCheckReport) r2 = run_case (&few, NULL);
  g_assert_false (fct_findings_has (r2->findings, "unsubscribe-missing"));
}

#define HTML_LINK(url)                                                                     \
  HDR_FROM "To: Client <client@example.org>\r\nSubject: Offer\r\n"                         \
           "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <m@example.com>\r\n"      \
           "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"  \
           "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee " url "\r\n"         \
           "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"                         \
           "<html><body><p>See <a href=\"" url "\">our offer</a></p></body></html>\r\n"    \
           "--b--\r\n"

static void
test_link_blocklisted (void)
{
  static const struct
  {
    const char *text;
    gboolean raised;
    const char *meaning;
  } links[] = {
    { HTML_LINK ("http://www.bad-links.example/login"), TRUE, "phishing" },
    { HTML_LINK ("https://shop.abused.example/x"), TRUE, "malware" },
    { HTML_LINK ("https://refused.example/"), FALSE, NULL },
    { HTML_LINK ("https://www.good-links.example/offer"), FALSE, NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (links); i++)
    {
      Case c = { "link", NULL, FALSE, NULL, links[i].text, NULL, NULL };
      g_autoptr (FctCheckReport) r = run_case (&c, NULL);
      g_assert_cmpint (fct_findings_has (r->findings, "link-domain-blocklisted"), ==,
                       links[i].raised);
      if (links[i].meaning != NULL)
        {
          const FctCheckListing *l = g_ptr_array_index (r->listings, 0);
          g_assert_true (l->link);
          g_assert_nonnull (strstr (l->meaning, links[i].meaning));
        }
    }
}

#define IBAN_A "FR76 3000 6000 0112 3456 7890 189"
#define IBAN_B "DE89 3704 0044 0532 0130 00"
#define IBAN_C "GB29 NWBK 6016 1331 9268 19"
#define IBAN_TEXT(from, id, iban)                                                          \
  "From: " from "\r\nTo: Client <client@example.org>\r\nSubject: Invoice\r\n"              \
  "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <" id ">\r\n"                      \
  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"                   \
  "Invoice 12 is due. IBAN " iban "\r\n"

static void
expect_history (FctStore *store, const char *text, const char *ip, const char *raised)
{
  Case c = { "history", NULL, FALSE, NULL, text, ip, NULL };
  g_autoptr (FctCheckReport) r = run_case (&c, store);
  const char *ids[] = { "iban-first-for-sender", "iban-new-for-sender" };

  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    if (fct_findings_has (r->findings, ids[i])
        != (raised != NULL && g_str_equal (raised, ids[i])))
      g_error ("%s: %s %s", text, ids[i],
               raised != NULL && g_str_equal (raised, ids[i]) ? "not raised" : "raised");
}

static void
test_iban_history (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStore) store = fct_store_open (":memory:", NULL, &error);

  g_assert_no_error (error);
  /* From an address SPF refuses: DMARC fails, nothing is recorded. */
  for (int round = 0; round < 2; round++)
    expect_history (store, IBAN_TEXT ("a@example.com", "f1@x", IBAN_A), "198.51.100.7",
                    "iban-first-for-sender");
  g_assert_cmpint (fct_store_iban_count (store, "example.com", &error), ==, 0);
  /* Authenticated (SPF pass, aligned): recorded. Issue 12: the same message checked
   * again does not make its own IBAN known. */
  for (int round = 0; round < 2; round++)
    expect_history (store, IBAN_TEXT ("a@example.com", "m1@x", IBAN_A), NULL,
                    "iban-first-for-sender");
  g_assert_cmpint (fct_store_iban_count (store, "example.com", &error), ==, 1);
  /* Another message with the same account: known, nothing to say. */
  expect_history (store, IBAN_TEXT ("a@example.com", "m2@x", IBAN_A), NULL, NULL);
  /* The organization's history: a subdomain is the same sender. */
  expect_history (store, IBAN_TEXT ("billing@factures.example.com", "m3@x", IBAN_A), NULL,
                  NULL);
  /* A new account from a sender that paid elsewhere: authenticated or forged. */
  expect_history (store, IBAN_TEXT ("a@example.com", "m4@x", IBAN_B), NULL,
                  "iban-new-for-sender");
  expect_history (store, IBAN_TEXT ("a@example.com", "f2@x", IBAN_C), "198.51.100.7",
                  "iban-new-for-sender");
  g_assert_cmpint (fct_store_iban_count (store, "example.com", &error), ==, 2);
  /* A payment confirmation quotes the reader's account: not the sender's, not recorded. */
  expect_history (
      store,
      "From: a@example.com\r\nTo: c@example.org\r\nSubject: Avis de virement\r\n"
      "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <r1@x>\r\n\r\n"
      "Nous avons vire 120 EUR sur votre compte " IBAN_C ".\r\n",
      NULL, NULL);
  g_assert_cmpint (fct_store_iban_count (store, "example.com", &error), ==, 2);
  /* Without a store there is no history and no finding. */
  expect_history (NULL, IBAN_TEXT ("a@example.com", "m5@x", IBAN_C), NULL, NULL);
}

/* Issue 12: a store that cannot be opened gives the report without history and a
 * finding, not an error. */
static void
test_iban_history_unavailable (void)
{
  g_autoptr (FctResolver) resolver = make_resolver ();
  g_autoptr (FctMsg) msg = load_message (NULL, IBAN_TEXT ("a@example.com", "u@x", IBAN_A));
  g_autoptr (GError) error = NULL;
  FctCheckOptions options = {
    .ip = "192.0.2.1",
    .mail_from = "news@example.com",
    .now = NOW,
    .store_error = "store: file is not a database",
  };
  g_autoptr (FctCheckReport) r = fct_check (msg, resolver, &options, &error);

  g_assert_no_error (error);
  g_assert_true (fct_findings_has (r->findings, "iban-history-unavailable"));
  g_assert_true (fct_findings_has (r->findings, "iban-present"));
  g_assert_false (fct_findings_has (r->findings, "iban-first-for-sender"));
}

/* 100,000 links to distinct domains: the URI blocklist queries stop at
 * FctLimits.uribl_domains_max domains per zone, whatever the message holds. */
static void
test_many_link_domains (void)
{
  g_autoptr (GString) text = g_string_new (HDR_FROM HDR_REST);
  const FctLimits *limits = fct_limits_default ();

  g_string_truncate (text,
                     text->len - strlen ("Content-Type: text/plain; charset=utf-8\r\n"));
  g_string_append (text, "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body>\r\n");
  for (int i = 0; i < 100000; i++)
    g_string_append_printf (text, "<a href=\"https://d%d.example/\">x</a>\r\n", i);
  g_string_append (text, "</body></html>\r\n");
  Case c = { "links", NULL, FALSE, NULL, text->str, NULL, NULL };
  g_autoptr (FctCheckReport) r = run_case (&c, NULL);

  g_assert_cmpuint (r->blocklist_queries, <=, 3 + 3 * limits->uribl_domains_max);
  g_assert_cmpuint (r->blocklist_queries, >, 3);
}

static void
test_bad_ip (void)
{
  g_autoptr (FctResolver) resolver = make_resolver ();
  g_autoptr (FctMsg) msg = load_message (NULL, CLEAN);
  g_autoptr (GError) error = NULL;
  FctCheckOptions options = { .ip = "not-an-ip" };

  g_assert_null (fct_check (msg, resolver, &options, &error));
  g_assert_error (error, FCT_CHECK_ERROR, FCT_CHECK_ERROR_INVALID);
}

static void
test_scoring_doc (void)
{
  const char *root = g_getenv ("FCT_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autofree char *doc = NULL;
  g_autoptr (GError) error = NULL;
  gsize n = 0;
  const FctFindingWeight *rows = fct_finding_weights_message (&n);

  if (root == NULL)
    {
      g_test_skip ("FCT_SOURCE_ROOT is not set");
      return;
    }
  path = g_build_filename (root, "docs", "SCORING.md", NULL);
  g_assert_true (g_file_get_contents (path, &doc, NULL, &error));
  /* Each id has a table row "| `id` | severity | points | why |" that matches the
   * weight table. */
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *row
          = g_strdup_printf ("| `%s` | %s | %.1f |", rows[i].id,
                             fct_severity_to_string (rows[i].severity), rows[i].points);
      if (strstr (doc, row) == NULL)
        g_test_fail_printf ("docs/SCORING.md has no row \"%s\"", row);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/check/finding/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/check/clean-report", test_clean_report);
  g_test_add_func ("/check/listing-decoded", test_listing_decoded);
  g_test_add_func ("/check/zones-configurable", test_zones_configurable);
  g_test_add_func ("/check/cr-only", test_cr_only);
  g_test_add_func ("/check/over-limits", test_over_limits);
  g_test_add_func ("/check/size", test_size);
  g_test_add_func ("/check/size-table", test_size_table);
  g_test_add_func ("/check/many-recipients", test_many_recipients);
  g_test_add_func ("/check/link-blocklisted", test_link_blocklisted);
  g_test_add_func ("/check/iban-history", test_iban_history);
  g_test_add_func ("/check/iban-history-unavailable", test_iban_history_unavailable);
  g_test_add_func ("/check/many-link-domains", test_many_link_domains);
  g_test_add_func ("/check/bad-ip", test_bad_ip);
  g_test_add_func ("/check/scoring-doc", test_scoring_doc);
  return g_test_run ();
}
