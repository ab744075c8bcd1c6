#!/usr/bin/env bash
# rooms-cluster.sh MODE ROOMS MEMBERS [roomload options…]
#
#   MODE     fanout | rooms | idle        (see roomload --help)
#   ROOMS    rooms, MEMBERS members each (at most 20000 members in all)
#
# The realtime-room benchmark across three synctv replicas (127.0.0.2, .3
# and .4, free ports) on a private redis-server and a PostgreSQL database
# of the run's own (dropped after). roomload spreads each room's members
# round robin over the three replicas' HTTP addresses (member m joins
# replica m mod 3) and samples the CPU and RSS of all three together. One
# JSON line on stdout, also appended to results/rooms-cluster.jsonl; logs
# of the replicas and of Redis stay in results/runs/<run>/.
#
# Environment (optional):
#   LABEL             free text stored with the result
#   SPREAD=all        all: members over the three replicas; first: every
#                     member on the first replica (the others still run)
#   REDIS_RESTART_AT=SECS  stop the private Redis SECS after roomload starts
#                     and start an empty one on the same port REDIS_DOWN_SECS
#                     (default 1) later
#   SERVER_CPU=0      core of the three replicas;  CLIENT_CPU=1 for roomload
#   PG_ADMIN          postgres://…/postgres to create and drop the database
#   BENCH_SYNCTV_BIN  default <repo>/target/release/synctv
#   BENCH_SYNCTV_ENV  extra SYNCTV_* settings for every replica
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
if [[ $# -lt 3 ]]; then
  sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
MODE="$1" ROOMS="$2" MEMBERS="$3"
shift 3
SPREAD="${SPREAD:-all}"
case "$SPREAD" in all|first) ;; *) echo "rooms-cluster.sh: SPREAD must be all or first" >&2; exit 2 ;; esac
REDIS_RESTART_AT="${REDIS_RESTART_AT:-}"
REDIS_DOWN_SECS="${REDIS_DOWN_SECS:-1}"
SERVER_CPU="${SERVER_CPU-0}"
CLIENT_CPU="${CLIENT_CPU-1}"
SYNCTV_BIN="${BENCH_SYNCTV_BIN:-$REPO/target/release/synctv}"
ROOMLOAD="$BENCH/roomload/target/release/roomload"
RESULTS="$BENCH/results"

RUN_ID="$(date +%Y%m%d-%H%M%S)-rooms-cluster-$MODE-${ROOMS}x$MEMBERS-$SPREAD"
RUN="$RESULTS/runs/$RUN_ID"
mkdir -p "$RUN"
log() { echo "[rooms-cluster.sh $(date +%T)] $*" >&2; }
# shellcheck source=cluster-lib.sh
. "$BENCH/cluster-lib.sh"

CLIENT=""
trap 'stop_pid "$CLIENT"; cluster_stop' EXIT
trap 'exit 130' INT TERM

if [[ ! -x "$ROOMLOAD" ]]; then
  log "building roomload"
  (cd "$BENCH/roomload" && CARGO_TARGET_DIR="$BENCH/roomload/target" cargo build --release -q) >&2
fi
[[ -x "$SYNCTV_BIN" ]] || { echo "rooms-cluster.sh: no synctv binary at $SYNCTV_BIN" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cluster_init
SERVERS=() PID_ARGS=()
for n in 2 3 4; do
  start_replica "rooms-$n" "127.0.0.$n" "$SERVER_CPU"
  SERVERS+=("$REPLICA_HTTP")
  PID_ARGS+=(--server-pid "$REPLICA_PID")
done
if [[ "$SPREAD" == all ]]; then LIST=$(IFS=,; echo "${SERVERS[*]}"); else LIST=${SERVERS[0]}; fi

VERSION="synctv $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)"
# shellcheck disable=SC2046
$(pin "$CLIENT_CPU") "$ROOMLOAD" --mode "$MODE" --rooms "$ROOMS" --members "$MEMBERS" \
  --servers "$LIST" "${PID_ARGS[@]}" --tag "run=$RUN_ID" --tag backend=postgresql+redis \
  --tag "replicas=3" --tag "spread=$SPREAD" --tag "redis_restart_at=$REDIS_RESTART_AT" \
  --tag "version=$VERSION" --tag "label=${LABEL:-}" --tag "host=$(nproc) cores, $(uname -r)" "$@" \
  > "$RUN/roomload.json" 2> >(tee "$RUN/roomload.log" >&2) &
CLIENT=$!
if [[ -n "$REDIS_RESTART_AT" ]]; then
  # Sleeps in steps so that a roomload that ended early is noticed.
  deadline=$(( $(date +%s) + REDIS_RESTART_AT ))
  while (( $(date +%s) < deadline )) && kill -0 "$CLIENT" 2>/dev/null; do sleep 0.2; done
  if kill -0 "$CLIENT" 2>/dev/null; then redis_restart "$REDIS_DOWN_SECS"; else log "roomload ended before the Redis restart"; fi
fi
rc=0
wait "$CLIENT" || rc=$?
line=$(head -1 "$RUN/roomload.json" 2>/dev/null || true)
[[ "$line" == "{"* ]] || { echo "rooms-cluster.sh: roomload exited with $rc and no result" >&2; exit 1; }
echo "$line"
echo "$line" >> "$RESULTS/rooms-cluster.jsonl"
