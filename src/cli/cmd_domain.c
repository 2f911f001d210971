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

/* A domain name is at most 253 octets (RFC 1035 §2.3.4); longer lines are not domains. */
#define BATCH_LINE_MAX 1024

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
  char *domain;
  char *error;
  FctAuditReport *report;
  gboolean done;
} Job;

typedef struct
{
  FctResolver *resolver;
  const FctAuditOptions *options;
  GMutex lock;
  GCond cond;
} Batch;

static void
job_free (Job *job)
{
  g_free (job->domain);
  g_free (job->error);
  fct_audit_report_free (job->report);
  g_free (job);
}

static void
batch_worker (gpointer data, gpointer user_data)
{
  Job *job = data;
  Batch *batch = user_data;
  g_autoptr (GError) error = NULL;
  FctAuditReport *report
      = fct_audit_domain (batch->resolver, job->domain, batch->options, &error);
  g_mutex_lock (&batch->lock);
  job->report = report;
  if (report == NULL)
    job->error = g_strdup (error->message);
  job->done = TRUE;
  g_cond_broadcast (&batch->cond);
  g_mutex_unlock (&batch->lock);
}

static void
print_job (Job *job)
{
  if (job->report != NULL)
    {
      g_autoptr (JsonNode) node = fct_report_audit_to_json (job->report);
      fct_cli_print_json (node);
      return;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string_member (b, "domain", job->domain != NULL ? job->domain : "");
  add_string_member (b, "error", job->error != NULL ? job->error : _ ("audit failed"));
  json_builder_end_object (b);
  g_autoptr (JsonNode) node = json_builder_get_root (b);
  fct_cli_print_json (node);
}

static void
show_progress (guint64 done, guint64 total)
{
  guint width = 30, filled = total > 0 ? (guint)(done * width / total) : 0;
  g_autofree char *bar = g_strnfill (MIN (filled, width), '#');
  g_autofree char *rest = g_strnfill (width - MIN (filled, width), '.');
  if (total > 0)
    fprintf (stderr, "\r[%s%s] %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, bar, rest, done,
             total);
  else
    fprintf (stderr, "\r%" G_GUINT64_FORMAT, done);
  fflush (stderr);
}

/* Prints finished jobs at the head of the queue, in input order; waits while more than
 * max_pending are queued (or, with wait_all, until none is). */
static void
flush_done (Batch *batch, GQueue *queue, gboolean wait_all, guint max_pending,
            gboolean progress, guint64 *done, guint64 total)
{
  g_mutex_lock (&batch->lock);
  for (;;)
    {
      while (!g_queue_is_empty (queue) && ((Job *)g_queue_peek_head (queue))->done)
        {
          Job *job = g_queue_pop_head (queue);
          g_mutex_unlock (&batch->lock);
          print_job (job);
          job_free (job);
          (*done)++;
          if (progress)
            show_progress (*done, total);
          g_mutex_lock (&batch->lock);
        }
      gboolean more = wait_all ? !g_queue_is_empty (queue) : queue->length >= max_pending;
      if (!more)
        break;
      g_cond_wait (&batch->cond, &batch->lock);
    }
  g_mutex_unlock (&batch->lock);
}

static guint64
count_domains (FILE *in)
{
  guint64 n = 0;
  char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, in) >= 0)
    {
      g_strstrip (line);
      n += line[0] != '\0' && line[0] != '#';
    }
  free (line);
  rewind (in);
  return n;
}

static int
run_batch (FctResolver *resolver, FctAuditOptions *options, const DomainOptions *opts)
{
  gboolean from_stdin = g_str_equal (opts->batch, "-");
  FILE *in = from_stdin ? stdin : fopen (opts->batch, "r");
  if (in == NULL)
    {
      g_printerr ("facteur: %s: %s\n", opts->batch, g_strerror (errno));
      return FCT_EXIT_DATAERR;
    }
  gboolean progress = isatty (STDERR_FILENO);
  guint64 total = (progress && !from_stdin) ? count_domains (in) : 0, done = 0;
  guint workers = (guint)CLAMP (opts->concurrency, 1, 256);
  /* Domains of one provider share its exchangers: each is asked once per batch. */
  g_autoptr (FctAuditProbeCache) probes = fct_audit_probe_cache_new ();
  Batch batch = { .resolver = resolver, .options = options };
  GQueue queue = G_QUEUE_INIT;
  g_autoptr (GError) error = NULL;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;

  options->probe_cache = probes;
  g_mutex_init (&batch.lock);
  g_cond_init (&batch.cond);
  GThreadPool *pool = g_thread_pool_new (batch_worker, &batch, (gint)workers, TRUE, &error);
  if (pool == NULL)
    {
      g_printerr ("facteur: %s\n", error->message);
      options->probe_cache = NULL;
      if (!from_stdin)
        fclose (in);
      return FCT_EXIT_SOFTWARE;
    }
  while ((len = getline (&line, &cap, in)) >= 0)
    {
      Job *job = g_new0 (Job, 1);
      if ((size_t)len > BATCH_LINE_MAX)
        {
          job->error = g_strdup (_ ("line too long"));
          job->done = TRUE;
        }
      else
        {
          g_strstrip (line);
          /* Blank lines and # comments are skipped, as in a hosts file. */
          if (line[0] == '\0' || line[0] == '#')
            {
              g_free (job);
              continue;
            }
          job->domain = g_strdup (line);
        }
      g_mutex_lock (&batch.lock);
      g_queue_push_tail (&queue, job);
      g_mutex_unlock (&batch.lock);
      if (!job->done)
        g_thread_pool_push (pool, job, NULL);
      flush_done (&batch, &queue, FALSE, workers * 4, progress, &done, total);
    }
  free (line);
  flush_done (&batch, &queue, TRUE, 0, progress, &done, total);
  if (progress)
    fputc ('\n', stderr);
  g_thread_pool_free (pool, FALSE, TRUE);
  g_mutex_clear (&batch.lock);
  g_cond_clear (&batch.cond);
  options->probe_cache = NULL;
  if (!from_stdin)
    fclose (in);
  return FCT_EXIT_OK;
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
    { "helo", 0, 0, G_OPTION_ARG_STRING, &opts.helo, N_ ("Name to give in EHLO"),
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
  options.helo = opts.helo;
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
        status = run_batch (resolver, &options, &opts);
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
  fct_cli_common_clear (&common);
  return status;
}
