/* facteur — the DMARC author domain (RFC 9989 §5.3.1): a strict parser for the From
 * field's address list (RFC 5322 §3.4 with the obs-phrase, obs-local-part and empty list
 * elements of §4.4, RFC 6854 groups, RFC 6532 UTF-8), and A-label conversion.
 *
 * A parser of our own rather than GMime's: GMime repairs malformed lists, and a repaired
 * list can name a different domain than the one a mail client shows, which is exactly
 * what a spoofer wants. Here anything ambiguous is a permerror. */
#include "dmarc-private.h"

#include <idn2.h>
#include <string.h>

typedef enum
{
  TOK_END,
  TOK_ATOM,
  TOK_QSTRING,
  TOK_DLITERAL,
  TOK_SPECIAL, /* one of < > @ , ; : . */
  TOK_ERROR,
} TokType;

typedef struct
{
  TokType type;
  const char *p; /* ATOM: its bytes; SPECIAL: the character */
  gsize len;
} Tok;

typedef struct
{
  const char *s;
  gsize len;
  gsize pos;
  Tok tok; /* the current (look-ahead) token */
  const char *error;
} Lexer;

static gboolean
is_atext (guchar c)
{
  /* RFC 5322 §3.2.3 atext; RFC 6532 §3.2 adds UTF-8 (any byte >= 0x80 here). */
  return g_ascii_isalnum (c) || c >= 0x80 || strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Skips CFWS: whitespace and nested comments, iteratively (no recursion). */
static gboolean
skip_cfws (Lexer *lx)
{
  gsize depth = 0;

  while (lx->pos < lx->len)
    {
      guchar c = (guchar)lx->s[lx->pos];

      if (depth > 0 && c == '\\')
        {
          if (lx->pos + 1 >= lx->len)
            return FALSE;
          lx->pos += 2;
          continue;
        }
      if (c == '(')
        depth++;
      else if (c == ')')
        {
          if (depth == 0)
            return FALSE;
          depth--;
        }
      else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n')
        return TRUE;
      else if (c == '\0')
        return FALSE;
      lx->pos++;
    }
  return depth == 0;
}

static void
lex_next (Lexer *lx)
{
  if (!skip_cfws (lx))
    {
      lx->tok = (Tok){ TOK_ERROR, NULL, 0 };
      lx->error = "unbalanced comment";
      return;
    }
  if (lx->pos >= lx->len)
    {
      lx->tok = (Tok){ TOK_END, NULL, 0 };
      return;
    }

  const char *start = lx->s + lx->pos;
  guchar c = (guchar)*start;

  if (is_atext (c))
    {
      gsize n = 0;
      while (lx->pos + n < lx->len && is_atext ((guchar)start[n]))
        n++;
      lx->pos += n;
      lx->tok = (Tok){ TOK_ATOM, start, n };
    }
  else if (c == '"' || c == '[')
    {
      char close = c == '"' ? '"' : ']';
      gsize i = lx->pos + 1;

      while (i < lx->len && lx->s[i] != close)
        {
          if (lx->s[i] == '\0' || (c == '[' && (lx->s[i] == '[')))
            break;
          i += (lx->s[i] == '\\') ? 2 : 1;
        }
      if (i >= lx->len || lx->s[i] != close)
        {
          lx->tok = (Tok){ TOK_ERROR, NULL, 0 };
          lx->error
              = c == '"' ? "unterminated quoted string" : "unterminated domain literal";
          return;
        }
      lx->tok = (Tok){ c == '"' ? TOK_QSTRING : TOK_DLITERAL, start, i + 1 - lx->pos };
      lx->pos = i + 1;
    }
  else if (strchr ("<>@,;:.", c) != NULL)
    {
      lx->pos++;
      lx->tok = (Tok){ TOK_SPECIAL, start, 1 };
    }
  else
    {
      lx->tok = (Tok){ TOK_ERROR, NULL, 0 };
      lx->error = "a character that cannot appear in an address";
    }
}

static gboolean
tok_is (const Lexer *lx, char special)
{
  return lx->tok.type == TOK_SPECIAL && lx->tok.p[0] == special;
}

static gboolean
tok_is_word (const Lexer *lx)
{
  return lx->tok.type == TOK_ATOM || lx->tok.type == TOK_QSTRING;
}

typedef struct
{
  guint mailboxes;
  GPtrArray *domains; /* char *: each mailbox's domain, as written */
  const char *error;
  gboolean literal; /* a mailbox's domain is a domain literal */
} ParseState;

static gboolean
fail (ParseState *st, Lexer *lx, const char *error)
{
  if (st->error == NULL)
    st->error = lx->error != NULL ? lx->error : error;
  return FALSE;
}

/* domain = dot-atom / domain-literal / obs-domain; the current token starts it. */
static gboolean
parse_domain (ParseState *st, Lexer *lx)
{
  GString *d = g_string_new (NULL);
  gboolean literal = FALSE;

  if (lx->tok.type == TOK_DLITERAL)
    {
      literal = TRUE;
      g_string_append_len (d, lx->tok.p, (gssize)lx->tok.len);
      lex_next (lx);
    }
  else
    for (;;)
      {
        if (lx->tok.type != TOK_ATOM)
          {
            g_string_free (d, TRUE);
            return fail (st, lx, "a domain is missing or malformed");
          }
        g_string_append_len (d, lx->tok.p, (gssize)lx->tok.len);
        lex_next (lx);
        if (!tok_is (lx, '.'))
          break;
        g_string_append_c (d, '.');
        lex_next (lx);
      }
  st->mailboxes++;
  /* Bounded by the field, itself within FctLimits.header_field_max_bytes. */
  g_ptr_array_add (st->domains, g_string_free (d, FALSE));
  st->literal = st->literal || literal;
  return TRUE;
}

/* local-part "@" domain, the current token starting the local part. */
static gboolean
parse_addr_spec (ParseState *st, Lexer *lx)
{
  for (;;)
    {
      if (!tok_is_word (lx))
        return fail (st, lx, "a local part is missing or malformed");
      lex_next (lx);
      if (!tok_is (lx, '.'))
        break;
      lex_next (lx);
    }
  if (!tok_is (lx, '@'))
    return fail (st, lx, "an address has no \"@\"");
  lex_next (lx);
  return parse_domain (st, lx);
}

/* "<" addr-spec ">", the current token being "<". Routes (obs-angle-addr) are refused. */
static gboolean
parse_angle_addr (ParseState *st, Lexer *lx)
{
  lex_next (lx);
  if (!parse_addr_spec (st, lx))
    return FALSE;
  if (!tok_is (lx, '>'))
    return fail (st, lx, "an address has no closing \">\"");
  lex_next (lx);
  return TRUE;
}

/* After a phrase: a name-addr, or a group when groups are allowed. The phrase may also
 * be a local part (addr-spec), which is only possible when it was not a display name. */
static gboolean parse_mailbox_list (ParseState *st, Lexer *lx, gboolean in_group);

static gboolean
parse_address (ParseState *st, Lexer *lx, gboolean in_group)
{
  Lexer saved = *lx;
  guint words = 0;

  if (tok_is (lx, '<'))
    return parse_angle_addr (st, lx);
  /* phrase = 1*word / obs-phrase (word *(word / "." / CFWS)) */
  while (tok_is_word (lx) || (words > 0 && tok_is (lx, '.')))
    {
      words++;
      lex_next (lx);
    }
  if (words == 0)
    return fail (st, lx, "an address is missing or malformed");
  if (tok_is (lx, '<'))
    return parse_angle_addr (st, lx);
  if (tok_is (lx, ':'))
    {
      /* RFC 6854 §2.1: a group in From; only its mailboxes count. */
      if (in_group)
        return fail (st, lx, "a group inside a group");
      lex_next (lx);
      if (!tok_is (lx, ';') && !parse_mailbox_list (st, lx, TRUE))
        return FALSE;
      if (!tok_is (lx, ';'))
        return fail (st, lx, "a group has no closing \";\"");
      lex_next (lx);
      return TRUE;
    }
  if (tok_is (lx, '@'))
    {
      *lx = saved;
      return parse_addr_spec (st, lx);
    }
  return fail (st, lx, "a display name is not followed by an address");
}

/* mailbox-list / address-list, with the empty elements obs-mbox-list allows. */
static gboolean
parse_mailbox_list (ParseState *st, Lexer *lx, gboolean in_group)
{
  for (;;)
    {
      while (tok_is (lx, ','))
        lex_next (lx);
      if (lx->tok.type == TOK_END || (in_group && tok_is (lx, ';')))
        return TRUE;
      if (!parse_address (st, lx, in_group))
        return FALSE;
      if (lx->tok.type == TOK_END || (in_group && tok_is (lx, ';')))
        return TRUE;
      if (!tok_is (lx, ','))
        return fail (st, lx, "addresses are not separated by \",\"");
    }
}

/* Converts to an A-label domain and checks it is a host name: LDH labels of 1-63
 * octets, 253 octets at most (RFC 1035 §2.3.1, RFC 5890 §2.3.2.1). */
static char *
to_a_label (const char *domain, const char **error)
{
  char *ascii = NULL;
  gboolean utf8 = FALSE;

  for (const char *q = domain; *q != '\0'; q++)
    if ((guchar)*q >= 0x80)
      utf8 = TRUE;
  if (utf8)
    {
      char *out = NULL;
      if (!g_utf8_validate (domain, -1, NULL)
          || idn2_lookup_u8 ((const uint8_t *)domain, (uint8_t **)&out,
                             IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)
                 != IDN2_OK)
        {
          *error = "the author domain is not a valid internationalized domain name";
          return NULL;
        }
      ascii = g_strdup (out);
      idn2_free (out);
    }
  else
    ascii = g_strdup (domain);
  fct_dmarc_domain_normalize (ascii);

  gsize total = strlen (ascii);
  gsize label = 0;
  gboolean ok = total > 0 && total <= 253;
  for (const char *q = ascii; ok && *q != '\0'; q++)
    {
      if (*q == '.')
        {
          ok = label > 0 && q[-1] != '-';
          label = 0;
        }
      else
        {
          ok = (g_ascii_isalnum (*q) || (*q == '-' && label > 0)) && ++label <= 63;
        }
    }
  if (!ok || label == 0 || ascii[total - 1] == '-')
    {
      *error = "the author domain is not a valid host name";
      g_free (ascii);
      return NULL;
    }
  return ascii;
}

char *
fct_dmarc_author_domain_from_value (const char *value, gsize len, char **reason)
{
  Lexer lx = { value, len, 0, { TOK_END, NULL, 0 }, NULL };
  ParseState st = { 0 };
  const char *error = NULL;
  char *domain = NULL;

  g_return_val_if_fail (value != NULL || len == 0, NULL);
  g_return_val_if_fail (reason != NULL, NULL);
  *reason = NULL;
  st.domains = g_ptr_array_new_with_free_func (g_free);
  lex_next (&lx);
  if (!parse_mailbox_list (&st, &lx, FALSE))
    *reason = g_strdup_printf ("the From field cannot be parsed: %s", st.error);
  else if (st.mailboxes == 0)
    *reason = g_strdup ("the From field holds no address");
  else if (st.literal)
    *reason = g_strdup ("the author domain is an address literal");
  else
    /* RFC 9989 §5.3.1: several authors are one author domain when every address has
     * the same domain; only different domains stop DMARC. Compared as A-labels, so that
     * a U-label and its A-label are one domain. */
    for (guint i = 0; i < st.domains->len; i++)
      {
        g_autofree char *d = to_a_label (g_ptr_array_index (st.domains, i), &error);
        if (d == NULL)
          {
            *reason = g_strdup (error);
            g_clear_pointer (&domain, g_free);
            break;
          }
        if (domain == NULL)
          domain = g_steal_pointer (&d);
        else if (g_ascii_strcasecmp (domain, d) != 0)
          {
            *reason = g_strdup_printf ("the From field holds %u addresses of different "
                                       "domains",
                                       st.mailboxes);
            g_clear_pointer (&domain, g_free);
            break;
          }
      }
  g_ptr_array_unref (st.domains);
  return domain;
}

char *
fct_dmarc_author_domain (const FctMsg *msg, char **reason)
{
  guint count;
  const FctMsgHeader *from;

  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (reason != NULL, NULL);
  count = fct_msg_count_headers (msg, "From");
  if (count != 1)
    {
      *reason = count == 0 ? g_strdup ("the message has no From field")
                           : g_strdup_printf ("the message has %u From fields", count);
      return NULL;
    }
  from = fct_msg_find_header (msg, "From", 0);
  /* A From over header_field_max_bytes is kept with an empty value (msg/parse.c); its
   * author domain is still read, from the raw bytes (the lexer takes folding as white
   * space and runs in one pass): padding the From must not turn a domain's p=reject
   * into permerror (RFC 9989 §5.3.1 asks only for one author domain). */
  if (from->value_len == 0 && from->value_raw.len > 0)
    return fct_dmarc_author_domain_from_value ((const char *)from->value_raw.ptr,
                                               from->value_raw.len, reason);
  return fct_dmarc_author_domain_from_value (from->value, from->value_len, reason);
}
