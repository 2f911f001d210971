/* facteur — the wording of the lures that reach small businesses and that carry no
 * technical mark: an account threatened or to be "verified" with a link to another site
 * (credential phishing), the advance-fee letter (the "419": an inheritance, a fund to
 * release, a share of millions), and sextortion (a recorded video, pay in bitcoin).
 * English and French. Each needs two pieces of evidence in one message, because each
 * word alone is ordinary: a bank does write "unusual activity", a newsletter does speak
 * of millions, a crypto magazine prints bitcoin addresses. */
#include "analysis-private.h"

#include <string.h>

/* The wording is read in the first bytes of the text (subject first): a lure says what
 * it wants at once, and a long newsletter is not read to its end for it, which bounds
 * the cost per message. */
#define SCAM_TEXT_BYTES (64 * 1024)

/* The account threatened or to be confirmed: "your account has been suspended", "verify
 * your account", "unusual sign-in activity", "your mailbox is full", "your password will
 * expire", PayPal's own wording that kits copy ("we have limited access to your
 * account", "your account access will remain limited"), "votre compte a été suspendu",
 * "confirmez votre identité", and their German, Dutch, Portuguese and Spanish forms ("Ihr
 * Konto wurde gesperrt", "Sicherheits-PIN bestätigen", "uw rekening is geblokkeerd", "seu
 * acesso foi bloqueado", "suspensão da CNH", "tu cuenta ha sido suspendida"). Not the
 * sign-up confirmation ("verify your email address"), which is every service's first mail,
 * nor "update your profile", a newsletter's footer. */
static const char lure_pattern[]
    = "\\b(?:your|the|this)\\s(?:\\w+\\s){0,3}?(?:account|mailbox|password|access|card"
      "|membership|wallet)s?\\s(?:\\w+\\s){0,2}?(?:has|have|will|is|was|are)\\s(?:been\\s"
      "|be\\s|now\\s|almost\\s|nearly\\s|currently\\s|temporarily\\s|permanently\\s"
      "|remain\\s){0,3}(?"
      ":\\w+ly\\s)?(?:"
      "suspended|locked"
      "|limited|restricted|disabled|deactivated|blocked|frozen|closed|terminated|on\\shold"
      "|compromised|flagged|expired|full|over\\s(?:its\\s)?(?:quota|limit))"
      "|\\b(?:verify|confirm|validate|reactivate|restore|unlock|secure|prove)\\s(?:your|the"
      "|their)\\s"
      "(?:\\w+\\s){0,2}?(?:account|identity|billing|credentials|login|wallet|mailbox"
      "|information\\son\\sfile|information\\sat\\sthis\\stime|records)"
      "|\\bwe\\s(?:have|'ve)\\s(?:temporarily\\s)?(?:limited|suspended|locked|restricted"
      "|blocked)\\s(?:access\\sto\\s)?your\\s(?:\\w+\\s)?account"
      "|\\bupdate\\s(?:your|the)\\s(?:\\w+\\s)?(?:billing|payment|account)\\s(?:information"
      "|details|info)"
      "|\\bunusual\\s(?:sign[\\s-]?in|login|log[\\s-]in)"
      "|\\b(?:suspicious|unauthori[sz]ed|unusual|fraudulent)\\s(?:\\w+\\s)?(?:activity|"
      "access"
      "|attempt|transaction|charge)s?\\s(?:\\w+\\s){0,3}?(?:on|in|to|with)\\syour\\s(?:\\w+"
      "\\s)?"
      "account"
      "|\\byour\\s(?:\\w+\\s)?password\\s(?:will\\s|is\\sabout\\sto\\s|is\\sgoing\\sto\\s)"
      "expire|\\bpassword\\sexpires\\s(?:today|soon|in\\s\\d)"
      "|\\bvotre\\s(?:compte|acc[eè]s|carte|mot\\sde\\spasse|messagerie|bo[iî]te"
      "\\s(?:mail|aux\\slettres|de\\sr[ée]ception))\\s(?:\\w+\\s){0,2}?(?:a\\s[ée]t[ée]|est"
      "|sera|va\\s[êe]tre)\\s(?:temporairement\\s|d[ée]finitivement\\s)?(?:suspendu|bloqu"
      "|limit|restreint|d[ée]sactiv|ferm[ée]|expir|plein|satur)"
      "|\\b(?:v[ée]rifie[rz]|confirme[rz]|valide[rz]|r[ée]active[rz]|d[ée]bloque[rz])\\s"
      "(?:votre|vos)\\s(?:compte|identit[ée]|acc[eè]s|coordonn[ée]es|informations)"
      "|\\b(?:mettre|mettez)\\s[àa]\\sjour\\s(?:votre|vos)\\s(?:compte|informations\\s"
      "(?:de\\spaiement|bancaires|personnelles)|moyen\\sde\\spaiement)"
      "|\\b(?:activit[ée]|connexion|tentative\\sde\\sconnexion)\\s(?:inhabituelle|"
      "suspecte)";

/* The same in German, Dutch, Portuguese and Spanish, the lures of recent honeypot mail:
 * read only in a text that has words of those languages (foreign_words), so that
 * English and French mail does not pay for them. */
static const char lure_foreign_pattern[]
    = "\\bihre?\\s(?:\\w+\\s){0,2}?(?:konto|zugang|karte|postfach|passwort|abonnement"
      "|schutz)\\s(?:\\w+\\s){0,3}?(?:wurde|wird|ist)\\s(?:\\w+\\s){0,3}?(?:gesperrt"
      "|eingeschr[äa]nkt|deaktiviert|gel[öo]scht|blockiert|abgelaufen|suspendiert)"
      "|\\b(?:best[äa]tigen|verifizieren|aktualisieren)\\s(?:sie\\s)?ihre?[nm]?\\s"
      "(?:\\w+\\s)?(?:konto|identit[äa]t|daten|angaben|zugang|karte|zahlungsdaten)"
      "|\\bsicherheits-?pin\\s(?:\\w+\\s)?best[äa]tigen"
      "|\\bungew[öo]hnliche\\s(?:anmeldung|aktivit[äa]t|anmeldeaktivit[äa]t)"
      "|\\buw\\s(?:\\w+\\s)?(?:account|rekening|bankpas|toegang|mailbox)\\s(?:\\w+\\s){0,2}"
      "?"
      "(?:is|wordt|werd)\\s(?:\\w+\\s)?(?:geblokkeerd|opgeschort|beperkt|verlopen"
      "|gedeactiveerd)"
      "|\\b(?:account|rekening)\\s(?:is\\s|wordt\\s)?geblokkeerd"
      "|\\b(?:bevestig|verifieer)\\s(?:uw|je)\\s(?:\\w+\\s)?(?:gegevens|account"
      "|identiteit|bankgegevens)"
      "|\\b(?:sua|seu)\\s(?:\\w+\\s){0,2}?(?:conta|cart[ãa]o|acesso|cnh|cpf|pedido"
      "|internet\\sbanking)\\s(?:\\w+\\s){0,3}?(?:foi|est[áa]|ser[áa])\\s(?:\\w+\\s)?"
      "(?:bloquead|suspens|cancelad|taxad|restrit)"
      "|\\bdesbloqueie\\s(?:\\w+\\s)?(?:sua|seu)\\s|\\bbloqueio\\s(?:iminente|preventivo)"
      "|\\bsuspens[ãa]o\\sd[ae]\\s(?:sua\\s)?cnh|\\birregularidade\\sdetectada"
      "|\\bmulta\\sde\\str[âa]nsito\\s(?:pendente|associada)|\\bbloqueamos\\s(?:a\\s)?"
      "sua\\s"
      "conta|\\bvalor\\sbloqueado|\\bacesso\\sindevido|\\bresgate\\s(?:agora\\s)?seus\\s"
      "pontos"
      "|\\b(?:tu|su)\\s(?:cuenta|tarjeta|acceso)\\s(?:\\w+\\s){0,2}?(?:ha\\ssido|fue|est["
      "áa]"
      "|ser[áa])\\s(?:\\w+\\s)?(?:bloquead|suspendid|restringid|limitad)"
      "|\\bconfirma\\s(?:tus|sus)\\sdatos";

/* The advance-fee story: someone's money waits for the reader. Only with a large sum
 * (below). */
static const char fee_pattern[]
    = "\\b(?:next\\sof\\skin|inheritance\\sfunds?|deceased|late\\s(?:client|husband|father|"
      "wife"
      "|customer)|atm\\s(?:master\\s)?card|consignment\\sbox|compensation\\s(?:fund|"
      "payment)"
      "|unclaimed\\s(?:fund|sum|deposit|inheritance)|fund\\srelease|release\\sof\\s(?:the|"
      "your"
      "|this)\\sfunds?|(?:percent|%)\\sof\\s(?:the|this)\\s(?:total\\s)?(?:fund|sum|money)"
      "|d[ée]funt|fonds\\sen\\sd[ée]sh[ée]rence|lib[ée]ration\\sdes\\sfonds)";
/* Millions, written as the letters write them: "US$10,500,000.00", "$4.5 million",
 * "2.500.000,00 EUR", "7 millions d'euros". */
static const char money_pattern[]
    = "(?:us\\s?\\$|usd|\\$|€|£|eur|gbp)\\s?\\d{1,3}(?:[,.\\s]\\d{3}){2,}"
      "|\\d{1,3}(?:[,.\\s]\\d{3}){2,}(?:[.,]\\d\\d)?\\s?(?:usd|us\\sdollars|dollars|euros?"
      "|eur|gbp|pounds)|\\d+(?:[.,]\\d+)?\\s?millions?\\s(?:of\\s)?(?:us\\s)?(?:dollars|usd"
      "|euros?|pounds|d'euros|de\\sdollars)|(?:us\\s?\\$|\\$|€|£)\\s?\\d+(?:[.,]\\d+)?"
      "\\s?million";

/* A bitcoin address (base58 P2PKH/P2SH, bech32), and the threat that comes with it. */
static const char bitcoin_pattern[]
    = "(?<![A-Za-z0-9])(?:bc1[02-9ac-hj-np-z]{25,59}|[13][1-9A-HJ-NP-Za-km-z]{25,34})"
      "(?![A-Za-z0-9])";
static const char extortion_pattern[]
    = "\\b(?:webcam|recorded\\syou|video\\sof\\syou|porn|adult\\s(?:site|website|video)"
      "|masturbat|hacked\\syour|access\\sto\\syour\\s(?:device|computer|system|account)"
      "|vid[ée]o\\sde\\svous|sites?\\s(?:pour\\s)?adultes?|pornographique|pirat[ée]"
      "\\svotre)";

/* For lure_pattern and fee_pattern, each alternative as the words that every text it
 * matches holds (see fct_word_filter_add): most mail has none of these sets, and then
 * the two caseless alternations, which cost a few hundred instructions a byte, are not
 * run. Accented letters are avoided or given in both cases. */
static const char *const lure_words[] = {
  "account|mailbox|password|access|card|membership|wallet&suspended|locked|limited"
  "|restricted|disabled|deactivated|blocked|frozen|closed|terminated|hold|compromised"
  "|flagged|expired|full|over",
  "verify|confirm|validate|reactivate|restore|unlock|secure|prove&account|identity|billing"
  "|credentials|login|wallet|mailbox|information|records",
  "update&billing|payment|account",
  "unusual&sign|log",
  "suspicious|unauthori|unusual|fraudulent&account",
  "password&expire",
  "votre&suspendu|bloqu|limit|restreint|désactiv|dÉsactiv|desactiv|ferm|expir|plein|satur",
  "vérifie|vÉrifie|verifie|confirme|valide|réactive|rÉactive|reactive|débloque|dÉbloque"
  "|debloque&votre|vos",
  "mettre|mettez&jour",
  "inhabituelle|suspecte",
  NULL,
};
static const char *const fee_words[] = {
  "next&kin",
  "inheritance|deceased|unclaimed|fonds|défunt|dÉfunt|defunt",
  "fund&release",
  "percent|%&fund|sum|money",
  "late&client|husband|father|wife|customer",
  "atm&card",
  "consignment&box",
  "compensation&fund|payment",
  NULL,
};

typedef struct
{
  GRegex *lure;
  GRegex *fee;
  GRegex *money;
  GRegex *bitcoin;
  GRegex *extortion;
} Patterns;

static GRegex *
compile (const char *pattern, GRegexCompileFlags flags)
{
  return fct_analysis_regex ("scam", pattern, flags);
}

static const Patterns *
patterns (void)
{
  static gsize once;
  static Patterns p;

  if (g_once_init_enter (&once))
    {
      p.lure = compile (lure_pattern, G_REGEX_CASELESS);
      p.fee = compile (fee_pattern, G_REGEX_CASELESS);
      p.money = compile (money_pattern, G_REGEX_CASELESS);
      p.bitcoin = compile (bitcoin_pattern, 0);
      p.extortion = compile (extortion_pattern, G_REGEX_CASELESS);
      g_once_init_leave (&once, 1);
    }
  return &p;
}

/* The first match of re in text, white space folded to single spaces (transfer full),
 * or NULL. */
static char *
first_match (const GRegex *re, const char *text, gsize len)
{
  g_autoptr (GMatchInfo) info = NULL;
  g_autofree char *word = NULL;

  if (!g_regex_match_full (re, text, (gssize)len, 0, 0, &info, NULL))
    return NULL;
  word = g_match_info_fetch (info, 0);
  GString *out = g_string_sized_new (strlen (word));
  for (const char *c = word; *c != '\0'; c++)
    {
      gboolean space = g_ascii_isspace (*c);
      if (!space)
        g_string_append_c (out, *c);
      else if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
    }
  return g_string_free (out, FALSE);
}

/* The foreign lures, compiled on their first use: most mail never needs them. */
static const GRegex *
lure_foreign (void)
{
  static gsize once;
  static GRegex *re;

  if (g_once_init_enter (&once))
    {
      re = compile (lure_foreign_pattern, G_REGEX_CASELESS);
      g_once_init_leave (&once, 1);
    }
  return re;
}

/* Common words of German, Dutch, Portuguese and Spanish, between spaces: with one of
 * them the text is read for the foreign lures too. */
static const char *const foreign_words[] = {
  "und|der|die|Sie|ist|wurde|het|een|uw|je|niet|zijn|você|não|seu|sua|uma|em"
  "|para|los|por|su",
  NULL,
};

/* The rules of fct_analysis_words (): set once, before any scan. */
static guint lure_rule, fee_rule, foreign_rule;

void
fct_analysis_scam_words (FctWordFilter *filter)
{
  lure_rule = fct_word_filter_add (filter, lure_words);
  fee_rule = fct_word_filter_add (filter, fee_words);
  foreign_rule = fct_word_filter_add_rule (filter, FCT_WORD_START_SPACED, foreign_words);
}

/* TRUE if a bitcoin address may be in the text: it is a whole run of 26 to 62 ASCII
 * letters and digits that starts with "1", "3" or "bc1" (bitcoin_pattern), and most
 * text has none, while the expression costs about ten instructions a byte. */
static gboolean
may_hold_bitcoin (const FctWordScan *scan)
{
  G_STATIC_ASSERT (FCT_WORD_LONG_RUN <= 26);
  for (const char *c = "13b"; *c != '\0'; c++)
    if ((scan->long_runs[(guchar)*c / 64] >> ((guchar)*c % 64) & 1) != 0)
      return TRUE;
  return FALSE;
}

/* The domain of the first mailto: link to another organisation than the sender's: the
 * lure that asks the reader to write ("report this sign-in") to its collector
 * (transfer full), or NULL. */
static char *
foreign_mailto (const FctAnalysis *result)
{
  for (guint i = 0; i < fct_mime_get_link_count (result->mime); i++)
    {
      const FctMimeLink *link = fct_mime_get_link (result->mime, i);
      const char *at, *end;
      g_autofree char *domain = NULL;
      g_autofree char *org = NULL;

      if (g_ascii_strncasecmp (link->href, "mailto:", 7) != 0
          || (at = strchr (link->href, '@')) == NULL)
        continue;
      end = at + 1 + strcspn (at + 1, "?&,;> ");
      domain = fct_analysis_host_normalize (at + 1, (gsize)(end - at - 1));
      org = domain != NULL ? fct_analysis_org_domain (domain) : NULL;
      if (org != NULL
          && (result->author_org == NULL || !g_str_equal (org, result->author_org)))
        return g_steal_pointer (&domain);
    }
  return NULL;
}

/* The first link host that is neither the sender's organisation nor under it, nor
 * another domain of the same brand (paypalobjects.com in mail From paypal.com): where a
 * lure sends the reader. An IP literal counts; without one, a mailto: link to another
 * organisation (foreign_mailto). (transfer none) */
const char *
fct_analysis_foreign_link (const FctAnalysisContext *ctx)
{
  const FctAnalysis *result = ctx->result;

  for (guint i = 0; i < result->hosts->len; i++)
    {
      const FctAnalysisHost *h = g_ptr_array_index (result->hosts, i);
      if (h->ip_literal)
        return h->host;
      if (h->org_domain == NULL)
        continue;
      if (result->author_org == NULL
          || (!g_str_equal (h->org_domain, result->author_org)
              && !fct_analysis_brands_same (ctx->brands, h->org_domain,
                                            result->author_org)))
        return h->host;
    }
  return NULL;
}

void
fct_analysis_check_scams (FctAnalysisContext *ctx)
{
  const Patterns *p = patterns ();
  const char *text = ctx->all_text->str;
  gsize len = ctx->all_text->len;

  /* Cut on a character boundary: the regexes read UTF-8. */
  if (len > SCAM_TEXT_BYTES)
    {
      len = SCAM_TEXT_BYTES;
      while (len > 0 && ((guchar)text[len] & 0xc0) == 0x80)
        len--;
    }

  /* The text's scan, or that of its first SCAM_TEXT_BYTES. */
  g_auto (FctWordScan) cut = { 0 };
  const FctWordScan *scan = &ctx->words;
  if (len < ctx->all_text->len)
    {
      fct_word_filter_scan_full (fct_analysis_words (), text, len, &cut);
      scan = &cut;
    }
  guint64 may = scan->met;

  {
    g_autofree char *mailto = NULL;
    const char *host = fct_analysis_foreign_link (ctx);
    g_autofree char *lure = NULL;

    if (host == NULL)
      host = mailto = foreign_mailto (ctx->result);
    if (host != NULL && (may & (G_GUINT64_CONSTANT (1) << lure_rule)))
      lure = first_match (p->lure, text, len);
    if (host != NULL && lure == NULL && (may & (G_GUINT64_CONSTANT (1) << foreign_rule)))
      lure = first_match (lure_foreign (), text, len);
    if (lure != NULL)
      {
        g_autofree char *evidence = g_strdup_printf ("“%s” → %s", lure, host);
        FctFinding *finding = fct_findings_add (
            ctx->findings, "phishing-account-lure",
            _ ("The message threatens or asks to confirm an account (“%s”) and links to "
               "%s, a site of another organisation than the sender. This is how "
               "credential phishing reads: do not sign in through the link; open the "
               "service's site by typing its address."),
            lure, host);
        fct_finding_set_evidence (finding, evidence);
        ctx->lure = g_steal_pointer (&lure);
      }
  }

  {
    g_autofree char *story = (may & (G_GUINT64_CONSTANT (1) << fee_rule))
                                 ? first_match (p->fee, text, len)
                                 : NULL;
    g_autofree char *sum = story != NULL ? first_match (p->money, text, len) : NULL;
    if (sum != NULL)
      {
        g_autofree char *evidence = g_strdup_printf ("“%s”, %s", story, sum);
        FctFinding *finding = fct_findings_add (
            ctx->findings, "scam-advance-fee",
            _ ("The message offers a share of a large sum (%s) with the advance-fee "
               "story (“%s”): such money never comes, and the fees asked first are the "
               "fraud. Do not answer."),
            sum, story);
        fct_finding_set_evidence (finding, evidence);
      }
  }

  {
    g_autofree char *wallet
        = may_hold_bitcoin (scan) ? first_match (p->bitcoin, text, len) : NULL;
    g_autofree char *threat = wallet != NULL ? first_match (p->extortion, text, len) : NULL;
    if (threat != NULL)
      {
        g_autofree char *evidence = g_strdup_printf ("“%s”, %s", threat, wallet);
        FctFinding *finding = fct_findings_add (
            ctx->findings, "scam-sextortion",
            _ ("The message demands bitcoin (%s) under a threat (“%s”): sextortion "
               "sent in bulk; the sender has no video and no access. Do not pay, do not "
               "answer; change the password it quotes if it quotes one."),
            wallet, threat);
        fct_finding_set_evidence (finding, evidence);
      }
  }
}
