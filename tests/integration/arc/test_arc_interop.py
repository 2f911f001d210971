#!/usr/bin/python3
"""ARC interoperability: facteur (facteur arc seal / verify) against dkimpy
(python3-dkim: dkim.arc_sign / dkim.arc_verify, what its arcsign and arcverify tools
call), both directions, chains of one to four sets where the two sealers alternate, and
tampered copies (one body byte) that must fail for both. rsa-sha256 only: dkimpy's ARC
code knows no other algorithm ("unknown signature algorithm: ed25519-sha256");
facteur's Ed25519 seals are covered by the unit tests and mail-auth/002.txt.

Keys never leave this run: dkimpy gets them through its dnsfunc hook, facteur through a
zone file (--dns-zone). No network is used.

Prints TAP. Usage: test_arc_interop.py BUILD/facteur [COUNT]"""
import base64
import json
import os
import random
import subprocess
import sys
import tempfile

import dkim

FACTEUR = sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 24
DOMAIN = "arc.example"
results = []


def tap(ok, name, detail=""):
    results.append((ok, name, detail))


def make_keys(tmp):
    """Returns {selector: (key path, key record)} and the zone text."""
    keys = {}
    rsa = os.path.join(tmp, "rsa.pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", rsa, "2048"], check=True,
                   capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", rsa, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    keys["rsa"] = (rsa, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())
    rsa2 = os.path.join(tmp, "rsa2.pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", rsa2, "1024"], check=True,
                   capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", rsa2, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    keys["rsa1024"] = (rsa2, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())
    zone = []
    for sel, (_, record) in keys.items():
        chunks = [record[i:i + 250] for i in range(0, len(record), 250)]
        zone.append(f"{sel}._domainkey.{DOMAIN}. 300 IN TXT "
                    + " ".join(f'"{c}"' for c in chunks))
    path = os.path.join(tmp, "keys.zone")
    with open(path, "w") as f:
        f.write("\n".join(zone) + "\n")
    return keys, path


def dnsfunc_for(keys):
    table = {f"{sel}._domainkey.{DOMAIN}": rec.encode() for sel, (_, rec) in keys.items()}

    def dnsfunc(name, timeout=5):
        return table.get(name.decode().rstrip("."))
    return dnsfunc


def gen_message(rng, i):
    words = "invoice meeting report deadline budget figures hello world".split()
    h = [f"From: Sender {i} <sender{i}@origin.example>",
         f"To: list{i}@lists.example",
         "Subject: " + " ".join(rng.choice(words) for _ in range(rng.randint(1, 6))),
         f"Date: Mon, {1 + i % 28} Jan 2024 10:{i % 60:02d}:00 +0000",
         f"Message-ID: <{i}.{rng.randint(0, 10**9)}@origin.example>"]
    if rng.random() < 0.5:
        h.append("MIME-Version: 1.0")
        h.append("Content-Type: text/plain;\r\n\tcharset=\"utf-8\"")
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
             for _ in range(rng.randint(1, 20))]
    if rng.random() < 0.3:
        lines.append("trailing spaces   \t")
    if rng.random() < 0.3:
        lines += ["", "", ""]
    return ("\r\n".join(h) + "\r\n\r\n" + "\r\n".join(lines) + "\r\n").encode()


def add_ar(msg, hop, cv):
    """The A-R a receiving hop writes before sealing (dkimpy's sealer reads cv from it)."""
    arc = "" if cv is None else f" arc={cv};"
    return (f"Authentication-Results: hop{hop}.{DOMAIN};{arc}\r\n"
            f"  spf=pass smtp.mailfrom=origin.example\r\n").encode() + msg


def facteur_seal(tmp, msg, hop, sel, keys, zone):
    path = os.path.join(tmp, "in.eml")
    with open(path, "wb") as f:
        f.write(msg)
    # facteur seals the results it computes for the session (--ip), never the A-R that
    # add_ar wrote for dkimpy's sake under the same authserv-id (it removes that one).
    p = subprocess.run([FACTEUR, "arc", "seal", "--dns-zone", zone, "--domain", DOMAIN,
                        "--selector", sel, "--key", keys[sel][0], "--ip", "192.0.2.1",
                        "--authserv-id", f"hop{hop}.{DOMAIN}", path],
                       capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode())
    return p.stdout


def facteur_verify(tmp, msg, zone):
    path = os.path.join(tmp, "v.eml")
    with open(path, "wb") as f:
        f.write(msg)
    p = subprocess.run([FACTEUR, "arc", "verify", "--json", "--dns-zone", zone, path],
                       capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode())
    return json.loads(p.stdout)


def dkimpy_seal(msg, hop, sel, keys):
    with open(keys[sel][0], "rb") as f:
        priv = f.read()
    fields = dkim.arc_sign(msg, sel.encode(), DOMAIN.encode(), priv,
                           f"hop{hop}.{DOMAIN}".encode(), timestamp=str(1700000000 + hop))
    if not fields:
        raise RuntimeError("dkimpy added no ARC set")
    return b"".join(fields) + msg


def dkimpy_verify(msg, keys):
    cv, _, comment = dkim.arc_verify(msg, dnsfunc=dnsfunc_for(keys))
    return cv.decode(), comment


def tamper(msg):
    head, body = msg.split(b"\r\n\r\n", 1)
    return head + b"\r\n\r\nX" + body


def main():
    rng = random.Random(8617)
    with tempfile.TemporaryDirectory() as tmp:
        keys, zone = make_keys(tmp)
        for i in range(COUNT):
            msg = gen_message(rng, i)
            hops = 1 + i % 4
            first = "facteur" if i % 2 == 0 else "dkimpy"
            name = f"message {i}: {hops} set(s), sealed first by {first}"
            try:
                chain = []
                for hop in range(1, hops + 1):
                    sealer = first if hop % 2 == 1 else ("dkimpy" if first == "facteur"
                                                         else "facteur")
                    sel = rng.choice(["rsa", "rsa1024"])
                    msg = add_ar(msg, hop, None if hop == 1 else "pass")
                    if sealer == "facteur":
                        msg = facteur_seal(tmp, msg, hop, sel, keys, zone)
                    else:
                        msg = dkimpy_seal(msg, hop, sel, keys)
                    chain.append(f"{sealer}/{sel}")
                    # After every hop, each side validates what the other (or itself)
                    # sealed.
                    ours = facteur_verify(tmp, msg, zone)
                    theirs, comment = dkimpy_verify(msg, keys)
                    ok = ours["cv"] == "pass" and ours["instances"] == hop and theirs == "pass"
                    tap(ok, f"{name}, after set {hop} ({' '.join(chain)})",
                        f"facteur: {ours['cv']} ({ours['reason']}); dkimpy: {theirs} ({comment})")
                bad = tamper(msg)
                ours = facteur_verify(tmp, bad, zone)
                theirs, comment = dkimpy_verify(bad, keys)
                tap(ours["cv"] == "fail" and theirs == "fail", f"{name}, body tampered",
                    f"facteur: {ours['cv']} ({ours['reason']}); dkimpy: {theirs} ({comment})")
            except Exception as e:  # a crash in either tool is a failed case
                tap(False, name, repr(e))
    print(f"1..{len(results)}")
    for n, (ok, name, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} - {name}")
        if not ok:
            for line in detail.splitlines():
                print(f"# {line}")
    return 0 if all(ok for ok, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
