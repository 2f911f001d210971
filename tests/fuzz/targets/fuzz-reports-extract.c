/* libFuzzer target for finding reports in what arrives (src/lib/reports/extract.c): gzip,
 * zip, messages and their attachments, under the size and ratio budgets. Every report
 * found is within the size budget; a failure is an FCT_REPORTS_ERROR. */
#include <facteur/reports.h>

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
on_skip (const char *name, const GError *reason, gpointer user_data)
{
  (void)user_data;
  g_assert (name != NULL && reason != NULL && reason->domain == FCT_REPORTS_ERROR);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FctLimits limits;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GPtrArray) blobs
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_report_blob_free);

  fct_limits_init (&limits);
  /* Small budgets, so that the fuzzer reaches them in its input sizes. */
  limits.reports_max_bytes = 4 * 1024 * 1024;
  limits.reports_archive_entries_max = 4;
  gboolean ok = fct_reports_extract ("fuzz", bytes, &limits, blobs, on_skip, NULL, &error);
  g_assert (ok == (error == NULL));
  g_assert (ok || error->domain == FCT_REPORTS_ERROR);
  for (guint i = 0; i < blobs->len; i++)
    {
      const FctReportBlob *b = g_ptr_array_index (blobs, i);
      g_assert (g_bytes_get_size (b->data) <= MAX (limits.reports_max_bytes, size));
    }
  return 0;
}
