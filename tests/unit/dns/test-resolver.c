/* The generic resolver (src/lib/dns/resolver.c) over the zone back end and over a
 * hand-driven test back end: rcodes, BADNAME, timeouts, late answers, many queries in
 * flight, cache and coalescing (seen in the stats), the blocking call, two threads,
 * and delivery in the caller's main context. Also the value helpers of types.c. */
#include "src/lib/dns/dns-private.h"

static const char zone[] = "$ORIGIN example.com.\n"
                           "$TTL 300\n"
                           "@ SOA ns1 hostmaster 1 3600 900 604800 60\n"
                           "mail A 192.0.2.2\n"
                           "www CNAME mail\n"
                           "a.b A 192.0.2.3\n"
                           "c1 CNAME c2\nc2 CNAME c3\nc3 TXT \"end\"\n"
                           "loop1 CNAME loop2\nloop2 CNAME loop1\n"
                           "slow TIMEOUT\n"
                           "slow TXT \"slow but here\"\n"
                           "broken SERVFAIL\n"
                           "volatile 0 A 192.0.2.4\n";

static FctResolver *
make_resolver (const char *text, const FctLimits *limits)
{
  g_autoptr (GError) error = NULL;
  FctResolver *resolver
      = fct_resolver_new_zone_data (text, strlen (text), "test.zone", limits, &error);
  g_assert_no_error (error);
  return resolver;
}

static FctResolver *
make_default (void)
{
  FctLimits limits;
  fct_limits_init (&limits);
  limits.dns_timeout_ms = 50;
  return make_resolver (zone, &limits);
}

typedef struct
{
  const char *name;
  FctDnsType type;
  FctDnsRcode rcode;
  guint records;
  const char *canonical; /* NULL: the qname */
} RcodeCase;

static const RcodeCase rcode_cases[] = {
  { "mail.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, 1, NULL },
  { "MAIL.Example.COM.", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, 1, NULL },
  { "nope.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NXDOMAIN, 0, NULL },
  { "mail.example.com", FCT_DNS_TYPE_MX, FCT_DNS_RCODE_NOERROR, 0, NULL },
  { "b.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, 0, NULL },
  { "www.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_NOERROR, 1, "mail.example.com" },
  { "c1.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, 1, "c3.example.com" },
  { "loop1.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_SERVFAIL, 0, "loop2.example.com" },
  { "broken.example.com", FCT_DNS_TYPE_MX, FCT_DNS_RCODE_SERVFAIL, 0, NULL },
  { "slow.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_TIMEOUT, 0, NULL },
  { "slow.example.com", FCT_DNS_TYPE_TXT, FCT_DNS_RCODE_NOERROR, 1, NULL },
  { "", FCT_DNS_TYPE_A, FCT_DNS_RCODE_BADNAME, 0, NULL },
  { "a..example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_BADNAME, 0, NULL },
  { ".example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_BADNAME, 0, NULL },
  { "a\\999.example.com", FCT_DNS_TYPE_A, FCT_DNS_RCODE_BADNAME, 0, NULL },
  { "x123456789012345678901234567890123456789012345678901234567890123.com", FCT_DNS_TYPE_A,
    FCT_DNS_RCODE_BADNAME, 0, NULL },
  /* 63 octets is the most a label may hold. */
  { "x12345678901234567890123456789012345678901234567890123456789012.com", FCT_DNS_TYPE_A,
    FCT_DNS_RCODE_NXDOMAIN, 0, NULL },
};

static void
test_rcode (gconstpointer data)
{
  const RcodeCase *c = data;
  g_autoptr (FctResolver) resolver = make_default ();
  g_autoptr (FctDnsAnswer) answer = fct_resolver_query (resolver, c->name, c->type);

  g_assert_cmpstr (fct_dns_rcode_to_string (answer->rcode), ==,
                   fct_dns_rcode_to_string (c->rcode));
  g_assert_cmpuint (answer->records->len, ==, c->records);
  g_assert_cmpint (answer->qtype, ==, c->type);
  if (c->rcode != FCT_DNS_RCODE_BADNAME)
    {
      g_autofree char *lower = g_ascii_strdown (c->name, -1);
      if (g_str_has_suffix (lower, "."))
        lower[strlen (lower) - 1] = '\0';
      g_assert_cmpstr (answer->qname, ==, lower);
      g_assert_cmpstr (answer->canonical_name, ==,
                       c->canonical != NULL ? c->canonical : lower);
    }
  if (c->rcode == FCT_DNS_RCODE_TIMEOUT || c->rcode == FCT_DNS_RCODE_BADNAME
      || c->rcode == FCT_DNS_RCODE_SERVFAIL)
    g_assert_nonnull (answer->reason);
}

static void
test_long_name (void)
{
  g_autoptr (FctResolver) resolver = make_default ();
  /* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 octets: the longest name. */
  g_autofree char *l63 = g_strnfill (63, 'a');
  g_autofree char *l61 = g_strnfill (61, 'b');
  g_autofree char *longest = g_strjoin (".", l63, l63, l63, l61, NULL);
  g_autofree char *too_long = g_strconcat ("c", longest, NULL);
  g_autoptr (FctDnsAnswer) ok = fct_resolver_query (resolver, longest, FCT_DNS_TYPE_A);
  g_autoptr (FctDnsAnswer) bad = fct_resolver_query (resolver, too_long, FCT_DNS_TYPE_A);

  g_assert_cmpint (strlen (longest), ==, 253);
  g_assert_cmpint (ok->rcode, ==, FCT_DNS_RCODE_NXDOMAIN);
  g_assert_cmpint (bad->rcode, ==, FCT_DNS_RCODE_BADNAME);
}

typedef struct
{
  GMainContext *context;
  GThread *thread;
  gboolean returned; /* fct_resolver_query_async has returned */
  guint done;
  gboolean failed;
  GPtrArray *answers;
} Collect;

static void
collect_cb (FctDnsAnswer *answer, gpointer user_data)
{
  Collect *c = user_data;
  GMainContext *current = g_main_context_get_thread_default ();
  if (current == NULL)
    current = g_main_context_default ();
  if (!c->returned || current != c->context || g_thread_self () != c->thread)
    c->failed = TRUE;
  g_ptr_array_add (c->answers, fct_dns_answer_ref (answer));
  c->done++;
}

static void
collect_init (Collect *c)
{
  *c = (Collect){ 0 };
  c->context = g_main_context_ref_thread_default ();
  c->thread = g_thread_self ();
  c->answers = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dns_answer_unref);
}

static void
collect_clear (Collect *c)
{
  g_ptr_array_unref (c->answers);
  g_main_context_unref (c->context);
}

static void
collect_wait (Collect *c, guint n)
{
  while (c->done < n)
    g_main_context_iteration (c->context, TRUE);
}

static void
test_async_context (void)
{
  g_autoptr (FctResolver) resolver = make_default ();
  GMainContext *context = g_main_context_new ();
  Collect c;

  g_main_context_push_thread_default (context);
  collect_init (&c);
  fct_resolver_query_async (resolver, "mail.example.com", FCT_DNS_TYPE_A, collect_cb, &c);
  /* A BADNAME answer and a cached one are not delivered from inside the call either. */
  fct_resolver_query_async (resolver, "a..b", FCT_DNS_TYPE_A, collect_cb, &c);
  g_assert_cmpuint (c.done, ==, 0);
  c.returned = TRUE;
  collect_wait (&c, 2);
  c.returned = FALSE;
  fct_resolver_query_async (resolver, "mail.example.com", FCT_DNS_TYPE_A, collect_cb, &c);
  g_assert_cmpuint (c.done, ==, 2);
  c.returned = TRUE;
  collect_wait (&c, 3);
  g_assert_false (c.failed);
  collect_clear (&c);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* A zone file knows its answer when the query starts: a thread that stalls longer than
 * the timeout before it runs its main loop (a loaded machine, a slow sanitizer build)
 * must still get that answer, not a TIMEOUT from the timer that became due meanwhile. */
static void
test_stall_before_loop (void)
{
  FctLimits limits;
  Collect c;

  fct_limits_init (&limits);
  limits.dns_timeout_ms = 20;
  g_autoptr (FctResolver) resolver = make_resolver (zone, &limits);
  collect_init (&c);
  fct_resolver_query_async (resolver, "mail.example.com", FCT_DNS_TYPE_A, collect_cb, &c);
  fct_resolver_query_async (resolver, "nope.example.com", FCT_DNS_TYPE_A, collect_cb, &c);
  c.returned = TRUE;
  /* The stall: both timers are due before the loop runs at all. */
  g_usleep (5 * limits.dns_timeout_ms * 1000);
  collect_wait (&c, 2);
  g_assert_cmpint (((FctDnsAnswer *)c.answers->pdata[0])->rcode, ==, FCT_DNS_RCODE_NOERROR);
  g_assert_true (fct_dns_answer_has_records (c.answers->pdata[0]));
  g_assert_cmpint (((FctDnsAnswer *)c.answers->pdata[1])->rcode, ==,
                   FCT_DNS_RCODE_NXDOMAIN);
  g_assert_false (c.failed);
  collect_clear (&c);
}

static void
test_many_in_flight (void)
{
  GString *text = g_string_new ("$ORIGIN many.test.\n");
  for (guint i = 0; i < 200; i++)
    g_string_append_printf (text, "h%u A 10.0.%u.%u\n", i, i / 256, i % 256);
  g_autoptr (FctResolver) resolver = make_resolver (text->str, NULL);
  g_string_free (text, TRUE);
  Collect c;
  FctResolverStats stats;

  collect_init (&c);
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *name = g_strdup_printf ("h%u.many.test", i);
      fct_resolver_query_async (resolver, name, FCT_DNS_TYPE_A, collect_cb, &c);
    }
  c.returned = TRUE;
  g_assert_cmpuint (c.done, ==, 0);
  collect_wait (&c, 200);
  g_assert_false (c.failed);
  for (guint i = 0; i < 200; i++)
    {
      const FctDnsAnswer *a = g_ptr_array_index (c.answers, i);
      g_assert_true (fct_dns_answer_has_records (a));
      g_assert_true (g_str_has_prefix (a->qname, "h"));
      guint n = (guint)g_ascii_strtoull (a->qname + 1, NULL, 10);
      g_autofree char *expected = g_strdup_printf ("10.0.%u.%u", n / 256, n % 256);
      g_autofree char *got = fct_dns_record_to_string (g_ptr_array_index (a->records, 0));
      g_assert_cmpstr (got, ==, expected);
    }
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.queries, ==, 200);
  g_assert_cmpuint (stats.backend_queries, ==, 200);
  g_assert_cmpuint (stats.cache_hits, ==, 0);
  collect_clear (&c);
}

static void
test_cache_and_coalescing (void)
{
  g_autoptr (FctResolver) resolver = make_default ();
  FctResolverStats stats;
  Collect c;

  /* Positive and negative answers are cached. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (FctDnsAnswer) a
          = fct_resolver_query (resolver, "mail.example.com", FCT_DNS_TYPE_A);
      g_autoptr (FctDnsAnswer) n
          = fct_resolver_query (resolver, "nope.example.com", FCT_DNS_TYPE_A);
      g_autoptr (FctDnsAnswer) d
          = fct_resolver_query (resolver, "mail.example.com", FCT_DNS_TYPE_MX);
      g_assert_true (fct_dns_answer_has_records (a));
      g_assert_cmpint (n->rcode, ==, FCT_DNS_RCODE_NXDOMAIN);
      g_assert_cmpint (d->rcode, ==, FCT_DNS_RCODE_NOERROR);
    }
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.queries, ==, 9);
  g_assert_cmpuint (stats.backend_queries, ==, 3);
  g_assert_cmpuint (stats.cache_hits, ==, 6);

  /* TTL 0 is never cached, but identical queries in flight share one back-end query. */
  collect_init (&c);
  for (guint i = 0; i < 10; i++)
    fct_resolver_query_async (resolver, "Volatile.example.com", FCT_DNS_TYPE_A, collect_cb,
                              &c);
  c.returned = TRUE;
  collect_wait (&c, 10);
  g_assert_false (c.failed);
  for (guint i = 0; i < 10; i++)
    g_assert_true (fct_dns_answer_has_records (g_ptr_array_index (c.answers, i)));
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.backend_queries, ==, 4);
  g_assert_cmpuint (stats.cache_hits, ==, 15);
  g_autoptr (FctDnsAnswer) again
      = fct_resolver_query (resolver, "volatile.example.com", FCT_DNS_TYPE_A);
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.backend_queries, ==, 5);
  collect_clear (&c);

  /* Neither TIMEOUT nor SERVFAIL is cached. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (FctDnsAnswer) t
          = fct_resolver_query (resolver, "slow.example.com", FCT_DNS_TYPE_A);
      g_autoptr (FctDnsAnswer) s
          = fct_resolver_query (resolver, "broken.example.com", FCT_DNS_TYPE_A);
      g_assert_cmpint (t->rcode, ==, FCT_DNS_RCODE_TIMEOUT);
      g_assert_cmpint (s->rcode, ==, FCT_DNS_RCODE_SERVFAIL);
    }
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.backend_queries, ==, 9);
}

static void
test_cache_bound (void)
{
  FctLimits limits;
  FctResolverStats stats;

  fct_limits_init (&limits);
  limits.dns_cache_entries_max = 2;
  g_autoptr (FctResolver) resolver = make_resolver (zone, &limits);
  const char *order[] = { "mail", "www", "mail", "c3", "mail", "www" };
  /* mail miss, www miss, mail hit, c3 miss (evicts www), mail hit, www miss. */
  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autofree char *name = g_strconcat (order[i], ".example.com", NULL);
      g_autoptr (FctDnsAnswer) a = fct_resolver_query (resolver, name, FCT_DNS_TYPE_A);
      g_assert_cmpint (a->rcode, ==, FCT_DNS_RCODE_NOERROR);
    }
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.backend_queries, ==, 4);
  g_assert_cmpuint (stats.cache_hits, ==, 2);
}

/* A back end the test answers by hand. */
typedef struct
{
  GPtrArray *queries; /* FctDnsQuery * (one reference each) */
} ManualBackend;

static void
manual_start (gpointer backend, FctDnsQuery *query)
{
  ManualBackend *m = backend;
  g_ptr_array_add (m->queries, query);
}

static void
manual_free (gpointer backend)
{
  ManualBackend *m = backend;
  g_ptr_array_unref (m->queries);
  g_free (m);
}

static const FctDnsBackendVtable manual_vtable = { manual_start, manual_free };

static FctDnsAnswer *
manual_answer (FctDnsQuery *query, guint32 ttl)
{
  FctDnsAnswer *answer
      = fct_dns_answer_new (fct_dns_query_get_name (query), fct_dns_query_get_type (query),
                            FCT_DNS_RCODE_NOERROR);
  FctDnsRecord *rr = fct_dns_record_new (FCT_DNS_TYPE_A, ttl);
  rr->addr[0] = 192;
  g_ptr_array_add (answer->records, rr);
  return answer;
}

static void
test_late_answer_dropped (void)
{
  ManualBackend *m = g_new0 (ManualBackend, 1);
  FctLimits limits;
  FctResolverStats stats;
  Collect c;

  m->queries = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dns_query_unref);
  fct_limits_init (&limits);
  limits.dns_timeout_ms = 20;
  g_autoptr (FctResolver) resolver = fct_resolver_new_backend (&manual_vtable, m, &limits);

  collect_init (&c);
  fct_resolver_query_async (resolver, "late.test", FCT_DNS_TYPE_A, collect_cb, &c);
  fct_resolver_query_async (resolver, "late.test", FCT_DNS_TYPE_A, collect_cb, &c);
  c.returned = TRUE;
  g_assert_cmpuint (m->queries->len, ==, 1);
  g_assert_cmpstr (fct_dns_query_get_name (m->queries->pdata[0]), ==, "late.test");
  collect_wait (&c, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpint (((FctDnsAnswer *)c.answers->pdata[i])->rcode, ==,
                     FCT_DNS_RCODE_TIMEOUT);

  /* The back end answers after both timers fired: nobody hears of it, nothing cached. */
  FctDnsQuery *late = g_ptr_array_steal_index (m->queries, 0);
  fct_dns_query_complete (late, manual_answer (late, 300), 0);
  while (g_main_context_iteration (c.context, FALSE))
    ;
  g_assert_cmpuint (c.done, ==, 2);

  fct_resolver_query_async (resolver, "late.test", FCT_DNS_TYPE_A, collect_cb, &c);
  g_assert_cmpuint (m->queries->len, ==, 1);
  FctDnsQuery *q = g_ptr_array_steal_index (m->queries, 0);
  fct_dns_query_complete (q, manual_answer (q, 300), 0);
  collect_wait (&c, 3);
  g_assert_true (fct_dns_answer_has_records (c.answers->pdata[2]));
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.backend_queries, ==, 2);
  g_assert_cmpuint (stats.cache_hits, ==, 1);

  /* A query still held by the back end when the resolver goes: released, not leaked. */
  fct_resolver_query_async (resolver, "held.test", FCT_DNS_TYPE_A, collect_cb, &c);
  collect_wait (&c, 4);
  g_assert_false (c.failed);
  collect_clear (&c);
}

/* Stats as three numbers, to compare a whole step at once. */
static void
assert_stats (FctResolver *resolver, guint64 queries, guint64 hits, guint64 backend)
{
  FctResolverStats stats;

  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.queries, ==, queries);
  g_assert_cmpuint (stats.cache_hits, ==, hits);
  g_assert_cmpuint (stats.backend_queries, ==, backend);
}

static void
test_lookup_cached (void)
{
  g_autoptr (FctResolver) resolver = make_default ();

  /* Nothing asked yet: a miss, which neither queries nor counts. */
  g_assert_null (fct_resolver_lookup_cached (resolver, "mail.example.com", FCT_DNS_TYPE_A));
  assert_stats (resolver, 0, 0, 0);

  g_autoptr (FctDnsAnswer) a
      = fct_resolver_query (resolver, "mail.example.com", FCT_DNS_TYPE_A);
  g_autoptr (FctDnsAnswer) n
      = fct_resolver_query (resolver, "nope.example.com", FCT_DNS_TYPE_A);
  g_autoptr (FctDnsAnswer) v
      = fct_resolver_query (resolver, "volatile.example.com", FCT_DNS_TYPE_A);
  g_autoptr (FctDnsAnswer) s
      = fct_resolver_query (resolver, "broken.example.com", FCT_DNS_TYPE_MX);
  assert_stats (resolver, 4, 0, 4);

  /* The very answer the cache shares, whatever the spelling of the name: case, a
   * trailing dot, an escape that only the full parser reads (\065 is 'A'). */
  const char *spellings[]
      = { "mail.example.com", "MAIL.Example.COM.", "m\\065il.example.com" };
  for (gsize i = 0; i < G_N_ELEMENTS (spellings); i++)
    {
      g_autoptr (FctDnsAnswer) hit
          = fct_resolver_lookup_cached (resolver, spellings[i], FCT_DNS_TYPE_A);
      g_assert_true (hit == a);
    }
  assert_stats (resolver, 7, 3, 4);

  /* Another type at the same name is another entry. */
  g_assert_null (
      fct_resolver_lookup_cached (resolver, "mail.example.com", FCT_DNS_TYPE_MX));
  /* NXDOMAIN lives as long as the SOA's negative TTL (60 s here). */
  g_autoptr (FctDnsAnswer) negative
      = fct_resolver_lookup_cached (resolver, "nope.example.com", FCT_DNS_TYPE_A);
  g_assert_true (negative == n);
  /* A TTL of 0 and a SERVFAIL are not kept; a name DNS cannot carry is no hit. */
  g_assert_null (
      fct_resolver_lookup_cached (resolver, "volatile.example.com", FCT_DNS_TYPE_A));
  g_assert_null (
      fct_resolver_lookup_cached (resolver, "broken.example.com", FCT_DNS_TYPE_MX));
  g_assert_null (fct_resolver_lookup_cached (resolver, "a..example.com", FCT_DNS_TYPE_A));
  g_assert_null (fct_resolver_lookup_cached (resolver, "", FCT_DNS_TYPE_A));
  assert_stats (resolver, 8, 4, 4);

  /* The asynchronous path finds the same entries: a hit, no back-end query. */
  g_autoptr (FctDnsAnswer) again
      = fct_resolver_query (resolver, "Nope.Example.Com", FCT_DNS_TYPE_A);
  g_assert_true (again == n);
  assert_stats (resolver, 9, 5, 4);
}

/* A negative answer is cached for the negative TTL the back end gives, and not at all
 * for 0 (RFC 2308 §5); a positive one for its records' TTL. */
static void
test_lookup_cached_negative_ttl (void)
{
  ManualBackend *m = g_new0 (ManualBackend, 1);
  FctLimits limits;
  Collect c;

  m->queries = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dns_query_unref);
  fct_limits_init (&limits);
  g_autoptr (FctResolver) resolver = fct_resolver_new_backend (&manual_vtable, m, &limits);
  collect_init (&c);

  const char *names[] = { "nodata-0.test", "nodata-300.test", "nx-0.test", "nx-300.test" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      fct_resolver_query_async (resolver, names[i], FCT_DNS_TYPE_TXT, collect_cb, &c);
      g_assert_cmpuint (m->queries->len, ==, 1);
      FctDnsQuery *q = g_ptr_array_steal_index (m->queries, 0);
      FctDnsRcode rcode = g_str_has_prefix (names[i], "nx") ? FCT_DNS_RCODE_NXDOMAIN
                                                            : FCT_DNS_RCODE_NOERROR;
      guint32 negative_ttl = strstr (names[i], "-300") != NULL ? 300 : 0;
      fct_dns_query_complete (
          q, fct_dns_answer_new (fct_dns_query_get_name (q), FCT_DNS_TYPE_TXT, rcode),
          negative_ttl);
    }
  c.returned = TRUE;
  collect_wait (&c, G_N_ELEMENTS (names));
  g_assert_false (c.failed);
  assert_stats (resolver, 4, 0, 4);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (FctDnsAnswer) hit
          = fct_resolver_lookup_cached (resolver, names[i], FCT_DNS_TYPE_TXT);
      if (strstr (names[i], "-300") != NULL)
        {
          g_assert_nonnull (hit);
          g_assert_cmpstr (hit->qname, ==, names[i]);
          g_assert_false (fct_dns_answer_has_records (hit));
        }
      else
        g_assert_null (hit);
    }
  assert_stats (resolver, 6, 2, 4);

  /* A positive answer with a record TTL of 0 is not kept either; with 300 it is, and
   * its negative TTL of 0 does not matter. */
  const guint32 ttls[] = { 0, 300 };
  for (gsize i = 0; i < G_N_ELEMENTS (ttls); i++)
    {
      g_autofree char *name = g_strdup_printf ("ttl-%u.test", ttls[i]);
      fct_resolver_query_async (resolver, name, FCT_DNS_TYPE_A, collect_cb, &c);
      FctDnsQuery *q = g_ptr_array_steal_index (m->queries, 0);
      fct_dns_query_complete (q, manual_answer (q, ttls[i]), 0);
      collect_wait (&c, G_N_ELEMENTS (names) + i + 1);
      g_autoptr (FctDnsAnswer) hit
          = fct_resolver_lookup_cached (resolver, name, FCT_DNS_TYPE_A);
      g_assert_true ((hit != NULL) == (ttls[i] > 0));
    }
  assert_stats (resolver, 9, 3, 6);
  collect_clear (&c);
}

typedef struct
{
  FctResolver *resolver;
  gboolean ok;
} ThreadData;

static gpointer
thread_main (gpointer data)
{
  ThreadData *t = data;
  GMainContext *context = g_main_context_new ();
  Collect c;

  g_main_context_push_thread_default (context);
  collect_init (&c);
  t->ok = TRUE;
  for (guint round = 0; round < 50; round++)
    {
      fct_resolver_query_async (t->resolver, "www.example.com", FCT_DNS_TYPE_A, collect_cb,
                                &c);
      fct_resolver_query_async (t->resolver, "volatile.example.com", FCT_DNS_TYPE_A,
                                collect_cb, &c);
      g_autoptr (FctDnsAnswer) b
          = fct_resolver_query (t->resolver, "nope.example.com", FCT_DNS_TYPE_A);
      t->ok = t->ok && b->rcode == FCT_DNS_RCODE_NXDOMAIN;
    }
  c.returned = TRUE;
  collect_wait (&c, 100);
  for (guint i = 0; i < c.answers->len; i++)
    t->ok = t->ok && fct_dns_answer_has_records (c.answers->pdata[i]);
  t->ok = t->ok && !c.failed;
  collect_clear (&c);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
test_two_threads (void)
{
  g_autoptr (FctResolver) resolver = make_default ();
  ThreadData t[2] = { { resolver, FALSE }, { resolver, FALSE } };
  GThread *threads[2];
  FctResolverStats stats;

  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("dns-test", thread_main, &t[i]);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  g_assert_true (t[0].ok);
  g_assert_true (t[1].ok);
  fct_resolver_get_stats (resolver, &stats);
  g_assert_cmpuint (stats.queries, ==, 300);
  g_assert_cmpuint (stats.cache_hits + stats.backend_queries, ==, 300);
}

static void
test_names_and_strings (void)
{
  static const guint8 v4[4] = { 192, 0, 2, 1 };
  static const guint8 v6[16]
      = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
  g_autofree char *r4 = fct_dns_reverse_name (v4, 4);
  g_autofree char *r6 = fct_dns_reverse_name (v6, 16);
  FctDnsType type;

  g_assert_cmpstr (r4, ==, "1.2.0.192.in-addr.arpa");
  g_assert_cmpstr (
      r6, ==, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  g_assert_true (fct_dns_type_from_string ("tlsa", &type));
  g_assert_cmpint (type, ==, FCT_DNS_TYPE_TLSA);
  g_assert_false (fct_dns_type_from_string ("SRV", &type));
  g_assert_cmpstr (fct_dns_type_to_string (FCT_DNS_TYPE_AAAA), ==, "AAAA");
  g_assert_null (fct_dns_type_to_string ((FctDnsType)99));
  g_assert_cmpstr (fct_dns_rcode_to_string (FCT_DNS_RCODE_NXDOMAIN), ==, "NXDOMAIN");
  g_assert_cmpstr (fct_dnssec_status_to_string (FCT_DNSSEC_BOGUS), ==, "bogus");

  /* Escapes are canonicalised: \065 is "a", a dot inside a label stays escaped. */
  FctDnsName name;
  gboolean absolute;
  g_assert_cmpint (fct_dns_name_parse ("\\065b\\.c.D\\(.", 13, &name, &absolute), ==,
                   FCT_DNS_NAME_OK);
  g_assert_true (absolute);
  g_autofree char *text = fct_dns_name_to_string (&name);
  g_assert_cmpstr (text, ==, "ab\\.c.d\\(");

  /* Wire form, as libunbound gives names inside RDATA. */
  static const guint8 wire[] = { 1, 'A', 3, 'c', ' ', 'm', 0, 0xff };
  gsize offset = 0;
  g_assert_true (fct_dns_name_from_wire (wire, sizeof wire, &offset, &name));
  g_assert_cmpuint (offset, ==, 7);
  g_autofree char *from_wire = fct_dns_name_to_string (&name);
  g_assert_cmpstr (from_wire, ==, "a.c\\032m");
  static const guint8 pointer[] = { 1, 'a', 0xc0, 0x0c };
  offset = 0;
  g_assert_false (fct_dns_name_from_wire (pointer, sizeof pointer, &offset, &name));
  offset = 0;
  g_assert_false (fct_dns_name_from_wire (wire, 3, &offset, &name));

  /* A TXT record in presentation form. */
  g_autoptr (FctDnsRecord) txt = fct_dns_record_new (FCT_DNS_TYPE_TXT, 60);
  g_ptr_array_add (txt->txt, g_bytes_new ("a\"b\\", 4));
  g_ptr_array_add (txt->txt, g_bytes_new ("\x01\x7f\xc3\xa9 ok", 7));
  g_autofree char *presented = fct_dns_record_to_string (txt);
  g_assert_cmpstr (presented, ==, "\"a\\\"b\\\\\" \"\\001\\127\\195\\169 ok\"");
  g_autoptr (FctDnsRecord) copy = fct_dns_record_copy (txt);
  g_assert_true (fct_dns_record_equal (txt, copy));
  fct_dns_record_free (NULL);
  fct_dns_answer_unref (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (rcode_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/dns/resolver/rcode/%02" G_GSIZE_FORMAT, i);
      g_test_add_data_func (path, &rcode_cases[i], test_rcode);
    }
  g_test_add_func ("/dns/resolver/long-name", test_long_name);
  g_test_add_func ("/dns/resolver/async-context", test_async_context);
  g_test_add_func ("/dns/resolver/stall-before-loop", test_stall_before_loop);
  g_test_add_func ("/dns/resolver/many-in-flight", test_many_in_flight);
  g_test_add_func ("/dns/resolver/cache-and-coalescing", test_cache_and_coalescing);
  g_test_add_func ("/dns/resolver/cache-bound", test_cache_bound);
  g_test_add_func ("/dns/resolver/late-answer-dropped", test_late_answer_dropped);
  g_test_add_func ("/dns/resolver/lookup-cached", test_lookup_cached);
  g_test_add_func ("/dns/resolver/lookup-cached-negative-ttl",
                   test_lookup_cached_negative_ttl);
  g_test_add_func ("/dns/resolver/two-threads", test_two_threads);
  g_test_add_func ("/dns/resolver/names-and-strings", test_names_and_strings);
  return g_test_run ();
}
