/* libFuzzer target for RDATA in wire form (fct_dns_record_from_rdata, what libunbound
 * answers are read with): the first byte picks the type, the rest is the RDATA. A
 * record that reads must print in presentation form and parse back, through the zone
 * parser, to the same record. */
#include "src/lib/dns/dns-private.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const FctDnsType types[] = {
  FCT_DNS_TYPE_A,   FCT_DNS_TYPE_NS,   FCT_DNS_TYPE_CNAME,
  FCT_DNS_TYPE_SOA, FCT_DNS_TYPE_PTR,  FCT_DNS_TYPE_MX,
  FCT_DNS_TYPE_TXT, FCT_DNS_TYPE_AAAA, FCT_DNS_TYPE_TLSA,
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  FctDnsType type = types[data[0] % G_N_ELEMENTS (types)];
  g_autoptr (FctDnsRecord) rr = fct_dns_record_from_rdata (type, 300, data + 1, size - 1);
  if (rr == NULL)
    return 0;

  g_autofree char *text = fct_dns_record_to_string (rr);
  /* The zone format has no way to write TLSA without data. */
  if (type == FCT_DNS_TYPE_TLSA && g_bytes_get_size (rr->tlsa_data) == 0)
    return 0;
  g_autofree char *line
      = g_strdup_printf ("x. 300 IN %s %s\n", fct_dns_type_to_string (type), text);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDnsZone) zone
      = fct_dns_zone_parse (line, strlen (line), "rdata", NULL, &error);
  if (zone == NULL)
    g_error ("“%s” does not parse back: %s", line, error->message);
  guint32 negative_ttl;
  g_autoptr (FctDnsAnswer) answer = fct_dns_zone_lookup (zone, "x", type, &negative_ttl);
  g_assert (answer != NULL && answer->records->len == 1);
  g_assert (fct_dns_record_equal (rr, answer->records->pdata[0]));
  return 0;
}
