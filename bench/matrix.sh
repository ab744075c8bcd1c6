#!/usr/bin/env bash
# matrix.sh SERVER:PROTO:N1,N2,... [more series...]
#
# Runs run.sh for each N of each series in turn (DURATION, default 30 s),
# with the same environment (LOWAT, LABEL, ...). A series stops at the first
# run that breaks: failed run, errors > BREAK_ERR_PCT % of N (default 1),
# any lagging viewer, or server CPU >= BREAK_CPU_PCT (default 97).
# Before each run it waits (up to IDLE_WAIT s, default 300) until no rustc
# or cc1 process runs, since a compiler on the box skews the numbers.
#
#   ./matrix.sh synctv:flv:100,500,1000 xiu:flv:100,500,1000
#   LOWAT=16384 ./matrix.sh synctv:rtmp:2000,3000,4000
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DURATION="${DURATION:-30}"
BREAK_ERR_PCT="${BREAK_ERR_PCT:-1}"
BREAK_CPU_PCT="${BREAK_CPU_PCT:-97}"
[[ $# -ge 1 ]] || { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

wait_idle() {
  local waited=0
  while pgrep -x rustc >/dev/null || pgrep -x cc1 >/dev/null || pgrep -x cc1plus >/dev/null; do
    if (( waited >= ${IDLE_WAIT:-300} )); then echo "--- box still busy after ${waited}s; running anyway" >&2; return; fi
    sleep 5; waited=$((waited + 5))
  done
  (( waited == 0 )) || echo "--- waited ${waited}s for compilers to finish" >&2
}

field() { grep -o "\"$1\":[^,}]*" <<<"$2" | head -1 | cut -d: -f2 | tr -d '"'; }

for series in "$@"; do
  IFS=: read -r server proto counts <<<"$series"
  IFS=, read -r -a ns <<<"$counts"
  for n in "${ns[@]}"; do
    wait_idle
    echo "=== $server $proto $n (${DURATION}s, LOWAT=${LOWAT:-0})" >&2
    line=$("$BENCH/run.sh" "$server" "$proto" "$n" "$DURATION" | tail -1) || true
    echo "$line"
    if [[ -n "$(field failed "$line")" || -z "$line" ]]; then
      echo "--- $server $proto: run failed, series stopped" >&2; break
    fi
    errors=$(field errors "$line"); lag=$(field lagging_viewers "$line"); cpu=$(field server_cpu_pct_avg "$line")
    reason=$(awk -v e="$errors" -v n="$n" -v l="$lag" -v c="$cpu" -v ep="$BREAK_ERR_PCT" -v cp="$BREAK_CPU_PCT" 'BEGIN {
      if (e * 100 > ep * n) print "errors " e;
      else if (l > 0) print "lagging " l;
      else if (c != "null" && c >= cp) print "cpu " c "%" }')
    if [[ -n "$reason" ]]; then
      echo "--- $server $proto: broke at $n ($reason), series stopped" >&2; break
    fi
  done
done
