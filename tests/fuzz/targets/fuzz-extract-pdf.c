/* libFuzzer target for the pdf reader of facteur-extract (src/lib/extract): arbitrary
 * bytes through fct_extract_pdf with a small text cap; the result must be valid UTF-8
 * within the cap, and cross the wire to the parent unchanged. */
#include <facteur/extract.h>

#include <gsf/gsf-utils.h>
#include <libxml/parser.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

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
      g_once_init_leave (&once, 1);
    }
  result->status = fct_extract_any (FCT_EXTRACT_KIND_PDF, bytes, TEXT_MAX, result, NULL)
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
