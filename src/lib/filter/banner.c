/* facteur filter — a warning banner at the top of the visible body. GMime parses the
 * message; only the first text/plain and text/html parts that are not attachments
 * (RFC 2183) get new content, in their own charset (RFC 2046 §4.1.2) and transfer
 * encoding (RFC 2045 §6); GMime writes every other part back as it was. */
#include "filter-private.h"

#include <gmime/gmime.h>
#include <string.h>

typedef struct
{
  GMimePart *text, *html;
  GMimeObject *top;
  char *content_type, *encoding; /* top-level changes */
} Banner;

static void
gmime_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_mime_init ();
      g_once_init_leave (&done, 1);
    }
}

static void
find_targets (GMimeObject *obj, Banner *b, guint depth)
{
  /* Nested multiparts walked looking for the visible parts: as deep as the analysis
   * goes. */
  if (depth > fct_limits_default ()->mime_depth_max || (b->text != NULL && b->html != NULL))
    return;
  if (GMIME_IS_MULTIPART (obj))
    {
      GMimeMultipart *mp = GMIME_MULTIPART (obj);
      for (int i = 0; i < g_mime_multipart_get_count (mp); i++)
        find_targets (g_mime_multipart_get_part (mp, i), b, depth + 1);
      return;
    }
  /* An attached message (message/rfc822) is not what the reader sees first. */
  if (!GMIME_IS_PART (obj))
    return;
  GMimePart *part = GMIME_PART (obj);
  if (g_mime_part_is_attachment (part) || g_mime_part_get_filename (part) != NULL)
    return;
  GMimeContentType *ct = g_mime_object_get_content_type (obj);
  if (b->text == NULL && g_mime_content_type_is_type (ct, "text", "plain"))
    b->text = part;
  else if (b->html == NULL && g_mime_content_type_is_type (ct, "text", "html"))
    b->html = part;
}

static GByteArray *
decoded_content (GMimePart *part)
{
  GByteArray *out = g_byte_array_new ();
  GMimeDataWrapper *w = g_mime_part_get_content (part);

  if (w == NULL)
    return out;
  GMimeStream *mem = g_mime_stream_mem_new ();
  g_mime_data_wrapper_write_to_stream (w, mem);
  GByteArray *got = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  g_byte_array_append (out, got->data, got->len);
  g_object_unref (mem);
  return out;
}

static gboolean
has_8bit (const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] >= 0x80)
      return TRUE;
  return FALSE;
}

/* The banner for an HTML part: escaped, every non-ASCII character as a numeric
 * reference so that it reads the same in any charset. */
static char *
html_banner (const char *text)
{
  GString *s = g_string_new ("<div style=\"border:2px solid #b00;background:#fff3f3;"
                             "color:#000;padding:8px 12px;margin:0 0 12px 0;"
                             "font-family:sans-serif;font-size:14px\">");
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == '<')
        g_string_append (s, "&lt;");
      else if (c == '>')
        g_string_append (s, "&gt;");
      else if (c == '&')
        g_string_append (s, "&amp;");
      else if (c == '"')
        g_string_append (s, "&quot;");
      else if (c < 0x80)
        g_string_append_c (s, (char)c);
      else
        g_string_append_printf (s, "&#%u;", c);
    }
  g_string_append (s, "</div>");
  return g_string_free (s, FALSE);
}

/* Where an HTML document's visible content starts: after the <body> start tag, else at
 * the start. */
static gsize
html_insert_at (const GByteArray *html)
{
  gsize n = html->len;
  for (gsize i = 0; i + 5 <= n; i++)
    if (html->data[i] == '<'
        && g_ascii_strncasecmp ((const char *)html->data + i + 1, "body", 4) == 0
        && (i + 5 == n || html->data[i + 5] == '>' || g_ascii_isspace (html->data[i + 5])))
      {
        for (gsize k = i + 5; k < n; k++)
          if (html->data[k] == '>')
            return k + 1;
        return 0;
      }
  return 0;
}

static gboolean
charset_is (const char *charset, const char *a, const char *b)
{
  return charset != NULL
         && (g_ascii_strcasecmp (charset, a) == 0 || g_ascii_strcasecmp (charset, b) == 0);
}

/* Puts the banner at the top of part; FALSE when its charset cannot take it. */
static gboolean
insert_banner (Banner *b, GMimePart *part, const char *text, gboolean html)
{
  GMimeObject *obj = GMIME_OBJECT (part);
  const char *charset = g_mime_object_get_content_type_parameter (obj, "charset");
  gboolean ascii = charset == NULL || charset_is (charset, "us-ascii", "ascii");
  gboolean utf8 = charset_is (charset, "utf-8", "utf8");
  g_autoptr (GByteArray) content = decoded_content (part);
  gboolean crlf
      = content->len >= 2 && memmem (content->data, content->len, "\r\n", 2) != NULL;
  const char *eol = crlf ? "\r\n" : "\n";
  g_autofree char *insert = NULL;
  gsize at = 0;

  if (html)
    {
      g_autofree char *box = html_banner (text);
      insert = g_strconcat (box, eol, NULL);
      at = html_insert_at (content);
    }
  else
    {
      g_autofree char *line = g_strconcat (text, eol, eol, NULL);
      if (ascii || utf8)
        insert = g_steal_pointer (&line);
      else
        {
          gsize written = 0;
          insert = g_convert_with_fallback (line, -1, charset, "UTF-8", "?", NULL, &written,
                                            NULL);
          if (insert == NULL)
            return FALSE; /* a charset iconv does not know: leave the part alone */
        }
      /* US-ASCII is a subset of UTF-8: the part may say utf-8 for the banner's sake. */
      if (ascii && has_8bit ((const guint8 *)insert, strlen (insert)))
        {
          g_mime_object_set_content_type_parameter (obj, "charset", "utf-8");
          if (obj == b->top)
            {
              GMimeFormatOptions *fo = g_mime_format_options_get_default ();
              char *value
                  = g_mime_content_type_encode (g_mime_object_get_content_type (obj), fo);
              g_free (b->content_type);
              b->content_type = g_strdup (g_strstrip (value));
              g_free (value);
            }
        }
    }

  GByteArray *out = g_byte_array_sized_new ((guint)(content->len + strlen (insert)));
  /* An empty part has no data pointer at all. */
  if (at > 0)
    g_byte_array_append (out, content->data, (guint)at);
  g_byte_array_append (out, (const guint8 *)insert, (guint)strlen (insert));
  if (content->len > at)
    g_byte_array_append (out, content->data + at, content->len - (guint)at);
  gboolean eight = has_8bit (out->data, out->len);

  GMimeContentEncoding enc = g_mime_part_get_content_encoding (part);
  GMimeStream *stream = g_mime_stream_mem_new_with_byte_array (out);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), TRUE);
  GMimeDataWrapper *w
      = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, w);
  g_object_unref (w);
  g_object_unref (stream);
  if (eight
      && (enc == GMIME_CONTENT_ENCODING_DEFAULT || enc == GMIME_CONTENT_ENCODING_7BIT))
    {
      enc = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
      if (obj == b->top)
        {
          g_free (b->encoding);
          b->encoding = g_strdup ("quoted-printable");
        }
    }
  g_mime_part_set_content_encoding (part, enc);
  return TRUE;
}

GBytes *
fct_filter_banner_apply (FctMsg *msg, const char *text, char **content_type,
                         char **encoding)
{
  Banner b = { 0 };
  GBytes *bytes = fct_msg_get_bytes (msg);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GBytes *result = NULL;

  g_return_val_if_fail (msg != NULL && text != NULL, NULL);
  *content_type = NULL;
  *encoding = NULL;
  gmime_init_once ();
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer ((const char *)data, len);
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);
  g_object_unref (parser);
  g_object_unref (stream);
  if (message == NULL)
    return NULL;
  b.top = g_mime_message_get_mime_part (message);
  if (b.top != NULL)
    find_targets (b.top, &b, 0);
  gboolean done = FALSE;
  if (b.text != NULL)
    done = insert_banner (&b, b.text, text, FALSE) || done;
  if (b.html != NULL)
    done = insert_banner (&b, b.html, text, TRUE) || done;
  if (done)
    {
      GMimeStream *out = g_mime_stream_mem_new ();
      GMimeFormatOptions *fo = g_mime_format_options_new ();
      g_mime_format_options_set_newline_format (fo, GMIME_NEWLINE_FORMAT_DOS);
      g_mime_object_write_content_to_stream (b.top, fo, out);
      g_mime_format_options_free (fo);
      GByteArray *arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
      result = g_bytes_new (arr->data, arr->len);
      g_object_unref (out);
      *content_type = g_steal_pointer (&b.content_type);
      *encoding = g_steal_pointer (&b.encoding);
    }
  g_free (b.content_type);
  g_free (b.encoding);
  g_object_unref (message);
  return result;
}
