/* facteur — the domain audit's judge: turns what was gathered into findings with the
 * record to publish. RFC 7505 (null MX), RFC 2181 §10.3 (MX to an alias), RFC 7208
 * (SPF, through the linter), RFC 6376 §3.6.1 and RFC 8301 (DKIM keys), RFC 9989 (DMARC),
 * RFC 8461 (MTA-STS), RFC 8460 (TLS-RPT); DANE, blocklists and STARTTLS in servers.c. */
#include "audit-private.h"

#include <facteur/dkim.h>
#include <glib/gi18n-lib.h>
#include <string.h>

static gboolean
has_records (const FctDnsAnswer *answer)
{
  return answer != NULL && fct_dns_answer_has_records (answer);
}

gboolean
fct_audit_judge_failed (Judge *j, const FctDnsAnswer *answer)
{
  if (answer == NULL)
    return FALSE;
  if (answer->dnssec == FCT_DNSSEC_BOGUS)
    {
      if (!j->bogus_reported)
        {
          FctFinding *f = fct_findings_add (
              j->f, "dnssec-bogus",
              _ ("DNSSEC validation of %s failed (%s): resolvers that validate (most large "
                 "providers) treat the domain as unreachable. Re-sign the zone or fix the "
                 "DS "
                 "record at the registrar."),
              answer->qname, answer->reason != NULL ? answer->reason : "bogus");
          fct_finding_set_evidence (f, answer->qname);
          j->bogus_reported = TRUE;
        }
      return TRUE;
    }
  if (answer->rcode == FCT_DNS_RCODE_SERVFAIL || answer->rcode == FCT_DNS_RCODE_TIMEOUT)
    {
      /* Counted here, reported once at the end: a resolver in trouble fails dozens of
       * queries, and each would otherwise cost points. */
      if (j->dns_failures++ == 0)
        j->first_failure = answer;
      return TRUE;
    }
  return FALSE;
}

/* Appends item to a "sep"-separated list unless it is there already. */
static void
list_add (GString *list, const char *sep, const char *item)
{
  if (item == NULL || item[0] == '\0')
    return;
  g_auto (GStrv) have = g_strsplit (list->str, sep, -1);
  if (g_strv_contains ((const char *const *)have, item))
    return;
  if (list->len > 0)
    g_string_append (list, sep);
  g_string_append (list, item);
}

/* ---- DNS, MX, PTR ---------------------------------------------------------------- */

static gboolean
answer_failed (const FctDnsAnswer *answer)
{
  return answer != NULL
         && (answer->dnssec == FCT_DNSSEC_BOGUS || answer->rcode == FCT_DNS_RCODE_SERVFAIL
             || answer->rcode == FCT_DNS_RCODE_TIMEOUT);
}

/* TRUE when one of the domain's own answers came back usable (blocklists, which are
 * third-party zones, do not count). */
static gboolean
any_usable_answer (const Audit *a)
{
  const FctDnsAnswer *answers[]
      = { a->ns, a->mx, a->txt, a->dmarc, a->mta_sts, a->tlsrpt, a->bimi };
  for (gsize i = 0; i < G_N_ELEMENTS (answers); i++)
    if (answers[i] != NULL && !answer_failed (answers[i]))
      return TRUE;
  for (guint i = 0; i < a->selectors->len; i++)
    {
      const AuditSelector *s = g_ptr_array_index (a->selectors, i);
      if (s->answer != NULL && !answer_failed (s->answer))
        return TRUE;
    }
  return FALSE;
}

/* FALSE when nothing more can be judged. */
static gboolean
judge_dns (Judge *j)
{
  Audit *a = j->a;
  /* When the top-level domain fails too and not one answer about the domain is usable,
   * the fault is on this side: no network, a dead forwarder, or a trust anchor the
   * resolver cannot validate from (it then calls everything bogus). Blaming the domain
   * for DNSSEC or missing records would be wrong. */
  if (answer_failed (a->ns) && answer_failed (a->tld) && !any_usable_answer (a))
    {
      FctFinding *f = fct_findings_add (
          j->f, "dns-error",
          _ ("DNS gave no usable answer, not even for the top-level domain %s (%s): the "
             "resolver cannot be used from here (no network, a dead forwarder, or a trust "
             "anchor it cannot validate). Nothing was checked."),
          a->tld->qname,
          a->tld->reason != NULL ? a->tld->reason
                                 : fct_dns_rcode_to_string (a->tld->rcode));
      fct_finding_set_evidence (f, a->tld->qname);
      j->resolver_failed = TRUE;
      return FALSE;
    }
  if (a->ns->rcode == FCT_DNS_RCODE_NXDOMAIN && a->ns->dnssec != FCT_DNSSEC_BOGUS)
    {
      fct_findings_add (j->f, "domain-not-found",
                        _ ("%s does not exist (NXDOMAIN): check the spelling, or register "
                           "the domain and publish its zone."),
                        a->domain);
      return FALSE;
    }
  if (a->ns->dnssec == FCT_DNSSEC_BOGUS)
    {
      fct_audit_judge_failed (
          j, a->ns); /* dnssec-bogus; what else validates is still judged */
      return TRUE;
    }
  if (answer_failed (a->ns))
    {
      FctFinding *f = fct_findings_add (
          j->f, "ns-unreachable",
          _ ("The name servers of %s did not answer (%s) while the resolver works: nobody "
             "can resolve the domain now, so mail to it is deferred, then returned. Check "
             "the NS records at the registrar and that each server answers for the zone."),
          a->domain,
          a->ns->reason != NULL ? a->ns->reason : fct_dns_rcode_to_string (a->ns->rcode));
      fct_finding_set_evidence (f, a->domain);
      return FALSE;
    }
  if (!has_records (a->ns))
    fct_findings_add (
        j->f, "ns-missing",
        _ ("%s has no NS records: it is a name inside its parent's zone, which "
           "answers for it."),
        a->domain);
  if (a->ns->dnssec == FCT_DNSSEC_INSECURE)
    fct_findings_add (
        j->f, "dnssec-unsigned",
        _ ("The zone of %s is not signed with DNSSEC: its answers can be forged, "
           "and DANE cannot be used. Sign it if your DNS host offers it."),
        a->domain);
  return TRUE;
}

static gboolean
is_null_mx (const FctDnsRecord *r)
{
  return r->target == NULL || r->target[0] == '\0' || g_str_equal (r->target, ".");
}

static void
judge_mx (Judge *j)
{
  Audit *a = j->a;
  if (fct_audit_judge_failed (j, a->mx))
    return;
  if (!has_records (a->mx))
    {
      FctFinding *f = fct_findings_add (
          j->f, "mx-missing",
          _ ("%s publishes no MX record. Senders fall back to its address record, if any "
             "(RFC 5321 §5.1), which is rarely a mail server. Publish the MX of your mail "
             "provider."),
          a->domain);
      g_autofree char *fix = g_strdup_printf ("%s. MX 10 mail.%s.", a->domain, a->domain);
      fct_finding_set_fix (f, fix);
      return;
    }
  for (guint i = 0; i < a->mx->records->len; i++)
    if (is_null_mx (g_ptr_array_index (a->mx->records, i)))
      {
        if (a->mx->records->len == 1)
          fct_findings_add (j->f, "mx-null",
                            _ ("%s publishes a null MX (RFC 7505): it declares that it "
                               "receives no mail. Remove it if the domain should receive "
                               "mail."),
                            a->domain);
        else
          fct_findings_add (j->f, "mx-null",
                            _ ("%s publishes a null MX beside other MX records, which RFC "
                               "7505 §3 forbids: remove the null MX."),
                            a->domain);
        break;
      }
  if (a->mx_capped)
    fct_findings_add (j->f, "mx-too-many",
                      _ ("%s publishes more than %u MX records; only the first %u were "
                         "examined."),
                      a->domain, a->limits->audit_mx_hosts_max,
                      a->limits->audit_mx_hosts_max);

  for (guint i = 0; i < a->mx_hosts->len; i++)
    {
      AuditMx *mx = g_ptr_array_index (a->mx_hosts, i);
      if (mx->ip_literal)
        {
          FctFinding *f = fct_findings_add (
              j->f, "mx-ip-literal",
              _ ("The MX record names %s, an address, where a host name is required (RFC "
                 "5321 §5.1): senders look it up as a name and find nothing. Name a host "
                 "and give it an A record."),
              mx->host);
          g_autofree char *fix
              = g_strdup_printf ("%s. MX %u mail.%s.\nmail.%s. A %s", a->domain,
                                 mx->preference, a->domain, a->domain, mx->host);
          fct_finding_set_fix (f, fix);
          fct_finding_set_evidence (f, mx->host);
          continue;
        }
      gboolean fa = fct_audit_judge_failed (j, mx->a),
               faaaa = fct_audit_judge_failed (j, mx->aaaa);
      if (!fa && !faaaa && !has_records (mx->a) && !has_records (mx->aaaa))
        {
          FctFinding *f = fct_findings_add (
              j->f, "mx-unresolvable",
              _ ("The mail server %s has no A or AAAA record: mail sent to it cannot be "
                 "delivered. Publish its address, or remove the MX record."),
              mx->host);
          fct_finding_set_evidence (f, mx->host);
          continue;
        }
      const FctDnsAnswer *alias = has_records (mx->a) ? mx->a : mx->aaaa;
      if (alias != NULL && alias->canonical_name != NULL
          && !g_str_equal (alias->canonical_name, alias->qname))
        {
          FctFinding *f = fct_findings_add (
              j->f, "mx-cname",
              _ ("The MX host %s is an alias of %s: RFC 2181 §10.3 says an MX must name "
                 "the host itself, and some senders refuse it. Point the MX at %s."),
              mx->host, alias->canonical_name, alias->canonical_name);
          g_autofree char *fix = g_strdup_printf ("%s. MX %u %s.", a->domain,
                                                  mx->preference, alias->canonical_name);
          fct_finding_set_fix (f, fix);
          fct_finding_set_evidence (f, mx->host);
        }
    }
}

static gboolean
forward_confirms (const AuditAddress *addr)
{
  for (guint i = 0; i < addr->forward->len; i++)
    {
      const FctDnsAnswer *fw = g_ptr_array_index (addr->forward, i);
      for (guint k = 0; has_records (fw) && k < fw->records->len; k++)
        {
          const FctDnsRecord *r = g_ptr_array_index (fw->records, k);
          if (memcmp (r->addr, addr->bytes, addr->len) == 0)
            return TRUE;
        }
    }
  return FALSE;
}

/* Whether the domain's own SPF record may let addr send its mail. Only a record ending
 * in -all says which servers send; then an address is a sender when an ip4:/ip6: term
 * covers it, or when a term that stands for hosts not listed here (mx, a, include,
 * ptr, exists, redirect) could. Anything unsure counts as a sender. */
static gboolean
address_may_send (const Audit *a, const AuditAddress *addr)
{
  const char *record = a->spf != NULL ? a->spf->record : NULL;
  if (record == NULL)
    return TRUE;
  g_auto (GStrv) terms = g_strsplit (record, " ", -1);
  gboolean strict = FALSE;
  g_autoptr (GInetAddress) ip = g_inet_address_new_from_bytes (
      addr->bytes, addr->len == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
  for (gsize i = 1; terms[i] != NULL; i++)
    {
      const char *t = terms[i];
      if (t[0] == '\0')
        continue;
      if (g_ascii_strcasecmp (t, "-all") == 0)
        {
          strict = TRUE;
          continue;
        }
      if (t[0] == '-' || t[0] == '~' || t[0] == '?')
        continue; /* not a pass */
      if (t[0] == '+')
        t++;
      if (g_ascii_strncasecmp (t, "ip4:", 4) == 0
          || g_ascii_strncasecmp (t, "ip6:", 4) == 0)
        {
          g_autoptr (GInetAddressMask) mask
              = g_inet_address_mask_new_from_string (t + 4, NULL);
          if (mask != NULL
              && g_inet_address_get_family (g_inet_address_mask_get_address (mask))
                     == g_inet_address_get_family (ip)
              && g_inet_address_mask_matches (mask, ip))
            return TRUE;
          continue;
        }
      if (g_ascii_strncasecmp (t, "exp=", 4) == 0 || g_ascii_strncasecmp (t, "v=", 2) == 0)
        continue;
      return TRUE; /* mx, a, include, ptr, exists, redirect= */
    }
  return !strict;
}

static void
judge_ptr (Judge *j, FctDmarcPolicy applied)
{
  for (guint i = 0; i < j->a->mx_hosts->len; i++)
    {
      AuditMx *mx = g_ptr_array_index (j->a->mx_hosts, i);
      for (guint k = 0; k < mx->addresses->len; k++)
        {
          AuditAddress *addr = g_ptr_array_index (mx->addresses, k);
          g_autofree char *rev = fct_dns_reverse_name (addr->bytes, addr->len);
          if (fct_audit_judge_failed (j, addr->ptr))
            continue;
          if (!has_records (addr->ptr) && applied == FCT_DMARC_POLICY_REJECT
              && !address_may_send (j->a, addr))
            {
              /* Receivers look at the reverse name of the server that connects to them:
               * an exchanger that only receives (SPF -all does not list it, DMARC
               * p=reject stops forgeries) is never judged by it. */
              FctFinding *f = fct_findings_add (
                  j->f, "ptr-missing-inbound",
                  _ ("The address %s of %s has no reverse DNS name. It matters little "
                     "here: the SPF record (-all) does not let it send and DMARC rejects "
                     "forgeries, so it only receives mail. Set its PTR to %s if it ever "
                     "sends."),
                  addr->ip, mx->host, mx->host);
              g_autofree char *fix = g_strdup_printf ("%s. PTR %s.", rev, mx->host);
              fct_finding_set_fix (f, fix);
              fct_finding_set_evidence (f, addr->ip);
            }
          else if (!has_records (addr->ptr))
            {
              FctFinding *f = fct_findings_add (j->f, "ptr-missing",
                                                _ ("The address %s of %s has no reverse "
                                                   "DNS name: many receivers distrust "
                                                   "such servers. Ask whoever owns the "
                                                   "address (your host or provider) to "
                                                   "set its PTR to %s."),
                                                addr->ip, mx->host, mx->host);
              g_autofree char *fix = g_strdup_printf ("%s. PTR %s.", rev, mx->host);
              fct_finding_set_fix (f, fix);
              fct_finding_set_evidence (f, addr->ip);
            }
          else if (!forward_confirms (addr))
            {
              const FctDnsRecord *r = g_ptr_array_index (addr->ptr->records, 0);
              FctFinding *f = fct_findings_add (
                  j->f, "ptr-mismatch",
                  _ ("The address %s of %s has the reverse name %s, which does not resolve "
                     "back to %s (forward-confirmed reverse DNS fails). Make the PTR name "
                     "a "
                     "host whose address is %s."),
                  addr->ip, mx->host, r->target, addr->ip, addr->ip);
              g_autofree char *fix = g_strdup_printf ("%s. PTR %s.", rev, mx->host);
              fct_finding_set_fix (f, fix);
              fct_finding_set_evidence (f, addr->ip);
            }
        }
    }
}

/* ---- SPF ------------------------------------------------------------------------- */

/* The record with a permissive all replaced by ~all (transfer full). */
static char *
spf_tightened (const char *record)
{
  g_auto (GStrv) terms = g_strsplit (record, " ", -1);
  g_autoptr (GString) out = g_string_new (NULL);
  for (gsize i = 0; terms[i] != NULL; i++)
    {
      const char *t = terms[i];
      if (t[0] == '\0')
        continue;
      if (g_ascii_strcasecmp (t, "all") == 0 || g_ascii_strcasecmp (t, "+all") == 0
          || g_ascii_strcasecmp (t, "?all") == 0)
        t = "~all";
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, t);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* RFC 1035 §3.3.14: a character-string holds 255 bytes. */
#define TXT_STRING_MAX 255

static gboolean
is_all_term (const char *t)
{
  if (*t == '+' || *t == '-' || *t == '~' || *t == '?')
    t++;
  return g_ascii_strcasecmp (t, "all") == 0;
}

/* How strict an all term is: -all, ~all, ?all, +all. */
static int
all_rank (const char *t)
{
  return t[0] == '-' ? 3 : t[0] == '~' ? 2 : t[0] == '?' ? 1 : 0;
}

/* One record from several (RFC 7208 §4.5 allows one): every term of each, once, in
 * order, the first redirect=/exp= kept, ending with the strictest all (never +all),
 * written as TXT strings of at most 255 bytes (transfer full). */
static char *
spf_merged (const GPtrArray *records)
{
  g_autoptr (GPtrArray) terms = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char *best_all = NULL;
  g_autofree char *redirect = NULL;
  g_autofree char *exp = NULL;

  for (guint i = 0; i < records->len; i++)
    {
      g_auto (GStrv) split = g_strsplit (g_ptr_array_index (records, i), " ", -1);
      for (gsize k = 1; split[k] != NULL; k++) /* split[0] is v=spf1 */
        {
          char *t = split[k];
          if (t[0] == '\0')
            continue;
          if (is_all_term (t))
            {
              /* +all is never proposed: it becomes ~all (RFC 7208 §5.1 warns). */
              static const char *const by_rank[] = { "~all", "?all", "~all", "-all" };
              const char *candidate = by_rank[all_rank (t)];
              if (best_all == NULL || all_rank (candidate) > all_rank (best_all))
                best_all = candidate;
              continue;
            }
          if (g_ascii_strncasecmp (t, "redirect=", 9) == 0)
            {
              if (redirect == NULL)
                redirect = g_strdup (t);
              continue;
            }
          if (g_ascii_strncasecmp (t, "exp=", 4) == 0)
            {
              if (exp == NULL)
                exp = g_strdup (t);
              continue;
            }
          g_autofree char *key = g_ascii_strdown (t[0] == '+' ? t + 1 : t, -1);
          if (g_hash_table_contains (seen, key))
            continue;
          g_ptr_array_add (terms, g_strdup (t));
          g_hash_table_add (seen, g_ptr_array_index (terms, terms->len - 1));
        }
    }
  /* redirect= only applies when no all term ends the record (RFC 7208 §6.1). */
  if (best_all != NULL || redirect == NULL)
    g_ptr_array_add (terms, g_strdup (best_all != NULL ? best_all : "~all"));
  else
    g_ptr_array_add (terms, g_steal_pointer (&redirect));
  if (exp != NULL)
    g_ptr_array_add (terms, g_steal_pointer (&exp));

  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GString) current = g_string_new ("v=spf1");
  for (guint k = 0; k < terms->len; k++)
    {
      const char *term = g_ptr_array_index (terms, k);
      if (current->len + 1 + strlen (term) > TXT_STRING_MAX)
        {
          g_string_append_printf (out, "%s\"%s\"", out->len > 0 ? " " : "", current->str);
          g_string_truncate (current, 0);
        }
      g_string_append_printf (current, " %s", term);
    }
  g_string_append_printf (out, "%s\"%s\"", out->len > 0 ? " " : "", current->str);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
judge_spf (Judge *j)
{
  Audit *a = j->a;
  const FctSpfLintReport *r = a->spf;
  gboolean void_done = FALSE;
  if (r == NULL)
    {
      fct_findings_add (j->f, "dns-error", _ ("SPF could not be checked: %s"),
                        a->spf_error != NULL ? a->spf_error : "?");
      return;
    }
  /* One spf-permissive-all, about the worst all term of the tree: +all before ?all, the
   * domain's own record before an included one (a +all at the top must not hide behind
   * an include's weakness). */
  const FctSpfLintFinding *permissive = NULL;
  int permissive_rank = 0;
  for (guint i = 0; i < r->findings->len; i++)
    {
      const FctSpfLintFinding *lf = g_ptr_array_index (r->findings, i);
      int rank = g_str_equal (lf->id, "spf.pass-all")      ? 4
                 : g_str_equal (lf->id, "spf.neutral-all") ? 2
                                                           : 0;
      if (rank > 0 && g_strcmp0 (lf->domain, a->domain) == 0)
        rank++;
      if (rank > permissive_rank)
        {
          permissive = lf;
          permissive_rank = rank;
        }
    }
  for (guint i = 0; i < r->findings->len; i++)
    {
      const FctSpfLintFinding *lf = g_ptr_array_index (r->findings, i);
      const char *id = lf->id;
      FctFinding *f = NULL;
      gboolean top = g_strcmp0 (lf->domain, a->domain) == 0;

      if (g_str_equal (id, "spf.no-record") && top)
        {
          /* The provider's own include covers its sending servers, which are not its
           * MX hosts; mx stays for exchangers no provider row recognises. */
          g_autoptr (GString) terms = g_string_new (NULL);
          g_autoptr (GString) names = g_string_new (NULL);
          gboolean own_mx = FALSE;
          for (guint k = 0; k < a->mx_hosts->len; k++)
            {
              const AuditMx *mx = g_ptr_array_index (a->mx_hosts, k);
              const FctAuditProvider *p = fct_audit_provider_for_mx (mx->host);
              if (p == NULL)
                {
                  own_mx = TRUE;
                  continue;
                }
              g_autofree char *inc = g_strconcat ("include:", p->include, NULL);
              list_add (terms, " ", inc);
              list_add (names, ", ", p->name);
            }
          if (own_mx)
            list_add (terms, " ", "mx");
          if (names->len > 0)
            f = fct_findings_add (
                j->f, "spf-missing",
                _ ("%s publishes no SPF record: receivers cannot tell which servers may "
                   "send its mail, and DMARC has only DKIM to rely on. Its MX hosts are "
                   "those of %s: the record below authorises that provider's sending "
                   "servers. Add the other services that send as %s (newsletters, "
                   "invoicing, web site) before publishing."),
                a->domain, names->str, a->domain);
          else
            f = fct_findings_add (
                j->f, "spf-missing",
                _ ("%s publishes no SPF record: receivers cannot tell which servers may "
                   "send its mail, and DMARC has only DKIM to rely on. Publish one that "
                   "names your sending servers."),
                a->domain);
          g_autofree char *fix = g_strdup_printf ("%s. TXT \"v=spf1 %s%s~all\"", a->domain,
                                                  terms->str, terms->len > 0 ? " " : "");
          fct_finding_set_fix (f, fix);
        }
      else if (g_str_equal (id, "spf.multiple-records"))
        {
          f = fct_findings_add (j->f, "spf-multiple", "%s", lf->message);
          g_autoptr (GPtrArray) records
              = fct_audit_txt_matching (a->txt, fct_spf_record_is_spf1);
          if (top && records->len > 1)
            {
              g_autofree char *merged = spf_merged (records);
              g_autofree char *fix = g_strdup_printf ("%s. TXT %s", a->domain, merged);
              fct_finding_set_fix (f, fix);
            }
        }
      else if (g_str_equal (id, "spf.syntax"))
        f = fct_findings_add (j->f, "spf-syntax", "%s", lf->message);
      else if (g_str_equal (id, "spf.too-many-lookups"))
        {
          f = fct_findings_add (j->f, "spf-too-many-lookups", "%s", lf->message);
          if (r->flattened != NULL)
            {
              /* Addresses copied from providers' records go stale when the providers
               * change them, silently: the owner must know, and how to check. */
              g_autofree char *fix = g_strdup_printf (
                  _ ("# The addresses below are your providers' today; they change them "
                     "without notice.\n# Check again after publishing and every month: "
                     "facteur domain %s\n%s. TXT %s"),
                  a->domain, a->domain, r->flattened);
              fct_finding_set_fix (f, fix);
            }
        }
      else if (g_str_equal (id, "spf.too-many-void-lookups")
               || g_str_equal (id, "spf.void-lookup"))
        {
          if (void_done)
            continue;
          void_done = TRUE;
          f = fct_findings_add (j->f, "spf-void-lookups", "%s", lf->message);
        }
      else if (g_str_equal (id, "spf.pass-all") || g_str_equal (id, "spf.neutral-all"))
        {
          if (lf != permissive)
            continue;
          f = fct_findings_add (j->f, "spf-permissive-all", "%s", lf->message);
          if (top && r->record != NULL)
            {
              g_autofree char *tight = spf_tightened (r->record);
              g_autofree char *fix = g_strdup_printf ("%s. TXT \"%s\"", a->domain, tight);
              fct_finding_set_fix (f, fix);
            }
        }
      else if (g_str_equal (id, "spf.dns-error"))
        {
          /* A DNS failure, not a weakness of the record: counted with the others. */
          if (j->dns_failures++ == 0)
            j->first_failure_text = g_strdup (lf->message);
          continue;
        }
      else if (lf->severity != FCT_SPF_LINT_INFO)
        f = fct_findings_add (j->f, "spf-lint", "%s", lf->message);
      if (f != NULL && lf->domain != NULL)
        fct_finding_set_evidence (f, lf->domain);
    }
}

/* ---- DKIM ------------------------------------------------------------------------ */

/* Decodes p= (base64 with FWS inside, RFC 6376 §3.6.1) and returns the key's size in
 * bits, or 0 with *reason when it does not decode. */
static guint
key_bits (const FctDkimKeyRecord *rec, const char **reason)
{
  g_autoptr (GString) b64 = g_string_sized_new (rec->public_key.len);
  for (gsize i = 0; i < rec->public_key.len; i++)
    {
      char c = (char)rec->public_key.ptr[i];
      if (g_ascii_isalnum (c) || c == '+' || c == '/' || c == '=')
        g_string_append_c (b64, c);
      else if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
        {
          *reason = "p= is not base64";
          return 0;
        }
    }
  if (b64->len == 0 || b64->len % 4 != 0)
    {
      *reason = "p= is not base64";
      return 0;
    }
  gsize len = 0;
  g_autofree guint8 *der = g_base64_decode (b64->str, &len);
  g_autoptr (FctDkimPublicKey) key
      = fct_dkim_public_key_new (rec->key_type, der, len, reason);
  return key != NULL ? fct_dkim_public_key_get_bits (key) : 0;
}

static void
judge_dkim (Judge *j, FctAuditReport *report)
{
  Audit *a = j->a;
  guint usable = 0, unanswered = 0;
  for (guint i = 0; i < a->selectors->len; i++)
    {
      AuditSelector *s = g_ptr_array_index (a->selectors, i);
      if (s->answer == NULL || s->answer->rcode == FCT_DNS_RCODE_NXDOMAIN
          || !has_records (s->answer))
        {
          if (fct_audit_judge_failed (j, s->answer))
            unanswered++;
          continue;
        }
      const FctDnsRecord *rr = g_ptr_array_index (s->answer->records, 0);
      g_autoptr (GBytes) joined = fct_dns_record_txt_joined (rr);
      gsize len = 0;
      const char *text = g_bytes_get_data (joined, &len);
      FctDkimKeyRecord rec;
      const char *reason = NULL;
      g_autofree char *name = g_strconcat (s->selector, "._domainkey.", a->domain, NULL);
      FctAuditDkimKey *key = g_new0 (FctAuditDkimKey, 1);
      key->selector = g_strdup (s->selector);
      g_ptr_array_add (report->dkim_keys, key);

      if (!fct_dkim_key_record_parse (fct_slice_new (text, len), &rec, &reason))
        {
          FctFinding *f = fct_findings_add (
              j->f, "dkim-invalid",
              _ ("The DKIM key record at %s cannot be used (%s): signatures with selector "
                 "%s fail. Publish the record your signing software generated."),
              name, reason != NULL ? reason : "?", s->selector);
          fct_finding_set_evidence (f, name);
          continue;
        }
      key->testing = rec.testing;
      key->revoked = rec.revoked;
      if (rec.revoked)
        {
          FctFinding *f = fct_findings_add (
              j->f, "dkim-revoked",
              _ ("The DKIM key at %s is revoked (empty p=): fine after a key rotation, as "
                 "long as nothing still signs with selector %s."),
              name, s->selector);
          fct_finding_set_evidence (f, name);
          continue;
        }
      guint bits = key_bits (&rec, &reason);
      if (bits == 0)
        {
          FctFinding *f = fct_findings_add (
              j->f, "dkim-invalid",
              _ ("The DKIM key at %s does not decode (%s). Publish the record your signing "
                 "software generated."),
              name, reason != NULL ? reason : "?");
          fct_finding_set_evidence (f, name);
          continue;
        }
      usable++;
      key->bits = bits;
      key->key_type = rec.key_type == FCT_DKIM_KEY_TYPE_RSA ? "rsa" : "ed25519";
      if (rec.key_type == FCT_DKIM_KEY_TYPE_RSA && bits < 2048)
        {
          FctFinding *f = fct_findings_add (
              j->f, "dkim-weak-key",
              _ ("The DKIM key at %s is RSA %u bits; RFC 8301 §3.2 asks for at least 2048 "
                 "(verifiers ignore keys under 1024). Generate a new key and rotate."),
              name, bits);
          /* A rotation: a new selector, then the old key revoked (RFC 6376 §3.6.1,
           * empty p=) once nothing signs with it. */
          g_autofree char *fix = g_strdup_printf (
              "facteur dkim keygen --domain %s --selector %s2048 --algorithm rsa --bits "
              "2048 --out keys/\n# once your mail is signed with %s2048:\n%s. TXT "
              "\"v=DKIM1; p=\"",
              a->domain, s->selector, s->selector, name);
          fct_finding_set_fix (f, fix);
          fct_finding_set_evidence (f, name);
        }
      if (rec.testing)
        {
          FctFinding *f = fct_findings_add (
              j->f, "dkim-testing",
              _ ("The DKIM key at %s has t=y: verifiers may treat its signatures as "
                 "unsigned mail (RFC 6376 §3.6.1). Remove t=y once signing works."),
              name);
          fct_finding_set_evidence (f, name);
        }
    }
  /* With selectors unanswered, absence cannot be told (the failures are reported). */
  if (usable == 0 && unanswered == 0)
    {
      const char *sel
          = a->options.dkim_selectors != NULL && a->options.dkim_selectors[0] != NULL
                ? a->options.dkim_selectors[0]
                : "mail";
      FctFinding *f = fct_findings_add (
          j->f, "dkim-missing",
          _ ("No usable DKIM key was found under %u selectors (the common ones and those "
             "given with --dkim-selector). Without DKIM, forwarded mail fails DMARC. "
             "Generate a key, publish its record and sign outgoing mail; if you already "
             "sign, give the selector with --dkim-selector."),
          a->selectors->len);
      g_autofree char *fix = g_strdup_printf (
          "facteur dkim keygen --domain %s --selector %s --out keys/", a->domain, sel);
      fct_finding_set_fix (f, fix);
    }
}

/* ---- DMARC ----------------------------------------------------------------------- */

/* The TXT line publishing a DMARC record at policy_domain, and, when the report address
 * is outside it, the record the report service must publish (RFC 9989 §11.6).
 * (transfer full) */
static char *
dmarc_fix (const char *policy_domain, const char *record, const char *rua)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_string_append_printf (s, "_dmarc.%s. TXT \"%s\"", policy_domain, record);
  const char *at = rua != NULL ? strrchr (rua, '@') : NULL;
  if (at != NULL)
    {
      g_autofree char *org = fct_dmarc_psl_organizational_domain (policy_domain, NULL);
      g_autofree char *rua_org = fct_dmarc_psl_organizational_domain (at + 1, NULL);
      if (org != NULL && rua_org != NULL && g_ascii_strcasecmp (org, rua_org) != 0)
        g_string_append_printf (s,
                                "\n# for %s to publish, or it receives no reports:"
                                "\n%s._report._dmarc.%s. TXT \"v=DMARC1\"",
                                at + 1, policy_domain, at + 1);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The fix for one finding: the published record with the edits applied. */
static void
dmarc_set_fix (FctFinding *f, const char *policy_domain, const FctDmarcRecord *r,
               const FctAuditTagEdit *edits, gsize n, const char *rua)
{
  g_autofree char *record = fct_audit_dmarc_edit (r->text, edits, n);
  g_autofree char *fix = dmarc_fix (policy_domain, record, rua);
  fct_finding_set_fix (f, fix);
}

static void
judge_dmarc (Judge *j, FctAuditReport *report, FctDmarcRecord **effective,
             FctDmarcPolicy *applied_out)
{
  Audit *a = j->a;
  const char *policy_domain = NULL;
  guint count = 0;
  if (fct_audit_judge_failed (j, a->dmarc) || fct_audit_judge_failed (j, a->dmarc_org))
    return;
  FctDmarcRecord *r = fct_audit_effective_dmarc (a, &policy_domain, &count);
  *effective = r;
  if (r == NULL)
    {
      g_autofree char *rua = fct_audit_report_address (a, a->domain);
      FctFinding *f = fct_findings_add (
          j->f, "dmarc-missing",
          a->options.rua != NULL
              ? _ ("%s publishes no DMARC record: anyone can send mail in its name and "
                   "receivers are told nothing. Gmail and Yahoo require one from bulk "
                   "senders. Start with p=none and reports to %s; once the reports show "
                   "your own mail passing, move to quarantine, then reject.")
              : _ ("%s publishes no DMARC record: anyone can send mail in its name and "
                   "receivers are told nothing. Gmail and Yahoo require one from bulk "
                   "senders. Start with p=none and reports to a mailbox you read: create "
                   "%s (or give your report address with --rua); once the reports show "
                   "your own mail passing, move to quarantine, then reject."),
          a->domain, rua);
      /* RFC 9989 tags only: p=none first, so that nothing legitimate is lost while the
       * reports are read. */
      g_autofree char *record = g_strdup_printf ("v=DMARC1; p=none; rua=mailto:%s", rua);
      g_autofree char *fix = dmarc_fix (a->domain, record, rua);
      fct_finding_set_fix (f, fix);
      return;
    }
  report->dmarc_record = g_strdup (r->text);
  const FctDmarcRecordFlags bad
      = FCT_DMARC_RECORD_FLAG_TOO_LONG | FCT_DMARC_RECORD_FLAG_BAD_P
        | FCT_DMARC_RECORD_FLAG_BAD_SP | FCT_DMARC_RECORD_FLAG_BAD_NP
        | FCT_DMARC_RECORD_FLAG_BAD_VALUE | FCT_DMARC_RECORD_FLAG_BAD_SYNTAX
        | FCT_DMARC_RECORD_FLAG_BAD_URI;
  if (count > 1 || (r->flags & bad) != 0)
    {
      FctFinding *f = fct_findings_add (
          j->f, "dmarc-invalid",
          count > 1 ? _ ("_dmarc.%s holds several DMARC records: receivers then apply none "
                         "(RFC 9989 §4.10). Keep exactly one.")
                    : _ ("The DMARC record of %s has errors that receivers ignore or fall "
                         "back from; publish a clean record."),
          policy_domain);
      /* Several records: the first is kept (the one judged here), cleaned. */
      g_autofree char *clean = fct_audit_dmarc_clean (r->text, a->limits);
      g_autofree char *fix = dmarc_fix (policy_domain, clean, NULL);
      fct_finding_set_fix (f, fix);
      fct_finding_set_evidence (f, r->text);
    }
  /* A subdomain without its own record falls under the organizational domain's sp=, or
   * p= when sp is absent (RFC 9989 §4.10.1). */
  gboolean inherited = g_strcmp0 (policy_domain, a->domain) != 0;
  FctDmarcPolicy applied = inherited && r->sp != FCT_DMARC_POLICY_UNSET ? r->sp : r->p;
  *applied_out = applied;
  if (applied == FCT_DMARC_POLICY_NONE || applied == FCT_DMARC_POLICY_UNSET)
    {
      FctFinding *f = fct_findings_add (
          j->f, "dmarc-policy-none",
          inherited
              ? _ ("The DMARC policy that applies to %s, from the record of %s (sp=, "
                   "else p=), is none: receivers only report spoofed mail and deliver "
                   "it. Once the reports show your own mail passing, move to "
                   "quarantine, then reject.")
              : _ ("The DMARC policy of %s%s is none: receivers only report spoofed "
                   "mail and deliver it. Once the reports show your own mail passing, "
                   "move to quarantine, then reject."),
          a->domain, inherited ? policy_domain : "");
      /* Only the policy that applies is raised: sp= for an inherited record that has
       * one, else p=. */
      const FctAuditTagEdit edit[]
          = { { inherited && r->sp != FCT_DMARC_POLICY_UNSET ? "sp" : "p", "quarantine" } };
      dmarc_set_fix (f, policy_domain, r, edit, G_N_ELEMENTS (edit), NULL);
    }
  if (r->testing
      && (applied == FCT_DMARC_POLICY_QUARANTINE || applied == FCT_DMARC_POLICY_REJECT))
    {
      FctFinding *f = fct_findings_add (
          j->f, "dmarc-testing",
          _ ("The DMARC record of %s has t=y (testing): receivers apply the policy one "
             "level lower (RFC 9989 §4.7), %s instead of %s. Remove t=y once the reports "
             "show your own mail passing."),
          policy_domain, applied == FCT_DMARC_POLICY_REJECT ? "quarantine" : "none",
          applied == FCT_DMARC_POLICY_REJECT ? "reject" : "quarantine");
      const FctAuditTagEdit edit[] = { { "t", NULL } };
      dmarc_set_fix (f, policy_domain, r, edit, G_N_ELEMENTS (edit), NULL);
    }
  if (r->pct >= 0 && r->pct < 100)
    {
      FctFinding *f = fct_findings_add (
          j->f, "dmarc-pct-partial",
          _ ("pct=%d: the policy applies to %d%% of failing mail only (RFC 7489; "
             "RFC 9989 removed pct). Remove pct."),
          r->pct, r->pct);
      const FctAuditTagEdit edit[] = { { "pct", NULL } };
      dmarc_set_fix (f, policy_domain, r, edit, G_N_ELEMENTS (edit), NULL);
    }
  if (!inherited && r->sp == FCT_DMARC_POLICY_NONE && r->p != FCT_DMARC_POLICY_NONE
      && r->p != FCT_DMARC_POLICY_UNSET)
    {
      FctFinding *f = fct_findings_add (
          j->f, "dmarc-sp-none",
          _ ("sp=none: subdomains of %s can be spoofed freely. Remove sp or set "
             "it like p."),
          policy_domain);
      const FctAuditTagEdit edit[] = { { "sp", NULL } };
      dmarc_set_fix (f, policy_domain, r, edit, G_N_ELEMENTS (edit), NULL);
    }
  if (r->rua == NULL || r->rua->len == 0)
    {
      g_autofree char *rua = fct_audit_report_address (a, policy_domain);
      FctFinding *f = fct_findings_add (
          j->f, "dmarc-rua-missing",
          a->options.rua != NULL
              ? _ ("The DMARC record asks for no aggregate reports (rua): you cannot see "
                   "who sends in your name. Add %s as report address.")
              : _ ("The DMARC record asks for no aggregate reports (rua): you cannot see "
                   "who sends in your name. Create the mailbox %s (or give your report "
                   "address with --rua) and add it to the record."),
          rua);
      g_autofree char *uri = g_strconcat ("mailto:", rua, NULL);
      const FctAuditTagEdit edit[] = { { "rua", uri } };
      dmarc_set_fix (f, policy_domain, r, edit, G_N_ELEMENTS (edit), rua);
    }
  for (guint i = 0; i < a->destinations->len; i++)
    {
      const FctDmarcDestination *d = g_ptr_array_index (a->destinations, i);
      if (d->status != FCT_DMARC_DESTINATION_UNAUTHORIZED)
        continue;
      FctFinding *f = fct_findings_add (
          j->f, "dmarc-rua-unauthorized",
          _ ("Reports to %s go outside %s, and %s has not published the record that "
             "accepts them (RFC 9989 §11.6): receivers will not send them. Ask the "
             "report service to publish it."),
          d->uri, policy_domain, d->host != NULL ? d->host : "?");
      g_autofree char *fix
          = g_strdup_printf ("%s._report._dmarc.%s. TXT \"v=DMARC1\"", policy_domain,
                             d->host != NULL ? d->host : "?");
      fct_finding_set_fix (f, fix);
      fct_finding_set_evidence (f, d->uri);
    }
}

/* ---- MTA-STS, TLS-RPT, BIMI, DANE ------------------------------------------------ */

/* The policy to serve: the current one's mode, max_age and patterns kept, with every MX
 * host that none of them matches added; without a usable policy, testing mode and the
 * MX hosts (RFC 8461 §3.2). */
static char *
sts_policy_proposal (Audit *a, const FctMtaStsPolicy *current)
{
  g_autoptr (GString) s = g_string_new ("version: STSv1\n");
  g_string_append_printf (s, "mode: %s\n",
                          current != NULL ? fct_mta_sts_mode_to_string (current->mode)
                                          : "testing");
  for (guint i = 0; current != NULL && i < current->mx->len; i++)
    g_string_append_printf (s, "mx: %s\n",
                            (const char *)g_ptr_array_index (current->mx, i));
  for (guint i = 0; i < a->mx_hosts->len; i++)
    {
      const char *host = ((AuditMx *)g_ptr_array_index (a->mx_hosts, i))->host;
      if (current == NULL || !fct_mta_sts_policy_matches (current, host))
        g_string_append_printf (s, "mx: %s\n", host);
    }
  g_string_append_printf (s, "max_age: %u",
                          current != NULL && current->max_age > 0 ? current->max_age
                                                                  : 604800);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The TXT record with a new id and the policy file: senders fetch a policy again only
 * when the id changes (RFC 8461 §3.1). The id only has to differ from the last one:
 * today's date will do. */
static char *
sts_fix (Audit *a, const char *policy_text)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *id = g_date_time_format (now, "%Y%m%d%H%M");
  return g_strdup_printf ("_mta-sts.%s. TXT \"v=STSv1; id=%s\"\n# "
                          "https://mta-sts.%s/.well-known/mta-sts.txt (Content-Type: "
                          "text/plain):\n%s",
                          a->domain, id, a->domain, policy_text);
}

static void
judge_mta_sts (Judge *j, FctAuditReport *report)
{
  Audit *a = j->a;
  if (fct_audit_judge_failed (j, a->mta_sts))
    return;
  g_autoptr (GPtrArray) texts
      = fct_audit_txt_matching (a->mta_sts, fct_mta_sts_record_is_stsv1);
  if (texts->len == 0)
    {
      if (a->mx_hosts->len == 0)
        return; /* no mail server (none, or a null MX): nothing to protect */
      FctFinding *f = fct_findings_add (
          j->f, "mta-sts-missing",
          _ ("%s publishes no MTA-STS policy (RFC 8461): senders deliver to it over TLS "
             "only if nobody interferes. Publish the TXT record and serve the policy at "
             "https://mta-sts.%s/.well-known/mta-sts.txt (start in testing mode)."),
          a->domain, a->domain);
      g_autofree char *policy_text = sts_policy_proposal (a, NULL);
      g_autofree char *fix = sts_fix (a, policy_text);
      fct_finding_set_fix (f, fix);
      return;
    }
  const char *problem = NULL;
  g_autofree char *detail = NULL;
  gboolean no_host = FALSE;
  if (texts->len > 1)
    problem = _ ("several v=STSv1 records (RFC 8461 §3.1: then there is no policy)");
  else
    {
      const char *t = g_ptr_array_index (texts, 0);
      const char *reason = NULL;
      g_autoptr (FctMtaStsRecord) rec = fct_mta_sts_record_parse (t, strlen (t), &reason);
      const FctAuditHttpsResponse *resp = a->sts_response;
      if (rec == NULL)
        problem = detail = g_strdup_printf (_ ("the TXT record: %s"), reason);
      else if (!has_records (a->sts_a) && !has_records (a->sts_aaaa))
        {
          problem = detail = g_strdup_printf (_ ("mta-sts.%s has no address"), a->domain);
          no_host = TRUE;
        }
      else if (resp == NULL || resp->error != NULL)
        problem = detail
            = g_strdup_printf (_ ("the policy could not be fetched: %s"),
                               resp != NULL && resp->error != NULL ? resp->error : "?");
      else if (resp->status != 200)
        problem = detail
            = g_strdup_printf (_ ("the policy URL answered HTTP %u"), resp->status);
      else if (resp->content_type == NULL
               || g_ascii_strncasecmp (resp->content_type, "text/plain", 10) != 0)
        /* RFC 8461 §3.2: the media type must be text/plain. */
        problem = detail = g_strdup_printf (
            _ ("the policy is served as %s, not text/plain"),
            resp->content_type != NULL ? resp->content_type : "(no type)");
      else
        {
          gsize len = 0;
          const char *body
              = resp->body != NULL ? g_bytes_get_data (resp->body, &len) : NULL;
          report->mta_sts = fct_mta_sts_policy_parse (body, len, a->limits, &reason);
          if (report->mta_sts == NULL)
            problem = detail = g_strdup_printf (_ ("the policy: %s"), reason);
        }
    }
  if (problem != NULL)
    {
      FctFinding *f = fct_findings_add (
          j->f, "mta-sts-invalid",
          _ ("The MTA-STS setup of %s does not work: %s. Senders then ignore it."),
          a->domain, problem);
      g_autofree char *policy_text = sts_policy_proposal (a, NULL);
      g_autofree char *records = sts_fix (a, policy_text);
      /* The web server's address is the owner's to choose: named, not invented. */
      g_autofree char *fix
          = no_host ? g_strdup_printf (
                "# mta-sts.%s. A <the address of your web server>\n%s", a->domain, records)
                    : g_steal_pointer (&records);
      fct_finding_set_fix (f, fix);
      return;
    }
  if (report->mta_sts->mode == FCT_MTA_STS_MODE_NONE)
    return;
  g_autofree char *policy_text = sts_policy_proposal (a, report->mta_sts);
  g_autofree char *fix = sts_fix (a, policy_text);
  for (guint i = 0; i < a->mx_hosts->len; i++)
    {
      AuditMx *mx = g_ptr_array_index (a->mx_hosts, i);
      if (fct_mta_sts_policy_matches (report->mta_sts, mx->host))
        continue;
      FctFinding *f = fct_findings_add (
          j->f, "mta-sts-mx-mismatch",
          _ ("The MX host %s matches no mx line of the MTA-STS policy (mode %s): senders "
             "that apply the policy will not deliver to it. Add it to the policy and "
             "change the id of the TXT record."),
          mx->host, fct_mta_sts_mode_to_string (report->mta_sts->mode));
      fct_finding_set_fix (f, fix);
      fct_finding_set_evidence (f, mx->host);
    }
}

static void
judge_tlsrpt (Judge *j)
{
  Audit *a = j->a;
  if (fct_audit_judge_failed (j, a->tlsrpt))
    return;
  g_autoptr (GPtrArray) texts
      = fct_audit_txt_matching (a->tlsrpt, fct_tlsrpt_record_is_tlsrptv1);
  g_autofree char *fix = g_strdup_printf (
      "_smtp._tls.%s. TXT \"v=TLSRPTv1; rua=mailto:tls-reports@%s\"", a->domain, a->domain);
  if (texts->len == 0)
    {
      if (a->mx_hosts->len == 0)
        return;
      FctFinding *f = fct_findings_add (
          j->f, "tls-rpt-missing",
          _ ("%s publishes no TLS-RPT record (RFC 8460): senders cannot tell you when TLS "
             "to your servers fails. The record below sends the reports to tls-reports@%s: "
             "create that mailbox, or put your report service's address instead."),
          a->domain, a->domain);
      fct_finding_set_fix (f, fix);
      return;
    }
  const char *reason = NULL;
  g_autoptr (FctTlsRptRecord) rec = NULL;
  if (texts->len == 1)
    {
      const char *t = g_ptr_array_index (texts, 0);
      rec = fct_tlsrpt_record_parse (t, strlen (t), &reason);
    }
  else
    reason = _ ("several v=TLSRPTv1 records");
  if (rec == NULL)
    {
      FctFinding *f = fct_findings_add (j->f, "tls-rpt-invalid",
                                        _ ("The TLS-RPT record of %s is not valid: %s."),
                                        a->domain, reason);
      fct_finding_set_fix (f, fix);
    }
}

static void
judge_bimi (Judge *j, const FctDmarcRecord *dmarc, FctDmarcPolicy applied)
{
  Audit *a = j->a;
  if (fct_audit_judge_failed (j, a->bimi))
    return;
  g_autoptr (GPtrArray) texts = fct_audit_txt_matching (a->bimi, fct_bimi_record_is_bimi1);
  if (texts->len == 0)
    return; /* BIMI is optional */
  const char *reason = NULL;
  g_autoptr (FctBimiRecord) rec = NULL;
  if (texts->len == 1)
    {
      const char *t = g_ptr_array_index (texts, 0);
      rec = fct_bimi_record_parse (t, strlen (t), &reason);
    }
  else
    reason = _ ("several v=BIMI1 records");
  if (rec == NULL)
    {
      FctFinding *f = fct_findings_add (
          j->f, "bimi-invalid", _ ("The BIMI record at default._bimi.%s is not valid: %s."),
          a->domain, reason);
      g_autofree char *fix
          = g_strdup_printf ("default._bimi.%s. TXT \"v=BIMI1; l=https://%s/logo.svg; a=\"",
                             a->domain, a->domain);
      fct_finding_set_fix (f, fix);
      return;
    }
  /* BIMI requires DMARC at enforcement: quarantine or reject on all mail. */
  gboolean enforced
      = dmarc != NULL
        && (applied == FCT_DMARC_POLICY_QUARANTINE || applied == FCT_DMARC_POLICY_REJECT)
        && (dmarc->pct < 0 || dmarc->pct == 100) && dmarc->sp != FCT_DMARC_POLICY_NONE;
  if (!enforced)
    fct_findings_add (
        j->f, "bimi-without-enforcement",
        _ ("%s publishes BIMI but its DMARC policy is not quarantine or reject "
           "for all mail: mailbox providers will not show the logo."),
        a->domain);
}

/* ---- the report ------------------------------------------------------------------ */

void
fct_audit_address_free (FctAuditAddress *addr)
{
  if (addr == NULL)
    return;
  g_free (addr->ip);
  g_ptr_array_unref (addr->ptr);
  g_ptr_array_unref (addr->listed);
  g_free (addr);
}

static FctAuditAddress *
address_to_report (const AuditAddress *addr)
{
  FctAuditAddress *out = g_new0 (FctAuditAddress, 1);
  out->ip = g_strdup (addr->ip);
  out->ptr = g_ptr_array_new_with_free_func (g_free);
  out->listed = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; has_records (addr->ptr) && i < addr->ptr->records->len; i++)
    g_ptr_array_add (
        out->ptr,
        g_strdup (((FctDnsRecord *)g_ptr_array_index (addr->ptr->records, i))->target));
  out->fcrdns = forward_confirms (addr);
  for (guint i = 0; i < addr->blocklist->len; i++)
    {
      const AuditListed *l = g_ptr_array_index (addr->blocklist, i);
      if (fct_audit_listing (l->answer) != NULL)
        g_ptr_array_add (out->listed, g_strdup (l->zone));
    }
  return out;
}

static void
mx_to_report (Audit *a, FctAuditReport *report)
{
  for (guint i = 0; i < a->mx_hosts->len; i++)
    {
      AuditMx *mx = g_ptr_array_index (a->mx_hosts, i);
      FctAuditMx *out = g_new0 (FctAuditMx, 1);
      out->host = g_strdup (mx->host);
      out->preference = mx->preference;
      out->addresses
          = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_audit_address_free);
      for (guint k = 0; k < mx->addresses->len; k++)
        g_ptr_array_add (out->addresses,
                         address_to_report (g_ptr_array_index (mx->addresses, k)));
      out->tlsa = has_records (mx->tlsa);
      out->probe = g_steal_pointer (&mx->probe);
      g_ptr_array_add (report->mx, out);
    }
}

void
fct_audit_mx_free (FctAuditMx *mx)
{
  if (mx == NULL)
    return;
  g_free (mx->host);
  g_ptr_array_unref (mx->addresses);
  fct_audit_tls_probe_free (mx->probe);
  g_free (mx);
}

void
fct_audit_dkim_key_free (FctAuditDkimKey *key)
{
  if (key == NULL)
    return;
  g_free (key->selector);
  g_free (key);
}

/* One finding per id: a problem on five exchangers is one problem, costed once, whose
 * detail names each of them (their sentences in order), whose fix holds every record
 * and whose evidence lists every host or address. Returns (transfer full). */
static FctFindings *
merge_by_id (const FctFindings *in)
{
  FctFindings *out = fct_findings_new_for (FCT_FINDINGS_DOMAIN);
  guint n = fct_findings_get_count (in);
  g_autofree gboolean *done = g_new0 (gboolean, n);
  for (guint i = 0; i < n; i++)
    {
      if (done[i])
        continue;
      const FctFinding *first = fct_findings_get (in, i);
      g_autoptr (GString) detail = g_string_new (NULL);
      g_autoptr (GString) fix = g_string_new (NULL);
      g_autoptr (GString) evidence = g_string_new (NULL);
      for (guint k = i; k < n; k++)
        {
          const FctFinding *f = fct_findings_get (in, k);
          if (f->weight != first->weight)
            continue;
          done[k] = TRUE;
          list_add (detail, " ", f->detail);
          list_add (fix, "\n", f->fix);
          list_add (evidence, ", ", f->evidence);
        }
      FctFinding *merged = fct_findings_add (out, first->weight->id, "%s", detail->str);
      if (fix->len > 0)
        fct_finding_set_fix (merged, fix->str);
      if (evidence->len > 0)
        fct_finding_set_evidence (merged, evidence->str);
    }
  return out;
}

void
fct_audit_judge (Audit *a, FctAuditReport *report)
{
  Judge j = { a, fct_findings_new_for (FCT_FINDINGS_DOMAIN), FALSE };
  report->domain = g_strdup (a->domain);
  report->dnssec = a->ns != NULL ? a->ns->dnssec : FCT_DNSSEC_UNKNOWN;
  report->mx = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_audit_mx_free);
  report->dkim_keys
      = g_ptr_array_new_with_free_func ((GDestroyNotify)fct_audit_dkim_key_free);

  if (judge_dns (&j))
    {
      g_autoptr (FctDmarcRecord) dmarc = NULL;
      for (guint i = 0; has_records (a->mx) && i < a->mx->records->len; i++)
        if (is_null_mx (g_ptr_array_index (a->mx->records, i)))
          report->null_mx = TRUE;
      judge_mx (&j);
      judge_spf (&j);
      if (a->spf != NULL && a->spf->record != NULL)
        {
          report->spf_record = g_strdup (a->spf->record);
          report->spf_dns_lookups = a->spf->dns_lookups;
        }
      judge_dkim (&j, report);
      FctDmarcPolicy applied = FCT_DMARC_POLICY_UNSET;
      judge_dmarc (&j, report, &dmarc, &applied);
      judge_ptr (&j, applied);
      judge_mta_sts (&j, report);
      judge_tlsrpt (&j);
      judge_bimi (&j, dmarc, applied);
      fct_audit_judge_dane (&j);
      fct_audit_judge_blocklists (&j);
      fct_audit_judge_tls (&j);
    }
  if (j.dns_failures > 0)
    {
      g_autofree char *first
          = j.first_failure != NULL
                ? g_strdup_printf ("%s %s: %s",
                                   fct_dns_type_to_string (j.first_failure->qtype),
                                   j.first_failure->qname,
                                   j.first_failure->reason != NULL
                                       ? j.first_failure->reason
                                       : fct_dns_rcode_to_string (j.first_failure->rcode))
                : g_strdup (j.first_failure_text);
      FctFinding *f = fct_findings_add (
          j.f, "dns-error",
          g_dngettext (GETTEXT_PACKAGE,
                       "%u DNS query failed (%s); that part was not checked.",
                       "%u DNS queries failed (first: %s); those parts were not checked.",
                       j.dns_failures),
          j.dns_failures, first);
      if (j.first_failure != NULL)
        fct_finding_set_evidence (f, j.first_failure->qname);
    }
  g_free (j.first_failure_text);
  mx_to_report (a, report);
  report->audited = !j.resolver_failed;
  report->findings = merge_by_id (j.f);
  fct_findings_free (j.f);
  fct_findings_sort (report->findings);
  report->score = fct_findings_score (report->findings);
}
