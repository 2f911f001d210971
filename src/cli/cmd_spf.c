/* facteur spf — checks a client address against a sender's SPF record (RFC 7208), with
 * the path the evaluation took, or lints a domain's record (--lint DOMAIN). */
#include "cli.h"

#include <facteur/spf.h>

/* The sentence DESIGN.md's "explanation" carries: the exp= text for fail, else why. */
static const char *
verdict_explanation (const FctSpfVerdict *v)
{
  return v->explanation != NULL ? v->explanation : v->reason;
}

static void
verdict_members (JsonBuilder *b, const FctSpfVerdict *v, const char *identity)
{
  fct_cli_json_add_string (b, "result", fct_spf_result_to_string (v->result));
  fct_cli_json_add_string (b, "explanation", verdict_explanation (v));
  fct_cli_json_add_string (b, "mechanism", v->mechanism);
  fct_cli_json_add_int (b, "dns_lookups", v->dns_lookups);
  fct_cli_json_add_int (b, "void_lookups", v->void_lookups);
  fct_cli_json_add_string (b, "domain", v->domain);
  fct_cli_json_add_string (b, "identity", identity);
  fct_cli_json_add_string (b, "reason", v->reason);
  json_builder_set_member_name (b, "trace");
  json_builder_begin_array (b);
  for (guint k = 0; k < v->trace->len; k++)
    {
      const FctSpfTraceStep *s = g_ptr_array_index (v->trace, k);
      json_builder_begin_object (b);
      fct_cli_json_add_int (b, "depth", s->depth);
      fct_cli_json_add_string (b, "domain", s->domain);
      g_autofree char *text = fct_spf_trace_step_to_string (s);
      fct_cli_json_add_string (b, "step", text);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
print_verdict (const FctSpfVerdict *v, const char *title, const FctLimits *limits)
{
  g_print ("%s: %s (%s)\n", title, fct_spf_result_to_string (v->result), v->domain);
  if (v->mechanism != NULL)
    g_print ("  %s %s\n", _ ("Mechanism:"), v->mechanism);
  if (v->explanation != NULL)
    g_print ("  %s %s\n", _ ("Explanation:"), v->explanation);
  g_print ("  %s %s\n", _ ("Reason:"), v->reason);
  g_print ("  ");
  g_print (_ ("DNS lookups: %u of %u; void lookups: %u of %u"), v->dns_lookups,
           limits->spf_dns_mechanisms_max, v->void_lookups, limits->spf_void_lookups_max);
  g_print ("\n  %s\n", _ ("Path:"));
  for (guint k = 0; k < v->trace->len; k++)
    {
      const FctSpfTraceStep *s = g_ptr_array_index (v->trace, k);
      g_autofree char *text = fct_spf_trace_step_to_string (s);
      g_print ("    %*s%s\n", (int)s->depth * 2, "", text);
    }
}

static int
run_lint (FctResolver *resolver, const FctCliCommon *common, const char *domain,
          const char *usage)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctSpfLintReport) r = fct_spf_lint (resolver, &common->limits, domain, &error);

  if (r == NULL)
    return fct_cli_usage_error ("spf", usage, "%s", error->message);
  if (common->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      fct_cli_json_add_string (b, "domain", r->domain);
      fct_cli_json_add_string (b, "record", r->record);
      fct_cli_json_add_int (b, "dns_lookups", r->dns_lookups);
      fct_cli_json_add_int (b, "void_lookups", r->void_lookups);
      json_builder_set_member_name (b, "tree");
      json_builder_begin_array (b);
      for (guint k = 0; k < r->nodes->len; k++)
        {
          const FctSpfLintNode *n = g_ptr_array_index (r->nodes, k);
          json_builder_begin_object (b);
          fct_cli_json_add_int (b, "depth", n->depth);
          fct_cli_json_add_string (b, "domain", n->domain);
          fct_cli_json_add_string (b, "via", n->via);
          fct_cli_json_add_string (b, "record", n->record);
          fct_cli_json_add_int (b, "lookups", n->lookups);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "findings");
      json_builder_begin_array (b);
      for (guint k = 0; k < r->findings->len; k++)
        {
          const FctSpfLintFinding *f = g_ptr_array_index (r->findings, k);
          json_builder_begin_object (b);
          fct_cli_json_add_string (b, "id", f->id);
          fct_cli_json_add_string (b, "severity",
                                   fct_spf_lint_severity_to_string (f->severity));
          fct_cli_json_add_string (b, "domain", f->domain);
          json_builder_set_member_name (b, "offset");
          if (f->offset >= 0)
            json_builder_add_int_value (b, f->offset);
          else
            json_builder_add_null_value (b);
          fct_cli_json_add_string (b, "detail", f->message);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      fct_cli_json_add_string (b, "flattened", r->flattened);
      json_builder_end_object (b);
      fct_cli_json_print_builder (b);
      return FCT_EXIT_OK;
    }

  g_print ("%s %s\n", _ ("SPF record of"), r->domain);
  g_print ("  %s\n", r->record != NULL ? r->record : _ ("(none)"));
  g_print ("  ");
  g_print (_ ("DNS lookups: %u of %u; void lookups: %u of %u"), r->dns_lookups,
           common->limits.spf_dns_mechanisms_max, r->void_lookups,
           common->limits.spf_void_lookups_max);
  g_print ("\n%s\n", _ ("Include tree:"));
  for (guint k = 0; k < r->nodes->len; k++)
    {
      const FctSpfLintNode *n = g_ptr_array_index (r->nodes, k);
      g_print ("  %*s%s%s%s  ", (int)n->depth * 2, "", n->via != NULL ? n->via : "",
               n->via != NULL ? ":" : "", n->domain);
      g_print (ngettext ("(%u DNS lookup in this record)",
                         "(%u DNS lookups in this record)", n->lookups),
               n->lookups);
      g_print ("\n");
    }
  if (r->findings->len == 0)
    g_print ("%s\n", _ ("No problem found."));
  else
    g_print ("%s\n", _ ("Findings:"));
  for (guint k = 0; k < r->findings->len; k++)
    {
      const FctSpfLintFinding *f = g_ptr_array_index (r->findings, k);
      g_print ("  [%s] %s: %s\n", fct_spf_lint_severity_to_string (f->severity), f->id,
               f->message);
    }
  if (r->flattened != NULL)
    g_print ("%s\n  %s\n",
             _ ("Suggested record (flattened; addresses change, so regenerate "
                "it regularly):"),
             r->flattened);
  return FCT_EXIT_OK;
}

static int
run_check (FctResolver *resolver, const FctCliCommon *common, const char *ip,
           const char *mail_from, const char *helo)
{
  g_autoptr (GError) error = NULL;
  FctSpfRequest request = {
    .ip = ip,
    .mail_from = mail_from,
    .helo = helo,
    .identity = FCT_SPF_IDENTITY_MAIL_FROM,
  };
  g_autoptr (FctSpfVerdict) verdict
      = fct_spf_check (resolver, &common->limits, &request, &error);
  if (verdict == NULL)
    return fct_cli_report_error (error);

  /* RFC 7208 §2.3: with a HELO name and a non-null sender, the HELO identity is checked
   * too; with the null sender the MAIL FROM check already is the HELO check. */
  g_autoptr (FctSpfVerdict) helo_verdict = NULL;
  gboolean null_sender = mail_from == NULL || mail_from[0] == '\0';
  if (helo != NULL && !null_sender)
    {
      request.identity = FCT_SPF_IDENTITY_HELO;
      helo_verdict = fct_spf_check (resolver, &common->limits, &request, &error);
      if (helo_verdict == NULL)
        return fct_cli_report_error (error);
    }

  if (common->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      verdict_members (b, verdict, null_sender ? "helo" : "mailfrom");
      if (helo_verdict != NULL)
        {
          json_builder_set_member_name (b, "helo");
          json_builder_begin_object (b);
          verdict_members (b, helo_verdict, "helo");
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
      fct_cli_json_print_builder (b);
    }
  else
    {
      print_verdict (verdict, null_sender ? _ ("SPF (HELO)") : _ ("SPF (MAIL FROM)"),
                     &common->limits);
      if (helo_verdict != NULL)
        print_verdict (helo_verdict, _ ("SPF (HELO)"), &common->limits);
    }
  /* A verdict, temperror included, is an answer: exit 0 (DESIGN.md). */
  return FCT_EXIT_OK;
}

int
fct_cmd_spf (int argc, char **argv)
{
  static const char *summary
      = N_ ("Check whether IP may send mail for the sender's domain (RFC 7208), showing "
            "the path the evaluation took; or, with --lint, review a domain's SPF record.");
  FctCliCommon common = { 0 };
  g_autofree char *ip = NULL, *mail_from = NULL, *helo = NULL, *lint = NULL;
  g_autofree char *usage = NULL;
  g_autoptr (GError) error = NULL;
  int status;
  GOptionEntry entries[] = {
    { "ip", 0, 0, G_OPTION_ARG_STRING, &ip, N_ ("Address of the SMTP client"), "IP" },
    { "mail-from", 0, 0, G_OPTION_ARG_STRING, &mail_from,
      N_ ("Envelope sender (empty for the null sender <>)"), N_ ("ADDRESS") },
    { "helo", 0, 0, G_OPTION_ARG_STRING, &helo, N_ ("HELO/EHLO name of the client"),
      N_ ("NAME") },
    { "lint", 0, 0, G_OPTION_ARG_STRING, &lint,
      N_ ("Review DOMAIN's SPF record and include tree instead"), N_ ("DOMAIN") },
    G_OPTION_ENTRY_NULL,
  };

  if (!fct_cli_parse ("spf",
                      _ ("--ip IP --mail-from ADDRESS [--helo NAME] | --lint DOMAIN"),
                      summary, entries, &common, &argc, &argv, &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }

  guint8 addr[16];
  gsize addr_len = 0;
  if (argc != 1)
    status = fct_cli_usage_error ("spf", usage, _ ("unexpected argument “%s”"), argv[1]);
  else if (lint != NULL && (ip != NULL || mail_from != NULL || helo != NULL))
    status = fct_cli_usage_error ("spf", usage, "%s",
                                  _ ("--lint cannot be combined with --ip, --mail-from or "
                                     "--helo"));
  else if (lint == NULL && ip == NULL)
    status = fct_cli_usage_error ("spf", usage, "%s",
                                  _ ("--ip is required (or --lint DOMAIN)"));
  else if (lint == NULL && mail_from == NULL && helo == NULL)
    status
        = fct_cli_usage_error ("spf", usage, "%s", _ ("give --mail-from, --helo or both"));
  else if (lint == NULL && (mail_from == NULL || mail_from[0] == '\0') && helo == NULL)
    status = fct_cli_usage_error ("spf", usage, "%s",
                                  _ ("the null sender is checked through --helo: give it"));
  else if (lint == NULL && !fct_spf_ip_parse (ip, addr, &addr_len, NULL))
    status
        = fct_cli_usage_error ("spf", usage, _ ("“%s” is not an IPv4 or IPv6 address"), ip);
  else
    {
      g_autoptr (FctResolver) resolver = fct_cli_make_resolver (&common, &error);
      if (resolver == NULL)
        status = fct_cli_report_error (error);
      else if (lint != NULL)
        status = run_lint (resolver, &common, lint, usage);
      else
        status = run_check (resolver, &common, ip, mail_from, helo);
    }
  fct_cli_common_clear (&common);
  return status;
}
