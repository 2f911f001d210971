/* facteur — DKIM (RFC 6376, RFC 8301, RFC 8463): verify a message's signatures, sign
 * messages and generate keys. The verifier and the signer are streaming handles fed as a
 * milter is (header fields -> end of header -> body chunks -> end of message); the
 * FctMsg functions below wrap them. Key lookups go through the asynchronous resolver.
 *
 * The building blocks at the end (tag lists, canonicalization, key records, keys) are
 * public because ARC (RFC 8617) reuses them. */
#pragma once

#include <facteur/dns.h>
#include <facteur/limits.h>
#include <facteur/msg.h>
#include <facteur/slice.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define FCT_DKIM_ERROR (fct_dkim_error_quark ())
GQuark fct_dkim_error_quark (void);

typedef enum
{
  FCT_DKIM_ERROR_INVALID, /* a caller-supplied argument is malformed (domain, header list)
                           */
  FCT_DKIM_ERROR_KEY,     /* a private key cannot be read, parsed or used */
  FCT_DKIM_ERROR_IO,      /* a key file cannot be written (message says why) */
  FCT_DKIM_ERROR_NO_FROM, /* the message has no From field: it cannot be signed (§5.4) */
  FCT_DKIM_ERROR_CRYPTO,  /* OpenSSL failed unexpectedly */
  FCT_DKIM_ERROR_HEADER_LIMIT, /* the header is over FctLimits.header_fields_max or has a
                                  field over header_field_max_bytes: the signer did not
                                  read it whole, so it signs nothing */
} FctDkimError;

/* RFC 8601 §2.7.1 result names. */
typedef enum
{
  FCT_DKIM_RESULT_NONE,
  FCT_DKIM_RESULT_PASS,
  FCT_DKIM_RESULT_FAIL,
  FCT_DKIM_RESULT_NEUTRAL,
  FCT_DKIM_RESULT_POLICY,
  FCT_DKIM_RESULT_TEMPERROR,
  FCT_DKIM_RESULT_PERMERROR,
} FctDkimResult;

const char *fct_dkim_result_to_string (FctDkimResult result);

typedef enum
{
  FCT_DKIM_ALGORITHM_UNKNOWN,
  FCT_DKIM_ALGORITHM_RSA_SHA1, /* never a pass: "policy" (RFC 8301 §3.1) */
  FCT_DKIM_ALGORITHM_RSA_SHA256,
  FCT_DKIM_ALGORITHM_ED25519_SHA256, /* RFC 8463 */
} FctDkimAlgorithm;

/* "rsa-sha256", ...; NULL for UNKNOWN. */
const char *fct_dkim_algorithm_to_string (FctDkimAlgorithm algorithm);
/* Parses an a= value (case-insensitive); UNKNOWN if not one of the three. */
FctDkimAlgorithm fct_dkim_algorithm_from_slice (FctSlice s);

typedef enum
{
  FCT_DKIM_CANON_SIMPLE,
  FCT_DKIM_CANON_RELAXED,
} FctDkimCanon;

/* Parses a c= value ("relaxed/simple", "simple", ...). FALSE if invalid. */
gboolean fct_dkim_canon_parse (FctSlice s, FctDkimCanon *header, FctDkimCanon *body);

typedef enum
{
  FCT_DKIM_HASH_SHA1,
  FCT_DKIM_HASH_SHA256,
} FctDkimHash;

typedef enum
{
  FCT_DKIM_KEY_TYPE_RSA,
  FCT_DKIM_KEY_TYPE_ED25519,
} FctDkimKeyType;

/* Things a passing signature does not protect against, for analysis to turn into
 * findings. */
typedef enum
{
  FCT_DKIM_RISK_NONE = 0,
  FCT_DKIM_RISK_BODY_LENGTH = 1 << 0,  /* l= and content follows the signed length
                                          (RFC 6376 §8.2): anyone may append */
  FCT_DKIM_RISK_WEAK_HASH = 1 << 1,    /* rsa-sha1 (RFC 8301 §3.1); such a signature
                                          is "policy", never "pass" */
  FCT_DKIM_RISK_TESTING = 1 << 2,      /* key record t=y: the domain is testing */
  FCT_DKIM_RISK_SHORT_KEY = 1 << 3,    /* RSA under 2048 bits (RFC 8301 §3.2) */
  FCT_DKIM_RISK_FROM_ADDABLE = 1 << 4, /* From not over-signed: a second From can be
                                          added above without breaking it (§8.15) */
} FctDkimRisk;

/* One DKIM-Signature field's outcome. Strings are owned by the result. */
typedef struct
{
  FctDkimResult result;
  char *reason;      /* a short English sentence; never NULL */
  guint field_index; /* position of the DKIM-Signature among the header fields */
  char *domain;      /* d= as written (U-labels as A-labels, RFC 8616 §4), or NULL */
  char *selector;    /* s= likewise, NULL when absent */
  char *identity;    /* i= (default "@" d=), NULL when unknown */
  char *algorithm;   /* a= as written, NULL when absent */
  FctDkimAlgorithm algorithm_id;
  FctDkimCanon header_canon, body_canon;
  char *signed_headers; /* h= names, lower-case, joined with ':' */
  char *b_prefix;       /* first 8 characters of b= (RFC 6008 header.b) */
  gint64 timestamp;     /* t=, -1 when absent */
  gint64 expiration;    /* x=, -1 when absent */
  gboolean has_body_length;
  guint64 body_length;   /* l= */
  guint64 body_unsigned; /* canonical body bytes after l= */
  guint key_bits;        /* 0 when no key was loaded */
  FctDkimKeyType key_type;
  FctDkimRisk risks;
} FctDkimSignatureResult;

typedef struct
{
  GPtrArray *signatures;    /* FctDkimSignatureResult *, in message order */
  guint signatures_skipped; /* over FctLimits.dkim_signatures_max, not evaluated */
  /* Why the header was not read whole (more than FctLimits.header_fields_max fields,
   * or one over header_field_max_bytes), translated; NULL when it was. Every signature
   * then fails closed (permerror with this reason): the fields cut off are the lowest,
   * which signatures cover first. */
  char *incomplete;
} FctDkimVerifyResult;

void fct_dkim_verify_result_free (FctDkimVerifyResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDkimVerifyResult, fct_dkim_verify_result_free)

/* The best result among the signatures (pass > fail > policy > neutral > temperror >
 * permerror > none), as a one-word summary; permerror when the header was not read
 * whole (incomplete). */
FctDkimResult fct_dkim_verify_result_summary (const FctDkimVerifyResult *result);

/* Decoded public keys, keyed by the key record's p=, shared by verifiers: decoding a
 * key costs OpenSSL 3 more than verifying a signature with it. Thread-safe. */
typedef struct _FctDkimKeyCache FctDkimKeyCache;

/* When max_entries are held, the cache is emptied before the next insertion. */
FctDkimKeyCache *fct_dkim_key_cache_new (guint max_entries);
FctDkimKeyCache *fct_dkim_key_cache_ref (FctDkimKeyCache *cache);
void fct_dkim_key_cache_unref (FctDkimKeyCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDkimKeyCache, fct_dkim_key_cache_unref)

typedef struct
{
  const FctLimits *limits;    /* NULL: fct_limits_default () */
  FctDkimKeyCache *key_cache; /* NULL: keys are decoded for each signature */
  gint64 now;                 /* Unix time for t= and x=; 0: the system clock */
  guint rsa_min_bits;         /* 0: 1024 (RFC 8301 §3.2); smaller keys give "policy" */
  /* TRUE: a signature whose l= leaves part of the body unsigned gives "policy", not
   * "pass": whoever appended that part is not authenticated (RFC 6376 §8.2). */
  gboolean refuse_partial_body;
} FctDkimVerifyOptions;

/* A streaming verifier for one message. Reference-counted: a pending DNS callback holds
 * a reference. */
typedef struct _FctDkimVerifier FctDkimVerifier;

/* resolver is referenced; options is copied (limits must outlive the verifier). */
FctDkimVerifier *fct_dkim_verifier_new (FctResolver *resolver,
                                        const FctDkimVerifyOptions *options);
FctDkimVerifier *fct_dkim_verifier_ref (FctDkimVerifier *verifier);
void fct_dkim_verifier_unref (FctDkimVerifier *verifier);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDkimVerifier, fct_dkim_verifier_unref)

/* One header field, exactly as in the message: "Name: value", folding CRLFs included,
 * without the final CRLF. Past FctLimits.header_fields_max fields, or for a field over
 * header_field_max_bytes, the header is no longer kept and every signature fails
 * closed (FctDkimVerifyResult.incomplete says why); nothing is dropped silently. */
void fct_dkim_verifier_header (FctDkimVerifier *verifier, const void *field, gsize len);
/* End of header: parses the signatures and starts their key queries. */
void fct_dkim_verifier_eoh (FctDkimVerifier *verifier);
/* A chunk of the body, CRLF line ends; chunks may split anywhere. */
void fct_dkim_verifier_body (FctDkimVerifier *verifier, const void *data, gsize len);
/* End of message: completes when every key query has answered. The callback runs in
 * the thread-default main context of the caller. */
void fct_dkim_verifier_eom_async (FctDkimVerifier *verifier, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
/* Ends a verification started by fct_dkim_verifier_eom_async without waiting for the key
 * queries still in flight (a time budget is spent): the signatures whose key has
 * arrived get their verdict, the others temperror; the callback runs as usual. TRUE when
 * a key was missing. Nothing happens (FALSE) before the end of the message or after the
 * verdicts. */
gboolean fct_dkim_verifier_cut (FctDkimVerifier *verifier);
/* Returns (transfer full), or NULL and error if cancelled. */
FctDkimVerifyResult *
fct_dkim_verifier_eom_finish (FctDkimVerifier *verifier, GAsyncResult *result,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Verifies every DKIM-Signature of msg: feeds the verifier and waits for it. */
void fct_dkim_verify_async (FctMsg *msg, FctResolver *resolver,
                            const FctDkimVerifyOptions *options, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
FctDkimVerifyResult *fct_dkim_verify_finish (GAsyncResult *result,
                                             GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Blocking form, for the command line: runs a private main context. Never NULL. */
FctDkimVerifyResult *fct_dkim_verify (FctMsg *msg, FctResolver *resolver,
                                      const FctDkimVerifyOptions *options);

/* ---- Keys ---- */

/* A private key (RSA or Ed25519). Its memory is wiped when freed. */
typedef struct _FctDkimPrivateKey FctDkimPrivateKey;

/* Reads a PEM private key (PKCS#1 or PKCS#8), or a bare base64 Ed25519 seed of 32 bytes
 * (the form dkimpy and RFC 8463's examples use). Returns (transfer full). */
FctDkimPrivateKey *fct_dkim_private_key_load (const char *path,
                                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
FctDkimPrivateKey *
fct_dkim_private_key_new_from_data (const void *data, gsize len,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* bits: RSA only, 1024 to 4096 (0: 2048). Returns (transfer full). */
FctDkimPrivateKey *fct_dkim_private_key_generate (FctDkimKeyType type, guint bits,
                                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Signs digest with a key held elsewhere, as fct_dkim_private_key_sign does. Returns
 * the signature (transfer full) or NULL and error. Called from the signing thread. */
typedef GBytes *(*FctDkimRemoteSignFunc) (FctDkimKeyType type, FctDkimHash hash,
                                          const guint8 *digest, gsize digest_len,
                                          gpointer user_data, GError **error);
/* A key whose private half stays in another process (the milter's signer, DESIGN.md
 * "Processes of the daemons"): signing with it calls sign_func; it has no PEM and no
 * DNS record. bits is what fct_dkim_private_key_get_bits reports. destroy (may be
 * NULL) frees user_data with the key. Returns (transfer full). */
FctDkimPrivateKey *fct_dkim_private_key_new_remote (FctDkimKeyType type, guint bits,
                                                    FctDkimRemoteSignFunc sign_func,
                                                    gpointer user_data,
                                                    GDestroyNotify destroy);
FctDkimPrivateKey *fct_dkim_private_key_ref (FctDkimPrivateKey *key);
void fct_dkim_private_key_unref (FctDkimPrivateKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDkimPrivateKey, fct_dkim_private_key_unref)

FctDkimKeyType fct_dkim_private_key_get_key_type (const FctDkimPrivateKey *key);
guint fct_dkim_private_key_get_bits (const FctDkimPrivateKey *key);
/* Writes PKCS#8 PEM to a new file with mode 0600; refuses to overwrite (O_EXCL). */
gboolean fct_dkim_private_key_write_pem (const FctDkimPrivateKey *key, const char *path,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The key record to publish: "v=DKIM1; k=rsa; p=..." (transfer full). */
char *fct_dkim_private_key_get_dns_record (const FctDkimPrivateKey *key);

/* A TXT record value in zone-file form: the text cut into quoted strings of at most 255
 * bytes (RFC 1035 §3.3.14), separated by spaces (transfer full). */
char *fct_dkim_txt_split (const char *text);

/* ---- Signing ---- */

typedef struct
{
  const char *domain;                    /* d=, required */
  const char *selector;                  /* s=, required */
  FctDkimPrivateKey *key;                /* required; its type chooses a= */
  FctDkimCanon header_canon, body_canon; /* default relaxed/relaxed */
  /* Names for h=, a name repeated once per instance to sign plus once to over-sign.
   * NULL: the recommended set (fct_dkim_default_headers), each name present signed
   * once per instance, and From, To, Cc, Subject, Date, Reply-To and the MIME fields
   * over-signed. */
  const char *const *headers;
  const char *identity;        /* i=, NULL: omitted */
  gint64 timestamp;            /* t=; 0: the system clock; -1: omitted */
  guint64 expire_after;        /* x= = t= + this many seconds; 0: no x= */
  gboolean body_length;        /* write l= (discouraged, RFC 6376 §8.2) */
  gboolean query_tag;          /* write q=dns/txt (the default, usually omitted) */
  gboolean spaced_header_list; /* write h= as "from : to" (RFC 6376/8463 examples) */
  const char *eol; /* line break used when folding: "\r\n" (NULL), "\n" or "\r" */
  const FctLimits *limits;
} FctDkimSignOptions;

/* Fills options with the defaults above (relaxed/relaxed, recommended headers). */
void fct_dkim_sign_options_init (FctDkimSignOptions *options);

/* The recommended header set, NULL-terminated (transfer none). */
const char *const *fct_dkim_default_headers (void);

typedef struct _FctDkimSigner FctDkimSigner;

/* options is copied; its strings and key must outlive the signer. */
FctDkimSigner *fct_dkim_signer_new (const FctDkimSignOptions *options,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fct_dkim_signer_free (FctDkimSigner *signer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDkimSigner, fct_dkim_signer_free)
void fct_dkim_signer_header (FctDkimSigner *signer, const void *field, gsize len);
void fct_dkim_signer_body (FctDkimSigner *signer, const void *data, gsize len);
/* Returns the whole field "DKIM-Signature: ...", folded with options->eol and ending
 * with it (transfer full), or NULL and error (no From field, signing failure). */
char *fct_dkim_signer_eom (FctDkimSigner *signer, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Signs msg; returns the field to prepend (see fct_dkim_signer_eom). */
char *fct_dkim_sign (FctMsg *msg, const FctDkimSignOptions *options,
                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- Building blocks (shared with ARC) ---- */

/* One tag of a tag list (RFC 6376 §3.2); slices point into the parsed text. */
typedef struct
{
  FctSlice name;
  FctSlice value; /* without surrounding FWS; may contain inner FWS */
  FctSlice span;  /* everything between '=' and the next ';' or the end */
} FctDkimTag;

/* Parses a tag list into tags (an array of FctDkimTag, cleared first). Fails on a
 * syntax error, a duplicate tag or more than max_tags tags; *reason (transfer none)
 * then says why. Empty tag-specs (";;", a trailing ";") are accepted. */
gboolean fct_dkim_tags_parse (FctSlice text, guint max_tags, GArray *tags,
                              const char **reason) G_GNUC_WARN_UNUSED_RESULT;
/* The tag named name, or NULL (transfer none). */
const FctDkimTag *fct_dkim_tags_find (const GArray *tags, const char *name);

/* A decimal tag value of 1 to max_digits digits: 1*12DIGIT for t= and x= (RFC 6376
 * §3.5); l= allows 76 digits, but more than 2^64 bytes is meaningless, so any overflow
 * is an error. */
gboolean fct_dkim_decimal_parse (FctSlice s, gsize max_digits,
                                 guint64 *out) G_GNUC_WARN_UNUSED_RESULT;

/* Decodes base64 with FWS removed (RFC 6376 §2.4 base64string). NULL if malformed. */
GBytes *fct_dkim_base64_decode (FctSlice s, gsize max_len);

/* Appends the canonical form of one header field (raw "Name: value" with its folding,
 * no final CRLF) to out, followed by CRLF when crlf is TRUE (RFC 6376 §3.4.1, §3.4.2). */
void fct_dkim_canon_header (GByteArray *out, FctDkimCanon canon, FctSlice field,
                            gboolean crlf);

/* Streaming body canonicalization and hash (RFC 6376 §3.4.3, §3.4.4, §3.7). */
typedef struct _FctDkimBodyHasher FctDkimBodyHasher;

/* length_limit: hash only this many canonical bytes (l=); -1: all. */
FctDkimBodyHasher *fct_dkim_body_hasher_new (FctDkimCanon canon, FctDkimHash hash,
                                             gint64 length_limit);
void fct_dkim_body_hasher_free (FctDkimBodyHasher *hasher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDkimBodyHasher, fct_dkim_body_hasher_free)
void fct_dkim_body_hasher_update (FctDkimBodyHasher *hasher, const void *data, gsize len);
/* Finishes: writes the digest (32 bytes for SHA-256, 20 for SHA-1) and returns its
 * length. Call once. */
gsize fct_dkim_body_hasher_finish (FctDkimBodyHasher *hasher, guint8 digest[64]);
/* Canonical body length, including what followed length_limit (valid after finish). */
guint64 fct_dkim_body_hasher_get_length (const FctDkimBodyHasher *hasher);

/* What a signature with l=length leaves unsigned: the canonical body bytes after the
 * first length, at most max_len of them (transfer full; empty when none). */
GBytes *fct_dkim_body_unsigned_tail (FctDkimCanon canon, FctSlice body, guint64 length,
                                     gsize max_len);

/* The body hashes the signatures of one message ask for: one per distinct c=, hash and
 * l=, all computed in the same pass over the body (RFC 6376 §3.7 step 1). */
typedef struct _FctDkimBodyHashes FctDkimBodyHashes;

FctDkimBodyHashes *fct_dkim_body_hashes_new (void);
void fct_dkim_body_hashes_free (FctDkimBodyHashes *hashes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDkimBodyHashes, fct_dkim_body_hashes_free)
/* The index of the hash for canon, hash and l= (length when has_length), added when
 * new; G_MAXUINT when max different ones are there already. Call before the body. */
guint fct_dkim_body_hashes_add (FctDkimBodyHashes *hashes, FctDkimCanon canon,
                                FctDkimHash hash, gboolean has_length, guint64 length,
                                guint max);
void fct_dkim_body_hashes_update (FctDkimBodyHashes *hashes, const void *data, gsize len);
/* Finishes every hash, once, at the end of the body. */
void fct_dkim_body_hashes_finish (FctDkimBodyHashes *hashes);
/* After finish: the canonical body length, and whether hash index equals expected (the
 * decoded bh=). */
guint64 fct_dkim_body_hashes_get_length (const FctDkimBodyHashes *hashes, guint index);
gboolean fct_dkim_body_hashes_match (const FctDkimBodyHashes *hashes, guint index,
                                     GBytes *expected);

/* A key record (RFC 6376 §3.6.1). Slices point into the parsed text. */
typedef struct
{
  FctDkimKeyType key_type;
  gboolean revoked;            /* empty p= */
  gboolean testing;            /* t=y */
  gboolean strict;             /* t=s: i= must be exactly d= */
  gboolean sha1_ok, sha256_ok; /* h= (both when absent) */
  gboolean email_ok;           /* s= contains "*" or "email" (default "*") */
  FctSlice public_key;         /* p= value, FWS included */
} FctDkimKeyRecord;

/* Parses a key record; on failure *reason (transfer none) says why. */
gboolean fct_dkim_key_record_parse (FctSlice text, FctDkimKeyRecord *record,
                                    const char **reason) G_GNUC_WARN_UNUSED_RESULT;

/* A public key from a key record's p= (decoded): SubjectPublicKeyInfo or bare
 * RSAPublicKey for RSA, 32 raw bytes for Ed25519. */
typedef struct _FctDkimPublicKey FctDkimPublicKey;

FctDkimPublicKey *fct_dkim_public_key_new (FctDkimKeyType type, const guint8 *data,
                                           gsize len, const char **reason);
/* Releases the caller's reference (a key cache may hold another). */
void fct_dkim_public_key_free (FctDkimPublicKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDkimPublicKey, fct_dkim_public_key_free)
guint fct_dkim_public_key_get_bits (const FctDkimPublicKey *key);
FctDkimKeyType fct_dkim_public_key_get_key_type (const FctDkimPublicKey *key);

/* Verifies a signature over a digest: RSA PKCS#1 v1.5 with DigestInfo(hash), or, for
 * Ed25519, a signature of the digest bytes themselves (RFC 8463 §3). */
gboolean fct_dkim_public_key_verify (const FctDkimPublicKey *key, FctDkimHash hash,
                                     const guint8 *digest, gsize digest_len,
                                     const guint8 *signature, gsize signature_len);
/* Signs a digest the same way. Returns (transfer full) or NULL and error. */
GBytes *fct_dkim_private_key_sign (const FctDkimPrivateKey *key, FctDkimHash hash,
                                   const guint8 *digest, gsize digest_len,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Incremental digest of the header data (RFC 6376 §3.7 step 2). */
typedef struct _FctDkimDigest FctDkimDigest;
FctDkimDigest *fct_dkim_digest_new (FctDkimHash hash);
void fct_dkim_digest_update (FctDkimDigest *digest, const void *data, gsize len);
gsize fct_dkim_digest_finish (FctDkimDigest *digest, guint8 out[64]);
void fct_dkim_digest_free (FctDkimDigest *digest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDkimDigest, fct_dkim_digest_free)

/* TRUE if name is a header field name: printable ASCII but ':' (RFC 5322 §3.6.8),
 * at least one character. */
gboolean fct_dkim_header_name_is_valid (const char *name);

/* TRUE if s is a domain name DKIM may query: LDH (and '_') labels of 1..63 bytes, at
 * most 253 bytes. */
gboolean fct_dkim_domain_is_valid (FctSlice s);

G_END_DECLS
