/* facteur — link checks: javascript: and data: targets, numeric IP hosts, URL
 * shorteners, anchors whose visible text names another registrable domain than their
 * real destination (redirectors unwrapped, redirect.c), forms that post elsewhere,
 * domains written in a URL's path, links to names that imitate a protected domain or a
 * brand, and IDN hosts that mix scripts or imitate other names (UTS #39 §4-5, ICU's
 * spoof checker with a restriction level). */
#include "analysis-private.h"

#include <facteur/verify.h>
#include <gmime/gmime.h>
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

/* TRUE if host or one of its parent domains is in the set. */
static gboolean
host_in_set (GHashTable *set, const char *host)
{
  for (const char *h = host; h != NULL;
       h = strchr (h, '.') != NULL ? strchr (h, '.') + 1 : NULL)
    if (g_hash_table_contains (set, h))
      return TRUE;
  return FALSE;
}

gboolean
fct_analysis_host_shortener (const char *host)
{
  static gsize once = 0;
  static GHashTable *set;

  if (g_once_init_enter (&once))
    {
      set = g_hash_table_new (g_str_hash, g_str_equal);
      for (gsize i = 0; i < G_N_ELEMENTS (shorteners); i++)
        g_hash_table_add (set, (gpointer)shorteners[i]);
      g_once_init_leave (&once, 1);
    }
  return host_in_set (set, host);
}

static const USpoofChecker *
spoof_checker (void)
{
  static gsize done = 0;
  static USpoofChecker *checker;

  /* Built once and shared: uspoof_open loads the confusables data, far too costly to
     do per message; a configured checker is read-only and thread-safe. */
  if (g_once_init_enter (&done))
    {
      UErrorCode status = U_ZERO_ERROR;
      checker = uspoof_open (&status);
      if (U_FAILURE (status))
        checker = NULL;
      else
        {
          /* UTS #39 §5.2 "Highly Restrictive": one script, or Latin with Han and
             Japanese kana, Han with Bopomofo, or Han with Hangul, as browsers allow. */
          uspoof_setChecks (checker,
                            USPOOF_CONFUSABLE | USPOOF_RESTRICTION_LEVEL
                                | USPOOF_MIXED_NUMBERS | USPOOF_INVISIBLE,
                            &status);
          uspoof_setRestrictionLevel (checker, USPOOF_HIGHLY_RESTRICTIVE);
          if (U_FAILURE (status))
            {
              uspoof_close (checker);
              checker = NULL;
            }
        }
      g_once_init_leave (&done, 1);
    }
  return checker;
}

char *
fct_analysis_skeleton (const char *s)
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
  sa = fct_analysis_skeleton (ua);
  sb = fct_analysis_skeleton (ub);
  return sa != NULL && sb != NULL && g_str_equal (sa, sb);
}

/* A label that browsers would show as punycode: scripts mixed beyond UTS #39 §5.2's
 * "Highly Restrictive" level ("pаypal" with a Cyrillic а; "tokyo東京", Latin with Han,
 * passes), digits of several systems, invisible characters, or a label wholly in
 * another script whose letters all look Latin ("аррӏе": whole-script confusable,
 * §4, which the restriction level cannot see). Latin with diacritics passes. */
static gboolean
label_is_lookalike (const char *label)
{
  const USpoofChecker *checker = spoof_checker ();
  UErrorCode status = U_ZERO_ERROR;
  gboolean latin_only = TRUE;
  g_autofree char *skel = NULL;
  int32_t result;

  if (checker == NULL)
    return FALSE;
  result = uspoof_checkUTF8 (checker, label, -1, NULL, &status);
  if (U_FAILURE (status))
    return FALSE;
  if ((result & (USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS | USPOOF_INVISIBLE)) != 0)
    return TRUE;
  for (const char *p = label; *p != '\0'; p = g_utf8_next_char (p))
    {
      GUnicodeScript script = g_unichar_get_script (g_utf8_get_char (p));
      if (script != G_UNICODE_SCRIPT_LATIN && script != G_UNICODE_SCRIPT_COMMON
          && script != G_UNICODE_SCRIPT_INHERITED)
        latin_only = FALSE;
    }
  if (latin_only)
    return FALSE;
  skel = fct_analysis_skeleton (label);
  if (skel == NULL)
    return FALSE;
  for (const char *p = skel; *p != '\0'; p++)
    if ((guchar)*p >= 0x80 || g_ascii_isdigit (*p))
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
is_script_scheme (const char *scheme)
{
  return g_str_equal (scheme, "javascript") || g_str_equal (scheme, "vbscript");
}

/* A string argument of a popup opener: a relative page (the newsletter's own site) or
 * an http(s) address at the sender's organisation. Anything with a scheme, a
 * protocol-relative "//host", spaces, quotes or brackets is not a plain page address. */
static gboolean
popup_target_is_own (const char *arg, gsize len, const char *author_org)
{
  g_autofree char *text = g_strndup (arg, len);
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *org = NULL;

  if (strpbrk (text, " \t\r\n()[]{}<>;`\\") != NULL)
    return FALSE;
  if (strchr (text, ':') == NULL && !g_str_has_prefix (text, "//"))
    return TRUE;
  host = fct_analysis_url_host (text, &scheme);
  if (host == NULL || scheme == NULL
      || (!g_str_equal (scheme, "http") && !g_str_equal (scheme, "https")))
    return FALSE;
  org = fct_analysis_org_domain (host);
  return org != NULL && author_org != NULL && g_str_equal (org, author_org);
}

/* TRUE if a javascript: link only opens a page of the sender's own site in a window
 * (javascript:popUp('profile.cfm?newsID=95027'), Yahoo's rs("ss","http://story.news.
 * yahoo.com/…",750,580)): the pop-up idiom of newsletters written for web pages. It is
 * one call whose arguments are all literals, pages at the sender's organisation or
 * relative ones, numbers and words. A script that reads or builds anything
 * (alert(document.cookie), eval(unescape(…)), window.location=…) or opens another
 * site stays link-javascript: that is what an attack writes. */
static gboolean
is_own_popup (const char *href, const char *author_org)
{
  static const char *const evaluators[]
      = { "eval", "function", "settimeout", "setinterval", "execscript", "write" };
  const char *colon = strchr (href, ':');
  g_autofree char *script = colon != NULL ? g_uri_unescape_string (colon + 1, NULL) : NULL;
  const char *p = script, *name, *last_name;

  if (script == NULL)
    return FALSE;
  while (g_ascii_isspace (*p))
    p++;
  /* The callee: a name, or a dotted one (window.open). */
  name = last_name = p;
  if (!g_ascii_isalpha (*p) && *p != '_' && *p != '$')
    return FALSE;
  while (g_ascii_isalnum (*p) || *p == '_' || *p == '$' || *p == '.')
    if (*p++ == '.')
      last_name = p;
  for (gsize i = 0; i < G_N_ELEMENTS (evaluators); i++)
    if ((gsize)(p - last_name) == strlen (evaluators[i])
        && g_ascii_strncasecmp (last_name, evaluators[i], p - last_name) == 0)
      return FALSE;
  if (p == name)
    return FALSE;
  while (g_ascii_isspace (*p))
    p++;
  if (*p++ != '(')
    return FALSE;
  for (gboolean first = TRUE;; first = FALSE)
    {
      while (g_ascii_isspace (*p))
        p++;
      if (*p == ')' && first)
        break;
      if (*p == '\'' || *p == '"')
        {
          const char quote = *p++;
          const char *end = strchr (p, quote);
          if (end == NULL || !popup_target_is_own (p, end - p, author_org))
            return FALSE;
          p = end + 1;
        }
      else if (g_ascii_isdigit (*p) || *p == '-')
        while (g_ascii_isdigit (*p) || *p == '-' || *p == '.')
          p++;
      else
        return FALSE;
      while (g_ascii_isspace (*p))
        p++;
      if (*p == ')')
        break;
      if (*p++ != ',')
        return FALSE;
    }
  p++;
  /* An optional ";", then nothing, or "return false" / "void(0)" that stop the click. */
  while (g_ascii_isspace (*p) || *p == ';')
    p++;
  return *p == '\0' || g_str_has_prefix (p, "void(0)") || g_str_has_prefix (p, "void 0")
         || g_str_has_prefix (p, "return false");
}

/* A data: URL that a browser renders as a page (RFC 2397; media types are case-
 * insensitive, RFC 2045 §5.1): a whole phishing site carried in the link. */
static gboolean
is_data_page (const char *scheme, const char *href)
{
  g_autofree char *lower = NULL;

  if (!g_str_equal (scheme, "data"))
    return FALSE;
  lower = g_ascii_strdown (href, -1);
  return g_str_has_prefix (lower + 5 + strspn (lower + 5, " "), "text/html")
         || strstr (lower, "application/xhtml") != NULL;
}

/* url in lower case with its percent-escapes decoded, leniently (transfer full). */
static char *
decoded_lower (const char *url)
{
  GString *out = g_string_sized_new (strlen (url));

  for (const char *p = url; *p != '\0'; p++)
    if (*p == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
      {
        g_string_append_c (out, g_ascii_tolower ((char)(g_ascii_xdigit_value (p[1]) * 16
                                                        + g_ascii_xdigit_value (p[2]))));
        p += 2;
      }
    else
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

/* The words of buttons and "click here" links that ask the reader to act on an account,
 * a payment, a parcel or a document: what a phishing message wants clicked. Folded
 * (lower case, no accents), matched as whole words. */
static const char *const action_words[] = {
  " se connecter ",
  " connectez vous ",
  " connexion ",
  " verifier ",
  " verifiez ",
  " confirmer ",
  " confirmez ",
  " mettre a jour ",
  " valider ",
  " validez ",
  " acceder ",
  " accedez ",
  " mon compte ",
  " mon espace ",
  " payer ",
  " reglez ",
  " regler ",
  " suivre mon colis ",
  " suivre le colis ",
  " programmer ",
  " reprogrammer ",
  " remboursement ",
  " voir le document ",
  " consulter le document ",
  " ouvrir le document ",
  " mot de passe ",
  " debloquer ",
  " reactiver ",
  " cliquez ici ",
  " log in ",
  " login ",
  " sign in ",
  " sign on ",
  " log on ",
  " logon ",
  " verify ",
  " confirm ",
  " update ",
  " validate ",
  " my account ",
  " pay now ",
  " pay ",
  " track ",
  " reschedule ",
  " claim ",
  " refund ",
  " review document ",
  " view document ",
  " review the document ",
  " open document ",
  " password ",
  " keep ",
  " unlock ",
  " restore ",
  " reactivate ",
  " click here ",
  " access ",
};

/* TRUE if text, folded and cut into words, holds one of the words (each " w ... "). */
static gboolean
has_words (const char *text, const char *const *table, gsize n)
{
  g_autofree char *folded = fct_analysis_fold (text);
  GString *words = g_string_new (" ");
  gboolean found = FALSE;

  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_isalnum (c))
        g_string_append_unichar (words, c);
      else if (words->str[words->len - 1] != ' ')
        g_string_append_c (words, ' ');
    }
  g_string_append_c (words, ' ');
  for (gsize i = 0; !found && i < n; i++)
    found = strstr (words->str, table[i]) != NULL;
  g_string_free (words, TRUE);
  return found;
}

static gboolean
is_action_text (const char *text)
{
  return has_words (text, action_words, G_N_ELEMENTS (action_words));
}

/* The words of a button that asks for a login, a payment or a document to open: what a
 * page on free hosting wants clicked when it is a lure. Narrower than action_words: a
 * company's site on a free builder has "Réserver", "Découvrir", "Accéder au site". */
static const char *const hosting_lure_words[] = {
  " se connecter ",
  " connectez vous ",
  " connexion ",
  " identifiez vous ",
  " verifier ",
  " verifiez ",
  " confirmer ",
  " confirmez ",
  " mot de passe ",
  " messagerie ",
  " voir le document ",
  " consulter le document ",
  " ouvrir le document ",
  " telecharger le document ",
  " voir la facture ",
  " consulter la facture ",
  " telecharger la facture ",
  " payer ",
  " reglez ",
  " debloquer ",
  " reactiver ",
  " log in ",
  " login ",
  " sign in ",
  /* US banks' own words for their login button ("Sign On" at Wells Fargo, "Log On"). */
  " sign on ",
  " log on ",
  " logon ",
  " verify ",
  " confirm ",
  " password ",
  " mailbox ",
  " webmail ",
  " view document ",
  " review document ",
  " open document ",
  " download document ",
  " view invoice ",
  " download invoice ",
  " view pdf ",
  " open pdf ",
  " pay now ",
  " unlock ",
  " reactivate ",
};

/* Suffixes of names written in a URL's path that are domains, not file names: the
 * generic and country suffixes whose names are not also file extensions (".zip",
 * ".mov", ".py", ".sh", ".md", ".rs" are both). */
static const char *const path_suffixes[] = {
  "com", "net", "org", "info", "biz", "fr", "de", "uk", "es", "it", "be",      "ch",
  "nl",  "eu",  "ca",  "us",   "au",  "kr", "jp", "br", "ru", "cn", "gouv.fr",
};

/* The sender's own domain written as a host name among the folders of a link to another
 * site ("http://www.genesiscostarica.com/~test/onlinebanking.huntington.com/login.html"
 * in mail From huntington.com): the bank's address dressed on a stranger's server.
 * (transfer full) */
static char *
sender_in_path (FctAnalysisContext *ctx, const char *path, const char *host_org)
{
  const char *author_org = ctx->result->author_org;
  gsize path_len = strcspn (path, "?#");

  g_autofree char *lower = NULL;

  /* An empty folder first ("http://www.x.comhttp://www.x.com/…", a URL typed twice) or
     a whole URL in the path (a redirector) is no disguise. */
  if (author_org == NULL || g_str_equal (author_org, host_org) || path[1] == '/'
      || strstr (path, author_org) == NULL)
    return NULL;
  lower = decoded_lower (path);
  if (strstr (lower, "http:") != NULL || strstr (lower, "https:") != NULL)
    return NULL;
  for (const char *seg = path + 1; seg < path + path_len;)
    {
      gsize n = strcspn (seg, "/?#");
      g_autofree char *name = fct_analysis_host_normalize (seg, n);
      g_autofree char *org = name != NULL && strchr (name, '.') != NULL
                                 ? fct_analysis_org_domain (name)
                                 : NULL;

      /* A folder, not the last segment: review sites end their pages with the domain
         reviewed ("trustpilot.com/review/www.maison-dupont.fr"). */
      if (org != NULL && g_str_equal (org, author_org) && seg[n] == '/'
          && seg[n + 1] != '\0' && strcspn (name, ".") < strlen (name) - strlen (org))
        return g_steal_pointer (&name);
      seg += n;
      if (*seg != '/')
        break;
      seg++;
    }
  return NULL;
}

/* A domain written as the first folder of the path of a link to another site
 * ("http://host.example.kr/comfedbank.com/"): the reader sees a bank's name in the
 * address. A URL that carries a whole URL ("/redirect/http://...") is a redirector, not
 * a disguise. Returns the name normalised (transfer full), or NULL. */
static char *
domain_in_path (FctAnalysisContext *ctx, const char *url, const char *host_org)
{
  const char *p = strstr (url, "//");
  g_autofree char *lower = NULL;
  g_autofree char *name = NULL;
  g_autofree char *org = NULL;
  const char *seg;
  gsize len;

  if (host_org == NULL)
    return NULL;
  p = p != NULL ? p + 2 : url;
  p += strcspn (p, "/?#");
  if (*p != '/')
    return NULL;
  if ((name = sender_in_path (ctx, p, host_org)) != NULL)
    return g_steal_pointer (&name);
  seg = p + 1;
  /* What follows the host: a whole URL in it makes the link a redirector. */
  len = strcspn (seg, "/?#");
  if (len < 4 || memchr (seg, '.', len) == NULL)
    return NULL;
  lower = decoded_lower (p);
  if (strstr (lower, "http:") != NULL || strstr (lower, "https:") != NULL)
    return NULL;
  name = fct_analysis_host_normalize (seg, len);
  if (name == NULL || fct_analysis_host_is_ip (name))
    return NULL;
  org = fct_analysis_org_domain (name);
  if (org == NULL || g_str_equal (org, host_org))
    return NULL;
  /* A bare registrable name is a disguise; a host name ("www.divx.com",
     "money.cnn.com") is how redirectors write their target, unless it is a brand's. */
  if (!g_str_equal (name, org) && !fct_analysis_brands_owned (ctx->brands, org, NULL))
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (path_suffixes); i++)
    {
      gsize n = strlen (name), sl = strlen (path_suffixes[i]);
      if (n > sl && name[n - sl - 1] == '.'
          && g_str_equal (name + n - sl, path_suffixes[i]))
        return g_steal_pointer (&name);
    }
  return NULL;
}

/* TRUE if the message comes From a built-in brand's own domain, not one of its free
 * mailboxes (orange.fr, outlook.com are brands' domains and everyone's addresses) nor a
 * protected domain (the reader's own organisation, whose servers may well be linked by
 * address). */
static gboolean
brand_mail (FctAnalysisContext *ctx)
{
  const FctAnalysis *r = ctx->result;
  gboolean is_protected = FALSE;

  /* The brand first: the free-mail list is loaded on its first use. */
  return r->author_org != NULL
         && fct_analysis_brands_owned (ctx->brands, r->author_org, &is_protected)
         && !is_protected && !fct_verify_domain_is_free_mail (r->author_domain);
}

/* Words of a login or account page in a URL's path: what a page on a bare IP address
 * asks of the reader when it is a phishing kit's. */
static const char *const ip_login_words[] = {
  "login",  "logon",   "signin",  "sign-in", "verif",    "update",   "account",
  "acount", "confirm", "secure",  "webscr",  "banking",  "password", "isapi",
  "auth",   "session", "billing", "wallet",  "identity", "cgi-bin",
};

/* Words of a sign-in page in a URL's path ("/ws/eBayISAPI.dll?SignIn",
 * "/signin/verify.php"): narrower than ip_login_words, for the links of a brand's mail to
 * a partner's site, whose paths speak of accounts and updates too. */
static const char *const login_path_words[] = {
  "login", "logon", "signin", "sign-in", "verif", "webscr", "isapi", "password", "passwd",
};

/* TRUE if the path or query of url (absolute) names a sign-in page. */
static gboolean
path_asks_login (const char *url)
{
  g_autofree char *lower = decoded_lower (url);
  const char *authority = strstr (lower, "//");
  const char *path;

  authority = authority != NULL ? authority + 2 : lower;
  path = authority + strcspn (authority, "/?#");
  for (gsize i = 0; i < G_N_ELEMENTS (login_path_words); i++)
    if (strstr (path, login_path_words[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* A sign-in page served over plain HTTP on a port of its own
 * ("http://logon.personal.wamu4u.com:280/login", "http://oniline.us2k.net:6180/logon/"):
 * a kit started by hand on a hacked server, beside the web server that owns ports 80 and
 * 443. A service's login page is on HTTPS at its standard port; an administration panel
 * on its own port (cPanel's :2083, Plesk's :8443) is HTTPS too. A form (is_form) needs no
 * login word: what the reader types into it goes there in clear. Returns the port when
 * url (absolute) is such a page, else 0. */
static guint
login_port (const char *url, gboolean is_form)
{
  g_autofree char *lower = NULL;
  const char *authority, *path, *colon, *at;
  gsize path_len;
  guint64 port = 0;

  /* Most links are HTTPS: they are not copied. */
  if (g_ascii_strncasecmp (url, "http://", 7) != 0)
    return 0;
  lower = decoded_lower (url);
  authority = lower + 7;
  path = authority + strcspn (authority, "/?#");
  /* The port follows the host, after any user information and IPv6 brackets. */
  at = g_strstr_len (authority, path - authority, "@");
  if (at != NULL)
    authority = at + 1;
  if (*authority == '[')
    authority += strcspn (authority, "]");
  colon = memchr (authority, ':', (gsize)(path - authority));
  if (colon == NULL || colon + 1 == path)
    return 0;
  for (const char *d = colon + 1; d < path; d++)
    {
      if (!g_ascii_isdigit (*d) || port > 65535)
        return 0;
      port = port * 10 + (guint64)(*d - '0');
    }
  if (port == 0 || port == 80 || port > 65535)
    return 0;
  if (is_form)
    return (guint)port;
  path_len = strcspn (path, "?#");
  for (gsize i = 0; i < G_N_ELEMENTS (ip_login_words); i++)
    if (g_strstr_len (path, (gssize)path_len, ip_login_words[i]) != NULL)
      return (guint)port;
  return 0;
}

/* TRUE if ip (a normalised IP host) is private, loopback or link-local: a link there
 * reaches nothing outside the reader's own network (a NAS, a router, a printer). */
static gboolean
ip_is_local (const char *ip)
{
  g_autofree char *bare = g_strdup (ip);
  g_autoptr (GInetAddress) addr = NULL;
  gsize n = strlen (bare);

  if (n > 2 && bare[0] == '[' && bare[n - 1] == ']')
    {
      memmove (bare, bare + 1, n - 2);
      bare[n - 2] = '\0';
    }
  addr = g_inet_address_new_from_string (bare);
  return addr != NULL
         && (g_inet_address_get_is_site_local (addr)
             || g_inet_address_get_is_loopback (addr)
             || g_inet_address_get_is_link_local (addr));
}

/* A link to a public IP address made as phishing kits make it: in mail from a brand's
 * domain (forged: a brand links to its names), with a login or account page in its path
 * ("/sb/login.htm", "/ws/eBayISAPI.dll?SignIn"), the sender's name or another site's
 * host name among its folders ("/suntrust/", "/onlinebanking.huntington.com/"), or a
 * "log in" button ("click here" is not one). A site on a bare address
 * ("http://63.147.65.2/antiques", "http://128.32.250.15:8080/destra/"), the query of a
 * search ("?pagename=..._banking_app") and, outside a brand's mail, a private address (a
 * NAS, a router) are only link-ip-literal. Returns what gave it away (transfer full), or
 * NULL. */
static char *
ip_link_lure (FctAnalysisContext *ctx, const FctMimeLink *link, const char *url,
              const char *host)
{
  g_autofree char *lower = NULL;
  const char *authority, *path, *shown;
  g_autofree char *label = NULL;
  gsize path_len;

  /* A brand's mail links to its names, never to an address: not even to a private one
     ("http://10.4.1.12:1639/index.htm" in mail From paypal.com), which no brand's
     customer could reach and which only a forger's kit writes. */
  if (brand_mail (ctx))
    return g_strdup (ctx->result->author_org);
  if (ip_is_local (host))
    return NULL;
  lower = decoded_lower (url);
  authority = strstr (lower, "//");
  authority = authority != NULL ? authority + 2 : lower;
  path = authority + strcspn (authority, "/?#");
  path_len = strcspn (path, "?#");
  for (gsize i = 0; i < G_N_ELEMENTS (ip_login_words); i++)
    if (g_strstr_len (path, (gssize)path_len, ip_login_words[i]) != NULL)
      return g_strdup (ip_login_words[i]);
  /* The sender's own name, or a host name, among the folders. */
  if (ctx->result->author_org != NULL)
    {
      label = g_strndup (ctx->result->author_org, strcspn (ctx->result->author_org, "."));
      if (strlen (label) >= 4 && g_strstr_len (path, (gssize)path_len, label) != NULL)
        return g_steal_pointer (&label);
    }
  for (const char *seg = path; seg < path + path_len;)
    {
      gsize n = strcspn (seg, "/?#");
      g_autofree char *name = g_strndup (seg, n);
      const char *dot = strchr (name, '.');

      /* A whole host name ("www.ebay.com", "onlinebanking.huntington.com"), not a file
         ("index.htm", "verify.html"). */
      if (dot != NULL && strchr (dot + 1, '.') != NULL
          && fct_analysis_has_known_suffix (name))
        return g_steal_pointer (&name);
      seg += n;
      if (*seg != '/')
        break;
      seg++;
    }
  /* A "log in" or "verify" button; "click here" alone is how 2002 newsletters wrote. */
  shown = link->text[0] != '\0' ? link->text : link->image_alt;
  if (link->source == FCT_MIME_LINK_HTML_ANCHOR && shown != NULL
      && has_words (shown, hosting_lure_words, G_N_ELEMENTS (hosting_lure_words)))
    return g_strdup (shown);
  return NULL;
}

/* The URL a browser opens for href (transfer full): a protocol-relative "//host/" takes
 * https (a mail has no base scheme; RFC 3986 §4.2), and C0 controls written as
 * references ("&#1;") are dropped as filters must to read what the browser reads. */
static char *
absolute_href (const char *href)
{
  const gboolean relative
      = (href[0] == '/' || href[0] == '\\') && (href[1] == '/' || href[1] == '\\');
  GString *out;
  const char *p = href;

  /* Nearly every href holds no control: copied whole. */
  while ((guchar)*p >= 0x20 && *p != 0x7f)
    p++;
  if (*p == '\0')
    return relative ? g_strconcat ("https:", href, NULL) : g_strdup (href);
  out = g_string_new (relative ? "https:" : NULL);
  for (p = href; *p != '\0'; p++)
    if ((guchar)*p >= 0x20 && *p != 0x7f)
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

/* Follows known redirectors (at most four, as wrappers nest: Safe Links around URL
 * Defense around a newsletter's link). Returns the final URL and host (transfer full);
 * *opaque when the chain ends at a tracker that keeps the destination. */
static char *
destination (const char *url, char **host, gboolean *opaque)
{
  char *current = g_strdup (url);

  *opaque = FALSE;
  for (int depth = 0; depth < 4 && *host != NULL; depth++)
    {
      char *next = fct_analysis_redirect_target (current, *host, opaque);
      char *next_host;

      if (next == NULL)
        break;
      next_host = fct_analysis_url_host (next, NULL);
      if (next_host == NULL)
        {
          g_free (next);
          break;
        }
      g_free (current);
      g_free (*host);
      current = next;
      *host = next_host;
    }
  return current;
}

typedef struct
{
  Hits script, popup, data, ip, shortener, mismatch, idn, tracker, lookalike, form, path,
      brand;
  Hits hosting, iplure, decoy, port;
} LinkHits;

/* An image map whose area leads elsewhere than the link around it: the anchor's target
 * ("https://www.suntrust.com/...") is what a filter reads and what the mail client shows
 * for the link, the area's ("http://195.146.99.180:87/st/") is what a click on the image
 * opens. A page's image map never needs a second, different target around it; the area
 * that goes through the sender's own domain or a click tracker (the destination not
 * known) is left alone. Returns the host the anchor shows (transfer full), or NULL. */
static char *
decoy_shown (FctAnalysisContext *ctx, const FctMimeLink *link, const FctAnalysisHost *dest,
             gboolean opaque)
{
  g_autofree char *outer = NULL;
  g_autofree char *outer_host = NULL;
  g_autofree char *outer_final = NULL;
  g_autofree char *outer_org = NULL;
  gboolean outer_opaque = FALSE;
  const char *author_org = ctx->result->author_org;

  if (link->outer_href == NULL || opaque)
    return NULL;
  outer = absolute_href (link->outer_href);
  outer_host = fct_analysis_url_host (outer, NULL);
  if (outer_host == NULL)
    return NULL;
  outer_final = destination (outer, &outer_host, &outer_opaque);
  if (outer_opaque || fct_analysis_host_is_ip (outer_host)
      || (outer_org = fct_analysis_org_domain (outer_host)) == NULL)
    return NULL;
  if (dest->org_domain != NULL
      && (g_str_equal (dest->org_domain, outer_org)
          || (author_org != NULL && g_str_equal (dest->org_domain, author_org))))
    return NULL;
  return g_steal_pointer (&outer_host);
}

/* The text of an anchor lies when it shows a site that is not where the link goes. */
static void
check_shown (FctAnalysisContext *ctx, LinkHits *h, const FctMimeLink *link,
             const FctAnalysisHost *dest, gboolean opaque, const char *url)
{
  gboolean strong = FALSE, brand_shown;
  g_autofree char *shown
      = fct_analysis_text_find_domain (link->text, FCT_SHOWN_IN_LINK_TEXT, &strong);
  g_autofree char *shown_org = NULL;
  const char *author_org = ctx->result->author_org;

  if (shown == NULL)
    return;
  shown_org = fct_analysis_org_domain (shown);
  if (shown_org == NULL)
    return;
  brand_shown = fct_analysis_brands_owned (ctx->brands, shown_org, NULL);
  /* "ASP.NET" or "R.Hughes" in a sentence is not a site shown, unless it is a brand's. */
  if (!strong && !brand_shown)
    return;
  if (dest->org_domain != NULL && g_str_equal (shown_org, dest->org_domain))
    return;
  /* A redirector of the sender's partner that names the shown site as its target
     ("/go/to?destUrl=http://www.buy.com/..."): the link says where it goes. Brands
     are kept from this, or "?u=www.paypal.com" would excuse any link. */
  if (!brand_shown)
    {
      g_autofree char *lower = decoded_lower (url);
      const char *after_host = strstr (lower, "//");
      const char *named;
      after_host = after_host != NULL ? after_host + 2 : lower;
      after_host += strcspn (after_host, "/?#");
      /* Named as a redirector names its target: in the query, or as a whole URL in the
         path. A host name as a folder of a page ("allvisions.com/secure.regionsnet.com/
         EBanking/logon/") is the disguise of link-domain-in-path, not a redirect. */
      named = strstr (after_host, shown_org);
      if (named != NULL
          && (memchr (after_host, '?', (gsize)(named - after_host)) != NULL
              || g_strstr_len (after_host, named - after_host, "http") != NULL))
        return;
    }
  if (opaque)
    {
      /* The sender's own newsletter through its provider's tracker. */
      if (author_org != NULL && g_str_equal (shown_org, author_org))
        return;
      /* Someone else's site behind a tracker: unknown, unless it is a brand's that
         the sender is not. */
      if (brand_shown)
        hit (&h->mismatch, link->href, shown);
      else
        hit (&h->tracker, link->href, shown);
      return;
    }
  /* A link through the sender's own domain (its click tracker) to a site it names is
     the sender's word, not a lie: only brands are kept from that exception. */
  if (!brand_shown && author_org != NULL && dest->org_domain != NULL
      && g_str_equal (dest->org_domain, author_org))
    return;
  hit (&h->mismatch, link->href, shown);
}

void
fct_analysis_check_links (FctAnalysisContext *ctx)
{
  const FctMime *mime = ctx->result->mime;
  const char *author_org = ctx->result->author_org;
  LinkHits h = { 0 };
  g_autoptr (GHashTable) seen_host
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *claimed_domain = NULL;
  const char *claimed = NULL;

  /* Mail From a built-in brand's own domain: it links to the brand's names, not to free
     hosting (forged, its DMARC fails once DNS is asked). */
  const gboolean brand_sender = brand_mail (ctx);
  /* The brand the message speaks for: its sender's name, or its subject. */
  claimed = fct_analysis_brands_named (ctx->brands, ctx->result->author_name,
                                       FCT_BRANDS_SENDER_NAME, author_org, &claimed_domain);
  if (claimed == NULL)
    {
      const FctMsgHeader *subject = fct_msg_find_header (ctx->msg, "Subject", 0);
      if (subject != NULL)
        {
          g_autofree char *decoded = g_mime_utils_header_decode_text (NULL, subject->value);
          g_autofree char *valid = g_utf8_make_valid (decoded, -1);
          claimed = fct_analysis_brands_named (ctx->brands, valid, FCT_BRANDS_SUBJECT,
                                               author_org, &claimed_domain);
        }
    }

  for (guint i = 0; i < fct_mime_get_link_count (mime); i++)
    {
      const FctMimeLink *link = fct_mime_get_link (mime, i);
      g_autofree char *href = absolute_href (link->href);
      g_autofree char *scheme = NULL;
      g_autofree char *host = fct_analysis_url_host (href, &scheme);
      g_autofree char *final = NULL;
      g_autofree char *in_path = NULL;
      const FctAnalysisHost *entry;
      gboolean opaque = FALSE;

      if (scheme != NULL && is_script_scheme (scheme))
        {
          if (g_str_equal (scheme, "javascript") && is_own_popup (href, author_org))
            hit (&h.popup, link->href, NULL);
          else
            hit (&h.script, link->href, NULL);
        }
      if (scheme != NULL && is_data_page (scheme, href))
        hit (&h.data, link->href, NULL);
      if (host == NULL)
        continue;
      final = destination (href, &host, &opaque);
      /* Blocklists are asked about where the link really goes. */
      entry = add_host (ctx->result, host);
      if (entry->ip_literal)
        {
          g_autofree char *why = ip_link_lure (ctx, link, final, host);
          hit (&h.ip, link->href, NULL);
          if (why != NULL)
            {
              g_autofree char *both = g_strdup_printf ("%s (%s)", host, why);
              hit (&h.iplure, link->href, both);
            }
        }
      else if (fct_analysis_host_shortener (host))
        hit (&h.shortener, link->href, NULL);
      if (!g_hash_table_contains (seen_host, host))
        {
          const char *imitated;

          g_hash_table_add (seen_host, g_strdup (host));
          if (host_is_lookalike (ctx, host))
            {
              g_autofree char *shown = to_unicode (host);
              hit (&h.idn, link->href, shown);
            }
          else if ((imitated
                    = fct_analysis_brands_imitated (ctx->brands, host, entry->org_domain))
                   != NULL)
            {
              g_autofree char *shown = to_unicode (host);
              g_autofree char *both = g_strdup_printf ("%s (%s)", shown, imitated);
              hit (&h.lookalike, link->href, both);
            }
        }
      /* Outside the sender's own organisation: its intranet or test server may well
         run on a port of its own, as a NAS or a router does on a private address. */
      if (link->source != FCT_MIME_LINK_TEXT && !(entry->ip_literal && ip_is_local (host))
          && (entry->org_domain == NULL || author_org == NULL
              || !g_str_equal (entry->org_domain, author_org)))
        {
          guint port = login_port (final, link->source == FCT_MIME_LINK_HTML_FORM);
          if (port != 0)
            {
              g_autofree char *where = g_strdup_printf ("%s:%u", host, port);
              hit (&h.port, link->href, where);
            }
        }
      if ((in_path = domain_in_path (ctx, final, entry->org_domain)) != NULL)
        hit (&h.path, link->href, in_path);
      if (!opaque && fct_analysis_url_free_hosting (final, host)
          && (entry->org_domain == NULL
              || !fct_analysis_brands_owned (ctx->brands, entry->org_domain, NULL)))
        {
          /* Free hosting is where small businesses keep their site too: a lure only
             with a login or document button, a form, a borrowed brand or a brand's own
             From (or, seen after the scams, the account-lure wording:
             fct_analysis_check_hosting). A brand's own builder (forms.office.com in
             Microsoft's mail) is the brand's. */
          const char *shown = link->text[0] != '\0' ? link->text : link->image_alt;
          if (ctx->hosted_count++ == 0)
            {
              ctx->hosted_href = g_strdup (link->href);
              ctx->hosted_host = g_strdup (host);
            }
          if (claimed != NULL || brand_sender || link->source == FCT_MIME_LINK_HTML_FORM
              || (link->source == FCT_MIME_LINK_HTML_ANCHOR && shown != NULL
                  && has_words (shown, hosting_lure_words,
                                G_N_ELEMENTS (hosting_lure_words))))
            {
              if (!ctx->hosted_lured)
                {
                  g_free (ctx->hosted_href);
                  g_free (ctx->hosted_host);
                  ctx->hosted_href = g_strdup (link->href);
                  ctx->hosted_host = g_strdup (host);
                }
              ctx->hosted_lured = TRUE;
            }
        }
      if (link->source == FCT_MIME_LINK_HTML_FORM)
        {
          /* A form in a message sends what the reader types straight to its action: a
             password or a card number sent outside the sender's domain is a trap.
             Search boxes and subscription forms of newsletters ask for no secret. */
          if (link->asks_secret
              && (entry->org_domain == NULL || author_org == NULL
                  || !g_str_equal (entry->org_domain, author_org)))
            hit (&h.form, link->href, host);
        }
      else if (link->source == FCT_MIME_LINK_HTML_ANCHOR && link->text[0] != '\0')
        check_shown (ctx, &h, link, entry, opaque, final);
      {
        g_autofree char *decoy = decoy_shown (ctx, link, entry, opaque);
        if (decoy != NULL)
          {
            g_autofree char *both = g_strdup_printf ("%s → %s", decoy, host);
            hit (&h.decoy, link->href, both);
          }
      }
      /* A login button or a login page of mail From a brand's own domain, leading
         outside the brand: the brand's mail links to its names (forged: its DMARC
         fails once DNS is asked). Its other links may well go to partners. */
      if (brand_sender && link->source == FCT_MIME_LINK_HTML_ANCHOR && !opaque
          && !entry->ip_literal && entry->org_domain != NULL
          && !fct_analysis_brands_owned (ctx->brands, entry->org_domain, NULL)
          && (has_words (link->text[0] != '\0' ? link->text : link->image_alt,
                         hosting_lure_words, G_N_ELEMENTS (hosting_lure_words))
              || path_asks_login (final)))
        {
          g_autofree char *both = g_strdup_printf ("%s (%s)", author_org, host);
          hit (&h.brand, link->href, both);
        }
      /* A button of a message that speaks for a brand, leading outside the brand. */
      else if (claimed != NULL && link->source != FCT_MIME_LINK_TEXT && !opaque
               && (entry->org_domain == NULL
                   || !fct_analysis_brands_owned (ctx->brands, entry->org_domain, NULL))
               && (link->source == FCT_MIME_LINK_HTML_FORM
                       ? link->asks_secret
                       : is_action_text (link->text[0] != '\0' ? link->text
                                                               : link->image_alt)))
        {
          g_autofree char *both = g_strdup_printf ("%s (%s)", claimed, host);
          hit (&h.brand, link->href, both);
        }
    }

  report (
      ctx, "link-javascript", &h.script,
      g_dngettext (GETTEXT_PACKAGE,
                   "%u link runs a script instead of opening a page (%s). Mail clients "
                   "block it and filters treat it as an attack: link to a web page.",
                   "%u links run a script instead of opening a page (%s). Mail clients "
                   "block them and filters treat them as an attack: link to a web page.",
                   h.script.count));
  report (ctx, "link-javascript-popup", &h.popup,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link opens a page of the sender's site through a script (%s). "
                       "Mail clients block scripts, so the link does nothing: link to "
                       "the page itself.",
                       "%u links open a page of the sender's site through a script (%s). "
                       "Mail clients block scripts, so the links do nothing: link to "
                       "the page itself.",
                       h.popup.count));
  report (ctx, "link-data-page", &h.data,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link carries a whole web page in its address (%s) instead of "
                       "opening a site: a way to show a fake login page that no blocklist "
                       "knows. Do not type anything into it.",
                       "%u links carry a whole web page in their address (%s) instead of "
                       "opening a site: a way to show a fake login page that no blocklist "
                       "knows. Do not type anything into them.",
                       h.data.count));
  report (ctx, "link-ip-literal", &h.ip,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link points to a numeric IP address (%s) instead of a domain "
                       "name. Phishing does this to avoid domain blocklists: link to your "
                       "own domain.",
                       "%u links point to a numeric IP address (%s) instead of a domain "
                       "name. Phishing does this to avoid domain blocklists: link to your "
                       "own domain.",
                       h.ip.count));
  report (ctx, "link-ip-login", &h.iplure,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link leads to a page on a bare IP address made as phishing kits "
                       "make it: %s. Banks and services never ask to sign in on a numeric "
                       "address: do not click.",
                       "%u links lead to pages on bare IP addresses made as phishing kits "
                       "make them, the first %s. Banks and services never ask to sign in "
                       "on a numeric address: do not click.",
                       h.iplure.count));
  report (ctx, "link-shortener", &h.shortener,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link goes through a URL shortener (%s) that hides the "
                       "destination. Shorteners are often blocklisted: link to the "
                       "destination directly.",
                       "%u links go through a URL shortener (%s) that hides the "
                       "destination. Shorteners are often blocklisted: link to the "
                       "destination directly.",
                       h.shortener.count));
  report (ctx, "link-text-mismatch", &h.mismatch,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link shows one site and leads to another: its text names %s but "
                       "it goes elsewhere. This is how phishing works: do not click; a "
                       "sender should show the real destination.",
                       "%u links show one site and lead to another: the first one's text "
                       "names %s but it goes elsewhere. This is how phishing works: do not "
                       "click; a sender should show the real destination.",
                       h.mismatch.count));
  report (ctx, "link-tracker-unverifiable", &h.tracker,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link shows %s but goes through a click tracker that keeps the "
                       "destination to itself: where it leads cannot be checked without "
                       "following it.",
                       "%u links show another site (the first, %s) but go through a click "
                       "tracker that keeps the destination to itself: where they lead "
                       "cannot be checked without following them.",
                       h.tracker.count));
  report (ctx, "link-punycode-lookalike", &h.idn,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link leads to an international domain name that imitates "
                       "another (%s, written with look-alike letters). Do not click.",
                       "%u links lead to an international domain name that imitates "
                       "another (%s, written with look-alike letters). Do not click.",
                       h.idn.count));
  report (ctx, "link-lookalike-domain", &h.lookalike,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link leads to a domain made to look like a known one: %s. "
                       "Lookalike domains are registered to steal logins: do not click.",
                       "%u links lead to domains made to look like known ones, the first "
                       "%s. Lookalike domains are registered to steal logins: do not "
                       "click.",
                       h.lookalike.count));
  report (ctx, "link-form-external", &h.form,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u form in the message sends what is typed into it to %s, outside "
                       "the sender's domain. Never type a password or card number into a "
                       "message.",
                       "%u forms in the message send what is typed into them elsewhere "
                       "than the sender's domain (the first to %s). Never type a password "
                       "or card number into a message.",
                       h.form.count));
  report (ctx, "link-domain-in-path", &h.path,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link shows the name %s in its path but leads to another site: "
                       "a trick to make the address look genuine. Do not click.",
                       "%u links show a domain name in their path (the first %s) but lead "
                       "to another site: a trick to make the address look genuine. Do not "
                       "click.",
                       h.path.count));
  report (ctx, "link-brand-elsewhere", &h.brand,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u button or action link of a message that speaks for a brand "
                       "leads outside its domains: %s. Go to the brand's site by its "
                       "usual address instead.",
                       "%u buttons or action links of a message that speaks for a brand "
                       "lead outside its domains, the first %s. Go to the brand's site by "
                       "its usual address instead.",
                       h.brand.count));
  report (ctx, "link-login-port", &h.port,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u link leads to a sign-in page served without encryption on a "
                       "port of its own (%s), as phishing kits run on hacked servers. No "
                       "bank or service asks to sign in there: do not click.",
                       "%u links lead to sign-in pages served without encryption on a port "
                       "of their own (the first %s), as phishing kits run on hacked "
                       "servers. No bank or service asks to sign in there: do not click.",
                       h.port.count));
  report (ctx, "link-image-map-decoy", &h.decoy,
          g_dngettext (GETTEXT_PACKAGE,
                       "%u image of the message is a link that shows one site and, when "
                       "clicked, opens another (%s): an image map hidden inside the link, "
                       "a phishing kit's trick to show the genuine address. Do not click.",
                       "%u images of the message are links that show one site and, when "
                       "clicked, open another (the first %s): an image map hidden inside "
                       "the link, a phishing kit's trick to show the genuine address. Do "
                       "not click.",
                       h.decoy.count));
  hits_clear (&h.script);
  hits_clear (&h.popup);
  hits_clear (&h.data);
  hits_clear (&h.ip);
  hits_clear (&h.shortener);
  hits_clear (&h.mismatch);
  hits_clear (&h.tracker);
  hits_clear (&h.idn);
  hits_clear (&h.lookalike);
  hits_clear (&h.form);
  hits_clear (&h.path);
  hits_clear (&h.brand);
  hits_clear (&h.hosting);
  hits_clear (&h.iplure);
  hits_clear (&h.decoy);
  hits_clear (&h.port);
}

void
fct_analysis_check_hosting (FctAnalysisContext *ctx)
{
  FctFinding *finding;

  if (ctx->hosted_count == 0 || (!ctx->hosted_lured && ctx->lure == NULL))
    return;
    /* A translated plural format, as report () takes. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  finding = fct_findings_add (
      ctx->findings, "link-free-hosting",
      g_dngettext (GETTEXT_PACKAGE,
                   "%u link of a message that asks to sign in, pay, open a document or "
                   "speaks for a brand leads to a page on free hosting or IPFS (%s), "
                   "where anyone publishes in a minute and no company keeps its login "
                   "page. Do not type anything there.",
                   "%u links of a message that asks to sign in, pay, open a document or "
                   "speaks for a brand lead to pages on free hosting or IPFS (the first "
                   "on %s), where anyone publishes in a minute and no company keeps its "
                   "login page. Do not type anything there.",
                   ctx->hosted_count),
      ctx->hosted_count, ctx->hosted_host);
#pragma GCC diagnostic pop
  fct_finding_set_evidence (finding, ctx->hosted_href);
}
