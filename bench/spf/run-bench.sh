#!/bin/sh
# SPF benchmark: facteur vs pyspf vs Mail::SPF on the same zone and the same (ip, sender)
# pairs, in one run. Prints evaluations per second, the results of each (they must
# agree) and the ratios. No root needed: Mail::SPF is pointed at an nsd on a loopback
# port through its Net::DNS resolver object.
#
# Usage: bench/spf/run-bench.sh [BUILD_DIR] [PAIRS]   (BUILD_DIR holds bench/spf/bench-spf)
set -eu
build=${1:-build}
pairs=${2:-10000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
nsd_pid=
cleanup () {
  if [ -n "$nsd_pid" ] && kill "$nsd_pid" 2>/dev/null; then
    # nsd writes its files as it exits.
    while kill -0 "$nsd_pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# A shell killed by a signal skips its EXIT trap: exit instead, so that the servers it
# started (nsd on a fixed port) go too.
trap 'exit 1' INT TERM HUP

/usr/bin/python3 "$here/make-data.py" "$work" "$pairs"
echo "data: $(grep -c . "$work/pairs.txt") pairs, $(grep -c ' TXT ' "$work/bench.zone") TXT records"

"$build/bench/spf/bench-spf" "$work/bench.zone" "$work/pairs.txt" | tee "$work/facteur.out"
/usr/bin/python3 "$here/bench-pyspf.py" "$work/bench.zone" "$work/pairs.txt" | tee "$work/pyspf.out"

# nsd on a free loopback port, rate limiting off (PEERS.md).
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@$port
    port: $port
    username: ""
    chroot: ""
    zonesdir: "$work"
    database: ""
    zonelistfile: "$work/zone.list"
    xfrdfile: "$work/xfrd.state"
    pidfile: "$work/nsd.pid"
    logfile: "$work/nsd.log"
    server-count: 1
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "bench.example"
    zonefile: "bench.zone"
CONF
nsd -c "$work/nsd.conf"
for _ in 1 2 3 4 5 6 7 8 9 10; do
  [ -s "$work/nsd.pid" ] && dig +short -p "$port" @127.0.0.1 TXT sendgrid.bench.example >/dev/null 2>&1 && break
  sleep 0.5
done
nsd_pid=$(cat "$work/nsd.pid")
perl "$here/bench-mailspf.pl" "$port" "$work/pairs.txt" | tee "$work/mailspf.out"

# "...: N evaluations/s[, M per CPU second]" -> N (wall) or M (CPU), from line $2.
wall () { sed -n 's/.*: \([0-9]*\) evaluations\/s.*/\1/p' "$1" | sed -n "${2:-1}p"; }
cpu () { sed -n 's/.*, \([0-9]*\) per CPU second$/\1/p' "$1" | sed -n "${2:-1}p"; }
ratio () { echo "scale=1; $1 / $2" | bc; }
echo "ratios (wall): facteur sync / pyspf = $(ratio "$(wall "$work/facteur.out" 1)" "$(wall "$work/pyspf.out")")," \
  "facteur async / pyspf = $(ratio "$(wall "$work/facteur.out" 2)" "$(wall "$work/pyspf.out")")," \
  "facteur sync / Mail::SPF = $(ratio "$(wall "$work/facteur.out" 1)" "$(wall "$work/mailspf.out")")," \
  "pyspf / Mail::SPF = $(ratio "$(wall "$work/pyspf.out")" "$(wall "$work/mailspf.out")")"
echo "ratios (CPU): facteur sync / pyspf = $(ratio "$(cpu "$work/facteur.out" 1)" "$(cpu "$work/pyspf.out")")," \
  "facteur async / pyspf = $(ratio "$(cpu "$work/facteur.out" 2)" "$(cpu "$work/pyspf.out")")"
