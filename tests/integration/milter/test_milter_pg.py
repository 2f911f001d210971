#!/usr/bin/python3
"""Two MX sharing one IBAN history (issue 17): two `facteur milter` instances on two
ports, each behind its own Postfix (private instances, as test_milter.py starts them),
both on one PostgreSQL (a temporary cluster on a free loopback port, pg_cluster.py).

Cases: an IBAN an authenticated supplier first gave through MX A is known through MX B,
and a second message with another IBAN from the same supplier, through B, is flagged
iban-new-for-sender (B alone never saw the first); PostgreSQL stopped during a run loses
no mail (every message delivered, its verdict field saying iban-history=unavailable, the
log saying so) and no IBAN (what each milter kept is written when the database is back:
an IBAN seen only by A during the outage is known through B after it); sixteen writers
through both MX at once, on the same IBANs, leave one row per IBAN (checked with SQL) and
every sighting counted. Prints TAP. Needs root (Postfix, the milters' user switch).

Usage: test_milter_pg.py BUILD/facteur"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import test_milter as tm  # noqa: E402
from pg_cluster import Cluster  # noqa: E402

FACTEUR = sys.argv[1]
MILTER_USER = "nobody"
SENDER_IP = "203.0.113.20"
results = []


def iban(account):
    """A French IBAN (RIB key and ISO 13616 check digits right) for an 11-digit account:
    the analysis ignores strings whose checksums fail."""
    bank, branch = 30004, 12345
    key = 97 - (89 * bank + 15 * branch + 3 * account) % 97
    bban = f"{bank:05d}{branch:05d}{account:011d}{key:02d}"
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    check = 98 - int(digits) % 97
    return f"FR{check:02d}{bban}"


def spaced(value):
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def invoice(token, domain, account):
    """An invoice as a supplier's accounting sends it: amount, due date, its IBAN."""
    body = ("Bonjour,\r\n\r\nVeuillez trouver ci-dessous notre facture F-2026-0412 d'un "
            "montant de 1 250,00 EUR,\r\npayable par virement \u00e0 30 jours fin de mois.\r\n\r\n"
            f"IBAN : {spaced(iban(account))}\r\nBIC : BNPAFRPPXXX\r\n\r\n"
            "Cordialement,\r\nLe service comptabilit\u00e9\r\n")
    return tm.message(token, f"Comptabilite <compta@{domain}>", f"Facture {token}", body)


class Mx:
    """One MX: a milter on its own port behind its own Postfix."""

    def __init__(self, d, name, zone, db, key):
        self.d = f"{d}/{name}"
        os.makedirs(self.d)
        os.chmod(self.d, 0o755)
        self.port = tm.free_port()
        self.config = f"{self.d}/milter.conf"
        tm.write(self.config, f"""[milter]
socket = inet:{self.port}@127.0.0.1
user = {MILTER_USER}
authserv_id = {name}.rcpt.test
db = {db}
db_key = {key}
dns_zone = {zone}
blocklists = false
internal_networks = 10.0.0.0/8
time_budget_ms = 20000
""", 0o644)
        self.milter = tm.Milter(self.d, self.port, self.config)
        self.pd = None

    def start(self):
        env_saved = dict(os.environ)
        # The log in English whatever the machine's locale.
        os.environ.update(LANGUAGE="en", LC_ALL="C.UTF-8")
        try:
            self.milter.start()
        finally:
            os.environ.clear()
            os.environ.update(env_saved)
        self.pd, sport = tm.start_postfix(self.d, self.port)
        self.mail = tm.Mail(self.pd, sport)

    def send(self, raw, domain):
        self.mail.send(raw, SENDER_IP, f"mail.{domain}", f"compta@{domain}")

    def verdict(self, token, seconds=60):
        return tm.parse(self.mail.delivered(token, seconds))["X-Facteur"].strip()

    def stop(self):
        self.milter.stop()
        if self.pd is not None:
            tm.stop_postfix(self.pd)

    def log(self):
        return self.milter.log_text()


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def case(name, fn):
    try:
        fn()
        results.append(("ok", name, ""))
    except AssertionError as e:
        results.append(("not ok", name, str(e)))
    except Exception as e:  # a crash of the test itself is a failure too
        results.append(("not ok", name, f"{type(e).__name__}: {e}"))


def main():
    if os.geteuid() != 0 or shutil.which("postfix") is None:
        print("1..0 # SKIP needs root and Postfix")
        return 0
    d = tempfile.mkdtemp(prefix="facteur-milter-pg-")
    os.chmod(d, 0o755)
    domains = ["payco.test", "fournil.test", "conc.test"]
    zone = "".join(f'{dom}. TXT "v=spf1 ip4:{SENDER_IP} -all"\n'
                   f'_dmarc.{dom}. TXT "v=DMARC1; p=none"\n' for dom in domains)
    tm.write(f"{d}/test.zone", zone, 0o644)
    # The key every MX shares, readable by the milters' user only.
    key = f"{d}/history.key"
    with open(key, "wb") as f:
        f.write(os.urandom(32))
    os.chmod(key, 0o600)
    shutil.chown(key, MILTER_USER)

    pg = Cluster()
    db = pg.create("facteur")
    a = Mx(d, "mxa", f"{d}/test.zone", db, key)
    b = Mx(d, "mxb", f"{d}/test.zone", db, key)
    try:
        a.start()
        b.start()
        case("an IBAN first seen through MX A is known through MX B; another from the same "
             "sender through B is flagged iban-new-for-sender",
             lambda: shared_history(pg, a, b))
        case("PostgreSQL stopped during a run: no mail lost, the verdict field and the log "
             "say so, and every IBAN is written when it is back",
             lambda: outage(pg, a, b))
        case("sixteen writers through both MX at once: one row per IBAN, every sighting "
             "counted", lambda: concurrent(pg, a, b))
    finally:
        a.stop()
        b.stop()
        pg.stop()
    print(f"1..{len(results)}")
    for n, (status, name, why) in enumerate(results, 1):
        print(f"{status} {n} - {name}")
        for line in why.splitlines():
            print(f"# {line}")
    if all(r[0] == "ok" for r in results) and not os.environ.get("FCT_KEEP"):
        shutil.rmtree(d, ignore_errors=True)
    else:
        print(f"# kept {d}")
    return 0


def rows(pg, domain):
    return int(pg.scalar(f"SELECT count(*) FROM iban_history WHERE domain = '{domain}'",
                         "facteur"))


def shared_history(pg, a, b):
    a.send(invoice("pay-1", "payco.test", 11), "payco.test")
    v1 = a.verdict("pay-1")
    expect(v1.startswith("clean;") and "iban" not in v1, f"first invoice through A: {v1}")
    # The same account, another invoice, through the other MX: nothing to say.
    b.send(invoice("pay-2", "payco.test", 11), "payco.test")
    v2 = b.verdict("pay-2")
    expect(v2.startswith("clean;") and "iban" not in v2, f"same IBAN through B: {v2}")
    # Another account from the same supplier, through B: B never saw the first itself.
    b.send(invoice("pay-3", "payco.test", 22), "payco.test")
    v3 = b.verdict("pay-3")
    expect("iban-new-for-sender" in v3, f"new IBAN through B not flagged: {v3}")
    expect(rows(pg, "payco.test") == 2, f"{rows(pg, 'payco.test')} rows for payco.test")


def outage(pg, a, b):
    # A known first, so that what follows is about the outage.
    a.send(invoice("out-0", "fournil.test", 100), "fournil.test")
    expect("iban" not in a.verdict("out-0"), "first invoice")
    pg.stop_server()
    try:
        # Each MX sees an IBAN no one knows while the database is down.
        a.send(invoice("out-a", "fournil.test", 333), "fournil.test")
        b.send(invoice("out-b", "fournil.test", 444), "fournil.test")
        va, vb = a.verdict("out-a"), b.verdict("out-b")
    finally:
        pg.start()
    for name, v in (("A", va), ("B", vb)):
        expect(v.endswith("; iban-history=unavailable") and v.startswith("clean;"),
               f"verdict through {name} during the outage: {v}")
    for name, mx in (("A", a), ("B", b)):
        expect("IBAN history unavailable" in mx.log(), f"milter {name} did not log the outage")
    # The next message of each MX, once the retry time has come, writes what it kept
    # first. Retried until the milter tries the database again (1 s, doubling).
    for name, mx, account in (("A", a, 333), ("B", b, 444)):
        deadline, n = time.time() + 60, 0
        while True:
            n += 1
            token = f"again-{name}-{n}"
            mx.send(invoice(token, "fournil.test", account), "fournil.test")
            v = mx.verdict(token)
            if "unavailable" not in v:
                break
            expect(time.time() < deadline, f"MX {name} still without history: {v}")
            time.sleep(1)
        # Its own IBAN of the outage is known: it was recorded from the kept message.
        expect("iban" not in v, f"MX {name} after the outage: {v}")
        log = mx.log()
        expect("IBAN history available again" in log and "kept sightings recorded" in log,
               f"milter {name} log: {log[-1500:]}")
    # The IBAN only A saw during the outage is known through B, and B's through A.
    b.send(invoice("cross-b", "fournil.test", 333), "fournil.test")
    a.send(invoice("cross-a", "fournil.test", 444), "fournil.test")
    for token, mx in (("cross-b", b), ("cross-a", a)):
        v = mx.verdict(token)
        expect(v.startswith("clean;") and "iban" not in v, f"{token}: {v}")
    expect(rows(pg, "fournil.test") == 3, f"{rows(pg, 'fournil.test')} rows for fournil.test")
    # Each IBAN of the outage: the kept sighting, the one after, the other MX's.
    for account in (333, 444):
        times = pg.scalar("SELECT times FROM iban_history WHERE domain = 'fournil.test'"
                          f" AND last4 = '{iban(account)[-4:]}'", "facteur")
        expect(times is not None and int(times) >= 3,
               f"IBAN ending {iban(account)[-4:]} seen {times} times: a sighting was lost")


def concurrent(pg, a, b):
    accounts = [501, 502, 503, 504]
    sent, errors = [], []
    lock = threading.Lock()

    def writer(mx, w):
        try:
            for i in range(3):
                token = f"conc-{w}-{i}"
                mx.send(invoice(token, "conc.test", accounts[(w + i) % 4]), "conc.test")
                with lock:
                    sent.append((mx, token))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"writer {w}: {e}")

    threads = [threading.Thread(target=writer, args=(a if w % 2 else b, w)) for w in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(not errors, "; ".join(errors))
    for mx, token in sent:
        mx.mail.delivered(token)
    total = len(sent)
    got = pg.sql("SELECT count(*), count(DISTINCT iban_mac), sum(times) FROM iban_history"
                 " WHERE domain = 'conc.test'", "facteur")[0]
    expect(got == ["4", "4", str(total)],
           f"rows, distinct IBANs, sightings: {got}, expected 4, 4, {total}")
    dup = pg.scalar("SELECT count(*) FROM (SELECT domain, iban_mac FROM iban_history"
                    " GROUP BY domain, iban_mac HAVING count(*) > 1) AS d", "facteur")
    expect(dup == "0", f"{dup} duplicated rows")
    meta = pg.scalar("SELECT value FROM meta WHERE key = 'iban_rows'", "facteur")
    all_rows = pg.scalar("SELECT count(*) FROM iban_history", "facteur")
    expect(meta == all_rows, f"row count kept {meta}, rows {all_rows}")


if __name__ == "__main__":
    sys.exit(main())
