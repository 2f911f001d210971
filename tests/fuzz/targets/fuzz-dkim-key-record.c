/* libFuzzer target: a DKIM key record (RFC 6376 §3.6.1) as DNS serves it, parsed, its
 * p= decoded and loaded as an RSA or Ed25519 public key. */
#include <facteur/dkim.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FctDkimKeyRecord rec;
  const char *reason = NULL;

  if (!fct_dkim_key_record_parse (fct_slice_new (data, size), &rec, &reason))
    {
      g_assert (reason != NULL);
      return 0;
    }
  g_autoptr (GBytes) der = fct_dkim_base64_decode (rec.public_key, 8192);
  if (der == NULL)
    return 0;
  gsize len = 0;
  const guint8 *d = g_bytes_get_data (der, &len);
  g_autoptr (FctDkimPublicKey) key
      = fct_dkim_public_key_new (rec.key_type, d, len, &reason);
  if (key != NULL)
    {
      static const guint8 digest[32] = { 1 };
      g_assert (
          !fct_dkim_public_key_verify (key, FCT_DKIM_HASH_SHA256, digest, 32, d, len));
    }
  return 0;
}
