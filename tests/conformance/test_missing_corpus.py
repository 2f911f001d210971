#!/usr/bin/python3
"""A conformance corpus that cannot be read is a failure, never a skip: each conformance
program is run with FCT_CONFORMANCE_DIR naming an empty folder, where it must exit
non-zero without passing or skipping any case, and with it unset, where it either fails
or reads the corpus in the repository, but skips nothing. Prints TAP.
Usage: test_missing_corpus.py PROGRAM..."""
import os
import re
import subprocess
import sys
import tempfile

results = []
with tempfile.TemporaryDirectory() as empty:
    for program in sys.argv[1:]:
        for label, value in (("empty folder", empty), ("unset", None)):
            env = dict(os.environ)
            env.pop("FCT_CONFORMANCE_DIR", None)
            if value is not None:
                env["FCT_CONFORMANCE_DIR"] = value
            p = subprocess.run([program, "--tap"], capture_output=True, text=True, env=env,
                               timeout=50)
            passed = re.findall(r"^ok\b", p.stdout, re.M)
            skipped = re.findall(r"#\s*SKIP", p.stdout, re.I)
            if value is not None:
                ok = p.returncode != 0 and not passed and not skipped
            else:
                # Unset: a program may fall back to the corpus in the repository
                # (tests/data) or fail; it never skips.
                ok = not skipped and (p.returncode != 0 or passed)
            why = f"exit {p.returncode}, {len(passed)} passed, {len(skipped)} skipped"
            results.append((ok, f"{os.path.basename(program)}, corpus {label}", why))

if not results:
    results.append((False, "no conformance program given", ""))
print(f"1..{len(results)}")
for n, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        print(f"# {why}")
sys.exit(0)
