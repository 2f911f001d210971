/* facteur reports — reads the reports receivers send (DMARC aggregate and failure
 * reports, TLS-RPT) from files, folders, Maildirs and mboxes into the store (ingest),
 * and tells per sending source what a domain's reports say (summary). */
#include "cli.h"

#include <facteur/reports.h>
#include <facteur/store.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* The database facteur serve uses too, unless --db or the configuration says. */
static char *
default_db (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "facteur", NULL);

  g_mkdir_with_parents (dir, 0700);
  return g_build_filename (dir, "facteur.db", NULL);
}

/* A PostgreSQL database shared with the milters is opened without their IBAN key:
 * reports need none, and this machine need not hold it. */
static FctStore *
store_open (const char *db, GError **error)
{
  FctStoreOptions options = { .without_key = TRUE };
  return fct_store_open (db, &options, error);
}

static int
store_exit (const char *db, const GError *error)
{
  g_printerr ("facteur reports: %s\n", error->message);
  /* A PostgreSQL server that cannot be reached, or went away, is a service down. */
  if (g_error_matches (error, FCT_STORE_ERROR, FCT_STORE_ERROR_UNAVAILABLE)
      || (g_error_matches (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN)
          && fct_store_location_is_postgresql (db)))
    return FCT_EXIT_UNAVAILABLE;
  if (error->domain == FCT_STORE_ERROR)
    return error->code == FCT_STORE_ERROR_SQL ? FCT_EXIT_SOFTWARE : FCT_EXIT_DATAERR;
  if (error->domain == FCT_REPORTS_ERROR)
    return FCT_EXIT_DATAERR;
  return fct_cli_report_error (error);
}

typedef struct
{
  char *imap_user;
  char *imap_password;
} Credentials;

static void
credentials_clear (Credentials *c)
{
  g_free (c->imap_user);
  if (c->imap_password != NULL)
    explicit_bzero (c->imap_password, strlen (c->imap_password));
  g_free (c->imap_password);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Credentials, credentials_clear)

/* [reports] db= and domains= of the configuration file, where the flags say nothing;
 * imap_user= and imap_password= there, or FACTEUR_IMAP_USER and FACTEUR_IMAP_PASSWORD
 * in the environment (which win): never on the command line, where ps shows them. */
static gboolean
configure (const char *path, char **db, char ***domains, Credentials *credentials,
           GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  const char *env_user = g_getenv ("FACTEUR_IMAP_USER");
  const char *env_password = g_getenv ("FACTEUR_IMAP_PASSWORD");

  if (path != NULL)
    {
      if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
        return FALSE;
      if (*db == NULL)
        *db = g_key_file_get_string (file, "reports", "db", NULL);
      if (*domains == NULL)
        *domains = g_key_file_get_string_list (file, "reports", "domains", NULL, NULL);
      if (credentials != NULL)
        {
          credentials->imap_user
              = g_key_file_get_string (file, "reports", "imap_user", NULL);
          credentials->imap_password
              = g_key_file_get_string (file, "reports", "imap_password", NULL);
        }
    }
  if (credentials != NULL && env_user != NULL)
    {
      g_free (credentials->imap_user);
      credentials->imap_user = g_strdup (env_user);
    }
  if (credentials != NULL && env_password != NULL)
    {
      credentials_clear (&(Credentials){ NULL, credentials->imap_password });
      credentials->imap_password = g_strdup (env_password);
    }
  return TRUE;
}

static void
on_skip (const char *name, const GError *reason, gpointer user_data)
{
  (void)user_data;
  g_printerr (_ ("facteur reports: skipped %s: %s\n"), name, reason->message);
}

static int
cmd_ingest (int argc, char **argv)
{
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  g_autofree char *db = NULL, *config = NULL;
  g_auto (GStrv) domains = NULL;
  gint batch = 0;
  g_autoptr (GError) error = NULL;
  int status = FCT_EXIT_OK;
  g_auto (Credentials) credentials = { 0 };
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db,
      N_ ("The database, a SQLite file or a postgresql:// URI (default: the one "
          "facteur serve uses)"),
      N_ ("PATH") },
    { "domain", 0, 0, G_OPTION_ARG_STRING_ARRAY, &domains,
      N_ ("A domain this installation manages (repeat; default: all); reports for others "
          "are counted and dropped"),
      N_ ("DOMAIN") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
      N_ ("Read db= and domains= from the [reports] section of this file"), N_ ("FILE") },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_ ("Reports per transaction (default 100)"),
      "N" },
    G_OPTION_ENTRY_NULL
  };

  if (!fct_cli_parse (
          "reports ingest", _ ("SOURCE…"),
          N_ ("Read DMARC aggregate and failure reports and TLS reports from "
              "files (XML, JSON, gzip, zip, messages), folders, Maildirs, "
              "mboxes and IMAP mailboxes (imap://HOST/MAILBOX, imaps://; the "
              "login from imap_user= and imap_password= in the configuration or "
              "FACTEUR_IMAP_USER and FACTEUR_IMAP_PASSWORD) into the database. "
              "“-” reads one from standard input."),
          entries, &common, &argc, &argv, &usage))
    return FCT_EXIT_USAGE;
  if (argc < 2)
    {
      fct_cli_common_clear (&common);
      return fct_cli_usage_error ("reports ingest", usage, "%s", _ ("no source given"));
    }
  if (batch < 0)
    {
      fct_cli_common_clear (&common);
      return fct_cli_usage_error ("reports ingest", usage, "%s",
                                  _ ("--batch must be a positive number"));
    }
  if (!configure (config, &db, &domains, &credentials, &error))
    {
      fct_cli_common_clear (&common);
      g_printerr ("facteur reports: %s\n", error->message);
      return FCT_EXIT_DATAERR;
    }
  if (db == NULL)
    db = default_db ();
  g_autoptr (FctStore) store = store_open (db, &error);
  if (store == NULL)
    {
      fct_cli_common_clear (&common);
      return store_exit (db, error);
    }
  FctReportsIngestOptions options = {
    .domains = (const char *const *)domains,
    .batch_reports = (guint)batch,
    .limits = &common.limits,
    .skip = on_skip,
  };
  g_autoptr (FctReportsIngest) ingest = fct_reports_ingest_new (store, &options);
  for (int i = 1; i < argc && status != FCT_EXIT_SOFTWARE; i++)
    {
      gboolean ok;
      if (g_str_has_prefix (argv[i], "imap://") || g_str_has_prefix (argv[i], "imaps://"))
        ok = fct_reports_ingest_imap (ingest, argv[i], credentials.imap_user,
                                      credentials.imap_password, &error);
      else if (g_str_equal (argv[i], "-"))
        {
          g_autoptr (GBytes) bytes = NULL;
          g_autoptr (GByteArray) in = g_byte_array_new ();
          guint8 chunk[65536];
          size_t n;
          while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0
                 && in->len <= common.limits.message_max_bytes)
            g_byte_array_append (in, chunk, (guint)n);
          bytes = g_byte_array_free_to_bytes (g_steal_pointer (&in));
          ok = fct_reports_ingest_bytes (ingest, "-", bytes, &error);
        }
      else
        ok = fct_reports_ingest_path (ingest, argv[i], &error);
      if (!ok)
        {
          if (error->domain != FCT_REPORTS_ERROR)
            status = FCT_EXIT_SOFTWARE;
          else if (error->code == FCT_REPORTS_ERROR_IO
                   && g_str_has_prefix (argv[i], "imap"))
            status = FCT_EXIT_UNAVAILABLE;
          else
            status = FCT_EXIT_DATAERR;
          g_printerr ("facteur reports: %s\n", error->message);
          g_clear_error (&error);
        }
    }
  if (!fct_reports_ingest_flush (ingest, &error))
    {
      fct_cli_common_clear (&common);
      return store_exit (db, error);
    }
  const FctReportsIngestStats *st = fct_reports_ingest_stats (ingest);
  if (common.json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      fct_cli_json_add_int (b, "sources", (gint64)st->sources);
      fct_cli_json_add_int (b, "stored", (gint64)st->stored);
      fct_cli_json_add_int (b, "aggregate",
                            (gint64)st->stored_by_kind[FCT_REPORT_KIND_AGGREGATE]);
      fct_cli_json_add_int (b, "tlsrpt",
                            (gint64)st->stored_by_kind[FCT_REPORT_KIND_TLSRPT]);
      fct_cli_json_add_int (b, "failure",
                            (gint64)st->stored_by_kind[FCT_REPORT_KIND_FAILURE]);
      fct_cli_json_add_int (b, "records", (gint64)st->records);
      fct_cli_json_add_int (b, "duplicates", (gint64)st->duplicates);
      fct_cli_json_add_int (b, "foreign", (gint64)st->foreign);
      fct_cli_json_add_int (b, "skipped", (gint64)st->skipped);
      json_builder_end_object (b);
      fct_cli_json_print_builder (b);
    }
  else
    {
      /* One count per sentence, each with its plural forms (a language may have more
         than two); the records are a noun phrase of their own inside the aggregate
         line. */
      gulong stored = (gulong)st->stored;
      gulong aggregate = (gulong)st->stored_by_kind[FCT_REPORT_KIND_AGGREGATE];
      gulong tls = (gulong)st->stored_by_kind[FCT_REPORT_KIND_TLSRPT];
      gulong failure = (gulong)st->stored_by_kind[FCT_REPORT_KIND_FAILURE];
      gulong records = (gulong)st->records;
      gulong duplicates = (gulong)st->duplicates;
      gulong foreign = (gulong)st->foreign;
      gulong skipped = (gulong)st->skipped;

      g_print (ngettext ("%lu report stored.\n", "%lu reports stored.\n", stored), stored);
      if (aggregate > 0)
        {
          g_autofree char *held
              = g_strdup_printf (ngettext ("%lu record", "%lu records", records), records);
          g_print (ngettext ("  %lu DMARC aggregate report, with %s.\n",
                             "  %lu DMARC aggregate reports, with %s.\n", aggregate),
                   aggregate, held);
        }
      if (tls > 0)
        g_print (ngettext ("  %lu TLS report.\n", "  %lu TLS reports.\n", tls), tls);
      if (failure > 0)
        g_print (ngettext ("  %lu failure report.\n", "  %lu failure reports.\n", failure),
                 failure);
      if (duplicates > 0)
        g_print (ngettext ("%lu report was already stored.\n",
                           "%lu reports were already stored.\n", duplicates),
                 duplicates);
      if (foreign > 0)
        g_print (ngettext ("%lu report was about other domains and was not kept.\n",
                           "%lu reports were about other domains and were not kept.\n",
                           foreign),
                 foreign);
      if (skipped > 0)
        g_print (ngettext ("%lu report was skipped (see above).\n",
                           "%lu reports were skipped (see above).\n", skipped),
                 skipped);
    }
  fct_cli_common_clear (&common);
  return status;
}

static char *
date_string (gint64 t)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
}

static void
print_group (const FctReportsSummary *s, FctReportsSourceCategory category,
             const char *title)
{
  guint n = 0;

  for (guint i = 0; i < s->sources->len; i++)
    n += ((FctReportsSource *)g_ptr_array_index (s->sources, i))->category == category;
  if (n == 0)
    return;
  g_print ("\n%s (%u)\n", title, n);
  for (guint i = 0; i < s->sources->len; i++)
    {
      const FctReportsSource *src = g_ptr_array_index (s->sources, i);
      if (src->category != category)
        continue;
      g_print ("  %s", src->ip);
      if (src->reverse_name != NULL || src->organization != NULL)
        g_print (" (%s%s%s)", src->reverse_name != NULL ? src->reverse_name : "",
                 src->reverse_name != NULL && src->organization != NULL ? ", " : "",
                 src->organization != NULL ? src->organization : "");
      g_print (
          _ (": %lld messages, %lld pass DMARC; SPF aligned %lld, DKIM aligned %lld\n"),
          (long long)src->messages, (long long)src->dmarc_pass, (long long)src->spf_aligned,
          (long long)src->dkim_aligned);
      if (src->fix != NULL)
        g_print ("    %s %s\n", _ ("Fix:"), src->fix);
    }
}

static void
print_text (const FctReportsSummary *s)
{
  g_autofree char *first = date_string (s->first);
  g_autofree char *last = date_string (s->last);

  g_print (_ ("%s: %lld aggregate reports, %lld messages, %lld pass DMARC"), s->domain,
           (long long)s->reports, (long long)s->messages, (long long)s->dmarc_pass);
  if (s->reports > 0)
    g_print (_ (" (%s to %s)"), first, last);
  g_print ("\n%s %s\n", _ ("Policy:"), s->readiness_reason);
  print_group (s, FCT_REPORTS_SOURCE_FAILING_SENDER, _ ("Your senders that fail"));
  print_group (s, FCT_REPORTS_SOURCE_FORWARDER, _ ("Forwarders"));
  print_group (s, FCT_REPORTS_SOURCE_SPOOFER, _ ("Spoofers"));
  print_group (s, FCT_REPORTS_SOURCE_COMPLIANT, _ ("Your senders that pass"));
  if (s->tlsrpt_reports > 0)
    g_print (_ ("\nTLS reports: %lld, %lld successful sessions, %lld failed\n"),
             (long long)s->tlsrpt_reports, (long long)s->tlsrpt_successful,
             (long long)s->tlsrpt_failed);
  if (s->failure_reports > 0)
    g_print (_ ("\nFailure reports: %lld\n"), (long long)s->failure_reports);
}

/* RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
static void
csv_field (GString *line, const char *value, gboolean last)
{
  if (value != NULL && strpbrk (value, ",\"\r\n") != NULL)
    {
      g_string_append_c (line, '"');
      for (const char *c = value; *c != '\0'; c++)
        {
          if (*c == '"')
            g_string_append_c (line, '"');
          g_string_append_c (line, *c);
        }
      g_string_append_c (line, '"');
    }
  else if (value != NULL)
    g_string_append (line, value);
  g_string_append (line, last ? "\r\n" : ",");
}

static void
print_csv (const FctReportsSummary *s)
{
  g_autoptr (GString) out
      = g_string_new ("ip,reverse_name,organization,messages,dmarc_pass,"
                      "spf_aligned,dkim_aligned,spf_pass,dkim_pass,"
                      "category,spf_include,fix\r\n");
  for (guint i = 0; i < s->sources->len; i++)
    {
      const FctReportsSource *src = g_ptr_array_index (s->sources, i);
      gint64 numbers[] = { src->messages,     src->dmarc_pass, src->spf_aligned,
                           src->dkim_aligned, src->spf_pass,   src->dkim_pass };
      csv_field (out, src->ip, FALSE);
      csv_field (out, src->reverse_name, FALSE);
      csv_field (out, src->organization, FALSE);
      for (gsize k = 0; k < G_N_ELEMENTS (numbers); k++)
        g_string_append_printf (out, "%" G_GINT64_FORMAT ",", numbers[k]);
      csv_field (out, fct_reports_source_category_to_string (src->category), FALSE);
      csv_field (out, src->spf_include, FALSE);
      csv_field (out, src->fix, TRUE);
    }
  fwrite (out->str, 1, out->len, stdout);
}

static int
cmd_summary (int argc, char **argv)
{
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  g_autofree char *db = NULL, *since = NULL, *config = NULL;
  g_auto (GStrv) unused = NULL;
  gboolean csv = FALSE;
  gint64 since_time = 0;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[]
      = { { "db", 0, 0, G_OPTION_ARG_FILENAME, &db,
            N_ ("The database, a SQLite file or a postgresql:// URI (default: the one "
                "facteur serve uses)"),
            N_ ("PATH") },
          { "since", 0, 0, G_OPTION_ARG_STRING, &since,
            N_ ("Only reports that end on or after this day"), "YYYY-MM-DD" },
          { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_ ("One CSV line per source"), NULL },
          { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
            N_ ("Read db= from the [reports] section of this file"), N_ ("FILE") },
          G_OPTION_ENTRY_NULL };

  if (!fct_cli_parse (
          "reports summary", _ ("DOMAIN"),
          N_ ("Who sends mail in a domain's name, by source, from its stored "
              "aggregate reports: senders that fail (with the fix), forwarders, "
              "spoofers, and whether the policy can move to quarantine or reject."),
          entries, &common, &argc, &argv, &usage))
    return FCT_EXIT_USAGE;
  if (argc != 2)
    {
      fct_cli_common_clear (&common);
      return fct_cli_usage_error ("reports summary", usage, "%s",
                                  _ ("expected one domain"));
    }
  if (csv && common.json)
    {
      fct_cli_common_clear (&common);
      return fct_cli_usage_error ("reports summary", usage, "%s",
                                  _ ("--json and --csv cannot be used together"));
    }
  if (since != NULL)
    {
      int y, m, d;
      char end;
      g_autoptr (GDateTime) dt = NULL;
      if (sscanf (since, "%4d-%2d-%2d%c", &y, &m, &d, &end) == 3)
        dt = g_date_time_new_utc (y, m, d, 0, 0, 0);
      if (dt == NULL)
        {
          fct_cli_common_clear (&common);
          return fct_cli_usage_error ("reports summary", usage,
                                      _ ("--since expects a day as YYYY-MM-DD, not “%s”"),
                                      since);
        }
      since_time = g_date_time_to_unix (dt);
    }
  if (!configure (config, &db, &unused, NULL, &error))
    {
      fct_cli_common_clear (&common);
      g_printerr ("facteur reports: %s\n", error->message);
      return FCT_EXIT_DATAERR;
    }
  if (db == NULL)
    db = default_db ();
  /* A summary reads: it creates no empty database where a path was mistyped. */
  if (!fct_store_location_is_postgresql (db) && !g_file_test (db, G_FILE_TEST_EXISTS))
    {
      fct_cli_common_clear (&common);
      g_printerr (
          _ ("facteur reports: no database at %s (facteur reports ingest makes it)\n"), db);
      return FCT_EXIT_DATAERR;
    }
  g_autoptr (FctStore) store = store_open (db, &error);
  if (store == NULL)
    {
      fct_cli_common_clear (&common);
      return store_exit (db, error);
    }
  g_autoptr (FctResolver) resolver = fct_cli_make_resolver (&common, &error);
  if (resolver == NULL)
    {
      fct_cli_common_clear (&common);
      return fct_cli_report_error (error);
    }
  g_autoptr (FctReportsSummary) s
      = fct_reports_summary_build (store, argv[1], since_time, resolver, &error);
  if (s == NULL)
    {
      fct_cli_common_clear (&common);
      return store_exit (db, error);
    }
  if (common.json)
    {
      g_autoptr (JsonNode) root = fct_reports_summary_to_json (s);
      fct_cli_print_json (root);
    }
  else if (csv)
    print_csv (s);
  else
    print_text (s);
  fct_cli_common_clear (&common);
  return FCT_EXIT_OK;
}

int
fct_cmd_reports (int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "ingest"))
    return cmd_ingest (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "summary"))
    return cmd_summary (argc - 1, argv + 1);
  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      g_print ("%s\n", _ ("Usage: facteur reports ingest|summary [OPTION…]"));
      return FCT_EXIT_OK;
    }
  g_printerr ("facteur reports: %s\n%s\n", _ ("expected ingest or summary"),
              _ ("Usage: facteur reports ingest|summary [OPTION…]"));
  return FCT_EXIT_USAGE;
}
