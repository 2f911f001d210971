/* facteur check — the pieces of the check that turn verdicts and header fields into
 * findings; check.c runs them in order. Private to src/lib/check. */
#pragma once

#include <facteur/analysis.h>
#include <facteur/check.h>

/* auth.c: spf-*, dkim-*, dmarc-*, arc-fail from the verdicts of the report. */
void fct_check_auth_findings (const FctCheckReport *report, FctFindings *findings);
/* auth.c: dkim-unsigned-content, a link or an IBAN in what a passing signature with l=
 * leaves unsigned. */
void fct_check_body_length_findings (const FctMsg *msg, const FctDkimVerifyResult *dkim,
                                     FctFindings *findings);
/* auth.c: the Authentication-Results value (transfer full). */
char *fct_check_authres_build (const FctCheckReport *report, const char *authserv_id,
                               const char *ip, const char *helo);

/* headers.c: header-missing-date, header-missing-message-id, header-date-future,
 * header-multiple-from, header-from-invalid, header-8bit-unencoded,
 * message-cr-line-ends, header-over-limits. */
void fct_check_header_findings (const FctMsg *msg, gint64 now, FctFindings *findings);
/* headers.c: the address of the Return-Path field without angle brackets, "" for the
 * null sender, NULL when there is no such field (transfer full). */
char *fct_check_return_path (const FctMsg *msg);

/* size.c: size-over-limit. */
void fct_check_size_findings (gsize received_size, FctFindings *findings);
/* smtp-no-tls, smtp-tls-old from the session's TLS protocol ("" clear text; NULL: not
 * known, no finding). */
void fct_check_transport_findings (const char *tls_version, FctFindings *findings);

/* bulk.c: unsubscribe-missing, unsubscribe-one-click-missing. dkim tells whether a
 * passing signature covers List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 §4). */
void fct_check_bulk_findings (const FctMsg *msg, const FctDkimVerifyResult *dkim,
                              guint recipients_min, FctFindings *findings);

/* blocklists.c: what a blocklist answer means. Returns TRUE when addr (4 bytes, an A
 * record) is a listing, with *meaning (transfer full, translated); FALSE for a
 * non-listing or an error code (a refused query, a public resolver), *meaning then says
 * which, or NULL when the answer is not a blocklist code at all. */
gboolean fct_check_dnsbl_decode (const char *zone, const guint8 addr[4], char **meaning);
gboolean fct_check_uribl_decode (const char *zone, const guint8 addr[4], char **meaning);
/* The name to query for ip (4 or 16 bytes) in zone: reversed octets or nibbles
 * (RFC 5782 §2.1, §2.4) (transfer full). */
char *fct_check_dnsbl_name (const guint8 *ip, gsize ip_len, const char *zone);
