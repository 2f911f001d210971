/* facteur serve — the reports pages (admin): the domains with reports stored, and per
 * domain what facteur reports summary says (docs/REPORTS.md): the readiness answer, the
 * sources grouped, the top failing ones, a daily volume chart drawn here as SVG, and a
 * link to each report as received. Every value goes through the builder of html.h. */
#include "pages.h"

#include <glib/gi18n.h>

/* Sources in the table of the top failing ones. */
#define TOP_FAILING 10

static char *
int_text (gint64 n)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, n);
}

static char *
day_text (gint64 t)
{
  if (t <= 0)
    return g_strdup ("—");
  g_autoptr (GDateTime) d = g_date_time_new_from_unix_utc (t);
  return d != NULL ? g_date_time_format (d, "%Y-%m-%d") : g_strdup ("—");
}

static char *
domain_path (const char *domain)
{
  return g_strconcat ("/admin/reports/", domain, NULL);
}

static char *
render_list (const FctServePage *page)
{
  g_autoptr (FctHtml) h = fct_html_new ();
  fct_serve_page_open (h, page, _ ("Reports received"), "/admin/reports");
  fct_html (h, "<h1>{}</h1><p class=\"links noprint\"><a href=\"/admin\">{}</a></p>",
            _ ("Reports received"), _ ("Administration"));
  fct_html (h, "<section class=\"section\"><h2>{}</h2>", _ ("Domains"));
  if (page->report_domains->len == 0)
    fct_html (h, "<p>{}</p>",
              _ ("No report stored yet: facteur reports ingest --db reads them into this "
                 "server's database."));
  else
    {
      fct_html (h,
                "<table class=\"admin\" id=\"domains\"><thead><tr><th>{}</th><th>{}</th>"
                "<th>{}</th><th>{}</th></tr></thead><tbody>",
                _ ("Domain"), _ ("Reports"), _ ("Messages"), _ ("Latest report"));
      for (guint i = 0; i < page->report_domains->len; i++)
        {
          const FctStoreFeedbackDomain *d = g_ptr_array_index (page->report_domains, i);
          g_autofree char *link = domain_path (d->domain);
          g_autofree char *reports = int_text (d->reports);
          g_autofree char *messages = int_text (d->messages);
          g_autofree char *last = day_text (d->last);
          fct_html (h,
                    "<tr><td><a href=\"{}\">{}</a></td><td class=\"n\">{}</td>"
                    "<td class=\"n\">{}</td><td>{}</td></tr>",
                    link, d->domain, reports, messages, last);
        }
      fct_html_raw (h, "</tbody></table>");
    }
  fct_html_raw (h, "</section>");
  return fct_serve_page_close (g_steal_pointer (&h));
}

static const char *
readiness_title (FctReportsReadiness r)
{
  switch (r)
    {
    case FCT_REPORTS_READY_NO_DATA:
      return _ ("No reports yet");
    case FCT_REPORTS_READY_NOT_ENOUGH:
      return _ ("Not enough reports yet");
    case FCT_REPORTS_READY_NOT_YET:
      return _ ("Not ready: some of your senders fail");
    case FCT_REPORTS_READY_QUARANTINE:
      return _ ("Ready for p=quarantine");
    case FCT_REPORTS_READY_REJECT:
      return _ ("Ready for p=reject");
    }
  return "";
}

static const char *
readiness_class (FctReportsReadiness r)
{
  return r == FCT_REPORTS_READY_REJECT || r == FCT_REPORTS_READY_QUARANTINE ? "good"
         : r == FCT_REPORTS_READY_NOT_YET                                   ? "bad"
                                                                            : "fair";
}

static const char *
category_title (FctReportsSourceCategory c)
{
  switch (c)
    {
    case FCT_REPORTS_SOURCE_COMPLIANT:
      return _ ("Your senders that pass");
    case FCT_REPORTS_SOURCE_FAILING_SENDER:
      return _ ("Your senders that fail");
    case FCT_REPORTS_SOURCE_FORWARDER:
      return _ ("Forwarders and mailing lists");
    case FCT_REPORTS_SOURCE_SPOOFER:
      return _ ("Spoofers: mail in your name from servers that are not yours");
    }
  return "";
}

static const char *
category_hint (FctReportsSourceCategory c)
{
  switch (c)
    {
    case FCT_REPORTS_SOURCE_COMPLIANT:
      return _ ("Nothing to do.");
    case FCT_REPORTS_SOURCE_FAILING_SENDER:
      return _ ("Mail you send that receivers cannot authenticate: apply the fix before "
                "tightening the policy.");
    case FCT_REPORTS_SOURCE_FORWARDER:
      return _ ("Your mail passed on by someone else's server (SPF breaks on the way). "
                "Nothing to change on your side; ARC at the forwarder helps.");
    case FCT_REPORTS_SOURCE_SPOOFER:
      return _ ("p=quarantine, then p=reject stops them.");
    }
  return "";
}

/* Short, for a table cell. */
static const char *
category_label (FctReportsSourceCategory c)
{
  switch (c)
    {
    case FCT_REPORTS_SOURCE_COMPLIANT:
      return _ ("your sender, passing");
    case FCT_REPORTS_SOURCE_FAILING_SENDER:
      return _ ("your sender, failing");
    case FCT_REPORTS_SOURCE_FORWARDER:
      return _ ("forwarder");
    case FCT_REPORTS_SOURCE_SPOOFER:
      return _ ("spoofer");
    }
  return "";
}

static const char *
kind_label (const char *kind)
{
  return g_str_equal (kind, "aggregate") ? _ ("DMARC aggregate")
         : g_str_equal (kind, "tlsrpt")  ? _ ("TLS")
                                         : _ ("DMARC failure");
}

static void
totals (FctHtml *h, const FctReportsSummary *s)
{
  g_autofree char *reports = int_text (s->reports);
  g_autofree char *messages = int_text (s->messages);
  g_autofree char *pass = int_text (s->dmarc_pass);
  g_autofree char *fail = int_text (s->messages - s->dmarc_pass);
  g_autofree char *first = day_text (s->first);
  g_autofree char *last = day_text (s->last);
  fct_html (h,
            "<section class=\"summary reports\"><div class=\"score {}\" id=\"readiness\" "
            "data-answer=\"{}\">{}</div><div class=\"verdicts\"><p>{}</p>"
            "<dl class=\"envelope\"><dt>{}</dt><dd id=\"reports\">{}</dd>"
            "<dt>{}</dt><dd id=\"messages\">{}</dd>"
            "<dt>{}</dt><dd id=\"dmarc-pass\">{}</dd>"
            "<dt>{}</dt><dd id=\"dmarc-fail\">{}</dd>"
            "<dt>{}</dt><dd>{} – {}</dd>",
            readiness_class (s->readiness), fct_reports_readiness_to_string (s->readiness),
            readiness_title (s->readiness), s->readiness_reason, _ ("Aggregate reports"),
            reports, _ ("Messages"), messages, _ ("Passing DMARC"), pass,
            _ ("Failing DMARC"), fail, _ ("Period"), first, last);
  if (s->tlsrpt_reports > 0)
    {
      g_autofree char *n = int_text (s->tlsrpt_reports);
      g_autofree char *ok = int_text (s->tlsrpt_successful);
      g_autofree char *failed = int_text (s->tlsrpt_failed);
      fct_html (h,
                "<dt>{}</dt><dd id=\"tlsrpt\">{}: <span id=\"tls-ok\">{}</span> {}, "
                "<span id=\"tls-failed\">{}</span> {}</dd>",
                _ ("TLS reports"), n, ok, _ ("sessions secured"), failed, _ ("failed"));
    }
  if (s->failure_reports > 0)
    {
      g_autofree char *n = int_text (s->failure_reports);
      fct_html (h, "<dt>{}</dt><dd id=\"failure-reports\">{}</dd>", _ ("Failure reports"),
                n);
    }
  fct_html_raw (h, "</dl></div></section>");
}

/* ---- the daily chart ------------------------------------------------------------ */

/* Geometry of the chart in SVG user units (integers: numbers printed in the page's
 * locale would get a decimal comma in French). */
#define CHART_W 900
#define CHART_H 240
#define PLOT_X 60
#define PLOT_Y 10
#define PLOT_W (CHART_W - PLOT_X - 10)
#define PLOT_H (CHART_H - PLOT_Y - 40)

static const struct
{
  const char *cls, *color, *label;
} series[] = {
  { "pass", "#1f8a4c", N_ ("Pass DMARC") },
  { "fail", "#d69e2e", N_ ("Fail, delivered") },
  { "blocked", "#c53030", N_ ("Fail, quarantined or rejected") },
};

/* A step of 1, 2 or 5 times a power of ten giving at most 5 grid lines up to max. */
static gint64
grid_step (gint64 max)
{
  gint64 step = 1;
  for (;;)
    {
      static const gint64 m[] = { 1, 2, 5 };
      for (gsize i = 0; i < G_N_ELEMENTS (m); i++)
        if (max / (step * m[i]) <= 5)
          return step * m[i];
      step *= 10;
    }
}

static void
chart (FctHtml *h, GArray *days)
{
  fct_html (h, "<section class=\"section\"><h2>{}</h2>", _ ("Messages per day"));
  if (days->len == 0)
    {
      fct_html (h, "<p>{}</p>", _ ("No aggregate report yet."));
      fct_html_raw (h, "</section>");
      return;
    }
  gint64 max = 1;
  for (guint i = 0; i < days->len; i++)
    {
      const FctStoreFeedbackDay *d = &g_array_index (days, FctStoreFeedbackDay, i);
      max = MAX (max, d->pass + d->fail);
    }
  gint64 step = grid_step (max);
  gint64 top = (max + step - 1) / step * step;
  /* The days from the first to the last, each a slot, days without reports empty. */
  gint64 first = g_array_index (days, FctStoreFeedbackDay, 0).day;
  gint64 span
      = (g_array_index (days, FctStoreFeedbackDay, days->len - 1).day - first) / 86400 + 1;
  gint64 slot = MAX (PLOT_W / span, 1);
  gint64 bar = MAX (slot * 7 / 10, 1);

  g_autofree char *viewbox = g_strdup_printf ("0 0 %d %d", CHART_W, CHART_H);
  fct_html (h,
            "<svg class=\"chart\" id=\"chart\" viewBox=\"{}\" role=\"img\" "
            "aria-labelledby=\"chart-title\" xmlns=\"http://www.w3.org/2000/svg\">"
            "<title id=\"chart-title\">{}</title>",
            viewbox, _ ("Messages per day, by DMARC result"));
  for (gint64 v = 0; v <= top; v += step)
    {
      g_autofree char *y = int_text (PLOT_Y + PLOT_H - v * PLOT_H / top);
      g_autofree char *ty = int_text (PLOT_Y + PLOT_H - v * PLOT_H / top + 4);
      g_autofree char *label = int_text (v);
      g_autofree char *x1 = int_text (PLOT_X);
      g_autofree char *x2 = int_text (PLOT_X + PLOT_W);
      g_autofree char *tx = int_text (PLOT_X - 6);
      fct_html (h,
                "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#dfe3ea\"/>"
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" "
                "fill=\"#5b6474\">{}</text>",
                x1, x2, y, y, tx, ty, label);
    }
  /* A date under the first and last bar, and about every sixth between. */
  gint64 label_every = MAX (span / 6, 1);
  for (guint i = 0; i < days->len; i++)
    {
      const FctStoreFeedbackDay *d = &g_array_index (days, FctStoreFeedbackDay, i);
      gint64 index = (d->day - first) / 86400;
      gint64 x = PLOT_X + index * slot + (slot - bar) / 2;
      gint64 values[] = { d->pass, d->fail - d->blocked, d->blocked };
      gint64 base = 0;
      g_autofree char *date = day_text (d->day);
      g_autofree char *pass = int_text (d->pass);
      g_autofree char *fail = int_text (d->fail - d->blocked);
      g_autofree char *blocked = int_text (d->blocked);
      fct_html (h,
                "<g class=\"day\" data-day=\"{}\"><title>{}: {} {}, {} {}, {} {}</title>",
                date, date, pass, _ (series[0].label), fail, _ (series[1].label), blocked,
                _ (series[2].label));
      for (gsize k = 0; k < G_N_ELEMENTS (values); k++)
        {
          if (values[k] <= 0)
            continue;
          gint64 y0 = PLOT_Y + PLOT_H - base * PLOT_H / top;
          base += values[k];
          gint64 y1 = PLOT_Y + PLOT_H - base * PLOT_H / top;
          g_autofree char *xs = int_text (x);
          g_autofree char *ys = int_text (y1);
          g_autofree char *ws = int_text (bar);
          g_autofree char *hs = int_text (MAX (y0 - y1, 1));
          fct_html (h,
                    "<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
                    "fill=\"{}\"/>",
                    series[k].cls, xs, ys, ws, hs, series[k].color);
        }
      fct_html_raw (h, "</g>");
      if (index % label_every == 0 || i == days->len - 1)
        {
          g_autofree char *tx = int_text (x + bar / 2);
          g_autofree char *ty = int_text (PLOT_Y + PLOT_H + 18);
          fct_html (h,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" "
                    "fill=\"#5b6474\">{}</text>",
                    tx, ty, date);
        }
    }
  fct_html_raw (h, "</svg><p class=\"legend\">");
  for (gsize k = 0; k < G_N_ELEMENTS (series); k++)
    fct_html (h, "<span class=\"key {}\"></span> {} ", series[k].cls, _ (series[k].label));
  fct_html (h,
            "</p><details><summary>{}</summary><table class=\"admin\" id=\"daily\"><thead>"
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            _ ("Figures per day"), _ ("Day"), _ (series[0].label), _ (series[1].label),
            _ (series[2].label));
  for (guint i = 0; i < days->len; i++)
    {
      const FctStoreFeedbackDay *d = &g_array_index (days, FctStoreFeedbackDay, i);
      g_autofree char *date = day_text (d->day);
      g_autofree char *pass = int_text (d->pass);
      g_autofree char *fail = int_text (d->fail - d->blocked);
      g_autofree char *blocked = int_text (d->blocked);
      fct_html (h,
                "<tr><td>{}</td><td class=\"n pass\">{}</td><td class=\"n fail\">{}</td>"
                "<td class=\"n blocked\">{}</td></tr>",
                date, pass, fail, blocked);
    }
  fct_html_raw (h, "</tbody></table></details></section>");
}

/* ---- sources ---------------------------------------------------------------------- */

static void
source_row (FctHtml *h, const FctReportsSource *src, gboolean with_category)
{
  g_autofree char *messages = int_text (src->messages);
  g_autofree char *pass = int_text (src->dmarc_pass);
  g_autofree char *fail = int_text (src->messages - src->dmarc_pass);
  g_autofree char *spf = int_text (src->spf_aligned);
  g_autofree char *dkim = int_text (src->dkim_aligned);
  fct_html (
      h,
      "<tr class=\"source\" data-ip=\"{}\"><td class=\"ip\"><code>{}</code></td><td>{}</td>"
      "<td>{}</td><td class=\"n messages\">{}</td><td class=\"n dmarc-pass\">{}</td>"
      "<td class=\"n dmarc-fail\">{}</td><td class=\"n spf-aligned\">{}</td>"
      "<td class=\"n dkim-aligned\">{}</td>",
      src->ip, src->ip, src->reverse_name != NULL ? src->reverse_name : "",
      src->organization != NULL ? src->organization : "", messages, pass, fail, spf, dkim);
  if (with_category)
    fct_html (h, "<td class=\"category\" data-category=\"{}\">{}</td>",
              fct_reports_source_category_to_string (src->category),
              category_label (src->category));
  fct_html_raw (h, "</tr>");
}

static void
source_head (FctHtml *h, gboolean with_category)
{
  fct_html (h,
            "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th>",
            _ ("Source"), _ ("Reverse name"), _ ("Service"), _ ("Messages"),
            _ ("DMARC pass"), _ ("DMARC fail"), _ ("SPF aligned"), _ ("DKIM aligned"));
  if (with_category)
    fct_html (h, "<th>{}</th>", _ ("Group"));
  fct_html_raw (h, "</tr></thead><tbody>");
}

static gint
by_failing (gconstpointer a, gconstpointer b)
{
  const FctReportsSource *x = *(const FctReportsSource *const *)a;
  const FctReportsSource *y = *(const FctReportsSource *const *)b;
  gint64 fx = x->messages - x->dmarc_pass, fy = y->messages - y->dmarc_pass;
  return fx != fy ? (fx < fy ? 1 : -1) : g_strcmp0 (x->ip, y->ip);
}

static void
top_failing (FctHtml *h, const FctReportsSummary *s)
{
  g_autoptr (GPtrArray) failing = g_ptr_array_new ();
  for (guint i = 0; i < s->sources->len; i++)
    {
      FctReportsSource *src = g_ptr_array_index (s->sources, i);
      if (src->messages > src->dmarc_pass)
        g_ptr_array_add (failing, src);
    }
  if (failing->len == 0)
    return;
  g_ptr_array_sort (failing, by_failing);
  fct_html (
      h, "<section class=\"section\"><h2>{}</h2><table class=\"admin reports\" id=\"top\">",
      _ ("Top failing sources"));
  source_head (h, TRUE);
  for (guint i = 0; i < failing->len && i < TOP_FAILING; i++)
    source_row (h, g_ptr_array_index (failing, i), TRUE);
  fct_html_raw (h, "</tbody></table></section>");
}

static void
group (FctHtml *h, const FctReportsSummary *s, FctReportsSourceCategory category)
{
  guint n = 0;
  for (guint i = 0; i < s->sources->len; i++)
    n += ((FctReportsSource *)g_ptr_array_index (s->sources, i))->category == category;
  if (n == 0)
    return;
  g_autofree char *count = g_strdup_printf ("%u", n);
  const char *id = fct_reports_source_category_to_string (category);
  fct_html (h,
            "<section class=\"section group\" id=\"{}\"><h2>{} <span class=\"count\">{}"
            "</span></h2><p class=\"hint\">{}</p><table class=\"admin reports\">",
            id, category_title (category), count, category_hint (category));
  source_head (h, FALSE);
  for (guint i = 0; i < s->sources->len; i++)
    {
      const FctReportsSource *src = g_ptr_array_index (s->sources, i);
      if (src->category != category)
        continue;
      source_row (h, src, FALSE);
      if (src->fix != NULL && category == FCT_REPORTS_SOURCE_FAILING_SENDER)
        fct_html (h,
                  "<tr class=\"fixrow\"><td colspan=\"8\"><p class=\"fixlabel\">{}</p>"
                  "<pre class=\"fix\">{}</pre></td></tr>",
                  _ ("What to do:"), src->fix);
    }
  fct_html_raw (h, "</tbody></table></section>");
}

static void
report_list (FctHtml *h, const FctServePage *page)
{
  g_autofree char *total = int_text (page->report_total);
  fct_html (
      h,
      "<section class=\"section\"><h2>{} <span class=\"count\">{}</span></h2>"
      "<table class=\"admin reports\" id=\"report-list\"><thead><tr><th>{}</th><th>{}</th>"
      "<th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
      _ ("Reports"), total, _ ("Period"), _ ("Sent by"), _ ("Report ID"), _ ("Kind"),
      _ ("Messages"));
  for (guint i = 0; i < page->report_list->len; i++)
    {
      const FctStoreFeedbackInfo *r = g_ptr_array_index (page->report_list, i);
      g_autofree char *begin = day_text (r->begin);
      g_autofree char *end = day_text (r->end);
      g_autofree char *messages
          = g_str_equal (r->kind, "aggregate") ? int_text (r->messages) : g_strdup ("");
      fct_html (h,
                "<tr><td>{} – {}</td><td>{}</td><td><code>{}</code></td><td>{}</td>"
                "<td class=\"n\">{}</td><td>",
                begin, end, r->org, r->report_id, kind_label (r->kind), messages);
      if (r->raw_size > 0)
        {
          g_autofree char *link = g_strdup_printf (
              "/admin/reports/%s/raw/%" G_GINT64_FORMAT, page->summary->domain, r->id);
          fct_html (h, "<a class=\"raw\" href=\"{}\">{}</a>", link,
                    g_str_equal (r->kind, "aggregate") ? _ ("XML as received")
                                                       : _ ("As received"));
        }
      fct_html_raw (h, "</td></tr>");
    }
  fct_html_raw (h, "</tbody></table>");
  if ((gint64)page->report_list->len < page->report_total)
    {
      g_autofree char *shown = g_strdup_printf ("%u", page->report_list->len);
      fct_html (h, "<p class=\"hint\">{} {}</p>", _ ("Latest reports shown:"), shown);
    }
  fct_html_raw (h, "</section>");
}

static char *
render_domain (const FctServePage *page)
{
  const FctReportsSummary *s = page->summary;
  g_autoptr (FctHtml) h = fct_html_new ();
  g_autofree char *self = domain_path (s->domain);
  g_autofree char *json = g_strconcat ("/api", self, NULL);
  fct_serve_page_open (h, page, _ ("Reports received"), self);
  fct_html (h,
            "<h1>{} <code id=\"domain\">{}</code></h1><p class=\"links noprint\">"
            "<a href=\"/admin/reports\">{}</a> · <a href=\"{}\">JSON</a></p>",
            _ ("Reports for"), s->domain, _ ("All domains"), json);
  totals (h, s);
  chart (h, page->days);
  top_failing (h, s);
  group (h, s, FCT_REPORTS_SOURCE_FAILING_SENDER);
  group (h, s, FCT_REPORTS_SOURCE_FORWARDER);
  group (h, s, FCT_REPORTS_SOURCE_SPOOFER);
  group (h, s, FCT_REPORTS_SOURCE_COMPLIANT);
  report_list (h, page);
  return fct_serve_page_close (g_steal_pointer (&h));
}

char *
fct_serve_reports_render (const FctServePage *page)
{
  return page->kind == FCT_SERVE_PAGE_REPORTS ? render_list (page) : render_domain (page);
}
