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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/new-and-known", test_new_and_known);
  g_test_add_func ("/store/persistent-wal", test_persistent_wal);
  g_test_add_func ("/store/bounds", test_bounds);
  g_test_add_func ("/store/newer-schema", test_newer_schema);
  g_test_add_func ("/store/invalid", test_invalid);
  return g_test_run ();
}
