/* facteur — the SQLite store (include/facteur/store.h): IBANs seen per sender
 * organization, kept as HMAC-SHA-256 under a key file beside the database, with the
 * message each was first seen in. Schema versioned with PRAGMA user_version, WAL journal,
 * rows bounded per domain and in all (the least recently seen go first). */
#include <facteur/store.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK (fct - store - error - quark, fct_store_error)

/* Version 1: iban_sightings (IBANs in clear) and meta (row count, so that pruning never
 * scans). Version 2: iban_history, IBANs as HMACs, with the message of the first
 * sighting. */
#define SCHEMA_VERSION 2

/* The HMAC key: 32 bytes, the output size of SHA-256 (RFC 2104 §3: a key shorter than
 * the output weakens the function). */
#define KEY_BYTES 32

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

struct _FctStore
{
  sqlite3 *db;
  sqlite3_stmt *stmts[N_STMTS];
  FctStoreOptions options;
  guint8 key[KEY_BYTES];
};

guint
fct_store_schema_version (void)
{
  return SCHEMA_VERSION;
}

/* HMAC-SHA-256 of a string under the store's key; domain separates IBANs from message
 * keys. */
static void
mac (const FctStore *store, const char *domain, const char *value, guint8 out[32])
{
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, store->key, KEY_BYTES);
  gsize len = 32;

  g_hmac_update (hmac, (const guchar *)domain, (gssize)strlen (domain) + 1);
  g_hmac_update (hmac, (const guchar *)value, -1);
  g_hmac_get_digest (hmac, out, &len);
}

static void
sql_iban_mac (sqlite3_context *context, int argc, sqlite3_value **argv)
{
  const FctStore *store = sqlite3_user_data (context);
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
migrate_locked (FctStore *store, gint64 version, GError **error)
{
  g_autofree char *set_version
      = g_strdup_printf ("PRAGMA user_version = %d;", SCHEMA_VERSION);

  if (version == 0)
    return exec (store, schema_history, error) && exec (store, schema_meta, error)
           && exec (store, set_version, error);
  /* Version 1. */
  return exec (store, schema_history, error) && exec (store, migrate_v1, error)
         && exec (store, set_version, error);
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

/* Reads the key: exactly KEY_BYTES bytes in a regular file that only its owner may
 * read. */
static gboolean
key_read (FctStore *store, const char *path, GError **error)
{
  struct stat st;
  ssize_t n;
  int fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: cannot read the key %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size != KEY_BYTES
      || (n = read (fd, store->key, KEY_BYTES)) != KEY_BYTES)
    {
      close (fd);
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: the key %s is not a file of %d bytes"), path, KEY_BYTES);
      return FALSE;
    }
  /* A key others could read would let them test IBANs against the database. */
  if ((st.st_mode & 077) != 0 && st.st_uid == geteuid ())
    fchmod (fd, 0600);
  close (fd);
  return TRUE;
}

/* Creates the key file with KEY_BYTES from the kernel's random generator, mode 0600.
 * Written to a temporary file then linked into place, so that a concurrent opener reads
 * either no key or a whole one; if another process linked first, its key is used. */
static gboolean
key_create (FctStore *store, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_build_filename (dir, ".facteur-key-XXXXXX", NULL);
  guint8 key[KEY_BYTES];
  int fd, saved;
  gboolean ok;

  if (getrandom (key, sizeof key, 0) != (ssize_t)sizeof key)
    {
      saved = errno;
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: no random bytes for the key: %s"), g_strerror (saved));
      return FALSE;
    }
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: cannot create the key in %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  ok = write (fd, key, sizeof key) == (ssize_t)sizeof key && fsync (fd) == 0;
  saved = errno;
  close (fd);
  if (ok && link (tmp, path) != 0)
    {
      saved = errno;
      ok = saved == EEXIST;
    }
  g_unlink (tmp);
  explicit_bzero (key, sizeof key);
  if (!ok)
    {
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: cannot create the key %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return key_read (store, path, error);
}

/* The key of the database at db_path. A missing key is created only for a database
 * that holds no HMAC yet (new, or version 1): for one with content, a new key would
 * silently make every IBAN unknown. */
static gboolean
key_load (FctStore *store, const char *db_path, const char *key_path, gboolean may_create,
          GError **error)
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
  return key_create (store, path, error);
}

/* Creates the database file mode 0600 before SQLite does (SQLite would follow the
 * umask; its -wal and -shm files then take the database's mode), and narrows an existing
 * one: it tells which suppliers a business pays. */
static gboolean
db_file_prepare (const char *path, GError **error)
{
  struct stat st;
  int fd;

  if (g_str_equal (path, ":memory:") || g_str_has_prefix (path, "file:"))
    return TRUE;
  fd = g_open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN,
                   _ ("store: cannot open %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) == 0 && (st.st_mode & 077) != 0 && st.st_uid == geteuid ())
    fchmod (fd, 0600);
  close (fd);
  return TRUE;
}

FctStore *
fct_store_open (const char *path, const FctStoreOptions *options, GError **error)
{
  g_autoptr (FctStore) store = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  gint64 version;

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
  explicit_bzero (store->key, sizeof store->key);
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

typedef struct
{
  const char *domain;
  guint8 iban[32];    /* HMAC of the IBAN */
  guint8 message[32]; /* HMAC of the message key */
  char last4[5];
} Key;

static gboolean
key_init (FctStore *store, Key *k, const char *domain, const char *iban,
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
lookup (FctStore *store, const Key *k, gint64 now, FctStoreIbanSighting *out,
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
domain_rows (FctStore *store, const char *domain)
{
  sqlite3_stmt *stmt = stmt_get (store, STMT_COUNT_DOMAIN);

  sqlite3_bind_text (stmt, 1, domain, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : -1;
}

static gboolean
record_locked (FctStore *store, const Key *k, gint64 now, FctStoreIbanSighting *out,
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

gboolean
fct_store_iban_record (FctStore *store, const char *org_domain, const char *iban,
                       const char *message_key, gint64 now, FctStoreIbanSighting *out,
                       GError **error)
{
  FctStoreIbanSighting sighting = { 0 };
  Key k;

  g_return_val_if_fail (store != NULL && org_domain != NULL && iban != NULL, FALSE);
  if (!key_init (store, &k, org_domain, iban, message_key, error))
    return FALSE;
  /* IMMEDIATE takes the write lock now: the read and the write below see one state
   * even with another process recording the same IBAN. */
  if (!exec (store, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!record_locked (store, &k, now, &sighting, error))
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
fct_store_iban_lookup (FctStore *store, const char *org_domain, const char *iban,
                       const char *message_key, FctStoreIbanSighting *out, GError **error)
{
  FctStoreIbanSighting sighting = { 0 };
  Key k;

  g_return_val_if_fail (store != NULL && org_domain != NULL && iban != NULL, FALSE);
  if (!key_init (store, &k, org_domain, iban, message_key, error)
      || lookup (store, &k, 0, &sighting, error) < 0)
    return FALSE;
  if (out != NULL)
    *out = sighting;
  return TRUE;
}

gint64
fct_store_iban_count (FctStore *store, const char *sender_domain, GError **error)
{
  gint64 rows;

  g_return_val_if_fail (store != NULL && sender_domain != NULL, -1);
  if ((rows = domain_rows (store, sender_domain)) < 0)
    sql_error (store, error, "count");
  return rows;
}
