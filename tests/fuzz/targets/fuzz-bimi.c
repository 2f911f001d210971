/* libFuzzer target for the BIMI assertion record parser
 * (draft-brand-indicators-for-message-identification §4.2, src/lib/audit/records.c):
 * l= and a= are empty or https: URIs, the logo an SVG. */
#include <facteur/audit.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  const char *reason = NULL;

  g_autoptr (FctBimiRecord) r = fct_bimi_record_parse (text, size, &reason);
  g_assert ((r == NULL) == (reason != NULL));
  if (r != NULL)
    {
      g_assert (fct_bimi_record_is_bimi1 (text, size));
      g_assert (r->location != NULL);
      /* URI schemes are case-insensitive (RFC 3986 §3.1). */
      g_assert (r->location[0] == '\0'
                || g_ascii_strncasecmp (r->location, "https://", 8) == 0);
      g_assert (r->authority == NULL || r->authority[0] == '\0'
                || g_ascii_strncasecmp (r->authority, "https://", 8) == 0);
    }
  return 0;
}
