#!/usr/bin/env bash
# The run command: a complete local mdfan that needs no network.
#   1. installs the dependencies and builds mdfan,
#   2. starts a throw-away redis-server on a free port (no persistence, in a temporary directory),
#      unless REDIS_URL is set,
#   3. starts the exchange simulator (`mdfan sim`) on a free port,
#   4. starts a hybrid mdfan fed by the simulator, and prints where to connect.
# Ctrl-C stops everything and removes the temporary directory.
#
# Environment:
#   MDFAN_LISTEN  address of mdfan's HTTP + WebSocket server (default 127.0.0.1:8080, or a free port
#                 when 8080 is taken)
#   EXCHANGE      whose protocol the simulator speaks and mdfan follows: binance, coinbase, kraken,
#                 bybit, okx (default: MDFAN_EXCHANGE, else binance)
#   SYMBOLS       instruments to simulate and follow (default: MDFAN_SYMBOLS, else BTC-USDT,ETH-USDT;
#                 BTC-USD,ETH-USD on coinbase and kraken)
#   SIM_RATE      simulator messages per second (default 1000)
#   REDIS_URL     use this Redis instead of starting one
#   BUILD_DIR     build directory (default build)
# Other MDFAN_* and REDIS_* variables reach mdfan as usual (see docs/configuration.md).
# shellcheck disable=SC2317 # functions run from traps and wait_until look unreachable to shellcheck
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
scripts/build.sh mdfan
BIN="$PWD/${BUILD_DIR:-build}/src/app/mdfan"

EXCHANGE=${EXCHANGE:-${MDFAN_EXCHANGE:-binance}}
case "$EXCHANGE" in
  coinbase | kraken) default_symbols=BTC-USD,ETH-USD ;;
  *) default_symbols=BTC-USDT,ETH-USDT ;;
esac
SYMBOLS=${SYMBOLS:-${MDFAN_SYMBOLS:-$default_symbols}}
unset MDFAN_EXCHANGE MDFAN_SYMBOLS  # passed as flags below
SIM_RATE=${SIM_RATE:-1000}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_open() {  # port_open HOST PORT: something accepts connections there
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}
log() { printf 'run.sh: %s\n' "$*" >&2; }

# Children run in their own sessions (setsid), so Ctrl-C reaches this script only and cleanup() stops
# them in order: mdfan first (it drains its clients and Redis queue), then the simulator, then Redis.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mdfan-run.XXXXXX")
REDIS_PID="" SIM_PID="" MDFAN_PID=""

stop_pid() {  # stop_pid PID: SIGTERM, up to 10 s to exit, then SIGKILL
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  trap - EXIT INT TERM HUP
  log "stopping"
  stop_pid "$MDFAN_PID"
  stop_pid "$SIM_PID"
  stop_pid "$REDIS_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

wait_until() {  # wait_until SECONDS PID WHAT CMD...: poll CMD until it succeeds; fail if PID dies
  local seconds=$1 pid=$2 what=$3
  shift 3
  for _ in $(seq $((seconds * 10))); do
    if "$@"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$what exited before it was ready"
      return 1
    fi
    sleep 0.1
  done
  log "$what was not ready after ${seconds}s"
  return 1
}

# 1. Redis
if [ -z "${REDIS_URL:-}" ]; then
  redis_port=$(free_port)
  setsid redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$WORK" \
    --logfile "$WORK/redis.log" &
  REDIS_PID=$!
  wait_until 10 "$REDIS_PID" "redis-server" port_open 127.0.0.1 "$redis_port" || {
    cat "$WORK/redis.log" >&2
    exit 1
  }
  export REDIS_URL="redis://127.0.0.1:$redis_port"
  log "redis-server on $REDIS_URL (pid $REDIS_PID, no persistence)"
fi

# 2. The exchange simulator
sim_port=$(free_port)
setsid "$BIN" sim --exchange "$EXCHANGE" --listen "127.0.0.1:$sim_port" --symbols "$SYMBOLS" --rate "$SIM_RATE" >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
wait_until 10 "$SIM_PID" "mdfan sim" port_open 127.0.0.1 "$sim_port" || {
  cat "$WORK/sim.log" >&2
  exit 1
}
log "$EXCHANGE simulator on ws://127.0.0.1:$sim_port (pid $SIM_PID, $SIM_RATE messages/s)"

# 3. mdfan, hybrid
if [ -z "${MDFAN_LISTEN:-}" ]; then
  MDFAN_LISTEN=127.0.0.1:8080
  if port_open 127.0.0.1 8080; then
    MDFAN_LISTEN="127.0.0.1:$(free_port)"
    log "port 8080 is taken; using $MDFAN_LISTEN"
  fi
fi
listen_host=${MDFAN_LISTEN%:*}
listen_port=${MDFAN_LISTEN##*:}
case "$listen_host" in
  0.0.0.0 | "[::]" | "") connect_host=127.0.0.1 ;;
  *) connect_host=$listen_host ;;
esac

export MDFAN_LISTEN  # read by mdfan itself, so its errors name the variable
setsid "$BIN" --role hybrid --exchange "$EXCHANGE" --symbols "$SYMBOLS" \
  --exchange-ws-url "ws://127.0.0.1:$sim_port" --exchange-rest-url "http://127.0.0.1:$sim_port" &
MDFAN_PID=$!
health() { curl -fs -o /dev/null --max-time 1 "http://$connect_host:$listen_port/health"; }
wait_until 30 "$MDFAN_PID" "mdfan" health || exit 1

# An example instrument for the subscribe message: the first symbol, split before a common quote asset.
first=${SYMBOLS%%,*}
first=${first//\//-}
instrument=$first
for quote in USDT USDC FDUSD BUSD BTC ETH BNB EUR; do
  if [[ $first != *-* ]] && [ "${first%"$quote"}" != "$first" ] && [ "${#first}" -gt "${#quote}" ]; then
    instrument="${first%"$quote"}-$quote"
    break
  fi
done

cat <<EOF

mdfan is running: hybrid, fed by the $EXCHANGE simulator (offline), Redis at $REDIS_URL.

  WebSocket  ws://$connect_host:$listen_port/ws
  Health     http://$connect_host:$listen_port/health
  Metrics    http://$connect_host:$listen_port/metrics

  Send, once connected to /ws:
    {"op":"subscribe","topics":["trade:$EXCHANGE:$instrument","book:$EXCHANGE:$instrument","ticker:$EXCHANGE:*"],"snapshot":true}

  Simulator log: $WORK/sim.log
  Ctrl-C stops everything.

EOF

# Until Ctrl-C, or until one of them exits on its own.
set +e
wait -n $MDFAN_PID $SIM_PID ${REDIS_PID:+$REDIS_PID}
status=$?
set -e
log "a process exited on its own (status $status)"
exit "$status"
