/* The libunbound back end without any network: RDATA in wire form, bad forwarders and
 * trust anchors, and a silent server on loopback, so that the generic timeout fires for a
 * real back end and the resolver can be dropped while libunbound still holds queries. */
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

/* RDATA in wire form, as libunbound hands it over (uncompressed names). */
typedef struct
{
  FctDnsType type;
  const char *wire; /* bytes */
  gsize len;
  const char *text; /* fct_dns_record_to_string, NULL: malformed */
} RdataCase;

#define W(s) s, sizeof s - 1

static const RdataCase rdata_cases[] = {
  { FCT_DNS_TYPE_A, W ("\xc0\x00\x02\x01"), "192.0.2.1" },
  { FCT_DNS_TYPE_A, W ("\xc0\x00\x02"), NULL },
  { FCT_DNS_TYPE_A, W ("\xc0\x00\x02\x01\x00"), NULL },
  { FCT_DNS_TYPE_AAAA, W ("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"), "2001:db8::1" },
  { FCT_DNS_TYPE_AAAA, W ("\x20\x01\x0d\xb8"), NULL },
  { FCT_DNS_TYPE_MX,
    W ("\0\x0a\x04MAIL\x07"
       "example\0"),
    "10 mail.example." },
  /* RFC 7505 null MX. */
  { FCT_DNS_TYPE_MX, W ("\0\0\0"), "0 ." },
  { FCT_DNS_TYPE_MX, W ("\0"), NULL },
  { FCT_DNS_TYPE_MX, W ("\0\x0a\x04mail"), NULL },
  { FCT_DNS_TYPE_MX, W ("\0\x0a\x04mail\0\0"), NULL },
  { FCT_DNS_TYPE_MX, W ("\0\x0a\xc0\x0c"), NULL },
  { FCT_DNS_TYPE_CNAME,
    W ("\x03www\x07"
       "Example\0"),
    "www.example." },
  { FCT_DNS_TYPE_PTR,
    W ("\x03"
       "a.b\x02 \xff\0"),
    "a\\.b.\\032\\255." },
  { FCT_DNS_TYPE_NS,
    W ("\x40"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0"),
    NULL },
  { FCT_DNS_TYPE_TXT,
    W ("\x03"
       "abc\0"),
    "\"abc\" \"\"" },
  { FCT_DNS_TYPE_TXT, W ("\x02\x00\""), "\"\\000\\\"\"" },
  { FCT_DNS_TYPE_TXT, W (""), NULL },
  { FCT_DNS_TYPE_TXT,
    W ("\x05"
       "a"),
    NULL },
  { FCT_DNS_TYPE_TLSA, W ("\x03\x01\x01\xab\xcd"), "3 1 1 ABCD" },
  { FCT_DNS_TYPE_TLSA, W ("\x03\x01"), NULL },
  /* Valid on the wire, no hex form: RFC 3597 generic form. */
  { FCT_DNS_TYPE_TLSA, W ("\x03\x01\x01"), "\\# 3 030101" },
  { FCT_DNS_TYPE_SOA,
    W ("\x03ns1\0\x01h\0\0\0\0\x01\0\0\0\x02\0\0\0\x03\0\0\0\x04\0\0\0\x05"),
    "ns1. h. 1 2 3 4 5" },
  { FCT_DNS_TYPE_SOA, W ("\x03ns1\0\x01h\0\0\0\0\x01\0\0\0\x02\0\0\0\x03\0\0\0\x04\0\0\0"),
    NULL },
  { (FctDnsType)99, W ("\x01"), NULL },
};

static void
test_rdata (gconstpointer data)
{
  const RdataCase *c = data;
  g_autoptr (FctDnsRecord) rr
      = fct_dns_record_from_rdata (c->type, 60, (const guint8 *)c->wire, c->len);

  if (c->text == NULL)
    {
      g_assert_null (rr);
      return;
    }
  g_assert_nonnull (rr);
  g_assert_cmpint (rr->type, ==, c->type);
  g_assert_cmpuint (rr->ttl, ==, 60);
  g_autofree char *text = fct_dns_record_to_string (rr);
  g_assert_cmpstr (text, ==, c->text);
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
  for (gsize i = 0; i < G_N_ELEMENTS (rdata_cases); i++)
    {
      g_autofree char *path
          = g_strdup_printf ("/dns/unbound/rdata/%02" G_GSIZE_FORMAT "-%s", i,
                             fct_dns_type_to_string (rdata_cases[i].type)
                                 ? fct_dns_type_to_string (rdata_cases[i].type)
                                 : "unknown");
      g_test_add_data_func (path, &rdata_cases[i], test_rdata);
    }
  g_test_add_func ("/dns/unbound/good-forwarder", test_good_forwarder);
  g_test_add_func ("/dns/unbound/missing-anchor", test_missing_anchor);
  g_test_add_func ("/dns/unbound/silent-server", test_silent_server);
  return g_test_run ();
}
