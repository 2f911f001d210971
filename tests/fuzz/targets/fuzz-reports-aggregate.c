/* libFuzzer target for the DMARC aggregate report parser (RFC 9990, RFC 7489 Appendix C,
 * src/lib/reports/aggregate.c): a document either parses, handing out records that hold
 * a valid address and a header_from, or is refused with an FCT_REPORTS_ERROR. */
#include <facteur/reports.h>

#include <gio/gio.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
on_meta (const FctDmarcAggregateMeta *meta, gpointer user_data)
{
  (void)user_data;
  g_assert (meta->org_name != NULL && meta->report_id != NULL && meta->domain != NULL);
  g_assert (meta->begin <= meta->end);
  return TRUE;
}

static gboolean
on_record (const FctDmarcAggregateRecord *r, gpointer user_data, GError **error)
{
  GInetAddress *addr = g_inet_address_new_from_string (r->source_ip);

  (void)error;
  g_assert (addr != NULL);
  g_object_unref (addr);
  g_assert (r->header_from != NULL && r->count >= 0);
  (*(guint *)user_data)++;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FctLimits limits;
  guint records = 0;
  gboolean stopped;
  g_autoptr (GError) error = NULL;

  fct_limits_init (&limits);
  limits.reports_records_max = 1000;
  gboolean ok = fct_dmarc_aggregate_parse ((const char *)data, size, &limits, on_meta,
                                           on_record, &records, &stopped, &error);
  g_assert (ok == (error == NULL));
  g_assert (!ok || records <= limits.reports_records_max);
  g_assert (ok || error->domain == FCT_REPORTS_ERROR);
  return 0;
}
