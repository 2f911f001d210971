/* facteur serve — per-client limits in one place (Postfix's anvil): connections held
 * at once, and events (tests created, domain audits) per time window. A client is an
 * IPv4 address or an IPv6 /64 (one subscriber's prefix). */
#pragma once

#include <glib.h>

typedef struct _FctAnvil FctAnvil;

FctAnvil *fct_anvil_new (void);
void fct_anvil_free (FctAnvil *anvil);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FctAnvil, fct_anvil_free)

/* The key a client address counts under (transfer full). */
char *fct_anvil_client_key (const char *ip);

/* Takes one of max connection slots for ip; FALSE (nothing taken) when all are in use. */
gboolean fct_anvil_connect (FctAnvil *anvil, const char *ip, guint max);
void fct_anvil_disconnect (FctAnvil *anvil, const char *ip);

/* Counts one event of kind ("test", "audit") for ip at now (seconds) in a window of
 * window seconds; FALSE (not counted) when max were counted in the current window. */
gboolean fct_anvil_rate (FctAnvil *anvil, const char *kind, const char *ip, guint max,
                         gint64 window, gint64 now);

/* Forgets windows that ended before now (bounded memory). */
void fct_anvil_sweep (FctAnvil *anvil, gint64 now);
