#!/usr/bin/python3
"""The command-line contract of DESIGN.md, as a user meets it: exit statuses, usage
errors, JSON output, --lang. Prints TAP. Usage: test_cli.py BUILD/facteur"""
import json
import os
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
ZONE = os.path.join(ROOT, "examples", "example.zone")
results = []


def run(*args, env_extra=None, stdin=None):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
    env.pop("LANG", None)
    if env_extra:
        env.update(env_extra)
    return subprocess.run([FACTEUR, *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=60)


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


def t_version():
    p = run("--version")
    expect(p.returncode == 0, f"rc {p.returncode}")
    expect(p.stdout.startswith("facteur "), p.stdout)


def t_help_lists_commands():
    p = run("--help")
    expect(p.returncode == 0, f"rc {p.returncode}")
    expect("dns" in p.stdout and "Usage" in p.stdout, p.stdout)


def t_no_command_is_usage_error():
    p = run()
    expect(p.returncode == 64, f"rc {p.returncode}")
    expect("Usage" in p.stderr, p.stderr)


def t_unknown_command():
    p = run("frobnicate")
    expect(p.returncode == 64, f"rc {p.returncode}")
    expect("frobnicate" in p.stderr and "Usage" in p.stderr, p.stderr)


def t_unknown_flag_gives_usage():
    p = run("dns", "--no-such-flag", "example.test", "MX", "--dns-zone", ZONE)
    expect(p.returncode == 64, f"rc {p.returncode}")
    expect("--no-such-flag" in p.stderr, p.stderr)
    expect("Usage" in p.stderr or "dns NAME TYPE" in p.stderr, "no usage shown: " + p.stderr)


def t_missing_zone_file_is_bad_input():
    p = run("dns", "example.test", "MX", "--dns-zone", "/nonexistent/zone.txt")
    expect(p.returncode == 65, f"rc {p.returncode}")
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    expect(len(lines) == 1, f"expected one sentence, got: {p.stderr!r}")
    expect("/nonexistent/zone.txt" in lines[0], lines[0])
    expect(p.stdout == "", p.stdout)


def t_every_message_command_missing_file_is_bad_input():
    for args in (["check", "/nonexistent/m.eml", "--ip", "192.0.2.1"],
                 ["dmarc", "/nonexistent/m.eml", "--ip", "192.0.2.1"],
                 ["dkim", "verify", "/nonexistent/m.eml"],
                 ["arc", "verify", "/nonexistent/m.eml"],
                 ["domain", "--batch", "/nonexistent/m.eml"],
                 ["address", "--batch", "/nonexistent/m.eml"]):
        p = run(*args, "--dns-zone", ZONE)
        expect(p.returncode == 65, f"{args}: rc {p.returncode}")
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        expect(len(lines) == 1 and "/nonexistent/m.eml" in lines[0],
               f"{args}: expected one sentence naming the file, got {p.stderr!r}")


def t_not_a_message_is_bad_input():
    p = run("check", "-", "--ip", "192.0.2.1", "--dns-zone", ZONE, stdin="garbage\x01 no header\n")
    expect(p.returncode == 65, f"rc {p.returncode}")
    expect("standard input" in p.stderr, p.stderr)


def t_unknown_flag_on_every_command():
    for cmd in (["check"], ["dmarc"], ["spf"], ["domain"], ["address"], ["dkim", "verify"],
                ["arc", "verify"]):
        p = run(*cmd, "--no-such-flag")
        expect(p.returncode == 64, f"{cmd}: rc {p.returncode}")
        expect("Usage" in p.stderr, f"{cmd}: no usage: {p.stderr!r}")


def t_bad_zone_syntax_is_bad_input():
    with tempfile.NamedTemporaryFile("w", suffix=".zone", delete=False) as f:
        f.write("example.test. 300 IN A 300.1.2.3\n")
    try:
        p = run("dns", "example.test", "A", "--dns-zone", f.name)
        expect(p.returncode == 65, f"rc {p.returncode}")
        expect(":1:" in p.stderr, "error should give the line: " + p.stderr)
    finally:
        os.unlink(f.name)


def t_unknown_type():
    p = run("dns", "example.test", "BOGUS", "--dns-zone", ZONE)
    expect(p.returncode == 64, f"rc {p.returncode}")
    expect("BOGUS" in p.stderr, p.stderr)


def t_zone_and_server_exclusive():
    p = run("dns", "example.test", "MX", "--dns-zone", ZONE, "--dns-server", "127.0.0.1")
    expect(p.returncode == 64, f"rc {p.returncode}")


def t_bad_lang():
    p = run("dns", "example.test", "MX", "--dns-zone", ZONE, "--lang", "de")
    expect(p.returncode == 64, f"rc {p.returncode}")


def t_json_mx():
    p = run("dns", "example.test", "MX", "--dns-zone", ZONE, "--json")
    expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
    doc = json.loads(p.stdout)
    expect(doc["rcode"] == "NOERROR", doc)
    expect(doc["type"] == "MX", doc)
    expect(len(doc["records"]) >= 1, doc)
    expect(all(r["type"] == "MX" for r in doc["records"]), doc)


def t_json_nxdomain_is_an_answer():
    p = run("dns", "no-such-name.example.test", "A", "--dns-zone", ZONE, "--json")
    expect(p.returncode == 0, f"rc {p.returncode}")
    expect(json.loads(p.stdout)["rcode"] == "NXDOMAIN", p.stdout)


def t_text_output():
    p = run("dns", "example.test", "TXT", "--dns-zone", ZONE)
    expect(p.returncode == 0, f"rc {p.returncode}")
    expect("v=spf1" in p.stdout, p.stdout)


def t_french():
    p = run("dns", "--lang", "fr", "example.test", "BOGUS", "--dns-zone", ZONE)
    expect(p.returncode == 64, f"rc {p.returncode}")
    expect("inconnu" in p.stderr, "not French: " + p.stderr)


def t_french_from_locale():
    p = run("--help", env_extra={"LANGUAGE": "fr", "LC_ALL": "C.UTF-8"})
    expect("Commandes" in p.stdout, "not French: " + p.stdout)


def t_dmarc_refuse_partial_body():
    """RFC 6376 §8.2: with --dkim-refuse-partial-body, a signature whose l= leaves a link
    unsigned is policy and cannot make DMARC pass; by default it still passes."""
    data = os.path.join(ROOT, "tests", "unit", "check", "data")
    with tempfile.TemporaryDirectory() as tmp:
        zone = os.path.join(tmp, "l.zone")
        with open(os.path.join(data, "keys.zone")) as keys, open(zone, "w") as f:
            f.write('_dmarc.example.com. TXT "v=DMARC1; p=reject"\n' + keys.read())
        for opt, dmarc, dkim in (([], "pass", "pass"),
                                 (["--dkim-refuse-partial-body"], "fail", "policy")):
            p = run("dmarc", os.path.join(data, "signed-l-link.eml"), "--ip", "198.51.100.7",
                    "--dns-zone", zone, "--json", *opt)
            expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
            doc = json.loads(p.stdout)
            expect(doc["result"] == dmarc and doc["dkim"][0]["result"] == dkim, p.stdout)
        # A signature without l= is not touched by the option.
        p = run("dmarc", os.path.join(data, "signed.eml"), "--ip", "198.51.100.7",
                "--dns-zone", zone, "--json", "--dkim-refuse-partial-body")
        expect(json.loads(p.stdout)["result"] == "pass", p.stdout)


for name, fn in [(n[2:], f) for n, f in sorted(globals().items()) if n.startswith("t_")]:
    case(name, fn)

print(f"1..{len(results)}")
for i, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - cli/{name}")
    if not ok:
        for line in why.splitlines():
            print(f"# {line}")
sys.exit(0)
