/* facteur — blocking forms of asynchronous calls (see include/facteur/sync.h): one
 * private main context, made the thread-default one while the call runs. */
#include <facteur/sync.h>

/* The context each thread keeps for the calls that allow it, freed with the thread. */
static GPrivate thread_context = G_PRIVATE_INIT ((GDestroyNotify)g_main_context_unref);

void
fct_sync_call_begin (FctSyncCall *call, gboolean reuse)
{
  g_return_if_fail (call != NULL);
  call->reuse = reuse;
  call->done = FALSE;
  call->result = NULL;
  if (reuse)
    {
      call->context = g_private_get (&thread_context);
      if (call->context == NULL)
        {
          call->context = g_main_context_new ();
          g_private_set (&thread_context, call->context);
        }
    }
  else
    call->context = g_main_context_new ();
  g_main_context_push_thread_default (call->context);
}

void
fct_sync_call_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FctSyncCall *call = user_data;

  (void)source;
  call->result = g_object_ref (result);
  call->done = TRUE;
}

void
fct_sync_call_done (FctSyncCall *call)
{
  call->done = TRUE;
}

GAsyncResult *
fct_sync_call_wait (FctSyncCall *call)
{
  g_return_val_if_fail (call != NULL && call->context != NULL, NULL);
  while (!call->done)
    g_main_context_iteration (call->context, TRUE);
  g_main_context_pop_thread_default (call->context);
  if (!call->reuse)
    g_main_context_unref (call->context);
  call->context = NULL;
  return g_steal_pointer (&call->result);
}
