/* facteur — names in links and prose: URL hosts as browsers read them (WHATWG URL
 * "host parsing", userinfo dropped, numeric IPv4 forms), IDNs to A-labels (RFC 5891 via
 * libidn2), registrable domains by the public suffix list (libpsl). */
#include "analysis-private.h"

#include <idn2.h>
#include <string.h>

static const psl_ctx_t *psl_shared;

const psl_ctx_t *
fct_analysis_psl (void)
{
  static gsize loaded = 0;

  if (g_once_init_enter (&loaded))
    {
      /* Debian's list (package publicsuffix) when present, else the one built into
         libpsl. Read-only once loaded: shared by every thread. */
      psl_shared = psl_latest (NULL);
      if (psl_shared == NULL)
        psl_shared = psl_builtin ();
      g_once_init_leave (&loaded, 1);
    }
  return psl_shared;
}

char *
fct_analysis_org_domain (const char *host)
{
  const psl_ctx_t *psl = fct_analysis_psl ();
  const char *registrable;

  if (host == NULL || psl == NULL || fct_analysis_host_is_ip (host))
    return NULL;
  registrable = psl_registrable_domain (psl, host);
  return registrable != NULL ? g_strdup (registrable) : NULL;
}

gboolean
fct_analysis_has_known_suffix (const char *name)
{
  const psl_ctx_t *psl = fct_analysis_psl ();
  const char *dot = strrchr (name, '.');
  const char *tld = dot != NULL ? dot + 1 : name;

  if (psl == NULL || *tld == '\0')
    return FALSE;
  /* The last label must be listed itself: the implicit "*" rule would make any word
     after a dot a suffix ("invoice.pdf"). */
  return psl_is_public_suffix2 (psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

static gboolean
is_host_byte (guchar c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_';
}

char *
fct_analysis_host_normalize (const char *host, gsize len)
{
  g_autofree char *copy = NULL;
  gboolean ascii = TRUE;

  while (len > 0 && host[len - 1] == '.')
    len--;
  if (len == 0 || len > 253 * 4)
    return NULL;
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar)host[i];
      if (c >= 0x80)
        ascii = FALSE;
      else if (!is_host_byte (c))
        return NULL;
    }
  copy = g_strndup (host, len);
  if (!ascii)
    {
      char *alabel = NULL;

      if (!g_utf8_validate (copy, -1, NULL)
          || idn2_to_ascii_8z (copy, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)
                 != IDN2_OK)
        return NULL;
      g_free (copy);
      copy = g_strdup (alabel);
      idn2_free (alabel);
    }
  if (copy[0] == '.' || strstr (copy, "..") != NULL || strlen (copy) > 253)
    return NULL;
  for (char *c = copy; *c != '\0'; c++)
    *c = g_ascii_tolower (*c);
  return g_steal_pointer (&copy);
}

gboolean
fct_analysis_host_is_ip (const char *host)
{
  const char *last;

  if (host == NULL || *host == '\0')
    return FALSE;
  if (strchr (host, ':') != NULL)
    return g_hostname_is_ip_address (host);
  /* WHATWG URL §3.5: a host whose last label is a number is parsed as IPv4, in
     decimal, octal or hex ("http://3232235777/" is 192.168.1.1). */
  last = strrchr (host, '.');
  last = last != NULL ? last + 1 : host;
  if (*last == '\0')
    return FALSE;
  if (last[0] == '0' && (last[1] == 'x' || last[1] == 'X'))
    {
      for (const char *p = last + 2; *p != '\0'; p++)
        if (!g_ascii_isxdigit (*p))
          return FALSE;
      return TRUE;
    }
  for (const char *p = last; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static int
hex_value (char c)
{
  return g_ascii_xdigit_value (c);
}

char *
fct_analysis_url_host (const char *url, char **scheme)
{
  g_autofree char *copy = NULL;
  const char *p, *start, *end;
  g_autofree char *lower_scheme = NULL;
  g_autoptr (GString) host = NULL;
  gsize i, len;

  if (scheme != NULL)
    *scheme = NULL;
  /* Tabs and line breaks anywhere are removed, C0 and spaces at the ends stripped
     (WHATWG URL, basic URL parser). Stripping the end first leaves the same: what
     follows a trailing byte up to 0x20 is all such bytes. A URL that needs neither,
     nearly every one, is read where it is. */
  while (*url != '\0' && (guchar)*url <= 0x20)
    url++;
  len = strlen (url);
  while (len > 0 && (guchar)url[len - 1] <= 0x20)
    len--;
  p = url;
  if (url[len] != '\0' || strcspn (url, "\t\n\r") < len)
    {
      gsize n = 0;

      copy = g_strndup (url, len);
      for (const char *q = copy; *q != '\0'; q++)
        if (*q != '\t' && *q != '\n' && *q != '\r')
          copy[n++] = *q;
      copy[n] = '\0';
      p = copy;
    }

  i = 0;
  if (g_ascii_isalpha (p[0]))
    {
      i = 1;
      while (g_ascii_isalnum (p[i]) || p[i] == '+' || p[i] == '-' || p[i] == '.')
        i++;
    }
  if (i > 0 && p[i] == ':')
    {
      lower_scheme = g_ascii_strdown (p, (gssize)i);
      p += i + 1;
    }
  else if (g_ascii_strncasecmp (p, "www.", 4) == 0)
    {
      lower_scheme = g_strdup ("http");
    }
  else
    {
      lower_scheme = g_strdup ("");
    }
  if (scheme != NULL)
    *scheme = g_strdup (lower_scheme);
  if (!g_str_equal (lower_scheme, "http") && !g_str_equal (lower_scheme, "https")
      && !g_str_equal (lower_scheme, "ftp"))
    return NULL;

  /* Special schemes: any run of slashes or backslashes starts the authority. */
  while (*p == '/' || *p == '\\')
    p++;
  start = p;
  end = start + strcspn (start, "/?#\\");
  /* Userinfo ends at the last '@': "https://bank.example@evil.example/" goes to
     evil.example. */
  for (const char *q = end; q > start; q--)
    if (q[-1] == '@')
      {
        start = q;
        break;
      }
  if (*start == '[')
    {
      const char *close = memchr (start, ']', (gsize)(end - start));
      g_autofree char *literal = NULL;

      if (close == NULL)
        return NULL;
      literal = g_ascii_strdown (start + 1, close - start - 1);
      return g_hostname_is_ip_address (literal) ? g_steal_pointer (&literal) : NULL;
    }
  for (const char *q = start; q < end; q++)
    if (*q == ':')
      {
        end = q;
        break;
      }
  if (memchr (start, '%', (gsize)(end - start)) == NULL)
    return fct_analysis_host_normalize (start, (gsize)(end - start));
  host = g_string_sized_new ((gsize)(end - start));
  for (const char *q = start; q < end; q++)
    {
      if (*q == '%' && q + 2 < end + 0 && hex_value (q[1]) >= 0 && hex_value (q[2]) >= 0)
        {
          g_string_append_c (host, (char)(hex_value (q[1]) * 16 + hex_value (q[2])));
          q += 2;
        }
      else
        {
          g_string_append_c (host, *q);
        }
    }
  return fct_analysis_host_normalize (host->str, host->len);
}

/* Characters that a reader does not see and that UTS #46 maps to nothing: zero-width
 * spaces and joiners, the word joiner (&NoBreak;), the soft hyphen, byte-order marks
 * (general category Cf) and variation selectors. */
static gboolean
is_invisible (gunichar c)
{
  return g_unichar_type (c) == G_UNICODE_FORMAT || (c >= 0xfe00 && c <= 0xfe0f)
         || (c >= 0x180b && c <= 0x180f) || c == 0x034f;
}

/* What a name is made of once UTS #46 has mapped it: letters and digits of any script
 * (mathematical and full-width ones included), combining marks, '-', '_', and the
 * full stops that map to '.' (UTS #46 §4, step 1). Everything else (spaces, NBSP,
 * quotes « », ellipsis, '/', '@') separates names. */
static gboolean
is_name_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c) || c == '-' || c == '_' || c == '.'
         || c == 0x3002 || c == 0xff0e || c == 0xff61;
}

static gboolean
is_dot (gunichar c)
{
  return c == '.' || c == 0x3002 || c == 0xff0e || c == 0xff61;
}

/* FALSE when no character of text can be a full stop: it holds no '.' and no byte of
 * 0xe3 or more, with which the UTF-8 of U+3002, U+FF0E and U+FF61 starts (a lead byte
 * below it reads as a character below U+3000, however its sequence goes on). Most
 * texts of links ("Read more") name no domain and are passed over at this cost. */
static gboolean
may_hold_dot (const char *text)
{
  for (const guchar *p = (const guchar *)text; *p != '\0'; p++)
    if (*p == '.' || *p >= 0xe3)
      return TRUE;
  return FALSE;
}

char *
fct_analysis_text_find_domain (const char *text, FctShownIn in, gboolean *strong)
{
  const char *p = text;
  gboolean seen_alnum = FALSE; /* letters or digits before the current name */
  char *weak_name = NULL;

  *strong = FALSE;
  /* A name read as a domain holds a '.' (below). */
  if (!may_hold_dot (text))
    return NULL;
  while (*p != '\0')
    {
      g_autoptr (GString) token = g_string_new (NULL);
      const char *start = p;
      gboolean upper = FALSE, lower = FALSE, dot = FALSE, whole, first_word;
      gsize first_label = 0;
      char *name;

      if (!is_name_char (g_utf8_get_char (p)) || is_invisible (g_utf8_get_char (p)))
        {
          if (g_unichar_isalnum (g_utf8_get_char (p)))
            seen_alnum = TRUE;
          p = g_utf8_next_char (p);
          continue;
        }
      for (; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);
          if (is_invisible (c))
            continue;
          if (!is_name_char (c))
            break;
          if (is_dot (c))
            {
              /* Sentence punctuation, not a label separator, when nothing follows. */
              if (token->len > 0)
                dot = TRUE;
              g_string_append_c (token, '.');
              continue;
            }
          if (!dot)
            first_label++;
          upper = upper || g_unichar_isupper (c);
          lower = lower || g_unichar_islower (c);
          g_string_append_unichar (token, c);
        }
      /* A name read as a domain: after a scheme, "@" or with "www.", or the whole text
         of the link (a path may follow) unless written like a product or a person
         ("ASP.NET", "R.Hughes"), or in lower case as addresses are written; in a
         sender's name, also as its first word ("Booking.com Angebote", but not the
         brand "CNET News.com"). */
      first_word = !seen_alnum;
      {
        const char *after = p;
        while (*after != '\0' && !g_unichar_isalnum (g_utf8_get_char (after))
               && *after != '/')
          after = g_utf8_next_char (after);
        whole = !seen_alnum && (*after == '\0' || *after == '/');
      }
      seen_alnum = TRUE;
      /* Sentence punctuation around a name is not part of it. */
      while (token->len > 0 && (token->str[0] == '.' || token->str[0] == '-'))
        g_string_erase (token, 0, 1);
      while (token->len > 0
             && (token->str[token->len - 1] == '.' || token->str[token->len - 1] == '-'))
        g_string_truncate (token, token->len - 1);
      if (token->len < 3 || strchr (token->str, '.') == NULL)
        continue;
      name = fct_analysis_host_normalize (token->str, token->len);
      if (name != NULL && !fct_analysis_host_is_ip (name)
          && fct_analysis_has_known_suffix (name))
        {
          g_autofree char *org = fct_analysis_org_domain (name);
          gboolean prefixed = g_str_has_prefix (name, "www.")
                              || (start - text >= 3 && memcmp (start - 3, "://", 3) == 0)
                              || (start > text && start[-1] == '@');

          if (org != NULL
              && (prefixed || (whole && lower && first_label > 1) || (lower && !upper)
                  || (in == FCT_SHOWN_IN_SENDER_NAME && first_word && first_label > 1)))
            {
              g_free (weak_name);
              *strong = TRUE;
              return name;
            }
          if (org != NULL && weak_name == NULL)
            {
              weak_name = name;
              continue;
            }
        }
      g_free (name);
    }
  return weak_name;
}
