/* facteur — the domain audit's judgement of its mail servers as others see them: DANE
 * (RFC 7672, RFC 6698 §2.1 matching), DNS blocklists (RFC 5782) and the STARTTLS check
 * (RFC 3207, RFC 8996), each a finding with what to do (judge.c gathers them). */
#include "audit-private.h"

#include <glib/gi18n-lib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

static gboolean
has_records (const FctDnsAnswer *answer)
{
  return answer != NULL && fct_dns_answer_has_records (answer);
}

/* ---- DANE ------------------------------------------------------------------------ */

/* The bytes a TLSA record's selector names in a certificate (RFC 6698 §2.1.2): the whole
 * DER certificate (0) or its SubjectPublicKeyInfo (1). Returns (transfer full) or NULL. */
static GBytes *
tlsa_selected (GBytes *der, guint8 selector)
{
  if (selector == 0)
    return g_bytes_ref (der);
  gsize len = 0;
  const unsigned char *p = g_bytes_get_data (der, &len);
  X509 *cert = d2i_X509 (NULL, &p, (long)len);
  if (cert == NULL)
    return NULL;
  unsigned char *spki = NULL;
  int n = selector == 1 ? i2d_X509_PUBKEY (X509_get_X509_PUBKEY (cert), &spki) : -1;
  X509_free (cert);
  if (n <= 0)
    return NULL;
  GBytes *out = g_bytes_new (spki, (gsize)n);
  OPENSSL_free (spki);
  return out;
}

/* RFC 6698 §2.1.3: the data itself (0), its SHA-256 (1) or SHA-512 (2). */
static gboolean
tlsa_data_matches (const FctDnsRecord *r, GBytes *selected)
{
  gsize len = 0, want_len = 0;
  const guint8 *data = g_bytes_get_data (selected, &len);
  const guint8 *want = g_bytes_get_data (r->tlsa_data, &want_len);
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;

  if (r->tlsa_matching == 0)
    return len == want_len && memcmp (data, want, len) == 0;
  const EVP_MD *type = r->tlsa_matching == 1   ? EVP_sha256 ()
                       : r->tlsa_matching == 2 ? EVP_sha512 ()
                                               : NULL;
  if (type == NULL || EVP_Digest (data, len, md, &md_len, type, NULL) != 1)
    return FALSE;
  return md_len == want_len && memcmp (md, want, md_len) == 0;
}

/* Does a DANE-TA (2) or DANE-EE (3) record match what the server sent? DANE-EE matches
 * the leaf; DANE-TA one of the certificates of the chain as sent (RFC 7672 §3.1.1,
 * §3.1.2; the chain is not rebuilt here). PKIX usages 0 and 1 are not used for SMTP
 * (§3.1.3) and count as unusable. */
static gboolean
tlsa_usable (const FctDnsRecord *r)
{
  return r->tlsa_data != NULL && (r->tlsa_usage == 2 || r->tlsa_usage == 3)
         && r->tlsa_selector <= 1 && r->tlsa_matching <= 2;
}

static gboolean
tlsa_matches (const FctDnsRecord *r, const GPtrArray *chain)
{
  guint n = r->tlsa_usage == 3 ? MIN (chain->len, 1) : chain->len;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GBytes) selected
          = tlsa_selected (g_ptr_array_index (chain, i), r->tlsa_selector);
      if (selected != NULL && tlsa_data_matches (r, selected))
        return TRUE;
    }
  return FALSE;
}

void
fct_audit_judge_dane (Judge *j)
{
  for (guint i = 0; i < j->a->mx_hosts->len; i++)
    {
      AuditMx *mx = g_ptr_array_index (j->a->mx_hosts, i);
      if (mx->tlsa == NULL || fct_audit_judge_failed (j, mx->tlsa)
          || !has_records (mx->tlsa))
        continue;
      /* RFC 7672 §2.2: TLSA records count only when DNSSEC validates them. */
      if (mx->tlsa->dnssec == FCT_DNSSEC_INSECURE)
        {
          FctFinding *f = fct_findings_add (
              j->f, "dane-without-dnssec",
              _ ("_25._tcp.%s has TLSA records but its zone is not signed: senders ignore "
                 "DANE without DNSSEC (RFC 7672 §2.2). Sign the zone of %s, or remove the "
                 "records."),
              mx->host, mx->host);
          fct_finding_set_evidence (f, mx->host);
          continue;
        }
      /* Secure, or a zone file that does not validate: the records are compared with the
       * certificate all the same, since a mismatch stops DANE senders once signed. */
      const FctAuditTlsProbe *p = mx->probe;
      if (p == NULL || p->cert_chain == NULL || p->cert_chain->len == 0)
        continue;
      guint usable = 0;
      gboolean matched = FALSE;
      for (guint k = 0; k < mx->tlsa->records->len && !matched; k++)
        {
          const FctDnsRecord *r = g_ptr_array_index (mx->tlsa->records, k);
          if (!tlsa_usable (r))
            continue;
          usable++;
          matched = tlsa_matches (r, p->cert_chain);
        }
      if (usable > 0 && !matched)
        {
          FctFinding *f
              = fct_findings_add (j->f, "dane-mismatch",
                                  _ ("No TLSA record at _25._tcp.%s matches the "
                                     "certificate %s presents: senders "
                                     "that use DANE will not deliver to it (RFC 7672 §3). "
                                     "Publish the record of "
                                     "the current key before changing certificates."),
                                  mx->host, mx->host);
          GBytes *leaf = g_ptr_array_index (p->cert_chain, 0);
          g_autoptr (GBytes) spki = tlsa_selected (leaf, 1);
          if (spki != NULL)
            {
              g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, spki);
              g_autofree char *upper = g_ascii_strup (hex, -1);
              g_autofree char *fix
                  = g_strdup_printf ("_25._tcp.%s. TLSA 3 1 1 %s", mx->host, upper);
              fct_finding_set_fix (f, fix);
            }
          fct_finding_set_evidence (f, mx->host);
        }
    }
}

/* RFC 5782 §2.1: listed entries answer 127.0.0.0/8. Spamhaus answers 127.255.255.0/24
 * to say the query itself was refused (public resolver, over quota): not a listing. */
const FctDnsRecord *
fct_audit_listing (const FctDnsAnswer *answer)
{
  for (guint i = 0; has_records (answer) && i < answer->records->len; i++)
    {
      const FctDnsRecord *r = g_ptr_array_index (answer->records, i);
      if (r->addr[0] == 127 && !(r->addr[1] == 255 && r->addr[2] == 255))
        return r;
    }
  return NULL;
}

void
fct_audit_judge_blocklists (Judge *j)
{
  Audit *a = j->a;
  for (guint i = 0; i < a->mx_hosts->len; i++)
    {
      AuditMx *mx = g_ptr_array_index (a->mx_hosts, i);
      for (guint k = 0; k < mx->addresses->len; k++)
        {
          AuditAddress *addr = g_ptr_array_index (mx->addresses, k);
          for (guint l = 0; l < addr->blocklist->len; l++)
            {
              AuditListed *listed = g_ptr_array_index (addr->blocklist, l);
              const FctDnsRecord *r = fct_audit_listing (listed->answer);
              if (r == NULL)
                continue;
              FctFinding *f = fct_findings_add (
                  j->f, "ip-blocklisted",
                  _ ("The address %s of %s is listed on %s (answer 127.%u.%u.%u): "
                     "receivers "
                     "that use it refuse mail from this server. Find and stop the cause, "
                     "then ask the list for removal."),
                  addr->ip, mx->host, listed->zone, r->addr[1], r->addr[2], r->addr[3]);
              fct_finding_set_evidence (f, addr->ip);
            }
        }
    }
  for (guint i = 0; i < a->domain_listed->len; i++)
    {
      AuditListed *listed = g_ptr_array_index (a->domain_listed, i);
      const FctDnsRecord *r = fct_audit_listing (listed->answer);
      if (r == NULL)
        continue;
      FctFinding *f = fct_findings_add (
          j->f, "domain-blocklisted",
          _ ("%s is listed on %s (answer 127.%u.%u.%u): mail that names it, in any link or "
             "address, is likely refused. Find the cause, then ask the list for removal."),
          a->domain, listed->zone, r->addr[1], r->addr[2], r->addr[3]);
      fct_finding_set_evidence (f, listed->zone);
    }
}

/* ---- STARTTLS -------------------------------------------------------------------- */

void
fct_audit_judge_tls (Judge *j)
{
  /* When not one exchanger answered, the likeliest cause is on this side (port 25 is
   * blocked from most home, office and cloud networks): nothing was learnt about the
   * servers, and nothing is held against them. */
  const FctAuditTlsProbe *first_failure = NULL;
  guint tried = 0, greeted = 0;
  for (guint i = 0; i < j->a->mx_hosts->len; i++)
    {
      const FctAuditTlsProbe *p = ((AuditMx *)g_ptr_array_index (j->a->mx_hosts, i))->probe;
      if (p == NULL)
        continue;
      tried++;
      if (p->banner != NULL)
        greeted++;
      else if (first_failure == NULL)
        first_failure = p;
    }
  if (tried > 0 && greeted == 0)
    {
      const char *why = first_failure->error != NULL ? first_failure->error : "?";
      FctFinding *f
          = tried == 1
                ? fct_findings_add (
                    j->f, "smtp-untested",
                    _ ("The mail server could not be reached from here (%s: %s): port 25 "
                       "is often blocked on the way out. STARTTLS and certificates were "
                       "not checked; run the audit from a network that allows port 25."),
                    first_failure->host, why)
                : fct_findings_add (
                    j->f, "smtp-untested",
                    /* Plural forms: a language may treat 2, 5 or 21 apart. */
                    g_dngettext (GETTEXT_PACKAGE,
                                 "None of the %u mail server could be reached from here "
                                 "(first, %s: %s): port 25 is often blocked on the way "
                                 "out. STARTTLS and certificates were not checked; run the "
                                 "audit from a network that allows port 25.",
                                 "None of the %u mail servers could be reached from here "
                                 "(first, %s: %s): port 25 is often blocked on the way "
                                 "out. STARTTLS and certificates were not checked; run the "
                                 "audit from a network that allows port 25.",
                                 tried),
                    tried, first_failure->host, why);
      fct_finding_set_evidence (f, first_failure->host);
      return;
    }
  for (guint i = 0; i < j->a->mx_hosts->len; i++)
    {
      AuditMx *mx = g_ptr_array_index (j->a->mx_hosts, i);
      const FctAuditTlsProbe *p = mx->probe;
      FctFinding *f = NULL;
      if (p == NULL)
        continue;
      if (p->error != NULL && !p->starttls)
        f = fct_findings_add (j->f, "smtp-unreachable",
                              _ ("%s (%s) could not be checked: %s. Port 25 may be blocked "
                                 "from here; if not, the server is down."),
                              mx->host, p->ip, p->error);
      else if (!p->starttls)
        f = fct_findings_add (
            j->f, "starttls-missing",
            _ ("%s (%s) does not offer STARTTLS: mail to it travels in "
               "clear text and some senders refuse to deliver. Enable TLS "
               "in the mail server with a certificate for %s."),
            mx->host, p->ip, mx->host);
      else if (!p->tls)
        f = fct_findings_add (
            j->f, "tls-handshake-failed",
            _ ("%s (%s) offers STARTTLS but the TLS handshake fails (%s): "
               "senders fall back to clear text or give up."),
            mx->host, p->ip,
            p->tls_error != NULL ? p->tls_error : (p->error != NULL ? p->error : "?"));
      else
        {
          if (p->cert_expired)
            {
              g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (p->cert_not_after);
              g_autofree char *when = t != NULL ? g_date_time_format (t, "%Y-%m-%d") : NULL;
              f = fct_findings_add (
                  j->f, "tls-certificate-expired",
                  _ ("The certificate of %s expired on %s: senders that "
                     "verify (MTA-STS, DANE) will not deliver. Renew it."),
                  mx->host, when != NULL ? when : "?");
            }
          else if (!p->cert_trusted || !p->cert_name_ok)
            f = fct_findings_add (
                j->f, "tls-certificate-invalid",
                _ ("The certificate of %s is %s: senders that verify (MTA-STS) will not "
                   "deliver. Install a certificate from a public CA that names %s."),
                mx->host,
                !p->cert_trusted ? (p->cert_verify_error != NULL ? p->cert_verify_error
                                                                 : _ ("not trusted"))
                                 : _ ("for another name"),
                mx->host);
          if (p->tls_version != NULL
              && (g_str_equal (p->tls_version, "TLSv1")
                  || g_str_equal (p->tls_version, "TLSv1.1")
                  || g_str_equal (p->tls_version, "SSLv3")))
            {
              FctFinding *v = fct_findings_add (j->f, "tls-version-old",
                                                _ ("%s negotiates %s, which RFC 8996 "
                                                   "deprecates. Enable TLS 1.2 and 1.3."),
                                                mx->host, p->tls_version);
              fct_finding_set_evidence (v, mx->host);
            }
        }
      if (f != NULL)
        fct_finding_set_evidence (f, mx->host);
    }
}
