/* facteur serve — the check pool: each stored message is checked as the receiving
 * server (the client address, HELO and MAIL FROM the SMTP session saw), once per
 * language, and its report (facteur check --json's object), its finding ids and a view
 * of the message (headers, text, HTML) are stored in one transaction. */
#include "server.h"

#include <facteur/mime.h>
#include <facteur/report.h>
#include <gmime/gmime.h>

/* What the report page shows of a message: enough to read it, bounded. */
#define VIEW_HEADERS_MAX 200
#define VIEW_HEADER_MAX_BYTES 4096
#define VIEW_TEXT_MAX_BYTES (256 * 1024)
#define VIEW_HTML_MAX_BYTES (512 * 1024)

const char *const fct_serve_langs[FCT_SERVE_LANGS] = { "en", "fr" };

static GPrivate thread_store = G_PRIVATE_INIT ((GDestroyNotify)fct_store_close);

FctStore *
fct_serve_thread_store (FctServer *server, GError **error)
{
  FctStore *store = g_private_get (&thread_store);
  if (store == NULL)
    {
      /* Reports need no fsync of their own: one lost in a crash leaves its message
       * unchecked, and it is checked again at start. Their commits then hold the write
       * lock for microseconds, not for a disk flush the writer thread would wait on. */
      FctStoreOptions options = { .durable = FALSE, .key_path = server->config.db_key };
      store = fct_store_open (server->config.db, &options, error);
      g_private_set (&thread_store, store);
    }
  return store;
}

void
fct_serve_with_lang (FctServer *server, const char *lang, void (*fn) (gpointer),
                     gpointer data)
{
  locale_t loc = (locale_t)0;
  for (gsize i = 0; i < FCT_SERVE_LANGS; i++)
    if (g_strcmp0 (lang, fct_serve_langs[i]) == 0)
      loc = server->locales[i];
  locale_t previous = loc != (locale_t)0 ? uselocale (loc) : (locale_t)0;
  fn (data);
  if (previous != (locale_t)0)
    uselocale (previous);
}

typedef struct
{
  FctServer *server;
  FctMsg *msg;
  const FctStoreMessage *message;
  FctCheckReport *report;
  char *json; /* built here: titles are translated as the JSON is written */
  GError *error;
} CheckRun;

static void
run_check (gpointer data)
{
  CheckRun *run = data;
  static const char *const none[] = { NULL };
  const FctServeConfig *config = &run->server->config;
  FctCheckOptions options = {
    .ip = run->message->client_ip,
    .helo = run->message->helo,
    .mail_from = run->message->mail_from,
    .authserv_id = config->authserv_id != NULL ? config->authserv_id : config->hostname,
    .dnsbl_zones = config->no_blocklists ? none : NULL,
    .uribl_zones = config->no_blocklists ? none : NULL,
    .limits = &run->server->limits,
    /* This server received it: say how (NULL would mean "not known"). */
    .tls_version = run->message->tls_version != NULL ? run->message->tls_version : "",
  };
  run->report = fct_check (run->msg, run->server->resolver, &options, &run->error);
  if (run->report != NULL)
    {
      g_autoptr (JsonNode) node = fct_report_check_to_json (run->report);
      run->json = fct_report_json_to_string (node);
    }
}

static void
view_add_string (JsonBuilder *b, const char *name, const char *value, gsize max)
{
  json_builder_set_member_name (b, name);
  if (value == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  g_autofree char *valid = g_utf8_make_valid (value, (gssize)MIN (strlen (value), max));
  json_builder_add_string_value (b, valid);
}

/* The HTML part as UTF-8: the declared charset converted, invalid bytes replaced. */
static char *
html_text (const FctMime *mime, guint index)
{
  gboolean truncated = FALSE;
  g_autoptr (GBytes) content
      = fct_mime_part_get_content (mime, index, VIEW_HTML_MAX_BYTES, &truncated);
  if (content == NULL)
    return NULL;
  gsize len;
  const char *p = g_bytes_get_data (content, &len);
  const char *charset = fct_mime_get_part (mime, index)->charset;
  if (charset != NULL && g_ascii_strcasecmp (charset, "utf-8") != 0)
    {
      g_autofree char *converted = g_convert_with_fallback (p, (gssize)len, "UTF-8",
                                                            charset, "?", NULL, NULL, NULL);
      if (converted != NULL)
        return g_utf8_make_valid (converted, -1);
    }
  return g_utf8_make_valid (p, (gssize)len);
}

/* The records the check read in DNS, for the page: each SPF record of the evaluation
 * (top level and includes), the DMARC record applied, and each DKIM key used. */
static void
view_records (JsonBuilder *b, const FctCheckReport *r)
{
  json_builder_set_member_name (b, "records");
  json_builder_begin_array (b);
  for (guint i = 0; r->spf != NULL && r->spf->trace != NULL && i < r->spf->trace->len; i++)
    {
      const FctSpfTraceStep *step = g_ptr_array_index (r->spf->trace, i);
      if (step->kind != FCT_SPF_STEP_RECORD || step->detail == NULL)
        continue;
      json_builder_begin_array (b);
      json_builder_add_string_value (b, "SPF");
      json_builder_add_string_value (b, step->domain != NULL ? step->domain : "");
      json_builder_add_string_value (b, step->detail);
      json_builder_end_array (b);
    }
  if (r->dmarc != NULL && r->dmarc->record != NULL && r->dmarc->record->text != NULL)
    {
      g_autofree char *name = g_strconcat (
          "_dmarc.", r->dmarc->policy_domain != NULL ? r->dmarc->policy_domain : "", NULL);
      json_builder_begin_array (b);
      json_builder_add_string_value (b, "DMARC");
      json_builder_add_string_value (b, name);
      json_builder_add_string_value (b, r->dmarc->record->text);
      json_builder_end_array (b);
    }
  for (guint i = 0; r->dkim != NULL && i < r->dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (r->dkim->signatures, i);
      if (s->key_bits == 0 || s->domain == NULL || s->selector == NULL)
        continue;
      g_autofree char *name = g_strdup_printf ("%s._domainkey.%s", s->selector, s->domain);
      g_autofree char *key = g_strdup_printf (
          "%s, %u bits (%s)", s->key_type == FCT_DKIM_KEY_TYPE_ED25519 ? "ed25519" : "rsa",
          s->key_bits, fct_dkim_result_to_string (s->result));
      json_builder_begin_array (b);
      json_builder_add_string_value (b, "DKIM");
      json_builder_add_string_value (b, name);
      json_builder_add_string_value (b, key);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

static char *
view_json (FctMsg *msg, const FctLimits *limits, const FctCheckReport *report)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  if (report != NULL)
    view_records (b, report);
  json_builder_set_member_name (b, "headers");
  json_builder_begin_array (b);
  for (guint i = 0; i < MIN (fct_msg_get_header_count (msg), VIEW_HEADERS_MAX); i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      g_autofree char *name
          = g_utf8_make_valid ((const char *)h->name.ptr, (gssize)h->name.len);
      g_autofree char *value
          = g_utf8_make_valid (h->value, (gssize)MIN (h->value_len, VIEW_HEADER_MAX_BYTES));
      json_builder_begin_array (b);
      json_builder_add_string_value (b, name);
      json_builder_add_string_value (b, value);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  g_autoptr (FctMime) mime = fct_mime_new (msg, limits, NULL);
  const char *text = NULL;
  g_autofree char *html = NULL;
  for (guint i = 0; mime != NULL && i < fct_mime_get_part_count (mime); i++)
    {
      const FctMimePart *part = fct_mime_get_part (mime, i);
      if (part->kind == FCT_MIME_PART_TEXT && text == NULL)
        text = fct_mime_part_get_text (mime, i, NULL);
      else if (part->kind == FCT_MIME_PART_HTML && html == NULL)
        html = html_text (mime, i);
    }
  /* From and Subject as people read them (RFC 2047 encoded words decoded), for the top
   * of the page; the header table keeps them as sent. GMime is initialised by
   * fct_mime_new. */
  static const char *const decoded[] = { "From", "Subject" };
  for (gsize k = 0; mime != NULL && k < G_N_ELEMENTS (decoded); k++)
    {
      const FctMsgHeader *h = fct_msg_find_header (msg, decoded[k], 0);
      g_autofree char *raw
          = h != NULL ? g_strndup (h->value, MIN (h->value_len, VIEW_HEADER_MAX_BYTES))
                      : NULL;
      g_autofree char *text_value
          = raw != NULL ? g_mime_utils_header_decode_text (NULL, raw) : NULL;
      g_autofree char *member = g_ascii_strdown (decoded[k], -1);
      view_add_string (b, member, text_value, VIEW_HEADER_MAX_BYTES);
    }
  view_add_string (b, "text", text, VIEW_TEXT_MAX_BYTES);
  view_add_string (b, "html", html, VIEW_HTML_MAX_BYTES);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return fct_report_json_to_string (root);
}

/* A message that cannot be checked (it breaks a parser limit, the store failed) gets a
 * report saying why, so that its page stops waiting: {"error": "..."}. */
static void
store_failure (FctStore *store, const FctStoreMessage *message, const char *why)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, why);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *json = fct_report_json_to_string (root);
  const char *langs[] = { "en", NULL };
  const char *reports[] = { json, NULL };
  FctStoreReport r = { .threat = "error", .langs = langs, .reports = reports };
  g_autoptr (GError) error = NULL;
  if (!fct_store_report_put (store, message->id, &r, &error))
    g_warning ("report of %s: %s", message->spool, error->message);
}

static void
check_worker (gpointer data, gpointer user_data)
{
  g_autoptr (FctStoreMessage) message = data;
  FctServer *server = user_data;
  g_autoptr (GError) error = NULL;
  FctStore *store = fct_serve_thread_store (server, &error);
  g_autoptr (FctMsg) msg = NULL;
  if (store == NULL)
    {
      g_warning ("check of %s: %s", message->spool, error->message);
      return;
    }
  if ((msg = fct_msg_new_from_file (message->spool, &server->limits, &error)) == NULL)
    {
      store_failure (store, message, error->message);
      return;
    }
  char *reports[FCT_SERVE_LANGS + 1] = { 0 };
  const char *langs[FCT_SERVE_LANGS + 1] = { 0 };
  g_autoptr (GPtrArray) findings = g_ptr_array_new ();
  double score = 0;
  g_autoptr (FctCheckReport) first = NULL; /* kept for the records the page shows */
  const char *threat = NULL;
  gboolean ok = TRUE;
  for (gsize i = 0; i < FCT_SERVE_LANGS && ok; i++)
    {
      /* The report's sentences are written at check time, in the thread's language; a
       * language without its locale is not offered. */
      if (i > 0 && server->locales[i] == (locale_t)0)
        continue;
      CheckRun run = { .server = server, .msg = msg, .message = message };
      fct_serve_with_lang (server, fct_serve_langs[i], run_check, &run);
      if (run.report == NULL)
        {
          store_failure (store, message, run.error->message);
          g_clear_error (&run.error);
          ok = FALSE;
          break;
        }
      gsize n = 0;
      while (langs[n] != NULL)
        n++;
      langs[n] = fct_serve_langs[i];
      reports[n] = run.json;
      if (findings->len == 0)
        {
          for (guint k = 0; k < fct_findings_get_count (run.report->findings); k++)
            g_ptr_array_add (
                findings, (gpointer)fct_findings_get (run.report->findings, k)->weight->id);
          g_ptr_array_add (findings, NULL);
          score = run.report->score;
          threat = fct_threat_to_string (run.report->threat);
        }
      if (first == NULL)
        first = run.report;
      else
        fct_check_report_free (run.report);
    }
  g_autofree char *view = view_json (msg, &server->limits, first);
  FctStoreReport r = {
    .score = score,
    .threat = threat,
    .findings = (const char *const *)findings->pdata,
    .langs = langs,
    .reports = (const char *const *)reports,
    .view = view,
  };
  if (ok && !fct_store_report_put (store, message->id, &r, &error))
    g_warning ("report of %s: %s", message->spool, error->message);
  for (gsize i = 0; i < FCT_SERVE_LANGS; i++)
    g_free (reports[i]);
}

gboolean
fct_serve_checks_start (FctServer *server, GError **error)
{
  server->checks = g_thread_pool_new (check_worker, server,
                                      MAX (server->config.check_threads, 1), FALSE, error);
  if (server->checks == NULL)
    return FALSE;
  /* Messages acknowledged before a stop but not checked yet. */
  g_autoptr (GPtrArray) pending = fct_store_messages_unchecked (server->store, error);
  if (pending == NULL)
    return FALSE;
  while (pending->len > 0)
    fct_serve_check_push (server, g_ptr_array_steal_index (pending, 0));
  return TRUE;
}

void
fct_serve_check_push (FctServer *server, FctStoreMessage *message)
{
  g_thread_pool_push (server->checks, message, NULL);
}
