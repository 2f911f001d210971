/* DKIM-Signature field parsing (RFC 6376 §3.5): required and optional tags, their
 * syntax, h= (bounded by FctLimits.dkim_header_items_max, From required per §5.4) and
 * the i=-within-d= rule (§3.5 i=). */
#include "dkim-private.h"

#include <idn2.h>

FctDkimAlgorithm
fct_dkim_algorithm_from_slice (FctSlice s)
{
  if (fct_slice_equal_str_nocase (s, "rsa-sha256"))
    return FCT_DKIM_ALGORITHM_RSA_SHA256;
  if (fct_slice_equal_str_nocase (s, "ed25519-sha256"))
    return FCT_DKIM_ALGORITHM_ED25519_SHA256;
  if (fct_slice_equal_str_nocase (s, "rsa-sha1"))
    return FCT_DKIM_ALGORITHM_RSA_SHA1;
  return FCT_DKIM_ALGORITHM_UNKNOWN;
}

const char *
fct_dkim_algorithm_to_string (FctDkimAlgorithm algorithm)
{
  switch (algorithm)
    {
    case FCT_DKIM_ALGORITHM_RSA_SHA1:
      return "rsa-sha1";
    case FCT_DKIM_ALGORITHM_RSA_SHA256:
      return "rsa-sha256";
    case FCT_DKIM_ALGORITHM_ED25519_SHA256:
      return "ed25519-sha256";
    case FCT_DKIM_ALGORITHM_UNKNOWN:
      break;
    }
  return NULL;
}

static gboolean
has_non_ascii (FctSlice s)
{
  for (gsize i = 0; i < s.len; i++)
    if (s.ptr[i] >= 0x80)
      return TRUE;
  return FALSE;
}

/* RFC 8616 §4: a U-label d= or s= is looked up, and compared, as its A-labels (IDNA2008
 * through libidn2, as the author domain is). NULL if it has no A-label form. */
static char *
to_a_labels (FctSlice s)
{
  g_autofree char *u = fct_slice_dup (s);
  char *out = NULL;
  char *copy;

  if (idn2_lookup_u8 ((const uint8_t *)u, (uint8_t **)&out,
                      IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)
      != IDN2_OK)
    return NULL;
  copy = g_ascii_strdown (out, -1);
  idn2_free (out);
  return copy;
}

/* The domain part of i=: after the last '@'. i= may be quoted-printable (§2.11), but
 * a domain is plain: an '=' there means an encoded byte, which no domain needs. */
static FctSlice
identity_domain (FctSlice i)
{
  for (gsize k = i.len; k-- > 0;)
    if (i.ptr[k] == '@')
      return fct_slice_new (i.ptr + k + 1, i.len - k - 1);
  return FCT_SLICE_EMPTY;
}

static gboolean
domain_within (FctSlice sub, FctSlice parent)
{
  if (fct_slice_equal_ascii_nocase (sub, parent))
    return TRUE;
  if (sub.len <= parent.len + 1)
    return FALSE;
  FctSlice tail = fct_slice_new (sub.ptr + sub.len - parent.len, parent.len);
  return sub.ptr[sub.len - parent.len - 1] == '.'
         && fct_slice_equal_ascii_nocase (tail, parent);
}

void
fct_dkim_signature_clear (FctDkimSignature *sig)
{
  g_clear_pointer (&sig->domain_alabel, g_free);
  g_clear_pointer (&sig->selector_alabel, g_free);
  g_clear_pointer (&sig->headers, g_ptr_array_unref);
  g_clear_pointer (&sig->signature, g_bytes_unref);
  g_clear_pointer (&sig->body_hash, g_bytes_unref);
}

/* Splits h= at colons; FWS around names removed. Counts before allocating. */
static gboolean
parse_header_list (FctSlice h, guint max_items, GPtrArray **out, const char **reason)
{
  guint count = 1;

  for (gsize i = 0; i < h.len; i++)
    if (h.ptr[i] == ':' && ++count > max_items)
      {
        *reason = N_ ("h= lists more header fields than allowed");
        return FALSE;
      }
  *out = g_ptr_array_new_full (count, g_free);
  gsize start = 0;
  for (gsize i = 0; i <= h.len; i++)
    {
      if (i < h.len && h.ptr[i] != ':')
        continue;
      FctSlice name = fct_slice_new (h.ptr + start, i - start);
      while (name.len > 0 && g_ascii_isspace (name.ptr[0]))
        {
          name.ptr++;
          name.len--;
        }
      while (name.len > 0 && g_ascii_isspace (name.ptr[name.len - 1]))
        name.len--;
      /* A field name is printable ASCII except ':' (RFC 5322 §3.6.8). */
      if (name.len == 0)
        {
          *reason = N_ ("h= has an empty header field name");
          return FALSE;
        }
      for (gsize k = 0; k < name.len; k++)
        if (name.ptr[k] < 33 || name.ptr[k] > 126)
          {
            *reason = N_ ("h= has an invalid header field name");
            return FALSE;
          }
      FctSlice *copy = g_new (FctSlice, 1);
      *copy = name;
      g_ptr_array_add (*out, copy);
      start = i + 1;
    }
  return TRUE;
}

gboolean
fct_dkim_signature_parse (FctSlice field, const FctLimits *limits, FctDkimSignature *sig,
                          const char **reason)
{
  g_autoptr (GArray) tags = g_array_new (FALSE, FALSE, sizeof (FctDkimTag));
  const FctDkimTag *t;
  static const char *const required[] = { "v", "a", "b", "bh", "d", "h", "s" };
  guint64 n;

  *sig = (FctDkimSignature){ .field = field, .timestamp = -1, .expiration = -1 };
  *reason = NULL;
  /* A field in UTF-8 (RFC 6532) may carry U-labels (RFC 8616 §4); other 8-bit bytes
   * stay invalid. */
  FctSlice value = fct_dkim_field_value (field);
  gboolean utf8 = has_non_ascii (value)
                  && g_utf8_validate ((const char *)value.ptr, (gssize)value.len, NULL);
  if (!(utf8 ? fct_dkim_tags_parse_utf8 (value, FCT_DKIM_SIGNATURE_TAGS_MAX, tags, reason)
             : fct_dkim_tags_parse (value, FCT_DKIM_SIGNATURE_TAGS_MAX, tags, reason)))
    return FALSE;

  /* Fill what identifies the signature first, so that a report can name it even when
   * a later check fails. */
  if ((t = fct_dkim_tags_find (tags, "d")) != NULL)
    sig->domain = t->value;
  if ((t = fct_dkim_tags_find (tags, "s")) != NULL)
    sig->selector = t->value;
  if ((t = fct_dkim_tags_find (tags, "a")) != NULL)
    sig->algorithm = t->value;
  if ((t = fct_dkim_tags_find (tags, "b")) != NULL)
    {
      sig->b_span = t->span;
      sig->b_text = t->value;
    }
  if ((t = fct_dkim_tags_find (tags, "i")) != NULL)
    sig->identity = t->value;

  for (gsize k = 0; k < G_N_ELEMENTS (required); k++)
    if (fct_dkim_tags_find (tags, required[k]) == NULL)
      {
        *reason = N_ ("signature lacks a required tag (v, a, b, bh, d, h or s)");
        return FALSE;
      }
  if (!fct_slice_equal (fct_dkim_tags_find (tags, "v")->value, fct_slice_from_str ("1")))
    {
      *reason = N_ ("signature has an unsupported version (v= is not 1)");
      return FALSE;
    }
  sig->algorithm_id = fct_dkim_algorithm_from_slice (sig->algorithm);
  switch (sig->algorithm_id)
    {
    case FCT_DKIM_ALGORITHM_RSA_SHA1:
      sig->hash = FCT_DKIM_HASH_SHA1;
      sig->key_type = FCT_DKIM_KEY_TYPE_RSA;
      break;
    case FCT_DKIM_ALGORITHM_RSA_SHA256:
      sig->hash = FCT_DKIM_HASH_SHA256;
      sig->key_type = FCT_DKIM_KEY_TYPE_RSA;
      break;
    case FCT_DKIM_ALGORITHM_ED25519_SHA256:
      sig->hash = FCT_DKIM_HASH_SHA256;
      sig->key_type = FCT_DKIM_KEY_TYPE_ED25519;
      break;
    case FCT_DKIM_ALGORITHM_UNKNOWN:
      *reason = N_ ("signature uses an unknown algorithm (a=)");
      return FALSE;
    }
  if (has_non_ascii (sig->domain))
    {
      sig->domain_alabel = to_a_labels (sig->domain);
      sig->domain = sig->domain_alabel != NULL ? fct_slice_from_str (sig->domain_alabel)
                                               : FCT_SLICE_EMPTY;
    }
  if (has_non_ascii (sig->selector))
    {
      sig->selector_alabel = to_a_labels (sig->selector);
      sig->selector = sig->selector_alabel != NULL
                          ? fct_slice_from_str (sig->selector_alabel)
                          : FCT_SLICE_EMPTY;
    }
  if (!fct_dkim_domain_is_valid (sig->domain))
    {
      *reason = N_ ("signature has an invalid domain (d=)");
      return FALSE;
    }
  if (!fct_dkim_domain_is_valid (sig->selector))
    {
      *reason = N_ ("signature has an invalid selector (s=)");
      return FALSE;
    }
  t = fct_dkim_tags_find (tags, "c");
  if (t != NULL && !fct_dkim_canon_parse (t->value, &sig->header_canon, &sig->body_canon))
    {
      *reason = N_ ("signature has an unknown canonicalization (c=)");
      return FALSE;
    }
  /* q=: a colon-separated list of methods; "dns/txt" is the only one defined. */
  t = fct_dkim_tags_find (tags, "q");
  if (t != NULL)
    {
      gboolean found = FALSE;
      gsize start = 0;
      for (gsize k = 0; k <= t->value.len && !found; k++)
        if (k == t->value.len || t->value.ptr[k] == ':')
          {
            FctSlice m
                = fct_slice_trim_wsp (fct_slice_new (t->value.ptr + start, k - start));
            found = fct_slice_equal_str_nocase (m, "dns/txt");
            start = k + 1;
          }
      if (!found)
        {
          *reason = N_ ("signature names no supported key query method (q=)");
          return FALSE;
        }
    }
  if (sig->identity.len > 0)
    {
      FctSlice idom = identity_domain (sig->identity);
      g_autofree char *idom_alabel = has_non_ascii (idom) ? to_a_labels (idom) : NULL;
      if (idom_alabel != NULL)
        idom = fct_slice_from_str (idom_alabel);
      if (idom.len == 0 || !domain_within (idom, sig->domain))
        {
          *reason = N_ ("signature identity (i=) is not within its domain (d=)");
          return FALSE;
        }
    }
  else if (fct_dkim_tags_find (tags, "i") != NULL)
    {
      *reason = N_ ("signature has an empty identity (i=)");
      return FALSE;
    }
  if ((t = fct_dkim_tags_find (tags, "l")) != NULL)
    {
      if (!fct_dkim_decimal_parse (t->value, 76, &sig->length))
        {
          *reason = N_ ("signature has an invalid body length (l=)");
          return FALSE;
        }
      sig->has_length = TRUE;
    }
  if ((t = fct_dkim_tags_find (tags, "t")) != NULL)
    {
      if (!fct_dkim_decimal_parse (t->value, 12, &n))
        {
          *reason = N_ ("signature has an invalid timestamp (t=)");
          return FALSE;
        }
      sig->timestamp = (gint64)n;
    }
  if ((t = fct_dkim_tags_find (tags, "x")) != NULL)
    {
      if (!fct_dkim_decimal_parse (t->value, 12, &n))
        {
          *reason = N_ ("signature has an invalid expiration (x=)");
          return FALSE;
        }
      sig->expiration = (gint64)n;
      /* §3.5 x=: "MUST be greater than the value of the t= tag if both are present". */
      if (sig->timestamp >= 0 && sig->expiration <= sig->timestamp)
        {
          *reason = N_ ("signature expires (x=) before it was made (t=)");
          return FALSE;
        }
    }
  if (!parse_header_list (fct_dkim_tags_find (tags, "h")->value,
                          limits->dkim_header_items_max, &sig->headers, reason))
    return FALSE;
  gboolean has_from = FALSE;
  for (guint k = 0; k < sig->headers->len && !has_from; k++)
    has_from = fct_slice_equal_str_nocase (*(FctSlice *)g_ptr_array_index (sig->headers, k),
                                           "from");
  if (!has_from)
    {
      *reason = N_ ("signature does not cover the From field (§5.4)");
      return FALSE;
    }
  sig->body_hash = fct_dkim_base64_decode (fct_dkim_tags_find (tags, "bh")->value, 64);
  if (sig->body_hash == NULL)
    {
      *reason = N_ ("signature has a malformed body hash (bh= is not base64)");
      return FALSE;
    }
  sig->signature = fct_dkim_base64_decode (sig->b_text, FCT_DKIM_SIGNATURE_BYTES_MAX);
  if (sig->signature == NULL || g_bytes_get_size (sig->signature) == 0)
    {
      *reason = N_ ("signature has a malformed signature value (b= is not base64)");
      return FALSE;
    }
  return TRUE;
}
