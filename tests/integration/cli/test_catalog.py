#!/usr/bin/python3
"""Translatable source strings reach the user translated: a test catalogue (built here
with msgfmt, not the project's French one) translates a few messages, and facteur run
with FACTEUR_LOCALEDIR pointing at it must print the translations: the look-alike
letters finding as whole sentences, the plural forms of the reports ingest summary
(with the catalogue's own plural rule), an SMTP client error and a report parser error.
A message that is slotted together from pieces, printed without ngettext or not marked
with _() fails here, and so does a source file with marked strings that po/POTFILES.in
does not list. Prints TAP. Usage: test_catalog.py BUILD/facteur"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
REPORTS = os.path.join(ROOT, "tests", "data", "reports")
TMP = tempfile.mkdtemp(prefix="fct-catalog-")
results = []

# msgid -> msgstr, or (msgid, msgid_plural) -> [msgstr[0], msgstr[1]]. French plural
# rule (0 and 1 take the singular), which English does not share.
CATALOGUE = {
    "The sender's name is written with look-alike letters of another alphabet (it reads "
    "“%s”): a trick to slip past filters while the reader sees familiar words.":
        "[NAME] %s",
    "The subject is written with look-alike letters of another alphabet (it reads “%s”): "
    "a trick to slip past filters while the reader sees familiar words.":
        "[SUBJECT] %s",
    ("%lu report stored.\n", "%lu reports stored.\n"):
        ["[ONE STORED] %lu\n", "[MANY STORED] %lu\n"],
    ("%lu record", "%lu records"): ["[ONE RECORD] %lu", "[MANY RECORDS] %lu"],
    ("  %lu DMARC aggregate report, with %s.\n", "  %lu DMARC aggregate reports, with %s.\n"):
        ["[ONE AGGREGATE] %lu %s\n", "[MANY AGGREGATE] %lu %s\n"],
    ("%lu report was already stored.\n", "%lu reports were already stored.\n"):
        ["[ONE DUPLICATE] %lu\n", "[MANY DUPLICATES] %lu\n"],
    "cannot connect to %s port %u: %s": "[CONNECT] %s %u %s",
    "not a DMARC aggregate report (the root element is not <feedback>)": "[NOT FEEDBACK]",
}


def po_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def build_catalogue(localedir):
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"',
             '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"', ""]
    for key, value in CATALOGUE.items():
        if isinstance(key, tuple):
            lines += [f"msgid {po_string(key[0])}", f"msgid_plural {po_string(key[1])}",
                      f"msgstr[0] {po_string(value[0])}", f"msgstr[1] {po_string(value[1])}"]
        else:
            lines += [f"msgid {po_string(key)}", f"msgstr {po_string(value)}"]
        lines.append("")
    po = os.path.join(TMP, "test.po")
    with open(po, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    out = os.path.join(localedir, "fr", "LC_MESSAGES")
    os.makedirs(out)
    subprocess.run(["msgfmt", "--check-format", "-o", os.path.join(out, "facteur.mo"), po],
                   check=True)


LOCALEDIR = os.path.join(TMP, "locale")
build_catalogue(LOCALEDIR)


def run(*args):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="fr", FACTEUR_LOCALEDIR=LOCALEDIR)
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


def check_json(from_field, subject):
    path = os.path.join(TMP, "m.eml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"From: {from_field}\r\nTo: a@b.example\r\nSubject: {subject}\r\n"
                "Date: Mon, 1 Dec 2025 10:00:00 +0100\r\nMessage-ID: <1@intl.example>\r\n"
                "\r\nBonjour.\r\n")
    p = run("check", path, "--ip", "192.0.2.1", "--no-blocklists", "--dns-zone",
            os.path.join(TMP, "empty.zone"), "--json")
    expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
    return [f for f in json.loads(p.stdout)["findings"] if f["id"] == "text-lookalike-letters"]


with open(os.path.join(TMP, "empty.zone"), "w") as f:
    f.write("$TTL 300\n")


def t_lookalike_subject():
    # "Actiоn Requiгed" with a Cyrillic о and г.
    found = check_json("Team <noreply@delivery.example>",
                       "Acti\u043en Requi\u0433ed on your account")
    expect(len(found) == 1, found)
    expect(found[0]["detail"].startswith("[SUBJECT] "), found[0]["detail"])


def t_lookalike_name():
    found = check_json("Supp\u043ert Team <noreply@delivery.example>", "Hello")
    expect(len(found) == 1, found)
    expect(found[0]["detail"].startswith("[NAME] "), found[0]["detail"])


def ingest(db, *files):
    return run("reports", "ingest", "--db", db, *[os.path.join(REPORTS, f) for f in files])


def t_ingest_plurals():
    db = os.path.join(TMP, "r.db")
    p = ingest(db, "google.xml")
    expect(p.returncode == 0, p.stderr)
    expect("[ONE STORED] 1" in p.stdout, p.stdout)
    expect("[ONE AGGREGATE] 1 [MANY RECORDS]" in p.stdout, p.stdout)
    p = ingest(db, "microsoft.xml", "yahoo.xml")
    expect("[MANY STORED] 2" in p.stdout, p.stdout)
    expect("[MANY AGGREGATE] 2" in p.stdout, p.stdout)
    # The catalogue's rule, not English's: zero takes the singular form in French.
    p = ingest(db, "google.xml")
    expect("[ONE STORED] 0" in p.stdout, p.stdout)
    expect("[ONE DUPLICATE] 1" in p.stdout, p.stdout)


def t_report_parser_error():
    bad = os.path.join(TMP, "notfeedback.xml")
    with open(bad, "w") as f:
        f.write("<?xml version=\"1.0\"?><report><x/></report>\n")
    p = run("reports", "ingest", "--db", os.path.join(TMP, "e.db"), bad)
    expect("[NOT FEEDBACK]" in p.stderr, p.stderr)


def t_smtp_client_error():
    # Bound and never listening (connecting is refused), kept until the end so that no
    # other program can take the port meanwhile.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    zone = os.path.join(TMP, "mx.zone")
    with open(zone, "w") as f:
        f.write("$TTL 300\nr.fct. MX 10 mx.r.fct.\nmx.r.fct. A 127.0.0.1\n")
    p = run("address", "a@r.fct", "--dns-zone", zone, "--smtp-port", str(port), "--helo",
            "probe.facteur.test", "--json")
    s.close()
    d = json.loads(p.stdout)
    errors = [h.get("error") or "" for h in d["smtp"]]
    expect(any(e.startswith(f"[CONNECT] 127.0.0.1 {port} ") for e in errors), d["smtp"])


def t_potfiles_complete():
    # xgettext reads only the files po/POTFILES.in lists: a new source file left out
    # has its strings marked and never translated.
    with open(os.path.join(ROOT, "po", "POTFILES.in")) as f:
        listed = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    marked = []
    for top in ("src",):
        for folder, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if not name.endswith(".c"):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                if '_ ("' in text or 'N_ ("' in text or 'ngettext (' in text:
                    marked.append(os.path.relpath(path, ROOT))
    missing = sorted(m for m in marked if m not in listed)
    expect(marked and not missing, f"not in po/POTFILES.in: {missing}")


case("every source file with translatable strings is in po/POTFILES.in",
     t_potfiles_complete)
case("look-alike letters in the subject: one whole sentence", t_lookalike_subject)
case("look-alike letters in the sender's name: one whole sentence", t_lookalike_name)
case("reports ingest summary: plural forms by the catalogue's rule", t_ingest_plurals)
case("a report parser error is translated", t_report_parser_error)
case("an SMTP client error is translated", t_smtp_client_error)

shutil.rmtree(TMP, ignore_errors=True)
print(f"1..{len(results)}")
for n, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        for line in why.splitlines():
            print(f"# {line}")
sys.exit(0)
