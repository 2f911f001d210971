/* facteur — the STARTTLS check of an exchanger (RFC 3207): banner, EHLO, STARTTLS
 * offered, TLS handshake, then the certificate: chain (RFC 5280 path validation by
 * OpenSSL), name (RFC 6125 via X509_check_host) and expiry. The dialogue is the SMTP
 * client's (src/lib/smtp/client.c), every wait under its deadlines. */
#include <facteur/audit.h>
#include <facteur/smtp.h>

#include <string.h>

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

/* The error text of a failed step. */
static char *
message_of (const GError *error, const char *fallback)
{
  return g_strdup (error != NULL ? error->message : fallback);
}

FctAuditTlsProbe *
fct_audit_tls_probe (const char *host, const char *ip, guint16 port, const char *helo,
                     const char *ca_file, const FctLimits *limits)
{
  const FctLimits *l = limits != NULL ? limits : fct_limits_default ();
  FctAuditTlsProbe *probe = g_new0 (FctAuditTlsProbe, 1);
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (host != NULL && ip != NULL, probe);
  probe->host = g_strdup (host);
  probe->ip = g_strdup (ip);

  g_autoptr (FctSmtpClient) c = fct_smtp_client_connect (ip, port, l, &error);
  if (c == NULL)
    {
      probe->error = message_of (error, "cannot connect");
      return probe;
    }
  g_autoptr (FctSmtpReply) greeting = fct_smtp_client_read_reply (c, &error);
  if (greeting == NULL)
    {
      probe->error = message_of (error, "no greeting");
      return probe;
    }
  if (greeting->lines->len > 0)
    probe->banner = g_strdup_printf ("%u %s", greeting->code,
                                     (const char *)g_ptr_array_index (greeting->lines, 0));
  if (greeting->code != 220)
    {
      probe->error
          = g_strdup_printf ("the server refused the session (%u)", greeting->code);
      return probe;
    }
  g_autofree char *ehlo_line
      = g_strconcat ("EHLO ", helo != NULL ? helo : "facteur.invalid", NULL);
  g_autoptr (FctSmtpReply) ehlo = fct_smtp_client_command (c, ehlo_line, &error);
  if (ehlo == NULL)
    {
      probe->error = message_of (error, "no reply to EHLO");
      return probe;
    }
  if (ehlo->code != 250)
    {
      probe->error = g_strdup_printf ("the server refused EHLO (%u)", ehlo->code);
      return probe;
    }
  probe->starttls = fct_smtp_reply_has_extension (ehlo, "STARTTLS");
  if (probe->starttls)
    {
      g_autoptr (FctSmtpReply) starttls = fct_smtp_client_command (c, "STARTTLS", &error);
      if (starttls == NULL)
        {
          probe->error = message_of (error, "no reply to STARTTLS");
          return probe;
        }
      if (starttls->code != 220)
        probe->tls_error
            = g_strdup_printf ("the server refused STARTTLS (%u)", starttls->code);
      else
        {
          /* RFC 3207 §4.2: the client refuses what the server sent before the
           * handshake (fct_smtp_client_start_tls_with checks it). */
          const FctSmtpTlsOptions tls
              = { .server_name = host, .examine = TRUE, .ca_file = ca_file };
          if (!fct_smtp_client_start_tls_with (c, &tls, &error))
            {
              probe->tls_error = message_of (error, "the TLS handshake failed");
              return probe;
            }
          g_autoptr (FctSmtpTlsInfo) info = fct_smtp_client_get_tls_info (c);
          probe->tls = TRUE;
          probe->tls_version = g_steal_pointer (&info->version);
          probe->cert_trusted = info->cert_trusted;
          probe->cert_verify_error = g_steal_pointer (&info->cert_verify_error);
          probe->cert_name_ok = info->cert_name_ok;
          probe->cert_expired = info->cert_expired;
          probe->cert_not_after = info->cert_not_after;
          probe->cert_subject = g_steal_pointer (&info->cert_subject);
          probe->cert_chain = g_steal_pointer (&info->cert_chain);
          /* A new EHLO after TLS is what a client must send (RFC 3207 §4.2). */
          g_autoptr (FctSmtpReply) again = fct_smtp_client_command (c, ehlo_line, &error);
          if (again == NULL)
            {
              probe->error = message_of (error, "no reply to EHLO after STARTTLS");
              return probe;
            }
        }
    }
  /* The end of the session tells nothing about TLS: its errors are not reported. */
  fct_smtp_reply_free (fct_smtp_client_command (c, "QUIT", NULL));
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
