/* DKIM internals shared by the files of src/lib/dkim only (never included elsewhere;
 * the parts ARC needs are public in include/facteur/dkim.h). */
#pragma once

#include <facteur/dkim.h>
#include <glib/gi18n-lib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* Tags a DKIM-Signature may carry: 14 defined by RFC 6376 §3.5, room for extensions. */
#define FCT_DKIM_SIGNATURE_TAGS_MAX 64
/* A key record defines 7 tags (§3.6.1). */
#define FCT_DKIM_KEY_RECORD_TAGS_MAX 32
/* b= of a 16384-bit RSA key is 2 KiB; no deployed key is larger (RFC 8301 §3.2 caps
 * verifiers' obligation at 4096 bits). */
#define FCT_DKIM_SIGNATURE_BYTES_MAX 2048
/* p= of a 16384-bit RSA SubjectPublicKeyInfo is about 2.1 KiB. */
#define FCT_DKIM_PUBLIC_KEY_BYTES_MAX 4096
/* Allowed clock difference for t= in the future (RFC 6376 §3.5 lets verifiers choose):
 * 10 hours, dkimpy's leeway "for mailers with inaccurate clocks". Real signers are
 * hours off (mail-auth/004.txt, facebookmail.com, is 5 h ahead of its own Date). */
#define FCT_DKIM_CLOCK_SKEW_SECONDS 36000

/* fct_dkim_tags_parse for a text known to be UTF-8, whose values may hold UTF-8
 * (RFC 8616 §4). */
gboolean fct_dkim_tags_parse_utf8 (FctSlice text, guint max_tags, GArray *tags,
                                   const char **reason);

/* A parsed DKIM-Signature (RFC 6376 §3.5). Slices point into the field's bytes, but for
 * d= and s= written as U-labels: they point to their A-labels, owned (RFC 8616 §4). */
typedef struct
{
  FctSlice field;     /* the whole raw field */
  FctSlice b_span;    /* the b= value region inside field, removed when hashing */
  FctSlice domain;    /* d= */
  FctSlice selector;  /* s= */
  FctSlice identity;  /* i= as written, empty when absent */
  FctSlice algorithm; /* a= */
  FctDkimAlgorithm algorithm_id;
  FctDkimHash hash;
  FctDkimKeyType key_type;
  FctDkimCanon header_canon, body_canon;
  GPtrArray *headers; /* FctSlice * into field: h= names in order */
  GBytes *signature;  /* b= decoded */
  GBytes *body_hash;  /* bh= decoded */
  FctSlice b_text;    /* b= as written (for header.b) */
  gboolean has_length;
  guint64 length;
  gint64 timestamp;                      /* -1 absent */
  gint64 expiration;                     /* -1 absent */
  char *domain_alabel, *selector_alabel; /* owned A-labels of U-label d= and s=, or NULL */
} FctDkimSignature;

/* Parses the raw field (name, colon and value). On failure returns FALSE, fills what
 * it could and sets *reason. */
gboolean fct_dkim_signature_parse (FctSlice field, const FctLimits *limits,
                                   FctDkimSignature *sig, const char **reason);
void fct_dkim_signature_clear (FctDkimSignature *sig);

/* The value part of a raw field: after the first ':'. */
FctSlice fct_dkim_field_value (FctSlice field);
/* The name part of a raw field, trailing WSP removed. */
FctSlice fct_dkim_field_name (FctSlice field);

/* Header fields collected by a streaming handle, copied. */
typedef struct
{
  GByteArray *bytes; /* every field's raw bytes, back to back */
  GArray *spans;     /* FctDkimFieldSpan */
} FctDkimHeaderStore;

typedef struct
{
  gsize offset, len, name_len;
} FctDkimFieldSpan;

void fct_dkim_header_store_init (FctDkimHeaderStore *store);
void fct_dkim_header_store_clear (FctDkimHeaderStore *store);
void fct_dkim_header_store_add (FctDkimHeaderStore *store, const void *field, gsize len);
FctSlice fct_dkim_header_store_field (const FctDkimHeaderStore *store, guint index);
FctSlice fct_dkim_header_store_name (const FctDkimHeaderStore *store, guint index);

/* Hashes the selected header fields (§5.4.2: each h= name takes the next instance from
 * the bottom; a name with none left contributes nothing), then the signature field
 * itself with its b= value removed and no final CRLF (§3.7). */
void fct_dkim_hash_headers (FctDkimDigest *digest, FctDkimCanon canon,
                            const FctDkimHeaderStore *store, GPtrArray *names,
                            FctSlice sig_field, FctSlice b_span);

const EVP_MD *fct_dkim_hash_md (FctDkimHash hash);

/* Decodes p= (base64) into a key, through cache when not NULL. */
FctDkimPublicKey *fct_dkim_public_key_from_record (FctDkimKeyCache *cache,
                                                   FctDkimKeyType type, FctSlice p,
                                                   const char **reason);
EVP_PKEY *fct_dkim_private_key_get_pkey (const FctDkimPrivateKey *key);

G_END_DECLS
