#!/usr/bin/env bash
# Configures and builds mdfan with Ninja into build/ (RelWithDebInfo: -O2 -g), on every core.
# Idempotent: a second run only rebuilds what changed. Arguments are ninja targets (default: everything,
# tests included), e.g. `scripts/build.sh mdfan`.
# Environment: BUILD_DIR (build), BUILD_TYPE (RelWithDebInfo), MDFAN_BUILD_TESTS (ON), CMAKE_ARGS (extra
# arguments for cmake, e.g. "-DMDFAN_SANITIZE=ON").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}

# shellcheck disable=SC2086 # CMAKE_ARGS is a list of arguments
cmake -S . -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
  -DMDFAN_BUILD_TESTS="${MDFAN_BUILD_TESTS:-ON}" \
  ${CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD_DIR" -j "$(nproc)" "$@"
