#!/usr/bin/python3
"""facteur reports ingest and summary: reports as Google, Microsoft, Yahoo and Orange send
them (zip and gzip attachments) in a Maildir and an mbox, TLS and failure reports, the
dmarc-feedback vectors against their expected counts, hostile inputs (entity bomb,
external entity, zip and gzip bombs, truncated gzip, bytes that are not UTF-8, a 100 MB
file) each skipped with a line while the run goes on, a second ingestion adding nothing,
reports for unmanaged domains counted, the summary in text, JSON and CSV, usage errors.
Prints TAP. Usage: test_reports_cli.py BUILD/facteur"""
import email.mime.application
import email.mime.multipart
import email.mime.text
import glob
import gzip
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import imap_server  # noqa: E402
from pg_cluster import Cluster  # noqa: E402

FACTEUR = sys.argv[1]
ROOT = os.environ.get("FCT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../../.."))
DATA = os.path.join(ROOT, "tests", "data")
REPORTS = os.path.join(DATA, "reports")
VECTORS = os.path.join(DATA, "dmarc-feedback")
results = []
TMP = tempfile.mkdtemp(prefix="facteur-reports-")


def run(*args, stdin=None, env_extra=None):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en", XDG_DATA_HOME=TMP)
    env.pop("LANG", None)
    env.pop("FACTEUR_IMAP_USER", None)
    env.pop("FACTEUR_IMAP_PASSWORD", None)
    env.update(env_extra or {})
    return subprocess.run([FACTEUR, "reports", *args], capture_output=True, env=env,
                          input=stdin, timeout=300)


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


def read(name):
    with open(os.path.join(REPORTS, name), "rb") as f:
        return f.read()


def zipped(name, data):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return b.getvalue()


def message(sender, subject, attachment, subtype, filename):
    m = email.mime.multipart.MIMEMultipart()
    m["From"] = sender
    m["To"] = "dmarc-rua@boulangerie-martin.fr"
    m["Subject"] = subject
    m["Message-ID"] = f"<{abs(hash(subject))}@reports.example>"
    m.attach(email.mime.text.MIMEText("This is an aggregate report.\n"))
    part = email.mime.application.MIMEApplication(attachment, subtype)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    m.attach(part)
    return m.as_bytes()


GOOGLE = message("noreply-dmarc-support@google.com",
                 "Report domain: boulangerie-martin.fr Submitter: google.com Report-ID: 1453",
                 zipped("google.com!boulangerie-martin.fr!1764374400!1764460799.xml",
                        read("google.xml")),
                 "zip", "google.com!boulangerie-martin.fr!1764374400!1764460799.zip")
MICROSOFT = message("dmarcreport@microsoft.com",
                    "Report Domain: boulangerie-martin.fr Submitter: enterprise.protection"
                    ".outlook.com Report-ID: <6b1d7e0c>",
                    gzip.compress(read("microsoft.xml")), "gzip",
                    "enterprise.protection.outlook.com!boulangerie-martin.fr!1764374400!"
                    "1764460800.xml.gz")
YAHOO = message("Yahoo DMARC <dmarchelp@yahooinc.com>",
                "Report Domain: boulangerie-martin.fr Submitter: Yahoo Report-ID: <1764>",
                gzip.compress(read("yahoo.xml")), "gzip",
                "yahoo.com!boulangerie-martin.fr!1764374400!1764460799.xml.gz")
ORANGE = message("dmarc-rua@orange.example", "Rapport DMARC boulangerie-martin.fr",
                 zipped("orange.xml", read("orange.xml")), "zip", "orange.zip")
TLSRPT = message("tlsrpt@company-x.example",
                 "Report Domain: boulangerie-martin.fr Submitter: company-x.example",
                 gzip.compress(read("tlsrpt.json")), "tlsrpt+gzip",
                 "company-x.example!boulangerie-martin.fr!1764374400!1764460799!001.json.gz")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


MAILDIR = os.path.join(TMP, "Maildir")
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(MAILDIR, sub), exist_ok=True)
write(os.path.join(MAILDIR, "cur", "1764460900.1.host:2,S"), GOOGLE)
write(os.path.join(MAILDIR, "cur", "1764460901.2.host:2,S"), MICROSOFT)
write(os.path.join(MAILDIR, "new", "1764460902.3.host"), YAHOO)
write(os.path.join(MAILDIR, "new", "1764460903.4.host"), ORANGE)
write(os.path.join(MAILDIR, "new", "1764460904.5.host"), TLSRPT)
write(os.path.join(MAILDIR, "new", "1764460905.6.host"), read("failure.eml"))
# A message still being delivered (maildir(5)): not read.
write(os.path.join(MAILDIR, "tmp", "1764460906.7.host"), b"From: x@y\n\nhalf")

MBOX = os.path.join(TMP, "reports.mbox")
with open(MBOX, "wb") as f:
    for m in (GOOGLE, MICROSOFT):
        f.write(b"From MAILER-DAEMON Sat Nov 29 10:00:00 2025\n")
        f.write(m.replace(b"\nFrom ", b"\n>From "))
        f.write(b"\n")

HOSTILE = os.path.join(TMP, "hostile")
for name in ("bomb.xml", "xxe.xml", "nonutf8.xml", "deep.xml"):
    write(os.path.join(HOSTILE, name), read(name))
write(os.path.join(HOSTILE, "truncated.xml.gz"), gzip.compress(read("google.xml"))[:400])
write(os.path.join(HOSTILE, "zipbomb.zip"), zipped("report.xml", b"\0" * (60 << 20)))
write(os.path.join(HOSTILE, "gzipbomb.xml.gz"), gzip.compress(b" " * (60 << 20)))
with open(os.path.join(HOSTILE, "huge.xml"), "wb") as f:
    f.truncate(100 << 20)  # 100 MB, sparse: refused before it is read
# A good report among them: the run goes on past every bad one.
write(os.path.join(HOSTILE, "m-good.xml"), read("rfc9990.xml"))
HOSTILE_BAD = ["bomb.xml", "xxe.xml", "nonutf8.xml", "deep.xml", "truncated.xml.gz",
               "zipbomb.zip", "gzipbomb.xml.gz", "huge.xml"]

DB = os.path.join(TMP, "reports.db")


def ingest_json(*args, stdin=None):
    r = run("ingest", "--json", *args, stdin=stdin)
    expect(r.returncode == 0, f"exit {r.returncode}: {r.stderr.decode()}")
    return json.loads(r.stdout), r.stderr.decode()


def summary_json(domain, *args, db=DB):
    r = run("summary", domain, "--db", db, "--json", *args)
    expect(r.returncode == 0, f"exit {r.returncode}: {r.stderr.decode()}")
    return json.loads(r.stdout)


def t_maildir():
    d, err = ingest_json("--db", DB, MAILDIR)
    expect(d["stored"] == 6 and d["aggregate"] == 4 and d["tlsrpt"] == 1
           and d["failure"] == 1, d)
    expect(d["records"] == 3 + 2 + 1 + 1, d)
    expect(d["skipped"] == 0 and d["sources"] == 6, (d, err))


def t_maildir_again():
    d, _ = ingest_json("--db", DB, MAILDIR)
    expect(d["stored"] == 0 and d["duplicates"] == 6 and d["records"] == 0, d)


def t_mbox():
    d, _ = ingest_json("--db", DB, MBOX)
    expect(d["sources"] == 2 and d["duplicates"] == 2 and d["stored"] == 0, d)


def t_hostile():
    d, err = ingest_json("--db", DB, HOSTILE)
    expect(d["stored"] == 1, (d, err))
    expect(d["skipped"] == len(HOSTILE_BAD), (d, err))
    lines = err.splitlines()
    for name in HOSTILE_BAD:
        expect(any(name in l and "skipped" in l for l in lines), f"no line for {name}: {err}")
    for words in ("DTD", "bomb", "truncated", "UTF-8", "nested", "over"):
        expect(words in err, f"{words!r} not in {err}")


def t_stdin():
    d, _ = ingest_json("--db", DB, "-", stdin=read("empty.xml"))
    expect(d["stored"] == 1 and d["aggregate"] == 1 and d["records"] == 0, d)


def t_summary_json():
    s = summary_json("boulangerie-martin.fr")
    for key in ("domain", "reports", "messages", "sources", "readiness", "tlsrpt",
                "failure_reports"):
        expect(key in s, f"{key} missing: {s}")
    # google 452, microsoft 182, yahoo 9, orange 6, rfc9990 21, empty 0
    expect(s["reports"] == 6 and s["messages"] == 452 + 182 + 9 + 6 + 21, s)
    expect(s["tlsrpt"]["reports"] == 1 and s["tlsrpt"]["failed_sessions"] == 303, s)
    expect(s["failure_reports"] == 1, s)
    by_ip = {x["ip"]: x for x in s["sources"]}
    for x in s["sources"]:
        for key in ("ip", "messages", "dmarc_pass", "spf_aligned", "dkim_aligned",
                    "category"):
            expect(key in x, f"{key} missing in {x}")
    own = by_ip["203.0.113.25"]
    expect(own["messages"] == 540 and own["category"] == "compliant", own)
    expect(by_ip["192.0.2.180"]["category"] == "failing_sender", by_ip["192.0.2.180"])
    expect("include:sendgrid.net" in by_ip["192.0.2.180"]["fix"], by_ip["192.0.2.180"])
    expect(by_ip["2001:db8:4860:4864::1a"]["organization"] == "Google Workspace",
           by_ip["2001:db8:4860:4864::1a"])
    expect(by_ip["192.0.2.99"]["category"] == "forwarder", by_ip["192.0.2.99"])
    expect(by_ip["198.18.7.42"]["category"] == "forwarder", by_ip["198.18.7.42"])
    expect(by_ip["198.51.100.77"]["category"] == "spoofer", by_ip["198.51.100.77"])
    expect(s["readiness"]["answer"] == "not_ready", s["readiness"])


def t_summary_text():
    r = run("summary", "boulangerie-martin.fr", "--db", DB)
    out = r.stdout.decode()
    expect(r.returncode == 0, r.stderr)
    for words in ("Your senders that fail", "Forwarders", "Spoofers", "Your senders that pass",
                  "SendGrid", "include:_spf.google.com", "Not yet", "TLS reports: 1"):
        expect(words in out, f"{words!r} not in:\n{out}")


def t_summary_csv():
    r = run("summary", "boulangerie-martin.fr", "--db", DB, "--csv")
    expect(r.returncode == 0, r.stderr)
    lines = r.stdout.decode().split("\r\n")
    expect(lines[0].startswith("ip,reverse_name,organization,messages,dmarc_pass,"), lines[0])
    s = summary_json("boulangerie-martin.fr")
    expect(len([l for l in lines[1:] if l]) == len(s["sources"]), lines)
    expect(any(l.startswith("203.0.113.25,,,540,540,") for l in lines), lines)


def t_since():
    s = summary_json("boulangerie-martin.fr", "--since", "2025-12-01")
    # Only rfc9990.xml (2025-12-06) ends after that day.
    expect(s["reports"] == 1 and s["messages"] == 21, s)


def t_dns_zone():
    zone = write(os.path.join(TMP, "ptr.zone"),
                 b"180.2.0.192.in-addr.arpa. 300 IN PTR o1.ptr4711.mail.sendgrid.net.\n")
    s = summary_json("boulangerie-martin.fr", "--dns-zone", zone)
    by_ip = {x["ip"]: x for x in s["sources"]}
    expect(by_ip["192.0.2.180"]["reverse_name"] == "o1.ptr4711.mail.sendgrid.net", by_ip)
    expect(by_ip["203.0.113.25"]["reverse_name"] is None, by_ip)


def expected_counts(files):
    """Messages per policy domain from the vectors' expected JSON, each (org, report id)
    counted once, as the store keeps it."""
    seen, per_domain = set(), {}
    for f in files:
        with open(f[:-4] + ".json") as j:
            d = json.load(j)
        key = (d["report_metadata"]["org_name"], d["report_metadata"]["report_id"])
        if key in seen:
            continue
        seen.add(key)
        dom = d["policy_published"]["domain"]
        per_domain[dom] = per_domain.get(dom, 0) + sum(r["row"]["count"] for r in d["record"])
    return len(seen), per_domain


def t_vectors():
    db = os.path.join(TMP, "vectors.db")
    files = sorted(glob.glob(os.path.join(VECTORS, "*.xml"))
                   + glob.glob(os.path.join(VECTORS, "*.eml")))
    d, err = ingest_json("--db", db, *files)
    unique, per_domain = expected_counts(files)
    expect(d["stored"] == unique and d["duplicates"] == len(files) - unique, (d, err))
    expect(d["skipped"] == 0, err)
    for dom, messages in per_domain.items():
        s = summary_json(dom, db=db)
        expect(s["messages"] == messages, f"{dom}: {s['messages']} != {messages}")


def t_foreign():
    db = os.path.join(TMP, "foreign.db")
    files = sorted(glob.glob(os.path.join(VECTORS, "*.xml")))
    d, _ = ingest_json("--db", db, "--domain", "boulangerie-martin.fr", *files)
    expect(d["stored"] == 0 and d["foreign"] == len(files) and d["duplicates"] == 0, d)
    d, _ = ingest_json("--db", db, "--domain", "example.org", *files)
    expect(d["stored"] == 1 and d["foreign"] == len(files) - 1, d)


def t_config():
    db = os.path.join(TMP, "config.db")
    conf = write(os.path.join(TMP, "facteur.conf"),
                 f"[reports]\ndb={db}\ndomains=example.com;\n".encode())
    d, _ = ingest_json("--config", conf, *sorted(glob.glob(os.path.join(VECTORS, "00*.xml"))))
    expect(d["stored"] == 2 and d["duplicates"] == 1 and d["foreign"] == 2, d)
    r = run("summary", "example.com", "--config", conf, "--json")
    expect(r.returncode == 0 and json.loads(r.stdout)["reports"] == 2, r.stdout)


def t_default_db():
    d, _ = ingest_json(os.path.join(REPORTS, "yahoo.xml"))
    expect(d["stored"] == 1, d)
    expect(os.path.exists(os.path.join(TMP, "facteur", "facteur.db")), os.listdir(TMP))


def t_symlink_and_missing_db():
    link = os.path.join(TMP, "link.xml")
    os.symlink(os.path.join(REPORTS, "yahoo.xml"), link)
    db = os.path.join(TMP, "link.db")
    d, _ = ingest_json("--db", db, link)
    expect(d["stored"] == 1, d)
    # Inside a folder, links are not followed.
    folder = os.path.join(TMP, "links")
    os.makedirs(folder)
    os.symlink(os.path.join(REPORTS, "google.xml"), os.path.join(folder, "google.xml"))
    d, _ = ingest_json("--db", db, folder)
    expect(d["stored"] == 0 and d["sources"] == 0, d)
    r = run("summary", "boulangerie-martin.fr", "--db", os.path.join(TMP, "typo.db"))
    expect(r.returncode == 65 and b"no database" in r.stderr, (r.returncode, r.stderr))
    expect(not os.path.exists(os.path.join(TMP, "typo.db")), "a database was created")


def t_usage():
    for args in (["ingest"], ["summary"], ["summary", "a.fr", "b.fr"], [],
                 ["summary", "a.fr", "--since", "29/11/2025", "--db", DB],
                 ["summary", "a.fr", "--json", "--csv", "--db", DB], ["frobnicate"]):
        r = run(*args)
        expect(r.returncode == 64, f"{args}: exit {r.returncode}")


def t_missing_source():
    r = run("ingest", "--db", DB, os.path.join(TMP, "nowhere"), os.path.join(REPORTS, "yahoo.xml"))
    expect(r.returncode == 65, f"exit {r.returncode}: {r.stderr}")
    expect(b"nowhere" in r.stderr, r.stderr)
    # The other source was still read.
    expect(r.stdout.startswith(b"1 report stored.")
           or b"1 report was already stored." in r.stdout, r.stdout)


def t_postgresql():
    """The same reports in PostgreSQL (a temporary cluster) give the same summary as in
    SQLite, stored once; a server that does not answer is a service unavailable (69)."""
    pg = Cluster()
    try:
        uri = pg.create("reports")
        d, err = ingest_json("--db", uri, MAILDIR)
        expect(d["stored"] == 6 and d["records"] == 7 and d["skipped"] == 0, (d, err))
        d, _ = ingest_json("--db", uri, MAILDIR)
        expect(d["stored"] == 0 and d["duplicates"] == 6, d)
        lite = os.path.join(TMP, "same.db")
        ingest_json("--db", lite, MAILDIR)
        for since in ([], ["--since", "2025-01-01"]):
            a = summary_json("boulangerie-martin.fr", *since, db=uri)
            b = summary_json("boulangerie-martin.fr", *since, db=lite)
            expect(a == b, f"PostgreSQL {a}\nSQLite {b}")
        expect(pg.scalar("SELECT count(*) FROM feedback_reports", "reports") == "6", "rows")
        # facteur reports needs no IBAN key: none was made or recorded.
        expect(pg.scalar("SELECT count(*) FROM key_check", "reports") == "0", "key_check")
        port = pg.port
    finally:
        pg.stop()
    r = run("summary", "example.fr", "--db", f"postgresql://postgres@127.0.0.1:{port}/reports")
    expect(r.returncode == 69 and "PostgreSQL" in r.stderr.decode(),
           f"exit {r.returncode}: {r.stderr.decode()}")


def t_imap():
    db = os.path.join(TMP, "imap.db")
    srv, port = imap_server.start([GOOGLE, MICROSOFT, TLSRPT, b"From: a@b.example\r\n"
                                   b"Subject: not a report\r\n\r\nhello\r\n"],
                                  "rua@boulangerie-martin.fr", "s3cret pass")
    url = f"imap://127.0.0.1:{port}/INBOX"
    creds = {"FACTEUR_IMAP_USER": "rua@boulangerie-martin.fr",
             "FACTEUR_IMAP_PASSWORD": "s3cret pass"}
    try:
        r = run("ingest", "--db", db, "--json", url, env_extra=creds)
        expect(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        d = json.loads(r.stdout)
        expect(d["sources"] == 4 and d["stored"] == 3 and d["skipped"] == 1, (d, r.stderr))
        expect(any("LOGIN" in l and "s3cret pass" in l for l in srv.log), srv.log)
        r = run("ingest", "--db", db, "--json", url, env_extra=creds)
        d = json.loads(r.stdout)
        expect(d["stored"] == 0 and d["duplicates"] == 3, d)
        # The credentials from the configuration file work as well.
        conf = write(os.path.join(TMP, "imap.conf"),
                     b"[reports]\nimap_user=rua@boulangerie-martin.fr\n"
                     b"imap_password=s3cret pass\n")
        r = run("ingest", "--db", db, "--json", "--config", conf, url)
        expect(r.returncode == 0 and json.loads(r.stdout)["duplicates"] == 3, r.stderr)
        # A wrong password: the server says no, the run says so.
        r = run("ingest", "--db", db, url,
                env_extra=dict(creds, FACTEUR_IMAP_PASSWORD="wrong"))
        expect(r.returncode == 65, f"exit {r.returncode}: {r.stderr}")
        expect(b"IMAP" in r.stderr, r.stderr)
        # Credentials in the URL are refused, and never sent.
        before = len(srv.log)
        r = run("ingest", "--db", db,
                f"imap://rua:s3cret@127.0.0.1:{port}/INBOX", env_extra=creds)
        expect(r.returncode == 65 and b"credentials" in r.stderr, (r.returncode, r.stderr))
        expect(len(srv.log) == before, srv.log[before:])
    finally:
        srv.shutdown()
    # Nobody listening: the service is unavailable. The port stays bound here, never
    # listening, so that no other program can take it meanwhile.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        r = run("ingest", "--db", db, f"imap://127.0.0.1:{closed.getsockname()[1]}/INBOX",
                env_extra=creds)
    expect(r.returncode == 69, f"exit {r.returncode}: {r.stderr}")


case("a Maildir of Google, Microsoft, Yahoo, Orange, TLS and failure reports", t_maildir)
case("the same Maildir again adds nothing", t_maildir_again)
case("an mbox of reports stored already adds nothing", t_mbox)
case("hostile inputs are each skipped with a line, the run goes on", t_hostile)
case("a report on standard input (an empty report)", t_stdin)
case("summary --json: keys, volumes and groups", t_summary_json)
case("summary in text: the groups and fixes", t_summary_text)
case("summary --csv", t_summary_csv)
case("summary --since", t_since)
case("summary --dns-zone gives reverse names", t_dns_zone)
case("dmarc-feedback vectors: counts equal the expected parse", t_vectors)
case("reports for unmanaged domains are counted and dropped", t_foreign)
case("db= and domains= from --config", t_config)
case("the default database", t_default_db)
case("an IMAP mailbox (scripted server on loopback), credentials from the environment", t_imap)
case("a link named on the command line is followed, not inside folders; no database made "
     "by summary", t_symlink_and_missing_db)
case("usage errors exit 64", t_usage)
case("PostgreSQL: the same summary as SQLite, reports stored once; server down: exit 69",
     t_postgresql)
case("a missing source is bad input, the others are read", t_missing_source)

print(f"1..{len(results)}")
for n, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        for line in why.splitlines():
            print(f"# {line}")
subprocess.run(["rm", "-rf", TMP])
sys.exit(0)
