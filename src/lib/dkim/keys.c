/* DKIM key records (RFC 6376 §3.6.1, service and flag tags; RFC 8463 §4 k=ed25519) and
 * the TXT presentation of a record to publish (RFC 1035 §3.3.14, 255-byte strings). */
#include "dkim-private.h"

/* TRUE if the colon-separated list holds item (case-insensitive, FWS ignored). */
static gboolean
list_contains (FctSlice list, const char *item)
{
  gsize start = 0;

  for (gsize i = 0; i <= list.len; i++)
    {
      if (i < list.len && list.ptr[i] != ':')
        continue;
      FctSlice it = fct_slice_new (list.ptr + start, i - start);
      /* FWS around items: WSP plus folding line breaks. */
      while (it.len > 0 && g_ascii_isspace (it.ptr[0]))
        {
          it.ptr++;
          it.len--;
        }
      while (it.len > 0 && g_ascii_isspace (it.ptr[it.len - 1]))
        it.len--;
      if (fct_slice_equal_str_nocase (it, item))
        return TRUE;
      start = i + 1;
    }
  return FALSE;
}

gboolean
fct_dkim_key_record_parse (FctSlice text, FctDkimKeyRecord *record, const char **reason)
{
  g_autoptr (GArray) tags = g_array_new (FALSE, FALSE, sizeof (FctDkimTag));
  const FctDkimTag *tag;

  g_return_val_if_fail (record != NULL && reason != NULL, FALSE);
  *record = (FctDkimKeyRecord){
    .key_type = FCT_DKIM_KEY_TYPE_RSA, .sha1_ok = TRUE, .sha256_ok = TRUE, .email_ok = TRUE
  };
  *reason = NULL;
  if (!fct_dkim_tags_parse (text, FCT_DKIM_KEY_RECORD_TAGS_MAX, tags, reason))
    return FALSE;

  /* v= is optional, but when present it MUST be first and be "DKIM1". */
  tag = fct_dkim_tags_find (tags, "v");
  if (tag != NULL
      && (tag != &g_array_index (tags, FctDkimTag, 0)
          || !fct_slice_equal (tag->value, fct_slice_from_str ("DKIM1"))))
    {
      *reason = N_ ("key record has an invalid v= tag (must be first and be DKIM1)");
      return FALSE;
    }
  tag = fct_dkim_tags_find (tags, "k");
  if (tag != NULL)
    {
      if (fct_slice_equal_str_nocase (tag->value, "rsa"))
        record->key_type = FCT_DKIM_KEY_TYPE_RSA;
      else if (fct_slice_equal_str_nocase (tag->value, "ed25519"))
        record->key_type = FCT_DKIM_KEY_TYPE_ED25519;
      else
        {
          *reason = N_ ("key record names an unknown key type (k=)");
          return FALSE;
        }
    }
  tag = fct_dkim_tags_find (tags, "h");
  if (tag != NULL)
    {
      record->sha1_ok = list_contains (tag->value, "sha1");
      record->sha256_ok = list_contains (tag->value, "sha256");
    }
  /* s=: "*" or "email" for mail; "tlsrpt" (RFC 8460 §3) alone is not for email. */
  tag = fct_dkim_tags_find (tags, "s");
  if (tag != NULL)
    record->email_ok
        = list_contains (tag->value, "*") || list_contains (tag->value, "email");
  tag = fct_dkim_tags_find (tags, "t");
  if (tag != NULL)
    {
      record->testing = list_contains (tag->value, "y");
      record->strict = list_contains (tag->value, "s");
    }
  tag = fct_dkim_tags_find (tags, "p");
  if (tag == NULL)
    {
      *reason = N_ ("key record has no p= tag");
      return FALSE;
    }
  record->public_key = tag->value;
  record->revoked = tag->value.len == 0;
  return TRUE;
}

char *
fct_dkim_txt_split (const char *text)
{
  GString *out = g_string_new (NULL);
  gsize len = strlen (text);

  for (gsize start = 0; start < len || start == 0; start += 255)
    {
      gsize n = MIN (len - start, 255);
      if (start > 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, '"');
      for (gsize i = 0; i < n; i++)
        {
          char c = text[start + i];
          if (c == '"' || c == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      g_string_append_c (out, '"');
      if (len == 0)
        break;
    }
  return g_string_free (out, FALSE);
}
