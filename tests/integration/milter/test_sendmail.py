#!/usr/bin/python3
"""facteur milter behind a real Sendmail 8.17 on loopback, both started and stopped here.

Debian's sendmail-bin conflicts with postfix, so Sendmail is not installed on a machine
that runs the Postfix tests: scripts/install-deps downloads its packages (sendmail-bin,
sendmail-cf and libwrap0, which it links) into /var/cache/facteur/sendmail-debs, and this
test unpacks them with dpkg-deb in its temporary folder and runs the daemon from there
(no chroot needed: every path Sendmail uses is set in its configuration). The
configuration is made by m4 from sendmail-cf with the INPUT_MAIL_FILTER lines of
docs/MILTER.md; Sendmail listens on a free loopback port, queues what it accepts without
delivering it (DeliveryMode=queueonly), and the queue file (qf) holds the header as the
milter left it.

Cases: a DKIM-signed message arrives with our Authentication-Results (dkim=pass,
dmarc=pass) and the verdict field, a forged A-R carrying our authserv-id gone; a spoof of
a p=reject domain is refused with 550 5.7.1 naming DMARC. Prints TAP; skipped without
root, m4 or the downloaded packages. FCT_SENDMAIL_DEBS=DIR uses another folder of them.

Usage: test_sendmail.py BUILD/facteur"""
import glob
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_milter import (Milter, expect, free_port, keygen, message,  # noqa: E402
                         sign, wait_tcp, write)

DEBS = os.environ.get("FCT_SENDMAIL_DEBS", "/var/cache/facteur/sendmail-debs")
PACKAGES = ("sendmail-bin", "sendmail-cf", "libwrap0")
results = []
notes = []

# The lines docs/MILTER.md gives for sendmail.mc (the milter on inet:PORT@127.0.0.1), then
# what makes a private instance: its own queue, pid file and host names, no DNS.
MC = """divert(-1)
divert(0)dnl
include(`{root}/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(`facteur integration test')dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `mx.rcpt.test')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`confSERVICE_SWITCH_FILE', `{d}/service.switch')dnl
define(`confHOSTS_FILE', `{d}/hosts')dnl
define(`QUEUE_DIR', `{d}/mqueue')dnl
define(`confPID_FILE', `{d}/sendmail.pid')dnl
define(`STATUS_FILE', `{d}/statistics')dnl
define(`ALIAS_FILE', `{d}/aliases')dnl
define(`confCW_FILE', `{d}/local-host-names')dnl
define(`confDELIVERY_MODE', `queueonly')dnl
FEATURE(`nocanonify')dnl
FEATURE(`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(`Port={port}, Addr=127.0.0.1, Name=MTA')dnl
LOCAL_DOMAIN(`rcpt.test')dnl
define(`confMILTER_MACROS_ENVFROM', confMILTER_MACROS_ENVFROM`, {{auth_authen}}')dnl
INPUT_MAIL_FILTER(`facteur', `S=inet:{mport}@127.0.0.1, F=T, T=S:30s;R:30s;E:5m')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
"""


def case(name, fn):
    try:
        fn()
        results.append(("ok", name, ""))
    except AssertionError as e:
        results.append(("not ok", name, str(e)))
    except Exception as e:  # a crash of the test itself is a failure too
        results.append(("not ok", name, f"{type(e).__name__}: {e}"))


def debs():
    found = []
    for p in PACKAGES:
        g = sorted(glob.glob(f"{DEBS}/{p}_*.deb"))
        if not g:
            return None
        found.append(g[-1])
    return found


def queued_header(qdir, token, seconds=30):
    """The header fields of the queued message holding token, from its qf file: lines
    "H??Name: value" (the ?flags? optional), continued by lines that start with a tab."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        for qf in glob.glob(f"{qdir}/qf*"):
            with open(qf, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            fields = []
            for line in text.split("\n"):
                if line.startswith("H"):
                    v = line[1:]
                    if v.startswith("?"):
                        v = v[v.index("?", 1) + 1:]
                    fields.append(v)
                elif line.startswith("\t") and fields:
                    fields[-1] += "\n" + line
            if any(token in f for f in fields):
                return fields
        time.sleep(0.2)
    raise AssertionError(f"no queued message with {token}")


def field(fields, name):
    return [" ".join(f.split(":", 1)[1].split()) for f in fields
            if f.split(":", 1)[0].strip().lower() == name.lower()]


def main():
    packages = debs()
    if os.geteuid() != 0 or shutil.which("m4") is None or packages is None:
        print(f"1..0 # SKIP needs root, m4 and {', '.join(PACKAGES)} in {DEBS} "
              "(scripts/install-deps downloads them)")
        return 0
    began = time.time()
    d = tempfile.mkdtemp(prefix="facteur-sendmail-")
    os.chmod(d, 0o755)
    root = f"{d}/root"
    for deb in packages:
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True, timeout=60)
    binary = f"{root}/usr/libexec/sendmail/sendmail"
    # Set-group-id in the package: the loader would then ignore LD_LIBRARY_PATH.
    os.chmod(binary, 0o755)
    env = dict(os.environ, LD_LIBRARY_PATH=f"{root}/usr/lib/x86_64-linux-gnu:"
               f"{root}/lib/x86_64-linux-gnu")

    keys = f"{d}/keys"
    os.mkdir(keys, 0o700)
    legit = keygen(keys, "legit.test", "s1", "rsa")
    write(f"{d}/test.zone", f"""; facteur milter behind Sendmail
legit.test. TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc.legit.test. TXT "v=DMARC1; p=reject"
{legit["name"]}. TXT {legit["txt"]}
bank.test. TXT "v=spf1 ip4:203.0.113.9 -all"
_dmarc.bank.test. TXT "v=DMARC1; p=reject"
""", 0o644)
    mport, port = free_port(), free_port()
    conf = f"{d}/milter.conf"
    # Sendmail's clients here all come from 127.0.0.1: no internal network, every message
    # is inbound.
    write(conf, f"""[milter]
socket = inet:{mport}@127.0.0.1
user = nobody
authserv_id = mx.rcpt.test
dns_zone = {d}/test.zone
blocklists = false
internal_networks =
""", 0o644)
    write(f"{d}/service.switch", "hosts files\n")
    write(f"{d}/hosts", "127.0.0.1 localhost mx.rcpt.test\n")
    for name in ("aliases", "local-host-names"):
        write(f"{d}/{name}", "")
    os.mkdir(f"{d}/mqueue", 0o700)
    write(f"{d}/sendmail.mc", MC.format(root=root, d=d, port=port, mport=mport))
    with open(f"{d}/sendmail.cf", "w") as out:
        subprocess.run(["m4", f"{d}/sendmail.mc"], stdout=out, check=True, timeout=60)

    milter = Milter(d, mport, conf)
    started = False
    try:
        milter.start()
        # The daemon forks away and keeps its descriptors: none of them a pipe of ours.
        with open(f"{d}/sendmail.err", "w") as err:
            # Sendmail qualifies the machine's name before it reads its configuration,
            # and sleeps a minute per try when it cannot: in a namespace of its own
            # (unshare), the host name is mx.rcpt.test and /etc/hosts says so.
            p = subprocess.run(["unshare", "--uts", "--mount", "sh", "-c",
                                'hostname mx.rcpt.test && mount --bind "$1" /etc/hosts '
                                '&& exec "$2" -C "$3" -bd', "sh", f"{d}/hosts", binary,
                                f"{d}/sendmail.cf"], env=env,
                               stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                               timeout=60)
        expect(p.returncode == 0,
               f"sendmail -bd: {p.returncode} {open(f'{d}/sendmail.err').read()}")
        started = True
        expect(wait_tcp(port), "Sendmail did not listen")
        notes.append(f"unpacking Sendmail and starting it took {time.time() - began:.1f} s")

        def send(raw, mail_from):
            s = smtplib.SMTP("127.0.0.1", port, timeout=120)
            try:
                s.ehlo("mail.legit.test")
                s.sendmail(mail_from, ["root@rcpt.test"], raw)
            finally:
                try:
                    s.quit()
                except smtplib.SMTPException:
                    pass

        def legitimate():
            raw = message("sm-legit-1", "Compta <compta@legit.test>", "Facture 2026-12",
                          "Bonjour,\r\nVoici la facture du mois.\r\n",
                          extra="Authentication-Results: mx.rcpt.test; dkim=pass\r\n")
            signed = sign(legit["private_key"], "legit.test", "s1", raw)
            send(signed, "compta@legit.test")
            fields = queued_header(f"{d}/mqueue", "sm-legit-1")
            ar = field(fields, "Authentication-Results")
            expect(len(ar) == 1, f"A-R fields {ar} (the forged one must be gone)")
            expect(ar[0].startswith("mx.rcpt.test;"), ar[0])
            for want in ("spf=pass", "dkim=pass", "dmarc=pass"):
                expect(want in ar[0], f"{want} not in {ar[0]}")
            verdict = field(fields, "X-Facteur")
            expect(len(verdict) == 1 and verdict[0].startswith("clean; score="),
                   f"X-Facteur {verdict}")
            expect("client=127.0.0.1" in milter.log_text()
                   and "daemon=MTA" in milter.log_text(), "Sendmail's macros not seen")

        def spoof_rejected():
            raw = message("sm-spoof-1", "Banque <securite@bank.test>", "Votre compte",
                          "Confirmez vos identifiants.\r\n")
            try:
                send(raw, "securite@bank.test")
            except smtplib.SMTPDataError as e:
                text = e.smtp_error.decode()
                expect(e.smtp_code == 550, f"code {e.smtp_code} {text}")
                expect(text.startswith("5.7.1"), text)
                expect("DMARC" in text and "bank.test" in text, text)
                return
            raise AssertionError("the spoof was accepted")

        case("Sendmail: a signed message is queued with our A-R (dkim=pass, dmarc=pass), "
             "the forged one gone", legitimate)
        case("Sendmail: a spoof of a p=reject domain is refused with 550 5.7.1",
             spoof_rejected)
    except AssertionError as e:
        results.append(("not ok", "Sendmail and the milter start", str(e)))
    finally:
        if started and os.path.exists(f"{d}/sendmail.pid"):
            with open(f"{d}/sendmail.pid") as f:
                pid = int(f.readline())
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass
        milter.stop()
    notes.append(f"the whole test took {time.time() - began:.1f} s")
    print(f"1..{len(results)}")
    for n, (status, name, why) in enumerate(results, 1):
        print(f"{status} {n} - {name}")
        for line in why.splitlines():
            print(f"# {line}")
    for note in notes:
        print(f"# {note}")
    if all(r[0] == "ok" for r in results) and not os.environ.get("FCT_KEEP"):
        shutil.rmtree(d, ignore_errors=True)
    else:
        print(f"# kept {d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
