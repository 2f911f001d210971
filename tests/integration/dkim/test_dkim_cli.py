#!/usr/bin/python3
"""`facteur dkim verify|sign|keygen` as a user meets them (DESIGN.md, command-line
contract): exit statuses, JSON, the key file's mode, line endings kept, several
signatures, the --at clock. Offline: keys are generated, DNS comes from a zone file.
Prints TAP. Usage: test_dkim_cli.py BUILD/facteur"""
import json
import os
import stat
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
results = []
MSG = (b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n"
       b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nHello Bob.\r\n")


def run(*args, stdin=None):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
    return subprocess.run([FACTEUR, *args], capture_output=True, input=stdin, env=env,
                          timeout=60)


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


work = tempfile.mkdtemp(prefix="fct-dkim-cli-")
zone = os.path.join(work, "keys.zone")


def path(name):
    return os.path.join(work, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def t_keygen():
    for sel, extra in (("rsa", []), ("ed", ["--algorithm", "ed25519"])):
        p = run("dkim", "keygen", "--domain", "example.com", "--selector", sel, "--out", work,
                *extra)
        expect(p.returncode == 0, f"keygen {sel}: rc {p.returncode} {p.stderr!r}")
        line = p.stdout.decode()
        expect(line.startswith(f"{sel}._domainkey.example.com. IN TXT ("), line)
        with open(zone, "a") as f:
            f.write(line)
        mode = stat.S_IMODE(os.stat(path(f"{sel}.private")).st_mode)
        expect(mode == 0o600, f"key mode {oct(mode)}")
    # A 2048-bit RSA key record is longer than 255 bytes: split into strings.
    with open(zone) as f:
        rsa_line = f.readline()
    expect(rsa_line.count('"') >= 4, "RSA record not split into 255-byte strings")


def t_keygen_creates_folder():
    # The README's command: --out keys/ where keys/ does not exist yet.
    keys = path("new/keys") + "/"
    p = run("dkim", "keygen", "--domain", "example.com", "--selector", "s1", "--out", keys)
    expect(p.returncode == 0, f"rc {p.returncode} {p.stderr!r}")
    mode = stat.S_IMODE(os.stat(keys).st_mode)
    expect(mode == 0o700, f"folder mode {oct(mode)}")
    expect(os.path.exists(os.path.join(keys, "s1.private")), "no key in the new folder")
    # A path under a regular file cannot be a folder: bad input, one sentence.
    p = run("dkim", "keygen", "--domain", "example.com", "--selector", "s1", "--out",
            os.path.join(zone, "sub"))
    expect(p.returncode == 65 and p.stderr.count(b"\n") == 1, f"rc {p.returncode} {p.stderr!r}")


def t_keygen_refuses():
    p = run("dkim", "keygen", "--domain", "example.com", "--selector", "rsa", "--out", work)
    expect(p.returncode == 65, f"overwrite: rc {p.returncode}")
    p = run("dkim", "keygen", "--domain", "example.com", "--selector", "x", "--bits", "512",
            "--out", work)
    expect(p.returncode == 64, f"512 bits: rc {p.returncode}")
    p = run("dkim", "keygen", "--json", "--domain", "example.com", "--selector", "weak",
            "--bits", "1024", "--out", work)
    expect(p.returncode == 0, f"1024 bits: rc {p.returncode}")
    doc = json.loads(p.stdout)
    expect(len(doc["warnings"]) == 1 and doc["record"].startswith("v=DKIM1; k=rsa; p="), doc)


def t_sign_verify_crlf():
    src = write("crlf.eml", MSG)
    p = run("dkim", "sign", "--domain", "example.com", "--selector", "rsa", "--key",
            path("rsa.private"), "--selector", "ed", "--key", path("ed.private"), src)
    expect(p.returncode == 0, p.stderr)
    out = p.stdout
    expect(out.endswith(MSG), "the message is not copied unchanged after the fields")
    expect(out.count(b"DKIM-Signature:") == 2, "two signatures expected")
    expect(b"\n" not in out.replace(b"\r\n", b""), "bare LF in CRLF output")
    signed = write("crlf.signed", out)
    p = run("dkim", "verify", "--json", "--dns-zone", zone, signed)
    expect(p.returncode == 0, p.stderr)
    doc = json.loads(p.stdout)
    algs = sorted(s["algorithm"] for s in doc["signatures"])
    expect(doc["result"] == "pass" and algs == ["ed25519-sha256", "rsa-sha256"], doc)
    expect(all(s["result"] == "pass" for s in doc["signatures"]), doc)


def t_sign_lf_stdin():
    lf = MSG.replace(b"\r\n", b"\n")
    p = run("dkim", "sign", "--domain", "example.com", "--selector", "rsa", "--key",
            path("rsa.private"), "-", stdin=lf)
    expect(p.returncode == 0, p.stderr)
    expect(b"\r" not in p.stdout, "LF input signed with CRLF")
    p = run("dkim", "verify", "--dns-zone", zone, "-", stdin=p.stdout)
    expect(p.returncode == 0 and p.stdout.startswith(b"dkim=pass"), p.stdout)


def t_mbox_from_line_first():
    mbox = b"From alice@example.com Mon Jan  1 00:00:00 2024\n" + MSG.replace(b"\r\n", b"\n")
    p = run("dkim", "sign", "--domain", "example.com", "--selector", "ed", "--key",
            path("ed.private"), write("m.mbox", mbox))
    expect(p.returncode == 0, p.stderr)
    expect(p.stdout.startswith(b"From alice@example.com "), p.stdout[:60])
    expect(p.stdout.split(b"\n")[1].startswith(b"DKIM-Signature:"), p.stdout[:120])


def t_tampered_and_clock():
    p = run("dkim", "sign", "--domain", "example.com", "--selector", "rsa", "--key",
            path("rsa.private"), "--timestamp", "1700000000", "--expire", "3600",
            path("crlf.eml"))
    expect(p.returncode == 0, p.stderr)
    signed = write("x.signed", p.stdout)
    p = run("dkim", "verify", "--json", "--at", "1700000100", "--dns-zone", zone, signed)
    expect(json.loads(p.stdout)["signatures"][0]["result"] == "pass", p.stdout)
    p = run("dkim", "verify", "--json", "--at", "1700003601", "--dns-zone", zone, signed)
    sig = json.loads(p.stdout)["signatures"][0]
    expect(sig["result"] == "permerror" and "expired" in sig["reason"], sig)
    tampered = write("t.signed", open(signed, "rb").read().replace(b"Hello Bob", b"Hello Rob"))
    p = run("dkim", "verify", "--json", "--at", "1700000100", "--dns-zone", zone, tampered)
    expect(p.returncode == 0, "a failed verdict is not an error")
    expect(json.loads(p.stdout)["signatures"][0]["result"] == "fail", p.stdout)


def t_unsigned_and_unavailable():
    p = run("dkim", "verify", "--json", "--dns-zone", zone, path("crlf.eml"))
    doc = json.loads(p.stdout)
    expect(p.returncode == 0 and doc["result"] == "none" and doc["signatures"] == [], doc)
    with open(path("slow.zone"), "w") as f:
        f.write("rsa._domainkey.example.com. TIMEOUT\n")
    p = run("dkim", "verify", "--json", "--dns-zone", path("slow.zone"), path("crlf.signed"))
    expect(p.returncode == 69, f"temperror: rc {p.returncode}")


def t_usage_and_input_errors():
    expect(run("dkim").returncode == 64, "no subcommand")
    expect(run("dkim", "frobnicate").returncode == 64, "unknown subcommand")
    expect(run("dkim", "verify").returncode == 64, "no file")
    expect(run("dkim", "sign", "--domain", "example.com", path("crlf.eml")).returncode == 64,
           "no key")
    p = run("dkim", "sign", "--domain", "example.com", "--selector", "rsa", "--key",
            path("rsa.private"), "--algorithm", "ed25519-sha256", path("crlf.eml"))
    expect(p.returncode == 64, f"key/algorithm mismatch: rc {p.returncode}")
    expect(run("dkim", "verify", path("missing.eml")).returncode == 65, "missing file")
    nofrom = write("nofrom.eml", b"To: x@example.net\r\n\r\nbody\r\n")
    p = run("dkim", "sign", "--domain", "example.com", "--selector", "rsa", "--key",
            path("rsa.private"), nofrom)
    expect(p.returncode == 65, f"no From: rc {p.returncode}")
    p = run("dkim", "sign", "--domain", "example.com", "--selector", "rsa", "--key",
            path("crlf.eml"), path("crlf.eml"))
    expect(p.returncode == 65, f"not a key: rc {p.returncode}")


case("keygen writes 0600 keys and prints split records", t_keygen)
case("keygen refuses to overwrite and bad sizes, warns under 2048", t_keygen_refuses)
case("keygen creates the --out folder (mode 0700), 65 when it cannot", t_keygen_creates_folder)
case("sign with RSA and Ed25519, verify both (CRLF kept)", t_sign_verify_crlf)
case("sign LF input from stdin: LF output that verifies", t_sign_lf_stdin)
case("an mbox From line stays first", t_mbox_from_line_first)
case("x= against --at, and a tampered body fails with status 0", t_tampered_and_clock)
case("unsigned message: none; unreachable key: status 69", t_unsigned_and_unavailable)
case("usage errors 64, bad input 65", t_usage_and_input_errors)

print(f"1..{len(results)}")
for n, (ok, name, detail) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if detail:
        print("# " + detail.replace("\n", "\n# "))
subprocess.run(["rm", "-rf", work])
