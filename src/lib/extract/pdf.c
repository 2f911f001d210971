/* facteur — the text and active content of a PDF (ISO 32000-1) through poppler-glib:
 * page text in reading order, JavaScript anywhere poppler finds it (§12.6.4.16), link
 * actions that launch programs (§12.6.4.5), and the names of embedded files (§7.11.4). */
#include "extract-private.h"

#include <poppler.h>

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
fct_extract_pdf (GBytes *bytes, gsize text_max, FctExtractResult *result, GError **error)
{
  g_autoptr (GError) local = NULL;
  PopplerDocument *doc;
  g_autoptr (GString) text = g_string_new (NULL);
  int pages;

  g_return_val_if_fail (bytes != NULL && result != NULL, FALSE);
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
  if (poppler_document_has_attachments (doc))
    {
      GList *attachments = poppler_document_get_attachments (doc);

      for (GList *l = attachments; l != NULL; l = l->next)
        fct_extract_embedded_add (result, POPPLER_ATTACHMENT (l->data)->name);
      g_list_free_full (attachments, g_object_unref);
    }
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
  return TRUE;
}
