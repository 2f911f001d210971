/* libFuzzer target for the ole reader of facteur-extract (src/lib/extract): arbitrary
 * bytes through fct_extract_ole with a small text cap; the result must be valid UTF-8
 * within the cap, and cross the wire to the parent unchanged. */
#include <facteur/extract.h>

#include <gsf/gsf-utils.h>
#include <libxml/parser.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* libgsf loses a few bytes on some refused files (a name converted from UTF-16 on an
 * error path). facteur-extract's children exit after each document, so this cannot
 * grow; here LeakSanitizer is told so, for libgsf alone. The slow unwinder gives the
 * full stack through libgsf (built without frame pointers) for the rule to match. */
const char *__lsan_default_suppressions (void);
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}

const char *
__lsan_default_suppressions (void)
{
  return "leak:libgsf-1.so\n";
}

/* libgsf checks some of its own preconditions with g_return_if_fail on hostile input
 * ("ole_seek_block: assertion 'block < max_block' failed") and then refuses the file:
 * its criticals are its way of saying "damaged", not a crash of ours. facteur-extract
 * writes them to /dev/null; here they are printed and fuzzing goes on. Every other
 * domain still aborts (abort.c). */
static void
libgsf_says (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  (void)level;
  (void)data;
  g_printerr ("%s: %s\n", domain, message);
}

#define TEXT_MAX 4096

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
                         libgsf_says, NULL);
      g_log_set_handler ("libgsf", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING, libgsf_says,
                         NULL);
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
