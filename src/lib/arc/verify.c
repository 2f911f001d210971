/* ARC chain validation (RFC 8617 §5.2), streaming: structure (steps 1-3) and key queries
 * at the end of the header, then the newest AMS (4), oldest-pass (5) and every seal (6).
 * Every failure, DNS included, is permanent (§5.2.1). */
#include "arc-private.h"

#include <facteur/sync.h>

typedef struct
{
  FctArcSig sig;
  gboolean parsed;
  const char *reason; /* why it did not parse (transfer none) */
  guint body;         /* AMS: index in bodies */
  FctDnsAnswer *answer;
  gboolean queried; /* its key was asked for (answer NULL after a cut: never came) */
  FctDkimResult result;
} SigState;

struct _FctArcVerifier
{
  gint ref_count;
  FctResolver *resolver;
  FctArcVerifyOptions options;
  FctLimits limits;
  GPtrArray *fields;              /* GBytes *, raw header fields in message order */
  guint n;                        /* highest instance */
  guint *aar, *ams, *as;          /* per instance 1..n: field index + 1, 0 when absent */
  SigState *ams_state, *as_state; /* per instance 1..n */
  FctArcVerifyResult *early;      /* verdict reached at the end of the header */
  guint received;                 /* header fields received, kept or not */
  char *incomplete;               /* why the header was not kept whole, or NULL */
  FctDkimBodyHashes *bodies;
  guint pending;
  gboolean eoh, eom;
  GTask *task;
};

typedef struct
{
  FctArcVerifier *verifier;
  SigState *state;
} Query;

static void
set_free (FctArcSet *s)
{
  if (s == NULL)
    return;
  g_free (s->seal_domain);
  g_free (s->seal_selector);
  g_free (s->signature_domain);
  g_free (s->signature_selector);
  g_free (s->authserv_id);
  g_free (s->results);
  g_free (s);
}

void
fct_arc_verify_result_free (FctArcVerifyResult *result)
{
  if (result == NULL)
    return;
  g_free (result->reason);
  g_clear_pointer (&result->sets, g_ptr_array_unref);
  g_free (result);
}

static FctArcVerifyResult *
result_new (FctArcCv cv, guint instances, guint failed, const char *reason)
{
  FctArcVerifyResult *r = g_new0 (FctArcVerifyResult, 1);

  r->cv = cv;
  r->instances = instances;
  r->failed_instance = failed;
  r->reason = g_strdup (reason);
  r->sets = g_ptr_array_new_with_free_func ((GDestroyNotify)set_free);
  return r;
}

/* A reason about instance i: "ARC set 2: <why>", translated. */
static FctArcVerifyResult *
fail_at (guint n, guint instance, const char *what, const char *why)
{
  g_autofree char *reason = NULL;

  if (what != NULL)
    reason = g_strdup_printf (_ ("ARC set %u, %s: %s"), instance, what, _ (why));
  else
    reason = g_strdup_printf (_ ("ARC set %u: %s"), instance, _ (why));
  FctArcVerifyResult *r = result_new (FCT_ARC_CV_FAIL, n, instance, NULL);
  r->reason = g_steal_pointer (&reason);
  return r;
}

FctArcVerifier *
fct_arc_verifier_new (FctResolver *resolver, const FctArcVerifyOptions *options)
{
  FctArcVerifier *v;

  g_return_val_if_fail (resolver != NULL, NULL);
  v = g_new0 (FctArcVerifier, 1);
  v->ref_count = 1;
  v->resolver = fct_resolver_ref (resolver);
  if (options != NULL)
    v->options = *options;
  v->limits = v->options.limits != NULL ? *v->options.limits : *fct_limits_default ();
  if (v->options.rsa_min_bits == 0)
    v->options.rsa_min_bits = 1024;
  v->fields = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  v->bodies = fct_dkim_body_hashes_new ();
  return v;
}

FctArcVerifier *
fct_arc_verifier_ref (FctArcVerifier *verifier)
{
  g_return_val_if_fail (verifier != NULL, NULL);
  g_atomic_int_inc (&verifier->ref_count);
  return verifier;
}

static void
states_free (SigState *states, guint n)
{
  if (states == NULL)
    return;
  for (guint i = 0; i <= n; i++)
    {
      fct_arc_sig_clear (&states[i].sig);
      g_clear_pointer (&states[i].answer, fct_dns_answer_unref);
    }
  g_free (states);
}

void
fct_arc_verifier_unref (FctArcVerifier *verifier)
{
  if (verifier == NULL || !g_atomic_int_dec_and_test (&verifier->ref_count))
    return;
  fct_dkim_body_hashes_free (verifier->bodies);
  states_free (verifier->ams_state, verifier->n);
  states_free (verifier->as_state, verifier->n);
  g_free (verifier->aar);
  g_free (verifier->ams);
  g_free (verifier->as);
  fct_arc_verify_result_free (verifier->early);
  g_free (verifier->incomplete);
  g_ptr_array_unref (verifier->fields);
  fct_resolver_unref (verifier->resolver);
  g_free (verifier);
}

void
fct_arc_verifier_header (FctArcVerifier *verifier, const void *field, gsize len)
{
  g_return_if_fail (verifier != NULL && !verifier->eoh);
  verifier->received++;
  if (verifier->incomplete != NULL)
    return;
  /* Past a limit the header is not kept whole, and a chain cannot be validated over
   * part of it (a set, or the fields an AMS covers, may be in what is cut off): the
   * verdict fails closed at the end of the header. */
  if (verifier->received > verifier->limits.header_fields_max)
    verifier->incomplete
        = g_strdup_printf (_ ("the header has more than %u fields, the limit: it was not "
                              "read whole and the chain cannot be validated"),
                           verifier->limits.header_fields_max);
  else if (len > verifier->limits.header_field_max_bytes)
    verifier->incomplete = g_strdup_printf (
        _ ("header field %u is longer than %zu"
           " bytes, the limit: the header was not read whole and the chain cannot be "
           "validated"),
        verifier->received, (size_t)verifier->limits.header_field_max_bytes);
  else
    g_ptr_array_add (verifier->fields, g_bytes_new (field, len));
}

static FctSlice
field_at (const FctArcVerifier *v, guint index)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (g_ptr_array_index (v->fields, index), &len);
  return fct_slice_new (data, len);
}

static const char *
kind_name (FctArcFieldKind kind)
{
  switch (kind)
    {
    case FCT_ARC_FIELD_AAR:
      return "ARC-Authentication-Results";
    case FCT_ARC_FIELD_AMS:
      return "ARC-Message-Signature";
    case FCT_ARC_FIELD_SEAL:
      break;
    }
  return "ARC-Seal";
}

static void complete (FctArcVerifier *v);

static void
on_key (FctDnsAnswer *answer, gpointer user_data)
{
  Query *q = user_data;
  FctArcVerifier *v = q->verifier;

  q->state->answer = fct_dns_answer_ref (answer);
  g_free (q);
  v->pending--;
  /* After a cut the verdict is given already: a late key changes nothing. */
  if (v->eom && v->pending == 0 && v->task != NULL)
    complete (v);
  fct_arc_verifier_unref (v);
}

static void
query_key (FctArcVerifier *v, SigState *s)
{
  g_autofree char *sel = fct_slice_dup (s->sig.selector);
  g_autofree char *dom = fct_slice_dup (s->sig.domain);
  g_autofree char *name = g_strconcat (sel, "._domainkey.", dom, NULL);
  Query *q = g_new0 (Query, 1);

  q->verifier = fct_arc_verifier_ref (v);
  q->state = s;
  s->queried = TRUE;
  v->pending++;
  fct_resolver_query_async (v->resolver, name, FCT_DNS_TYPE_TXT, on_key, q);
}

/* §5.2 steps 1-3. Returns the verdict when they settle it, or NULL to go on. */
static FctArcVerifyResult *
check_structure (FctArcVerifier *v)
{
  guint max = v->limits.arc_instances_max, count = 0;
  guint *slots[3];

  /* Count before allocating: more fields than max complete sets cannot be valid. */
  for (guint i = 0; i < v->fields->len; i++)
    {
      FctArcFieldKind kind;
      if (fct_arc_field_kind_from_name (fct_arc_field_name (field_at (v, i)), &kind))
        count++;
    }
  if (count == 0)
    return result_new (FCT_ARC_CV_NONE, 0, 0, _ ("the message has no ARC header fields"));
  if (count / 3 > max)
    {
      g_autofree char *reason = g_strdup_printf (
          _ ("the message has %u ARC header fields, more than %u ARC sets allow"), count,
          max);
      return result_new (FCT_ARC_CV_FAIL, 0, 0, reason);
    }

  v->aar = g_new0 (guint, max + 1);
  v->ams = g_new0 (guint, max + 1);
  v->as = g_new0 (guint, max + 1);
  slots[FCT_ARC_FIELD_AAR] = v->aar;
  slots[FCT_ARC_FIELD_AMS] = v->ams;
  slots[FCT_ARC_FIELD_SEAL] = v->as;
  /* The first problem is reported once every field has been seen, so that N (which a
   * sealer numbers from) is the highest instance in the message. */
  const char *bad_reason = NULL;
  FctArcFieldKind bad_kind = FCT_ARC_FIELD_AAR;
  guint bad_instance = 0;
  for (guint i = 0; i < v->fields->len; i++)
    {
      FctSlice field = field_at (v, i);
      FctArcFieldKind kind;
      guint instance = 0;
      const char *reason = NULL;

      if (!fct_arc_field_kind_from_name (fct_arc_field_name (field), &kind))
        continue;
      if (!fct_arc_field_instance (kind, fct_arc_field_value (field), max, &instance,
                                   &reason))
        {
          if (bad_reason == NULL)
            {
              bad_reason = reason;
              bad_kind = kind;
            }
          continue;
        }
      v->n = MAX (v->n, instance);
      if (slots[kind][instance] != 0)
        {
          if (bad_reason == NULL)
            {
              bad_reason = N_ ("the field appears more than once for this instance");
              bad_kind = kind;
              bad_instance = instance;
            }
          continue;
        }
      slots[kind][instance] = i + 1;
    }
  if (bad_reason != NULL && bad_instance != 0)
    return fail_at (v->n, bad_instance, kind_name (bad_kind), bad_reason);
  if (bad_reason != NULL)
    {
      g_autofree char *text = g_strdup_printf (_ ("an %s field is unusable: %s"),
                                               kind_name (bad_kind), _ (bad_reason));
      return result_new (FCT_ARC_CV_FAIL, v->n, 0, text);
    }

  guint n = v->n;
  v->ams_state = g_new0 (SigState, n + 1);
  v->as_state = g_new0 (SigState, n + 1);
  for (guint i = 1; i <= n; i++)
    {
      if (v->as[i] != 0)
        {
          SigState *s = &v->as_state[i];
          s->parsed = fct_arc_sig_parse (FCT_ARC_FIELD_SEAL, field_at (v, v->as[i] - 1),
                                         &v->limits, &s->sig, &s->reason);
        }
      if (v->ams[i] != 0)
        {
          SigState *s = &v->ams_state[i];
          s->parsed = fct_arc_sig_parse (FCT_ARC_FIELD_AMS, field_at (v, v->ams[i] - 1),
                                         &v->limits, &s->sig, &s->reason);
        }
    }

  /* Step 2: a chain already marked failed stays failed. */
  if (v->as_state[n].parsed && v->as_state[n].sig.cv == FCT_ARC_CV_FAIL)
    return fail_at (n, n, NULL,
                    N_ ("the most recent ARC-Seal says the chain failed (cv=fail)"));

  /* Step 3: one of each field per instance, 1..N without gaps, cv= none then pass. */
  for (guint i = 1; i <= n; i++)
    {
      if (v->aar[i] == 0 || v->ams[i] == 0 || v->as[i] == 0)
        return fail_at (n, i,
                        v->aar[i] == 0   ? kind_name (FCT_ARC_FIELD_AAR)
                        : v->ams[i] == 0 ? kind_name (FCT_ARC_FIELD_AMS)
                                         : kind_name (FCT_ARC_FIELD_SEAL),
                        N_ ("the field is missing: the chain has a gap"));
      SigState *s = &v->as_state[i];
      if (!s->parsed)
        return fail_at (n, i, kind_name (FCT_ARC_FIELD_SEAL), s->reason);
      if (s->sig.cv == FCT_ARC_CV_FAIL)
        return fail_at (n, i, kind_name (FCT_ARC_FIELD_SEAL),
                        N_ ("an ARC-Seal says the chain had failed (cv=fail)"));
      if (i == 1 && s->sig.cv != FCT_ARC_CV_NONE)
        return fail_at (n, i, kind_name (FCT_ARC_FIELD_SEAL),
                        N_ ("the first ARC-Seal must say cv=none"));
      if (i > 1 && s->sig.cv != FCT_ARC_CV_PASS)
        return fail_at (n, i, kind_name (FCT_ARC_FIELD_SEAL),
                        N_ ("an ARC-Seal after the first must say cv=pass"));
    }
  if (!v->ams_state[n].parsed)
    return fail_at (n, n, kind_name (FCT_ARC_FIELD_AMS), v->ams_state[n].reason);
  return NULL;
}

void
fct_arc_verifier_eoh (FctArcVerifier *v)
{
  g_return_if_fail (v != NULL && !v->eoh);
  v->eoh = TRUE;
  v->early = v->incomplete != NULL ? result_new (FCT_ARC_CV_FAIL, 0, 0, v->incomplete)
                                   : check_structure (v);
  if (v->early != NULL)
    return;
  for (guint i = v->n; i >= 1; i--)
    {
      SigState *ams = &v->ams_state[i];
      if (ams->parsed)
        {
          /* G_MAXUINT when the message asks for too many different body hashes. */
          ams->body = fct_dkim_body_hashes_add (
              v->bodies, ams->sig.body_canon, FCT_DKIM_HASH_SHA256, ams->sig.has_length,
              ams->sig.length, v->limits.dkim_signatures_max);
          query_key (v, ams);
        }
      query_key (v, &v->as_state[i]);
    }
}

void
fct_arc_verifier_body (FctArcVerifier *v, const void *data, gsize len)
{
  g_return_if_fail (v != NULL && v->eoh && !v->eom);
  fct_dkim_body_hashes_update (v->bodies, data, len);
}

/* The key record of a signature (RFC 6376 §6.1.2, as RFC 8617 imports it). NULL with
 * *reason when it cannot be used. */
static FctDkimPublicKey *
load_key (const FctArcVerifier *v, const SigState *s, const char **reason)
{
  const FctDnsAnswer *a = s->answer;
  FctDkimKeyRecord rec;
  g_autoptr (GBytes) txt = NULL;

  if (a == NULL)
    {
      /* Cut (fct_arc_verifier_cut): as a DNS failure, a failure of §5.2.1 that a later
       * attempt may not repeat. */
      *reason = N_ ("the key record did not arrive within the time budget");
      return NULL;
    }
  switch (a->rcode)
    {
    case FCT_DNS_RCODE_NOERROR:
      break;
    case FCT_DNS_RCODE_NXDOMAIN:
      *reason = N_ ("no key record for the selector (NXDOMAIN)");
      return NULL;
    case FCT_DNS_RCODE_SERVFAIL:
    case FCT_DNS_RCODE_TIMEOUT:
      /* §5.2.1: in ARC a DNS failure is a failure. */
      *reason = N_ ("the key record could not be fetched");
      return NULL;
    case FCT_DNS_RCODE_BADNAME:
      *reason = N_ ("the key record name cannot be queried");
      return NULL;
    }
  if (a->records == NULL || a->records->len == 0)
    {
      *reason = N_ ("no key record for the selector");
      return NULL;
    }
  for (guint i = 0; i < a->records->len; i++)
    {
      g_clear_pointer (&txt, g_bytes_unref);
      txt = fct_dns_record_txt_joined (g_ptr_array_index (a->records, i));
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (txt, &len);
      if (fct_dkim_key_record_parse (fct_slice_new (data, len), &rec, reason))
        break;
      if (i + 1 == a->records->len)
        return NULL;
    }
  if (rec.revoked)
    *reason = N_ ("the key has been revoked (empty p=)");
  else if (!rec.email_ok)
    *reason = N_ ("the key record is not for email (s= service type)");
  else if (rec.key_type != s->sig.key_type)
    *reason = N_ ("the key type (k=) does not match the algorithm (a=)");
  else if (!rec.sha256_ok)
    *reason = N_ ("the key record does not allow sha256 (h=)");
  else
    *reason = NULL;
  if (*reason != NULL)
    return NULL;
  g_autoptr (GBytes) der
      = fct_dkim_base64_decode (rec.public_key, FCT_ARC_PUBLIC_KEY_BYTES_MAX);
  if (der == NULL)
    {
      *reason = N_ ("the public key (p=) is not valid base64");
      return NULL;
    }
  gsize der_len = 0;
  const guint8 *der_data = g_bytes_get_data (der, &der_len);
  FctDkimPublicKey *key = fct_dkim_public_key_new (rec.key_type, der_data, der_len, reason);
  if (key == NULL)
    return NULL;
  if (rec.key_type == FCT_DKIM_KEY_TYPE_RSA
      && fct_dkim_public_key_get_bits (key) < v->options.rsa_min_bits)
    {
      /* RFC 8301 §3.2: keys under 1024 bits MUST NOT be considered valid. */
      *reason = N_ ("the RSA key is shorter than 1024 bits");
      fct_dkim_public_key_free (key);
      return NULL;
    }
  return key;
}

static gboolean
check_signature (const FctArcVerifier *v, const SigState *s, GByteArray *data,
                 const char **reason)
{
  g_autoptr (FctDkimPublicKey) key = load_key (v, s, reason);
  guint8 digest[64];

  if (key == NULL)
    return FALSE;
  g_autoptr (FctDkimDigest) d = fct_dkim_digest_new (s->sig.hash);
  fct_dkim_digest_update (d, data->data, data->len);
  gsize dlen = fct_dkim_digest_finish (d, digest);
  gsize slen = 0;
  const guint8 *sdata = g_bytes_get_data (s->sig.signature, &slen);
  if (!fct_dkim_public_key_verify (key, s->sig.hash, digest, dlen, sdata, slen))
    {
      *reason = N_ ("the signature did not verify");
      return FALSE;
    }
  return TRUE;
}

static gint64
now_seconds (const FctArcVerifier *v)
{
  return v->options.now != 0 ? v->options.now : g_get_real_time () / G_USEC_PER_SEC;
}

/* An AMS is a DKIM signature (§4.1.2): body hash, then the h= fields chosen from the
 * bottom (RFC 6376 §5.4.2) and the AMS itself without its b= value. */
static gboolean
verify_ams (FctArcVerifier *v, guint i, const char **reason)
{
  SigState *s = &v->ams_state[i];

  if (!s->parsed)
    {
      *reason = s->reason;
      return FALSE;
    }
  if (s->sig.expiration >= 0 && now_seconds (v) > s->sig.expiration)
    {
      *reason = N_ ("the signature has expired (x=)");
      return FALSE;
    }
  if (s->body == G_MAXUINT)
    {
      *reason = N_ ("not checked: the ARC-Message-Signatures ask for too many different "
                    "body hashes");
      return FALSE;
    }
  if (s->sig.has_length
      && s->sig.length > fct_dkim_body_hashes_get_length (v->bodies, s->body))
    {
      *reason = N_ ("l= is longer than the body");
      return FALSE;
    }
  if (!fct_dkim_body_hashes_match (v->bodies, s->body, s->sig.body_hash))
    {
      *reason = N_ ("the body hash did not verify (the body was changed)");
      return FALSE;
    }

  guint n_fields = v->fields->len;
  g_autofree guint8 *used = g_malloc0 (MAX (n_fields, 1));
  g_autoptr (GByteArray) data = g_byte_array_sized_new (1024);
  for (guint k = 0; k < s->sig.headers->len; k++)
    {
      const FctSlice *name = g_ptr_array_index (s->sig.headers, k);
      for (guint j = n_fields; j-- > 0;)
        {
          FctSlice field = field_at (v, j);
          if (used[j] || !fct_slice_equal_ascii_nocase (fct_arc_field_name (field), *name))
            continue;
          used[j] = 1;
          fct_dkim_canon_header (data, s->sig.header_canon, field, TRUE);
          break;
        }
    }
  fct_arc_canon_without_b (data, s->sig.header_canon, s->sig.field, s->sig.b_span);
  return check_signature (v, s, data, reason);
}

/* An AS signs the sets 1..i, each as AAR, AMS, AS, relaxed (§5.1.1), the last AS without
 * its b= value and final CRLF. */
static gboolean
verify_as (FctArcVerifier *v, guint i, const char **reason)
{
  g_autoptr (GByteArray) data = g_byte_array_sized_new (4096);

  for (guint j = 1; j <= i; j++)
    {
      fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, field_at (v, v->aar[j] - 1),
                             TRUE);
      fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, field_at (v, v->ams[j] - 1),
                             TRUE);
      if (j < i)
        fct_dkim_canon_header (data, FCT_DKIM_CANON_RELAXED, field_at (v, v->as[j] - 1),
                               TRUE);
    }
  fct_arc_canon_without_b (data, FCT_DKIM_CANON_RELAXED, v->as_state[i].sig.field,
                           v->as_state[i].sig.b_span);
  return check_signature (v, &v->as_state[i], data, reason);
}

static char *
dup_or_null (FctSlice s)
{
  return s.len > 0 ? fct_slice_dup (s) : NULL;
}

static void
describe_sets (FctArcVerifier *v, FctArcVerifyResult *r)
{
  for (guint i = 1; i <= v->n; i++)
    {
      FctArcSet *set = g_new0 (FctArcSet, 1);
      const FctArcSig *as = &v->as_state[i].sig, *ams = &v->ams_state[i].sig;
      set->instance = i;
      set->seal_domain = dup_or_null (as->domain);
      set->seal_selector = dup_or_null (as->selector);
      set->signature_domain = dup_or_null (ams->domain);
      set->signature_selector = dup_or_null (ams->selector);
      set->seal_cv = as->cv;
      set->seal_result = v->as_state[i].result;
      set->signature_result = v->ams_state[i].result;
      FctSlice payload
          = fct_arc_aar_payload (fct_arc_field_value (field_at (v, v->aar[i] - 1)));
      /* Unfolded, so that the text can be shown on one line. */
      GString *text = g_string_sized_new (payload.len);
      for (gsize k = 0; k < payload.len; k++)
        if (payload.ptr[k] != '\r' && payload.ptr[k] != '\n')
          g_string_append_c (text, (char)payload.ptr[k]);
      set->results = g_string_free (text, FALSE);
      gsize w = 0;
      while (set->results[w] != '\0' && set->results[w] != ';' && set->results[w] != ' '
             && set->results[w] != '\t')
        w++;
      set->authserv_id = w > 0 ? g_strndup (set->results, w) : NULL;
      g_ptr_array_add (r->sets, set);
    }
}

static gboolean
answer_is_temporary (const SigState *s)
{
  /* Asked for and never answered: the verification was cut before it came. */
  if (s->answer == NULL)
    return s->queried;
  return s->answer->rcode == FCT_DNS_RCODE_SERVFAIL
         || s->answer->rcode == FCT_DNS_RCODE_TIMEOUT;
}

static FctArcVerifyResult *
evaluate (FctArcVerifier *v)
{
  const char *reason = NULL;
  guint n = v->n;
  FctArcVerifyResult *r;

  /* Step 4: the newest AMS. */
  if (!verify_ams (v, n, &reason))
    {
      v->ams_state[n].result = FCT_DKIM_RESULT_FAIL;
      r = fail_at (n, n, kind_name (FCT_ARC_FIELD_AMS), reason);
      r->temporary = answer_is_temporary (&v->ams_state[n]);
      describe_sets (v, r);
      return r;
    }
  v->ams_state[n].result = FCT_DKIM_RESULT_PASS;

  /* Step 5: oldest-pass, the older AMS from N-1 down; a failure here is information,
   * not a chain failure. */
  guint oldest_pass = 0;
  for (guint m = n - 1; m >= 1; m--)
    {
      if (!verify_ams (v, m, &reason))
        {
          v->ams_state[m].result = FCT_DKIM_RESULT_FAIL;
          oldest_pass = m + 1;
          break;
        }
      v->ams_state[m].result = FCT_DKIM_RESULT_PASS;
    }

  /* Step 6: every seal, newest first. */
  for (guint i = n; i >= 1; i--)
    {
      if (!verify_as (v, i, &reason))
        {
          v->as_state[i].result = FCT_DKIM_RESULT_FAIL;
          r = fail_at (n, i, kind_name (FCT_ARC_FIELD_SEAL), reason);
          r->temporary = answer_is_temporary (&v->as_state[i]);
          describe_sets (v, r);
          return r;
        }
      v->as_state[i].result = FCT_DKIM_RESULT_PASS;
    }

  g_autofree char *text
      = oldest_pass == 0
            ? g_strdup_printf (ngettext ("%u ARC set verified", "%u ARC sets verified", n),
                               n)
            : g_strdup_printf (_ ("%u ARC sets verified; the message changed after set %u "
                                  "(oldest-pass %u)"),
                               n, oldest_pass - 1, oldest_pass);
  r = result_new (FCT_ARC_CV_PASS, n, 0, text);
  r->oldest_pass = oldest_pass;
  describe_sets (v, r);
  return r;
}

static void
complete (FctArcVerifier *v)
{
  GTask *task = g_steal_pointer (&v->task);
  FctArcVerifyResult *result;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  result = v->early != NULL ? g_steal_pointer (&v->early) : evaluate (v);
  g_task_return_pointer (task, result, (GDestroyNotify)fct_arc_verify_result_free);
  g_object_unref (task);
}

void
fct_arc_verifier_eom_async (FctArcVerifier *v, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (v != NULL && !v->eom);
  if (!v->eoh)
    fct_arc_verifier_eoh (v);
  v->eom = TRUE;
  v->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (v->task, fct_arc_verifier_eom_async);
  g_task_set_task_data (v->task, fct_arc_verifier_ref (v),
                        (GDestroyNotify)fct_arc_verifier_unref);
  fct_dkim_body_hashes_finish (v->bodies);
  if (v->pending == 0)
    complete (v);
}

gboolean
fct_arc_verifier_cut (FctArcVerifier *v)
{
  g_return_val_if_fail (v != NULL, FALSE);
  if (!v->eom || v->task == NULL)
    return FALSE;
  complete (v);
  /* Keys are asked for only when the chain's structure is sound (no early verdict). */
  return v->pending > 0;
}

FctArcVerifyResult *
fct_arc_verifier_eom_finish (FctArcVerifier *verifier, GAsyncResult *result, GError **error)
{
  (void)verifier;
  return fct_arc_verify_finish (result, error);
}

static void
feed_field (FctSlice raw, FctSlice name, gpointer verifier)
{
  (void)name;
  fct_arc_verifier_header (verifier, raw.ptr, raw.len);
}

void
fct_arc_verify_async (FctMsg *msg, FctResolver *resolver,
                      const FctArcVerifyOptions *options, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (FctArcVerifier) v = fct_arc_verifier_new (resolver, options);
  /* Every field, those the message skipped past its limit included: the verifier sees
   * what a receiver sees and applies its own limits. */
  fct_msg_foreach_field (msg, feed_field, v);
  fct_arc_verifier_eoh (v);
  FctSlice body = fct_msg_get_body (msg);
  fct_arc_verifier_body (v, body.ptr, body.len);
  fct_arc_verifier_eom_async (v, cancellable, callback, user_data);
}

FctArcVerifyResult *
fct_arc_verify_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

FctArcVerifyResult *
fct_arc_verify (FctMsg *msg, FctResolver *resolver, const FctArcVerifyOptions *options)
{
  FctSyncCall call;

  fct_sync_call_begin (&call, FALSE);
  fct_arc_verify_async (msg, resolver, options, NULL, fct_sync_call_ready, &call);
  g_autoptr (GAsyncResult) res = fct_sync_call_wait (&call);
  FctArcVerifyResult *result = fct_arc_verify_finish (res, NULL);
  /* Without a cancellable the task cannot fail. */
  g_assert (result != NULL);
  return result;
}
