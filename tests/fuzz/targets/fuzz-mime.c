/* libFuzzer target for the MIME bridge and the content analysis (src/lib/mime,
 * src/lib/analysis): parses arbitrary bytes as a message, runs every content check
 * with protected domains and a brand, and checks that every text is valid UTF-8 and every
 * link, host and IBAN well formed. */
#include <facteur/analysis.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (FctMsg) msg = NULL;
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) analysis = NULL;
  const char *protect[] = { "example.com", "xn--mason-dupont-kgb.fr", NULL };
  const char *brands[] = { "Maison Dupont", NULL };
  FctAnalysisOptions options = { .protected_domains = protect, .protected_brands = brands };
  FctLimits limits;
  const FctMime *mime;

  /* Tight limits so that the fuzzer reaches them with small inputs. */
  fct_limits_init (&limits);
  limits.mime_depth_max = 4;
  limits.mime_parts_max = 16;
  limits.mime_links_max = 32;
  options.limits = &limits;
  msg = fct_msg_new_from_bytes (bytes, &limits, NULL);
  if (msg == NULL)
    return 0;
  analysis = fct_analysis_run (msg, &options, findings, NULL);
  g_assert (analysis != NULL);
  mime = fct_analysis_get_mime (analysis);
  g_assert (fct_mime_get_part_count (mime) <= limits.mime_parts_max);
  g_assert (fct_mime_get_link_count (mime) <= limits.mime_links_max);
  for (guint i = 0; i < fct_mime_get_part_count (mime); i++)
    {
      const FctMimePart *part = fct_mime_get_part (mime, i);
      gsize len = 0;
      const char *text = fct_mime_part_get_text (mime, i, &len);

      g_assert (part->depth <= limits.mime_depth_max);
      g_assert ((text != NULL) == (part->kind != FCT_MIME_PART_ATTACHMENT));
      if (text != NULL)
        g_assert (g_utf8_validate_len (text, len, NULL) && text[len] == '\0');
    }
  for (guint i = 0; i < fct_mime_get_link_count (mime); i++)
    {
      const FctMimeLink *link = fct_mime_get_link (mime, i);
      g_assert (link->href != NULL && link->text != NULL);
      g_assert (link->part < fct_mime_get_part_count (mime));
    }
  for (guint i = 0; i < fct_analysis_get_host_count (analysis); i++)
    {
      const FctAnalysisHost *host = fct_analysis_get_host (analysis, i);
      g_assert (host->host[0] != '\0');
      for (const char *p = host->host; *p != '\0'; p++)
        g_assert ((guchar)*p < 0x80 && !g_ascii_isupper (*p));
    }
  for (guint i = 0; i < fct_analysis_get_iban_count (analysis); i++)
    {
      const char *iban = fct_analysis_get_iban (analysis, i);
      g_assert (strlen (iban) >= 15 && strlen (iban) <= 34);
    }
  for (guint i = 0; i < fct_findings_get_count (findings); i++)
    g_assert (g_utf8_validate (fct_findings_get (findings, i)->detail, -1, NULL));
  return 0;
}
