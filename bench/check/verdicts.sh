#!/bin/sh
# Prints every verdict a speed change must leave alone: `facteur check --json` over the
# benchmark corpus (each message with its envelope) and over every message of
# tests/data/threats and tests/data/business (client 192.0.2.1), DNS from the corpus
# zone, blocklists off, the clock fixed. Run it before and after a change, into two
# folders, and compare them with `diff -r`: they must be byte-identical.
# Usage: bench/check/verdicts.sh FACTEUR CORPUS_DIR OUT_DIR
#   (CORPUS_DIR as bench/check/make-corpus.py writes it: zone, envelopes, msgs/)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
facteur=$1
corpus=$2
out=$3
mkdir -p "$out/corpus" "$out/threats" "$out/business"
export LC_ALL=C.UTF-8 LANG=C.UTF-8 LANGUAGE=
common="--json --now=1800000000 --no-blocklists --dns-zone=$corpus/zone"

run() { # OUT FILE ARGS...: the JSON and the exit status
  o=$1
  shift
  status=0
  # shellcheck disable=SC2086
  "$facteur" check $common "$@" >"$o" 2>"$o.err" || status=$?
  echo "$status" >>"$o.err"
}

while read -r file ip from helo; do
  run "$out/corpus/$(basename "$file").json" "$file" --ip "$ip" --mail-from "$from" \
    --helo "$helo"
done <"$corpus/envelopes"
for set in threats business; do
  for file in "$root/tests/data/$set"/*.eml; do
    run "$out/$set/$(basename "$file").json" "$file" --ip 192.0.2.1
  done
done
echo "$(find "$out" -name '*.json' | wc -l) reports in $out"
