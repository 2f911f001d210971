/* facteur — words the steps of an SPF evaluation (RFC 7208 §4.6 to §6) for people: the
 * evaluator records what happened as data; this turns it into translated sentences. */
#include "spf-private.h"

#include <glib/gi18n-lib.h>

char *
fct_spf_trace_step_to_string (const FctSpfTraceStep *step)
{
  g_return_val_if_fail (step != NULL, NULL);

  const char *result = fct_spf_result_to_string (step->result);
  const char *term = step->term != NULL ? step->term : "";
  const char *detail = step->detail != NULL ? step->detail : "";

  switch (step->kind)
    {
    case FCT_SPF_STEP_RECORD:
      return g_strdup_printf (_ ("record of %s: %s"), step->domain, detail);
    case FCT_SPF_STEP_INCLUDE:
      return g_strdup_printf (_ ("%s: reading the record of %s"), term, detail);
    case FCT_SPF_STEP_REDIRECT:
      return g_strdup_printf (_ ("no mechanism matched: redirect=%s"), detail);
    case FCT_SPF_STEP_MATCH:
      if (step->detail != NULL)
        return g_strdup_printf (_ ("%s matched through %s: %s"), term, detail, result);
      return g_strdup_printf (_ ("%s matched: %s"), term, result);
    case FCT_SPF_STEP_NO_MATCH:
      return g_strdup_printf (_ ("no mechanism matched: %s (the default, RFC 7208 §4.7)"),
                              result);
    case FCT_SPF_STEP_SKIPPED:
      return g_strdup_printf (_ ("%s: “%s” is not a domain name, no match"), term, detail);
    case FCT_SPF_STEP_END:
      return g_strdup_printf ("%s: %s", result, detail);
    }
  return g_strdup (detail);
}
