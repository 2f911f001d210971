/* facteur — the wording of a change of bank details, the invoice fraud that small
 * businesses fear most ("nouveau RIB", "our bank details have changed"), in French and
 * English. An announcement by the sender is enough; the same words addressed to the
 * reader ("if you have changed banks, send your new RIB") or about a login account ("your
 * new account is ready") are not one. Also the CEO-fraud request ("fraude au
 * président"): a transfer asked for urgently and in secret. */
#include "analysis-private.h"

#include <string.h>

/* How far (bytes, either side) a weak announcement ("nouvelles coordonnées", "new
 * account") looks for a banking word: about a sentence. */
#define CONTEXT_BYTES 160

/* Announcements that name the bank details themselves: alone, enough. A match whose
 * group "not" took part is addressed to the reader or conditional, and does not count.
 * French verb forms: changer, changeons, changé(e)(s), changement; English: change,
 * changed, changing, switched, moved. Apostrophes are normalised to ' and white space to
 * one space before matching. */
static const char *const strong_patterns[] = {
  /* "notre nouveau RIB", "nos nouvelles coordonnées bancaires", "mon nouvel IBAN". */
  "(?<not>\\b(?:votre|vos|ton|tes|ta)\\s)?\\bnouve(?:au|aux|l|lle|lles)\\s(?:rib|iban"
  "|relev[ée]\\sd'identit[ée]\\sbancaire|coordonn[ée]es\\sbancaires|compte\\sbancaire"
  "|banque|[ée]tablissement\\sbancaire|domiciliation)\\b",
  /* "changement de banque", "nous avons changé de banque", "modification de nos
     coordonnées bancaires", "nous changeons de domiciliation bancaire". */
  "(?<not>\\b(?:vous\\s(?:avez|aviez|avez\\s[ée]t[ée])|si\\svous|en\\scas\\sde"
  "|lorsque\\svous|quand\\svous)\\s(?:\\w+\\s)?)?\\b(?:chang[a-zé]*|modifi[a-zé]*"
  "|transf[ée]r[a-zé]*)\\s(?:de|d'|du|des|notre|nos|mon|ma|mes)\\s?(?:nos\\s|notre\\s)?"
  "(?:rib|iban|banque|[ée]tablissement\\sbancaire|domiciliation|compte\\sbancaire"
  "|coordonn[ée]es\\sbancaires|relev[ée]\\sd'identit[ée]\\sbancaire)\\b",
  /* "nos coordonnées bancaires ont changé / ont été modifiées / changent". */
  "(?<not>\\b(?:vos|votre|tes|ton)\\s)?\\b(?:coordonn[ée]es\\sbancaires|rib|iban"
  "|domiciliation\\sbancaire|compte\\sbancaire)\\s(?:ont|a|sont|va|vont)?\\s?(?:[ée]t[ée]"
  "\\s)?"
  "(?:chang|modifi|mis(?:es)?\\s[àa]\\sjour|actualis|[ée]volu)",
  /* "merci de mettre à jour nos coordonnées bancaires", "mise à jour de notre RIB". */
  "\\b(?:mettre|mettez|mise|mis)\\s[àa]\\sjour\\s(?:de\\s|des\\s)?(?:(?<not>vos|votre|tes"
  "|ton)\\s|nos\\s|notre\\s|le\\s|les\\s)?(?:coordonn[ée]es\\sbancaires|rib|iban)\\b",
  /* "effectuer vos virements sur notre nouveau compte", "ne plus utiliser l'ancien
     RIB". */
  "\\bvirements?\\s(?:sur|vers|[àa])\\s(?:le|ce|notre|mon)\\snouveau",
  "\\b(?:ne\\splus\\sutiliser|n'utilisez\\splus|ne\\splus\\seffectuer\\sde\\svirements?"
  "\\ssur)\\s(?:l'|le\\s|notre\\s|mon\\s|nos\\s|les\\s)?ancien",
  /* "our new bank details", "the new IBAN", "new sort code", "new wire instructions";
     not "your new bank card", "a new bank holiday". */
  "(?<not>\\byour\\s)?\\bnew\\s(?:bank(?:ing)?\\s(?:details|account|information|info"
  "|instructions|coordinates)|iban|sort\\scode|remittance\\s(?:details|information"
  "|address|instructions)|wire\\s(?:instructions|details)"
  "|bank\\b(?!\\s(?:holiday|rate|of|card|branch|app|transfer)))",
  /* "our bank details have changed", "remittance information has been updated". */
  "(?<not>\\byour\\s)?\\b(?:bank(?:ing)?|remittance|wire|bank\\saccount)"
  "\\s(?:details|information|info|instructions)\\s(?:have|has|had|are|were|is)\\s"
  "(?:been\\s|now\\s|recently\\s)?(?:changed|updated|amended|modified|changing)",
  /* Payment details are the sender's only with "our": "your payment information has
     been updated" is a shop's receipt. */
  "\\b(?:our|my)\\s(?:new\\spayment\\s(?:details|instructions|information)|payment"
  "\\s(?:details|information|instructions)\\s(?:have|has|had|are|were)\\s(?:been\\s"
  "|now\\s)?(?:changed|updated|amended|modified|changing))",
  /* "our bank account has changed", "updated banking information". */
  "\\bour\\sbank(?:ing)?\\saccount\\s(?:number\\s|details\\s)?(?:has|have)\\s(?:been\\s)?"
  "(?:changed|updated|moved)",
  "(?<not>\\byour\\s)?\\bupdated\\s(?:bank(?:ing)?|remittance|wire|payment)\\s(?:details"
  "|information|instructions)",
  /* "change of bank details", "update to our banking information". */
  "\\b(?:change|changes|changed|changing|update|updated|amendment)\\s(?:of|to|in)\\s"
  "(?:our\\s|the\\s|my\\s)?(?:bank(?:ing)?|remittance)\\s(?:details|information|account"
  "|instructions)",
  /* "we have changed banks", "we've switched our bank", "I changed my bank account". */
  "\\b(?:we|i)(?:'ve|\\shave|\\shad|'d)?\\s(?:recently\\s)?(?:changed|switched|moved)"
  "\\s(?:our\\s|my\\s)?(?:banks?|banking|bank\\s(?:account|details|provider)"
  "|account\\sto)\\b",
  /* "remit all future payments to our new account", "payments should now be made to
     the following account". */
  "\\bremit\\s(?:all\\s)?(?:future\\s|further\\s)?payments?\\sto\\s(?:our|the|this)\\s"
  "(?:new|following|updated)",
  "\\b(?:future|further|outstanding|all)\\s(?:future\\s)?payments?\\s(?:should|must"
  "|will\\sneed\\sto|need\\sto)\\s(?:now\\s)?be\\s(?:made|sent|remitted|paid|wired"
  "|transferred)\\sto\\s(?:our|the|this)\\s(?:new|following|updated)",
  "\\b(?:do\\snot|don't|no\\slonger|stop)\\s(?:use|send\\s(?:payments?|funds)\\sto"
  "|pay\\s(?:in)?to|make\\spayments?\\sto|remit\\sto)\\s(?:our|the)\\s(?:old|previous"
  "|former|existing)\\s(?:bank|account|iban)",
  /* Payroll diversion: "please update my direct deposit". */
  "\\b(?:update|change|changing|updating)\\smy\\s(?:direct\\sdeposit|payroll\\s(?:details"
  "|account|information)|bank(?:ing)?\\s(?:details|information|account))",
};

/* Announcements that name no bank ("nos nouvelles coordonnées", "our new account"):
 * they count with a banking word near them, an IBAN in the message or an attachment
 * named as bank details. "new account\\b" does not match "new accounting". */
static const char *const weak_patterns[] = {
  "(?<not>\\b(?:votre|vos|ton|tes|ta|ouvr[a-z]*\\sun)\\s)?\\bnouve(?:au|aux|l|lle|lles)"
  "\\s(?:compte"
  "|coordonn[ée]es|r[ée]f[ée]rences)\\b",
  "(?<not>\\b(?:si\\svous|en\\scas\\sde)\\s(?:\\w+\\s)?)?\\bchang[a-zé]*\\s(?:de|d')\\s?"
  "(?:compte|coordonn[ée]es)\\b",
  "(?<not>\\b(?:vos|votre)\\s)?\\bcoordonn[ée]es\\s(?:ont|sont)\\s(?:[ée]t[ée]\\s)?"
  "(?:chang|modifi)",
  "(?<not>\\b(?:your|open(?:ing)?\\s(?:a|an|your))\\s)?\\bnew\\s(?:account|details"
  "|account\\s(?:details|number))\\b",
  "(?<not>\\byour\\s)?\\b(?:account\\s)?(?:details|information)\\s(?:have|has)\\s(?:"
  "been\\s)?"
  "(?:changed|updated)",
};

/* A banking word, for the context of a weak announcement. */
static const char banking_pattern[]
    = "\\b(?:bank|banks|banking|iban|rib|bic|swift|sort\\scode|routing\\snumber|wire"
      "|remittance|banque|bancaires?|virements?|domiciliation)\\b";

/* "Nos coordonnées bancaires restent inchangées": a company that moves says so. */
static const char unchanged_pattern[]
    = "inchang|unchanged|remains?\\sthe\\ssame|restent\\sles\\sm[êe]mes"
      "|ne\\schangent\\spas|n'ont\\spas\\s(?:[ée]t[ée]\\s)?(?:chang|modifi)"
      "|(?:have|has|did)\\snot\\s(?:been\\s)?change";

/* An attachment named as bank details: "RIB.pdf", "RIB_Leblanc_2026.pdf", "IBAN.pdf",
 * "Coordonnées bancaires.pdf", "Bank details.pdf". */
static const char filename_pattern[]
    = "(?<![a-z])(?:rib|iban|bic)(?![a-z])|coordonn[ée]es[\\s_.-]*bancaires"
      "|bank[\\s_.-]*(?:details|account|information)|relev[ée][\\s_.-]*d[\\s_.'-]*identit";

/* The CEO-fraud script needs three things at once: a transfer asked for, urgency, and
 * secrecy. Secrecy is an instruction ("n'en parlez à personne", "keep this between
 * us"), not the word "confidential" alone, which every corporate disclaimer carries. */
static const char transfer_pattern[]
    = "\\b(?:virement|virer|transf[ée]rer|wire|transfer|remittance|payer|pay)\\b";
static const char urgent_pattern[]
    = "\\b(?:urgent|urgente|urgence|urgently|imm[ée]diatement|immediately|today"
      "|aujourd'hui|d[èe]s\\s(?:maintenant|que\\spossible|ce\\smatin)|asap"
      "|as\\ssoon\\sas\\spossible|time[\\s-]sensitive|avant\\s(?:ce\\ssoir|midi|\\d+\\s?h)"
      "|by\\s(?:end\\sof\\sday|noon|\\d+\\s?(?:am|pm)))";
static const char secret_pattern[]
    = "n'en\\sparle[zs]?\\s[àa]\\spersonne|ne\\s(?:pas\\s)?en\\sparler|en\\stoute\\sdiscr["
      "ée]tion"
      "|(?:soyez|restez|rester)\\sdiscr[eè]te?|(?:dossier|op[ée]ration|acquisition|affaire)"
      "\\s(?:strictement\\s|tr[èe]s\\s)?confidentiel(?:le)?|strictement\\sconfidentiel"
      "|urgent(?:e)?\\set\\sconfidentiel(?:le)?|confidentiel(?:le)?\\set\\surgent"
      "|keep\\s(?:this|it)\\s(?:between\\sus|confidential|quiet|to\\syourself)"
      "|(?:do\\snot|don't)\\s(?:discuss|share|mention|tell)\\s(?:this|it|anyone)"
      "|confidential\\s(?:matter|project|acquisition|deal|transaction)"
      "|urgent\\sand\\sconfidential|confidential\\sand\\surgent|be\\sdiscreet";

typedef struct
{
  GRegex *transfer;
  GRegex *urgent;
  GRegex *secret;
  GRegex *strong[G_N_ELEMENTS (strong_patterns)];
  GRegex *weak[G_N_ELEMENTS (weak_patterns)];
  GRegex *banking;
  GRegex *unchanged;
  GRegex *filename;
} Patterns;

static GRegex *
compile (const char *pattern)
{
  g_autoptr (GError) error = NULL;
  GRegex *re = g_regex_new (pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, &error);

  /* The patterns are constants: a failure is a programmer error. */
  if (re == NULL)
    g_error ("bankchange: %s: %s", pattern, error->message);
  return re;
}

static const Patterns *
patterns (void)
{
  static gsize once;
  static Patterns p;

  if (g_once_init_enter (&once))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (strong_patterns); i++)
        p.strong[i] = compile (strong_patterns[i]);
      for (gsize i = 0; i < G_N_ELEMENTS (weak_patterns); i++)
        p.weak[i] = compile (weak_patterns[i]);
      p.banking = compile (banking_pattern);
      p.unchanged = compile (unchanged_pattern);
      p.filename = compile (filename_pattern);
      p.transfer = compile (transfer_pattern);
      p.urgent = compile (urgent_pattern);
      p.secret = compile (secret_pattern);
      g_once_init_leave (&once, 1);
    }
  return &p;
}

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

/* Every strong pattern contains one of these words: when none is in the text, as in
 * most mail, no regular expression runs. One pass that looks further only at the
 * letters that start a key word costs a fraction of one caseless match. */
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
        if (WORD (p, end, "coordonn") || WORD (p, end, "compte"))
          return TRUE;
        break;
      case 'd':
        if (WORD (p, end, "domiciliation") || WORD (p, end, "direct deposit"))
          return TRUE;
        break;
      case 'i':
        if (WORD (p, end, "iban"))
          return TRUE;
        break;
      case 'n':
        if (WORD (p, end, "new "))
          return TRUE;
        break;
      case 'p':
        if (WORD (p, end, "payment") || WORD (p, end, "payroll"))
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

/* The text with every run of white space (ASCII, no-break U+00A0, narrow no-break
 * U+202F, thin U+2009) as one space and the typographic apostrophe U+2019 as ', so
 * that the patterns need neither; valid UTF-8 in, valid UTF-8 out. */
static GString *
normalise (const GString *text)
{
  GString *out = g_string_sized_new (text->len);
  const char *p = text->str, *end = text->str + text->len;
  gboolean space = FALSE;

  while (p < end)
    {
      const guchar c = (guchar)*p;
      if (g_ascii_isspace (c))
        {
          space = TRUE;
          p++;
          continue;
        }
      if (c == 0xc2 && p + 1 < end && (guchar)p[1] == 0xa0)
        {
          space = TRUE;
          p += 2;
          continue;
        }
      if (c == 0xe2 && p + 2 < end && (guchar)p[1] == 0x80
          && ((guchar)p[2] == 0xaf || (guchar)p[2] == 0x89))
        {
          space = TRUE;
          p += 3;
          continue;
        }
      if (space && out->len > 0)
        g_string_append_c (out, ' ');
      space = FALSE;
      if (c == 0xe2 && p + 2 < end && (guchar)p[1] == 0x80 && (guchar)p[2] == 0x99)
        {
          g_string_append_c (out, '\'');
          p += 3;
          continue;
        }
      g_string_append_c (out, (char)c);
      p++;
    }
  return out;
}

/* The first match of re in text from byte from on that is not addressed to the
 * reader, or NULL (transfer full); its byte offsets in *start, *end. */
static char *
find_announcement (GRegex *re, const GString *text, gint from, gint *start, gint *end)
{
  g_autoptr (GMatchInfo) match = NULL;

  g_regex_match_full (re, text->str, (gssize)text->len, from, 0, &match, NULL);
  for (; g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      gint ns = -1, ne = -1;
      /* A pattern without the group answers FALSE: nothing to exclude. */
      if (g_match_info_fetch_named_pos (match, "not", &ns, &ne) && ns >= 0)
        continue;
      g_match_info_fetch_pos (match, 0, start, end);
      return g_match_info_fetch (match, 0);
    }
  return NULL;
}

/* TRUE if re matches within CONTEXT_BYTES of [start, end). */
static gboolean
near (GRegex *re, const GString *text, gint start, gint end)
{
  gsize from = start > CONTEXT_BYTES ? (gsize)start - CONTEXT_BYTES : 0;
  gsize to = MIN (text->len, (gsize)end + CONTEXT_BYTES);

  /* Whole characters only, so that the window is valid UTF-8. */
  while (from > 0 && ((guchar)text->str[from] & 0xc0) == 0x80)
    from--;
  while (to < text->len && ((guchar)text->str[to] & 0xc0) == 0x80)
    to++;
  return g_regex_match_full (re, text->str + from, (gssize)(to - from), 0, 0, NULL, NULL);
}

const char *
fct_analysis_bank_attachment (FctAnalysisContext *ctx)
{
  const FctMime *mime = ctx->result->mime;

  for (guint i = 0; i < fct_mime_get_part_count (mime); i++)
    {
      const FctMimePart *part = fct_mime_get_part (mime, i);
      if (part->kind == FCT_MIME_PART_ATTACHMENT && part->filename != NULL
          && g_utf8_validate (part->filename, -1, NULL)
          && g_regex_match (patterns ()->filename, part->filename, 0, NULL))
        return part->filename;
    }
  return NULL;
}

char *
fct_analysis_bank_change_wording (FctAnalysisContext *ctx, gboolean bank_context)
{
  const Patterns *p = patterns ();
  g_autoptr (GString) text = NULL;
  gint start = 0, end = 0;

  if (!may_announce_change (ctx->all_text) && !bank_context)
    return NULL;
  text = normalise (ctx->all_text);
  for (gsize i = 0; i < G_N_ELEMENTS (p->strong); i++)
    {
      char *wording = find_announcement (p->strong[i], text, 0, &start, &end);
      if (wording != NULL)
        return wording;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (p->weak); i++)
    for (gint from = 0;; from = end)
      {
        g_autofree char *wording = find_announcement (p->weak[i], text, from, &start, &end);
        if (wording == NULL)
          break;
        if ((bank_context || near (p->banking, text, start, end))
            && !near (p->unchanged, text, start, end))
          return g_steal_pointer (&wording);
      }
  return NULL;
}

char *
fct_analysis_transfer_secrecy_wording (FctAnalysisContext *ctx)
{
  const Patterns *p = patterns ();
  g_autoptr (GString) text = NULL;
  g_autoptr (GMatchInfo) match = NULL;

  text = normalise (ctx->all_text);
  if (!g_regex_match_full (p->secret, text->str, (gssize)text->len, 0, 0, &match, NULL)
      || !g_regex_match_full (p->transfer, text->str, (gssize)text->len, 0, 0, NULL, NULL)
      || !g_regex_match_full (p->urgent, text->str, (gssize)text->len, 0, 0, NULL, NULL))
    return NULL;
  return g_match_info_fetch (match, 0);
}
