/* facteur — at most N simultaneous connections per exchanger, across threads: batch
 * verification must not hammer one receiver (RFC 5321 §4.5.4.1 asks senders to limit
 * their load on a server; receivers throttle clients that open too many sessions). */
#include "verify-private.h"

struct _FctVerifyGate
{
  gint ref_count;
  guint per_host;
  guint peak;
  GMutex lock;
  GCond cond;
  GHashTable *active; /* host (lower case) -> GUINT_TO_POINTER (count) */
};

FctVerifyGate *
fct_verify_gate_new (guint per_host)
{
  FctVerifyGate *g = g_new0 (FctVerifyGate, 1);
  g->ref_count = 1;
  g->per_host = MAX (per_host, 1);
  g_mutex_init (&g->lock);
  g_cond_init (&g->cond);
  g->active = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return g;
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
  g_hash_table_unref (gate->active);
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
  g_free (gate);
}

void
fct_verify_gate_enter (FctVerifyGate *gate, const char *host)
{
  if (gate == NULL)
    return;
  g_autofree char *key = g_ascii_strdown (host, -1);
  g_mutex_lock (&gate->lock);
  while (GPOINTER_TO_UINT (g_hash_table_lookup (gate->active, key)) >= gate->per_host)
    g_cond_wait (&gate->cond, &gate->lock);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (gate->active, key)) + 1;
  g_hash_table_insert (gate->active, g_steal_pointer (&key), GUINT_TO_POINTER (n));
  gate->peak = MAX (gate->peak, n);
  g_mutex_unlock (&gate->lock);
}

void
fct_verify_gate_leave (FctVerifyGate *gate, const char *host)
{
  if (gate == NULL)
    return;
  g_autofree char *key = g_ascii_strdown (host, -1);
  g_mutex_lock (&gate->lock);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (gate->active, key));
  if (n <= 1)
    g_hash_table_remove (gate->active, key);
  else
    g_hash_table_insert (gate->active, g_steal_pointer (&key), GUINT_TO_POINTER (n - 1));
  g_cond_broadcast (&gate->cond);
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
