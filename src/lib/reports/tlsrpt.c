/* facteur — TLS-RPT aggregate reports (RFC 8460 §4.4), JSON read with json-glib after a
 * bounded pre-scan: the size is capped and the nesting depth counted first, since
 * json-glib's parser recurses once per level. */
#include "reports-private.h"

#include <string.h>

static void
failure_free (gpointer data)
{
  FctTlsRptFailure *f = data;

  g_free (f->result_type);
  g_free (f->sending_mta_ip);
  g_free (f->receiving_mx_hostname);
  g_free (f->receiving_ip);
  g_free (f);
}

static void
policy_free (gpointer data)
{
  FctTlsRptPolicy *p = data;

  g_free (p->policy_type);
  g_free (p->policy_domain);
  g_ptr_array_unref (p->failures);
  g_free (p);
}

void
fct_tlsrpt_report_free (FctTlsRptReport *r)
{
  if (r == NULL)
    return;
  g_free (r->org_name);
  g_free (r->report_id);
  g_free (r->contact_info);
  if (r->policies != NULL)
    g_ptr_array_unref (r->policies);
  g_free (r);
}

/* Deepest nesting of objects and arrays, strings skipped; stops past max. */
static guint
json_depth (const char *data, gsize len, guint max)
{
  guint depth = 0, deepest = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          deepest = MAX (deepest, ++depth);
          if (deepest > max)
            return deepest;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return deepest;
}

static char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (n));
}

static gint64
member_count (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  if (n == NULL || json_node_get_value_type (n) != G_TYPE_INT64)
    return 0;
  return MAX (json_node_get_int (n), 0);
}

static JsonObject *
member_object (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
member_array (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gint64
parse_datetime (JsonObject *o, const char *name)
{
  g_autofree char *s = member_string (o, name);
  g_autoptr (GDateTime) dt = s != NULL ? g_date_time_new_from_iso8601 (s, NULL) : NULL;

  return dt != NULL ? g_date_time_to_unix (dt) : -1;
}

FctTlsRptReport *
fct_tlsrpt_report_parse (const char *data, gsize len, const FctLimits *limits,
                         GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (FctTlsRptReport) r = NULL;
  g_autoptr (GError) local = NULL;
  JsonNode *root;
  JsonObject *o, *range;
  JsonArray *policies;

  if (limits == NULL)
    limits = fct_limits_default ();
  if (len > limits->reports_max_bytes || len > G_MAXSSIZE)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                   _ ("the TLS report is over %llu bytes"),
                   (unsigned long long)limits->reports_max_bytes);
      return NULL;
    }
  if (json_depth (data, len, limits->reports_json_depth_max)
      > limits->reports_json_depth_max)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                   _ ("the TLS report nests JSON more than %u deep"),
                   limits->reports_json_depth_max);
      return NULL;
    }
  if (!g_utf8_validate (data, (gssize)len, NULL))
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the TLS report is not UTF-8 (RFC 8259 §8.1)"));
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize)len, &local))
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the TLS report is not JSON: %s"), local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  o = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  r = g_new0 (FctTlsRptReport, 1);
  r->policies = g_ptr_array_new_with_free_func (policy_free);
  r->org_name = member_string (o, "organization-name");
  r->report_id = member_string (o, "report-id");
  r->contact_info = member_string (o, "contact-info");
  range = member_object (o, "date-range");
  r->begin = parse_datetime (range, "start-datetime");
  r->end = parse_datetime (range, "end-datetime");
  policies = member_array (o, "policies");
  /* RFC 8460 §4.4: all of these are REQUIRED. */
  if (r->org_name == NULL || r->report_id == NULL || policies == NULL || r->begin < 0
      || r->end < r->begin)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("not a TLS report (RFC 8460 §4.4): organization-name, report-id, "
                      "date-range or policies missing or invalid"));
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (policies); i++)
    {
      JsonNode *pn = json_array_get_element (policies, i);
      JsonObject *po = JSON_NODE_HOLDS_OBJECT (pn) ? json_node_get_object (pn) : NULL;
      JsonObject *policy = member_object (po, "policy");
      JsonObject *summary = member_object (po, "summary");
      JsonArray *details = member_array (po, "failure-details");
      FctTlsRptPolicy *p;

      if (policy == NULL || summary == NULL)
        continue;
      p = g_new0 (FctTlsRptPolicy, 1);
      p->failures = g_ptr_array_new_with_free_func (failure_free);
      p->policy_type = member_string (policy, "policy-type");
      p->policy_domain = member_string (policy, "policy-domain");
      if (p->policy_domain != NULL)
        {
          char *l = g_ascii_strdown (p->policy_domain, -1);
          g_free (p->policy_domain);
          p->policy_domain = l;
        }
      p->successful_sessions = member_count (summary, "total-successful-session-count");
      p->failed_sessions = member_count (summary, "total-failure-session-count");
      for (guint j = 0; details != NULL && j < json_array_get_length (details); j++)
        {
          JsonNode *dn = json_array_get_element (details, j);
          JsonObject *d = JSON_NODE_HOLDS_OBJECT (dn) ? json_node_get_object (dn) : NULL;
          FctTlsRptFailure *f;
          if (d == NULL)
            continue;
          f = g_new0 (FctTlsRptFailure, 1);
          f->result_type = member_string (d, "result-type");
          f->sending_mta_ip = member_string (d, "sending-mta-ip");
          f->receiving_mx_hostname = member_string (d, "receiving-mx-hostname");
          f->receiving_ip = member_string (d, "receiving-ip");
          f->failed_sessions = member_count (d, "failed-session-count");
          g_ptr_array_add (p->failures, f);
        }
      if (p->policy_domain == NULL)
        {
          policy_free (p);
          continue;
        }
      g_ptr_array_add (r->policies, p);
    }
  if (r->policies->len == 0)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the TLS report has no policy with a policy-domain and a summary"));
      return NULL;
    }
  return g_steal_pointer (&r);
}
