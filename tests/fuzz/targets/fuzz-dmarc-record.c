/* libFuzzer target for the DMARC text parsers (src/lib/dmarc): the policy record parser
 * (RFC 9989 §4.8), with the default and a tight length limit, and the From address-list
 * parser that yields the author domain (RFC 9989 §5.3.1), on the same bytes. */
#include <facteur/dmarc.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
record_check (const FctDmarcRecord *r, gsize max)
{
  g_assert (r->pct >= -1 && r->pct <= 100);
  g_assert (r->ri >= -1 && r->ri <= G_MAXUINT32);
  g_assert (strlen (r->text) <= max);
  if (r->flags & FCT_DMARC_RECORD_FLAG_TOO_LONG)
    g_assert (r->p == FCT_DMARC_POLICY_UNSET && r->rua->len == 0);
  for (guint i = 0; i < r->rua->len; i++)
    {
      const char *uri = g_ptr_array_index (r->rua, i);
      g_assert (uri[0] != '\0' && strchr (uri, ',') == NULL && strchr (uri, '!') == NULL);
    }
  if (r->fo != NULL)
    g_assert (strlen (r->fo) >= 1 && strlen (r->fo) <= 5);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  FctLimits tight;
  g_autoptr (FctDmarcRecord) r = NULL;
  g_autoptr (FctDmarcRecord) small = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *domain = NULL;

  fct_limits_init (&tight);
  tight.dmarc_record_max_bytes = 32;

  r = fct_dmarc_record_parse (text, size, NULL);
  g_assert ((r != NULL) == fct_dmarc_record_is_dmarc1 (text, size));
  if (r != NULL)
    record_check (r, fct_limits_default ()->dmarc_record_max_bytes);
  small = fct_dmarc_record_parse (text, size, &tight);
  g_assert ((small != NULL) == (r != NULL));
  if (small != NULL)
    {
      record_check (small, 32);
      g_assert (size > 32 || small->p == r->p);
    }

  domain = fct_dmarc_author_domain_from_value (text, size, &reason);
  g_assert ((domain == NULL) == (reason != NULL));
  if (domain != NULL)
    {
      /* An A-label host name: lower-case LDH, no empty label, 253 octets at most. */
      gsize len = strlen (domain);
      g_assert (len > 0 && len <= 253 && domain[0] != '.' && domain[len - 1] != '.');
      g_assert (strstr (domain, "..") == NULL);
      for (const char *q = domain; *q != '\0'; q++)
        g_assert (g_ascii_islower (*q) || g_ascii_isdigit (*q) || *q == '-' || *q == '.');
    }
  return 0;
}
