/* libFuzzer target for the MTA-STS parsers (src/lib/audit/records.c): the policy file
 * (RFC 8461 §3.2) with the default and a tight size limit, pattern matching of its mx
 * lines (§4.1), and the "_mta-sts" TXT record (§3.1), on the same bytes. */
#include <facteur/audit.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  const char *reason = NULL;
  FctLimits tight;

  fct_limits_init (&tight);
  tight.mta_sts_policy_max_bytes = 64;

  g_autoptr (FctMtaStsPolicy) p = fct_mta_sts_policy_parse (text, size, NULL, &reason);
  g_assert (p != NULL || reason != NULL);
  if (p != NULL)
    {
      g_assert (p->max_age <= 31557600);
      g_assert (p->mode == FCT_MTA_STS_MODE_NONE || p->mx->len > 0);
      for (guint i = 0; i < p->mx->len; i++)
        {
          const char *pattern = g_ptr_array_index (p->mx, i);
          /* A pattern matches the host it names (without the wildcard, one label more). */
          if (g_str_has_prefix (pattern, "*."))
            {
              g_autofree char *host = g_strconcat ("x", pattern + 1, NULL);
              g_assert (fct_mta_sts_policy_matches (p, host));
              g_assert (!fct_mta_sts_mx_match (pattern, pattern + 2));
            }
          else
            g_assert (fct_mta_sts_policy_matches (p, pattern));
        }
    }
  reason = NULL;
  g_autoptr (FctMtaStsPolicy) small
      = fct_mta_sts_policy_parse (text, size, &tight, &reason);
  g_assert (small == NULL || (size <= 64 && p != NULL));

  reason = NULL;
  g_autoptr (FctMtaStsRecord) r = fct_mta_sts_record_parse (text, size, &reason);
  g_assert ((r == NULL) == (reason != NULL));
  if (r != NULL)
    {
      gsize len = strlen (r->id);
      g_assert (len >= 1 && len <= 32);
      g_assert (fct_mta_sts_record_is_stsv1 (text, size));
    }
  return 0;
}
