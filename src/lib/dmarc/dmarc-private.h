/* facteur — DMARC internals shared by the files of src/lib/dmarc. */
#pragma once

#include <facteur/dmarc.h>

/* Lower-cases domain in place and drops one trailing dot. */
void fct_dmarc_domain_normalize (char *domain);
/* domain lower-cased, without a final dot, U-labels turned into A-labels (transfer
 * full). */
char *fct_dmarc_domain_to_a_labels (const char *domain);

/* True when a equals b or is a subdomain of b (both normalized). */
gboolean fct_dmarc_domain_is_under (const char *a, const char *b);

/* Number of labels of a normalized, non-empty domain. */
guint fct_dmarc_domain_label_count (const char *domain);

/* True for a dmarc-uri (RFC 9989 §4.8, RFC 3986 syntax) of len bytes. */
gboolean fct_dmarc_uri_is_valid (const char *uri, gsize len);

/* The host of a report URI: the domain of a mailto: address, or the authority host.
 * Returns (transfer full), normalized, or NULL. */
char *fct_dmarc_uri_host (const char *uri);

/* The DMARC records of a TXT answer (RFC 9989 §4.10 step 2: TXT records that are not
 * DMARC1 are discarded): returns how many there are, with *first the first one parsed
 * (transfer full), or NULL when there is none. */
guint fct_dmarc_records_from_answer (const FctDnsAnswer *answer, const FctLimits *limits,
                                     FctDmarcRecord **first);

/* The shared public suffix list (loaded once), or NULL and error. */
struct psl_ctx_st;
const struct psl_ctx_st *fct_dmarc_psl (GError **error);
