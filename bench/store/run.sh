#!/bin/sh
# IBAN history benchmark (issue 17): sightings recorded (inserts of new IBANs) and looked
# up (known IBANs) per second through the milter's store path (fct_store_open_resilient,
# its pool shared by threads), at 1, 4 and 16 threads, against SQLite (a file in /tmp,
# WAL, synchronous=NORMAL as the store sets it) and PostgreSQL on loopback (a cluster
# made here with initdb, the server's defaults: fsync and synchronous_commit on, since
# every PostgreSQL commit of the store is durable). A fresh database per run.
# Usage: bench/store/run.sh [BUILD_DIR] [OPERATIONS] [THREADS...]   (root: runs
# PostgreSQL as the postgres user)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
ops=${2:-5000}
threads="1 4 16"
if [ $# -gt 2 ]; then
  shift 2
  threads=$*
fi
work=$(mktemp -d /tmp/fct-bench-store.XXXXXX)
chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -f "$work/pg/data/postmaster.pid" ] &&
    as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# A shell killed by a signal skips its EXIT trap: exit instead, so that the servers it
# started (nsd on a fixed port) go too.
trap 'exit 1' INT TERM HUP

ninja -C "$build" bench/store/bench-store >/dev/null
bench="$build/bench/store/bench-store"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg/data" -A trust -U postgres -E UTF8 >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -w -l "$work/pg/log" \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
head -c 32 /dev/urandom > "$work/key"
chmod 600 "$work/key"

echo "# $(uname -m), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $ops sightings per run;" \
  "SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1), $("$pgbin/postgres" --version)"
status=0
n=0
for t in $threads; do
  n=$((n + 1))
  rm -f "$work/h.db" "$work/h.db-wal" "$work/h.db-shm"
  "$bench" "$work/h.db" "$work/key" "$t" "$ops" | sed 's/^/sqlite     /' || status=1
  as_pg psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE h$n" >/dev/null
  "$bench" "postgresql://postgres@127.0.0.1:$port/h$n" "$work/key" "$t" "$ops" |
    sed 's/^/postgresql /' || status=1
done
exit $status
