#!/usr/bin/python3
"""facteur address against a real Postfix on loopback (issue 8, "Done when").

Starts Postfix from a private configuration directory in a temporary folder (its own
queue_directory and data_directory, smtpd on 127.0.0.1 at a free non-25 port, STARTTLS
with a throw-away self-signed certificate), with virtual mailbox domains: exists.fct
(alice exists, bob does not, grey answers 450 through check_recipient_access) and
catchall.fct (an @catchall.fct catch-all entry). DNS comes from a zone file pointing
the MX records at 127.0.0.1; closed.fct's MX points at 127.0.0.2, where nothing
listens. Postfix is stopped at the end even when a case fails. Prints TAP.
Usage: test_address.py BUILD/facteur. Postfix must run as root (it drops privileges to
the postfix user itself); without root the cases are reported as skipped, with why."""
import json
import os
import pty
import pwd
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

FACTEUR = sys.argv[1]
results = []

ZONE = """$TTL 300
exists.fct.      MX 10 mx.facteur.test.
catchall.fct.    MX 10 mx.facteur.test.
mx.facteur.test.  A  127.0.0.1
closed.fct.      MX 10 mx.closed.fct.
mx.closed.fct.   A  127.0.0.2
"""

MASTER_CF = """{listen} inet n - n - - smtpd
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
virtual   unix  - n n -    - virtual
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def configure(d, port):
    for sub in ("queue", "data", "mail"):
        os.mkdir(os.path.join(d, sub))
    shutil.chown(os.path.join(d, "data"), "postfix")  # master.lock is created there
    shutil.chown(os.path.join(d, "mail"), "postfix")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=mx.facteur.test", "-keyout", f"{d}/key.pem",
                    "-out", f"{d}/cert.pem"], check=True, capture_output=True, timeout=60)
    write(f"{d}/main.cf", f"""compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.facteur.test
mydomain = facteur.test
myorigin = facteur.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
relay_domains =
virtual_mailbox_domains = exists.fct, catchall.fct
virtual_mailbox_maps = texthash:{d}/vmailbox
virtual_mailbox_base = {d}/mail
virtual_uid_maps = static:{pwd.getpwnam('postfix').pw_uid}
virtual_gid_maps = static:{pwd.getpwnam('postfix').pw_gid}
smtpd_recipient_restrictions = check_recipient_access texthash:{d}/access, reject_unauth_destination
smtpd_tls_security_level = may
smtpd_tls_cert_file = {d}/cert.pem
smtpd_tls_key_file = {d}/key.pem
smtpd_banner = $myhostname ESMTP facteur-test
maillog_file_prefixes = {d}
maillog_file = {d}/maillog
""")
    write(f"{d}/vmailbox", "alice@exists.fct exists.fct/alice/\n"
                           "grey@exists.fct exists.fct/grey/\n"
                           "@catchall.fct catchall.fct/all/\n")
    write(f"{d}/access", "grey@exists.fct 450 4.2.0 Greylisted, try again later\n")
    write(f"{d}/master.cf", MASTER_CF.format(listen=f"127.0.0.1:{port}"))
    write(f"{d}/test.zone", ZONE)


def wait_listening(port, seconds=60):
    """Whether this test's Postfix greets on port (by its banner: not another program
    that took the port meanwhile)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                return b"facteur-test" in s.recv(200)
        except OSError:
            time.sleep(0.2)
    return False


def facteur(d, port, *args):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
    return subprocess.run([FACTEUR, "address", "--dns-zone", f"{d}/test.zone",
                           "--smtp-port", str(port), "--helo", "probe.facteur.test", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def case(name, fn):
    try:
        fn()
        results.append(("ok", name, ""))
    except AssertionError as e:
        results.append(("not ok", name, str(e)))
    except Exception as e:  # a crash of the test itself is a failure too
        results.append(("not ok", name, f"{type(e).__name__}: {e}"))


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def check_one(d, port, address, verdict, reason, rc=0, tls=True):
    p = facteur(d, port, "--json", address)
    expect(p.returncode == rc, f"rc {p.returncode}, stderr {p.stderr!r}")
    out = json.loads(p.stdout)
    expect(out["verdict"] == verdict, f"verdict {out['verdict']} for {address}: {p.stdout}")
    expect(reason in out["reasons"], f"reasons {out['reasons']} lack {reason}")
    expect("DATA" not in json.dumps(out["smtp"]), "the probe must never send DATA")
    if tls:
        expect(out["smtp"] and out["smtp"][-1]["tls"], f"no STARTTLS: {out['smtp']}")
    return out


def run_cases(d, port):
    case("exists: deliverable over STARTTLS",
         lambda: check_one(d, port, "alice@exists.fct", "deliverable", "rcpt_accepted"))
    case("unknown user: undeliverable (550 5.1.1)",
         lambda: check_one(d, port, "bob@exists.fct", "undeliverable", "rcpt_rejected"))

    def catch_all():
        out = check_one(d, port, "anyone@catchall.fct", "risky", "catch_all")
        expect(out["catch_all"] is True, out)
    case("catch-all domain: risky", catch_all)
    case("450 from check_recipient_access: unknown (greylisted)",
         lambda: check_one(d, port, "grey@exists.fct", "unknown", "greylisted"))
    case("MX on a closed port: unknown, exit 69",
         lambda: check_one(d, port, "someone@closed.fct", "unknown", "smtp_unavailable",
                           rc=69, tls=False))

    def batch():
        lines = ["email,name", "alice@exists.fct,Alice", "bob@exists.fct,Bob",
                 "anyone@catchall.fct,Any", "grey@exists.fct,Grey",
                 "someone@closed.fct,Closed"]
        write(f"{d}/batch.csv", "\n".join(lines) + "\n")
        p = facteur(d, port, "--batch", f"{d}/batch.csv", "--per-host", "1",
                    "--concurrency", "4")
        expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
        got = [json.loads(l) for l in p.stdout.splitlines()]
        expect([o["address"] for o in got] == [l.split(",")[0] for l in lines[1:]],
               f"order: {[o['address'] for o in got]}")
        expect([o["verdict"] for o in got]
               == ["deliverable", "undeliverable", "risky", "unknown", "unknown"],
               f"verdicts: {[o['verdict'] for o in got]}")
        expect(p.stderr == "", f"no progress bar when stderr is not a terminal: {p.stderr!r}")
    case("batch: CSV in, JSON lines out in input order", batch)

    def batch_lines():
        write(f"{d}/batch.txt", "Email\nalice@exists.fct\n\nnot an address\n")
        p = facteur(d, port, "--batch", f"{d}/batch.txt")
        expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
        got = [json.loads(l) for l in p.stdout.splitlines()]
        expect([(o["address"], o["verdict"]) for o in got]
               == [("alice@exists.fct", "deliverable"), ("not an address", "undeliverable")],
               f"got {got}")
    case("batch: plain lines with a header and a blank line", batch_lines)

    def progress_on_terminal():
        # stderr is a pseudo-terminal: the batch draws its progress bar there, ending
        # with the count of addresses (the CSV header is not one).
        master, slave = pty.openpty()
        env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
        proc = subprocess.Popen([FACTEUR, "address", "--dns-zone", f"{d}/test.zone",
                                 "--smtp-port", str(port), "--helo", "probe.facteur.test",
                                 "--batch", f"{d}/batch.csv"],
                                stdout=subprocess.PIPE, stderr=slave, env=env)
        os.close(slave)
        out, _ = proc.communicate(timeout=120)
        drawn = b""
        while select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
        os.close(master)
        expect(proc.returncode == 0, f"rc {proc.returncode}")
        expect(len(out.splitlines()) == 5, f"stdout {out!r}")
        expect(b"5/5" in drawn and b"#" in drawn, f"progress {drawn!r}")
    case("batch: progress bar on stderr when it is a terminal", progress_on_terminal)


def run_offline_cases():
    """Batch input handling, which needs no mail server (--no-smtp)."""
    d = tempfile.mkdtemp(prefix="facteur-batch-")
    try:
        write(f"{d}/test.zone", ZONE)

        def csv_quoting():
            with open(f"{d}/in.csv", "wb") as f:
                f.write(b'id;"Adresse";note\n1;"alice@exists.fct";"a ""quoted"" note; with ;"\n'
                        b"2;bob@closed.fct;x\n"
                        + b"3;" + b"a" * 5000 + b"@exists.fct;long\n"
                        + b"4;caf\xe9@exists.fct;latin-1\n")
            p = facteur(d, 25, "--no-smtp", "--batch", f"{d}/in.csv")
            expect(p.returncode == 0, f"rc {p.returncode}: {p.stderr}")
            got = [json.loads(l) for l in p.stdout.splitlines()]
            expect([o["address"] for o in got[:2]] == ["alice@exists.fct", "bob@closed.fct"],
                   f"addresses {got[:2]}")
            expect(got[2].get("error") == "line too long", f"long line: {got[2]}")
            expect(got[3].get("error") == "line is not UTF-8", f"latin-1 line: {got[3]}")
        case("batch (no SMTP): CSV with ';', quotes and a header; bad lines reported", csv_quoting)

        def usage():
            p = facteur(d, 25, "--batch", f"{d}/in.csv", "extra@exists.fct")
            expect(p.returncode == 64, f"rc {p.returncode}")
            p = facteur(d, 25, "--batch", f"{d}/missing.csv")
            expect(p.returncode == 65, f"rc {p.returncode}")
        case("batch: usage errors (64) and an unreadable file (65)", usage)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def report():
    print(f"1..{len(results)}")
    for i, (status, name, why) in enumerate(results, 1):
        print(f"{status} {i} - {name}")
        if why:
            for line in why.splitlines():
                print(f"# {line}")
    return 0 if all(r[0] == "ok" for r in results) else 1


def main():
    run_offline_cases()
    if os.geteuid() != 0:
        # Postfix's master must start as root to bind and to drop to the postfix user.
        results.append(("ok", "Postfix cases # SKIP Postfix can only be started as root "
                        "(euid is %d)" % os.geteuid(), ""))
        return report()
    if shutil.which("postfix") is None:
        results.append(("not ok", "postfix is not installed (scripts/install-deps)", ""))
        return report()
    d = tempfile.mkdtemp(prefix="facteur-postfix-")
    os.chmod(d, 0o755)  # the postfix user must reach data/ and the maps
    port = free_port()
    started = False
    try:
        configure(d, port)
        start = subprocess.run(["postfix", "-c", d, "start"], capture_output=True, text=True,
                               timeout=60)
        started = True
        # The port was free when chosen, but another program may take it before Postfix
        # binds it: then another port, a few times (master.cf names it alone).
        for _ in range(4):
            if start.returncode == 0 and wait_listening(port):
                break
            subprocess.run(["postfix", "-c", d, "stop"], capture_output=True, timeout=60)
            port = free_port()
            write(f"{d}/master.cf", MASTER_CF.format(listen=f"127.0.0.1:{port}"))
            start = subprocess.run(["postfix", "-c", d, "start"], capture_output=True,
                                   text=True, timeout=60)
        if start.returncode != 0 or not wait_listening(port):
            log = open(f"{d}/maillog").read() if os.path.exists(f"{d}/maillog") else ""
            results.append(("not ok", "Postfix starts", f"rc {start.returncode}: {log[-800:]}"))
        else:
            run_cases(d, port)
    finally:
        if started:
            stop = subprocess.run(["postfix", "-c", d, "stop"], capture_output=True, timeout=60)
            if stop.returncode != 0:
                subprocess.run(["postfix", "-c", d, "abort"], capture_output=True, timeout=60)
            # postfix stop returns before the master has exited; wait for its lock.
            pidfile = f"{d}/queue/pid/master.pid"
            for _ in range(100):
                if not os.path.exists(pidfile):
                    break
                try:
                    os.kill(int(open(pidfile).read().split()[0]), 0)
                except (OSError, ValueError):
                    break
                time.sleep(0.1)
        shutil.rmtree(d, ignore_errors=True)
    return report()


sys.exit(main())
