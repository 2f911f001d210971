/* facteur — SPF macro strings: syntax check and expansion of every macro letter with
 * transformers, delimiters, %% %_ %- and URL escaping of upper-case letters, per
 * RFC 7208 §7. Output is capped so that a "macro bomb" costs bounded memory. */
#include "spf-private.h"

#include <glib/gi18n-lib.h>

#include <arpa/inet.h>

static gboolean
is_delimiter (char c)
{
  return strchr (".-+,/_=", c) != NULL && c != '\0';
}

/* Letters of RFC 7208 §7.2; c, r and t only in explanation text (§7.3). */
static gboolean
is_letter (char c, gboolean domain_letters)
{
  char l = g_ascii_tolower (c);
  if (strchr ("slodipvh", l) != NULL && l != '\0')
    return TRUE;
  return !domain_letters && l != '\0' && strchr ("crt", l) != NULL;
}

/* Parses "%{" letter transformers delimiters "}" starting at s[i] == '{'. On success
 * returns the offset of the closing brace. */
static gssize
parse_expand (const char *s, gsize len, gsize i, gboolean domain_letters, char *letter,
              guint *digits, gboolean *reverse, const char **delims, gsize *delims_len)
{
  gsize j = i + 1;
  guint n = 0;
  gboolean have_digits = FALSE;

  if (j >= len || !is_letter (s[j], domain_letters))
    return -1;
  *letter = s[j++];
  while (j < len && g_ascii_isdigit (s[j]))
    {
      /* Saturate: no record has 1,000 labels to keep. */
      n = MIN (n * 10 + (guint)(s[j] - '0'), 1000u);
      have_digits = TRUE;
      j++;
    }
  /* RFC 7208 §7.3: if a DIGIT is specified, the value MUST be nonzero. */
  if (have_digits && n == 0)
    return -1;
  *digits = n;
  *reverse = FALSE;
  if (j < len && (s[j] == 'r' || s[j] == 'R'))
    {
      *reverse = TRUE;
      j++;
    }
  *delims = s + j;
  while (j < len && is_delimiter (s[j]))
    j++;
  *delims_len = (gsize)(s + j - *delims);
  if (j >= len || s[j] != '}')
    return -1;
  return (gssize)j;
}

gssize
fct_spf_macro_check (const char *spec, gsize len, gboolean domain_letters,
                     gboolean exp_text)
{
  for (gsize i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char)spec[i];
      if (c == '%')
        {
          if (i + 1 >= len)
            return (gssize)i;
          char next = spec[i + 1];
          if (next == '%' || next == '_' || next == '-')
            {
              i++;
              continue;
            }
          if (next != '{')
            return (gssize)i;
          char letter;
          guint digits;
          gboolean reverse;
          const char *delims;
          gsize delims_len;
          gssize close = parse_expand (spec, len, i + 1, domain_letters, &letter, &digits,
                                       &reverse, &delims, &delims_len);
          if (close < 0)
            return (gssize)i;
          i = (gsize)close;
        }
      /* macro-literal = %x21-24 / %x26-7E; explanation text adds SP (§6.2). */
      else if (!(c >= 0x21 && c <= 0x7e) && !(exp_text && c == ' '))
        return (gssize)i;
    }
  return -1;
}

gboolean
fct_spf_macro_uses_p (const char *spec, gsize len)
{
  for (gsize i = 0; i + 2 < len; i++)
    if (spec[i] == '%' && spec[i + 1] == '%')
      i++;
    else if (spec[i] == '%' && spec[i + 1] == '{'
             && (spec[i + 2] == 'p' || spec[i + 2] == 'P'))
      return TRUE;
  return FALSE;
}

char *
fct_spf_domain_truncate (char *name)
{
  gsize len = strlen (name);

  if (len > 0 && name[len - 1] == '.')
    name[--len] = '\0';
  gsize start = 0;
  while (len - start > 253)
    {
      const char *dot = strchr (name + start, '.');
      if (dot == NULL)
        break;
      start = (gsize)(dot - name) + 1;
    }
  if (start > 0)
    memmove (name, name + start, len - start + 1);
  return name;
}

/* The value of a macro letter, before transformation (RFC 7208 §7.2, §7.3). */
static void
letter_value (GString *out, char letter, const FctSpfMacroContext *ctx)
{
  switch (g_ascii_tolower (letter))
    {
    case 's':
      g_string_append (out, ctx->sender != NULL ? ctx->sender : "");
      break;
    case 'l':
      g_string_append (out, ctx->local_part != NULL ? ctx->local_part : "");
      break;
    case 'o':
      g_string_append (out, ctx->sender_domain != NULL ? ctx->sender_domain : "");
      break;
    case 'd':
      g_string_append (out, ctx->domain != NULL ? ctx->domain : "");
      break;
    case 'h':
      g_string_append (out, ctx->helo != NULL ? ctx->helo : "");
      break;
    case 'p':
      g_string_append (out, ctx->validated != NULL ? ctx->validated : "unknown");
      break;
    case 'r':
      g_string_append (out, ctx->receiver != NULL ? ctx->receiver : "unknown");
      break;
    case 't':
      g_string_append_printf (out, "%" G_GINT64_FORMAT, ctx->now);
      break;
    case 'v':
      g_string_append (out, ctx->ip_len == 16 ? "ip6" : "in-addr");
      break;
    case 'i':
      if (ctx->ip_len == 4)
        g_string_append_printf (out, "%u.%u.%u.%u", ctx->ip[0], ctx->ip[1], ctx->ip[2],
                                ctx->ip[3]);
      else if (ctx->ip_len == 16)
        /* Dot-separated nibbles (§7.3). The case is not specified; the openspf suite
         * expects upper-case hex, and DNS ignores case. */
        for (guint k = 0; k < 16; k++)
          g_string_append_printf (out, "%s%X.%X", k > 0 ? "." : "", ctx->ip[k] >> 4,
                                  ctx->ip[k] & 0xf);
      break;
    case 'c':
      {
        char buffer[INET6_ADDRSTRLEN];
        if ((ctx->ip_len == 4 || ctx->ip_len == 16)
            && inet_ntop (ctx->ip_len == 4 ? AF_INET : AF_INET6, ctx->ip, buffer,
                          sizeof buffer)
                   != NULL)
          g_string_append (out, buffer);
      }
      break;
    default:
      break;
    }
}

/* Splits value on the delimiters, reverses, keeps the rightmost digits parts and joins
 * them with dots (RFC 7208 §7.3). */
static void
transform (GString *value, guint digits, gboolean reverse, const char *delims,
           gsize delims_len)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  g_autofree char *copy = g_strndup (value->str, value->len);
  const char *set = delims_len > 0 ? delims : ".";
  gsize set_len = delims_len > 0 ? delims_len : 1;
  char *p = copy;

  g_ptr_array_add (parts, p);
  for (; *p != '\0'; p++)
    if (memchr (set, *p, set_len) != NULL)
      {
        *p = '\0';
        g_ptr_array_add (parts, p + 1);
      }
  if (reverse)
    for (guint a = 0, b = parts->len - 1; a < b; a++, b--)
      {
        gpointer t = parts->pdata[a];
        parts->pdata[a] = parts->pdata[b];
        parts->pdata[b] = t;
      }
  guint first = (digits > 0 && digits < parts->len) ? parts->len - digits : 0;
  g_string_truncate (value, 0);
  for (guint k = first; k < parts->len; k++)
    {
      if (k > first)
        g_string_append_c (value, '.');
      g_string_append (value, parts->pdata[k]);
    }
}

/* Upper-case macro letters are URL-escaped: everything outside the unreserved set of
 * RFC 3986 becomes %XX (RFC 7208 §7.3). */
static void
url_escape (GString *out, const GString *value)
{
  for (gsize k = 0; k < value->len; k++)
    {
      unsigned char c = (unsigned char)value->str[k];
      if (g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~')
        g_string_append_c (out, (char)c);
      else
        g_string_append_printf (out, "%%%02X", c);
    }
}

char *
fct_spf_macro_expand (const char *spec, gsize len, const FctSpfMacroContext *context,
                      gboolean is_exp, const FctLimits *limits, GError **error)
{
  const FctLimits *lim = fct_spf_limits (limits);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GString) value = g_string_new (NULL);

  g_return_val_if_fail (context != NULL, NULL);
  g_return_val_if_fail (spec != NULL || len == 0, NULL);

  gssize bad = fct_spf_macro_check (spec, len, !is_exp, is_exp);
  if (bad >= 0)
    {
      g_set_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_SYNTAX,
                   _ ("macro syntax error at byte %ld"), (long)bad);
      return NULL;
    }
  for (gsize i = 0; i < len; i++)
    {
      if (spec[i] != '%')
        g_string_append_c (out, spec[i]);
      else if (spec[i + 1] == '%')
        g_string_append_c (out, '%'), i++;
      else if (spec[i + 1] == '_')
        g_string_append_c (out, ' '), i++;
      else if (spec[i + 1] == '-')
        g_string_append (out, "%20"), i++;
      else
        {
          char letter;
          guint digits;
          gboolean reverse;
          const char *delims;
          gsize delims_len;
          gssize close = parse_expand (spec, len, i + 1, !is_exp, &letter, &digits,
                                       &reverse, &delims, &delims_len);
          g_string_truncate (value, 0);
          letter_value (value, letter, context);
          if (value->len > lim->spf_macro_max_bytes)
            break;
          transform (value, digits, reverse, delims, delims_len);
          if (g_ascii_isupper (letter))
            url_escape (out, value);
          else
            g_string_append_len (out, value->str, (gssize)value->len);
          i = (gsize)close;
        }
      if (out->len > lim->spf_macro_max_bytes)
        break;
    }
  if (out->len > lim->spf_macro_max_bytes || value->len > lim->spf_macro_max_bytes)
    {
      g_set_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_LIMIT,
                   _ ("the macro expansion exceeds %lu bytes"),
                   (unsigned long)lim->spf_macro_max_bytes);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
