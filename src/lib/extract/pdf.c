/* facteur — the text and active content of a PDF (ISO 32000-1) through poppler-glib:
 * page text in reading order, JavaScript anywhere poppler finds it (§12.6.4.16), link
 * actions that launch programs (§12.6.4.5), and the actions named inside compressed
 * object streams (§7.5.7), inflated with zlib. The names of embedded files (§7.11.4)
 * come from pdfobj.c, never from poppler_document_get_attachments, which crashes on a
 * name-tree value that refers to a string. */
#include "extract-private.h"

#include <poppler.h>
#include <string.h>
#include <zlib.h>

void
fct_extract_pdf_inflate (const guint8 *p, gsize n, GByteArray *out, gsize *budget)
{
  z_stream z = { 0 };
  guint8 chunk[16384];

  if (inflateInit (&z) != Z_OK)
    return;
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)MIN (n, G_MAXUINT);
  while (*budget > 0)
    {
      int r;
      gsize got;

      z.next_out = chunk;
      z.avail_out = (uInt)MIN (sizeof chunk, *budget);
      r = inflate (&z, Z_NO_FLUSH);
      got = MIN (sizeof chunk, *budget) - z.avail_out;
      g_byte_array_append (out, chunk, (guint)got);
      *budget -= got;
      if (r != Z_OK || got == 0)
        break;
    }
  inflateEnd (&z);
}

/* Actions hidden in compressed object streams (§7.5.7), where a byte scan of the file
 * does not see them and poppler's API does not tell an /OpenAction /Launch: each
 * stream whose dictionary says /ObjStm and /FlateDecode is inflated and its names read. */
void
fct_extract_pdf_scan_object_streams (const guint8 *p, gsize n, const FctLimits *limits,
                                     FctExtractResult *result)
{
  gsize budget = limits->extract_pdf_inflate_max_bytes;
  gsize at = 0;
  FctExtractPdfActive found = { FALSE, FALSE, FALSE };

  while (at < n && budget > 0)
    {
      const guint8 *s = memmem (p + at, n - at, "stream", 6);
      const guint8 *dict;
      const guint8 *data;
      const guint8 *end;
      gsize back;
      g_autoptr (GByteArray) plain = NULL;

      if (s == NULL)
        break;
      at = (gsize)(s - p) + 6;
      /* "endstream" also contains "stream". */
      if (s - p >= 3 && memcmp (s - 3, "end", 3) == 0)
        continue;
      /* The dictionary before it: from the last "obj" within 4 KiB. */
      back = MIN ((gsize)(s - p), 4096);
      dict = s - back;
      {
        const guint8 *o = NULL;
        for (const guint8 *q = s - 3; q >= dict; q--)
          if (memcmp (q, "obj", 3) == 0)
            {
              o = q;
              break;
            }
        if (o == NULL)
          continue;
        dict = o;
      }
      if (memmem (dict, (gsize)(s - dict), "/ObjStm", 7) == NULL
          || memmem (dict, (gsize)(s - dict), "/FlateDecode", 12) == NULL)
        continue;
      data = s + 6;
      if (data < p + n && *data == '\r')
        data++;
      if (data < p + n && *data == '\n')
        data++;
      end = memmem (data, (gsize)(p + n - data), "endstream", 9);
      if (end == NULL)
        end = p + n;
      plain = g_byte_array_new ();
      fct_extract_pdf_inflate (data, (gsize)(end - data), plain, &budget);
      fct_extract_pdf_active (plain->data, plain->len, &found);
    }
  if (found.javascript)
    result->flags |= FCT_EXTRACT_FLAG_JAVASCRIPT;
  if (found.launch)
    result->flags |= FCT_EXTRACT_FLAG_LAUNCH;
}

/* Pages read at most: the text cap usually stops first; a PDF of 100,000 empty pages
 * would otherwise keep the child busy until its deadline. */
#define PAGES_MAX 2000

static void
scan_links (PopplerPage *page, FctExtractResult *result)
{
  GList *mapping = poppler_page_get_link_mapping (page);

  for (GList *l = mapping; l != NULL; l = l->next)
    {
      const PopplerLinkMapping *m = l->data;

      if (m->action == NULL)
        continue;
      if (m->action->type == POPPLER_ACTION_LAUNCH)
        result->flags |= FCT_EXTRACT_FLAG_LAUNCH;
      else if (m->action->type == POPPLER_ACTION_JAVASCRIPT)
        result->flags |= FCT_EXTRACT_FLAG_JAVASCRIPT;
    }
  poppler_page_free_link_mapping (mapping);
}

gboolean
fct_extract_pdf_poppler (GBytes *bytes, gsize text_max, FctExtractResult *result,
                         GError **error)
{
  g_autoptr (GError) local = NULL;
  PopplerDocument *doc;
  g_autoptr (GError) embedded_error = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  /* The helper is told only the text cap; its structural limits are the defaults. */
  const FctLimits *limits = fct_limits_default ();
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  int pages;

  g_return_val_if_fail (bytes != NULL && result != NULL, FALSE);
  if (data != NULL)
    fct_extract_pdf_scan_object_streams (data, len, limits, result);
  /* Before poppler: the names are reported even if poppler then refuses the file. */
  if (!fct_extract_pdf_embedded (data, len, limits, result, &embedded_error))
    g_assert (embedded_error != NULL);
  doc = poppler_document_new_from_bytes (bytes, NULL, &local);
  if (doc == NULL)
    {
      gboolean encrypted = g_error_matches (local, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED);

      if (encrypted)
        result->flags |= FCT_EXTRACT_FLAG_ENCRYPTED;
      g_set_error (error, FCT_EXTRACT_ERROR,
                   encrypted ? FCT_EXTRACT_ERROR_ENCRYPTED : FCT_EXTRACT_ERROR_FORMAT,
                   "PDF: %s", local != NULL ? local->message : "unreadable");
      return FALSE;
    }
  if (poppler_document_has_javascript (doc))
    result->flags |= FCT_EXTRACT_FLAG_JAVASCRIPT;
  pages = MIN (poppler_document_get_n_pages (doc), PAGES_MAX);
  for (int i = 0; i < pages; i++)
    {
      PopplerPage *page = poppler_document_get_page (doc, i);
      g_autofree char *page_text = NULL;

      if (page == NULL)
        continue;
      scan_links (page, result);
      if (text->len <= text_max)
        page_text = poppler_page_get_text (page);
      if (page_text != NULL)
        {
          g_string_append (text, page_text);
          g_string_append_c (text, '\n');
        }
      g_object_unref (page);
    }
  g_object_unref (doc);
  fct_extract_text_set (result, text, text_max);
  /* Embedded files that could not all be listed: the document is not fully read. */
  if (embedded_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&embedded_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
fct_extract_pdf (GBytes *bytes, gsize text_max, FctExtractResult *result, GError **error)
{
  g_return_val_if_fail (bytes != NULL && result != NULL, FALSE);
  return fct_extract_pdf_simple (bytes, text_max, result)
         || fct_extract_pdf_poppler (bytes, text_max, result, error);
}
