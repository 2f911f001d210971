/* facteur — bank-details fraud: IBANs found in text (ISO 13616-1: country code, check
 * digits, per-country length from the SWIFT IBAN registry, mod-97 = 1 per ISO 7064),
 * wording that announces new bank details (French and English), and an IBAN whose
 * country is not the sender's. */
#include "analysis-private.h"

#include <string.h>

typedef struct
{
  char cc[3];
  guint8 length;
} IbanCountry;

/* SWIFT IBAN registry (release 98, 2024): every country and its IBAN length. */
static const IbanCountry countries[] = {
  { "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 }, { "BA", 20 },
  { "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BI", 27 }, { "BR", 29 }, { "BY", 28 },
  { "CH", 21 }, { "CR", 22 }, { "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DJ", 27 },
  { "DK", 18 }, { "DO", 28 }, { "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 },
  { "FK", 18 }, { "FO", 18 }, { "FR", 27 }, { "GB", 22 }, { "GE", 22 }, { "GI", 23 },
  { "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HR", 21 }, { "HU", 28 }, { "IE", 22 },
  { "IL", 23 }, { "IQ", 23 }, { "IS", 26 }, { "IT", 27 }, { "JO", 30 }, { "KW", 30 },
  { "KZ", 20 }, { "LB", 28 }, { "LC", 32 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 },
  { "LV", 21 }, { "LY", 25 }, { "MC", 27 }, { "MD", 24 }, { "ME", 22 }, { "MK", 19 },
  { "MN", 20 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 }, { "NL", 18 },
  { "NO", 15 }, { "OM", 23 }, { "PK", 24 }, { "PL", 28 }, { "PS", 29 }, { "PT", 25 },
  { "QA", 29 }, { "RO", 24 }, { "RS", 22 }, { "RU", 33 }, { "SA", 24 }, { "SC", 31 },
  { "SD", 18 }, { "SE", 24 }, { "SI", 19 }, { "SK", 24 }, { "SM", 27 }, { "SO", 23 },
  { "ST", 25 }, { "SV", 28 }, { "TL", 23 }, { "TN", 24 }, { "TR", 26 }, { "UA", 29 },
  { "VA", 22 }, { "VG", 24 }, { "XK", 20 }, { "YE", 30 },
};

static guint
iban_length (const char *cc)
{
  for (gsize i = 0; i < G_N_ELEMENTS (countries); i++)
    if (countries[i].cc[0] == cc[0] && countries[i].cc[1] == cc[1])
      return countries[i].length;
  return 0;
}

/* ISO 7064 MOD 97-10 over the rearranged IBAN (first four characters moved to the end,
 * letters as 10-35), computed digit by digit so no big number is needed. */
static gboolean
iban_checksum_ok (const char *iban, guint len)
{
  guint rem = 0;

  for (guint k = 0; k < len; k++)
    {
      char c = iban[(k + 4) % len];
      if (g_ascii_isdigit (c))
        rem = (rem * 10 + (guint)(c - '0')) % 97;
      else if (g_ascii_isupper (c))
        rem = (rem * 100 + (guint)(c - 'A' + 10)) % 97;
      else
        return FALSE;
    }
  return rem == 1;
}

static void
add_iban (FctAnalysis *result, const char *iban)
{
  char *copy;

  if (g_hash_table_contains (result->iban_set, iban))
    return;
  copy = g_strdup (iban);
  g_ptr_array_add (result->ibans, copy);
  g_hash_table_add (result->iban_set, copy);
}

/* If a valid IBAN starts at text[i], writes it to iban (normalised) and returns the
 * index after it; 0 otherwise. */
static gsize
iban_at (const char *text, gsize len, gsize i, char iban[35])
{
  guint want, n = 0;
  gsize j;

  /* Two letters and two digits at the start of a word. Digits are rarer than letters in
     prose: test the third byte first. */
  if (i + 4 > len || (guchar)(text[i + 2] - '0') > 9 || (guchar)(text[i + 3] - '0') > 9
      || !g_ascii_isalpha (text[i]) || !g_ascii_isalpha (text[i + 1])
      || (i > 0 && g_ascii_isalnum (text[i - 1])))
    return 0;
  iban[0] = g_ascii_toupper (text[i]);
  iban[1] = g_ascii_toupper (text[i + 1]);
  if ((want = iban_length (iban)) == 0)
    return 0;
  /* The paper form groups by four with single spaces (ISO 13616-1 §5.4); a dash or a
     no-break space is seen too. */
  for (j = i; j < len && n < want; j++)
    {
      if (g_ascii_isalnum (text[j]))
        iban[n++] = g_ascii_toupper (text[j]);
      else if ((text[j] == ' ' || text[j] == '-') && j + 1 < len
               && g_ascii_isalnum (text[j + 1]) && n % 4 == 0)
        continue;
      else if ((guchar)text[j] == 0xc2 && j + 2 < len && (guchar)text[j + 1] == 0xa0
               && n % 4 == 0)
        j++;
      else
        break;
    }
  if (n != want || (j < len && g_ascii_isalnum (text[j])))
    return 0;
  iban[n] = '\0';
  return iban_checksum_ok (iban, n) ? j : 0;
}

guint
fct_analysis_scan_ibans (FctAnalysisContext *ctx, const char *text, gsize len)
{
  guint found = 0;

  for (gsize i = 0; i + 4 <= len; i++)
    {
      char iban[35];
      gsize end = iban_at (text, len, i, iban);
      if (end == 0)
        continue;
      add_iban (ctx->result, iban);
      found++;
      i = end - 1;
    }
  return found;
}

char *
fct_analysis_find_iban (const char *text, gsize len)
{
  for (gsize i = 0; i + 4 <= len; i++)
    {
      char iban[35];
      if (iban_at (text, len, i, iban) != 0)
        return g_strdup (iban);
    }
  return NULL;
}

static GRegex *
compile_once (gsize *once, GRegex **slot, const char *pattern)
{
  if (g_once_init_enter (once))
    {
      *slot = g_regex_new (pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (once, 1);
    }
  return *slot;
}

/* Wording of a change of bank details. French: "nouveau RIB", "nos coordonnées
 * bancaires ont changé", "changement de compte bancaire", "mettre à jour vos
 * coordonnées bancaires", "effectuer vos virements sur le nouveau compte". English:
 * "new bank details", "our banking details have changed", "update your payment
 * information", "remit future payments to". */
static const char change_pattern[]
    = "nouveau\\s+(?:rib|iban|compte\\s+bancaire)|nouvel(?:le)?\\s+(?:iban|banque"
      "|domiciliation)|nouvelles\\s+coordonn[ée]es\\s+bancaires"
      "|changement\\s+(?:de|d')\\s*(?:rib|iban|banque|compte|coordonn[ée]es|domiciliation)"
      "|coordonn[ée]es\\s+bancaires\\s+(?:ont\\s+chang|ont\\s+[ée]t[ée]\\s+modifi|chang)"
      "|(?:modifi\\w*|mettre\\s+[àa]\\s+jour|mise\\s+[àa]\\s+jour)\\s+(?:de\\s+)?(?:vos|"
      "nos|"
      "mes|les|des|votre|notre)?\\s*(?:coordonn[ée]es\\s+bancaires|rib|iban)"
      "|virements?\\s+(?:sur|vers)\\s+(?:le|ce|notre)\\s+nouveau"
      "|new\\s+(?:bank(?:ing)?\\s+)?(?:account|details|iban|bank)"
      "|(?:bank(?:ing)?|payment|remittance)\\s+(?:details|information|account)\\s+(?:has|"
      "have)"
      "\\s+(?:been\\s+)?(?:changed|updated)"
      "|(?:change|update)[ds]?\\s+(?:of|to|in)?\\s*(?:our|your|the|my)?\\s*"
      "(?:bank(?:ing)?|payment)\\s+(?:details|information|account)"
      "|remit\\s+(?:all\\s+)?(?:future\\s+)?payments?\\s+to";

/* TRUE if the ASCII word w (lower case) starts at p, in any case. */
static inline gboolean
word_at (const char *p, const char *end, const char *w, gsize n)
{
  if ((gsize)(end - p) < n)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if ((p[i] | 0x20) != w[i])
      return FALSE;
  return TRUE;
}

#define WORD(p, end, w) word_at ((p), (end), (w), sizeof (w) - 1)

/* Every alternative of change_pattern contains one of these words: when none is in the
 * text, as in most mail, the regular expression is not run. One pass that looks
 * further only at the letters that start a key word costs a fraction of one caseless
 * match over a newsletter. */
static gboolean
may_announce_change (const GString *text)
{
  const char *end = text->str + text->len;

  for (const char *p = text->str; p < end; p++)
    switch (*p | 0x20)
      {
      case 'b':
        if (WORD (p, end, "bank") || WORD (p, end, "banque") || WORD (p, end, "bancaire"))
          return TRUE;
        break;
      case 'c':
        if (WORD (p, end, "coordonn") || WORD (p, end, "changement"))
          return TRUE;
        break;
      case 'd':
        if (WORD (p, end, "domiciliation"))
          return TRUE;
        break;
      case 'i':
        if (WORD (p, end, "iban"))
          return TRUE;
        break;
      case 'n':
        if (WORD (p, end, "new"))
          {
            const char *q = p + 3;
            while (q < end && g_ascii_isspace (*q))
              q++;
            if (q > p + 3 && (WORD (q, end, "account") || WORD (q, end, "details")))
              return TRUE;
          }
        break;
      case 'p':
        if (WORD (p, end, "payment"))
          return TRUE;
        break;
      case 'r':
        if (WORD (p, end, "rib") || WORD (p, end, "remit"))
          return TRUE;
        break;
      case 'v':
        if (WORD (p, end, "virement"))
          return TRUE;
        break;
      default:
        break;
      }
  return FALSE;
}

/* Pressure that comes with such requests, in both languages. */
static const char urgency_pattern[]
    = "\\burgen(?:t|ce|tly)\\b|imm[ée]diat|sans\\s+d[ée]lai|au\\s+plus\\s+vite"
      "|d[èe]s\\s+(?:aujourd|que\\s+possible|r[ée]ception)|dans\\s+les\\s+plus\\s+brefs"
      "|as\\s+soon\\s+as\\s+possible|\\basap\\b|without\\s+delay|right\\s+away"
      "|within\\s+(?:24|48)\\s*h|today|aujourd'hui|avant\\s+(?:ce\\s+soir|demain)";

/* Top-level domains that name a country for marketing, not for the company's seat. */
static const char *const vanity_tlds[]
    = { "ac", "ai", "cc", "co", "eu", "fm", "gg", "io", "la", "ly",
        "me", "ms", "nu", "sh", "so", "tk", "to", "tv", "ws" };

static gboolean
sender_country (FctAnalysisContext *ctx, char out[3])
{
  const char *domain = ctx->result->author_domain;
  const char *tld;

  if (ctx->options->sender_country != NULL && strlen (ctx->options->sender_country) == 2)
    {
      out[0] = g_ascii_toupper (ctx->options->sender_country[0]);
      out[1] = g_ascii_toupper (ctx->options->sender_country[1]);
      out[2] = '\0';
      return TRUE;
    }
  if (domain == NULL || (tld = strrchr (domain, '.')) == NULL || strlen (++tld) != 2)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (vanity_tlds); i++)
    if (g_str_equal (tld, vanity_tlds[i]))
      return FALSE;
  /* ISO 3166 says GB where the DNS says uk (RFC 1591). */
  if (g_str_equal (tld, "uk"))
    tld = "gb";
  out[0] = g_ascii_toupper (tld[0]);
  out[1] = g_ascii_toupper (tld[1]);
  out[2] = '\0';
  return TRUE;
}

void
fct_analysis_check_iban (FctAnalysisContext *ctx)
{
  static gsize change_once, urgency_once;
  static GRegex *change_regex, *urgency_regex;
  FctAnalysis *r = ctx->result;
  const GString *text = ctx->all_text;
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree char *wording = NULL;
  char country[3];
  FctFinding *finding;

  fct_analysis_scan_ibans (ctx, text->str, text->len);

  if (r->ibans->len > 0)
    {
      finding = fct_findings_add (
          ctx->findings, "iban-present",
          g_dngettext (
              GETTEXT_PACKAGE,
              "The message gives %u bank account number (IBAN %s). Before paying, "
              "confirm the account by phone with a number you already know.",
              "The message gives %u bank account numbers (first IBAN %s). Before "
              "paying, confirm the accounts by phone with a number you already know.",
              r->ibans->len),
          r->ibans->len, (const char *)g_ptr_array_index (r->ibans, 0));
      fct_finding_set_evidence (finding, g_ptr_array_index (r->ibans, 0));
    }

  compile_once (&change_once, &change_regex, change_pattern);
  compile_once (&urgency_once, &urgency_regex, urgency_pattern);
  if (change_regex != NULL && may_announce_change (text)
      && g_regex_match_full (change_regex, text->str, (gssize)text->len, 0, 0, &match,
                             NULL))
    wording = g_match_info_fetch (match, 0);
  if (wording != NULL
      && (r->ibans->len > 0
          || (urgency_regex != NULL
              && g_regex_match_full (urgency_regex, text->str, (gssize)text->len, 0, 0,
                                     NULL, NULL))))
    {
      finding = fct_findings_add (
          ctx->findings, "bank-details-change",
          _ ("The message announces new bank details (\"%s\")%s. "
             "This is the most common invoice fraud: never change a "
             "supplier's account on the word of an email; call them "
             "on a known number."),
          wording,
          r->ibans->len > 0 ? _ (" and gives an IBAN") : _ (" and asks to act quickly"));
      fct_finding_set_evidence (finding, wording);
    }

  if (r->ibans->len > 0 && sender_country (ctx, country))
    for (guint i = 0; i < r->ibans->len; i++)
      {
        const char *iban = g_ptr_array_index (r->ibans, i);
        if (iban[0] == country[0] && iban[1] == country[1])
          continue;
        finding
            = fct_findings_add (ctx->findings, "iban-country-mismatch",
                                _ ("The IBAN %s is held in %.2s but the sender is in %s. "
                                   "A foreign account for a local supplier is a sign of "
                                   "fraud: check it by phone."),
                                iban, iban, country);
        fct_finding_set_evidence (finding, iban);
        break;
      }
}
