#!/usr/bin/env bash
# libFuzzer targets for the exchange parsers, built with clang in their own tree.
#   scripts/fuzz.sh build [BUILD_DIR]                    configure + build every fuzzer (default build-fuzz)
#   scripts/fuzz.sh run EXCHANGE SECONDS [BUILD_DIR]     fuzz one parser for a bounded time, seeded from
#                                                        tests/fixtures/EXCHANGE; a crash fails (exit != 0)
# Longer runs on demand: scripts/fuzz.sh run kraken 3600
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-build}"
case "$cmd" in
  build)
    dir="${2:-$ROOT/build-fuzz}"
    CC=clang CXX=clang++ cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMDFAN_FUZZ=ON -DMDFAN_BUILD_TESTS=OFF -DMDFAN_BUILD_BENCH=OFF >/dev/null
    ninja -C "$dir" fuzzers
    ;;
  run)
    ex="$2"; seconds="$3"; dir="${4:-$ROOT/build-fuzz}"
    bin="$dir/fuzz/fuzz_$ex"
    [ -x "$bin" ] || { echo "fuzz: $bin not built (scripts/fuzz.sh build)" >&2; exit 1; }
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/corpus"
    # Seeds: every fixture message of the exchange as published, and compacted (white space out), the
    # form exchanges send and the parsers' fast paths read.
    i=0
    for f in "$ROOT/tests/fixtures/$ex"/*; do
      [ -f "$f" ] || continue
      cp "$f" "$work/corpus/seed$i"
      tr -d ' \n\r\t' <"$f" >"$work/corpus/compact$i"; i=$((i+1))
    done
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work/corpus" 2>"$work/log" || {
        tail -n 60 "$work/log" >&2
        for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
          [ -f "$a" ] && { echo "fuzz: failing input ($a):" >&2; head -c 2000 "$a" | od -c | head -40 >&2; }
        done
        exit 1
      }
    grep -E "stat::number_of_executed_units|cov:" "$work/log" | tail -n 2
    ;;
  *) echo "usage: $0 build [DIR] | run EXCHANGE SECONDS [DIR]" >&2; exit 2 ;;
esac
