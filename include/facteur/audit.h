/* facteur — the domain audit (`facteur domain`): MX, reverse DNS, SPF, DKIM, DMARC,
 * MTA-STS (RFC 8461), TLS-RPT (RFC 8460), BIMI, DNSSEC, DANE (RFC 7672), blocklists and
 * STARTTLS, each problem a finding (score.h) with the record to publish.
 *
 * Also the parsers of the records only the audit reads: the MTA-STS TXT record and
 * policy file, the TLS-RPT record and the BIMI assertion record. They take untrusted
 * bytes and never fail with a GError: a record that does not parse is a result (NULL
 * and a reason). */
#pragma once

#include <facteur/dns.h>
#include <facteur/limits.h>
#include <facteur/score.h>

G_BEGIN_DECLS

#define FCT_AUDIT_ERROR (fct_audit_error_quark ())
GQuark fct_audit_error_quark (void);

typedef enum
{
  FCT_AUDIT_ERROR_INVALID, /* the domain is not a domain name */
} FctAuditError;

/* ---------------------------------------------------------------- MTA-STS */

/* The "_mta-sts" TXT record (RFC 8461 §3.1). */
typedef struct
{
  char *id; /* 1 to 32 letters and digits */
} FctMtaStsRecord;

/* True when text starts with "v=STSv1" (the record's first field). */
gboolean fct_mta_sts_record_is_stsv1 (const char *text, gsize len);
/* Parses a record (TXT strings joined). Returns (transfer full) or NULL with *reason
 * (transfer none, an untranslated English phrase). */
FctMtaStsRecord *fct_mta_sts_record_parse (const char *text, gsize len,
                                           const char **reason);
void fct_mta_sts_record_free (FctMtaStsRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctMtaStsRecord, fct_mta_sts_record_free)

typedef enum
{
  FCT_MTA_STS_MODE_ENFORCE,
  FCT_MTA_STS_MODE_TESTING,
  FCT_MTA_STS_MODE_NONE,
} FctMtaStsMode;

const char *fct_mta_sts_mode_to_string (FctMtaStsMode mode);

/* The policy file served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt (RFC 8461
 * §3.2). */
typedef struct
{
  FctMtaStsMode mode;
  guint32 max_age; /* seconds, at most 31557600 */
  GPtrArray *mx;   /* char *: patterns, lower-cased ("mail.example.com", "*.example.net") */
} FctMtaStsPolicy;

/* Parses a policy body. Lines end in LF or CRLF; unknown keys are ignored (§3.2);
 * version, mode and max_age are required, and mx unless the mode is none. A body over
 * limits->mta_sts_policy_max_bytes is refused. limits may be NULL. Returns (transfer
 * full) or NULL with *reason (transfer none). */
FctMtaStsPolicy *fct_mta_sts_policy_parse (const char *text, gsize len,
                                           const FctLimits *limits, const char **reason);
void fct_mta_sts_policy_free (FctMtaStsPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctMtaStsPolicy, fct_mta_sts_policy_free)

/* RFC 8461 §4.1: host matches pattern exactly, or pattern is "*." followed by a name
 * and host is one more label in front of it. Case-insensitive; a trailing dot on host is
 * ignored. */
gboolean fct_mta_sts_mx_match (const char *pattern, const char *host);
/* True if host matches one of the policy's patterns. */
gboolean fct_mta_sts_policy_matches (const FctMtaStsPolicy *policy, const char *host);

/* ---------------------------------------------------------------- TLS-RPT */

/* The "_smtp._tls" TXT record (RFC 8460 §3). */
typedef struct
{
  GPtrArray *rua; /* char *: "mailto:" or "https:" URIs, at least one */
} FctTlsRptRecord;

gboolean fct_tlsrpt_record_is_tlsrptv1 (const char *text, gsize len);
FctTlsRptRecord *fct_tlsrpt_record_parse (const char *text, gsize len, const char **reason);
void fct_tlsrpt_record_free (FctTlsRptRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctTlsRptRecord, fct_tlsrpt_record_free)

/* ---------------------------------------------------------------- BIMI */

/* The "default._bimi" TXT assertion record (draft-brand-indicators-for-message-
 * identification §4.2): v=BIMI1, l= an https URI of an SVG logo, a= an https URI of a
 * Verified Mark Certificate. Both may be empty (a declination to publish). */
typedef struct
{
  char *location;  /* l=, "" when empty, NULL when absent */
  char *authority; /* a=, "" when empty, NULL when absent */
} FctBimiRecord;

gboolean fct_bimi_record_is_bimi1 (const char *text, gsize len);
FctBimiRecord *fct_bimi_record_parse (const char *text, gsize len, const char **reason);
void fct_bimi_record_free (FctBimiRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctBimiRecord, fct_bimi_record_free)

/* ---------------------------------------------------------------- HTTPS fetch */

/* What an HTTPS GET returned. */
typedef struct
{
  guint status;       /* HTTP status, 0 when no response came */
  char *content_type; /* or NULL */
  GBytes *body;       /* or NULL */
  char *error;        /* why no usable response (transport, TLS, size), or NULL */
} FctAuditHttpsResponse;

void fct_audit_https_response_free (FctAuditHttpsResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAuditHttpsResponse, fct_audit_https_response_free)

/* Fetches https://host:port/path, connecting to one of addresses (IP literals the
 * audit resolved through its own resolver, so that a zone file or test server answers
 * for host too). Called from a worker thread. Returns (transfer full), never NULL. */
typedef FctAuditHttpsResponse *(*FctAuditFetchFunc) (const char *host, guint16 port,
                                                     const char *path,
                                                     const char *const *addresses,
                                                     gpointer user_data);

/* The default fetcher: libcurl, certificate and name verified against the system's
 * CAs (or ca_file), no redirects (RFC 8461 §3.3), the body capped at
 * limits->mta_sts_policy_max_bytes, limits->https_timeout_ms in all. */
FctAuditHttpsResponse *fct_audit_https_fetch (const char *host, guint16 port,
                                              const char *path,
                                              const char *const *addresses,
                                              const char *ca_file, const FctLimits *limits);

/* ---------------------------------------------------------------- STARTTLS probe */

/* What one mail server said on port 25 (RFC 3207). */
typedef struct
{
  char *host;              /* the MX host name */
  char *ip;                /* the address connected to */
  char *error;             /* could not connect or talk, or NULL */
  char *banner;            /* the greeting's first line, or NULL */
  gboolean starttls;       /* STARTTLS was offered in the EHLO reply */
  gboolean tls;            /* the handshake succeeded */
  char *tls_version;       /* "TLSv1.3", or NULL */
  char *tls_error;         /* why the handshake failed, or NULL */
  gboolean cert_trusted;   /* the chain verifies against the trusted CAs */
  char *cert_verify_error; /* OpenSSL's reason when it does not, or NULL */
  gboolean cert_name_ok;   /* the certificate names host (RFC 6125) */
  gboolean cert_expired;
  gint64 cert_not_after; /* seconds since the epoch, 0 when unknown */
  char *cert_subject;    /* one line, or NULL */
  GPtrArray *cert_chain; /* GBytes *: the certificates the server sent, DER, leaf first;
                            NULL without TLS (for DANE, RFC 7672 §3) */
} FctAuditTlsProbe;

void fct_audit_tls_probe_free (FctAuditTlsProbe *probe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAuditTlsProbe, fct_audit_tls_probe_free)

/* Connects to ip:port, reads the banner, says EHLO helo, and if STARTTLS is offered
 * performs the handshake and examines the certificate (chain against the system's CAs
 * or ca_file, name against host, expiry against now). Then QUIT. Blocking, with the
 * deadlines of limits (smtp_connect_timeout_ms, smtp_reply_timeout_ms). Returns
 * (transfer full), never NULL. */
FctAuditTlsProbe *fct_audit_tls_probe (const char *host, const char *ip, guint16 port,
                                       const char *helo, const char *ca_file,
                                       const FctLimits *limits);

/* A deep copy (transfer full). */
FctAuditTlsProbe *fct_audit_tls_probe_copy (const FctAuditTlsProbe *probe);

/* Probe results shared by the audits of a batch: many domains use the same exchangers
 * (a provider's), which are then asked once, not once per domain. Keyed by host,
 * address and port; a probe in progress is waited for, not repeated. Thread-safe. */
typedef struct _FctAuditProbeCache FctAuditProbeCache;

FctAuditProbeCache *fct_audit_probe_cache_new (void);
void fct_audit_probe_cache_free (FctAuditProbeCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAuditProbeCache, fct_audit_probe_cache_free)
/* Probes (fct_audit_tls_probe) or returns a copy of the earlier result
 * (transfer full). */
FctAuditTlsProbe *fct_audit_probe_cache_probe (FctAuditProbeCache *cache, const char *host,
                                               const char *ip, guint16 port,
                                               const char *helo, const char *ca_file,
                                               const FctLimits *limits);
/* Connections made so far (for tests and statistics). */
guint fct_audit_probe_cache_get_probes (FctAuditProbeCache *cache);

/* ---------------------------------------------------------------- mail providers */

/* One row of data/audit/mail-providers.tsv: the MX hosts of a mail provider and the SPF
 * include it documents for the servers that send its customers' mail. Static strings. */
typedef struct
{
  const char *pattern; /* the host itself or any name below it; "*" any characters */
  const char *name;    /* "Google Workspace" */
  const char *include; /* "_spf.google.com" */
  const char *source;  /* the provider's page documenting the include */
} FctAuditProvider;

/* The provider running the MX host, or NULL (transfer none). Case-insensitive; a
 * trailing dot is ignored. */
const FctAuditProvider *fct_audit_provider_for_mx (const char *host);
/* Every row, in file order (transfer none). */
const FctAuditProvider *const *fct_audit_providers (gsize *n_rows);

/* ---------------------------------------------------------------- the audit */

typedef struct
{
  const FctLimits *limits; /* NULL: fct_limits_default () */
  /* DKIM selectors to try first (NULL-terminated, transfer none), then the common
   * ones of fct_audit_common_dkim_selectors (). */
  const char *const *dkim_selectors;
  gboolean smtp;       /* probe STARTTLS on each MX (default TRUE) */
  guint16 smtp_port;   /* default 25 */
  const char *helo;    /* EHLO name; NULL: "facteur.invalid" */
  guint16 https_port;  /* port of the MTA-STS policy server; default 443 */
  const char *ca_file; /* extra trusted CAs (PEM) for HTTPS and STARTTLS, or NULL */
  /* DNS blocklist zones (NULL-terminated). NULL: fct_audit_default_ip_blocklists ()
   * and fct_audit_default_domain_blocklists (); an empty vector checks none. */
  const char *const *ip_blocklists;
  const char *const *domain_blocklists;
  /* The HTTPS fetcher; NULL: fct_audit_https_fetch with ca_file. */
  FctAuditFetchFunc fetch;
  gpointer fetch_data;
  /* Shares STARTTLS results between audits (batch mode), or NULL (transfer none). */
  FctAuditProbeCache *probe_cache;
  /* The address DMARC aggregate reports should go to, proposed in fixes (a bare
   * address, no "mailto:"); NULL: dmarc-reports@DOMAIN, named as a mailbox to create. */
  const char *rua;
} FctAuditOptions;

void fct_audit_options_init (FctAuditOptions *options);

/* The selectors tried on every audit (NULL-terminated, static). */
const char *const *fct_audit_common_dkim_selectors (void);
const char *const *fct_audit_default_ip_blocklists (void);
const char *const *fct_audit_default_domain_blocklists (void);

/* One address of an exchanger, as found. */
typedef struct
{
  char *ip;          /* IPv4 or IPv6 literal */
  GPtrArray *ptr;    /* char *: its PTR names (empty when none) */
  gboolean fcrdns;   /* a PTR name resolves back to ip */
  GPtrArray *listed; /* char *: the blocklist zones that list it */
} FctAuditAddress;

void fct_audit_address_free (FctAuditAddress *address);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAuditAddress, fct_audit_address_free)

/* One exchanger, as found. */
typedef struct
{
  char *host;
  guint16 preference;
  GPtrArray *addresses;    /* FctAuditAddress * (at most 4) */
  gboolean tlsa;           /* _25._tcp.host has TLSA records */
  FctAuditTlsProbe *probe; /* NULL when SMTP was not tried */
} FctAuditMx;

void fct_audit_mx_free (FctAuditMx *mx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAuditMx, fct_audit_mx_free)

/* One DKIM key record found at a selector. */
typedef struct
{
  char *selector;
  const char *key_type; /* "rsa", "ed25519" (static), or NULL when unusable */
  guint bits;           /* 0 when revoked or unusable */
  gboolean testing;     /* t=y */
  gboolean revoked;     /* empty p= */
} FctAuditDkimKey;

void fct_audit_dkim_key_free (FctAuditDkimKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAuditDkimKey, fct_audit_dkim_key_free)

typedef struct
{
  char *domain; /* lower-case, no trailing dot */
  /* FALSE when DNS could not be used at all (not even for the top-level domain): the
   * findings then hold only dns-error, and the score says nothing about the domain. */
  gboolean audited;
  FctDnssecStatus dnssec;
  gboolean null_mx;
  GPtrArray *mx;            /* FctAuditMx *, by preference */
  char *spf_record;         /* or NULL */
  guint spf_dns_lookups;    /* over the include/redirect tree (RFC 7208 §4.6.4) */
  char *dmarc_record;       /* or NULL */
  GPtrArray *dkim_keys;     /* FctAuditDkimKey *: selectors that publish a key record */
  FctMtaStsPolicy *mta_sts; /* the fetched policy, or NULL */
  FctFindings *findings;    /* sorted, most costly first */
  double score;             /* 0 to 10 */
} FctAuditReport;

void fct_audit_report_free (FctAuditReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAuditReport, fct_audit_report_free)

/* Audits domain. Every DNS query goes through fct_resolver_query_async and all of them
 * are in flight together; the HTTPS fetch, the SPF walk and the STARTTLS probes run on
 * worker threads meanwhile. Blocks until all have answered (each bounded by its
 * timeout). Problems of the domain are findings; NULL and FCT_AUDIT_ERROR_INVALID only
 * when domain is not a domain name. options may be NULL. Returns (transfer full). */
FctAuditReport *fct_audit_domain (FctResolver *resolver, const char *domain,
                                  const FctAuditOptions *options,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
