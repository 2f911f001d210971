#!/usr/bin/python3
"""Benchmark: the same verification with dkimpy, the key record returned by dnsfunc
(from memory, as a cache would). Prints messages per second.
Usage: bench_dkimpy.py RECORD MESSAGE SECONDS"""
import sys
import time

import dkim

record, path, seconds = sys.argv[1].encode(), sys.argv[2], float(sys.argv[3])
with open(path, "rb") as f:
    msg = f.read()


def dnsfunc(name, timeout=5):
    return record


n = 0
start = t = time.process_time()
while t - start < seconds:
    for _ in range(16):
        if not dkim.verify(msg, dnsfunc=dnsfunc):
            sys.exit("verification failed")
        n += 1
    t = time.process_time()
print("dkimpy %.0f" % (n / (t - start)))
