#!/bin/sh
# Domain-audit benchmark (issue 7): `facteur domain --batch` over N domains answered from
# a zone file, no SMTP (DNS, SPF walk, DKIM selectors, DMARC, MTA-STS/TLS-RPT/BIMI
# records, DNSBL queries against the default lists, all from the zone). Prints the wall
# time, domains per second and a check that every domain produced a report.
# Target: 1,000 domains in under 10 s.
#
# Usage: bench/domain/run-bench.sh [BUILD_DIR] [N] [CONCURRENCY]
set -eu
build=${1:-build}
n=${2:-1000}
conc=${3:-16}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 "$here/make-zone.py" "$work" "$n"
echo "data: $n domains, $(grep -c . "$work/bench.zone") zone lines"
start=$(date +%s.%N)
"$build/facteur" domain --batch "$work/domains.txt" --dns-zone "$work/bench.zone" \
  --no-smtp --concurrency "$conc" > "$work/out.jsonl"
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
