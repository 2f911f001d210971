/* facteur — the weights of `facteur check` findings (one message). Why each weight is
 * what it is: docs/SCORING.md. Ids are stable: renaming one breaks users' filters. */
#include <facteur/score.h>

#include <glib/gi18n-lib.h>

static const FctFindingWeight rows[] = {
  /* Authentication, headers, size, bulk, blocklists: src/lib/check. */
  { "spf-fail", "authentication", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("SPF fails: this server is not allowed to send for the sender's domain") },
  { "spf-softfail", "authentication", FCT_SEVERITY_WARNING, 1.5,
    N_ ("SPF soft-fails: the sender's domain probably does not allow this server") },
  { "spf-none", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("No SPF: the sender's domain lists no allowed servers") },
  { "spf-error", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("SPF error: the sender's SPF record cannot be evaluated") },
  { "dkim-none", "authentication", FCT_SEVERITY_WARNING, 1.5, N_ ("No DKIM signature") },
  { "dkim-fail", "authentication", FCT_SEVERITY_CRITICAL, 2.5,
    N_ ("DKIM fails: no signature verifies") },
  { "dkim-weak-key", "authentication", FCT_SEVERITY_WARNING, 0.5,
    N_ ("DKIM key shorter than 2048 bits") },
  { "dkim-sha1", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("DKIM signature with SHA-1") },
  { "dkim-body-length", "authentication", FCT_SEVERITY_WARNING, 0.5,
    N_ ("DKIM signature covers only part of the body (l=)") },
  { "dmarc-none", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("No DMARC policy for the sender's domain") },
  { "dmarc-fail", "authentication", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("DMARC fails: the From domain is not authenticated") },
  { "dmarc-policy-none", "authentication", FCT_SEVERITY_INFO, 0.3,
    N_ ("DMARC policy p=none: forged mail is not stopped") },
  { "arc-fail", "authentication", FCT_SEVERITY_WARNING, 1.0, N_ ("Broken ARC chain") },
  { "header-missing-date", "headers", FCT_SEVERITY_WARNING, 1.0,
    N_ ("No valid Date field") },
  { "header-missing-message-id", "headers", FCT_SEVERITY_WARNING, 1.0,
    N_ ("No Message-ID field") },
  { "header-date-future", "headers", FCT_SEVERITY_WARNING, 1.0, N_ ("Date in the future") },
  { "header-multiple-from", "headers", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Several From fields") },
  { "header-from-invalid", "headers", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Missing or invalid From address") },
  { "header-8bit-unencoded", "headers", FCT_SEVERITY_WARNING, 0.5,
    N_ ("8-bit characters without encoding") },
  { "size-over-limit", "size", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Message too large for some providers") },
  { "unsubscribe-missing", "bulk", FCT_SEVERITY_WARNING, 1.5,
    N_ ("Bulk mail without List-Unsubscribe") },
  { "unsubscribe-one-click-missing", "bulk", FCT_SEVERITY_WARNING, 1.0,
    N_ ("Bulk mail without one-click unsubscription (RFC 8058)") },
  { "ip-blocklisted", "blocklists", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("Sending server on a blocklist") },
  { "link-domain-blocklisted", "blocklists", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("Link to a blocklisted domain") },
  { "iban-new-for-sender", "fraud", FCT_SEVERITY_WARNING, 2.0,
    N_ ("Bank account never seen from this sender") },
  /* Content, phishing, fraud, attachments: src/lib/analysis. */
};

const FctFindingWeight *
fct_finding_weights_message (gsize *n_rows)
{
  *n_rows = G_N_ELEMENTS (rows);
  return rows;
}
