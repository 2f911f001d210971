/* libFuzzer target for the ole reader of facteur-extract (src/lib/extract): arbitrary
 * bytes through fct_extract_ole with a small text cap; the result must be valid UTF-8
 * within the cap, and cross the wire to the parent unchanged. */
#include <facteur/extract.h>

#include <gsf/gsf-utils.h>
#include <libxml/parser.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define TEXT_MAX 4096

/* libgsf checks a damaged compound file's block numbers with g_return_val_if_fail and
 * then fails the open (ole_get_block: a FAT sector past the end of a truncated file):
 * its criticals are how it refuses bad input, not a misuse by facteur, and
 * facteur-extract sends them to /dev/null. AddressSanitizer still watches its reads. */
static void
ignore_libgsf (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  (void)domain;
  (void)level;
  (void)message;
  (void)data;
}

/* libgsf 1.14.50 loses directory entries of a damaged file while it opens it (in
 * ole_dirent_new, e.g. siblings of the root entry, which has no parent to hold them):
 * its leak, not facteur's, harmless in facteur-extract's
 * child that exits after each document. LeakSanitizer skips what is allocated while
 * gsf_infile_msole_new opens the file (the GsfInfile it returns too: ole.c unrefs it
 * on every path); finding that frame behind GLib's g_malloc needs the slow unwinder. */
const char *__asan_default_options (void);
const char *__lsan_default_suppressions (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0:malloc_context_size=16";
}

const char *
__lsan_default_suppressions (void)
{
  return "leak:gsf_infile_msole_new\n";
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static gsize once = 0;
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (FctExtractResult) result = fct_extract_result_new ();
  g_autoptr (FctExtractResult) back = fct_extract_result_new ();
  g_autoptr (GBytes) wire = NULL;
  const guint8 *wire_data;
  gsize wire_len = 0;

  if (g_once_init_enter (&once))
    {
      gsf_init ();
      xmlInitParser ();
      g_log_set_handler ("libgsf:msole", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING,
                         ignore_libgsf, NULL);
      g_once_init_leave (&once, 1);
    }
  result->status = fct_extract_any (FCT_EXTRACT_KIND_OLE, bytes, TEXT_MAX, result, NULL)
                       ? FCT_EXTRACT_STATUS_OK
                       : FCT_EXTRACT_STATUS_UNREADABLE;
  g_assert (result->len <= TEXT_MAX && strlen (result->text) == result->len);
  g_assert (g_utf8_validate_len (result->text, result->len, NULL));
  g_assert (result->embedded->len <= FCT_EXTRACT_EMBEDDED_MAX);
  wire = fct_extract_result_serialize (result);
  wire_data = g_bytes_get_data (wire, &wire_len);
  g_assert (fct_extract_result_parse (wire_data, wire_len, TEXT_MAX, back));
  g_assert (back->flags == result->flags && back->status == result->status);
  g_assert (back->len == result->len && memcmp (back->text, result->text, back->len) == 0);
  g_assert (back->embedded->len == result->embedded->len);
  return 0;
}
