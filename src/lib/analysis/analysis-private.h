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
  /* FctAnalysisAttachmentText* (owned), filled by attachments.c before iban.c runs. */
  GPtrArray *attachment_texts;
};

/* wordfilter.c — the words a text may hold, as a prefilter for the caseless regular
 * expressions. A rule is one string per alternative of its expression,
 * "w1|w2&w3|w4": every "&"-separated group must have one of its words, in any ASCII
 * case (accented letters written in both cases), where the rule's FctWordStart says a
 * word starts. A rule not met means its expression cannot match; one met says nothing.
 * The check builds its filters once, for the life of the process. */
typedef struct _FctWordFilter FctWordFilter;
typedef enum
{
  /* Where no ASCII letter, digit or underscore precedes the word (the patterns' \b),
     or anywhere for a word that starts with another byte ("%"). A text with U+017F or
     U+212A, which caseless UTF-8 matching reads as "s" and "k", meets every such rule. */
  FCT_WORD_START_STRICT,
  /* Where no ASCII letter or digit precedes the word: after "_" too. */
  FCT_WORD_START_LOOSE,
  /* The word exactly as written, case included, between two spaces (" und "). */
  FCT_WORD_START_SPACED,
} FctWordStart;
/* A run of ASCII letters and digits at least this long is noted (FctWordScan). */
#define FCT_WORD_LONG_RUN 26
typedef struct
{
  /* The rules met, bit i for rule i. */
  guint64 met;
  /* gsize: the offsets where a marked word starts (as FCT_WORD_START_LOOSE says), in
     order, each once (owned); NULL for a filter without marks. */
  GArray *marks;
  /* Bit b set when a run of FCT_WORD_LONG_RUN or more ASCII letters and digits that no
     letter or digit precedes starts with byte b. */
  guint64 long_runs[4];
  /* The text holds U+017F or U+212A, which caseless UTF-8 matching reads as "s" and
     "k": a word of any rule may be written with them, where the scan saw no word. */
  gboolean folds;
} FctWordScan;
FctWordFilter *fct_word_filter_new (void);
void fct_word_filter_free (FctWordFilter *filter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctWordFilter, fct_word_filter_free)
/* The index of the rule (< 64), given its alternatives, NULL-ended. */
guint fct_word_filter_add_rule (FctWordFilter *filter, FctWordStart start,
                                const char *const *alternatives);
/* The same with FCT_WORD_START_STRICT. */
guint fct_word_filter_add (FctWordFilter *filter, const char *const *alternatives);
/* Words ("w1|w2", any ASCII case) whose every start the scan records, as
 * FCT_WORD_START_LOOSE reads them. */
void fct_word_filter_add_marks (FctWordFilter *filter, const char *words);
/* Reads text[0, len) once; clear scan with fct_word_scan_clear. */
void fct_word_filter_scan_full (const FctWordFilter *filter, const char *text, gsize len,
                                FctWordScan *scan);
void fct_word_scan_clear (FctWordScan *scan);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FctWordScan, fct_word_scan_clear)
/* The rules that text[0, len) meets, bit i for rule i. */
guint64 fct_word_filter_scan (const FctWordFilter *filter, const char *text, gsize len);

/* analysis.c — a wording pattern of a check, compiled with G_REGEX_OPTIMIZE and flags;
 * the patterns are constants, so one that does not compile is a programmer error
 * (g_error, naming who). */
GRegex *fct_analysis_regex (const char *who, const char *pattern, GRegexCompileFlags flags);

/* analysis.c — the filter of every wording check (bankchange.c, scam.c), built once: a
 * message is scanned with it once (FctAnalysisContext.words). (transfer none) */
const FctWordFilter *fct_analysis_words (void);
/* bankchange.c, scam.c — add their rules and marks to the filter of fct_analysis_words
 * and note their indices. */
void fct_analysis_bankchange_words (FctWordFilter *filter);
void fct_analysis_scam_words (FctWordFilter *filter);

typedef struct _FctBrands FctBrands;

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
  /* all_text read once with fct_analysis_words () (owned by the context). */
  FctWordScan words;
  /* The names the message may imitate (owned by the context). */
  FctBrands *brands;
  /* Links to free hosting (links.c): how many, the first (owned), and whether one of
   * them is already a lure by itself (a login button, a form, a borrowed brand). */
  guint hosted_count;
  char *hosted_href;
  char *hosted_host;
  gboolean hosted_lured;
  /* The account-lure wording found in the text (scam.c), or NULL (owned). */
  char *lure;
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
/* The first domain name a reader sees in free text (as "www.example.com",
 * "example.fr", inside a URL or an address; split by Unicode rules, invisible
 * characters dropped, mapped by UTS #46), normalised, or NULL (transfer full).
 * *strong is FALSE when the name might be a word of prose rather than an address
 * ("ASP.NET", "R.Hughes", "Builder.com" in a sentence): callers then take it only
 * when it is a brand's. */
typedef enum
{
  FCT_SHOWN_IN_LINK_TEXT,   /* may be prose: "ASP.NET", "at Builder.com." */
  FCT_SHOWN_IN_SENDER_NAME, /* names the sender: "Booking.com Angebote" */
} FctShownIn;
char *fct_analysis_text_find_domain (const char *text, FctShownIn in, gboolean *strong);
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
/* scam.c — credential-phishing, advance-fee and sextortion wordings. */
void fct_analysis_check_scams (FctAnalysisContext *ctx);
/* scam.c — the first link host of another organisation than the From's (nor another
 * domain of the same brand), an IP literal included, or NULL (transfer none). */
const char *fct_analysis_foreign_link (const FctAnalysisContext *ctx);
/* links.c — TRUE if host is a public URL shortener or under one. */
gboolean fct_analysis_host_shortener (const char *host);
/* lures.c — prize, crypto, parcel, casino and dating bait from a deceptive sender. */
void fct_analysis_check_lures (FctAnalysisContext *ctx);
/* links.c — after the scams: a link to free hosting in a lure (link-free-hosting). */
void fct_analysis_check_hosting (FctAnalysisContext *ctx);

/* links.c — ICU's spoof checker (one, built once, shared read-only): TRUE if the two
 * names are confusable (same skeleton, UTS #39 §4) and differ. */
gboolean fct_analysis_confusable (const char *a, const char *b);
/* The UTS #39 §4 skeleton of a UTF-8 string (transfer full), or NULL. */
char *fct_analysis_skeleton (const char *s);

/* redirect.c — TRUE if host is domain or under it. */
gboolean fct_analysis_host_under (const char *host, const char *domain);
/* The destination URL a known redirector carries (transfer full), or NULL. *opaque is
 * TRUE when host is a click tracker or link wrapper that keeps the destination to
 * itself. host is the URL's normalised host. */
char *fct_analysis_redirect_target (const char *url, const char *host, gboolean *opaque);

/* brands.c — the protected names and the built-in brands (data/analysis/brands.txt). */
/* domains: the protected domains; brands: the organisation's brand names (both
 * NULL-terminated or NULL). (transfer full) */
FctBrands *fct_analysis_brands_new (const char *const *domains, const char *const *brands);
void fct_analysis_brands_free (FctBrands *brands);
/* Words whose borrowed letters imitate Latin ones, read as those Latin letters
 * ("PаyPal" with a Cyrillic а, "Trust WaIIet", "Micr0soft"); *changed tells whether
 * any word was such (transfer full). */
char *fct_analysis_deconfuse (const char *text, gboolean *changed);
/* Text folded for comparison: NFKC case folding, accents removed (transfer full). */
char *fct_analysis_fold (const char *text);
/* TRUE if org (a registrable domain) belongs to a protected domain or a brand;
 * *is_protected tells which. */
gboolean fct_analysis_brands_owned (const FctBrands *brands, const char *org,
                                    gboolean *is_protected);
/* TRUE if one protected name or brand owns both registrable domains ("paypal.com" and
 * "paypalobjects.com"). */
gboolean fct_analysis_brands_same (const FctBrands *brands, const char *org_a,
                                   const char *org_b);
typedef enum
{
  FCT_BRANDS_SENDER_NAME, /* the brand and official words only ("PayPal Service") */
  FCT_BRANDS_SUBJECT,     /* the brand first ("Netflix : votre abonnement ...") */
} FctBrandsWhere;
/* The brand that text speaks for (its name as whole folded words, placed as where
 * says), when org (the sender's registrable domain, may be NULL) is not one of its
 * domains; else NULL. *domain receives the brand's domain. (transfer none) */
const char *fct_analysis_brands_named (const FctBrands *brands, const char *text,
                                       FctBrandsWhere where, const char *org,
                                       const char **domain);
/* The protected or brand domain that host (normalised; org its registrable domain,
 * or NULL) imitates, or NULL (transfer none). */
const char *fct_analysis_brands_imitated (const FctBrands *brands, const char *host,
                                          const char *org);

/* hosting.c — TRUE if url (host: its normalised host) is on free web hosting, a site or
 * form builder (data/analysis/free-hosting.txt) or an IPFS gateway. */
gboolean fct_analysis_url_free_hosting (const char *url, const char *host);
/* TRUE if domain is, or is under, a service that sends mail for its customers with
 * their address as Reply-To (data/analysis/reply-services.txt). */
gboolean fct_analysis_domain_reply_service (const char *domain);

/* attachments.c — records the text of an attachment (copied; made valid UTF-8). */
void fct_analysis_attachment_text_add (FctAnalysis *result, guint part, const char *name,
                                       const char *text, gsize len, gboolean truncated);

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
 * transfer asked for urgently and in secret (the CEO fraud), or NULL. *gift: the words
 * of a request to buy gift cards with a tell of that fraud, or NULL. (transfer full) */
void fct_analysis_fraud_wordings (FctAnalysisContext *ctx, gboolean bank_context,
                                  char **change, char **secrecy, char **gift);
/* The text with every run of white space (ASCII, no-break U+00A0, narrow no-break
 * U+202F, thin U+2009) as one space, none at either end, and the typographic
 * apostrophe U+2019 as ', as the wordings are read; valid UTF-8 in, valid UTF-8 out.
 * marks: offsets in text, in order, each at an ASCII letter (or NULL); *at receives
 * their offsets in the result (transfer full). */
GString *fct_analysis_fraud_normalise (const GString *text, const GArray *marks,
                                       GArray **at);
/* The file name of the first attachment named as bank details ("RIB.pdf"), or NULL
 * (transfer none). */
const char *fct_analysis_bank_attachment (FctAnalysisContext *ctx);
