/* facteur — the store's back ends behind include/facteur/store.h: each fills one
 * FctStoreBackend and embeds FctStore first in its own structure. store.c chooses the
 * back end from the location and forwards each call. */
#pragma once

#include <facteur/store.h>
#include <sqlite3.h>

G_BEGIN_DECLS

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
  gboolean (*test_create) (FctStore *store, const char *token, const char *client_ip,
                           gint64 now, GError **error);
  int (*test_exists) (FctStore *store, const char *token, GError **error);
  gboolean (*messages_add) (FctStore *store, FctStoreMessage *const *messages, guint n,
                            GError **error);
  GPtrArray *(*messages_unchecked) (FctStore *store, GError **error);
  FctStoreMessage *(*message_latest) (FctStore *store, const char *token, GError **error);
  gboolean (*report_put) (FctStore *store, gint64 message_id, const FctStoreReport *report,
                          GError **error);
  char *(*report_get) (FctStore *store, gint64 message_id, const char *lang,
                       GError **error);
  char *(*view_get) (FctStore *store, gint64 message_id, GError **error);
  GPtrArray *(*messages_recent) (FctStore *store, guint limit, GError **error);
  GPtrArray *(*finding_counts) (FctStore *store, GArray **counts, GError **error);
  gint64 (*prune) (FctStore *store, gint64 before, GPtrArray **spools, GError **error);
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

/* ---- the SQLite store's internals that feedback.c (facteur reports) uses ---------- */

/* Prepared statements kept by feedback.c. */
#define FCT_STORE_FEEDBACK_STMTS 4

/* The schema of version 4 (feedback.c), run by the migration. */
extern const char fct_store_feedback_schema[];

/* Whether store is a SQLite one: the reports' tables are in SQLite only so far. */
gboolean fct_store_is_sqlite (FctStore *store);
sqlite3 *fct_store_db (FctStore *store);
sqlite3_stmt **fct_store_feedback_stmts (FctStore *store);
/* Sets error from SQLite's last message on the store's connection; returns FALSE. */
gboolean fct_store_sql_error (FctStore *store, GError **error, const char *what);
gboolean fct_store_exec (FctStore *store, const char *sql, GError **error);

G_END_DECLS
