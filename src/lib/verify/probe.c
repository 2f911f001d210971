/* facteur — one SMTP probe: greeting, EHLO (HELO fallback), STARTTLS when offered
 * (RFC 3207), MAIL FROM, RCPT TO for the address and for a random address at the same
 * domain (catch-all test), QUIT. Never DATA: nothing is ever sent (RFC 5321 §3.3,
 * §4.1.1). */
#include "verify-private.h"

static gboolean
is_2xx (const FctSmtpReply *r)
{
  return r != NULL && r->code >= 200 && r->code < 300;
}

static void
fail (FctVerifyProbe *probe, GError *error)
{
  if (probe->error == NULL)
    probe->error = g_strdup (error != NULL ? error->message : "unexpected reply");
}

/* EHLO, falling back to HELO for servers that do not know it (RFC 5321 §4.1.4). */
static FctSmtpReply *
greet (FctSmtpClient *c, const char *helo, GError **error)
{
  g_autofree char *ehlo = g_strdup_printf ("EHLO %s", helo);
  FctSmtpReply *r = fct_smtp_client_command (c, ehlo, error);
  if (r == NULL || is_2xx (r) || r->code < 500)
    return r;
  fct_smtp_reply_free (r);
  g_autofree char *helo_line = g_strdup_printf ("HELO %s", helo);
  return fct_smtp_client_command (c, helo_line, error);
}

static void
converse (FctSmtpClient *c, FctVerifyProbe *probe, const FctVerifyProbeSpec *spec,
          const char *host)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSmtpReply) greeting = fct_smtp_client_read_reply (c, &error);
  if (greeting == NULL || !is_2xx (greeting))
    {
      fail (probe, error);
      return; /* 554 greeting: the server refuses us (RFC 5321 §3.1) */
    }

  g_autoptr (FctSmtpReply) ehlo = greet (c, spec->helo_name, &error);
  if (ehlo == NULL || !is_2xx (ehlo))
    {
      fail (probe, error);
      return;
    }
  if (fct_smtp_reply_has_extension (ehlo, "STARTTLS"))
    {
      g_autoptr (FctSmtpReply) starttls = fct_smtp_client_command (c, "STARTTLS", &error);
      if (starttls == NULL)
        {
          fail (probe, error);
          return;
        }
      if (starttls->code == 220)
        {
          if (!fct_smtp_client_start_tls (c, host, &error))
            {
              fail (probe, error);
              return;
            }
          probe->tls = TRUE;
          /* RFC 3207 §4.2: forget what was learnt before TLS and greet again. */
          g_clear_pointer (&ehlo, fct_smtp_reply_free);
          ehlo = greet (c, spec->helo_name, &error);
          if (ehlo == NULL || !is_2xx (ehlo))
            {
              fail (probe, error);
              return;
            }
        }
    }
  probe->smtputf8 = fct_smtp_reply_has_extension (ehlo, "SMTPUTF8");
  if (spec->need_smtputf8 && !probe->smtputf8)
    {
      /* RFC 6531 §3.4: a UTF-8 mailbox cannot be given to a server without SMTPUTF8. */
      probe->error = g_strdup (FCT_VERIFY_NO_SMTPUTF8);
      fct_smtp_reply_free (fct_smtp_client_command (c, "QUIT", NULL));
      return;
    }

  g_autofree char *mail = g_strdup_printf ("MAIL FROM:<%s>%s", spec->mail_from,
                                           spec->need_smtputf8 ? " SMTPUTF8" : "");
  g_autoptr (FctSmtpReply) mail_reply = fct_smtp_client_command (c, mail, &error);
  if (mail_reply == NULL || !is_2xx (mail_reply))
    {
      fail (probe, error);
      return;
    }

  g_autofree char *rcpt = g_strdup_printf ("RCPT TO:<%s>", spec->rcpt);
  g_autoptr (FctSmtpReply) rcpt_reply = fct_smtp_client_command (c, rcpt, &error);
  if (rcpt_reply == NULL)
    {
      fail (probe, error);
      return;
    }
  probe->rcpt_code = rcpt_reply->code;
  g_strlcpy (probe->rcpt_enhanced, rcpt_reply->enhanced, sizeof probe->rcpt_enhanced);
  if (rcpt_reply->code == 421)
    {
      probe->error = g_strdup ("the server is closing the session (421)");
      return;
    }

  /* Only an accepted address needs the catch-all test. */
  if (is_2xx (rcpt_reply) && spec->random_rcpt != NULL)
    {
      g_autofree char *other = g_strdup_printf ("RCPT TO:<%s>", spec->random_rcpt);
      g_autoptr (FctSmtpReply) other_reply = fct_smtp_client_command (c, other, &error);
      if (other_reply == NULL)
        {
          fail (probe, error);
          return;
        }
      probe->random_code = other_reply->code;
    }
  /* The answer to QUIT changes nothing (RFC 5321 §4.1.1.10). */
  fct_smtp_reply_free (fct_smtp_client_command (c, "QUIT", NULL));
}

FctVerifyProbe *
fct_verify_probe_run (const char *host, const char *ip, const FctVerifyProbeSpec *spec)
{
  FctVerifyProbe *probe = g_new0 (FctVerifyProbe, 1);
  g_autoptr (GError) error = NULL;

  probe->host = g_strdup (host);
  probe->ip = g_strdup (ip);
  probe->port = spec->port;
  g_autoptr (FctSmtpClient) c
      = fct_smtp_client_connect (ip, spec->port, spec->limits, &error);
  if (c == NULL)
    {
      fail (probe, error);
      return probe;
    }
  converse (c, probe, spec, host);
  probe->transcript = fct_smtp_client_steal_transcript (c);
  return probe;
}

void
fct_verify_probe_free (FctVerifyProbe *probe)
{
  if (probe == NULL)
    return;
  g_free (probe->host);
  g_free (probe->ip);
  g_free (probe->error);
  fct_smtp_transcript_free (probe->transcript);
  g_free (probe);
}
