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

/* A local part for the catch-all test that looks like a person's (servers that spot
 * "probe-3f9a..." answer it differently, and anti-abuse filters flag it) yet cannot
 * belong to anyone: two made-up names of random syllables and two digits, about 46
 * bits of randomness ("ravelo.tinamek47"). */
static char *
random_local_part (void)
{
  static const char consonants[] = "bdfgklmnprstv";
  static const char vowels[] = "aeiou";
  GString *s = g_string_new (NULL);
  for (guint word = 0; word < 2; word++)
    {
      guint syllables = (guint)g_random_int_range (3, 5);
      if (word > 0)
        g_string_append_c (s, '.');
      for (guint k = 0; k < syllables; k++)
        {
          g_string_append_c (s, consonants[g_random_int_range (0, sizeof consonants - 1)]);
          g_string_append_c (s, vowels[g_random_int_range (0, sizeof vowels - 1)]);
        }
    }
  g_string_append_printf (s, "%02d", g_random_int_range (10, 100));
  return g_string_free (s, FALSE);
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
  if (p->mail_code != 0)
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

/* What a reply to RCPT says about the address (docs/ADDRESS.md has the table; each row
 * is tested against a scripted server). RFC 5321 §4.2.2-4.2.3 for the codes, RFC 3463
 * for the enhanced codes: X.1.x is about addresses, and X.1.7/X.1.8 about the sender's
 * (§3.2); X.2.x about the mailbox (§3.3); X.7.x about policy, not the address (§3.8).
 * A reply whose enhanced code disagrees with the reply's class (§2: they must agree)
 * is read from its basic code alone. */
typedef struct
{
  FctVerifyVerdict verdict;
  const char *reason;
} Reading;

static Reading
read_rcpt_reply (guint code, const char *enhanced)
{
  const Reading undeliverable = { FCT_VERIFY_VERDICT_UNDELIVERABLE, "rcpt_rejected" };
  const Reading unexpected = { FCT_VERIFY_VERDICT_UNKNOWN, "rcpt_unexpected" };
  char cls = (char)('0' + code / 100);
  gboolean has_enhanced = enhanced != NULL && enhanced[0] == cls && enhanced[1] == '.';
  const char *detail = has_enhanced ? enhanced + 2 : ""; /* "1.1" */

  if (code == 250 || code == 251)
    return (Reading){ FCT_VERIFY_VERDICT_DELIVERABLE, "rcpt_accepted" };
  if (code == 252) /* §3.5.3: the server will try, and cannot say */
    return (Reading){ FCT_VERIFY_VERDICT_UNKNOWN, "cannot_verify" };
  if (code / 100 == 4)
    {
      if (g_str_has_prefix (detail, "2.2"))
        return (Reading){ FCT_VERIFY_VERDICT_UNKNOWN, "mailbox_full" };
      if (g_str_has_prefix (detail, "7."))
        return (Reading){ FCT_VERIFY_VERDICT_UNKNOWN, "policy_deferred" };
      return (Reading){ FCT_VERIFY_VERDICT_UNKNOWN,
                        code == 452 ? "server_busy" : "greylisted" };
    }
  if (code / 100 != 5)
    return unexpected;
  if (has_enhanced)
    {
      /* Sender: the bad address is ours, not the one asked about. */
      if (g_str_equal (detail, "1.7") || g_str_equal (detail, "1.8"))
        return (Reading){ FCT_VERIFY_VERDICT_UNKNOWN, "sender_rejected" };
      if (g_str_has_prefix (detail, "7."))
        return (Reading){ FCT_VERIFY_VERDICT_UNKNOWN, "policy_rejected" };
      /* 5.1.0 other address, .1 bad mailbox, .2 bad system, .3 bad syntax, .6 moved,
       * .10 null MX (RFC 7505 §4.2). 5.1.4 (ambiguous) and 5.1.5 (valid) say no such
       * thing. */
      if (g_str_equal (detail, "1.0") || g_str_equal (detail, "1.1")
          || g_str_equal (detail, "1.2") || g_str_equal (detail, "1.3")
          || g_str_equal (detail, "1.6") || g_str_equal (detail, "1.10"))
        return undeliverable;
      if (g_str_equal (detail, "2.1")) /* mailbox disabled */
        return (Reading){ FCT_VERIFY_VERDICT_UNDELIVERABLE, "mailbox_disabled" };
      if (g_str_equal (detail, "2.2")) /* mailbox full, permanently */
        return (Reading){ FCT_VERIFY_VERDICT_UNDELIVERABLE, "mailbox_full" };
      /* Microsoft 365 refuses unknown recipients with 550 5.4.1 (directory-based edge
       * blocking, "Recipient address rejected: Access denied"). */
      if (code == 550 && g_str_equal (detail, "4.1"))
        return undeliverable;
      return unexpected;
    }
  /* No enhanced code: the basic code alone. 550 mailbox unavailable, 551 user not
   * local, 553 mailbox name not allowed (§4.2.2). 554 "transaction failed" is what
   * servers answer to a blocked client as often as to an address: it says nothing. */
  if (code == 550 || code == 551 || code == 553)
    return undeliverable;
  if (code == 554)
    return (Reading){ FCT_VERIFY_VERDICT_UNKNOWN, "transaction_failed" };
  return unexpected;
}

static void
interpret (FctVerifyResult *result, const FctVerifyProbe *p)
{
  const char *text = rcpt_line (p);

  if (p->mail_code != 0)
    {
      /* The server refused the sender of the check: nothing is known of the address. */
      result->verdict = FCT_VERIFY_VERDICT_UNKNOWN;
      add_reason (result, "sender_rejected", last_server_line (p));
      return;
    }
  if (p->rcpt_code == 0)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "smtputf8_not_offered", p->host);
      return;
    }
  Reading r = read_rcpt_reply (p->rcpt_code, p->rcpt_enhanced);
  if (r.verdict == FCT_VERIFY_VERDICT_DELIVERABLE && p->random_code >= 200
      && p->random_code < 300)
    {
      result->catch_all = TRUE;
      result->verdict = FCT_VERIFY_VERDICT_RISKY;
      add_reason (result, "catch_all", p->host);
      return;
    }
  result->verdict = r.verdict;
  add_reason (result, r.reason, text);
}

/* One address on its way through the probe. */
typedef struct
{
  FctVerifyResult *result;
  char *rcpt;
  gboolean answered;
} Pending;

/* Probes the exchangers of one domain (result->mx of the first) for every pending
 * address, in preference order, in sessions of at most per_session addresses; what an
 * exchanger did not answer is asked of the next. */
static void
probe_exchangers (FctResolver *resolver, Pending *pending, guint n,
                  const FctVerifyOptions *options, FctVerifyProbeSpec *spec)
{
  guint max_hosts = options->mx_hosts_max > 0 ? options->mx_hosts_max : 3;
  guint per_session = options->gate != NULL
                          ? fct_verify_gate_get_pace (options->gate)->rcpt_per_session
                          : 20;
  GPtrArray *mx = pending[0].result->mx;

  for (guint h = 0; h < mx->len && h < max_hosts; h++)
    {
      const char *host = g_ptr_array_index (mx, h);
      g_autoptr (GPtrArray) ips = exchanger_ips (resolver, host);
      for (guint i = 0; ips->len == 0 && i < n; i++)
        {
          FctVerifyProbe *p = g_new0 (FctVerifyProbe, 1);
          p->host = g_strdup (host);
          p->port = spec->port;
          p->error = g_strdup ("the exchanger has no address record");
          g_ptr_array_add (pending[i].result->probes, p);
        }
      if (ips->len == 0)
        continue;
      /* One address per exchanger: the next exchanger is the better fallback. */
      const char *ip = g_ptr_array_index (ips, 0);
      for (guint retry = 0; retry < 2; retry++)
        {
          g_autoptr (GPtrArray) asked = g_ptr_array_new ();
          for (guint i = 0; i < n; i++)
            if (!pending[i].answered)
              g_ptr_array_add (asked, &pending[i]);
          for (guint from = 0; from < asked->len; from += per_session)
            {
              guint count = MIN (per_session, asked->len - from);
              g_autofree FctVerifySessionItem *items = g_new0 (FctVerifySessionItem, count);
              for (guint k = 0; k < count; k++)
                {
                  Pending *pe = g_ptr_array_index (asked, from + k);
                  items[k].rcpt = pe->rcpt;
                  items[k].need_smtputf8 = pe->result->syntax->local_utf8;
                }
              fct_verify_gate_enter (options->gate, spec->domain, host);
              fct_verify_session_run (host, ip, spec, items, count);
              fct_verify_gate_leave (options->gate, spec->domain, host);
              for (guint k = 0; k < count; k++)
                {
                  Pending *pe = g_ptr_array_index (asked, from + k);
                  FctVerifyProbe *p = g_steal_pointer (&items[k].probe);
                  g_ptr_array_add (pe->result->probes, p);
                  g_free (items[k].outcome_error);
                  gboolean grey = p->rcpt_code == 450 || p->rcpt_code == 451;
                  /* Greylisting lets the same client, sender and recipient through
                   * once it comes back after a delay: asked again once, below. */
                  if (classify (p) == PROBE_ANSWERED
                      && !(grey && retry == 0 && options->greylist_retry_ms > 0))
                    {
                      interpret (pe->result, p);
                      pe->answered = TRUE;
                    }
                }
            }
          gboolean greylisted = FALSE;
          for (guint i = 0; i < n; i++)
            {
              const FctVerifyProbe *last
                  = pending[i].result->probes->len > 0 ? g_ptr_array_index (
                        pending[i].result->probes, pending[i].result->probes->len - 1)
                                                       : NULL;
              greylisted = greylisted
                           || (!pending[i].answered && last != NULL
                               && (last->rcpt_code == 450 || last->rcpt_code == 451));
            }
          if (!greylisted || options->greylist_retry_ms == 0)
            break;
          g_usleep ((gulong)options->greylist_retry_ms * 1000);
        }
    }
  for (guint i = 0; i < n; i++)
    {
      if (pending[i].answered)
        continue;
      FctVerifyResult *result = pending[i].result;
      result->verdict = FCT_VERIFY_VERDICT_UNKNOWN;
      add_reason (result, "smtp_unavailable",
                  result->probes->len > 0 ? ((FctVerifyProbe *)g_ptr_array_index (
                                                 result->probes, result->probes->len - 1))
                                                ->error
                                          : NULL);
    }
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

static gboolean
options_valid (const FctVerifyOptions *options, GError **error)
{
  /* RFC 5321 §4.1.1.1: the client's fully qualified domain name. Many receivers refuse
   * "localhost" or a bare host name, and the probe would read that refusal as news
   * about the address: there is no default. */
  if (options->smtp
      && (options->helo_name == NULL || !fct_verify_domain_is_ldh (options->helo_name)
          || strchr (options->helo_name, '.') == NULL))
    {
      g_set_error_literal (error, FCT_VERIFY_ERROR, FCT_VERIFY_ERROR_INVALID,
                           "the EHLO name must be a fully qualified domain name");
      return FALSE;
    }
  if (options->mail_from != NULL && strpbrk (options->mail_from, "\r\n <>") != NULL)
    {
      g_set_error_literal (error, FCT_VERIFY_ERROR, FCT_VERIFY_ERROR_INVALID,
                           "the sender must be a bare address");
      return FALSE;
    }
  return TRUE;
}

/* Everything before SMTP: syntax, reserved names, lists, DNS. Returns TRUE when the
 * address is to be probed (result->mx is set). */
static gboolean
prepare (FctResolver *resolver, FctVerifyResult *result, const char *address, gsize len)
{
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
      return FALSE;
    }
  if (strlen (s->local_part) != s->local_part_len || strlen (s->domain) != s->domain_len)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "syntax_invalid", "nul");
      return FALSE;
    }
  if (s->domain_literal)
    {
      add_reason (result, "address_literal", s->domain);
      return FALSE;
    }
  if (s->domain_ascii == NULL)
    {
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "idna_invalid", s->domain);
      return FALSE;
    }
  if (fct_verify_domain_is_special_use (s->domain_ascii))
    {
      /* Whatever a resolver says: these names are never delegated from the root. */
      result->verdict = FCT_VERIFY_VERDICT_UNDELIVERABLE;
      add_reason (result, "special_use_domain", s->domain_ascii);
      return FALSE;
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
  return find_exchangers (resolver, result, s->domain_ascii);
}

/* Properties that make even an accepted address a gamble. */
static void
finish (FctVerifyResult *result, const FctVerifyOptions *options)
{
  const FctVerifySyntax *s = result->syntax;
  if (s->category == FCT_VERIFY_CATEGORY_ERROR || s->category == FCT_VERIFY_CATEGORY_RFC5322
      || s->domain_ascii == NULL || s->domain_literal
      || strlen (s->local_part) != s->local_part_len)
    return;
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
}

static void
result_free (gpointer data)
{
  fct_verify_result_free (data);
}

/* lens NULL: the addresses are NUL-terminated. */
static GPtrArray *
verify_many (FctResolver *resolver, const char *const *addresses, const gsize *lens,
             guint n, const FctVerifyOptions *options, GError **error)
{
  FctVerifyOptions defaults;

  if (options == NULL)
    {
      fct_verify_options_init (&defaults);
      options = &defaults;
    }
  if (!options_valid (options, error))
    return NULL;

  GPtrArray *results = g_ptr_array_new_with_free_func (result_free);
  g_autofree Pending *pending = g_new0 (Pending, MAX (n, 1));
  guint n_pending = 0;
  for (guint i = 0; i < n; i++)
    {
      FctVerifyResult *result = g_new0 (FctVerifyResult, 1);
      g_ptr_array_add (results, result);
      if (!prepare (resolver, result, addresses[i],
                    lens != NULL ? lens[i] : strlen (addresses[i])))
        continue;
      if (!options->smtp)
        {
          add_reason (result, "smtp_skipped", NULL);
          continue;
        }
      const FctVerifySyntax *s = result->syntax;
      pending[n_pending++]
          = (Pending){ result, g_strdup_printf ("%s@%s", s->local_part, s->domain_ascii),
                       FALSE };
    }

  /* One probe per domain, for all its addresses. */
  g_autofree gboolean *done = g_new0 (gboolean, MAX (n_pending, 1));
  for (guint i = 0; i < n_pending; i++)
    {
      if (done[i])
        continue;
      const char *domain = pending[i].result->syntax->domain_ascii;
      g_autofree Pending *group = g_new0 (Pending, n_pending);
      guint n_group = 0;
      for (guint k = i; k < n_pending; k++)
        if (!done[k] && g_str_equal (pending[k].result->syntax->domain_ascii, domain))
          {
            group[n_group++] = pending[k];
            done[k] = TRUE;
          }
      g_autofree char *random_local = random_local_part ();
      g_autofree char *random_rcpt = g_strdup_printf ("%s@%s", random_local, domain);
      FctVerifyProbeSpec spec = {
        .helo_name = options->helo_name,
        .mail_from = options->mail_from != NULL ? options->mail_from : "",
        .random_rcpt = random_rcpt,
        .domain = domain,
        .gate = options->gate,
        .port = options->smtp_port != 0 ? options->smtp_port : 25,
        .limits = options->limits != NULL ? options->limits : fct_limits_default (),
      };
      probe_exchangers (resolver, group, n_group, options, &spec);
    }
  for (guint i = 0; i < n_pending; i++)
    g_free (pending[i].rcpt);
  for (guint i = 0; i < n; i++)
    finish (g_ptr_array_index (results, i), options);
  return results;
}

GPtrArray *
fct_verify_addresses (FctResolver *resolver, const char *const *addresses, guint n,
                      const FctVerifyOptions *options, GError **error)
{
  g_return_val_if_fail (resolver != NULL && (addresses != NULL || n == 0), NULL);
  return verify_many (resolver, addresses, NULL, n, options, error);
}

FctVerifyResult *
fct_verify_address (FctResolver *resolver, const char *address, gsize len,
                    const FctVerifyOptions *options, GError **error)
{
  g_return_val_if_fail (resolver != NULL && address != NULL, NULL);
  const char *one[] = { address };
  g_autoptr (GPtrArray) results = verify_many (resolver, one, &len, 1, options, error);
  if (results == NULL)
    return NULL;
  return g_ptr_array_steal_index (results, 0);
}
