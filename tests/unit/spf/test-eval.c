/* Unit tests for the SPF evaluator beyond the openspf suite: many evaluations in flight
 * in one thread, the trace and fields of the verdict, the HELO identity, and hostile
 * input (loops, huge records, macro bombs, bad addresses) staying bounded. */
#include <facteur/spf.h>

static const char zone[]
    = "$TTL 300\n"
      "example.test. TXT \"v=spf1 ip4:192.0.2.0/24 include:_spf.example.test -all\"\n"
      "_spf.example.test. TXT \"v=spf1 ip6:2001:db8::/32 a:out.example.test ~all\"\n"
      "out.example.test. A 198.51.100.7\n"
      "mail.example.test. TXT \"v=spf1 a -all\"\n"
      "mail.example.test. A 203.0.113.5\n"
      "exp.example.test. TXT \"v=spf1 -all exp=why.example.test\"\n"
      "why.example.test. TXT \"%{i} may not send for %{d}\"\n"
      "loop.example.test. TXT \"v=spf1 include:loop.example.test -all\"\n"
      "bomb.example.test. TXT \"v=spf1 exists:%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}"
      "%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}.x.example.test -all\"\n"
      "nonascii.example.test. TXT \"v=spf1 a:caf\\195\\169.example.test -all\"\n"
      "slow.example.test. TXT \"v=spf1 a:hang.example.test -all\"\n"
      "hang.example.test. TIMEOUT\n";

static FctResolver *
make_resolver (const char *text, FctLimits *limits)
{
  g_autoptr (GError) error = NULL;
  fct_limits_init (limits);
  limits->dns_timeout_ms = 100;
  FctResolver *r = fct_resolver_new_zone_data (text, strlen (text), "eval", limits, &error);
  g_assert_no_error (error);
  return r;
}

static FctSpfVerdict *
check (const char *ip, const char *from, const char *helo, FctSpfIdentity identity)
{
  FctLimits limits;
  g_autoptr (FctResolver) r = make_resolver (zone, &limits);
  g_autoptr (GError) error = NULL;
  FctSpfRequest req = { .ip = ip, .mail_from = from, .helo = helo, .identity = identity };
  FctSpfVerdict *v = fct_spf_check (r, &limits, &req, &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
  return v;
}

static gboolean
trace_has (const FctSpfVerdict *v, guint depth, const char *needle)
{
  for (guint k = 0; k < v->trace->len; k++)
    {
      const FctSpfTraceStep *s = g_ptr_array_index (v->trace, k);
      g_autofree char *text = fct_spf_trace_step_to_string (s);
      if (s->depth == depth && strstr (text, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
test_pass_through_include (void)
{
  g_autoptr (FctSpfVerdict) v = check ("198.51.100.7", "user@example.test",
                                       "mx.client.test", FCT_SPF_IDENTITY_MAIL_FROM);
  g_assert_cmpint (v->result, ==, FCT_SPF_RESULT_PASS);
  g_assert_cmpstr (v->domain, ==, "example.test");
  g_assert_cmpstr (v->mechanism, ==, "include:_spf.example.test");
  g_assert_cmpuint (v->dns_lookups, ==, 2);
  g_assert_cmpuint (v->void_lookups, ==, 0);
  g_assert_null (v->explanation);
  g_assert_true (trace_has (v, 0, "record of example.test"));
  g_assert_true (trace_has (v, 1, "a:out.example.test matched"));
  g_assert_true (trace_has (v, 0, "include:_spf.example.test matched: pass"));

  /* The steps as data: record, include, nested record, nested match, include match. */
  static const struct
  {
    FctSpfStepKind kind;
    guint depth;
    const char *domain;
    const char *term;
  } expected[] = {
    { FCT_SPF_STEP_RECORD, 0, "example.test", NULL },
    { FCT_SPF_STEP_INCLUDE, 0, "example.test", "include:_spf.example.test" },
    { FCT_SPF_STEP_RECORD, 1, "_spf.example.test", NULL },
    { FCT_SPF_STEP_MATCH, 1, "_spf.example.test", "a:out.example.test" },
    { FCT_SPF_STEP_MATCH, 0, "example.test", "include:_spf.example.test" },
  };
  g_assert_cmpuint (v->trace->len, ==, G_N_ELEMENTS (expected));
  for (guint k = 0; k < G_N_ELEMENTS (expected); k++)
    {
      const FctSpfTraceStep *s = g_ptr_array_index (v->trace, k);
      g_assert_cmpint (s->kind, ==, expected[k].kind);
      g_assert_cmpuint (s->depth, ==, expected[k].depth);
      g_assert_cmpstr (s->domain, ==, expected[k].domain);
      g_assert_cmpstr (s->term, ==, expected[k].term);
    }
  g_assert_cmpint (((FctSpfTraceStep *)g_ptr_array_index (v->trace, 4))->result, ==,
                   FCT_SPF_RESULT_PASS);
}

static void
test_fail_default_explanation (void)
{
  g_autoptr (FctSpfVerdict) v
      = check ("203.0.113.99", "user@example.test", NULL, FCT_SPF_IDENTITY_MAIL_FROM);
  g_assert_cmpint (v->result, ==, FCT_SPF_RESULT_FAIL);
  g_assert_cmpstr (v->mechanism, ==, "-all");
  g_assert_true (v->explanation_is_default);
  g_assert_nonnull (strstr (v->explanation, "203.0.113.99"));
}

static void
test_exp (void)
{
  g_autoptr (FctSpfVerdict) v
      = check ("192.0.2.1", "a@exp.example.test", NULL, FCT_SPF_IDENTITY_MAIL_FROM);
  g_assert_cmpint (v->result, ==, FCT_SPF_RESULT_FAIL);
  g_assert_false (v->explanation_is_default);
  g_assert_cmpstr (v->explanation, ==, "192.0.2.1 may not send for exp.example.test");
}

static void
test_helo_identity (void)
{
  /* §2.3: the HELO name is checked on its own, whatever MAIL FROM says. */
  g_autoptr (FctSpfVerdict) v = check ("203.0.113.5", "user@example.test",
                                       "mail.example.test", FCT_SPF_IDENTITY_HELO);
  g_assert_cmpint (v->result, ==, FCT_SPF_RESULT_PASS);
  g_assert_cmpstr (v->domain, ==, "mail.example.test");
  /* A HELO that is not a fully qualified name has no SPF record (§4.3). */
  g_autoptr (FctSpfVerdict) w
      = check ("203.0.113.5", NULL, "OEMCOMPUTER", FCT_SPF_IDENTITY_HELO);
  g_assert_cmpint (w->result, ==, FCT_SPF_RESULT_NONE);
  /* The null reverse-path is checked as postmaster@HELO (§2.4). */
  g_autoptr (FctSpfVerdict) n
      = check ("203.0.113.5", "", "mail.example.test", FCT_SPF_IDENTITY_MAIL_FROM);
  g_assert_cmpint (n->result, ==, FCT_SPF_RESULT_PASS);
}

static void
test_bounded_hostile_input (void)
{
  g_autoptr (FctSpfVerdict) loop
      = check ("192.0.2.1", "a@loop.example.test", NULL, FCT_SPF_IDENTITY_MAIL_FROM);
  g_assert_cmpint (loop->result, ==, FCT_SPF_RESULT_PERMERROR);
  g_assert_cmpuint (loop->dns_lookups, ==, 11);

  g_autoptr (GString) local = g_string_new (NULL);
  for (int k = 0; k < 60; k++)
    g_string_append (local, "bomb");
  g_autofree char *from = g_strconcat (local->str, "@bomb.example.test", NULL);
  g_autoptr (FctSpfVerdict) bomb
      = check ("192.0.2.1", from, NULL, FCT_SPF_IDENTITY_MAIL_FROM);
  g_assert_cmpint (bomb->result, ==, FCT_SPF_RESULT_PERMERROR);
  g_assert_nonnull (strstr (bomb->reason, "exceeds"));

  g_autoptr (FctSpfVerdict) utf8
      = check ("192.0.2.1", "a@nonascii.example.test", NULL, FCT_SPF_IDENTITY_MAIL_FROM);
  g_assert_cmpint (utf8->result, ==, FCT_SPF_RESULT_PERMERROR);

  g_autoptr (FctSpfVerdict) slow
      = check ("192.0.2.1", "a@slow.example.test", NULL, FCT_SPF_IDENTITY_MAIL_FROM);
  g_assert_cmpint (slow->result, ==, FCT_SPF_RESULT_TEMPERROR);
}

static void
test_huge_record (void)
{
  g_autoptr (GString) text = g_string_new ("big.example.test. TXT");
  g_autoptr (GString) record = g_string_new ("v=spf1");
  while (record->len < 10 * 1024)
    g_string_append (record, " ip4:192.0.2.77");
  for (gsize off = 0; off < record->len; off += 255)
    g_string_append_printf (text, " \"%.*s\"", (int)MIN (255, record->len - off),
                            record->str + off);
  g_string_append_c (text, '\n');
  FctLimits limits;
  g_autoptr (FctResolver) r = make_resolver (text->str, &limits);
  FctSpfRequest req = { .ip = "192.0.2.77", .mail_from = "a@big.example.test" };
  g_autoptr (FctSpfVerdict) v = fct_spf_check (r, &limits, &req, NULL);
  g_assert_cmpint (v->result, ==, FCT_SPF_RESULT_PERMERROR);
  g_assert_nonnull (strstr (v->reason, "over the limit"));
}

static void
test_bad_ip (void)
{
  FctLimits limits;
  g_autoptr (FctResolver) r = make_resolver (zone, &limits);
  g_autoptr (GError) error = NULL;
  FctSpfRequest req = { .ip = "192.0.2", .mail_from = "a@example.test" };
  g_autoptr (FctSpfVerdict) v = fct_spf_check (r, &limits, &req, &error);
  g_assert_null (v);
  g_assert_error (error, FCT_SPF_ERROR, FCT_SPF_ERROR_INVALID);
}

typedef struct
{
  guint done;
  guint pass;
  guint fail;
} Tally;

static void
on_verdict (FctSpfVerdict *v, gpointer user_data)
{
  Tally *t = user_data;
  t->done++;
  t->pass += v->result == FCT_SPF_RESULT_PASS;
  t->fail += v->result == FCT_SPF_RESULT_FAIL;
  fct_spf_verdict_free (v);
}

static void
test_many_in_flight (void)
{
  FctLimits limits;
  g_autoptr (FctResolver) r = make_resolver (zone, &limits);
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  Tally tally = { 0 };

  g_main_context_push_thread_default (ctx);
  /* 500 evaluations started before any DNS answer: none may block the thread. */
  for (guint k = 0; k < 500; k++)
    {
      g_autofree char *ip = g_strdup_printf ("%s.%u", k % 2 ? "198.51.100" : "203.0.113",
                                             k % 2 ? 7 : k % 250 + 1);
      FctSpfRequest req = { .ip = ip, .mail_from = "user@example.test" };
      g_assert_true (fct_spf_check_async (r, &limits, &req, on_verdict, &tally, NULL));
    }
  g_assert_cmpuint (tally.done, ==, 0);
  while (tally.done < 500)
    g_main_context_iteration (ctx, TRUE);
  g_main_context_pop_thread_default (ctx);
  g_assert_cmpuint (tally.pass, ==, 250);
  g_assert_cmpuint (tally.fail, ==, 250);

  /* Identical queries in flight or cached are shared, not repeated. */
  FctResolverStats stats;
  fct_resolver_get_stats (r, &stats);
  g_assert_cmpuint (stats.backend_queries, <, 10);
}

/* Records whose evaluation takes every kind of wait: MX and its addresses, PTR and the
 * validated names, exists, redirect, void lookups, and an exp= with %{p}. */
static const char cached_zone[]
    = "$TTL 300\n"
      "@ SOA ns hostmaster 1 3600 900 604800 300\n"
      "c.example.test. TXT \"v=spf1 mx ptr:example.test "
      "exists:%{i}.x.example.test redirect=r.example.test\"\n"
      "c.example.test. MX 10 mx1.example.test.\nc.example.test. MX 20 mx2.example.test.\n"
      "mx1.example.test. A 192.0.2.10\nmx2.example.test. A 192.0.2.20\n"
      "r.example.test. TXT \"v=spf1 include:i.example.test -all exp=e.example.test\"\n"
      "i.example.test. TXT \"v=spf1 ip4:198.51.100.0/24 ?all\"\n"
      "e.example.test. TXT \"%{i} (%{p}) may not send for %{d}\"\n"
      "1.113.0.203.in-addr.arpa. PTR host.example.test.\n"
      "host.example.test. A 203.0.113.1\n"
      "192.0.2.99.x.example.test. A 127.0.0.2\n";

static gboolean
verdicts_equal (const FctSpfVerdict *a, const FctSpfVerdict *b)
{
  if (a->result != b->result || g_strcmp0 (a->mechanism, b->mechanism) != 0
      || g_strcmp0 (a->reason, b->reason) != 0
      || g_strcmp0 (a->explanation, b->explanation) != 0 || a->dns_lookups != b->dns_lookups
      || a->void_lookups != b->void_lookups || a->trace->len != b->trace->len)
    return FALSE;
  for (guint k = 0; k < a->trace->len; k++)
    {
      const FctSpfTraceStep *x = g_ptr_array_index (a->trace, k);
      const FctSpfTraceStep *y = g_ptr_array_index (b->trace, k);
      if (x->kind != y->kind || x->depth != y->depth || x->result != y->result
          || g_strcmp0 (x->domain, y->domain) != 0 || g_strcmp0 (x->term, y->term) != 0
          || g_strcmp0 (x->detail, y->detail) != 0)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  FctSpfVerdict *verdict;
  gboolean returned; /* fct_spf_check_async has returned */
  gboolean early;    /* the callback ran before that */
} Single;

static void
on_single (FctSpfVerdict *v, gpointer user_data)
{
  Single *s = user_data;
  s->early = s->early || !s->returned;
  s->verdict = v;
}

/* A check whose every answer is cached goes on without the main loop, and says the same
 * as the check that filled the cache; the asynchronous call still answers later. */
static void
test_cached_answers (void)
{
  const struct
  {
    const char *ip;
    FctSpfResult result;
  } cases[] = {
    { "192.0.2.20", FCT_SPF_RESULT_PASS },   /* the second MX host */
    { "203.0.113.1", FCT_SPF_RESULT_PASS },  /* a validated PTR name */
    { "192.0.2.99", FCT_SPF_RESULT_PASS },   /* exists */
    { "198.51.100.9", FCT_SPF_RESULT_PASS }, /* through redirect and include */
    { "192.0.2.77", FCT_SPF_RESULT_FAIL },   /* -all, exp with %{p} */
    { "2001:db8::1", FCT_SPF_RESULT_FAIL },  /* AAAA of every name */
  };
  FctLimits limits;
  g_autoptr (FctResolver) r = make_resolver (cached_zone, &limits);
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  FctResolverStats cold, warm;

  g_main_context_push_thread_default (ctx);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FctSpfRequest req = { .ip = cases[i].ip, .mail_from = "u@c.example.test" };
      g_autoptr (FctSpfVerdict) first = fct_spf_check (r, &limits, &req, NULL);
      g_assert_nonnull (first);
      g_assert_cmpint (first->result, ==, cases[i].result);
      if (first->result == FCT_SPF_RESULT_FAIL && strchr (cases[i].ip, ':') == NULL)
        {
          /* exp= read, %{p} unknown: the PTR and exists lookups were void. */
          g_autofree char *exp = g_strdup_printf (
              "%s (unknown) may not send for r.example.test", cases[i].ip);
          g_assert_cmpstr (first->explanation, ==, exp);
          g_assert_cmpuint (first->void_lookups, ==, 2);
        }

      fct_resolver_get_stats (r, &cold);
      g_autoptr (FctSpfVerdict) second = fct_spf_check (r, &limits, &req, NULL);
      fct_resolver_get_stats (r, &warm);
      g_assert_true (verdicts_equal (first, second));
      g_assert_cmpuint (warm.backend_queries, ==, cold.backend_queries);
      g_assert_cmpuint (warm.queries - cold.queries, ==, warm.cache_hits - cold.cache_hits);
      g_assert_cmpuint (warm.queries - cold.queries, >=, 4);

      Single single = { 0 };
      g_assert_true (fct_spf_check_async (r, &limits, &req, on_single, &single, NULL));
      single.returned = TRUE;
      while (single.verdict == NULL)
        g_main_context_iteration (ctx, TRUE);
      g_assert_false (single.early);
      g_assert_true (verdicts_equal (first, single.verdict));
      fct_spf_verdict_free (single.verdict);
    }
  g_main_context_pop_thread_default (ctx);
}

typedef struct
{
  GMainContext *context; /* where the callback must run */
  guint done;
  gboolean wrong_context;
} Where;

static void
on_where (FctSpfVerdict *v, gpointer user_data)
{
  Where *w = user_data;
  w->done++;
  w->wrong_context = w->wrong_context || g_main_context_get_thread_default () != w->context
                     || !g_main_context_is_owner (w->context);
  fct_spf_verdict_free (v);
}

static void
start_in (FctResolver *r, const FctLimits *limits, GMainContext *context, Where *w)
{
  FctSpfRequest req = { .ip = "192.0.2.20", .mail_from = "u@c.example.test" };

  g_main_context_push_thread_default (context);
  g_assert_true (fct_spf_check_async (r, limits, &req, on_where, w, NULL));
  g_main_context_pop_thread_default (context);
}

/* Verdicts reached from the cache inside fct_spf_check_async are handed over in the
 * context each check was started in, whichever contexts the thread switches between; a
 * context dropped with verdicts pending takes them along (ASan sees no leak). */
static void
test_cached_deliveries (void)
{
  FctLimits limits;
  g_autoptr (FctResolver) r = make_resolver (cached_zone, &limits);
  GMainContext *a = g_main_context_new ();
  GMainContext *b = g_main_context_new ();
  Where in_a = { .context = a }, in_b = { .context = b }, dropped = { 0 };

  /* Warm the cache. */
  FctSpfRequest req = { .ip = "192.0.2.20", .mail_from = "u@c.example.test" };
  g_autoptr (FctSpfVerdict) warm = fct_spf_check (r, &limits, &req, NULL);
  g_assert_cmpint (warm->result, ==, FCT_SPF_RESULT_PASS);

  for (guint round = 0; round < 3; round++)
    {
      start_in (r, &limits, a, &in_a);
      start_in (r, &limits, b, &in_b);
      start_in (r, &limits, a, &in_a);
    }
  g_assert_cmpuint (in_a.done + in_b.done, ==, 0);
  g_main_context_push_thread_default (b);
  while (in_b.done < 3)
    g_main_context_iteration (b, TRUE);
  g_main_context_pop_thread_default (b);
  g_assert_cmpuint (in_a.done, ==, 0);
  g_main_context_push_thread_default (a);
  while (in_a.done < 6)
    g_main_context_iteration (a, TRUE);
  g_main_context_pop_thread_default (a);
  g_assert_false (in_a.wrong_context);
  g_assert_false (in_b.wrong_context);

  /* Pending in a context that is dropped: never delivered, freed with it. */
  GMainContext *gone = g_main_context_new ();
  start_in (r, &limits, gone, &dropped);
  g_main_context_unref (gone);
  start_in (r, &limits, a, &in_a);
  g_main_context_push_thread_default (a);
  while (in_a.done < 7)
    g_main_context_iteration (a, TRUE);
  g_main_context_pop_thread_default (a);
  g_assert_cmpuint (dropped.done, ==, 0);
  g_main_context_unref (a);
  g_main_context_unref (b);
}

typedef struct
{
  FctResolver *resolver;
  const FctLimits *limits;
  guint pass;
  guint done;
  gboolean failed;
} Worker;

static void
on_worker (FctSpfVerdict *v, gpointer user_data)
{
  Worker *w = user_data;
  w->done++;
  w->pass += v->result == FCT_SPF_RESULT_PASS;
  fct_spf_verdict_free (v);
}

static const char *const worker_ips[] = { "192.0.2.20", "203.0.113.1", "192.0.2.77" };

/* One thread's share: cached checks one at a time and in flight in its own context. */
static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  GMainContext *context = g_main_context_new ();
  const char *const *ips = worker_ips;

  g_main_context_push_thread_default (context);
  for (guint k = 0; k < 300; k++)
    {
      FctSpfRequest req = { .ip = ips[k % 3], .mail_from = "u@c.example.test" };
      if (k % 2 == 0)
        {
          FctSpfVerdict *v = fct_spf_check (w->resolver, w->limits, &req, NULL);
          on_worker (v, w);
        }
      else if (!fct_spf_check_async (w->resolver, w->limits, &req, on_worker, w, NULL))
        w->failed = TRUE;
    }
  while (w->done < 300)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

/* Threads share the resolver's cache and the parsed records; each has its own hand-over
 * source for its context (ASan and the verdict counts watch). The cache is warmed first:
 * a check one at a time that joins a query started by a check in flight waits on the
 * zone back end's answer in the other check's context, which its thread does not turn
 * meanwhile (it would time out). */
static void
test_cached_threads (void)
{
  FctLimits limits;
  g_autoptr (FctResolver) r = make_resolver (cached_zone, &limits);
  Worker workers[3];
  GThread *threads[3];

  for (gsize k = 0; k < G_N_ELEMENTS (worker_ips); k++)
    {
      FctSpfRequest req = { .ip = worker_ips[k], .mail_from = "u@c.example.test" };
      g_autoptr (FctSpfVerdict) v = fct_spf_check (r, &limits, &req, NULL);
      g_assert_cmpint (v->result, ==, k < 2 ? FCT_SPF_RESULT_PASS : FCT_SPF_RESULT_FAIL);
    }

  for (guint t = 0; t < 3; t++)
    {
      workers[t] = (Worker){ .resolver = r, .limits = &limits };
      threads[t] = g_thread_new ("spf-worker", worker_main, &workers[t]);
    }
  for (guint t = 0; t < 3; t++)
    {
      g_thread_join (threads[t]);
      g_assert_false (workers[t].failed);
      g_assert_cmpuint (workers[t].done, ==, 300);
      /* Two of the three addresses pass. */
      g_assert_cmpuint (workers[t].pass, ==, 200);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spf/eval/pass-through-include", test_pass_through_include);
  g_test_add_func ("/spf/eval/fail-default-explanation", test_fail_default_explanation);
  g_test_add_func ("/spf/eval/exp", test_exp);
  g_test_add_func ("/spf/eval/helo-identity", test_helo_identity);
  g_test_add_func ("/spf/eval/hostile-input-is-bounded", test_bounded_hostile_input);
  g_test_add_func ("/spf/eval/10k-record-is-permerror", test_huge_record);
  g_test_add_func ("/spf/eval/bad-ip-is-an-error", test_bad_ip);
  g_test_add_func ("/spf/eval/many-in-flight", test_many_in_flight);
  g_test_add_func ("/spf/eval/cached-answers", test_cached_answers);
  g_test_add_func ("/spf/eval/cached-deliveries", test_cached_deliveries);
  g_test_add_func ("/spf/eval/cached-threads", test_cached_threads);
  return g_test_run ();
}
