/* facteur — the text of Office Open XML (ECMA-376 Part 1: word/document.xml, headers and
 * footers, xl/sharedStrings.xml, ppt/slides) and OpenDocument files (OASIS ODF 1.2
 * content.xml), and their macros (a vbaProject.bin, ECMA-376 Part 1 §15.2.15; a Basic/
 * folder in ODF; Excel 4.0 macro sheets, [MS-XLSX] §2.1.2 and §2.2.5, with their
 * visibility, §18.2.19, and Auto_Open names, §18.2.5). The zip is read by libarchive,
 * each part by libxml2's streaming reader with no network, no external entities and no
 * entity substitution. */
#include "extract-private.h"

#include <archive.h>
#include <archive_entry.h>
#include <libxml/xmlreader.h>
#include <string.h>

/* Members listed at most (a zip of a million empty entries is not a document). */
#define MEMBERS_MAX 10000
/* Uncompressed XML read per member: markup outweighs text about tenfold in
 * WordprocessingML. */
#define XML_FACTOR 16
#define XML_MIN (1024 * 1024)
#define XML_MAX (64 * 1024 * 1024)

static gboolean
is_text_part (const char *name)
{
  static const char *const exact[]
      = { "word/document.xml", "xl/sharedStrings.xml", "content.xml" };
  static const char *const prefixes[]
      = { "word/header", "word/footer", "ppt/slides/slide" };

  for (gsize i = 0; i < G_N_ELEMENTS (exact); i++)
    if (g_str_equal (name, exact[i]))
      return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (name, prefixes[i]) && g_str_has_suffix (name, ".xml"))
      return TRUE;
  return FALSE;
}

static gboolean
is_macro_part (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_str_has_suffix (lower, "vbaproject.bin") || g_str_has_prefix (name, "Basic/");
}

/* Part names are compared without case (ECMA-376 Part 2 §9.1.1.1). */
static gboolean
is_macro_sheet_part (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_str_has_prefix (lower, "xl/macrosheets/")
         || g_str_has_prefix (lower, "xl/intlmacrosheets/");
}

static void
ignore_xml_error (void *arg, const char *msg, xmlParserSeverities severity,
                  xmlTextReaderLocatorPtr locator)
{
  (void)arg;
  (void)msg;
  (void)severity;
  (void)locator;
}

static gboolean
local_is (xmlTextReaderPtr reader, const char *name)
{
  const xmlChar *local = xmlTextReaderConstLocalName (reader);

  return local != NULL && strcmp ((const char *)local, name) == 0;
}

/* Parts that say which sheets are macro sheets, hidden, or started by a name: the
 * content types, the relationships, and the workbook (xl/workbook.xml, or any part
 * directly under xl/ when a dropper renames it). */
static gboolean
is_structure_part (const char *name)
{
  return g_str_equal (name, "[Content_Types].xml") || g_str_has_suffix (name, ".rels")
         || (g_str_has_prefix (name, "xl/") && g_str_has_suffix (name, ".xml")
             && strchr (name + 3, '/') == NULL);
}

/* Relationship ids kept at most per set: a workbook lists one per sheet. */
#define SHEET_IDS_MAX 4096

typedef struct
{
  gboolean macro_sheet;
  gboolean auto_run;
  GHashTable *macro_ids;  /* relationship ids whose target is a macro sheet */
  GHashTable *hidden_ids; /* relationship ids of hidden or very hidden sheets */
} Sheets;

static void
id_add (GHashTable *set, const char *id)
{
  if (id != NULL && g_hash_table_size (set) < SHEET_IDS_MAX)
    g_hash_table_add (set, g_strdup (id));
}

/* An attribute by local name, whatever its prefix (transfer full). */
static char *
attribute (xmlTextReaderPtr reader, const char *local, gboolean namespaced)
{
  char *value = NULL;

  if (xmlTextReaderMoveToFirstAttribute (reader) != 1)
    return NULL;
  do
    {
      const xmlChar *name = xmlTextReaderConstLocalName (reader);
      const xmlChar *ns = xmlTextReaderConstNamespaceUri (reader);

      if (name != NULL && strcmp ((const char *)name, local) == 0
          && (ns != NULL) == namespaced)
        {
          const xmlChar *v = xmlTextReaderConstValue (reader);
          value = g_strdup (v != NULL ? (const char *)v : "");
          break;
        }
    }
  while (xmlTextReaderMoveToNextAttribute (reader) == 1);
  xmlTextReaderMoveToElement (reader);
  return value;
}

static gboolean
contains_ascii_ci (const char *haystack, const char *needle)
{
  g_autofree char *lower = haystack != NULL ? g_ascii_strdown (haystack, -1) : NULL;

  return lower != NULL && strstr (lower, needle) != NULL;
}

/* A macro sheet is declared by its content type ([Content_Types].xml Override) and
 * reached by a relationship of type xlMacrosheet or xlIntlMacrosheet; a <sheet> of the
 * workbook with state="hidden" or "veryHidden" names its relationship; a definedName
 * "Auto_Open" (or "_xlnm.Auto_Open", or one starting so, as in BIFF) runs it. */
static void
xml_structure (const char *xml, gsize len, Sheets *sheets)
{
  xmlTextReaderPtr reader;

  if (len > G_MAXINT)
    return;
  reader = xmlReaderForMemory (xml, (int)len, NULL, NULL,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
                                   | XML_PARSE_COMPACT);
  if (reader == NULL)
    return;
  xmlTextReaderSetErrorHandler (reader, ignore_xml_error, NULL);
  while (xmlTextReaderRead (reader) == 1)
    {
      if (xmlTextReaderNodeType (reader) != XML_READER_TYPE_ELEMENT)
        continue;
      if (local_is (reader, "Override") || local_is (reader, "Default"))
        {
          g_autofree char *type = attribute (reader, "ContentType", FALSE);
          if (contains_ascii_ci (type, "macrosheet"))
            sheets->macro_sheet = TRUE;
        }
      else if (local_is (reader, "Relationship"))
        {
          g_autofree char *type = attribute (reader, "Type", FALSE);
          if (contains_ascii_ci (type, "macrosheet"))
            {
              g_autofree char *id = attribute (reader, "Id", FALSE);
              sheets->macro_sheet = TRUE;
              id_add (sheets->macro_ids, id);
            }
        }
      else if (local_is (reader, "sheet"))
        {
          g_autofree char *state = attribute (reader, "state", FALSE);
          if (state != NULL
              && (g_ascii_strcasecmp (state, "hidden") == 0
                  || g_ascii_strcasecmp (state, "veryHidden") == 0))
            {
              g_autofree char *id = attribute (reader, "id", TRUE);
              id_add (sheets->hidden_ids, id);
            }
        }
      else if (local_is (reader, "definedName"))
        {
          g_autofree char *name = attribute (reader, "name", FALSE);
          g_autofree char *lower = name != NULL ? g_ascii_strdown (name, -1) : NULL;
          const char *bare = lower;

          if (bare != NULL && g_str_has_prefix (bare, "_xlnm."))
            bare += 6;
          if (bare != NULL
              && (g_str_has_prefix (bare, "auto_open")
                  || g_str_has_prefix (bare, "auto_close")))
            sheets->auto_run = TRUE;
        }
    }
  xmlFreeTextReader (reader);
}

/* Appends the text of one XML part: paragraphs (w:p, a:p, text:p, text:h) and shared
 * strings (si) end with a line break, tabs and breaks are kept, deleted text (w:delText)
 * and field instructions (w:instrText) are not shown text. Stops at text_max. */
static void
xml_text (const char *xml, gsize len, GString *text, gsize text_max)
{
  xmlTextReaderPtr reader;
  int skip_depth = -1;

  if (len > G_MAXINT)
    return;
  reader = xmlReaderForMemory (xml, (int)len, NULL, NULL,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
                                   | XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
  if (reader == NULL)
    return;
  xmlTextReaderSetErrorHandler (reader, ignore_xml_error, NULL);
  while (text->len <= text_max && xmlTextReaderRead (reader) == 1)
    {
      int type = xmlTextReaderNodeType (reader);
      int depth = xmlTextReaderDepth (reader);

      if (skip_depth >= 0)
        {
          if (type == XML_READER_TYPE_END_ELEMENT && depth == skip_depth)
            skip_depth = -1;
          continue;
        }
      switch (type)
        {
        case XML_READER_TYPE_ELEMENT:
          if (local_is (reader, "delText") || local_is (reader, "instrText"))
            {
              if (!xmlTextReaderIsEmptyElement (reader))
                skip_depth = depth;
            }
          else if (local_is (reader, "tab"))
            g_string_append_c (text, '\t');
          else if (local_is (reader, "br") || local_is (reader, "cr")
                   || local_is (reader, "line-break"))
            g_string_append_c (text, '\n');
          else if (local_is (reader, "s"))
            g_string_append_c (text, ' ');
          else if (xmlTextReaderIsEmptyElement (reader)
                   && (local_is (reader, "p") || local_is (reader, "h")))
            g_string_append_c (text, '\n');
          break;
        case XML_READER_TYPE_END_ELEMENT:
          if (local_is (reader, "p") || local_is (reader, "h") || local_is (reader, "si"))
            g_string_append_c (text, '\n');
          break;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
          {
            const xmlChar *value = xmlTextReaderConstValue (reader);
            if (value != NULL)
              g_string_append (text, (const char *)value);
          }
          break;
        default:
          break;
        }
    }
  xmlFreeTextReader (reader);
}

/* Reads the current member, at most max bytes; *more when there was more. */
static GByteArray *
read_member (struct archive *a, gsize max, gboolean *more)
{
  GByteArray *buf = g_byte_array_new ();
  guint8 chunk[16384];
  la_ssize_t n;

  *more = FALSE;
  while ((n = archive_read_data (a, chunk, sizeof chunk)) > 0)
    {
      gsize take = MIN ((gsize)n, max - buf->len);
      g_byte_array_append (buf, chunk, (guint)take);
      if (buf->len >= max)
        {
          *more = TRUE;
          break;
        }
    }
  return buf;
}

gboolean
fct_extract_ooxml (GBytes *bytes, gsize text_max, FctExtractResult *result, GError **error)
{
  struct archive *a;
  struct archive_entry *entry;
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GString) text = g_string_new (NULL);
  gsize xml_max = CLAMP (text_max * XML_FACTOR, XML_MIN, XML_MAX);
  gboolean any = FALSE;
  gboolean ok = TRUE;
  Sheets sheets
      = { FALSE, FALSE, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
          g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  GHashTableIter iter;
  gpointer id;

  g_return_val_if_fail (bytes != NULL && result != NULL, FALSE);
  xmlInitParser ();
  a = archive_read_new ();
  archive_read_support_format_zip_seekable (a);
  if (len == 0 || archive_read_open_memory (a, data, len) != ARCHIVE_OK)
    {
      archive_read_free (a);
      g_set_error (error, FCT_EXTRACT_ERROR, FCT_EXTRACT_ERROR_FORMAT, "not a zip");
      return FALSE;
    }
  for (guint count = 0; count < MEMBERS_MAX; count++)
    {
      const char *name;
      int r = archive_read_next_header (a, &entry);

      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        {
          ok = any;
          break;
        }
      any = TRUE;
      name = archive_entry_pathname (entry);
      if (name == NULL)
        continue;
      if (is_macro_part (name))
        result->flags |= FCT_EXTRACT_FLAG_VBA;
      if (is_macro_sheet_part (name))
        sheets.macro_sheet = TRUE;
      if (archive_entry_is_encrypted (entry))
        result->flags |= FCT_EXTRACT_FLAG_ENCRYPTED;
      else if ((is_text_part (name) && text->len <= text_max) || is_structure_part (name))
        {
          gboolean more = FALSE;
          g_autoptr (GByteArray) xml = read_member (a, xml_max, &more);

          if (is_text_part (name) && text->len <= text_max)
            {
              if (more)
                result->flags |= FCT_EXTRACT_FLAG_TRUNCATED;
              xml_text ((const char *)xml->data, xml->len, text, text_max);
            }
          if (is_structure_part (name))
            xml_structure ((const char *)xml->data, xml->len, &sheets);
        }
    }
  archive_read_free (a);
  if (sheets.macro_sheet)
    result->flags |= FCT_EXTRACT_FLAG_XLM;
  if (sheets.auto_run)
    result->flags |= FCT_EXTRACT_FLAG_AUTO_RUN;
  g_hash_table_iter_init (&iter, sheets.hidden_ids);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (g_hash_table_contains (sheets.macro_ids, id))
      result->flags |= FCT_EXTRACT_FLAG_XLM_HIDDEN;
  g_hash_table_unref (sheets.macro_ids);
  g_hash_table_unref (sheets.hidden_ids);
  fct_extract_text_set (result, text, text_max);
  if (!ok)
    g_set_error (error, FCT_EXTRACT_ERROR, FCT_EXTRACT_ERROR_FORMAT, "not a zip");
  return ok;
}
