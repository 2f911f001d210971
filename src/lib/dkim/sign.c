/* DKIM signing (RFC 6376 §5): a streaming signer (header fields, body chunks, end of
 * message) producing a folded DKIM-Signature field; rsa-sha256 and ed25519-sha256
 * (RFC 8463), the recommended and over-signed header set (§5.4, §8.15). */
#include "dkim-private.h"

/* Fold before this column (RFC 5322 §2.1.1 recommends lines of at most 78). */
#define FOLD_WIDTH 76

/* Over-signed: listing one more instance than present forbids adding one (§8.15). */
static const char *const oversigned[] = { "From",
                                          "Reply-To",
                                          "Subject",
                                          "Date",
                                          "To",
                                          "Cc",
                                          "MIME-Version",
                                          "Content-Type",
                                          "Content-Transfer-Encoding",
                                          NULL };
/* Signed as present. */
static const char *const signed_once[]
    = { "Message-ID",       "In-Reply-To",           "References",  "Sender", "List-Id",
        "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID", NULL };

static const char *const default_headers[] = { "From",
                                               "Reply-To",
                                               "Subject",
                                               "Date",
                                               "To",
                                               "Cc",
                                               "MIME-Version",
                                               "Content-Type",
                                               "Content-Transfer-Encoding",
                                               "Message-ID",
                                               "In-Reply-To",
                                               "References",
                                               "Sender",
                                               "List-Id",
                                               "List-Unsubscribe",
                                               "List-Unsubscribe-Post",
                                               "Feedback-ID",
                                               NULL };

struct _FctDkimSigner
{
  FctDkimSignOptions options;
  FctDkimHeaderStore headers;
  FctDkimBodyHasher *body;
  FctDkimAlgorithm algorithm;
  FctDkimHash hash;
  guint fields;     /* header fields received, kept or not */
  char *incomplete; /* why the header was not kept whole, or NULL */
};

const char *const *
fct_dkim_default_headers (void)
{
  return default_headers;
}

void
fct_dkim_sign_options_init (FctDkimSignOptions *options)
{
  *options = (FctDkimSignOptions){ .header_canon = FCT_DKIM_CANON_RELAXED,
                                   .body_canon = FCT_DKIM_CANON_RELAXED };
}

gboolean
fct_dkim_header_name_is_valid (const char *name)
{
  if (name[0] == '\0')
    return FALSE;
  for (const char *p = name; *p; p++)
    if ((guint8)*p < 33 || (guint8)*p > 126 || *p == ':')
      return FALSE;
  return TRUE;
}

FctDkimSigner *
fct_dkim_signer_new (const FctDkimSignOptions *options, GError **error)
{
  FctDkimSigner *s;

  g_return_val_if_fail (options != NULL && options->key != NULL, NULL);
  if (options->domain == NULL
      || !fct_dkim_domain_is_valid (fct_slice_from_str (options->domain))
      || options->selector == NULL
      || !fct_dkim_domain_is_valid (fct_slice_from_str (options->selector)))
    {
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID, "%s",
                   _ ("the signing domain and selector must be valid domain names"));
      return NULL;
    }
  if (options->identity != NULL)
    {
      const char *at = strrchr (options->identity, '@');
      gsize dl = strlen (options->domain), il = at != NULL ? strlen (at + 1) : 0;
      gboolean ok
          = at != NULL
            && (g_ascii_strcasecmp (at + 1, options->domain) == 0
                || (il > dl + 1 && at[1 + il - dl - 1] == '.'
                    && g_ascii_strcasecmp (at + 1 + il - dl, options->domain) == 0));
      for (const char *p = options->identity; ok && *p; p++)
        ok = (guint8)*p > 32 && (guint8)*p < 127 && *p != ';';
      if (!ok)
        {
          g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID, "%s",
                       _ ("the identity (i=) must be an address within the domain"));
          return NULL;
        }
    }
  for (guint i = 0; options->headers != NULL && options->headers[i] != NULL; i++)
    if (!fct_dkim_header_name_is_valid (options->headers[i]))
      {
        g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID,
                     _ ("“%s” is not a header field name"), options->headers[i]);
        return NULL;
      }
  gboolean has_from = options->headers == NULL;
  for (guint i = 0; options->headers != NULL && options->headers[i] != NULL; i++)
    has_from = has_from || g_ascii_strcasecmp (options->headers[i], "From") == 0;
  if (!has_from)
    {
      /* §5.4: "The From header field MUST be signed". */
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_INVALID, "%s",
                   _ ("the list of header fields to sign must include From"));
      return NULL;
    }
  s = g_new0 (FctDkimSigner, 1);
  s->options = *options;
  s->options.key = fct_dkim_private_key_ref (options->key);
  if (s->options.eol == NULL)
    s->options.eol = "\r\n";
  if (fct_dkim_private_key_get_key_type (options->key) == FCT_DKIM_KEY_TYPE_ED25519)
    s->algorithm = FCT_DKIM_ALGORITHM_ED25519_SHA256;
  else
    s->algorithm = FCT_DKIM_ALGORITHM_RSA_SHA256;
  s->hash = FCT_DKIM_HASH_SHA256;
  fct_dkim_header_store_init (&s->headers);
  s->body = fct_dkim_body_hasher_new (options->body_canon, s->hash, -1);
  return s;
}

void
fct_dkim_signer_free (FctDkimSigner *signer)
{
  if (signer == NULL)
    return;
  fct_dkim_private_key_unref (signer->options.key);
  fct_dkim_header_store_clear (&signer->headers);
  fct_dkim_body_hasher_free (signer->body);
  g_free (signer->incomplete);
  g_free (signer);
}

void
fct_dkim_signer_header (FctDkimSigner *signer, const void *field, gsize len)
{
  const FctLimits *limits
      = signer->options.limits != NULL ? signer->options.limits : fct_limits_default ();
  /* Past a limit the header is not kept whole, and a signature over the part kept would
   * select other fields than a verifier does (§5.4.2): sign nothing, as the verifiers
   * fail closed, rather than drop fields silently. */
  signer->fields++;
  if (signer->incomplete != NULL)
    return;
  if (signer->fields > limits->header_fields_max)
    signer->incomplete = g_strdup_printf (
        _ ("the header has more than %u fields, the limit: it was not read whole and "
           "is not signed"),
        limits->header_fields_max);
  else if (len > limits->header_field_max_bytes)
    signer->incomplete = g_strdup_printf (
        _ ("header field %u is longer than %zu"
           " bytes, the limit: the header was not read whole and is not signed"),
        signer->fields, (size_t)limits->header_field_max_bytes);
  else
    fct_dkim_header_store_add (&signer->headers, field, len);
}

void
fct_dkim_signer_body (FctDkimSigner *signer, const void *data, gsize len)
{
  fct_dkim_body_hasher_update (signer->body, data, len);
}

static guint
count_present (const FctDkimSigner *s, const char *name)
{
  guint n = 0;
  for (guint i = 0; i < s->headers.spans->len; i++)
    n += fct_slice_equal_str_nocase (fct_dkim_header_store_name (&s->headers, i), name);
  return n;
}

static void
add_name (GPtrArray *names, const char *name)
{
  FctSlice *sl = g_new (FctSlice, 1);
  *sl = fct_slice_from_str (name);
  g_ptr_array_add (names, sl);
}

/* The h= list: the caller's, or the recommended set with over-signing. */
static GPtrArray *
choose_headers (const FctDkimSigner *s)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  if (s->options.headers != NULL)
    {
      for (guint i = 0; s->options.headers[i] != NULL; i++)
        add_name (names, s->options.headers[i]);
      return names;
    }
  for (guint i = 0; oversigned[i] != NULL; i++)
    for (guint k = count_present (s, oversigned[i]) + 1; k > 0; k--)
      add_name (names, oversigned[i]);
  for (guint i = 0; signed_once[i] != NULL; i++)
    for (guint k = count_present (s, signed_once[i]); k > 0; k--)
      add_name (names, signed_once[i]);
  return names;
}

/* Folding writer: CRLF + SP between tokens when the line would grow past FOLD_WIDTH. */
typedef struct
{
  GString *out;
  gsize col;
} Folder;

static void
fold_token (Folder *f, const char *text, gboolean space_before)
{
  gsize len = strlen (text);
  if (f->col + (space_before ? 1 : 0) + len > FOLD_WIDTH && f->col > 1)
    {
      g_string_append (f->out, "\r\n ");
      f->col = 1;
    }
  else if (space_before)
    {
      g_string_append_c (f->out, ' ');
      f->col++;
    }
  g_string_append (f->out, text);
  f->col += len;
}

/* Base64 may be folded anywhere (§2.4 base64string allows FWS). */
static void
fold_base64 (Folder *f, const char *b64)
{
  gsize len = strlen (b64);
  for (gsize pos = 0; pos < len;)
    {
      if (f->col >= FOLD_WIDTH)
        {
          g_string_append (f->out, "\r\n ");
          f->col = 1;
        }
      gsize n = MIN (len - pos, FOLD_WIDTH - f->col);
      g_string_append_len (f->out, b64 + pos, (gssize)n);
      f->col += n;
      pos += n;
    }
}

char *
fct_dkim_signer_eom (FctDkimSigner *s, GError **error)
{
  guint8 bh[64], digest[64];
  gsize bh_len;
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GString) field = g_string_new ("DKIM-Signature:");
  Folder f = { field, field->len };
  const FctDkimSignOptions *o = &s->options;
  gint64 t = o->timestamp;

  if (s->incomplete != NULL)
    {
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_HEADER_LIMIT, "%s", s->incomplete);
      return NULL;
    }
  if (count_present (s, "From") == 0)
    {
      g_set_error (error, FCT_DKIM_ERROR, FCT_DKIM_ERROR_NO_FROM, "%s",
                   _ ("the message has no From field: DKIM requires it to be signed"));
      return NULL;
    }
  bh_len = fct_dkim_body_hasher_finish (s->body, bh);
  names = choose_headers (s);
  if (t == 0)
    t = g_get_real_time () / G_USEC_PER_SEC;

  /* Tag order as in RFC 6376 Appendix A and RFC 8463 Appendix A, so that the published
   * examples can be reproduced byte for byte. */
  g_autofree char *a
      = g_strdup_printf ("a=%s;", fct_dkim_algorithm_to_string (s->algorithm));
  g_autofree char *c = g_strdup_printf (
      "c=%s/%s;", o->header_canon == FCT_DKIM_CANON_RELAXED ? "relaxed" : "simple",
      o->body_canon == FCT_DKIM_CANON_RELAXED ? "relaxed" : "simple");
  g_autofree char *d = g_strdup_printf ("d=%s;", o->domain);
  fold_token (&f, "v=1;", TRUE);
  fold_token (&f, a, TRUE);
  fold_token (&f, c, TRUE);
  fold_token (&f, d, TRUE);
  if (o->identity != NULL)
    {
      g_autofree char *i = g_strdup_printf ("i=%s;", o->identity);
      fold_token (&f, i, TRUE);
    }
  if (o->query_tag)
    fold_token (&f, "q=dns/txt;", TRUE);
  g_autofree char *sel = g_strdup_printf ("s=%s;", o->selector);
  fold_token (&f, sel, TRUE);
  if (t > 0)
    {
      g_autofree char *ts = g_strdup_printf ("t=%" G_GINT64_FORMAT ";", t);
      fold_token (&f, ts, TRUE);
      if (o->expire_after > 0)
        {
          g_autofree char *xs
              = g_strdup_printf ("x=%" G_GUINT64_FORMAT ";", (guint64)t + o->expire_after);
          fold_token (&f, xs, TRUE);
        }
    }
  if (o->body_length)
    {
      g_autofree char *ls = g_strdup_printf ("l=%" G_GUINT64_FORMAT ";",
                                             fct_dkim_body_hasher_get_length (s->body));
      fold_token (&f, ls, TRUE);
    }
  for (guint i = 0; i < names->len; i++)
    {
      const FctSlice *n = g_ptr_array_index (names, i);
      g_autofree char *lower = g_ascii_strdown ((const char *)n->ptr, (gssize)n->len);
      gboolean last = i + 1 == names->len;
      g_autofree char *tok = NULL;
      if (o->spaced_header_list)
        tok = g_strdup_printf ("%s%s%s", i == 0 ? "h=" : "", lower, last ? ";" : " :");
      else
        tok = g_strdup_printf ("%s%s%s", i == 0 ? "h=" : "", lower, last ? ";" : ":");
      fold_token (&f, tok, i == 0 || o->spaced_header_list);
    }
  g_autofree char *bh64 = g_base64_encode (bh, bh_len);
  g_autofree char *bht = g_strdup_printf ("bh=%s;", bh64);
  fold_token (&f, bht, TRUE);
  fold_token (&f, "b=", TRUE);

  /* Hash the selected fields and this field with an empty b= (§3.7), then sign. */
  g_autoptr (FctDkimDigest) dg = fct_dkim_digest_new (s->hash);
  FctSlice sig_field = fct_slice_new (field->str, field->len);
  fct_dkim_hash_headers (dg, o->header_canon, &s->headers, names, sig_field,
                         fct_slice_new (field->str + field->len, 0));
  gsize dlen = fct_dkim_digest_finish (dg, digest);
  g_autoptr (GBytes) sig = fct_dkim_private_key_sign (o->key, s->hash, digest, dlen, error);
  if (sig == NULL)
    return NULL;
  gsize sig_len = 0;
  const guint8 *sig_data = g_bytes_get_data (sig, &sig_len);
  g_autofree char *b64 = g_base64_encode (sig_data, sig_len);
  fold_base64 (&f, b64);
  g_string_append (field, "\r\n");

  if (g_str_equal (o->eol, "\r\n"))
    return g_string_free (g_steal_pointer (&field), FALSE);
  GString *out = g_string_sized_new (field->len);
  for (gsize i = 0; i < field->len; i++)
    {
      if (field->str[i] == '\r' && i + 1 < field->len && field->str[i + 1] == '\n')
        {
          g_string_append (out, o->eol);
          i++;
        }
      else
        g_string_append_c (out, field->str[i]);
    }
  return g_string_free (out, FALSE);
}

static void
feed_field (FctSlice raw, FctSlice name, gpointer signer)
{
  (void)name;
  fct_dkim_signer_header (signer, raw.ptr, raw.len);
}

char *
fct_dkim_sign (FctMsg *msg, const FctDkimSignOptions *options, GError **error)
{
  g_autoptr (FctDkimSigner) s = fct_dkim_signer_new (options, error);

  if (s == NULL)
    return NULL;
  /* Every field, skipped ones included, as verifiers will select them. */
  fct_msg_foreach_field (msg, feed_field, s);
  FctSlice body = fct_msg_get_body (msg);
  fct_dkim_signer_body (s, body.ptr, body.len);
  return fct_dkim_signer_eom (s, error);
}
