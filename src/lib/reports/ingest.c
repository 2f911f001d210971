/* facteur — reading reports into the store: files, folders, Maildirs (cur/ and new/),
 * mboxes (GMime's mbox parser, one message at a time) and single messages. Each report
 * is stored in a savepoint (abandoned whole when it turns out malformed), reports are
 * committed in batches, and a report stored already is recognised from its metadata
 * before its records are read, so that a second run over the same files is cheap. */
#include "reports-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <string.h>
#include <sys/stat.h>

struct _FctReportsIngest
{
  FctStore *store;
  FctReportsIngestOptions options;
  char **domains;
  FctLimits limits;
  FctReportsIngestStats stats;
  guint pending;
  gboolean in_transaction;
  /* The aggregate report being read. */
  const char *blob_name;
  GBytes *blob;
  gint64 report;
  gboolean foreign, duplicate;
  GError *store_error;
};

FctReportsIngest *
fct_reports_ingest_new (FctStore *store, const FctReportsIngestOptions *options)
{
  FctReportsIngest *ingest;

  g_return_val_if_fail (store != NULL, NULL);
  ingest = g_new0 (FctReportsIngest, 1);
  ingest->store = store;
  if (options != NULL)
    ingest->options = *options;
  if (ingest->options.batch_reports == 0)
    ingest->options.batch_reports = 100;
  ingest->limits = options != NULL && options->limits != NULL ? *options->limits
                                                              : *fct_limits_default ();
  if (options != NULL && options->domains != NULL && options->domains[0] != NULL)
    {
      ingest->domains = g_strdupv ((char **)options->domains);
      for (char **d = ingest->domains; *d != NULL; d++)
        {
          char *l = g_ascii_strdown (*d, -1);
          g_free (*d);
          *d = l;
        }
    }
  ingest->options.domains = NULL;
  ingest->options.limits = NULL;
  return ingest;
}

void
fct_reports_ingest_free (FctReportsIngest *ingest)
{
  if (ingest == NULL)
    return;
  if (ingest->in_transaction && !fct_store_commit (ingest->store, NULL))
    fct_store_rollback (ingest->store);
  g_strfreev (ingest->domains);
  g_clear_error (&ingest->store_error);
  g_free (ingest);
}

const FctReportsIngestStats *
fct_reports_ingest_stats (FctReportsIngest *ingest)
{
  return &ingest->stats;
}

gboolean
fct_reports_ingest_flush (FctReportsIngest *ingest, GError **error)
{
  if (!ingest->in_transaction)
    return TRUE;
  ingest->in_transaction = FALSE;
  ingest->pending = 0;
  if (fct_store_commit (ingest->store, error))
    return TRUE;
  fct_store_rollback (ingest->store);
  return FALSE;
}

static gboolean
managed (FctReportsIngest *ingest, const char *domain)
{
  if (ingest->domains == NULL)
    return TRUE;
  if (domain == NULL)
    return FALSE;
  for (char **d = ingest->domains; *d != NULL; d++)
    if (g_ascii_strcasecmp (domain, *d) == 0 || fct_reports_domain_under (domain, *d))
      return TRUE;
  return FALSE;
}

static void
skipped (FctReportsIngest *ingest, const char *name, const GError *error)
{
  ingest->stats.skipped++;
  fct_reports_skip_error (ingest->options.skip, ingest->options.user_data, name, error);
}

const FctLimits *
fct_reports_ingest_limits (FctReportsIngest *ingest)
{
  return &ingest->limits;
}

void
fct_reports_ingest_note_skipped (FctReportsIngest *ingest, const char *name,
                                 const GError *error)
{
  ingest->stats.sources++;
  skipped (ingest, name, error);
}

static gboolean
aggregate_meta (const FctDmarcAggregateMeta *meta, gpointer user_data)
{
  FctReportsIngest *ingest = user_data;
  gsize len;
  const guint8 *raw = g_bytes_get_data (ingest->blob, &len);
  FctStoreFeedback f = {
    .kind = "aggregate",
    .org = meta->org_name,
    .report_id = meta->report_id,
    .domain = meta->domain,
    .begin = meta->begin,
    .end = meta->end,
    .received = g_get_real_time () / G_USEC_PER_SEC,
    .email = meta->email,
    .policy = meta->p,
    .rfc9990 = meta->rfc9990,
    .raw = raw,
    .raw_len = len,
  };
  int exists;

  if (!managed (ingest, meta->domain))
    {
      ingest->foreign = TRUE;
      return FALSE;
    }
  /* Checked before anything is compressed or read further: the cheap path of a run over
   * files stored already. */
  exists = fct_store_feedback_exists (ingest->store, "aggregate", meta->org_name,
                                      meta->report_id, &ingest->store_error);
  if (exists != 0)
    {
      ingest->duplicate = exists > 0;
      return FALSE;
    }
  ingest->report = fct_store_feedback_add (ingest->store, &f, &ingest->store_error);
  if (ingest->report == 0)
    ingest->duplicate = TRUE;
  return ingest->report > 0;
}

static gboolean
aggregate_record (const FctDmarcAggregateRecord *record, gpointer user_data, GError **error)
{
  FctReportsIngest *ingest = user_data;

  if (!fct_store_feedback_record_add (ingest->store, ingest->report, record,
                                      &ingest->store_error))
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_IO, "%s",
                   ingest->store_error->message);
      return FALSE;
    }
  ingest->stats.records++;
  return TRUE;
}

/* Stores one report; FALSE only when the store fails. */
static gboolean
blob_store (FctReportsIngest *ingest, FctReportBlob *blob, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (blob->data, &len);
  g_autoptr (GError) local = NULL;
  guint64 records_before = ingest->stats.records;
  gint64 id = -1;
  gboolean ok = TRUE;

  if (!ingest->in_transaction)
    {
      if (!fct_store_begin (ingest->store, error))
        return FALSE;
      ingest->in_transaction = TRUE;
    }
  if (!fct_store_savepoint (ingest->store, error))
    return FALSE;
  ingest->foreign = ingest->duplicate = FALSE;
  switch (blob->kind)
    {
    case FCT_REPORT_KIND_AGGREGATE:
      ingest->blob = blob->data;
      ingest->report = 0;
      ok = fct_dmarc_aggregate_parse (data, len, &ingest->limits, aggregate_meta,
                                      aggregate_record, ingest, NULL, &local);
      ingest->blob = NULL;
      id = ingest->report;
      break;
    case FCT_REPORT_KIND_TLSRPT:
      {
        g_autoptr (FctTlsRptReport) t
            = fct_tlsrpt_report_parse (data, len, &ingest->limits, &local);
        const FctTlsRptPolicy *first;
        gboolean any = FALSE;
        if (t == NULL)
          {
            ok = FALSE;
            break;
          }
        for (guint i = 0; i < t->policies->len; i++)
          any |= managed (
              ingest,
              ((FctTlsRptPolicy *)g_ptr_array_index (t->policies, i))->policy_domain);
        first = g_ptr_array_index (t->policies, 0);
        if (!any)
          {
            ingest->foreign = TRUE;
            break;
          }
        FctStoreFeedback f = { .kind = "tlsrpt",
                               .org = t->org_name,
                               .report_id = t->report_id,
                               .domain = first->policy_domain,
                               .begin = t->begin,
                               .end = t->end,
                               .received = g_get_real_time () / G_USEC_PER_SEC,
                               .email = t->contact_info,
                               .raw = (const guint8 *)data,
                               .raw_len = len };
        id = fct_store_feedback_add (ingest->store, &f, &ingest->store_error);
        if (id == 0)
          ingest->duplicate = TRUE;
        else if (id > 0
                 && !fct_store_feedback_tlsrpt_add (ingest->store, id, t,
                                                    &ingest->store_error))
          id = -1;
        break;
      }
    case FCT_REPORT_KIND_FAILURE:
      {
        g_autoptr (FctFailureReport) r
            = fct_failure_report_parse (data, len, &ingest->limits, &local);
        if (r == NULL)
          {
            ok = FALSE;
            break;
          }
        if (r->reported_domain == NULL || !managed (ingest, r->reported_domain))
          {
            ingest->foreign = TRUE;
            break;
          }
        /* The report message itself is not kept: the original's headers, redacted,
         * are (RFC 9991 §5 warns of the personal data failure reports carry). */
        FctStoreFeedback f = { .kind = "failure",
                               .org = r->org,
                               .report_id = r->report_id,
                               .domain = r->reported_domain,
                               .begin = r->arrival,
                               .end = r->arrival,
                               .received = g_get_real_time () / G_USEC_PER_SEC };
        id = fct_store_feedback_add (ingest->store, &f, &ingest->store_error);
        if (id == 0)
          ingest->duplicate = TRUE;
        else if (id > 0
                 && !fct_store_feedback_failure_add (ingest->store, id, r,
                                                     &ingest->store_error))
          id = -1;
        break;
      }
    }
  if (ingest->store_error != NULL)
    {
      fct_store_savepoint_rollback (ingest->store);
      g_propagate_error (error, g_steal_pointer (&ingest->store_error));
      return FALSE;
    }
  if (!ok)
    {
      fct_store_savepoint_rollback (ingest->store);
      ingest->stats.records = records_before;
      skipped (ingest, blob->name, local);
      return TRUE;
    }
  if (!fct_store_savepoint_release (ingest->store, error))
    return FALSE;
  if (ingest->foreign)
    ingest->stats.foreign++;
  else if (ingest->duplicate)
    ingest->stats.duplicates++;
  else if (id > 0)
    {
      ingest->stats.stored++;
      ingest->stats.stored_by_kind[blob->kind]++;
      if (++ingest->pending >= ingest->options.batch_reports)
        return fct_reports_ingest_flush (ingest, error);
    }
  return TRUE;
}

static void
extract_skip (const char *name, const GError *reason, gpointer user_data)
{
  skipped (user_data, name, reason);
}

gboolean
fct_reports_ingest_bytes (FctReportsIngest *ingest, const char *name, GBytes *data,
                          GError **error)
{
  g_autoptr (GPtrArray) blobs
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_report_blob_free);
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (ingest != NULL && name != NULL && data != NULL, FALSE);
  ingest->stats.sources++;
  if (!fct_reports_extract (name, data, &ingest->limits, blobs, extract_skip, ingest,
                            &local))
    skipped (ingest, name, local);
  for (guint i = 0; i < blobs->len; i++)
    if (!blob_store (ingest, g_ptr_array_index (blobs, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
ingest_file (FctReportsIngest *ingest, const char *path, gsize size, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *contents = NULL;
  gsize len = 0;

  /* Refused before it is read: a 100 MB "report" never reaches memory. */
  if (size > ingest->limits.message_max_bytes)
    {
      ingest->stats.sources++;
      g_set_error (&local, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                   _ ("the file is over %llu bytes"),
                   (unsigned long long)ingest->limits.message_max_bytes);
      skipped (ingest, path, local);
      return TRUE;
    }
  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      ingest->stats.sources++;
      skipped (ingest, path, local);
      return TRUE;
    }
  g_autoptr (GBytes) bytes = g_bytes_new_take (contents, len);
  return fct_reports_ingest_bytes (ingest, path, bytes, error);
}

static gboolean
is_mbox (const char *path)
{
  char head[5];
  FILE *f = fopen (path, "rb");
  gboolean yes;

  if (f == NULL)
    return FALSE;
  yes = fread (head, 1, sizeof head, f) == sizeof head && memcmp (head, "From ", 5) == 0;
  fclose (f);
  return yes;
}

/* Each message of an mbox (RFC 4155), parsed one at a time from the file. */
static gboolean
ingest_mbox (FctReportsIngest *ingest, const char *path, GError **error)
{
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GError) local = NULL;
  guint n = 0;

  fct_reports_mime_init ();
  stream = g_mime_stream_fs_open (path, O_RDONLY, 0, &local);
  if (stream == NULL)
    {
      ingest->stats.sources++;
      skipped (ingest, path, local);
      return TRUE;
    }
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MBOX);
  while (!g_mime_parser_eos (parser))
    {
      g_autoptr (GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
      g_autoptr (GMimeStream) mem = NULL;
      g_autofree char *name = NULL;
      GByteArray *array;

      if (message == NULL)
        break;
      n++;
      name = g_strdup_printf ("%s#%u", path, n);
      mem = g_mime_stream_mem_new ();
      if (g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, mem) < 0)
        continue;
      array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
      g_autoptr (GBytes) bytes = g_bytes_new (array->data, array->len);
      if (!fct_reports_ingest_bytes (ingest, name, bytes, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean ingest_path (FctReportsIngest *ingest, const char *path, guint depth,
                             GError **error);

static gint
name_compare (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static gboolean
ingest_dir (FctReportsIngest *ingest, const char *path, guint depth, GError **error)
{
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  const char *entry;

  /* Deeper than any Maildir++ tree of folders; stops a loop through bind mounts. */
  if (depth > 16)
    return TRUE;
  dir = g_dir_open (path, 0, &local);
  if (dir == NULL)
    {
      skipped (ingest, path, local);
      return TRUE;
    }
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      /* Maildir's tmp/ holds messages still being written (maildir(5)). */
      if (entry[0] == '.' || g_str_equal (entry, "tmp"))
        continue;
      g_ptr_array_add (names, g_strdup (entry));
    }
  g_ptr_array_sort (names, name_compare);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);
      if (!ingest_path (ingest, child, depth + 1, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
ingest_path (FctReportsIngest *ingest, const char *path, guint depth, GError **error)
{
  struct stat st;

  /* What the user named is followed if it is a link; what a folder holds is not. */
  if ((depth == 0 ? stat (path, &st) : lstat (path, &st)) != 0)
    {
      int saved = errno;
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_IO, "%s: %s", path,
                   g_strerror (saved));
      if (depth == 0)
        return FALSE;
      skipped (ingest, path, *error);
      g_clear_error (error);
      return TRUE;
    }
  if (S_ISDIR (st.st_mode))
    return ingest_dir (ingest, path, depth, error);
  if (!S_ISREG (st.st_mode))
    {
      if (depth > 0)
        return TRUE;
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_IO,
                   _ ("%s: neither a file nor a folder"), path);
      return FALSE;
    }
  if (is_mbox (path) && (gsize)st.st_size > 0)
    return ingest_mbox (ingest, path, error);
  return ingest_file (ingest, path, (gsize)st.st_size, error);
}

gboolean
fct_reports_ingest_path (FctReportsIngest *ingest, const char *path, GError **error)
{
  g_return_val_if_fail (ingest != NULL && path != NULL, FALSE);
  return ingest_path (ingest, path, 0, error);
}
