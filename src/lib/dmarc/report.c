/* facteur — verification of external DMARC report destinations (RFC 9989 §11.6, the
 * procedure of RFC 7489 §7.1 kept by draft-ietf-dmarc-aggregate-reporting §3): a host
 * outside the policy's organizational domain accepts reports only if it publishes a
 * DMARC1 record at <policy-domain>._report._dmarc.<host>. */
#include "dmarc-private.h"

#include <string.h>

const char *
fct_dmarc_destination_status_to_string (FctDmarcDestinationStatus status)
{
  switch (status)
    {
    case FCT_DMARC_DESTINATION_INTERNAL:
      return "internal";
    case FCT_DMARC_DESTINATION_AUTHORIZED:
      return "authorized";
    case FCT_DMARC_DESTINATION_UNAUTHORIZED:
      return "unauthorized";
    case FCT_DMARC_DESTINATION_TEMPERROR:
      return "temperror";
    case FCT_DMARC_DESTINATION_INVALID:
      return "invalid";
    }
  g_return_val_if_reached ("invalid");
}

void
fct_dmarc_destination_free (FctDmarcDestination *destination)
{
  if (destination == NULL)
    return;
  g_free (destination->uri);
  g_free (destination->host);
  if (destination->rua_override != NULL)
    g_ptr_array_unref (destination->rua_override);
  if (destination->ruf_override != NULL)
    g_ptr_array_unref (destination->ruf_override);
  g_free (destination);
}

/* Step 7 of RFC 7489 §7.1: overriding URIs must stay on the destination host. */
static GPtrArray *
same_host_uris (GPtrArray *uris, const char *host)
{
  GPtrArray *out = NULL;

  for (guint i = 0; i < uris->len; i++)
    {
      const char *uri = g_ptr_array_index (uris, i);
      g_autofree char *h = fct_dmarc_uri_host (uri);
      if (h == NULL || g_strcmp0 (h, host) != 0)
        continue;
      if (out == NULL)
        out = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (out, g_strdup (uri));
    }
  return out;
}

/* The checks that need no DNS. Returns the query name, or NULL when d is final. */
static char *
destination_begin (FctDmarcDestination *d, const char *policy_domain,
                   const char *org_domain, const char *uri)
{
  d->uri = g_strdup (uri);
  d->host = fct_dmarc_uri_host (uri);
  if (d->host == NULL || !fct_dmarc_uri_is_valid (uri, strlen (uri)))
    {
      d->status = FCT_DMARC_DESTINATION_INVALID;
      return NULL;
    }
  if (fct_dmarc_domain_is_under (d->host, org_domain))
    {
      d->status = FCT_DMARC_DESTINATION_INTERNAL;
      return NULL;
    }
  /* Step 2: the domain the policy was retrieved from, "_report._dmarc", the host. */
  return g_strconcat (policy_domain, "._report._dmarc.", d->host, NULL);
}

static void
destination_answer (FctDmarcDestination *d, const FctDnsAnswer *answer,
                    const FctLimits *limits)
{
  g_autoptr (FctDmarcRecord) found = NULL;
  guint count;

  if (answer->rcode == FCT_DNS_RCODE_TIMEOUT || answer->rcode == FCT_DNS_RCODE_SERVFAIL)
    {
      d->status = FCT_DMARC_DESTINATION_TEMPERROR;
      return;
    }
  count = fct_dmarc_records_from_answer (answer, limits, &found);
  /* Steps 4-6: at least one record that starts with v=DMARC1 authorizes. */
  d->status
      = count > 0 ? FCT_DMARC_DESTINATION_AUTHORIZED : FCT_DMARC_DESTINATION_UNAUTHORIZED;
  if (found != NULL && !(found->flags & FCT_DMARC_RECORD_FLAG_TOO_LONG))
    {
      d->rua_override = same_host_uris (found->rua, d->host);
      d->ruf_override = same_host_uris (found->ruf, d->host);
    }
}

FctDmarcDestination *
fct_dmarc_destination_verify (FctResolver *resolver, const char *policy_domain,
                              const char *org_domain, const char *uri,
                              const FctLimits *limits)
{
  FctDmarcDestination *d;
  g_autofree char *qname = NULL;

  g_return_val_if_fail (resolver != NULL, NULL);
  g_return_val_if_fail (policy_domain != NULL && org_domain != NULL, NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  d = g_new0 (FctDmarcDestination, 1);
  qname = destination_begin (d, policy_domain, org_domain, uri);
  if (qname != NULL)
    {
      g_autoptr (FctDnsAnswer) answer
          = fct_resolver_query (resolver, qname, FCT_DNS_TYPE_TXT);
      destination_answer (d, answer, limits);
    }
  return d;
}

typedef struct
{
  FctDmarcDestination *d;
  FctLimits limits;
  FctDmarcDestinationCallback callback;
  gpointer user_data;
} Pending;

static void
pending_deliver (Pending *p)
{
  p->callback (p->d, p->user_data);
  g_free (p);
}

static gboolean
on_idle (gpointer data)
{
  pending_deliver (data);
  return G_SOURCE_REMOVE;
}

static void
on_answer (FctDnsAnswer *answer, gpointer user_data)
{
  Pending *p = user_data;
  destination_answer (p->d, answer, &p->limits);
  pending_deliver (p);
}

void
fct_dmarc_destination_verify_async (FctResolver *resolver, const char *policy_domain,
                                    const char *org_domain, const char *uri,
                                    const FctLimits *limits,
                                    FctDmarcDestinationCallback callback,
                                    gpointer user_data)
{
  Pending *p;
  g_autofree char *qname = NULL;

  g_return_if_fail (resolver != NULL);
  g_return_if_fail (policy_domain != NULL && org_domain != NULL);
  g_return_if_fail (uri != NULL && callback != NULL);

  p = g_new0 (Pending, 1);
  p->d = g_new0 (FctDmarcDestination, 1);
  p->limits = limits != NULL ? *limits : *fct_limits_default ();
  p->callback = callback;
  p->user_data = user_data;
  qname = destination_begin (p->d, policy_domain, org_domain, uri);
  if (qname != NULL)
    fct_resolver_query_async (resolver, qname, FCT_DNS_TYPE_TXT, on_answer, p);
  else
    {
      /* No query needed; the callback still runs later, never inside this call. */
      GSource *idle = g_idle_source_new ();
      g_source_set_callback (idle, on_idle, p, NULL);
      g_source_attach (idle, g_main_context_get_thread_default ());
      g_source_unref (idle);
    }
}
