/* facteur — runs the document parsers in a child process (facteur-extract) so that a
 * hostile file cannot take down or stall the process that judges mail: the child gets
 * CPU, address-space, file-size and core limits before it runs, a wall-clock deadline
 * after which it is killed, and talks over one socket pair (content in, answer out,
 * both capped). Every outcome is a status; nothing here fails. */
#include "extract-private.h"

#include "fct-config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define FCT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FCT_ASAN 1
#endif
#endif

/* Room for the answer's header and embedded names besides the text. */
#define ANSWER_SLACK (FCT_EXTRACT_EMBEDDED_MAX * 1024 + 64)

const char *
fct_extract_helper_default (void)
{
  static gsize once = 0;
  static char *path;

  if (g_once_init_enter (&once))
    {
      g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
      char *p = NULL;

      if (self != NULL)
        {
          g_autofree char *dir = g_path_get_dirname (self);
          p = g_build_filename (dir, "facteur-extract", NULL);
          if (!g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
            g_clear_pointer (&p, g_free);
        }
      if (p == NULL)
        p = g_build_filename (FCT_LIBEXECDIR, "facteur-extract", NULL);
      path = p;
      g_once_init_leave (&once, 1);
    }
  return path;
}

typedef struct
{
  rlim_t cpu_seconds;
  rlim_t memory_bytes;
} ChildLimits;

/* Runs in the child between fork and exec: only async-signal-safe system calls. */
static void
child_setup (gpointer data)
{
  const ChildLimits *limits = data;
  struct rlimit cpu = { limits->cpu_seconds, limits->cpu_seconds + 1 };
  struct rlimit zero = { 0, 0 };

  (void)setrlimit (RLIMIT_CPU, &cpu);
  (void)setrlimit (RLIMIT_FSIZE, &zero);
  (void)setrlimit (RLIMIT_CORE, &zero);
#ifndef FCT_ASAN
  /* AddressSanitizer reserves terabytes of shadow address space: under it the memory
     cap would stop every child, so the sanitizer build runs without it. */
  {
    struct rlimit as = { limits->memory_bytes, limits->memory_bytes };
    (void)setrlimit (RLIMIT_AS, &as);
  }
#endif
  /* Dies with its parent rather than run on alone. */
  (void)prctl (PR_SET_PDEATHSIG, SIGKILL);
  (void)prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static FctExtractResult *
with_status (FctExtractResult *result, FctExtractStatus status)
{
  result->status = status;
  return result;
}

/* Moves content in and the answer out until the child closes its side, the deadline
 * passes or the answer grows past cap. Returns FALSE on timeout or overflow. */
static gboolean
converse (int fd, const guint8 *data, gsize len, gint64 deadline, gsize cap,
          GByteArray *answer, gboolean *timed_out)
{
  gsize sent = 0;
  gboolean writing = len > 0;
  guint8 chunk[65536];

  *timed_out = FALSE;
  if (!writing)
    (void)shutdown (fd, SHUT_WR);
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      struct pollfd p = { fd, POLLIN | (writing ? POLLOUT : 0), 0 };
      int r;

      if (now >= deadline)
        {
          *timed_out = TRUE;
          return FALSE;
        }
      r = poll (&p, 1, (int)MIN ((deadline - now + 999) / 1000, G_MAXINT));
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return FALSE;
      if (writing && (p.revents & (POLLOUT | POLLERR | POLLHUP)) != 0)
        {
          ssize_t n = send (fd, data + sent, MIN (len - sent, sizeof chunk),
                            MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n > 0)
            sent += (gsize)n;
          /* A child that stops reading (it gave up, or died) ends the input. */
          if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == len)
            {
              writing = FALSE;
              (void)shutdown (fd, SHUT_WR);
            }
        }
      if ((p.revents & (POLLIN | POLLERR | POLLHUP)) != 0)
        {
          ssize_t n = recv (fd, chunk, sizeof chunk, MSG_DONTWAIT);
          if (n == 0)
            return TRUE;
          if (n < 0 && errno != EAGAIN && errno != EINTR)
            return TRUE;
          if (n > 0)
            {
              if (answer->len + (gsize)n > cap)
                return FALSE;
              g_byte_array_append (answer, chunk, (guint)n);
            }
        }
    }
}

/* Waits for the child until the deadline, then kills it. */
static int
reap (GPid pid, gint64 deadline, gboolean kill_now, gboolean *killed)
{
  int status = 0;

  *killed = FALSE;
  if (kill_now)
    {
      (void)kill (pid, SIGKILL);
      *killed = TRUE;
    }
  for (;;)
    {
      pid_t r = waitpid (pid, &status, *killed ? 0 : WNOHANG);

      if (r == pid)
        return status;
      if (r < 0 && errno != EINTR)
        return -1; /* reaped elsewhere (SIGCHLD ignored): the answer alone decides */
      if (r == 0 && g_get_monotonic_time () >= deadline)
        {
          (void)kill (pid, SIGKILL);
          *killed = TRUE;
        }
      else if (r == 0)
        g_usleep (500);
    }
}

FctExtractResult *
fct_extract_isolated (const char *helper, FctExtractKind kind, GBytes *bytes,
                      const FctLimits *limits, gint64 deadline)
{
  FctExtractResult *result = fct_extract_result_new ();
  g_autoptr (GByteArray) answer = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text_max = NULL;
  const char *argv[4];
  ChildLimits child;
  GPid pid = 0;
  int sv[2];
  gsize len = 0;
  const guint8 *data;
  gboolean finished, timed_out, killed;
  int status;

  g_return_val_if_fail (bytes != NULL,
                        with_status (result, FCT_EXTRACT_STATUS_UNAVAILABLE));
  if (limits == NULL)
    limits = fct_limits_default ();
  if (helper == NULL)
    helper = fct_extract_helper_default ();
  if (g_get_monotonic_time () >= deadline)
    return with_status (result, FCT_EXTRACT_STATUS_TIMEOUT);
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return with_status (result, FCT_EXTRACT_STATUS_UNAVAILABLE);

  text_max = g_strdup_printf ("%" G_GSIZE_FORMAT, limits->extract_text_max_bytes);
  argv[0] = helper;
  argv[1] = fct_extract_kind_to_string (kind);
  argv[2] = text_max;
  argv[3] = NULL;
  child.cpu_seconds = MAX (1, (limits->extract_timeout_ms + 999) / 1000);
  child.memory_bytes = limits->extract_memory_max_bytes;
  if (!g_spawn_async_with_pipes_and_fds (
          NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
          child_setup, &child, sv[1], sv[1], -1, NULL, NULL, 0, &pid, NULL, NULL, NULL,
          &error))
    {
      close (sv[0]);
      close (sv[1]);
      return with_status (result, FCT_EXTRACT_STATUS_UNAVAILABLE);
    }
  close (sv[1]);

  data = g_bytes_get_data (bytes, &len);
  finished = converse (sv[0], data, len, deadline,
                       limits->extract_text_max_bytes + ANSWER_SLACK, answer, &timed_out);
  close (sv[0]);
  status = reap (pid, deadline, !finished, &killed);
  g_spawn_close_pid (pid);

  if (timed_out || (killed && finished))
    return with_status (result, FCT_EXTRACT_STATUS_TIMEOUT);
  if (!finished)
    return with_status (result, FCT_EXTRACT_STATUS_CRASHED); /* answer over its cap */
  if (status != -1 && WIFSIGNALED (status))
    return with_status (result, WTERMSIG (status) == SIGXCPU || WTERMSIG (status) == SIGKILL
                                    ? FCT_EXTRACT_STATUS_TIMEOUT
                                    : FCT_EXTRACT_STATUS_CRASHED);
  if (status != -1 && WIFEXITED (status) && WEXITSTATUS (status) != 0)
    return with_status (result, WEXITSTATUS (status) == 64 || WEXITSTATUS (status) == 127
                                    ? FCT_EXTRACT_STATUS_UNAVAILABLE
                                    : FCT_EXTRACT_STATUS_CRASHED);
  if (!fct_extract_result_parse (answer->data, answer->len, limits->extract_text_max_bytes,
                                 result))
    {
      /* The child died before it answered, or broke the protocol. */
      fct_extract_result_free (result);
      result = fct_extract_result_new ();
      return with_status (result, FCT_EXTRACT_STATUS_CRASHED);
    }
  return result;
}
