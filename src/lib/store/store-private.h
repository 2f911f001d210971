/* facteur — the store's back ends behind include/facteur/store.h: each fills one
 * FctStoreBackend and embeds FctStore first in its own structure. store.c chooses the
 * back end from the location and forwards each call; what both can say in the same SQL
 * (the reports in feedback.c, facteur serve's tables in serve.c) is written once over
 * the portable statements below, and the vtable holds only what differs. */
#pragma once

#include <facteur/store.h>

G_BEGIN_DECLS

/* ---- portable statements: feedback.c writes its SQL once for both back ends ------ */

/* The SQL is the dialect both speak (SQLite 3.35 and PostgreSQL 13 on: ON CONFLICT,
 * RETURNING, window functions, IS NOT TRUE), parameters written $1, $2, ... (PostgreSQL's
 * form; SQLite reads them as named parameters, bound by name). Integers and flags are
 * INTEGER/BIGINT columns in both schemas, byte strings BLOB/BYTEA. */

typedef enum
{
  FCT_STORE_NULL,
  FCT_STORE_INT,
  FCT_STORE_DOUBLE,
  FCT_STORE_TEXT,
  FCT_STORE_BLOB,
} FctStoreType;

/* A parameter, or a cell of a result (which owns s). */
typedef struct
{
  FctStoreType type;
  gint64 i;
  double d;
  const char *s; /* text (NUL-terminated) or bytes */
  gsize len;     /* of the bytes */
} FctStoreValue;

static inline FctStoreValue
fct_store_int (gint64 v)
{
  return (FctStoreValue){ .type = FCT_STORE_INT, .i = v };
}

static inline FctStoreValue
fct_store_text (const char *s)
{
  return (FctStoreValue){ .type = s != NULL ? FCT_STORE_TEXT : FCT_STORE_NULL, .s = s };
}

static inline FctStoreValue
fct_store_blob (const void *data, gsize len)
{
  return (FctStoreValue){ .type = data != NULL ? FCT_STORE_BLOB : FCT_STORE_NULL,
                          .s = data,
                          .len = len };
}

/* The rows of a query, read whole (the queries of reports return a bounded number). */
typedef struct
{
  guint columns;
  GArray *cells; /* FctStoreValue, row after row; s owned */
} FctStoreRows;

FctStoreRows *fct_store_rows_new (guint columns);
/* Appends a cell to the last row (copying text and bytes). */
void fct_store_rows_add (FctStoreRows *rows, FctStoreValue value);
guint fct_store_rows_count (const FctStoreRows *rows);
/* The cell at row r, column c: an integer (0 for NULL), a double, text (transfer none,
 * NULL for NULL), bytes (transfer none, NULL for NULL). */
gint64 fct_store_rows_int (const FctStoreRows *rows, guint r, guint c);
double fct_store_rows_double (const FctStoreRows *rows, guint r, guint c);
const char *fct_store_rows_text (const FctStoreRows *rows, guint r, guint c);
const guint8 *fct_store_rows_blob (const FctStoreRows *rows, guint r, guint c, gsize *len);
void fct_store_rows_free (FctStoreRows *rows);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctStoreRows, fct_store_rows_free)

typedef struct
{
  void (*close) (FctStore *store);
  gboolean (*iban_record) (FctStore *store, const char *org_domain, const char *iban,
                           const char *message_key, gint64 now, FctStoreIbanSighting *out,
                           GError **error);
  gboolean (*iban_lookup) (FctStore *store, const char *org_domain, const char *iban,
                           const char *message_key, FctStoreIbanSighting *out,
                           GError **error);
  gint64 (*iban_count) (FctStore *store, const char *sender_domain, GError **error);
  GPtrArray *(*messages_unchecked) (FctStore *store, GError **error);
  FctStoreMessage *(*message_latest) (FctStore *store, const char *token, GError **error);
  GPtrArray *(*messages_recent) (FctStore *store, guint limit, GError **error);
  /* Portable statements (below) and transactions: begin takes the write lock at once
   * where the back end can (SQLite's BEGIN IMMEDIATE); rollback does nothing outside a
   * transaction. */
  FctStoreRows *(*query) (FctStore *store, const char *what, const char *sql,
                          const FctStoreValue *params, guint n, GError **error);
  gboolean (*exec) (FctStore *store, const char *sql, GError **error);
  gboolean (*begin) (FctStore *store, GError **error);
  gboolean (*commit) (FctStore *store, GError **error);
  void (*rollback) (FctStore *store);
} FctStoreBackend;

struct _FctStore
{
  const FctStoreBackend *backend;
};

/* The HMAC key: 32 bytes, the output size of SHA-256 (RFC 2104 §3: a key shorter than
 * the output weakens the function). */
#define FCT_STORE_KEY_BYTES 32

FctStore *fct_store_sqlite_open (const char *path, const FctStoreOptions *options,
                                 GError **error);
FctStore *fct_store_pg_open (const char *uri, const FctStoreOptions *options,
                             GError **error);

/* Reads the key file: exactly FCT_STORE_KEY_BYTES bytes in a regular file, narrowed to
 * mode 0600 when its owner opens it. */
gboolean fct_store_key_read (guint8 key[FCT_STORE_KEY_BYTES], const char *path,
                             GError **error);

/* Creates the key file with FCT_STORE_KEY_BYTES random bytes, mode 0600, atomically (a
 * concurrent creator's key wins), and reads it into out. */
gboolean fct_store_key_create (guint8 out[FCT_STORE_KEY_BYTES], const char *path,
                               GError **error);

/* HMAC-SHA-256 of value under key; domain separates IBANs from message keys. */
void fct_store_mac (const guint8 key[FCT_STORE_KEY_BYTES], const char *domain,
                    const char *value, guint8 out[32]);

/* Runs sql with params[0..n) as $1..$n; returns its rows (none for a statement that
 * returns none), or NULL and an FCT_STORE_ERROR naming what. */
FctStoreRows *fct_store_query (FctStore *store, const char *what, const char *sql,
                               const FctStoreValue *params, guint n, GError **error);
/* Runs sql without parameters nor rows (SAVEPOINT, RELEASE ...). */
gboolean fct_store_exec (FctStore *store, const char *sql, GError **error);

/* facteur serve's messages, read by both back ends with these columns (a flag reads
 * as an integer, PostgreSQL's BOOLEAN as SQLite's INTEGER) into FctStoreMessage rows
 * (transfer full). */
#define FCT_STORE_MESSAGE_COLUMNS                                                          \
  "id, token, received, spool, client_ip, helo, mail_from, tls_version, tls_cipher,"       \
  " size, checked, score, threat"
GPtrArray *fct_store_message_rows (const FctStoreRows *rows);

/* The schema of the reports (feedback.c) in SQLite, run by its migration to version 4;
 * PostgreSQL's is migrations/pg-002.sql. */
extern const char fct_store_feedback_schema[];

G_END_DECLS
