/* facteur address — does this address exist? One address, or a batch (lines or CSV in,
 * JSON lines out) verified on a bounded thread pool with at most N connections per
 * exchanger. Wiring and presentation only: the work is in src/lib/verify. */
#include "cli.h"

#include <errno.h>
#include <facteur/verify.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A batch line longer than this is not an address line (RFC 5321 §4.5.3.1.3 caps a
 * path at 256 octets; CSV rows carry other columns too). */
#define BATCH_LINE_MAX 4096

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

typedef struct
{
  char *address; /* NULL: the line was not usable */
  char *input_error;
  FctVerifyResult *result;
  gboolean done;
} Job;

typedef struct
{
  FctResolver *resolver;
  FctVerifyOptions *options;
  GMutex lock;
  GCond cond;
} Batch;

static void
job_free (Job *job)
{
  g_free (job->address);
  g_free (job->input_error);
  fct_verify_result_free (job->result);
  g_free (job);
}

static void
batch_worker (gpointer data, gpointer user_data)
{
  Job *job = data;
  Batch *batch = user_data;
  FctVerifyResult *result = fct_verify_address (
      batch->resolver, job->address, strlen (job->address), batch->options, NULL);
  fct_smtp_thread_cleanup (); /* pool threads may idle past the end of the batch */
  g_mutex_lock (&batch->lock);
  job->result = result;
  job->done = TRUE;
  g_cond_broadcast (&batch->cond);
  g_mutex_unlock (&batch->lock);
}

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

static void
print_job (Job *job)
{
  if (job->result != NULL)
    {
      g_autoptr (JsonNode) node = result_to_json (job->result);
      fct_cli_print_json (node);
      return;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "address");
  json_builder_add_string_value (b, job->address != NULL ? job->address : "");
  fct_cli_json_add_string (b, "verdict", "unknown");
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, job->input_error != NULL ? job->input_error
                                                             : _ ("verification failed"));
  json_builder_end_object (b);
  fct_cli_json_print_builder (b);
}

static void
show_progress (guint64 done, guint64 total)
{
  if (total > 0)
    {
      guint width = 30, filled = (guint)(done * width / MAX (total, 1));
      g_autofree char *bar = g_strnfill (filled, '#');
      g_autofree char *rest = g_strnfill (width - MIN (filled, width), '.');
      fprintf (stderr, "\r[%s%s] %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, bar, rest, done,
               total);
    }
  else
    fprintf (stderr, "\r%" G_GUINT64_FORMAT, done);
  fflush (stderr);
}

typedef struct
{
  gboolean show;
  guint64 done;  /* lines handled: printed, or skipped (header, empty) */
  guint64 total; /* lines in the file; 0 when unknown (standard input) */
} Progress;

/* Prints finished jobs at the head of the queue, in input order. */
static void
flush_done (Batch *batch, GQueue *queue, gboolean wait_all, guint max_pending,
            Progress *progress)
{
  g_mutex_lock (&batch->lock);
  for (;;)
    {
      while (!g_queue_is_empty (queue) && ((Job *)g_queue_peek_head (queue))->done)
        {
          Job *job = g_queue_pop_head (queue);
          g_mutex_unlock (&batch->lock);
          print_job (job);
          job_free (job);
          progress->done++;
          if (progress->show)
            show_progress (progress->done, progress->total);
          g_mutex_lock (&batch->lock);
        }
      gboolean more = wait_all ? !g_queue_is_empty (queue) : queue->length >= max_pending;
      if (!more)
        break;
      g_cond_wait (&batch->cond, &batch->lock);
    }
  g_mutex_unlock (&batch->lock);
}

static guint64
count_lines (FILE *in)
{
  guint64 n = 0;
  int c, last = '\n';
  while ((c = getc (in)) != EOF)
    {
      n += (c == '\n');
      last = c;
    }
  rewind (in);
  return n + (last != '\n'); /* a last line without its newline counts too */
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

static int
run_batch (FctResolver *resolver, FctVerifyOptions *options, const AddressOptions *opts,
           const char *usage, const char *host)
{
  gboolean from_stdin = g_str_equal (opts->batch, "-");
  FILE *in = from_stdin ? stdin : fopen (opts->batch, "r");
  if (in == NULL)
    {
      g_printerr ("facteur: %s: %s\n", opts->batch, g_strerror (errno));
      return FCT_EXIT_DATAERR;
    }
  if (options->smtp && options->helo_name == NULL)
    {
      if (!from_stdin)
        fclose (in);
      return no_fqdn (usage, host);
    }

  Progress progress = { .show = isatty (STDERR_FILENO) };
  progress.total = (progress.show && !from_stdin) ? count_lines (in) : 0;
  guint workers = (guint)CLAMP (opts->concurrency, 1, 256);
  g_autoptr (FctVerifyGate) gate
      = fct_verify_gate_new ((guint)CLAMP (opts->per_host, 1, 64));
  Batch batch = { .resolver = resolver, .options = options };
  GQueue queue = G_QUEUE_INIT;
  g_autoptr (GError) error = NULL;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  gboolean first = TRUE;
  gint column = -1;

  options->gate = gate;
  g_mutex_init (&batch.lock);
  g_cond_init (&batch.cond);
  GThreadPool *pool = g_thread_pool_new (batch_worker, &batch, (gint)workers, TRUE, &error);
  if (pool == NULL)
    {
      g_printerr ("facteur: %s\n", error->message);
      if (!from_stdin)
        fclose (in);
      return FCT_EXIT_SOFTWARE;
    }

  while ((len = getline (&line, &cap, in)) >= 0)
    {
      while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
      Job *job = g_new0 (Job, 1);
      if ((size_t)len > BATCH_LINE_MAX)
        {
          job->input_error = g_strdup (_ ("line too long"));
          job->done = TRUE;
        }
      else if (!g_utf8_validate (line, len, NULL))
        {
          job->input_error = g_strdup (_ ("line is not UTF-8"));
          job->done = TRUE;
        }
      else
        {
          job->address = line_address (g_strstrip (line), first, &column);
          if (job->address == NULL)
            {
              g_free (job);
              first = FALSE;
              progress.done++;
              continue;
            }
        }
      first = FALSE;
      g_mutex_lock (&batch.lock);
      g_queue_push_tail (&queue, job);
      g_mutex_unlock (&batch.lock);
      if (!job->done)
        g_thread_pool_push (pool, job, NULL);
      flush_done (&batch, &queue, FALSE, workers * 4, &progress);
    }
  free (line);
  flush_done (&batch, &queue, TRUE, 0, &progress);
  if (progress.show)
    {
      show_progress (progress.done, progress.total);
      fputc ('\n', stderr);
    }
  g_thread_pool_free (pool, FALSE, TRUE);
  g_mutex_clear (&batch.lock);
  g_cond_clear (&batch.cond);
  options->gate = NULL;
  if (!from_stdin)
    fclose (in);
  return FCT_EXIT_OK;
}

/* This machine's fully qualified name, as EHLO must give it (RFC 5321 §4.1.1.1): the
 * host name when it has a dot, else the canonical name the resolver gives for it.
 * NULL when neither is a fully qualified name. (transfer full) */
static char *
machine_fqdn (char **host_out)
{
  char host[256] = "";
  if (gethostname (host, sizeof host - 1) != 0)
    host[0] = '\0';
  *host_out = g_strdup (host);
  g_autofree char *name = NULL;
  if (strchr (host, '.') != NULL)
    name = g_strdup (host);
  else if (host[0] != '\0')
    {
      struct addrinfo hints = { .ai_flags = AI_CANONNAME };
      struct addrinfo *ai = NULL;
      if (getaddrinfo (host, NULL, &hints, &ai) == 0 && ai != NULL
          && ai->ai_canonname != NULL)
        name = g_strdup (ai->ai_canonname);
      if (ai != NULL)
        freeaddrinfo (ai);
    }
  if (name == NULL || strchr (name, '.') == NULL || !fct_verify_domain_is_ldh (name)
      || g_str_has_suffix (name, ".localdomain") || g_str_has_suffix (name, ".localhost"))
    return NULL;
  return g_ascii_strdown (name, -1);
}

int
fct_cmd_address (int argc, char **argv)
{
  static const char *summary = N_ ("Tell whether an email address exists: syntax, domain, "
                                   "and the receiving server's answer (nothing is sent).");
  AddressOptions opts = { .smtp_port = 25, .concurrency = 8, .per_host = 2 };
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
      N_ ("Connections at once to one mail server in batch mode (default 2)"), "N" },
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
  g_autofree char *fqdn = opts.helo == NULL && !opts.no_smtp ? machine_fqdn (&host) : NULL;
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
  else if (opts.concurrency < 1 || opts.per_host < 1)
    status = fct_cli_usage_error ("address", usage, "%s",
                                  _ ("--concurrency and --per-host must be at least 1"));
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
        status = run_batch (resolver, &options, &opts, usage, host);
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
  fct_cli_common_clear (&common);
  return status;
}
