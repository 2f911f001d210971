/* facteur — the SQLite store (include/facteur/store.h): IBANs seen per sender domain.
 * Schema versioned with PRAGMA user_version, WAL journal, rows bounded per domain and in
 * all (the least recently seen go first). */
#include <facteur/store.h>

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

G_DEFINE_QUARK (fct - store - error - quark, fct_store_error)

/* Version 1: iban_sightings and meta (row count, so that pruning never scans). */
#define SCHEMA_VERSION 1

static const char schema_v1[]
    = "CREATE TABLE iban_sightings ("
      "  domain TEXT NOT NULL,"
      "  iban TEXT NOT NULL,"
      "  first_seen INTEGER NOT NULL,"
      "  last_seen INTEGER NOT NULL,"
      "  times INTEGER NOT NULL DEFAULT 1,"
      "  PRIMARY KEY (domain, iban)) WITHOUT ROWID;"
      "CREATE INDEX iban_sightings_last_seen ON iban_sightings (last_seen);"
      "CREATE INDEX iban_sightings_domain_last_seen ON iban_sightings (domain, last_seen);"
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
      "INSERT INTO meta VALUES ('iban_rows', 0);"
      "PRAGMA user_version = 1;";

enum
{
  STMT_FIND,
  STMT_COUNT_DOMAIN,
  STMT_UPSERT,
  STMT_PRUNE_DOMAIN,
  STMT_PRUNE_ALL,
  STMT_ROWS_GET,
  STMT_ROWS_ADD,
  N_STMTS
};

static const char *const stmt_sql[N_STMTS] = {
  [STMT_FIND] = "SELECT first_seen FROM iban_sightings WHERE domain = ?1 AND iban = ?2",
  [STMT_COUNT_DOMAIN] = "SELECT count(*) FROM iban_sightings WHERE domain = ?1",
  [STMT_UPSERT] = "INSERT INTO iban_sightings (domain, iban, first_seen, last_seen)"
                  " VALUES (?1, ?2, ?3, ?3) ON CONFLICT (domain, iban) DO UPDATE SET"
                  " last_seen = max (last_seen, excluded.last_seen), times = times + 1",
  [STMT_PRUNE_DOMAIN] = "DELETE FROM iban_sightings WHERE domain = ?1 AND iban IN"
                        " (SELECT iban FROM iban_sightings WHERE domain = ?1"
                        "  ORDER BY last_seen DESC LIMIT -1 OFFSET ?2)",
  [STMT_PRUNE_ALL] = "DELETE FROM iban_sightings WHERE (domain, iban) IN"
                     " (SELECT domain, iban FROM iban_sightings ORDER BY last_seen"
                     "  LIMIT ?1)",
  [STMT_ROWS_GET] = "SELECT value FROM meta WHERE key = 'iban_rows'",
  [STMT_ROWS_ADD] = "UPDATE meta SET value = value + ?1 WHERE key = 'iban_rows'",
};

struct _FctStore
{
  sqlite3 *db;
  sqlite3_stmt *stmts[N_STMTS];
  FctStoreOptions options;
};

guint
fct_store_schema_version (void)
{
  return SCHEMA_VERSION;
}

static gboolean
sql_error (FctStore *store, GError **error, const char *what)
{
  g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_SQL, _ ("store: %s: %s"), what,
               sqlite3_errmsg (store->db));
  return FALSE;
}

static gboolean
exec (FctStore *store, const char *sql, GError **error)
{
  char *message = NULL;

  if (sqlite3_exec (store->db, sql, NULL, NULL, &message) == SQLITE_OK)
    return TRUE;
  g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_SQL, _ ("store: %s"),
               message != NULL ? message : sqlite3_errmsg (store->db));
  sqlite3_free (message);
  return FALSE;
}

static gint64
query_int (FctStore *store, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static gboolean
migrate (FctStore *store, GError **error)
{
  gint64 version = query_int (store, "PRAGMA user_version");

  if (version < 0)
    return sql_error (store, error, "user_version");
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_VERSION,
                   _ ("store: the database has schema version %lld, newer than this "
                      "facteur's (%d)"),
                   (long long)version, SCHEMA_VERSION);
      return FALSE;
    }
  if (version == SCHEMA_VERSION)
    return TRUE;
  /* Version 0 is an empty database: create everything in one transaction, so that a
   * concurrent opener either sees nothing or all of it. */
  if (!exec (store, "BEGIN IMMEDIATE", error))
    return FALSE;
  version = query_int (store, "PRAGMA user_version");
  if (version == 0 && !exec (store, schema_v1, error))
    {
      exec (store, "ROLLBACK", NULL);
      return FALSE;
    }
  return exec (store, "COMMIT", error);
}

FctStore *
fct_store_open (const char *path, const FctStoreOptions *options, GError **error)
{
  g_autoptr (FctStore) store = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

  g_return_val_if_fail (path != NULL, NULL);
  store = g_new0 (FctStore, 1);
  if (options != NULL)
    store->options = *options;
  if (store->options.ibans_per_domain_max == 0)
    store->options.ibans_per_domain_max = 100;
  if (store->options.ibans_max == 0)
    store->options.ibans_max = 1000000;
  if (store->options.busy_timeout_ms == 0)
    store->options.busy_timeout_ms = 5000;

  if (sqlite3_open_v2 (path, &store->db, flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN,
                   _ ("store: cannot open %s: %s"), path,
                   store->db != NULL ? sqlite3_errmsg (store->db) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (store->db, (int)MIN (store->options.busy_timeout_ms, G_MAXINT));
  /* WAL lets readers and one writer work at once (several facteur processes sharing
   * one file); synchronous=NORMAL is the setting SQLite recommends with WAL. A
   * :memory: database answers "memory" and that is fine. */
  if (!exec (store, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", error))
    return NULL;
  if (!migrate (store, error))
    return NULL;
  for (int i = 0; i < N_STMTS; i++)
    if (sqlite3_prepare_v3 (store->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                            &store->stmts[i], NULL)
        != SQLITE_OK)
      {
        sql_error (store, error, "prepare");
        return NULL;
      }
  return g_steal_pointer (&store);
}

void
fct_store_close (FctStore *store)
{
  if (store == NULL)
    return;
  for (int i = 0; i < N_STMTS; i++)
    sqlite3_finalize (store->stmts[i]);
  sqlite3_close (store->db);
  g_free (store);
}

static sqlite3_stmt *
stmt_get (FctStore *store, int which)
{
  sqlite3_stmt *stmt = store->stmts[which];
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

/* Runs a statement that returns nothing; returns sqlite3_changes or -1. */
static gint64
run_changes (FctStore *store, sqlite3_stmt *stmt)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return -1;
  return sqlite3_changes64 (store->db);
}

static gboolean
rows_add (FctStore *store, gint64 delta)
{
  sqlite3_stmt *stmt = stmt_get (store, STMT_ROWS_ADD);
  sqlite3_bind_int64 (stmt, 1, delta);
  return run_changes (store, stmt) >= 0;
}

/* Fills known, first_seen (now when unknown) and others; returns the domain's rows. */
static gint64
lookup (FctStore *store, const char *domain, const char *iban, gint64 now,
        FctStoreIbanSighting *out, GError **error)
{
  sqlite3_stmt *stmt;
  gint64 domain_rows;

  stmt = stmt_get (store, STMT_FIND);
  sqlite3_bind_text (stmt, 1, domain, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, iban, -1, SQLITE_STATIC);
  switch (sqlite3_step (stmt))
    {
    case SQLITE_ROW:
      out->known = TRUE;
      out->first_seen = sqlite3_column_int64 (stmt, 0);
      break;
    case SQLITE_DONE:
      out->known = FALSE;
      out->first_seen = now;
      break;
    default:
      sql_error (store, error, "find");
      return -1;
    }

  stmt = stmt_get (store, STMT_COUNT_DOMAIN);
  sqlite3_bind_text (stmt, 1, domain, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sql_error (store, error, "count");
      return -1;
    }
  domain_rows = sqlite3_column_int64 (stmt, 0);
  out->others = (guint)MIN (domain_rows - (out->known ? 1 : 0), G_MAXUINT);
  return domain_rows;
}

static gboolean
record_locked (FctStore *store, const char *domain, const char *iban, gint64 now,
               FctStoreIbanSighting *out, GError **error)
{
  sqlite3_stmt *stmt;
  gint64 domain_rows, deleted, rows;

  if ((domain_rows = lookup (store, domain, iban, now, out, error)) < 0)
    return FALSE;
  stmt = stmt_get (store, STMT_UPSERT);
  sqlite3_bind_text (stmt, 1, domain, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, iban, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now);
  if (run_changes (store, stmt) < 0)
    return sql_error (store, error, "insert");
  if (out->known)
    return TRUE;
  if (!rows_add (store, 1))
    return sql_error (store, error, "meta");

  /* Bounds: the rows this domain saw least recently, then the oldest overall. */
  if ((guint64)domain_rows + 1 > store->options.ibans_per_domain_max)
    {
      stmt = stmt_get (store, STMT_PRUNE_DOMAIN);
      sqlite3_bind_text (stmt, 1, domain, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, store->options.ibans_per_domain_max);
      if ((deleted = run_changes (store, stmt)) < 0 || !rows_add (store, -deleted))
        return sql_error (store, error, "prune");
    }
  stmt = stmt_get (store, STMT_ROWS_GET);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return sql_error (store, error, "meta");
  rows = sqlite3_column_int64 (stmt, 0);
  if (rows > (gint64)store->options.ibans_max)
    {
      stmt = stmt_get (store, STMT_PRUNE_ALL);
      sqlite3_bind_int64 (stmt, 1, rows - store->options.ibans_max);
      if ((deleted = run_changes (store, stmt)) < 0 || !rows_add (store, -deleted))
        return sql_error (store, error, "prune");
    }
  return TRUE;
}

gboolean
fct_store_iban_record (FctStore *store, const char *sender_domain, const char *iban,
                       gint64 now, FctStoreIbanSighting *out, GError **error)
{
  FctStoreIbanSighting sighting = { 0 };

  g_return_val_if_fail (store != NULL && sender_domain != NULL && iban != NULL, FALSE);
  if (sender_domain[0] == '\0' || iban[0] == '\0')
    {
      g_set_error_literal (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID,
                           _ ("store: empty sender domain or IBAN"));
      return FALSE;
    }
  /* IMMEDIATE takes the write lock now: the read and the write below see one state
   * even with another process recording the same IBAN. */
  if (!exec (store, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!record_locked (store, sender_domain, iban, now, &sighting, error))
    {
      exec (store, "ROLLBACK", NULL);
      return FALSE;
    }
  if (!exec (store, "COMMIT", error))
    return FALSE;
  if (out != NULL)
    *out = sighting;
  return TRUE;
}

gboolean
fct_store_iban_lookup (FctStore *store, const char *sender_domain, const char *iban,
                       FctStoreIbanSighting *out, GError **error)
{
  FctStoreIbanSighting sighting = { 0 };

  g_return_val_if_fail (store != NULL && sender_domain != NULL && iban != NULL, FALSE);
  if (lookup (store, sender_domain, iban, 0, &sighting, error) < 0)
    return FALSE;
  if (out != NULL)
    *out = sighting;
  return TRUE;
}

gint64
fct_store_iban_count (FctStore *store, const char *sender_domain, GError **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL && sender_domain != NULL, -1);
  stmt = stmt_get (store, STMT_COUNT_DOMAIN);
  sqlite3_bind_text (stmt, 1, sender_domain, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sql_error (store, error, "count");
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}
