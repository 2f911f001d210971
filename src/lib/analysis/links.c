/* facteur — link checks: javascript: targets, numeric IP hosts, URL shorteners, anchors
 * whose visible text names another registrable domain than their target (phishing),
 * and IDN hosts that imitate other names (UTS #39 confusables, ICU's spoof checker). */
#include "analysis-private.h"

#include <idn2.h>
#include <string.h>
#include <unicode/uspoof.h>

/* URL shorteners: the public services that hide a link's destination and that phishing
 * reports name most (the list of rspamd's surbl.conf "redirector_hosts_map" and
 * PhishTank submissions, reduced to services still running). A host matches when it is
 * one of these or under one of them. Documented in docs/SCORING.md. */
static const char *const shorteners[] = {
  "bit.ly",    "bitly.com",   "buff.ly",    "cutt.ly",     "goo.gl",   "is.gd",
  "ow.ly",     "rb.gy",       "rebrand.ly", "shorturl.at", "t.co",     "t.ly",
  "tiny.cc",   "tinyurl.com", "tr.im",      "v.gd",        "x.co",     "s.id",
  "shorte.st", "adf.ly",      "bl.ink",     "lnkd.in",     "qrco.de",  "soo.gd",
  "clck.ru",   "u.to",        "2no.co",     "urlz.fr",     "l.ead.me", "surl.li",
  "tiny.one",  "shrtco.de",   "short.io",   "snip.ly",     "y2u.be",   "trib.al",
};

/* Click-tracking domains of e-mail service providers: a newsletter's "www.shop.example"
 * goes through them by design, so their links are not a text/target mismatch (as
 * rspamd's redirectors map). Phishing through them is for URI blocklists to catch. */
static const char *const click_trackers[] = {
  "list-manage.com", "mailchi.mp",        "sendgrid.net",    "mandrillapp.com",
  "mailgun.org",     "sparkpostmail.com", "mjt.lu",          "sendibt3.com",
  "sendibt2.com",    "hubspotlinks.com",  "exacttarget.com", "rs6.net",
  "mcsv.net",        "awstrack.me",       "klclick.com",     "cmail19.com",
  "cmail20.com",     "createsend.com",    "brevo.com",       "sendinblue.com",
};

static gboolean
host_in (const char *host, const char *const *list, gsize n)
{
  gsize hl = strlen (host);

  for (gsize i = 0; i < n; i++)
    {
      gsize sl = strlen (list[i]);
      if (g_str_equal (host, list[i])
          || (hl > sl && host[hl - sl - 1] == '.' && g_str_equal (host + hl - sl, list[i])))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_shortener (const char *host)
{
  return host_in (host, shorteners, G_N_ELEMENTS (shorteners));
}

static const USpoofChecker *
spoof_checker (void)
{
  static gsize done = 0;
  static USpoofChecker *checker;

  if (g_once_init_enter (&done))
    {
      UErrorCode status = U_ZERO_ERROR;
      checker = uspoof_open (&status);
      if (U_FAILURE (status))
        checker = NULL;
      else
        uspoof_setChecks (checker, USPOOF_CONFUSABLE, &status);
      g_once_init_leave (&done, 1);
    }
  return checker;
}

/* The UTS #39 §4 skeleton of a UTF-8 string (transfer full), or NULL. */
static char *
skeleton (const char *s)
{
  const USpoofChecker *checker = spoof_checker ();
  UErrorCode status = U_ZERO_ERROR;
  char buf[1024];
  int32_t n;

  if (checker == NULL)
    return NULL;
  n = uspoof_getSkeletonUTF8 (checker, 0, s, -1, buf, sizeof buf, &status);
  if (U_FAILURE (status) || n < 0 || (gsize)n >= sizeof buf)
    return NULL;
  return g_strndup (buf, (gsize)n);
}

/* A host as people read it: U-labels (transfer full). */
static char *
to_unicode (const char *host)
{
  char *out = NULL;
  char *copy;

  if (idn2_to_unicode_8z8z (host, &out, 0) != IDN2_OK)
    return g_strdup (host);
  copy = g_strdup (out);
  idn2_free (out);
  return copy;
}

gboolean
fct_analysis_confusable (const char *a, const char *b)
{
  g_autofree char *ua = to_unicode (a);
  g_autofree char *ub = to_unicode (b);
  g_autofree char *sa = NULL;
  g_autofree char *sb = NULL;

  if (g_str_equal (ua, ub))
    return FALSE;
  sa = skeleton (ua);
  sb = skeleton (ub);
  return sa != NULL && sb != NULL && g_str_equal (sa, sb);
}

/* A label that mixes scripts ("pаypal" with a Cyrillic а), or is written wholly in
 * another script with letters that all look Latin ("аррӏе"): UTS #39 §5.1-5.2, the
 * cases browsers show as punycode. Latin letters with diacritics ("café") pass. */
static gboolean
label_is_lookalike (const char *label)
{
  gboolean latin = FALSE, other = FALSE;
  g_autofree char *skel = NULL;

  for (const char *p = label; *p != '\0'; p = g_utf8_next_char (p))
    {
      GUnicodeScript script = g_unichar_get_script (g_utf8_get_char (p));
      if (script == G_UNICODE_SCRIPT_LATIN)
        latin = TRUE;
      else if (script != G_UNICODE_SCRIPT_COMMON && script != G_UNICODE_SCRIPT_INHERITED)
        other = TRUE;
    }
  if (!other)
    return FALSE;
  if (latin)
    return TRUE;
  skel = skeleton (label);
  if (skel == NULL)
    return FALSE;
  for (const char *p = skel; *p != '\0'; p++)
    if ((guchar)*p >= 0x80)
      return FALSE;
  return TRUE;
}

static gboolean
host_is_lookalike (FctAnalysisContext *ctx, const char *host)
{
  g_autofree char *unicode = NULL;
  g_auto (GStrv) labels = NULL;

  if (strstr (host, "xn--") == NULL)
    return FALSE;
  unicode = to_unicode (host);
  labels = g_strsplit (unicode, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    if (label_is_lookalike (labels[i]))
      return TRUE;
  if (ctx->options->protected_domains != NULL)
    for (guint i = 0; ctx->options->protected_domains[i] != NULL; i++)
      if (fct_analysis_confusable (host, ctx->options->protected_domains[i]))
        return TRUE;
  return ctx->result->author_domain != NULL
         && fct_analysis_confusable (host, ctx->result->author_domain);
}

static const FctAnalysisHost *
add_host (FctAnalysis *result, const char *host)
{
  FctAnalysisHost *entry = g_hash_table_lookup (result->host_set, host);

  if (entry != NULL)
    return entry;
  entry = g_new0 (FctAnalysisHost, 1);
  entry->host = g_strdup (host);
  entry->ip_literal = fct_analysis_host_is_ip (host);
  entry->org_domain = fct_analysis_org_domain (host);
  g_ptr_array_add (result->hosts, entry);
  g_hash_table_insert (result->host_set, (gpointer)entry->host, entry);
  return entry;
}

typedef struct
{
  guint count;
  char *evidence; /* the first offending link */
  char *detail;   /* a second value for the detail text (the shown domain) */
} Hits;

static void
hit (Hits *hits, const char *evidence, const char *detail)
{
  if (hits->count++ == 0)
    {
      hits->evidence = g_strdup (evidence);
      hits->detail = g_strdup (detail);
    }
}

static void
hits_clear (Hits *hits)
{
  g_free (hits->evidence);
  g_free (hits->detail);
}

static void
report (FctAnalysisContext *ctx, const char *id, Hits *hits, const char *format)
{
  FctFinding *finding;

  if (hits->count == 0)
    return;
    /* The format is translated by the caller; it takes the count then the evidence. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  finding = fct_findings_add (ctx->findings, id, format, hits->count,
                              hits->detail != NULL ? hits->detail : hits->evidence);
#pragma GCC diagnostic pop
  fct_finding_set_evidence (finding, hits->evidence);
}

static gboolean
is_script_scheme (const char *scheme, const char *href)
{
  if (g_str_equal (scheme, "javascript") || g_str_equal (scheme, "vbscript"))
    return TRUE;
  /* A data: URL that a browser renders as a page (RFC 2397) hides a whole site. */
  return g_str_equal (scheme, "data") && strstr (href, "text/html") != NULL;
}

void
fct_analysis_check_links (FctAnalysisContext *ctx)
{
  const FctMime *mime = ctx->result->mime;
  Hits script = { 0 }, ip = { 0 }, shortener = { 0 }, mismatch = { 0 }, idn = { 0 };
  g_autoptr (GHashTable) seen_idn
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < fct_mime_get_link_count (mime); i++)
    {
      const FctMimeLink *link = fct_mime_get_link (mime, i);
      g_autofree char *scheme = NULL;
      g_autofree char *host = fct_analysis_url_host (link->href, &scheme);
      const FctAnalysisHost *entry;

      if (scheme != NULL && is_script_scheme (scheme, link->href))
        hit (&script, link->href, NULL);
      if (host == NULL)
        continue;
      entry = add_host (ctx->result, host);
      if (entry->ip_literal)
        hit (&ip, link->href, NULL);
      else if (is_shortener (host))
        hit (&shortener, link->href, NULL);
      if (!g_hash_table_contains (seen_idn, host))
        {
          g_hash_table_add (seen_idn, g_strdup (host));
          if (host_is_lookalike (ctx, host))
            {
              g_autofree char *shown = to_unicode (host);
              hit (&idn, link->href, shown);
            }
        }
      /* Phishing: the reader sees one site, the click goes to another. A text without
         a name ("cliquez ici") shows no site. Plain-text links are their own text. */
      if (link->source == FCT_MIME_LINK_HTML_ANCHOR && link->text[0] != '\0'
          && !host_in (host, click_trackers, G_N_ELEMENTS (click_trackers)))
        {
          g_autofree char *shown = fct_analysis_text_find_domain (link->text);
          g_autofree char *shown_org = NULL;

          if (shown == NULL)
            continue;
          shown_org = fct_analysis_org_domain (shown);
          if (shown_org != NULL
              && (entry->org_domain == NULL || !g_str_equal (shown_org, entry->org_domain)))
            hit (&mismatch, link->href, shown);
        }
    }

  report (
      ctx, "link-javascript", &script,
      g_dngettext (GETTEXT_PACKAGE,
                   "%u link runs a script instead of opening a page (%s). Mail clients "
                   "block it and filters treat it as an attack: link to a web page.",
                   "%u links run a script instead of opening a page (%s). Mail clients "
                   "block them and filters treat them as an attack: link to a web page.",
                   script.count));
  report (ctx, "link-ip-literal", &ip,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link points to a numeric IP address (%s) instead of a domain "
                       "name. Phishing does this to avoid domain blocklists: link to your "
                       "own domain.",
                       "%u links point to a numeric IP address (%s) instead of a domain "
                       "name. Phishing does this to avoid domain blocklists: link to your "
                       "own domain.",
                       ip.count));
  report (ctx, "link-shortener", &shortener,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link goes through a URL shortener (%s) that hides the "
                       "destination. Shorteners are often blocklisted: link to the "
                       "destination directly.",
                       "%u links go through a URL shortener (%s) that hides the "
                       "destination. Shorteners are often blocklisted: link to the "
                       "destination directly.",
                       shortener.count));
  report (ctx, "link-text-mismatch", &mismatch,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link shows one site and leads to another: its text names %s but "
                       "it goes elsewhere. This is how phishing works: do not click; a "
                       "sender should show the real destination.",
                       "%u links show one site and lead to another: the first one's text "
                       "names %s but it goes elsewhere. This is how phishing works: do not "
                       "click; a sender should show the real destination.",
                       mismatch.count));
  report (ctx, "link-punycode-lookalike", &idn,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link leads to an international domain name that imitates "
                       "another (%s, written with look-alike letters). Do not click.",
                       "%u links lead to an international domain name that imitates "
                       "another (%s, written with look-alike letters). Do not click.",
                       idn.count));
  hits_clear (&script);
  hits_clear (&ip);
  hits_clear (&shortener);
  hits_clear (&mismatch);
  hits_clear (&idn);
}
