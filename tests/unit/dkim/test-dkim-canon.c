/* Unit tests for DKIM canonicalization (RFC 6376 §3.4): the §3.4.5 examples, empty
 * bodies, l=, and the streaming body hasher against a line-by-line reference on random
 * bodies cut into random chunks. */
#include <facteur/dkim.h>
#include <openssl/evp.h>

static char *
canon_header (FctDkimCanon c, const char *field)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  fct_dkim_canon_header (out, c, fct_slice_from_str (field), TRUE);
  return g_strndup ((const char *)out->data, out->len);
}

static void
test_header_examples (void)
{
  /* RFC 6376 §3.4.5. */
  g_autofree char *a = canon_header (FCT_DKIM_CANON_RELAXED, "A: X");
  g_autofree char *b = canon_header (FCT_DKIM_CANON_RELAXED, "B : Y\t\r\n\tZ  ");
  g_autofree char *s = canon_header (FCT_DKIM_CANON_SIMPLE, "B : Y\t\r\n\tZ  ");
  g_assert_cmpstr (a, ==, "a:X\r\n");
  g_assert_cmpstr (b, ==, "b:Y Z\r\n");
  g_assert_cmpstr (s, ==, "B : Y\t\r\n\tZ  \r\n");

  g_autofree char *empty = canon_header (FCT_DKIM_CANON_RELAXED, "Subject:   \r\n ");
  g_assert_cmpstr (empty, ==, "subject:\r\n");
  g_autofree char *inner = canon_header (FCT_DKIM_CANON_RELAXED, "X-A:\ta  \t b\r\n\tc");
  g_assert_cmpstr (inner, ==, "x-a:a b c\r\n");
}

static char *
body_digest_b64 (FctDkimCanon c, const char *body, gsize len, gint64 limit, guint64 *total)
{
  g_autoptr (FctDkimBodyHasher) h
      = fct_dkim_body_hasher_new (c, FCT_DKIM_HASH_SHA256, limit);
  guint8 d[64];
  fct_dkim_body_hasher_update (h, body, len);
  gsize n = fct_dkim_body_hasher_finish (h, d);
  if (total != NULL)
    *total = fct_dkim_body_hasher_get_length (h);
  return g_base64_encode (d, n);
}

static char *
sha256_b64 (const void *data, gsize len)
{
  guint8 d[32];
  unsigned int n = 0;
  EVP_Digest (data, len, d, &n, EVP_sha256 (), NULL);
  return g_base64_encode (d, n);
}

static void
test_body_examples (void)
{
  const char *body = " C \r\nD \t E\r\n\r\n\r\n";
  const char *relaxed = " C\r\nD E\r\n";
  const char *simple = " C \r\nD \t E\r\n";
  guint64 total = 0;

  g_autofree char *r
      = body_digest_b64 (FCT_DKIM_CANON_RELAXED, body, strlen (body), -1, &total);
  g_autofree char *r_ref = sha256_b64 (relaxed, strlen (relaxed));
  g_assert_cmpstr (r, ==, r_ref);
  g_assert_cmpuint (total, ==, strlen (relaxed));
  g_autofree char *s
      = body_digest_b64 (FCT_DKIM_CANON_SIMPLE, body, strlen (body), -1, NULL);
  g_autofree char *s_ref = sha256_b64 (simple, strlen (simple));
  g_assert_cmpstr (s, ==, s_ref);
}

static void
test_empty_bodies (void)
{
  /* Well-known digests: simple hashes one CRLF, relaxed hashes nothing (§3.4.3, §3.4.4). */
  g_autofree char *s = body_digest_b64 (FCT_DKIM_CANON_SIMPLE, "", 0, -1, NULL);
  g_autofree char *r = body_digest_b64 (FCT_DKIM_CANON_RELAXED, "", 0, -1, NULL);
  g_autofree char *s2 = body_digest_b64 (FCT_DKIM_CANON_SIMPLE, "\r\n\r\n", 4, -1, NULL);
  g_autofree char *r2
      = body_digest_b64 (FCT_DKIM_CANON_RELAXED, " \r\n\t\r\n", 6, -1, NULL);
  g_assert_cmpstr (s, ==, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
  g_assert_cmpstr (r, ==, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  g_assert_cmpstr (s2, ==, s);
  g_assert_cmpstr (r2, ==, r);
}

static void
test_no_final_crlf (void)
{
  g_autofree char *a = body_digest_b64 (FCT_DKIM_CANON_SIMPLE, "abc", 3, -1, NULL);
  g_autofree char *b = body_digest_b64 (FCT_DKIM_CANON_SIMPLE, "abc\r\n", 5, -1, NULL);
  g_assert_cmpstr (a, ==, b);
  /* A lone CR at the end is content, not a line break. */
  g_autofree char *c = body_digest_b64 (FCT_DKIM_CANON_SIMPLE, "abc\r", 4, -1, NULL);
  g_autofree char *c_ref = sha256_b64 ("abc\r\r\n", 6);
  g_assert_cmpstr (c, ==, c_ref);
}

static void
test_length_limit (void)
{
  guint64 total = 0;
  g_autofree char *l
      = body_digest_b64 (FCT_DKIM_CANON_SIMPLE, "hello\r\nworld\r\n", 14, 7, &total);
  g_autofree char *ref = sha256_b64 ("hello\r\n", 7);
  g_assert_cmpstr (l, ==, ref);
  g_assert_cmpuint (total, ==, 14);
  g_autofree char *zero = body_digest_b64 (FCT_DKIM_CANON_RELAXED, "x\r\n", 3, 0, &total);
  g_autofree char *zref = sha256_b64 ("", 0);
  g_assert_cmpstr (zero, ==, zref);
}

/* Reference: split into lines at CRLF, canonicalize each, drop trailing empty lines. */
static GString *
reference_canon (FctDkimCanon c, const char *body, gsize len)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify)g_free);
  gsize start = 0;
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i + 1 < len + 1; i++)
    if (i + 1 < len && body[i] == '\r' && body[i + 1] == '\n')
      {
        g_ptr_array_add (lines, g_strndup (body + start, i - start));
        start = i + 2;
        i++;
      }
  if (start < len)
    g_ptr_array_add (lines, g_strndup (body + start, len - start));
  for (guint i = 0; c == FCT_DKIM_CANON_RELAXED && i < lines->len; i++)
    {
      GString *l = g_string_new (NULL);
      const char *p = lines->pdata[i];
      gboolean ws = FALSE;
      for (; *p; p++)
        {
          if (*p == ' ' || *p == '\t')
            ws = TRUE;
          else
            {
              if (ws)
                g_string_append_c (l, ' ');
              ws = FALSE;
              g_string_append_c (l, *p);
            }
        }
      g_free (lines->pdata[i]);
      lines->pdata[i] = g_string_free (l, FALSE);
    }
  while (lines->len > 0 && ((char *)lines->pdata[lines->len - 1])[0] == '\0')
    g_ptr_array_set_size (lines, lines->len - 1);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (out, "%s\r\n", (char *)lines->pdata[i]);
  if (lines->len == 0 && c == FCT_DKIM_CANON_SIMPLE)
    g_string_append (out, "\r\n");
  return out;
}

static void
test_streaming_random (void)
{
  /* The first alphabet makes messy lines; the second, text of already canonical lines
   * (the relaxed fast path) with now and then a defect. */
  static const char messy[] = "ab \t\r\n\r\n  x";
  static const char texty[] = "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz \r\n";
  GRand *rand = g_rand_new_with_seed (20261127);

  for (guint iter = 0; iter < 3000; iter++)
    {
      gboolean text = iter % 3 == 2;
      const char *alphabet = text ? texty : messy;
      gint32 alen = (gint32)strlen (alphabet);
      gsize len = (gsize)g_rand_int_range (rand, 0, text ? 600 : 60);
      g_autofree char *body = g_malloc (len + 1);
      for (gsize i = 0; i < len; i++)
        {
          body[i] = alphabet[g_rand_int_range (rand, 0, alen)];
          /* In text, a CR is always followed by LF, and a defect is rare. */
          if (text && body[i] == '\r' && i + 1 < len)
            body[++i] = '\n';
          if (text && g_rand_int_range (rand, 0, 200) == 0)
            body[i] = "\t \r"[g_rand_int_range (rand, 0, 3)];
        }
      body[len] = '\0';
      FctDkimCanon c = (iter & 1) ? FCT_DKIM_CANON_RELAXED : FCT_DKIM_CANON_SIMPLE;
      g_autoptr (GString) ref = reference_canon (c, body, len);
      gint64 limit
          = (iter % 5 == 0) ? g_rand_int_range (rand, 0, (gint32)ref->len + 1) : -1;

      g_autoptr (FctDkimBodyHasher) h
          = fct_dkim_body_hasher_new (c, FCT_DKIM_HASH_SHA256, limit);
      for (gsize pos = 0; pos < len;)
        {
          gsize want = (gsize)g_rand_int_range (rand, 0, text ? 200 : 8);
          gsize n = MIN (len - pos, want);
          fct_dkim_body_hasher_update (h, body + pos, n);
          pos += n;
        }
      guint8 d[64];
      gsize n = fct_dkim_body_hasher_finish (h, d);
      g_autofree char *got = g_base64_encode (d, n);
      g_autofree char *want = sha256_b64 (ref->str, limit >= 0 ? (gsize)limit : ref->len);
      if (g_strcmp0 (got, want) != 0)
        {
          g_autofree char *esc = g_strescape (body, NULL);
          g_test_message ("canon %d limit %" G_GINT64_FORMAT " body \"%s\"", c, limit, esc);
        }
      g_assert_cmpstr (got, ==, want);
      g_assert_cmpuint (fct_dkim_body_hasher_get_length (h), ==, ref->len);
    }
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dkim/canon/header-examples", test_header_examples);
  g_test_add_func ("/dkim/canon/body-examples", test_body_examples);
  g_test_add_func ("/dkim/canon/empty-bodies", test_empty_bodies);
  g_test_add_func ("/dkim/canon/no-final-crlf", test_no_final_crlf);
  g_test_add_func ("/dkim/canon/length-limit", test_length_limit);
  g_test_add_func ("/dkim/canon/streaming-random", test_streaming_random);
  return g_test_run ();
}
