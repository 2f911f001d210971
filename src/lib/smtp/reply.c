/* facteur — SMTP reply parser: RFC 5321 §4.2 reply lines (three-digit code, "-" for
 * a continuation, one code per reply), §4.5.3.1.5 line length, enhanced status codes
 * (RFC 3463 §2, announced by RFC 2034). Bytes come from an untrusted peer. */
#include "smtp-private.h"

#include <string.h>

G_DEFINE_QUARK (fct - smtp - error - quark, fct_smtp_error)

struct _FctSmtpReplyParser
{
  GByteArray *buf; /* bytes not yet consumed as a line */
  gsize line_max;
  guint lines_max;
  FctSmtpReply *partial; /* the lines of a multi-line reply so far */
  GError *error;         /* sticky */
};

FctSmtpReplyParser *
fct_smtp_reply_parser_new (gsize line_max, guint lines_max)
{
  FctSmtpReplyParser *p = g_new0 (FctSmtpReplyParser, 1);
  p->buf = g_byte_array_new ();
  p->line_max = line_max > 0 ? line_max : 512;
  p->lines_max = lines_max > 0 ? lines_max : 1;
  return p;
}

void
fct_smtp_reply_parser_free (FctSmtpReplyParser *parser)
{
  if (parser == NULL)
    return;
  g_byte_array_unref (parser->buf);
  fct_smtp_reply_free (parser->partial);
  g_clear_error (&parser->error);
  g_free (parser);
}

void
fct_smtp_reply_parser_push (FctSmtpReplyParser *parser, const guint8 *data, gsize len)
{
  g_return_if_fail (parser != NULL);
  if (parser->error != NULL || len == 0)
    return; /* nothing after an error is ever read */
  g_byte_array_append (parser->buf, data, (guint)MIN (len, G_MAXUINT));
}

gsize
fct_smtp_reply_parser_get_pending (const FctSmtpReplyParser *parser)
{
  g_return_val_if_fail (parser != NULL, 0);
  return parser->buf->len;
}

static FctSmtpParseStatus
fail (FctSmtpReplyParser *p, GError **error, FctSmtpError code, const char *message)
{
  if (p->error == NULL)
    p->error = g_error_new_literal (FCT_SMTP_ERROR, code, message);
  g_byte_array_set_size (p->buf, 0);
  g_clear_pointer (&p->partial, fct_smtp_reply_free);
  if (error != NULL)
    *error = g_error_copy (p->error);
  return FCT_SMTP_PARSE_ERROR;
}

/* The text of a line as UTF-8 for reports: NUL and undecodable bytes become U+FFFD. */
static char *
line_text (const guint8 *s, gsize len)
{
  g_autoptr (GString) clean = g_string_sized_new (len);
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '\0')
        g_string_append (clean, "\xEF\xBF\xBD");
      else
        g_string_append_c (clean, (char)s[i]);
    }
  return g_utf8_make_valid (clean->str, (gssize)clean->len);
}

/* RFC 3463 §2: class "." subject "." detail, 1-3 digits each, the class matching the
 * reply code's first digit. Returns the length of the code in s, or 0. */
static gsize
enhanced_length (const char *s, guint code)
{
  gsize i = 0;

  if (s[0] != (char)('0' + code / 100) || s[1] != '.')
    return 0;
  i = 2;
  for (int part = 0; part < 2; part++)
    {
      gsize digits = 0;
      while (g_ascii_isdigit (s[i]) && digits < 4)
        i++, digits++;
      if (digits == 0 || digits > 3)
        return 0;
      if (part == 0)
        {
          if (s[i] != '.')
            return 0;
          i++;
        }
    }
  return (s[i] == ' ' || s[i] == '\0') ? i : 0;
}

FctSmtpParseStatus
fct_smtp_reply_parser_next (FctSmtpReplyParser *parser, FctSmtpReply **reply,
                            GError **error)
{
  g_return_val_if_fail (parser != NULL && reply != NULL, FCT_SMTP_PARSE_ERROR);
  *reply = NULL;
  if (parser->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (parser->error);
      return FCT_SMTP_PARSE_ERROR;
    }

  for (;;)
    {
      const guint8 *b = parser->buf->data;
      gsize n = parser->buf->len;
      const guint8 *lf = n > 0 ? memchr (b, '\n', n) : NULL;

      if (lf == NULL)
        {
          if (n >= parser->line_max)
            return fail (parser, error, FCT_SMTP_ERROR_LIMIT, "reply line too long");
          return FCT_SMTP_PARSE_MORE;
        }
      gsize line_len = (gsize)(lf - b) + 1; /* with the LF */
      if (line_len > parser->line_max)
        return fail (parser, error, FCT_SMTP_ERROR_LIMIT, "reply line too long");
      /* A bare LF ending is tolerated, as most clients do; CRLF is the rule. */
      gsize text_end = line_len - 1;
      if (text_end > 0 && b[text_end - 1] == '\r')
        text_end--;

      if (text_end < 3 || b[0] < '2' || b[0] > '5' || b[1] < '0' || b[1] > '5'
          || !g_ascii_isdigit (b[2]) || (text_end > 3 && b[3] != ' ' && b[3] != '-'))
        return fail (parser, error, FCT_SMTP_ERROR_PROTOCOL,
                     "malformed reply line (RFC 5321 §4.2: three digits, then space or "
                     "hyphen)");
      guint code = (guint)((b[0] - '0') * 100 + (b[1] - '0') * 10 + (b[2] - '0'));
      gboolean more = text_end > 3 && b[3] == '-';
      char *text = line_text (b + 4 * (text_end > 3), text_end > 3 ? text_end - 4 : 0);

      if (parser->partial == NULL)
        {
          parser->partial = g_new0 (FctSmtpReply, 1);
          parser->partial->code = code;
          parser->partial->lines = g_ptr_array_new_with_free_func (g_free);
        }
      else if (parser->partial->code != code)
        {
          g_free (text);
          return fail (parser, error, FCT_SMTP_ERROR_PROTOCOL,
                       "the lines of a multi-line reply have different codes");
        }
      if (parser->partial->lines->len >= parser->lines_max)
        {
          g_free (text);
          return fail (parser, error, FCT_SMTP_ERROR_LIMIT, "reply has too many lines");
        }
      g_ptr_array_add (parser->partial->lines, text);
      g_byte_array_remove_range (parser->buf, 0, (guint)line_len);

      if (!more)
        {
          FctSmtpReply *r = g_steal_pointer (&parser->partial);
          const char *first = g_ptr_array_index (r->lines, 0);
          gsize elen = enhanced_length (first, r->code);
          if (elen > 0 && elen < sizeof r->enhanced)
            memcpy (r->enhanced, first, elen);
          *reply = r;
          return FCT_SMTP_PARSE_REPLY;
        }
    }
}

void
fct_smtp_reply_free (FctSmtpReply *reply)
{
  if (reply == NULL)
    return;
  if (reply->lines != NULL)
    g_ptr_array_unref (reply->lines);
  g_free (reply);
}

char *
fct_smtp_reply_to_string (const FctSmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, NULL);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < reply->lines->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, '\n');
      g_string_append (s, g_ptr_array_index (reply->lines, i));
    }
  return g_string_free (s, FALSE);
}

gboolean
fct_smtp_reply_has_extension (const FctSmtpReply *reply, const char *keyword)
{
  g_return_val_if_fail (reply != NULL && keyword != NULL, FALSE);
  gsize klen = strlen (keyword);

  /* RFC 5321 §4.1.1.1: the first line is the greeting, then one ehlo-line each. */
  for (guint i = 1; i < reply->lines->len; i++)
    {
      const char *line = g_ptr_array_index (reply->lines, i);
      if (g_ascii_strncasecmp (line, keyword, klen) == 0
          && (line[klen] == '\0' || line[klen] == ' '))
        return TRUE;
    }
  return FALSE;
}

FctSmtpTranscript *
fct_smtp_transcript_new (void)
{
  FctSmtpTranscript *t = g_new0 (FctSmtpTranscript, 1);
  t->lines = g_ptr_array_new_with_free_func (g_free);
  return t;
}

void
fct_smtp_transcript_add (FctSmtpTranscript *transcript, char direction, const char *line)
{
  /* A probe exchanges a dozen replies; the cap only stops a babbling peer. */
  if (transcript == NULL || transcript->lines->len >= 1000)
    return;
  g_ptr_array_add (transcript->lines, g_strdup_printf ("%c: %s", direction, line));
}

void
fct_smtp_transcript_free (FctSmtpTranscript *transcript)
{
  if (transcript == NULL)
    return;
  g_ptr_array_unref (transcript->lines);
  g_free (transcript);
}
