#!/usr/bin/python3
"""Holds N milter connections open (protocol 6: option negotiation, connect, HELO, then
idle), as N SMTP sessions of an MTA would, and prints the resident memory of the
milter's processes at that point. Usage: hold.py PORT N PID..."""
import socket
import struct
import sys
import time

port, n, pids = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def reply(s):
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            raise OSError("closed")
        head += chunk
    size = struct.unpack(">I", head)[0]
    body = b""
    while len(body) < size:
        chunk = s.recv(size - len(body))
        if not chunk:
            raise OSError("closed")
        body += chunk
    return body


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    # Version 6, every action; the steps a filter may skip and the leading space, but no
    # "no reply" flag: this client reads a reply to connect and HELO.
    s.sendall(packet(b"O", struct.pack(">III", 6, 0x1FF, 0x10017F)))
    reply(s)
    addr = f"203.0.113.{i % 250 + 1}".encode()
    s.sendall(packet(b"C", b"client.bench.test\0" + b"4" + struct.pack(">H", 25) + addr + b"\0"))
    reply(s)
    s.sendall(packet(b"H", b"client.bench.test\0"))
    reply(s)
    conns.append(s)
time.sleep(2)
print(f"{len(conns)} connections held; RSS " +
      ", ".join(f"pid {p}: {rss_kb(p) / 1024:.1f} MB" for p in pids) +
      f"; total {sum(rss_kb(p) for p in pids) / 1024:.1f} MB")
for s in conns:
    s.close()
