/* facteur — the message's content checks: structure and content (html-only, image-only,
 * mime-broken), links (shorteners, IP literals, javascript:, text/target mismatch,
 * IDN lookalikes), sender spoofing (display name, lookalike domain, Reply-To), bank-
 * details fraud (IBAN, ISO 13616) and dangerous attachments. Each check adds findings
 * whose ids are in the message weight table (src/lib/score/weights-message.c). */
#pragma once

#include <facteur/limits.h>
#include <facteur/mime.h>
#include <facteur/msg.h>
#include <facteur/score.h>

G_BEGIN_DECLS

#define FCT_ANALYSIS_ERROR (fct_analysis_error_quark ())
GQuark fct_analysis_error_quark (void);

typedef enum
{
  FCT_ANALYSIS_ERROR_PARSE,   /* the MIME structure could not be built at all */
  FCT_ANALYSIS_ERROR_INVALID, /* a bad option (a protected domain that is not a name) */
} FctAnalysisError;

typedef struct
{
  /* NULL: fct_limits_default(). (transfer none) */
  const FctLimits *limits;
  /* Domains to protect against lookalikes (--protect DOMAIN, configuration), NULL-
   * terminated, or NULL. A-labels or U-labels. (transfer none) */
  const char *const *protected_domains;
  /* The organisation's brand names ("Maison Dupont"), NULL-terminated, or NULL: a
   * display name that shows one from outside the protected domains is flagged.
   * (transfer none) */
  const char *const *protected_brands;
  /* The author domain when the caller already knows it (DMARC's), else NULL: taken
   * from the single From address. (transfer none) */
  const char *author_domain;
  /* ISO 3166-1 alpha-2 country of the sender when its domain's TLD does not tell
   * (a .com company known to be French: "FR"), or NULL: then only country-code TLDs
   * give a country, and iban-country-mismatch is not raised without one. */
  const char *sender_country;
  /* The attachment text extractor program (facteur-extract), or NULL: the one beside
   * the running program if there is one, else the installed one (libexecdir). PDF and
   * Office text is read by it, in a child process under FctLimits.extract_* limits.
   * (transfer none) */
  const char *extract_helper;
} FctAnalysisOptions;

/* A host that a link points to, for URI blocklists (transfer none, owned by the
 * result). Hosts are deduplicated, lower case, IDNs as A-labels. */
typedef struct
{
  const char *host;       /* "www.example.co.uk", "192.0.2.1" */
  const char *org_domain; /* registrable domain by the public suffix list
                             ("example.co.uk"), NULL for an IP literal or a public
                             suffix */
  gboolean ip_literal;
} FctAnalysisHost;

typedef struct _FctAnalysis FctAnalysis;

/* Runs every content check on msg and adds findings to findings. options may be NULL.
 * Returns (transfer full) the result, or NULL and an FCT_ANALYSIS_ERROR when nothing
 * could be computed; a hostile structure is a finding (mime-broken), not an error. */
FctAnalysis *fct_analysis_run (FctMsg *msg, const FctAnalysisOptions *options,
                               FctFindings *findings,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fct_analysis_free (FctAnalysis *analysis);

/* The first valid IBAN in text (ISO 13616 length and mod-97, in the paper or the
 * electronic form), normalised, or NULL (transfer full). */
char *fct_analysis_find_iban (const char *text, gsize len);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAnalysis, fct_analysis_free)

/* Reads an organisation's protection list (--protect-file): one domain, or
 * "brand:Name", per line; '#' starts a comment; blank lines are ignored. Appends to
 * domains and brands (char *, owned by the arrays: create them with g_free). FALSE and
 * an FCT_ANALYSIS_ERROR_INVALID naming the line when a line is neither. */
gboolean fct_analysis_protect_list_parse (const char *text, gsize len, GPtrArray *domains,
                                          GPtrArray *brands,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Every distinct link host, in the order first seen: where a link really goes (the
 * destination of a known redirector, else its own host). */
guint fct_analysis_get_host_count (const FctAnalysis *analysis);
const FctAnalysisHost *fct_analysis_get_host (const FctAnalysis *analysis, guint index);

/* Every distinct valid IBAN (ISO 13616 length and mod-97), normalised: upper case,
 * no spaces ("FR7630006000011234567890189"). (transfer none) */
guint fct_analysis_get_iban_count (const FctAnalysis *analysis);
const char *fct_analysis_get_iban (const FctAnalysis *analysis, guint index);
/* TRUE if the message gives this IBAN only as the reader's account ("sur votre compte
 * FR76...", "to your account ..."): a customer's payment confirmation. Such an account
 * says nothing about the sender's own (no history, no country check). */
gboolean fct_analysis_get_iban_is_readers (const FctAnalysis *analysis, guint index);

/* The author from the From field (the first address when there are several): display
 * name decoded to UTF-8 (NULL when none), address, and domain in lower case (NULL when
 * there is no usable address). (transfer none) */
const char *fct_analysis_get_author_name (const FctAnalysis *analysis);
const char *fct_analysis_get_author_address (const FctAnalysis *analysis);
const char *fct_analysis_get_author_domain (const FctAnalysis *analysis);

/* The text of an attachment, for the fraud and wording checks: text/plain and CSV
 * attachments as they are; PDF (poppler), DOCX, XLSX and ODT (their XML parts) read in
 * a child process under FctLimits.extract_* limits; and the same inside archives.
 * Attachments that could not be read are not listed (they raise attachment-unreadable).
 * (transfer none, owned by the result) */
typedef struct
{
  guint part;       /* the MIME part it comes from (fct_mime_get_part) */
  const char *name; /* its file name, for an archive member the path inside joined with
                       '/' ("docs.zip/RIB.pdf"); NULL when the part has none */
  const char *text; /* valid UTF-8, NUL-terminated */
  gsize len;
  gboolean truncated; /* there was more than FctLimits.extract_text_max_bytes */
} FctAnalysisAttachmentText;

/* The texts read from attachments, in message order. fct_analysis_run fills them
 * before the fraud check (iban.c) runs, which may scan them. */
guint fct_analysis_get_attachment_text_count (const FctAnalysis *analysis);
const FctAnalysisAttachmentText *
fct_analysis_get_attachment_text (const FctAnalysis *analysis, guint index);

/* The parsed structure (transfer none). */
const FctMime *fct_analysis_get_mime (const FctAnalysis *analysis);

G_END_DECLS
