/* libFuzzer target: a whole message through the ARC validator (RFC 8617 §5.2: set
 * collection, structure, AMS and AS verification with keys from zone data) and, when it
 * parses, through the sealer (§5.1: AAR consolidation, AMS, AS). */
#include <facteur/arc.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static FctResolver *resolver;
static FctDkimPrivateKey *key;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* The ValiMail suite's example.org key, and an Ed25519 key for the fuzzer's seals. */
  static const char zone[]
      = "dummy._domainkey.example.org. TXT \"v=DKIM1; k=rsa; "
        "p="
        "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdO"
        "Kb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hs"
        "tT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\"\n"
        "ed._domainkey.example.org. TXT \"v=DKIM1; k=ed25519; "
        "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n";
  /* RFC 8463 Appendix A's Ed25519 seed (its public key is in the zone above). */
  static const char seed[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

  if (resolver == NULL)
    {
      resolver = fct_resolver_new_zone_data (zone, sizeof zone - 1, "fuzz", NULL, NULL);
      key = fct_dkim_private_key_new_from_data (seed, sizeof seed - 1, NULL);
      g_assert (resolver != NULL && key != NULL);
    }
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (bytes, NULL, NULL);
  if (msg == NULL)
    return 0;
  FctArcVerifyOptions vo = { .now = 1700000000 };
  g_autoptr (FctArcVerifyResult) r = fct_arc_verify (msg, resolver, &vo);
  g_assert (r != NULL && r->reason != NULL);
  g_assert (r->instances <= 50);
  FctArcSealOptions so = { .domain = "example.org",
                           .selector = "ed",
                           .key = key,
                           .authserv_id = "fuzz.example.org",
                           .results = "arc=pass",
                           .timestamp = 1700000000 };
  g_autoptr (GError) error = NULL;
  g_autoptr (FctArcSealResult) s = fct_arc_seal (msg, r, &so, &error);
  g_assert (s != NULL || error != NULL);
  return 0;
}
