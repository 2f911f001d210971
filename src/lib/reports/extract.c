/* facteur — finding the reports in what arrives: a bare XML or JSON report, its gzip
 * (RFC 1952, zlib) or zip (libarchive), or a message whose attachments carry them (RFC
 * 9990 §2.5.2: gzip, zip or xml; RFC 8460 §5.3: application/tlsrpt+gzip or +json), or a
 * failure report. Every decompression runs under a size budget and a ratio budget. */
#include "reports-private.h"

#include <archive.h>
#include <archive_entry.h>
#include <gmime/gmime.h>
#include <string.h>
#include <zlib.h>

/* The ratio budget applies past this much output: a small report may well compress a
 * hundred times. */
#define RATIO_FLOOR (1024 * 1024)
#define CHUNK 65536

G_DEFINE_QUARK (fct - reports - error - quark, fct_reports_error)

const char *
fct_report_kind_to_string (FctReportKind kind)
{
  switch (kind)
    {
    case FCT_REPORT_KIND_AGGREGATE:
      return "aggregate";
    case FCT_REPORT_KIND_TLSRPT:
      return "tlsrpt";
    case FCT_REPORT_KIND_FAILURE:
      return "failure";
    }
  g_return_val_if_reached ("aggregate");
}

void
fct_reports_mime_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_mime_init ();
      g_once_init_leave (&done, 1);
    }
}

gboolean
fct_reports_domain_under (const char *name, const char *parent)
{
  gsize n, p;

  if (name == NULL || parent == NULL)
    return FALSE;
  n = strlen (name);
  p = strlen (parent);
  return n > p + 1 && name[n - p - 1] == '.'
         && g_ascii_strcasecmp (name + n - p, parent) == 0;
}

void
fct_reports_skip (FctReportsSkipFunc skip, gpointer user_data, const char *name,
                  FctReportsError code, const char *format, ...)
{
  va_list args;
  GError *error;

  if (skip == NULL)
    return;
  va_start (args, format);
  error = g_error_new_valist (FCT_REPORTS_ERROR, code, format, args);
  va_end (args);
  skip (name, error, user_data);
  g_error_free (error);
}

void
fct_reports_skip_error (FctReportsSkipFunc skip, gpointer user_data, const char *name,
                        const GError *error)
{
  if (skip != NULL)
    skip (name, error, user_data);
}

void
fct_report_blob_free (FctReportBlob *blob)
{
  if (blob == NULL)
    return;
  g_free (blob->name);
  g_bytes_unref (blob->data);
  g_free (blob);
}

/* TRUE when out bytes from in bytes break the budgets; sets error. */
static gboolean
over_budget (gsize out, gsize in, const FctLimits *limits, GError **error)
{
  if (out > limits->reports_max_bytes)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                   _ ("decompressed, the report is over %llu bytes"),
                   (unsigned long long)limits->reports_max_bytes);
      return TRUE;
    }
  if (out > RATIO_FLOOR && out / MAX (in, 1) > limits->reports_ratio_max)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                   _ ("decompression bomb: %llu bytes expand over %u times"),
                   (unsigned long long)in, limits->reports_ratio_max);
      return TRUE;
    }
  return FALSE;
}

GBytes *
fct_reports_gunzip (const guint8 *data, gsize len, const FctLimits *limits, GError **error)
{
  z_stream z = { 0 };
  GByteArray *out;
  int rc = Z_OK;

  if (limits == NULL)
    limits = fct_limits_default ();
  /* 15 + 16: a gzip wrapper (RFC 1952), not zlib's. */
  if (inflateInit2 (&z, 15 + 16) != Z_OK)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED, _ ("zlib: %s"),
                   z.msg != NULL ? z.msg : "cannot start");
      return NULL;
    }
  out = g_byte_array_new ();
  z.next_in = (Bytef *)data;
  z.avail_in = (uInt)MIN (len, G_MAXUINT32);
  while (TRUE)
    {
      gsize before = out->len;
      g_byte_array_set_size (out, before + CHUNK);
      z.next_out = out->data + before;
      z.avail_out = CHUNK;
      rc = inflate (&z, Z_NO_FLUSH);
      g_byte_array_set_size (out, before + CHUNK - z.avail_out);
      if (over_budget (out->len, len, limits, error))
        break;
      if (rc == Z_STREAM_END)
        {
          /* RFC 1952 §2.2: a file may hold several members, one after the other. */
          if (z.avail_in > 0 && z.next_in[0] == 0x1f && inflateReset (&z) == Z_OK)
            continue;
          inflateEnd (&z);
          return g_byte_array_free_to_bytes (out);
        }
      if (rc != Z_OK || (z.avail_in == 0 && z.avail_out != 0))
        {
          g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                       rc == Z_OK || rc == Z_BUF_ERROR ? _ ("the gzip data is truncated")
                                                       : _ ("the gzip data is corrupt: %s"),
                       z.msg != NULL ? z.msg : "");
          break;
        }
    }
  inflateEnd (&z);
  g_byte_array_unref (out);
  return NULL;
}

static gboolean find (const char *name, GBytes *data, const FctLimits *limits, guint depth,
                      GPtrArray *blobs, FctReportsSkipFunc skip, gpointer user_data,
                      GError **error);

gboolean
fct_reports_unzip (const char *name, const guint8 *data, gsize len, const FctLimits *limits,
                   GPtrArray *out, FctReportsSkipFunc skip, gpointer user_data,
                   GError **error)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *entry;
  guint entries = 0;
  gsize total = 0;
  gboolean any = FALSE;
  int r;

  archive_read_support_format_zip (a);
  if (archive_read_open_memory (a, data, len) != ARCHIVE_OK)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the zip cannot be read: %s"), archive_error_string (a));
      archive_read_free (a);
      return FALSE;
    }
  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      g_autofree char *member = NULL;
      GByteArray *buf;
      g_autoptr (GError) local = NULL;
      la_ssize_t n;

      if (archive_entry_filetype (entry) != AE_IFREG)
        continue;
      member = g_strdup_printf (
          "%s:%s", name,
          archive_entry_pathname (entry) != NULL ? archive_entry_pathname (entry) : "?");
      if (++entries > limits->reports_archive_entries_max)
        {
          fct_reports_skip (skip, user_data, name, FCT_REPORTS_ERROR_LIMIT,
                            _ ("the zip has more than %u members; the rest are not read"),
                            limits->reports_archive_entries_max);
          break;
        }
      buf = g_byte_array_new ();
      while (TRUE)
        {
          gsize before = buf->len;
          g_byte_array_set_size (buf, before + CHUNK);
          n = archive_read_data (a, buf->data + before, CHUNK);
          g_byte_array_set_size (buf, before + (n > 0 ? (gsize)n : 0));
          if (n <= 0)
            break;
          /* The budgets count every member together: a zip of many large members is
           * as much a bomb as one. */
          if (over_budget (total + buf->len, len, limits, &local))
            break;
        }
      total += buf->len;
      if (local == NULL && n < 0)
        g_set_error (&local, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                     _ ("the zip member cannot be read: %s"), archive_error_string (a));
      if (local != NULL)
        {
          g_byte_array_unref (buf);
          fct_reports_skip_error (skip, user_data, member, local);
          if (local->code == FCT_REPORTS_ERROR_LIMIT)
            break;
          continue;
        }
      g_autoptr (GBytes) bytes = g_byte_array_free_to_bytes (buf);
      if (find (member, bytes, limits, 2, out, skip, user_data, &local))
        any = TRUE;
      else
        fct_reports_skip_error (skip, user_data, member, local);
    }
  if (r != ARCHIVE_EOF && r != ARCHIVE_OK && !any && entries == 0)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the zip cannot be read: %s"), archive_error_string (a));
      archive_read_free (a);
      return FALSE;
    }
  archive_read_free (a);
  if (!any && entries == 0)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the zip holds no file"));
      return FALSE;
    }
  /* Members that failed were reported one by one. */
  return TRUE;
}

static void
blob_add (GPtrArray *blobs, const char *name, FctReportKind kind, GBytes *data)
{
  FctReportBlob *blob = g_new0 (FctReportBlob, 1);

  blob->kind = kind;
  blob->name = g_strdup (name);
  blob->data = g_bytes_ref (data);
  g_ptr_array_add (blobs, blob);
}

/* The first byte that is not white space or a UTF-8 byte order mark. */
static int
first_char (const guint8 *p, gsize len)
{
  gsize i = 0;

  if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
    i = 3;
  while (i < len && g_ascii_isspace (p[i]))
    i++;
  return i < len ? p[i] : -1;
}

/* The attachments of a message that may hold reports (RFC 9990 §2.5.2, RFC 8460 §5.3). */
static gboolean
attachment_wanted (GMimeObject *part)
{
  GMimeContentType *t = g_mime_object_get_content_type (part);
  const char *file
      = GMIME_IS_PART (part) ? g_mime_part_get_filename (GMIME_PART (part)) : NULL;
  const char *sub = g_mime_content_type_get_media_subtype (t);

  if (g_mime_content_type_is_type (t, "application", "*"))
    {
      if (g_strcmp0 (sub, "octet-stream") != 0)
        return TRUE;
    }
  else if (g_mime_content_type_is_type (t, "text", "xml"))
    return TRUE;
  return file != NULL
         && (g_str_has_suffix (file, ".xml") || g_str_has_suffix (file, ".gz")
             || g_str_has_suffix (file, ".zip") || g_str_has_suffix (file, ".json"));
}

static GBytes *
part_content (GMimePart *part, gsize max)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr (GMimeStream) mem = NULL;
  GByteArray *array;

  if (content == NULL)
    return NULL;
  mem = g_mime_stream_mem_new ();
  if (g_mime_data_wrapper_write_to_stream (content, mem) < 0)
    return NULL;
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  if (array->len > max)
    return NULL;
  return g_bytes_new (array->data, array->len);
}

static gboolean
from_message (const char *name, GBytes *data, const FctLimits *limits, GPtrArray *blobs,
              FctReportsSkipFunc skip, gpointer user_data, GError **error)
{
  gsize len;
  const char *bytes = g_bytes_get_data (data, &len);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GMimePartIter) iter = NULL;
  GMimeObject *body;
  guint parts = 0;
  gboolean any = FALSE;

  fct_reports_mime_init ();
  stream = g_mime_stream_mem_new_with_buffer (bytes, len);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  body = message != NULL ? g_mime_message_get_mime_part (message) : NULL;
  if (body == NULL || g_mime_object_get_header (GMIME_OBJECT (message), "From") == NULL)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_UNSUPPORTED,
                   _ ("neither a report (XML, JSON, gzip, zip) nor a message"));
      return FALSE;
    }
  if (g_mime_content_type_is_type (g_mime_object_get_content_type (body), "multipart",
                                   "report"))
    {
      const char *rt = g_mime_object_get_content_type_parameter (body, "report-type");
      if (rt != NULL && g_ascii_strcasecmp (rt, "feedback-report") == 0)
        {
          blob_add (blobs, name, FCT_REPORT_KIND_FAILURE, data);
          return TRUE;
        }
    }
  if (!GMIME_IS_MULTIPART (body))
    {
      if (GMIME_IS_PART (body) && attachment_wanted (body))
        {
          g_autoptr (GBytes) content
              = part_content (GMIME_PART (body), limits->message_max_bytes);
          g_autoptr (GError) local = NULL;
          if (content != NULL
              && find (name, content, limits, 1, blobs, skip, user_data, &local))
            return TRUE;
          if (local != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
        }
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_UNSUPPORTED,
                   _ ("the message carries no report"));
      return FALSE;
    }
  iter = g_mime_part_iter_new (body);
  do
    {
      GMimeObject *part = g_mime_part_iter_get_current (iter);
      g_autoptr (GBytes) content = NULL;
      g_autoptr (GError) local = NULL;
      g_autofree char *member = NULL;
      const char *file;

      if (part == NULL)
        break;
      if (++parts > limits->mime_parts_max)
        break;
      if (!GMIME_IS_PART (part) || !attachment_wanted (part))
        continue;
      file = g_mime_part_get_filename (GMIME_PART (part));
      member = g_strdup_printf ("%s:%s", name, file != NULL ? file : "attachment");
      content = part_content (GMIME_PART (part), limits->message_max_bytes);
      if (content == NULL)
        continue;
      if (find (member, content, limits, 1, blobs, skip, user_data, &local))
        any = TRUE;
      else if (local->code != FCT_REPORTS_ERROR_UNSUPPORTED)
        {
          fct_reports_skip_error (skip, user_data, member, local);
          any = TRUE;
        }
    }
  while (g_mime_part_iter_next (iter));
  if (!any)
    g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_UNSUPPORTED,
                 _ ("the message carries no report"));
  return any;
}

/* depth 0: anything; 1: inside a message (no message again); 2: inside an archive. */
static gboolean
find (const char *name, GBytes *data, const FctLimits *limits, guint depth,
      GPtrArray *blobs, FctReportsSkipFunc skip, gpointer user_data, GError **error)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);
  int c;

  /* GMime takes no empty buffer (its data pointer is NULL). */
  if (len == 0)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_UNSUPPORTED, _ ("empty"));
      return FALSE;
    }
  if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
    {
      g_autoptr (GBytes) inner = NULL;
      if (depth >= 3)
        {
          g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                       _ ("compressed data inside compressed data"));
          return FALSE;
        }
      inner = fct_reports_gunzip (p, len, limits, error);
      return inner != NULL && find (name, inner, limits, 3, blobs, skip, user_data, error);
    }
  if (len >= 4 && memcmp (p, "PK\003\004", 4) == 0)
    {
      if (depth >= 2)
        {
          g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                       _ ("an archive inside an archive"));
          return FALSE;
        }
      return fct_reports_unzip (name, p, len, limits, blobs, skip, user_data, error);
    }
  if (len > limits->reports_max_bytes)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                   _ ("the report is over %llu bytes"),
                   (unsigned long long)limits->reports_max_bytes);
      return FALSE;
    }
  c = first_char (p, len);
  if (c == '<')
    {
      blob_add (blobs, name, FCT_REPORT_KIND_AGGREGATE, data);
      return TRUE;
    }
  if (c == '{')
    {
      blob_add (blobs, name, FCT_REPORT_KIND_TLSRPT, data);
      return TRUE;
    }
  if (depth > 0)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_UNSUPPORTED,
                   _ ("neither XML, JSON, gzip nor zip"));
      return FALSE;
    }
  return from_message (name, data, limits, blobs, skip, user_data, error);
}

gboolean
fct_reports_extract (const char *name, GBytes *data, const FctLimits *limits,
                     GPtrArray *blobs, FctReportsSkipFunc skip, gpointer user_data,
                     GError **error)
{
  g_return_val_if_fail (name != NULL && data != NULL && blobs != NULL, FALSE);
  if (limits == NULL)
    limits = fct_limits_default ();
  if (g_bytes_get_size (data) > limits->message_max_bytes)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT, _ ("over %llu bytes"),
                   (unsigned long long)limits->message_max_bytes);
      return FALSE;
    }
  return find (name, data, limits, 0, blobs, skip, user_data, error);
}
