/* facteur — sender spoofing: a display name that shows another address or domain than
 * the author's (RFC 5322 §3.4 display-name) or names a brand the author is not, a From
 * or Reply-To domain that imitates a protected domain or a brand (brands.c), and a
 * Reply-To that diverts answers to another organizational domain (RFC 5322 §3.6.2):
 * to a free mailbox, away from a brand the message speaks for, or from a free mailbox to
 * an organisation that did not send it. */
#include "analysis-private.h"

#include <facteur/verify.h>
#include <gmime/gmime.h>
#include <string.h>

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

static gboolean field_has_address (FctMsg *msg, const char *field, const char *address);

/* TRUE if the From is a list or group relaying its member's post under its own address,
 * the member's name or address kept in the display name as "'jane@client.fr' via
 * Compta" (Google Groups) or "Jane Martin via Compta" (Mailman's DMARC mitigation): the
 * list writes its own posting address (RFC 2369 List-Post, or the Mailing-List field
 * Google Groups adds) and the From is that address. The address shown is then the
 * author the list names, not a disguise; a forger who writes the same fields tells the
 * reader as much in the name ("via"). */
static gboolean
list_relayed (FctMsg *msg, const char *name, const char *address)
{
  static const char *const fields[] = { "List-Post", "Mailing-List" };
  const char *via = name != NULL ? strstr (name, " via ") : NULL;

  if (via == NULL || via == name || via[5] == '\0' || address == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const FctMsgHeader *header = fct_msg_find_header (msg, fields[i], 0);
      g_autofree char *value = header != NULL ? g_ascii_strdown (header->value, -1) : NULL;
      g_autofree char *mine = g_ascii_strdown (address, -1);
      if (value == NULL)
        continue;
      /* "<mailto:compta@example.fr>", "list compta@example.fr; contact …" */
      for (const char *p = value; (p = strstr (p, mine)) != NULL; p++)
        {
          char before = p == value ? ' ' : p[-1];
          char after = p[strlen (mine)];
          if (!g_ascii_isalnum (before) && before != '.' && before != '-' && before != '_'
              && !g_ascii_isalnum (after) && after != '.' && after != '-' && after != '_')
            return TRUE;
        }
    }
  return FALSE;
}

static void
check_display_name (FctAnalysisContext *ctx)
{
  FctAnalysis *r = ctx->result;
  g_autofree char *shown = NULL;
  g_autofree char *shown_org = NULL;
  const char *brand, *brand_domain = NULL;
  gboolean strong = FALSE;
  FctFinding *finding;

  if (r->author_name == NULL || r->author_domain == NULL)
    return;
  /* An address or a name in the display name: its domain is what the reader trusts.
     "Craig R.Hughes" is a person, not the domain r.hughes. */
  shown = fct_analysis_text_find_domain (r->author_name, FCT_SHOWN_IN_SENDER_NAME, &strong);
  if (shown != NULL)
    shown_org = fct_analysis_org_domain (shown);
  if (shown_org != NULL && !strong
      && !fct_analysis_brands_owned (ctx->brands, shown_org, NULL))
    g_clear_pointer (&shown_org, g_free);
  if (shown_org != NULL && !same_org (shown_org, r->author_org)
      && !g_str_equal (shown, r->author_domain)
      && !list_relayed (ctx->msg, r->author_name, r->author_address))
    {
      finding = fct_findings_add (
          ctx->findings, "display-name-spoof",
          _ ("The sender's name shows %s but the message comes from %s. "
             "Impersonators put a trusted address in the name: check the "
             "real address before trusting the message."),
          shown, r->author_domain);
      fct_finding_set_evidence (finding, r->author_name);
      return;
    }
  if (shown_org != NULL)
    return;
  /* A brand's name ("PayPal", "Service Impôts") from a domain that is not the brand's. */
  brand = fct_analysis_brands_named (
      ctx->brands, r->author_name, FCT_BRANDS_SENDER_NAME,
      r->author_org != NULL ? r->author_org : r->author_domain, &brand_domain);
  if (brand == NULL)
    return;
  finding = fct_findings_add (
      ctx->findings, "display-name-brand",
      _ ("The sender's name says %s but the message comes from %s, which is not one of "
         "its domains (%s is). Impersonators borrow a brand's name: check the real "
         "address before trusting the message."),
      brand, r->author_domain, brand_domain);
  fct_finding_set_evidence (finding, r->author_name);
}

/* The protected domain or brand that domain imitates, or NULL (transfer none). */
static const char *
imitated (FctAnalysisContext *ctx, const char *domain)
{
  const char *const *protected = ctx->options->protected_domains;
  g_autofree char *domain_org = fct_analysis_org_domain (domain);
  const char *found = fct_analysis_brands_imitated (ctx->brands, domain, domain_org);

  /* Whole names confusable with a protected one, suffix included ("example.corn"). */
  for (guint i = 0; found == NULL && protected != NULL && protected[i] != NULL; i++)
    {
      g_autofree char *p
          = fct_analysis_host_normalize (protected[i], strlen (protected[i]));
      g_autofree char *p_org = p != NULL ? fct_analysis_org_domain (p) : NULL;
      g_autofree char *org = fct_analysis_org_domain (domain);

      if (p == NULL || (org != NULL && p_org != NULL && g_str_equal (org, p_org)))
        continue;
      if (fct_analysis_confusable (domain, p)
          || (org != NULL && p_org != NULL && fct_analysis_confusable (org, p_org)))
        found = protected[i];
    }
  return found;
}

static void
check_lookalike (FctAnalysisContext *ctx)
{
  FctAnalysis *r = ctx->result;
  g_autofree char *reply_to = first_mailbox_domain (ctx->msg, "Reply-To", NULL, NULL);
  const char *target;
  FctFinding *finding;

  if (r->author_domain != NULL && (target = imitated (ctx, r->author_domain)) != NULL)
    {
      finding = fct_findings_add (ctx->findings, "lookalike-domain",
                                  _ ("The sender's domain %s looks like %s but is not it. "
                                     "Lookalike domains are registered to impersonate a "
                                     "company: treat the message as fraud."),
                                  r->author_domain, target);
      fct_finding_set_evidence (finding, r->author_domain);
    }
  if (reply_to != NULL
      && (r->author_domain == NULL || !g_str_equal (reply_to, r->author_domain))
      && (target = imitated (ctx, reply_to)) != NULL)
    {
      finding = fct_findings_add (ctx->findings, "reply-to-lookalike-domain",
                                  _ ("Replies go to %s, a domain made to look like %s. "
                                     "Fraudsters collect answers this way: do not reply, "
                                     "contact the company by a known address."),
                                  reply_to, target);
      fct_finding_set_evidence (finding, reply_to);
    }
}

/* TRUE if an address-list field holds address (compared without case). */
static gboolean
field_has_address (FctMsg *msg, const char *field, const char *address)
{
  const FctMsgHeader *header = fct_msg_find_header (msg, field, 0);
  InternetAddressList *list;
  gboolean found = FALSE;

  if (header == NULL || address == NULL)
    return FALSE;
  list = internet_address_list_parse (NULL, header->value);
  if (list == NULL)
    return FALSE;
  for (int i = 0; !found && i < internet_address_list_length (list); i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);
      const char *addr;

      if (INTERNET_ADDRESS_IS_MAILBOX (ia)
          && (addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)))
                 != NULL)
        found = g_ascii_strcasecmp (addr, address) == 0;
    }
  g_object_unref (list);
  return found;
}

/* Mail sent to a list or a group (RFC 2369 List-Post, RFC 2919 List-Id, the
 * Mailing-List field of older list servers), or a message whose Reply-To is also one
 * of its recipients: a list or a group that asks answers to come back to itself. */
static gboolean
is_list_mail (FctMsg *msg, const char *reply_address)
{
  static const char *const list_fields[] = { "List-Id", "List-Post", "Mailing-List" };

  for (gsize i = 0; i < G_N_ELEMENTS (list_fields); i++)
    if (fct_msg_find_header (msg, list_fields[i], 0) != NULL)
      return TRUE;
  return field_has_address (msg, "To", reply_address)
         || field_has_address (msg, "Cc", reply_address);
}

/* The brand a message speaks for while its sender is not the brand: its display name,
 * or its subject when the message is not bulk mail (a deals newsletter's subject starts
 * with the brands it sells). (transfer none) */
static const char *
claimed_brand (FctAnalysisContext *ctx, gboolean bulk, const char **domain)
{
  FctAnalysis *r = ctx->result;
  const char *org = r->author_org != NULL ? r->author_org : r->author_domain;
  const char *brand = fct_analysis_brands_named (ctx->brands, r->author_name,
                                                 FCT_BRANDS_SENDER_NAME, org, domain);
  const FctMsgHeader *subject;

  if (brand != NULL || bulk
      || (subject = fct_msg_find_header (ctx->msg, "Subject", 0)) == NULL)
    return brand;
  {
    g_autofree char *decoded = g_mime_utils_header_decode_text (NULL, subject->value);
    g_autofree char *valid = g_utf8_make_valid (decoded, -1);
    return fct_analysis_brands_named (ctx->brands, valid, FCT_BRANDS_SUBJECT, org, domain);
  }
}

static void
check_reply_to (FctAnalysisContext *ctx)
{
  FctAnalysis *r = ctx->result;
  g_autofree char *address = NULL;
  g_autofree char *domain = first_mailbox_domain (ctx->msg, "Reply-To", NULL, &address);
  g_autofree char *org = NULL;
  g_autofree char *sender_org = NULL;
  g_autofree char *sender = NULL;
  const char *brand, *brand_domain = NULL;
  FctFinding *finding;

  if (domain == NULL || r->author_domain == NULL)
    return;
  org = fct_analysis_org_domain (domain);
  if (org == NULL)
    org = g_strdup (domain);
  if (same_org (org, r->author_org) || g_str_equal (domain, r->author_domain))
    return;
  if (fct_verify_domain_is_free_mail (domain))
    {
      finding
          = fct_findings_add (ctx->findings, "reply-to-divergent-free-mail",
                              _ ("Replies go to a free mailbox at %s, not to the sender's "
                                 "domain %s. Fraudsters collect answers this way: do not "
                                 "reply, contact the sender by a known address."),
                              domain, r->author_domain);
      fct_finding_set_evidence (finding, domain);
      return;
    }
  /* A list, a help desk or a signing service answers for the sender: the usual reasons
     for a Reply-To elsewhere, so only the cost of reply-to-divergent. A newsletter
     (List-Unsubscribe) is bulk mail: its subject names the brands it sells. */
  sender = first_mailbox_domain (ctx->msg, "Sender", NULL, NULL);
  sender_org = sender != NULL ? fct_analysis_org_domain (sender) : NULL;
  if (!is_list_mail (ctx->msg, address) && !fct_analysis_domain_reply_service (domain)
      && !same_org (sender_org, org))
    {
      gboolean bulk = fct_msg_find_header (ctx->msg, "List-Unsubscribe", 0) != NULL;

      brand = claimed_brand (ctx, bulk, &brand_domain);
      if (brand != NULL && !fct_analysis_brands_owned (ctx->brands, org, NULL))
        {
          g_autofree char *evidence = g_strdup_printf ("%s → %s", brand, domain);
          finding = fct_findings_add (
              ctx->findings, "reply-to-brand-elsewhere",
              _ ("The message speaks for %s but comes from %s and sends replies to %s, "
                 "neither of which is the brand's (%s is). Impersonators collect answers "
                 "this way: do not reply, contact the brand by its usual address."),
              brand, r->author_domain, domain, brand_domain);
          fct_finding_set_evidence (finding, evidence);
          return;
        }
      if (!bulk && fct_verify_domain_is_free_mail (r->author_domain))
        {
          finding = fct_findings_add (
              ctx->findings, "reply-to-divergent-from-free-mail",
              _ ("The message comes from a free mailbox at %s and sends replies to %s, "
                 "an organisation that did not send it. Scammers write from a throw-away "
                 "mailbox and collect answers elsewhere: do not reply, contact the "
                 "organisation by a known address."),
              r->author_domain, domain);
          fct_finding_set_evidence (finding, domain);
          return;
        }
    }
  finding = fct_findings_add (ctx->findings, "reply-to-divergent",
                              _ ("Replies go to %s, another organization than the "
                                 "sender's domain %s. Check that this is expected before "
                                 "answering."),
                              domain, r->author_domain);
  fct_finding_set_evidence (finding, domain);
}

/* The sender's name or the subject written with borrowed letters: a word that mixes
 * Latin with look-alike Cyrillic or Greek letters ("Actiоn Requiгed", "Amаzon"),
 * digits for letters ("Micr0soft") or a capital I for an l ("WaIIet") — written to
 * pass filters that read words while the reader sees the brand. */
/* TRUE if a word of text mixes Latin letters with letters of another script. */
static gboolean
mixes_scripts (const char *text)
{
  gboolean latin = FALSE, other = FALSE;

  for (const char *p = text;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == 0 || !g_unichar_isalnum (c))
        {
          if (latin && other)
            return TRUE;
          latin = other = FALSE;
          if (c == 0)
            return FALSE;
          continue;
        }
      if (g_unichar_get_script (c) == G_UNICODE_SCRIPT_LATIN)
        latin = TRUE;
      else if (g_unichar_isalpha (c) && g_unichar_get_script (c) != G_UNICODE_SCRIPT_HAN
               && g_unichar_get_script (c) != G_UNICODE_SCRIPT_HIRAGANA
               && g_unichar_get_script (c) != G_UNICODE_SCRIPT_KATAKANA)
        other = TRUE;
    }
}

static void
check_mixed_script (FctAnalysisContext *ctx)
{
  const FctMsgHeader *subject = fct_msg_find_header (ctx->msg, "Subject", 0);
  g_autofree char *decoded = NULL;
  const char *texts[2] = { ctx->result->author_name, NULL };
  FctFinding *finding;

  if (subject != NULL)
    {
      g_autofree char *raw = g_mime_utils_header_decode_text (NULL, subject->value);
      decoded = g_utf8_make_valid (raw, -1);
      texts[1] = decoded;
    }
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      gboolean changed = FALSE;
      g_autofree char *plain = NULL;

      if (texts[i] == NULL || !mixes_scripts (texts[i]))
        continue;
      plain = fct_analysis_deconfuse (texts[i], &changed);
      if (!changed)
        continue;
      /* Whole sentences: a translation cannot slot a noun into "The %s" (French
         changes the article and the agreement with the noun). */
      if (i == 0)
        finding = fct_findings_add (
            ctx->findings, "text-lookalike-letters",
            _ ("The sender's name is written with look-alike letters of another alphabet "
               "(it reads “%s”): a trick to slip past filters while the reader sees "
               "familiar words."),
            plain);
      else
        finding = fct_findings_add (
            ctx->findings, "text-lookalike-letters",
            _ ("The subject is written with look-alike letters of another alphabet (it "
               "reads “%s”): a trick to slip past filters while the reader sees familiar "
               "words."),
            plain);
      fct_finding_set_evidence (finding, texts[i]);
      return;
    }
}

void
fct_analysis_check_spoofing (FctAnalysisContext *ctx)
{
  check_mixed_script (ctx);
  check_display_name (ctx);
  check_lookalike (ctx);
  check_reply_to (ctx);
}
