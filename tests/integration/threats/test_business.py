#!/usr/bin/python3
"""The business-mail corpus of tests/data/business/ (README.md there) through
`facteur check --json`: ordinary mail must get no `dangerous` verdict and at most 2 %
`suspicious` (docs/SCORING.md, "Threat verdict", states the figure). Every message is
checked as received from 192.0.2.20, its envelope sender taken from Return-Path, with
the zone files of the folder; then all of them again, in date order, with one IBAN
history (--db), where a supplier's usual account must not look new. Prints TAP; with --summary, the figures and the flagged
messages, exit 0.

Usage: test_business.py BUILD/facteur [--summary]"""
import email
import email.policy
import email.utils
import glob
import json
import os
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
SUMMARY = "--summary" in sys.argv[2:]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
DIR = os.path.join(ROOT, "tests", "data", "business")
NOW = "1795000000"  # 2026-11-18, after every message's date
SUSPICIOUS_MAX = 0.02
MESSAGES_MIN = 200


def date_of(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    return email.utils.parsedate_to_datetime(msg["Date"]).timestamp()


def main():
    # In the order they were sent: the second pass keeps an IBAN history (--db), as a
    # business that runs facteur on all its mail would.
    messages = sorted(glob.glob(os.path.join(DIR, "*.eml")), key=lambda m: (date_of(m), m))
    verdicts = {}
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        zone = os.path.join(tmp, "business.zone")
        with open(zone, "w", encoding="utf-8") as out:
            for z in sorted(glob.glob(os.path.join(DIR, "*.zone"))):
                with open(z, encoding="utf-8") as f:
                    out.write(f.read() + "\n")
        # About what is found, not about time: a generous reading deadline for
        # attachments, so that a loaded machine cannot leave a PDF's IBAN unread (and
        # the same IBAN new for its sender in the second pass).
        env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en",
                   FACTEUR_EXTRACT_TIMEOUT_MS="60000")
        env.pop("LANG", None)
        db = os.path.join(tmp, "history.db")
        for m, history in [(m, h) for h in (False, True) for m in messages]:
            p = subprocess.run([FACTEUR, "check", m, "--ip", "192.0.2.20", "--now", NOW,
                                "--dns-zone", zone, "--json", *(["--db", db] if history else [])],
                               capture_output=True, text=True, env=env, timeout=120)
            name = os.path.basename(m) + (" (--db)" if history else "")
            if p.returncode != 0:
                errors.append(f"{name}: exit {p.returncode}: {p.stderr.strip()}")
                continue
            d = json.loads(p.stdout)
            verdicts[name] = (d["threat"]["verdict"], d["threat"]["findings"])

    n = len(messages)
    dangerous = sorted(k for k, v in verdicts.items() if v[0] == "dangerous")
    suspicious = sorted(k for k, v in verdicts.items() if v[0] == "suspicious")
    rate = len(suspicious) / max(1, len(verdicts))
    if SUMMARY:
        for k in dangerous + suspicious:
            print(f"{k:32} {verdicts[k][0]:10} {','.join(verdicts[k][1])}")
        print(f"messages: {n}, checks: {len(verdicts)} (without and with --db), dangerous: "
              f"{len(dangerous)}, suspicious: {len(suspicious)} ({100.0 * rate:.1f} %), "
              f"errors: {len(errors)}")
        return 0

    results = [
        (not errors, "every message checked", "\n".join(errors)),
        (n >= MESSAGES_MIN, f"at least {MESSAGES_MIN} messages", f"{n} messages"),
        (not dangerous, "no dangerous verdict",
         "\n".join(f"{k}: {verdicts[k][1]}" for k in dangerous)),
        (rate <= SUSPICIOUS_MAX, f"at most {100 * SUSPICIOUS_MAX:.0f} % suspicious",
         f"{len(suspicious)} of {len(verdicts)} ({100.0 * rate:.1f} %):\n"
         + "\n".join(f"{k}: {verdicts[k][1]}" for k in suspicious)),
    ]
    print(f"1..{len(results)}")
    for i, (ok, name, why) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        for line in why.splitlines():
            print(f"# {line}")
    print(f"# {n} messages, {len(verdicts)} checks (without and with --db), "
          f"{len(dangerous)} dangerous, {len(suspicious)} suspicious ({100.0 * rate:.1f} %)")
    return 0 if all(r[0] for r in results) else 1


sys.exit(main())
