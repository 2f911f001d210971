/* facteur — runs the document parsers in a child process (facteur-extract) so that a
 * hostile file cannot take down or stall the process that judges mail: the child gets
 * CPU, address-space, file-size and core limits before it runs, a wall-clock deadline
 * after which it is killed, and talks over one socket pair (content in, answer out,
 * both capped). The child is spawned for the document, or forked for it by a resident
 * helper (serve.c) that this file starts and restarts. Every outcome is a status;
 * nothing here fails. */
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
fct_extract_isolated_spawn (const char *helper, FctExtractKind kind, GBytes *bytes,
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
  /* A missing helper costs a stat, not a fork that fails. */
  if (!g_file_test (helper, G_FILE_TEST_IS_EXECUTABLE)
      || socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
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

/* Resident helpers, one per helper path, started on first use. */
typedef struct
{
  int control; /* SOCK_SEQPACKET to the resident, -1 when it is not running */
  GPid pid;
  gint64 retry_after; /* after a failed start, documents get children of their own
                         until then, rather than each waiting for a hello */
} Resident;

/* How long a helper that could not start as a resident is left alone. */
#define RESIDENT_RETRY_US (60 * G_USEC_PER_SEC)

static GMutex residents_lock;
static GHashTable *residents; /* helper path -> Resident* */

/* No PR_SET_PDEATHSIG here: it fires when the starting thread ends, which in a thread
   pool would drop the requests in flight. The resident ends when its control socket
   reads end of file, which happens when this process exits. It reads ordinary PDFs
   itself (serve.c): their memory is capped by the address-space limit, a soft one, so
   that the children it forks may set theirs from each request. */
static void
resident_setup (gpointer data)
{
  const gsize *memory_bytes = data;
  struct rlimit zero = { 0, 0 };

  (void)setrlimit (RLIMIT_FSIZE, &zero);
  (void)setrlimit (RLIMIT_CORE, &zero);
#ifndef FCT_ASAN
  {
    struct rlimit as = { *memory_bytes, RLIM_INFINITY };
    (void)setrlimit (RLIMIT_AS, &as);
  }
#else
  (void)memory_bytes;
#endif
  (void)prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static void
resident_stop (Resident *r)
{
  if (r->control >= 0)
    close (r->control);
  r->control = -1;
  if (r->pid > 0)
    {
      (void)kill (r->pid, SIGKILL);
      (void)waitpid (r->pid, NULL, 0);
      g_spawn_close_pid (r->pid);
    }
  r->pid = 0;
}

/* Starts the resident and waits for its hello until deadline. Called locked. */
static gboolean
resident_start (Resident *r, const char *helper, gint64 deadline, gsize memory_bytes)
{
  const char *argv[] = { helper, "--serve", NULL };
  char hello[sizeof FCT_EXTRACT_HELLO];
  int sv[2];
  gint64 now = g_get_monotonic_time ();
  struct pollfd p;
  ssize_t n;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return FALSE;
  if (!g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD
                                             | G_SPAWN_STDOUT_TO_DEV_NULL
                                             | G_SPAWN_STDERR_TO_DEV_NULL,
                                         resident_setup, &memory_bytes, sv[1], -1, -1, NULL,
                                         NULL, 0, &r->pid, NULL, NULL, NULL, NULL))
    {
      close (sv[0]);
      close (sv[1]);
      r->pid = 0;
      return FALSE;
    }
  close (sv[1]);
  r->control = sv[0];
  /* A helper that does not know --serve never says hello: it is not used. */
  p.fd = r->control;
  p.events = POLLIN;
  do
    n = poll (&p, 1, (int)MAX (0, (deadline - now) / 1000));
  while (n < 0 && errno == EINTR);
  if (n == 1)
    n = recv (r->control, hello, sizeof hello, MSG_DONTWAIT);
  if (n != (ssize_t)sizeof hello - 1 || memcmp (hello, FCT_EXTRACT_HELLO, (gsize)n) != 0)
    {
      resident_stop (r);
      return FALSE;
    }
  return TRUE;
}

/* A descriptor of the running resident for helper (the caller closes it), started if
   need be; restart forces a new one. -1 when it cannot run. */
static int
resident_control (const char *helper, gboolean restart, gint64 deadline,
                  const FctLimits *limits)
{
  Resident *r;
  int fd = -1;

  g_mutex_lock (&residents_lock);
  if (residents == NULL)
    residents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r = g_hash_table_lookup (residents, helper);
  if (r == NULL)
    {
      r = g_new0 (Resident, 1);
      r->control = -1;
      g_hash_table_insert (residents, g_strdup (helper), r);
    }
  if (restart)
    resident_stop (r);
  if (r->control < 0 && g_get_monotonic_time () >= r->retry_after
      && !resident_start (r, helper, deadline, limits->extract_memory_max_bytes))
    r->retry_after = g_get_monotonic_time () + RESIDENT_RETRY_US;
  /* A duplicate: another thread may restart the resident while this one sends. */
  if (r->control >= 0)
    fd = fcntl (r->control, F_DUPFD_CLOEXEC, 0);
  g_mutex_unlock (&residents_lock);
  return fd;
}

/* Starting costs an exec and loading poppler: it gets its own allowance, so that the
   documents' deadline measures documents, not a loaded machine's exec. */
#define RESIDENT_START_US (5 * G_USEC_PER_SEC)

gboolean
fct_extract_resident_start (const char *helper)
{
  int fd;

  if (helper == NULL)
    helper = fct_extract_helper_default ();
  if (!g_file_test (helper, G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  fd = resident_control (helper, FALSE, g_get_monotonic_time () + RESIDENT_START_US,
                         fct_limits_default ());
  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

void
fct_extract_residents_stop (void)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&residents_lock);
  if (residents != NULL)
    {
      g_hash_table_iter_init (&iter, residents);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          resident_stop (value);
          ((Resident *)value)->retry_after = 0;
        }
    }
  g_mutex_unlock (&residents_lock);
}

/* Sends a request with the worker's end of its socket pair. */
static gboolean
send_request (int control, const FctExtractRequest *req, int fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control_data;
  struct iovec iov = { (void *)req, sizeof *req };
  struct msghdr msg = { 0 };
  struct cmsghdr *c;
  ssize_t n;

  memset (&control_data, 0, sizeof control_data);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control_data.buf;
  msg.msg_controllen = sizeof control_data.buf;
  c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  do
    n = sendmsg (control, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t)sizeof *req;
}

FctExtractResult *
fct_extract_isolated (const char *helper, FctExtractKind kind, GBytes *bytes,
                      const FctLimits *limits, gint64 deadline)
{
  FctExtractResult *result;
  g_autoptr (GByteArray) answer = g_byte_array_new ();
  FctExtractRequest req = { 0 };
  gint64 now = g_get_monotonic_time ();
  gsize len = 0;
  const guint8 *data;
  gboolean sent = FALSE;
  gboolean finished, timed_out;
  int sv[2];

  g_return_val_if_fail (bytes != NULL, NULL);
  if (limits == NULL)
    limits = fct_limits_default ();
  if (helper == NULL)
    helper = fct_extract_helper_default ();
  if (now >= deadline)
    return with_status (fct_extract_result_new (), FCT_EXTRACT_STATUS_TIMEOUT);
  if (!g_file_test (helper, G_FILE_TEST_IS_EXECUTABLE))
    return with_status (fct_extract_result_new (), FCT_EXTRACT_STATUS_UNAVAILABLE);
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return with_status (fct_extract_result_new (), FCT_EXTRACT_STATUS_UNAVAILABLE);

  req.magic = FCT_EXTRACT_REQUEST_MAGIC;
  req.kind = kind;
  req.text_max = limits->extract_text_max_bytes;
  req.memory_bytes = limits->extract_memory_max_bytes;
  req.timeout_ms = (guint32)MAX (1, (deadline - now + 999) / 1000);
  req.cpu_seconds = MAX (1, (req.timeout_ms + 999) / 1000);
  /* A resident that died refuses the send: one restart, then a child of its own. */
  for (int attempt = 0; attempt < 2 && !sent; attempt++)
    {
      int control = resident_control (helper, attempt > 0, deadline, limits);
      if (control < 0)
        break;
      sent = send_request (control, &req, sv[1]);
      close (control);
    }
  close (sv[1]);
  if (!sent)
    {
      close (sv[0]);
      return fct_extract_isolated_spawn (helper, kind, bytes, limits, deadline);
    }

  data = g_bytes_get_data (bytes, &len);
  finished = converse (sv[0], data, len, deadline,
                       limits->extract_text_max_bytes + ANSWER_SLACK, answer, &timed_out);
  /* Closing ends a child still writing (EPIPE); one still parsing ends at its alarm,
     set to the same deadline. */
  close (sv[0]);
  result = fct_extract_result_new ();
  if (timed_out)
    return with_status (result, FCT_EXTRACT_STATUS_TIMEOUT);
  if (!finished
      || !fct_extract_result_parse (answer->data, answer->len,
                                    limits->extract_text_max_bytes, result))
    {
      /* Over its cap, or gone without an answer: a crash, the memory limit, the CPU
         limit, or its alarm a moment before ours. */
      fct_extract_result_free (result);
      return with_status (fct_extract_result_new (), FCT_EXTRACT_STATUS_CRASHED);
    }
  return result;
}
