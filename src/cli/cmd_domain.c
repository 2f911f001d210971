/* facteur domain — audit a domain's mail setup and say which records to publish. One
 * domain, or a batch (one domain per line in, JSON lines out) on a bounded thread pool.
 * Wiring and presentation only: the work is in src/lib/audit. */
#include "cli.h"

#include <errno.h>
#include <facteur/audit.h>
#include <facteur/report.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  char **selectors;
  gboolean no_smtp;
  gint smtp_port;
  gint mta_sts_port;
  char *ca_file;
  char *trust_anchor;
  char *helo;
  char *rua;
  char **ip_lists;
  char **domain_lists;
  gboolean no_blocklists;
  char *batch;
  char *state;
  gint concurrency;
} DomainOptions;

static void
add_string_member (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
print_text (const FctAuditReport *r)
{
  if (r->audited)
    g_print (_ ("%s: %.1f/10\n"), r->domain, r->score);
  else
    g_print (_ ("%s: not audited (DNS unavailable)\n"), r->domain);
  for (guint i = 0; i < r->mx->len; i++)
    {
      const FctAuditMx *mx = g_ptr_array_index (r->mx, i);
      g_print ("  MX %u %s", mx->preference, mx->host);
      for (guint k = 0; k < mx->addresses->len; k++)
        g_print (" %s",
                 ((const FctAuditAddress *)g_ptr_array_index (mx->addresses, k))->ip);
      if (mx->probe != NULL && mx->probe->tls_version != NULL)
        g_print (" (%s)", mx->probe->tls_version);
      g_print ("\n");
    }
  for (guint i = 0; i < r->dkim_keys->len; i++)
    {
      const FctAuditDkimKey *k = g_ptr_array_index (r->dkim_keys, i);
      if (k->key_type != NULL)
        g_print ("  DKIM %s: %s %u\n", k->selector, k->key_type, k->bits);
    }
  if (fct_findings_get_count (r->findings) == 0)
    g_print ("  %s\n", _ ("Nothing to fix."));
  for (guint i = 0; i < fct_findings_get_count (r->findings); i++)
    {
      const FctFinding *f = fct_findings_get (r->findings, i);
      g_print ("\n  [%s] %s (-%.1f, %s)\n", fct_severity_to_string (f->weight->severity),
               fct_finding_get_title (f), f->weight->points, f->weight->id);
      g_print ("    %s\n", f->detail);
      if (f->fix != NULL)
        {
          g_auto (GStrv) lines = g_strsplit (f->fix, "\n", -1);
          g_print ("    %s\n", _ ("Fix:"));
          for (gsize k = 0; lines[k] != NULL; k++)
            g_print ("      %s\n", lines[k]);
        }
    }
}

/* 69 when DNS could not be used at all (DESIGN.md exit statuses); a query that failed
 * here and there is a dns-error finding in a report that still stands. */
static gboolean
dns_failed (const FctAuditReport *r)
{
  return !r->audited;
}

/* ---- batch ---------------------------------------------------------------------- */

typedef struct
{
  FctResolver *resolver;
  const FctAuditOptions *options;
} DomainBatch;

static char *
error_line (const char *domain, const char *error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string_member (b, "domain", domain);
  add_string_member (b, "error", error);
  json_builder_end_object (b);
  g_autoptr (JsonNode) node = json_builder_get_root (b);
  return json_to_string (node, FALSE);
}

/* Blank lines and # comments are skipped, as in a hosts file. */
static gboolean
batch_prepare (FctCliBatchJob *job, G_GNUC_UNUSED gpointer data)
{
  if (job->too_long)
    {
      job->output = error_line ("", _ ("line too long"));
      return TRUE;
    }
  g_strstrip (job->line);
  if (job->line[0] == '\0' || job->line[0] == '#')
    return FALSE;
  if (!g_utf8_validate (job->line, -1, NULL))
    job->output = error_line ("", _ ("line is not UTF-8"));
  return TRUE;
}

static void
batch_run (FctCliBatchJob *const *jobs, guint n, gpointer data)
{
  DomainBatch *batch = data;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FctAuditReport) report
          = fct_audit_domain (batch->resolver, jobs[i]->line, batch->options, &error);
      if (report == NULL)
        jobs[i]->output = error_line (jobs[i]->line, error->message);
      else
        {
          g_autoptr (JsonNode) node = fct_report_audit_to_json (report);
          jobs[i]->output = json_to_string (node, FALSE);
        }
    }
}

static int
run_batch (FctResolver *resolver, FctAuditOptions *options, const DomainOptions *opts,
           const FctLimits *limits)
{
  /* Domains of one provider share its exchangers: each is asked once per batch. */
  g_autoptr (FctAuditProbeCache) probes = fct_audit_probe_cache_new ();
  DomainBatch data = { resolver, options };
  FctCliBatch batch = {
    .path = opts->batch,
    .state = opts->state,
    .workers = (guint)CLAMP (opts->concurrency, 1, 256),
    .group_max = 1,
    .line_max = limits->batch_line_max_bytes,
    .prepare = batch_prepare,
    .run = batch_run,
    .data = &data,
  };
  options->probe_cache = probes;
  int status = fct_cli_batch_run (&batch);
  options->probe_cache = NULL;
  return status;
}

/* An address that fits in a DMARC URI as it is (RFC 9989 §4.7: "," and "!" separate
 * URIs and sizes, ";" ends the tag): local@domain, printable ASCII, no white space. */
static gboolean
rua_is_valid (const char *rua)
{
  const char *at = strrchr (rua, '@');
  if (at == NULL || at == rua || at[1] == '\0' || strchr (at + 1, '.') == NULL)
    return FALSE;
  for (const char *p = rua; *p != '\0'; p++)
    if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f || strchr (",;!\"\\<>", *p) != NULL)
      return FALSE;
  return TRUE;
}

static FctResolver *
make_resolver (const FctCliCommon *common, const DomainOptions *opts, GError **error)
{
  if (opts->trust_anchor == NULL || common->dns_zone != NULL)
    return fct_cli_make_resolver (common, error);
  FctResolverOptions options = {
    .forwarder = common->dns_server,
    .trust_anchor_file = opts->trust_anchor,
    .limits = &common->limits,
  };
  return fct_resolver_new_unbound (&options, error);
}

int
fct_cmd_domain (int argc, char **argv)
{
  static const char *summary
      = N_ ("Audit a domain's mail setup (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI, "
            "DNSSEC, DANE, blocklists, STARTTLS) and say which records to publish.");
  DomainOptions opts = { .smtp_port = 25, .mta_sts_port = 443, .concurrency = 16 };
  GOptionEntry entries[] = {
    { "dkim-selector", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts.selectors,
      N_ ("A DKIM selector to check, besides the common ones (repeatable)"), N_ ("S") },
    { "no-smtp", 0, 0, G_OPTION_ARG_NONE, &opts.no_smtp,
      N_ ("Do not connect to the mail servers (no STARTTLS check)"), NULL },
    { "smtp-port", 0, 0, G_OPTION_ARG_INT, &opts.smtp_port,
      N_ ("Port of the mail servers (default 25; for tests)"), N_ ("PORT") },
    { "mta-sts-port", 0, 0, G_OPTION_ARG_INT, &opts.mta_sts_port,
      N_ ("Port of the MTA-STS policy server (default 443; for tests)"), N_ ("PORT") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opts.ca_file,
      N_ ("Also trust the CA certificates of FILE (PEM) for HTTPS and STARTTLS"),
      N_ ("FILE") },
    { "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, &opts.trust_anchor,
      N_ ("DNSSEC trust anchors (DS or DNSKEY records) instead of the root's, for "
          "--dns-server test zones"),
      N_ ("FILE") },
    { "helo", 0, 0, G_OPTION_ARG_STRING, &opts.helo,
      N_ ("Name to give in EHLO (default: this machine's fully qualified name)"),
      N_ ("NAME") },
    { "rua", 0, 0, G_OPTION_ARG_STRING, &opts.rua,
      N_ ("The address that should receive DMARC reports, used in the proposed records "
          "(default: dmarc-reports@DOMAIN, a mailbox to create)"),
      N_ ("ADDRESS") },
    { "dnsbl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts.ip_lists,
      N_ ("An address blocklist zone to use instead of the defaults (repeatable)"),
      N_ ("ZONE") },
    { "dbl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts.domain_lists,
      N_ ("A domain blocklist zone to use instead of the defaults (repeatable)"),
      N_ ("ZONE") },
    { "no-blocklists", 0, 0, G_OPTION_ARG_NONE, &opts.no_blocklists,
      N_ ("Do not query blocklists"), NULL },
    { "batch", 0, 0, G_OPTION_ARG_FILENAME, &opts.batch,
      N_ ("Audit every domain of FILE (one per line; - for standard input), one JSON line "
          "each"),
      N_ ("FILE") },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &opts.concurrency,
      N_ ("Domains audited at once in batch mode (default 16)"), "N" },
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &opts.state,
      N_ ("Batch mode: record each finished domain in FILE, and skip those it already "
          "holds (to resume an interrupted run)"),
      N_ ("FILE") },
    G_OPTION_ENTRY_NULL
  };
  static const char *const none[] = { NULL };
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  if (!fct_cli_parse ("domain", _ ("DOMAIN"), summary, entries, &common, &argc, &argv,
                      &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }

  FctAuditOptions options;
  fct_audit_options_init (&options);
  options.limits = &common.limits;
  options.dkim_selectors = (const char *const *)opts.selectors;
  options.smtp = !opts.no_smtp;
  options.smtp_port = (guint16)opts.smtp_port;
  options.https_port = (guint16)opts.mta_sts_port;
  options.ca_file = opts.ca_file;
  /* EHLO with this machine's name, as a mail server would (RFC 5321 §4.1.1.1); without
   * one, the library's reserved placeholder. */
  g_autofree char *host = NULL;
  g_autofree char *fqdn = opts.helo == NULL ? fct_cli_machine_fqdn (&host) : NULL;
  options.helo = opts.helo != NULL ? opts.helo : fqdn;
  /* "mailto:x@y" or "x@y": the fixes write the URI themselves. */
  const char *rua = opts.rua;
  if (rua != NULL && g_ascii_strncasecmp (rua, "mailto:", 7) == 0)
    rua += 7;
  options.rua = rua;
  options.ip_blocklists = opts.no_blocklists ? none : (const char *const *)opts.ip_lists;
  options.domain_blocklists
      = opts.no_blocklists ? none : (const char *const *)opts.domain_lists;

  if (opts.smtp_port < 1 || opts.smtp_port > 65535 || opts.mta_sts_port < 1
      || opts.mta_sts_port > 65535)
    status = fct_cli_usage_error ("domain", usage, "%s",
                                  _ ("--smtp-port and --mta-sts-port must be 1 to 65535"));
  else if (opts.concurrency < 1)
    status = fct_cli_usage_error ("domain", usage, "%s",
                                  _ ("--concurrency must be at least 1"));
  else if (rua != NULL && !rua_is_valid (rua))
    status = fct_cli_usage_error ("domain", usage, "%s",
                                  _ ("--rua must be an address such as "
                                     "dmarc@example.com"));
  else if (opts.batch == NULL && argc != 2)
    status = fct_cli_usage_error ("domain", usage, "%s", _ ("expected one domain"));
  else if (opts.batch != NULL && argc != 1)
    status = fct_cli_usage_error ("domain", usage, "%s",
                                  _ ("--batch takes the domains from a file, not the "
                                     "command line"));
  else
    {
      g_autoptr (FctResolver) resolver = make_resolver (&common, &opts, &error);
      if (resolver == NULL)
        status = fct_cli_report_error (error);
      else if (opts.batch != NULL)
        status = run_batch (resolver, &options, &opts, &common.limits);
      else
        {
          g_autoptr (FctAuditReport) report
              = fct_audit_domain (resolver, argv[1], &options, &error);
          if (report == NULL)
            status = fct_cli_usage_error ("domain", usage, "%s", error->message);
          else
            {
              if (common.json)
                {
                  g_autoptr (JsonNode) node = fct_report_audit_to_json (report);
                  fct_cli_print_json (node);
                }
              else
                print_text (report);
              status = dns_failed (report) ? FCT_EXIT_UNAVAILABLE : FCT_EXIT_OK;
            }
        }
    }
  g_strfreev (opts.selectors);
  g_strfreev (opts.ip_lists);
  g_strfreev (opts.domain_lists);
  g_free (opts.ca_file);
  g_free (opts.trust_anchor);
  g_free (opts.helo);
  g_free (opts.rua);
  g_free (opts.batch);
  g_free (opts.state);
  fct_cli_common_clear (&common);
  return status;
}
