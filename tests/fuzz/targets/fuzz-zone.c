/* libFuzzer target for the zone-file parser (src/lib/dns/zone.c): parses the input
 * with tight limits, then queries every owner name for every type and checks that
 * answers are consistent and that each record, printed in presentation form, parses
 * back to the same record. Also round-trips the input's first line as a name. */
#include "src/lib/dns/dns-private.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const FctDnsType types[] = {
  FCT_DNS_TYPE_A,   FCT_DNS_TYPE_NS,   FCT_DNS_TYPE_CNAME,
  FCT_DNS_TYPE_SOA, FCT_DNS_TYPE_PTR,  FCT_DNS_TYPE_MX,
  FCT_DNS_TYPE_TXT, FCT_DNS_TYPE_AAAA, FCT_DNS_TYPE_TLSA,
};

/* A record printed and parsed again is the same record. Read back with the default
 * limits, not the fuzzer's smaller ones: a record parsed from a short line may print
 * four times longer (a byte outside ASCII as \DDD), and the default line limit is set
 * to hold any record's printed form (FctLimits.dns_zone_line_max_bytes). */
static void
check_round_trip (const FctDnsRecord *rr)
{
  const FctLimits *limits = fct_limits_default ();
  g_autofree char *data = fct_dns_record_to_string (rr);
  g_autofree char *line = g_strdup_printf ("x. %u IN %s %s\n", rr->ttl,
                                           fct_dns_type_to_string (rr->type), data);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDnsZone) again
      = fct_dns_zone_parse (line, strlen (line), "again", limits, &error);
  guint32 negative_ttl;

  if (again == NULL)
    g_error ("“%s” does not parse back: %s", line, error->message);
  g_autoptr (FctDnsAnswer) answer
      = fct_dns_zone_lookup (again, "x", rr->type, &negative_ttl);
  g_assert (answer != NULL && answer->records->len == 1);
  g_assert (fct_dns_record_equal (rr, answer->records->pdata[0]));
}

static void
check_answer (const FctDnsAnswer *answer, const char *name, FctDnsType type)
{
  g_assert (strcmp (answer->qname, name) == 0);
  g_assert (answer->qtype == type);
  g_assert (answer->canonical_name != NULL);
  if (answer->rcode != FCT_DNS_RCODE_NOERROR)
    g_assert (answer->records->len == 0);
  for (guint i = 0; i < answer->records->len; i++)
    {
      const FctDnsRecord *rr = answer->records->pdata[i];
      g_assert (rr->type == type);
      check_round_trip (rr);
    }
}

static void
check_name (const uint8_t *data, size_t size)
{
  const uint8_t *nl = memchr (data, '\n', size);
  gsize len = nl != NULL ? (gsize)(nl - data) : size;
  FctDnsName name, again;

  if (fct_dns_name_parse ((const char *)data, len, &name, NULL) != FCT_DNS_NAME_OK)
    return;
  g_autofree char *text = fct_dns_name_to_string (&name);
  g_assert (fct_dns_name_parse (text, strlen (text), &again, NULL) == FCT_DNS_NAME_OK);
  g_assert (again.len == name.len && memcmp (again.data, name.data, name.len) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FctLimits limits;
  g_autoptr (GError) error = NULL;

  fct_limits_init (&limits);
  limits.dns_zone_max_bytes = 1 << 20;
  limits.dns_zone_line_max_bytes = 4096;
  limits.dns_zone_records_max = 2000;

  check_name (data, size);
  g_autoptr (FctDnsZone) zone
      = fct_dns_zone_parse ((const char *)data, size, "fuzz", &limits, &error);
  if (zone == NULL)
    {
      g_assert (error != NULL && error->domain == FCT_DNS_ERROR);
      return 0;
    }
  g_assert (error == NULL);

  g_autoptr (GPtrArray) names = fct_dns_zone_list_names (zone);
  for (guint i = 0; i < names->len && i < 64; i++)
    for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
      {
        const char *name = names->pdata[i];
        guint32 negative_ttl = 0;
        g_autoptr (FctDnsAnswer) answer
            = fct_dns_zone_lookup (zone, name, types[t], &negative_ttl);
        if (answer != NULL)
          check_answer (answer, name, types[t]);
      }
  return 0;
}
