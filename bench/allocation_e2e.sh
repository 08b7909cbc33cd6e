#!/usr/bin/env bash
# allocation_e2e.sh - "request N nodes" with every process real: a bmf-lab site (bmf-coordinator,
# bmf-bmc-proxy in front of the BMC emulator, a netconfd switch whose config drives per-VLAN
# bridges, a real bmf-agent per node in its namespaces), driven by bmfctl as a tenant.
#
#   bench/allocation_e2e.sh hot  [RUNS=10] [N=10]        N hot nodes, handover none, onto the tenant's network:
#                                                        request -> ready (the coordinator's stage times), median of RUNS
#   bench/allocation_e2e.sh warm [N=10] [BMC_MS=2000]    empty hotpool, BMCs answering in BMC_MS: request -> ready, and
#                                                        the ETA bmfctl showed against the real power-on (twice: the
#                                                        configured ETA, then the one bmf learned)
# Needs root and a build (scripts/build.sh). Prints figures; never fails on a slow figure.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-hot}
export BMF_LAB_DIR=${BMF_LAB_DIR:-/var/lib/bmf-lab-bench}
[[ $(id -u) == 0 ]] || { echo "allocation_e2e: needs root (network namespaces)"; exit 77; }
lab() { tests/lab/bmf-lab "$@"; }
now_ms() { date +%s%3N; }
lab down >/dev/null 2>&1 || true
trap 'lab down >/dev/null 2>&1 || true' EXIT

# The stage times of an allocation (bmfctl allocation show -o json): "stage=elapsed_ms ..." and its detail lines.
stages() {
  bmfctl allocation show "$1" -o json | /usr/bin/python3 -c '
import json, sys
a = json.load(sys.stdin)
print(" ".join("%s=%s" % (s["stage"], s.get("elapsedMs", "0")) for s in a.get("stages", [])))'
}
stage_ms() {  # ALLOCATION STAGE -> elapsed ms since the request ("" when absent)
  stages "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -1
}
setup() {  # NODES
  lab up --nodes "$1" >/dev/null
  source "$BMF_LAB_DIR/env"
  bmfctl class add any >/dev/null
  bmfctl project add team-a --quota-nodes "$1" >/dev/null
  bmfctl user add alice >/dev/null
  bmfctl project member add team-a alice >/dev/null
  bmfctl token create --user alice --output-file "$BMF_LAB_DIR/alice.token" >/dev/null
  BMF_TOKEN=$(cat "$BMF_LAB_DIR/alice.token") bmfctl network create team-a frontend >/dev/null
}
as_alice() { BMF_TOKEN=$(cat "$BMF_LAB_DIR/alice.token") bmfctl "$@"; }
hot_count() { bmfctl node list -o json | /usr/bin/python3 -c '
import json, sys
print(sum(1 for n in json.load(sys.stdin).get("nodes", []) if n.get("hotpoolTier") == "hot"))'; }
wait_hot() {  # N SECONDS
  local i; for ((i = 0; i < $2 * 4; i++)); do (( $(hot_count) >= $1 )) && return 0; sleep 0.25; done
  echo "allocation_e2e: only $(hot_count) hot nodes after $2 s"; bmfctl node list; return 1
}
host() { bmfctl node show "$1" -o json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["identity"]["hostname"])'; }
allocation_id() { sed -n 's/^allocation \([0-9]*\):.*/\1/p' "$1" | head -1; }

case "$mode" in
hot)
  runs=${2:-10}; n=${3:-10}
  setup $((n + 2))
  bmfctl hotpool set any --min $((n + 2)) --max $((n + 2)) >/dev/null
  wait_hot $((n + 2)) 120
  ready=(); walls=()
  for ((r = 1; r <= runs; r++)); do
    t0=$(now_ms)
    as_alice allocate --project team-a --count "$n" --class any --network frontend --timeout 60 > "$BMF_LAB_DIR/alloc.txt"
    walls+=($(( $(now_ms) - t0 )))
    id=$(allocation_id "$BMF_LAB_DIR/alloc.txt")
    grep -q '^ready: nodes' "$BMF_LAB_DIR/alloc.txt" || { cat "$BMF_LAB_DIR/alloc.txt"; exit 1; }
    ready+=("$(stage_ms "$id" ready)")
    first=$(sed -n 's/^ready: nodes \([0-9]*\).*/\1/p' "$BMF_LAB_DIR/alloc.txt")
    # The lab's data plane follows the switch's running config every 100 ms (bmf-lab-switch --poll-ms).
    h=$(host "$first")
    for ((i = 0; i < 40; i++)); do vlan=$(lab vlan "$h"); [[ $vlan == 1 ]] || break; sleep 0.05; done
    [[ $vlan != 1 ]] || { echo "allocation_e2e: node $first is still on the provisioning VLAN"; exit 1; }
    echo "  run $r: allocation $id: $(stages "$id") (bmfctl, process start to exit: ${walls[-1]} ms; node $first's port on VLAN $vlan)"
    as_alice release "$id" --timeout 120 >/dev/null
    wait_hot $((n + 2)) 120
  done
  sorted=($(printf '%s\n' "${ready[@]}" | sort -n))
  walls_sorted=($(printf '%s\n' "${walls[@]}" | sort -n))
  echo "allocation_e2e hot: $n hot nodes, handover none, network frontend (real switch), $runs runs:"
  echo "  request -> ready (coordinator): median ${sorted[$((runs / 2))]} ms, min ${sorted[0]} ms, max ${sorted[-1]} ms"
  echo "  bmfctl allocate, start to exit (live stream included): median ${walls_sorted[$((runs / 2))]} ms"
  ;;
warm)
  n=${2:-10}; bmc_ms=${3:-2000}
  export BMF_LAB_BMC_LATENCY_MS=$bmc_ms
  setup "$n"
  bmfctl hotpool set any --min 0 --max 0 >/dev/null
  echo "allocation_e2e warm: $n nodes, hotpool empty, every BMC answering in $bmc_ms ms (through bmf-bmc-proxy)"
  for round in 1 2; do
    for ((i = 0; i < 600; i++)); do (( $(hot_count) == 0 )) && [[ -z $(bmfctl node list | grep -v 'warm\|^ID') ]] && break; sleep 0.5; done
    t0=$(now_ms)
    as_alice allocate --project team-a --count "$n" --class any --network frontend --timeout 300 > "$BMF_LAB_DIR/alloc.txt"
    wall=$(( $(now_ms) - t0 ))
    id=$(allocation_id "$BMF_LAB_DIR/alloc.txt")
    grep -q '^ready: nodes' "$BMF_LAB_DIR/alloc.txt" || { cat "$BMF_LAB_DIR/alloc.txt"; exit 1; }
    eta=$(sed -n 's/.*ETA \([0-9.]*\) s.*/\1/p' "$BMF_LAB_DIR/alloc.txt" | head -1)
    on=$(stage_ms "$id" powering_on); up=$(stage_ms "$id" powered_on)
    echo "  round $round: allocation $id: $(stages "$id")"
    echo "    request -> ready ${wall} ms; ETA shown ${eta} s, power-on -> all agents up $(( up - on )) ms"
    as_alice release "$id" --timeout 300 >/dev/null
  done
  ;;
*) echo "usage: allocation_e2e.sh hot [RUNS] [N] | warm [N] [BMC_MS]"; exit 2 ;;
esac
