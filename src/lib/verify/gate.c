/* facteur — the courtesy of batch verification, across threads: at most N sessions at
 * once per destination domain and per exchanger, RCPTs spaced to a rate per domain and
 * per exchanger, and a backoff that grows after each 4xx or 421 (RFC 5321 §4.5.4.1 asks
 * senders to limit their load on a server; receivers throttle clients that open too
 * many sessions or ask too fast, and a 421 says to slow down). docs/ADDRESS.md gives the
 * defaults and why. */
#include "verify-private.h"

typedef struct
{
  guint sessions; /* open now */
  gint64 next;    /* monotonic µs: earliest time for the next RCPT */
  gint64 backoff; /* µs: current backoff, 0 when none */
} Slot;

struct _FctVerifyGate
{
  gint ref_count;
  FctVerifyPace pace;
  guint peak; /* most sessions seen at once to one host */
  GMutex lock;
  GCond cond;
  GHashTable *slots; /* "d:domain" / "h:host" (lower case) -> Slot * */
};

void
fct_verify_pace_init (FctVerifyPace *pace)
{
  g_return_if_fail (pace != NULL);
  *pace = (FctVerifyPace){
    .domain_sessions = 2,
    .domain_rate = 60,
    .host_sessions = 2,
    .host_rate = 60,
    .rcpt_per_session = 20,
    .backoff_ms = 30000,
    .backoff_max_ms = 600000,
  };
}

FctVerifyGate *
fct_verify_gate_new_full (const FctVerifyPace *pace)
{
  FctVerifyGate *g = g_new0 (FctVerifyGate, 1);
  g->ref_count = 1;
  if (pace != NULL)
    g->pace = *pace;
  else
    fct_verify_pace_init (&g->pace);
  g->pace.domain_sessions = MAX (g->pace.domain_sessions, 1);
  g->pace.host_sessions = MAX (g->pace.host_sessions, 1);
  g->pace.rcpt_per_session = MAX (g->pace.rcpt_per_session, 1);
  g_mutex_init (&g->lock);
  g_cond_init (&g->cond);
  g->slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return g;
}

FctVerifyGate *
fct_verify_gate_new (guint per_host)
{
  FctVerifyPace pace;
  fct_verify_pace_init (&pace);
  pace.host_sessions = per_host;
  pace.domain_sessions = per_host;
  pace.domain_rate = 0;
  pace.host_rate = 0;
  return fct_verify_gate_new_full (&pace);
}

const FctVerifyPace *
fct_verify_gate_get_pace (FctVerifyGate *gate)
{
  g_return_val_if_fail (gate != NULL, NULL);
  return &gate->pace;
}

FctVerifyGate *
fct_verify_gate_ref (FctVerifyGate *gate)
{
  g_return_val_if_fail (gate != NULL, NULL);
  g_atomic_int_inc (&gate->ref_count);
  return gate;
}

void
fct_verify_gate_unref (FctVerifyGate *gate)
{
  if (gate == NULL || !g_atomic_int_dec_and_test (&gate->ref_count))
    return;
  g_hash_table_unref (gate->slots);
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
  g_free (gate);
}

/* The slot of key (called with the lock held). */
static Slot *
slot (FctVerifyGate *g, char kind, const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  g_autofree char *key = g_strdup_printf ("%c:%s", kind, lower);
  Slot *s = g_hash_table_lookup (g->slots, key);
  if (s == NULL)
    {
      s = g_new0 (Slot, 1);
      g_hash_table_insert (g->slots, g_steal_pointer (&key), s);
    }
  return s;
}

void
fct_verify_gate_enter (FctVerifyGate *gate, const char *domain, const char *host)
{
  if (gate == NULL)
    return;
  g_mutex_lock (&gate->lock);
  Slot *d = slot (gate, 'd', domain);
  Slot *h = slot (gate, 'h', host);
  while (d->sessions >= gate->pace.domain_sessions
         || h->sessions >= gate->pace.host_sessions)
    g_cond_wait (&gate->cond, &gate->lock);
  d->sessions++;
  h->sessions++;
  gate->peak = MAX (gate->peak, h->sessions);
  g_mutex_unlock (&gate->lock);
}

void
fct_verify_gate_leave (FctVerifyGate *gate, const char *domain, const char *host)
{
  if (gate == NULL)
    return;
  g_mutex_lock (&gate->lock);
  Slot *d = slot (gate, 'd', domain);
  Slot *h = slot (gate, 'h', host);
  d->sessions -= d->sessions > 0;
  h->sessions -= h->sessions > 0;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

static gint64
interval_us (guint per_minute)
{
  return per_minute > 0 ? (gint64)60 * G_USEC_PER_SEC / per_minute : 0;
}

void
fct_verify_gate_pace (FctVerifyGate *gate, const char *domain, const char *host)
{
  if (gate == NULL)
    return;
  /* Each RCPT books the next free time of both its domain and its host, spaced by the
   * rates (no burst: any second holds at most rate/60 + 1 RCPTs), then sleeps until
   * then outside the lock. */
  g_mutex_lock (&gate->lock);
  Slot *d = slot (gate, 'd', domain);
  Slot *h = slot (gate, 'h', host);
  gint64 now = g_get_monotonic_time ();
  gint64 at = MAX (now, MAX (d->next, h->next));
  d->next = at + interval_us (gate->pace.domain_rate);
  h->next = MAX (h->next, at + interval_us (gate->pace.host_rate));
  g_mutex_unlock (&gate->lock);
  if (at > now)
    g_usleep ((gulong)(at - now));
}

void
fct_verify_gate_reply (FctVerifyGate *gate, const char *host, guint code)
{
  if (gate == NULL)
    return;
  g_mutex_lock (&gate->lock);
  Slot *h = slot (gate, 'h', host);
  if (code / 100 == 4)
    {
      /* Exponential: the first 4xx waits backoff_ms, each one after doubles it. */
      gint64 base = (gint64)gate->pace.backoff_ms * 1000;
      gint64 max = (gint64)MAX (gate->pace.backoff_max_ms, gate->pace.backoff_ms) * 1000;
      h->backoff = h->backoff == 0 ? base : MIN (h->backoff * 2, max);
      h->next = MAX (h->next, g_get_monotonic_time () + h->backoff);
    }
  else
    h->backoff = 0;
  g_mutex_unlock (&gate->lock);
}

guint
fct_verify_gate_get_peak (FctVerifyGate *gate)
{
  g_return_val_if_fail (gate != NULL, 0);
  g_mutex_lock (&gate->lock);
  guint peak = gate->peak;
  g_mutex_unlock (&gate->lock);
  return peak;
}
