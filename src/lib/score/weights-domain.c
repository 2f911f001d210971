/* facteur — the weights of `facteur domain` findings (one domain audit). Why each weight is
 * what it is: docs/SCORING.md. Ids are stable: renaming one breaks users' filters. */
#include <facteur/score.h>

#include <glib/gi18n-lib.h>

static const FctFindingWeight rows[] = {
  { "mx-missing", "mx", FCT_SEVERITY_CRITICAL, 4.0,
    N_ ("No mail server (MX) is published: mail to this domain cannot be delivered") },
};

const FctFindingWeight *
fct_finding_weights_domain (gsize *n_rows)
{
  *n_rows = G_N_ELEMENTS (rows);
  return rows;
}
