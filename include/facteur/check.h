/* facteur — `facteur check`: the health and threat report of one message. Runs SPF,
 * DKIM and ARC concurrently through the asynchronous resolver, DMARC on their verdicts,
 * the content analysis (include/facteur/analysis.h), then the header, size, bulk-mail,
 * blocklist and stored-IBAN checks, and gives the findings, the score out of 10 and the
 * Authentication-Results value (RFC 8601). */
#pragma once

#include <facteur/arc.h>
#include <facteur/dkim.h>
#include <facteur/dmarc.h>
#include <facteur/dns.h>
#include <facteur/limits.h>
#include <facteur/msg.h>
#include <facteur/score.h>
#include <facteur/spf.h>
#include <facteur/store.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define FCT_CHECK_ERROR (fct_check_error_quark ())
GQuark fct_check_error_quark (void);

typedef enum
{
  FCT_CHECK_ERROR_INVALID, /* bad option: an IP address that does not parse, ... */
  FCT_CHECK_ERROR_STORE,   /* unused: a failing store is the finding
                              iban-history-unavailable */
} FctCheckError;

typedef struct
{
  /* The SMTP client's address, required (SPF, DNSBL). */
  const char *ip;
  /* The HELO/EHLO name, or NULL. */
  const char *helo;
  /* The envelope sender; NULL: the message's Return-Path, if any, else the null
   * sender. "" is the null sender. */
  const char *mail_from;
  /* authserv-id of the Authentication-Results value; NULL: "facteur". */
  const char *authserv_id;
  /* Domains protected against lookalikes, NULL-terminated, or NULL (transfer none). */
  const char *const *protected_domains;
  /* The organisation's brand names, NULL-terminated, or NULL (transfer none). */
  const char *const *protected_brands;
  /* DNSBL zones for the client address, NULL-terminated; NULL: the default list
   * (fct_check_default_dnsbl_zones); an empty vector: none. */
  const char *const *dnsbl_zones;
  /* URI blocklist zones for link domains, same conventions
   * (fct_check_default_uribl_zones). */
  const char *const *uribl_zones;
  /* Records the message's IBANs per sender domain and raises iban-new-for-sender;
   * NULL: no history (transfer none; used from the calling thread only). */
  FctStore *store;
  /* Why the store could not be opened, when store is NULL for that reason, or NULL: the
   * report is then given without history, with the finding iban-history-unavailable
   * (transfer none). */
  const char *store_error;
  /* Unix time for header-date-future, DKIM/ARC expiry and the store; 0: the system
   * clock. */
  gint64 now;
  /* To: and Cc: addresses from which a message counts as bulk without List-Id or
   * Precedence; 0: 20. */
  guint bulk_recipients_min;
  /* NULL: fct_limits_default (). (transfer none; must outlive the check) */
  const FctLimits *limits;
  /* Shared decoded DKIM keys, or NULL (transfer none). */
  FctDkimKeyCache *key_cache;
  /* The attachment reader (FctAnalysisOptions.extract_helper), or NULL: the default. */
  const char *extract_helper;
  /* How the message came, when the caller is the receiving SMTP server (facteur serve):
   * the session's TLS protocol ("TLSv1.3"), "" for clear text; NULL: not known, and
   * nothing is said about the transport (src/lib/check/transport.c). */
  const char *tls_version;
  /* Milliseconds after the start past which the check stops waiting for DNS (a milter's
   * time budget): see FctCheckCut; DMARC is then evaluated on the verdicts that are in,
   * and its own queries are still waited for (each has its timeout). 0: every answer is
   * waited for. */
  guint wait_max_ms;
} FctCheckOptions;

/* The default DNSBL and URI blocklist zones (docs/SCORING.md says why each), NULL-
 * terminated (transfer none). */
const char *const *fct_check_default_dnsbl_zones (void);
const char *const *fct_check_default_uribl_zones (void);

/* One blocklist query that listed something. */
typedef struct
{
  gboolean link; /* TRUE: a link's domain (URI blocklist); FALSE: the client address */
  char *zone;    /* "zen.spamhaus.org" */
  char *subject; /* the IP address or the domain looked up */
  char *code;    /* the answer, "127.0.0.2" */
  char *meaning; /* the decoded return code, translated ("Spamhaus SBL: ...") */
} FctCheckListing;

/* One provider's size limit (docs/SCORING.md "Size"). */
typedef struct
{
  const char *provider; /* "Gmail" */
  gsize max_bytes;      /* largest message accepted, as received (encoded) */
} FctCheckSizeLimit;

/* The table of common providers' limits (transfer none). */
const FctCheckSizeLimit *fct_check_size_limits (gsize *n_rows);

/* The size of msg as a receiving server sees it: its bytes, with any 8-bit body
 * content counted base64-encoded (a relay without 8BITMIME must convert it, RFC 6152
 * §3; 4 bytes per 3 plus CRLF every 76 characters, RFC 2045 §6.8). */
gsize fct_check_received_size (const FctMsg *msg);

/* What a check stopped waiting for when wait_max_ms was spent. */
typedef enum
{
  FCT_CHECK_CUT_SPF = 1 << 0,        /* SPF reads temperror */
  FCT_CHECK_CUT_DKIM = 1 << 1,       /* signatures whose key had not come: temperror */
  FCT_CHECK_CUT_ARC = 1 << 2,        /* a key had not come: cv=fail, temporary */
  FCT_CHECK_CUT_BLOCKLISTS = 1 << 3, /* unanswered blocklist queries left out */
} FctCheckCut;

/* "spf,dkim,arc,blocklists" for the flags set, "" for none (transfer full). */
char *fct_check_cut_to_string (FctCheckCut cut);

typedef struct
{
  FctSpfVerdict *spf;           /* NULL when there was neither sender nor HELO name */
  FctDkimVerifyResult *dkim;    /* never NULL */
  FctDmarcVerdict *dmarc;       /* NULL when DMARC could not be computed (reason below) */
  char *dmarc_error;            /* why, or NULL */
  FctArcVerifyResult *arc;      /* never NULL */
  char *client_ip;              /* the SMTP client's address, as given */
  char *mail_from;              /* the envelope sender used (NULL: null sender) */
  char *sender_domain;          /* the author domain (From), or NULL */
  char *authentication_results; /* the header value, unfolded */
  FctFindings *findings;        /* sorted, most costly first */
  double score;                 /* fct_findings_score (findings) */
  FctThreat threat;             /* fct_findings_threat (findings) */
  GPtrArray *threat_findings;   /* const char *: the ids that decided threat (static) */
  gsize received_size;          /* fct_check_received_size */
  GPtrArray *listings;          /* FctCheckListing *: DNSBL and URI blocklist hits */
  guint blocklist_queries;      /* DNS queries made for blocklists */
  FctCheckCut cut_short;        /* what wait_max_ms cut short, or 0 */
} FctCheckReport;

void fct_check_report_free (FctCheckReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctCheckReport, fct_check_report_free)

/* "pass", "fail", ... for the report's four methods, as "auth" in the JSON output shows
 * them (transfer none). */
const char *fct_check_report_spf_result (const FctCheckReport *report);
const char *fct_check_report_dkim_result (const FctCheckReport *report);
const char *fct_check_report_dmarc_result (const FctCheckReport *report);
const char *fct_check_report_arc_result (const FctCheckReport *report);

/* Checks msg. options is copied (its strings, store and limits must outlive the check).
 * The callback runs in the caller's thread-default main context; every DNS query goes
 * through fct_resolver_query_async and the content analysis runs while they are in
 * flight. */
void fct_check_async (FctMsg *msg, FctResolver *resolver, const FctCheckOptions *options,
                      GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data);
/* The same, ending the DKIM and ARC verifiers the caller fed as the message streamed in
 * (a milter, which keeps only the first bytes of a large message as msg): their key
 * queries run alongside SPF's, and wait_max_ms can cut them. Each verifier is
 * referenced, fed to the end of the body and not yet ended, or NULL to verify msg. */
void fct_check_with_verifiers_async (FctMsg *msg, FctResolver *resolver,
                                     const FctCheckOptions *options, FctDkimVerifier *dkim,
                                     FctArcVerifier *arc, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* Returns (transfer full), or NULL and an FCT_CHECK_ERROR, FCT_ANALYSIS_ERROR or
 * G_IO_ERROR_CANCELLED. Finishes every form. */
FctCheckReport *fct_check_finish (GAsyncResult *result,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Blocking form: runs a private main context. Returns (transfer full) or NULL and
 * error. */
FctCheckReport *fct_check (FctMsg *msg, FctResolver *resolver,
                           const FctCheckOptions *options,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
