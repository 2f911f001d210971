/* facteur — DMARC policy records: the tag-value syntax of RFC 9989 §4.7-4.8 (RFC 7489
 * §6.3 for pct, rf and ri, kept to be reported as removed), report URIs, and the names
 * of the module's enums. */
#include "dmarc-private.h"

#include <string.h>

G_DEFINE_QUARK (fct - dmarc - error - quark, fct_dmarc_error)

const char *
fct_dmarc_result_to_string (FctDmarcResult result)
{
  switch (result)
    {
    case FCT_DMARC_RESULT_NONE:
      return "none";
    case FCT_DMARC_RESULT_PASS:
      return "pass";
    case FCT_DMARC_RESULT_FAIL:
      return "fail";
    case FCT_DMARC_RESULT_TEMPERROR:
      return "temperror";
    case FCT_DMARC_RESULT_PERMERROR:
      return "permerror";
    }
  g_return_val_if_reached ("permerror");
}

const char *
fct_dmarc_policy_to_string (FctDmarcPolicy policy)
{
  switch (policy)
    {
    case FCT_DMARC_POLICY_UNSET:
      return "";
    case FCT_DMARC_POLICY_NONE:
      return "none";
    case FCT_DMARC_POLICY_QUARANTINE:
      return "quarantine";
    case FCT_DMARC_POLICY_REJECT:
      return "reject";
    }
  g_return_val_if_reached ("");
}

const char *
fct_dmarc_policy_source_to_string (FctDmarcPolicySource source)
{
  switch (source)
    {
    case FCT_DMARC_POLICY_FROM_NONE:
      return "";
    case FCT_DMARC_POLICY_FROM_P:
      return "p";
    case FCT_DMARC_POLICY_FROM_SP:
      return "sp";
    case FCT_DMARC_POLICY_FROM_NP:
      return "np";
    }
  g_return_val_if_reached ("");
}

const char *
fct_dmarc_auth_result_to_string (FctDmarcAuthResult result)
{
  switch (result)
    {
    case FCT_DMARC_AUTH_NONE:
      return "none";
    case FCT_DMARC_AUTH_PASS:
      return "pass";
    case FCT_DMARC_AUTH_FAIL:
      return "fail";
    case FCT_DMARC_AUTH_SOFTFAIL:
      return "softfail";
    case FCT_DMARC_AUTH_NEUTRAL:
      return "neutral";
    case FCT_DMARC_AUTH_POLICY:
      return "policy";
    case FCT_DMARC_AUTH_TEMPERROR:
      return "temperror";
    case FCT_DMARC_AUTH_PERMERROR:
      return "permerror";
    }
  g_return_val_if_reached ("none");
}

static gboolean
is_wsp (char c)
{
  return c == ' ' || c == '\t';
}

/* A view [start, end) of the record text. */
typedef struct
{
  const char *p;
  gsize len;
} Span;

static Span
span_trim (Span s)
{
  while (s.len > 0 && is_wsp (s.p[0]))
    {
      s.p++;
      s.len--;
    }
  while (s.len > 0 && is_wsp (s.p[s.len - 1]))
    s.len--;
  return s;
}

/* ABNF quoted strings are case-insensitive (RFC 5234 §2.3), so "p=Reject" is valid. */
static gboolean
span_is (Span s, const char *word)
{
  gsize n = strlen (word);
  return s.len == n && g_ascii_strncasecmp (s.p, word, n) == 0;
}

/* Returns the offset just past "v=DMARC1" and its trailing WSP, or 0 if the text does
 * not start with the version tag. */
static gsize
version_end (const char *text, gsize len)
{
  gsize i = 0;

  while (i < len && is_wsp (text[i]))
    i++;
  if (i >= len || (text[i] != 'v' && text[i] != 'V'))
    return 0;
  i++;
  while (i < len && is_wsp (text[i]))
    i++;
  if (i >= len || text[i] != '=')
    return 0;
  i++;
  while (i < len && is_wsp (text[i]))
    i++;
  /* %s"DMARC1": the value is case-sensitive (RFC 9989 §4.7 "v"). */
  if (len - i < 6 || memcmp (text + i, "DMARC1", 6) != 0)
    return 0;
  i += 6;
  while (i < len && is_wsp (text[i]))
    i++;
  if (i < len && text[i] != ';')
    return 0;
  return i;
}

gboolean
fct_dmarc_record_is_dmarc1 (const char *text, gsize len)
{
  g_return_val_if_fail (text != NULL || len == 0, FALSE);
  return version_end (text, len) > 0;
}

static FctDmarcPolicy
parse_request (Span v)
{
  if (span_is (v, "none"))
    return FCT_DMARC_POLICY_NONE;
  if (span_is (v, "quarantine"))
    return FCT_DMARC_POLICY_QUARANTINE;
  if (span_is (v, "reject"))
    return FCT_DMARC_POLICY_REJECT;
  return FCT_DMARC_POLICY_UNSET;
}

/* dmarc-fo (RFC 9989 §4.8): colon-separated 0, 1, d, s; 0 and 1 exclusive, each at
 * most once. */
static gboolean
fo_is_valid (Span v)
{
  guint seen = 0;
  gsize i = 0;

  while (i < v.len)
    {
      char c = g_ascii_tolower (v.p[i]);
      guint bit;

      if (c == '0' || c == '1')
        bit = 1;
      else if (c == 'd')
        bit = 2;
      else if (c == 's')
        bit = 4;
      else
        return FALSE;
      if (seen & bit)
        return FALSE;
      seen |= bit;
      i++;
      if (i < v.len)
        {
          if (v.p[i] != ':' || i + 1 >= v.len)
            return FALSE;
          i++;
        }
    }
  return seen != 0;
}

gboolean
fct_dmarc_uri_is_valid (const char *uri, gsize len)
{
  gsize i = 0;

  if (len == 0 || !g_ascii_isalpha (uri[0]))
    return FALSE;
  while (i < len
         && (g_ascii_isalnum (uri[i]) || uri[i] == '+' || uri[i] == '-' || uri[i] == '.'))
    i++;
  if (i >= len || uri[i] != ':' || i + 1 >= len)
    return FALSE;
  for (i++; i < len; i++)
    {
      char c = uri[i];

      if (c == '%')
        {
          if (len - i < 3 || !g_ascii_isxdigit (uri[i + 1])
              || !g_ascii_isxdigit (uri[i + 2]))
            return FALSE;
          i += 2;
        }
      /* Unreserved and reserved characters of RFC 3986 §2, less "," and "!" which
       * RFC 9989 §4.8 requires to be encoded. */
      else if (!g_ascii_isalnum (c) && strchr ("-._~:/?#[]@$&'()*+;=", c) == NULL)
        return FALSE;
    }
  return TRUE;
}

char *
fct_dmarc_uri_host (const char *uri)
{
  const char *colon;
  const char *start;
  const char *end;
  char *host;

  g_return_val_if_fail (uri != NULL, NULL);
  colon = strchr (uri, ':');
  if (colon == NULL)
    return NULL;
  if ((gsize)(colon - uri) == 6 && g_ascii_strncasecmp (uri, "mailto", 6) == 0)
    {
      end = colon + 1 + strcspn (colon + 1, "?,");
      start = NULL;
      for (const char *q = colon + 1; q < end; q++)
        if (*q == '@')
          start = q + 1;
      if (start == NULL)
        return NULL;
    }
  else
    {
      if (strncmp (colon + 1, "//", 2) != 0)
        return NULL;
      start = colon + 3;
      end = start + strcspn (start, "/?#");
      for (const char *q = start; q < end; q++)
        if (*q == '@')
          start = q + 1;
      const char *port = memchr (start, ':', (gsize)(end - start));
      if (port != NULL)
        end = port;
    }
  if (end <= start)
    return NULL;
  for (const char *q = start; q < end; q++)
    if (!g_ascii_isalnum (*q) && *q != '-' && *q != '.' && *q != '_')
      return NULL;
  host = g_strndup (start, (gsize)(end - start));
  fct_dmarc_domain_normalize (host);
  if (*host == '\0')
    {
      g_free (host);
      return NULL;
    }
  return host;
}

/* A comma-separated dmarc-urilist; an obsolete "!size" suffix is dropped (RFC 9989
 * §4.8 obs-dmarc-uri: a literal "!" cannot be part of the URI). */
static void
parse_uri_list (Span v, GPtrArray *out, FctDmarcRecordFlags *flags)
{
  gsize i = 0;

  while (i <= v.len)
    {
      gsize j = i;
      while (j < v.len && v.p[j] != ',')
        j++;
      Span item = span_trim ((Span){ v.p + i, j - i });
      const char *bang = memchr (item.p, '!', item.len);
      gsize uri_len = bang != NULL ? (gsize)(bang - item.p) : item.len;

      if (bang != NULL)
        {
          /* obs-dmarc-report-size = "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] */
          gsize k = uri_len + 1;
          gsize digits = 0;
          while (k < item.len && g_ascii_isdigit (item.p[k]))
            k++, digits++;
          if (k < item.len && strchr ("kmgtKMGT", item.p[k]) != NULL)
            k++;
          if (digits == 0 || k != item.len)
            uri_len = 0;
        }
      if (uri_len > 0 && fct_dmarc_uri_is_valid (item.p, uri_len))
        g_ptr_array_add (out, g_strndup (item.p, uri_len));
      else
        *flags |= FCT_DMARC_RECORD_FLAG_BAD_URI;
      i = j + 1;
    }
}

/* Unsigned decimal of at most 10 digits, without overflow. */
static gboolean
parse_uint (Span v, guint64 max, guint64 *out)
{
  guint64 n = 0;

  if (v.len == 0 || v.len > 10)
    return FALSE;
  for (gsize i = 0; i < v.len; i++)
    {
      if (!g_ascii_isdigit (v.p[i]))
        return FALSE;
      n = n * 10 + (guint64)(v.p[i] - '0');
    }
  if (n > max)
    return FALSE;
  *out = n;
  return TRUE;
}

enum
{
  TAG_V,
  TAG_P,
  TAG_SP,
  TAG_NP,
  TAG_ADKIM,
  TAG_ASPF,
  TAG_PSD,
  TAG_T,
  TAG_FO,
  TAG_RUA,
  TAG_RUF,
  TAG_PCT,
  TAG_RF,
  TAG_RI,
  TAG_COUNT
};

static const char *const tag_names[TAG_COUNT] = {
  "v", "p", "sp", "np", "adkim", "aspf", "psd", "t", "fo", "rua", "ruf", "pct", "rf", "ri",
};

static void
apply_tag (FctDmarcRecord *r, int tag, Span v)
{
  guint64 n = 0;

  switch (tag)
    {
    case TAG_P:
      if ((r->p = parse_request (v)) == FCT_DMARC_POLICY_UNSET)
        r->flags |= FCT_DMARC_RECORD_FLAG_BAD_P;
      break;
    case TAG_SP:
      if ((r->sp = parse_request (v)) == FCT_DMARC_POLICY_UNSET)
        r->flags |= FCT_DMARC_RECORD_FLAG_BAD_SP;
      break;
    case TAG_NP:
      if ((r->np = parse_request (v)) == FCT_DMARC_POLICY_UNSET)
        r->flags |= FCT_DMARC_RECORD_FLAG_BAD_NP;
      break;
    case TAG_ADKIM:
    case TAG_ASPF:
      {
        FctDmarcAlignment *a = tag == TAG_ADKIM ? &r->adkim : &r->aspf;
        if (span_is (v, "s"))
          *a = FCT_DMARC_ALIGNMENT_STRICT;
        else if (!span_is (v, "r"))
          r->flags |= FCT_DMARC_RECORD_FLAG_BAD_VALUE;
      }
      break;
    case TAG_PSD:
      if (span_is (v, "y"))
        r->psd = FCT_DMARC_PSD_YES;
      else if (span_is (v, "n"))
        r->psd = FCT_DMARC_PSD_NO;
      else if (!span_is (v, "u"))
        r->flags |= FCT_DMARC_RECORD_FLAG_BAD_VALUE;
      break;
    case TAG_T:
      if (span_is (v, "y"))
        r->testing = TRUE;
      else if (!span_is (v, "n"))
        r->flags |= FCT_DMARC_RECORD_FLAG_BAD_VALUE;
      break;
    case TAG_FO:
      if (fo_is_valid (v))
        r->fo = g_strndup (v.p, v.len);
      else
        r->flags |= FCT_DMARC_RECORD_FLAG_BAD_VALUE;
      break;
    case TAG_RUA:
      parse_uri_list (v, r->rua, &r->flags);
      break;
    case TAG_RUF:
      parse_uri_list (v, r->ruf, &r->flags);
      break;
    case TAG_PCT:
      r->flags |= FCT_DMARC_RECORD_FLAG_REMOVED_TAG;
      if (parse_uint (v, 100, &n))
        r->pct = (gint)n;
      else
        r->flags |= FCT_DMARC_RECORD_FLAG_BAD_VALUE;
      break;
    case TAG_RF:
      r->flags |= FCT_DMARC_RECORD_FLAG_REMOVED_TAG;
      r->rf = g_strndup (v.p, v.len);
      break;
    case TAG_RI:
      r->flags |= FCT_DMARC_RECORD_FLAG_REMOVED_TAG;
      if (parse_uint (v, G_MAXUINT32, &n))
        r->ri = (gint64)n;
      else
        r->flags |= FCT_DMARC_RECORD_FLAG_BAD_VALUE;
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
parse_tag (FctDmarcRecord *r, Span s, guint *seen)
{
  const char *eq = memchr (s.p, '=', s.len);
  Span name;
  Span value;
  int tag = -1;

  if (eq == NULL)
    {
      r->flags |= FCT_DMARC_RECORD_FLAG_BAD_SYNTAX;
      return;
    }
  name = span_trim ((Span){ s.p, (gsize)(eq - s.p) });
  value = span_trim ((Span){ eq + 1, s.len - (gsize)(eq - s.p) - 1 });
  /* dmarc-tag = 1*ALPHA equals 1*dmarc-value; dmarc-value is %x20-3A / %x3C-7E. */
  gboolean ok = name.len > 0 && value.len > 0;
  for (gsize i = 0; ok && i < name.len; i++)
    ok = g_ascii_isalpha (name.p[i]);
  for (gsize i = 0; ok && i < value.len; i++)
    ok = (guchar)value.p[i] >= 0x20 && (guchar)value.p[i] <= 0x7e;
  if (!ok)
    {
      r->flags |= FCT_DMARC_RECORD_FLAG_BAD_SYNTAX;
      return;
    }
  for (int t = 0; t < TAG_COUNT; t++)
    if (span_is (name, tag_names[t]))
      tag = t;
  if (tag < 0)
    {
      r->flags |= FCT_DMARC_RECORD_FLAG_UNKNOWN_TAG;
      return;
    }
  if (*seen & (1u << tag))
    {
      r->flags |= FCT_DMARC_RECORD_FLAG_DUPLICATE_TAG;
      return;
    }
  *seen |= 1u << tag;
  apply_tag (r, tag, value);
}

FctDmarcRecord *
fct_dmarc_record_parse (const char *text, gsize len, const FctLimits *limits)
{
  FctDmarcRecord *r;
  gsize max;
  gsize i;
  guint seen = 1u << TAG_V;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  if (limits == NULL)
    limits = fct_limits_default ();
  max = limits->dmarc_record_max_bytes;
  i = version_end (text, len);
  if (i == 0)
    return NULL;

  r = g_new0 (FctDmarcRecord, 1);
  r->adkim = r->aspf = FCT_DMARC_ALIGNMENT_RELAXED;
  r->psd = FCT_DMARC_PSD_UNKNOWN;
  r->pct = -1;
  r->ri = -1;
  r->rua = g_ptr_array_new_with_free_func (g_free);
  r->ruf = g_ptr_array_new_with_free_func (g_free);
  r->text = g_strndup (text, MIN (len, max));
  if (len > max)
    {
      /* Bounded work on hostile input: such a record is reported, never parsed. */
      r->flags |= FCT_DMARC_RECORD_FLAG_TOO_LONG;
      return r;
    }

  while (i < len)
    {
      gsize j;

      g_assert (text[i] == ';');
      i++;
      j = i;
      while (j < len && text[j] != ';')
        j++;
      Span s = span_trim ((Span){ text + i, j - i });
      if (s.len > 0)
        parse_tag (r, s, &seen);
      i = j;
    }
  return r;
}

void
fct_dmarc_record_free (FctDmarcRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->fo);
  g_ptr_array_unref (record->rua);
  g_ptr_array_unref (record->ruf);
  g_free (record->rf);
  g_free (record->text);
  g_free (record);
}

guint
fct_dmarc_records_from_answer (const FctDnsAnswer *answer, const FctLimits *limits,
                               FctDmarcRecord **first)
{
  guint count = 0;

  *first = NULL;
  for (guint i = 0; answer->rcode == FCT_DNS_RCODE_NOERROR && answer->records != NULL
                    && i < answer->records->len;
       i++)
    {
      const FctDnsRecord *rr = g_ptr_array_index (answer->records, i);
      if (rr->type != FCT_DNS_TYPE_TXT)
        continue;
      g_autoptr (GBytes) joined = fct_dns_record_txt_joined (rr);
      gsize len = 0;
      const char *text = g_bytes_get_data (joined, &len);
      if (!fct_dmarc_record_is_dmarc1 (text, len))
        continue;
      if (++count == 1)
        *first = fct_dmarc_record_parse (text, len, limits);
    }
  return count;
}
