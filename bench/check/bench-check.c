/* facteur check benchmark: every message of the corpus checked end to end (parse, SPF,
 * DKIM, DMARC, ARC, content analysis, headers, DNSBL/URI blocklists) on one thread, DNS
 * from the zone file already warm (one pass first), DKIM keys cached as a server keeps
 * them. Also times the main stages alone, to show where the time goes.
 * Usage: bench-check ZONE ENVELOPES SECONDS; with FCT_BENCH_CGROUP_STAT=PATH (the
 * cpu.stat of a cgroup v2 holding this process alone), CPU rates count the attachment
 * reader too. */
#include <facteur/analysis.h>
#include <facteur/check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct
{
  GBytes *bytes;
  char *ip, *mail_from, *helo;
} Item;

typedef enum
{
  STAGE_FULL,
  STAGE_PARSE,
  STAGE_DKIM,
  STAGE_ANALYSIS,
} Stage;

static void
run_one (const Item *it, FctResolver *resolver, FctDkimKeyCache *cache, Stage stage)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = fct_msg_new_from_bytes (it->bytes, NULL, &error);

  if (msg == NULL)
    g_error ("parse: %s", error->message);
  if (stage == STAGE_PARSE)
    return;
  if (stage == STAGE_DKIM)
    {
      FctDkimVerifyOptions o = { .key_cache = cache };
      g_autoptr (FctDkimVerifyResult) r = fct_dkim_verify (msg, resolver, &o);
      if (fct_dkim_verify_result_summary (r) != FCT_DKIM_RESULT_PASS)
        g_error ("dkim did not pass");
      return;
    }
  if (stage == STAGE_ANALYSIS)
    {
      g_autoptr (FctFindings) findings = fct_findings_new ();
      FctAnalysisOptions analysis = { .extract_helper = FCT_BENCH_EXTRACT_HELPER };
      g_autoptr (FctAnalysis) a = fct_analysis_run (msg, &analysis, findings, &error);
      if (a == NULL)
        g_error ("analysis: %s", error->message);
      return;
    }
  FctCheckOptions options = {
    .ip = it->ip,
    .mail_from = it->mail_from,
    .helo = it->helo,
    .key_cache = cache,
    .extract_helper = FCT_BENCH_EXTRACT_HELPER,
  };
  g_autoptr (FctCheckReport) report = fct_check (msg, resolver, &options, &error);
  if (report == NULL)
    g_error ("check: %s", error->message);
  if (report->dkim->signatures->len == 0
      || fct_dkim_verify_result_summary (report->dkim) != FCT_DKIM_RESULT_PASS)
    g_error ("check: dkim did not pass");
}

/* The cpu.stat of a cgroup (v2) holding this process alone, from run.sh; NULL when
 * there is none. */
static const char *cgroup_stat;

/* CPU seconds of the check: the machine may be shared, so rates are given per CPU
 * second as well as per wall-clock second. The attachment reader is a process of its
 * own (facteur-extract, which forks a child per document and lets the kernel reap it),
 * whose CPU a milter pays too but CLOCK_PROCESS_CPUTIME_ID does not see, and which no
 * wait() adds to this process's children: only the cgroup's usage counts it. */
static double
cpu_seconds (gboolean with_reader)
{
  struct timespec ts;

  if (with_reader && cgroup_stat != NULL)
    {
      g_autofree char *text = NULL;
      const char *u;

      if (!g_file_get_contents (cgroup_stat, &text, NULL, NULL)
          || (u = strstr (text, "usage_usec ")) == NULL)
        g_error ("%s: no usage_usec", cgroup_stat);
      return (double)g_ascii_strtoull (u + 11, NULL, 10) / 1e6;
    }
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
measure (GPtrArray *items, FctResolver *resolver, FctDkimKeyCache *cache, Stage stage,
         double seconds, guint64 *bytes_out, double *cpu_rate, double *own_rate)
{
  gint64 start = g_get_monotonic_time (), now = start;
  double cpu_start = cpu_seconds (TRUE), own_start = cpu_seconds (FALSE);
  guint64 n = 0, bytes = 0;

  /* seconds = 0: one pass. */

  do
    {
      for (guint i = 0; i < items->len; i++)
        {
          const Item *it = g_ptr_array_index (items, i);
          run_one (it, resolver, cache, stage);
          bytes += g_bytes_get_size (it->bytes);
          n++;
        }
      now = g_get_monotonic_time ();
    }
  while (now - start < (gint64)(seconds * G_USEC_PER_SEC));
  *bytes_out = bytes;
  *cpu_rate = (double)n / (cpu_seconds (TRUE) - cpu_start);
  *own_rate = (double)n / (cpu_seconds (FALSE) - own_start);
  return (double)n / ((double)(now - start) / G_USEC_PER_SEC);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FctResolver) resolver = NULL;
  g_autoptr (FctDkimKeyCache) cache = fct_dkim_key_cache_new (1000);
  g_autoptr (GPtrArray) items = g_ptr_array_new ();
  g_autofree char *envelopes = NULL;
  static const struct
  {
    Stage stage;
    const char *name;
  } stages[] = {
    { STAGE_FULL, "full check" },
    { STAGE_PARSE, "  message parse only" },
    { STAGE_DKIM, "  parse + DKIM verify only" },
    { STAGE_ANALYSIS, "  parse + content analysis only" },
  };

  if (argc != 4)
    {
      fprintf (stderr, "usage: %s ZONE ENVELOPES SECONDS\n", argv[0]);
      return 64;
    }
  resolver = fct_resolver_new_zone_file (argv[1], NULL, &error);
  if (resolver == NULL || !g_file_get_contents (argv[2], &envelopes, NULL, &error))
    g_error ("%s", error->message);
  g_auto (GStrv) lines = g_strsplit (envelopes, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 4);
      char *data = NULL;
      gsize len = 0;
      if (g_strv_length (f) != 4)
        continue;
      if (!g_file_get_contents (f[0], &data, &len, &error))
        g_error ("%s", error->message);
      Item *it = g_new0 (Item, 1);
      it->bytes = g_bytes_new_take (data, len);
      it->ip = g_strdup (f[1]);
      it->mail_from = g_strdup (f[2]);
      it->helo = g_strdup (f[3]);
      g_ptr_array_add (items, it);
    }
  cgroup_stat = g_getenv ("FCT_BENCH_CGROUP_STAT");
  printf ("# CPU time: %s\n",
          cgroup_stat != NULL
              ? "this process, the attachment reader and its children (cgroup)"
              : "this process only, not the attachment reader (no cgroup given)");
  double seconds = g_ascii_strtod (argv[3], NULL);
  guint64 bytes = 0, corpus = 0;
  for (guint i = 0; i < items->len; i++)
    corpus += g_bytes_get_size (((Item *)items->pdata[i])->bytes);
  double average = (double)corpus / MAX (1, items->len);
  printf ("# %u messages, %.1f KB on average\n", items->len, average / 1024);
  /* Warm-up: every DNS answer and DKIM key cached, GMime and ICU initialised. */
  double cpu_rate = 0, own_rate = 0;
  measure (items, resolver, cache, STAGE_FULL, 0, &bytes, &cpu_rate, &own_rate);
  for (gsize s = 0; s < G_N_ELEMENTS (stages); s++)
    {
      double rate = measure (items, resolver, cache, stages[s].stage, seconds, &bytes,
                             &cpu_rate, &own_rate);
      printf ("facteur %-34s %8.0f msgs/s wall %8.0f msgs/CPU-s  (%.1f MB/CPU-s)",
              stages[s].name, rate, cpu_rate, cpu_rate * average / 1e6);
      if (cgroup_stat != NULL)
        printf ("  %8.0f without the reader", own_rate);
      printf ("\n");
    }
  return 0;
}
