#!/bin/sh
# Milter benchmark (issue 14): Postfix on loopback receives the check benchmark's corpus
# (bench/check/make-corpus.py: DKIM-signed 5-100 KB newsletters and invoices) from
# bench/milter/load.py at two concurrencies and relays it to smtp-sink, with (a) no
# milter, (b) facteur milter, (c) OpenDKIM + OpenDMARC, (d) rspamd's proxy in milter
# mode; DNS from nsd serving the corpus zone as the root zone (every other name is
# NXDOMAIN at once). Reports messages per second, the time from the end of DATA to the
# 250 reply (p50, p99: what a filter adds is its difference from (a)), the filters' CPU
# seconds and peak RSS, and facteur's RSS with 1,000 milter connections held open.
#
# Runs as root in a private network and mount namespace (unshare -m -n): nsd can take
# 127.0.0.1:53 (OpenDKIM and OpenDMARC only ask port 53, through /etc/resolv.conf,
# bind-mounted here) and nothing leaves the namespace.
# rspamd scans about a hundred times slower here: it gets MESSAGES / 10 per run.
# FCT_BENCH_ONLY="none facteur" runs only the filters named (none facteur opendkim rspamd).
# FCT_BENCH_DB=sqlite|postgresql gives facteur milter an IBAN history (db=): a SQLite file,
# or PostgreSQL on loopback (a cluster made here with initdb, its defaults); none by
# default, as before.
# Usage: bench/milter/run.sh [BUILD_DIR] [MESSAGES] [CONCURRENCIES]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
count=${2:-5000}
concurrencies=${3:-"20 100"}
rspamd_count=$((count / 10))
only=${FCT_BENCH_ONLY:-"none facteur opendkim rspamd"}
db=${FCT_BENCH_DB:-none}
wanted() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; }
if [ -z "${FCT_BENCH_NS:-}" ]; then
  exec unshare -m -n env FCT_BENCH_NS=1 FCT_BENCH_ONLY="${FCT_BENCH_ONLY:-}" \
    FCT_BENCH_DB="${FCT_BENCH_DB:-}" "$0" "$build" \
    "$count" "$concurrencies"
fi
ip link set lo up
here="$root/bench/milter"
py=/usr/bin/python3
work=$(mktemp -d /tmp/fct-bench-milter.XXXXXX)
chmod 755 "$work"
pids=""
cgroups=""
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nsd/nsd.pid" ] && kill "$(cat "$work/nsd/nsd.pid")" 2>/dev/null || true
  [ -d "$work/postfix" ] && postfix -c "$work/postfix" stop >/dev/null 2>&1 || true
  [ -f "$work/pg/data/postmaster.pid" ] && runuser -u postgres -- \
    "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  sleep 1
  for g in $cgroups; do rmdir "$g" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# A shell killed by a signal skips its EXIT trap: exit instead, so that the servers it
# started (nsd on a fixed port) go too.
trap 'exit 1' INT TERM HUP

ninja -C "$build" facteur >/dev/null
$py "$root/bench/check/make-corpus.py" "$build/facteur" "$work/corpus" 500 >/dev/null

# ---- DNS: nsd on 127.0.0.1:53, the corpus zone as the root zone
mkdir -p "$work/nsd"
{
  echo '$ORIGIN .'
  echo '. 300 IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300'
  echo '. 300 IN NS ns.example.'
  echo 'ns.example. 300 IN A 127.0.0.1'
  grep -v '^;' "$work/corpus/zone"
} > "$work/nsd/root.zone"
cat > "$work/nsd/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@53
    port: 53
    username: ""
    chroot: ""
    zonesdir: "$work/nsd"
    database: ""
    zonelistfile: "$work/nsd/zone.list"
    xfrdfile: "$work/nsd/xfrd.state"
    pidfile: "$work/nsd/nsd.pid"
    logfile: "$work/nsd/nsd.log"
    server-count: 1
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "."
    zonefile: "root.zone"
CONF
nsd -c "$work/nsd/nsd.conf"
echo "nameserver 127.0.0.1" > "$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf

# ---- Postfix relaying to smtp-sink
sink_port=2525
smtp-sink -u postfix 127.0.0.1:$sink_port 1000 &
pids="$pids $!"
pd="$work/postfix"
mkdir -p "$pd/queue" "$pd/data"
chown postfix "$pd/data"
smtp_port=2500
cat > "$pd/master.cf" <<CONF
127.0.0.1:$smtp_port inet n - n - - smtpd
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
proxymap  unix  - - n -    - proxymap
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
smtp      unix  - - n -    - smtp
postlog   unix-dgram n - n - 1 postlogd
CONF
postfix_conf() {
  cat > "$pd/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $pd/queue
data_directory = $pd/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.bench.test
mydestination =
mynetworks = 127.0.0.0/8
relay_domains = sink.test
relayhost = [127.0.0.1]:$sink_port
smtp_dns_support_level = disabled
# XCLIENT again from the address the last XCLIENT set (one session, many messages).
smtpd_authorized_xclient_hosts = 0.0.0.0/0
default_process_limit = 250
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
anvil_rate_time_unit = 60s
message_size_limit = 60000000
maillog_file_prefixes = $work
maillog_file = $pd/maillog
milter_default_action = tempfail
milter_content_timeout = 300s
smtpd_milters = $1
CONF
}
postfix_conf ""
postfix -c "$pd" start >/dev/null 2>&1

milter_times() { # reads facteur's log lines; prints p50/p99 of time=, work= and cpu=
  grep ' inbound .* time=' |
    sed 's/.* time=\([0-9.]*\)ms work=\([0-9.]*\)ms cpu=\([0-9.]*\)ms.*/\1 \2 \3/' \
    > "$work/times"
  for col in 1 2 3; do cut -d' ' -f$col "$work/times" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR) printf "%d %.2f %.2f %.2f\n", NR, v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1], v[NR] }'
  done | paste -d' ' - - - | awk -v name="$1" 'NF == 12 { printf "%s facteur per message (%d): end of message to reply p50 %s ms, p99 %s ms, max %s ms; work in all callbacks p50 %s ms, p99 %s ms; CPU of its threads p50 %s ms, p99 %s ms, max %s ms\n", name, $1, $2, $3, $4, $6, $7, $10, $11, $12 }'
}

proc_stat() { # prints "utime+stime (s) and VmHWM (KB)" summed over PIDs
  total_cpu=0
  total_hwm=0
  tck=$(getconf CLK_TCK)
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    c=$(awk '{print $14 + $15}' "/proc/$p/stat")
    h=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status")
    total_cpu=$((total_cpu + c))
    total_hwm=$((total_hwm + h))
  done
  echo "cpu_s=$(echo "scale=2; $total_cpu / $tck" | bc) peak_rss_mb=$(echo "scale=1; $total_hwm / 1024" | bc)"
}

# A cgroup (v2) for a filter and every process it forks: facteur's attachment reader
# forks a child per document that the kernel reaps (SA_NOCLDWAIT), so no /proc of a
# living process ever holds its CPU time; the cgroup's usage does. Prints its path, or
# nothing where none can be made (the /proc figures are then all there is).
cgroup_new() {
  for base in /sys/fs/cgroup/unified /sys/fs/cgroup; do
    if [ -f "$base/cgroup.procs" ] && [ -f "$base/cgroup.controllers" ] \
      && mkdir "$base/fct-bench-milter.$$.$1" 2>/dev/null; then
      echo "$base/fct-bench-milter.$$.$1"
      return
    fi
  done
}
cgroup_cpu() { # CGROUP: its CPU seconds so far, every process that ever ran in it
  awk '$1 == "usage_usec" { printf "%.2f", $2 / 1000000 }' "$1/cpu.stat"
}

measure() { # name, messages, milters, the filters' main PIDs (their children count
  # too), facteur's log, and a cgroup holding the filter (optional)
  name=$1
  n=$2
  postfix_conf "$3"
  postfix -c "$pd" reload >/dev/null 2>&1
  sleep 2
  main=${4:-}
  log=${5:-}
  cg=${6:-}
  # Warm-up: DNS caches, DKIM keys, rspamd's maps.
  $py "$here/load.py" $smtp_port "$work/corpus/envelopes" 200 20 >/dev/null
  # Listed after the warm-up: rspamd starts its workers late.
  watch=""
  for m in $main; do watch="$watch $m $(pgrep -P "$m" | tr '\n' ' ')"; done
  for c in $concurrencies; do
    before=$(proc_stat $watch)
    [ -n "$cg" ] && cg_before=$(cgroup_cpu "$cg")
    [ -n "$log" ] && wc -l < "$log" > "$log.mark"
    result=$($py "$here/load.py" $smtp_port "$work/corpus/envelopes" "$n" "$c")
    after=$(proc_stat $watch)
    echo "$name c=$c $result filter: before $before; after $after; load $(cut -d' ' -f1-3 /proc/loadavg)"
    if [ -n "$cg" ]; then
      cg_s=$(echo "$(cgroup_cpu "$cg") - $cg_before" | bc)
      echo "$name c=$c filter CPU with every child (cgroup): $cg_s s," \
        "$(echo "scale=0; $n / $cg_s" | bc) msgs per filter CPU second"
    fi
    # facteur's own time per message over this measurement, from its log lines: the
    # end of the message to its reply (what the MTA waits for), all its callbacks (MAIL
    # to that reply, without the waits for the client and Postfix), and the CPU time of
    # the threads that ran them, which a loaded machine does not inflate. Not the
    # machine's queue in front of Postfix, which the end-to-end figures carry.
    [ -n "$log" ] && tail -n +"$(($(cat "$log.mark") + 1))" "$log" | milter_times "$name c=$c"
    # The issue's tool: smtp-source, one message of the corpus over and over from
    # 127.0.0.1 (SPF fails for it; its DKIM signature still aligns), sessions kept open.
    start=$(date +%s.%N)
    smtp-source -d -s "$c" -m "$n" -F "$work/one.eml" -f "$source_from" -t user@sink.test \
      127.0.0.1:$smtp_port
    end=$(date +%s.%N)
    echo "$name c=$c smtp-source: $n messages in $(echo "scale=2; $end - $start" | bc) s," \
      "$(echo "scale=1; $n / ($end - $start)" | bc) msgs/s"
  done
}

# smtp-source's message: the corpus's first, LF line ends (it appends CRLF itself).
first=$(head -1 "$work/corpus/envelopes")
tr -d '\r' < "$(echo "$first" | cut -d' ' -f1)" > "$work/one.eml"
source_from=$(echo "$first" | cut -d' ' -f3)

echo "# $(uname -m), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $count messages per run"

# (a) no milter
wanted none && measure none "$count" ""

# (b) facteur milter
if wanted facteur; then
fport=8891
db_conf=""
case $db in
  none) ;;
  sqlite)
    mkdir "$work/db"
    chown nobody "$work/db"
    db_conf="db = $work/db/facteur.db" ;;
  postgresql)
    mkdir "$work/pg"
    chown postgres "$work/pg"
    runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -A trust -U postgres \
      -E UTF8 >/dev/null
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -w -l "$work/pg/log" \
      -o "-p 5432 -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null  # private netns
    head -c 32 /dev/urandom > "$work/history.key"
    chmod 600 "$work/history.key"
    chown nobody "$work/history.key"
    db_conf="db = postgresql://postgres@127.0.0.1:5432/postgres
db_key = $work/history.key" ;;
  *) echo "FCT_BENCH_DB must be none, sqlite or postgresql" >&2; exit 64 ;;
esac
cat > "$work/facteur.conf" <<CONF
[milter]
socket = inet:$fport@127.0.0.1
user = nobody
authserv_id = mx.bench.test
dns_server = 127.0.0.1
dns_trust_anchor =
internal_networks =
$db_conf
CONF
fcg=$(cgroup_new facteur)
if [ -n "$fcg" ]; then
  cgroups="$cgroups $fcg"
  sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$fcg" \
    "$build/facteur" milter --config "$work/facteur.conf" --log-stderr 2>"$work/facteur.log" &
else
  "$build/facteur" milter --config "$work/facteur.conf" --log-stderr 2>"$work/facteur.log" &
fi
fpid=$!
pids="$pids $fpid"
sleep 2
measure "facteur(db=$db)" "$count" "inet:127.0.0.1:$fport" $fpid "$work/facteur.log" "$fcg"
# The history was used: its rows, and no outage or error in the log.
rows_sql="SELECT count(*), coalesce(sum(times), 0) FROM iban_history"
case $db in
  sqlite) echo "facteur IBAN history (rows, sightings): $(sqlite3 "$work/db/facteur.db" "$rows_sql")" ;;
  postgresql) echo "facteur IBAN history (rows, sightings): $(psql -X -A -t -F '|' \
    -d postgresql://postgres@127.0.0.1:5432/postgres -c "$rows_sql")" ;;
esac
[ "$db" = none ] || echo "facteur IBAN history: $(grep -c 'IBAN history' "$work/facteur.log" || true)" \
  "outage or error lines in its log"
$py "$here/hold.py" $fport 1000 $fpid $(pgrep -P $fpid)
kill $fpid; wait $fpid 2>/dev/null || true
fi

# (c) OpenDKIM (verify) + OpenDMARC
if wanted opendkim; then
cat > "$work/opendkim.conf" <<CONF
Mode v
Socket inet:8892@127.0.0.1
Nameservers 127.0.0.1
AuthservID mx.bench.test
Syslog no
Background no
PidFile $work/opendkim.pid
CONF
cat > "$work/opendmarc.conf" <<CONF
Socket inet:8893@127.0.0.1
AuthservID mx.bench.test
TrustedAuthservIDs mx.bench.test
SPFSelfValidate true
RejectFailures false
PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat
Syslog false
Background false
PidFile $work/opendmarc.pid
CONF
opendkim -x "$work/opendkim.conf" -f &
dkpid=$!
opendmarc -c "$work/opendmarc.conf" -f &
dmpid=$!
pids="$pids $dkpid $dmpid"
sleep 2
measure opendkim+opendmarc "$count" "inet:127.0.0.1:8892, inet:127.0.0.1:8893" "$dkpid $dmpid"
kill $dkpid $dmpid; wait $dkpid $dmpid 2>/dev/null || true
fi

# (d) rspamd, its proxy worker in milter mode (Debian's default: localhost:11332)
wanted rspamd || exit 0
mkdir -p "$work/rspamd/local.d" "$work/rspamd/run" "$work/rspamd/db"
chown -R _rspamd:_rspamd "$work/rspamd/run" "$work/rspamd/db"
echo "type = \"file\"; filename = \"$work/rspamd/run/rspamd.log\"; level = \"error\";" \
  > "$work/rspamd/local.d/logging.inc"
echo 'dns { nameserver = ["127.0.0.1:53"]; timeout = 1s; retransmits = 1; }' \
  > "$work/rspamd/local.d/options.inc"
rspamd -f -u _rspamd -g _rspamd --var=LOCAL_CONFDIR="$work/rspamd" \
  --var=RUNDIR="$work/rspamd/run" --var=DBDIR="$work/rspamd/db" &
rpid=$!
pids="$pids $rpid"
for _ in $(seq 60); do
  rspamc -h 127.0.0.1:11334 stat >/dev/null 2>&1 && break
  sleep 1
done
measure rspamd "$rspamd_count" "inet:127.0.0.1:11332" $rpid
kill $rpid; wait $rpid 2>/dev/null || true
