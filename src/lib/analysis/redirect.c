/* facteur — where a link really goes: the destination carried by a known redirector
 * (Microsoft Defender Safe Links, Google's /url, Proofpoint URL Defense v1-v3, Barracuda
 * Link Protection, Symantec Click-time, the redirectors of Facebook, LinkedIn, YouTube,
 * Slack, Tumblr, Amazon SES click tracking, eBay's RedirectToDomain), and the trackers and
 * wrappers whose destination is not in the URL at all (ESP click trackers, Mimecast,
 * Proofpoint Essentials), for which the destination cannot be known without following them.
 */
#include "analysis-private.h"

#include <string.h>

typedef enum
{
  DECODE_PERCENT,      /* a query parameter, percent-encoded (WHATWG URL §5.1) */
  DECODE_PROOFPOINT_2, /* Proofpoint v2: "-XX" for byte XX, "_" for "/" */
} Decode;

typedef struct
{
  const char *host; /* the host or a parent domain of it */
  const char *path; /* the path starts with this */
  const char *param;
  Decode decode;
} Redirector;

/* Each from the vendor's documentation of its link format or from its links as they
 * appear in delivered mail. */
static const Redirector redirectors[] = {
  { "safelinks.protection.outlook.com", "/", "url", DECODE_PERCENT },
  { "urldefense.proofpoint.com", "/v2/url", "u", DECODE_PROOFPOINT_2 },
  { "urldefense.proofpoint.com", "/v1/url", "u", DECODE_PERCENT },
  { "linkprotect.cudasvc.com", "/url", "a", DECODE_PERCENT },
  { "l.facebook.com", "/l.php", "u", DECODE_PERCENT },
  { "lm.facebook.com", "/l.php", "u", DECODE_PERCENT },
  { "www.youtube.com", "/redirect", "q", DECODE_PERCENT },
  { "www.linkedin.com", "/redir/redirect", "url", DECODE_PERCENT },
  { "slack-redir.net", "/link", "url", DECODE_PERCENT },
  { "t.umblr.com", "/redirect", "z", DECODE_PERCENT },
  { "clicktime.symantec.com", "/", "u", DECODE_PERCENT },
  /* eBay's ISAPI pages redirect to any site named in DomainUrl
     (MfcISAPICommand=RedirectToDomain): the open redirect that phishing used to show
     "cgi4.ebay.com" in the link. */
  { "ebay.com", "/ws/eBayISAPI.dll", "DomainUrl", DECODE_PERCENT },
};

/* Click trackers of e-mail service providers and link wrappers of mail security
 * gateways that keep the destination on their side (rspamd's redirectors map and the
 * providers' documentation). */
static const char *const opaque_hosts[] = {
  "list-manage.com", "mailchi.mp",
  "sendgrid.net",    "mandrillapp.com",
  "mailgun.org",     "sparkpostmail.com",
  "mjt.lu",          "sendibt3.com",
  "sendibt2.com",    "hubspotlinks.com",
  "exacttarget.com", "rs6.net",
  "mcsv.net",        "klclick.com",
  "cmail19.com",     "cmail20.com",
  "createsend.com",  "brevo.com",
  "sendinblue.com",  "pstmrk.it",
  "mlsend.com",      "e2ma.net",
  "acemlna.com",     "activehosted.com",
  "mimecast.com",    "emailprotection.link",
  "mailjet.com",     "convertkit-mail.com",
  "ct.sendgrid.net",
};

/* Every host of the two tables above, to find a link's host by its own name and its
 * parent domains (a handful of lookups) rather than by comparing it with each entry.
 * Values: 1 + the index of the host's first redirector, or -1 for an opaque host. */
static GHashTable *
known_hosts (void)
{
  static gsize once = 0;
  static GHashTable *known;

  if (g_once_init_enter (&once))
    {
      known = g_hash_table_new (g_str_hash, g_str_equal);
      for (gsize i = 0; i < G_N_ELEMENTS (opaque_hosts); i++)
        g_hash_table_insert (known, (gpointer)opaque_hosts[i], GINT_TO_POINTER (-1));
      for (gsize i = G_N_ELEMENTS (redirectors); i > 0; i--)
        g_hash_table_insert (known, (gpointer)redirectors[i - 1].host,
                             GINT_TO_POINTER ((int)i));
      g_once_init_leave (&once, 1);
    }
  return known;
}

gboolean
fct_analysis_host_under (const char *host, const char *domain)
{
  gsize hl = strlen (host), dl = strlen (domain);

  return g_str_equal (host, domain)
         || (hl > dl && host[hl - dl - 1] == '.' && g_str_equal (host + hl - dl, domain));
}

/* The path and query of an absolute URL (transfer none, pointers into url). */
static void
split_url (const char *url, const char **path, const char **query)
{
  const char *p = strstr (url, "//");

  p = p != NULL ? p + 2 : url;
  p += strcspn (p, "/?#");
  *path = p;
  *query = strchr (p, '?');
}

/* Percent-decodes [p, end) into a new string, dropping C0 controls and spaces that
 * an attacker puts in to hide the destination from filters (browsers strip tabs and
 * line breaks; the rest make filters fail to read the URL). */
static char *
decode (const char *p, const char *end, Decode how)
{
  GString *out = g_string_sized_new ((gsize)(end - p));

  while (p < end)
    {
      char c = *p++;
      if (how == DECODE_PROOFPOINT_2 && c == '_')
        c = '/';
      else if ((c == '%' || (how == DECODE_PROOFPOINT_2 && c == '-')) && end - p >= 2
               && g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]))
        {
          c = (char)(g_ascii_xdigit_value (p[0]) * 16 + g_ascii_xdigit_value (p[1]));
          p += 2;
        }
      if ((guchar)c > 0x20 && c != 0x7f)
        g_string_append_c (out, c);
    }
  return g_string_free (out, FALSE);
}

static char *
query_param (const char *query, const char *name, Decode how)
{
  gsize n = strlen (name);

  if (query == NULL)
    return NULL;
  for (const char *p = query + 1; *p != '\0' && *p != '#';)
    {
      const char *end = p + strcspn (p, "&#");
      if ((gsize)(end - p) > n && g_ascii_strncasecmp (p, name, n) == 0 && p[n] == '=')
        return decode (p + n + 1, end, how);
      p = *end == '&' ? end + 1 : end;
    }
  return NULL;
}

static gboolean
is_web_url (const char *url)
{
  return url != NULL
         && (g_ascii_strncasecmp (url, "http://", 7) == 0
             || g_ascii_strncasecmp (url, "https://", 8) == 0);
}

char *
fct_analysis_redirect_target (const char *url, const char *host, gboolean *opaque)
{
  const char *path, *query;
  g_autofree char *org = NULL;
  char *target = NULL;

  *opaque = FALSE;
  split_url (url, &path, &query);
  /* The host and each parent domain: "eur01.safelinks.protection.outlook.com", then
     "safelinks.protection.outlook.com", ... */
  for (const char *h = host; h != NULL && target == NULL && !*opaque;)
    {
      int found = GPOINTER_TO_INT (g_hash_table_lookup (known_hosts (), h));
      if (found < 0)
        *opaque = TRUE;
      for (gsize i = found > 0 ? (gsize)found - 1 : G_N_ELEMENTS (redirectors);
           i < G_N_ELEMENTS (redirectors) && g_str_equal (redirectors[i].host, h); i++)
        if (g_str_has_prefix (path, redirectors[i].path))
          {
            target = query_param (query, redirectors[i].param, redirectors[i].decode);
            break;
          }
      h = strchr (h, '.');
      if (h != NULL)
        h++;
    }
  if (*opaque)
    return NULL;
  /* Google's redirector answers on every country domain (google.fr/url?q=). */
  if (target == NULL && g_str_has_prefix (path, "/url") && strstr (host, "google.") != NULL
      && (org = fct_analysis_org_domain (host)) != NULL
      && g_str_has_prefix (org, "google."))
    {
      target = query_param (query, "q", DECODE_PERCENT);
      if (target == NULL)
        target = query_param (query, "url", DECODE_PERCENT);
    }
  /* Proofpoint v3: https://urldefense.com/v3/__https://example.com/__;!!token$ (the
     '*' placeholders stand for bytes kept in the token: they do not occur in a host). */
  if (target == NULL && fct_analysis_host_under (host, "urldefense.com")
      && g_str_has_prefix (path, "/v3/__"))
    {
      const char *start = path + 6;
      const char *end = strstr (start, "__;");
      target = decode (start, end != NULL ? end : start + strlen (start), DECODE_PERCENT);
    }
  /* Amazon SES: https://xxxx.r.us-east-1.awstrack.me/L0/https:%2F%2Fexample.com%2F/1/... */
  if (target == NULL && fct_analysis_host_under (host, "awstrack.me")
      && g_str_has_prefix (path, "/L0/"))
    {
      const char *start = path + 4;
      target = decode (start, start + strcspn (start, "/?#"), DECODE_PERCENT);
    }
  if (target != NULL && !is_web_url (target))
    {
      /* Not a web address: the redirector goes nowhere a reader can be sent. */
      g_free (target);
      target = NULL;
    }
  return target;
}
