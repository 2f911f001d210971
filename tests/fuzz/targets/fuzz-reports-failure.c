/* libFuzzer target for the failure report parser (RFC 9991, ARF of RFC 5965,
 * src/lib/reports/failure.c) and the redaction it stores: a report parses with a
 * Feedback-Type and redacted header fields, or is refused. */
#include <facteur/reports.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctFailureReport) r
      = fct_failure_report_parse ((const char *)data, size, NULL, &error);
  g_autofree char *text = g_strndup ((const char *)data, size);
  g_autofree char *redacted = fct_reports_redact (text);
  g_autofree char *twice = fct_reports_redact (redacted);

  /* Redacting what is redacted changes nothing. */
  g_assert_cmpstr (redacted, ==, twice);
  g_assert ((r == NULL) == (error != NULL));
  if (r != NULL)
    {
      g_assert (r->feedback_type != NULL && r->report_id != NULL && r->org != NULL);
      if (r->headers != NULL)
        {
          g_autofree char *again = fct_reports_redact (r->headers);
          g_assert_cmpstr (again, ==, r->headers);
        }
    }
  return 0;
}
