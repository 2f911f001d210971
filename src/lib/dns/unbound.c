/* facteur — the libunbound back end: a validating resolver (RFC 4033-4035) configured
 * from /etc/resolv.conf and /etc/hosts or forwarding to one server, with many queries
 * in flight and a thread that hands results back to the generic layer. */
#include "dns-private.h"

#include "fct-config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <poll.h>
#include <string.h>
#include <unbound.h>
#include <unistd.h>

/* RFC 1035 §4.1.1 RCODE values libunbound passes through. */
enum
{
  RCODE_NOERROR = 0,
  RCODE_SERVFAIL = 2,
  RCODE_NXDOMAIN = 3,
  RCODE_REFUSED = 5,
};

typedef struct
{
  struct ub_ctx *ctx;
  gboolean validating;
  GThread *thread;
  int wake[2];             /* writing to wake[1] stops the thread */
  GMutex lock;             /* protects outstanding */
  GHashTable *outstanding; /* Outstanding * set: queries libunbound still holds */
} Backend;

typedef struct
{
  Backend *backend;
  FctDnsQuery *query; /* the back end's reference */
} Outstanding;

static void
outstanding_free (Outstanding *o)
{
  fct_dns_query_unref (o->query);
  g_free (o);
}

/* ---- Results ---- */

static FctDnsAnswer *
answer_from_result (const Backend *b, const FctDnsQuery *query, int err,
                    const struct ub_result *result, guint32 *negative_ttl)
{
  FctDnsType qtype = fct_dns_query_get_type (query);
  g_autoptr (FctDnsAnswer) answer
      = fct_dns_answer_new (fct_dns_query_get_name (query), qtype, FCT_DNS_RCODE_NOERROR);

  *negative_ttl = 0;
  if (err != 0 || result == NULL)
    {
      answer->rcode = FCT_DNS_RCODE_SERVFAIL;
      answer->reason = g_strdup_printf (_ ("libunbound: %s"), ub_strerror (err));
      return g_steal_pointer (&answer);
    }

  guint32 ttl = result->ttl > 0 ? (guint32)result->ttl : 0;
  *negative_ttl = ttl;
  if (b->validating)
    answer->dnssec = result->secure  ? FCT_DNSSEC_SECURE
                     : result->bogus ? FCT_DNSSEC_BOGUS
                                     : FCT_DNSSEC_INSECURE;
  if (result->bogus)
    {
      /* RFC 4035 §5.5: a validating resolver answers SERVFAIL for bogus data. */
      answer->rcode = FCT_DNS_RCODE_SERVFAIL;
      answer->reason = g_strdup (
          result->why_bogus != NULL ? result->why_bogus : _ ("DNSSEC validation failed"));
      return g_steal_pointer (&answer);
    }
  switch (result->rcode)
    {
    case RCODE_NOERROR:
      break;
    case RCODE_NXDOMAIN:
      answer->rcode = FCT_DNS_RCODE_NXDOMAIN;
      break;
    case RCODE_SERVFAIL:
      answer->rcode = FCT_DNS_RCODE_SERVFAIL;
      answer->reason = g_strdup (_ ("the server failed (SERVFAIL)"));
      return g_steal_pointer (&answer);
    case RCODE_REFUSED:
      answer->rcode = FCT_DNS_RCODE_SERVFAIL;
      answer->reason = g_strdup (_ ("the server refused the query (REFUSED)"));
      return g_steal_pointer (&answer);
    default:
      answer->rcode = FCT_DNS_RCODE_SERVFAIL;
      answer->reason = g_strdup_printf (_ ("the server answered RCODE %d"), result->rcode);
      return g_steal_pointer (&answer);
    }

  if (result->canonname != NULL)
    {
      FctDnsName canonical;
      if (fct_dns_name_parse (result->canonname, strlen (result->canonname), &canonical,
                              NULL)
          == FCT_DNS_NAME_OK)
        {
          g_free (answer->canonical_name);
          answer->canonical_name = fct_dns_name_to_string (&canonical);
        }
    }
  if (answer->rcode != FCT_DNS_RCODE_NOERROR || !result->havedata)
    return g_steal_pointer (&answer);
  for (guint i = 0; result->data[i] != NULL; i++)
    {
      FctDnsRecord *rr
          = fct_dns_record_from_rdata (qtype, ttl, (const guint8 *)result->data[i],
                                       result->len[i] > 0 ? (gsize)result->len[i] : 0);
      if (rr == NULL)
        {
          g_ptr_array_set_size (answer->records, 0);
          answer->rcode = FCT_DNS_RCODE_SERVFAIL;
          answer->reason = g_strdup_printf (_ ("malformed %s record in the answer"),
                                            fct_dns_type_to_string (qtype));
          break;
        }
      g_ptr_array_add (answer->records, rr);
    }
  return g_steal_pointer (&answer);
}

/* Runs in the back end's thread, from ub_process(). */
static void
result_callback (void *data, int err, struct ub_result *result)
{
  Outstanding *o = data;
  Backend *b = o->backend;
  guint32 negative_ttl = 0;

  g_mutex_lock (&b->lock);
  gboolean mine = g_hash_table_steal (b->outstanding, o);
  g_mutex_unlock (&b->lock);
  if (mine)
    {
      FctDnsAnswer *answer = answer_from_result (b, o->query, err, result, &negative_ttl);
      fct_dns_query_complete (g_steal_pointer (&o->query), answer, negative_ttl);
      g_free (o);
    }
  if (result != NULL)
    ub_resolve_free (result);
}

static gpointer
backend_thread (gpointer data)
{
  Backend *b = data;
  struct pollfd fds[2] = { { ub_fd (b->ctx), POLLIN, 0 }, { b->wake[0], POLLIN, 0 } };

  for (;;)
    {
      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[1].revents != 0)
        break;
      /* A broken pipe to libunbound's worker would wake us forever: stop; the
       * queries still waiting time out in the generic layer. */
      if (fds[0].revents != 0 && ub_process (b->ctx) != 0)
        break;
    }
  return NULL;
}

static void
unbound_start (gpointer backend, FctDnsQuery *query)
{
  Backend *b = backend;
  Outstanding *o = g_new0 (Outstanding, 1);

  o->backend = b;
  o->query = query;
  /* Registered first: the result may arrive in the thread before ub_resolve_async
   * returns. */
  g_mutex_lock (&b->lock);
  g_hash_table_add (b->outstanding, o);
  g_mutex_unlock (&b->lock);

  int err = ub_resolve_async (b->ctx, fct_dns_query_get_name (query),
                              (int)fct_dns_query_get_type (query), 1 /* IN */, o,
                              result_callback, NULL);
  if (err == 0)
    return;
  g_mutex_lock (&b->lock);
  gboolean mine = g_hash_table_steal (b->outstanding, o);
  g_mutex_unlock (&b->lock);
  if (mine)
    {
      FctDnsAnswer *answer
          = fct_dns_answer_new (fct_dns_query_get_name (query),
                                fct_dns_query_get_type (query), FCT_DNS_RCODE_SERVFAIL);
      answer->reason = g_strdup_printf (_ ("libunbound: %s"), ub_strerror (err));
      fct_dns_query_complete (g_steal_pointer (&o->query), answer, 0);
      g_free (o);
    }
}

static void
unbound_free (gpointer backend)
{
  Backend *b = backend;

  if (b->thread != NULL)
    {
      const char stop = 's';
      while (write (b->wake[1], &stop, 1) < 0 && errno == EINTR)
        ;
      g_thread_join (b->thread);
    }
  /* Cancels what is still in flight; its callbacks never run. */
  if (b->ctx != NULL)
    ub_ctx_delete (b->ctx);
  g_hash_table_unref (b->outstanding);
  if (b->wake[0] >= 0)
    close (b->wake[0]);
  if (b->wake[1] >= 0)
    close (b->wake[1]);
  g_mutex_clear (&b->lock);
  g_free (b);
}

static const FctDnsBackendVtable unbound_vtable = {
  .start = unbound_start,
  .free = unbound_free,
};

/* "IP" or "IP@PORT" (libunbound's syntax). */
static gboolean
forwarder_valid (const char *forwarder)
{
  const char *at = strrchr (forwarder, '@');
  g_autofree char *ip
      = at != NULL ? g_strndup (forwarder, (gsize)(at - forwarder)) : g_strdup (forwarder);

  if (!g_hostname_is_ip_address (ip) || strchr (ip, '%') != NULL)
    return FALSE;
  if (at != NULL)
    {
      guint64 port = 0;
      if (!g_ascii_string_to_unsigned (at + 1, 10, 1, 65535, &port, NULL))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check (int err, const char *what, GError **error)
{
  if (err == 0)
    return TRUE;
  g_set_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_BACKEND, _ ("libunbound: %s: %s"), what,
               ub_strerror (err));
  return FALSE;
}

static const char *const reserved_zones[] = {
  "test.",
  "2.0.192.in-addr.arpa.",
  "100.51.198.in-addr.arpa.",
  "113.0.203.in-addr.arpa.",
  "8.b.d.0.1.0.0.2.ip6.arpa.",
};

static gboolean
configure (Backend *b, const FctResolverOptions *options, GError **error)
{
  const char *anchor
      = options->trust_anchor_file != NULL ? options->trust_anchor_file : FCT_ROOT_ANCHOR;

  /* Options first: zone and data calls finalize the context (PEERS.md). */
  if (!check (ub_ctx_async (b->ctx, 1), "threads", error)
      || !check (ub_ctx_set_option (b->ctx, "rrset-roundrobin:", "no"), "rrset-roundrobin",
                 error))
    return FALSE;
  /* Names reserved for tests and documentation (RFC 6761 §6.2 test., RFC 5737 and
   * RFC 3849 reverse zones) never exist on the Internet. libunbound answers them
   * NXDOMAIN itself, and the root's proof of their absence would make any test
   * server's answer bogus: pass them on, unvalidated, as test setups need. */
  for (gsize i = 0; i < G_N_ELEMENTS (reserved_zones); i++)
    {
      g_autofree char *local = g_strconcat (reserved_zones[i], " transparent", NULL);
      if (!check (ub_ctx_set_option (b->ctx, "local-zone:", local), "local-zone", error)
          || !check (ub_ctx_set_option (b->ctx, "domain-insecure:", reserved_zones[i]),
                     "domain-insecure", error))
        return FALSE;
    }

  if (options->forwarder != NULL)
    {
      if (!forwarder_valid (options->forwarder))
        {
          g_set_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_INVALID,
                       _ ("invalid DNS server “%s”: expected IP or IP@PORT"),
                       options->forwarder);
          return FALSE;
        }
      /* A forwarder on loopback is the point of --dns-server 127.0.0.1@PORT. */
      if (!check (ub_ctx_set_option (b->ctx, "do-not-query-localhost:", "no"),
                  "do-not-query-localhost", error)
          || !check (ub_ctx_set_fwd (b->ctx, options->forwarder), options->forwarder,
                     error))
        return FALSE;
    }
  else if (!check (ub_ctx_resolvconf (b->ctx, NULL), "/etc/resolv.conf", error)
           || !check (ub_ctx_hosts (b->ctx, NULL), "/etc/hosts", error))
    return FALSE;

  if (anchor[0] != '\0')
    {
      /* libunbound reads the file only when the first query finalizes the context. */
      if (!g_file_test (anchor, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (
              error, FCT_DNS_ERROR, FCT_DNS_ERROR_BACKEND,
              _ ("DNSSEC trust anchor “%s” not found (the default one comes from the "
                 "Debian package dns-root-data)"),
              anchor);
          return FALSE;
        }
      if (!check (ub_ctx_add_ta_file (b->ctx, anchor), anchor, error))
        return FALSE;
      b->validating = TRUE;
    }
  return TRUE;
}

FctResolver *
fct_resolver_new_unbound (const FctResolverOptions *options, GError **error)
{
  static const FctResolverOptions defaults = { NULL, NULL, NULL };
  const FctResolverOptions *o = options != NULL ? options : &defaults;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  Backend *b = g_new0 (Backend, 1);
  g_mutex_init (&b->lock);
  b->outstanding
      = g_hash_table_new_full (NULL, NULL, (GDestroyNotify)outstanding_free, NULL);
  b->wake[0] = b->wake[1] = -1;
  b->ctx = ub_ctx_create ();
  if (b->ctx == NULL)
    {
      g_set_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_BACKEND,
                   _ ("libunbound: cannot create a context"));
      unbound_free (b);
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  if (!configure (b, o, error) || !g_unix_open_pipe (b->wake, FD_CLOEXEC, &local))
    {
      if (local != NULL)
        g_set_error (error, FCT_DNS_ERROR, FCT_DNS_ERROR_BACKEND, "%s", local->message);
      unbound_free (b);
      return NULL;
    }
  b->thread = g_thread_new ("fct-unbound", backend_thread, b);
  return fct_resolver_new_backend (&unbound_vtable, b, o->limits);
}
