/* facteur — the bait of bulk scams, in English, French, German, Spanish, Portuguese and
 * Dutch: a prize or reward to claim, a crypto airdrop, a parcel held for a fee, a casino
 * bonus, an adult dating invitation. Every one of these wordings is also written by
 * honest senders (a genuine contest, a carrier's notice, a casino's newsletter to its
 * players), so the wording alone never decides: the message must also show what an
 * honest sender does not do (deception(), below). */
#include "analysis-private.h"

#include <gmime/gmime.h>
#include <string.h>

#include <facteur/verify.h>

/* The bait is in the subject or the first lines: 16 KiB of text bound the cost of the
 * wordings on a long newsletter whose sender looks deceptive. */
#define LURES_TEXT_BYTES (16 * 1024)

/* A prize, reward, gift card, survey reward or loyalty points about to expire: "you
 * have been selected", "claim your reward", "your points will expire", "vous avez
 * gagné", "Sie haben gewonnen", "Gewinnspiel", "has ganado", "você foi selecionado",
 * "resgate seus pontos", "u heeft gewonnen". */
static const char prize_pattern[]
    = "\\byou(?:'ve\\sbeen|\\shave\\sbeen|\\sare|\\swere|'re)\\s(?:randomly\\s)?(?:selected"
      "|chosen|picked)\\s(?:to|as|for)\\b"
      "|\\byou(?:'ve|\\shave)\\s(?:just\\s)?won\\b"
      "|\\byou\\s(?:are|'re)\\s(?:the|our|a|one\\sof\\s(?:the|our))\\s(?:\\w+\\s){0,2}?"
      "winners?\\b|\\blucky\\s(?:winner|customer|visitor|user|one)"
      "|\\b(?:claim|redeem|collect|receive|get)\\syour\\s(?:\\w+\\s){0,3}?(?:reward|prize"
      "|gift|voucher|points)|\\bclaim\\syour\\sfree\\b"
      "|\\byour\\s(?:\\w+\\s){0,2}?(?:reward|prize|gift|voucher|points)\\s(?:is|are|has"
      "|have|will)\\s(?:\\w+\\s)?(?:waiting|pending|ready|expir|about\\sto\\sexpire"
      "|reserved|on\\shold)"
      "|\\b(?:reward|prize|gift|points)s?\\s(?:will\\s|are\\s)?expir"
      "|\\b(?:survey|umfrage|enqu[êe]te|sondage|encuesta|pesquisa)\\b[^.!?\\n]{0,80}"
      "\\b(?:reward|gift|prize|\\$\\s?\\d+|bonus|geschenk|gutschein|cadeau|premio|regalo"
      "|pr[êe]mio|brinde|free|gratis|kostenlos|gewinnen|win|beloning)"
      "|\\b(?:reward|gift|prize|bonus|gewinnen|geschenk|cadeau|premio|pr[êe]mio)\\b"
      "[^.!?\\n]{0,80}\\b(?:survey|umfrage|enqu[êe]te|sondage|encuesta|pesquisa)\\b"
      "|\\bchance\\sto\\s(?:win|receive|get)\\b|\\benter\\sto\\swin\\b|\\bsweepstakes?\\b"
      "|\\byou(?:'ve|\\shave)\\s(?:just\\s)?(?:been\\s)?(?:received|awarded|credited)\\s"
      "(?:with\\s)?(?:an?\\s)?(?:\\w+\\s){0,3}?(?:reward|prize|gift|voucher|bonus)"
      "|\\boportunidad\\sde\\s(?:recibir|ganar|obtener)|\\bsorpresa\\spara\\s(?:los\\s)?"
      "clientes|\\boportunidade\\sde\\s(?:receber|ganhar)|\\bgewinnen\\ssie\\b"
      "|\\bcongrat(?:ulation)?s[!,.:\\s]+(?:you(?:'ve|\\shave|\\sare|'re)|your\\s(?:\\w+"
      "\\s)?"
      "(?:reward|prize|gift))"
      "|\\bvous\\s(?:avez\\s[ée]t[ée]\\s(?:\\w+\\s)?s[ée]lectionn|[êe]tes\\s(?:l[ea]\\s|"
      "une?\\s(?:des\\s)?)?(?:heureux|heureuse|gagnant|s[ée]lectionn)|avez\\sgagn[ée])"
      "|\\b(?:r[ée]clamez|r[ée]cup[ée]rez|obtenez)\\svotre\\s(?:\\w+\\s){0,2}?(?:cadeau"
      "|r[ée]compense|prix|lot|bon\\sd'achat)"
      "|\\bvotre\\s(?:cadeau|r[ée]compense|lot)\\s(?:vous\\sattend|est\\s(?:pr[êe]t|en"
      "\\sattente))|\\bvos\\s(?:\\w+\\s)?points\\s(?:\\w+\\s){0,2}?(?:expir|vont\\sexpirer)"
      "|\\bsie\\s(?:wurden|sind)\\s(?:\\w+\\s){0,3}?(?:ausgew[äa]hlt|gewinner|finalist)"
      "|\\bsie\\shaben\\s(?:\\w+\\s){0,2}?gewonnen|\\bgewinnspiel|\\bgewinndaten"
      "|\\bwir\\sgratulieren|\\bherzlichen\\sgl[üu]ckwunsch|\\bals\\sgewinner\\s(?:\\w+\\s)"
      "?"
      "ausgew[äa]hlt|\\bdu\\s(?:wurdest|bist)\\s(?:\\w+\\s)?(?:ausgew[äa]hlt|gewinner)"
      "|\\bverlos(?:en|ung)\\b|\\bteilnahme\\sbest[äa]tigen"
      "|\\b(?:gutschein|geschenk|pr[äa]mie|belohnung)\\w*\\s(?:\\w+\\s){0,3}?(?:abholen"
      "|einl[öo]sen|sichern|erhalten|wartet|beanspruchen|zusenden|anfordern|angefordert)"
      "|\\bihre?\\s(?:\\w+\\s)?punkte\\s(?:\\w+\\s){0,2}?(?:verfallen|laufen\\sab)"
      "|\\bhas\\s(?:sido\\s(?:seleccionad|elegid)|ganado)"
      "|\\b(?:reclam[ae]|canjea|obt[ée]n)\\stu\\s(?:\\w+\\s)?(?:premio|regalo|recompensa)"
      "|\\btus\\s(?:\\w+\\s)?puntos\\s(?:\\w+\\s){0,2}?(?:expiran|caducan|vencen)"
      "|\\bfelicidades[!,.\\s]+(?:has|eres|tu)\\b"
      "|\\bvoc[êe]\\s(?:foi\\s(?:selecionad|escolhid|sortead|contemplad)|ganhou|[ée]\\s"
      "(?:o|a|um|uma)\\s(?:\\w+\\s)?(?:ganhador|vencedor|sortead))"
      "|\\bresgat(?:e|ar)\\s(?:\\w+\\s){0,2}?(?:pontos|pr[êe]mio|brinde|recompensa|valores"
      "|saldo)|\\bpontos\\s(?:\\w+\\s){0,3}?(?:expir|venc|v[ãa]o\\sexpirar)"
      "|\\bpontos\\s(?:acumulados|dispon[íi]veis)|\\bvalores\\s(?:a\\sreceber"
      "|dispon[íi]veis)|\\bparab[ée]ns[!,.\\s]+voc[êe]"
      "|\\bu\\s(?:bent|werd)\\s(?:\\w+\\s)?(?:geselecteerd|gekozen|uitgekozen)"
      "|\\b(?:u|je)\\s(?:heeft|hebt|heb)\\s(?:\\w+\\s)?gewonnen"
      "|\\bgefeliciteerd[!,.\\s]+(?:u|je)\\b"
      "|\\bclaim\\s(?:uw|je)\\s(?:\\w+\\s)?(?:beloning|prijs|cadeau|tegoed)"
      "|\\b(?:uw|je)\\s(?:\\w+\\s)?punten\\s(?:\\w+\\s){0,2}?verlopen";
static const char *const prize_words[] = {
  "select|chosen|picked|won|winner|lucky|reward|prize|gift|voucher|points|survey|chance"
  "|sweepstake|congrat|received|awarded|credited|enter|umfrage|enquête|enquete|sondage"
  "|encuesta|pesquisa|oportunidad|sorpresa|sélection|selection|gagn|cadeau|récompense|"
  "recompense|lot"
  "|gewinn|gratul|herzlich|gutschein|geschenk|prämie|pramie|belohnung|punkte|ausgew"
  "|finalist|seleccionad|elegid|ganad|premio|regalo|recompensa|puntos|felicidades"
  "|selecionad|escolhid|sortead|contemplad|ganhou|ganhador|vencedor|resgat|pontos|valores"
  "|parab|verlos|teilnahme|wurdest|geselecteerd|gekozen|uitgekozen|gewonnen|gefeliciteerd|"
  "beloning|prijs|punten",
  NULL,
};

/* The prize wordings that speak to the reader as the winner, read in the body of a
 * message whose deceptive sign is weak (READ_SUBJECT, below): "you have been
 * selected", "claim your reward", "Sie wurden als Gewinner ausgewählt", "você ganhou".
 * A newsletter's "our lucky winner" speaks of someone else. */
static const char direct_pattern[]
    = "\\byou(?:'ve|\\shave)\\sbeen\\s(?:randomly\\s)?(?:selected|chosen|picked)\\b"
      "|\\byou(?:'ve|\\shave)\\s(?:just\\s)?won\\b|\\byou\\s(?:are|'re)\\s(?:the|our|a)\\s"
      "(?:\\w+\\s){0,2}?winner\\b|\\bclaim\\syour\\s(?:\\w+\\s){0,3}?(?:reward|prize|gift)"
      "|\\byour\\s(?:\\w+\\s){0,2}?(?:reward|prize|gift)\\s(?:is|has\\sbeen)\\s(?:waiting"
      "|reserved|ready)|\\bcongrat(?:ulation)?s[!,.:\\s]+you(?:'ve|\\shave|\\sare|'re)\\b"
      "|\\bvous\\savez\\s(?:[ée]t[ée]\\ss[ée]lectionn|gagn[ée])|\\bvous\\s[êe]tes\\s"
      "(?:l'heureux|l'heureuse|le\\sgagnant|la\\sgagnante)"
      "|\\bsie\\s(?:wurden|sind)\\s(?:\\w+\\s){0,3}?(?:ausgew[äa]hlt|gewinner)"
      "|\\bals\\sgewinner\\s(?:\\w+\\s)?ausgew[äa]hlt|\\b(?:sie\\shaben|du\\shast)\\s"
      "(?:\\w+\\s){0,2}?gewonnen|\\bdu\\s(?:wurdest|bist)\\s(?:\\w+\\s)?(?:ausgew[äa]hlt"
      "|gewinner)|\\bhas\\s(?:sido\\sseleccionad|ganado)|\\beres\\sel\\s(?:afortunado\\s)?"
      "ganador|\\bvoc[êe]\\s(?:foi\\s(?:selecionad|sortead|contemplad)|ganhou)"
      "|\\bu\\s(?:bent|werd)\\s(?:\\w+\\s)?(?:geselecteerd|gekozen)|\\b(?:u|je)\\s(?:heeft"
      "|hebt)\\s(?:\\w+\\s)?gewonnen";
static const char *const direct_words[] = {
  "selected|chosen|picked|won|winner|reward|prize|gift|congrat|sélectionn|selectionn"
  "|gagn|ausgew|gewinner|gewonnen|seleccionad|ganado|ganador|selecionad|ganhou|sortead"
  "|contemplad|geselecteerd|gekozen",
  NULL,
};

/* A crypto giveaway or airdrop: "claim your airdrop", "connect your wallet", "your
 * wallet has been funded", "withdrawals are now available", "free BTC". */
static const char crypto_pattern[]
    = "\\bair[\\s-]?drop"
      "|\\bclaim\\s(?:your\\s)?(?:\\w+\\s){0,2}?(?:tokens?|nfts?|xrp|btc|eth|usdt|coins?"
      "|cashback|allocation|share)\\b"
      "|\\bconnect\\s(?:your\\s)?(?:\\w+\\s)?wallet|\\bwallet\\s(?:has\\sbeen|was)\\s"
      "(?:credited|funded|approved)|\\bstaking\\s(?:rewards?|feature|program|journey)"
      "|\\bwithdrawals?\\s(?:are\\s|is\\s)?(?:now\\s)?(?:available|enabled|open)"
      "|\\bfree\\s(?:btc|bitcoin|eth|crypto|nfts?|tokens?)\\b"
      "|\\b(?:btc|bitcoin|eth|usdt|crypto)\\s(?:giveaway|donation|bonus)"
      "|\\b(?:seed|recovery)\\sphrase"
      "|\\b(?:r[ée]clamez|r[ée]cup[ée]rez)\\svos\\s(?:jetons|tokens|nft)"
      "|\\bconecte\\s(?:sua\\s)?carteira|\\bverbinden\\ssie\\sihre\\swallet"
      "|\\bbitcoin-?auszahlung|\\btokens?\\s(?:re)?distribution|\\bmint\\b[^.!?\\n]{0,40}"
      "\\bfor\\sfree\\b";
static const char *const crypto_words[] = {
  "air&drop",
  "claim|connect|wallet|staking|withdraw|free|seed|recovery|réclamez|reclamez"
  "|récupérez|recuperez|conecte|verbinden&token|nft|xrp|btc|eth|usdt|coin|cashback"
  "|allocation|share|wallet|credited|funded|approved|reward|feature|program|journey"
  "|available|enabled|open|bitcoin|crypto|phrase|jetons|carteira",
  "btc|bitcoin|eth|usdt|crypto&giveaway|donation|bonus|auszahlung",
  "mint&free",
  "token&distribution|redistribution",
  NULL,
};

/* A parcel held, returned or waiting for a fee: "your package could not be
 * delivered", "customs fee", "schedule a redelivery", "Ihr Paket", "votre colis est
 * bloqué", "sua encomenda foi taxada", "uw pakket kon niet worden bezorgd". */
static const char delivery_pattern[]
    = "\\b(?:your|the)\\s(?:\\w+\\s)?(?:parcel|package|shipment|delivery)\\s(?:\\w+\\s){0,"
      "3}?(?:could\\snot\\sbe|cannot\\sbe|couldn't\\sbe|was\\snot|has\\snot\\sbeen|is|was"
      "|has\\sbeen|will\\sbe)\\s(?:\\w+\\s)?(?:held|on\\shold|returned|sent\\sback"
      "|suspended|pending|stopped|blocked|delivered|detained)"
      "|\\bre-?deliver|\\breschedule\\s(?:your\\s|the\\s)?delivery"
      "|\\b(?:customs|import)\\s(?:fee|charge|dut(?:y|ies)|tax)|\\b(?:shipping|delivery"
      "|redelivery|handling)\\s(?:fee|charge)"
      "|\\bvotre\\s(?:colis|envoi|livraison)\\s(?:\\w+\\s){0,3}?(?:est|a\\s[ée]t[ée]|sera"
      "|n'a\\spas\\spu\\s[êe]tre)\\s(?:\\w+\\s)?(?:bloqu|retenu|en\\sattente|retourn"
      "|suspendu|livr)|\\bfrais\\sde\\s(?:douane|livraison|port|r[ée]exp[ée]dition)"
      "|\\breprogrammer\\s(?:la|votre)\\slivraison"
      "|\\bihre?\\s(?:paket|sendung|lieferung|bestellung)\\s(?:\\w+\\s){0,4}?"
      "(?:zugestellt|zur[üu]ckgeschickt|zur[üu]ckgesendet|angehalten|zur[üu]ckgehalten"
      "|verz[öo]gert|blockiert|gestoppt|bereitstehen|wartet)"
      "|\\bzustellung\\s(?:ihres|des)\\s(?:pakets|paketes|sendung)"
      "|\\b(?:zoll|versand|zustell)geb[üu]hr"
      "|\\b(?:bestellung|paket|sendung)\\s(?:\\d+\\s)?hat\\ssich\\sverz[öo]gert"
      "|\\btu\\s(?:paquete|pedido|env[íi]o)\\s(?:\\w+\\s){0,3}?(?:no\\s(?:pudo|ha\\spodido)"
      "\\sser\\sentregado|est[áa]\\s(?:retenido|en\\sespera|pendiente))"
      "|\\b(?:gastos|tasas?)\\sde\\s(?:env[íi]o|aduana)"
      "|\\b(?:sua|seu)\\s(?:encomenda|pacote|entrega|objeto)\\s(?:\\w+\\s){0,3}?(?:foi"
      "|est[áa]|ser[áa]|n[ãa]o\\s(?:p[ôo]de|foi))\\s(?:\\w+\\s)?(?:retid|taxad|devolvid"
      "|bloquead|entregue|suspens|aguardando)"
      "|\\btaxa\\sde\\s(?:importa[çc][ãa]o|entrega|envio|desembara[çc]o)"
      "|\\b(?:uw|je)\\s(?:pakket|zending)\\s(?:\\w+\\s){0,3}?(?:kon|is|wordt|werd)\\s"
      "(?:\\w+\\s){0,2}?(?:bezorgd|geleverd|tegengehouden|vastgehouden|geretourneerd)"
      "|\\b(?:invoer|douane|verzend)kosten|\\bpakket\\sin\\safwachting"
      "|\\bbevestiging\\snodig\\som\\s(?:je|uw)\\s(?:bestelling|pakket|zending)"
      "|\\b(?:parcel|package|item|shipment)\\s(?:is\\s)?(?:being\\s|still\\s)?(?:held|"
      "on\\shold"
      "|waiting\\sfor\\s(?:delivery|confirmation|you))|\\bpending\\sdelivery"
      "|\\b(?:will|could|can)\\snot\\sbe\\sdelivered"
      "|\\bincorrect\\s(?:delivery\\s|shipping\\s)?address|\\baddress\\s(?:is\\s|was\\s)?"
      "(?:incorrect|incomplete|invalid)"
      "|\\b(?:konden|kunnen)\\s(?:uw|je)\\s(?:pakket|zending)\\sniet\\s(?:afleveren|"
      "bezorgen"
      "|leveren)|\\b(?:afleveradres|adres)\\s(?:\\w+\\s)?onjuist"
      "|\\bpaquete\\spendiente|\\bpendiente\\sde\\sentrega"
      "|\\benv[íi]o\\spendiente|\\bautoriza[çc][ãa]o\\sde\\sretirada";
static const char *const delivery_words[] = {
  "parcel|package|shipment|delivery|deliver|redeliver|reschedule|customs|shipping"
  "|handling|colis|envoi|livraison|frais|paket|sendung|lieferung|bestellung|zustellung"
  "|zoll|versand|zustell|paquete|pedido|envío|envio|gastos|tasa|encomenda|pacote"
  "|entrega|objeto|taxa|pakket|zending|invoer|douane|verzend|bevestiging|autoriza"
  "|item|pending|incorrect|address|konden|kunnen|afleveradres|adres|pendiente",
  "will|could|can&deliver",
  NULL,
};

/* An online casino's bonus: "free spins", "deposit bonus", "Freispiele", "tours
 * gratuits", "giros grátis", "gratis spins". */
static const char casino_pattern[]
    = "\\bfree\\s?spins?|\\bfreispiel|\\bgratis\\s?spins?|\\bgiros\\sgr[áa]tis"
      "|\\brodadas\\sgr[áa]tis|\\btours\\sgratuits|\\btiradas\\sgratis"
      "|\\b(?:welcome|deposit|casino|no[\\s-]deposit)\\sbonus|\\bwillkommensbonus"
      "|\\bbonus\\sde\\sbienvenue|\\bb[ôo]nus\\sde\\sboas[\\s-]vindas"
      "|\\bbono\\sde\\sbienvenida|\\b\\d{3}\\s?%\\s(?:welcome\\s|deposit\\s|match\\s)?bonus"
      "|\\bbonus\\sclaim\\b|\\bcasino\\b|\\bcassino\\b|\\bjackpot";
static const char *const casino_words[] = {
  "spin|freispiel|giros|rodadas|tours|tiradas|bonus|bônus|bono|casino|cassino|jackpot"
  "|willkommensbonus",
  NULL,
};

/* An adult "dating" invitation from a stranger: "naked girls", "she sent you a
 * message, see my private photos", "Nackte Frauen", "Ukrainische Bräute". */
static const char dating_pattern[]
    = "\\b(?:naked|nude|nackte?n?|naakte?|horny|geile?n?|sexy|lonely|mature|reife)\\s"
      "(?:\\w+\\s)?(?:girls?|women|ladies|moms?|wives|frauen|m[äa]dchen|vrouwen|meisjes"
      "|mulheres|singles|photos|pictures|fotos|foto's)"
      "|\\b(?:russian|ukrainian|slavic|asian|russische|ukrainische|slawische"
      "|oekra[ïi]?ense)\\s(?:\\w+\\s)?(?:women|girls|brides|beauties|frauen|br[äa]ute"
      "|sch[öo]nheiten|m[äa]dchen|vrouwen|meisjes|schoonheden)"
      "|\\b(?:filles|femmes)\\s(?:ukrainiennes|russes|chaudes|m[ûu]res|c[ée]libataires)"
      "|\\brendez-vous\\s(?:chaud|coquin)"
      "|\\bwants?\\sto\\s(?:meet|chat|fuck|hook\\sup|date)\\s(?:you|with\\syou)"
      "|\\bsee\\smy\\s(?:private\\s)?(?:photos|pictures|pics)"
      "|\\b(?:meine|mijn)\\s(?:privaten?\\s|priv[ée]\\s)?(?:fotos|bilder|foto's)"
      "|\\bneuken\\b|\\bficken\\b|\\bsex\\s(?:date|dating|tonight)|\\bsexdate"
      "|\\breife\\s?frauen|\\b(?:hat|heeft)\\s(?:dir|je|jou)\\s(?:eine|een)\\s(?:\\w+\\s)?"
      "(?:nachricht|priv[ée]bericht|bericht)|\\bsingles\\s(?:in|bei|bij)\\s(?:your|deiner"
      "|jou)|\\blooking\\sfor\\sa\\slover|\\bdating\\s?(?:site|website)";
static const char *const dating_words[] = {
  "naked|nude|nackt|naakt|horny|geil|sexy|lonely|mature|reife|russian|ukrainian|slavic"
  "|asian|russische|ukrainische|slawische|oekra|want|see|meine|mijn|neuken|ficken|fuck"
  "|sex|filles|femmes|rendez"
  "|hat|heeft|singles|looking|dating",
  NULL,
};

typedef struct
{
  const char *id;
  const char *pattern;
  const char *const *words;
  const char *what; /* what the bait offers, for the reader */
  /* When the only sign is a display name that is not the sender's: words one of which
     the name must hold, or NULL. Businesses write of parcels every day, under their
     staff's names ("Marie Dubois" <contact@…> sending a carrier's tracking link); the
     fake carrier names a carrier or a parcel ("UPS Parcel", "Pakketvrijgave", "DHL
     Paket", "E n t r e g a fallida"). */
  const char *const *claim;
} Family;

/* Names and words of carriers and parcels, matched in the display name with its
 * spaces and punctuation removed; the short carrier names as whole words. */
static const char *const carrier_words[] = {
  "parcel",    "package",  "delivery",  "shipping",  "shipment",   "tracking",
  "fedex",     "correios", "postnl",    "bpost",     "hermes",     "chronopost",
  "colissimo", "laposte",  "colis",     "livraison", "paket",      "pakket",
  "versand",   "zustell",  "lieferung", "sendung",   "bestellung", "bestelling",
  "envio",     "entrega",  "encomenda", "paquete",   "express",    "courier",
  "post",      NULL,
};
static const char *const carrier_short[]
    = { "ups", "dhl", "usps", "gls", "dpd", "ctt", NULL };

/* In the order a message is named by: the first family that matches is reported. */
static const Family families[] = {
  { "scam-prize-lure", prize_pattern, prize_words, N_ ("a prize or a reward to claim") },
  { "scam-crypto-giveaway", crypto_pattern, crypto_words,
    N_ ("crypto-currency to claim or a wallet to connect") },
  { "phishing-delivery-lure", delivery_pattern, delivery_words,
    N_ ("a parcel held or returned, or a fee to pay for it"), carrier_words },
  { "scam-casino-bonus", casino_pattern, casino_words, N_ ("a casino bonus") },
  { "scam-dating-lure", dating_pattern, dating_words,
    N_ ("an adult dating invitation from a stranger") },
};

typedef struct
{
  GRegex *re[G_N_ELEMENTS (families)];
  /* One filter a family: together they hold more words than one filter takes. */
  FctWordFilter *words[G_N_ELEMENTS (families)];
  GRegex *direct;
  FctWordFilter *direct_words;
} Patterns;

static const Patterns *
patterns (void)
{
  static gsize once;
  static Patterns p;

  if (g_once_init_enter (&once))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (families); i++)
        {
          p.re[i] = fct_analysis_regex ("lures", families[i].pattern, G_REGEX_CASELESS);
          p.words[i] = fct_word_filter_new ();
          fct_word_filter_add (p.words[i], families[i].words);
        }
      p.direct = fct_analysis_regex ("lures", direct_pattern, G_REGEX_CASELESS);
      p.direct_words = fct_word_filter_new ();
      fct_word_filter_add (p.direct_words, direct_words);
      g_once_init_leave (&once, 1);
    }
  return &p;
}

/* The first match, to the end of its last word ("bloqu" is shown as "bloqué"), white
 * space folded (transfer full), or NULL. */
static char *
first_match (const GRegex *re, const char *text, gsize len)
{
  g_autoptr (GMatchInfo) info = NULL;
  gint start = 0, end = 0;

  if (!g_regex_match_full (re, text, (gssize)len, 0, 0, &info, NULL)
      || !g_match_info_fetch_pos (info, 0, &start, &end))
    return NULL;
  /* The patterns match stems; the text is valid UTF-8 (the regexes read it so). */
  const char *stop = text + end;
  while (
      stop < text + len && *stop != '\0'
      && g_unichar_isalnum (g_utf8_get_char_validated (stop, (gssize)(text + len - stop))))
    stop = g_utf8_next_char (stop);
  GString *out = g_string_sized_new ((gsize)(stop - text - start));
  for (const char *c = text + start; c < stop; c++)
    {
      if (!g_ascii_isspace (*c))
        g_string_append_c (out, *c);
      else if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
    }
  return g_string_free (out, FALSE);
}

/* The registrable domain of the first mailbox of the Reply-To field (transfer full),
 * or NULL. */
static char *
reply_to_org (FctMsg *msg)
{
  const FctMsgHeader *header = fct_msg_find_header (msg, "Reply-To", 0);
  InternetAddressList *list;
  char *org = NULL;

  if (header == NULL || (list = internet_address_list_parse (NULL, header->value)) == NULL)
    return NULL;
  for (int i = 0; i < internet_address_list_length (list) && org == NULL; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);
      const char *addr, *at;
      g_autofree char *domain = NULL;

      if (!INTERNET_ADDRESS_IS_MAILBOX (ia)
          || (addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)))
                 == NULL
          || (at = strrchr (addr, '@')) == NULL)
        continue;
      domain = fct_analysis_host_normalize (at + 1, strlen (at + 1));
      if (domain != NULL)
        org = fct_analysis_org_domain (domain);
    }
  g_object_unref (list);
  return org;
}

/* Words of role and courtesy that name nobody ("Service", "Customer Support",
 * "Comptabilité", "Kundenservice"): a display name made only of them claims no
 * organisation, and businesses write their mail under such names every day. Folded
 * (lower case, no accents). */
static const char *const generic_words[] = {
  "service",     "services",       "support",      "contact",       "team",
  "equipe",      "customer",       "customers",    "client",        "clients",
  "info",        "infos",          "information",  "news",          "newsletter",
  "billing",     "accounts",       "accounting",   "compta",        "comptabilite",
  "facturation", "factures",       "invoice",      "invoices",      "admin",
  "noreply",     "reply",          "notification", "notifications", "sales",
  "commercial",  "accueil",        "hello",        "bonjour",       "office",
  "secretariat", "direction",      "care",         "help",          "helpdesk",
  "desk",        "kundenservice",  "kundendienst", "atendimento",   "servicio",
  "cliente",     "klantenservice", "the",          "and",           "mail",
  "webmaster",   "postmaster",     "your",         "our",           NULL,
};

static gboolean
generic_word (const char *word, gsize n)
{
  for (gsize i = 0; generic_words[i] != NULL; i++)
    if (strlen (generic_words[i]) == n && memcmp (generic_words[i], word, n) == 0)
      return TRUE;
  return FALSE;
}

/* TRUE if the display name and the From address share a name: a word of the name
 * (four letters or more) inside the address, its mailbox or its domain ("Marie
 * Dubois" <marie.dubois@…>, "Blockchain.com" <…@email.blockchain.com>, "Crédit
 * Agricole" <…@credit-agricole.fr>), or the domain's own label inside the name with its
 * spaces and punctuation removed ("PCH" <…@pch.com>). A name with no Latin word to
 * compare (written in another script, emoji, or only generic_words) is not judged. */
static gboolean
name_matches_address (const char *name, const char *address, const char *org)
{
  g_autofree char *folded = fct_analysis_fold (name);
  g_autofree char *dfold = fct_analysis_fold (address);
  GString *squeezed = g_string_new (NULL), *dsq = g_string_new (NULL);
  gboolean match = FALSE, claims = FALSE;
  gsize label = strcspn (org, ".");

  for (const char *c = dfold; *c != '\0'; c++)
    if (g_ascii_isalnum (*c))
      g_string_append_c (dsq, *c);
  for (const char *c = folded; *c != '\0';)
    {
      gsize n = 0;
      while (g_ascii_isalnum (c[n]))
        n++;
      g_string_append_len (squeezed, c, (gssize)n);
      if (n >= 3 && !generic_word (c, n))
        claims = TRUE;
      if (n >= 4)
        {
          g_autofree char *word = g_strndup (c, n);
          if (strstr (dsq->str, word) != NULL)
            match = TRUE;
        }
      c += n;
      if (n == 0)
        c = g_utf8_next_char (c);
    }
  if (!match && label >= 3)
    {
      g_autofree char *own = g_strndup (org, label);
      GString *o = g_string_new (NULL);
      for (const char *c = own; *c != '\0'; c++)
        if (g_ascii_isalnum (*c))
          g_string_append_c (o, *c);
      match = o->len >= 3 && strstr (squeezed->str, o->str) != NULL;
      g_string_free (o, TRUE);
    }
  if (!claims)
    match = TRUE;
  g_string_free (squeezed, TRUE);
  g_string_free (dsq, TRUE);
  return match;
}

/* TRUE if the display name is the organisation of one of the links, the link's
 * registrable label whole in the name: a gateway or a mailer sending for the
 * organisation it names ("boingboing" <rssfeeds@…> linking to boingboing.net, "Acme
 * News" <acme@mailer.example> linking to acme.com). A word of the name inside a longer
 * label is not enough: scam pages are named after the bait ("HIT'N'SPIN" linking to
 * spin-casino-bonus.top, "PancakeSwap" to pancakeswap-airdrop.click). */
static gboolean
name_matches_link (const FctAnalysis *r)
{
  g_autofree char *folded = fct_analysis_fold (r->author_name);
  GString *name = g_string_new (NULL);
  gboolean match = FALSE;

  for (const char *c = folded; *c != '\0'; c++)
    if (g_ascii_isalnum (*c))
      g_string_append_c (name, *c);
  for (guint i = 0; i < r->hosts->len && !match; i++)
    {
      const FctAnalysisHost *h = g_ptr_array_index (r->hosts, i);
      GString *label = g_string_new (NULL);
      if (h->org_domain != NULL)
        for (const char *c = h->org_domain; *c != '\0' && *c != '.'; c++)
          if (g_ascii_isalnum (*c))
            g_string_append_c (label, *c);
      match = label->len >= 4 && strstr (name->str, label->str) != NULL;
      g_string_free (label, TRUE);
    }
  g_string_free (name, TRUE);
  return match;
}

/* TRUE if the display name holds one of words (in its letters and digits run
 * together) or, for carrier words, one of the short carrier names as a word. */
static gboolean
name_claims (const char *name, const char *const *words)
{
  g_autofree char *folded = fct_analysis_fold (name);
  GString *squeezed = g_string_new (NULL);
  gboolean found = FALSE;

  for (const char *c = folded; *c != '\0'; c++)
    if (g_ascii_isalnum (*c))
      g_string_append_c (squeezed, *c);
  for (gsize i = 0; words[i] != NULL && !found; i++)
    found = strstr (squeezed->str, words[i]) != NULL;
  for (gsize i = 0; words == carrier_words && carrier_short[i] != NULL && !found; i++)
    {
      gsize n = strlen (carrier_short[i]);
      for (const char *c = folded; (c = strstr (c, carrier_short[i])) != NULL && !found;
           c += n)
        found = (c == folded || !g_ascii_isalnum (c[-1])) && !g_ascii_isalnum (c[n]);
    }
  g_string_free (squeezed, TRUE);
  return found;
}

/* How much of the text a deceptive sign lets the wordings read. */
typedef enum
{
  READ_ALL,
  /* The subject, and in the body only the wordings addressed to the reader as a winner
     (direct_pattern), when the message has a link to claim with. */
  READ_SUBJECT,
} Reading;

/* A list relays its members' posts: their names and free mailboxes are no sign there,
 * and the list answers for them. RFC 2369 List-Post or the older Mailing-List field;
 * RFC 2919 List-Id only with the list server's own Sender, Errors-To or X-BeenThere,
 * because bulk senders add a List-Id to anything. */
static gboolean
is_list_post (FctMsg *msg)
{
  return fct_msg_find_header (msg, "List-Post", 0) != NULL
         || fct_msg_find_header (msg, "Mailing-List", 0) != NULL
         || (fct_msg_find_header (msg, "List-Id", 0) != NULL
             && (fct_msg_find_header (msg, "Sender", 0) != NULL
                 || fct_msg_find_header (msg, "Errors-To", 0) != NULL
                 || fct_msg_find_header (msg, "X-BeenThere", 0) != NULL));
}

/* What this message does that an honest sender of the same offer does not (transfer
 * full), or NULL: a prize notice, a carrier's notice or a casino's newsletter comes from
 * the organisation's own domain under its own name, and answers come back to it.
 * - the From domain is no domain ("no-reply@taxascorreios756");
 * - a link leads to an IP address, to free hosting where throw-away pages live, or
 *   through a public URL shortener that hides where it leads;
 * - replies go to another organisation than the From's;
 * - the From is a free mailbox (a company does not award prizes from gmail.com);
 * - the display name names someone the From domain is not, nor any link ("Best Buy"
 *   from v27dnkoozs.onmicrosoft.com, "Rossmann" from a newsletter domain of another
 *   retailer).
 * The last two are weak without a link to another organisation, and on a list's
 * posts: then only the subject and the direct wordings are read (READ_SUBJECT). A
 * newsletter under an editorial name ("ZDNet Shopper" from newsletter.online.com)
 * mentions a contest's "lucky winner", a friend writes "you've won the raffle" from
 * Gmail; the bait of a scam is in its subject or speaks to the reader as the winner. */
static char *
deception (FctAnalysisContext *ctx, Reading *reading, gboolean *by_name)
{
  FctAnalysis *r = ctx->result;
  g_autofree char *reply = NULL;
  const char *host = fct_analysis_foreign_link (ctx);
  gboolean list = is_list_post (ctx->msg);

  *reading = READ_ALL;
  if (r->author_address != NULL && (r->author_domain == NULL || r->author_org == NULL)
      && strchr (r->author_address, '@') != NULL)
    return g_strdup_printf (_ ("the From address %s has no registrable domain"),
                            r->author_address);
  if (r->author_domain == NULL)
    return NULL;
  for (guint i = 0; i < r->hosts->len; i++)
    {
      const FctAnalysisHost *h = g_ptr_array_index (r->hosts, i);
      if (h->ip_literal || fct_analysis_url_free_hosting (h->host, h->host)
          || fct_analysis_host_shortener (h->host))
        return g_strdup_printf (_ ("a link leads to %s"), h->host);
    }
  if (!list)
    reply = reply_to_org (ctx->msg);
  if (reply != NULL && r->author_org != NULL && !g_str_equal (reply, r->author_org))
    return g_strdup_printf (_ ("sent from %s, replies go to %s"), r->author_domain, reply);
  if (list || host == NULL)
    *reading = READ_SUBJECT;
  if (fct_verify_domain_is_free_mail (r->author_domain))
    return host != NULL
               ? g_strdup_printf (_ ("sent from a free mailbox at %s, and a link leads "
                                     "to %s"),
                                  r->author_domain, host)
               : g_strdup_printf (_ ("sent from a free mailbox at %s"), r->author_domain);
  if (r->author_name != NULL
      && !name_matches_address (
          r->author_name, r->author_address != NULL ? r->author_address : r->author_domain,
          r->author_org)
      && !name_matches_link (r))
    {
      *by_name = TRUE;
      return host != NULL ? g_strdup_printf (_ ("the name “%s” is not the sender %s, and a "
                                                "link leads to %s"),
                                             r->author_name, r->author_domain, host)
                          : g_strdup_printf (_ ("the name “%s” is not the sender %s"),
                                             r->author_name, r->author_domain);
    }
  return NULL;
}

static void
report (FctAnalysisContext *ctx, const Family *family, const char *bait, const char *why)
{
  g_autofree char *evidence = g_strdup_printf ("“%s”; %s", bait, why);
  FctFinding *finding = fct_findings_add (
      ctx->findings, family->id,
      _ ("The message offers %s (“%s”), the bait of bulk scams, and does what an honest "
         "sender of such mail does not: %s. Do not click, do not pay any fee and give no "
         "card details or wallet access to collect it."),
      _ (family->what), bait, why);
  fct_finding_set_evidence (finding, evidence);
}

/* The first family whose wording text holds, reported; FALSE if none. */
static gboolean
read_families (FctAnalysisContext *ctx, const char *text, gsize len, const char *why,
               gboolean by_name)
{
  const Patterns *p = patterns ();

  for (gsize i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autofree char *bait = NULL;
      if (by_name && families[i].claim != NULL
          && !name_claims (ctx->result->author_name, families[i].claim))
        continue;
      if (fct_word_filter_scan (p->words[i], text, len) != 0
          && (bait = first_match (p->re[i], text, len)) != NULL)
        {
          report (ctx, &families[i], bait, why);
          return TRUE;
        }
    }
  return FALSE;
}

void
fct_analysis_check_lures (FctAnalysisContext *ctx)
{
  const Patterns *p;
  const char *text = ctx->all_text->str;
  gsize len = ctx->all_text->len;
  Reading reading;
  gboolean by_name = FALSE;
  g_autofree char *why = deception (ctx, &reading, &by_name);

  /* Without a deceptive sign the wordings are an honest sender's: nothing to read. */
  if (why == NULL)
    return;
  if (len > LURES_TEXT_BYTES)
    {
      len = LURES_TEXT_BYTES;
      while (len > 0 && ((guchar)text[len] & 0xc0) == 0x80)
        len--;
    }
  if (reading == READ_ALL)
    {
      read_families (ctx, text, len, why, by_name);
      return;
    }

  {
    const FctMsgHeader *h = fct_msg_find_header (ctx->msg, "Subject", 0);
    if (h != NULL)
      {
        g_autofree char *decoded = g_mime_utils_header_decode_text (NULL, h->value);
        g_autofree char *valid = g_utf8_make_valid (decoded, -1);
        /* NFKC folds the "mathematical bold" letters that spam subjects are written
           in ("𝐘𝐎𝐔 𝐇𝐀𝐕𝐄 𝐖𝐎𝐍") to the letters the wordings read. */
        g_autofree char *subject = fct_analysis_fold (valid);
        if (read_families (ctx, subject, strlen (subject), why, by_name))
          return;
      }
  }
  /* A prize to claim needs a way to claim it: a note without a link is a person's. */
  p = patterns ();
  if (ctx->result->hosts->len > 0 && fct_word_filter_scan (p->direct_words, text, len) != 0)
    {
      g_autofree char *bait = first_match (p->direct, text, len);
      if (bait != NULL)
        report (ctx, &families[0], bait, why);
    }
}
