#!/usr/bin/python3
"""The limits on the HTTP connections of facteur serve (docs/SERVE.md, "HTTP
connections"), which libsoup 3.2 does not have: a connection that sends nothing is
closed at the idle timeout, and so is a kept-alive one after its last response; a client
sending its request head one byte a second is dropped at the head timeout (before the
idle one); a connection used again and again within the idle timeout stays open, and a
head sent at once in pieces within the head timeout is served; past the per-client cap a
connection is closed at once, and a slot is free again once a connection ends; a
kept-alive connection the client closes between requests does not leave its descriptor
open (libsoup 3.2 alone does). Loopback
only, seconds each. Prints TAP. Usage: test_serve_http.py BUILD/facteur"""
import os
import shutil
import socket
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
from serve_helper import Server, tap  # noqa: E402

FACTEUR = sys.argv[1]
results = []
# Two servers, each with one short timeout and the other long, so that each case shows
# which timeout closed the connection.
IDLE, HEAD, LONG = 3, 2, 60
REQUEST = b"GET /static/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def case(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except Exception as e:  # a failing case is reported, the others still run
        results.append((False, name, f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))


def response(sock):
    """One whole response (its Content-Length), or b"" when the server closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
              if line.lower().startswith(b"content-length:")]
    while length and len(body) < length[0]:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def closed_after(sock, limit):
    """Seconds until the server closes sock (reading and dropping what it says)."""
    start = time.monotonic()
    sock.settimeout(limit)
    while sock.recv(65536):
        pass
    return time.monotonic() - start


def main():
    tmp = tempfile.mkdtemp(prefix="fct-serve-http-")
    idle = Server(FACTEUR, os.path.join(tmp, "idle"),
                  ["--http-idle-timeout", str(IDLE), "--http-header-timeout", str(LONG),
                   "--http-connections-per-ip", "3"])
    head = Server(FACTEUR, os.path.join(tmp, "head"),
                  ["--http-idle-timeout", str(LONG), "--http-header-timeout", str(HEAD)])

    def connect(s=idle):
        return socket.create_connection(("127.0.0.1", s.http_port), timeout=30)

    try:
        idle.start()
        head.start()

        def idle_connection():
            c = connect()
            elapsed = closed_after(c, 30)
            c.close()
            assert IDLE - 0.5 < elapsed < IDLE + 8, elapsed

        def kept_alive_then_idle():
            c = connect()
            start = time.monotonic()
            # Within the idle timeout each time, for longer than it in all.
            for _ in range(4):
                c.sendall(REQUEST)
                r = response(c)
                assert r.startswith(b"HTTP/1.1 200 "), r[:100]
                time.sleep(IDLE / 2)
            assert time.monotonic() - start > IDLE + 1
            elapsed = closed_after(c, 30)
            c.close()
            assert IDLE / 2 - 0.5 < elapsed < IDLE + 8, elapsed

        def slow_head():
            c = connect(head)
            start = time.monotonic()
            said = b""
            for byte in REQUEST[:-2] + b"X-Slow: " + b"a" * 100:
                try:
                    c.sendall(bytes([byte]))
                    c.settimeout(1)
                    said = c.recv(100)
                    break  # the server spoke or closed
                except socket.timeout:
                    continue
                except OSError:
                    break
            elapsed = time.monotonic() - start
            c.close()
            assert not said.startswith(b"HTTP/1.1 200"), said
            assert HEAD - 0.5 < elapsed < HEAD + 8, elapsed

        def head_in_pieces():
            # An ordinary slow network: the head in three pieces within the timeout.
            c = connect(head)
            for piece in (REQUEST[:10], REQUEST[10:30], REQUEST[30:]):
                c.sendall(piece)
                time.sleep(HEAD / 4)
            r = response(c)
            c.close()
            assert r.startswith(b"HTTP/1.1 200 "), r[:100]

        def per_client_cap():
            time.sleep(3)  # the slots of the connections above are given back
            held = [connect() for _ in range(3)]
            for h in held:
                h.sendall(REQUEST)
                assert response(h).startswith(b"HTTP/1.1 200 ")
            extra = connect()
            try:
                extra.sendall(REQUEST)
            except OSError:
                pass
            elapsed = closed_after(extra, 10)
            extra.close()
            assert elapsed < 2, elapsed
            held.pop().close()
            time.sleep(0.3)
            again = connect()
            again.sendall(REQUEST)
            assert response(again).startswith(b"HTTP/1.1 200 ")
            for h in held + [again]:
                h.close()
            # One request per connection, one after the other, ten times the cap: the
            # slot of a client gone is taken back when its address needs one.
            for _ in range(30):
                c = connect()
                c.sendall(REQUEST)
                assert response(c).startswith(b"HTTP/1.1 200 ")
                c.close()

        def closed_keepalive_released():
            # libsoup 3.2 alone keeps the descriptor of a kept-alive connection the
            # client closes between requests, forever.
            fds = lambda: len(os.listdir(f"/proc/{head.proc.pid}/fd"))  # noqa: E731
            before = fds()
            for _ in range(40):
                c = connect(head)
                c.sendall(REQUEST)
                assert response(c).startswith(b"HTTP/1.1 200 ")
                c.close()
            deadline = time.monotonic() + 10
            while fds() > before + 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert fds() <= before + 2, (before, fds())

        case("a connection that sends nothing is closed at the idle timeout",
             idle_connection)
        case("a kept-alive connection used within the idle timeout stays open; idle "
             "after its last response, it is closed", kept_alive_then_idle)
        case("a request head sent one byte a second is dropped at the head timeout",
             slow_head)
        case("a head sent in pieces within the head timeout is served", head_in_pieces)
        case("40 kept-alive connections closed by the client between requests: their "
             "descriptors are closed", closed_keepalive_released)
        case("past the per-client cap a connection is closed at once; a freed slot "
             "serves again; one connection after the other, the cap is never reached",
             per_client_cap)
    except Exception as e:
        results.append((False, "server starts", f"{type(e).__name__}: {e}"))
    finally:
        idle.stop()
        head.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    tap(results)
    return 0


sys.exit(main())
