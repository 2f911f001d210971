/* facteur arc verify|seal — wires the ARC library (include/facteur/arc.h) to the
 * terminal: the chain's verdict (RFC 8617 §5.2) in text or JSON, or the message with a
 * new ARC set (§5.1) in the input's line endings. */
#include "cli.h"

#include <facteur/arc.h>
#include <facteur/authres.h>
#include <facteur/msg.h>
#include <stdio.h>
#include <string.h>

static const char *
dkim_result_or_null (FctDkimResult r)
{
  return r == FCT_DKIM_RESULT_NONE ? NULL : fct_dkim_result_to_string (r);
}

static JsonNode *
verify_to_json (const FctArcVerifyResult *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  fct_cli_json_add_string (b, "cv", fct_arc_cv_to_string (r->cv));
  fct_cli_json_add_int (b, "instances", r->instances);
  fct_cli_json_add_string (b, "reason", r->reason);
  fct_cli_json_add_int (b, "oldest_pass", r->oldest_pass);
  fct_cli_json_add_int (b, "failed_instance", r->failed_instance);
  fct_cli_json_add_bool (b, "temporary", r->temporary);
  json_builder_set_member_name (b, "sets");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->sets->len; i++)
    {
      const FctArcSet *s = g_ptr_array_index (r->sets, i);
      json_builder_begin_object (b);
      fct_cli_json_add_int (b, "instance", s->instance);
      fct_cli_json_add_string (b, "seal_domain", s->seal_domain);
      fct_cli_json_add_string (b, "seal_selector", s->seal_selector);
      fct_cli_json_add_string (b, "seal_cv", fct_arc_cv_to_string (s->seal_cv));
      fct_cli_json_add_string (b, "seal_result", dkim_result_or_null (s->seal_result));
      fct_cli_json_add_string (b, "signature_domain", s->signature_domain);
      fct_cli_json_add_string (b, "signature_selector", s->signature_selector);
      fct_cli_json_add_string (b, "signature_result",
                               dkim_result_or_null (s->signature_result));
      fct_cli_json_add_string (b, "authserv_id", s->authserv_id);
      fct_cli_json_add_string (b, "results", s->results);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_verify (const FctArcVerifyResult *r)
{
  g_print ("arc=%s (%s)\n", fct_arc_cv_to_string (r->cv), r->reason);
  for (guint i = 0; i < r->sets->len; i++)
    {
      const FctArcSet *s = g_ptr_array_index (r->sets, i);
      g_print ("  i=%u %s/%s: %s\n", s->instance,
               s->signature_domain != NULL ? s->signature_domain : "?",
               s->seal_domain != NULL ? s->seal_domain : "?",
               s->results != NULL ? s->results : "");
    }
}

static int
cmd_verify (int argc, char **argv)
{
  static const char *summary
      = N_ ("Validate the ARC chain of a message (FILE, or - for standard input).");
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  gint64 at = 0;
  GOptionEntry entries[]
      = { { "at", 0, 0, G_OPTION_ARG_INT64, &at,
            N_ ("Validate as if the time were this Unix time (for x=)"), N_ ("SECONDS") },
          G_OPTION_ENTRY_NULL };
  int status = FCT_EXIT_OK;

  if (!fct_cli_parse ("arc verify", _ ("FILE"), summary, entries, &common, &argc, &argv,
                      &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }
  if (argc != 2)
    status
        = fct_cli_usage_error ("arc verify", usage, "%s", _ ("expected one message file"));
  else
    {
      g_autoptr (FctResolver) resolver = NULL;
      g_autoptr (FctMsg) msg = NULL;
      status = fct_cli_load_message (&common, argv[1], &msg, &resolver);
      if (status == FCT_EXIT_OK)
        {
          FctArcVerifyOptions vo = { .limits = &common.limits, .now = at };
          g_autoptr (FctArcVerifyResult) r = fct_arc_verify (msg, resolver, &vo);
          if (common.json)
            {
              g_autoptr (JsonNode) node = verify_to_json (r);
              fct_cli_print_json (node);
            }
          else
            print_verify (r);
          /* The verdict is fail (§5.2.1), but DNS was unavailable. */
          if (r->temporary)
            status = FCT_EXIT_UNAVAILABLE;
        }
    }
  fct_cli_common_clear (&common);
  return status;
}

/* Writes text with CRLF turned into LF when the input used LF. */
static void
write_eol (const char *data, gsize len, gboolean lf)
{
  for (gsize i = 0; i < len; i++)
    if (!(lf && data[i] == '\r' && i + 1 < len && data[i + 1] == '\n'))
      fputc (data[i], stdout);
}

/* TRUE if an Authentication-Results value claims authserv_id. One that does not parse
 * is judged by its first word, so that a malformed claim is not kept either. */
static gboolean
claims_authserv_id (const FctMsgHeader *h, const char *authserv_id, const FctLimits *limits)
{
  g_autoptr (FctAuthres) parsed = fct_authres_parse (h->value, h->value_len, limits, NULL);
  gsize pos = 0, start;

  if (parsed != NULL)
    return g_ascii_strcasecmp (parsed->authserv_id, authserv_id) == 0;
  while (pos < h->value_len && g_ascii_isspace (h->value[pos]))
    pos++;
  start = pos;
  while (pos < h->value_len && strchr (" \t\r\n;(", h->value[pos]) == NULL)
    pos++;
  return pos - start == strlen (authserv_id)
         && g_ascii_strncasecmp (h->value + start, authserv_id, pos - start) == 0;
}

/* Writes the message without the Authentication-Results fields that claim this server's
 * authserv-id: they were there before this server computed anything, so someone else
 * wrote them, and RFC 8601 §5 asks a server to remove them before relaying. Bytes are
 * otherwise untouched (the fields are outside every signature's h=: RFC 8617 §4.1.2
 * forbids them in an AMS). */
static void
write_without_claims (FctMsg *msg, const char *authserv_id, gboolean lf)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (fct_msg_get_bytes (msg), &len);
  gsize done = 0;

  for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      if (!fct_slice_equal_str_nocase (h->name, "Authentication-Results")
          || !claims_authserv_id (h, authserv_id, NULL))
        continue;
      gsize start = (gsize)((const char *)h->raw.ptr - data);
      gsize end = start + h->raw.len;
      if (end < len && data[end] == '\r')
        end++;
      if (end < len && data[end] == '\n')
        end++;
      write_eol (data + done, start - done, lf);
      done = end;
    }
  write_eol (data + done, len - done, lf);
}

static int
cmd_seal (int argc, char **argv)
{
  static const char *summary
      = N_ ("Add an ARC set to a message (FILE, or - for standard input) and print it. The "
            "existing chain is validated first; its verdict becomes cv=. The AAR records "
            "the results facteur computes for the SMTP session (--ip, --mail-from, --helo: "
            "ARC, SPF, DKIM and DMARC, as facteur dmarc does), or --results; "
            "Authentication-Results fields of the message are never copied, and those "
            "claiming --authserv-id are removed (RFC 8601 §5).");
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  g_autofree char *domain = NULL, *selector = NULL, *key_path = NULL, *authserv_id = NULL,
                  *results = NULL, *headers = NULL, *ip = NULL, *mail_from = NULL,
                  *helo = NULL;
  gboolean legacy = FALSE;
  gint64 timestamp = 0;
  GOptionEntry entries[] = {
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain, N_ ("Sealing domain (d=)"),
      N_ ("DOMAIN") },
    { "selector", 0, 0, G_OPTION_ARG_STRING, &selector, N_ ("Selector (s=)"),
      N_ ("SELECTOR") },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key_path, N_ ("Private key (PEM)"),
      N_ ("FILE") },
    { "authserv-id", 0, 0, G_OPTION_ARG_STRING, &authserv_id,
      N_ ("Your authentication service identifier (RFC 8601), written in the AAR"),
      N_ ("ID") },
    { "ip", 0, 0, G_OPTION_ARG_STRING, &ip,
      N_ ("Address of the SMTP client: the results are computed for this session"), "IP" },
    { "mail-from", 0, 0, G_OPTION_ARG_STRING, &mail_from,
      N_ ("Envelope sender (absent or empty for the null sender <>)"), N_ ("ADDRESS") },
    { "helo", 0, 0, G_OPTION_ARG_STRING, &helo, N_ ("HELO/EHLO name of the client"),
      N_ ("NAME") },
    { "dmarc-legacy", 0, 0, G_OPTION_ARG_NONE, &legacy,
      N_ ("Apply RFC 7489 (public suffix list, pct) instead of RFC 9989"), NULL },
    { "results", 0, 0, G_OPTION_ARG_STRING, &results,
      N_ ("Results your own server computed, to record instead of computing them, "
          "e.g. \"spf=pass smtp.mailfrom=a.example; dkim=pass header.d=a.example\""),
      N_ ("TEXT") },
    { "headers", 0, 0, G_OPTION_ARG_STRING, &headers,
      N_ ("Header fields the ARC-Message-Signature covers, colon-separated "
          "(default: the recommended set)"),
      N_ ("H1:H2") },
    { "timestamp", 0, 0, G_OPTION_ARG_INT64, &timestamp,
      N_ ("Seal time (t=), Unix time (default: now)"), N_ ("SECONDS") },
    G_OPTION_ENTRY_NULL
  };
  int status = FCT_EXIT_OK;
  guint8 addr[16];
  gsize addr_len = 0;

  if (!fct_cli_parse ("arc seal", _ ("FILE"), summary, entries, &common, &argc, &argv,
                      &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }
  if (argc != 2)
    status = fct_cli_usage_error ("arc seal", usage, "%s", _ ("expected one message file"));
  else if (domain == NULL || selector == NULL || key_path == NULL || authserv_id == NULL)
    status = fct_cli_usage_error ("arc seal", usage, "%s",
                                  _ ("--domain, --selector, --key and --authserv-id are "
                                     "required"));
  else if (timestamp < 0)
    status
        = fct_cli_usage_error ("arc seal", usage, "%s", _ ("--timestamp must be positive"));
  else if (results == NULL && ip == NULL)
    status = fct_cli_usage_error (
        "arc seal", usage, "%s",
        _ ("a seal vouches for the results it records, so arc seal records only results "
           "it computes: give the SMTP session (--ip, with --mail-from and --helo), or "
           "the results your server computed (--results)"));
  else if (results != NULL && ip != NULL)
    status = fct_cli_usage_error ("arc seal", usage, "%s",
                                  _ ("give either --ip (results computed) or --results, "
                                     "not both"));
  else if (ip != NULL && !fct_spf_ip_parse (ip, addr, &addr_len, NULL))
    status = fct_cli_usage_error ("arc seal", usage,
                                  _ ("“%s” is not an IPv4 or IPv6 address"), ip);
  if (status != FCT_EXIT_OK)
    {
      fct_cli_common_clear (&common);
      return status;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (FctResolver) resolver = NULL;
  g_autoptr (FctDkimPrivateKey) key = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_file (argv[1], &common.limits, &error);
  if (msg != NULL)
    key = fct_dkim_private_key_load (key_path, &error);
  if (key != NULL)
    resolver = fct_cli_make_resolver (&common, &error);
  if (msg == NULL || key == NULL || resolver == NULL)
    {
      status = fct_cli_report_error (error);
      fct_cli_common_clear (&common);
      return status;
    }

  FctArcVerifyOptions vo = { .limits = &common.limits };
  g_autoptr (FctArcVerifyResult) chain = fct_arc_verify (msg, resolver, &vo);
  gboolean computed = results == NULL;
  if (computed && chain->temporary)
    /* Nothing is sealed over a chain that failed for want of DNS (fct_arc_seal says
     * why), so there is nothing to compute either. */
    results = g_strdup ("none");
  else if (computed)
    {
      /* The results of this session, as this server computes them; the AAR starts after
       * the authserv-id of the Authentication-Results value. */
      FctCliAuth auth
          = { .ip = ip, .mail_from = mail_from, .helo = helo, .legacy = legacy };
      status = fct_cli_auth_compute (resolver, &common.limits, msg, &auth);
      if (status != FCT_EXIT_OK)
        {
          fct_cli_auth_clear (&auth);
          fct_cli_common_clear (&common);
          return status;
        }
      g_autofree char *ar
          = fct_cli_auth_results (&auth, authserv_id, fct_arc_cv_to_string (chain->cv));
      fct_cli_auth_clear (&auth);
      results = g_strdup (g_strchug (strchr (ar, ';') + 1));
    }
  g_auto (GStrv) header_list = headers != NULL ? g_strsplit (headers, ":", -1) : NULL;
  FctArcSealOptions so = { .domain = domain,
                           .selector = selector,
                           .key = key,
                           .authserv_id = authserv_id,
                           .results = results,
                           .headers = (const char *const *)header_list,
                           .timestamp = timestamp,
                           .limits = &common.limits };
  g_autoptr (FctArcSealResult) r = fct_arc_seal (msg, chain, &so, &error);
  if (r == NULL)
    {
      status = error->domain == FCT_ARC_ERROR && error->code == FCT_ARC_ERROR_INVALID
                   ? fct_cli_usage_error ("arc seal", usage, "%s", error->message)
                   : fct_cli_report_error (error);
      fct_cli_common_clear (&common);
      return status;
    }

  gboolean lf = (fct_msg_get_flags (msg) & FCT_MSG_FLAG_LF_ONLY) != 0;
  gsize len = 0;
  const char *data = g_bytes_get_data (fct_msg_get_bytes (msg), &len);
  if (common.json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      fct_cli_json_add_bool (b, "sealed", r->sealed);
      fct_cli_json_add_string (b, "cv", fct_arc_cv_to_string (r->cv));
      fct_cli_json_add_int (b, "instance", r->instance);
      fct_cli_json_add_string (b, "reason", r->reason);
      fct_cli_json_add_string (b, "chain_reason", chain->reason);
      fct_cli_json_add_string (b, "arc_seal", r->seal);
      fct_cli_json_add_string (b, "arc_message_signature", r->message_signature);
      fct_cli_json_add_string (b, "arc_authentication_results", r->authentication_results);
      json_builder_end_object (b);
      fct_cli_json_print_builder (b);
    }
  else
    {
      if (r->sealed)
        {
          write_eol (r->seal, strlen (r->seal), lf);
          write_eol (r->message_signature, strlen (r->message_signature), lf);
          write_eol (r->authentication_results, strlen (r->authentication_results), lf);
        }
      else
        g_printerr ("facteur arc seal: %s\n", r->reason);
      /* Without DNS nothing was decided: no message, exit 69, the caller retries. */
      if (!chain->temporary && computed)
        write_without_claims (msg, authserv_id, lf);
      else if (!chain->temporary)
        write_eol (data, len, lf);
      fflush (stdout);
    }
  fct_cli_common_clear (&common);
  return chain->temporary ? FCT_EXIT_UNAVAILABLE : FCT_EXIT_OK;
}

int
fct_cmd_arc (int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "verify"))
    return cmd_verify (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "seal"))
    return cmd_seal (argc - 1, argv + 1);
  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      g_print ("%s\n", _ ("Usage: facteur arc verify|seal [OPTION…]"));
      return FCT_EXIT_OK;
    }
  g_printerr ("facteur arc: %s\n%s\n", _ ("expected verify or seal"),
              _ ("Usage: facteur arc verify|seal [OPTION…]"));
  return FCT_EXIT_USAGE;
}
