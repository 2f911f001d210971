/* libFuzzer target: the SPF evaluator (RFC 7208 §4-§6) end to end. The input is the
 * record of fuzz.test, served with a few fixed names by the zone-file back end; the check
 * must end with a verdict whose counters respect the limits. */
#include <facteur/spf.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char fixed[] = "$TTL 300\n"
                            "a.fuzz.test. A 192.0.2.1\n"
                            "a.fuzz.test. AAAA 2001:db8::1\n"
                            "fuzz.test. MX 10 a.fuzz.test.\n"
                            "fuzz.test. A 192.0.2.2\n"
                            "1.2.0.192.in-addr.arpa. PTR a.fuzz.test.\n"
                            "inc.fuzz.test. TXT \"v=spf1 a:a.fuzz.test ~all\"\n"
                            "loop.fuzz.test. TXT \"v=spf1 include:fuzz.test -all\"\n"
                            "exp.fuzz.test. TXT \"%{i} %{s} %{c} %{p} %{r}\"\n";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.dns_timeout_ms = 10;
  if (size > limits.spf_record_max_bytes + 16)
    return 0;

  /* The record as TXT strings of at most 255 bytes, every byte as \DDD. */
  g_autoptr (GString) zone = g_string_new (fixed);
  g_string_append (zone, "fuzz.test. TXT");
  for (size_t off = 0; off == 0 || off < size; off += 255)
    {
      g_string_append (zone, " \"");
      for (size_t i = off; i < size && i < off + 255; i++)
        g_string_append_printf (zone, "\\%03u", data[i]);
      g_string_append_c (zone, '"');
    }
  g_string_append_c (zone, '\n');

  g_autoptr (GError) error = NULL;
  g_autoptr (FctResolver) resolver
      = fct_resolver_new_zone_data (zone->str, zone->len, "fuzz", &limits, &error);
  g_assert_no_error (error);
  static const char *ips[] = { "192.0.2.1", "2001:db8::1" };
  for (gsize k = 0; k < G_N_ELEMENTS (ips); k++)
    {
      FctSpfRequest request = {
        .ip = ips[k],
        .mail_from = "user@fuzz.test",
        .helo = "a.fuzz.test",
        .now = 1,
      };
      g_autoptr (FctSpfVerdict) v = fct_spf_check (resolver, &limits, &request, &error);
      g_assert_no_error (error);
      g_assert_nonnull (v);
      g_assert_cmpuint (v->dns_lookups, <=, limits.spf_dns_mechanisms_max + 1);
      g_assert_cmpuint (v->void_lookups, <=, limits.spf_void_lookups_max + 1);
      g_assert_true (v->result != FCT_SPF_RESULT_FAIL || v->explanation != NULL);
      for (guint i = 0; i < v->trace->len; i++)
        g_free (fct_spf_trace_step_to_string (g_ptr_array_index (v->trace, i)));
    }
  return 0;
}
