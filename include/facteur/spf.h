/* facteur — SPF (RFC 7208): record parser, macro expander, an asynchronous check_host()
 * evaluator driven by DNS callbacks, and a linter for the domain audit.
 *
 * Verdicts (pass, fail, permerror ...) are results in FctSpfVerdict; a GError means the
 * check could not be started at all (an unparsable client address, say). */
#pragma once

#include <facteur/dns.h>
#include <facteur/limits.h>

G_BEGIN_DECLS

#define FCT_SPF_ERROR (fct_spf_error_quark ())
GQuark fct_spf_error_quark (void);

typedef enum
{
  FCT_SPF_ERROR_SYNTAX,  /* a record or macro string breaks the RFC 7208 grammar; the
                            message gives the byte offset */
  FCT_SPF_ERROR_LIMIT,   /* over spf_record_max_bytes or spf_macro_max_bytes */
  FCT_SPF_ERROR_INVALID, /* bad argument: an IP address that does not parse, ... */
} FctSpfError;

/* RFC 7208 §2.6. */
typedef enum
{
  FCT_SPF_RESULT_NONE,
  FCT_SPF_RESULT_NEUTRAL,
  FCT_SPF_RESULT_PASS,
  FCT_SPF_RESULT_FAIL,
  FCT_SPF_RESULT_SOFTFAIL,
  FCT_SPF_RESULT_TEMPERROR,
  FCT_SPF_RESULT_PERMERROR,
} FctSpfResult;

/* "none", "pass", ... as Received-SPF and Authentication-Results spell them. */
const char *fct_spf_result_to_string (FctSpfResult result);

/* ---------------------------------------------------------------- records */

/* RFC 7208 §4.6.2: the qualifier is the result a matching mechanism gives. */
typedef enum
{
  FCT_SPF_QUALIFIER_PASS = '+',
  FCT_SPF_QUALIFIER_FAIL = '-',
  FCT_SPF_QUALIFIER_SOFTFAIL = '~',
  FCT_SPF_QUALIFIER_NEUTRAL = '?',
} FctSpfQualifier;

typedef enum
{
  FCT_SPF_MECHANISM_ALL,
  FCT_SPF_MECHANISM_INCLUDE,
  FCT_SPF_MECHANISM_A,
  FCT_SPF_MECHANISM_MX,
  FCT_SPF_MECHANISM_PTR,
  FCT_SPF_MECHANISM_IP4,
  FCT_SPF_MECHANISM_IP6,
  FCT_SPF_MECHANISM_EXISTS,
} FctSpfMechanismType;

/* "all", "include", ... */
const char *fct_spf_mechanism_type_to_string (FctSpfMechanismType type);

typedef struct
{
  FctSpfMechanismType type;
  FctSpfQualifier qualifier;
  /* The domain-spec as written, macros unexpanded; NULL when absent (a, mx, ptr use
   * the current domain then). */
  char *domain_spec;
  /* ip4: 4 bytes, ip6: 16 bytes, network order. */
  guint8 network[16];
  /* Prefix lengths (RFC 7208 §5.6); 32 and 128 when not written. */
  guint cidr4;
  guint cidr6;
  /* The term as written, for traces and reports (transfer none: owned by the record). */
  char *text;
  /* Byte offset of the term in the record text. */
  gsize offset;
} FctSpfMechanism;

typedef struct
{
  GPtrArray *mechanisms; /* FctSpfMechanism *, in record order */
  char *redirect;        /* redirect= domain-spec, or NULL */
  char *exp;             /* exp= domain-spec, or NULL */
  gsize redirect_offset; /* byte offsets of the two modifiers (0 when absent) */
  gsize exp_offset;
  /* Terms that cost a DNS query under RFC 7208 §4.6.4: include a mx ptr exists
   * redirect. */
  guint dns_terms;
  char *text; /* the record as parsed */
} FctSpfRecord;

/* True when text is an SPF version 1 record: "v=spf1" (any case) followed by a space or
 * the end (RFC 7208 §4.5). */
gboolean fct_spf_record_is_spf1 (const char *text, gsize len);

/* Parses a record, text being the TXT strings already joined. On a syntax error returns
 * NULL with FCT_SPF_ERROR_SYNTAX and, if error_offset is not NULL, the byte offset of
 * the faulty term. limits may be NULL. Returns (transfer full). */
FctSpfRecord *fct_spf_record_parse (const char *text, gsize len, const FctLimits *limits,
                                    gsize *error_offset,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fct_spf_record_free (FctSpfRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctSpfRecord, fct_spf_record_free)

/* ---------------------------------------------------------------- macros */

/* What the macro letters of RFC 7208 §7.2 stand for. Strings are (transfer none). */
typedef struct
{
  const char *sender;        /* s */
  const char *local_part;    /* l */
  const char *sender_domain; /* o */
  const char *domain;        /* d: the current domain */
  const guint8 *ip;          /* i, c, v: 4 or 16 bytes */
  gsize ip_len;
  const char *validated; /* p: the validated domain name, or NULL for "unknown" */
  const char *helo;      /* h */
  const char *receiver;  /* r (exp only); NULL for "unknown" */
  gint64 now;            /* t (exp only): seconds since the epoch */
} FctSpfMacroContext;

/* Expands a macro-string. In explanation text (is_exp) the letters c, r and t are
 * allowed and nothing else changes. A domain-spec result is not truncated here (see
 * fct_spf_domain_truncate). The output is capped at limits->spf_macro_max_bytes
 * (FCT_SPF_ERROR_LIMIT). Returns (transfer full) or NULL and FCT_SPF_ERROR_SYNTAX. */
char *fct_spf_macro_expand (const char *spec, gsize len, const FctSpfMacroContext *context,
                            gboolean is_exp, const FctLimits *limits,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* True when the macro-string uses the p letter (which costs DNS queries). */
gboolean fct_spf_macro_uses_p (const char *spec, gsize len);

/* RFC 7208 §7.3: drops a trailing dot, then whole labels from the left until the name
 * fits in 253 bytes. Edits name in place and returns it. */
char *fct_spf_domain_truncate (char *name);

/* ---------------------------------------------------------------- evaluation */

typedef enum
{
  FCT_SPF_IDENTITY_MAIL_FROM, /* RFC 7208 §2.4: MAIL FROM, or HELO for the null path */
  FCT_SPF_IDENTITY_HELO,      /* RFC 7208 §2.3: the HELO/EHLO name */
} FctSpfIdentity;

typedef struct
{
  /* The SMTP client: IPv4, IPv6, or IPv4-mapped IPv6 (checked as IPv4, RFC 7208 §5). */
  const char *ip;
  /* The reverse-path without angle brackets; NULL or "" for the null path. */
  const char *mail_from;
  /* The HELO/EHLO argument; may be NULL for a MAIL FROM check with a sender. */
  const char *helo;
  /* The receiving host's name for %{r}; NULL gives "unknown". */
  const char *receiver;
  /* %{t}, seconds since the epoch; 0 takes the current time. */
  gint64 now;
  FctSpfIdentity identity;
} FctSpfRequest;

/* What a step of the evaluation was. */
typedef enum
{
  FCT_SPF_STEP_RECORD,   /* the record of domain was read; detail is its text */
  FCT_SPF_STEP_INCLUDE,  /* term reads the record of detail */
  FCT_SPF_STEP_REDIRECT, /* no mechanism matched; redirect= goes on to detail */
  FCT_SPF_STEP_MATCH,    /* term matched, giving result; detail: the validated PTR name
                            or MX host that matched, or NULL */
  FCT_SPF_STEP_NO_MATCH, /* no mechanism matched: result is the default (RFC 7208 §4.7) */
  FCT_SPF_STEP_SKIPPED,  /* term's target, detail, is not a domain name: no match */
  FCT_SPF_STEP_END,      /* the evaluation stopped with result; detail says why */
} FctSpfStepKind;

/* One step of the evaluation, for the human output: which record was read, which
 * mechanism matched. Data, not prose: fct_spf_trace_step_to_string words it. Steps and
 * their strings belong to the verdict (transfer none): read them, never free or replace
 * them. */
typedef struct
{
  FctSpfStepKind kind;
  guint depth;         /* include nesting level */
  char *domain;        /* the domain whose record this step is in */
  char *term;          /* the term as written, or NULL */
  char *detail;        /* see FctSpfStepKind; may be NULL */
  FctSpfResult result; /* MATCH, NO_MATCH and END */
} FctSpfTraceStep;

/* The step as one sentence in the current language (transfer full). */
char *fct_spf_trace_step_to_string (const FctSpfTraceStep *step);

typedef struct
{
  FctSpfResult result;
  /* The domain checked (the identity's domain), lower-cased. */
  char *domain;
  /* The mechanism of the top-level (or redirect target's) record that decided the
   * result, as written ("-all", "include:_spf.example.net"); NULL when none did. */
  char *mechanism;
  /* For fail: the exp= text expanded (RFC 7208 §6.2) or a default sentence; NULL
   * otherwise. */
  char *explanation;
  gboolean explanation_is_default;
  /* Why this result, for every result (an English sentence). */
  char *reason;
  guint dns_lookups;  /* DNS-querying terms evaluated (RFC 7208 §4.6.4) */
  guint void_lookups; /* NXDOMAIN or empty answers among them */
  GPtrArray *trace;   /* FctSpfTraceStep *, in order */
  /*< private >*/
  gpointer trace_memory; /* where the steps live; fct_spf_verdict_free releases it */
} FctSpfVerdict;

void fct_spf_verdict_free (FctSpfVerdict *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctSpfVerdict, fct_spf_verdict_free)

/* Parses a client address. IPv4-mapped IPv6 addresses come back as 4 bytes. */
gboolean fct_spf_ip_parse (const char *text, guint8 out[16], gsize *out_len,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* verdict is (transfer full). */
typedef void (*FctSpfCallback) (FctSpfVerdict *verdict, gpointer user_data);

/* Starts check_host() for the request's identity. The callback runs exactly once, later,
 * in the caller's thread-default main context; answers the resolver has cached are taken
 * at once (fct_resolver_lookup_cached) and every other query goes through
 * fct_resolver_query_async, so no thread waits on DNS. Returns FALSE and an
 * FCT_SPF_ERROR_INVALID (the callback never runs) when the request cannot be checked:
 * an address that does not parse. limits may be NULL. */
gboolean fct_spf_check_async (FctResolver *resolver, const FctLimits *limits,
                              const FctSpfRequest *request, FctSpfCallback callback,
                              gpointer user_data, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Blocking convenience: runs a private main context until the verdict is ready.
 * Returns (transfer full) or NULL and error. */
FctSpfVerdict *fct_spf_check (FctResolver *resolver, const FctLimits *limits,
                              const FctSpfRequest *request,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---------------------------------------------------------------- linter */

typedef enum
{
  FCT_SPF_LINT_INFO,
  FCT_SPF_LINT_WARNING,
  FCT_SPF_LINT_ERROR,
} FctSpfLintSeverity;

const char *fct_spf_lint_severity_to_string (FctSpfLintSeverity severity);

typedef struct
{
  /* Stable identifier: "spf.syntax", "spf.too-many-lookups", ... */
  char *id;
  FctSpfLintSeverity severity;
  char *domain;  /* the record where it was found */
  gssize offset; /* byte offset in that record, or -1 */
  char *message; /* an English sentence that says what to do */
} FctSpfLintFinding;

/* One record of the include/redirect tree. */
typedef struct
{
  guint depth;
  char *domain;
  char *via;     /* "include", "redirect", or NULL for the top */
  char *record;  /* NULL when none was found */
  guint lookups; /* DNS-querying terms in this record alone */
} FctSpfLintNode;

typedef struct
{
  char *domain;
  char *record;        /* the domain's SPF record, or NULL */
  guint dns_lookups;   /* over the whole tree, as an evaluation that visits it all */
  guint void_lookups;  /* includes, a, mx and exists targets that do not exist */
  GPtrArray *nodes;    /* FctSpfLintNode *, depth-first */
  GPtrArray *findings; /* FctSpfLintFinding * */
  /* When dns_lookups exceeds the limit: a record with includes, a and mx replaced by the
   * addresses they stand for today, split into strings of at most 255 bytes. */
  char *flattened;
} FctSpfLintReport;

void fct_spf_lint_report_free (FctSpfLintReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctSpfLintReport, fct_spf_lint_report_free)

/* Reads domain's SPF record and walks its include/redirect tree. Problems with the
 * record are findings, not errors; the report is NULL (and error set) only for a domain
 * that is not a domain name. Blocks (private main context). limits may be NULL.
 * Returns (transfer full). */
FctSpfLintReport *fct_spf_lint (FctResolver *resolver, const FctLimits *limits,
                                const char *domain,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
