#!/usr/bin/env bash
# The console's unit tests (vitest); exit 77 (skip) only when npm and the installed packages are missing.
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -x node_modules/.bin/vitest ]]; then
  echo "console: node_modules missing (scripts/build.sh runs npm ci)"; exit 77
fi
exec node_modules/.bin/vitest run
