#!/usr/bin/env bash
# rooms.sh MODE ROOMS MEMBERS [roomload options…]
#
#   MODE     fanout | rooms | idle        (see roomload --help)
#   ROOMS    rooms, MEMBERS members each (at most 20000 members in all)
#
# One run of the realtime-room benchmark: start synctv pinned to SERVER_CPU
# on a fresh data directory (SQLite) or, with DATABASE_URL, on PostgreSQL;
# run roomload pinned to CLIENT_CPU with the server's PID, so it samples the
# server's CPU and RSS; stop the server by PID. The summary is one JSON line
# on stdout, also appended to results/rooms.jsonl; the server's log stays in
# results/runs/<run>/.
#
# Environment (optional):
#   LABEL            free text stored with the result
#   SERVER_CPU=0 CLIENT_CPU=1
#   DATABASE_URL     postgres://… (the database is dropped and made anew)
#   QUEUE_MESSAGES   [rooms] queue_messages for the server (default: its own)
#   BENCH_SYNCTV_BIN default <repo>/target/release/synctv (built if missing)
#   (not SYNCTV_*: synctv reads every SYNCTV_* variable as configuration)
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
if [[ $# -lt 3 ]]; then
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
MODE="$1" ROOMS="$2" MEMBERS="$3"
shift 3
SERVER_CPU="${SERVER_CPU-0}"
CLIENT_CPU="${CLIENT_CPU-1}"
SYNCTV_BIN="${BENCH_SYNCTV_BIN:-$REPO/target/release/synctv}"
ROOMLOAD="$BENCH/roomload/target/release/roomload"
RESULTS="$BENCH/results"
PORT=18080
BACKEND=sqlite
[[ -n "${DATABASE_URL:-}" ]] && BACKEND=postgresql

RUN_ID="$(date +%Y%m%d-%H%M%S)-rooms-$MODE-${ROOMS}x$MEMBERS-$BACKEND"
RUN="$RESULTS/runs/$RUN_ID"
mkdir -p "$RUN/data"

log() { echo "[rooms.sh $(date +%T)] $*" >&2; }
pin() { if [[ -n "$1" ]]; then echo "taskset -c $1"; fi; }
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q LISTEN; }

SERVER_PID=""
stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

if [[ ! -x "$ROOMLOAD" ]]; then
  log "building roomload"
  (cd "$BENCH/roomload" && cargo build --release -q) >&2
fi
if [[ ! -x "$SYNCTV_BIN" ]]; then
  log "building synctv"
  (cd "$REPO" && cargo build --release -q) >&2
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
listening "$PORT" && { echo "rooms.sh: port $PORT is already in use" >&2; exit 1; }

ENV_ARGS=()
for var in $(compgen -e | grep '^SYNCTV_' || true); do ENV_ARGS+=(-u "$var"); done
ENV_ARGS+=("SYNCTV_LOG=warn")
[[ -n "${QUEUE_MESSAGES:-}" ]] && ENV_ARGS+=("SYNCTV_ROOMS__QUEUE_MESSAGES=$QUEUE_MESSAGES")
CMD=("$SYNCTV_BIN" --http-addr "127.0.0.1:$PORT" --rtmp-addr 127.0.0.1:0 --data-dir "$RUN/data")
if [[ -n "${DATABASE_URL:-}" ]]; then
  db="${DATABASE_URL##*/}"
  admin="${DATABASE_URL%/*}/postgres"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\"" >&2
  CMD+=(--database-url "$DATABASE_URL")
fi

log "server (cpu ${SERVER_CPU:-any}, $BACKEND): ${CMD[*]}"
# shellcheck disable=SC2046
(cd "$RUN" && exec env "${ENV_ARGS[@]}" $(pin "$SERVER_CPU") "${CMD[@]}") > "$RUN/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  listening "$PORT" && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
listening "$PORT" || { tail -5 "$RUN/server.log" >&2; echo "rooms.sh: server did not listen" >&2; exit 1; }

VERSION="synctv $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)"
# shellcheck disable=SC2046
line=$($(pin "$CLIENT_CPU") "$ROOMLOAD" --mode "$MODE" --rooms "$ROOMS" --members "$MEMBERS" \
  --addr "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --tag "run=$RUN_ID" --tag "backend=$BACKEND" \
  --tag "version=$VERSION" --tag "label=${LABEL:-}" --tag "host=$(nproc) cores, $(uname -r)" "$@")
echo "$line"
echo "$line" >> "$RESULTS/rooms.jsonl"
