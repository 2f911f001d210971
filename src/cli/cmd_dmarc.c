/* facteur dmarc — checks a message as a receiving server does: SPF for the envelope,
 * DKIM for the signatures, then DMARC (RFC 9989, or RFC 7489 with --dmarc-legacy) on top,
 * and prints the verdict with the results it used and the Authentication-Results value. */
#include "cli.h"

#include <facteur/authres.h>
#include <facteur/dkim.h>
#include <facteur/dmarc.h>
#include <facteur/spf.h>

static FctDmarcAuthResult
from_spf (FctSpfResult r)
{
  switch (r)
    {
    case FCT_SPF_RESULT_NONE:
      return FCT_DMARC_AUTH_NONE;
    case FCT_SPF_RESULT_NEUTRAL:
      return FCT_DMARC_AUTH_NEUTRAL;
    case FCT_SPF_RESULT_PASS:
      return FCT_DMARC_AUTH_PASS;
    case FCT_SPF_RESULT_FAIL:
      return FCT_DMARC_AUTH_FAIL;
    case FCT_SPF_RESULT_SOFTFAIL:
      return FCT_DMARC_AUTH_SOFTFAIL;
    case FCT_SPF_RESULT_TEMPERROR:
      return FCT_DMARC_AUTH_TEMPERROR;
    case FCT_SPF_RESULT_PERMERROR:
      return FCT_DMARC_AUTH_PERMERROR;
    }
  return FCT_DMARC_AUTH_NONE;
}

static FctDmarcAuthResult
from_dkim (FctDkimResult r)
{
  switch (r)
    {
    case FCT_DKIM_RESULT_NONE:
      return FCT_DMARC_AUTH_NONE;
    case FCT_DKIM_RESULT_PASS:
      return FCT_DMARC_AUTH_PASS;
    case FCT_DKIM_RESULT_FAIL:
      return FCT_DMARC_AUTH_FAIL;
    case FCT_DKIM_RESULT_NEUTRAL:
      return FCT_DMARC_AUTH_NEUTRAL;
    case FCT_DKIM_RESULT_POLICY:
      return FCT_DMARC_AUTH_POLICY;
    case FCT_DKIM_RESULT_TEMPERROR:
      return FCT_DMARC_AUTH_TEMPERROR;
    case FCT_DKIM_RESULT_PERMERROR:
      return FCT_DMARC_AUTH_PERMERROR;
    }
  return FCT_DMARC_AUTH_NONE;
}

/* The policy and disposition words, or NULL when no record applied. */
static const char *
policy_word (const FctDmarcVerdict *v, FctDmarcPolicy p)
{
  return v->policy != FCT_DMARC_POLICY_UNSET ? fct_dmarc_policy_to_string (p) : NULL;
}

char *
fct_cli_auth_results (const FctCliAuth *auth, const char *authserv_id, const char *arc)
{
  const FctSpfVerdict *spf = auth->spf;
  const FctDkimVerifyResult *dkim = auth->dkim;
  const FctDmarcVerdict *dmarc = auth->dmarc;
  const char *mail_from = auth->mail_from, *helo = auth->helo;
  /* "facteur" by default, as facteur check writes it: reports stay the same on every
   * machine; a server names itself with --authserv-id (RFC 8601 §2.5). */
  g_autoptr (FctAuthres) ar
      = fct_authres_new (authserv_id != NULL ? authserv_id : "facteur");

  if (arc != NULL)
    fct_authres_add_arc (ar, arc, auth->ip);
  if (spf != NULL)
    fct_authres_add_spf (ar, fct_spf_result_to_string (spf->result), mail_from, helo);
  for (guint i = 0; i < dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (dkim->signatures, i);
      FctAuthresResult *r = fct_authres_add_dkim (ar, fct_dkim_result_to_string (s->result),
                                                  s->domain, s->selector, s->b_prefix);
      if (s->result != FCT_DKIM_RESULT_PASS)
        fct_authres_result_set_reason (r, s->reason);
    }
  if (dkim->signatures->len == 0)
    fct_authres_add (ar, "dkim", "none");
  fct_authres_add_dmarc (ar, fct_dmarc_result_to_string (dmarc->result),
                         dmarc->author_domain, policy_word (dmarc, dmarc->policy),
                         policy_word (dmarc, dmarc->disposition));
  return fct_authres_to_string (ar, FALSE);
}

static void
print_json (const FctSpfVerdict *spf, const FctDkimVerifyResult *dkim,
            const FctDmarcVerdict *v, const char *header)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  fct_cli_json_add_string (b, "result", fct_dmarc_result_to_string (v->result));
  fct_cli_json_add_string (b, "domain", v->author_domain);
  fct_cli_json_add_string (b, "organizational_domain", v->organizational_domain);
  fct_cli_json_add_string (b, "policy_domain", v->policy_domain);
  fct_cli_json_add_string (b, "policy", policy_word (v, v->policy));
  fct_cli_json_add_string (b, "policy_tag",
                           v->policy != FCT_DMARC_POLICY_UNSET
                               ? fct_dmarc_policy_source_to_string (v->policy_source)
                               : NULL);
  fct_cli_json_add_string (b, "disposition", fct_dmarc_policy_to_string (v->disposition));
  fct_cli_json_add_bool (b, "testing", v->testing);
  fct_cli_json_add_bool (b, "sampled_out", v->sampled_out);
  fct_cli_json_add_bool (b, "legacy", v->legacy);
  fct_cli_json_add_bool (b, "spf_aligned", v->spf_aligned);
  fct_cli_json_add_bool (b, "dkim_aligned", v->dkim_aligned);
  fct_cli_json_add_string (b, "reason", v->reason);
  fct_cli_json_add_string (b, "record", v->record != NULL ? v->record->text : NULL);
  fct_cli_json_add_int (b, "dns_queries", v->dns_queries);
  fct_cli_json_add_strings (b, "notes", v->notes);

  json_builder_set_member_name (b, "spf");
  json_builder_begin_object (b);
  fct_cli_json_add_string (b, "result",
                           spf != NULL ? fct_spf_result_to_string (spf->result) : "none");
  fct_cli_json_add_string (b, "domain", v->spf_domain);
  fct_cli_json_add_string (b, "identity", v->spf_domain_is_helo ? "helo" : "mailfrom");
  fct_cli_json_add_string (b, "reason", spf != NULL ? spf->reason : NULL);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "dkim");
  json_builder_begin_array (b);
  for (guint i = 0; i < dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (dkim->signatures, i);
      json_builder_begin_object (b);
      fct_cli_json_add_string (b, "domain", s->domain);
      fct_cli_json_add_string (b, "selector", s->selector);
      fct_cli_json_add_string (b, "result", fct_dkim_result_to_string (s->result));
      fct_cli_json_add_string (b, "reason", s->reason);
      fct_cli_json_add_bool (b, "aligned",
                             v->dkim_aligned && g_strcmp0 (s->domain, v->dkim_domain) == 0
                                 && g_strcmp0 (s->selector, v->dkim_selector) == 0);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  fct_cli_json_add_string (b, "authentication_results", header);
  json_builder_end_object (b);
  fct_cli_json_print_builder (b);
}

static void
print_text (const FctSpfVerdict *spf, const FctDkimVerifyResult *dkim,
            const FctDmarcVerdict *v, const char *header)
{
  g_print ("DMARC%s: %s\n", v->legacy ? " (RFC 7489)" : "",
           fct_dmarc_result_to_string (v->result));
  g_print ("  %s %s\n", _ ("Reason:"), v->reason);
  if (v->author_domain != NULL)
    g_print ("  %s %s\n", _ ("Author domain:"), v->author_domain);
  if (v->organizational_domain != NULL)
    g_print ("  %s %s\n", _ ("Organizational domain:"), v->organizational_domain);
  if (v->policy_domain != NULL)
    g_print ("  %s _dmarc.%s: %s\n", _ ("Policy record:"), v->policy_domain,
             v->record->text);
  if (v->policy != FCT_DMARC_POLICY_UNSET)
    g_print ("  %s %s (%s=), %s %s%s\n", _ ("Policy:"),
             fct_dmarc_policy_to_string (v->policy),
             fct_dmarc_policy_source_to_string (v->policy_source), _ ("disposition:"),
             fct_dmarc_policy_to_string (v->disposition),
             v->testing       ? _ (" (testing mode, t=y)")
             : v->sampled_out ? _ (" (outside the pct sample)")
                              : "");
  for (guint i = 0; i < v->notes->len; i++)
    g_print ("  %s %s\n", _ ("Note:"), (const char *)g_ptr_array_index (v->notes, i));

  g_print ("SPF: %s", spf != NULL ? fct_spf_result_to_string (spf->result) : "none");
  if (v->spf_domain != NULL)
    g_print (" (%s%s)%s", v->spf_domain, v->spf_domain_is_helo ? ", HELO" : "",
             v->spf_aligned ? _ (", aligned") : "");
  g_print ("\n");
  for (guint i = 0; i < dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (dkim->signatures, i);
      gboolean aligned = v->dkim_aligned && g_strcmp0 (s->domain, v->dkim_domain) == 0
                         && g_strcmp0 (s->selector, v->dkim_selector) == 0;
      g_print ("DKIM: %s (d=%s s=%s)%s: %s\n", fct_dkim_result_to_string (s->result),
               s->domain != NULL ? s->domain : "?", s->selector != NULL ? s->selector : "?",
               aligned ? _ (", aligned") : "", _ (s->reason));
    }
  if (dkim->signatures->len == 0)
    g_print ("DKIM: none (%s)\n", _ ("no signature"));
  g_print ("Authentication-Results: %s\n", header);
}

void
fct_cli_auth_clear (FctCliAuth *auth)
{
  g_clear_pointer (&auth->spf, fct_spf_verdict_free);
  g_clear_pointer (&auth->dkim, fct_dkim_verify_result_free);
  g_clear_pointer (&auth->dmarc, fct_dmarc_verdict_free);
}

int
fct_cli_auth_compute (FctResolver *resolver, const FctLimits *limits, FctMsg *msg,
                      FctCliAuth *auth)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) dkim_inputs = g_array_new (FALSE, TRUE, sizeof (FctDmarcDkimInput));
  FctDkimVerifyOptions dkim_options
      = { .limits = limits, .refuse_partial_body = auth->refuse_partial_body };
  FctDmarcOptions dmarc_options = { .limits = limits, .legacy = auth->legacy };
  FctDmarcInputs inputs = { 0 };

  /* SPF of the MAIL FROM identity, which is postmaster@HELO for the null sender. */
  gboolean null_sender = auth->mail_from == NULL || auth->mail_from[0] == '\0';
  if (!null_sender || auth->helo != NULL)
    {
      FctSpfRequest request = {
        .ip = auth->ip,
        .mail_from = auth->mail_from,
        .helo = auth->helo,
        .identity = FCT_SPF_IDENTITY_MAIL_FROM,
      };
      auth->spf = fct_spf_check (resolver, limits, &request, &error);
      if (auth->spf == NULL)
        return fct_cli_report_error (error);
    }

  auth->dkim = fct_dkim_verify (msg, resolver, &dkim_options);
  for (guint i = 0; i < auth->dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (auth->dkim->signatures, i);
      FctDmarcDkimInput in = { from_dkim (s->result), s->domain, s->selector };
      g_array_append_val (dkim_inputs, in);
    }

  inputs.msg = msg;
  inputs.spf_result
      = auth->spf != NULL ? from_spf (auth->spf->result) : FCT_DMARC_AUTH_NONE;
  inputs.mail_from = auth->mail_from;
  inputs.helo = auth->helo;
  inputs.dkim = (const FctDmarcDkimInput *)(gpointer)dkim_inputs->data;
  inputs.n_dkim = dkim_inputs->len;
  auth->dmarc = fct_dmarc_evaluate (resolver, &inputs, &dmarc_options, &error);
  if (auth->dmarc == NULL)
    return fct_cli_report_error (error);
  return FCT_EXIT_OK;
}

static int
run (FctResolver *resolver, const FctCliCommon *common, const char *path, const char *ip,
     const char *mail_from, const char *helo, gboolean legacy, gboolean refuse_partial_body,
     const char *authserv_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_file (path, &common->limits, &error);
  g_autofree char *header = NULL;
  FctCliAuth auth = { .ip = ip,
                      .mail_from = mail_from,
                      .helo = helo,
                      .legacy = legacy,
                      .refuse_partial_body = refuse_partial_body };
  int status;

  if (msg == NULL)
    {
      g_printerr ("facteur: %s\n", error->message);
      return FCT_EXIT_DATAERR;
    }
  status = fct_cli_auth_compute (resolver, &common->limits, msg, &auth);
  if (status == FCT_EXIT_OK)
    {
      header = fct_cli_auth_results (&auth, authserv_id, NULL);
      if (common->json)
        print_json (auth.spf, auth.dkim, auth.dmarc, header);
      else
        print_text (auth.spf, auth.dkim, auth.dmarc, header);
    }
  fct_cli_auth_clear (&auth);
  /* A verdict, temperror included, is an answer: exit 0 (DESIGN.md). */
  return status;
}

int
fct_cmd_dmarc (int argc, char **argv)
{
  static const char *summary
      = N_ ("Check a message's DMARC verdict (RFC 9989) as a receiving server would: SPF "
            "for the client and envelope, DKIM for the signatures, alignment with the "
            "From domain, and the Authentication-Results header value.");
  FctCliCommon common = { 0 };
  g_autofree char *ip = NULL, *mail_from = NULL, *helo = NULL, *authserv_id = NULL;
  g_autofree char *usage = NULL;
  g_autoptr (GError) error = NULL;
  gboolean legacy = FALSE, refuse_partial_body = FALSE;
  int status;
  GOptionEntry entries[] = {
    { "ip", 0, 0, G_OPTION_ARG_STRING, &ip, N_ ("Address of the SMTP client"), "IP" },
    { "mail-from", 0, 0, G_OPTION_ARG_STRING, &mail_from,
      N_ ("Envelope sender (absent or empty for the null sender <>)"), N_ ("ADDRESS") },
    { "helo", 0, 0, G_OPTION_ARG_STRING, &helo, N_ ("HELO/EHLO name of the client"),
      N_ ("NAME") },
    { "dmarc-legacy", 0, 0, G_OPTION_ARG_NONE, &legacy,
      N_ ("Apply RFC 7489 (public suffix list, pct) instead of RFC 9989"), NULL },
    { "dkim-refuse-partial-body", 0, 0, G_OPTION_ARG_NONE, &refuse_partial_body,
      N_ ("Count a DKIM signature whose l= leaves part of the body unsigned as policy, not "
          "pass (RFC 6376 §8.2): what follows l= may be anyone's"),
      NULL },
    { "authserv-id", 0, 0, G_OPTION_ARG_STRING, &authserv_id,
      N_ ("Name written in Authentication-Results (default: facteur)"), N_ ("NAME") },
    G_OPTION_ENTRY_NULL,
  };

  if (!fct_cli_parse ("dmarc", _ ("FILE --ip IP [--helo NAME] [--mail-from ADDRESS]"),
                      summary, entries, &common, &argc, &argv, &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }

  guint8 addr[16];
  gsize addr_len = 0;
  if (argc != 2)
    status = fct_cli_usage_error ("dmarc", usage, "%s", _ ("expected one message file"));
  else if (ip == NULL)
    status = fct_cli_usage_error ("dmarc", usage, "%s", _ ("--ip is required"));
  else if (!fct_spf_ip_parse (ip, addr, &addr_len, NULL))
    status = fct_cli_usage_error ("dmarc", usage, _ ("“%s” is not an IPv4 or IPv6 address"),
                                  ip);
  else
    {
      g_autoptr (FctResolver) resolver = fct_cli_make_resolver (&common, &error);
      if (resolver == NULL)
        status = fct_cli_report_error (error);
      else
        status = run (resolver, &common, argv[1], ip, mail_from, helo, legacy,
                      refuse_partial_body, authserv_id);
    }
  fct_cli_common_clear (&common);
  return status;
}
