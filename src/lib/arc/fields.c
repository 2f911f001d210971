/* ARC header field parsing (RFC 8617 §4.1): instance tags (§4.2.1), the AAR prefix
 * (§4.1.1), ARC-Message-Signature (§4.1.2) and ARC-Seal (§4.1.3) tag lists, reusing
 * DKIM's tag-list grammar (RFC 6376 §3.2). */
#include "arc-private.h"

G_DEFINE_QUARK (fct - arc - error - quark, fct_arc_error)

const char *
fct_arc_cv_to_string (FctArcCv cv)
{
  switch (cv)
    {
    case FCT_ARC_CV_PASS:
      return "pass";
    case FCT_ARC_CV_FAIL:
      return "fail";
    case FCT_ARC_CV_NONE:
      break;
    }
  return "none";
}

static gboolean
is_fws (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

FctSlice
fct_arc_field_value (FctSlice field)
{
  const guint8 *colon = field.len > 0 ? memchr (field.ptr, ':', field.len) : NULL;
  if (colon == NULL)
    return FCT_SLICE_EMPTY;
  return fct_slice_new (colon + 1, field.len - (gsize)(colon + 1 - field.ptr));
}

FctSlice
fct_arc_field_name (FctSlice field)
{
  const guint8 *colon = field.len > 0 ? memchr (field.ptr, ':', field.len) : NULL;
  return fct_slice_trim_wsp (
      fct_slice_new (field.ptr, colon != NULL ? (gsize)(colon - field.ptr) : 0));
}

gboolean
fct_arc_field_kind_from_name (FctSlice name, FctArcFieldKind *kind)
{
  if (fct_slice_equal_str_nocase (name, "ARC-Seal"))
    *kind = FCT_ARC_FIELD_SEAL;
  else if (fct_slice_equal_str_nocase (name, "ARC-Message-Signature"))
    *kind = FCT_ARC_FIELD_AMS;
  else if (fct_slice_equal_str_nocase (name, "ARC-Authentication-Results"))
    *kind = FCT_ARC_FIELD_AAR;
  else
    return FALSE;
  return TRUE;
}

/* inst-val = 1*2DIGIT (§4.2.1); a few more digits are read so that "i=051" or "i=100"
 * are judged on their value. */
static gboolean
parse_instance (FctSlice s, guint max, guint *out, const char **reason)
{
  guint v = 0;

  if (s.len == 0)
    {
      *reason = N_ ("the instance (i=) is empty");
      return FALSE;
    }
  for (gsize k = 0; k < s.len; k++)
    {
      if (!g_ascii_isdigit (s.ptr[k]) || k >= 6)
        {
          *reason = N_ ("the instance (i=) is not a number");
          return FALSE;
        }
      v = v * 10 + (guint)(s.ptr[k] - '0');
    }
  if (v == 0 || v > max)
    {
      *reason = v == 0 ? N_ ("the instance (i=) is 0; instances start at 1")
                       : N_ ("the instance (i=) is above the limit of ARC sets");
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/* §4.1.1: arc-info = instance [CFWS] ";" authres-payload, instance = "i" [FWS] "="
 * [FWS] inst-val. Comments before the ';' are not accepted: no deployed sealer writes
 * them. Returns the position after the ';'. */
static gboolean
aar_prefix (FctSlice value, guint max, guint *instance, gsize *after, const char **reason)
{
  gsize pos = 0, start;

  while (pos < value.len && is_fws (value.ptr[pos]))
    pos++;
  if (pos >= value.len || value.ptr[pos] != 'i')
    {
      *reason = N_ ("the ARC-Authentication-Results does not start with its instance (i=)");
      return FALSE;
    }
  pos++;
  while (pos < value.len && is_fws (value.ptr[pos]))
    pos++;
  if (pos >= value.len || value.ptr[pos] != '=')
    {
      *reason = N_ ("the ARC-Authentication-Results does not start with its instance (i=)");
      return FALSE;
    }
  pos++;
  while (pos < value.len && is_fws (value.ptr[pos]))
    pos++;
  start = pos;
  while (pos < value.len && g_ascii_isdigit (value.ptr[pos]))
    pos++;
  if (!parse_instance (fct_slice_new (value.ptr + start, pos - start), max, instance,
                       reason))
    return FALSE;
  while (pos < value.len && is_fws (value.ptr[pos]))
    pos++;
  if (pos >= value.len || value.ptr[pos] != ';')
    {
      *reason
          = N_ ("the instance of the ARC-Authentication-Results is not followed by ';'");
      return FALSE;
    }
  *after = pos + 1;
  return TRUE;
}

FctSlice
fct_arc_aar_payload (FctSlice value)
{
  guint instance;
  gsize after = 0;
  const char *reason;

  if (!aar_prefix (value, G_MAXUINT / 10, &instance, &after, &reason))
    return FCT_SLICE_EMPTY;
  FctSlice p = fct_slice_new (value.ptr + after, value.len - after);
  while (p.len > 0 && is_fws (p.ptr[0]))
    {
      p.ptr++;
      p.len--;
    }
  while (p.len > 0 && is_fws (p.ptr[p.len - 1]))
    p.len--;
  return p;
}

gboolean
fct_arc_field_instance (FctArcFieldKind kind, FctSlice value, guint max, guint *instance,
                        const char **reason)
{
  g_return_val_if_fail (instance != NULL && reason != NULL, FALSE);
  *reason = NULL;
  if (kind == FCT_ARC_FIELD_AAR)
    {
      gsize after;
      return aar_prefix (value, max, instance, &after, reason);
    }
  g_autoptr (GArray) tags = g_array_new (FALSE, FALSE, sizeof (FctDkimTag));
  if (!fct_dkim_tags_parse (value, FCT_ARC_TAGS_MAX, tags, reason))
    return FALSE;
  const FctDkimTag *i = fct_dkim_tags_find (tags, "i");
  if (i == NULL)
    {
      *reason = N_ ("the instance tag (i=) is missing");
      return FALSE;
    }
  return parse_instance (i->value, max, instance, reason);
}

/* tag-list = tag-spec *( ";" tag-spec ) [ ";" ] (RFC 6376 §3.2): unlike DKIM's parser,
 * which tolerates them, ARC refuses empty tag-specs (";;", a leading ';') as the ValiMail
 * suite expects (as_format_tags_sc); one trailing ';' is allowed. */
static gboolean
has_empty_tag (FctSlice value)
{
  gboolean after_sep = TRUE; /* the start counts as a separator */

  for (gsize k = 0; k < value.len; k++)
    {
      guint8 c = value.ptr[k];
      if (is_fws (c))
        continue;
      if (c == ';' && after_sep)
        return TRUE;
      after_sep = c == ';';
    }
  return FALSE;
}

void
fct_arc_sig_clear (FctArcSig *sig)
{
  g_clear_pointer (&sig->headers, g_ptr_array_unref);
  g_clear_pointer (&sig->signature, g_bytes_unref);
  g_clear_pointer (&sig->body_hash, g_bytes_unref);
}

/* h= split at colons, FWS around names removed. Empty items are skipped: they name no
 * field, and signers have produced them ("from:to::date"); the ARC suite expects them
 * to verify. Counts before allocating. */
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
      start = i + 1;
      while (name.len > 0 && is_fws (name.ptr[0]))
        {
          name.ptr++;
          name.len--;
        }
      while (name.len > 0 && is_fws (name.ptr[name.len - 1]))
        name.len--;
      if (name.len == 0)
        continue;
      for (gsize k = 0; k < name.len; k++)
        if (name.ptr[k] < 33 || name.ptr[k] > 126)
          {
            *reason = N_ ("h= has an invalid header field name");
            return FALSE;
          }
      /* §4.1.2: ARC-related fields MUST NOT be signed by the AMS. An AMS over the AS
       * would break at the next hop's seal, so that one is refused; AMS and AAR
       * listed in h= are tolerated, as dkimpy and OpenARC do (and the ValiMail suite's
       * own signatures list the AAR). */
      if (fct_slice_equal_str_nocase (name, "ARC-Seal"))
        {
          *reason = N_ ("the ARC-Message-Signature signs an ARC-Seal (h=)");
          return FALSE;
        }
      FctSlice *copy = g_new (FctSlice, 1);
      *copy = name;
      g_ptr_array_add (*out, copy);
    }
  return TRUE;
}

static gboolean
parse_algorithm (FctArcSig *sig, FctSlice a, const char **reason)
{
  sig->algorithm = fct_dkim_algorithm_from_slice (a);
  switch (sig->algorithm)
    {
    case FCT_DKIM_ALGORITHM_RSA_SHA256:
      sig->hash = FCT_DKIM_HASH_SHA256;
      sig->key_type = FCT_DKIM_KEY_TYPE_RSA;
      return TRUE;
    case FCT_DKIM_ALGORITHM_ED25519_SHA256:
      sig->hash = FCT_DKIM_HASH_SHA256;
      sig->key_type = FCT_DKIM_KEY_TYPE_ED25519;
      return TRUE;
    case FCT_DKIM_ALGORITHM_RSA_SHA1:
      /* RFC 8301 §3.1 forbids rsa-sha1 to signers; ARC, newer, never allowed it. */
      *reason = N_ ("rsa-sha1 is not allowed in ARC (a=)");
      return FALSE;
    case FCT_DKIM_ALGORITHM_UNKNOWN:
      break;
    }
  *reason = N_ ("unknown algorithm (a=)");
  return FALSE;
}

gboolean
fct_arc_sig_parse (FctArcFieldKind kind, FctSlice field, const FctLimits *limits,
                   FctArcSig *sig, const char **reason)
{
  g_autoptr (GArray) tags = g_array_new (FALSE, FALSE, sizeof (FctDkimTag));
  static const char *const ams_required[] = { "a", "b", "bh", "d", "h", "i", "s" };
  static const char *const as_required[] = { "a", "b", "cv", "d", "i", "s" };
  const char *const *required = kind == FCT_ARC_FIELD_SEAL ? as_required : ams_required;
  gsize n_required = kind == FCT_ARC_FIELD_SEAL ? G_N_ELEMENTS (as_required)
                                                : G_N_ELEMENTS (ams_required);
  const FctDkimTag *t;
  guint64 n;

  g_return_val_if_fail (kind != FCT_ARC_FIELD_AAR, FALSE);
  *sig = (FctArcSig){ .kind = kind, .field = field, .expiration = -1 };
  *reason = NULL;
  if (limits == NULL)
    limits = fct_limits_default ();
  if (!fct_dkim_tags_parse (fct_arc_field_value (field), FCT_ARC_TAGS_MAX, tags, reason))
    return FALSE;
  if (has_empty_tag (fct_arc_field_value (field)))
    {
      *reason = N_ ("malformed tag list: an empty tag between semicolons");
      return FALSE;
    }
  if ((t = fct_dkim_tags_find (tags, "d")) != NULL)
    sig->domain = t->value;
  if ((t = fct_dkim_tags_find (tags, "s")) != NULL)
    sig->selector = t->value;
  for (gsize k = 0; k < n_required; k++)
    if (fct_dkim_tags_find (tags, required[k]) == NULL)
      {
        *reason = kind == FCT_ARC_FIELD_SEAL
                      ? N_ ("the ARC-Seal lacks a required tag (a, b, cv, d, i or s)")
                      : N_ ("the ARC-Message-Signature lacks a required tag "
                            "(a, b, bh, d, h, i or s)");
        return FALSE;
      }
  if (!parse_instance (fct_dkim_tags_find (tags, "i")->value, limits->arc_instances_max,
                       &sig->instance, reason))
    return FALSE;
  if (!parse_algorithm (sig, fct_dkim_tags_find (tags, "a")->value, reason))
    return FALSE;
  if (!fct_dkim_domain_is_valid (sig->domain))
    {
      *reason = N_ ("invalid domain (d=)");
      return FALSE;
    }
  if (!fct_dkim_domain_is_valid (sig->selector))
    {
      *reason = N_ ("invalid selector (s=)");
      return FALSE;
    }
  if ((t = fct_dkim_tags_find (tags, "t")) != NULL
      && !fct_dkim_decimal_parse (t->value, 12, &n))
    {
      *reason = N_ ("invalid timestamp (t=)");
      return FALSE;
    }
  t = fct_dkim_tags_find (tags, "b");
  sig->b_span = t->span;
  sig->signature = fct_dkim_base64_decode (t->value, FCT_ARC_SIGNATURE_BYTES_MAX);
  if (sig->signature == NULL || g_bytes_get_size (sig->signature) == 0)
    {
      *reason = N_ ("malformed signature value (b= is empty or not base64)");
      return FALSE;
    }

  if (kind == FCT_ARC_FIELD_SEAL)
    {
      /* §4.1.3: "the DKIM h tag is NOT allowed and if found, MUST result in a cv status
       * of fail". */
      if (fct_dkim_tags_find (tags, "h") != NULL)
        {
          *reason = N_ ("the ARC-Seal has an h= tag, which RFC 8617 forbids");
          return FALSE;
        }
      t = fct_dkim_tags_find (tags, "cv");
      if (fct_slice_equal (t->value, fct_slice_from_str ("none")))
        sig->cv = FCT_ARC_CV_NONE;
      else if (fct_slice_equal (t->value, fct_slice_from_str ("pass")))
        sig->cv = FCT_ARC_CV_PASS;
      else if (fct_slice_equal (t->value, fct_slice_from_str ("fail")))
        sig->cv = FCT_ARC_CV_FAIL;
      else
        {
          *reason = N_ ("invalid chain validation status (cv= is not none, pass or fail)");
          return FALSE;
        }
      return TRUE;
    }

  /* AMS: DKIM-Signature semantics (§4.1.2); v= is ignored if present. Without c= the
   * AMS is read as relaxed/relaxed, not DKIM's simple/simple: the ValiMail suite
   * (ams_fields_c_na) and dkimpy do so, and ARC sealers all write relaxed. */
  sig->header_canon = sig->body_canon = FCT_DKIM_CANON_RELAXED;
  if ((t = fct_dkim_tags_find (tags, "c")) != NULL
      && !fct_dkim_canon_parse (t->value, &sig->header_canon, &sig->body_canon))
    {
      *reason = N_ ("unknown canonicalization (c=)");
      return FALSE;
    }
  if ((t = fct_dkim_tags_find (tags, "l")) != NULL)
    {
      if (!fct_dkim_decimal_parse (t->value, 76, &sig->length))
        {
          *reason = N_ ("invalid body length (l=)");
          return FALSE;
        }
      sig->has_length = TRUE;
    }
  if ((t = fct_dkim_tags_find (tags, "x")) != NULL)
    {
      if (!fct_dkim_decimal_parse (t->value, 12, &n))
        {
          *reason = N_ ("invalid expiration (x=)");
          return FALSE;
        }
      sig->expiration = (gint64)n;
    }
  if (!parse_header_list (fct_dkim_tags_find (tags, "h")->value,
                          limits->dkim_header_items_max, &sig->headers, reason))
    return FALSE;
  sig->body_hash = fct_dkim_base64_decode (fct_dkim_tags_find (tags, "bh")->value, 64);
  if (sig->body_hash == NULL || g_bytes_get_size (sig->body_hash) == 0)
    {
      *reason = N_ ("malformed body hash (bh= is empty or not base64)");
      return FALSE;
    }
  return TRUE;
}

gboolean
fct_arc_field_check (FctArcFieldKind kind, FctSlice value, const FctLimits *limits,
                     const char **reason)
{
  g_return_val_if_fail (reason != NULL, FALSE);
  if (kind == FCT_ARC_FIELD_AAR)
    {
      guint instance;
      return fct_arc_field_instance (
          kind, value, (limits != NULL ? limits : fct_limits_default ())->arc_instances_max,
          &instance, reason);
    }
  /* The parser wants a whole field; give it a name-less one (":" + value). */
  g_autoptr (GByteArray) field = g_byte_array_sized_new ((guint)value.len + 1);
  g_byte_array_append (field, (const guint8 *)":", 1);
  g_byte_array_append (field, value.ptr, (guint)value.len);
  FctArcSig sig;
  gboolean ok = fct_arc_sig_parse (kind, fct_slice_new (field->data, field->len), limits,
                                   &sig, reason);
  fct_arc_sig_clear (&sig);
  return ok;
}

void
fct_arc_canon_without_b (GByteArray *out, FctDkimCanon canon, FctSlice field,
                         FctSlice b_span)
{
  g_autoptr (GByteArray) copy = g_byte_array_sized_new ((guint)field.len);
  gsize before = (gsize)(b_span.ptr - field.ptr);

  g_assert (b_span.ptr >= field.ptr && before + b_span.len <= field.len);
  g_byte_array_append (copy, field.ptr, (guint)before);
  g_byte_array_append (copy, b_span.ptr + b_span.len,
                       (guint)(field.len - before - b_span.len));
  fct_dkim_canon_header (out, canon, fct_slice_new (copy->data, copy->len), FALSE);
}
