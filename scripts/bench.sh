#!/usr/bin/env bash
# Runs the benchmark: installs what it needs (the project's dependencies, plus nginx-light,
# libnginx-mod-nchan and gettext-base for the Nchan peer), builds mdfan-bench, mdfan and
# mdfan_parse_bench, and runs `mdfan-bench all` (or the scenario and options given), writing the JSON
# record to bench-<date>.json in the build directory unless --json is given.
#   scripts/bench.sh                       # every scenario: parse, publish, fanout, e2e
#   scripts/bench.sh fanout --clients 500  # one scenario, its options (build/bench/mdfan-bench --help)
# Environment: BUILD_DIR (build), BUILD_TYPE (the project's default, RelWithDebInfo: -O2 -g),
# MDFAN_BENCH_NO_INSTALL=1 to skip apt.
# The seed-node peer needs node and npm (and the npm registry once, for `npm ci`); without them it is
# reported as skipped. Peers are looked up in ../shared/peers (override with --peers DIR).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${MDFAN_BENCH_NO_INSTALL:-0}" != 1 ]; then
  scripts/install-deps.sh nginx-light libnginx-mod-nchan gettext-base
fi

export BUILD_DIR=${BUILD_DIR:-build}
scripts/build.sh mdfan-bench mdfan mdfan_parse_bench

args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  args=(all)
fi
has_json=0
for a in "${args[@]}"; do
  case "$a" in --json|--json=*) has_json=1 ;; esac
done
if [ "$has_json" = 0 ] && [ "${args[0]}" != "--help" ] && [ "${args[0]}" != "-h" ]; then
  args+=(--json "$BUILD_DIR/bench/bench-$(date -u +%Y%m%dT%H%M%SZ).json")
fi
exec "$BUILD_DIR/bench/mdfan-bench" "${args[@]}"
