/* facteur — persistent memory across messages, in SQLite: which IBANs each sender's
 * organization has sent, so that a new one can be flagged (bank-details fraud,
 * `iban-new-for-sender`).
 *
 * No IBAN is stored in clear: each is kept as an HMAC-SHA-256 under a key of 32 random
 * bytes in a file beside the database (PATH.key, created mode 0600), with its last four
 * characters for the reader. The database file is mode 0600 too. Each sighting records
 * (as an HMAC too) the message it came from, so that a message checked twice does not
 * make its own IBAN "known".
 *
 * The database is versioned (PRAGMA user_version), written in WAL mode so that several
 * processes may check messages at once, and bounded: past a number of rows per domain
 * and in all, the rows seen least recently are deleted. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FCT_STORE_ERROR (fct_store_error_quark ())
GQuark fct_store_error_quark (void);

typedef enum
{
  FCT_STORE_ERROR_OPEN,    /* the database cannot be opened or created */
  FCT_STORE_ERROR_VERSION, /* written by a newer facteur (schema version above ours) */
  FCT_STORE_ERROR_SQL,     /* SQLite failed (the message gives its error) */
  FCT_STORE_ERROR_INVALID, /* bad argument (empty domain or IBAN) */
  FCT_STORE_ERROR_KEY,     /* the key file cannot be read or created, or is not 32 bytes */
} FctStoreError;

typedef struct
{
  /* Most IBANs kept per sender domain; 0: 100 (a company pays into a handful of
   * accounts; a hundred leaves room for marketplaces). */
  guint ibans_per_domain_max;
  /* Most rows in all; 0: 1,000,000 (about 100 MB of SQLite pages). */
  guint ibans_max;
  /* Milliseconds SQLite waits for a lock held by another process; 0: 5,000. */
  guint busy_timeout_ms;
  /* The HMAC key file; NULL: PATH.key beside the database (a random key held in memory
   * for ":memory:"). Created with 32 random bytes, mode 0600, when missing. */
  const char *key_path;
} FctStoreOptions;

typedef struct _FctStore FctStore;

/* Opens (creating if needed, mode 0600) the database at path and its key file;
 * ":memory:" gives a private one. A database of schema version 1 (IBANs in clear) is
 * converted: its IBANs are replaced by their HMAC and erased (secure_delete). options
 * may be NULL. Returns (transfer full) or NULL and an FCT_STORE_ERROR. */
FctStore *fct_store_open (const char *path, const FctStoreOptions *options,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fct_store_close (FctStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctStore, fct_store_close)

/* The schema version this build writes. */
guint fct_store_schema_version (void);

typedef struct
{
  gboolean known;    /* this IBAN was recorded for this domain from another message */
  guint others;      /* how many other IBANs the domain sent in other messages */
  gint64 first_seen; /* Unix time the IBAN was first recorded (now if it is new) */
} FctStoreIbanSighting;

/* Records that the organization org_domain (lower case: the registrable domain of the
 * sender) sent iban (normalised: upper case, no spaces) in the message message_key (its
 * Message-ID, or a digest of it: the same message gives the same key) at time now, and
 * says whether it was known from another message before. Returns FALSE and an
 * FCT_STORE_ERROR when the database fails. Not thread-safe: one FctStore per thread. */
gboolean fct_store_iban_record (FctStore *store, const char *org_domain, const char *iban,
                                const char *message_key, gint64 now,
                                FctStoreIbanSighting *out,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Says whether iban was recorded for org_domain from another message than message_key,
 * without recording it (for a message whose sender is not authenticated: its IBAN must
 * not become "known"). Returns FALSE and an FCT_STORE_ERROR when the database fails. */
gboolean fct_store_iban_lookup (FctStore *store, const char *org_domain, const char *iban,
                                const char *message_key, FctStoreIbanSighting *out,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Number of IBANs recorded for sender_domain, or -1 and error. */
gint64 fct_store_iban_count (FctStore *store, const char *sender_domain,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
