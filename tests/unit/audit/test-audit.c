/* Unit tests for the domain audit, offline: DNS from an in-memory zone, the MTA-STS
 * policy from an injected fetcher, and STARTTLS against a small SMTP server in a thread
 * on 127.0.0.1 with certificates made here. Every domain starts from the same correct
 * setup and breaks one thing; each case lists exactly the finding ids it must raise, and
 * the correct domain raises none. DNSSEC verdicts (dnssec-bogus, dnssec-unsigned,
 * dane-without-dnssec) need a validating resolver: tests/integration/audit covers them. */
#include <facteur/audit.h>
#include <facteur/dkim.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ED25519_KEY "Bo4TtZW44PFCQoEiLtM42thb1cNZ+ITW7a09BCOQUsU="
#define RSA1024_KEY                                                                        \
  "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCvPs7C7E1R3UM7t1s0YrekEy2FZZgErS0BwtKHOdoNB08q25" \
  "Yhc+aJivl2QZTz1PV2y27+4RfamHar9Q/ECVNhfz8jO6uQNxrubFZJ2GkSe5zGzXTmsE3CpBQctkFjihK1KOjQ" \
  "XcGLJ/H+XHIyt/TuKvWAJSTvrz5E4gd24VxbzwIDAQAB"

/* The correct setup of a domain {d} whose exchanger has the address {ip} ({rev}: the
 * address reversed, as DNSBLs and in-addr.arpa want it). Each line has a key, so a
 * case can drop or replace it. */
static const struct
{
  const char *key;
  const char *line;
} base[] = {
  { "ns", "{d}. NS ns1.{d}." },
  { "mx", "{d}. MX 10 mx1.{d}." },
  { "a", "mx1.{d}. A {ip}" },
  { "ptr", "{rev}.in-addr.arpa. PTR mx1.{d}." },
  { "spf", "{d}. TXT \"v=spf1 mx -all\"" },
  { "dkim", "mail._domainkey.{d}. TXT \"v=DKIM1; k=ed25519; p=" ED25519_KEY "\"" },
  { "dmarc", "_dmarc.{d}. TXT \"v=DMARC1; p=reject; "
             "rua=mailto:dmarc@{d},mailto:r@reports.auth.test\"" },
  { "dmarc-auth", "{d}._report._dmarc.reports.auth.test. TXT \"v=DMARC1\"" },
  { "sts", "_mta-sts.{d}. TXT \"v=STSv1; id=20240101\"" },
  { "sts-a", "mta-sts.{d}. A 127.0.0.1" },
  { "tlsrpt", "_smtp._tls.{d}. TXT \"v=TLSRPTv1; rua=mailto:tls@{d}\"" },
  /* A DNSBL answer that means "query refused", not "listed" (Spamhaus 127.255.255.x). */
  { "bl-refused", "{rev}.bl.test. A 127.255.255.254" },
};

typedef struct
{
  const char *domain;
  const char *ip;
  const char *drop;   /* keys of base lines left out, space-separated */
  const char *extra;  /* more lines, '\n'-separated, with the same {d} {ip} {rev} */
  const char *expect; /* the ids raised, space-separated, in any order */
  guint mx_max;       /* 0: the default limit */
} Case;

static const Case cases[] = {
  { "good.test", "192.0.2.1", "", "", "", 0 },
  { "absent.test", "192.0.2.2", "ns mx a ptr spf dkim dmarc dmarc-auth sts sts-a tlsrpt",
    "", "domain-not-found", 0 },
  { "ns.test", "192.0.2.3", "ns", "", "ns-missing", 0 },
  { "servfail.test", "192.0.2.4", "tlsrpt", "_smtp._tls.{d}. SERVFAIL", "dns-error", 0 },
  /* The domain's servers fail while the resolver answers for the TLD: the domain's
   * fault. */
  { "lame.test", "192.0.2.44", "ns mx a ptr spf dkim dmarc dmarc-auth sts sts-a tlsrpt",
    "{d}. SERVFAIL\n*.{d}. SERVFAIL", "ns-unreachable", 0 },
  /* Nothing answers, not even the TLD: the resolver's fault; nothing is blamed on the
   * domain (no mx-missing, dkim-missing, dmarc-missing...). */
  { "x.broken", "192.0.2.45", "ns mx a ptr spf dkim dmarc dmarc-auth sts sts-a tlsrpt",
    "broken. SERVFAIL\n{d}. SERVFAIL\n*.{d}. SERVFAIL", "dns-error", 0 },
  { "nomx.test", "192.0.2.5", "mx a ptr spf", "{d}. TXT \"v=spf1 -all\"", "mx-missing", 0 },
  { "nullmx.test", "192.0.2.6", "mx a ptr spf", "{d}. MX 0 .\n{d}. TXT \"v=spf1 -all\"",
    "mx-null", 0 },
  /* A domain that receives no mail needs neither MTA-STS nor TLS-RPT. */
  { "nullmx2.test", "192.0.2.43", "mx a ptr spf sts sts-a tlsrpt",
    "{d}. MX 0 .\n{d}. TXT \"v=spf1 -all\"", "mx-null", 0 },
  { "cname.test", "192.0.2.7", "a", "mx1.{d}. CNAME host.{d}.\nhost.{d}. A {ip}",
    "mx-cname", 0 },
  { "literal.test", "192.0.2.8", "mx a ptr spf",
    "{d}. MX 10 {ip}.\n{d}. TXT \"v=spf1 ip4:{ip} -all\"",
    "mx-ip-literal mta-sts-mx-mismatch", 0 },
  { "unresolvable.test", "192.0.2.9", "a ptr spf", "{d}. TXT \"v=spf1 ip4:{ip} -all\"",
    "mx-unresolvable", 0 },
  { "toomany.test", "192.0.2.10", "", "{d}. MX 20 mx1.{d}.\n{d}. MX 30 mx2.{d}.",
    "mx-too-many", 1 },
  { "noptr.test", "192.0.2.11", "ptr", "", "ptr-missing", 0 },
  /* An exchanger the SPF record (-all) does not let send, under DMARC p=reject: it only
   * receives, and its missing PTR costs nothing. */
  { "inboundptr.test", "192.0.2.54", "ptr spf", "{d}. TXT \"v=spf1 ip4:198.51.100.7 -all\"",
    "ptr-missing-inbound", 0 },
  /* Three exchangers without PTR: one finding, costed once, listing the three. */
  { "threeptr.test", "192.0.2.55", "ptr",
    "{d}. MX 20 mx2.{d}.\nmx2.{d}. A 198.51.100.55\n{d}. MX 30 mx3.{d}.\nmx3.{d}. A "
    "198.51.100.56",
    "ptr-missing", 0 },
  { "badptr.test", "192.0.2.12", "ptr",
    "{rev}.in-addr.arpa. PTR other.{d}.\nother.{d}. A 192.0.2.200", "ptr-mismatch", 0 },
  { "nospf.test", "192.0.2.13", "spf", "", "spf-missing", 0 },
  { "twospf.test", "192.0.2.14", "", "{d}. TXT \"v=spf1 ip4:{ip} +mx ?all\"",
    "spf-multiple", 0 },
  /* Google Workspace's MX hosts: its include, not mx (its senders are not its MX). */
  { "gspf.test", "192.0.2.56", "mx a ptr spf sts sts-a",
    "{d}. MX 1 aspmx.l.google.com.\n{d}. MX 5 alt1.aspmx.l.google.com.\n"
    "aspmx.l.google.com. A {ip}\nalt1.aspmx.l.google.com. A {ip}\n"
    "{rev}.in-addr.arpa. PTR aspmx.l.google.com.",
    "spf-missing mta-sts-missing", 0 },
  /* Microsoft 365 beside an exchanger of the domain's own: both covered. */
  { "mixspf.test", "192.0.2.57", "spf",
    "{d}. MX 5 mixspf-test.mail.protection.outlook.com.\n"
    "mixspf-test.mail.protection.outlook.com. A {ip}",
    "spf-missing mta-sts-mx-mismatch", 0 },
  { "spfsyntax.test", "192.0.2.15", "spf", "{d}. TXT \"v=spf1 mx foo:bar -all\"",
    "spf-syntax", 0 },
  { "spflookups.test", "192.0.2.16", "spf",
    "{d}. TXT \"v=spf1 mx include:i1.{d} include:i2.{d} include:i3.{d} include:i4.{d} "
    "include:i5.{d} \" \"include:i6.{d} include:i7.{d} include:i8.{d} include:i9.{d} "
    "include:i10.{d} -all\"\n"
    "i1.{d}. TXT \"v=spf1 ip4:198.51.100.1 -all\"\ni2.{d}. TXT \"v=spf1 ip4:198.51.100.2 "
    "-all\"\n"
    "i3.{d}. TXT \"v=spf1 ip4:198.51.100.3 -all\"\ni4.{d}. TXT \"v=spf1 ip4:198.51.100.4 "
    "-all\"\n"
    "i5.{d}. TXT \"v=spf1 ip4:198.51.100.5 -all\"\ni6.{d}. TXT \"v=spf1 ip4:198.51.100.6 "
    "-all\"\n"
    "i7.{d}. TXT \"v=spf1 ip4:198.51.100.7 -all\"\ni8.{d}. TXT \"v=spf1 ip4:198.51.100.8 "
    "-all\"\n"
    "i9.{d}. TXT \"v=spf1 ip4:198.51.100.9 -all\"\ni10.{d}. TXT \"v=spf1 ip4:198.51.100.10 "
    "-all\"",
    "spf-too-many-lookups", 0 },
  { "spfvoid.test", "192.0.2.17", "spf",
    "{d}. TXT \"v=spf1 mx a:nx1.{d} a:nx2.{d} a:nx3.{d} -all\"", "spf-void-lookups", 0 },
  { "spfall.test", "192.0.2.18", "spf", "{d}. TXT \"v=spf1 mx +all\"", "spf-permissive-all",
    0 },
  /* The top record's +all is what is reported, not the included record's ?all (which
   * is harmless there: RFC 7208 §5.2). */
  { "spfplusinc.test", "192.0.2.52", "spf",
    "{d}. TXT \"v=spf1 mx include:inc.{d} +all\"\ninc.{d}. TXT \"v=spf1 ip4:198.51.100.1 "
    "?all\"",
    "spf-permissive-all", 0 },
  { "spfqinc.test", "192.0.2.53", "spf",
    "{d}. TXT \"v=spf1 mx include:inc.{d} -all\"\ninc.{d}. TXT \"v=spf1 ip4:198.51.100.1 "
    "?all\"",
    "", 0 },
  { "spfptr.test", "192.0.2.19", "spf", "{d}. TXT \"v=spf1 mx ptr -all\"", "spf-lint", 0 },
  { "nodkim.test", "192.0.2.20", "dkim", "", "dkim-missing", 0 },
  { "baddkim.test", "192.0.2.21", "dkim",
    "mail._domainkey.{d}. TXT \"v=DKIM1; k=rsa; p=!!\"", "dkim-invalid dkim-missing", 0 },
  { "weakdkim.test", "192.0.2.22", "dkim",
    "mail._domainkey.{d}. TXT \"v=DKIM1; k=rsa; p=" RSA1024_KEY "\"", "dkim-weak-key", 0 },
  { "testdkim.test", "192.0.2.23", "dkim",
    "mail._domainkey.{d}. TXT \"v=DKIM1; k=ed25519; t=y; p=" ED25519_KEY "\"",
    "dkim-testing", 0 },
  { "revoked.test", "192.0.2.24", "", "s1._domainkey.{d}. TXT \"v=DKIM1; p=\"",
    "dkim-revoked", 0 },
  { "nodmarc.test", "192.0.2.25", "dmarc", "", "dmarc-missing", 0 },
  { "twodmarc.test", "192.0.2.26", "",
    "_dmarc.{d}. TXT \"v=DMARC1; p=quarantine; rua=mailto:x@{d}\"", "dmarc-invalid", 0 },
  { "pnone.test", "192.0.2.27", "dmarc",
    "_dmarc.{d}. TXT \"v=DMARC1; p=none; rua=mailto:x@{d}\"", "dmarc-policy-none", 0 },
  { "pct.test", "192.0.2.28", "dmarc",
    "_dmarc.{d}. TXT \"v=DMARC1; p=reject; pct=50; rua=mailto:x@{d}\"", "dmarc-pct-partial",
    0 },
  { "spnone.test", "192.0.2.29", "dmarc",
    "_dmarc.{d}. TXT \"v=DMARC1; p=reject; sp=none; rua=mailto:x@{d}\"", "dmarc-sp-none",
    0 },
  { "norua.test", "192.0.2.30", "dmarc", "_dmarc.{d}. TXT \"v=DMARC1; p=reject\"",
    "dmarc-rua-missing", 0 },
  /* The record of the issue: reports missing, policy none; the fixes change only that. */
  { "mergedmarc.test", "192.0.2.48", "dmarc",
    "_dmarc.{d}. TXT \"v=DMARC1; p=none; adkim=s; sp=reject; ruf=mailto:f@{d}\"",
    "dmarc-policy-none dmarc-rua-missing", 0 },
  { "tdmarc.test", "192.0.2.49", "dmarc",
    "_dmarc.{d}. TXT \"v=DMARC1; p=reject; t=y; rua=mailto:x@{d}\"", "dmarc-testing", 0 },
  /* Testing mode and no reports: the reports' fix keeps t=y, the finding is not about it.
   */
  { "tnorua.test", "192.0.2.58", "dmarc", "_dmarc.{d}. TXT \"v=DMARC1; p=reject; t=y\"",
    "dmarc-testing dmarc-rua-missing", 0 },
  /* t=y with p=none changes nothing: not reported. */
  { "tnone.test", "192.0.2.50", "dmarc",
    "_dmarc.{d}. TXT \"v=DMARC1; p=none; t=y; rua=mailto:x@{d}\"", "dmarc-policy-none", 0 },
  { "baddmarc.test", "192.0.2.51", "dmarc",
    "_dmarc.{d}. TXT \"v=DMARC1; p=rejet; adkim=x; aspf=s; rua=mailto:x@{d},bad uri\"",
    "dmarc-invalid dmarc-policy-none", 0 },
  { "foreignrua.test", "192.0.2.31", "dmarc",
    "_dmarc.{d}. TXT \"v=DMARC1; p=reject; rua=mailto:r@reports.example.net\"",
    "dmarc-rua-unauthorized", 0 },
  /* A subdomain without a record of its own falls under its organizational domain's
   * sp= (here none), else p= (here reject). */
  { "mail.inherit.test", "192.0.2.46", "dmarc",
    "_dmarc.inherit.test. TXT \"v=DMARC1; p=reject; sp=none; rua=mailto:x@inherit.test\"",
    "dmarc-policy-none", 0 },
  { "mail.inherit2.test", "192.0.2.47", "dmarc",
    "_dmarc.inherit2.test. TXT \"v=DMARC1; p=reject; rua=mailto:x@inherit2.test\"", "", 0 },
  { "nosts.test", "192.0.2.32", "sts sts-a", "", "mta-sts-missing", 0 },
  { "badsts.test", "192.0.2.33", "sts", "_mta-sts.{d}. TXT \"v=STSv1; id=not-an-id\"",
    "mta-sts-invalid", 0 },
  { "sts404.test", "192.0.2.34", "", "", "mta-sts-invalid", 0 },
  { "stshtml.test", "192.0.2.35", "", "", "mta-sts-invalid", 0 },
  { "stsmismatch.test", "192.0.2.36", "", "", "mta-sts-mx-mismatch", 0 },
  { "norpt.test", "192.0.2.37", "tlsrpt", "", "tls-rpt-missing", 0 },
  { "badrpt.test", "192.0.2.38", "tlsrpt",
    "_smtp._tls.{d}. TXT \"v=TLSRPTv1; rua=ftp://{d}/\"", "tls-rpt-invalid", 0 },
  { "badbimi.test", "192.0.2.39", "",
    "default._bimi.{d}. TXT \"v=BIMI1; l=http://{d}/logo.svg\"", "bimi-invalid", 0 },
  { "bimi.test", "192.0.2.40", "dmarc",
    "default._bimi.{d}. TXT \"v=BIMI1; l=https://{d}/logo.svg\"\n"
    "_dmarc.{d}. TXT \"v=DMARC1; p=none; rua=mailto:x@{d}\"",
    "bimi-without-enforcement dmarc-policy-none", 0 },
  { "listedip.test", "192.0.2.41", "bl-refused", "{rev}.bl.test. A 127.0.0.2",
    "ip-blocklisted", 0 },
  { "listed.test", "192.0.2.42", "", "{d}.dbl.test. A 127.0.1.2", "domain-blocklisted", 0 },
};

/* ---- zone ------------------------------------------------------------------------ */

static char *
expand (const char *line, const Case *c)
{
  g_auto (GStrv) parts = g_strsplit (c->ip, ".", 4);
  g_autofree char *rev
      = g_strdup_printf ("%s.%s.%s.%s", parts[3], parts[2], parts[1], parts[0]);
  const char *keys[] = { "{d}", "{ip}", "{rev}" };
  const char *values[] = { c->domain, c->ip, rev };
  char *out = g_strdup (line);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_auto (GStrv) split = g_strsplit (out, keys[i], -1);
      g_free (out);
      out = g_strjoinv (values[i], split);
    }
  return out;
}

static char *
zone_text (void)
{
  GString *z = g_string_new ("$TTL 300\n");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_auto (GStrv) drop = g_strsplit (c->drop, " ", -1);
      for (gsize k = 0; k < G_N_ELEMENTS (base); k++)
        {
          if (g_strv_contains ((const char *const *)drop, base[k].key))
            continue;
          g_autofree char *line = expand (base[k].line, c);
          g_string_append_printf (z, "%s\n", line);
        }
      if (c->extra[0] != '\0')
        {
          g_autofree char *extra = expand (c->extra, c);
          g_string_append_printf (z, "%s\n", extra);
        }
    }
  return g_string_free (z, FALSE);
}

/* ---- MTA-STS fetcher ------------------------------------------------------------- */

/* domain -> the policy body the fetcher serves instead (a fix applied), or NULL */
static GHashTable *served_policies;

static FctAuditHttpsResponse *
fake_fetch (const char *host, guint16 port, const char *path, const char *const *addresses,
            gpointer user_data)
{
  FctAuditHttpsResponse *r = g_new0 (FctAuditHttpsResponse, 1);
  const char *domain = host + strlen ("mta-sts.");
  g_assert_true (g_str_has_prefix (host, "mta-sts."));
  g_assert_cmpstr (path, ==, "/.well-known/mta-sts.txt");
  g_assert_cmpuint (port, ==, 443);
  /* The fetcher is told the address the zone gave the policy host. */
  g_assert_nonnull (addresses);
  g_assert_cmpstr (addresses[0], ==, "127.0.0.1");
  (*(gint *)user_data)++;

  const char *served
      = served_policies != NULL ? g_hash_table_lookup (served_policies, domain) : NULL;
  if (served != NULL)
    {
      r->status = 200;
      r->content_type = g_strdup ("text/plain");
      r->body = g_bytes_new (served, strlen (served));
      return r;
    }
  if (g_str_equal (domain, "sts404.test"))
    {
      r->status = 404;
      r->content_type = g_strdup ("text/html");
      r->body = g_bytes_new_static ("Not Found", 9);
      return r;
    }
  r->status = 200;
  if (g_str_equal (domain, "stshtml.test"))
    {
      r->content_type = g_strdup ("text/html; charset=utf-8");
      r->body = g_bytes_new_static ("<html></html>", 13);
      return r;
    }
  r->content_type = g_strdup ("text/plain; charset=utf-8");
  /* Every exchanger of the cases is mx1.DOMAIN; one policy allows another host only. */
  g_autofree char *pattern = g_str_equal (domain, "stsmismatch.test")
                                 ? g_strdup ("mail.elsewhere.test")
                                 : g_strconcat ("*.", domain, NULL);
  char *text = g_strdup_printf ("version: STSv1\nmode: enforce\nmx: %s\nmax_age: 86400\n",
                                pattern);
  r->body = g_bytes_new_take (text, strlen (text));
  return r;
}

static gint fetches;

static FctAuditProbeCache *probe_cache; /* set by the test that shares probes */

static FctAuditReport *
audit (FctResolver *resolver, const char *domain, guint mx_max, gboolean smtp, guint16 port,
       const char *ca_file)
{
  static const char *const ip_lists[] = { "bl.test", NULL };
  static const char *const domain_lists[] = { "dbl.test", NULL };
  FctLimits limits;
  FctAuditOptions options;
  g_autoptr (GError) error = NULL;

  fct_limits_init (&limits);
  if (mx_max > 0)
    limits.audit_mx_hosts_max = mx_max;
  /* Generous: every dialogue with the test servers ends by itself; a loaded machine
     must not turn a slow TLS handshake into an unreachable exchanger. */
  limits.smtp_connect_timeout_ms = 30000;
  limits.smtp_reply_timeout_ms = 30000;
  fct_audit_options_init (&options);
  options.limits = &limits;
  options.smtp = smtp;
  options.smtp_port = port;
  options.ca_file = ca_file;
  options.ip_blocklists = ip_lists;
  options.domain_blocklists = domain_lists;
  options.fetch = fake_fetch;
  options.fetch_data = &fetches;
  options.probe_cache = probe_cache;
  FctAuditReport *report = fct_audit_domain (resolver, domain, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

/* g_ptr_array_sort passes pointers to the elements. */
static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

static char *
ids_of (const FctAuditReport *r)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  for (guint i = 0; i < fct_findings_get_count (r->findings); i++)
    {
      const char *id = fct_findings_get (r->findings, i)->weight->id;
      if (!g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL))
        g_ptr_array_add (ids, (gpointer)id);
    }
  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (" ", (char **)ids->pdata);
}

static char *
sorted (const char *ids)
{
  g_auto (GStrv) v = g_strsplit (ids, " ", -1);
  g_autoptr (GPtrArray) a = g_ptr_array_new ();
  for (gsize i = 0; v[i] != NULL; i++)
    if (v[i][0] != '\0')
      g_ptr_array_add (a, v[i]);
  g_ptr_array_sort (a, compare_strings);
  g_ptr_array_add (a, NULL);
  return g_strjoinv (" ", (char **)a->pdata);
}

static FctResolver *
zone_resolver (void)
{
  g_autofree char *text = zone_text ();
  g_autoptr (GError) error = NULL;
  FctResolver *resolver
      = fct_resolver_new_zone_data (text, strlen (text), "audit-cases", NULL, &error);
  g_assert_no_error (error);
  return resolver;
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (FctResolver) resolver = zone_resolver ();
  g_autoptr (FctAuditReport) r = audit (resolver, c->domain, c->mx_max, FALSE, 25, NULL);
  g_autofree char *got = ids_of (r);
  g_autofree char *want = sorted (c->expect);
  if (g_strcmp0 (got, want) != 0)
    for (guint i = 0; i < fct_findings_get_count (r->findings); i++)
      g_test_message ("%s: %s", fct_findings_get (r->findings, i)->weight->id,
                      fct_findings_get (r->findings, i)->detail);
  g_assert_cmpstr (got, ==, want);
  g_assert_cmpint (r->audited, ==, !g_str_equal (c->domain, "x.broken"));
  /* The score is 10 minus the points of what was found (score.h). */
  double points = 0;
  for (guint i = 0; i < fct_findings_get_count (r->findings); i++)
    points += fct_findings_get (r->findings, i)->weight->points;
  if (points == 0)
    g_assert_cmpfloat (r->score, ==, 10.0);
  else
    g_assert_cmpfloat (r->score, <, 10.0);
}

/* The correct domain, in detail: what the report holds besides findings. */
static void
test_good_report (void)
{
  g_autoptr (FctResolver) resolver = zone_resolver ();
  gint before = fetches;
  g_autoptr (FctAuditReport) r = audit (resolver, "GOOD.test.", 0, FALSE, 25, NULL);
  g_assert_cmpstr (r->domain, ==, "good.test");
  g_assert_cmpuint (r->mx->len, ==, 1);
  const FctAuditMx *mx = g_ptr_array_index (r->mx, 0);
  g_assert_cmpstr (mx->host, ==, "mx1.good.test");
  g_assert_cmpuint (mx->preference, ==, 10);
  g_assert_cmpuint (mx->addresses->len, ==, 1);
  const FctAuditAddress *addr = g_ptr_array_index (mx->addresses, 0);
  g_assert_cmpstr (addr->ip, ==, "192.0.2.1");
  g_assert_cmpuint (addr->ptr->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (addr->ptr, 0), ==, "mx1.good.test");
  g_assert_true (addr->fcrdns);
  g_assert_cmpuint (addr->listed->len, ==, 0); /* 127.255.255.254 is not a listing */
  g_assert_false (mx->tlsa);
  g_assert_null (mx->probe);
  g_assert_cmpstr (r->spf_record, ==, "v=spf1 mx -all");
  g_assert_true (g_str_has_prefix (r->dmarc_record, "v=DMARC1; p=reject"));
  g_assert_cmpuint (r->spf_dns_lookups, ==, 1);
  g_assert_cmpuint (r->dkim_keys->len, ==, 1);
  const FctAuditDkimKey *key = g_ptr_array_index (r->dkim_keys, 0);
  g_assert_cmpstr (key->selector, ==, "mail");
  g_assert_cmpstr (key->key_type, ==, "ed25519");
  g_assert_cmpuint (key->bits, ==, 256);
  g_assert_false (key->testing || key->revoked);
  g_assert_nonnull (r->mta_sts);
  g_assert_cmpint (r->mta_sts->mode, ==, FCT_MTA_STS_MODE_ENFORCE);
  g_assert_cmpint (fetches, ==, before + 1);
  g_assert_cmpint (r->dnssec, ==, FCT_DNSSEC_UNKNOWN);
}

/* Fixes are records to publish, in zone-file form, for the ids that have one. */
static void
test_fixes (void)
{
  g_autoptr (FctResolver) resolver = zone_resolver ();
  static const struct
  {
    const char *domain, *id, *fix_prefix;
  } rows[] = {
    { "nomx.test", "mx-missing", "nomx.test. MX 10 " },
    { "nospf.test", "spf-missing", "nospf.test. TXT \"v=spf1 mx ~all\"" },
    { "spfall.test", "spf-permissive-all", "spfall.test. TXT \"v=spf1 mx ~all\"" },
    { "gspf.test", "spf-missing",
      "gspf.test. TXT \"v=spf1 include:_spf.google.com ~all\"" },
    { "mixspf.test", "spf-missing",
      "mixspf.test. TXT \"v=spf1 include:spf.protection.outlook.com mx ~all\"" },
    /* A flattened record warns that provider addresses change, and how to check. */
    { "spflookups.test", "spf-too-many-lookups",
      "# The addresses below are your providers' today; they change them without notice.\n"
      "# Check again after publishing and every month: facteur domain spflookups.test\n"
      "spflookups.test. TXT \"v=spf1 " },
    { "spfplusinc.test", "spf-permissive-all",
      "spfplusinc.test. TXT \"v=spf1 mx include:inc.spfplusinc.test ~all\"" },
    /* "v=spf1 mx -all" and "v=spf1 ip4:192.0.2.14 +mx ?all" merged: each term once (+mx
     * is mx), the strictest all. */
    { "twospf.test", "spf-multiple", "twospf.test. TXT \"v=spf1 mx ip4:192.0.2.14 -all\"" },
    { "nodmarc.test", "dmarc-missing",
      "_dmarc.nodmarc.test. TXT \"v=DMARC1; p=none; "
      "rua=mailto:dmarc-reports@nodmarc.test\"" },
    /* Each fix changes only its tag; every other tag stays, in its order. */
    { "mergedmarc.test", "dmarc-policy-none",
      "_dmarc.mergedmarc.test. TXT \"v=DMARC1; p=quarantine; adkim=s; sp=reject; "
      "ruf=mailto:f@mergedmarc.test\"" },
    { "mergedmarc.test", "dmarc-rua-missing",
      "_dmarc.mergedmarc.test. TXT \"v=DMARC1; p=none; adkim=s; sp=reject; "
      "ruf=mailto:f@mergedmarc.test; rua=mailto:dmarc-reports@mergedmarc.test\"" },
    { "tdmarc.test", "dmarc-testing",
      "_dmarc.tdmarc.test. TXT \"v=DMARC1; p=reject; rua=mailto:x@tdmarc.test\"" },
    { "tnorua.test", "dmarc-testing", "_dmarc.tnorua.test. TXT \"v=DMARC1; p=reject\"" },
    { "tnorua.test", "dmarc-rua-missing",
      "_dmarc.tnorua.test. TXT \"v=DMARC1; p=reject; t=y; "
      "rua=mailto:dmarc-reports@tnorua.test\"" },
    { "pct.test", "dmarc-pct-partial",
      "_dmarc.pct.test. TXT \"v=DMARC1; p=reject; rua=mailto:x@pct.test\"" },
    { "spnone.test", "dmarc-sp-none",
      "_dmarc.spnone.test. TXT \"v=DMARC1; p=reject; rua=mailto:x@spnone.test\"" },
    /* Bad values and URIs dropped; the unusable p= becomes the none it was applied as. */
    { "baddmarc.test", "dmarc-invalid",
      "_dmarc.baddmarc.test. TXT \"v=DMARC1; p=none; aspf=s; "
      "rua=mailto:x@baddmarc.test\"" },
    /* The inherited policy is sp=none: sp is what is raised, p stays. */
    { "mail.inherit.test", "dmarc-policy-none",
      "_dmarc.inherit.test. TXT \"v=DMARC1; p=reject; sp=quarantine; "
      "rua=mailto:x@inherit.test\"" },
    { "nodkim.test", "dkim-missing", "facteur dkim keygen --domain nodkim.test" },
    { "noptr.test", "ptr-missing", "11.2.0.192.in-addr.arpa. PTR mx1.noptr.test." },
    { "nosts.test", "mta-sts-missing", "_mta-sts.nosts.test. TXT \"v=STSv1; id=" },
    { "norpt.test", "tls-rpt-missing", "_smtp._tls.norpt.test. TXT \"v=TLSRPTv1; rua=" },
    { "cname.test", "mx-cname", "cname.test. MX 10 host.cname.test." },
    { "foreignrua.test", "dmarc-rua-unauthorized",
      "foreignrua.test._report._dmarc.reports.example.net. TXT \"v=DMARC1\"" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr (FctAuditReport) r = audit (resolver, rows[i].domain, 0, FALSE, 25, NULL);
      const FctFinding *found = NULL;
      for (guint k = 0; k < fct_findings_get_count (r->findings); k++)
        if (g_str_equal (fct_findings_get (r->findings, k)->weight->id, rows[i].id))
          found = fct_findings_get (r->findings, k);
      g_assert_nonnull (found);
      g_assert_nonnull (found->fix);
      g_test_message ("%s %s: %s", rows[i].domain, rows[i].id, found->fix);
      if (!g_str_has_prefix (found->fix, rows[i].fix_prefix))
        g_error ("%s: fix “%s” does not start with “%s”", rows[i].id, found->fix,
                 rows[i].fix_prefix);
    }
}

/* ---- fixes applied to the zone ----------------------------------------------------- */

/* The first word of a TXT record's text ("v=spf1"), lower case, or NULL. */
static char *
txt_version (const char *rdata)
{
  const char *p = strchr (rdata, '"');
  if (p == NULL)
    return NULL;
  p++;
  gsize n = strcspn (p, " ;\"");
  return n > 0 ? g_ascii_strdown (p, (gssize)n) : NULL;
}

/* Owner, type and data of a zone line "owner TYPE data" (the zones here write no TTL or
 * class). */
static gboolean
zone_line_split (const char *line, char **owner, char **type, const char **rdata)
{
  const char *sp1 = strchr (line, ' ');
  if (sp1 == NULL)
    return FALSE;
  const char *sp2 = strchr (sp1 + 1, ' ');
  *owner = g_ascii_strdown (line, sp1 - line);
  *type = g_ascii_strup (sp1 + 1, sp2 != NULL ? sp2 - sp1 - 1 : -1);
  *rdata = sp2 != NULL ? sp2 + 1 : "";
  return TRUE;
}

/* The record `facteur dkim keygen` prints for the command in a fix. */
static char *
keygen_record (const char *command)
{
  g_auto (GStrv) argv = g_strsplit (command, " ", -1);
  const char *domain = NULL, *selector = NULL;
  gboolean ed = FALSE;
  guint bits = 0;
  for (gsize i = 0; argv[i] != NULL && argv[i + 1] != NULL; i++)
    if (g_str_equal (argv[i], "--domain"))
      domain = argv[i + 1];
    else if (g_str_equal (argv[i], "--selector"))
      selector = argv[i + 1];
    else if (g_str_equal (argv[i], "--algorithm"))
      ed = g_str_equal (argv[i + 1], "ed25519");
    else if (g_str_equal (argv[i], "--bits"))
      bits = (guint)g_ascii_strtoull (argv[i + 1], NULL, 10);
  g_assert_nonnull (domain);
  g_assert_nonnull (selector);
  g_autoptr (GError) error = NULL;
  g_autoptr (FctDkimPrivateKey) key = fct_dkim_private_key_generate (
      ed ? FCT_DKIM_KEY_TYPE_ED25519 : FCT_DKIM_KEY_TYPE_RSA, bits, &error);
  g_assert_no_error (error);
  g_autofree char *record = fct_dkim_private_key_get_dns_record (key);
  GString *line = g_string_new (NULL);
  g_string_append_printf (line, "%s._domainkey.%s. TXT", selector, domain);
  for (gsize i = 0; i < strlen (record); i += 255)
    g_string_append_printf (line, " \"%.255s\"", record + i);
  return g_string_free (line, FALSE);
}

/* Applies a fix as its reader would: each record replaces the records of its name and
 * type (a TXT record only those of its kind, "v=spf1", "v=DMARC1"...), a keygen
 * command publishes the key it makes, a policy after its URL comment is served. */
static char *
zone_with_fix (const char *zone, const char *domain, const char *fix)
{
  g_auto (GStrv) zone_lines = g_strsplit (zone, "\n", -1);
  g_auto (GStrv) fix_lines = g_strsplit (fix, "\n", -1);
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (g_free);
  GString *policy = NULL;

  for (gsize i = 0; fix_lines[i] != NULL; i++)
    {
      const char *l = fix_lines[i];
      if (policy != NULL)
        g_string_append_printf (policy, "%s\n", l);
      else if (g_str_has_prefix (l, "#"))
        {
          if (strstr (l, "/.well-known/mta-sts.txt") != NULL)
            policy = g_string_new (NULL);
        }
      else if (g_str_has_prefix (l, "facteur dkim keygen "))
        g_ptr_array_add (records, keygen_record (l));
      else if (l[0] != '\0')
        g_ptr_array_add (records, g_strdup (l));
    }
  if (policy != NULL)
    g_hash_table_insert (served_policies, g_strdup (domain), g_string_free (policy, FALSE));

  GString *out = g_string_new (NULL);
  for (gsize i = 0; zone_lines[i] != NULL; i++)
    {
      g_autofree char *owner = NULL, *type = NULL;
      const char *rdata = NULL;
      gboolean replaced = FALSE;
      if (zone_line_split (zone_lines[i], &owner, &type, &rdata))
        for (guint k = 0; k < records->len && !replaced; k++)
          {
            g_autofree char *fowner = NULL, *ftype = NULL;
            const char *frdata = NULL;
            g_assert_true (
                zone_line_split (g_ptr_array_index (records, k), &fowner, &ftype, &frdata));
            if (!g_str_equal (owner, fowner) || !g_str_equal (type, ftype))
              continue;
            g_autofree char *v1 = g_str_equal (type, "TXT") ? txt_version (rdata) : NULL;
            g_autofree char *v2 = g_str_equal (type, "TXT") ? txt_version (frdata) : NULL;
            replaced = v2 == NULL || g_strcmp0 (v1, v2) == 0;
          }
      if (!replaced)
        g_string_append_printf (out, "%s\n", zone_lines[i]);
    }
  for (guint k = 0; k < records->len; k++)
    g_string_append_printf (out, "%s\n", (const char *)g_ptr_array_index (records, k));
  return g_string_free (out, FALSE);
}

static FctResolver *
resolver_from (const char *zone)
{
  g_autoptr (GError) error = NULL;
  FctResolver *resolver
      = fct_resolver_new_zone_data (zone, strlen (zone), "fixed", NULL, &error);
  g_assert_no_error (error);
  return resolver;
}

/* Every fix, applied to the zone it was given for, makes its finding go away on a
 * second audit: the proof that the advice works. */
static void
test_fixes_work (void)
{
  g_autofree char *zone = zone_text ();
  g_autoptr (FctResolver) resolver = resolver_from (zone);
  guint applied = 0;
  served_policies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr (FctAuditReport) r
          = audit (resolver, c->domain, c->mx_max, FALSE, 25, NULL);
      for (guint k = 0; k < fct_findings_get_count (r->findings); k++)
        {
          const FctFinding *f = fct_findings_get (r->findings, k);
          if (f->fix == NULL)
            continue;
          g_autofree char *fixed_zone = zone_with_fix (zone, c->domain, f->fix);
          g_autoptr (FctResolver) fixed = resolver_from (fixed_zone);
          g_autoptr (FctAuditReport) again
              = audit (fixed, c->domain, c->mx_max, FALSE, 25, NULL);
          g_hash_table_remove (served_policies, c->domain);
          if (fct_findings_has (again->findings, f->weight->id))
            g_error ("%s: the fix of %s, applied, leaves it:\n%s", c->domain, f->weight->id,
                     f->fix);
          g_hash_table_add (ids, (gpointer)f->weight->id);
          applied++;
        }
    }
  g_clear_pointer (&served_policies, g_hash_table_unref);
  g_test_message ("%u fixes applied, %u ids", applied, g_hash_table_size (ids));
  /* Every id whose finding carries a fix in these cases (dane-mismatch: the STARTTLS
   * test below). */
  static const char *const with_fix[] = {
    "mx-missing",
    "mx-cname",
    "mx-ip-literal",
    "ptr-missing",
    "ptr-mismatch",
    "spf-missing",
    "spf-multiple",
    "spf-too-many-lookups",
    "spf-permissive-all",
    "dkim-missing",
    "dkim-weak-key",
    "dmarc-missing",
    "dmarc-invalid",
    "dmarc-policy-none",
    "dmarc-pct-partial",
    "dmarc-sp-none",
    "dmarc-rua-missing",
    "dmarc-testing",
    "dmarc-rua-unauthorized",
    "mta-sts-missing",
    "mta-sts-invalid",
    "mta-sts-mx-mismatch",
    "tls-rpt-missing",
    "tls-rpt-invalid",
    "bimi-invalid",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (with_fix); i++)
    if (!g_hash_table_contains (ids, with_fix[i]))
      g_error ("no case applied a fix of %s", with_fix[i]);
}

/* What the report says besides findings, for the domains that break something. */
static void
test_report_details (void)
{
  g_autoptr (FctResolver) resolver = zone_resolver ();
  g_autoptr (FctAuditReport) weak = audit (resolver, "weakdkim.test", 0, FALSE, 25, NULL);
  const FctAuditDkimKey *key = g_ptr_array_index (weak->dkim_keys, 0);
  g_assert_cmpstr (key->key_type, ==, "rsa");
  g_assert_cmpuint (key->bits, ==, 1024);

  g_autoptr (FctAuditReport) listed = audit (resolver, "listedip.test", 0, FALSE, 25, NULL);
  const FctAuditMx *mx = g_ptr_array_index (listed->mx, 0);
  const FctAuditAddress *addr = g_ptr_array_index (mx->addresses, 0);
  g_assert_cmpuint (addr->listed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (addr->listed, 0), ==, "bl.test");

  g_autoptr (FctAuditReport) bad = audit (resolver, "badptr.test", 0, FALSE, 25, NULL);
  addr = g_ptr_array_index (((FctAuditMx *)g_ptr_array_index (bad->mx, 0))->addresses, 0);
  g_assert_cmpstr (g_ptr_array_index (addr->ptr, 0), ==, "other.badptr.test");
  g_assert_false (addr->fcrdns);

  g_autoptr (FctAuditReport) many = audit (resolver, "toomany.test", 1, FALSE, 25, NULL);
  g_assert_cmpuint (many->mx->len, ==, 1);
  mx = g_ptr_array_index (many->mx, 0);
  g_assert_cmpuint (mx->preference, ==, 10); /* the most preferred is the one examined */

  /* A U-label domain is audited as its A-label. */
  g_autoptr (FctAuditReport) idn = audit (resolver, "bücher.test", 0, FALSE, 25, NULL);
  g_assert_cmpstr (idn->domain, ==, "xn--bcher-kva.test");

  g_autoptr (FctAuditReport) nul = audit (resolver, "nullmx.test", 0, FALSE, 25, NULL);
  g_assert_true (nul->null_mx);
  g_assert_cmpuint (nul->mx->len, ==, 0);
}

/* Issue 13: with no record, the text and the fix agree (p=none, reports to a mailbox the
 * text asks to create); new DMARC advice uses RFC 9989 tags only, so no fix brings in
 * pct=, rf= or ri= that the record did not have. */
static void
test_dmarc_advice (void)
{
  g_autoptr (FctResolver) resolver = zone_resolver ();
  g_autoptr (FctAuditReport) none = audit (resolver, "nodmarc.test", 0, FALSE, 25, NULL);
  const FctFinding *f = NULL;
  for (guint k = 0; k < fct_findings_get_count (none->findings); k++)
    if (g_str_equal (fct_findings_get (none->findings, k)->weight->id, "dmarc-missing"))
      f = fct_findings_get (none->findings, k);
  g_assert_nonnull (f);
  g_assert_nonnull (strstr (f->detail, "Start with p=none"));
  g_assert_nonnull (strstr (f->detail, "create dmarc-reports@nodmarc.test"));
  g_assert_nonnull (strstr (f->fix, "p=none; rua=mailto:dmarc-reports@nodmarc.test"));
  g_assert_null (strstr (f->fix, "quarantine"));

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (strstr (cases[i].expect, "dmarc-") == NULL)
        continue;
      g_autoptr (FctAuditReport) r
          = audit (resolver, cases[i].domain, cases[i].mx_max, FALSE, 25, NULL);
      for (guint k = 0; k < fct_findings_get_count (r->findings); k++)
        {
          const FctFinding *g = fct_findings_get (r->findings, k);
          if (!g_str_has_prefix (g->weight->id, "dmarc-") || g->fix == NULL)
            continue;
          static const char *const old_tags[] = { "pct=", "rf=", "ri=" };
          for (gsize t = 0; t < G_N_ELEMENTS (old_tags); t++)
            if (strstr (cases[i].extra, old_tags[t]) == NULL
                && strstr (g->fix, old_tags[t]) != NULL)
              g_error ("%s %s: the fix brings in %s: %s", cases[i].domain, g->weight->id,
                       old_tags[t], g->fix);
        }
    }
}

static void
test_invalid_domain (void)
{
  g_autoptr (FctResolver) resolver = zone_resolver ();
  static const char *const bad[]
      = { "", "localhost", "a..b", "-", "exa mple.com", "x.@.test", "\xff.test" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FctAuditReport) r = fct_audit_domain (resolver, bad[i], NULL, &error);
      g_assert_null (r);
      g_assert_error (error, FCT_AUDIT_ERROR, FCT_AUDIT_ERROR_INVALID);
    }
}

/* ---- a small SMTP server for the STARTTLS checks --------------------------------- */

typedef enum
{
  SERVER_TLS,     /* STARTTLS with the given certificate */
  SERVER_PLAIN,   /* no STARTTLS in the EHLO reply */
  SERVER_BROKEN,  /* STARTTLS, then closes instead of the handshake */
  SERVER_OLD_TLS, /* STARTTLS, TLS 1.1 at most */
} ServerMode;

typedef struct
{
  int listener;
  guint16 port;
  ServerMode mode;
  X509 *cert;
  EVP_PKEY *key;
  guint sessions; /* connections accepted, one after the other */
  GThread *thread;
} Server;

static X509 *
make_cert (EVP_PKEY *key, const char *cn, long not_before, long not_after)
{
  X509 *x = X509_new ();
  X509_set_version (x, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (x), g_random_int_range (1, G_MAXINT32));
  X509_gmtime_adj (X509_getm_notBefore (x), not_before);
  X509_gmtime_adj (X509_getm_notAfter (x), not_after);
  X509_set_pubkey (x, key);
  X509_NAME *name = X509_get_subject_name (x);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                              0);
  X509_set_issuer_name (x, name);
  g_assert_cmpint (X509_sign (x, key, EVP_sha256 ()), >, 0);
  return x;
}

/* Reads one line (up to LF) from the plain socket or the TLS stream. */
static gboolean
server_read_line (int fd, SSL *ssl, char *buf, gsize size)
{
  gsize n = 0;
  while (n + 1 < size)
    {
      char c;
      int r = ssl != NULL ? SSL_read (ssl, &c, 1) : (int)recv (fd, &c, 1, 0);
      if (r <= 0)
        return FALSE;
      buf[n++] = c;
      if (c == '\n')
        break;
    }
  buf[n] = '\0';
  return TRUE;
}

static void
server_write (int fd, SSL *ssl, const char *s)
{
  if (ssl != NULL)
    SSL_write (ssl, s, (int)strlen (s));
  else if (send (fd, s, strlen (s), MSG_NOSIGNAL) < 0)
    g_test_message ("server: send failed");
}

static void
server_session (Server *s, int fd)
{
  SSL_CTX *ctx = NULL;
  SSL *ssl = NULL;
  char line[1024];

  server_write (fd, NULL, "220 mx1 ESMTP test\r\n");
  while (server_read_line (fd, ssl, line, sizeof line))
    {
      if (g_ascii_strncasecmp (line, "EHLO", 4) == 0)
        server_write (fd, ssl,
                      s->mode == SERVER_PLAIN || ssl != NULL
                          ? "250-mx1\r\n250 8BITMIME\r\n"
                          : "250-mx1\r\n250 STARTTLS\r\n");
      else if (g_ascii_strncasecmp (line, "STARTTLS", 8) == 0 && ssl == NULL)
        {
          server_write (fd, NULL, "220 go ahead\r\n");
          if (s->mode == SERVER_BROKEN)
            break;
          ctx = SSL_CTX_new (TLS_server_method ());
          if (s->mode == SERVER_OLD_TLS)
            {
              SSL_CTX_set_security_level (ctx, 0);
              SSL_CTX_set_min_proto_version (ctx, TLS1_VERSION);
              SSL_CTX_set_max_proto_version (ctx, TLS1_1_VERSION);
            }
          SSL_CTX_use_certificate (ctx, s->cert);
          SSL_CTX_use_PrivateKey (ctx, s->key);
          ssl = SSL_new (ctx);
          SSL_set_fd (ssl, fd);
          if (SSL_accept (ssl) != 1)
            break;
        }
      else if (g_ascii_strncasecmp (line, "QUIT", 4) == 0)
        {
          server_write (fd, ssl, "221 bye\r\n");
          break;
        }
      else
        server_write (fd, ssl, "502 not here\r\n");
    }
  if (ssl != NULL)
    SSL_free (ssl);
  if (ctx != NULL)
    SSL_CTX_free (ctx);
  close (fd);
}

static gpointer
server_run (gpointer data)
{
  Server *s = data;
  for (guint n = 0; n < s->sessions; n++)
    {
      int fd = accept (s->listener, NULL, NULL);
      if (fd < 0)
        break;
      server_session (s, fd);
    }
  return NULL;
}

static Server *
server_start_sessions (ServerMode mode, const char *cn, long not_before, long not_after,
                       guint sessions)
{
  Server *s = g_new0 (Server, 1);
  struct sockaddr_in sin
      = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;

  s->mode = mode;
  s->sessions = sessions;
  s->key = EVP_EC_gen ("P-256");
  g_assert_nonnull (s->key);
  s->cert = make_cert (s->key, cn, not_before, not_after);
  s->listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (bind (s->listener, (struct sockaddr *)&sin, sizeof sin), ==, 0);
  g_assert_cmpint (listen (s->listener, 4), ==, 0);
  g_assert_cmpint (getsockname (s->listener, (struct sockaddr *)&sin, &len), ==, 0);
  s->port = ntohs (sin.sin_port);
  s->thread = g_thread_new ("smtp", server_run, s);
  return s;
}

static Server *
server_start (ServerMode mode, const char *cn, long not_before, long not_after)
{
  return server_start_sessions (mode, cn, not_before, not_after, 1);
}

static void
server_stop (Server *s)
{
  g_thread_join (s->thread);
  close (s->listener);
  X509_free (s->cert);
  EVP_PKEY_free (s->key);
  g_free (s);
}

/* A zone with one domain whose exchanger is 127.0.0.1, otherwise correct, plus extra
 * (a line, or NULL). */
static FctResolver *
loopback_resolver_with (const char *domain, const char *extra)
{
  Case c = { domain, "127.0.0.1", "", "", "", 0 };
  GString *z = g_string_new ("$TTL 300\n");
  for (gsize k = 0; k < G_N_ELEMENTS (base); k++)
    {
      g_autofree char *line = expand (base[k].line, &c);
      g_string_append_printf (z, "%s\n", line);
    }
  if (extra != NULL)
    g_string_append_printf (z, "%s\n", extra);
  g_autoptr (GError) error = NULL;
  FctResolver *resolver
      = fct_resolver_new_zone_data (z->str, z->len, "loopback", NULL, &error);
  g_assert_no_error (error);
  g_string_free (z, TRUE);
  return resolver;
}

static FctResolver *
loopback_resolver (const char *domain)
{
  return loopback_resolver_with (domain, NULL);
}

/* SHA-256 of the certificate's SubjectPublicKeyInfo, in hex: a "3 1 1" TLSA record. */
static char *
spki_sha256 (X509 *cert)
{
  unsigned char *der = NULL;
  int len = i2d_X509_PUBKEY (X509_get_X509_PUBKEY (cert), &der);
  g_assert_cmpint (len, >, 0);
  char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der, (gsize)len);
  OPENSSL_free (der);
  return hex;
}

static char *
write_ca (X509 *cert)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("facteur-ca-XXXXXX.pem", &path, &error);
  g_assert_no_error (error);
  FILE *f = fdopen (fd, "w");
  g_assert_nonnull (f);
  PEM_write_X509 (f, cert);
  fclose (f);
  return path;
}

typedef struct
{
  ServerMode mode;
  const char *cn;
  long not_before, not_after; /* seconds from now */
  gboolean trust;             /* pass the certificate as --ca-file */
  const char *expect;
  const char *tlsa; /* NULL: no TLSA; "match": 3 1 1 of the server's key; else the data */
} TlsCase;

static void
test_tls_case (gconstpointer data)
{
  const TlsCase *t = data;
  const char *domain = "tls.test";
  Server *s = server_start (t->mode, t->cn, t->not_before, t->not_after);
  g_autofree char *spki = spki_sha256 (s->cert);
  g_autofree char *tlsa
      = t->tlsa == NULL ? NULL
                        : g_strdup_printf ("_25._tcp.mx1.tls.test. TLSA 3 1 1 %s",
                                           g_str_equal (t->tlsa, "match") ? spki : t->tlsa);
  g_autoptr (FctResolver) resolver = loopback_resolver_with (domain, tlsa);
  g_autofree char *ca = t->trust ? write_ca (s->cert) : NULL;
  g_autoptr (FctAuditReport) r = audit (resolver, domain, 0, TRUE, s->port, ca);
  server_stop (s);
  if (ca != NULL)
    g_unlink (ca);

  const FctAuditMx *mx = g_ptr_array_index (r->mx, 0);
  g_assert_nonnull (mx->probe);
  g_assert_cmpstr (mx->probe->ip, ==, "127.0.0.1");
  g_assert_cmpstr (mx->probe->banner, ==, "220 mx1 ESMTP test");
  g_autofree char *got = ids_of (r);
  if (g_strcmp0 (got, t->expect) != 0)
    for (guint i = 0; i < fct_findings_get_count (r->findings); i++)
      g_test_message ("%s: %s", fct_findings_get (r->findings, i)->weight->id,
                      fct_findings_get (r->findings, i)->detail);
  g_assert_cmpstr (got, ==, t->expect);
  if (t->expect[0] == '\0')
    {
      g_assert_true (mx->probe->tls);
      g_assert_true (mx->probe->cert_trusted);
      g_assert_true (mx->probe->cert_name_ok);
      g_assert_cmpstr (mx->probe->tls_version, ==, "TLSv1.3");
    }
}

static const TlsCase tls_cases[] = {
  { SERVER_TLS, "mx1.tls.test", -3600, 86400, TRUE, "" },
  { SERVER_PLAIN, "mx1.tls.test", -3600, 86400, TRUE, "starttls-missing" },
  { SERVER_BROKEN, "mx1.tls.test", -3600, 86400, TRUE, "tls-handshake-failed" },
  { SERVER_TLS, "mx1.tls.test", -3600, 86400, FALSE, "tls-certificate-invalid" },
  { SERVER_TLS, "mail.elsewhere.test", -3600, 86400, TRUE, "tls-certificate-invalid" },
  { SERVER_TLS, "mx1.tls.test", -86400 * 10, -86400, TRUE, "tls-certificate-expired" },
  { SERVER_OLD_TLS, "mx1.tls.test", -3600, 86400, TRUE, "tls-version-old" },
  { SERVER_TLS, "mx1.tls.test", -3600, 86400, TRUE, "", "match" },
  { SERVER_TLS, "mx1.tls.test", -3600, 86400, TRUE, "dane-mismatch",
    "0000000000000000000000000000000000000000000000000000000000000000" },
};

/* The dane-mismatch fix, published, matches the certificate: a second audit of the same
 * server raises nothing. */
static void
test_dane_fix_works (void)
{
  const char *tlsa = "_25._tcp.mx1.tls.test. TLSA 3 1 1 "
                     "0000000000000000000000000000000000000000000000000000000000000000";
  Server *s = server_start_sessions (SERVER_TLS, "mx1.tls.test", -3600, 86400, 2);
  g_autofree char *ca = write_ca (s->cert);
  g_autoptr (FctResolver) resolver = loopback_resolver_with ("tls.test", tlsa);
  g_autoptr (FctAuditReport) r = audit (resolver, "tls.test", 0, TRUE, s->port, ca);
  const FctFinding *f = NULL;
  for (guint i = 0; i < fct_findings_get_count (r->findings); i++)
    if (g_str_equal (fct_findings_get (r->findings, i)->weight->id, "dane-mismatch"))
      f = fct_findings_get (r->findings, i);
  g_assert_nonnull (f);
  g_assert_nonnull (f->fix);

  Case c = { "tls.test", "127.0.0.1", "", "", "", 0 };
  GString *z = g_string_new ("$TTL 300\n");
  for (gsize k = 0; k < G_N_ELEMENTS (base); k++)
    {
      g_autofree char *line = expand (base[k].line, &c);
      g_string_append_printf (z, "%s\n", line);
    }
  g_string_append_printf (z, "%s\n", tlsa);
  g_autofree char *zone = g_string_free (z, FALSE);
  served_policies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *fixed_zone = zone_with_fix (zone, "tls.test", f->fix);
  g_clear_pointer (&served_policies, g_hash_table_unref);
  g_autoptr (FctResolver) fixed = resolver_from (fixed_zone);
  g_autoptr (FctAuditReport) again = audit (fixed, "tls.test", 0, TRUE, s->port, ca);
  server_stop (s);
  g_unlink (ca);
  g_autofree char *got = ids_of (again);
  g_assert_cmpstr (got, ==, "");
}

/* Two audits sharing a probe cache ask the exchanger once: the server accepts a single
 * connection, and a second one would wait for a banner that never comes. */
static void
test_probe_cache (void)
{
  g_autoptr (FctResolver) resolver = loopback_resolver ("tls.test");
  Server *s = server_start (SERVER_TLS, "mx1.tls.test", -3600, 86400);
  g_autofree char *ca = write_ca (s->cert);
  probe_cache = fct_audit_probe_cache_new ();
  g_autoptr (FctAuditReport) first = audit (resolver, "tls.test", 0, TRUE, s->port, ca);
  g_autoptr (FctAuditReport) second = audit (resolver, "TLS.test", 0, TRUE, s->port, ca);
  g_assert_cmpuint (fct_audit_probe_cache_get_probes (probe_cache), ==, 1);
  g_clear_pointer (&probe_cache, fct_audit_probe_cache_free);
  server_stop (s);
  g_unlink (ca);

  const FctAuditTlsProbe *a = ((FctAuditMx *)g_ptr_array_index (first->mx, 0))->probe;
  const FctAuditTlsProbe *b = ((FctAuditMx *)g_ptr_array_index (second->mx, 0))->probe;
  g_assert_true (a != b);
  g_assert_cmpstr (a->banner, ==, b->banner);
  g_assert_cmpstr (a->tls_version, ==, b->tls_version);
  g_assert_cmpstr (a->cert_subject, ==, b->cert_subject);
  g_assert_true (b->tls && b->cert_trusted && b->cert_name_ok);
  g_assert_cmpuint (fct_findings_get_count (second->findings), ==, 0);
}

static void
test_unreachable (void)
{
  /* A port bound here and never listening: connecting is refused, and no other program
     running at the same time can take it before the audit is done. */
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sin
      = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;
  g_assert_cmpint (bind (fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&sin, &len), ==, 0);

  g_autoptr (FctResolver) resolver = loopback_resolver ("tls.test");
  g_autoptr (FctAuditReport) r
      = audit (resolver, "tls.test", 0, TRUE, ntohs (sin.sin_port), NULL);
  close (fd);
  g_autofree char *got = ids_of (r);
  /* No exchanger could be reached: probably port 25 blocked from here, not held
   * against the domain. */
  g_assert_cmpstr (got, ==, "smtp-untested");
  g_assert_cmpfloat (r->score, ==, 10.0);
  /* With the reason, as the connection attempt gave it. */
  const FctFinding *f = fct_findings_get (r->findings, 0);
  g_assert_nonnull (strstr (f->detail, g_strerror (ECONNREFUSED)));
  g_assert_cmpfloat (f->weight->points, ==, 0.0);
}

/* Several findings of one id are one finding, costed once, that names every host. */
static void
test_one_finding_per_id (void)
{
  g_autoptr (FctResolver) resolver = zone_resolver ();
  g_autoptr (FctAuditReport) r = audit (resolver, "threeptr.test", 0, FALSE, 25, NULL);
  g_assert_cmpuint (fct_findings_get_count (r->findings), ==, 1);
  const FctFinding *f = fct_findings_get (r->findings, 0);
  g_assert_cmpstr (f->weight->id, ==, "ptr-missing");
  g_assert_cmpstr (f->evidence, ==, "192.0.2.55, 198.51.100.55, 198.51.100.56");
  g_assert_nonnull (strstr (f->detail, "mx3.threeptr.test"));
  g_assert_nonnull (strstr (f->fix, "56.100.51.198.in-addr.arpa. PTR mx3.threeptr.test."));
  g_assert_cmpfloat (r->score, ==, 9.0);
}

/* One exchanger answers, the other does not: that one is unreachable (the server's
 * fault, as far as can be told). */
static void
test_one_unreachable (void)
{
  Server *s = server_start (SERVER_TLS, "mx1.tls.test", -3600, 86400);
  g_autofree char *ca = write_ca (s->cert);
  /* mx2 is 127.0.0.2, where the test server (bound to 127.0.0.1) does not listen. */
  g_autoptr (FctResolver) resolver = loopback_resolver_with (
      "tls.test", "tls.test. MX 20 mx2.tls.test.\nmx2.tls.test. A 127.0.0.2\n"
                  "2.0.0.127.in-addr.arpa. PTR mx2.tls.test.");
  g_autoptr (FctAuditReport) r = audit (resolver, "tls.test", 0, TRUE, s->port, ca);
  server_stop (s);
  g_unlink (ca);
  g_autofree char *got = ids_of (r);
  g_assert_cmpstr (got, ==, "smtp-unreachable");
  g_assert_cmpstr (fct_findings_get (r->findings, 0)->evidence, ==, "mx2.tls.test");
}

/* The libcurl fetcher reports a refused connection as an error, without a status; the
 * name is pinned to the address given, so no resolver is asked. */
static void
test_fetch_refused (void)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sin
      = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;
  g_assert_cmpint (bind (fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&sin, &len), ==, 0);
  /* Kept bound but never listening until the end: connecting is refused, and no other
     program running at the same time can take the port meanwhile. */

  const char *const addresses[] = { "127.0.0.1", NULL };
  g_autoptr (FctAuditHttpsResponse) r
      = fct_audit_https_fetch ("mta-sts.nowhere.test", ntohs (sin.sin_port),
                               "/.well-known/mta-sts.txt", addresses, NULL, NULL);
  close (fd);
  g_assert_nonnull (r->error);
  g_assert_cmpuint (r->status, ==, 0);
  g_assert_null (r->body);
}

/* Every id of the domain table is raised by some test here, or named as needing a
 * validating resolver (the integration test). */
static void
test_every_id_is_covered (void)
{
  static const char *const integration_only[]
      = { "dnssec-bogus", "dnssec-unsigned", "dane-without-dnssec", NULL };
  g_autoptr (GHashTable) covered
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gsize n = 0;
  const FctFindingWeight *rows = fct_finding_weights_domain (&n);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (GStrv) ids = g_strsplit (cases[i].expect, " ", -1);
      for (gsize k = 0; ids[k] != NULL; k++)
        g_hash_table_add (covered, g_strdup (ids[k]));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (tls_cases); i++)
    g_hash_table_add (covered, g_strdup (tls_cases[i].expect));
  g_hash_table_add (covered, g_strdup ("smtp-unreachable"));
  g_hash_table_add (covered, g_strdup ("smtp-untested"));
  for (gsize i = 0; i < n; i++)
    if (!g_hash_table_contains (covered, rows[i].id)
        && !g_strv_contains (integration_only, rows[i].id))
      g_error ("finding id %s is raised by no test", rows[i].id);
}

/* A domain audit's findings weigh as the domain table says, even for an id the message
 * table also has: the set is created for one table and looks ids up only there. */
static void
test_domain_table_only (void)
{
  g_autoptr (FctResolver) resolver = zone_resolver ();
  g_autoptr (FctAuditReport) r = audit (resolver, "weakdkim.test", 0, FALSE, 25, NULL);
  const FctFinding *f = fct_findings_get (r->findings, 0);
  g_assert_cmpstr (f->weight->id, ==, "dkim-weak-key");
  gsize n = 0;
  const FctFindingWeight *rows = fct_finding_weights_domain (&n);
  g_assert_true (f->weight >= rows && f->weight < rows + n);
  g_assert_cmpstr (f->weight->section, ==, "dkim");
  g_assert_cmpstr (fct_finding_weight_lookup ("dkim-weak-key")->section, ==,
                   "authentication");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/audit/zone/%s", cases[i].domain);
      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/audit/good-report", test_good_report);
  g_test_add_func ("/audit/fixes", test_fixes);
  g_test_add_func ("/audit/fixes-work", test_fixes_work);
  g_test_add_func ("/audit/report-details", test_report_details);
  g_test_add_func ("/audit/invalid-domain", test_invalid_domain);
  g_test_add_func ("/audit/dmarc-advice", test_dmarc_advice);
  for (gsize i = 0; i < G_N_ELEMENTS (tls_cases); i++)
    {
      g_autofree char *path
          = g_strdup_printf ("/audit/starttls/%zu-%s", i,
                             tls_cases[i].expect[0] != '\0' ? tls_cases[i].expect : "good");
      g_test_add_data_func (path, &tls_cases[i], test_tls_case);
    }
  g_test_add_func ("/audit/starttls/unreachable", test_unreachable);
  g_test_add_func ("/audit/starttls/one-unreachable", test_one_unreachable);
  g_test_add_func ("/audit/one-finding-per-id", test_one_finding_per_id);
  g_test_add_func ("/audit/starttls/probe-cache", test_probe_cache);
  g_test_add_func ("/audit/starttls/dane-fix-works", test_dane_fix_works);
  g_test_add_func ("/audit/every-id-is-covered", test_every_id_is_covered);
  g_test_add_func ("/audit/domain-table-only", test_domain_table_only);
  g_test_add_func ("/audit/https/refused", test_fetch_refused);
  return g_test_run ();
}
