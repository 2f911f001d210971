/* The SQLite store: IBANs per sender domain (new, known, others), persistence across
 * openings, WAL mode, bounds per domain and overall, and a newer schema refused. */
#include <facteur/store.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

static char *
scratch_db (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fct-store-XXXXXX", &error);
  g_assert_no_error (error);
  return g_build_filename (dir, "facteur.db", NULL);
}

static void
remove_db (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  const char *suffixes[] = { "", "-wal", "-shm" };
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (path, suffixes[i], NULL);
      g_remove (p);
    }
  g_rmdir (dir);
}

static void
record (FctStore *store, const char *domain, const char *iban, gint64 now,
        FctStoreIbanSighting *out)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (fct_store_iban_record (store, domain, iban, now, out, &error));
  g_assert_no_error (error);
}

static void
test_new_and_known (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStore) store = fct_store_open (":memory:", NULL, &error);
  FctStoreIbanSighting s;

  g_assert_no_error (error);
  record (store, "example.fr", "FR7630006000011234567890189", 100, &s);
  g_assert_false (s.known);
  g_assert_cmpuint (s.others, ==, 0);
  g_assert_cmpint (s.first_seen, ==, 100);

  record (store, "example.fr", "FR7630006000011234567890189", 200, &s);
  g_assert_true (s.known);
  g_assert_cmpuint (s.others, ==, 0);
  g_assert_cmpint (s.first_seen, ==, 100);

  record (store, "example.fr", "DE89370400440532013000", 300, &s);
  g_assert_false (s.known);
  g_assert_cmpuint (s.others, ==, 1);

  /* Another domain does not share the first domain's IBANs. */
  record (store, "other.fr", "FR7630006000011234567890189", 300, &s);
  g_assert_false (s.known);
  g_assert_cmpuint (s.others, ==, 0);
  g_assert_cmpint (fct_store_iban_count (store, "example.fr", &error), ==, 2);
  /* A lookup records nothing. */
  g_assert_true (
      fct_store_iban_lookup (store, "example.fr", "GB29NWBK60161331926819", &s, &error));
  g_assert_false (s.known);
  g_assert_cmpuint (s.others, ==, 2);
  g_assert_true (
      fct_store_iban_lookup (store, "example.fr", "DE89370400440532013000", &s, &error));
  g_assert_true (s.known);
  g_assert_cmpint (s.first_seen, ==, 300);
  g_assert_cmpint (fct_store_iban_count (store, "nobody.fr", &error), ==, 0);
}

static void
test_persistent_wal (void)
{
  g_autofree char *path = scratch_db ();
  g_autoptr (GError) error = NULL;
  FctStoreIbanSighting s;

  {
    g_autoptr (FctStore) store = fct_store_open (path, NULL, &error);
    g_assert_no_error (error);
    record (store, "example.fr", "FR7630006000011234567890189", 10, &s);
    g_assert_false (s.known);
  }
  {
    g_autoptr (FctStore) store = fct_store_open (path, NULL, &error);
    g_assert_no_error (error);
    record (store, "example.fr", "FR7630006000011234567890189", 20, &s);
    g_assert_true (s.known);
  }
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *)sqlite3_column_text (stmt, 0), ==, "wal");
    sqlite3_finalize (stmt);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, fct_store_schema_version ());
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  remove_db (path);
}

static void
test_bounds (void)
{
  g_autoptr (GError) error = NULL;
  FctStoreOptions options = { .ibans_per_domain_max = 3, .ibans_max = 5 };
  g_autoptr (FctStore) store = fct_store_open (":memory:", &options, &error);
  FctStoreIbanSighting s;

  g_assert_no_error (error);
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *iban = g_strdup_printf ("XX%02d", i);
      record (store, "a.example", iban, 100 + i, &s);
    }
  /* Per domain: only the three seen most recently are kept. */
  g_assert_cmpint (fct_store_iban_count (store, "a.example", &error), ==, 3);
  record (store, "a.example", "XX00", 200, &s);
  g_assert_false (s.known);
  record (store, "a.example", "XX04", 201, &s);
  g_assert_true (s.known);

  /* Overall: five rows at most, the oldest go. */
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *iban = g_strdup_printf ("YY%02d", i);
      record (store, "b.example", iban, 300 + i, &s);
    }
  g_assert_cmpint (fct_store_iban_count (store, "a.example", &error)
                       + fct_store_iban_count (store, "b.example", &error),
                   ==, 5);
  g_assert_cmpint (fct_store_iban_count (store, "b.example", &error), ==, 3);
}

static void
test_newer_schema (void)
{
  g_autofree char *path = scratch_db ();
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  g_autoptr (FctStore) store = fct_store_open (path, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_VERSION);
  remove_db (path);
}

static void
test_invalid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStore) store = fct_store_open (":memory:", NULL, &error);
  g_assert_false (fct_store_iban_record (store, "", "FR76", 1, NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (fct_store_open ("/nonexistent-dir/x/y.db", NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN);
}

static FctStoreMessage *
message (const char *token, const char *spool, gint64 received)
{
  FctStoreMessage *m = g_new0 (FctStoreMessage, 1);
  m->token = g_strdup (token);
  m->spool = g_strdup (spool);
  m->received = received;
  m->client_ip = g_strdup ("192.0.2.1");
  m->helo = g_strdup ("mail.example");
  m->mail_from = g_strdup ("");
  m->tls_version = g_strdup ("TLSv1.3");
  m->size = 1234;
  return m;
}

/* facteur serve's tables: a test, its messages (group commit), the unchecked ones after
 * a restart, a report in two languages, finding counts, and retention. */
static void
test_serve_tables (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = scratch_db ();
  FctStoreOptions options = { .durable = TRUE };
  {
    g_autoptr (FctStore) store = fct_store_open (path, &options, &error);
    g_assert_no_error (error);
    g_assert_true (fct_store_test_create (store, "aa", "198.51.100.7", 100, &error));
    g_assert_true (fct_store_test_create (store, "bb", NULL, 200, &error));
    g_assert_no_error (error);
    g_assert_false (fct_store_test_create (store, "aa", NULL, 300, &error));
    g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_SQL);
    g_clear_error (&error);
    g_assert_cmpint (fct_store_test_exists (store, "aa", &error), ==, 1);
    g_assert_cmpint (fct_store_test_exists (store, "cc", &error), ==, 0);
    g_assert_null (fct_store_message_latest (store, "aa", &error));
    g_assert_no_error (error);

    g_autoptr (FctStoreMessage) m1 = message ("aa", "/spool/1", 110);
    g_autoptr (FctStoreMessage) m2 = message ("bb", "/spool/1", 110);
    g_autoptr (FctStoreMessage) m3 = message ("aa", "/spool/2", 120);
    FctStoreMessage *batch[] = { m1, m2, m3 };
    g_assert_true (fct_store_messages_add (store, batch, 3, &error));
    g_assert_no_error (error);
    g_assert_cmpint (m1->id, <, m2->id);
    g_assert_cmpint (m2->id, <, m3->id);
  }
  {
    /* After a restart: all three wait for their report. */
    g_autoptr (FctStore) store = fct_store_open (path, &options, &error);
    g_assert_no_error (error);
    g_autoptr (GPtrArray) unchecked = fct_store_messages_unchecked (store, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (unchecked->len, ==, 3);
    const FctStoreMessage *u = g_ptr_array_index (unchecked, 2);
    g_assert_cmpstr (u->spool, ==, "/spool/2");
    g_assert_cmpstr (u->client_ip, ==, "192.0.2.1");
    g_assert_cmpstr (u->mail_from, ==, "");
    g_assert_cmpstr (u->tls_version, ==, "TLSv1.3");
    g_assert_null (u->tls_cipher);

    static const char *const findings[] = { "spf-fail", "dkim-none", NULL };
    static const char *const langs[] = { "en", "fr", NULL };
    static const char *const reports[]
        = { "{\"title\":\"en\"}", "{\"title\":\"fr\"}", NULL };
    FctStoreReport r = { .score = 6.5,
                         .threat = "suspicious",
                         .findings = findings,
                         .langs = langs,
                         .reports = reports,
                         .view = "{}" };
    g_assert_true (fct_store_report_put (store, u->id, &r, &error));
    static const char *const one[] = { "spf-fail", NULL };
    r.findings = one;
    g_assert_true (fct_store_report_put (
        store, ((FctStoreMessage *)g_ptr_array_index (unchecked, 0))->id, &r, &error));
    g_assert_no_error (error);

    g_autoptr (FctStoreMessage) latest = fct_store_message_latest (store, "aa", &error);
    g_assert_cmpint (latest->id, ==, u->id);
    g_assert_true (latest->checked);
    g_assert_cmpfloat (latest->score, ==, 6.5);
    g_assert_cmpstr (latest->threat, ==, "suspicious");
    g_autofree char *fr = fct_store_report_get (store, u->id, "fr", &error);
    g_autofree char *de = fct_store_report_get (store, u->id, "de", &error);
    g_autofree char *view = fct_store_view_get (store, u->id, &error);
    g_assert_cmpstr (fr, ==, "{\"title\":\"fr\"}");
    g_assert_cmpstr (de, ==, "{\"title\":\"en\"}");
    g_assert_cmpstr (view, ==, "{}");
    g_autoptr (GPtrArray) left = fct_store_messages_unchecked (store, &error);
    g_assert_cmpuint (left->len, ==, 1);

    g_autoptr (GArray) counts = NULL;
    g_autoptr (GPtrArray) ids = fct_store_finding_counts (store, &counts, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, "spf-fail");
    g_assert_cmpint (g_array_index (counts, gint64, 0), ==, 2);
    g_autoptr (GPtrArray) recent = fct_store_messages_recent (store, 2, &error);
    g_assert_cmpuint (recent->len, ==, 2);

    /* Retention: test aa goes with its messages; /spool/1 stays, bb still uses it. */
    g_autoptr (GPtrArray) spools = NULL;
    g_assert_cmpint (fct_store_prune (store, 150, &spools, &error), ==, 1);
    g_assert_no_error (error);
    g_assert_cmpuint (spools->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (spools, 0), ==, "/spool/2");
    g_assert_cmpint (fct_store_test_exists (store, "aa", &error), ==, 0);
    g_assert_null (fct_store_report_get (store, u->id, "en", &error));
    g_clear_pointer (&spools, g_ptr_array_unref);
    g_assert_cmpint (fct_store_prune (store, 250, &spools, &error), ==, 1);
    g_assert_cmpstr (g_ptr_array_index (spools, 0), ==, "/spool/1");
  }
  remove_db (path);
}

/* A version 1 database (IBAN history only) gains the serve tables and keeps its rows. */
static void
test_upgrade_v1 (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = scratch_db ();
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (
      sqlite3_exec (
          db,
          "CREATE TABLE iban_sightings (domain TEXT NOT NULL, iban TEXT NOT NULL,"
          " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, times INTEGER"
          " NOT NULL DEFAULT 1, PRIMARY KEY (domain, iban)) WITHOUT ROWID;"
          "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT"
          " ROWID; INSERT INTO meta VALUES ('iban_rows', 1);"
          "INSERT INTO iban_sightings VALUES ('a.example', 'FR76', 1, 1, 1);"
          "PRAGMA user_version = 1;",
          NULL, NULL, NULL),
      ==, SQLITE_OK);
  sqlite3_close (db);
  g_autoptr (FctStore) store = fct_store_open (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fct_store_iban_count (store, "a.example", &error), ==, 1);
  g_assert_true (fct_store_test_create (store, "aa", NULL, 1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&store, fct_store_close);
  remove_db (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/new-and-known", test_new_and_known);
  g_test_add_func ("/store/persistent-wal", test_persistent_wal);
  g_test_add_func ("/store/bounds", test_bounds);
  g_test_add_func ("/store/newer-schema", test_newer_schema);
  g_test_add_func ("/store/invalid", test_invalid);
  g_test_add_func ("/store/serve-tables", test_serve_tables);
  g_test_add_func ("/store/upgrade-v1", test_upgrade_v1);
  return g_test_run ();
}
