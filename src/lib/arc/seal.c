/* ARC sealing (RFC 8617 §5.1): instance and cv=, the AAR combining the ADMD's results
 * (§4.1.1), the AMS (§4.1.2), the AS over the chain (§5.1.1) or the new set alone after a
 * failure (§5.1.2); tags in the ValiMail suite's standard (alphabetical) order. */
#include "arc-private.h"

#include <facteur/authres.h>

/* Fold before this column (RFC 5322 §2.1.1 recommends lines of at most 78). */
#define FOLD_WIDTH 76

void
fct_arc_seal_result_free (FctArcSealResult *result)
{
  if (result == NULL)
    return;
  g_free (result->reason);
  g_free (result->seal);
  g_free (result->message_signature);
  g_free (result->authentication_results);
  g_free (result);
}

/* Skips a comment starting at pos (which is '('), nested, with quoted-pairs. */
static gsize
skip_comment (const char *s, gsize len, gsize pos)
{
  guint depth = 0;

  for (; pos < len; pos++)
    {
      if (s[pos] == '\\' && pos + 1 < len)
        pos++;
      else if (s[pos] == '(')
        depth++;
      else if (s[pos] == ')' && --depth == 0)
        return pos + 1;
    }
  return len;
}

static gsize
skip_quoted (const char *s, gsize len, gsize pos)
{
  for (pos++; pos < len; pos++)
    {
      if (s[pos] == '\\' && pos + 1 < len)
        pos++;
      else if (s[pos] == '"')
        return pos + 1;
    }
  return len;
}

/* Appends to out the results of an authres-payload tail (after the authserv-id and its
 * ';'): split at the ';' outside comments and quoted strings, unfolded, trimmed, "none"
 * dropped (RFC 8601 §2.2). */
static void
split_results (const char *s, gsize len, guint max, GPtrArray *out)
{
  gsize start = 0, pos = 0;

  while (pos <= len && out->len < max)
    {
      if (pos < len && s[pos] == '(')
        {
          pos = skip_comment (s, len, pos);
          continue;
        }
      if (pos < len && s[pos] == '"')
        {
          pos = skip_quoted (s, len, pos);
          continue;
        }
      if (pos < len && s[pos] != ';')
        {
          pos++;
          continue;
        }
      GString *r = g_string_new (NULL);
      for (gsize k = start; k < pos; k++)
        {
          char c = s[k];
          if (c == '\r' || c == '\n')
            continue;
          if (c == '\t')
            c = ' ';
          if (c == ' ' && (r->len == 0 || r->str[r->len - 1] == ' '))
            continue;
          g_string_append_c (r, c);
        }
      while (r->len > 0 && r->str[r->len - 1] == ' ')
        g_string_truncate (r, r->len - 1);
      if (r->len > 0 && g_ascii_strcasecmp (r->str, "none") != 0)
        g_ptr_array_add (out, g_string_free (r, FALSE));
      else
        g_string_free (r, TRUE);
      start = ++pos;
    }
}

/* Joins tags as "a=x; b=; ..." and folds between tags, never inside one (a fold inside
 * b= would change how a later seal canonicalizes this field). b= stands on its own line
 * so that the folding is the same before and after the signature is inserted. */
static char *
fold_tags (const char *name, GPtrArray *tags)
{
  GString *s = g_string_new (name);
  gsize line = strlen (name) + 2;

  g_string_append (s, ": ");
  for (guint i = 0; i < tags->len; i++)
    {
      const char *tag = g_ptr_array_index (tags, i);
      gsize len = strlen (tag);
      gboolean is_b = g_str_has_prefix (tag, "b=");
      gboolean after_b = i > 0 && g_str_has_prefix (g_ptr_array_index (tags, i - 1), "b=");
      if (i > 0)
        {
          g_string_append_c (s, ';');
          if (is_b || after_b || line + len + 2 > FOLD_WIDTH)
            {
              g_string_append (s, "\r\n ");
              line = 1;
            }
          else
            {
              g_string_append_c (s, ' ');
              line += 2;
            }
        }
      g_string_append (s, tag);
      line += len;
    }
  return g_string_free (s, FALSE);
}

/* Replaces the empty "b=" tag of field with "b=" + signature. */
static char *
insert_b (const char *field, GBytes *signature)
{
  const char *b = strstr (field, "\r\n b=");
  g_autofree char *encoded
      = g_base64_encode (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));

  g_assert (b != NULL);
  b += 5;
  return g_strdup_printf ("%.*s%s%s", (int)(b - field), field, encoded, b);
}

static GBytes *
sign_data (const FctArcSealOptions *o, GByteArray *data, GError **error)
{
  guint8 digest[64];
  g_autoptr (FctDkimDigest) d = fct_dkim_digest_new (FCT_DKIM_HASH_SHA256);

  fct_dkim_digest_update (d, data->data, data->len);
  gsize len = fct_dkim_digest_finish (d, digest);
  return fct_dkim_private_key_sign (o->key, FCT_DKIM_HASH_SHA256, digest, len, error);
}

/* The raw field of the given kind and instance in msg, or an empty slice. */
static FctSlice
find_field (FctMsg *msg, FctArcFieldKind kind, guint instance, guint max)
{
  guint n = fct_msg_get_header_count (msg);

  for (guint i = 0; i < n; i++)
    {
      const FctMsgHeader *h = fct_msg_get_header (msg, i);
      FctArcFieldKind k;
      guint inst;
      const char *reason;
      if (fct_arc_field_kind_from_name (h->name, &k) && k == kind
          && fct_arc_field_instance (kind, fct_arc_field_value (h->raw), max, &inst,
                                     &reason)
          && inst == instance)
        return h->raw;
    }
  return FCT_SLICE_EMPTY;
}

static gboolean
check_options (const FctArcSealOptions *o, GError **error)
{
  if (o->domain == NULL || !fct_dkim_domain_is_valid (fct_slice_from_str (o->domain))
      || o->selector == NULL
      || !fct_dkim_domain_is_valid (fct_slice_from_str (o->selector)))
    {
      g_set_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID, "%s",
                   _ ("the sealing domain and selector must be valid domain names"));
      return FALSE;
    }
  if (o->authserv_id == NULL || !fct_dkim_header_name_is_valid (o->authserv_id)
      || strpbrk (o->authserv_id, ";()\"") != NULL)
    {
      g_set_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID, "%s",
                   _ ("the authserv-id must be one word (a host name, usually)"));
      return FALSE;
    }
  /* A sealer vouches for what the AAR says (RFC 8617 §4.1.1): only the results its
   * own ADMD computed, given here, never fields copied from the message, which anyone
   * upstream may have written under this authserv-id (RFC 8601 §5). */
  if (o->results == NULL)
    {
      g_set_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID, "%s",
                   _ ("the authentication results to seal are required: a sealer seals "
                      "only results it computed itself"));
      return FALSE;
    }
  for (const char *p = o->results; *p; p++)
    if ((guint8)*p < 32 && *p != '\t')
      {
        g_set_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID, "%s",
                     _ ("the authentication results must be one line of text"));
        return FALSE;
      }
  g_autofree char *value = g_strconcat (o->authserv_id, "; ", o->results, NULL);
  g_autoptr (FctAuthres) parsed
      = fct_authres_parse (value, strlen (value), o->limits, NULL);
  if (parsed == NULL)
    {
      g_set_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID, "%s",
                   _ ("the authentication results do not follow RFC 8601 §2.2 "
                      "(method=result property=value; ...)"));
      return FALSE;
    }
  for (guint i = 0; o->headers != NULL && o->headers[i] != NULL; i++)
    {
      FctArcFieldKind kind;
      const char *h = o->headers[i];
      if (!fct_dkim_header_name_is_valid (h))
        {
          g_set_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID,
                       _ ("“%s” is not a header field name"), h);
          return FALSE;
        }
      /* §4.1.2: no Authentication-Results and no ARC field in an AMS. */
      if (g_ascii_strcasecmp (h, "Authentication-Results") == 0
          || fct_arc_field_kind_from_name (fct_slice_from_str (h), &kind))
        {
          g_set_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID,
                       _ ("an ARC-Message-Signature must not sign %s (RFC 8617 §4.1.2)"),
                       h);
          return FALSE;
        }
    }
  return TRUE;
}

static FctArcSealResult *
not_sealed (guint instance, const char *reason)
{
  FctArcSealResult *r = g_new0 (FctArcSealResult, 1);
  r->instance = instance;
  r->cv = FCT_ARC_CV_FAIL;
  r->reason = g_strdup (reason);
  return r;
}

static char *
to_eol (char *field, const char *eol)
{
  if (g_str_equal (eol, "\r\n"))
    return field;
  g_auto (GStrv) lines = g_strsplit (field, "\r\n", -1);
  g_free (field);
  return g_strjoinv (eol, lines);
}

/* At most FctLimits.authres_items_max results: one A-R field is bounded so, and the AAR
 * that combines them gets the same bound. */
static char *
build_aar (const FctArcSealOptions *o, const FctLimits *limits, guint instance)
{
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_free);
  GString *s = g_string_new (NULL);

  split_results (o->results, strlen (o->results), limits->authres_items_max, results);
  g_string_append_printf (s, "ARC-Authentication-Results: i=%u; %s", instance,
                          o->authserv_id);
  if (results->len == 0)
    g_string_append (s, "; none");
  for (guint i = 0; i < results->len; i++)
    g_string_append_printf (s, ";\r\n  %s", (const char *)g_ptr_array_index (results, i));
  return g_string_free (s, FALSE);
}

/* h= for the AMS: the given names, or each recommended name as often as the message
 * has it. */
static char *
header_list (FctMsg *msg, const FctArcSealOptions *o, GPtrArray *names)
{
  GString *h = g_string_new (NULL);

  if (o->headers != NULL)
    for (guint i = 0; o->headers[i] != NULL; i++)
      g_ptr_array_add (names, g_ascii_strdown (o->headers[i], -1));
  else
    for (const char *const *d = fct_dkim_default_headers (); *d != NULL; d++)
      for (guint k = fct_msg_count_headers (msg, *d); k > 0; k--)
        g_ptr_array_add (names, g_ascii_strdown (*d, -1));
  for (guint i = 0; i < names->len; i++)
    {
      if (i > 0)
        g_string_append_c (h, ':');
      g_string_append (h, g_ptr_array_index (names, i));
    }
  return g_string_free (h, FALSE);
}

static char *
build_ams (FctMsg *msg, const FctArcSealOptions *o, const char *algorithm, guint instance,
           GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *h = header_list (msg, o, names);
  g_autoptr (FctDkimBodyHasher) hasher
      = fct_dkim_body_hasher_new (FCT_DKIM_CANON_RELAXED, FCT_DKIM_HASH_SHA256, -1);
  FctSlice body = fct_msg_get_body (msg);
  guint8 bh[64];

  fct_dkim_body_hasher_update (hasher, body.ptr, body.len);
  gsize bh_len = fct_dkim_body_hasher_finish (hasher, bh);
  g_autofree char *bh64 = g_base64_encode (bh, bh_len);

  g_autoptr (GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (tags, g_strconcat ("a=", algorithm, NULL));
  g_ptr_array_add (tags, g_strdup ("b="));
  g_ptr_array_add (tags, g_strconcat ("bh=", bh64, NULL));
  g_ptr_array_add (tags, g_strdup ("c=relaxed/relaxed"));
  g_ptr_array_add (tags, g_strconcat ("d=", o->domain, NULL));
  g_ptr_array_add (tags, g_strconcat ("h=", h, NULL));
  g_ptr_array_add (tags, g_strdup_printf ("i=%u", instance));
  g_ptr_array_add (tags, g_strconcat ("s=", o->selector, NULL));
  if (o->timestamp >= 0)
    g_ptr_array_add (tags, g_strdup_printf ("t=%" G_GINT64_FORMAT,
                                            o->timestamp > 0
                                                ? o->timestamp
                                                : g_get_real_time () / G_USEC_PER_SEC));
  g_autofree char *unsigned_field = fold_tags ("ARC-Message-Signature", tags);

  /* RFC 6376 §5.4.2, as the verifier selects: each name takes the next field up from
   * the bottom; the AMS itself comes last, b= empty, without CRLF. */
  guint n_fields = fct_msg_get_header_count (msg);
  g_autofree guint8 *used = g_malloc0 (MAX (n_fields, 1));
  g_autoptr (GByteArray) data = g_byte_array_sized_new (1024);
  for (guint k = 0; k < names->len; k++)
    {
      FctSlice name = fct_slice_from_str (g_ptr_array_index (names, k));
      for (guint j = n_fields; j-- > 0;)
        {
          const FctMsgHeader *f = fct_msg_get_header (msg, j);
          if (used[j] || !fct_slice_equal_ascii_nocase (f->name, name))
            continue;
          used[j] = 1;
          fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, f->raw, TRUE);
          break;
        }
    }
  fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, fct_slice_from_str (unsigned_field),
                         FALSE);
  g_autoptr (GBytes) sig = sign_data (o, data, error);
  if (sig == NULL)
    return NULL;
  return insert_b (unsigned_field, sig);
}

static char *
build_as (FctMsg *msg, const FctArcSealOptions *o, const char *algorithm, guint instance,
          FctArcCv cv, const char *aar, const char *ams, const FctLimits *limits,
          GError **error)
{
  g_autoptr (GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GByteArray) data = g_byte_array_sized_new (4096);

  g_ptr_array_add (tags, g_strconcat ("a=", algorithm, NULL));
  g_ptr_array_add (tags, g_strdup ("b="));
  g_ptr_array_add (tags, g_strconcat ("cv=", fct_arc_cv_to_string (cv), NULL));
  g_ptr_array_add (tags, g_strconcat ("d=", o->domain, NULL));
  g_ptr_array_add (tags, g_strdup_printf ("i=%u", instance));
  g_ptr_array_add (tags, g_strconcat ("s=", o->selector, NULL));
  if (o->timestamp >= 0)
    g_ptr_array_add (tags, g_strdup_printf ("t=%" G_GINT64_FORMAT,
                                            o->timestamp > 0
                                                ? o->timestamp
                                                : g_get_real_time () / G_USEC_PER_SEC));
  g_autofree char *unsigned_field = fold_tags ("ARC-Seal", tags);

  /* §5.1.1: the earlier sets in instance order; §5.1.2: none of them when the chain
   * failed. */
  for (guint j = 1; cv != FCT_ARC_CV_FAIL && j < instance; j++)
    {
      static const FctArcFieldKind order[]
          = { FCT_ARC_FIELD_AAR, FCT_ARC_FIELD_AMS, FCT_ARC_FIELD_SEAL };
      for (gsize k = 0; k < G_N_ELEMENTS (order); k++)
        {
          FctSlice f = find_field (msg, order[k], j, limits->arc_instances_max);
          if (f.len == 0)
            {
              g_set_error (error, FCT_ARC_ERROR, FCT_ARC_ERROR_INVALID,
                           _ ("ARC set %u is incomplete, yet the chain was given as "
                              "passing"),
                           j);
              return NULL;
            }
          fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, f, TRUE);
        }
    }
  fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, fct_slice_from_str (aar), TRUE);
  fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, fct_slice_from_str (ams), TRUE);
  fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, fct_slice_from_str (unsigned_field),
                         FALSE);
  g_autoptr (GBytes) sig = sign_data (o, data, error);
  if (sig == NULL)
    return NULL;
  return insert_b (unsigned_field, sig);
}

FctArcSealResult *
fct_arc_seal (FctMsg *msg, const FctArcVerifyResult *chain, const FctArcSealOptions *o,
              GError **error)
{
  const FctLimits *limits;
  const char *eol;
  guint instance;
  FctArcCv cv;

  g_return_val_if_fail (msg != NULL && chain != NULL && o != NULL && o->key != NULL, NULL);
  limits = o->limits != NULL ? o->limits : fct_limits_default ();
  eol = o->eol != NULL ? o->eol : "\r\n";
  if (!check_options (o, error))
    return NULL;
  /* A header over FctMsg's limits was not read whole: ARC sets or signed fields past the
   * padding would be missed, so a seal would vouch for what was not seen (issue 11). */
  if (fct_msg_get_flags (msg)
      & (FCT_MSG_FLAG_TOO_MANY_FIELDS | FCT_MSG_FLAG_FIELD_TOO_LONG))
    return not_sealed (chain->instances,
                       _ ("the header is over the limits (header_fields_max, "
                          "header_field_max_bytes) and was not read whole: it is not "
                          "sealed"));

  /* §5.1 step 2: a chain whose newest seal already says cv=fail gets no new set. */
  FctSlice top = chain->instances > 0 ? find_field (
                     msg, FCT_ARC_FIELD_SEAL, chain->instances, limits->arc_instances_max)
                                      : FCT_SLICE_EMPTY;
  if (top.len > 0)
    {
      g_autoptr (GArray) tags = g_array_new (FALSE, FALSE, sizeof (FctDkimTag));
      const char *reason;
      const FctDkimTag *t;
      if (fct_dkim_tags_parse (fct_arc_field_value (top), FCT_ARC_TAGS_MAX, tags, &reason)
          && (t = fct_dkim_tags_find (tags, "cv")) != NULL
          && fct_slice_equal (t->value, fct_slice_from_str ("fail")))
        return not_sealed (chain->instances,
                           _ ("the chain was already marked failed (cv=fail): no set is "
                              "added (RFC 8617 §5.1)"));
    }
  if (chain->temporary)
    return not_sealed (chain->instances,
                       _ ("the chain could not be validated (a key could not be fetched); "
                          "try again later rather than seal a failure"));
  /* §5.1 step 3. */
  instance = chain->instances + 1;
  if (instance > limits->arc_instances_max)
    return not_sealed (chain->instances,
                       _ ("the chain already has the maximum number of ARC sets"));
  cv = chain->instances == 0 ? FCT_ARC_CV_NONE : chain->cv;
  if (cv == FCT_ARC_CV_NONE && instance > 1)
    cv = FCT_ARC_CV_FAIL;

  const char *algorithm
      = fct_dkim_private_key_get_key_type (o->key) == FCT_DKIM_KEY_TYPE_ED25519
            ? "ed25519-sha256"
            : "rsa-sha256";
  g_autofree char *aar = build_aar (o, limits, instance);
  g_autofree char *ams = build_ams (msg, o, algorithm, instance, error);
  if (ams == NULL)
    return NULL;
  g_autofree char *as = build_as (msg, o, algorithm, instance, cv, aar, ams, limits, error);
  if (as == NULL)
    return NULL;

  FctArcSealResult *r = g_new0 (FctArcSealResult, 1);
  r->sealed = TRUE;
  r->cv = cv;
  r->instance = instance;
  r->reason = g_strdup_printf (_ ("ARC set %u added with cv=%s"), instance,
                               fct_arc_cv_to_string (cv));
  r->seal = to_eol (g_strconcat (as, "\r\n", NULL), eol);
  r->message_signature = to_eol (g_strconcat (ams, "\r\n", NULL), eol);
  r->authentication_results = to_eol (g_strconcat (aar, "\r\n", NULL), eol);
  return r;
}
