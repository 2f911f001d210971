#!/usr/bin/env python3
"""Threat verdict rates of `facteur check` over a folder of real messages.

Reproduces the figures of docs/SCORING.md ("Measured on public corpora"): every file of
FOLDER (or a seeded random sample of them) is checked as the corpus measurements were,
with a documentation address as the client, no blocklists and an empty DNS zone, so
that the result depends on the message alone and never on the network:

    tests/corpus/measure.py build/facteur /tmp/phishing_pot/email --sample 600 --seed 12

It prints the share of clean, suspicious and dangerous verdicts, the finding ids that
decided the flagged ones, and with --list VERDICT the files that got that verdict (to
study the misses). The corpora are not in the repository: see docs/SCORING.md for where
each one comes from.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import random
import subprocess
import sys
import tempfile


def check(facteur, path, zone):
    cmd = [facteur, "check", path, "--ip", "192.0.2.1", "--no-blocklists",
           "--dns-zone", zone, "--json"]
    env = dict(os.environ, LANGUAGE="en")
    try:
        proc = subprocess.run(cmd, capture_output=True, env=env, timeout=120, check=False)
        report = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        report = None
    if report is None:
        return path, "error", [], 1
    threat = report.get("threat", {})
    return path, threat.get("verdict", "?"), threat.get("findings", []), 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("facteur")
    ap.add_argument("folder")
    ap.add_argument("--sample", type=int, default=0, help="check N files chosen at random")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--list", choices=["clean", "suspicious", "dangerous", "error"],
                    action="append", default=[], help="print the files with this verdict")
    ap.add_argument("--suffix", default="", help="only the files whose name ends so (.txt)")
    ap.add_argument("--top", type=int, default=15, help="how many deciding ids to print")
    args = ap.parse_args()

    files = sorted(os.path.join(args.folder, f) for f in os.listdir(args.folder)
                   if f.endswith(args.suffix) and os.path.isfile(os.path.join(args.folder, f)))
    if args.sample and args.sample < len(files):
        files = sorted(random.Random(args.seed).sample(files, args.sample))
    if not files:
        print(f"no files in {args.folder}", file=sys.stderr)
        return 65

    verdicts = collections.Counter()
    deciding = collections.Counter()
    by_verdict = collections.defaultdict(list)
    with tempfile.NamedTemporaryFile("w", suffix=".zone") as zone:
        zone.flush()  # an empty zone: every name is absent, nothing is asked outside
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            jobs = [pool.submit(check, args.facteur, f, zone.name) for f in files]
            for job in concurrent.futures.as_completed(jobs):
                path, verdict, ids, _ = job.result()
                verdicts[verdict] += 1
                by_verdict[verdict].append((path, ids))
                for i in set(ids):
                    deciding[i] += 1

    n = len(files)
    flagged = verdicts["suspicious"] + verdicts["dangerous"]
    print(f"{args.folder}: {n} messages")
    for v in ("clean", "suspicious", "dangerous", "error"):
        if verdicts[v] or v != "error":
            print(f"  {v:<11} {verdicts[v]:6d}  {100.0 * verdicts[v] / n:5.1f} %")
    print(f"  flagged     {flagged:6d}  {100.0 * flagged / n:5.1f} %  (suspicious or dangerous)")
    if deciding:
        print("deciding finding ids (messages):")
        for i, c in deciding.most_common(args.top):
            print(f"  {c:6d}  {i}")
    for v in args.list:
        for path, ids in sorted(by_verdict[v]):
            print(f"{v}\t{path}\t{','.join(ids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
