/* facteur check — header fields a receiver requires or distrusts: Date and Message-ID
 * (RFC 5322 §3.6, "SHOULD" for Message-ID; Gmail and Outlook penalise their absence),
 * exactly one valid From (§3.6.2), a Date not in the future, and 8-bit bytes in the
 * header (RFC 5322 §2.2 allows US-ASCII only; RFC 6532 needs SMTPUTF8) or in a body
 * declared 7bit (RFC 2045 §6.2, RFC 6152). */
#include "check-private.h"

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <string.h>

/* A Date more than this ahead of the receiver's clock is "in the future": clocks drift
 * and time zones get mislabelled by an hour or so, spammers post-date by days. */
#define DATE_FUTURE_TOLERANCE_S (2 * 60 * 60)

char *
fct_check_return_path (const FctMsg *msg)
{
  const FctMsgHeader *h = fct_msg_find_header (msg, "Return-Path", 0);
  const char *lt, *gt;

  if (h == NULL)
    return NULL;
  lt = memchr (h->value, '<', h->value_len);
  if (lt != NULL)
    {
      gsize rest = h->value_len - (gsize)(lt + 1 - h->value);
      gt = memchr (lt + 1, '>', rest);
      if (gt == NULL)
        return NULL;
      return g_strndup (lt + 1, (gsize)(gt - lt - 1));
    }
  return g_strstrip (g_strndup (h->value, h->value_len));
}

static void
check_date (const FctMsg *msg, gint64 now, FctFindings *findings)
{
  const FctMsgHeader *h = fct_msg_find_header (msg, "Date", 0);
  g_autofree char *value = NULL;
  g_autoptr (GDateTime) date = NULL;

  if (h == NULL)
    {
      fct_findings_add (findings, "header-missing-date", "%s",
                        _ ("The message has no Date field (RFC 5322 §3.6.1 requires one); "
                           "let the sending software or the first server add it."));
      return;
    }
  /* value may hold NUL bytes: GMime reads up to the first one, which is conservative. */
  value = g_strndup (h->value, h->value_len);
  date = g_mime_utils_header_decode_date (value);
  if (date == NULL)
    {
      FctFinding *f = fct_findings_add (
          findings, "header-missing-date", "%s",
          _ ("The Date field is not a date in RFC 5322 §3.3 form (\"Tue, 14 Nov 2023 "
             "22:13:20 +0000\"); fix the software that writes it."));
      fct_finding_set_evidence (f, value);
      return;
    }
  gint64 when = g_date_time_to_unix (date);
  if (when > now + DATE_FUTURE_TOLERANCE_S)
    {
      FctFinding *f = fct_findings_add (
          findings, "header-date-future",
          _ ("The Date field is %lld"
             " hours ahead of the receiver's clock; set the sending machine's clock "
             "(NTP) and time zone."),
          (long long)((when - now) / 3600));
      fct_finding_set_evidence (f, value);
    }
}

/* The domain of an address written between angle brackets, as bytes: TRUE if it is
 * written to look like a domain but is none (a comma or "%" for a dot, a trailing dot,
 * a quote), what a parser rejects while a mail client shows the name. */
static gboolean
domain_is_bent (const char *domain, gsize len)
{
  if (len == 0)
    return FALSE;
  if (domain[len - 1] == '.')
    return TRUE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (domain[i]) && domain[i] != '.' && domain[i] != '-')
      return TRUE;
  return FALSE;
}

/* An invalid From built to show a name while no parser reads one address: a name, then
 * an address in angle brackets with a dotted domain, and one of the marks of the spam
 * tools that write it — a comma right before the bracket ("Name, <a@b>", "Name ,_<a@b>",
 * "Name,(<a@b>)"), a quoted address (<"a@b">), a domain bent out of shape
 * ("theskimm,com", "%atendimento.com", "bonprix.de."), or the address written twice.
 * A bare word ("root"), "Last, First <a@b>" and a local address (root@localhost) are
 * not such. */
static gboolean
from_is_disguised (const char *v, gsize len)
{
  const char *lt = memchr (v, '<', len);
  const char *gt, *at, *p;
  gboolean shown = FALSE, mark = FALSE;
  guint addresses = 0;

  if (lt == NULL)
    return FALSE;
  for (p = v; p < lt; p++)
    if (g_ascii_isalnum (*p) || (guchar)*p >= 0x80)
      shown = TRUE;
  if (!shown)
    return FALSE;
  /* A comma, then only blanks, "_" or "(" before the bracket. */
  for (p = lt; p > v
               && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\r' || p[-1] == '\n'
                   || p[-1] == '_' || p[-1] == '(');
       p--)
    ;
  if (p > v && p[-1] == ',')
    mark = TRUE;
  for (p = lt; p != NULL && p < v + len; p = memchr (p + 1, '<', (gsize)(v + len - p - 1)))
    {
      const char *dot;

      gt = memchr (p, '>', (gsize)(v + len - p));
      if (gt == NULL)
        break;
      at = NULL;
      for (const char *q = p + 1; q < gt; q++)
        if (*q == '@')
          at = q;
      if (at == NULL)
        continue;
      dot = memchr (at, '.', (gsize)(gt - at));
      if (dot == NULL && memchr (at, ',', (gsize)(gt - at)) == NULL)
        continue; /* a local address, or an anonymised one ("user@pot") */
      addresses++;
      if (p[1] == '"' || p[1] == '\'' || gt[-1] == '"' || gt[-1] == '\''
          || domain_is_bent (at + 1, (gsize)(gt - at - 1)))
        mark = TRUE;
    }
  return addresses > 0 && (mark || addresses > 1);
}

static void
check_from (const FctMsg *msg, FctFindings *findings)
{
  guint n = fct_msg_count_headers (msg, "From");
  const FctMsgHeader *h;
  g_autofree char *reason = NULL;
  g_autofree char *domain = NULL;

  if (n == 0)
    {
      fct_findings_add (findings, "header-from-invalid", "%s",
                        _ ("The message has no From field (RFC 5322 §3.6.2 requires one): "
                           "receivers cannot tell who sent it and DMARC cannot apply."));
      return;
    }
  if (n > 1)
    {
      /* Two From fields are how a forged author hides behind a signed one (RFC 6376
       * §8.15); DMARC gives permerror (RFC 9989 §5.3.1). */
      fct_findings_add (findings, "header-multiple-from",
                        _ ("The message has %u From fields; RFC 5322 §3.6 allows one. "
                           "Receivers may show either author, and DMARC cannot apply."),
                        n);
      return;
    }
  h = fct_msg_find_header (msg, "From", 0);
  domain = fct_dmarc_author_domain_from_value (h->value, h->value_len, &reason);
  if (domain == NULL)
    {
      g_autofree char *evidence = g_utf8_make_valid (h->value, (gssize)h->value_len);
      FctFinding *f = fct_findings_add (
          findings, "header-from-invalid",
          _ ("The From field is not one valid address (%s); write it as "
             "\"Name <user@example.com>\"."),
          reason != NULL ? reason : "?");
      fct_finding_set_evidence (f, evidence);
      if (from_is_disguised (h->value, h->value_len))
        {
          f = fct_findings_add (
              findings, "header-from-disguised", "%s",
              _ ("The From field is built so that mail programs show a name while no "
                 "address can be read from it (a comma before the address, a quoted or "
                 "misshapen address): spam tools write it so, to show a brand's name "
                 "that nothing authenticates."));
          fct_finding_set_evidence (f, evidence);
        }
    }
}

static void
check_message_id (const FctMsg *msg, FctFindings *findings)
{
  if (fct_msg_find_header (msg, "Message-ID", 0) == NULL)
    fct_findings_add (findings, "header-missing-message-id", "%s",
                      _ ("The message has no Message-ID field (RFC 5322 §3.6.4); Gmail "
                         "and Outlook treat its absence as a sign of spam software. Let "
                         "the sending software add one."));
}

/* True when a Content-Transfer-Encoding anywhere in the message (top level or a part
 * header) declares 8bit or binary content. */
static gboolean
declares_8bit (const FctMsg *msg)
{
  const FctMsgHeader *h = fct_msg_find_header (msg, "Content-Transfer-Encoding", 0);
  FctSlice body = fct_msg_get_body (msg);
  const char *p = (const char *)body.ptr;
  const char *end = p + body.len;
  static const char name[] = "content-transfer-encoding:";

  if (h != NULL)
    {
      g_autofree char *v = g_ascii_strdown (h->value, (gssize)h->value_len);
      if (strstr (v, "8bit") != NULL || strstr (v, "binary") != NULL)
        return TRUE;
    }
  /* Part headers: look at each line that starts with the field name. */
  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize)(end - p));
      gsize len = eol != NULL ? (gsize)(eol - p) : (gsize)(end - p);
      if (len > sizeof name - 1 && g_ascii_strncasecmp (p, name, sizeof name - 1) == 0)
        {
          g_autofree char *v
              = g_ascii_strdown (p + sizeof name - 1, (gssize)(len - (sizeof name - 1)));
          if (strstr (v, "8bit") != NULL || strstr (v, "binary") != NULL)
            return TRUE;
        }
      p += len + 1;
    }
  return FALSE;
}

static void
check_8bit (const FctMsg *msg, FctFindings *findings)
{
  FctMsgFlags flags = fct_msg_get_flags (msg);

  if (flags & FCT_MSG_FLAG_8BIT_HEADER)
    {
      gboolean utf8 = TRUE;
      g_autofree char *evidence = NULL;
      for (guint i = 0; i < fct_msg_get_header_count (msg); i++)
        {
          const FctMsgHeader *h = fct_msg_get_header (msg, i);
          gboolean high = FALSE;
          for (gsize j = 0; j < h->raw.len && !high; j++)
            high = ((const guint8 *)h->raw.ptr)[j] >= 0x80;
          if (!high)
            continue;
          if (!g_utf8_validate_len ((const char *)h->raw.ptr, h->raw.len, NULL))
            utf8 = FALSE;
          if (evidence == NULL)
            evidence = g_utf8_make_valid ((const char *)h->raw.ptr,
                                          (gssize)MIN (h->raw.len, 200));
        }
      FctFinding *f = fct_findings_add (
          findings, "header-8bit-unencoded", "%s",
          utf8 ? _ ("A header field holds raw UTF-8: only servers that offer SMTPUTF8 "
                    "(RFC 6532) accept it. Encode it with RFC 2047 (=?UTF-8?B?...?=).")
               : _ ("A header field holds 8-bit bytes that are not UTF-8: they are shown "
                    "garbled or refused. Encode the text with RFC 2047 "
                    "(=?UTF-8?B?...?=)."));
      fct_finding_set_evidence (f, evidence);
      return;
    }
  if ((flags & FCT_MSG_FLAG_8BIT_BODY) && !declares_8bit (msg))
    fct_findings_add (findings, "header-8bit-unencoded", "%s",
                      _ ("The body holds 8-bit bytes but no part declares "
                         "Content-Transfer-Encoding 8bit (RFC 2045 §6.2): a relay may "
                         "refuse or corrupt it. Use quoted-printable or base64."));
}

/* A line that is neither a field nor a continuation ends the header section, as Postfix
 * reads it; everything after it, fields included, is body to DKIM and DMARC but may
 * still be shown as header fields by a lenient mail client. That is how a second,
 * unauthenticated From can hide behind a signed one. */
static void
check_header_section (const FctMsg *msg, FctFindings *findings)
{
  if (!(fct_msg_get_flags (msg) & FCT_MSG_FLAG_BAD_HEADER_LINE))
    return;
  FctSlice body = fct_msg_get_body (msg);
  const guint8 *eol = memchr (body.ptr, '\r', body.len);
  gsize line_len = eol != NULL ? (gsize)(eol - body.ptr) : body.len;
  g_autofree char *line
      = g_utf8_make_valid ((const char *)body.ptr, (gssize)MIN (line_len, 200));
  FctFinding *f = fct_findings_add (
      findings, "header-malformed-line", "%s",
      _ ("A line in the header is neither a field nor a continuation, so the header ends "
         "there for authentication checks; what follows may still be displayed as header "
         "fields (a hidden From, for example). Fix the software that wrote it."));
  fct_finding_set_evidence (f, line);
}

/* A file whose lines end in CR alone (classic Mac OS clients saved mail so) was read as
 * the CRLF message it stands for; said, because sent as it is, with bare CRs, it is
 * refused by SMTP servers (RFC 5321 §2.3.8) and its signatures break. */
static void
check_line_ends (const FctMsg *msg, FctFindings *findings)
{
  if (fct_msg_get_flags (msg) & FCT_MSG_FLAG_CR_ONLY)
    fct_findings_add (
        findings, "message-cr-line-ends", "%s",
        _ ("Every line of this message ends with a CR alone, as old Mac clients saved "
           "mail: it was read as the same message with CRLF line ends, the form it has "
           "when sent. Sent with bare CRs, SMTP servers refuse it (RFC 5321 §2.3.8); "
           "save or send it with CRLF line ends."));
}

/* A header over the parser's limits was read in part (fields past the count skipped, an
 * over-long field's value left empty), so that padding cannot stop the report; what was
 * left out could hold anything, and padding a header to blind filters is an attacker's
 * move, hence a warning and a suspicious message. */
static void
check_over_limits (const FctMsg *msg, FctFindings *findings)
{
  const FctMsgOverLimits *o = fct_msg_get_over_limits (msg);
  g_autoptr (GString) detail = g_string_new (NULL);
  g_autoptr (GString) evidence = g_string_new (NULL);

  if (o->fields > o->fields_max)
    {
      g_string_append_printf (
          detail,
          _ ("The header has %u fields, over the limit of %u from “%s” on line %u: %u "
             "fields past it were not read (the first From, Subject, DKIM-Signature, ARC "
             "and other fields the checks use are read wherever they are, and a second "
             "From past the limit still counts). "),
          o->fields, o->fields_max, o->past_first_name, o->past_first_line, o->skipped);
      g_string_append_printf (evidence, _ ("%s (line %u)"), o->past_first_name,
                              o->past_first_line);
    }
  if (o->too_long > 0)
    {
      g_string_append_printf (
          detail,
          g_dngettext (GETTEXT_PACKAGE,
                       "The field “%s” on line %u is %zu bytes, over the limit of %zu for "
                       "one field (%u field is over it): its value was not read. ",
                       "The field “%s” on line %u is %zu bytes, over the limit of %zu for "
                       "one field (%u fields are over it): their values were not read. ",
                       o->too_long),
          o->too_long_first_name, o->too_long_first_line, o->too_long_first_bytes,
          o->field_max_bytes, o->too_long);
      if (evidence->len > 0)
        g_string_append (evidence, ", ");
      g_string_append_printf (evidence, _ ("%s (line %u)"), o->too_long_first_name,
                              o->too_long_first_line);
    }
  if (detail->len == 0)
    return;
  g_string_append (detail, _ ("DKIM and ARC cannot be verified over a header not read "
                              "whole: they fail. "));
  g_string_append (detail,
                   _ ("Ordinary mail has a few dozen fields of a few hundred bytes: a "
                      "header padded this far is made to hide content from filters."));
  FctFinding *f = fct_findings_add (findings, "header-over-limits", "%s", detail->str);
  fct_finding_set_evidence (f, evidence->str);
}

void
fct_check_header_findings (const FctMsg *msg, gint64 now, FctFindings *findings)
{
  check_over_limits (msg, findings);
  check_line_ends (msg, findings);
  check_header_section (msg, findings);
  check_date (msg, now, findings);
  check_message_id (msg, findings);
  check_from (msg, findings);
  check_8bit (msg, findings);
}
