#!/usr/bin/env bash
# lab-story.sh - the demo story on a real lab, checked at every step (the README's main
# command runs it; ctest runs it as lab_story). Needs root and a build (scripts/build.sh).
#   1. bmf-lab up: 12 nodes, one NETCONF switch, two SLURM clusters (alpha for team-a on
#      external VLAN 4001, beta for team-b on 4002);
#   2. alice (team-a) asks for 10 nodes with handover slurm: each stage with its time;
#      bob (team-b) for 2;
#   3. sinfo and `srun -N10 hostname` in alpha; isolation proved by ping;
#   4. release: the nodes leave SLURM, go back to the provisioning VLAN, are power-cycled
#      and return to the hotpool;
#   5. bmf-lab down.
# Exit 0 only when every check passed. BMF_LAB_KEEP=1 leaves the lab up.
set -euo pipefail
cd "$(dirname "$0")/../.."
export BMF_LAB_DIR=${BMF_LAB_DIR:-/var/lib/bmf-lab-story}
lab() { tests/lab/bmf-lab "$@"; }
fails=0
check() { local what=$1; shift; if "$@"; then echo "   ok: $what"; else echo "   FAILED: $what"; fails=$((fails + 1)); fi; }
blocked() { ! lab ping "$1" "$2"; }
now_ms() { date +%s%3N; }
[[ $(id -u) == 0 ]] || { echo "lab-story: needs root (network namespaces); scripts/demo.sh is the no-root demo"; exit 77; }
lab down >/dev/null 2>&1 || true
[[ ${BMF_LAB_KEEP:-0} == 1 ]] || trap 'lab down >/dev/null 2>&1 || true' EXIT

echo "== 1. bmf-lab up --nodes 12 --slurm alpha:4001 --slurm beta:4002"
lab up --nodes 12 --slurm alpha:4001 --slurm beta:4002
source "$BMF_LAB_DIR/env"
as() { local who=$1; shift; BMF_TOKEN=$(cat "$BMF_LAB_DIR/$who.token") bmfctl "$@"; }
lab status
bmfctl node list

echo; echo "== the operator: two projects, a user each, the external SLURM networks imported and shared"
bmfctl class add any >/dev/null
for p in a:alice:alpha:4001 b:bob:beta:4002; do
  IFS=: read -r t user cluster vlan <<< "$p"
  bmfctl project add "team-$t" --quota-nodes 12 >/dev/null
  ( umask 077; head -c 12 /dev/urandom | base64 > "$BMF_LAB_DIR/$user.pw" )   # for the web console
  bmfctl user add "$user" --password-file "$BMF_LAB_DIR/$user.pw" >/dev/null
  bmfctl project member add "team-$t" "$user" >/dev/null
  bmfctl token create --user "$user" --description lab --output-file "$BMF_LAB_DIR/$user.token" >/dev/null
  bmfctl network import "ext-$cluster" --vlan "$vlan" --share-with "team-$t"
done
echo "-- each tenant registers its own SLURM cluster (the munge key stays in bmf):"
as alice slurm add alpha --project team-a --controller 10.10.0.249:6817 --munge-key-file "$BMF_LAB_DIR/slurm/alpha/munge.key" --network ext-alpha
as bob slurm add beta --project team-b --controller 10.10.0.248:6817 --munge-key-file "$BMF_LAB_DIR/slurm/beta/munge.key" --network ext-beta
as alice slurm list

echo; echo "== 2. alice: bmfctl allocate --project team-a --count 10 --handover slurm"
t0=$(now_ms)
as alice allocate --project team-a --count 10 --class any --handover slurm --wait 60 | tee "$BMF_LAB_DIR/alloc-a.txt"
t_ready=$(( $(now_ms) - t0 ))
check "allocation of 10 is ready" grep -q '^ready: nodes' "$BMF_LAB_DIR/alloc-a.txt"
as bob allocate --project team-b --count 2 --class any --handover slurm --wait 60 | tee "$BMF_LAB_DIR/alloc-b.txt"
check "allocation of 2 is ready" grep -q '^ready: nodes' "$BMF_LAB_DIR/alloc-b.txt"
read -r -a a_nodes <<< "$(sed -n 's/^ready: nodes //p' "$BMF_LAB_DIR/alloc-a.txt")"
read -r -a b_nodes <<< "$(sed -n 's/^ready: nodes //p' "$BMF_LAB_DIR/alloc-b.txt")"
host() { bmfctl node show "$1" -o json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["identity"]["hostname"])'; }

echo; echo "== 3. SLURM alpha: sinfo, srun -N10 hostname"
lab slurm alpha sinfo -N
t0=$(now_ms)
out=$(lab slurm alpha timeout 60 srun -N10 hostname | sort | tr '\n' ' ')
t_srun=$(( $(now_ms) - t0 ))
echo "srun -N10 hostname -> $out(${t_srun} ms)"
check "srun ran on the 10 allocated nodes" test "$(echo "$out" | wc -w)" -eq 10
lab slurm beta sinfo -N
echo "-- isolation, by traffic on the data network:"
a1=$(host "${a_nodes[0]}"); a2=$(host "${a_nodes[1]}"); b1=$(host "${b_nodes[0]}")
check "$a1 reaches alpha's slurmctld" lab ping "$a1" slurm:alpha
check "$a1 reaches $a2 (same project)" lab ping "$a1" "$a2"
check "$a1 does NOT reach $b1 (team-b)" blocked "$a1" "$b1"
check "$b1 does NOT reach $a1 (team-a)" blocked "$b1" "$a1"
check "$b1 does NOT reach alpha's slurmctld" blocked "$b1" slurm:alpha
check "$b1 reaches beta's slurmctld" lab ping "$b1" slurm:beta
echo "-- alice sees only team-a's nodes:"; as alice node list | head -4
check "bob cannot see alice's node" bash -c "! BMF_TOKEN=$(cat "$BMF_LAB_DIR/bob.token") bmfctl node show ${a_nodes[0]} >/dev/null 2>&1"

echo; echo "== 4. release: out of SLURM, back to provisioning, power-cycled, back in the hotpool"
alloc=$(sed -n 's/^allocation \([0-9]*\):.*/\1/p' "$BMF_LAB_DIR/alloc-a.txt" | head -1)
t0=$(now_ms)
as alice release "$alloc"
t_release=$(( $(now_ms) - t0 ))
lab slurm alpha sinfo -N
check "alpha has no nodes left in partition bmf" test -z "$(lab slurm alpha sinfo -h -N -p bmf -o %N)"
check "$a1 is back on the provisioning VLAN" test "$(lab vlan "$a1")" = 1
check "$a1 no longer reaches alpha's slurmctld" blocked "$a1" slurm:alpha
bmfctl hotpool
bmfctl node list

echo; echo "== figures"
echo "request -> ready in SLURM, 10 nodes: ${t_ready} ms (stages above)"
echo "srun -N10 hostname: ${t_srun} ms"
echo "release -> all 10 back in the hotpool: ${t_release} ms"
if ((fails)); then
  echo "lab-story: $fails check(s) FAILED; the coordinator's last lines:"; tail -25 "$BMF_LAB_DIR/logs/coordinator.log"
  exit 1
fi
echo "lab-story: every check passed"
if [[ ${BMF_LAB_KEEP:-0} == 1 ]]; then
  echo "the lab stays up: web console at $BMF_COORDINATOR/ui/ (alice / $(cat "$BMF_LAB_DIR/alice.pw"), bob / $(cat "$BMF_LAB_DIR/bob.pw"));"
  echo "  source $BMF_LAB_DIR/env for bmfctl; tests/lab/bmf-lab down when done"
fi
