/* libFuzzer target: one ARC header field value (RFC 8617 §4.1) through the instance
 * parser and the AMS/AS checks the validator runs before any cryptography. The first
 * byte chooses the field (AAR, AMS, AS). */
#include <facteur/arc.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *reason = NULL;
  guint instance = 0;

  if (size == 0)
    return 0;
  FctArcFieldKind kind = (FctArcFieldKind)(data[0] % 3);
  FctSlice value = fct_slice_new (data + 1, size - 1);
  if (fct_arc_field_instance (kind, value, 50, &instance, &reason))
    g_assert (instance >= 1 && instance <= 50);
  else
    g_assert (reason != NULL);
  reason = NULL;
  if (!fct_arc_field_check (kind, value, NULL, &reason))
    g_assert (reason != NULL);
  return 0;
}
