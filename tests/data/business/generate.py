#!/usr/bin/python3
"""Writes the generated part of the business-mail corpus (gen-NNN.eml) and the zone file
its senders need (business.zone): ordinary mail as small businesses receive it, in French
and English — supplier invoices with the IBAN in the footer, payment reminders and
remittance advices, order, shipping and delivery notifications, password resets and
account mail, meeting invitations, newsletters, HR and accounting mail. Each message is
composed from hand-written parts (senders, openings, bodies, signatures, footers) with a
fixed seed, so that the output is the same on every run; the output is committed, and
README.md says how it is used.

Usage: generate.py [OUTPUT_DIR]   (default: the folder of this script)"""
import os
import random
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261118)


def iban(cc, bban):
    n = int("".join(str(int(c, 36)) for c in bban + cc + "00"))
    return f"{cc}{98 - n % 97:02d}{bban}"


def spaced(i):
    return " ".join(i[k:k + 4] for k in range(0, len(i), 4))


def digits(n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def fr_rib():
    bank = rng.choice(["30004", "30003", "10278", "11315", "18206", "14505", "30056",
                       "20041", "13335", "16606", "17806", "12506"])
    branch, account = digits(5), digits(11)
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    return iban("FR", f"{bank}{branch}{account}{key:02d}")


# Senders: (display name, address, org name, language, country code, bank line style).
SUPPLIERS_FR = [
    ("Fournitures Leblanc", "comptabilite@fournitures-leblanc.fr", "Fournitures Leblanc SAS", "Lyon"),
    ("Imprimerie Rousseau", "factures@imprimerie-rousseau.fr", "Imprimerie Rousseau SARL", "Nantes"),
    ("Transports Morel", "facturation@transports-morel.fr", "Transports Morel SAS", "Grenoble"),
    ("Boulangerie Moulin Bleu", "contact@moulin-bleu.fr", "Moulin Bleu SARL", "Tours"),
    ("Nettoyage Pro Services", "admin@nettoyage-pro-services.fr", "NPS SAS", "Lille"),
    ("Cabinet Roussel", "honoraires@cabinet-roussel.fr", "Cabinet Roussel Expertise", "Bordeaux"),
    ("Informatique Durand", "facturation@informatique-durand.fr", "Informatique Durand EURL", "Rennes"),
    ("Électricité Garnier", "devis@electricite-garnier.fr", "Garnier Électricité SARL", "Dijon"),
    ("Café Torréfaction Lemaire", "commandes@torrefaction-lemaire.fr", "Lemaire & Fils SAS", "Marseille"),
    ("Agence Pixel Nord", "compta@pixel-nord.fr", "Pixel Nord SAS", "Roubaix"),
    ("Location Matériel Faure", "facturation@location-faure.fr", "Faure Location SAS", "Clermont-Ferrand"),
    ("Papeterie du Centre", "ventes@papeterie-du-centre.fr", "Papeterie du Centre SARL", "Orléans"),
]
SUPPLIERS_EN = [
    ("Brightline Components", "accounts@brightline-components.co.uk", "Brightline Components Ltd", "Leeds", "GB"),
    ("Northgate Office Supply", "billing@northgate-office.co.uk", "Northgate Office Supply Ltd", "Manchester", "GB"),
    ("Harbor Legal", "billing@harborlegal.com", "Harbor Legal LLP", "Boston", None),
    ("Keller Maschinenbau", "invoices@keller-maschinen.de", "Keller Maschinenbau GmbH", "Stuttgart", "DE"),
    ("Van Dijk Logistics", "finance@vandijk-logistics.nl", "Van Dijk Logistics B.V.", "Rotterdam", "NL"),
    ("Dubois Consulting", "admin@dubois-consulting.be", "Dubois Consulting SRL", "Brussels", "BE"),
    ("Cloudnest Hosting", "billing@cloudnest.io", "Cloudnest Hosting Ltd", "Dublin", "IE"),
]
SHOPS = [
    ("Bureau Direct", "commandes@bureau-direct.fr", "bureau-direct.fr", "fr"),
    ("Matériel Pro", "service-client@materiel-pro.fr", "materiel-pro.fr", "fr"),
    ("OfficeHub", "orders@officehub.co.uk", "officehub.co.uk", "en"),
    ("Gadget Depot", "support@gadgetdepot.com", "gadgetdepot.com", "en"),
]
CARRIERS = [
    ("Colis Express", "suivi@colis-express.fr", "colis-express.fr", "fr"),
    ("ParcelGo", "tracking@parcelgo.co.uk", "parcelgo.co.uk", "en"),
]
SAAS = [
    ("Agenda Partagé", "no-reply@agenda-partage.fr", "agenda-partage.fr", "fr"),
    ("Factura Cloud", "notifications@factura-cloud.fr", "factura-cloud.fr", "fr"),
    ("TeamBoard", "no-reply@teamboard.io", "teamboard.io", "en"),
    ("Ledgerly", "hello@ledgerly.com", "ledgerly.com", "en"),
]
NEWSLETTERS = [
    ("CCI Rhône Actualités", "actualites@cci-rhone-infos.fr", "cci-rhone-infos.fr", "fr"),
    ("Le Fil des Artisans", "lettre@fil-des-artisans.fr", "fil-des-artisans.fr", "fr"),
    ("Small Business Weekly", "newsletter@smallbizweekly.com", "smallbizweekly.com", "en"),
    ("Retail Insider", "news@retail-insider.co.uk", "retail-insider.co.uk", "en"),
]
INTERNAL = ("Maison Dupont", "maison-dupont.fr")
PEOPLE_FR = ["Claire Martin", "Julien Petit", "Sophie Bernard", "Thomas Robert", "Camille Richard",
             "Nicolas Durand", "Élodie Moreau", "Antoine Laurent", "Manon Simon", "Hugo Michel"]
PEOPLE_EN = ["Sarah Collins", "James Walker", "Emily Turner", "Daniel Hughes", "Olivia Bennett",
             "Matthew Price", "Grace Morgan", "Liam Foster"]
RECIPIENTS = ["factures@maison-dupont.fr", "compta@maison-dupont.fr", "j.dupont@maison-dupont.fr",
              "contact@maison-dupont.fr", "achats@maison-dupont.fr"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def date():
    import datetime
    d = datetime.datetime(2026, 11, rng.randint(2, 17), rng.randint(7, 19), rng.randint(0, 59),
                          rng.randint(0, 59))
    return f"{DAYS[d.weekday()]}, {d.day} Nov 2026 {d:%H:%M:%S} +0100"


def encode_header(text):
    if all(ord(c) < 128 for c in text):
        return text
    import base64
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def domain_of(address):
    return address.split("@", 1)[1]


SENDER_DOMAINS = set()


def headers(name, address, to, subject, extra=()):
    SENDER_DOMAINS.add(domain_of(address))
    mid = f"<{digits(10)}.{rng.randint(1000, 9999)}@{domain_of(address)}>"
    h = [f"Return-Path: <{address}>", f"From: {encode_header(name)} <{address}>", f"To: {to}",
         f"Subject: {encode_header(subject)}", f"Date: {date()}", f"Message-ID: {mid}"]
    h += list(extra)
    return "\n".join(h) + "\n"


def text_message(hdr, body):
    return (hdr + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n" + body.strip("\n") + "\n")


PDF = ("JVBERi0xLjQKMSAwIG9iajw8L1R5cGUvQ2F0YWxvZy9QYWdlcyAyIDAgUj4+ZW5kb2JqCjIgMCBv\n"
       "Ymo8PC9UeXBlL1BhZ2VzL0tpZHNbXS9Db3VudCAwPj5lbmRvYmoKdHJhaWxlcjw8L1Jvb3QgMSAw\nIFI+PgolJUVPRgo=\n")


def with_attachments(hdr, body, files):
    b = f"=_biz_{digits(8)}"
    parts = [f"--{b}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
             + body.strip("\n") + "\n"]
    for f in files:
        parts.append(f'--{b}\nContent-Type: application/pdf; name="{f}"\n'
                     f'Content-Disposition: attachment; filename="{f}"\n'
                     f"Content-Transfer-Encoding: base64\n\n{PDF}")
    return (hdr + f'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="{b}"\n\n'
            + "".join(parts) + f"--{b}--\n")


def alternative(hdr, text, html):
    b = f"=_alt_{digits(8)}"
    return (hdr + f'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="{b}"\n\n'
            f"--{b}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            + text.strip("\n") + "\n"
            f"--{b}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            + html.strip("\n") + f"\n--{b}--\n")


def amount_fr():
    return f"{rng.randint(80, 9800):,}".replace(",", " ") + f",{rng.randint(0, 99):02d} EUR"


def amount_en(cur="GBP"):
    return f"{cur} {rng.randint(80, 9800):,}.{rng.randint(0, 99):02d}"


# ---------------------------------------------------------------- French invoices
FR_OPEN = ["Bonjour,", "Madame, Monsieur,", "Bonjour Madame Dupont,", "Bonjour Monsieur Dupont,",
           "Chère cliente, cher client,"]
FR_INVOICE = [
    "Veuillez trouver ci-joint la facture {n} d'un montant de {amt} TTC, payable à {terms}.",
    "Nous vous prions de trouver en pièce jointe notre facture n° {n} ({amt} TTC), à régler à {terms}.",
    "Votre facture {n} est disponible en pièce jointe. Montant : {amt} TTC. Échéance : {terms}.",
    "Suite à notre livraison du {d}/11, voici la facture {n} correspondante, d'un montant de {amt} TTC.",
    "Comme convenu, nous vous adressons la facture {n} relative à la prestation de novembre ({amt} TTC).",
]
FR_TERMS = ["30 jours", "réception", "45 jours fin de mois", "30 jours fin de mois", "échéance le 15/12/2026"]
FR_MIDDLE = [
    "", "Le bon de livraison signé est joint pour vos archives.",
    "Pour toute question concernant cette facture, notre service comptabilité reste à votre disposition.",
    "Nous vous remercions de votre confiance.",
    "Merci de rappeler la référence de la facture lors de votre règlement.",
    "En cas de règlement par chèque, merci de l'adresser à notre siège.",
]
FR_CLOSE = ["Cordialement,", "Bien cordialement,", "Bien à vous,", "Meilleures salutations,",
            "Avec nos remerciements,"]


def fr_footer(org, city, ib):
    styles = [
        f"{org} - {city}\nIBAN : {spaced(ib)} - BIC : {rng.choice(['BNPAFRPPXXX', 'SOGEFRPP', 'CRLYFRPP', 'CEPAFRPP', 'AGRIFRPP'])}",
        f"--\n{org} au capital de {rng.choice(['10 000', '50 000', '7 500', '120 000'])} EUR - RCS {city} {digits(3)} {digits(3)} {digits(3)}\n"
        f"Coordonnées bancaires : IBAN {spaced(ib)}",
        f"{org}\nRèglement par virement : {ib}",
        f"{org} | SIRET {digits(14)} | IBAN {spaced(ib)}",
    ]
    return rng.choice(styles)


def fr_invoice(i):
    name, addr, org, city = rng.choice(SUPPLIERS_FR)
    n = f"{rng.choice(['FA', 'F', 'FAC', 'INV'])}-2026-{rng.randint(100, 9999):04d}"
    person = rng.choice(PEOPLE_FR)
    body = "\n\n".join(x for x in [
        rng.choice(FR_OPEN),
        rng.choice(FR_INVOICE).format(n=n, amt=amount_fr(), terms=rng.choice(FR_TERMS), d=rng.randint(2, 16)),
        rng.choice(FR_MIDDLE),
        f"{rng.choice(FR_CLOSE)}\n{person}\n{rng.choice(['Service comptabilité', 'Service facturation', 'Administration des ventes', 'Gérant', 'Assistante de direction'])}",
        fr_footer(org, city, fr_rib()),
    ] if x)
    hdr = headers(name, addr, rng.choice(RECIPIENTS), rng.choice([f"Facture {n}", f"Votre facture {n}", f"{org} - facture {n}", f"Facture n° {n}"]))
    if rng.random() < 0.6:
        return with_attachments(hdr, body, [f"{n}.pdf"])
    return text_message(hdr, body)


# ---------------------------------------------------------------- English invoices
EN_OPEN = ["Dear customer,", "Hello,", "Dear Accounts Payable,", "Hi Jean,", "Dear Sir or Madam,"]
EN_INVOICE = [
    "Please find attached invoice {n} for {amt}, due within {terms}.",
    "Attached is our invoice {n} ({amt}) for the goods delivered on {d} November.",
    "Your invoice {n} for {amt} is now available. Payment terms: {terms}.",
    "As agreed, here is invoice {n} covering the November services, totalling {amt}.",
]
EN_TERMS = ["30 days", "14 days", "30 days end of month", "receipt"]
EN_MIDDLE = ["", "Please quote the invoice number as the payment reference.",
             "If you have any questions about this invoice, just reply to this email.",
             "Thank you for your business.", "A copy of the delivery note is attached for your records."]
EN_CLOSE = ["Kind regards,", "Best regards,", "Many thanks,", "Regards,"]


def en_bank(cc):
    if cc == "GB":
        return iban("GB", rng.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL"]) + digits(14))
    if cc == "DE":
        return iban("DE", digits(18))
    if cc == "NL":
        return iban("NL", rng.choice(["ABNA", "INGB", "RABO"]) + digits(10))
    if cc == "BE":
        return iban("BE", digits(12))
    if cc == "IE":
        return iban("IE", rng.choice(["AIBK", "BOFI"]) + digits(14))
    return None


def en_invoice(i):
    name, addr, org, city, cc = rng.choice(SUPPLIERS_EN)
    cur = {"GB": "GBP", None: "USD"}.get(cc, "EUR")
    n = f"INV-{rng.randint(10000, 99999)}"
    ib = en_bank(cc)
    if ib:
        foot = rng.choice([f"{org}, {city}\nIBAN {spaced(ib)}",
                           f"{org} | Bank details: IBAN {ib}",
                           f"--\n{org}\nRegistered in {city}. IBAN: {spaced(ib)}"])
    else:
        foot = f"{org}, {city}\nACH routing {digits(9)}, account {digits(10)}"
    body = "\n\n".join(x for x in [
        rng.choice(EN_OPEN),
        rng.choice(EN_INVOICE).format(n=n, amt=amount_en(cur), terms=rng.choice(EN_TERMS), d=rng.randint(2, 16)),
        rng.choice(EN_MIDDLE),
        f"{rng.choice(EN_CLOSE)}\n{rng.choice(PEOPLE_EN)}\n{rng.choice(['Accounts Receivable', 'Credit Control', 'Billing', 'Finance Team'])}",
        foot,
    ] if x)
    hdr = headers(name, addr, rng.choice(RECIPIENTS), rng.choice([f"Invoice {n}", f"{org}: invoice {n}", f"Your invoice {n} is ready"]))
    return with_attachments(hdr, body, [f"{n}.pdf"]) if rng.random() < 0.6 else text_message(hdr, body)


# ---------------------------------------------------------------- reminders, remittances
def reminder(i):
    if rng.random() < 0.5:
        name, addr, org, city = rng.choice(SUPPLIERS_FR)
        n = f"FA-2026-{rng.randint(100, 999):04d}"
        body = (f"{rng.choice(FR_OPEN)}\n\nSauf erreur de notre part, la facture {n} du "
                f"{rng.randint(1, 28)}/10/2026 d'un montant de {amount_fr()} reste impayée à ce jour. "
                f"{rng.choice(['Nous vous remercions de bien vouloir procéder à son règlement dans les meilleurs délais.', 'Merci de nous indiquer la date de règlement prévue.', 'Si votre paiement a été effectué entre-temps, merci de ne pas tenir compte de ce message.'])}"
                f"\n\n{rng.choice(FR_CLOSE)}\n{rng.choice(PEOPLE_FR)}\n{org}")
        return text_message(headers(name, addr, rng.choice(RECIPIENTS), rng.choice([f"Relance facture {n}", f"Rappel : facture {n}", "Relance de paiement"])), body)
    name, addr, org, city, cc = rng.choice(SUPPLIERS_EN)
    n = f"INV-{rng.randint(10000, 99999)}"
    body = (f"{rng.choice(EN_OPEN)}\n\nOur records show that invoice {n} is now "
            f"{rng.choice(['7', '14', '30'])} days overdue. "
            f"{rng.choice(['Could you let us know when we can expect payment?', 'If you have already paid, please disregard this reminder.', 'Please arrange payment at your earliest convenience.'])}"
            f"\n\n{rng.choice(EN_CLOSE)}\n{rng.choice(PEOPLE_EN)}\n{org}")
    return text_message(headers(name, addr, rng.choice(RECIPIENTS), rng.choice([f"Payment reminder: {n}", f"Overdue invoice {n}", "Friendly reminder"])), body)


def remittance(i):
    # A customer tells us it paid: an IBAN (ours) and the words "virement", "compte".
    ours = fr_rib()
    if rng.random() < 0.6:
        name, addr, org, city = rng.choice(SUPPLIERS_FR)
        body = (f"Bonjour,\n\nNous vous informons que nous avons procédé ce jour au virement de "
                f"{amount_fr()} sur votre compte {spaced(ours)}, en règlement de vos factures "
                f"{', '.join('F-2026-' + digits(4) for _ in range(rng.randint(1, 3)))}.\n\n"
                f"{rng.choice(FR_CLOSE)}\n{rng.choice(PEOPLE_FR)}\nService comptabilité - {org}")
        return text_message(headers(name, addr, "compta@maison-dupont.fr", rng.choice(["Avis de virement", "Avis de paiement", "Règlement de vos factures"])), body)
    name, addr, org, city, cc = rng.choice(SUPPLIERS_EN)
    body = (f"Hello,\n\nThis is to confirm that we have sent a payment of {amount_en('EUR')} "
            f"to your account {ours} today, covering invoices "
            f"{', '.join('MD-' + digits(4) for _ in range(rng.randint(1, 3)))}.\n\n"
            f"{rng.choice(EN_CLOSE)}\n{rng.choice(PEOPLE_EN)}\n{org}")
    return text_message(headers(name, addr, "compta@maison-dupont.fr", rng.choice(["Remittance advice", "Payment confirmation"])), body)


# ---------------------------------------------------------------- orders, shipping
def order(i):
    name, addr, dom, lang = rng.choice(SHOPS)
    n = f"{rng.randint(100000, 999999)}"
    items = rng.sample(["Ramette papier A4 x5", "Toner noir HP 305A", "Classeurs à levier x10",
                        "Chaise de bureau ergonomique", "Stylos bille bleus x50", "Câble HDMI 2 m",
                        "Agrafeuse 50 feuilles", "Post-it 76x76 x12"] if lang == "fr" else
                       ["A4 paper, 5 reams", "Black toner 305A", "Lever arch files x10",
                        "Ergonomic office chair", "Blue ballpoint pens x50", "HDMI cable 2 m"], 2)
    if lang == "fr":
        text = (f"Bonjour,\n\nMerci pour votre commande n° {n}. Elle sera expédiée sous "
                f"{rng.randint(1, 3)} jours ouvrés.\n\n" + "\n".join(f"- {x}" for x in items)
                + f"\n\nTotal : {amount_fr()} TTC, réglé par carte bancaire.\n\n"
                f"Suivez votre commande dans votre espace client : https://www.{dom}/compte/commandes/{n}\n\nL'équipe {name}")
        html = (f"<html><body><p>Bonjour,</p><p>Merci pour votre commande n° {n}.</p><ul>"
                + "".join(f"<li>{x}</li>" for x in items)
                + f"</ul><p><a href=\"https://www.{dom}/compte/commandes/{n}\">Suivre ma commande</a></p>"
                f"<p>L'équipe {name} - <a href=\"https://www.{dom}/\">www.{dom}</a></p></body></html>")
        subj = rng.choice([f"Confirmation de votre commande n° {n}", f"Commande {n} confirmée"])
    else:
        text = (f"Hi,\n\nThanks for your order #{n}. It will ship within {rng.randint(1, 3)} working days.\n\n"
                + "\n".join(f"- {x}" for x in items) + f"\n\nTotal: {amount_en()} charged to your card.\n\n"
                f"Track it in your account: https://www.{dom}/account/orders/{n}\n\n{name}")
        html = (f"<html><body><p>Hi,</p><p>Thanks for your order #{n}.</p><ul>"
                + "".join(f"<li>{x}</li>" for x in items)
                + f"</ul><p><a href=\"https://www.{dom}/account/orders/{n}\">View your order</a></p>"
                f"<p><a href=\"https://www.{dom}/\">www.{dom}</a></p></body></html>")
        subj = rng.choice([f"Order confirmation #{n}", f"We've received your order #{n}"])
    return alternative(headers(name, addr, rng.choice(RECIPIENTS), subj), text, html)


def shipping(i):
    name, addr, dom, lang = rng.choice(CARRIERS)
    n = f"{rng.choice(['CX', 'PG'])}{digits(10)}FR"
    if lang == "fr":
        status = rng.choice(["a été expédié", "est en cours de livraison", "a été livré", "est disponible en point relais"])
        text = (f"Bonjour,\n\nVotre colis n° {n} {status}.\n\nSuivre mon colis : https://www.{dom}/suivi/{n}\n\n"
                f"Colis Express - service client du lundi au vendredi")
        html = (f"<html><body><p>Bonjour,</p><p>Votre colis n° <b>{n}</b> {status}.</p>"
                f"<p><a href=\"https://www.{dom}/suivi/{n}\">Suivre mon colis</a></p></body></html>")
        subj = f"Votre colis {n} {status}"
    else:
        status = rng.choice(["has been dispatched", "is out for delivery", "has been delivered"])
        text = f"Hello,\n\nYour parcel {n} {status}.\n\nTrack it: https://www.{dom}/track/{n}\n\nParcelGo"
        html = (f"<html><body><p>Your parcel <b>{n}</b> {status}.</p>"
                f"<p><a href=\"https://www.{dom}/track/{n}\">Track your parcel</a></p></body></html>")
        subj = f"Your parcel {status}"
    return alternative(headers(name, addr, rng.choice(RECIPIENTS), subj), text, html)


# ---------------------------------------------------------------- accounts, passwords
def account_mail(i):
    name, addr, dom, lang = rng.choice(SAAS)
    kind = rng.choice(["reset", "welcome", "changed", "login", "user"])
    link = f"https://app.{dom}/{'reset' if kind == 'reset' else 'login'}?t={digits(12)}"
    if lang == "fr":
        bodies = {
            "reset": ("Réinitialisation de votre mot de passe", f"Bonjour,\n\nVous avez demandé la réinitialisation de votre mot de passe. Cliquez sur le lien ci-dessous dans les 30 minutes :\n{link}\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message."),
            "welcome": ("Bienvenue ! Votre compte est prêt", f"Bonjour,\n\nVotre nouveau compte {name} est prêt. Connectez-vous dès aujourd'hui pour inviter votre équipe :\n{link}"),
            "changed": ("Votre mot de passe a été modifié", "Bonjour,\n\nLe mot de passe de votre compte a été modifié aujourd'hui. Si ce n'est pas vous, contactez immédiatement notre support."),
            "login": ("Nouvelle connexion à votre compte", "Bonjour,\n\nUne nouvelle connexion à votre compte a eu lieu depuis Chrome sur Windows (Lyon, France). Si c'était vous, vous n'avez rien à faire."),
            "user": ("Changement d'utilisateur principal", "Bonjour,\n\nLe changement de compte administrateur demandé aujourd'hui a bien été effectué : Claire Martin est désormais administratrice de votre espace."),
        }
    else:
        bodies = {
            "reset": ("Reset your password", f"Hi,\n\nWe received a request to reset your password. Use this link within 30 minutes:\n{link}\n\nIf you didn't ask for this, you can ignore this email."),
            "welcome": ("Your new account is ready", f"Hi,\n\nYour new account is ready. Log in today to set up your workspace:\n{link}"),
            "changed": ("Your account details have been updated", "Hi,\n\nYour account details have been updated: the email address on your profile changed. If this wasn't you, contact support right away."),
            "login": ("New sign-in to your account", "Hi,\n\nWe noticed a new sign-in to your account from Firefox on macOS. If this was you, there's nothing to do."),
            "user": ("Billing contact changed", "Hi,\n\nThe billing contact for your workspace was changed to Sarah Collins today. Invoices will now be sent to her."),
        }
    subj, body = bodies[kind]
    return text_message(headers(name, addr, rng.choice(RECIPIENTS), subj), body + f"\n\n{name}")


# ---------------------------------------------------------------- meetings
def meeting(i):
    if rng.random() < 0.5:
        who = rng.choice(PEOPLE_FR)
        name, addr, org, city = rng.choice(SUPPLIERS_FR)
        slot = f"{rng.choice(['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi'])} {rng.randint(19, 30)} novembre à {rng.choice(['9h30', '10h', '14h', '15h30', '11h'])}"
        body = (f"Bonjour,\n\n{rng.choice(['Je vous propose un point', 'Pourriez-vous être disponible pour une réunion', 'Je vous confirme notre rendez-vous'])} "
                f"le {slot} {rng.choice(['dans vos locaux', 'en visioconférence', 'à notre agence de ' + city])} "
                f"pour {rng.choice(['faire le bilan de l’année', 'préparer la commande de décembre', 'présenter notre nouvelle gamme', 'revoir le contrat de maintenance'])}.\n\n"
                f"{rng.choice(['Merci de me confirmer votre présence.', 'Dites-moi si ce créneau vous convient.', 'Le lien de connexion suivra.'])}\n\n{rng.choice(FR_CLOSE)}\n{who}\n{org}")
        return text_message(headers(who, addr.replace(addr.split('@')[0], who.split()[0].lower().replace('é', 'e')), rng.choice(RECIPIENTS), rng.choice(["Proposition de rendez-vous", "Réunion " + slot.split(' à ')[0], "Point mensuel"])), body)
    who = rng.choice(PEOPLE_EN)
    name, addr, org, city, cc = rng.choice(SUPPLIERS_EN)
    body = (f"Hi Jean,\n\nCould we {rng.choice(['set up a call', 'meet', 'have a quick catch-up'])} on "
            f"{rng.choice(['Monday', 'Tuesday', 'Thursday'])} at {rng.choice(['10:00', '14:00', '16:30'])} CET "
            f"to {rng.choice(['review the Q4 forecast', 'go through the new price list', 'discuss the delivery schedule'])}? "
            f"{rng.choice(['I will send a meeting link.', 'Let me know if another time suits you better.'])}\n\nBest,\n{who}\n{org}")
    return text_message(headers(who, addr.replace(addr.split('@')[0], who.split()[0].lower()), rng.choice(RECIPIENTS), rng.choice(["Meeting request", "Call next week?", "Catch-up"])), body)


# ---------------------------------------------------------------- newsletters
def newsletter(i):
    name, addr, dom, lang = rng.choice(NEWSLETTERS)
    issue = rng.randint(100, 400)
    if lang == "fr":
        topics = rng.sample(["Facturation électronique : le calendrier 2026-2027", "Aides régionales à l'embauche d'apprentis",
                             "Salon des artisans : inscriptions ouvertes", "Cybersécurité : 5 réflexes pour vos salariés",
                             "Nouvelles règles de TVA sur les acomptes", "Témoignage : une boulangerie passe au solaire",
                             "Prêts d'honneur : comment les obtenir"], 3)
        intro = "Chaque mois, l'essentiel de l'actualité des entreprises de la région."
        unsub = "Se désinscrire"
    else:
        topics = rng.sample(["Five cash-flow habits of growing firms", "E-invoicing deadlines explained",
                             "How to vet a new supplier", "Hiring your first apprentice",
                             "Phishing: what to tell your staff", "Retail footfall in November"], 3)
        intro = "This week's essentials for small business owners."
        unsub = "Unsubscribe"
    track = f"https://click.{dom}/l/{digits(8)}"
    text = (f"{name} n° {issue}\n\n{intro}\n\n" + "\n\n".join(f"* {t}\n  {track}{k}" for k, t in enumerate(topics))
            + f"\n\n{unsub}: https://{dom}/unsubscribe?u={digits(10)}")
    html = (f"<html><body><h1>{name}</h1><p>{intro}</p>"
            + "".join(f"<h2><a href=\"{track}{k}\">{t}</a></h2><p>{t} : lire la suite sur notre site.</p>" if lang == 'fr' else
                      f"<h2><a href=\"{track}{k}\">{t}</a></h2><p>Read more on our website.</p>" for k, t in enumerate(topics))
            + f"<p><a href=\"https://{dom}/\">{dom}</a> · <a href=\"https://{dom}/unsubscribe?u={digits(10)}\">{unsub}</a></p></body></html>")
    extra = [f"List-Id: <lettre.{dom}>", f"List-Unsubscribe: <https://{dom}/unsubscribe?u={digits(10)}>",
             "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Precedence: bulk"]
    return alternative(headers(name, addr, rng.choice(RECIPIENTS), f"{name} - {topics[0]}", extra), text, html)


# ---------------------------------------------------------------- HR and accounting
HR_FR = [
    ("Votre bulletin de paie de novembre", "Bonjour,\n\nVotre bulletin de paie de novembre est disponible dans votre coffre-fort numérique. Le virement de votre salaire sera effectué le 27 novembre."),
    ("Congés de fin d'année", "Bonjour à tous,\n\nMerci de saisir vos demandes de congés pour la période du 21 décembre au 4 janvier avant le 30 novembre, afin que nous puissions organiser les permanences."),
    ("Mutuelle : changement de contrat au 1er janvier", "Bonjour,\n\nÀ compter du 1er janvier, notre contrat de mutuelle change d'organisme. Vous recevrez votre nouvelle carte de tiers payant fin décembre ; aucune démarche n'est nécessaire de votre part."),
    ("Entretiens annuels", "Bonjour,\n\nLes entretiens annuels auront lieu du 7 au 18 décembre. Votre responsable vous proposera un créneau ; le support est disponible sur l'intranet."),
    ("Rappel : coordonnées bancaires pour la paie", "Bonjour,\n\nSi vous avez changé de banque cette année, pensez à transmettre votre nouveau RIB au service RH avant le 20 du mois, faute de quoi le virement de votre salaire partira sur l'ancien compte."),
    ("Note de frais d'octobre", "Bonjour,\n\nVos notes de frais d'octobre ont été validées ; le remboursement sera versé avec votre salaire de novembre."),
]
HR_EN = [
    ("Your November payslip", "Hi,\n\nYour November payslip is available in the HR portal. Salaries will be paid on 27 November."),
    ("Holiday requests for December", "Hello everyone,\n\nPlease submit your holiday requests for the Christmas period by 30 November so we can plan cover."),
    ("Benefits enrolment closes Friday", "Hi all,\n\nA reminder that benefits enrolment for next year closes this Friday. If you have changed your bank details this year, please update them in the HR portal yourself; HR will never ask for them by email."),
]
ACC_FR = [
    ("Pièces justificatives de novembre", "Bonjour,\n\nAfin de préparer votre déclaration de TVA, merci de déposer sur votre espace les factures d'achat et relevés bancaires de novembre avant le 10 décembre."),
    ("Bilan 2026 : calendrier", "Bonjour,\n\nVoici le calendrier de clôture de l'exercice 2026 : inventaire au 31 décembre, remise des pièces avant le 31 janvier, rendez-vous bilan en mars."),
    ("Déclaration de TVA déposée", "Bonjour,\n\nNous avons déposé votre déclaration de TVA d'octobre. Le prélèvement de 2 340,00 EUR interviendra sur votre compte professionnel le 24 novembre."),
    ("Rapprochement bancaire", "Bonjour,\n\nEn faisant le rapprochement bancaire d'octobre, nous avons trouvé trois virements reçus sans facture correspondante. Pouvez-vous nous indiquer à quoi ils correspondent ?"),
    ("Relevé de compte disponible", "Bonjour,\n\nVotre relevé de compte professionnel d'octobre est disponible dans votre espace banque en ligne, rubrique Documents."),
]


def hr_accounting(i):
    r = rng.random()
    if r < 0.4:
        subj, body = rng.choice(HR_FR)
        who = rng.choice(PEOPLE_FR)
        return text_message(headers(f"{who} - RH", f"rh@{INTERNAL[1]}", "equipe@maison-dupont.fr", subj),
                            body + f"\n\n{rng.choice(FR_CLOSE)}\n{who}\nRessources humaines")
    if r < 0.55:
        subj, body = rng.choice(HR_EN)
        who = rng.choice(PEOPLE_EN)
        return text_message(headers(f"{who} (HR)", f"hr@{INTERNAL[1]}", "team@maison-dupont.fr", subj),
                            body + f"\n\nThanks,\n{who}\nPeople team")
    subj, body = rng.choice(ACC_FR)
    return text_message(headers("Cabinet Roussel", "contact@cabinet-roussel.fr", "compta@maison-dupont.fr", subj),
                        body + f"\n\n{rng.choice(FR_CLOSE)}\n{rng.choice(PEOPLE_FR)}\nCabinet Roussel Expertise comptable")


KINDS = [(fr_invoice, 45), (en_invoice, 25), (reminder, 15), (remittance, 12), (order, 20),
         (shipping, 15), (account_mail, 20), (meeting, 15), (newsletter, 18), (hr_accounting, 25)]


def main():
    n = 0
    for kind, count in KINDS:
        for _ in range(count):
            n += 1
            with open(os.path.join(OUT, f"gen-{n:03d}.eml"), "w", encoding="utf-8") as f:
                f.write(kind(n))
    with open(os.path.join(OUT, "business.zone"), "w", encoding="utf-8") as f:
        f.write("; Written by generate.py: every sender of the business corpus sends from\n"
                "; 192.0.2.20 and publishes SPF and DMARC, as a business with its mail in order\n"
                "; does. Handwritten messages' senders are listed in handwritten.zone.\n")
        for d in sorted(SENDER_DOMAINS):
            f.write(f'{d}. 300 IN TXT "v=spf1 ip4:192.0.2.20 -all"\n')
            f.write(f'_dmarc.{d}. 300 IN TXT "v=DMARC1; p=quarantine"\n')
    print(f"{n} messages, {len(SENDER_DOMAINS)} sender domains")


main()
