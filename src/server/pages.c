/* facteur serve — the pages (pages.h). The report page reads facteur check --json's
 * object as stored: the score and the threat verdict on top, then each section with its
 * findings and what to do, the blocklist listings, Authentication-Results, the size
 * against each provider, the headers, the text, and the HTML in a sandboxed frame. */
#include "pages.h"

#include "html.h"

#include <facteur/check.h>
#include <facteur/score.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

void
fct_serve_page_open (FctHtml *h, const FctServePage *page, const char *title,
                     const char *self)
{
  const char *other = g_str_equal (page->lang, "fr") ? "en" : "fr";
  fct_html (h,
            "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>{} · facteur</title>"
            "<link rel=\"stylesheet\" href=\"/static/style.css\">"
            "<script src=\"/static/app.js\" defer></script></head><body>",
            page->lang, title);
  fct_html (h,
            "<header class=\"top\"><a class=\"brand\" href=\"/\">facteur</a><nav>"
            "<a href=\"/\">{}</a><a href=\"/domain\">{}</a>"
            "<a class=\"lang\" href=\"{}?lang={}\" hreflang=\"{}\">{}</a></nav></header>"
            "<main>",
            _ ("New test"), _ ("Domain audit"), self, other, other,
            g_str_equal (other, "fr") ? "Français" : "English");
}

char *
fct_serve_page_close (FctHtml *h)
{
  fct_html (h, "</main><footer>{}</footer></body></html>\n",
            _ ("facteur: your messages and reports stay on this server."));
  return fct_html_finish (h);
}

static const char *
member_string (JsonObject *o, const char *name)
{
  if (o == NULL || !json_object_has_member (o, name))
    return NULL;
  JsonNode *n = json_object_get_member (o, name);
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

static double
member_double (JsonObject *o, const char *name)
{
  if (o == NULL || !json_object_has_member (o, name))
    return 0;
  JsonNode *n = json_object_get_member (o, name);
  return JSON_NODE_HOLDS_VALUE (n) ? json_node_get_double (n) : 0;
}

static JsonArray *
member_array (JsonObject *o, const char *name)
{
  if (o == NULL || !json_object_has_member (o, name))
    return NULL;
  JsonNode *n = json_object_get_member (o, name);
  return JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static const char *
score_class (double score)
{
  return score >= 8 ? "good" : score >= 5 ? "fair" : "bad";
}

static void
address_box (FctHtml *h, const FctServePage *page)
{
  fct_html (
      h,
      "<section class=\"address\"><p>{}</p>"
      "<p class=\"addr\"><code id=\"address\">{}</code> "
      "<button type=\"button\" class=\"copy\" data-copy=\"address\" data-done=\"{}\">{}"
      "</button></p>",
      _ ("Send a message to this address, from the mail program or the service you "
         "want to test:"),
      page->address, _ ("Copied"), _ ("Copy"));
}

static char *
render_waiting (const FctServePage *page)
{
  g_autoptr (FctHtml) h = fct_html_new ();
  g_autofree char *self = g_strconcat ("/r/", page->token, NULL);
  fct_serve_page_open (h, page, _ ("Test your mail"), self);
  fct_html (h, "<h1>{}</h1>", _ ("How healthy is the mail you send?"));
  address_box (h, page);
  fct_html (h,
            "<p id=\"waiting\" class=\"waiting\" data-token=\"{}\">"
            "<span class=\"spinner\"></span> {}</p>"
            "<p class=\"hint\">{}</p></section>",
            page->token, _ ("Waiting for your message… The report appears here by itself."),
            _ ("The report says what a receiving server sees: authentication (SPF, DKIM, "
               "DMARC), header fields, size against each provider, content, links, "
               "blocklists, and whether the message looks like fraud."));
  return fct_serve_page_close (g_steal_pointer (&h));
}

static void
render_finding (FctHtml *h, JsonObject *f)
{
  const char *severity = member_string (f, "severity");
  double points = member_double (f, "points");
  g_autofree char *pts = points > 0 ? g_strdup_printf ("−%.1f", points) : g_strdup ("");
  fct_html (h,
            "<li class=\"finding {}\"><div class=\"ftitle\"><span class=\"points\">{}"
            "</span> <strong>{}</strong> <code class=\"fid\">{}</code></div>",
            severity != NULL ? severity : "info", pts, member_string (f, "title"),
            member_string (f, "id"));
  if (member_string (f, "detail") != NULL)
    fct_html (h, "<p>{}</p>", member_string (f, "detail"));
  if (member_string (f, "evidence") != NULL)
    fct_html (h, "<p class=\"evidence\">{} <code>{}</code></p>", _ ("Evidence:"),
              member_string (f, "evidence"));
  if (member_string (f, "fix") != NULL)
    fct_html (h, "<p class=\"fixlabel\">{}</p><pre class=\"fix\">{}</pre>",
              _ ("What to do:"), member_string (f, "fix"));
  fct_html_raw (h, "</li>");
}

static const char *
threat_label (const char *verdict)
{
  if (g_strcmp0 (verdict, "dangerous") == 0)
    return _ ("Dangerous: do not trust this message");
  if (g_strcmp0 (verdict, "suspicious") == 0)
    return _ ("Suspicious: check with the sender by another channel");
  return _ ("No sign of phishing or fraud");
}

/* The first field called name in the view's headers, or NULL. */
static const char *
view_header (JsonObject *view, const char *name)
{
  JsonArray *headers = member_array (view, "headers");
  for (guint i = 0; headers != NULL && i < json_array_get_length (headers); i++)
    {
      JsonArray *pair = json_array_get_array_element (headers, i);
      if (json_array_get_length (pair) == 2
          && g_ascii_strcasecmp (json_array_get_string_element (pair, 0), name) == 0)
        return json_array_get_string_element (pair, 1);
    }
  return NULL;
}

static void
render_summary (FctHtml *h, const FctServePage *page, JsonObject *r, JsonObject *view)
{
  double score = member_double (r, "score");
  g_autofree char *score_text = g_strdup_printf ("%.1f", score);
  JsonObject *threat = json_object_has_member (r, "threat")
                           ? json_object_get_object_member (r, "threat")
                           : NULL;
  const char *verdict = member_string (threat, "verdict");
  fct_html (h,
            "<section class=\"summary\"><div class=\"score {}\"><span id=\"score\">{}"
            "</span><small>/10</small></div><div class=\"verdicts\">"
            "<p class=\"threat {}\" id=\"threat\">{}</p>",
            score_class (score), score_text, verdict != NULL ? verdict : "clean",
            threat_label (verdict));
  /* The findings that decided the verdict, by their titles. */
  JsonArray *deciding = member_array (threat, "findings");
  JsonArray *findings = member_array (r, "findings");
  if (deciding != NULL && json_array_get_length (deciding) > 0 && findings != NULL)
    {
      fct_html (h, "<ul class=\"because\" aria-label=\"{}\">", _ ("Why"));
      for (guint i = 0; i < json_array_get_length (deciding); i++)
        for (guint k = 0; k < json_array_get_length (findings); k++)
          {
            JsonObject *f = json_array_get_object_element (findings, k);
            if (g_strcmp0 (member_string (f, "id"),
                           json_array_get_string_element (deciding, i))
                == 0)
              {
                fct_html (h, "<li>{}</li>", member_string (f, "title"));
                break;
              }
          }
      fct_html_raw (h, "</ul>");
    }
  JsonObject *auth = json_object_has_member (r, "auth")
                         ? json_object_get_object_member (r, "auth")
                         : NULL;
  fct_html_raw (h, "<p class=\"auth\">");
  static const char *const methods[] = { "spf", "dkim", "dmarc", "arc" };
  static const char *const names[] = { "SPF", "DKIM", "DMARC", "ARC" };
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      const char *result = member_string (auth, methods[i]);
      fct_html (h, "<span class=\"chip {}\">{} {}</span> ",
                result != NULL ? result : "none", names[i],
                result != NULL ? result : "none");
    }
  fct_html_raw (h, "</p>");
  const FctStoreMessage *m = page->message;
  g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (m->received);
  g_autofree char *date = g_date_time_format (when, "%Y-%m-%d %H:%M:%S %z");
  g_autofree char *size = g_format_size_full ((guint64)m->size, G_FORMAT_SIZE_IEC_UNITS);
  fct_html (h, "<dl class=\"envelope\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
            _ ("From"),
            member_string (view, "from") != NULL ? member_string (view, "from")
                                                 : view_header (view, "From"),
            _ ("Subject"),
            member_string (view, "subject") != NULL ? member_string (view, "subject")
                                                    : view_header (view, "Subject"));
  fct_html (h,
            "<dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>"
            "<dt>HELO</dt><dd>{}</dd><dt>MAIL FROM</dt><dd>{}</dd><dt>TLS</dt><dd>{}</dd>"
            "<dt>{}</dt><dd>{}</dd></dl></div></section>",
            _ ("Received"), date, _ ("Client address"), m->client_ip, m->helo,
            m->mail_from != NULL && *m->mail_from != '\0' ? m->mail_from : "<>",
            m->tls_version != NULL ? m->tls_version : _ ("none (clear text)"), _ ("Size"),
            size);
}

static gboolean
known_section (const char *id)
{
  gsize n = 0;
  const FctReportSection *sections = fct_report_sections (&n);

  for (gsize i = 0; i < n; i++)
    if (g_strcmp0 (sections[i].id, id) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
in_section (JsonObject *f, gsize s)
{
  const char *section = member_string (f, "section");
  gsize n = 0;
  const FctReportSection *sections = fct_report_sections (&n);

  return s == n ? !known_section (section) : g_strcmp0 (section, sections[s].id) == 0;
}

/* Sections with findings first, each a card; then one line of the sections that pass.
 * The last index collects sections added to the weight tables later. */
static void
render_sections (FctHtml *h, JsonObject *r)
{
  JsonArray *findings = member_array (r, "findings");
  guint n = findings != NULL ? json_array_get_length (findings) : 0;
  gsize n_sections = 0;
  const FctReportSection *sections = fct_report_sections (&n_sections);
  g_autofree gboolean *passed = g_new0 (gboolean, n_sections + 1);
  for (gsize s = 0; s <= n_sections; s++)
    {
      guint count = 0;
      for (guint i = 0; i < n; i++)
        count += in_section (json_array_get_object_element (findings, i), s);
      if (count == 0)
        {
          passed[s] = s < n_sections;
          continue;
        }
      g_autofree char *count_text = g_strdup_printf ("%u", count);
      fct_html (h,
                "<section class=\"section\"><h2>{} <span class=\"count some\">{}</span>"
                "</h2><ul class=\"findings\">",
                s < n_sections ? _ (sections[s].title) : _ ("Other"), count_text);
      for (guint i = 0; i < n; i++)
        if (in_section (json_array_get_object_element (findings, i), s))
          render_finding (h, json_array_get_object_element (findings, i));
      fct_html_raw (h, "</ul></section>");
    }
  fct_html (h, "<section class=\"section passed\"><h2>{}</h2><p>", _ ("Nothing to report"));
  for (gsize s = 0; s < n_sections; s++)
    if (passed[s])
      fct_html (h, "<span class=\"chip pass\">✓ {}</span> ", _ (sections[s].title));
  fct_html_raw (h, "</p></section>");
  JsonArray *listings = member_array (r, "blocklists");
  if (listings != NULL && json_array_get_length (listings) > 0)
    {
      fct_html (h, "<section class=\"section\"><h2>{}</h2><ul>", _ ("Blocklist listings"));
      for (guint i = 0; i < json_array_get_length (listings); i++)
        {
          JsonObject *l = json_array_get_object_element (listings, i);
          fct_html (h, "<li><code>{}</code> {} <code>{}</code>: {}</li>",
                    member_string (l, "subject"), member_string (l, "zone"),
                    member_string (l, "code"), member_string (l, "meaning"));
        }
      fct_html_raw (h, "</ul></section>");
    }
}

static void
render_records (FctHtml *h, JsonObject *view)
{
  JsonArray *records = member_array (view, "records");
  if (records == NULL || json_array_get_length (records) == 0)
    return;
  fct_html (h, "<section class=\"section\"><h2>{}</h2><table class=\"records\"><tbody>",
            _ ("Records seen in DNS"));
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonArray *row = json_array_get_array_element (records, i);
      if (json_array_get_length (row) == 3)
        fct_html (h, "<tr><th>{}</th><td><code>{}</code></td><td><code>{}</code></td></tr>",
                  json_array_get_string_element (row, 0),
                  json_array_get_string_element (row, 1),
                  json_array_get_string_element (row, 2));
    }
  fct_html_raw (h, "</tbody></table></section>");
}

static void
render_size (FctHtml *h, JsonObject *r)
{
  gsize n_rows;
  const FctCheckSizeLimit *rows = fct_check_size_limits (&n_rows);
  gint64 size = (gint64)member_double (r, "size");
  g_autofree char *size_text = g_format_size_full ((guint64)size, G_FORMAT_SIZE_IEC_UNITS);
  fct_html (h,
            "<section class=\"section\"><h2>{}</h2><p>{} <strong>{}</strong></p>"
            "<table class=\"sizes\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>",
            _ ("Size against each provider"), _ ("Size as received:"), size_text,
            _ ("Provider"), _ ("Largest message accepted"), _ ("This message"));
  for (gsize i = 0; i < n_rows; i++)
    {
      g_autofree char *limit
          = g_format_size_full (rows[i].max_bytes, G_FORMAT_SIZE_IEC_UNITS);
      gboolean fits = (guint64)size <= rows[i].max_bytes;
      fct_html (h, "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                rows[i].provider, limit, fits ? "pass" : "fail",
                fits ? _ ("accepted") : _ ("refused: too big"));
    }
  fct_html_raw (h, "</tbody></table></section>");
}

static void
render_message (FctHtml *h, const FctServePage *page, JsonObject *view)
{
  JsonArray *headers = member_array (view, "headers");
  fct_html (h,
            "<section class=\"section\"><h2>{}</h2><details class=\"headers\"><summary>{}"
            "</summary><table>",
            _ ("The message"), _ ("Header fields"));
  for (guint i = 0; headers != NULL && i < json_array_get_length (headers); i++)
    {
      JsonArray *pair = json_array_get_array_element (headers, i);
      if (json_array_get_length (pair) == 2)
        fct_html (h, "<tr><th>{}</th><td>{}</td></tr>",
                  json_array_get_string_element (pair, 0),
                  json_array_get_string_element (pair, 1));
    }
  fct_html_raw (h, "</table></details>");
  const char *text = member_string (view, "text");
  if (text != NULL)
    fct_html (h,
              "<details open><summary>{}</summary><pre class=\"text\">{}</pre></details>",
              _ ("Text"), text);
  if (member_string (view, "html") != NULL)
    /* The message's HTML comes from its own URL, under a policy that loads and runs
     * nothing, in a frame sandboxed without scripts, forms or same-origin rights. */
    fct_html (h,
              "<details open class=\"htmlpart\"><summary>{}</summary><p class=\"hint\">{}"
              "</p><iframe class=\"html\" sandbox=\"\" referrerpolicy=\"no-referrer\" "
              "src=\"/r/{}/html\" title=\"{}\"></iframe></details>",
              _ ("HTML"),
              _ ("Shown without its scripts and without loading remote images."),
              page->token, _ ("The message's HTML"));
  fct_html_raw (h, "</section>");
}

static char *
render_report (const FctServePage *page)
{
  g_autoptr (FctHtml) h = fct_html_new ();
  g_autofree char *self = g_strconcat ("/r/", page->token, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonParser) view_parser = json_parser_new ();
  JsonObject *r = NULL, *view = NULL;
  if (json_parser_load_from_data (parser, page->report_json, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    r = json_node_get_object (json_parser_get_root (parser));
  if (page->view_json != NULL
      && json_parser_load_from_data (view_parser, page->view_json, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (view_parser)))
    view = json_node_get_object (json_parser_get_root (view_parser));
  fct_serve_page_open (h, page, _ ("Report"), self);
  fct_html (h, "<h1 id=\"report\">{}</h1>", _ ("Report"));
  render_summary (h, page, r, view);
  render_sections (h, r);
  fct_html (h,
            "<section class=\"section\"><h2>Authentication-Results</h2><pre>{}</pre>"
            "</section>",
            member_string (r, "authentication_results"));
  render_records (h, view);
  render_size (h, r);
  render_message (h, page, view);
  fct_html (h,
            "<p class=\"links noprint\"><a href=\"/api/tests/{}\">JSON</a> · "
            "<a href=\"/\">{}</a></p>",
            page->token, _ ("New test"));
  return fct_serve_page_close (g_steal_pointer (&h));
}

static char *
render_failed (const FctServePage *page)
{
  g_autoptr (FctHtml) h = fct_html_new ();
  g_autofree char *self = g_strconcat ("/r/", page->token, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *r = NULL;
  if (json_parser_load_from_data (parser, page->report_json, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    r = json_node_get_object (json_parser_get_root (parser));
  fct_serve_page_open (h, page, _ ("Report"), self);
  fct_html (h,
            "<h1>{}</h1><section class=\"section\"><p class=\"error\">{}</p>"
            "<pre>{}</pre></section>",
            _ ("Report"), _ ("The message arrived but could not be checked:"),
            member_string (r, "error"));
  return fct_serve_page_close (g_steal_pointer (&h));
}

static char *
render_domain (const FctServePage *page)
{
  g_autoptr (FctHtml) h = fct_html_new ();
  fct_serve_page_open (h, page, _ ("Domain audit"), "/domain");
  fct_html (h,
            "<h1>{}</h1><form class=\"domain\" method=\"get\" action=\"/domain\">"
            "<label for=\"name\">{}</label> <input id=\"name\" name=\"name\" "
            "required maxlength=\"253\" placeholder=\"example.fr\" value=\"{}\"> "
            "<button type=\"submit\">{}</button></form>",
            _ ("Audit a domain's mail setup"), _ ("Domain"), page->domain, _ ("Audit"));
  if (page->error != NULL)
    fct_html (h, "<p class=\"error\">{}</p>", page->error);
  const FctAuditReport *a = page->audit;
  if (a != NULL)
    {
      g_autofree char *score = g_strdup_printf ("%.1f", a->score);
      fct_html (h,
                "<section class=\"summary\"><div class=\"score {}\"><span id=\"score\">{}"
                "</span><small>/10</small></div><div class=\"verdicts\"><p><strong>{}"
                "</strong></p>",
                score_class (a->score), score, a->domain);
      if (a->spf_record != NULL)
        fct_html (h, "<p>SPF <code>{}</code></p>", a->spf_record);
      if (a->dmarc_record != NULL)
        fct_html (h, "<p>DMARC <code>{}</code></p>", a->dmarc_record);
      for (guint i = 0; i < a->mx->len; i++)
        {
          const FctAuditMx *mx = g_ptr_array_index (a->mx, i);
          g_autofree char *pref = g_strdup_printf ("%u", mx->preference);
          fct_html (h, "<p>MX {} <code>{}</code></p>", pref, mx->host);
        }
      fct_html_raw (h, "</div></section>");
      guint n = fct_findings_get_count (a->findings);
      fct_html (h, "<section class=\"section\"><h2>{}</h2>", _ ("What to fix"));
      if (n == 0)
        fct_html (h, "<p class=\"ok\">{}</p>", _ ("Nothing to fix."));
      fct_html_raw (h, "<ul class=\"findings\">");
      for (guint i = 0; i < n; i++)
        {
          const FctFinding *f = fct_findings_get (a->findings, i);
          g_autofree char *pts = f->weight->points > 0
                                     ? g_strdup_printf ("−%.1f", f->weight->points)
                                     : g_strdup ("");
          fct_html (h,
                    "<li class=\"finding {}\"><div class=\"ftitle\"><span class=\"points\">"
                    "{}</span> <strong>{}</strong> <code class=\"fid\">{}</code></div><p>{}"
                    "</p>",
                    fct_severity_to_string (f->weight->severity), pts,
                    fct_finding_get_title (f), f->weight->id, f->detail);
          if (f->fix != NULL)
            {
              g_autofree char *id = g_strdup_printf ("fix-%u", i);
              fct_html (h,
                        "<p class=\"fixlabel\">{} <button type=\"button\" class=\"copy\" "
                        "data-copy=\"{}\" data-done=\"{}\">{}</button></p>"
                        "<pre class=\"fix\" id=\"{}\">{}</pre>",
                        _ ("Record to publish:"), id, _ ("Copied"), _ ("Copy"), id, f->fix);
            }
          fct_html_raw (h, "</li>");
        }
      fct_html_raw (h, "</ul></section>");
    }
  return fct_serve_page_close (g_steal_pointer (&h));
}

static char *
render_admin (const FctServePage *page)
{
  g_autoptr (FctHtml) h = fct_html_new ();
  fct_serve_page_open (h, page, _ ("Administration"), "/admin");
  fct_html (h,
            "<h1>{}</h1><section class=\"section\"><h2>{}</h2><table class=\"admin\">"
            "<thead><tr><th>{}</th><th>{}</th><th>MAIL FROM</th><th>{}</th><th>{}</th>"
            "</tr></thead><tbody>",
            _ ("Administration"), _ ("Last messages"), _ ("Received"), _ ("Client address"),
            _ ("Score"), _ ("Threat"));
  for (guint i = 0; i < page->recent->len; i++)
    {
      const FctStoreMessage *m = g_ptr_array_index (page->recent, i);
      g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (m->received);
      g_autofree char *date = g_date_time_format (when, "%Y-%m-%d %H:%M");
      g_autofree char *score
          = m->checked ? g_strdup_printf ("%.1f", m->score) : g_strdup ("…");
      g_autofree char *link = g_strconcat ("/r/", m->token, NULL);
      fct_html (h,
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>"
                "<td>{}</td></tr>",
                link, date, m->client_ip, m->mail_from, score, m->threat);
    }
  fct_html (h,
            "</tbody></table></section><section class=\"section\"><h2>{}</h2>"
            "<table class=\"admin\"><tbody>",
            _ ("Findings seen"));
  for (guint i = 0; i < page->finding_ids->len; i++)
    {
      g_autofree char *count = g_strdup_printf (
          "%" G_GINT64_FORMAT, g_array_index (page->finding_counts, gint64, i));
      const char *id = g_ptr_array_index (page->finding_ids, i);
      const FctFindingWeight *w = fct_finding_weight_lookup (id);
      fct_html (h, "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", id,
                w != NULL ? _ (w->title) : "", count);
    }
  fct_html (h,
            "</tbody></table></section><p class=\"links noprint\"><a "
            "href=\"/admin/reports\">{}</a></p>",
            _ ("Reports received (DMARC, TLS)"));
  return fct_serve_page_close (g_steal_pointer (&h));
}

static char *
render_error (const FctServePage *page)
{
  g_autoptr (FctHtml) h = fct_html_new ();
  fct_serve_page_open (h, page, _ ("Error"), "/");
  const char *text
      = page->status == 404   ? _ ("There is nothing here: the link is wrong, or the test "
                                     "was deleted after its retention period.")
        : page->status == 429 ? _ ("Too many requests from your address. Try again in an "
                                   "hour.")
                              : _ ("The service is unavailable. Try again in a moment.");
  fct_html (h, "<h1>{}</h1><p><a href=\"/\">{}</a></p>", text, _ ("New test"));
  return fct_serve_page_close (g_steal_pointer (&h));
}

char *
fct_serve_page_render (const FctServePage *page)
{
  switch (page->kind)
    {
    case FCT_SERVE_PAGE_WAITING:
      return render_waiting (page);
    case FCT_SERVE_PAGE_REPORT:
      return render_report (page);
    case FCT_SERVE_PAGE_FAILED:
      return render_failed (page);
    case FCT_SERVE_PAGE_DOMAIN:
      return render_domain (page);
    case FCT_SERVE_PAGE_ADMIN:
      return render_admin (page);
    case FCT_SERVE_PAGE_REPORTS:
    case FCT_SERVE_PAGE_REPORTS_DOMAIN:
      return fct_serve_reports_render (page);
    case FCT_SERVE_PAGE_ERROR:
      break;
    }
  return render_error (page);
}
