#!/usr/bin/env bash
# demo.sh - the main job for now: install, build, start a coordinator with an
# embedded SQLite state dir and three agents against fixture machines, then show
# what an operator sees with bmfctl, then tenant BMC access through bmf-bmc-proxy.
# Stops only the processes it started.
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

echo; echo "== BMC access through bmf-bmc-proxy: emulated BMCs, the proxy over HTTPS, team-a leases the GPU node"
cpu_id=$(build/coordinator/cli/bmfctl node list | awk '$3 == "cpu-node" {print $1}')
build/tests/lab/bmf-bmc-emulator --count 2 >"$state/bmcs.txt" 2>"$state/emulator.log" &
pids+=($!)
for _ in $(seq 100); do [[ $(grep -c BMC_READY "$state/bmcs.txt") -eq 2 ]] && break; sleep 0.05; done
read -r _ _ bmc0 _ pw0 < <(grep 'bmc-0 ' "$state/bmcs.txt")
read -r _ _ bmc1 _ pw1 < <(grep 'bmc-1 ' "$state/bmcs.txt")
# Secrets files must be 0600 (the proxy refuses them otherwise): write them under umask 077.
hash_a=$(echo alpha-pw | build/bmc-proxy/bmf-bmc-proxy hash-password)
hash_svc=$(echo svc-pw | build/bmc-proxy/bmf-bmc-proxy hash-password)
( umask 077
  printf '{"bmcs": [{"node_id": %s, "url": "http://%s", "username": "admin", "password": "%s"},\n' "$gpu_id" "$bmc0" "$pw0" >"$state/bmcs.json"
  printf '          {"node_id": %s, "url": "http://%s", "username": "admin", "password": "%s"}]}\n' "$cpu_id" "$bmc1" "$pw1" >>"$state/bmcs.json"
  printf '{"principals": [{"name": "team-a", "password_hash": "%s"},\n' "$hash_a" >"$state/principals.json"
  printf '                {"name": "coordinator", "role": "service", "password_hash": "%s"}]}\n' "$hash_svc" >>"$state/principals.json"
)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$state/key.pem" -out "$state/cert.pem" 2>/dev/null
build/coordinator/cli/bmfctl lease add "$gpu_id" team-a --owner alice
build/bmc-proxy/bmf-bmc-proxy --listen 127.0.0.1:0 --tls-cert "$state/cert.pem" --tls-key "$state/key.pem" \
  --bmcs "$state/bmcs.json" --principals "$state/principals.json" --coordinator "$BMF_COORDINATOR" \
  --audit-log "$state/audit.jsonl" --metrics-listen 127.0.0.1:0 2>"$state/proxy.log" &
pids+=($!)
for _ in $(seq 200); do grep -q BMC_PROXY_STARTED "$state/proxy.log" && break; sleep 0.05; done
proxy=$(sed -n 's/.*redfish=https:\/\/\([0-9.:]*\).*/\1/p' "$state/proxy.log")
[[ -n $proxy ]] || { echo "bmf-bmc-proxy did not start:"; cat "$state/proxy.log"; exit 1; }
rf() { /usr/bin/redfishtool -r "$proxy" -S Always -u team-a -p alpha-pw "$@" 2>&1; }
for _ in $(seq 100); do  # until the proxy has the lease from the coordinator
  [[ $(curl -sk -o /dev/null -w '%{http_code}' -u team-a:alpha-pw "https://$proxy/redfish/v1/Systems/$gpu_id") == 200 ]] && break; sleep 0.05
done
echo "-- redfishtool Systems list as team-a (only its leased node):"; rf Systems list | grep -E '@odata.id|PowerState|"Id"' || true
echo "-- power on node $gpu_id as team-a:"; rf Systems -I "$gpu_id" reset On; rf Systems -I "$gpu_id" get | grep PowerState || true
echo "-- team-a reaching node $cpu_id (not its lease):"; curl -sk -u team-a:alpha-pw "https://$proxy/redfish/v1/Systems/$cpu_id" | head -c 160; echo
lease=$(build/coordinator/cli/bmfctl lease list | awk -v n="$gpu_id" '$2 == n {print $1}')
echo "-- bmfctl lease end $lease, then team-a asks for node $gpu_id again:"
build/coordinator/cli/bmfctl lease end "$lease"
curl -sk -o /dev/null -w 'HTTP %{http_code}\n' -u team-a:alpha-pw "https://$proxy/redfish/v1/Systems/$gpu_id"
echo "-- the proxy's audit log:"; cat "$state/audit.jsonl"
