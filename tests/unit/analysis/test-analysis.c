/* facteur — tests of the content analysis: for every finding id, a fixture message in
 * data/ (written by data/make-fixtures.py) that raises it and a close one that does
 * not; the result accessors; and hostile messages generated in memory. */
#include <facteur/analysis.h>

#include <glib/gstdio.h>
#include <string.h>

typedef struct
{
  const char *file;
  const char *protect; /* a protected domain, or NULL */
  const char *country; /* sender country hint, or NULL */
  const char *raised;  /* ids that must be raised, space-separated */
  const char *absent;  /* ids that must not be */
} Case;

static const Case cases[] = {
  /* Content. */
  { "html-only.eml", NULL, NULL, "html-only", "mime-broken image-only" },
  { "alternative.eml", NULL, NULL, "", "html-only mime-broken image-only attachment-html" },
  { "mime-broken.eml", NULL, NULL, "mime-broken", "" },
  { "image-only.eml", NULL, NULL, "image-only html-only", "" },
  { "image-with-text.eml", NULL, NULL, "", "image-only html-only" },
  /* Links. */
  { "link-name.eml", NULL, NULL, "",
    "link-ip-literal link-shortener link-javascript link-text-mismatch "
    "link-punycode-lookalike" },
  { "link-ip.eml", NULL, NULL, "link-ip-literal", "link-shortener" },
  { "link-ip-numeric.eml", NULL, NULL, "link-ip-literal", "" },
  { "link-shortener.eml", NULL, NULL, "link-shortener", "link-ip-literal" },
  { "link-shortener-lookalike.eml", NULL, NULL, "", "link-shortener" },
  { "link-javascript.eml", NULL, NULL, "link-javascript", "link-text-mismatch" },
  { "link-mismatch.eml", NULL, NULL, "link-text-mismatch", "" },
  { "link-mismatch-userinfo.eml", NULL, NULL, "link-text-mismatch", "" },
  { "link-same-org.eml", NULL, NULL, "", "link-text-mismatch" },
  { "link-click-tracker.eml", NULL, NULL, "", "link-text-mismatch" },
  { "link-click-here-elsewhere.eml", NULL, NULL, "", "link-text-mismatch" },
  { "link-punycode.eml", NULL, NULL, "link-punycode-lookalike", "" },
  { "link-punycode-cyrillic.eml", NULL, NULL, "link-punycode-lookalike", "" },
  { "link-idn-latin.eml", NULL, NULL, "", "link-punycode-lookalike" },
  /* Spoofing. */
  { "display-name-spoof.eml", NULL, NULL, "display-name-spoof", "" },
  { "display-name-own.eml", NULL, NULL, "", "display-name-spoof" },
  { "lookalike-digit.eml", "example.com", NULL, "lookalike-domain", "" },
  { "lookalike-rn.eml", "example.com", NULL, "lookalike-domain", "" },
  { "lookalike-subdomain.eml", "example.com", NULL, "", "lookalike-domain" },
  { "lookalike-digit.eml", NULL, NULL, "", "lookalike-domain" },
  { "reply-to-other.eml", NULL, NULL, "reply-to-divergent",
    "reply-to-divergent-free-mail" },
  { "reply-to-free.eml", NULL, NULL, "reply-to-divergent-free-mail", "reply-to-divergent" },
  { "reply-to-same-org.eml", NULL, NULL, "",
    "reply-to-divergent reply-to-divergent-free-mail" },
  /* Bank details. */
  { "rib-change.eml", NULL, NULL, "iban-present bank-details-change",
    "iban-country-mismatch" },
  { "rib-invoice.eml", NULL, NULL, "iban-present",
    "bank-details-change iban-country-mismatch" },
  { "rib-bad-checksum.eml", NULL, NULL, "", "iban-present bank-details-change" },
  { "bank-change-urgent-en.eml", NULL, NULL, "bank-details-change", "iban-present" },
  { "bank-no-change-en.eml", NULL, NULL, "", "bank-details-change" },
  { "iban-foreign.eml", NULL, NULL, "iban-present iban-country-mismatch", "" },
  { "iban-generic-tld.eml", NULL, NULL, "iban-present", "iban-country-mismatch" },
  { "iban-generic-tld.eml", NULL, "FR", "iban-country-mismatch", "" },
  { "iban-in-attachment.eml", NULL, NULL, "iban-present", "" },
  /* Attachments. */
  { "attach-pdf.eml", NULL, NULL, "",
    "attachment-executable attachment-double-extension attachment-macro "
    "attachment-archive-executable attachment-encrypted-archive attachment-html "
    "attachment-disk-image" },
  { "attach-exe.eml", NULL, NULL, "attachment-executable", "attachment-double-extension" },
  { "attach-pe-as-jpg.eml", NULL, NULL, "attachment-executable", "" },
  { "attach-double.eml", NULL, NULL, "attachment-double-extension attachment-executable",
    "" },
  { "attach-dotted-name.eml", NULL, NULL, "",
    "attachment-double-extension attachment-executable" },
  { "attach-xlsm.eml", NULL, NULL, "attachment-macro", "attachment-archive-executable" },
  { "attach-xlsx.eml", NULL, NULL, "", "attachment-macro" },
  { "attach-docx-with-vba.eml", NULL, NULL, "attachment-macro", "" },
  { "attach-zip-exe.eml", NULL, NULL, "attachment-archive-executable",
    "attachment-encrypted-archive attachment-executable" },
  { "attach-zip-clean.eml", NULL, NULL, "",
    "attachment-archive-executable attachment-encrypted-archive" },
  { "attach-zip-encrypted.eml", NULL, NULL, "attachment-encrypted-archive",
    "attachment-archive-executable" },
  { "attach-html.eml", NULL, NULL, "attachment-html", "html-only" },
  { "attach-iso.eml", NULL, NULL, "attachment-disk-image", "attachment-executable" },
  /* Inside archives, Office and PDF files (tests/data/documents.py). */
  { "attach-zip-zip-exe.eml", NULL, NULL, "attachment-archive-executable",
    "attachment-executable attachment-archive-bomb" },
  { "attach-zip-iso.eml", NULL, NULL, "attachment-disk-image attachment-archive-executable",
    "" },
  { "attach-zip-html.eml", NULL, NULL, "attachment-html", "attachment-archive-executable" },
  { "attach-zip-docm.eml", NULL, NULL, "attachment-macro", "attachment-unreadable" },
  { "attach-exe-gz.eml", NULL, NULL, "attachment-archive-executable", "" },
  { "attach-doc-vba.eml", NULL, NULL, "attachment-macro", "attachment-unreadable" },
  { "attach-doc-clean.eml", NULL, NULL, "",
    "attachment-macro attachment-unreadable attachment-type-mismatch "
    "attachment-encrypted-document" },
  { "attach-xls-vba.eml", NULL, NULL, "attachment-macro", "" },
  /* Excel 4.0 macro sheets: hidden and started by Auto_Open, a dropper; visible and
     alone, an old macro; invoices with a hidden ordinary sheet, nothing. */
  { "attach-xls-xlm.eml", NULL, NULL, "attachment-xlm-macro", "" },
  { "attach-xlsm-xlm.eml", NULL, NULL, "attachment-xlm-macro attachment-macro", "" },
  { "attach-xls-xlm-visible.eml", NULL, NULL, "attachment-macro", "attachment-xlm-macro" },
  { "attach-xls-invoice.eml", NULL, NULL, "",
    "attachment-macro attachment-xlm-macro attachment-type-mismatch" },
  { "attach-xlsx-invoice.eml", NULL, NULL, "",
    "attachment-macro attachment-xlm-macro attachment-type-mismatch" },
  { "attach-doc-encrypted.eml", NULL, NULL, "attachment-encrypted-document",
    "attachment-macro" },
  { "attach-onenote.eml", NULL, NULL, "attachment-onenote",
    "attachment-archive-executable" },
  { "attach-onenote-pe.eml", NULL, NULL, "attachment-onenote attachment-archive-executable",
    "" },
  { "attach-onenote-renamed.eml", NULL, NULL, "attachment-onenote", "" },
  { "attach-pdf-openaction-js.eml", NULL, NULL, "attachment-pdf-javascript",
    "attachment-pdf-launch attachment-unreadable" },
  { "attach-pdf-js-escaped.eml", NULL, NULL, "attachment-pdf-javascript", "" },
  { "attach-pdf-launch.eml", NULL, NULL, "attachment-pdf-launch", "" },
  { "attach-pdf-objstm-launch.eml", NULL, NULL, "attachment-pdf-launch",
    "attachment-unreadable" },
  { "attach-pdf-embedded-exe.eml", NULL, NULL, "attachment-archive-executable",
    "attachment-executable" },
  { "attach-pdf-embedded-poisoned.eml", NULL, NULL, "attachment-archive-executable",
    "attachment-unreadable" },
  { "attach-pdf-facturx.eml", NULL, NULL, "iban-present",
    "attachment-archive-executable attachment-pdf-javascript attachment-unreadable "
    "attachment-html" },
  { "attach-pdf-signed.eml", NULL, NULL, "",
    "attachment-pdf-javascript attachment-pdf-launch attachment-unreadable" },
  { "attach-exe-as-pdf.eml", NULL, NULL, "attachment-executable attachment-type-mismatch",
    "" },
  { "attach-html-as-pdf.eml", NULL, NULL, "attachment-type-mismatch attachment-html", "" },
  { "attach-zip-as-pdf.eml", NULL, NULL,
    "attachment-type-mismatch attachment-archive-executable", "" },
  { "attach-html-as-xls.eml", NULL, NULL, "",
    "attachment-type-mismatch attachment-html attachment-macro" },
  { "attach-rib-pdf.eml", NULL, NULL, "iban-present", "attachment-unreadable" },
  { "attach-rib-docx.eml", NULL, NULL, "iban-present", "attachment-macro" },
  { "attach-rib-odt.eml", NULL, NULL, "iban-present", "" },
  { "attach-rib-in-zip.eml", NULL, NULL, "iban-present", "" },
  { "attach-pdf-damaged.eml", NULL, NULL, "attachment-unreadable",
    "attachment-type-mismatch" },
  { "attach-zip-photos.eml", NULL, NULL, "",
    "attachment-archive-executable attachment-archive-limit attachment-archive-bomb "
    "attachment-type-mismatch" },
  { "attach-ics.eml", NULL, NULL, "",
    "attachment-executable attachment-html attachment-unreadable" },
  { "attach-docx-clean.eml", NULL, NULL, "",
    "attachment-macro attachment-unreadable attachment-type-mismatch" },
  /* Hostile: the budget stops them, and says so. */
  { "attach-zip-bomb.eml", NULL, NULL, "attachment-archive-bomb attachment-archive-limit",
    "" },
  { "attach-zip-nested-64.eml", NULL, NULL, "attachment-archive-bomb",
    "attachment-archive-executable" },
};

/* The limits of these tests: the defaults, but a generous extraction deadline: the
 * cases are about what is found, not about time, and four threads share two cores. */
static const FctLimits *
test_limits (void)
{
  static FctLimits limits;
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      fct_limits_init (&limits);
      limits.extract_timeout_ms = 60000;
      g_once_init_leave (&once, 1);
    }
  return &limits;
}

static FctMsg *
load (const char *file)
{
  g_autofree char *path
      = g_test_build_filename (G_TEST_DIST, "unit", "analysis", "data", file, NULL);
  g_autoptr (GError) error = NULL;
  FctMsg *msg = fct_msg_new_from_file (path, NULL, &error);

  g_assert_no_error (error);
  return msg;
}

static void
dump (const FctFindings *findings)
{
  for (guint i = 0; i < fct_findings_get_count (findings); i++)
    {
      const FctFinding *f = fct_findings_get (findings, i);
      g_test_message ("finding %s: %s [%s]", f->weight->id, f->detail,
                      f->evidence != NULL ? f->evidence : "");
    }
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (FctMsg) msg = load (c->file);
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) analysis = NULL;
  g_autoptr (GError) error = NULL;
  const char *protect[] = { c->protect, NULL };
  FctAnalysisOptions options
      = { .extract_helper = FCT_TEST_EXTRACT_HELPER, .limits = test_limits () };
  g_auto (GStrv) raised = g_strsplit (c->raised, " ", -1);
  g_auto (GStrv) absent = g_strsplit (c->absent, " ", -1);

  options.protected_domains = c->protect != NULL ? protect : NULL;
  options.sender_country = c->country;
  analysis = fct_analysis_run (msg, &options, findings, &error);
  g_assert_no_error (error);
  g_assert_nonnull (analysis);
  dump (findings);
  for (guint i = 0; raised[i] != NULL; i++)
    if (*raised[i] != '\0' && !fct_findings_has (findings, raised[i]))
      g_error ("%s: %s not raised", c->file, raised[i]);
  for (guint i = 0; absent[i] != NULL; i++)
    if (*absent[i] != '\0' && fct_findings_has (findings, absent[i]))
      g_error ("%s: %s raised", c->file, absent[i]);
  /* Every finding says something, and every evidence is valid UTF-8. */
  for (guint i = 0; i < fct_findings_get_count (findings); i++)
    {
      const FctFinding *f = fct_findings_get (findings, i);
      g_assert_nonnull (f->detail);
      g_assert_true (g_utf8_validate (f->detail, -1, NULL));
    }
}

static void
test_accessors (void)
{
  g_autoptr (FctMsg) msg = load ("rib-change.eml");
  g_autoptr (FctMsg) links = load ("link-mismatch-userinfo.eml");
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = NULL;
  g_autoptr (FctAnalysis) b = NULL;
  g_autoptr (GError) error = NULL;
  const FctAnalysisHost *host;

  a = fct_analysis_run (msg, NULL, findings, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fct_analysis_get_iban_count (a), ==, 1);
  g_assert_cmpstr (fct_analysis_get_iban (a, 0), ==, "FR7630006000011234567890189");
  g_assert_cmpstr (fct_analysis_get_author_name (a), ==, "Comptabilite");
  g_assert_cmpstr (fct_analysis_get_author_address (a), ==, "compta@fournisseur.fr");
  g_assert_cmpstr (fct_analysis_get_author_domain (a), ==, "fournisseur.fr");
  g_assert_cmpuint (fct_mime_get_part_count (fct_analysis_get_mime (a)), ==, 1);

  b = fct_analysis_run (links, NULL, findings, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fct_analysis_get_host_count (b), ==, 1);
  host = fct_analysis_get_host (b, 0);
  g_assert_cmpstr (host->host, ==, "evil.example.net");
  g_assert_cmpstr (host->org_domain, ==, "example.net");
  g_assert_false (host->ip_literal);
}

/* The text of a text attachment is offered to the fraud checks with its name. */
static void
test_attachment_text (void)
{
  g_autoptr (FctMsg) msg = load ("iban-in-attachment.eml");
  g_autoptr (FctMsg) plain = load ("rib-change.eml");
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = NULL;
  g_autoptr (FctAnalysis) b = NULL;
  const FctAnalysisAttachmentText *t;

  a = fct_analysis_run (msg, NULL, findings, NULL);
  g_assert_nonnull (a);
  g_assert_cmpuint (fct_analysis_get_attachment_text_count (a), ==, 1);
  t = fct_analysis_get_attachment_text (a, 0);
  g_assert_cmpuint (t->part, ==, 1);
  g_assert_cmpstr (t->name, ==, "coordonnees.txt");
  g_assert_nonnull (strstr (t->text, "IBAN FR7630006000011234567890189"));
  g_assert_cmpuint (t->len, ==, strlen (t->text));
  g_assert_false (t->truncated);

  b = fct_analysis_run (plain, NULL, findings, NULL);
  g_assert_nonnull (b);
  g_assert_cmpuint (fct_analysis_get_attachment_text_count (b), ==, 0);
}

static void
test_hosts_dedup_idn (void)
{
  const char *text = "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: text/html; "
                     "charset=utf-8\r\n"
                     "\r\n<a href=\"https://WWW.Example.co.uk/a\">a</a><a "
                     "href=\"https://www.example.co.uk/b\">b</a>"
                     "<a href=\"https://b\xc3\xbc"
                     "cher.example/\">c</a><a "
                     "href=\"http://[2001:db8::1]/\">d</a>"
                     "<a href=\"http://[not-an-address]/\">g</a><a "
                     "href=\"mailto:x@example.com\">e</a><a href=\"/relative\">f</a>\r\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = fct_analysis_run (msg, NULL, findings, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (fct_analysis_get_host_count (a), ==, 3);
  g_assert_cmpstr (fct_analysis_get_host (a, 0)->host, ==, "www.example.co.uk");
  g_assert_cmpstr (fct_analysis_get_host (a, 0)->org_domain, ==, "example.co.uk");
  g_assert_cmpstr (fct_analysis_get_host (a, 1)->host, ==, "xn--bcher-kva.example");
  g_assert_cmpstr (fct_analysis_get_host (a, 2)->host, ==, "2001:db8::1");
  g_assert_true (fct_analysis_get_host (a, 2)->ip_literal);
  g_assert_null (fct_analysis_get_host (a, 2)->org_domain);
}

static void
test_bad_protected_domain (void)
{
  g_autoptr (FctMsg) msg = load ("alternative.eml");
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (GError) error = NULL;
  const char *protect[] = { "not a domain", NULL };
  FctAnalysisOptions options = { .protected_domains = protect };
  g_autoptr (FctAnalysis) a = fct_analysis_run (msg, &options, findings, &error);

  g_assert_null (a);
  g_assert_error (error, FCT_ANALYSIS_ERROR, FCT_ANALYSIS_ERROR_INVALID);
}

/* Messages written in memory: one HTML part, a sender, options. */
typedef struct
{
  const char *name;
  const char *from;
  const char *subject;
  const char *html;
  const char *protect; /* protected domains, space-separated, or NULL */
  const char *brands;  /* protected brands, '|'-separated, or NULL */
  const char *raised;
  const char *absent;
} LinkCase;

#define MISMATCH "link-text-mismatch"

static const LinkCase link_cases[] = {
  /* What a reader sees as the site. */
  { "prose-dotted", "News <n@devnews.io>", "Digest",
    "<a href=\"https://learn.microsoft.com/aspnet\">ASP.NET</a> <a "
    "href=\"https://oracle.example/odp\">ODP.NET</a> <a href=\"https://devnews.io/b\">read "
    "it at Builder.com.</a>",
    NULL, NULL, "", MISMATCH },
  { "caps-brand", "Billing <b@billing-online.com>", "Invoice",
    "<a href=\"https://evil.example/\">PAYPAL.COM</a>", NULL, NULL, MISMATCH, "" },
  { "lowercase-prose", "Service <s@info-service.fr>", "Avis",
    "<a href=\"https://evil.example/\">rendez-vous sur impots.gouv.fr avant lundi</a>",
    NULL, NULL, MISMATCH, "" },
  { "capitalised-prose-brand", "Shop <s@shop-martin.fr>", "Order",
    "<a href=\"https://evil.example/\">Track it on Amazon.com today</a>", NULL, NULL,
    MISMATCH, "" },
  { "capitalised-prose-other", "Shop <s@shop-martin.fr>", "Order",
    "<a href=\"https://evil.example/\">Read more at Builder.com today</a>", NULL, NULL, "",
    MISMATCH },
  { "fullwidth-dot", "Service <s@info-service.fr>", "Avis",
    "<a href=\"https://evil.example/\">impots\xef\xbc\x8egouv\xef\xbc\x8e"
    "fr</a>",
    NULL, NULL, MISMATCH, "" },
  { "soft-hyphen", "Service <s@info-service.fr>", "Avis",
    "<a href=\"https://evil.example/\">www.impots&shy;.gouv.fr</a>", NULL, NULL, MISMATCH,
    "" },
  { "same-org", "Shop <s@shop-martin.fr>", "Order",
    "<a href=\"https://click.shop-martin.fr/x\">www.shop-martin.fr</a>", NULL, NULL, "",
    MISMATCH },
  { "address-in-text", "Support <s@info-service.fr>", "x",
    "<a href=\"https://evil.example/\">Contact: Support@Impots.gouv.fr</a>", NULL, NULL,
    MISMATCH, "" },
  { "white-text-class-background", "Casino <c@promo-casino.example>", "x",
    "<style>.badge{background:#c00}</style><a style=\"color:#fff\" "
    "href=\"https://worldwidesupp.example/x\"><div "
    "class=badge>www.impots.gouv.fr</div></a>",
    NULL, NULL, MISMATCH, "" },
  /* Redirectors. */
  { "safelinks-genuine", "Bank <b@credit-agricole.fr>", "Info",
    "<a href=\"https://eur01.safelinks.protection.outlook.com/"
    "?url=https%3A%2F%2Fwww.credit-agricole.fr%2F&amp;data=05\">www.credit-agricole.fr</a>",
    NULL, NULL, "", MISMATCH " link-tracker-unverifiable" },
  { "safelinks-evil", "Bank <b@mail-service.net>", "Info",
    "<a href=\"https://eur01.safelinks.protection.outlook.com/"
    "?url=https%3A%2F%2Fevil.example%2F&amp;data=05\">www.credit-agricole.fr</a>",
    NULL, NULL, MISMATCH, "" },
  { "nested-safelinks-google", "Bank <b@mail-service.net>", "Info",
    "<a "
    "href=\"https://eur01.safelinks.protection.outlook.com/"
    "?url=https%3A%2F%2Fwww.google.com"
    "%2Furl%3Fq%3Dhttps%253A%252F%252Fevil.example%252F\">www.lcl.fr</a>",
    NULL, NULL, MISMATCH, "" },
  { "symantec-clicktime", "Shop <s@shop-martin.fr>", "News",
    "<a href=\"https://clicktime.symantec.com/39e8T?u=http%3A%2F%2Fwww.pyramidci.com%2F\">"
    "www.pyramidci.com</a>",
    NULL, NULL, "", MISMATCH },
  { "urldefense-v2", "Firm <f@harborlegal.com>", "Docs",
    "<a href=\"https://urldefense.proofpoint.com/v2/"
    "url?u=https-3A__portal.harborlegal.com_x&amp;d=D\">portal.harborlegal.com</a>",
    NULL, NULL, "", MISMATCH },
  { "urldefense-v3-evil", "Firm <f@harborlegal.com>", "Docs",
    "<a href=\"https://urldefense.com/v3/__https://evil.example/x__;!!Q$\">"
    "portal.harborlegal.com</a>",
    NULL, NULL, MISMATCH, "" },
  { "awstrack", "Shop <s@shop-martin.fr>", "News",
    "<a href=\"https://abc.r.us-east-1.awstrack.me/L0/"
    "https:%2F%2Fevil.example%2Fx/1/0100\">www.shop-martin.fr</a>",
    NULL, NULL, MISMATCH, "" },
  { "open-redirect-unknown-host", "Shop <s@shop-martin.fr>", "News",
    "<a href=\"https://evil.example/go?url=https://www.paypal.com/\">www.paypal.com</a>",
    NULL, NULL, MISMATCH, "" },
  { "tracker-own-site", "Shop <news@shop-martin.fr>", "News",
    "<a href=\"https://u1.ct.sendgrid.net/ls/click?upn=x\">www.shop-martin.fr</a>", NULL,
    NULL, "", MISMATCH " link-tracker-unverifiable" },
  { "tracker-other-site", "Shop <news@shop-martin.fr>", "News",
    "<a href=\"https://u1.ct.sendgrid.net/ls/click?upn=x\">www.partner-site.com</a>", NULL,
    NULL, "link-tracker-unverifiable", MISMATCH },
  { "tracker-brand-site", "Service <news@info-service.fr>", "Avis",
    "<a href=\"https://u1.ct.sendgrid.net/ls/click?upn=x\">www.impots.gouv.fr</a>", NULL,
    NULL, MISMATCH, "link-tracker-unverifiable" },
  { "own-domain-tracker", "Brief <d@techbrief-news.com>", "Daily",
    "<a href=\"https://click.techbrief-news.com/c/1\">www.theregister.com</a>", NULL, NULL,
    "", MISMATCH },
  { "own-domain-brand", "Service <s@evil.example>", "Avis",
    "<a href=\"https://evil.example/login\">www.paypal.com</a>", NULL, NULL, MISMATCH, "" },
  /* Schemes and forms. */
  { "data-upper", "A <a@a.example>", "x", "<a href=\"DATA:TEXT/HTML,<h1>x\">open</a>", NULL,
    NULL, "link-data-page", "link-javascript" },
  { "javascript", "A <a@a.example>", "x",
    "<a href=\"javascript:window.location='http://evil.example/'\">open</a>", NULL, NULL,
    "link-javascript", "link-data-page link-javascript-popup" },
  /* The pop-up idiom of 2002 newsletters: a page of the sender's own site in a window. */
  { "javascript-popup-relative", "A <a@a.example>", "x",
    "<a href=\"javascript:popUp('profile.cfm?newsID=95027')\">open</a>", NULL, NULL,
    "link-javascript-popup", "link-javascript" },
  { "javascript-popup-own-site", "News <n@reply.news.example>", "x",
    "<a href=\"javascript:\r\n rs(&quot;ss&quot;,&quot;http://story.news.example/"
    "s?p=1&amp;e=1&quot;, 750,580);\">story</a>",
    NULL, NULL, "link-javascript-popup", "link-javascript" },
  { "javascript-popup-elsewhere", "News <n@news.example>", "x",
    "<a href=\"javascript:window.open('https://evil.example/login')\">open</a>", NULL, NULL,
    "link-javascript", "link-javascript-popup" },
  { "javascript-popup-protocol-relative", "News <n@news.example>", "x",
    "<a href=\"javascript:popUp('//evil.example/login')\">open</a>", NULL, NULL,
    "link-javascript", "link-javascript-popup" },
  { "javascript-eval-literal", "News <n@news.example>", "x",
    "<a href=\"javascript:eval('x')\">open</a>", NULL, NULL, "link-javascript",
    "link-javascript-popup" },
  { "javascript-cookie", "News <n@news.example>", "x",
    "<a href=\"javascript:popUp(document.cookie)\">open</a>", NULL, NULL, "link-javascript",
    "link-javascript-popup" },
  { "javascript-popup-then-code", "News <n@news.example>", "x",
    "<a href=\"javascript:popUp('a.html');location='http://evil.example/'\">open</a>", NULL,
    NULL, "link-javascript", "link-javascript-popup" },
  { "data-image", "A <a@a.example>", "x", "<a href=\"data:image/png;base64,AAAA\">open</a>",
    NULL, NULL, "", "link-javascript link-data-page" },
  { "form-elsewhere", "A <a@shop-martin.fr>", "x",
    "<form action=\"https://evil.example/p\"><input type=password></form>", NULL, NULL,
    "link-form-external", "" },
  { "form-own", "A <a@shop-martin.fr>", "x",
    "<form action=\"https://survey.shop-martin.fr/answer\"><input name=q></form>", NULL,
    NULL, "", "link-form-external" },
  { "form-search-box", "News <n@devnews.io>", "x",
    "<form action=\"https://www.google.com/search\"><input name=q><input type=submit "
    "value=\"Search\"></form>",
    NULL, NULL, "", "link-form-external link-brand-elsewhere" },
  { "form-card", "PayPal <service@intl.example>", "x",
    "<form action=\"https://pay.other.example/p\"><input name=\"cardNumber\"></form>", NULL,
    NULL, "link-form-external link-brand-elsewhere", "" },
  { "affiliate-redirector", "ZDNet <n@newsletter.online.com>", "Deals",
    "<a href=\"http://shopper.cnet.com/go/to?destUrl=http%3A%2F%2Fwww%2Ebuy%2Ecom%2Fx\">"
    "buy.com</a>",
    NULL, NULL, "", MISMATCH },
  /* Domains in a path. */
  { "path-bank", "A <a@a.example>", "x",
    "<a href=\"http://host.example.kr/comfedbank.com/\">Log in</a>", NULL, NULL,
    "link-domain-in-path", "" },
  { "path-files", "A <a@a.example>", "x",
    "<a href=\"https://github.com/org/tool/blob/main/setup.py\">setup</a> <a "
    "href=\"https://a.example/files/archive.zip\">zip</a> <a "
    "href=\"https://web.example/share?u=https://other.example/\">share</a>",
    NULL, NULL, "", "link-domain-in-path" },
  { "path-redirectors", "A <a@a.example>", "x",
    "<a href=\"http://rd.mailshell.com/www.divx.com/affiliate/\">a</a> <a "
    "href=\"http://chkpt.zdnet.com/chkpt/x/http://shopper.cnet.com/y\">b</a> <a "
    "href=\"http://www/lindows.com/\">c</a> <a "
    "href=\"http://www.blognet.com/Blogs/Blog.aspx/tenorman.net/\">d</a>",
    NULL, NULL, "", "link-domain-in-path" },
  { "path-brand-www", "A <a@a.example>", "x",
    "<a href=\"http://host.example.kr/www.paypal.com/login\">Log in</a>", NULL, NULL,
    "link-domain-in-path", "" },
  /* Scripts in IDN hosts. */
  { "idn-latin-han", "A <a@a.example>", "x",
    "<a href=\"https://xn--tokyo-ff0qw58a.jp/\">Tokyo</a>", NULL, NULL, "",
    "link-punycode-lookalike link-lookalike-domain" },
  { "idn-latin-cyrillic", "A <a@a.example>", "x",
    "<a href=\"https://xn--pypal-4ve.com/\">pay</a>", NULL, NULL, "link-punycode-lookalike",
    "" },
  { "idn-whole-cyrillic", "A <a@a.example>", "x",
    "<a href=\"https://xn--80ak6aa92e.com/\">apple</a>", NULL, NULL,
    "link-punycode-lookalike", "" },
  { "idn-latin-accents", "A <a@a.example>", "x",
    "<a href=\"https://xn--caf-dma.fr/\">caf\xc3\xa9</a>", NULL, NULL, "",
    "link-punycode-lookalike" },
  /* Lookalikes of protected domains and brands. */
  { "protect-other-suffix", "Compta <c@maison-dupont.com>", "Facture", "<p>x</p>",
    "maison-dupont.fr", NULL, "lookalike-domain", "" },
  { "protect-one-edit", "Compta <c@maison-dupond.fr>", "Facture", "<p>x</p>",
    "maison-dupont.fr", NULL, "lookalike-domain", "" },
  { "protect-subdomain-genuine", "Compta <c@factures.maison-dupont.fr>", "Facture",
    "<p>x</p>", "maison-dupont.fr", NULL, "", "lookalike-domain display-name-brand" },
  { "protect-as-subdomain", "Compta <c@maison-dupont.fr.secure-docs.example>", "Facture",
    "<p>x</p>", "maison-dupont.fr", NULL, "lookalike-domain", "" },
  { "protect-link", "A <a@a.example>", "x", "<a href=\"https://maison-dupont.net/\">x</a>",
    "maison-dupont.fr", NULL, "link-lookalike-domain", "" },
  { "brand-owned-second-domain", "PayPal <service@paypal.fr>", "Receipt",
    "<a href=\"https://www.paypalobjects.com/x.pdf\">Privacy</a>", "paypal.com", NULL, "",
    "display-name-brand lookalike-domain link-lookalike-domain" },
  { "brand-parts", "A <a@a.example>", "x",
    "<a href=\"https://www.netflix-billing-online.com/\">x</a>", NULL, NULL,
    "link-lookalike-domain", "" },
  { "brand-not-a-part", "A <a@a.example>", "x",
    "<a href=\"https://www.netflixfanclub.example/\">x</a> <a "
    "href=\"https://amelie-boutique.example/\">y</a>",
    NULL, NULL, "", "link-lookalike-domain" },
  { "brand-spelt-in-subdomain", "A <a@a.example>", "x",
    "<a href=\"https://www.paypal.com.account-review.xyz/\">x</a>", NULL, NULL,
    "link-lookalike-domain", "" },
  { "brand-math-letters-host", "A <a@a.example>", "x",
    "<a href=\"https://\xf0\x9d\x90\xa9\xf0\x9d\x90\x9a\xf0\x9d\x90\xb2\xf0\x9d"
    "\x90\xa9\xf0\x9d\x90\x9a\xf0\x9d\x90\xa5.com.secure-login.xyz/\">x</a>",
    NULL, NULL, "link-lookalike-domain", "" },
  { "brand-word-as-subdomain", "A <a@a.example>", "x",
    "<a href=\"https://apple.recipes-blog.com/pie\">x</a>", NULL, NULL, "",
    "link-lookalike-domain" },
  { "brand-confusable", "A <a@a.example>", "x", "<a href=\"https://paypa1.example/\">x</a>",
    NULL, NULL, "link-lookalike-domain", "" },
  /* Display names. */
  { "display-brand", "PayPal <service@intl.example>", "x", "<p>x</p>", NULL, NULL,
    "display-name-brand", "" },
  { "display-brand-math",
    "\xf0\x9d\x90\x8f\xf0\x9d\x90\x9a\xf0\x9d\x90\xb2\xf0\x9d\x90\x8f"
    "\xf0\x9d\x90\x9a\xf0\x9d\x90\xa5 <service@intl.example>",
    "x", "<p>x</p>", NULL, NULL, "display-name-brand", "" },
  { "display-brand-accents", "Credit Agricole Alerte <a@intl.example>", "x", "<p>x</p>",
    NULL, NULL, "display-name-brand", "" },
  { "display-brand-inside-word", "PayPalooza Festival <hello@paypalooza.example>", "x",
    "<p>x</p>", NULL, NULL, "", "display-name-brand" },
  { "display-domain-first-word", "Booking.com Angebote & Rabatte <news@laconviviale.com>",
    "x", "<p>x</p>", NULL, NULL, "display-name-spoof", "" },
  { "display-address-in-name", "\"Streaming-Abonnement@Dazn.de,\" <news@stayfriends.de>",
    "x", "<p>x</p>", NULL, NULL, "display-name-spoof", "" },
  { "display-brand-with-domain-word",
    "CNET News.com Daily Dispatch <n@newsletter.online.com>", "x", "<p>x</p>", NULL, NULL,
    "", "display-name-spoof display-name-brand" },
  { "display-person", "\"Craig R.Hughes\" <craig@hughes.example>", "x", "<p>x</p>", NULL,
    NULL, "", "display-name-spoof display-name-brand" },
  { "display-protected-label", "Maison Dupont <compta@factures-online.example>", "x",
    "<p>x</p>", "maison-dupont.fr", NULL, "display-name-brand", "" },
  { "display-protected-brand", "Dupont Traiteur <commandes@traiteur.example>", "x",
    "<p>x</p>", "maison-dupont.fr", "Dupont Traiteur", "display-name-brand", "" },
  { "display-protected-brand-own", "Dupont Traiteur <commandes@maison-dupont.fr>", "x",
    "<p>x</p>", "maison-dupont.fr", "Dupont Traiteur", "", "display-name-brand" },
  { "display-brand-in-other-name", "Lockergnome Apple Core <subscriptions@lockergnome.com>",
    "x", "<a href=\"http://psstt.com/1/c/2\">Click here</a>", NULL, NULL, "",
    "display-name-brand link-brand-elsewhere" },
  { "display-brand-dotted", "\"Pay.Pal.\" <m0n1ca@isp-q.example>", "x", "<p>x</p>", NULL,
    NULL, "display-name-brand", "" },
  { "display-brand-dashed", "P-a-y-P-a-l Service <info@intl.example>", "x", "<p>x</p>",
    NULL, NULL, "display-name-brand", "" },
  { "display-initials-dotted", "\"J.-P. Martin - A.B.C.\" <jp@abc-distribution.example>",
    "x", "<p>x</p>", NULL, NULL, "", "display-name-brand display-name-spoof" },
  { "brand-own-private-ip", "PayPal <service@paypal.com>", "Confirmation",
    "<a href=\"http://10.4.1.12:1639/index.htm\">link</a>", NULL, NULL, "link-ip-login",
    "" },
  { "other-private-ip", "NAS <nas@bureau.example>", "Update",
    "<a href=\"http://192.168.1.20:5000/login\">Log in</a>", NULL, NULL, "",
    "link-ip-login link-login-port" },
  { "ip-sign-on", "Bank <alerts@bank-notice.example>", "Upgrade",
    "<a href=\"http://64.253.46.35/s\">Sign On</a>", NULL, NULL, "link-ip-login", "" },
  { "login-port", "Bank <support@bank.example>", "Alert",
    "<a href=\"http://logon.bank4u.example:280/login\">Online Banking</a>", NULL, NULL,
    "link-login-port", "" },
  { "login-port-https", "Host <support@host.example>", "Panel",
    "<a href=\"https://srv1.panel.example:2083/login\">cPanel</a>", NULL, NULL, "",
    "link-login-port" },
  { "login-port-no-login-path", "Memos <m@memos.example>", "Memo",
    "<a href=\"http://www.internalmemos.example:8080/memos/detail.php?id=1\">memo</a>",
    NULL, NULL, "", "link-login-port" },
  { "login-port-form", "Bank <a@bank.example>", "Pending",
    "<form action=\"http://bank-secure.example:9117\"><input type=submit></form>", NULL,
    NULL, "link-login-port", "" },
  { "image-map-decoy", "Bank <a@bank.example>", "Alert",
    "<a href=\"https://www.bank.example/\"><map name=m><area "
    "href=\"http://198.51.100.7:87/st/\"></map><img src=\"cid:x\" usemap=\"#m\"></a>",
    NULL, NULL, "link-image-map-decoy", "" },
  { "image-map-same-site", "Shop <a@shop.example>", "News",
    "<a href=\"https://www.shop.example/\"><map name=m><area "
    "href=\"https://cdn.shop.example/b\"></map><img src=\"cid:x\" usemap=\"#m\"></a>",
    NULL, NULL, "", "link-image-map-decoy" },
  { "image-map-to-sender", "Shop <a@shop.example>", "News",
    "<a href=\"https://www.partner.example/\"><map name=m><area "
    "href=\"https://www.shop.example/b\"></map><img src=\"cid:x\" usemap=\"#m\"></a>",
    NULL, NULL, "", "link-image-map-decoy" },
  { "brand-own-login-elsewhere", "eBay <aw-confirm@ebay.com>", "Account",
    "<a href=\"http://www.pearland.example/ws/eBayISAPI.dll?SignIn\">click here</a>", NULL,
    NULL, "link-brand-elsewhere", "" },
  { "brand-own-partner-link", "eBay <news@reply.ebay.com>", "Deals",
    "<a href=\"https://www.partner-shop.example/account/news\">See the news</a>", NULL,
    NULL, "", "link-brand-elsewhere" },
  { "display-brand-official-words", "Service Client PayPal France <info@intl.example>", "x",
    "<p>x</p>", NULL, NULL, "display-name-brand", "" },
  { "display-two-brands", "DGFiP - Impots.gouv <remb@intl.example>", "x", "<p>x</p>", NULL,
    NULL, "display-name-brand", "" },
  { "display-brand-cyrillic", "P\xd0\xb0yPal <service@intl.example>", "x", "<p>x</p>", NULL,
    NULL, "display-name-brand text-lookalike-letters", "" },
  { "display-brand-capital-i", "Trust WaIIet <renan@unosolucoes.com.br>", "x", "<p>x</p>",
    NULL, NULL, "display-name-brand", "text-lookalike-letters" },
  { "subject-borrowed-letters", "Team Support Center <noreply@delivery.example>",
    "Acti\xd0\xben Requi\xd0\xb3"
    "ed: Unusu\xd0\xb0I \xd0\xb0"
    "ctivity on your Am\xd0\xb0zon acc\xd0\xbe"
    "unt",
    "<p>x</p>", NULL, NULL, "text-lookalike-letters", "" },
  { "subject-scripts-apart",
    "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd Petrov <ivan@petrov.example>",
    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, Tokyo \xe6\x9d\xb1\xe4\xba\xac "
    "Caf\xc3\xa9 M\xc3\xbcller A1 MP3",
    "<p>x</p>", NULL, NULL, "", "text-lookalike-letters display-name-brand" },
  /* Buttons of a message that speaks for a brand. */
  { "brand-button", "La Poste <suivi@notif.example>", "Colis",
    "<a href=\"https://colis.example/\">Suivre mon colis</a>", NULL, NULL,
    "link-brand-elsewhere", "" },
  { "brand-subject-button", "IT <it@plomberie-morel.fr>", "Microsoft 365 password expiry",
    "<a href=\"https://keep.example/\">Keep my password</a>", NULL, NULL,
    "link-brand-elsewhere", "" },
  { "brand-subject-read-more", "IT <it@plomberie-morel.fr>", "Microsoft 365: what is new",
    "<a href=\"https://plomberie-morel.fr/blog\">Read the article</a>", NULL, NULL, "",
    "link-brand-elsewhere" },
  { "brand-subject-not-first", "AnchorDesk <n@newsletter.online.com>",
    "MS/Apple: can this marriage be saved?",
    "<a href=\"http://clickthru.online.com/Click?q=1\">Click here</a>", NULL, NULL, "",
    "link-brand-elsewhere" },
  { "brand-subject-reply", "IT <it@plomberie-morel.fr>",
    "RE: TR: Microsoft 365 mot de passe",
    "<a href=\"https://keep.example/\">Conserver mon mot de passe</a>", NULL, NULL,
    "link-brand-elsewhere", "" },
  { "brand-image-button", "La Poste <suivi@notif.example>", "Colis",
    "<a href=\"https://colis.example/\"><img src=\"btn.png\" alt=\"Suivre mon colis\"></a>",
    NULL, NULL, "link-brand-elsewhere", "" },
  { "brand-image-logo", "La Poste <suivi@notif.example>", "Colis",
    "<a href=\"https://colis.example/\"><img src=\"logo.png\" alt=\"La Poste\"></a>", NULL,
    NULL, "", "link-brand-elsewhere" },
  { "brand-genuine-button", "La Poste <suivi@laposte.fr>", "Colis",
    "<a href=\"https://www.laposte.fr/suivi\">Suivre mon colis</a>", NULL, NULL, "",
    "link-brand-elsewhere display-name-brand" },
};

static void
test_link_case (gconstpointer data)
{
  const LinkCase *c = data;
  g_autofree char *text
      = g_strdup_printf ("From: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: text/html; charset=utf-8\r\n\r\n%s\r\n",
                         c->from, c->subject, c->html);
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) analysis = NULL;
  g_auto (GStrv) protect = c->protect != NULL ? g_strsplit (c->protect, " ", -1) : NULL;
  g_auto (GStrv) brands = c->brands != NULL ? g_strsplit (c->brands, "|", -1) : NULL;
  g_auto (GStrv) raised = g_strsplit (c->raised, " ", -1);
  g_auto (GStrv) absent = g_strsplit (c->absent, " ", -1);
  FctAnalysisOptions options = { 0 };

  g_assert_no_error (error);
  options.protected_domains = (const char *const *)protect;
  options.protected_brands = (const char *const *)brands;
  analysis = fct_analysis_run (msg, &options, findings, &error);
  g_assert_no_error (error);
  dump (findings);
  for (guint i = 0; raised[i] != NULL; i++)
    if (*raised[i] != '\0' && !fct_findings_has (findings, raised[i]))
      g_error ("%s: %s not raised", c->name, raised[i]);
  for (guint i = 0; absent[i] != NULL; i++)
    if (*absent[i] != '\0' && fct_findings_has (findings, absent[i]))
      g_error ("%s: %s raised", c->name, absent[i]);
}

/* URI blocklists are asked about the destination, not the wrapper. */
static void
test_hosts_destination (void)
{
  const char *text
      = "From: a@example.com\r\nContent-Type: text/html\r\n\r\n"
        "<a "
        "href=\"https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.evil."
        "example%2Fx&amp;data=1\">x</a><a "
        "href=\"https://u1.ct.sendgrid.net/ls/click?upn=1\">y</a>"
        "<base href=\"https://base.example/\"><a href=\"rel\">z</a>\r\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = fct_analysis_run (msg, NULL, findings, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (fct_analysis_get_host_count (a), ==, 3);
  g_assert_cmpstr (fct_analysis_get_host (a, 0)->host, ==, "www.evil.example");
  g_assert_cmpstr (fct_analysis_get_host (a, 1)->host, ==, "u1.ct.sendgrid.net");
  g_assert_cmpstr (fct_analysis_get_host (a, 2)->host, ==, "base.example");
}

/* Accounts wherever the text puts them: at its very start with a narrow no-break space
 * (three bytes) before the check digits, after a long run of prose without a digit,
 * with a no-break space, and a RIB that ends the text. */
static void
test_iban_positions (void)
{
  g_autoptr (GString) text = g_string_new ("From: a@example.com\r\nSubject: RIB\r\n\r\n"
                                           "FR\xe2\x80\xaf"
                                           "76 3000 6000 0112 3456 7890 189 ");
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = NULL;
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (text, "Veuillez trouver ci-joint nos coordonn\xc3\xa9"
                           "es bancaires. ");
  g_string_append (text, "GB\xc2\xa0"
                         "29 NWBK 6016 1331 9268 19, code 30004 00003 12345678901 43");
  bytes = g_bytes_new (text->str, text->len);
  msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  a = fct_analysis_run (msg, NULL, findings, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fct_analysis_get_iban_count (a), ==, 3);
  g_assert_cmpstr (fct_analysis_get_iban (a, 0), ==, "FR7630006000011234567890189");
  g_assert_cmpstr (fct_analysis_get_iban (a, 1), ==, "GB29NWBK60161331926819");
  g_assert_cmpstr (fct_analysis_get_iban (a, 2), ==, "FR7630004000031234567890143");
}

static void
test_protect_list (void)
{
  const char *good
      = "# Maison Dupont\n\nmaison-dupont.fr\n  brand: Maison Dupont  \n"
        "BRAND:Dupont Traiteur # the catering arm\nxn--mason-dupont-kgb.fr\r\n";
  const char *bad[]
      = { "maison-dupont.fr\nnot a domain\n", "brand:\n", "localhost\n", "\xff\xfe\n" };
  g_autoptr (GPtrArray) domains = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) brands = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  g_assert_true (
      fct_analysis_protect_list_parse (good, strlen (good), domains, brands, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (domains->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (domains, 0), ==, "maison-dupont.fr");
  g_assert_cmpstr (g_ptr_array_index (domains, 1), ==, "xn--mason-dupont-kgb.fr");
  g_assert_cmpuint (brands->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (brands, 0), ==, "Maison Dupont");
  g_assert_cmpstr (g_ptr_array_index (brands, 1), ==, "Dupont Traiteur");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_false (
          fct_analysis_protect_list_parse (bad[i], strlen (bad[i]), domains, brands, &e));
      g_assert_error (e, FCT_ANALYSIS_ERROR, FCT_ANALYSIS_ERROR_INVALID);
    }
}

static void
run_hostile (const char *text, gsize len)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, len);
  g_autoptr (GError) error = NULL;
  FctLimits limits;
  g_autoptr (FctMsg) msg = NULL;
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = NULL;
  FctAnalysisOptions options = { .extract_helper = FCT_TEST_EXTRACT_HELPER };

  fct_limits_init (&limits);
  limits.message_max_bytes = 128 * 1024 * 1024;
  msg = fct_msg_new_from_bytes (bytes, &limits, &error);
  if (msg == NULL)
    return;
  a = fct_analysis_run (msg, &options, findings, &error);
  g_assert_no_error (error);
  g_assert_nonnull (a);
}

static void
test_hostile_many_parts (void)
{
  GString *s = g_string_new ("From: a@example.com\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
  for (int i = 0; i < 10000; i++)
    g_string_append_printf (s,
                            "--b\r\nContent-Type: application/zip; name=a%d.zip\r\n"
                            "Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n",
                            i);
  g_string_append (s, "--b--\r\n");
  run_hostile (s->str, s->len);
  g_string_free (s, TRUE);
}

static void
test_hostile_large_archive (void)
{
  /* A 48 MB attachment named .zip that is no zip: decoded once, refused by libarchive. */
  GString *s = g_string_new ("From: a@example.com\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                             "--b\r\nContent-Type: application/zip; name=big.zip\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n");
  for (gsize n = 0; n < 48 * 1024 * 1024; n += 57)
    g_string_append (
        s, "UEsDBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n");
  g_string_append (s, "--b--\r\n");
  run_hostile (s->str, s->len);
  g_string_free (s, TRUE);
}

static void
test_hostile_empty_member (void)
{
  /* A zip holding an empty file: the member's head is zero bytes (and no pointer). */
  const char *text
      = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: application/zip; name=vide.zip\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        "UEsDBBQAAAAAAABQe10AAAAAAAAAAAAAAAAIAAAAdmlkZS50eHRQSwECFAMUAAAAAAAAUHtdAAAAAAAA\r"
        "\n"
        "AAAAAAAACAAAAAAAAAAAAAAAgAEAAAAAdmlkZS50eHRQSwUGAAAAAAEAAQA2AAAAJgAAAAAA\r\n"
        "--b--\r\n";

  run_hostile (text, strlen (text));
}

static void
test_hostile_links (void)
{
  GString *s = g_string_new ("From: a@example.com\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: text/html\r\n\r\n<html><body>");
  for (int i = 0; s->len < 1024 * 1024; i++)
    g_string_append_printf (
        s, "<a href=\"http://h%d.example/\">www.other%d.example</a>\r\n", i, i);
  run_hostile (s->str, s->len);
  g_string_free (s, TRUE);
}

static void
test_hostile_iban_text (void)
{
  /* A megabyte of "FR76 FR76 ...": every position looks like the start of an IBAN. */
  GString *s = g_string_new ("From: a@example.com\r\n\r\n");
  while (s->len < 1024 * 1024)
    g_string_append (s, "FR76 3000 6000 0112 3456 7890 18 ");
  run_hostile (s->str, s->len);
  g_string_free (s, TRUE);
}

static void
test_hostile_garbage (void)
{
  GRand *rand = g_rand_new_with_seed (7);

  for (int round = 0; round < 100; round++)
    {
      gsize len = 64 + g_rand_int_range (rand, 0, 4096);
      g_autofree char *buf = g_malloc (len);
      const char *head = "From: \"x.example\" <a@b.example>\r\nContent-Type: "
                         "multipart/mixed; boundary=a\r\n\r\n--a\r\n";
      gsize head_len = strlen (head);

      memcpy (buf, head, head_len);
      for (gsize i = head_len; i < len; i++)
        buf[i] = (char)g_rand_int_range (rand, 0, 256);
      run_hostile (buf, len);
    }
  g_rand_free (rand);
}

/* The reading deadline itself, the one test that keeps it short (the cases above get a
 * generous one): the reader never answers, so the outcome is the same on any machine.
 * The document ends as attachment-unreadable, "took too long"; the deadline is the
 * message's, so the second document starts no reader of its own; and the rest of the
 * analysis still runs (the program attached beside them is flagged). */
static void
test_extract_deadline (void)
{
  static const char text[]
      = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nCi-joint.\r\n"
        "--b\r\nContent-Type: application/pdf; name=facture.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n"
        "--b\r\nContent-Type: application/pdf; name=rib.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n"
        "--b\r\nContent-Type: application/octet-stream; name=outil.exe\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAA=\r\n--b--\r\n";
  g_autofree char *dir = g_dir_make_tmp ("fct-analysis-XXXXXX", NULL);
  g_autofree char *helper = NULL;
  g_autofree char *script = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = NULL;
  g_autoptr (GDir) started = NULL;
  FctAnalysisOptions options = { 0 };
  FctLimits limits;
  const char *name;
  guint readers = 0;

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  /* It does not know --serve (so each document gets a child of its own), leaves a
     folder per child it runs (a folder: its children may not write files), and waits. */
  helper = g_build_filename (dir, "facteur-extract", NULL);
  script = g_strdup_printf ("#!/bin/sh\n[ \"$1\" = --serve ] && exit 64\n"
                            "mkdir \"%s/started.$$\"\nexec sleep 60\n",
                            dir);
  g_assert_true (g_file_set_contents (helper, script, -1, NULL));
  g_assert_cmpint (g_chmod (helper, 0755), ==, 0);
  fct_limits_init (&limits);
  limits.extract_timeout_ms = 200;
  options.extract_helper = helper;
  options.limits = &limits;

  a = fct_analysis_run (msg, &options, findings, &error);
  g_assert_no_error (error);
  g_assert_nonnull (a);
  dump (findings);
  g_assert_true (fct_findings_has (findings, "attachment-executable"));
  g_assert_true (fct_findings_has (findings, "attachment-unreadable"));
  for (guint i = 0; i < fct_findings_get_count (findings); i++)
    {
      const FctFinding *f = fct_findings_get (findings, i);
      if (g_str_equal (f->weight->id, "attachment-unreadable"))
        g_assert_nonnull (strstr (f->detail, "took too long"));
    }
  started = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (started);
  while ((name = g_dir_read_name (started)) != NULL)
    if (g_str_has_prefix (name, "started."))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        readers++;
        g_rmdir (path);
      }
  /* One reader, or none if this thread stalled past the deadline before the first. */
  g_assert_cmpuint (readers, <=, 1);
  g_unlink (helper);
  g_rmdir (dir);
}

/* Every fixture analysed by four threads at once gives the same findings as alone:
 * GMime, the public suffix list, ICU's spoof checker and the regular expressions are
 * initialised once and shared. */
static gpointer
analyse_all (gpointer data)
{
  GString *summary = g_string_new (NULL);

  (void)data;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FctMsg) msg = load (cases[i].file);
      g_autoptr (FctFindings) findings = fct_findings_new ();
      FctAnalysisOptions options
          = { .extract_helper = FCT_TEST_EXTRACT_HELPER, .limits = test_limits () };
      g_autoptr (FctAnalysis) a = fct_analysis_run (msg, &options, findings, NULL);

      g_assert_nonnull (a);
      for (guint j = 0; j < fct_findings_get_count (findings); j++)
        g_string_append_printf (summary, "%s ", fct_findings_get (findings, j)->weight->id);
      g_string_append_c (summary, '\n');
    }
  return g_string_free (summary, FALSE);
}

static void
test_threads (void)
{
  GThread *threads[4];
  g_autofree char *alone = NULL;

  /* Started first, so that a run of this test alone also races the one-time setup. */
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("analysis", analyse_all, NULL);
  alone = analyse_all (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autofree char *result = g_thread_join (threads[i]);
      g_assert_cmpstr (result, ==, alone);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf (
          "/analysis/case/%s%s%s%s%s", cases[i].file, cases[i].protect ? "+protect=" : "",
          cases[i].protect ? cases[i].protect : "", cases[i].country ? "+country=" : "",
          cases[i].country ? cases[i].country : "");
      g_test_add_data_func (path, &cases[i], test_case);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (link_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/analysis/links/%s", link_cases[i].name);
      g_test_add_data_func (path, &link_cases[i], test_link_case);
    }
  g_test_add_func ("/analysis/hosts-destination", test_hosts_destination);
  g_test_add_func ("/analysis/protect-list", test_protect_list);
  g_test_add_func ("/analysis/iban-positions", test_iban_positions);
  g_test_add_func ("/analysis/accessors", test_accessors);
  g_test_add_func ("/analysis/attachment-text", test_attachment_text);
  g_test_add_func ("/analysis/hosts-dedup-idn", test_hosts_dedup_idn);
  g_test_add_func ("/analysis/bad-protected-domain", test_bad_protected_domain);
  g_test_add_func ("/analysis/threads", test_threads);
  g_test_add_func ("/analysis/extract-deadline", test_extract_deadline);
  g_test_add_func ("/analysis/hostile/many-parts", test_hostile_many_parts);
  g_test_add_func ("/analysis/hostile/large-archive", test_hostile_large_archive);
  g_test_add_func ("/analysis/hostile/empty-member", test_hostile_empty_member);
  g_test_add_func ("/analysis/hostile/links", test_hostile_links);
  g_test_add_func ("/analysis/hostile/iban-text", test_hostile_iban_text);
  g_test_add_func ("/analysis/hostile/garbage", test_hostile_garbage);
  return g_test_run ();
}
