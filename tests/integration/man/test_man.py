#!/usr/bin/python3
"""The manual pages of docs/man against the program: every command that `facteur
--help` lists has its page, and facteur(1) lists exactly those commands; every option
(with its argument's name) that a command's --help shows is in the OPTIONS of its page,
and the page documents no option the command lacks, so that the two cannot drift apart.
groff reads every page without a warning, and `meson install` puts each in its section.
Prints TAP. Usage: test_man.py BUILD/facteur BUILD_DIR"""
import os
import re
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
BUILD_DIR = sys.argv[2]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
MAN_DIR = os.path.join(ROOT, "docs", "man")
results = []


def run(*args):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
    env.pop("LANG", None)
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)


def case(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except AssertionError as e:
        results.append((False, name, str(e)))
    except Exception as e:  # a crash of the test itself is a failure too
        results.append((False, name, f"{type(e).__name__}: {e}"))


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def commands():
    """The commands of `facteur --help`, in its order."""
    out = run(FACTEUR, "--help").stdout
    block = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def help_options(*cmd):
    """{option: argument name or None} of the Help and Application Options of --help."""
    p = run(FACTEUR, *cmd, "--help")
    expect(p.returncode == 0, f"facteur {' '.join(cmd)} --help: rc {p.returncode}")
    opts = {}
    for line in p.stdout.splitlines():
        m = re.match(r"^\s+(?:(-\w), )?(--[\w-]+)(?:=(\S+))?\s", line)
        if m:
            if m.group(1):
                opts[m.group(1)] = None
            opts[m.group(2)] = m.group(3)
    return opts


def subcommands(cmd):
    """verify|sign|keygen from 'Usage: facteur dkim verify|sign|keygen [OPTION…]', or []."""
    first = run(FACTEUR, cmd, "--help").stdout.splitlines()[0]
    m = re.match(rf"^Usage: facteur {cmd} ([a-z]+(?:\|[a-z]+)+) ", first)
    return m.group(1).split("|") if m else []


def page_path(cmd):
    for section in ("1", "8"):
        path = os.path.join(MAN_DIR, f"facteur-{cmd}.{section}")
        if os.path.exists(path):
            return path
    return None


def plain(roff):
    return re.sub(r"\\f[BIRP]", "", roff).replace("\\-", "-").replace("\\e", "\\")


def page_sections(path, heading):
    """The .SH HEADING part of a page, split at .SS: {subsection title or '': lines}."""
    parts, current, inside = {}, "", False
    for line in open(path, encoding="utf-8").read().splitlines():
        if line.startswith(".SH"):
            inside = line[3:].strip().strip('"') == heading
            continue
        if not inside:
            continue
        if line.startswith(".SS"):
            current = line[3:].strip().strip('"')
            continue
        parts.setdefault(current, []).append(line)
    return parts


def tagged_options(lines):
    """{option: argument name or None} from the tag line after each .TP."""
    opts = {}
    for prev, line in zip(lines, lines[1:]):
        if prev.strip() != ".TP":
            continue
        for m in re.finditer(r"(--?[\w-]+)(?:=(\S+))?", plain(line)):
            opts[m.group(1)] = m.group(2)
    return opts


def compare(name, from_help, from_page):
    missing = sorted(set(from_help) - set(from_page))
    extra = sorted(set(from_page) - set(from_help))
    expect(not missing, f"{name}: options of --help missing from the page: {missing}")
    expect(not extra, f"{name}: options on the page that --help does not know: {extra}")
    wrong = [f"{o}: --help {from_help[o]}, page {from_page[o]}" for o in from_help
             if from_help[o] != from_page[o]]
    expect(not wrong, f"{name}: argument names differ: {wrong}")


def t_every_command_has_a_page():
    cmds = commands()
    expect(len(cmds) >= 10, f"commands read from --help: {cmds}")
    missing = [c for c in cmds if page_path(c) is None]
    expect(not missing, f"no page in docs/man for: {missing}")
    # Daemons in section 8, the rest in section 1.
    for c in cmds:
        want = "8" if c in ("milter", "serve") else "1"
        expect(page_path(c).endswith("." + want), f"{page_path(c)}: section {want} expected")


def t_facteur_1_lists_the_commands():
    lines = page_sections(os.path.join(MAN_DIR, "facteur.1"), "COMMANDS")[""]
    listed = [plain(b).split()[1] for a, b in zip(lines, lines[1:]) if a == ".TP"]
    expect(listed == commands(), f"facteur(1) lists {listed}, --help {commands()}")
    # And every page of the folder is a command's (none left for a removed command).
    pages = sorted(f for f in os.listdir(MAN_DIR) if re.match(r"facteur-.*\.[18]$", f))
    expect(pages == sorted(os.path.basename(page_path(c)) for c in commands()),
           f"pages {pages} for commands {commands()}")


def t_facteur_1_common_options():
    # Every command takes the options facteur(1) lists (dns has nothing else).
    page = tagged_options(sum(page_sections(os.path.join(MAN_DIR, "facteur.1"),
                                            "OPTIONS").values(), []))
    compare("facteur(1)", help_options("dns"), page)


def t_options_match_help():
    for c in commands():
        sections = page_sections(page_path(c), "OPTIONS")
        subs = subcommands(c)
        if not subs:
            compare(c, help_options(c), tagged_options(sum(sections.values(), [])))
            continue
        expect(sorted(k for k in sections if k) == sorted([f"{c} {s}" for s in subs]
                                                          + ["Common options"]),
               f"{c}: subsections {sorted(sections)} for subcommands {subs}")
        common = tagged_options(sections["Common options"])
        for s in subs:
            compare(f"{c} {s}", help_options(c, s),
                    {**tagged_options(sections[f"{c} {s}"]), **common})


def t_groff_has_no_warning():
    for f in sorted(os.listdir(MAN_DIR)):
        if not re.search(r"\.[18]$", f):
            continue
        p = run("groff", "-man", "-k", "-Tutf8", "-ww", "-z", os.path.join(MAN_DIR, f))
        expect(p.returncode == 0 and p.stderr == "", f"{f}: {p.stderr}")


def t_meson_installs_the_pages():
    with tempfile.TemporaryDirectory() as dest:
        p = run("meson", "install", "-C", BUILD_DIR, "--no-rebuild", "--quiet",
                "--tags", "man", "--destdir", dest)
        expect(p.returncode == 0, f"meson install: {p.stderr}")
        installed = sorted(os.path.relpath(os.path.join(d, f), dest)
                           for d, _, fs in os.walk(dest) for f in fs)
        for c in commands():
            section = page_path(c)[-1]
            expect(any(i.endswith(f"/man/man{section}/facteur-{c}.{section}")
                       for i in installed), f"facteur-{c}.{section} not in {installed}")
        expect(any(i.endswith("/man/man1/facteur.1") for i in installed), installed)


for name, fn in [(n[2:], f) for n, f in sorted(globals().items()) if n.startswith("t_")]:
    case(name, fn)

print(f"1..{len(results)}")
for i, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - man/{name}")
    if not ok:
        for line in why.splitlines():
            print(f"# {line}")
sys.exit(0)
