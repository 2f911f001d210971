/* libFuzzer target: DKIM canonicalization (RFC 6376 §3.4). The first byte picks the
 * algorithm, an l= limit and a chunk size; the rest is a body, hashed in chunks and in
 * one piece (the digests must agree), and a header field. */
#include <facteur/dkim.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gsize
digest_of (FctDkimCanon canon, gint64 limit, const uint8_t *p, size_t n, size_t chunk,
           guint8 out[64], guint64 *total)
{
  g_autoptr (FctDkimBodyHasher) h
      = fct_dkim_body_hasher_new (canon, FCT_DKIM_HASH_SHA256, limit);
  for (size_t pos = 0; pos < n; pos += chunk)
    fct_dkim_body_hasher_update (h, p + pos, MIN (chunk, n - pos));
  gsize len = fct_dkim_body_hasher_finish (h, out);
  *total = fct_dkim_body_hasher_get_length (h);
  return len;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint8 a[64], b[64];
  guint64 ta = 0, tb = 0;

  if (size == 0)
    return 0;
  FctDkimCanon canon = (data[0] & 1) ? FCT_DKIM_CANON_RELAXED : FCT_DKIM_CANON_SIMPLE;
  gint64 limit = (data[0] & 2) ? (gint64)(data[0] >> 2) : -1;
  size_t chunk = (size_t)(data[0] >> 4) + 1;
  const uint8_t *p = data + 1;
  size_t n = size - 1;

  gsize la = digest_of (canon, limit, p, n, chunk, a, &ta);
  gsize lb = digest_of (canon, limit, p, n, n > 0 ? n : 1, b, &tb);
  g_assert (la == lb && memcmp (a, b, la) == 0 && ta == tb);

  g_autoptr (GByteArray) out = g_byte_array_new ();
  fct_dkim_canon_header (out, canon, fct_slice_new (p, n), TRUE);
  g_assert (out->len >= 2);
  return 0;
}
