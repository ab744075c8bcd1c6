#!/usr/bin/env bash
# Runs the whole synctv test suite on a fresh Debian machine.
# Installs what is missing (ffmpeg and rtmpdump for the end-to-end tests, PostgreSQL and
# Redis for the storage and cluster tests, moto's S3 server for the object storage tests,
# Node.js, the web app's packages and chromium for the web tests), starts PostgreSQL and Redis on 127.0.0.1 if
# they are not answering, then runs every test of the workspace, including the
# end-to-end tests with real ffmpeg peers and the fuzz regression corpora, in one cargo
# invocation.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v rtmpdump >/dev/null 2>&1 || need_apt+=(rtmpdump)
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
[ -x "${SYNCTV_CHROMIUM:-/usr/bin/chromium}" ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo is required (https://rustup.rs)"; exit 1; }

# The web tools (Vite, Vitest, typescript-eslint, playwright-core) need Node.js 20.19 or
# newer; Debian bookworm's nodejs is 18. An older node gets Node.js 22 from the npm registry
# (the `node` package) under target/node, first on PATH for everything below.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  if [ ! -x target/node/node_modules/.bin/node ]; then
    echo "Node.js $(node -v) is too old for the web tools; installing Node.js 22 from the npm registry"
    npm install --prefix target/node --no-audit --no-fund --no-save node@22 >/dev/null
  fi
  export PATH="$PWD/target/node/node_modules/.bin:$PATH"
  echo "using Node.js $(node -v) from target/node"
fi

# moto's S3-compatible server for the object storage tests (they start and stop it).
if ! command -v moto_server >/dev/null 2>&1; then
  command -v python3 >/dev/null 2>&1 || { apt-get update -qq; apt-get install -y -qq python3 python3-pip >/dev/null; }
  echo "installing moto's server mode"
  python3 -m pip install -q 'moto[server]' 2>/dev/null \
    || python3 -m pip install -q --break-system-packages 'moto[server]'
  hash -r
  command -v moto_server >/dev/null 2>&1 || { echo "moto_server is not on PATH after install"; exit 1; }
fi

# The web app's packages (Vite, Vitest, ESLint, playwright-core), as locked.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "installing the web app's packages"
  (cd web && npm ci --no-audit --no-fund >/dev/null)
fi

# PostgreSQL at 127.0.0.1:5432, user postgres without a password: the storage tests create
# and drop their own databases there. The local cluster is configured and started if needed.
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
if [ -n "$version" ]; then
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    echo "allowing local test connections to PostgreSQL $version without a password"
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    if pg_isready -q -h 127.0.0.1; then
      pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    fi
  fi
  if ! pg_isready -q -h 127.0.0.1; then
    echo "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  fi
fi
pg_isready -q -h 127.0.0.1 || { echo "PostgreSQL is not answering on 127.0.0.1:5432"; exit 1; }
# Redis at 127.0.0.1:6379 for the cluster tests.
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "starting Redis"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
  redis-cli -h 127.0.0.1 ping >/dev/null || { echo "Redis did not start"; exit 1; }
fi

cargo fmt --all -- --check
cargo test --workspace --locked "$@"
