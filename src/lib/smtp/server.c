/* facteur — the SMTP server protocol engine (include/facteur/smtp.h): one state machine
 * per session fed with bytes, no socket. RFC 5321 §4.1 commands, §4.5.2 dot-unstuffing,
 * §4.5.3 limits and timeouts; PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME
 * (RFC 6152), SMTPUTF8 (RFC 6531), STARTTLS (RFC 3207), enhanced codes (RFC 3463). */
#include "smtp-private.h"

#include <string.h>

/* Message bytes handed to the front end in pieces of about this size, so that a
 * session holds one piece, not the message. */
#define DATA_CHUNK 65536
/* Replies a pipelining client has not read yet: past this, input waits. */
#define OUTPUT_MAX 65536

typedef enum
{
  STATE_COMMAND, /* awaiting a command */
  STATE_DATA,    /* between 354 and the final dot */
  STATE_WAIT,    /* the front end has the turn: a message being stored, TLS */
  STATE_CLOSED,
} State;

struct _FctSmtpSession
{
  FctSmtpSessionOptions options;
  FctLimits limits;
  char *hostname, *test_domain, *local_prefix;
  State state;
  gboolean tls;
  guint errors;
  GByteArray *in;
  gsize in_scanned;  /* bytes of in already searched for LF */
  gboolean skipping; /* dropping the rest of a line over the limit */
  GByteArray *out;
  GByteArray *data;      /* unstuffed message bytes not yet taken */
  gsize data_total;      /* message bytes so far */
  gboolean data_too_big; /* over the SIZE limit: the rest is dropped */
  gboolean data_long_line;
  gboolean data_ended; /* the final dot was seen; DATA then MESSAGE/DISCARD pending */
  gint64 deadline;
  FctSmtpEnvelope env;
};

static void reply (FctSmtpSession *s, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
reply (FctSmtpSession *s, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *line = g_strdup_vprintf (format, args);
  va_end (args);
  g_byte_array_append (s->out, (const guint8 *)line, (guint)strlen (line));
  g_byte_array_append (s->out, (const guint8 *)"\r\n", 2);
}

/* A refused command: RFC 5321 §4.3.2 codes; too many of them and the client is cut
 * off (a dictionary attack or a confused client). */
static void
refuse (FctSmtpSession *s, const char *line)
{
  reply (s, "%s", line);
  if (++s->errors >= s->limits.smtp_server_errors_max)
    {
      reply (s, "421 4.7.0 %s Too many errors, closing", s->hostname);
      s->state = STATE_CLOSED;
    }
}

static void
transaction_clear (FctSmtpSession *s)
{
  g_clear_pointer (&s->env.mail_from, g_free);
  g_ptr_array_set_size (s->env.tokens, 0);
  s->env.body_8bit = FALSE;
  s->env.smtputf8 = FALSE;
  s->env.size = 0;
  g_byte_array_set_size (s->data, 0);
  s->data_total = 0;
  s->data_too_big = FALSE;
  s->data_long_line = FALSE;
  s->data_ended = FALSE;
}

static void
set_deadline (FctSmtpSession *s, gint64 now_ms)
{
  guint timeout = s->state == STATE_DATA ? s->limits.smtp_server_data_timeout_ms
                                         : s->limits.smtp_server_command_timeout_ms;
  s->deadline = s->state == STATE_WAIT ? G_MAXINT64 : now_ms + (gint64)timeout;
}

FctSmtpSession *
fct_smtp_session_new (const FctSmtpSessionOptions *options, gint64 now_ms)
{
  g_return_val_if_fail (
      options != NULL && options->hostname != NULL && options->test_domain != NULL, NULL);
  FctSmtpSession *s = g_new0 (FctSmtpSession, 1);
  s->options = *options;
  s->limits = options->limits != NULL ? *options->limits : *fct_limits_default ();
  s->hostname = g_strdup (options->hostname);
  s->test_domain = g_ascii_strdown (options->test_domain, -1);
  s->local_prefix = g_ascii_strdown (
      options->local_prefix != NULL ? options->local_prefix : "test-", -1);
  if (s->options.token_length == 0)
    s->options.token_length = 32;
  s->in = g_byte_array_new ();
  s->out = g_byte_array_new ();
  s->data = g_byte_array_new ();
  s->env.tokens = g_ptr_array_new_with_free_func (g_free);
  s->state = STATE_COMMAND;
  reply (s, "220 %s ESMTP facteur", s->hostname);
  set_deadline (s, now_ms);
  return s;
}

void
fct_smtp_session_free (FctSmtpSession *s)
{
  if (s == NULL)
    return;
  transaction_clear (s);
  g_free (s->env.helo);
  g_free (s->env.tls_version);
  g_free (s->env.tls_cipher);
  g_ptr_array_unref (s->env.tokens);
  g_byte_array_unref (s->in);
  g_byte_array_unref (s->out);
  g_byte_array_unref (s->data);
  g_free (s->hostname);
  g_free (s->test_domain);
  g_free (s->local_prefix);
  g_free (s);
}

void
fct_smtp_session_push (FctSmtpSession *s, const guint8 *data, gsize len)
{
  g_return_if_fail (s != NULL);
  if (s->state == STATE_CLOSED)
    return;
  g_byte_array_append (s->in, data, (guint)len);
}

gboolean
fct_smtp_session_wants_input (const FctSmtpSession *s)
{
  gsize line_max
      = MAX (s->limits.smtp_server_command_line_max, s->limits.smtp_server_text_line_max);
  return s->state != STATE_CLOSED && s->state != STATE_WAIT && s->in->len < line_max * 2
         && s->out->len < OUTPUT_MAX;
}

const guint8 *
fct_smtp_session_peek_output (const FctSmtpSession *s, gsize *len)
{
  *len = s->out->len;
  return s->out->data;
}

void
fct_smtp_session_consume_output (FctSmtpSession *s, gsize len)
{
  g_byte_array_remove_range (s->out, 0, (guint)MIN (len, s->out->len));
}

GBytes *
fct_smtp_session_take_data (FctSmtpSession *s)
{
  GBytes *bytes = g_bytes_new (s->data->data, s->data->len);
  g_byte_array_set_size (s->data, 0);
  return bytes;
}

gint64
fct_smtp_session_get_deadline (const FctSmtpSession *s)
{
  return s->deadline;
}

const FctSmtpEnvelope *
fct_smtp_session_get_envelope (const FctSmtpSession *s)
{
  return &s->env;
}

void
fct_smtp_session_message_done (FctSmtpSession *s, gboolean durable, const char *queue_id,
                               gint64 now_ms)
{
  g_return_if_fail (s->state == STATE_WAIT);
  if (durable)
    reply (s, "250 2.0.0 Ok: queued as %s", queue_id != NULL ? queue_id : "-");
  else
    reply (s, "451 4.3.0 Message not stored, try again later");
  transaction_clear (s);
  s->state = STATE_COMMAND;
  set_deadline (s, now_ms);
}

void
fct_smtp_session_tls_started (FctSmtpSession *s, const char *version, const char *cipher,
                              gint64 now_ms)
{
  g_return_if_fail (s->state == STATE_WAIT);
  s->tls = TRUE;
  g_free (s->env.tls_version);
  g_free (s->env.tls_cipher);
  s->env.tls_version = g_strdup (version);
  s->env.tls_cipher = g_strdup (cipher);
  /* RFC 3207 §4.2: the client MUST discard what it knew, and so does the server. */
  g_clear_pointer (&s->env.helo, g_free);
  s->env.esmtp = FALSE;
  transaction_clear (s);
  s->state = STATE_COMMAND;
  set_deadline (s, now_ms);
}

/* ---- addresses -------------------------------------------------------------------- */

/* Reads "<path>" at *p (RFC 5321 §4.1.2 Path), leaving *p after '>'. A source route
 * (<@a,@b:user@d>) is accepted and ignored (§4.1.1.3 says servers MUST). Quoted local
 * parts may hold '>' and spaces. Returns the address (transfer full) or NULL. */
static char *
read_path (const char **p)
{
  const char *c = *p;
  if (*c != '<')
    return NULL;
  c++;
  if (*c == '@')
    {
      const char *colon = strchr (c, ':');
      if (colon == NULL)
        return NULL;
      c = colon + 1;
    }
  GString *addr = g_string_new (NULL);
  gboolean quoted = FALSE;
  for (; *c != '\0'; c++)
    {
      if (!quoted && *c == '>')
        break;
      if (*c == '"')
        quoted = !quoted;
      else if (*c == '\\' && quoted && c[1] != '\0')
        g_string_append_c (addr, *c++);
      else if (!quoted && (*c == ' ' || *c == '<'))
        break;
      g_string_append_c (addr, *c);
    }
  if (*c != '>')
    {
      g_string_free (addr, TRUE);
      return NULL;
    }
  *p = c + 1;
  return g_string_free (addr, FALSE);
}

static gboolean
has_non_ascii (const char *s)
{
  for (; *s != '\0'; s++)
    if ((guchar)*s >= 0x80)
      return TRUE;
  return FALSE;
}

/* The token of a test address, or NULL: <prefix><hex digits>@<test domain>, compared
 * without regard to case (RFC 5321 §2.4 lets a server treat its local parts so). */
static char *
test_token (FctSmtpSession *s, const char *address)
{
  const char *at = strrchr (address, '@');
  if (at == NULL || g_ascii_strcasecmp (at + 1, s->test_domain) != 0)
    return NULL;
  gsize prefix = strlen (s->local_prefix), local = (gsize)(at - address);
  if (local != prefix + s->options.token_length
      || g_ascii_strncasecmp (address, s->local_prefix, prefix) != 0)
    return NULL;
  for (gsize i = prefix; i < local; i++)
    if (!g_ascii_isxdigit (address[i]))
      return NULL;
  return g_ascii_strdown (address + prefix, (gssize)s->options.token_length);
}

/* ---- commands --------------------------------------------------------------------- */

/* Splits "VERB rest": the verb upper-cased in verb (NUL-terminated, at most 15 chars). */
static const char *
split_verb (const char *line, char verb[16])
{
  gsize n = 0;
  while (line[n] != '\0' && line[n] != ' ' && n < 15)
    {
      verb[n] = g_ascii_toupper (line[n]);
      n++;
    }
  verb[n] = '\0';
  const char *rest = line + n;
  if (*rest != '\0' && *rest != ' ')
    verb[0] = '\0'; /* a verb of 16 letters or more is no verb */
  while (*rest == ' ')
    rest++;
  return rest;
}

static void
cmd_ehlo (FctSmtpSession *s, const char *arg, gboolean esmtp)
{
  if (*arg == '\0')
    {
      refuse (s, "501 5.5.4 Syntax: EHLO hostname");
      return;
    }
  /* RFC 5321 §4.1.4: EHLO in the middle of a transaction resets it. */
  transaction_clear (s);
  g_free (s->env.helo);
  s->env.helo = g_strdup (arg);
  s->env.esmtp = esmtp;
  if (!esmtp)
    {
      reply (s, "250 %s", s->hostname);
      return;
    }
  reply (s, "250-%s", s->hostname);
  reply (s, "250-PIPELINING");
  reply (s, "250-SIZE %" G_GSIZE_FORMAT, s->limits.smtp_server_message_max_bytes);
  reply (s, "250-8BITMIME");
  reply (s, "250-SMTPUTF8");
  if (s->options.tls_available && !s->tls)
    reply (s, "250-STARTTLS");
  reply (s, "250 ENHANCEDSTATUSCODES");
}

static void
cmd_mail (FctSmtpSession *s, const char *arg)
{
  if (s->env.helo == NULL)
    {
      refuse (s, "503 5.5.1 Send EHLO or HELO first");
      return;
    }
  if (s->env.mail_from != NULL)
    {
      refuse (s, "503 5.5.1 Nested MAIL command");
      return;
    }
  if (g_ascii_strncasecmp (arg, "FROM:", 5) != 0)
    {
      refuse (s, "501 5.5.4 Syntax: MAIL FROM:<address>");
      return;
    }
  const char *p = arg + 5;
  while (*p == ' ')
    p++;
  g_autofree char *path = read_path (&p);
  if (path == NULL)
    {
      refuse (s, "501 5.1.7 Bad sender address syntax");
      return;
    }
  gboolean smtputf8 = FALSE, body_8bit = FALSE;
  g_auto (GStrv) params = g_strsplit (p, " ", -1);
  for (gsize i = 0; params[i] != NULL; i++)
    {
      const char *param = params[i];
      if (*param == '\0')
        continue;
      if (!s->env.esmtp)
        {
          refuse (s, "555 5.5.4 Parameters need EHLO");
          return;
        }
      if (g_ascii_strncasecmp (param, "SIZE=", 5) == 0)
        {
          guint64 size = 0;
          if (!g_ascii_string_to_unsigned (param + 5, 10, 0, G_MAXUINT64, &size, NULL))
            {
              refuse (s, "501 5.5.4 Bad SIZE value");
              return;
            }
          /* RFC 1870 §6.2: a declared size over the limit is refused now. */
          if (size > s->limits.smtp_server_message_max_bytes)
            {
              refuse (s, "552 5.3.4 Message size exceeds fixed maximum message size");
              return;
            }
        }
      else if (g_ascii_strncasecmp (param, "BODY=", 5) == 0)
        {
          if (g_ascii_strcasecmp (param + 5, "8BITMIME") == 0)
            body_8bit = TRUE;
          else if (g_ascii_strcasecmp (param + 5, "7BIT") != 0)
            {
              refuse (s, "501 5.5.4 BODY is 7BIT or 8BITMIME");
              return;
            }
        }
      else if (g_ascii_strcasecmp (param, "SMTPUTF8") == 0)
        smtputf8 = TRUE;
      else
        {
          refuse (s, "555 5.5.4 Unsupported MAIL parameter");
          return;
        }
    }
  if (!g_utf8_validate (path, -1, NULL))
    {
      refuse (s, "553 5.6.7 Sender address is not UTF-8");
      return;
    }
  /* RFC 6531 §3.4: a non-ASCII address needs SMTPUTF8 on MAIL. */
  if (!smtputf8 && has_non_ascii (path))
    {
      refuse (s, "553 5.6.7 Non-ASCII address needs SMTPUTF8");
      return;
    }
  s->env.mail_from = g_steal_pointer (&path);
  s->env.smtputf8 = smtputf8;
  s->env.body_8bit = body_8bit;
  reply (s, "250 2.1.0 Ok");
}

static void
cmd_rcpt (FctSmtpSession *s, const char *arg)
{
  if (s->env.mail_from == NULL)
    {
      refuse (s, "503 5.5.1 Need MAIL before RCPT");
      return;
    }
  if (g_ascii_strncasecmp (arg, "TO:", 3) != 0)
    {
      refuse (s, "501 5.5.4 Syntax: RCPT TO:<address>");
      return;
    }
  const char *p = arg + 3;
  while (*p == ' ')
    p++;
  g_autofree char *path = read_path (&p);
  if (path == NULL)
    {
      refuse (s, "501 5.1.3 Bad recipient address syntax");
      return;
    }
  while (*p == ' ')
    p++;
  if (*p != '\0')
    {
      refuse (s, "555 5.5.4 Unsupported RCPT parameter");
      return;
    }
  if (!s->env.smtputf8 && has_non_ascii (path))
    {
      refuse (s, "553 5.6.7 Non-ASCII address needs SMTPUTF8");
      return;
    }
  if (s->env.tokens->len >= s->limits.smtp_server_recipients_max)
    {
      /* RFC 5321 §4.5.3.1.10: 452, and the client sends the rest later. */
      reply (s, "452 4.5.3 Too many recipients");
      return;
    }
  g_autofree char *token = test_token (s, path);
  if (token == NULL)
    {
      refuse (s, "550 5.1.1 No such test address here; this server relays nothing");
      return;
    }
  FctSmtpRcptStatus status = s->options.rcpt_check != NULL
                                 ? s->options.rcpt_check (token, s->options.rcpt_check_data)
                                 : FCT_SMTP_RCPT_OK;
  if (status == FCT_SMTP_RCPT_UNKNOWN)
    {
      refuse (s, "550 5.1.1 No such test (create one on the web page)");
      return;
    }
  if (status == FCT_SMTP_RCPT_TEMPFAIL)
    {
      reply (s, "451 4.3.0 Cannot look the test up now, try again later");
      return;
    }
  gboolean seen = FALSE;
  for (guint i = 0; i < s->env.tokens->len; i++)
    seen = seen || g_str_equal (g_ptr_array_index (s->env.tokens, i), token);
  if (!seen)
    g_ptr_array_add (s->env.tokens, g_steal_pointer (&token));
  reply (s, "250 2.1.5 Ok");
}

static void
cmd_data (FctSmtpSession *s, const char *arg)
{
  if (*arg != '\0')
    {
      refuse (s, "501 5.5.4 DATA takes no argument");
      return;
    }
  if (s->env.mail_from == NULL)
    {
      refuse (s, "503 5.5.1 Need MAIL before DATA");
      return;
    }
  /* RFC 2920 §3.1: with every recipient refused, DATA gets 554, not 354. */
  if (s->env.tokens->len == 0)
    {
      refuse (s, "554 5.5.1 No valid recipients");
      return;
    }
  reply (s, "354 End data with <CR><LF>.<CR><LF>");
  s->state = STATE_DATA;
}

/* Returns TRUE when the session must stop for the front end (STARTTLS). */
static gboolean
command (FctSmtpSession *s, const char *line)
{
  char verb[16];
  const char *arg = split_verb (line, verb);

  if (g_str_equal (verb, "EHLO") || g_str_equal (verb, "HELO"))
    cmd_ehlo (s, arg, verb[0] == 'E');
  else if (g_str_equal (verb, "MAIL"))
    cmd_mail (s, arg);
  else if (g_str_equal (verb, "RCPT"))
    cmd_rcpt (s, arg);
  else if (g_str_equal (verb, "DATA"))
    cmd_data (s, arg);
  else if (g_str_equal (verb, "RSET"))
    {
      transaction_clear (s);
      reply (s, "250 2.0.0 Ok");
    }
  else if (g_str_equal (verb, "NOOP"))
    reply (s, "250 2.0.0 Ok");
  else if (g_str_equal (verb, "VRFY"))
    reply (s, "252 2.5.0 Send mail to a test address from the web page");
  else if (g_str_equal (verb, "HELP"))
    reply (s, "214 2.0.0 Send a message to the test address the web page gives you");
  else if (g_str_equal (verb, "QUIT"))
    {
      reply (s, "221 2.0.0 Bye");
      s->state = STATE_CLOSED;
    }
  else if (g_str_equal (verb, "STARTTLS"))
    {
      if (*arg != '\0')
        refuse (s, "501 5.5.4 STARTTLS takes no argument");
      else if (s->tls)
        refuse (s, "503 5.5.1 TLS already active");
      else if (!s->options.tls_available)
        refuse (s, "454 4.7.0 TLS not available");
      else
        {
          reply (s, "220 2.0.0 Ready to start TLS");
          /* Whatever was pipelined after STARTTLS came in clear text and must not be
           * taken as sent under TLS (RFC 3207 §4.2; CVE-2011-0411). */
          g_byte_array_set_size (s->in, 0);
          s->in_scanned = 0;
          s->skipping = FALSE;
          s->state = STATE_WAIT;
          s->deadline = G_MAXINT64;
          return TRUE;
        }
    }
  else
    refuse (s, "500 5.5.2 Command not recognized");
  return FALSE;
}

/* ---- message text ----------------------------------------------------------------- */

static void
data_line (FctSmtpSession *s, const guint8 *line, gsize len)
{
  /* len counts the content only; CRLF is added back, whatever ended the line. */
  if (len > 0 && line[0] == '.')
    {
      line++;
      len--;
    }
  if (len + 2 > s->limits.smtp_server_text_line_max)
    s->data_long_line = TRUE;
  s->data_total += len + 2;
  if (s->data_total > s->limits.smtp_server_message_max_bytes)
    s->data_too_big = TRUE;
  if (s->data_too_big || s->data_long_line)
    {
      g_byte_array_set_size (s->data, 0);
      return;
    }
  g_byte_array_append (s->data, line, (guint)len);
  g_byte_array_append (s->data, (const guint8 *)"\r\n", 2);
}

/* After the final dot: the data left, then the verdict on the message. */
static FctSmtpSessionEvent
data_end (FctSmtpSession *s)
{
  if (s->data->len > 0 && !s->data_too_big && !s->data_long_line)
    return FCT_SMTP_SESSION_DATA;
  s->data_ended = FALSE;
  if (s->data_too_big || s->data_long_line)
    {
      if (s->data_too_big)
        reply (s, "552 5.3.4 Message size exceeds fixed maximum message size");
      else
        reply (s,
               "554 5.6.0 A line is longer than %" G_GSIZE_FORMAT
               " bytes (RFC 5321 §4.5.3.1.6)",
               s->limits.smtp_server_text_line_max);
      transaction_clear (s);
      s->state = STATE_COMMAND;
      return FCT_SMTP_SESSION_DISCARD;
    }
  s->env.size = s->data_total;
  s->state = STATE_WAIT;
  s->deadline = G_MAXINT64;
  return FCT_SMTP_SESSION_MESSAGE;
}

/* ---- the loop --------------------------------------------------------------------- */

FctSmtpSessionEvent
fct_smtp_session_step (FctSmtpSession *s, gint64 now_ms)
{
  g_return_val_if_fail (s != NULL, FCT_SMTP_SESSION_CLOSE);

  for (;;)
    {
      if (s->state == STATE_CLOSED)
        return FCT_SMTP_SESSION_CLOSE;
      if (s->data_ended)
        return data_end (s);
      if (s->state == STATE_WAIT)
        return FCT_SMTP_SESSION_NEED_INPUT;
      if (s->data->len >= DATA_CHUNK)
        return FCT_SMTP_SESSION_DATA;
      if (now_ms >= s->deadline)
        {
          /* RFC 5321 §4.5.3.2: the server gives up; 421 tells the client why. */
          reply (s, "421 4.4.2 %s Timeout, closing", s->hostname);
          s->state = STATE_CLOSED;
          return FCT_SMTP_SESSION_CLOSE;
        }
      /* A pipelining client that reads no replies waits until it does. */
      if (s->out->len >= OUTPUT_MAX)
        return FCT_SMTP_SESSION_NEED_INPUT;

      gsize line_max = s->state == STATE_DATA ? s->limits.smtp_server_text_line_max
                                              : s->limits.smtp_server_command_line_max;
      const guint8 *lf
          = s->in_scanned < s->in->len
                ? memchr (s->in->data + s->in_scanned, '\n', s->in->len - s->in_scanned)
                : NULL;
      if (lf == NULL)
        {
          s->in_scanned = s->in->len;
          /* A line over the limit is dropped as it comes, so the buffer stays bounded;
           * its end decides what the client hears. */
          if (s->in->len > line_max)
            {
              if (s->state == STATE_DATA)
                s->data_long_line = TRUE;
              s->skipping = TRUE;
              g_byte_array_set_size (s->in, 0);
              s->in_scanned = 0;
            }
          return FCT_SMTP_SESSION_NEED_INPUT;
        }
      gsize end = (gsize)(lf - s->in->data); /* index of LF */
      gsize len = end;
      gboolean crlf = len > 0 && s->in->data[len - 1] == '\r';
      if (crlf)
        len--;
      gboolean skipped = s->skipping;
      s->skipping = FALSE;
      set_deadline (s, now_ms);

      if (s->state == STATE_DATA)
        {
          if (skipped || end + 1 > line_max)
            s->data_long_line = TRUE;
          /* Only CRLF.CRLF ends the data: a dot on a line ended by a bare LF does not
           * (the SMTP smuggling attack of 2023 relies on servers that disagree). */
          else if (crlf && len == 1 && s->in->data[0] == '.')
            s->data_ended = TRUE;
          else
            data_line (s, s->in->data, len);
          g_byte_array_remove_range (s->in, 0, (guint)(end + 1));
          s->in_scanned = 0;
          continue;
        }

      g_autofree char *line = g_strndup ((const char *)s->in->data, len);
      g_byte_array_remove_range (s->in, 0, (guint)(end + 1));
      s->in_scanned = 0;
      if (skipped || end + 1 > line_max)
        refuse (s, "500 5.5.2 Line too long");
      else if (strlen (line) != len)
        refuse (s, "500 5.5.2 NUL in command");
      else if (command (s, line))
        return FCT_SMTP_SESSION_STARTTLS;
    }
}
