/* facteur — the generic resolver front: name validation, a process-wide answer cache
 * (TTL-bounded, RFC 1035 §7.4; negative answers per RFC 2308 §5) that callers may also
 * read synchronously, coalescing of identical queries in flight, per-query timeouts, and
 * delivery of every callback in the caller's thread-default main context. Back ends plug
 * in through FctDnsBackendVtable (dns-private.h). */
#include "dns-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <time.h>

/* A cache or in-flight key: the type and the canonical name, hashed once. Lookups build
 * one on the stack over a stack buffer, so a cache hit allocates nothing. */
typedef struct
{
  FctDnsType type;
  guint hash;
  gsize len;
  const char *name; /* canonical form (dns-private.h), len bytes, NUL-terminated */
} Key;

/* What the resolver's back-end queries and the resolver share. A query outlives the
 * resolver when a back end answers late, so it keeps this alive, not the resolver. */
typedef struct
{
  gint ref_count;
  GMutex lock;
  FctLimits limits;
  GHashTable *cache;    /* Key* -> CacheEntry* (owned) */
  GQueue lru;           /* CacheEntry*, most recently used first */
  GHashTable *inflight; /* Key* -> FctDnsQuery* (one reference) */
  FctResolverStats stats;
} Shared;

typedef struct
{
  Key key; /* its name is owned */
  FctDnsAnswer *answer;
  gint64 expires_us; /* monotonic */
  GList link;        /* in Shared.lru; data points back to the entry */
} CacheEntry;

struct _FctResolver
{
  gint ref_count;
  Shared *shared;
  const FctDnsBackendVtable *vtable;
  gpointer backend;
};

typedef enum
{
  WAITER_WAITING,  /* in a query's waiter list, its timer running */
  WAITER_ANSWERED, /* answer set, delivery idle attached */
  WAITER_DONE,     /* timed out: delivered */
} WaiterState;

/* One caller waiting for one answer. Holds a resolver reference until delivery. */
typedef struct
{
  FctResolver *resolver;
  FctDnsCallback callback;
  gpointer user_data;
  GMainContext *context;
  GSource *timer;
  GSource *idle;
  FctDnsQuery *query; /* (not owned) while WAITING */
  FctDnsAnswer *answer;
  WaiterState state; /* under Shared.lock */
  char *qname;
  FctDnsType qtype;
} Waiter;

struct _FctDnsQuery
{
  gint ref_count;
  Shared *shared; /* one reference */
  Key key;        /* its name is qname */
  char *qname;
  FctDnsType qtype;
  GPtrArray *waiters; /* Waiter* (not owned), under Shared.lock */
  gboolean detached;  /* no longer in Shared.inflight: its answer is dropped */
};

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_int_inc (&shared->ref_count);
  return shared;
}

static void
cache_entry_free (CacheEntry *entry)
{
  g_free ((char *)entry->key.name);
  fct_dns_answer_unref (entry->answer);
  g_free (entry);
}

static void
shared_unref (Shared *shared)
{
  if (!g_atomic_int_dec_and_test (&shared->ref_count))
    return;
  g_hash_table_unref (shared->inflight);
  /* The hash table owns the entries and their embedded links: forget the list only. */
  g_queue_init (&shared->lru);
  g_hash_table_unref (shared->cache);
  g_mutex_clear (&shared->lock);
  g_free (shared);
}

/* ---- Queries (back-end side) ---- */

const char *
fct_dns_query_get_name (const FctDnsQuery *query)
{
  return query->qname;
}

FctDnsType
fct_dns_query_get_type (const FctDnsQuery *query)
{
  return query->qtype;
}

FctDnsQuery *
fct_dns_query_ref (FctDnsQuery *query)
{
  g_atomic_int_inc (&query->ref_count);
  return query;
}

void
fct_dns_query_unref (FctDnsQuery *query)
{
  if (query == NULL || !g_atomic_int_dec_and_test (&query->ref_count))
    return;
  g_ptr_array_unref (query->waiters);
  g_free (query->qname);
  shared_unref (query->shared);
  g_free (query);
}

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static guint32
name_hash (const char *name, gsize len)
{
  guint32 h = FNV_OFFSET;
  for (gsize i = 0; i < len; i++)
    h = (h ^ (guint8)name[i]) * FNV_PRIME;
  return h;
}

/* hash is name_hash (name, len), which canonical_quick computes on its way. */
static Key
key_make (FctDnsType type, const char *name, gsize len, guint32 hash)
{
  return (Key){
    .type = type, .hash = (hash ^ (guint32)type) * FNV_PRIME, .len = len, .name = name
  };
}

static guint
key_hash (gconstpointer data)
{
  return ((const Key *)data)->hash;
}

static gboolean
key_equal (gconstpointer a, gconstpointer b)
{
  const Key *x = a, *y = b;
  return x->hash == y->hash && x->type == y->type && x->len == y->len
         && memcmp (x->name, y->name, x->len) == 0;
}

/* A name in canonical form: in buf when the quick path could write it, else on the
 * heap; with its name_hash. */
typedef struct
{
  char buf[FCT_DNS_NAME_WIRE_MAX];
  char *heap;
  const char *str;
  gsize len;
  guint32 hash;
} CanonicalName;

/* Byte -> its canonical form in a plain name: letters lower-cased, digits, '-', '_' and
 * '.' kept; 0 for every other byte. */
static guint8 quick_map[256];

static void
quick_map_init (void)
{
  static gsize done = 0;

  if (!g_once_init_enter (&done))
    return;
  for (guint c = 0; c < 256; c++)
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
        || c == '.')
      quick_map[c] = (guint8)c;
    else if (c >= 'A' && c <= 'Z')
      quick_map[c] = (guint8)(c - 'A' + 'a');
  g_once_init_leave (&done, 1);
}

/* The canonical form of a name made only of letters, digits, '-' and '_' (what mail
 * domains are), written without the parser: lower case, no trailing dot. FALSE when
 * the name holds anything else or breaks a length rule (RFC 1035 §2.3.4), for the full
 * parser to judge. */
static gboolean
canonical_quick (const char *name, CanonicalName *out)
{
  gsize len = 0, label = 0;
  guint32 h = FNV_OFFSET;

  quick_map_init ();
  for (const char *p = name; *p != '\0'; p++)
    {
      guint8 c = quick_map[(guint8)*p];
      if (c == 0)
        return FALSE;
      if (c == '.')
        {
          if (label == 0)
            return FALSE;
          if (p[1] == '\0')
            break; /* the trailing dot of an absolute name */
          label = 0;
        }
      else if (++label > FCT_DNS_LABEL_MAX)
        return FALSE;
      /* A presentation name of n such bytes is n + 1 octets in wire form. */
      if (len + 1 >= FCT_DNS_NAME_WIRE_MAX)
        return FALSE;
      out->buf[len++] = (char)c;
      h = (h ^ c) * FNV_PRIME;
    }
  if (len == 0)
    return FALSE;
  out->buf[len] = '\0';
  out->str = out->buf;
  out->len = len;
  out->hash = h;
  return TRUE;
}

/* Fills out with the canonical form of name (as fct_dns_name_parse and
 * fct_dns_name_to_string give it); canonical_name_clear() frees it. */
static FctDnsNameStatus
canonical_name_init (CanonicalName *out, const char *name)
{
  FctDnsName parsed;

  out->heap = NULL;
  if (canonical_quick (name, out))
    return FCT_DNS_NAME_OK;
  FctDnsNameStatus status = fct_dns_name_parse (name, strlen (name), &parsed, NULL);
  if (status != FCT_DNS_NAME_OK)
    return status;
  out->heap = fct_dns_name_to_string (&parsed);
  out->str = out->heap;
  out->len = strlen (out->heap);
  out->hash = name_hash (out->str, out->len);
  return FCT_DNS_NAME_OK;
}

static void
canonical_name_clear (CanonicalName *name)
{
  g_free (name->heap);
}

/* The monotonic clock for TTLs, in microseconds. Linux's coarse clock is read without
 * the timestamp counter, which a cache hit would otherwise pay more for than for its
 * lookup; it lags by at most a scheduler tick (a few milliseconds), so an entry may
 * outlive its TTL (whole seconds) by as much. Same base as g_get_monotonic_time. */
static gint64
monotonic_now (void)
{
#ifdef CLOCK_MONOTONIC_COARSE
  struct timespec ts;
  if (clock_gettime (CLOCK_MONOTONIC_COARSE, &ts) == 0)
    return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
#endif
  return g_get_monotonic_time ();
}

/* Called with the lock held. */
static void
cache_remove_entry (Shared *shared, CacheEntry *entry)
{
  g_queue_unlink (&shared->lru, &entry->link);
  g_hash_table_remove (shared->cache, &entry->key);
}

/* Called with the lock held. RFC 2308 §5: a negative answer lives as long as its SOA
 * says; a positive one as long as its shortest record TTL (RFC 2181 §5.2 wants them
 * equal). TIMEOUT and SERVFAIL are not answers from the zone owner and are not
 * cached: the next query tries again. */
static void
cache_store (Shared *shared, const Key *key, FctDnsAnswer *answer, guint32 negative_ttl)
{
  guint32 ttl = negative_ttl;

  if (answer->rcode != FCT_DNS_RCODE_NOERROR && answer->rcode != FCT_DNS_RCODE_NXDOMAIN)
    return;
  if (answer->records->len > 0)
    {
      ttl = G_MAXUINT32;
      for (guint i = 0; i < answer->records->len; i++)
        ttl = MIN (ttl, ((FctDnsRecord *)g_ptr_array_index (answer->records, i))->ttl);
    }
  if (ttl == 0 || shared->limits.dns_cache_entries_max == 0)
    return;

  CacheEntry *old = g_hash_table_lookup (shared->cache, key);
  if (old != NULL)
    cache_remove_entry (shared, old);
  while (g_hash_table_size (shared->cache) >= shared->limits.dns_cache_entries_max)
    cache_remove_entry (shared, g_queue_peek_tail (&shared->lru));

  CacheEntry *entry = g_new0 (CacheEntry, 1);
  entry->key = *key;
  entry->key.name = g_strndup (key->name, key->len);
  entry->answer = fct_dns_answer_ref (answer);
  entry->expires_us = monotonic_now () + (gint64)ttl * G_USEC_PER_SEC;
  entry->link.data = entry;
  g_hash_table_insert (shared->cache, &entry->key, entry);
  g_queue_push_head_link (&shared->lru, &entry->link);
}

/* Called with the lock held: a live cached answer (transfer full) or NULL. */
static FctDnsAnswer *
cache_lookup (Shared *shared, const Key *key)
{
  CacheEntry *entry = g_hash_table_lookup (shared->cache, key);

  if (entry == NULL)
    return NULL;
  if (monotonic_now () >= entry->expires_us)
    {
      cache_remove_entry (shared, entry);
      return NULL;
    }
  g_queue_unlink (&shared->lru, &entry->link);
  g_queue_push_head_link (&shared->lru, &entry->link);
  return fct_dns_answer_ref (entry->answer);
}

/* ---- Delivery (caller side) ---- */

static void
waiter_free (Waiter *waiter)
{
  if (waiter->timer != NULL)
    {
      g_source_destroy (waiter->timer);
      g_source_unref (waiter->timer);
    }
  if (waiter->idle != NULL)
    {
      g_source_destroy (waiter->idle);
      g_source_unref (waiter->idle);
    }
  fct_dns_answer_unref (waiter->answer);
  g_main_context_unref (waiter->context);
  g_free (waiter->qname);
  fct_resolver_unref (waiter->resolver);
  g_free (waiter);
}

static gboolean
waiter_deliver_idle (gpointer data)
{
  Waiter *waiter = data;

  waiter->callback (waiter->answer, waiter->user_data);
  waiter_free (waiter);
  return G_SOURCE_REMOVE;
}

/* Attaches the delivery of waiter->answer to the caller's context. Thread-safe. */
static void
waiter_schedule (Waiter *waiter)
{
  waiter->idle = g_idle_source_new ();
  g_source_set_priority (waiter->idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (waiter->idle, waiter_deliver_idle, waiter, NULL);
  g_source_set_static_name (waiter->idle, "fct-dns-deliver");
  g_source_attach (waiter->idle, waiter->context);
}

static gboolean
waiter_timeout (gpointer data)
{
  Waiter *waiter = data;
  Shared *shared = waiter->resolver->shared;

  g_mutex_lock (&shared->lock);
  if (waiter->state != WAITER_WAITING)
    {
      /* Answered at the same moment: the delivery idle is already attached. */
      g_mutex_unlock (&shared->lock);
      return G_SOURCE_REMOVE;
    }
  waiter->state = WAITER_DONE;
  FctDnsQuery *query = waiter->query;
  g_ptr_array_remove_fast (query->waiters, waiter);
  waiter->query = NULL;
  if (query->waiters->len == 0 && !query->detached)
    {
      /* Nobody waits any more: a new query starts afresh, a late answer is dropped. */
      query->detached = TRUE;
      g_hash_table_remove (shared->inflight, &query->key);
    }
  g_mutex_unlock (&shared->lock);

  FctDnsAnswer *answer
      = fct_dns_answer_new (waiter->qname, waiter->qtype, FCT_DNS_RCODE_TIMEOUT);
  answer->reason = g_strdup_printf (_ ("no answer within %u ms"),
                                    waiter->resolver->shared->limits.dns_timeout_ms);
  waiter->answer = answer;
  /* This source is being dispatched: destroying it in waiter_free is allowed. */
  waiter->callback (waiter->answer, waiter->user_data);
  waiter_free (waiter);
  return G_SOURCE_REMOVE;
}

void
fct_dns_query_complete (FctDnsQuery *query, FctDnsAnswer *answer, guint32 negative_ttl)
{
  Shared *shared = query->shared;

  g_mutex_lock (&shared->lock);
  if (!query->detached)
    {
      query->detached = TRUE;
      cache_store (shared, &query->key, answer, negative_ttl);
      for (guint i = 0; i < query->waiters->len; i++)
        {
          Waiter *waiter = g_ptr_array_index (query->waiters, i);
          waiter->state = WAITER_ANSWERED;
          waiter->query = NULL;
          waiter->answer = fct_dns_answer_ref (answer);
          waiter_schedule (waiter);
        }
      g_ptr_array_set_size (query->waiters, 0);
      /* Last: the table's reference may be the one keeping query alive. */
      fct_dns_query_ref (query);
      g_hash_table_remove (shared->inflight, &query->key);
      fct_dns_query_unref (query);
    }
  g_mutex_unlock (&shared->lock);
  fct_dns_answer_unref (answer);
  fct_dns_query_unref (query);
}

/* ---- The resolver ---- */

FctResolver *
fct_resolver_new_backend (const FctDnsBackendVtable *vtable, gpointer backend,
                          const FctLimits *limits)
{
  FctResolver *resolver = g_new0 (FctResolver, 1);
  Shared *shared = g_new0 (Shared, 1);

  shared->ref_count = 1;
  g_mutex_init (&shared->lock);
  shared->limits = *(limits != NULL ? limits : fct_limits_default ());
  shared->cache
      = g_hash_table_new_full (key_hash, key_equal, NULL, (GDestroyNotify)cache_entry_free);
  g_queue_init (&shared->lru);
  shared->inflight = g_hash_table_new_full (key_hash, key_equal, NULL,
                                            (GDestroyNotify)fct_dns_query_unref);
  resolver->ref_count = 1;
  resolver->shared = shared;
  resolver->vtable = vtable;
  resolver->backend = backend;
  return resolver;
}

FctResolver *
fct_resolver_ref (FctResolver *resolver)
{
  g_return_val_if_fail (resolver != NULL, NULL);
  g_atomic_int_inc (&resolver->ref_count);
  return resolver;
}

void
fct_resolver_unref (FctResolver *resolver)
{
  if (resolver == NULL || !g_atomic_int_dec_and_test (&resolver->ref_count))
    return;
  /* Every waiter holds a reference, so none is left; the back end drops the queries
   * it still holds, and queries answered late keep only the shared part alive. */
  resolver->vtable->free (resolver->backend);
  shared_unref (resolver->shared);
  g_free (resolver);
}

void
fct_resolver_get_stats (FctResolver *resolver, FctResolverStats *stats)
{
  g_return_if_fail (resolver != NULL && stats != NULL);
  g_mutex_lock (&resolver->shared->lock);
  *stats = resolver->shared->stats;
  g_mutex_unlock (&resolver->shared->lock);
}

FctDnsAnswer *
fct_resolver_lookup_cached (FctResolver *resolver, const char *name, FctDnsType type)
{
  g_return_val_if_fail (resolver != NULL && name != NULL, NULL);

  Shared *shared = resolver->shared;
  CanonicalName canonical;
  FctDnsAnswer *cached = NULL;
  gsize len = strlen (name);

  /* Keys are canonical names: a name equal to one is canonical and needs no check.
   * Callers that pass canonical names (the SPF evaluator does) hit here. */
  Key raw = key_make (type, name, len, name_hash (name, len));
  g_mutex_lock (&shared->lock);
  cached = cache_lookup (shared, &raw);
  if (cached != NULL)
    {
      shared->stats.queries++;
      shared->stats.cache_hits++;
    }
  g_mutex_unlock (&shared->lock);
  if (cached != NULL)
    return cached;

  if (canonical_name_init (&canonical, name) != FCT_DNS_NAME_OK)
    return NULL;
  Key key = key_make (type, canonical.str, canonical.len, canonical.hash);
  g_mutex_lock (&shared->lock);
  cached = cache_lookup (shared, &key);
  if (cached != NULL)
    {
      shared->stats.queries++;
      shared->stats.cache_hits++;
    }
  g_mutex_unlock (&shared->lock);
  canonical_name_clear (&canonical);
  return cached;
}

void
fct_resolver_query_async (FctResolver *resolver, const char *name, FctDnsType type,
                          FctDnsCallback callback, gpointer user_data)
{
  g_return_if_fail (resolver != NULL && name != NULL && callback != NULL);

  Shared *shared = resolver->shared;
  Waiter *waiter = g_new0 (Waiter, 1);
  CanonicalName canonical;
  FctDnsNameStatus status = canonical_name_init (&canonical, name);

  waiter->resolver = fct_resolver_ref (resolver);
  waiter->callback = callback;
  waiter->user_data = user_data;
  waiter->context = g_main_context_ref_thread_default ();
  waiter->qtype = type;

  if (status != FCT_DNS_NAME_OK)
    {
      waiter->qname = g_ascii_strdown (name, -1);
      waiter->answer = fct_dns_answer_new (waiter->qname, type, FCT_DNS_RCODE_BADNAME);
      waiter->answer->reason = g_strdup (fct_dns_name_status_to_string (status));
      g_mutex_lock (&shared->lock);
      shared->stats.queries++;
      waiter->state = WAITER_ANSWERED;
      g_mutex_unlock (&shared->lock);
      waiter_schedule (waiter);
      return;
    }

  Key key = key_make (type, canonical.str, canonical.len, canonical.hash);
  FctDnsQuery *start = NULL;

  g_mutex_lock (&shared->lock);
  shared->stats.queries++;
  FctDnsAnswer *cached = cache_lookup (shared, &key);
  if (cached != NULL)
    {
      shared->stats.cache_hits++;
      waiter->answer = cached;
      waiter->state = WAITER_ANSWERED;
      waiter_schedule (waiter);
      g_mutex_unlock (&shared->lock);
      canonical_name_clear (&canonical);
      return;
    }

  waiter->qname = g_strndup (canonical.str, canonical.len);
  FctDnsQuery *query = g_hash_table_lookup (shared->inflight, &key);
  if (query != NULL)
    shared->stats.cache_hits++;
  else
    {
      query = g_new0 (FctDnsQuery, 1);
      query->ref_count = 1; /* the inflight table's */
      query->shared = shared_ref (shared);
      query->qname = g_strndup (canonical.str, canonical.len);
      query->key = key_make (type, query->qname, canonical.len, canonical.hash);
      query->qtype = type;
      query->waiters = g_ptr_array_new ();
      g_hash_table_insert (shared->inflight, &query->key, query);
      shared->stats.backend_queries++;
      start = fct_dns_query_ref (query); /* the back end's */
    }
  waiter->state = WAITER_WAITING;
  waiter->query = query;
  g_ptr_array_add (query->waiters, waiter);
  waiter->timer = g_timeout_source_new (shared->limits.dns_timeout_ms);
  g_source_set_callback (waiter->timer, waiter_timeout, waiter, NULL);
  g_source_set_static_name (waiter->timer, "fct-dns-timeout");
  g_source_attach (waiter->timer, waiter->context);
  g_mutex_unlock (&shared->lock);
  canonical_name_clear (&canonical);

  /* Outside the lock: a back end may complete at once, from this very call. */
  if (start != NULL)
    resolver->vtable->start (resolver->backend, start);
}

static void
blocking_done (FctDnsAnswer *answer, gpointer user_data)
{
  FctDnsAnswer **out = user_data;
  *out = fct_dns_answer_ref (answer);
}

FctDnsAnswer *
fct_resolver_query (FctResolver *resolver, const char *name, FctDnsType type)
{
  g_return_val_if_fail (resolver != NULL && name != NULL, NULL);

  GMainContext *context = g_main_context_new ();
  FctDnsAnswer *answer = NULL;

  g_main_context_push_thread_default (context);
  fct_resolver_query_async (resolver, name, type, blocking_done, &answer);
  while (answer == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return answer;
}
