#!/usr/bin/python3
"""facteur check --json on the inputs of the fuzz corpora (tests/fuzz/corpus/*/*): each
report is one JSON document that a strict reader accepts (UTF-8 decoding that refuses any
invalid byte, JSON without control characters), or the input is refused as bad input
(exit 65) with nothing on standard output. Fuzzing found raw bytes of a message in a
finding's detail, which made the report unreadable to strict parsers. Offline: the zone
file is empty, so every name is NXDOMAIN. Prints TAP.

Every input of the corpora whose target reads a whole message is checked; of the other
corpora (records, DNS data, reports, SMTP dialogues: to `check` mostly a malformed
message) one input in four, the same ones at every run (by name). A process costs about
20 ms, most of it the dynamic linker (callgrind: 33 of the 36 million instructions for an
input refused at once), and those inputs were 7,000 of the 11,900, which fuzz-smoke runs
through their own parsers.
Usage: test_check_corpora.py BUILD/facteur"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
CORPORA = os.path.join(ROOT, "tests", "fuzz", "corpus")
MESSAGE_CORPORA = {"check", "filter", "mime", "msg", "bankfraud", "arc-chain"}
SAMPLE_ONE_IN = 4
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


def check_named(path, zone):
    try:
        return check_one(path, zone)
    except subprocess.TimeoutExpired:
        return "timed out"


with tempfile.TemporaryDirectory() as tmp:
    zone = os.path.join(tmp, "empty.zone")
    with open(zone, "w") as f:
        f.write("; every name is NXDOMAIN\n")
    corpora = sorted(os.listdir(CORPORA))
    if not corpora:
        results.append((False, "fuzz corpora", f"nothing in {CORPORA}"))
    inputs = []
    for corpus in corpora:
        names = sorted(os.listdir(os.path.join(CORPORA, corpus)))
        if corpus not in MESSAGE_CORPORA:
            names = names[::SAMPLE_ONE_IN]
        inputs += [f"{corpus}/{name}" for name in names]
    # Two at a time: the longest test of its suite, it would otherwise run on one core
    # while the others have finished.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        whys = pool.map(lambda i: check_named(os.path.join(CORPORA, i), zone), inputs)
        results += [(why is None, i, why or "") for i, why in zip(inputs, whys)]

print(f"1..{len(results)}")
for n, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        print(f"# {why}")
sys.exit(0)
