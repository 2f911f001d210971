/* facteur — SPF record parser: version, terms, mechanisms with dual CIDR lengths,
 * modifiers, and the domain-spec grammar, per RFC 7208 §4.5, §4.6.1, §5, §6 and §7.1.
 * Any syntax error anywhere makes the whole record a permerror (§4.6), so the parser
 * checks every term before evaluation starts. */
#include "spf-private.h"

#include <glib/gi18n-lib.h>

#include <arpa/inet.h>

G_DEFINE_QUARK (fct - spf - error - quark, fct_spf_error)

const char *
fct_spf_result_to_string (FctSpfResult result)
{
  switch (result)
    {
    case FCT_SPF_RESULT_NONE:
      return "none";
    case FCT_SPF_RESULT_NEUTRAL:
      return "neutral";
    case FCT_SPF_RESULT_PASS:
      return "pass";
    case FCT_SPF_RESULT_FAIL:
      return "fail";
    case FCT_SPF_RESULT_SOFTFAIL:
      return "softfail";
    case FCT_SPF_RESULT_TEMPERROR:
      return "temperror";
    case FCT_SPF_RESULT_PERMERROR:
      return "permerror";
    }
  return "permerror";
}

static const struct
{
  const char *name;
  FctSpfMechanismType type;
} mechanism_names[] = {
  { "all", FCT_SPF_MECHANISM_ALL }, { "include", FCT_SPF_MECHANISM_INCLUDE },
  { "a", FCT_SPF_MECHANISM_A },     { "mx", FCT_SPF_MECHANISM_MX },
  { "ptr", FCT_SPF_MECHANISM_PTR }, { "ip4", FCT_SPF_MECHANISM_IP4 },
  { "ip6", FCT_SPF_MECHANISM_IP6 }, { "exists", FCT_SPF_MECHANISM_EXISTS },
};

const char *
fct_spf_mechanism_type_to_string (FctSpfMechanismType type)
{
  for (gsize i = 0; i < G_N_ELEMENTS (mechanism_names); i++)
    if (mechanism_names[i].type == type)
      return mechanism_names[i].name;
  return "?";
}

gboolean
fct_spf_record_is_spf1 (const char *text, gsize len)
{
  static const char version[] = "v=spf1";
  const gsize vlen = sizeof version - 1;

  if (text == NULL || len < vlen || g_ascii_strncasecmp (text, version, vlen) != 0)
    return FALSE;
  return len == vlen || text[vlen] == ' ';
}

static void
mechanism_free (gpointer data)
{
  FctSpfMechanism *m = data;

  g_free (m->domain_spec);
  g_free (m->text);
  g_free (m);
}

void
fct_spf_record_free (FctSpfRecord *record)
{
  if (record == NULL)
    return;
  g_clear_pointer (&record->mechanisms, g_ptr_array_unref);
  g_free (record->redirect);
  g_free (record->exp);
  g_free (record->text);
  g_free (record);
}

gboolean
fct_spf_prefix_match (const guint8 *a, const guint8 *b, guint bits)
{
  guint whole = bits / 8;
  guint rest = bits % 8;

  if (memcmp (a, b, whole) != 0)
    return FALSE;
  if (rest == 0)
    return TRUE;
  guint8 mask = (guint8)(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

gboolean
fct_spf_ip4_parse (const char *text, gsize len, guint8 out[4])
{
  gsize i = 0;

  for (guint part = 0; part < 4; part++)
    {
      guint value = 0;
      gsize start = i;

      if (part > 0)
        {
          if (i >= len || text[i] != '.')
            return FALSE;
          start = ++i;
        }
      while (i < len && g_ascii_isdigit (text[i]) && i - start < 3)
        value = value * 10 + (guint)(text[i++] - '0');
      /* qnum has no leading zeros (RFC 7208 §5.6 grammar). */
      if (i == start || value > 255 || (i - start > 1 && text[start] == '0'))
        return FALSE;
      out[part] = (guint8)value;
    }
  return i == len;
}

gboolean
fct_spf_ip6_parse (const char *text, gsize len, guint8 out[16])
{
  char buffer[INET6_ADDRSTRLEN + 1];

  if (len == 0 || len >= sizeof buffer || memchr (text, '\0', len) != NULL)
    return FALSE;
  memcpy (buffer, text, len);
  buffer[len] = '\0';
  return inet_pton (AF_INET6, buffer, out) == 1;
}

gboolean
fct_spf_ip_parse (const char *text, guint8 out[16], gsize *out_len, GError **error)
{
  static const guint8 mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  gsize len = text != NULL ? strlen (text) : 0;

  g_return_val_if_fail (out != NULL && out_len != NULL, FALSE);
  if (len > 0 && inet_pton (AF_INET, text, out) == 1)
    {
      *out_len = 4;
      return TRUE;
    }
  if (fct_spf_ip6_parse (text, len, out))
    {
      /* RFC 7208 §5: an IPv4-mapped IPv6 client is an IPv4 client. */
      if (memcmp (out, mapped_prefix, sizeof mapped_prefix) == 0)
        {
          memmove (out, out + 12, 4);
          *out_len = 4;
        }
      else
        *out_len = 16;
      return TRUE;
    }
  g_set_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_INVALID,
               _ ("“%s” is not an IPv4 or IPv6 address"), text != NULL ? text : "");
  return FALSE;
}

gboolean
fct_spf_name_is_within (const char *name, const char *domain)
{
  gsize nlen = strlen (name), dlen = strlen (domain);

  if (nlen == dlen)
    return g_ascii_strcasecmp (name, domain) == 0;
  return nlen > dlen && name[nlen - dlen - 1] == '.'
         && g_ascii_strcasecmp (name + nlen - dlen, domain) == 0;
}

gboolean
fct_spf_name_is_queryable (const char *name)
{
  gsize len = strlen (name), label = 0;

  if (len == 0 || len > 253)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (name[i] == '.')
        {
          if (label == 0)
            return FALSE;
          label = 0;
        }
      else if (++label > 63)
        return FALSE;
    }
  return label > 0;
}

/* RFC 7208 §7.1: toplabel = ( *alphanum ALPHA *alphanum ) /
 * ( 1*alphanum "-" *( alphanum / "-" ) alphanum ). */
static gboolean
toplabel_valid (const char *s, gsize len)
{
  gboolean alpha = FALSE, dash = FALSE;

  if (len == 0 || !g_ascii_isalnum (s[0]) || !g_ascii_isalnum (s[len - 1]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (g_ascii_isalpha (s[i]))
        alpha = TRUE;
      else if (s[i] == '-')
        dash = TRUE;
      else if (!g_ascii_isdigit (s[i]))
        return FALSE;
    }
  return alpha || dash;
}

/* The offset just past the last macro-expand of a valid macro-string, or 0. */
static gsize
last_macro_end (const char *s, gsize len)
{
  gsize end = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (s[i] != '%' || i + 1 >= len)
        continue;
      if (s[i + 1] == '{')
        {
          const char *close = memchr (s + i, '}', len - i);
          i = (gsize)(close - s);
        }
      else
        i++;
      end = i + 1;
    }
  return end;
}

/* domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) /
 * macro-expand (RFC 7208 §7.1). Returns the offset of the fault or -1. */
static gssize
domain_spec_check (const char *s, gsize len)
{
  gssize bad;

  if (len == 0)
    return 0;
  bad = fct_spf_macro_check (s, len, TRUE, FALSE);
  if (bad >= 0)
    return bad;
  gsize tail = last_macro_end (s, len);
  if (tail == len)
    return -1;
  gsize end = len;
  if (s[end - 1] == '.')
    end--;
  const char *dot = NULL;
  for (gsize i = end; i > tail; i--)
    if (s[i - 1] == '.')
      {
        dot = s + i - 1;
        break;
      }
  if (dot == NULL || !toplabel_valid (dot + 1, (gsize)(s + end - dot - 1)))
    return (gssize)(dot != NULL ? (gsize)(dot + 1 - s) : tail);
  return -1;
}

/* ip4-cidr-length = "/" ( "0" / %x31-39 0*1DIGIT ); same shape for IPv6 up to 128. */
static gboolean
cidr_parse (const char *s, gsize len, guint max, guint *out)
{
  guint value = 0;

  if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      value = value * 10 + (guint)(s[i] - '0');
    }
  if (value > max)
    return FALSE;
  *out = value;
  return TRUE;
}

static gboolean
all_digits (const char *s, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* Splits [domain-spec] [ ip4-cidr-length ] [ "/" ip6-cidr-length ] off the end of the
 * argument of a or mx (RFC 7208 §5.3, §5.4). */
static gboolean
dual_cidr_split (const char *s, gsize len, FctSpfMechanism *m, gsize *spec_len)
{
  gsize end = len;

  for (gsize i = end; i >= 2; i--)
    if (s[i - 1] == '/' && s[i - 2] == '/')
      {
        if (all_digits (s + i, end - i))
          {
            if (!cidr_parse (s + i, end - i, 128, &m->cidr6))
              return FALSE;
            end = i - 2;
          }
        break;
      }
  for (gsize i = end; i >= 1; i--)
    if (s[i - 1] == '/')
      {
        if (all_digits (s + i, end - i))
          {
            if (!cidr_parse (s + i, end - i, 32, &m->cidr4))
              return FALSE;
            end = i - 1;
          }
        break;
      }
  *spec_len = end;
  return TRUE;
}

/* Parses one mechanism term; returns the offset of the fault within the term or -1. */
static gssize
mechanism_parse (const char *term, gsize len, FctSpfMechanism *m)
{
  gsize i = 0, name_end;

  m->qualifier = FCT_SPF_QUALIFIER_PASS;
  if (len > 0 && strchr ("+-~?", term[0]) != NULL)
    m->qualifier = (FctSpfQualifier)term[i++];
  name_end = i;
  while (name_end < len && term[name_end] != ':' && term[name_end] != '/')
    name_end++;

  gboolean known = FALSE;
  for (gsize k = 0; k < G_N_ELEMENTS (mechanism_names); k++)
    if (strlen (mechanism_names[k].name) == name_end - i
        && g_ascii_strncasecmp (term + i, mechanism_names[k].name, name_end - i) == 0)
      {
        m->type = mechanism_names[k].type;
        known = TRUE;
      }
  if (!known)
    return (gssize)i;

  const char *arg = term + name_end;
  gsize arg_len = len - name_end;
  m->cidr4 = 32;
  m->cidr6 = 128;

  switch (m->type)
    {
    case FCT_SPF_MECHANISM_ALL:
      return arg_len == 0 ? -1 : (gssize)name_end;

    case FCT_SPF_MECHANISM_INCLUDE:
    case FCT_SPF_MECHANISM_EXISTS:
    case FCT_SPF_MECHANISM_PTR:
      if (arg_len == 0 && m->type == FCT_SPF_MECHANISM_PTR)
        return -1;
      if (arg_len == 0 || arg[0] != ':')
        return (gssize)name_end;
      {
        gssize bad = domain_spec_check (arg + 1, arg_len - 1);
        if (bad >= 0)
          return (gssize)name_end + 1 + bad;
        m->domain_spec = g_strndup (arg + 1, arg_len - 1);
      }
      return -1;

    case FCT_SPF_MECHANISM_A:
    case FCT_SPF_MECHANISM_MX:
      {
        gsize spec_len = 0;
        if (arg_len == 0)
          return -1;
        if (!dual_cidr_split (arg, arg_len, m, &spec_len))
          return (gssize)name_end;
        if (arg[0] == '/')
          return spec_len == 0 ? -1 : (gssize)name_end;
        gssize bad = domain_spec_check (arg + 1, spec_len - 1);
        if (bad >= 0)
          return (gssize)name_end + 1 + bad;
        m->domain_spec = g_strndup (arg + 1, spec_len - 1);
        return -1;
      }

    case FCT_SPF_MECHANISM_IP4:
    case FCT_SPF_MECHANISM_IP6:
      {
        gboolean v4 = m->type == FCT_SPF_MECHANISM_IP4;
        if (arg_len < 2 || arg[0] != ':')
          return (gssize)name_end;
        const char *slash = memchr (arg + 1, '/', arg_len - 1);
        gsize addr_len = slash != NULL ? (gsize)(slash - arg - 1) : arg_len - 1;
        gboolean ok = v4 ? fct_spf_ip4_parse (arg + 1, addr_len, m->network)
                         : fct_spf_ip6_parse (arg + 1, addr_len, m->network);
        if (!ok)
          return (gssize)name_end + 1;
        if (slash != NULL
            && !cidr_parse (slash + 1, (gsize)(arg + arg_len - slash - 1), v4 ? 32 : 128,
                            v4 ? &m->cidr4 : &m->cidr6))
          return (gssize)(slash - term);
        return -1;
      }
    }
  return 0;
}

/* Parses a modifier (name "=" value) into record; returns the fault offset or -1. */
static gssize
modifier_parse (const char *term, gsize len, gsize name_len, gsize offset,
                FctSpfRecord *record)
{
  const char *value = term + name_len + 1;
  gsize value_len = len - name_len - 1;
  gboolean is_redirect = name_len == 8 && g_ascii_strncasecmp (term, "redirect", 8) == 0;
  gboolean is_exp = name_len == 3 && g_ascii_strncasecmp (term, "exp", 3) == 0;

  if (is_redirect || is_exp)
    {
      char **slot = is_redirect ? &record->redirect : &record->exp;
      /* RFC 7208 §6: each at most once. */
      if (*slot != NULL)
        return 0;
      gssize bad = domain_spec_check (value, value_len);
      if (bad >= 0)
        return (gssize)name_len + 1 + bad;
      *slot = g_strndup (value, value_len);
      if (is_redirect)
        {
          record->redirect_offset = offset;
          record->dns_terms++;
        }
      else
        record->exp_offset = offset;
      return -1;
    }
  /* unknown-modifier = name "=" macro-string (RFC 7208 §6, Appendix A). */
  gssize bad = fct_spf_macro_check (value, value_len, FALSE, FALSE);
  return bad >= 0 ? (gssize)name_len + 1 + bad : -1;
}

FctSpfRecord *
fct_spf_record_parse (const char *text, gsize len, const FctLimits *limits,
                      gsize *error_offset, GError **error)
{
  const FctLimits *lim = fct_spf_limits (limits);
  g_autoptr (FctSpfRecord) record = NULL;
  gsize i;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  if (error_offset != NULL)
    *error_offset = 0;
  if (len > lim->spf_record_max_bytes)
    {
      g_set_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_LIMIT,
                   _ ("the record is %lu bytes long, over the limit of %lu"),
                   (unsigned long)len, (unsigned long)lim->spf_record_max_bytes);
      return NULL;
    }
  if (!fct_spf_record_is_spf1 (text, len))
    {
      g_set_error_literal (error, FCT_SPF_ERROR, FCT_SPF_ERROR_SYNTAX,
                           _ ("the record does not start with “v=spf1”"));
      return NULL;
    }

  record = g_new0 (FctSpfRecord, 1);
  record->mechanisms = g_ptr_array_new_with_free_func (mechanism_free);
  record->text = g_strndup (text, len);
  i = 6;
  while (i < len)
    {
      /* Terms are separated by 1*SP and only SP (RFC 7208 §4.6.1). */
      if (text[i] == ' ')
        {
          i++;
          continue;
        }
      gsize start = i;
      while (i < len && text[i] != ' ')
        i++;
      const char *term = text + start;
      gsize term_len = i - start;
      gssize bad = -1;

      /* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) followed by "=" makes a
       * modifier; anything else must be a mechanism. */
      gsize n = 0;
      if (g_ascii_isalpha (term[0]))
        {
          n = 1;
          while (n < term_len
                 && (g_ascii_isalnum (term[n]) || term[n] == '-' || term[n] == '_'
                     || term[n] == '.'))
            n++;
        }
      if (n > 0 && n < term_len && term[n] == '=')
        bad = modifier_parse (term, term_len, n, start, record);
      else
        {
          FctSpfMechanism *m = g_new0 (FctSpfMechanism, 1);
          bad = mechanism_parse (term, term_len, m);
          m->text = g_strndup (term, term_len);
          m->offset = start;
          g_ptr_array_add (record->mechanisms, m);
          if (bad < 0 && m->type != FCT_SPF_MECHANISM_ALL
              && m->type != FCT_SPF_MECHANISM_IP4 && m->type != FCT_SPF_MECHANISM_IP6)
            record->dns_terms++;
        }
      if (bad >= 0)
        {
          gsize at = start + (gsize)bad;
          g_autofree char *shown = g_strndup (term, term_len);
          g_autofree char *escaped = g_strescape (shown, NULL);
          if (error_offset != NULL)
            *error_offset = at;
          g_set_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_SYNTAX,
                       _ ("syntax error at byte %lu in the term “%s”"), (unsigned long)at,
                       escaped);
          return NULL;
        }
    }
  return g_steal_pointer (&record);
}
