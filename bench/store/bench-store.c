/* facteur benchmark — the IBAN history through the milter's store path
 * (fct_store_open_resilient: a pool of connections shared by threads, as facteur milter
 * uses it): sightings recorded (each a new IBAN: an insert) then looked up (each known),
 * per second, with THREADS threads at once, against a SQLite file or a PostgreSQL URI.
 * Usage: bench-store LOCATION KEY_FILE THREADS OPERATIONS
 * Prints one line per phase: "record threads=N ops=M seconds=S per_second=R". */
#include <facteur/store.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct
{
  FctStore *store;
  guint thread, ops;
  gboolean lookup;
  gint *gate;
  guint failures;
} Worker;

/* Sender domains spread the rows (a company sends a handful of IBANs: 10 per domain,
 * far under the per-domain bound). */
static void
sighting (guint thread, guint i, char domain[64], char iban[40], char key[64])
{
  g_snprintf (domain, 64, "supplier-%u-%u.example", thread, i / 10);
  g_snprintf (iban, 40, "FR76300040000%02u%012u", thread % 100, i);
  g_snprintf (key, 64, "<%u.%u@bench.example>", thread, i);
}

static gpointer
work (gpointer data)
{
  Worker *w = data;
  char domain[64], iban[40], key[64];

  while (g_atomic_int_get (w->gate) == 0)
    g_thread_yield ();
  for (guint i = 0; i < w->ops; i++)
    {
      g_autoptr (GError) error = NULL;
      FctStoreIbanSighting seen;
      gboolean ok;
      sighting (w->thread, i, domain, iban, key);
      if (w->lookup)
        {
          /* Looked up from another message: known. */
          key[0] = '[';
          ok = fct_store_iban_lookup (w->store, domain, iban, key, &seen, &error)
               && seen.known;
        }
      else
        ok = fct_store_iban_record (w->store, domain, iban, key, 1765000000 + i, &seen,
                                    &error);
      if (!ok)
        {
          if (w->failures++ == 0 && error != NULL)
            g_printerr ("bench-store: %s\n", error->message);
        }
    }
  return NULL;
}

static void
log_func (gboolean warning, const char *message, gpointer data)
{
  (void)warning;
  (void)data;
  g_printerr ("bench-store: %s\n", message);
}

static int
phase (FctStore *store, guint threads, guint ops, gboolean lookup)
{
  g_autofree Worker *workers = g_new0 (Worker, threads);
  g_autofree GThread **handles = g_new0 (GThread *, threads);
  gint gate = 0;
  guint failures = 0;
  gint64 start, end;

  for (guint t = 0; t < threads; t++)
    {
      workers[t] = (Worker){
        .store = store, .thread = t, .ops = ops / threads, .lookup = lookup, .gate = &gate
      };
      handles[t] = g_thread_new ("bench", work, &workers[t]);
    }
  start = g_get_monotonic_time ();
  g_atomic_int_set (&gate, 1);
  for (guint t = 0; t < threads; t++)
    {
      g_thread_join (handles[t]);
      failures += workers[t].failures;
    }
  end = g_get_monotonic_time ();
  double seconds = (double)(end - start) / G_USEC_PER_SEC;
  guint done = (ops / threads) * threads;
  printf ("%s threads=%u ops=%u seconds=%.2f per_second=%.0f failures=%u\n",
          lookup ? "lookup" : "record", threads, done, seconds, done / seconds, failures);
  return failures == 0 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  if (argc != 5)
    {
      g_printerr ("usage: bench-store LOCATION KEY_FILE THREADS OPERATIONS\n");
      return 64;
    }
  guint threads = (guint)g_ascii_strtoull (argv[3], NULL, 10);
  guint ops = (guint)g_ascii_strtoull (argv[4], NULL, 10);
  if (threads == 0 || ops < threads)
    {
      g_printerr (
          "bench-store: THREADS must be at least 1 and OPERATIONS at least THREADS\n");
      return 64;
    }
  FctStoreOptions options = { .key_path = argv[2], .ibans_max = 10000000 };
  FctStoreResilience resilience = { .log = log_func };
  g_autoptr (GError) error = NULL;
  /* Opened once plainly first, as facteur milter does, so that a wrong key or an
   * unreachable server stops the run rather than timing failures. */
  g_autoptr (FctStore) check = fct_store_open (argv[1], &options, &error);
  if (check == NULL)
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 69;
    }
  g_autoptr (FctStore) store = fct_store_open_resilient (argv[1], &options, &resilience);
  int status = phase (store, threads, ops, FALSE);
  status |= phase (store, threads, ops, TRUE);
  return status;
}
