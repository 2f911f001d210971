/* facteur — the SQLite store (include/facteur/store.h): IBANs seen per sender
 * organization, kept as HMAC-SHA-256 under a key file beside the database, with the
 * message each was first seen in. Schema versioned with PRAGMA user_version, WAL journal,
 * rows bounded per domain and in all (the least recently seen go first). */
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Version 1: iban_sightings (IBANs in clear) and meta (row count, so that pruning never
 * scans). Version 2: iban_history, IBANs as HMACs, with the message of the first
 * sighting. Version 3: facteur serve's tests, messages, reports and finding counts.
 * Version 4: the reports receivers send (feedback.c). */
#define SCHEMA_VERSION 4

#define KEY_BYTES FCT_STORE_KEY_BYTES

static const char schema_history[]
    = "CREATE TABLE iban_history ("
      "  domain TEXT NOT NULL,"
      "  iban_mac BLOB NOT NULL,"
      "  last4 TEXT NOT NULL,"
      "  first_seen INTEGER NOT NULL,"
      "  last_seen INTEGER NOT NULL,"
      "  times INTEGER NOT NULL DEFAULT 1,"
      /* HMAC of the first message's key; NULL for rows converted from version 1, which
         count as seen in another message. */
      "  first_message BLOB,"
      /* 1 once the IBAN came in a second, different message. */
      "  other_message INTEGER NOT NULL DEFAULT 0,"
      "  PRIMARY KEY (domain, iban_mac)) WITHOUT ROWID;"
      "CREATE INDEX iban_history_last_seen ON iban_history (last_seen);"
      "CREATE INDEX iban_history_domain_last_seen ON iban_history (domain, last_seen);";

static const char schema_meta[]
    = "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
      "INSERT INTO meta VALUES ('iban_rows', 0);";

/* Version 1 to 2: every IBAN replaced by its HMAC (fct_iban_mac, registered on the
 * connection), its clear form erased from the file (secure_delete overwrites the freed
 * pages). */
static const char migrate_v1[]
    = "INSERT INTO iban_history (domain, iban_mac, last4, first_seen, last_seen, times)"
      " SELECT domain, fct_iban_mac (iban), substr (iban, -4), first_seen, last_seen,"
      " times FROM iban_sightings;"
      "DROP TABLE iban_sightings;"
      "UPDATE meta SET value = (SELECT count(*) FROM iban_history)"
      " WHERE key = 'iban_rows';";

static const char schema_tests[]
    = "CREATE TABLE tests ("
      "  token TEXT PRIMARY KEY,"
      "  created INTEGER NOT NULL,"
      "  client_ip TEXT) WITHOUT ROWID;"
      "CREATE INDEX tests_created ON tests (created);"
      "CREATE TABLE messages ("
      "  id INTEGER PRIMARY KEY,"
      "  token TEXT NOT NULL,"
      "  received INTEGER NOT NULL,"
      "  spool TEXT NOT NULL,"
      "  client_ip TEXT NOT NULL,"
      "  helo TEXT, mail_from TEXT, tls_version TEXT, tls_cipher TEXT,"
      "  size INTEGER NOT NULL,"
      "  checked INTEGER NOT NULL DEFAULT 0,"
      "  score REAL, threat TEXT, view TEXT);"
      "CREATE INDEX messages_token ON messages (token, id);"
      "CREATE INDEX messages_spool ON messages (spool);"
      "CREATE INDEX messages_unchecked ON messages (id) WHERE checked = 0;"
      "CREATE TABLE reports ("
      "  message_id INTEGER NOT NULL,"
      "  lang TEXT NOT NULL,"
      "  json TEXT NOT NULL,"
      "  PRIMARY KEY (message_id, lang)) WITHOUT ROWID;"
      "CREATE TABLE message_findings (message_id INTEGER NOT NULL, finding TEXT NOT NULL);"
      "CREATE INDEX message_findings_message ON message_findings (message_id);";

enum
{
  STMT_FIND,
  STMT_COUNT_OTHERS,
  STMT_COUNT_DOMAIN,
  STMT_INSERT,
  STMT_UPDATE,
  STMT_PRUNE_DOMAIN,
  STMT_PRUNE_ALL,
  STMT_ROWS_GET,
  STMT_ROWS_ADD,
  N_STMTS
};

static const char *const stmt_sql[N_STMTS] = {
  [STMT_FIND] = "SELECT first_seen, first_message IS NULL OR first_message != ?3"
                " OR other_message FROM iban_history WHERE domain = ?1 AND iban_mac = ?2",
  /* Other IBANs of the domain that came in other messages than this one. */
  [STMT_COUNT_OTHERS] = "SELECT count(*) FROM iban_history WHERE domain = ?1"
                        " AND iban_mac != ?2 AND (first_message IS NULL"
                        " OR first_message != ?3 OR other_message)",
  [STMT_COUNT_DOMAIN] = "SELECT count(*) FROM iban_history WHERE domain = ?1",
  [STMT_INSERT]
  = "INSERT INTO iban_history (domain, iban_mac, last4, first_seen, last_seen,"
    " first_message) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
  [STMT_UPDATE] = "UPDATE iban_history SET last_seen = max (last_seen, ?3),"
                  " times = times + 1, other_message = other_message"
                  " OR first_message IS NULL OR first_message != ?4"
                  " WHERE domain = ?1 AND iban_mac = ?2",
  [STMT_PRUNE_DOMAIN] = "DELETE FROM iban_history WHERE domain = ?1 AND iban_mac IN"
                        " (SELECT iban_mac FROM iban_history WHERE domain = ?1"
                        "  ORDER BY last_seen DESC LIMIT -1 OFFSET ?2)",
  [STMT_PRUNE_ALL] = "DELETE FROM iban_history WHERE (domain, iban_mac) IN"
                     " (SELECT domain, iban_mac FROM iban_history ORDER BY last_seen"
                     "  LIMIT ?1)",
  [STMT_ROWS_GET] = "SELECT value FROM meta WHERE key = 'iban_rows'",
  [STMT_ROWS_ADD] = "UPDATE meta SET value = value + ?1 WHERE key = 'iban_rows'",
};

typedef struct
{
  FctStore base;
  sqlite3 *db;
  sqlite3_stmt *stmts[N_STMTS];
  GHashTable *cache; /* SQL -> its statement, for fct_store_query */
  FctStoreOptions options;
  guint8 key[KEY_BYTES];
} SqliteStore;

static const FctStoreBackend sqlite_backend;

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

guint
fct_store_schema_version (void)
{
  return SCHEMA_VERSION;
}

static void
mac (const SqliteStore *store, const char *domain, const char *value, guint8 out[32])
{
  fct_store_mac (store->key, domain, value, out);
}

static void
sql_iban_mac (sqlite3_context *context, int argc, sqlite3_value **argv)
{
  const SqliteStore *store = sqlite3_user_data (context);
  const char *iban = (const char *)sqlite3_value_text (argv[0]);
  guint8 digest[32];

  (void)argc;
  if (iban == NULL)
    {
      sqlite3_result_null (context);
      return;
    }
  mac (store, "iban", iban, digest);
  sqlite3_result_blob (context, digest, sizeof digest, SQLITE_TRANSIENT);
}

static gboolean
sql_error (SqliteStore *store, GError **error, const char *what)
{
  g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_SQL, _ ("store: %s: %s"), what,
               sqlite3_errmsg (store->db));
  return FALSE;
}

static gboolean
exec (SqliteStore *store, const char *sql, GError **error)
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
query_int (SqliteStore *store, const char *sql)
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
migrate_locked (SqliteStore *store, gint64 version, GError **error)
{
  g_autofree char *set_version
      = g_strdup_printf ("PRAGMA user_version = %d;", SCHEMA_VERSION);

  if (version == 0
      && !(exec (store, schema_history, error) && exec (store, schema_meta, error)))
    return FALSE;
  if (version == 1
      && !(exec (store, schema_history, error) && exec (store, migrate_v1, error)))
    return FALSE;
  if (version < 3 && !exec (store, schema_tests, error))
    return FALSE;
  return exec (store, fct_store_feedback_schema, error) && exec (store, set_version, error);
}

static gboolean
migrate (SqliteStore *store, GError **error)
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
  /* One transaction, so that a concurrent opener sees either the old schema or all of
   * the new one; the version is read again under the lock. */
  if (!exec (store, "BEGIN IMMEDIATE", error))
    return FALSE;
  version = query_int (store, "PRAGMA user_version");
  if (version < SCHEMA_VERSION && !migrate_locked (store, version, error))
    {
      exec (store, "ROLLBACK", NULL);
      return FALSE;
    }
  return exec (store, "COMMIT", error);
}

static gboolean
key_read (SqliteStore *store, const char *path, GError **error)
{
  return fct_store_key_read (store->key, path, error);
}

/* The key of the database at db_path. A missing key is created only for a database
 * that holds no HMAC yet (new, or version 1): for one with content, a new key would
 * silently make every IBAN unknown. */
static gboolean
key_load (SqliteStore *store, const char *db_path, const char *key_path,
          gboolean may_create, GError **error)
{
  g_autofree char *path = NULL;

  if (key_path == NULL && g_str_equal (db_path, ":memory:"))
    {
      if (getrandom (store->key, KEY_BYTES, 0) == KEY_BYTES)
        return TRUE;
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: no random bytes for the key: %s"), g_strerror (errno));
      return FALSE;
    }
  path = key_path != NULL ? g_strdup (key_path) : g_strconcat (db_path, ".key", NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS) || !may_create)
    return key_read (store, path, error);
  return fct_store_key_create (store->key, path, error);
}

/* Creates the database file mode 0600 before SQLite does (SQLite would follow the
 * umask; its -wal and -shm files then take the database's mode), and narrows an existing
 * one: it tells which suppliers a business pays. An existing file is not opened: closing
 * a descriptor drops every POSIX lock the process holds on the file (POSIX fcntl(),
 * "How To Corrupt An SQLite Database File" §2.2), those of its open connections too, and
 * another process would then take itself for the last connection and delete the WAL
 * file under them. A symbolic link is refused, as O_NOFOLLOW did. */
static gboolean
db_file_prepare (const char *path, GError **error)
{
  struct stat st;
  int fd, saved;

  if (g_str_equal (path, ":memory:") || g_str_has_prefix (path, "file:"))
    return TRUE;
  fd = g_open (path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0)
    {
      close (fd); /* a file just made: nothing holds a lock on it */
      return TRUE;
    }
  saved = errno;
  if (saved == EEXIST)
    {
      if (g_lstat (path, &st) != 0)
        saved = errno;
      else if (S_ISLNK (st.st_mode))
        saved = ELOOP;
      else if (S_ISDIR (st.st_mode))
        saved = EISDIR;
      else
        {
          if ((st.st_mode & 077) != 0 && st.st_uid == geteuid ())
            (void)g_chmod (path, 0600);
          return TRUE;
        }
    }
  g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN,
               _ ("store: cannot open %s: %s"), path, g_strerror (saved));
  return FALSE;
}

FctStore *
fct_store_sqlite_open (const char *path, const FctStoreOptions *options, GError **error)
{
  g_autoptr (FctStore) base = NULL;
  SqliteStore *store;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  gint64 version;

  g_return_val_if_fail (path != NULL, NULL);
  store = g_new0 (SqliteStore, 1);
  store->base.backend = &sqlite_backend;
  store->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stmt_finalize);
  base = &store->base;
  if (options != NULL)
    store->options = *options;
  if (store->options.ibans_per_domain_max == 0)
    store->options.ibans_per_domain_max = 100;
  if (store->options.ibans_max == 0)
    store->options.ibans_max = 1000000;
  if (store->options.busy_timeout_ms == 0)
    store->options.busy_timeout_ms = 5000;
  /* The caller's string need not outlive the call. */
  store->options.key_path = NULL;
  if (!db_file_prepare (path, error))
    return NULL;

  if (sqlite3_open_v2 (path, &store->db, flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN,
                   _ ("store: cannot open %s: %s"), path,
                   store->db != NULL ? sqlite3_errmsg (store->db) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (store->db, (int)MIN (store->options.busy_timeout_ms, G_MAXINT));
  sqlite3_create_function (store->db, "fct_iban_mac", 1,
                           SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, store,
                           sql_iban_mac, NULL, NULL);
  /* WAL lets readers and one writer work at once (several facteur processes sharing
   * one file); synchronous=NORMAL is the setting SQLite recommends with WAL. A
   * :memory: database answers "memory" and that is fine. secure_delete overwrites what
   * is deleted, so that a pruned or converted IBAN leaves nothing in the file. */
  if (!exec (store,
             "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
             " PRAGMA secure_delete = ON;",
             error))
    return NULL;
  if ((version = query_int (store, "PRAGMA user_version")) < 0)
    {
      sql_error (store, error, "user_version");
      return NULL;
    }
  /* A newer schema is refused by migrate() below, whatever its key. */
  if (version <= SCHEMA_VERSION
      && !key_load (store, path, options != NULL ? options->key_path : NULL,
                    version < SCHEMA_VERSION, error))
    return NULL;
  if (store->options.durable && !exec (store, "PRAGMA synchronous = FULL;", error))
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
  return g_steal_pointer (&base);
}

static void
sqlite_close (FctStore *base)
{
  SqliteStore *store = (SqliteStore *)base;

  for (int i = 0; i < N_STMTS; i++)
    sqlite3_finalize (store->stmts[i]);
  if (store->cache != NULL)
    g_hash_table_destroy (store->cache);
  sqlite3_close (store->db);
  explicit_bzero (store->key, sizeof store->key);
  g_free (store);
}

static sqlite3_stmt *
stmt_get (SqliteStore *store, int which)
{
  sqlite3_stmt *stmt = store->stmts[which];
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

/* Ends every kept statement. One left on a row holds its read transaction open past
 * COMMIT: the connection's next BEGIN IMMEDIATE then fails at once with
 * SQLITE_BUSY_SNAPSHOT whenever another connection wrote meanwhile (the busy handler
 * is not called for it), and the WAL cannot be checkpointed past that snapshot. */
static void
stmts_reset (SqliteStore *store)
{
  for (int i = 0; i < N_STMTS; i++)
    sqlite3_reset (store->stmts[i]);
}

/* Runs a statement that returns nothing; returns sqlite3_changes or -1. */
static gint64
run_changes (SqliteStore *store, sqlite3_stmt *stmt)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return -1;
  return sqlite3_changes64 (store->db);
}

static gboolean
rows_add (SqliteStore *store, gint64 delta)
{
  sqlite3_stmt *stmt = stmt_get (store, STMT_ROWS_ADD);
  sqlite3_bind_int64 (stmt, 1, delta);
  return run_changes (store, stmt) >= 0;
}

typedef struct
{
  const char *domain;
  guint8 iban[32];    /* HMAC of the IBAN */
  guint8 message[32]; /* HMAC of the message key */
  char last4[5];
} Key;

static gboolean
key_init (SqliteStore *store, Key *k, const char *domain, const char *iban,
          const char *message_key, GError **error)
{
  gsize len = strlen (iban);

  if (domain[0] == '\0' || len == 0)
    {
      g_set_error_literal (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID,
                           _ ("store: empty sender domain or IBAN"));
      return FALSE;
    }
  k->domain = domain;
  mac (store, "iban", iban, k->iban);
  mac (store, "message", message_key != NULL ? message_key : "", k->message);
  g_strlcpy (k->last4, iban + (len > 4 ? len - 4 : 0), sizeof k->last4);
  return TRUE;
}

/* Fills known, first_seen (now when unknown) and others; returns 1 when the row exists,
 * 0 when not, -1 on error. */
static int
lookup (SqliteStore *store, const Key *k, gint64 now, FctStoreIbanSighting *out,
        GError **error)
{
  sqlite3_stmt *stmt;
  int exists;

  stmt = stmt_get (store, STMT_FIND);
  sqlite3_bind_text (stmt, 1, k->domain, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 2, k->iban, sizeof k->iban, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, k->message, sizeof k->message, SQLITE_STATIC);
  switch (sqlite3_step (stmt))
    {
    case SQLITE_ROW:
      exists = 1;
      out->first_seen = sqlite3_column_int64 (stmt, 0);
      out->known = sqlite3_column_int (stmt, 1) != 0;
      break;
    case SQLITE_DONE:
      exists = 0;
      out->known = FALSE;
      out->first_seen = now;
      break;
    default:
      sql_error (store, error, "find");
      return -1;
    }

  stmt = stmt_get (store, STMT_COUNT_OTHERS);
  sqlite3_bind_text (stmt, 1, k->domain, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 2, k->iban, sizeof k->iban, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, k->message, sizeof k->message, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sql_error (store, error, "count");
      return -1;
    }
  out->others = (guint)MIN (sqlite3_column_int64 (stmt, 0), G_MAXUINT);
  return exists;
}

static gint64
domain_rows (SqliteStore *store, const char *domain)
{
  sqlite3_stmt *stmt = stmt_get (store, STMT_COUNT_DOMAIN);

  sqlite3_bind_text (stmt, 1, domain, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : -1;
}

static gboolean
record_locked (SqliteStore *store, const Key *k, gint64 now, FctStoreIbanSighting *out,
               GError **error)
{
  sqlite3_stmt *stmt;
  gint64 rows, deleted;
  int exists;

  if ((exists = lookup (store, k, now, out, error)) < 0)
    return FALSE;
  if (exists)
    {
      stmt = stmt_get (store, STMT_UPDATE);
      sqlite3_bind_text (stmt, 1, k->domain, -1, SQLITE_STATIC);
      sqlite3_bind_blob (stmt, 2, k->iban, sizeof k->iban, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, now);
      sqlite3_bind_blob (stmt, 4, k->message, sizeof k->message, SQLITE_STATIC);
      return run_changes (store, stmt) >= 0 || sql_error (store, error, "update");
    }
  stmt = stmt_get (store, STMT_INSERT);
  sqlite3_bind_text (stmt, 1, k->domain, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 2, k->iban, sizeof k->iban, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, k->last4, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_blob (stmt, 5, k->message, sizeof k->message, SQLITE_STATIC);
  if (run_changes (store, stmt) < 0)
    return sql_error (store, error, "insert");
  if (!rows_add (store, 1))
    return sql_error (store, error, "meta");

  /* Bounds: the rows this domain saw least recently, then the oldest overall. */
  if ((rows = domain_rows (store, k->domain)) < 0)
    return sql_error (store, error, "count");
  if ((guint64)rows > store->options.ibans_per_domain_max)
    {
      stmt = stmt_get (store, STMT_PRUNE_DOMAIN);
      sqlite3_bind_text (stmt, 1, k->domain, -1, SQLITE_STATIC);
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

static gboolean
sqlite_iban_record (FctStore *base, const char *org_domain, const char *iban,
                    const char *message_key, gint64 now, FctStoreIbanSighting *out,
                    GError **error)
{
  SqliteStore *store = (SqliteStore *)base;
  FctStoreIbanSighting sighting = { 0 };
  Key k;

  if (!key_init (store, &k, org_domain, iban, message_key, error))
    return FALSE;
  /* IMMEDIATE takes the write lock now: the read and the write below see one state
   * even with another process recording the same IBAN. */
  if (!exec (store, "BEGIN IMMEDIATE", error))
    return FALSE;
  gboolean ok = record_locked (store, &k, now, &sighting, error);
  stmts_reset (store);
  if (!ok)
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

static gboolean
sqlite_iban_lookup (FctStore *base, const char *org_domain, const char *iban,
                    const char *message_key, FctStoreIbanSighting *out, GError **error)
{
  SqliteStore *store = (SqliteStore *)base;
  FctStoreIbanSighting sighting = { 0 };
  Key k;

  if (!key_init (store, &k, org_domain, iban, message_key, error))
    return FALSE;
  int found = lookup (store, &k, 0, &sighting, error);
  stmts_reset (store);
  if (found < 0)
    return FALSE;
  if (out != NULL)
    *out = sighting;
  return TRUE;
}

static gint64
sqlite_iban_count (FctStore *base, const char *sender_domain, GError **error)
{
  SqliteStore *store = (SqliteStore *)base;
  gint64 rows;

  if ((rows = domain_rows (store, sender_domain)) < 0)
    sql_error (store, error, "count");
  stmts_reset (store);
  return rows;
}

/* ---- facteur serve ---------------------------------------------------------------- */

static FctStoreRows *sqlite_query (FctStore *base, const char *what, const char *sql,
                                   const FctStoreValue *params, guint n, GError **error);

static GPtrArray *
message_rows (SqliteStore *store, const char *sql, const FctStoreValue *params, guint n,
              GError **error)
{
  g_autoptr (FctStoreRows) rows
      = sqlite_query (&store->base, "messages", sql, params, n, error);
  return rows != NULL ? fct_store_message_rows (rows) : NULL;
}

static GPtrArray *
sqlite_messages_unchecked (FctStore *base, GError **error)
{
  /* checked = 0: the terms of the partial index messages_unchecked. */
  return message_rows ((SqliteStore *)base,
                       "SELECT " FCT_STORE_MESSAGE_COLUMNS " FROM messages"
                       " WHERE checked = 0 ORDER BY id",
                       NULL, 0, error);
}

static GPtrArray *
sqlite_messages_recent (FctStore *base, guint limit, GError **error)
{
  FctStoreValue n = fct_store_int (limit);
  return message_rows ((SqliteStore *)base,
                       "SELECT " FCT_STORE_MESSAGE_COLUMNS " FROM messages"
                       " ORDER BY id DESC LIMIT $1",
                       &n, 1, error);
}

static FctStoreMessage *
sqlite_message_latest (FctStore *base, const char *token, GError **error)
{
  FctStoreValue t = fct_store_text (token);
  g_autoptr (GPtrArray) rows
      = message_rows ((SqliteStore *)base,
                      "SELECT " FCT_STORE_MESSAGE_COLUMNS " FROM messages WHERE token = $1"
                      " ORDER BY id DESC LIMIT 1",
                      &t, 1, error);
  if (rows == NULL || rows->len == 0)
    return NULL;
  return g_ptr_array_steal_index (rows, 0);
}

/* ---- portable statements (feedback.c) --------------------------------------------- */

/* The statement of sql, prepared once and kept (a report's records run the same insert
 * thousands of times), or NULL and error. */
static sqlite3_stmt *
cached (SqliteStore *store, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (store->cache, sql);

  if (stmt != NULL)
    return stmt;
  if (sqlite3_prepare_v3 (store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL)
      != SQLITE_OK)
    {
      sql_error (store, error, "prepare");
      return NULL;
    }
  g_hash_table_insert (store->cache, g_strdup (sql), stmt);
  return stmt;
}

static void
bind_value (sqlite3_stmt *stmt, int index, const FctStoreValue *v)
{
  switch (v->type)
    {
    case FCT_STORE_INT:
      sqlite3_bind_int64 (stmt, index, v->i);
      break;
    case FCT_STORE_DOUBLE:
      sqlite3_bind_double (stmt, index, v->d);
      break;
    case FCT_STORE_TEXT:
      sqlite3_bind_text (stmt, index, v->s, -1, SQLITE_STATIC);
      break;
    case FCT_STORE_BLOB:
      sqlite3_bind_blob64 (stmt, index, v->s, v->len, SQLITE_STATIC);
      break;
    case FCT_STORE_NULL:
      sqlite3_bind_null (stmt, index);
      break;
    }
}

static FctStoreValue
column_value (sqlite3_stmt *stmt, int c)
{
  switch (sqlite3_column_type (stmt, c))
    {
    case SQLITE_INTEGER:
      return fct_store_int (sqlite3_column_int64 (stmt, c));
    case SQLITE_FLOAT:
      return (FctStoreValue){ .type = FCT_STORE_DOUBLE,
                              .d = sqlite3_column_double (stmt, c) };
    case SQLITE_TEXT:
      return fct_store_text ((const char *)sqlite3_column_text (stmt, c));
    case SQLITE_BLOB:
      {
        const void *data = sqlite3_column_blob (stmt, c);
        gsize len = (gsize)sqlite3_column_bytes (stmt, c);
        /* An empty blob reads back as NULL data: still bytes, not SQL NULL. */
        return fct_store_blob (data != NULL ? data : "", len);
      }
    default:
      return fct_store_text (NULL);
    }
}

/* Parameters are $1..$n, named parameters to SQLite: bound by name, so that one may
 * come twice or out of order in the text. The statement is stepped to its end and reset
 * (one left on a row would hold its read transaction open: see stmts_reset). */
static FctStoreRows *
sqlite_query (FctStore *base, const char *what, const char *sql,
              const FctStoreValue *params, guint n, GError **error)
{
  SqliteStore *store = (SqliteStore *)base;
  sqlite3_stmt *stmt = cached (store, sql, error);
  FctStoreRows *rows;
  int rc, columns;

  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      char name[16];
      g_snprintf (name, sizeof name, "$%u", i + 1);
      int index = sqlite3_bind_parameter_index (stmt, name);
      if (index > 0)
        bind_value (stmt, index, &params[i]);
    }
  columns = sqlite3_column_count (stmt);
  rows = fct_store_rows_new ((guint)columns);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int c = 0; c < columns; c++)
      fct_store_rows_add (rows, column_value (stmt, c));
  if (rc != SQLITE_DONE)
    {
      sql_error (store, error, what);
      g_clear_pointer (&rows, fct_store_rows_free);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rows;
}

static gboolean
sqlite_exec (FctStore *base, const char *sql, GError **error)
{
  return exec ((SqliteStore *)base, sql, error);
}

/* IMMEDIATE takes the write lock at once: a batch of reports then never fails half-way
 * on a lock another process took. */
static gboolean
sqlite_begin (FctStore *base, GError **error)
{
  return exec ((SqliteStore *)base, "BEGIN IMMEDIATE", error);
}

static gboolean
sqlite_commit (FctStore *base, GError **error)
{
  return exec ((SqliteStore *)base, "COMMIT", error);
}

static void
sqlite_rollback (FctStore *base)
{
  SqliteStore *store = (SqliteStore *)base;
  if (!sqlite3_get_autocommit (store->db))
    exec (store, "ROLLBACK", NULL);
}

static const FctStoreBackend sqlite_backend = {
  .close = sqlite_close,
  .iban_record = sqlite_iban_record,
  .iban_lookup = sqlite_iban_lookup,
  .iban_count = sqlite_iban_count,
  .messages_unchecked = sqlite_messages_unchecked,
  .message_latest = sqlite_message_latest,
  .messages_recent = sqlite_messages_recent,
  .query = sqlite_query,
  .exec = sqlite_exec,
  .begin = sqlite_begin,
  .commit = sqlite_commit,
  .rollback = sqlite_rollback,
};
