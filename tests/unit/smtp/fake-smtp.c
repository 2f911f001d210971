/* facteur tests — a scripted SMTP server on loopback (see fake-smtp.h). */
#include "fake-smtp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct _FakeSmtp
{
  FakeMode mode;
  char *greeting;
  FakeHandler handler;
  gpointer data;
  int listen_fd;
  guint16 port;
  GThread *thread;
  gint stop;
  GMutex lock;
  guint active, peak;
  GPtrArray *commands;
  GPtrArray *sessions; /* GThread * */
};

typedef struct
{
  FakeSmtp *fake;
  int fd;
} Session;

static gboolean
send_all (int fd, const char *s, gsize len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, s, len, MSG_NOSIGNAL);
      if (n <= 0)
        return FALSE;
      s += n;
      len -= (gsize)n;
    }
  return TRUE;
}

static gboolean
stopping (FakeSmtp *f)
{
  return g_atomic_int_get (&f->stop) != 0;
}

static void
hostile (FakeSmtp *f, int fd)
{
  switch (f->mode)
    {
    case FAKE_SILENT:
      while (!stopping (f))
        g_usleep (10000);
      return;
    case FAKE_ENDLESS_BANNER:
      while (!stopping (f) && send_all (fd, "220-hello again\r\n", 17))
        ;
      return;
    case FAKE_HUGE_LINE:
      {
        gsize n = 1024 * 1024;
        g_autofree char *line = g_malloc (n + 6);
        memcpy (line, "220 ", 4);
        memset (line + 4, 'a', n);
        memcpy (line + 4 + n, "\r\n", 2);
        send_all (fd, line, n + 6);
        while (!stopping (f))
          g_usleep (10000);
        return;
      }
    case FAKE_TRICKLE:
      while (!stopping (f) && send_all (fd, "2", 1))
        g_usleep (20000);
      return;
    case FAKE_NORMAL:
    case FAKE_INJECT:
    case FAKE_PLAIN:
      return;
    }
}

static gpointer
session_run (gpointer data)
{
  Session *s = data;
  FakeSmtp *f = s->fake;
  GString *line = g_string_new (NULL);

  g_mutex_lock (&f->lock);
  f->active++;
  f->peak = MAX (f->peak, f->active);
  g_mutex_unlock (&f->lock);

  if (f->mode != FAKE_NORMAL && f->mode != FAKE_INJECT && f->mode != FAKE_PLAIN)
    hostile (f, s->fd);
  else if (send_all (s->fd, f->greeting, strlen (f->greeting)))
    {
      char buf[512];
      for (;;)
        {
          struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
          if (stopping (f))
            break;
          if (poll (&pfd, 1, 50) <= 0)
            continue;
          ssize_t n = recv (s->fd, buf, sizeof buf, 0);
          if (n <= 0)
            break;
          if (f->mode == FAKE_PLAIN)
            {
              static const char refusal[] = "500 5.5.2 Error: command not recognized\r\n";
              if (!send_all (s->fd, refusal, sizeof refusal - 1))
                break;
              continue;
            }
          g_string_append_len (line, buf, n);
          char *eol;
          gboolean hang_up = FALSE;
          while (!hang_up && (eol = strstr (line->str, "\r\n")) != NULL)
            {
              g_autofree char *command = g_strndup (line->str, (gsize)(eol - line->str));
              g_string_erase (line, 0, eol - line->str + 2);
              g_mutex_lock (&f->lock);
              g_ptr_array_add (f->commands, g_strdup (command));
              g_mutex_unlock (&f->lock);
              g_autofree char *reply = NULL;
              if (f->mode == FAKE_INJECT && g_ascii_strcasecmp (command, "STARTTLS") == 0)
                reply = g_strdup ("220 go ahead\r\n250 injected\r\n");
              else if (g_ascii_strcasecmp (command, "QUIT") == 0)
                reply = g_strdup ("221 bye\r\n");
              else
                reply = f->handler (command, f->data);
              if (reply == NULL || !send_all (s->fd, reply, strlen (reply))
                  || g_ascii_strcasecmp (command, "QUIT") == 0)
                hang_up = TRUE;
            }
          if (hang_up)
            break;
        }
    }
  g_string_free (line, TRUE);
  close (s->fd);
  g_mutex_lock (&f->lock);
  f->active--;
  g_mutex_unlock (&f->lock);
  g_free (s);
  return NULL;
}

static gpointer
accept_run (gpointer data)
{
  FakeSmtp *f = data;
  while (!stopping (f))
    {
      struct pollfd pfd = { .fd = f->listen_fd, .events = POLLIN };
      if (poll (&pfd, 1, 50) <= 0)
        continue;
      int fd = accept (f->listen_fd, NULL, NULL);
      if (fd < 0)
        continue;
      Session *s = g_new0 (Session, 1);
      s->fake = f;
      s->fd = fd;
      g_mutex_lock (&f->lock);
      g_ptr_array_add (f->sessions, g_thread_new ("fake-smtp-session", session_run, s));
      g_mutex_unlock (&f->lock);
    }
  return NULL;
}

static int
bind_loopback (guint16 *port)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET };
  socklen_t len = sizeof sa;
  int one = 1;

  g_assert_cmpint (fd, >=, 0);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&sa, &len), ==, 0);
  *port = ntohs (sa.sin_port);
  return fd;
}

FakeSmtp *
fake_smtp_start (FakeMode mode, const char *greeting, FakeHandler handler, gpointer data)
{
  FakeSmtp *f = g_new0 (FakeSmtp, 1);
  f->mode = mode;
  f->greeting = g_strdup (greeting != NULL ? greeting : "220 fake.test ESMTP\r\n");
  f->handler = handler;
  f->data = data;
  f->commands = g_ptr_array_new_with_free_func (g_free);
  f->sessions = g_ptr_array_new ();
  g_mutex_init (&f->lock);
  f->listen_fd = bind_loopback (&f->port);
  g_assert_cmpint (listen (f->listen_fd, 64), ==, 0);
  f->thread = g_thread_new ("fake-smtp", accept_run, f);
  return f;
}

guint16
fake_smtp_get_port (FakeSmtp *fake)
{
  return fake->port;
}

guint
fake_smtp_get_peak (FakeSmtp *fake)
{
  g_mutex_lock (&fake->lock);
  guint peak = fake->peak;
  g_mutex_unlock (&fake->lock);
  return peak;
}

GPtrArray *
fake_smtp_get_commands (FakeSmtp *fake)
{
  return fake->commands;
}

void
fake_smtp_stop (FakeSmtp *fake)
{
  if (fake == NULL)
    return;
  g_atomic_int_set (&fake->stop, 1);
  g_thread_join (fake->thread);
  for (guint i = 0; i < fake->sessions->len; i++)
    g_thread_join (g_ptr_array_index (fake->sessions, i));
  close (fake->listen_fd);
  g_ptr_array_unref (fake->sessions);
  g_ptr_array_unref (fake->commands);
  g_mutex_clear (&fake->lock);
  g_free (fake->greeting);
  g_free (fake);
}

guint16
fake_smtp_closed_port (int *fd)
{
  struct sockaddr_in sa = { .sin_family = AF_INET };
  socklen_t len = sizeof sa;

  /* Bound without SO_REUSEADDR and kept: no other program (another test running at the
     same time) can listen there until the caller closes it. */
  *fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (*fd, >=, 0);
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (*fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (*fd, (struct sockaddr *)&sa, &len), ==, 0);
  return ntohs (sa.sin_port);
}
