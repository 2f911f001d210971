#!/usr/bin/python3
"""facteur check on every example of examples/ (README.md there gives the commands), in
text and --json, in English and French, with the zone file examples/check.zone; the
finding ids each example must raise and must not; usage and input errors. Prints TAP.
Usage: test_check_cli.py BUILD/facteur"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
EX = os.path.join(ROOT, "examples")
ZONE = os.path.join(EX, "check.zone")
results = []

# message, options, ids that must be raised, ids that must not
EXAMPLES = [
    ("newsletter.eml",
     ["--ip", "203.0.113.10", "--helo", "mail.maison-dupont.example",
      "--mail-from", "bounce@maison-dupont.example"],
     [],
     ["spf-fail", "dkim-none", "dkim-fail", "dmarc-fail", "unsubscribe-missing",
      "unsubscribe-one-click-missing", "ip-blocklisted", "link-domain-blocklisted",
      "header-missing-date", "header-missing-message-id"]),
    ("phishing.eml",
     ["--ip", "198.51.100.66", "--helo", "mail.paypa1-securite.example",
      "--mail-from", "service@paypa1-securite.example"],
     ["ip-blocklisted", "link-domain-blocklisted", "spf-none", "dkim-none", "dmarc-none"],
     ["spf-fail", "header-missing-date"]),
    ("rib-fraud.eml",
     ["--ip", "192.0.2.200", "--helo", "mail.fourniseur-durand.example",
      "--mail-from", "comptabilite@fourniseur-durand.example",
      "--protect", "fournisseur-durand.example", "--db", "DB"],
     ["spf-softfail", "dkim-none", "dmarc-none", "iban-first-for-sender",
      "bank-details-change"],
     ["ip-blocklisted", "spf-fail"]),
    ("spoofed.eml",
     ["--ip", "198.51.100.23", "--helo", "mail.outlook.example",
      "--mail-from", "pierre.dupont@maison-dupont.example",
      "--protect", "maison-dupont.example"],
     ["spf-fail", "dmarc-fail", "dkim-none"],
     ["dmarc-none", "ip-blocklisted"]),
]


def run(*args, lang="en"):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE=lang)
    env.pop("LANG", None)
    return subprocess.run([FACTEUR, *args], capture_output=True, text=True, env=env,
                          timeout=120)


def case(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except AssertionError as e:
        results.append((False, name, str(e)))
    except Exception as e:
        results.append((False, name, f"{type(e).__name__}: {e}"))


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def example_args(message, options, db):
    return ["check", os.path.join(EX, message), *[db if o == "DB" else o for o in options],
            "--dns-zone", ZONE]


def json_case(message, options, raised, absent, lang):
    def fn():
        with tempfile.TemporaryDirectory() as tmp:
            p = run(*example_args(message, options, os.path.join(tmp, "f.db")), "--json",
                    "--lang", lang, lang=lang)
        expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
        d = json.loads(p.stdout)
        for key in ("score", "auth", "findings", "authentication_results"):
            expect(key in d, f"no {key} in {sorted(d)}")
        expect(sorted(d["auth"]) == ["arc", "dkim", "dmarc", "spf"], d["auth"])
        expect(0.0 <= d["score"] <= 10.0, d["score"])
        lost = sum(f["points"] for f in d["findings"])
        expect(abs(d["score"] - max(0.0, round(10.0 - lost, 1))) < 0.051,
               f"score {d['score']} but {lost} points lost")
        ids = [f["id"] for f in d["findings"]]
        for f in d["findings"]:
            expect(set(f) >= {"id", "severity", "points", "title", "detail"}, f)
            expect(f["severity"] in ("info", "warning", "critical"), f)
        for i in raised:
            expect(i in ids, f"{i} not raised: {ids}")
        for i in absent:
            expect(i not in ids, f"{i} raised: {ids}")
        expect("\n" not in d["authentication_results"], d["authentication_results"])
        expect(d["authentication_results"].startswith("facteur;"), d["authentication_results"])
        if message == "newsletter.eml":
            expect(d["auth"] == {"spf": "pass", "dkim": "pass", "dmarc": "pass", "arc": "none"},
                   d["auth"])
    return fn


def text_case(message, options, lang):
    def fn():
        with tempfile.TemporaryDirectory() as tmp:
            p = run(*example_args(message, options, os.path.join(tmp, "f.db")), "--lang",
                    lang, lang=lang)
            pj = run(*example_args(message, options, os.path.join(tmp, "g.db")), "--json",
                     lang=lang)
        expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
        d = json.loads(pj.stdout)
        score = d["score"]
        lines = p.stdout.splitlines()
        # The receiver's verdict first, with the ids that decided it, then the score.
        verdict = lines[1]
        expect(d["threat"]["verdict"] in verdict.lower() or lang == "fr",
               f"verdict {d['threat']['verdict']} not first: {verdict!r}")
        head = lines[1:lines.index("")]
        for i in d["threat"]["findings"]:
            expect(any(f"({i})" in h for h in head), f"{i} not under the verdict: {head}")
        shown = (f"{score:.1f}", f"{score:.1f}".replace(".", ","))
        expect(any(s + "/10" in h for h in head for s in shown),
               f"score {score} not on top: {head!r}")
        expect("Authentication-Results: facteur;" in p.stdout, p.stdout)
        expect("SPF " in p.stdout and "DMARC " in p.stdout, p.stdout)
    return fn


def t_same_ids_both_languages():
    for message, options, _, _ in EXAMPLES:
        ids = []
        for lang in ("en", "fr"):
            with tempfile.TemporaryDirectory() as tmp:
                p = run(*example_args(message, options, os.path.join(tmp, "f.db")),
                        "--json", "--lang", lang, lang=lang)
            ids.append([f["id"] for f in json.loads(p.stdout)["findings"]])
        expect(ids[0] == ids[1], f"{message}: {ids}")


def t_iban_known_second_time_only_if_authenticated():
    # The fraud fails DMARC: its IBAN is never recorded, so it stays the first.
    message, options, _, _ = EXAMPLES[2]
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "f.db")
        for _ in range(2):
            p = run(*example_args(message, options, db), "--json")
            ids = [f["id"] for f in json.loads(p.stdout)["findings"]]
            expect("iban-first-for-sender" in ids and "iban-new-for-sender" not in ids, ids)


def t_db_private_files():
    # Issue 12: the database and its HMAC key are mode 0600, and hold no IBAN in clear.
    message, options, _, _ = EXAMPLES[2]
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "f.db")
        old = os.umask(0o022)
        try:
            p = run(*example_args(message, options, db), "--json")
        finally:
            os.umask(old)
        expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
        for path in (db, db + ".key"):
            mode = os.stat(path).st_mode & 0o777
            expect(mode == 0o600, f"{path}: mode {oct(mode)}")
        for name in os.listdir(tmp):
            with open(os.path.join(tmp, name), "rb") as f:
                expect(b"30004000031234567890143" not in f.read(), f"IBAN in clear in {name}")


def t_db_corrupt():
    # Issue 12: a corrupt or unreadable database gives the report, without history, with
    # a finding; exit 0, not 70.
    message, options, _, _ = EXAMPLES[2]
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "f.db")
        with open(db, "wb") as f:
            f.write(b"not a database " * 1000)
        with open(db + ".key", "wb") as f:
            f.write(bytes(32))
        for extra in ([], ["--lang", "fr"]):
            p = run(*example_args(message, options, db), "--json", *extra)
            expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
            d = json.loads(p.stdout)
            ids = [f["id"] for f in d["findings"]]
            expect("iban-history-unavailable" in ids and "bank-details-change" in ids, ids)
            expect(d["threat"]["verdict"] == "dangerous", d["threat"])
        os.unlink(db + ".key")
        p = run(*example_args(message, options, os.path.join(tmp, "none", "x.db")), "--json")
        expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
        expect("iban-history-unavailable" in p.stdout, p.stdout)


def t_no_advice_to_phisher():
    # Issue 12: a dangerous message gets no advice on fixing its SPF or DMARC.
    message, options, _, _ = EXAMPLES[2]
    with tempfile.TemporaryDirectory() as tmp:
        p = run(*example_args(message, options, os.path.join(tmp, "f.db")))
        pj = run(*example_args(message, options, os.path.join(tmp, "g.db")), "--json")
    d = json.loads(pj.stdout)
    expect(d["threat"]["verdict"] == "dangerous", d["threat"])
    for f in d["findings"]:
        if f["section"] == "authentication":
            expect("not advice" in f["detail"] and "fix" not in f, f)
    expect("Add this server" not in p.stdout and "publish _dmarc" not in p.stdout, p.stdout)
    expect("not advice for its sender" in p.stdout, p.stdout)


def t_transport_section():
    # The transport findings have their heading in the text report, and they advise
    # the sender: withheld for a dangerous message, kept for an ordinary one.
    for message, dangerous in ((EXAMPLES[2], True), (EXAMPLES[0], False)):
        name, options, _, _ = message
        with tempfile.TemporaryDirectory() as tmp:
            p = run(*example_args(name, options, os.path.join(tmp, "f.db")), "--tls", "none")
            pj = run(*example_args(name, options, os.path.join(tmp, "g.db")), "--tls", "none",
                     "--json")
        expect(p.returncode == 0 and pj.returncode == 0, p.stderr + pj.stderr)
        lines = p.stdout.splitlines()
        expect("Transport (TLS)" in lines, f"{name}: no transport heading: {p.stdout}")
        after = lines[lines.index("Transport (TLS)") + 1]
        expect("Sent without TLS" in after, f"{name}: {after!r} under the heading")
        d = json.loads(pj.stdout)
        expect(d["threat"]["verdict"] == ("dangerous" if dangerous else "clean"), d["threat"])
        tls = [f for f in d["findings"] if f["id"] == "smtp-no-tls"]
        expect(len(tls) == 1 and tls[0]["section"] == "transport", tls)
        expect(("not advice" in tls[0]["detail"]) == dangerous, tls[0])
        expect(("Enable STARTTLS" in tls[0]["detail"]) != dangerous, tls[0])


def t_missing_ip():
    p = run("check", os.path.join(EX, "newsletter.eml"), "--dns-zone", ZONE)
    expect(p.returncode == 64, f"rc {p.returncode}")


def t_bad_ip():
    p = run("check", os.path.join(EX, "newsletter.eml"), "--ip", "300.1.1.1", "--dns-zone", ZONE)
    expect(p.returncode == 64, f"rc {p.returncode}")


def t_bad_protect():
    # A --protect value that is not a domain is a usage error (it exited 70).
    p = run("check", os.path.join(EX, "newsletter.eml"), "--ip", "192.0.2.1", "--protect",
            "not a domain", "--dns-zone", ZONE)
    expect(p.returncode == 64, f"rc {p.returncode}: {p.stderr}")
    expect("not a domain" in p.stderr, p.stderr)


def t_not_a_message():
    with tempfile.NamedTemporaryFile(suffix=".eml") as f:
        f.write(b"\r\n\r\nnot a message\r\n")
        f.flush()
        p = run("check", f.name, "--ip", "192.0.2.1", "--dns-zone", ZONE)
    expect(p.returncode == 65, f"rc {p.returncode}: {p.stderr}")


def t_missing_file():
    p = run("check", "/nonexistent/x.eml", "--ip", "192.0.2.1", "--dns-zone", ZONE)
    expect(p.returncode == 65, f"rc {p.returncode}")


def t_stdin():
    with open(os.path.join(EX, "spoofed.eml"), "rb") as f:
        data = f.read()
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
    p = subprocess.run([FACTEUR, "check", "-", "--ip", "198.51.100.23", "--mail-from",
                        "pierre.dupont@maison-dupont.example", "--dns-zone", ZONE, "--json"],
                       input=data, capture_output=True, env=env, timeout=60)
    expect(p.returncode == 0, f"rc {p.returncode}")
    expect("dmarc-fail" in p.stdout.decode(), p.stdout)


def t_padded_header():
    """Issue 11: 1,200 padding fields, or one field over 64 KiB, before a spoofed message
    made every command exit 65 with no report. Now each command runs; check says the
    header was over its limits, and the From after the padding is still the one DMARC
    judges."""
    with open(os.path.join(EX, "spoofed.eml"), "rb") as f:
        data = f.read()
    pads = {
        "fields": b"".join(b"X-Pad-%d: junk\r\n" % i for i in range(1200)),
        "one field": b"X-Pad: " + b"a" * 70000 + b"\r\n",
    }
    ip = ["--ip", "198.51.100.23", "--mail-from", "pierre.dupont@maison-dupont.example"]
    for kind, pad in pads.items():
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "padded.eml")
            with open(path, "wb") as f:
                f.write(pad + data)
            p = run("check", path, *ip, "--dns-zone", ZONE, "--json")
            expect(p.returncode == 0, f"{kind}: check rc {p.returncode}: {p.stderr}")
            d = json.loads(p.stdout)
            ids = [f["id"] for f in d["findings"]]
            expect("header-over-limits" in ids, f"{kind}: {ids}")
            expect("dmarc-fail" in ids, f"{kind}: {ids}")
            expect("header-over-limits" in d["threat"]["findings"], f"{kind}: {d['threat']}")
            for args in (["dkim", "verify", path], ["arc", "verify", path],
                         ["dmarc", path, *ip]):
                p = run(*args, "--dns-zone", ZONE, "--json")
                expect(p.returncode == 0, f"{kind}: {args[0]} rc {p.returncode}: {p.stderr}")
                json.loads(p.stdout)
            p = run("dmarc", path, *ip, "--dns-zone", ZONE, "--json")
            d = json.loads(p.stdout)
            expect(d["result"] == "fail", f"{kind}: {p.stdout}")
            # The DKIM verifier did not read the header whole: not "dkim=none".
            expect("dkim=permerror" in d["authentication_results"], f"{kind}: {p.stdout}")


def ids_of(message, *extra):
    options = next(e[1] for e in EXAMPLES if e[0] == message)
    with tempfile.TemporaryDirectory() as tmp:
        p = run(*example_args(message, options, os.path.join(tmp, "f.db")), "--json", *extra)
    expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
    d = json.loads(p.stdout)
    return [f["id"] for f in d["findings"]], d


def t_blocklist_options():
    ids, d = ids_of("phishing.eml", "--no-blocklists")
    expect("ip-blocklisted" not in ids and "link-domain-blocklisted" not in ids, ids)
    expect(d["blocklists"] == [], d["blocklists"])
    ids, _ = ids_of("phishing.eml", "--dnsbl", "bl.spamcop.net")
    expect("ip-blocklisted" not in ids and "link-domain-blocklisted" in ids, ids)
    ids, d = ids_of("phishing.eml", "--uribl", "multi.uribl.com")
    expect("ip-blocklisted" in ids and "link-domain-blocklisted" not in ids, ids)
    expect([b["zone"] for b in d["blocklists"]] == ["zen.spamhaus.org"], d["blocklists"])


def t_now_option():
    ids, _ = ids_of("spoofed.eml", "--now", "1700000000")
    expect("header-date-future" in ids, ids)
    ids, _ = ids_of("spoofed.eml", "--now", "1800000000")
    expect("header-date-future" not in ids, ids)


def t_authserv_id():
    _, d = ids_of("newsletter.eml", "--authserv-id", "mx.example.org")
    expect(d["authentication_results"].startswith("mx.example.org;"), d["authentication_results"])


# A reader that needs two seconds for any document: slower than the default 750 ms
# deadline by construction, whatever the machine. Its answer, the "launch" flag, is one
# the message's PDF does not carry, so a finding shows the answer was used. It does not
# know --serve: each document gets a child of its own.
SLOW_READER = """#!/bin/sh
[ "$1" = --serve ] && exit 64
cat >/dev/null
sleep 2
printf 'FCTX1 4 0 0\\n'
"""
PDF_MESSAGE = ("From: Cabinet Girard <facturation@girard.example>\r\n"
               "To: compta@maison-dupont.example\r\nSubject: Facture\r\n"
               "Date: Tue, 17 Nov 2026 09:00:00 +0100\r\nMessage-ID: <f1@girard.example>\r\n"
               "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
               "--b\r\nContent-Type: text/plain\r\n\r\nVotre facture.\r\n"
               "--b\r\nContent-Type: application/pdf; name=facture.pdf\r\n"
               "Content-Disposition: attachment; filename=facture.pdf\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n"
               "JVBERi0xLjQKJSVFT0YK\r\n--b--\r\n")


def t_extract_timeout_env():
    """FACTEUR_EXTRACT_TIMEOUT_MS replaces the reading deadline of attachments (the test
    suites set it so that their verdicts do not depend on the machine's load)."""
    with tempfile.TemporaryDirectory() as tmp:
        # facteur runs the facteur-extract beside it: a copy of facteur beside the fake.
        facteur = os.path.join(tmp, "facteur")
        shutil.copy(FACTEUR, facteur)
        reader = os.path.join(tmp, "facteur-extract")
        with open(reader, "w") as f:
            f.write(SLOW_READER)
        os.chmod(reader, 0o755)
        msg = os.path.join(tmp, "facture.eml")
        with open(msg, "w") as f:
            f.write(PDF_MESSAGE)

        def check(value):
            env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
            env.pop("LANG", None)
            env.pop("FACTEUR_EXTRACT_TIMEOUT_MS", None)
            if value is not None:
                env["FACTEUR_EXTRACT_TIMEOUT_MS"] = value
            return subprocess.run([facteur, "check", msg, "--ip", "192.0.2.1", "--dns-zone",
                                   ZONE, "--json"], capture_output=True, text=True, env=env,
                                  timeout=120)

        p = check(None)
        expect(p.returncode == 0, f"default: rc {p.returncode}: {p.stderr}")
        found = {f["id"]: f["detail"] for f in json.loads(p.stdout)["findings"]}
        expect("took too long" in found.get("attachment-unreadable", ""), f"default: {found}")
        expect("attachment-pdf-launch" not in found, f"default: {found}")
        p = check("120000")
        expect(p.returncode == 0, f"120000: rc {p.returncode}: {p.stderr}")
        found = {f["id"]: f["detail"] for f in json.loads(p.stdout)["findings"]}
        expect("attachment-pdf-launch" in found and "attachment-unreadable" not in found,
               f"120000: {found}")
        for bad in ("0", "600001", "abc", "", "-5"):
            p = check(bad)
            expect(p.returncode == 64 and p.stdout == ""
                   and "FACTEUR_EXTRACT_TIMEOUT_MS" in p.stderr,
                   f"{bad!r}: rc {p.returncode}: {p.stderr}")


for message, options, raised, absent in EXAMPLES:
    for lang in ("en", "fr"):
        case(f"{message} --json --lang {lang}", json_case(message, options, raised, absent, lang))
        case(f"{message} text --lang {lang}", text_case(message, options, lang))
case("same finding ids in both languages", t_same_ids_both_languages)
case("IBAN of an unauthenticated sender stays new", t_iban_known_second_time_only_if_authenticated)
case("--db files are private", t_db_private_files)
case("corrupt --db: report without history", t_db_corrupt)
case("no sender advice for a dangerous message", t_no_advice_to_phisher)
case("transport findings: their heading, advice withheld when dangerous",
     t_transport_section)
case("--no-blocklists, --dnsbl, --uribl", t_blocklist_options)
case("--now moves the clock", t_now_option)
case("--authserv-id", t_authserv_id)
case("FACTEUR_EXTRACT_TIMEOUT_MS sets the attachments' reading deadline",
     t_extract_timeout_env)
case("missing --ip is a usage error", t_missing_ip)
case("bad --ip is a usage error", t_bad_ip)
case("bad --protect is a usage error", t_bad_protect)
case("not a message is bad input", t_not_a_message)
case("missing file is bad input", t_missing_file)
case("message on standard input", t_stdin)
case("a padded header still gets its report", t_padded_header)

print(f"1..{len(results)}")
for n, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        for line in why.splitlines():
            print(f"# {line}")
sys.exit(0)
