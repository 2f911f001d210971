#!/usr/bin/python3
"""STARTTLS of facteur serve and its key holder (docs/SERVE.md, "STARTTLS and the
private key"): handshakes with RSA and ECDSA certificates under TLS 1.2 and 1.3
(Python's ssl and openssl s_client, PKCS #1 v1.5 and PSS signatures), RSA key exchange
refused; the process that parses SMTP holds no private key (its memory is searched for
the key's secret numbers, found in the key holder's), has no key file open, and the key
holder is its only child; a stalled or broken handshake, or a dead key holder, costs one
connection and not the server. Prints TAP. Usage: test_serve_tls.py BUILD/facteur"""
import os
import pwd
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
from serve_helper import Server, tap  # noqa: E402

FACTEUR = sys.argv[1]
results = []


def case(name, fn):
    try:
        skip = fn()
        results.append((True, name + (f" {skip}" if skip else ""), ""))
    except Exception as e:  # a failing case is reported, the others still run
        results.append((False, name, f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))


def make_cert(d, kind):
    cert, key = os.path.join(d, f"{kind}.pem"), os.path.join(d, f"{kind}.key")
    newkey = (["-newkey", "rsa:2048"] if kind == "rsa" else
              ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
    subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-days", "2", "-subj",
                    "/CN=mx.tester.example", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    os.chmod(key, 0o600)
    return cert, key


def secrets(key):
    """The key's secret numbers as they can sit in memory: big-endian, and little-endian
    as OpenSSL's BIGNUM words hold them on this machine."""
    text = subprocess.run(["openssl", "pkey", "-in", key, "-text", "-noout"],
                          check=True, capture_output=True, text=True, timeout=30).stdout
    found = []
    for name in ("prime1", "prime2", "privateExponent", "priv"):
        m = re.search(rf"^{name}:\s*\n((?:\s+[0-9a-f:]+\n)+)", text, re.M)
        if m:
            value = bytes.fromhex(re.sub(r"[\s:]", "", m.group(1))).lstrip(b"\0")
            found += [value, value[::-1]]
    assert len(found) >= 2, text
    return found


def memory_holds(pid, needles):
    """Which needles appear in the writable memory of pid (heap, stacks, anonymous), read
    in pieces that overlap by a needle's length; mappings over 1 GiB are reservations
    (a sanitizer's shadow), not a heap, and are left out."""
    hits = set()
    step, overlap = 16 << 20, max(len(n) for n in needles)
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("rw") or line.rstrip().endswith("[vvar]"):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if end - start > 1 << 30:
                continue
            for at in range(start, end, step):
                try:
                    mem.seek(at)
                    chunk = mem.read(min(step + overlap, end - at))
                except OSError:
                    continue
                hits.update(i for i, n in enumerate(needles) if n in chunk)
    return hits


def smtp_tls(s, cafile, version):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    ctx.minimum_version = ctx.maximum_version = version
    with smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=20) as c:
        c.ehlo("client.example")
        assert c.has_extn("starttls")
        c.starttls(context=ctx)
        got = c.sock.version()
        c.ehlo("client.example")
        assert not c.has_extn("starttls")
        code, _ = c.noop()
        assert code == 250, code
    return got


def s_client(s, *args):
    p = subprocess.run(["openssl", "s_client", "-starttls", "smtp", "-connect",
                        f"127.0.0.1:{s.smtp_port}", *args], input="QUIT\n",
                       capture_output=True, text=True, timeout=30)
    return p.stdout + p.stderr


def children(pid):
    return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]


def main():
    tmp = tempfile.mkdtemp(prefix="fct-serve-tls-")
    servers = []

    def server(name, cert, key, extra=()):
        s = Server(FACTEUR, os.path.join(tmp, name), ["--tls-cert", cert, "--tls-key", key,
                                                     *extra])
        servers.append(s)
        return s.start()

    try:
        certs = {kind: make_cert(tmp, kind) for kind in ("rsa", "ecdsa")}
        running = {kind: server(kind, *certs[kind]) for kind in certs}

        def handshakes(kind):
            s, (cert, _) = running[kind], certs[kind]
            for version, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
                                  (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
                got = smtp_tls(s, cert, version)
                assert got == name, (got, name)
            sigs = ["RSA+SHA256", "RSA-PSS+SHA256"] if kind == "rsa" else ["ECDSA+SHA256"]
            for sig in sigs:
                out = s_client(s, "-tls1_2", "-sigalgs", sig, "-CAfile", cert)
                assert "Verify return code: 0 (ok)" in out, out
                want = {"RSA+SHA256": "RSA", "RSA-PSS+SHA256": "RSA-PSS"}.get(sig, "ECDSA")
                assert f"Peer signature type: {want}\n" in out, out
            out = s_client(s, "-tls1_3", "-CAfile", cert)
            assert "Verify return code: 0 (ok)" in out and "TLSv1.3" in out, out

        def rsa_key_exchange_refused():
            s, (cert, _) = running["rsa"], certs["rsa"]
            out = s_client(s, "-tls1_2", "-cipher", "AES128-GCM-SHA256", "-CAfile", cert)
            assert "handshake failure" in out and "Cipher is (NONE)" in out, out
            assert smtp_tls(s, cert, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"

        def no_key_in_server(kind):
            s, (cert, key) = running[kind], certs[kind]
            smtp_tls(s, cert, ssl.TLSVersion.TLSv1_3)  # the key has been used
            pid = s.proc.pid
            holders = children(pid)
            assert len(holders) == 1, f"children of the server: {holders}"
            needles = secrets(key)
            assert memory_holds(holders[0], needles), \
                "the key holder's memory does not show the key: the search is blind"
            hits = memory_holds(pid, needles)
            assert not hits, f"the serving process holds the private key ({sorted(hits)})"
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                assert target != os.path.realpath(key), f"the server holds {target} open"

        def bad_handshakes():
            s = server("stall", *certs["ecdsa"], ["--smtp-timeout", "2"])
            c = socket.create_connection(("127.0.0.1", s.smtp_port), timeout=10)
            assert c.recv(200).startswith(b"220 ")
            c.sendall(b"EHLO client.example\r\n")
            time.sleep(0.3)
            c.recv(1000)
            c.sendall(b"STARTTLS\r\n")
            assert c.recv(200).startswith(b"220 ")
            start = time.monotonic()
            said = c.recv(200)  # no ClientHello: the server closes at the timeout
            elapsed = time.monotonic() - start
            assert said == b"" and 1.5 < elapsed < 15, (said, elapsed)
            c.close()
            c = socket.create_connection(("127.0.0.1", s.smtp_port), timeout=10)
            c.recv(200)
            c.sendall(b"EHLO client.example\r\nSTARTTLS\r\n")
            time.sleep(0.3)
            c.recv(1000)
            c.sendall(b"\x16\x03\x01\x00\x05hello not a ClientHello" * 4)
            rest = b""
            while True:
                chunk = c.recv(200)
                if not chunk:
                    break
                rest += chunk
            assert rest[:1] == b"\x15", rest  # a TLS alert, then the close
            c.close()
            assert smtp_tls(s, certs["ecdsa"][0], ssl.TLSVersion.TLSv1_3) == "TLSv1.3"

        def dead_key_holder():
            s = server("dead", *certs["rsa"])
            (holder,) = children(s.proc.pid)
            os.kill(holder, 9)
            time.sleep(0.3)
            try:
                smtp_tls(s, certs["rsa"][0], ssl.TLSVersion.TLSv1_3)
                raise AssertionError("a handshake succeeded without the key holder")
            except (ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionError):
                pass
            assert s.proc.poll() is None, "the server exited with its key holder"
            with smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=20) as c:
                assert c.ehlo("client.example")[0] == 250

        def unprivileged():
            # Started as root with --user: the ports are bound, the key holder forked
            # (it stays root and reads the 0600 key), then the server becomes nobody,
            # which cannot read the key file.
            if os.geteuid() != 0:
                return "# SKIP not root"
            os.chmod(tmp, 0o755)
            os.makedirs(os.path.join(tmp, "user"))
            shutil.chown(os.path.join(tmp, "user"), "nobody")
            cert, key = certs["rsa"]
            s = server("user", cert, key, ["--user", "nobody"])
            nobody = pwd.getpwnam("nobody").pw_uid
            status = open(f"/proc/{s.proc.pid}/status").read()
            uids = re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()
            assert all(int(u) == nobody for u in uids), uids
            (holder,) = children(s.proc.pid)
            status = open(f"/proc/{holder}/status").read()
            assert re.search(r"^Uid:\s+0\s", status, re.M), status
            p = subprocess.run(["runuser", "-u", "nobody", "--", "cat", key],
                               capture_output=True, timeout=30)
            assert p.returncode != 0 and b"PRIVATE" not in p.stdout, p
            assert smtp_tls(s, cert, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
            assert smtp_tls(s, cert, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
            t = s.new_test()  # the store and the spool are the user's
            with smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=20) as c:
                c.sendmail("a@maison-dupont.example", [t["address"]],
                           b"Subject: as nobody\r\n\r\nhello\r\n")
            s.wait_report(t["token"])

        def key_errors():
            # A key that is not the certificate's, unreadable, or encrypted (never asked
            # for on the terminal): said at start, exit 65.
            encrypted = os.path.join(tmp, "encrypted.key")
            subprocess.run(["openssl", "pkey", "-in", certs["rsa"][1], "-aes256", "-passout",
                            "pass:secret", "-out", encrypted], check=True, timeout=30)
            for cert, key, said in ((certs["ecdsa"][0], certs["rsa"][1], "not the certificate"),
                                    (certs["rsa"][0], os.path.join(tmp, "none.key"),
                                     "not a readable PEM private key"),
                                    (certs["rsa"][0], encrypted,
                                     "not a readable PEM private key")):
                s = Server(FACTEUR, os.path.join(tmp, "bad"), ["--tls-cert", cert,
                                                               "--tls-key", key])
                r = subprocess.run(s.args(), capture_output=True, text=True, timeout=30)
                assert r.returncode == 65 and said in r.stderr, r

        for kind in ("rsa", "ecdsa"):
            case(f"{kind.upper()} certificate: STARTTLS under TLS 1.2 and 1.3 (smtplib, "
                 "openssl s_client; PKCS #1 v1.5, PSS, ECDSA signatures)",
                 lambda kind=kind: handshakes(kind))
        case("TLS 1.2 RSA key exchange is refused; ECDHE is taken",
             rsa_key_exchange_refused)
        for kind in ("rsa", "ecdsa"):
            case(f"{kind.upper()}: the serving process holds no private key and no key "
                 "file; the key holder, its only child, does",
                 lambda kind=kind: no_key_in_server(kind))
        case("a stalled handshake is closed at the timeout; garbage gets an alert; the "
             "next client is served", bad_handshakes)
        case("--user: the server runs as nobody, which cannot read the key file; the key "
             "holder stays root; STARTTLS and a message still work", unprivileged)
        case("a dead key holder fails the handshake, not the server", dead_key_holder)
        case("a key that is not the certificate's, unreadable or encrypted exits 65 with "
             "the reason",
             key_errors)
    except Exception as e:
        results.append((False, "servers start", f"{type(e).__name__}: {e}"))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    tap(results)
    return 0


sys.exit(main())
