/* facteur check — the message's size as a receiving server counts it (encoded: base64
 * grows content by 4/3 plus a CRLF every 76 characters, RFC 2045 §6.8) against the
 * limits common providers publish; docs/SCORING.md ("Size") gives the table's sources. */
#include "check-private.h"

#include <glib/gi18n-lib.h>

#define MiB (1024 * 1024)

/* The largest message each accepts, encoded, headers included, sorted smallest first.
 * Published limits (help pages, 2024); providers change them: docs/SCORING.md. */
static const FctCheckSizeLimit limits_table[] = {
  { "Outlook.com / Hotmail", 20 * MiB },
  { "iCloud Mail", 20 * MiB },
  { "Yahoo Mail / AOL", 25 * MiB },
  { "Orange", 25 * MiB },
  { "Microsoft 365 (Exchange Online default)", 36 * MiB },
  { "Gmail / Google Workspace", 50 * MiB },
  { "Free", 50 * MiB },
  { "OVHcloud (MX Plan)", 100 * MiB },
};

const FctCheckSizeLimit *
fct_check_size_limits (gsize *n_rows)
{
  *n_rows = G_N_ELEMENTS (limits_table);
  return limits_table;
}

/* RFC 2045 §6.8: 4 characters per 3 bytes, lines of at most 76 characters. */
static gsize
base64_size (gsize n)
{
  gsize chars = (n / 3 + (n % 3 != 0)) * 4;
  return chars + (chars / 76 + 1) * 2;
}

gsize
fct_check_received_size (const FctMsg *msg)
{
  gsize total = g_bytes_get_size (fct_msg_get_bytes (msg));
  FctSlice body = fct_msg_get_body (msg);

  /* 8-bit content meets a relay without 8BITMIME (RFC 6152 §3) that must encode it;
   * count it as base64, the worst case, so the estimate does not promise too much. */
  if (fct_msg_get_flags (msg) & (FCT_MSG_FLAG_8BIT_BODY | FCT_MSG_FLAG_NUL))
    total = total - body.len + base64_size (body.len);
  return total;
}

void
fct_check_size_findings (gsize received_size, FctFindings *findings)
{
  g_autoptr (GString) refusing = g_string_new (NULL);
  guint n = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (limits_table); i++)
    if (received_size > limits_table[i].max_bytes)
      {
        g_autofree char *limit
            = g_format_size_full (limits_table[i].max_bytes, G_FORMAT_SIZE_IEC_UNITS);
        if (n++ > 0)
          g_string_append (refusing, ", ");
        g_string_append_printf (refusing, "%s (%s)", limits_table[i].provider, limit);
      }
  if (n == 0)
    return;
  g_autofree char *size = g_format_size_full (received_size, G_FORMAT_SIZE_IEC_UNITS);
  FctFinding *f = fct_findings_add (
      findings, "size-over-limit",
      _ ("The message weighs %s as received (attachments count a third more once "
         "encoded); these providers refuse it: %s. Share large files by link instead."),
      size, refusing->str);
  fct_finding_set_evidence (f, refusing->str);
}
