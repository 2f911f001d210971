/* facteur milter — the libmilter callbacks: a context per connection (smfi_setpriv, as
 * OpenDKIM hangs its own), each callback handing what the MTA sends to the library
 * (include/facteur/filter.h) and, at the end of the message, applying the decision with
 * smfi_chgheader, smfi_insheader, smfi_replacebody, smfi_quarantine and smfi_setreply.
 *
 * Each message has its own GMainContext, made the thread-default one inside every
 * callback: libmilter may run a connection's callbacks in different threads, and the
 * DKIM and ARC key queries started at the end of the header answer into it. */
#include "milter.h"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

typedef struct
{
  gboolean leadspc;      /* the MTA keeps the space after the colon (SMFIP_HDR_LEADSPC) */
  unsigned long noreply; /* SMFIP_NR_* the MTA agreed to: it does not wait for those */
  char *client_ip;       /* NULL: a local submission (no address) */
  char *helo;
  char *daemon;
  /* The message. */
  FctMilterState *state;
  char *mail_from;
  char *auth;
  char *queue_id;
  gboolean outbound;
  FctFilterMessage *message;
  GMainContext *context;
  GPtrArray *sign_keys; /* FctDkimPrivateKey *, alive as long as the message */
  GString *signing;     /* "d/s" of the keys signing, for the log */
  /* Microseconds spent in this message's callbacks so far (MAIL to the end of the
   * body): the milter's own work, without the waits for the client and the MTA; and the
   * CPU time of the threads that ran them, which a loaded machine does not inflate. */
  gint64 work_us, cpu_us;
} Conn;

/* When a callback began, by the clock and by its thread's CPU. */
typedef struct
{
  gint64 wall, cpu;
} Stopwatch;

/* CPU time of the calling thread in microseconds: libmilter may run a message's
 * callbacks in different threads, and each is measured in its own. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;
  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static Stopwatch
stopwatch_start (void)
{
  return (Stopwatch){ g_get_monotonic_time (), thread_cpu_us () };
}

static void
stopwatch_add (Conn *c, const Stopwatch *w)
{
  c->work_us += g_get_monotonic_time () - w->wall;
  c->cpu_us += thread_cpu_us () - w->cpu;
}

static void
message_reset (Conn *c)
{
  g_clear_pointer (&c->state, fct_milter_state_unref);
  g_clear_pointer (&c->mail_from, g_free);
  g_clear_pointer (&c->auth, g_free);
  g_clear_pointer (&c->queue_id, g_free);
  g_clear_pointer (&c->message, fct_filter_message_unref);
  g_clear_pointer (&c->context, g_main_context_unref);
  g_clear_pointer (&c->sign_keys, g_ptr_array_unref);
  if (c->signing != NULL)
    g_string_free (g_steal_pointer (&c->signing), TRUE);
  c->outbound = FALSE;
  c->work_us = 0;
  c->cpu_us = 0;
}

static void
conn_free (Conn *c)
{
  message_reset (c);
  g_free (c->client_ip);
  g_free (c->helo);
  g_free (c->daemon);
  g_free (c);
}

static Conn *
conn_get (SMFICTX *ctx)
{
  Conn *c = smfi_getpriv (ctx);
  if (c == NULL)
    {
      c = g_new0 (Conn, 1);
      smfi_setpriv (ctx, c);
    }
  return c;
}

/* What a step that never refuses answers: nothing, when the MTA agreed to that. */
static sfsistat
go_on (const Conn *c, unsigned long step)
{
  return (c->noreply & step) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static char *
symval (SMFICTX *ctx, const char *name)
{
  const char *v = smfi_getsymval (ctx, (char *)name);
  return v != NULL && v[0] != '\0' ? g_strdup (v) : NULL;
}

static void
take_queue_id (SMFICTX *ctx, Conn *c)
{
  if (c->queue_id == NULL)
    c->queue_id = symval (ctx, "i");
}

/* ---------------------------------------------------------------- connection */

static sfsistat
on_negotiate (SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
              unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
              unsigned long *pf3)
{
  Conn *c = conn_get (ctx);

  (void)f2;
  (void)f3;
  *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE);
  /* The header exactly as sent (DKIM's simple canonicalization hashes the space after
   * the colon); no recipient nor unknown-command callbacks, which we do not use. */
  *pf1 = f1 & (SMFIP_HDR_LEADSPC | SMFIP_NORCPT | SMFIP_NOUNKNOWN | SMFIP_NODATA);
  c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
  /* Nothing is decided before the end of the message: the MTA need not wait for our
   * answer to each step (one round trip per header field otherwise). */
  c->noreply = f1
               & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_HDR
                  | SMFIP_NR_EOH | SMFIP_NR_BODY);
  *pf1 |= c->noreply;
  *pf2 = 0;
  *pf3 = 0;
  return SMFIS_CONTINUE;
}

static sfsistat
on_connect (SMFICTX *ctx, char *hostname, _SOCK_ADDR *addr)
{
  Conn *c = conn_get (ctx);
  char buf[INET6_ADDRSTRLEN] = "";

  (void)hostname;
  if (addr != NULL && addr->sa_family == AF_INET)
    inet_ntop (AF_INET, &((struct sockaddr_in *)(gpointer)addr)->sin_addr, buf, sizeof buf);
  else if (addr != NULL && addr->sa_family == AF_INET6)
    inet_ntop (AF_INET6, &((struct sockaddr_in6 *)(gpointer)addr)->sin6_addr, buf,
               sizeof buf);
  g_free (c->client_ip);
  c->client_ip = buf[0] != '\0' ? g_strdup (buf) : NULL;
  g_free (c->daemon);
  c->daemon = symval (ctx, "{daemon_name}");
  return go_on (c, SMFIP_NR_CONN);
}

static sfsistat
on_helo (SMFICTX *ctx, char *name)
{
  Conn *c = conn_get (ctx);
  g_free (c->helo);
  c->helo = name != NULL && name[0] != '\0' ? g_strdup (name) : NULL;
  return go_on (c, SMFIP_NR_HELO);
}

static sfsistat
on_close (SMFICTX *ctx)
{
  Conn *c = smfi_getpriv (ctx);
  if (c != NULL)
    conn_free (c);
  smfi_setpriv (ctx, NULL);
  return SMFIS_CONTINUE;
}

static sfsistat
on_abort (SMFICTX *ctx)
{
  Conn *c = smfi_getpriv (ctx);
  if (c != NULL)
    message_reset (c);
  return SMFIS_CONTINUE;
}

/* ---------------------------------------------------------------- message */

static sfsistat
on_envfrom (SMFICTX *ctx, char **argv)
{
  Conn *c = conn_get (ctx);
  Stopwatch w = stopwatch_start ();
  message_reset (c);
  c->state = fct_milter_state_get ();
  c->mail_from = fct_filter_envelope_sender (argv != NULL ? argv[0] : NULL);
  c->auth = symval (ctx, "{auth_authen}");
  take_queue_id (ctx, c);
  /* Outbound: an authenticated submission, a client of the internal networks (Postfix
   * shows local submissions as 127.0.0.1), or a client without an address (Sendmail's
   * local submissions). */
  c->outbound = c->auth != NULL || c->client_ip == NULL
                || fct_milter_config_is_internal (c->state->config, c->client_ip);
  c->context = g_main_context_new ();
  FctFilterMessageOptions options = {
    .authserv_id = c->state->config->authserv_id,
    .scan_max_bytes = c->state->config->scan_max_bytes,
    .resolver = c->outbound ? NULL : c->state->resolver,
    .key_cache = fct_milter_state_key_cache (),
    .limits = &c->state->config->limits,
    .verdict_field = c->state->config->verdict_field,
  };
  c->message = fct_filter_message_new (&options);
  stopwatch_add (c, &w);
  return go_on (c, SMFIP_NR_MAIL);
}

static sfsistat
on_header (SMFICTX *ctx, char *name, char *value)
{
  Conn *c = conn_get (ctx);
  if (c->message == NULL)
    return go_on (c, SMFIP_NR_HDR);
  g_autofree char *spaced = NULL;
  /* Without SMFIP_HDR_LEADSPC the MTA dropped the space that nearly every field has. */
  Stopwatch w = stopwatch_start ();
  if (!c->leadspc && value != NULL)
    value = spaced = g_strconcat (" ", value, NULL);
  g_main_context_push_thread_default (c->context);
  fct_filter_message_header (c->message, name, value);
  g_main_context_pop_thread_default (c->context);
  stopwatch_add (c, &w);
  return go_on (c, SMFIP_NR_HDR);
}

/* Outbound: a signature per key of the From domain (or its nearest parent with keys),
 * RSA and Ed25519 alike (RFC 8463 §4 suggests both while verifiers catch up). */
static void
start_signing (Conn *c)
{
  const char *domain = fct_filter_message_get_from_domain (c->message);
  FctMilterState *st = c->state;
  FctMilterSigner *signer = fct_milter_state_signer ();

  if (domain == NULL || signer == NULL)
    return;
  g_autoptr (GArray) found = fct_filter_key_table_lookup (st->keys, domain);
  c->sign_keys
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dkim_private_key_unref);
  c->signing = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    {
      guint index = g_array_index (found, guint, i);
      if ((gint)index == st->arc_key_index && st->arc_key_only)
        continue;
      const FctFilterKey *k = fct_filter_key_table_get (st->keys, index);
      FctDkimPrivateKey *key = fct_milter_signer_key (signer, st->key_generation, index, k);
      FctDkimSignOptions o;
      g_autoptr (GError) error = NULL;
      g_ptr_array_add (c->sign_keys, key);
      fct_dkim_sign_options_init (&o);
      o.domain = k->domain;
      o.selector = k->selector;
      o.key = key;
      if (!fct_filter_message_sign (c->message, &o, &error))
        fct_milter_log (LOG_ERR, "%s: cannot sign for %s: %s",
                        c->queue_id != NULL ? c->queue_id : "NOQUEUE", k->domain,
                        error->message);
      else
        g_string_append_printf (c->signing, "%s%s/%s", c->signing->len > 0 ? "," : "",
                                k->domain, k->selector);
    }
}

static sfsistat
on_eoh (SMFICTX *ctx)
{
  Conn *c = conn_get (ctx);
  if (c->message == NULL)
    return go_on (c, SMFIP_NR_EOH);
  Stopwatch w = stopwatch_start ();
  g_main_context_push_thread_default (c->context);
  fct_filter_message_eoh (c->message);
  if (c->outbound)
    start_signing (c);
  g_main_context_pop_thread_default (c->context);
  stopwatch_add (c, &w);
  return go_on (c, SMFIP_NR_EOH);
}

static sfsistat
on_body (SMFICTX *ctx, unsigned char *data, size_t len)
{
  Conn *c = conn_get (ctx);
  if (c->message == NULL)
    return go_on (c, SMFIP_NR_BODY);
  Stopwatch w = stopwatch_start ();
  g_main_context_push_thread_default (c->context);
  fct_filter_message_body (c->message, data, len);
  g_main_context_pop_thread_default (c->context);
  stopwatch_add (c, &w);
  return go_on (c, SMFIP_NR_BODY);
}

/* ---------------------------------------------------------------- judgement */

/* One message's verification and check, run on its context within the time budget. A
 * judgement that overruns is given up on: a thread of its own drives it to its end
 * (its DNS queries cannot be recalled) and frees it, while the message goes on
 * without a verdict. */
typedef struct
{
  GMainContext *context;
  FctFilterMessage *message;
  FctMilterState *state;
  FctStore *store; /* borrowed: the milter's shared history */
  GCancellable *cancellable;
  FctCheckOptions options;
  char *ip, *helo, *mail_from;
  gboolean done;
  FctCheckReport *report;
  GError *error;
} Judgement;

static void
judgement_free (Judgement *j)
{
  g_main_context_unref (j->context);
  fct_filter_message_unref (j->message);
  fct_milter_state_unref (j->state);
  g_object_unref (j->cancellable);
  g_free (j->ip);
  g_free (j->helo);
  g_free (j->mail_from);
  fct_check_report_free (j->report);
  g_clear_error (&j->error);
  g_free (j);
}

static void
check_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Judgement *j = user_data;
  (void)source;
  j->report = fct_check_finish (result, &j->error);
  j->done = TRUE;
}

static gboolean
budget_spent (gpointer user_data)
{
  gboolean *spent = user_data;
  *spent = TRUE;
  return G_SOURCE_REMOVE;
}

static gpointer
finish_abandoned (gpointer data)
{
  Judgement *j = data;
  g_main_context_push_thread_default (j->context);
  while (!j->done)
    g_main_context_iteration (j->context, TRUE);
  g_main_context_pop_thread_default (j->context);
  judgement_free (j);
  return NULL;
}

/* When the check stops waiting for DNS and judges on the answers it has (SPF, DKIM keys,
 * blocklists: FctCheckCut): early enough in the budget that DMARC's own queries (its
 * record, asked at the start; a tree walk) have a query timeout left, so that a slow DNS
 * server costs a message its late answers, not its verdict. */
static guint
wait_max_ms (const FctMilterConfig *cfg)
{
  if (cfg->time_budget_ms > 2 * cfg->dns_timeout_ms)
    return cfg->time_budget_ms - cfg->dns_timeout_ms;
  return MAX (cfg->time_budget_ms / 2, 1);
}

/* Runs with c->context the thread-default one. Returns (transfer full) the report, or
 * NULL and error. */
static FctCheckReport *
judge (Conn *c, GError **error)
{
  const FctMilterConfig *cfg = c->state->config;
  Judgement *j = g_new0 (Judgement, 1);
  static const char *const none[] = { NULL };
  gboolean spent = FALSE;

  j->context = g_main_context_ref (c->context);
  j->message = fct_filter_message_ref (c->message);
  j->state = fct_milter_state_ref (c->state);
  j->cancellable = g_cancellable_new ();
  j->ip = g_strdup (c->client_ip);
  j->helo = g_strdup (c->helo);
  j->mail_from = g_strdup (c->mail_from != NULL ? c->mail_from : "");
  /* An unreachable database gives the verdict without history, with the finding
   * iban-history-unavailable (in the verdict field); the history logs the outage and
   * keeps the IBANs to record for when the database returns. */
  j->store = fct_milter_state_history ();
  j->options = (FctCheckOptions){
    .ip = j->ip,
    .helo = j->helo,
    .mail_from = j->mail_from,
    .authserv_id = cfg->authserv_id,
    .protected_domains = (const char *const *)cfg->protect,
    .dnsbl_zones = cfg->no_blocklists ? none : (const char *const *)cfg->dnsbl,
    .uribl_zones = cfg->no_blocklists ? none : (const char *const *)cfg->uribl,
    .store = j->store,
    .limits = &cfg->limits,
    .key_cache = fct_milter_state_key_cache (),
    .wait_max_ms = wait_max_ms (cfg),
  };

  GSource *timer = g_timeout_source_new (cfg->time_budget_ms);
  g_source_set_callback (timer, budget_spent, &spent, NULL);
  g_source_attach (timer, c->context);
  fct_filter_message_check_async (c->message, &j->options, j->cancellable, check_ready, j);
  while (!j->done && !spent)
    g_main_context_iteration (c->context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);

  if (!j->done)
    {
      g_cancellable_cancel (j->cancellable);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   _ ("the time budget of %u ms was spent"), cfg->time_budget_ms);
      /* The context moves to the thread that finishes the judgement; the message gets
       * a fresh one. */
      g_main_context_pop_thread_default (c->context);
      g_main_context_unref (c->context);
      c->context = g_main_context_new ();
      g_main_context_push_thread_default (c->context);
      g_thread_unref (g_thread_new ("facteur-abandoned", finish_abandoned, j));
      return NULL;
    }
  FctCheckReport *report = g_steal_pointer (&j->report);
  if (report == NULL)
    g_propagate_error (error, g_steal_pointer (&j->error));
  judgement_free (j);
  return report;
}

/* ---------------------------------------------------------------- end of message */

static const char *
value_for_mta (const Conn *c, const char *value)
{
  /* Our values start with the space after the colon; without SMFIP_HDR_LEADSPC the
   * MTA adds it. */
  return !c->leadspc && value[0] == ' ' ? value + 1 : value;
}

static void
insert_field (SMFICTX *ctx, const Conn *c, const char *field)
{
  /* "Name: value\n" as the signers write it: name and value apart, no final LF. */
  const char *colon = strchr (field, ':');
  if (colon == NULL)
    return;
  g_autofree char *name = g_strndup (field, (gsize)(colon - field));
  g_autofree char *value = g_strdup (colon + 1);
  gsize n = strlen (value);
  while (n > 0 && (value[n - 1] == '\n' || value[n - 1] == '\r'))
    value[--n] = '\0';
  smfi_insheader ((SMFICTX *)ctx, 0, name, (char *)value_for_mta (c, value));
}

static void
apply_edits (SMFICTX *ctx, const Conn *c, const FctFilterDecision *d)
{
  for (guint i = 0; i < d->edits->len; i++)
    {
      const FctFilterEdit *e = g_ptr_array_index (d->edits, i);
      switch (e->kind)
        {
        case FCT_FILTER_EDIT_DELETE:
          smfi_chgheader (ctx, e->name, (int)e->index, NULL);
          break;
        case FCT_FILTER_EDIT_CHANGE:
          smfi_chgheader (ctx, e->name, (int)e->index, (char *)value_for_mta (c, e->value));
          break;
        case FCT_FILTER_EDIT_INSERT:
          if (e->index == G_MAXUINT)
            smfi_addheader (ctx, e->name, (char *)value_for_mta (c, e->value));
          else
            smfi_insheader (ctx, (int)e->index, e->name,
                            (char *)value_for_mta (c, e->value));
          break;
        }
    }
  if (d->body != NULL)
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (d->body, &len);
      /* libmilter sends the body in chunks of at most 64 KiB (MILTER_CHUNK_SIZE). */
      for (gsize off = 0; off < len; off += 65535)
        smfi_replacebody (ctx, (unsigned char *)data + off, (int)MIN (65535, len - off));
    }
  if (d->quarantine)
    smfi_quarantine (ctx, d->quarantine_reason);
}

/* Forwarder: an ARC set over the message as it leaves, recording only what this
 * milter found (RFC 8617 §5.1: the AAR carries the sealer's own results). */
static gboolean
seal (SMFICTX *ctx, Conn *c, const FctFilterDecision *d, const FctCheckReport *r)
{
  FctMilterState *st = c->state;
  FctMilterSigner *signer = fct_milter_state_signer ();
  g_autoptr (GError) error = NULL;

  if (st->arc_key_index < 0 || signer == NULL || r == NULL
      || d->disposition != FCT_FILTER_DISPOSITION_ACCEPT)
    return FALSE;
  g_autoptr (GBytes) final = fct_filter_decision_apply (c->message, d);
  if (final == NULL)
    return FALSE; /* partial: the body that was not kept cannot be signed */
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (final, &st->config->limits, &error);
  if (msg == NULL)
    return FALSE;
  const FctFilterKey *k = fct_filter_key_table_get (st->keys, (guint)st->arc_key_index);
  g_autoptr (FctDkimPrivateKey) key
      = fct_milter_signer_key (signer, st->key_generation, (guint)st->arc_key_index, k);
  const char *results = strchr (r->authentication_results, ';');
  results = results != NULL ? results + 1 : "none";
  while (*results == ' ')
    results++;
  FctArcSealOptions o = {
    .domain = k->domain,
    .selector = k->selector,
    .key = key,
    .authserv_id = st->config->authserv_id,
    .results = results,
    .eol = "\n",
    .limits = &st->config->limits,
  };
  g_autoptr (FctArcSealResult) sealed = fct_arc_seal (msg, r->arc, &o, &error);
  if (sealed == NULL || !sealed->sealed)
    {
      fct_milter_log (LOG_WARNING, "%s: not sealed: %s",
                      c->queue_id != NULL ? c->queue_id : "NOQUEUE",
                      sealed != NULL ? sealed->reason : error->message);
      return FALSE;
    }
  /* Inserted at the top, last first: the seal ends up first. */
  insert_field (ctx, c, sealed->authentication_results);
  insert_field (ctx, c, sealed->message_signature);
  insert_field (ctx, c, sealed->seal);
  fct_milter_count (FCT_MILTER_COUNT_SEALED);
  return TRUE;
}

static sfsistat
eom_outbound (SMFICTX *ctx, Conn *c, const Stopwatch *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) sigs = fct_filter_message_signatures (c->message, &error);
  sfsistat status = SMFIS_CONTINUE;

  fct_milter_count (FCT_MILTER_COUNT_MESSAGES_OUTBOUND);
  if (sigs == NULL)
    {
      fct_milter_count (FCT_MILTER_COUNT_SIGN_ERRORS);
      if (c->state->config->policy.on_error == FCT_FILTER_ACTION_TEMPFAIL)
        {
          smfi_setreply (ctx, "451", "4.3.0",
                         "The message could not be signed; try again later");
          status = SMFIS_TEMPFAIL;
        }
    }
  for (guint i = 0; sigs != NULL && i < sigs->len; i++)
    insert_field (ctx, c, g_ptr_array_index (sigs, i));
  if (sigs != NULL && sigs->len > 0)
    fct_milter_count (FCT_MILTER_COUNT_SIGNED);
  gint64 eom_us = g_get_monotonic_time () - w->wall;
  stopwatch_add (c, w);
  fct_milter_log (LOG_INFO,
                  "%s: outbound daemon=%s client=%s from=<%s> auth=%s signed=%s%s%s "
                  "size=%" G_GUINT64_FORMAT " time=%.3fms work=%.3fms cpu=%.3fms",
                  c->queue_id != NULL ? c->queue_id : "NOQUEUE",
                  c->daemon != NULL ? c->daemon : "-",
                  c->client_ip != NULL ? c->client_ip : "local", c->mail_from,
                  c->auth != NULL ? c->auth : "-",
                  c->signing != NULL && c->signing->len > 0 ? c->signing->str : "none",
                  error != NULL ? " error=" : "", error != NULL ? error->message : "",
                  fct_filter_message_get_size (c->message), eom_us / 1000.0,
                  c->work_us / 1000.0, c->cpu_us / 1000.0);
  return status;
}

static sfsistat
eom_inbound (SMFICTX *ctx, Conn *c, const Stopwatch *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctCheckReport) report = judge (c, &error);
  g_autoptr (FctFilterDecision) d
      = fct_filter_decide (c->message, report, error, &c->state->config->policy);
  sfsistat status = SMFIS_CONTINUE;
  gboolean sealed = FALSE;

  fct_milter_count (FCT_MILTER_COUNT_MESSAGES_INBOUND);
  switch (d->disposition)
    {
    case FCT_FILTER_DISPOSITION_REJECT:
      smfi_setreply (ctx, d->reply_code, d->reply_xcode, d->reply_text);
      status = SMFIS_REJECT;
      fct_milter_count (FCT_MILTER_COUNT_REJECTED);
      break;
    case FCT_FILTER_DISPOSITION_TEMPFAIL:
      smfi_setreply (ctx, d->reply_code, d->reply_xcode, d->reply_text);
      status = SMFIS_TEMPFAIL;
      fct_milter_count (FCT_MILTER_COUNT_TEMPFAILED);
      break;
    case FCT_FILTER_DISPOSITION_ACCEPT:
      apply_edits (ctx, c, d);
      sealed = seal (ctx, c, d, report);
      fct_milter_count (FCT_MILTER_COUNT_ACCEPTED);
      if (d->quarantine)
        fct_milter_count (FCT_MILTER_COUNT_QUARANTINED);
      if (d->actions & (FCT_FILTER_ACTION_PREFIX | FCT_FILTER_ACTION_BANNER))
        fct_milter_count (FCT_MILTER_COUNT_TAGGED);
      break;
    }
  if (report == NULL)
    fct_milter_count (FCT_MILTER_COUNT_UNCHECKED);
  else
    fct_milter_count (report->threat == FCT_THREAT_DANGEROUS ? FCT_MILTER_COUNT_DANGEROUS
                      : report->threat == FCT_THREAT_SUSPICIOUS
                          ? FCT_MILTER_COUNT_SUSPICIOUS
                          : FCT_MILTER_COUNT_CLEAN);
  if (strstr (d->reason, "dns-temperror") != NULL)
    fct_milter_count (FCT_MILTER_COUNT_DNS_ERRORS);
  if (report != NULL && report->cut_short != 0)
    fct_milter_count (FCT_MILTER_COUNT_CUT_SHORT);
  if (fct_filter_message_is_partial (c->message))
    fct_milter_count (FCT_MILTER_COUNT_PARTIAL);

  g_autofree char *actions = fct_filter_action_to_string (d->actions);
  static const char *const dispositions[] = { "accept", "reject", "tempfail" };
  /* A message judged on its beginning says how much of it was judged. */
  g_autofree char *scanned
      = fct_filter_message_is_partial (c->message)
            ? g_strdup_printf (" partial scanned=%" G_GSIZE_FORMAT,
                               fct_filter_message_get_scanned_size (c->message))
            : g_strdup ("");
  gint64 eom_us = g_get_monotonic_time () - w->wall;
  stopwatch_add (c, w);
  fct_milter_count_duration ((guint64)eom_us);
  fct_milter_log (
      LOG_INFO,
      "%s: inbound daemon=%s client=%s helo=%s from=<%s> verdict=\"%s\" spf=%s dkim=%s "
      "dmarc=%s "
      "arc=%s actions=%s disposition=%s%s%s reason=\"%s\" size=%" G_GUINT64_FORMAT
      "%s time=%.3fms work=%.3fms cpu=%.3fms",
      c->queue_id != NULL ? c->queue_id : "NOQUEUE", c->daemon != NULL ? c->daemon : "-",
      c->client_ip, c->helo != NULL ? c->helo : "-", c->mail_from, d->verdict,
      report != NULL ? fct_check_report_spf_result (report) : "-",
      report != NULL ? fct_check_report_dkim_result (report) : "-",
      report != NULL ? fct_check_report_dmarc_result (report) : "-",
      report != NULL ? fct_check_report_arc_result (report) : "-", actions,
      dispositions[d->disposition], d->quarantine ? " quarantine" : "",
      sealed ? " sealed" : "", d->reason, fct_filter_message_get_size (c->message), scanned,
      eom_us / 1000.0, c->work_us / 1000.0, c->cpu_us / 1000.0);
  return status;
}

static sfsistat
on_eom (SMFICTX *ctx)
{
  Conn *c = conn_get (ctx);
  Stopwatch w = stopwatch_start ();
  sfsistat status;

  if (c->message == NULL)
    return SMFIS_CONTINUE;
  take_queue_id (ctx, c);
  g_main_context_push_thread_default (c->context);
  if (c->outbound)
    status = eom_outbound (ctx, c, &w);
  else
    status = eom_inbound (ctx, c, &w);
  g_main_context_pop_thread_default (c->context);
  message_reset (c);
  return status;
}

/* ---------------------------------------------------------------- registration */

void
fct_milter_callbacks_register (const char *name, GError **error)
{
  struct smfiDesc desc = {
    .xxfi_name = (char *)name,
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
    .xxfi_connect = on_connect,
    .xxfi_helo = on_helo,
    .xxfi_envfrom = on_envfrom,
    .xxfi_header = on_header,
    .xxfi_eoh = on_eoh,
    .xxfi_body = on_body,
    .xxfi_eom = on_eom,
    .xxfi_abort = on_abort,
    .xxfi_close = on_close,
    .xxfi_negotiate = on_negotiate,
  };
  if (smfi_register (desc) != MI_SUCCESS)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                 _ ("libmilter refused the filter's description"));
}
