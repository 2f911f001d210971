/* libFuzzer target: the SPF record parser (RFC 7208 §4.6, §5, §6, §7.1). Every byte
 * string must parse or fail with a syntax/limit error, and a parsed record's terms must
 * lie within the input. */
#include <facteur/spf.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  gsize offset = 0;
  g_autoptr (FctSpfRecord) record
      = fct_spf_record_parse ((const char *)data, size, NULL, &offset, &error);

  if (record == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (offset <= size);
      return 0;
    }
  g_assert_true (fct_spf_record_is_spf1 ((const char *)data, size));
  for (guint i = 0; i < record->mechanisms->len; i++)
    {
      const FctSpfMechanism *m = g_ptr_array_index (record->mechanisms, i);
      g_assert_true (m->offset < size);
      g_assert_true (m->cidr4 <= 32 && m->cidr6 <= 128);
    }
  return 0;
}
