/* facteur — the domain audit's gathering step: every DNS query of one audit in flight at
 * once through fct_resolver_query_async, each answer starting the queries it implies
 * (MX -> addresses -> PTR -> forward names, blocklists; _mta-sts -> policy host ->
 * HTTPS), with the SPF walk, the HTTPS fetch and the STARTTLS probes (RFC 3207) on
 * worker threads. The audit's private main context runs until nothing is pending. */
#include "audit-private.h"

#include <facteur/smtp.h>
#include <arpa/inet.h>
#include <glib/gi18n-lib.h>
#include <string.h>

static const char *const common_selectors[] = {
  /* Generic names, then those of large providers (Microsoft 365: selector1/2; Google
   * Workspace: google; Mailchimp/Mandrill: k1-k3, mandrill; Amazon SES and others:
   * s1/s2; Zoho, Proton, Fastmail, Mailjet). Documented in docs/FINDINGS.md. */
  "default",    "selector1",   "selector2",   "google", "k1",       "k2",      "k3",
  "s1",         "s2",          "mail",        "dkim",   "smtp",     "key1",    "key2",
  "mx",         "email",       "sig1",        "dk",     "mandrill", "mailjet", "zoho",
  "protonmail", "protonmail2", "protonmail3", "fm1",    "fm2",      "fm3",     NULL,
};

/* Spamhaus ZEN (SBL, XBL, PBL) and SpamCop for addresses; Spamhaus DBL for domains. */
static const char *const default_ip_lists[]
    = { "zen.spamhaus.org", "bl.spamcop.net", NULL };
static const char *const default_domain_lists[] = { "dbl.spamhaus.org", NULL };

const char *const *
fct_audit_common_dkim_selectors (void)
{
  return common_selectors;
}

const char *const *
fct_audit_default_ip_blocklists (void)
{
  return default_ip_lists;
}

const char *const *
fct_audit_default_domain_blocklists (void)
{
  return default_domain_lists;
}

void
fct_audit_options_init (FctAuditOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (FctAuditOptions){ .smtp = TRUE, .smtp_port = 25, .https_port = 443 };
}

/* ---- frees ----------------------------------------------------------------------- */

static void
answer_clear (FctDnsAnswer **answer)
{
  g_clear_pointer (answer, fct_dns_answer_unref);
}

static void
listed_free (AuditListed *l)
{
  g_free (l->zone);
  answer_clear (&l->answer);
  g_free (l);
}

static void
address_free (AuditAddress *a)
{
  g_free (a->ip);
  answer_clear (&a->ptr);
  g_ptr_array_unref (a->forward);
  g_ptr_array_unref (a->blocklist);
  g_free (a);
}

static void
mx_free (AuditMx *m)
{
  g_free (m->host);
  answer_clear (&m->a);
  answer_clear (&m->aaaa);
  answer_clear (&m->tlsa);
  g_ptr_array_unref (m->addresses);
  fct_audit_tls_probe_free (m->probe);
  g_free (m);
}

static void
selector_free (AuditSelector *s)
{
  g_free (s->selector);
  answer_clear (&s->answer);
  g_free (s);
}

static void
audit_free (Audit *a)
{
  g_free (a->domain);
  g_free (a->org_domain);
  answer_clear (&a->ns);
  answer_clear (&a->mx);
  answer_clear (&a->tld);
  answer_clear (&a->txt);
  answer_clear (&a->dmarc);
  answer_clear (&a->dmarc_org);
  answer_clear (&a->mta_sts);
  answer_clear (&a->tlsrpt);
  answer_clear (&a->bimi);
  answer_clear (&a->sts_a);
  answer_clear (&a->sts_aaaa);
  g_ptr_array_unref (a->mx_hosts);
  g_ptr_array_unref (a->selectors);
  g_ptr_array_unref (a->domain_listed);
  g_ptr_array_unref (a->destinations);
  fct_spf_lint_report_free (a->spf);
  g_free (a->spf_error);
  fct_audit_https_response_free (a->sts_response);
  fct_resolver_unref (a->resolver);
  g_main_context_unref (a->context);
  g_free (a);
}

/* ---- queries --------------------------------------------------------------------- */

typedef void (*NextFunc) (Audit *audit, gpointer data);

typedef struct
{
  Audit *audit;
  FctDnsAnswer **slot;
  NextFunc next;
  gpointer data;
} Query;

static void
query_done (FctDnsAnswer *answer, gpointer user_data)
{
  Query *q = user_data;
  *q->slot = fct_dns_answer_ref (answer);
  if (q->next != NULL)
    q->next (q->audit, q->data);
  q->audit->pending--;
  g_free (q);
}

static void
query (Audit *a, const char *name, FctDnsType type, FctDnsAnswer **slot, NextFunc next,
       gpointer data)
{
  Query *q = g_new0 (Query, 1);
  *q = (Query){ a, slot, next, data };
  a->pending++;
  fct_resolver_query_async (a->resolver, name, type, query_done, q);
}

/* ---- worker threads -------------------------------------------------------------- */

static void
spf_thread (GTask *task, G_GNUC_UNUSED gpointer source, gpointer task_data,
            G_GNUC_UNUSED GCancellable *cancellable)
{
  Audit *a = task_data;
  GError *error = NULL;
  FctSpfLintReport *report = fct_spf_lint (a->resolver, a->limits, a->domain, &error);
  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify)fct_spf_lint_report_free);
}

static void
spf_done (G_GNUC_UNUSED GObject *source, GAsyncResult *result, gpointer user_data)
{
  Audit *a = user_data;
  GError *error = NULL;
  a->spf = g_task_propagate_pointer (G_TASK (result), &error);
  if (a->spf == NULL)
    {
      a->spf_error = g_strdup (error->message);
      g_error_free (error);
    }
  a->pending--;
}

typedef struct
{
  Audit *audit;
  AuditMx *mx;
  char *ip;
} ProbeJob;

static void
probe_thread (GTask *task, G_GNUC_UNUSED gpointer source, gpointer task_data,
              G_GNUC_UNUSED GCancellable *cancellable)
{
  ProbeJob *job = task_data;
  const FctAuditOptions *o = &job->audit->options;
  FctAuditTlsProbe *probe
      = o->probe_cache != NULL
            ? fct_audit_probe_cache_probe (o->probe_cache, job->mx->host, job->ip,
                                           o->smtp_port, o->helo, o->ca_file,
                                           job->audit->limits)
            : fct_audit_tls_probe (job->mx->host, job->ip, o->smtp_port, o->helo,
                                   o->ca_file, job->audit->limits);
  /* GTask's pool threads may idle past the program's last use of OpenSSL: free its
   * per-thread state now (as the address batch does). */
  fct_smtp_thread_cleanup ();
  g_task_return_pointer (task, probe, (GDestroyNotify)fct_audit_tls_probe_free);
}

static void
probe_done (G_GNUC_UNUSED GObject *source, GAsyncResult *result, gpointer user_data)
{
  ProbeJob *job = user_data;
  job->mx->probe = g_task_propagate_pointer (G_TASK (result), NULL);
  job->audit->pending--;
  g_free (job->ip);
  g_free (job);
}

static void
fetch_thread (GTask *task, G_GNUC_UNUSED gpointer source, gpointer task_data,
              G_GNUC_UNUSED GCancellable *cancellable)
{
  Audit *a = task_data;
  const FctAuditOptions *o = &a->options;
  g_autoptr (GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
  FctDnsAnswer *answers[] = { a->sts_a, a->sts_aaaa };
  g_autofree char *host = g_strconcat ("mta-sts.", a->domain, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (answers); i++)
    for (guint j = 0; answers[i] != NULL && j < answers[i]->records->len; j++)
      {
        const FctDnsRecord *r = g_ptr_array_index (answers[i]->records, j);
        char text[INET6_ADDRSTRLEN];
        if (inet_ntop (r->type == FCT_DNS_TYPE_A ? AF_INET : AF_INET6, r->addr, text,
                       sizeof text)
            != NULL)
          g_ptr_array_add (addrs, g_strdup (text));
      }
  g_ptr_array_add (addrs, NULL);

  FctAuditHttpsResponse *response;
  const char *path = "/.well-known/mta-sts.txt"; /* RFC 8461 §3.2 */
  if (o->fetch != NULL)
    response = o->fetch (host, o->https_port, path, (const char *const *)addrs->pdata,
                         o->fetch_data);
  else
    response
        = fct_audit_https_fetch (host, o->https_port, path,
                                 (const char *const *)addrs->pdata, o->ca_file, a->limits);
  fct_smtp_thread_cleanup (); /* libcurl's TLS is OpenSSL too */
  g_task_return_pointer (task, response, (GDestroyNotify)fct_audit_https_response_free);
}

static void
fetch_done (G_GNUC_UNUSED GObject *source, GAsyncResult *result, gpointer user_data)
{
  Audit *a = user_data;
  a->sts_response = g_task_propagate_pointer (G_TASK (result), NULL);
  a->pending--;
}

static void
run_in_thread (Audit *a, gpointer task_data, GTaskThreadFunc func, GAsyncReadyCallback done,
               gpointer done_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, done, done_data);
  g_task_set_task_data (task, task_data, NULL);
  a->pending++;
  g_task_run_in_thread (task, func);
}

/* ---- the chain of queries -------------------------------------------------------- */

static gboolean
has_records (const FctDnsAnswer *answer)
{
  return answer != NULL && fct_dns_answer_has_records (answer);
}

static void
on_ptr (Audit *a, gpointer data)
{
  AuditAddress *addr = data;
  if (!has_records (addr->ptr))
    return;
  guint n = MIN (addr->ptr->records->len, AUDIT_PTR_NAMES_MAX);
  /* Sized before the first query: the slots are addresses inside the array. */
  g_ptr_array_set_size (addr->forward, (gint)n);
  for (guint i = 0; i < n; i++)
    {
      const FctDnsRecord *r = g_ptr_array_index (addr->ptr->records, i);
      FctDnsAnswer **slot = (FctDnsAnswer **)&addr->forward->pdata[i];
      query (a, r->target, addr->len == 4 ? FCT_DNS_TYPE_A : FCT_DNS_TYPE_AAAA, slot, NULL,
             NULL);
    }
}

static void
start_probe (Audit *a, AuditMx *mx, const char *ip)
{
  if (!a->options.smtp || mx->probe_started)
    return;
  mx->probe_started = TRUE;
  ProbeJob *job = g_new0 (ProbeJob, 1);
  *job = (ProbeJob){ a, mx, g_strdup (ip) };
  run_in_thread (a, job, probe_thread, probe_done, job);
}

static void
add_address (Audit *a, AuditMx *mx, const guint8 *bytes, gsize len)
{
  char text[INET6_ADDRSTRLEN];
  if (mx->addresses->len >= AUDIT_ADDRESSES_PER_HOST_MAX
      || inet_ntop (len == 4 ? AF_INET : AF_INET6, bytes, text, sizeof text) == NULL)
    return;
  AuditAddress *addr = g_new0 (AuditAddress, 1);
  addr->ip = g_strdup (text);
  memcpy (addr->bytes, bytes, len);
  addr->len = len;
  addr->forward = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dns_answer_unref);
  addr->blocklist = g_ptr_array_new_with_free_func ((GDestroyNotify)listed_free);
  g_ptr_array_add (mx->addresses, addr);

  g_autofree char *reverse = fct_dns_reverse_name (bytes, len);
  query (a, reverse, FCT_DNS_TYPE_PTR, &addr->ptr, on_ptr, addr);

  const char *const *lists = a->options.ip_blocklists != NULL
                                 ? a->options.ip_blocklists
                                 : fct_audit_default_ip_blocklists ();
  /* The reverse name without ".in-addr.arpa" / ".ip6.arpa" is the DNSBL prefix
   * (RFC 5782 §2.1, §2.4). */
  char *arpa = g_strrstr (reverse, len == 4 ? ".in-addr.arpa" : ".ip6.arpa");
  if (arpa != NULL)
    *arpa = '\0';
  for (gsize i = 0; lists[i] != NULL; i++)
    {
      AuditListed *l = g_new0 (AuditListed, 1);
      l->zone = g_strdup (lists[i]);
      g_ptr_array_add (addr->blocklist, l);
      g_autofree char *name = g_strconcat (reverse, ".", lists[i], NULL);
      query (a, name, FCT_DNS_TYPE_A, &l->answer, NULL, NULL);
    }
  start_probe (a, mx, text);
}

static void
on_mx_address (Audit *a, gpointer data)
{
  AuditMx *mx = data;
  FctDnsAnswer *answers[] = { mx->a, mx->aaaa };
  /* Both answers are needed: the addresses are taken in order, IPv4 first. */
  if (mx->a == NULL || mx->aaaa == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (answers); i++)
    for (guint j = 0; has_records (answers[i]) && j < answers[i]->records->len; j++)
      {
        const FctDnsRecord *r = g_ptr_array_index (answers[i]->records, j);
        add_address (a, mx, r->addr, r->type == FCT_DNS_TYPE_A ? 4 : 16);
      }
}

static gint
mx_compare (gconstpointer pa, gconstpointer pb)
{
  const AuditMx *x = *(AuditMx *const *)pa, *y = *(AuditMx *const *)pb;
  if (x->preference != y->preference)
    return x->preference < y->preference ? -1 : 1;
  return g_strcmp0 (x->host, y->host);
}

/* RFC 7505 §3: "0 ." — the zone back ends write the root as "" or ".". */
static gboolean
is_root (const char *target)
{
  return target == NULL || target[0] == '\0' || g_str_equal (target, ".");
}

static void
on_mx (Audit *a, G_GNUC_UNUSED gpointer data)
{
  if (!has_records (a->mx))
    return;
  GPtrArray *records = a->mx->records;
  for (guint i = 0; i < records->len; i++)
    {
      const FctDnsRecord *r = g_ptr_array_index (records, i);
      if (is_root (r->target))
        continue; /* the null MX: judged from the answer itself */
      AuditMx *mx = g_new0 (AuditMx, 1);
      mx->host = g_strdup (r->target);
      mx->preference = r->preference;
      mx->addresses = g_ptr_array_new_with_free_func ((GDestroyNotify)address_free);
      g_ptr_array_add (a->mx_hosts, mx);
    }
  /* The most preferred exchangers are the ones examined when there are too many. The
   * answer itself is bounded by the size of a DNS message. */
  g_ptr_array_sort (a->mx_hosts, mx_compare);
  if (a->mx_hosts->len > a->limits->audit_mx_hosts_max)
    {
      g_ptr_array_set_size (a->mx_hosts, (gint)a->limits->audit_mx_hosts_max);
      a->mx_capped = TRUE;
    }
  for (guint i = 0; i < a->mx_hosts->len; i++)
    {
      AuditMx *mx = g_ptr_array_index (a->mx_hosts, i);
      guint8 bytes[16];
      if (inet_pton (AF_INET, mx->host, bytes) == 1)
        {
          /* An address written as a name: RFC 5321 §5.1 wants a host name here. Mail
           * servers look it up as a name, and it usually does not exist. */
          mx->ip_literal = TRUE;
          continue;
        }
      query (a, mx->host, FCT_DNS_TYPE_A, &mx->a, on_mx_address, mx);
      query (a, mx->host, FCT_DNS_TYPE_AAAA, &mx->aaaa, on_mx_address, mx);
      g_autofree char *tlsa = g_strconcat ("_25._tcp.", mx->host, NULL);
      query (a, tlsa, FCT_DNS_TYPE_TLSA, &mx->tlsa, NULL, NULL);
    }
}

GPtrArray *
fct_audit_txt_matching (const FctDnsAnswer *answer,
                        gboolean (*is_version) (const char *, gsize))
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; has_records (answer) && i < answer->records->len; i++)
    {
      g_autoptr (GBytes) joined
          = fct_dns_record_txt_joined (g_ptr_array_index (answer->records, i));
      gsize len = 0;
      const char *text = g_bytes_get_data (joined, &len);
      if (is_version (text, len))
        g_ptr_array_add (out, g_strndup (text != NULL ? text : "", len));
    }
  return out;
}

FctDmarcRecord *
fct_audit_effective_dmarc (const Audit *a, const char **policy_domain, guint *count)
{
  const FctDnsAnswer *answers[] = { a->dmarc, a->dmarc_org };
  const char *names[] = { a->domain, a->org_domain };
  *policy_domain = NULL;
  *count = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr (GPtrArray) texts
          = fct_audit_txt_matching (answers[i], fct_dmarc_record_is_dmarc1);
      if (texts->len == 0)
        continue;
      *policy_domain = names[i];
      *count = texts->len;
      const char *t = g_ptr_array_index (texts, 0);
      return fct_dmarc_record_parse (t, strlen (t), a->limits);
    }
  return NULL;
}

static void
destination_done (FctDmarcDestination *destination, gpointer user_data)
{
  Audit *a = user_data;
  g_ptr_array_add (a->destinations, destination);
  a->pending--;
}

static void
on_dmarc (Audit *a, G_GNUC_UNUSED gpointer data)
{
  if (a->dmarc_done || a->dmarc == NULL || (a->org_domain != NULL && a->dmarc_org == NULL))
    return;
  a->dmarc_done = TRUE;
  const char *policy_domain;
  guint count;
  g_autoptr (FctDmarcRecord) record = fct_audit_effective_dmarc (a, &policy_domain, &count);
  if (record == NULL)
    return;
  const char *org = a->org_domain != NULL ? a->org_domain : a->domain;
  GPtrArray *lists[] = { record->rua, record->ruf };
  for (gsize i = 0; i < G_N_ELEMENTS (lists); i++)
    for (guint j = 0; lists[i] != NULL && j < lists[i]->len; j++)
      {
        a->pending++;
        fct_dmarc_destination_verify_async (a->resolver, policy_domain, org,
                                            g_ptr_array_index (lists[i], j), a->limits,
                                            destination_done, a);
      }
}

static void
on_sts_host (Audit *a, G_GNUC_UNUSED gpointer data)
{
  if (a->sts_a == NULL || a->sts_aaaa == NULL)
    return;
  if (!has_records (a->sts_a) && !has_records (a->sts_aaaa))
    return; /* judged: the policy host does not resolve */
  run_in_thread (a, a, fetch_thread, fetch_done, a);
}

static void
on_mta_sts (Audit *a, G_GNUC_UNUSED gpointer data)
{
  g_autoptr (GPtrArray) texts
      = fct_audit_txt_matching (a->mta_sts, fct_mta_sts_record_is_stsv1);
  if (texts->len != 1)
    return; /* none, or several: RFC 8461 §3.1 says there is no policy then */
  g_autofree char *host = g_strconcat ("mta-sts.", a->domain, NULL);
  query (a, host, FCT_DNS_TYPE_A, &a->sts_a, on_sts_host, NULL);
  query (a, host, FCT_DNS_TYPE_AAAA, &a->sts_aaaa, on_sts_host, NULL);
}

static void
add_selector (Audit *a, GHashTable *seen, const char *selector)
{
  if (!g_hash_table_add (seen, g_ascii_strdown (selector, -1)))
    return;
  AuditSelector *s = g_new0 (AuditSelector, 1);
  s->selector = g_ascii_strdown (selector, -1);
  g_ptr_array_add (a->selectors, s);
}

static void
start (Audit *a)
{
  g_autofree char *dmarc = g_strconcat ("_dmarc.", a->domain, NULL);
  g_autofree char *sts = g_strconcat ("_mta-sts.", a->domain, NULL);
  g_autofree char *tlsrpt = g_strconcat ("_smtp._tls.", a->domain, NULL);
  g_autofree char *bimi = g_strconcat ("default._bimi.", a->domain, NULL);

  query (a, a->domain, FCT_DNS_TYPE_NS, &a->ns, NULL, NULL);
  /* The top-level domain tells a failing domain from a failing resolver (judge.c). */
  query (a, strrchr (a->domain, '.') + 1, FCT_DNS_TYPE_NS, &a->tld, NULL, NULL);
  query (a, a->domain, FCT_DNS_TYPE_MX, &a->mx, on_mx, NULL);
  /* The SPF walk reads it too (the resolver answers the second from its cache); the
   * audit needs every SPF record to propose a merged one. */
  query (a, a->domain, FCT_DNS_TYPE_TXT, &a->txt, NULL, NULL);
  query (a, dmarc, FCT_DNS_TYPE_TXT, &a->dmarc, on_dmarc, NULL);
  if (a->org_domain != NULL)
    {
      g_autofree char *org = g_strconcat ("_dmarc.", a->org_domain, NULL);
      query (a, org, FCT_DNS_TYPE_TXT, &a->dmarc_org, on_dmarc, NULL);
    }
  query (a, sts, FCT_DNS_TYPE_TXT, &a->mta_sts, on_mta_sts, NULL);
  query (a, tlsrpt, FCT_DNS_TYPE_TXT, &a->tlsrpt, NULL, NULL);
  query (a, bimi, FCT_DNS_TYPE_TXT, &a->bimi, NULL, NULL);

  g_autoptr (GHashTable) seen
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (gsize i = 0;
       a->options.dkim_selectors != NULL && a->options.dkim_selectors[i] != NULL; i++)
    add_selector (a, seen, a->options.dkim_selectors[i]);
  for (gsize i = 0; common_selectors[i] != NULL; i++)
    add_selector (a, seen, common_selectors[i]);
  for (guint i = 0; i < a->selectors->len; i++)
    {
      AuditSelector *s = g_ptr_array_index (a->selectors, i);
      g_autofree char *name = g_strconcat (s->selector, "._domainkey.", a->domain, NULL);
      query (a, name, FCT_DNS_TYPE_TXT, &s->answer, NULL, NULL);
    }

  const char *const *lists = a->options.domain_blocklists != NULL
                                 ? a->options.domain_blocklists
                                 : fct_audit_default_domain_blocklists ();
  for (gsize i = 0; lists[i] != NULL; i++)
    {
      AuditListed *l = g_new0 (AuditListed, 1);
      l->zone = g_strdup (lists[i]);
      g_ptr_array_add (a->domain_listed, l);
      g_autofree char *name = g_strconcat (a->domain, ".", lists[i], NULL);
      query (a, name, FCT_DNS_TYPE_A, &l->answer, NULL, NULL);
    }

  run_in_thread (a, a, spf_thread, spf_done, a);
}

/* ---- entry point ----------------------------------------------------------------- */

/* A name the audit can query: LDH labels (an A-label for IDNs), 1-63 octets each, at
 * most 253 in all, at least two labels. */
static char *
normalize_domain (const char *domain)
{
  /* An internationalized name is audited as its A-label (RFC 5890 §2.3.2.1), as DNS
   * holds it. */
  g_autofree char *ascii = NULL;
  if (!g_str_is_ascii (domain))
    {
      ascii = g_utf8_validate (domain, -1, NULL) ? g_hostname_to_ascii (domain) : NULL;
      if (ascii == NULL)
        return NULL;
      domain = ascii;
    }
  g_autofree char *d = g_ascii_strdown (domain, -1);
  gsize len = strlen (d);
  if (len > 0 && d[len - 1] == '.')
    d[--len] = '\0';
  if (len == 0 || len > 253 || strchr (d, '.') == NULL)
    return NULL;
  gsize label = 0;
  for (gsize i = 0; i < len; i++)
    {
      char c = d[i];
      if (c == '.')
        {
          if (label == 0)
            return NULL;
          label = 0;
        }
      else if ((g_ascii_isalnum (c) || c == '-' || c == '_') && ++label <= 63)
        continue;
      else
        return NULL;
    }
  return label > 0 ? g_steal_pointer (&d) : NULL;
}

void
fct_audit_report_free (FctAuditReport *report)
{
  if (report == NULL)
    return;
  g_free (report->domain);
  g_ptr_array_unref (report->mx);
  g_free (report->spf_record);
  g_free (report->dmarc_record);
  g_ptr_array_unref (report->dkim_keys);
  fct_mta_sts_policy_free (report->mta_sts);
  fct_findings_free (report->findings);
  g_free (report);
}

FctAuditReport *
fct_audit_domain (FctResolver *resolver, const char *domain, const FctAuditOptions *options,
                  GError **error)
{
  g_return_val_if_fail (resolver != NULL && domain != NULL, NULL);

  g_autofree char *name = normalize_domain (domain);
  if (name == NULL)
    {
      g_set_error (error, FCT_AUDIT_ERROR, FCT_AUDIT_ERROR_INVALID,
                   _ ("“%s” is not a domain name"), domain);
      return NULL;
    }

  Audit *a = g_new0 (Audit, 1);
  a->resolver = fct_resolver_ref (resolver);
  if (options != NULL)
    a->options = *options;
  else
    fct_audit_options_init (&a->options);
  a->limits = a->options.limits != NULL ? a->options.limits : fct_limits_default ();
  a->domain = g_steal_pointer (&name);
  a->org_domain = fct_dmarc_psl_organizational_domain (a->domain, NULL);
  if (a->org_domain != NULL && g_str_equal (a->org_domain, a->domain))
    g_clear_pointer (&a->org_domain, g_free);
  a->mx_hosts = g_ptr_array_new_with_free_func ((GDestroyNotify)mx_free);
  a->selectors = g_ptr_array_new_with_free_func ((GDestroyNotify)selector_free);
  a->domain_listed = g_ptr_array_new_with_free_func ((GDestroyNotify)listed_free);
  a->destinations
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_dmarc_destination_free);
  a->context = g_main_context_new ();

  g_main_context_push_thread_default (a->context);
  start (a);
  while (a->pending > 0)
    g_main_context_iteration (a->context, TRUE);
  g_main_context_pop_thread_default (a->context);

  FctAuditReport *report = g_new0 (FctAuditReport, 1);
  fct_audit_judge (a, report);
  audit_free (a);
  return report;
}
