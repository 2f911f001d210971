/* facteur address — does this address exist? One address, or a batch (lines or CSV in,
 * JSON lines out) verified on a bounded thread pool with at most N connections per
 * exchanger. Wiring and presentation only: the work is in src/lib/verify. */
#include "cli.h"

#include <errno.h>
#include <facteur/verify.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  gboolean no_smtp;
  gint smtp_port;
  char *helo;
  char *mail_from;
  char *batch;
  gint concurrency;
  gint per_host;
  gint greylist_retry;
  gint domain_sessions;
  gint domain_rate;
  gint host_rate;
  gint rcpt_per_session;
  gint backoff;
  char *state;
} AddressOptions;

/* A sentence for each reason id of the library. */
static const char *
reason_text (const char *id)
{
  static const struct
  {
    const char *id;
    const char *text;
  } texts[] = {
    { "syntax_invalid", N_ ("The address is not valid (%s).") },
    { "syntax_deprecated",
      N_ ("The address uses an obsolete form (%s): some servers refuse it.") },
    { "address_literal", N_ ("The domain is an IP address literal (%s): not verified.") },
    { "idna_invalid",
      N_ ("The domain “%s” is not a valid internationalised domain name.") },
    { "did_you_mean", N_ ("Did you mean %s?") },
    { "domain_not_found", N_ ("The domain %s does not exist.") },
    { "dns_unavailable", N_ ("DNS did not answer (%s).") },
    { "null_mx",
      N_ ("The domain %s declares that it accepts no mail (null MX, RFC 7505).") },
    { "no_mail_route",
      N_ ("The domain %s has neither MX nor address record: mail cannot be delivered.") },
    { "smtp_skipped", N_ ("The mail server was not asked (--no-smtp).%s") },
    { "smtp_unavailable", N_ ("No mail server of the domain could be reached (%s).") },
    { "smtputf8_not_offered", N_ ("The address has non-ASCII characters but the server %s "
                                  "does not offer SMTPUTF8: it cannot receive it.") },
    { "smtputf8_required", N_ ("The address has non-ASCII characters: only servers "
                               "offering SMTPUTF8 (RFC 6531) can receive it.%s") },
    { "rcpt_accepted", N_ ("The server accepted the address (%s).") },
    { "rcpt_rejected", N_ ("The server refused the address (%s).") },
    { "catch_all", N_ ("The server %s accepts any address at this domain (catch-all): this "
                       "one may not exist.") },
    { "cannot_verify", N_ ("The server will not say whether the address exists (%s).") },
    { "greylisted", N_ ("The server asked to try again later (greylisting or a temporary "
                        "problem: %s).") },
    { "server_busy", N_ ("The server is temporarily out of resources (%s).") },
    { "policy_rejected", N_ ("The server refused this check for policy reasons, not "
                             "because of the address (%s).") },
    { "rcpt_unexpected", N_ ("The server gave an unexpected answer (%s).") },
    { "sender_rejected", N_ ("The server refused the sender of the check, not the address "
                             "(%s): nothing is known about the address.") },
    { "transaction_failed", N_ ("The server refused the check without saying why (%s): "
                                "often a refusal of the checking machine, not of the "
                                "address.") },
    { "mailbox_full", N_ ("The mailbox is full (%s).") },
    { "mailbox_disabled", N_ ("The mailbox is disabled (%s).") },
    { "policy_deferred", N_ ("The server deferred this check for policy reasons, not "
                             "because of the address (%s).") },
    { "special_use_domain", N_ ("%s is a name reserved for testing or private use (RFC "
                                "6761, RFC 7686): no mailbox there is reachable on the "
                                "Internet.") },
    { "disposable", N_ ("%s is a disposable-address service.") },
    { "role_account", N_ ("“%s” is a role account (a function, not a person).") },
    { "free_mail", N_ ("%s is a free mail provider.") },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    if (g_str_equal (texts[i].id, id))
      return _ (texts[i].text);
  return id;
}

static char *
reason_sentence (const FctVerifyReason *r)
{
  const char *format = reason_text (r->id);
  if (strstr (format, "%s") == NULL)
    return g_strdup (format);
    /* The formats come from the table above, each with exactly one %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  return g_strdup_printf (format, r->detail != NULL ? r->detail : "");
#pragma GCC diagnostic pop
}

static const char *
rcpt_reply (const FctVerifyProbe *p)
{
  if (p->transcript == NULL)
    return NULL;
  for (guint i = 0; i < p->transcript->lines->len; i++)
    {
      const char *line = g_ptr_array_index (p->transcript->lines, i);
      if (!g_str_has_prefix (line, "C: RCPT TO:"))
        continue;
      for (guint j = i + 1; j < p->transcript->lines->len; j++)
        {
          const char *reply = g_ptr_array_index (p->transcript->lines, j);
          if (g_str_has_prefix (reply, "S: ") && strlen (reply) > 6 && reply[6] == ' ')
            return reply + 3;
        }
    }
  return NULL;
}

static JsonNode *
result_to_json (const FctVerifyResult *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const FctVerifySyntax *s = r->syntax;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "address");
  json_builder_add_string_value (b, r->address);
  fct_cli_json_add_string (b, "verdict", fct_verify_verdict_to_string (r->verdict));
  json_builder_set_member_name (b, "reasons");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->reasons->len; i++)
    json_builder_add_string_value (
        b, ((FctVerifyReason *)g_ptr_array_index (r->reasons, i))->id);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "explanations");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->reasons->len; i++)
    {
      g_autofree char *text = reason_sentence (g_ptr_array_index (r->reasons, i));
      json_builder_add_string_value (b, text);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "syntax");
  json_builder_begin_object (b);
  fct_cli_json_add_string (b, "diagnosis", fct_verify_diag_to_string (s->diagnosis));
  fct_cli_json_add_string (b, "category", fct_verify_category_to_string (s->category));
  fct_cli_json_add_bool (b, "smtputf8_required", s->local_utf8);
  if (s->domain_ascii != NULL)
    fct_cli_json_add_string (b, "domain", s->domain_ascii);
  json_builder_end_object (b);
  if (r->suggestion != NULL)
    fct_cli_json_add_string (b, "suggestion", r->suggestion);
  const struct
  {
    const char *name;
    gboolean value;
  } flags[] = { { "disposable", r->disposable }, { "role", r->role },
                { "free_mail", r->free_mail },   { "catch_all", r->catch_all },
                { "null_mx", r->null_mx },       { "implicit_mx", r->implicit_mx } };
  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    fct_cli_json_add_bool (b, flags[i].name, flags[i].value);
  fct_cli_json_add_strings (b, "mx", r->mx);
  json_builder_set_member_name (b, "smtp");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->probes->len; i++)
    {
      const FctVerifyProbe *p = g_ptr_array_index (r->probes, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "host");
      json_builder_add_string_value (b, p->host);
      if (p->ip != NULL)
        fct_cli_json_add_string (b, "ip", p->ip);
      fct_cli_json_add_int (b, "port", p->port);
      fct_cli_json_add_bool (b, "tls", p->tls);
      fct_cli_json_add_string (b, "reply", rcpt_reply (p));
      if (p->rcpt_enhanced[0] != '\0')
        fct_cli_json_add_string (b, "enhanced", p->rcpt_enhanced);
      if (p->error != NULL)
        fct_cli_json_add_string (b, "error", p->error);
      fct_cli_json_add_strings (b, "dialogue",
                                p->transcript != NULL ? p->transcript->lines : NULL);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_text (const FctVerifyResult *r)
{
  static const char *const verdicts[]
      = { N_ ("deliverable"), N_ ("undeliverable"), N_ ("risky"), N_ ("unknown") };
  g_print ("%s: %s\n", r->address, _ (verdicts[r->verdict]));
  for (guint i = 0; i < r->reasons->len; i++)
    {
      g_autofree char *text = reason_sentence (g_ptr_array_index (r->reasons, i));
      g_print ("  - %s\n", text);
    }
  if (r->mx->len > 0)
    {
      g_print ("  %s", _ ("Mail servers:"));
      for (guint i = 0; i < r->mx->len; i++)
        g_print (" %s", (const char *)g_ptr_array_index (r->mx, i));
      g_print ("\n");
    }
}

/* DESIGN.md: 69 when DNS or every mail server could not be reached; the verdict is
 * printed all the same. */
static gboolean
unavailable (const FctVerifyResult *r)
{
  for (guint i = 0; i < r->reasons->len; i++)
    {
      const FctVerifyReason *reason = g_ptr_array_index (r->reasons, i);
      if (g_str_equal (reason->id, "dns_unavailable")
          || g_str_equal (reason->id, "smtp_unavailable"))
        return TRUE;
    }
  return FALSE;
}

/* ---- batch ---------------------------------------------------------------------- */

/* Splits one CSV row (RFC 4180 quoting; ',' or ';'). */
static GPtrArray *
csv_fields (const char *line)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const char *p = line;; p++)
    {
      if (quoted)
        {
          if (*p == '\0')
            break;
          if (*p == '"' && p[1] == '"')
            g_string_append_c (field, *p++);
          else if (*p == '"')
            quoted = FALSE;
          else
            g_string_append_c (field, *p);
          continue;
        }
      if (*p == '"' && field->len == 0)
        quoted = TRUE;
      else if (*p == ',' || *p == ';' || *p == '\0')
        {
          g_ptr_array_add (fields, g_strdup (g_strstrip (field->str)));
          g_string_truncate (field, 0);
          if (*p == '\0')
            break;
        }
      else
        g_string_append_c (field, *p);
    }
  if (quoted)
    g_ptr_array_add (fields, g_strdup (g_strstrip (field->str)));
  g_string_free (field, TRUE);
  return fields;
}

static gboolean
is_email_header (const char *name)
{
  static const char *const names[]
      = { "email", "e-mail", "mail", "address", "adresse", "courriel", "email address" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The address of a batch line: the whole line, or in a CSV row the column named like
 * an e-mail header (first row) or else the first field holding an "@". Returns NULL
 * for a header row or an empty line. */
static char *
line_address (const char *line, gboolean first, gint *column)
{
  if (strpbrk (line, ",;\"") == NULL)
    {
      /* A one-column list may still start with its header. */
      if (line[0] == '\0' || (first && is_email_header (line)))
        return NULL;
      return g_strdup (line);
    }

  g_autoptr (GPtrArray) fields = csv_fields (line);
  if (first)
    for (guint i = 0; i < fields->len; i++)
      if (is_email_header (g_ptr_array_index (fields, i)))
        {
          *column = (gint)i;
          return NULL;
        }
  if (*column >= 0 && (guint)*column < fields->len)
    return g_strdup (g_ptr_array_index (fields, *column));
  for (guint i = 0; i < fields->len; i++)
    if (strchr (g_ptr_array_index (fields, i), '@') != NULL)
      return g_strdup (g_ptr_array_index (fields, i));
  return g_strdup (fields->len > 0 ? (const char *)g_ptr_array_index (fields, 0) : "");
}

/* 64: probing needs this machine's fully qualified name and there is none. */
static int
no_fqdn (const char *usage, const char *host)
{
  return fct_cli_usage_error (
      "address", usage,
      _ ("this machine's name (“%s”) is not a fully qualified domain name: mail servers "
         "refuse EHLO from such names, and their refusal would pass for a verdict on the "
         "address. Give the name this machine's address resolves to with --helo NAME "
         "(or use --no-smtp)."),
      host != NULL ? host : "");
}

typedef struct
{
  FctResolver *resolver;
  const FctVerifyOptions *options;
  gboolean first; /* the next line is the file's first */
  gint column;    /* the CSV column of addresses, -1 until a header names it */
} AddressBatch;

static char *
error_line (const char *address, const char *error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  fct_cli_json_add_string (b, "address", address);
  fct_cli_json_add_string (b, "verdict", "unknown");
  fct_cli_json_add_string (b, "error", error);
  json_builder_end_object (b);
  g_autoptr (JsonNode) node = json_builder_get_root (b);
  return json_to_string (node, FALSE);
}

/* In input order: the address of the line (whole line, or its CSV column), grouped by
 * domain so that one session serves several addresses. A header row and blank lines
 * are no job. */
static gboolean
batch_prepare (FctCliBatchJob *job, gpointer data)
{
  AddressBatch *batch = data;
  gboolean first = batch->first;
  batch->first = FALSE;
  if (job->too_long)
    {
      job->output = error_line ("", _ ("line too long"));
      return TRUE;
    }
  if (!g_utf8_validate (job->line, (gssize)job->len, NULL))
    {
      job->output = error_line ("", _ ("line is not UTF-8"));
      return TRUE;
    }
  char *address = line_address (g_strstrip (job->line), first, &batch->column);
  if (address == NULL)
    return FALSE;
  g_free (job->line);
  job->line = address;
  job->len = strlen (address);
  const char *at = strrchr (address, '@');
  job->key = g_ascii_strdown (at != NULL ? at + 1 : "", -1);
  return TRUE;
}

static void
batch_run (FctCliBatchJob *const *jobs, guint n, gpointer data)
{
  AddressBatch *batch = data;
  g_autofree const char **addresses = g_new0 (const char *, n);
  for (guint i = 0; i < n; i++)
    addresses[i] = jobs[i]->line;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) results
      = fct_verify_addresses (batch->resolver, addresses, n, batch->options, &error);
  fct_smtp_thread_cleanup (); /* pool threads may idle past the end of the batch */
  for (guint i = 0; i < n; i++)
    {
      if (results == NULL)
        {
          jobs[i]->output = error_line (jobs[i]->line, error->message);
          continue;
        }
      g_autoptr (JsonNode) node = result_to_json (g_ptr_array_index (results, i));
      jobs[i]->output = json_to_string (node, FALSE);
    }
}

static int
run_batch (FctResolver *resolver, FctVerifyOptions *options, const AddressOptions *opts,
           const FctLimits *limits, const char *usage, const char *host)
{
  if (options->smtp && options->helo_name == NULL)
    {
      /* A missing file is reported first (65), as for every other command. */
      if (!g_str_equal (opts->batch, "-") && access (opts->batch, R_OK) != 0)
        {
          g_printerr ("facteur: %s: %s\n", opts->batch, g_strerror (errno));
          return FCT_EXIT_DATAERR;
        }
      return no_fqdn (usage, host);
    }
  FctVerifyPace pace;
  fct_verify_pace_init (&pace);
  pace.domain_sessions = (guint)opts->domain_sessions;
  pace.domain_rate = (guint)opts->domain_rate;
  pace.host_sessions = (guint)opts->per_host;
  pace.host_rate = (guint)opts->host_rate;
  pace.rcpt_per_session = (guint)opts->rcpt_per_session;
  pace.backoff_ms = (guint)opts->backoff * 1000;
  g_autoptr (FctVerifyGate) gate = fct_verify_gate_new_full (&pace);
  AddressBatch data = { resolver, options, TRUE, -1 };
  FctCliBatch batch = {
    .path = opts->batch,
    .state = opts->state,
    .workers = (guint)CLAMP (opts->concurrency, 1, 256),
    .group_max = pace.rcpt_per_session,
    .line_max = limits->batch_line_max_bytes,
    .prepare = batch_prepare,
    .run = batch_run,
    .data = &data,
  };
  options->gate = gate;
  int status = fct_cli_batch_run (&batch);
  options->gate = NULL;
  return status;
}

int
fct_cmd_address (int argc, char **argv)
{
  static const char *summary = N_ ("Tell whether an email address exists: syntax, domain, "
                                   "and the receiving server's answer (nothing is sent).");
  FctVerifyPace defaults;
  fct_verify_pace_init (&defaults);
  AddressOptions opts = {
    .smtp_port = 25,
    .concurrency = 8,
    .per_host = (gint)defaults.host_sessions,
    .domain_sessions = (gint)defaults.domain_sessions,
    .domain_rate = (gint)defaults.domain_rate,
    .host_rate = (gint)defaults.host_rate,
    .rcpt_per_session = (gint)defaults.rcpt_per_session,
    .backoff = (gint)(defaults.backoff_ms / 1000),
  };
  GOptionEntry entries[] = {
    { "no-smtp", 0, 0, G_OPTION_ARG_NONE, &opts.no_smtp,
      N_ ("Do not contact the mail servers"), NULL },
    { "smtp-port", 0, 0, G_OPTION_ARG_INT, &opts.smtp_port,
      N_ ("Port of the mail servers (default 25; for tests)"), N_ ("PORT") },
    { "helo", 0, 0, G_OPTION_ARG_STRING, &opts.helo,
      N_ ("Name to give in EHLO: this machine's fully qualified name (default: found "
          "from the host name; required when there is none)"),
      N_ ("NAME") },
    { "mail-from", 0, 0, G_OPTION_ARG_STRING, &opts.mail_from,
      N_ ("Sender for MAIL FROM (default: the null sender <>)"), N_ ("ADDRESS") },
    { "batch", 0, 0, G_OPTION_ARG_FILENAME, &opts.batch,
      N_ ("Verify every address of FILE (lines or CSV; - for standard input), one JSON "
          "line each"),
      N_ ("FILE") },
    { "greylist-retry", 0, 0, G_OPTION_ARG_INT, &opts.greylist_retry,
      N_ ("After a temporary refusal (greylisting), ask again once after SECONDS"),
      N_ ("SECONDS") },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &opts.concurrency,
      N_ ("Addresses verified at once in batch mode (default 8)"), "N" },
    { "per-host", 0, 0, G_OPTION_ARG_INT, &opts.per_host,
      N_ ("Batch mode: sessions at once with one mail server (default 2)"), "N" },
    { "per-domain", 0, 0, G_OPTION_ARG_INT, &opts.domain_sessions,
      N_ ("Batch mode: sessions at once for one destination domain (default 2)"), "N" },
    { "rate-host", 0, 0, G_OPTION_ARG_INT, &opts.host_rate,
      N_ ("Batch mode: addresses asked per minute of one mail server (default 60; 0: no "
          "limit)"),
      "N" },
    { "rate-domain", 0, 0, G_OPTION_ARG_INT, &opts.domain_rate,
      N_ ("Batch mode: addresses asked per minute for one destination domain (default 60; "
          "0: no limit)"),
      "N" },
    { "rcpt-per-session", 0, 0, G_OPTION_ARG_INT, &opts.rcpt_per_session,
      N_ ("Batch mode: addresses of one domain asked in one SMTP session (default 20)"),
      "N" },
    { "backoff", 0, 0, G_OPTION_ARG_INT, &opts.backoff,
      N_ ("Wait after a temporary refusal (4xx) or 421 before asking that server again, "
          "doubled each time up to 10 minutes (default 30)"),
      N_ ("SECONDS") },
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &opts.state,
      N_ ("Batch mode: record each verified address in FILE, and skip those it already "
          "holds (to resume an interrupted run without asking twice)"),
      N_ ("FILE") },
    G_OPTION_ENTRY_NULL
  };
  FctCliCommon common = { 0 };
  g_autofree char *usage = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  if (!fct_cli_parse ("address", _ ("ADDRESS"), summary, entries, &common, &argc, &argv,
                      &usage))
    {
      fct_cli_common_clear (&common);
      return FCT_EXIT_USAGE;
    }

  g_autofree char *host = NULL;
  g_autofree char *fqdn
      = opts.helo == NULL && !opts.no_smtp ? fct_cli_machine_fqdn (&host) : NULL;
  FctVerifyOptions options;
  fct_verify_options_init (&options);
  options.smtp = !opts.no_smtp;
  options.smtp_port = (guint16)opts.smtp_port;
  options.helo_name = opts.helo != NULL ? opts.helo : fqdn;
  options.mail_from = opts.mail_from;
  options.limits = &common.limits;
  options.greylist_retry_ms = (guint)CLAMP (opts.greylist_retry, 0, 3600) * 1000;

  if (opts.smtp_port < 1 || opts.smtp_port > 65535)
    status = fct_cli_usage_error ("address", usage, "%s",
                                  _ ("--smtp-port must be 1 to 65535"));
  else if (opts.greylist_retry < 0 || opts.greylist_retry > 3600)
    status = fct_cli_usage_error ("address", usage, "%s",
                                  _ ("--greylist-retry must be 0 to 3600 seconds"));
  else if (opts.concurrency < 1 || opts.per_host < 1 || opts.domain_sessions < 1
           || opts.rcpt_per_session < 1 || opts.rcpt_per_session > 100)
    status = fct_cli_usage_error (
        "address", usage, "%s",
        _ ("--concurrency, --per-host and --per-domain must be at least 1, "
           "--rcpt-per-session 1 to 100"));
  else if (opts.host_rate < 0 || opts.domain_rate < 0 || opts.backoff < 0
           || opts.backoff > 600)
    status = fct_cli_usage_error (
        "address", usage, "%s",
        _ ("--rate-host and --rate-domain cannot be negative, --backoff is 0 to 600 "
           "seconds"));
  else if (opts.helo != NULL
           && (!fct_verify_domain_is_ldh (opts.helo) || strchr (opts.helo, '.') == NULL))
    status = fct_cli_usage_error (
        "address", usage, _ ("--helo %s is not a fully qualified domain name"), opts.helo);
  else if (opts.batch == NULL && argc != 2)
    status = fct_cli_usage_error ("address", usage, "%s", _ ("expected one address"));
  else if (opts.batch != NULL && argc != 1)
    status = fct_cli_usage_error ("address", usage, "%s",
                                  _ ("--batch takes the addresses from a file, not the "
                                     "command line"));
  else
    {
      g_autoptr (FctResolver) resolver = fct_cli_make_resolver (&common, &error);
      if (resolver == NULL)
        status = fct_cli_report_error (error);
      else if (opts.batch != NULL)
        status = run_batch (resolver, &options, &opts, &common.limits, usage, host);
      else if (options.smtp && options.helo_name == NULL)
        status = no_fqdn (usage, host);
      else
        {
          g_autoptr (FctVerifyResult) result
              = fct_verify_address (resolver, argv[1], strlen (argv[1]), &options, &error);
          if (result == NULL)
            status = fct_cli_report_error (error);
          else
            {
              if (common.json)
                {
                  g_autoptr (JsonNode) node = result_to_json (result);
                  fct_cli_print_json (node);
                }
              else
                print_text (result);
              status = unavailable (result) ? FCT_EXIT_UNAVAILABLE : FCT_EXIT_OK;
            }
        }
    }
  g_free (opts.helo);
  g_free (opts.mail_from);
  g_free (opts.batch);
  g_free (opts.state);
  fct_cli_common_clear (&common);
  return status;
}
