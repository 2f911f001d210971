/* facteur — macros in OLE2 compound files (MS-CFB), read by libgsf: the legacy Word,
 * Excel and PowerPoint formats keep a VBA project as a storage "VBA" holding a "dir"
 * stream (MS-OVBA §2.2.1), under "Macros" (Word) or "_VBA_PROJECT_CUR" (Excel). Also
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
