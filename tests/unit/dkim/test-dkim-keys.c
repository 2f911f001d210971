/* Unit tests for DKIM key records (RFC 6376 §3.6.1), public and private keys, signing
 * a digest and checking it (RSA, Ed25519 per RFC 8463), key generation and files. */
#include <facteur/dkim.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

static void
test_key_records (void)
{
  struct
  {
    const char *text;
    gboolean ok;
    FctDkimKeyType type;
    gboolean revoked, testing, strict, email, sha1, sha256;
  } cases[] = {
    { "v=DKIM1; k=rsa; p=AAAA", TRUE, FCT_DKIM_KEY_TYPE_RSA, FALSE, FALSE, FALSE, TRUE,
      TRUE, TRUE },
    { "p=AAAA", TRUE, FCT_DKIM_KEY_TYPE_RSA, FALSE, FALSE, FALSE, TRUE, TRUE, TRUE },
    { "k=ed25519; p=AAAA", TRUE, FCT_DKIM_KEY_TYPE_ED25519, FALSE, FALSE, FALSE, TRUE, TRUE,
      TRUE },
    { "v=DKIM1; p=", TRUE, FCT_DKIM_KEY_TYPE_RSA, TRUE, FALSE, FALSE, TRUE, TRUE, TRUE },
    { "p=AAAA; t=y:s", TRUE, FCT_DKIM_KEY_TYPE_RSA, FALSE, TRUE, TRUE, TRUE, TRUE, TRUE },
    { "p=AAAA; t=s", TRUE, FCT_DKIM_KEY_TYPE_RSA, FALSE, FALSE, TRUE, TRUE, TRUE, TRUE },
    { "p=AAAA; h=sha256", TRUE, FCT_DKIM_KEY_TYPE_RSA, FALSE, FALSE, FALSE, TRUE, FALSE,
      TRUE },
    { "p=AAAA; h=sha1 : sha256", TRUE, FCT_DKIM_KEY_TYPE_RSA, FALSE, FALSE, FALSE, TRUE,
      TRUE, TRUE },
    { "p=AAAA; s=tlsrpt", TRUE, FCT_DKIM_KEY_TYPE_RSA, FALSE, FALSE, FALSE, FALSE, TRUE,
      TRUE },
    { "p=AAAA; s=email:tlsrpt", TRUE, FCT_DKIM_KEY_TYPE_RSA, FALSE, FALSE, FALSE, TRUE,
      TRUE, TRUE },
    { "p=AAAA; s=*", TRUE, FCT_DKIM_KEY_TYPE_RSA, FALSE, FALSE, FALSE, TRUE, TRUE, TRUE },
    { "v=DKIM1: g=*; k=rsa; p=AAAA", FALSE }, /* badversion.txt */
    { "k=rsa; v=DKIM1; p=AAAA", FALSE },      /* v= not first */
    { "v=DKIM2; p=AAAA", FALSE },
    { "k=ed25519-sha256; p=AAAA", FALSE }, /* badk.txt */
    { "v=DKIM1; k=rsa", FALSE },           /* no p= */
    { "p=AAAA; p=BBBB", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FctDkimKeyRecord rec;
      const char *reason = NULL;
      gboolean ok
          = fct_dkim_key_record_parse (fct_slice_from_str (cases[i].text), &rec, &reason);
      g_test_message ("case %zu: %s", i, cases[i].text);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (!ok)
        {
          g_assert_nonnull (reason);
          continue;
        }
      g_assert_cmpint (rec.key_type, ==, cases[i].type);
      g_assert_cmpint (rec.revoked, ==, cases[i].revoked);
      g_assert_cmpint (rec.testing, ==, cases[i].testing);
      g_assert_cmpint (rec.strict, ==, cases[i].strict);
      g_assert_cmpint (rec.email_ok, ==, cases[i].email);
      g_assert_cmpint (rec.sha1_ok, ==, cases[i].sha1);
      g_assert_cmpint (rec.sha256_ok, ==, cases[i].sha256);
    }
}

static char *
conformance_path (const char *name)
{
  /* meson test sets it; the corpus is in the repository (tests/data/dkim). */
  const char *dir = g_getenv ("FCT_CONFORMANCE_DIR");
  if (dir == NULL)
    return g_test_build_filename (G_TEST_DIST, "data", "dkim", name, NULL);
  return g_build_filename (dir, "dkim", name, NULL);
}

static FctDkimPublicKey *
public_key_from_record_file (const char *name)
{
  g_autofree char *path = conformance_path (name);
  g_autofree char *text = NULL;
  gsize len = 0;
  FctDkimKeyRecord rec;
  const char *reason = NULL;

  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  g_assert_true (fct_dkim_key_record_parse (fct_slice_new (text, len), &rec, &reason));
  g_autoptr (GBytes) der = fct_dkim_base64_decode (rec.public_key, 8192);
  g_assert_nonnull (der);
  gsize n = 0;
  const guint8 *d = g_bytes_get_data (der, &n);
  FctDkimPublicKey *key = fct_dkim_public_key_new (rec.key_type, d, n, &reason);
  g_assert_nonnull (key);
  return key;
}

static void
test_public_key_forms (void)
{
  /* SubjectPublicKeyInfo and bare RSAPublicKey of the same keys. */
  g_autoptr (FctDkimPublicKey) a
      = public_key_from_record_file ("1024_testkey_wo_markers.pub.txt");
  g_autoptr (FctDkimPublicKey) b
      = public_key_from_record_file ("1024_testkey_wo_markers.pub.rsa.txt");
  g_autoptr (FctDkimPublicKey) c
      = public_key_from_record_file ("2048_testkey_wo_markers.pub.txt");
  g_autoptr (FctDkimPublicKey) d
      = public_key_from_record_file ("2048_testkey_wo_markers.pub.rsa.txt");
  g_assert_cmpuint (fct_dkim_public_key_get_bits (a), ==, 1024);
  g_assert_cmpuint (fct_dkim_public_key_get_bits (b), ==, 1024);
  g_assert_cmpuint (fct_dkim_public_key_get_bits (c), ==, 2048);
  g_assert_cmpuint (fct_dkim_public_key_get_bits (d), ==, 2048);

  const char *reason = NULL;
  static const guint8 junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
  g_assert_null (
      fct_dkim_public_key_new (FCT_DKIM_KEY_TYPE_RSA, junk, sizeof junk, &reason));
  g_assert_nonnull (reason);
  g_assert_null (
      fct_dkim_public_key_new (FCT_DKIM_KEY_TYPE_ED25519, junk, sizeof junk, &reason));
}

/* Signs a digest with the private key file and checks it with the record file. */
static void
check_pair (const char *private_name, const char *record_name)
{
  g_autofree char *path = conformance_path (private_name);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key = fct_dkim_private_key_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (FctDkimPublicKey) pub = public_key_from_record_file (record_name);
  guint8 digest[32];
  for (guint i = 0; i < sizeof digest; i++)
    digest[i] = (guint8)(i * 7);
  g_autoptr (GBytes) sig = fct_dkim_private_key_sign (key, FCT_DKIM_HASH_SHA256, digest,
                                                      sizeof digest, &error);
  g_assert_no_error (error);
  gsize n = 0;
  const guint8 *s = g_bytes_get_data (sig, &n);
  g_assert_true (fct_dkim_public_key_verify (pub, FCT_DKIM_HASH_SHA256, digest, 32, s, n));
  digest[0] ^= 1;
  g_assert_false (fct_dkim_public_key_verify (pub, FCT_DKIM_HASH_SHA256, digest, 32, s, n));
}

static void
test_sign_verify_pairs (void)
{
  check_pair ("test.private", "test.txt");
  check_pair ("2048_testkey.key", "2048_testkey_wo_markers.pub.txt");
  check_pair ("2048_testkey_PKCS8.key", "2048_testkey_PKCS8.key.pub.txt");
  check_pair ("ed25519test.key", "ed25519test.dns");
}

static void
test_bad_private_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (fct_dkim_private_key_new_from_data ("not a key", 9, &error));
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_KEY);
  g_clear_error (&error);
  const char *pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  g_assert_null (fct_dkim_private_key_new_from_data (pem, strlen (pem), &error));
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_KEY);
  g_clear_error (&error);
  g_assert_null (fct_dkim_private_key_load ("/nonexistent/key.pem", &error));
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_KEY);
}

static void
test_generate_and_write (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fct-dkim-XXXXXX", &error);
  g_assert_no_error (error);

  const FctDkimKeyType types[] = { FCT_DKIM_KEY_TYPE_RSA, FCT_DKIM_KEY_TYPE_ED25519 };
  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr (FctDkimPrivateKey) key
          = fct_dkim_private_key_generate (types[t], 0, &error);
      g_assert_no_error (error);
      if (types[t] == FCT_DKIM_KEY_TYPE_RSA)
        g_assert_cmpuint (fct_dkim_private_key_get_bits (key), ==, 2048);
      g_autofree char *path = g_build_filename (dir, t == 0 ? "rsa.pem" : "ed.pem", NULL);
      g_assert_true (fct_dkim_private_key_write_pem (key, path, &error));
      g_assert_no_error (error);
      struct stat st;
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      /* Never overwrite. */
      g_assert_false (fct_dkim_private_key_write_pem (key, path, &error));
      g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_IO);
      g_clear_error (&error);

      /* The file reads back and matches the published record. */
      g_autoptr (FctDkimPrivateKey) back = fct_dkim_private_key_load (path, &error);
      g_assert_no_error (error);
      g_autofree char *r1 = fct_dkim_private_key_get_dns_record (key);
      g_autofree char *r2 = fct_dkim_private_key_get_dns_record (back);
      g_assert_cmpstr (r1, ==, r2);
      g_assert_true (
          g_str_has_prefix (r1, t == 0 ? "v=DKIM1; k=rsa; p=" : "v=DKIM1; k=ed25519; p="));
      FctDkimKeyRecord rec;
      const char *reason = NULL;
      g_assert_true (fct_dkim_key_record_parse (fct_slice_from_str (r1), &rec, &reason));
      g_assert_cmpint (rec.key_type, ==, types[t]);
      g_unlink (path);
    }
  g_assert_null (fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_RSA, 512, &error));
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (fct_dkim_private_key_generate (FCT_DKIM_KEY_TYPE_RSA, 8192, &error));
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID);
  g_rmdir (dir);
}

static void
test_txt_split (void)
{
  g_autofree char *s = fct_dkim_txt_split ("v=DKIM1; p=abc");
  g_assert_cmpstr (s, ==, "\"v=DKIM1; p=abc\"");
  g_autofree char *e = fct_dkim_txt_split ("");
  g_assert_cmpstr (e, ==, "\"\"");
  g_autofree char *q = fct_dkim_txt_split ("a\"b\\");
  g_assert_cmpstr (q, ==, "\"a\\\"b\\\\\"");

  g_autofree char *long_text = g_strnfill (600, 'x');
  g_autofree char *l = fct_dkim_txt_split (long_text);
  g_auto (GStrv) parts = g_strsplit (l, " ", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  g_assert_cmpuint (strlen (parts[0]), ==, 257);
  g_assert_cmpuint (strlen (parts[1]), ==, 257);
  g_assert_cmpuint (strlen (parts[2]), ==, 92);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dkim/keys/records", test_key_records);
  g_test_add_func ("/dkim/keys/public-key-forms", test_public_key_forms);
  g_test_add_func ("/dkim/keys/sign-verify-pairs", test_sign_verify_pairs);
  g_test_add_func ("/dkim/keys/bad-private-keys", test_bad_private_keys);
  g_test_add_func ("/dkim/keys/generate-and-write", test_generate_and_write);
  g_test_add_func ("/dkim/keys/txt-split", test_txt_split);
  return g_test_run ();
}
