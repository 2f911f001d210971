/* libFuzzer target for the TLS-RPT record parser (RFC 8460 §3,
 * src/lib/audit/records.c): a record either parses into one or more mailto:/https:
 * URIs or is refused with a reason. */
#include <facteur/audit.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  const char *reason = NULL;

  g_autoptr (FctTlsRptRecord) r = fct_tlsrpt_record_parse (text, size, &reason);
  g_assert ((r == NULL) == (reason != NULL));
  if (r != NULL)
    {
      g_assert (fct_tlsrpt_record_is_tlsrptv1 (text, size));
      g_assert (r->rua->len >= 1);
      for (guint i = 0; i < r->rua->len; i++)
        {
          const char *uri = g_ptr_array_index (r->rua, i);
          g_assert (g_ascii_strncasecmp (uri, "mailto:", 7) == 0
                    || g_ascii_strncasecmp (uri, "https://", 8) == 0);
          g_assert (strchr (uri, ',') == NULL && strchr (uri, ' ') == NULL);
        }
    }
  return 0;
}
