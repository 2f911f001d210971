/* facteur — address verification: does this email address exist? Syntax (RFC 5321
 * §4.1.2, RFC 5322 §3.4.1, RFC 6531 §3.3), the domain's mail exchangers (RFC 5321 §5.1,
 * RFC 7505 null MX), shipped lists (disposable, free-mail, role accounts, typos) and an
 * SMTP probe that stops before DATA. */
#pragma once

#include <facteur/dns.h>
#include <facteur/limits.h>
#include <facteur/smtp.h>

G_BEGIN_DECLS

#define FCT_VERIFY_ERROR (fct_verify_error_quark ())
GQuark fct_verify_error_quark (void);

typedef enum
{
  FCT_VERIFY_ERROR_INVALID, /* bad argument (empty address, bad option) */
  FCT_VERIFY_ERROR_INPUT,   /* batch input that cannot be read as lines or CSV */
} FctVerifyError;

/* Syntax diagnoses. The numbers are Dominic Sayers' is_email codes (its meta.xml), so
 * that the most severe diagnosis is the largest number; facteur adds the last two,
 * from the isemail (JavaScript) lineage. */
typedef enum
{
  FCT_VERIFY_DIAG_VALID = 0,
  FCT_VERIFY_DIAG_DNSWARN_NO_MX_RECORD = 5, /* no MX, but an address record */
  FCT_VERIFY_DIAG_DNSWARN_NO_RECORD = 6,    /* neither MX nor address record */
  FCT_VERIFY_DIAG_RFC5321_TLD = 9,          /* a top-level domain alone, without MX */
  FCT_VERIFY_DIAG_RFC5321_TLD_NUMERIC = 10, /* the last label starts with a digit */
  FCT_VERIFY_DIAG_RFC5321_QUOTED_STRING = 11,
  FCT_VERIFY_DIAG_RFC5321_ADDRESS_LITERAL = 12,
  FCT_VERIFY_DIAG_RFC5321_IPV6_DEPRECATED = 13, /* "::" standing for one group */
  FCT_VERIFY_DIAG_CFWS_COMMENT = 17,
  FCT_VERIFY_DIAG_CFWS_FWS = 18,
  FCT_VERIFY_DIAG_DEPREC_LOCAL_PART = 33,
  FCT_VERIFY_DIAG_DEPREC_FWS = 34,
  FCT_VERIFY_DIAG_DEPREC_QTEXT = 35,
  FCT_VERIFY_DIAG_DEPREC_QP = 36,
  FCT_VERIFY_DIAG_DEPREC_COMMENT = 37,
  FCT_VERIFY_DIAG_DEPREC_CTEXT = 38,
  FCT_VERIFY_DIAG_DEPREC_CFWS_NEAR_AT = 49,
  FCT_VERIFY_DIAG_RFC5322_DOMAIN = 65,
  FCT_VERIFY_DIAG_RFC5322_TOO_LONG = 66,
  FCT_VERIFY_DIAG_RFC5322_LOCAL_TOO_LONG = 67,
  FCT_VERIFY_DIAG_RFC5322_DOMAIN_TOO_LONG = 68,
  FCT_VERIFY_DIAG_RFC5322_LABEL_TOO_LONG = 69,
  FCT_VERIFY_DIAG_RFC5322_DOMAIN_LITERAL = 70,
  FCT_VERIFY_DIAG_RFC5322_DOMLIT_OBSDTEXT = 71,
  FCT_VERIFY_DIAG_RFC5322_IPV6_GROUP_COUNT = 72,
  FCT_VERIFY_DIAG_RFC5322_IPV6_2X2X_COLON = 73,
  FCT_VERIFY_DIAG_RFC5322_IPV6_BAD_CHAR = 74,
  FCT_VERIFY_DIAG_RFC5322_IPV6_MAX_GROUPS = 75,
  FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_START = 76,
  FCT_VERIFY_DIAG_RFC5322_IPV6_COLON_END = 77,
  FCT_VERIFY_DIAG_ERR_EXPECTING_DTEXT = 129,
  FCT_VERIFY_DIAG_ERR_NO_LOCAL_PART = 130,
  FCT_VERIFY_DIAG_ERR_NO_DOMAIN = 131,
  FCT_VERIFY_DIAG_ERR_CONSECUTIVE_DOTS = 132,
  FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_CFWS = 133,
  FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_QS = 134,
  FCT_VERIFY_DIAG_ERR_ATEXT_AFTER_DOMLIT = 135,
  FCT_VERIFY_DIAG_ERR_EXPECTING_QPAIR = 136,
  FCT_VERIFY_DIAG_ERR_EXPECTING_ATEXT = 137,
  FCT_VERIFY_DIAG_ERR_EXPECTING_QTEXT = 138,
  FCT_VERIFY_DIAG_ERR_EXPECTING_CTEXT = 139,
  FCT_VERIFY_DIAG_ERR_BACKSLASH_END = 140,
  FCT_VERIFY_DIAG_ERR_DOT_START = 141,
  FCT_VERIFY_DIAG_ERR_DOT_END = 142,
  FCT_VERIFY_DIAG_ERR_DOMAIN_HYPHEN_START = 143,
  FCT_VERIFY_DIAG_ERR_DOMAIN_HYPHEN_END = 144,
  FCT_VERIFY_DIAG_ERR_UNCLOSED_QUOTED_STRING = 145,
  FCT_VERIFY_DIAG_ERR_UNCLOSED_COMMENT = 146,
  FCT_VERIFY_DIAG_ERR_UNCLOSED_DOMAIN_LITERAL = 147,
  FCT_VERIFY_DIAG_ERR_FWS_CRLF_X2 = 148,
  FCT_VERIFY_DIAG_ERR_FWS_CRLF_END = 149,
  FCT_VERIFY_DIAG_ERR_CR_NO_LF = 150,
  FCT_VERIFY_DIAG_ERR_DOT_AFTER_DOMAIN_LITERAL = 151, /* "[1.2.3.4].example" */
  FCT_VERIFY_DIAG_ERR_MALFORMED_UTF8 = 152, /* bytes that are not UTF-8 (RFC 3629) */
} FctVerifyDiag;

/* The classes of meta.xml, mildest first. */
typedef enum
{
  FCT_VERIFY_CATEGORY_VALID,
  FCT_VERIFY_CATEGORY_DNSWARN,    /* valid, but DNS has no mail route for the domain */
  FCT_VERIFY_CATEGORY_RFC5321,    /* valid for SMTP, with unusual elements */
  FCT_VERIFY_CATEGORY_CFWS,       /* comments or folding: fine in a header, not as is
                                     in the envelope */
  FCT_VERIFY_CATEGORY_DEPRECATED, /* obsolete RFC 5322 forms */
  FCT_VERIFY_CATEGORY_RFC5322,    /* only RFC 5322's broad grammar allows it */
  FCT_VERIFY_CATEGORY_ERROR,      /* not an address */
} FctVerifyCategory;

/* "valid", "rfc5321_quoted_string", ... (stable, for JSON); NULL if unknown. */
const char *fct_verify_diag_to_string (FctVerifyDiag diag);
/* The is_email constant name, "ISEMAIL_VALID", ... (tests compare with the corpus). */
const char *fct_verify_diag_to_isemail (FctVerifyDiag diag);
FctVerifyCategory fct_verify_diag_get_category (FctVerifyDiag diag);
/* "valid", "dnswarn", "rfc5321", "cfws", "deprecated", "rfc5322", "error". */
const char *fct_verify_category_to_string (FctVerifyCategory category);

/* The syntax of one address. Parsed as an addr-spec in its widest RFC 5322 form so that
 * each oddity gets its own diagnosis; the most severe one wins. */
typedef struct
{
  FctVerifyDiag diagnosis; /* the most severe diagnosis found */
  FctVerifyCategory category;
  /* The address without comments and folding white space (quoted strings and domain
   * literals kept as written): the form to use in the SMTP envelope. NUL-terminated,
   * owned by the struct; NULL when the category is ERROR. */
  char *local_part;
  char *domain;
  /* Their lengths: an obsolete quoted pair may hold a NUL (RFC 5322 §4.4 obs-qp),
   * which no SMTP command can carry. */
  gsize local_part_len;
  gsize domain_len;
  /* The domain in A-labels, lower case (IDNA2008 via libidn2); NULL for a domain
   * literal or a domain libidn2 refuses. */
  char *domain_ascii;
  gboolean local_utf8;     /* non-ASCII local part: needs SMTPUTF8 (RFC 6531 §3.3) */
  gboolean domain_utf8;    /* U-labels in the domain */
  gboolean domain_literal; /* "[...]" */
  guint domain_labels;     /* number of labels (0 for a literal) */
} FctVerifySyntax;

/* Parses len bytes (embedded NULs allowed). Never fails: an unparsable input gets an
 * ERROR diagnosis. Returns (transfer full). */
FctVerifySyntax *fct_verify_syntax_parse (const char *input, gsize len);
void fct_verify_syntax_free (FctVerifySyntax *syntax);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctVerifySyntax, fct_verify_syntax_free)

/* TRUE when domain is letters, digits and hyphens in dot-separated labels of 1 to 63
 * octets, neither starting nor ending with a hyphen, 253 octets at most, no trailing dot
 * (RFC 5321 §4.1.2 sub-domain; an A-label passes). */
gboolean fct_verify_domain_is_ldh (const char *domain);

/* TRUE for names reserved by RFC 6761 and RFC 7686 that no Internet mailbox uses: the
 * top-level domains invalid, localhost, test, example and onion, and example.com,
 * example.net, example.org with their subdomains. A-label, any case. */
gboolean fct_verify_domain_is_special_use (const char *domain);

/* Adds what DNS said, as is_email does: when the syntax is otherwise valid, no MX
 * gives DNSWARN_NO_MX_RECORD (or DNSWARN_NO_RECORD without an address record either),
 * and a domain of one label without MX gives RFC5321_TLD (RFC 5321 §2.3.5). */
void fct_verify_syntax_apply_dns (FctVerifySyntax *syntax, gboolean has_mx,
                                  gboolean has_address);

/* Shipped lists (data/, compiled into the library). Domain arguments are A-label,
 * any case. */
gboolean fct_verify_domain_is_disposable (const char *domain);
gboolean fct_verify_domain_is_free_mail (const char *domain);
/* Role mailboxes (RFC 2142 and common business roles): postmaster, info, contact… */
gboolean fct_verify_local_is_role (const char *local_part);
/* A likely intended domain for a misspelt provider domain ("gmial.com" ->
 * "gmail.com"), or NULL (transfer none). */
const char *fct_verify_domain_suggest (const char *domain);

typedef enum
{
  FCT_VERIFY_VERDICT_DELIVERABLE,
  FCT_VERIFY_VERDICT_UNDELIVERABLE,
  FCT_VERIFY_VERDICT_RISKY, /* accepted, but catch-all, disposable or role account */
  FCT_VERIFY_VERDICT_UNKNOWN,
} FctVerifyVerdict;

const char *fct_verify_verdict_to_string (FctVerifyVerdict verdict);

/* Why the verdict is what it is: a stable id ("no_mx", "rcpt_rejected", ...) and,
 * where useful, a detail (a reply text, a suggested domain). */
typedef struct
{
  char *id;
  char *detail; /* may be NULL */
} FctVerifyReason;

void fct_verify_reason_free (FctVerifyReason *reason);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctVerifyReason, fct_verify_reason_free)

/* One SMTP conversation with one exchanger. */
typedef struct
{
  char *host; /* MX name */
  char *ip;   /* address connected to (or tried) */
  guint16 port;
  gboolean tls;      /* STARTTLS succeeded */
  gboolean smtputf8; /* the server offered SMTPUTF8 */
  guint rcpt_code;   /* reply to RCPT for the address; 0 if not reached */
  guint random_code; /* reply to RCPT for a random address (catch-all test); 0 if not
                        reached */
  char *error;       /* why the conversation stopped early, or NULL */
  FctSmtpTranscript *transcript;
  char rcpt_enhanced[16]; /* RFC 3463 code of the RCPT reply ("5.1.1"), or "" */
  guint mail_code;        /* a 5xx reply to MAIL FROM (the sender refused), else 0 */
} FctVerifyProbe;

void fct_verify_probe_free (FctVerifyProbe *probe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctVerifyProbe, fct_verify_probe_free)

typedef struct
{
  char *address; /* as given */
  FctVerifyVerdict verdict;
  GPtrArray *reasons; /* FctVerifyReason * */
  FctVerifySyntax *syntax;
  GPtrArray *mx;    /* char *: exchangers in preference order (implicit MX: the domain) */
  gboolean null_mx; /* RFC 7505 */
  gboolean implicit_mx;
  gboolean disposable;
  gboolean free_mail;
  gboolean role;
  gboolean catch_all;
  char *suggestion;  /* "did you mean" domain, or NULL */
  GPtrArray *probes; /* FctVerifyProbe *, in the order tried */
} FctVerifyResult;

void fct_verify_result_free (FctVerifyResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctVerifyResult, fct_verify_result_free)

/* The pace of probing (batch mode's courtesy to receivers). docs/ADDRESS.md gives the
 * defaults and why. A rate of 0 means no limit. */
typedef struct
{
  guint domain_sessions;  /* sessions at once per destination domain (default 2) */
  guint domain_rate;      /* RCPTs per minute per destination domain (default 60) */
  guint host_sessions;    /* sessions at once per exchanger (default 2) */
  guint host_rate;        /* RCPTs per minute per exchanger (default 60) */
  guint rcpt_per_session; /* addresses asked in one session (default 20) */
  guint backoff_ms;       /* wait after a 4xx or 421, doubled each time (default 30 s) */
  guint backoff_max_ms;   /* the longest wait (default 10 min) */
} FctVerifyPace;

void fct_verify_pace_init (FctVerifyPace *pace);

/* Holds the pace across threads: sessions at once per domain and per exchanger, RCPTs
 * spaced to the rates, backoff after 4xx and 421. Thread-safe; reference-counted. */
typedef struct _FctVerifyGate FctVerifyGate;
/* pace NULL: the defaults. */
FctVerifyGate *fct_verify_gate_new_full (const FctVerifyPace *pace);
/* At most per_host sessions at once per exchanger and per domain; no rate. */
FctVerifyGate *fct_verify_gate_new (guint per_host);
/* The pace in force (transfer none). */
const FctVerifyPace *fct_verify_gate_get_pace (FctVerifyGate *gate);
FctVerifyGate *fct_verify_gate_ref (FctVerifyGate *gate);
void fct_verify_gate_unref (FctVerifyGate *gate);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctVerifyGate, fct_verify_gate_unref)
/* The highest number of connections to one host seen at once (for tests). */
guint fct_verify_gate_get_peak (FctVerifyGate *gate);

typedef struct
{
  gboolean smtp;         /* probe the exchangers (default TRUE) */
  guint16 smtp_port;     /* 0: 25 */
  const char *helo_name; /* this machine's fully qualified name (RFC 5321 §4.1.1.1);
                            required when smtp is TRUE */
  const char *mail_from; /* NULL or "": the null reverse-path <> */
  guint mx_hosts_max;    /* exchangers tried; 0: 3 */
  /* After a 450/451 to RCPT (greylisting), wait this long and ask the same exchanger
   * once more, as a real sender would retry; 0 (the default): no retry. */
  guint greylist_retry_ms;
  FctVerifyGate *gate;     /* NULL: no per-host bound (transfer none) */
  const FctLimits *limits; /* NULL: defaults (SMTP timeouts, reply limits) */
} FctVerifyOptions;

/* Fills options with the defaults above. */
void fct_verify_options_init (FctVerifyOptions *options);

/* Verifies one address (len bytes). Blocking; bounded in time by the limits. Safe to
 * call from several threads with the same resolver: DNS queries are serialised.
 * Returns (transfer full), or NULL and FCT_VERIFY_ERROR_INVALID for bad options. */
FctVerifyResult *fct_verify_address (FctResolver *resolver, const char *address, gsize len,
                                     const FctVerifyOptions *options,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Verifies several NUL-terminated addresses; those of one domain share SMTP sessions
 * (one MAIL FROM, one RCPT each, at most options->gate's rcpt_per_session, else 20, per
 * session; one catch-all test per session). Returns (transfer full) one result per
 * address, in order, or NULL and FCT_VERIFY_ERROR_INVALID for bad options. */
GPtrArray *fct_verify_addresses (FctResolver *resolver, const char *const *addresses,
                                 guint n_addresses, const FctVerifyOptions *options,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
