#!/usr/bin/env bash
# Starts three local synctv replicas on 127.0.0.2, 127.0.0.3 and 127.0.0.4 (HTTP :8080,
# RTMP :1935 each) against the local PostgreSQL (127.0.0.1:5432, user postgres) and Redis
# (127.0.0.1:6379), in database `synctv_cluster` and under the key prefix `synctv-local:`.
#   scripts/cluster.sh            start, and stop all three on Ctrl-C
#   scripts/cluster.sh --reset    drop the database and keys first
# Logs go to data/cluster/<node>.log. docs/cluster.md says what to try.
set -euo pipefail
cd "$(dirname "$0")/.."

db=synctv_cluster
prefix=synctv-local:
if [ "${1:-}" = "--reset" ]; then
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  redis-cli -h 127.0.0.1 --scan --pattern "$prefix*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null
fi
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"

cargo build --release --locked -p synctv
mkdir -p data/cluster
secret_file=data/cluster/secret
[ -s "$secret_file" ] || head -c 24 /dev/urandom | base64 > "$secret_file"

pids=()
trap 'kill ${pids[@]+"${pids[@]}"} 2>/dev/null; wait' EXIT INT TERM
for n in 2 3 4; do
  node="replica-$n"
  SYNCTV_CLUSTER__NODE_ID=$node \
  SYNCTV_CLUSTER__SECRET=$(cat "$secret_file") \
  SYNCTV_CLUSTER__KEY_PREFIX=$prefix \
    target/release/synctv \
      --http-addr 127.0.0.$n:8080 --rtmp-addr 127.0.0.$n:1935 \
      --data-dir data/cluster/$node \
      --database-url "postgres://postgres@127.0.0.1:5432/$db" \
      --redis-url redis://127.0.0.1:6379/ \
      >"data/cluster/$node.log" 2>&1 &
  pids+=($!)
  echo "$node: http://127.0.0.$n:8080  rtmp://127.0.0.$n:1935/live  (log data/cluster/$node.log)"
done
echo "Ctrl-C stops all three."
wait
