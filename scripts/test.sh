#!/usr/bin/env bash
# The test command: installs the dependencies, builds everything (tests included) and runs the whole
# suite (labels unit, integration, e2e, fault). Arguments go to ctest, e.g. `scripts/test.sh -L unit`
# or `scripts/test.sh -R AppConfig`. Exits with ctest's status.
# The exchange parsers' libFuzzer targets are built by clang into build-fuzz/ first and each runs for
# MDFAN_FUZZ_SECONDS (default 20) as a unit test; MDFAN_FUZZ=0 leaves them out.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
if [ "${MDFAN_FUZZ:-1}" != 0 ]; then
  scripts/fuzz.sh build "$PWD/build-fuzz"
  export CMAKE_ARGS="${CMAKE_ARGS:-} -DMDFAN_FUZZ_BUILD_DIR=$PWD/build-fuzz -DMDFAN_FUZZ_SECONDS=${MDFAN_FUZZ_SECONDS:-20}"
fi
scripts/build.sh
status=0
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2 "$@" || status=$?
exit "$status"
