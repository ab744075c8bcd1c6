#!/usr/bin/env bash
# Runs the whole synctv test suite on a fresh Debian machine.
# Installs what is missing (ffmpeg and rtmpdump for the end-to-end tests), then runs every
# test of the workspace, including the end-to-end tests with real ffmpeg
# peers and the fuzz regression corpora, in one cargo invocation.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v rtmpdump >/dev/null 2>&1 || need_apt+=(rtmpdump)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo is required (https://rustup.rs)"; exit 1; }

cargo fmt --all -- --check
cargo test --workspace --locked "$@"
