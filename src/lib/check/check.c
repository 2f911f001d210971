/* facteur check — the orchestration: SPF, DKIM, ARC and the DNSBL queries start at once
 * on the asynchronous resolver; the content analysis runs while they are in flight; the
 * URI blocklist queries follow from its link domains; DMARC starts when SPF and DKIM have
 * answered; then the header, size, bulk and IBAN-history checks, the score and the
 * Authentication-Results value (RFC 8601). */
#include "check-private.h"

#include <facteur/sync.h>
#include <glib/gi18n-lib.h>
#include <string.h>

G_DEFINE_QUARK (fct - check - error - quark, fct_check_error)

typedef struct
{
  FctMsg *msg;
  FctResolver *resolver;
  FctCheckOptions options;
  const FctLimits *limits;
  gint64 now;
  GCancellable *cancellable;
  FctCheckReport *report;
  FctAnalysis *analysis;
  guint8 ip[16];
  gsize ip_len;
  guint pending; /* asynchronous steps not finished, plus one while starting */
  gboolean spf_done, dkim_done, arc_done;
  GError *error; /* the first error; the check ends with it */
  /* The verifiers being ended (fed by the caller, or here from msg). */
  FctDkimVerifier *dkim_verifier;
  FctArcVerifier *arc_verifier;
  guint blocklists_pending; /* blocklist queries among the pending steps */
  /* options.wait_max_ms: the timer, then TRUE once it fired (late answers are
   * dropped: SPF's and the blocklists' steps were counted out when it fired). */
  GSource *cut_timer;
  gboolean cut;
  gboolean dmarc_started;
} Job;

static void
listing_free (FctCheckListing *listing)
{
  if (listing == NULL)
    return;
  g_free (listing->zone);
  g_free (listing->subject);
  g_free (listing->code);
  g_free (listing->meaning);
  g_free (listing);
}

void
fct_check_report_free (FctCheckReport *report)
{
  if (report == NULL)
    return;
  fct_spf_verdict_free (report->spf);
  fct_dkim_verify_result_free (report->dkim);
  fct_dmarc_verdict_free (report->dmarc);
  g_free (report->dmarc_error);
  fct_arc_verify_result_free (report->arc);
  g_free (report->client_ip);
  g_free (report->mail_from);
  g_free (report->sender_domain);
  g_free (report->authentication_results);
  fct_findings_free (report->findings);
  if (report->threat_findings != NULL)
    g_ptr_array_unref (report->threat_findings);
  g_ptr_array_unref (report->listings);
  g_free (report);
}

const char *
fct_check_report_spf_result (const FctCheckReport *report)
{
  return report->spf != NULL ? fct_spf_result_to_string (report->spf->result) : "none";
}

const char *
fct_check_report_dkim_result (const FctCheckReport *report)
{
  return fct_dkim_result_to_string (fct_dkim_verify_result_summary (report->dkim));
}

const char *
fct_check_report_dmarc_result (const FctCheckReport *report)
{
  return report->dmarc != NULL ? fct_dmarc_result_to_string (report->dmarc->result)
                               : "permerror";
}

const char *
fct_check_report_arc_result (const FctCheckReport *report)
{
  return fct_arc_cv_to_string (report->arc->cv);
}

static void
job_free (Job *job)
{
  fct_msg_unref (job->msg);
  fct_resolver_unref (job->resolver);
  g_clear_object (&job->cancellable);
  fct_check_report_free (job->report);
  fct_analysis_free (job->analysis);
  g_clear_error (&job->error);
  if (job->dkim_verifier != NULL)
    fct_dkim_verifier_unref (job->dkim_verifier);
  if (job->arc_verifier != NULL)
    fct_arc_verifier_unref (job->arc_verifier);
  if (job->cut_timer != NULL)
    {
      g_source_destroy (job->cut_timer);
      g_source_unref (job->cut_timer);
    }
  g_free (job);
}

static FctDmarcAuthResult
dmarc_from_spf (FctSpfResult r)
{
  switch (r)
    {
    case FCT_SPF_RESULT_PASS:
      return FCT_DMARC_AUTH_PASS;
    case FCT_SPF_RESULT_FAIL:
      return FCT_DMARC_AUTH_FAIL;
    case FCT_SPF_RESULT_SOFTFAIL:
      return FCT_DMARC_AUTH_SOFTFAIL;
    case FCT_SPF_RESULT_NEUTRAL:
      return FCT_DMARC_AUTH_NEUTRAL;
    case FCT_SPF_RESULT_TEMPERROR:
      return FCT_DMARC_AUTH_TEMPERROR;
    case FCT_SPF_RESULT_PERMERROR:
      return FCT_DMARC_AUTH_PERMERROR;
    case FCT_SPF_RESULT_NONE:
      break;
    }
  return FCT_DMARC_AUTH_NONE;
}

static FctDmarcAuthResult
dmarc_from_dkim (FctDkimResult r)
{
  switch (r)
    {
    case FCT_DKIM_RESULT_PASS:
      return FCT_DMARC_AUTH_PASS;
    case FCT_DKIM_RESULT_FAIL:
      return FCT_DMARC_AUTH_FAIL;
    case FCT_DKIM_RESULT_NEUTRAL:
      return FCT_DMARC_AUTH_NEUTRAL;
    case FCT_DKIM_RESULT_POLICY:
      return FCT_DMARC_AUTH_POLICY;
    case FCT_DKIM_RESULT_TEMPERROR:
      return FCT_DMARC_AUTH_TEMPERROR;
    case FCT_DKIM_RESULT_PERMERROR:
      return FCT_DMARC_AUTH_PERMERROR;
    case FCT_DKIM_RESULT_NONE:
      break;
    }
  return FCT_DMARC_AUTH_NONE;
}

/* ---------------------------------------------------------------- IBAN history */

/* The key of the message in the IBAN history, so that checking it again (the milter
 * and then a user, a retry) does not make its own IBAN "known": its Message-ID (RFC 5322
 * §3.6.4: unique per message), else a digest of its body, which relays do not change.
 * (transfer full) */
static char *
message_key (FctMsg *msg)
{
  const FctMsgHeader *id = fct_msg_find_header (msg, "Message-ID", 0);
  FctSlice body;

  if (id != NULL)
    {
      g_autofree char *value = g_strstrip (g_strdup (id->value));
      if (value[0] != '\0')
        return g_strconcat ("id:", value, NULL);
    }
  body = fct_msg_get_body (msg);
  g_autofree char *digest
      = g_compute_checksum_for_data (G_CHECKSUM_SHA256, body.ptr, body.len);
  return g_strconcat ("body:", digest, NULL);
}

/* The history is kept per organization, the registrable domain by the public suffix
 * list (mail from factures.example.fr and example.fr is one supplier's). Not DMARC's
 * organizational domain, which RFC 9989 finds by a DNS tree walk: the key of a sender's
 * history must not move when a _dmarc record appears. */
static char *
history_domain (const FctCheckReport *report)
{
  char *org = fct_dmarc_psl_organizational_domain (report->sender_domain, NULL);

  return org != NULL ? org : g_ascii_strdown (report->sender_domain, -1);
}

static void
history_unavailable (FctCheckReport *report, const char *reason)
{
  FctFinding *f = fct_findings_add (
      report->findings, "iban-history-unavailable",
      _ ("The bank-account history could not be read (%s): this report does not say "
         "whether the sender's accounts are new. Check the database file and its key."),
      reason);
  fct_finding_set_evidence (f, reason);
}

/* iban-new-for-sender, iban-first-for-sender. Only an authenticated sender's IBANs are
 * recorded (DMARC pass): otherwise a forger could make its own account "known" by
 * spoofing the domain first. A store that fails gives the report without history and
 * iban-history-unavailable, not an error: the reader still needs the rest. */
static void
iban_history (Job *job)
{
  FctCheckReport *report = job->report;
  g_autoptr (GString) fresh = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *key = NULL;
  gboolean authenticated
      = report->dmarc != NULL && report->dmarc->result == FCT_DMARC_RESULT_PASS;
  guint n = fct_analysis_get_iban_count (job->analysis), n_new = 0, others = 0;
  FctFinding *f;

  if (job->options.store == NULL && job->options.store_error != NULL)
    {
      history_unavailable (report, job->options.store_error);
      return;
    }
  if (job->options.store == NULL || n == 0 || report->sender_domain == NULL)
    return;
  domain = history_domain (report);
  key = message_key (job->msg);
  for (guint i = 0; i < n; i++)
    {
      const char *iban = fct_analysis_get_iban (job->analysis, i);
      g_autoptr (GError) failure = NULL;
      FctStoreIbanSighting seen = { 0 };
      gboolean ok;

      /* A payment confirmation quotes the reader's own account: not the sender's. */
      if (fct_analysis_get_iban_is_readers (job->analysis, i))
        continue;
      ok = authenticated ? fct_store_iban_record (job->options.store, domain, iban, key,
                                                  job->now, &seen, &failure)
                         : fct_store_iban_lookup (job->options.store, domain, iban, key,
                                                  &seen, &failure);
      /* The other IBANs are still offered to the store: one that keeps what it could
       * not write for later (fct_store_open_resilient) must see each of them. */
      if (!ok)
        {
          if (error == NULL)
            error = g_steal_pointer (&failure);
          continue;
        }
      if (seen.known)
        continue;
      others = MAX (others, seen.others);
      if (n_new++ > 0)
        g_string_append (fresh, ", ");
      g_string_append (fresh, iban);
    }
  if (error != NULL)
    {
      history_unavailable (report, error->message);
      return;
    }
  if (n_new == 0)
    return;
  if (others > 0)
    f = fct_findings_add (report->findings, "iban-new-for-sender",
                          _ ("%s has sent other bank accounts before (%u) but never this "
                             "one: %s. Confirm the change by telephone with a number you "
                             "already had before paying."),
                          domain, others, fresh->str);
  else
    f = fct_findings_add (report->findings, "iban-first-for-sender",
                          _ ("No earlier message from %s gave a bank account: %s is the "
                             "first%s. Confirm it through another channel before the first "
                             "payment."),
                          domain, fresh->str,
                          authenticated ? _ (", now recorded")
                                        : _ (", not recorded because the sender is not "
                                             "authenticated"));
  fct_finding_set_evidence (f, fresh->str);
}

/* ---------------------------------------------------------------- completion */

static void
finish (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  FctCheckReport *report = job->report;

  if (job->cut_timer != NULL)
    {
      g_source_destroy (job->cut_timer);
      g_clear_pointer (&job->cut_timer, g_source_unref);
    }
  if (job->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&job->error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  if (report->dmarc != NULL && report->dmarc->author_domain != NULL)
    report->sender_domain = g_strdup (report->dmarc->author_domain);
  else if (fct_analysis_get_author_domain (job->analysis) != NULL)
    report->sender_domain = g_strdup (fct_analysis_get_author_domain (job->analysis));

  fct_check_auth_findings (report, report->findings);
  if (report->dkim != NULL)
    fct_check_body_length_findings (job->msg, report->dkim, report->findings);
  fct_check_header_findings (job->msg, job->now, report->findings);
  report->received_size = fct_check_received_size (job->msg);
  fct_check_size_findings (report->received_size, report->findings);
  fct_check_transport_findings (job->options.tls_version, report->findings);
  fct_check_bulk_findings (
      job->msg, report->dkim,
      job->options.bulk_recipients_min > 0 ? job->options.bulk_recipients_min : 20,
      report->findings);

  gboolean ip_listed = FALSE, link_listed = FALSE;
  g_autoptr (GString) ip_detail = g_string_new (NULL);
  g_autoptr (GString) link_detail = g_string_new (NULL);
  for (guint i = 0; i < report->listings->len; i++)
    {
      const FctCheckListing *l = g_ptr_array_index (report->listings, i);
      GString *s = l->link ? link_detail : ip_detail;
      if (s->len > 0)
        g_string_append (s, "; ");
      g_string_append_printf (s, "%s in %s: %s", l->subject, l->zone, l->meaning);
      if (l->link)
        link_listed = TRUE;
      else
        ip_listed = TRUE;
    }
  if (ip_listed)
    fct_finding_set_evidence (
        fct_findings_add (report->findings, "ip-blocklisted",
                          _ ("The sending server %s is on a blocklist (%s). Find and stop "
                             "the cause, then ask each list for removal."),
                          report->client_ip, ip_detail->str),
        ip_detail->str);
  if (link_listed)
    fct_finding_set_evidence (
        fct_findings_add (report->findings, "link-domain-blocklisted",
                          _ ("The message links to a blocklisted domain (%s). Remove the "
                             "link; if the domain is yours, clean it and ask for "
                             "removal."),
                          link_detail->str),
        link_detail->str);

  iban_history (job);

  report->authentication_results = fct_check_authres_build (
      report, job->options.authserv_id != NULL ? job->options.authserv_id : "facteur",
      report->client_ip, job->options.helo);
  fct_findings_sort (report->findings);
  report->score = fct_findings_score (report->findings);
  report->threat = fct_findings_threat (report->findings, &report->threat_findings);
  if (report->threat == FCT_THREAT_DANGEROUS)
    fct_findings_withhold_sender_advice (report->findings);
  g_task_return_pointer (task, g_steal_pointer (&job->report),
                         (GDestroyNotify)fct_check_report_free);
}

/* One asynchronous step ended; the last one completes the task. */
static void
step_done (GTask *task)
{
  Job *job = g_task_get_task_data (task);

  g_assert (job->pending > 0);
  if (--job->pending == 0)
    finish (task);
  g_object_unref (task);
}

static GTask *
step_begin (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  job->pending++;
  return g_object_ref (task);
}

/* ---------------------------------------------------------------- DMARC */

static void
dmarc_done (FctDmarcVerdict *verdict, const GError *error, gpointer user_data)
{
  GTask *task = user_data;
  Job *job = g_task_get_task_data (task);

  job->report->dmarc = verdict;
  if (error != NULL)
    job->report->dmarc_error = g_strdup (error->message);
  step_done (task);
}

static void
maybe_start_dmarc (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  FctCheckReport *report = job->report;
  g_autoptr (GArray) dkim = g_array_new (FALSE, TRUE, sizeof (FctDmarcDkimInput));
  FctDmarcInputs inputs = { 0 };
  FctDmarcOptions options = { .limits = job->limits };

  if (!job->spf_done || !job->dkim_done || job->dmarc_started)
    return;
  job->dmarc_started = TRUE;
  for (guint i = 0; i < report->dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (report->dkim->signatures, i);
      FctDmarcDkimInput in = { dmarc_from_dkim (s->result), s->domain, s->selector };
      g_array_append_val (dkim, in);
    }
  inputs.msg = job->msg;
  inputs.spf_result
      = report->spf != NULL ? dmarc_from_spf (report->spf->result) : FCT_DMARC_AUTH_NONE;
  inputs.mail_from = report->mail_from;
  inputs.helo = job->options.helo;
  inputs.dkim = (const FctDmarcDkimInput *)(gpointer)dkim->data;
  inputs.n_dkim = dkim->len;
  fct_dmarc_evaluate_async (job->resolver, &inputs, &options, dmarc_done,
                            step_begin (task));
}

/* ---------------------------------------------------------------- SPF, DKIM, ARC */

static void
spf_done (FctSpfVerdict *verdict, gpointer user_data)
{
  GTask *task = user_data;
  Job *job = g_task_get_task_data (task);

  if (job->cut && job->spf_done)
    {
      /* Too late: the cut gave SPF its temperror and counted this step out. */
      fct_spf_verdict_free (verdict);
      g_object_unref (task);
      return;
    }
  job->report->spf = verdict;
  job->spf_done = TRUE;
  maybe_start_dmarc (task);
  step_done (task);
}

static void
dkim_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Job *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  (void)source;
  job->report->dkim = fct_dkim_verify_finish (result, &error);
  if (job->report->dkim == NULL)
    {
      /* Only cancellation fails here; keep a report shape for the other steps. */
      job->report->dkim = g_new0 (FctDkimVerifyResult, 1);
      job->report->dkim->signatures = g_ptr_array_new ();
    }
  job->dkim_done = TRUE;
  maybe_start_dmarc (task);
  step_done (task);
}

static void
arc_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Job *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  (void)source;
  job->report->arc = fct_arc_verify_finish (result, &error);
  if (job->report->arc == NULL)
    {
      job->report->arc = g_new0 (FctArcVerifyResult, 1);
      job->report->arc->reason = g_strdup (error != NULL ? error->message : "");
      job->report->arc->sets = g_ptr_array_new ();
    }
  job->arc_done = TRUE;
  step_done (task);
}

/* ---------------------------------------------------------------- the cut */

/* SPF's verdict when its answers did not come in time: temperror (RFC 7208 §2.6.6, "a
 * later retry may succeed"), for the identity it was checking. */
static FctSpfVerdict *
spf_cut_verdict (const Job *job)
{
  FctSpfVerdict *v = g_new0 (FctSpfVerdict, 1);
  const char *sender = job->report->mail_from;
  const char *at = sender != NULL ? strrchr (sender, '@') : NULL;

  v->result = FCT_SPF_RESULT_TEMPERROR;
  v->domain = g_ascii_strdown (at != NULL       ? at + 1
                               : sender != NULL ? sender
                                                : job->options.helo,
                               -1);
  v->reason = g_strdup_printf ("no answer within the %u ms the time budget gives DNS",
                               job->options.wait_max_ms);
  v->trace = g_ptr_array_new ();
  return v;
}

/* options.wait_max_ms is spent: the check goes on with the answers it has. SPF reads
 * temperror, DKIM signatures and ARC sets whose keys have not arrived read temperror
 * (a DNS failure), the blocklist queries not answered are left out, and DMARC is
 * evaluated on what is in: an aligned DKIM pass needs no SPF (RFC 9989 §4.4), and an
 * SPF that could not align cannot change a failure. DMARC's own queries, started with
 * the check (its record is asked for at once), are still waited for. */
static gboolean
cut_waiting (gpointer user_data)
{
  GTask *task = user_data;
  Job *job = g_task_get_task_data (task);
  FctCheckReport *report = job->report;

  g_clear_pointer (&job->cut_timer, g_source_unref);
  job->cut = TRUE;
  step_begin (task); /* held while cutting: the steps below may finish the check */
  if (!job->spf_done)
    {
      report->spf = spf_cut_verdict (job);
      report->cut_short |= FCT_CHECK_CUT_SPF;
      job->spf_done = TRUE;
      job->pending--; /* SPF's step; its late answer only drops its reference */
    }
  if (job->blocklists_pending > 0)
    {
      report->cut_short |= FCT_CHECK_CUT_BLOCKLISTS;
      job->pending -= job->blocklists_pending;
      job->blocklists_pending = 0;
    }
  if (!job->dkim_done && job->dkim_verifier != NULL
      && fct_dkim_verifier_cut (job->dkim_verifier))
    report->cut_short |= FCT_CHECK_CUT_DKIM;
  if (!job->arc_done && job->arc_verifier != NULL
      && fct_arc_verifier_cut (job->arc_verifier))
    report->cut_short |= FCT_CHECK_CUT_ARC;
  maybe_start_dmarc (task);
  step_done (task);
  return G_SOURCE_REMOVE;
}

char *
fct_check_cut_to_string (FctCheckCut cut)
{
  static const char *const names[] = { "spf", "dkim", "arc", "blocklists" };
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (cut & (1u << i))
      g_string_append_printf (s, "%s%s", s->len > 0 ? "," : "", names[i]);
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------- blocklists */

typedef struct
{
  GTask *task;
  gboolean link;
  char *zone;
  char *subject;
} BlocklistQuery;

static void
blocklist_done (FctDnsAnswer *answer, gpointer user_data)
{
  BlocklistQuery *q = user_data;
  Job *job = g_task_get_task_data (q->task);

  if (job->cut)
    {
      /* Counted out by the cut; the answer is dropped. */
      g_object_unref (q->task);
      g_free (q->zone);
      g_free (q->subject);
      g_free (q);
      return;
    }
  job->blocklists_pending--;
  for (guint i = 0; answer->rcode == FCT_DNS_RCODE_NOERROR && i < answer->records->len; i++)
    {
      const FctDnsRecord *r = g_ptr_array_index (answer->records, i);
      g_autofree char *meaning = NULL;
      gboolean listed = q->link ? fct_check_uribl_decode (q->zone, r->addr, &meaning)
                                : fct_check_dnsbl_decode (q->zone, r->addr, &meaning);
      if (!listed)
        continue;
      FctCheckListing *l = g_new0 (FctCheckListing, 1);
      l->link = q->link;
      l->zone = g_strdup (q->zone);
      l->subject = g_strdup (q->subject);
      l->code
          = g_strdup_printf ("%u.%u.%u.%u", r->addr[0], r->addr[1], r->addr[2], r->addr[3]);
      l->meaning = g_steal_pointer (&meaning);
      g_ptr_array_add (job->report->listings, l);
      break; /* one code per zone and subject is enough to tell */
    }
  GTask *task = q->task;
  g_free (q->zone);
  g_free (q->subject);
  g_free (q);
  step_done (task);
}

static void
blocklist_query (GTask *task, gboolean link, const char *zone, const char *subject,
                 const char *name)
{
  Job *job = g_task_get_task_data (task);
  BlocklistQuery *q = g_new0 (BlocklistQuery, 1);

  q->task = step_begin (task);
  q->link = link;
  q->zone = g_strdup (zone);
  q->subject = g_strdup (subject);
  job->report->blocklist_queries++;
  job->blocklists_pending++;
  fct_resolver_query_async (job->resolver, name, FCT_DNS_TYPE_A, blocklist_done, q);
}

static void
start_dnsbl (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  const char *const *zones = job->options.dnsbl_zones != NULL
                                 ? job->options.dnsbl_zones
                                 : fct_check_default_dnsbl_zones ();

  for (guint i = 0; zones[i] != NULL; i++)
    {
      g_autofree char *name = fct_check_dnsbl_name (job->ip, job->ip_len, zones[i]);
      blocklist_query (task, FALSE, zones[i], job->report->client_ip, name);
    }
}

static void
start_uribl (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  const char *const *zones = job->options.uribl_zones != NULL
                                 ? job->options.uribl_zones
                                 : fct_check_default_uribl_zones ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = fct_analysis_get_host_count (job->analysis);

  for (guint i = 0; i < n && g_hash_table_size (seen) < job->limits->uribl_domains_max; i++)
    {
      const FctAnalysisHost *h = fct_analysis_get_host (job->analysis, i);
      /* URI blocklists list registrable domains (Spamhaus DBL, SURBL, URIBL all ask
       * for the organizational domain); IP literals are not queried there. */
      if (h->ip_literal || h->org_domain == NULL
          || !g_hash_table_add (seen, (gpointer)h->org_domain))
        continue;
      for (guint z = 0; zones[z] != NULL; z++)
        {
          g_autofree char *name = g_strconcat (h->org_domain, ".", zones[z], NULL);
          blocklist_query (task, TRUE, zones[z], h->org_domain, name);
        }
    }
}

/* ---------------------------------------------------------------- entry points */

void
fct_check_async (FctMsg *msg, FctResolver *resolver, const FctCheckOptions *options,
                 GCancellable *cancellable, GAsyncReadyCallback callback,
                 gpointer user_data)
{
  fct_check_with_verifiers_async (msg, resolver, options, NULL, NULL, cancellable, callback,
                                  user_data);
}

static void
feed_dkim (FctSlice raw, FctSlice name, gpointer verifier)
{
  (void)name;
  fct_dkim_verifier_header (verifier, raw.ptr, raw.len);
}

static void
feed_arc (FctSlice raw, FctSlice name, gpointer verifier)
{
  (void)name;
  fct_arc_verifier_header (verifier, raw.ptr, raw.len);
}

static void
dmarc_record_prefetched (FctDnsAnswer *answer, gpointer user_data)
{
  (void)answer;
  (void)user_data;
}

void
fct_check_with_verifiers_async (FctMsg *msg, FctResolver *resolver,
                                const FctCheckOptions *options,
                                FctDkimVerifier *dkim_verifier,
                                FctArcVerifier *arc_verifier, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Job *job;
  FctCheckReport *report;
  g_autoptr (GError) error = NULL;
  g_autofree char *author_domain = NULL;

  g_return_if_fail (msg != NULL && resolver != NULL && options != NULL);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, fct_check_with_verifiers_async);
  job = g_new0 (Job, 1);
  g_task_set_task_data (task, job, (GDestroyNotify)job_free);
  job->msg = fct_msg_ref (msg);
  job->resolver = fct_resolver_ref (resolver);
  job->options = *options;
  job->limits = options->limits != NULL ? options->limits : fct_limits_default ();
  job->now = options->now != 0 ? options->now : g_get_real_time () / G_USEC_PER_SEC;
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;

  if (options->ip == NULL || !fct_spf_ip_parse (options->ip, job->ip, &job->ip_len, NULL))
    {
      g_task_return_new_error (task, FCT_CHECK_ERROR, FCT_CHECK_ERROR_INVALID,
                               _ ("“%s” is not an IPv4 or IPv6 address"),
                               options->ip != NULL ? options->ip : "");
      return;
    }

  report = job->report = g_new0 (FctCheckReport, 1);
  report->findings = fct_findings_new ();
  report->listings = g_ptr_array_new_with_free_func ((GDestroyNotify)listing_free);
  report->client_ip = g_strdup (options->ip);
  report->mail_from = options->mail_from != NULL ? g_strdup (options->mail_from)
                                                 : fct_check_return_path (msg);
  if (report->mail_from != NULL && report->mail_from[0] == '\0')
    g_clear_pointer (&report->mail_from, g_free);

  job->pending = 1; /* held while the steps are being started */
  if (options->wait_max_ms > 0)
    {
      g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
      job->cut_timer = g_timeout_source_new (options->wait_max_ms);
      g_source_set_callback (job->cut_timer, cut_waiting, task, NULL);
      g_source_attach (job->cut_timer, context);
    }
  /* DMARC's first query, the author domain's record, does not depend on SPF or DKIM:
   * asked now, its answer waits in the resolver's cache (or the query in flight is
   * joined) when DMARC starts after them. */
  {
    g_autofree char *reason = NULL;
    author_domain = fct_dmarc_author_domain (msg, &reason);
    if (author_domain != NULL)
      {
        g_autofree char *name = g_strconcat ("_dmarc.", author_domain, NULL);
        fct_resolver_query_async (resolver, name, FCT_DNS_TYPE_TXT, dmarc_record_prefetched,
                                  NULL);
      }
  }

  /* SPF of the MAIL FROM identity (postmaster@HELO for the null sender, RFC 7208 §2.4);
   * without sender nor HELO there is nothing to check. */
  if (report->mail_from != NULL || options->helo != NULL)
    {
      FctSpfRequest request = {
        .ip = options->ip,
        .mail_from = report->mail_from,
        .helo = options->helo,
        .now = job->now,
        .identity = FCT_SPF_IDENTITY_MAIL_FROM,
      };
      GTask *ref = step_begin (task);
      if (!fct_spf_check_async (resolver, job->limits, &request, spf_done, ref, &error))
        {
          /* The address parsed above, so only an odd mail_from gets here: SPF none. */
          job->spf_done = TRUE;
          step_done (ref);
        }
    }
  else
    job->spf_done = TRUE;

  if (dkim_verifier != NULL)
    job->dkim_verifier = fct_dkim_verifier_ref (dkim_verifier);
  else
    {
      FctDkimVerifyOptions dkim
          = { .limits = job->limits, .key_cache = options->key_cache, .now = job->now };
      FctSlice body = fct_msg_get_body (msg);
      /* Every field, those the message skipped past its limit included: the verifier
       * sees what a receiver sees and applies its own limits. */
      job->dkim_verifier = fct_dkim_verifier_new (resolver, &dkim);
      fct_msg_foreach_field (msg, feed_dkim, job->dkim_verifier);
      fct_dkim_verifier_eoh (job->dkim_verifier);
      fct_dkim_verifier_body (job->dkim_verifier, body.ptr, body.len);
    }
  fct_dkim_verifier_eom_async (job->dkim_verifier, cancellable, dkim_done,
                               step_begin (task));
  if (arc_verifier != NULL)
    job->arc_verifier = fct_arc_verifier_ref (arc_verifier);
  else
    {
      FctArcVerifyOptions arc = { .limits = job->limits, .now = job->now };
      FctSlice body = fct_msg_get_body (msg);
      job->arc_verifier = fct_arc_verifier_new (resolver, &arc);
      fct_msg_foreach_field (msg, feed_arc, job->arc_verifier);
      fct_arc_verifier_eoh (job->arc_verifier);
      fct_arc_verifier_body (job->arc_verifier, body.ptr, body.len);
    }
  fct_arc_verifier_eom_async (job->arc_verifier, cancellable, arc_done, step_begin (task));
  start_dnsbl (task);

  /* The content analysis is CPU work: it runs while the queries above are in flight
   * (their callbacks wait for this thread's main context). */
  {
    FctAnalysisOptions analysis = {
      .limits = job->limits,
      .protected_domains = options->protected_domains,
      .protected_brands = options->protected_brands,
      .author_domain = author_domain,
      .extract_helper = options->extract_helper,
    };
    job->analysis = fct_analysis_run (msg, &analysis, report->findings, &error);
    if (job->analysis == NULL)
      job->error = g_steal_pointer (&error);
    else
      start_uribl (task);
  }
  step_done (g_object_ref (task));
}

FctCheckReport *
fct_check_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

FctCheckReport *
fct_check (FctMsg *msg, FctResolver *resolver, const FctCheckOptions *options,
           GError **error)
{
  FctSyncCall call;

  fct_sync_call_begin (&call, FALSE);
  fct_check_async (msg, resolver, options, NULL, fct_sync_call_ready, &call);
  g_autoptr (GAsyncResult) result = fct_sync_call_wait (&call);
  return fct_check_finish (result, error);
}
