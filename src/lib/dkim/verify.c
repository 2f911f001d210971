/* DKIM verification (RFC 6376 §6): a streaming handle fed header fields, the end of the
 * header (key queries start, asynchronously), body chunks and the end of the message;
 * key record checks (§3.6.1, §6.1.2), time checks, RFC 8301 key sizes, RFC 8601
 * results. */
#include "dkim-private.h"

#include <facteur/sync.h>
#include <string.h>

typedef struct
{
  FctDkimSignature sig;
  FctDkimSignatureResult *result;
  gboolean final;   /* result decided before the key arrived */
  gboolean skipped; /* over FctLimits.dkim_signatures_max: not verified, not reported */
  guint body;       /* index in verifier->bodies */
  FctDnsAnswer *answer;
} SigState;

struct _FctDkimVerifier
{
  gint ref_count;
  FctResolver *resolver;
  FctDkimVerifyOptions options;
  FctLimits limits;
  FctDkimHeaderStore headers;
  GPtrArray *sigs; /* SigState * */
  FctDkimBodyHashes *bodies;
  guint skipped;
  guint fields;     /* header fields received, kept or not */
  char *incomplete; /* why the header was not kept whole, or NULL */
  guint pending;    /* key queries in flight */
  gboolean eoh, eom;
  GTask *task;
};

typedef struct
{
  FctDkimVerifier *verifier;
  guint index;
} Query;

const char *
fct_dkim_result_to_string (FctDkimResult result)
{
  static const char *const names[]
      = { "none", "pass", "fail", "neutral", "policy", "temperror", "permerror" };
  g_return_val_if_fail ((guint)result < G_N_ELEMENTS (names), "none");
  return names[result];
}

static void
signature_result_free (FctDkimSignatureResult *r)
{
  if (r == NULL)
    return;
  g_free (r->reason);
  g_free (r->domain);
  g_free (r->selector);
  g_free (r->identity);
  g_free (r->algorithm);
  g_free (r->signed_headers);
  g_free (r->b_prefix);
  g_free (r);
}

void
fct_dkim_verify_result_free (FctDkimVerifyResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->signatures, g_ptr_array_unref);
  g_free (result->incomplete);
  g_free (result);
}

FctDkimResult
fct_dkim_verify_result_summary (const FctDkimVerifyResult *result)
{
  static const FctDkimResult order[]
      = { FCT_DKIM_RESULT_PASS,    FCT_DKIM_RESULT_FAIL,      FCT_DKIM_RESULT_POLICY,
          FCT_DKIM_RESULT_NEUTRAL, FCT_DKIM_RESULT_TEMPERROR, FCT_DKIM_RESULT_PERMERROR };

  /* A header not read whole hides whatever signatures it had: not "none". */
  if (result->incomplete != NULL)
    return FCT_DKIM_RESULT_PERMERROR;
  for (gsize k = 0; k < G_N_ELEMENTS (order); k++)
    for (guint i = 0; i < result->signatures->len; i++)
      if (((FctDkimSignatureResult *)g_ptr_array_index (result->signatures, i))->result
          == order[k])
        return order[k];
  return FCT_DKIM_RESULT_NONE;
}

static void
sig_state_free (SigState *s)
{
  fct_dkim_signature_clear (&s->sig);
  signature_result_free (s->result);
  g_clear_pointer (&s->answer, fct_dns_answer_unref);
  g_free (s);
}

FctDkimVerifier *
fct_dkim_verifier_new (FctResolver *resolver, const FctDkimVerifyOptions *options)
{
  FctDkimVerifier *v = g_new0 (FctDkimVerifier, 1);

  g_return_val_if_fail (resolver != NULL, NULL);
  v->ref_count = 1;
  v->resolver = fct_resolver_ref (resolver);
  if (options != NULL)
    v->options = *options;
  v->limits = v->options.limits != NULL ? *v->options.limits : *fct_limits_default ();
  if (v->options.rsa_min_bits == 0)
    v->options.rsa_min_bits = 1024;
  if (v->options.key_cache != NULL)
    fct_dkim_key_cache_ref (v->options.key_cache);
  fct_dkim_header_store_init (&v->headers);
  v->sigs = g_ptr_array_new_with_free_func ((GDestroyNotify)sig_state_free);
  v->bodies = fct_dkim_body_hashes_new ();
  return v;
}

FctDkimVerifier *
fct_dkim_verifier_ref (FctDkimVerifier *verifier)
{
  g_return_val_if_fail (verifier != NULL, NULL);
  g_atomic_int_inc (&verifier->ref_count);
  return verifier;
}

void
fct_dkim_verifier_unref (FctDkimVerifier *verifier)
{
  if (verifier == NULL || !g_atomic_int_dec_and_test (&verifier->ref_count))
    return;
  fct_dkim_body_hashes_free (verifier->bodies);
  g_ptr_array_unref (verifier->sigs);
  fct_dkim_header_store_clear (&verifier->headers);
  g_free (verifier->incomplete);
  fct_dkim_key_cache_unref (verifier->options.key_cache);
  fct_resolver_unref (verifier->resolver);
  g_free (verifier);
}

void
fct_dkim_verifier_header (FctDkimVerifier *verifier, const void *field, gsize len)
{
  g_return_if_fail (verifier != NULL && !verifier->eoh);
  verifier->fields++;
  if (verifier->incomplete != NULL)
    return;
  /* Past a limit the header is not kept whole. The fields cut off are the lowest, the
   * author's own (transit fields go on top), which h= selects first (§5.4.2): no
   * signature can be checked over what is left, so all fail closed at the end. */
  if (verifier->fields > verifier->limits.header_fields_max)
    verifier->incomplete
        = g_strdup_printf (_ ("the header has more than %u fields, the limit: it was not "
                              "read whole and no signature can be verified"),
                           verifier->limits.header_fields_max);
  else if (len > verifier->limits.header_field_max_bytes)
    verifier->incomplete = g_strdup_printf (
        _ ("header field %u is longer than %zu"
           " bytes, the limit: the header was not read whole and no signature can be "
           "verified"),
        verifier->fields, (size_t)verifier->limits.header_field_max_bytes);
  else
    fct_dkim_header_store_add (&verifier->headers, field, len);
}

static gint64
now_seconds (const FctDkimVerifier *v)
{
  return v->options.now != 0 ? v->options.now : g_get_real_time () / G_USEC_PER_SEC;
}

static char *
join_names (GPtrArray *names)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      const FctSlice *n = g_ptr_array_index (names, i);
      if (i > 0)
        g_string_append_c (s, ':');
      for (gsize k = 0; k < n->len; k++)
        g_string_append_c (s, g_ascii_tolower (n->ptr[k]));
    }
  return g_string_free (s, FALSE);
}

/* Fills the descriptive part of a result from whatever the parser could read. */
static FctDkimSignatureResult *
describe (const FctDkimSignature *sig, guint field_index)
{
  FctDkimSignatureResult *r = g_new0 (FctDkimSignatureResult, 1);

  r->field_index = field_index;
  r->domain = sig->domain.len > 0 ? fct_slice_dup (sig->domain) : NULL;
  r->selector = sig->selector.len > 0 ? fct_slice_dup (sig->selector) : NULL;
  r->algorithm = sig->algorithm.len > 0 ? fct_slice_dup (sig->algorithm) : NULL;
  r->algorithm_id = sig->algorithm_id;
  if (sig->identity.len > 0)
    r->identity = fct_slice_dup (sig->identity);
  else if (r->domain != NULL)
    r->identity = g_strconcat ("@", r->domain, NULL);
  r->header_canon = sig->header_canon;
  r->body_canon = sig->body_canon;
  r->signed_headers = join_names (sig->headers);
  GString *b = g_string_new (NULL);
  for (gsize k = 0; k < sig->b_text.len && b->len < 8; k++)
    if (!g_ascii_isspace (sig->b_text.ptr[k]))
      g_string_append_c (b, (char)sig->b_text.ptr[k]);
  r->b_prefix = g_string_free (b, FALSE);
  r->timestamp = sig->timestamp;
  r->expiration = sig->expiration;
  r->has_body_length = sig->has_length;
  r->body_length = sig->length;
  return r;
}

static void
decide (SigState *s, FctDkimResult result, const char *reason)
{
  s->result->result = result;
  g_free (s->result->reason);
  s->result->reason = g_strdup (reason);
  s->final = TRUE;
}

static void complete (FctDkimVerifier *v);

static void
on_key (FctDnsAnswer *answer, gpointer user_data)
{
  Query *q = user_data;
  FctDkimVerifier *v = q->verifier;
  SigState *s = g_ptr_array_index (v->sigs, q->index);

  s->answer = fct_dns_answer_ref (answer);
  g_free (q);
  v->pending--;
  /* After a cut the verdicts are given already: a late key changes nothing. */
  if (v->eom && v->pending == 0 && v->task != NULL)
    complete (v);
  fct_dkim_verifier_unref (v);
}

/* The domain of the From field, lower case, as a hint for the order in which signatures
 * are verified, never for a verdict: the last "@" of the only From field, up to the
 * first character a domain cannot hold. NULL without a single From field. */
static char *
from_domain_hint (const FctDkimVerifier *v)
{
  FctSlice from = FCT_SLICE_EMPTY;
  guint n = 0;

  for (guint i = 0; i < v->headers.spans->len; i++)
    if (fct_slice_equal_str_nocase (fct_dkim_header_store_name (&v->headers, i), "From"))
      {
        from = fct_dkim_field_value (fct_dkim_header_store_field (&v->headers, i));
        n++;
      }
  if (n != 1)
    return NULL;
  for (gsize k = from.len; k-- > 0;)
    if (from.ptr[k] == '@')
      {
        gsize end = k + 1;
        while (end < from.len
               && (g_ascii_isalnum (from.ptr[end]) || from.ptr[end] == '.'
                   || from.ptr[end] == '-' || from.ptr[end] >= 0x80))
          end++;
        if (end == k + 1)
          return NULL;
        char *d = g_ascii_strdown ((const char *)from.ptr + k + 1, (gssize)(end - k - 1));
        gsize len = strlen (d);
        if (len > 0 && d[len - 1] == '.')
          d[len - 1] = '\0';
        return d;
      }
  return NULL;
}

/* 0: d= is the From domain; 1: one is a subdomain of the other (relaxed alignment is
 * likely); 2: another domain. */
static guint
alignment_rank (FctSlice d, const char *from)
{
  FctSlice f;

  if (from == NULL)
    return 2;
  f = fct_slice_from_str (from);
  if (fct_slice_equal_ascii_nocase (d, f))
    return 0;
  if (d.len > f.len && d.ptr[d.len - f.len - 1] == '.'
      && fct_slice_equal_ascii_nocase (fct_slice_new (d.ptr + d.len - f.len, f.len), f))
    return 1;
  if (f.len > d.len && f.ptr[f.len - d.len - 1] == '.'
      && fct_slice_equal_ascii_nocase (fct_slice_new (f.ptr + f.len - d.len, d.len), d))
    return 1;
  return 2;
}

typedef struct
{
  guint index; /* in v->sigs */
  guint rank;
  guint field_index;
} Candidate;

static gint
candidate_compare (gconstpointer a, gconstpointer b)
{
  const Candidate *x = a, *y = b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  /* Fields added in transit go on top (RFC 6376 §5.6), so the author's own signature is
   * the lowest: a forger who prepends signatures cannot push it out of the slots. */
  return x->field_index > y->field_index ? -1 : x->field_index < y->field_index ? 1 : 0;
}

void
fct_dkim_verifier_eoh (FctDkimVerifier *v)
{
  gint64 now = now_seconds (v);
  g_autofree char *from = NULL;
  g_autoptr (GArray) candidates = g_array_new (FALSE, FALSE, sizeof (Candidate));
  guint verified = 0;

  g_return_if_fail (v != NULL && !v->eoh);
  v->eoh = TRUE;
  from = from_domain_hint (v);
  /* Every field is parsed (the header count bounds them): one that does not parse, or
   * that is decided without a key, costs no query and takes no verification slot, so
   * junk fields cannot crowd out a real signature. */
  for (guint i = 0; i < v->headers.spans->len; i++)
    {
      if (!fct_slice_equal_str_nocase (fct_dkim_header_store_name (&v->headers, i),
                                       "DKIM-Signature"))
        continue;
      SigState *s = g_new0 (SigState, 1);
      const char *reason = NULL;
      gboolean ok = fct_dkim_signature_parse (fct_dkim_header_store_field (&v->headers, i),
                                              &v->limits, &s->sig, &reason);
      s->result = describe (&s->sig, i);
      g_ptr_array_add (v->sigs, s);
      if (!ok)
        {
          decide (s, FCT_DKIM_RESULT_PERMERROR, reason);
          continue;
        }
      /* §3.5 x=: verifiers may refuse expired signatures; t= in the future "MAY" be
       * refused: beyond a small clock skew it is. */
      if (s->sig.expiration >= 0 && now > s->sig.expiration)
        {
          decide (s, FCT_DKIM_RESULT_PERMERROR, N_ ("signature has expired (x=)"));
          continue;
        }
      if (s->sig.timestamp > now + FCT_DKIM_CLOCK_SKEW_SECONDS)
        {
          decide (s, FCT_DKIM_RESULT_PERMERROR,
                  N_ ("signature timestamp is in the future (t=)"));
          continue;
        }
      Candidate c = { v->sigs->len - 1, alignment_rank (s->sig.domain, from), i };
      g_array_append_val (candidates, c);
    }

  /* FctLimits.dkim_signatures_max slots: signatures of the From domain first. The
   * others are dropped from the result and counted. */
  g_array_sort (candidates, candidate_compare);
  for (guint k = 0; k < candidates->len; k++)
    {
      SigState *s
          = g_ptr_array_index (v->sigs, g_array_index (candidates, Candidate, k).index);
      if (v->incomplete != NULL)
        {
          /* Fail closed, without asking for keys that cannot help. */
          decide (s, FCT_DKIM_RESULT_PERMERROR, v->incomplete);
          continue;
        }
      if (verified >= v->limits.dkim_signatures_max)
        {
          s->skipped = TRUE;
          v->skipped++;
          continue;
        }
      verified++;
      /* Signatures are capped (dkim_signatures_max), so are their hashes. */
      s->body = fct_dkim_body_hashes_add (v->bodies, s->sig.body_canon, s->sig.hash,
                                          s->sig.has_length, s->sig.length, G_MAXUINT);

      g_autofree char *sel = fct_slice_dup (s->sig.selector);
      g_autofree char *dom = fct_slice_dup (s->sig.domain);
      g_autofree char *name = g_strconcat (sel, "._domainkey.", dom, NULL);
      Query *q = g_new0 (Query, 1);
      q->verifier = fct_dkim_verifier_ref (v);
      q->index = g_array_index (candidates, Candidate, k).index;
      v->pending++;
      fct_resolver_query_async (v->resolver, name, FCT_DNS_TYPE_TXT, on_key, q);
    }
}

void
fct_dkim_verifier_body (FctDkimVerifier *v, const void *data, gsize len)
{
  g_return_if_fail (v != NULL && v->eoh && !v->eom);
  fct_dkim_body_hashes_update (v->bodies, data, len);
}

/* §6.1.2 step by step: the key record and the key it holds. */
static FctDkimPublicKey *
load_key (SigState *s, const FctDkimVerifier *v)
{
  const FctDnsAnswer *a = s->answer;
  const char *reason = NULL;
  FctDkimKeyRecord rec;
  g_autoptr (GBytes) txt = NULL;

  switch (a->rcode)
    {
    case FCT_DNS_RCODE_NOERROR:
      break;
    case FCT_DNS_RCODE_NXDOMAIN:
      decide (s, FCT_DKIM_RESULT_PERMERROR,
              N_ ("no key record for the selector (NXDOMAIN)"));
      return NULL;
    case FCT_DNS_RCODE_SERVFAIL:
    case FCT_DNS_RCODE_TIMEOUT:
      decide (s, FCT_DKIM_RESULT_TEMPERROR, N_ ("the key record could not be fetched"));
      return NULL;
    case FCT_DNS_RCODE_BADNAME:
      decide (s, FCT_DKIM_RESULT_PERMERROR, N_ ("the key record name cannot be queried"));
      return NULL;
    }
  if (a->records == NULL || a->records->len == 0)
    {
      decide (s, FCT_DKIM_RESULT_PERMERROR, N_ ("no key record for the selector"));
      return NULL;
    }
  /* §6.1.2: with several records the verifier may pick one: the first that parses. */
  for (guint i = 0; i < a->records->len; i++)
    {
      g_clear_pointer (&txt, g_bytes_unref);
      txt = fct_dns_record_txt_joined (g_ptr_array_index (a->records, i));
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (txt, &len);
      if (fct_dkim_key_record_parse (fct_slice_new (data, len), &rec, &reason))
        break;
      if (i + 1 == a->records->len)
        {
          decide (s, FCT_DKIM_RESULT_PERMERROR, reason);
          return NULL;
        }
    }
  if (rec.revoked)
    {
      decide (s, FCT_DKIM_RESULT_PERMERROR, N_ ("the key has been revoked (empty p=)"));
      return NULL;
    }
  if (!rec.email_ok)
    {
      decide (s, FCT_DKIM_RESULT_PERMERROR,
              N_ ("the key record is not for email (s= service type)"));
      return NULL;
    }
  if (rec.key_type != s->sig.key_type)
    {
      decide (s, FCT_DKIM_RESULT_PERMERROR,
              N_ ("the key type (k=) does not match the algorithm (a=)"));
      return NULL;
    }
  if ((s->sig.hash == FCT_DKIM_HASH_SHA1 && !rec.sha1_ok)
      || (s->sig.hash == FCT_DKIM_HASH_SHA256 && !rec.sha256_ok))
    {
      decide (s, FCT_DKIM_RESULT_PERMERROR,
              N_ ("the key record does not allow this hash algorithm (h=)"));
      return NULL;
    }
  if (rec.strict && s->sig.identity.len > 0)
    {
      FctSlice at = s->sig.identity;
      for (gsize k = at.len; k-- > 0;)
        if (at.ptr[k] == '@')
          {
            at = fct_slice_new (at.ptr + k + 1, at.len - k - 1);
            break;
          }
      if (!fct_slice_equal_ascii_nocase (at, s->sig.domain))
        {
          decide (s, FCT_DKIM_RESULT_PERMERROR,
                  N_ ("the key record forbids subdomains in i= (t=s)"));
          return NULL;
        }
    }
  FctDkimPublicKey *key = fct_dkim_public_key_from_record (
      v->options.key_cache, rec.key_type, rec.public_key, &reason);
  if (key == NULL)
    {
      decide (s, FCT_DKIM_RESULT_PERMERROR, reason);
      return NULL;
    }
  s->result->key_type = rec.key_type;
  s->result->key_bits = fct_dkim_public_key_get_bits (key);
  if (rec.testing)
    s->result->risks |= FCT_DKIM_RISK_TESTING;
  if (rec.key_type == FCT_DKIM_KEY_TYPE_RSA
      && s->result->key_bits < v->options.rsa_min_bits)
    {
      /* RFC 8301 §3.2: verifiers MUST NOT consider signatures with keys under 1024 bits
       * valid. */
      decide (s, FCT_DKIM_RESULT_POLICY, N_ ("the RSA key is shorter than 1024 bits"));
      fct_dkim_public_key_free (key);
      return NULL;
    }
  return key;
}

static void
evaluate (FctDkimVerifier *v, SigState *s)
{
  g_autoptr (FctDkimPublicKey) key = load_key (s, v);
  guint8 digest[64];

  if (key == NULL)
    return;
  guint64 body_len = fct_dkim_body_hashes_get_length (v->bodies, s->body);
  if (s->sig.has_length)
    {
      if (s->sig.length > body_len)
        {
          decide (s, FCT_DKIM_RESULT_FAIL, N_ ("l= is longer than the body"));
          return;
        }
      s->result->body_unsigned = body_len - s->sig.length;
      if (s->result->body_unsigned > 0)
        s->result->risks |= FCT_DKIM_RISK_BODY_LENGTH;
    }
  if (!fct_dkim_body_hashes_match (v->bodies, s->body, s->sig.body_hash))
    {
      decide (s, FCT_DKIM_RESULT_FAIL, N_ ("body hash did not verify"));
      return;
    }
  g_autoptr (FctDkimDigest) d = fct_dkim_digest_new (s->sig.hash);
  fct_dkim_hash_headers (d, s->sig.header_canon, &v->headers, s->sig.headers, s->sig.field,
                         s->sig.b_span);
  gsize dlen = fct_dkim_digest_finish (d, digest);
  gsize slen = 0;
  const guint8 *sdata = g_bytes_get_data (s->sig.signature, &slen);
  if (!fct_dkim_public_key_verify (key, s->sig.hash, digest, dlen, sdata, slen))
    {
      decide (s, FCT_DKIM_RESULT_FAIL, N_ ("signature did not verify"));
      return;
    }

  if (s->sig.algorithm_id == FCT_DKIM_ALGORITHM_RSA_SHA1)
    s->result->risks |= FCT_DKIM_RISK_WEAK_HASH;
  if (s->result->key_type == FCT_DKIM_KEY_TYPE_RSA && s->result->key_bits < 2048)
    s->result->risks |= FCT_DKIM_RISK_SHORT_KEY;
  /* §8.15: unless h= names From more often than the message has it, one more From can
   * be added and the signature still verifies. */
  guint listed = 0, present = 0;
  for (guint i = 0; i < s->sig.headers->len; i++)
    listed += fct_slice_equal_str_nocase (
        *(FctSlice *)g_ptr_array_index (s->sig.headers, i), "from");
  for (guint i = 0; i < v->headers.spans->len; i++)
    present
        += fct_slice_equal_str_nocase (fct_dkim_header_store_name (&v->headers, i), "from");
  if (listed <= present)
    s->result->risks |= FCT_DKIM_RISK_FROM_ADDABLE;
  /* RFC 8301 §3.1: verifiers MUST NOT consider rsa-sha1 signatures valid. Checked to
   * the end all the same, so that the report tells a sound signature made with the
   * refused algorithm from a broken one. "policy" (RFC 8601 §2.7.1): signed, but not
   * in a way this verifier accepts; never a pass for DMARC. */
  if (s->sig.algorithm_id == FCT_DKIM_ALGORITHM_RSA_SHA1)
    {
      decide (s, FCT_DKIM_RESULT_POLICY,
              N_ ("the signature verifies, but rsa-sha1 is not accepted (RFC 8301 §3.1)"));
      return;
    }
  if (v->options.refuse_partial_body && s->result->body_unsigned > 0)
    {
      decide (s, FCT_DKIM_RESULT_POLICY,
              N_ ("the signature verifies, but its l= leaves part of the body unsigned "
                  "(RFC 6376 §8.2), which this verifier does not accept"));
      return;
    }
  decide (s, FCT_DKIM_RESULT_PASS, N_ ("signature verified"));
}

static void
complete (FctDkimVerifier *v)
{
  GTask *task = g_steal_pointer (&v->task);
  FctDkimVerifyResult *result;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  result = g_new0 (FctDkimVerifyResult, 1);
  result->signatures
      = g_ptr_array_new_with_free_func ((GDestroyNotify)signature_result_free);
  result->signatures_skipped = v->skipped;
  result->incomplete = g_strdup (v->incomplete);
  for (guint i = 0; i < v->sigs->len; i++)
    {
      SigState *s = g_ptr_array_index (v->sigs, i);
      if (s->skipped)
        continue;
      if (!s->final && s->answer == NULL)
        decide (s, FCT_DKIM_RESULT_TEMPERROR,
                N_ ("the key record did not arrive within the time budget"));
      else if (!s->final)
        evaluate (v, s);
      g_ptr_array_add (result->signatures, g_steal_pointer (&s->result));
    }
  g_task_return_pointer (task, result, (GDestroyNotify)fct_dkim_verify_result_free);
  g_object_unref (task);
}

void
fct_dkim_verifier_eom_async (FctDkimVerifier *v, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (v != NULL && !v->eom);
  if (!v->eoh)
    fct_dkim_verifier_eoh (v);
  v->eom = TRUE;
  v->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (v->task, fct_dkim_verifier_eom_async);
  /* The task keeps the verifier alive until the callback has run. */
  g_task_set_task_data (v->task, fct_dkim_verifier_ref (v),
                        (GDestroyNotify)fct_dkim_verifier_unref);
  fct_dkim_body_hashes_finish (v->bodies);
  if (v->pending == 0)
    complete (v);
}

gboolean
fct_dkim_verifier_cut (FctDkimVerifier *v)
{
  gboolean missing = FALSE;

  g_return_val_if_fail (v != NULL, FALSE);
  if (!v->eom || v->task == NULL)
    return FALSE;
  for (guint i = 0; i < v->sigs->len; i++)
    {
      const SigState *s = g_ptr_array_index (v->sigs, i);
      missing |= !s->skipped && !s->final && s->answer == NULL;
    }
  complete (v);
  return missing;
}

FctDkimVerifyResult *
fct_dkim_verifier_eom_finish (FctDkimVerifier *verifier, GAsyncResult *result,
                              GError **error)
{
  (void)verifier;
  return fct_dkim_verify_finish (result, error);
}

static void
feed_field (FctSlice raw, FctSlice name, gpointer verifier)
{
  (void)name;
  fct_dkim_verifier_header (verifier, raw.ptr, raw.len);
}

void
fct_dkim_verify_async (FctMsg *msg, FctResolver *resolver,
                       const FctDkimVerifyOptions *options, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (FctDkimVerifier) v = fct_dkim_verifier_new (resolver, options);
  /* Every field, those the message skipped past its limit included: the verifier sees
   * what a receiver sees and applies its own limits. */
  fct_msg_foreach_field (msg, feed_field, v);
  fct_dkim_verifier_eoh (v);
  FctSlice body = fct_msg_get_body (msg);
  fct_dkim_verifier_body (v, body.ptr, body.len);
  fct_dkim_verifier_eom_async (v, cancellable, callback, user_data);
}

FctDkimVerifyResult *
fct_dkim_verify_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

FctDkimVerifyResult *
fct_dkim_verify (FctMsg *msg, FctResolver *resolver, const FctDkimVerifyOptions *options)
{
  FctSyncCall call;

  /* The thread's context is kept: creating one costs an eventfd and three system calls,
   * a tenth of a verification. Every source attached to it is gone by the time the
   * result is there. */
  fct_sync_call_begin (&call, TRUE);
  fct_dkim_verify_async (msg, resolver, options, NULL, fct_sync_call_ready, &call);
  g_autoptr (GAsyncResult) res = fct_sync_call_wait (&call);
  FctDkimVerifyResult *result = fct_dkim_verify_finish (res, NULL);
  /* Without a cancellable the task cannot fail. */
  g_assert (result != NULL);
  return result;
}
