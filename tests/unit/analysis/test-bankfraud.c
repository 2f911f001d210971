/* facteur — tests of the bank-details fraud check: the wordings that announce new bank
 * details (French and English, as fraudsters write them) and the close wordings of
 * ordinary mail that must not raise bank-details-change; IBANs written with any
 * spacing; French RIBs given as bank, branch, account and key. */
#include <facteur/analysis.h>

#include <string.h>

typedef struct
{
  const char *subject;
  const char *body;
  const char *attachment; /* an attachment's file name, or NULL */
  gboolean change;        /* bank-details-change must be raised (else must not) */
} Wording;

static const Wording wordings[] = {
  /* Issue 12: the announcement alone is enough. */
  { "Facture", "Veuillez trouver ci-joint notre nouveau RIB.", "RIB.pdf", TRUE },
  { "Facture", "Veuillez trouver ci-joint notre nouveau RIB.", NULL, TRUE },
  { "Info", "Please note our bank details have changed.", NULL, TRUE },
  { "Info", "Nous vous informons que nous avons changé de banque.", NULL, TRUE },
  /* French typography: guillemets and apostrophes stuck to the words, with and without
     their no-break spaces. */
  { "Facture", "Veuillez trouver ci-joint notre «nouveau RIB» pour vos règlements.", NULL,
    TRUE },
  { "Facture", "Veuillez trouver ci-joint notre «\u202fnouveau RIB\u202f».", NULL, TRUE },
  { "Info", "Suite à un «changement de domiciliation bancaire», merci de noter.", NULL,
    TRUE },
  { "Info", "Merci de noter nos coordonnées bancaires (« nouvel IBAN »).", NULL, TRUE },
  /* The key word read after the white space is folded ("sort\u00a0code"), after a
     typographic apostrophe, in capitals, after a hundred others; an accented capital
     that starts the word the pattern needs ("ÉVOLUÉ"). */
  { "Info", "Please note our new sort\u00a0code and account number.", NULL, TRUE },
  { "Info", "Please note our new sort \t code.", NULL, TRUE },
  { "Info", "Merci de noter que l’IBAN a changé.", NULL, TRUE },
  { "Info", "VEUILLEZ NOTER NOTRE NOUVEAU RIB.", NULL, TRUE },
  { "Info", "Nos coordonnées bancaires ont ÉVOLUÉ.", NULL, TRUE },
  { "Notre nouveau RIB", "Bonjour,", NULL, TRUE },
  /* Caseless matching reads the Kelvin sign U+212A as "k" and the long s U+017F as "s":
     a key word or a trigger written with them is still read. */
  { "Info", "Please note our new ban\u212A details.", NULL, TRUE },
  { "Info", "Please note our bank detail\u017F have changed.", NULL, TRUE },
  { "Mesures", "Le four monte à 500 \u212A. Notre banque reste la même, merci.", NULL,
    FALSE },
  { "Relevé",
    "compte compte compte compte compte compte compte compte compte compte compte compte "
    "compte compte compte compte compte compte compte compte compte compte compte compte "
    "compte compte compte compte compte compte compte compte compte compte compte compte "
    "compte compte compte compte compte compte compte compte compte compte compte compte "
    "compte compte compte compte compte compte compte compte compte compte compte compte "
    "compte compte compte compte compte compte compte compte compte compte compte compte "
    "compte compte compte compte compte compte compte compte compte compte compte compte "
    "compte compte compte compte compte compte compte compte compte compte compte compte "
    "compte compte compte compte compte compte compte compte compte compte compte compte\n"
    "\u00a0\u202f  Merci de noter notre nouveau\u00a0RIB.",
    NULL, TRUE },
  /* Pretexts and past tenses (false clean at first). */
  { "Remittance",
    "Kindly be informed that we have updated our receiving account. All payments for "
    "outstanding invoices should be made to the account below.",
    NULL, TRUE },
  { "Info", "I've amended my payee details, see the attached form.", NULL, TRUE },
  { "Règlement facture 4411",
    "Merci d'utiliser les coordonnées suivantes, notre compte habituel faisant l'objet "
    "d'un contrôle.",
    NULL, TRUE },
  { "Info", "Notre compte bancaire est en cours de clôture : merci de ne plus l'utiliser.",
    NULL, TRUE },
  { "Info", "All payments should now be made to the following account.", NULL, TRUE },
  { "Mise à jour fournisseur",
    "Les paiements seront désormais à effectuer sur le compte de notre filiale, dont vous "
    "trouverez les références ci-dessous.",
    NULL, TRUE },
  { "Trésorerie", "Merci de régler la facture sur le compte de notre maison mère.", NULL,
    TRUE },
  { "Facture 5520 - correction",
    "Une erreur s'est glissée dans le RIB de la facture 5520. Merci de prendre en compte "
    "le "
    "RIB corrigé ci-joint.",
    NULL, TRUE },
  { "Invoice 5520", "Please find our corrected bank details attached to this email.", NULL,
    TRUE },
  { "Extranet", "Le compte de la filiale de Lyon a été créé sur notre extranet.", NULL,
    FALSE },
  { "Votre banque", "Voici votre RIB corrigé, avec la nouvelle adresse de votre agence.",
    NULL, FALSE },
  /* How an ordinary invoice gives its account (a false alarm at first). */
  { "Invoice 2211",
    "Please find attached invoice 2211. All payments should be made to the following "
    "account: Barclays, sort code 20-00-00.",
    NULL, FALSE },
  { "Invoice 2211", "Payment should be made to the following account within 30 days.", NULL,
    FALSE },
  { "Reminder", "Please use the following account for outstanding invoices.", NULL, FALSE },
  { "News", "We have updated our payment page: you can now pay by card.", NULL, FALSE },
  { "Dossier", "Votre dossier est en cours de contrôle par nos services.", NULL, FALSE },
  /* French verb forms and wordings. */
  { "Important", "Suite à un changement de domiciliation bancaire, merci de noter.", NULL,
    TRUE },
  { "Important", "Nos coordonnées bancaires ont été modifiées.", NULL, TRUE },
  { "Important", "Nos coordonnées bancaires ont changé depuis le 1er novembre.", NULL,
    TRUE },
  { "Important", "Nous changeons de banque à compter du mois prochain.", NULL, TRUE },
  { "Important", "Merci de mettre à jour nos coordonnées bancaires dans vos fichiers.",
    NULL, TRUE },
  { "Important", "Merci d’effectuer vos virements sur le nouveau compte ci-dessous.", NULL,
    TRUE },
  { "Important", "Merci de ne plus utiliser l’ancien RIB.", NULL, TRUE },
  { "Important", "Voici mon nouvel IBAN pour le versement de mon salaire.", NULL, TRUE },
  { "Nouveau RIB", "Bonjour, voir pièce jointe.", "scan.pdf", TRUE },
  { "Important", "Veuillez trouver ci-joint nos nouvelles coordonnées.", "RIB_Leblanc.pdf",
    TRUE },
  { "Important",
    "Nos nouvelles coordonnées bancaires\u00a0: voir le relevé d’identité bancaire.", NULL,
    TRUE },
  /* English. */
  { "Change of bank details", "Dear customer, see attached letter.", NULL, TRUE },
  { "Info", "We have changed banks. Kindly update your records.", NULL, TRUE },
  { "Info", "We've switched our bank account to Barclays.", NULL, TRUE },
  { "Info", "Please remit all future payments to our new account.", NULL, TRUE },
  { "Info", "Going forward, all payments should now be made to the following account.",
    NULL, TRUE },
  { "Info", "Please do not send payments to our old account.", NULL, TRUE },
  { "Payroll", "Hi, I need to update my direct deposit before the next payroll.", NULL,
    TRUE },
  { "Info", "Our new banking details are in the attached letter.", NULL, TRUE },
  { "Info", "Please find our new details attached.", "Bank details.pdf", TRUE },
  /* A change without the word: a marker of change and the account to pay. */
  { "Info",
    "Désormais, merci d'adresser vos paiements au compte suivant : voir ci-dessous.", NULL,
    TRUE },
  { "Info", "À compter de ce jour, nos règlements sont à effectuer sur notre compte Qonto.",
    NULL, TRUE },
  { "Info", "Please use the following account for this and future invoices.", NULL, TRUE },
  { "Info", "Our accounts department has migrated to a new banking partner.", NULL, TRUE },
  { "Info", "Attached are the revised remittance details on our letterhead.", NULL, TRUE },
  { "Info", "Notre banque ferme nos comptes : voici nos coordonnées de remplacement.", NULL,
    TRUE },
  { "INFORMATION", "DÉSORMAIS, MERCI D'ADRESSER VOS PAIEMENTS AU COMPTE SUIVANT.", NULL,
    TRUE },
  /* Every invoice says how to pay; a customer's account is the reader's. */
  { "Facture", "Règlement par virement sur le compte suivant : voir la facture.", NULL,
    FALSE },
  { "Facture", "Paiement exclusivement par virement sur le compte indiqué sur la facture.",
    NULL, FALSE },
  { "Prélèvement",
    "Pensez à nous transmettre le nouveau RIB de votre société si vous avez changé de "
    "banque.",
    NULL, FALSE },
  { "Info",
    "À partir d'aujourd'hui, vos factures sont payées par prélèvement sur votre compte.",
    NULL, FALSE },
  /* Pretexts and payroll (held-out round 2). */
  { "Relance",
    "Veuillez utiliser le RIB joint, notre compte habituel étant temporairement "
    "indisponible.",
    NULL, TRUE },
  { "Urgent", "Pourriez-vous effectuer le paiement sur notre second compte ?", NULL, TRUE },
  { "Mise à jour", "Merci de modifier l'IBAN enregistré pour notre société.", NULL, TRUE },
  { "Payroll", "Can my salary be paid into a different account this month?", NULL, TRUE },
  { "Remittance",
    "All payments to Brightline should be directed to our subsidiary's account.", NULL,
    TRUE },
  { "Espace client", "Pour modifier le RIB de votre compte client, connectez-vous.", NULL,
    FALSE },
  { "Avoir", "Nous vous remboursons par virement sur votre compte cette semaine.", NULL,
    FALSE },
  /* Round 3: the old account declared dead, another company's account. */
  { "Relance", "Le compte habituel n'est plus actif : merci de refaire le virement.", NULL,
    TRUE },
  { "Info", "We are receiving payments through our sister company's account.", NULL, TRUE },
  { "Info", "Our remittance account has been transferred to ING Bank.", NULL, TRUE },
  { "Merci", "Votre compte client est à jour, aucune facture n'est plus en attente.", NULL,
    FALSE },
  /* Issue 12: false alarms. */
  { "Welcome", "Your new account is ready. Log in today.", NULL, FALSE },
  { "Compte",
    "Le changement de compte utilisateur que vous avez demandé a été effectué "
    "aujourd'hui.",
    NULL, FALSE },
  { "Newsletter", "What the new accounting regulations mean for your bank.", NULL, FALSE },
  /* Addressed to the reader or conditional: HR and banks write so. */
  { "Paie", "Si vous avez changé de banque, transmettez votre nouveau RIB au service RH.",
    NULL, FALSE },
  { "Paie", "En cas de changement de RIB, prévenez le service paie avant le 20.", NULL,
    FALSE },
  { "Sécurité", "Vos coordonnées bancaires ont été modifiées depuis votre espace client.",
    NULL, FALSE },
  { "Receipt", "Your payment details have been updated. Thank you for shopping.", NULL,
    FALSE },
  { "Your card", "A new bank card has been sent to you. Your new bank card arrives soon.",
    NULL, FALSE },
  { "Offer", "Open a new account with our bank today and get 100 EUR.", NULL, FALSE },
  { "Ouverture", "Ouvrez un nouveau compte dans notre banque en ligne.", NULL, FALSE },
  /* Moving offices: new details, bank details unchanged. */
  { "Déménagement",
    "Nous déménageons : voici nos nouvelles coordonnées, 12 rue des Lilas. Nos "
    "coordonnées bancaires restent inchangées.",
    NULL, FALSE },
  { "Moving", "Please note our new details: 4 Mill Lane. Our bank details are unchanged.",
    NULL, FALSE },
  /* Warnings about the fraud name it without announcing anything; the sender's own
     announcement still counts in a message that mentions fraud. */
  { "Alerte : tentatives de fraude au changement de RIB",
    "De faux courriels annoncent un changement de coordonnées : avant de modifier un "
    "IBAN, appelez le fournisseur.",
    NULL, FALSE },
  { "Info", "Pour lutter contre la fraude, nous avons changé de banque.", NULL, TRUE },
  /* HR: a list of changes to report, a rule about requests. */
  { "Paie",
    "Merci de nous signaler avant le 15 :\n- un changement d'adresse ;\n- un changement "
    "de banque : déposez votre nouveau RIB sur l'intranet. Aucune demande de modification "
    "de RIB reçue par e-mail n'est traitée.",
    NULL, FALSE },
  { "Newsletter", "A word from a bank on new account opening times.", NULL, FALSE },
  /* "sort" is a key word only before "code". */
  { "Catalogue", "Our new sort order puts the newest items first.", NULL, FALSE },
  /* An invoice with a RIB attached and no change announced. */
  { "Facture FA-112", "Veuillez trouver ci-joint la facture FA-112 et notre RIB.",
    "RIB.pdf", FALSE },
  { "Invoice 2211", "Please find attached invoice 2211; our bank details are on it.", NULL,
    FALSE },
};

typedef struct
{
  const char *body;
  gboolean raised; /* transfer-request-secret */
} Secrecy;

static const Secrecy secrecies[] = {
  { "J'ai besoin que vous traitiez aujourd'hui un virement urgent. Le dossier est "
    "strictement confidentiel, n'en parlez à personne.",
    TRUE },
  { "Merci d'effectuer dès maintenant un virement de 48 500 EUR. C'est urgent et "
    "confidentiel.",
    TRUE },
  { "Please process a wire transfer today. Keep this between us until the deal is "
    "announced.",
    TRUE },
  /* A corporate disclaimer and an ordinary payment reminder. */
  { "Merci de régler la facture par virement aujourd'hui.\nCe message et ses pièces "
    "jointes sont confidentiels et destinés exclusivement à leur destinataire.",
    FALSE },
  { "Please pay invoice 22 today. This e-mail is confidential and may be privileged; if "
    "you are not the intended recipient, delete it.",
    FALSE },
  { "Please pay today by wire. This message is confidential: do not share it with anyone "
    "other than the intended recipient.",
    FALSE },
  { "Wire the deposit today and do not discuss this with anyone until Monday.", TRUE },
  { "J'ai besoin que tu passes un virement aujourd'hui pour un dossier sensible ; ne mets "
    "personne en copie.",
    TRUE },
  { "Exécute deux virements internationaux avant 16h. Ne parle de ce dossier à personne.",
    TRUE },
  /* Keeping the reader from calling is enough with a transfer. */
  { "Please wire the retainer to our escrow account; please don't call the office this "
    "week.",
    TRUE },
  { "Merci de virer l'acompte aujourd'hui ; ne m'appelez pas, je suis en déplacement.",
    TRUE },
  /* A staff newsletter: a transfer, "today" and the reader's answers kept confidential,
     each in an item of its own (a false alarm at first). */
  { "1. Arbre de Noël : inscriptions aujourd'hui au plus tard.\n\n2. Chèques-vacances : le "
    "virement de la participation sera effectué avant le 20 décembre.\n\n3. Enquête : vos "
    "réponses restent strictement confidentielles.",
    FALSE },
  { "Your answers will remain strictly confidential. The survey closes today; the prize "
    "draw winner gets a bank transfer of 100 EUR.",
    FALSE },
  /* The same words, far apart in a long mail: the transfer asked in one place, secrecy
     about something else pages later. */
  { "Merci de régler la facture par virement aujourd'hui.\n\n"
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure "
    "dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla "
    "pariatur. "
    "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt "
    "mollit anim id est laborum. Sed ut perspiciatis unde omnis iste natus error sit "
    "voluptatem accusantium doloremque laudantium, totam rem aperiam, eaque ipsa quae ab "
    "illo inventore veritatis et quasi architecto beatae vitae dicta sunt explicabo. Nemo "
    "enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugit.\n\n"
    "PS : la fête de départ de Anne est une surprise, n'en parlez à personne !",
    FALSE },
  /* Secrecy about a surprise party, no transfer. */
  { "Don't tell anyone: the party for Anne is today at 5 pm.", FALSE },
};

static FctAnalysis *
analyse (const char *subject, const char *body, const char *attachment,
         FctFindings *findings)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FctMsg) msg = NULL;
  g_autofree char *encoded = g_base64_encode ((const guchar *)subject, strlen (subject));
  FctAnalysis *a;

  g_string_append_printf (s,
                          "From: Compta <compta@fournisseur.fr>\r\nTo: a@client.fr\r\n"
                          "Subject: =?UTF-8?B?%s?=\r\nMIME-Version: 1.0\r\n",
                          encoded);
  if (attachment == NULL)
    g_string_append_printf (s,
                            "Content-Type: text/plain; charset=utf-8\r\n"
                            "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
                            body);
  else
    g_string_append_printf (s,
                            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                            "Content-Type: text/plain; charset=utf-8\r\n"
                            "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n--b\r\n"
                            "Content-Type: application/pdf\r\n"
                            "Content-Disposition: attachment; filename=\"%s\"\r\n"
                            "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
                            "--b--\r\n",
                            body, attachment);
  bytes = g_bytes_new (s->str, s->len);
  msg = fct_msg_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  a = fct_analysis_run (msg, NULL, findings, &error);
  g_assert_no_error (error);
  return a;
}

static void
test_wording (gconstpointer data)
{
  const Wording *w = data;
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = analyse (w->subject, w->body, w->attachment, findings);

  if (w->change != fct_findings_has (findings, "bank-details-change"))
    g_error ("%s / %s: bank-details-change %s", w->subject, w->body,
             w->change ? "not raised" : "raised");
}

static void
test_secrecy (gconstpointer data)
{
  const Secrecy *c = data;
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = analyse ("Demande", c->body, NULL, findings);

  if (c->raised != fct_findings_has (findings, "transfer-request-secret"))
    g_error ("%s: transfer-request-secret %s", c->body,
             c->raised ? "not raised" : "raised");
}

typedef struct
{
  const char *text;
  const char *iban; /* the normalised IBAN found, or NULL for none */
} Number;

static const Number numbers[] = {
  { "IBAN : FR76 3000 4000 0312 3456 7890 143", "FR7630004000031234567890143" },
  /* Issue 12: any spacing, the RIB grouping. */
  { "IBAN FR 76 3000 4000 0312 3456 7890 143.", "FR7630004000031234567890143" },
  { "IBAN FR76 30004 00003 12345678901 43", "FR7630004000031234567890143" },
  { "IBAN FR7630004000031234567890143, BIC BNPAFRPP", "FR7630004000031234567890143" },
  { "IBAN\u00a0: FR76\u00a03000\u00a04000\u00a00312\u00a03456\u00a07890\u00a0143",
    "FR7630004000031234567890143" },
  { "IBAN FR76-3000-4000-0312-3456-7890-143", "FR7630004000031234567890143" },
  { "IBAN: GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819" },
  { "IBAN DE89 3704 0044 0532 0130 00", "DE89370400440532013000" },
  /* Account numbers with letters. */
  { "IBAN FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606" },
  /* Wrong check digits, wrong length, a longer number, lower case prose. */
  { "IBAN FR76 3000 4000 0312 3456 7890 144", NULL },
  { "IBAN FR76 3000 4000 0312 3456 7890 14", NULL },
  { "IBAN FR76 3000 4000 0312 3456 7890 1430", NULL },
  { "de 89 3704 0044 0532 0130 00 euros", NULL },
  /* French RIB: bank, branch, account, key, in a line or labelled. */
  { "RIB : 30004 00003 12345678901 43", "FR7630004000031234567890143" },
  { "Code banque : 30004\nCode guichet : 00003\nN° de compte : 12345678901\n"
    "Clé RIB : 43",
    "FR7630004000031234567890143" },
  { "Banque 20041 Guichet 01005 Compte 0500013M026 Clé 06", "FR1420041010050500013M02606" },
  /* A wrong key, a postcode and phone numbers. */
  { "RIB : 30004 00003 12345678901 44", NULL },
  { "12 rue des Lilas, 75011 Paris. Tél. 01 43 55 12 12, SIRET 123 456 789 00012", NULL },
};

static void
test_number (gconstpointer data)
{
  const Number *n = data;
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = analyse ("Facture", n->text, NULL, findings);

  if (n->iban == NULL)
    g_assert_cmpuint (fct_analysis_get_iban_count (a), ==, 0);
  else
    {
      g_assert_cmpuint (fct_analysis_get_iban_count (a), ==, 1);
      g_assert_cmpstr (fct_analysis_get_iban (a, 0), ==, n->iban);
    }
}

/* A customer's payment confirmation quotes the reader's account: that account's country
 * says nothing about the sender (no iban-country-mismatch); the sender's own does. */
static void
test_readers_account (void)
{
  g_autoptr (FctFindings) mine = fct_findings_new ();
  g_autoptr (FctFindings) theirs = fct_findings_new ();
  g_autoptr (FctAnalysis) a = analyse (
      "Avis de virement",
      "Nous avons procédé au virement de 120 EUR sur votre compte DE89 3704 0044 0532 0130 "
      "00.",
      NULL, mine);
  g_autoptr (FctAnalysis) b = analyse (
      "Facture", "Règlement sur notre compte DE89 3704 0044 0532 0130 00.", NULL, theirs);

  g_assert_true (fct_findings_has (mine, "iban-present"));
  g_assert_false (fct_findings_has (mine, "iban-country-mismatch"));
  g_assert_true (fct_findings_has (theirs, "iban-country-mismatch"));
}

/* The same account as IBAN and as RIB in one message is one account. */
static void
test_rib_and_iban_same (void)
{
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = analyse (
      "Facture", "RIB 30004 00003 12345678901 43 - IBAN FR76 3000 4000 0312 3456 7890 143",
      NULL, findings);

  g_assert_cmpuint (fct_analysis_get_iban_count (a), ==, 1);
}

/* A megabyte of groups that each could start a RIB or an IBAN with a separator: linear,
 * and nothing found. */
static void
test_hostile_groups (void)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (FctFindings) findings = fct_findings_new ();
  g_autoptr (FctAnalysis) a = NULL;

  while (s->len < 1024 * 1024)
    g_string_append (s, "FR 76 30004 00003 1234567890 4 ");
  a = analyse ("Facture", s->str, NULL, findings);
  g_assert_cmpuint (fct_analysis_get_iban_count (a), ==, 0);
}

/* A megabyte of wordings that each start a match but never count (weak ones with no
 * banking word, ones addressed to the reader): every match is looked at once. */
static void
test_hostile_wordings (void)
{
  static const char *const units[] = {
    "nos nouvelles coordonnées : 12 rue des Lilas. ",
    "votre nouveau RIB si vous avez changé de banque ",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      g_autoptr (FctFindings) findings = fct_findings_new ();
      g_autoptr (FctAnalysis) a = NULL;

      while (s->len < 1024 * 1024)
        g_string_append (s, units[i]);
      a = analyse ("Info", s->str, NULL, findings);
      g_assert_false (fct_findings_has (findings, "bank-details-change"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (wordings); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bankfraud/wording/%02zu", i);
      g_test_add_data_func (path, &wordings[i], test_wording);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bankfraud/number/%02zu", i);
      g_test_add_data_func (path, &numbers[i], test_number);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (secrecies); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bankfraud/secrecy/%02zu", i);
      g_test_add_data_func (path, &secrecies[i], test_secrecy);
    }
  g_test_add_func ("/bankfraud/rib-and-iban-same", test_rib_and_iban_same);
  g_test_add_func ("/bankfraud/readers-account", test_readers_account);
  g_test_add_func ("/bankfraud/hostile-wordings", test_hostile_wordings);
  g_test_add_func ("/bankfraud/hostile-groups", test_hostile_groups);
  return g_test_run ();
}
