#!/usr/bin/python3
"""Load and hostility figures of `facteur serve` on loopback (docs/PERFORMANCE.md,
"facteur serve"). Every loop is bounded in count and time, every server is stopped.

1. 1,000 SMTP connections held open at once: all greeted, the server's memory before
   and while they are held (VmRSS from /proc).
2. A client sending one byte every 10 s, with --smtp-timeout 30: when it is dropped.
3. Messages accepted durably for SECONDS (each 250 comes after fsync and commit) by
   CLIENTS connections in parallel: the rate, and that every one is in the database.
4. The report page under wrk for 10 s: requests per second and latency percentiles.

Usage: bench/serve/load.py BUILD/facteur [SECONDS] [CLIENTS] [conn,rate,wrk,trickle]"""
import os
import re
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../tests/integration/serve"))
from serve_helper import Server  # noqa: E402

FACTEUR = sys.argv[1]
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
CLIENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 8
ONLY = sys.argv[4].split(",") if len(sys.argv) > 4 else ["conn", "rate", "wrk", "trickle"]
ROOT = os.path.join(os.path.dirname(__file__), "../..")
NEWSLETTER = open(os.path.join(ROOT, "examples", "newsletter.eml"), "rb").read()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def held_connections(tmp, n=1000):
    s = Server(FACTEUR, os.path.join(tmp, "conn"),
               ["--connections-per-ip", str(n + 10), "--connections-max", str(n + 10)]).start()
    try:
        before = rss_kib(s.proc.pid)
        socks, greeted = [], 0
        start = time.monotonic()
        for _ in range(n):
            c = socket.create_connection(("127.0.0.1", s.smtp_port), timeout=10)
            socks.append(c)
        for c in socks:
            if c.recv(100).startswith(b"220 "):
                greeted += 1
        # Each says EHLO, so that every session holds its state, not just a socket.
        for c in socks:
            c.sendall(b"EHLO load.example\r\n")
        for c in socks:
            c.recv(1000)
        opened = time.monotonic() - start
        time.sleep(2)
        during = rss_kib(s.proc.pid)
        for c in socks:
            c.close()
        time.sleep(1)
        after = rss_kib(s.proc.pid)
        print(f"held connections: {greeted}/{n} greeted and answered EHLO in {opened:.2f} s; "
              f"server RSS {before} KiB before, {during} KiB with {n} open "
              f"({(during - before) / n:.1f} KiB each), {after} KiB after closing")
    finally:
        s.stop()


def trickle(tmp, timeout=30, every=10):
    s = Server(FACTEUR, os.path.join(tmp, "trickle"), ["--smtp-timeout", str(timeout)]).start()
    try:
        c = socket.create_connection(("127.0.0.1", s.smtp_port), timeout=timeout * 3)
        c.recv(100)
        start = time.monotonic()
        sent = 0
        reply = b""
        c.settimeout(every)
        for byte in b"NOOP this line never ends in time\r\n":
            try:
                c.sendall(bytes([byte]))
                sent += 1
                reply = c.recv(200)
            except socket.timeout:
                continue
            except OSError:
                break
            if reply:
                break
        elapsed = time.monotonic() - start
        print(f"trickling client (one byte every {every} s, --smtp-timeout {timeout}): "
              f"dropped after {elapsed:.1f} s and {sent} bytes with {reply[:40]!r}")
        c.close()
    finally:
        s.stop()


def throughput(tmp):
    s = Server(FACTEUR, os.path.join(tmp, "rate"),
               ["--tests-per-hour", "100000", "--check-threads", "1"]).start()
    try:
        token = s.new_test()["address"]
        stop = time.monotonic() + SECONDS
        counts = [0] * CLIENTS
        errors = []

        def client(i):
            try:
                with smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=30) as c:
                    c.ehlo("load.example")
                    while time.monotonic() < stop:
                        c.sendmail("bounce@maison-dupont.example", [token], NEWSLETTER)
                        counts[i] += 1
            except Exception as e:  # reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        total = sum(counts)
        db = sqlite3.connect(os.path.join(s.data_dir, "facteur.db"))
        rows = db.execute("SELECT count(*) FROM messages").fetchone()[0]
        checked = db.execute("SELECT count(*) FROM messages WHERE checked = 1").fetchone()[0]
        db.close()
        print(f"durable acceptance: {total} messages of {len(NEWSLETTER)} bytes in "
              f"{elapsed:.1f} s over {CLIENTS} connections = {total / elapsed:.0f} msgs/s; "
              f"{rows} rows committed (each 250 after fsync + commit); {checked} checked "
              f"by then; errors: {errors[:3]}")
    finally:
        s.stop()


def report_page(tmp):
    if shutil.which("wrk") is None:
        print("wrk is not installed: report page not measured")
        return
    s = Server(FACTEUR, os.path.join(tmp, "wrk")).start()
    try:
        t = s.new_test()
        with smtplib.SMTP("127.0.0.1", s.smtp_port) as c:
            c.sendmail("bounce@maison-dupont.example", [t["address"]], NEWSLETTER)
        s.wait_report(t["token"])
        status, _, page = s.request("/r/" + t["token"])
        assert status == 200
        url = f"{s.base}/r/{t['token']}"
        out = subprocess.run(["wrk", "-t2", "-c50", "-d10s", "--latency", url],
                             capture_output=True, text=True, timeout=60).stdout
        rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
        pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
        print(f"report page ({len(page)} bytes) under wrk -t2 -c50 -d10s: "
              f"{rate.group(1) if rate else '?'} requests/s, latency p50 {pct.get('50')} "
              f"p90 {pct.get('90')} p99 {pct.get('99')}")
    finally:
        s.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="fct-load-")
    try:
        for name, fn in (("conn", held_connections), ("rate", throughput),
                         ("wrk", report_page), ("trickle", trickle)):
            if name in ONLY:
                fn(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
