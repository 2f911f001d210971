/* libFuzzer target: a DKIM-Signature field value (RFC 6376 §3.5) through the whole
 * verifier — tag parsing, h= selection, header canonicalization, key lookup from zone
 * data, signature check. */
#include <facteur/dkim.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static FctResolver *resolver;

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void)source;
  *(FctDkimVerifyResult **)user_data = fct_dkim_verify_finish (res, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char zone[]
      = "sel._domainkey.example.com. TXT \"v=DKIM1; k=ed25519; "
        "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
        "rsa._domainkey.example.com. TXT \"v=DKIM1; "
        "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDk"
        "HlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/"
        "byYzCNb3W91y3FutACDfzwQ"
        "/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/"
        "K4w"
        "3QIDAQAB\"\n";
  FctDkimVerifyResult *result = NULL;

  if (resolver == NULL)
    resolver = fct_resolver_new_zone_data (zone, sizeof zone - 1, "fuzz", NULL, NULL);
  g_autoptr (GByteArray) field = g_byte_array_new ();
  g_byte_array_append (field, (const guint8 *)"DKIM-Signature:", 15);
  g_byte_array_append (field, data, (guint)size);
  FctDkimVerifyOptions vo = { .now = 1700000000 };
  g_autoptr (FctDkimVerifier) v = fct_dkim_verifier_new (resolver, &vo);
  fct_dkim_verifier_header (v, "From: a@example.com", 19);
  fct_dkim_verifier_header (v, field->data, field->len);
  fct_dkim_verifier_header (v, "Subject: x", 10);
  fct_dkim_verifier_eoh (v);
  fct_dkim_verifier_body (v, "body\r\n", 6);
  fct_dkim_verifier_eom_async (v, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert (result->signatures->len == 1);
  fct_dkim_verify_result_free (result);
  return 0;
}
