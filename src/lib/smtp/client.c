/* facteur — a blocking SMTP client for probes: connect, read replies, send commands,
 * STARTTLS (RFC 3207), each step under a deadline (RFC 5321 §4.5.3.2 timeouts, shortened
 * for probing).
 *
 * Why plain non-blocking sockets, poll(2) and OpenSSL rather than libevent or GIO: a
 * probe is a short, strictly sequential dialogue, so a blocking API with explicit
 * deadlines is the simplest thing that is bounded in time; batch concurrency comes from
 * running probes on a thread pool. GIO's TLS needs glib-networking, which is not a
 * dependency, and libevent would add a second event loop beside the GLib main context
 * the DNS resolver runs on. TLS goes through memory BIOs so that every byte on the
 * socket passes through the same deadline-aware send/recv (MSG_NOSIGNAL: a closed peer
 * cannot raise SIGPIPE in the caller's process). */
#include "smtp-private.h"
#include <glib/gi18n-lib.h>

#include <errno.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK 4096

struct _FctSmtpClient
{
  int fd;
  SSL_CTX *tls_ctx;
  SSL *tls;
  BIO *rbio; /* network -> OpenSSL (owned by tls) */
  BIO *wbio; /* OpenSSL -> network (owned by tls) */
  FctSmtpReplyParser *parser;
  FctSmtpTranscript *transcript;
  guint reply_timeout_ms;
  char *server_name; /* what the certificate is checked against */
};

static gint64
deadline_in (guint ms)
{
  return g_get_monotonic_time () + (gint64)ms * 1000;
}

/* Waits for events on fd until deadline. */
static gboolean
wait_fd (int fd, short events, gint64 deadline, GError **error)
{
  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      if (left <= 0)
        {
          g_set_error_literal (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_TIMEOUT,
                               _ ("timed out waiting for the server"));
          return FALSE;
        }
      struct pollfd pfd = { .fd = fd, .events = events };
      int ms = (int)MIN ((left + 999) / 1000, G_MAXINT);
      int r = poll (&pfd, 1, ms);
      if (r > 0)
        return TRUE;
      if (r < 0 && errno != EINTR)
        {
          int saved = errno;
          g_set_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_IO,
                       _ ("cannot wait for the server: %s"), g_strerror (saved));
          return FALSE;
        }
    }
}

static gboolean
send_raw (FctSmtpClient *c, const guint8 *data, gsize len, gint64 deadline, GError **error)
{
  while (len > 0)
    {
      ssize_t n = send (c->fd, data, len, MSG_NOSIGNAL);
      if (n > 0)
        {
          data += n;
          len -= (gsize)n;
          continue;
        }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        {
          if (!wait_fd (c->fd, POLLOUT, deadline, error))
            return FALSE;
          continue;
        }
      int saved = errno;
      g_set_error (error, FCT_SMTP_ERROR,
                   saved == EPIPE || saved == ECONNRESET ? FCT_SMTP_ERROR_CLOSED
                                                         : FCT_SMTP_ERROR_IO,
                   _ ("cannot send to the server: %s"), g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Receives at most len bytes; returns the count, 0 when the peer closed, -1 on error. */
static gssize
recv_raw (FctSmtpClient *c, guint8 *buf, gsize len, gint64 deadline, GError **error)
{
  for (;;)
    {
      ssize_t n = recv (c->fd, buf, len, 0);
      if (n >= 0)
        return n;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        {
          if (!wait_fd (c->fd, POLLIN, deadline, error))
            return -1;
          continue;
        }
      int saved = errno;
      g_set_error (error, FCT_SMTP_ERROR,
                   saved == ECONNRESET ? FCT_SMTP_ERROR_CLOSED : FCT_SMTP_ERROR_IO,
                   _ ("cannot read from the server: %s"), g_strerror (saved));
      return -1;
    }
}

/* Sends what OpenSSL has written into the memory BIO. */
static gboolean
tls_flush (FctSmtpClient *c, gint64 deadline, GError **error)
{
  guint8 buf[CHUNK];
  while (BIO_ctrl_pending (c->wbio) > 0)
    {
      int n = BIO_read (c->wbio, buf, sizeof buf);
      if (n <= 0)
        break;
      if (!send_raw (c, buf, (gsize)n, deadline, error))
        return FALSE;
    }
  return TRUE;
}

/* Feeds OpenSSL the next bytes from the network. */
static gboolean
tls_fill (FctSmtpClient *c, gint64 deadline, GError **error)
{
  guint8 buf[CHUNK];
  gssize n = recv_raw (c, buf, sizeof buf, deadline, error);
  if (n < 0)
    return FALSE;
  if (n == 0)
    {
      g_set_error_literal (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_CLOSED,
                           _ ("the server closed the connection"));
      return FALSE;
    }
  BIO_write (c->rbio, buf, (int)n);
  return TRUE;
}

static void
set_tls_error (GError **error, const char *what)
{
  char text[256] = "";
  unsigned long e = ERR_get_error ();
  if (e != 0)
    ERR_error_string_n (e, text, sizeof text);
  ERR_clear_error ();
  g_set_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_TLS, "%s%s%s", what,
               text[0] != '\0' ? ": " : "", text);
}

static gboolean
write_all (FctSmtpClient *c, const guint8 *data, gsize len, gint64 deadline, GError **error)
{
  if (c->tls == NULL)
    return send_raw (c, data, len, deadline, error);
  /* A memory BIO accepts everything at once. */
  if (len > 0 && SSL_write (c->tls, data, (int)MIN (len, G_MAXINT)) <= 0)
    {
      set_tls_error (error, _ ("TLS write failed"));
      return FALSE;
    }
  return tls_flush (c, deadline, error);
}

static gssize
read_some (FctSmtpClient *c, guint8 *buf, gsize len, gint64 deadline, GError **error)
{
  if (c->tls == NULL)
    return recv_raw (c, buf, len, deadline, error);
  for (;;)
    {
      int n = SSL_read (c->tls, buf, (int)MIN (len, G_MAXINT));
      if (n > 0)
        return n;
      int e = SSL_get_error (c->tls, n);
      if (e == SSL_ERROR_ZERO_RETURN)
        return 0;
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        {
          set_tls_error (error, _ ("TLS read failed"));
          return -1;
        }
      if (!tls_flush (c, deadline, error) || !tls_fill (c, deadline, error))
        return -1;
    }
}

FctSmtpClient *
fct_smtp_client_connect (const char *ip, guint16 port, const FctLimits *limits,
                         GError **error)
{
  g_return_val_if_fail (ip != NULL, NULL);
  if (limits == NULL)
    limits = fct_limits_default ();

  struct addrinfo hints
      = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
  struct addrinfo *ai = NULL;
  char service[8];
  g_snprintf (service, sizeof service, "%u", port);
  int gai = getaddrinfo (ip, service, &hints, &ai);
  if (gai != 0 || ai == NULL)
    {
      g_set_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_CONNECT,
                   _ ("“%s” is not an IP address: %s"), ip, gai_strerror (gai));
      return NULL;
    }

  int fd = socket (ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      freeaddrinfo (ai);
      g_set_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_IO, _ ("cannot open a socket: %s"),
                   g_strerror (saved));
      return NULL;
    }
  int r = connect (fd, ai->ai_addr, ai->ai_addrlen);
  freeaddrinfo (ai);
  if (r < 0 && errno != EINPROGRESS)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_CONNECT,
                   _ ("cannot connect to %s port %u: %s"), ip, port, g_strerror (saved));
      return NULL;
    }
  if (r < 0)
    {
      GError *wait_error = NULL;
      int so_error = 0;
      socklen_t slen = sizeof so_error;
      if (!wait_fd (fd, POLLOUT, deadline_in (limits->smtp_connect_timeout_ms),
                    &wait_error))
        {
          close (fd);
          g_propagate_prefixed_error (error, wait_error,
                                      _ ("cannot connect to %s port %u: "), ip, port);
          return NULL;
        }
      if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &so_error, &slen) < 0 || so_error != 0)
        {
          close (fd);
          g_set_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_CONNECT,
                       _ ("cannot connect to %s port %u: %s"), ip, port,
                       g_strerror (so_error));
          return NULL;
        }
    }

  FctSmtpClient *c = g_new0 (FctSmtpClient, 1);
  c->fd = fd;
  c->parser = fct_smtp_reply_parser_new (limits->smtp_reply_line_max_bytes,
                                         limits->smtp_reply_lines_max);
  c->transcript = fct_smtp_transcript_new ();
  c->reply_timeout_ms = limits->smtp_reply_timeout_ms;
  return c;
}

void
fct_smtp_client_free (FctSmtpClient *client)
{
  if (client == NULL)
    return;
  if (client->tls != NULL)
    SSL_free (client->tls);
  if (client->tls_ctx != NULL)
    SSL_CTX_free (client->tls_ctx);
  if (client->fd >= 0)
    close (client->fd);
  fct_smtp_reply_parser_free (client->parser);
  fct_smtp_transcript_free (client->transcript);
  g_free (client->server_name);
  g_free (client);
}

static void
record_reply (FctSmtpClient *c, const FctSmtpReply *reply)
{
  for (guint i = 0; i < reply->lines->len; i++)
    {
      g_autofree char *line
          = g_strdup_printf ("%u%c%s", reply->code, i + 1 < reply->lines->len ? '-' : ' ',
                             (const char *)g_ptr_array_index (reply->lines, i));
      fct_smtp_transcript_add (c->transcript, 'S', line);
    }
}

FctSmtpReply *
fct_smtp_client_read_reply (FctSmtpClient *client, GError **error)
{
  g_return_val_if_fail (client != NULL, NULL);
  /* One deadline for the whole reply: trickling bytes does not extend it. */
  gint64 deadline = deadline_in (client->reply_timeout_ms);
  guint8 buf[CHUNK];

  for (;;)
    {
      FctSmtpReply *reply = NULL;
      switch (fct_smtp_reply_parser_next (client->parser, &reply, error))
        {
        case FCT_SMTP_PARSE_REPLY:
          record_reply (client, reply);
          return reply;
        case FCT_SMTP_PARSE_ERROR:
          return NULL;
        case FCT_SMTP_PARSE_MORE:
          break;
        }
      gssize n = read_some (client, buf, sizeof buf, deadline, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        {
          g_set_error_literal (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_CLOSED,
                               _ ("the server closed the connection"));
          return NULL;
        }
      fct_smtp_reply_parser_push (client->parser, buf, (gsize)n);
    }
}

FctSmtpReply *
fct_smtp_client_command (FctSmtpClient *client, const char *line, GError **error)
{
  g_return_val_if_fail (client != NULL && line != NULL, NULL);
  if (strpbrk (line, "\r\n") != NULL)
    {
      g_set_error_literal (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_PROTOCOL,
                           _ ("a command cannot contain CR or LF"));
      return NULL;
    }
  g_autofree char *wire = g_strconcat (line, "\r\n", NULL);
  fct_smtp_transcript_add (client->transcript, 'C', line);
  if (!write_all (client, (const guint8 *)wire, strlen (wire),
                  deadline_in (client->reply_timeout_ms), error))
    return NULL;
  return fct_smtp_client_read_reply (client, error);
}

gboolean
fct_smtp_client_start_tls (FctSmtpClient *client, const char *server_name, GError **error)
{
  const FctSmtpTlsOptions options = { .server_name = server_name };
  return fct_smtp_client_start_tls_with (client, &options, error);
}

gboolean
fct_smtp_client_start_tls_with (FctSmtpClient *client, const FctSmtpTlsOptions *options,
                                GError **error)
{
  g_return_val_if_fail (client != NULL && client->tls == NULL && options != NULL, FALSE);
  gint64 deadline = deadline_in (client->reply_timeout_ms);
  const char *server_name = options->server_name;

  /* Bytes that arrived before the handshake were not protected: a server (or a man in
   * the middle) sending them is injecting commands (RFC 3207 §4.2 discards them;
   * CVE-2011-0411 was clients that did not). */
  if (fct_smtp_reply_parser_get_pending (client->parser) > 0)
    {
      g_set_error_literal (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_PROTOCOL,
                           _ ("the server sent data after its reply to STARTTLS"));
      return FALSE;
    }
  client->tls_ctx = SSL_CTX_new (TLS_client_method ());
  if (client->tls_ctx == NULL)
    {
      set_tls_error (error, _ ("cannot create a TLS context"));
      return FALSE;
    }
  if (options->examine)
    {
      /* To see what the server offers, old protocols included: verification results
       * are read afterwards rather than enforced during the handshake. */
      SSL_CTX_set_security_level (client->tls_ctx, 0);
      SSL_CTX_set_min_proto_version (client->tls_ctx, TLS1_VERSION);
      SSL_CTX_set_default_verify_paths (client->tls_ctx);
      if (options->ca_file != NULL
          && SSL_CTX_load_verify_locations (client->tls_ctx, options->ca_file, NULL) != 1)
        {
          ERR_clear_error ();
          g_set_error (error, FCT_SMTP_ERROR, FCT_SMTP_ERROR_TLS,
                       _ ("cannot read the CA file %s"), options->ca_file);
          return FALSE;
        }
    }
  SSL_CTX_set_verify (client->tls_ctx, SSL_VERIFY_NONE, NULL);
  client->server_name = g_strdup (server_name);
  client->tls = SSL_new (client->tls_ctx);
  client->rbio = BIO_new (BIO_s_mem ());
  client->wbio = BIO_new (BIO_s_mem ());
  if (client->tls == NULL || client->rbio == NULL || client->wbio == NULL)
    {
      BIO_free (client->rbio);
      BIO_free (client->wbio);
      client->rbio = client->wbio = NULL;
      g_clear_pointer (&client->tls, SSL_free);
      set_tls_error (error, _ ("cannot create a TLS session"));
      return FALSE;
    }
  SSL_set_bio (client->tls, client->rbio, client->wbio);
  if (server_name != NULL && !g_hostname_is_ip_address (server_name))
    SSL_set_tlsext_host_name (client->tls, server_name);
  SSL_set_connect_state (client->tls);

  for (;;)
    {
      int r = SSL_do_handshake (client->tls);
      if (!tls_flush (client, deadline, error))
        return FALSE;
      if (r == 1)
        break;
      int e = SSL_get_error (client->tls, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        {
          set_tls_error (error, _ ("TLS handshake failed"));
          return FALSE;
        }
      if (e == SSL_ERROR_WANT_READ && !tls_fill (client, deadline, error))
        return FALSE;
    }
  g_autofree char *note = g_strdup_printf ("[TLS %s %s]", SSL_get_version (client->tls),
                                           SSL_get_cipher_name (client->tls));
  fct_smtp_transcript_add (client->transcript, '*', note);
  return TRUE;
}

static gint64
asn1_time_to_unix (const ASN1_TIME *t)
{
  struct tm tm = { 0 };
  if (t == NULL || ASN1_TIME_to_tm (t, &tm) != 1)
    return 0;
  g_autoptr (GDateTime) dt = g_date_time_new_utc (
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return dt != NULL ? g_date_time_to_unix (dt) : 0;
}

void
fct_smtp_tls_info_free (FctSmtpTlsInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->version);
  g_free (info->cert_verify_error);
  g_free (info->cert_subject);
  if (info->cert_chain != NULL)
    g_ptr_array_unref (info->cert_chain);
  g_free (info);
}

FctSmtpTlsInfo *
fct_smtp_client_get_tls_info (const FctSmtpClient *client)
{
  g_return_val_if_fail (client != NULL, NULL);
  if (client->tls == NULL)
    return NULL;
  FctSmtpTlsInfo *info = g_new0 (FctSmtpTlsInfo, 1);
  info->version = g_strdup (SSL_get_version (client->tls));
  X509 *cert = SSL_get1_peer_certificate (client->tls);
  if (cert == NULL)
    {
      info->cert_verify_error = g_strdup (_ ("the server sent no certificate"));
      return info;
    }
  long verify = SSL_get_verify_result (client->tls);
  info->cert_trusted = verify == X509_V_OK;
  if (!info->cert_trusted)
    info->cert_verify_error = g_strdup (X509_verify_cert_error_string (verify));
  info->cert_name_ok = client->server_name != NULL
                       && X509_check_host (cert, client->server_name, 0, 0, NULL) == 1;
  info->cert_expired = X509_cmp_current_time (X509_get0_notAfter (cert)) < 0;
  info->cert_not_after = asn1_time_to_unix (X509_get0_notAfter (cert));
  /* The chain as sent (the client side includes the leaf), for TLSA matching (RFC 7672
   * §3). */
  STACK_OF (X509) *chain = SSL_get_peer_cert_chain (client->tls);
  info->cert_chain = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (int i = 0; chain != NULL && i < sk_X509_num (chain); i++)
    {
      unsigned char *der = NULL;
      int len = i2d_X509 (sk_X509_value (chain, i), &der);
      if (len > 0)
        {
          g_ptr_array_add (info->cert_chain, g_bytes_new (der, (gsize)len));
          OPENSSL_free (der);
        }
    }
  char subject[256];
  if (X509_NAME_oneline (X509_get_subject_name (cert), subject, sizeof subject) != NULL)
    info->cert_subject = g_strdup (subject);
  X509_free (cert);
  return info;
}

const FctSmtpTranscript *
fct_smtp_client_get_transcript (const FctSmtpClient *client)
{
  g_return_val_if_fail (client != NULL, NULL);
  return client->transcript;
}

void
fct_smtp_thread_cleanup (void)
{
  OPENSSL_thread_stop ();
}

FctSmtpTranscript *
fct_smtp_client_steal_transcript (FctSmtpClient *client)
{
  g_return_val_if_fail (client != NULL, NULL);
  FctSmtpTranscript *t = client->transcript;
  client->transcript = fct_smtp_transcript_new ();
  return t;
}
