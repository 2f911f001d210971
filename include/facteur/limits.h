/* facteur — every safety limit in one struct, passed in a context, never global.
 * Each default cites where it comes from. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  /* Raw message (src/lib/msg). */
  gsize message_max_bytes;      /* 64 MiB: larger than any provider accepts (Gmail 25 MB
                                   after encoding); guards memory, not policy */
  guint header_fields_max;      /* 1,000 fields: Postfix header_size_limit territory */
  gsize header_field_max_bytes; /* 64 KiB for one (folded) field: Postfix default */
  gsize line_max_bytes; /* 998: RFC 5322 §2.1.1; longer lines are flagged, not refused */

  /* DNS (src/lib/dns). */
  guint dns_timeout_ms;        /* 5,000 ms per query: RFC 7208 §4.6.4 suggests at
                                  least 20 s for a whole SPF check */
  guint dns_cache_entries_max; /* 10,000 answers in the process-wide cache */
  gsize dns_zone_max_bytes; /* 64 MiB zone file: guards memory, far above any mail zone */
  gsize dns_zone_line_max_bytes; /* 256 KiB per line: a 65,535-octet rdata (RFC 1035 §3.2.1)
                                    as \DDD */
  guint dns_zone_records_max;    /* 1,000,000 records in one zone file (memory bound) */

  /* SPF, RFC 7208 §4.6.4. */
  guint spf_dns_mechanisms_max; /* 10 terms that cause DNS queries */
  guint spf_void_lookups_max;   /* 2 void lookups */
  guint spf_mx_names_max;       /* 10 MX names per mx mechanism */
  guint spf_ptr_names_max;      /* 10 PTR names per ptr mechanism / %{p} */
  gsize spf_record_max_bytes;   /* 4,096: the EDNS buffer of RFC 6891 §6.2.5 */
  gsize spf_macro_max_bytes;    /* 4,096 out of one macro-string: 16x a name */

  /* DKIM / ARC. */
  guint dkim_signatures_max;   /* 10 signatures verified per message (rspamd-style cap) */
  guint dkim_header_items_max; /* 64 names in h= */
  guint arc_instances_max;     /* 50: RFC 8617 §4.2.1 */

  /* DMARC, RFC 9989 §4.10 DNS tree walk. */
  guint dmarc_tree_walk_max;    /* 8 queries */
  gsize dmarc_record_max_bytes; /* 4,096: the EDNS buffer of RFC 6891 §6.2.5, as SPF */
  guint authres_items_max;      /* 64 results per A-R field and properties per result;
                                   receivers write fewer than 10 (RFC 8601 §2.2 sets none) */

  /* MIME (src/lib/mime). */
  guint mime_depth_max; /* 32 nested multiparts */
  guint mime_parts_max; /* 1,000 parts */
  guint mime_links_max; /* 10,000 links kept: newsletters carry a few hundred */
  /* 4 MiB of decoded text read per part (Gmail clips HTML at 102 KB). */
  gsize mime_text_max_bytes;
  /* 10,000 archive members listed (zip-bomb guard, as ClamAV's MaxFiles). */
  guint archive_entries_max;
  /* 32 MiB: larger archives are not opened (ClamAV's MaxScanSize is 100 MB). */
  gsize archive_max_bytes;
  guint smtp_connect_timeout_ms; /* 10,000 ms: a probe gives up on a silent host sooner than
                                    a delivery */
  guint smtp_reply_timeout_ms; /* 30,000 ms per reply (RFC 5321 §4.5.3.2 allows minutes for
                                  delivery) */
  gsize smtp_reply_line_max_bytes; /* 2,048: RFC 5321 §4.5.3.1.5 says 512; Postfix
                                      line_length_limit */
  guint uribl_domains_max; /* check: 50 link domains per URI blocklist; a newsletter links a
                              dozen; caps DNS load */
  guint smtp_reply_lines_max;     /* 100 lines per reply: an EHLO reply lists a few dozen */
  gsize mta_sts_policy_max_bytes; /* 64 KiB: a policy is a few hundred bytes (RFC 8461
                                     §3.2); the cap of common MTA-STS clients */
  guint https_timeout_ms; /* 10,000 ms per HTTPS fetch: RFC 8461 §3.3 lets a sender wait a
                             minute; an audit is interactive */
  guint audit_mx_hosts_max; /* 16 exchangers examined per domain (addresses: 4 per
                               exchanger); no provider publishes more */

  /* Attachments (src/lib/analysis/attachments.c, src/lib/extract). */
  guint archive_depth_max; /* 8 archives inside archives: ClamAV's MaxRecursion is 17;
                              nobody nests more than two or three on purpose */
  /* 100: an archive expanding more than this many times its size, past
     archive_max_bytes, is a bomb: text and spreadsheets compress 5 to 20 times, deflate
     tops out near 1,032, 42.zip expands 10^6 times by nesting. */
  guint archive_ratio_max;
  /* Text extraction runs in a child process (facteur-extract) under these limits. A
     hostile PDF ends as a finding; the process that judges mail never runs it. */
  guint extract_timeout_ms;       /* 750 ms of wall clock for all the attachments of one
                                     message, so that a hostile one costs under a second;
                                     poppler reads a 50-page invoice in 0.1 s */
  gsize extract_memory_max_bytes; /* 512 MiB of address space for the child (poppler maps
                                     fonts; a PDF bomb is stopped well before) */
  gsize extract_text_max_bytes;   /* 1 MiB of text kept per attachment: a RIB is a page */
  guint extract_files_max;        /* 16 attachments and archive members read per
                                     message; the rest are listed but not read */
  /* facteur's own reader of PDF objects (src/lib/extract/pdfobj.c), which lists the
     embedded files instead of poppler (whose name-tree walk dereferences NULL). Past a
     limit the PDF is refused (attachment-unreadable), so none is below what readers
     accept; the bytes parsed are capped at 4 times the file and the inflated bytes. */
  guint extract_pdf_objects_max;    /* 262,144 indirect objects indexed: ISO 32000-1 Annex
                                       C.2 allows 8,388,607; a 1,000-page report has some
                                       20 per page */
  guint extract_pdf_values_max;     /* 1,000,000 values in one object (about 64 MiB of
                                       memory): a name-tree leaf holds a few hundred */
  guint extract_pdf_depth_max;      /* 500 nested arrays/dictionaries in one object, and
                                       name-tree levels (§7.9.6): poppler's recursionLimit
                                       (Parser.cc); writers nest under 10 */
  guint extract_pdf_name_nodes_max; /* 65,536 name-tree nodes visited: a balanced tree of
                                       a million names with fan-out 32 has ~32,000 leaves,
                                       mail attachments embed a handful */
  gsize extract_pdf_inflate_max_bytes; /* 16 MiB of object streams (§7.5.7) inflated per
                                          reader: real ones total a few MiB */
  /* The SMTP server (facteur serve): */
  gsize smtp_server_command_line_max; /* 2,048 bytes with CRLF: RFC 5321 §4.5.3.1.4 says
                                         512, extensions may add; Postfix
                                         line_length_limit */
  gsize smtp_server_text_line_max;    /* 1,000 bytes with CRLF (RFC 5321 §4.5.3.1.6) */
  gsize
      smtp_server_message_max_bytes; /* 50 MiB, the SIZE advertised: above every provider's
                                        limit, so that a tester can say which refuse it */
  guint smtp_server_recipients_max;  /* 100 (RFC 5321 §4.5.3.1.8) */
  guint smtp_server_errors_max;      /* 20 refused commands, then 421 (Postfix
                                        smtpd_hard_error_limit) */
  guint smtp_server_command_timeout_ms; /* 300,000 ms to send a whole command (RFC 5321
                                           §4.5.3.2.7), however it trickles in */
  guint smtp_server_data_timeout_ms;    /* 180,000 ms per line of message text (RFC 5321
                                           §4.5.3.2.5, data block) */
  gsize batch_line_max_bytes; /* 4,096 per batch input line: a path is at most 256 octets
                                 (RFC 5321 §4.5.3.1.3), a domain 253; CSV rows carry other
                                 columns too */
  /* DMARC aggregate, TLS-RPT and failure reports (src/lib/reports). */
  gsize reports_max_bytes;     /* 32 MiB of one report once decompressed: Google's largest
                                  aggregate reports for big senders run to a few MB */
  guint reports_ratio_max;     /* 200: past 1 MiB of output, a report expanding more than
                                  this many times its compressed size is a bomb (repetitive
                                  report XML compresses 20 to 60 times) */
  guint reports_xml_depth_max; /* 32 nested elements: the RFC 9990 schema nests 5, with
                                  extensions a few more */
  guint reports_records_max;   /* 1,000,000 <record> rows in one aggregate report: one
                                  row per source IP and result set per day */
  guint reports_archive_entries_max; /* 16 members in a zipped report: receivers send one */
  guint reports_json_depth_max;      /* 32 nested JSON values in a TLS-RPT report: RFC
                                        8460 §4.4 nests 5 */
} FctLimits;

/* Fills limits with the defaults above. */
void fct_limits_init (FctLimits *limits);

/* The defaults, read-only (transfer none). */
const FctLimits *fct_limits_default (void);

G_END_DECLS
