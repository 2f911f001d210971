#!/usr/bin/python3
"""DKIM interoperability: facteur against dkimpy (python3-dkim) and OpenDKIM
(opendkim-testmsg), both directions, on generated messages of varied shape, both
algorithms (rsa-sha256, ed25519-sha256) and all four canonicalizations. Tampered copies
(one body byte, one signed header byte) must fail everywhere.

Keys never leave this run: dkimpy gets them through its dnsfunc hook; facteur through a
zone file (--dns-zone); OpenDKIM, which resolves with libunbound through
/etc/resolv.conf, runs inside a private mount and network namespace (unshare -m -n, as
root) where resolv.conf is bind-mounted to point at an nsd serving the zone on
127.0.0.1:53. Nothing outside the namespace is reachable from it.

Prints TAP. Usage: test_dkim_interop.py BUILD/facteur [COUNT]"""
import base64
import os
import random
import shutil
import subprocess
import sys
import tempfile

import dkim
import nacl.signing

FACTEUR = sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 220
DOMAIN = "interop.example"
CANONS = [("relaxed", "relaxed"), ("relaxed", "simple"), ("simple", "relaxed"),
          ("simple", "simple")]
results = []


def tap(ok, name, detail=""):
    results.append((ok, name, detail))


# ---- messages of varied shape ----

ASCII_WORDS = "invoice meeting report deadline budget figures quarterly hello world".split()
WORDS_8BIT = ASCII_WORDS + "caf\u00e9 r\u00e9sum\u00e9 na\u00efve \u00e9t\u00e9".split()


def gen_message(rng, i):
    """Returns (bytes with CRLF line ends, shape names, use_lf)."""
    global WORDS
    WORDS = WORDS_8BIT if rng.random() < 0.3 else ASCII_WORDS
    shapes = []
    h = []
    for k in range(rng.choice([0, 0, 1, 3])):
        h.append(f"Received: from relay{k}.example.net (relay{k}.example.net [192.0.2.{k + 1}])"
                 f"\r\n\tby mx.{DOMAIN} with ESMTPS id {i:05d}{k}")
        shapes.append("repeated-received") if k == 2 else None
    h.append(f"From: Sender {i} <sender{i}@{DOMAIN}>")
    h.append(f"To: rcpt{i}@example.net")
    if rng.random() < 0.2:
        # A repeated field (not To: RFC 5322 §3.6 allows one, and OpenDKIM rejects a
        # second as a syntax error; not Comments: dkimpy refuses to sign it).
        h.append(f"X-Label: first {i}")
        h.append(f"X-Label: second {i}")
        shapes.append("repeated-field")
    subject = "Subject: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))
    if rng.random() < 0.25:
        # A long subject folded over many lines.
        parts = [" ".join(rng.choice(WORDS) for _ in range(6)) for _ in range(rng.randint(5, 30))]
        subject = "Subject: " + "\r\n ".join(parts)
        shapes.append("folded-long-header")
    if rng.random() < 0.2:
        subject += " \t "
        shapes.append("header-trailing-ws")
    h.append(subject)
    h.append(f"Date: Mon, {1 + i % 28} Jan 2024 10:{i % 60:02d}:00 +0000")
    h.append(f"Message-ID: <{i}.{rng.randint(0, 10**9)}@{DOMAIN}>")
    if rng.random() < 0.15:
        h.append("X-Long: " + "x" * rng.randint(999, 2000))
        shapes.append("very-long-line")
    if rng.random() < 0.3:
        h.append("MIME-Version: 1.0")
        h.append("Content-Type: text/plain;\r\n\tcharset=\"utf-8\"")
        h.append("Content-Transfer-Encoding: 8bit")
    if rng.random() < 0.15:
        h.append("X-Tab:\t\tvalue  with   spaces\t")
    if rng.random() < 0.1:
        h.append("Reply-To: other@example.org")
    header = "\r\n".join(x for x in h if x is not None)

    kind = rng.random()
    if kind < 0.08:
        body = b""
        shapes.append("empty-body")
    else:
        lines = []
        for _ in range(rng.randint(1, 40)):
            line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 14)))
            if rng.random() < 0.2:
                line += rng.choice([" ", "\t", "  \t "])
            if rng.random() < 0.05:
                line = "   " + line
            lines.append(line)
        text = "\r\n".join(lines)
        body = text.encode("utf-8")
        if rng.random() < 0.1:
            body += b"\r\nLatin-1: \xe9t\xe9 \xe0 la plage"
            shapes.append("8bit-latin1")
        if rng.random() < 0.15:
            shapes.append("no-final-crlf")
        else:
            body += b"\r\n"
            if rng.random() < 0.2:
                body += b"\r\n\r\n  \r\n"
                shapes.append("trailing-empty-lines")
        if any(b > 0x7f for b in body):
            shapes.append("8bit")
    use_lf = rng.random() < 0.2
    if use_lf:
        shapes.append("lf-only")
    msg = header.encode("utf-8") + b"\r\n\r\n" + body
    return msg, sorted(set(s for s in shapes if s)), use_lf


def to_lf(data):
    return data.replace(b"\r\n", b"\n")


def to_crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def tamper_body(data):
    sep = data.find(b"\r\n\r\n")
    lf = False
    if sep < 0:
        sep = data.find(b"\n\n")
        lf = True
    start = sep + (2 if lf else 4)
    body = bytearray(data[start:])
    for k, c in enumerate(body):
        if chr(c).isalpha():
            body[k] = ord("Z") if c != ord("Z") else ord("Y")
            return data[:start] + bytes(body)
    return data + (b"X\n" if lf else b"X\r\n")


def tamper_header(data):
    pos = data.find(b"\nSubject: ")
    assert pos >= 0
    k = pos + len(b"\nSubject: ")
    c = data[k]
    return data[:k] + bytes([ord("Q") if c != ord("Q") else ord("R")]) + data[k + 1:]


# ---- peers ----

def facteur(*args, stdin=None):
    return subprocess.run([FACTEUR, *args], capture_output=True, input=stdin, timeout=60)


def facteur_verify(path, zone):
    p = facteur("dkim", "verify", "--json", "--dns-zone", zone, path)
    if p.returncode != 0:
        return "error rc=%d %s" % (p.returncode, p.stderr.decode(errors="replace"))
    import json
    doc = json.loads(p.stdout)
    return ",".join(s["result"] for s in doc["signatures"]) or "none"


def dkimpy_verify(data, records):
    def dnsfunc(name, timeout=5):
        return records.get(name.decode().rstrip("."), b"")
    try:
        return dkim.verify(to_crlf(data), dnsfunc=dnsfunc)
    except Exception:
        return False


def main():
    if not os.access(FACTEUR, os.X_OK):
        print("1..0 # SKIP facteur binary missing")
        return 0
    work = tempfile.mkdtemp(prefix="fct-dkim-interop-")
    try:
        return run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work):
    rng = random.Random(20261127)
    # Keys: RSA from facteur keygen (PKCS#8 PEM, which dkimpy reads too); Ed25519 as a
    # raw base64 seed, the form dkimpy signs with and facteur also loads.
    p = facteur("dkim", "keygen", "--json", "--domain", DOMAIN, "--selector", "rsa",
                "--out", work)
    assert p.returncode == 0, p.stderr
    rsa_pem_path = os.path.join(work, "rsa.private")
    with open(rsa_pem_path, "rb") as f:
        rsa_pem = f.read()
    import json
    rsa_record = json.loads(p.stdout)["record"]
    seed = bytes(rng.getrandbits(8) for _ in range(32))
    ed_seed_path = os.path.join(work, "ed.key")
    with open(ed_seed_path, "wb") as f:
        f.write(base64.b64encode(seed))
    ed_pub = bytes(nacl.signing.SigningKey(seed).verify_key)
    ed_record = "v=DKIM1; k=ed25519; p=" + base64.b64encode(ed_pub).decode()
    records = {f"rsa._domainkey.{DOMAIN}": rsa_record.encode(),
               f"ed._domainkey.{DOMAIN}": ed_record.encode()}

    def txt(rec):
        return " ".join('"%s"' % rec[k:k + 255] for k in range(0, len(rec), 255))

    zone_path = os.path.join(work, "keys.zone")
    with open(zone_path, "w") as f:
        f.write(f"$ORIGIN {DOMAIN}.\n$TTL 300\n")
        f.write(f"@ IN SOA ns1.{DOMAIN}. hostmaster.{DOMAIN}. 1 3600 900 604800 60\n")
        f.write(f"@ IN NS ns1.{DOMAIN}.\nns1 IN A 127.0.0.1\n")
        f.write(f"rsa._domainkey IN TXT {txt(rsa_record)}\n")
        f.write(f"ed._domainkey IN TXT {txt(ed_record)}\n")

    opendkim_jobs = []  # (path, expect_pass, test index)
    cases = []
    shape_count = {}
    for i in range(COUNT):
        msg, shapes, use_lf = gen_message(rng, i)
        for s in shapes:
            shape_count[s] = shape_count.get(s, 0) + 1
        alg = "rsa-sha256" if i % 2 == 0 else "ed25519-sha256"
        sel = "rsa" if alg == "rsa-sha256" else "ed"
        keyfile = rsa_pem_path if sel == "rsa" else ed_seed_path
        hc, bc = CANONS[(i // 2) % 4]
        name = f"msg{i:03d} {alg} {hc}/{bc} [{' '.join(shapes) or 'plain'}]"
        input_bytes = to_lf(msg) if use_lf else msg
        inpath = os.path.join(work, f"m{i:03d}.eml")
        with open(inpath, "wb") as f:
            f.write(input_bytes)

        # Direction A: facteur signs; facteur, dkimpy and OpenDKIM verify.
        problems = []
        p = facteur("dkim", "sign", "--domain", DOMAIN, "--selector", sel, "--key", keyfile,
                    "--canon", f"{hc}/{bc}", inpath)
        if p.returncode != 0:
            tap(False, "facteur->peers " + name, p.stderr.decode(errors="replace"))
            continue
        signed = p.stdout
        if use_lf and b"\r" in signed.split(b"\n\n")[0]:
            problems.append("LF input signed with CR in the header")
        variants = {"signed": signed, "body-tampered": tamper_body(signed),
                    "header-tampered": tamper_header(signed)}
        for label, data in variants.items():
            path = os.path.join(work, f"a{i:03d}-{label}.eml")
            with open(path, "wb") as f:
                f.write(data)
            want = label == "signed"
            got_f = facteur_verify(path, zone_path)
            if (got_f == "pass") != want:
                problems.append(f"facteur on {label}: {got_f}")
            got_d = dkimpy_verify(data, records)
            if bool(got_d) != want:
                problems.append(f"dkimpy on {label}: {got_d}")
            # OpenDKIM reads the wire form.
            wire = os.path.join(work, f"a{i:03d}-{label}.wire")
            with open(wire, "wb") as f:
                f.write(to_crlf(data))
            opendkim_jobs.append((wire, want, f"facteur->opendkim {name} {label}", bc))
        tap_dkimpy("facteur->dkimpy " + name, problems, bc, msg)

        # Direction B: dkimpy signs the wire form; facteur verifies (in the input's line
        # ending style, so LF-only shapes exercise the LF path).
        problems = []
        key = rsa_pem if sel == "rsa" else base64.b64encode(seed)
        wire_msg = to_crlf(msg)
        try:
            sig = dkim.sign(wire_msg, sel.encode(), DOMAIN.encode(), key,
                            canonicalize=(hc.encode(), bc.encode()),
                            signature_algorithm=alg.encode(),
                            include_headers=[b"from", b"to", b"subject", b"date",
                                             b"message-id", b"x-label", b"x-label",
                                             b"from"])
        except Exception as e:
            tap(False, "dkimpy->facteur " + name, f"dkimpy could not sign: {e}")
            continue
        signed = sig + wire_msg
        if use_lf:
            signed = to_lf(signed)
        variants = {"signed": signed, "body-tampered": tamper_body(signed),
                    "header-tampered": tamper_header(signed)}
        for label, data in variants.items():
            path = os.path.join(work, f"b{i:03d}-{label}.eml")
            with open(path, "wb") as f:
                f.write(data)
            want = label == "signed"
            got_f = facteur_verify(path, zone_path)
            if (got_f == "pass") != want:
                problems.append(f"facteur on {label}: {got_f}")
            if bool(dkimpy_verify(data, records)) != want:
                problems.append(f"dkimpy (self-check) on {label}")
            wire = os.path.join(work, f"b{i:03d}-{label}.wire")
            with open(wire, "wb") as f:
                f.write(to_crlf(data))
            opendkim_jobs.append((wire, want, f"dkimpy->opendkim {name} {label}", bc))
        tap_dkimpy("dkimpy->facteur " + name, problems, bc, msg)
        cases.append(name)

    run_opendkim(work, zone_path, opendkim_jobs)

    for s in sorted(shape_count):
        print(f"# shape {s}: {shape_count[s]} messages")
    print(f"1..{len(results)}")
    for n, (ok, name, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} - {name}")
        if detail:
            print("# " + detail.replace("\n", "\n# "))
    return 0


def unterminated_wsp_tail(msg):
    """True if the body does not end with CRLF and its last line ends with WSP."""
    body = msg[msg.find(b"\r\n\r\n") + 4:]
    return len(body) > 0 and not body.endswith(b"\r\n") and body[-1:] in (b" ", b"\t")


def tap_dkimpy(name, problems, body_canon, msg):
    if problems and body_canon == "relaxed" and unterminated_wsp_tail(msg):
        # RFC 6376 §3.4.4 deletes WSP at the end of lines, then adds the missing CRLF:
        # "x\t" -> "x\r\n" (facteur). dkimpy only strips WSP before a CRLF, so it
        # hashes "x \r\n". Only a body that does not end with CRLF (never on the wire
        # in SMTP) can show it.
        tap(False, name + " # TODO dkimpy keeps WSP at the end of an unterminated last "
            "line in relaxed body canonicalization", "; ".join(problems))
    else:
        tap(not problems, name, "; ".join(problems))


def run_opendkim(work, zone_path, jobs):
    """Runs opendkim-testmsg on every file inside a private namespace with nsd."""
    tools = [shutil.which(t) for t in ("opendkim-testmsg", "nsd", "unshare")]
    if None in tools or os.geteuid() != 0:
        tap(True, "opendkim # SKIP needs root, unshare, nsd and opendkim-testmsg")
        return
    ns = os.path.join(work, "ns")
    os.mkdir(ns)
    shutil.copy(zone_path, os.path.join(ns, "zone"))
    with open(os.path.join(ns, "nsd.conf"), "w") as f:
        f.write(f"""server:
    ip-address: 127.0.0.1@53
    port: 53
    username: ""
    chroot: ""
    zonesdir: "{ns}"
    database: ""
    zonelistfile: "{ns}/zone.list"
    xfrdfile: "{ns}/xfrd.state"
    pidfile: "{ns}/nsd.pid"
    logfile: "{ns}/nsd.log"
    server-count: 1
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "{DOMAIN}"
    zonefile: "zone"
""")
    with open(os.path.join(ns, "resolv.conf"), "w") as f:
        f.write("nameserver 127.0.0.1\n")
    with open(os.path.join(ns, "files"), "w") as f:
        for path, _, _, _ in jobs:
            f.write(path + "\n")
    script = f"""set -u
ip link set lo up
mount --bind {ns}/resolv.conf /etc/resolv.conf
nsd -c {ns}/nsd.conf || exit 3
for k in 1 2 3 4 5 6 7 8 9 10; do
  dig +short +time=1 @127.0.0.1 TXT rsa._domainkey.{DOMAIN} | grep -q DKIM1 && break
  sleep 0.3
done
while read -r f; do
  opendkim-testmsg < "$f" > /dev/null 2> "$f.err"
  echo "$? $f"
done < {ns}/files > {ns}/rcs
kill $(cat {ns}/nsd.pid)
"""
    with open(os.path.join(ns, "run.sh"), "w") as f:
        f.write(script)
    p = subprocess.run(["unshare", "-m", "-n", "sh", os.path.join(ns, "run.sh")],
                       capture_output=True, timeout=600)
    rcs = {}
    try:
        with open(os.path.join(ns, "rcs")) as f:
            for line in f:
                rc, path = line.rstrip("\n").split(" ", 1)
                rcs[path] = int(rc)
    except FileNotFoundError:
        tap(False, "opendkim run", p.stderr.decode(errors="replace"))
        return
    by_message = {}
    known = {}
    for path, want, name, body_canon in jobs:
        key = name.rsplit(" ", 1)[0]
        rc = rcs.get(path)
        ok = rc is not None and (rc == 0) == want
        if not ok and want and opendkim_tail_bug(path):
            known[key] = True
        if not ok:
            err = ""
            if os.path.exists(path + ".err"):
                with open(path + ".err") as f:
                    err = f.read().strip()
            by_message.setdefault(key, []).append(f"{name.rsplit(' ', 1)[1]}: rc={rc} {err}")
        else:
            by_message.setdefault(key, [])
    for key, problems in by_message.items():
        if problems and known.get(key) and len(problems) == 1:
            # dkimpy and facteur agree on these bytes; opendkim-testmsg 2.11 mishandles
            # a body that does not end with CRLF (never the case on the SMTP wire).
            # Minimal cases: relaxed body "a\r\n\r\nb"; simple body after a 25-line
            # folded Subject left out of h=. See docs/PERFORMANCE.md, "## DKIM".
            tap(False, key + " # TODO opendkim-testmsg 2.11 and bodies without a final "
                "CRLF", "; ".join(problems))
        else:
            tap(not problems, key, "; ".join(problems))


def opendkim_tail_bug(path):
    """True if the body does not end with CRLF (see the TODO above)."""
    with open(path, "rb") as f:
        data = f.read()
    body = data[data.find(b"\r\n\r\n") + 4:]
    return len(body) > 0 and not body.endswith(b"\r\n")


if __name__ == "__main__":
    sys.exit(main())
