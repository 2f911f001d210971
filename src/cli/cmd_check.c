/* facteur check — the health and threat report of one message: authentication, headers,
 * size, content, phishing, fraud, attachments, bulk mail and blocklists, scored out of
 * 10 (docs/SCORING.md), as text grouped by section or as one JSON object (DESIGN.md). */
#include "cli.h"

#include <facteur/analysis.h>
#include <facteur/check.h>
#include <facteur/report.h>
#include <facteur/store.h>
#include <string.h>

static const char *
severity_mark (FctSeverity severity)
{
  switch (severity)
    {
    case FCT_SEVERITY_CRITICAL:
      return "✗";
    case FCT_SEVERITY_WARNING:
      return "!";
    case FCT_SEVERITY_INFO:
      break;
    }
  return "i";
}

/* withheld: the message is dangerous, and this finding's detail would have advised its
 * sender; the title and the evidence say what the receiving side saw. */
static void
print_finding (const FctFinding *f, gboolean withheld)
{
  g_autofree char *points = f->weight->points > 0
                                ? g_strdup_printf ("-%.1f", f->weight->points)
                                : g_strdup ("");
  g_print ("  %s %-5s %s\n", severity_mark (f->weight->severity), points,
           fct_finding_get_title (f));
  if (f->detail != NULL && !withheld)
    g_print ("          %s\n", f->detail);
  /* The evidence is shown when the sentence does not already quote it. */
  if (f->evidence != NULL
      && (f->detail == NULL || withheld || strstr (f->detail, f->evidence) == NULL))
    g_print ("          %s %s\n", _ ("Evidence:"), f->evidence);
  if (f->fix != NULL)
    g_print ("          %s %s\n", _ ("Fix:"), f->fix);
}

static gboolean
known_section (const char *id)
{
  gsize n = 0;
  const FctReportSection *sections = fct_report_sections (&n);

  for (gsize i = 0; i < n; i++)
    if (g_str_equal (sections[i].id, id))
      return TRUE;
  return FALSE;
}

/* The receiver's answer, first: the verdict and the findings that decided it. */
static void
print_verdict (const FctCheckReport *r)
{
  switch (r->threat)
    {
    case FCT_THREAT_DANGEROUS:
      g_print ("%s\n", _ ("Verdict: DANGEROUS — do not act on this message (pay, click, "
                          "open, reply) before checking it by another channel"));
      break;
    case FCT_THREAT_SUSPICIOUS:
      g_print ("%s\n", _ ("Verdict: suspicious — be careful with this message"));
      break;
    case FCT_THREAT_NONE:
      g_print ("%s\n", _ ("Verdict: clean — nothing found that says not to trust it"));
      return;
    }
  for (guint i = 0; r->threat_findings != NULL && i < r->threat_findings->len; i++)
    {
      const char *id = g_ptr_array_index (r->threat_findings, i);
      for (guint j = 0; j < fct_findings_get_count (r->findings); j++)
        {
          const FctFinding *f = fct_findings_get (r->findings, j);
          if (g_str_equal (f->weight->id, id))
            {
              g_print ("  %s %s (%s)\n", severity_mark (f->weight->severity),
                       fct_finding_get_title (f), id);
              break;
            }
        }
    }
}

static void
print_text (const char *path, const FctCheckReport *r)
{
  guint n = fct_findings_get_count (r->findings);
  gboolean withhold = r->threat == FCT_THREAT_DANGEROUS;
  gsize n_sections = 0;
  const FctReportSection *sections = fct_report_sections (&n_sections);

  g_print ("%s %s\n", _ ("Message:"), path);
  print_verdict (r);
  g_print (_ ("Score: %.1f/10 (deliverability: will the message arrive?)"), r->score);
  g_print ("\n\n");
  if (withhold)
    g_print ("%s\n\n", _ ("The message is judged dangerous: what follows about "
                          "authentication, header fields, size, transport, bulk mail and "
                          "blocklists is "
                          "evidence for the reader, not advice for its sender."));
  for (gsize s = 0; s < n_sections; s++)
    {
      gboolean any = FALSE;
      if (g_str_equal (sections[s].id, "authentication"))
        {
          g_print ("%s\n", _ (sections[s].title));
          g_print ("  SPF %s · DKIM %s · DMARC %s · ARC %s\n",
                   fct_check_report_spf_result (r), fct_check_report_dkim_result (r),
                   fct_check_report_dmarc_result (r), fct_check_report_arc_result (r));
          any = TRUE;
        }
      for (guint i = 0; i < n; i++)
        {
          const FctFinding *f = fct_findings_get (r->findings, i);
          if (!g_str_equal (f->weight->section, sections[s].id))
            continue;
          if (!any)
            g_print ("%s\n", _ (sections[s].title));
          any = TRUE;
          print_finding (f, withhold && fct_finding_weight_advises_sender (f->weight));
        }
      if (any)
        g_print ("\n");
    }
  /* A section added to the weight table later still shows. */
  for (guint i = 0; i < n; i++)
    {
      const FctFinding *f = fct_findings_get (r->findings, i);
      if (!known_section (f->weight->section))
        print_finding (f, withhold && fct_finding_weight_advises_sender (f->weight));
    }
  if (n == 0)
    g_print ("%s\n\n", _ ("Nothing to report: the message passes every check."));
  g_autofree char *size = g_format_size_full (r->received_size, G_FORMAT_SIZE_IEC_UNITS);
  g_print ("%s %s\n", _ ("Size as received:"), size);
  g_print ("Authentication-Results: %s\n", r->authentication_results);
}

static int
exit_for (const GError *error)
{
  if (error->domain == FCT_ANALYSIS_ERROR && error->code == FCT_ANALYSIS_ERROR_PARSE)
    return FCT_EXIT_DATAERR;
  /* A bad --protect domain or --ip. The store's errors never get here: an unreadable
     history is a finding of the report (iban-history-unavailable). */
  if (error->domain == FCT_ANALYSIS_ERROR || error->domain == FCT_CHECK_ERROR)
    return FCT_EXIT_USAGE;
  return -1;
}

static int
report_error (const GError *error)
{
  int status = exit_for (error);
  if (status < 0)
    return fct_cli_report_error (error);
  g_printerr ("facteur: %s\n", error->message);
  return status;
}

typedef struct
{
  char *ip, *helo, *mail_from, *db, *db_key, *authserv_id, *protect_file, *tls;
  char **protect, **dnsbl, **uribl;
  gboolean no_blocklists;
  gint64 now;
} Args;

static int
run (const FctCliCommon *common, const Args *a, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) store_error = NULL;
  g_autoptr (FctResolver) resolver = NULL;
  g_autoptr (FctStore) store = NULL;
  g_autoptr (FctMsg) msg = NULL;
  g_autoptr (FctCheckReport) report = NULL;
  static const char *const none[] = { NULL };
  FctCheckOptions options = {
    .ip = a->ip,
    .helo = a->helo,
    .mail_from = a->mail_from,
    .authserv_id = a->authserv_id,
    .protected_domains = (const char *const *)a->protect,
    .dnsbl_zones = a->no_blocklists ? none : (const char *const *)a->dnsbl,
    .uribl_zones = a->no_blocklists ? none : (const char *const *)a->uribl,
    .now = a->now,
    .limits = &common->limits,
    .tls_version = a->tls == NULL || !g_str_equal (a->tls, "none") ? a->tls : "",
  };

  g_autoptr (GPtrArray) domains = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) brands = g_ptr_array_new_with_free_func (g_free);
  int status;

  if (a->protect_file != NULL)
    {
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (!g_file_get_contents (a->protect_file, &contents, &len, &error)
          || !fct_analysis_protect_list_parse (contents, len, domains, brands, &error))
        {
          g_printerr ("facteur: %s: %s\n", a->protect_file, error->message);
          return FCT_EXIT_USAGE;
        }
      for (guint i = 0; a->protect != NULL && a->protect[i] != NULL; i++)
        g_ptr_array_add (domains, g_strdup (a->protect[i]));
      g_ptr_array_add (domains, NULL);
      g_ptr_array_add (brands, NULL);
      options.protected_domains = (const char *const *)domains->pdata;
      options.protected_brands = (const char *const *)brands->pdata;
    }
  status = fct_cli_load_message (common, path, &msg, &resolver);
  if (status != FCT_EXIT_OK)
    return status;
  if (a->db != NULL)
    {
      /* A history that cannot be read must not hide the report: the check says so in a
         finding (iban-history-unavailable). */
      FctStoreOptions store_options = { .key_path = a->db_key };
      store = fct_store_open (a->db, &store_options, &store_error);
      options.store = store;
      if (store == NULL)
        options.store_error = store_error->message;
    }
  report = fct_check (msg, resolver, &options, &error);
  if (report == NULL)
    return report_error (error);
  if (common->json)
    {
      g_autoptr (JsonNode) node = fct_report_check_to_json (report);
      fct_cli_print_json (node);
    }
  else
    print_text (path, report);
  /* A verdict is an answer, however bad: exit 0 (DESIGN.md). */
  return FCT_EXIT_OK;
}

int
fct_cmd_check (int argc, char **argv)
{
  static const char *summary
      = N_ ("Score a message out of 10 and explain every point it loses: authentication "
            "(SPF, DKIM, DMARC, ARC), header fields, size, content, phishing, spoofing, "
            "bank-details fraud, attachments, bulk-mail rules and blocklists.");
  FctCliCommon common = { 0 };
  Args a = { 0 };
  g_autofree char *usage = NULL;
  int status;
  GOptionEntry entries[] = {
    { "ip", 0, 0, G_OPTION_ARG_STRING, &a.ip, N_ ("Address of the SMTP client"), "IP" },
    { "helo", 0, 0, G_OPTION_ARG_STRING, &a.helo, N_ ("HELO/EHLO name of the client"),
      N_ ("NAME") },
    { "mail-from", 0, 0, G_OPTION_ARG_STRING, &a.mail_from,
      N_ ("Envelope sender (default: the Return-Path field; empty for <>)"),
      N_ ("ADDRESS") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &a.db,
      N_ ("Database remembering each sender's bank accounts: a SQLite file (created if "
          "needed) or a postgresql:// URI"),
      N_ ("PATH|URI") },
    { "db-key", 0, 0, G_OPTION_ARG_FILENAME, &a.db_key,
      N_ ("Key file of that history (default: PATH.key; required with PostgreSQL)"),
      N_ ("FILE") },
    { "protect", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.protect,
      N_ ("Flag From, Reply-To and link domains that imitate this one (repeatable)"),
      N_ ("DOMAIN") },
    { "protect-file", 0, 0, G_OPTION_ARG_FILENAME, &a.protect_file,
      N_ ("Domains (one a line) and brands (brand:Name) of the organisation to watch for "
          "imitations"),
      N_ ("FILE") },
    { "dnsbl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.dnsbl,
      N_ ("DNS blocklist for the client address, replacing the default list "
          "(repeatable)"),
      N_ ("ZONE") },
    { "uribl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.uribl,
      N_ ("URI blocklist for link domains, replacing the default list (repeatable)"),
      N_ ("ZONE") },
    { "no-blocklists", 0, 0, G_OPTION_ARG_NONE, &a.no_blocklists,
      N_ ("Query no blocklist at all"), NULL },
    { "authserv-id", 0, 0, G_OPTION_ARG_STRING, &a.authserv_id,
      N_ ("Name written in Authentication-Results (default: facteur)"), N_ ("NAME") },
    { "tls", 0, 0, G_OPTION_ARG_STRING, &a.tls,
      N_ ("How the message came to the receiving server: TLSv1.3, TLSv1.2, TLSv1.1, "
          "TLSv1, or none for clear text (default: not known, nothing said)"),
      N_ ("VERSION") },
    { "now", 0, 0, G_OPTION_ARG_INT64, &a.now,
      N_ ("Check as if at this Unix time (reproducible reports)"), N_ ("SECONDS") },
    G_OPTION_ENTRY_NULL,
  };

  if (!fct_cli_parse ("check", _ ("FILE --ip IP [--helo NAME] [--mail-from ADDRESS]"),
                      summary, entries, &common, &argc, &argv, &usage))
    status = FCT_EXIT_USAGE;
  else if (argc != 2)
    status = fct_cli_usage_error ("check", usage, "%s", _ ("expected one message file"));
  else if (a.ip == NULL)
    status = fct_cli_usage_error ("check", usage, "%s", _ ("--ip is required"));
  else if (!fct_spf_ip_parse (a.ip, (guint8[16]){ 0 }, &(gsize){ 0 }, NULL))
    status = fct_cli_usage_error ("check", usage, _ ("“%s” is not an IPv4 or IPv6 address"),
                                  a.ip);
  else if (a.tls != NULL
           && !g_strv_contains ((const char *const[]){ "TLSv1.3", "TLSv1.2", "TLSv1.1",
                                                       "TLSv1", "none", NULL },
                                a.tls))
    status = fct_cli_usage_error ("check", usage, _ ("unknown --tls value “%s”"), a.tls);
  else if (a.now < 0)
    status = fct_cli_usage_error ("check", usage, "%s", _ ("--now must be positive"));
  else
    status = run (&common, &a, argv[1]);

  g_free (a.ip);
  g_free (a.helo);
  g_free (a.mail_from);
  g_free (a.db);
  g_free (a.db_key);
  g_free (a.authserv_id);
  g_free (a.protect_file);
  g_free (a.tls);
  g_strfreev (a.protect);
  g_strfreev (a.dnsbl);
  g_strfreev (a.uribl);
  fct_cli_common_clear (&common);
  return status;
}
