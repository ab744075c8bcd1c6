# Shared by relay.sh and rooms-cluster.sh (sourced, not run): a private
# redis-server on a free port, a PostgreSQL database of the run's own, and
# synctv replicas on loopback addresses, all stopped or removed on exit.
#
# The caller sets RUN (raw directory), RUN_ID, SYNCTV_BIN and log(), then
# calls cluster_init once.

CLUSTER_SECRET="bench-cluster-secret-0123456789"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
REPLICA_PIDS=()
REDIS_PID=""
REDIS_PORT=""
DB_NAME=""

pin() { if [[ -n "$1" ]]; then echo "taskset -c $1"; fi; }
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q LISTEN; }

# A TCP port nobody listens on at IP now (the OS picks it).
free_port() {
  python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

stop_pid() {
  local pid="$1" i
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Waits (bounded) until PORT listens while PID lives.
wait_listening() { # port pid what
  local i
  for i in $(seq 1 300); do
    listening "$1" && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "$3 did not listen on port $1 (see $RUN)" >&2
  return 1
}

redis_start() {
  mkdir -p "$RUN/redis"
  [[ -n "$REDIS_PORT" ]] || REDIS_PORT=$(free_port 127.0.0.1)
  "$REDIS_BIN" --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$RUN/redis" >> "$RUN/redis.log" 2>&1 &
  REDIS_PID=$!
  wait_listening "$REDIS_PORT" "$REDIS_PID" redis-server
}

# Stops the private Redis (its keys are gone: no persistence) and starts a
# fresh one on the same port after PAUSE seconds.
redis_restart() { # pause
  log "restarting redis-server (port $REDIS_PORT, down ${1}s)"
  stop_pid "$REDIS_PID"
  REDIS_PID=""
  sleep "$1"
  redis_start
}

cluster_stop() {
  local pid
  for pid in "${REPLICA_PIDS[@]}"; do stop_pid "$pid"; done
  REPLICA_PIDS=()
  stop_pid "$REDIS_PID"
  REDIS_PID=""
  if [[ -n "$DB_NAME" ]]; then
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 ||
      log "WARNING: could not drop database $DB_NAME"
    DB_NAME=""
  fi
}

cluster_init() {
  DB_NAME="synctv_bench_$(tr -c 'a-z0-9\n' '_' <<<"${RUN_ID,,}" | tail -c 40)_$$"
  psql -q "$PG_ADMIN" -c "CREATE DATABASE \"$DB_NAME\"" >&2
  DB_URL="${PG_ADMIN%/*}/$DB_NAME"
  KEY_PREFIX="synctv-bench-$RUN_ID:"
  redis_start
  log "cluster: database $DB_NAME, redis 127.0.0.1:$REDIS_PORT, key prefix $KEY_PREFIX"
}

# Starts replica NAME on IP with free HTTP and RTMP ports, pinned to CPU;
# sets REPLICA_PID, REPLICA_HTTP (ip:port), REPLICA_RTMP (ip:port).
start_replica() { # name ip cpu
  local name="$1" ip="$2" cpu="$3" env_args=() var http rtmp
  http=$(free_port "$ip")
  rtmp=$(free_port "$ip")
  for var in $(compgen -e | grep '^SYNCTV_' || true); do env_args+=(-u "$var"); done
  env_args+=("SYNCTV_LOG=warn" "NO_COLOR=1" "SYNCTV_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/"
    "SYNCTV_CLUSTER__NODE_ID=$name" "SYNCTV_CLUSTER__SECRET=$CLUSTER_SECRET"
    "SYNCTV_CLUSTER__KEY_PREFIX=$KEY_PREFIX"
    "SYNCTV_LIVE__KEYS=[{stream = \"bench\", key = \"bench\"}]")
  # Settings for this run only, e.g. BENCH_SYNCTV_ENV="SYNCTV_ROOMS__QUEUE_MESSAGES=512".
  for var in ${BENCH_SYNCTV_ENV:-}; do env_args+=("$var"); done
  mkdir -p "$RUN/data-$name"
  local cmd=("$SYNCTV_BIN" --http-addr "$ip:$http" --rtmp-addr "$ip:$rtmp"
    --data-dir "$RUN/data-$name" --database-url "$DB_URL")
  printf '%q ' "${env_args[@]}" "${cmd[@]}" > "$RUN/$name.cmd"
  log "replica $name (cpu ${cpu:-any}): http $ip:$http rtmp $ip:$rtmp"
  # exec chain: $! is synctv itself (env and taskset exec into it).
  # shellcheck disable=SC2046
  (cd "$RUN" && exec env "${env_args[@]}" $(pin "$cpu") "${cmd[@]}") > "$RUN/$name.log" 2>&1 &
  REPLICA_PID=$!
  REPLICA_PIDS+=("$REPLICA_PID")
  wait_listening "$http" "$REPLICA_PID" "replica $name" || { tail -5 "$RUN/$name.log" >&2; return 1; }
  wait_listening "$rtmp" "$REPLICA_PID" "replica $name" || { tail -5 "$RUN/$name.log" >&2; return 1; }
  REPLICA_HTTP="$ip:$http"
  REPLICA_RTMP="$ip:$rtmp"
}

# utime + stime (clock ticks) of one process, all its threads.
proc_ticks() {
  awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
