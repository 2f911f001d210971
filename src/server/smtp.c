/* facteur serve — the SMTP inbox: GSocketService connections driving the library's
 * protocol engine (fct_smtp_session_*), messages written to a spool file as they come,
 * and the 250 after the final dot only once the file is fsynced and its rows committed
 * (one writer thread, group commit); STARTTLS through OpenSSL memory BIOs, with a key
 * whose signatures the key holder makes (ca.c). Sockets and files only: the protocol is
 * in src/lib/smtp/server.c. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <string.h>
#include <unistd.h>

#define READ_SIZE 8192
/* Messages committed in one transaction at most (group commit). */
#define BATCH_MAX 64
/* Spool files synced at once. */
#define SYNC_THREADS 16

typedef struct
{
  gint ref;
  FctServer *server;
  GIOStream *stream; /* the socket connection */
  SSL *tls;          /* after STARTTLS: network bytes go through it */
  FctSmtpSession *session;
  char *ip;
  GCancellable *cancel;
  guint8 buf[READ_SIZE];
  gboolean reading, writing, closing, closed, waiting, tls_pending, handshaking;
  GSource *timer;
  int fd;         /* spool file being written, or -1 */
  char *tmp_path; /* its name in spool/tmp */
  char *queue_id;
  gboolean write_failed;
} Conn;

/* One message for the writer thread. */
typedef struct
{
  Conn *conn;
  int fd;
  char *tmp_path, *final_path;
  GPtrArray *messages; /* FctStoreMessage *, one per test token */
  gboolean ok;
} WriteJob;

static void conn_process (Conn *c);
static void tls_input (Conn *c);

static Conn *
conn_ref (Conn *c)
{
  c->ref++;
  return c;
}

static void
conn_discard_file (Conn *c)
{
  if (c->fd >= 0)
    close (c->fd);
  c->fd = -1;
  if (c->tmp_path != NULL)
    g_unlink (c->tmp_path);
  g_clear_pointer (&c->tmp_path, g_free);
  g_clear_pointer (&c->queue_id, g_free);
  c->write_failed = FALSE;
}

static void
conn_unref (Conn *c)
{
  if (--c->ref > 0)
    return;
  conn_discard_file (c);
  if (c->timer != NULL)
    {
      g_source_destroy (c->timer);
      g_source_unref (c->timer);
    }
  fct_anvil_disconnect (c->server->anvil, c->ip);
  c->server->smtp_connections--;
  fct_smtp_session_free (c->session);
  if (c->tls != NULL)
    SSL_free (c->tls);
  g_clear_object (&c->stream);
  g_clear_object (&c->cancel);
  g_free (c->ip);
  g_free (c);
}

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

static void
closed_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Conn *c = data;
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  conn_unref (c);
}

/* Closes once every reply is written. */
static void
conn_close (Conn *c)
{
  c->closing = TRUE;
  if (c->writing || c->closed)
    return;
  c->closed = TRUE;
  g_cancellable_cancel (c->cancel);
  if (c->timer != NULL)
    {
      g_source_destroy (c->timer);
      g_clear_pointer (&c->timer, g_source_unref);
    }
  g_io_stream_close_async (c->stream, G_PRIORITY_DEFAULT, NULL, closed_cb, conn_ref (c));
}

static void write_output (Conn *c);

static void
written_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  c->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    conn_close (c);
  else if (c->closing)
    conn_close (c);
  else
    conn_process (c);
  conn_unref (c);
}

/* The bytes to send: the session's replies, through TLS once it is on (transfer full),
 * or NULL. */
static GBytes *
take_output (Conn *c)
{
  gsize len;
  const guint8 *out = fct_smtp_session_peek_output (c->session, &len);
  if (c->tls == NULL)
    {
      GBytes *bytes = len > 0 ? g_bytes_new (out, len) : NULL;
      fct_smtp_session_consume_output (c->session, len);
      return bytes;
    }
  /* Into a memory BIO SSL_write neither blocks nor writes in part. */
  len = MIN (len, (gsize)G_MAXINT);
  if (len > 0 && !c->handshaking && SSL_write (c->tls, out, (int)len) == (int)len)
    fct_smtp_session_consume_output (c->session, len);
  ERR_clear_error ();
  BIO *wbio = SSL_get_wbio (c->tls);
  size_t pending = BIO_ctrl_pending (wbio);
  if (pending == 0 || pending > G_MAXINT)
    return NULL;
  guint8 *buf = g_malloc (pending);
  int n = BIO_read (wbio, buf, (int)pending);
  return g_bytes_new_take (buf, (gsize)MAX (n, 0));
}

static void
write_output (Conn *c)
{
  if (c->writing || c->closed)
    return;
  GBytes *bytes = take_output (c);
  if (bytes == NULL)
    return;
  gsize len = g_bytes_get_size (bytes);
  c->writing = TRUE;
  /* The bytes must outlive the write: the stream keeps them until the next write
   * replaces them, or until it is freed. */
  GOutputStream *os = g_io_stream_get_output_stream (c->stream);
  g_object_set_data_full (G_OBJECT (os), "fct-pending", bytes,
                          (GDestroyNotify)g_bytes_unref);
  g_output_stream_write_all_async (os, g_bytes_get_data (bytes, NULL), len,
                                   G_PRIORITY_DEFAULT, c->cancel, written_cb, conn_ref (c));
}

static void
read_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  c->reading = FALSE;
  if (c->closed)
    {
      conn_unref (c);
      return;
    }
  if (n <= 0)
    {
      /* The client went away (or was cut off): a message in progress is dropped and
       * it heard no 250 for it. */
      if (!c->waiting)
        conn_discard_file (c);
      c->closing = TRUE;
      conn_close (c);
    }
  else if (c->tls != NULL)
    {
      BIO_write (SSL_get_rbio (c->tls), c->buf, (int)n);
      tls_input (c);
    }
  else
    {
      fct_smtp_session_push (c->session, c->buf, (gsize)n);
      conn_process (c);
    }
  conn_unref (c);
}

static gboolean
timer_cb (gpointer data)
{
  Conn *c = data;
  g_clear_pointer (&c->timer, g_source_unref);
  /* A handshake gets one command's time (RFC 5321 §4.5.3.2.7). */
  if (c->handshaking)
    conn_close (c);
  else
    conn_process (c);
  return G_SOURCE_REMOVE;
}

static void
arm_timer (Conn *c)
{
  gint64 deadline = fct_smtp_session_get_deadline (c->session);
  if (c->timer != NULL)
    {
      g_source_destroy (c->timer);
      g_clear_pointer (&c->timer, g_source_unref);
    }
  if (deadline == G_MAXINT64 || c->closed)
    return;
  gint64 wait = MAX (deadline - now_ms (), 0);
  c->timer = g_timeout_source_new ((guint)MIN (wait, G_MAXUINT));
  g_source_set_callback (c->timer, timer_cb, c, NULL);
  g_source_attach (c->timer, c->server->context);
}

/* ---- the spool file ---------------------------------------------------------------- */

static char *
received_field (Conn *c)
{
  const FctSmtpEnvelope *env = fct_smtp_session_get_envelope (c->session);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S %z");
  /* RFC 5321 §4.4 trace field; "with" values from RFC 3848 (ESMTPS with TLS, UTF8SMTPS
   * with SMTPUTF8, RFC 6531 §3.7.3). */
  const char *with = env->smtputf8
                         ? (env->tls_version ? "UTF8SMTPS" : "UTF8SMTP")
                         : (env->tls_version ? "ESMTPS" : (env->esmtp ? "ESMTP" : "SMTP"));
  g_autofree char *tls
      = env->tls_version != NULL ? g_strdup_printf (
            " (%s %s)", env->tls_version, env->tls_cipher != NULL ? env->tls_cipher : "")
                                 : g_strdup ("");
  /* The HELO name is the client's word: kept printable, as Postfix does. */
  g_autofree char *helo = g_strdup (env->helo != NULL ? env->helo : "unknown");
  g_strcanon (helo, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]",
              '?');
  return g_strdup_printf ("Received: from %s ([%s])\r\n\tby %s (facteur) with %s%s id %s;"
                          "\r\n\t%s\r\n",
                          helo, c->ip, c->server->config.hostname, with, tls, c->queue_id,
                          date);
}

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

static void
spool_write (Conn *c, GBytes *bytes)
{
  if (c->write_failed)
    return;
  if (c->fd < 0)
    {
      g_autofree char *token = fct_serve_token_new ();
      if (token == NULL)
        {
          c->write_failed = TRUE;
          return;
        }
      c->queue_id = g_strndup (token, 16);
      g_autofree char *name = g_strconcat (c->queue_id, ".eml", NULL);
      c->tmp_path = g_build_filename (c->server->config.spool, "tmp", name, NULL);
      c->fd = open (c->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      g_autofree char *received = received_field (c);
      if (c->fd < 0 || !write_all (c->fd, (const guint8 *)received, strlen (received)))
        {
          g_warning ("spool %s: %s", c->tmp_path, g_strerror (errno));
          c->write_failed = TRUE;
          return;
        }
    }
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  if (!write_all (c->fd, p, len))
    {
      g_warning ("spool %s: %s", c->tmp_path, g_strerror (errno));
      c->write_failed = TRUE;
    }
}

/* ---- the writer thread: fsync, rename, commit -------------------------------------- */

static gboolean
reply_cb (gpointer data)
{
  WriteJob *job = data;
  Conn *c = job->conn;
  c->waiting = FALSE;
  if (!c->closed)
    fct_smtp_session_message_done (c->session, job->ok, c->queue_id, now_ms ());
  c->fd = -1;
  g_clear_pointer (&c->tmp_path, g_free);
  g_clear_pointer (&c->queue_id, g_free);
  while (job->ok && job->messages->len > 0)
    fct_serve_check_push (c->server, g_ptr_array_steal_index (job->messages, 0));
  if (!c->closed)
    conn_process (c);
  conn_unref (c);
  g_ptr_array_unref (job->messages);
  g_free (job->tmp_path);
  g_free (job->final_path);
  g_free (job);
  return G_SOURCE_REMOVE;
}

static gboolean
job_sync (WriteJob *job)
{
  gboolean ok = fsync (job->fd) == 0;
  ok = close (job->fd) == 0 && ok;
  if (!ok || g_rename (job->tmp_path, job->final_path) != 0)
    {
      g_warning ("spool %s: %s", job->tmp_path, g_strerror (errno));
      g_unlink (job->tmp_path);
      return FALSE;
    }
  return TRUE;
}

static gpointer
writer_main (gpointer data)
{
  FctServer *server = data;
  g_autoptr (GError) error = NULL;
  FctStoreOptions options = { .durable = TRUE, .key_path = server->config.db_key };
  g_autoptr (FctStore) store = fct_store_open (server->config.db, &options, &error);
  if (store == NULL)
    g_warning ("writer: %s", error->message);
  for (;;)
    {
      WriteJob *first = g_async_queue_pop (server->writes);
      if (first->conn == NULL)
        {
          g_free (first);
          return NULL;
        }
      g_autoptr (GPtrArray) batch = g_ptr_array_new ();
      g_ptr_array_add (batch, first);
      WriteJob *more;
      while (batch->len < BATCH_MAX && (more = g_async_queue_try_pop (server->writes)))
        {
          if (more->conn == NULL)
            {
              /* Stop after this batch. */
              g_async_queue_push_front (server->writes, more);
              break;
            }
          g_ptr_array_add (batch, more);
        }
      g_autoptr (GPtrArray) rows = g_ptr_array_new ();
      for (guint i = 0; i < batch->len; i++)
        {
          WriteJob *job = g_ptr_array_index (batch, i);
          for (guint k = 0; job->ok && k < job->messages->len; k++)
            g_ptr_array_add (rows, g_ptr_array_index (job->messages, k));
        }
      /* The rename is durable once the folder is synced (ext4 and others). */
      int dir = open (server->config.spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      gboolean dir_ok = dir >= 0 && fsync (dir) == 0;
      if (dir >= 0)
        close (dir);
      g_clear_error (&error);
      gboolean committed
          = dir_ok && store != NULL
            && fct_store_messages_add (store, (FctStoreMessage *const *)rows->pdata,
                                       rows->len, &error);
      if (!committed && error != NULL)
        g_warning ("writer: %s", error->message);
      for (guint i = 0; i < batch->len; i++)
        {
          WriteJob *job = g_ptr_array_index (batch, i);
          if (!committed && job->ok)
            {
              g_unlink (job->final_path);
              job->ok = FALSE;
            }
          g_main_context_invoke (server->context, reply_cb, job);
        }
    }
}

/* Each file is synced in a thread of its own: the file system merges fsyncs that run at
 * once into one journal commit, which a single thread syncing in turn would not get. */
static void
sync_worker (gpointer data, gpointer user_data)
{
  WriteJob *job = data;
  FctServer *server = user_data;
  job->ok = job_sync (job);
  g_async_queue_push (server->writes, job);
}

/* ---- the session loop -------------------------------------------------------------- */

static FctStoreMessage *
message_for (Conn *c, const char *token, const char *path)
{
  const FctSmtpEnvelope *env = fct_smtp_session_get_envelope (c->session);
  FctStoreMessage *m = g_new0 (FctStoreMessage, 1);
  m->token = g_strdup (token);
  m->received = fct_serve_now ();
  m->spool = g_strdup (path);
  m->client_ip = g_strdup (c->ip);
  m->helo = g_strdup (env->helo);
  m->mail_from = g_strdup (env->mail_from);
  m->tls_version = g_strdup (env->tls_version);
  m->tls_cipher = g_strdup (env->tls_cipher);
  m->size = (gint64)env->size;
  return m;
}

static void
message_complete (Conn *c)
{
  const FctSmtpEnvelope *env = fct_smtp_session_get_envelope (c->session);
  if (c->fd < 0 && !c->write_failed)
    {
      g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
      spool_write (c, empty);
    }
  if (c->write_failed)
    {
      conn_discard_file (c);
      fct_smtp_session_message_done (c->session, FALSE, NULL, now_ms ());
      return;
    }
  WriteJob *job = g_new0 (WriteJob, 1);
  job->conn = conn_ref (c);
  job->fd = c->fd;
  job->tmp_path = g_strdup (c->tmp_path);
  g_autofree char *name = g_strconcat (c->queue_id, ".eml", NULL);
  job->final_path = g_build_filename (c->server->config.spool, name, NULL);
  job->messages = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_store_message_free);
  for (guint i = 0; i < env->tokens->len; i++)
    g_ptr_array_add (job->messages,
                     message_for (c, g_ptr_array_index (env->tokens, i), job->final_path));
  c->waiting = TRUE;
  g_thread_pool_push (c->server->syncs, job, NULL);
}

/* Network bytes have been fed to OpenSSL: the handshake goes on, or the plain text goes
 * to the session. */
static void
tls_input (Conn *c)
{
  if (c->handshaking)
    {
      int r = SSL_do_handshake (c->tls);
      if (r != 1)
        {
          gboolean more = SSL_get_error (c->tls, r) == SSL_ERROR_WANT_READ;
          ERR_clear_error ();
          if (more)
            conn_process (c);
          else
            {
              /* The alert OpenSSL wrote goes out before the close. */
              write_output (c);
              conn_close (c);
            }
          return;
        }
      c->handshaking = FALSE;
      const SSL_CIPHER *cipher = SSL_get_current_cipher (c->tls);
      fct_smtp_session_tls_started (c->session, SSL_get_version (c->tls),
                                    cipher != NULL ? SSL_CIPHER_get_name (cipher) : NULL,
                                    now_ms ());
    }
  guint8 plain[READ_SIZE];
  for (;;)
    {
      int n = SSL_read (c->tls, plain, sizeof plain);
      if (n > 0)
        {
          fct_smtp_session_push (c->session, plain, (gsize)n);
          continue;
        }
      gboolean more = SSL_get_error (c->tls, n) == SSL_ERROR_WANT_READ;
      ERR_clear_error ();
      if (more)
        break;
      /* close_notify or a broken record: the client is gone, as after a close. */
      if (!c->waiting)
        conn_discard_file (c);
      conn_close (c);
      return;
    }
  conn_process (c);
}

static void
start_tls (Conn *c)
{
  BIO *rbio = BIO_new (BIO_s_mem ());
  BIO *wbio = BIO_new (BIO_s_mem ());
  c->tls = SSL_new (c->server->tls);
  if (c->tls == NULL || rbio == NULL || wbio == NULL)
    {
      BIO_free (rbio);
      BIO_free (wbio);
      g_warning ("STARTTLS: %s", "SSL_new");
      conn_close (c);
      return;
    }
  SSL_set_bio (c->tls, rbio, wbio);
  SSL_set_accept_state (c->tls);
  c->handshaking = TRUE;
  if (c->timer != NULL)
    {
      g_source_destroy (c->timer);
      g_source_unref (c->timer);
    }
  c->timer = g_timeout_source_new (c->server->limits.smtp_server_command_timeout_ms);
  g_source_set_callback (c->timer, timer_cb, c, NULL);
  g_source_attach (c->timer, c->server->context);
  conn_process (c);
}

static void
conn_process (Conn *c)
{
  if (c->closed)
    return;
  if (c->handshaking)
    {
      /* OpenSSL's handshake messages out, the client's in. */
      write_output (c);
      if (!c->reading && !c->closed)
        {
          c->reading = TRUE;
          g_input_stream_read_async (g_io_stream_get_input_stream (c->stream), c->buf,
                                     READ_SIZE, G_PRIORITY_DEFAULT, c->cancel, read_cb,
                                     conn_ref (c));
        }
      return;
    }
  if (c->tls_pending)
    {
      gsize pending;
      fct_smtp_session_peek_output (c->session, &pending);
      if (pending > 0 || c->writing)
        write_output (c);
      else
        {
          c->tls_pending = FALSE;
          start_tls (c);
        }
      return;
    }
  for (;;)
    {
      FctSmtpSessionEvent e = fct_smtp_session_step (c->session, now_ms ());
      switch (e)
        {
        case FCT_SMTP_SESSION_DATA:
          {
            g_autoptr (GBytes) bytes = fct_smtp_session_take_data (c->session);
            spool_write (c, bytes);
            continue;
          }
        case FCT_SMTP_SESSION_DISCARD:
          conn_discard_file (c);
          continue;
        case FCT_SMTP_SESSION_MESSAGE:
          message_complete (c);
          continue;
        case FCT_SMTP_SESSION_STARTTLS:
          /* The handshake starts once the 220 is out. No read is pending here: input is
           * read only after processing, so the client's hello is not taken as text. */
          if (c->reading)
            {
              conn_close (c);
              return;
            }
          c->tls_pending = TRUE;
          break;
        case FCT_SMTP_SESSION_CLOSE:
          write_output (c);
          conn_close (c);
          return;
        case FCT_SMTP_SESSION_NEED_INPUT:
          break;
        }
      break;
    }
  write_output (c);
  if (c->tls_pending)
    {
      conn_process (c);
      return;
    }
  if (!c->reading && !c->closed && fct_smtp_session_wants_input (c->session))
    {
      c->reading = TRUE;
      g_input_stream_read_async (g_io_stream_get_input_stream (c->stream), c->buf,
                                 READ_SIZE, G_PRIORITY_DEFAULT, c->cancel, read_cb,
                                 conn_ref (c));
    }
  arm_timer (c);
}

static FctSmtpRcptStatus
rcpt_check (const char *token, gpointer data)
{
  FctServer *server = data;
  g_autoptr (GError) error = NULL;
  int exists = fct_store_test_exists (server->store, token, &error);
  if (exists < 0)
    g_warning ("RCPT: %s", error->message);
  return exists > 0    ? FCT_SMTP_RCPT_OK
         : exists == 0 ? FCT_SMTP_RCPT_UNKNOWN
                       : FCT_SMTP_RCPT_TEMPFAIL;
}

/* The client's address as SPF and blocklists want it: on a dual-stack socket an IPv4
 * client arrives as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), which is the IPv4 address. */
static char *
client_ip (GInetAddress *address)
{
  static const guint8 mapped[12] = { [10] = 0xff, [11] = 0xff };
  const guint8 *bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6
      && memcmp (bytes, mapped, sizeof mapped) == 0)
    return g_strdup_printf ("%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
  return g_inet_address_to_string (address);
}

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *connection, GObject *source,
             gpointer data)
{
  FctServer *server = data;
  (void)service;
  (void)source;
  g_autoptr (GSocketAddress) remote
      = g_socket_connection_get_remote_address (connection, NULL);
  if (remote == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return TRUE;
  g_autofree char *ip
      = client_ip (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  GOutputStream *os = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  if (server->smtp_connections >= (guint)server->config.connections_max
      || !fct_anvil_connect (server->anvil, ip, (guint)server->config.connections_per_ip))
    {
      /* RFC 5321 §3.1: a server may answer 421 instead of the greeting. One short write
       * to a new socket does not block. */
      static const char busy[] = "421 4.7.0 Too many connections, try again later\r\n";
      g_output_stream_write (os, busy, sizeof busy - 1, NULL, NULL);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  server->smtp_connections++;
  Conn *c = g_new0 (Conn, 1);
  c->ref = 1;
  c->server = server;
  c->stream = g_object_ref (G_IO_STREAM (connection));
  c->ip = g_steal_pointer (&ip);
  c->cancel = g_cancellable_new ();
  c->fd = -1;
  FctSmtpSessionOptions options = {
    .hostname = server->config.hostname,
    .test_domain = server->config.test_domain,
    .tls_available = server->tls != NULL,
    .rcpt_check = rcpt_check,
    .rcpt_check_data = server,
    .limits = &server->limits,
  };
  c->session = fct_smtp_session_new (&options, now_ms ());
  conn_process (c);
  conn_unref (c);
  return TRUE;
}

gboolean
fct_serve_listen_address (const char *text, GSocketAddress **address, GError **error)
{
  g_autoptr (GSocketConnectable) c = g_network_address_parse (text, 0, error);
  if (c == NULL)
    return FALSE;
  const char *host = g_network_address_get_hostname (G_NETWORK_ADDRESS (c));
  guint16 port = g_network_address_get_port (G_NETWORK_ADDRESS (c));
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (host);
  if (inet == NULL || port == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not an IP address and port (127.0.0.1:2525, [::1]:2525)"),
                   text);
      return FALSE;
    }
  *address = g_inet_socket_address_new (inet, port);
  return TRUE;
}

gboolean
fct_serve_smtp_start (FctServer *server, GError **error)
{
  g_autofree char *tmp = g_build_filename (server->config.spool, "tmp", NULL);
  if (g_mkdir_with_parents (tmp, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", tmp,
                   g_strerror (errno));
      return FALSE;
    }
  /* What is in tmp/ was never acknowledged (a crash during DATA): it goes. */
  g_autoptr (GDir) dir = g_dir_open (tmp, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp, name, NULL);
      g_unlink (path);
    }
  server->smtp_service = g_socket_service_new ();
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (server->smtp_service),
                                     server->smtp_socket, NULL, error))
    return FALSE;
  g_signal_connect (server->smtp_service, "incoming", G_CALLBACK (incoming_cb), server);
  server->writes = g_async_queue_new ();
  server->writer = g_thread_new ("fct-writer", writer_main, server);
  server->syncs = g_thread_pool_new (sync_worker, server, SYNC_THREADS, FALSE, error);
  if (server->syncs == NULL)
    return FALSE;
  g_socket_service_start (server->smtp_service);
  return TRUE;
}

void
fct_serve_smtp_stop (FctServer *server)
{
  if (server->smtp_service != NULL)
    {
      g_socket_service_stop (server->smtp_service);
      g_socket_listener_close (G_SOCKET_LISTENER (server->smtp_service));
      g_clear_object (&server->smtp_service);
    }
  if (server->syncs != NULL)
    {
      g_thread_pool_free (server->syncs, FALSE, TRUE);
      server->syncs = NULL;
    }
  if (server->writer != NULL)
    {
      g_async_queue_push (server->writes, g_new0 (WriteJob, 1));
      g_thread_join (server->writer);
      server->writer = NULL;
    }
  g_clear_pointer (&server->writes, g_async_queue_unref);
}
