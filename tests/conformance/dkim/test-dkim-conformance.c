/* DKIM conformance vectors from FCT_CONFORMANCE_DIR/dkim (see its SOURCE.md): the
 * Stalwart mail-auth messages (RFC 8463 Appendix A included), dkimpy's pre-signed
 * messages and malformed key records, dkimpy's sign-then-verify round trips, and the
 * byte-for-byte reproduction of RFC 8463's two published signatures. DNS from zone data. */
#include <facteur/dkim.h>

/* The clock of upstream's mail-auth test (SOURCE.md). */
#define MAIL_AUTH_NOW 1667843664

static char *
data_path (const char *name)
{
  /* meson test sets it; the corpus is in the repository (tests/data/dkim). */
  const char *dir = g_getenv ("FCT_CONFORMANCE_DIR");
  if (dir == NULL)
    return g_test_build_filename (G_TEST_DIST, "data", "dkim", name, NULL);
  return g_build_filename (dir, "dkim", name, NULL);
}

static char *
read_data (const char *name, gsize *len)
{
  g_autofree char *path = data_path (name);
  g_autoptr (GError) error = NULL;
  char *text = NULL;
  g_file_get_contents (path, &text, len, &error);
  g_assert_no_error (error);
  return text;
}

/* A resolver serving TXT records given as "owner record" pairs. */
static FctResolver *
resolver_for (const char *const *pairs)
{
  g_autoptr (GString) zone = g_string_new ("$TTL 300\n");
  g_autoptr (GError) error = NULL;

  for (guint i = 0; pairs[i] != NULL; i += 2)
    {
      g_autofree char *split = fct_dkim_txt_split (pairs[i + 1]);
      g_string_append_printf (zone, "%s. TXT %s\n", pairs[i], split);
    }
  FctResolver *r
      = fct_resolver_new_zone_data (zone->str, zone->len, "conformance", NULL, &error);
  g_assert_no_error (error);
  return r;
}

static FctDkimVerifyResult *
verify_bytes (const char *text, gsize len, FctResolver *resolver, gint64 now)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  FctDkimVerifyOptions vo = { .now = now };
  return fct_dkim_verify (msg, resolver, &vo);
}

static void
log_results (const FctDkimVerifyResult *r)
{
  for (guint i = 0; i < r->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (r->signatures, i);
      g_test_message ("signature %u d=%s s=%s a=%s: %s (%s)", i, s->domain, s->selector,
                      s->algorithm, fct_dkim_result_to_string (s->result), s->reason);
    }
}

/* mail-auth/NNN.txt: key lines, an empty line, the message with LF line ends. */
static void
test_mail_auth (gconstpointer data)
{
  const char *name = data;
  gsize len = 0;
  g_autofree char *text = read_data (name, &len);
  const char *sep = strstr (text, "\n\n");
  g_assert_nonnull (sep);
  g_autofree char *keys = g_strndup (text, (gsize)(sep - text));
  g_auto (GStrv) lines = g_strsplit (keys, "\n", -1);
  g_autoptr (GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *space = strchr (lines[i], ' ');
      g_assert_nonnull (space);
      g_ptr_array_add (pairs, g_strndup (lines[i], (gsize)(space - lines[i])));
      g_ptr_array_add (pairs, g_strdup (space + 1));
    }
  g_ptr_array_add (pairs, NULL);
  g_autoptr (FctResolver) resolver = resolver_for ((const char *const *)pairs->pdata);

  const char *msg = sep + 2;
  g_autoptr (FctDkimVerifyResult) r
      = verify_bytes (msg, len - (gsize)(msg - text), resolver, MAIL_AUTH_NOW);
  log_results (r);
  /* Upstream checks the last signature; every one in these files is valid (SOURCE.md). */
  g_assert_cmpuint (r->signatures->len, >, 0);
  for (guint i = 0; i < r->signatures->len; i++)
    g_assert_cmpint (((FctDkimSignatureResult *)r->signatures->pdata[i])->result, ==,
                     FCT_DKIM_RESULT_PASS);
}

static char *
record_from_file (const char *name)
{
  gsize len = 0;
  char *text = read_data (name, &len);
  return g_strstrip (text);
}

typedef struct
{
  const char *message;
  const char *owners[3];
  const char *records[3]; /* file names, or inline records starting with "k=" / "v=" */
  FctDkimResult want[3];  /* per signature, in message order */
  guint count;
} PresignedCase;

static const char gmail_record[]
    = "k=rsa; "
      "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1Kd87/UeJjenpabgbFwh+eBCsSTrqmwIYY"
      "vywlbhbqoo2DymndFkbjOVIPIldNs/"
      "m40KF+yzMn1skyoxcTUGCQs8g3FgD2Ap3ZB5DekAo5wMmk4wimDO+U8"
      "QzI3SD07y2+07wlNWwIt8svnxgdxGkVbbhzY8i+RQ9DpSVpPbF7ykQxtKXkv/"
      "ahW3KjViiAH+ghvvIhkx4xYSI"
      "c9oSwVmAl5OctMEeWUwg8Istjqz8BZeTWbf41fbNhte7Y+YqZOwq1Sd0DbvYAD9NOZK9vlfuac0598HY+"
      "vtSB"
      "czUiKERHv1yRbcaQtZFh5wtiRrN04BLUTD21MycBX5jYchHjPY/wIDAQAB";
static const char brisbane_record[]
    = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

static const PresignedCase presigned[] = {
  { "rfc6376.signed.msg",
    { "brisbane._domainkey.football.example.com", "test._domainkey.football.example.com" },
    { brisbane_record, "test.txt" },
    { FCT_DKIM_RESULT_PASS, FCT_DKIM_RESULT_PASS },
    2 },
  { "rfc6376.signed.rsa.msg",
    { "test._domainkey.football.example.com" },
    { "test.txt" },
    { FCT_DKIM_RESULT_PASS },
    1 },
  { "rfc6376.signed.rsa.msg",
    { "test._domainkey.football.example.com" },
    { "test2.txt" },
    { FCT_DKIM_RESULT_PASS },
    1 },
  { "rfc6376.signed.rsa.msg",
    { "test._domainkey.football.example.com" },
    { "test_bad.txt" },
    { FCT_DKIM_RESULT_PERMERROR },
    1 },
  { "rfc6376.signed.rsa.msg",
    { "test._domainkey.football.example.com" },
    { "badversion.txt" },
    { FCT_DKIM_RESULT_PERMERROR },
    1 },
  { "rfc6376.signed.rsa.msg",
    { "test._domainkey.football.example.com" },
    { "badk.txt" },
    { FCT_DKIM_RESULT_PERMERROR },
    1 },
  { "rfc6376.signed.rsa.msg",
    { "test._domainkey.football.example.com" },
    { "test_tlsrpt.txt" },
    { FCT_DKIM_RESULT_PERMERROR },
    1 },
  { "test2.message",
    { "20120113._domainkey.gmail.com" },
    { gmail_record },
    { FCT_DKIM_RESULT_PASS },
    1 },
  { "ed25519test2.msg",
    { "sed._domainkey.test.ex" },
    { "eximtest.dns" },
    { FCT_DKIM_RESULT_PASS },
    1 },
  { "test.message.baddomain",
    { "test._domainkey.example.com" },
    { "test.txt" },
    { FCT_DKIM_RESULT_PERMERROR },
    1 },
};

static void
test_presigned (gconstpointer data)
{
  const PresignedCase *c = data;
  const char *pairs[7] = { NULL };
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 3 && c->owners[i] != NULL; i++)
    {
      pairs[2 * i] = c->owners[i];
      if (g_str_has_prefix (c->records[i], "v=") || g_str_has_prefix (c->records[i], "k="))
        pairs[2 * i + 1] = c->records[i];
      else
        {
          char *rec = record_from_file (c->records[i]);
          g_ptr_array_add (owned, rec);
          pairs[2 * i + 1] = rec;
        }
    }
  g_autoptr (FctResolver) resolver = resolver_for (pairs);
  gsize len = 0;
  g_autofree char *text = read_data (c->message, &len);
  /* The dkimpy messages carry no x=; any clock after their t= will do. */
  g_autoptr (FctDkimVerifyResult) r = verify_bytes (text, len, resolver, 1700000000);
  log_results (r);
  g_assert_cmpuint (r->signatures->len, ==, c->count);
  for (guint i = 0; i < c->count; i++)
    g_assert_cmpstr (fct_dkim_result_to_string (
                         ((FctDkimSignatureResult *)r->signatures->pdata[i])->result),
                     ==, fct_dkim_result_to_string (c->want[i]));
}

/* dkimpy's round trips: sign a file with a key, verify with the matching record. */
typedef struct
{
  const char *message;
  const char *key;
  const char *record;
  gboolean all_headers; /* sign every field, as dkimpy's message.mbox test does */
} RoundTrip;

static const RoundTrip round_trips[] = {
  { "test.message", "test.private", "test.txt", FALSE },
  { "test.message", "2048_testkey.key", "2048_testkey_wo_markers.pub.txt", FALSE },
  { "test.message", "2048_testkey.key", "2048_testkey_wo_markers.pub.rsa.txt", FALSE },
  { "test.message", "2048_testkey_PKCS8.key", "2048_testkey_PKCS8.key.pub.txt", FALSE },
  { "test.message", "1024_testkey.key", "1024_testkey_wo_markers.pub.rsa.txt", FALSE },
  { "ed25519test.msg", "ed25519test.key", "ed25519test.dns", FALSE },
  { "message.mbox", "test.private", "test.txt", TRUE },
  { "test_extra.message", "test.private", "test.txt", TRUE },
  { "rfc6376.w1258.msg", "test.private", "test.txt", FALSE },
  { "rfc6376.msg", "rfc8032_7_1.key", NULL, FALSE },
};

static void
test_round_trip (gconstpointer data)
{
  const RoundTrip *c = data;
  const FctDkimCanon canons[] = { FCT_DKIM_CANON_SIMPLE, FCT_DKIM_CANON_RELAXED };
  g_autofree char *key_path = data_path (c->key);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key = fct_dkim_private_key_load (key_path, &error);
  g_assert_no_error (error);
  g_autofree char *record
      = c->record != NULL ? record_from_file (c->record) : g_strdup (brisbane_record);
  const char *pairs[] = { "sel._domainkey.example.com", record, NULL };
  g_autoptr (FctResolver) resolver = resolver_for (pairs);
  gsize len = 0;
  g_autofree char *text = read_data (c->message, &len);
  g_autoptr (GBytes) bytes = g_bytes_new (text, len);
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);

  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    g_ptr_array_add (all, fct_slice_dup (fct_msg_get_header (msg, i)->name));
  g_ptr_array_add (all, NULL);

  for (guint h = 0; h < 2; h++)
    for (guint b = 0; b < 2; b++)
      {
        FctDkimSignOptions o;
        fct_dkim_sign_options_init (&o);
        o.domain = "example.com";
        o.selector = "sel";
        o.key = key;
        o.header_canon = canons[h];
        o.body_canon = canons[b];
        o.timestamp = 1700000000;
        if (c->all_headers)
          o.headers = (const char *const *)all->pdata;
        g_autofree char *field = fct_dkim_sign (msg, &o, &error);
        g_assert_no_error (error);
        /* Prepend to the normalised bytes: the verifier sees what the signer saw. */
        gsize mlen = 0;
        const char *mdata = g_bytes_get_data (fct_msg_get_bytes (msg), &mlen);
        g_autoptr (GString) signed_text = g_string_new (field);
        g_string_append_len (signed_text, mdata, (gssize)mlen);
        g_autoptr (FctDkimVerifyResult) r
            = verify_bytes (signed_text->str, signed_text->len, resolver, 1700000000);
        log_results (r);
        /* Ours is the first; message.mbox carries an older one of its own. */
        g_assert_cmpuint (r->signatures->len, >=, 1);
        g_assert_cmpint (((FctDkimSignatureResult *)r->signatures->pdata[0])->result, ==,
                         FCT_DKIM_RESULT_PASS);
      }
}

static void
test_no_from_refused (void)
{
  gsize len = 0;
  g_autofree char *text = read_data ("test_nofrom.message", &len);
  g_autoptr (GBytes) bytes = g_bytes_new (text, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *key_path = data_path ("test.private");
  g_autoptr (FctDkimPrivateKey) key = fct_dkim_private_key_load (key_path, &error);
  g_assert_no_error (error);
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "example.com";
  o.selector = "test";
  o.key = key;
  g_autofree char *field = fct_dkim_sign (msg, &o, &error);
  g_assert_null (field);
  g_assert_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_NO_FROM);
}

/* Strips every FWS byte, to compare b= and bh= values across foldings. */
static char *
unfold_value (const char *s)
{
  GString *out = g_string_new (NULL);
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      g_string_append_c (out, *s);
  return g_string_free (out, FALSE);
}

static char *
tag_value (const char *field, const char *name)
{
  g_autoptr (GArray) tags = g_array_new (FALSE, FALSE, sizeof (FctDkimTag));
  const char *reason = NULL;
  const char *colon = strchr (field, ':');
  g_assert_true (fct_dkim_tags_parse (fct_slice_from_str (colon + 1), 64, tags, &reason));
  const FctDkimTag *t = fct_dkim_tags_find (tags, name);
  g_assert_nonnull (t);
  g_autofree char *v = fct_slice_dup (t->value);
  return unfold_value (v);
}

/* RFC 8463 Appendix A: sign the A.1 message with A.1's keys and A.2's tags; the output
 * must equal A.3's signatures (Ed25519 and RSA PKCS#1 v1.5 are deterministic). */
static void
test_rfc8463_reproduction (gconstpointer data)
{
  const char *algorithm = data;
  gboolean ed = g_str_equal (algorithm, "ed25519-sha256");
  gsize len = 0;
  g_autofree char *text = read_data ("mail-auth/001.txt", &len);
  const char *msg_start = strstr (text, "\n\n") + 2;
  g_autoptr (GBytes) bytes = g_bytes_new (msg_start, len - (gsize)(msg_start - text));
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) signed_msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);

  /* The published field, and the message without either signature. */
  const FctMsgHeader *published
      = fct_msg_find_header (signed_msg, "DKIM-Signature", ed ? 0 : 1);
  g_autofree char *published_text = fct_slice_dup (published->raw);
  g_autoptr (GString) unsigned_text = g_string_new (NULL);
  for (guint i = 0; i < fct_msg_get_header_count (signed_msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (signed_msg, i);
      if (fct_slice_equal_str_nocase (h->name, "DKIM-Signature"))
        continue;
      g_string_append_len (unsigned_text, (const char *)h->raw.ptr, (gssize)h->raw.len);
      g_string_append (unsigned_text, "\r\n");
    }
  FctSlice body = fct_msg_get_body (signed_msg);
  g_string_append (unsigned_text, "\r\n");
  g_string_append_len (unsigned_text, (const char *)body.ptr, (gssize)body.len);
  g_autoptr (GBytes) ubytes = g_bytes_new (unsigned_text->str, unsigned_text->len);
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (ubytes, NULL, &error);
  g_assert_no_error (error);

  g_autofree char *key_path = data_path (ed ? "rfc8032_7_1.key" : "test.private");
  g_autoptr (FctDkimPrivateKey) key = fct_dkim_private_key_load (key_path, &error);
  g_assert_no_error (error);
  static const char *const headers[]
      = { "from", "to", "subject", "date", "message-id", "from", "subject", "date", NULL };
  FctDkimSignOptions o;
  fct_dkim_sign_options_init (&o);
  o.domain = "football.example.com";
  o.selector = ed ? "brisbane" : "test";
  o.identity = "@football.example.com";
  o.query_tag = TRUE;
  o.timestamp = 1528637909;
  o.headers = headers;
  o.spaced_header_list = TRUE;
  o.key = key;
  g_autofree char *field = fct_dkim_sign (msg, &o, &error);
  g_assert_no_error (error);
  g_test_message ("ours:\n%s", field);

  g_autofree char *b_ours = tag_value (field, "b");
  g_autofree char *b_pub = tag_value (published_text, "b");
  g_autofree char *bh_ours = tag_value (field, "bh");
  g_autofree char *bh_pub = tag_value (published_text, "bh");
  g_assert_cmpstr (bh_ours, ==, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  g_assert_cmpstr (bh_ours, ==, bh_pub);
  g_assert_cmpstr (b_ours, ==, b_pub);

  /* The whole field matches too, up to folding (relaxed form, what was signed). */
  g_autoptr (GByteArray) ours_c = g_byte_array_new ();
  g_autoptr (GByteArray) pub_c = g_byte_array_new ();
  g_autofree char *field_no_crlf = g_strndup (field, strlen (field) - 2);
  fct_dkim_canon_header (ours_c, FCT_DKIM_CANON_RELAXED, fct_slice_from_str (field_no_crlf),
                         FALSE);
  fct_dkim_canon_header (pub_c, FCT_DKIM_CANON_RELAXED, published->raw, FALSE);
  g_autofree char *oc_raw = g_strndup ((char *)ours_c->data, ours_c->len);
  g_autofree char *pc_raw = g_strndup ((char *)pub_c->data, pub_c->len);
  g_autofree char *oc = unfold_value (oc_raw);
  g_autofree char *pc = unfold_value (pc_raw);
  g_assert_cmpstr (oc, ==, pc);
}

int
main (int argc, char **argv)
{
  static const char *const mail_auth[]
      = { "mail-auth/001.txt", "mail-auth/002.txt", "mail-auth/003.txt",
          "mail-auth/004.txt", "mail-auth/005.txt", "mail-auth/006.txt" };
  static const char *const presigned_names[]
      = { "rfc6376.signed.msg/both-pass",
          "rfc6376.signed.rsa.msg/test.txt-pass",
          "rfc6376.signed.rsa.msg/test2.txt-no-k-pass",
          "rfc6376.signed.rsa.msg/test_bad.txt-fails",
          "rfc6376.signed.rsa.msg/badversion.txt-fails",
          "rfc6376.signed.rsa.msg/badk.txt-fails",
          "rfc6376.signed.rsa.msg/test_tlsrpt.txt-fails",
          "test2.message/gmail-pass",
          "ed25519test2.msg/exim-pass",
          "test.message.baddomain/fails" };

  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (mail_auth); i++)
    {
      g_autofree char *path = g_strdup_printf ("/dkim/conformance/%s", mail_auth[i]);
      g_test_add_data_func (path, mail_auth[i], test_mail_auth);
    }
  G_STATIC_ASSERT (G_N_ELEMENTS (presigned_names) == G_N_ELEMENTS (presigned));
  for (gsize i = 0; i < G_N_ELEMENTS (presigned); i++)
    {
      g_autofree char *path
          = g_strdup_printf ("/dkim/conformance/dkimpy/%s", presigned_names[i]);
      g_test_add_data_func (path, &presigned[i], test_presigned);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (round_trips); i++)
    {
      g_autofree char *path = g_strdup_printf (
          "/dkim/conformance/dkimpy/sign-verify/%s/%s/%s", round_trips[i].message,
          round_trips[i].key,
          round_trips[i].record != NULL ? round_trips[i].record : "brisbane");
      g_test_add_data_func (path, &round_trips[i], test_round_trip);
    }
  g_test_add_func ("/dkim/conformance/dkimpy/test_nofrom.message/sign-refused",
                   test_no_from_refused);
  g_test_add_data_func ("/dkim/conformance/rfc8463/ed25519-sha256", "ed25519-sha256",
                        test_rfc8463_reproduction);
  g_test_add_data_func ("/dkim/conformance/rfc8463/rsa-sha256", "rsa-sha256",
                        test_rfc8463_reproduction);
  return g_test_run ();
}
