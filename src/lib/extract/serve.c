/* facteur — the helper's side: one document read from a file descriptor and answered on
 * another, and the resident mode in which facteur-extract, started once, forks a fresh
 * child per document. The resident loads poppler, libgsf and libxml2 once and runs none
 * of them itself; each child gets its CPU, address-space and file limits and a
 * wall-clock alarm before it reads a byte, so every document is isolated as with a
 * process of its own, for the price of a fork instead of an exec. Ordinary PDFs are the
 * exception: facteur's own bounded reader reads them in the resident (serve_pdf). */
#include "extract-private.h"

#include <errno.h>
#include <gsf/gsf-utils.h>
#include <libxml/parser.h>
#include <poppler.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define FCT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FCT_ASAN 1
#endif
#endif

/* Input read at most: the parent sends at most FctLimits.archive_max_bytes. */
#define INPUT_MAX (256 * 1024 * 1024)

static gboolean
write_all (int fd, const guint8 *p, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize)n;
    }
  return TRUE;
}

static GBytes *
read_input (int in)
{
  g_autoptr (GByteArray) input = g_byte_array_new ();
  guint8 chunk[65536];

  for (;;)
    {
      ssize_t n = read (in, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || input->len >= INPUT_MAX)
        break;
      g_byte_array_append (input, chunk, (guint)n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&input));
}

static int
answer (int out, const FctExtractResult *result)
{
  g_autoptr (GBytes) wire = fct_extract_result_serialize (result);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (wire, &len);

  return write_all (out, data, len) ? 0 : 70;
}

int
fct_extract_serve_one (int in, int out, FctExtractKind kind, gsize text_max)
{
  g_autoptr (GBytes) bytes = read_input (in);
  g_autoptr (FctExtractResult) result = fct_extract_result_new ();

  result->status = fct_extract_any (kind, bytes, text_max, result, NULL)
                       ? FCT_EXTRACT_STATUS_OK
                       : FCT_EXTRACT_STATUS_UNREADABLE;
  return answer (out, result);
}

/* The document prewarm keeps open. poppler-glib builds its global parameters (font and
   encoding tables) when a first document opens and frees them when the last one
   closes: with none kept open, every child built them again, some 4 M instructions and
   their page faults per document. */
static PopplerDocument *kept_open;

/* Loads what every document needs once, so that the children inherit it: poppler's
   global parameters, libxml2's tables, libgsf's types. */
static void
prewarm (void)
{
  static const char pdf[] = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                            "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                            "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
                            "trailer<</Root 1 0 R>>\n%%EOF\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (pdf, sizeof pdf - 1);
  g_autoptr (FctExtractResult) result = fct_extract_result_new ();

  gsf_init ();
  xmlInitParser ();
  if (!fct_extract_pdf (bytes, 64, result, NULL))
    return; /* nothing preloaded: each child loads what it needs */
  kept_open = poppler_document_new_from_bytes (bytes, NULL, NULL);
}

static void
child_limits (const FctExtractRequest *req)
{
  struct rlimit cpu = { req->cpu_seconds, (rlim_t)req->cpu_seconds + 1 };
  struct rlimit zero = { 0, 0 };
  struct itimerval alarm_at
      = { { 0, 0 }, { req->timeout_ms / 1000, (req->timeout_ms % 1000) * 1000 } };

  (void)setrlimit (RLIMIT_CPU, &cpu);
  (void)setrlimit (RLIMIT_FSIZE, &zero);
  (void)setrlimit (RLIMIT_CORE, &zero);
  signal (SIGPIPE, SIG_DFL);
#ifndef FCT_ASAN
  {
    struct rlimit as = { req->memory_bytes, req->memory_bytes };
    (void)setrlimit (RLIMIT_AS, &as);
  }
#endif
  /* SIGALRM's default action ends the child at the parent's deadline. */
  signal (SIGALRM, SIG_DFL);
  (void)setitimer (ITIMER_REAL, &alarm_at, NULL);
}

static void
deadline_set (guint32 timeout_ms)
{
  struct itimerval at = { { 0, 0 }, { timeout_ms / 1000, (timeout_ms % 1000) * 1000 } };

  (void)setitimer (ITIMER_REAL, &at, NULL);
}

/* A PDF: read here when it is an ordinary one, else by poppler in a child of its own.
 *
 * Why here, without a fork (issue 12): the fork of this process, which has poppler's
 * ~334 mappings, and the child's page faults were 56 % of a PDF's cost, more than
 * reading an ordinary invoice takes. fct_extract_pdf_simple is facteur's own bounded
 * reader (pdfobj.c, pdftext.c): every loop and allocation is capped by FctLimits and
 * CONTENT_MAX, it runs no font program and no filter but zlib's inflate, and it leaves
 * to poppler every document it does not fully understand. Its isolation from the
 * process that judges mail is this process: a child of the judge with its own address
 * space, no file writes and, here, an address-space limit (isolate.c) and the
 * request's deadline as an alarm whose default action ends the resident, so that a
 * reading that loops or grows cannot outlive the request; the judge then reads a
 * crash or a timeout for that document and starts a new resident for the next one. A
 * hang or crash here also ends the requests queued behind it (documents the resident
 * had not begun), which then read as unreadable: the price of the fork saved, paid
 * only on a bug of the bounded reader, which its fuzz target (extract-pdftext) hunts.
 * poppler, a large parser of hostile input, keeps its fork per document. */
static void
serve_pdf (int control, const FctExtractRequest *req, int fd)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (FctExtractResult) result = fct_extract_result_new ();
  gboolean simple;
  pid_t pid;

  deadline_set (req->timeout_ms);
  bytes = read_input (fd);
  simple = fct_extract_pdf_simple (bytes, (gsize)req->text_max, result);
  deadline_set (0);
  if (simple)
    {
      result->status = FCT_EXTRACT_STATUS_OK;
      (void)answer (fd, result);
      return;
    }
  pid = fork ();
  if (pid == 0)
    {
      close (control);
      child_limits (req);
      result->status = fct_extract_pdf_poppler (bytes, (gsize)req->text_max, result, NULL)
                           ? FCT_EXTRACT_STATUS_OK
                           : FCT_EXTRACT_STATUS_UNREADABLE;
      _exit (answer (fd, result));
    }
}

/* Receives one request and the descriptor that comes with it; -1 when the parent is
   gone, 0 for a request to ignore, 1 for a request to serve. */
static int
receive (int control, FctExtractRequest *req, int *fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * 4)];
    struct cmsghdr align;
  } control_data;
  struct iovec iov = { req, sizeof *req };
  struct msghdr msg = { 0 };
  ssize_t n;

  *fd = -1;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control_data.buf;
  msg.msg_controllen = sizeof control_data.buf;
  do
    n = recvmsg (control, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int fds[4];
        gsize count = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);

        memcpy (fds, CMSG_DATA (c), MIN (count, G_N_ELEMENTS (fds)) * sizeof (int));
        for (gsize i = 0; i < MIN (count, G_N_ELEMENTS (fds)); i++)
          {
            if (*fd < 0)
              *fd = fds[i];
            else
              close (fds[i]);
          }
      }
  if ((gsize)n != sizeof *req || *fd < 0 || req->magic != FCT_EXTRACT_REQUEST_MAGIC
      || req->kind > FCT_EXTRACT_KIND_OLE || req->text_max == 0 || req->timeout_ms == 0
      || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
    {
      if (*fd >= 0)
        close (*fd);
      return 0;
    }
  return 1;
}

void
fct_extract_serve (int control)
{
  struct sigaction reap = { 0 };
  static const char hello[] = FCT_EXTRACT_HELLO;

  /* Children are reaped by the kernel: the parent reads their answers, not their exit
     status. */
  reap.sa_handler = SIG_IGN;
  reap.sa_flags = SA_NOCLDWAIT;
  sigaction (SIGCHLD, &reap, NULL);
  /* A parent that gave up closes its socket: the resident's answer then fails with
     EPIPE rather than a SIGPIPE that would end it; SIGALRM ends it (serve_pdf). */
  signal (SIGPIPE, SIG_IGN);
  signal (SIGALRM, SIG_DFL);
  prewarm ();
  if (send (control, hello, sizeof hello - 1, MSG_NOSIGNAL) < 0)
    return;
  for (;;)
    {
      FctExtractRequest req;
      int fd;
      int r = receive (control, &req, &fd);
      pid_t pid;

      if (r < 0)
        return;
      if (r == 0)
        continue;
      if (req.kind == FCT_EXTRACT_KIND_PDF)
        serve_pdf (control, &req, fd);
      else
        {
          pid = fork ();
          if (pid == 0)
            {
              close (control);
              child_limits (&req);
              _exit (fct_extract_serve_one (fd, fd, (FctExtractKind)req.kind,
                                            (gsize)req.text_max));
            }
        }
      /* A failed fork closes the descriptor unanswered: the parent reads a crash. */
      close (fd);
    }
}
