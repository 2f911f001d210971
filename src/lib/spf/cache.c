/* facteur — a process-wide cache of parsed SPF records, keyed by the record text and by
 * the DNS answer that carried it. The same few provider records (include:_spf.google.com
 * ...) are read by most checks; answers and parsed records are immutable, so
 * evaluations share them. Bounded: when full, a table starts over; records in use live
 * on through their references. */
#include "spf-private.h"

/* Distinct records kept; real traffic sees a few hundred provider records. */
#define RECORD_CACHE_MAX 1024

struct _FctSpfSharedRecord
{
  gint ref_count;
  FctSpfRecord *record;
  gsize len; /* of the record text */
  /* Per mechanism: the name to query when its domain-spec holds no macro and is a name
   * DNS can carry (RFC 7208 §4.6.4 targets are the same for every check then), else
   * NULL. */
  char **targets;
};

static GMutex cache_lock;
static GHashTable *cache;     /* GBytes text -> FctSpfSharedRecord */
static GHashTable *by_answer; /* FctDnsAnswer * (a reference) -> FctSpfSharedRecord */

FctSpfSharedRecord *
fct_spf_shared_record_ref (FctSpfSharedRecord *shared)
{
  g_atomic_int_inc (&shared->ref_count);
  return shared;
}

void
fct_spf_shared_record_unref (FctSpfSharedRecord *shared)
{
  if (shared == NULL || !g_atomic_int_dec_and_test (&shared->ref_count))
    return;
  if (shared->targets != NULL)
    for (guint k = 0; k < shared->record->mechanisms->len; k++)
      g_free (shared->targets[k]);
  g_free (shared->targets);
  fct_spf_record_free (shared->record);
  g_free (shared);
}

const FctSpfRecord *
fct_spf_shared_record_get (const FctSpfSharedRecord *shared)
{
  return shared->record;
}

const char *
fct_spf_shared_record_target (const FctSpfSharedRecord *shared, guint index)
{
  g_return_val_if_fail (index < shared->record->mechanisms->len, NULL);
  return shared->targets[index];
}

/* What the evaluator would make of a macro-free domain-spec: §7.3 truncation, lower
 * case (transfer full), or NULL when it has macros or is not a queryable name. */
static char *
fixed_target (const char *spec)
{
  if (spec == NULL || strchr (spec, '%') != NULL)
    return NULL;
  char *name = g_ascii_strdown (spec, -1);
  fct_spf_domain_truncate (name);
  if (!fct_spf_name_is_queryable (name))
    g_clear_pointer (&name, g_free);
  return name;
}

FctSpfSharedRecord *
fct_spf_shared_record_parse (GBytes *text, const FctLimits *limits, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (text, &len);
  FctSpfSharedRecord *shared = NULL;

  /* The length limit is the caller's, so it is checked before the cache is. */
  if (len <= limits->spf_record_max_bytes)
    {
      g_mutex_lock (&cache_lock);
      if (cache != NULL)
        shared = g_hash_table_lookup (cache, text);
      if (shared != NULL)
        fct_spf_shared_record_ref (shared);
      g_mutex_unlock (&cache_lock);
      if (shared != NULL)
        return shared;
    }

  FctSpfRecord *record = fct_spf_record_parse (data, len, limits, NULL, error);
  if (record == NULL)
    return NULL;
  shared = g_new (FctSpfSharedRecord, 1);
  shared->ref_count = 1;
  shared->record = record;
  shared->len = len;
  shared->targets = g_new0 (char *, MAX (record->mechanisms->len, 1));
  for (guint k = 0; k < record->mechanisms->len; k++)
    {
      const FctSpfMechanism *mech = g_ptr_array_index (record->mechanisms, k);
      shared->targets[k] = fixed_target (mech->domain_spec);
    }

  g_mutex_lock (&cache_lock);
  if (cache == NULL)
    cache
        = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref,
                                 (GDestroyNotify)fct_spf_shared_record_unref);
  if (g_hash_table_size (cache) >= RECORD_CACHE_MAX)
    g_hash_table_remove_all (cache);
  g_hash_table_replace (cache, g_bytes_ref (text), fct_spf_shared_record_ref (shared));
  g_mutex_unlock (&cache_lock);
  return shared;
}

FctSpfSharedRecord *
fct_spf_shared_record_for_answer (FctDnsAnswer *answer, const FctLimits *limits)
{
  FctSpfSharedRecord *shared = NULL;

  g_mutex_lock (&cache_lock);
  if (by_answer != NULL)
    shared = g_hash_table_lookup (by_answer, answer);
  /* A smaller limit than the one it was parsed under refuses it again. */
  if (shared != NULL && shared->len <= limits->spf_record_max_bytes)
    fct_spf_shared_record_ref (shared);
  else
    shared = NULL;
  g_mutex_unlock (&cache_lock);
  return shared;
}

void
fct_spf_shared_record_remember (FctDnsAnswer *answer, FctSpfSharedRecord *shared)
{
  g_mutex_lock (&cache_lock);
  if (by_answer == NULL)
    by_answer = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                       (GDestroyNotify)fct_dns_answer_unref,
                                       (GDestroyNotify)fct_spf_shared_record_unref);
  if (g_hash_table_size (by_answer) >= RECORD_CACHE_MAX)
    g_hash_table_remove_all (by_answer);
  /* The key holds a reference, so its address cannot be reused by another answer. */
  if (!g_hash_table_contains (by_answer, answer))
    g_hash_table_insert (by_answer, fct_dns_answer_ref (answer),
                         fct_spf_shared_record_ref (shared));
  g_mutex_unlock (&cache_lock);
}
