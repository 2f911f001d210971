#!/usr/bin/python3
"""SMTP load for the milter benchmark: CONCURRENCY sessions send COUNT messages of the
corpus in all into Postfix. Each message gets its sender's client address and HELO
through XCLIENT (so that SPF, DKIM and DMARC see what a real MX would), then MAIL,
RCPT, DATA; the time from the final "." to the 250 reply is recorded. smtp-source
cannot set a client address per message nor time the end of DATA, hence this.

Prints one JSON object: sent, failed, seconds, rate (msgs/s), p50_ms, p99_ms.
Usage: load.py PORT ENVELOPES COUNT CONCURRENCY"""
import json
import smtplib
import sys
import threading
import time

port, envelopes_path = int(sys.argv[1]), sys.argv[2]
count, concurrency = int(sys.argv[3]), int(sys.argv[4])

envelopes = []
for line in open(envelopes_path):
    path, ip, mail_from, helo = line.split()
    with open(path, "rb") as f:
        envelopes.append((f.read(), ip, mail_from, helo))

lock = threading.Lock()
next_index = 0
latencies = []
failed = 0
first_error = None


def take():
    global next_index
    with lock:
        if next_index >= count:
            return None
        next_index += 1
        return next_index - 1


def worker():
    global failed, first_error
    s = smtplib.SMTP("127.0.0.1", port, timeout=300)
    s.ehlo("load.bench.test")
    while True:
        i = take()
        if i is None:
            break
        msg, ip, mail_from, helo = envelopes[i % len(envelopes)]
        try:
            code, _ = s.docmd("XCLIENT", f"ADDR={ip} NAME=[UNAVAILABLE] HELO={helo}")
            if code != 220:
                raise smtplib.SMTPException(f"XCLIENT {code}")
            s.ehlo(helo)
            s.mail(mail_from)
            s.rcpt("user@sink.test")
            code, _ = s.docmd("DATA")
            if code != 354:
                raise smtplib.SMTPException(f"DATA {code}")
            data = smtplib._quote_periods(msg)
            if not data.endswith(b"\r\n"):
                data += b"\r\n"
            s.send(data)
            start = time.perf_counter()
            s.send(b".\r\n")
            code, _ = s.getreply()
            took = time.perf_counter() - start
            if code != 250:
                raise smtplib.SMTPException(f"end of DATA {code}")
            with lock:
                latencies.append(took)
        except (smtplib.SMTPException, OSError) as e:
            with lock:
                failed += 1
                if first_error is None:
                    first_error = str(e)[:200]
            try:
                s.close()
            except OSError:
                pass
            s = smtplib.SMTP("127.0.0.1", port, timeout=300)
            s.ehlo("load.bench.test")
    try:
        s.quit()
    except (smtplib.SMTPException, OSError):
        pass


start = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(concurrency)]
for t in threads:
    t.start()
for t in threads:
    t.join()
seconds = time.perf_counter() - start
latencies.sort()


def pct(p):
    if not latencies:
        return None
    return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)


print(json.dumps({"sent": len(latencies), "failed": failed, "seconds": round(seconds, 2),
                  "rate": round(len(latencies) / seconds, 1), "p50_ms": pct(0.50),
                  "p99_ms": pct(0.99), "first_error": first_error}))
