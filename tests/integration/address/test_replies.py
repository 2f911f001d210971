#!/usr/bin/python3
"""Every reply-to-RCPT row of docs/ADDRESS.md, against a scripted SMTP server on loopback.

The table between <!-- replies:begin --> and <!-- replies:end --> is read from the
document: for each row the server answers RCPT for row-N@replies.fct with the row's reply
(and refuses every other address with 550 5.1.1, so the catch-all test stays quiet),
and `facteur address --json` must give the row's verdict and reason. A catch-all domain
and a 554 greeting are checked too. DNS comes from a zone file, the server listens on a
free port of 127.0.0.1 and is stopped at the end. Prints TAP.
Usage: test_replies.py BUILD/facteur [DOCS/ADDRESS.md]"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

FACTEUR = sys.argv[1]
DOC = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "docs", "ADDRESS.md")

ZONE = """$TTL 300
replies.fct.        MX 10 mx.replies.fct.
catchall.fct.       MX 10 mx.replies.fct.
refusing.fct.       MX 10 mx.refusing.fct.
mx.replies.fct.     A 127.0.0.1
mx.refusing.fct.    A 127.0.0.1
"""


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    block = text.split("<!-- replies:begin -->")[1].split("<!-- replies:end -->")[0]
    rows = []
    for line in block.splitlines():
        m = re.match(r"^\| `([^`]+)` \| (\w+) \| (\w+) \|", line)
        if m:
            rows.append(m.groups())
    return rows


class Server:
    """One thread per connection; replies to RCPT come from self.replies by local part."""

    def __init__(self, replies):
        self.replies = replies
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.greeting = "220 mx.replies.fct ESMTP scripted"
        self.lock = threading.Lock()
        self.rcpts = 0
        self.ehlo = []  # the names clients gave in EHLO/HELO
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        f = conn.makefile("rb")
        conn.settimeout(10)
        try:
            conn.sendall((self.greeting + "\r\n").encode())
            if not self.greeting.startswith("220"):
                f.readline()
                return
            for raw in f:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = line[:4].upper()
                if verb in ("EHLO", "HELO"):
                    with self.lock:
                        self.ehlo.append(line[5:].strip())
                    conn.sendall(b"250-mx.replies.fct\r\n250 8BITMIME\r\n")
                elif verb == "MAIL":
                    conn.sendall(b"553 5.1.8 Sender address rejected: domain not found\r\n"
                                 if "refused-sender" in line else b"250 2.1.0 Ok\r\n")
                elif verb == "RCPT":
                    with self.lock:
                        self.rcpts += 1
                    m = re.match(r"RCPT TO:<([^@>]*)@([^>]*)>", line, re.I)
                    local, domain = (m.group(1), m.group(2)) if m else ("", "")
                    if domain == "catchall.fct":
                        reply = "250 2.1.5 Ok"
                    else:
                        reply = self.replies.get(local, "550 5.1.1 User unknown")
                    conn.sendall((reply + "\r\n").encode())
                    if reply.startswith("421"):
                        return
                elif verb == "QUIT":
                    conn.sendall(b"221 2.0.0 Bye\r\n")
                    return
                else:
                    conn.sendall(b"502 5.5.2 Command not recognized\r\n")
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self):
        self.sock.close()


results = []


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


def main():
    rows = read_rows(DOC)
    d = tempfile.mkdtemp(prefix="facteur-replies-")
    zone = os.path.join(d, "replies.zone")
    with open(zone, "w") as f:
        f.write(ZONE)
    replies = {f"row{i}": reply for i, (reply, _, _) in enumerate(rows)}
    server = Server(replies)
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")

    def verify(address):
        p = subprocess.run([FACTEUR, "address", "--json", "--dns-zone", zone, "--smtp-port",
                            str(server.port), "--helo", "probe.facteur.fct", address],
                           capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, json.loads(p.stdout) if p.stdout else {}

    try:
        case("docs/ADDRESS.md has the reply table", lambda: expect(len(rows) >= 30, rows))
        for i, (reply, verdict, reason) in enumerate(rows):
            def row(i=i, reply=reply, verdict=verdict, reason=reason):
                rc, out = verify(f"row{i}@replies.fct")
                expect(out.get("verdict") == verdict and reason in out.get("reasons", []),
                       f"{reply}: got {out.get('verdict')} {out.get('reasons')}")
                expect(rc == (69 if reason == "smtp_unavailable" else 0), f"{reply}: exit {rc}")
                dialogue = json.dumps(out.get("smtp"))
                expect("DATA" not in dialogue, "the probe must never send DATA")
            case(f"{reply} -> {verdict} ({reason})", row)

        def catch_all():
            rc, out = verify("anyone@catchall.fct")
            expect(rc == 0 and out["verdict"] == "risky" and "catch_all" in out["reasons"],
                   f"{rc} {out.get('verdict')} {out.get('reasons')}")
        case("a domain that accepts any address: risky (catch_all)", catch_all)

        def refused_greeting():
            server.greeting = "554 5.7.1 No SMTP service here"
            try:
                rc, out = verify("row0@refusing.fct")
            finally:
                server.greeting = "220 mx.replies.fct ESMTP scripted"
            expect(rc == 69 and out["verdict"] == "unknown"
                   and "smtp_unavailable" in out["reasons"], f"{rc} {out}")
        case("a 554 greeting: unknown (smtp_unavailable), exit 69", refused_greeting)

        def sender_refused():
            p = subprocess.run([FACTEUR, "address", "--json", "--dns-zone", zone,
                                "--smtp-port", str(server.port), "--helo", "probe.facteur.fct",
                                "--mail-from", "refused-sender@probe.facteur.fct",
                                "row0@replies.fct"],
                               capture_output=True, text=True, env=env, timeout=60)
            out = json.loads(p.stdout)
            expect(p.returncode == 0 and out["verdict"] == "unknown"
                   and "sender_rejected" in out["reasons"], f"{p.returncode} {out}")
        case("553 5.1.8 to MAIL FROM: unknown (sender_rejected), the server answered",
             sender_refused)

        def state_file():
            # A state file from another input and a record cut short by a crash are
            # ignored; a complete run recorded there is printed again, not asked again.
            batch = os.path.join(d, "two.txt")
            state = os.path.join(d, "state.jsonl")
            with open(batch, "w") as f:
                f.write("row0@replies.fct\nrow9@replies.fct\n")
            with open(state, "w") as f:
                f.write('{"line": 1, "input": "someone@else.fct", "output": "{}"}\n'
                        '{"line": 2, "input": "row9@replies.fct", "outp')
            argv = [FACTEUR, "address", "--dns-zone", zone, "--smtp-port", str(server.port),
                    "--helo", "probe.facteur.fct", "--batch", batch, "--state", state]
            first = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
            expect(first.returncode == 0, f"exit {first.returncode}: {first.stderr}")
            out = [json.loads(l) for l in first.stdout.splitlines()]
            expect([o["verdict"] for o in out] == [rows[0][1], rows[9][1]], first.stdout)
            with server.lock:
                asked = server.rcpts
            again = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
            with server.lock:
                expect(server.rcpts == asked, "the second run asked the server again")
            expect(again.stdout == first.stdout, "the second run printed other results")
        case("--state: foreign and truncated records ignored, a finished run not asked again",
             state_file)

        def helo_refused():
            for name in ("localhost", "vm", "a..b"):
                p = subprocess.run([FACTEUR, "address", "--dns-zone", zone, "--smtp-port",
                                    str(server.port), "--helo", name, "row0@replies.fct"],
                                   capture_output=True, text=True, env=env, timeout=60)
                expect(p.returncode == 64 and "fully qualified" in p.stderr,
                       f"--helo {name}: {p.returncode} {p.stderr!r}")
        case("--helo that is not a fully qualified name: usage error 64", helo_refused)

        def machine_name():
            # Without --helo, EHLO gives this machine's fully qualified name; a machine
            # whose name is not one is refused before any connection, saying why. The
            # host name is set in a private UTS namespace (needs root).
            def run_as(hostname):
                script = 'hostname "$1" && shift && exec "$@"'
                return subprocess.run(
                    ["unshare", "--uts", "sh", "-c", script, "sh", hostname, FACTEUR,
                     "address", "--dns-zone", zone, "--smtp-port", str(server.port),
                     "row0@replies.fct"], capture_output=True, text=True, env=env,
                    timeout=60)
            with server.lock:
                seen = len(server.ehlo)
            p = run_as("probe.facteur.fct")
            with server.lock:
                names = server.ehlo[seen:]
            expect(p.returncode == 0 and names and set(names) == {"probe.facteur.fct"},
                   f"EHLO {names}: {p.returncode} {p.stderr!r}")
            with server.lock:
                seen = len(server.ehlo)
            p = run_as("vm")
            with server.lock:
                expect(len(server.ehlo) == seen, "a connection without a usable name")
            expect(p.returncode == 64 and "(“vm”) is not a fully qualified domain name"
                   in p.stderr and "--helo" in p.stderr, f"{p.returncode} {p.stderr!r}")
        name = "no --helo: EHLO gives the machine's FQDN; without one, usage error 64 and why"
        if os.geteuid() == 0 and shutil.which("unshare") is not None:
            case(name, machine_name)
        else:
            results.append((True, f"{name} # SKIP needs root and unshare", ""))
    finally:
        server.stop()
        for name in os.listdir(d):
            os.unlink(os.path.join(d, name))
        os.rmdir(d)

    print(f"1..{len(results)}")
    for n, (ok, name, note) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} {name}")
        for line in note.splitlines():
            print(f"#   {line}")
    return 0


sys.exit(main())
