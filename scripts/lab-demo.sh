#!/usr/bin/env bash
# lab-demo.sh - the README's main command: install, build, then the whole story on a lab of
# 12 nodes (tests/lab/lab-story.sh): 10 nodes requested with handover slurm, each stage with
# its time, sinfo and srun -N10 hostname, isolation proved by ping, release back to the
# hotpool; the lab comes down at the end. Root (network namespaces); without root, run
# scripts/demo.sh (the same control plane with fixture agents, no namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "lab-demo: needs root for network namespaces; scripts/demo.sh runs without them" >&2; exit 1; }
scripts/setup.sh
scripts/build.sh >/dev/null
exec tests/lab/lab-story.sh
