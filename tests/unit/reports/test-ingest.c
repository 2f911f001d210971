/* Unit tests of the ingestion into the store and of the summary (src/lib/reports,
 * src/lib/store/feedback.c): a report stored once, reports for other domains counted
 * and dropped, a malformed report leaving nothing, batches committed and a run resumed,
 * and the summary's groups, fixes and readiness on a crafted set. Each against both
 * back ends: SQLite, and PostgreSQL in a temporary cluster (tests/unit/store/pg-cluster.c).
 */
#include <facteur/reports.h>
#include <facteur/store.h>

#include "pg-cluster.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#define DAY (24 * 3600)
#define T0 1764374400 /* 2025-11-29 */

static GBytes *
data_file (const char *folder, const char *name)
{
  g_autofree char *path
      = g_build_filename (g_getenv ("FCT_CONFORMANCE_DIR"), folder, name, NULL);
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_bytes_new_take (contents, len);
}

/* One <record>: source, count, policy_evaluated dkim and spf, then auth_results. */
static char *
record (const char *ip, int count, const char *dkim, const char *spf, const char *reason,
        const char *auth)
{
  return g_strdup_printf (
      "<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
      "<disposition>none</disposition><dkim>%s</dkim><spf>%s</spf>%s</policy_evaluated>"
      "</row><identifiers><header_from>example.fr</header_from></identifiers>"
      "<auth_results>%s</auth_results></record>",
      ip, count, dkim, spf, reason, auth);
}

static GBytes *
report (const char *org, const char *id, const char *domain, gint64 begin,
        const char *records)
{
  char *xml = g_strdup_printf (
      "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>%s</org_name>"
      "<email>r@%s</email><report_id>%s</report_id><date_range><begin>%" G_GINT64_FORMAT
      "</begin><end>%" G_GINT64_FORMAT "</end></date_range></report_metadata>"
      "<policy_published><domain>%s</domain><p>none</p></policy_published>%s</feedback>",
      org, org, id, begin, begin + DAY - 1, domain, records);
  return g_bytes_new_take (xml, strlen (xml));
}

static FctTestPg *cluster;

typedef enum
{
  BACKEND_SQLITE,
  BACKEND_PG,
} Backend;

static const Backend sqlite_backend = BACKEND_SQLITE, pg_backend = BACKEND_PG;

typedef struct
{
  char *dir;
  char *db; /* a SQLite path or a PostgreSQL URI */
  FctStore *store;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  /* facteur reports opens PostgreSQL without the IBANs' key. */
  FctStoreOptions options = { .without_key = TRUE };

  f->dir = g_dir_make_tmp ("facteur-reports-XXXXXX", &error);
  g_assert_no_error (error);
  if (*(const Backend *)data == BACKEND_PG)
    f->db = fct_test_pg_database (cluster);
  else
    f->db = g_build_filename (f->dir, "facteur.db", NULL);
  f->store = fct_store_open (f->db, &options, &error);
  g_assert_no_error (error);
}

static void
remove_all (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void)data;
  fct_store_close (f->store);
  remove_all (f->dir);
  g_free (f->db);
  g_free (f->dir);
}

typedef struct
{
  guint count;
  char *last;
} Skips;

static void
on_skip (const char *name, const GError *reason, gpointer user_data)
{
  Skips *s = user_data;

  (void)name;
  s->count++;
  g_free (s->last);
  s->last = g_strdup (reason->message);
}

static FctReportsSummary *
summary (FctStore *store, const char *domain, FctResolver *resolver)
{
  g_autoptr (GError) error = NULL;
  FctReportsSummary *s = fct_reports_summary_build (store, domain, 0, resolver, &error);

  g_assert_no_error (error);
  return s;
}

static void
ingest (FctStore *store, const char *const *domains, GBytes *bytes,
        FctReportsIngestStats *out)
{
  FctReportsIngestOptions options = { .domains = domains };
  g_autoptr (FctReportsIngest) in = fct_reports_ingest_new (store, &options);
  g_autoptr (GError) error = NULL;

  g_assert_true (fct_reports_ingest_bytes (in, "r.xml", bytes, &error));
  g_assert_true (fct_reports_ingest_flush (in, &error));
  g_assert_no_error (error);
  *out = *fct_reports_ingest_stats (in);
}

static void
test_duplicate (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) xml = data_file ("reports", "google.xml");
  g_autoptr (GBytes) json = data_file ("reports", "tlsrpt.json");
  g_autoptr (GBytes) eml = data_file ("reports", "failure.eml");
  FctReportsIngestStats st;

  (void)data;
  ingest (f->store, NULL, xml, &st);
  g_assert_cmpuint (st.stored, ==, 1);
  g_assert_cmpuint (st.records, ==, 3);
  ingest (f->store, NULL, json, &st);
  ingest (f->store, NULL, eml, &st);
  g_assert_cmpuint (st.stored_by_kind[FCT_REPORT_KIND_FAILURE], ==, 1);
  /* The same three again: nothing added, each counted as stored already. */
  ingest (f->store, NULL, xml, &st);
  g_assert_cmpuint (st.stored, ==, 0);
  g_assert_cmpuint (st.duplicates, ==, 1);
  g_assert_cmpuint (st.records, ==, 0);
  ingest (f->store, NULL, json, &st);
  g_assert_cmpuint (st.duplicates, ==, 1);
  ingest (f->store, NULL, eml, &st);
  g_assert_cmpuint (st.duplicates, ==, 1);
  {
    g_autoptr (FctReportsSummary) s = summary (f->store, "boulangerie-martin.fr", NULL);
    g_assert_cmpint (s->reports, ==, 1);
    g_assert_cmpint (s->messages, ==, 412 + 37 + 3);
    g_assert_cmpint (s->tlsrpt_reports, ==, 1);
    g_assert_cmpint (s->tlsrpt_successful, ==, 5326);
    g_assert_cmpint (s->tlsrpt_failed, ==, 303);
    g_assert_cmpint (s->failure_reports, ==, 1);
  }
}

static void
test_raw (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) xml = data_file ("reports", "microsoft.xml");
  g_autoptr (GError) error = NULL;
  FctReportsIngestStats st;

  (void)data;
  ingest (f->store, NULL, xml, &st);
  g_autoptr (GBytes) raw = fct_store_feedback_raw (f->store, 1, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (raw, xml));
  g_assert_null (fct_store_feedback_raw (f->store, 99, &error));
  g_assert_no_error (error);
}

static void
test_foreign (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) xml = data_file ("reports", "google.xml");
  g_autoptr (GBytes) sub
      = report ("isp.example", "sub-1", "shop.boulangerie-martin.fr", T0, "");
  const char *other[] = { "autre-client.fr", NULL };
  const char *ours[] = { "autre-client.fr", "BOULANGERIE-Martin.fr", NULL };
  FctReportsIngestStats st;

  (void)data;
  ingest (f->store, other, xml, &st);
  g_assert_cmpuint (st.foreign, ==, 1);
  g_assert_cmpuint (st.stored, ==, 0);
  ingest (f->store, ours, xml, &st);
  g_assert_cmpuint (st.foreign, ==, 0);
  g_assert_cmpuint (st.stored, ==, 1);
  /* A subdomain of a managed domain is managed. */
  ingest (f->store, ours, sub, &st);
  g_assert_cmpuint (st.stored, ==, 1);
}

/* A report whose third record is malformed leaves no row at all, and is said. */
static void
test_rollback (Fixture *f, gconstpointer data)
{
  const char *pass = "<dkim><domain>example.fr</domain><result>pass</result></dkim>";
  g_autofree char *r1 = record ("192.0.2.1", 10, "pass", "pass", "", pass);
  g_autofree char *r2 = record ("192.0.2.2", 10, "pass", "pass", "", pass);
  g_autofree char *bad = record ("not-an-ip", 10, "pass", "pass", "", pass);
  g_autofree char *all_bad = g_strconcat (r1, r2, bad, NULL);
  g_autofree char *all_good = g_strconcat (r1, r2, NULL);
  g_autoptr (GBytes) broken = report ("isp.example", "r-1", "example.fr", T0, all_bad);
  g_autoptr (GBytes) fixed = report ("isp.example", "r-1", "example.fr", T0, all_good);
  Skips skips = { 0 };
  FctReportsIngestOptions options = { .skip = on_skip, .user_data = &skips };
  g_autoptr (GError) error = NULL;

  (void)data;
  {
    g_autoptr (FctReportsIngest) in = fct_reports_ingest_new (f->store, &options);
    g_assert_true (fct_reports_ingest_bytes (in, "broken.xml", broken, &error));
    g_assert_true (fct_reports_ingest_flush (in, &error));
    g_assert_cmpuint (fct_reports_ingest_stats (in)->skipped, ==, 1);
    g_assert_cmpuint (fct_reports_ingest_stats (in)->stored, ==, 0);
    g_assert_cmpuint (fct_reports_ingest_stats (in)->records, ==, 0);
    g_assert_cmpuint (skips.count, ==, 1);
    g_assert_nonnull (strstr (skips.last, "not an IP address"));
  }
  {
    g_autoptr (FctReportsSummary) s = summary (f->store, "example.fr", NULL);
    g_assert_cmpint (s->reports, ==, 0);
    g_assert_cmpint (s->messages, ==, 0);
  }
  /* The corrected report is not taken for a duplicate of the refused one. */
  {
    FctReportsIngestStats st;
    ingest (f->store, NULL, fixed, &st);
    g_assert_cmpuint (st.stored, ==, 1);
    g_assert_cmpuint (st.records, ==, 2);
  }
  g_free (skips.last);
}

/* Read past the store, on another connection. */
static gint64
count_reports (const char *db)
{
  sqlite3 *c = NULL;
  sqlite3_stmt *s = NULL;
  gint64 n = -1;

  if (fct_store_location_is_postgresql (db))
    return fct_test_pg_scalar (db, "SELECT count(*) FROM feedback_reports");
  g_assert_cmpint (sqlite3_open (db, &c), ==, SQLITE_OK);
  g_assert_cmpint (
      sqlite3_prepare_v2 (c, "SELECT count(*) FROM feedback_reports", -1, &s, NULL), ==,
      SQLITE_OK);
  if (sqlite3_step (s) == SQLITE_ROW)
    n = sqlite3_column_int64 (s, 0);
  sqlite3_finalize (s);
  sqlite3_close (c);
  return n;
}

/* Batches reach the disk as they fill; a run cut short keeps them, and running again
 * stores only what was lost. */
static void
test_batches (Fixture *f, gconstpointer data)
{
  FctReportsIngestOptions options = { .batch_reports = 2 };
  g_autoptr (GError) error = NULL;
  GBytes *reports[3];

  (void)data;
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("batch-%d", i);
      reports[i] = report ("isp.example", id, "example.fr", T0 + i * DAY, "");
    }
  {
    FctReportsIngest *in = fct_reports_ingest_new (f->store, &options);
    for (int i = 0; i < 3; i++)
      g_assert_true (fct_reports_ingest_bytes (in, "r.xml", reports[i], &error));
    /* Another connection sees the first batch, not the third report, still pending. */
    g_assert_cmpint (count_reports (f->db), ==, 2);
    /* The process dies: the pending transaction never commits. */
    fct_store_rollback (f->store);
    fct_reports_ingest_free (in);
  }
  g_assert_cmpint (count_reports (f->db), ==, 2);
  {
    g_autoptr (FctReportsIngest) in = fct_reports_ingest_new (f->store, &options);
    for (int i = 0; i < 3; i++)
      g_assert_true (fct_reports_ingest_bytes (in, "r.xml", reports[i], &error));
    g_assert_true (fct_reports_ingest_flush (in, &error));
    g_assert_cmpuint (fct_reports_ingest_stats (in)->duplicates, ==, 2);
    g_assert_cmpuint (fct_reports_ingest_stats (in)->stored, ==, 1);
  }
  g_assert_cmpint (count_reports (f->db), ==, 3);
  for (int i = 0; i < 3; i++)
    g_bytes_unref (reports[i]);
}

static const FctReportsSource *
source (const FctReportsSummary *s, const char *ip)
{
  for (guint i = 0; i < s->sources->len; i++)
    {
      const FctReportsSource *src = g_ptr_array_index (s->sources, i);
      if (g_str_equal (src->ip, ip))
        return src;
    }
  g_assert_not_reached ();
}

/* One crafted week for example.fr: the domain's own server, a partly failing server of
 * its own, SendGrid not set up, a server known only by its reverse name, a forwarder
 * the receiver says it trusted, a mailing list that broke the signature, a list that
 * kept it, and a spoofer. */
static void
test_categories (Fixture *f, gconstpointer data)
{
  const char *own = "<dkim><domain>example.fr</domain><selector>s1</selector>"
                    "<result>pass</result></dkim><spf><domain>example.fr</domain>"
                    "<result>pass</result></spf>";
  const char *own_broken = "<dkim><domain>example.fr</domain><selector>s2</selector>"
                           "<result>fail</result></dkim><spf><domain>example.fr</domain>"
                           "<result>softfail</result></spf>";
  const char *sendgrid = "<dkim><domain>sendgrid.net</domain><selector>smtpapi</selector>"
                         "<result>pass</result></dkim><spf><domain>bounces.sendgrid.net"
                         "</domain><result>pass</result></spf>";
  const char *list_broken = "<dkim><domain>lists.example.org</domain><result>pass</result>"
                            "</dkim><dkim><domain>example.fr</domain><result>fail</result>"
                            "</dkim><spf><domain>lists.example.org</domain><result>pass"
                            "</result></spf>";
  const char *list_kept = "<dkim><domain>example.fr</domain><result>pass</result></dkim>"
                          "<spf><domain>lists.example.net</domain><result>pass</result>"
                          "</spf>";
  const char *spoof
      = "<spf><domain>cheap-pills.example</domain><result>pass</result></spf>";
  const char *none = "<spf><domain>example.fr</domain><result>fail</result></spf>";
  const char *forwarded = "<reason><type>forwarded</type></reason>";
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (rows, record ("192.0.2.10", 1000, "pass", "pass", "", own));
  g_ptr_array_add (rows, record ("192.0.2.11", 90, "pass", "pass", "", own));
  g_ptr_array_add (rows, record ("192.0.2.11", 10, "fail", "fail", "", own_broken));
  g_ptr_array_add (rows, record ("192.0.2.20", 50, "fail", "fail", "", sendgrid));
  g_ptr_array_add (rows, record ("192.0.2.30", 7, "fail", "fail", "", none));
  g_ptr_array_add (rows, record ("198.51.100.1", 12, "fail", "fail", forwarded, spoof));
  g_ptr_array_add (rows, record ("198.51.100.2", 8, "fail", "fail", "", list_broken));
  g_ptr_array_add (rows, record ("198.51.100.3", 5, "pass", "fail", "", list_kept));
  g_ptr_array_add (rows, record ("203.0.113.66", 40, "fail", "fail", "", spoof));
  g_ptr_array_add (rows, NULL);
  g_autofree char *records = g_strjoinv ("", (char **)rows->pdata);
  g_autoptr (GBytes) week = report ("isp.example", "week", "example.fr", T0, records);
  const char *zone = "$ORIGIN example.\n"
                     "30.2.0.192.in-addr.arpa. PTR o1.ptr4711.mail.sendgrid.net.\n"
                     "10.2.0.192.in-addr.arpa. PTR mail.example.fr.\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (FctResolver) resolver
      = fct_resolver_new_zone_data (zone, strlen (zone), "test", NULL, &error);
  FctReportsIngestStats st;

  (void)data;
  g_assert_no_error (error);
  ingest (f->store, NULL, week, &st);
  g_autoptr (FctReportsSummary) s = summary (f->store, "example.fr", resolver);
  g_assert_cmpint (s->messages, ==, 1000 + 100 + 50 + 7 + 12 + 8 + 5 + 40);
  g_assert_cmpint (s->dmarc_pass, ==, 1000 + 90 + 5);
  /* Most messages first. */
  g_assert_cmpstr (((FctReportsSource *)g_ptr_array_index (s->sources, 0))->ip, ==,
                   "192.0.2.10");
  g_assert_cmpint (source (s, "192.0.2.10")->category, ==, FCT_REPORTS_SOURCE_COMPLIANT);
  g_assert_cmpstr (source (s, "192.0.2.10")->reverse_name, ==, "mail.example.fr");

  const FctReportsSource *partial = source (s, "192.0.2.11");
  g_assert_cmpint (partial->category, ==, FCT_REPORTS_SOURCE_FAILING_SENDER);
  g_assert_cmpint (partial->messages, ==, 100);
  g_assert_cmpint (partial->dmarc_pass, ==, 90);
  g_assert_nonnull (partial->fix);

  const FctReportsSource *sg = source (s, "192.0.2.20");
  g_assert_cmpint (sg->category, ==, FCT_REPORTS_SOURCE_FAILING_SENDER);
  g_assert_cmpstr (sg->organization, ==, "SendGrid");
  g_assert_cmpstr (sg->spf_include, ==, "sendgrid.net");
  g_assert_nonnull (strstr (sg->fix, "include:sendgrid.net"));
  g_assert_nonnull (strstr (sg->fix, "DKIM"));

  /* Known only from its reverse name: SendGrid too. */
  g_assert_cmpint (source (s, "192.0.2.30")->category, ==,
                   FCT_REPORTS_SOURCE_FAILING_SENDER);
  g_assert_cmpstr (source (s, "192.0.2.30")->organization, ==, "SendGrid");
  g_assert_cmpint (source (s, "198.51.100.1")->category, ==, FCT_REPORTS_SOURCE_FORWARDER);
  g_assert_cmpint (source (s, "198.51.100.2")->category, ==, FCT_REPORTS_SOURCE_FORWARDER);
  g_assert_cmpint (source (s, "198.51.100.3")->category, ==, FCT_REPORTS_SOURCE_FORWARDER);
  const FctReportsSource *spoofer = source (s, "203.0.113.66");
  g_assert_cmpint (spoofer->category, ==, FCT_REPORTS_SOURCE_SPOOFER);
  g_assert_null (spoofer->fix);
  g_assert_null (spoofer->reverse_name);

  g_assert_cmpint (s->readiness, ==, FCT_REPORTS_READY_NOT_YET);

  /* The JSON the command line and the server print. */
  g_autoptr (JsonNode) node = fct_reports_summary_to_json (s);
  JsonObject *o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "domain"), ==, "example.fr");
  g_assert_cmpint (json_object_get_int_member (o, "reports"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "messages"), ==, s->messages);
  JsonArray *sources = json_object_get_array_member (o, "sources");
  g_assert_cmpuint (json_array_get_length (sources), ==, 8);
  JsonObject *first = json_array_get_object_element (sources, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "ip"), ==, "192.0.2.10");
  g_assert_cmpint (json_object_get_int_member (first, "messages"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (first, "dmarc_pass"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (first, "spf_aligned"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (first, "dkim_aligned"), ==, 1000);
  g_assert_cmpstr (json_object_get_string_member (first, "category"), ==, "compliant");
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (o, "readiness"), "answer"),
                   ==, "not_ready");
}

/* The readiness answer as the own senders get fixed and the weeks pass. */
static void
test_readiness (Fixture *f, gconstpointer data)
{
  const char *own = "<dkim><domain>example.fr</domain><result>pass</result></dkim>"
                    "<spf><domain>example.fr</domain><result>pass</result></spf>";
  const char *forwarded = "<reason><type>forwarded</type></reason>";
  const char *fwd = "<spf><domain>fwd.example.net</domain><result>pass</result></spf>";
  g_autofree char *good = record ("192.0.2.10", 100, "pass", "pass", "", own);
  g_autofree char *fwd_fail = record ("198.51.100.1", 3, "fail", "fail", forwarded, fwd);
  FctReportsIngestStats st;

  (void)data;
  {
    g_autoptr (FctReportsSummary) s = summary (f->store, "example.fr", NULL);
    g_assert_cmpint (s->readiness, ==, FCT_REPORTS_READY_NO_DATA);
  }
  {
    g_autoptr (GBytes) day1 = report ("isp.example", "d1", "example.fr", T0, good);
    ingest (f->store, NULL, day1, &st);
    g_autoptr (FctReportsSummary) s = summary (f->store, "example.fr", NULL);
    g_assert_cmpint (s->readiness, ==, FCT_REPORTS_READY_NOT_ENOUGH);
  }
  {
    g_autoptr (GBytes) day8
        = report ("isp.example", "d8", "example.fr", T0 + 7 * DAY, good);
    ingest (f->store, NULL, day8, &st);
    g_autoptr (FctReportsSummary) s = summary (f->store, "example.fr", NULL);
    g_assert_cmpint (s->readiness, ==, FCT_REPORTS_READY_REJECT);
  }
  {
    g_autoptr (GBytes) day9
        = report ("isp.example", "d9", "example.fr", T0 + 8 * DAY, fwd_fail);
    ingest (f->store, NULL, day9, &st);
    g_autoptr (FctReportsSummary) s = summary (f->store, "example.fr", NULL);
    g_assert_cmpint (s->readiness, ==, FCT_REPORTS_READY_QUARANTINE);
    g_assert_nonnull (strstr (s->readiness_reason, "quarantine"));
  }
  /* --since leaves the first week out. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (FctReportsSummary) s
        = fct_reports_summary_build (f->store, "example.fr", T0 + 7 * DAY, NULL, &error);
    g_assert_cmpint (s->reports, ==, 2);
    g_assert_cmpint (s->messages, ==, 103);
  }
}

/* A database of schema version 3 (before facteur reports) gains the tables. */
static void
test_migration (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("facteur-reports-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "v3.db", NULL);
  sqlite3 *c = NULL;

  fct_store_close (fct_store_open (db, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (db, &c), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (c,
                                 "DROP TABLE feedback_reports; DROP TABLE feedback_records;"
                                 "DROP TABLE feedback_tlsrpt; DROP TABLE feedback_failures;"
                                 "PRAGMA user_version = 3;",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (c);
  {
    g_autoptr (FctStore) store = fct_store_open (db, NULL, &error);
    g_autoptr (GBytes) xml = data_file ("reports", "yahoo.xml");
    FctReportsIngestStats st;
    g_assert_no_error (error);
    g_assert_cmpuint (fct_store_schema_version (), ==, 4);
    ingest (store, NULL, xml, &st);
    g_assert_cmpuint (st.stored, ==, 1);
  }
  remove_all (dir);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn)                                                                      \
  g_test_add ("/reports/sqlite" path, Fixture, &sqlite_backend, fixture_set_up, fn,        \
              fixture_tear_down);                                                          \
  g_test_add ("/reports/pg" path, Fixture, &pg_backend, fixture_set_up, fn,                \
              fixture_tear_down)
  ADD ("/ingest/duplicate", test_duplicate);
  ADD ("/ingest/raw", test_raw);
  ADD ("/ingest/foreign", test_foreign);
  ADD ("/ingest/rollback", test_rollback);
  ADD ("/ingest/batches", test_batches);
  ADD ("/summary/categories", test_categories);
  ADD ("/summary/readiness", test_readiness);
#undef ADD
  g_test_add_func ("/reports/store/migration", test_migration);
  cluster = fct_test_pg_start ();
  status = g_test_run ();
  fct_test_pg_stop (cluster);
  return status;
}
