#!/usr/bin/python3
"""facteur serve's reports pages (issue 16): reports ingested with `facteur reports ingest
--db` into the server's database, then /admin/reports, /admin/reports/DOMAIN, its raw
reports and /api/admin/reports/DOMAIN asked without the admin password (401) and with it;
the numbers shown are those of `facteur reports summary --json`, a hostile organization
name and a <script> in a report are escaped in the page, and a report as received is
served as text/plain, never as HTML. Prints TAP. Usage: test_serve_reports.py BUILD/facteur"""
import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(__file__))
from serve_helper import DOMAIN, ROOT, ZONE, Server, tap  # noqa: E402

FACTEUR = sys.argv[1]
DATA = os.path.join(ROOT, "tests", "data", "reports")
REPORTED = "boulangerie-martin.fr"
results = []

# A report as an attacker would write it: markup in the organization name, the report
# id and an extension element; its source spoofs the domain.
HOSTILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; "Co" 'x'</org_name>
    <email>dmarc@evil.example</email>
    <report_id>&lt;img src=x onerror=alert(2)&gt;</report_id>
    <date_range><begin>1764547200</begin><end>1764633599</end></date_range>
  </report_metadata>
  <policy_published><domain>boulangerie-martin.fr</domain><p>none</p></policy_published>
  <record>
    <row>
      <source_ip>198.51.100.66</source_ip>
      <count>13</count>
      <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
      </policy_evaluated>
    </row>
    <identifiers><header_from>boulangerie-martin.fr</header_from></identifiers>
    <auth_results>
      <spf><domain>&lt;script&gt;x.example</domain><result>fail</result></spf>
    </auth_results>
  </record>
  <extensions><note><![CDATA[<script>alert(3)</script>]]></note></extensions>
</feedback>
"""


def case(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except Exception as e:
        results.append((False, name, f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))


def auth(password):
    token = base64.b64encode(f"admin:{password}".encode()).decode()
    return {"Authorization": "Basic " + token}


def cell(row, cls):
    m = re.search(r'<td class="n ' + cls + r'">(-?\d+)</td>', row)
    assert m, (cls, row)
    return int(m.group(1))


def main():
    tmp = tempfile.mkdtemp(prefix="fct-serve-reports-")
    server = None
    try:
        hashed = subprocess.run([FACTEUR, "serve", "--hash-password"], input="s3cret\n",
                                capture_output=True, text=True, timeout=60)
        assert hashed.returncode == 0, hashed.stderr
        conf = os.path.join(tmp, "serve.conf")
        with open(conf, "w") as f:
            f.write("[serve]\n" + hashed.stdout.strip() + "\n")
        # The examples' zone, and a reverse name for one source: the page and the command
        # line resolve through the same data.
        zone = os.path.join(tmp, "zone")
        with open(ZONE) as f, open(zone, "w") as out:
            out.write(f.read() + "\n25.113.0.203.in-addr.arpa. 300 IN PTR "
                      "mail.boulangerie-martin.fr.\n")
        server = Server(FACTEUR, os.path.join(tmp, "data"), ["--config", conf])
        base_args = server.args
        server.args = lambda: [a if a != ZONE else zone for a in base_args()]
        os.makedirs(server.data_dir)
        db = os.path.join(server.data_dir, "facteur.db")
        hostile = os.path.join(tmp, "hostile.xml")
        with open(hostile, "wb") as f:
            f.write(HOSTILE)
        sources = [os.path.join(DATA, n) for n in ("google.xml", "microsoft.xml",
                                                   "yahoo.xml", "orange.xml", "rfc9990.xml",
                                                   "tlsrpt.json", "failure.eml")]
        ingest = subprocess.run([FACTEUR, "reports", "ingest", "--db", db, "--json",
                                 *sources, hostile], capture_output=True, text=True,
                                timeout=60)
        assert ingest.returncode == 0, ingest.stderr
        counts = json.loads(ingest.stdout)
        assert counts["aggregate"] == 6 and counts["skipped"] == 0, counts
        cli = subprocess.run([FACTEUR, "reports", "summary", REPORTED, "--db", db, "--json",
                              "--dns-zone", zone], capture_output=True, text=True,
                             timeout=60)
        assert cli.returncode == 0, cli.stderr
        expected = json.loads(cli.stdout)
        server.start()
        good = auth("s3cret")
        paths = ["/admin/reports", f"/admin/reports/{REPORTED}",
                 f"/admin/reports/{REPORTED}/raw/1", f"/api/admin/reports/{REPORTED}"]

        def refused_without_password():
            for path in paths:
                status, headers, body = server.request(path)
                assert status == 401 and "Basic" in headers.get("WWW-Authenticate", ""), \
                    (path, status)
                assert b"boulangerie" not in body and b"<feedback" not in body, path
                assert server.request(path, headers=auth("wrong"))[0] == 401, path

        def json_is_the_summary():
            status, headers, body = server.request(f"/api/admin/reports/{REPORTED}",
                                                   headers=good)
            assert status == 200, (status, body)
            assert headers["Content-Type"].startswith("application/json"), headers
            assert json.loads(body) == expected, (json.loads(body), expected)
            assert expected["reports"] == 6 and {"ip": "198.51.100.66", "messages": 13,
                                                 "category": "spoofer"}.items() <= next(
                s for s in expected["sources"] if s["ip"] == "198.51.100.66").items()
            status, _, body = server.request("/api/admin/reports/nobody.example",
                                             headers=good)
            j = json.loads(body)
            assert status == 200 and j["readiness"]["answer"] == "no_data", j
            status, _, _ = server.request("/api/admin/reports/%3Cscript%3E", headers=good)
            assert status == 404, status

        def domains_page():
            status, headers, body = server.request("/admin/reports", headers=good)
            page = body.decode()
            assert status == 200 and headers["Content-Type"].startswith("text/html")
            row = re.search(r'<a href="/admin/reports/boulangerie-martin\.fr">'
                            r'boulangerie-martin\.fr</a></td><td class="n">(\d+)</td>'
                            r'<td class="n">(\d+)</td>', page)
            assert row, page
            # Aggregate, TLS and failure reports filed under the domain; messages are the
            # aggregate records' counts.
            assert int(row.group(2)) == expected["messages"], row.groups()
            assert int(row.group(1)) == (expected["reports"] + expected["tlsrpt"]["reports"]
                                         + expected["failure_reports"]), row.groups()
            status, _, body = server.request("/admin", headers=good)
            assert status == 200 and b'href="/admin/reports"' in body

        def domain_page_numbers():
            status, headers, body = server.request(f"/admin/reports/{REPORTED}",
                                                   headers=good)
            page = body.decode()
            assert status == 200, status
            assert "default-src 'none'" in headers["Content-Security-Policy"]

            def value(ident):
                m = re.search(r'id="' + ident + r'">(\d+)<', page)
                assert m, ident
                return int(m.group(1))
            assert value("reports") == expected["reports"]
            assert value("messages") == expected["messages"]
            assert value("dmarc-pass") == expected["dmarc_pass"]
            assert value("dmarc-fail") == expected["messages"] - expected["dmarc_pass"]
            assert value("tls-ok") == expected["tlsrpt"]["successful_sessions"]
            assert value("tls-failed") == expected["tlsrpt"]["failed_sessions"]
            assert value("failure-reports") == expected["failure_reports"]
            assert f'data-answer="{expected["readiness"]["answer"]}"' in page
            assert html.escape(expected["readiness"]["reason"], quote=True) in page
            # Each source in its group, with the numbers of the command line.
            seen = 0
            for group in ("failing_sender", "forwarder", "spoofer", "compliant"):
                m = re.search(r'<section class="section group" id="' + group
                              + r'">(.*?)</section>', page, re.S)
                want = [s for s in expected["sources"] if s["category"] == group]
                if not want:
                    assert m is None, group
                    continue
                rows = dict(re.findall(r'<tr class="source" data-ip="([^"]+)">(.*?)</tr>',
                                       m.group(1), re.S))
                assert sorted(rows) == sorted(s["ip"] for s in want), (group, rows.keys())
                for s in want:
                    row = rows[s["ip"]]
                    assert cell(row, "messages") == s["messages"], s
                    assert cell(row, "dmarc-pass") == s["dmarc_pass"], s
                    assert cell(row, "spf-aligned") == s["spf_aligned"], s
                    assert cell(row, "dkim-aligned") == s["dkim_aligned"], s
                    if s["reverse_name"]:
                        assert f"<td>{s['reverse_name']}</td>" in row, (s, row)
                    if group == "failing_sender" and s["fix"]:
                        assert html.escape(s["fix"], quote=True) in m.group(1), s
                    seen += 1
            assert seen == len(expected["sources"]), seen
            assert "mail.boulangerie-martin.fr" in page
            # The top failing sources: those that fail, most failing first.
            top = re.search(r'<table class="admin reports" id="top">(.*?)</table>', page, re.S)
            ips = re.findall(r'data-ip="([^"]+)"', top.group(1))
            failing = sorted((s for s in expected["sources"]
                              if s["messages"] > s["dmarc_pass"]),
                             key=lambda s: (-(s["messages"] - s["dmarc_pass"]), s["ip"]))
            assert ips == [s["ip"] for s in failing][:10], (ips, failing)
            # The chart: an SVG drawn by the server, one group of bars per day, and its
            # figures add up to the summary's.
            assert '<svg class="chart"' in page and page.count('<g class="day"') >= 2
            daily = re.search(r'<table class="admin" id="daily">(.*?)</table>', page, re.S)
            rows = re.findall(r'<td class="n pass">(\d+)</td><td class="n fail">(\d+)'
                              r'</td><td class="n blocked">(\d+)</td>', daily.group(1))
            assert sum(int(p) for p, _, _ in rows) == expected["dmarc_pass"], rows
            assert sum(int(p) + int(f) + int(b) for p, f, b in rows) == expected["messages"]
            # Every aggregate report linked to its raw form.
            links = re.findall(r'href="/admin/reports/boulangerie-martin\.fr/raw/(\d+)"', page)
            assert len(links) >= expected["reports"], links

        def hostile_escaped():
            _, _, body = server.request(f"/admin/reports/{REPORTED}", headers=good)
            page = body.decode()
            # The only script is the site's own; the hostile names are shown as text.
            assert re.findall(r"<script[^>]*>", page) == \
                ['<script src="/static/app.js" defer>'], re.findall(r"<script[^>]*>", page)
            assert "<img" not in page and "onerror=alert(2)>" not in page
            assert ("Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; "
                    "&#39;x&#39;") in page, page
            assert "&lt;img src=x onerror=alert(2)&gt;" in page
            assert 'data-ip="198.51.100.66"' in page
            _, _, body = server.request("/admin/reports?lang=fr", headers=good)
            assert b"<script>" not in body

        def raw_is_text():
            _, _, body = server.request(f"/admin/reports/{REPORTED}", headers=good)
            page = body.decode()
            rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>.*?"
                              r'href="(/admin/reports/[^"]+/raw/\d+)"', page)
            link = [href for org, href in rows if org.startswith("Evil")]
            assert len(link) == 1, rows
            status, headers, body = server.request(link[0], headers=good)
            assert status == 200, status
            assert headers["Content-Type"] == "text/plain; charset=utf-8", headers
            assert headers["X-Content-Type-Options"] == "nosniff", headers
            assert "sandbox" in headers["Content-Security-Policy"], headers
            assert body == HOSTILE, body[:200]
            # A report is served only under the domain it was filed for; bad ids are 404.
            number = link[0].rsplit("/", 1)[1]
            for path in (f"/admin/reports/other.example/raw/{number}",
                         f"/admin/reports/{REPORTED}/raw/99999",
                         f"/admin/reports/{REPORTED}/raw/x",
                         f"/admin/reports/{REPORTED}/raw/-1",
                         "/admin/reports/%3Cscript%3E"):
                status, _, body = server.request(path, headers=good)
                assert status == 404 and b"<feedback" not in body, (path, status)

        def empty_store():
            # A server whose database has no report yet says so instead of failing.
            s = Server(FACTEUR, os.path.join(tmp, "empty"), ["--config", conf])
            try:
                s.start()
                status, _, body = s.request("/admin/reports", headers=good)
                assert status == 200 and b'id="domains"' not in body, status
                status, _, body = s.request(f"/admin/reports/{REPORTED}", headers=good)
                assert status == 200 and b'data-answer="no_data"' in body, status
            finally:
                s.stop()

        case("reports pages and API refused without the admin password (401)",
             refused_without_password)
        case("GET /api/admin/reports/DOMAIN is facteur reports summary --json's object",
             json_is_the_summary)
        case("/admin/reports lists the domains with their reports and messages", domains_page)
        case("/admin/reports/DOMAIN shows the summary's numbers, groups, top failing "
             "sources, a daily SVG chart and links to raw reports", domain_page_numbers)
        case("a hostile organization name, report id and <script> are escaped",
             hostile_escaped)
        case("a raw report is text/plain with nosniff, only under its domain", raw_is_text)
        case("an empty store: no domains, no_data", empty_store)
    except Exception as e:
        results.append((False, "setup", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    tap(results)
    return 0 if all(ok for ok, _, _ in results) else 1


if __name__ == "__main__":
    assert DOMAIN
    sys.exit(main())
