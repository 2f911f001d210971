#!/usr/bin/python3
"""The threat cases of tests/data/threats/ (README.md there gives the format): every
NAME.eml is checked with `facteur check --json` and the zone file its NAME.json names,
and the verdict and finding ids must be those NAME.json expects. Prints TAP.

Usage: test_threats.py BUILD/facteur [--summary]
  --summary  prints a table (case, expected, got, threat findings), the recall on the
             attack cases and the false-alarm rate on the legitimate ones (clean-*),
             and exits 0."""
import json
import os
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
SUMMARY = "--summary" in sys.argv[2:]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
DIR = os.path.join(ROOT, "tests", "data", "threats")
# The messages are dated around this time (2026-11-18); a fixed clock keeps the
# header-date-future and DKIM expiry findings the same on every run.
NOW = "1795000000"
DEFAULT_ARGS = ["--ip", "192.0.2.1"]
VERDICTS = ("clean", "suspicious", "dangerous")
# The cases are about what is found, not about time: a generous reading deadline for
# attachments, so that a loaded machine cannot turn a document into
# attachment-unreadable (the default 750 ms is tested by tests/unit/analysis).
EXTRACT_TIMEOUT_MS = "60000"
KEYS = {"description", "verdict", "findings", "absent", "args", "zone", "history", "twice"}


def run_check(eml, args, zone, db):
    cmd = [FACTEUR, "check", os.path.join(DIR, eml), *args, "--now", NOW, "--dns-zone",
           os.path.join(DIR, zone), "--json"]
    if db is not None:
        cmd += ["--db", db]
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en",
               FACTEUR_EXTRACT_TIMEOUT_MS=EXTRACT_TIMEOUT_MS)
    env.pop("LANG", None)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"{eml}: exit {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout)


def load_manifest(name):
    with open(os.path.join(DIR, name + ".json"), encoding="utf-8") as f:
        m = json.load(f)
    unknown = set(m) - KEYS
    if unknown:
        raise AssertionError(f"{name}.json: unknown keys {sorted(unknown)}")
    if m.get("verdict") not in VERDICTS:
        raise AssertionError(f"{name}.json: verdict must be one of {VERDICTS}")
    if not m.get("description"):
        raise AssertionError(f"{name}.json: no description")
    return m


def check_case(name, m):
    """Returns the report of the case's message (after its history, if any)."""
    zone = m.get("zone", "threats.zone")
    args = m.get("args", DEFAULT_ARGS)
    with tempfile.TemporaryDirectory() as tmp:
        db = None
        if "history" in m or m.get("twice"):
            db = os.path.join(tmp, "history", "facteur.db")
            os.mkdir(os.path.dirname(db), 0o700)
        for h in m.get("history", []):
            h = h if isinstance(h, dict) else {"eml": h}
            run_check(h["eml"], h.get("args", args), zone, db)
        d = run_check(name + ".eml", args, zone, db)
        if m.get("twice"):
            again = run_check(name + ".eml", args, zone, db)
            ids = sorted(f["id"] for f in d["findings"])
            ids_again = sorted(f["id"] for f in again["findings"])
            if ids != ids_again or d["threat"] != again["threat"]:
                raise AssertionError(f"checked twice, the report changed: {ids} then "
                                     f"{ids_again}, {d['threat']} then {again['threat']}")
    return d


def compare(m, d):
    ids = [f["id"] for f in d["findings"]]
    problems = []
    if d["threat"]["verdict"] != m["verdict"]:
        problems.append(f"verdict {d['threat']['verdict']} (expected {m['verdict']}; "
                        f"decided by {d['threat']['findings']})")
    for i in m.get("findings", []):
        if i not in ids:
            problems.append(f"{i} not raised")
    for i in m.get("absent", []):
        if i in ids:
            problems.append(f"{i} raised")
    if problems:
        problems.append(f"findings: {ids}")
    return problems


def main():
    names = sorted(f[:-4] for f in os.listdir(DIR) if f.endswith(".eml"))
    manifests = {f[:-5] for f in os.listdir(DIR) if f.endswith(".json")}
    results = []
    rows = []
    referenced = set()
    for name in names:
        try:
            m = load_manifest(name) if name in manifests else None
        except (AssertionError, ValueError) as e:
            results.append((False, name, str(e)))
            continue
        if m is None:
            # A message without a manifest may only be the history of another case.
            continue
        for h in m.get("history", []):
            referenced.add((h if isinstance(h, str) else h["eml"])[:-4])
        try:
            d = check_case(name, m)
            problems = compare(m, d)
            rows.append((name, m["verdict"], d["threat"]["verdict"], d["threat"]["findings"]))
            results.append((not problems, name, "\n".join(problems)))
        except Exception as e:  # noqa: BLE001 - reported as a failed case
            results.append((False, name, f"{type(e).__name__}: {e}"))
    for name in names:
        if name not in manifests and name not in referenced:
            results.append((False, name, f"{name}.eml has no {name}.json"))
    for name in sorted(manifests - set(names)):
        results.append((False, name, f"{name}.json has no {name}.eml"))

    if SUMMARY:
        # Legitimate mail is named clean-*, whatever verdict it is expected to get.
        attacks = [r for r in rows if not r[0].startswith("clean-")]
        clean = [r for r in rows if r[0].startswith("clean-")]
        for r in rows:
            mark = "" if r[1] == r[2] else "  <-- differs"
            print(f"{r[0]:48} expected {r[1]:10} got {r[2]:10} {','.join(r[3])}{mark}")
        caught = sum(1 for r in attacks if r[2] != "clean")
        exact = sum(1 for r in attacks if r[2] == r[1])
        alarms = sum(1 for r in clean if r[2] != "clean")
        print(f"attack cases: {len(attacks)}, flagged (suspicious or dangerous): {caught}"
              f" ({100.0 * caught / max(1, len(attacks)):.1f} %), expected verdict: {exact}")
        dangerous = sum(1 for r in clean if r[2] == "dangerous")
        print(f"legitimate (clean-*) cases: {len(clean)}, flagged: {alarms}"
              f" ({100.0 * alarms / max(1, len(clean)):.1f} %), dangerous: {dangerous}")
        return 0

    print(f"1..{len(results)}")
    for n, (ok, name, why) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} - {name}")
        for line in why.splitlines():
            print(f"# {line}")
    return 0 if all(ok for ok, _, _ in results) else 1


sys.exit(main())
