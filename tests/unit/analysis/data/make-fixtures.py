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
