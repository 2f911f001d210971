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
/* How far from a request for secrecy its transfer and urgency may be: a fraudster's
 * whole message, IBAN block included, is a few hundred bytes. */
#define REQUEST_BYTES 400
/* Each match costs two searches of its surroundings: a text that repeats the wording
 * thousands of times is judged on its first ones. */
#define MATCHES_MAX 32

/* Announcements that name the bank details themselves: alone, enough. A match preceded
 * by words that address it to the reader or make it conditional (reader_prefix_pattern
 * below), or whose group "not" took part, does not count.
 * French verb forms: changer, changeons, changé(e)(s), changement; English: change,
 * changed, changing, switched, moved. Apostrophes are normalised to ' and white space to
 * one space before matching. */
static const char *const strong_patterns[] = {
  /* "notre nouveau RIB", "nos nouvelles coordonnées bancaires", "mon nouvel IBAN". */
  "\\bnouve(?:au|aux|l|lle|lles)\\s(?:rib|iban"
  "|relev[ée]\\sd'identit[ée]\\sbancaire|coordonn[ée]es\\sbancaires|compte\\sbancaire"
  "|banque|[ée]tablissement\\sbancaire|domiciliation)\\b(?!\\s(?:de|du)\\s(?:votre|vos|ton|"
  "ta))",
  /* "changement de banque", "nous avons changé de banque", "modification de nos
     coordonnées bancaires", "nous changeons de domiciliation bancaire". */
  "\\b(?:chang[a-zé]*|modifi[a-zé]*"
  "|transf[ée]r[a-zé]*)\\s(?:de|d'|du|des|notre|nos|mon|ma|mes|l'|le|les)\\s?(?:nos\\s"
  "|notre\\s)?"
  "(?:rib|iban|banque|[ée]tablissement\\sbancaire|domiciliation|compte\\sbancaire"
  "|coordonn[ée]es\\sbancaires|relev[ée]\\sd'identit[ée]\\sbancaire)\\b"
  "(?!\\s(?:de|du)\\s(?:votre|vos|ton|ta))",
  /* "nos coordonnées bancaires ont changé / ont été modifiées / changent". */
  "\\b(?:coordonn[ée]es\\sbancaires|rib|iban"
  "|domiciliation\\sbancaire|compte\\sbancaire|coordonn[ée]es\\sde\\s(?:paiement|r[èe]"
  "glement))\\s(?:ont|a|sont|va|vont)?\\s?(?:[ée]t[ée]"
  "\\s)?"
  "(?:chang|modifi|mis(?:es)?\\s[àa]\\sjour|actualis|[ée]volu)",
  /* "merci de mettre à jour nos coordonnées bancaires", "mise à jour de notre RIB". */
  "\\b(?:mettre|mettez|mise|mis)\\s[àa]\\sjour\\s(?:de\\s|des\\s)?(?:(?<not>vos|votre|tes"
  "|ton)\\s|nos\\s|notre\\s|le\\s|les\\s)?(?:coordonn[ée]es\\sbancaires|rib|iban)\\b",
  /* "notre RIB à jour", "our usual account is on hold", "notre compte habituel étant
     indisponible", "sur notre second compte": the pretexts that come with a new
     account. */
  "\\b(?:notre|nos|mon)\\s(?:nouveau\\s)?(?:rib|iban|relev[ée]\\sd'identit[ée]\\sbancaire)"
  "\\s(?:[àa]\\sjour|actualis[ée]|mis\\s[àa]\\sjour)",
  "\\b(?:notre|nos)\\scomptes?\\s(?:bancaires?\\s)?(?:habituels?\\s|principal\\s|actuels?"
  "\\s)?"
  "(?:(?:[ée]tant|est|sont|a\\s[ée]t[ée]|ont\\s[ée]t[ée])\\s(?:temporairement\\s|"
  "actuellement\\s)?"
  "(?:indisponibles?|bloqu[ée]s?|suspendus?|gel[ée]s?|ferm[ée]s?|cl[ôo]tur[ée]s?)"
  "|(?:(?:fait|faisant)\\sl'objet\\sd'une?|(?:[ée]tant|est|sont)\\sen\\scours\\sde)\\s"
  "(?:contr[ôo]le|audit|blocage|cl[ôo]ture|r[ée]vision|v[ée]rification))",
  "\\b(?:sur|vers|[àa])\\s(?:notre|un)\\s(?:second|autre|deuxi[èe]me)\\scompte\\b",
  "\\bour\\s(?:usual\\s|main\\s|regular\\s|current\\s|old\\s)?(?:bank\\s)?account\\s(?:is|"
  "has"
  "\\sbeen|was)\\s(?:currently\\s|temporarily\\s)?(?:on\\shold|frozen|suspended|closed"
  "|unavailable|under\\s(?:review|audit))",
  "\\b(?:to|into)\\s(?:our|a)\\s(?:second|other|alternative|alternate|secondary)\\s(?:"
  "bank\\s)?"
  "account\\b",
  /* "the following" account is a change only with "now": an invoice says "payments
     should be made to the following account". */
  "\\bpayments?\\b[^.!?]{0,40}?\\b(?:should|must|are\\sto|need\\sto)\\s(?:(?:now|"
  "henceforth)\\sbe\\s(?:directed|redirected|made|sent|remitted|paid|wired|transferred)"
  "\\sto\\s(?:our|the|this)\\sfollowing|(?:now\\s|henceforth\\s)?be\\s(?:directed"
  "|redirected|made|sent|remitted|paid|wired|transferred)\\sto\\s(?:our|the|this)\\s(?:new"
  "|updated|subsidiary|other|alternative|different))",
  "\\bupdate\\s(?:our|my)\\s(?:bank(?:ing)?|account|payment|remittance)\\s(?:details"
  "|information|info)",
  /* The old account declared dead: "le compte habituel n'est plus actif", "celles de la
     facture initiale ne sont plus valables", "the account on file is no longer valid". */
  "\\b(?:compte|rib|iban|coordonn[ée]es|account|bank\\sdetails)\\b[^.!?]{0,100}?\\b(?:n'est"
  "\\splus|ne\\ssont\\splus|(?:is|are)\\sno\\slonger)\\s(?:valables?|valides?|actifs?|"
  "active"
  "|valid|in\\suse|utilis[ée]s?|ouverts?|open)",
  /* Another company's account: "through our sister company's account", "remit the
     balance to the account details below", "our remittance account has been
     transferred", "amend your vendor master data". */
  "\\b(?:sister|parent|affiliated?)\\s(?:company's|company|firm's)\\s(?:bank\\s)?account",
  "\\bremit\\s(?:\\w+\\s){0,3}?to\\s(?:our|the|this)\\s(?:bank\\s)?account\\s(?:details\\s)"
  "?"
  "(?:below|following|attached)",
  "\\b(?:bank(?:ing)?|remittance|wire|receiving|payment)\\s(?:account|bank)\\s(?:has|have)"
  "\\s(?:been\\s)?(?:changed|transferred|moved|updated)",
  "\\bvendor\\smaster\\s(?:data|record|file)",
  /* Payroll: "can my salary be paid into a different account", "verser mon salaire sur
     un autre compte". */
  "\\b(?:salary|pay|wages|paycheck|paycheque)\\s(?:\\w+\\s){0,3}?(?:paid|deposited|sent)"
  "\\s(?:in)?to\\s(?:a\\s|my\\s)?(?:different|new|another|other)\\s(?:bank\\s)?account",
  "\\b(?:verser|vers[ée]|virer|vir[ée])\\s(?:mon|ma)\\s(?:salaire|paie|r[ée]mun[ée]ration)"
  "\\s(?:sur|vers)\\s(?:un|mon)\\s(?:autre|nouveau)\\scompte",
  /* "Désormais, merci d'adresser vos paiements au compte suivant", "à compter de ce
     jour, nos règlements sont à effectuer sur notre compte ...": a change of account
     without the word; "règlement par virement sur le compte suivant" alone is every
     invoice's, so the marker of a change is required. */
  "\\b(?:d[ée]sormais|dor[ée]navant|[àa]\\s(?:compter|partir)\\s(?:de\\sce\\sjour|de"
  "\\smaintenant|d'aujourd'hui))\\b[^.!?]{0,80}?\\b(?:r[èe]glements?|paiements?|virements?)"
  "\\b[^.!?]{0,60}?\\b(?:sur|au|vers|[àa])\\s(?:le\\s|notre\\s|ce\\s|l')?(?:nouveau\\s)?"
  "(?:compte|rib|iban)\\b",
  /* "effectuer vos virements sur notre nouveau compte", "ne plus utiliser l'ancien
     RIB". */
  "\\bvirements?\\s(?:sur|vers|[àa])\\s(?:le|ce|notre|mon)\\snouveau",
  "\\b(?:ne\\splus\\sutiliser|n'utilisez\\splus|ne\\splus\\seffectuer\\sde\\svirements?"
  "\\ssur)\\s(?:l'|le\\s|notre\\s|mon\\s|nos\\s|les\\s)?ancien",
  /* "our new bank details", "the new IBAN", "new sort code", "new wire instructions";
     not "your new bank card", "a new bank holiday". */
  "\\bnew\\s(?:bank(?:ing)?\\s(?:details|account|information|info"
  "|instructions|coordinates|partner|provider)|iban|sort\\scode|remittance\\s(?:details"
  "|information"
  "|address|instructions)|wire\\s(?:instructions|details)"
  "|bank\\b(?!\\s(?:holiday|rate|of|card|branch|app|transfer)))",
  /* "our bank details have changed", "remittance information has been updated". */
  "\\b(?:bank(?:ing)?|remittance|wire|bank\\saccount)"
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
  "\\b(?:updated|revised|amended)\\s(?:bank(?:ing)?|remittance|wire"
  "|payment)\\s(?:details"
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
  /* "All payments should be made to the following account" is how an invoice gives its
     account: only "future" payments, or "now", make it a change. */
  "\\b(?:(?:future|further)\\spayments?\\s(?:should|must|will\\sneed\\sto|need\\sto)\\s"
  "(?:now\\s)?be\\s(?:made|sent|remitted|paid|wired|transferred)\\sto\\s(?:our|the|this)\\s"
  "(?:new|following|updated)|(?:outstanding|all)\\spayments?\\s(?:should|must|will\\sneed"
  "\\sto|need\\sto)\\s(?:now\\sbe\\s(?:made|sent|remitted|paid|wired|transferred)\\sto\\s"
  "(?:our|the|this)\\s(?:new|following|updated)|be\\s(?:made|sent|remitted|paid|wired"
  "|transferred)\\sto\\s(?:our|the|this)\\s(?:new|updated)))",
  "\\b(?:use|pay\\s(?:in)?to|send\\s(?:payments?|funds)\\sto)\\s(?:the|our)\\s(?:following"
  "|new|updated|below)\\s(?:bank\\s)?account\\s(?:for|from)\\s(?:this\\sand\\s)?(?:all\\s)?"
  "(?:future|further|subsequent|upcoming)",
  "\\b(?:from\\snow\\son|going\\sforward|with\\simmediate\\seffect|effective\\simmediately"
  "|henceforth)\\b[^.!?]{0,80}?\\b(?:payments?|remittances?|transfers?)\\b[^.!?]{0,60}?"
  "\\b(?:to|into)\\s(?:the|our|this)\\s(?:following|new|updated|below)\\s(?:bank\\s)?"
  "account",
  "\\b(?:do\\snot|don't|no\\slonger|stop)\\s(?:use|send\\s(?:payments?|funds)\\sto"
  "|pay\\s(?:in)?to|make\\spayments?\\sto|remit\\sto)\\s(?:our|the)\\s(?:old|previous"
  "|former|existing)\\s(?:bank|account|iban)",
  /* "We have updated our receiving account", "I've amended my payee details"; not "we
     have updated our payment page". */
  "\\b(?:we|i)(?:'ve|\\shave|\\shad|'d)?\\s(?:recently\\s|just\\s)?(?:updated|changed"
  "|amended|modified|switched)\\s(?:our|my)\\s(?:receiving|remittance|beneficiary|payee"
  "|bank(?:ing)?|payment)\\s(?:account|details|information|bank)\\b(?!\\s(?:page|form"
  "|portal|section|polic(?:y|ies)|terms|options|methods|system|process))",
  /* "les paiements seront désormais à effectuer sur le compte…": the marker after the
     payment. */
  "\\b(?:paiements?|r[èe]glements?|virements?)\\b[^.!?]{0,40}?\\b(?:d[ée]sormais"
  "|dor[ée]navant)\\b[^.!?]{0,60}?\\b(?:sur|au|vers|[àa])\\s(?:le\\s|notre\\s|ce\\s|l'"
  "|un\\s)?(?:nouveau\\s)?(?:compte|rib|iban)\\b",
  /* "sur le compte de notre filiale": payments to another company's account, as "our
     sister company's account"; not "le compte de la filiale a été créé". */
  "\\b(?:sur|vers|au|[àa])\\s(?:le\\s)?compte\\s(?:bancaire\\s)?de\\s(?:notre|la)\\s(?:"
  "filiale|soci[ée]t[ée]\\s(?:s[œo]e?ur"
  "|m[èe]re)|maison\\sm[èe]re|holding)\\b",
  /* "le RIB corrigé ci-joint", "corrected bank details": an error in the account given
     before is the pretext for a new one. */
  "\\b(?:(?:rib|iban|coordonn[ée]es\\sbancaires|relev[ée]\\sd'identit[ée]\\sbancaire)"
  "\\s(?:corrig|rectifi)[ée]e?s?|corrected\\s(?:bank(?:ing)?\\s(?:details|account"
  "|information)|iban|account\\sdetails|remittance\\sdetails))\\b",
  /* Payroll diversion: "please update my direct deposit". */
  "\\b(?:update|change|changing|updating)\\smy\\s(?:direct\\sdeposit|payroll\\s(?:details"
  "|account|information)|bank(?:ing)?\\s(?:details|information|account))",
};

/* Announcements that name no bank ("nos nouvelles coordonnées", "our new account"):
 * they count with a banking word near them, an IBAN in the message or an attachment
 * named as bank details. "new account\\b" does not match "new accounting". */
static const char *const weak_patterns[] = {
  "\\bnouve(?:au|aux|l|lle|lles)"
  "\\s(?:compte"
  "|coordonn[ée]es|r[ée]f[ée]rences)\\b",
  "\\bchang[a-zé]*\\s(?:de|d')\\s?"
  "(?:compte|coordonn[ée]es)\\b",
  "\\bcoordonn[ée]es\\sde\\sremplacement|\\bnouvelles\\sr[ée]f[ée]rences\\sbancaires",
  "\\bcoordonn[ée]es\\s(?:ont|sont)\\s(?:[ée]t[ée]\\s)?"
  "(?:chang|modifi)",
  "\\bnew\\s(?:account|details"
  "|account\\s(?:details|number))\\b(?!\\s(?:opening|openings|holders?|fees?|offers?"
  "|bonus))",
  "\\b(?:account\\s)?(?:details|information)\\s(?:have|has)\\s(?:"
  "been\\s)?"
  "(?:changed|updated)",
};

/* For each pattern above, in order, the beginnings of words (ASCII letters in lower
 * case, accented capitals as they are, "|" between them) of which one at least starts a
 * word of every text it matches: a pattern none of whose words is in the text is not run.
 * PCRE's caseless alternations cost about 10 µs per kilobyte each; the one pass of
 * fct_analysis_words () notes which of these words the text holds. A word starts
 * where no ASCII letter or digit precedes it (FCT_WORD_START_LOOSE): the patterns' \b
 * takes a non-ASCII character for a boundary, so that the word after a guillemet or a
 * no-break space («nouveau RIB») starts there. */
static const char *const strong_triggers[] = {
  "nouve",
  "chang|modifi|transf",
  "chang|modifi|jour|actualis|\xc3\xa9volu|\xc3\x89volu|evolu",
  "jour",
  "jour|actualis",
  "indisponible|bloqu|suspendu|gel|ferm|cl\xc3\xb4tur|cl\xc3\x94tur|clotur|objet|cours",
  "second|autre|deuxi",
  "hold|frozen|suspend|closed|unavailable|under",
  "second|other|alternat",
  "should|must|are|need",
  "update",
  "plus|longer",
  "sister|parent|affiliat",
  "remit",
  "changed|transferred|moved|updated",
  "vendor",
  "paid|deposited|sent",
  "salaire|paie|r\xc3\xa9mun|r\xc3\x89mun|remun",
  ("d\xc3\xa9sormais|d\xc3\x89sormais|desormais|dor\xc3\xa9navant|dor\xc3\x89navant"
   "|dorenavant|compter|partir"),
  "virement",
  "ancien",
  "new",
  "chang|updat|amend|modif",
  "payment",
  "our",
  "updated|revised|amended",
  "chang|updat|amendment",
  "changed|switched|moved",
  "remit",
  "should|must|need",
  "future|further|subsequent|upcoming",
  "from|going|immediate|effective|henceforth",
  "old|previous|former|existing",
  "updated|changed|amended|modified|switched",
  ("d\xc3\xa9sormais|d\xc3\x89sormais|desormais|dor\xc3\xa9navant|dor\xc3\x89navant"
   "|dorenavant"),
  "filiale|soci|maison|holding",
  "corrig|rectifi|corrected",
  "my",
};
static const char *const weak_triggers[] = {
  "nouve", "chang", "remplacement|nouvelles", "chang|modifi", "new", "chang|updat",
};
/* The same for secret_pattern and unverifiable_pattern. */
static const char secret_triggers[]
    = "personne|parler|discr|confidenti|keep|discuss|mention|tell|cc|copy|sensitive"
      "|sensible|uniquement|only";
static const char unverifiable_triggers[] = "call|phone|ring|appel|t\xc3\xa9l\xc3\xa9phon|"
                                            "t\xc3\x89l\xc3\x89phon|telephon|lines|ligne";
G_STATIC_ASSERT (G_N_ELEMENTS (strong_triggers) == G_N_ELEMENTS (strong_patterns));
G_STATIC_ASSERT (G_N_ELEMENTS (weak_triggers) == G_N_ELEMENTS (weak_patterns));

/* What, just before a wording, addresses it to the reader, makes it conditional or
 * names the fraud: "votre nouveau RIB", "your bank details have changed", "si vous avez
 * changé de banque", "en cas de changement de RIB", "fraude au changement de RIB",
 * "demande de modification de RIB", "- un changement de banque" (a list of events to
 * report), "ouvrez un nouveau compte", "open a new account". Tested on the bytes before
 * a match rather than as an optional group that starts each pattern: such a group
 * keeps PCRE from skipping to the first letter it needs, and the pattern then costs
 * hundreds of times more. */
static const char reader_prefix_pattern[]
    = "(?:\\b(?:votre|vos|ton|tes|ta|your|ouvr[a-z]*\\sun|open(?:ing)?\\s(?:a|an|your))"
      "|\\b(?:vous\\s(?:avez|aviez|avez\\s[ée]t[ée])|si\\svous|en\\scas\\sde|lorsque\\svous"
      "|quand\\svous)(?:\\s\\w+)?|\\b(?:fraudes?|arnaques?|escroqueries?)\\s(?:au|aux"
      "|[àa]\\sla|de)|\\bdemandes?\\sde|[-•*]\\s(?:un|une|tout))\\s$";

/* A banking word, for the context of a weak announcement. */
static const char banking_pattern[]
    = "\\b(?:bank|banks|banking|iban|rib|bic|swift|sort\\scode|routing\\snumber|wire"
      "|remittance|banque|bancaires?|virements?|domiciliation)\\b";

/* "Nos coordonnées bancaires restent inchangées": a company that moves says so. */
static const char unchanged_pattern[]
    = "inchang|unchanged|remains?\\sthe\\ssame|restent\\sles\\sm[êe]mes"
      "|ne\\schangent\\spas|n'ont\\spas\\s(?:[ée]t[ée]\\s)?(?:chang|modifi)"
      "|(?:have|has|did)\\snot\\s(?:been\\s)?change";

/* A message about the fraud itself (a bank's or an accountant's warning) names the
 * vaguer wordings without announcing anything; the sender's own announcement ("notre
 * nouveau RIB") still counts there. */
static const char warning_pattern[]
    = "\\b(?:fraudes?|fraud|frauds|fraudulent|frauduleux|frauduleuse|arnaques?|scams?"
      "|escroquerie|phishing|hame[çc]onnage)\\b";

/* An attachment named as bank details: "RIB.pdf", "RIB_Leblanc_2026.pdf", "IBAN.pdf",
 * "Coordonnées bancaires.pdf", "Bank details.pdf". */
static const char filename_pattern[]
    = "(?<![a-z])(?:rib|iban|bic)(?![a-z])|coordonn[ée]es[\\s_.-]*bancaires"
      "|bank[\\s_.-]*(?:details|account|information)|relev[ée][\\s_.-]*d[\\s_.'-]*identit";

/* The CEO-fraud script needs three things at once: a transfer asked for, urgency, and
 * secrecy. Secrecy is an instruction ("n'en parlez à personne", "keep this between
 * us"), not the word "confidential" alone, which every corporate disclaimer carries. */
static const char transfer_pattern[]
    = "\\b(?:virements?|virer|transf[ée]rer|wires?|wired|transfers?|remittances?|payer|pay"
      "|op[ée]ration\\s(?:financi[èe]re|[àa]\\ste\\sconfier|[àa]\\svous\\sconfier))\\b";
static const char urgent_pattern[]
    = "\\b(?:urgent|urgente|urgence|urgently|imm[ée]diatement|immediately|today"
      "|aujourd'hui|d[èe]s\\s(?:maintenant|que\\spossible|ce\\smatin)|asap"
      "|as\\ssoon\\sas\\spossible|time[\\s-]sensitive|avant\\s(?:ce\\ssoir|midi|\\d+\\s?h)"
      "|rapidement|quickly"
      "|by\\s(?:end\\sof\\sday|noon|\\d+\\s?(?:am|pm)))";
/* Secrecy asked of the reader about the operation or the message. "Strictement
 * confidentiel" in the singular only: "vos réponses restent strictement
 * confidentielles" reassures the reader about their own answers. */
static const char secret_pattern[]
    = "n'en\\sparle[zs]?\\s[àa]\\spersonne|ne\\sparle[zs]?\\s(?:de\\s(?:ce|cette)\\s\\w+"
      "\\s)?[àa]"
      "\\spersonne|ne\\s(?:pas\\s)?en\\sparler|en\\stoute\\sdiscr["
      "ée]tion"
      "|(?:soyez|restez|rester)\\sdiscr[eè]te?|(?:dossier|op[ée]ration|acquisition|affaire)"
      "\\s(?:strictement\\s|tr[èe]s\\s)?confidentiel(?:le)?|strictement\\sconfidentiel(?:"
      "le)?\\b"
      "|urgent(?:e)?\\set\\sconfidentiel(?:le)?|confidentiel(?:le)?\\set\\surgent"
      "|keep\\s(?:this|it)\\s(?:between\\sus|confidential|quiet|to\\syourself)"
      "|(?:do\\snot|don't)\\s(?:discuss|mention)\\s(?:this|it)\\s(?:with|to)\\s(?:anyone"
      "|anybody|others|colleagues)|(?:do\\snot|don't)\\stell\\s(?:anyone|anybody)"
      "|confidential\\s(?:matter|project|acquisition|deal|transaction)"
      "|urgent\\sand\\sconfidential|confidential\\sand\\surgent|be\\sdiscreet"
      "|ne\\s(?:mets|mettez|mettre)\\spersonne\\sen\\scopie|dossier\\ssensible"
      "|(?:do\\snot|don't)\\s(?:cc|copy)\\s(?:anyone|anybody)|sensitive\\s(?:matter|deal)"
      "|confidentiel\\spour\\sle\\smoment|(?:par\\smail|par\\se-mail)\\suniquement"
      "|uniquement\\spar\\s(?:mail|e-mail)|(?:reply|respond)\\sonly\\sby\\s(?:e-?mail|"
      "email)";

/* The CEO fraud's other script: gift cards bought for the "boss", whose codes are then
 * asked by email. A personal request to buy several ("I need you to get some Apple gift
 * cards", "j'ai besoin que tu achètes des cartes cadeaux"); a shop's "buy gift cards
 * for your loved ones" asks no one in particular, and one card for a colleague's
 * farewell is in the singular. */
static const char gift_pattern[]
    = "\\b(?:i\\s(?:need|want)\\syou\\sto|(?:can|could|would)\\syou|please|"
      "are\\syou\\sable\\sto"
      "|j'ai\\sbesoin\\sque\\s(?:tu|vous)|(?:peux|pourrais)-tu|(?:pouvez|pourriez)-vous"
      "|merci\\sde|il\\sfaut\\sque\\s(?:tu|vous))\\s(?:\\w+\\s){0,2}?(?:buy|get|purchase"
      "|pick\\sup|grab|order|ach[èe]te[rsz]?|prendre|prennes|preniez|procurer|r[ée]cup[ée]"
      "rer)"
      "\\s(?:me\\s|moi\\s)?(?:some\\s|a\\sfew\\s|several\\s|\\d+\\s|(?:two|three|four|five"
      "|ten)\\s|des\\s|quelques\\s|plusieurs\\s)(?:[\\w-]+\\s){0,2}?(?:gift\\s?cards"
      "|(?:itunes|google\\splay|apple|steam|amazon)\\scards|cartes[\\s-]cadeaux?|coupons"
      "\\s(?:pcs|transcash|neosurf)|recharges\\s(?:pcs|transcash|neosurf))\\b";

/* With such a request, what no colleague buying a present needs: secrecy or a
 * "surprise", the codes or a picture of the cards, cards "for clients". */
static const char gift_tell_pattern[]
    = "\\b(?:surprise|keep\\s(?:it|this)\\s(?:quiet|between\\sus|confidential|"
      "to\\syourself)"
      "|confidential|discreet|scratch|codes?|pictures?\\sof|photos?\\sof|for\\s(?:some\\s"
      "|a\\s|our\\s)?(?:clients?|customers?)|discr[èe]te?|confidentiel(?:le)?|n'en\\sparle"
      "|gratter|photos?\\sd[eu]s?|pour\\s(?:des|nos|un|une)\\sclients?)\\b";
static const char gift_triggers[] = "gift|cards|carte|coupon|recharge";

/* Words that keep the reader from checking by phone: with a transfer, enough. */
static const char unverifiable_pattern[]
    = "(?:do\\snot|don't|please\\sdon't)\\s(?:call|phone|ring)\\s(?:the\\soffice|us|me|our)"
      "|ne\\s(?:pas\\s)?(?:m'|nous\\s)?(?:appeler|t[ée]l[ée]phoner)|ne\\sm'appelez\\spas"
      "|ne\\snous\\sappelez\\spas|inutile\\sde\\s(?:m'|nous\\s)?appeler"
      "|(?:lines|phones)\\s(?:are|is)\\s(?:being\\supgraded|down|out\\sof\\sorder)"
      "|ligne\\s(?:est\\s)?(?:en\\sd[ée]rangement|coup[ée]e)";

typedef struct
{
  GRegex *transfer;
  GRegex *urgent;
  GRegex *secret;
  GRegex *unverifiable;
  GRegex *strong[G_N_ELEMENTS (strong_patterns)];
  GRegex *weak[G_N_ELEMENTS (weak_patterns)];
  GRegex *gift;
  GRegex *gift_tell;
  GRegex *reader_prefix;
  GRegex *banking;
  GRegex *unchanged;
  GRegex *warning;
  GRegex *filename;
} Patterns;

static GRegex *
compile (const char *pattern)
{
  return fct_analysis_regex ("bankchange", pattern, G_REGEX_CASELESS);
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
      p.reader_prefix = compile (reader_prefix_pattern);
      p.banking = compile (banking_pattern);
      p.unchanged = compile (unchanged_pattern);
      p.warning = compile (warning_pattern);
      p.filename = compile (filename_pattern);
      p.transfer = compile (transfer_pattern);
      p.urgent = compile (urgent_pattern);
      p.secret = compile (secret_pattern);
      p.unverifiable = compile (unverifiable_pattern);
      p.gift = compile (gift_pattern);
      p.gift_tell = compile (gift_tell_pattern);
      g_once_init_leave (&once, 1);
    }
  return &p;
}

/* Every pattern contains one of these words, or lies in the beginning of the text. */
static const char *const anchors[] = {
  "account", "ancien",        "bank",    "banque",  "bancaire",  "beneficiar", "coordonn",
  "compte",  "domiciliation", "deposit", "iban",    "payment",   "payroll",    "payee",
  "rib",     "remit",         "salary",  "salaire", "sort code", "virement",   "wire",
};

/* TRUE if one of the anchors starts at p, in any ASCII case. */
static gboolean
anchor_at (const char *p, const char *end)
{
  for (gsize a = 0; a < G_N_ELEMENTS (anchors); a++)
    {
      const char *w = anchors[a];
      gsize i = 0;
      while (w[i] != '\0' && p + i < end && (p[i] | 0x20) == w[i])
        i++;
      if (w[i] == '\0')
        return TRUE;
    }
  return FALSE;
}

/* The rules of fct_analysis_words () for the patterns above, and the mask of those of
 * the announcements: set once, before any scan. */
static struct
{
  guint strong[G_N_ELEMENTS (strong_patterns)];
  guint weak[G_N_ELEMENTS (weak_patterns)];
  guint secret, unverifiable, gift;
  guint64 change;
} rules;

static guint
rule_add (FctWordFilter *filter, const char *words)
{
  const char *const alternatives[] = { words, NULL };

  return fct_word_filter_add_rule (filter, FCT_WORD_START_LOOSE, alternatives);
}

static gboolean
rule_met (guint64 met, guint rule)
{
  return (met >> rule & 1) != 0;
}

void
fct_analysis_bankchange_words (FctWordFilter *filter)
{
  for (gsize i = 0; i < G_N_ELEMENTS (strong_triggers); i++)
    {
      rules.strong[i] = rule_add (filter, strong_triggers[i]);
      rules.change |= G_GUINT64_CONSTANT (1) << rules.strong[i];
    }
  for (gsize i = 0; i < G_N_ELEMENTS (weak_triggers); i++)
    {
      rules.weak[i] = rule_add (filter, weak_triggers[i]);
      rules.change |= G_GUINT64_CONSTANT (1) << rules.weak[i];
    }
  rules.secret = rule_add (filter, secret_triggers);
  rules.unverifiable = rule_add (filter, unverifiable_triggers);
  rules.gift = rule_add (filter, gift_triggers);
  /* The anchors up to their first space ("sort" of "sort code"): the marks are where
     anchor_at is then tried. */
  for (gsize a = 0; a < G_N_ELEMENTS (anchors); a++)
    {
      g_autofree char *word = g_strndup (anchors[a], strcspn (anchors[a], " "));
      fct_word_filter_add_marks (filter, word);
    }
}

/* How far around a key word the patterns look: the longest pattern ("désormais, merci
 * d'adresser vos règlements ... sur le compte") spans about 200 bytes before its key
 * word. */
#define WINDOW_BYTES 240
/* With an IBAN or a bank attachment, the vaguer wordings are read in the beginning of
 * the text too (subject and first lines: "Veuillez trouver ci-joint nos nouvelles
 * coordonnées"). */
#define HEAD_BYTES 2048

typedef struct
{
  gsize from, to;
} Window;

static void
window_add (GArray *windows, const GString *text, gsize from, gsize to)
{
  Window w = { from, MIN (to, text->len) };

  /* Start at a word and end on a character boundary: the window is given to PCRE as a
   * string of its own. */
  while (w.from > 0 && !g_ascii_isspace (text->str[w.from - 1]) && from - w.from < 32)
    w.from--;
  while (w.from < text->len && ((guchar)text->str[w.from] & 0xc0) == 0x80)
    w.from++;
  while (w.to < text->len && ((guchar)text->str[w.to] & 0xc0) == 0x80)
    w.to++;
  if (windows->len > 0 && g_array_index (windows, Window, windows->len - 1).to >= w.from)
    {
      Window *last = &g_array_index (windows, Window, windows->len - 1);
      last->to = MAX (last->to, w.to);
    }
  else if (w.to > w.from)
    g_array_append_val (windows, w);
}

/* The windows of text around its key words, merged, in order; at: where the words of
 * fct_analysis_words () marked start (anchors' first words), in order. Most mail has
 * none, and then no regular expression runs; a newsletter has a few, and the patterns
 * read a few hundred bytes instead of the whole text (a caseless alternation of words
 * costs PCRE about 10 µs per kilobyte, and there are forty of them). */
static GArray *
anchor_windows (const GString *text, gboolean head, const GArray *at, gboolean whole)
{
  GArray *windows = g_array_new (FALSE, FALSE, sizeof (Window));
  const char *end = text->str + text->len;

  /* A key word may be written with U+017F or U+212A ("ban\u212A"), which the patterns
     match and the scan does not see: the patterns read the whole text. */
  if (whole)
    {
      window_add (windows, text, 0, text->len);
      return windows;
    }
  if (head)
    window_add (windows, text, 0, HEAD_BYTES);
  for (guint i = 0; i < at->len; i++)
    {
      gsize a = g_array_index (at, gsize, i);
      if (anchor_at (text->str + a, end))
        window_add (windows, text, a > WINDOW_BYTES ? a - WINDOW_BYTES : 0,
                    a + WINDOW_BYTES);
    }
  return windows;
}

/* Bytes of text by what fct_analysis_fraud_normalise does with them. */
enum
{
  COPY = 0,
  BLANK = 1,   /* ASCII white space */
  UTF8_E2 = 2, /* may start U+202F, U+2009 or U+2019 */
  UTF8_C2 = 3, /* may start U+00A0 */
};

#define BYTES8(c) (G_GUINT64_CONSTANT (0x0101010101010101) * (c))

/* Bit 7 set in each byte of x that is zero, and only there. */
static inline guint64
zero_bytes (guint64 x)
{
  return ~(((x & BYTES8 (0x7f)) + BYTES8 (0x7f)) | x | BYTES8 (0x7f));
}

/* How many of the eight bytes at p fct_analysis_fraud_normalise copies as they are,
 * after a byte that is no white space: up to the first ASCII control byte, byte that
 * may start U+00A0, U+2009, U+2019 or U+202F, or space that another such byte, a space
 * or the end of the eight follows. Eight bytes a step, without a branch a byte. */
static inline guint
plain8 (const char *p)
{
  guint64 x, bad, spaces, stops;

  memcpy (&x, p, 8);
  x = GUINT64_FROM_LE (x);
  bad = zero_bytes (x & BYTES8 (0xe0)) | zero_bytes (x ^ BYTES8 (0xc2))
        | zero_bytes (x ^ BYTES8 (0xe2));
  spaces = zero_bytes (x ^ BYTES8 (0x20));
  stops = bad | (spaces & ((spaces | bad) >> 8))
          | (spaces & (G_GUINT64_CONSTANT (0x80) << 56));
  return stops == 0 ? 8 : (guint)__builtin_ctzll (stops) / 8;
}

/* fct_analysis_fraud_normalise: the patterns need neither the forms of white space nor
 * the typographic apostrophe. */
GString *
fct_analysis_fraud_normalise (const GString *text, const GArray *marks, GArray **at)
{
  static gsize once;
  static guint8 kinds[256];
  /* Never longer than the input: written through a pointer. */
  GString *out = g_string_sized_new (text->len + 1);
  char *o = out->str;
  const char *p = text->str, *end = text->str + text->len;
  gboolean space = FALSE;
  guint m = 0;

  if (g_once_init_enter (&once))
    {
      for (guint c = 0; c < 256; c++)
        kinds[c] = g_ascii_isspace ((gchar)c) ? BLANK
                   : c == 0xe2                ? UTF8_E2
                   : c == 0xc2                ? UTF8_C2
                                              : COPY;
      g_once_init_leave (&once, 1);
    }
  *at = g_array_sized_new (FALSE, FALSE, sizeof (gsize), marks != NULL ? marks->len : 0);
  while (p < end)
    {
      const guchar c = (guchar)*p;
      const guint8 kind = kinds[c];
      if (kind == BLANK)
        {
          space = TRUE;
          p++;
          continue;
        }
      if (kind == UTF8_C2 && p + 1 < end && (guchar)p[1] == 0xa0)
        {
          space = TRUE;
          p += 2;
          continue;
        }
      if (kind == UTF8_E2 && p + 2 < end && (guchar)p[1] == 0x80
          && ((guchar)p[2] == 0xaf || (guchar)p[2] == 0x89))
        {
          space = TRUE;
          p += 3;
          continue;
        }
      if (space && o > out->str)
        *o++ = ' ';
      space = FALSE;
      if (kind == UTF8_E2 && p + 2 < end && (guchar)p[1] == 0x80 && (guchar)p[2] == 0x99)
        {
          *o++ = '\'';
          p += 3;
          continue;
        }
      /* Up to the next mark, the bytes that are copied as they are. */
      {
        const char *stop = end;
        if (marks != NULL && m < marks->len)
          {
            const char *mark = text->str + g_array_index (marks, gsize, m);
            if (mark == p)
              {
                gsize offset = (gsize)(o - out->str);
                g_array_append_val (*at, offset);
                m++;
              }
            if (m < marks->len)
              stop = text->str + g_array_index (marks, gsize, m);
          }
        *o++ = *p++;
        /* The output is never ahead of the input: eight bytes written at o stay within
           its text->len + 1. */
        while (stop - p >= 8)
          {
            guint n = plain8 (p);
            memcpy (o, p, 8);
            o += n;
            p += n;
            if (n < 8)
              break;
          }
        while (p < stop && kinds[(guchar)*p] == COPY)
          *o++ = *p++;
      }
    }
  /* Every mark is at an ASCII letter, which the loop copies at its top. */
  g_assert (marks == NULL || m == marks->len);
  *o = '\0';
  out->len = (gsize)(o - out->str);
  return out;
}

/* How far before a match reader_prefix_pattern looks. */
#define PREFIX_BYTES 48

/* TRUE if the bytes just before start address the wording to the reader. */
static gboolean
readers_prefix (const GString *text, gint start)
{
  gsize from = start > PREFIX_BYTES ? (gsize)start - PREFIX_BYTES : 0;

  while (from > 0 && ((guchar)text->str[from] & 0xc0) == 0x80)
    from--;
  return g_regex_match_full (patterns ()->reader_prefix, text->str + from,
                             (gssize)((gsize)start - from), 0, 0, NULL, NULL);
}

/* The first match of re in text[from, to) that is not addressed to the reader, or NULL
 * (transfer full); its byte offsets in text in *start, *end. */
static char *
find_announcement (GRegex *re, const GString *text, gsize from, gsize to, gint *start,
                   gint *end)
{
  g_autoptr (GMatchInfo) match = NULL;

  g_regex_match_full (re, text->str + from, (gssize)(to - from), 0, 0, &match, NULL);
  for (; g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      gint ns = -1, ne = -1;
      /* A group "not" inside a pattern ("mettre à jour vos coordonnées"); FALSE for a
         pattern without one. */
      if (g_match_info_fetch_named_pos (match, "not", &ns, &ne) && ns >= 0)
        continue;
      g_match_info_fetch_pos (match, 0, start, end);
      *start += (gint)from;
      *end += (gint)from;
      if (readers_prefix (text, *start))
        continue;
      return g_match_info_fetch (match, 0);
    }
  return NULL;
}

/* TRUE if re matches within reach bytes of [start, end). */
static gboolean
near_within (GRegex *re, const GString *text, gint start, gint end, gsize reach)
{
  gsize from = (gsize)start > reach ? (gsize)start - reach : 0;
  gsize to = MIN (text->len, (gsize)end + reach);

  /* Whole characters only, so that the window is valid UTF-8. */
  while (from > 0 && ((guchar)text->str[from] & 0xc0) == 0x80)
    from--;
  while (to < text->len && ((guchar)text->str[to] & 0xc0) == 0x80)
    to++;
  return g_regex_match_full (re, text->str + from, (gssize)(to - from), 0, 0, NULL, NULL);
}

static gboolean
near (GRegex *re, const GString *text, gint start, gint end)
{
  return near_within (re, text, start, end, CONTEXT_BYTES);
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

static char *
bank_change_wording (const GString *text, guint64 met, gboolean bank_context,
                     const GArray *at, gboolean folds)
{
  const Patterns *p = patterns ();
  g_autoptr (GArray) windows = anchor_windows (text, bank_context, at, folds);
  gboolean warning_known = FALSE, warning = FALSE;
  gint start = 0, end = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (p->strong); i++)
    for (guint w = 0; rule_met (met, rules.strong[i]) && w < windows->len; w++)
      {
        const Window *win = &g_array_index (windows, Window, w);
        char *wording;
        wording = find_announcement (p->strong[i], text, win->from, win->to, &start, &end);
        if (wording != NULL)
          return wording;
      }
  for (gsize i = 0; i < G_N_ELEMENTS (p->weak); i++)
    for (guint w = 0; rule_met (met, rules.weak[i]) && w < windows->len; w++)
      {
        const Window *win = &g_array_index (windows, Window, w);
        for (gsize from = win->from; from < win->to; from = (gsize)end)
          {
            g_autofree char *wording
                = find_announcement (p->weak[i], text, from, win->to, &start, &end);
            if (wording == NULL)
              break;
            if (!warning_known)
              {
                warning = g_regex_match_full (p->warning, text->str, (gssize)text->len, 0,
                                              0, NULL, NULL);
                warning_known = TRUE;
              }
            if (warning)
              return NULL;
            if ((bank_context || near (p->banking, text, start, end))
                && !near (p->unchanged, text, start, end))
              return g_steal_pointer (&wording);
          }
      }
  return NULL;
}

/* The first match of re whose surroundings (REQUEST_BYTES each side) hold a transfer
 * and, if urgent is set, urgency: a request for secrecy is read with the request it goes
 * with. The three words anywhere in a long mail (a staff newsletter: a transfer in one
 * item, "today" in another, a survey's answers kept confidential in a third) are not
 * one request. */
static char *
request_wording (GRegex *re, const GString *text, GRegex *with, GRegex *also)
{
  g_autoptr (GMatchInfo) match = NULL;

  g_regex_match_full (re, text->str, (gssize)text->len, 0, 0, &match, NULL);
  for (guint n = 0; g_match_info_matches (match) && n < MATCHES_MAX; n++)
    {
      gint start = 0, end = 0;
      g_match_info_fetch_pos (match, 0, &start, &end);
      if (near_within (with, text, start, end, REQUEST_BYTES)
          && (also == NULL || near_within (also, text, start, end, REQUEST_BYTES)))
        return g_match_info_fetch (match, 0);
      g_match_info_next (match, NULL);
    }
  return NULL;
}

static char *
transfer_secrecy_wording (const GString *text, guint64 met)
{
  const Patterns *p = patterns ();
  char *wording = NULL;

  if (rule_met (met, rules.unverifiable))
    wording = request_wording (p->unverifiable, text, p->transfer, NULL);
  if (wording == NULL && rule_met (met, rules.secret))
    wording = request_wording (p->secret, text, p->transfer, p->urgent);
  return wording;
}

void
fct_analysis_fraud_wordings (FctAnalysisContext *ctx, gboolean bank_context, char **change,
                             char **secrecy, char **gift)
{
  /* The trigger rules read word starts in ASCII case only; the patterns match U+017F
     as "s" and U+212A as "k" too: with either in the text, every trigger may be there. */
  const gboolean folds = ctx->words.folds;
  const guint64 met = folds ? G_MAXUINT64 : ctx->words.met;
  const GArray *marks = ctx->words.marks;
  gboolean wants_change
      = (met & rules.change) != 0 && (bank_context || marks->len > 0 || folds);
  g_autoptr (GString) text = NULL;
  g_autoptr (GArray) at = NULL;

  *change = *secrecy = *gift = NULL;
  /* Most mail holds none of the words that every wording needs: nothing to copy. */
  if (!wants_change && !rule_met (met, rules.unverifiable) && !rule_met (met, rules.secret)
      && !rule_met (met, rules.gift))
    return;
  text = fct_analysis_fraud_normalise (ctx->all_text, marks, &at);
  if (wants_change)
    *change = bank_change_wording (text, met, bank_context, at, folds);
  *secrecy = transfer_secrecy_wording (text, met);
  *gift = rule_met (met, rules.gift)
              ? request_wording (patterns ()->gift, text, patterns ()->gift_tell, NULL)
              : NULL;
}
