#!/usr/bin/python3
"""facteur domain on zone files, as a user runs it: the situations of issue 13 and the
proof that each fix works (applied to the zone file it was given for, the domain audited
again, the finding gone).

Every domain starts from one correct setup and changes what its case is about. For each
finding that carries a fix, the fix is applied as its reader would: each record replaces
the records of its name and type in the zone file (a TXT record only those of its kind:
"v=spf1", "v=DMARC1", "v=DKIM1"), a `facteur dkim keygen` command is run (--json) and the
record it prints is published; comment lines are read, not applied. MTA-STS fixes need an
HTTPS server: tests/unit/audit (injected fetcher) and test_domain.py (nginx) cover them.
The STARTTLS case probes five exchangers on 127.0.0.2-6 at a closed port.
Prints TAP. Usage: test_fixes.py BUILD/facteur"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile

FACTEUR = sys.argv[1]
ED25519 = "Bo4TtZW44PFCQoEiLtM42thb1cNZ+ITW7a09BCOQUsU="
RSA1024 = ("MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCvPs7C7E1R3UM7t1s0YrekEy2FZZgErS0BwtKHOdoNB08q25"
           "Yhc+aJivl2QZTz1PV2y27+4RfamHar9Q/ECVNhfz8jO6uQNxrubFZJ2GkSe5zGzXTmsE3CpBQctkFjihK1KOjQ"
           "XcGLJ/H+XHIyt/TuKvWAJSTvrz5E4gd24VxbzwIDAQAB")

BASE = {
    "ns": "{d}. NS ns1.{d}.",
    "mx": "{d}. MX 10 mx1.{d}.",
    "a": "mx1.{d}. A {ip}",
    "ptr": "{rev}.in-addr.arpa. PTR mx1.{d}.",
    "spf": '{d}. TXT "v=spf1 mx -all"',
    "dkim": f'mail._domainkey.{{d}}. TXT "v=DKIM1; k=ed25519; p={ED25519}"',
    "dmarc": '_dmarc.{d}. TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{d}"',
    "tlsrpt": '_smtp._tls.{d}. TXT "v=TLSRPTv1; rua=mailto:tls@{d}"',
}

# domain, address, base lines dropped, lines added, ids expected among the findings
CASES = [
    ("mergedmarc.fct", "192.0.2.60", "dmarc",
     '_dmarc.{d}. TXT "v=DMARC1; p=none; adkim=s; sp=reject; ruf=mailto:f@{d}"',
     {"dmarc-policy-none", "dmarc-rua-missing"}),
    ("nodmarc.fct", "192.0.2.61", "dmarc", "", {"dmarc-missing"}),
    ("tdmarc.fct", "192.0.2.62", "dmarc",
     '_dmarc.{d}. TXT "v=DMARC1; p=reject; t=y; rua=mailto:x@{d}"', {"dmarc-testing"}),
    ("gspf.fct", "192.0.2.63", "mx a ptr spf",
     "{d}. MX 1 aspmx.l.google.com.\n{d}. MX 5 alt1.aspmx.l.google.com.\n"
     "aspmx.l.google.com. A {ip}\nalt1.aspmx.l.google.com. A {ip}\n"
     "{rev}.in-addr.arpa. PTR aspmx.l.google.com.", {"spf-missing"}),
    ("plusall.fct", "192.0.2.64", "spf",
     '{d}. TXT "v=spf1 mx include:inc.{d} +all"\ninc.{d}. TXT "v=spf1 ip4:198.51.100.1 ?all"',
     {"spf-permissive-all"}),
    ("threeptr.fct", "192.0.2.65", "ptr",
     "{d}. MX 20 mx2.{d}.\nmx2.{d}. A 198.51.100.65\n{d}. MX 30 mx3.{d}.\n"
     "mx3.{d}. A 198.51.100.66", {"ptr-missing"}),
    ("nodkim.fct", "192.0.2.66", "dkim", "", {"dkim-missing"}),
    ("weakdkim.fct", "192.0.2.67", "dkim",
     f'mail._domainkey.{{d}}. TXT "v=DKIM1; k=rsa; p={RSA1024}"', {"dkim-weak-key"}),
    ("norpt.fct", "192.0.2.68", "tlsrpt", "", {"tls-rpt-missing"}),
    ("twospf.fct", "192.0.2.69", "", '{d}. TXT "v=spf1 ip4:{ip} +mx ?all"', {"spf-multiple"}),
    ("lookups.fct", "192.0.2.70", "spf",
     '{d}. TXT "v=spf1 mx ' + " ".join(f"include:i{n}.{{d}}" for n in range(1, 11))
     + ' -all"\n' + "\n".join(f'i{n}.{{d}}. TXT "v=spf1 ip4:198.51.100.{n} -all"'
                              for n in range(1, 11)), {"spf-too-many-lookups"}),
]


def lines_for(domain, ip, drop, extra):
    rev = ".".join(reversed(ip.split(".")))
    out = [v for k, v in BASE.items() if k not in drop.split()]
    if extra:
        out += extra.split("\n")
    return [l.replace("{d}", domain).replace("{ip}", ip).replace("{rev}", rev) for l in out]


def txt_version(rdata):
    m = re.match(r'\s*"([^" ;]+)', rdata)
    return m.group(1).lower() if m else None


def split_record(line):
    parts = line.split(None, 2)
    return parts[0].lower(), parts[1].upper(), parts[2] if len(parts) > 2 else ""


def apply_fix(zone_lines, fix, workdir):
    records = []
    for line in fix.split("\n"):
        if not line or line.startswith("#"):
            continue
        if line.startswith("facteur dkim keygen "):
            argv = line.split()[1:] + ["--json"]
            argv[argv.index("--out") + 1] = os.path.join(workdir, "keys")
            p = subprocess.run([FACTEUR] + argv, capture_output=True, text=True, timeout=60)
            assert p.returncode == 0, f"{line}: exit {p.returncode} {p.stderr}"
            doc = json.loads(p.stdout)
            records.append(f"{doc['name']}. TXT {doc['txt']}")
            continue
        records.append(line)
    out = []
    for z in zone_lines:
        owner, rtype, rdata = split_record(z)
        replaced = False
        for r in records:
            fo, ft, fd = split_record(r)
            if (owner, rtype) == (fo, ft):
                v = txt_version(fd) if ft == "TXT" else None
                replaced = v is None or txt_version(rdata) == v
                if replaced:
                    break
        if not replaced:
            out.append(z)
    return out + records


def audit(zone_lines, domain, workdir, extra_args=()):
    path = os.path.join(workdir, "zone")
    with open(path, "w") as f:
        f.write("$TTL 300\n" + "\n".join(zone_lines) + "\n")
    p = subprocess.run([FACTEUR, "domain", "--json", "--dns-zone", path, "--no-blocklists",
                        "--dkim-selector", "mail", *extra_args, domain],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en"))
    assert p.returncode == 0, f"{domain}: exit {p.returncode} {p.stderr}"
    return json.loads(p.stdout)


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
    work = tempfile.mkdtemp(prefix="facteur-fixes-")
    applied = 0
    for domain, ip, drop, extra, want in CASES:
        zone = lines_for(domain, ip, drop, extra)

        def run(domain=domain, zone=zone, want=want):
            nonlocal applied
            r = audit(zone, domain, work, ["--no-smtp"])
            ids = [f["id"] for f in r["findings"]]
            expect(want <= set(ids), f"{domain}: {sorted(ids)} lacks {sorted(want)}")
            expect(len(ids) == len(set(ids)), f"{domain}: an id twice: {ids}")
            for f in r["findings"]:
                if f.get("fix") is None or f["id"].startswith("mta-sts"):
                    continue
                fixed = apply_fix(zone, f["fix"], work)
                again = audit(fixed, domain, work, ["--no-smtp"])
                left = [g["id"] for g in again["findings"]]
                expect(f["id"] not in left,
                       f"{domain}: the fix of {f['id']} leaves it:\n{f['fix']}\nnow {left}")
                applied += 1
        case(f"{domain}: raises {', '.join(sorted(want))}; every fix, applied, removes its finding", run)

    def details():
        r = audit(lines_for("mergedmarc.fct", *CASES[0][1:4]),
                  "mergedmarc.fct", work, ["--no-smtp", "--rua", "reports@example.net"])
        fixes = {f["id"]: f["fix"] for f in r["findings"]}
        expect(fixes["dmarc-policy-none"] == '_dmarc.mergedmarc.fct. TXT "v=DMARC1; '
               'p=quarantine; adkim=s; sp=reject; ruf=mailto:f@mergedmarc.fct"',
               fixes["dmarc-policy-none"])
        expect(fixes["dmarc-rua-missing"].startswith(
            '_dmarc.mergedmarc.fct. TXT "v=DMARC1; p=none; adkim=s; sp=reject; '
            'ruf=mailto:f@mergedmarc.fct; rua=mailto:reports@example.net"'),
            fixes["dmarc-rua-missing"])
        expect("mergedmarc.fct._report._dmarc.example.net." in fixes["dmarc-rua-missing"],
               "no authorisation record for the outside report address")
        r = audit(lines_for("gspf.fct", *CASES[3][1:4]), "gspf.fct", work, ["--no-smtp"])
        fix = next(f["fix"] for f in r["findings"] if f["id"] == "spf-missing")
        expect(fix == 'gspf.fct. TXT "v=spf1 include:_spf.google.com ~all"', fix)
        r = audit(lines_for("threeptr.fct", *CASES[5][1:4]), "threeptr.fct", work,
                  ["--no-smtp"])
        f = next(f for f in r["findings"] if f["id"] == "ptr-missing")
        expect(f["evidence"] == "192.0.2.65, 198.51.100.65, 198.51.100.66", f["evidence"])
        expect(f["points"] == 1.0, f"ptr-missing costs {f['points']}")
        r = audit(lines_for("lookups.fct", *CASES[10][1:4]), "lookups.fct", work, ["--no-smtp"])
        fix = next(f["fix"] for f in r["findings"] if f["id"] == "spf-too-many-lookups")
        expect(fix.startswith("# The addresses below are your providers' today")
               and "facteur domain lookups.fct" in fix, fix)
    case("the fixes as issue 13 asks: merged DMARC, provider SPF, one PTR finding, "
         "flattening warned", details)

    def five_unreachable():
        # Five exchangers, none reachable on the SMTP port from here: one 0-point finding,
        # not five penalties.
        # A port bound on every address and never listening (connecting is refused),
        # kept until the audit is done so that no other program can take it meanwhile.
        s = socket.socket()
        s.bind(("0.0.0.0", 0))
        port = s.getsockname()[1]
        d = "fivemx.fct"
        zone = lines_for(d, "127.0.0.2", "mx a ptr", "\n".join(
            f"{{d}}. MX {10 * n} mx{n}.{{d}}.\nmx{n}.{{d}}. A 127.0.0.{n + 1}\n"
            f"{n + 1}.0.0.127.in-addr.arpa. PTR mx{n}.{{d}}." for n in range(1, 6)))
        r = audit(zone, d, work, ["--smtp-port", str(port)])
        s.close()
        ids = [f["id"] for f in r["findings"]]
        expect("smtp-unreachable" not in ids and "smtp-untested" in ids, ids)
        untested = next(f for f in r["findings"] if f["id"] == "smtp-untested")
        expect(untested["points"] == 0, untested)
        lost = sum(f["points"] for f in r["findings"])
        expect(abs(r["score"] - (10 - lost)) < 0.05 and r["score"] >= 9.0,
               f"score {r['score']} with {ids}")
    case("five exchangers unreachable from here: smtp-untested, 0 points", five_unreachable)

    def batch_from_stdin():
        # One pass over standard input: JSON lines in input order, comments skipped.
        zone = []
        for domain, ip, drop, extra, _ in CASES[:3]:
            zone += lines_for(domain, ip, drop, extra)
        path = os.path.join(work, "zone")
        with open(path, "w") as f:
            f.write("$TTL 300\n" + "\n".join(zone) + "\n")
        stdin = "# three domains\nmergedmarc.fct\nnodmarc.fct\n\ntdmarc.fct\n"
        p = subprocess.run([FACTEUR, "domain", "--batch", "-", "--dns-zone", path,
                            "--no-blocklists", "--no-smtp", "--concurrency", "3"],
                           input=stdin, capture_output=True, text=True, timeout=120)
        expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
        got = [json.loads(l)["domain"] for l in p.stdout.splitlines()]
        expect(got == ["mergedmarc.fct", "nodmarc.fct", "tdmarc.fct"], got)
    case("domain --batch - reads standard input once, JSON lines in order", batch_from_stdin)

    def batch_state():
        # With --state, a second run prints what the first found without auditing again:
        # the zone changed in between, the reports did not.
        path = os.path.join(work, "zone")
        with open(path, "w") as f:
            f.write("$TTL 300\n" + "\n".join(lines_for("nodmarc.fct", *CASES[1][1:4])) + "\n")
        listing = os.path.join(work, "domains.txt")
        with open(listing, "w") as f:
            f.write("nodmarc.fct\n")
        state = os.path.join(work, "domains.state")
        argv = [FACTEUR, "domain", "--batch", listing, "--state", state, "--dns-zone", path,
                "--no-blocklists", "--no-smtp"]
        first = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        expect(first.returncode == 0 and "dmarc-missing" in first.stdout, first.stdout)
        with open(path, "a") as f:
            f.write('_dmarc.nodmarc.fct. TXT "v=DMARC1; p=reject; rua=mailto:d@nodmarc.fct"\n')
        again = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        expect(again.stdout == first.stdout, "the second run audited again")
    case("domain --batch --state: a finished domain is not audited twice", batch_state)

    for root, dirs, files in os.walk(work, topdown=False):
        for name in files:
            os.unlink(os.path.join(root, name))
        for name in dirs:
            os.rmdir(os.path.join(root, name))
    os.rmdir(work)
    print(f"1..{len(results)}")
    for n, (ok, name, note) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} {name}")
        for line in note.splitlines():
            print(f"#   {line}")
    print(f"# {applied} fixes applied and audited again")
    return 0


sys.exit(main())
