/* DKIM tag lists (RFC 6376 §3.2), shared by signatures, key records and ARC; base64
 * fields (§2.4) and the domain-name checks applied to d= and s= before a DNS query. */
#include "dkim-private.h"

static gboolean
is_fws (guint8 c)
{
  /* FWS (RFC 5322 §3.2.2) as it appears unparsed: folding CRLFs and WSP. */
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* VALCHAR = %x21-3A / %x3C-7E (§3.2): printable ASCII except ';'; with utf8, the bytes
 * of UTF8-non-ascii too (RFC 8616 §4: U-labels in messages with UTF-8 header fields;
 * the caller has checked the text is UTF-8). */
static gboolean
is_valchar (guint8 c, gboolean utf8)
{
  return (c >= 0x21 && c <= 0x7e && c != ';') || (utf8 && c >= 0x80);
}

static gsize
skip_fws (FctSlice text, gsize pos)
{
  while (pos < text.len && is_fws (text.ptr[pos]))
    pos++;
  return pos;
}

static gboolean
tags_parse (FctSlice text, guint max_tags, gboolean utf8, GArray *tags, const char **reason)
{
  gsize pos = 0;

  g_return_val_if_fail (tags != NULL && reason != NULL, FALSE);
  g_array_set_size (tags, 0);
  *reason = NULL;
  while (TRUE)
    {
      FctDkimTag tag;
      gsize start;

      pos = skip_fws (text, pos);
      if (pos >= text.len)
        return TRUE;
      if (text.ptr[pos] == ';')
        {
          pos++;
          continue;
        }
      /* tag-name = ALPHA *ALNUMPUNC */
      start = pos;
      if (!g_ascii_isalpha (text.ptr[pos]))
        {
          *reason = N_ ("malformed tag list: a tag name must start with a letter");
          return FALSE;
        }
      while (pos < text.len && (g_ascii_isalnum (text.ptr[pos]) || text.ptr[pos] == '_'))
        pos++;
      tag.name = fct_slice_new (text.ptr + start, pos - start);
      pos = skip_fws (text, pos);
      if (pos >= text.len || text.ptr[pos] != '=')
        {
          *reason = N_ ("malformed tag list: a tag name is not followed by '='");
          return FALSE;
        }
      pos++;
      start = pos;
      while (pos < text.len && text.ptr[pos] != ';')
        {
          if (!is_valchar (text.ptr[pos], utf8) && !is_fws (text.ptr[pos]))
            {
              *reason = N_ ("malformed tag list: invalid character in a tag value");
              return FALSE;
            }
          pos++;
        }
      tag.span = fct_slice_new (text.ptr + start, pos - start);
      tag.value = tag.span;
      while (tag.value.len > 0 && is_fws (tag.value.ptr[0]))
        {
          tag.value.ptr++;
          tag.value.len--;
        }
      while (tag.value.len > 0 && is_fws (tag.value.ptr[tag.value.len - 1]))
        tag.value.len--;

      /* §3.2: "Tags MUST NOT be duplicated"; tag names are case-sensitive. */
      for (guint i = 0; i < tags->len; i++)
        if (fct_slice_equal (g_array_index (tags, FctDkimTag, i).name, tag.name))
          {
            *reason = N_ ("malformed tag list: a tag appears twice");
            return FALSE;
          }
      if (tags->len >= max_tags)
        {
          *reason = N_ ("malformed tag list: too many tags");
          return FALSE;
        }
      g_array_append_val (tags, tag);
      if (pos < text.len)
        pos++; /* the ';' */
    }
}

gboolean
fct_dkim_tags_parse (FctSlice text, guint max_tags, GArray *tags, const char **reason)
{
  return tags_parse (text, max_tags, FALSE, tags, reason);
}

gboolean
fct_dkim_tags_parse_utf8 (FctSlice text, guint max_tags, GArray *tags, const char **reason)
{
  return tags_parse (text, max_tags, TRUE, tags, reason);
}

const FctDkimTag *
fct_dkim_tags_find (const GArray *tags, const char *name)
{
  FctSlice wanted = fct_slice_from_str (name);

  for (guint i = 0; i < tags->len; i++)
    {
      const FctDkimTag *tag = &g_array_index (tags, FctDkimTag, i);
      if (fct_slice_equal (tag->name, wanted))
        return tag;
    }
  return NULL;
}

gboolean
fct_dkim_decimal_parse (FctSlice s, gsize max_digits, guint64 *out)
{
  guint64 v = 0;

  if (s.len == 0 || s.len > max_digits)
    return FALSE;
  for (gsize i = 0; i < s.len; i++)
    {
      if (!g_ascii_isdigit (s.ptr[i]))
        return FALSE;
      guint d = (guint)(s.ptr[i] - '0');
      if (v > (G_MAXUINT64 - d) / 10)
        return FALSE;
      v = v * 10 + d;
    }
  *out = v;
  return TRUE;
}

static int
base64_value (guint8 c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

GBytes *
fct_dkim_base64_decode (FctSlice s, gsize max_len)
{
  /* Count the significant characters first, so that the output is sized before it
   * is allocated and garbage is refused without allocating anything. */
  gsize chars = 0, padding = 0;

  for (gsize i = 0; i < s.len; i++)
    {
      guint8 c = s.ptr[i];
      if (is_fws (c))
        continue;
      if (c == '=')
        padding++;
      else if (padding > 0 || base64_value (c) < 0)
        return NULL; /* a character after padding, or not base64 at all */
      else
        chars++;
    }
  if (padding > 2 || (chars + padding) % 4 != 0 || (padding > 0 && chars % 4 == 0))
    return NULL;

  gsize out_len = chars / 4 * 3 + (chars % 4 == 3 ? 2 : chars % 4 == 2 ? 1 : 0);
  if (chars % 4 == 1 || out_len > max_len)
    return NULL;

  guint8 *out = g_malloc (out_len + 1);
  gsize o = 0;
  guint32 acc = 0;
  guint bits = 0;
  for (gsize i = 0; i < s.len; i++)
    {
      int v = base64_value (s.ptr[i]);
      if (v < 0)
        continue;
      acc = (acc << 6) | (guint32)v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[o++] = (guint8)(acc >> bits);
        }
    }
  /* Leftover bits must be zero in canonical base64; OpenDKIM and dkimpy accept
   * non-zero ones, and so do we: they do not change the decoded bytes. */
  g_assert (o == out_len);
  return g_bytes_new_take (out, out_len);
}

gboolean
fct_dkim_domain_is_valid (FctSlice s)
{
  gsize label = 0;

  if (s.len == 0 || s.len > 253)
    return FALSE;
  for (gsize i = 0; i < s.len; i++)
    {
      guint8 c = s.ptr[i];
      if (c == '.')
        {
          if (label == 0)
            return FALSE;
          label = 0;
          continue;
        }
      /* '_' is not LDH, but selectors with it are deployed and resolvable. */
      if (!g_ascii_isalnum (c) && c != '-' && c != '_')
        return FALSE;
      if (++label > 63)
        return FALSE;
    }
  return label > 0;
}
