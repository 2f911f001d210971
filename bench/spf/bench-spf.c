/* SPF benchmark: evaluates (ip, sender) pairs against a zone file in one process, once
 * to warm the resolver cache and then timed, one at a time (fct_spf_check) and with many
 * evaluations in flight (fct_spf_check_async). Prints evaluations per second and the
 * count of each result, so that other implementations can be compared on the same data.
 * A timed pass over the pairs is repeated until it has taken MIN_CPU_SECONDS of CPU in
 * all: one pass of 10,000 cached checks lasts a few tens of milliseconds, too short for
 * a stable reading on a shared machine.
 *
 * Usage: bench-spf ZONE PAIRS [IN_FLIGHT] */
#include <facteur/spf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct
{
  char *ip;
  char *sender;
} Pair;

typedef struct
{
  GPtrArray *pairs;
  guint next;
  guint done;
  guint in_flight;
  guint counts[FCT_SPF_RESULT_PERMERROR + 1];
  FctResolver *resolver;
  const FctLimits *limits;
} Run;

static void
pair_free (gpointer data)
{
  Pair *p = data;
  g_free (p->ip);
  g_free (p->sender);
  g_free (p);
}

static GPtrArray *
read_pairs (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *pairs = g_ptr_array_new_with_free_func (pair_free);

  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      g_printerr ("bench-spf: %s\n", error->message);
      exit (66);
    }
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 2);
      if (g_strv_length (f) != 2)
        continue;
      Pair *p = g_new (Pair, 1);
      p->ip = g_strdup (f[0]);
      p->sender = g_strdup (f[1]);
      g_ptr_array_add (pairs, p);
    }
  return pairs;
}

#define MIN_CPU_SECONDS 1.0

typedef struct
{
  double wall;
  double cpu;
  guint evaluations;
  guint passes;
} Timing;

static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static Timing
timing_since (gint64 wall_start, double cpu_start)
{
  return (Timing){ (double)(g_get_monotonic_time () - wall_start) / G_USEC_PER_SEC,
                   cpu_seconds () - cpu_start, 0, 0 };
}

/* Repeats pass until MIN_CPU_SECONDS of CPU have gone into it; the counts are the last
 * pass's. */
static Timing
repeat (Run *run, Timing (*pass) (Run *, guint), guint window)
{
  Timing total = { 0 };

  do
    {
      Timing t = pass (run, window);
      total.wall += t.wall;
      total.cpu += t.cpu;
      total.evaluations += run->pairs->len;
      total.passes++;
    }
  while (total.cpu < MIN_CPU_SECONDS);
  return total;
}

static Timing
run_sync (Run *run, guint window)
{
  gint64 start = g_get_monotonic_time ();
  double cpu = cpu_seconds ();

  (void)window;
  memset (run->counts, 0, sizeof run->counts);
  for (guint i = 0; i < run->pairs->len; i++)
    {
      const Pair *p = g_ptr_array_index (run->pairs, i);
      FctSpfRequest req = { .ip = p->ip, .mail_from = p->sender, .helo = "client.example" };
      g_autoptr (GError) error = NULL;
      g_autoptr (FctSpfVerdict) v
          = fct_spf_check (run->resolver, run->limits, &req, &error);
      if (v == NULL)
        {
          g_printerr ("bench-spf: %s\n", error->message);
          exit (65);
        }
      run->counts[v->result]++;
    }
  return timing_since (start, cpu);
}

static void start_next (Run *run);

static void
on_verdict (FctSpfVerdict *v, gpointer user_data)
{
  Run *run = user_data;

  run->counts[v->result]++;
  fct_spf_verdict_free (v);
  run->done++;
  run->in_flight--;
  start_next (run);
}

static void
start_next (Run *run)
{
  if (run->next >= run->pairs->len)
    return;
  const Pair *p = g_ptr_array_index (run->pairs, run->next++);
  FctSpfRequest req = { .ip = p->ip, .mail_from = p->sender, .helo = "client.example" };
  g_autoptr (GError) error = NULL;
  if (!fct_spf_check_async (run->resolver, run->limits, &req, on_verdict, run, &error))
    {
      g_printerr ("bench-spf: %s\n", error->message);
      exit (65);
    }
  run->in_flight++;
}

static Timing
run_async (Run *run, guint window)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  gint64 start = g_get_monotonic_time ();
  double cpu = cpu_seconds ();

  memset (run->counts, 0, sizeof run->counts);
  run->next = run->done = run->in_flight = 0;
  g_main_context_push_thread_default (ctx);
  for (guint i = 0; i < window; i++)
    start_next (run);
  while (run->done < run->pairs->len)
    g_main_context_iteration (ctx, TRUE);
  g_main_context_pop_thread_default (ctx);
  return timing_since (start, cpu);
}

static void
print_counts (const Run *run)
{
  g_print ("results:");
  for (int r = FCT_SPF_RESULT_NONE; r <= FCT_SPF_RESULT_PERMERROR; r++)
    if (run->counts[r] > 0)
      g_print (" %s=%u", fct_spf_result_to_string (r), run->counts[r]);
  g_print ("\n");
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      g_printerr ("usage: bench-spf ZONE PAIRS [IN_FLIGHT]\n");
      return 64;
    }
  guint window = argc > 3 ? (guint)g_ascii_strtoull (argv[3], NULL, 10) : 64;
  FctLimits limits;
  fct_limits_init (&limits);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctResolver) resolver = fct_resolver_new_zone_file (argv[1], &limits, &error);
  if (resolver == NULL)
    {
      g_printerr ("bench-spf: %s\n", error->message);
      return 65;
    }
  g_autoptr (GPtrArray) pairs = read_pairs (argv[2]);
  Run run = { .pairs = pairs, .resolver = resolver, .limits = &limits };

  run_sync (&run, 0); /* warms the cache */
  Timing t = repeat (&run, run_sync, 0);
  g_print ("facteur sync: %u evaluations (%u passes), %.3f s wall, %.3f s CPU: %.0f "
           "evaluations/s, %.0f per CPU second\n",
           t.evaluations, t.passes, t.wall, t.cpu, t.evaluations / t.wall,
           t.evaluations / t.cpu);
  print_counts (&run);
  t = repeat (&run, run_async, MAX (window, 1));
  g_print ("facteur async (%u in flight): %u evaluations (%u passes), %.3f s wall, %.3f s "
           "CPU: %.0f evaluations/s, %.0f per CPU second\n",
           MAX (window, 1), t.evaluations, t.passes, t.wall, t.cpu, t.evaluations / t.wall,
           t.evaluations / t.cpu);
  print_counts (&run);
  FctResolverStats stats;
  fct_resolver_get_stats (resolver, &stats);
  g_print ("dns: %" G_GUINT64_FORMAT " queries, %" G_GUINT64_FORMAT
           " cache hits, %" G_GUINT64_FORMAT " back-end queries\n",
           stats.queries, stats.cache_hits, stats.backend_queries);
  return 0;
}
