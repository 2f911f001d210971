#!/usr/bin/python3
"""Writes N DMARC aggregate reports into DIR for bench/reports/run.sh: a third bare XML, a
third gzip, a third zip, from 5 to MAX records each. Record counts follow 5 * (MAX/5)^(u^3)
for u uniform in [0, 1): most reports are small, as most receivers see few sources of a
domain, and about one in eleven holds over a thousand records, as Google's and
Microsoft's do for a busy domain. Deterministic (seeded).
Usage: generate.py DIR N [MAX] [FIRST]   (FIRST: number of the first report, default 0)"""
import gzip
import io
import os
import random
import sys
import zipfile

out, n = sys.argv[1], int(sys.argv[2])
most = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
os.makedirs(out, exist_ok=True)
ORGS = ["google.com", "Enterprise Outlook", "Yahoo", "Orange", "Mail.Ru", "comcast.net"]
RESULTS = [("pass", "pass"), ("pass", "fail"), ("fail", "pass"), ("fail", "fail")]

total = 0
for i in range(first, first + n):
    rnd = random.Random(i)
    records = int(5 * (most / 5) ** (rnd.random() ** 3))
    total += records
    domain = f"client{i % 500}.example"
    begin = 1764374400 + (i // 500) * 86400
    org = ORGS[i % len(ORGS)]
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<feedback>\n  <report_metadata>\n'
        f"    <org_name>{org}</org_name>\n    <email>dmarc@{org.split()[0].lower()}</email>\n"
        f"    <report_id>bench-{i}-{rnd.getrandbits(48):x}</report_id>\n"
        f"    <date_range><begin>{begin}</begin><end>{begin + 86399}</end></date_range>\n"
        "  </report_metadata>\n  <policy_published>\n"
        f"    <domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>"
        "<sp>none</sp><pct>100</pct>\n  </policy_published>\n"]
    for r in range(records):
        dkim, spf = RESULTS[rnd.randrange(4) if r % 7 else 0]
        ip = (f"2001:db8:{rnd.randrange(65536):x}::{rnd.randrange(65536):x}" if r % 5 == 4
              else f"{rnd.choice((192, 198, 203))}.{rnd.randrange(256)}.{rnd.randrange(256)}"
                   f".{rnd.randrange(1, 255)}")
        parts.append(
            f"  <record>\n    <row>\n      <source_ip>{ip}</source_ip>\n"
            f"      <count>{rnd.randrange(1, 500)}</count>\n      <policy_evaluated>"
            f"<disposition>none</disposition><dkim>{dkim}</dkim><spf>{spf}</spf>"
            "</policy_evaluated>\n    </row>\n"
            f"    <identifiers><header_from>{domain}</header_from></identifiers>\n"
            "    <auth_results>\n"
            f"      <dkim><domain>{domain if dkim == 'pass' else 'esp.example'}</domain>"
            f"<selector>s{r % 3}</selector><result>pass</result></dkim>\n"
            f"      <spf><domain>{domain if spf == 'pass' else 'bounce.esp.example'}</domain>"
            "<result>pass</result></spf>\n    </auth_results>\n  </record>\n")
    parts.append("</feedback>\n")
    xml = "".join(parts).encode()
    name = f"{org.split()[0].lower()}!{domain}!{begin}!{begin + 86399}!{i}"
    kind = i % 3
    if kind == 0:
        with open(os.path.join(out, name + ".xml"), "wb") as f:
            f.write(xml)
    elif kind == 1:
        with open(os.path.join(out, name + ".xml.gz"), "wb") as f:
            f.write(gzip.compress(xml, 6, mtime=0))
    else:
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo(name + ".xml", (2025, 11, 29, 0, 0, 0)), xml,
                       zipfile.ZIP_DEFLATED)
        with open(os.path.join(out, name + ".zip"), "wb") as f:
            f.write(b.getvalue())
print(f"{n} reports, {total} records")
