/* libFuzzer target for the reader of ordinary PDFs without poppler (src/lib/extract/
 * pdftext.c on pdfobj.c), which runs in the resident facteur-extract without a process of
 * its own: arbitrary bytes through fct_extract_pdf_simple with a small and the default
 * text cap. A document it leaves to poppler must leave the result untouched; one it reads
 * must give valid UTF-8 within the cap. */
#include <facteur/extract.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
run (GBytes *bytes, gsize text_max)
{
  g_autoptr (FctExtractResult) result = fct_extract_result_new ();

  if (!fct_extract_pdf_simple (bytes, text_max, result))
    {
      g_assert (result->flags == 0 && result->len == 0 && result->embedded->len == 0);
      return;
    }
  g_assert (result->len <= text_max && strlen (result->text) == result->len);
  g_assert (g_utf8_validate_len (result->text, result->len, NULL));
  g_assert (result->embedded->len <= FCT_EXTRACT_EMBEDDED_MAX);
  g_assert ((result->flags
             & ~(FCT_EXTRACT_FLAG_TRUNCATED | FCT_EXTRACT_FLAG_JAVASCRIPT
                 | FCT_EXTRACT_FLAG_LAUNCH))
            == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);

  run (bytes, 64);
  run (bytes, 1024 * 1024);
  return 0;
}
