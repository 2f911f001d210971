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

/* iban_set values: whose account the text says it is. */
#define IBAN_SENDERS GINT_TO_POINTER (1)
#define IBAN_READERS GINT_TO_POINTER (2)

static void
add_iban (FctAnalysis *result, const char *iban, gboolean readers)
{
  gpointer key;
  char *copy;

  if (g_hash_table_lookup_extended (result->iban_set, iban, &key, NULL))
    {
      /* Given once as the sender's: the sender's. */
      if (!readers)
        g_hash_table_insert (result->iban_set, key, IBAN_SENDERS);
      return;
    }
  copy = g_strdup (iban);
  g_ptr_array_add (result->ibans, copy);
  g_hash_table_insert (result->iban_set, copy, readers ? IBAN_READERS : IBAN_SENDERS);
}

/* TRUE if the words just before an account number make it the reader's ("sur votre
 * compte FR76...", "to your account GB29..."): a customer confirming a payment quotes
 * the supplier's own account, which says nothing about where the sender is. */
static gboolean
readers_account (const char *text, const char *at)
{
  static const char *const words[]
      = { "votre compte", "votre iban", "votre rib",        "vos coordonn",
          "your account", "your iban",  "your bank account" };
  const char *from = at - MIN ((gsize)(at - text), 40);
  g_autofree char *window = g_ascii_strdown (from, at - from);

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (window, words[i]) != NULL)
      return TRUE;
  return FALSE;
}

gboolean
fct_analysis_iban_is_readers (const FctAnalysis *result, const char *iban)
{
  return g_hash_table_lookup (result->iban_set, iban) == IBAN_READERS;
}

/* The length of the separator at p inside a written IBAN or RIB, or 0: a space, a tab,
 * a dash, a no-break space (U+00A0) or a narrow no-break space (U+202F). One separator
 * between two characters; how the characters are grouped does not matter ("FR 76
 * 3000...", "FR76 30004 00003 12345678901 43"): the length and mod-97 decide. */
static gsize
separator_at (const char *p, const char *end)
{
  if (p < end && (*p == ' ' || *p == '\t' || *p == '-'))
    return 1;
  if (end - p >= 2 && (guchar)p[0] == 0xc2 && (guchar)p[1] == 0xa0)
    return 2;
  if (end - p >= 3 && (guchar)p[0] == 0xe2 && (guchar)p[1] == 0x80 && (guchar)p[2] == 0xaf)
    return 3;
  return 0;
}

/* Reads up to max alphanumeric characters from *p, upper-cased into out, skipping
 * single separators between them; stops before anything else. Returns the count. */
static guint
read_grouped (const char **p, const char *end, char *out, guint max)
{
  const char *q = *p;
  guint n = 0;

  while (q < end && n < max)
    {
      gsize sep;
      if (g_ascii_isalnum (*q))
        {
          out[n++] = g_ascii_toupper (*q++);
          continue;
        }
      sep = separator_at (q, end);
      if (sep == 0 || n == 0 || q + sep >= end || !g_ascii_isalnum (q[sep]))
        break;
      q += sep;
    }
  *p = q;
  return n;
}

/* If a valid IBAN starts at p, writes it to iban (normalised) and returns where it
 * ends; NULL otherwise. */
static const char *
iban_at (const char *text, const char *p, const char *end, char iban[35])
{
  const char *q;
  guint want;

  /* Two capital letters at the start of a word (ISO 13616-1 writes the country code in
     capitals; lower-case words are prose), then the check digits. */
  if (end - p < 4 || !g_ascii_isupper (p[0]) || !g_ascii_isupper (p[1])
      || (p > text && g_ascii_isalnum (p[-1])))
    return NULL;
  iban[0] = p[0];
  iban[1] = p[1];
  if ((want = iban_length (iban)) == 0)
    return NULL;
  q = p + 2;
  q += separator_at (q, end);
  if (q + 2 > end || !g_ascii_isdigit (q[0]) || !g_ascii_isdigit (q[1]))
    return NULL;
  if (read_grouped (&q, end, iban + 2, want - 2) != want - 2
      || (q < end && g_ascii_isalnum (*q)))
    return NULL;
  iban[want] = '\0';
  return iban_checksum_ok (iban, want) ? q : NULL;
}

/* The first ASCII digit at or after p, or end. Text is mostly letters: eight bytes are
 * looked at at once. */
static const char *
next_digit (const char *p, const char *end)
{
  const guint64 low7 = G_GUINT64_CONSTANT (0x7f7f7f7f7f7f7f7f);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);

  while (end - p >= 8)
    {
      guint64 w, x;

      memcpy (&w, p, sizeof w);
      /* Per byte, without carries (x is at most 0x7f): x + 0x50 reaches 0x80 from '0',
         x + 0x46 from ':'; a byte with its high bit set is no digit. */
      x = w & low7;
      if (((x + G_GUINT64_CONSTANT (0x5050505050505050))
           & ~(x + G_GUINT64_CONSTANT (0x4646464646464646)) & ~w & highs)
          != 0)
        break;
      p += 8;
    }
  while (p < end && !g_ascii_isdigit (*p))
    p++;
  return p;
}

guint
fct_analysis_scan_ibans (FctAnalysisContext *ctx, const char *text, gsize len)
{
  const char *end = text + len;
  const char *digit = text;
  guint found = 0;

  for (const char *p = text; p + 4 <= end; p++)
    {
      char iban[35];
      const char *q;

      /* iban_at wants its check digits at p + 2 to p + 5 (after a separator of up to
         three bytes): the starts before the next digit's reach are passed over. */
      if (digit < p + 2)
        digit = next_digit (p + 2, end);
      if (digit - p > 5)
        {
          if (digit >= end)
            break;
          p = digit - 6;
          continue;
        }
      /* iban_at's first test, here: it is called for a capital only. */
      if (!g_ascii_isupper (*p) || (q = iban_at (text, p, end, iban)) == NULL)
        continue;
      add_iban (ctx->result, iban, readers_account (text, p));
      found++;
      p = q - 1;
    }
  return found;
}

char *
fct_analysis_find_iban (const char *text, gsize len)
{
  for (const char *p = text; p + 4 <= text + len; p++)
    {
      char iban[35];
      if (g_ascii_isupper (*p) && iban_at (text, p, text + len, iban) != NULL)
        return g_strdup (iban);
    }
  return NULL;
}

/* A French RIB digit: letters of the account number count as digits by the Banque de
 * France table (A-I 1-9, J-R 1-9, S-Z 2-9). */
static guint
rib_digit (char c)
{
  if (g_ascii_isdigit (c))
    return (guint)(c - '0');
  if (c >= 'A' && c <= 'I')
    return (guint)(c - 'A' + 1);
  if (c >= 'J' && c <= 'R')
    return (guint)(c - 'J' + 1);
  return (guint)(c - 'S' + 2);
}

/* The clé RIB: 97 - ((89 × bank + 15 × branch + 3 × account) mod 97), the account's
 * letters read by rib_digit. */
static gboolean
rib_key_ok (const char *bank, const char *branch, const char *account, const char *key)
{
  guint64 b = 0, g = 0, c = 0;

  for (int i = 0; i < 5; i++)
    {
      b = b * 10 + (guint)(bank[i] - '0');
      g = g * 10 + (guint)(branch[i] - '0');
    }
  for (int i = 0; i < 11; i++)
    c = c * 10 + rib_digit (account[i]);
  return 97 - (89 * b + 15 * g + 3 * c) % 97 == (guint)((key[0] - '0') * 10 + key[1] - '0');
}

/* How many bytes of label may stand between two numbers of a RIB: "Code guichet : ",
 * "\nN° de compte : ", "Clé RIB : ". */
#define RIB_LABEL_MAX 40

/* Skips a label: no digit, at most RIB_LABEL_MAX bytes; returns where the next number
 * starts, or NULL. */
static const char *
skip_label (const char *p, const char *end)
{
  const char *limit = p + MIN ((gsize)(end - p), RIB_LABEL_MAX);

  for (const char *q = p; q < limit; q++)
    if (g_ascii_isdigit (*q))
      return q > p && !g_ascii_isalnum (q[-1]) ? q : NULL;
  return NULL;
}

/* Reads a number of exactly n characters (digits, or capitals too when letters) that
 * stands alone. */
static gboolean
read_field (const char **p, const char *end, char *out, guint n, gboolean letters)
{
  const char *q = *p;

  for (guint i = 0; i < n; i++, q++)
    {
      if (q >= end || !(g_ascii_isdigit (*q) || (letters && g_ascii_isupper (*q))))
        return FALSE;
      out[i] = *q;
    }
  if (q < end && g_ascii_isalnum (*q))
    return FALSE;
  *p = q;
  return TRUE;
}

guint
fct_analysis_scan_ribs (FctAnalysisContext *ctx, const char *text, gsize len)
{
  const char *end = text + len;
  guint found = 0;

  for (const char *p = text; p + 5 <= end; p++)
    {
      char bank[5], branch[5], account[11], key[2], bban[24], iban[28];
      const char *q;

      /* The code banque: five digits that start a number. */
      p = next_digit (p, end);
      if (end - p < 5)
        break;
      q = p;
      if (p > text && g_ascii_isalnum (p[-1]))
        continue;
      if (!read_field (&q, end, bank, 5, FALSE) || (q = skip_label (q, end)) == NULL
          || !read_field (&q, end, branch, 5, FALSE) || (q = skip_label (q, end)) == NULL
          || !read_field (&q, end, account, 11, TRUE) || (q = skip_label (q, end)) == NULL
          || !read_field (&q, end, key, 2, FALSE)
          || !rib_key_ok (bank, branch, account, key))
        continue;
      /* The IBAN of a French RIB: FR, check digits, then the 23 characters of the RIB
         (ISO 13616-1 §6.1: 98 - mod 97 of the BBAN followed by "FR00"). */
      memcpy (bban, bank, 5);
      memcpy (bban + 5, branch, 5);
      memcpy (bban + 10, account, 11);
      memcpy (bban + 21, key, 2);
      bban[23] = '\0';
      memcpy (iban, "FR00", 4);
      memcpy (iban + 4, bban, 24);
      {
        guint rem = 0, check;
        for (guint k = 0; k < 27; k++)
          {
            char c = iban[(k + 4) % 27];
            rem = g_ascii_isdigit (c) ? (rem * 10 + (guint)(c - '0')) % 97
                                      : (rem * 100 + (guint)(c - 'A' + 10)) % 97;
          }
        check = 98 - rem;
        iban[2] = (char)('0' + check / 10);
        iban[3] = (char)('0' + check % 10);
      }
      add_iban (ctx->result, iban, readers_account (text, p));
      found++;
      p = q - 1;
    }
  return found;
}

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
  FctAnalysis *r = ctx->result;
  const GString *text = ctx->all_text;
  const char *attachment = fct_analysis_bank_attachment (ctx);
  g_autofree char *wording = NULL;
  g_autofree char *secrecy = NULL;
  g_autofree char *gift = NULL;
  char country[3];
  FctFinding *finding;

  fct_analysis_scan_ibans (ctx, text->str, text->len);
  fct_analysis_scan_ribs (ctx, text->str, text->len);

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

  /* The announcement alone is the fraud: the new account often comes in a PDF, by
     phone, or in the next message. An IBAN or an attachment named as bank details
     gives the banking context that a vaguer wording ("nos nouvelles coordonnées")
     needs. */
  fct_analysis_fraud_wordings (ctx, r->ibans->len > 0 || attachment != NULL, &wording,
                               &secrecy, &gift);
  if (wording != NULL)
    {
      if (r->ibans->len > 0)
        finding = fct_findings_add (
            ctx->findings, "bank-details-change",
            _ ("The message announces new bank details (\"%s\") and gives an IBAN (%s). "
               "This is the most common invoice fraud: never change a supplier's account "
               "on the word of an email; call them on a number you already know."),
            wording, (const char *)g_ptr_array_index (r->ibans, 0));
      else if (attachment != NULL)
        finding = fct_findings_add (
            ctx->findings, "bank-details-change",
            _ ("The message announces new bank details (\"%s\") and attaches %s. This is "
               "the most common invoice fraud: never change a supplier's account on the "
               "word of an email; call them on a number you already know."),
            wording, attachment);
      else
        finding = fct_findings_add (
            ctx->findings, "bank-details-change",
            _ ("The message announces new bank details (\"%s\"). This is the most common "
               "invoice fraud: never change a supplier's account on the word of an email; "
               "call them on a number you already know."),
            wording);
      fct_finding_set_evidence (finding, wording);
    }

  if (secrecy != NULL)
    {
      finding = fct_findings_add (
          ctx->findings, "transfer-request-secret",
          _ ("The message asks for an urgent transfer and for secrecy (\"%s\"). This is "
             "the CEO fraud: whoever seems to ask, confirm by phone on a number you "
             "already know, and tell someone."),
          secrecy);
      fct_finding_set_evidence (finding, secrecy);
    }

  if (gift != NULL)
    {
      finding = fct_findings_add (
          ctx->findings, "gift-card-request",
          _ ("The message asks the reader to buy gift cards (\"%s\"), with what comes with "
             "the CEO fraud: secrecy, a surprise, the codes, cards for clients. Whoever "
             "seems to ask, confirm by phone on a number you already know before buying "
             "anything."),
          gift);
      fct_finding_set_evidence (finding, gift);
    }

  if (r->ibans->len > 0 && sender_country (ctx, country))
    for (guint i = 0; i < r->ibans->len; i++)
      {
        const char *iban = g_ptr_array_index (r->ibans, i);
        if ((iban[0] == country[0] && iban[1] == country[1])
            || fct_analysis_iban_is_readers (r, iban))
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
