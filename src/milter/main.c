/* facteur milter — the daemon's start: options, configuration, the signer forked before
 * any thread, the socket bound and its permissions set, root dropped, then libmilter's
 * loop in a thread while the main thread waits for signals (SIGHUP reloads; libmilter
 * would stop on it, and Linux gives a process's signal to its main thread first when
 * that thread is waiting for it). */
#include "milter.h"

#include "../cli/cli.h"
#include <errno.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <locale.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

static gboolean log_to_stderr;

void
fct_milter_log (int priority, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *line = g_strdup_vprintf (format, args);
  va_end (args);
  syslog (priority, "%s", line);
  if (log_to_stderr)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *stamp = g_date_time_format (now, "%FT%T");
      fprintf (stderr, "%s facteur-milter[%d]: %s\n", stamp, (int)getpid (), line);
      fflush (stderr);
    }
}

/* The language of the subject prefix and banner: gettext reads LANGUAGE, and ignores it
 * in the C locale. */
static void
apply_language (const char *lang)
{
  if (lang == NULL)
    return;
  g_setenv ("LANGUAGE", lang, TRUE);
  const char *current = setlocale (LC_MESSAGES, NULL);
  if (current == NULL || g_str_equal (current, "C") || g_str_equal (current, "POSIX"))
    {
      setlocale (LC_MESSAGES, "C.UTF-8");
      setlocale (LC_CTYPE, "C.UTF-8");
    }
}

static gboolean
unix_socket_path (const char *socket, const char **path)
{
  if (g_str_has_prefix (socket, "unix:"))
    *path = socket + 5;
  else if (g_str_has_prefix (socket, "local:"))
    *path = socket + 6;
  else
    return FALSE;
  return TRUE;
}

/* A unix socket is created with the mode and group Postfix needs to connect to it
 * (docs/MILTER.md); its owner becomes the user the milter runs as. */
static gboolean
socket_permissions (const FctMilterConfig *c, GError **error)
{
  const char *path;
  uid_t uid = (uid_t)-1;
  gid_t gid = (gid_t)-1;

  if (!unix_socket_path (c->socket, &path))
    return TRUE;
  if (c->user != NULL)
    {
      struct passwd *pw = getpwnam (c->user);
      if (pw != NULL)
        uid = pw->pw_uid;
    }
  if (c->socket_group != NULL)
    {
      struct group *gr = getgrnam (c->socket_group);
      if (gr == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _ ("no group “%s”"),
                       c->socket_group);
          return FALSE;
        }
      gid = gr->gr_gid;
    }
  if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown (path, uid, gid) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", path,
                   g_strerror (e));
      return FALSE;
    }
  if (chmod (path, c->socket_mode) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", path,
                   g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

static gboolean
drop_privileges (const char *user, GError **error)
{
  struct passwd *pw = getpwnam (user);

  if (pw == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _ ("no user “%s”"), user);
      return FALSE;
    }
  if (getuid () == pw->pw_uid && geteuid () == pw->pw_uid)
    return TRUE;
  if (initgroups (pw->pw_name, pw->pw_gid) != 0 || setgid (pw->pw_gid) != 0
      || setuid (pw->pw_uid) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   _ ("cannot become user “%s”: %s"), user, g_strerror (e));
      return FALSE;
    }
  /* Root must be gone for good. */
  if (pw->pw_uid != 0 && setuid (0) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "%s",
                   _ ("root privileges could be regained after dropping them"));
      return FALSE;
    }
  return TRUE;
}

static FctMilterFlags flags;

static gpointer
reload_thread (gpointer data)
{
  GAsyncQueue *queue = data;

  for (;;)
    {
      g_async_queue_pop (queue);
      g_autoptr (GError) error = NULL;
      FctMilterConfig *config = fct_milter_config_load (&flags, &error);
      if (config == NULL
          || !fct_milter_state_install (config, fct_milter_state_signer (), TRUE, &error))
        fct_milter_log (LOG_ERR, "reload failed, configuration kept: %s", error->message);
      else
        {
          FctMilterState *st = fct_milter_state_get ();
          fct_milter_log (LOG_INFO, "configuration reloaded; %u signing keys",
                          fct_filter_key_table_get_count (st->keys));
          fct_milter_state_unref (st);
          fct_milter_count (FCT_MILTER_COUNT_RELOADS);
        }
    }
  return NULL;
}

static gpointer
milter_thread (gpointer data)
{
  (void)data;
  return GINT_TO_POINTER (smfi_main ());
}

/* The IBAN history's outages and returns, in the milter's log. */
static void
history_log (gboolean warning, const char *message, gpointer data)
{
  (void)data;
  fct_milter_log (warning ? LOG_WARNING : LOG_INFO, "%s", message);
}

static int
run (FctMilterConfig *config)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *socket = g_strdup (config->socket);
  const char *path;

  /* libmilter runs a thread per connection, and glibc gives threads up to eight arenas
   * a core, each keeping what a burst allocated. With two, the peak of a burst of 100
   * connections went from 69.7 to 65.0 MB, for the same CPU per message
   * (docs/PERFORMANCE.md, "milter"). */
  mallopt (M_ARENA_MAX, 2);
  log_to_stderr = config->log_stderr;
  openlog ("facteur-milter", LOG_PID | LOG_NDELAY, LOG_MAIL);
  apply_language (config->language);

  /* Before any thread: fork keeps only the calling thread. */
  FctMilterSigner *signer = fct_milter_signer_start (config, &flags, &error);
  if (signer == NULL)
    {
      g_printerr ("facteur milter: %s\n", error->message);
      return FCT_EXIT_SOFTWARE;
    }
  fct_milter_state_set_signer (signer);

  fct_milter_callbacks_register ("facteur", &error);
  if (error == NULL && smfi_setconn (socket) != MI_SUCCESS)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 _ ("libmilter refused the socket “%s”"), socket);
  if (error == NULL && unix_socket_path (socket, &path))
    {
      /* libmilter creates it with the process umask; no other user may connect before
       * its permissions are set. */
      mode_t old = umask (0177);
      if (smfi_opensocket (true) != MI_SUCCESS)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("cannot listen on %s"),
                     socket);
      umask (old);
    }
  else if (error == NULL && smfi_opensocket (true) != MI_SUCCESS)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("cannot listen on %s"), socket);
  if (error == NULL)
    socket_permissions (config, &error);
  if (error == NULL && config->user != NULL)
    drop_privileges (config->user, &error);
  if (error != NULL)
    {
      g_printerr ("facteur milter: %s\n", error->message);
      return FCT_EXIT_UNAVAILABLE;
    }
  /* libmilter's read timeout stays its default (7,210 s): the MTA's own limits on a
   * slow SMTP client (300 s per command in Postfix) must decide, not ours. */

  /* The IBAN history must be writable by the user the milter now is, with the right
   * key and a schema it knows: said at start, not at the first message. A database
   * server that does not answer yet is an outage the milter rides out (judging
   * without history meanwhile), not a reason to stop the mail. */
  if (config->db != NULL)
    {
      FctStoreOptions db_options = { .key_path = config->db_key };
      FctStoreResilience resilience
          = { .queue_max = config->db_queue_max, .log = history_log };
      g_autoptr (FctStore) store = fct_store_open (config->db, &db_options, &error);
      if (store == NULL && fct_store_location_is_postgresql (config->db)
          && g_error_matches (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN))
        {
          fct_milter_log (LOG_WARNING, "IBAN history unavailable at start: %s",
                          error->message);
          g_clear_error (&error);
        }
      else if (store == NULL)
        {
          g_printerr ("facteur milter: %s\n", error->message);
          return FCT_EXIT_UNAVAILABLE;
        }
      fct_milter_state_set_history (
          fct_store_open_resilient (config->db, &db_options, &resilience));
    }
  g_autofree char *metrics = g_strdup (config->metrics);
  if (!fct_milter_state_install (config, signer, FALSE, &error))
    {
      g_printerr ("facteur milter: %s\n", error->message);
      return FCT_EXIT_UNAVAILABLE;
    }
  if (metrics != NULL && !fct_milter_metrics_start (metrics, &error))
    {
      g_printerr ("facteur milter: metrics on %s: %s\n", metrics, error->message);
      return FCT_EXIT_UNAVAILABLE;
    }

  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
  signal (SIGPIPE, SIG_IGN);

  GAsyncQueue *reloads = g_async_queue_new ();
  g_thread_unref (g_thread_new ("facteur-reload", reload_thread, reloads));
  GThread *loop = g_thread_new ("facteur-milter", milter_thread, NULL);
  {
    FctMilterState *st = fct_milter_state_get ();
    fct_milter_log (LOG_INFO,
                    "listening on %s as %s, authserv-id %s, %u signing keys, signer pid %d",
                    st->config->socket,
                    st->config->user != NULL ? st->config->user : "the starting user",
                    st->config->authserv_id, fct_filter_key_table_get_count (st->keys),
                    (int)fct_milter_signer_get_pid (signer));
    fct_milter_state_unref (st);
  }
  for (;;)
    {
      int sig = 0;
      if (sigwait (&set, &sig) != 0)
        continue;
      if (sig == SIGHUP)
        {
          /* Back to waiting at once: a second SIGHUP must find this thread waiting. */
          g_async_queue_push (reloads, GINT_TO_POINTER (1));
          continue;
        }
      fct_milter_log (LOG_INFO, "stopping on signal %d", sig);
      smfi_stop ();
      break;
    }
  int status = GPOINTER_TO_INT (g_thread_join (loop));
  /* The history stays open: a judgement given up on may still be finishing. */
  if (fct_milter_state_history () != NULL
      && fct_store_resilient_pending (fct_milter_state_history ()) > 0)
    fct_milter_log (LOG_WARNING, "IBAN history: %u kept sightings not recorded at exit",
                    fct_store_resilient_pending (fct_milter_state_history ()));
  return status == MI_SUCCESS ? FCT_EXIT_OK : FCT_EXIT_SOFTWARE;
}

int
fct_cmd_milter (int argc, char **argv)
{
  static const char *summary
      = N_ ("Run as a mail filter (milter) for Postfix or Sendmail: check every inbound "
            "message (SPF, DKIM, DMARC, ARC, content, fraud) and act on the verdict, "
            "DKIM-sign outbound mail. Settings: docs/MILTER.md.");
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &flags.config_file,
      N_ ("Configuration file (one [milter] section)"), N_ ("FILE") },
    { "socket", 0, 0, G_OPTION_ARG_STRING, &flags.socket,
      N_ ("Where to listen (default inet:8891@127.0.0.1)"), "inet:PORT@ADDR|unix:PATH" },
    { "authserv-id", 0, 0, G_OPTION_ARG_STRING, &flags.authserv_id,
      N_ ("Name written in Authentication-Results (default: the host name)"), N_ ("NAME") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &flags.db,
      N_ ("Database remembering each sender's bank accounts: a SQLite file or a "
          "postgresql:// URI"),
      N_ ("PATH|URI") },
    { "db-key", 0, 0, G_OPTION_ARG_FILENAME, &flags.db_key,
      N_ ("Key file of that history (required with PostgreSQL: the same file on every "
          "machine)"),
      N_ ("FILE") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &flags.user,
      N_ ("Run as this user once the socket is bound"), N_ ("USER") },
    { "metrics", 0, 0, G_OPTION_ARG_STRING, &flags.metrics,
      N_ ("Serve Prometheus counters on this address"), "ADDR:PORT" },
    { "log-stderr", 0, 0, G_OPTION_ARG_NONE, &flags.log_stderr,
      N_ ("Write the log lines to standard error too"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  int status;

  if (!fct_cli_parse ("milter", "", summary, entries, &common, &argc, &argv, &usage))
    status = FCT_EXIT_USAGE;
  else if (argc != 1)
    status = fct_cli_usage_error ("milter", usage, "%s", _ ("no argument expected"));
  else
    {
      g_autoptr (GError) error = NULL;
      flags.dns_zone = common.dns_zone;
      flags.dns_server = common.dns_server;
      flags.language = common.lang;
      FctMilterConfig *config = fct_milter_config_load (&flags, &error);
      if (config == NULL)
        {
          g_printerr ("facteur milter: %s\n", error->message);
          status = flags.config_file != NULL ? FCT_EXIT_DATAERR : FCT_EXIT_USAGE;
        }
      else
        status = run (config);
    }
  fct_cli_common_clear (&common);
  return status;
}
