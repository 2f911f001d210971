/* libFuzzer target for the SMTP reply parser (src/lib/smtp/reply.c): the first byte
 * picks the chunk size, so replies are cut at every place a network can cut them; the
 * parser runs with tight limits. Checks every reply it returns and that the buffer
 * never holds more than a line's worth plus one chunk. */
#include <facteur/smtp.h>

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

enum
{
  REPLY_LINE_MAX = 80,
  REPLY_LINES_MAX = 8
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  gsize chunk = (gsize)(data[0] % 32) + 1;
  g_autoptr (FctSmtpReplyParser) p
      = fct_smtp_reply_parser_new (REPLY_LINE_MAX, REPLY_LINES_MAX);

  for (gsize at = 1; at < size; at += chunk)
    {
      fct_smtp_reply_parser_push (p, data + at, MIN (chunk, size - at));
      for (;;)
        {
          FctSmtpReply *reply = NULL;
          g_autoptr (GError) error = NULL;
          FctSmtpParseStatus status = fct_smtp_reply_parser_next (p, &reply, &error);
          if (status == FCT_SMTP_PARSE_MORE)
            break;
          if (status == FCT_SMTP_PARSE_ERROR)
            {
              g_assert (error != NULL && reply == NULL);
              return 0;
            }
          g_assert (reply->code >= 200 && reply->code <= 559);
          g_assert (reply->lines->len >= 1 && reply->lines->len <= REPLY_LINES_MAX);
          for (guint i = 0; i < reply->lines->len; i++)
            g_assert (g_utf8_validate (g_ptr_array_index (reply->lines, i), -1, NULL));
          g_autofree char *text = fct_smtp_reply_to_string (reply);
          g_assert (text != NULL);
          (void)fct_smtp_reply_has_extension (reply, "STARTTLS");
          fct_smtp_reply_free (reply);
        }
      g_assert (fct_smtp_reply_parser_get_pending (p) < REPLY_LINE_MAX + chunk);
    }
  return 0;
}
