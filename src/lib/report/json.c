/* facteur — the JSON objects of `facteur check --json` and `facteur domain --json`
 * (include/facteur/report.h), moved here from the command line so that `facteur serve`
 * stores and serves the very same objects. */
#include <facteur/report.h>

static void
add_string_member (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_double (JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, value);
}

static void
probe_to_json (JsonBuilder *b, const FctAuditTlsProbe *p)
{
  json_builder_begin_object (b);
  add_string_member (b, "ip", p->ip);
  add_string_member (b, "banner", p->banner);
  json_builder_set_member_name (b, "starttls");
  json_builder_add_boolean_value (b, p->starttls);
  json_builder_set_member_name (b, "tls");
  json_builder_add_boolean_value (b, p->tls);
  add_string_member (b, "tls_version", p->tls_version);
  if (p->tls)
    {
      json_builder_set_member_name (b, "certificate");
      json_builder_begin_object (b);
      add_string_member (b, "subject", p->cert_subject);
      json_builder_set_member_name (b, "trusted");
      json_builder_add_boolean_value (b, p->cert_trusted);
      add_string_member (b, "verify_error", p->cert_verify_error);
      json_builder_set_member_name (b, "name_match");
      json_builder_add_boolean_value (b, p->cert_name_ok);
      json_builder_set_member_name (b, "expired");
      json_builder_add_boolean_value (b, p->cert_expired);
      json_builder_set_member_name (b, "not_after");
      json_builder_add_int_value (b, p->cert_not_after);
      json_builder_end_object (b);
    }
  if (p->error != NULL || p->tls_error != NULL)
    add_string_member (b, "error", p->error != NULL ? p->error : p->tls_error);
  json_builder_end_object (b);
}

JsonNode *
fct_report_audit_to_json (const FctAuditReport *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string_member (b, "domain", r->domain);
  json_builder_set_member_name (b, "audited");
  json_builder_add_boolean_value (b, r->audited);
  json_builder_set_member_name (b, "score");
  json_builder_add_double_value (b, r->score);
  add_string_member (b, "dnssec", fct_dnssec_status_to_string (r->dnssec));
  json_builder_set_member_name (b, "null_mx");
  json_builder_add_boolean_value (b, r->null_mx);
  json_builder_set_member_name (b, "mx");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->mx->len; i++)
    {
      const FctAuditMx *mx = g_ptr_array_index (r->mx, i);
      json_builder_begin_object (b);
      add_string_member (b, "host", mx->host);
      json_builder_set_member_name (b, "preference");
      json_builder_add_int_value (b, mx->preference);
      json_builder_set_member_name (b, "addresses");
      json_builder_begin_array (b);
      for (guint k = 0; k < mx->addresses->len; k++)
        {
          const FctAuditAddress *addr = g_ptr_array_index (mx->addresses, k);
          json_builder_begin_object (b);
          add_string_member (b, "ip", addr->ip);
          json_builder_set_member_name (b, "ptr");
          json_builder_begin_array (b);
          for (guint n = 0; n < addr->ptr->len; n++)
            json_builder_add_string_value (b, g_ptr_array_index (addr->ptr, n));
          json_builder_end_array (b);
          json_builder_set_member_name (b, "fcrdns");
          json_builder_add_boolean_value (b, addr->fcrdns);
          json_builder_set_member_name (b, "listed");
          json_builder_begin_array (b);
          for (guint n = 0; n < addr->listed->len; n++)
            json_builder_add_string_value (b, g_ptr_array_index (addr->listed, n));
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "tlsa");
      json_builder_add_boolean_value (b, mx->tlsa);
      if (mx->probe != NULL)
        {
          json_builder_set_member_name (b, "smtp");
          probe_to_json (b, mx->probe);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_string_member (b, "spf", r->spf_record);
  json_builder_set_member_name (b, "spf_dns_lookups");
  json_builder_add_int_value (b, r->spf_dns_lookups);
  add_string_member (b, "dmarc", r->dmarc_record);
  json_builder_set_member_name (b, "dkim");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->dkim_keys->len; i++)
    {
      const FctAuditDkimKey *k = g_ptr_array_index (r->dkim_keys, i);
      json_builder_begin_object (b);
      add_string_member (b, "selector", k->selector);
      add_string_member (b, "type", k->key_type);
      json_builder_set_member_name (b, "bits");
      json_builder_add_int_value (b, k->bits);
      json_builder_set_member_name (b, "testing");
      json_builder_add_boolean_value (b, k->testing);
      json_builder_set_member_name (b, "revoked");
      json_builder_add_boolean_value (b, k->revoked);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  if (r->mta_sts != NULL)
    {
      json_builder_set_member_name (b, "mta_sts");
      json_builder_begin_object (b);
      add_string_member (b, "mode", fct_mta_sts_mode_to_string (r->mta_sts->mode));
      json_builder_set_member_name (b, "max_age");
      json_builder_add_int_value (b, r->mta_sts->max_age);
      json_builder_set_member_name (b, "mx");
      json_builder_begin_array (b);
      for (guint i = 0; i < r->mta_sts->mx->len; i++)
        json_builder_add_string_value (b, g_ptr_array_index (r->mta_sts->mx, i));
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "findings");
  json_builder_begin_array (b);
  for (guint i = 0; i < fct_findings_get_count (r->findings); i++)
    {
      const FctFinding *f = fct_findings_get (r->findings, i);
      json_builder_begin_object (b);
      add_string_member (b, "id", f->weight->id);
      add_string_member (b, "section", f->weight->section);
      add_string_member (b, "severity", fct_severity_to_string (f->weight->severity));
      json_builder_set_member_name (b, "points");
      json_builder_add_double_value (b, f->weight->points);
      add_string_member (b, "title", fct_finding_get_title (f));
      add_string_member (b, "detail", f->detail);
      add_string_member (b, "fix", f->fix);
      if (f->evidence != NULL)
        add_string_member (b, "evidence", f->evidence);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
fct_report_check_to_json (const FctCheckReport *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_double (b, "score", r->score);
  json_builder_set_member_name (b, "threat");
  json_builder_begin_object (b);
  add_string_member (b, "verdict", fct_threat_to_string (r->threat));
  json_builder_set_member_name (b, "findings");
  json_builder_begin_array (b);
  for (guint i = 0; r->threat_findings != NULL && i < r->threat_findings->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (r->threat_findings, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "auth");
  json_builder_begin_object (b);
  add_string_member (b, "spf", fct_check_report_spf_result (r));
  add_string_member (b, "dkim", fct_check_report_dkim_result (r));
  add_string_member (b, "dmarc", fct_check_report_dmarc_result (r));
  add_string_member (b, "arc", fct_check_report_arc_result (r));
  json_builder_end_object (b);
  json_builder_set_member_name (b, "findings");
  json_builder_begin_array (b);
  for (guint i = 0; i < fct_findings_get_count (r->findings); i++)
    {
      const FctFinding *f = fct_findings_get (r->findings, i);
      json_builder_begin_object (b);
      add_string_member (b, "id", f->weight->id);
      add_string_member (b, "section", f->weight->section);
      add_string_member (b, "severity", fct_severity_to_string (f->weight->severity));
      add_double (b, "points", f->weight->points);
      add_string_member (b, "title", fct_finding_get_title (f));
      add_string_member (b, "detail", f->detail);
      if (f->evidence != NULL)
        add_string_member (b, "evidence", f->evidence);
      if (f->fix != NULL)
        add_string_member (b, "fix", f->fix);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "blocklists");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->listings->len; i++)
    {
      const FctCheckListing *l = g_ptr_array_index (r->listings, i);
      json_builder_begin_object (b);
      add_string_member (b, "zone", l->zone);
      add_string_member (b, "subject", l->subject);
      add_string_member (b, "code", l->code);
      add_string_member (b, "meaning", l->meaning);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_int (b, "size", (gint64)r->received_size);
  add_string_member (b, "authentication_results", r->authentication_results);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
fct_report_json_to_string (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}
