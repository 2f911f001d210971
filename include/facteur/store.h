/* facteur — persistent memory across messages, in SQLite (one machine) or PostgreSQL
 * (several machines sharing it): which IBANs each sender's organization has sent, so
 * that a new one can be flagged (bank-details fraud, `iban-new-for-sender`), and
 * facteur serve's tests and reports.
 *
 * No IBAN is stored in clear: each is kept as an HMAC-SHA-256 under a key of 32 random
 * bytes in a file beside the database (PATH.key, created mode 0600), with its last four
 * characters for the reader. The database file is mode 0600 too. Each sighting records
 * (as an HMAC too) the message it came from, so that a message checked twice does not
 * make its own IBAN "known".
 *
 * The database is versioned (PRAGMA user_version), written in WAL mode so that several
 * processes may check messages at once, and bounded: past a number of rows per domain
 * and in all, the rows seen least recently are deleted.
 *
 * It also keeps the reports receivers send (DMARC aggregate and failure reports, TLS-RPT:
 * facteur reports), each stored once per (kind, organization, report id), in either
 * back end. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FCT_STORE_ERROR (fct_store_error_quark ())
GQuark fct_store_error_quark (void);

typedef enum
{
  FCT_STORE_ERROR_OPEN,    /* the database cannot be opened or created */
  FCT_STORE_ERROR_VERSION, /* written by a newer facteur (schema version above ours) */
  FCT_STORE_ERROR_SQL,     /* the database failed (the message gives its error) */
  FCT_STORE_ERROR_INVALID, /* bad argument (empty domain or IBAN) */
  FCT_STORE_ERROR_KEY,     /* the key file cannot be read or created, or is not 32 bytes */
  FCT_STORE_ERROR_UNAVAILABLE, /* the database server went away (connection lost) */
} FctStoreError;

typedef struct
{
  /* Most IBANs kept per sender domain; 0: 100 (a company pays into a handful of
   * accounts; a hundred leaves room for marketplaces). */
  guint ibans_per_domain_max;
  /* Most rows in all; 0: 1,000,000 (about 100 MB of SQLite pages). */
  guint ibans_max;
  /* Milliseconds SQLite waits for a lock held by another process; 0: 5,000. (SQLite
   * only.) */
  guint busy_timeout_ms;
  /* Every commit reaches the disk before it returns (synchronous=FULL): a server that
   * answers 250 after a commit needs it; the IBAN history does not. */
  gboolean durable;
  /* The HMAC key file; NULL: PATH.key beside a SQLite database (a random key held in
   * memory for ":memory:"); required for PostgreSQL. Created with 32 random bytes, mode
   * 0600, when missing. */
  const char *key_path;
  /* PostgreSQL only: open without the key, for a user of the reports and tests alone
   * (facteur reports), which stores no IBAN and need not hold the key every MX shares;
   * the IBAN calls then fail with FCT_STORE_ERROR_KEY. */
  gboolean without_key;
} FctStoreOptions;

typedef struct _FctStore FctStore;

/* Opens the store at location: a PostgreSQL URI ("postgresql://" or "postgres://",
 * libpq's syntax) or else a SQLite path.
 *
 * SQLite: opens (creating if needed, mode 0600) the database at path and its key file;
 * ":memory:" gives a private one. A database of schema version 1 (IBANs in clear) is
 * converted: its IBANs are replaced by their HMAC and erased (secure_delete).
 *
 * PostgreSQL: connects, applies the schema steps the database lacks (one transaction
 * under an advisory lock), and checks the key: options->key_path is required, the same
 * file on every machine that shares the database (created when missing only for a
 * database that has recorded no key yet), unless options->without_key; another key is
 * refused (FCT_STORE_ERROR_KEY).
 * A lost connection is opened again by the next call that needs it.
 *
 * options may be NULL. Returns (transfer full) or NULL and an FCT_STORE_ERROR. */
FctStore *fct_store_open (const char *location, const FctStoreOptions *options,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Whether location names a PostgreSQL database rather than a SQLite file. */
gboolean fct_store_location_is_postgresql (const char *location);
void fct_store_close (FctStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctStore, fct_store_close)

/* ---- a store that outlives its database's outages (facteur milter) ---------------- */

/* Told what the store does about an outage (warning TRUE) or its end; the library
 * never prints: the caller logs. */
typedef void (*FctStoreLogFunc) (gboolean warning, const char *message, gpointer user_data);

typedef struct
{
  /* Most IBAN sightings kept while the database is unreachable, written when it
   * returns; the ones past it are turned away and logged. 0: 10,000 (a few MB). */
  guint queue_max;
  /* The first delay before trying an unreachable database again, doubled after each
   * failure up to retry_max_ms. 0: 1,000 and 60,000. */
  guint retry_min_ms, retry_max_ms;
  FctStoreLogFunc log;
  gpointer log_data;
} FctStoreResilience;

/* A store for the IBAN history (record, lookup, count only) that many threads may use
 * at once, with connections to location kept in a pool. It never fails to open: while
 * the database cannot be reached its calls fail at once with
 * FCT_STORE_ERROR_UNAVAILABLE (or the error of the attempt), it is tried again after a
 * delay that doubles, and the sightings fct_store_iban_record could not write are kept
 * (at most queue_max) and written, oldest first, by the first call that reaches the
 * database again. Errors other than an outage (a wrong key, a newer schema) are
 * returned as they are. Returns (transfer full). */
FctStore *fct_store_open_resilient (const char *location, const FctStoreOptions *options,
                                    const FctStoreResilience *resilience);

/* The sightings kept for later in a store of fct_store_open_resilient. */
guint fct_store_resilient_pending (FctStore *store);

/* The SQLite schema version this build writes (PRAGMA user_version). */
guint fct_store_schema_version (void);

typedef struct
{
  gboolean known;    /* this IBAN was recorded for this domain from another message */
  guint others;      /* how many other IBANs the domain sent in other messages */
  gint64 first_seen; /* Unix time the IBAN was first recorded (now if it is new) */
} FctStoreIbanSighting;

/* Records that the organization org_domain (lower case: the registrable domain of the
 * sender) sent iban (normalised: upper case, no spaces) in the message message_key (its
 * Message-ID, or a digest of it: the same message gives the same key) at time now, and
 * says whether it was known from another message before. Returns FALSE and an
 * FCT_STORE_ERROR when the database fails. Not thread-safe: one FctStore per thread. */
gboolean fct_store_iban_record (FctStore *store, const char *org_domain, const char *iban,
                                const char *message_key, gint64 now,
                                FctStoreIbanSighting *out,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Says whether iban was recorded for org_domain from another message than message_key,
 * without recording it (for a message whose sender is not authenticated: its IBAN must
 * not become "known"). Returns FALSE and an FCT_STORE_ERROR when the database fails. */
gboolean fct_store_iban_lookup (FctStore *store, const char *org_domain, const char *iban,
                                const char *message_key, FctStoreIbanSighting *out,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Number of IBANs recorded for sender_domain, or -1 and error. */
gint64 fct_store_iban_count (FctStore *store, const char *sender_domain,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- facteur serve: tests, the messages they received, their reports -------------- */

/* Records a new test (token: lower-case hexadecimal) created by client_ip at now.
 * Returns FALSE and an FCT_STORE_ERROR on failure (a token taken already is one). */
gboolean fct_store_test_create (FctStore *store, const char *token, const char *client_ip,
                                gint64 now, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* 1 if the test exists, 0 if not, -1 and error if the database fails. */
int fct_store_test_exists (FctStore *store, const char *token,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* One message received for one test, as the SMTP session saw it. */
typedef struct
{
  gint64 id; /* set by fct_store_messages_add */
  char *token;
  gint64 received; /* Unix time */
  char *spool;     /* the file holding the message */
  char *client_ip;
  char *helo;        /* or NULL */
  char *mail_from;   /* "" for the null sender */
  char *tls_version; /* or NULL */
  char *tls_cipher;  /* or NULL */
  gint64 size;
  gboolean checked; /* its report is stored */
  double score;     /* once checked */
  char *threat;     /* "clean", ... once checked, else NULL */
} FctStoreMessage;

void fct_store_message_free (FctStoreMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctStoreMessage, fct_store_message_free)

/* Adds messages[0..n) in one transaction (group commit) and sets their ids. Returns
 * FALSE and an FCT_STORE_ERROR, adding none, on failure. */
gboolean fct_store_messages_add (FctStore *store, FctStoreMessage *const *messages, guint n,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The messages whose report is not stored yet, oldest first (after a restart)
 * (transfer full: FctStoreMessage *), or NULL and error. */
GPtrArray *fct_store_messages_unchecked (FctStore *store,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The last message of token (transfer full), or NULL: none (error unset) or a failure
 * (error set). */
FctStoreMessage *fct_store_message_latest (FctStore *store, const char *token,
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What a check gave for one message, in each language. */
typedef struct
{
  double score;
  const char *threat;          /* "clean", ... */
  const char *const *findings; /* finding ids, NULL-terminated */
  const char *const *langs;    /* "en", "fr", NULL-terminated */
  const char *const *reports;  /* the report JSON in langs[i] */
  const char *view;            /* JSON of the message's headers, text and HTML */
} FctStoreReport;

/* Stores the report of message_id and marks it checked, in one transaction. */
gboolean fct_store_report_put (FctStore *store, gint64 message_id,
                               const FctStoreReport *report,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The report JSON of message_id in lang (else in any language) (transfer full), or NULL:
 * none (error unset) or a failure (error set). */
char *fct_store_report_get (FctStore *store, gint64 message_id, const char *lang,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The view JSON stored with the report, same conventions. */
char *fct_store_view_get (FctStore *store, gint64 message_id,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The last limit messages, newest first (transfer full: FctStoreMessage *). */
GPtrArray *fct_store_messages_recent (FctStore *store, guint limit,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* How often each finding id was raised, most frequent first: a GPtrArray of char *
 * "id" and a parallel GArray of gint64 counts in *counts (transfer full). */
GPtrArray *fct_store_finding_counts (FctStore *store, GArray **counts,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Deletes the tests created before `before`, their messages and reports. *spools
 * receives the spool files no message refers to any more (transfer full: char *), for
 * the caller to delete. Returns the tests deleted, or -1 and error. */
gint64 fct_store_prune (FctStore *store, gint64 before, GPtrArray **spools,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- facteur reports: DMARC aggregate, TLS-RPT and failure reports ----------------- */

/* The parsed forms (include/facteur/reports.h). */
typedef struct _FctDmarcAggregateRecord FctDmarcAggregateRecord;
typedef struct _FctTlsRptReport FctTlsRptReport;
typedef struct _FctFailureReport FctFailureReport;
typedef struct _FctReportsSource FctReportsSource;

/* Transactions for a batch of reports (group commit), and savepoints within it so that
 * a report abandoned half-way leaves nothing. */
gboolean fct_store_begin (FctStore *store, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fct_store_commit (FctStore *store, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fct_store_rollback (FctStore *store);
gboolean fct_store_savepoint (FctStore *store, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fct_store_savepoint_release (FctStore *store,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fct_store_savepoint_rollback (FctStore *store);

/* One received report. Strings transfer none. */
typedef struct
{
  const char *kind; /* "aggregate", "tlsrpt", "failure" */
  const char *org;
  const char *report_id;
  const char *domain;
  gint64 begin, end;
  gint64 received;    /* Unix time it was stored */
  const char *email;  /* the reporter's address, or NULL */
  const char *policy; /* published p=, or NULL */
  gboolean rfc9990;
  const guint8 *raw; /* the report as received (decompressed); kept compressed (zlib) */
  gsize raw_len;
} FctStoreFeedback;

/* 1 if a report of kind from org with report_id is stored, 0 if not, -1 and error. */
int fct_store_feedback_exists (FctStore *store, const char *kind, const char *org,
                               const char *report_id,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Stores the report: returns its id, 0 when the same (kind, org, report_id) is stored
 * already (nothing added), or -1 and error. */
gint64 fct_store_feedback_add (FctStore *store, const FctStoreFeedback *feedback,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fct_store_feedback_record_add (FctStore *store, gint64 report,
                                        const FctDmarcAggregateRecord *record,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fct_store_feedback_tlsrpt_add (FctStore *store, gint64 report,
                                        const FctTlsRptReport *tlsrpt,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fct_store_feedback_failure_add (FctStore *store, gint64 report,
                                         const FctFailureReport *failure,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The report as received (transfer full), or NULL: none (error unset) or a failure. */
GBytes *fct_store_feedback_raw (FctStore *store, gint64 report,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  gint64 reports, first, last; /* aggregate reports for the domain */
  gint64 tlsrpt_reports, tlsrpt_successful, tlsrpt_failed;
  gint64 failure_reports;
} FctStoreFeedbackTotals;

/* The aggregate records of domain's reports ending at or after since, added up per
 * source IP, most messages first (transfer full: FctReportsSource *, free with
 * fct_reports_source_free), and the totals. NULL and error on failure. */
GPtrArray *fct_store_feedback_sources (FctStore *store, const char *domain, gint64 since,
                                       FctStoreFeedbackTotals *totals,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A domain with reports stored (of any kind). */
typedef struct
{
  char *domain;
  gint64 reports;
  gint64 messages; /* the sum of its aggregate records' counts */
  gint64 last;     /* the latest end of a report's date range, Unix time */
} FctStoreFeedbackDomain;

void fct_store_feedback_domain_free (FctStoreFeedbackDomain *domain);

/* The domains with reports stored, by name (transfer full: FctStoreFeedbackDomain *),
 * or NULL and error. */
GPtrArray *fct_store_feedback_domains (FctStore *store,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* One day of a domain's aggregate records. */
typedef struct
{
  gint64 day;     /* Unix time of the day's 00:00 UTC */
  gint64 pass;    /* messages passing DMARC (aligned SPF or aligned DKIM) */
  gint64 fail;    /* messages failing it */
  gint64 blocked; /* of those failing, the ones the receiver quarantined or rejected */
} FctStoreFeedbackDay;

/* The messages of domain's aggregate reports ending at or after since, per day, oldest
 * first, days without reports left out (transfer full: FctStoreFeedbackDay), or NULL and
 * error. A report counts on the day its date range's middle falls on (UTC): receivers
 * cover one day, most of them from midnight UTC, some from another hour. */
GArray *fct_store_feedback_daily (FctStore *store, const char *domain, gint64 since,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* One stored report, as a list shows it. */
typedef struct
{
  gint64 id; /* for fct_store_feedback_raw */
  char *kind, *org, *report_id;
  gint64 begin, end;
  gint64 messages; /* aggregate reports: the sum of their records' counts */
  gint64 raw_size; /* bytes of the report as received; 0 when not kept */
} FctStoreFeedbackInfo;

void fct_store_feedback_info_free (FctStoreFeedbackInfo *info);

/* The reports of domain (every kind) ending at or after since, latest first, at most
 * max of them (transfer full: FctStoreFeedbackInfo *), with *total the number there is;
 * NULL and error on failure. */
GPtrArray *fct_store_feedback_list (FctStore *store, const char *domain, gint64 since,
                                    guint max, gint64 *total,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The domain report was filed under (transfer full), or NULL: none (error unset) or a
 * failure. */
char *fct_store_feedback_domain_of (FctStore *store, gint64 report,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
