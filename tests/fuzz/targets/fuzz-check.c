/* libFuzzer target for the whole check (src/lib/check): the input is parsed as a message
 * and checked end to end — SPF, DKIM, DMARC, ARC, the content analysis, headers, size,
 * bulk and blocklists — with every DNS answer from a zone in memory (no network) and a
 * fixed clock. Checks that a report comes back, its score is in [0, 10] and equals the
 * score of its findings, and the Authentication-Results value has no line break. */
#include <facteur/check.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char zone[]
    = "example.com. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
      "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
      /* The keys of tests/unit/check/data (keys.zone): the signed seeds verify. */
      "s2048._domainkey.example.com. TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEF"
      "AAOCAQ8AMIIBCgKCAQEA0/l0b/M8gTOzCvUx1uEZvWhIAaNc4isyyFHvuhh8X2B3xB0S6KNrqQY9ZG"
      "OR5il+7iFinsEAfR3zYR2iMze9L3n7LucKbBOBaj39vjgHhtOioBb3RoGMtzB2XjYKkmBTzsSDcBlf"
      "+uL+h4UBNunBHoGS9GYZAqfEKWvs/XmrX+8k4TP5aUQZqp4RQ5a2IkcwP\" \"2SFu2uviraAp8vLu"
      "7bf3TX2OrHn4mZrwdHMcyn9Lkg1UrOHaeB5ZVCxAO9XMAaEzx+zY7JYVKiVAIDt4uAPhcRpWuE7FHK"
      "aJoiw+Sw/7sp+g1V/iwtntGvOEoj8ToPkLAHB9fPx5cMCu+PrevjMMQIDAQAB\"\n"
      "s1024._domainkey.example.com. TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUA"
      "A4GNADCBiQKBgQC7rZogViWW/vaqOrEg0js3Rzie/2C2Z17LCd+R8wqFBsfckTMMn8DaGFxHsAr9Ht"
      "aqWZqrQ0UWbEiIn0zM9fVVRzRnickLVmoABxKPSbtvZLt08ZigMUbu3hUVKEtm/V1zTiTFwj138IxE"
      "zL4ZlWkG0OFOu1il2QcJZQRBMnk6VwIDAQAB\"\n"
      "1.2.0.192.zen.spamhaus.org. A 127.0.0.2\n"
      "bad.example.dbl.spamhaus.org. A 127.0.1.4\n"
      "evil.example.multi.surbl.org. A 127.0.0.88\n";

static FctResolver *
resolver_get (void)
{
  static FctResolver *resolver;
  static FctLimits limits;

  if (resolver == NULL)
    {
      g_autoptr (GError) error = NULL;
      fct_limits_init (&limits);
      limits.dns_timeout_ms = 10;
      resolver
          = fct_resolver_new_zone_data (zone, strlen (zone), "fuzz.zone", &limits, &error);
      g_assert_no_error (error);
    }
  return resolver;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (FctMsg) msg = NULL;
  g_autoptr (FctCheckReport) report = NULL;
  g_autoptr (GError) error = NULL;
  static const char *const protect[] = { "example.com", NULL };
  FctCheckOptions options = {
    .ip = "192.0.2.1",
    .helo = "mail.example.com",
    .protected_domains = protect,
    .now = 1800000000,
  };

  msg = fct_msg_new_from_bytes (bytes, NULL, NULL);
  if (msg == NULL)
    return 0;
  report = fct_check (msg, resolver_get (), &options, &error);
  if (report == NULL)
    {
      /* Only the analysis may refuse a message it cannot parse at all. */
      g_assert (error != NULL);
      return 0;
    }
  g_assert (report->score >= 0.0 && report->score <= 10.0);
  g_assert (report->score == fct_findings_score (report->findings));
  g_assert (strchr (report->authentication_results, '\n') == NULL);
  g_assert (strchr (report->authentication_results, '\r') == NULL);
  for (guint i = 0; i < fct_findings_get_count (report->findings); i++)
    g_assert (fct_findings_get (report->findings, i)->weight != NULL);
  return 0;
}
