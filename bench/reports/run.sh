#!/bin/sh
# facteur reports ingest on generated aggregate reports (generate.py: a third XML, a
# third gzip, a third zip, 5 to MAX records each): reports per second and peak resident
# memory at N1 and at N2 reports (each into a new database), then the N2 again into the
# same database, which must add nothing and take under a tenth of the time.
# Usage: run.sh BUILD N1 N2 MAX     (bench/run: 1000 10000 5000; --quick: 10 30 50)
set -eu
build=$1 n1=$2 n2=$3 most=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
facteur=$build/facteur

# The first N1 reports in one folder, the rest in another: the N2 run reads both.
/usr/bin/python3 "$here/generate.py" "$tmp/first" "$n1" "$most" 0 >/dev/null
/usr/bin/python3 "$here/generate.py" "$tmp/rest" $((n2 - n1)) "$most" "$n1" >/dev/null

# Runs one ingestion under /usr/bin/time; prints wall and CPU seconds, peak RSS in MB
# and what facteur stored, one line.
measure() {
  label=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$facteur" reports ingest --json "$@" \
    >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  read -r wall user sys rss <"$tmp/time"
  /usr/bin/python3 - "$label" "$wall" "$user" "$sys" "$rss" "$tmp/out" <<'PY'
import json, sys
label, wall, user, sys_, rss, out = sys.argv[1:]
d = json.load(open(out))
cpu = float(user) + float(sys_)
n = d["stored"] + d["duplicates"]
print(f"{label}: {n} reports ({d['stored']} stored, {d['duplicates']} already stored, "
      f"{d['records']} records), {float(wall):.2f} s wall, {cpu:.2f} s CPU, "
      f"{n / max(float(wall), 0.01):.0f} reports/s wall, {n / max(cpu, 0.01):.0f} "
      f"reports/s CPU, peak RSS {int(rss) / 1024:.1f} MB")
if int(rss) > 100 * 1024:
    print(f"FAIL: peak RSS {int(rss) / 1024:.1f} MB is over 100 MB")
    sys.exit(1)
PY
  echo "$wall $user $sys" >"$tmp/$label.t"
}

measure "$n1 reports" --db "$tmp/small.db" "$tmp/first"
measure "$n2 reports" --db "$tmp/large.db" "$tmp/first" "$tmp/rest"
measure "$n2 again" --db "$tmp/large.db" "$tmp/first" "$tmp/rest"
/usr/bin/python3 - "$tmp/$n2 reports.t" "$tmp/$n2 again.t" "$tmp/out" <<'PY'
import json, sys
first = [float(x) for x in open(sys.argv[1]).read().split()]
again = [float(x) for x in open(sys.argv[2]).read().split()]
d = json.load(open(sys.argv[3]))
cpu1, cpu2 = first[1] + first[2], again[1] + again[2]
print(f"second ingestion: {d['stored']} added, CPU {cpu2:.2f} s = {100 * cpu2 / max(cpu1, 0.01):.1f}% "
      f"of the first, wall {again[0]:.2f} s = {100 * again[0] / max(first[0], 0.01):.1f}%")
if d["stored"] != 0 or d["records"] != 0:
    print("FAIL: the second ingestion added reports")
    sys.exit(1)
# Below a second, /usr/bin/time's 10 ms resolution decides the ratio (--quick).
if cpu1 >= 1 and cpu2 > cpu1 / 10:
    print("FAIL: the second ingestion took over a tenth of the first's CPU time")
    sys.exit(1)
PY
