/* facteur — the PostgreSQL store (include/facteur/store.h), for several machines that
 * share what facteur remembers: the same tables as the SQLite store, IBANs as
 * HMAC-SHA-256 under a key file that every machine holds (never in the database), schema
 * steps from src/lib/store/migrations applied on open under an advisory lock, and
 * writes that stay right with many writers at once (INSERT ... ON CONFLICT). */
#include "store-private.h"

#include <glib/gi18n-lib.h>
#include <libpq-fe.h>
#include <string.h>

#include "pg-migrations.h"

#define PG_SCHEMA_VERSION ((int)G_N_ELEMENTS (pg_migrations))

/* pg_advisory_xact_lock's key for the schema steps: two processes that start at once
 * apply them one after the other. Any constant of our own ("fct_" in ASCII). */
#define MIGRATION_LOCK "1717794655"

/* A deadlock (40P01) or serialization failure (40001) undoes the whole transaction,
 * which may simply run again (PostgreSQL manual §13.6). */
#define RETRIES 3

/* The text whose HMAC under the key is kept in key_check. */
#define KEY_CHECK_TEXT "facteur key check"

typedef struct
{
  FctStore base;
  PGconn *conn;
  FctStoreOptions options;
  guint8 key[FCT_STORE_KEY_BYTES];
  gboolean keyed;          /* FALSE when opened without_key: no IBAN calls */
  gboolean in_transaction; /* begun by fct_store_begin, not yet ended */
  char sqlstate[6];        /* of the last failure */
} PgStore;

static const FctStoreBackend pg_backend;
static void notice_ignore (void *arg, const char *message);

/* The failure of conn or of res, as an FCT_STORE_ERROR_SQL, or
 * FCT_STORE_ERROR_UNAVAILABLE when the connection is gone; returns FALSE. */
static gboolean
pg_error (PgStore *store, const PGresult *res, GError **error, const char *what)
{
  const char *message = res != NULL ? PQresultErrorMessage (res) : "";
  g_autofree char *text
      = g_strstrip (g_strdup (message[0] != '\0' ? message : PQerrorMessage (store->conn)));
  /* A connection lost (server stopped, network cut) is an outage, not a refusal. */
  g_set_error (error, FCT_STORE_ERROR,
               PQstatus (store->conn) == CONNECTION_OK ? FCT_STORE_ERROR_SQL
                                                       : FCT_STORE_ERROR_UNAVAILABLE,
               _ ("store: %s: %s"), what, text);
  return FALSE;
}

/* Runs sql with text parameters (NULL is SQL NULL) and binary ones where lengths[i] > 0
 * (bytea). Returns the result when its status is ok, else NULL, sets error and frees
 * it. */
static PGresult *
run (PgStore *store, const char *what, const char *sql, int n, const char *const *values,
     const int *lengths, ExecStatusType ok, GError **error)
{
  int formats[16] = { 0 };
  PGresult *res;

  g_assert (n <= (int)G_N_ELEMENTS (formats));
  for (int i = 0; lengths != NULL && i < n; i++)
    formats[i] = lengths[i] > 0;
  res = PQexecParams (store->conn, sql, n, NULL, values, lengths, formats, 0);
  if (PQresultStatus (res) == ok)
    return res;
  const char *state = PQresultErrorField (res, PG_DIAG_SQLSTATE);
  g_strlcpy (store->sqlstate, state != NULL ? state : "", sizeof store->sqlstate);
  pg_error (store, res, error, what);
  PQclear (res);
  return NULL;
}

static gboolean
command (PgStore *store, const char *what, const char *sql, int n,
         const char *const *values, const int *lengths, GError **error)
{
  PGresult *res = run (store, what, sql, n, values, lengths, PGRES_COMMAND_OK, error);
  PQclear (res);
  return res != NULL;
}

/* Runs sql, which may hold several statements (the schema steps), without
 * parameters. */
static gboolean
exec (PgStore *store, const char *sql, GError **error)
{
  PGresult *res = PQexec (store->conn, sql);
  gboolean ok
      = PQresultStatus (res) == PGRES_COMMAND_OK || PQresultStatus (res) == PGRES_TUPLES_OK;

  if (!ok)
    {
      const char *state = PQresultErrorField (res, PG_DIAG_SQLSTATE);
      g_strlcpy (store->sqlstate, state != NULL ? state : "", sizeof store->sqlstate);
      pg_error (store, res, error, "exec");
    }
  PQclear (res);
  return ok;
}

static void
rollback (PgStore *store)
{
  PQclear (PQexec (store->conn, "ROLLBACK"));
}

/* The last statement failed on a deadlock or a serialization failure. */
static gboolean
retryable (const PgStore *store)
{
  return g_str_equal (store->sqlstate, "40P01") || g_str_equal (store->sqlstate, "40001");
}

static gint64
value_int (const PGresult *res, int row, int col)
{
  return PQgetisnull (res, row, col)
             ? 0
             : g_ascii_strtoll (PQgetvalue (res, row, col), NULL, 10);
}

static gboolean
value_bool (const PGresult *res, int row, int col)
{
  return !PQgetisnull (res, row, col) && PQgetvalue (res, row, col)[0] == 't';
}

/* A lost connection (server restarted, network cut) is opened again on the next call:
 * the caller decides how often to call. */
static gboolean
connected (PgStore *store, GError **error)
{
  if (PQstatus (store->conn) == CONNECTION_OK)
    return TRUE;
  PQreset (store->conn);
  if (PQstatus (store->conn) == CONNECTION_OK)
    return TRUE;
  return pg_error (store, NULL, error, "connect");
}

/* The key given in the options, compared with (or, for a database that has none yet,
 * recorded as) the HMAC in key_check. Runs inside the migration transaction. A missing
 * key file is created only for a database that holds no key check yet: for one with
 * IBANs, a new key would silently make every IBAN unknown. */
static gboolean
key_load (PgStore *store, const char *key_path, GError **error)
{
  guint8 check[32];
  const char *values[1];
  int lengths[1] = { sizeof check };
  PGresult *res;
  gboolean have;

  if (key_path == NULL)
    {
      g_set_error_literal (
          error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
          _ ("store: a PostgreSQL database needs a key file (db-key), the same file on "
             "every machine that shares the database"));
      return FALSE;
    }
  res = run (store, "key", "SELECT count(*) FROM key_check", 0, NULL, NULL, PGRES_TUPLES_OK,
             error);
  if (res == NULL)
    return FALSE;
  have = value_int (res, 0, 0) > 0;
  PQclear (res);
  if (!g_file_test (key_path, G_FILE_TEST_EXISTS) && !have)
    {
      if (!fct_store_key_create (store->key, key_path, error))
        return FALSE;
    }
  else if (!fct_store_key_read (store->key, key_path, error))
    return FALSE;

  fct_store_mac (store->key, "check", KEY_CHECK_TEXT, check);
  values[0] = (const char *)check;
  if (!have)
    return command (store, "key", "INSERT INTO key_check VALUES ($1)", 1, values, lengths,
                    error);
  res = run (store, "key", "SELECT bool_or (mac = $1) FROM key_check", 1, values, lengths,
             PGRES_TUPLES_OK, error);
  if (res == NULL)
    return FALSE;
  have = value_bool (res, 0, 0);
  PQclear (res);
  if (!have)
    {
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                   _ ("store: the key %s is not the key this database's IBANs were "
                      "recorded with"),
                   key_path);
      return FALSE;
    }
  return TRUE;
}

/* Applies the schema steps this database lacks, checks the key, in one transaction
 * under an advisory lock: two processes starting at once do not both create the
 * tables, and a concurrent opener sees the old schema or all of the new one. */
static gboolean
migrate_locked (PgStore *store, const char *key_path, GError **error)
{
  PGresult *res;
  gint64 version;

  res = run (store, "lock", "SELECT pg_advisory_xact_lock (" MIGRATION_LOCK ")", 0, NULL,
             NULL, PGRES_TUPLES_OK, error);
  if (res == NULL)
    return FALSE;
  PQclear (res);
  if (!exec (store, "CREATE TABLE IF NOT EXISTS facteur_schema (version INTEGER NOT NULL)",
             error))
    return FALSE;
  res = run (store, "schema", "SELECT max (version) FROM facteur_schema", 0, NULL, NULL,
             PGRES_TUPLES_OK, error);
  if (res == NULL)
    return FALSE;
  version = value_int (res, 0, 0);
  PQclear (res);
  if (version > PG_SCHEMA_VERSION)
    {
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_VERSION,
                   _ ("store: the database has schema version %lld, newer than this "
                      "facteur's (%d)"),
                   (long long)version, PG_SCHEMA_VERSION);
      return FALSE;
    }
  for (gint64 step = version; step < PG_SCHEMA_VERSION; step++)
    if (!exec (store, pg_migrations[step], error))
      return FALSE;
  if (version < PG_SCHEMA_VERSION)
    {
      g_autofree char *set = g_strdup_printf (
          "DELETE FROM facteur_schema; INSERT INTO facteur_schema VALUES (%d)",
          PG_SCHEMA_VERSION);
      if (!exec (store, set, error))
        return FALSE;
    }
  if (store->options.without_key)
    return TRUE;
  store->keyed = TRUE;
  return key_load (store, key_path, error);
}

FctStore *
fct_store_pg_open (const char *uri, const FctStoreOptions *options, GError **error)
{
  /* connect_timeout comes before the URI so that the URI's own setting wins
   * (PQconnectdbParams with expand_dbname, PostgreSQL manual §34.1). */
  static const char *const keywords[]
      = { "connect_timeout", "application_name", "dbname", NULL };
  const char *values[] = { "5", "facteur", uri, NULL };
  g_autoptr (FctStore) base = NULL;
  PgStore *store;

  store = g_new0 (PgStore, 1);
  store->base.backend = &pg_backend;
  base = &store->base;
  if (options != NULL)
    store->options = *options;
  if (store->options.ibans_per_domain_max == 0)
    store->options.ibans_per_domain_max = 100;
  if (store->options.ibans_max == 0)
    store->options.ibans_max = 1000000;
  /* The caller's string need not outlive the call. */
  store->options.key_path = NULL;

  store->conn = PQconnectdbParams (keywords, values, 1);
  if (store->conn == NULL || PQstatus (store->conn) != CONNECTION_OK)
    {
      g_autofree char *why = g_strstrip (
          g_strdup (store->conn != NULL ? PQerrorMessage (store->conn) : "out of memory"));
      /* The URI may hold a password: name the server only. */
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN,
                   _ ("store: cannot connect to PostgreSQL: %s"), why);
      return NULL;
    }
  PQsetNoticeProcessor (store->conn, notice_ignore, NULL);
  /* Every commit is durable whatever options.durable says: synchronous_commit=off
   * would lose the last commits when the server crashes (an outage the milter is
   * built to ride out), where SQLite's synchronous=NORMAL loses nothing when a process
   * dies. */
  if (!exec (store, "BEGIN", error))
    return NULL;
  if (!migrate_locked (store, options != NULL ? options->key_path : NULL, error))
    {
      rollback (store);
      return NULL;
    }
  if (!exec (store, "COMMIT", error))
    return NULL;
  return g_steal_pointer (&base);
}

/* libpq prints the server's notices on standard error by default; the library never
 * prints. */
static void
notice_ignore (void *arg, const char *message)
{
  (void)arg;
  (void)message;
}

static void
pg_close (FctStore *base)
{
  PgStore *store = (PgStore *)base;

  PQfinish (store->conn);
  explicit_bzero (store->key, sizeof store->key);
  g_free (store);
}

/* ---- IBAN history ----------------------------------------------------------------- */

typedef struct
{
  const char *domain;
  guint8 iban[32];    /* HMAC of the IBAN */
  guint8 message[32]; /* HMAC of the message key */
  char last4[5];
} Key;

static gboolean
key_init (PgStore *store, Key *k, const char *domain, const char *iban,
          const char *message_key, GError **error)
{
  gsize len = strlen (iban);

  if (domain[0] == '\0' || len == 0)
    {
      g_set_error_literal (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID,
                           _ ("store: empty sender domain or IBAN"));
      return FALSE;
    }
  if (!store->keyed)
    {
      g_set_error_literal (error, FCT_STORE_ERROR, FCT_STORE_ERROR_KEY,
                           _ ("store: this database was opened without its key file: it "
                              "cannot read nor record IBANs"));
      return FALSE;
    }
  k->domain = domain;
  fct_store_mac (store->key, "iban", iban, k->iban);
  fct_store_mac (store->key, "message", message_key != NULL ? message_key : "", k->message);
  g_strlcpy (k->last4, iban + (len > 4 ? len - 4 : 0), sizeof k->last4);
  return TRUE;
}

/* Other IBANs of the domain that came in other messages than this one. */
#define COUNT_OTHERS                                                                       \
  "SELECT count(*) FROM iban_history WHERE domain = $1 AND iban_mac != $2"                 \
  " AND (first_message IS NULL OR first_message != $3 OR other_message)"

/* Deletes the rows beyond the bounds after a new one: the rows this domain saw least
 * recently, then the oldest overall. The row count in meta is updated last, so that the
 * one lock all writers share is held only until the commit that follows. */
static gboolean
bound (PgStore *store, const Key *k, GError **error)
{
  g_autofree char *per_domain = g_strdup_printf ("%u", store->options.ibans_per_domain_max);
  const char *values[2] = { k->domain, per_domain };
  gint64 deleted = 0, rows;
  g_autofree char *delta = NULL;
  PGresult *res;

  res = run (store, "prune",
             "DELETE FROM iban_history WHERE domain = $1 AND iban_mac IN"
             " (SELECT iban_mac FROM iban_history WHERE domain = $1"
             "  ORDER BY last_seen DESC, iban_mac OFFSET $2::bigint)",
             2, values, NULL, PGRES_COMMAND_OK, error);
  if (res == NULL)
    return FALSE;
  deleted = g_ascii_strtoll (PQcmdTuples (res), NULL, 10);
  PQclear (res);

  delta = g_strdup_printf ("%" G_GINT64_FORMAT, 1 - deleted);
  values[0] = delta;
  res = run (store, "meta",
             "UPDATE meta SET value = value + $1::bigint WHERE key = 'iban_rows'"
             " RETURNING value",
             1, values, NULL, PGRES_TUPLES_OK, error);
  if (res == NULL)
    return FALSE;
  rows = value_int (res, 0, 0);
  PQclear (res);
  if (rows <= (gint64)store->options.ibans_max)
    return TRUE;

  g_autofree char *excess
      = g_strdup_printf ("%" G_GINT64_FORMAT, rows - store->options.ibans_max);
  values[0] = excess;
  res = run (store, "prune",
             "WITH gone AS (DELETE FROM iban_history WHERE (domain, iban_mac) IN"
             " (SELECT domain, iban_mac FROM iban_history ORDER BY last_seen LIMIT"
             " $1::bigint) RETURNING 1)"
             " UPDATE meta SET value = value - (SELECT count(*) FROM gone)"
             " WHERE key = 'iban_rows'",
             1, values, NULL, PGRES_COMMAND_OK, error);
  PQclear (res);
  return res != NULL;
}

/* One attempt at recording, inside a transaction. The upsert is one statement, so
 * that concurrent writers of the same IBAN make one row: the first inserts, the others
 * wait for its commit and update it (PostgreSQL manual, INSERT "ON CONFLICT Clause").
 * For a row that existed, other_message after the update is exactly "known": it was
 * set before, or this message is not the first one. */
static gboolean
record_locked (PgStore *store, const Key *k, gint64 now, FctStoreIbanSighting *out,
               GError **error)
{
  g_autofree char *when = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  const char *values[5]
      = { k->domain, (const char *)k->iban, k->last4, when, (const char *)k->message };
  const int lengths[5] = { 0, sizeof k->iban, 0, 0, sizeof k->message };
  const char *count_values[3]
      = { k->domain, (const char *)k->iban, (const char *)k->message };
  const int count_lengths[3] = { 0, sizeof k->iban, sizeof k->message };
  gboolean inserted;
  PGresult *res;

  res = run (store, "record",
             "INSERT INTO iban_history AS h (domain, iban_mac, last4, first_seen,"
             " last_seen, first_message) VALUES ($1, $2, $3, $4::bigint, $4::bigint, $5)"
             " ON CONFLICT (domain, iban_mac) DO UPDATE SET"
             " last_seen = greatest (h.last_seen, EXCLUDED.last_seen),"
             " times = h.times + 1,"
             " other_message = h.other_message OR h.first_message IS NULL"
             "  OR h.first_message != EXCLUDED.first_message"
             " RETURNING h.first_seen, h.other_message, h.xmax = 0",
             5, values, lengths, PGRES_TUPLES_OK, error);
  if (res == NULL)
    return FALSE;
  out->first_seen = value_int (res, 0, 0);
  out->known = value_bool (res, 0, 1);
  inserted = value_bool (res, 0, 2);
  PQclear (res);

  res = run (store, "count", COUNT_OTHERS, 3, count_values, count_lengths, PGRES_TUPLES_OK,
             error);
  if (res == NULL)
    return FALSE;
  out->others = (guint)CLAMP (value_int (res, 0, 0), 0, G_MAXUINT);
  PQclear (res);
  return !inserted || bound (store, k, error);
}

static gboolean
pg_iban_record (FctStore *base, const char *org_domain, const char *iban,
                const char *message_key, gint64 now, FctStoreIbanSighting *out,
                GError **error)
{
  PgStore *store = (PgStore *)base;
  FctStoreIbanSighting sighting = { 0 };
  Key k;

  if (!key_init (store, &k, org_domain, iban, message_key, error)
      || !connected (store, error))
    return FALSE;
  for (int attempt = 1;; attempt++)
    {
      g_autoptr (GError) local = NULL;

      if (exec (store, "BEGIN", &local) && record_locked (store, &k, now, &sighting, &local)
          && exec (store, "COMMIT", &local))
        break;
      rollback (store);
      if (attempt == RETRIES || !retryable (store))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  if (out != NULL)
    *out = sighting;
  return TRUE;
}

static gboolean
pg_iban_lookup (FctStore *base, const char *org_domain, const char *iban,
                const char *message_key, FctStoreIbanSighting *out, GError **error)
{
  PgStore *store = (PgStore *)base;
  FctStoreIbanSighting sighting = { 0 };
  PGresult *res;
  Key k;

  if (!key_init (store, &k, org_domain, iban, message_key, error)
      || !connected (store, error))
    return FALSE;
  const char *values[3] = { k.domain, (const char *)k.iban, (const char *)k.message };
  const int lengths[3] = { 0, sizeof k.iban, sizeof k.message };
  /* One round trip; no row gives NULLs: unknown. */
  res = run (store, "lookup",
             "SELECT h.first_seen, h.domain IS NOT NULL AND (h.first_message IS NULL"
             "  OR h.first_message != $3 OR h.other_message), (" COUNT_OTHERS ")"
             " FROM (SELECT 1) AS one LEFT JOIN iban_history h"
             " ON h.domain = $1 AND h.iban_mac = $2",
             3, values, lengths, PGRES_TUPLES_OK, error);
  if (res == NULL)
    return FALSE;
  sighting.first_seen = value_int (res, 0, 0);
  sighting.known = value_bool (res, 0, 1);
  sighting.others = (guint)CLAMP (value_int (res, 0, 2), 0, G_MAXUINT);
  PQclear (res);
  if (out != NULL)
    *out = sighting;
  return TRUE;
}

static gint64
pg_iban_count (FctStore *base, const char *sender_domain, GError **error)
{
  PgStore *store = (PgStore *)base;
  const char *values[1] = { sender_domain };
  PGresult *res;
  gint64 rows;

  if (!connected (store, error))
    return -1;
  res = run (store, "count", "SELECT count(*) FROM iban_history WHERE domain = $1", 1,
             values, NULL, PGRES_TUPLES_OK, error);
  if (res == NULL)
    return -1;
  rows = value_int (res, 0, 0);
  PQclear (res);
  return rows;
}

/* ---- facteur serve ---------------------------------------------------------------- */

static FctStoreRows *pg_query (FctStore *base, const char *what, const char *sql,
                               const FctStoreValue *params, guint n, GError **error);

static GPtrArray *
message_rows (PgStore *store, const char *sql, const FctStoreValue *params, guint n,
              GError **error)
{
  g_autoptr (FctStoreRows) rows
      = pg_query (&store->base, "messages", sql, params, n, error);
  return rows != NULL ? fct_store_message_rows (rows) : NULL;
}

static GPtrArray *
pg_messages_unchecked (FctStore *base, GError **error)
{
  /* NOT checked: the terms of the partial index messages_unchecked. */
  return message_rows ((PgStore *)base,
                       "SELECT " FCT_STORE_MESSAGE_COLUMNS
                       " FROM messages WHERE NOT checked"
                       " ORDER BY id",
                       NULL, 0, error);
}

static GPtrArray *
pg_messages_recent (FctStore *base, guint limit, GError **error)
{
  FctStoreValue n = fct_store_int (limit);
  return message_rows ((PgStore *)base,
                       "SELECT " FCT_STORE_MESSAGE_COLUMNS " FROM messages ORDER BY id DESC"
                       " LIMIT $1",
                       &n, 1, error);
}

static FctStoreMessage *
pg_message_latest (FctStore *base, const char *token, GError **error)
{
  FctStoreValue t = fct_store_text (token);
  g_autoptr (GPtrArray) rows
      = message_rows ((PgStore *)base,
                      "SELECT " FCT_STORE_MESSAGE_COLUMNS " FROM messages WHERE token = $1"
                      " ORDER BY id DESC LIMIT 1",
                      &t, 1, error);
  if (rows == NULL || rows->len == 0)
    return NULL;
  return g_ptr_array_steal_index (rows, 0);
}

/* ---- portable statements (feedback.c) --------------------------------------------- */

/* Type OIDs of the results (PostgreSQL's src/include/catalog/pg_type.dat, fixed since
 * they were assigned). */
enum
{
  OID_BOOL = 16,
  OID_BYTEA = 17,
  OID_INT8 = 20,
  OID_INT2 = 21,
  OID_INT4 = 23,
  OID_FLOAT4 = 700,
  OID_FLOAT8 = 701,
  OID_NUMERIC = 1700,
};

static FctStoreValue
cell_value (const PGresult *res, int r, int c, guint8 **unescaped)
{
  const char *text = PQgetvalue (res, r, c);

  if (PQgetisnull (res, r, c))
    return fct_store_text (NULL);
  switch (PQftype (res, c))
    {
    case OID_BOOL:
      return fct_store_int (text[0] == 't');
    case OID_INT8:
    case OID_INT2:
    case OID_INT4:
    case OID_NUMERIC: /* sum () of integers */
      return fct_store_int (g_ascii_strtoll (text, NULL, 10));
    case OID_FLOAT4:
    case OID_FLOAT8:
      return (FctStoreValue){ .type = FCT_STORE_DOUBLE, .d = g_ascii_strtod (text, NULL) };
    case OID_BYTEA:
      {
        size_t len = 0;
        /* Results come as text: bytea in its hex form (PostgreSQL manual §8.4.1). */
        *unescaped = PQunescapeBytea ((const unsigned char *)text, &len);
        return fct_store_blob (*unescaped != NULL ? (const char *)*unescaped : "",
                               *unescaped != NULL ? len : 0);
      }
    default:
      return fct_store_text (text);
    }
}

/* Parameters go as text, bytes in binary, their types left for the server to infer
 * from where they stand (a column compared or assigned). A lost connection is opened
 * again first, unless a transaction is under way: its statements must not run in
 * another session. */
static FctStoreRows *
pg_query (FctStore *base, const char *what, const char *sql, const FctStoreValue *params,
          guint n, GError **error)
{
  PgStore *store = (PgStore *)base;
  g_autofree const char **values = g_new0 (const char *, n + 1);
  g_autofree int *lengths = g_new0 (int, n + 1);
  g_autofree int *formats = g_new0 (int, n + 1);
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  FctStoreRows *rows;
  PGresult *res;

  if (!store->in_transaction && !connected (store, error))
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      const FctStoreValue *v = &params[i];
      char *text = NULL;
      switch (v->type)
        {
        case FCT_STORE_INT:
          text = g_strdup_printf ("%" G_GINT64_FORMAT, v->i);
          break;
        case FCT_STORE_DOUBLE:
          /* The shortest text that reads back as the same double, whatever the
           * locale. */
          text = g_malloc (G_ASCII_DTOSTR_BUF_SIZE);
          g_ascii_dtostr (text, G_ASCII_DTOSTR_BUF_SIZE, v->d);
          break;
        case FCT_STORE_TEXT:
          values[i] = v->s;
          break;
        case FCT_STORE_BLOB:
          if (v->len > G_MAXINT)
            {
              g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID,
                           _ ("store: %s: a value over 2 GB"), what);
              return NULL;
            }
          values[i] = v->s;
          lengths[i] = (int)v->len;
          formats[i] = 1;
          break;
        case FCT_STORE_NULL:
          break;
        }
      if (text != NULL)
        {
          g_ptr_array_add (owned, text);
          values[i] = text;
        }
    }
  res = PQexecParams (store->conn, sql, (int)n, NULL, values, lengths, formats, 0);
  if (PQresultStatus (res) != PGRES_TUPLES_OK && PQresultStatus (res) != PGRES_COMMAND_OK)
    {
      const char *state = PQresultErrorField (res, PG_DIAG_SQLSTATE);
      g_strlcpy (store->sqlstate, state != NULL ? state : "", sizeof store->sqlstate);
      pg_error (store, res, error, what);
      PQclear (res);
      return NULL;
    }
  rows = fct_store_rows_new ((guint)MAX (PQnfields (res), 0));
  for (int r = 0; r < PQntuples (res); r++)
    for (int c = 0; c < PQnfields (res); c++)
      {
        guint8 *unescaped = NULL;
        fct_store_rows_add (rows, cell_value (res, r, c, &unescaped));
        PQfreemem (unescaped);
      }
  PQclear (res);
  return rows;
}

static gboolean
pg_exec (FctStore *base, const char *sql, GError **error)
{
  PgStore *store = (PgStore *)base;
  return (store->in_transaction || connected (store, error)) && exec (store, sql, error);
}

static gboolean
pg_begin (FctStore *base, GError **error)
{
  PgStore *store = (PgStore *)base;
  if (!connected (store, error) || !exec (store, "BEGIN", error))
    return FALSE;
  store->in_transaction = TRUE;
  return TRUE;
}

static gboolean
pg_commit (FctStore *base, GError **error)
{
  PgStore *store = (PgStore *)base;
  store->in_transaction = FALSE;
  return exec (store, "COMMIT", error);
}

static void
pg_rollback (FctStore *base)
{
  PgStore *store = (PgStore *)base;
  if (store->in_transaction)
    rollback (store);
  store->in_transaction = FALSE;
}

static const FctStoreBackend pg_backend = {
  .close = pg_close,
  .iban_record = pg_iban_record,
  .iban_lookup = pg_iban_lookup,
  .iban_count = pg_iban_count,
  .messages_unchecked = pg_messages_unchecked,
  .message_latest = pg_message_latest,
  .messages_recent = pg_messages_recent,
  .query = pg_query,
  .exec = pg_exec,
  .begin = pg_begin,
  .commit = pg_commit,
  .rollback = pg_rollback,
};
