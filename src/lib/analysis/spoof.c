/* facteur — sender spoofing: a display name that shows another address or domain than
 * the author's (RFC 5322 §3.4 display-name), a From domain that imitates a protected
 * one (UTS #39 confusable or one edit away), and a Reply-To that diverts answers to
 * another organizational domain (RFC 5322 §3.6.2). */
#include "analysis-private.h"

#include <facteur/verify.h>
#include <gmime/gmime.h>
#include <string.h>

/* Damerau-Levenshtein distance at most one: one substitution, insertion, deletion or
 * swap of two neighbours ("examp1e", "exmple", "exanple", "exmaple"). Linear. */
static gboolean
one_edit_apart (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b), i = 0;

  if (la > lb + 1 || lb > la + 1 || g_str_equal (a, b))
    return FALSE;
  while (i < la && i < lb && a[i] == b[i])
    i++;
  if (la == lb)
    {
      if (g_str_equal (a + i + 1, b + i + 1))
        return TRUE;
      return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i]
             && g_str_equal (a + i + 2, b + i + 2);
    }
  return la > lb ? g_str_equal (a + i + 1, b + i) : g_str_equal (a + i, b + i + 1);
}

/* The domain of the first mailbox of an address-list field, normalised (transfer
 * full), and its display name when asked. */
static char *
first_mailbox_domain (FctMsg *msg, const char *field, char **name, char **address)
{
  const FctMsgHeader *header = fct_msg_find_header (msg, field, 0);
  InternetAddressList *list;
  char *domain = NULL;

  if (header == NULL)
    return NULL;
  list = internet_address_list_parse (NULL, header->value);
  if (list == NULL)
    return NULL;
  for (int i = 0; i < internet_address_list_length (list); i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);
      const char *addr, *at;

      if (!INTERNET_ADDRESS_IS_MAILBOX (ia))
        continue;
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
      if (addr == NULL || (at = strrchr (addr, '@')) == NULL)
        continue;
      domain = fct_analysis_host_normalize (at + 1, strlen (at + 1));
      if (name != NULL && internet_address_get_name (ia) != NULL
          && *internet_address_get_name (ia) != '\0')
        *name = g_strdup (internet_address_get_name (ia));
      if (address != NULL)
        *address = g_strdup (addr);
      break;
    }
  g_object_unref (list);
  return domain;
}

void
fct_analysis_author_parse (FctAnalysis *result, FctMsg *msg, const char *known_domain)
{
  result->author_domain
      = first_mailbox_domain (msg, "From", &result->author_name, &result->author_address);
  if (known_domain != NULL)
    {
      g_free (result->author_domain);
      result->author_domain
          = fct_analysis_host_normalize (known_domain, strlen (known_domain));
    }
  if (result->author_domain != NULL)
    result->author_org = fct_analysis_org_domain (result->author_domain);
}

static gboolean
same_org (const char *org_a, const char *org_b)
{
  return org_a != NULL && org_b != NULL && g_str_equal (org_a, org_b);
}

static void
check_display_name (FctAnalysisContext *ctx)
{
  FctAnalysis *r = ctx->result;
  g_autofree char *shown = NULL;
  g_autofree char *shown_org = NULL;
  FctFinding *finding;

  if (r->author_name == NULL || r->author_domain == NULL)
    return;
  /* An address or a name in the display name: its domain is what the reader trusts. */
  shown = fct_analysis_text_find_domain (r->author_name);
  if (shown == NULL)
    return;
  shown_org = fct_analysis_org_domain (shown);
  if (shown_org == NULL || same_org (shown_org, r->author_org)
      || g_str_equal (shown, r->author_domain))
    return;
  finding
      = fct_findings_add (ctx->findings, "display-name-spoof",
                          _ ("The sender's name shows %s but the message comes from %s. "
                             "Impersonators put a trusted address in the name: check the "
                             "real address before trusting the message."),
                          shown, r->author_domain);
  fct_finding_set_evidence (finding, r->author_name);
}

static void
check_lookalike (FctAnalysisContext *ctx)
{
  FctAnalysis *r = ctx->result;
  const char *const *protected = ctx->options->protected_domains;

  if (protected == NULL || r->author_domain == NULL)
    return;
  for (guint i = 0; protected[i] != NULL; i++)
    {
      g_autofree char *p
          = fct_analysis_host_normalize (protected[i], strlen (protected[i]));
      g_autofree char *p_org = NULL;
      const char *author_org = r->author_org != NULL ? r->author_org : r->author_domain;
      FctFinding *finding;

      if (p == NULL)
        continue;
      p_org = fct_analysis_org_domain (p);
      if (p_org == NULL)
        p_org = g_strdup (p);
      /* The protected domain itself and its subdomains are genuine. */
      if (g_str_equal (author_org, p_org))
        continue;
      if (!fct_analysis_confusable (r->author_domain, p)
          && !fct_analysis_confusable (author_org, p_org)
          && !one_edit_apart (author_org, p_org))
        continue;
      finding = fct_findings_add (ctx->findings, "lookalike-domain",
                                  _ ("The sender's domain %s looks like %s but is not it. "
                                     "Lookalike domains are registered to impersonate a "
                                     "company: treat the message as fraud."),
                                  r->author_domain, p);
      fct_finding_set_evidence (finding, r->author_domain);
      return;
    }
}

static void
check_reply_to (FctAnalysisContext *ctx)
{
  FctAnalysis *r = ctx->result;
  g_autofree char *domain = first_mailbox_domain (ctx->msg, "Reply-To", NULL, NULL);
  g_autofree char *org = NULL;
  FctFinding *finding;

  if (domain == NULL || r->author_domain == NULL)
    return;
  org = fct_analysis_org_domain (domain);
  if (org == NULL)
    org = g_strdup (domain);
  if (same_org (org, r->author_org) || g_str_equal (domain, r->author_domain))
    return;
  if (fct_verify_domain_is_free_mail (domain))
    finding
        = fct_findings_add (ctx->findings, "reply-to-divergent-free-mail",
                            _ ("Replies go to a free mailbox at %s, not to the sender's "
                               "domain %s. Fraudsters collect answers this way: do not "
                               "reply, contact the sender by a known address."),
                            domain, r->author_domain);
  else
    finding = fct_findings_add (ctx->findings, "reply-to-divergent",
                                _ ("Replies go to %s, another organization than the "
                                   "sender's domain %s. Check that this is expected before "
                                   "answering."),
                                domain, r->author_domain);
  fct_finding_set_evidence (finding, domain);
}

void
fct_analysis_check_spoofing (FctAnalysisContext *ctx)
{
  check_display_name (ctx);
  check_lookalike (ctx);
  check_reply_to (ctx);
}
