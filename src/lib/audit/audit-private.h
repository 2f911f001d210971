/* facteur — the domain audit's state: what the queries, the SPF walk, the HTTPS fetch
 * and the STARTTLS probes brought back (gather.c), read by the judge (judge.c). */
#pragma once

#include <facteur/audit.h>
#include <facteur/dmarc.h>
#include <facteur/spf.h>

/* DNSBL answers examined per address, PTR names followed per address, addresses per
 * exchanger: a handful each, so one domain cannot make the audit ask thousands of
 * queries. RFC 7208 §4.6.4 caps PTR names at 10 the same way. */
#define AUDIT_ADDRESSES_PER_HOST_MAX 4
#define AUDIT_PTR_NAMES_MAX 10

typedef struct
{
  char *zone;
  FctDnsAnswer *answer;
} AuditListed;

typedef struct
{
  char *ip;
  guint8 bytes[16];
  gsize len;
  FctDnsAnswer *ptr;
  GPtrArray *forward;   /* FctDnsAnswer *: A/AAAA of each PTR name */
  GPtrArray *blocklist; /* AuditListed * */
} AuditAddress;

typedef struct
{
  char *host;
  guint16 preference;
  gboolean ip_literal;
  FctDnsAnswer *a, *aaaa, *tlsa;
  GPtrArray *addresses; /* AuditAddress * */
  FctAuditTlsProbe *probe;
  gboolean probe_started;
} AuditMx;

typedef struct
{
  char *selector;
  FctDnsAnswer *answer;
} AuditSelector;

typedef struct
{
  FctResolver *resolver;
  FctAuditOptions options;
  const FctLimits *limits;
  char *domain;
  char *org_domain; /* NULL when it is the domain itself */
  GMainContext *context;
  guint pending;

  FctDnsAnswer *ns, *tld, *mx, *txt, *dmarc, *dmarc_org, *mta_sts, *tlsrpt, *bimi;
  gboolean dmarc_done; /* report destinations started (once) */
  gboolean mx_capped;
  GPtrArray *mx_hosts;      /* AuditMx * */
  GPtrArray *selectors;     /* AuditSelector * */
  GPtrArray *domain_listed; /* AuditListed * */
  GPtrArray *destinations;  /* FctDmarcDestination * */
  FctSpfLintReport *spf;
  char *spf_error;
  FctDnsAnswer *sts_a, *sts_aaaa;
  FctAuditHttpsResponse *sts_response;
} Audit;

/* The DMARC record that applies: the domain's, else the organizational domain's.
 * *policy_domain and *count (DMARC1 records at that name) are set. Returns (transfer
 * full) or NULL. */
FctDmarcRecord *fct_audit_effective_dmarc (const Audit *audit, const char **policy_domain,
                                           guint *count);
/* The TXT records of answer that pass is_version, joined (transfer full, char *). */
GPtrArray *fct_audit_txt_matching (const FctDnsAnswer *answer,
                                   gboolean (*is_version) (const char *, gsize));

/* ---- advice.c: records to propose */

/* One tag to set (value) or remove (value NULL). */
typedef struct
{
  const char *name;
  const char *value;
} FctAuditTagEdit;

/* The DMARC record text with the edits applied: every other tag kept as written, in its
 * order; a tag not yet there is added (p= after v=, others at the end). (transfer
 * full) */
char *fct_audit_dmarc_edit (const char *text, const FctAuditTagEdit *edits, gsize n_edits);
/* The record without what receivers ignore: unknown or malformed tags, bad values, bad
 * URIs, later duplicates; p=none when no usable p= is left (RFC 9989 §4.8). (transfer
 * full) */
char *fct_audit_dmarc_clean (const char *text, const FctLimits *limits);
/* The report address to propose: --rua, else dmarc-reports@policy_domain. (transfer
 * full) */
char *fct_audit_report_address (const Audit *audit, const char *policy_domain);

/* ---- judge.c, servers.c: findings */

typedef struct
{
  Audit *a;
  FctFindings *f;
  gboolean bogus_reported;
  gboolean resolver_failed;          /* nothing could be asked: see judge_dns */
  guint dns_failures;                /* queries that failed: one dns-error finding in all */
  const FctDnsAnswer *first_failure; /* (transfer none) */
  char *first_failure_text;          /* or a failure the SPF walk reported */
} Judge;

/* TRUE when the answer is a failure (reported once as dns-error or dnssec-bogus). */
gboolean fct_audit_judge_failed (Judge *j, const FctDnsAnswer *answer);
/* The A record of a DNSBL answer that means "listed" (127.0.0.0/8 but Spamhaus's
 * 127.255.255.0/24 refusals), or NULL (transfer none). */
const FctDnsRecord *fct_audit_listing (const FctDnsAnswer *answer);
/* servers.c */
void fct_audit_judge_dane (Judge *j);
void fct_audit_judge_blocklists (Judge *j);
void fct_audit_judge_tls (Judge *j);

/* Turns the gathered state into findings and the report (judge.c). */
void fct_audit_judge (Audit *audit, FctAuditReport *report);
