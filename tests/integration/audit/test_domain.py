#!/usr/bin/python3
"""facteur domain against real servers on loopback (issue 7, "Done when").

Starts, in a temporary folder and on free non-standard ports:
- nsd serving secure.test (signed with ldns-signzone; its DS is given to facteur as trust
  anchor with --trust-anchor), bogus.test (signed, then an address changed so its
  signature fails) and plain.test (unsigned); facteur's libunbound forwards to it
  (--dns-server), so DNSSEC secure, bogus and insecure are real validation results;
- Postfix with a self-signed STARTTLS certificate (--smtp-port);
- nginx serving the MTA-STS policies of secure.test and plain.test over HTTPS with a
  certificate from a throw-away test CA (openssl CLI); facteur trusts it with --ca-file
  and reaches it with --mta-sts-port (the host name is resolved through facteur's own
  resolver, so nsd's A record for mta-sts.DOMAIN points the fetch at 127.0.0.1).
Every server is stopped at the end, even when a case fails. Prints TAP.
Usage: test_domain.py BUILD/facteur. nsd, ldns-signzone and nginx are needed; Postfix
needs root: without it the STARTTLS cases are skipped, with why."""
import hashlib
import json
import os
import pty
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

FACTEUR = sys.argv[1]
results = []

ZONE_HEAD = """$ORIGIN {z}.
$TTL 300
@ SOA ns1 hostmaster 1 7200 900 1209600 300
@ NS ns1
ns1 A 127.0.0.1
"""

# One mail setup, complete but for what each zone is meant to show.
ZONE_MAIL = """@ MX 10 mx
mx A 127.0.0.1
@ TXT "v=spf1 mx -all"
mail._domainkey TXT "v=DKIM1; k=ed25519; p=Bo4TtZW44PFCQoEiLtM42thb1cNZ+ITW7a09BCOQUsU="
_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{z}"
_mta-sts TXT "v=STSv1; id=20240101"
mta-sts A 127.0.0.1
_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tls@{z}"
_25._tcp.mx TLSA 3 1 1 {tlsa}
"""

# Two more MTA-STS hosts in plain.test whose HTTPS answers are wrong: a redirect (not
# followed, RFC 8461 §3.3) and a policy over the 64 KiB cap.
ZONE_STS_BROKEN = """_mta-sts.redirect TXT "v=STSv1; id=1"
mta-sts.redirect A 127.0.0.1
_mta-sts.big TXT "v=STSv1; id=1"
mta-sts.big A 127.0.0.1
"""

# A subdomain of the signed zone whose TLSA record (validated: secure) matches no key.
ZONE_DANE_WRONG = """wrongdane MX 10 mx.wrongdane
mx.wrongdane A 127.0.0.1
_25._tcp.mx.wrongdane TLSA 3 1 1 """ + "00" * 32 + """
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
proxymap  unix  - - n -    - proxymap
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def run(argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip()


def wait_tcp(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


# ---- nsd ------------------------------------------------------------------------------

def sign(d, zone):
    key = run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", zone], cwd=d)
    run(["ldns-signzone", f"{zone}.zone", key], cwd=d)
    with open(os.path.join(d, f"{key}.ds")) as f:
        return f.read().strip()


def start_nsd(d, tlsa):
    """tlsa: the SHA-256 of Postfix's key, published (signed) for mx.secure.test; the
    other zones publish a record that matches nothing."""
    for z in ("secure.test", "bogus.test", "plain.test"):
        data = tlsa if z == "secure.test" else "00" * 32
        extra = {"plain.test": ZONE_STS_BROKEN, "secure.test": ZONE_DANE_WRONG}.get(z, "")
        write(f"{d}/{z}.zone", ZONE_HEAD.format(z=z) + ZONE_MAIL.format(z=z, tlsa=data) + extra)
    anchors = [sign(d, "secure.test"), sign(d, "bogus.test")]
    # bogus.test: the exchanger's address changes after signing (RFC 4035 §5.3 fails).
    path = f"{d}/bogus.test.zone.signed"
    with open(path) as f:
        text = f.read()
    lines = [l.replace("127.0.0.1", "127.0.0.9") if l.startswith("mx.bogus.test.") and "\tA\t" in l
             else l for l in text.splitlines()]
    assert any("127.0.0.9" in l for l in lines), "the signed bogus.test has no mx A line"
    write(path, "\n".join(lines) + "\n")
    write(f"{d}/anchors", "\n".join(anchors) + "\n")

    zones = "".join(f'zone:\n    name: "{z}"\n    zonefile: "{f}"\n' for z, f in (
        ("secure.test", "secure.test.zone.signed"), ("bogus.test", "bogus.test.zone.signed"),
        ("plain.test", "plain.test.zone")))
    # The port was free when chosen, but another program may take it (UDP or TCP) before
    # nsd binds it: then nsd exits, and another port is tried, a few times.
    for attempt in range(5):
        port = free_port(socket.SOCK_DGRAM)
        write(f"{d}/nsd.conf", f"""server:
    ip-address: 127.0.0.1@{port}
    port: {port}
    username: ""
    chroot: ""
    zonesdir: "{d}"
    database: ""
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    pidfile: "{d}/nsd.pid"
    logfile: "{d}/nsd.log"
    server-count: 1
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
{zones}""")
        proc = subprocess.Popen(["nsd", "-d", "-c", f"{d}/nsd.conf"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            r = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "@127.0.0.1", "-p",
                                str(port), "SOA", "plain.test"], capture_output=True,
                               text=True)
            if r.stdout.strip():
                return proc, f"127.0.0.1@{port}"
            time.sleep(0.2)
        if proc.poll() is None:
            proc.kill()
            break
    proc.wait()
    raise RuntimeError(f"nsd did not answer (see {d}/nsd.log)")


# ---- nginx with a test CA ---------------------------------------------------------------

def start_nginx(d):
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "2", "-subj", "/CN=facteur test CA", "-keyout", f"{d}/ca.key",
         "-out", f"{d}/ca.pem"])
    run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-subj", "/CN=mta-sts.secure.test", "-keyout", f"{d}/web.key", "-out", f"{d}/web.csr"])
    write(f"{d}/web.ext", "subjectAltName=DNS:mta-sts.secure.test,DNS:mta-sts.plain.test,"
                          "DNS:mta-sts.redirect.plain.test,DNS:mta-sts.big.plain.test\n")
    run(["openssl", "x509", "-req", "-in", f"{d}/web.csr", "-CA", f"{d}/ca.pem", "-CAkey",
         f"{d}/ca.key", "-CAcreateserial", "-days", "2", "-extfile", f"{d}/web.ext",
         "-out", f"{d}/web.pem"])
    for z, mx in (("secure.test", "mx.secure.test"), ("plain.test", "mail.other.test")):
        os.makedirs(f"{d}/www/{z}/.well-known")
        write(f"{d}/www/{z}/.well-known/mta-sts.txt",
              f"version: STSv1\nmode: enforce\nmx: {mx}\nmax_age: 86400\n")
    os.makedirs(f"{d}/www/big/.well-known")
    write(f"{d}/www/big/.well-known/mta-sts.txt",
          "version: STSv1\nmode: enforce\nmax_age: 86400\n" + "mx: a.example\n" * 10000)
    port = free_port()
    tls = f"ssl_certificate {d}/web.pem; ssl_certificate_key {d}/web.key;"
    servers = f"""    server {{
        listen 127.0.0.1:{port} ssl;
        server_name mta-sts.redirect.plain.test;
        {tls}
        return 301 https://mta-sts.secure.test:{port}/.well-known/mta-sts.txt;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name mta-sts.big.plain.test;
        {tls}
        root {d}/www/big;
        default_type text/plain;
    }}
"""
    servers += "".join(f"""    server {{
        listen 127.0.0.1:{port} ssl;
        server_name mta-sts.{z};
        ssl_certificate {d}/web.pem;
        ssl_certificate_key {d}/web.key;
        root {d}/www/{z};
        default_type text/plain;
    }}
""" for z in ("secure.test", "plain.test"))
    write(f"{d}/nginx.conf", f"""daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log {d}/nginx-access.log;
    client_body_temp_path {d}/tmp;
    proxy_temp_path {d}/tmp;
    fastcgi_temp_path {d}/tmp;
    uwsgi_temp_path {d}/tmp;
    scgi_temp_path {d}/tmp;
{servers}}}
""")
    os.makedirs(f"{d}/tmp")
    proc = subprocess.Popen(["nginx", "-p", d, "-c", f"{d}/nginx.conf"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_tcp(port):
        proc.kill()
        raise RuntimeError(f"nginx did not start (see {d}/nginx-error.log)")
    return proc, port


# ---- Postfix ----------------------------------------------------------------------------

def make_postfix_cert(d):
    """A self-signed certificate for Postfix; returns the SHA-256 of its public key
    (SubjectPublicKeyInfo), the data of a "3 1 1" TLSA record."""
    pd = f"{d}/postfix"
    for sub in ("", "/queue", "/data"):
        os.mkdir(pd + sub)
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=mx.secure.test", "-keyout", f"{pd}/key.pem", "-out", f"{pd}/cert.pem"])
    spki = subprocess.run(["openssl", "pkey", "-in", f"{pd}/key.pem", "-pubout", "-outform",
                           "DER"], check=True, capture_output=True, timeout=60).stdout
    return hashlib.sha256(spki).hexdigest().upper()


def start_postfix(d):
    pd = f"{d}/postfix"
    shutil.chown(f"{pd}/data", "postfix")
    port = free_port()
    write(f"{pd}/main.cf", f"""compatibility_level = 3.6
queue_directory = {pd}/queue
data_directory = {pd}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.secure.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
smtpd_tls_security_level = may
smtpd_tls_cert_file = {pd}/cert.pem
smtpd_tls_key_file = {pd}/key.pem
smtpd_banner = $myhostname ESMTP facteur-test
maillog_file_prefixes = {pd}
maillog_file = {pd}/maillog
""")
    write(f"{pd}/master.cf", MASTER_CF.format(listen=f"127.0.0.1:{port}"))
    subprocess.run(["postfix", "-c", pd, "start"], check=True, capture_output=True, timeout=60)
    if not wait_tcp(port):
        raise RuntimeError(f"Postfix did not listen (see {pd}/maillog)")
    return pd, port


def stop_postfix(pd):
    subprocess.run(["postfix", "-c", pd, "stop"], capture_output=True, timeout=60)


# ---- cases ------------------------------------------------------------------------------

def case(name, fn, skip=None):
    if skip:
        results.append(("ok", name, f"# SKIP {skip}"))
        return
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


def main():
    for tool in ("nsd", "ldns-signzone", "ldns-keygen", "nginx", "dig", "openssl"):
        if shutil.which(tool) is None:
            print("1..0 # SKIP " + tool + " is not installed")
            return 0
    d = tempfile.mkdtemp(prefix="facteur-audit-")
    os.chmod(d, 0o755)
    nsd = nginx = None
    postfix_dir = None
    try:
        tlsa = make_postfix_cert(d)
        nsd, forwarder = start_nsd(d, tlsa)
        nginx, https_port = start_nginx(d)
        postfix_skip = None
        smtp_port = None
        if os.geteuid() != 0 or shutil.which("postfix") is None:
            postfix_skip = "Postfix needs root (postfix -c DIR start)"
        else:
            postfix_dir, smtp_port = start_postfix(d)

        env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
        common = ["--dns-server", forwarder, "--trust-anchor", f"{d}/anchors",
                  "--ca-file", f"{d}/ca.pem", "--mta-sts-port", str(https_port),
                  "--no-blocklists", "--dkim-selector", "mail"]

        def audit(domain, *extra, smtp=False):
            args = [FACTEUR, "domain", "--json", *common, *extra]
            args += ["--smtp-port", str(smtp_port)] if smtp else ["--no-smtp"]
            p = subprocess.run(args + [domain], capture_output=True, text=True, env=env,
                               timeout=120)
            expect(p.returncode in (0, 69), f"exit {p.returncode}: {p.stderr}")
            return json.loads(p.stdout), p.returncode

        def ids(report):
            return {f["id"] for f in report["findings"]}

        def secure():
            r, rc = audit("secure.test")
            expect(rc == 0, f"exit {rc}")
            expect(r["dnssec"] == "secure", f"dnssec {r['dnssec']}")
            expect(r["mta_sts"]["mx"] == ["mx.secure.test"], f"policy {r.get('mta_sts')}")
            expect(ids(r) == set(), f"findings {sorted(ids(r))}")
            expect(r["score"] == 10.0, f"score {r['score']}")

        def plain():
            r, _ = audit("plain.test")
            expect(r["dnssec"] == "insecure", f"dnssec {r['dnssec']}")
            found = ids(r)
            for want in ("dnssec-unsigned", "dane-without-dnssec", "mta-sts-mx-mismatch"):
                expect(want in found, f"{want} missing from {sorted(found)}")
            fix = next(f["fix"] for f in r["findings"] if f["id"] == "mta-sts-mx-mismatch")
            expect("mx: mx.plain.test" in fix, f"fix {fix!r}")

        def bogus():
            r, rc = audit("bogus.test")
            expect("dnssec-bogus" in ids(r), f"findings {sorted(ids(r))}")
            # The audit ran and found the domain's fault: not a DNS outage.
            expect(rc == 0, f"exit {rc}: {[f['detail'] for f in r['findings']]}")

        def absent():
            r, _ = audit("absent.plain.test")
            expect(ids(r) == {"domain-not-found"}, f"findings {sorted(ids(r))}")

        def starttls():
            r, _ = audit("secure.test", smtp=True)
            smtp = r["mx"][0]["smtp"]
            expect(smtp["banner"].startswith("220 mx.secure.test ESMTP"), f"banner {smtp}")
            expect(smtp["starttls"] and smtp["tls"], f"smtp {smtp}")
            expect(smtp["tls_version"] in ("TLSv1.2", "TLSv1.3"), f"smtp {smtp}")
            cert = smtp["certificate"]
            expect(not cert["trusted"] and cert["name_match"] and not cert["expired"],
                   f"certificate {cert}")
            # Self-signed: untrusted for PKIX (MTA-STS), but its key matches the signed
            # TLSA record (DANE-EE): no dane-mismatch, nothing else wrong.
            expect(r["mx"][0]["tlsa"], "TLSA not seen")
            expect(ids(r) == {"tls-certificate-invalid"}, f"findings {sorted(ids(r))}")

        def dane_mismatch():
            r, _ = audit("wrongdane.secure.test", smtp=True)
            expect(r["dnssec"] == "secure", f"dnssec {r['dnssec']}")
            expect({"dane-mismatch", "tls-certificate-invalid"} <= ids(r),
                   f"findings {sorted(ids(r))}")
            fix = next(f["fix"] for f in r["findings"] if f["id"] == "dane-mismatch")
            expect(fix == f"_25._tcp.mx.wrongdane.secure.test. TLSA 3 1 1 {tlsa}", fix)

        def dead_forwarder():
            # A forwarder that does not answer: the resolver's fault, not the domain's.
            args = [FACTEUR, "domain", "--json", "--no-smtp", "--no-blocklists",
                    "--dns-server", f"127.0.0.1@{free_port(socket.SOCK_DGRAM)}",
                    "--trust-anchor", f"{d}/anchors", "secure.test"]
            p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
            expect(p.returncode == 69, f"exit {p.returncode}: {p.stderr}")
            r = json.loads(p.stdout)
            expect(r["audited"] is False and ids(r) == {"dns-error"}, f"report {r}")

        def batch():
            write(f"{d}/domains", "# domains\nsecure.test\n\nplain.test\nnot a domain\n")
            p = subprocess.run([FACTEUR, "domain", *common, "--no-smtp", "--concurrency", "2",
                                "--batch", f"{d}/domains"], capture_output=True, text=True,
                               env=env, timeout=120)
            expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
            lines = [json.loads(l) for l in p.stdout.splitlines()]
            expect([l["domain"] for l in lines] == ["secure.test", "plain.test", "not a domain"],
                   f"order {lines}")
            expect(lines[0]["score"] == 10.0 and lines[1]["score"] < 10.0, "scores")
            expect("error" in lines[2], f"bad line {lines[2]}")
            expect(p.stderr == "", "no progress bar when stderr is not a terminal")
            # On a terminal, a progress bar counts the domains (comments and blank lines
            # are not domains).
            master, slave = pty.openpty()
            p = subprocess.run([FACTEUR, "domain", *common, "--no-smtp", "--batch",
                                f"{d}/domains"], stdout=subprocess.PIPE, stderr=slave,
                               text=True, env=env, timeout=120)
            os.close(slave)
            bar = b""
            while select.select([master], [], [], 0.5)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                bar += chunk
            os.close(master)
            expect(p.returncode == 0, f"exit {p.returncode}")
            expect(b"\r[" in bar and b"] 3/3" in bar, f"progress {bar!r}")

        def broken_policies():
            r, _ = audit("redirect.plain.test")
            detail = next(f["detail"] for f in r["findings"] if f["id"] == "mta-sts-invalid")
            expect("HTTP 301" in detail, detail)
            r, _ = audit("big.plain.test")
            detail = next(f["detail"] for f in r["findings"] if f["id"] == "mta-sts-invalid")
            expect("larger than 65536 bytes" in detail, detail)

        def text_output():
            p = subprocess.run([FACTEUR, "domain", *common, "--no-smtp", "plain.test"],
                               capture_output=True, text=True, env=env, timeout=120)
            expect(p.returncode == 0, f"exit {p.returncode}")
            expect(p.stdout.startswith("plain.test: "), p.stdout[:80])
            expect("mta-sts-mx-mismatch" in p.stdout and "Fix:" in p.stdout, p.stdout)

        case("signed zone, valid MTA-STS over HTTPS: no finding", secure)
        case("unsigned zone: dnssec-unsigned, dane-without-dnssec, mta-sts-mx-mismatch", plain)
        case("tampered signed zone: dnssec-bogus", bogus)
        case("a name that does not exist: domain-not-found", absent)
        case("Postfix STARTTLS with a self-signed certificate", starttls, postfix_skip)
        case("signed TLSA that matches no key: dane-mismatch, with the right record",
             dane_mismatch, postfix_skip)
        case("a dead forwarder: not audited, exit 69", dead_forwarder)
        case("batch: JSON lines in input order, bad line reported", batch)
        case("MTA-STS: a redirect is not followed, an oversized policy is refused",
             broken_policies)
        case("text output names the finding and its fix", text_output)
    except Exception as e:
        results.append(("not ok", "servers start", f"{type(e).__name__}: {e}"))
    finally:
        if postfix_dir is not None:
            stop_postfix(postfix_dir)
        for proc in (nginx, nsd):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(d, ignore_errors=True)

    print(f"1..{len(results)}")
    for i, (status, name, note) in enumerate(results, 1):
        if note.startswith("# SKIP"):
            print(f"{status} {i} {name} {note}")
        else:
            print(f"{status} {i} {name}")
            if note:
                for line in note.splitlines():
                    print(f"#   {line}")
    return 0


sys.exit(main())
