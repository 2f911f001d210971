#!/usr/bin/python3
"""scripts/count-tests, the closing line of make test and .ci/run: each distinct case
counts once however many builds ran it (the main and sanitizer builds both run the unit
and conformance suites), a case that failed in any build is failed, a crash counts, and a
build folder without a test log (its build failed, or a stale log was removed before the
run) counts as a failure. Fake build folders, no build needed. Prints TAP.
Usage: test_count_tests.py"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
COUNT = os.path.join(ROOT, "scripts", "count-tests")
results = []


def tap(name, cases, result="OK"):
    out = f"1..{len(cases)}\n" + "".join(f"{c}\n" for c in cases)
    return {"name": name, "protocol": "tap", "stdout": out, "result": result}


def plain(name, result):
    return {"name": name, "protocol": "exitcode", "stdout": "", "result": result}


def run(builds):
    """builds: {folder: [entries] or None (no log)}; returns count-tests's last line."""
    with tempfile.TemporaryDirectory() as tmp:
        dirs = []
        for folder, entries in builds.items():
            d = os.path.join(tmp, folder)
            os.makedirs(os.path.join(d, "meson-logs"))
            if entries is not None:
                with open(os.path.join(d, "meson-logs", "testlog.json"), "w") as f:
                    for e in entries:
                        f.write(json.dumps(e) + "\n")
            dirs.append(d)
        p = subprocess.run([sys.executable, COUNT, *dirs], capture_output=True, text=True,
                           timeout=30)
        return p.stdout.strip()


UNIT = tap("facteur:unit / msg", ["ok 1 - /msg/a", "ok 2 - /msg/b", "ok 3 - /msg/c # SKIP no"])
CONF = tap("facteur:conformance / spf", ["ok 1 - case-1", "ok 2 - case-2"])


def case(name, builds, want):
    got = run(builds)
    results.append((got == want, name, f"got {got!r}, want {want!r}"))


case("one build", {"build": [UNIT, CONF, plain("facteur:unit / x", "OK")]},
     "tests: 5 passed, 0 failed, 1 skipped")
case("main and sanitizer builds count each case once",
     {"build": [UNIT, CONF], "build-asan": [UNIT, CONF]},
     "tests: 4 passed, 0 failed, 1 skipped")
case("a case failed in one build is failed once",
     {"build": [UNIT],
      "build-asan": [tap("facteur:unit / msg",
                         ["ok 1 - /msg/a", "not ok 2 - /msg/b", "ok 3 - /msg/c # SKIP no"],
                         "FAIL")]},
     "tests: 1 passed, 1 failed, 1 skipped")
case("a crash before the end counts",
     {"build": [UNIT], "build-asan": [tap("facteur:unit / msg", ["ok 1 - /msg/a"], "FAIL")]},
     "tests: 2 passed, 1 failed, 1 skipped")
case("a build with no test log is a failure",
     {"build": [UNIT], "build-asan": None},
     "tests: 2 passed, 1 failed, 1 skipped")
case("TODO is skipped, not failed",
     {"build": [tap("facteur:integration / dkim", ["not ok 1 - x # TODO peer bug"])]},
     "tests: 0 passed, 0 failed, 1 skipped")

print(f"1..{len(results)}")
for n, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        print(f"# {why}")
sys.exit(0)
