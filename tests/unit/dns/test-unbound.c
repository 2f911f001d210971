/* The libunbound back end without any network: bad forwarders and trust anchors, and a
 * silent server on loopback, so that the generic timeout fires for a real back end
 * and the resolver can be dropped while libunbound still holds queries. */
#include "src/lib/dns/dns-private.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const bad_forwarders[] = {
  "not-an-ip",    "192.0.2.1@", "192.0.2.1@0",  "192.0.2.1@70000", "192.0.2.1@53x",
  "192.0.2.1:53", "",           "fe80::1%eth0",
};

static void
test_bad_forwarder (gconstpointer data)
{
  const char *forwarder = data;
  FctResolverOptions options = { forwarder, "", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FctResolver) resolver = fct_resolver_new_unbound (&options, &error);

  g_assert_null (resolver);
  g_assert_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_INVALID);
}

static void
test_good_forwarder (void)
{
  static const char *const good[]
      = { "192.0.2.1", "192.0.2.1@5353", "2001:db8::1", "2001:db8::1@53" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      FctResolverOptions options = { good[i], "", NULL };
      g_autoptr (GError) error = NULL;
      g_autoptr (FctResolver) resolver = fct_resolver_new_unbound (&options, &error);
      g_assert_no_error (error);
      g_assert_nonnull (resolver);
    }
}

static void
test_missing_anchor (void)
{
  FctResolverOptions options = { "192.0.2.1", "/nonexistent/root.key", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FctResolver) resolver = fct_resolver_new_unbound (&options, &error);

  g_assert_null (resolver);
  g_assert_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_BACKEND);
  g_assert_nonnull (strstr (error->message, "/nonexistent/root.key"));
}

/* A UDP socket on loopback that receives queries and never answers. */
static int
silent_server (guint16 *port)
{
  int fd = socket (AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa
      = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sa;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&sa, &len), ==, 0);
  *port = ntohs (sa.sin_port);
  return fd;
}

static void
count_cb (FctDnsAnswer *answer, gpointer user_data)
{
  guint *timeouts = user_data;
  if (answer->rcode == FCT_DNS_RCODE_TIMEOUT)
    (*timeouts)++;
}

static void
test_silent_server (void)
{
  guint16 port;
  int fd = silent_server (&port);
  g_autofree char *forwarder = g_strdup_printf ("127.0.0.1@%u", port);
  FctLimits limits;
  g_autoptr (GError) error = NULL;
  FctResolverStats stats;
  guint timeouts = 0;

  fct_limits_init (&limits);
  limits.dns_timeout_ms = 100;
  FctResolverOptions options = { forwarder, "", &limits };
  FctResolver *resolver = fct_resolver_new_unbound (&options, &error);
  g_assert_no_error (error);

  g_autoptr (FctDnsAnswer) answer
      = fct_resolver_query (resolver, "example.test", FCT_DNS_TYPE_A);
  g_assert_cmpint (answer->rcode, ==, FCT_DNS_RCODE_TIMEOUT);
  g_assert_nonnull (answer->reason);

  /* Several in flight, then the resolver goes while libunbound still holds them. */
  const char *names[] = { "a.example.test", "b.example.test", "a.example.test" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    fct_resolver_query_async (resolver, names[i], FCT_DNS_TYPE_TXT, count_cb, &timeouts);
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.queries, ==, 4);
  g_assert_cmpuint (stats.backend_queries, ==, 3);
  fct_resolver_unref (resolver);
  while (timeouts < G_N_ELEMENTS (names))
    g_main_context_iteration (NULL, TRUE);
  close (fd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_forwarders); i++)
    {
      g_autofree char *path
          = g_strdup_printf ("/dns/unbound/bad-forwarder/%" G_GSIZE_FORMAT, i);
      g_test_add_data_func (path, bad_forwarders[i], test_bad_forwarder);
    }
  g_test_add_func ("/dns/unbound/good-forwarder", test_good_forwarder);
  g_test_add_func ("/dns/unbound/missing-anchor", test_missing_anchor);
  g_test_add_func ("/dns/unbound/silent-server", test_silent_server);
  return g_test_run ();
}
