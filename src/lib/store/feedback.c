/* facteur — the reports receivers send, in the store (include/facteur/store.h, schema
 * version 4): one row per report, unique per (kind, organization, report id) so that a
 * report read twice is stored once (RFC 9990 §2.1: report_id is unique per reporter);
 * the aggregate records, TLS-RPT policies and failure details beside it; the report as
 * received kept compressed (zlib) for whoever wants to read it again. */
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

enum
{
  FB_EXISTS,
  FB_INSERT,
  FB_RECORD,
  FB_TLSRPT,
};

static const char *const fb_sql[FCT_STORE_FEEDBACK_STMTS] = {
  [FB_EXISTS] = "SELECT 1 FROM feedback_reports WHERE kind = ?1 AND org = ?2"
                " AND report_id = ?3",
  [FB_INSERT] = "INSERT OR IGNORE INTO feedback_reports (kind, org, report_id, domain,"
                " begin_time, end_time, received, email, policy, rfc9990, raw, raw_size)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
  [FB_RECORD] = "INSERT INTO feedback_records (report, source_ip, count, disposition, dkim,"
                " spf, reason, reason_comment, header_from, envelope_from, envelope_to,"
                " dkim_domain, dkim_selector, dkim_result, dkim_signatures, spf_domain,"
                " spf_result, dkim_broken) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
  [FB_TLSRPT] = "INSERT INTO feedback_tlsrpt (report, policy_type, policy_domain,"
                " successful, failed, result_type, sending_mta_ip, receiving_mx_hostname,"
                " receiving_ip) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
};

/* The cached statement, reset, or NULL and error. */
static sqlite3_stmt *
stmt (FctStore *store, int which, GError **error)
{
  sqlite3_stmt **stmts = fct_store_feedback_stmts (store);

  if (stmts[which] == NULL
      && sqlite3_prepare_v3 (fct_store_db (store), fb_sql[which], -1,
                             SQLITE_PREPARE_PERSISTENT, &stmts[which], NULL)
             != SQLITE_OK)
    {
      fct_store_sql_error (store, error, "prepare");
      return NULL;
    }
  sqlite3_reset (stmts[which]);
  sqlite3_clear_bindings (stmts[which]);
  return stmts[which];
}

static void
text (sqlite3_stmt *s, int index, const char *value)
{
  if (value != NULL)
    sqlite3_bind_text (s, index, value, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (s, index);
}

static char *
column (sqlite3_stmt *s, int index)
{
  const unsigned char *t = sqlite3_column_text (s, index);
  return t != NULL ? g_strdup ((const char *)t) : NULL;
}

static gboolean
done (FctStore *store, sqlite3_stmt *s, GError **error, const char *what)
{
  gboolean ok = sqlite3_step (s) == SQLITE_DONE;

  if (!ok)
    fct_store_sql_error (store, error, what);
  sqlite3_reset (s);
  return ok;
}

/* The reports' tables are in the SQLite store only so far: a PostgreSQL store says so
 * rather than failing obscurely. */
static gboolean
sqlite_only (FctStore *store, GError **error)
{
  if (fct_store_is_sqlite (store))
    return TRUE;
  g_set_error_literal (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID,
                       _ ("store: the reports are kept in a SQLite database only, not in "
                          "PostgreSQL yet"));
  return FALSE;
}

gboolean
fct_store_begin (FctStore *store, GError **error)
{
  if (!sqlite_only (store, error))
    return FALSE;
  return fct_store_exec (store, "BEGIN IMMEDIATE", error);
}

gboolean
fct_store_commit (FctStore *store, GError **error)
{
  if (!sqlite_only (store, error))
    return FALSE;
  return fct_store_exec (store, "COMMIT", error);
}

void
fct_store_rollback (FctStore *store)
{
  if (!fct_store_is_sqlite (store))
    return;
  if (!sqlite3_get_autocommit (fct_store_db (store)))
    fct_store_exec (store, "ROLLBACK", NULL);
}

gboolean
fct_store_savepoint (FctStore *store, GError **error)
{
  if (!sqlite_only (store, error))
    return FALSE;
  return fct_store_exec (store, "SAVEPOINT feedback", error);
}

gboolean
fct_store_savepoint_release (FctStore *store, GError **error)
{
  if (!sqlite_only (store, error))
    return FALSE;
  return fct_store_exec (store, "RELEASE feedback", error);
}

void
fct_store_savepoint_rollback (FctStore *store)
{
  if (!fct_store_is_sqlite (store))
    return;
  fct_store_exec (store, "ROLLBACK TO feedback; RELEASE feedback", NULL);
}

int
fct_store_feedback_exists (FctStore *store, const char *kind, const char *org,
                           const char *report_id, GError **error)
{
  if (!sqlite_only (store, error))
    return -1;
  sqlite3_stmt *s = stmt (store, FB_EXISTS, error);
  int rc;

  if (s == NULL)
    return -1;
  text (s, 1, kind);
  text (s, 2, org);
  text (s, 3, report_id);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE)
    return 0;
  fct_store_sql_error (store, error, "feedback");
  return -1;
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
  if (!sqlite_only (store, error))
    return -1;
  g_autoptr (GByteArray) packed = NULL;
  sqlite3_stmt *s;

  g_return_val_if_fail (store != NULL && f != NULL && f->kind != NULL && f->org != NULL
                            && f->report_id != NULL && f->domain != NULL,
                        -1);
  if (f->raw != NULL && (packed = deflate_all (f->raw, f->raw_len)) == NULL)
    {
      g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID,
                   _ ("store: the report cannot be compressed"));
      return -1;
    }
  s = stmt (store, FB_INSERT, error);
  if (s == NULL)
    return -1;
  text (s, 1, f->kind);
  text (s, 2, f->org);
  text (s, 3, f->report_id);
  text (s, 4, f->domain);
  sqlite3_bind_int64 (s, 5, f->begin);
  sqlite3_bind_int64 (s, 6, f->end);
  sqlite3_bind_int64 (s, 7, f->received);
  text (s, 8, f->email);
  text (s, 9, f->policy);
  sqlite3_bind_int (s, 10, f->rfc9990 ? 1 : 0);
  if (packed != NULL)
    sqlite3_bind_blob64 (s, 11, packed->data, packed->len, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 12, (gint64)f->raw_len);
  if (!done (store, s, error, "feedback"))
    return -1;
  if (sqlite3_changes (fct_store_db (store)) == 0)
    return 0;
  return sqlite3_last_insert_rowid (fct_store_db (store));
}

gboolean
fct_store_feedback_record_add (FctStore *store, gint64 report,
                               const FctDmarcAggregateRecord *r, GError **error)
{
  if (!sqlite_only (store, error))
    return FALSE;
  sqlite3_stmt *s = stmt (store, FB_RECORD, error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, report);
  text (s, 2, r->source_ip);
  sqlite3_bind_int64 (s, 3, r->count);
  text (s, 4, r->disposition);
  text (s, 5, r->dkim);
  text (s, 6, r->spf);
  text (s, 7, r->reason);
  text (s, 8, r->reason_comment);
  text (s, 9, r->header_from);
  text (s, 10, r->envelope_from);
  text (s, 11, r->envelope_to);
  text (s, 12, r->dkim_domain);
  text (s, 13, r->dkim_selector);
  text (s, 14, r->dkim_result);
  sqlite3_bind_int (s, 15, (int)MIN (r->dkim_signatures, G_MAXINT));
  text (s, 16, r->spf_domain);
  text (s, 17, r->spf_result);
  sqlite3_bind_int (s, 18, r->dkim_author_broken ? 1 : 0);
  return done (store, s, error, "feedback record");
}

gboolean
fct_store_feedback_tlsrpt_add (FctStore *store, gint64 report, const FctTlsRptReport *t,
                               GError **error)
{
  if (!sqlite_only (store, error))
    return FALSE;
  for (guint i = 0; i < t->policies->len; i++)
    {
      const FctTlsRptPolicy *p = g_ptr_array_index (t->policies, i);
      for (guint j = 0; j <= p->failures->len; j++)
        {
          const FctTlsRptFailure *f = j > 0 ? g_ptr_array_index (p->failures, j - 1) : NULL;
          sqlite3_stmt *s = stmt (store, FB_TLSRPT, error);
          if (s == NULL)
            return FALSE;
          sqlite3_bind_int64 (s, 1, report);
          text (s, 2, p->policy_type);
          text (s, 3, p->policy_domain);
          sqlite3_bind_int64 (s, 4, f == NULL ? p->successful_sessions : 0);
          sqlite3_bind_int64 (s, 5, f == NULL ? p->failed_sessions : f->failed_sessions);
          text (s, 6, f != NULL ? f->result_type : NULL);
          text (s, 7, f != NULL ? f->sending_mta_ip : NULL);
          text (s, 8, f != NULL ? f->receiving_mx_hostname : NULL);
          text (s, 9, f != NULL ? f->receiving_ip : NULL);
          if (!done (store, s, error, "tlsrpt"))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
fct_store_feedback_failure_add (FctStore *store, gint64 report, const FctFailureReport *f,
                                GError **error)
{
  if (!sqlite_only (store, error))
    return FALSE;
  sqlite3_stmt *s = NULL;
  gboolean ok;

  if (sqlite3_prepare_v2 (
          fct_store_db (store),
          "INSERT INTO feedback_failures (report, feedback_type,"
          " auth_failure, source_ip, arrival, original_mail_from,"
          " dkim_domain, dkim_selector, delivery_result, identity_alignment,"
          " authentication_results, headers) VALUES (?1, ?2, ?3, ?4, ?5,"
          " ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
          -1, &s, NULL)
      != SQLITE_OK)
    return fct_store_sql_error (store, error, "prepare");
  sqlite3_bind_int64 (s, 1, report);
  text (s, 2, f->feedback_type);
  text (s, 3, f->auth_failure);
  text (s, 4, f->source_ip);
  sqlite3_bind_int64 (s, 5, f->arrival);
  text (s, 6, f->original_mail_from);
  text (s, 7, f->dkim_domain);
  text (s, 8, f->dkim_selector);
  text (s, 9, f->delivery_result);
  text (s, 10, f->identity_alignment);
  text (s, 11, f->authentication_results);
  text (s, 12, f->headers);
  ok = done (store, s, error, "failure report");
  sqlite3_finalize (s);
  return ok;
}

GBytes *
fct_store_feedback_raw (FctStore *store, gint64 report, GError **error)
{
  if (!sqlite_only (store, error))
    return NULL;
  sqlite3_stmt *s = NULL;
  GBytes *out = NULL;
  int rc;

  if (sqlite3_prepare_v2 (fct_store_db (store),
                          "SELECT raw, raw_size FROM feedback_reports WHERE id = ?1", -1,
                          &s, NULL)
      != SQLITE_OK)
    {
      fct_store_sql_error (store, error, "prepare");
      return NULL;
    }
  sqlite3_bind_int64 (s, 1, report);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW && sqlite3_column_type (s, 0) == SQLITE_BLOB)
    {
      uLongf size = (uLongf)sqlite3_column_int64 (s, 1);
      guint8 *buf = g_malloc (MAX (size, 1));
      if (uncompress (buf, &size, sqlite3_column_blob (s, 0),
                      (uLong)sqlite3_column_bytes (s, 0))
          == Z_OK)
        out = g_bytes_new_take (buf, size);
      else
        {
          g_free (buf);
          g_set_error (error, FCT_STORE_ERROR, FCT_STORE_ERROR_SQL,
                       _ ("store: the stored report is damaged"));
        }
    }
  else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    fct_store_sql_error (store, error, "feedback");
  sqlite3_finalize (s);
  return out;
}

static gint64
count_query (FctStore *store, const char *sql, const char *domain, gint64 since,
             gint64 *second, gint64 *third, GError **error)
{
  sqlite3_stmt *s = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (fct_store_db (store), sql, -1, &s, NULL) != SQLITE_OK)
    {
      fct_store_sql_error (store, error, "prepare");
      return -1;
    }
  text (s, 1, domain);
  sqlite3_bind_int64 (s, 2, since);
  if (sqlite3_step (s) == SQLITE_ROW)
    {
      value = sqlite3_column_int64 (s, 0);
      if (second != NULL)
        *second = sqlite3_column_int64 (s, 1);
      if (third != NULL)
        *third = sqlite3_column_int64 (s, 2);
    }
  else
    fct_store_sql_error (store, error, "feedback");
  sqlite3_finalize (s);
  return value;
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
  " WHERE f.kind = 'aggregate' AND f.domain = ?1 AND f.end_time >= ?2"

/* The value of column the source sent most messages with (SQLite gives the bare
 * column of the row that holds max()). */
static gboolean
most_seen (FctStore *store, GHashTable *by_ip, const char *domain, gint64 since,
           GError **error)
{
  sqlite3_stmt *s = NULL;
  static const char sql[]
      = "SELECT source_ip, spf_domain, dkim_domain, dkim_selector, envelope_from, max (n)"
        " FROM (SELECT source_ip, spf_domain, dkim_domain, dkim_selector, envelope_from,"
        " sum (count) AS n" RECORDS
        " GROUP BY source_ip, spf_domain, dkim_domain, dkim_selector, envelope_from)"
        " GROUP BY source_ip";
  int rc;

  if (sqlite3_prepare_v2 (fct_store_db (store), sql, -1, &s, NULL) != SQLITE_OK)
    return fct_store_sql_error (store, error, "prepare");
  text (s, 1, domain);
  sqlite3_bind_int64 (s, 2, since);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      FctReportsSource *src = g_hash_table_lookup (by_ip, sqlite3_column_text (s, 0));
      if (src == NULL)
        continue;
      src->spf_domain = column (s, 1);
      src->dkim_domain = column (s, 2);
      src->dkim_selector = column (s, 3);
      src->envelope_from = column (s, 4);
    }
  sqlite3_finalize (s);
  return rc == SQLITE_DONE || fct_store_sql_error (store, error, "feedback");
}

GPtrArray *
fct_store_feedback_sources (FctStore *store, const char *domain, gint64 since,
                            FctStoreFeedbackTotals *totals, GError **error)
{
  if (!sqlite_only (store, error))
    return NULL;
  g_autoptr (GPtrArray) sources
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_reports_source_free);
  g_autoptr (GHashTable) by_ip = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3_stmt *s = NULL;
  static const char sql[]
      = "SELECT source_ip, sum (count),"
        " sum (CASE WHEN dkim = 'pass' OR spf = 'pass' THEN count ELSE 0 END),"
        " sum (CASE WHEN spf = 'pass' THEN count ELSE 0 END),"
        " sum (CASE WHEN dkim = 'pass' THEN count ELSE 0 END),"
        " sum (CASE WHEN spf_result = 'pass' THEN count ELSE 0 END),"
        " sum (CASE WHEN dkim_result = 'pass' THEN count ELSE 0 END),"
        /* RFC 9990 §2.1 PolicyOverrideType: forwarded, mailing_list, trusted_forwarder;
           receivers that honour ARC say so in a local_policy comment. */
        " sum (CASE WHEN reason IN ('forwarded', 'mailing_list', 'trusted_forwarder')"
        "  OR (reason = 'local_policy' AND reason_comment LIKE '%arc%') THEN count"
        "  ELSE 0 END),"
        " sum (CASE WHEN dkim_broken THEN count ELSE 0 END),"
        " min (f.begin_time), max (f.end_time)" RECORDS
        " GROUP BY source_ip ORDER BY 2 DESC, 1";
  int rc;

  g_return_val_if_fail (store != NULL && domain != NULL && totals != NULL, NULL);
  memset (totals, 0, sizeof *totals);
  totals->reports = count_query (store,
                                 "SELECT count(*), coalesce (min (begin_time), 0),"
                                 " coalesce (max (end_time), 0) FROM feedback_reports"
                                 " WHERE kind = 'aggregate' AND domain = ?1"
                                 " AND end_time >= ?2",
                                 domain, since, &totals->first, &totals->last, error);
  if (totals->reports < 0)
    return NULL;
  totals->tlsrpt_reports = count_query (
      store,
      "SELECT count (DISTINCT t.report), coalesce (sum (t.successful), 0),"
      " coalesce (sum (t.failed), 0) FROM feedback_tlsrpt t"
      " JOIN feedback_reports f ON f.id = t.report"
      " WHERE t.policy_domain = ?1 AND t.result_type IS NULL"
      " AND f.end_time >= ?2",
      domain, since, &totals->tlsrpt_successful, &totals->tlsrpt_failed, error);
  if (totals->tlsrpt_reports < 0)
    return NULL;
  totals->failure_reports = count_query (store,
                                         "SELECT count(*) FROM feedback_reports WHERE"
                                         " kind = 'failure' AND domain = ?1"
                                         " AND end_time >= ?2",
                                         domain, since, NULL, NULL, error);
  if (totals->failure_reports < 0)
    return NULL;

  if (sqlite3_prepare_v2 (fct_store_db (store), sql, -1, &s, NULL) != SQLITE_OK)
    {
      fct_store_sql_error (store, error, "prepare");
      return NULL;
    }
  text (s, 1, domain);
  sqlite3_bind_int64 (s, 2, since);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      FctReportsSource *src = g_new0 (FctReportsSource, 1);
      src->ip = column (s, 0);
      src->messages = sqlite3_column_int64 (s, 1);
      src->dmarc_pass = sqlite3_column_int64 (s, 2);
      src->spf_aligned = sqlite3_column_int64 (s, 3);
      src->dkim_aligned = sqlite3_column_int64 (s, 4);
      src->spf_pass = sqlite3_column_int64 (s, 5);
      src->dkim_pass = sqlite3_column_int64 (s, 6);
      src->forwarded = sqlite3_column_int64 (s, 7);
      src->dkim_broken = sqlite3_column_int64 (s, 8);
      src->first = sqlite3_column_int64 (s, 9);
      src->last = sqlite3_column_int64 (s, 10);
      g_ptr_array_add (sources, src);
      g_hash_table_insert (by_ip, src->ip, src);
    }
  sqlite3_finalize (s);
  if (rc != SQLITE_DONE)
    {
      fct_store_sql_error (store, error, "feedback");
      return NULL;
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
  sqlite3_stmt *s = NULL;
  /* The messages per report first, so that the join does not count a report once per
   * record. */
  static const char sql[]
      = "SELECT f.domain, count (*), coalesce (sum (m.n), 0), max (f.end_time)"
        " FROM feedback_reports f LEFT JOIN (SELECT report, sum (count) AS n"
        " FROM feedback_records GROUP BY report) m ON m.report = f.id"
        " GROUP BY f.domain ORDER BY f.domain";
  int rc;

  g_return_val_if_fail (store != NULL, NULL);
  if (sqlite3_prepare_v2 (fct_store_db (store), sql, -1, &s, NULL) != SQLITE_OK)
    {
      fct_store_sql_error (store, error, "prepare");
      return NULL;
    }
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      FctStoreFeedbackDomain *d = g_new0 (FctStoreFeedbackDomain, 1);
      d->domain = column (s, 0);
      d->reports = sqlite3_column_int64 (s, 1);
      d->messages = sqlite3_column_int64 (s, 2);
      d->last = sqlite3_column_int64 (s, 3);
      g_ptr_array_add (out, d);
    }
  sqlite3_finalize (s);
  if (rc != SQLITE_DONE)
    {
      fct_store_sql_error (store, error, "feedback");
      return NULL;
    }
  return g_steal_pointer (&out);
}

GArray *
fct_store_feedback_daily (FctStore *store, const char *domain, gint64 since, GError **error)
{
  g_autoptr (GArray) out = g_array_new (FALSE, TRUE, sizeof (FctStoreFeedbackDay));
  sqlite3_stmt *s = NULL;
  /* DMARC passes with aligned SPF or aligned DKIM (RFC 9989 §4.4), as the summary
   * counts it; "blocked" is what the receiver did (RFC 9990 §2.1, disposition). */
  static const char sql[]
      = "SELECT ((f.begin_time + f.end_time) / 2) / 86400 AS d,"
        " sum (CASE WHEN dkim = 'pass' OR spf = 'pass' THEN count ELSE 0 END),"
        " sum (CASE WHEN dkim = 'pass' OR spf = 'pass' THEN 0 ELSE count END),"
        " sum (CASE WHEN (dkim = 'pass' OR spf = 'pass') IS NOT 1"
        "  AND disposition IN ('quarantine', 'reject') THEN count ELSE 0 END)" RECORDS
        " GROUP BY d ORDER BY d";
  int rc;

  g_return_val_if_fail (store != NULL && domain != NULL, NULL);
  if (sqlite3_prepare_v2 (fct_store_db (store), sql, -1, &s, NULL) != SQLITE_OK)
    {
      fct_store_sql_error (store, error, "prepare");
      return NULL;
    }
  text (s, 1, domain);
  sqlite3_bind_int64 (s, 2, since);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      FctStoreFeedbackDay day = {
        .day = sqlite3_column_int64 (s, 0) * 86400,
        .pass = sqlite3_column_int64 (s, 1),
        .fail = sqlite3_column_int64 (s, 2),
        .blocked = sqlite3_column_int64 (s, 3),
      };
      g_array_append_val (out, day);
    }
  sqlite3_finalize (s);
  if (rc != SQLITE_DONE)
    {
      fct_store_sql_error (store, error, "feedback");
      return NULL;
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
  sqlite3_stmt *s = NULL;
  static const char sql[]
      = "SELECT f.id, f.kind, f.org, f.report_id, f.begin_time, f.end_time,"
        " (SELECT coalesce (sum (count), 0) FROM feedback_records WHERE report = f.id),"
        " CASE WHEN f.raw IS NULL THEN 0 ELSE f.raw_size END"
        " FROM feedback_reports f WHERE f.domain = ?1 AND f.end_time >= ?2"
        " ORDER BY f.end_time DESC, f.id DESC LIMIT ?3";
  int rc;

  g_return_val_if_fail (store != NULL && domain != NULL && total != NULL, NULL);
  *total = count_query (store,
                        "SELECT count (*) FROM feedback_reports WHERE domain = ?1"
                        " AND end_time >= ?2",
                        domain, since, NULL, NULL, error);
  if (*total < 0)
    return NULL;
  if (sqlite3_prepare_v2 (fct_store_db (store), sql, -1, &s, NULL) != SQLITE_OK)
    {
      fct_store_sql_error (store, error, "prepare");
      return NULL;
    }
  text (s, 1, domain);
  sqlite3_bind_int64 (s, 2, since);
  sqlite3_bind_int64 (s, 3, max);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      FctStoreFeedbackInfo *info = g_new0 (FctStoreFeedbackInfo, 1);
      info->id = sqlite3_column_int64 (s, 0);
      info->kind = column (s, 1);
      info->org = column (s, 2);
      info->report_id = column (s, 3);
      info->begin = sqlite3_column_int64 (s, 4);
      info->end = sqlite3_column_int64 (s, 5);
      info->messages = sqlite3_column_int64 (s, 6);
      info->raw_size = sqlite3_column_int64 (s, 7);
      g_ptr_array_add (out, info);
    }
  sqlite3_finalize (s);
  if (rc != SQLITE_DONE)
    {
      fct_store_sql_error (store, error, "feedback");
      return NULL;
    }
  return g_steal_pointer (&out);
}

char *
fct_store_feedback_domain_of (FctStore *store, gint64 report, GError **error)
{
  sqlite3_stmt *s = NULL;
  char *domain = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);
  if (sqlite3_prepare_v2 (fct_store_db (store),
                          "SELECT domain FROM feedback_reports WHERE id = ?1", -1, &s, NULL)
      != SQLITE_OK)
    {
      fct_store_sql_error (store, error, "prepare");
      return NULL;
    }
  sqlite3_bind_int64 (s, 1, report);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    domain = column (s, 0);
  else if (rc != SQLITE_DONE)
    fct_store_sql_error (store, error, "feedback");
  sqlite3_finalize (s);
  return domain;
}
