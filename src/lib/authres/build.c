/* facteur — building and writing Authentication-Results values (RFC 8601 §2.2, §2.7;
 * header.b per RFC 6008 §4; policy.dmarc per RFC 9989 §9.1; smtp.remote-ip per RFC 8617
 * §10.1). */
#include "authres-private.h"

#include <string.h>

G_DEFINE_QUARK (fct - authres - error - quark, fct_authres_error)

gboolean
fct_authres_is_token_char (guchar c)
{
  /* RFC 2045 §5.1: any CHAR except SPACE, CTLs and tspecials. */
  return c > 0x20 && c < 0x7f && strchr ("()<>@,;:\\\"/[]?=", c) == NULL;
}

gboolean
fct_authres_is_keyword (const char *s, gsize len)
{
  if (len == 0 || !g_ascii_isalnum (s[0]) || !g_ascii_isalnum (s[len - 1]))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-')
      return FALSE;
  return TRUE;
}

void
fct_authres_property_free (gpointer property)
{
  FctAuthresProperty *p = property;
  if (p == NULL)
    return;
  g_free (p->ptype);
  g_free (p->property);
  g_free (p->value);
  g_free (p);
}

FctAuthresResult *
fct_authres_result_new (void)
{
  FctAuthresResult *r = g_new0 (FctAuthresResult, 1);
  r->properties = g_ptr_array_new_with_free_func (fct_authres_property_free);
  return r;
}

void
fct_authres_result_free (gpointer result)
{
  FctAuthresResult *r = result;
  if (r == NULL)
    return;
  g_free (r->method);
  g_free (r->result);
  g_free (r->comment);
  g_free (r->reason);
  g_ptr_array_unref (r->properties);
  g_free (r);
}

FctAuthres *
fct_authres_new (const char *authserv_id)
{
  FctAuthres *ar;

  g_return_val_if_fail (authserv_id != NULL && *authserv_id != '\0', NULL);
  ar = g_new0 (FctAuthres, 1);
  ar->authserv_id = g_strdup (authserv_id);
  ar->results = g_ptr_array_new_with_free_func (fct_authres_result_free);
  return ar;
}

void
fct_authres_free (FctAuthres *authres)
{
  if (authres == NULL)
    return;
  g_free (authres->authserv_id);
  g_ptr_array_unref (authres->results);
  g_free (authres);
}

FctAuthresResult *
fct_authres_add (FctAuthres *authres, const char *method, const char *result)
{
  FctAuthresResult *r;

  g_return_val_if_fail (authres != NULL, NULL);
  g_return_val_if_fail (method != NULL && fct_authres_is_keyword (method, strlen (method)),
                        NULL);
  g_return_val_if_fail (result != NULL && fct_authres_is_keyword (result, strlen (result)),
                        NULL);
  r = fct_authres_result_new ();
  r->method = g_ascii_strdown (method, -1);
  r->result = g_ascii_strdown (result, -1);
  g_ptr_array_add (authres->results, r);
  return r;
}

void
fct_authres_result_set_comment (FctAuthresResult *result, const char *comment)
{
  g_return_if_fail (result != NULL);
  g_free (result->comment);
  result->comment = g_strdup (comment);
}

void
fct_authres_result_set_reason (FctAuthresResult *result, const char *reason)
{
  g_return_if_fail (result != NULL);
  g_free (result->reason);
  result->reason = g_strdup (reason);
}

void
fct_authres_result_add_property (FctAuthresResult *result, const char *ptype,
                                 const char *property, const char *value)
{
  FctAuthresProperty *p;

  g_return_if_fail (result != NULL);
  g_return_if_fail (ptype != NULL && fct_authres_is_keyword (ptype, strlen (ptype)));
  g_return_if_fail (property != NULL
                    && fct_authres_is_keyword (property, strlen (property)));
  g_return_if_fail (value != NULL);
  p = g_new0 (FctAuthresProperty, 1);
  p->ptype = g_ascii_strdown (ptype, -1);
  p->property = g_ascii_strdown (property, -1);
  p->value = g_strdup (value);
  g_ptr_array_add (result->properties, p);
}

const char *
fct_authres_result_get_property (const FctAuthresResult *result, const char *ptype,
                                 const char *property)
{
  g_return_val_if_fail (result != NULL && ptype != NULL && property != NULL, NULL);
  for (guint i = 0; i < result->properties->len; i++)
    {
      const FctAuthresProperty *p = g_ptr_array_index (result->properties, i);
      if (g_ascii_strcasecmp (p->ptype, ptype) == 0
          && g_ascii_strcasecmp (p->property, property) == 0)
        return p->value;
    }
  return NULL;
}

FctAuthresResult *
fct_authres_add_spf (FctAuthres *authres, const char *result, const char *mail_from,
                     const char *helo)
{
  FctAuthresResult *r = fct_authres_add (authres, "spf", result);

  g_return_val_if_fail (r != NULL, NULL);
  if (mail_from != NULL && *mail_from != '\0' && g_strcmp0 (mail_from, "<>") != 0)
    fct_authres_result_add_property (r, "smtp", "mailfrom", mail_from);
  if (helo != NULL && *helo != '\0')
    fct_authres_result_add_property (r, "smtp", "helo", helo);
  return r;
}

FctAuthresResult *
fct_authres_add_dkim (FctAuthres *authres, const char *result, const char *d, const char *s,
                      const char *b)
{
  FctAuthresResult *r = fct_authres_add (authres, "dkim", result);

  g_return_val_if_fail (r != NULL, NULL);
  if (d != NULL)
    fct_authres_result_add_property (r, "header", "d", d);
  if (s != NULL)
    fct_authres_result_add_property (r, "header", "s", s);
  if (b != NULL)
    {
      /* b= may be folded: FWS is not part of the signature (RFC 6376 §3.5). */
      GString *clean = g_string_new (NULL);
      for (const char *q = b; *q != '\0'; q++)
        if (!g_ascii_isspace (*q))
          g_string_append_c (clean, *q);
      fct_authres_result_add_property (r, "header", "b", clean->str);
      g_string_free (clean, TRUE);
    }
  return r;
}

FctAuthresResult *
fct_authres_add_dmarc (FctAuthres *authres, const char *result, const char *header_from,
                       const char *policy, const char *disposition)
{
  FctAuthresResult *r = fct_authres_add (authres, "dmarc", result);

  g_return_val_if_fail (r != NULL, NULL);
  if (policy != NULL || disposition != NULL)
    {
      g_autofree char *comment = g_strdup_printf (
          "%s%s%s%s%s", policy != NULL ? "p=" : "", policy != NULL ? policy : "",
          policy != NULL && disposition != NULL ? " " : "",
          disposition != NULL ? "dis=" : "", disposition != NULL ? disposition : "");
      fct_authres_result_set_comment (r, comment);
    }
  if (header_from != NULL)
    fct_authres_result_add_property (r, "header", "from", header_from);
  if (disposition != NULL)
    fct_authres_result_add_property (r, "policy", "dmarc", disposition);
  return r;
}

FctAuthresResult *
fct_authres_add_arc (FctAuthres *authres, const char *result, const char *remote_ip)
{
  FctAuthresResult *r = fct_authres_add (authres, "arc", result);

  g_return_val_if_fail (r != NULL, NULL);
  if (remote_ip != NULL)
    fct_authres_result_add_property (r, "smtp", "remote-ip", remote_ip);
  return r;
}

/* ---------------------------------------------------------------- writing */

static gboolean
is_token (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!fct_authres_is_token_char ((guchar)*s))
      return FALSE;
  return TRUE;
}

/* [local-part] "@" domain-name with a dot-atom local part (RFC 8601 §2.2 pvalue),
 * written bare only when its local part is also made of token characters: "?", "/" and
 * "=" are atext but tspecials, and a reader splitting on tspecials would stop there. */
static gboolean
is_address (const char *s)
{
  const char *at = strrchr (s, '@');

  if (at == NULL || at[1] == '\0')
    return FALSE;
  for (const char *q = s; q < at; q++)
    if (!g_ascii_isalnum (*q) && strchr ("!#$%&'*+-^_`{|}~.", *q) == NULL)
      return FALSE;
  if (at > s && (s[0] == '.' || at[-1] == '.' || strstr (s, "..") != NULL))
    return FALSE;
  for (const char *q = at + 1; *q != '\0'; q++)
    if (!g_ascii_isalnum (*q) && *q != '-' && *q != '.' && *q != '_')
      return FALSE;
  return at[1] != '.';
}

static void
append_value (GString *out, const char *value, gboolean pvalue)
{
  if (is_token (value) || (pvalue && is_address (value)))
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *q = value; *q != '\0'; q++)
    {
      guchar c = (guchar)*q;
      if (c == '"' || c == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c);
    }
  g_string_append_c (out, '"');
}

static void
append_comment (GString *out, const char *comment)
{
  g_string_append_c (out, '(');
  for (const char *q = comment; *q != '\0'; q++)
    {
      guchar c = (guchar)*q;
      if (c == '(' || c == ')' || c == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c);
    }
  g_string_append_c (out, ')');
}

/* RFC 6008 §4: at least 8 characters of b=, more when needed to tell two signatures
 * apart. */
static gsize
header_b_length (const FctAuthres *ar, const char *b)
{
  gsize len = MIN (strlen (b), 8);

  for (guint i = 0; i < ar->results->len; i++)
    {
      const FctAuthresResult *r = g_ptr_array_index (ar->results, i);
      const char *other = fct_authres_result_get_property (r, "header", "b");
      gsize common = 0;

      if (other == NULL || other == b || strcmp (other, b) == 0)
        continue;
      while (b[common] != '\0' && b[common] == other[common])
        common++;
      if (b[common] != '\0')
        len = MAX (len, common + 1);
    }
  return len;
}

char *
fct_authres_to_string (const FctAuthres *authres, gboolean fold)
{
  GString *out;

  g_return_val_if_fail (authres != NULL, NULL);
  out = g_string_new (NULL);
  append_value (out, authres->authserv_id, FALSE);
  if (authres->version > 0)
    g_string_append_printf (out, " %u", authres->version);
  if (authres->results->len == 0)
    g_string_append (out, "; none");
  for (guint i = 0; i < authres->results->len; i++)
    {
      const FctAuthresResult *r = g_ptr_array_index (authres->results, i);

      g_string_append (out, fold ? ";\r\n\t" : "; ");
      g_string_append (out, r->method);
      if (r->method_version > 0)
        g_string_append_printf (out, "/%u", r->method_version);
      g_string_append_c (out, '=');
      g_string_append (out, r->result);
      if (r->comment != NULL)
        {
          g_string_append_c (out, ' ');
          append_comment (out, r->comment);
        }
      if (r->reason != NULL)
        {
          g_string_append (out, " reason=");
          append_value (out, r->reason, FALSE);
        }
      for (guint j = 0; j < r->properties->len; j++)
        {
          const FctAuthresProperty *p = g_ptr_array_index (r->properties, j);

          g_string_append_printf (out, " %s.%s=", p->ptype, p->property);
          if (g_str_equal (p->ptype, "header") && g_str_equal (p->property, "b"))
            {
              g_autofree char *shortened
                  = g_strndup (p->value, header_b_length (authres, p->value));
              append_value (out, shortened, TRUE);
            }
          else
            append_value (out, p->value, TRUE);
        }
    }
  return g_string_free (out, FALSE);
}
