/* Unit tests for DKIM signing and verification (RFC 6376 §5, §6; RFC 8301; RFC 8463):
 * round trips, tampering, every key-record and time rule, l=, over-signing, several
 * signatures and the cap, bad input bounded, DNS failures. DNS comes from zone data. */
#include <facteur/dkim.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

static FctResolver *resolver;
static FctDkimPrivateKey *rsa_key, *ed_key, *short_key, *rsa1024_key;

#define NOW 1700000000

static const char base_message[] = "From: Alice <alice@example.com>\r\n"
                                   "To: Bob <bob@example.net>\r\n"
                                   "Subject: Quarterly figures\r\n"
                                   "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
                                   "Message-ID: <1@example.com>\r\n"
                                   "MIME-Version: 1.0\r\n"
                                   "Content-Type: text/plain; charset=utf-8\r\n"
                                   "\r\n"
                                   "Hello Bob,\r\n"
                                   "  the figures   are attached.\t\r\n"
                                   "\r\n"
                                   "\r\n";

static char *
conformance_path (const char *name)
{
  /* meson test sets it; the corpus is in the repository (tests/data/dkim). */
  const char *dir = g_getenv ("FCT_CONFORMANCE_DIR");
  if (dir == NULL)
    return g_test_build_filename (G_TEST_DIST, "data", "dkim", name, NULL);
  return g_build_filename (dir, "dkim", name, NULL);
}

static FctDkimPrivateKey *
load_key (const char *name)
{
  g_autofree char *path = conformance_path (name);
  g_autoptr (GError) error = NULL;
  FctDkimPrivateKey *key = fct_dkim_private_key_load (path, &error);
  g_assert_no_error (error);
  return key;
}

/* A 512-bit key, which fct_dkim_private_key_generate refuses to make. */
static FctDkimPrivateKey *
make_short_key (void)
{
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t)512);
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (pkey);
  g_assert_true (PEM_write_bio_PrivateKey (bio, pkey, NULL, NULL, 0, NULL, NULL));
  long len = BIO_get_mem_data (bio, &data);
  FctDkimPrivateKey *key = fct_dkim_private_key_new_from_data (data, (gsize)len, &error);
  g_assert_no_error (error);
  BIO_free (bio);
  EVP_PKEY_free (pkey);
  return key;
}

static void
add_record (GString *zone, const char *owner, const FctDkimPrivateKey *key,
            const char *extra)
{
  g_autofree char *record = fct_dkim_private_key_get_dns_record (key);
  g_autofree char *text = g_strconcat (record, extra, NULL);
  g_autofree char *split = fct_dkim_txt_split (text);
  g_string_append_printf (zone, "%s TXT %s\n", owner, split);
}

static FctResolver *
make_resolver (void)
{
  g_autoptr (GString) z = g_string_new ("$ORIGIN example.com.\n$TTL 300\n");
  g_autoptr (GError) error = NULL;

  add_record (z, "rsa._domainkey", rsa_key, "");
  add_record (z, "ed._domainkey", ed_key, "");
  add_record (z, "short._domainkey", short_key, "");
  add_record (z, "r1024._domainkey", rsa1024_key, "");
  add_record (z, "testing._domainkey", rsa_key, "; t=y");
  add_record (z, "strict._domainkey", rsa_key, "; t=s");
  add_record (z, "tlsrpt._domainkey", rsa_key, "; s=tlsrpt");
  add_record (z, "email._domainkey", rsa_key, "; s=email");
  add_record (z, "sha1only._domainkey", rsa_key, "; h=sha1");
  add_record (z, "notbase64._domainkey", rsa_key, "!!");
  g_string_append (z, "revoked._domainkey TXT \"v=DKIM1; k=rsa; p=\"\n");
  g_string_append (z, "badversion._domainkey TXT \"v=DKIM1: k=rsa; p=AAAA\"\n");
  g_string_append (z, "edtype._domainkey TXT \"v=DKIM1; k=ed25519; "
                      "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n");
  g_string_append (z, "nodata._domainkey A 192.0.2.1\n");
  g_string_append (z, "slow._domainkey TIMEOUT\n");
  g_string_append (z, "broken._domainkey SERVFAIL\n");
  /* The TIMEOUT pseudo-type waits for the resolver's timeout: keep it short. */
  static FctLimits limits;
  fct_limits_init (&limits);
  limits.dns_timeout_ms = 200;
  FctResolver *r = fct_resolver_new_zone_data (z->str, z->len, "test", &limits, &error);
  g_assert_no_error (error);
  return r;
}

static FctMsg *
parse (const char *text, gsize len)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, len);
  g_autoptr (GError) error = NULL;
  FctMsg *msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  return msg;
}

/* Signs text and returns the signature field prepended to it. */
static char *
sign_with (const char *text, const FctDkimSignOptions *opts)
{
  g_autoptr (FctMsg) msg = parse (text, strlen (text));
  g_autoptr (GError) error = NULL;
  g_autofree char *field = fct_dkim_sign (msg, opts, &error);
  g_assert_no_error (error);
  return g_strconcat (field, text, NULL);
}

static char *
sign_simple (const char *text, FctDkimPrivateKey *key, const char *selector)
{
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "example.com";
  o.selector = selector;
  o.key = key;
  o.timestamp = NOW - 60;
  return sign_with (text, &o);
}

static FctDkimVerifyResult *
verify_at (const char *text, gint64 now)
{
  g_autoptr (FctMsg) msg = parse (text, strlen (text));
  FctDkimVerifyOptions vo = { .now = now };
  return fct_dkim_verify (msg, resolver, &vo);
}

static const FctDkimSignatureResult *
only (const FctDkimVerifyResult *r)
{
  g_assert_cmpuint (r->signatures->len, ==, 1);
  return g_ptr_array_index (r->signatures, 0);
}

static void
expect (const char *text, FctDkimResult want, const char *reason_part)
{
  g_autoptr (FctDkimVerifyResult) r = verify_at (text, NOW);
  const FctDkimSignatureResult *s = only (r);
  g_test_message ("result %s: %s", fct_dkim_result_to_string (s->result), s->reason);
  g_assert_cmpstr (fct_dkim_result_to_string (s->result), ==,
                   fct_dkim_result_to_string (want));
  if (reason_part != NULL)
    g_assert_nonnull (strstr (s->reason, reason_part));
}

static void
test_round_trips (void)
{
  const FctDkimCanon canons[] = { FCT_DKIM_CANON_SIMPLE, FCT_DKIM_CANON_RELAXED };
  FctDkimPrivateKey *keys[] = { rsa_key, ed_key };
  const char *sels[] = { "rsa", "ed" };

  for (guint k = 0; k < 2; k++)
    for (guint h = 0; h < 2; h++)
      for (guint b = 0; b < 2; b++)
        {
          FctDkimSignOptions o;
          fct_dkim_sign_options_init (&o);
          o.domain = "example.com";
          o.selector = sels[k];
          o.key = keys[k];
          o.header_canon = canons[h];
          o.body_canon = canons[b];
          o.timestamp = NOW;
          g_autofree char *signed_text = sign_with (base_message, &o);
          g_autoptr (FctDkimVerifyResult) r = verify_at (signed_text, NOW);
          const FctDkimSignatureResult *s = only (r);
          g_assert_cmpint (s->result, ==, FCT_DKIM_RESULT_PASS);
          g_assert_cmpstr (s->domain, ==, "example.com");
          g_assert_cmpstr (s->selector, ==, sels[k]);
          g_assert_cmpstr (s->identity, ==, "@example.com");
          g_assert_cmpint (s->header_canon, ==, canons[h]);
          g_assert_cmpint (s->body_canon, ==, canons[b]);
          g_assert_cmpint (s->timestamp, ==, NOW);
          g_assert_cmpint (s->risks & FCT_DKIM_RISK_FROM_ADDABLE, ==, 0);
          g_assert_cmpuint (strlen (s->b_prefix), ==, 8);
          g_assert_cmpint (fct_dkim_verify_result_summary (r), ==, FCT_DKIM_RESULT_PASS);
        }
}

static void
test_tampering (void)
{
  g_autofree char *signed_text = sign_simple (base_message, rsa_key, "rsa");
  g_autofree char *body = g_strdup (signed_text);
  *strstr (body, "figures   are") = 'F';
  expect (body, FCT_DKIM_RESULT_FAIL, "body hash");

  g_autofree char *header = g_strdup (signed_text);
  *strstr (header, "Quarterly") = 'q';
  expect (header, FCT_DKIM_RESULT_FAIL, "did not verify");

  /* Relaxed canonicalization absorbs whitespace changes. */
  g_autoptr (GString) ws = g_string_new (signed_text);
  g_string_replace (ws, "Subject: Quarterly", "Subject:   Quarterly", 1);
  g_string_replace (ws, "Hello Bob,", "Hello   Bob,", 1);
  expect (ws->str, FCT_DKIM_RESULT_PASS, NULL);

  /* An added From above the signed one breaks an over-signed signature. */
  g_autoptr (GString) from = g_string_new (signed_text);
  g_string_replace (from, "From: Alice", "From: Mallory <m@evil.example>\r\nFrom: Alice",
                    1);
  expect (from->str, FCT_DKIM_RESULT_FAIL, NULL);
}

static void
test_not_oversigned (void)
{
  static const char *const headers[] = { "from", "subject", NULL };
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "example.com";
  o.selector = "rsa";
  o.key = rsa_key;
  o.timestamp = NOW;
  o.headers = headers;
  g_autofree char *signed_text = sign_with (base_message, &o);
  g_autoptr (FctDkimVerifyResult) r = verify_at (signed_text, NOW);
  g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PASS);
  g_assert_cmpint (only (r)->risks & FCT_DKIM_RISK_FROM_ADDABLE, !=, 0);
  g_assert_cmpstr (only (r)->signed_headers, ==, "from:subject");
}

static void
test_key_records (void)
{
  g_autofree char *testing = sign_simple (base_message, rsa_key, "testing");
  {
    g_autoptr (FctDkimVerifyResult) r = verify_at (testing, NOW);
    g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PASS);
    g_assert_cmpint (only (r)->risks & FCT_DKIM_RISK_TESTING, !=, 0);
  }
  g_autofree char *email = sign_simple (base_message, rsa_key, "email");
  expect (email, FCT_DKIM_RESULT_PASS, NULL);
  g_autofree char *tlsrpt = sign_simple (base_message, rsa_key, "tlsrpt");
  expect (tlsrpt, FCT_DKIM_RESULT_PERMERROR, "not for email");
  g_autofree char *revoked = sign_simple (base_message, rsa_key, "revoked");
  expect (revoked, FCT_DKIM_RESULT_PERMERROR, "revoked");
  g_autofree char *badversion = sign_simple (base_message, rsa_key, "badversion");
  expect (badversion, FCT_DKIM_RESULT_PERMERROR, "v=");
  g_autofree char *sha1only = sign_simple (base_message, rsa_key, "sha1only");
  expect (sha1only, FCT_DKIM_RESULT_PERMERROR, "h=");
  g_autofree char *edtype = sign_simple (base_message, rsa_key, "edtype");
  expect (edtype, FCT_DKIM_RESULT_PERMERROR, "k=");
  g_autofree char *notbase64 = sign_simple (base_message, rsa_key, "notbase64");
  expect (notbase64, FCT_DKIM_RESULT_PERMERROR, "base64");
  g_autofree char *nxdomain = sign_simple (base_message, rsa_key, "absent");
  expect (nxdomain, FCT_DKIM_RESULT_PERMERROR, "NXDOMAIN");
  g_autofree char *nodata = sign_simple (base_message, rsa_key, "nodata");
  expect (nodata, FCT_DKIM_RESULT_PERMERROR, "no key record");
  g_autofree char *slow = sign_simple (base_message, rsa_key, "slow");
  expect (slow, FCT_DKIM_RESULT_TEMPERROR, NULL);
  g_autofree char *broken = sign_simple (base_message, rsa_key, "broken");
  expect (broken, FCT_DKIM_RESULT_TEMPERROR, NULL);
}

static void
test_strict_identity (void)
{
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "example.com";
  o.selector = "strict";
  o.key = rsa_key;
  o.timestamp = NOW;
  o.identity = "alice@mail.example.com";
  g_autofree char *sub = sign_with (base_message, &o);
  expect (sub, FCT_DKIM_RESULT_PERMERROR, "t=s");
  o.identity = "alice@example.com";
  g_autofree char *exact = sign_with (base_message, &o);
  expect (exact, FCT_DKIM_RESULT_PASS, NULL);
  /* i= outside d= is refused by the signer and by the verifier. */
  g_autoptr (GError) error = NULL;
  o.identity = "alice@example.org";
  g_autoptr (FctDkimSigner) bad = fct_dkim_signer_new (&o, &error);
  g_assert_null (bad);
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID);
  g_autoptr (GString) forged = g_string_new (exact);
  g_string_replace (forged, "i=alice@example.com", "i=alice@example.org", 1);
  expect (forged->str, FCT_DKIM_RESULT_PERMERROR, "i=");
}

static void
test_key_sizes (void)
{
  g_autofree char *s = sign_simple (base_message, short_key, "short");
  expect (s, FCT_DKIM_RESULT_POLICY, "1024");
  g_autofree char *m = sign_simple (base_message, rsa1024_key, "r1024");
  g_autoptr (FctDkimVerifyResult) r = verify_at (m, NOW);
  g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PASS);
  g_assert_cmpint (only (r)->risks & FCT_DKIM_RISK_SHORT_KEY, !=, 0);
  g_assert_cmpuint (only (r)->key_bits, ==, 1024);
}

static void
test_times (void)
{
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "example.com";
  o.selector = "rsa";
  o.key = rsa_key;
  o.timestamp = NOW;
  o.expire_after = 3600;
  g_autofree char *text = sign_with (base_message, &o);
  {
    g_autoptr (FctDkimVerifyResult) r = verify_at (text, NOW + 3599);
    g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PASS);
    g_assert_cmpint (only (r)->expiration, ==, NOW + 3600);
  }
  {
    g_autoptr (FctDkimVerifyResult) r = verify_at (text, NOW + 3601);
    g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PERMERROR);
    g_assert_nonnull (strstr (only (r)->reason, "expired"));
  }
  {
    g_autoptr (FctDkimVerifyResult) r = verify_at (text, NOW - 36001);
    g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PERMERROR);
    g_assert_nonnull (strstr (only (r)->reason, "future"));
  }
  {
    /* Within the allowed clock skew. */
    g_autoptr (FctDkimVerifyResult) r = verify_at (text, NOW - 35999);
    g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PASS);
  }
}

static void
test_body_length (void)
{
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "example.com";
  o.selector = "rsa";
  o.key = rsa_key;
  o.timestamp = NOW;
  o.body_length = TRUE;
  g_autofree char *text = sign_with (base_message, &o);
  {
    g_autoptr (FctDkimVerifyResult) r = verify_at (text, NOW);
    g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PASS);
    g_assert_true (only (r)->has_body_length);
    g_assert_cmpint (only (r)->risks & FCT_DKIM_RISK_BODY_LENGTH, ==, 0);
  }
  g_autofree char *appended = g_strconcat (text, "Click http://evil.example/\r\n", NULL);
  {
    g_autoptr (FctDkimVerifyResult) r = verify_at (appended, NOW);
    g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PASS);
    g_assert_cmpint (only (r)->risks & FCT_DKIM_RISK_BODY_LENGTH, !=, 0);
    /* The two empty lines that ended the signed body now count as well. */
    g_assert_cmpuint (only (r)->body_unsigned, ==,
                      strlen ("\r\n\r\nClick http://evil.example/\r\n"));
  }
  /* What follows l=, canonical: what check shows. */
  {
    g_autoptr (FctMsg) msg = parse (appended, strlen (appended));
    g_autoptr (FctDkimVerifyResult) r = verify_at (appended, NOW);
    g_autoptr (GBytes) tail = fct_dkim_body_unsigned_tail (
        FCT_DKIM_CANON_RELAXED, fct_msg_get_body (msg), only (r)->body_length, 1024);
    g_assert_cmpmem (g_bytes_get_data (tail, NULL), g_bytes_get_size (tail),
                     "\r\n\r\nClick http://evil.example/\r\n",
                     strlen ("\r\n\r\nClick http://evil.example/\r\n"));
    g_autoptr (GBytes) capped = fct_dkim_body_unsigned_tail (
        FCT_DKIM_CANON_RELAXED, fct_msg_get_body (msg), only (r)->body_length, 4);
    g_assert_cmpuint (g_bytes_get_size (capped), ==, 4);
  }
  /* refuse_partial_body: a signature with unsigned content is policy, never pass; one
   * whose l= covers the whole body still passes. */
  {
    FctDkimVerifyOptions vo = { .now = NOW, .refuse_partial_body = TRUE };
    g_autoptr (FctMsg) msg = parse (appended, strlen (appended));
    g_autoptr (FctDkimVerifyResult) r = fct_dkim_verify (msg, resolver, &vo);
    g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_POLICY);
    g_assert_nonnull (strstr (only (r)->reason, "l="));
    g_autoptr (FctMsg) whole = parse (text, strlen (text));
    g_autoptr (FctDkimVerifyResult) w = fct_dkim_verify (whole, resolver, &vo);
    g_assert_cmpint (only (w)->result, ==, FCT_DKIM_RESULT_PASS);
  }
  /* A body shorter than l= fails. */
  g_autoptr (GString) shorter = g_string_new (text);
  g_string_replace (shorter, "Hello Bob,\r\n", "", 1);
  expect (shorter->str, FCT_DKIM_RESULT_FAIL, "l=");
}

static void
test_several_signatures (void)
{
  g_autofree char *one = sign_simple (base_message, rsa_key, "rsa");
  g_autofree char *two = sign_simple (one, ed_key, "ed");
  g_autofree char *three = sign_simple (two, rsa_key, "revoked");
  g_autoptr (FctDkimVerifyResult) r = verify_at (three, NOW);
  g_assert_cmpuint (r->signatures->len, ==, 3);
  const FctDkimSignatureResult *a = g_ptr_array_index (r->signatures, 0);
  const FctDkimSignatureResult *b = g_ptr_array_index (r->signatures, 1);
  const FctDkimSignatureResult *c = g_ptr_array_index (r->signatures, 2);
  g_assert_cmpstr (a->selector, ==, "revoked");
  g_assert_cmpint (a->result, ==, FCT_DKIM_RESULT_PERMERROR);
  g_assert_cmpstr (b->algorithm, ==, "ed25519-sha256");
  g_assert_cmpint (b->result, ==, FCT_DKIM_RESULT_PASS);
  g_assert_cmpstr (c->algorithm, ==, "rsa-sha256");
  g_assert_cmpint (c->result, ==, FCT_DKIM_RESULT_PASS);
  g_assert_cmpint (fct_dkim_verify_result_summary (r), ==, FCT_DKIM_RESULT_PASS);

  /* The cap: the first N are evaluated, the rest counted. */
  FctLimits limits;
  fct_limits_init (&limits);
  limits.dkim_signatures_max = 2;
  g_autoptr (FctMsg) msg = parse (three, strlen (three));
  FctDkimVerifyOptions vo = { .now = NOW, .limits = &limits };
  g_autoptr (FctDkimVerifyResult) capped = fct_dkim_verify (msg, resolver, &vo);
  g_assert_cmpuint (capped->signatures->len, ==, 2);
  g_assert_cmpuint (capped->signatures_skipped, ==, 1);
}

/* The review's attack: signature fields prepended in transit (on top, where such fields
 * go) must not push the author's real signature out of the verification slots. */
static void
test_junk_signatures (void)
{
  g_autofree char *real = sign_simple (base_message, rsa_key, "rsa");
  g_autoptr (GString) junk = g_string_new (NULL);
  g_autoptr (GString) foreign = g_string_new (NULL);
  g_autoptr (GString) lookalike = g_string_new (NULL);

  for (guint i = 0; i < 12; i++)
    {
      /* Fields that do not parse: no slot, reported as permerror. */
      g_string_append_printf (junk, "DKIM-Signature: v=1; a=rsa-sha256; junk %u\r\n", i);
      /* Well-formed signatures of another domain: they parse and cost a key query. */
      g_string_append_printf (foreign,
                              "DKIM-Signature: v=1; a=rsa-sha256; d=attacker.example; "
                              "s=s%u; h=from; bh=AAAA; b=AAAA\r\n",
                              i);
      /* Well-formed, of the From domain, but with selectors that have no key. */
      g_string_append_printf (lookalike,
                              "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; "
                              "s=nokey%u; h=from; bh=AAAA; b=AAAA\r\n",
                              i);
    }
  const GString *tops[] = { junk, foreign, lookalike };
  for (gsize t = 0; t < G_N_ELEMENTS (tops); t++)
    {
      g_autofree char *text = g_strconcat (tops[t]->str, real, NULL);
      g_autoptr (FctDkimVerifyResult) r = verify_at (text, NOW);
      gboolean found = FALSE;
      for (guint i = 0; i < r->signatures->len; i++)
        {
          const FctDkimSignatureResult *s = g_ptr_array_index (r->signatures, i);
          if (g_strcmp0 (s->selector, "rsa") == 0)
            {
              g_assert_cmpint (s->result, ==, FCT_DKIM_RESULT_PASS);
              found = TRUE;
            }
        }
      g_assert_true (found);
      g_assert_cmpint (fct_dkim_verify_result_summary (r), ==, FCT_DKIM_RESULT_PASS);
      if (t == 0)
        {
          /* All reported, none skipped: they cost nothing. */
          g_assert_cmpuint (r->signatures->len, ==, 13);
          g_assert_cmpuint (r->signatures_skipped, ==, 0);
        }
      else
        {
          /* Ten verified (the real one among them), the rest counted. */
          g_assert_cmpuint (r->signatures->len, ==, 10);
          g_assert_cmpuint (r->signatures_skipped, ==, 3);
        }
    }

  /* Ordinary mail with a few signatures: all verified, reported in message order. */
  g_autofree char *esp = NULL;
  {
    FctDkimSignOptions o;
    fct_dkim_sign_options_init (&o);
    o.domain = "esp.example";
    o.selector = "rsa";
    o.key = rsa_key;
    o.timestamp = NOW - 60;
    esp = sign_with (real, &o);
  }
  g_autoptr (FctDkimVerifyResult) two = verify_at (esp, NOW);
  g_assert_cmpuint (two->signatures->len, ==, 2);
  g_assert_cmpstr (
      ((FctDkimSignatureResult *)g_ptr_array_index (two->signatures, 0))->domain, ==,
      "esp.example");
  g_assert_cmpstr (
      ((FctDkimSignatureResult *)g_ptr_array_index (two->signatures, 1))->domain, ==,
      "example.com");
}

typedef struct
{
  FctDkimVerifyResult *result;
} AsyncOut;

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AsyncOut *out = user_data;
  g_autoptr (GError) error = NULL;
  (void)source;
  out->result = fct_dkim_verify_finish (res, &error);
  g_assert_no_error (error);
}

static void
test_streaming_chunks (void)
{
  g_autofree char *text = sign_simple (base_message, ed_key, "ed");
  g_autoptr (FctMsg) msg = parse (text, strlen (text));
  FctDkimVerifyOptions vo = { .now = NOW };
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  AsyncOut out = { NULL };

  g_main_context_push_thread_default (ctx);
  g_autoptr (FctDkimVerifier) v = fct_dkim_verifier_new (resolver, &vo);
  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      fct_dkim_verifier_header (v, h->raw.ptr, h->raw.len);
    }
  fct_dkim_verifier_eoh (v);
  FctSlice body = fct_msg_get_body (msg);
  for (gsize i = 0; i < body.len; i++)
    fct_dkim_verifier_body (v, body.ptr + i, 1); /* byte by byte: CRLF split everywhere */
  fct_dkim_verifier_eom_async (v, NULL, on_done, &out);
  while (out.result == NULL)
    g_main_context_iteration (ctx, TRUE);
  g_main_context_pop_thread_default (ctx);
  g_assert_cmpint (only (out.result)->result, ==, FCT_DKIM_RESULT_PASS);
  fct_dkim_verify_result_free (out.result);
}

static void
test_streaming_async (void)
{
  g_autofree char *text = sign_simple (base_message, ed_key, "ed");
  g_autoptr (FctMsg) msg = parse (text, strlen (text));
  FctDkimVerifyOptions vo = { .now = NOW };
  AsyncOut out = { NULL };
  g_autoptr (FctDkimVerifier) v = fct_dkim_verifier_new (resolver, &vo);

  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      fct_dkim_verifier_header (v, h->raw.ptr, h->raw.len);
    }
  fct_dkim_verifier_eoh (v);
  FctSlice body = fct_msg_get_body (msg);
  for (gsize i = 0; i < body.len; i += 3)
    fct_dkim_verifier_body (v, body.ptr + i, MIN (3, body.len - i));
  fct_dkim_verifier_eom_async (v, NULL, on_done, &out);
  /* The callback never runs from inside the call. */
  g_assert_null (out.result);
  while (out.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (out.result->signatures->len, ==, 1);
  g_assert_cmpint (((FctDkimSignatureResult *)out.result->signatures->pdata[0])->result, ==,
                   FCT_DKIM_RESULT_PASS);
  fct_dkim_verify_result_free (out.result);
}

/* A message whose only signature field is text. */
static FctDkimVerifyResult *
verify_field (const char *field)
{
  g_autofree char *text = g_strconcat (field, "\r\n", base_message, NULL);
  return verify_at (text, NOW);
}

static void
test_malformed_signatures (void)
{
  static const struct
  {
    const char *field;
    const char *reason;
  } cases[] = {
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=!!!!",
      "b=" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=@@; b=AAAA",
      "bh=" },
    { "DKIM-Signature: v=2; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA",
      "v=" },
    { "DKIM-Signature: v=1; a=rsa-sha512; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA",
      "a=" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; bh=AAAA; b=AAAA",
      "required" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=to; bh=AAAA; b=AAAA",
      "From" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA; "
      "c=foo",
      "c=" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA; "
      "q=http",
      "q=" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA; "
      "l=x",
      "l=" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA; "
      "t=1; x=1",
      "x=" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA; "
      "t=1234567890123",
      "t=" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=legitimate.com(.attacker.com; s=rsa; h=from; "
      "bh=AAAA; b=AAAA",
      "d=" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=r/sa; h=from; bh=AAAA; b=AAAA",
      "s=" },
    { "DKIM-Signature: v=1; v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; "
      "b=AAAA",
      "twice" },
    { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from::to; bh=AAAA; "
      "b=AAAA",
      "h=" },
    { "DKIM-Signature: garbage", "tag" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (FctDkimVerifyResult) r = verify_field (cases[i].field);
      const FctDkimSignatureResult *s = only (r);
      g_test_message ("%s -> %s", cases[i].field, s->reason);
      g_assert_cmpint (s->result, ==, FCT_DKIM_RESULT_PERMERROR);
      g_assert_nonnull (strstr (s->reason, cases[i].reason));
    }
}

static void
test_bad_input_bounded (void)
{
  /* A 1 MB h= list: counted, refused before anything is allocated per item. */
  g_autoptr (GString) h = g_string_new (
      "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; bh=AAAA; b=AAAA; h=from");
  while (h->len < 1024 * 1024)
    g_string_append (h, ":subject");
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  FctDkimVerifyOptions vo = { .now = NOW };
  g_autoptr (FctDkimVerifier) v = fct_dkim_verifier_new (resolver, &vo);
  fct_dkim_verifier_header (v, h->str, h->len);
  fct_dkim_verifier_header (v, "From: a@example.com", 19);
  AsyncOut out = { NULL };
  fct_dkim_verifier_eom_async (v, NULL, on_done, &out);
  while (out.result == NULL)
    g_main_context_iteration (ctx, TRUE);
  g_main_context_pop_thread_default (ctx);
  const FctDkimSignatureResult *s = only (out.result);
  g_assert_cmpint (s->result, ==, FCT_DKIM_RESULT_PERMERROR);
  g_assert_nonnull (strstr (s->reason, "h="));
  fct_dkim_verify_result_free (out.result);

  /* A signature folded over 4096 lines, with base64 garbage in b=. */
  g_autoptr (GString) folded = g_string_new (
      "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=");
  for (guint i = 0; i < 4096; i++)
    g_string_append (folded, "\r\n ab%cd");
  g_autoptr (FctDkimVerifyResult) r = verify_field (folded->str);
  g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_PERMERROR);
}

static void
test_sign_refuses (void)
{
  static const char no_from[] = "To: b@example.net\r\nSubject: x\r\n\r\nbody\r\n";
  g_autoptr (FctMsg) msg = parse (no_from, strlen (no_from));
  g_autoptr (GError) error = NULL;
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "example.com";
  o.selector = "rsa";
  o.key = rsa_key;
  g_autofree char *f = fct_dkim_sign (msg, &o, &error);
  g_assert_null (f);
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_NO_FROM);
  g_clear_error (&error);
  o.domain = "bad domain";
  g_autofree char *g = fct_dkim_sign (msg, &o, &error);
  g_assert_null (g);
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID);
  g_clear_error (&error);
  /* §5.4: From must be in h=. */
  static const char *const no_from_list[] = { "to", "subject", NULL };
  o.domain = "example.com";
  o.headers = no_from_list;
  g_autofree char *h = fct_dkim_sign (msg, &o, &error);
  g_assert_null (h);
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID);
}

static void
test_sign_lf_output (void)
{
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "example.com";
  o.selector = "rsa";
  o.key = rsa_key;
  o.timestamp = NOW;
  o.eol = "\n";
  g_autoptr (FctMsg) msg = parse (base_message, strlen (base_message));
  g_autoptr (GError) error = NULL;
  g_autofree char *field = fct_dkim_sign (msg, &o, &error);
  g_assert_no_error (error);
  g_assert_null (strchr (field, '\r'));
  g_assert_true (g_str_has_suffix (field, "\n"));
  for (char **l = g_strsplit (field, "\n", -1), **p = l;
       *p != NULL || (g_strfreev (l), FALSE); p++)
    g_assert_cmpuint (strlen (*p), <=, 78);
  /* LF-only message with the LF-folded field still verifies (the parser makes CRLF). */
  g_autoptr (GString) lf = g_string_new (base_message);
  g_string_replace (lf, "\r\n", "\n", 0);
  g_string_prepend (lf, field);
  expect (lf->str, FCT_DKIM_RESULT_PASS, NULL);
}

/* A file saved with CR alone at each line end (classic Mac OS) is read as its CRLF
 * form, which is what was signed: the signature verifies (issue 11: before, the header
 * ran into one field and the signature failed). */
static void
test_cr_only_verifies (void)
{
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "example.com";
  o.selector = "rsa";
  o.key = rsa_key;
  o.timestamp = NOW;
  g_autoptr (FctMsg) msg = parse (base_message, strlen (base_message));
  g_autoptr (GError) error = NULL;
  g_autofree char *field = fct_dkim_sign (msg, &o, &error);
  g_assert_no_error (error);
  g_autoptr (GString) cr = g_string_new (field);
  g_string_append (cr, base_message);
  g_string_replace (cr, "\r\n", "\r", 0);
  g_assert_null (strchr (cr->str, '\n'));
  expect (cr->str, FCT_DKIM_RESULT_PASS, NULL);
}

static void
test_rsa_sha1 (void)
{
  /* Build an rsa-sha1 signature from the building blocks (the signer makes none). */
  g_autoptr (FctMsg) msg = parse (base_message, strlen (base_message));
  FctSlice body = fct_msg_get_body (msg);
  g_autoptr (FctDkimBodyHasher) bh
      = fct_dkim_body_hasher_new (FCT_DKIM_CANON_RELAXED, FCT_DKIM_HASH_SHA1, -1);
  guint8 d[64];
  fct_dkim_body_hasher_update (bh, body.ptr, body.len);
  gsize dl = fct_dkim_body_hasher_finish (bh, d);
  g_autofree char *bh64 = g_base64_encode (d, dl);
  g_autofree char *field
      = g_strdup_printf ("DKIM-Signature: v=1; a=rsa-sha1; c=relaxed/relaxed; "
                         "d=example.com; s=rsa; h=from:subject; bh=%s; b=",
                         bh64);
  g_autoptr (GByteArray) data = g_byte_array_new ();
  fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED,
                         fct_msg_find_header_from_bottom (msg, "from", 0)->raw, TRUE);
  fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED,
                         fct_msg_find_header_from_bottom (msg, "subject", 0)->raw, TRUE);
  fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, fct_slice_from_str (field), FALSE);
  g_autoptr (FctDkimDigest) hd = fct_dkim_digest_new (FCT_DKIM_HASH_SHA1);
  fct_dkim_digest_update (hd, data->data, data->len);
  dl = fct_dkim_digest_finish (hd, d);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) sig
      = fct_dkim_private_key_sign (rsa_key, FCT_DKIM_HASH_SHA1, d, dl, &error);
  g_assert_no_error (error);
  gsize sl = 0;
  const guint8 *sd = g_bytes_get_data (sig, &sl);
  g_autofree char *b64 = g_base64_encode (sd, sl);
  g_autofree char *text = g_strconcat (field, b64, "\r\n", base_message, NULL);
  g_autoptr (FctDkimVerifyResult) r = verify_at (text, NOW);
  /* RFC 8301 §3.1: a sound rsa-sha1 signature is not valid: "policy", never "pass". */
  g_assert_cmpint (only (r)->result, ==, FCT_DKIM_RESULT_POLICY);
  g_assert_cmpint (only (r)->risks & FCT_DKIM_RISK_WEAK_HASH, !=, 0);
  g_assert_nonnull (strstr (only (r)->reason, "RFC 8301"));
  g_assert_cmpint (fct_dkim_verify_result_summary (r), ==, FCT_DKIM_RESULT_POLICY);
  /* Broken, it fails as any other signature does. */
  g_autofree char *tampered = g_strdup (text);
  *strstr (tampered, "Quarterly") = 'q';
  g_autoptr (FctDkimVerifyResult) t = verify_at (tampered, NOW);
  g_assert_cmpint (only (t)->result, ==, FCT_DKIM_RESULT_FAIL);
}

static void
test_key_cache (void)
{
  /* A cache of one entry, two keys used in turn: every lookup misses or hits, and the
   * verdicts never change (the cache is keyed by the record, not the name). */
  g_autoptr (FctDkimKeyCache) cache = fct_dkim_key_cache_new (1);
  g_autofree char *rsa = sign_simple (base_message, rsa_key, "rsa");
  g_autofree char *ed = sign_simple (base_message, ed_key, "ed");
  g_autofree char *tampered = g_strdup (rsa);
  *strstr (tampered, "Quarterly") = 'q';
  const char *texts[] = { rsa, ed, rsa, rsa, tampered, ed, tampered };
  const FctDkimResult want[]
      = { FCT_DKIM_RESULT_PASS, FCT_DKIM_RESULT_PASS, FCT_DKIM_RESULT_PASS,
          FCT_DKIM_RESULT_PASS, FCT_DKIM_RESULT_FAIL, FCT_DKIM_RESULT_PASS,
          FCT_DKIM_RESULT_FAIL };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (FctMsg) msg = parse (texts[i], strlen (texts[i]));
      FctDkimVerifyOptions vo = { .now = NOW, .key_cache = cache };
      g_autoptr (FctDkimVerifyResult) r = fct_dkim_verify (msg, resolver, &vo);
      g_assert_cmpint (only (r)->result, ==, want[i]);
      g_assert_cmpuint (only (r)->key_bits, >, 0);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  rsa_key = load_key ("2048_testkey.key");
  ed_key = load_key ("ed25519test.key");
  rsa1024_key = load_key ("1024_testkey.key");
  short_key = make_short_key ();
  resolver = make_resolver ();

  g_test_add_func ("/dkim/verify/round-trips", test_round_trips);
  g_test_add_func ("/dkim/verify/tampering", test_tampering);
  g_test_add_func ("/dkim/verify/not-oversigned", test_not_oversigned);
  g_test_add_func ("/dkim/verify/key-records", test_key_records);
  g_test_add_func ("/dkim/verify/strict-identity", test_strict_identity);
  g_test_add_func ("/dkim/verify/key-sizes", test_key_sizes);
  g_test_add_func ("/dkim/verify/times", test_times);
  g_test_add_func ("/dkim/verify/body-length", test_body_length);
  g_test_add_func ("/dkim/verify/several-signatures", test_several_signatures);
  g_test_add_func ("/dkim/verify/streaming-chunks", test_streaming_chunks);
  g_test_add_func ("/dkim/verify/streaming-async", test_streaming_async);
  g_test_add_func ("/dkim/verify/malformed-signatures", test_malformed_signatures);
  g_test_add_func ("/dkim/verify/bad-input-bounded", test_bad_input_bounded);
  g_test_add_func ("/dkim/verify/sign-refuses", test_sign_refuses);
  g_test_add_func ("/dkim/verify/sign-lf-output", test_sign_lf_output);
  g_test_add_func ("/dkim/verify/cr-only-file", test_cr_only_verifies);
  g_test_add_func ("/dkim/verify/rsa-sha1", test_rsa_sha1);
  g_test_add_func ("/dkim/verify/junk-signatures", test_junk_signatures);
  g_test_add_func ("/dkim/verify/key-cache", test_key_cache);
  int rc = g_test_run ();
  fct_resolver_unref (resolver);
  fct_dkim_private_key_unref (rsa_key);
  fct_dkim_private_key_unref (ed_key);
  fct_dkim_private_key_unref (rsa1024_key);
  fct_dkim_private_key_unref (short_key);
  return rc;
}
