/* facteur — address syntax: an addr-spec parser that diagnoses every oddity, RFC 5322
 * §3.4.1 (with §3.2.2 CFWS and §4 obsolete forms), RFC 5321 §4.1.2-4.1.3 and §4.5.3.1,
 * RFC 6531 §3.3 (UTF-8 local parts). The diagnoses and their ranking are Dominic
 * Sayers' is_email classification (see verify.h); the state machine is written here. */
#include "verify-private.h"

#include <idn2.h>
#include <string.h>

/* Where the cursor is. A context can sit on top of another: a comment inside a local
 * part, a quoted pair inside a quoted string, folding white space inside a comment.
 * The nesting is at most base -> middle -> top, with comments counted, so no stack
 * needs to grow with the input. */
typedef enum
{
  CTX_NONE,
  CTX_LOCAL,
  CTX_DOMAIN,
  CTX_LITERAL,
  CTX_COMMENT,
  CTX_QUOTED,
  CTX_QPAIR,
  CTX_FWS,
} Ctx;

typedef struct
{
  const guint8 *in;
  gsize len;
  gsize i;
  FctVerifyDiag max;

  Ctx base;    /* CTX_LOCAL or CTX_DOMAIN */
  Ctx mid;     /* CTX_NONE, CTX_QUOTED, CTX_LITERAL or CTX_COMMENT */
  gsize depth; /* nesting of comments when mid is CTX_COMMENT */
  Ctx top;     /* CTX_NONE, CTX_FWS or CTX_QPAIR */
  Ctx prior;   /* the context left most recently */

  GString *local;
  GString *domain;
  GString *literal; /* domain literal content, without brackets */
  gsize element_len;
  guint element_count;
  gsize label_start; /* offset in domain of the current label */
  gboolean hyphen;
  gboolean end_or_die; /* an element ended (quoted string, CFWS): only "." or "@" next */
  guint crlf_count;    /* folds in this FWS: more than one is obs-FWS */
  gboolean prior_cr;   /* the previous FWS token was a CRLF */
  FctVerifySyntax *out;
} Parser;

static void
diag (Parser *p, FctVerifyDiag d)
{
  if (d > p->max)
    p->max = d;
}

static Ctx
current (const Parser *p)
{
  if (p->top != CTX_NONE)
    return p->top;
  if (p->mid != CTX_NONE)
    return p->mid;
  return p->base;
}

static void
push (Parser *p, Ctx ctx)
{
  if (ctx == CTX_FWS || ctx == CTX_QPAIR)
    p->top = ctx;
  else if (ctx == CTX_COMMENT && p->mid == CTX_COMMENT)
    p->depth++;
  else
    {
      p->mid = ctx;
      p->depth = 1;
    }
}

static void
pop (Parser *p)
{
  Ctx was = current (p);

  if (p->top != CTX_NONE)
    p->top = CTX_NONE;
  else if (p->mid == CTX_COMMENT && p->depth > 1)
    p->depth--;
  else
    p->mid = CTX_NONE;
  p->prior = was;
}

/* One character. cp is its code point, or -1 for bytes that are not UTF-8 (RFC 3629);
 * a UTF-16 surrogate encoded in three bytes decodes to its value so that it can be
 * told apart (see ctext below). */
typedef struct
{
  gint32 cp;
  gsize n;
} Char;

static Char
next_char (const guint8 *s, gsize len)
{
  guint8 b = s[0];
  gsize n;
  gint32 cp;
  gint32 min;

  if (b < 0x80)
    return (Char){ b, 1 };
  if (b >= 0xC2 && b <= 0xDF)
    n = 2, cp = b & 0x1F, min = 0x80;
  else if (b >= 0xE0 && b <= 0xEF)
    n = 3, cp = b & 0x0F, min = 0x800;
  else if (b >= 0xF0 && b <= 0xF4)
    n = 4, cp = b & 0x07, min = 0x10000;
  else
    return (Char){ -1, 1 };
  if (len < n)
    return (Char){ -1, 1 };
  for (gsize k = 1; k < n; k++)
    {
      if ((s[k] & 0xC0) != 0x80)
        return (Char){ -1, 1 };
      cp = (cp << 6) | (s[k] & 0x3F);
    }
  if (cp < min || cp > 0x10FFFF)
    return (Char){ -1, 1 };
  return (Char){ cp, n };
}

static gboolean
is_surrogate (gint32 cp)
{
  return cp >= 0xD800 && cp <= 0xDFFF;
}

/* C1 controls are not text in any of RFC 6532's UTF-8 extensions that make sense in an
 * address: they are refused like their C0 cousins. */
static gboolean
is_c1 (gint32 cp)
{
  return cp >= 0x80 && cp <= 0x9F;
}

static gboolean
is_special (guint8 c)
{
  return strchr ("()<>[]:;@\\,.\"", c) != NULL && c != '\0';
}

/* A CR must be followed by LF (RFC 5322 §2.2.3): consumes the LF. */
static gboolean
take_crlf (Parser *p)
{
  if (p->i + 1 < p->len && p->in[p->i + 1] == '\n')
    {
      p->i++;
      return TRUE;
    }
  diag (p, FCT_VERIFY_DIAG_ERR_CR_NO_LF);
  return FALSE;
}

static void
append (Parser *p, GString *where, const guint8 *s, gsize n)
{
  g_string_append_len (where, (const char *)s, (gssize)n);
  if (where == p->domain && p->mid == CTX_LITERAL)
    g_string_append_len (p->literal, (const char *)s, (gssize)n);
}

static void
enter_fws (Parser *p, guint8 c)
{
  push (p, CTX_FWS);
  p->prior_cr = (c == '\r');
  p->crlf_count = 0;
}

/* RFC 3492 §6.3: the length of "xn--" plus the Punycode form of a non-ASCII label,
 * computed without building it, to measure labels as DNS will see them. */
static gsize
punycode_length (const gint32 *cps, gsize n)
{
  const gint32 base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
  gint64 cur = 128, bias = 72, delta = 0;
  gsize basic = 0, handled, out;

  /* Every non-basic code point costs at least one digit: past 255 code points the
   * label is far over every limit, and the exact figure is not worth O(n^2) work. */
  if (n > 255)
    return 4 + n;
  for (gsize k = 0; k < n; k++)
    if (cps[k] < 0x80)
      basic++;
  out = 4 + basic + (basic > 0 ? 1 : 0);
  handled = basic;
  while (handled < n)
    {
      gint64 m = G_MAXINT64;
      for (gsize k = 0; k < n; k++)
        if (cps[k] >= cur && cps[k] < m)
          m = cps[k];
      delta += (m - cur) * (gint64)(handled + 1);
      cur = m;
      for (gsize k = 0; k < n; k++)
        {
          if (cps[k] < cur)
            delta++;
          if (cps[k] == cur)
            {
              gint64 q = delta;
              for (gint64 kk = base;; kk += base)
                {
                  gint64 t = kk <= bias ? tmin : (kk >= bias + tmax ? tmax : kk - bias);
                  out++; /* one digit */
                  if (q < t)
                    break;
                  q = (q - t) / (base - t);
                }
              /* adapt (RFC 3492 §6.1) */
              gint64 d = (handled == basic) ? delta / damp : delta / 2;
              d += d / (gint64)(handled + 1);
              gint64 kk = 0;
              while (d > ((base - tmin) * tmax) / 2)
                {
                  d /= base - tmin;
                  kk += base;
                }
              bias = kk + (base - tmin + 1) * d / (d + skew);
              delta = 0;
              handled++;
            }
        }
      delta++;
      cur++;
    }
  return out;
}

/* The length of one label as it goes into DNS: octets for an ASCII label, the A-label
 * for a U-label (RFC 5890 §2.3.2.1). */
static gsize
label_length (const char *s, gsize len)
{
  gboolean ascii = TRUE;
  for (gsize k = 0; k < len; k++)
    if ((guint8)s[k] >= 0x80)
      ascii = FALSE;
  if (ascii)
    return len;

  g_autofree gint32 *cps = g_new (gint32, len);
  gsize n = 0;
  for (gsize k = 0; k < len;)
    {
      Char c = next_char ((const guint8 *)s + k, len - k);
      cps[n++] = c.cp < 0 ? 0xFFFD : c.cp;
      k += c.n;
    }
  return punycode_length (cps, n);
}

static gsize
domain_length (const GString *domain)
{
  gsize total = 0, start = 0;

  for (gsize k = 0; k <= domain->len; k++)
    if (k == domain->len || domain->str[k] == '.')
      {
        total += label_length (domain->str + start, k - start) + (k < domain->len);
        start = k + 1;
      }
  return total;
}

static gboolean
is_octet (const char *s, gsize n)
{
  guint v = 0;
  if (n == 0 || n > 3)
    return FALSE;
  for (gsize k = 0; k < n; k++)
    {
      if (!g_ascii_isdigit (s[k]))
        return FALSE;
      v = v * 10 + (guint)(s[k] - '0');
    }
  return v <= 255;
}

static gboolean
is_dotted_quad (const char *s, gsize n)
{
  guint parts = 0;
  gsize start = 0;

  for (gsize k = 0; k <= n; k++)
    if (k == n || s[k] == '.')
      {
        if (!is_octet (s + start, k - start))
          return FALSE;
        parts++;
        start = k + 1;
      }
  return parts == 4;
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static gsize
count_char (const char *s, char c)
{
  gsize n = 0;
  for (; *s != '\0'; s++)
    n += (*s == c);
  return n;
}

/* RFC 5321 §4.1.3 address literals: IPv4, or "IPv6:" with full, compressed and
 * IPv4-suffixed forms. Each departure gets its is_email diagnosis. */
static void
check_address_literal (Parser *p)
{
  const char *lit = p->literal->str;
  gsize len = p->literal->len;
  gssize v4 = -1;

  /* An IPv4 address ending the literal, starting at a word boundary. */
  for (gsize k = 0; k < len; k++)
    if ((k == 0 || !is_word_char (lit[k - 1])) && is_dotted_quad (lit + k, len - k))
      {
        v4 = (gssize)k;
        break;
      }
  if (v4 == 0)
    {
      diag (p, FCT_VERIFY_DIAG_RFC5321_ADDRESS_LITERAL);
      return;
    }

  g_autoptr (GString) text = g_string_new_len (lit, v4 > 0 ? v4 : (gssize)len);
  if (v4 > 0)
    g_string_append (text, "0:0"); /* the IPv4 part counts as two groups */
  if (g_ascii_strncasecmp (text->str, "IPv6:", 5) != 0)
    {
      diag (p, FCT_VERIFY_DIAG_RFC5322_DOMAIN_LITERAL);
      return;
    }

  const char *v6 = text->str + 5;
  gsize v6len = text->len - 5;
  gsize groups = count_char (v6, ':') + 1;
  const char *first = strstr (v6, "::");
  guint max_groups = 8;

  if (first == NULL)
    {
      if (groups != max_groups)
        diag (p, FCT_VERIFY_DIAG_RFC5322_IPV6_GROUP_COUNT);
    }
  else if (strstr (first + 1, "::") != NULL)
    diag (p, FCT_VERIFY_DIAG_RFC5322_IPV6_2X2X_COLON);
  else
    {
      gsize at = (gsize)(first - v6);
      if (at == 0 || at == v6len - 2)
        max_groups++; /* a leading or trailing "::" splits into one more empty group */
      if (groups > max_groups)
        diag (p, FCT_VERIFY_DIAG_RFC5322_IPV6_MAX_GROUPS);
      else if (groups == max_groups)
        diag (p, FCT_VERIFY_DIAG_RFC5321_IPV6_DEPRECATED); /* RFC 5952 §4.2.2 */
    }

  gboolean bad = FALSE;
  g_auto (GStrv) parts = g_strsplit (v6, ":", -1);
  for (gsize k = 0; parts[k] != NULL; k++)
    {
      gsize n = strlen (parts[k]);
      if (n > 4)
        bad = TRUE;
      for (gsize j = 0; j < n; j++)
        if (!g_ascii_isxdigit (parts[k][j]))
          bad = TRUE;
    }
  if (v6len >= 1 && v6[0] == ':' && (v6len < 2 || v6[1] != ':'))
    diag (p, FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_START);
  else if (v6len >= 1 && v6[v6len - 1] == ':' && (v6len < 2 || v6[v6len - 2] != ':'))
    diag (p, FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_END);
  else if (bad)
    diag (p, FCT_VERIFY_DIAG_RFC5322_IPV6_BAD_CHAR);
  else
    diag (p, FCT_VERIFY_DIAG_RFC5321_ADDRESS_LITERAL);
}

static void
step_local (Parser *p, guint8 c, Char ch)
{
  switch (c)
    {
    case '(':
      if (p->element_len == 0)
        diag (p, p->element_count == 0 ? FCT_VERIFY_DIAG_CFWS_COMMENT
                                       : FCT_VERIFY_DIAG_DEPREC_COMMENT);
      else
        {
          diag (p, FCT_VERIFY_DIAG_CFWS_COMMENT);
          p->end_or_die = TRUE; /* a comment ends the atom */
        }
      push (p, CTX_COMMENT);
      return;
    case '.':
      if (p->element_len == 0)
        diag (p, p->element_count == 0 ? FCT_VERIFY_DIAG_ERR_DOT_START
                                       : FCT_VERIFY_DIAG_ERR_CONSECUTIVE_DOTS);
      else if (p->end_or_die)
        diag (p, FCT_VERIFY_DIAG_DEPREC_LOCAL_PART); /* obs-local-part: word *("." word) */
      p->end_or_die = FALSE;
      p->element_len = 0;
      p->element_count++;
      g_string_append_c (p->local, '.');
      return;
    case '"':
      if (p->element_len == 0)
        {
          diag (p, p->element_count == 0 ? FCT_VERIFY_DIAG_RFC5321_QUOTED_STRING
                                         : FCT_VERIFY_DIAG_DEPREC_LOCAL_PART);
          g_string_append_c (p->local, '"');
          p->element_len++;
          p->end_or_die = TRUE;
          push (p, CTX_QUOTED);
        }
      else
        diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT);
      return;
    case '\r':
      if (!take_crlf (p))
        return;
      G_GNUC_FALLTHROUGH;
    case ' ':
    case '\t':
      if (p->element_len == 0)
        diag (p, p->element_count == 0 ? FCT_VERIFY_DIAG_CFWS_FWS
                                       : FCT_VERIFY_DIAG_DEPREC_FWS);
      else
        p->end_or_die = TRUE;
      enter_fws (p, c);
      return;
    case '@':
      if (p->local->len == 0)
        diag (p, FCT_VERIFY_DIAG_ERR_NO_LOCAL_PART);
      else if (p->element_len == 0)
        diag (p, FCT_VERIFY_DIAG_ERR_DOT_END);
      else if (p->local->len > 64) /* RFC 5321 §4.5.3.1.1 */
        diag (p, FCT_VERIFY_DIAG_RFC5322_LOCAL_TOO_LONG);
      else if (p->prior == CTX_COMMENT || p->prior == CTX_FWS)
        diag (p, FCT_VERIFY_DIAG_DEPREC_CFWS_NEAR_AT); /* RFC 5322 §3.4.1 SHOULD NOT */
      p->base = CTX_DOMAIN;
      p->mid = CTX_NONE;
      p->top = CTX_NONE;
      p->element_count = 0;
      p->element_len = 0;
      p->end_or_die = FALSE;
      p->label_start = 0;
      return;
    default:
      break;
    }

  /* atext, extended by RFC 6531 §3.3 to UTF-8 */
  if (p->end_or_die)
    {
      diag (p, p->prior == CTX_QUOTED ? FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_QS
                                      : FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_CFWS);
      return;
    }
  p->prior = CTX_LOCAL;
  if (ch.cp < 0 || is_surrogate (ch.cp))
    diag (p, FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8);
  else if (ch.cp >= 0x80)
    {
      if (is_c1 (ch.cp))
        diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT);
      p->out->local_utf8 = TRUE;
    }
  else if (c < 33 || c > 126 || is_special (c))
    diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT);
  append (p, p->local, p->in + p->i, ch.n);
  p->element_len += ch.n;
}

static void
step_domain (Parser *p, guint8 c, Char ch)
{
  switch (c)
    {
    case '(':
      if (p->element_len == 0)
        diag (p, p->element_count == 0 ? FCT_VERIFY_DIAG_DEPREC_CFWS_NEAR_AT
                                       : FCT_VERIFY_DIAG_DEPREC_COMMENT);
      else
        {
          diag (p, FCT_VERIFY_DIAG_CFWS_COMMENT);
          p->end_or_die = TRUE;
        }
      push (p, CTX_COMMENT);
      return;
    case '.':
      if (p->element_len == 0)
        diag (p, p->element_count == 0 ? FCT_VERIFY_DIAG_ERR_DOT_START
                                       : FCT_VERIFY_DIAG_ERR_CONSECUTIVE_DOTS);
      else if (p->hyphen)
        diag (p, FCT_VERIFY_DIAG_ERR_DOMAIN_HYPHEN_END);
      else if (p->out->domain_literal)
        diag (p, FCT_VERIFY_DIAG_ERR_DOT_AFTER_DOMAIN_LITERAL);
      else if (label_length (p->domain->str + p->label_start,
                             p->domain->len - p->label_start)
               > 63) /* RFC 1035 §2.3.4 */
        diag (p, FCT_VERIFY_DIAG_RFC5322_LABEL_TOO_LONG);
      p->end_or_die = FALSE;
      p->element_len = 0;
      p->element_count++;
      g_string_append_c (p->domain, '.');
      p->label_start = p->domain->len;
      return;
    case '[':
      if (p->domain->len == 0)
        {
          p->end_or_die = TRUE;
          p->element_len++;
          p->out->domain_literal = TRUE;
          g_string_append_c (p->domain, '[');
          push (p, CTX_LITERAL);
        }
      else
        diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT);
      return;
    case '\r':
      if (!take_crlf (p))
        return;
      G_GNUC_FALLTHROUGH;
    case ' ':
    case '\t':
      if (p->element_len == 0)
        diag (p, p->element_count == 0 ? FCT_VERIFY_DIAG_DEPREC_CFWS_NEAR_AT
                                       : FCT_VERIFY_DIAG_DEPREC_FWS);
      else
        {
          diag (p, FCT_VERIFY_DIAG_CFWS_FWS);
          p->end_or_die = TRUE;
        }
      enter_fws (p, c);
      return;
    default:
      break;
    }

  if (p->end_or_die)
    {
      diag (p, p->prior == CTX_LITERAL ? FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_DOMLIT
                                       : FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_CFWS);
      return;
    }
  p->hyphen = FALSE;
  if (ch.cp < 0 || is_surrogate (ch.cp))
    diag (p, FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8);
  else if (ch.cp >= 0x80)
    {
      if (is_c1 (ch.cp))
        diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT);
      p->out->domain_utf8 = TRUE; /* a U-label (RFC 5890 §2.3.2.1) */
    }
  else if (c < 33 || c > 126 || is_special (c))
    diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT);
  else if (c == '-')
    {
      if (p->element_len == 0)
        diag (p, FCT_VERIFY_DIAG_ERR_DOMAIN_HYPHEN_START);
      p->hyphen = TRUE;
    }
  else if (!g_ascii_isalnum (c))
    diag (p, FCT_VERIFY_DIAG_RFC5322_DOMAIN); /* atext, but not letter-digit-hyphen */
  append (p, p->domain, p->in + p->i, ch.n);
  p->element_len += ch.n;
}

static void
step_literal (Parser *p, guint8 c, Char ch)
{
  switch (c)
    {
    case ']':
      /* Only a literal without RFC 5322-only oddities can be an RFC 5321 one. */
      if (p->max < FCT_VERIFY_DIAG_RFC5322_DOMAIN)
        check_address_literal (p);
      else
        diag (p, FCT_VERIFY_DIAG_RFC5322_DOMAIN_LITERAL);
      g_string_append_c (p->domain, ']');
      p->element_len++;
      pop (p);
      return;
    case '\\':
      diag (p, FCT_VERIFY_DIAG_RFC5322_DOMLIT_OBSDTEXT); /* obs-dtext: quoted-pair */
      push (p, CTX_QPAIR);
      return;
    case '\r':
      if (!take_crlf (p))
        return;
      G_GNUC_FALLTHROUGH;
    case ' ':
    case '\t':
      diag (p, FCT_VERIFY_DIAG_CFWS_FWS);
      enter_fws (p, c);
      return;
    default:
      break;
    }
  /* dtext: RFC 6532 does not extend it, so any non-ASCII is refused */
  if (ch.cp < 0 || is_surrogate (ch.cp))
    {
      diag (p, FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8);
      return;
    }
  if (ch.cp >= 0x80 || c == 0 || c == '[')
    {
      diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_DTEXT);
      return;
    }
  if (c < 33 || c == 127)
    diag (p, FCT_VERIFY_DIAG_RFC5322_DOMLIT_OBSDTEXT);
  append (p, p->domain, p->in + p->i, 1);
  p->element_len++;
}

static void
step_quoted (Parser *p, guint8 c, Char ch)
{
  switch (c)
    {
    case '\\':
      push (p, CTX_QPAIR);
      return;
    case '\r':
      if (!take_crlf (p))
        return;
      G_GNUC_FALLTHROUGH;
    case '\t':
      /* Inside quotes a space is ordinary text; only HTAB and CRLF fold. The fold
       * reads as one space (RFC 5322 §3.2.4, FWS is semantically a space). */
      g_string_append_c (p->local, ' ');
      p->element_len++;
      diag (p, FCT_VERIFY_DIAG_CFWS_FWS);
      enter_fws (p, c);
      return;
    case '"':
      g_string_append_c (p->local, '"');
      p->element_len++;
      pop (p);
      return;
    default:
      break;
    }
  if (ch.cp < 0 || is_surrogate (ch.cp))
    {
      diag (p, FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8);
      return;
    }
  if (is_c1 (ch.cp) || c == 0 || c == '\n')
    {
      diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_QTEXT);
      return;
    }
  if (ch.cp >= 0x80)
    p->out->local_utf8 = TRUE; /* RFC 6532 §3.2 qtext =/ UTF8-non-ascii */
  else if (c < 32 || c == 127)
    diag (p, FCT_VERIFY_DIAG_DEPREC_QTEXT); /* obs-qtext */
  append (p, p->local, p->in + p->i, ch.n);
  p->element_len += ch.n;
}

static void
step_qpair (Parser *p, guint8 c, Char ch)
{
  if (ch.cp < 0 || is_surrogate (ch.cp))
    diag (p, FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8);
  else if (ch.cp >= 0x80)
    diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_QPAIR);
  else if ((c < 31 && c != '\t') || c == 127)
    diag (p, FCT_VERIFY_DIAG_DEPREC_QP); /* obs-qp */
  pop (p);
  /* Lengths in RFC 5321 are octets on the wire, so the backslash counts. */
  if (p->mid == CTX_QUOTED)
    {
      g_string_append_c (p->local, '\\');
      append (p, p->local, p->in + p->i, ch.n);
      p->element_len += 1 + ch.n;
    }
  else if (p->mid == CTX_LITERAL)
    {
      append (p, p->domain, (const guint8 *)"\\", 1);
      append (p, p->domain, p->in + p->i, ch.n);
      p->element_len += 1 + ch.n;
    }
}

static void
step_comment (Parser *p, guint8 c, Char ch)
{
  switch (c)
    {
    case '(':
      push (p, CTX_COMMENT);
      return;
    case ')':
      pop (p);
      return;
    case '\\':
      push (p, CTX_QPAIR);
      return;
    case '\r':
      if (!take_crlf (p))
        return;
      G_GNUC_FALLTHROUGH;
    case ' ':
    case '\t':
      diag (p, FCT_VERIFY_DIAG_CFWS_FWS);
      enter_fws (p, c);
      return;
    default:
      break;
    }
  /* ctext. A comment is thrown away before use, so a UTF-16 surrogate smuggled in as
   * three bytes is harmless there; bytes that do not decode at all are not. */
  if (ch.cp < 0)
    diag (p, FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8);
  else if (is_c1 (ch.cp) || c == 0 || c == '\n')
    diag (p, FCT_VERIFY_DIAG_ERR_EXPECTING_CTEXT);
  else if (ch.cp < 0x80 && (c < 32 || c == 127))
    diag (p, FCT_VERIFY_DIAG_DEPREC_CTEXT); /* obs-ctext */
}

/* Returns TRUE when the character was consumed, FALSE to read it again in the context
 * below (FWS ends at the first character that is not white space). */
static gboolean
step_fws (Parser *p, guint8 c)
{
  /* FWS = ([*WSP CRLF] 1*WSP) / obs-FWS (RFC 5322 §3.2.2, §4.2) */
  if (p->prior_cr)
    {
      if (c == '\r')
        {
          diag (p, FCT_VERIFY_DIAG_ERR_FWS_CRLF_X2);
          return TRUE;
        }
      if (++p->crlf_count > 1)
        diag (p, FCT_VERIFY_DIAG_DEPREC_FWS);
    }
  switch (c)
    {
    case '\r':
      take_crlf (p);
      p->prior_cr = TRUE;
      return TRUE;
    case ' ':
    case '\t':
      p->prior_cr = FALSE;
      return TRUE;
    default:
      if (p->prior_cr)
        {
          diag (p, FCT_VERIFY_DIAG_ERR_FWS_CRLF_END); /* a fold must go on with WSP */
          return TRUE;
        }
      pop (p);
      return FALSE;
    }
}

static void
finish (Parser *p)
{
  if (p->max > FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_END)
    return;
  if (p->top == CTX_QPAIR)
    diag (p, FCT_VERIFY_DIAG_ERR_BACKSLASH_END);
  else if (p->top == CTX_FWS && p->prior_cr)
    diag (p, FCT_VERIFY_DIAG_ERR_FWS_CRLF_END);
  else if (p->mid == CTX_QUOTED)
    diag (p, FCT_VERIFY_DIAG_ERR_UNCLOSED_QUOTED_STRING);
  else if (p->mid == CTX_COMMENT)
    diag (p, FCT_VERIFY_DIAG_ERR_UNCLOSED_COMMENT);
  else if (p->mid == CTX_LITERAL)
    diag (p, FCT_VERIFY_DIAG_ERR_UNCLOSED_DOMAIN_LITERAL);
  else if (p->base != CTX_DOMAIN || p->domain->len == 0)
    diag (p, FCT_VERIFY_DIAG_ERR_NO_DOMAIN);
  else if (p->element_len == 0)
    diag (p, FCT_VERIFY_DIAG_ERR_DOT_END);
  else if (p->hyphen)
    diag (p, FCT_VERIFY_DIAG_ERR_DOMAIN_HYPHEN_END);
  else
    {
      /* RFC 5321 §4.5.3.1.2 (255-octet domain), §4.5.3.1.3 (a 256-octet path
       * including "<" and ">", so 254 for the address), RFC 1035 §2.3.4 (labels). */
      gsize dlen = p->out->domain_literal ? p->domain->len : domain_length (p->domain);
      if (dlen > 255)
        diag (p, FCT_VERIFY_DIAG_RFC5322_DOMAIN_TOO_LONG);
      if (p->local->len + 1 + dlen > 254)
        diag (p, FCT_VERIFY_DIAG_RFC5322_TOO_LONG);
      if (!p->out->domain_literal
          && label_length (p->domain->str + p->label_start, p->domain->len - p->label_start)
                 > 63)
        diag (p, FCT_VERIFY_DIAG_RFC5322_LABEL_TOO_LONG);
    }

  /* A numeric top-level domain does not exist (RFC 3696 §2): most likely an IP
   * address written without brackets. */
  if (p->max == FCT_VERIFY_DIAG_VALID && !p->out->domain_literal
      && p->label_start < p->domain->len
      && g_ascii_isdigit (p->domain->str[p->label_start]))
    diag (p, FCT_VERIFY_DIAG_RFC5321_TLD_NUMERIC);
}

/* A format character (general category Cf) other than ZWNJ and ZWJ, which IDNA2008
 * allows in context (RFC 5892 Appendix A.1, A.2). utf8 is valid UTF-8 here. */
static gboolean
has_ignorable_format (const char *utf8)
{
  for (const char *p = utf8; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_type (c) == G_UNICODE_FORMAT && c != 0x200C && c != 0x200D)
        return TRUE;
    }
  return FALSE;
}

FctVerifySyntax *
fct_verify_syntax_parse (const char *input, gsize len)
{
  FctVerifySyntax *out = g_new0 (FctVerifySyntax, 1);
  g_autoptr (GString) local = g_string_new (NULL);
  g_autoptr (GString) domain = g_string_new (NULL);
  g_autoptr (GString) literal = g_string_new (NULL);
  Parser p = {
    .in = (const guint8 *)input,
    .len = input != NULL ? len : 0,
    .max = FCT_VERIFY_DIAG_VALID,
    .base = CTX_LOCAL,
    .mid = CTX_NONE,
    .top = CTX_NONE,
    .prior = CTX_NONE,
    .local = local,
    .domain = domain,
    .literal = literal,
    .out = out,
  };

  for (p.i = 0; p.i < p.len; p.i++)
    {
      guint8 c = p.in[p.i];
      Char ch = next_char (p.in + p.i, p.len - p.i);
      Ctx ctx = current (&p);

      switch (ctx)
        {
        case CTX_LOCAL:
          step_local (&p, c, ch);
          break;
        case CTX_DOMAIN:
          step_domain (&p, c, ch);
          break;
        case CTX_LITERAL:
          step_literal (&p, c, ch);
          break;
        case CTX_QUOTED:
          step_quoted (&p, c, ch);
          break;
        case CTX_QPAIR:
          step_qpair (&p, c, ch);
          break;
        case CTX_COMMENT:
          step_comment (&p, c, ch);
          break;
        case CTX_FWS:
          if (!step_fws (&p, c))
            {
              p.i--; /* read it again in the context below; i > 0 here */
              continue;
            }
          break;
        case CTX_NONE:
          g_assert_not_reached ();
        }
      if (p.max > FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_END)
        break;         /* an error: nothing after it can make the address valid */
      p.i += ch.n - 1; /* the steps consume a multi-byte character whole */
    }
  finish (&p);

  out->diagnosis = p.max;
  out->category = fct_verify_diag_get_category (p.max);
  if (out->category != FCT_VERIFY_CATEGORY_ERROR)
    {
      out->local_part = g_memdup2 (local->str, local->len + 1);
      out->domain = g_memdup2 (domain->str, domain->len + 1);
      out->local_part_len = local->len;
      out->domain_len = domain->len;
      out->domain_labels = out->domain_literal ? 0 : p.element_count + 1;
      if (!out->domain_literal && !out->domain_utf8)
        out->domain_ascii = g_ascii_strdown (out->domain, -1);
      else if (!out->domain_literal)
        {
          char *ascii = NULL;
          /* UTS #46 mapping can turn a valid-looking U-label into something the
           * grammar refused (U+FF0E becomes a dot, U+037E a ";", U+1FEF a backquote):
           * the mapped name is what goes on the wire, so it must pass RFC 5321 §4.1.2
           * in turn (RFC 5891 §5.3-5.4: the A-label form is what is checked and used).
           * libidn2's STD3 option is not the way: it drops such characters silently,
           * giving another domain. Invisible format characters, which the mapping
           * deletes (U+200B, U+00AD, U+2060...), are refused outright: IDNA2008
           * disallows them (RFC 5892), and "exa<U+200B>mple.com" is not example.com to
           * its reader. */
          if (!has_ignorable_format (out->domain)
              && idn2_to_ascii_8z (out->domain, &ascii,
                                   IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT)
                     == IDN2_OK
              && fct_verify_domain_is_ldh (ascii))
            out->domain_ascii = g_ascii_strdown (ascii, -1);
          idn2_free (ascii);
        }
    }
  return out;
}

gboolean
fct_verify_domain_is_ldh (const char *domain)
{
  g_return_val_if_fail (domain != NULL, FALSE);
  gsize len = strlen (domain), label = 0;
  /* RFC 5321 §4.1.2 Domain: sub-domain *("." sub-domain), Let-dig [Ldh-str]; labels of
   * 63 octets at most (RFC 1035 §2.3.4), 255 for a whole path's domain (§4.5.3.1.2),
   * which the name's 253 characters in text respect. No empty label, no trailing dot. */
  if (len == 0 || len > 253)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char c = domain[i];
      if (c == '.')
        {
          if (label == 0 || domain[i - 1] == '-')
            return FALSE;
          label = 0;
        }
      else if (g_ascii_isalnum (c) || (c == '-' && label > 0))
        {
          if (++label > 63)
            return FALSE;
        }
      else
        return FALSE;
    }
  return label > 0 && domain[len - 1] != '-';
}

void
fct_verify_syntax_free (FctVerifySyntax *syntax)
{
  if (syntax == NULL)
    return;
  g_free (syntax->local_part);
  g_free (syntax->domain);
  g_free (syntax->domain_ascii);
  g_free (syntax);
}

void
fct_verify_syntax_apply_dns (FctVerifySyntax *syntax, gboolean has_mx, gboolean has_address)
{
  g_return_if_fail (syntax != NULL);

  /* is_email consults DNS only for an otherwise valid address; an MX record proves
   * the domain, whatever its shape. */
  if ((syntax->diagnosis != FCT_VERIFY_DIAG_VALID
       && syntax->diagnosis != FCT_VERIFY_DIAG_RFC5321_TLD_NUMERIC)
      || syntax->domain_literal)
    return;
  if (has_mx)
    syntax->diagnosis = FCT_VERIFY_DIAG_VALID;
  else
    {
      FctVerifyDiag d = has_address ? FCT_VERIFY_DIAG_DNSWARN_NO_MX_RECORD
                                    : FCT_VERIFY_DIAG_DNSWARN_NO_RECORD;
      if (syntax->domain_labels == 1)
        d = FCT_VERIFY_DIAG_RFC5321_TLD;
      syntax->diagnosis = MAX (syntax->diagnosis, d);
    }
  syntax->category = fct_verify_diag_get_category (syntax->diagnosis);
}
