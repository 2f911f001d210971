/* facteur serve — the server's shared state: configuration, store, resolver, pools.
 * One process, one GMainContext (the default one) for SMTP, HTTP and the resolver's
 * callbacks; checks in a thread pool; durable writes in one writer thread (DESIGN.md,
 * "Processes of the daemons"). */
#pragma once

#include "../cli/cli.h"
#include "anvil.h"

#include <facteur/check.h>
#include <facteur/dns.h>
#include <facteur/smtp.h>
#include <facteur/store.h>
#include <gio/gio.h>
#include <locale.h>
#include <openssl/ssl.h>
#include <sys/types.h>

/* The languages of the reports and pages, the first being the default. */
#define FCT_SERVE_LANGS 2
extern const char *const fct_serve_langs[FCT_SERVE_LANGS]; /* "en", "fr" */

typedef struct
{
  char *smtp;        /* "127.0.0.1:2525" */
  char *http;        /* "127.0.0.1:8080" */
  char *test_domain; /* test addresses are test-TOKEN@test_domain */
  char *hostname;    /* in the SMTP greeting and Received */
  char *data_dir;
  char *db;     /* SQLite path or postgresql:// URI */
  char *db_key; /* the IBAN history's key file; NULL: beside a SQLite db */
  char *spool;
  char *tls_cert, *tls_key;
  char *admin_password_hash;
  char *authserv_id;
  char *user; /* the server runs as this user once its ports are bound; NULL: stays */
  char *trusted_proxies; /* as configured: addresses and networks, comma-separated */
  GPtrArray *proxies;    /* GInetAddressMask* parsed from trusted_proxies, or NULL */
  gint retention_days;
  gint connections_per_ip;
  gint connections_max;
  gint http_connections_per_ip;
  gint http_idle_timeout;   /* seconds without a byte of the next request */
  gint http_header_timeout; /* seconds from a request's first byte to its full head */
  gint tests_per_hour;      /* per client */
  gint audits_per_hour;     /* per client */
  gint check_threads;
  gboolean no_blocklists;
  gboolean audit_smtp; /* the domain audit probes STARTTLS on the MX hosts */
} FctServeConfig;

typedef struct _FctServer FctServer;
struct _FctServer
{
  FctServeConfig config;
  FctLimits limits;
  FctResolver *resolver;
  FctStore *store; /* the main thread's connection (reads, test creation) */
  FctAnvil *anvil;
  SSL_CTX *tls;                      /* or NULL: no STARTTLS */
  struct _FctServeCa *ca;            /* the key holder of tls's certificate */
  locale_t locales[FCT_SERVE_LANGS]; /* (locale_t)0 when not installed */
  GMainContext *context;
  GThreadPool *checks;
  GThread *writer;
  GThreadPool *syncs; /* fsync and rename of spool files */
  GAsyncQueue *writes;
  GSocket *smtp_socket, *http_socket; /* bound before privileges are dropped */
  GSocketService *smtp_service;
  guint smtp_connections;
  gpointer http; /* SoupServer */
  struct _FctHttpGuard *http_guard;
  /* SHA-256 of the admin password last verified, so that PBKDF2 runs once per password
   * (cleared by a reload). */
  guint8 admin_digest[32];
  gboolean admin_digest_set;
  GThreadPool *audits;
  GThreadPool *reports; /* the reports pages: the summary looks up reverse names */
  GHashTable *pages;    /* "message id/lang" -> the report page built (http.c) */
};

/* smtp.c: listens on config.smtp; starts the writer thread. */
gboolean fct_serve_smtp_start (FctServer *server, GError **error);
void fct_serve_smtp_stop (FctServer *server);

/* ca.c: the process that alone holds the STARTTLS private key. Forks it (before any
 * thread): it reads key_path, checks it against the certificate, and signs for the
 * server. */
typedef struct _FctServeCa FctServeCa;
FctServeCa *fct_serve_ca_start (const char *cert_path, const char *key_path,
                                GError **error);
void fct_serve_ca_free (FctServeCa *ca);
pid_t fct_serve_ca_get_pid (const FctServeCa *ca);
/* A TLS server context with the chain of cert_path and a key whose signatures ca makes
 * (transfer full). */
SSL_CTX *fct_serve_tls_new (FctServeCa *ca, const char *cert_path, GError **error);

/* check.c: the check pool. Queues the check of a stored message (transfer full). */
gboolean fct_serve_checks_start (FctServer *server, GError **error);
void fct_serve_check_push (FctServer *server, FctStoreMessage *message);
/* Runs fn with the thread's messages in lang ("en", "fr"). */
void fct_serve_with_lang (FctServer *server, const char *lang, void (*fn) (gpointer),
                          gpointer data);
/* The store of the calling pool thread, opened on first use (transfer none). */
FctStore *fct_serve_thread_store (FctServer *server, GError **error);

/* http.c */
gboolean fct_serve_http_start (FctServer *server, GError **error);
void fct_serve_http_stop (FctServer *server);

/* http-guard.c: per-client connection cap, idle and request-head timeouts on the
 * SoupServer soup (libsoup 3.2 has none). */
typedef struct _FctHttpGuard FctHttpGuard;
FctHttpGuard *fct_http_guard_new (FctServer *server, gpointer soup);
void fct_http_guard_free (FctHttpGuard *guard);

/* A new 128-bit token, 32 lower-case hexadecimal digits (transfer full), or NULL when
 * the system has no randomness to give. */
char *fct_serve_token_new (void);

/* The test address of token (transfer full). */
char *fct_serve_address (FctServer *server, const char *token);

/* Parses "IP:PORT" or "[IPv6]:PORT" (transfer full in *address). */
gboolean fct_serve_listen_address (const char *text, GSocketAddress **address,
                                   GError **error);

/* Unix time, seconds. */
gint64 fct_serve_now (void);
