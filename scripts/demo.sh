#!/usr/bin/env bash
# demo.sh - the main job for now: install, build, then show bmf as an operator and
# two tenants see it:
#   1. a coordinator (embedded SQLite) bootstrapped with `bmf-coordinator init`, three
#      agents on fixture machines: node list, inventory, a node going unreachable;
#   2. tenancy: projects, users, API tokens; every API call authenticated, a tenant
#      sees only its own nodes (another project's are 404);
#   3. networks on two real NETCONF switches (netconfd + sshd): a tenant creates its
#      network (a VLAN from the pool), puts NICs of nodes on both switches on it in ONE
#      operation, the other tenant cannot see it; lease end sends the ports back to the
#      provisioning VLAN;
#   4. tenant BMC access through bmf-bmc-proxy as bmf users (redfishtool), revoked at
#      once when the user leaves the project.
# Stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
state=$(mktemp -d /tmp/bmf-demo.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$state"; }
trap cleanup EXIT
bmfctl() { build/coordinator/cli/bmfctl "$@"; }
as() { local who=$1; shift; BMF_TOKEN=$(cat "$state/$who.token") build/coordinator/cli/bmfctl "$@"; }
echo "lab-enrollment-token" > "$state/token"

echo "== 1. bmf-coordinator init (one-time: the first admin and its API token, stored only as a hash)"
build/coordinator/bmf-coordinator init --state-dir "$state/db" --admin ops --token-file "$state/ops.token"
export BMF_TOKEN=$(cat "$state/ops.token")
build/coordinator/bmf-coordinator --state-dir "$state/db" --agent-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
  --heartbeat-interval-ms 500 --missed-heartbeats 3 --enrollment-token-file "$state/token" 2>"$state/coordinator.log" &
pids+=($!)
for _ in $(seq 200); do grep -q COORDINATOR_STARTED "$state/coordinator.log" && break; sleep 0.05; done
agent_port=$(sed -n 's/.*COORDINATOR_STARTED agents=127.0.0.1:\([0-9]*\).*/\1/p' "$state/coordinator.log")
api_port=$(sed -n 's/.* api=127.0.0.1:\([0-9]*\).*/\1/p' "$state/coordinator.log")
export BMF_COORDINATOR=http://127.0.0.1:$api_port
echo "== coordinator: agents on 127.0.0.1:$agent_port, API on $BMF_COORDINATOR (state in $state/db)"
echo "-- without a token:"; BMF_TOKEN= bmfctl node list 2>&1 | sed 's/^/   /' || true

for machine in gpu-node cpu-node edge-node; do
  build/agent/bmf-agent --coordinator "127.0.0.1:$agent_port" --root "tests/fixtures/$machine" \
    --hostname "$machine" --enrollment-token-file "$state/token" 2>"$state/$machine.log" &
  pids+=($!)
done
for _ in $(seq 100); do
  [[ $(bmfctl node list | grep -c ' available ') -eq 3 ]] && break; sleep 0.1
done
echo; echo "== bmfctl node list"; bmfctl node list
node_id() { bmfctl node show "$1" -o json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
gpu_id=$(node_id gpu-node)
cpu_id=$(node_id cpu-node)
echo; echo "== bmfctl node show $gpu_id   (the GPU node's full inventory)"; bmfctl node show "$gpu_id"
echo; echo "== stopping the edge-node agent; after 3 missed heartbeats (1.5 s) it is unreachable"
kill "${pids[3]}"; sleep 2
bmfctl node list

echo; echo "== 2. tenancy: two projects, a user in each, API tokens (shown once)"
bmfctl project add team-a --quota-nodes 4 --quota-networks 8
bmfctl project add team-b
printf 'alice-secret-1\n' > "$state/alice.pw"
bmfctl user add alice --password-file "$state/alice.pw"
bmfctl user add bob
bmfctl project member add team-a alice
bmfctl project member add team-b bob
bmfctl token create --user alice --description demo --output-file "$state/alice.token"
bmfctl token create --user bob --description demo --output-file "$state/bob.token"
bmfctl lease add "$gpu_id" team-a --owner alice
bmfctl lease add "$cpu_id" team-b --owner bob
bmfctl project list
echo "-- alice (team-a) lists nodes:"; as alice node list
echo "-- alice asks for team-b's node $cpu_id:"; as alice node show "$cpu_id" 2>&1 | sed 's/^/   /' || true

echo; echo "== 3. networks on two real NETCONF switches (netconfd + sshd, OpenConfig models)"
for i in 1 2; do
  build/tests/lab/bmf-lab-switch --ports 8 --dir "$state" >"$state/switch-$i.txt" 2>"$state/switch-$i.log" &
  pids+=($!)
done
for _ in $(seq 300); do [[ $(cat "$state"/switch-*.txt 2>/dev/null | grep -c SWITCH_READY) -eq 2 ]] && break; sleep 0.1; done
for i in 1 2; do
  read -r _ addr _ user _ pwfile _ khfile < "$state/switch-$i.txt"
  bmfctl switch add "leaf-$i" --address "$addr" --user "$user" --password-file "$pwfile" --known-hosts "$khfile" \
    --network-instance DEFAULT --parking-vlan 20
done
echo "-- the fixtures heard no LLDP here, so the admin maps their NICs to switch ports:"
bmfctl node port-map "$gpu_id" eno8303 leaf-1 Ethernet1
bmfctl node port-map "$gpu_id" ens1f0np0 leaf-2 Ethernet1
bmfctl node port-map "$cpu_id" eno1 leaf-2 Ethernet2
echo "-- alice creates team-a's network (its VLAN comes from the site's tenant pool):"
as alice network create team-a frontend
echo "-- alice puts the GPU node's two NICs (one on each switch) on it, in ONE operation:"
as alice network attach frontend "$gpu_id:eno8303" "$gpu_id:ens1f0np0"
echo "-- what the switches now hold (bmf's database view):"
bmfctl switch ports leaf-1; bmfctl switch ports leaf-2
echo "-- bob (team-b) sees no network, and cannot put his node on alice's:"
as bob network list
as bob node attach "$cpu_id" eno1 frontend 2>&1 | sed 's/^/   /' || true
echo "-- the GPU node's lease ends: its ports go back to the provisioning VLAN 20, VLAN 100 leaves the switches:"
lease=$(bmfctl lease list | awk -v n="$gpu_id" '$2 == n {print $1}')
bmfctl lease end "$lease"
for _ in $(seq 100); do bmfctl switch ports leaf-1 | grep -q 'Ethernet1  access  20' && break; sleep 0.1; done
bmfctl switch ports leaf-1
echo "-- released nodes are cleaned (here: no BMC proxy for the coordinator and --wipe off) and free again:"
for _ in $(seq 100); do bmfctl node show gpu-node | grep -q '^State: *available' && break; sleep 0.1; done
bmfctl node show gpu-node | grep -E '^(State|State reason|Power):'

echo; echo "== allocation: a hardware class, then alice asks for 1 node of it on her network; each stage as it happens"
bmfctl class add gpu-h100x8 --gpus 8 --gpu-model H100 --rdma --min-memory-gib 1024
bmfctl class list
as alice allocate --project team-a --count 1 --class gpu-h100x8 --network frontend
as alice allocate --project team-a --count 2 --class gpu-h100x8 2>&1 | sed 's/^/   /' || true
alloc=$(as alice allocation list | awk '$5 == "ready" {print $1}' | head -1)
echo "-- alice releases allocation $alloc (each stage as it happens):"; as alice release "$alloc"
for _ in $(seq 100); do bmfctl node show gpu-node | grep -q '^State: *available' && break; sleep 0.1; done
bmfctl lease add "$gpu_id" team-a --owner alice >/dev/null

echo; echo "== 4. BMC access through bmf-bmc-proxy: tenants log in as their bmf users"
build/tests/lab/bmf-bmc-emulator --count 2 >"$state/bmcs.txt" 2>"$state/emulator.log" &
pids+=($!)
for _ in $(seq 100); do [[ $(grep -c BMC_READY "$state/bmcs.txt") -eq 2 ]] && break; sleep 0.05; done
read -r _ _ bmc0 _ pw0 < <(grep 'bmc-0 ' "$state/bmcs.txt")
read -r _ _ bmc1 _ pw1 < <(grep 'bmc-1 ' "$state/bmcs.txt")
bmfctl user add bmc-proxy --role service
bmfctl token create --user bmc-proxy --description "the BMC proxy" --output-file "$state/proxy.token"
# Secrets files must be 0600 (the proxy refuses them otherwise): write them under umask 077.
( umask 077
  printf '{"bmcs": [{"node_id": %s, "url": "http://%s", "username": "admin", "password": "%s"},\n' "$gpu_id" "$bmc0" "$pw0" >"$state/bmcs.json"
  printf '          {"node_id": %s, "url": "http://%s", "username": "admin", "password": "%s"}]}\n' "$cpu_id" "$bmc1" "$pw1" >>"$state/bmcs.json"
)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$state/key.pem" -out "$state/cert.pem" 2>/dev/null
build/bmc-proxy/bmf-bmc-proxy --listen 127.0.0.1:0 --tls-cert "$state/cert.pem" --tls-key "$state/key.pem" \
  --bmcs "$state/bmcs.json" --coordinator "$BMF_COORDINATOR" --coordinator-token-file "$state/proxy.token" \
  --audit-log "$state/audit.jsonl" --metrics-listen 127.0.0.1:0 2>"$state/proxy.log" &
pids+=($!)
for _ in $(seq 200); do grep -q BMC_PROXY_STARTED "$state/proxy.log" && break; sleep 0.05; done
proxy=$(sed -n 's/.*redfish=https:\/\/\([0-9.:]*\).*/\1/p' "$state/proxy.log")
[[ -n $proxy ]] || { echo "bmf-bmc-proxy did not start:"; cat "$state/proxy.log"; exit 1; }
rf() { /usr/bin/redfishtool -r "$proxy" -S Always -u alice -p alice-secret-1 "$@" 2>&1; }
for _ in $(seq 100); do  # until the proxy has the lease from the coordinator
  [[ $(curl -sk -o /dev/null -w '%{http_code}' -u alice:alice-secret-1 "https://$proxy/redfish/v1/Systems/$gpu_id") == 200 ]] && break; sleep 0.05
done
echo "-- redfishtool Systems list as alice (only team-a's node):"; rf Systems list | grep -E '@odata.id|PowerState|"Id"' || true
echo "-- power on node $gpu_id as alice:"; rf Systems -I "$gpu_id" reset On; rf Systems -I "$gpu_id" get | grep PowerState || true
echo "-- alice reaching node $cpu_id (team-b's):"; curl -sk -u alice:alice-secret-1 "https://$proxy/redfish/v1/Systems/$cpu_id" | head -c 160; echo
echo "-- alice's API token works as her Redfish password too:"
curl -sk -o /dev/null -w 'HTTP %{http_code}\n' -u "alice:$(cat "$state/alice.token")" "https://$proxy/redfish/v1/Systems/$gpu_id"
echo "-- bmfctl project member remove team-a alice, then alice asks for node $gpu_id again:"
bmfctl project member remove team-a alice
sleep 0.2
curl -sk -o /dev/null -w 'HTTP %{http_code}\n' -u alice:alice-secret-1 "https://$proxy/redfish/v1/Systems/$gpu_id"
echo "-- the proxy's audit log (last 4 lines):"; tail -4 "$state/audit.jsonl"
echo; echo "== bmfctl events (newest first)"; bmfctl events --limit 12
