/* libFuzzer target for facteur's own reader of PDF objects (src/lib/extract/pdfobj.c),
 * without poppler so that it runs thousands of times faster than fuzz-extract-pdf:
 * arbitrary bytes through fct_extract_pdf_embedded, with the default limits and with
 * small ones; the names must be valid UTF-8 without line breaks, within the cap, and
 * an error must come with a GError and never without one. */
#include <facteur/extract.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
run (const uint8_t *data, size_t size, const FctLimits *limits)
{
  g_autoptr (FctExtractResult) result = fct_extract_result_new ();
  g_autoptr (GError) error = NULL;
  gboolean ok = fct_extract_pdf_embedded (data, size, limits, result, &error);

  g_assert (ok == (error == NULL));
  g_assert (result->embedded->len <= FCT_EXTRACT_EMBEDDED_MAX);
  for (guint i = 0; i < result->embedded->len; i++)
    {
      const char *name = g_ptr_array_index (result->embedded, i);
      g_assert (g_utf8_validate (name, -1, NULL));
      g_assert (strchr (name, '\n') == NULL && strchr (name, '\r') == NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FctLimits small;

  run (data, size, fct_limits_default ());
  fct_limits_init (&small);
  small.extract_pdf_objects_max = 16;
  small.extract_pdf_values_max = 64;
  small.extract_pdf_depth_max = 4;
  small.extract_pdf_name_nodes_max = 8;
  small.extract_pdf_inflate_max_bytes = 4096;
  run (data, size, &small);
  return 0;
}
