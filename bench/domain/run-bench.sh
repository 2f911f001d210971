#!/bin/sh
# Domain-audit benchmark (issue 7): `facteur domain --batch` over N domains answered from
# a zone file, no SMTP (DNS, SPF walk, DKIM selectors, DMARC, MTA-STS/TLS-RPT/BIMI
# records, DNSBL queries against the default lists, all from the zone). Prints the wall
# time, domains per second and a check that every domain produced a report.
# Target: 1,000 domains in under 10 s.
#
# With MODE nsd, the same data is served by nsd on a loopback port and facteur asks it
# through libunbound (--dns-server, no DNSSEC trust anchor): the real resolver path, with
# its cache, timeouts and a network round trip per query. Blocklists are off then (nsd
# does not serve them, and the forwarder would refuse the names).
#
# Usage: bench/domain/run-bench.sh [BUILD_DIR] [N] [CONCURRENCY] [zone|nsd]
set -eu
build=${1:-build}
n=${2:-1000}
conc=${3:-16}
mode=${4:-zone}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
nsd_pid=
cleanup () {
  if [ -n "$nsd_pid" ] && kill "$nsd_pid" 2>/dev/null; then
    while kill -0 "$nsd_pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# A shell killed by a signal skips its EXIT trap: exit instead, so that the servers it
# started (nsd on a fixed port) go too.
trap 'exit 1' INT TERM HUP

/usr/bin/python3 "$here/make-zone.py" "$work" "$n"
echo "data: $n domains, $(grep -c . "$work/bench.zone") zone lines ($mode)"
if [ "$mode" = nsd ]; then
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  {
    printf 'server:\n    ip-address: 127.0.0.1@%s\n    port: %s\n' "$port" "$port"
    printf '    username: ""\n    chroot: ""\n    zonesdir: "%s/nsd"\n    database: ""\n' "$work"
    printf '    zonelistfile: "%s/zone.list"\n    xfrdfile: "%s/xfrd.state"\n' "$work" "$work"
    printf '    pidfile: "%s/nsd.pid"\n    logfile: "%s/nsd.log"\n    server-count: 1\n' "$work" "$work"
    # PEERS.md: Debian's nsd rate-limits loopback answers unless told not to.
    printf '    rrl-ratelimit: 0\n    rrl-whitelist-ratelimit: 0\n'
    printf 'remote-control:\n    control-enable: no\n'
    for z in bench.example provider-a.example provider-b.example 10.in-addr.arpa; do
      printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n' "$z" "$z"
    done
  } > "$work/nsd.conf"
  nsd -d -c "$work/nsd.conf" > /dev/null 2>&1 &
  nsd_pid=$!
  i=0
  until dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" SOA bench.example | grep -q .; do
    i=$((i + 1)); [ $i -lt 50 ] || { echo "nsd did not start" >&2; exit 1; }; sleep 0.2
  done
  dns="--dns-server 127.0.0.1@$port --trust-anchor= --no-blocklists"
else
  dns="--dns-zone $work/bench.zone"
fi
start=$(date +%s.%N)
# shellcheck disable=SC2086
"$build/facteur" domain --batch "$work/domains.txt" $dns --no-smtp --concurrency "$conc" \
  > "$work/out.jsonl"
end=$(date +%s.%N)
/usr/bin/python3 - "$work/out.jsonl" "$n" "$start" "$end" <<'PY'
import collections, json, sys
path, n, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
reports = [json.loads(l) for l in open(path)]
assert len(reports) == n and all("score" in r for r in reports), "a domain has no report"
ids = collections.Counter(f["id"] for r in reports for f in r["findings"])
secs = end - start
print(f"facteur domain --batch: {n} domains in {secs:.2f} s ({n / secs:.0f} domains/s)")
print("mean score %.2f; most frequent findings: %s" % (
    sum(r["score"] for r in reports) / n, ", ".join(f"{k} {v}" for k, v in ids.most_common(6))))
PY
