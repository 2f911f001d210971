/* facteur check — how the message came, when the checker is the receiving SMTP server:
 * without TLS (RFC 3207 STARTTLS not used), or with TLS 1.0/1.1 (deprecated by RFC 8996).
 * Nothing is said when the transport is not known (a message read from a file). */
#include "check-private.h"

#include <glib/gi18n-lib.h>

void
fct_check_transport_findings (const char *tls_version, FctFindings *findings)
{
  if (tls_version == NULL)
    return;
  if (*tls_version == '\0')
    {
      fct_findings_add (findings, "smtp-no-tls", "%s",
                        _ ("The sending server delivered this message in clear text, "
                           "without STARTTLS: anyone on the path could read it, and "
                           "receivers that require TLS refuse it. Enable STARTTLS on the "
                           "server that sends your mail."));
      return;
    }
  /* RFC 8996 §2 and §3: TLS 1.0 and 1.1 MUST NOT be used. */
  if (g_str_equal (tls_version, "TLSv1") || g_str_equal (tls_version, "TLSv1.0")
      || g_str_equal (tls_version, "TLSv1.1"))
    {
      FctFinding *f = fct_findings_add (
          findings, "smtp-tls-old",
          _ ("The sending server used %s, deprecated since 2021 (RFC 8996): some receivers "
             "refuse it. Enable TLS 1.2 or 1.3 on the server that sends your mail."),
          tls_version);
      fct_finding_set_evidence (f, tls_version);
    }
}
