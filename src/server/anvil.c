/* facteur serve — per-client connection counts and rate windows (anvil.h). Fixed
 * windows: simple, and a client gets at most twice the rate across a boundary. */
#include "anvil.h"

#include <gio/gio.h>
#include <string.h>

struct _FctAnvil
{
  GHashTable *connections; /* key -> guint count */
  GHashTable *windows;     /* "kind key" -> Window */
};

typedef struct
{
  gint64 start, length;
  guint count;
} Window;

FctAnvil *
fct_anvil_new (void)
{
  FctAnvil *a = g_new0 (FctAnvil, 1);
  a->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  a->windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return a;
}

void
fct_anvil_free (FctAnvil *a)
{
  if (a == NULL)
    return;
  g_hash_table_unref (a->connections);
  g_hash_table_unref (a->windows);
  g_free (a);
}

char *
fct_anvil_client_key (const char *ip)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (ip);
  if (addr == NULL || g_inet_address_get_family (addr) != G_SOCKET_FAMILY_IPV6)
    return g_strdup (ip);
  guint8 bytes[16];
  memcpy (bytes, g_inet_address_to_bytes (addr), 16);
  /* An IPv4-mapped address is the IPv4 client. */
  static const guint8 mapped[12] = { [10] = 0xff, [11] = 0xff };
  if (memcmp (bytes, mapped, sizeof mapped) == 0)
    return g_strdup_printf ("%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
  memset (bytes + 8, 0, 8);
  g_autoptr (GInetAddress) prefix
      = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
  g_autofree char *text = g_inet_address_to_string (prefix);
  return g_strconcat (text, "/64", NULL);
}

gboolean
fct_anvil_connect (FctAnvil *a, const char *ip, guint max)
{
  char *key = fct_anvil_client_key (ip);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (a->connections, key));
  if (count >= max)
    {
      g_free (key);
      return FALSE;
    }
  g_hash_table_insert (a->connections, key, GUINT_TO_POINTER (count + 1));
  return TRUE;
}

void
fct_anvil_disconnect (FctAnvil *a, const char *ip)
{
  g_autofree char *key = fct_anvil_client_key (ip);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (a->connections, key));
  if (count <= 1)
    g_hash_table_remove (a->connections, key);
  else
    g_hash_table_insert (a->connections, g_steal_pointer (&key),
                         GUINT_TO_POINTER (count - 1));
}

gboolean
fct_anvil_rate (FctAnvil *a, const char *kind, const char *ip, guint max, gint64 window,
                gint64 now)
{
  g_autofree char *client = fct_anvil_client_key (ip);
  char *key = g_strconcat (kind, " ", client, NULL);
  Window *w = g_hash_table_lookup (a->windows, key);
  if (w == NULL)
    {
      w = g_new0 (Window, 1);
      g_hash_table_insert (a->windows, key, w);
    }
  else
    g_free (key);
  if (now >= w->start + w->length)
    {
      w->start = now;
      w->length = window;
      w->count = 0;
    }
  if (w->count >= max)
    return FALSE;
  w->count++;
  return TRUE;
}

void
fct_anvil_sweep (FctAnvil *a, gint64 now)
{
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init (&iter, a->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Window *w = value;
      if (now >= w->start + w->length)
        g_hash_table_iter_remove (&iter);
    }
}
