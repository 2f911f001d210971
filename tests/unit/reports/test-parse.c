/* Unit tests of the report parsers (src/lib/reports): the dmarc-feedback vectors against
 * their expected parse, the shapes receivers send, TLS-RPT and failure reports, and the
 * hostile inputs (entities, DTDs, nesting, sizes, bombs, truncation, bad encodings). */
#include <facteur/reports.h>

#include <archive.h>
#include <archive_entry.h>
#include <gio/gio.h>
#include <string.h>

static GBytes *
data_file (const char *folder, const char *name)
{
  g_autofree char *path
      = g_build_filename (g_getenv ("FCT_CONFORMANCE_DIR"), folder, name, NULL);
  char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

/* "TrustedForwarder" -> "trusted_forwarder", "Quarantine" -> "quarantine"; Stalwart's
 * "Unspecified" stands for an absent element. */
static char *
expected_enum (const char *value)
{
  GString *out;

  if (value == NULL || g_str_equal (value, "Unspecified"))
    return NULL;
  out = g_string_new (NULL);
  for (const char *c = value; *c != '\0'; c++)
    {
      if (g_ascii_isupper (*c) && c != value)
        g_string_append_c (out, '_');
      g_string_append_c (out, g_ascii_tolower (*c));
    }
  return g_string_free (out, FALSE);
}

static const char *
empty_null (const char *s)
{
  return s != NULL && *s != '\0' ? s : NULL;
}

typedef struct
{
  JsonObject *expected;
  guint records;
  gboolean meta_seen;
} Vector;

static gboolean
vector_meta (const FctDmarcAggregateMeta *meta, gpointer user_data)
{
  Vector *v = user_data;
  JsonObject *md = json_object_get_object_member (v->expected, "report_metadata");
  JsonObject *range = json_object_get_object_member (md, "date_range");
  JsonObject *pp = json_object_get_object_member (v->expected, "policy_published");
  g_autofree char *p = expected_enum (json_object_get_string_member (pp, "p"));

  v->meta_seen = TRUE;
  g_assert_cmpstr (meta->org_name, ==, json_object_get_string_member (md, "org_name"));
  g_assert_cmpstr (meta->report_id, ==, json_object_get_string_member (md, "report_id"));
  g_assert_cmpstr (meta->email, ==, json_object_get_string_member (md, "email"));
  g_assert_cmpint (meta->begin, ==, json_object_get_int_member (range, "begin"));
  g_assert_cmpint (meta->end, ==, json_object_get_int_member (range, "end"));
  g_assert_cmpstr (meta->domain, ==, json_object_get_string_member (pp, "domain"));
  g_assert_cmpstr (meta->p, ==, p);
  return TRUE;
}

/* The entry of list with this domain and result, or FALSE. */
static gboolean
auth_has (JsonArray *list, const char *domain, const char *result)
{
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      g_autofree char *r = expected_enum (json_object_get_string_member (o, "result"));
      if (g_strcmp0 (json_object_get_string_member (o, "domain"), domain) == 0
          && g_strcmp0 (r, result) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
vector_record (const FctDmarcAggregateRecord *r, gpointer user_data, GError **error)
{
  Vector *v = user_data;
  JsonArray *records = json_object_get_array_member (v->expected, "record");
  JsonObject *rec = json_array_get_object_element (records, v->records++);
  JsonObject *row = json_object_get_object_member (rec, "row");
  JsonObject *pe = json_object_get_object_member (row, "policy_evaluated");
  JsonObject *ids = json_object_get_object_member (rec, "identifiers");
  JsonObject *auth = json_object_get_object_member (rec, "auth_results");
  JsonArray *dkim = json_object_get_array_member (auth, "dkim");
  JsonArray *spf = json_object_get_array_member (auth, "spf");
  JsonArray *reasons = json_object_get_array_member (pe, "reason");
  g_autofree char *disposition
      = expected_enum (json_object_get_string_member (pe, "disposition"));
  g_autofree char *dkim_eval = expected_enum (json_object_get_string_member (pe, "dkim"));
  g_autofree char *spf_eval = expected_enum (json_object_get_string_member (pe, "spf"));

  (void)error;
  g_assert_cmpstr (r->source_ip, ==, json_object_get_string_member (row, "source_ip"));
  g_assert_cmpint (r->count, ==, json_object_get_int_member (row, "count"));
  g_assert_cmpstr (r->disposition, ==, disposition);
  g_assert_cmpstr (r->dkim, ==, dkim_eval);
  g_assert_cmpstr (r->spf, ==, spf_eval);
  g_assert_cmpstr (r->header_from, ==, json_object_get_string_member (ids, "header_from"));
  g_assert_cmpstr (r->envelope_from, ==,
                   empty_null (json_object_get_string_member (ids, "envelope_from")));
  g_assert_cmpuint (r->dkim_signatures, ==, json_array_get_length (dkim));
  if (json_array_get_length (dkim) > 0)
    g_assert_true (auth_has (dkim, r->dkim_domain, r->dkim_result));
  if (json_array_get_length (spf) > 0)
    g_assert_true (auth_has (spf, r->spf_domain, r->spf_result));
  if (json_array_get_length (reasons) > 0)
    {
      JsonObject *first = json_array_get_object_element (reasons, 0);
      g_autofree char *type
          = expected_enum (json_object_get_string_member (first, "type_"));
      /* Stalwart folds the types it does not know (RFC 7489's sampled_out) into "Other". */
      if (g_strcmp0 (type, "other") != 0)
        g_assert_cmpstr (r->reason, ==, type);
      else
        g_assert_nonnull (r->reason);
      g_assert_cmpstr (r->reason_comment, ==,
                       json_object_get_string_member (first, "comment"));
    }
  else
    g_assert_null (r->reason);
  return TRUE;
}

static void
check_vector (const char *name, GBytes *xml)
{
  g_autofree char *stem = g_strndup (name, strcspn (name, "."));
  g_autofree char *json_name = g_strconcat (stem, ".json", NULL);
  g_autoptr (GBytes) expected_bytes = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  Vector v = { 0 };
  gsize len;
  const char *data = g_bytes_get_data (xml, &len);

  expected_bytes = data_file ("dmarc-feedback", json_name);
  g_assert_true (
      json_parser_load_from_data (parser, g_bytes_get_data (expected_bytes, NULL),
                                  (gssize)g_bytes_get_size (expected_bytes), NULL));
  v.expected = json_node_get_object (json_parser_get_root (parser));
  g_test_message ("%s", name);
  g_assert_true (fct_dmarc_aggregate_parse (data, len, NULL, vector_meta, vector_record, &v,
                                            NULL, &error));
  g_assert_no_error (error);
  g_assert_true (v.meta_seen);
  g_assert_cmpuint (
      v.records, ==,
      json_array_get_length (json_object_get_array_member (v.expected, "record")));
}

static void
test_vectors_xml (void)
{
  const char *names[] = { "001.xml", "002.xml", "003.xml", "004.xml", "005.xml" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GBytes) xml = data_file ("dmarc-feedback", names[i]);
      check_vector (names[i], xml);
    }
}

/* The reports as received by mail: a zip or gzip attachment, found and decompressed. */
static void
test_vectors_eml (void)
{
  const char *names[] = { "100.eml", "101.eml", "102.eml", "103.eml", "104.eml" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GBytes) eml = data_file ("dmarc-feedback", names[i]);
      g_autoptr (GPtrArray) blobs
          = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_report_blob_free);
      g_autoptr (GError) error = NULL;
      FctReportBlob *blob;

      g_assert_true (fct_reports_extract (names[i], eml, NULL, blobs, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (blobs->len, ==, 1);
      blob = g_ptr_array_index (blobs, 0);
      g_assert_cmpint (blob->kind, ==, FCT_REPORT_KIND_AGGREGATE);
      check_vector (names[i], blob->data);
    }
}

typedef struct
{
  FctDmarcAggregateMeta meta;
  GPtrArray *ips;
  guint records;
} Collect;

static gboolean
collect_meta (const FctDmarcAggregateMeta *meta, gpointer user_data)
{
  Collect *c = user_data;

  c->meta.rfc9990 = meta->rfc9990;
  c->meta.org_name = g_strdup (meta->org_name);
  c->meta.report_id = g_strdup (meta->report_id);
  c->meta.domain = g_strdup (meta->domain);
  c->meta.np = g_strdup (meta->np);
  return TRUE;
}

static gboolean
collect_record (const FctDmarcAggregateRecord *r, gpointer user_data, GError **error)
{
  Collect *c = user_data;

  (void)error;
  g_ptr_array_add (c->ips, g_strdup (r->source_ip));
  c->records++;
  return TRUE;
}

static gboolean
parse_file (const char *name, const FctLimits *limits, Collect *c, GError **error)
{
  g_autoptr (GBytes) xml = data_file ("reports", name);
  gsize len;
  const char *data = g_bytes_get_data (xml, &len);

  memset (c, 0, sizeof *c);
  c->ips = g_ptr_array_new_with_free_func (g_free);
  return fct_dmarc_aggregate_parse (data, len, limits, collect_meta, collect_record, c,
                                    NULL, error);
}

static void
collect_clear (Collect *c)
{
  fct_dmarc_aggregate_meta_clear (&c->meta);
  g_ptr_array_unref (c->ips);
}

/* Ordinary reports as the large receivers write them: all read, nothing refused. */
static void
test_shapes (void)
{
  struct
  {
    const char *file, *org;
    guint records;
    gboolean rfc9990;
  } cases[] = {
    { "google.xml", "google.com", 3, FALSE },
    { "microsoft.xml", "Enterprise Outlook", 2, FALSE },
    { "yahoo.xml", "Yahoo", 1, FALSE },
    /* ISO-8859-1, as declared. */
    { "orange.xml", "Orange", 1, FALSE },
    /* The namespace, and extension elements of another namespace ignored: the
       ext:org_name inside does not replace the report's. */
    { "rfc9990.xml", "mail.example.net", 1, TRUE },
    /* No record at all: the metadata still comes. */
    { "empty.xml", "small-isp.example", 0, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Collect c;
      g_autoptr (GError) error = NULL;
      g_test_message ("%s", cases[i].file);
      g_assert_true (parse_file (cases[i].file, NULL, &c, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (c.meta.org_name, ==, cases[i].org);
      g_assert_cmpstr (c.meta.domain, ==, "boulangerie-martin.fr");
      g_assert_cmpuint (c.records, ==, cases[i].records);
      g_assert_cmpint (c.meta.rfc9990, ==, cases[i].rfc9990);
      collect_clear (&c);
    }
}

static void
test_ipv6 (void)
{
  Collect c;
  g_autoptr (GError) error = NULL;

  g_assert_true (parse_file ("google.xml", NULL, &c, &error));
  g_assert_cmpstr (g_ptr_array_index (c.ips, 1), ==, "2001:db8:4860:4864::1a");
  collect_clear (&c);
  g_assert_true (parse_file ("rfc9990.xml", NULL, &c, &error));
  g_assert_cmpstr (g_ptr_array_index (c.ips, 0), ==, "2001:db8::25");
  g_assert_cmpstr (c.meta.np, ==, "none");
  collect_clear (&c);
}

static void
expect_refused (const char *name, const FctLimits *limits, FctReportsError code,
                const char *words)
{
  Collect c;
  g_autoptr (GError) error = NULL;

  g_test_message ("%s", name);
  g_assert_false (parse_file (name, limits, &c, &error));
  g_assert_error (error, FCT_REPORTS_ERROR, (gint)code);
  g_assert_nonnull (strstr (error->message, words));
  /* Nothing of a refused report reached the caller before the refusal was known,
     except records, which the caller rolls back. */
  collect_clear (&c);
}

static void
test_hostile (void)
{
  FctLimits limits;

  expect_refused ("bomb.xml", NULL, FCT_REPORTS_ERROR_MALFORMED, "DTD");
  expect_refused ("xxe.xml", NULL, FCT_REPORTS_ERROR_MALFORMED, "DTD");
  expect_refused ("deep.xml", NULL, FCT_REPORTS_ERROR_LIMIT, "nested");
  expect_refused ("nonutf8.xml", NULL, FCT_REPORTS_ERROR_MALFORMED, "UTF-8");
  expect_refused ("truncated.xml", NULL, FCT_REPORTS_ERROR_MALFORMED, "XML error");
  fct_limits_init (&limits);
  limits.reports_records_max = 2;
  expect_refused ("google.xml", &limits, FCT_REPORTS_ERROR_LIMIT, "records");
  limits.reports_records_max = 3;
  {
    Collect c;
    g_autoptr (GError) error = NULL;
    g_assert_true (parse_file ("google.xml", &limits, &c, &error));
    collect_clear (&c);
  }
  fct_limits_init (&limits);
  limits.reports_max_bytes = 1000;
  expect_refused ("google.xml", &limits, FCT_REPORTS_ERROR_LIMIT, "over 1000 bytes");
}

static void
expect_text_refused (const char *xml, FctReportsError code, const char *words)
{
  Collect c = { .ips = g_ptr_array_new_with_free_func (g_free) };
  g_autoptr (GError) error = NULL;

  g_assert_false (fct_dmarc_aggregate_parse (xml, strlen (xml), NULL, collect_meta,
                                             collect_record, &c, NULL, &error));
  g_assert_error (error, FCT_REPORTS_ERROR, (gint)code);
  g_assert_nonnull (strstr (error->message, words));
  collect_clear (&c);
}

#define META                                                                               \
  "<report_metadata><org_name>o</org_name><report_id>r</report_id>"                        \
  "<date_range><begin>1</begin><end>2</end></date_range></report_metadata>"                \
  "<policy_published><domain>example.fr</domain></policy_published>"

static void
test_malformed (void)
{
  expect_text_refused ("<html><body>hello</body></html>", FCT_REPORTS_ERROR_MALFORMED,
                       "<feedback>");
  expect_text_refused ("<feedback><report_metadata><org_name>o</org_name></report_metadata>"
                       "</feedback>",
                       FCT_REPORTS_ERROR_MALFORMED, "report_id");
  expect_text_refused ("<feedback>" META "<record><row><source_ip>300.1.1.1</source_ip>"
                       "<count>1</count></row><identifiers><header_from>example.fr"
                       "</header_from></identifiers></record></feedback>",
                       FCT_REPORTS_ERROR_MALFORMED, "not an IP address");
  expect_text_refused ("<feedback>" META "<record><row><source_ip>192.0.2.1</source_ip>"
                       "<count>-4</count></row></record></feedback>",
                       FCT_REPORTS_ERROR_MALFORMED, "count");
  expect_text_refused ("<feedback>" META "<record><row><source_ip>192.0.2.1</source_ip>"
                       "<count>4</count></row></record></feedback>",
                       FCT_REPORTS_ERROR_MALFORMED, "header_from");
  expect_text_refused ("<feedback xmlns=\"urn:example:other\">" META "</feedback>",
                       FCT_REPORTS_ERROR_MALFORMED, "<feedback>");
  expect_text_refused ("", FCT_REPORTS_ERROR_MALFORMED, "");
}

/* A meta callback that says "stored already" ends the parse early, without error. */
static gboolean
stop_meta (const FctDmarcAggregateMeta *meta, gpointer user_data)
{
  (void)meta;
  (void)user_data;
  return FALSE;
}

static void
test_stop (void)
{
  g_autoptr (GBytes) xml = data_file ("reports", "google.xml");
  gboolean stopped = FALSE;
  Collect c = { .ips = g_ptr_array_new_with_free_func (g_free) };
  g_autoptr (GError) error = NULL;

  g_assert_true (fct_dmarc_aggregate_parse (g_bytes_get_data (xml, NULL),
                                            g_bytes_get_size (xml), NULL, stop_meta,
                                            collect_record, &c, &stopped, &error));
  g_assert_true (stopped);
  g_assert_cmpuint (c.records, ==, 0);
  collect_clear (&c);
}

static GBytes *
gzip (GBytes *in)
{
  g_autoptr (GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr (GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (z));

  g_assert_true (g_output_stream_write_all (out, g_bytes_get_data (in, NULL),
                                            g_bytes_get_size (in), NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static GBytes *
zeros (gsize n)
{
  return g_bytes_new_take (g_malloc0 (n), n);
}

static void
test_gunzip (void)
{
  g_autoptr (GBytes) xml = data_file ("reports", "google.xml");
  g_autoptr (GBytes) gz = gzip (xml);
  g_autoptr (GBytes) bomb_in = zeros (20 * 1024 * 1024);
  g_autoptr (GBytes) bomb = gzip (bomb_in);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) back = fct_reports_gunzip (g_bytes_get_data (gz, NULL),
                                                g_bytes_get_size (gz), NULL, &error);
  FctLimits limits;

  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, xml));
  /* Truncated: the end of the stream never comes. */
  g_assert_null (fct_reports_gunzip (g_bytes_get_data (gz, NULL), g_bytes_get_size (gz) / 2,
                                     NULL, &error));
  g_assert_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "truncated"));
  g_clear_error (&error);
  /* 20 MiB of zeros in about 20 KiB: past the ratio budget long before the size one. */
  g_assert_null (fct_reports_gunzip (g_bytes_get_data (bomb, NULL), g_bytes_get_size (bomb),
                                     NULL, &error));
  g_assert_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "bomb"));
  g_clear_error (&error);
  /* The size budget alone. */
  fct_limits_init (&limits);
  limits.reports_max_bytes = 2000;
  g_assert_null (fct_reports_gunzip (g_bytes_get_data (gz, NULL), g_bytes_get_size (gz),
                                     &limits, &error));
  g_assert_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT);
  g_clear_error (&error);
  /* Not gzip at all. */
  g_assert_null (fct_reports_gunzip ((const guint8 *)"hello", 5, NULL, &error));
  g_assert_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED);
}

static GBytes *
zip (const char *const *names, GBytes *const *contents, guint n)
{
  struct archive *a = archive_write_new ();
  gsize size = 64 * 1024 * 1024, used = 0;
  guint8 *buf = g_malloc (size);

  archive_write_set_format_zip (a);
  g_assert_cmpint (archive_write_open_memory (a, buf, size, &used), ==, ARCHIVE_OK);
  for (guint i = 0; i < n; i++)
    {
      struct archive_entry *e = archive_entry_new ();
      archive_entry_set_pathname (e, names[i]);
      archive_entry_set_filetype (e, AE_IFREG);
      archive_entry_set_perm (e, 0644);
      archive_entry_set_size (e, (la_int64_t)g_bytes_get_size (contents[i]));
      g_assert_cmpint (archive_write_header (a, e), ==, ARCHIVE_OK);
      g_assert_cmpint (archive_write_data (a, g_bytes_get_data (contents[i], NULL),
                                           g_bytes_get_size (contents[i])),
                       ==, (la_ssize_t)g_bytes_get_size (contents[i]));
      archive_entry_free (e);
    }
  archive_write_close (a);
  archive_write_free (a);
  return g_bytes_new_take (g_realloc (buf, used), used);
}

typedef struct
{
  guint count;
  FctReportsError last;
} Skips;

static void
on_skip (const char *name, const GError *reason, gpointer user_data)
{
  Skips *s = user_data;

  g_assert_nonnull (name);
  g_test_message ("skip %s: %s", name, reason->message);
  s->count++;
  s->last = (FctReportsError)reason->code;
}

static void
test_zip (void)
{
  g_autoptr (GBytes) xml = data_file ("reports", "google.xml");
  g_autoptr (GBytes) big = zeros (30 * 1024 * 1024);
  const char *names[] = { "google.com!boulangerie-martin.fr!1764374400!1764460799.xml" };
  GBytes *contents[] = { xml };
  g_autoptr (GBytes) z = zip (names, contents, 1);
  g_autoptr (GPtrArray) blobs
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_report_blob_free);
  g_autoptr (GError) error = NULL;
  Skips skips = { 0 };

  g_assert_true (fct_reports_extract ("r.zip", z, NULL, blobs, on_skip, &skips, &error));
  g_assert_cmpuint (blobs->len, ==, 1);
  g_assert_true (
      g_bytes_equal (((FctReportBlob *)g_ptr_array_index (blobs, 0))->data, xml));
  g_assert_cmpuint (skips.count, ==, 0);

  /* A zip bomb: one member of 30 MiB of zeros; stopped, reported, nothing kept. */
  {
    const char *bnames[] = { "report.xml" };
    GBytes *bcontents[] = { big };
    g_autoptr (GBytes) bomb = zip (bnames, bcontents, 1);
    g_ptr_array_set_size (blobs, 0);
    g_assert_cmpuint (g_bytes_get_size (bomb), <, 100 * 1024);
    g_assert_true (
        fct_reports_extract ("bomb.zip", bomb, NULL, blobs, on_skip, &skips, &error));
    g_assert_cmpuint (blobs->len, ==, 0);
    g_assert_cmpuint (skips.count, ==, 1);
    g_assert_cmpint (skips.last, ==, FCT_REPORTS_ERROR_LIMIT);
  }
  /* More members than the limit: those past it are not read, and it is said. */
  {
    FctLimits limits;
    const char *many[5] = { "a.xml", "b.xml", "c.xml", "d.xml", "e.xml" };
    GBytes *each[5] = { xml, xml, xml, xml, xml };
    g_autoptr (GBytes) mz = zip (many, each, 5);
    fct_limits_init (&limits);
    limits.reports_archive_entries_max = 3;
    g_ptr_array_set_size (blobs, 0);
    skips.count = 0;
    g_assert_true (
        fct_reports_extract ("many.zip", mz, &limits, blobs, on_skip, &skips, &error));
    g_assert_cmpuint (blobs->len, ==, 3);
    g_assert_cmpuint (skips.count, ==, 1);
  }
}

/* A report message with a gzip attachment, as Microsoft and Yahoo send them, and a
 * TLS-RPT message (RFC 8460 §5.3: application/tlsrpt+gzip). */
static void
test_message (void)
{
  g_autoptr (GBytes) xml = data_file ("reports", "microsoft.xml");
  g_autoptr (GBytes) json = data_file ("reports", "tlsrpt.json");
  g_autoptr (GBytes) gz = gzip (xml);
  g_autoptr (GBytes) jgz = gzip (json);
  g_autofree char *b64
      = g_base64_encode (g_bytes_get_data (gz, NULL), g_bytes_get_size (gz));
  g_autofree char *jb64
      = g_base64_encode (g_bytes_get_data (jgz, NULL), g_bytes_get_size (jgz));
  g_autofree char *eml = g_strdup_printf (
      "From: DMARC Aggregate Report <dmarcreport@microsoft.com>\r\n"
      "To: dmarc@boulangerie-martin.fr\r\n"
      "Subject: Report Domain: boulangerie-martin.fr Submitter: enterprise.protection."
      "outlook.com Report-ID: 6b1d7e0c\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
      "--b1\r\nContent-Type: text/plain\r\n\r\nThis is a DMARC aggregate report.\r\n"
      "--b1\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"enterprise.protection.outlook.com!"
      "boulangerie-martin.fr!1764374400!1764460800.xml.gz\"\r\n\r\n%s\r\n"
      "--b1\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64"
      "\r\n\r\n%s\r\n--b1--\r\n",
      b64, jb64);
  g_autoptr (GBytes) bytes = g_bytes_new (eml, strlen (eml));
  g_autoptr (GPtrArray) blobs
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_report_blob_free);
  g_autoptr (GError) error = NULL;

  g_assert_true (fct_reports_extract ("ms.eml", bytes, NULL, blobs, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (blobs->len, ==, 2);
  g_assert_cmpint (((FctReportBlob *)g_ptr_array_index (blobs, 0))->kind, ==,
                   FCT_REPORT_KIND_AGGREGATE);
  g_assert_true (
      g_bytes_equal (((FctReportBlob *)g_ptr_array_index (blobs, 0))->data, xml));
  g_assert_cmpint (((FctReportBlob *)g_ptr_array_index (blobs, 1))->kind, ==,
                   FCT_REPORT_KIND_TLSRPT);

  /* Nothing at all (an empty file or attachment; found by mutating the fuzz seeds:
     GMime refused the empty buffer with a critical). */
  {
    g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
    g_autoptr (FctFailureReport) none = fct_failure_report_parse ("", 0, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED);
    g_clear_error (&error);
    g_ptr_array_set_size (blobs, 0);
    g_assert_false (fct_reports_extract ("empty", empty, NULL, blobs, NULL, NULL, &error));
    g_assert_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_UNSUPPORTED);
    g_clear_error (&error);
  }
  /* An ordinary message carries no report: said, not guessed. */
  {
    const char *plain = "From: a@example.fr\r\nSubject: hello\r\n\r\nBonjour\r\n";
    g_autoptr (GBytes) p = g_bytes_new_static (plain, strlen (plain));
    g_ptr_array_set_size (blobs, 0);
    g_assert_false (fct_reports_extract ("plain.eml", p, NULL, blobs, NULL, NULL, &error));
    g_assert_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_UNSUPPORTED);
  }
}

static void
test_tlsrpt (void)
{
  g_autoptr (GBytes) json = data_file ("reports", "tlsrpt.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (FctTlsRptReport) r = fct_tlsrpt_report_parse (
      g_bytes_get_data (json, NULL), g_bytes_get_size (json), NULL, &error);
  const FctTlsRptPolicy *p;
  const FctTlsRptFailure *f;

  g_assert_no_error (error);
  g_assert_cmpstr (r->org_name, ==, "Company-X");
  g_assert_cmpstr (r->report_id, ==, "5065427c-23d3-47ca-b6e0-946ea0e8c4be");
  g_assert_cmpint (r->end - r->begin, ==, 86399);
  g_assert_cmpuint (r->policies->len, ==, 1);
  p = g_ptr_array_index (r->policies, 0);
  g_assert_cmpstr (p->policy_type, ==, "sts");
  g_assert_cmpstr (p->policy_domain, ==, "boulangerie-martin.fr");
  g_assert_cmpint (p->successful_sessions, ==, 5326);
  g_assert_cmpint (p->failed_sessions, ==, 303);
  g_assert_cmpuint (p->failures->len, ==, 3);
  f = g_ptr_array_index (p->failures, 1);
  g_assert_cmpstr (f->result_type, ==, "starttls-not-supported");
  g_assert_cmpstr (f->receiving_ip, ==, "203.0.113.56");
  g_assert_cmpint (f->failed_sessions, ==, 200);
}

static void
expect_tlsrpt_refused (const char *text, gsize len, FctReportsError code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctTlsRptReport) r = fct_tlsrpt_report_parse (text, len, NULL, &error);

  g_assert_null (r);
  g_assert_error (error, FCT_REPORTS_ERROR, (gint)code);
}

static void
test_tlsrpt_hostile (void)
{
  GString *deep = g_string_new ("{\"policies\":");
  const char latin1[] = "{\"organization-name\":\"Soci\xe9t\xe9\"}";

  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  expect_tlsrpt_refused (deep->str, deep->len, FCT_REPORTS_ERROR_LIMIT);
  g_string_free (deep, TRUE);
  expect_tlsrpt_refused (latin1, sizeof latin1 - 1, FCT_REPORTS_ERROR_MALFORMED);
  expect_tlsrpt_refused ("{\"organization-name\": \"x\"}", 26, FCT_REPORTS_ERROR_MALFORMED);
  expect_tlsrpt_refused ("{\"a\":", 5, FCT_REPORTS_ERROR_MALFORMED);
  /* Brackets inside strings do not count as nesting. */
  {
    const char *ok = "{\"organization-name\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\","
                     "\"report-id\":\"1\",\"date-range\":{\"start-datetime\":"
                     "\"2025-11-29T00:00:00Z\",\"end-datetime\":\"2025-11-29T23:59:59Z\"},"
                     "\"policies\":[{\"policy\":{\"policy-type\":\"no-policy-found\","
                     "\"policy-domain\":\"Example.FR\"},\"summary\":{"
                     "\"total-successful-session-count\":1,"
                     "\"total-failure-session-count\":0}}]}";
    g_autoptr (GError) error = NULL;
    g_autoptr (FctTlsRptReport) r = fct_tlsrpt_report_parse (ok, strlen (ok), NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (((FctTlsRptPolicy *)g_ptr_array_index (r->policies, 0))->policy_domain,
                     ==, "example.fr");
  }
}

static void
test_failure (void)
{
  g_autoptr (GBytes) eml = data_file ("reports", "failure.eml");
  g_autoptr (GError) error = NULL;
  g_autoptr (FctFailureReport) r = fct_failure_report_parse (
      g_bytes_get_data (eml, NULL), g_bytes_get_size (eml), NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (r->feedback_type, ==, "auth-failure");
  g_assert_cmpstr (r->auth_failure, ==, "dmarc");
  g_assert_cmpstr (r->reported_domain, ==, "boulangerie-martin.fr");
  g_assert_cmpstr (r->source_ip, ==, "198.51.100.77");
  g_assert_cmpstr (r->org, ==, "mail.example.net");
  g_assert_cmpstr (r->report_id, ==, "ruf.20251129.101502.4411@mail.example.net");
  g_assert_cmpint (r->arrival, ==, 1764411298);
  g_assert_cmpstr (r->original_mail_from, ==, "<redacted@promo-colis-livraison.top>");
  g_assert_nonnull (strstr (r->authentication_results, "dmarc=fail"));
  /* The original's header fields are kept, their addresses' local parts are not. */
  g_assert_nonnull (strstr (r->headers, "Subject: Votre facture de novembre"));
  g_assert_nonnull (strstr (r->headers, "<redacted@client-grossiste.fr>"));
  g_assert_null (strstr (r->headers, "jean.dupont"));
  g_assert_null (strstr (r->headers, "compta@"));

  /* Found by fuzz-reports-failure (UndefinedBehaviorSanitizer): an empty
     message/feedback-report part gave the field reader a NULL text. */
  {
    static const char empty[]
        = "From: a@b.example\r\nTo: c@d.example\r\nSubject: r\r\nMIME-Version: 1.0\r\n"
          "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n"
          "\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
          "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
          "--b--\r\n";
    g_autoptr (FctFailureReport) none
        = fct_failure_report_parse (empty, sizeof empty - 1, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED);
    g_clear_error (&error);
  }

  /* An aggregate report message is not a failure report. */
  {
    g_autoptr (GBytes) agg = data_file ("dmarc-feedback", "100.eml");
    g_autoptr (FctFailureReport) none = fct_failure_report_parse (
        g_bytes_get_data (agg, NULL), g_bytes_get_size (agg), NULL, &error);
    g_assert_null (none);
    g_assert_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED);
  }
}

static void
test_redact (void)
{
  struct
  {
    const char *in, *out;
  } cases[] = {
    { "From: Jean <jean.dupont@example.fr>", "From: Jean <redacted@example.fr>" },
    { "a@b.fr, c+tag@d.fr", "redacted@b.fr, redacted@d.fr" },
    { "\"jean dupont\"@example.fr", "redacted@example.fr" },
    { "no address here", "no address here" },
    { "@example.fr and x@", "@example.fr and redacted@" },
    /* Found by fuzz-reports-failure: the first local part was kept, then redacted by a
       second pass. */
    { "<fake.123@.101502.4411@mail.example.net>", "<redacted@redacted@mail.example.net>" },
    { "<redacted@redacted@mail.example.net>", "<redacted@redacted@mail.example.net>" },
    /* A quote that ends something else, glued to a word: not a quoted local part. */
    { "boundary=\"b_4411\"\nTo: \"@ean\"", "boundary=\"b_4411\"\nTo: \"@ean\"" },
    { "x\"a b\"@example.fr", "x\"a b\"@example.fr" },
    { "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = fct_reports_redact (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

/* data/reports/senders.tsv: four fields, a domain suffix, a domain include, an https
 * page, suffixes unique; and the lookup on each kind of name. */
static void
test_providers (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("FCT_SOURCE_ROOT"), "data", "reports",
                                            "senders.tsv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GHashTable) seen
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *provider = NULL, *include = NULL;
  guint rows = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      g_auto (GStrv) f = NULL;
      if (**l == '#' || **l == '\0')
        continue;
      f = g_strsplit (*l, "\t", -1);
      g_assert_cmpuint (g_strv_length (f), ==, 4);
      g_assert_true (strchr (f[0], '.') != NULL && strchr (f[0], ' ') == NULL);
      g_assert_true (strchr (f[2], '.') != NULL && strchr (f[2], ' ') == NULL);
      g_assert_true (g_str_has_prefix (f[3], "https://"));
      g_assert_false (g_hash_table_contains (seen, f[0]));
      g_hash_table_add (seen, g_strdup (f[0]));
      rows++;
    }
  g_assert_cmpuint (rows, >=, 10);
  g_assert_true (fct_reports_provider_lookup ("o1.ptr1234.email.sendgrid.net", NULL, NULL,
                                              &provider, &include));
  g_assert_cmpstr (provider, ==, "SendGrid");
  g_assert_true (fct_reports_provider_lookup (NULL, "bounces.sendgrid.net", NULL, &provider,
                                              &include));
  g_assert_true (fct_reports_provider_lookup (
      NULL, NULL, "example-fr.20230601.gappssmtp.com", &provider, &include));
  g_assert_cmpstr (include, ==, "_spf.google.com");
  /* A suffix matches whole labels only. */
  g_assert_false (
      fct_reports_provider_lookup ("notsendgrid.net", "evilgoogle.com", NULL, NULL, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reports/vectors/xml", test_vectors_xml);
  g_test_add_func ("/reports/vectors/eml", test_vectors_eml);
  g_test_add_func ("/reports/aggregate/shapes", test_shapes);
  g_test_add_func ("/reports/aggregate/ipv6", test_ipv6);
  g_test_add_func ("/reports/aggregate/hostile", test_hostile);
  g_test_add_func ("/reports/aggregate/malformed", test_malformed);
  g_test_add_func ("/reports/aggregate/stop", test_stop);
  g_test_add_func ("/reports/gunzip", test_gunzip);
  g_test_add_func ("/reports/zip", test_zip);
  g_test_add_func ("/reports/message", test_message);
  g_test_add_func ("/reports/tlsrpt/parse", test_tlsrpt);
  g_test_add_func ("/reports/tlsrpt/hostile", test_tlsrpt_hostile);
  g_test_add_func ("/reports/failure", test_failure);
  g_test_add_func ("/reports/redact", test_redact);
  g_test_add_func ("/reports/providers/table", test_providers);
  return g_test_run ();
}
