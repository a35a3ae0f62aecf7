#!/usr/bin/env bash
# Installs the Debian packages mdfan needs to build, run and test, plus any packages named as arguments
# (scripts/bench.sh adds the Nchan peer's).
# Idempotent: packages already present are not reinstalled; apt-get update runs only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-all-dev libhiredis-dev libsimdjson-dev libfmt-dev libspdlog-dev libssl-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libtoml11-dev
  redis-server redis-sentinel redis-tools
  clang libclang-rt-14-dev
  python3 curl procps ca-certificates
  "$@"
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "mdfan: missing packages: ${missing[*]}; run this script as root, or install sudo" >&2
    exit 1
  fi
  SUDO="sudo"
fi
echo "mdfan: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
