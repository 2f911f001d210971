/* facteur serve — a self-hosted mail tester: an SMTP inbox for test addresses and a web
 * report, on one GMainContext (docs/SERVE.md). This file reads the flags and the
 * [serve] section of a GKeyFile, opens the store, the spool and the resolver, starts
 * SMTP, HTTP and the check pool, deletes what is past retention, and stops on SIGINT or
 * SIGTERM. */
#include "server.h"

#include "password.h"

#include <errno.h>
#include <glib-unix.h>
#include <grp.h>
#include <pwd.h>
#include <glib/gstdio.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct
{
  char *config_file;
  FctServeConfig flags;
  gboolean hash_password;
  gint smtp_timeout; /* seconds, 0: RFC 5321's */
  gint64 message_max;
} ServeArgs;

/* Flags win over the file; the file over the defaults. */
static void
take_string (char **field, char *flag, GKeyFile *file, const char *key)
{
  if (flag != NULL)
    {
      g_free (*field);
      *field = g_strdup (flag);
      return;
    }
  g_autofree char *value
      = file != NULL ? g_key_file_get_string (file, "serve", key, NULL) : NULL;
  if (value != NULL)
    {
      g_free (*field);
      *field = g_steal_pointer (&value);
    }
}

static gboolean
take_int (gint *field, gint flag, GKeyFile *file, const char *key, GError **error)
{
  if (flag > 0)
    {
      *field = flag;
      return TRUE;
    }
  if (file == NULL || !g_key_file_has_key (file, "serve", key, NULL))
    return TRUE;
  gint value = g_key_file_get_integer (file, "serve", key, error);
  if (value <= 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                     _ ("%s must be a positive number"), key);
      return FALSE;
    }
  *field = value;
  return TRUE;
}

static void
config_clear (FctServeConfig *c)
{
  g_free (c->smtp);
  g_free (c->http);
  g_free (c->test_domain);
  g_free (c->hostname);
  g_free (c->data_dir);
  g_free (c->db);
  g_free (c->db_key);
  g_free (c->spool);
  g_free (c->tls_cert);
  g_free (c->tls_key);
  g_free (c->admin_password_hash);
  g_free (c->authserv_id);
  g_free (c->user);
  g_free (c->trusted_proxies);
  g_clear_pointer (&c->proxies, g_ptr_array_unref);
}

/* trusted_proxies: addresses or networks ("127.0.0.1, 10.0.0.0/8, ::1"). */
static gboolean
parse_proxies (FctServeConfig *c, GError **error)
{
  if (c->trusted_proxies == NULL)
    return TRUE;
  g_auto (GStrv) items = g_strsplit_set (c->trusted_proxies, ", \t", -1);
  c->proxies = g_ptr_array_new_with_free_func (g_object_unref);
  for (char **item = items; *item != NULL; item++)
    {
      if (**item == '\0')
        continue;
      g_autoptr (GError) local = NULL;
      GInetAddressMask *mask = g_inet_address_mask_new_from_string (*item, &local);
      if (mask == NULL)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       _ ("trusted_proxies: %s is not an address or a network"), *item);
          return FALSE;
        }
      g_ptr_array_add (c->proxies, mask);
    }
  return TRUE;
}

/* Builds the configuration: defaults, then the file, then the flags. */
static gboolean
configure (FctServeConfig *c, ServeArgs *a, FctCliCommon *common, GError **error)
{
  g_autoptr (GKeyFile) file = NULL;
  if (a->config_file != NULL)
    {
      file = g_key_file_new ();
      if (!g_key_file_load_from_file (file, a->config_file, G_KEY_FILE_NONE, error))
        return FALSE;
    }
  char host[256] = "";
  if (gethostname (host, sizeof host - 1) != 0 || host[0] == '\0')
    g_strlcpy (host, "localhost", sizeof host);
  *c = (FctServeConfig){
    .smtp = g_strdup ("127.0.0.1:2525"),
    .http = g_strdup ("127.0.0.1:8080"),
    .test_domain = g_strdup (host),
    .hostname = g_strdup (host),
    .data_dir = g_build_filename (g_get_user_data_dir (), "facteur", NULL),
    .retention_days = 30,
    .connections_per_ip = 20,
    .connections_max = 2000,
    .http_connections_per_ip = 64,
    .http_idle_timeout = 60,
    .http_header_timeout = 20,
    .tests_per_hour = 60,
    .audits_per_hour = 30,
    .check_threads = 2,
    .audit_smtp = TRUE,
  };
  take_string (&c->smtp, a->flags.smtp, file, "smtp");
  take_string (&c->http, a->flags.http, file, "http");
  take_string (&c->test_domain, a->flags.test_domain, file, "test_domain");
  take_string (&c->hostname, a->flags.hostname, file, "hostname");
  take_string (&c->data_dir, a->flags.data_dir, file, "data_dir");
  take_string (&c->db, a->flags.db, file, "db");
  take_string (&c->db_key, a->flags.db_key, file, "db_key");
  take_string (&c->spool, a->flags.spool, file, "spool");
  take_string (&c->tls_cert, a->flags.tls_cert, file, "tls_cert");
  take_string (&c->tls_key, a->flags.tls_key, file, "tls_key");
  take_string (&c->admin_password_hash, NULL, file, "admin_password_hash");
  take_string (&c->authserv_id, NULL, file, "authserv_id");
  take_string (&c->user, a->flags.user, file, "user");
  take_string (&c->trusted_proxies, a->flags.trusted_proxies, file, "trusted_proxies");
  /* --dns-zone or --dns-server on the command line win over both keys of the file. */
  if (common->dns_zone == NULL && common->dns_server == NULL)
    {
      take_string (&common->dns_zone, NULL, file, "dns_zone");
      take_string (&common->dns_server, NULL, file, "dns_server");
    }
  if (!take_int (&c->retention_days, a->flags.retention_days, file, "retention_days", error)
      || !take_int (&c->connections_per_ip, a->flags.connections_per_ip, file,
                    "connections_per_ip", error)
      || !take_int (&c->connections_max, a->flags.connections_max, file, "connections_max",
                    error)
      || !take_int (&c->http_connections_per_ip, a->flags.http_connections_per_ip, file,
                    "http_connections_per_ip", error)
      || !take_int (&c->http_idle_timeout, a->flags.http_idle_timeout, file,
                    "http_idle_timeout", error)
      || !take_int (&c->http_header_timeout, a->flags.http_header_timeout, file,
                    "http_header_timeout", error)
      || !take_int (&c->tests_per_hour, a->flags.tests_per_hour, file, "tests_per_hour",
                    error)
      || !take_int (&c->audits_per_hour, a->flags.audits_per_hour, file, "audits_per_hour",
                    error)
      || !take_int (&c->check_threads, a->flags.check_threads, file, "check_threads", error)
      || !take_int (&a->smtp_timeout, a->smtp_timeout, file, "smtp_timeout", error))
    return FALSE;
  c->no_blocklists
      = a->flags.no_blocklists
        || (file != NULL && g_key_file_get_boolean (file, "serve", "no_blocklists", NULL));
  c->audit_smtp
      = !(a->flags.audit_smtp
          || (file != NULL && g_key_file_has_key (file, "serve", "audit_smtp", NULL)
              && !g_key_file_get_boolean (file, "serve", "audit_smtp", NULL)));
  if (file != NULL && g_key_file_has_key (file, "serve", "message_max_bytes", NULL)
      && a->message_max == 0)
    a->message_max = g_key_file_get_int64 (file, "serve", "message_max_bytes", NULL);
  if (c->db == NULL)
    c->db = g_build_filename (c->data_dir, "facteur.db", NULL);
  if (c->spool == NULL)
    c->spool = g_build_filename (c->data_dir, "spool", NULL);
  g_autoptr (GSocketAddress) smtp = NULL;
  g_autoptr (GSocketAddress) http = NULL;
  if (!fct_serve_listen_address (c->smtp, &smtp, error)
      || !fct_serve_listen_address (c->http, &http, error))
    return FALSE;
  if (!parse_proxies (c, error))
    return FALSE;
  if ((c->tls_cert == NULL) != (c->tls_key == NULL))
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           _ ("tls_cert and tls_key go together"));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  FctServer *server;
  ServeArgs *args;
} Reload;

/* SIGHUP: the configuration file is read again (DESIGN.md). Limits, rates, retention and
 * the admin password change at once; addresses, storage, TLS and DNS need a restart. */
static gboolean
reload_cb (gpointer data)
{
  Reload *r = data;
  FctServeConfig fresh = { 0 };
  FctCliCommon common = { 0 };
  g_autoptr (GError) error = NULL;
  if (!configure (&fresh, r->args, &common, &error))
    g_printerr ("facteur serve: %s: %s\n", _ ("configuration not reloaded"),
                error->message);
  else
    {
      FctServeConfig *c = &r->server->config;
      c->retention_days = fresh.retention_days;
      c->connections_per_ip = fresh.connections_per_ip;
      c->connections_max = fresh.connections_max;
      c->http_connections_per_ip = fresh.http_connections_per_ip;
      c->http_idle_timeout = fresh.http_idle_timeout;
      c->http_header_timeout = fresh.http_header_timeout;
      c->tests_per_hour = fresh.tests_per_hour;
      c->audits_per_hour = fresh.audits_per_hour;
      c->no_blocklists = fresh.no_blocklists;
      c->audit_smtp = fresh.audit_smtp;
      g_clear_pointer (&c->proxies, g_ptr_array_unref);
      c->proxies = g_steal_pointer (&fresh.proxies);
      g_free (c->admin_password_hash);
      c->admin_password_hash = g_steal_pointer (&fresh.admin_password_hash);
      r->server->admin_digest_set = FALSE;
      g_printerr ("facteur serve: %s\n", _ ("configuration reloaded"));
    }
  config_clear (&fresh);
  fct_cli_common_clear (&common);
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
retention_cb (gpointer data)
{
  FctServer *server = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) spools = NULL;
  gint64 before = fct_serve_now () - (gint64)server->config.retention_days * 86400;
  if (fct_store_prune (server->store, before, &spools, &error) < 0)
    g_warning ("retention: %s", error->message);
  for (guint i = 0; spools != NULL && i < spools->len; i++)
    g_unlink (g_ptr_array_index (spools, i));
  fct_anvil_sweep (server->anvil, fct_serve_now ());
  return G_SOURCE_CONTINUE;
}

/* The languages a check and a page can be written in: a locale per language, used with
 * uselocale() in the thread that writes. */
static void
load_locales (FctServer *server)
{
  static const char *const names[FCT_SERVE_LANGS][3] = {
    { "en_US.UTF-8", "en_GB.UTF-8", "C.UTF-8" },
    { "fr_FR.UTF-8", "fr_CA.UTF-8", "fr_BE.UTF-8" },
  };
  for (gsize i = 0; i < FCT_SERVE_LANGS; i++)
    for (gsize k = 0; k < 3 && server->locales[i] == (locale_t)0; k++)
      server->locales[i]
          = newlocale (LC_MESSAGES_MASK | LC_CTYPE_MASK, names[i][k], (locale_t)0);
  if (server->locales[1] == (locale_t)0)
    g_printerr ("facteur serve: %s\n",
                _ ("no French locale (fr_FR.UTF-8) is installed: pages and reports are in "
                   "English only"));
}

static void
raise_file_limit (void)
{
  /* Each SMTP client holds a descriptor: take what the hard limit allows. */
  struct rlimit rl;
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

/* A listening socket on "IP:PORT", bound while the process may still bind port 25. */
static GSocket *
bind_listener (const char *text, GError **error)
{
  g_autoptr (GSocketAddress) address = NULL;
  if (!fct_serve_listen_address (text, &address, error))
    return NULL;
  g_autoptr (GSocket) socket
      = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                      G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_listen_backlog (socket, 1024);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    {
      g_prefix_error (error, "%s: ", text);
      return NULL;
    }
  return g_steal_pointer (&socket);
}

/* Becomes user for good, as the milter does; the key holder, forked before, stays the
 * starting user. The data and spool folders must be the user's: nothing is chowned. */
static gboolean
drop_privileges (const FctServeConfig *c, GError **error)
{
  struct passwd *pw = getpwnam (c->user);
  if (pw == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _ ("no user “%s”"), c->user);
      return FALSE;
    }
  if (getuid () == pw->pw_uid && geteuid () == pw->pw_uid)
    return TRUE;
  if (initgroups (pw->pw_name, pw->pw_gid) != 0 || setgid (pw->pw_gid) != 0
      || setuid (pw->pw_uid) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   _ ("cannot become user “%s”: %s"), c->user, g_strerror (e));
      return FALSE;
    }
  if (pw->pw_uid != 0 && setuid (0) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _ ("root privileges could be regained after dropping them"));
      return FALSE;
    }
  return TRUE;
}

static int
run (FctServer *server, FctCliCommon *common, ServeArgs *args)
{
  g_autoptr (GError) error = NULL;
  server->smtp_socket = bind_listener (server->config.smtp, &error);
  server->http_socket
      = server->smtp_socket != NULL ? bind_listener (server->config.http, &error) : NULL;
  if (server->http_socket == NULL)
    {
      g_printerr ("facteur serve: %s\n", error->message);
      return FCT_EXIT_UNAVAILABLE;
    }
  if (server->config.user != NULL && !drop_privileges (&server->config, &error))
    {
      g_printerr ("facteur serve: %s\n", error->message);
      return FCT_EXIT_UNAVAILABLE;
    }
  if (g_mkdir_with_parents (server->config.data_dir, 0700) != 0
      || g_mkdir_with_parents (server->config.spool, 0700) != 0)
    {
      g_printerr ("facteur serve: %s: %s\n", server->config.spool, g_strerror (errno));
      return FCT_EXIT_UNAVAILABLE;
    }
  if (!fct_store_location_is_postgresql (server->config.db))
    {
      g_autofree char *db_dir = g_path_get_dirname (server->config.db);
      g_mkdir_with_parents (db_dir, 0700);
    }
  /* The loop's own connection reads, and creates tests: a commit without a flush
   * survives the process (WAL), and the loop never waits on the disk. Only messages
   * need a flush before their 250 (the writer thread's connection). */
  FctStoreOptions store_options = { .durable = FALSE, .key_path = server->config.db_key };
  server->store = fct_store_open (server->config.db, &store_options, &error);
  if (server->store == NULL)
    {
      g_printerr ("facteur serve: %s\n", error->message);
      return FCT_EXIT_UNAVAILABLE;
    }
  server->resolver = fct_cli_make_resolver (common, &error);
  if (server->resolver == NULL)
    return fct_cli_report_error (error);
  if (server->ca != NULL)
    {
      server->tls = fct_serve_tls_new (server->ca, server->config.tls_cert, &error);
      if (server->tls == NULL)
        {
          g_printerr ("facteur serve: %s\n", error->message);
          return FCT_EXIT_DATAERR;
        }
    }
  server->anvil = fct_anvil_new ();
  server->context = g_main_context_default ();
  raise_file_limit ();
  load_locales (server);
  if (!fct_serve_checks_start (server, &error) || !fct_serve_smtp_start (server, &error)
      || !fct_serve_http_start (server, &error))
    {
      g_printerr ("facteur serve: %s\n", error->message);
      fct_serve_http_stop (server);
      fct_serve_smtp_stop (server);
      return FCT_EXIT_UNAVAILABLE;
    }
  g_autoptr (GMainLoop) loop = g_main_loop_new (server->context, FALSE);
  guint sigint = g_unix_signal_add (SIGINT, quit_cb, loop);
  guint sigterm = g_unix_signal_add (SIGTERM, quit_cb, loop);
  Reload reload = { .server = server, .args = args };
  guint sighup = g_unix_signal_add (SIGHUP, reload_cb, &reload);
  retention_cb (server);
  guint retention = g_timeout_add_seconds (3600, retention_cb, server);
  g_autofree char *url = g_strdup_printf ("http://%s/", server->config.http);
  g_print (_ ("facteur serve: open %s (SMTP on %s, test addresses test-…@%s)\n"), url,
           server->config.smtp, server->config.test_domain);
  fflush (stdout);
  g_main_loop_run (loop);
  g_source_remove (retention);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_source_remove (sighup);
  fct_serve_http_stop (server);
  fct_serve_smtp_stop (server);
  /* Checks still queued are not waited for: their messages are stored and unchecked,
   * and the next start checks them. */
  g_thread_pool_free (server->checks, TRUE, TRUE);
  return FCT_EXIT_OK;
}

static void
server_clear (FctServer *server)
{
  g_clear_object (&server->smtp_socket);
  g_clear_object (&server->http_socket);
  g_clear_pointer (&server->tls, SSL_CTX_free);
  g_clear_pointer (&server->ca, fct_serve_ca_free);
  g_clear_pointer (&server->anvil, fct_anvil_free);
  g_clear_pointer (&server->store, fct_store_close);
  g_clear_pointer (&server->resolver, fct_resolver_unref);
  for (gsize i = 0; i < FCT_SERVE_LANGS; i++)
    if (server->locales[i] != (locale_t)0)
      freelocale (server->locales[i]);
  config_clear (&server->config);
}

/* --hash-password: reads a password on standard input, prints its hash line. */
static int
hash_password (void)
{
  char line[1024];
  if (fgets (line, sizeof line, stdin) == NULL)
    {
      g_printerr ("facteur serve: %s\n", _ ("expected a password on standard input"));
      return FCT_EXIT_DATAERR;
    }
  g_strchomp (line);
  g_autofree char *hash = fct_password_hash (line, FCT_PASSWORD_ITERATIONS);
  memset (line, 0, sizeof line);
  if (hash == NULL)
    return FCT_EXIT_SOFTWARE;
  g_print ("admin_password_hash=%s\n", hash);
  return FCT_EXIT_OK;
}

int
fct_cmd_serve (int argc, char **argv)
{
  /* The language of each page and report is chosen per request with uselocale(); a
   * LANGUAGE variable would override it for every thread, so it goes. GLib decides once
   * whether g_dgettext translates at all, from the process's LC_MESSAGES: an "en_" locale
   * or "C" says yes ("C.UTF-8", without a catalog of its own, would say no for good). */
  g_unsetenv ("LANGUAGE");
  if (setlocale (LC_MESSAGES, "en_US.UTF-8") == NULL)
    setlocale (LC_MESSAGES, "C");
  static const char *summary
      = N_ ("A self-hosted mail tester: an SMTP inbox for test addresses and a web page "
            "with each message's report (docs/SERVE.md).");
  ServeArgs a = { 0 };
  FctCliCommon common = { 0 };
  FctServer server = { 0 };
  g_autofree char *usage = NULL;
  g_autoptr (GError) error = NULL;
  int status;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &a.config_file,
      N_ ("Read the [serve] section of this file"), N_ ("FILE") },
    { "smtp", 0, 0, G_OPTION_ARG_STRING, &a.flags.smtp,
      N_ ("Address and port of the SMTP inbox (default 127.0.0.1:2525)"), N_ ("IP:PORT") },
    { "http", 0, 0, G_OPTION_ARG_STRING, &a.flags.http,
      N_ ("Address and port of the web pages (default 127.0.0.1:8080)"), N_ ("IP:PORT") },
    { "test-domain", 0, 0, G_OPTION_ARG_STRING, &a.flags.test_domain,
      N_ ("Domain of the test addresses (default: the host name)"), N_ ("DOMAIN") },
    { "hostname", 0, 0, G_OPTION_ARG_STRING, &a.flags.hostname,
      N_ ("Name in the SMTP greeting (default: the host name)"), N_ ("NAME") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &a.flags.db,
      N_ ("SQLite database (default: DATA_DIR/facteur.db) or postgresql:// URI"),
      N_ ("PATH|URI") },
    { "db-key", 0, 0, G_OPTION_ARG_FILENAME, &a.flags.db_key,
      N_ ("Key file of the IBAN history (required with PostgreSQL)"), N_ ("FILE") },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &a.flags.data_dir,
      N_ ("Folder of the database and the spool (default ~/.local/share/facteur)"),
      N_ ("DIR") },
    { "spool", 0, 0, G_OPTION_ARG_FILENAME, &a.flags.spool,
      N_ ("Folder of the received messages (default: DATA_DIR/spool)"), N_ ("DIR") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &a.flags.tls_cert,
      N_ ("Certificate chain (PEM) for STARTTLS"), N_ ("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &a.flags.tls_key,
      N_ ("Private key (PEM) for STARTTLS"), N_ ("FILE") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &a.flags.user,
      N_ ("Run as this user once the ports are bound (the TLS key holder stays)"),
      N_ ("USER") },
    { "retention-days", 0, 0, G_OPTION_ARG_INT, &a.flags.retention_days,
      N_ ("Delete tests, messages and reports after this many days (default 30)"), "N" },
    { "connections-per-ip", 0, 0, G_OPTION_ARG_INT, &a.flags.connections_per_ip,
      N_ ("SMTP connections at once from one client (default 20)"), "N" },
    { "connections-max", 0, 0, G_OPTION_ARG_INT, &a.flags.connections_max,
      N_ ("SMTP connections at once in all (default 2000)"), "N" },
    { "http-connections-per-ip", 0, 0, G_OPTION_ARG_INT, &a.flags.http_connections_per_ip,
      N_ ("HTTP connections at once from one client (default 64)"), "N" },
    { "http-idle-timeout", 0, 0, G_OPTION_ARG_INT, &a.flags.http_idle_timeout,
      N_ ("Seconds an HTTP connection may wait for its next request (default 60)"),
      N_ ("SECONDS") },
    { "http-header-timeout", 0, 0, G_OPTION_ARG_INT, &a.flags.http_header_timeout,
      N_ ("Seconds from the first byte of an HTTP request to the end of its header "
          "(default 20)"),
      N_ ("SECONDS") },
    { "tests-per-hour", 0, 0, G_OPTION_ARG_INT, &a.flags.tests_per_hour,
      N_ ("Tests one client may create per hour (default 60)"), "N" },
    { "audits-per-hour", 0, 0, G_OPTION_ARG_INT, &a.flags.audits_per_hour,
      N_ ("Domain audits one client may ask per hour (default 30)"), "N" },
    { "trusted-proxies", 0, 0, G_OPTION_ARG_STRING, &a.flags.trusted_proxies,
      N_ ("Reverse proxies whose X-Forwarded-For names the web client, for the per-client "
          "rates (addresses or networks, comma-separated)"),
      N_ ("LIST") },
    { "check-threads", 0, 0, G_OPTION_ARG_INT, &a.flags.check_threads,
      N_ ("Messages checked at once (default 2)"), "N" },
    { "smtp-timeout", 0, 0, G_OPTION_ARG_INT, &a.smtp_timeout,
      N_ ("Seconds to wait for each SMTP command or line (default: RFC 5321's 300 and "
          "180)"),
      N_ ("SECONDS") },
    { "message-max-bytes", 0, 0, G_OPTION_ARG_INT64, &a.message_max,
      N_ ("Largest message accepted, advertised as SIZE (default 52428800)"), "N" },
    { "no-blocklists", 0, 0, G_OPTION_ARG_NONE, &a.flags.no_blocklists,
      N_ ("Query no blocklist"), NULL },
    { "no-audit-smtp", 0, 0, G_OPTION_ARG_NONE, &a.flags.audit_smtp,
      N_ ("Domain audits do not connect to the mail servers"), NULL },
    { "hash-password", 0, 0, G_OPTION_ARG_NONE, &a.hash_password,
      N_ ("Read an admin password on standard input and print the admin_password_hash "
          "line for the configuration"),
      NULL },
    G_OPTION_ENTRY_NULL,
  };

  if (!fct_cli_parse ("serve", _ ("[--smtp IP:PORT] [--http IP:PORT] [--config FILE]"),
                      summary, entries, &common, &argc, &argv, &usage))
    status = FCT_EXIT_USAGE;
  else if (argc != 1)
    status = fct_cli_usage_error ("serve", usage, "%s", _ ("unexpected argument"));
  else if (a.hash_password)
    status = hash_password ();
  else if (a.message_max < 0 || a.smtp_timeout < 0)
    status = fct_cli_usage_error ("serve", usage, "%s",
                                  _ ("--message-max-bytes and --smtp-timeout must be "
                                     "positive"));
  else if (!configure (&server.config, &a, &common, &error))
    status = fct_cli_usage_error ("serve", usage, "%s", error->message);
  else if (common.dns_zone != NULL && common.dns_server != NULL)
    status = fct_cli_usage_error (
        "serve", usage, "%s", _ ("--dns-zone and --dns-server cannot be used together"));
  else
    {
      server.limits = common.limits;
      if (a.smtp_timeout > 0)
        server.limits.smtp_server_command_timeout_ms
            = server.limits.smtp_server_data_timeout_ms
            = (guint)MIN (a.smtp_timeout, 86400) * 1000;
      if (a.message_max > 0)
        server.limits.smtp_server_message_max_bytes = (gsize)a.message_max;
      /* A 250 promises a report: the parser reads whatever SIZE (RFC 1870) lets in, with
       * the trace field in front (a HELO within a command line, this host's name, and
       * under 512 bytes besides). */
      gsize room = server.limits.smtp_server_command_line_max
                   + strlen (server.config.hostname) + 512;
      gsize accepted;
      if (!g_size_checked_add (&accepted, server.limits.smtp_server_message_max_bytes,
                               room))
        accepted = G_MAXSIZE;
      server.limits.message_max_bytes = MAX (server.limits.message_max_bytes, accepted);
      /* The key holder is forked first, while the process has no thread and has opened
       * nothing: the serving process never reads the private key. */
      if (server.config.tls_cert != NULL
          && (server.ca
              = fct_serve_ca_start (server.config.tls_cert, server.config.tls_key, &error))
                 == NULL)
        {
          g_printerr ("facteur serve: %s\n", error->message);
          status = FCT_EXIT_DATAERR;
        }
      else
        status = run (&server, &common, &a);
    }
  server_clear (&server);
  config_clear (&a.flags);
  g_free (a.config_file);
  fct_cli_common_clear (&common);
  return status;
}
