/* The store, each behaviour against both back ends (SQLite, and PostgreSQL in a
 * temporary cluster: pg-cluster.c): IBANs per sender domain (new, known, others), a message
 * checked twice that does not make its own IBAN known, persistence across openings, WAL
 * mode, bounds per domain and overall, a newer schema refused; no IBAN in clear in the
 * file, the files mode 0600, the key, the conversion of a version-1 database. */
#include <facteur/reports.h>
#include <facteur/store.h>

#include "pg-cluster.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
  const char *suffixes[] = { "", "-wal", "-shm", ".key" };
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (path, suffixes[i], NULL);
      g_remove (p);
    }
  g_rmdir (dir);
}

/* Each call is a different message unless msg says otherwise. */
static void
record_in (FctStore *store, const char *domain, const char *iban, const char *msg,
           gint64 now, FctStoreIbanSighting *out)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (fct_store_iban_record (store, domain, iban, msg, now, out, &error));
  g_assert_no_error (error);
}

static void
record (FctStore *store, const char *domain, const char *iban, gint64 now,
        FctStoreIbanSighting *out)
{
  g_autofree char *msg = g_strdup_printf ("<%s-%" G_GINT64_FORMAT "@test>", iban, now);
  record_in (store, domain, iban, msg, now, out);
}

/* ---- both back ends ---------------------------------------------------------------- */

static FctTestPg *cluster;

typedef enum
{
  BACKEND_SQLITE,
  BACKEND_PG,
} Backend;

static const Backend sqlite_backend = BACKEND_SQLITE, pg_backend = BACKEND_PG;

/* A fresh, empty database of one back end and its key file. */
typedef struct
{
  Backend backend;
  char *location;
  char *key; /* NULL for SQLite: beside the database */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->backend = *(const Backend *)data;
  if (f->backend == BACKEND_SQLITE)
    {
      f->location = scratch_db ();
      return;
    }
  f->location = fct_test_pg_database (cluster);
  g_autofree char *name = g_path_get_basename (f->location);
  g_autofree char *key = g_strconcat (name, ".key", NULL);
  f->key = fct_test_pg_path (cluster, key);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  (void)data;
  if (f->backend == BACKEND_SQLITE)
    remove_db (f->location);
  g_free (f->location);
  g_free (f->key);
}

static FctStore *
fixture_open (const Fixture *f, const FctStoreOptions *options, GError **error)
{
  FctStoreOptions o = { 0 };
  if (options != NULL)
    o = *options;
  if (f->key != NULL)
    o.key_path = f->key;
  return fct_store_open (f->location, &o, error);
}

/* The first column of the first row of sql on the fixture's database, read past the
 * store (what an administrator with the database's files or a psql sees). */
static gint64
fixture_scalar (const Fixture *f, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value = 0;

  if (f->backend == BACKEND_PG)
    return fct_test_pg_scalar (f->location, sql);
  g_assert_cmpint (sqlite3_open (f->location, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
add_both (const char *name, void (*test) (Fixture *, gconstpointer))
{
  g_autofree char *sqlite_path = g_strdup_printf ("/store/sqlite/%s", name);
  g_autofree char *pg_path = g_strdup_printf ("/store/pg/%s", name);
  g_test_add (sqlite_path, Fixture, &sqlite_backend, fixture_setup, test, fixture_teardown);
  g_test_add (pg_path, Fixture, &pg_backend, fixture_setup, test, fixture_teardown);
}

static void
test_new_and_known (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
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

  g_assert_true (fct_store_iban_lookup (store, "example.fr", "DE89370400440532013000",
                                        "<x>", &s, &error));
  g_assert_true (s.known);
  g_assert_true (fct_store_iban_lookup (store, "example.fr", "GB29NWBK60161331926819",
                                        "<x>", &s, &error));
  g_assert_false (s.known);
  g_assert_cmpuint (s.others, ==, 2);
  g_assert_cmpint (fct_store_iban_count (store, "example.fr", &error), ==, 2);
  g_assert_cmpint (fct_store_iban_count (store, "nobody.fr", &error), ==, 0);
}

/* Issue 12: a message checked twice (a retry, the milter then a user) must not make its
 * own IBAN known; nor does a second IBAN of the same message count as an "other". */
static void
test_same_message_twice (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
  FctStoreIbanSighting s;

  g_assert_no_error (error);
  record_in (store, "fraud.example", "FR7630006000011234567890189", "<m1@x>", 10, &s);
  g_assert_false (s.known);
  record_in (store, "fraud.example", "DE89370400440532013000", "<m1@x>", 10, &s);
  g_assert_false (s.known);
  g_assert_cmpuint (s.others, ==, 0);
  record_in (store, "fraud.example", "FR7630006000011234567890189", "<m1@x>", 20, &s);
  g_assert_false (s.known);
  g_assert_cmpuint (s.others, ==, 0);
  g_assert_true (fct_store_iban_lookup (
      store, "fraud.example", "FR7630006000011234567890189", "<m1@x>", &s, &error));
  g_assert_false (s.known);
  /* Another message with the same IBAN: now it is known, for every message. */
  record_in (store, "fraud.example", "FR7630006000011234567890189", "<m2@x>", 30, &s);
  g_assert_true (s.known);
  record_in (store, "fraud.example", "FR7630006000011234567890189", "<m1@x>", 40, &s);
  g_assert_true (s.known);
  g_assert_cmpuint (s.others, ==, 0);
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
test_bounds (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  FctStoreOptions options = { .ibans_per_domain_max = 3, .ibans_max = 5 };
  g_autoptr (FctStore) store = fixture_open (f, &options, &error);
  FctStoreIbanSighting s;

  g_assert_no_error (error);
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *iban = g_strdup_printf ("XX%02d", i);
      record_in (store, "a.example", iban, iban, 100 + i, &s);
    }
  /* Per domain: only the three seen most recently are kept. */
  g_assert_cmpint (fct_store_iban_count (store, "a.example", &error), ==, 3);
  record_in (store, "a.example", "XX00", "other", 200, &s);
  g_assert_false (s.known);
  record_in (store, "a.example", "XX04", "other", 201, &s);
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

/* A database written by a newer facteur is refused with FCT_STORE_ERROR_VERSION, not
 * read with a schema this build does not know. */
static void
test_newer_schema (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  (void)data;
  if (f->backend == BACKEND_SQLITE)
    {
      sqlite3 *db = NULL;
      g_assert_cmpint (sqlite3_open (f->location, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==,
                       SQLITE_OK);
      sqlite3_close (db);
    }
  else
    fct_test_pg_scalar (f->location, "CREATE TABLE facteur_schema (version INTEGER"
                                     " NOT NULL); INSERT INTO facteur_schema VALUES (99)");
  g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, "newer than this facteur"));
}

static void
test_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStore) store = fixture_open (f, NULL, &error);

  (void)data;
  g_assert_no_error (error);
  g_assert_false (fct_store_iban_record (store, "", "FR76", "<m>", 1, NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (fct_store_iban_record (store, "example.fr", "", "<m>", 1, NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID);
  g_clear_error (&error);
  /* A database that cannot be reached: a folder that does not exist, a port where no
   * server listens. */
  g_assert_null (fct_store_open (f->backend == BACKEND_SQLITE
                                     ? "/nonexistent-dir/x/y.db"
                                     : "postgresql://postgres@127.0.0.1:1/none",
                                 NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN);
}

/* What was recorded is there after the store is closed and opened again, and its
 * schema is the one this build writes. */
static void
test_persistent (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  FctStoreIbanSighting s;

  (void)data;
  {
    g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
    g_assert_no_error (error);
    record (store, "example.fr", "FR7630006000011234567890189", 10, &s);
    g_assert_false (s.known);
  }
  {
    g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
    g_assert_no_error (error);
    record (store, "example.fr", "FR7630006000011234567890189", 20, &s);
    g_assert_true (s.known);
    g_assert_cmpint (s.first_seen, ==, 10);
  }
  if (f->backend == BACKEND_PG)
    g_assert_cmpint (fixture_scalar (f, "SELECT max (version) FROM facteur_schema"), ==, 2);
}

/* Issue 12 for PostgreSQL: no IBAN in clear in any row, only its HMAC and last four
 * characters. */
static void
test_pg_private (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
  FctStoreIbanSighting s;

  (void)data;
  g_assert_no_error (error);
  record_in (store, "example.fr", "FR7630006000011234567890189", "<m1@example.fr>", 10, &s);
  g_assert_cmpint (fixture_scalar (f,
                                   "SELECT count(*) FROM iban_history WHERE last4 = '0189'"
                                   " AND length (iban_mac) = 32"),
                   ==, 1);
  /* Every column of every table, as text, hex-decoded bytea included. */
  g_assert_cmpint (
      fixture_scalar (f, "SELECT count(*) FROM (SELECT h::text AS t FROM iban_history h"
                         " UNION ALL SELECT encode (iban_mac, 'escape') FROM"
                         " iban_history UNION ALL SELECT k::text FROM key_check k) a"
                         " WHERE t LIKE '%30006000011234567890%' OR t LIKE '%m1@example%'"),
      ==, 0);
}

/* The key file for PostgreSQL: required (there is no "beside the database"), created
 * for a new database, and another machine given another key is refused rather than
 * taking every IBAN for new. */
static void
test_pg_key (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other = g_strconcat (f->key, ".other", NULL);
  FctStoreOptions wrong = { .key_path = other };
  FctStoreIbanSighting s;

  (void)data;
  g_assert_null (fct_store_open (f->location, NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY);
  g_clear_error (&error);
  {
    g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_test (f->key, G_FILE_TEST_IS_REGULAR));
    record (store, "example.fr", "FR7630006000011234567890189", 10, &s);
  }
  /* A missing key for a database that has recorded one is not created anew. */
  g_assert_null (fct_store_open (f->location, &wrong, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY);
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  {
    guint8 bytes[32] = { 1 };
    g_assert_true (g_file_set_contents (other, (const char *)bytes, sizeof bytes, NULL));
  }
  g_assert_null (fct_store_open (f->location, &wrong, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY);
  g_clear_error (&error);
  g_remove (other);
  /* The right key still works. */
  g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
  g_assert_no_error (error);
  record (store, "example.fr", "FR7630006000011234567890189", 20, &s);
  g_assert_true (s.known);
}

/* facteur reports opens a PostgreSQL database without the key the MXs share: its
 * reports work, and it can neither read nor record an IBAN. */
static void
test_pg_without_key (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  FctStoreOptions options = { .without_key = TRUE };
  g_autoptr (FctStore) store = fct_store_open (f->location, &options, &error);
  FctStoreIbanSighting s;

  (void)data;
  g_assert_no_error (error);
  g_assert_cmpint (fct_store_feedback_exists (store, "aggregate", "org", "id", &error), ==,
                   0);
  g_assert_no_error (error);
  g_assert_false (fct_store_iban_record (store, "example.fr", "FR7630006000011234567890189",
                                         "<m@test>", 10, &s, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY);
  g_clear_error (&error);
  g_assert_false (fct_store_iban_lookup (store, "example.fr", "FR7630006000011234567890189",
                                         "<m@test>", &s, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY);
  /* Nothing recorded about the key: the first MX to open with one sets it. */
  g_assert_cmpint (fixture_scalar (f, "SELECT count(*) FROM key_check"), ==, 0);
}

/* A database an older facteur made (step 1: no reports) gains the reports' tables when
 * this one opens it, its IBANs kept. */
static void
test_pg_migrate_step1 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  FctStoreIbanSighting s;

  (void)data;
  {
    g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
    g_assert_no_error (error);
    record (store, "example.fr", "FR7630006000011234567890189", 10, &s);
  }
  fct_test_pg_scalar (f->location,
                      "DROP TABLE feedback_reports, feedback_records, feedback_tlsrpt,"
                      " feedback_failures; UPDATE facteur_schema SET version = 1");
  g_autoptr (FctStore) store = fixture_open (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fixture_scalar (f, "SELECT max (version) FROM facteur_schema"), ==, 2);
  g_assert_cmpint (fct_store_feedback_exists (store, "aggregate", "org", "id", &error), ==,
                   0);
  g_assert_no_error (error);
  record (store, "example.fr", "FR7630006000011234567890189", 20, &s);
  g_assert_true (s.known);
}

/* ---- concurrency ------------------------------------------------------------------- */

#define WRITERS 16
#define SHARED_IBANS 12

typedef struct
{
  const Fixture *f;
  guint writer;
  gint *gate;    /* the writers start together when it turns 1 */
  guint unknown; /* sightings that answered "not known" */
  GError *error;
} Writer;

static gpointer
writer_run (gpointer data)
{
  Writer *w = data;
  g_autoptr (FctStore) store = fixture_open (w->f, NULL, &w->error);

  if (store == NULL)
    {
      g_prefix_error (&w->error, "open: ");
      return NULL;
    }
  while (!g_atomic_int_get (w->gate))
    g_thread_yield ();
  for (guint i = 0; i < SHARED_IBANS; i++)
    {
      g_autofree char *iban = g_strdup_printf ("FR76300060000112345678%05u", i);
      g_autofree char *msg = g_strdup_printf ("<w%u-%u@example.fr>", w->writer, i);
      FctStoreIbanSighting s;
      if (!fct_store_iban_record (store, "example.fr", iban, msg, 100 + i, &s, &w->error))
        return NULL;
      w->unknown += !s.known;
    }
  return NULL;
}

/* 16 writers, each with its own connection, opening a new database at once (the schema
 * steps must not race) and recording the same IBANs at the same moment: one row per
 * IBAN, no sighting lost, and each IBAN new for exactly one of them. */
static void
test_concurrent_writers (Fixture *f, gconstpointer data)
{
  Writer writers[WRITERS] = { 0 };
  GThread *threads[WRITERS];
  gint gate = 0;
  guint unknown = 0;

  (void)data;
  for (guint i = 0; i < WRITERS; i++)
    {
      writers[i] = (Writer){ .f = f, .writer = i, .gate = &gate };
      threads[i] = g_thread_new ("writer", writer_run, &writers[i]);
    }
  g_atomic_int_set (&gate, 1);
  for (guint i = 0; i < WRITERS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_no_error (writers[i].error);
      unknown += writers[i].unknown;
    }
  g_assert_cmpint (fixture_scalar (f, "SELECT count(*) FROM iban_history"), ==,
                   SHARED_IBANS);
  g_assert_cmpint (
      fixture_scalar (f, "SELECT count(*) FROM (SELECT DISTINCT domain, iban_mac FROM"
                         " iban_history) d"),
      ==, SHARED_IBANS);
  g_assert_cmpint (fixture_scalar (f, "SELECT sum(times) FROM iban_history"), ==,
                   WRITERS * SHARED_IBANS);
  g_assert_cmpint (fixture_scalar (f, "SELECT value FROM meta WHERE key = 'iban_rows'"), ==,
                   SHARED_IBANS);
  g_assert_cmpuint (unknown, ==, SHARED_IBANS);
}

static gboolean
file_contains (const char *path, const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  return memmem (data, len, needle, strlen (needle)) != NULL;
}

static guint
file_mode (const char *path)
{
  struct stat st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* Issue 12: the IBAN is not in the files in clear, only its HMAC and last four
 * characters; the database and the key are mode 0600 whatever the umask. */
static void
test_files_private (void)
{
  g_autofree char *path = scratch_db ();
  g_autofree char *key = g_strconcat (path, ".key", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr (GError) error = NULL;
  FctStoreIbanSighting s;
  mode_t old = umask (022);

  {
    g_autoptr (FctStore) store = fct_store_open (path, NULL, &error);
    g_assert_no_error (error);
    record (store, "example.fr", "FR7630006000011234567890189", 10, &s);
    g_assert_cmpuint (file_mode (path), ==, 0600);
    g_assert_cmpuint (file_mode (key), ==, 0600);
    if (g_file_test (wal, G_FILE_TEST_EXISTS))
      {
        g_assert_cmpuint (file_mode (wal), ==, 0600);
        g_assert_false (file_contains (wal, "FR7630006000011234567890189"));
        g_assert_false (file_contains (wal, "30006000011234567890189"));
      }
  }
  umask (old);
  g_assert_false (file_contains (path, "FR7630006000011234567890189"));
  g_assert_false (file_contains (path, "30006000011234567890189"));
  g_assert_true (file_contains (path, "0189"));
  {
    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_true (g_file_get_contents (key, &data, &len, NULL));
    g_assert_cmpuint (len, ==, 32);
  }
  /* The same key is read back: the IBAN is still known. */
  {
    g_autoptr (FctStore) store = fct_store_open (path, NULL, &error);
    g_assert_no_error (error);
    record (store, "example.fr", "FR7630006000011234567890189", 20, &s);
    g_assert_true (s.known);
  }
  remove_db (path);
}

/* A database with content whose key is gone, or a key of the wrong size: an error
 * (the check then reports without history), never a new key that forgets everything. */
static void
test_key_missing_or_bad (void)
{
  g_autofree char *path = scratch_db ();
  g_autofree char *key = g_strconcat (path, ".key", NULL);
  g_autoptr (GError) error = NULL;
  FctStoreIbanSighting s;

  {
    g_autoptr (FctStore) store = fct_store_open (path, NULL, &error);
    g_assert_no_error (error);
    record (store, "example.fr", "FR7630006000011234567890189", 10, &s);
  }
  g_assert_cmpint (g_remove (key), ==, 0);
  g_assert_null (fct_store_open (path, NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY);
  g_clear_error (&error);
  g_assert_false (g_file_test (key, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_set_contents (key, "short", -1, NULL));
  g_assert_null (fct_store_open (path, NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY);
  remove_db (path);
}

/* A file that is not a database: an error, not a crash. */
static void
test_corrupt (void)
{
  g_autofree char *path = scratch_db ();
  g_autoptr (GError) error = NULL;
  GString *junk = g_string_new (NULL);

  while (junk->len < 8192)
    g_string_append (junk, "this is not an SQLite database ");
  g_assert_true (g_file_set_contents (path, junk->str, (gssize)junk->len, NULL));
  g_string_free (junk, TRUE);
  {
    g_autofree char *key = g_strconcat (path, ".key", NULL);
    g_assert_true (g_file_set_contents (key, "0123456789abcdef0123456789abcdef", 32, NULL));
  }
  g_assert_null (fct_store_open (path, NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_SQL);
  remove_db (path);
}

/* A version-1 database (IBANs in clear) is converted: its IBANs are still known, and no
 * longer in the file. */
static void
test_migrate_v1 (void)
{
  g_autofree char *path = scratch_db ();
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;
  FctStoreIbanSighting s;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (
      sqlite3_exec (db,
                    "CREATE TABLE iban_sightings (domain TEXT NOT NULL, iban TEXT NOT NULL,"
                    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
                    " times INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (domain, iban))"
                    " WITHOUT ROWID;"
                    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
                    " WITHOUT ROWID;"
                    "INSERT INTO meta VALUES ('iban_rows', 1);"
                    "INSERT INTO iban_sightings VALUES ('example.fr',"
                    " 'FR7630006000011234567890189', 5, 6, 2);"
                    "PRAGMA user_version = 1;",
                    NULL, NULL, NULL),
      ==, SQLITE_OK);
  sqlite3_close (db);
  {
    g_autoptr (FctStore) store = fct_store_open (path, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (fct_store_iban_lookup (
        store, "example.fr", "FR7630006000011234567890189", "<new>", &s, &error));
    g_assert_true (s.known);
    g_assert_cmpint (s.first_seen, ==, 5);
    g_assert_cmpint (fct_store_iban_count (store, "example.fr", &error), ==, 1);
  }
  g_assert_false (file_contains (path, "FR7630006000011234567890189"));
  remove_db (path);
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
test_serve_tables (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  FctStoreOptions options = { .durable = TRUE };

  (void)data;
  {
    g_autoptr (FctStore) store = fixture_open (f, &options, &error);
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
    g_autoptr (FctStore) store = fixture_open (f, &options, &error);
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

/* Whether another process sees a lock on path: a child asks with F_GETLK (a process
 * never conflicts with its own locks) and calls nothing but system calls. */
static gboolean
locked_for_others (const char *path)
{
  int status = 0;
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
      int fd = open (path, O_RDONLY | O_CLOEXEC);
      _exit (fd >= 0 && fcntl (fd, F_GETLK, &fl) == 0 ? (fl.l_type != F_UNLCK ? 0 : 1) : 2);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), !=, 2);
  return WEXITSTATUS (status) == 0;
}

/* In WAL mode each connection holds a shared lock on the database file until it closes:
 * it is how another process (sqlite3, a second facteur) knows it is not the last one,
 * which would checkpoint and delete the WAL file under it (facteur serve's reports then
 * failed with "disk I/O error"). Opening a second store in the same process, as each of
 * facteur serve's threads does, must not drop the first one's locks: closing any
 * descriptor of a file drops all the process' POSIX locks on it. An existing file is
 * still narrowed to 0600, and a symbolic link is still refused. */
static void
test_second_open_keeps_locks (void)
{
  g_autofree char *path = scratch_db ();
  g_autofree char *link = g_strconcat (path, ".link", NULL);
  g_autoptr (GError) error = NULL;
  FctStoreIbanSighting s;

  g_autoptr (FctStore) first = fct_store_open (path, NULL, &error);
  g_assert_no_error (error);
  record (first, "example.fr", "FR7630006000011234567890189", 10, &s);
  g_assert_true (locked_for_others (path));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_autoptr (FctStore) second = fct_store_open (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (locked_for_others (path));
  g_assert_cmpuint (file_mode (path), ==, 0600);
  record (second, "example.fr", "FR7630006000011234567890189", 20, &s);
  g_assert_true (s.known);
  g_clear_pointer (&second, fct_store_close);
  g_assert_true (locked_for_others (path));
  g_clear_pointer (&first, fct_store_close);
  g_assert_false (locked_for_others (path));

  g_assert_cmpint (symlink (path, link), ==, 0);
  g_assert_null (fct_store_open (link, NULL, &error));
  g_assert_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN);
  g_remove (link);
  remove_db (path);
}

/* ---- an outage ---------------------------------------------------------------------- */

static void
collect_log (gboolean warning, const char *message, gpointer data)
{
  (void)warning;
  g_ptr_array_add (data, g_strdup (message));
}

static gboolean
log_has (GPtrArray *log, const char *needle)
{
  for (guint i = 0; i < log->len; i++)
    if (strstr (g_ptr_array_index (log, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
record_kept (FctStore *store, const char *iban)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *msg = g_strdup_printf ("<%s@outage>", iban);
  g_assert_false (fct_store_iban_record (store, "example.fr", iban, msg, 50, NULL, &error));
  g_assert_true (g_error_matches (error, FCT_STORE_ERROR, FCT_STORE_ERROR_UNAVAILABLE)
                 || g_error_matches (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN));
}

/* The milter's store while PostgreSQL stops and starts again: the sightings of the
 * outage are kept (up to the queue's size, the rest turned away and logged) and all
 * written once the server is back; none is lost, none is written twice. */
static void
test_pg_outage (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  FctStoreOptions options = { .key_path = f->key };
  FctStoreResilience resilience = { .queue_max = 5,
                                    .retry_min_ms = 1,
                                    .retry_max_ms = 2,
                                    .log = collect_log,
                                    .log_data = log };
  g_autoptr (FctStore) store
      = fct_store_open_resilient (f->location, &options, &resilience);
  g_autoptr (GError) error = NULL;
  FctStoreIbanSighting s;
  gboolean back = FALSE;

  (void)data;
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *iban = g_strdup_printf ("FR76000000000000000000000A%d", i);
      record (store, "example.fr", iban, 10, &s);
      g_assert_false (s.known);
    }
  fct_test_pg_server_stop (cluster);
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *iban = g_strdup_printf ("FR76000000000000000000000B%d", i);
      record_kept (store, iban);
    }
  g_assert_cmpuint (fct_store_resilient_pending (store), ==, 5);
  g_assert_false (fct_store_iban_lookup (store, "example.fr", "FR76000000000000000000000A0",
                                         "<x>", &s, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* Past the queue's size: turned away, and said. */
  record_kept (store, "FR76000000000000000000000C0");
  g_assert_cmpuint (fct_store_resilient_pending (store), ==, 5);
  g_assert_true (log_has (log, "is full"));
  g_assert_true (log_has (log, "unavailable"));
  /* The outage's log names no IBAN in clear. */
  for (guint i = 0; i < log->len; i++)
    g_assert_null (strstr (g_ptr_array_index (log, i), "FR7600000"));

  fct_test_pg_server_start (cluster);
  /* The retry delay is a few milliseconds: a bounded number of tries, no timing. */
  for (int i = 0; i < 500 && !back; i++)
    {
      g_clear_error (&error);
      back = fct_store_iban_record (store, "example.fr", "FR76000000000000000000000D0",
                                    "<d0@back>", 60, &s, &error);
      if (!back)
        g_usleep (10000);
    }
  g_assert_no_error (error);
  g_assert_true (back);
  g_assert_cmpuint (fct_store_resilient_pending (store), ==, 0);
  g_assert_true (log_has (log, "available again"));
  g_assert_cmpint (fixture_scalar (f, "SELECT count(*) FROM iban_history"), ==, 3 + 5 + 1);
  g_assert_cmpint (fixture_scalar (f, "SELECT sum(times) FROM iban_history"), ==,
                   3 + 5 + 1);

  /* What the outage kept is known now, from another message, through a plain store. */
  g_autoptr (FctStore) plain = fixture_open (f, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *iban = g_strdup_printf ("FR76000000000000000000000B%d", i);
      g_assert_true (
          fct_store_iban_lookup (plain, "example.fr", iban, "<later>", &s, &error));
      g_assert_true (s.known);
      g_assert_cmpint (s.first_seen, ==, 50);
    }
  g_assert_true (fct_store_iban_lookup (plain, "example.fr", "FR76000000000000000000000C0",
                                        "<later>", &s, &error));
  g_assert_false (s.known);
}

/* ---- the reports pages' queries (facteur serve) ------------------------------------ */

#define DAY 86400
/* 2025-12-01 00:00:00 UTC */
#define DEC1 1764547200

static gint64
feedback_report (FctStore *store, const char *org, const char *id, const char *domain,
                 gint64 begin, gint64 end)
{
  g_autoptr (GError) error = NULL;
  static const guint8 raw[] = "<feedback/>";
  FctStoreFeedback f = { .kind = "aggregate",
                         .org = org,
                         .report_id = id,
                         .domain = domain,
                         .begin = begin,
                         .end = end,
                         .received = end + 60,
                         .raw = raw,
                         .raw_len = sizeof raw - 1 };
  gint64 report = fct_store_feedback_add (store, &f, &error);
  g_assert_no_error (error);
  g_assert_cmpint (report, >, 0);
  return report;
}

static void
feedback_record (FctStore *store, gint64 report, gint64 count, const char *dkim,
                 const char *spf, const char *disposition)
{
  g_autoptr (GError) error = NULL;
  FctDmarcAggregateRecord r = { .source_ip = (char *)"192.0.2.1",
                                .count = count,
                                .disposition = (char *)disposition,
                                .dkim = (char *)dkim,
                                .spf = (char *)spf,
                                .header_from = (char *)"example.fr" };
  g_assert_true (fct_store_feedback_record_add (store, report, &r, &error));
  g_assert_no_error (error);
}

static void
test_feedback_daily (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStore) store = fixture_open (f, NULL, &error);

  (void)data;
  g_assert_no_error (error);

  /* 1 December, midnight to midnight (Google): 100 pass (aligned DKIM or SPF), 7 fail
   * delivered, 5 fail quarantined. */
  gint64 a
      = feedback_report (store, "google.com", "g1", "example.fr", DEC1, DEC1 + DAY - 1);
  feedback_record (store, a, 60, "pass", "fail", "none");
  feedback_record (store, a, 40, "fail", "pass", "none");
  feedback_record (store, a, 7, "fail", "fail", "none");
  feedback_record (store, a, 5, "fail", "fail", "quarantine");
  /* Another receiver's report of 1 December, 22:00 the day before to 22:00: it counts
   * on the day its range's middle falls on, 1 December. A record with no
   * policy_evaluated results fails; a reject counts as blocked. */
  gint64 b = feedback_report (store, "outlook.com", "m1", "example.fr", DEC1 - 7200,
                              DEC1 + DAY - 7200);
  feedback_record (store, b, 3, NULL, NULL, "reject");
  feedback_record (store, b, 10, "pass", "pass", "none");
  /* 3 December (none on the 2nd: left out); and a report for another domain. */
  gint64 c = feedback_report (store, "google.com", "g3", "example.fr", DEC1 + 2 * DAY,
                              DEC1 + 3 * DAY - 1);
  feedback_record (store, c, 9, "fail", "fail", "reject");
  gint64 other
      = feedback_report (store, "google.com", "o1", "other.example", DEC1, DEC1 + DAY - 1);
  feedback_record (store, other, 1000, "pass", "pass", "none");

  g_autoptr (GArray) days = fct_store_feedback_daily (store, "example.fr", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (days->len, ==, 2);
  FctStoreFeedbackDay *d = &g_array_index (days, FctStoreFeedbackDay, 0);
  g_assert_cmpint (d->day, ==, DEC1);
  g_assert_cmpint (d->pass, ==, 110);
  g_assert_cmpint (d->fail, ==, 15);
  g_assert_cmpint (d->blocked, ==, 8);
  d = &g_array_index (days, FctStoreFeedbackDay, 1);
  g_assert_cmpint (d->day, ==, DEC1 + 2 * DAY);
  g_assert_cmpint (d->pass, ==, 0);
  g_assert_cmpint (d->fail, ==, 9);
  g_assert_cmpint (d->blocked, ==, 9);

  /* since: reports ending before it are left out, as in the summary. */
  g_autoptr (GArray) later
      = fct_store_feedback_daily (store, "example.fr", DEC1 + DAY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (later->len, ==, 1);
  g_autoptr (GArray) none = fct_store_feedback_daily (store, "nobody.example", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);

  /* The domains, each report and message counted once whatever its records. */
  g_autoptr (GPtrArray) domains = fct_store_feedback_domains (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (domains->len, ==, 2);
  FctStoreFeedbackDomain *fd = g_ptr_array_index (domains, 0);
  g_assert_cmpstr (fd->domain, ==, "example.fr");
  g_assert_cmpint (fd->reports, ==, 3);
  g_assert_cmpint (fd->messages, ==, 134);
  g_assert_cmpint (fd->last, ==, DEC1 + 3 * DAY - 1);
  fd = g_ptr_array_index (domains, 1);
  g_assert_cmpstr (fd->domain, ==, "other.example");
  g_assert_cmpint (fd->messages, ==, 1000);

  /* The list, latest first, cut at max with the total given. */
  gint64 total = 0;
  g_autoptr (GPtrArray) list
      = fct_store_feedback_list (store, "example.fr", 0, 2, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, 3);
  g_assert_cmpuint (list->len, ==, 2);
  FctStoreFeedbackInfo *info = g_ptr_array_index (list, 0);
  g_assert_cmpint (info->id, ==, c);
  g_assert_cmpstr (info->org, ==, "google.com");
  g_assert_cmpstr (info->report_id, ==, "g3");
  g_assert_cmpstr (info->kind, ==, "aggregate");
  g_assert_cmpint (info->messages, ==, 9);
  g_assert_cmpint (info->raw_size, ==, 11);
  info = g_ptr_array_index (list, 1);
  g_assert_cmpint (info->id, ==, a);
  g_assert_cmpint (info->messages, ==, 112);

  g_autofree char *of = fct_store_feedback_domain_of (store, other, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (of, ==, "other.example");
  g_assert_null (fct_store_feedback_domain_of (store, 999, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  add_both ("new-and-known", test_new_and_known);
  add_both ("same-message-twice", test_same_message_twice);
  add_both ("persistent", test_persistent);
  add_both ("bounds", test_bounds);
  add_both ("newer-schema", test_newer_schema);
  add_both ("invalid", test_invalid);
  add_both ("serve-tables", test_serve_tables);
  add_both ("concurrent-writers", test_concurrent_writers);
  add_both ("feedback-pages", test_feedback_daily);
  g_test_add ("/store/pg/private", Fixture, &pg_backend, fixture_setup, test_pg_private,
              fixture_teardown);
  g_test_add ("/store/pg/key", Fixture, &pg_backend, fixture_setup, test_pg_key,
              fixture_teardown);
  g_test_add ("/store/pg/without-key", Fixture, &pg_backend, fixture_setup,
              test_pg_without_key, fixture_teardown);
  g_test_add ("/store/pg/migrate-step-1", Fixture, &pg_backend, fixture_setup,
              test_pg_migrate_step1, fixture_teardown);
  g_test_add ("/store/pg/outage", Fixture, &pg_backend, fixture_setup, test_pg_outage,
              fixture_teardown);
  g_test_add_func ("/store/files-private", test_files_private);
  g_test_add_func ("/store/key-missing-or-bad", test_key_missing_or_bad);
  g_test_add_func ("/store/corrupt", test_corrupt);
  g_test_add_func ("/store/migrate-v1", test_migrate_v1);
  g_test_add_func ("/store/persistent-wal", test_persistent_wal);
  g_test_add_func ("/store/upgrade-v1", test_upgrade_v1);
  g_test_add_func ("/store/second-open-keeps-locks", test_second_open_keeps_locks);
  cluster = fct_test_pg_start ();
  status = g_test_run ();
  fct_test_pg_stop (cluster);
  return status;
}
