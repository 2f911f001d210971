/* libFuzzer target for the TLS-RPT report parser (RFC 8460 §4.4,
 * src/lib/reports/tlsrpt.c): a JSON report parses with at least one policy that names
 * its domain, or is refused with an FCT_REPORTS_ERROR. */
#include <facteur/reports.h>

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctTlsRptReport) r
      = fct_tlsrpt_report_parse ((const char *)data, size, NULL, &error);

  g_assert ((r == NULL) == (error != NULL));
  if (r == NULL)
    {
      g_assert (error->domain == FCT_REPORTS_ERROR);
      return 0;
    }
  g_assert (r->org_name != NULL && r->report_id != NULL && r->begin <= r->end);
  g_assert (r->policies->len >= 1);
  for (guint i = 0; i < r->policies->len; i++)
    {
      const FctTlsRptPolicy *p = g_ptr_array_index (r->policies, i);
      g_assert (p->policy_domain != NULL);
      g_assert (p->successful_sessions >= 0 && p->failed_sessions >= 0);
    }
  return 0;
}
