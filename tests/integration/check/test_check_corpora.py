#!/usr/bin/python3
"""facteur check --json on every input of the fuzz corpora (tests/fuzz/corpus/*/*): each
report is one JSON document that a strict reader accepts (UTF-8 decoding that refuses any
invalid byte, JSON without control characters), or the input is refused as bad input
(exit 65) with nothing on standard output. Fuzzing found raw bytes of a message in a
finding's detail, which made the report unreadable to strict parsers. Offline: the zone
file is empty, so every name is NXDOMAIN. Prints TAP.
Usage: test_check_corpora.py BUILD/facteur"""
import json
import os
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
CORPORA = os.path.join(ROOT, "tests", "fuzz", "corpus")
results = []


def check_one(path, zone):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
    p = subprocess.run([FACTEUR, "check", path, "--json", "--ip", "192.0.2.1",
                        "--mail-from", "sender@example.org", "--dns-zone", zone],
                       capture_output=True, timeout=60, env=env)
    if p.returncode == 65:
        if p.stdout:
            return "exit 65 with output on stdout"
        return None
    if p.returncode != 0:
        return f"exit {p.returncode}: {p.stderr.decode('utf-8', 'replace')[:300]}"
    try:
        text = p.stdout.decode("utf-8", errors="strict")
        report = json.loads(text, strict=True)
    except (UnicodeDecodeError, ValueError) as e:
        return f"not strict JSON: {e}"
    if not isinstance(report, dict) or "findings" not in report:
        return "no findings in the report"
    return None


with tempfile.TemporaryDirectory() as tmp:
    zone = os.path.join(tmp, "empty.zone")
    with open(zone, "w") as f:
        f.write("; every name is NXDOMAIN\n")
    corpora = sorted(os.listdir(CORPORA))
    if not corpora:
        results.append((False, "fuzz corpora", f"nothing in {CORPORA}"))
    for corpus in corpora:
        folder = os.path.join(CORPORA, corpus)
        for name in sorted(os.listdir(folder)):
            try:
                why = check_one(os.path.join(folder, name), zone)
            except subprocess.TimeoutExpired:
                why = "timed out"
            results.append((why is None, f"{corpus}/{name}", why or ""))

print(f"1..{len(results)}")
for n, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        print(f"# {why}")
sys.exit(0)
