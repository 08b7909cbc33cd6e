#!/usr/bin/env bash
# test.sh - install what is needed, build, and run every test (ctest).
# Extra arguments go to ctest, e.g.  scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd build && ctest --output-on-failure -j "$(nproc)" "$@"
