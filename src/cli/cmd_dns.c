/* facteur dns — one DNS query through the same resolver every other command uses, for
 * checking a zone file or a server before trusting a verdict built on it. */
#include "cli.h"

static JsonNode *
answer_to_json (const FctDnsAnswer *answer)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, answer->qname);
  fct_cli_json_add_string (b, "type", fct_dns_type_to_string (answer->qtype));
  fct_cli_json_add_string (b, "rcode", fct_dns_rcode_to_string (answer->rcode));
  fct_cli_json_add_string (b, "dnssec", fct_dnssec_status_to_string (answer->dnssec));
  json_builder_set_member_name (b, "canonical_name");
  json_builder_add_string_value (b, answer->canonical_name);
  if (answer->reason != NULL)
    fct_cli_json_add_string (b, "reason", answer->reason);
  json_builder_set_member_name (b, "records");
  json_builder_begin_array (b);
  for (guint i = 0; answer->records != NULL && i < answer->records->len; i++)
    {
      const FctDnsRecord *rr = g_ptr_array_index (answer->records, i);
      g_autofree char *data = fct_dns_record_to_string (rr);

      json_builder_begin_object (b);
      fct_cli_json_add_string (b, "type", fct_dns_type_to_string (rr->type));
      fct_cli_json_add_int (b, "ttl", rr->ttl);
      json_builder_set_member_name (b, "data");
      json_builder_add_string_value (b, data);
      if (rr->type == FCT_DNS_TYPE_TXT)
        {
          /* The separate character-strings, which SPF and DKIM join. */
          json_builder_set_member_name (b, "strings");
          json_builder_begin_array (b);
          for (guint j = 0; j < rr->txt->len; j++)
            {
              gsize len = 0;
              const char *s = g_bytes_get_data (g_ptr_array_index (rr->txt, j), &len);
              g_autofree char *valid = g_utf8_make_valid (s != NULL ? s : "", len);
              json_builder_add_string_value (b, valid);
            }
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_text (const FctDnsAnswer *answer)
{
  g_print ("%s %s: %s", answer->qname, fct_dns_type_to_string (answer->qtype),
           fct_dns_rcode_to_string (answer->rcode));
  if (answer->rcode == FCT_DNS_RCODE_NOERROR
      && (answer->records == NULL || answer->records->len == 0))
    g_print (" (%s)", _ ("no record of this type: NODATA"));
  g_print (", DNSSEC %s\n", fct_dnssec_status_to_string (answer->dnssec));
  if (answer->reason != NULL)
    g_print ("  %s\n", answer->reason);
  if (g_strcmp0 (answer->canonical_name, answer->qname) != 0)
    g_print ("  %s %s\n", _ ("alias of"), answer->canonical_name);
  for (guint i = 0; answer->records != NULL && i < answer->records->len; i++)
    {
      const FctDnsRecord *rr = g_ptr_array_index (answer->records, i);
      g_autofree char *data = fct_dns_record_to_string (rr);
      g_print ("  %-5s %6u  %s\n", fct_dns_type_to_string (rr->type), rr->ttl, data);
    }
}

int
fct_cmd_dns (int argc, char **argv)
{
  static const char *summary = N_ ("Query DNS as facteur sees it (debugging). TYPE is one "
                                   "of A, AAAA, MX, TXT, PTR, CNAME, NS, TLSA.");
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  g_autoptr (GError) error = NULL;
  FctDnsType type;
  int status;

  if (!fct_cli_parse ("dns", _ ("NAME TYPE"), summary, NULL, &common, &argc, &argv, &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }
  if (argc != 3)
    status = fct_cli_usage_error ("dns", usage, "%s", _ ("expected a name and a type"));
  else if (!fct_dns_type_from_string (argv[2], &type))
    status = fct_cli_usage_error ("dns", usage, _ ("unknown record type “%s”"), argv[2]);
  else
    {
      g_autoptr (FctResolver) resolver = fct_cli_make_resolver (&common, &error);
      if (resolver == NULL)
        status = fct_cli_report_error (error);
      else
        {
          g_autoptr (FctDnsAnswer) answer = fct_resolver_query (resolver, argv[1], type);
          if (common.json)
            {
              g_autoptr (JsonNode) node = answer_to_json (answer);
              fct_cli_print_json (node);
            }
          else
            print_text (answer);
          /* A query that got no answer at all means DNS was unavailable (exit 69);
           * a name that cannot be queried is bad input (65); NXDOMAIN and NODATA are
           * answers. */
          if (answer->rcode == FCT_DNS_RCODE_TIMEOUT
              || answer->rcode == FCT_DNS_RCODE_SERVFAIL)
            status = FCT_EXIT_UNAVAILABLE;
          else if (answer->rcode == FCT_DNS_RCODE_BADNAME)
            status = FCT_EXIT_DATAERR;
          else
            status = FCT_EXIT_OK;
        }
    }
  fct_cli_common_clear (&common);
  return status;
}
