/* facteur — a store shared by threads that outlives its database's outages
 * (fct_store_open_resilient, include/facteur/store.h): connections kept in a pool, a
 * database that cannot be reached tried again after a delay that doubles up to a
 * ceiling, and the IBAN sightings it could not record kept in a bounded queue and
 * written, in the order they came, once it answers again. */
#include "store-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

typedef struct
{
  char *domain, *iban, *message_key;
  gint64 now;
} Sighting;

typedef struct
{
  FctStore base;
  char *location;
  char *key_path;
  FctStoreOptions options;
  FctStoreResilience resilience;

  GMutex lock;      /* guards everything below */
  GPtrArray *idle;  /* FctStore *: connections not in use */
  GQueue pending;   /* Sighting *: not recorded yet, oldest first */
  guint64 dropped;  /* sightings the full queue turned away */
  gint64 retry_at;  /* monotonic µs before which the database is not tried; 0: up */
  guint delay_ms;   /* the next delay */
  gboolean probing; /* one thread is trying the database */
} Resilient;

static const FctStoreBackend resilient_backend;

static void
sighting_free (Sighting *s)
{
  g_free (s->domain);
  g_free (s->iban);
  g_free (s->message_key);
  g_free (s);
}

static void say (Resilient *r, gboolean warning, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
say (Resilient *r, gboolean warning, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (r->resilience.log == NULL)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  r->resilience.log (warning, text, r->resilience.log_data);
}

/* Whether error says the database could not be reached, rather than refused what was
 * asked: only then is a sighting kept for later. */
static gboolean
is_outage (const GError *error)
{
  return g_error_matches (error, FCT_STORE_ERROR, FCT_STORE_ERROR_OPEN)
         || g_error_matches (error, FCT_STORE_ERROR, FCT_STORE_ERROR_UNAVAILABLE);
}

/* Called with the lock held. */
static void
mark_down (Resilient *r, const GError *error)
{
  r->retry_at = g_get_monotonic_time () + (gint64)r->delay_ms * 1000;
  say (r, TRUE,
       _ ("IBAN history unavailable: %s; tried again in %u ms; %u sightings kept to be "
          "recorded"),
       error->message, r->delay_ms, r->pending.length);
  r->delay_ms = MIN (r->delay_ms * 2, r->resilience.retry_max_ms);
}

static FctStore *
open_inner (Resilient *r, GError **error)
{
  FctStoreOptions o = r->options;
  o.key_path = r->key_path;
  return fct_store_open (r->location, &o, error);
}

/* Writes the kept sightings with inner, oldest first. Returns FALSE and error when the
 * database went away again (the sighting is put back); a sighting the database refuses
 * (not an outage) is logged and dropped, or it would block the queue forever. */
static gboolean
flush (Resilient *r, FctStore *inner, GError **error)
{
  guint written = 0;

  for (;;)
    {
      g_autoptr (GError) local = NULL;
      Sighting *s;

      g_mutex_lock (&r->lock);
      s = g_queue_pop_head (&r->pending);
      g_mutex_unlock (&r->lock);
      if (s == NULL)
        break;
      if (!inner->backend->iban_record (inner, s->domain, s->iban, s->message_key, s->now,
                                        NULL, &local))
        {
          if (is_outage (local))
            {
              g_mutex_lock (&r->lock);
              g_queue_push_head (&r->pending, s);
              g_mutex_unlock (&r->lock);
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          say (r, TRUE,
               _ ("IBAN history: a kept sighting for %s could not be recorded: %s"),
               s->domain, local->message);
        }
      else
        written++;
      sighting_free (s);
    }
  if (written > 0)
    say (r, FALSE, _ ("IBAN history: %u kept sightings recorded"), written);
  return TRUE;
}

/* A connection to use, or NULL and FCT_STORE_ERROR_UNAVAILABLE while the database is
 * down and its retry time has not come (no thread waits on a dead database), or the
 * error of the attempt. The thread whose attempt succeeds after an outage writes the
 * kept sightings first. */
static FctStore *
acquire (Resilient *r, GError **error)
{
  g_autoptr (GError) local = NULL;
  FctStore *inner = NULL;
  gboolean was_down, has_pending;

  g_mutex_lock (&r->lock);
  if (r->retry_at != 0 && (r->probing || g_get_monotonic_time () < r->retry_at))
    {
      g_mutex_unlock (&r->lock);
      g_set_error_literal (error, FCT_STORE_ERROR, FCT_STORE_ERROR_UNAVAILABLE,
                           _ ("store: the database is unreachable, tried again later"));
      return NULL;
    }
  was_down = r->retry_at != 0;
  has_pending = r->pending.length > 0;
  r->probing = was_down;
  if (r->idle->len > 0)
    inner = g_ptr_array_steal_index_fast (r->idle, r->idle->len - 1);
  g_mutex_unlock (&r->lock);

  if (inner == NULL)
    inner = open_inner (r, &local);
  if (inner != NULL && has_pending)
    {
      if (!flush (r, inner, &local))
        g_clear_pointer (&inner, fct_store_close);
    }

  g_mutex_lock (&r->lock);
  r->probing = FALSE;
  if (inner == NULL)
    {
      if (is_outage (local))
        mark_down (r, local);
    }
  else if (was_down)
    {
      r->retry_at = 0;
      r->delay_ms = r->resilience.retry_min_ms;
      say (r, FALSE, _ ("IBAN history available again"));
    }
  g_mutex_unlock (&r->lock);
  if (inner == NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return inner;
}

/* Gives inner back, or closes it when its call found the database gone. */
static void
release (Resilient *r, FctStore *inner, const GError *error)
{
  g_mutex_lock (&r->lock);
  if (error != NULL && is_outage (error))
    {
      fct_store_close (inner);
      /* The other idle connections went with the database too. */
      g_ptr_array_set_size (r->idle, 0);
      if (r->retry_at == 0)
        mark_down (r, error);
    }
  else
    g_ptr_array_add (r->idle, inner);
  g_mutex_unlock (&r->lock);
}

/* Keeps a sighting to record later; a full queue turns it away, and says so. */
static void
keep (Resilient *r, const char *domain, const char *iban, const char *message_key,
      gint64 now)
{
  g_mutex_lock (&r->lock);
  if (r->pending.length < r->resilience.queue_max)
    {
      Sighting *s = g_new (Sighting, 1);
      s->domain = g_strdup (domain);
      s->iban = g_strdup (iban);
      s->message_key = g_strdup (message_key);
      s->now = now;
      g_queue_push_tail (&r->pending, s);
    }
  else
    {
      gsize len = strlen (iban);
      r->dropped++;
      /* The last four characters only, as the history keeps them. */
      say (r, TRUE,
           _ ("IBAN history: the queue of %u sightings is full; the IBAN ending %s from "
              "%s is not kept (%llu turned away in all)"),
           r->resilience.queue_max, iban + (len > 4 ? len - 4 : 0), domain,
           (unsigned long long)r->dropped);
    }
  g_mutex_unlock (&r->lock);
}

static gboolean
resilient_iban_record (FctStore *base, const char *org_domain, const char *iban,
                       const char *message_key, gint64 now, FctStoreIbanSighting *out,
                       GError **error)
{
  Resilient *r = (Resilient *)base;
  g_autoptr (GError) local = NULL;
  FctStore *inner;
  gboolean ok;

  if (org_domain[0] == '\0' || iban[0] == '\0')
    {
      g_set_error_literal (error, FCT_STORE_ERROR, FCT_STORE_ERROR_INVALID,
                           _ ("store: empty sender domain or IBAN"));
      return FALSE;
    }
  if (now == 0)
    now = g_get_real_time () / G_USEC_PER_SEC;
  inner = acquire (r, &local);
  ok = inner != NULL
       && inner->backend->iban_record (inner, org_domain, iban, message_key, now, out,
                                       &local);
  if (inner != NULL)
    release (r, inner, local);
  if (!ok && is_outage (local))
    keep (r, org_domain, iban, message_key, now);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local));
  return ok;
}

static gboolean
resilient_iban_lookup (FctStore *base, const char *org_domain, const char *iban,
                       const char *message_key, FctStoreIbanSighting *out, GError **error)
{
  Resilient *r = (Resilient *)base;
  g_autoptr (GError) local = NULL;
  FctStore *inner = acquire (r, &local);
  gboolean ok
      = inner != NULL
        && inner->backend->iban_lookup (inner, org_domain, iban, message_key, out, &local);
  if (inner != NULL)
    release (r, inner, local);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local));
  return ok;
}

static gint64
resilient_iban_count (FctStore *base, const char *sender_domain, GError **error)
{
  Resilient *r = (Resilient *)base;
  g_autoptr (GError) local = NULL;
  FctStore *inner = acquire (r, &local);
  gint64 n = inner != NULL ? inner->backend->iban_count (inner, sender_domain, &local) : -1;
  if (inner != NULL)
    release (r, inner, local);
  if (n < 0)
    g_propagate_error (error, g_steal_pointer (&local));
  return n;
}

FctStore *
fct_store_open_resilient (const char *location, const FctStoreOptions *options,
                          const FctStoreResilience *resilience)
{
  Resilient *r = g_new0 (Resilient, 1);

  g_return_val_if_fail (location != NULL, NULL);
  r->base.backend = &resilient_backend;
  r->location = g_strdup (location);
  if (options != NULL)
    {
      r->options = *options;
      r->key_path = g_strdup (options->key_path);
    }
  if (resilience != NULL)
    r->resilience = *resilience;
  if (r->resilience.queue_max == 0)
    r->resilience.queue_max = 10000;
  if (r->resilience.retry_min_ms == 0)
    r->resilience.retry_min_ms = 1000;
  if (r->resilience.retry_max_ms < r->resilience.retry_min_ms)
    r->resilience.retry_max_ms = MAX (60000, r->resilience.retry_min_ms);
  r->delay_ms = r->resilience.retry_min_ms;
  g_mutex_init (&r->lock);
  r->idle = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_store_close);
  g_queue_init (&r->pending);
  return &r->base;
}

guint
fct_store_resilient_pending (FctStore *store)
{
  Resilient *r = (Resilient *)store;
  guint n;

  g_return_val_if_fail (store != NULL && store->backend == &resilient_backend, 0);
  g_mutex_lock (&r->lock);
  n = r->pending.length;
  g_mutex_unlock (&r->lock);
  return n;
}

static void
resilient_close (FctStore *base)
{
  Resilient *r = (Resilient *)base;

  if (r->pending.length > 0)
    say (r, TRUE, _ ("IBAN history: %u kept sightings not recorded at exit"),
         r->pending.length);
  g_queue_clear_full (&r->pending, (GDestroyNotify)sighting_free);
  g_ptr_array_unref (r->idle);
  g_mutex_clear (&r->lock);
  g_free (r->location);
  g_free (r->key_path);
  g_free (r);
}

static const FctStoreBackend resilient_backend = {
  .close = resilient_close,
  .iban_record = resilient_iban_record,
  .iban_lookup = resilient_iban_lookup,
  .iban_count = resilient_iban_count,
};
