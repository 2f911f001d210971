/* The libunbound back end against a real authoritative server: starts nsd on
 * 127.0.0.1 at a free port with a test zone, and checks that forwarding to it gives
 * exactly the answers the zone-file back end gives from the same file (rcode,
 * records, canonical name) for every type, CNAME chains, NXDOMAIN and NODATA; then
 * the same through `facteur dns --json`. nsd runs as our child with a parent-death
 * signal, so it stops even if an assertion aborts the test. */
#include "src/lib/dns/dns-private.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char forward_zone[]
    = "$ORIGIN example.test.\n"
      "$TTL 3600\n"
      "@ SOA ns1 hostmaster ( 2026112701 7200 900 1209600 300 )\n"
      "@ NS ns1\n"
      "@ MX 10 mail\n"
      "@ MX 20 backup\n"
      "@ A 192.0.2.10\n"
      "@ AAAA 2001:db8::10\n"
      "@ TXT \"v=spf1 mx -all\"\n"
      "ns1 A 192.0.2.53\n"
      "mail A 192.0.2.25\n"
      "mail AAAA 2001:db8::25\n"
      "backup A 198.51.100.25\n"
      "multi TXT \"first string\" \"second \\\"quoted\\\"\" \"bytes \\000\\001\\255 end\" "
      "\"\"\n"
      "multi TXT \"another record\"\n"
      "s1._domainkey TXT ( \"v=DKIM1; k=rsa; "
      "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnrl"
      "OstZFSEZtNOqadIPwH3dAsfJHCADyJ4I0psQxWd5CF5GusuJShxInXEzzn70zYNhGDm/Z5WfC/"
      "t3c0KaG17faV"
      "VfxTTrpmKcFXqIgqz0iCCMh3A7WEjvW52zLhGN1HJh0zZMgSbT5GX93XluBC4/50pwB\"\n"
      "   "
      "\"d2wQMtqs90TUkB0zAAly9JJethfKO1BUpLJX5a6Fp29L61cgoLAgtcRGTL9Y6ktrlWUvt0xGY17PklcYLh"
      "XFh8"
      "qg5sAST5KhOC0u/Wjj0OFye8b4wvHZQgPz3aHrTwpDC/NLhfg6i5wixONw+vUe22QdM1/"
      "Nu8mE9a9eoOuhioV8Nh"
      "oypBHq96irewIDAQAB\" )\n"
      "www CNAME mail\n"
      "c1 CNAME c2\n"
      "c2 CNAME c3.example.test.\n"
      "c3 CNAME mail\n"
      "dangling CNAME nowhere\n"
      "_25._tcp.mail TLSA 3 1 1 "
      "4CE45E3F0A0A36472F62ED4F62ECD8F3681AC1FFBF35931708F2E2B226F960B5\n"
      "a.b.c A 192.0.2.77\n"
      "spaced\\032label TXT \"odd name\"\n"
      "*.wild A 192.0.2.99\n";

static const char reverse_zone[]
    = "$ORIGIN 2.0.192.in-addr.arpa.\n"
      "$TTL 3600\n"
      "@ SOA ns1.example.test. hostmaster.example.test. 1 7200 "
      "900 1209600 300\n"
      "@ NS ns1.example.test.\n"
      "25 PTR mail.example.test.\n"
      "10 PTR example.test.\n";

/* Signed with ldns-signzone at start-up; bogus.test is altered after signing. */
static const char signed_zone[] = "$ORIGIN %s.\n"
                                  "$TTL 3600\n"
                                  "@ SOA ns1 hostmaster 1 7200 900 1209600 300\n"
                                  "@ NS ns1\n"
                                  "ns1 A 192.0.2.53\n"
                                  "www A 192.0.2.80\n"
                                  "@ TXT \"v=spf1 -all\"\n";

static const char signed_conf[] = "zone:\n"
                                  "    name: \"secure.test\"\n"
                                  "    zonefile: \"secure.test.zone.signed\"\n"
                                  "zone:\n"
                                  "    name: \"bogus.test\"\n"
                                  "    zonefile: \"bogus.test.zone.signed\"\n";

typedef struct
{
  const char *name;
  FctDnsType type;
  FctDnsRcode rcode; /* what both must say, so that a test cannot pass by both failing */
} Query;

static const Query queries[] = {
  { "example.test", FCT_DNS_TYPE_SOA, FCT_DNS_RCODE_NOERROR },
  { "example.test", FCT_DNS_TYPE_NS, FCT_DNS_RCODE_NOERROR },
  { "example.test", FCT_DNS_TYPE_MX, FCT_DNS_RCODE_NOERROR },
  { "example.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR },
  { "example.test", FCT_DNS_TYPE_AAAA, FCT_DNS_RCODE_NOERROR },
  { "example.test", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR },
  { "Mail.Example.Test.", FCT_DNS_TYPE_AAAA, FCT_DNS_RCODE_NOERROR },
  { "multi.example.test", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR },
  { "s1._domainkey.example.test", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR },
  { "25.2.0.192.in-addr.arpa", FCT_DNS_TYPE_PTR, FCT_DNS_RCODE_NOERROR },
  { "www.example.test", FCT_DNS_TYPE_CNAME, FCT_DNS_RCODE_NOERROR },
  { "www.example.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR },
  { "c1.example.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR },
  { "c1.example.test", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR },
  { "dangling.example.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NXDOMAIN },
  { "_25._tcp.mail.example.test", FCT_DNS_TYPE_TLSA, FCT_DNS_RCODE_NOERROR },
  { "nothere.example.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NXDOMAIN },
  { "mail.example.test", FCT_DNS_TYPE_MX, FCT_DNS_RCODE_NOERROR },
  { "b.c.example.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR },
  { "spaced\\032label.example.test", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR },
  { "host.wild.example.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR },
  { "host.wild.example.test", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR },
};

static struct
{
  char *dir;
  char *zone_path; /* both zones in one file, for the zone-file back end */
  char *forwarder; /* "127.0.0.1@PORT" */
  GPid nsd;
  gboolean running;
  gboolean missing; /* nsd is not installed: skip rather than fail */
  char *anchors;    /* DS records of secure.test and bogus.test, NULL without ldns */
  const char *facteur;
  FctResolver *unbound;
  FctResolver *zone;
} env;

static guint16
free_port (void)
{
  /* The kernel picks a free port for UDP; nsd binds TCP on it too, which is almost
   * always free as well. */
  int fd = socket (AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa
      = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sa;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&sa, &len), ==, 0);
  close (fd);
  return ntohs (sa.sin_port);
}

static void
child_setup (gpointer data)
{
  (void)data;
  /* If the test dies, nsd follows. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
write_file (const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (env.dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
}

static FctResolver *
make_unbound (guint timeout_ms)
{
  FctLimits limits;
  g_autoptr (GError) error = NULL;

  fct_limits_init (&limits);
  limits.dns_timeout_ms = timeout_ms;
  /* Forwarding to an authoritative-only server: the root trust anchor is disabled
   * (""), since nsd cannot answer for the root's DNSKEY and validation would fail.
   * Answers are then DNSSEC "unknown", as the zone file's. */
  FctResolverOptions options = { env.forwarder, "", &limits };
  FctResolver *resolver = fct_resolver_new_unbound (&options, &error);
  g_assert_no_error (error);
  return resolver;
}

/* Runs a tool in env.dir; returns its output, stripped (transfer full), or NULL. */
static char *
run_tool (const char *const *argv)
{
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (env.dir, (char **)argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, &error)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_printerr ("# %s failed%s%s\n", argv[0], error != NULL ? ": " : "",
                  error != NULL ? error->message : "");
      return NULL;
    }
  return g_strdup (g_strstrip (out));
}

/* Signs ZONE.zone into ZONE.zone.signed and returns the key's DS record. */
static char *
sign_zone (const char *zone)
{
  g_autofree char *text = g_strdup_printf (signed_zone, zone);
  g_autofree char *file = g_strconcat (zone, ".zone", NULL);
  const char *keygen[] = { "ldns-keygen", "-a", "ECDSAP256SHA256", "-k", zone, NULL };

  write_file (file, text);
  g_autofree char *key = run_tool (keygen);
  if (key == NULL)
    return NULL;
  const char *sign[] = { "ldns-signzone", file, key, NULL };
  g_autofree char *signed_out = run_tool (sign);
  if (signed_out == NULL)
    return NULL;
  g_autofree char *ds_name = g_strconcat (key, ".ds", NULL);
  g_autofree char *ds_path = g_build_filename (env.dir, ds_name, NULL);
  char *ds = NULL;
  if (!g_file_get_contents (ds_path, &ds, NULL, NULL))
    return NULL;
  return ds;
}

/* secure.test and bogus.test, signed; in bogus.test an address is changed after
 * signing so that its signature no longer matches (RFC 4035 §5.3). */
static gboolean
make_signed_zones (void)
{
  g_autofree char *keygen = g_find_program_in_path ("ldns-keygen");
  g_autofree char *signzone = g_find_program_in_path ("ldns-signzone");
  if (keygen == NULL || signzone == NULL)
    return FALSE;

  g_autofree char *secure = sign_zone ("secure.test");
  g_autofree char *bogus = sign_zone ("bogus.test");
  if (secure == NULL || bogus == NULL)
    return FALSE;
  g_autofree char *path = g_build_filename (env.dir, "bogus.test.zone.signed", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  g_auto (GStrv) parts = g_strsplit (text, "192.0.2.80", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_autofree char *altered = g_strjoinv ("192.0.2.66", parts);
  write_file ("bogus.test.zone.signed", altered);

  g_autofree char *anchors = g_strconcat (secure, "\n", bogus, "\n", NULL);
  write_file ("anchors", anchors);
  env.anchors = g_build_filename (env.dir, "anchors", NULL);
  return TRUE;
}

static gboolean
start_nsd (void)
{
  g_autoptr (GError) error = NULL;
  guint16 port = free_port ();
  g_autofree char *conf
      = g_strdup_printf ("server:\n"
                         "    ip-address: 127.0.0.1@%u\n"
                         "    port: %u\n"
                         "    username: \"\"\n"
                         "    chroot: \"\"\n"
                         "    zonesdir: \"%s\"\n"
                         "    database: \"\"\n"
                         "    zonelistfile: \"%s/zone.list\"\n"
                         "    xfrdfile: \"%s/xfrd.state\"\n"
                         "    pidfile: \"%s/nsd.pid\"\n"
                         "    logfile: \"%s/nsd.log\"\n"
                         "    server-count: 1\n"
                         "    rrl-ratelimit: 0\n"
                         "    rrl-whitelist-ratelimit: 0\n"
                         "remote-control:\n"
                         "    control-enable: no\n"
                         "zone:\n"
                         "    name: \"example.test\"\n"
                         "    zonefile: \"forward.zone\"\n"
                         "zone:\n"
                         "    name: \"2.0.192.in-addr.arpa\"\n"
                         "    zonefile: \"reverse.zone\"\n",
                         port, port, env.dir, env.dir, env.dir, env.dir, env.dir);
  g_autofree char *full_conf
      = g_strconcat (conf, make_signed_zones () ? signed_conf : "", NULL);
  write_file ("nsd.conf", full_conf);
  write_file ("forward.zone", forward_zone);
  write_file ("reverse.zone", reverse_zone);
  g_autofree char *both = g_strconcat (forward_zone, reverse_zone, NULL);
  write_file ("both.zone", both);
  g_free (env.zone_path);
  env.zone_path = g_build_filename (env.dir, "both.zone", NULL);
  g_free (env.forwarder);
  env.forwarder = g_strdup_printf ("127.0.0.1@%u", port);

  g_autofree char *conf_path = g_build_filename (env.dir, "nsd.conf", NULL);
  const char *argv[] = { "nsd", "-d", "-c", conf_path, NULL };
  if (!g_spawn_async (env.dir, (char **)argv, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL,
                      &env.nsd, &error))
    {
      g_printerr ("# cannot start nsd: %s\n", error->message);
      return FALSE;
    }
  env.running = TRUE;

  /* Ready when it answers; a fresh resolver each time, so no failure is remembered. */
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      int status;
      if (waitpid (env.nsd, &status, WNOHANG) == env.nsd)
        {
          /* It could not start: the port was taken meanwhile, most likely. */
          g_spawn_close_pid (env.nsd);
          env.running = FALSE;
          g_printerr ("# nsd exited at start on %s\n", env.forwarder);
          return FALSE;
        }
      g_autoptr (FctResolver) probe = make_unbound (200);
      g_autoptr (FctDnsAnswer) soa
          = fct_resolver_query (probe, "example.test", FCT_DNS_TYPE_SOA);
      if (fct_dns_answer_has_records (soa))
        return TRUE;
      g_usleep (100 * 1000);
    }
  g_printerr ("# nsd did not answer on %s\n", env.forwarder);
  return FALSE;
}

static void
stop_nsd (void)
{
  if (!env.running)
    return;
  kill (env.nsd, SIGTERM);
  waitpid (env.nsd, NULL, 0);
  g_spawn_close_pid (env.nsd);
  env.running = FALSE;
}

/* g_ptr_array_sort passes pointers to the elements. */
static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *)a, *(char *const *)b);
}

static GPtrArray *
sorted_records (const FctDnsAnswer *answer)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < answer->records->len; i++)
    {
      const FctDnsRecord *rr = g_ptr_array_index (answer->records, i);
      g_autofree char *data = fct_dns_record_to_string (rr);
      g_ptr_array_add (out,
                       g_strdup_printf ("%s %s", fct_dns_type_to_string (rr->type), data));
    }
  g_ptr_array_sort (out, compare_strings);
  return out;
}

/* FALSE when the test must stop: skipped if nsd is not installed, failed if it is
 * installed but did not start. */
static gboolean
nsd_ready (void)
{
  if (env.missing)
    g_test_skip ("nsd is not installed (Debian package nsd)");
  else if (!env.running)
    g_test_fail_printf ("nsd did not start or answer (see %s/nsd.log)", env.dir);
  return env.running;
}

static void
test_same_answer (gconstpointer data)
{
  const Query *q = data;

  if (!nsd_ready ())
    return;
  g_autoptr (FctDnsAnswer) from_zone = fct_resolver_query (env.zone, q->name, q->type);
  g_autoptr (FctDnsAnswer) from_nsd = fct_resolver_query (env.unbound, q->name, q->type);

  g_assert_cmpstr (fct_dns_rcode_to_string (from_zone->rcode), ==,
                   fct_dns_rcode_to_string (q->rcode));
  g_assert_cmpstr (fct_dns_rcode_to_string (from_nsd->rcode), ==,
                   fct_dns_rcode_to_string (q->rcode));
  g_assert_cmpstr (from_nsd->qname, ==, from_zone->qname);
  g_assert_cmpstr (from_nsd->canonical_name, ==, from_zone->canonical_name);
  g_assert_cmpint (from_nsd->dnssec, ==, FCT_DNSSEC_UNKNOWN);
  g_autoptr (GPtrArray) a = sorted_records (from_zone);
  g_autoptr (GPtrArray) b = sorted_records (from_nsd);
  g_assert_cmpuint (b->len, ==, a->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (b->pdata[i], ==, a->pdata[i]);
  /* TTLs: a cache only lowers them. */
  for (guint i = 0; i < from_nsd->records->len; i++)
    g_assert_cmpuint (((FctDnsRecord *)from_nsd->records->pdata[i])->ttl, <=, 3600);
  /* Separate TXT strings survive the trip, bytes included. */
  for (guint i = 0; q->type == FCT_DNS_TYPE_TXT && i < from_zone->records->len; i++)
    {
      g_autoptr (GBytes) joined_zone
          = fct_dns_record_txt_joined (from_zone->records->pdata[i]);
      gboolean found = FALSE;
      for (guint j = 0; j < from_nsd->records->len; j++)
        {
          g_autoptr (GBytes) joined_nsd
              = fct_dns_record_txt_joined (from_nsd->records->pdata[j]);
          found = found || g_bytes_equal (joined_zone, joined_nsd);
        }
      g_assert_true (found);
    }
}

typedef struct
{
  guint done;
  guint good;
} Count;

static void
count_cb (FctDnsAnswer *answer, gpointer user_data)
{
  Count *c = user_data;
  c->done++;
  if (fct_dns_answer_has_records (answer))
    {
      g_autofree char *data = fct_dns_record_to_string (answer->records->pdata[0]);
      c->good += g_strcmp0 (data, "192.0.2.99") == 0;
    }
}

static void
test_many_at_once (void)
{
  if (!nsd_ready ())
    return;
  /* A fresh resolver, so that every query goes to nsd, all of them in flight at once
   * (wildcard names, RFC 4592). */
  g_autoptr (FctResolver) resolver = make_unbound (5000);
  Count c = { 0, 0 };
  FctResolverStats stats;

  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *name = g_strdup_printf ("n%u.wild.example.test", i);
      fct_resolver_query_async (resolver, name, FCT_DNS_TYPE_A, count_cb, &c);
    }
  while (c.done < 200)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (c.good, ==, 200);
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.backend_queries, ==, 200);
}

typedef struct
{
  const char *name;
  FctDnsType type;
  FctDnsRcode rcode;
  guint records;
  FctDnssecStatus dnssec;
} DnssecCase;

static const DnssecCase dnssec_cases[] = {
  { "www.secure.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, 1, FCT_DNSSEC_SECURE },
  { "secure.test", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, 1, FCT_DNSSEC_SECURE },
  /* Denial of existence proven by NSEC (RFC 4035 §5.4). */
  { "nothere.secure.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NXDOMAIN, 0, FCT_DNSSEC_SECURE },
  { "www.secure.test", FCT_DNS_TYPE_MX, FCT_DNS_RCODE_NOERROR, 0, FCT_DNSSEC_SECURE },
  { "www.bogus.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_SERVFAIL, 0, FCT_DNSSEC_BOGUS },
  /* No trust anchor covers it: validated as insecure, not unknown. */
  { "mail.example.test", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, 1, FCT_DNSSEC_INSECURE },
};

static void
test_dnssec (void)
{
  if (!nsd_ready ())
    return;
  if (env.anchors == NULL)
    {
      g_test_skip ("ldns-keygen or ldns-signzone missing (Debian package ldnsutils)");
      return;
    }
  FctLimits limits;
  g_autoptr (GError) error = NULL;
  fct_limits_init (&limits);
  /* The signed zones' own DS records are the trust anchors: no root key needed. */
  FctResolverOptions options = { env.forwarder, env.anchors, &limits };
  g_autoptr (FctResolver) resolver = fct_resolver_new_unbound (&options, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (dnssec_cases); i++)
    {
      const DnssecCase *c = &dnssec_cases[i];
      g_autoptr (FctDnsAnswer) answer = fct_resolver_query (resolver, c->name, c->type);
      g_test_message ("%s %s: %s %s", c->name, fct_dns_type_to_string (c->type),
                      fct_dns_rcode_to_string (answer->rcode),
                      fct_dnssec_status_to_string (answer->dnssec));
      g_assert_cmpstr (fct_dns_rcode_to_string (answer->rcode), ==,
                       fct_dns_rcode_to_string (c->rcode));
      g_assert_cmpstr (fct_dnssec_status_to_string (answer->dnssec), ==,
                       fct_dnssec_status_to_string (c->dnssec));
      g_assert_cmpuint (answer->records->len, ==, c->records);
      if (c->dnssec == FCT_DNSSEC_BOGUS)
        g_assert_nonnull (answer->reason);
    }
}

static void
test_refused (void)
{
  if (!nsd_ready ())
    return;
  /* nsd refuses names outside its zones: a server failure for facteur. */
  g_autoptr (FctDnsAnswer) answer
      = fct_resolver_query (env.unbound, "outside.example.org", FCT_DNS_TYPE_A);
  g_assert_cmpint (answer->rcode, ==, FCT_DNS_RCODE_SERVFAIL);
  g_assert_nonnull (answer->reason);
  g_assert_cmpuint (answer->records->len, ==, 0);
}

static gpointer
thread_queries (gpointer data)
{
  FctResolver *resolver = data;
  guint good = 0;

  /* Blocking calls, each on its own private context, interleaved with the other
   * thread's, half of them shared names (coalesced or cached), half its own. */
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *name
          = i % 2 == 0 ? g_strdup_printf ("shared%u.wild.example.test", i)
                       : g_strdup_printf ("t%p-%u.wild.example.test", g_thread_self (), i);
      g_autoptr (FctDnsAnswer) answer = fct_resolver_query (resolver, name, FCT_DNS_TYPE_A);
      if (fct_dns_answer_has_records (answer))
        good++;
    }
  return GUINT_TO_POINTER (good);
}

static void
test_two_threads (void)
{
  if (!nsd_ready ())
    return;
  g_autoptr (FctResolver) resolver = make_unbound (5000);
  GThread *threads[2];
  FctResolverStats stats;

  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("dns-nsd", thread_queries, resolver);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (threads[i])), ==, 60);
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.queries, ==, 120);
  g_assert_cmpuint (stats.cache_hits + stats.backend_queries, ==, 120);
  g_assert_cmpuint (stats.backend_queries, >=, 90);
}

/* Runs facteur dns NAME TYPE with extra arguments; returns its JSON's comparable part:
 * rcode, canonical name and sorted "TYPE data" strings. */
static char *
cli_answer (const char *name, const char *type, const char *option, const char *value)
{
  const char *argv[] = { env.facteur, "dns", name, type, option, value, "--json", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  JsonArray *records = json_object_get_array_member (o, "records");
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *r = json_array_get_object_element (records, i);
      g_ptr_array_add (lines,
                       g_strdup_printf ("%s %s", json_object_get_string_member (r, "type"),
                                        json_object_get_string_member (r, "data")));
    }
  g_ptr_array_sort (lines, compare_strings);
  g_ptr_array_add (lines, NULL);
  g_autofree char *joined = g_strjoinv ("|", (char **)lines->pdata);
  return g_strdup_printf ("%s %s %s [%s]", json_object_get_string_member (o, "name"),
                          json_object_get_string_member (o, "rcode"),
                          json_object_get_string_member (o, "canonical_name"), joined);
}

static void
test_cli (void)
{
  static const char *cases[][2] = {
    { "example.test", "MX" },        { "multi.example.test", "TXT" },
    { "c1.example.test", "A" },      { "_25._tcp.mail.example.test", "TLSA" },
    { "nothere.example.test", "A" }, { "25.2.0.192.in-addr.arpa", "PTR" },
    { "mail.example.test", "MX" },
  };

  g_assert_nonnull (env.facteur); /* meson passes --facteur PATH */
  if (!nsd_ready ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* With the default trust anchor on: test. is declared insecure by the back end. */
      g_autofree char *server
          = cli_answer (cases[i][0], cases[i][1], "--dns-server", env.forwarder);
      g_autofree char *zone
          = cli_answer (cases[i][0], cases[i][1], "--dns-zone", env.zone_path);
      g_assert_cmpstr (server, ==, zone);
      g_assert_null (strstr (server, "SERVFAIL"));
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp (argv[i], "--facteur") == 0)
      env.facteur = argv[i + 1];

  env.dir = g_dir_make_tmp ("fct-nsd-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *nsd = g_find_program_in_path ("nsd");
  env.missing = nsd == NULL;
  /* The port was free when chosen, but another program may take it before nsd binds
     it: then nsd exits, and another port is tried, a few times. */
  gboolean started = FALSE;
  for (guint attempt = 0; !env.missing && !started && attempt < 5; attempt++)
    {
      started = start_nsd ();
      if (!started && env.running)
        break; /* it runs but does not answer: trying again would not help */
    }
  if (started)
    {
      env.unbound = make_unbound (5000);
      g_autoptr (GError) zone_error = NULL;
      env.zone = fct_resolver_new_zone_file (env.zone_path, NULL, &zone_error);
      g_assert_no_error (zone_error);
    }
  else
    stop_nsd ();

  for (gsize i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autofree char *path
          = g_strdup_printf ("/dns/nsd/same/%02" G_GSIZE_FORMAT "-%s-%s", i,
                             queries[i].name, fct_dns_type_to_string (queries[i].type));
      g_test_add_data_func (path, &queries[i], test_same_answer);
    }
  g_test_add_func ("/dns/nsd/many-at-once", test_many_at_once);
  g_test_add_func ("/dns/nsd/two-threads", test_two_threads);
  g_test_add_func ("/dns/nsd/refused", test_refused);
  g_test_add_func ("/dns/nsd/dnssec", test_dnssec);
  g_test_add_func ("/dns/nsd/cli", test_cli);
  status = g_test_run ();

  g_clear_pointer (&env.unbound, fct_resolver_unref);
  g_clear_pointer (&env.zone, fct_resolver_unref);
  stop_nsd ();
  g_autoptr (GDir) dir = g_dir_open (env.dir, 0, NULL);
  for (const char *name; dir != NULL && (name = g_dir_read_name (dir)) != NULL;)
    {
      g_autofree char *path = g_build_filename (env.dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (env.dir);
  g_free (env.dir);
  g_free (env.zone_path);
  g_free (env.forwarder);
  g_free (env.anchors);
  return status;
}
