/* libFuzzer target for the bank-details fraud scanners (src/lib/analysis/iban.c,
 * bankchange.c): the input is the plain-text body of a message from a French
 * supplier, so that every byte reaches the IBAN and RIB scanners and the wording
 * patterns. Checks that every IBAN found is upper-case alphanumeric, 15 to 34
 * characters, with mod-97 = 1 (ISO 7064), and that every finding is valid UTF-8. */
#include <facteur/analysis.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char head[] = "From: Compta <compta@fournisseur.fr>\r\n"
                           "Subject: Facture\r\nMIME-Version: 1.0\r\n"
                           "Content-Type: text/plain; charset=utf-8\r\n"
                           "Content-Transfer-Encoding: 8bit\r\n\r\n";

static gboolean
mod97_ok (const char *iban)
{
  gsize len = strlen (iban);
  guint rem = 0;

  for (gsize k = 0; k < len; k++)
    {
      char c = iban[(k + 4) % len];
      rem = g_ascii_isdigit (c) ? (rem * 10 + (guint)(c - '0')) % 97
                                : (rem * 100 + (guint)(c - 'A' + 10)) % 97;
    }
  return rem == 1;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (FctMsg) msg = NULL;
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) analysis = NULL;

  g_byte_array_append (buf, (const guint8 *)head, sizeof head - 1);
  g_byte_array_append (buf, data, (guint)MIN (size, G_MAXUINT - sizeof head));
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
  msg = fct_msg_new_from_bytes (bytes, NULL, NULL);
  if (msg == NULL)
    return 0;
  analysis = fct_analysis_run (msg, NULL, findings, NULL);
  g_assert (analysis != NULL);
  for (guint i = 0; i < fct_analysis_get_iban_count (analysis); i++)
    {
      const char *iban = fct_analysis_get_iban (analysis, i);
      gsize len = strlen (iban);
      g_assert (len >= 15 && len <= 34);
      for (gsize k = 0; k < len; k++)
        g_assert (g_ascii_isdigit (iban[k]) || g_ascii_isupper (iban[k]));
      g_assert (mod97_ok (iban));
    }
  for (guint i = 0; i < fct_findings_get_count (findings); i++)
    {
      const FctFinding *f = fct_findings_get (findings, i);
      g_assert (f->detail == NULL || g_utf8_validate (f->detail, -1, NULL));
      g_assert (f->evidence == NULL || g_utf8_validate (f->evidence, -1, NULL));
    }
  return 0;
}
