/* facteur — blocking forms of the library's asynchronous calls: the call runs on a
 * private main context of the calling thread, iterated until it has reported. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  GMainContext *context; /* the private context (transfer full until wait) */
  gboolean reuse;
  gboolean done;
  GAsyncResult *result; /* kept by fct_sync_call_ready (transfer full) */
} FctSyncCall;

/* Makes a private context the thread-default one, so that the asynchronous call started
 * next reports to it alone, through fct_sync_call_ready or a callback that calls
 * fct_sync_call_done. With reuse the context is the thread's own, kept for its next
 * calls (a new one costs an eventfd): only for calls that leave no source attached once
 * they have reported. Without, a new context is made, and freed by wait with whatever
 * the call left on it. */
void fct_sync_call_begin (FctSyncCall *call, gboolean reuse);

/* A GAsyncReadyCallback, user_data the FctSyncCall: keeps the result, ends the wait. */
void fct_sync_call_ready (GObject *source, GAsyncResult *result, gpointer user_data);

/* Ends the wait, for calls whose callback has another shape. */
void fct_sync_call_done (FctSyncCall *call);

/* Iterates the private context until the call has reported, restores the previous
 * thread-default context, and returns the result fct_sync_call_ready kept (transfer
 * full), or NULL when the call ended through fct_sync_call_done. */
GAsyncResult *fct_sync_call_wait (FctSyncCall *call);

G_END_DECLS
