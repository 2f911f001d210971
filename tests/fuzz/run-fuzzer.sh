#!/bin/sh
# Fuzzes one libFuzzer target for a few seconds on a scratch copy of its seed corpus.
# Usage: run-fuzzer.sh BINARY CORPUS_DIR SECONDS. A crash fails the test and leaves
# its input as crash-* in the build folder (libFuzzer also prints it in base64); turn
# it into a unit test (STYLE.md, habit 1).
# The seed is fixed so that a failure in CI replays here with the same command: these
# short runs guard against regressions from the committed corpora; finding new bugs is
# the job of the long campaigns (docs/FUZZING.md), whose grown corpora are committed.
set -eu
bin=$1 corpus=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/
# libFuzzer exits 77 on a crash by default, which Meson would count as a skip.
"$bin" -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -timeout_exitcode=1 \
  -print_final_stats=1 "$work"
