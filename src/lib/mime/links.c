/* facteur — URLs written in plain text (http, https, ftp and bare "www." forms, as mail
 * clients make them clickable), found in one linear pass. A URL ends at white space or
 * at a character RFC 3986 Appendix C calls a delimiter in prose (<, >, "). */
#include "mime-private.h"

#include <string.h>

static gboolean
starts_with_nocase (const char *p, const char *end, const char *prefix)
{
  gsize n = strlen (prefix);
  return (gsize)(end - p) >= n && g_ascii_strncasecmp (p, prefix, n) == 0;
}

static gboolean
ends_url (guchar c)
{
  return c <= 0x20 || c == '<' || c == '>' || c == '"' || c == 0x7f;
}

/* Returns the length of the scheme or "www." prefix that starts at p, or 0. A prefix
 * must start a word: "xhttp://" is not a link. */
static gsize
url_prefix (const char *text, const char *p, const char *end)
{
  static const char *const prefixes[] = { "https://", "http://", "ftp://", "www." };

  if (p > text && (g_ascii_isalnum (p[-1]) || p[-1] == '.' || p[-1] == '/'))
    return 0;
  for (gsize i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (starts_with_nocase (p, end, prefixes[i]))
      return strlen (prefixes[i]);
  return 0;
}

/* The bytes that start a prefix: h, f and w in either case. */
static const gboolean starts_link[256] = {
  ['h'] = TRUE, ['H'] = TRUE, ['f'] = TRUE, ['F'] = TRUE, ['w'] = TRUE, ['W'] = TRUE,
};

void
fct_mime_text_links (FctMime *mime, guint index)
{
  FctMimeEntry *entry = g_ptr_array_index (mime->entries, index);
  const char *text = entry->text;
  const char *end = text + entry->text_len;
  const char *p = text;

  while (p < end)
    {
      gsize prefix;
      const char *q;

      /* Only h, f and w can start a link, followed by t (http, ftp) or w (www): skip
         everything else quickly. */
      while (p < end && !starts_link[(guchar)*p])
        p++;
      if (end - p < 2 || (p[1] | 0x20) != ((*p | 0x20) == 'w' ? 'w' : 't'))
        {
          p++;
          continue;
        }
      prefix = url_prefix (text, p, end);
      if (prefix == 0)
        {
          p++;
          continue;
        }
      q = p + prefix;
      while (q < end && !ends_url ((guchar)*q))
        q++;
      /* Sentence punctuation after a URL is not part of it. */
      while (q > p + prefix && strchr (".,;:!?)]}'", q[-1]) != NULL)
        q--;
      if (q > p + prefix)
        {
          if (!fct_mime_link_add (mime, FCT_MIME_LINK_TEXT, p, (gsize)(q - p), p,
                                  (gsize)(q - p), index))
            return;
        }
      p = q > p ? q : p + 1;
    }
}
