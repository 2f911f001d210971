/* facteur — ARC, the Authenticated Received Chain (RFC 8617): validate a message's chain
 * of ARC sets (ARC-Authentication-Results, ARC-Message-Signature, ARC-Seal) and seal a
 * message as an intermediary. The validator is a streaming handle fed as a milter is
 * (header fields -> end of header -> body chunks -> end of message); the FctMsg
 * functions wrap it. Key lookups go through the asynchronous resolver.
 *
 * Canonicalization, tag lists and keys come from DKIM (include/facteur/dkim.h). */
#pragma once

#include <facteur/dkim.h>
#include <facteur/dns.h>
#include <facteur/limits.h>
#include <facteur/msg.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define FCT_ARC_ERROR (fct_arc_error_quark ())
GQuark fct_arc_error_quark (void);

typedef enum
{
  FCT_ARC_ERROR_INVALID, /* a caller-supplied argument is malformed (domain, authserv-id,
                            header list, results) */
  FCT_ARC_ERROR_SIGN,    /* the private key could not sign */
} FctArcError;

/* Chain validation status (RFC 8617 §4.4). */
typedef enum
{
  FCT_ARC_CV_NONE,
  FCT_ARC_CV_PASS,
  FCT_ARC_CV_FAIL,
} FctArcCv;

/* "none", "pass", "fail". */
const char *fct_arc_cv_to_string (FctArcCv cv);

/* What was found out about one ARC set. Strings are owned by the set. */
typedef struct
{
  guint instance;
  char *seal_domain, *seal_selector;           /* AS d= and s= */
  char *signature_domain, *signature_selector; /* AMS d= and s= */
  char *authserv_id;                           /* from the AAR, NULL if it has none */
  char *results;    /* the AAR after "i=N;" unfolded, trimmed (the authres-payload) */
  FctArcCv seal_cv; /* the cv= the AS carries */
  FctDkimResult seal_result;      /* NONE: not checked (the chain failed before) */
  FctDkimResult signature_result; /* NONE: not checked */
} FctArcSet;

typedef struct
{
  FctArcCv cv;
  char *reason;    /* why, translated into the catalog language; never NULL */
  guint instances; /* highest instance seen (N); 0 with cv=none */
  /* RFC 8617 §5.2 step 5: 0 when every AMS verifies, else the lowest instance M+1 such
   * that AMS M+1..N all verify. Only meaningful with cv=pass. */
  guint oldest_pass;
  guint failed_instance; /* the instance at fault with cv=fail, 0 when not one set */
  /* cv=fail because a key could not be fetched (SERVFAIL, timeout). RFC 8617 §5.2.1
   * makes that a failure, but a sealer should retry later rather than seal it. */
  gboolean temporary;
  GPtrArray *sets; /* FctArcSet *, instance 1..N; empty unless the structure is valid */
} FctArcVerifyResult;

void fct_arc_verify_result_free (FctArcVerifyResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctArcVerifyResult, fct_arc_verify_result_free)

typedef struct
{
  const FctLimits *limits; /* NULL: fct_limits_default () */
  gint64 now;              /* Unix time for AMS x=; 0: the system clock */
  guint rsa_min_bits;      /* 0: 1024 (RFC 8301 §3.2) */
} FctArcVerifyOptions;

/* A streaming validator for one message. Reference-counted: a pending DNS callback
 * holds a reference. */
typedef struct _FctArcVerifier FctArcVerifier;

/* resolver is referenced; options is copied (limits must outlive the verifier). */
FctArcVerifier *fct_arc_verifier_new (FctResolver *resolver,
                                      const FctArcVerifyOptions *options);
FctArcVerifier *fct_arc_verifier_ref (FctArcVerifier *verifier);
void fct_arc_verifier_unref (FctArcVerifier *verifier);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctArcVerifier, fct_arc_verifier_unref)

/* One header field exactly as in the message ("Name: value", folding included, no final
 * CRLF). Past FctLimits.header_fields_max fields, or for a field over
 * header_field_max_bytes, the header is no longer kept and the verdict fails closed:
 * cv=fail, the reason naming the limit; nothing is dropped silently. */
void fct_arc_verifier_header (FctArcVerifier *verifier, const void *field, gsize len);
/* End of header: checks the chain's structure and starts the key queries. */
void fct_arc_verifier_eoh (FctArcVerifier *verifier);
/* A chunk of the body, CRLF line ends; chunks may split anywhere. */
void fct_arc_verifier_body (FctArcVerifier *verifier, const void *data, gsize len);
/* End of message: completes when every key query has answered, in the thread-default
 * main context of the caller. */
void fct_arc_verifier_eom_async (FctArcVerifier *verifier, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* Ends a verification started by fct_arc_verifier_eom_async without waiting for the key
 * queries still in flight (a time budget is spent): a key that has not arrived counts as
 * a DNS failure (cv=fail, temporary). TRUE when a key was missing. Nothing happens
 * (FALSE) before the end of the message or after the verdict. */
gboolean fct_arc_verifier_cut (FctArcVerifier *verifier);
/* Returns (transfer full), or NULL and error if cancelled. */
FctArcVerifyResult *fct_arc_verifier_eom_finish (FctArcVerifier *verifier,
                                                 GAsyncResult *result,
                                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Validates the chain of msg (RFC 8617 §5.2). */
void fct_arc_verify_async (FctMsg *msg, FctResolver *resolver,
                           const FctArcVerifyOptions *options, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
FctArcVerifyResult *fct_arc_verify_finish (GAsyncResult *result,
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Blocking form: runs a private main context. Never NULL. */
FctArcVerifyResult *fct_arc_verify (FctMsg *msg, FctResolver *resolver,
                                    const FctArcVerifyOptions *options);

/* ---- Sealing (RFC 8617 §5.1) ---- */

typedef struct
{
  const char *domain;      /* d= of the AMS and the AS, required */
  const char *selector;    /* s=, required */
  FctDkimPrivateKey *key;  /* required; its type chooses a= */
  const char *authserv_id; /* the AAR's authserv-id, required */
  /* The authentication results to record in the AAR, "method=result ...; ..." as in
   * an Authentication-Results field after the authserv-id (RFC 8601 §2.2), required:
   * the results this ADMD computed itself. Authentication-Results fields found in the
   * message are never copied, whatever their authserv-id: anyone upstream can write
   * one that claims it (RFC 8601 §5), and the seal would vouch for it. */
  const char *results;
  /* Header field names for the AMS h=. NULL: fct_dkim_default_headers (). ARC fields
   * and Authentication-Results are refused (RFC 8617 §4.1.2). */
  const char *const *headers;
  gint64 timestamp; /* t=; 0: the system clock; -1: omitted */
  const char *eol;  /* line break used when folding: "\r\n" (NULL) or "\n" */
  const FctLimits *limits;
} FctArcSealOptions;

typedef struct
{
  gboolean sealed; /* FALSE: no set added (reason says why: a failed chain already
                      marked cv=fail, no instance number left, or DNS unavailable) */
  char *reason;    /* never NULL */
  FctArcCv cv;     /* the cv= written */
  guint instance;  /* the new set's instance */
  /* The three fields, "Name: value" folded with options->eol and ending with it, to
   * prepend to the message in the order seal, message signature, authentication
   * results (transfer full; NULL when not sealed). */
  char *seal;
  char *message_signature;
  char *authentication_results;
} FctArcSealResult;

void fct_arc_seal_result_free (FctArcSealResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctArcSealResult, fct_arc_seal_result_free)

/* Adds an ARC set to msg. chain is the validation of msg's existing chain (from
 * fct_arc_verify): it gives the cv= to write and whether the earlier sets are sealed
 * over (§5.1.1) or not (§5.1.2). A chain that failed only for want of DNS
 * (chain->temporary) is not sealed: a cv=fail set would end the chain for good. Returns
 * (transfer full), or NULL and an FCT_ARC_ERROR or FCT_DKIM_ERROR. */
FctArcSealResult *fct_arc_seal (FctMsg *msg, const FctArcVerifyResult *chain,
                                const FctArcSealOptions *options,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- Header parsers (public for the fuzz targets and analysis) ---- */

typedef enum
{
  FCT_ARC_FIELD_AAR,
  FCT_ARC_FIELD_AMS,
  FCT_ARC_FIELD_SEAL,
} FctArcFieldKind;

/* Reads the instance of an ARC field's value (after the colon): for AMS and AS the i=
 * tag of the tag list, for the AAR the leading "i=N;" (RFC 8617 §4.1.1, §4.2.1). Returns
 * FALSE with *reason (transfer none) when it is missing or not 1..max. */
gboolean fct_arc_field_instance (FctArcFieldKind kind, FctSlice value, guint max,
                                 guint *instance, const char **reason);

/* Checks an AMS (kind AMS) or AS (kind SEAL) value the way the validator does before any
 * cryptography: tags, required tags, algorithms, domains, cv=, no h= on a seal. Returns
 * FALSE with *reason (transfer none). */
gboolean fct_arc_field_check (FctArcFieldKind kind, FctSlice value, const FctLimits *limits,
                              const char **reason);

G_END_DECLS
