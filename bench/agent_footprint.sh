#!/usr/bin/env bash
# agent_footprint.sh BUILD_DIR: stripped size of the static bmf-agent and its
# RSS while idle (registered, heartbeating) against a real coordinator.
set -euo pipefail
build=${1:-build}
tmp=$(mktemp -d); trap 'kill $agent_pid $coord_pid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$tmp"' EXIT
strip -o "$tmp/bmf-agent" "$build/agent/bmf-agent"
size=$(stat -c %s "$tmp/bmf-agent")
printf 'bmf-agent: %s (%s), stripped %d bytes = %.2f MiB\n' "$(file -b "$build/agent/bmf-agent" | cut -d, -f1-4)" \
  "$(ldd "$build/agent/bmf-agent" 2>&1 | head -1 | xargs)" "$size" "$(echo "$size / 1048576" | bc -l)"
"$build/coordinator/bmf-coordinator" --state-dir "$tmp/state" --agent-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
  --heartbeat-interval-ms 500 2>"$tmp/coord.log" & coord_pid=$!
for _ in $(seq 100); do grep -q COORDINATOR_STARTED "$tmp/coord.log" && break; sleep 0.05; done
port=$(sed -n 's/.*COORDINATOR_STARTED agents=127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/coord.log")
src=$(cd "$(dirname "$0")/.." && pwd)
"$tmp/bmf-agent" --coordinator "127.0.0.1:$port" --root "$src/tests/fixtures/gpu-node" 2>"$tmp/agent.log" & agent_pid=$!
sleep 3
grep -q AGENT_REGISTERED "$tmp/agent.log" || { echo "agent did not register"; cat "$tmp/agent.log"; exit 1; }
echo "bmf-agent idle RSS after 3 s heartbeating: $(grep VmRSS /proc/$agent_pid/status | awk '{print $2, $3}')"
