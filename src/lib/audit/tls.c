/* facteur — the STARTTLS check of an exchanger (RFC 3207): banner, EHLO, STARTTLS
 * offered, TLS handshake, then the certificate: chain (RFC 5280 path validation by
 * OpenSSL), name (RFC 6125 via X509_check_host) and expiry. Every wait has a deadline. */
#include <facteur/audit.h>
#include <facteur/smtp.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

typedef struct
{
  int fd;
  SSL *ssl;
  FctSmtpReplyParser *parser;
  const FctLimits *limits;
} Conn;

/* Waits until fd is ready for events or deadline (monotonic µs) passes. */
static gboolean
wait_fd (int fd, short events, gint64 deadline)
{
  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      if (left <= 0)
        return FALSE;
      struct pollfd p = { .fd = fd, .events = events };
      int n = poll (&p, 1, (int)MIN (left, G_MAXINT));
      if (n > 0)
        return TRUE;
      if (n == 0)
        return FALSE;
      if (errno != EINTR)
        return FALSE;
    }
}

static int
connect_ip (const char *ip, guint16 port, gint64 deadline, char **error)
{
  struct sockaddr_storage ss = { 0 };
  socklen_t slen;
  struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

  if (inet_pton (AF_INET, ip, &in4->sin_addr) == 1)
    {
      in4->sin_family = AF_INET;
      in4->sin_port = htons (port);
      slen = sizeof *in4;
    }
  else if (inet_pton (AF_INET6, ip, &in6->sin6_addr) == 1)
    {
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons (port);
      slen = sizeof *in6;
    }
  else
    {
      *error = g_strdup_printf ("not an IP address: %s", ip);
      return -1;
    }
  int fd = socket (ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    {
      *error = g_strdup (g_strerror (errno));
      return -1;
    }
  if (connect (fd, (struct sockaddr *)&ss, slen) != 0 && errno != EINPROGRESS)
    {
      *error = g_strdup (g_strerror (errno));
      close (fd);
      return -1;
    }
  if (!wait_fd (fd, POLLOUT, deadline))
    {
      *error = g_strdup ("connection timed out");
      close (fd);
      return -1;
    }
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0)
    {
      *error = g_strdup (g_strerror (soerr != 0 ? soerr : errno));
      close (fd);
      return -1;
    }
  return fd;
}

/* Reads one reply; the deadline covers the whole reply, so a trickling peer cannot
 * extend it. Returns (transfer full) or NULL and *error. */
static FctSmtpReply *
read_reply (Conn *c, char **error)
{
  gint64 deadline
      = g_get_monotonic_time () + (gint64)c->limits->smtp_reply_timeout_ms * 1000;
  for (;;)
    {
      FctSmtpReply *reply = NULL;
      g_autoptr (GError) perror = NULL;
      FctSmtpParseStatus st = fct_smtp_reply_parser_next (c->parser, &reply, &perror);
      if (st == FCT_SMTP_PARSE_REPLY)
        return reply;
      if (st == FCT_SMTP_PARSE_ERROR)
        {
          *error = g_strdup (perror->message);
          return NULL;
        }
      guint8 buf[4096];
      ssize_t n;
      if (c->ssl != NULL)
        {
          int r = SSL_read (c->ssl, buf, sizeof buf);
          if (r <= 0)
            {
              int e = SSL_get_error (c->ssl, r);
              if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                  && wait_fd (c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
                continue;
              *error = g_strdup (e == SSL_ERROR_ZERO_RETURN
                                     ? "the server closed the connection"
                                     : "no reply in time");
              return NULL;
            }
          n = r;
        }
      else
        {
          if (!wait_fd (c->fd, POLLIN, deadline))
            {
              *error = g_strdup ("no reply in time");
              return NULL;
            }
          n = recv (c->fd, buf, sizeof buf, 0);
          if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
          if (n <= 0)
            {
              *error = g_strdup (n == 0 ? "the server closed the connection"
                                        : g_strerror (errno));
              return NULL;
            }
        }
      fct_smtp_reply_parser_push (c->parser, buf, (gsize)n);
    }
}

static gboolean
send_line (Conn *c, const char *line, char **error)
{
  g_autofree char *data = g_strconcat (line, "\r\n", NULL);
  gsize len = strlen (data), done = 0;
  gint64 deadline
      = g_get_monotonic_time () + (gint64)c->limits->smtp_reply_timeout_ms * 1000;
  while (done < len)
    {
      ssize_t n;
      if (c->ssl != NULL)
        {
          int r = SSL_write (c->ssl, data + done, (int)(len - done));
          if (r <= 0)
            {
              int e = SSL_get_error (c->ssl, r);
              if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                  && wait_fd (c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
                continue;
              *error = g_strdup ("cannot send over TLS");
              return FALSE;
            }
          n = r;
        }
      else
        {
          if (!wait_fd (c->fd, POLLOUT, deadline))
            {
              *error = g_strdup ("cannot send in time");
              return FALSE;
            }
          n = send (c->fd, data + done, len - done, MSG_NOSIGNAL);
          if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
          if (n < 0)
            {
              *error = g_strdup (g_strerror (errno));
              return FALSE;
            }
        }
      done += (gsize)n;
    }
  return TRUE;
}

/* A socket BIO whose writes use MSG_NOSIGNAL: a peer that closes during the handshake
 * must not raise SIGPIPE in the caller's process (OpenSSL's own socket BIO uses write). */
static int
bio_write (BIO *bio, const char *data, int len)
{
  int fd = GPOINTER_TO_INT (BIO_get_data (bio));
  BIO_clear_retry_flags (bio);
  ssize_t n = send (fd, data, (size_t)MAX (len, 0), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    BIO_set_retry_write (bio);
  return n < 0 ? -1 : (int)n;
}

static int
bio_read (BIO *bio, char *data, int len)
{
  int fd = GPOINTER_TO_INT (BIO_get_data (bio));
  BIO_clear_retry_flags (bio);
  ssize_t n = recv (fd, data, (size_t)MAX (len, 0), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    BIO_set_retry_read (bio);
  return n < 0 ? -1 : (int)n;
}

static long
bio_ctrl (G_GNUC_UNUSED BIO *bio, int cmd, G_GNUC_UNUSED long num, G_GNUC_UNUSED void *ptr)
{
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int
bio_create (BIO *bio)
{
  BIO_set_init (bio, 1);
  return 1;
}

static BIO *
bio_new_nosignal (int fd)
{
  static BIO_METHOD *method = NULL;
  static gsize initialised = 0;
  if (g_once_init_enter (&initialised))
    {
      method = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK, "fct-nosignal");
      BIO_meth_set_write (method, bio_write);
      BIO_meth_set_read (method, bio_read);
      BIO_meth_set_ctrl (method, bio_ctrl);
      BIO_meth_set_create (method, bio_create);
      g_once_init_leave (&initialised, 1);
    }
  BIO *bio = BIO_new (method);
  if (bio != NULL)
    BIO_set_data (bio, GINT_TO_POINTER (fd));
  return bio;
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

static void
examine_certificate (FctAuditTlsProbe *probe, SSL *ssl)
{
  X509 *cert = SSL_get1_peer_certificate (ssl);
  if (cert == NULL)
    {
      probe->cert_verify_error = g_strdup ("the server sent no certificate");
      return;
    }
  long verify = SSL_get_verify_result (ssl);
  probe->cert_trusted = verify == X509_V_OK;
  if (!probe->cert_trusted)
    probe->cert_verify_error = g_strdup (X509_verify_cert_error_string (verify));
  probe->cert_name_ok = X509_check_host (cert, probe->host, 0, 0, NULL) == 1;
  probe->cert_expired = X509_cmp_current_time (X509_get0_notAfter (cert)) < 0;
  probe->cert_not_after = asn1_time_to_unix (X509_get0_notAfter (cert));
  /* The chain as sent (the client side includes the leaf), for TLSA matching. */
  STACK_OF (X509) *chain = SSL_get_peer_cert_chain (ssl);
  probe->cert_chain = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (int i = 0; chain != NULL && i < sk_X509_num (chain); i++)
    {
      unsigned char *der = NULL;
      int len = i2d_X509 (sk_X509_value (chain, i), &der);
      if (len > 0)
        {
          g_ptr_array_add (probe->cert_chain, g_bytes_new (der, (gsize)len));
          OPENSSL_free (der);
        }
    }
  char subject[256];
  if (X509_NAME_oneline (X509_get_subject_name (cert), subject, sizeof subject) != NULL)
    probe->cert_subject = g_strdup (subject);
  X509_free (cert);
}

static gboolean
handshake (Conn *c, FctAuditTlsProbe *probe, const char *ca_file)
{
  SSL_CTX *ctx = SSL_CTX_new (TLS_client_method ());
  if (ctx == NULL)
    {
      probe->tls_error = g_strdup ("OpenSSL could not start");
      return FALSE;
    }
  /* The probe wants to see what the server offers, old protocols included: verification
   * results are examined afterwards rather than enforced during the handshake. */
  SSL_CTX_set_security_level (ctx, 0);
  SSL_CTX_set_min_proto_version (ctx, TLS1_VERSION);
  SSL_CTX_set_default_verify_paths (ctx);
  if (ca_file != NULL && SSL_CTX_load_verify_locations (ctx, ca_file, NULL) != 1)
    {
      probe->tls_error = g_strdup_printf ("cannot read CA file %s", ca_file);
      SSL_CTX_free (ctx);
      return FALSE;
    }
  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);
  c->ssl = SSL_new (ctx);
  SSL_CTX_free (ctx); /* the SSL holds its own reference */
  BIO *bio = c->ssl != NULL ? bio_new_nosignal (c->fd) : NULL;
  if (bio == NULL)
    {
      probe->tls_error = g_strdup ("OpenSSL could not start");
      return FALSE;
    }
  SSL_set_bio (c->ssl, bio, bio); /* one reference, taken by the SSL */
  if (!g_hostname_is_ip_address (probe->host))
    SSL_set_tlsext_host_name (c->ssl, probe->host);

  gint64 deadline
      = g_get_monotonic_time () + (gint64)c->limits->smtp_reply_timeout_ms * 1000;
  for (;;)
    {
      ERR_clear_error ();
      int r = SSL_connect (c->ssl);
      if (r == 1)
        break;
      int e = SSL_get_error (c->ssl, r);
      if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
          && wait_fd (c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
        continue;
      unsigned long code = ERR_peek_last_error ();
      char buf[256];
      if (code != 0)
        ERR_error_string_n (code, buf, sizeof buf);
      probe->tls_error
          = g_strdup (code != 0 ? buf : "the TLS handshake failed or timed out");
      SSL_free (c->ssl);
      c->ssl = NULL;
      return FALSE;
    }
  probe->tls = TRUE;
  probe->tls_version = g_strdup (SSL_get_version (c->ssl));
  examine_certificate (probe, c->ssl);
  return TRUE;
}

void
fct_audit_tls_probe_free (FctAuditTlsProbe *probe)
{
  if (probe == NULL)
    return;
  g_free (probe->host);
  g_free (probe->ip);
  g_free (probe->error);
  g_free (probe->banner);
  g_free (probe->tls_version);
  g_free (probe->tls_error);
  g_free (probe->cert_verify_error);
  g_free (probe->cert_subject);
  if (probe->cert_chain != NULL)
    g_ptr_array_unref (probe->cert_chain);
  g_free (probe);
}

FctAuditTlsProbe *
fct_audit_tls_probe (const char *host, const char *ip, guint16 port, const char *helo,
                     const char *ca_file, const FctLimits *limits)
{
  const FctLimits *l = limits != NULL ? limits : fct_limits_default ();
  FctAuditTlsProbe *probe = g_new0 (FctAuditTlsProbe, 1);
  g_autoptr (FctSmtpReply) greeting = NULL;
  g_autoptr (FctSmtpReply) ehlo = NULL;
  g_autoptr (FctSmtpReply) starttls = NULL;
  g_autofree char *ehlo_line = NULL;
  Conn c = { .fd = -1, .limits = l };

  g_return_val_if_fail (host != NULL && ip != NULL, probe);
  probe->host = g_strdup (host);
  probe->ip = g_strdup (ip);

  c.fd = connect_ip (ip, port,
                     g_get_monotonic_time () + (gint64)l->smtp_connect_timeout_ms * 1000,
                     &probe->error);
  if (c.fd < 0)
    return probe;
  c.parser
      = fct_smtp_reply_parser_new (l->smtp_reply_line_max_bytes, l->smtp_reply_lines_max);

  greeting = read_reply (&c, &probe->error);
  if (greeting == NULL)
    goto out;
  if (greeting->lines->len > 0)
    probe->banner = g_strdup_printf ("%u %s", greeting->code,
                                     (const char *)g_ptr_array_index (greeting->lines, 0));
  if (greeting->code != 220)
    {
      probe->error
          = g_strdup_printf ("the server refused the session (%u)", greeting->code);
      goto out;
    }
  ehlo_line = g_strconcat ("EHLO ", helo != NULL ? helo : "facteur.invalid", NULL);
  if (!send_line (&c, ehlo_line, &probe->error))
    goto out;
  ehlo = read_reply (&c, &probe->error);
  if (ehlo == NULL)
    goto out;
  if (ehlo->code != 250)
    {
      probe->error = g_strdup_printf ("the server refused EHLO (%u)", ehlo->code);
      goto out;
    }
  probe->starttls = fct_smtp_reply_has_extension (ehlo, "STARTTLS");
  if (!probe->starttls)
    goto quit;
  if (!send_line (&c, "STARTTLS", &probe->error))
    goto out;
  starttls = read_reply (&c, &probe->error);
  if (starttls == NULL)
    goto out;
  if (starttls->code != 220)
    {
      probe->tls_error
          = g_strdup_printf ("the server refused STARTTLS (%u)", starttls->code);
      goto quit;
    }
  /* RFC 3207 §4.2: nothing the server sent before the handshake may be kept. */
  if (fct_smtp_reply_parser_get_pending (c.parser) > 0)
    {
      probe->tls_error = g_strdup ("the server sent data after its STARTTLS reply");
      goto out;
    }
  if (!handshake (&c, probe, ca_file))
    goto out;
  /* A new EHLO after TLS is what a client must send (RFC 3207 §4.2). */
  if (!send_line (&c, ehlo_line, &probe->error))
    goto out;
  g_clear_pointer (&ehlo, fct_smtp_reply_free);
  ehlo = read_reply (&c, &probe->error);
  if (ehlo == NULL)
    goto out;

quit:
  {
    /* The end of the session tells nothing about TLS: its errors are not reported. */
    g_autofree char *ignored = NULL;
    if (send_line (&c, "QUIT", &ignored))
      {
        g_autoptr (FctSmtpReply) bye = read_reply (&c, &ignored);
      }
  }
out:
  if (c.ssl != NULL)
    {
      SSL_shutdown (c.ssl);
      SSL_free (c.ssl);
    }
  fct_smtp_reply_parser_free (c.parser);
  close (c.fd);
  return probe;
}

static gpointer
bytes_copy (gconstpointer bytes, G_GNUC_UNUSED gpointer data)
{
  return g_bytes_ref ((GBytes *)bytes);
}

FctAuditTlsProbe *
fct_audit_tls_probe_copy (const FctAuditTlsProbe *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  FctAuditTlsProbe *c = g_new0 (FctAuditTlsProbe, 1);
  *c = *p;
  c->host = g_strdup (p->host);
  c->ip = g_strdup (p->ip);
  c->error = g_strdup (p->error);
  c->banner = g_strdup (p->banner);
  c->tls_version = g_strdup (p->tls_version);
  c->tls_error = g_strdup (p->tls_error);
  c->cert_verify_error = g_strdup (p->cert_verify_error);
  c->cert_subject = g_strdup (p->cert_subject);
  c->cert_chain
      = p->cert_chain != NULL ? g_ptr_array_copy (p->cert_chain, bytes_copy, NULL) : NULL;
  return c;
}

/* ---- a cache shared by the audits of a batch ------------------------------------- */

struct _FctAuditProbeCache
{
  GMutex lock;
  GCond done;
  GHashTable *results; /* "host|ip|port" -> FctAuditTlsProbe *, NULL while in progress */
  guint probes;
};

FctAuditProbeCache *
fct_audit_probe_cache_new (void)
{
  FctAuditProbeCache *cache = g_new0 (FctAuditProbeCache, 1);
  g_mutex_init (&cache->lock);
  g_cond_init (&cache->done);
  cache->results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify)fct_audit_tls_probe_free);
  return cache;
}

void
fct_audit_probe_cache_free (FctAuditProbeCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->results);
  g_mutex_clear (&cache->lock);
  g_cond_clear (&cache->done);
  g_free (cache);
}

guint
fct_audit_probe_cache_get_probes (FctAuditProbeCache *cache)
{
  g_mutex_lock (&cache->lock);
  guint n = cache->probes;
  g_mutex_unlock (&cache->lock);
  return n;
}

FctAuditTlsProbe *
fct_audit_probe_cache_probe (FctAuditProbeCache *cache, const char *host, const char *ip,
                             guint16 port, const char *helo, const char *ca_file,
                             const FctLimits *limits)
{
  g_return_val_if_fail (cache != NULL && host != NULL && ip != NULL, NULL);
  g_autofree char *key = g_strdup_printf ("%s|%s|%u", host, ip, port);
  gpointer value = NULL;

  g_mutex_lock (&cache->lock);
  while (g_hash_table_lookup_extended (cache->results, key, NULL, &value) && value == NULL)
    g_cond_wait (&cache->done, &cache->lock); /* another audit is asking it now */
  if (value != NULL)
    {
      FctAuditTlsProbe *copy = fct_audit_tls_probe_copy (value);
      g_mutex_unlock (&cache->lock);
      return copy;
    }
  g_hash_table_insert (cache->results, g_strdup (key), NULL);
  cache->probes++;
  g_mutex_unlock (&cache->lock);

  FctAuditTlsProbe *probe = fct_audit_tls_probe (host, ip, port, helo, ca_file, limits);

  g_mutex_lock (&cache->lock);
  g_hash_table_insert (cache->results, g_strdup (key), fct_audit_tls_probe_copy (probe));
  g_cond_broadcast (&cache->done);
  g_mutex_unlock (&cache->lock);
  return probe;
}
