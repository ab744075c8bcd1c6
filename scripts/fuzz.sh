#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time each.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
# libFuzzer needs a nightly toolchain; without one this says so and exits 0
# (the regression corpora still run as ordinary tests in scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain here; skipping libFuzzer runs"
  exit 0
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

cd fuzz
for target in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$target"
  # Seeds kept in git: a crate's regression corpus named after the target
  # (crates/media/tests/corpus/avc_config/, ...) or fuzz/seeds/<target>/.
  # libFuzzer reads them and writes what it finds only to corpus/<target>.
  seeds=()
  for dir in ../crates/*/tests/corpus/"$target" "seeds/$target"; do
    if [[ -d "$dir" ]]; then seeds+=("$dir"); fi
  done
  echo "fuzz: $target for ${secs}s"
  cargo +nightly fuzz run "$target" "corpus/$target" ${seeds[@]+"${seeds[@]}"} -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=0
done
echo "fuzz: every target ran ${secs}s without a crash"
