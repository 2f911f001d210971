/* facteur serve — the web side on libsoup 3, on the same main context as SMTP: the
 * pages (pages.c renders them), the JSON API, static assets from the GResource, rate
 * limits per client, the admin pages behind a PBKDF2-hashed password (the messages, and
 * the reports received per domain), and domain audits and reports summaries in thread
 * pools so that the loop never waits on DNS. */
#include "server.h"

#include "pages.h"
#include "password.h"

#include <facteur/audit.h>
#include <facteur/report.h>
#include <facteur/reports.h>
#include <libsoup/soup.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

/* Every page: nothing loads or runs but this site's own script and style. */
#define PAGE_CSP                                                                           \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"         \
  " connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none';"            \
  " frame-ancestors 'none'"
/* The message's own HTML: inline style only, no fetch of any kind, no script, in a
 * sandbox of its own even if opened outside the frame. */
#define MESSAGE_CSP                                                                        \
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox;"                 \
  " frame-ancestors 'self'"

/* Report pages kept built (a few MB at most); past this the cache starts again. */
#define PAGES_CACHED 256

/* RFC 6585 §4; libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429

char *
fct_serve_token_new (void)
{
  guint8 bytes[16];
  /* OpenSSL's generator, seeded from getrandom(2); it fails only when the system gives
   * no entropy, and then no token is made. */
  if (RAND_bytes (bytes, sizeof bytes) != 1)
    return NULL;
  GString *hex = g_string_sized_new (32);
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

char *
fct_serve_address (FctServer *server, const char *token)
{
  return g_strdup_printf ("test-%s@%s", token, server->config.test_domain);
}

gint64
fct_serve_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
valid_token (const char *token)
{
  if (token == NULL || strlen (token) != 32)
    return FALSE;
  for (const char *p = token; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static gboolean
trusted_proxy (FctServer *server, GInetAddress *address)
{
  GPtrArray *proxies = server->config.proxies;
  for (guint i = 0; proxies != NULL && i < proxies->len; i++)
    if (g_inet_address_mask_matches (g_ptr_array_index (proxies, i), address))
      return TRUE;
  return FALSE;
}

/* The web client a rate is counted for. Behind a reverse proxy every request comes from
 * the proxy; when the peer is one of trusted_proxies, the client is the last address of
 * X-Forwarded-For that is not itself a trusted proxy, read from the right: each proxy
 * appends the address it was connected from, and anything to the left of the first
 * untrusted hop was written by the client and may be forged (nginx's real_ip_recursive).
 * A hop that is not an address stops the walk at the last trusted one. */
static char *
client_ip (FctServer *server, SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup (soup_server_message_get_remote_host (msg));
  GInetAddress *peer = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  g_autofree char *client = g_inet_address_to_string (peer);
  if (!trusted_proxy (server, peer))
    return g_steal_pointer (&client);
  const char *forwarded = soup_message_headers_get_list (
      soup_server_message_get_request_headers (msg), "X-Forwarded-For");
  if (forwarded == NULL)
    return g_steal_pointer (&client);
  /* Past 32 hops the first piece holds the rest, commas and all: not an address, it
     ends the walk like any other. */
  g_auto (GStrv) hops = g_strsplit (forwarded, ",", 32);
  for (guint i = g_strv_length (hops); i > 0; i--)
    {
      g_autoptr (GInetAddress) hop
          = g_inet_address_new_from_string (g_strstrip (hops[i - 1]));
      if (hop == NULL)
        break;
      g_free (client);
      client = g_inet_address_to_string (hop);
      if (!trusted_proxy (server, hop))
        break;
    }
  return g_steal_pointer (&client);
}

/* ?lang=, then the lang cookie, then Accept-Language (RFC 9110 §12.5.4), then English. */
static const char *
request_lang (SoupServerMessage *msg, GHashTable *query)
{
  const char *q = query != NULL ? g_hash_table_lookup (query, "lang") : NULL;
  if (g_strcmp0 (q, "fr") == 0 || g_strcmp0 (q, "en") == 0)
    return g_str_equal (q, "fr") ? "fr" : "en";
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const char *cookie = soup_message_headers_get_one (h, "Cookie");
  if (cookie != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (cookie, ";", -1);
      for (gsize i = 0; parts[i] != NULL; i++)
        {
          const char *c = g_strstrip (parts[i]);
          if (g_str_equal (c, "lang=fr"))
            return "fr";
          if (g_str_equal (c, "lang=en"))
            return "en";
        }
    }
  const char *accept = soup_message_headers_get_list (h, "Accept-Language");
  if (accept != NULL)
    {
      GSList *langs = soup_header_parse_quality_list (accept, NULL);
      const char *found = NULL;
      for (GSList *l = langs; l != NULL && found == NULL; l = l->next)
        {
          if (g_ascii_strncasecmp (l->data, "fr", 2) == 0)
            found = "fr";
          else if (g_ascii_strncasecmp (l->data, "en", 2) == 0)
            found = "en";
        }
      soup_header_free_list (langs);
      if (found != NULL)
        return found;
    }
  return "en";
}

static void
set_common_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (h, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (h, "Cache-Control", "no-store");
}

static void
respond (SoupServerMessage *msg, guint status, const char *type, char *body)
{
  set_common_headers (msg);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
respond_page (SoupServerMessage *msg, guint status, char *html, const char *lang,
              gboolean set_cookie)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (h, "Content-Security-Policy", PAGE_CSP);
  soup_message_headers_replace (h, "Content-Language", lang);
  soup_message_headers_append (h, "Vary", "Accept-Language, Cookie");
  if (set_cookie)
    {
      g_autofree char *cookie
          = g_strdup_printf ("lang=%s; Path=/; Max-Age=31536000; SameSite=Lax", lang);
      soup_message_headers_append (h, "Set-Cookie", cookie);
    }
  respond (msg, status, "text/html; charset=utf-8", html);
}

static void
respond_json (SoupServerMessage *msg, guint status, char *json)
{
  respond (msg, status, "application/json", json);
}

static char *
json_error (const char *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return fct_report_json_to_string (root);
}

/* ---- tests ------------------------------------------------------------------------ */

/* Creates a test for the client; NULL and *status when refused. */
static char *
create_test (FctServer *server, SoupServerMessage *msg, guint *status)
{
  g_autofree char *ip = client_ip (server, msg);
  g_autoptr (GError) error = NULL;
  if (!fct_anvil_rate (server->anvil, "test", ip, (guint)server->config.tests_per_hour,
                       3600, fct_serve_now ()))
    {
      *status = STATUS_TOO_MANY_REQUESTS;
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "3600");
      return NULL;
    }
  char *token = fct_serve_token_new ();
  if (token == NULL)
    {
      *status = SOUP_STATUS_SERVICE_UNAVAILABLE;
      return NULL;
    }
  if (!fct_store_test_create (server->store, token, ip, fct_serve_now (), &error))
    {
      g_warning ("test: %s", error->message);
      *status = SOUP_STATUS_SERVICE_UNAVAILABLE;
      g_free (token);
      return NULL;
    }
  return token;
}

static void
api_tests_post (FctServer *server, SoupServerMessage *msg)
{
  guint status = 0;
  g_autofree char *token = create_test (server, msg, &status);
  if (token == NULL)
    {
      respond_json (msg, status,
                    json_error (status == STATUS_TOO_MANY_REQUESTS
                                    ? "too many tests from your address; try again later"
                                    : "the store is unavailable"));
      return;
    }
  g_autofree char *address = fct_serve_address (server, token);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, "address");
  json_builder_add_string_value (b, address);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  respond_json (msg, SOUP_STATUS_CREATED, fct_report_json_to_string (root));
}

/* The test's state: 0 unknown, 1 waiting, 2 done (with *message and *report). */
static int
test_state (FctServer *server, const char *token, const char *lang,
            FctStoreMessage **message, char **report, GError **error)
{
  int exists
      = valid_token (token) ? fct_store_test_exists (server->store, token, error) : 0;
  if (exists <= 0)
    return exists;
  g_autoptr (FctStoreMessage) m = fct_store_message_latest (server->store, token, error);
  if (m == NULL || !m->checked)
    return *error != NULL ? -1 : 1;
  char *json = fct_store_report_get (server->store, m->id, lang, error);
  if (json == NULL)
    return *error != NULL ? -1 : 1;
  *report = json;
  *message = g_steal_pointer (&m);
  return 2;
}

/* A stored {"error": ...} instead of a report (check.c, store_failure). */
static gboolean
report_failed (const char *report)
{
  return g_str_has_prefix (report, "{\"error\":");
}

static void
api_tests_get (FctServer *server, SoupServerMessage *msg, const char *token,
               GHashTable *query)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStoreMessage) message = NULL;
  g_autofree char *report = NULL;
  int state
      = test_state (server, token, request_lang (msg, query), &message, &report, &error);
  if (state < 0)
    {
      respond_json (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, json_error (error->message));
      return;
    }
  if (state == 0)
    {
      respond_json (msg, SOUP_STATUS_NOT_FOUND, json_error ("no such test"));
      return;
    }
  g_autofree char *address = fct_serve_address (server, token);
  g_autofree char *address_json = g_strescape (address, NULL);
  /* The report is spliced in as stored: it is exactly facteur check --json's object. A
   * message that could not be checked has {"error": ...} instead. */
  if (state == 1)
    respond_json (
        msg, SOUP_STATUS_OK,
        g_strdup_printf ("{\"status\":\"waiting\",\"address\":\"%s\"}", address_json));
  else if (report_failed (report))
    respond_json (msg, SOUP_STATUS_OK,
                  g_strdup_printf ("{\"status\":\"failed\",\"address\":\"%s\",%s",
                                   address_json, report + 1));
  else
    respond_json (msg, SOUP_STATUS_OK,
                  g_strdup_printf ("{\"status\":\"done\",\"address\":\"%s\",\"report\":%s}",
                                   address_json, report));
}

/* ---- pages ------------------------------------------------------------------------ */

typedef struct
{
  FctServer *server;
  FctServePage page;
  char *html;
} Render;

static void
render_cb (gpointer data)
{
  Render *r = data;
  r->html = fct_serve_page_render (&r->page);
}

static char *
render (FctServer *server, FctServePage *page)
{
  Render r = { .server = server, .page = *page };
  fct_serve_with_lang (server, page->lang, render_cb, &r);
  return r.html;
}

static void
page_home (FctServer *server, SoupServerMessage *msg, const char *lang, gboolean cookie)
{
  guint status = 0;
  g_autofree char *token = create_test (server, msg, &status);
  if (token == NULL)
    {
      FctServePage page = { .kind = FCT_SERVE_PAGE_ERROR, .lang = lang, .status = status };
      respond_page (msg, status, render (server, &page), lang, cookie);
      return;
    }
  g_autofree char *location = g_strconcat ("/r/", token, NULL);
  soup_server_message_set_redirect (msg, SOUP_STATUS_SEE_OTHER, location);
  set_common_headers (msg);
}

static void
page_report (FctServer *server, SoupServerMessage *msg, const char *token, const char *lang,
             gboolean cookie)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStoreMessage) message = NULL;
  g_autofree char *report = NULL;
  int state = test_state (server, token, lang, &message, &report, &error);
  /* A checked message's page never changes: it is built once per language. */
  g_autofree char *key
      = state == 2 ? g_strdup_printf ("%" G_GINT64_FORMAT "/%s", message->id, lang) : NULL;
  const char *cached = key != NULL ? g_hash_table_lookup (server->pages, key) : NULL;
  if (cached != NULL)
    {
      respond_page (msg, SOUP_STATUS_OK, g_strdup (cached), lang, cookie);
      return;
    }
  g_autofree char *address = state > 0 ? fct_serve_address (server, token) : NULL;
  g_autofree char *view = NULL;
  if (state == 2)
    view = fct_store_view_get (server->store, message->id, NULL);
  gboolean failed = state == 2 && report_failed (report);
  FctServePage page = {
    .kind = failed       ? FCT_SERVE_PAGE_FAILED
            : state == 2 ? FCT_SERVE_PAGE_REPORT
            : state == 1 ? FCT_SERVE_PAGE_WAITING
                         : FCT_SERVE_PAGE_ERROR,
    .lang = lang,
    .status = state == 0 ? SOUP_STATUS_NOT_FOUND : SOUP_STATUS_SERVICE_UNAVAILABLE,
    .token = token,
    .address = address,
    .message = message,
    .report_json = report,
    .view_json = view,
  };
  char *html = render (server, &page);
  if (key != NULL)
    {
      if (g_hash_table_size (server->pages) >= PAGES_CACHED)
        g_hash_table_remove_all (server->pages);
      g_hash_table_insert (server->pages, g_steal_pointer (&key), g_strdup (html));
    }
  respond_page (msg, state > 0 ? SOUP_STATUS_OK : page.status, html, lang, cookie);
}

static void
page_message_html (FctServer *server, SoupServerMessage *msg, const char *token)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctStoreMessage) message = NULL;
  g_autofree char *report = NULL;
  g_autofree char *html = NULL;
  if (test_state (server, token, "en", &message, &report, &error) == 2)
    {
      g_autofree char *view = fct_store_view_get (server->store, message->id, NULL);
      g_autoptr (JsonParser) parser = json_parser_new ();
      if (view != NULL && json_parser_load_from_data (parser, view, -1, NULL))
        {
          JsonObject *o = json_node_get_object (json_parser_get_root (parser));
          if (json_object_has_member (o, "html")
              && !json_object_get_null_member (o, "html"))
            html = g_strdup (json_object_get_string_member (o, "html"));
        }
    }
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (h, "Content-Security-Policy", MESSAGE_CSP);
  guint status = html != NULL ? SOUP_STATUS_OK : SOUP_STATUS_NOT_FOUND;
  respond (msg, status, "text/html; charset=utf-8",
           html != NULL ? g_steal_pointer (&html) : g_strdup (""));
}

/* ---- domain audits ---------------------------------------------------------------- */

typedef struct
{
  FctServer *server;
  SoupServerMessage *msg;
  char *domain;
  char *lang;
  gboolean json, cookie;
  FctAuditReport *report;
  char *report_json;
  char *error;
} AuditJob;

static void
audit_run (gpointer data)
{
  AuditJob *job = data;
  g_autoptr (GError) error = NULL;
  FctAuditOptions options;
  fct_audit_options_init (&options);
  options.limits = &job->server->limits;
  options.smtp = job->server->config.audit_smtp;
  options.helo = job->server->config.hostname; /* the probes come from this host */
  static const char *const none[] = { NULL };
  if (job->server->config.no_blocklists)
    options.ip_blocklists = options.domain_blocklists = none;
  job->report = fct_audit_domain (job->server->resolver, job->domain, &options, &error);
  if (job->report == NULL)
    job->error = g_strdup (error->message);
  else if (job->json)
    {
      g_autoptr (JsonNode) node = fct_report_audit_to_json (job->report);
      job->report_json = fct_report_json_to_string (node);
    }
}

static gboolean
audit_done (gpointer data)
{
  AuditJob *job = data;
  FctServer *server = job->server;
  if (job->json)
    {
      if (job->report != NULL)
        respond_json (job->msg, SOUP_STATUS_OK, g_steal_pointer (&job->report_json));
      else
        respond_json (job->msg, SOUP_STATUS_BAD_REQUEST, json_error (job->error));
    }
  else
    {
      FctServePage page = { .kind = FCT_SERVE_PAGE_DOMAIN,
                            .lang = job->lang,
                            .domain = job->domain,
                            .audit = job->report,
                            .error = job->error };
      respond_page (job->msg,
                    job->report != NULL ? SOUP_STATUS_OK : SOUP_STATUS_BAD_REQUEST,
                    render (server, &page), job->lang, job->cookie);
    }
  soup_server_message_unpause (job->msg);
  g_object_unref (job->msg);
  fct_audit_report_free (job->report);
  g_free (job->domain);
  g_free (job->lang);
  g_free (job->report_json);
  g_free (job->error);
  g_free (job);
  return G_SOURCE_REMOVE;
}

static void
audit_worker (gpointer data, gpointer user_data)
{
  AuditJob *job = data;
  FctServer *server = user_data;
  fct_serve_with_lang (server, job->lang, audit_run, job);
  g_main_context_invoke (server->context, audit_done, job);
}

static void
start_audit (FctServer *server, SoupServerMessage *msg, const char *domain,
             const char *lang, gboolean json, gboolean cookie)
{
  g_autofree char *ip = client_ip (server, msg);
  if (!fct_anvil_rate (server->anvil, "audit", ip, (guint)server->config.audits_per_hour,
                       3600, fct_serve_now ()))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "3600");
      if (json)
        respond_json (msg, STATUS_TOO_MANY_REQUESTS,
                      json_error ("too many audits from your address; try again later"));
      else
        {
          FctServePage page = { .kind = FCT_SERVE_PAGE_ERROR,
                                .lang = lang,
                                .status = STATUS_TOO_MANY_REQUESTS };
          respond_page (msg, STATUS_TOO_MANY_REQUESTS, render (server, &page), lang,
                        cookie);
        }
      return;
    }
  AuditJob *job = g_new0 (AuditJob, 1);
  job->server = server;
  job->msg = g_object_ref (msg);
  job->domain = g_strdup (domain);
  job->lang = g_strdup (lang);
  job->json = json;
  job->cookie = cookie;
  soup_server_message_pause (msg);
  g_thread_pool_push (server->audits, job, NULL);
}

/* ---- admin ------------------------------------------------------------------------ */

static gboolean
admin_auth_cb (SoupAuthDomain *domain, SoupServerMessage *msg, const char *username,
               const char *password, gpointer data)
{
  FctServer *server = data;
  (void)domain;
  (void)msg;
  if (server->config.admin_password_hash == NULL || g_strcmp0 (username, "admin") != 0)
    return FALSE;
  guint8 digest[SHA256_DIGEST_LENGTH];
  SHA256 ((const guint8 *)password, strlen (password), digest);
  /* PBKDF2 costs a good fraction of a second on purpose: a password already verified is
   * recognised by its digest, so that each admin page does not stall the loop. */
  if (server->admin_digest_set
      && CRYPTO_memcmp (digest, server->admin_digest, sizeof digest) == 0)
    return TRUE;
  if (!fct_password_verify (password, server->config.admin_password_hash))
    return FALSE;
  memcpy (server->admin_digest, digest, sizeof digest);
  server->admin_digest_set = TRUE;
  return TRUE;
}

static void
page_admin (FctServer *server, SoupServerMessage *msg, const char *lang, gboolean cookie)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) recent = fct_store_messages_recent (server->store, 100, &error);
  g_autoptr (GArray) counts = NULL;
  g_autoptr (GPtrArray) ids
      = recent != NULL ? fct_store_finding_counts (server->store, &counts, &error) : NULL;
  FctServePage page = {
    .kind = ids != NULL ? FCT_SERVE_PAGE_ADMIN : FCT_SERVE_PAGE_ERROR,
    .lang = lang,
    .status = SOUP_STATUS_SERVICE_UNAVAILABLE,
    .recent = recent,
    .finding_ids = ids,
    .finding_counts = counts,
  };
  respond_page (msg, ids != NULL ? SOUP_STATUS_OK : page.status, render (server, &page),
                lang, cookie);
}

/* ---- reports received (admin) ---------------------------------------------------- */

/* Reports listed with a link to each as received; the rest are counted. */
#define REPORTS_LISTED 200

typedef enum
{
  REPORTS_DOMAINS, /* the page of the domains */
  REPORTS_PAGE,    /* one domain's page */
  REPORTS_JSON,    /* one domain's summary, facteur reports summary --json's object */
} ReportsWhat;

typedef struct
{
  FctServer *server;
  SoupServerMessage *msg;
  ReportsWhat what;
  char *domain;
  char *lang;
  gboolean cookie;
  guint status;
  char *body;
} ReportsJob;

/* A domain name as the reports store it (lower case, A-labels), or NULL. The path is
 * still percent-encoded: anything else is refused before it reaches the store. */
static char *
reports_domain (const char *text)
{
  gsize len = strlen (text);
  if (len == 0 || len > 253)
    return NULL;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      return NULL;
  return g_ascii_strdown (text, -1);
}

static void
reports_run (gpointer data)
{
  ReportsJob *job = data;
  FctServer *server = job->server;
  g_autoptr (GError) error = NULL;
  FctStore *store = fct_serve_thread_store (server, &error);
  FctServePage page = { .lang = job->lang };
  g_autoptr (GPtrArray) domains = NULL;
  g_autoptr (FctReportsSummary) summary = NULL;
  g_autoptr (GArray) days = NULL;
  g_autoptr (GPtrArray) list = NULL;

  if (store != NULL && job->what == REPORTS_DOMAINS)
    {
      domains = fct_store_feedback_domains (store, &error);
      page.kind = FCT_SERVE_PAGE_REPORTS;
      page.report_domains = domains;
    }
  else if (store != NULL)
    {
      /* Translated as it is built (the readiness reason, the fixes): in job->lang. */
      summary = fct_reports_summary_build (store, job->domain, 0, server->resolver, &error);
      if (summary != NULL && job->what == REPORTS_JSON)
        {
          g_autoptr (JsonNode) root = fct_reports_summary_to_json (summary);
          job->status = SOUP_STATUS_OK;
          job->body = fct_report_json_to_string (root);
          return;
        }
      if (summary != NULL)
        days = fct_store_feedback_daily (store, job->domain, 0, &error);
      if (days != NULL)
        list = fct_store_feedback_list (store, job->domain, 0, REPORTS_LISTED,
                                        &page.report_total, &error);
      page.kind = FCT_SERVE_PAGE_REPORTS_DOMAIN;
      page.summary = summary;
      page.days = days;
      page.report_list = list;
    }
  if (error != NULL)
    {
      g_warning ("reports: %s", error->message);
      job->status = SOUP_STATUS_SERVICE_UNAVAILABLE;
      if (job->what == REPORTS_JSON)
        job->body = json_error ("the store is unavailable");
      else
        {
          FctServePage failed = { .kind = FCT_SERVE_PAGE_ERROR,
                                  .lang = job->lang,
                                  .status = SOUP_STATUS_SERVICE_UNAVAILABLE };
          job->body = fct_serve_page_render (&failed);
        }
      return;
    }
  job->status = SOUP_STATUS_OK;
  job->body = fct_serve_page_render (&page);
}

static gboolean
reports_done (gpointer data)
{
  ReportsJob *job = data;
  if (job->what == REPORTS_JSON)
    respond_json (job->msg, job->status, g_steal_pointer (&job->body));
  else
    respond_page (job->msg, job->status, g_steal_pointer (&job->body), job->lang,
                  job->cookie);
  soup_server_message_unpause (job->msg);
  g_object_unref (job->msg);
  g_free (job->domain);
  g_free (job->lang);
  g_free (job);
  return G_SOURCE_REMOVE;
}

static void
reports_worker (gpointer data, gpointer user_data)
{
  ReportsJob *job = data;
  FctServer *server = user_data;
  fct_serve_with_lang (server, job->lang, reports_run, job);
  g_main_context_invoke (server->context, reports_done, job);
}

/* The summary reads the store and asks DNS for up to 100 reverse names: in the pool,
 * never on the loop. */
static void
start_reports (FctServer *server, SoupServerMessage *msg, ReportsWhat what,
               const char *domain, const char *lang, gboolean cookie)
{
  g_autofree char *name = domain != NULL ? reports_domain (domain) : NULL;
  if (domain != NULL && name == NULL)
    {
      if (what == REPORTS_JSON)
        respond_json (msg, SOUP_STATUS_NOT_FOUND, json_error ("not a domain name"));
      else
        {
          FctServePage page = { .kind = FCT_SERVE_PAGE_ERROR,
                                .lang = lang,
                                .status = SOUP_STATUS_NOT_FOUND };
          respond_page (msg, SOUP_STATUS_NOT_FOUND, render (server, &page), lang, cookie);
        }
      return;
    }
  ReportsJob *job = g_new0 (ReportsJob, 1);
  job->server = server;
  job->msg = g_object_ref (msg);
  job->what = what;
  job->domain = g_steal_pointer (&name);
  job->lang = g_strdup (lang);
  job->cookie = cookie;
  soup_server_message_pause (msg);
  g_thread_pool_push (server->reports, job, NULL);
}

/* A report as received, never as HTML: text/plain, not sniffed, under a policy that
 * runs and loads nothing should a browser render it anyway. Only under the domain it
 * was filed for. */
static void
reports_raw (FctServer *server, SoupServerMessage *msg, const char *domain,
             const char *id_text)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = reports_domain (domain);
  guint64 id = 0;
  g_autofree char *filed = NULL;
  g_autoptr (GBytes) raw = NULL;
  if (name != NULL && g_ascii_string_to_unsigned (id_text, 10, 1, G_MAXINT64, &id, NULL)
      && (filed = fct_store_feedback_domain_of (server->store, (gint64)id, &error)) != NULL
      && g_str_equal (filed, name))
    raw = fct_store_feedback_raw (server->store, (gint64)id, &error);
  if (raw == NULL)
    {
      if (error != NULL)
        g_warning ("reports: %s", error->message);
      respond (msg, error != NULL ? SOUP_STATUS_SERVICE_UNAVAILABLE : SOUP_STATUS_NOT_FOUND,
               "text/plain; charset=utf-8",
               g_strdup (error != NULL ? "the store is unavailable\n" : "not found\n"));
      return;
    }
  set_common_headers (msg);
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (h, "Content-Security-Policy",
                                "default-src 'none'; sandbox");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  gsize len;
  const char *data = g_bytes_get_data (raw, &len);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    data, len);
}

/* /admin/reports/DOMAIN or /admin/reports/DOMAIN/raw/ID (rest: after the prefix). */
static void
route_reports (FctServer *server, SoupServerMessage *msg, const char *rest,
               const char *lang, gboolean cookie)
{
  g_auto (GStrv) parts = g_strsplit (rest, "/", 4);
  guint n = g_strv_length (parts);
  if (n == 1)
    start_reports (server, msg, REPORTS_PAGE, parts[0], lang, cookie);
  else if (n == 3 && g_str_equal (parts[1], "raw"))
    reports_raw (server, msg, parts[0], parts[2]);
  else
    {
      FctServePage page
          = { .kind = FCT_SERVE_PAGE_ERROR, .lang = lang, .status = SOUP_STATUS_NOT_FOUND };
      respond_page (msg, SOUP_STATUS_NOT_FOUND, render (server, &page), lang, cookie);
    }
}

/* ---- routing ---------------------------------------------------------------------- */

static void
static_asset (SoupServerMessage *msg, const char *path)
{
  g_autofree char *resource = g_strconcat ("/fr/facteur/serve", path, NULL);
  g_autoptr (GBytes) bytes
      = g_resources_lookup_data (resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    {
      respond (msg, SOUP_STATUS_NOT_FOUND, "text/plain", g_strdup ("not found\n"));
      return;
    }
  const char *type = g_str_has_suffix (path, ".css")  ? "text/css; charset=utf-8"
                     : g_str_has_suffix (path, ".js") ? "text/javascript; charset=utf-8"
                                                      : "application/octet-stream";
  set_common_headers (msg);
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (h, "Cache-Control", "max-age=3600");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, data, len);
}

static void
handler (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer data)
{
  FctServer *server = data;
  (void)soup;
  const char *method = soup_server_message_get_method (msg);
  const char *lang = request_lang (msg, query);
  gboolean cookie = query != NULL && g_hash_table_lookup (query, "lang") != NULL;
  gboolean get = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");

  if (g_str_equal (path, "/api/tests") && g_str_equal (method, "POST"))
    api_tests_post (server, msg);
  else if (g_str_has_prefix (path, "/api/tests/") && get)
    api_tests_get (server, msg, path + strlen ("/api/tests/"), query);
  else if (g_str_has_prefix (path, "/api/domain/") && get)
    start_audit (server, msg, path + strlen ("/api/domain/"), lang, TRUE, FALSE);
  else if (g_str_equal (path, "/") && g_str_equal (method, "GET"))
    page_home (server, msg, lang, cookie);
  else if (g_str_has_prefix (path, "/r/") && g_str_has_suffix (path, "/html") && get)
    {
      g_autofree char *token = g_strndup (path + 3, strlen (path) - 3 - strlen ("/html"));
      page_message_html (server, msg, token);
    }
  else if (g_str_has_prefix (path, "/r/") && get)
    page_report (server, msg, path + 3, lang, cookie);
  else if (g_str_equal (path, "/domain") && get)
    {
      const char *name = query != NULL ? g_hash_table_lookup (query, "name") : NULL;
      if (name != NULL && *g_strstrip ((char *)name) != '\0')
        start_audit (server, msg, name, lang, FALSE, cookie);
      else
        {
          FctServePage page = { .kind = FCT_SERVE_PAGE_DOMAIN, .lang = lang };
          respond_page (msg, SOUP_STATUS_OK, render (server, &page), lang, cookie);
        }
    }
  else if (g_str_equal (path, "/admin") && get)
    page_admin (server, msg, lang, cookie); /* the auth domain let it through */
  else if (g_str_equal (path, "/admin/reports") && get)
    start_reports (server, msg, REPORTS_DOMAINS, NULL, lang, cookie);
  else if (g_str_has_prefix (path, "/admin/reports/") && get)
    route_reports (server, msg, path + strlen ("/admin/reports/"), lang, cookie);
  else if (g_str_has_prefix (path, "/api/admin/reports/") && get)
    start_reports (server, msg, REPORTS_JSON, path + strlen ("/api/admin/reports/"), lang,
                   FALSE);
  else if (g_str_has_prefix (path, "/static/") && get && strstr (path, "..") == NULL)
    static_asset (msg, path);
  else if (g_str_has_prefix (path, "/api/"))
    respond_json (msg, SOUP_STATUS_NOT_FOUND, json_error ("no such endpoint"));
  else
    {
      FctServePage page
          = { .kind = FCT_SERVE_PAGE_ERROR, .lang = lang, .status = SOUP_STATUS_NOT_FOUND };
      respond_page (msg, SOUP_STATUS_NOT_FOUND, render (server, &page), lang, cookie);
    }
}

gboolean
fct_serve_http_start (FctServer *server, GError **error)
{
  server->pages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  server->audits = g_thread_pool_new (audit_worker, server, 4, FALSE, error);
  if (server->audits == NULL)
    return FALSE;
  server->reports = g_thread_pool_new (reports_worker, server, 2, FALSE, error);
  if (server->reports == NULL)
    return FALSE;
  SoupServer *soup = soup_server_new ("server-header", "facteur", NULL);
  soup_server_add_handler (soup, NULL, handler, server, NULL);
  /* Always in place, so that a hash set by a reload (SIGHUP) takes effect; without a
   * hash every password is refused. */
  {
    SoupAuthDomain *auth = soup_auth_domain_basic_new ("realm", "facteur admin", NULL);
    soup_auth_domain_add_path (auth, "/admin");
    soup_auth_domain_add_path (auth, "/api/admin");
    soup_auth_domain_basic_set_auth_callback (auth, admin_auth_cb, server, NULL);
    soup_server_add_auth_domain (soup, auth);
    g_object_unref (auth);
  }
  if (!soup_server_listen_socket (soup, server->http_socket, 0, error))
    {
      g_object_unref (soup);
      return FALSE;
    }
  server->http = soup;
  server->http_guard = fct_http_guard_new (server, soup);
  return TRUE;
}

void
fct_serve_http_stop (FctServer *server)
{
  if (server->http != NULL)
    {
      soup_server_disconnect (server->http);
      g_clear_object (&server->http);
    }
  /* After the disconnection: the messages' "disconnected" reach it. */
  g_clear_pointer (&server->http_guard, fct_http_guard_free);
  if (server->audits != NULL)
    {
      g_thread_pool_free (server->audits, FALSE, TRUE);
      server->audits = NULL;
    }
  if (server->reports != NULL)
    {
      g_thread_pool_free (server->reports, FALSE, TRUE);
      server->reports = NULL;
    }
  g_clear_pointer (&server->pages, g_hash_table_unref);
}
