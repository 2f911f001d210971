/* facteur — the weights of `facteur check` findings (one message). Why each weight is
 * what it is: docs/SCORING.md. Ids are stable: renaming one breaks users' filters. */
#include <facteur/score.h>

#include <glib/gi18n-lib.h>

static const FctFindingWeight rows[] = {
  /* Authentication, headers, size, bulk, blocklists: src/lib/check. */
  { "spf-fail", "authentication", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("SPF fails: this server is not allowed to send for the sender's domain") },
  /* Content, phishing, fraud, attachments: src/lib/analysis. */
};

const FctFindingWeight *
fct_finding_weights_message (gsize *n_rows)
{
  *n_rows = G_N_ELEMENTS (rows);
  return rows;
}
