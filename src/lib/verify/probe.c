/* facteur — one SMTP session with one exchanger for one or several addresses of a domain:
 * greeting, EHLO (HELO fallback), STARTTLS when offered (RFC 3207), MAIL FROM, one RCPT TO
 * per address (at most 100 per transaction are guaranteed, RFC 5321 §4.5.3.1.8), RCPT TO
 * for an address that cannot exist when one was accepted (catch-all test), QUIT. Never
 * DATA: nothing is ever sent (RFC 5321 §3.3, §4.1.1). Each RCPT waits for the gate's
 * pace; a 4xx or 421 reply slows the host down (gate.c). */
#include "verify-private.h"

static gboolean
is_2xx_code (guint code)
{
  return code >= 200 && code < 300;
}

static gboolean
is_2xx (const FctSmtpReply *r)
{
  return r != NULL && is_2xx_code (r->code);
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

typedef struct
{
  FctSmtpClient *client;
  const FctVerifyProbeSpec *spec;
  const char *host;
  char *error; /* why the session stopped before or during the RCPTs */
  gboolean tls;
  gboolean smtputf8;
  guint prefix;    /* transcript lines shared by every address: up to MAIL FROM */
  guint mail_code; /* a 5xx reply to MAIL FROM, else 0 */
} Session;

static void
session_fail (Session *s, const GError *error, const char *fallback)
{
  if (s->error == NULL)
    s->error = g_strdup (error != NULL ? error->message : fallback);
}

/* Up to and including MAIL FROM. FALSE when the session cannot go on. */
static gboolean
open_session (Session *s, gboolean any_utf8)
{
  g_autoptr (GError) error = NULL;
  FctSmtpClient *c = s->client;
  g_autoptr (FctSmtpReply) greeting = fct_smtp_client_read_reply (c, &error);
  if (greeting == NULL || !is_2xx (greeting))
    {
      /* 554 greeting: the server refuses us (RFC 5321 §3.1) */
      session_fail (s, error, "the server refused the session");
      return FALSE;
    }
  g_autoptr (FctSmtpReply) ehlo = greet (c, s->spec->helo_name, &error);
  if (ehlo == NULL || !is_2xx (ehlo))
    {
      session_fail (s, error, "the server refused EHLO and HELO");
      return FALSE;
    }
  if (fct_smtp_reply_has_extension (ehlo, "STARTTLS"))
    {
      g_autoptr (FctSmtpReply) starttls = fct_smtp_client_command (c, "STARTTLS", &error);
      if (starttls == NULL)
        {
          session_fail (s, error, NULL);
          return FALSE;
        }
      if (starttls->code == 220)
        {
          if (!fct_smtp_client_start_tls (c, s->host, &error))
            {
              session_fail (s, error, NULL);
              return FALSE;
            }
          s->tls = TRUE;
          /* RFC 3207 §4.2: forget what was learnt before TLS and greet again. */
          g_clear_pointer (&ehlo, fct_smtp_reply_free);
          ehlo = greet (c, s->spec->helo_name, &error);
          if (ehlo == NULL || !is_2xx (ehlo))
            {
              session_fail (s, error, "the server refused EHLO after STARTTLS");
              return FALSE;
            }
        }
    }
  s->smtputf8 = fct_smtp_reply_has_extension (ehlo, "SMTPUTF8");
  g_autofree char *mail = g_strdup_printf ("MAIL FROM:<%s>%s", s->spec->mail_from,
                                           any_utf8 && s->smtputf8 ? " SMTPUTF8" : "");
  g_autoptr (FctSmtpReply) mail_reply = fct_smtp_client_command (c, mail, &error);
  if (mail_reply == NULL || !is_2xx (mail_reply))
    {
      /* A permanent refusal of the sender is this server's answer (about us, not the
       * addresses); a temporary one, or none, sends the addresses to the next
       * exchanger. */
      if (mail_reply != NULL && mail_reply->code / 100 == 5)
        s->mail_code = mail_reply->code;
      session_fail (s, error, "the server refused the sender");
      return FALSE;
    }
  s->prefix = fct_smtp_client_get_transcript (c)->lines->len;
  return TRUE;
}

/* Sends one RCPT at the gate's pace; reply (transfer full) or NULL with s->error. */
static FctSmtpReply *
rcpt (Session *s, const char *address)
{
  g_autoptr (GError) error = NULL;
  fct_verify_gate_pace (s->spec->gate, s->spec->domain, s->host);
  g_autofree char *line = g_strdup_printf ("RCPT TO:<%s>", address);
  FctSmtpReply *reply = fct_smtp_client_command (s->client, line, &error);
  if (reply == NULL)
    session_fail (s, error, NULL);
  else
    fct_verify_gate_reply (s->spec->gate, s->host, reply->code);
  return reply;
}

static void
transcript_append (FctSmtpTranscript *to, const FctSmtpTranscript *from, guint start,
                   guint end)
{
  for (guint i = start; i < end && i < from->lines->len; i++)
    g_ptr_array_add (to->lines, g_strdup (g_ptr_array_index (from->lines, i)));
}

void
fct_verify_session_run (const char *host, const char *ip, const FctVerifyProbeSpec *spec,
                        FctVerifySessionItem *items, guint n_items)
{
  g_autoptr (GError) error = NULL;
  Session s = { .spec = spec, .host = host };
  g_autofree guint *start = g_new0 (guint, n_items);
  g_autofree guint *end = g_new0 (guint, n_items);
  guint random_start = 0, random_end = 0, tail = 0;
  guint random_code = 0;
  gboolean any_utf8 = FALSE, accepted = FALSE;

  for (guint i = 0; i < n_items; i++)
    any_utf8 = any_utf8 || items[i].need_smtputf8;
  g_autoptr (FctSmtpClient) c
      = fct_smtp_client_connect (ip, spec->port, spec->limits, &error);
  s.client = c;
  if (c == NULL)
    session_fail (&s, error, NULL);
  else if (open_session (&s, any_utf8))
    {
      const FctSmtpTranscript *t = fct_smtp_client_get_transcript (c);
      for (guint i = 0; i < n_items && s.error == NULL; i++)
        {
          FctVerifySessionItem *item = &items[i];
          start[i] = end[i] = t->lines->len;
          if (item->need_smtputf8 && !s.smtputf8)
            {
              /* RFC 6531 §3.4: a UTF-8 mailbox cannot be given to a server without
               * SMTPUTF8. */
              item->outcome_error = g_strdup (FCT_VERIFY_NO_SMTPUTF8);
              continue;
            }
          g_autoptr (FctSmtpReply) reply = rcpt (&s, item->rcpt);
          end[i] = t->lines->len;
          if (reply == NULL)
            break;
          item->rcpt_code = reply->code;
          g_strlcpy (item->rcpt_enhanced, reply->enhanced, sizeof item->rcpt_enhanced);
          accepted = accepted || is_2xx (reply);
          if (reply->code == 421)
            {
              /* The server is closing the channel (RFC 5321 §4.2.3): what was not asked
               * yet is asked of the next exchanger. */
              s.error = g_strdup ("the server is closing the session (421)");
              item->outcome_error = g_strdup (s.error);
            }
        }
      /* Only an accepted address needs the catch-all test, once per session. */
      if (accepted && s.error == NULL && spec->random_rcpt != NULL)
        {
          random_start = t->lines->len;
          g_autoptr (FctSmtpReply) reply = rcpt (&s, spec->random_rcpt);
          random_end = t->lines->len;
          if (reply != NULL)
            random_code = reply->code;
        }
      tail = t->lines->len;
      /* The answer to QUIT changes nothing (RFC 5321 §4.1.1.10). */
      if (s.error == NULL)
        fct_smtp_reply_free (fct_smtp_client_command (c, "QUIT", NULL));
    }

  const FctSmtpTranscript *t = c != NULL ? fct_smtp_client_get_transcript (c) : NULL;
  for (guint i = 0; i < n_items; i++)
    {
      FctVerifyProbe *p = g_new0 (FctVerifyProbe, 1);
      FctVerifySessionItem *item = &items[i];
      p->host = g_strdup (host);
      p->ip = g_strdup (ip);
      p->port = spec->port;
      p->tls = s.tls;
      p->smtputf8 = s.smtputf8;
      p->rcpt_code = item->rcpt_code;
      p->mail_code = s.mail_code;
      g_strlcpy (p->rcpt_enhanced, item->rcpt_enhanced, sizeof p->rcpt_enhanced);
      if (is_2xx_code (item->rcpt_code))
        p->random_code = random_code;
      p->error = g_strdup (item->outcome_error != NULL ? item->outcome_error
                           : item->rcpt_code == 0      ? s.error
                                                       : NULL);
      if (t != NULL)
        {
          /* Each address's dialogue: the shared opening, its own RCPT, the catch-all
           * RCPT when it was accepted, the goodbye. */
          p->transcript = fct_smtp_transcript_new ();
          transcript_append (p->transcript, t, 0, s.prefix > 0 ? s.prefix : t->lines->len);
          if (s.prefix > 0)
            {
              transcript_append (p->transcript, t, start[i], end[i]);
              if (p->random_code != 0)
                transcript_append (p->transcript, t, random_start, random_end);
              transcript_append (p->transcript, t, MAX (tail, random_end), t->lines->len);
            }
        }
      item->probe = p;
    }
  g_free (s.error);
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
