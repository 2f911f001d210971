/* facteur milter — counters, and their page in the Prometheus text exposition format
 * (version 0.0.4) on an optional local port: GET /metrics, from a thread of its own so
 * that a slow scraper never holds a message. */
#include "milter.h"

#include <stdatomic.h>
#include <string.h>

static atomic_uint_least64_t counters[FCT_MILTER_COUNT_N];
static atomic_uint_least64_t duration_us_sum;
static atomic_uint_least64_t duration_count;

static const struct
{
  const char *name;
  const char *label; /* NULL: a counter of its own */
  const char *help;
} names[FCT_MILTER_COUNT_N] = {
  [FCT_MILTER_COUNT_MESSAGES_INBOUND]
  = { "facteur_milter_messages_total", "direction=\"inbound\"", "Messages seen" },
  [FCT_MILTER_COUNT_MESSAGES_OUTBOUND]
  = { "facteur_milter_messages_total", "direction=\"outbound\"", NULL },
  [FCT_MILTER_COUNT_CLEAN] = { "facteur_milter_verdicts_total", "verdict=\"clean\"",
                               "Threat verdicts of inbound messages" },
  [FCT_MILTER_COUNT_SUSPICIOUS]
  = { "facteur_milter_verdicts_total", "verdict=\"suspicious\"", NULL },
  [FCT_MILTER_COUNT_DANGEROUS]
  = { "facteur_milter_verdicts_total", "verdict=\"dangerous\"", NULL },
  [FCT_MILTER_COUNT_UNCHECKED]
  = { "facteur_milter_verdicts_total", "verdict=\"unchecked\"", NULL },
  [FCT_MILTER_COUNT_ACCEPTED] = { "facteur_milter_dispositions_total",
                                  "disposition=\"accept\"", "What the MTA was told to do" },
  [FCT_MILTER_COUNT_REJECTED]
  = { "facteur_milter_dispositions_total", "disposition=\"reject\"", NULL },
  [FCT_MILTER_COUNT_TEMPFAILED]
  = { "facteur_milter_dispositions_total", "disposition=\"tempfail\"", NULL },
  [FCT_MILTER_COUNT_QUARANTINED]
  = { "facteur_milter_quarantined_total", NULL, "Messages put in quarantine" },
  [FCT_MILTER_COUNT_TAGGED]
  = { "facteur_milter_tagged_total", NULL, "Messages given a subject prefix or a banner" },
  [FCT_MILTER_COUNT_PARTIAL] = { "facteur_milter_partial_total", NULL,
                                 "Messages judged on their first scan_max_bytes" },
  [FCT_MILTER_COUNT_SIGNED]
  = { "facteur_milter_signed_total", NULL, "Outbound messages DKIM-signed" },
  [FCT_MILTER_COUNT_SIGN_ERRORS] = { "facteur_milter_sign_errors_total", NULL,
                                     "Outbound messages that could not be signed" },
  [FCT_MILTER_COUNT_SEALED]
  = { "facteur_milter_sealed_total", NULL, "Messages given an ARC set" },
  [FCT_MILTER_COUNT_DNS_ERRORS]
  = { "facteur_milter_dns_temperrors_total", NULL, "Messages with a DNS temperror" },
  [FCT_MILTER_COUNT_CUT_SHORT]
  = { "facteur_milter_cut_short_total", NULL,
      "Messages judged without some DNS answers, cut at the time budget" },
  [FCT_MILTER_COUNT_RELOADS]
  = { "facteur_milter_reloads_total", NULL, "Configuration reloads" },
};

void
fct_milter_count (FctMilterCounter counter)
{
  atomic_fetch_add (&counters[counter], 1);
}

void
fct_milter_count_duration (guint64 microseconds)
{
  atomic_fetch_add (&duration_us_sum, microseconds);
  atomic_fetch_add (&duration_count, 1);
}

char *
fct_milter_metrics_text (void)
{
  GString *s = g_string_new (NULL);
  const char *last = NULL;

  for (guint i = 0; i < FCT_MILTER_COUNT_N; i++)
    {
      if (last == NULL || !g_str_equal (last, names[i].name))
        g_string_append_printf (s, "# HELP %s %s\n# TYPE %s counter\n", names[i].name,
                                names[i].help, names[i].name);
      last = names[i].name;
      guint64 v = atomic_load (&counters[i]);
      if (names[i].label != NULL)
        g_string_append_printf (s, "%s{%s} %" G_GUINT64_FORMAT "\n", names[i].name,
                                names[i].label, v);
      else
        g_string_append_printf (s, "%s %" G_GUINT64_FORMAT "\n", names[i].name, v);
    }
  g_string_append (s, "# HELP facteur_milter_inbound_seconds Time from end of message to "
                      "decision\n# TYPE facteur_milter_inbound_seconds summary\n");
  g_string_append_printf (s, "facteur_milter_inbound_seconds_sum %.6f\n",
                          (double)atomic_load (&duration_us_sum) / 1e6);
  g_string_append_printf (s, "facteur_milter_inbound_seconds_count %" G_GUINT64_FORMAT "\n",
                          (guint64)atomic_load (&duration_count));
  return g_string_free (s, FALSE);
}

/* One request per connection: read up to the end of the request head (bounded), answer,
 * close. */
static gboolean
on_incoming (GThreadedSocketService *service, GSocketConnection *connection,
             GObject *source, gpointer user_data)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  char buf[4096];
  gsize got = 0;

  (void)service;
  (void)source;
  (void)user_data;
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 5);
  while (got < sizeof buf - 1)
    {
      gssize n = g_input_stream_read (in, buf + got, sizeof buf - 1 - got, NULL, NULL);
      if (n <= 0)
        break;
      got += (gsize)n;
      buf[got] = '\0';
      if (strstr (buf, "\r\n\r\n") != NULL || strstr (buf, "\n\n") != NULL)
        break;
    }
  buf[got] = '\0';
  g_autofree char *reply = NULL;
  if (g_str_has_prefix (buf, "GET /metrics ") || g_str_has_prefix (buf, "GET / "))
    {
      g_autofree char *body = fct_milter_metrics_text ();
      reply = g_strdup_printf ("HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4"
                               "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                               strlen (body), body);
    }
  else
    reply = g_strdup ("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: "
                      "close\r\n\r\n");
  g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
  return TRUE;
}

static gpointer
metrics_thread (gpointer data)
{
  GMainContext *context = data;
  GMainLoop *loop = g_main_loop_new (context, FALSE);
  g_main_loop_run (loop);
  return NULL;
}

gboolean
fct_milter_metrics_start (const char *addr, GError **error)
{
  g_autoptr (GSocketConnectable) where = g_network_address_parse (addr, 9101, error);
  if (where == NULL)
    return FALSE;
  g_autoptr (GSocketAddressEnumerator) e = g_socket_connectable_enumerate (where);
  g_autoptr (GSocketAddress) sa = g_socket_address_enumerator_next (e, NULL, error);
  if (sa == NULL)
    return FALSE;
  GMainContext *context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  GSocketService *service = g_threaded_socket_service_new (2);
  gboolean ok = g_socket_listener_add_address (G_SOCKET_LISTENER (service), sa,
                                               G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                               NULL, NULL, error);
  if (ok)
    {
      g_signal_connect (service, "run", G_CALLBACK (on_incoming), NULL);
      g_socket_service_start (service);
    }
  g_main_context_pop_thread_default (context);
  if (!ok)
    {
      g_object_unref (service);
      g_main_context_unref (context);
      return FALSE;
    }
  g_thread_unref (g_thread_new ("facteur-metrics", metrics_thread, context));
  return TRUE;
}
