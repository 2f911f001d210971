#!/bin/sh
# DKIM verification benchmark (issue 4): a 30 KB message with one RSA-2048 rsa-sha256
# relaxed/relaxed signature, key cached, verified over and over by facteur, dkimpy and
# libopendkim in one run, and compared with the crypto floor on this machine: one
# `openssl speed rsa2048` verification plus SHA-256 of the body (`openssl speed -evp
# sha256` at the body's size).
# Usage: bench/dkim/run.sh [BUILD_DIR] [SECONDS]   (BUILD_DIR: a configured Meson build,
# default build, which builds facteur's row, bench/dkim/bench-dkim; needs
# libopendkim-dev for the OpenDKIM row.)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
seconds=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here="$root/bench/dkim"

ninja -C "$build" facteur bench/dkim/bench-dkim >/dev/null
"$build/facteur" dkim keygen --json --domain bench.example --selector bench --out "$work" \
  > "$work/key.json"
record=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["record"])' "$work/key.json")
txt=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["txt"])' "$work/key.json")
printf 'bench._domainkey.bench.example. 300 IN TXT %s\n' "$txt" > "$work/zone"

# The message: typical header fields and 30 KB of text in 76-column lines.
/usr/bin/python3 - "$work/msg.eml" <<'PY'
import random, sys
rng = random.Random(4)
words = "the quarterly figures are attached please review before the meeting on friday".split()
head = ("From: Alice Example <alice@bench.example>\r\nTo: Bob <bob@example.net>\r\n"
        "Subject: Quarterly report\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
        "Message-ID: <bench.1@bench.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n")
body = b""
while len(body) < 30 * 1024:
    line = ""
    while len(line) < 70:
        line += rng.choice(words) + " "
    body += line.rstrip().encode() + b"\r\n"
open(sys.argv[1], "wb").write(head.encode() + body)
PY
"$build/facteur" dkim sign --domain bench.example --selector bench --key "$work/bench.private" \
  "$work/msg.eml" > "$work/signed.eml"
size=$(wc -c < "$work/signed.eml")
body=$(/usr/bin/python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(len(d)-d.find(b"\r\n\r\n")-4)' "$work/signed.eml")

have_opendkim=no
if [ -f /usr/include/opendkim/dkim.h ]; then
  cc -O2 "$here/bench-opendkim.c" -lopendkim -o "$work/bench-opendkim" && have_opendkim=yes
fi

echo "# message: $size bytes (body $body bytes), rsa-sha256 2048-bit, relaxed/relaxed"
echo "# $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$build/bench/dkim/bench-dkim" "$work/zone" "$work/signed.eml" "$seconds" | tee "$work/results"
/usr/bin/python3 "$here/bench_dkimpy.py" "$record" "$work/signed.eml" "$seconds" | tee -a "$work/results"
if [ $have_opendkim = yes ]; then
  "$work/bench-opendkim" "$record" "$work/signed.eml" "$seconds" | tee -a "$work/results"
else
  echo "# opendkim: skipped (libopendkim-dev not installed)"
fi

verify=$(openssl speed -seconds "$seconds" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $NF}')
sha=$(openssl speed -seconds "$seconds" -bytes "$body" -evp sha256 2>/dev/null \
  | awk '/^sha256/ {v=$NF; sub(/k$/, "", v); print v * 1000}')
echo "openssl-rsa2048-verify $verify"
echo "openssl-sha256-bytes-per-s $sha"
/usr/bin/python3 - "$work/results" "$verify" "$sha" "$body" <<'PY'
import sys
rates = dict(l.split() for l in open(sys.argv[1]) if not l.startswith("#"))
verify, sha, body = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
floor = 1 / (1 / verify + body / sha)
print("crypto-floor %.0f" % floor)
print()
print("| verifier | msgs/s | % of crypto floor |")
print("|---|---:|---:|")
for name, v in rates.items():
    print("| %s | %.0f | %.0f%% |" % (name, float(v), 100 * float(v) / floor))
print("| crypto floor (1 RSA-2048 verify + SHA-256 of %d bytes) | %.0f | 100%% |" % (body, floor))
PY
