/* libFuzzer target: the SPF macro expander (RFC 7208 §7). The first byte picks the
 * client address family and exp mode; the rest is the macro-string. Output must stay
 * under the expansion cap. */
#include <facteur/spf.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint8 ip4[4] = { 192, 0, 2, 3 };
  static const guint8 ip6[16]
      = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0x01 };
  const FctLimits *limits = fct_limits_default ();

  if (size < 1)
    return 0;
  FctSpfMacroContext ctx = {
    .sender = "strong-bad@email.example.com",
    .local_part = "strong-bad",
    .sender_domain = "email.example.com",
    .domain = "email.example.com",
    .ip = (data[0] & 1) ? ip6 : ip4,
    .ip_len = (data[0] & 1) ? 16 : 4,
    .validated = (data[0] & 4) ? "mx.example.org" : NULL,
    .helo = "mx.example.org",
    .receiver = NULL,
    .now = 1700000000,
  };
  gboolean is_exp = (data[0] & 2) != 0;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = fct_spf_macro_expand ((const char *)data + 1, size - 1, &ctx,
                                               is_exp, limits, &error);
  if (out == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_cmpuint (strlen (out), <=, limits->spf_macro_max_bytes);
  if (!is_exp)
    {
      fct_spf_domain_truncate (out);
      gsize len = strlen (out);
      /* §7.3: labels are dropped from the left until the name fits; only a name with
       * no dot left can stay longer. */
      g_assert_true (len <= 253 || strchr (out, '.') == NULL);
    }
  return 0;
}
