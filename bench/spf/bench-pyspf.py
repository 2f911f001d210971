#!/usr/bin/python3
"""pyspf on the benchmark data: DNS answered from the same zone file through pyspf's
DNSLookup hook (an in-memory table, so every answer is a warm-cache hit).

Usage: bench-pyspf.py ZONE PAIRS"""
import collections
import shlex
import sys
import time

import spf


def load_zone(path):
    table = collections.defaultdict(list)
    for line in open(path):
        if not line.strip() or line.startswith("$"):
            continue
        f = shlex.split(line, posix=True)
        name, rtype, data = f[0].rstrip(".").lower(), f[2], f[3:]
        if rtype in ("A", "AAAA"):
            table[(name, rtype)].append(data[0])
        elif rtype == "MX":
            table[(name, rtype)].append((int(data[0]), data[1].rstrip(".")))
        elif rtype == "TXT":
            table[(name, rtype)].append([s.encode() for s in data])
    names = {n for n, _ in table}
    return table, names


def main():
    table, names = load_zone(sys.argv[1])
    pairs = [l.split() for l in open(sys.argv[2]) if l.strip()]

    def lookup(name, qtype, *args, **kwargs):
        name = name.rstrip(".").lower()
        return [((name, qtype), v) for v in table.get((name, qtype), [])]

    spf.DNSLookup = lookup
    for ip, sender in pairs[:100]:
        spf.check2(i=ip, s=sender, h="client.example")
    counts = collections.Counter()
    start, cpu = time.monotonic(), time.process_time()
    for ip, sender in pairs:
        result, _ = spf.check2(i=ip, s=sender, h="client.example")
        counts[result] += 1
    t, c = time.monotonic() - start, time.process_time() - cpu
    print(f"pyspf {spf.__version__}: {len(pairs)} evaluations, {t:.3f} s wall, {c:.3f} s CPU: "
          f"{len(pairs) / t:.0f} evaluations/s, {len(pairs) / c:.0f} per CPU second")
    print("results: " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
