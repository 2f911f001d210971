/* facteur — structure and content: a broken MIME structure (RFC 2046 §5.1.1 boundaries,
 * RFC 2045 §6 encodings), HTML without a text alternative (RFC 2046 §5.1.4), a
 * message that is an image with almost no text, and an OpenPGP signature that signs
 * nothing (RFC 4880 §7). */
#include "analysis-private.h"

#include <string.h>

/* Under this many letters and digits, a message is "just an image": spam filters weigh
 * image-to-text ratio, and a reader whose client blocks images sees nothing. */
#define IMAGE_ONLY_MAX_CHARS 50

static const FctMimeAnomalies broken
    = FCT_MIME_ANOMALY_NO_BOUNDARY | FCT_MIME_ANOMALY_BOUNDARY_NOT_FOUND
      | FCT_MIME_ANOMALY_TRUNCATED | FCT_MIME_ANOMALY_BAD_ENCODING
      | FCT_MIME_ANOMALY_DEPTH_LIMIT | FCT_MIME_ANOMALY_PARTS_LIMIT;

/* An OpenPGP signature block shown in HTML without the cleartext header that opens
 * every signed text (RFC 4880 §7, "-----BEGIN PGP SIGNED MESSAGE-----"; PGP/MIME signs
 * in a part of its own, RFC 3156 §5): no mail program writes it, and nothing could
 * verify it. Spam sets it under an image to look signed and to give filters text to
 * read. */
static gboolean
fake_pgp_signature (const char *text, gsize len)
{
  static const char sig[] = "-----BEGIN PGP SIGNATURE-----";
  static const char head[] = "-----BEGIN PGP SIGNED MESSAGE-----";

  return memmem (text, len, sig, sizeof sig - 1) != NULL
         && memmem (text, len, head, sizeof head - 1) == NULL;
}

/* Letters and digits in text, counting no further than cap: only "fewer than
 * IMAGE_ONLY_MAX_CHARS" matters, and newsletters are long. */
static gsize
count_alnum (const char *text, gsize len, gsize cap)
{
  gsize n = 0;
  const char *end = text + len;

  for (const char *p = text; p < end && n < cap;)
    {
      if ((guchar)*p < 0x80)
        {
          n += g_ascii_isalnum (*p) ? 1 : 0;
          p++;
        }
      else
        {
          n += g_unichar_isalnum (g_utf8_get_char (p)) ? 1 : 0;
          p = g_utf8_next_char (p);
        }
    }
  return n;
}

void
fct_analysis_check_content (FctAnalysisContext *ctx)
{
  const FctMime *mime = ctx->result->mime;
  FctMimeAnomalies anomalies = fct_mime_get_anomalies (mime);
  gboolean has_html = FALSE, has_text = FALSE, fake_signature = FALSE;
  guint images = 0;
  gsize chars_text = 0, chars_html = 0;

  if (anomalies & broken)
    {
      FctFinding *finding = fct_findings_add (
          ctx->findings, "mime-broken",
          _ ("The MIME structure is broken (%s). Mail clients may show "
             "the message garbled or not at all, and filters distrust it: "
             "fix the program that builds the message."),
          fct_mime_get_anomaly_evidence (mime));
      fct_finding_set_evidence (finding, fct_mime_get_anomaly_evidence (mime));
    }

  for (guint i = 0; i < fct_mime_get_part_count (mime); i++)
    {
      const FctMimePart *part = fct_mime_get_part (mime, i);
      gsize len = 0;
      const char *text = fct_mime_part_get_text (mime, i, &len);

      switch (part->kind)
        {
        case FCT_MIME_PART_TEXT:
          chars_text += count_alnum (text, len, IMAGE_ONLY_MAX_CHARS);
          has_text = TRUE;
          break;
        case FCT_MIME_PART_HTML:
          chars_html += count_alnum (text, len, IMAGE_ONLY_MAX_CHARS);
          images += fct_mime_part_get_image_count (mime, i);
          has_html = TRUE;
          fake_signature = fake_signature || fake_pgp_signature (text, len);
          break;
        case FCT_MIME_PART_ATTACHMENT:
          if (part->inline_disposition && g_str_has_prefix (part->content_type, "image/"))
            images++;
          break;
        }
    }
  /* A text part that says nothing ("") is no alternative either. */
  if (has_html && (!has_text || chars_text == 0))
    fct_findings_add (ctx->findings, "html-only",
                      _ ("The message has HTML but no plain-text version. Spam filters "
                         "score this and some readers cannot display it: send "
                         "multipart/alternative with a text part."));
  if (fake_signature)
    fct_findings_add (
        ctx->findings, "pgp-signature-fake",
        _ ("The message shows a PGP signature that signs nothing (no signed "
           "text precedes it, and it sits in HTML, which PGP does not sign "
           "so): a decoration to look trustworthy, as bulk fraud does. Do not "
           "trust it for the signature."));
  if (images > 0 && MAX (chars_text, chars_html) < IMAGE_ONLY_MAX_CHARS)
    fct_findings_add (ctx->findings, "image-only",
                      _ ("The message is made of images with almost no text (%zu"
                         " characters). Filters cannot read images and clients block them: "
                         "write the message as text and keep images as illustration."),
                      (size_t)MAX (chars_text, chars_html));
}
