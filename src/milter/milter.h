/* facteur milter — what the files of the front end share: the configuration (one
 * [milter] section of a GKeyFile, overridden by flags), the running state a message
 * takes a reference to, the signer process and the counters. The logic is in the
 * library (include/facteur/filter.h); these files move bytes between it and libmilter. */
#pragma once

#include <facteur/filter.h>
#include <facteur/store.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

typedef struct
{
  char *socket;      /* inet:PORT@ADDR or unix:PATH */
  guint socket_mode; /* unix socket permissions */
  char *socket_group;
  char *user;        /* the milter runs as this user after binding; NULL: stays */
  char *signer_user; /* the signer runs as this user; NULL: stays (root) */
  char *authserv_id;
  char *db;           /* SQLite path or postgresql:// URI */
  char *db_key;       /* the IBAN history's HMAC key file; NULL: beside a SQLite db */
  guint db_queue_max; /* sightings kept while the database is unreachable */
  char *dns_zone, *dns_server;
  char *dns_trust_anchor; /* NULL: Debian's root key; "": no DNSSEC validation */
  guint dns_timeout_ms;
  char *language;
  gsize scan_max_bytes;
  guint time_budget_ms;
  char *verdict_field;
  FctFilterPolicy policy;
  char **trusted_arc_sealers;
  char **protect;
  char **dnsbl, **uribl;
  gboolean no_blocklists;
  char **internal_networks;
  GPtrArray *networks; /* GInetAddressMask * */
  char **signing_keys; /* domain:selector:/path */
  char *arc_key;       /* domain:selector:/path, or NULL: no sealing */
  char *metrics;       /* ADDR:PORT, or NULL */
  gboolean log_stderr;
  FctLimits limits;
} FctMilterConfig;

/* Flags given on the command line; they win over the file, at start and on reload. */
typedef struct
{
  char *config_file;
  char *socket, *authserv_id, *db, *dns_zone, *dns_server, *user, *metrics, *language;
  char *db_key;
  gboolean log_stderr;
} FctMilterFlags;

/* config.c: reads the file (if any) and applies the flags. Returns (transfer full) or
 * NULL and an error naming the file and key. */
FctMilterConfig *fct_milter_config_load (const FctMilterFlags *flags, GError **error);
void fct_milter_config_free (FctMilterConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctMilterConfig, fct_milter_config_free)
/* The key table of signing_keys plus arc_key. */
FctFilterKeyTable *fct_milter_config_key_table (const FctMilterConfig *config,
                                                GError **error);
/* TRUE if ip is in internal_networks. */
gboolean fct_milter_config_is_internal (const FctMilterConfig *config, const char *ip);

/* signer.c: the process that alone reads private keys. */
typedef struct _FctMilterSigner FctMilterSigner;
/* Forks the signer (call before any thread exists). It loads the keys of config and,
 * on reload, those of the configuration file read again with flags. Returns (transfer
 * full) or NULL and error. */
FctMilterSigner *fct_milter_signer_start (const FctMilterConfig *config,
                                          const FctMilterFlags *flags, GError **error);
/* Asks the signer for its keys (reload: read the files again first). Returns (transfer
 * full) a table without paths, or NULL and error. Thread-safe. */
FctFilterKeyTable *fct_milter_signer_keys (FctMilterSigner *signer, gboolean reload,
                                           guint32 *generation, GError **error);
/* A key whose signatures the signer makes (transfer full). */
FctDkimPrivateKey *fct_milter_signer_key (FctMilterSigner *signer, guint32 generation,
                                          guint index, const FctFilterKey *key);
pid_t fct_milter_signer_get_pid (const FctMilterSigner *signer);

/* state.c: what one message runs with; replaced whole on reload. */
typedef struct
{
  gint ref_count;
  FctMilterConfig *config;
  FctResolver *resolver;
  FctFilterKeyTable *keys; /* the signer's, without paths */
  guint32 key_generation;
  gint arc_key_index;    /* in keys, -1: none */
  gboolean arc_key_only; /* the ARC key is not also a DKIM signing key */
} FctMilterState;

FctMilterState *fct_milter_state_ref (FctMilterState *state);
void fct_milter_state_unref (FctMilterState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctMilterState, fct_milter_state_unref)
/* The current state (transfer full). */
FctMilterState *fct_milter_state_get (void);
/* Builds a state from config and the signer's keys and makes it current. */
gboolean fct_milter_state_install (FctMilterConfig *config, FctMilterSigner *signer,
                                   gboolean reload, GError **error);
FctMilterSigner *fct_milter_state_signer (void);
void fct_milter_state_set_signer (FctMilterSigner *signer);
FctDkimKeyCache *fct_milter_state_key_cache (void);
/* The IBAN history every message shares (fct_store_open_resilient), made at start from
 * the configuration's db, db_key and db_queue_max (a reload keeps it: they take effect
 * at restart); NULL without db. */
FctStore *fct_milter_state_history (void);
void fct_milter_state_set_history (FctStore *history);

/* callbacks.c: the libmilter description. */
void fct_milter_callbacks_register (const char *name, GError **error);

/* metrics.c: counters, and their page in Prometheus text format. */
typedef enum
{
  FCT_MILTER_COUNT_MESSAGES_INBOUND,
  FCT_MILTER_COUNT_MESSAGES_OUTBOUND,
  FCT_MILTER_COUNT_CLEAN,
  FCT_MILTER_COUNT_SUSPICIOUS,
  FCT_MILTER_COUNT_DANGEROUS,
  FCT_MILTER_COUNT_UNCHECKED,
  FCT_MILTER_COUNT_ACCEPTED,
  FCT_MILTER_COUNT_REJECTED,
  FCT_MILTER_COUNT_TEMPFAILED,
  FCT_MILTER_COUNT_QUARANTINED,
  FCT_MILTER_COUNT_TAGGED,
  FCT_MILTER_COUNT_PARTIAL,
  FCT_MILTER_COUNT_SIGNED,
  FCT_MILTER_COUNT_SIGN_ERRORS,
  FCT_MILTER_COUNT_SEALED,
  FCT_MILTER_COUNT_DNS_ERRORS,
  FCT_MILTER_COUNT_CUT_SHORT,
  FCT_MILTER_COUNT_RELOADS,
  FCT_MILTER_COUNT_N,
} FctMilterCounter;

void fct_milter_count (FctMilterCounter counter);
void fct_milter_count_duration (guint64 microseconds);
/* The page (transfer full). */
char *fct_milter_metrics_text (void);
/* Serves GET /metrics on addr ("127.0.0.1:9101") from a thread of its own. */
gboolean fct_milter_metrics_start (const char *addr, GError **error);

/* main.c: logging. One line per message goes to syslog (mail facility), and to
 * standard error with log_stderr. */
void fct_milter_log (int priority, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* The entry point: facteur milter [OPTION…]. */
int fct_cmd_milter (int argc, char **argv);
