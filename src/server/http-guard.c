/* facteur serve — limits on the HTTP connections that libsoup 3.2 does not have: a cap
 * on connections at once per client, an idle timeout (no byte of a next request) and a
 * request-head timeout (its head not complete in time, however slowly it trickles in:
 * Apache's mod_reqtimeout, nginx's client_header_timeout). Connections are seen through
 * SoupServer's signals: libsoup 3.2 starts the first request of a connection as it
 * accepts it (a GSocket not seen yet, soup_server_message_get_socket), a next one at
 * its first byte, finishes each after its response, and says when a message's
 * connection is disconnected. One sweep a second forgets the closed sockets (a
 * reference is held, so none is reused meanwhile) and reads each waiting socket's
 * received byte count (TCP_INFO) to tell idle from a slow head.
 *
 * libsoup 3.2 also never closes a kept-alive connection that ends between two requests
 * (the client's close, or ours): the end of stream finishes a message nobody waits for,
 * and the descriptor stays open for good. Such a connection is closed here: one whose
 * client is gone at a sweep or when its address needs the slot, one cut for a timeout
 * that libsoup has not closed a second later. A closed GSocket refuses every call, so a
 * source libsoup might still hold on it can only fail. */
#include "server.h"

#include <libsoup/soup.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

struct _FctHttpGuard
{
  FctServer *server;
  SoupServer *soup;
  FctAnvil *anvil;     /* HTTP connections per client, apart from SMTP's */
  GHashTable *sockets; /* GSocket * (a reference) -> HttpConn * */
  guint sweep;
};

typedef struct
{
  FctHttpGuard *guard;
  GSocket *socket;
  char *ip;
  gboolean waiting;  /* for the head of a request */
  gint64 since;      /* monotonic µs: the wait began */
  gint64 first_byte; /* monotonic µs: a byte of the head was seen, or 0 */
  gint64 cut;        /* monotonic µs: shut down by the sweep, or 0 */
  guint64 received;  /* bytes received when the wait began */
} HttpConn;

/* Bytes received on the socket since it was accepted (Linux 4.1), or G_MAXUINT64. */
static guint64
bytes_received (GSocket *socket)
{
  struct tcp_info info;
  socklen_t len = sizeof info;
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info, &len) != 0
      || len < offsetof (struct tcp_info, tcpi_bytes_received)
                   + sizeof info.tcpi_bytes_received)
    return G_MAXUINT64;
  return info.tcpi_bytes_received;
}

static void
conn_free (HttpConn *c)
{
  fct_anvil_disconnect (c->guard->anvil, c->ip);
  g_object_unref (c->socket);
  g_free (c->ip);
  g_free (c);
}

/* Waiting for a request from now on, none of whose bytes has come. */
static void
conn_wait (HttpConn *c, guint64 received)
{
  c->waiting = TRUE;
  c->since = g_get_monotonic_time ();
  c->first_byte = 0;
  c->cut = 0;
  c->received = received;
}

/* A shutdown, not a close: libsoup reads the end of the stream and drops the
 * connection itself, with its sources. */
static void
cut (GSocket *socket)
{
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

/* The client has closed its side and nothing of it is left unread. */
static gboolean
peer_gone (GSocket *socket)
{
  char byte;
  return recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Closes what libsoup left open, and forgets it. */
static void
conn_end (FctHttpGuard *g, HttpConn *c)
{
  g_socket_close (c->socket, NULL);
  g_hash_table_remove (g->sockets, c->socket);
}

static void
disconnected_cb (SoupServerMessage *msg, gpointer data)
{
  FctHttpGuard *g = data;
  gpointer socket = g_object_get_data (G_OBJECT (msg), "fct-socket");
  if (socket != NULL)
    g_hash_table_remove (g->sockets, socket);
}

/* The connections from ip whose client is gone give back their slots. */
static void
reclaim (FctHttpGuard *g, const char *ip)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  HttpConn *c;
  g_hash_table_iter_init (&iter, g->sockets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&c))
    if (c->waiting && g_str_equal (c->ip, ip) && peer_gone (c->socket))
      g_ptr_array_add (gone, c);
  for (guint i = 0; i < gone->len; i++)
    conn_end (g, g_ptr_array_index (gone, i));
}

static void
got_headers_cb (SoupServerMessage *msg, gpointer data)
{
  FctHttpGuard *g = data;
  GSocket *socket = soup_server_message_get_socket (msg);
  HttpConn *c = socket != NULL ? g_hash_table_lookup (g->sockets, socket) : NULL;
  if (c != NULL)
    c->waiting = FALSE;
}

/* A new connection (its first request is started as it is accepted), or the first byte
 * of a next request on a kept-alive one. */
static void
request_started_cb (SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
  FctHttpGuard *g = data;
  GSocket *socket = soup_server_message_get_socket (msg);
  (void)soup;
  if (socket == NULL)
    return;
  HttpConn *c = g_hash_table_lookup (g->sockets, socket);
  if (c != NULL)
    {
      if (c->waiting && c->first_byte == 0)
        c->first_byte = g_get_monotonic_time ();
    }
  else
    {
      const char *ip = soup_server_message_get_remote_host (msg);
      guint max = (guint)g->server->config.http_connections_per_ip;
      gboolean slot = ip != NULL && fct_anvil_connect (g->anvil, ip, max);
      if (ip != NULL && !slot)
        {
          reclaim (g, ip);
          slot = fct_anvil_connect (g->anvil, ip, max);
        }
      if (!slot)
        {
          cut (socket);
          return;
        }
      c = g_new0 (HttpConn, 1);
      c->guard = g;
      c->socket = g_object_ref (socket);
      c->ip = g_strdup (ip);
      g_hash_table_insert (g->sockets, socket, c);
      /* What comes before the first request is part of its head. */
      conn_wait (c, 0);
    }
  /* The socket is not the connection's any more when it is disconnected. */
  g_object_set_data (G_OBJECT (msg), "fct-socket", socket);
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), g);
  g_signal_connect (msg, "disconnected", G_CALLBACK (disconnected_cb), g);
}

/* A response is out: a kept-alive connection waits for the next request. */
static void
request_finished_cb (SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
  FctHttpGuard *g = data;
  GSocket *socket = soup_server_message_get_socket (msg);
  HttpConn *c = socket != NULL ? g_hash_table_lookup (g->sockets, socket) : NULL;
  (void)soup;
  if (c != NULL)
    conn_wait (c, bytes_received (socket));
}

static gboolean
sweep_cb (gpointer data)
{
  FctHttpGuard *g = data;
  const FctServeConfig *config = &g->server->config;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  HttpConn *c;
  g_hash_table_iter_init (&iter, g->sockets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&c))
    {
      if (g_socket_is_closed (c->socket))
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      if (!c->waiting)
        continue;
      if ((c->cut != 0 && now - c->cut >= G_USEC_PER_SEC)
          || (c->cut == 0 && peer_gone (c->socket)))
        {
          g_socket_close (c->socket, NULL);
          g_hash_table_iter_remove (&iter);
          continue;
        }
      if (c->cut != 0)
        continue;
      if (c->first_byte == 0 && bytes_received (c->socket) != c->received)
        c->first_byte = now;
      gboolean late
          = c->first_byte == 0
                ? now - c->since >= (gint64)config->http_idle_timeout * G_USEC_PER_SEC
                : now - c->first_byte
                      >= (gint64)config->http_header_timeout * G_USEC_PER_SEC;
      if (late)
        {
          c->cut = now;
          cut (c->socket);
        }
    }
  return G_SOURCE_CONTINUE;
}

FctHttpGuard *
fct_http_guard_new (FctServer *server, gpointer soup)
{
  FctHttpGuard *g = g_new0 (FctHttpGuard, 1);
  g->server = server;
  g->soup = g_object_ref (soup);
  g->anvil = fct_anvil_new ();
  g->sockets = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                      (GDestroyNotify)conn_free);
  g_signal_connect (soup, "request-started", G_CALLBACK (request_started_cb), g);
  g_signal_connect (soup, "request-finished", G_CALLBACK (request_finished_cb), g);
  g->sweep = g_timeout_add_seconds (1, sweep_cb, g);
  return g;
}

void
fct_http_guard_free (FctHttpGuard *g)
{
  if (g == NULL)
    return;
  g_source_remove (g->sweep);
  g_signal_handlers_disconnect_by_data (g->soup, g);
  g_hash_table_unref (g->sockets);
  fct_anvil_free (g->anvil);
  g_object_unref (g->soup);
  g_free (g);
}
