#!/usr/bin/env bash
# The test command: installs the dependencies, builds everything (tests included) and runs the whole
# suite (labels unit, integration, e2e, fault). Arguments go to ctest, e.g. `scripts/test.sh -L unit`
# or `scripts/test.sh -R AppConfig`. Exits with ctest's status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
scripts/build.sh
status=0
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2 "$@" || status=$?
exit "$status"
