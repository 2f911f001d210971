#!/usr/bin/python3
"""Generates the `facteur check` benchmark corpus: N realistic messages of 5-100 KB from
a few sending domains, multipart/alternative text + HTML newsletters and invoices with
links, about half with an attachment (PDF-like or PNG-like bytes, base64), a third bulk
with List-Unsubscribe, some carrying an IBAN; each is signed by `facteur dkim sign` with
its domain's key. Writes OUT/msgs/NNNN.eml, OUT/zone (SPF, DMARC, DKIM keys) and
OUT/envelopes (file ip mail_from helo per line).
Usage: make-corpus.py FACTEUR OUT [N]"""
import base64
import json
import os
import random
import subprocess
import sys

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
        raw = (b"%PDF-1.7\n" if kind == "pdf" else b"\x89PNG\r\n\x1a\n") + rng.randbytes(att_size)
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
