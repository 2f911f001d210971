#!/usr/bin/python3
"""facteur address --batch, 2,000 addresses across 20 domains, against a scripted SMTP
server on loopback that counts (issue 13, "Done when").

The zone gives each domain dNN.fct its own exchanger mx.dNN.fct at 127.0.0.(NN+1); one
server listens on the same free port of those 20 loopback addresses and accounts per
exchanger: connections, sessions open at once, and the time and address of every RCPT.
Even-numbered users exist, odd ones get 550 5.1.1.

1. A full run at a fast test pace (--rate-host/--rate-domain 1200 a minute, 2 sessions per
   host and per domain, 20 addresses per session): every address gets one verdict, in
   input order; no exchanger sees more RCPTs in any second than the rate allows (20, plus
   one for the edge of the window and one for scheduling jitter), nor more than 2
   sessions at once; sessions are shared (several RCPTs per connection).
2. A run with --state, interrupted (SIGINT) after about 600 RCPTs, then the same command
   again reading standard input: together they ask every address exactly once, and the
   second prints all 2,000 results in order.
The measurements are printed as TAP comments. Usage: test_batch_rate.py BUILD/facteur"""
import collections
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

FACTEUR = sys.argv[1]
DOMAINS = 20
ADDRESSES = 2000
RATE = 1200  # per minute, per host and per domain: 20 a second
SESSIONS = 2
PER_SESSION = 20


def host_ip(n):
    return f"127.0.0.{n + 1}"


SO_TIMESTAMPNS = 35  # Linux, asm-generic/socket.h (the socket module does not name it)


def lines_with_arrival(conn):
    """Yields each line the peer sends, with the time the kernel received it
    (CLOCK_REALTIME, as time.time()): what the exchanger sees, not the moment this
    thread, which a loaded machine may starve, gets round to reading it."""
    conn.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    buf = b""
    while True:
        data, ancillary, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(16))
        if not data:
            return
        arrival = time.time()
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                sec, nsec = struct.unpack("qq", payload[:16])
                arrival = sec + nsec / 1e9
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line + b"\n", arrival


class Server:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.socks = []
        probe = socket.socket()
        probe.bind((host_ip(1), 0))
        self.port = probe.getsockname()[1]
        probe.close()
        for n in range(1, DOMAINS + 1):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host_ip(n), self.port))
            s.listen(64)
            self.socks.append(s)
            threading.Thread(target=self.accept, args=(s,), daemon=True).start()

    def reset(self):
        with self.lock:
            self.connections = collections.Counter()
            self.open = collections.Counter()
            self.peak = collections.Counter()
            self.rcpts = collections.defaultdict(list)  # ip -> [(arrival, address)]
            self.asked = collections.Counter()  # address -> RCPTs

    def accept(self, sock):
        ip = sock.getsockname()[0]
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn, ip), daemon=True).start()

    def session(self, conn, ip):
        with self.lock:
            self.connections[ip] += 1
            self.open[ip] += 1
            self.peak[ip] = max(self.peak[ip], self.open[ip])
        ended = False

        def end():
            # A session ends when the server says goodbye: the client may connect again
            # before this thread gets to close its side.
            nonlocal ended
            if not ended:
                ended = True
                with self.lock:
                    self.open[ip] -= 1
        try:
            conn.settimeout(30)
            conn.sendall(b"220 mx ESMTP counting\r\n")
            for raw, arrival in lines_with_arrival(conn):
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = line[:4].upper()
                if verb == "EHLO":
                    conn.sendall(b"250-mx\r\n250 8BITMIME\r\n")
                elif verb == "MAIL":
                    conn.sendall(b"250 2.1.0 Ok\r\n")
                elif verb == "RCPT":
                    m = re.match(r"RCPT TO:<([^>]*)>", line, re.I)
                    address = m.group(1) if m else ""
                    with self.lock:
                        self.rcpts[ip].append((arrival, address))
                        self.asked[address] += 1
                    u = re.match(r"user(\d+)@", address)
                    ok = u is not None and int(u.group(1)) % 2 == 0
                    if address.startswith("grey"):
                        conn.sendall(b"450 4.2.0 Greylisted, come back later\r\n")
                    elif address.startswith("busy"):
                        # RFC 5321 §3.8: 421, then the server closes the session.
                        conn.sendall(b"421 4.7.0 Too many connections, slow down\r\n")
                        break
                    else:
                        conn.sendall(b"250 2.1.5 Ok\r\n" if ok
                                     else b"550 5.1.1 User unknown\r\n")
                elif verb == "QUIT":
                    end()
                    conn.sendall(b"221 2.0.0 Bye\r\n")
                    break
                else:
                    conn.sendall(b"502 5.5.2 What\r\n")
        except OSError:
            pass
        finally:
            end()
            conn.close()

    def total_rcpts(self):
        with self.lock:
            return sum(len(v) for v in self.rcpts.values())

    def stop(self):
        for s in self.socks:
            s.close()


def max_in_window(times, seconds=1.0):
    times = sorted(times)
    best, j = 0, 0
    for i in range(len(times)):
        while times[i] - times[j] >= seconds:
            j += 1
        best = max(best, i - j + 1)
    return best


results = []
notes = []


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
    d = tempfile.mkdtemp(prefix="facteur-rate-")
    zone = os.path.join(d, "rate.zone")
    with open(zone, "w") as f:
        f.write("$TTL 300\n")
        for n in range(1, DOMAINS + 1):
            f.write(f"d{n:02}.fct. MX 10 mx.d{n:02}.fct.\nmx.d{n:02}.fct. A {host_ip(n)}\n")
    # Interleaved: consecutive lines go to different domains, as in a real list.
    addresses = [f"user{i}@d{i % DOMAINS + 1:02}.fct" for i in range(ADDRESSES)]
    batch = os.path.join(d, "addresses.txt")
    with open(batch, "w") as f:
        f.write("\n".join(addresses) + "\n")
    server = Server()
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en")
    args = [FACTEUR, "address", "--dns-zone", zone, "--smtp-port", str(server.port),
            "--helo", "probe.facteur.fct", "--concurrency", "16",
            "--per-host", str(SESSIONS), "--per-domain", str(SESSIONS),
            "--rate-host", str(RATE), "--rate-domain", str(RATE),
            "--rcpt-per-session", str(PER_SESSION)]

    def full_run():
        t0 = time.monotonic()
        p = subprocess.run(args + ["--batch", batch], capture_output=True, text=True,
                           env=env, timeout=240)
        elapsed = time.monotonic() - t0
        expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr[-500:]}")
        out = [json.loads(l) for l in p.stdout.splitlines()]
        expect([o["address"] for o in out] == addresses, "results not in input order")
        verdicts = collections.Counter(o["verdict"] for o in out)
        expect(verdicts == {"deliverable": ADDRESSES // 2, "undeliverable": ADDRESSES // 2},
               f"verdicts {verdicts}")
        with server.lock:
            asked = dict(server.asked)
            per_host = {ip: [t for t, _ in v] for ip, v in server.rcpts.items()}
            connections = dict(server.connections)
            peak = dict(server.peak)
        expect(all(asked.get(a) == 1 for a in addresses), "an address was asked twice or never")
        windows = {ip: max_in_window(ts) for ip, ts in per_host.items()}
        worst = max(windows.values())
        windows5 = {ip: max_in_window(ts, 5.0) for ip, ts in per_host.items()}
        worst5 = max(windows5.values())
        rates = {ip: (len(ts) - 1) / (max(ts) - min(ts)) for ip, ts in per_host.items()
                 if len(ts) > 1}
        rcpts = sum(len(v) for v in per_host.values())
        conns = sum(connections.values())
        notes.append(f"full run: {ADDRESSES} addresses, {DOMAINS} exchangers, "
                     f"{elapsed:.1f} s; {rcpts} RCPTs ({rcpts - ADDRESSES} catch-all tests) "
                     f"over {conns} connections ({rcpts / conns:.1f} RCPTs per connection)")
        notes.append(f"most RCPTs to one exchanger in any 5 s window: {worst5} "
                     f"(at most {RATE // 12} at {RATE}/min)")
        notes.append(f"most RCPTs to one exchanger in any 1 s window: {worst} "
                     f"(rate {RATE}/min = {RATE // 60}/s); mean rate per exchanger "
                     f"{min(rates.values()):.1f} to {max(rates.values()):.1f}/s; "
                     f"most sessions at once per exchanger: {max(peak.values())}")
        # The rate over 5 s; over 1 s, one more for the window's edge and two for a
        # reply that came late and shortened the next gap.
        expect(worst5 <= RATE // 12 + 2, f"rate exceeded over 5 s: {windows5}")
        expect(worst <= RATE // 60 + 3, f"rate exceeded over 1 s: {windows}")
        expect(max(rates.values()) <= RATE / 60 * 1.05, f"mean rates {rates}")
        expect(max(peak.values()) <= SESSIONS, f"sessions at once {peak}")
        expect(conns <= ADDRESSES // 5, f"sessions not shared: {conns} connections")
    case(f"{ADDRESSES} addresses, {DOMAINS} domains: rate and sessions held, one RCPT each",
         full_run)

    def interrupted_and_resumed():
        server.reset()
        state = os.path.join(d, "state.jsonl")
        proc = subprocess.Popen(args + ["--batch", batch, "--state", state],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        deadline = time.monotonic() + 120
        while server.total_rcpts() < 600 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out1, err1 = proc.communicate(timeout=120)
        first = server.total_rcpts()
        expect(proc.returncode == 130, f"interrupted run: exit {proc.returncode}: {err1}")
        printed1 = [json.loads(l)["address"] for l in out1.splitlines()]
        expect(printed1 == addresses[:len(printed1)], "interrupted output not in order")
        with open(batch) as stdin:
            p = subprocess.run(args + ["--batch", "-", "--state", state], stdin=stdin,
                               capture_output=True, text=True, env=env, timeout=240)
        expect(p.returncode == 0, f"resumed run: exit {p.returncode}: {p.stderr[-500:]}")
        out = [json.loads(l) for l in p.stdout.splitlines()]
        expect([o["address"] for o in out] == addresses, "resumed output incomplete or out of order")
        with server.lock:
            twice = [a for a, n in server.asked.items() if n > 1 and a in set(addresses)]
            never = [a for a in addresses if server.asked.get(a, 0) == 0]
        notes.append(f"interrupted after {first} RCPTs ({len(printed1)} results printed); "
                     f"resumed from standard input: {server.total_rcpts() - first} more RCPTs; "
                     f"addresses asked twice: {len(twice)}, never: {len(never)}")
        expect(not twice, f"asked twice: {twice[:5]}")
        expect(not never, f"never asked: {never[:5]}")
    case("interrupted with --state, resumed from standard input: no address asked twice",
         interrupted_and_resumed)

    def backoff():
        # Three addresses greylisted by one exchanger, no rate: after the first 450 the
        # next RCPT waits --backoff (1 s), after the second twice that.
        server.reset()
        grey = os.path.join(d, "grey.txt")
        with open(grey, "w") as f:
            f.write("".join(f"grey{i}@d03.fct\n" for i in range(3)))
        p = subprocess.run([FACTEUR, "address", "--dns-zone", zone, "--smtp-port",
                            str(server.port), "--helo", "probe.facteur.fct", "--backoff", "1",
                            "--rate-host", "0", "--rate-domain", "0", "--batch", grey],
                           capture_output=True, text=True, env=env, timeout=120)
        expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
        expect([json.loads(l)["reasons"][0] for l in p.stdout.splitlines()]
               == ["greylisted"] * 3, p.stdout)
        with server.lock:
            times = [t for t, _ in server.rcpts[host_ip(3)]]
        expect(len(times) == 3, f"{len(times)} RCPTs")
        gaps = [b - a for a, b in zip(times, times[1:])]
        notes.append(f"backoff after 450s at --backoff 1: gaps {gaps[0]:.2f} s, {gaps[1]:.2f} s")
        expect(gaps[0] >= 0.95 and gaps[1] >= 1.95, f"gaps {gaps}")
    case("4xx replies: the exchanger is asked again only after a doubling backoff", backoff)

    def backoff_421():
        # A 421 ends the session: the next session to that exchanger waits --backoff, the
        # one after twice that, as after a 450. One address per session and one session
        # at a time, so that each address meets the exchanger after the previous 421 (in
        # a shared session, the addresses not asked yet go to the next exchanger).
        server.reset()
        busy = os.path.join(d, "busy.txt")
        with open(busy, "w") as f:
            f.write("".join(f"busy{i}@d04.fct\n" for i in range(3)))
        p = subprocess.run([FACTEUR, "address", "--dns-zone", zone, "--smtp-port",
                            str(server.port), "--helo", "probe.facteur.fct", "--backoff", "1",
                            "--rate-host", "0", "--rate-domain", "0", "--rcpt-per-session",
                            "1", "--per-host", "1", "--per-domain", "1", "--batch", busy],
                           capture_output=True, text=True, env=env, timeout=120)
        expect(p.returncode in (0, 69), f"exit {p.returncode}: {p.stderr}")
        verdicts = [json.loads(l)["verdict"] for l in p.stdout.splitlines()]
        expect(verdicts == ["unknown"] * 3, p.stdout)
        with server.lock:
            times = sorted(t for t, _ in server.rcpts[host_ip(4)])
        expect(len(times) == 3, f"{len(times)} RCPTs")
        gaps = [b - a for a, b in zip(times, times[1:])]
        notes.append("backoff after 421s at --backoff 1: gaps "
                     + ", ".join(f"{g:.2f} s" for g in gaps))
        expect(gaps[0] >= 0.95 and gaps[1] >= 1.95, f"gaps {gaps}")
    case("421 and a closed session: the exchanger is asked again only after a doubling "
         "backoff", backoff_421)

    server.stop()
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    os.rmdir(d)
    print(f"1..{len(results)}")
    for n, (ok, name, note) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} {name}")
        for line in note.splitlines():
            print(f"#   {line}")
    for line in notes:
        print(f"# {line}")
    return 0


sys.exit(main())
