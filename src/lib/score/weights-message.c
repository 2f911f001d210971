/* facteur — the weights of `facteur check` findings (one message). Why each weight is
 * what it is: docs/SCORING.md. Ids are stable: renaming one breaks users' filters. */
#include <facteur/score.h>

#include <glib/gi18n-lib.h>

static const FctFindingWeight rows[] = {
  /* Authentication, headers, size, bulk, blocklists: src/lib/check. */
  { "spf-fail", "authentication", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("SPF fails: this server is not allowed to send for the sender's domain") },
  { "spf-softfail", "authentication", FCT_SEVERITY_WARNING, 1.5,
    N_ ("SPF soft-fails: the sender's domain probably does not allow this server") },
  { "spf-none", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("No SPF: the sender's domain lists no allowed servers") },
  /* Same as spf-none: RFC 7208 §8.2 makes the two results equivalent. */
  { "spf-neutral", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("SPF neutral: the sender's domain says nothing about this server") },
  { "spf-error", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("SPF error: the sender's SPF record cannot be evaluated") },
  { "dkim-none", "authentication", FCT_SEVERITY_WARNING, 1.5, N_ ("No DKIM signature") },
  { "dkim-fail", "authentication", FCT_SEVERITY_CRITICAL, 2.5,
    N_ ("DKIM fails: no signature verifies") },
  { "dkim-weak-key", "authentication", FCT_SEVERITY_WARNING, 0.5,
    N_ ("DKIM key shorter than 2048 bits") },
  { "dkim-sha1", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("DKIM signature with SHA-1") },
  { "dkim-body-length", "authentication", FCT_SEVERITY_WARNING, 0.5,
    N_ ("DKIM signature covers only part of the body (l=)") },
  { "dkim-unsigned-content", "authentication", FCT_SEVERITY_CRITICAL, 2.5,
    N_ ("A link or an IBAN follows the part of the body the DKIM signature covers"),
    FCT_THREAT_SUSPICIOUS },
  { "dmarc-none", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("No DMARC policy for the sender's domain") },
  { "dmarc-fail", "authentication", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("DMARC fails: the From domain is not authenticated"), FCT_THREAT_SUSPICIOUS },
  { "dmarc-error", "authentication", FCT_SEVERITY_WARNING, 1.0,
    N_ ("DMARC error: the From domain's policy cannot be evaluated") },
  { "dmarc-policy-none", "authentication", FCT_SEVERITY_INFO, 0.3,
    N_ ("DMARC policy p=none: forged mail is not stopped") },
  { "arc-fail", "authentication", FCT_SEVERITY_WARNING, 1.0, N_ ("Broken ARC chain") },
  { "header-missing-date", "headers", FCT_SEVERITY_WARNING, 1.0,
    N_ ("No valid Date field") },
  { "header-missing-message-id", "headers", FCT_SEVERITY_WARNING, 1.0,
    N_ ("No Message-ID field") },
  { "header-date-future", "headers", FCT_SEVERITY_WARNING, 1.0, N_ ("Date in the future") },
  { "header-multiple-from", "headers", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Several From fields"), FCT_THREAT_SUSPICIOUS }, /* shows one author, authenticates
                                                           another */
  { "header-from-invalid", "headers", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Missing or invalid From address") },
  /* A From written to show a name that no parser ties to an address. */
  { "header-from-disguised", "headers", FCT_SEVERITY_WARNING, 1.0,
    N_ ("From field built to show a name without a readable address"),
    FCT_THREAT_SUSPICIOUS },
  /* What follows the bad line escapes DKIM and DMARC yet may be displayed. */
  { "header-malformed-line", "headers", FCT_SEVERITY_WARNING, 1.5,
    N_ ("Malformed line in the header"), FCT_THREAT_SUSPICIOUS },
  { "header-8bit-unencoded", "headers", FCT_SEVERITY_WARNING, 0.5,
    N_ ("8-bit characters without encoding") },
  /* Padding a header past the parser's limits hides content from filters. */
  { "header-over-limits", "headers", FCT_SEVERITY_WARNING, 1.5,
    N_ ("Header over the limits: part of it was not read"), FCT_THREAT_SUSPICIOUS },
  /* How a file was saved, like LF line ends, which cost nothing: read as CRLF. */
  { "message-cr-line-ends", "headers", FCT_SEVERITY_INFO, 0.0,
    N_ ("Lines end with CR alone (old Mac format)") },
  { "size-over-limit", "size", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Message too large for some providers") },
  { "smtp-no-tls", "transport", FCT_SEVERITY_WARNING, 0.5, N_ ("Sent without TLS") },
  { "smtp-tls-old", "transport", FCT_SEVERITY_WARNING, 0.5,
    N_ ("Sent with an outdated TLS version") },
  { "unsubscribe-missing", "bulk", FCT_SEVERITY_WARNING, 1.5,
    N_ ("Bulk mail without List-Unsubscribe") },
  { "unsubscribe-one-click-missing", "bulk", FCT_SEVERITY_WARNING, 1.0,
    N_ ("Bulk mail without one-click unsubscription (RFC 8058)") },
  { "ip-blocklisted", "blocklists", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("Sending server on a blocklist") },
  { "link-domain-blocklisted", "blocklists", FCT_SEVERITY_CRITICAL, 3.0,
    N_ ("Link to a blocklisted domain"), FCT_THREAT_SUSPICIOUS },
  { "iban-new-for-sender", "fraud", FCT_SEVERITY_WARNING, 2.0,
    N_ ("Bank account never seen from this sender"),
    FCT_THREAT_DANGEROUS }, /* a sender that
                          paid elsewhere */
  /* The first IBAN of a sender with no history says nothing yet: it is recorded. */
  { "iban-first-for-sender", "fraud", FCT_SEVERITY_INFO, 0.0,
    N_ ("First bank account recorded for this sender") },
  /* The history could not be read: the report is given without it. */
  { "iban-history-unavailable", "fraud", FCT_SEVERITY_INFO, 0.0,
    N_ ("Bank-account history unavailable") },
  /* Content, phishing, fraud, attachments: src/lib/analysis. */
  /* Content: delivery hurts, no fraud implied. */
  { "html-only", "content", FCT_SEVERITY_WARNING,
    0.5, /* filters add ~1 point (MIME_HTML_ONLY) */
    N_ ("HTML without a plain-text version") },
  { "mime-broken", "content", FCT_SEVERITY_WARNING, 1.5, /* may not display at all */
    N_ ("Broken MIME structure") },
  { "image-only", "content", FCT_SEVERITY_WARNING, 1.0, /* image spam pattern; unreadable
                                                           with images blocked */
    N_ ("Message made of images with almost no text") },
  /* An OpenPGP signature in HTML with no signed text: a decoration of bulk fraud. */
  { "pgp-signature-fake", "content", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("PGP signature that signs nothing"), FCT_THREAT_SUSPICIOUS },
  { "link-ip-literal", "content", FCT_SEVERITY_WARNING,
    1.5, /* legitimate senders use names */
    N_ ("Link to a numeric IP address") },
  { "link-shortener", "content", FCT_SEVERITY_WARNING, 0.5, /* common in marketing too */
    N_ ("Link through a URL shortener") },
  { "link-javascript", "content", FCT_SEVERITY_CRITICAL,
    2.0, /* no use in mail but attack */
    N_ ("Link that runs a script"), FCT_THREAT_SUSPICIOUS },
  /* A pop-up of the sender's own page: broken in mail clients, not an attack. */
  { "link-javascript-popup", "content", FCT_SEVERITY_WARNING, 1.0,
    N_ ("Link that opens the sender's page through a script") },
  /* Phishing and spoofing: likely fraud when raised. */
  { "link-text-mismatch", "phishing", FCT_SEVERITY_CRITICAL, 2.5, /* the phishing pattern */
    N_ ("Link whose text shows another site than its target"), FCT_THREAT_SUSPICIOUS },
  { "link-punycode-lookalike", "phishing", FCT_SEVERITY_CRITICAL, 3.0, /* no innocent use */
    N_ ("Link to an international domain imitating another"), FCT_THREAT_DANGEROUS },
  { "display-name-spoof", "phishing", FCT_SEVERITY_CRITICAL, 2.0, /* shows a false sender */
    N_ ("Sender name showing another address or domain"), FCT_THREAT_SUSPICIOUS },
  { "lookalike-domain", "phishing", FCT_SEVERITY_CRITICAL, 4.0, /* deliberate imitation of a
                                                                  protected domain */
    N_ ("Sender domain imitating a protected domain"), FCT_THREAT_DANGEROUS },
  { "link-data-page", "phishing", FCT_SEVERITY_CRITICAL, 2.0, /* a page in the link */
    N_ ("Link carrying a whole web page (data:text/html)"), FCT_THREAT_SUSPICIOUS },
  { "link-lookalike-domain", "phishing", FCT_SEVERITY_CRITICAL, 3.0, /* registered to
                                                                       imitate */
    N_ ("Link to a domain imitating a protected domain or a brand"), FCT_THREAT_DANGEROUS },
  { "reply-to-lookalike-domain", "phishing", FCT_SEVERITY_CRITICAL, 3.0, /* answers to a
                                                                           fake */
    N_ ("Replies go to a domain imitating a protected domain or a brand"),
    FCT_THREAT_DANGEROUS },
  { "display-name-brand", "phishing", FCT_SEVERITY_CRITICAL, 2.0, /* borrowed name */
    N_ ("Sender name of a brand, from another domain"), FCT_THREAT_SUSPICIOUS },
  { "link-brand-elsewhere", "phishing", FCT_SEVERITY_CRITICAL, 2.0, /* the button of a
                                                                      fake brand mail */
    N_ ("Button of a brand's message leading outside the brand"), FCT_THREAT_SUSPICIOUS },
  { "link-form-external", "phishing", FCT_SEVERITY_CRITICAL, 2.0, /* credentials posted */
    N_ ("Form posting outside the sender's domain"), FCT_THREAT_SUSPICIOUS },
  { "link-domain-in-path", "phishing", FCT_SEVERITY_CRITICAL,
    2.0, /* bank name as a folder */
    N_ ("Link showing a domain name in its path"), FCT_THREAT_SUSPICIOUS },
  { "text-lookalike-letters", "phishing", FCT_SEVERITY_CRITICAL, 2.0, /* evasion */
    N_ ("Sender name or subject written with look-alike letters"), FCT_THREAT_SUSPICIOUS },
  /* A login, payment or document button, a form or a brand, on free hosting or IPFS. */
  { "link-free-hosting", "phishing", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Lure leading to a page on free hosting or IPFS"), FCT_THREAT_SUSPICIOUS },
  /* A bare IP address with its own port, a login path or a borrowed name. */
  { "link-ip-login", "phishing", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Link to a login page on a bare IP address"), FCT_THREAT_SUSPICIOUS },
  /* A sign-in path over plain HTTP on a port of its own, outside the sender. */
  { "link-login-port", "phishing", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Link to a sign-in page on plain HTTP at a port of its own"),
    FCT_THREAT_SUSPICIOUS },
  /* Two targets for one image: the anchor's shown, the area's followed. */
  { "link-image-map-decoy", "phishing", FCT_SEVERITY_CRITICAL, 2.5,
    N_ ("Image link showing one site and opening another"), FCT_THREAT_SUSPICIOUS },
  { "link-tracker-unverifiable", "phishing", FCT_SEVERITY_INFO, 0.0, /* newsletters do it */
    N_ ("Link through a click tracker to a site that cannot be checked") },
  { "reply-to-divergent", "phishing", FCT_SEVERITY_WARNING,
    0.5, /* mailing services do it */
    N_ ("Replies go to another organization") },
  { "reply-to-divergent-free-mail", "phishing", FCT_SEVERITY_CRITICAL, 2.0, /* CEO fraud */
    N_ ("Replies go to a free mailbox of another organization"), FCT_THREAT_SUSPICIOUS },
  /* A brand's name or subject, replies to neither the sender nor the brand. */
  { "reply-to-brand-elsewhere", "phishing", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Replies go away from the brand the message speaks for"), FCT_THREAT_SUSPICIOUS },
  /* Written from a free mailbox, answered at an organisation that did not send it. */
  { "reply-to-divergent-from-free-mail", "phishing", FCT_SEVERITY_CRITICAL, 2.0,
    N_ ("Sent from a free mailbox, replies to another organization"),
    FCT_THREAT_SUSPICIOUS },
  { "phishing-account-lure", "phishing", FCT_SEVERITY_CRITICAL, 2.0, /* credential lure */
    N_ ("Account threatened or to confirm, with a link to another organisation"),
    FCT_THREAT_SUSPICIOUS },
  /* Bank-details fraud. */
  { "iban-present", "fraud", FCT_SEVERITY_INFO,
    0.0, /* invoices carry IBANs: context only */
    N_ ("Bank account number (IBAN) in the message") },
  { "bank-details-change", "fraud", FCT_SEVERITY_CRITICAL,
    3.0, /* the invoice-fraud script */
    N_ ("Announcement of new bank details"), FCT_THREAT_DANGEROUS },
  /* A transfer asked for urgently and in secret: the CEO fraud's script. */
  { "transfer-request-secret", "fraud", FCT_SEVERITY_WARNING, 2.0,
    N_ ("Urgent and secret request for a transfer"), FCT_THREAT_SUSPICIOUS },
  /* Gift cards asked with secrecy or for their codes: the CEO fraud's cheaper script. */
  { "gift-card-request", "fraud", FCT_SEVERITY_WARNING, 2.0,
    N_ ("Request to buy gift cards, as in the CEO fraud"), FCT_THREAT_SUSPICIOUS },
  { "iban-country-mismatch", "fraud", FCT_SEVERITY_WARNING, 1.5, /* mule accounts abroad */
    N_ ("Bank account in another country than the sender"), FCT_THREAT_SUSPICIOUS },
  { "scam-advance-fee", "fraud", FCT_SEVERITY_CRITICAL, 2.0, /* the "419" letter */
    N_ ("Advance-fee story: a share of millions waiting"), FCT_THREAT_SUSPICIOUS },
  { "scam-sextortion", "fraud", FCT_SEVERITY_CRITICAL, 2.0, /* bulk extortion */
    N_ ("Bitcoin demanded under a threat (sextortion)"), FCT_THREAT_SUSPICIOUS },
  /* Bulk bait from a sender that hides who it is (src/lib/analysis/lures.c). */
  { "scam-prize-lure", "fraud", FCT_SEVERITY_CRITICAL, 2.0, /* "you have won" */
    N_ ("Prize or reward to claim, from a deceptive sender"), FCT_THREAT_SUSPICIOUS },
  { "scam-crypto-giveaway", "fraud", FCT_SEVERITY_CRITICAL, 2.0, /* wallet drainers */
    N_ ("Crypto airdrop or giveaway, from a deceptive sender"), FCT_THREAT_SUSPICIOUS },
  { "phishing-delivery-lure", "phishing", FCT_SEVERITY_CRITICAL, 2.0, /* card harvest */
    N_ ("Parcel held or a delivery fee, from a deceptive sender"), FCT_THREAT_SUSPICIOUS },
  { "scam-casino-bonus", "fraud", FCT_SEVERITY_WARNING, 1.5, /* unlicensed casinos */
    N_ ("Casino bonus, from a deceptive sender"), FCT_THREAT_SUSPICIOUS },
  { "scam-dating-lure", "fraud", FCT_SEVERITY_WARNING, 1.5, /* fake profiles */
    N_ ("Adult dating invitation, from a deceptive sender"), FCT_THREAT_SUSPICIOUS },
  /* Attachments. */
  { "attachment-executable", "attachments", FCT_SEVERITY_CRITICAL, 4.0, /* runs on open */
    N_ ("Program attached"), FCT_THREAT_DANGEROUS },
  { "attachment-double-extension", "attachments", FCT_SEVERITY_CRITICAL, 4.0, /* a trap */
    N_ ("Program disguised as a document"), FCT_THREAT_DANGEROUS },
  { "attachment-macro", "attachments", FCT_SEVERITY_WARNING, 2.0, /* top malware vector */
    N_ ("Office document with macros"), FCT_THREAT_SUSPICIOUS },
  { "attachment-archive-executable", "attachments", FCT_SEVERITY_CRITICAL,
    3.5, /* program in
            a zip */
    N_ ("Archive containing a program"), FCT_THREAT_DANGEROUS },
  { "attachment-encrypted-archive", "attachments", FCT_SEVERITY_WARNING, 2.0, /* hides from
                                                                                 filters */
    N_ ("Encrypted archive"), FCT_THREAT_SUSPICIOUS },
  { "attachment-html", "attachments", FCT_SEVERITY_WARNING,
    1.5, /* local fake login pages */
    N_ ("Web page attached"), FCT_THREAT_SUSPICIOUS },
  { "attachment-disk-image", "attachments", FCT_SEVERITY_WARNING, 2.0, /* bypasses MOTW */
    N_ ("Disk image attached"), FCT_THREAT_SUSPICIOUS },
  { "attachment-onenote", "attachments", FCT_SEVERITY_WARNING, 2.0, /* script lure */
    N_ ("OneNote notebook attached"), FCT_THREAT_SUSPICIOUS },
  { "attachment-type-mismatch", "attachments", FCT_SEVERITY_WARNING, 2.0, /* name lies */
    N_ ("Attachment whose content is not what its name says"), FCT_THREAT_SUSPICIOUS },
  { "attachment-xlm-macro", "attachments", FCT_SEVERITY_CRITICAL, 3.5, /* dropper */
    N_ ("Spreadsheet with hidden or self-starting Excel 4.0 macros"),
    FCT_THREAT_DANGEROUS },
  { "attachment-pdf-javascript", "attachments", FCT_SEVERITY_WARNING, 1.5, /* forms too */
    N_ ("PDF with JavaScript"), FCT_THREAT_SUSPICIOUS },
  { "attachment-pdf-launch", "attachments", FCT_SEVERITY_CRITICAL,
    3.5, /* starts a program */
    N_ ("PDF that can start a program"), FCT_THREAT_DANGEROUS },
  { "attachment-encrypted-document", "attachments", FCT_SEVERITY_WARNING, 1.5, /* hides
                                                                                  from
                                                                                  filters */
    N_ ("Password-protected Office document"), FCT_THREAT_SUSPICIOUS },
  { "attachment-archive-bomb", "attachments", FCT_SEVERITY_WARNING, 2.0, /* exhausts
                                                                            filters */
    N_ ("Archive nested too deep or unpacking far too much"), FCT_THREAT_SUSPICIOUS },
  { "attachment-archive-limit", "attachments", FCT_SEVERITY_INFO, 0.0, /* context */
    N_ ("Attachment not inspected completely") },
  { "attachment-unreadable", "attachments", FCT_SEVERITY_INFO, 0.0, /* context */
    N_ ("Attachment text could not be read") },
};

/* One table for the command line and the web pages, so that both show the same
 * headings in the same order. */
static const FctReportSection sections[] = {
  { "authentication", N_ ("Authentication") },
  { "headers", N_ ("Header fields") },
  { "size", N_ ("Size") },
  { "transport", N_ ("Transport (TLS)") },
  { "content", N_ ("Content") },
  { "phishing", N_ ("Phishing and spoofing") },
  { "fraud", N_ ("Fraud and scams") },
  { "attachments", N_ ("Attachments") },
  { "bulk", N_ ("Bulk mail") },
  { "blocklists", N_ ("Blocklists") },
};

const FctReportSection *
fct_report_sections (gsize *n_sections)
{
  *n_sections = G_N_ELEMENTS (sections);
  return sections;
}

const FctFindingWeight *
fct_finding_weights_message (gsize *n_rows)
{
  *n_rows = G_N_ELEMENTS (rows);
  return rows;
}
