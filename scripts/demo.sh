#!/usr/bin/env bash
# demo.sh - the main job for now: install, build, start a coordinator with an
# embedded SQLite state dir and three agents against fixture machines, then show
# what an operator sees with bmfctl. Stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
state=$(mktemp -d /tmp/bmf-demo.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$state"; }
trap cleanup EXIT
echo "lab-enrollment-token" > "$state/token"

build/coordinator/bmf-coordinator --state-dir "$state/db" --agent-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
  --heartbeat-interval-ms 500 --missed-heartbeats 3 --enrollment-token-file "$state/token" 2>"$state/coordinator.log" &
pids+=($!)
for _ in $(seq 200); do grep -q COORDINATOR_STARTED "$state/coordinator.log" && break; sleep 0.05; done
agent_port=$(sed -n 's/.*COORDINATOR_STARTED agents=127.0.0.1:\([0-9]*\).*/\1/p' "$state/coordinator.log")
api_port=$(sed -n 's/.* api=127.0.0.1:\([0-9]*\).*/\1/p' "$state/coordinator.log")
export BMF_COORDINATOR=http://127.0.0.1:$api_port
echo "== coordinator: agents on 127.0.0.1:$agent_port, admin API on $BMF_COORDINATOR (state in $state/db)"

for machine in gpu-node cpu-node edge-node; do
  build/agent/bmf-agent --coordinator "127.0.0.1:$agent_port" --root "tests/fixtures/$machine" \
    --hostname "$machine" --enrollment-token-file "$state/token" 2>"$state/$machine.log" &
  pids+=($!)
done
for _ in $(seq 100); do
  [[ $(build/coordinator/cli/bmfctl node list | grep -c ' available ') -eq 3 ]] && break; sleep 0.1
done
echo; echo "== bmfctl node list"; build/coordinator/cli/bmfctl node list
gpu_id=$(build/coordinator/cli/bmfctl node list | awk '$3 == "gpu-node" {print $1}')
echo; echo "== bmfctl node show $gpu_id   (the GPU node's full inventory)"; build/coordinator/cli/bmfctl node show "$gpu_id"
echo; echo "== stopping the cpu-node agent; after 3 missed heartbeats (1.5 s) it is unreachable"
kill "${pids[2]}"; sleep 2
build/coordinator/cli/bmfctl node list
echo; echo "== bmfctl events"; build/coordinator/cli/bmfctl events --limit 10
