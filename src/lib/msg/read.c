/* facteur — reads a message from a file or standard input without reading more than
 * FctLimits.message_max_bytes + 1 bytes (the extra byte detects the breach). */
#include "msg-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* First buffer for input of unknown size (a pipe); it doubles as needed. */
#define READ_CHUNK (64 * 1024)

static void
io_error_set (GError **error, const char *name, int errsv)
{
  if (errsv == ENOENT)
    g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_IO,
                 _ ("Cannot read the message “%s”: the file does not exist"), name);
  else
    g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_IO,
                 _ ("Cannot read the message “%s”: %s"), name, g_strerror (errsv));
}

/* size is the file's size when known (a regular file), 0 for a stream read past max. */
static void
too_large_set (GError **error, const char *name, guint64 size, gsize max)
{
  if (size > 0)
    g_set_error (error, FCT_MSG_ERROR, FCT_MSG_ERROR_TOO_LARGE,
                 _ ("Message too large: “%s” is %llu bytes, over the limit of %zu bytes "
                    "(message_max_bytes)"),
                 name, (unsigned long long)size, max);
  else
    g_set_error (
        error, FCT_MSG_ERROR, FCT_MSG_ERROR_TOO_LARGE,
        _ ("Message too large: “%s” is over the limit of %zu bytes (message_max_bytes)"),
        name, max);
}

/* Reads fd to its end, or until more than max bytes have come. */
static GBytes *
fd_read_capped (int fd, const char *name, gsize max, GError **error)
{
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      io_error_set (error, name, errno);
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      io_error_set (error, name, EISDIR);
      return NULL;
    }

  gsize cap = max < G_MAXSIZE ? max + 1 : max;
  gsize size = READ_CHUNK;
  if (S_ISREG (st.st_mode))
    {
      /* A regular file says its size: refuse it before reading anything. */
      if (st.st_size >= 0 && (guint64)st.st_size > max)
        {
          too_large_set (error, name, (guint64)st.st_size, max);
          return NULL;
        }
      /* One more byte than the size, to see a file that grew meanwhile. */
      size = (gsize)st.st_size + 1;
    }
  size = MIN (size, cap);
  if (size == 0)
    size = 1;

  g_autofree guint8 *buf = g_malloc (size);
  gsize len = 0;
  while (len < cap)
    {
      if (len == size)
        {
          size = size <= cap / 2 ? size * 2 : cap;
          buf = g_realloc (buf, size);
        }
      ssize_t n = read (fd, buf + len, size - len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          io_error_set (error, name, errno);
          return NULL;
        }
      if (n == 0)
        break;
      len += (gsize)n;
    }
  if (len > max)
    {
      too_large_set (error, name, 0, max);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&buf), len);
}

FctMsg *
fct_msg_new_from_file (const char *path, const FctLimits *limits, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (limits == NULL)
    limits = fct_limits_default ();

  gboolean is_stdin = strcmp (path, "-") == 0;
  const char *name = is_stdin ? _ ("standard input") : path;
  int fd = is_stdin ? STDIN_FILENO : g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      io_error_set (error, name, errno);
      return NULL;
    }

  g_autoptr (GBytes) bytes = fd_read_capped (fd, name, limits->message_max_bytes, error);
  if (!is_stdin)
    close (fd);
  if (bytes == NULL)
    return NULL;

  FctMsg *msg = fct_msg_new_from_bytes (bytes, limits, error);
  if (msg == NULL)
    g_prefix_error (error, "%s: ", name);
  return msg;
}
