/* facteur check — authentication findings from the SPF (RFC 7208 §2.6), DKIM (RFC 6376,
 * RFC 8301), DMARC (RFC 9989) and ARC (RFC 8617 §4.4) verdicts, and the
 * Authentication-Results value that records them (RFC 8601 §2.7). */
#include "check-private.h"

#include <facteur/authres.h>
#include <glib/gi18n-lib.h>
#include <string.h>

static void
spf_findings (const FctCheckReport *report, FctFindings *findings)
{
  const FctSpfVerdict *spf = report->spf;
  FctFinding *f = NULL;

  if (spf == NULL)
    {
      fct_findings_add (findings, "spf-none", "%s",
                        _ ("SPF was not checked: neither an envelope sender (--mail-from, "
                           "Return-Path) nor a HELO name was given."));
      return;
    }
  switch (spf->result)
    {
    case FCT_SPF_RESULT_FAIL:
      f = fct_findings_add (findings, "spf-fail",
                            _ ("%s does not allow %s to send its mail (%s). Add this "
                               "server to the SPF record, or send through one it lists."),
                            spf->domain, report->client_ip,
                            spf->mechanism != NULL ? spf->mechanism : spf->reason);
      break;
    case FCT_SPF_RESULT_SOFTFAIL:
      f = fct_findings_add (findings, "spf-softfail",
                            _ ("%s's SPF record says %s is probably not allowed to send "
                               "(%s). Add this server to the record."),
                            spf->domain, report->client_ip,
                            spf->mechanism != NULL ? spf->mechanism : spf->reason);
      break;
    case FCT_SPF_RESULT_NONE:
      f = fct_findings_add (findings, "spf-none",
                            _ ("%s publishes no SPF record: publish one listing the "
                               "servers that send its mail, such as \"v=spf1 mx -all\"."),
                            spf->domain != NULL ? spf->domain : "?");
      break;
    case FCT_SPF_RESULT_TEMPERROR:
    case FCT_SPF_RESULT_PERMERROR:
      f = fct_findings_add (findings, "spf-error",
                            _ ("SPF could not be evaluated for %s (%s): %s"),
                            spf->domain != NULL ? spf->domain : "?",
                            fct_spf_result_to_string (spf->result), spf->reason);
      break;
    case FCT_SPF_RESULT_NEUTRAL:
      /* RFC 7208 §8.2: "neutral" MUST be treated exactly like "none". */
      f = fct_findings_add (findings, "spf-neutral",
                            _ ("%s's SPF record makes no statement about %s (%s), which "
                               "receivers treat as no SPF: end it with -all or ~all once "
                               "every sending server is listed."),
                            spf->domain, report->client_ip,
                            spf->mechanism != NULL ? spf->mechanism : spf->reason);
      break;
    case FCT_SPF_RESULT_PASS:
      break;
    }
  /* The reason names the mechanism or the error; "none" says all in its sentence. */
  if (f != NULL && spf->reason != NULL && spf->result != FCT_SPF_RESULT_NONE)
    fct_finding_set_evidence (f, spf->reason);
}

/* TRUE when every signature's key record says t=y (testing). */
static gboolean
only_testing_signatures (const FctDkimVerifyResult *dkim)
{
  for (guint i = 0; i < dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (dkim->signatures, i);
      if (!(s->risks & FCT_DKIM_RISK_TESTING))
        return FALSE;
    }
  return dkim->signatures->len > 0;
}

static void
dkim_findings (const FctCheckReport *report, FctFindings *findings)
{
  const FctDkimVerifyResult *dkim = report->dkim;
  const FctDkimSignatureResult *weak = NULL, *sha1 = NULL, *length = NULL;
  gboolean pass = FALSE;

  /* A header the verifier could not read whole may hide signatures (one after padding
   * past the field limit): no signature is verified, and that is a failure, not an
   * unsigned message (header-over-limits says what was over). */
  if (dkim->incomplete != NULL)
    {
      FctFinding *f = fct_findings_add (
          findings, "dkim-fail",
          _ ("No DKIM signature can be verified: %s. A signature the header hides counts "
             "as failed, never as absent."),
          dkim->incomplete);
      fct_finding_set_evidence (f, dkim->incomplete);
      return;
    }
  if (dkim->signatures->len == 0)
    {
      fct_findings_add (findings, "dkim-none", "%s",
                        _ ("The message has no DKIM signature: sign it with a key "
                           "published under the From domain (facteur dkim keygen)."));
      return;
    }
  for (guint i = 0; i < dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (dkim->signatures, i);
      pass |= s->result == FCT_DKIM_RESULT_PASS;
      if (weak == NULL && s->key_type == FCT_DKIM_KEY_TYPE_RSA && s->key_bits > 0
          && s->key_bits < 2048)
        weak = s;
      if (sha1 == NULL && s->algorithm_id == FCT_DKIM_ALGORITHM_RSA_SHA1)
        sha1 = s;
      if (length == NULL && s->has_body_length)
        length = s;
    }
  if (!pass && only_testing_signatures (dkim))
    {
      /* RFC 6376 §3.6.1 t=y: verifiers MUST NOT treat messages from signers in testing
       * mode differently from unsigned mail, even should the signature fail. */
      const FctDkimSignatureResult *s = g_ptr_array_index (dkim->signatures, 0);
      fct_findings_add (findings, "dkim-none",
                        _ ("The only DKIM signature (d=%s) comes from a key in testing "
                           "mode (t=y) and does not verify, so the message counts as "
                           "unsigned (RFC 6376 §3.6.1). Fix the signature, then remove "
                           "t=y from the key record."),
                        s->domain != NULL ? s->domain : "?");
    }
  else if (!pass)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (dkim->signatures, 0);
      FctFinding *f = fct_findings_add (
          findings, "dkim-fail",
          _ ("No DKIM signature verifies (d=%s: %s, %s). Check that the message is not "
             "changed after signing and that the key in DNS matches."),
          s->domain != NULL ? s->domain : "?", fct_dkim_result_to_string (s->result),
          s->reason);
      fct_finding_set_evidence (f, s->reason);
    }
  if (weak != NULL)
    fct_findings_add (findings, "dkim-weak-key",
                      _ ("The DKIM key of %s is RSA %u bits; RFC 8301 §3.2 asks for at "
                         "least 2048. Publish a 2048-bit key (facteur dkim keygen)."),
                      weak->domain != NULL ? weak->domain : "?", weak->key_bits);
  if (sha1 != NULL)
    fct_findings_add (findings, "dkim-sha1",
                      _ ("The DKIM signature of %s uses rsa-sha1, which RFC 8301 §3.1 "
                         "forbids: receivers treat it as unsigned. Sign with rsa-sha256."),
                      sha1->domain != NULL ? sha1->domain : "?");
  if (length != NULL)
    {
      if (length->body_unsigned > 0)
        fct_findings_add (findings, "dkim-body-length",
                          _ ("The DKIM signature of %s covers only the first %llu"
                             " bytes of the body (l=) and %llu"
                             " follow unsigned: anyone may have added them (RFC 6376 "
                             "§8.2). Sign without l=."),
                          length->domain != NULL ? length->domain : "?",
                          (unsigned long long)length->body_length,
                          (unsigned long long)length->body_unsigned);
      else
        fct_findings_add (findings, "dkim-body-length",
                          _ ("The DKIM signature of %s has a body length (l=): content "
                             "appended later would still verify (RFC 6376 §8.2). Sign "
                             "without l=."),
                          length->domain != NULL ? length->domain : "?");
    }
}

/* The first link in text: from "http://", "https://" or "www." to the next space,
 * quote or angle bracket, at most 200 bytes (transfer full), or NULL. */
static char *
find_link (const char *text, gsize len)
{
  static const char *const starts[] = { "https://", "http://", "www." };

  for (gsize i = 0; i < len; i++)
    for (gsize k = 0; k < G_N_ELEMENTS (starts); k++)
      {
        gsize n = strlen (starts[k]);
        if (i + n > len || g_ascii_strncasecmp (text + i, starts[k], n) != 0
            || (k == 2 && i > 0 && g_ascii_isalnum (text[i - 1])))
          continue;
        gsize end = i + n;
        while (end < len && end - i < 200 && !g_ascii_isspace (text[end])
               && strchr ("\"'<>", text[end]) == NULL)
          end++;
        return g_utf8_make_valid (text + i, (gssize)(end - i));
      }
  return NULL;
}

void
fct_check_body_length_findings (const FctMsg *msg, const FctDkimVerifyResult *dkim,
                                FctFindings *findings)
{
  FctSlice body = fct_msg_get_body (msg);

  for (guint i = 0; i < dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (dkim->signatures, i);
      gboolean covered = FALSE;

      if (s->result != FCT_DKIM_RESULT_PASS || s->body_unsigned == 0)
        continue;
      /* The same domain also signed the whole body: nothing is unauthenticated. */
      for (guint k = 0; k < dkim->signatures->len && !covered; k++)
        {
          const FctDkimSignatureResult *o = g_ptr_array_index (dkim->signatures, k);
          covered = o->result == FCT_DKIM_RESULT_PASS && o->body_unsigned == 0
                    && g_strcmp0 (o->domain, s->domain) == 0;
        }
      if (covered)
        continue;
      /* RFC 6376 §8.2: what follows l= is anyone's. A link or an IBAN there is how the
       * attack is written: the message still shows a valid signature of the sender. The
       * tail is read as sent (transfer encodings not decoded): anything else that follows
       * unsigned is dkim-body-length. 1 MiB is more than any footer or forged block. */
      g_autoptr (GBytes) tail
          = fct_dkim_body_unsigned_tail (s->body_canon, body, s->body_length, 1 << 20);
      gsize len = 0;
      const char *text = g_bytes_get_data (tail, &len);
      g_autofree char *link = find_link (text, len);
      g_autofree char *iban = link == NULL ? fct_analysis_find_iban (text, len) : NULL;
      if (link == NULL && iban == NULL)
        continue;
      FctFinding *f = fct_findings_add (
          findings, "dkim-unsigned-content",
          link != NULL
              ? _ ("The DKIM signature of %s covers only the first %llu bytes of the body "
                   "(l=); after them comes a link that no signature covers (%s): anyone "
                   "may have added it (RFC 6376 §8.2). Do not trust it as coming from %s.")
              : _ ("The DKIM signature of %s covers only the first %llu bytes of the body "
                   "(l=); after them comes an IBAN that no signature covers (%s): anyone "
                   "may have added it (RFC 6376 §8.2). Do not trust it as coming from %s."),
          s->domain != NULL ? s->domain : "?", (unsigned long long)s->body_length,
          link != NULL ? link : iban, s->domain != NULL ? s->domain : "?");
      fct_finding_set_evidence (f, link != NULL ? link : iban);
      return;
    }
}

static void
dmarc_findings (const FctCheckReport *report, FctFindings *findings)
{
  const FctDmarcVerdict *d = report->dmarc;

  if (d == NULL)
    {
      /* The evaluation could not run at all (no public suffix list in legacy mode):
       * the From domain is not authenticated either. */
      if (report->dmarc_error != NULL)
        fct_findings_add (findings, "dmarc-error",
                          _ ("DMARC could not be evaluated: %s. The From address is not "
                             "authenticated."),
                          report->dmarc_error);
      return;
    }
  switch (d->result)
    {
    case FCT_DMARC_RESULT_NONE:
      fct_findings_add (findings, "dmarc-none",
                        _ ("%s publishes no DMARC policy: publish _dmarc.%s TXT "
                           "\"v=DMARC1; p=none; rua=mailto:...\" and move to quarantine "
                           "once reports are clean."),
                        d->author_domain != NULL ? d->author_domain : "?",
                        d->author_domain != NULL ? d->author_domain : "?");
      return;
    case FCT_DMARC_RESULT_FAIL:
      {
        FctFinding *f = fct_findings_add (
            findings, "dmarc-fail",
            _ ("DMARC fails for %s (policy %s): neither SPF nor DKIM passes for a domain "
               "aligned with the From address, so receivers apply the policy. If the "
               "message is genuine, sign it with the From domain's DKIM key."),
            d->author_domain != NULL ? d->author_domain : "?",
            d->policy != FCT_DMARC_POLICY_UNSET ? fct_dmarc_policy_to_string (d->policy)
                                                : "none");
        fct_finding_set_evidence (f, d->reason);
        break;
      }
    case FCT_DMARC_RESULT_TEMPERROR:
    case FCT_DMARC_RESULT_PERMERROR:
      {
        /* Without an author domain the From field itself is at fault, which
         * header-from-invalid or header-multiple-from already says. Otherwise the
         * policy could not be applied (a broken record: RFC 9989 §4.10.1; a failed
         * query: §5.3.6), so nothing authenticates the From address, whatever SPF and
         * DKIM passed for other domains. */
        if (d->author_domain == NULL)
          break;
        FctFinding *f = fct_findings_add (
            findings, "dmarc-error",
            _ ("DMARC could not be evaluated for %s (%s), so the From address is not "
               "authenticated. %s"),
            d->author_domain, fct_dmarc_result_to_string (d->result),
            d->result == FCT_DMARC_RESULT_PERMERROR
                ? _ ("Fix the domain's DMARC record: receivers ignore it as it is.")
                : _ ("A DNS query the evaluation needed did not complete: check the "
                     "DNS servers named in the evidence."));
        fct_finding_set_evidence (f, d->reason);
        break;
      }
    case FCT_DMARC_RESULT_PASS:
      break;
    }
  if (d->record != NULL && d->policy == FCT_DMARC_POLICY_NONE)
    fct_findings_add (findings, "dmarc-policy-none",
                      _ ("The DMARC policy of %s is p=none: receivers are asked to do "
                         "nothing with forged mail. Move to p=quarantine, then "
                         "p=reject, once the reports show every source aligned."),
                      d->policy_domain != NULL ? d->policy_domain : d->author_domain);
}

void
fct_check_auth_findings (const FctCheckReport *report, FctFindings *findings)
{
  spf_findings (report, findings);
  dkim_findings (report, findings);
  dmarc_findings (report, findings);
  if (report->arc->cv == FCT_ARC_CV_FAIL)
    {
      FctFinding *f
          = fct_findings_add (findings, "arc-fail",
                              _ ("The ARC chain is broken (%s): the forwarding path "
                                 "cannot be trusted to vouch for the original results."),
                              _ (report->arc->reason));
      fct_finding_set_evidence (f, report->arc->reason);
    }
}

static const char *
policy_word (const FctDmarcVerdict *v, FctDmarcPolicy p)
{
  return v->policy != FCT_DMARC_POLICY_UNSET ? fct_dmarc_policy_to_string (p) : NULL;
}

char *
fct_check_authres_build (const FctCheckReport *report, const char *authserv_id,
                         const char *ip, const char *helo)
{
  g_autoptr (FctAuthres) ar = fct_authres_new (authserv_id);

  /* What the time budget cut short says so (RFC 8601 §2.7: a reason for a result). */
  if (report->spf != NULL && (report->cut_short & FCT_CHECK_CUT_SPF))
    fct_authres_result_set_reason (
        fct_authres_add_spf (ar, fct_spf_result_to_string (report->spf->result),
                             report->mail_from, helo),
        report->spf->reason);
  else if (report->spf != NULL)
    fct_authres_add_spf (ar, fct_spf_result_to_string (report->spf->result),
                         report->mail_from, helo);
  else
    fct_authres_add (ar, "spf", "none");
  for (guint i = 0; i < report->dkim->signatures->len; i++)
    {
      const FctDkimSignatureResult *s = g_ptr_array_index (report->dkim->signatures, i);
      FctAuthresResult *r = fct_authres_add_dkim (ar, fct_dkim_result_to_string (s->result),
                                                  s->domain, s->selector, s->b_prefix);
      if (s->result != FCT_DKIM_RESULT_PASS)
        fct_authres_result_set_reason (r, s->reason);
    }
  /* Signatures a header not read whole may hide fail closed, as the verifier's summary. */
  if (report->dkim->signatures->len == 0 && report->dkim->incomplete != NULL)
    fct_authres_result_set_reason (fct_authres_add (ar, "dkim", "permerror"),
                                   report->dkim->incomplete);
  else if (report->dkim->signatures->len == 0)
    fct_authres_add (ar, "dkim", "none");
  if (report->dmarc != NULL)
    fct_authres_add_dmarc (ar, fct_dmarc_result_to_string (report->dmarc->result),
                           report->dmarc->author_domain,
                           policy_word (report->dmarc, report->dmarc->policy),
                           policy_word (report->dmarc, report->dmarc->disposition));
  else
    fct_authres_add (ar, "dmarc", "permerror");
  FctAuthresResult *arc
      = fct_authres_add_arc (ar, fct_arc_cv_to_string (report->arc->cv), ip);
  if (report->cut_short & FCT_CHECK_CUT_ARC)
    fct_authres_result_set_reason (arc, report->arc->reason);
  return fct_authres_to_string (ar, FALSE);
}
