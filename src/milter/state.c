/* facteur milter — the running state: configuration, resolver and the signer's key
 * list, taken by reference by each message and replaced whole on SIGHUP, so that a
 * reload never changes a message half-way nor drops a connection. */
#include "milter.h"

static GMutex lock;
static FctMilterState *current;
static FctMilterSigner *signer;
static FctDkimKeyCache *key_cache;
static FctStore *history;

FctMilterState *
fct_milter_state_ref (FctMilterState *state)
{
  g_atomic_int_inc (&state->ref_count);
  return state;
}

void
fct_milter_state_unref (FctMilterState *state)
{
  if (state == NULL || !g_atomic_int_dec_and_test (&state->ref_count))
    return;
  fct_milter_config_free (state->config);
  fct_resolver_unref (state->resolver);
  fct_filter_key_table_free (state->keys);
  g_free (state);
}

FctMilterState *
fct_milter_state_get (void)
{
  g_mutex_lock (&lock);
  FctMilterState *s = current != NULL ? fct_milter_state_ref (current) : NULL;
  g_mutex_unlock (&lock);
  return s;
}

FctMilterSigner *
fct_milter_state_signer (void)
{
  return signer;
}

void
fct_milter_state_set_signer (FctMilterSigner *s)
{
  signer = s;
}

FctDkimKeyCache *
fct_milter_state_key_cache (void)
{
  g_mutex_lock (&lock);
  if (key_cache == NULL)
    key_cache = fct_dkim_key_cache_new (4096);
  g_mutex_unlock (&lock);
  return key_cache;
}

FctStore *
fct_milter_state_history (void)
{
  return history;
}

void
fct_milter_state_set_history (FctStore *h)
{
  history = h;
}

static FctResolver *
make_resolver (const FctMilterConfig *c, GError **error)
{
  if (c->dns_zone != NULL)
    return fct_resolver_new_zone_file (c->dns_zone, &c->limits, error);
  FctResolverOptions options = {
    .forwarder = c->dns_server,
    .trust_anchor_file = c->dns_trust_anchor,
    .limits = &c->limits,
  };
  return fct_resolver_new_unbound (&options, error);
}

gboolean
fct_milter_state_install (FctMilterConfig *config, FctMilterSigner *s, gboolean reload,
                          GError **error)
{
  g_autoptr (FctMilterConfig) owned = config;
  g_autoptr (FctResolver) resolver = make_resolver (config, error);
  guint32 generation = 0;

  if (resolver == NULL)
    return FALSE;
  g_autoptr (FctFilterKeyTable) keys
      = fct_milter_signer_keys (s, reload, &generation, error);
  if (keys == NULL)
    return FALSE;

  FctMilterState *state = g_new0 (FctMilterState, 1);
  state->ref_count = 1;
  state->config = g_steal_pointer (&owned);
  state->resolver = g_steal_pointer (&resolver);
  state->keys = g_steal_pointer (&keys);
  state->key_generation = generation;
  state->arc_key_index = -1;
  if (state->config->arc_key != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (state->config->arc_key, ":", 3);
      for (guint i = 0;
           g_strv_length (parts) == 3 && i < fct_filter_key_table_get_count (state->keys);
           i++)
        {
          const FctFilterKey *k = fct_filter_key_table_get (state->keys, i);
          if (g_ascii_strcasecmp (k->domain, g_strstrip (parts[0])) == 0
              && g_str_equal (k->selector, g_strstrip (parts[1])))
            state->arc_key_index = (gint)i;
        }
      /* Listed for ARC alone, it does not DKIM-sign the domain's outbound mail. */
      g_autoptr (FctFilterKeyTable) dkim = fct_filter_key_table_parse (
          (const char *const *)state->config->signing_keys, NULL);
      state->arc_key_only = TRUE;
      for (guint i = 0; dkim != NULL && state->arc_key_index >= 0
                        && i < fct_filter_key_table_get_count (dkim);
           i++)
        {
          const FctFilterKey *d = fct_filter_key_table_get (dkim, i);
          const FctFilterKey *a
              = fct_filter_key_table_get (state->keys, (guint)state->arc_key_index);
          if (g_str_equal (d->domain, a->domain) && g_str_equal (d->selector, a->selector))
            state->arc_key_only = FALSE;
        }
    }
  g_mutex_lock (&lock);
  FctMilterState *old = current;
  current = state;
  g_mutex_unlock (&lock);
  if (old != NULL)
    fct_milter_state_unref (old);
  return TRUE;
}
