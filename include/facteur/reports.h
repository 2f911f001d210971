/* facteur — the reports that receivers send back: DMARC aggregate reports (RFC 9990, and
 * the RFC 7489 Appendix C format most senders still use), TLS-RPT reports (RFC 8460) and
 * DMARC failure reports (RFC 9991, ARF of RFC 5965). Parsers are streaming or bounded by
 * FctLimits; the ingestion reads files, Maildirs, mboxes and report messages, undoes
 * gzip and zip under ratio and size budgets, and stores each report once (FctStore).
 * The summary tells, per sending source, who sends mail in a domain's name and whether
 * it passes. */
#pragma once

#include <facteur/dns.h>
#include <facteur/limits.h>
#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FCT_REPORTS_ERROR (fct_reports_error_quark ())
GQuark fct_reports_error_quark (void);

typedef enum
{
  FCT_REPORTS_ERROR_MALFORMED,   /* not a report of the kind expected */
  FCT_REPORTS_ERROR_LIMIT,       /* a FctLimits bound was reached (size, depth, ratio) */
  FCT_REPORTS_ERROR_UNSUPPORTED, /* a file or attachment type that holds no report */
  FCT_REPORTS_ERROR_IO,          /* a file or folder could not be read */
} FctReportsError;

typedef enum
{
  FCT_REPORT_KIND_AGGREGATE, /* DMARC "rua" */
  FCT_REPORT_KIND_TLSRPT,
  FCT_REPORT_KIND_FAILURE, /* DMARC "ruf" (ARF auth-failure) */
} FctReportKind;

const char *fct_report_kind_to_string (FctReportKind kind);

/* ---- DMARC aggregate reports --------------------------------------------------- */

/* The report's metadata and published policy (RFC 9990 §2.1, RFC 7489 Appendix C).
 * Strings are owned by the struct; absent elements are NULL. */
typedef struct
{
  gboolean rfc9990; /* in the urn:ietf:params:xml:ns:dmarc-2.0 namespace */
  char *version;
  char *org_name;
  char *email;
  char *report_id;
  gint64 begin, end; /* Unix time; 0 when absent */
  char *domain;      /* policy_published/domain, lower case */
  char *p, *sp, *np; /* none|quarantine|reject */
  char *adkim, *aspf;
  char *pct;     /* RFC 7489 only */
  char *testing; /* RFC 9990: y|n */
} FctDmarcAggregateMeta;

void fct_dmarc_aggregate_meta_clear (FctDmarcAggregateMeta *meta);

/* One <record>: one source, one set of results, `count` messages (RFC 9990 §2.1). Of
 * the auth_results the record keeps, for DKIM, the signature that matters most (an
 * aligned pass, then any pass, then the first) and how many there were. */
typedef struct _FctDmarcAggregateRecord
{
  char *source_ip; /* as written, validated as an IPv4 or IPv6 address */
  gint64 count;
  char *disposition;    /* none|quarantine|reject (RFC 7489: also "pass") */
  char *dkim;           /* policy_evaluated: pass|fail (DMARC-aligned DKIM) */
  char *spf;            /* policy_evaluated: pass|fail (DMARC-aligned SPF) */
  char *reason;         /* first policy override reason type (forwarded, ...) */
  char *reason_comment; /* its comment */
  char *header_from;    /* identifiers, lower case */
  char *envelope_from;  /* or NULL */
  char *envelope_to;    /* or NULL */
  char *dkim_domain;    /* auth_results/dkim, the one kept (see above) */
  char *dkim_selector;
  char *dkim_result; /* none|pass|fail|policy|neutral|temperror|permerror */
  guint dkim_signatures;
  /* A signature of the author's domain failed to verify: the message was signed by the
   * domain and changed on the way (a list, a forwarder that rewrites). */
  gboolean dkim_author_broken;
  char *spf_domain; /* auth_results/spf */
  char *spf_result;
} FctDmarcAggregateRecord;

void fct_dmarc_aggregate_record_clear (FctDmarcAggregateRecord *record);

/* Called once the metadata and policy are read, before the first record: return FALSE
 * to stop (a report already stored), and parsing ends without error. */
typedef gboolean (*FctDmarcAggregateMetaFunc) (const FctDmarcAggregateMeta *meta,
                                               gpointer user_data);
/* Called for each record, in order (record is transfer none, valid during the call).
 * Return FALSE with error set to abandon the report. */
typedef gboolean (*FctDmarcAggregateRecordFunc) (const FctDmarcAggregateRecord *record,
                                                 gpointer user_data, GError **error);

/* Parses an aggregate report with libxml2's streaming reader: no DTD, no entity
 * expansion, no network, no huge-document mode; nesting, record count and size bounded
 * by limits (NULL: defaults). Calls meta_func then record_func as the report is read,
 * so memory holds one record at a time. Returns FALSE and an FCT_REPORTS_ERROR when the
 * document is not a well-formed aggregate report (records already passed to record_func
 * must then be discarded by the caller). *stopped tells whether meta_func stopped it. */
gboolean fct_dmarc_aggregate_parse (const char *data, gsize len, const FctLimits *limits,
                                    FctDmarcAggregateMetaFunc meta_func,
                                    FctDmarcAggregateRecordFunc record_func,
                                    gpointer user_data, gboolean *stopped,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- TLS-RPT (RFC 8460 §4) ------------------------------------------------------ */

typedef struct
{
  char *result_type; /* starttls-not-supported, certificate-expired, ... */
  char *sending_mta_ip;
  char *receiving_mx_hostname;
  char *receiving_ip;
  gint64 failed_sessions;
} FctTlsRptFailure;

typedef struct _FctTlsRptPolicy
{
  char *policy_type; /* tlsa|sts|no-policy-found */
  char *policy_domain;
  gint64 successful_sessions;
  gint64 failed_sessions;
  GPtrArray *failures; /* FctTlsRptFailure * */
} FctTlsRptPolicy;

typedef struct _FctTlsRptReport
{
  char *org_name;
  char *report_id;
  char *contact_info;
  gint64 begin, end;   /* from date-range's RFC 3339 datetimes */
  GPtrArray *policies; /* FctTlsRptPolicy * */
} FctTlsRptReport;

void fct_tlsrpt_report_free (FctTlsRptReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctTlsRptReport, fct_tlsrpt_report_free)

/* Parses a TLS-RPT JSON report of at most limits->reports_max_bytes, nested at most
 * limits->reports_json_depth_max deep. Returns (transfer full) or NULL and an
 * FCT_REPORTS_ERROR. */
FctTlsRptReport *fct_tlsrpt_report_parse (const char *data, gsize len,
                                          const FctLimits *limits,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- Failure reports (RFC 9991, ARF: RFC 5965, RFC 6591) ------------------------ */

typedef struct _FctFailureReport
{
  char *report_id;     /* the report message's Message-ID */
  char *org;           /* the reporter: the domain of the report's From */
  char *feedback_type; /* auth-failure, ... */
  char *auth_failure;  /* dmarc, dkim, spf (RFC 6591 §3.2) */
  char *reported_domain;
  char *source_ip;
  char *arrival_date;
  gint64 arrival;           /* Unix time, 0 when absent or unreadable */
  char *original_mail_from; /* local part redacted */
  char *dkim_domain;
  char *dkim_selector;
  char *delivery_result;
  char *identity_alignment;
  char *authentication_results;
  /* The original message's header fields as stored: its body never, and every
   * address's local part replaced by "redacted" (RFC 6590 §3 redaction): failure
   * reports carry third parties' addresses. */
  char *headers;
} FctFailureReport;

void fct_failure_report_free (FctFailureReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctFailureReport, fct_failure_report_free)

/* Reads a message holding a multipart/report; report-type=feedback-report with a
 * message/feedback-report part (parsed with GMime). Returns (transfer full) or NULL and
 * an FCT_REPORTS_ERROR. */
FctFailureReport *fct_failure_report_parse (const char *data, gsize len,
                                            const FctLimits *limits,
                                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Replaces the local part of every address in text with "redacted" (transfer full). */
char *fct_reports_redact (const char *text);

/* ---- Decompression and report location ----------------------------------------- */

/* One report found in a file, a message or an archive: its decompressed bytes and its
 * kind. */
typedef struct
{
  FctReportKind kind;
  char *name; /* where it came from, for the notices: "file.zip:member.xml" */
  GBytes *data;
} FctReportBlob;

void fct_report_blob_free (FctReportBlob *blob);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctReportBlob, fct_report_blob_free)

/* Finds the reports in data (a bare XML or JSON report, its gzip or zip, or a whole
 * message whose attachments hold them, or a failure report message), named name.
 * Appends FctReportBlob * to blobs; each report that cannot be read (bomb, truncated,
 * over a limit) is reported to skip with its reason and the others go on. Returns FALSE
 * and an FCT_REPORTS_ERROR only when nothing in data looks like a report. */
typedef void (*FctReportsSkipFunc) (const char *name, const GError *reason,
                                    gpointer user_data);
gboolean fct_reports_extract (const char *name, GBytes *data, const FctLimits *limits,
                              GPtrArray *blobs, FctReportsSkipFunc skip, gpointer user_data,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Decompresses gzip data (zlib) within limits' size and ratio budgets (transfer full),
 * or NULL and FCT_REPORTS_ERROR_LIMIT (bomb) or _MALFORMED (truncated, corrupt). */
GBytes *fct_reports_gunzip (const guint8 *data, gsize len, const FctLimits *limits,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- Ingestion into the store -------------------------------------------------- */

typedef struct _FctStore FctStore;

typedef struct
{
  /* Domains the installation manages (lower case); NULL or empty: all. A report for
   * another domain is counted and dropped. */
  const char *const *domains;
  /* Reports per transaction; 0: 100. */
  guint batch_reports;
  const FctLimits *limits; /* NULL: defaults */
  FctReportsSkipFunc skip; /* told of each report skipped, with why */
  gpointer user_data;
} FctReportsIngestOptions;

typedef struct
{
  guint64 sources;           /* files and messages read */
  guint64 stored;            /* reports stored */
  guint64 records;           /* aggregate records stored */
  guint64 duplicates;        /* reports stored already (same organization and report id) */
  guint64 foreign;           /* reports for a domain not managed */
  guint64 skipped;           /* malformed, over a limit, unreadable */
  guint64 stored_by_kind[3]; /* indexed by FctReportKind */
} FctReportsIngestStats;

typedef struct _FctReportsIngest FctReportsIngest;

/* An ingestion into store (transfer none, must outlive it). */
FctReportsIngest *fct_reports_ingest_new (FctStore *store,
                                          const FctReportsIngestOptions *options);
void fct_reports_ingest_free (FctReportsIngest *ingest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctReportsIngest, fct_reports_ingest_free)

/* Reads path: a report file (XML, JSON, .gz, .zip), a message (.eml), a Maildir (a
 * folder with cur/ and new/), an mbox, or a folder of any of these (walked, not
 * following symbolic links). Each report is stored or skipped with a notice; returns
 * FALSE with error only when the store fails or path cannot be read at all. */
gboolean fct_reports_ingest_path (FctReportsIngest *ingest, const char *path,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Reads one message or report given as bytes (an IMAP fetch, standard input). */
gboolean fct_reports_ingest_bytes (FctReportsIngest *ingest, const char *name, GBytes *data,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Reads every message of an IMAP mailbox (imap://host[:port]/MAILBOX or imaps://),
 * logging in as user with password (both may be NULL for a server that needs none; the
 * URL itself must carry no credentials). Plain imap:// needs STARTTLS except on a
 * loopback address. The messages are left in the mailbox; reports stored already are
 * recognised and skipped. Returns FALSE with an FCT_REPORTS_ERROR when the server cannot
 * be reached or refuses the login or the mailbox. */
gboolean fct_reports_ingest_imap (FctReportsIngest *ingest, const char *url,
                                  const char *user, const char *password,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Commits what is pending. Also done every batch_reports reports and by _free (whose
 * failure is then lost: call this first). */
gboolean fct_reports_ingest_flush (FctReportsIngest *ingest,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
const FctReportsIngestStats *fct_reports_ingest_stats (FctReportsIngest *ingest);

/* ---- Summary -------------------------------------------------------------------- */

typedef enum
{
  FCT_REPORTS_SOURCE_COMPLIANT,      /* passes DMARC with SPF aligned */
  FCT_REPORTS_SOURCE_FORWARDER,      /* SPF broken by forwarding; DKIM or ARC carries it */
  FCT_REPORTS_SOURCE_FAILING_SENDER, /* one of the domain's senders, failing DMARC */
  FCT_REPORTS_SOURCE_SPOOFER,        /* fails, nothing ties it to the domain */
} FctReportsSourceCategory;

const char *fct_reports_source_category_to_string (FctReportsSourceCategory category);

/* The stored records of one domain, added up per source IP (filled by the store). */
typedef struct _FctReportsSource
{
  char *ip;
  gint64 messages;
  gint64 dmarc_pass;  /* messages with aligned SPF or aligned DKIM */
  gint64 spf_aligned; /* policy_evaluated spf=pass */
  gint64 dkim_aligned;
  gint64 spf_pass;    /* auth_results spf=pass, for any domain */
  gint64 dkim_pass;   /* auth_results dkim=pass, for any domain */
  gint64 forwarded;   /* messages whose override reason says forwarding, a list or ARC */
  gint64 dkim_broken; /* messages whose author-domain DKIM signature failed */
  char *spf_domain;   /* the SPF domain seen most for it */
  char *dkim_domain;
  char *dkim_selector;
  char *envelope_from;
  gint64 first, last; /* report date range covering it */
  /* Filled by the summary: */
  char *reverse_name;
  char *organization;
  char *spf_include; /* the fix: the include the provider documents */
  char *fix;         /* what to do, in the caller's language */
  FctReportsSourceCategory category;
} FctReportsSource;

void fct_reports_source_free (FctReportsSource *source);

typedef enum
{
  FCT_REPORTS_READY_NO_DATA,    /* no report for the domain */
  FCT_REPORTS_READY_NOT_ENOUGH, /* fewer than 7 days of reports */
  FCT_REPORTS_READY_NOT_YET,    /* some of the domain's own senders fail */
  FCT_REPORTS_READY_QUARANTINE, /* own senders pass; forwarded mail would suffer */
  FCT_REPORTS_READY_REJECT,     /* own senders pass, forwarding survives */
} FctReportsReadiness;

const char *fct_reports_readiness_to_string (FctReportsReadiness readiness);

typedef struct
{
  char *domain;
  gint64 reports;
  gint64 messages;
  gint64 dmarc_pass;
  gint64 first, last; /* span of the reports' date ranges */
  GPtrArray *sources; /* FctReportsSource *, most messages first */
  FctReportsReadiness readiness;
  char *readiness_reason; /* in the caller's language */
  gint64 tlsrpt_reports, tlsrpt_successful, tlsrpt_failed;
  gint64 failure_reports;
} FctReportsSummary;

void fct_reports_summary_free (FctReportsSummary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctReportsSummary, fct_reports_summary_free)

/* Sums up the reports stored for domain since `since` (Unix time, 0: all). resolver,
 * when not NULL, gives each source's reverse name (PTR). Returns (transfer full) or NULL
 * and an FCT_STORE_ERROR. */
FctReportsSummary *fct_reports_summary_build (FctStore *store, const char *domain,
                                              gint64 since, FctResolver *resolver,
                                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The summary as JSON (transfer full): {"domain","reports","messages","dmarc_pass",
 * "first","last","readiness":{"answer","reason"},"sources":[{"ip","reverse_name",
 * "organization","messages","dmarc_pass","spf_aligned","dkim_aligned","spf_pass",
 * "dkim_pass","category","fix"}],"tlsrpt":{...},"failure_reports"}. */
JsonNode *fct_reports_summary_to_json (const FctReportsSummary *summary);

/* The sending provider known for a source, from data/reports/senders.tsv: matched on
 * its reverse name, its SPF domain or its DKIM domain (suffixes). Returns the row's
 * provider name and SPF include (transfer none), or FALSE. */
gboolean fct_reports_provider_lookup (const char *reverse_name, const char *spf_domain,
                                      const char *dkim_domain, const char **provider,
                                      const char **spf_include);

G_END_DECLS
