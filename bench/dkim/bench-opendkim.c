/* Benchmark: the same verification with libopendkim 2.11 (the library under OpenDKIM's
 * milter), the key record served from memory through dkim_set_key_lookup, as a cache
 * would. Prints messages per second. Usage: bench-opendkim RECORD MESSAGE SECONDS */
#include <opendkim/dkim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *record;

static DKIM_STAT
lookup (DKIM *dkim, DKIM_SIGINFO *sig, unsigned char *buf, size_t buflen)
{
  (void)dkim;
  (void)sig;
  if (strlen (record) + 1 > buflen)
    return DKIM_STAT_NORESOURCE;
  memcpy (buf, record, strlen (record) + 1);
  return DKIM_STAT_OK;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
  if (argc != 4)
    {
      fprintf (stderr, "usage: bench-opendkim RECORD MESSAGE SECONDS\n");
      return 64;
    }
  record = argv[1];
  FILE *f = fopen (argv[2], "rb");
  static unsigned char msg[1 << 22];
  size_t len = f != NULL ? fread (msg, 1, sizeof msg, f) : 0;
  if (f != NULL)
    fclose (f);
  double seconds = strtod (argv[3], NULL);
  DKIM_LIB *lib = dkim_init (NULL, NULL);
  dkim_set_key_lookup (lib, lookup);
  unsigned long n = 0;
  double start = now (), t = start;
  while (t - start < seconds)
    {
      for (int k = 0; k < 64; k++, n++)
        {
          DKIM_STAT st;
          DKIM *d = dkim_verify (lib, (const unsigned char *)"bench", NULL, &st);
          st = dkim_chunk (d, msg, len);
          if (st == DKIM_STAT_OK)
            st = dkim_chunk (d, NULL, 0);
          if (st == DKIM_STAT_OK)
            st = dkim_eom (d, NULL);
          if (st != DKIM_STAT_OK)
            {
              fprintf (stderr, "verification failed: %s\n", dkim_getresultstr (st));
              return 1;
            }
          dkim_free (d);
        }
      t = now ();
    }
  printf ("opendkim %.0f\n", (double)n / (t - start));
  dkim_close (lib);
  return 0;
}
