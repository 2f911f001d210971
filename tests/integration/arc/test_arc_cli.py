#!/usr/bin/python3
"""facteur arc verify|seal from the outside: JSON shape (DESIGN.md: cv, instances,
reason), exit statuses (0 ran, 64 usage, 65 bad input), output in the input's line
endings, a sealed message that validates, and a ValiMail suite message read from
FCT_CONFORMANCE_DIR with its key served by --dns-zone.

Prints TAP. Usage: test_arc_cli.py BUILD/facteur"""
import json
import os
import subprocess
import sys
import tempfile

import yaml

FACTEUR = sys.argv[1]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
SUITE = os.path.join(os.environ.get("FCT_CONFORMANCE_DIR", os.path.join(ROOT, "tests", "data")),
                     "arc")
results = []


def check(ok, name, detail=""):
    results.append((bool(ok), name, detail))


def run(*args, stdin=None):
    return subprocess.run([FACTEUR, *args], input=stdin, capture_output=True)


def main():
    scenarios = list(yaml.safe_load_all(open(os.path.join(SUITE,
                                                          "arc-draft-sign-tests.yml"))))
    scenario = next(s for s in scenarios if "i1_base" in s["tests"])
    with tempfile.TemporaryDirectory() as tmp:
        zone = os.path.join(tmp, "keys.zone")
        with open(zone, "w") as f:
            for name, value in scenario["txt-records"].items():
                text = "".join(value.split())
                f.write(f"{name}. 300 IN TXT " + " ".join(
                    f'"{text[i:i + 250]}"' for i in range(0, len(text), 250)) + "\n")
        key = os.path.join(tmp, "key.pem")
        with open(key, "w") as f:
            f.write(scenario["privatekey"])
        # i1_base carries one valid set; written with LF line ends, as in the suite.
        msg = os.path.join(tmp, "i1.eml")
        with open(msg, "w") as f:
            f.write(scenario["tests"]["i1_base"]["message"])

        p = run("arc", "verify", "--json", "--dns-zone", zone, msg)
        out = json.loads(p.stdout) if p.returncode == 0 else {}
        check(p.returncode == 0 and out.get("cv") == "pass" and out.get("instances") == 1
              and isinstance(out.get("reason"), str) and len(out.get("sets", [])) == 1,
              "verify --json: one passing set", p.stdout.decode() + p.stderr.decode())

        p = run("arc", "verify", "--dns-zone", zone, msg)
        check(p.returncode == 0 and p.stdout.startswith(b"arc=pass"), "verify: text output",
              p.stdout.decode())

        p = run("arc", "seal", "--dns-zone", zone, "--domain", "example.org", "--selector",
                "dummy", "--key", key, "--authserv-id", "lists.example.org",
                "--timestamp", "12346", "--ip", "192.0.2.1", msg)
        sealed = p.stdout
        check(p.returncode == 0 and sealed.startswith(b"ARC-Seal: ")
              and b"\r" not in sealed and b"cv=pass" in sealed and b"i=2" in sealed,
              "seal: new set i=2 cv=pass, LF kept", p.stderr.decode())
        out2 = os.path.join(tmp, "i2.eml")
        with open(out2, "wb") as f:
            f.write(sealed)
        p = run("arc", "verify", "--json", "--dns-zone", zone, out2)
        out = json.loads(p.stdout) if p.returncode == 0 else {}
        check(out.get("cv") == "pass" and out.get("instances") == 2,
              "the sealed message validates", p.stdout.decode())

        p = run("arc", "seal", "--json", "--dns-zone", zone, "--domain", "example.org",
                "--selector", "dummy", "--key", key, "--authserv-id", "lists.example.org",
                "--results", "arc=pass", "-", stdin=sealed.replace(b"\n", b"\r\n"))
        out = json.loads(p.stdout) if p.returncode == 0 else {}
        check(out.get("sealed") is True and out.get("instance") == 3
              and out.get("arc_seal", "").endswith("\r\n"),
              "seal --json from standard input (CRLF)", p.stdout.decode())

        # The key's server fails: the verdict is fail (RFC 8617 §5.2.1) but the exit
        # status says DNS was unavailable, and nothing is sealed over it.
        down = os.path.join(tmp, "down.zone")
        with open(down, "w") as f:
            f.write("dummy._domainkey.example.org. SERVFAIL\n")
        p = run("arc", "verify", "--json", "--dns-zone", down, msg)
        out = json.loads(p.stdout) if p.stdout else {}
        check(p.returncode == 69 and out.get("cv") == "fail" and out.get("temporary") is True,
              "verify: key server failing exits 69 with cv=fail", p.stdout.decode())
        p = run("arc", "seal", "--dns-zone", down, "--domain", "example.org", "--selector",
                "dummy", "--key", key, "--authserv-id", "lists.example.org", "--ip",
                "192.0.2.1", msg)
        check(p.returncode == 69 and p.stdout == b"", "seal: key server failing exits 69, "
              "no output", p.stderr.decode())

        bad = os.path.join(tmp, "bad.eml")
        with open(bad, "w") as f:
            f.write("\nno header at all\n")
        p = run("arc", "verify", "--dns-zone", zone, bad)
        check(p.returncode == 65, "verify: not a message exits 65", str(p.returncode))
        p = run("arc", "verify", "--dns-zone", zone)
        check(p.returncode == 64, "verify: no file exits 64", str(p.returncode))
        p = run("arc", "seal", "--dns-zone", zone, "--domain", "example.org", "--selector",
                "dummy", "--key", key, "--ip", "192.0.2.1", msg)
        check(p.returncode == 64, "seal: no --authserv-id exits 64", str(p.returncode))

        # The review's attack: an A-R prepended upstream under the sealer's authserv-id.
        # Without the session (--ip) or --results there is nothing it computed: exit 64.
        forged_path = os.path.join(tmp, "forged.eml")
        with open(forged_path, "wb") as f:
            f.write(b"Authentication-Results: lists.example.org; dmarc=pass "
                    b"header.from=bank.example\n"
                    + scenario["tests"]["i1_base"]["message"].encode())
        p = run("arc", "seal", "--dns-zone", zone, "--domain", "example.org", "--selector",
                "dummy", "--key", key, "--authserv-id", "lists.example.org", forged_path)
        check(p.returncode == 64 and p.stdout == b"" and b"--ip" in p.stderr
              and b"--results" in p.stderr,
              "seal: neither --ip nor --results exits 64 and says what to give",
              p.stderr.decode())
        p = run("arc", "seal", "--dns-zone", zone, "--domain", "example.org", "--selector",
                "dummy", "--key", key, "--authserv-id", "lists.example.org", "--ip",
                "192.0.2.1", "--results", "arc=pass", forged_path)
        check(p.returncode == 64, "seal: --ip and --results together exit 64",
              p.stderr.decode())
        # With the session, the AAR holds what facteur computed (the chain passes; the
        # forged dmarc=pass is not copied) and the forged field is gone from the output.
        p = run("arc", "seal", "--dns-zone", zone, "--domain", "example.org", "--selector",
                "dummy", "--key", key, "--authserv-id", "lists.example.org", "--ip",
                "192.0.2.1", "--timestamp", "12346", forged_path)
        out = p.stdout.decode(errors="replace")
        aar = out.split("ARC-Authentication-Results: i=2;", 1)[-1].split("\nMIME-Version", 1)[0]
        check(p.returncode == 0 and "arc=pass" in aar and "dmarc=pass" not in aar
              and "header.from=bank.example" not in out
              and "\nAuthentication-Results: lists.example.org" not in out
              and not out.startswith("Authentication-Results"),
              "seal: a forged A-R of its authserv-id is neither sealed nor kept", out)
        other_path = os.path.join(tmp, "other.eml")
        with open(other_path, "wb") as f:
            f.write(b"Authentication-Results: mx.elsewhere.example; spf=pass "
                    b"smtp.mailfrom=a.example\n"
                    + scenario["tests"]["i1_base"]["message"].encode())
        p = run("arc", "seal", "--dns-zone", zone, "--domain", "example.org", "--selector",
                "dummy", "--key", key, "--authserv-id", "lists.example.org", "--ip",
                "192.0.2.1", other_path)
        check(p.returncode == 0
              and b"Authentication-Results: mx.elsewhere.example; spf=pass" in p.stdout,
              "seal: another server's A-R is kept as it was", p.stderr.decode())
        p = run("arc", "seal", "--dns-zone", zone, "--domain", "example.org", "--selector",
                "dummy", "--key", key, "--authserv-id", "x.example", "--headers",
                "from:arc-seal", msg)
        check(p.returncode == 64, "seal: an ARC field in --headers exits 64",
              str(p.returncode))
        p = run("arc", "frobnicate")
        check(p.returncode == 64, "unknown subcommand exits 64", str(p.returncode))
        p = run("arc", "verify", "--lang", "fr", "--dns-zone", zone, msg)
        check(p.returncode == 0 and p.stdout.startswith(b"arc=pass"), "verify --lang fr",
              p.stderr.decode())

    print(f"1..{len(results)}")
    for n, (ok, name, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} - {name}")
        if not ok:
            for line in detail.splitlines():
                print(f"# {line}")
    return 0 if all(ok for ok, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
