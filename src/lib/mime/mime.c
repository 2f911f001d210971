/* facteur — the MIME bridge: GMime parses the message (RFC 2045-2049), this walks the
 * tree with depth and part limits, classifies the leaves, undoes the transfer encoding
 * (RFC 2045 §6) and converts text to UTF-8 from its declared charset (RFC 2046 §4.1.2). */
#include "mime-private.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (fct - mime - error - quark, fct_mime_error)

/* Encoded bytes are read in chunks of this size; decoding never holds more than one
 * chunk besides its output. */
#define READ_CHUNK 16384

static void
mime_init_once (void)
{
  static gsize done = 0;

  /* g_mime_init is not thread-safe; everything after it is per object. */
  if (g_once_init_enter (&done))
    {
      g_mime_init ();
      g_once_init_leave (&done, 1);
    }
}

void
fct_mime_note (FctMime *mime, FctMimeAnomalies anomaly, const char *evidence)
{
  if (mime->anomaly_evidence == NULL)
    mime->anomaly_evidence = evidence;
  mime->anomalies |= anomaly;
}

gboolean
fct_mime_link_add (FctMime *mime, FctMimeLinkSource source, const char *href,
                   gsize href_len, const char *text, gsize text_len, guint part)
{
  FctMimeLink link;

  if (mime->links->len >= mime->limits.mime_links_max)
    {
      fct_mime_note (mime, FCT_MIME_ANOMALY_LINKS_LIMIT, "more links than mime_links_max");
      return FALSE;
    }
  link.source = source;
  link.href = g_string_chunk_insert_len (mime->strings, href, (gssize)href_len);
  link.text = g_string_chunk_insert_len (mime->strings, text, (gssize)text_len);
  link.part = part;
  link.asks_secret = FALSE;
  link.image_alt = "";
  link.outer_href = NULL;
  g_array_append_val (mime->links, link);
  return TRUE;
}

/* GMime reports what its parser forgave; the structural ones become anomalies. */
static void
on_parser_warning (gint64 offset, GMimeParserWarning code, const char *item,
                   gpointer user_data)
{
  FctMime *mime = user_data;

  (void)offset;
  (void)item;
  switch (code)
    {
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
      fct_mime_note (mime, FCT_MIME_ANOMALY_NO_BOUNDARY, "a multipart without a boundary");
      break;
    case GMIME_WARN_MALFORMED_MULTIPART:
      fct_mime_note (mime, FCT_MIME_ANOMALY_BOUNDARY_NOT_FOUND,
                     "a multipart whose boundary never appears");
      break;
    case GMIME_WARN_TRUNCATED_MESSAGE:
      fct_mime_note (mime, FCT_MIME_ANOMALY_TRUNCATED,
                     "a multipart without its closing boundary");
      break;
    case GMIME_CRIT_NESTING_OVERFLOW:
      fct_mime_note (mime, FCT_MIME_ANOMALY_DEPTH_LIMIT, "MIME nesting too deep");
      break;
    default:
      break;
    }
}

static void
entry_free (FctMimeEntry *entry)
{
  g_clear_object (&entry->object);
  g_free (entry->text);
  g_free (entry);
}

static const char *
chunk_str (FctMime *mime, const char *s)
{
  return s != NULL ? g_string_chunk_insert_const (mime->strings, s) : NULL;
}

static gboolean
is_base64_byte (guchar c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/' || c == '=' || c == '\r' || c == '\n'
         || c == ' ' || c == '\t';
}

/* Decodes the transfer encoding of part into out, at most max bytes (0: no cap).
 * *more is set when the content went on past max; *bad when base64 held bytes outside
 * its alphabet (RFC 2045 §6.8 says to ignore them; senders who do it are broken). */
static void
decode_part (GMimePart *part, gsize max, GByteArray *out, gboolean *more, gboolean *bad)
{
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  GMimeStream *stream;
  GMimeContentEncoding encoding;
  GMimeEncoding state;
  char raw[READ_CHUNK];
  gboolean passthrough;

  *more = FALSE;
  if (bad != NULL)
    *bad = FALSE;
  if (wrapper == NULL || (stream = g_mime_data_wrapper_get_stream (wrapper)) == NULL)
    return;
  encoding = g_mime_data_wrapper_get_encoding (wrapper);
  passthrough = encoding != GMIME_CONTENT_ENCODING_BASE64
                && encoding != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
                && encoding != GMIME_CONTENT_ENCODING_UUENCODE;
  if (!passthrough)
    g_mime_encoding_init_decode (&state, encoding);
  if (g_mime_stream_reset (stream) < 0)
    return;

  for (;;)
    {
      /* With a small cap, read little: base64 needs 4/3 of the bytes plus line ends. */
      gsize want = max > 0 && max < sizeof raw / 2 ? max * 2 + 64 : sizeof raw;
      gssize n = g_mime_stream_read (stream, raw, want);
      gsize room, old_len;

      if (n <= 0)
        break;
      if (bad != NULL && encoding == GMIME_CONTENT_ENCODING_BASE64 && !*bad)
        for (gssize i = 0; i < n; i++)
          if (!is_base64_byte ((guchar)raw[i]))
            {
              *bad = TRUE;
              break;
            }
      old_len = out->len;
      if (passthrough)
        {
          g_byte_array_append (out, (const guint8 *)raw, (guint)n);
        }
      else
        {
          room = g_mime_encoding_outlen (&state, (size_t)n);
          g_byte_array_set_size (out, (guint)(old_len + room));
          g_byte_array_set_size (
              out, (guint)(old_len
                           + g_mime_encoding_step (&state, raw, (size_t)n,
                                                   (char *)out->data + old_len)));
        }
      if (max > 0 && out->len >= max)
        {
          *more = out->len > max || g_mime_stream_read (stream, raw, 1) > 0;
          g_byte_array_set_size (out, (guint)max);
          return;
        }
    }
  if (!passthrough)
    {
      gsize old_len = out->len;
      g_byte_array_set_size (out, (guint)(old_len + g_mime_encoding_outlen (&state, 0)));
      g_byte_array_set_size (out, (guint)(old_len
                                          + g_mime_encoding_flush (
                                              &state, "", 0, (char *)out->data + old_len)));
      if (max > 0 && out->len > max)
        {
          *more = TRUE;
          g_byte_array_set_size (out, (guint)max);
        }
    }
}

/* g_utf8_validate_len, with the ASCII most text is made of checked a word at a time:
 * glib reads byte by byte. Only bytes 0x01-0x7f are skipped (a NUL is invalid for
 * g_utf8_validate_len, as for its callers); glib validates each run of bytes of 0x80 and
 * more between them. Such a run starts a character, and a sequence it cuts short is cut
 * short by an ASCII byte in the whole text too, so glib's answer and its end are those
 * it gives for the whole text. */
static gboolean
utf8_validate (const char *s, gsize len, const char **end)
{
  const char *p = s, *stop;
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);

  /* An empty part's GByteArray holds no data at all: NULL plus 0 is undefined (found by
     fuzz-mime under UBSan). */
  if (len == 0)
    {
      if (end != NULL)
        *end = s;
      return TRUE;
    }
  stop = s + len;

  for (;;)
    {
      const char *run;

      while (stop - p >= 8)
        {
          guint64 w;

          memcpy (&w, p, sizeof w);
          /* A byte of 0x01-0x7f minus one borrows nothing and keeps its high bit
             clear; 0x00 borrows and a byte of 0x80 or more has the bit set. */
          if (((w - ones) | w) & highs)
            break;
          p += 8;
        }
      while (p < stop && (guchar)*p - 1u < 0x7fu)
        p++;
      if (p == stop || *p == '\0')
        return g_utf8_validate_len (p, (gsize)(stop - p), end);
      run = p;
      while (p < stop && (guchar)*p >= 0x80)
        p++;
      if (!g_utf8_validate_len (run, (gsize)(p - run), end))
        return FALSE;
    }
}

/* Appends s as valid UTF-8 without NUL: each byte that does not start a valid sequence,
 * and each NUL, becomes U+FFFD. A NUL is valid UTF-8 but ends C strings, so it could
 * hide what follows it from every reader (found by fuzz-mime); glibc's iconv also lets
 * sequences above U+10FFFF through (found by fuzz-mime too). */
static gboolean
append_valid (GString *out, const char *s, gsize len)
{
  gboolean clean = TRUE;

  while (len > 0)
    {
      const char *bad = NULL;

      if (utf8_validate (s, len, &bad))
        {
          g_string_append_len (out, s, (gssize)len);
          break;
        }
      g_string_append_len (out, s, bad - s);
      g_string_append (out, "\xef\xbf\xbd");
      len -= (gsize)(bad - s) + 1;
      s = bad + 1;
      clean = FALSE;
    }
  return clean;
}

/* A charset read as UTF-8: none declared, or UTF-8, or its ASCII subset. */
static gboolean
utf8_label (const char *charset)
{
  return charset == NULL || g_ascii_strcasecmp (charset, "utf-8") == 0
         || g_ascii_strcasecmp (charset, "us-ascii") == 0
         || g_ascii_strcasecmp (charset, "utf8") == 0;
}

/* Converts bytes in charset to valid UTF-8: an invalid sequence becomes U+FFFD and the
 * conversion goes on. Returns FALSE when the charset is unknown (the text is then read
 * as Windows-1252) or the text did not convert cleanly. */
static gboolean
to_utf8 (const guint8 *in, gsize len, const char *charset, GString *out)
{
  const char *name;
  GIConv cd;
  char *inp = (char *)in;
  gsize inleft = len;
  char buf[4096];
  gboolean known = TRUE;
  g_autoptr (GString) converted = NULL;

  if (utf8_label (charset))
    {
      if (utf8_validate ((const char *)in, len, NULL))
        {
          g_string_append_len (out, (const char *)in, (gssize)len);
          return TRUE;
        }
      /* Undeclared 8-bit text is nearly always Windows-1252 (WHATWG Encoding §4.2
         labels us-ascii and latin1 so); declared UTF-8 that is not gets U+FFFD. */
      if (charset != NULL && g_ascii_strncasecmp (charset, "utf", 3) == 0)
        {
          append_valid (out, (const char *)in, len);
          return FALSE;
        }
      charset = "windows-1252";
    }

  name = g_mime_charset_iconv_name (charset);
  cd = g_iconv_open ("UTF-8", name);
  if (cd == (GIConv)-1)
    {
      known = FALSE;
      cd = g_iconv_open ("UTF-8", "windows-1252");
      if (cd == (GIConv)-1)
        {
          append_valid (out, (const char *)in, len);
          return FALSE;
        }
    }
  converted = g_string_sized_new (len + len / 2 + 16);
  while (inleft > 0)
    {
      char *outp = buf;
      gsize outleft = sizeof buf;
      gsize r = g_iconv (cd, &inp, &inleft, &outp, &outleft);

      g_string_append_len (converted, buf, (gssize)(sizeof buf - outleft));
      if (r == (gsize)-1)
        {
          if (errno == E2BIG)
            continue;
          /* EILSEQ or EINVAL (a sequence cut at the end): skip one byte. */
          g_string_append (converted, "\xef\xbf\xbd");
          inp++;
          inleft--;
          known = FALSE;
        }
    }
  g_iconv_close (cd);
  return append_valid (out, converted->str, converted->len) && known;
}

static void
decode_text (FctMime *mime, FctMimeEntry *entry)
{
  g_autoptr (GByteArray) raw = g_byte_array_new ();
  GString *text;
  gboolean more = FALSE, bad = FALSE;

  decode_part (entry->object, mime->limits.mime_text_max_bytes, raw, &more, &bad);
  if (more)
    fct_mime_note (mime, FCT_MIME_ANOMALY_TEXT_LIMIT,
                   "a text part over mime_text_max_bytes");
  if (bad)
    fct_mime_note (mime, FCT_MIME_ANOMALY_BAD_ENCODING,
                   "base64 with bytes outside its alphabet");
  /* Valid UTF-8, what most mail is: the decoded bytes are the text, not copied. */
  if (utf8_label (entry->pub.charset)
      && utf8_validate ((const char *)raw->data, raw->len, NULL))
    {
      entry->text_len = raw->len;
      g_byte_array_append (raw, (const guint8 *)"", 1);
      entry->text = (char *)g_byte_array_free (g_steal_pointer (&raw), FALSE);
      return;
    }
  text = g_string_sized_new (raw->len + 1);
  if (!to_utf8 (raw->data, raw->len, entry->pub.charset, text))
    fct_mime_note (mime, FCT_MIME_ANOMALY_BAD_CHARSET,
                   "text that does not convert from its charset");
  entry->text_len = text->len;
  entry->text = g_string_free (text, FALSE);
}

static void
add_leaf (FctMime *mime, GMimeObject *object, guint depth)
{
  GMimePart *part = GMIME_PART (object);
  GMimeContentType *type = g_mime_object_get_content_type (object);
  GMimeContentDisposition *disposition = g_mime_object_get_content_disposition (object);
  const char *cte = g_mime_object_get_header (object, "Content-Transfer-Encoding");
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  FctMimeEntry *entry;
  char *mime_type = NULL;
  gboolean attachment;

  if (mime->entries->len >= mime->limits.mime_parts_max)
    {
      fct_mime_note (mime, FCT_MIME_ANOMALY_PARTS_LIMIT, "more parts than mime_parts_max");
      return;
    }
  entry = g_new0 (FctMimeEntry, 1);
  entry->object = g_object_ref (part);
  if (type != NULL)
    mime_type = g_mime_content_type_get_mime_type (type);
  if (mime_type != NULL)
    {
      char *lower = g_ascii_strdown (mime_type, -1);
      entry->pub.content_type = chunk_str (mime, lower);
      g_free (lower);
      g_free (mime_type);
    }
  else
    {
      entry->pub.content_type = "text/plain";
    }
  if (type != NULL)
    {
      const char *charset = g_mime_content_type_get_parameter (type, "charset");
      if (charset != NULL)
        {
          char *lower = g_ascii_strdown (charset, -1);
          entry->pub.charset = chunk_str (mime, lower);
          g_free (lower);
        }
    }
  entry->pub.filename = chunk_str (mime, g_mime_part_get_filename (part));
  entry->pub.content_id = chunk_str (mime, g_mime_part_get_content_id (part));
  entry->pub.inline_disposition
      = disposition == NULL || !g_mime_content_disposition_is_attachment (disposition);
  entry->pub.depth = depth;
  if (wrapper != NULL && g_mime_data_wrapper_get_stream (wrapper) != NULL)
    {
      gint64 length = g_mime_stream_length (g_mime_data_wrapper_get_stream (wrapper));
      entry->pub.encoded_size = length > 0 ? (gsize)length : 0;
    }
  if (cte != NULL
      && g_mime_content_encoding_from_string (cte) == GMIME_CONTENT_ENCODING_DEFAULT)
    fct_mime_note (mime, FCT_MIME_ANOMALY_BAD_ENCODING,
                   "an unknown Content-Transfer-Encoding");

  attachment = !entry->pub.inline_disposition || entry->pub.filename != NULL;
  if (!attachment && g_str_equal (entry->pub.content_type, "text/plain"))
    entry->pub.kind = FCT_MIME_PART_TEXT;
  else if (!attachment && g_str_equal (entry->pub.content_type, "text/html"))
    entry->pub.kind = FCT_MIME_PART_HTML;
  else
    entry->pub.kind = FCT_MIME_PART_ATTACHMENT;

  g_ptr_array_add (mime->entries, entry);
  if (entry->pub.kind != FCT_MIME_PART_ATTACHMENT)
    {
      decode_text (mime, entry);
      if (entry->pub.kind == FCT_MIME_PART_HTML)
        fct_mime_html_parse (mime, mime->entries->len - 1);
      else
        fct_mime_text_links (mime, mime->entries->len - 1);
    }
}

/* Walks the tree depth first. Recursion is bounded by mime_depth_max: a multipart or
 * an enclosed message one level too deep is noted and not entered. */
static void
walk (FctMime *mime, GMimeObject *object, guint depth)
{
  if (object == NULL)
    return;
  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      if (inner == NULL)
        return;
      if (depth + 1 > mime->limits.mime_depth_max)
        {
          fct_mime_note (mime, FCT_MIME_ANOMALY_DEPTH_LIMIT, "MIME nesting too deep");
          return;
        }
      walk (mime, g_mime_message_get_mime_part (inner), depth + 1);
      return;
    }
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int count = g_mime_multipart_get_count (multipart);

      if (depth + 1 > mime->limits.mime_depth_max)
        {
          fct_mime_note (mime, FCT_MIME_ANOMALY_DEPTH_LIMIT, "MIME nesting too deep");
          return;
        }
      if (g_mime_multipart_get_boundary (multipart) == NULL)
        fct_mime_note (mime, FCT_MIME_ANOMALY_NO_BOUNDARY,
                       "a multipart without a boundary");
      if (count == 0)
        fct_mime_note (mime, FCT_MIME_ANOMALY_BOUNDARY_NOT_FOUND,
                       "a multipart whose boundary never appears");
      for (int i = 0; i < count; i++)
        {
          if (mime->entries->len >= mime->limits.mime_parts_max)
            {
              fct_mime_note (mime, FCT_MIME_ANOMALY_PARTS_LIMIT,
                             "more parts than mime_parts_max");
              return;
            }
          walk (mime, g_mime_multipart_get_part (multipart, i), depth + 1);
        }
      return;
    }
  if (GMIME_IS_PART (object))
    add_leaf (mime, object, depth);
}

/* TRUE for a field GMime is given no copy of: one whose name is letters, digits and
 * '-' (as every header field of mail is named) and is neither MIME-Version nor
 * Content-* (RFC 2045 §3), the only fields of the top header that MIME reads. */
static gboolean
field_not_mime (const guint8 *f, gsize len)
{
  gsize n = 0, i;

  while (n < len && (g_ascii_isalnum (f[n]) || f[n] == '-'))
    n++;
  for (i = n; i < len && (f[i] == ' ' || f[i] == '\t'); i++)
    ;
  if (n == 0 || i >= len || f[i] != ':')
    return FALSE;
  return !(n == 12 && g_ascii_strncasecmp ((const char *)f, "MIME-Version", 12) == 0)
         && !(n >= 8 && g_ascii_strncasecmp ((const char *)f, "Content-", 8) == 0);
}

/* Appends the top header for GMime without the fields MIME does not read: parsing the
 * addresses, dates and trace fields into objects costs GMime a quarter of its parse.
 * Only for a header that ends with its empty line (the header fixes below are made for
 * the others on the bytes as they are).
 * Fields are cut where GMime cuts them (a line ends at LF; one starting with SP or HTAB
 * continues the field), and everything from a line GMime reads as the end of the header
 * (empty, or a lone CR) is copied as it is, so GMime reads the rest as before. That is
 * GMime 3.2.13's way of cutting fields, checked by dumping every part of the bench
 * corpus, the fuzz corpora and 12,000 messages with mutated headers with and without
 * this copy: check it again when GMime changes. */
static void
append_mime_fields (GByteArray *out, const guint8 *data, gsize len)
{
  const guint start = out->len;
  gsize p = 0;

  while (p < len)
    {
      gsize end = p;

      if (data[p] == '\n' || (data[p] == '\r' && p + 1 < len && data[p + 1] == '\n'))
        break;
      do
        {
          const guint8 *nl = memchr (data + end, '\n', len - end);
          end = nl != NULL ? (gsize)(nl - data) + 1 : len;
        }
      while (end < len && (data[end] == ' ' || data[end] == '\t'));
      if (!field_not_mime (data + p, end - p))
        g_byte_array_append (out, data + p, (guint)(end - p));
      p = end;
    }
  /* A header with no MIME field is given whole: GMime is not shown a message without
     any header, which it may read otherwise. */
  if (out->len == start)
    p = 0;
  g_byte_array_append (out, data + p, (guint)(len - p));
}

FctMime *
fct_mime_new (FctMsg *msg, const FctLimits *limits, GError **error)
{
  g_autoptr (FctMime) mime = NULL;
  GBytes *bytes;
  GMimeStream *stream;
  GMimeParser *parser;
  GMimeParserOptions *options;
  GByteArray *copy;
  FctMsgFlags flags;
  gsize len = 0, body_offset;
  const guint8 *data;

  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  mime_init_once ();

  mime = g_new0 (FctMime, 1);
  mime->msg = fct_msg_ref (msg);
  mime->limits = limits != NULL ? *limits : *fct_limits_default ();
  mime->entries = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
  mime->links = g_array_new (FALSE, FALSE, sizeof (FctMimeLink));
  mime->strings = g_string_chunk_new (1024);

  bytes = fct_msg_get_bytes (msg);
  data = g_bytes_get_data (bytes, &len);
  /* The stream owns a copy: GMime keeps offsets into it (persistent stream), so the
     content of a large attachment is not copied again. GMime is given the header as
     FctMsg read it: where a line that is no field ended the header (as Postfix does),
     or there was no empty line, the empty line is added, else GMime reads no message
     at all (found by fuzz-mime). */
  body_offset = MIN (fct_msg_get_body_offset (msg), len);
  flags = fct_msg_get_flags (msg);
  copy = g_byte_array_sized_new ((guint)len + 4);
  if (flags & (FCT_MSG_FLAG_TOO_MANY_FIELDS | FCT_MSG_FLAG_FIELD_TOO_LONG))
    {
      /* A header over FctMsg's limits (padding): GMime gets only the fields FctMsg kept,
       * without the over-long ones, else millions of padding fields cost it seconds and
       * gigabytes (issue 11). What MIME reads of the top header (Content-Type and
       * company) is always kept. */
      for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
        {
          const FctMsgHeader *h = fct_msg_get_header (msg, i);
          if (h->raw.len > fct_msg_get_over_limits (msg)->field_max_bytes)
            continue;
          g_byte_array_append (copy, h->raw.ptr, (guint)h->raw.len);
          g_byte_array_append (copy, (const guint8 *)"\r\n", 2);
        }
      g_byte_array_append (copy, (const guint8 *)"\r\n", 2);
    }
  else if (flags & (FCT_MSG_FLAG_BAD_HEADER_LINE | FCT_MSG_FLAG_NO_SEPARATOR))
    g_byte_array_append (copy, data, (guint)body_offset);
  else
    append_mime_fields (copy, data, body_offset);
  if (!(flags & (FCT_MSG_FLAG_TOO_MANY_FIELDS | FCT_MSG_FLAG_FIELD_TOO_LONG))
      && (flags & (FCT_MSG_FLAG_BAD_HEADER_LINE | FCT_MSG_FLAG_NO_SEPARATOR)))
    {
      if (body_offset < 2 || memcmp (data + body_offset - 2, "\r\n", 2) != 0)
        g_byte_array_append (copy, (const guint8 *)"\r\n", 2);
      g_byte_array_append (copy, (const guint8 *)"\r\n", 2);
    }
  g_byte_array_append (copy, data + body_offset, (guint)(len - body_offset));
  stream = g_mime_stream_mem_new_with_byte_array (copy);
  parser = g_mime_parser_new_with_stream (stream);
  options = g_mime_parser_options_new ();
  g_mime_parser_options_set_warning_callback (options, on_parser_warning, mime);
  mime->message = g_mime_parser_construct_message (parser, options);
  g_mime_parser_options_free (options);
  g_object_unref (parser);
  g_object_unref (stream);
  if (mime->message == NULL)
    {
      g_set_error_literal (error, FCT_MIME_ERROR, FCT_MIME_ERROR_PARSE,
                           "GMime found no message in the bytes");
      return NULL;
    }
  if (GMIME_IS_MULTIPART (g_mime_message_get_mime_part (mime->message))
      && g_mime_object_get_header (GMIME_OBJECT (mime->message), "MIME-Version") == NULL)
    fct_mime_note (mime, FCT_MIME_ANOMALY_NOT_MIME, "a multipart without MIME-Version");
  walk (mime, g_mime_message_get_mime_part (mime->message), 0);
  return g_steal_pointer (&mime);
}

void
fct_mime_free (FctMime *mime)
{
  if (mime == NULL)
    return;
  if (mime->entries != NULL)
    g_ptr_array_unref (mime->entries);
  if (mime->links != NULL)
    g_array_unref (mime->links);
  if (mime->strings != NULL)
    g_string_chunk_free (mime->strings);
  g_clear_object (&mime->message);
  fct_msg_unref (mime->msg);
  g_free (mime);
}

FctMimeAnomalies
fct_mime_get_anomalies (const FctMime *mime)
{
  g_return_val_if_fail (mime != NULL, FCT_MIME_ANOMALY_NONE);
  return mime->anomalies;
}

const char *
fct_mime_get_anomaly_evidence (const FctMime *mime)
{
  g_return_val_if_fail (mime != NULL, NULL);
  return mime->anomaly_evidence;
}

guint
fct_mime_get_part_count (const FctMime *mime)
{
  g_return_val_if_fail (mime != NULL, 0);
  return mime->entries->len;
}

const FctMimePart *
fct_mime_get_part (const FctMime *mime, guint index)
{
  g_return_val_if_fail (mime != NULL && index < mime->entries->len, NULL);
  return &((FctMimeEntry *)g_ptr_array_index (mime->entries, index))->pub;
}

const char *
fct_mime_part_get_text (const FctMime *mime, guint index, gsize *len)
{
  const FctMimeEntry *entry;

  g_return_val_if_fail (mime != NULL && index < mime->entries->len, NULL);
  entry = g_ptr_array_index (mime->entries, index);
  if (len != NULL)
    *len = entry->text != NULL ? entry->text_len : 0;
  return entry->text;
}

guint
fct_mime_part_get_image_count (const FctMime *mime, guint index)
{
  g_return_val_if_fail (mime != NULL && index < mime->entries->len, 0);
  return ((const FctMimeEntry *)g_ptr_array_index (mime->entries, index))->images;
}

GBytes *
fct_mime_part_get_content (const FctMime *mime, guint index, gsize max_bytes,
                           gboolean *truncated)
{
  const FctMimeEntry *entry;
  GByteArray *out;
  gboolean more = FALSE;

  g_return_val_if_fail (mime != NULL && index < mime->entries->len, NULL);
  entry = g_ptr_array_index (mime->entries, index);
  out = g_byte_array_new ();
  decode_part (entry->object, max_bytes, out, &more, NULL);
  if (truncated != NULL)
    *truncated = more;
  return g_byte_array_free_to_bytes (out);
}

guint
fct_mime_get_link_count (const FctMime *mime)
{
  g_return_val_if_fail (mime != NULL, 0);
  return mime->links->len;
}

const FctMimeLink *
fct_mime_get_link (const FctMime *mime, guint index)
{
  g_return_val_if_fail (mime != NULL && index < mime->links->len, NULL);
  return &g_array_index (mime->links, FctMimeLink, index);
}

FctMsg *
fct_mime_get_msg (const FctMime *mime)
{
  g_return_val_if_fail (mime != NULL, NULL);
  return mime->msg;
}
