/* facteur — the weights of `facteur domain` findings (one domain audit). Why each weight is
 * what it is: docs/FINDINGS.md. Ids are stable: renaming one breaks users' filters. */
#include <facteur/score.h>

#include <glib/gi18n-lib.h>

/* A domain audit's findings are looked up here only (fct_findings_new_for): an id that
 * `facteur check` also uses (dkim-weak-key, dmarc-policy-none, ip-blocklisted) has its own
 * row, weighed for a domain. */
static const FctFindingWeight rows[] = {
  /* DNS */
  { "domain-not-found", "dns", FCT_SEVERITY_CRITICAL, 10.0,
    N_ ("The domain does not exist in DNS") },
  { "dns-error", "dns", FCT_SEVERITY_WARNING, 0.5,
    N_ ("DNS queries failed: part of the audit could not be done") },
  { "ns-unreachable", "dns", FCT_SEVERITY_CRITICAL, 6.0,
    N_ ("The domain's name servers do not answer") },
  { "ns-missing", "dns", FCT_SEVERITY_INFO, 0.0,
    N_ ("The name has no NS records of its own (it is not a zone apex)") },
  { "dnssec-bogus", "dns", FCT_SEVERITY_CRITICAL, 4.0,
    N_ ("DNSSEC validation fails: validating resolvers cannot see the domain") },
  { "dnssec-unsigned", "dns", FCT_SEVERITY_INFO, 0.0,
    N_ ("The zone is not signed with DNSSEC") },
  /* MX and reverse DNS */
  { "mx-missing", "mx", FCT_SEVERITY_CRITICAL, 4.0,
    N_ ("No mail server (MX) is published: mail to this domain cannot be delivered") },
  { "mx-null", "mx", FCT_SEVERITY_INFO, 0.0,
    N_ ("The domain declares that it accepts no mail (null MX)") },
  { "mx-cname", "mx", FCT_SEVERITY_WARNING, 1.0,
    N_ ("An MX record points at an alias (CNAME)") },
  { "mx-ip-literal", "mx", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("An MX record names an IP address instead of a host") },
  { "mx-unresolvable", "mx", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("A mail server's name has no address") },
  { "mx-too-many", "mx", FCT_SEVERITY_INFO, 0.0,
    N_ ("More mail servers than the audit examines") },
  { "ptr-missing", "mx", FCT_SEVERITY_WARNING, 1.0,
    N_ ("A mail server address has no reverse DNS (PTR)") },
  { "ptr-mismatch", "mx", FCT_SEVERITY_WARNING, 0.5,
    N_ ("A mail server's reverse DNS does not point back to its address") },
  { "ptr-missing-inbound", "mx", FCT_SEVERITY_INFO, 0.0,
    N_ ("A receiving-only mail server address has no reverse DNS (PTR)") },
  /* SPF */
  { "spf-missing", "spf", FCT_SEVERITY_CRITICAL, 2.0, N_ ("No SPF record") },
  { "spf-multiple", "spf", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Several SPF records: SPF fails with permerror") },
  { "spf-syntax", "spf", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("The SPF record has a syntax error") },
  { "spf-too-many-lookups", "spf", FCT_SEVERITY_CRITICAL, 1.5,
    N_ ("The SPF record needs more than 10 DNS lookups") },
  { "spf-void-lookups", "spf", FCT_SEVERITY_WARNING, 1.0,
    N_ ("The SPF record names domains that do not exist") },
  { "spf-permissive-all", "spf", FCT_SEVERITY_WARNING, 1.5,
    N_ ("The SPF record lets any server send (+all or ?all)") },
  { "spf-lint", "spf", FCT_SEVERITY_WARNING, 0.5, N_ ("The SPF record has a weakness") },
  /* DKIM */
  { "dkim-missing", "dkim", FCT_SEVERITY_WARNING, 2.0, N_ ("No DKIM key found") },
  { "dkim-invalid", "dkim", FCT_SEVERITY_WARNING, 1.0,
    N_ ("A DKIM key record cannot be used") },
  { "dkim-weak-key", "dkim", FCT_SEVERITY_WARNING, 0.5,
    N_ ("DKIM key shorter than 2048 bits") },
  { "dkim-testing", "dkim", FCT_SEVERITY_WARNING, 0.5,
    N_ ("A DKIM key is in testing mode (t=y)") },
  { "dkim-revoked", "dkim", FCT_SEVERITY_INFO, 0.0, N_ ("A DKIM key is revoked") },
  /* DMARC */
  { "dmarc-missing", "dmarc", FCT_SEVERITY_CRITICAL, 2.0, N_ ("No DMARC record") },
  { "dmarc-invalid", "dmarc", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("The DMARC record is not valid") },
  { "dmarc-policy-none", "dmarc", FCT_SEVERITY_INFO, 0.3,
    N_ ("DMARC policy p=none: forged mail is not stopped") },
  { "dmarc-pct-partial", "dmarc", FCT_SEVERITY_WARNING, 0.5,
    N_ ("The DMARC policy applies to part of the mail only (pct)") },
  { "dmarc-sp-none", "dmarc", FCT_SEVERITY_WARNING, 0.5,
    N_ ("The DMARC policy for subdomains is none") },
  { "dmarc-rua-missing", "dmarc", FCT_SEVERITY_WARNING, 0.5,
    N_ ("The DMARC record asks for no aggregate reports") },
  { "dmarc-rua-unauthorized", "dmarc", FCT_SEVERITY_WARNING, 1.0,
    N_ ("A DMARC report address outside the domain has not accepted the reports") },
  { "dmarc-testing", "dmarc", FCT_SEVERITY_WARNING, 0.5,
    N_ ("The DMARC record is in testing mode (t=y): the policy is applied one level "
        "lower") },
  /* MTA-STS, TLS-RPT, DANE, BIMI */
  { "mta-sts-missing", "mta-sts", FCT_SEVERITY_INFO, 0.5, N_ ("No MTA-STS policy") },
  { "mta-sts-invalid", "mta-sts", FCT_SEVERITY_WARNING, 1.5,
    N_ ("The MTA-STS record or policy is not valid") },
  { "mta-sts-mx-mismatch", "mta-sts", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("A mail server is not allowed by the MTA-STS policy") },
  { "tls-rpt-missing", "tls-rpt", FCT_SEVERITY_INFO, 0.5, N_ ("No TLS-RPT record") },
  { "tls-rpt-invalid", "tls-rpt", FCT_SEVERITY_WARNING, 0.5,
    N_ ("The TLS-RPT record is not valid") },
  { "dane-without-dnssec", "dane", FCT_SEVERITY_WARNING, 1.0,
    N_ ("TLSA records are published in a zone without DNSSEC") },
  { "dane-mismatch", "dane", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("No TLSA record matches the mail server's certificate") },
  { "bimi-invalid", "bimi", FCT_SEVERITY_WARNING, 0.5,
    N_ ("The BIMI record is not valid") },
  { "bimi-without-enforcement", "bimi", FCT_SEVERITY_WARNING, 0.5,
    N_ ("BIMI is published but DMARC is not at enforcement") },
  /* Blocklists */
  { "ip-blocklisted", "blocklists", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("Sending server on a blocklist") },
  { "domain-blocklisted", "blocklists", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("The domain is on a blocklist") },
  /* STARTTLS */
  { "smtp-unreachable", "tls", FCT_SEVERITY_WARNING, 1.0,
    N_ ("A mail server could not be reached on the SMTP port") },
  { "smtp-untested", "tls", FCT_SEVERITY_INFO, 0.0,
    N_ ("The mail servers could not be tested from here (no connection on port 25)") },
  { "starttls-missing", "tls", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("A mail server does not offer STARTTLS") },
  { "tls-handshake-failed", "tls", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("A mail server offers STARTTLS but the TLS handshake fails") },
  { "tls-certificate-invalid", "tls", FCT_SEVERITY_WARNING, 1.0,
    N_ ("A mail server's certificate is not trusted or does not name it") },
  { "tls-certificate-expired", "tls", FCT_SEVERITY_WARNING, 1.5,
    N_ ("A mail server's certificate has expired") },
  { "tls-version-old", "tls", FCT_SEVERITY_WARNING, 0.5,
    N_ ("A mail server speaks only an old TLS version") },
};

const FctFindingWeight *
fct_finding_weights_domain (gsize *n_rows)
{
  *n_rows = G_N_ELEMENTS (rows);
  return rows;
}
