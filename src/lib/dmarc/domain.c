/* facteur — domain-name helpers for DMARC: the query names of the DNS tree walk (RFC 9989
 * §4.10, with its shortcut for deep names) and, for legacy mode, the organizational
 * domain by the public suffix list (RFC 7489 §3.2) through libpsl. */
#include "dmarc-private.h"

#include <idn2.h>
#include <libpsl.h>
#include <string.h>

void
fct_dmarc_domain_normalize (char *domain)
{
  gsize len;

  g_return_if_fail (domain != NULL);
  for (char *q = domain; *q != '\0'; q++)
    *q = g_ascii_tolower (*q);
  len = strlen (domain);
  if (len > 0 && domain[len - 1] == '.')
    domain[len - 1] = '\0';
}

char *
fct_dmarc_domain_to_a_labels (const char *domain)
{
  char *out = NULL;
  char *copy;

  for (const char *q = domain; *q != '\0'; q++)
    if ((guchar)*q >= 0x80)
      {
        /* RFC 8616 §5: identifiers are compared as A-labels; one that has none keeps its
         * bytes and can align with nothing, as no author domain holds them. */
        if (!g_utf8_validate (domain, -1, NULL)
            || idn2_lookup_u8 ((const uint8_t *)domain, (uint8_t **)&out,
                               IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)
                   != IDN2_OK)
          break;
        copy = g_strdup (out);
        idn2_free (out);
        fct_dmarc_domain_normalize (copy);
        return copy;
      }
  copy = g_strdup (domain);
  fct_dmarc_domain_normalize (copy);
  return copy;
}

gboolean
fct_dmarc_domain_is_under (const char *a, const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);

  if (la == lb)
    return g_ascii_strcasecmp (a, b) == 0;
  return lb > 0 && la > lb && a[la - lb - 1] == '.'
         && g_ascii_strcasecmp (a + la - lb, b) == 0;
}

guint
fct_dmarc_domain_label_count (const char *domain)
{
  guint n = 1;

  for (const char *q = domain; *q != '\0'; q++)
    if (*q == '.')
      n++;
  return n;
}

char **
fct_dmarc_tree_walk_names (const char *domain, guint max)
{
  GPtrArray *names = g_ptr_array_new ();
  const char *d;
  guint labels;

  g_return_val_if_fail (domain != NULL && *domain != '\0', NULL);
  g_return_val_if_fail (max >= 2, NULL);
  labels = fct_dmarc_domain_label_count (domain);
  g_ptr_array_add (names, g_strdup (domain));
  d = domain;
  /* Step 4: past max - 1 labels, jump straight to the last max - 1 labels, so a name
   * with a hundred labels costs no more queries than one with eight. */
  while (labels > 1)
    {
      guint drop = labels >= max ? labels - (max - 1) : 1;
      for (guint i = 0; i < drop; i++)
        d = strchr (d, '.') + 1;
      labels -= drop;
      g_ptr_array_add (names, g_strdup (d));
    }
  g_ptr_array_add (names, NULL);
  return (char **)g_ptr_array_free (names, FALSE);
}

static psl_ctx_t *psl_shared;
static char *psl_error;

const psl_ctx_t *
fct_dmarc_psl (GError **error)
{
  static gsize loaded = 0;

  if (g_once_init_enter (&loaded))
    {
      /* Debian's list (package publicsuffix); psl_latest falls back to the list built
       * into libpsl when the file is older or missing. Read-only once loaded, so the
       * context is shared by every thread. */
      psl_shared = psl_latest (NULL);
      if (psl_shared == NULL)
        psl_error = g_strdup ("the public suffix list could not be loaded");
      g_once_init_leave (&loaded, 1);
    }
  if (psl_shared == NULL)
    g_set_error_literal (error, FCT_DMARC_ERROR, FCT_DMARC_ERROR_PSL, psl_error);
  return psl_shared;
}

char *
fct_dmarc_psl_organizational_domain (const char *domain, GError **error)
{
  const psl_ctx_t *psl;
  const char *registrable;
  g_autofree char *d = NULL;

  g_return_val_if_fail (domain != NULL, NULL);
  psl = fct_dmarc_psl (error);
  if (psl == NULL)
    return NULL;
  d = g_strdup (domain);
  fct_dmarc_domain_normalize (d);
  /* RFC 7489 §3.2: the longest matching public suffix plus one label. A name that is
   * itself a public suffix has no such label and stands for itself. */
  registrable = psl_registrable_domain (psl, d);
  return g_strdup (registrable != NULL ? registrable : d);
}
