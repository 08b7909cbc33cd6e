#!/usr/bin/env bash
# lab-elastic.sh - SLURM elastic mode and the failure paths, on a real lab (ctest lab_elastic).
# Needs root and a build (scripts/build.sh).
#   1. bmf-lab up: 6 nodes, one NETCONF switch, SLURM cluster alpha (team-a, external VLAN 4001)
#      whose slurm.conf has State=CLOUD nodes alpha-e[1-4] in partition 'elastic' with
#      ResumeProgram/SuspendProgram = bmf-slurm-resume/-suspend (asking bmf with alice's token);
#   2. `sbatch -N 4 -p elastic` on the empty cluster: slurmctld runs bmf-slurm-resume, bmf
#      allocates 4 nodes, puts them on alpha's network, they join as alpha-e1..e4, the job runs;
#      after SuspendTime slurmctld runs bmf-slurm-suspend and the 4 go back to bmf's hotpool;
#   3. failure paths: a switch that refuses the commit (another NETCONF session holds the lock):
#      the allocation fails at 'assigned' with the switch's words and no port changed; a SLURM
#      controller nobody answers at (slurmd never registers): the handover fails naming the node
#      and the nodes are released back to the hotpool.
# Exit 0 only when every check passed. BMF_LAB_KEEP=1 leaves the lab up.
set -euo pipefail
cd "$(dirname "$0")/../.."
export BMF_LAB_DIR=${BMF_LAB_DIR:-/var/lib/bmf-lab-elastic}
export BMF_LAB_SUSPEND_TIME=${BMF_LAB_SUSPEND_TIME:-8}
export BMF_LAB_COORDINATOR_ARGS="--slurm-join-timeout-s 8 ${BMF_LAB_COORDINATOR_ARGS:-}"
lab() { tests/lab/bmf-lab "$@"; }
fails=0
check() { local what=$1; shift; if "$@"; then echo "   ok: $what"; else echo "   FAILED: $what"; fails=$((fails + 1)); fi; }
now_ms() { date +%s%3N; }
wait_for() { local s=$1; shift; local until=$((SECONDS + s)); while ! "$@"; do ((SECONDS < until)) || return 1; sleep 0.5; done; }
[[ $(id -u) == 0 ]] || { echo "lab-elastic: needs root (network namespaces)"; exit 77; }
lab down >/dev/null 2>&1 || true
[[ ${BMF_LAB_KEEP:-0} == 1 ]] || trap 'lab down >/dev/null 2>&1 || true' EXIT

echo "== 1. bmf-lab up --nodes 6 --slurm alpha:4001"
lab up --nodes 6 --slurm alpha:4001
source "$BMF_LAB_DIR/env"
as() { local who=$1; shift; BMF_TOKEN=$(cat "$BMF_LAB_DIR/$who.token") bmfctl "$@"; }
bmfctl class add any >/dev/null
for p in a:alice b:bob; do
  IFS=: read -r t user <<< "$p"
  bmfctl project add "team-$t" --quota-nodes 6 >/dev/null
  bmfctl user add "$user" >/dev/null
  bmfctl project member add "team-$t" "$user" >/dev/null
  bmfctl token create --user "$user" --description lab --output-file "$BMF_LAB_DIR/$user.token" >/dev/null
done
bmfctl network import ext-alpha --vlan 4001 --share-with team-a
as alice slurm add alpha --project team-a --controller 10.10.0.249:6817 --munge-key-file "$BMF_LAB_DIR/slurm/alpha/munge.key" --network ext-alpha
lab elastic alpha "$BMF_LAB_DIR/alice.token"
free_nodes() { bmfctl node list --state available -o json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("nodes", [])))'; }
all_free() { [[ $(free_nodes) -eq 6 ]]; }
wait_for 60 all_free || echo "   (only $(free_nodes) of 6 nodes available before the test)"
lab slurm alpha sinfo

echo; echo "== 2. elastic: sbatch -N 4 -p elastic on an empty cluster"
check "the elastic partition's nodes are powered down" bash -c "[[ \$(tests/lab/bmf-lab slurm alpha sinfo -h -p elastic -o %T) == *idle~* ]]"
t0=$(now_ms)
job=$(lab slurm alpha sbatch --parsable -N 4 -p elastic -o /tmp/bmf-elastic-%j.out --wrap 'srun hostname')
echo "job $job submitted"
job_state() { lab slurm alpha scontrol -o show job "$job" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
job_done() { [[ $(job_state) == COMPLETED || $(job_state) == FAILED || $(job_state) == CANCELLED ]]; }
wait_for 120 job_done || true
t_job=$(( $(now_ms) - t0 ))
echo "job $job: $(job_state) after ${t_job} ms"
cat "$BMF_LAB_DIR/slurm/alpha/power.log" 2>/dev/null | sed 's/^/   power.log: /'
check "the job completed on 4 resumed nodes" test "$(job_state)" = COMPLETED
out=$(lab slurm alpha cat "/tmp/bmf-elastic-$job.out" 2>/dev/null | sort | tr '\n' ' ' || true)
echo "   job output: $out"
check "srun ran on 4 nodes" test "$(echo "$out" | wc -w)" -eq 4
check "bmf-slurm-resume asked bmf for alpha-e[1-4]" grep -q 'resume\[.*\] alpha-e\[1-4\]' "$BMF_LAB_DIR/slurm/alpha/power.log"
as alice allocation list
check "alice's project holds 4 nodes" test "$(as alice node list -o json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("nodes", [])))')" -eq 4
echo "-- idle for SuspendTime=${BMF_LAB_SUSPEND_TIME} s: slurmctld runs bmf-slurm-suspend"
t0=$(now_ms)
suspended() { grep -q 'suspend\[.*\] done rc=0' "$BMF_LAB_DIR/slurm/alpha/power.log"; }
wait_for 60 suspended || true
t_suspend=$(( $(now_ms) - t0 ))
check "bmf-slurm-suspend released the nodes" suspended
wait_for 60 all_free || true
t_free=$(( $(now_ms) - t0 ))
check "all 6 nodes are back in the hotpool" all_free
powered_down() { [[ $(lab slurm alpha sinfo -h -p elastic -o %T) == idle~ ]]; }
wait_for 30 powered_down || true   # SuspendTimeout: slurmctld's own wait before it calls them down
check "the elastic nodes are powered down again in SLURM" powered_down
lab slurm alpha sinfo -p elastic

echo; echo "== 3a. a switch that refuses the commit (another NETCONF session holds the candidate lock)"
lab switch-lock 30 > "$BMF_LAB_DIR/lock.out" 2>&1 &
lock_pid=$!
wait_for 20 grep -q LOCKED "$BMF_LAB_DIR/lock.out" || echo "   (the lock was not taken: $(cat "$BMF_LAB_DIR/lock.out"))"
before=$(for i in 1 2 3 4 5 6; do lab vlan "$i"; done | tr '\n' ' ')
set +e
as alice allocate --project team-a --count 2 --class any --network ext-alpha > "$BMF_LAB_DIR/refused.txt" 2>&1
rc=$?
set -e
cat "$BMF_LAB_DIR/refused.txt"
kill "$lock_pid" 2>/dev/null || true; wait "$lock_pid" 2>/dev/null || true
check "the allocation failed" test "$rc" -ne 0
check "it says the step and the switch's words" grep -Eqi 'failed.*(lock|denied|in use)' "$BMF_LAB_DIR/refused.txt"
after=$(for i in 1 2 3 4 5 6; do lab vlan "$i"; done | tr '\n' ' ')
echo "   VLANs before: $before after: $after"
check "no port changed" test "$before" = "$after"
wait_for 60 all_free || true
check "the nodes are back in the hotpool" all_free

echo; echo "== 3b. slurmd that never registers (bob's cluster: nothing answers at its controller)"
head -c 1024 /dev/urandom > "$BMF_LAB_DIR/ghost.key"
as bob slurm add ghost --project team-b --controller 10.10.0.1:6899 --munge-key-file "$BMF_LAB_DIR/ghost.key"
set +e
as bob allocate --project team-b --count 2 --class any --handover slurm > "$BMF_LAB_DIR/ghost.txt" 2>&1
rc=$?
set -e
cat "$BMF_LAB_DIR/ghost.txt"
check "the allocation failed" test "$rc" -ne 0
check "it names the handover step and the node" grep -Eq 'failed.*handing_over.*node [0-9]+' "$BMF_LAB_DIR/ghost.txt"
check "it says what was rolled back" grep -Eqi 'released|rolled back' "$BMF_LAB_DIR/ghost.txt"
wait_for 60 all_free || true
check "the nodes are back in the hotpool" all_free
bmfctl node list

echo; echo "== figures"
echo "sbatch -N 4 on an empty elastic partition -> job COMPLETED (resume through bmf included): ${t_job} ms"
echo "last job -> SuspendProgram done: ${t_suspend} ms (SuspendTime ${BMF_LAB_SUSPEND_TIME} s); -> all back in the hotpool: ${t_free} ms"
if ((fails)); then
  echo "lab-elastic: $fails check(s) FAILED; the coordinator's last lines:"; tail -30 "$BMF_LAB_DIR/logs/coordinator.log"
  exit 1
fi
echo "lab-elastic: every check passed"
