/* libFuzzer target for the answer of facteur-extract as its parent reads it
 * (fct_extract_result_parse): a compromised child must not get more than a status,
 * known flags, at most FCT_EXTRACT_EMBEDDED_MAX names and capped, valid text. */
#include <facteur/extract.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (FctExtractResult) result = fct_extract_result_new ();

  if (!fct_extract_result_parse (data, size, 64, result))
    return 0;
  g_assert (result->status == FCT_EXTRACT_STATUS_OK
            || result->status == FCT_EXTRACT_STATUS_UNREADABLE);
  const guint known = FCT_EXTRACT_FLAG_VBA | FCT_EXTRACT_FLAG_JAVASCRIPT
                      | FCT_EXTRACT_FLAG_LAUNCH | FCT_EXTRACT_FLAG_ENCRYPTED
                      | FCT_EXTRACT_FLAG_TRUNCATED | FCT_EXTRACT_FLAG_XLM
                      | FCT_EXTRACT_FLAG_XLM_HIDDEN | FCT_EXTRACT_FLAG_AUTO_RUN;
  g_assert ((result->flags & ~known) == 0);
  g_assert (result->len <= 64 && strlen (result->text) == result->len);
  g_assert (g_utf8_validate_len (result->text, result->len, NULL));
  g_assert (result->embedded->len <= FCT_EXTRACT_EMBEDDED_MAX);
  for (guint i = 0; i < result->embedded->len; i++)
    {
      const char *name = g_ptr_array_index (result->embedded, i);
      g_assert (g_utf8_validate (name, -1, NULL) && strchr (name, '\n') == NULL);
    }
  return 0;
}
