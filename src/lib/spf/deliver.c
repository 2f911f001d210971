/* facteur — hands SPF results over on the next turn of the caller's main context, for
 * checks that finished inside fct_spf_check_async (every DNS answer cached): the callback
 * must not run from inside that call. One source per thread and context serves them all,
 * in order, instead of an idle source each. */
#include "spf-private.h"

typedef struct
{
  void (*run) (gpointer item);
  GDestroyNotify release;
  gpointer item;
} Later;

typedef struct
{
  GSource source;
  GMutex lock;
  GArray *queue;   /* Later, under lock */
  gboolean orphan; /* no longer its thread's: removed once empty, under lock */
} Deliveries;

static gboolean
deliveries_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  Deliveries *d = (Deliveries *)source;

  (void)callback;
  (void)user_data;
  g_mutex_lock (&d->lock);
  g_autoptr (GArray) batch = g_steal_pointer (&d->queue);
  d->queue = g_array_new (FALSE, FALSE, sizeof (Later));
  /* Items queued by the calls below wait for the next turn. */
  g_source_set_ready_time (source, -1);
  g_mutex_unlock (&d->lock);
  for (guint k = 0; k < batch->len; k++)
    {
      Later *later = &g_array_index (batch, Later, k);
      later->run (later->item);
      later->release (later->item);
    }
  g_mutex_lock (&d->lock);
  gboolean remove = d->orphan && d->queue->len == 0;
  g_mutex_unlock (&d->lock);
  return remove ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
deliveries_finalize (GSource *source)
{
  Deliveries *d = (Deliveries *)source;

  /* The context went away with items nobody will see, as idle sources would. */
  for (guint k = 0; k < d->queue->len; k++)
    {
      Later *later = &g_array_index (d->queue, Later, k);
      later->release (later->item);
    }
  g_array_unref (d->queue);
  g_mutex_clear (&d->lock);
}

static GSourceFuncs deliveries_funcs = {
  .dispatch = deliveries_dispatch,
  .finalize = deliveries_finalize,
};

/* The thread's source stops taking items: it goes once it has handed over those it
 * holds. */
static void
deliveries_orphan (Deliveries *d)
{
  g_mutex_lock (&d->lock);
  d->orphan = TRUE;
  gboolean empty = d->queue->len == 0;
  g_mutex_unlock (&d->lock);
  if (empty)
    g_source_destroy (&d->source);
  g_source_unref (&d->source);
}

static GPrivate thread_deliveries = G_PRIVATE_INIT ((GDestroyNotify)deliveries_orphan);

void
fct_spf_later (void (*run) (gpointer item), GDestroyNotify release, gpointer item)
{
  GMainContext *context = g_main_context_get_thread_default ();
  Deliveries *d = g_private_get (&thread_deliveries);

  if (context == NULL)
    context = g_main_context_default ();
  /* A destroyed source's context may be gone: compare contexts only on a live one. */
  if (d == NULL || g_source_is_destroyed (&d->source)
      || g_source_get_context (&d->source) != context)
    {
      Deliveries *fresh = (Deliveries *)g_source_new (&deliveries_funcs, sizeof *fresh);
      g_mutex_init (&fresh->lock);
      fresh->queue = g_array_new (FALSE, FALSE, sizeof (Later));
      /* As g_idle_source_new's. */
      g_source_set_priority (&fresh->source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_static_name (&fresh->source, "fct-spf-deliver");
      g_source_attach (&fresh->source, context);
      /* Replacing the value orphans the previous source. */
      g_private_replace (&thread_deliveries, fresh);
      d = fresh;
    }
  Later later = { run, release, item };
  g_mutex_lock (&d->lock);
  g_array_append_val (d->queue, later);
  g_mutex_unlock (&d->lock);
  g_source_set_ready_time (&d->source, 0);
}
