/* facteur — DMARC failure reports (RFC 9991; the Abuse Reporting Format of RFC 5965 with
 * the authentication-failure fields of RFC 6591): a multipart/report (RFC 6522) read with
 * GMime, its message/feedback-report fields, and the original message's header fields,
 * kept with every address's local part redacted (RFC 6590) and never its body. */
#include "reports-private.h"

#include <gmime/gmime.h>
#include <string.h>

/* The original's header block kept: a message's header is rarely over 16 KiB. */
#define HEADERS_MAX_BYTES (64 * 1024)

void
fct_failure_report_free (FctFailureReport *r)
{
  if (r == NULL)
    return;
  g_free (r->report_id);
  g_free (r->org);
  g_free (r->feedback_type);
  g_free (r->auth_failure);
  g_free (r->reported_domain);
  g_free (r->source_ip);
  g_free (r->arrival_date);
  g_free (r->original_mail_from);
  g_free (r->dkim_domain);
  g_free (r->dkim_selector);
  g_free (r->delivery_result);
  g_free (r->identity_alignment);
  g_free (r->authentication_results);
  g_free (r->headers);
  g_free (r);
}

static gboolean
is_local_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

char *
fct_reports_redact (const char *text)
{
  GString *out = g_string_new (NULL);
  const char *p = text, *copied = text;

  g_return_val_if_fail (text != NULL, NULL);
  while ((p = strchr (p, '@')) != NULL)
    {
      const char *start = p;
      while (start > copied && is_local_char (start[-1]))
        start--;
      /* A quoted local part ("john smith"@example.com, RFC 5322 §3.4.1), on one line
       * and not glued to a word before it: otherwise "redacted" would join that word
       * and a second pass would take both (found by fuzzing). */
      if (start == p && p > copied && p[-1] == '"')
        {
          const char *q = p - 1;
          while (q > copied && q[-1] != '"' && q[-1] != '\n' && q[-1] != '\r')
            q--;
          if (q > copied && q[-1] == '"' && (q - 1 == copied || !is_local_char (q[-2])))
            start = q - 1;
        }
      /* Whatever follows: a rule on the domain side would leave "a@.b@c.example" half
       * redacted, and redacting again would change it (found by fuzzing). */
      if (start < p)
        {
          g_string_append_len (out, copied, start - copied);
          g_string_append (out, "redacted");
          copied = p;
        }
      p++;
    }
  g_string_append (out, copied);
  return g_string_free (out, FALSE);
}

/* The bytes of a part's decoded content, at most max (transfer full), or NULL. */
static GBytes *
part_bytes (GMimeObject *object, gsize max)
{
  GMimeDataWrapper *content;
  g_autoptr (GMimeStream) mem = NULL;
  GByteArray *array;

  if (!GMIME_IS_PART (object))
    return NULL;
  content = g_mime_part_get_content (GMIME_PART (object));
  if (content == NULL)
    return NULL;
  mem = g_mime_stream_mem_new ();
  if (g_mime_data_wrapper_write_to_stream (content, mem) < 0)
    return NULL;
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  return g_bytes_new (array->data, MIN (array->len, max));
}

static char *
value_trimmed (const char *start, gsize len)
{
  g_autofree char *s = g_strndup (start, len);
  GString *unfolded = g_string_new (NULL);

  /* Unfold (RFC 5322 §2.2.3): CRLF followed by white space is white space. */
  for (const char *c = s; *c != '\0'; c++)
    if (*c != '\r' && *c != '\n')
      g_string_append_c (unfolded, *c);
  return g_strstrip (g_string_free (unfolded, FALSE));
}

/* The message/feedback-report fields (RFC 5965 §3.1: header-field syntax). */
static void
feedback_fields (FctFailureReport *r, const char *text, gsize len)
{
  const char *p = text, *end = text + len;

  while (p < end)
    {
      const char *line_end = p, *colon;
      /* The field runs to a line end not followed by white space. */
      while (line_end < end
             && !(*line_end == '\n'
                  && (line_end + 1 >= end || (line_end[1] != ' ' && line_end[1] != '\t'))))
        line_end++;
      colon = memchr (p, ':', (gsize)(line_end - p));
      if (colon != NULL)
        {
          g_autofree char *name = g_ascii_strdown (p, colon - p);
          char *value = value_trimmed (colon + 1, (gsize)(line_end - colon - 1));
          char **slot = NULL;
          g_strstrip (name);
          if (g_str_equal (name, "feedback-type"))
            slot = &r->feedback_type;
          else if (g_str_equal (name, "auth-failure"))
            slot = &r->auth_failure;
          else if (g_str_equal (name, "reported-domain"))
            slot = &r->reported_domain;
          else if (g_str_equal (name, "source-ip"))
            slot = &r->source_ip;
          else if (g_str_equal (name, "arrival-date"))
            slot = &r->arrival_date;
          else if (g_str_equal (name, "original-mail-from"))
            {
              char *redacted = fct_reports_redact (value);
              g_free (value);
              value = redacted;
              slot = &r->original_mail_from;
            }
          else if (g_str_equal (name, "dkim-domain"))
            slot = &r->dkim_domain;
          else if (g_str_equal (name, "dkim-selector"))
            slot = &r->dkim_selector;
          else if (g_str_equal (name, "delivery-result"))
            slot = &r->delivery_result;
          else if (g_str_equal (name, "identity-alignment"))
            slot = &r->identity_alignment;
          else if (g_str_equal (name, "authentication-results"))
            slot = &r->authentication_results;
          if (slot != NULL && *slot == NULL)
            *slot = value;
          else
            g_free (value);
        }
      p = line_end + 1;
    }
}

static void
original_headers (FctFailureReport *r, GMimeObject *part)
{
  g_autofree char *text = NULL;

  if (GMIME_IS_MESSAGE_PART (part))
    {
      GMimeMessage *m = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part));
      if (m != NULL)
        text = g_mime_object_get_headers (GMIME_OBJECT (m), NULL);
    }
  else
    {
      GMimeContentType *type = g_mime_object_get_content_type (part);
      g_autoptr (GBytes) bytes = NULL;
      if (g_mime_content_type_is_type (type, "text", "rfc822-headers")
          && (bytes = part_bytes (part, HEADERS_MAX_BYTES)) != NULL)
        text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  if (text == NULL)
    return;
  if (strlen (text) > HEADERS_MAX_BYTES)
    text[HEADERS_MAX_BYTES] = '\0';
  g_strchomp (text);
  if (!g_utf8_validate (text, -1, NULL))
    {
      char *valid = g_utf8_make_valid (text, -1);
      g_free (text);
      text = valid;
    }
  r->headers = fct_reports_redact (text);
}

static char *
domain_of (const char *address)
{
  const char *at = address != NULL ? strrchr (address, '@') : NULL;
  const char *end;

  if (at == NULL)
    return NULL;
  at++;
  end = at;
  while (*end != '\0' && *end != '>' && !g_ascii_isspace (*end))
    end++;
  return end > at ? g_ascii_strdown (at, end - at) : NULL;
}

FctFailureReport *
fct_failure_report_parse (const char *data, gsize len, const FctLimits *limits,
                          GError **error)
{
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (FctFailureReport) r = NULL;
  GMimeObject *body, *feedback = NULL, *original = NULL;
  GMimeContentType *type;
  GMimeMultipart *multipart;
  g_autoptr (GBytes) fields = NULL;
  const char *id;

  if (limits == NULL)
    limits = fct_limits_default ();
  fct_reports_mime_init ();
  if (len > limits->message_max_bytes)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_LIMIT,
                   _ ("the failure report is over %llu bytes"),
                   (unsigned long long)limits->message_max_bytes);
      return NULL;
    }
  if (len == 0)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("not a failure report (empty)"));
      return NULL;
    }
  stream = g_mime_stream_mem_new_with_buffer (data, len);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  body = message != NULL ? g_mime_message_get_mime_part (message) : NULL;
  type = body != NULL ? g_mime_object_get_content_type (body) : NULL;
  /* RFC 6522 §3: multipart/report, with report-type=feedback-report for ARF (RFC 5965
   * §2 c). */
  if (type == NULL || !g_mime_content_type_is_type (type, "multipart", "report")
      || !GMIME_IS_MULTIPART (body))
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("not a failure report (no multipart/report)"));
      return NULL;
    }
  multipart = GMIME_MULTIPART (body);
  for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
    {
      GMimeObject *part = g_mime_multipart_get_part (multipart, i);
      GMimeContentType *t = g_mime_object_get_content_type (part);
      if (feedback == NULL && g_mime_content_type_is_type (t, "message", "feedback-report"))
        feedback = part;
      else if (feedback != NULL && original == NULL
               && (g_mime_content_type_is_type (t, "message", "rfc822")
                   || g_mime_content_type_is_type (t, "text", "rfc822-headers")))
        original = part;
    }
  if (feedback == NULL || (fields = part_bytes (feedback, HEADERS_MAX_BYTES)) == NULL)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the report has no message/feedback-report part (RFC 5965 §2)"));
      return NULL;
    }
  r = g_new0 (FctFailureReport, 1);
  /* An empty part has no data pointer at all: the reader gets an empty text. */
  gsize fields_len = 0;
  const char *fields_data = g_bytes_get_data (fields, &fields_len);
  feedback_fields (r, fields_data != NULL ? fields_data : "", fields_len);
  if (original != NULL)
    original_headers (r, original);
  if (r->feedback_type == NULL)
    {
      g_set_error (error, FCT_REPORTS_ERROR, FCT_REPORTS_ERROR_MALFORMED,
                   _ ("the feedback report has no Feedback-Type (RFC 5965 §3.1)"));
      return NULL;
    }
  if (r->reported_domain != NULL)
    {
      char *l = g_ascii_strdown (r->reported_domain, -1);
      g_free (r->reported_domain);
      r->reported_domain = l;
    }
  if (r->arrival_date != NULL)
    {
      GDateTime *dt = g_mime_utils_header_decode_date (r->arrival_date);
      if (dt != NULL)
        {
          r->arrival = g_date_time_to_unix (dt);
          g_date_time_unref (dt);
        }
    }
  r->org = domain_of (g_mime_object_get_header (GMIME_OBJECT (message), "From"));
  if (r->org == NULL)
    r->org = g_strdup ("unknown");
  id = g_mime_message_get_message_id (message);
  r->report_id = id != NULL ? g_strdup (id)
                            : g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                           (const guchar *)data, len);
  return g_steal_pointer (&r);
}
