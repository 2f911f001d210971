/* facteur — the address verdict: syntax, then the domain's mail route (RFC 5321 §5.1
 * MX with implicit-MX fallback, RFC 7505 null MX), then an SMTP probe of the exchangers
 * in preference order, read as RFC 5321 §4.2.1-4.2.3 and RFC 3463 codes say. */
#include "verify-private.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

/* The resolver's cache is shared; batch workers take turns at it. */
static GMutex dns_lock;

void
fct_verify_options_init (FctVerifyOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (FctVerifyOptions){ .smtp = TRUE, .smtp_port = 25, .mx_hosts_max = 3 };
}

static FctDnsAnswer *
query (FctResolver *resolver, const char *name, FctDnsType type)
{
  g_mutex_lock (&dns_lock);
  FctDnsAnswer *answer = fct_resolver_query (resolver, name, type);
  g_mutex_unlock (&dns_lock);
  return answer;
}

void
fct_verify_reason_free (FctVerifyReason *r)
{
  if (r == NULL)
    return;
  g_free (r->id);
  g_free (r->detail);
  g_free (r);
}

static void
add_reason (FctVerifyResult *result, const char *id, const char *detail)
{
  FctVerifyReason *r = g_new0 (FctVerifyReason, 1);
  r->id = g_strdup (id);
  r->detail = g_strdup (detail);
  g_ptr_array_add (result->reasons, r);
}

void
fct_verify_result_free (FctVerifyResult *result)
{
  if (result == NULL)
    return;
  g_free (result->address);
  g_ptr_array_unref (result->reasons);
  fct_verify_syntax_free (result->syntax);
  g_ptr_array_unref (result->mx);
  g_free (result->suggestion);
  g_ptr_array_unref (result->probes);
  g_free (result);
}

static gint
compare_mx (gconstpointer a, gconstpointer b)
{
  const FctDnsRecord *x = *(FctDnsRecord *const *)a;
  const FctDnsRecord *y = *(FctDnsRecord *const *)b;
  if (x->preference != y->preference)
    return x->preference < y->preference ? -1 : 1;
  return g_strcmp0 (x->target, y->target);
}

/* Fills result->mx. Returns FALSE when the domain has no mail route (the verdict and
 * reasons are then set). */
static gboolean
find_exchangers (FctResolver *resolver, FctVerifyResult *result, const char *domain)
{
  g_autoptr (FctDnsAnswer) mx = query (resolver, domain, FCT_DNS_TYPE_MX);

  switch (mx->rcode)
    {
    case FCT_DNS_RCODE_NXDOMAIN:
    case FCT_DNS_RCODE_BADNAME:
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "domain_not_found", domain);
      fct_verify_syntax_apply_dns (result->syntax, FALSE, FALSE);
      return FALSE;
    case FCT_DNS_RCODE_SERVFAIL:
    case FCT_DNS_RCODE_TIMEOUT:
      result->verdict = FCT_VERIFY_VERDICT_UNKNOWN;
      add_reason (result, "dns_unavailable", mx->reason);
      return FALSE;
    case FCT_DNS_RCODE_NOERROR:
      break;
    }

  if (fct_dns_answer_has_records (mx))
    {
      /* A view for sorting: the records stay owned by the answer. */
      g_autoptr (GPtrArray) sorted = g_ptr_array_sized_new (mx->records->len);
      for (guint i = 0; i < mx->records->len; i++)
        g_ptr_array_add (sorted, g_ptr_array_index (mx->records, i));
      g_ptr_array_sort (sorted, compare_mx);
      /* RFC 7505 §3: a single MX "0 ." says the domain accepts no mail. */
      const FctDnsRecord *first = g_ptr_array_index (sorted, 0);
      if (sorted->len == 1 && first->preference == 0
          && (first->target == NULL || first->target[0] == '\0'
              || g_str_equal (first->target, ".")))
        {
          result->null_mx = TRUE;
          result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
          add_reason (result, "null_mx", domain);
          return FALSE;
        }
      for (guint i = 0; i < sorted->len; i++)
        {
          const FctDnsRecord *rr = g_ptr_array_index (sorted, i);
          if (rr->target != NULL && rr->target[0] != '\0')
            g_ptr_array_add (result->mx, g_strdup (rr->target));
        }
      fct_verify_syntax_apply_dns (result->syntax, TRUE, TRUE);
      return TRUE;
    }

  /* RFC 5321 §5.1: no MX, the domain's own address records are the implicit MX. */
  g_autoptr (FctDnsAnswer) a = query (resolver, domain, FCT_DNS_TYPE_A);
  g_autoptr (FctDnsAnswer) aaaa = query (resolver, domain, FCT_DNS_TYPE_AAAA);
  gboolean has_address
      = fct_dns_answer_has_records (a) || fct_dns_answer_has_records (aaaa);
  fct_verify_syntax_apply_dns (result->syntax, FALSE, has_address);
  if (!has_address)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "no_mail_route", domain);
      return FALSE;
    }
  result->implicit_mx = TRUE;
  g_ptr_array_add (result->mx, g_strdup (domain));
  return TRUE;
}

/* The addresses of an exchanger, IPv4 first (test networks and most receivers). */
static GPtrArray *
exchanger_ips (FctResolver *resolver, const char *host)
{
  GPtrArray *ips = g_ptr_array_new_with_free_func (g_free);
  const FctDnsType types[] = { FCT_DNS_TYPE_A, FCT_DNS_TYPE_AAAA };

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr (FctDnsAnswer) answer = query (resolver, host, types[t]);
      for (guint i = 0; answer->records != NULL && i < answer->records->len; i++)
        {
          const FctDnsRecord *rr = g_ptr_array_index (answer->records, i);
          char text[INET6_ADDRSTRLEN];
          int family = rr->type == FCT_DNS_TYPE_A ? AF_INET : AF_INET6;
          if (rr->type == types[t]
              && inet_ntop (family, rr->addr, text, sizeof text) != NULL)
            g_ptr_array_add (ips, g_strdup (text));
        }
    }
  return ips;
}

static char *
random_local_part (void)
{
  /* Long and random enough that no real mailbox has it. */
  return g_strdup_printf ("facteur-probe-%08x%08x", g_random_int (), g_random_int ());
}

typedef enum
{
  PROBE_NO_ANSWER, /* connection or dialogue failed: try the next exchanger */
  PROBE_ANSWERED,  /* RCPT got a reply (or the server cannot take the address) */
} ProbeOutcome;

static ProbeOutcome
classify (const FctVerifyProbe *p)
{
  /* 421: the server is closing the channel (RFC 5321 §4.2.3); ask the next one. */
  if (p->rcpt_code == 421)
    return PROBE_NO_ANSWER;
  if (p->rcpt_code != 0)
    return PROBE_ANSWERED;
  if (p->error != NULL && g_str_equal (p->error, FCT_VERIFY_NO_SMTPUTF8))
    return PROBE_ANSWERED;
  return PROBE_NO_ANSWER;
}

static const char *
last_server_line (const FctVerifyProbe *p)
{
  if (p->transcript == NULL)
    return NULL;
  for (guint i = p->transcript->lines->len; i > 0; i--)
    {
      const char *line = g_ptr_array_index (p->transcript->lines, i - 1);
      if (g_str_has_prefix (line, "S: "))
        return line + 3;
    }
  return NULL;
}

/* The reply text to RCPT for the address, for reasons. */
static const char *
rcpt_line (const FctVerifyProbe *p)
{
  for (guint i = 0; p->transcript != NULL && i < p->transcript->lines->len; i++)
    {
      const char *line = g_ptr_array_index (p->transcript->lines, i);
      if (g_str_has_prefix (line, "C: RCPT TO:"))
        for (guint j = i + 1; j < p->transcript->lines->len; j++)
          {
            const char *reply = g_ptr_array_index (p->transcript->lines, j);
            if (g_str_has_prefix (reply, "S: ") && reply[6] == ' ')
              return reply + 3;
          }
    }
  return last_server_line (p);
}

/* RFC 5321 §4.2.1-4.2.3, RFC 3463 §3.2 (X.1.x addressing), §3.8 (X.7.x policy). */
static void
interpret (FctVerifyResult *result, const FctVerifyProbe *p)
{
  const char *text = rcpt_line (p);
  guint code = p->rcpt_code;

  if (code == 0)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "smtputf8_not_offered", p->host);
      return;
    }
  if (code == 250 || code == 251)
    {
      if (p->random_code >= 200 && p->random_code < 300)
        {
          result->catch_all = TRUE;
          result->verdict = FCT_VERIFY_VERDICT_RISKY;
          add_reason (result, "catch_all", p->host);
        }
      else
        {
          result->verdict = FCT_VERIFY_VERDICT_DELIVERABLE;
          add_reason (result, "rcpt_accepted", text);
        }
      return;
    }
  if (code == 252)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNKNOWN;
      add_reason (result, "cannot_verify", text); /* §3.5.3: will try, cannot say */
      return;
    }
  if (code >= 400 && code < 500)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNKNOWN;
      add_reason (result, code == 452 ? "server_busy" : "greylisted", text);
      return;
    }
  /* A 5xx about policy (our client, not the address) says nothing of the mailbox. */
  g_autofree char *enhanced = NULL;
  if (text != NULL && text[0] != '\0')
    {
      const char *sp = strchr (text, ' ');
      if (sp != NULL)
        enhanced = g_strndup (sp + 1, strcspn (sp + 1, " "));
    }
  if (enhanced != NULL && g_str_has_prefix (enhanced, "5.7."))
    {
      result->verdict = FCT_VERIFY_VERDICT_UNKNOWN;
      add_reason (result, "policy_rejected", text);
      return;
    }
  if (code == 550 || code == 551 || code == 553 || code == 554
      || (enhanced != NULL && g_str_has_prefix (enhanced, "5.1.")))
    {
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "rcpt_rejected", text);
      return;
    }
  result->verdict = FCT_VERIFY_VERDICT_UNKNOWN;
  add_reason (result, "rcpt_unexpected", text);
}

static void
probe_exchangers (FctResolver *resolver, FctVerifyResult *result,
                  const FctVerifyOptions *options, const FctVerifyProbeSpec *spec)
{
  guint max_hosts = options->mx_hosts_max > 0 ? options->mx_hosts_max : 3;

  for (guint i = 0; i < result->mx->len && i < max_hosts; i++)
    {
      const char *host = g_ptr_array_index (result->mx, i);
      g_autoptr (GPtrArray) ips = exchanger_ips (resolver, host);

      if (ips->len == 0)
        {
          FctVerifyProbe *p = g_new0 (FctVerifyProbe, 1);
          p->host = g_strdup (host);
          p->port = spec->port;
          p->error = g_strdup ("the exchanger has no address record");
          g_ptr_array_add (result->probes, p);
          continue;
        }
      /* One address per exchanger: the next exchanger is the better fallback. */
      const char *ip = g_ptr_array_index (ips, 0);
      fct_verify_gate_enter (options->gate, host);
      FctVerifyProbe *p = fct_verify_probe_run (host, ip, spec);
      fct_verify_gate_leave (options->gate, host);
      g_ptr_array_add (result->probes, p);
      if (classify (p) == PROBE_ANSWERED && (p->rcpt_code == 450 || p->rcpt_code == 451)
          && options->greylist_retry_ms > 0)
        {
          /* Greylisting lets the same client, sender and recipient through once it
           * comes back after a delay. */
          g_usleep ((gulong)options->greylist_retry_ms * 1000);
          fct_verify_gate_enter (options->gate, host);
          p = fct_verify_probe_run (host, ip, spec);
          fct_verify_gate_leave (options->gate, host);
          g_ptr_array_add (result->probes, p);
        }
      if (classify (p) == PROBE_ANSWERED)
        {
          interpret (result, p);
          return;
        }
    }
  result->verdict = FCT_VERIFY_VERDICT_UNKNOWN;
  add_reason (result, "smtp_unavailable",
              result->probes->len > 0 ? ((FctVerifyProbe *)g_ptr_array_index (
                                             result->probes, result->probes->len - 1))
                                            ->error
                                      : NULL);
}

/* GDestroyNotify wrappers: calling through a cast function pointer is undefined. */
static void
reason_free (gpointer data)
{
  fct_verify_reason_free (data);
}

static void
probe_free (gpointer data)
{
  fct_verify_probe_free (data);
}

FctVerifyResult *
fct_verify_address (FctResolver *resolver, const char *address, gsize len,
                    const FctVerifyOptions *options, GError **error)
{
  FctVerifyOptions defaults;

  g_return_val_if_fail (resolver != NULL && address != NULL, NULL);
  if (options == NULL)
    {
      fct_verify_options_init (&defaults);
      options = &defaults;
    }
  if (options->helo_name != NULL && strpbrk (options->helo_name, "\r\n <>") != NULL)
    {
      g_set_error_literal (error, FCT_VERIFY_ERROR, FCT_VERIFY_ERROR_INVALID,
                           "the EHLO name must be a domain name");
      return NULL;
    }
  if (options->mail_from != NULL && strpbrk (options->mail_from, "\r\n <>") != NULL)
    {
      g_set_error_literal (error, FCT_VERIFY_ERROR, FCT_VERIFY_ERROR_INVALID,
                           "the sender must be a bare address");
      return NULL;
    }

  FctVerifyResult *result = g_new0 (FctVerifyResult, 1);
  result->address = g_utf8_make_valid (address, (gssize)len);
  result->reasons = g_ptr_array_new_with_free_func (reason_free);
  result->mx = g_ptr_array_new_with_free_func (g_free);
  result->probes = g_ptr_array_new_with_free_func (probe_free);
  result->syntax = fct_verify_syntax_parse (address, len);
  result->verdict = FCT_VERIFY_VERDICT_UNKNOWN;

  FctVerifySyntax *s = result->syntax;
  if (s->category == FCT_VERIFY_CATEGORY_ERROR
      || s->category == FCT_VERIFY_CATEGORY_RFC5322)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "syntax_invalid", fct_verify_diag_to_string (s->diagnosis));
      return result;
    }
  if (strlen (s->local_part) != s->local_part_len || strlen (s->domain) != s->domain_len)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "syntax_invalid", "nul");
      return result;
    }
  if (s->domain_literal)
    {
      add_reason (result, "address_literal", s->domain);
      return result;
    }
  if (s->domain_ascii == NULL)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "idna_invalid", s->domain);
      return result;
    }

  const char *suggestion = fct_verify_domain_suggest (s->domain_ascii);
  if (suggestion != NULL)
    {
      result->suggestion = g_strdup (suggestion);
      add_reason (result, "did_you_mean", suggestion);
    }
  result->disposable = fct_verify_domain_is_disposable (s->domain_ascii);
  result->free_mail = fct_verify_domain_is_free_mail (s->domain_ascii);
  result->role = fct_verify_local_is_role (s->local_part);

  if (find_exchangers (resolver, result, s->domain_ascii))
    {
      if (options->smtp)
        {
          g_autofree char *rcpt = g_strdup_printf ("%s@%s", s->local_part, s->domain_ascii);
          g_autofree char *random_local = random_local_part ();
          g_autofree char *random_rcpt
              = g_strdup_printf ("%s@%s", random_local, s->domain_ascii);
          FctVerifyProbeSpec spec = {
            .helo_name = options->helo_name != NULL ? options->helo_name : "localhost",
            .mail_from = options->mail_from != NULL ? options->mail_from : "",
            .rcpt = rcpt,
            .random_rcpt = random_rcpt,
            .need_smtputf8 = s->local_utf8,
            .port = options->smtp_port != 0 ? options->smtp_port : 25,
            .limits = options->limits != NULL ? options->limits : fct_limits_default (),
          };
          probe_exchangers (resolver, result, options, &spec);
        }
      else
        add_reason (result, "smtp_skipped", NULL);
    }

  /* Properties that make even an accepted address a gamble. */
  if (s->local_utf8)
    add_reason (result, "smtputf8_required", NULL);
  if (result->disposable)
    add_reason (result, "disposable", s->domain_ascii);
  if (result->role)
    add_reason (result, "role_account", s->local_part);
  if (result->free_mail)
    add_reason (result, "free_mail", s->domain_ascii);
  if (s->category == FCT_VERIFY_CATEGORY_DEPRECATED)
    add_reason (result, "syntax_deprecated", fct_verify_diag_to_string (s->diagnosis));
  if (result->verdict == FCT_VERIFY_VERDICT_DELIVERABLE
      && (result->disposable || result->role
          || s->category == FCT_VERIFY_CATEGORY_DEPRECATED))
    result->verdict = FCT_VERIFY_VERDICT_RISKY;
  if (result->verdict == FCT_VERIFY_VERDICT_UNKNOWN && !options->smtp && result->disposable)
    result->verdict = FCT_VERIFY_VERDICT_RISKY;
  return result;
}
