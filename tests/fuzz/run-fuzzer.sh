#!/bin/sh
# Fuzzes one libFuzzer target for a few seconds on a scratch copy of its seed corpus.
# Usage: run-fuzzer.sh BINARY CORPUS_DIR SECONDS. A crash leaves its input in the
# current folder and fails the test; turn it into a unit test (STYLE.md, habit 1).
set -eu
bin=$1 corpus=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/
exec "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$work"
