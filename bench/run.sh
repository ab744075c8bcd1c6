#!/usr/bin/env bash
# run.sh SERVER PROTO N DURATION
#
#   SERVER    synctv | nginx-rtmp | xiu
#   PROTO     flv | rtmp | hls        (nginx-rtmp has no HTTP-FLV)
#   N         viewers, 1..20000
#   DURATION  seconds all N viewers are held after the ramp
#
# One run: start the server pinned to SERVER_CPU, publish media/bench.flv
# with ffmpeg (-re -stream_loop -1 -c copy) pinned to CLIENT_CPU, calibrate
# the publisher's start offset, wait until PROTO plays, then run loadgen
# (pinned to CLIENT_CPU) which samples the server's CPU and RSS from /proc at
# 1 Hz. Everything started here is stopped by PID. The summary is one JSON
# line on stdout, also appended to results/results.jsonl; the raw files stay
# in results/runs/<run>/.
#
# Environment (optional):
#   LOWAT=0          SO_RCVLOWAT for FLV/RTMP viewers (16384 = batched mode)
#   LABEL            free text stored with the result (default: the mode)
#   RAMP             join ramp in s (default N/200, at most 10)
#   WARMUP           s between "playable" and load (default 2; HLS 8)
#   CALIBRATE=3      s of one viewer to find the publisher offset (0 = off)
#   READY_TIMEOUT=30 SERVER_CPU=0 CLIENT_CPU=1
#   BENCH_SYNCTV_BIN default <repo>/target/release/synctv (built if missing)
#   BENCH_SYNCTV_VERSION  recorded version (default: git describe of the repo)
#   BENCH_SYNCTV_ENV      space-separated SYNCTV_…=value settings for the server
#   (not SYNCTV_*: synctv reads every SYNCTV_* variable as configuration)
#   XIU_BIN          default /tmp/xiu-install/bin/xiu
#   NGINX_BIN        default nginx
#   MEDIA            default bench/media/bench.flv (made by make-media.sh)
#   LOADGEN_ARGS     extra loadgen options
#   SIDE=0           FLV/RTMP: viewers a second, otherwise idle loadgen joins
#                    (over 5 s, held 6 s) in the middle of the hold; their set-up,
#                    first-keyframe and delay times (side_* fields) show what a
#                    viewer waits for the server, without the queueing inside a
#                    client that holds N connections (needs DURATION >= 24)
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
if [[ $# -ne 4 ]]; then
  sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
SERVER="$1" PROTO="$2" N="$3" DURATION="$4"
[[ "$N" =~ ^[0-9]+$ ]] && (( N >= 1 && N <= 20000 )) || { echo "run.sh: N must be 1..20000" >&2; exit 2; }
[[ "$DURATION" =~ ^[0-9]+$ ]] && (( DURATION >= 1 && DURATION <= 3600 )) || { echo "run.sh: DURATION must be 1..3600" >&2; exit 2; }
case "$PROTO" in flv|rtmp|hls) ;; *) echo "run.sh: PROTO must be flv, rtmp or hls" >&2; exit 2 ;; esac

LOWAT="${LOWAT:-0}"
CALIBRATE="${CALIBRATE:-3}"
READY_TIMEOUT="${READY_TIMEOUT:-30}"
SERVER_CPU="${SERVER_CPU-0}"
CLIENT_CPU="${CLIENT_CPU-1}"
SYNCTV_BIN="${BENCH_SYNCTV_BIN:-$REPO/target/release/synctv}"
XIU_BIN="${XIU_BIN:-/tmp/xiu-install/bin/xiu}"
NGINX_BIN="${NGINX_BIN:-nginx}"
MEDIA="${MEDIA:-$BENCH/media/bench.flv}"
LOADGEN="$BENCH/loadgen/target/release/loadgen"
RESULTS="$BENCH/results"
if [[ -z "${RAMP:-}" ]]; then RAMP=$(awk -v n="$N" 'BEGIN { r = n / 200; if (r > 10) r = 10; printf "%.2f", r }'); fi
if [[ -z "${WARMUP:-}" ]]; then if [[ "$PROTO" == hls ]]; then WARMUP=8; else WARMUP=2; fi; fi
if [[ "$LOWAT" != 0 && "$PROTO" != hls ]]; then MODE="lowat$LOWAT"; else MODE=eager; fi
LABEL="${LABEL:-$MODE}"

RUN_ID="$(date +%Y%m%d-%H%M%S)-$SERVER-$PROTO-$N-$MODE"
RUN="$RESULTS/runs/$RUN_ID"
mkdir -p "$RUN"

log() { echo "[run.sh $(date +%T)] $*" >&2; }
pin() { if [[ -n "$1" ]]; then echo "taskset -c $1"; fi; }
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q LISTEN; }

PIDS=()
stop_all() {
  local pid i
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

fail() { # reason
  local line
  line=$(printf '{"server":"%s","protocol":"%s","viewers":%s,"mode":"%s","label":"%s","run":"%s","failed":"%s"}' \
    "$SERVER" "$PROTO" "$N" "$MODE" "$LABEL" "$RUN_ID" "$1")
  echo "$line"
  echo "$line" >> "$RESULTS/results.jsonl"
  log "FAILED: $1 (see $RUN)"
  exit 1
}

# ------------------------------------------------------------ prerequisites
if [[ ! -x "$LOADGEN" ]]; then
  log "building loadgen"
  (cd "$BENCH/loadgen" && cargo build --release -q) >&2
fi
[[ -s "$MEDIA" ]] || "$BENCH/make-media.sh" "$MEDIA"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( N + 64 <= $(ulimit -n) )) || log "WARNING: ulimit -n $(ulimit -n) is low for $N viewers"

# ------------------------------------------------------------ server kinds
RTMP_PORT=1935
PUBLISH_URL="rtmp://127.0.0.1:$RTMP_PORT/live/bench"
RTMP_URL="rtmp://127.0.0.1:$RTMP_PORT/live/bench"
HLS_PTS_OFFSET_MS=0
ENV_ARGS=()
case "$SERVER" in
  synctv)
    if [[ ! -x "$SYNCTV_BIN" ]]; then
      log "building synctv"
      (cd "$REPO" && cargo build --release -q) >&2
    fi
    mkdir -p "$RUN/data"
    # Only our SYNCTV_* settings reach the server.
    ENV_ARGS=()
    for var in $(compgen -e | grep '^SYNCTV_' || true); do ENV_ARGS+=(-u "$var"); done
    ENV_ARGS+=("SYNCTV_LIVE__KEYS=[{stream = \"bench\", key = \"bench\"}]" "SYNCTV_LOG=warn")
    # Settings for this run only, e.g. BENCH_SYNCTV_ENV="SYNCTV_LIVE__VIEWER_NODELAY=false".
    for setting in ${BENCH_SYNCTV_ENV:-}; do ENV_ARGS+=("$setting"); done
    CMD=("$SYNCTV_BIN" --http-addr 127.0.0.1:8080 --rtmp-addr "127.0.0.1:$RTMP_PORT" --data-dir "$RUN/data")
    FLV_URL="http://127.0.0.1:8080/flv/bench.flv"
    HLS_URL="http://127.0.0.1:8080/hls/bench/index.m3u8"
    PORTS=("$RTMP_PORT" 8080)
    VERSION="synctv ${BENCH_SYNCTV_VERSION:-$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)}"
    ;;
  nginx-rtmp)
    mkdir -p "$RUN/hls" "$RUN/tmp"
    sed "s#@RUN@#$RUN#g; s#@RTMP_PORT@#$RTMP_PORT#g" "$BENCH/servers/nginx-rtmp.conf" > "$RUN/nginx.conf"
    CMD=("$NGINX_BIN" -c "$RUN/nginx.conf" -g 'daemon off;')
    FLV_URL=""
    HLS_URL="http://127.0.0.1:8081/hls/bench.m3u8"
    # nginx-rtmp adds a 700 ms PCR delay (63000 at 90 kHz) to every PTS/DTS.
    HLS_PTS_OFFSET_MS=700
    PORTS=("$RTMP_PORT" 8081)
    VERSION="$("$NGINX_BIN" -v 2>&1 | sed 's#.*/##'), libnginx-mod-rtmp $(dpkg-query -W -f='${Version}' libnginx-mod-rtmp 2>/dev/null || echo '?')"
    ;;
  xiu)
    [[ -x "$XIU_BIN" ]] || fail "xiu binary not found at $XIU_BIN (see bench/README.md)"
    sed "s#@RTMP_PORT@#$RTMP_PORT#g" "$BENCH/servers/xiu.toml" > "$RUN/xiu.toml"
    CMD=("$XIU_BIN" -c "$RUN/xiu.toml")
    FLV_URL="http://127.0.0.1:8080/live/bench.flv"
    HLS_URL="http://127.0.0.1:8081/live/bench/bench.m3u8"
    PORTS=("$RTMP_PORT" 8080 8081)
    VERSION="xiu 0.14.0 (patched: loopback bind, HLS s3 unwrap)"
    ;;
  *) echo "run.sh: SERVER must be synctv, nginx-rtmp or xiu" >&2; exit 2 ;;
esac
case "$PROTO" in flv) URL="$FLV_URL" ;; rtmp) URL="$RTMP_URL" ;; hls) URL="$HLS_URL" ;; esac
[[ -n "$URL" ]] || fail "$SERVER does not serve $PROTO"

for p in "${PORTS[@]}"; do
  listening "$p" && fail "port $p is already in use"
done

# ------------------------------------------------------------ server
printf '%q ' "${ENV_ARGS[@]}" "${CMD[@]}" > "$RUN/server.cmd"
log "server ($SERVER, cpu ${SERVER_CPU:-any}): ${CMD[*]}"
# exec chain: $! is the server itself (env and taskset exec into it).
# shellcheck disable=SC2046
(cd "$RUN" && exec env "${ENV_ARGS[@]}" $(pin "$SERVER_CPU") "${CMD[@]}") > "$RUN/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for p in "${PORTS[@]}"; do
  for _ in $(seq 1 150); do
    listening "$p" && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  listening "$p" || { tail -5 "$RUN/server.log" >&2; fail "server did not listen on $p"; }
done

# ------------------------------------------------------------ publisher
PUB_LIMIT=$(awk -v d="$DURATION" -v r="$RAMP" -v w="$WARMUP" -v t="$READY_TIMEOUT" -v c="$CALIBRATE" \
  'BEGIN { printf "%d", d + r + w + c + 2 * t + 30 }')
PUB_EPOCH=$(date +%s%3N)
# shellcheck disable=SC2046
$(pin "$CLIENT_CPU") ffmpeg -nostdin -hide_banner -loglevel warning -re -stream_loop -1 -i "$MEDIA" \
  -t "$PUB_LIMIT" -c copy -f flv "$PUBLISH_URL" > "$RUN/publisher.log" 2>&1 &
PUB_PID=$!
PIDS=("$PUB_PID" "${PIDS[@]}")
log "publisher pid $PUB_PID -> $PUBLISH_URL"

# ------------------------------------------------------------ calibration
# One lightly loaded viewer: min(arrival - publish epoch - timestamp) is the
# publisher's own start-up delay. FLV and RTMP runs calibrate on their own
# protocol, HLS runs on RTMP.
BIAS=0
CAL_PROTO=rtmp; CAL_URL="$RTMP_URL"
[[ "$PROTO" == flv ]] && { CAL_PROTO=flv; CAL_URL="$FLV_URL"; }
if [[ "$CALIBRATE" != 0 ]]; then
  if out=$(timeout -k 2 $((READY_TIMEOUT + CALIBRATE + 10)) "$LOADGEN" --probe --proto "$CAL_PROTO" --url "$CAL_URL" \
      --duration "$READY_TIMEOUT" --calibrate "$CALIBRATE" --publish-epoch-ms "$PUB_EPOCH" 2>>"$RUN/probe.log"); then
    BIAS=$(grep -o '"bias_ms":[-0-9.]*' <<<"$out" | cut -d: -f2)
    [[ -n "$BIAS" ]] || BIAS=0
    log "calibration ($CAL_PROTO): $out"
  else
    echo "$out" >> "$RUN/probe.log"
    tail -3 "$RUN/server.log" >&2 || true
    fail "calibration viewer ($CAL_PROTO) got no keyframe: $out"
  fi
fi
T0=$(awk -v e="$PUB_EPOCH" -v b="$BIAS" 'BEGIN { printf "%.1f", e + b }')

if ! out=$(timeout -k 2 $((READY_TIMEOUT + 10)) "$LOADGEN" --probe --proto "$PROTO" --url "$URL" \
    --duration "$READY_TIMEOUT" 2>>"$RUN/probe.log"); then
  echo "$out" >> "$RUN/probe.log"
  fail "stream not playable over $PROTO within ${READY_TIMEOUT}s: $out"
fi
log "playable over $PROTO: $out; warm-up ${WARMUP}s"
sleep "$WARMUP"

# ------------------------------------------------------------ load
LIMIT=$(awk -v d="$DURATION" -v r="$RAMP" 'BEGIN { printf "%d", d + r + 40 }')
log "loadgen: $N x $PROTO $URL, ramp ${RAMP}s, hold ${DURATION}s, mode $MODE"
# shellcheck disable=SC2046,SC2086
$(pin "$CLIENT_CPU") timeout -k 5 "$LIMIT" "$LOADGEN" --proto "$PROTO" --url "$URL" --viewers "$N" \
  --duration "$DURATION" --ramp "$RAMP" --rcvlowat "$LOWAT" --publish-epoch-ms "$T0" \
  --hls-pts-offset-ms "$HLS_PTS_OFFSET_MS" --server-pid "$SERVER_PID" --publisher-pid "$PUB_PID" \
  --tag server="$SERVER" --tag label="$LABEL" --tag version="$VERSION" --tag run="$RUN_ID" \
  --tag bias_ms="$BIAS" ${LOADGEN_ARGS:-} > "$RUN/client.json" 2> "$RUN/client.log" &
CLIENT_PID=$!
PIDS+=("$CLIENT_PID")
SIDE="${SIDE:-0}"
if (( SIDE > 0 )) && [[ "$PROTO" != hls ]] && (( DURATION >= 24 )); then
  sleep "$(awk -v r="$RAMP" -v d="$DURATION" 'BEGIN { printf "%.2f", r + d / 2 - 4 }')"
  log "side loadgen: $SIDE x $PROTO joining over 5 s"
  # shellcheck disable=SC2046
  $(pin "$CLIENT_CPU") timeout -k 2 30 "$LOADGEN" --proto "$PROTO" --url "$URL" --viewers "$SIDE" \
    --duration 6 --ramp 5 --rcvlowat "$LOWAT" --publish-epoch-ms "$T0" --quiet \
    > "$RUN/side.json" 2> "$RUN/side.log" || true
fi
rc=0
wait "$CLIENT_PID" || rc=$?
kill -0 "$PUB_PID" 2>/dev/null || log "WARNING: the publisher exited during the run"
kill -0 "$SERVER_PID" 2>/dev/null || log "WARNING: the server exited during the run"
stop_all

LINE=$(head -1 "$RUN/client.json" 2>/dev/null || true)
[[ "$LINE" == "{"* ]] || fail "loadgen exited with $rc and no result (see $RUN/client.log)"
if [[ -s "$RUN/side.json" ]]; then
  LINE=$(python3 - "$LINE" "$RUN/side.json" <<'PY'
import json, sys
line = json.loads(sys.argv[1])
with open(sys.argv[2]) as f:
    side = json.loads(f.readline())
line["side_viewers"] = side.get("viewers")
for key in ("errors", "setup_p50_ms", "setup_p99_ms", "ttfk_p50_ms", "ttfk_p99_ms", "ttfk_max_ms",
            "e2e_p50_ms", "e2e_p99_ms", "e2e_max_ms", "e2e_samples"):
    line["side_" + key] = side.get(key)
print(json.dumps(line, separators=(",", ":")))
PY
)
fi
echo "$LINE"
echo "$LINE" >> "$RESULTS/results.jsonl"
