#!/usr/bin/python3
"""The address lists' refresh script and their dates (issue 13, "Lists").

scripts/refresh-verify-lists runs on two local git repositories standing for the
upstream lists (fixed commit dates, no network) and writes into a copy of data/verify:
each generated list must carry its source, licence, upstream commit and that commit's
date, keep the hand-written extras, convert IDNs to A-labels, drop what is not a domain
and keep typo domains out of the free-mail list. The lists shipped in data/verify must
carry the same header, and data/verify/README.md must give the dates and commits they
hold. Prints TAP. Usage: test_lists_refresh.py SOURCE_ROOT"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
SCRIPT = os.path.join(ROOT, "scripts", "refresh-verify-lists")
DATA = os.path.join(ROOT, "data", "verify")
TMP = tempfile.mkdtemp(prefix="fct-lists-")
results = []


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


def git_repo(name, path, text, date):
    work = os.path.join(TMP, name)
    os.makedirs(work)
    with open(os.path.join(work, path), "w", encoding="utf-8") as f:
        f.write(text)
    env = dict(os.environ, GIT_AUTHOR_DATE=f"{date}T12:00:00Z",
               GIT_COMMITTER_DATE=f"{date}T12:00:00Z", GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@t.example", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t.example", GIT_CONFIG_GLOBAL="/dev/null")
    for args in (["init", "-q"], ["add", path], ["commit", "-q", "-m", "list"]):
        subprocess.run(["git", *args], cwd=work, env=env, check=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, env=env, check=True,
                            capture_output=True, text=True).stdout.strip()
    return os.path.join(work, ".git"), commit


def header(path):
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]
    head = {}
    for l in lines:
        m = re.match(r"# (SOURCE|LICENCE|DATE): (.*)", l)
        if m:
            head[m.group(1)] = m.group(2)
    return head, [l for l in lines if l and not l.startswith("#")]


def snapshot(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            out[name] = f.read()
    return out


def t_refresh_from_clones():
    before = snapshot(DATA)
    data = os.path.join(TMP, "data")
    shutil.copytree(DATA, data)
    typo = next(l.split()[0] for l in open(os.path.join(data, "typo-domains.txt"))
                if l.strip() and not l.startswith("#"))
    disp_git, disp_commit = git_repo(
        "disposable", "disposable_email_blocklist.conf",
        "throwaway.example\nMAILDROP.example.\n# a comment\nnot a domain\n", "2026-03-01")
    free_git, free_commit = git_repo(
        "free", "domains.json",
        json.dumps(["freebox.example", "b\u00fccher.example", typo, "bad..example"]),
        "2026-03-02")
    p = subprocess.run([sys.executable, SCRIPT, "--disposable-git", disp_git, "--free-git",
                        free_git, "--data", data], capture_output=True, text=True,
                       timeout=120)
    expect(p.returncode == 0, p.stderr)
    head, entries = header(os.path.join(data, "disposable-domains.txt"))
    expect(head["SOURCE"].endswith(f"commit {disp_commit}"), head)
    expect("CC0" in head["LICENCE"], head)
    expect(head["DATE"].startswith("2026-03-01 (upstream commit); 2 upstream entries"), head)
    expect("throwaway.example" in entries and "maildrop.example" in entries, entries)
    expect("not a domain" not in entries, entries)
    extras = header(os.path.join(DATA, "disposable-extra.txt"))[1]
    expect(all(e.split()[0].lower() in entries for e in extras), "extras lost")
    head, entries = header(os.path.join(data, "free-mail-domains.txt"))
    expect(head["SOURCE"].endswith(f"commit {free_commit}"), head)
    expect("MIT" in head["LICENCE"], head)
    expect(head["DATE"].startswith("2026-03-02 (upstream commit); 3 upstream entries"), head)
    expect("typo domains left out" in head["DATE"], head)
    expect("freebox.example" in entries and "xn--bcher-kva.example" in entries, entries)
    expect(typo not in entries and "bad..example" not in entries, entries)
    # --data wrote nothing into the shipped folder.
    expect(snapshot(DATA) == before, "data/verify changed")


def t_shipped_lists_dated():
    with open(os.path.join(DATA, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for name in ("disposable-domains.txt", "free-mail-domains.txt"):
        head, entries = header(os.path.join(DATA, name))
        m = re.search(r"commit ([0-9a-f]{40})$", head.get("SOURCE", ""))
        expect(m, f"{name}: no upstream commit: {head}")
        d = re.match(r"(\d{4}-\d{2}-\d{2}) \(upstream commit\)", head.get("DATE", ""))
        expect(d, f"{name}: no upstream date: {head}")
        expect(len(entries) > 5000, f"{name}: {len(entries)} entries")
        expect(entries == sorted(set(entries)), f"{name}: not sorted and unique")
        # The README names the date and commit of what is shipped.
        expect(f"{d.group(1)}" in readme and m.group(1)[:12] in readme,
               f"README.md does not give {name}'s date {d.group(1)} and commit "
               f"{m.group(1)[:12]}")


case("refresh from local clones: header, extras, IDN, typos", t_refresh_from_clones)
case("shipped lists carry their upstream commit and date, README gives them",
     t_shipped_lists_dated)

shutil.rmtree(TMP, ignore_errors=True)
print(f"1..{len(results)}")
for n, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        for line in why.splitlines():
            print(f"# {line}")
sys.exit(0)
