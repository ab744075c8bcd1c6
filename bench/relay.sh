#!/usr/bin/env bash
# relay.sh PROTO N DURATION
#
#   PROTO     flv | rtmp | hls  (what the viewers play; the hop itself is one
#             RTMP pull for flv/rtmp, HTTP fetches from the owner for hls)
#   N         viewers in all: N/2 (rounded up) on replica A, the rest on B
#   DURATION  hold time in seconds once all have joined
#
# The cost of a relay hop, measured in one run: two synctv replicas on a
# private redis-server and a PostgreSQL database of the run's own. The
# publisher pushes to A (the owner); B serves its viewers through one pull
# from A. Both replicas are pinned to SERVER_CPU (the same core, so neither
# gets a core to itself); two loadgen processes on CLIENT_CPU hold the two
# groups at once, each sampling its own replica, and both time e2e delay
# against the same media time 0 (calibrated on A). So B's e2e minus A's is
# the delay the hop adds, and each replica's CPU above its idle level (the
# publisher's ingest on A, the pull on B), per viewer, compares the two.
# One JSON line on stdout, also appended to results/relay.jsonl; raw files
# in results/runs/<run>/.
#
# Environment (optional):
#   LABEL, LOWAT, CALIBRATE (3), WARMUP (2; hls 8), READY_TIMEOUT (30)
#   IDLE_SECS=5      window for each replica's idle CPU before the viewers join
#   SERVER_CPU=0     core of replica A;  SERVER_B_CPU (default: SERVER_CPU)
#   CLIENT_CPU=1     core of both loadgens and the publisher
#   PG_ADMIN         postgres://…/postgres to create and drop the run's database
#   BENCH_SYNCTV_BIN default <repo>/target/release/synctv
#   BENCH_SYNCTV_ENV extra SYNCTV_* settings for both replicas
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
if [[ $# -ne 3 ]]; then
  sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
PROTO="$1" N="$2" DURATION="$3"
[[ "$N" =~ ^[0-9]+$ ]] && (( N >= 2 && N <= 20000 )) || { echo "relay.sh: N must be 2..20000" >&2; exit 2; }
[[ "$DURATION" =~ ^[0-9]+$ ]] && (( DURATION >= 1 && DURATION <= 3600 )) || { echo "relay.sh: DURATION must be 1..3600" >&2; exit 2; }
case "$PROTO" in flv|rtmp|hls) ;; *) echo "relay.sh: PROTO must be flv, rtmp or hls" >&2; exit 2 ;; esac

LOWAT="${LOWAT:-0}"
CALIBRATE="${CALIBRATE:-3}"
READY_TIMEOUT="${READY_TIMEOUT:-30}"
IDLE_SECS="${IDLE_SECS:-5}"
SERVER_CPU="${SERVER_CPU-0}"
SERVER_B_CPU="${SERVER_B_CPU-$SERVER_CPU}"
CLIENT_CPU="${CLIENT_CPU-1}"
SYNCTV_BIN="${BENCH_SYNCTV_BIN:-$REPO/target/release/synctv}"
MEDIA="${MEDIA:-$BENCH/media/bench.flv}"
LOADGEN="$BENCH/loadgen/target/release/loadgen"
RESULTS="$BENCH/results"
N_A=$(( (N + 1) / 2 )) N_B=$(( N / 2 ))
if [[ -z "${RAMP:-}" ]]; then RAMP=$(awk -v n="$N" 'BEGIN { r = n / 200; if (r > 10) r = 10; printf "%.2f", r }'); fi
if [[ -z "${WARMUP:-}" ]]; then if [[ "$PROTO" == hls ]]; then WARMUP=8; else WARMUP=2; fi; fi
if [[ "$LOWAT" != 0 && "$PROTO" != hls ]]; then MODE="lowat$LOWAT"; else MODE=eager; fi
LABEL="${LABEL:-$MODE}"

RUN_ID="$(date +%Y%m%d-%H%M%S)-relay-$PROTO-$N-$MODE"
RUN="$RESULTS/runs/$RUN_ID"
mkdir -p "$RUN"
log() { echo "[relay.sh $(date +%T)] $*" >&2; }
# shellcheck source=cluster-lib.sh
. "$BENCH/cluster-lib.sh"

PIDS=()
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
  cluster_stop
}
trap stop_all EXIT
trap 'exit 130' INT TERM

fail() { # reason
  local line
  line=$(printf '{"protocol":"%s","viewers":%s,"mode":"%s","label":"%s","run":"%s","failed":"%s"}' \
    "$PROTO" "$N" "$MODE" "$LABEL" "$RUN_ID" "$1")
  echo "$line"
  echo "$line" >> "$RESULTS/relay.jsonl"
  log "FAILED: $1 (see $RUN)"
  exit 1
}

# ------------------------------------------------------------ prerequisites
if [[ ! -x "$LOADGEN" ]]; then
  log "building loadgen"
  (cd "$BENCH/loadgen" && CARGO_TARGET_DIR="$BENCH/loadgen/target" cargo build --release -q) >&2
fi
[[ -x "$SYNCTV_BIN" ]] || fail "no synctv binary at $SYNCTV_BIN (cargo build --release -p synctv)"
[[ -s "$MEDIA" ]] || "$BENCH/make-media.sh" "$MEDIA"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ------------------------------------------------------------ cluster
cluster_init || fail "could not set up PostgreSQL and Redis"
start_replica relay-a 127.0.0.2 "$SERVER_CPU" || fail "replica A did not start"
PID_A=$REPLICA_PID HTTP_A=$REPLICA_HTTP RTMP_A=$REPLICA_RTMP
start_replica relay-b 127.0.0.3 "$SERVER_B_CPU" || fail "replica B did not start"
PID_B=$REPLICA_PID HTTP_B=$REPLICA_HTTP RTMP_B=$REPLICA_RTMP
url_of() { # http rtmp
  case "$PROTO" in
    flv) echo "http://$1/flv/bench.flv" ;;
    rtmp) echo "rtmp://$2/live/bench" ;;
    hls) echo "http://$1/hls/bench/index.m3u8" ;;
  esac
}
URL_A=$(url_of "$HTTP_A" "$RTMP_A") URL_B=$(url_of "$HTTP_B" "$RTMP_B")

# ------------------------------------------------------------ publisher
PUB_LIMIT=$(awk -v d="$DURATION" -v r="$RAMP" -v w="$WARMUP" -v t="$READY_TIMEOUT" -v c="$CALIBRATE" -v i="$IDLE_SECS" \
  'BEGIN { printf "%d", d + r + w + c + i + 3 * t + 30 }')
PUB_EPOCH=$(date +%s%3N)
# shellcheck disable=SC2046
$(pin "$CLIENT_CPU") ffmpeg -nostdin -hide_banner -loglevel warning -re -stream_loop -1 -i "$MEDIA" \
  -t "$PUB_LIMIT" -c copy -f flv "rtmp://$RTMP_A/live/bench" > "$RUN/publisher.log" 2>&1 &
PUB_PID=$!
PIDS+=("$PUB_PID")
log "publisher pid $PUB_PID -> rtmp://$RTMP_A/live/bench"

# ------------------------------------------------------------ calibration, probes
# Media time 0 comes from a viewer of A: the same T0 for both groups.
BIAS=0
CAL_PROTO=rtmp; CAL_URL="rtmp://$RTMP_A/live/bench"
[[ "$PROTO" == flv ]] && { CAL_PROTO=flv; CAL_URL="$URL_A"; }
if [[ "$CALIBRATE" != 0 ]]; then
  if out=$(timeout -k 2 $((READY_TIMEOUT + CALIBRATE + 10)) "$LOADGEN" --probe --proto "$CAL_PROTO" --url "$CAL_URL" \
      --duration "$READY_TIMEOUT" --calibrate "$CALIBRATE" --publish-epoch-ms "$PUB_EPOCH" 2>>"$RUN/probe.log"); then
    BIAS=$(grep -o '"bias_ms":[-0-9.]*' <<<"$out" | cut -d: -f2)
    [[ -n "$BIAS" ]] || BIAS=0
    log "calibration on A ($CAL_PROTO): $out"
  else
    fail "calibration viewer on A ($CAL_PROTO) got no keyframe: $out"
  fi
fi
T0=$(awk -v e="$PUB_EPOCH" -v b="$BIAS" 'BEGIN { printf "%.1f", e + b }')
for side in A B; do
  url=$URL_A; [[ $side == B ]] && url=$URL_B
  if ! out=$(timeout -k 2 $((READY_TIMEOUT + 10)) "$LOADGEN" --probe --proto "$PROTO" --url "$url" \
      --duration "$READY_TIMEOUT" 2>>"$RUN/probe.log"); then
    fail "stream not playable over $PROTO on $side within ${READY_TIMEOUT}s: $out"
  fi
  log "playable over $PROTO on $side: $out"
done
sleep "$WARMUP"

# Idle level: A ingests and feeds B's pull, B pulls (a pull outlives its
# last viewer by pull_idle_secs, 300 s by default), nobody watches.
TA0=$(proc_ticks "$PID_A") TB0=$(proc_ticks "$PID_B") W0=$(date +%s%N)
sleep "$IDLE_SECS"
TA1=$(proc_ticks "$PID_A") TB1=$(proc_ticks "$PID_B") W1=$(date +%s%N)
IDLE_A=$(awk -v a="$TA0" -v b="$TA1" -v w0="$W0" -v w1="$W1" 'BEGIN { printf "%.2f", (b - a) / ((w1 - w0) / 1e9) }')
IDLE_B=$(awk -v a="$TB0" -v b="$TB1" -v w0="$W0" -v w1="$W1" 'BEGIN { printf "%.2f", (b - a) / ((w1 - w0) / 1e9) }')
log "idle CPU: A ${IDLE_A} %, B ${IDLE_B} %"
# B's node record (renewed every 5 s) says how many pulls it runs: 1 here,
# or B's viewers are not served through the hop.
B_PULLS=$(redis-cli -p "$REDIS_PORT" --raw GET "${KEY_PREFIX}node:relay-b" 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["load"]["pulls"])' 2>/dev/null || echo null)
# (HLS on B fetches the owner's playlists and segments over HTTP: no pull.)
[[ "$PROTO" == hls || "$B_PULLS" == 1 ]] || log "WARNING: replica B reports $B_PULLS pulls, not 1"

# ------------------------------------------------------------ load: both groups at once
LIMIT=$(awk -v d="$DURATION" -v r="$RAMP" 'BEGIN { printf "%d", d + r + 40 }')
VERSION="synctv ${BENCH_SYNCTV_VERSION:-$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)}"
CLIENTS=()
for side in a b; do
  if [[ $side == a ]]; then n=$N_A url=$URL_A pid=$PID_A; else n=$N_B url=$URL_B pid=$PID_B; fi
  log "loadgen $side: $n x $PROTO $url, ramp ${RAMP}s, hold ${DURATION}s"
  # shellcheck disable=SC2046,SC2086
  $(pin "$CLIENT_CPU") timeout -k 5 "$LIMIT" "$LOADGEN" --proto "$PROTO" --url "$url" --viewers "$n" \
    --duration "$DURATION" --ramp "$RAMP" --rcvlowat "$LOWAT" --publish-epoch-ms "$T0" \
    --server-pid "$pid" --publisher-pid "$PUB_PID" --quiet ${LOADGEN_ARGS:-} \
    > "$RUN/client-$side.json" 2> "$RUN/client-$side.log" &
  CLIENTS+=($!)
  PIDS+=($!)
done
for pid in "${CLIENTS[@]}"; do wait "$pid" || true; done
kill -0 "$PUB_PID" 2>/dev/null || log "WARNING: the publisher exited during the run"
kill -0 "$PID_A" 2>/dev/null || log "WARNING: replica A exited during the run"
kill -0 "$PID_B" 2>/dev/null || log "WARNING: replica B exited during the run"
stop_all

for side in a b; do
  [[ "$(head -c1 "$RUN/client-$side.json" 2>/dev/null)" == "{" ]] ||
    fail "loadgen $side gave no result (see $RUN/client-$side.log)"
done
LINE=$(python3 "$BENCH/relay-line.py" "$RUN/client-a.json" "$RUN/client-b.json" \
  protocol="$PROTO" viewers="$N" mode="$MODE" label="$LABEL" version="$VERSION" run="$RUN_ID" \
  bias_ms="$BIAS" b_pulls="$B_PULLS" a_cpu_idle_pct="$IDLE_A" b_cpu_idle_pct="$IDLE_B" \
  server_cpus="${SERVER_CPU:-any}/${SERVER_B_CPU:-any}" client_cpu="${CLIENT_CPU:-any}" \
  host="$(nproc) cores, $(uname -r)")
echo "$LINE"
echo "$LINE" >> "$RESULTS/relay.jsonl"
