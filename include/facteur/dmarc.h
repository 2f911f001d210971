/* facteur — DMARC (RFC 9989, with an RFC 7489 legacy mode): the author domain from the
 * From field, policy records, policy discovery by the DNS tree walk, identifier alignment,
 * the result, the applicable policy and the disposition, and the check of external
 * report destinations.
 *
 * DMARC consumes SPF and DKIM verdicts as plain data (FctDmarcInputs), so it depends on
 * neither module. Verdicts are results in FctDmarcVerdict; a GError means the evaluation
 * could not be started (no public suffix list in legacy mode, say). */
#pragma once

#include <facteur/dns.h>
#include <facteur/limits.h>
#include <facteur/msg.h>

G_BEGIN_DECLS

#define FCT_DMARC_ERROR (fct_dmarc_error_quark ())
GQuark fct_dmarc_error_quark (void);

typedef enum
{
  FCT_DMARC_ERROR_PSL, /* legacy mode: the public suffix list could not be loaded */
} FctDmarcError;

/* RFC 9989 §9.2 result names, as Authentication-Results spells them. */
typedef enum
{
  FCT_DMARC_RESULT_NONE,      /* no policy record for the author domain */
  FCT_DMARC_RESULT_PASS,      /* an authenticated identifier aligns */
  FCT_DMARC_RESULT_FAIL,      /* a record exists, nothing aligns */
  FCT_DMARC_RESULT_TEMPERROR, /* a DNS query needed for the verdict did not complete */
  FCT_DMARC_RESULT_PERMERROR, /* no single author domain, or an unusable record */
} FctDmarcResult;

const char *fct_dmarc_result_to_string (FctDmarcResult result);

/* Domain Owner Assessment Policy (RFC 9989 §4.7 "p"). UNSET: the tag is absent. */
typedef enum
{
  FCT_DMARC_POLICY_UNSET,
  FCT_DMARC_POLICY_NONE,
  FCT_DMARC_POLICY_QUARANTINE,
  FCT_DMARC_POLICY_REJECT,
} FctDmarcPolicy;

/* "none", "quarantine", "reject" ("" for UNSET). */
const char *fct_dmarc_policy_to_string (FctDmarcPolicy policy);

typedef enum
{
  FCT_DMARC_ALIGNMENT_RELAXED,
  FCT_DMARC_ALIGNMENT_STRICT,
} FctDmarcAlignment;

/* RFC 9989 §4.7 "psd". */
typedef enum
{
  FCT_DMARC_PSD_UNKNOWN, /* "u", the default */
  FCT_DMARC_PSD_YES,
  FCT_DMARC_PSD_NO,
} FctDmarcPsd;

/* ---------------------------------------------------------------- records */

/* What parsing noticed. None of these stops the parse: RFC 9989 §4.8 says syntax errors
 * after the version fall back to defaults or are ignored. */
typedef enum
{
  FCT_DMARC_RECORD_FLAG_NONE = 0,
  FCT_DMARC_RECORD_FLAG_TOO_LONG = 1 << 0, /* over dmarc_record_max_bytes: not
                                              parsed past "v=DMARC1" */
  FCT_DMARC_RECORD_FLAG_BAD_P = 1 << 1,    /* p present but not a dmarc-request */
  FCT_DMARC_RECORD_FLAG_BAD_SP = 1 << 2,
  FCT_DMARC_RECORD_FLAG_BAD_NP = 1 << 3,
  FCT_DMARC_RECORD_FLAG_BAD_VALUE = 1 << 4,     /* another known tag with a bad value */
  FCT_DMARC_RECORD_FLAG_BAD_SYNTAX = 1 << 5,    /* a tag without "=", a bad name, ... */
  FCT_DMARC_RECORD_FLAG_DUPLICATE_TAG = 1 << 6, /* the first occurrence is kept */
  FCT_DMARC_RECORD_FLAG_UNKNOWN_TAG = 1 << 7,   /* ignored (RFC 9989 §4.7) */
  FCT_DMARC_RECORD_FLAG_BAD_URI = 1 << 8,       /* a rua/ruf URI was dropped */
  FCT_DMARC_RECORD_FLAG_REMOVED_TAG = 1 << 9,   /* pct, rf or ri: RFC 7489 tags that RFC
                                                   9989 removed (Appendix A.6, C) */
} FctDmarcRecordFlags;

typedef struct
{
  FctDmarcPolicy p, sp, np; /* UNSET when absent or invalid (see flags) */
  FctDmarcAlignment adkim, aspf;
  FctDmarcPsd psd;
  gboolean testing; /* t=y */
  char *fo;         /* validated fo value, or NULL (default "0") */
  GPtrArray *rua;   /* char *: syntactically valid URIs, "!size" suffix removed */
  GPtrArray *ruf;   /* char * */
  gint pct;         /* RFC 7489 pct 0..100, -1 when absent or invalid */
  char *rf;         /* RFC 7489 rf, or NULL */
  gint64 ri;        /* RFC 7489 ri, -1 when absent or invalid */
  FctDmarcRecordFlags flags;
  char *text; /* the record as received (at most dmarc_record_max_bytes) */
} FctDmarcRecord;

/* True when text starts with the version tag "v=DMARC1" (RFC 9989 §4.7 "v": first tag,
 * case-sensitive value), WSP allowed around "=". Others are not DMARC records. */
gboolean fct_dmarc_record_is_dmarc1 (const char *text, gsize len);

/* Parses a record (TXT strings already joined). Returns NULL when the text is not a
 * DMARC1 record; otherwise a record, with flags for what was ignored. A text longer than
 * limits->dmarc_record_max_bytes gives a record with FCT_DMARC_RECORD_FLAG_TOO_LONG and
 * defaults only. limits may be NULL. Returns (transfer full). */
FctDmarcRecord *fct_dmarc_record_parse (const char *text, gsize len,
                                        const FctLimits *limits);
void fct_dmarc_record_free (FctDmarcRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDmarcRecord, fct_dmarc_record_free)

/* ---------------------------------------------------------------- author domain */

/* Extracts the author domain (RFC 9989 §5.3.1): exactly one From field holding exactly
 * one mailbox, its domain converted to an A-label and lower-cased. Returns (transfer
 * full) the domain, or NULL with *reason (transfer full) saying what is wrong. */
char *fct_dmarc_author_domain (const FctMsg *msg, char **reason) G_GNUC_WARN_UNUSED_RESULT;

/* The same for one From field value (unfolded bytes). */
char *fct_dmarc_author_domain_from_value (const char *value, gsize len,
                                          char **reason) G_GNUC_WARN_UNUSED_RESULT;

/* ---------------------------------------------------------------- tree walk */

/* The names (without "_dmarc.") the DNS tree walk of RFC 9989 §4.10 queries for domain,
 * in order: the domain, then, past max - 1 labels, the shortcut to max - 1 labels, then
 * one label less each time down to the top-level label. max is dmarc_tree_walk_max.
 * Returns (transfer full) a NULL-terminated vector. */
char **fct_dmarc_tree_walk_names (const char *domain, guint max);

/* ---------------------------------------------------------------- evaluation */

/* SPF and DKIM outcomes as DMARC needs them (RFC 9989 §5.3.3). The names follow RFC
 * 8601 §2.7; only PASS yields an authenticated identifier. */
typedef enum
{
  FCT_DMARC_AUTH_NONE,
  FCT_DMARC_AUTH_PASS,
  FCT_DMARC_AUTH_FAIL,
  FCT_DMARC_AUTH_SOFTFAIL,
  FCT_DMARC_AUTH_NEUTRAL,
  FCT_DMARC_AUTH_POLICY,
  FCT_DMARC_AUTH_TEMPERROR,
  FCT_DMARC_AUTH_PERMERROR,
} FctDmarcAuthResult;

/* "none", "pass", ... */
const char *fct_dmarc_auth_result_to_string (FctDmarcAuthResult result);

typedef struct
{
  FctDmarcAuthResult result;
  const char *domain;   /* d= (transfer none) */
  const char *selector; /* s= (transfer none), may be NULL */
} FctDmarcDkimInput;

typedef struct
{
  /* The message whose From field gives the author domain (transfer none; only read
   * during the call that starts the evaluation). */
  const FctMsg *msg;
  /* SPF's verdict for the MAIL FROM identity, and the envelope it was computed on: for
   * a null sender (NULL, "" or "<>") the identity is postmaster@HELO (RFC 7208 §2.4),
   * so the HELO name is the SPF domain (RFC 9989 §3.2.4). */
  FctDmarcAuthResult spf_result;
  const char *mail_from;
  const char *helo;
  const FctDmarcDkimInput *dkim; /* n_dkim entries (transfer none) */
  guint n_dkim;
} FctDmarcInputs;

typedef struct
{
  const FctLimits *limits; /* NULL: fct_limits_default () */
  /* RFC 7489 instead of RFC 9989: organizational domain from the public suffix list,
   * no tree walk, no psd/np/t, pct sampling. */
  gboolean legacy;
  /* Legacy pct sampling draws from a generator seeded with sample_seed when
   * sample_seeded is TRUE (tests), from g_random otherwise. */
  gboolean sample_seeded;
  guint32 sample_seed;
} FctDmarcOptions;

/* Which tag gave the policy (RFC 9989 §4.10.1). */
typedef enum
{
  FCT_DMARC_POLICY_FROM_NONE,
  FCT_DMARC_POLICY_FROM_P,
  FCT_DMARC_POLICY_FROM_SP,
  FCT_DMARC_POLICY_FROM_NP,
} FctDmarcPolicySource;

/* "", "p", "sp", "np". */
const char *fct_dmarc_policy_source_to_string (FctDmarcPolicySource source);

typedef struct
{
  FctDmarcResult result;
  char *reason;        /* one sentence for humans */
  char *author_domain; /* NULL when no single author domain */
  /* Of the author domain; NULL when not determined: a record at the author domain is the
   * policy (RFC 9989 §4.10.1), and the walk above it is made only when a relaxed
   * alignment needs it, and may leave it unknown when a query goes unanswered. */
  char *organizational_domain;
  char *policy_domain;    /* where the applied record was found, or NULL */
  FctDmarcRecord *record; /* the applied record, or NULL */
  FctDmarcPolicy policy;  /* the policy that applies (p, sp or np), UNSET if none */
  FctDmarcPolicySource policy_source;
  /* What to do with the message: policy on fail, lowered by t=y (RFC 9989 §4.7 "t") or
   * by legacy pct sampling; NONE otherwise. */
  FctDmarcPolicy disposition;
  gboolean testing;     /* t=y lowered the disposition */
  gboolean sampled_out; /* legacy: the message fell outside pct */
  gboolean legacy;
  char *spf_domain;            /* the SPF domain used, or NULL */
  gboolean spf_domain_is_helo; /* null sender: the HELO name */
  /* An aligned pass found. When one identifier is the author domain itself, the pass is
   * decided and the relaxed alignment of the others is not looked for (it would cost a
   * walk, and time when a query goes unanswered): they read FALSE. */
  gboolean spf_aligned;
  gboolean dkim_aligned;
  char *dkim_domain;    /* d= of the first aligned passing signature, or NULL */
  char *dkim_selector;  /* its s=, or NULL */
  guint policy_queries; /* DNS queries of the author domain's tree walk */
  guint dns_queries;    /* all DNS queries of this evaluation */
  GPtrArray *notes;     /* char *: things worth telling (removed tags, ignored values) */
} FctDmarcVerdict;

void fct_dmarc_verdict_free (FctDmarcVerdict *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDmarcVerdict, fct_dmarc_verdict_free)

/* verdict (transfer full) or error (transfer none): exactly one is non-NULL. */
typedef void (*FctDmarcCallback) (FctDmarcVerdict *verdict, const GError *error,
                                  gpointer user_data);

/* Starts an evaluation. inputs and options are copied before this returns. callback
 * runs exactly once, later, in the caller's thread-default main context. */
void fct_dmarc_evaluate_async (FctResolver *resolver, const FctDmarcInputs *inputs,
                               const FctDmarcOptions *options, FctDmarcCallback callback,
                               gpointer user_data);

/* Blocking wrapper. Returns (transfer full) or NULL and error. options may be NULL. */
FctDmarcVerdict *fct_dmarc_evaluate (FctResolver *resolver, const FctDmarcInputs *inputs,
                                     const FctDmarcOptions *options,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The organizational domain of domain by the public suffix list (RFC 7489 §3.2), as
 * legacy mode uses it. Returns (transfer full) or NULL and FCT_DMARC_ERROR_PSL. */
char *fct_dmarc_psl_organizational_domain (const char *domain,
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---------------------------------------------------------------- report destinations */

typedef enum
{
  FCT_DMARC_DESTINATION_INTERNAL,   /* at or under the organizational domain: no check */
  FCT_DMARC_DESTINATION_AUTHORIZED, /* <domain>._report._dmarc.<host> says v=DMARC1 */
  FCT_DMARC_DESTINATION_UNAUTHORIZED,
  FCT_DMARC_DESTINATION_TEMPERROR, /* the query did not complete */
  FCT_DMARC_DESTINATION_INVALID,   /* not a URI with a host (mailto: address, ...) */
} FctDmarcDestinationStatus;

const char *fct_dmarc_destination_status_to_string (FctDmarcDestinationStatus status);

typedef struct
{
  FctDmarcDestinationStatus status;
  char *uri;  /* as given */
  char *host; /* the destination host, or NULL */
  /* When the destination's record carries rua (or ruf) URIs on the same host, they
   * replace the given one (RFC 7489 §7.1 step 7); NULL otherwise. char *. */
  GPtrArray *rua_override;
  GPtrArray *ruf_override;
} FctDmarcDestination;

void fct_dmarc_destination_free (FctDmarcDestination *destination);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctDmarcDestination, fct_dmarc_destination_free)

/* Checks that a report URI published by policy_domain (whose organizational domain is
 * org_domain) may receive reports: a host outside org_domain must publish a DMARC1
 * record at <policy_domain>._report._dmarc.<host> (RFC 9989 §11.6; RFC 7489 §7.1).
 * Blocking; returns (transfer full), never NULL. */
FctDmarcDestination *fct_dmarc_destination_verify (FctResolver *resolver,
                                                   const char *policy_domain,
                                                   const char *org_domain, const char *uri,
                                                   const FctLimits *limits);

/* destination is (transfer full). */
typedef void (*FctDmarcDestinationCallback) (FctDmarcDestination *destination,
                                             gpointer user_data);

/* The same without blocking: callback runs exactly once, later, in the caller's
 * thread-default main context. */
void fct_dmarc_destination_verify_async (FctResolver *resolver, const char *policy_domain,
                                         const char *org_domain, const char *uri,
                                         const FctLimits *limits,
                                         FctDmarcDestinationCallback callback,
                                         gpointer user_data);

G_END_DECLS
