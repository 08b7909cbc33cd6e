#!/usr/bin/env bash
# The console's unit tests (vitest); exit 77 (skip) only when npm and the installed packages are missing.
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -x node_modules/.bin/vitest ]]; then
  echo "console: not built here: scripts/build.sh could not install its npm packages (no npm registry?)"; exit 77
fi
exec node_modules/.bin/vitest run
