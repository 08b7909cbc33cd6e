#!/usr/bin/env bash
# build.sh - configure (once) and build bmf into ./build with ccache, then the web console into
# build/console (npm ci from console/package-lock.json when the lock changed; vite build when a
# console source changed). Incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
[[ -f build/build.ninja ]] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"

if ! command -v npm >/dev/null; then
  echo "build.sh: npm is missing, the web console is not built (scripts/setup.sh installs it)" >&2
  exit 0
fi
lock_sum=$(sha256sum console/package-lock.json | cut -c1-64)
if [[ ! -d console/node_modules || $(cat console/node_modules/.bmf-lock 2>/dev/null) != "$lock_sum" ]]; then
  if ! (cd console && npm ci --no-audit --no-fund --loglevel=error); then
    # Everything else is built; the console's tests say why they cannot run.
    echo "build.sh: npm ci failed (is the npm registry reachable from here?): the web console is not built" >&2
    rm -rf console/node_modules
    exit 0
  fi
  echo "$lock_sum" > console/node_modules/.bmf-lock
fi
newest=""
if [[ -f build/console/index.html ]]; then
  newest=$(find console/src console/index.html console/vite.config.ts console/tsconfig.json console/package-lock.json \
    -type f -newer build/console/index.html | head -1)
fi
if [[ ! -f build/console/index.html || -n $newest ]]; then
  (cd console && npm run --silent build)
  echo "build.sh: web console built into build/console"
fi
