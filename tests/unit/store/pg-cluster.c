/* facteur tests — a temporary PostgreSQL cluster (pg-cluster.h). A watcher process,
 * in its own session so that the test runner's kill of the test's process group does
 * not reach it, stops the server and removes the folder when the test process is gone
 * (the end of its pipe closes), however the test ended. */
#include "pg-cluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct FctTestPg
{
  char *bin; /* the folder of initdb and pg_ctl */
  char *dir; /* the scratch folder; data in dir/data, the socket in dir */
  int port;
  int pipe_w; /* closed: the watcher cleans up */
  GPid watcher;
  guint databases;
};

static char *
pg_bin (void)
{
  g_autoptr (GDir) d = g_dir_open ("/usr/lib/postgresql", 0, NULL);
  g_autofree char *best = NULL;
  const char *name;
  int best_version = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *initdb
          = g_build_filename ("/usr/lib/postgresql", name, "bin", "initdb", NULL);
      int version = (int)g_ascii_strtoll (name, NULL, 10);
      if (version > best_version && g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE))
        {
          best_version = version;
          g_free (best);
          best = g_build_filename ("/usr/lib/postgresql", name, "bin", NULL);
        }
    }
  if (best == NULL)
    g_error ("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): run "
             "scripts/install-deps");
  return g_steal_pointer (&best);
}

static int
free_port (void)
{
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t len = sizeof a;
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *)&a, sizeof a), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&a, &len), ==, 0);
  close (fd);
  return ntohs (a.sin_port);
}

/* Runs argv as the postgres user when root (initdb refuses root), else as is. Returns
 * whether it succeeded. */
static gboolean
run_as_postgres (const char *const *argv, gboolean must_succeed)
{
  g_autoptr (GPtrArray) full = g_ptr_array_new ();
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (geteuid () == 0)
    {
      g_ptr_array_add (full, (gpointer) "runuser");
      g_ptr_array_add (full, (gpointer) "-u");
      g_ptr_array_add (full, (gpointer) "postgres");
      g_ptr_array_add (full, (gpointer) "--");
    }
  for (gsize i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (full, (gpointer)argv[i]);
  g_ptr_array_add (full, NULL);
  if (!g_spawn_sync ("/", (char **)full->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                     &err, &status, &error))
    g_error ("%s: %s", argv[0], error->message);
  if (g_spawn_check_wait_status (status, NULL))
    return TRUE;
  if (must_succeed)
    g_error ("%s failed: %s%s", argv[0], out, err);
  return FALSE;
}

static gboolean
server_start (FctTestPg *pg, gboolean must_succeed)
{
  g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
  g_autofree char *log = g_build_filename (pg->dir, "log", NULL);
  g_autofree char *pg_ctl = g_build_filename (pg->bin, "pg_ctl", NULL);
  /* Tests only: fsync off and small buffers (two cores shared by many jobs). */
  g_autofree char *opts = g_strdup_printf (
      "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
      " -c shared_buffers=16MB -c max_connections=60",
      pg->port, pg->dir);
  const char *argv[]
      = { pg_ctl, "-D", data, "-w", "-t", "60", "-l", log, "-o", opts, "start", NULL };
  return run_as_postgres (argv, must_succeed);
}

void
fct_test_pg_server_stop (FctTestPg *pg)
{
  g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
  g_autofree char *pg_ctl = g_build_filename (pg->bin, "pg_ctl", NULL);
  const char *argv[] = { pg_ctl, "-D", data, "-w", "-m", "immediate", "stop", NULL };
  run_as_postgres (argv, TRUE);
}

void
fct_test_pg_server_start (FctTestPg *pg)
{
  (void)server_start (pg, TRUE);
}

/* The watcher: waits for the pipe to close, then stops the server and removes dir. */
static void G_GNUC_NORETURN
watch (FctTestPg *pg, int pipe_r)
{
  g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
  g_autofree char *pg_ctl = g_build_filename (pg->bin, "pg_ctl", NULL);
  char c;

  setsid ();
  signal (SIGINT, SIG_IGN);
  signal (SIGTERM, SIG_IGN);
  while (read (pipe_r, &c, 1) != 0 && errno == EINTR)
    ;
  const char *argv[] = { pg_ctl, "-D", data, "-w", "-m", "immediate", "stop", NULL };
  (void)run_as_postgres (argv, FALSE);
  const char *rm[] = { "rm", "-rf", pg->dir, NULL };
  g_spawn_sync ("/", (char **)rm, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, NULL, NULL);
  _exit (0);
}

FctTestPg *
fct_test_pg_start (void)
{
  FctTestPg *pg = g_new0 (FctTestPg, 1);
  g_autoptr (GError) error = NULL;
  int fds[2];
  pid_t pid;

  pg->bin = pg_bin ();
  pg->dir = g_dir_make_tmp ("fct-pg-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (pg->dir, 0755), ==, 0);
  if (geteuid () == 0)
    {
      struct passwd *pw = getpwnam ("postgres");
      if (pw == NULL)
        g_error ("no postgres user: run scripts/install-deps");
      g_assert_cmpint (chown (pg->dir, pw->pw_uid, pw->pw_gid), ==, 0);
    }
  pg->port = free_port ();

  /* The watcher first, so that nothing started below outlives the test. */
  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[1]);
      watch (pg, fds[0]);
    }
  close (fds[0]);
  pg->pipe_w = fds[1];
  pg->watcher = pid;

  g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
  g_autofree char *initdb = g_build_filename (pg->bin, "initdb", NULL);
  const char *argv[] = { initdb,     "-D",        data, "-A",   "trust", "-U",
                         "postgres", "--no-sync", "-E", "UTF8", NULL };
  run_as_postgres (argv, TRUE);
  /* The port was free when chosen, but another program may bind it before the server
     does (initdb runs in between): then another port, a few times. */
  for (int attempt = 0; !server_start (pg, attempt == 4); attempt++)
    pg->port = free_port ();
  return pg;
}

static PGconn *
connect_or_die (const char *uri)
{
  PGconn *conn = PQconnectdb (uri);
  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("%s: %s", uri, PQerrorMessage (conn));
  return conn;
}

gint64
fct_test_pg_scalar (const char *uri, const char *sql)
{
  PGconn *conn = connect_or_die (uri);
  PGresult *res = PQexec (conn, sql);
  gint64 value = 0;

  if (PQresultStatus (res) != PGRES_TUPLES_OK && PQresultStatus (res) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (res));
  if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) > 0
      && !PQgetisnull (res, 0, 0))
    value = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  PQclear (res);
  PQfinish (conn);
  return value;
}

char *
fct_test_pg_database (FctTestPg *pg)
{
  g_autofree char *admin
      = g_strdup_printf ("postgresql://postgres@127.0.0.1:%d/postgres", pg->port);
  g_autofree char *create = g_strdup_printf ("CREATE DATABASE t%u", ++pg->databases);

  fct_test_pg_scalar (admin, create);
  return g_strdup_printf ("postgresql://postgres@127.0.0.1:%d/t%u", pg->port,
                          pg->databases);
}

char *
fct_test_pg_path (FctTestPg *pg, const char *name)
{
  return g_build_filename (pg->dir, name, NULL);
}

void
fct_test_pg_stop (FctTestPg *pg)
{
  int status;

  if (pg == NULL)
    return;
  close (pg->pipe_w);
  waitpid (pg->watcher, &status, 0);
  g_free (pg->bin);
  g_free (pg->dir);
  g_free (pg);
}
