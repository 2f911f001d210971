/* facteur — macros in OLE2 compound files (MS-CFB), read by libgsf: the legacy Word,
 * Excel and PowerPoint formats keep a VBA project as a storage "VBA" holding a "dir"
 * stream (MS-OVBA §2.2.1), under "Macros" (Word) or "_VBA_PROJECT_CUR" (Excel); Excel
 * 4.0 (XLM) macro sheets are listed in the workbook stream (MS-XLS §2.4.28). Also
 * tells encrypted files: an "EncryptionInfo" stream (MS-OFFCRYPTO §2.3.4, an encrypted
 * OOXML file wrapped in OLE) or Word's fEncrypted bit (MS-DOC §2.5.2). */
#include "extract-private.h"

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-utils.h>
#include <string.h>

/* Storages visited at most, and how deep: real files have a few dozen, three deep. */
#define ENTRIES_MAX 4096
#define DEPTH_MAX 8
/* Records read at most in a workbook's globals substream: one per sheet, defined name,
 * font, format and style; a workbook of a thousand sheets has a few thousand. */
#define RECORDS_MAX 65536

typedef struct
{
  guint entries;
  FctExtractResult *result;
} Walk;

static void
word_encrypted (GsfInput *stream, FctExtractResult *result)
{
  guint8 fib[12];

  /* FibBase: wIdent, nFib, unused, lid, pnNext, then the flags word whose bit 8 is
     fEncrypted. */
  if (gsf_input_size (stream) >= (gsf_off_t)sizeof fib
      && gsf_input_read (stream, sizeof fib, fib) != NULL
      && (fib[0] | fib[1] << 8) == 0xa5ec && ((fib[10] | fib[11] << 8) & 0x0100) != 0)
    result->flags |= FCT_EXTRACT_FLAG_ENCRYPTED;
}

/* MS-XLS §2.4.150 Lbl: a defined name that starts macros by itself, the built-in name
 * 0x01 (Auto_Open) or 0x02 (Auto_Close), or a name of the user's that starts with
 * "Auto_Open" or "Auto_Close", which Excel runs as well (droppers write "Auto_Open2"
 * or "aUto_oPen" to slip past exact matches). */
static gboolean
auto_run_name (const guint8 *rec, gsize len, gboolean biff8)
{
  guint flags, cch;
  gsize at = biff8 ? 15 : 14; /* BIFF8 adds fHighByte before the characters */
  gboolean wide;
  char name[11];
  gsize n = 0;

  if (len < at + 1)
    return FALSE;
  flags = (guint)(rec[0] | rec[1] << 8);
  cch = rec[3];
  wide = biff8 && (rec[14] & 1) != 0;
  if ((flags & 0x0020) != 0) /* fBuiltin */
    return rec[at] == 0x01 || rec[at] == 0x02;
  for (guint i = 0; i < cch && n < sizeof name - 1; i++)
    {
      gsize c = at + (wide ? 2 * (gsize)i : (gsize)i);
      if (c + (wide ? 1 : 0) >= len || (wide && rec[c + 1] != 0))
        break;
      name[n++] = g_ascii_tolower ((char)rec[c]);
    }
  name[n] = '\0';
  return g_str_has_prefix (name, "auto_open") || g_str_has_prefix (name, "auto_close");
}

/* The globals substream of a BIFF5 or BIFF8 workbook stream (MS-XLS §2.1.4), from its
 * BOF to its EOF record: BoundSheet8 (§2.4.28) gives each sheet's type (dt 1: a macro
 * sheet) and visibility (hsState 1 hidden, 2 very hidden), Lbl the defined names. A
 * FilePass record (§2.4.117) means the rest is encrypted: reading stops there. */
static void
workbook_globals (GsfInput *stream, FctExtractResult *result)
{
  guint8 head[4];
  guint8 rec[8224]; /* §2.1.4: a record holds at most 8,224 bytes */
  gboolean biff8 = FALSE;

  for (guint i = 0; i < RECORDS_MAX; i++)
    {
      guint type, len;

      if (gsf_input_read (stream, sizeof head, head) == NULL)
        break;
      type = (guint)(head[0] | head[1] << 8);
      len = (guint)(head[2] | head[3] << 8);
      if (len > sizeof rec || (len > 0 && gsf_input_read (stream, len, rec) == NULL))
        break;
      if (i == 0)
        {
          /* BOF (§2.4.21): vers 0x0600 is BIFF8, 0x0500 BIFF5. */
          if (type != 0x0809 || len < 2)
            return;
          biff8 = (rec[0] | rec[1] << 8) == 0x0600;
          continue;
        }
      if (type == 0x000a || type == 0x002f) /* EOF, FilePass */
        break;
      if (type == 0x0085 && len >= 6 && rec[5] == 0x01)
        {
          result->flags |= FCT_EXTRACT_FLAG_XLM;
          if ((rec[4] & 0x03) != 0)
            result->flags |= FCT_EXTRACT_FLAG_XLM_HIDDEN;
        }
      else if (type == 0x0018 && auto_run_name (rec, len, biff8))
        result->flags |= FCT_EXTRACT_FLAG_AUTO_RUN;
    }
}

static void
walk (Walk *w, GsfInfile *storage, guint depth)
{
  int n = gsf_infile_num_children (storage);

  for (int i = 0; i < n && w->entries < ENTRIES_MAX; i++)
    {
      const char *name = gsf_infile_name_by_index (storage, i);
      GsfInput *child;

      w->entries++;
      if (name == NULL)
        continue;
      child = gsf_infile_child_by_index (storage, i);
      if (child == NULL)
        continue;
      if (GSF_IS_INFILE (child) && gsf_infile_num_children (GSF_INFILE (child)) >= 0)
        {
          GsfInfile *sub = GSF_INFILE (child);

          if (g_ascii_strcasecmp (name, "VBA") == 0)
            {
              GsfInput *dir = gsf_infile_child_by_name (sub, "dir");
              if (dir != NULL)
                {
                  w->result->flags |= FCT_EXTRACT_FLAG_VBA;
                  g_object_unref (dir);
                }
            }
          if (depth < DEPTH_MAX)
            walk (w, sub, depth + 1);
        }
      else if (depth == 0 && g_str_equal (name, "EncryptionInfo"))
        w->result->flags |= FCT_EXTRACT_FLAG_ENCRYPTED;
      else if (depth == 0 && g_str_equal (name, "WordDocument"))
        word_encrypted (child, w->result);
      /* "Workbook" in BIFF8 (Excel 97 on), "Book" in BIFF5 (Excel 5 and 95). */
      else if (depth == 0 && (g_str_equal (name, "Workbook") || g_str_equal (name, "Book")))
        workbook_globals (child, w->result);
      g_object_unref (child);
    }
}

gboolean
fct_extract_ole (GBytes *bytes, gsize text_max, FctExtractResult *result, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GError) local = NULL;
  GsfInput *input;
  GsfInfile *ole;
  Walk w = { 0, result };

  g_return_val_if_fail (bytes != NULL && result != NULL, FALSE);
  (void)text_max;
  if (len == 0)
    {
      g_set_error (error, FCT_EXTRACT_ERROR, FCT_EXTRACT_ERROR_FORMAT, "empty");
      return FALSE;
    }
  input = gsf_input_memory_new (data, (gsf_off_t)len, FALSE);
  ole = gsf_infile_msole_new (input, &local);
  g_object_unref (input);
  if (ole == NULL)
    {
      g_set_error (error, FCT_EXTRACT_ERROR, FCT_EXTRACT_ERROR_FORMAT, "OLE: %s",
                   local != NULL ? local->message : "unreadable");
      return FALSE;
    }
  walk (&w, ole, 0);
  g_object_unref (ole);
  return TRUE;
}
