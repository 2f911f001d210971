#!/usr/bin/python3
"""Generates the `facteur check` benchmark corpus: N realistic messages of 5-100 KB from
a few sending domains, multipart/alternative text + HTML newsletters and invoices with
links, about half with an attachment (base64: a one-page PDF invoice as invoicing
software writes it, or PNG-like bytes), a third bulk with List-Unsubscribe, some carrying
an IBAN; each is signed by `facteur dkim sign` with
its domain's key. Writes OUT/msgs/NNNN.eml, OUT/zone (SPF, DMARC, DKIM keys) and
OUT/envelopes (file ip mail_from helo per line).
Usage: make-corpus.py FACTEUR OUT [N]"""
import base64
import json
import os
import random
import subprocess
import sys
import zlib

facteur, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
rng = random.Random(20261127)
os.makedirs(os.path.join(out, "msgs"), exist_ok=True)
keys = os.path.join(out, "keys")
os.makedirs(keys, exist_ok=True)

DOMAINS = [("boutique-lumiere.example", "203.0.113.10"), ("cabinet-roux.example", "203.0.113.20"),
           ("news.velo-club.example", "203.0.113.30"), ("factures.transport-leclerc.example", "203.0.113.40")]
WORDS = ("le la les de des du un une et en pour avec sur nouvelle offre commande livraison "
         "facture client service semaine prix remise collection atelier rendez-vous merci "
         "the order invoice delivery week price discount collection workshop thanks your "
         "account summer winter spring autumn catalogue réservation équipe année").split()
LINK_HOSTS = ["www.{d}", "shop.{d}", "cdn.{d}", "www.instagram.com", "www.facebook.com",
              "maps.google.com", "www.youtube.com", "click.mailer-service.example"]

zone = ["; facteur check benchmark zone (bench/check/make-corpus.py)"]
for d, ip in DOMAINS:
    zone.append(f'{d}. 300 IN TXT "v=spf1 ip4:{ip} include:_spf.mailer-service.example ~all"')
    zone.append(f'_dmarc.{d}. 300 IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@{d}"')
    os.makedirs(os.path.join(keys, d), exist_ok=True)
    r = subprocess.run([facteur, "dkim", "keygen", "--json", "--domain", d, "--selector", "sel1",
                        "--out", os.path.join(keys, d)], capture_output=True, text=True,
                       check=True)
    k = json.loads(r.stdout)
    zone.append(f"{k['name']}. 300 IN TXT {k['txt']}")
zone.append('_spf.mailer-service.example. 300 IN TXT "v=spf1 ip4:198.51.100.0/24 -all"')
open(os.path.join(out, "zone"), "w").write("\n".join(zone) + "\n")


def sentence(k):
    return " ".join(rng.choice(WORDS) for _ in range(k)).capitalize() + "."


def qp_free_text(target):
    lines, size = [], 0
    while size < target:
        line = sentence(rng.randint(6, 11))
        lines.append(line)
        size += len(line.encode()) + 2
    return lines


def html_body(domain, paragraphs):
    parts = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{font-family:Arial}"
             " .btn{background:#c33;color:#fff;padding:8px}</style></head><body><table width=\"600\">"]
    for p in paragraphs:
        host = rng.choice(LINK_HOSTS).format(d=domain)
        parts.append(f"<tr><td><p>{p}</p><p><a class=\"btn\" href=\"https://{host}/p/"
                     f"{rng.randint(1, 99999)}?utm_source=lettre\">{rng.choice(WORDS)} "
                     f"{rng.choice(WORDS)}</a></p>"
                     f"<img src=\"https://cdn.{domain}/img/{rng.randint(1, 999)}.jpg\" "
                     f"alt=\"{rng.choice(WORDS)}\" width=\"600\"></td></tr>")
    parts.append(f"</table><p><a href=\"https://www.{domain}/unsubscribe\">Se désinscrire</a>"
                 "</p></body></html>")
    return "\n".join(parts)


SUPPLIERS = {"boutique-lumiere.example": ("Boutique Lumière SARL", "12 rue des Lilas, 69003 Lyon"),
             "cabinet-roux.example": ("Cabinet Roux & Associés", "4 place Bellecour, 69002 Lyon"),
             "news.velo-club.example": ("Vélo Club Services", "88 avenue Jean Jaurès, 75019 Paris"),
             "factures.transport-leclerc.example": ("Transports Leclerc SAS",
                                                     "ZI des Bruyères, 38070 Saint-Quentin")}
ITEMS = {"fr": ["Lampe de bureau laiton", "Abonnement annuel", "Prestation de conseil (jour)",
                "Transport palette Lyon-Paris", "Frais de port", "Révision complète vélo",
                "Câble USB-C 2 m", "Maintenance trimestrielle", "Honoraires dossier n° 2026-118",
                "Location utilitaire 20 m³", "Ampoules LED E27 (lot de 6)", "Forfait installation"],
         "en": ["Brass desk lamp", "Annual subscription", "Consulting services (day)",
                "Pallet transport Lyon-Paris", "Shipping", "Full bicycle service",
                "USB-C cable 2 m", "Quarterly maintenance", "Professional fees, file 2026-118",
                "Van rental 20 m3", "LED bulbs E27 (pack of 6)", "Installation package"]}


def iban_fr(bank, branch, account, key):
    """A French IBAN with correct ISO 13616 check digits (mod 97), grouped by four."""
    bban = f"{bank}{branch}{account}{key}"
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    s = f"FR{98 - int(digits) % 97:02d}{bban}"
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def pdf_text(s):
    """A PDF literal string in WinAnsiEncoding (the standard fonts' French accents)."""
    b = s.encode("cp1252")
    return b"(" + b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def money(x, lang):
    s = f"{x:,.2f}"
    return (s.replace(",", " ").replace(".", ",") + " €") if lang == "fr" else "€" + s


def invoice_pdf(i, domain, with_iban, size, noise):
    """A one-page invoice as invoicing software writes it: Helvetica (a standard font, not
    embedded), a header, a table of lines, totals, the payment terms and, in a tenth, the
    supplier's IBAN; Flate-compressed content and a correct xref table. A logo (an RGB
    image, Flate) brings the file to SIZE bytes when SIZE allows, so that the corpus's
    message sizes stay those of the old corpus; its pixels are the NOISE bytes."""
    r = random.Random(i)
    lang = r.choice(["fr", "en"])
    name, address = SUPPLIERS[domain]
    fr = lang == "fr"
    lines = []  # (x, y, font, size, text)
    y = 790
    lines += [(50, y, "F2", 16, name), (50, y - 16, "F1", 9, address),
              (50, y - 28, "F1", 9, f"contact@{domain}  SIRET 812 345 67{i % 10}00 01{i % 10}"),
              (380, y, "F2", 18, "FACTURE" if fr else "INVOICE"),
              (380, y - 22, "F1", 10, (f"N° F-2026-{1000 + i}" if fr else f"No. INV-2026-{1000 + i}")),
              (380, y - 36, "F1", 10, ("Date : " if fr else "Date: ") + f"{1 + i % 28:02d}/11/2026"),
              (50, y - 70, "F2", 10, "Facturé à" if fr else "Bill to"),
              (50, y - 84, "F1", 10, f"Client {i}"),
              (50, y - 96, "F1", 10, f"{r.randint(1, 120)} rue de la République, 69001 Lyon")]
    y -= 140
    head = (["Désignation", "Qté", "PU HT", "Total HT"] if fr
            else ["Description", "Qty", "Unit price", "Amount"])
    for x, h in zip((50, 330, 390, 480), head):
        lines.append((x, y, "F2", 10, h))
    total = 0.0
    for _ in range(r.randint(2, 12)):
        y -= 16
        qty, unit = r.randint(1, 20), r.randint(150, 90000) / 100
        total += qty * unit
        lines += [(50, y, "F1", 10, r.choice(ITEMS[lang])), (330, y, "F1", 10, str(qty)),
                  (390, y, "F1", 10, money(unit, lang)), (480, y, "F1", 10, money(qty * unit, lang))]
    vat = round(total * 0.2, 2)
    y -= 30
    for label, value, font in ((("Total HT" if fr else "Subtotal"), total, "F1"),
                               (("TVA 20 %" if fr else "VAT 20%"), vat, "F1"),
                               (("Total TTC" if fr else "Total due"), total + vat, "F2")):
        lines += [(390, y, font, 10, label), (480, y, font, 10, money(value, lang))]
        y -= 14
    y -= 20
    lines.append((50, y, "F1", 9, "Paiement à 30 jours par virement. Pénalités de retard : 3 fois le "
                  "taux d'intérêt légal." if fr else "Payment due within 30 days by bank transfer."))
    if with_iban:
        lines += [(50, y - 14, "F2", 9, "Coordonnées bancaires" if fr else "Bank details"),
                  (50, y - 26, "F1", 9, "IBAN : " + iban_fr("30004", "00003", f"{i:011d}", "43")
                   + "   BIC : BNPAFRPPXXX")]
    else:
        lines.append((50, y - 14, "F1", 9, "Merci de rappeler le numéro de facture dans votre "
                      "règlement." if fr else "Please quote the invoice number with your payment."))
    content = [b"0.2 0.2 0.2 RG 0.5 w 50 %d m 545 %d l S" % (660, 660)]
    for x, yy, font, pt, text in lines:
        content.append(b"BT /%s %d Tf %d %d Td %s Tj ET" % (font.encode(), pt, x, yy, pdf_text(text)))
    stream = zlib.compress(b"\n".join(content))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            None,  # the page, once the logo is known
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Producer (Facturation 4.2) /Title " + pdf_text(f"Facture F-2026-{1000 + i}")
            + b" /CreationDate (D:20261120100000+01'00') >>"]
    room = size - 1400 - sum(len(o) for o in objs if o)
    xobject = b""
    if room > 2000:
        width = 120
        height = room // (width * 3)
        pixels = zlib.compress(noise[:width * height * 3].ljust(width * height * 3, b"\0"), 1)
        objs.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                    b"/BitsPerComponent 8 /Length %d /Filter /FlateDecode >>\nstream\n"
                    % (width, height, len(pixels)) + pixels + b"\nendstream")
        xobject = b" /XObject << /Im1 8 0 R >>"
    objs[2] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R"
               b" /Resources << /Font << /F1 4 0 R /F2 5 0 R >>" + xobject + b" >> >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, xref))
    return bytes(out)


def b64lines(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


envelopes = []
for i in range(n):
    domain, ip = DOMAINS[i % len(DOMAINS)]
    target = rng.randint(5, 100) * 1024
    bulk = i % 3 == 0
    attach = i % 2 == 1
    att_size = int(target * rng.uniform(0.4, 0.7)) * 3 // 4 if attach else 0
    text_target = max(1500, (target - att_size * 4 // 3) // 2)
    text = qp_free_text(text_target // 2)
    paragraphs = [" ".join(text[j:j + 4]) for j in range(0, len(text), 4)]
    if i % 10 == 7:
        text.append("IBAN : FR76 3000 6000 0112 3456 7890 189")
    hdr = [f"From: Service <contact@{domain}>",
           f"To: Client {i} <client{i}@example.org>",
           f"Subject: {sentence(5)}",
           f"Date: Fri, 20 Nov 2026 {i % 24:02d}:{i % 60:02d}:00 +0100",
           f"Message-ID: <{i}.{rng.randint(1, 10**9)}@{domain}>",
           "MIME-Version: 1.0"]
    if bulk:
        hdr += [f"List-Id: <lettre.{domain}>",
                f"List-Unsubscribe: <https://www.{domain}/u/{i}>, <mailto:u@{domain}>",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    alt = ("--alt\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n" + "\r\n".join(text) + "\r\n"
           "--alt\r\nContent-Type: text/html; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n" + html_body(domain, paragraphs).replace("\n", "\r\n")
           + "\r\n--alt--\r\n")
    if attach:
        kind = rng.choice(["pdf", "png"])
        noise = rng.randbytes(att_size)
        if kind == "pdf":
            raw = invoice_pdf(i, domain, i % 20 == 3, att_size, noise)
        else:
            raw = b"\x89PNG\r\n\x1a\n" + noise
        ctype = "application/pdf" if kind == "pdf" else "image/png"
        hdr.append("Content-Type: multipart/mixed; boundary=\"mix\"")
        body = ("--mix\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" + alt +
                f"--mix\r\nContent-Type: {ctype}; name=\"document-{i}.{kind}\"\r\n"
                f"Content-Disposition: attachment; filename=\"document-{i}.{kind}\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n" + b64lines(raw) + "\r\n--mix--\r\n")
    else:
        hdr.append("Content-Type: multipart/alternative; boundary=\"alt\"")
        body = alt
    unsigned = os.path.join(out, "unsigned.eml")
    with open(unsigned, "wb") as f:
        f.write(("\r\n".join(hdr) + "\r\n\r\n" + body).encode())
    path = os.path.join(out, "msgs", f"{i:04d}.eml")
    headers = "from:to:subject:date:message-id:mime-version:content-type"
    if bulk:
        headers += ":list-id:list-unsubscribe:list-unsubscribe-post"
    with open(path, "wb") as f:
        subprocess.run([facteur, "dkim", "sign", "--domain", domain, "--selector", "sel1",
                        "--key", os.path.join(keys, domain, "sel1.private"),
                        "--timestamp", "1795681800", "--headers", headers + ":from", unsigned],
                       stdout=f, check=True)
    envelopes.append(f"{path} {ip} bounce@{domain} mail.{domain}")
os.remove(os.path.join(out, "unsigned.eml"))
open(os.path.join(out, "envelopes"), "w").write("\n".join(envelopes) + "\n")
