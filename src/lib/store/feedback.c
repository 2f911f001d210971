/* facteur — the reports receivers send, in the store (include/facteur/store.h; SQLite
 * schema version 4, PostgreSQL step 2): one row per report, unique per (kind,
 * organization, report id) so that a report read twice is stored once (RFC 9990 §2.1:
 * report_id is unique per reporter); the aggregate records, TLS-RPT policies and failure
 * details beside it; the report as received kept compressed (zlib) for whoever wants to
 * read it again. Written once for both back ends, in the SQL they share
 * (fct_store_query). */
#include "store-private.h"

#include <facteur/reports.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <zlib.h>

const char fct_store_feedback_schema[]
    = "CREATE TABLE IF NOT EXISTS feedback_reports ("
      "  id INTEGER PRIMARY KEY,"
      "  kind TEXT NOT NULL,"
      "  org TEXT NOT NULL,"
      "  report_id TEXT NOT NULL,"
      "  domain TEXT NOT NULL,"
      "  begin_time INTEGER NOT NULL,"
      "  end_time INTEGER NOT NULL,"
      "  received INTEGER NOT NULL,"
      "  email TEXT, policy TEXT, rfc9990 INTEGER NOT NULL DEFAULT 0,"
      "  raw BLOB, raw_size INTEGER NOT NULL DEFAULT 0,"
      "  UNIQUE (kind, org, report_id));"
      "CREATE INDEX IF NOT EXISTS feedback_reports_domain"
      "  ON feedback_reports (domain, kind, end_time);"
      "CREATE TABLE IF NOT EXISTS feedback_records ("
      "  report INTEGER NOT NULL,"
      "  source_ip TEXT NOT NULL,"
      "  count INTEGER NOT NULL,"
      "  disposition TEXT, dkim TEXT, spf TEXT, reason TEXT, reason_comment TEXT,"
      "  header_from TEXT, envelope_from TEXT, envelope_to TEXT,"
      "  dkim_domain TEXT, dkim_selector TEXT, dkim_result TEXT, dkim_signatures INTEGER,"
      "  dkim_broken INTEGER NOT NULL DEFAULT 0,"
      "  spf_domain TEXT, spf_result TEXT);"
      "CREATE INDEX IF NOT EXISTS feedback_records_report ON feedback_records (report);"
      "CREATE TABLE IF NOT EXISTS feedback_tlsrpt ("
      "  report INTEGER NOT NULL,"
      "  policy_type TEXT, policy_domain TEXT NOT NULL,"
      "  successful INTEGER NOT NULL, failed INTEGER NOT NULL,"
      /* NULL for the policy's summary row; else one failure-details entry. */
      "  result_type TEXT, sending_mta_ip TEXT, receiving_mx_hostname TEXT,"
      "  receiving_ip TEXT);"
      "CREATE INDEX IF NOT EXISTS feedback_tlsrpt_domain ON feedback_tlsrpt "
      "(policy_domain);"
      "CREATE TABLE IF NOT EXISTS feedback_failures ("
      "  report INTEGER PRIMARY KEY,"
      "  feedback_type TEXT, auth_failure TEXT, source_ip TEXT, arrival INTEGER,"
      "  original_mail_from TEXT, dkim_domain TEXT, dkim_selector TEXT,"
      "  delivery_result TEXT, identity_alignment TEXT, authentication_results TEXT,"
      "  headers TEXT);";

#define P(...) ((const FctStoreValue[]){ __VA_ARGS__ })
#define N(...) G_N_ELEMENTS (P (__VA_ARGS__))
/* Runs a statement with its parameters, counted from the list. */
#define QUERY(store, what, sql, error, ...)                                                \
  fct_store_query (store, what, sql, P (__VA_ARGS__), N (__VA_ARGS__), error)

int
fct_store_feedback_exists (FctStore *store, const char *kind, const char *org,
                           const char *report_id, GError **error)
{
  g_autoptr (FctStoreRows) rows = QUERY (
      store, "feedback",
      "SELECT 1 FROM feedback_reports WHERE kind = $1 AND org = $2"
      " AND report_id = $3",
      error, fct_store_text (kind), fct_store_text (org), fct_store_text (report_id));

  if (rows == NULL)
    return -1;
  return fct_store_rows_count (rows) > 0;
}

/* zlib's format (RFC 1950), written in chunks so that memory holds the compressed form
 * only, a twentieth of a report, rather than compressBound of it. Level 1: report XML is
 * repetitive enough that the fastest level gains most of what level 9 would. */
static GByteArray *
deflate_all (const guint8 *data, gsize len)
{
  z_stream z = { 0 };
  GByteArray *out = g_byte_array_new ();
  int rc;

  if (len > G_MAXUINT32 || deflateInit (&z, 1) != Z_OK)
    {
      g_byte_array_unref (out);
      return NULL;
    }
  z.next_in = (Bytef *)data;
  z.avail_in = (uInt)len;
  do
    {
      gsize before = out->len;
      g_byte_array_set_size (out, before + 65536);
      z.next_out = out->data + before;
      z.avail_out = 65536;
      rc = deflate (&z, Z_FINISH);
      g_byte_array_set_size (out, before + 65536 - z.avail_out);
    }
  while (rc == Z_OK || rc == Z_BUF_ERROR);
  deflateEnd (&z);
  if (rc != Z_STREAM_END)
    {
      g_byte_array_unref (out);
      return NULL;
    }
  return out;
}

gint64
fct_store_feedback_add (FctStore *store, const FctStoreFeedback *f, GError **error)
{
  g_autoptr (GByteArray) packed = NULL;
  g_autoptr (FctStoreRows) rows = NULL;

  g_return_val_if_fail (store != NULL && f != NULL && f->kind != NULL && f->org != NULL
                            && f->report_id != NULL && f->domain != NULL,
                        -1);
  if (f->raw != NULL && (packed = deflate_all (f->raw, f->raw_len)) == NULL)
    {
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID,
                   _ ("store: the report cannot be compressed"));
      return -1;
    }
  /* A report stored already (by this run or a concurrent one) returns no row. */
  rows = QUERY (store, "feedback",
                "INSERT INTO feedback_reports (kind, org, report_id, domain, begin_time,"
                " end_time, received, email, policy, rfc9990, raw, raw_size)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                " ON CONFLICT (kind, org, report_id) DO NOTHING RETURNING id",
                error, fct_store_text (f->kind), fct_store_text (f->org),
                fct_store_text (f->report_id), fct_store_text (f->domain),
                fct_store_int (f->begin), fct_store_int (f->end),
                fct_store_int (f->received), fct_store_text (f->email),
                fct_store_text (f->policy), fct_store_int (f->rfc9990 ? 1 : 0),
                packed != NULL ? fct_store_blob (packed->data, packed->len)
                               : fct_store_blob (NULL, 0),
                fct_store_int ((gint64)f->raw_len));
  if (rows == NULL)
    return -1;
  return fct_store_rows_count (rows) > 0 ? fct_store_rows_int (rows, 0, 0) : 0;
}

gboolean
fct_store_feedback_record_add (FctStore *store, gint64 report,
                               const FctDmarcAggregateRecord *r, GError **error)
{
  g_autoptr (FctStoreRows) rows = QUERY (
      store, "feedback record",
      "INSERT INTO feedback_records (report, source_ip, count, disposition, dkim, spf,"
      " reason, reason_comment, header_from, envelope_from, envelope_to, dkim_domain,"
      " dkim_selector, dkim_result, dkim_signatures, spf_domain, spf_result, dkim_broken)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
      " $17, $18)",
      error, fct_store_int (report), fct_store_text (r->source_ip),
      fct_store_int (r->count), fct_store_text (r->disposition), fct_store_text (r->dkim),
      fct_store_text (r->spf), fct_store_text (r->reason),
      fct_store_text (r->reason_comment), fct_store_text (r->header_from),
      fct_store_text (r->envelope_from), fct_store_text (r->envelope_to),
      fct_store_text (r->dkim_domain), fct_store_text (r->dkim_selector),
      fct_store_text (r->dkim_result),
      fct_store_int ((gint64)MIN (r->dkim_signatures, G_MAXINT)),
      fct_store_text (r->spf_domain), fct_store_text (r->spf_result),
      fct_store_int (r->dkim_author_broken ? 1 : 0));
  return rows != NULL;
}

gboolean
fct_store_feedback_tlsrpt_add (FctStore *store, gint64 report, const FctTlsRptReport *t,
                               GError **error)
{
  for (guint i = 0; i < t->policies->len; i++)
    {
      const FctTlsRptPolicy *p = g_ptr_array_index (t->policies, i);
      /* The policy's summary row first (no result type), then one per failure. */
      for (guint j = 0; j <= p->failures->len; j++)
        {
          const FctTlsRptFailure *f = j > 0 ? g_ptr_array_index (p->failures, j - 1) : NULL;
          g_autoptr (FctStoreRows) rows = QUERY (
              store, "tlsrpt",
              "INSERT INTO feedback_tlsrpt (report, policy_type, policy_domain,"
              " successful, failed, result_type, sending_mta_ip, receiving_mx_hostname,"
              " receiving_ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
              error, fct_store_int (report), fct_store_text (p->policy_type),
              fct_store_text (p->policy_domain),
              fct_store_int (f == NULL ? (gint64)p->successful_sessions : 0),
              fct_store_int (f == NULL ? (gint64)p->failed_sessions
                                       : (gint64)f->failed_sessions),
              fct_store_text (f != NULL ? f->result_type : NULL),
              fct_store_text (f != NULL ? f->sending_mta_ip : NULL),
              fct_store_text (f != NULL ? f->receiving_mx_hostname : NULL),
              fct_store_text (f != NULL ? f->receiving_ip : NULL));
          if (rows == NULL)
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
fct_store_feedback_failure_add (FctStore *store, gint64 report, const FctFailureReport *f,
                                GError **error)
{
  g_autoptr (FctStoreRows) rows = QUERY (
      store, "failure report",
      "INSERT INTO feedback_failures (report, feedback_type, auth_failure, source_ip,"
      " arrival, original_mail_from, dkim_domain, dkim_selector, delivery_result,"
      " identity_alignment, authentication_results, headers)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
      error, fct_store_int (report), fct_store_text (f->feedback_type),
      fct_store_text (f->auth_failure), fct_store_text (f->source_ip),
      fct_store_int (f->arrival), fct_store_text (f->original_mail_from),
      fct_store_text (f->dkim_domain), fct_store_text (f->dkim_selector),
      fct_store_text (f->delivery_result), fct_store_text (f->identity_alignment),
      fct_store_text (f->authentication_results), fct_store_text (f->headers));
  return rows != NULL;
}

GBytes *
fct_store_feedback_raw (FctStore *store, gint64 report, GError **error)
{
  g_autoptr (FctStoreRows) rows = QUERY (
      store, "feedback", "SELECT raw, raw_size FROM feedback_reports WHERE id = $1", error,
      fct_store_int (report));
  const guint8 *packed;
  gsize packed_len;

  if (rows == NULL || fct_store_rows_count (rows) == 0)
    return NULL;
  packed = fct_store_rows_blob (rows, 0, 0, &packed_len);
  if (packed == NULL)
    return NULL;
  uLongf size = (uLongf)fct_store_rows_int (rows, 0, 1);
  guint8 *buf = g_malloc (MAX (size, 1));
  if (uncompress (buf, &size, packed, (uLong)packed_len) != Z_OK)
    {
      g_free (buf);
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_SQL,
                   _ ("store: the stored report is damaged"));
      return NULL;
    }
  return g_bytes_new_take (buf, size);
}

/* Here rather than in src/lib/reports: the store makes these rows, and its users free
 * them without linking the parsers. */
void
fct_reports_source_free (FctReportsSource *src)
{
  if (src == NULL)
    return;
  g_free (src->ip);
  g_free (src->spf_domain);
  g_free (src->dkim_domain);
  g_free (src->dkim_selector);
  g_free (src->envelope_from);
  g_free (src->reverse_name);
  g_free (src->organization);
  g_free (src->spf_include);
  g_free (src->fix);
  g_free (src);
}

/* The records of the domain's aggregate reports in the period. */
#define RECORDS                                                                            \
  " FROM feedback_records r JOIN feedback_reports f ON f.id = r.report"                    \
  " WHERE f.kind = 'aggregate' AND f.domain = $1 AND f.end_time >= $2"

/* The identifiers each source sent most messages with (ties broken by name, so that
 * both back ends answer alike). */
static gboolean
most_seen (FctStore *store, GHashTable *by_ip, const char *domain, gint64 since,
           GError **error)
{
  g_autoptr (FctStoreRows) rows = QUERY (
      store, "feedback",
      "SELECT source_ip, spf_domain, dkim_domain, dkim_selector, envelope_from FROM"
      " (SELECT source_ip, spf_domain, dkim_domain, dkim_selector, envelope_from,"
      "  row_number () OVER (PARTITION BY source_ip ORDER BY sum (count) DESC,"
      "  coalesce (spf_domain, ''), coalesce (dkim_domain, ''),"
      "  coalesce (dkim_selector, ''), coalesce (envelope_from, '')) AS rank" RECORDS
      "  GROUP BY source_ip, spf_domain, dkim_domain, dkim_selector, envelope_from) AS g"
      " WHERE rank = 1",
      error, fct_store_text (domain), fct_store_int (since));

  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < fct_store_rows_count (rows); i++)
    {
      FctReportsSource *src = g_hash_table_lookup (by_ip, fct_store_rows_text (rows, i, 0));
      if (src == NULL)
        continue;
      src->spf_domain = g_strdup (fct_store_rows_text (rows, i, 1));
      src->dkim_domain = g_strdup (fct_store_rows_text (rows, i, 2));
      src->dkim_selector = g_strdup (fct_store_rows_text (rows, i, 3));
      src->envelope_from = g_strdup (fct_store_rows_text (rows, i, 4));
    }
  return TRUE;
}

/* The first row of a query of the domain's reports since a time: columns 0, 1, 2 into
 * first, second, third (second and third may be NULL). */
static gboolean
totals_query (FctStore *store, const char *sql, const char *domain, gint64 since,
              gint64 *first, gint64 *second, gint64 *third, GError **error)
{
  g_autoptr (FctStoreRows) rows = QUERY (store, "feedback", sql, error,
                                         fct_store_text (domain), fct_store_int (since));

  if (rows == NULL)
    return FALSE;
  *first = fct_store_rows_int (rows, 0, 0);
  if (second != NULL)
    *second = fct_store_rows_int (rows, 0, 1);
  if (third != NULL)
    *third = fct_store_rows_int (rows, 0, 2);
  return TRUE;
}

GPtrArray *
fct_store_feedback_sources (FctStore *store, const char *domain, gint64 since,
                            FctStoreFeedbackTotals *totals, GError **error)
{
  g_autoptr (GPtrArray) sources
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_reports_source_free);
  g_autoptr (GHashTable) by_ip = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (FctStoreRows) rows = NULL;

  g_return_val_if_fail (store != NULL && domain != NULL && totals != NULL, NULL);
  memset (totals, 0, sizeof *totals);
  if (!totals_query (store,
                     "SELECT count (*), coalesce (min (begin_time), 0),"
                     " coalesce (max (end_time), 0) FROM feedback_reports"
                     " WHERE kind = 'aggregate' AND domain = $1 AND end_time >= $2",
                     domain, since, &totals->reports, &totals->first, &totals->last, error)
      || !totals_query (
          store,
          "SELECT count (DISTINCT t.report), coalesce (sum (t.successful), 0),"
          " coalesce (sum (t.failed), 0) FROM feedback_tlsrpt t"
          " JOIN feedback_reports f ON f.id = t.report"
          " WHERE t.policy_domain = $1 AND t.result_type IS NULL"
          " AND f.end_time >= $2",
          domain, since, &totals->tlsrpt_reports, &totals->tlsrpt_successful,
          &totals->tlsrpt_failed, error)
      || !totals_query (store,
                        "SELECT count (*) FROM feedback_reports WHERE kind = 'failure'"
                        " AND domain = $1 AND end_time >= $2",
                        domain, since, &totals->failure_reports, NULL, NULL, error))
    return NULL;

  rows = QUERY (
      store, "feedback",
      "SELECT source_ip, sum (count),"
      " sum (CASE WHEN dkim = 'pass' OR spf = 'pass' THEN count ELSE 0 END),"
      " sum (CASE WHEN spf = 'pass' THEN count ELSE 0 END),"
      " sum (CASE WHEN dkim = 'pass' THEN count ELSE 0 END),"
      " sum (CASE WHEN spf_result = 'pass' THEN count ELSE 0 END),"
      " sum (CASE WHEN dkim_result = 'pass' THEN count ELSE 0 END),"
      /* RFC 9990 §2.1 PolicyOverrideType: forwarded, mailing_list, trusted_forwarder;
         receivers that honour ARC say so in a local_policy comment. */
      " sum (CASE WHEN reason IN ('forwarded', 'mailing_list', 'trusted_forwarder')"
      "  OR (reason = 'local_policy' AND lower (reason_comment) LIKE '%arc%') THEN count"
      "  ELSE 0 END),"
      " sum (CASE WHEN dkim_broken = 1 THEN count ELSE 0 END),"
      " min (f.begin_time), max (f.end_time)" RECORDS
      " GROUP BY source_ip ORDER BY 2 DESC, 1",
      error, fct_store_text (domain), fct_store_int (since));
  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < fct_store_rows_count (rows); i++)
    {
      FctReportsSource *src = g_new0 (FctReportsSource, 1);
      src->ip = g_strdup (fct_store_rows_text (rows, i, 0));
      src->messages = fct_store_rows_int (rows, i, 1);
      src->dmarc_pass = fct_store_rows_int (rows, i, 2);
      src->spf_aligned = fct_store_rows_int (rows, i, 3);
      src->dkim_aligned = fct_store_rows_int (rows, i, 4);
      src->spf_pass = fct_store_rows_int (rows, i, 5);
      src->dkim_pass = fct_store_rows_int (rows, i, 6);
      src->forwarded = fct_store_rows_int (rows, i, 7);
      src->dkim_broken = fct_store_rows_int (rows, i, 8);
      src->first = fct_store_rows_int (rows, i, 9);
      src->last = fct_store_rows_int (rows, i, 10);
      g_ptr_array_add (sources, src);
      g_hash_table_insert (by_ip, src->ip, src);
    }
  if (!most_seen (store, by_ip, domain, since, error))
    return NULL;
  return g_steal_pointer (&sources);
}

/* ---- for the reports pages of facteur serve ----------------------------------------- */

void
fct_store_feedback_domain_free (FctStoreFeedbackDomain *d)
{
  if (d == NULL)
    return;
  g_free (d->domain);
  g_free (d);
}

GPtrArray *
fct_store_feedback_domains (FctStore *store, GError **error)
{
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_store_feedback_domain_free);
  g_autoptr (FctStoreRows) rows = NULL;

  g_return_val_if_fail (store != NULL, NULL);
  /* The messages per report first, so that the join does not count a report once per
   * record. */
  rows = fct_store_query (store, "feedback",
                          "SELECT f.domain, count (*), coalesce (sum (m.n), 0),"
                          " max (f.end_time) FROM feedback_reports f"
                          " LEFT JOIN (SELECT report, sum (count) AS n"
                          " FROM feedback_records GROUP BY report) m ON m.report = f.id"
                          " GROUP BY f.domain ORDER BY f.domain",
                          NULL, 0, error);
  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < fct_store_rows_count (rows); i++)
    {
      FctStoreFeedbackDomain *d = g_new0 (FctStoreFeedbackDomain, 1);
      d->domain = g_strdup (fct_store_rows_text (rows, i, 0));
      d->reports = fct_store_rows_int (rows, i, 1);
      d->messages = fct_store_rows_int (rows, i, 2);
      d->last = fct_store_rows_int (rows, i, 3);
      g_ptr_array_add (out, d);
    }
  return g_steal_pointer (&out);
}

GArray *
fct_store_feedback_daily (FctStore *store, const char *domain, gint64 since, GError **error)
{
  g_autoptr (GArray) out = g_array_new (FALSE, TRUE, sizeof (FctStoreFeedbackDay));
  g_autoptr (FctStoreRows) rows = NULL;

  g_return_val_if_fail (store != NULL && domain != NULL, NULL);
  /* DMARC passes with aligned SPF or aligned DKIM (RFC 9989 §4.4), as the summary
   * counts it; "blocked" is what the receiver did (RFC 9990 §2.1, disposition). */
  rows = QUERY (
      store, "feedback",
      "SELECT ((f.begin_time + f.end_time) / 2) / 86400 AS d,"
      " sum (CASE WHEN dkim = 'pass' OR spf = 'pass' THEN count ELSE 0 END),"
      " sum (CASE WHEN dkim = 'pass' OR spf = 'pass' THEN 0 ELSE count END),"
      " sum (CASE WHEN (dkim = 'pass' OR spf = 'pass') IS NOT TRUE"
      "  AND disposition IN ('quarantine', 'reject') THEN count ELSE 0 END)" RECORDS
      " GROUP BY d ORDER BY d",
      error, fct_store_text (domain), fct_store_int (since));
  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < fct_store_rows_count (rows); i++)
    {
      FctStoreFeedbackDay day = {
        .day = fct_store_rows_int (rows, i, 0) * 86400,
        .pass = fct_store_rows_int (rows, i, 1),
        .fail = fct_store_rows_int (rows, i, 2),
        .blocked = fct_store_rows_int (rows, i, 3),
      };
      g_array_append_val (out, day);
    }
  return g_steal_pointer (&out);
}

void
fct_store_feedback_info_free (FctStoreFeedbackInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->kind);
  g_free (info->org);
  g_free (info->report_id);
  g_free (info);
}

GPtrArray *
fct_store_feedback_list (FctStore *store, const char *domain, gint64 since, guint max,
                         gint64 *total, GError **error)
{
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_store_feedback_info_free);
  g_autoptr (FctStoreRows) rows = NULL;

  g_return_val_if_fail (store != NULL && domain != NULL && total != NULL, NULL);
  if (!totals_query (store,
                     "SELECT count (*) FROM feedback_reports WHERE domain = $1"
                     " AND end_time >= $2",
                     domain, since, total, NULL, NULL, error))
    return NULL;
  rows = QUERY (
      store, "feedback",
      "SELECT f.id, f.kind, f.org, f.report_id, f.begin_time, f.end_time,"
      " (SELECT coalesce (sum (count), 0) FROM feedback_records WHERE report = f.id),"
      " CASE WHEN f.raw IS NULL THEN 0 ELSE f.raw_size END"
      " FROM feedback_reports f WHERE f.domain = $1 AND f.end_time >= $2"
      " ORDER BY f.end_time DESC, f.id DESC LIMIT $3",
      error, fct_store_text (domain), fct_store_int (since), fct_store_int (max));
  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < fct_store_rows_count (rows); i++)
    {
      FctStoreFeedbackInfo *info = g_new0 (FctStoreFeedbackInfo, 1);
      info->id = fct_store_rows_int (rows, i, 0);
      info->kind = g_strdup (fct_store_rows_text (rows, i, 1));
      info->org = g_strdup (fct_store_rows_text (rows, i, 2));
      info->report_id = g_strdup (fct_store_rows_text (rows, i, 3));
      info->begin = fct_store_rows_int (rows, i, 4);
      info->end = fct_store_rows_int (rows, i, 5);
      info->messages = fct_store_rows_int (rows, i, 6);
      info->raw_size = fct_store_rows_int (rows, i, 7);
      g_ptr_array_add (out, info);
    }
  return g_steal_pointer (&out);
}

char *
fct_store_feedback_domain_of (FctStore *store, gint64 report, GError **error)
{
  g_autoptr (FctStoreRows) rows = NULL;

  g_return_val_if_fail (store != NULL, NULL);
  rows = QUERY (store, "feedback", "SELECT domain FROM feedback_reports WHERE id = $1",
                error, fct_store_int (report));
  if (rows == NULL || fct_store_rows_count (rows) == 0)
    return NULL;
  return g_strdup (fct_store_rows_text (rows, 0, 0));
}
