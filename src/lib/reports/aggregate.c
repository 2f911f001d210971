/* facteur — DMARC aggregate reports (RFC 9990 §2.1 and its XML schema, Appendix A; the
 * RFC 7489 Appendix C format) read with libxml2's streaming reader: no tree, one record
 * in memory at a time, no DTD and no entities (a DOCTYPE is refused outright), no
 * network, no huge-document mode, nesting, field size and record count bounded. */
#include "reports-private.h"

#include <gio/gio.h>
#include <libxml/xmlreader.h>
#include <string.h>

#define NS_DMARC2 "urn:ietf:params:xml:ns:dmarc-2.0"

/* A field's text: element values are names, numbers and short comments; 16 KiB leaves
 * room for a long override comment and stops a multi-megabyte text node. */
#define FIELD_MAX_BYTES (16 * 1024)

typedef struct
{
  const FctLimits *limits;
  FctDmarcAggregateMetaFunc meta_func;
  FctDmarcAggregateRecordFunc record_func;
  gpointer user_data;
  GString *path;     /* "record/row/source_ip": names below <feedback>, '/'-separated */
  GArray *path_lens; /* path->len before each pushed name */
  GString *text;     /* text of the innermost element */
  gboolean text_over;
  FctDmarcAggregateMeta meta;
  gboolean meta_done, stopped;
  gboolean root_seen;
  FctDmarcAggregateRecord record;
  gboolean in_record;
  guint64 records;
  /* The auth_results entry being read. */
  char *dkim_domain, *dkim_selector, *dkim_result;
  int dkim_rank; /* of the one kept in record */
  char *spf_domain, *spf_scope, *spf_result;
  gboolean spf_kept_mfrom;
  GError *error;
} Parse;

void
fct_dmarc_aggregate_meta_clear (FctDmarcAggregateMeta *m)
{
  g_clear_pointer (&m->version, g_free);
  g_clear_pointer (&m->org_name, g_free);
  g_clear_pointer (&m->email, g_free);
  g_clear_pointer (&m->report_id, g_free);
  g_clear_pointer (&m->domain, g_free);
  g_clear_pointer (&m->p, g_free);
  g_clear_pointer (&m->sp, g_free);
  g_clear_pointer (&m->np, g_free);
  g_clear_pointer (&m->adkim, g_free);
  g_clear_pointer (&m->aspf, g_free);
  g_clear_pointer (&m->pct, g_free);
  g_clear_pointer (&m->testing, g_free);
  m->begin = m->end = 0;
  m->rfc9990 = FALSE;
}

void
fct_dmarc_aggregate_record_clear (FctDmarcAggregateRecord *r)
{
  g_clear_pointer (&r->source_ip, g_free);
  g_clear_pointer (&r->disposition, g_free);
  g_clear_pointer (&r->dkim, g_free);
  g_clear_pointer (&r->spf, g_free);
  g_clear_pointer (&r->reason, g_free);
  g_clear_pointer (&r->reason_comment, g_free);
  g_clear_pointer (&r->header_from, g_free);
  g_clear_pointer (&r->envelope_from, g_free);
  g_clear_pointer (&r->envelope_to, g_free);
  g_clear_pointer (&r->dkim_domain, g_free);
  g_clear_pointer (&r->dkim_selector, g_free);
  g_clear_pointer (&r->dkim_result, g_free);
  g_clear_pointer (&r->spf_domain, g_free);
  g_clear_pointer (&r->spf_result, g_free);
  r->count = 0;
  r->dkim_signatures = 0;
  r->dkim_author_broken = FALSE;
}

static gboolean fail (Parse *p, FctReportsError code, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
fail (Parse *p, FctReportsError code, const char *format, ...)
{
  va_list args;

  if (p->error != NULL)
    return FALSE;
  va_start (args, format);
  p->error = g_error_new_valist (FCT_REPORTS_ERROR, code, format, args);
  va_end (args);
  return FALSE;
}

/* The element's text, trimmed (transfer full); NULL when empty. */
static char *
take_text (Parse *p, gboolean lower)
{
  char *s = g_strstrip (g_strdup (p->text->str));
  if (*s == '\0')
    {
      g_free (s);
      return NULL;
    }
  if (lower)
    {
      char *l = g_ascii_strdown (s, -1);
      g_free (s);
      return l;
    }
  return s;
}

static void
set (char **field, char *value)
{
  g_free (*field);
  *field = value;
}

static gboolean
parse_time (Parse *p, const char *what, gint64 *out)
{
  g_autofree char *s = take_text (p, FALSE);
  guint64 v;

  /* xs:integer seconds since the epoch (RFC 9990 Appendix A, DateRangeType). */
  if (s == NULL || !g_ascii_string_to_unsigned (s, 10, 0, G_MAXINT64, &v, NULL))
    return fail (p, FCT_REPORTS_ERROR_MALFORMED, _ ("date_range/%s is not a time: “%s”"),
                 what, s != NULL ? s : "");
  *out = (gint64)v;
  return TRUE;
}

/* How much an auth_results/dkim entry says about the message: an aligned pass (same
 * domain as header_from, or one under the other, relaxed alignment of RFC 9989 §4.4.1),
 * then any pass, then the rest. */
static int
dkim_rank (const char *domain, const char *result, const char *header_from)
{
  if (g_strcmp0 (result, "pass") != 0)
    return 1;
  if (domain != NULL && header_from != NULL
      && (g_str_equal (domain, header_from)
          || fct_reports_domain_under (header_from, domain)
          || fct_reports_domain_under (domain, header_from)))
    return 3;
  return 2;
}

static void
dkim_done (Parse *p)
{
  FctDmarcAggregateRecord *r = &p->record;
  int rank = dkim_rank (p->dkim_domain, p->dkim_result, r->header_from);

  r->dkim_signatures++;
  if (g_strcmp0 (p->dkim_result, "fail") == 0 && p->dkim_domain != NULL
      && r->header_from != NULL
      && (g_str_equal (p->dkim_domain, r->header_from)
          || fct_reports_domain_under (r->header_from, p->dkim_domain)
          || fct_reports_domain_under (p->dkim_domain, r->header_from)))
    r->dkim_author_broken = TRUE;
  if (rank > p->dkim_rank)
    {
      p->dkim_rank = rank;
      set (&r->dkim_domain, g_steal_pointer (&p->dkim_domain));
      set (&r->dkim_selector, g_steal_pointer (&p->dkim_selector));
      set (&r->dkim_result, g_steal_pointer (&p->dkim_result));
    }
  g_clear_pointer (&p->dkim_domain, g_free);
  g_clear_pointer (&p->dkim_selector, g_free);
  g_clear_pointer (&p->dkim_result, g_free);
}

static void
spf_done (Parse *p)
{
  FctDmarcAggregateRecord *r = &p->record;
  /* DMARC uses the MAIL FROM check (RFC 9989 §4.4.2); a helo entry counts only when
   * nothing else is there. */
  gboolean mfrom = p->spf_scope == NULL || g_str_equal (p->spf_scope, "mfrom");

  if (r->spf_result == NULL || (mfrom && !p->spf_kept_mfrom))
    {
      set (&r->spf_domain, g_steal_pointer (&p->spf_domain));
      set (&r->spf_result, g_steal_pointer (&p->spf_result));
      p->spf_kept_mfrom = mfrom;
    }
  g_clear_pointer (&p->spf_domain, g_free);
  g_clear_pointer (&p->spf_scope, g_free);
  g_clear_pointer (&p->spf_result, g_free);
}

static gboolean
meta_dispatch (Parse *p)
{
  FctDmarcAggregateMeta *m = &p->meta;

  if (p->meta_done)
    return TRUE;
  p->meta_done = TRUE;
  /* RFC 9990 Appendix A: org_name, report_id, date_range and policy_published/domain
   * are required; without them a report cannot be told apart from another. */
  if (m->org_name == NULL || m->report_id == NULL)
    return fail (p, FCT_REPORTS_ERROR_MALFORMED,
                 _ ("the report has no report_metadata/org_name or report_id"));
  if (m->domain == NULL)
    return fail (p, FCT_REPORTS_ERROR_MALFORMED,
                 _ ("the report has no policy_published/domain"));
  if (m->end < m->begin)
    return fail (p, FCT_REPORTS_ERROR_MALFORMED,
                 _ ("the report's date_range ends before it begins"));
  if (p->meta_func != NULL && !p->meta_func (m, p->user_data))
    p->stopped = TRUE;
  return TRUE;
}

static gboolean
record_dispatch (Parse *p)
{
  FctDmarcAggregateRecord *r = &p->record;
  GInetAddress *addr;

  if (r->source_ip == NULL
      || (addr = g_inet_address_new_from_string (r->source_ip)) == NULL)
    return fail (p, FCT_REPORTS_ERROR_MALFORMED,
                 _ ("record %llu: source_ip “%s” is not an IP address"),
                 (unsigned long long)p->records + 1,
                 r->source_ip != NULL ? r->source_ip : "");
  g_object_unref (addr);
  if (r->header_from == NULL)
    return fail (p, FCT_REPORTS_ERROR_MALFORMED,
                 _ ("record %llu: no identifiers/header_from"),
                 (unsigned long long)p->records + 1);
  if (++p->records > p->limits->reports_records_max)
    return fail (p, FCT_REPORTS_ERROR_LIMIT, _ ("more than %u records in one report"),
                 p->limits->reports_records_max);
  if (p->record_func != NULL && !p->record_func (r, p->user_data, &p->error))
    {
      if (p->error == NULL)
        fail (p, FCT_REPORTS_ERROR_MALFORMED, _ ("record refused"));
      return FALSE;
    }
  return TRUE;
}

/* An element closes: its text goes where its path says. */
static gboolean
element_end (Parse *p)
{
  const char *path = p->path->str;
  FctDmarcAggregateMeta *m = &p->meta;
  FctDmarcAggregateRecord *r = &p->record;

  if (p->text_over)
    return fail (p, FCT_REPORTS_ERROR_LIMIT, _ ("the text of %s is over %d bytes"), path,
                 FIELD_MAX_BYTES);
  if (g_str_has_prefix (path, "record"))
    {
      const char *rest = path + strlen ("record");
      if (*rest == '\0')
        {
          gboolean ok;
          p->in_record = FALSE;
          ok = record_dispatch (p);
          fct_dmarc_aggregate_record_clear (r);
          return ok;
        }
      rest++;
      if (g_str_equal (rest, "row/source_ip"))
        set (&r->source_ip, take_text (p, TRUE));
      else if (g_str_equal (rest, "row/count"))
        {
          g_autofree char *s = take_text (p, FALSE);
          guint64 v;
          /* 2^40 messages from one source in one day is past any mail system. */
          if (s == NULL
              || !g_ascii_string_to_unsigned (s, 10, 0, G_GINT64_CONSTANT (1) << 40, &v,
                                              NULL))
            return fail (p, FCT_REPORTS_ERROR_MALFORMED,
                         _ ("record %llu: count “%s” is not a number"),
                         (unsigned long long)p->records + 1, s != NULL ? s : "");
          r->count = (gint64)v;
        }
      else if (g_str_equal (rest, "row/policy_evaluated/disposition"))
        set (&r->disposition, take_text (p, TRUE));
      else if (g_str_equal (rest, "row/policy_evaluated/dkim"))
        set (&r->dkim, take_text (p, TRUE));
      else if (g_str_equal (rest, "row/policy_evaluated/spf"))
        set (&r->spf, take_text (p, TRUE));
      else if (g_str_equal (rest, "row/policy_evaluated/reason/type"))
        {
          if (r->reason == NULL)
            r->reason = take_text (p, TRUE);
        }
      else if (g_str_equal (rest, "row/policy_evaluated/reason/comment"))
        {
          if (r->reason_comment == NULL)
            r->reason_comment = take_text (p, FALSE);
        }
      else if (g_str_equal (rest, "identifiers/header_from"))
        set (&r->header_from, take_text (p, TRUE));
      else if (g_str_equal (rest, "identifiers/envelope_from"))
        set (&r->envelope_from, take_text (p, TRUE));
      else if (g_str_equal (rest, "identifiers/envelope_to"))
        set (&r->envelope_to, take_text (p, TRUE));
      else if (g_str_equal (rest, "auth_results/dkim"))
        dkim_done (p);
      else if (g_str_equal (rest, "auth_results/dkim/domain"))
        set (&p->dkim_domain, take_text (p, TRUE));
      else if (g_str_equal (rest, "auth_results/dkim/selector"))
        set (&p->dkim_selector, take_text (p, FALSE));
      else if (g_str_equal (rest, "auth_results/dkim/result"))
        set (&p->dkim_result, take_text (p, TRUE));
      else if (g_str_equal (rest, "auth_results/spf"))
        spf_done (p);
      else if (g_str_equal (rest, "auth_results/spf/domain"))
        set (&p->spf_domain, take_text (p, TRUE));
      else if (g_str_equal (rest, "auth_results/spf/scope"))
        set (&p->spf_scope, take_text (p, TRUE));
      else if (g_str_equal (rest, "auth_results/spf/result"))
        set (&p->spf_result, take_text (p, TRUE));
      return TRUE;
    }
  if (g_str_equal (path, "version"))
    set (&m->version, take_text (p, FALSE));
  else if (g_str_equal (path, "report_metadata/org_name"))
    set (&m->org_name, take_text (p, FALSE));
  else if (g_str_equal (path, "report_metadata/email"))
    set (&m->email, take_text (p, FALSE));
  else if (g_str_equal (path, "report_metadata/report_id"))
    set (&m->report_id, take_text (p, FALSE));
  else if (g_str_equal (path, "report_metadata/date_range/begin"))
    return parse_time (p, "begin", &m->begin);
  else if (g_str_equal (path, "report_metadata/date_range/end"))
    return parse_time (p, "end", &m->end);
  else if (g_str_equal (path, "policy_published/domain"))
    set (&m->domain, take_text (p, TRUE));
  else if (g_str_equal (path, "policy_published/p"))
    set (&m->p, take_text (p, TRUE));
  else if (g_str_equal (path, "policy_published/sp"))
    set (&m->sp, take_text (p, TRUE));
  else if (g_str_equal (path, "policy_published/np"))
    set (&m->np, take_text (p, TRUE));
  else if (g_str_equal (path, "policy_published/adkim"))
    set (&m->adkim, take_text (p, TRUE));
  else if (g_str_equal (path, "policy_published/aspf"))
    set (&m->aspf, take_text (p, TRUE));
  else if (g_str_equal (path, "policy_published/pct"))
    set (&m->pct, take_text (p, FALSE));
  else if (g_str_equal (path, "policy_published/testing"))
    set (&m->testing, take_text (p, TRUE));
  return TRUE;
}

/* An element opens at depth (0: the root). */
static gboolean
element_start (Parse *p, xmlTextReaderPtr reader, int depth)
{
  const char *name = (const char *)xmlTextReaderConstLocalName (reader);
  const char *ns = (const char *)xmlTextReaderConstNamespaceUri (reader);
  gboolean ours;

  if (depth == 0)
    {
      if (p->root_seen || g_strcmp0 (name, "feedback") != 0
          || (ns != NULL && !g_str_equal (ns, NS_DMARC2)))
        return fail (
            p, FCT_REPORTS_ERROR_MALFORMED,
            _ ("not a DMARC aggregate report (the root element is not <feedback>)"));
      p->root_seen = TRUE;
      p->meta.rfc9990 = ns != NULL;
      return TRUE;
    }
  if ((guint)depth > p->limits->reports_xml_depth_max)
    return fail (p, FCT_REPORTS_ERROR_LIMIT, _ ("elements nested more than %u deep"),
                 p->limits->reports_xml_depth_max);
  /* Elements of another namespace are extensions (RFC 9990 §2.1): skipped, and so is
   * everything under them, since their path matches nothing. */
  ours = ns == NULL || g_str_equal (ns, NS_DMARC2);
  g_array_append_val (p->path_lens, p->path->len);
  if (depth > 1)
    g_string_append_c (p->path, '/');
  g_string_append (p->path, ours ? name : "#");
  g_string_truncate (p->text, 0);
  p->text_over = FALSE;
  if (depth == 1 && g_str_equal (p->path->str, "record"))
    {
      if (!meta_dispatch (p))
        return FALSE;
      p->in_record = TRUE;
      p->dkim_rank = 0;
      p->spf_kept_mfrom = FALSE;
    }
  return TRUE;
}

static void
path_pop (Parse *p)
{
  if (p->path_lens->len == 0)
    return;
  g_string_truncate (p->path, g_array_index (p->path_lens, gsize, p->path_lens->len - 1));
  g_array_set_size (p->path_lens, p->path_lens->len - 1);
}

static void
reader_error (void *arg, const char *msg, xmlParserSeverities severity,
              xmlTextReaderLocatorPtr locator)
{
  Parse *p = arg;

  if (severity != XML_PARSER_SEVERITY_ERROR
      && severity != XML_PARSER_SEVERITY_VALIDITY_ERROR)
    return;
  g_autofree char *m = g_strstrip (g_strdelimit (g_strdup (msg), "\r\n", ' '));
  int line = xmlTextReaderLocatorLineNumber (locator);
  if (line > 0)
    fail (p, FCT_REPORTS_ERROR_MALFORMED, _ ("XML error at line %d: %s"), line, m);
  else
    fail (p, FCT_REPORTS_ERROR_MALFORMED, _ ("XML error: %s"), m);
}

static gboolean
run (Parse *p, xmlTextReaderPtr reader)
{
  int rc = 1;

  while (p->error == NULL && !p->stopped && (rc = xmlTextReaderRead (reader)) == 1)
    {
      int type = xmlTextReaderNodeType (reader);
      int depth = xmlTextReaderDepth (reader);

      switch (type)
        {
        case XML_READER_TYPE_DOCUMENT_TYPE:
        case XML_READER_TYPE_ENTITY_REFERENCE:
        case XML_READER_TYPE_ENTITY:
          /* No report has a DTD: refusing it is the sure way to expand no entity (the
           * billion laughs) and to load nothing. */
          return fail (p, FCT_REPORTS_ERROR_MALFORMED,
                       _ ("the report declares a DTD or entities, which reports never do"));
        case XML_READER_TYPE_ELEMENT:
          {
            gboolean empty = xmlTextReaderIsEmptyElement (reader) == 1;
            if (!element_start (p, reader, depth))
              return FALSE;
            if (empty && depth > 0)
              {
                if (!element_end (p))
                  return FALSE;
                path_pop (p);
              }
            break;
          }
        case XML_READER_TYPE_END_ELEMENT:
          if (depth > 0)
            {
              if (!element_end (p))
                return FALSE;
              path_pop (p);
            }
          break;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
          {
            const char *value = (const char *)xmlTextReaderConstValue (reader);
            gsize n = value != NULL ? strlen (value) : 0;
            if (p->text->len + n > FIELD_MAX_BYTES)
              p->text_over = TRUE;
            else if (n > 0)
              g_string_append_len (p->text, value, (gssize)n);
            break;
          }
        default:
          break;
        }
    }
  if (p->error != NULL)
    return FALSE;
  if (p->stopped)
    return TRUE;
  if (rc < 0)
    return fail (p, FCT_REPORTS_ERROR_MALFORMED, _ ("the XML is not well-formed"));
  if (!p->root_seen)
    return fail (p, FCT_REPORTS_ERROR_MALFORMED,
                 _ ("not a DMARC aggregate report (no element)"));
  /* A report without records (RFC 9990 allows none) still has its metadata. */
  return meta_dispatch (p);
}

/* A DOCTYPE before the root element. Refused before libxml2 reads its internal subset,
 * where entity declarations (the billion laughs) live; the reader refuses any it would
 * still meet (run). */
static gboolean
declares_dtd (const char *data, gsize len)
{
  const char *doctype = data != NULL ? memmem (data, len, "<!DOCTYPE", 9) : NULL;
  const char *root;

  if (doctype == NULL)
    return FALSE;
  root = memmem (data, (gsize)(doctype - data), "<feedback", 9);
  return root == NULL;
}

gboolean
fct_dmarc_aggregate_parse (const char *data, gsize len, const FctLimits *limits,
                           FctDmarcAggregateMetaFunc meta_func,
                           FctDmarcAggregateRecordFunc record_func, gpointer user_data,
                           gboolean *stopped, GError **error)
{
  Parse p = { 0 };
  xmlTextReaderPtr reader;
  gboolean ok;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  if (stopped != NULL)
    *stopped = FALSE;
  p.limits = limits != NULL ? limits : fct_limits_default ();
  if (declares_dtd (data, len))
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the report declares a DTD or entities, which reports never do"));
      return FALSE;
    }
  if (len > p.limits->reports_max_bytes || len > G_MAXINT)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                   _ ("the report is over %llu bytes"),
                   (unsigned long long)p.limits->reports_max_bytes);
      return FALSE;
    }
  /* No XML_PARSE_NOENT (it would substitute entities), DTDLOAD, DTDATTR, XINCLUDE or
   * HUGE; NONET forbids fetching anything; NOERROR/NOWARNING keep libxml2 off stderr
   * (errors come through reader_error). */
  reader = xmlReaderForMemory (data != NULL ? data : "", (int)len, NULL, NULL,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
                                   | XML_PARSE_NOBLANKS);
  if (reader == NULL)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the XML reader cannot start"));
      return FALSE;
    }
  xmlTextReaderSetErrorHandler (reader, reader_error, &p);
  p.meta_func = meta_func;
  p.record_func = record_func;
  p.user_data = user_data;
  p.path = g_string_new (NULL);
  p.path_lens = g_array_new (FALSE, FALSE, sizeof (gsize));
  p.text = g_string_new (NULL);

  ok = run (&p, reader);
  xmlFreeTextReader (reader);
  if (stopped != NULL)
    *stopped = p.stopped;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&p.error));
  g_clear_error (&p.error);
  fct_dmarc_aggregate_meta_clear (&p.meta);
  fct_dmarc_aggregate_record_clear (&p.record);
  g_free (p.dkim_domain);
  g_free (p.dkim_selector);
  g_free (p.dkim_result);
  g_free (p.spf_domain);
  g_free (p.spf_scope);
  g_free (p.spf_result);
  g_string_free (p.path, TRUE);
  g_array_unref (p.path_lens);
  g_string_free (p.text, TRUE);
  return ok;
}
