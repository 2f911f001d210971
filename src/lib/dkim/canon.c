/* DKIM canonicalization (RFC 6376 §3.4): simple and relaxed, for header fields and, as
 * a streaming hasher fed in arbitrary chunks, for the body (§3.4.3, §3.4.4, l= §3.4.5);
 * header field selection and the header hash of §3.7 and §5.4.2. */
#include "dkim-private.h"

gboolean
fct_dkim_canon_parse (FctSlice s, FctDkimCanon *header, FctDkimCanon *body)
{
  FctSlice h = s, b = FCT_SLICE_EMPTY;
  const guint8 *slash = s.len > 0 ? memchr (s.ptr, '/', s.len) : NULL;

  if (slash != NULL)
    {
      h = fct_slice_new (s.ptr, (gsize)(slash - s.ptr));
      b = fct_slice_new (slash + 1, s.len - h.len - 1);
    }
  /* §3.5 c=: "If only one algorithm is named, that algorithm is used for the header
   * and "simple" is used for the body." */
  *header = *body = FCT_DKIM_CANON_SIMPLE;
  if (fct_slice_equal_str_nocase (h, "relaxed"))
    *header = FCT_DKIM_CANON_RELAXED;
  else if (!fct_slice_equal_str_nocase (h, "simple"))
    return FALSE;
  if (slash == NULL)
    return TRUE;
  if (fct_slice_equal_str_nocase (b, "relaxed"))
    *body = FCT_DKIM_CANON_RELAXED;
  else if (!fct_slice_equal_str_nocase (b, "simple"))
    return FALSE;
  return TRUE;
}

FctSlice
fct_dkim_field_value (FctSlice field)
{
  const guint8 *colon = field.len > 0 ? memchr (field.ptr, ':', field.len) : NULL;
  if (colon == NULL)
    return FCT_SLICE_EMPTY;
  return fct_slice_new (colon + 1, field.len - (gsize)(colon + 1 - field.ptr));
}

FctSlice
fct_dkim_field_name (FctSlice field)
{
  const guint8 *colon = field.len > 0 ? memchr (field.ptr, ':', field.len) : NULL;
  FctSlice name = fct_slice_new (field.ptr, colon != NULL ? (gsize)(colon - field.ptr) : 0);
  return fct_slice_trim_wsp (name);
}

void
fct_dkim_canon_header (GByteArray *out, FctDkimCanon canon, FctSlice field, gboolean crlf)
{
  if (canon == FCT_DKIM_CANON_SIMPLE)
    {
      /* §3.4.1: the field exactly as it is. */
      g_byte_array_append (out, field.ptr, (guint)field.len);
    }
  else
    {
      /* §3.4.2: lower-case name, unfold, WSP runs to one SP, no WSP around the colon
       * or at the end of the value. */
      FctSlice name = fct_dkim_field_name (field);
      FctSlice value = fct_dkim_field_value (field);
      gboolean pending_space = FALSE, started = FALSE;
      /* The result is never longer than the field plus the colon: write in place. */
      guint old = out->len;
      g_byte_array_set_size (out, (guint)(old + name.len + 1 + value.len));
      guint8 *w = out->data + old;

      for (gsize i = 0; i < name.len; i++)
        *w++ = (guint8)g_ascii_tolower (name.ptr[i]);
      *w++ = ':';
      for (gsize i = 0; i < value.len; i++)
        {
          guint8 c = value.ptr[i];
          if (c == '\r' && i + 1 < value.len && value.ptr[i + 1] == '\n')
            {
              i++;
              continue;
            }
          if (c == ' ' || c == '\t')
            {
              pending_space = started;
              continue;
            }
          if (pending_space)
            *w++ = ' ';
          pending_space = FALSE;
          started = TRUE;
          *w++ = c;
        }
      g_byte_array_set_size (out, (guint)(w - out->data));
    }
  if (crlf)
    g_byte_array_append (out, (const guint8 *)"\r\n", 2);
}

/* ---- Body ---- */

#define BODY_BUFFER 8192

struct _FctDkimBodyHasher
{
  FctDkimCanon canon;
  gint64 limit;   /* -1: none */
  guint64 total;  /* canonical bytes produced */
  guint64 hashed; /* canonical bytes hashed (<= limit) */
  guint64 pending_crlf;
  gboolean pending_cr;  /* the previous chunk ended with CR */
  gboolean pending_wsp; /* relaxed: WSP seen since the last content byte */
  gboolean any_content;
  gboolean finished;
  GByteArray *tail; /* canonical bytes past the limit, kept up to tail_max; or NULL */
  gsize tail_max;
  EVP_MD_CTX *ctx;
  gsize used;
  guint8 buffer[BODY_BUFFER];
};

FctDkimBodyHasher *
fct_dkim_body_hasher_new (FctDkimCanon canon, FctDkimHash hash, gint64 length_limit)
{
  FctDkimBodyHasher *h = g_new0 (FctDkimBodyHasher, 1);

  h->canon = canon;
  h->limit = length_limit;
  h->ctx = EVP_MD_CTX_new ();
  if (h->ctx == NULL || !EVP_DigestInit_ex (h->ctx, fct_dkim_hash_md (hash), NULL))
    g_error ("OpenSSL cannot initialise a digest");
  return h;
}

void
fct_dkim_body_hasher_free (FctDkimBodyHasher *hasher)
{
  if (hasher == NULL)
    return;
  EVP_MD_CTX_free (hasher->ctx);
  if (hasher->tail != NULL)
    g_byte_array_unref (hasher->tail);
  g_free (hasher);
}

static void
flush (FctDkimBodyHasher *h)
{
  if (h->used > 0)
    EVP_DigestUpdate (h->ctx, h->buffer, h->used);
  h->used = 0;
}

/* Emits canonical bytes: counted always, hashed up to the l= limit. */
static void
emit (FctDkimBodyHasher *h, const guint8 *data, gsize len)
{
  h->total += len;
  if (h->limit >= 0)
    {
      guint64 room = (guint64)h->limit > h->hashed ? (guint64)h->limit - h->hashed : 0;
      if (len > room)
        {
          if (h->tail != NULL && h->tail->len < h->tail_max)
            g_byte_array_append (
                h->tail, data + room,
                (guint)MIN ((guint64)len - room, (guint64)(h->tail_max - h->tail->len)));
          len = (gsize)room;
        }
    }
  h->hashed += len;
  if (len > sizeof h->buffer - h->used)
    {
      flush (h);
      if (len >= sizeof h->buffer / 2)
        {
          EVP_DigestUpdate (h->ctx, data, len);
          return;
        }
    }
  memcpy (h->buffer + h->used, data, len);
  h->used += len;
}

/* Before content: the line breaks held back (they were not trailing after all) and,
 * in relaxed mode, one SP for a run of WSP inside the line. */
static void
emit_content (FctDkimBodyHasher *h, const guint8 *data, gsize len)
{
  static const guint8 crlfs[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

  while (h->pending_crlf > 0)
    {
      guint64 n = MIN (h->pending_crlf, (guint64)(sizeof crlfs - 1) / 2);
      emit (h, crlfs, (gsize)n * 2);
      h->pending_crlf -= n;
    }
  if (h->pending_wsp)
    {
      emit (h, (const guint8 *)" ", 1);
      h->pending_wsp = FALSE;
    }
  emit (h, data, len);
  h->any_content = TRUE;
}

static void
line_break (FctDkimBodyHasher *h)
{
  /* Relaxed: WSP at the end of a line is deleted (§3.4.4). */
  h->pending_wsp = FALSE;
  h->pending_crlf++;
}

/* Bytes that end a run of plain content in relaxed mode: CR, SP and HTAB. */
static const guint8 relaxed_special[256] = { ['\r'] = 1, [' '] = 1, ['\t'] = 1 };

typedef signed char FctV16 __attribute__ ((vector_size (16)));

/* TRUE if a line of relaxed mode is already canonical: not empty, no HTAB, no two SP
 * in a row, no WSP at either end. */
static gboolean
relaxed_line_is_canonical (const guint8 *line, gsize n)
{
  if (n == 0 || relaxed_special[line[0]] || relaxed_special[line[n - 1]])
    return FALSE;
  /* Sixteen bytes at a time with GCC/Clang vector extensions (SSE2 or NEON code):
   * HTAB anywhere, or SP at j and at j + 1, read from two overlapping loads. */
  gsize k = 0;
  const FctV16 tab = (FctV16){ 0 } + '\t', sp = (FctV16){ 0 } + ' ';
  for (; k + 17 <= n; k += 16)
    {
      FctV16 a, b;
      guint64 half[2];
      memcpy (&a, line + k, 16);
      memcpy (&b, line + k + 1, 16);
      FctV16 bad = (a == tab) | ((a == sp) & (b == sp));
      memcpy (half, &bad, 16);
      if ((half[0] | half[1]) != 0)
        return FALSE;
    }
  for (; k < n; k++)
    if (line[k] == '\t' || (line[k] == ' ' && k + 1 < n && line[k + 1] == ' '))
      return FALSE;
  return TRUE;
}

/* The fast path of relaxed mode: the length of the longest prefix made of canonical
 * lines joined by CRLF, up to (not including) the CR that ends the last of them. Such
 * a prefix is hashed as it is, in one piece; 0 when the first line is not canonical. */
static gsize
relaxed_canonical_prefix (const guint8 *p, gsize avail)
{
  gsize good = 0, pos = 0;

  while (pos < avail)
    {
      const guint8 *cr = memchr (p + pos, '\r', avail - pos);
      if (cr == NULL || !relaxed_line_is_canonical (p + pos, (gsize)(cr - (p + pos))))
        break;
      good = (gsize)(cr - p);
      if (good + 1 >= avail || p[good + 1] != '\n')
        break;
      pos = good + 2;
    }
  return good;
}

/* Simple mode hashes the bytes as they are, except the CRLFs that end the body: a
 * chunk's trailing CRLFs (and a final CR, which may start one) are held back until
 * content follows them. */
static void
simple_update (FctDkimBodyHasher *h, const guint8 *p, gsize len)
{
  gsize end = len;
  guint64 crlfs = 0;
  gboolean cr_at_end = FALSE;

  if (end > 0 && p[end - 1] == '\r')
    {
      cr_at_end = TRUE;
      end--;
    }
  while (end >= 2 && p[end - 2] == '\r' && p[end - 1] == '\n')
    {
      end -= 2;
      crlfs++;
    }
  if (end > 0)
    emit_content (h, p, end);
  h->pending_crlf += crlfs;
  h->pending_cr = cr_at_end;
}

void
fct_dkim_body_hasher_update (FctDkimBodyHasher *h, const void *data, gsize len)
{
  const guint8 *p = data;
  gsize i = 0;

  g_return_if_fail (h != NULL && !h->finished);
  if (len > 0 && h->pending_cr)
    {
      h->pending_cr = FALSE;
      if (p[0] == '\n')
        {
          line_break (h);
          i = 1;
        }
      else
        emit_content (h, (const guint8 *)"\r", 1);
    }
  if (h->canon == FCT_DKIM_CANON_SIMPLE)
    {
      if (i < len)
        simple_update (h, p + i, len - i);
      return;
    }
  while (i < len)
    {
      gsize start = i;
      gsize fast = relaxed_canonical_prefix (p + i, len - i);
      if (fast > 0)
        i += fast; /* at the CR that ends an already canonical line */
      else
        /* A lone SP between two content bytes is already canonical: it stays inside
         * the run, so that ordinary text is emitted a line at a time. */
        while (
            i < len
            && (!relaxed_special[p[i]]
                || (p[i] == ' ' && i > start && i + 1 < len && !relaxed_special[p[i + 1]])))
          i++;
      if (i > start)
        emit_content (h, p + start, i - start);
      if (i >= len)
        break;
      if (p[i] == '\r')
        {
          if (i + 1 >= len)
            {
              h->pending_cr = TRUE;
              break;
            }
          if (p[i + 1] == '\n')
            {
              line_break (h);
              i += 2;
              continue;
            }
          /* A lone CR is content. */
          emit_content (h, p + i, 1);
          i++;
          continue;
        }
      /* Relaxed WSP: one SP if content follows on the line (§3.4.4). */
      h->pending_wsp = TRUE;
      i++;
    }
}

gsize
fct_dkim_body_hasher_finish (FctDkimBodyHasher *h, guint8 digest[64])
{
  unsigned int len = 0;

  g_return_val_if_fail (h != NULL && !h->finished, 0);
  if (h->pending_cr)
    {
      h->pending_cr = FALSE;
      emit_content (h, (const guint8 *)"\r", 1);
    }
  /* Trailing empty lines are dropped; a non-empty body ends with exactly one CRLF.
   * An empty body is CRLF in simple (§3.4.3), nothing in relaxed (§3.4.4). */
  if (h->any_content || h->canon == FCT_DKIM_CANON_SIMPLE)
    emit (h, (const guint8 *)"\r\n", 2);
  flush (h);
  h->finished = TRUE;
  if (!EVP_DigestFinal_ex (h->ctx, digest, &len))
    g_error ("OpenSSL cannot finish a digest");
  return len;
}

guint64
fct_dkim_body_hasher_get_length (const FctDkimBodyHasher *hasher)
{
  return hasher->total;
}

GBytes *
fct_dkim_body_unsigned_tail (FctDkimCanon canon, FctSlice body, guint64 length,
                             gsize max_len)
{
  g_autoptr (FctDkimBodyHasher) h = fct_dkim_body_hasher_new (
      canon, FCT_DKIM_HASH_SHA256, (gint64)MIN (length, (guint64)G_MAXINT64));
  guint8 digest[64];

  h->tail = g_byte_array_new ();
  h->tail_max = MIN (max_len, (gsize)G_MAXUINT);
  fct_dkim_body_hasher_update (h, body.ptr, body.len);
  fct_dkim_body_hasher_finish (h, digest);
  return g_byte_array_free_to_bytes (g_steal_pointer (&h->tail));
}

/* ---- The body hashes of one message ---- */

typedef struct
{
  FctDkimCanon canon;
  FctDkimHash hash;
  gint64 limit;
  FctDkimBodyHasher *hasher;
  guint8 digest[64];
  gsize digest_len;
} BodyHash;

struct _FctDkimBodyHashes
{
  GArray *items; /* BodyHash */
};

FctDkimBodyHashes *
fct_dkim_body_hashes_new (void)
{
  FctDkimBodyHashes *hashes = g_new0 (FctDkimBodyHashes, 1);
  hashes->items = g_array_new (FALSE, TRUE, sizeof (BodyHash));
  return hashes;
}

void
fct_dkim_body_hashes_free (FctDkimBodyHashes *hashes)
{
  if (hashes == NULL)
    return;
  for (guint i = 0; i < hashes->items->len; i++)
    fct_dkim_body_hasher_free (g_array_index (hashes->items, BodyHash, i).hasher);
  g_array_unref (hashes->items);
  g_free (hashes);
}

guint
fct_dkim_body_hashes_add (FctDkimBodyHashes *hashes, FctDkimCanon canon, FctDkimHash hash,
                          gboolean has_length, guint64 length, guint max)
{
  gint64 limit = has_length ? (gint64)MIN (length, (guint64)G_MAXINT64) : -1;

  for (guint i = 0; i < hashes->items->len; i++)
    {
      const BodyHash *b = &g_array_index (hashes->items, BodyHash, i);
      if (b->canon == canon && b->hash == hash && b->limit == limit)
        return i;
    }
  /* Each different one costs a pass over the body. */
  if (hashes->items->len >= max)
    return G_MAXUINT;
  BodyHash b = { .canon = canon, .hash = hash, .limit = limit };
  b.hasher = fct_dkim_body_hasher_new (canon, hash, limit);
  g_array_append_val (hashes->items, b);
  return hashes->items->len - 1;
}

void
fct_dkim_body_hashes_update (FctDkimBodyHashes *hashes, const void *data, gsize len)
{
  for (guint i = 0; i < hashes->items->len; i++)
    fct_dkim_body_hasher_update (g_array_index (hashes->items, BodyHash, i).hasher, data,
                                 len);
}

void
fct_dkim_body_hashes_finish (FctDkimBodyHashes *hashes)
{
  for (guint i = 0; i < hashes->items->len; i++)
    {
      BodyHash *b = &g_array_index (hashes->items, BodyHash, i);
      b->digest_len = fct_dkim_body_hasher_finish (b->hasher, b->digest);
    }
}

guint64
fct_dkim_body_hashes_get_length (const FctDkimBodyHashes *hashes, guint index)
{
  g_return_val_if_fail (index < hashes->items->len, 0);
  return fct_dkim_body_hasher_get_length (
      g_array_index (hashes->items, BodyHash, index).hasher);
}

gboolean
fct_dkim_body_hashes_match (const FctDkimBodyHashes *hashes, guint index, GBytes *expected)
{
  g_return_val_if_fail (index < hashes->items->len, FALSE);
  const BodyHash *b = &g_array_index (hashes->items, BodyHash, index);
  return g_bytes_get_size (expected) == b->digest_len
         && memcmp (g_bytes_get_data (expected, NULL), b->digest, b->digest_len) == 0;
}

/* ---- Header fields ---- */

void
fct_dkim_header_store_init (FctDkimHeaderStore *store)
{
  store->bytes = g_byte_array_new ();
  store->spans = g_array_new (FALSE, FALSE, sizeof (FctDkimFieldSpan));
}

void
fct_dkim_header_store_clear (FctDkimHeaderStore *store)
{
  g_clear_pointer (&store->bytes, g_byte_array_unref);
  g_clear_pointer (&store->spans, g_array_unref);
}

void
fct_dkim_header_store_add (FctDkimHeaderStore *store, const void *field, gsize len)
{
  FctDkimFieldSpan span = { store->bytes->len, len, 0 };

  g_byte_array_append (store->bytes, field, (guint)len);
  span.name_len = fct_dkim_field_name (fct_slice_new (field, len)).len;
  g_array_append_val (store->spans, span);
}

FctSlice
fct_dkim_header_store_field (const FctDkimHeaderStore *store, guint index)
{
  const FctDkimFieldSpan *span = &g_array_index (store->spans, FctDkimFieldSpan, index);
  return fct_slice_new (store->bytes->data + span->offset, span->len);
}

FctSlice
fct_dkim_header_store_name (const FctDkimHeaderStore *store, guint index)
{
  const FctDkimFieldSpan *span = &g_array_index (store->spans, FctDkimFieldSpan, index);
  /* The name starts the field; leading WSP cannot occur (it would be a continuation). */
  return fct_slice_new (store->bytes->data + span->offset, span->name_len);
}

void
fct_dkim_hash_headers (FctDkimDigest *digest, FctDkimCanon canon,
                       const FctDkimHeaderStore *store, GPtrArray *names,
                       FctSlice sig_field, FctSlice b_span)
{
  guint n_fields = store->spans->len;
  g_autofree guint8 *used = g_malloc0 (MAX (n_fields, 1));
  g_autoptr (GByteArray) out = g_byte_array_sized_new (1024);

  for (guint i = 0; i < names->len; i++)
    {
      const FctSlice *name = g_ptr_array_index (names, i);
      /* §5.4.2: the last unused instance, working up from the bottom. */
      for (guint j = n_fields; j-- > 0;)
        {
          if (used[j]
              || !fct_slice_equal_ascii_nocase (fct_dkim_header_store_name (store, j),
                                                *name))
            continue;
          used[j] = 1;
          fct_dkim_canon_header (out, canon, fct_dkim_header_store_field (store, j), TRUE);
          break;
        }
    }

  /* The signature field with its b= value deleted (§3.5 b=, §3.7). */
  g_autoptr (GByteArray) sig = g_byte_array_sized_new ((guint)sig_field.len);
  gsize before = (gsize)(b_span.ptr - sig_field.ptr);
  g_byte_array_append (sig, sig_field.ptr, (guint)before);
  g_byte_array_append (sig, b_span.ptr + b_span.len,
                       (guint)(sig_field.len - before - b_span.len));
  fct_dkim_canon_header (out, canon, fct_slice_new (sig->data, sig->len), FALSE);
  fct_dkim_digest_update (digest, out->data, out->len);
}

/* ---- Digests ---- */

struct _FctDkimDigest
{
  EVP_MD_CTX *ctx;
};

const EVP_MD *
fct_dkim_hash_md (FctDkimHash hash)
{
  /* Fetched once: OpenSSL 3 resolves an implicit EVP_sha256 () through its provider
   * store, under a lock, at every EVP_DigestInit_ex. The fetched objects are immutable
   * and live for the process. */
  static EVP_MD *md[2];
  static gsize fetched = 0;

  if (g_once_init_enter (&fetched))
    {
      md[FCT_DKIM_HASH_SHA1] = EVP_MD_fetch (NULL, "SHA1", NULL);
      md[FCT_DKIM_HASH_SHA256] = EVP_MD_fetch (NULL, "SHA256", NULL);
      if (md[0] == NULL || md[1] == NULL)
        g_error ("OpenSSL provides no SHA-1 or SHA-256");
      g_once_init_leave (&fetched, 1);
    }
  return md[hash == FCT_DKIM_HASH_SHA1 ? FCT_DKIM_HASH_SHA1 : FCT_DKIM_HASH_SHA256];
}

FctDkimDigest *
fct_dkim_digest_new (FctDkimHash hash)
{
  FctDkimDigest *d = g_new0 (FctDkimDigest, 1);
  d->ctx = EVP_MD_CTX_new ();
  if (d->ctx == NULL || !EVP_DigestInit_ex (d->ctx, fct_dkim_hash_md (hash), NULL))
    g_error ("OpenSSL cannot initialise a digest");
  return d;
}

void
fct_dkim_digest_update (FctDkimDigest *digest, const void *data, gsize len)
{
  EVP_DigestUpdate (digest->ctx, data, len);
}

gsize
fct_dkim_digest_finish (FctDkimDigest *digest, guint8 out[64])
{
  unsigned int len = 0;
  if (!EVP_DigestFinal_ex (digest->ctx, out, &len))
    g_error ("OpenSSL cannot finish a digest");
  return len;
}

void
fct_dkim_digest_free (FctDkimDigest *digest)
{
  if (digest == NULL)
    return;
  EVP_MD_CTX_free (digest->ctx);
  g_free (digest);
}
