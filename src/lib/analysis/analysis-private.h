/* facteur — analysis internals: the run context shared by the check files (content.c,
 * links.c, spoof.c, iban.c, attachments.c) and the helpers they share (domains.c).
 * Not included from outside src/lib/analysis. */
#pragma once

#include <facteur/analysis.h>

#include <glib/gi18n-lib.h>
#include <libpsl.h>

struct _FctAnalysis
{
  FctMime *mime;        /* (owned) */
  GPtrArray *hosts;     /* FctAnalysisHost* (owned) */
  GHashTable *host_set; /* host -> FctAnalysisHost* (borrowed) */
  GPtrArray *ibans;     /* char* (owned) */
  GHashTable *iban_set; /* borrowed keys; values: whose account (iban.c) */
  char *author_name;
  char *author_address;
  char *author_domain;
  char *author_org; /* organizational domain of author_domain */
};

typedef struct
{
  FctAnalysis *result;
  const FctAnalysisOptions *options;
  const FctLimits *limits;
  FctFindings *findings;
  FctMsg *msg;
  /* The subject and every body text (text parts, visible HTML), joined by line breaks,
   * for the wording checks (transfer none: owned by the context). */
  GString *all_text;
} FctAnalysisContext;

/* domains.c — the public suffix list, loaded once and shared read-only. */
const psl_ctx_t *fct_analysis_psl (void);
/* The registrable domain of a lower-case A-label host, or NULL (transfer full). */
char *fct_analysis_org_domain (const char *host);
/* TRUE if name ends with a suffix of the public suffix list (explicit rules only: an
 * unknown "tld" such as "exe" does not count). */
gboolean fct_analysis_has_known_suffix (const char *name);
/* A lower-case A-label form of a host written in UTF-8 or ASCII, trailing dot removed,
 * or NULL when it is not a valid name (transfer full). */
char *fct_analysis_host_normalize (const char *host, gsize len);
/* The first domain name written in free text (as "www.example.com", "example.fr" or
 * inside a URL or an address), normalised, or NULL (transfer full). */
char *fct_analysis_text_find_domain (const char *text);
/* Parses an absolute URL and returns its host (normalised) or NULL; *scheme receives
 * the lower-case scheme ("http", "javascript", "" when none). (transfer full) */
char *fct_analysis_url_host (const char *url, char **scheme);
/* TRUE if host is an IPv4 or IPv6 literal, including the numeric forms browsers read
 * as IPv4 ("3232235777", "0xC0A80001"). */
gboolean fct_analysis_host_is_ip (const char *host);

/* spoof.c — fills the author fields from the From field (or known_domain). */
void fct_analysis_author_parse (FctAnalysis *result, FctMsg *msg, const char *known_domain);

/* The checks, each adding its findings. */
void fct_analysis_check_content (FctAnalysisContext *ctx);
void fct_analysis_check_links (FctAnalysisContext *ctx);
void fct_analysis_check_spoofing (FctAnalysisContext *ctx);
void fct_analysis_check_iban (FctAnalysisContext *ctx);
void fct_analysis_check_attachments (FctAnalysisContext *ctx);

/* links.c — ICU's spoof checker: TRUE if the two names are confusable (same skeleton,
 * UTS #39 §4) and differ. */
gboolean fct_analysis_confusable (const char *a, const char *b);

/* iban.c — adds every valid IBAN in text to the result; returns how many it found. */
guint fct_analysis_scan_ibans (FctAnalysisContext *ctx, const char *text, gsize len);
/* TRUE if every mention of iban in the message calls it the reader's account ("sur
 * votre compte ..."), as a customer's payment confirmation does. */
gboolean fct_analysis_iban_is_readers (const FctAnalysis *result, const char *iban);
/* Adds the IBAN of every French RIB (code banque, code guichet, account number, clé
 * RIB, with a valid key) in text; returns how many it found. */
guint fct_analysis_scan_ribs (FctAnalysisContext *ctx, const char *text, gsize len);

/* bankchange.c — *change: the first words of the message that announce new bank details
 * for the sender, or NULL; bank_context: the message gives an IBAN or attaches bank
 * details, so that a wording that names no bank counts too. *secrecy: the words of a
 * transfer asked for urgently and in secret (the CEO fraud), or NULL. (transfer full) */
void fct_analysis_fraud_wordings (FctAnalysisContext *ctx, gboolean bank_context,
                                  char **change, char **secrecy);
/* The file name of the first attachment named as bank details ("RIB.pdf"), or NULL
 * (transfer none). */
const char *fct_analysis_bank_attachment (FctAnalysisContext *ctx);
