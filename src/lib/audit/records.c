/* facteur — parsers for the records only the domain audit reads: the MTA-STS TXT record
 * and policy file (RFC 8461 §3.1, §3.2, §4.1), the TLS-RPT record (RFC 8460 §3) and the
 * BIMI assertion record (draft-brand-indicators-for-message-identification §4.2). */
#include <facteur/audit.h>

#include <string.h>

/* RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year). */
#define MTA_STS_MAX_AGE_MAX 31557600u
/* RFC 8461 §3.1: 1*32(ALPHA / DIGIT). */
#define MTA_STS_ID_MAX 32
/* RFC 8461 §3.1, §3.2: extension names are 1 to 32 characters. */
#define EXT_NAME_MAX 32
/* A policy with more patterns than this is not one anyone wrote by hand; it is refused
 * rather than stored (counted before allocating). */
#define MTA_STS_MX_MAX 1000

G_DEFINE_QUARK (fct - audit - error - quark, fct_audit_error)

static gboolean
is_wsp (char c)
{
  return c == ' ' || c == '\t';
}

/* ---- tag lists: name=value separated by *WSP ";" *WSP (RFC 8461 §3.1, RFC 8460 §3) */

typedef struct
{
  const char *name;
  gsize name_len;
  const char *value;
  gsize value_len;
} Tag;

/* Reads the next tag of text[*pos, len). Returns FALSE at the end; sets *bad when a
 * field has no "=" or an empty name. */
static gboolean
tag_next (const char *text, gsize len, gsize *pos, Tag *tag, gboolean *bad)
{
  gsize i = *pos;

  for (;;)
    {
      while (i < len && is_wsp (text[i]))
        i++;
      if (i >= len)
        {
          *pos = i;
          return FALSE;
        }
      if (text[i] != ';')
        break;
      i++; /* empty field: a trailing or doubled delimiter */
    }
  gsize start = i;
  while (i < len && text[i] != ';')
    i++;
  gsize end = i;
  while (end > start && is_wsp (text[end - 1]))
    end--;
  *pos = i < len ? i + 1 : i;

  const char *eq = memchr (text + start, '=', end - start);
  if (eq == NULL)
    {
      *bad = TRUE;
      return FALSE;
    }
  gsize name_end = (gsize)(eq - text);
  gsize value_start = name_end + 1;
  while (name_end > start && is_wsp (text[name_end - 1]))
    name_end--;
  while (value_start < end && is_wsp (text[value_start]))
    value_start++;
  if (name_end == start)
    {
      *bad = TRUE;
      return FALSE;
    }
  tag->name = text + start;
  tag->name_len = name_end - start;
  tag->value = text + value_start;
  tag->value_len = end - value_start;
  return TRUE;
}

static gboolean
tag_is (const Tag *tag, const char *name)
{
  gsize n = strlen (name);
  return tag->name_len == n && memcmp (tag->name, name, n) == 0;
}

/* The version tag must come first and be exactly name=value (case-sensitive %s in the
 * grammars), followed by a delimiter or the end. */
static gboolean
starts_with_version (const char *text, gsize len, const char *version)
{
  gsize n = strlen (version);
  if (text == NULL || len < n || memcmp (text, version, n) != 0)
    return FALSE;
  gsize i = n;
  while (i < len && is_wsp (text[i]))
    i++;
  return i == len || text[i] == ';';
}

static gboolean
has_control_or_space (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar)s[i] <= 0x20 || (guchar)s[i] >= 0x7f)
      return TRUE;
  return FALSE;
}

static gboolean
ext_name_ok (const char *s, gsize len)
{
  if (len == 0 || len > EXT_NAME_MAX || !g_ascii_isalnum (s[0]))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
      return FALSE;
  return TRUE;
}

/* ---- MTA-STS TXT record ---------------------------------------------------------- */

gboolean
fct_mta_sts_record_is_stsv1 (const char *text, gsize len)
{
  return starts_with_version (text, len, "v=STSv1");
}

FctMtaStsRecord *
fct_mta_sts_record_parse (const char *text, gsize len, const char **reason)
{
  const char *why = NULL;
  g_autofree char *id = NULL;
  gsize pos;
  Tag tag;
  gboolean bad = FALSE;

  if (!fct_mta_sts_record_is_stsv1 (text, len))
    {
      why = "the record does not start with v=STSv1";
      goto fail;
    }
  const char *semi = memchr (text, ';', len);
  pos = semi != NULL ? (gsize)(semi - text) + 1 : len;
  while (tag_next (text, len, &pos, &tag, &bad))
    {
      if (tag_is (&tag, "id"))
        {
          if (id != NULL)
            {
              why = "id= appears twice";
              goto fail;
            }
          if (tag.value_len == 0 || tag.value_len > MTA_STS_ID_MAX)
            {
              why = "id= must be 1 to 32 letters and digits";
              goto fail;
            }
          for (gsize i = 0; i < tag.value_len; i++)
            if (!g_ascii_isalnum (tag.value[i]))
              {
                why = "id= must be 1 to 32 letters and digits";
                goto fail;
              }
          id = g_strndup (tag.value, tag.value_len);
        }
      else if (!ext_name_ok (tag.name, tag.name_len)
               || has_control_or_space (tag.value, tag.value_len)
               || memchr (tag.value, '=', tag.value_len) != NULL || tag.value_len == 0)
        {
          why = "a field is not name=value";
          goto fail;
        }
    }
  if (bad)
    {
      why = "a field is not name=value";
      goto fail;
    }
  if (id == NULL)
    {
      why = "the record has no id=";
      goto fail;
    }
  FctMtaStsRecord *record = g_new0 (FctMtaStsRecord, 1);
  record->id = g_steal_pointer (&id);
  return record;

fail:
  if (reason != NULL)
    *reason = why;
  return NULL;
}

void
fct_mta_sts_record_free (FctMtaStsRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record);
}

/* ---- MTA-STS policy -------------------------------------------------------------- */

const char *
fct_mta_sts_mode_to_string (FctMtaStsMode mode)
{
  switch (mode)
    {
    case FCT_MTA_STS_MODE_ENFORCE:
      return "enforce";
    case FCT_MTA_STS_MODE_TESTING:
      return "testing";
    case FCT_MTA_STS_MODE_NONE:
      return "none";
    }
  return "none";
}

/* A domain name of letter-digit-hyphen labels (RFC 1035 §2.3.1, RFC 5890 A-labels). */
static gboolean
ldh_domain_ok (const char *s, gsize len)
{
  gsize label = 0;
  if (len == 0 || len > 253)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char c = s[i];
      if (c == '.')
        {
          if (label == 0 || s[i - 1] == '-')
            return FALSE;
          label = 0;
          continue;
        }
      if (!g_ascii_isalnum (c) && c != '-')
        return FALSE;
      if (c == '-' && label == 0)
        return FALSE;
      if (++label > 63)
        return FALSE;
    }
  return label > 0 && s[len - 1] != '-';
}

void
fct_mta_sts_policy_free (FctMtaStsPolicy *policy)
{
  if (policy == NULL)
    return;
  if (policy->mx != NULL)
    g_ptr_array_unref (policy->mx);
  g_free (policy);
}

static gboolean
field_value_is (const char *v, gsize len, const char *word)
{
  gsize n = strlen (word);
  return len == n && memcmp (v, word, n) == 0;
}

FctMtaStsPolicy *
fct_mta_sts_policy_parse (const char *text, gsize len, const FctLimits *limits,
                          const char **reason)
{
  const FctLimits *l = limits != NULL ? limits : fct_limits_default ();
  const char *why = NULL;
  gboolean have_version = FALSE, have_mode = FALSE, have_max_age = FALSE;
  g_autoptr (FctMtaStsPolicy) policy = g_new0 (FctMtaStsPolicy, 1);
  gsize pos = 0;

  if (text == NULL && len > 0)
    len = 0;
  if (len > l->mta_sts_policy_max_bytes)
    {
      why = "the policy is larger than the limit";
      goto fail;
    }
  policy->mx = g_ptr_array_new_with_free_func (g_free);

  while (pos < len)
    {
      const char *nl = memchr (text + pos, '\n', len - pos);
      gsize end = nl != NULL ? (gsize)(nl - text) : len;
      gsize next = nl != NULL ? end + 1 : len;
      if (end > pos && text[end - 1] == '\r')
        end--;
      /* A bare CR inside a line is not a line break (§3.2 allows LF and CRLF only). */
      if (memchr (text + pos, '\r', end - pos) != NULL)
        {
          why = "a line holds a bare carriage return";
          goto fail;
        }
      if (end == pos)
        {
          pos = next;
          continue;
        }
      const char *line = text + pos;
      gsize line_len = end - pos;
      pos = next;

      const char *colon = memchr (line, ':', line_len);
      if (colon == NULL)
        {
          why = "a line is not key: value";
          goto fail;
        }
      gsize key_len = (gsize)(colon - line);
      gsize v = key_len + 1;
      while (v < line_len && is_wsp (line[v]))
        v++;
      gsize vend = line_len;
      while (vend > v && is_wsp (line[vend - 1]))
        vend--;
      const char *value = line + v;
      gsize value_len = vend - v;

      if (!ext_name_ok (line, key_len))
        {
          why = "a key is not a field name";
          goto fail;
        }
      if (key_len == 7 && memcmp (line, "version", 7) == 0)
        {
          if (have_version)
            continue; /* the first occurrence stands */
          if (!field_value_is (value, value_len, "STSv1"))
            {
              why = "version is not STSv1";
              goto fail;
            }
          have_version = TRUE;
        }
      else if (key_len == 4 && memcmp (line, "mode", 4) == 0)
        {
          if (have_mode)
            continue;
          if (field_value_is (value, value_len, "enforce"))
            policy->mode = FCT_MTA_STS_MODE_ENFORCE;
          else if (field_value_is (value, value_len, "testing"))
            policy->mode = FCT_MTA_STS_MODE_TESTING;
          else if (field_value_is (value, value_len, "none"))
            policy->mode = FCT_MTA_STS_MODE_NONE;
          else
            {
              why = "mode is not enforce, testing or none";
              goto fail;
            }
          have_mode = TRUE;
        }
      else if (key_len == 7 && memcmp (line, "max_age", 7) == 0)
        {
          guint64 n = 0;
          if (have_max_age)
            continue;
          /* 1*10DIGIT; the value is checked against the maximum as it grows, so that
           * ten digits cannot overflow. */
          if (value_len == 0 || value_len > 10)
            {
              why = "max_age is not a number of seconds";
              goto fail;
            }
          for (gsize i = 0; i < value_len; i++)
            {
              if (!g_ascii_isdigit (value[i]))
                {
                  why = "max_age is not a number of seconds";
                  goto fail;
                }
              n = n * 10 + (guint64)(value[i] - '0');
            }
          if (n > MTA_STS_MAX_AGE_MAX)
            {
              why = "max_age is over 31557600 seconds";
              goto fail;
            }
          policy->max_age = (guint32)n;
          have_max_age = TRUE;
        }
      else if (key_len == 2 && memcmp (line, "mx", 2) == 0)
        {
          const char *name = value;
          gsize name_len = value_len;
          if (name_len >= 2 && name[0] == '*' && name[1] == '.')
            {
              name += 2;
              name_len -= 2;
            }
          if (!ldh_domain_ok (name, name_len))
            {
              why = "an mx pattern is not a host name or *.domain";
              goto fail;
            }
          if (policy->mx->len >= MTA_STS_MX_MAX)
            {
              why = "the policy lists too many mx patterns";
              goto fail;
            }
          g_ptr_array_add (policy->mx, g_ascii_strdown (value, (gssize)value_len));
        }
      /* Other keys are extensions: ignored (§3.2). */
    }

  if (!have_version)
    why = "the policy has no version: STSv1";
  else if (!have_mode)
    why = "the policy has no mode";
  else if (!have_max_age)
    why = "the policy has no max_age";
  else if (policy->mx->len == 0 && policy->mode != FCT_MTA_STS_MODE_NONE)
    why = "the policy lists no mx";
  if (why != NULL)
    goto fail;
  return g_steal_pointer (&policy);

fail:
  if (reason != NULL)
    *reason = why;
  return NULL;
}

gboolean
fct_mta_sts_mx_match (const char *pattern, const char *host)
{
  g_return_val_if_fail (pattern != NULL && host != NULL, FALSE);
  gsize hlen = strlen (host);
  if (hlen > 0 && host[hlen - 1] == '.')
    hlen--;
  if (pattern[0] == '*' && pattern[1] == '.')
    {
      /* The wildcard stands for exactly one label (RFC 8461 §4.1). */
      const char *suffix = pattern + 1; /* ".example.net" */
      gsize slen = strlen (suffix);
      if (hlen <= slen || g_ascii_strncasecmp (host + hlen - slen, suffix, slen) != 0)
        return FALSE;
      return memchr (host, '.', hlen - slen) == NULL;
    }
  return strlen (pattern) == hlen && g_ascii_strncasecmp (pattern, host, hlen) == 0;
}

gboolean
fct_mta_sts_policy_matches (const FctMtaStsPolicy *policy, const char *host)
{
  g_return_val_if_fail (policy != NULL, FALSE);
  for (guint i = 0; i < policy->mx->len; i++)
    if (fct_mta_sts_mx_match (g_ptr_array_index (policy->mx, i), host))
      return TRUE;
  return FALSE;
}

/* ---- TLS-RPT --------------------------------------------------------------------- */

gboolean
fct_tlsrpt_record_is_tlsrptv1 (const char *text, gsize len)
{
  return starts_with_version (text, len, "v=TLSRPTv1");
}

static gboolean
uri_scheme_is (const char *s, gsize len, const char *scheme)
{
  gsize n = strlen (scheme);
  return len > n && g_ascii_strncasecmp (s, scheme, n) == 0;
}

FctTlsRptRecord *
fct_tlsrpt_record_parse (const char *text, gsize len, const char **reason)
{
  const char *why = NULL;
  g_autoptr (GPtrArray) rua = NULL;
  gboolean bad = FALSE;
  gsize pos;
  Tag tag;

  if (!fct_tlsrpt_record_is_tlsrptv1 (text, len))
    {
      why = "the record does not start with v=TLSRPTv1";
      goto fail;
    }
  const char *semi = memchr (text, ';', len);
  pos = semi != NULL ? (gsize)(semi - text) + 1 : len;
  while (tag_next (text, len, &pos, &tag, &bad))
    {
      if (tag_is (&tag, "rua"))
        {
          if (rua != NULL)
            {
              why = "rua= appears twice";
              goto fail;
            }
          rua = g_ptr_array_new_with_free_func (g_free);
          gsize i = 0;
          /* tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri) */
          while (i <= tag.value_len)
            {
              const char *comma = memchr (tag.value + i, ',', tag.value_len - i);
              gsize end = comma != NULL ? (gsize)(comma - tag.value) : tag.value_len;
              gsize s = i, e = end;
              while (s < e && is_wsp (tag.value[s]))
                s++;
              while (e > s && is_wsp (tag.value[e - 1]))
                e--;
              const char *uri = tag.value + s;
              gsize ulen = e - s;
              if (has_control_or_space (uri, ulen)
                  || !(uri_scheme_is (uri, ulen, "mailto:")
                       || uri_scheme_is (uri, ulen, "https://")))
                {
                  why = "rua= holds a URI that is neither mailto: nor https:";
                  goto fail;
                }
              g_ptr_array_add (rua, g_strndup (uri, ulen));
              i = end + 1;
            }
        }
      else if (!ext_name_ok (tag.name, tag.name_len) || tag.value_len == 0
               || has_control_or_space (tag.value, tag.value_len))
        {
          why = "a field is not name=value";
          goto fail;
        }
    }
  if (bad)
    {
      why = "a field is not name=value";
      goto fail;
    }
  if (rua == NULL)
    {
      why = "the record has no rua=";
      goto fail;
    }
  FctTlsRptRecord *record = g_new0 (FctTlsRptRecord, 1);
  record->rua = g_steal_pointer (&rua);
  return record;

fail:
  if (reason != NULL)
    *reason = why;
  return NULL;
}

void
fct_tlsrpt_record_free (FctTlsRptRecord *record)
{
  if (record == NULL)
    return;
  if (record->rua != NULL)
    g_ptr_array_unref (record->rua);
  g_free (record);
}

/* ---- BIMI ------------------------------------------------------------------------ */

gboolean
fct_bimi_record_is_bimi1 (const char *text, gsize len)
{
  return starts_with_version (text, len, "v=BIMI1");
}

FctBimiRecord *
fct_bimi_record_parse (const char *text, gsize len, const char **reason)
{
  const char *why = NULL;
  g_autofree char *l = NULL;
  g_autofree char *a = NULL;
  gboolean bad = FALSE;
  Tag tag;

  if (!fct_bimi_record_is_bimi1 (text, len))
    {
      why = "the record does not start with v=BIMI1";
      goto fail;
    }
  const char *semi = memchr (text, ';', len);
  gsize pos = semi != NULL ? (gsize)(semi - text) + 1 : len;
  while (tag_next (text, len, &pos, &tag, &bad))
    {
      char **slot = tag_is (&tag, "l") ? &l : tag_is (&tag, "a") ? &a : NULL;
      if (slot == NULL)
        continue; /* unknown tags are ignored */
      if (*slot != NULL)
        {
          why = "a tag appears twice";
          goto fail;
        }
      /* An empty value declines to publish; otherwise an https URI (§4.2). */
      if (tag.value_len > 0
          && (has_control_or_space (tag.value, tag.value_len)
              || !uri_scheme_is (tag.value, tag.value_len, "https://")))
        {
          why = slot == &l ? "l= is not an https: URI" : "a= is not an https: URI";
          goto fail;
        }
      *slot = g_strndup (tag.value, tag.value_len);
    }
  if (bad)
    {
      why = "a field is not name=value";
      goto fail;
    }
  if (l == NULL)
    {
      why = "the record has no l= (logo location)";
      goto fail;
    }
  gsize llen = strlen (l);
  if (llen > 0 && (llen < 4 || g_ascii_strcasecmp (l + llen - 4, ".svg") != 0))
    {
      why = "l= must point at an SVG file";
      goto fail;
    }
  FctBimiRecord *record = g_new0 (FctBimiRecord, 1);
  record->location = g_steal_pointer (&l);
  record->authority = g_steal_pointer (&a);
  return record;

fail:
  if (reason != NULL)
    *reason = why;
  return NULL;
}

void
fct_bimi_record_free (FctBimiRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->location);
  g_free (record->authority);
  g_free (record);
}
