/* facteur check — DNS blocklists (RFC 5782): the query names for an address and what the
 * answers of the common zones mean. An answer in 127.0.0.0/8 is a listing unless the
 * zone documents it as an error (a refused query, a public resolver); anything else is
 * not a blocklist answer (a resolver rewriting NXDOMAIN) and is ignored. */
#include "check-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static const char *const default_dnsbl[] = {
  "zen.spamhaus.org",       /* SBL, CSS, XBL, PBL in one zone */
  "bl.spamcop.net",         /* user reports, short listings */
  "b.barracudacentral.org", /* Barracuda reputation (needs a registered resolver) */
  NULL,
};

static const char *const default_uribl[] = {
  "dbl.spamhaus.org", /* domains in spam, phishing, malware */
  "multi.surbl.org",  /* phishing, malware, abused sites */
  "multi.uribl.com",  /* domains in unsolicited mail */
  NULL,
};

const char *const *
fct_check_default_dnsbl_zones (void)
{
  return default_dnsbl;
}

const char *const *
fct_check_default_uribl_zones (void)
{
  return default_uribl;
}

char *
fct_check_dnsbl_name (const guint8 *ip, gsize ip_len, const char *zone)
{
  g_autofree char *reverse = fct_dns_reverse_name (ip, ip_len);
  const char *suffix = ip_len == 4 ? ".in-addr.arpa" : ".ip6.arpa";

  if (g_str_has_suffix (reverse, suffix))
    reverse[strlen (reverse) - strlen (suffix)] = '\0';
  return g_strconcat (reverse, ".", zone, NULL);
}

static gboolean
zone_is (const char *zone, const char *name)
{
  return g_ascii_strcasecmp (zone, name) == 0;
}

/* Spamhaus's error codes, common to every zone (127.255.255.0/24). */
static gboolean
spamhaus_error (const guint8 a[4], char **meaning)
{
  if (!(a[0] == 127 && a[1] == 255 && a[2] == 255))
    return FALSE;
  switch (a[3])
    {
    case 252:
      *meaning = g_strdup (_ ("Spamhaus: typing error in the zone name"));
      break;
    case 254:
      *meaning = g_strdup (_ ("Spamhaus: query through a public resolver, refused "
                              "(use your own resolver or a Data Query Service key)"));
      break;
    case 255:
      *meaning = g_strdup (_ ("Spamhaus: excessive number of queries, refused"));
      break;
    default:
      *meaning = g_strdup (_ ("Spamhaus: error code"));
      break;
    }
  return TRUE;
}

gboolean
fct_check_dnsbl_decode (const char *zone, const guint8 a[4], char **meaning)
{
  *meaning = NULL;
  if (a[0] != 127)
    return FALSE;
  if (g_str_has_suffix (zone, "spamhaus.org"))
    {
      if (spamhaus_error (a, meaning))
        return FALSE;
      if (a[1] == 0 && a[2] == 0)
        switch (a[3])
          {
          case 2:
            *meaning = g_strdup (_ ("Spamhaus SBL: a known spam source or spam operation"));
            return TRUE;
          case 3:
            *meaning = g_strdup (_ ("Spamhaus CSS: snowshoe spam (low volume from many "
                                    "addresses)"));
            return TRUE;
          case 4:
          case 5:
          case 6:
          case 7:
            *meaning = g_strdup (_ ("Spamhaus XBL: a compromised machine (malware, open "
                                    "proxy)"));
            return TRUE;
          case 9:
            *meaning = g_strdup (_ ("Spamhaus DROP: a hijacked or criminal network"));
            return TRUE;
          case 10:
            *meaning = g_strdup (_ ("Spamhaus PBL (ISP): an end-user address that should "
                                    "not send mail directly; send through your provider's "
                                    "server"));
            return TRUE;
          case 11:
            *meaning = g_strdup (_ ("Spamhaus PBL: an end-user address that should not "
                                    "send mail directly; send through your provider's "
                                    "server"));
            return TRUE;
          default:
            break;
          }
    }
  else if (zone_is (zone, "bl.spamcop.net") && a[1] == 0 && a[2] == 0 && a[3] == 2)
    {
      *meaning = g_strdup (_ ("SpamCop: recipients reported spam from this address "
                              "recently (listings expire by themselves)"));
      return TRUE;
    }
  else if (zone_is (zone, "b.barracudacentral.org") && a[1] == 0 && a[2] == 0 && a[3] == 2)
    {
      *meaning = g_strdup (_ ("Barracuda: poor reputation; request removal at "
                              "barracudacentral.org"));
      return TRUE;
    }
  /* RFC 5782 §2.3: 127.0.0.2 is the usual listing code; 127.0.0.1 is never one. */
  if (a[1] == 0 && a[2] == 0 && a[3] == 1)
    return FALSE;
  *meaning = g_strdup_printf (_ ("listed (code 127.%u.%u.%u)"), a[1], a[2], a[3]);
  return TRUE;
}

static void
append_bit (GString *s, gboolean set, const char *word)
{
  if (!set)
    return;
  if (s->len > 0)
    g_string_append (s, ", ");
  g_string_append (s, word);
}

gboolean
fct_check_uribl_decode (const char *zone, const guint8 a[4], char **meaning)
{
  *meaning = NULL;
  if (a[0] != 127)
    return FALSE;
  if (g_str_has_suffix (zone, "spamhaus.org"))
    {
      if (spamhaus_error (a, meaning))
        return FALSE;
      if (a[1] != 0 || a[2] != 1)
        return FALSE;
      switch (a[3])
        {
        case 2:
          *meaning = g_strdup (_ ("Spamhaus DBL: a spam domain"));
          return TRUE;
        case 4:
          *meaning = g_strdup (_ ("Spamhaus DBL: a phishing domain"));
          return TRUE;
        case 5:
          *meaning = g_strdup (_ ("Spamhaus DBL: a malware domain"));
          return TRUE;
        case 6:
          *meaning = g_strdup (_ ("Spamhaus DBL: a botnet command-and-control domain"));
          return TRUE;
        case 102:
        case 103:
          *meaning = g_strdup (_ ("Spamhaus DBL: an abused legitimate domain used in "
                                  "spam or as a redirector"));
          return TRUE;
        case 104:
          *meaning = g_strdup (_ ("Spamhaus DBL: an abused legitimate domain used for "
                                  "phishing"));
          return TRUE;
        case 105:
        case 106:
          *meaning = g_strdup (_ ("Spamhaus DBL: an abused legitimate domain serving "
                                  "malware"));
          return TRUE;
        case 255:
          *meaning = g_strdup (_ ("Spamhaus DBL: IP addresses are not queried here"));
          return FALSE;
        default:
          *meaning = g_strdup_printf (_ ("Spamhaus DBL: listed (code 127.0.1.%u)"), a[3]);
          return TRUE;
        }
    }
  if (zone_is (zone, "multi.surbl.org"))
    {
      g_autoptr (GString) s = g_string_new (NULL);
      if (a[1] != 0 || a[2] != 0)
        return FALSE;
      if (a[3] == 1)
        {
          *meaning = g_strdup (_ ("SURBL: query refused (access blocked)"));
          return FALSE;
        }
      append_bit (s, a[3] & 8, _ ("phishing"));
      append_bit (s, a[3] & 16, _ ("malware"));
      append_bit (s, a[3] & 64, _ ("abused or spam site"));
      append_bit (s, a[3] & 128, _ ("cracked site"));
      if (s->len == 0)
        g_string_append_printf (s, _ ("code 127.0.0.%u"), a[3]);
      *meaning = g_strdup_printf (_ ("SURBL: %s"), s->str);
      return TRUE;
    }
  if (zone_is (zone, "multi.uribl.com"))
    {
      g_autoptr (GString) s = g_string_new (NULL);
      if (a[1] != 0 || a[2] != 0)
        return FALSE;
      if (a[3] == 1)
        {
          *meaning = g_strdup (_ ("URIBL: query refused (public resolver or too many "
                                  "queries)"));
          return FALSE;
        }
      append_bit (s, a[3] & 2, _ ("black (spam domain)"));
      append_bit (s, a[3] & 4, _ ("grey (bulk mail domain)"));
      append_bit (s, a[3] & 8, _ ("red (newly seen in spam)"));
      if (s->len == 0)
        g_string_append_printf (s, _ ("code 127.0.0.%u"), a[3]);
      *meaning = g_strdup_printf (_ ("URIBL: %s"), s->str);
      return TRUE;
    }
  return fct_check_dnsbl_decode (zone, a, meaning);
}
