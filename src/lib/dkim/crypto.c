/* DKIM cryptography with OpenSSL 3 EVP: RSA PKCS#1 v1.5 (RFC 6376 §3.3.1, §3.3.2; sizes
 * per RFC 8301 §3.2) and Ed25519 over the SHA-256 digest (RFC 8463 §3); public keys from
 * key records; private keys loaded, generated and written with mode 0600. */
#include "dkim-private.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

/* A PEM private key of 4096 bits is about 3.3 KiB; 64 KiB leaves room for comments. */
#define KEY_FILE_MAX (64 * 1024)

G_DEFINE_QUARK (fct - dkim - error - quark, fct_dkim_error)

struct _FctDkimPublicKey
{
  gint ref_count;
  EVP_PKEY *pkey;
  FctDkimKeyType type;
  /* RSA verification contexts set up once per hash when the key enters a cache, then
   * duplicated for each signature: setting one up costs OpenSSL 3 a provider fetch. */
  EVP_PKEY_CTX *rsa_verify[2];
};

struct _FctDkimPrivateKey
{
  gint ref_count;
  EVP_PKEY *pkey; /* NULL for a remote key */
  FctDkimKeyType type;
  /* A remote key: the private half lives in another process. */
  guint bits;
  FctDkimRemoteSignFunc sign_func;
  gpointer sign_data;
  GDestroyNotify sign_destroy;
};

static void
set_openssl_error (GError **error, FctDkimError code, const char *what)
{
  char buf[256] = "";
  unsigned long e = ERR_get_error ();

  if (e != 0)
    ERR_error_string_n (e, buf, sizeof buf);
  ERR_clear_error ();
  g_set_error (error, FCT_DKIM_ERROR, code, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

FctDkimPublicKey *
fct_dkim_public_key_new (FctDkimKeyType type, const guint8 *data, gsize len,
                         const char **reason)
{
  EVP_PKEY *pkey = NULL;

  *reason = NULL;
  if (len > FCT_DKIM_PUBLIC_KEY_BYTES_MAX || len > G_MAXLONG)
    {
      *reason = N_ ("public key is too large");
      return NULL;
    }
  if (type == FCT_DKIM_KEY_TYPE_ED25519)
    {
      /* RFC 8463 §4: p= is the 32-byte raw public key, not a SubjectPublicKeyInfo. */
      if (len != 32)
        {
          *reason = N_ ("Ed25519 public key is not 32 bytes");
          return NULL;
        }
      pkey = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL, data, len);
    }
  else
    {
      /* §3.6.1 names an RSAPublicKey, signers publish a SubjectPublicKeyInfo: both are
       * accepted, as OpenDKIM and dkimpy do. The whole buffer must be consumed. */
      const unsigned char *p = data;
      pkey = d2i_PUBKEY (NULL, &p, (long)len);
      if (pkey != NULL && (p != data + len || EVP_PKEY_get_base_id (pkey) != EVP_PKEY_RSA))
        g_clear_pointer (&pkey, EVP_PKEY_free);
      if (pkey == NULL)
        {
          p = data;
          pkey = d2i_PublicKey (EVP_PKEY_RSA, NULL, &p, (long)len);
          if (pkey != NULL && p != data + len)
            g_clear_pointer (&pkey, EVP_PKEY_free);
        }
    }
  ERR_clear_error ();
  if (pkey == NULL)
    {
      *reason = N_ ("public key cannot be decoded");
      return NULL;
    }
  FctDkimPublicKey *key = g_new0 (FctDkimPublicKey, 1);
  key->ref_count = 1;
  key->pkey = pkey;
  key->type = type;
  return key;
}

static EVP_PKEY_CTX *
rsa_verify_ctx_new (EVP_PKEY *pkey, FctDkimHash hash)
{
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new (pkey, NULL);
  if (ctx != NULL
      && (EVP_PKEY_verify_init (ctx) != 1
          || EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) != 1
          || EVP_PKEY_CTX_set_signature_md (ctx, fct_dkim_hash_md (hash)) != 1))
    g_clear_pointer (&ctx, EVP_PKEY_CTX_free);
  return ctx;
}

void
fct_dkim_public_key_free (FctDkimPublicKey *key)
{
  if (key == NULL || !g_atomic_int_dec_and_test (&key->ref_count))
    return;
  EVP_PKEY_CTX_free (key->rsa_verify[0]);
  EVP_PKEY_CTX_free (key->rsa_verify[1]);
  EVP_PKEY_free (key->pkey);
  g_free (key);
}

guint
fct_dkim_public_key_get_bits (const FctDkimPublicKey *key)
{
  return (guint)EVP_PKEY_get_bits (key->pkey);
}

FctDkimKeyType
fct_dkim_public_key_get_key_type (const FctDkimPublicKey *key)
{
  return key->type;
}

gboolean
fct_dkim_public_key_verify (const FctDkimPublicKey *key, FctDkimHash hash,
                            const guint8 *digest, gsize digest_len, const guint8 *signature,
                            gsize signature_len)
{
  gboolean ok = FALSE;

  if (key->type == FCT_DKIM_KEY_TYPE_ED25519)
    {
      EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
      /* RFC 8463 §3: Ed25519 (pure) signs the SHA-256 digest as its message. */
      ok = ctx != NULL && EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, key->pkey) == 1
           && EVP_DigestVerify (ctx, signature, signature_len, digest, digest_len) == 1;
      EVP_MD_CTX_free (ctx);
    }
  else
    {
      EVP_PKEY_CTX *ctx = key->rsa_verify[hash] != NULL
                              ? EVP_PKEY_CTX_dup (key->rsa_verify[hash])
                              : rsa_verify_ctx_new (key->pkey, hash);
      ok = ctx != NULL
           && EVP_PKEY_verify (ctx, signature, signature_len, digest, digest_len) == 1;
      EVP_PKEY_CTX_free (ctx);
    }
  ERR_clear_error ();
  return ok;
}

/* ---- Key cache ---- */

struct _FctDkimKeyCache
{
  gint ref_count;
  guint max_entries;
  GMutex lock;
  GHashTable *table; /* "type:p=" -> FctDkimPublicKey * */
};

FctDkimKeyCache *
fct_dkim_key_cache_new (guint max_entries)
{
  FctDkimKeyCache *cache = g_new0 (FctDkimKeyCache, 1);

  cache->ref_count = 1;
  cache->max_entries = MAX (max_entries, 1);
  g_mutex_init (&cache->lock);
  cache->table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)fct_dkim_public_key_free);
  return cache;
}

FctDkimKeyCache *
fct_dkim_key_cache_ref (FctDkimKeyCache *cache)
{
  g_return_val_if_fail (cache != NULL, NULL);
  g_atomic_int_inc (&cache->ref_count);
  return cache;
}

void
fct_dkim_key_cache_unref (FctDkimKeyCache *cache)
{
  if (cache == NULL || !g_atomic_int_dec_and_test (&cache->ref_count))
    return;
  g_hash_table_unref (cache->table);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

FctDkimPublicKey *
fct_dkim_public_key_from_record (FctDkimKeyCache *cache, FctDkimKeyType type, FctSlice p,
                                 const char **reason)
{
  g_autofree char *id = NULL;

  if (cache != NULL)
    {
      id = g_strdup_printf ("%d:%.*s", (int)type, (int)MIN (p.len, (gsize)G_MAXINT),
                            (const char *)p.ptr);
      g_mutex_lock (&cache->lock);
      FctDkimPublicKey *hit = g_hash_table_lookup (cache->table, id);
      if (hit != NULL)
        g_atomic_int_inc (&hit->ref_count);
      g_mutex_unlock (&cache->lock);
      if (hit != NULL)
        return hit;
    }
  g_autoptr (GBytes) der = fct_dkim_base64_decode (p, FCT_DKIM_PUBLIC_KEY_BYTES_MAX);
  if (der == NULL)
    {
      *reason = N_ ("the public key (p=) is not valid base64");
      return NULL;
    }
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (der, &len);
  FctDkimPublicKey *key = fct_dkim_public_key_new (type, data, len, reason);
  if (key != NULL && cache != NULL)
    {
      if (type == FCT_DKIM_KEY_TYPE_RSA)
        for (int h = FCT_DKIM_HASH_SHA1; h <= FCT_DKIM_HASH_SHA256; h++)
          key->rsa_verify[h] = rsa_verify_ctx_new (key->pkey, (FctDkimHash)h);
      ERR_clear_error ();
      g_mutex_lock (&cache->lock);
      if (g_hash_table_size (cache->table) >= cache->max_entries)
        g_hash_table_remove_all (cache->table);
      g_atomic_int_inc (&key->ref_count);
      g_hash_table_replace (cache->table, g_steal_pointer (&id), key);
      g_mutex_unlock (&cache->lock);
    }
  return key;
}

/* ---- Private keys ---- */

static FctDkimPrivateKey *
private_key_wrap (EVP_PKEY *pkey, GError **error)
{
  FctDkimPrivateKey *key;
  int id = EVP_PKEY_get_base_id (pkey);

  if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519)
    {
      EVP_PKEY_free (pkey);
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_KEY, "%s",
                   _ ("the private key is neither RSA nor Ed25519"));
      return NULL;
    }
  key = g_new0 (FctDkimPrivateKey, 1);
  key->ref_count = 1;
  key->pkey = pkey;
  key->type = id == EVP_PKEY_RSA ? FCT_DKIM_KEY_TYPE_RSA : FCT_DKIM_KEY_TYPE_ED25519;
  return key;
}

FctDkimPrivateKey *
fct_dkim_private_key_new_from_data (const void *data, gsize len, GError **error)
{
  EVP_PKEY *pkey = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  if (len > KEY_FILE_MAX)
    {
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_KEY, "%s",
                   _ ("the private key file is too large"));
      return NULL;
    }
  if (len >= 10 && memmem (data, len, "-----BEGIN", 10) != NULL)
    {
      BIO *bio = BIO_new_mem_buf (data, (int)len);
      pkey = bio != NULL ? PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL) : NULL;
      BIO_free (bio);
      if (pkey == NULL)
        {
          set_openssl_error (error, FCT_DKIM_ERROR_KEY,
                             _ ("the PEM private key cannot be read"));
          return NULL;
        }
      return private_key_wrap (pkey, error);
    }
  /* A bare base64 Ed25519 seed (RFC 8032 §5.1.5's 32-byte private key). */
  g_autoptr (GBytes) seed = fct_dkim_base64_decode (fct_slice_new (data, len), 64);
  if (seed == NULL || g_bytes_get_size (seed) != 32)
    {
      if (seed != NULL)
        OPENSSL_cleanse ((void *)g_bytes_get_data (seed, NULL), g_bytes_get_size (seed));
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_KEY, "%s",
                   _ ("the private key is neither PEM nor a base64 Ed25519 seed"));
      return NULL;
    }
  pkey = EVP_PKEY_new_raw_private_key (EVP_PKEY_ED25519, NULL,
                                       g_bytes_get_data (seed, NULL), 32);
  OPENSSL_cleanse ((void *)g_bytes_get_data (seed, NULL), 32);
  if (pkey == NULL)
    {
      set_openssl_error (error, FCT_DKIM_ERROR_KEY, _ ("the Ed25519 seed is unusable"));
      return NULL;
    }
  return private_key_wrap (pkey, error);
}

FctDkimPrivateKey *
fct_dkim_private_key_load (const char *path, GError **error)
{
  int fd;
  struct stat st;
  FctDkimPrivateKey *key = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int e = errno;
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_KEY, _ ("cannot read %s: %s"),
                   path, g_strerror (e));
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > KEY_FILE_MAX)
    {
      close (fd);
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_KEY,
                   _ ("%s is not a key file of at most 64 KiB"), path);
      return NULL;
    }
  guint8 *buf = g_malloc (KEY_FILE_MAX + 1);
  gsize len = 0;
  while (len < KEY_FILE_MAX)
    {
      ssize_t n = read (fd, buf + len, KEY_FILE_MAX - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += (gsize)n;
    }
  close (fd);
  key = fct_dkim_private_key_new_from_data (buf, len, error);
  OPENSSL_cleanse (buf, KEY_FILE_MAX + 1);
  g_free (buf);
  return key;
}

FctDkimPrivateKey *
fct_dkim_private_key_generate (FctDkimKeyType type, guint bits, GError **error)
{
  EVP_PKEY *pkey;

  if (type == FCT_DKIM_KEY_TYPE_RSA)
    {
      if (bits == 0)
        bits = 2048;
      /* RFC 8301 §3.2: at least 1024 bits; over 4096 verifiers need not accept. */
      if (bits < 1024 || bits > 4096)
        {
          g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID,
                       _ ("an RSA key must have 1024 to 4096 bits, not %u"), bits);
          return NULL;
        }
      pkey = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t)bits);
    }
  else
    pkey = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  if (pkey == NULL)
    {
      set_openssl_error (error, FCT_DKIM_ERROR_CRYPTO, _ ("key generation failed"));
      return NULL;
    }
  return private_key_wrap (pkey, error);
}

FctDkimPrivateKey *
fct_dkim_private_key_ref (FctDkimPrivateKey *key)
{
  g_return_val_if_fail (key != NULL, NULL);
  g_atomic_int_inc (&key->ref_count);
  return key;
}

void
fct_dkim_private_key_unref (FctDkimPrivateKey *key)
{
  if (key == NULL || !g_atomic_int_dec_and_test (&key->ref_count))
    return;
  /* OpenSSL clears private key material when it frees it (BN_clear_free, and
   * OPENSSL_secure_clear_free for Ed25519 keys). */
  EVP_PKEY_free (key->pkey);
  if (key->sign_destroy != NULL)
    key->sign_destroy (key->sign_data);
  g_free (key);
}

FctDkimPrivateKey *
fct_dkim_private_key_new_remote (FctDkimKeyType type, guint bits,
                                 FctDkimRemoteSignFunc sign_func, gpointer user_data,
                                 GDestroyNotify destroy)
{
  FctDkimPrivateKey *key;

  g_return_val_if_fail (sign_func != NULL, NULL);
  key = g_new0 (FctDkimPrivateKey, 1);
  key->ref_count = 1;
  key->type = type;
  key->bits = bits;
  key->sign_func = sign_func;
  key->sign_data = user_data;
  key->sign_destroy = destroy;
  return key;
}

FctDkimKeyType
fct_dkim_private_key_get_key_type (const FctDkimPrivateKey *key)
{
  return key->type;
}

guint
fct_dkim_private_key_get_bits (const FctDkimPrivateKey *key)
{
  if (key->pkey == NULL)
    return key->bits;
  return (guint)EVP_PKEY_get_bits (key->pkey);
}

EVP_PKEY *
fct_dkim_private_key_get_pkey (const FctDkimPrivateKey *key)
{
  return key->pkey;
}

gboolean
fct_dkim_private_key_write_pem (const FctDkimPrivateKey *key, const char *path,
                                GError **error)
{
  /* A secure-memory BIO clears its buffers when it grows and when it is freed. */
  BIO *bio;
  char *data = NULL;
  long len;
  int fd;
  gboolean ok = TRUE;

  g_return_val_if_fail (key->pkey != NULL, FALSE);
  bio = BIO_new (BIO_s_secmem ());
  if (bio == NULL || !PEM_write_bio_PrivateKey (bio, key->pkey, NULL, NULL, 0, NULL, NULL))
    {
      BIO_free (bio);
      set_openssl_error (error, FCT_DKIM_ERROR_CRYPTO, _ ("cannot encode the private key"));
      return FALSE;
    }
  len = BIO_get_mem_data (bio, &data);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_IO, _ ("cannot create %s: %s"),
                   path, g_strerror (e));
      BIO_free (bio);
      return FALSE;
    }
  for (long done = 0; ok && done < len;)
    {
      ssize_t n = write (fd, data + done, (size_t)(len - done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        ok = FALSE;
      else
        done += n;
    }
  if (ok && fsync (fd) != 0)
    ok = FALSE;
  if (close (fd) != 0)
    ok = FALSE;
  if (!ok)
    {
      int e = errno;
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_IO, _ ("cannot write %s: %s"),
                   path, g_strerror (e));
      unlink (path);
    }
  BIO_free (bio);
  return ok;
}

char *
fct_dkim_private_key_get_dns_record (const FctDkimPrivateKey *key)
{
  guint8 raw[32];
  size_t raw_len = sizeof raw;
  g_autofree char *b64 = NULL;

  g_return_val_if_fail (key->pkey != NULL, NULL);
  if (key->type == FCT_DKIM_KEY_TYPE_ED25519)
    {
      if (!EVP_PKEY_get_raw_public_key (key->pkey, raw, &raw_len))
        g_error ("OpenSSL cannot export an Ed25519 public key");
      b64 = g_base64_encode (raw, raw_len);
      return g_strdup_printf ("v=DKIM1; k=ed25519; p=%s", b64);
    }
  unsigned char *der = NULL;
  int der_len = i2d_PUBKEY (key->pkey, &der);
  if (der_len <= 0)
    g_error ("OpenSSL cannot export an RSA public key");
  b64 = g_base64_encode (der, (gsize)der_len);
  OPENSSL_free (der);
  return g_strdup_printf ("v=DKIM1; k=rsa; p=%s", b64);
}

GBytes *
fct_dkim_private_key_sign (const FctDkimPrivateKey *key, FctDkimHash hash,
                           const guint8 *digest, gsize digest_len, GError **error)
{
  size_t sig_len = 0;
  guint8 *sig = NULL;
  gboolean ok = FALSE;

  if (key->sign_func != NULL)
    return key->sign_func (key->type, hash, digest, digest_len, key->sign_data, error);
  if (key->type == FCT_DKIM_KEY_TYPE_ED25519)
    {
      EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
      ok = ctx != NULL && EVP_DigestSignInit (ctx, NULL, NULL, NULL, key->pkey) == 1
           && EVP_DigestSign (ctx, NULL, &sig_len, digest, digest_len) == 1;
      if (ok)
        {
          sig = g_malloc (sig_len);
          ok = EVP_DigestSign (ctx, sig, &sig_len, digest, digest_len) == 1;
        }
      EVP_MD_CTX_free (ctx);
    }
  else
    {
      EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new (key->pkey, NULL);
      ok = ctx != NULL && EVP_PKEY_sign_init (ctx) == 1
           && EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) == 1
           && EVP_PKEY_CTX_set_signature_md (ctx, fct_dkim_hash_md (hash)) == 1
           && EVP_PKEY_sign (ctx, NULL, &sig_len, digest, digest_len) == 1;
      if (ok)
        {
          sig = g_malloc (sig_len);
          ok = EVP_PKEY_sign (ctx, sig, &sig_len, digest, digest_len) == 1;
        }
      EVP_PKEY_CTX_free (ctx);
    }
  if (!ok)
    {
      g_free (sig);
      set_openssl_error (error, FCT_DKIM_ERROR_CRYPTO, _ ("signing failed"));
      return NULL;
    }
  return g_bytes_new_take (sig, sig_len);
}
