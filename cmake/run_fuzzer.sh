#!/usr/bin/env bash
# run_fuzzer.sh BINARY SEED_DIR SECONDS: fuzz for a bounded time from the seeds, without touching the source tree.
set -euo pipefail
bin=$1 seeds=$2 secs=$3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
exec "$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work" "$seeds"
