/* facteur — what a domain's aggregate reports say, per sending source: who sends in its
 * name, whether each passes DMARC (RFC 9989 §4.4: aligned SPF or aligned DKIM), and
 * which group it falls in: the domain's own senders that pass, its senders that fail
 * (with the fix), forwarders (RFC 9989 §7.4: forwarding breaks SPF, DKIM or ARC carry
 * the message) and spoofers; then whether the policy can move to quarantine or reject
 * (RFC 9989 §7.1 advises watching reports under p=none first). */
#include "reports-private.h"

#include <gio/gio.h>
#include <string.h>

/* Reverse lookups for at most this many sources, the busiest: a spoofing campaign can
 * bring thousands of addresses that each cost a query. */
#define REVERSE_MAX 100
/* RFC 9989 §7.1 suggests reports over a period covering the domain's mail cycles; a week
 * sees weekly newsletters and invoices at least once. */
#define READY_SPAN_SECONDS (7 * 24 * 3600)

const char *
fct_reports_source_category_to_string (FctReportsSourceCategory category)
{
  switch (category)
    {
    case FCT_REPORTS_SOURCE_COMPLIANT:
      return "compliant";
    case FCT_REPORTS_SOURCE_FORWARDER:
      return "forwarder";
    case FCT_REPORTS_SOURCE_FAILING_SENDER:
      return "failing_sender";
    case FCT_REPORTS_SOURCE_SPOOFER:
      return "spoofer";
    }
  g_return_val_if_reached ("spoofer");
}

const char *
fct_reports_readiness_to_string (FctReportsReadiness readiness)
{
  switch (readiness)
    {
    case FCT_REPORTS_READY_NO_DATA:
      return "no_data";
    case FCT_REPORTS_READY_NOT_ENOUGH:
      return "not_enough_data";
    case FCT_REPORTS_READY_NOT_YET:
      return "not_ready";
    case FCT_REPORTS_READY_QUARANTINE:
      return "quarantine";
    case FCT_REPORTS_READY_REJECT:
      return "reject";
    }
  g_return_val_if_reached ("no_data");
}

void
fct_reports_summary_free (FctReportsSummary *s)
{
  if (s == NULL)
    return;
  g_free (s->domain);
  if (s->sources != NULL)
    g_ptr_array_unref (s->sources);
  g_free (s->readiness_reason);
  g_free (s);
}

static gboolean
ours (const char *name, const char *domain)
{
  return name != NULL
         && (g_ascii_strcasecmp (name, domain) == 0
             || fct_reports_domain_under (name, domain));
}

static char *
reverse_name (FctResolver *resolver, const char *ip)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (ip);
  g_autofree char *qname = NULL;
  g_autoptr (FctDnsAnswer) answer = NULL;

  if (addr == NULL)
    return NULL;
  qname = fct_dns_reverse_name (g_inet_address_to_bytes (addr),
                                g_inet_address_get_native_size (addr));
  answer = fct_resolver_query (resolver, qname, FCT_DNS_TYPE_PTR);
  if (!fct_dns_answer_has_records (answer))
    return NULL;
  return g_strdup (((FctDnsRecord *)g_ptr_array_index (answer->records, 0))->target);
}

static void
categorize (FctReportsSource *src, const char *domain)
{
  gint64 failing = src->messages - src->dmarc_pass;
  const char *provider = NULL, *include = NULL;
  gboolean known = fct_reports_provider_lookup (src->reverse_name, src->spf_domain,
                                                src->dkim_domain, &provider, &include);

  if (known)
    {
      src->organization = g_strdup (provider);
      src->spf_include = g_strdup (include);
    }
  if (failing <= 0)
    {
      /* Passing through DKIM alone is the normal way of a sending service (its MAIL FROM
       * is its own bounce domain); for an unknown server with SPF failing it is what
       * forwarding leaves (RFC 9989 §7.4). */
      src->category
          = src->spf_aligned >= src->messages || known || ours (src->spf_domain, domain)
                ? FCT_REPORTS_SOURCE_COMPLIANT
                : FCT_REPORTS_SOURCE_FORWARDER;
      return;
    }
  /* The receiver says it let the message through as forwarded, from a list, or on ARC
   * (RFC 9990 §2.1 PolicyOverrideType). */
  if (src->forwarded * 2 >= failing)
    {
      src->category = FCT_REPORTS_SOURCE_FORWARDER;
      return;
    }
  /* The domain's own signature reached the receiver broken, through a server that is
   * not the domain's (its SPF is another domain's): a list or a forwarder that rewrote
   * the message (RFC 9989 §7.4, RFC 6377). */
  if (src->dkim_broken * 2 >= failing && !known && !ours (src->spf_domain, domain)
      && src->dmarc_pass == 0)
    {
      src->category = FCT_REPORTS_SOURCE_FORWARDER;
      return;
    }
  /* One of the domain's senders: a known sending service, a server whose mail passes at
   * times, or one that authenticates as the domain with a broken SPF or DKIM. */
  if (known || src->dmarc_pass > 0 || ours (src->spf_domain, domain)
      || ours (src->dkim_domain, domain))
    {
      src->category = FCT_REPORTS_SOURCE_FAILING_SENDER;
      if (known)
        src->fix = g_strdup_printf (
            _ ("%s sends for %s without passing DMARC: add “include:%s” to the SPF record "
               "of the envelope domain, and turn on DKIM signing for %s in %s (publish the "
               "key it gives)."),
            provider, domain, include, domain, provider);
      else if (ours (src->dkim_domain, domain) && src->dkim_selector != NULL)
        src->fix = g_strdup_printf (
            _ ("DKIM fails for selector “%s”: publish the server's public key at "
               "%s._domainkey.%s, or fix its signing."),
            src->dkim_selector, src->dkim_selector, src->dkim_domain);
      else
        src->fix = g_strdup_printf (
            _ ("Some of this server's messages fail: authorize %s in the SPF record of %s "
               "(ip4:/ip6:) and sign all its mail with DKIM for %s."),
            src->ip, domain, domain);
      return;
    }
  src->category = FCT_REPORTS_SOURCE_SPOOFER;
}

static void
readiness (FctReportsSummary *s)
{
  gint64 failing_senders = 0, failing_messages = 0, forwarded_failing = 0;

  for (guint i = 0; i < s->sources->len; i++)
    {
      const FctReportsSource *src = g_ptr_array_index (s->sources, i);
      if (src->category == FCT_REPORTS_SOURCE_FAILING_SENDER)
        {
          failing_senders++;
          failing_messages += src->messages - src->dmarc_pass;
        }
      else if (src->category == FCT_REPORTS_SOURCE_FORWARDER)
        forwarded_failing += src->messages - src->dmarc_pass;
    }
  if (s->reports == 0)
    {
      s->readiness = FCT_REPORTS_READY_NO_DATA;
      s->readiness_reason
          = g_strdup_printf (_ ("No aggregate report for %s yet: publish "
                                "rua= in its DMARC record and wait a few days."),
                             s->domain);
    }
  else if (failing_senders > 0)
    {
      s->readiness = FCT_REPORTS_READY_NOT_YET;
      s->readiness_reason = g_strdup_printf (
          g_dngettext (
              GETTEXT_PACKAGE,
              "Not yet: %" G_GINT64_FORMAT " of your sending sources fails DMARC "
              "(%" G_GINT64_FORMAT " messages); quarantine would send its mail to spam. "
              "Apply the fixes below first.",
              "Not yet: %" G_GINT64_FORMAT " of your sending sources fail DMARC "
              "(%" G_GINT64_FORMAT " messages); quarantine would send their mail to "
              "spam. Apply the fixes below first.",
              (gulong)failing_senders),
          failing_senders, failing_messages);
    }
  else if (s->last - s->first < READY_SPAN_SECONDS)
    {
      s->readiness = FCT_REPORTS_READY_NOT_ENOUGH;
      s->readiness_reason = g_strdup (
          _ ("Your senders pass, but the reports cover less than a week: wait for a full "
             "week of reports before tightening the policy."));
    }
  else if (forwarded_failing > 0)
    {
      s->readiness = FCT_REPORTS_READY_QUARANTINE;
      s->readiness_reason = g_strdup_printf (
          _ ("Ready for p=quarantine: your senders pass. %" G_GINT64_FORMAT " forwarded "
             "messages fail DMARC and would be lost under p=reject; move to reject once "
             "they "
             "are few."),
          forwarded_failing);
    }
  else
    {
      s->readiness = FCT_REPORTS_READY_REJECT;
      s->readiness_reason = g_strdup (
          _ ("Ready for p=reject: your senders pass DMARC and forwarded mail keeps its "
             "DKIM signature. Go through p=quarantine for a week or two first."));
    }
}

FctReportsSummary *
fct_reports_summary_build (FctStore *store, const char *domain, gint64 since,
                           FctResolver *resolver, GError **error)
{
  g_autoptr (FctReportsSummary) s = g_new0 (FctReportsSummary, 1);
  FctStoreFeedbackTotals totals;

  g_return_val_if_fail (store != NULL && domain != NULL, NULL);
  s->domain = g_ascii_strdown (domain, -1);
  s->sources = fct_store_feedback_sources (store, s->domain, since, &totals, error);
  if (s->sources == NULL)
    return NULL;
  s->reports = totals.reports;
  s->first = totals.first;
  s->last = totals.last;
  s->tlsrpt_reports = totals.tlsrpt_reports;
  s->tlsrpt_successful = totals.tlsrpt_successful;
  s->tlsrpt_failed = totals.tlsrpt_failed;
  s->failure_reports = totals.failure_reports;
  for (guint i = 0; i < s->sources->len; i++)
    {
      FctReportsSource *src = g_ptr_array_index (s->sources, i);
      s->messages += src->messages;
      s->dmarc_pass += src->dmarc_pass;
      if (resolver != NULL && i < REVERSE_MAX)
        src->reverse_name = reverse_name (resolver, src->ip);
      categorize (src, s->domain);
    }
  readiness (s);
  return g_steal_pointer (&s);
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

JsonNode *
fct_reports_summary_to_json (const FctReportsSummary *s)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (s != NULL, NULL);
  json_builder_begin_object (b);
  add_string (b, "domain", s->domain);
  add_int (b, "reports", s->reports);
  add_int (b, "messages", s->messages);
  add_int (b, "dmarc_pass", s->dmarc_pass);
  add_int (b, "first", s->first);
  add_int (b, "last", s->last);
  json_builder_set_member_name (b, "readiness");
  json_builder_begin_object (b);
  add_string (b, "answer", fct_reports_readiness_to_string (s->readiness));
  add_string (b, "reason", s->readiness_reason);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "sources");
  json_builder_begin_array (b);
  for (guint i = 0; i < s->sources->len; i++)
    {
      const FctReportsSource *src = g_ptr_array_index (s->sources, i);
      json_builder_begin_object (b);
      add_string (b, "ip", src->ip);
      add_string (b, "reverse_name", src->reverse_name);
      add_string (b, "organization", src->organization);
      add_int (b, "messages", src->messages);
      add_int (b, "dmarc_pass", src->dmarc_pass);
      add_int (b, "spf_aligned", src->spf_aligned);
      add_int (b, "dkim_aligned", src->dkim_aligned);
      add_int (b, "spf_pass", src->spf_pass);
      add_int (b, "dkim_pass", src->dkim_pass);
      add_int (b, "forwarded", src->forwarded);
      add_int (b, "dkim_broken", src->dkim_broken);
      add_string (b, "spf_domain", src->spf_domain);
      add_string (b, "dkim_domain", src->dkim_domain);
      add_string (b, "dkim_selector", src->dkim_selector);
      add_string (b, "category", fct_reports_source_category_to_string (src->category));
      add_string (b, "spf_include", src->spf_include);
      add_string (b, "fix", src->fix);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "tlsrpt");
  json_builder_begin_object (b);
  add_int (b, "reports", s->tlsrpt_reports);
  add_int (b, "successful_sessions", s->tlsrpt_successful);
  add_int (b, "failed_sessions", s->tlsrpt_failed);
  json_builder_end_object (b);
  add_int (b, "failure_reports", s->failure_reports);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
