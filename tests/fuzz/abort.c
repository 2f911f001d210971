/* Linked into every fuzz target: a fatal or critical GLib message (g_error, a failed
 * g_return_if_fail) ends the process through abort(). GLib stops on these with a
 * breakpoint trap (SIGTRAP), which libFuzzer does not treat as a crash, so the input
 * that caused it would be lost; abort() is a crash it saves. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#define ABORTING_LEVELS (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_FLAG_FATAL)

static void
log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  (void)data;
  fprintf (stderr, "%s: %s\n", domain != NULL ? domain : "facteur", message);
  if (level & ABORTING_LEVELS)
    abort ();
}

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  (void)data;
  GLogWriterOutput out = g_log_writer_standard_streams (level, fields, n_fields, NULL);
  if (level & ABORTING_LEVELS)
    abort ();
  return out;
}

__attribute__ ((constructor)) static void
abort_on_fatal_messages (void)
{
  g_log_set_default_handler (log_handler, NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);
}
