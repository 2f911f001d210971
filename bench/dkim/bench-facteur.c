/* Benchmark: DKIM verification of one message, repeated, with facteur's public API
 * (parse the message, fct_dkim_verify); the key record comes from a zone file and is
 * cached by the resolver after the first query. Prints messages per second.
 * Usage: bench-facteur ZONE MESSAGE SECONDS */
#include <facteur/dkim.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Process CPU time, as `openssl speed` counts: the figure does not depend on what else
 * the machine runs. */
static gint64
cpu_usec (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  if (argc != 4)
    {
      fprintf (stderr, "usage: bench-facteur ZONE MESSAGE SECONDS\n");
      return 64;
    }
  double seconds = g_ascii_strtod (argv[3], NULL);
  g_autoptr (FctResolver) resolver = fct_resolver_new_zone_file (argv[1], NULL, &error);
  if (resolver == NULL || !g_file_get_contents (argv[2], &text, &len, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 65;
    }
  g_autoptr (GBytes) bytes = g_bytes_new (text, len);
  /* "Key cached": the DNS answer by the resolver, the decoded key by a key cache, as a
   * long-running verifier (the milter) keeps them. */
  g_autoptr (FctDkimKeyCache) cache = fct_dkim_key_cache_new (1000);
  FctDkimVerifyOptions options = { .key_cache = cache };

  /* Two measures: the whole job (parse + verify) and verification of a parsed message. */
  for (int mode = 0; mode < 2; mode++)
    {
      g_autoptr (FctMsg) parsed = fct_msg_new_from_bytes (bytes, NULL, &error);
      guint64 n = 0;
      gint64 start = cpu_usec (), now = start;
      while (now - start < (gint64)(seconds * G_USEC_PER_SEC))
        {
          for (int k = 0; k < 64; k++, n++)
            {
              g_autoptr (FctMsg) msg = mode == 0
                                           ? fct_msg_new_from_bytes (bytes, NULL, &error)
                                           : fct_msg_ref (parsed);
              g_autoptr (FctDkimVerifyResult) r = fct_dkim_verify (msg, resolver, &options);
              if (fct_dkim_verify_result_summary (r) != FCT_DKIM_RESULT_PASS)
                {
                  const FctDkimSignatureResult *s
                      = r->signatures->len > 0 ? r->signatures->pdata[0] : NULL;
                  fprintf (stderr, "verification failed: %s\n",
                           s != NULL ? s->reason : "no signature");
                  return 1;
                }
            }
          now = cpu_usec ();
        }
      printf ("%s %.0f\n", mode == 0 ? "facteur" : "facteur-verify-only",
              (double)n * G_USEC_PER_SEC / (double)(now - start));
    }
  return 0;
}
