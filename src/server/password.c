/* facteur serve — admin password hashes (password.h): PBKDF2 from OpenSSL, a 16-byte
 * random salt, a 32-byte derived key, compared with CRYPTO_memcmp. */
#include "password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#define SALT_BYTES 16
#define KEY_BYTES 32
/* Bounds on a stored line, so that a bad configuration cannot make a login spin. */
#define ITERATIONS_MIN 1000
#define ITERATIONS_MAX 10000000

static gboolean
derive (const char *password, const guint8 *salt, gsize salt_len, guint iterations,
        guint8 key[KEY_BYTES])
{
  return PKCS5_PBKDF2_HMAC (password, (int)strlen (password), salt, (int)salt_len,
                            (int)iterations, EVP_sha256 (), KEY_BYTES, key)
         == 1;
}

char *
fct_password_hash (const char *password, guint iterations)
{
  guint8 salt[SALT_BYTES], key[KEY_BYTES];
  g_return_val_if_fail (password != NULL, NULL);
  iterations = CLAMP (iterations, ITERATIONS_MIN, ITERATIONS_MAX);
  if (RAND_bytes (salt, sizeof salt) != 1
      || !derive (password, salt, sizeof salt, iterations, key))
    return NULL;
  g_autofree char *salt64 = g_base64_encode (salt, sizeof salt);
  g_autofree char *key64 = g_base64_encode (key, sizeof key);
  OPENSSL_cleanse (key, sizeof key);
  return g_strdup_printf ("pbkdf2-sha256$%u$%s$%s", iterations, salt64, key64);
}

gboolean
fct_password_verify (const char *password, const char *hash_line)
{
  if (password == NULL || hash_line == NULL)
    return FALSE;
  g_auto (GStrv) parts = g_strsplit (hash_line, "$", -1);
  guint64 iterations = 0;
  if (g_strv_length (parts) != 4 || !g_str_equal (parts[0], "pbkdf2-sha256")
      || !g_ascii_string_to_unsigned (parts[1], 10, ITERATIONS_MIN, ITERATIONS_MAX,
                                      &iterations, NULL))
    return FALSE;
  gsize salt_len = 0, want_len = 0;
  g_autofree guint8 *salt = g_base64_decode (parts[2], &salt_len);
  g_autofree guint8 *want = g_base64_decode (parts[3], &want_len);
  guint8 key[KEY_BYTES];
  if (salt_len == 0 || want_len != KEY_BYTES
      || !derive (password, salt, salt_len, (guint)iterations, key))
    return FALSE;
  gboolean ok = CRYPTO_memcmp (key, want, KEY_BYTES) == 0;
  OPENSSL_cleanse (key, sizeof key);
  return ok;
}
