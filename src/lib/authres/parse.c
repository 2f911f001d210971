/* facteur — parsing Authentication-Results values by the grammar of RFC 8601 §2.2:
 * authserv-id, version, "none", resinfo (method[/version]=result, reason=, ptype.property
 * =pvalue), with CFWS (nested comments, quoted pairs) anywhere the grammar allows it.
 * Two tolerances, for what large receivers write: base64 "/" and "=" in unquoted
 * values (header.b), and ":" in unquoted property values (IPv6 in policy.iprev and
 * smtp.remote-ip). */
#include "authres-private.h"

#include <string.h>

typedef struct
{
  const char *s;
  gsize len;
  gsize pos;
  GError **error;
  gboolean failed;
} Cursor;

static gboolean
syntax_error (Cursor *c, const char *what)
{
  if (!c->failed)
    g_set_error (c->error, FCT_AUTHRES_ERROR, FCT_AUTHRES_ERROR_SYNTAX,
                 "Authentication-Results: %s at byte %" G_GSIZE_FORMAT, what, c->pos);
  c->failed = TRUE;
  return FALSE;
}

static gboolean
at_end (const Cursor *c)
{
  return c->pos >= c->len;
}

static gboolean
peek_is (const Cursor *c, char ch)
{
  return c->pos < c->len && c->s[c->pos] == ch;
}

/* CFWS; comments nest (RFC 5322 §3.2.2), counted without recursion. The text of the
 * first comment is returned in *comment when comment is not NULL and none was set. */
static gboolean
skip_cfws (Cursor *c, char **comment)
{
  gsize depth = 0;
  gsize start = 0;

  while (c->pos < c->len)
    {
      char ch = c->s[c->pos];

      if (depth > 0 && ch == '\\')
        {
          if (c->pos + 1 >= c->len)
            break;
          c->pos += 2;
          continue;
        }
      if (ch == '(')
        {
          if (depth++ == 0)
            start = c->pos + 1;
        }
      else if (ch == ')')
        {
          if (depth == 0)
            return syntax_error (c, "unbalanced \")\"");
          if (--depth == 0 && comment != NULL && *comment == NULL)
            *comment = g_strndup (c->s + start, c->pos - start);
        }
      else if (ch == '\0')
        return syntax_error (c, "NUL byte");
      else if (depth == 0 && ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
        return TRUE;
      c->pos++;
    }
  if (depth > 0)
    return syntax_error (c, "unterminated comment");
  return TRUE;
}

/* Keyword (RFC 5321): returns it lower-cased, or NULL. */
static char *
read_keyword (Cursor *c)
{
  gsize start = c->pos;

  while (c->pos < c->len && (g_ascii_isalnum (c->s[c->pos]) || c->s[c->pos] == '-'))
    c->pos++;
  if (!fct_authres_is_keyword (c->s + start, c->pos - start))
    {
      c->pos = start;
      return NULL;
    }
  return g_ascii_strdown (c->s + start, (gssize)(c->pos - start));
}

static gboolean
read_digits (Cursor *c, guint *out)
{
  guint64 n = 0;
  gsize start = c->pos;

  while (c->pos < c->len && g_ascii_isdigit (c->s[c->pos]))
    {
      n = n * 10 + (guint64)(c->s[c->pos] - '0');
      if (n > G_MAXUINT32)
        return syntax_error (c, "version number too large");
      c->pos++;
    }
  if (c->pos == start)
    return syntax_error (c, "digits expected");
  *out = (guint)n;
  return TRUE;
}

/* quoted-string (RFC 5322 §3.2.4), the current byte being the opening quote. */
static char *
read_quoted (Cursor *c)
{
  GString *out = g_string_new (NULL);

  c->pos++;
  while (c->pos < c->len && c->s[c->pos] != '"')
    {
      char ch = c->s[c->pos];
      if (ch == '\\')
        {
          if (c->pos + 1 >= c->len)
            break;
          ch = c->s[++c->pos];
        }
      else if (ch == '\r' || ch == '\n')
        {
          c->pos++;
          continue; /* folding inside the string */
        }
      if (ch == '\0')
        break;
      g_string_append_c (out, ch);
      c->pos++;
    }
  if (!peek_is (c, '"'))
    {
      g_string_free (out, TRUE);
      syntax_error (c, "unterminated quoted string");
      return NULL;
    }
  c->pos++;
  return g_string_free (out, FALSE);
}

static gboolean
is_value_char (guchar ch)
{
  return fct_authres_is_token_char (ch) || ch == '/' || ch == '=';
}

/* value = token / quoted-string; with pvalue, also [[local-part] "@"] domain-name. */
static char *
read_value (Cursor *c, gboolean pvalue)
{
  gsize start = c->pos;

  if (peek_is (c, '"'))
    {
      char *q = read_quoted (c);
      if (q == NULL || !pvalue || !peek_is (c, '@'))
        return q;
      /* A quoted local part: "a b"@example.com */
      gsize at = c->pos++;
      while (c->pos < c->len
             && (g_ascii_isalnum (c->s[c->pos]) || c->s[c->pos] == '-'
                 || c->s[c->pos] == '.' || c->s[c->pos] == '_'))
        c->pos++;
      if (c->pos == at + 1)
        {
          g_free (q);
          syntax_error (c, "domain expected after \"@\"");
          return NULL;
        }
      char *joined = g_strdup_printf ("%s%.*s", q, (int)(c->pos - at), c->s + at);
      g_free (q);
      return joined;
    }
  while (c->pos < c->len
         && (is_value_char ((guchar)c->s[c->pos])
             || (pvalue
                 && (c->s[c->pos] == '@' || c->s[c->pos] == ':'
                     || (guchar)c->s[c->pos] >= 0x80))))
    c->pos++;
  if (c->pos == start)
    {
      syntax_error (c, "value expected");
      return NULL;
    }
  return g_strndup (c->s + start, c->pos - start);
}

static gboolean
parse_resinfo (Cursor *c, FctAuthresResult *r, guint max_props)
{
  /* methodspec = [CFWS] method [CFWS] "=" [CFWS] result */
  if (!skip_cfws (c, NULL))
    return FALSE;
  if ((r->method = read_keyword (c)) == NULL)
    return syntax_error (c, "method expected");
  if (!skip_cfws (c, NULL))
    return FALSE;
  if (peek_is (c, '/'))
    {
      c->pos++;
      if (!skip_cfws (c, NULL) || !read_digits (c, &r->method_version)
          || !skip_cfws (c, NULL))
        return FALSE;
    }
  if (!peek_is (c, '='))
    return syntax_error (c, "\"=\" expected after the method");
  c->pos++;
  if (!skip_cfws (c, NULL))
    return FALSE;
  if ((r->result = read_keyword (c)) == NULL)
    return syntax_error (c, "result expected");
  if (!skip_cfws (c, &r->comment))
    return FALSE;

  /* [CFWS reasonspec] [CFWS 1*propspec] */
  while (!at_end (c) && !peek_is (c, ';'))
    {
      g_autofree char *word = read_keyword (c);

      if (word == NULL)
        return syntax_error (c, "property expected");
      if (!skip_cfws (c, NULL))
        return FALSE;
      if (g_str_equal (word, "reason") && peek_is (c, '=') && r->reason == NULL
          && r->properties->len == 0)
        {
          c->pos++;
          if (!skip_cfws (c, NULL) || (r->reason = read_value (c, FALSE)) == NULL
              || !skip_cfws (c, NULL))
            return FALSE;
          continue;
        }
      if (!peek_is (c, '.'))
        return syntax_error (c, "\".\" expected in ptype.property");
      c->pos++;
      if (!skip_cfws (c, NULL))
        return FALSE;
      g_autofree char *property = read_keyword (c);
      if (property == NULL)
        return syntax_error (c, "property name expected");
      if (!skip_cfws (c, NULL))
        return FALSE;
      if (!peek_is (c, '='))
        return syntax_error (c, "\"=\" expected after the property");
      c->pos++;
      if (!skip_cfws (c, NULL))
        return FALSE;
      char *value = read_value (c, TRUE);
      if (value == NULL)
        return FALSE;
      if (r->properties->len >= max_props)
        {
          g_free (value);
          g_set_error (c->error, FCT_AUTHRES_ERROR, FCT_AUTHRES_ERROR_LIMIT,
                       "Authentication-Results: more than %u properties in one result",
                       max_props);
          c->failed = TRUE;
          return FALSE;
        }
      FctAuthresProperty *p = g_new0 (FctAuthresProperty, 1);
      p->ptype = g_steal_pointer (&word);
      p->property = g_steal_pointer (&property);
      p->value = value;
      g_ptr_array_add (r->properties, p);
      if (!skip_cfws (c, NULL))
        return FALSE;
    }
  return TRUE;
}

FctAuthres *
fct_authres_parse (const char *value, gsize len, const FctLimits *limits, GError **error)
{
  Cursor c = { value, len, 0, error, FALSE };
  g_autoptr (FctAuthres) ar = NULL;
  g_autofree char *id = NULL;
  guint max;

  g_return_val_if_fail (value != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (limits == NULL)
    limits = fct_limits_default ();
  max = limits->authres_items_max;

  /* authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
   *                   ( no-result / 1*resinfo ) [CFWS] */
  if (!skip_cfws (&c, NULL))
    return NULL;
  if ((id = read_value (&c, FALSE)) == NULL)
    return NULL;
  ar = g_new0 (FctAuthres, 1);
  ar->authserv_id = g_steal_pointer (&id);
  ar->results = g_ptr_array_new_with_free_func (fct_authres_result_free);
  if (!skip_cfws (&c, NULL))
    return NULL;
  if (!at_end (&c) && g_ascii_isdigit (c.s[c.pos]))
    {
      if (!read_digits (&c, &ar->version) || !skip_cfws (&c, NULL))
        return NULL;
    }
  if (!peek_is (&c, ';'))
    {
      syntax_error (&c, "\";\" expected after the authserv-id");
      return NULL;
    }

  /* no-result = [CFWS] ";" [CFWS] "none" */
  {
    Cursor probe = c;
    probe.error = NULL;
    probe.pos++;
    if (skip_cfws (&probe, NULL))
      {
        g_autofree char *word = read_keyword (&probe);
        if (word != NULL && g_str_equal (word, "none") && skip_cfws (&probe, NULL)
            && at_end (&probe))
          return g_steal_pointer (&ar);
      }
  }

  while (peek_is (&c, ';'))
    {
      FctAuthresResult *r;

      c.pos++;
      if (ar->results->len >= max)
        {
          g_set_error (error, FCT_AUTHRES_ERROR, FCT_AUTHRES_ERROR_LIMIT,
                       "Authentication-Results: more than %u results", max);
          return NULL;
        }
      r = fct_authres_result_new ();
      g_ptr_array_add (ar->results, r);
      if (!parse_resinfo (&c, r, max))
        return NULL;
    }
  if (!at_end (&c))
    {
      syntax_error (&c, "unexpected text");
      return NULL;
    }
  return g_steal_pointer (&ar);
}
