#!/usr/bin/env bash
# console-e2e.sh - the web console end to end (ctest console_e2e): Debian's chromium, driven by
# playwright-core (console/e2e/console.e2e.mjs), against the real coordinator of a lab of 5 nodes
# (bmf-lab: real netconfd switch, emulated BMCs behind bmf-bmc-proxy, real agents). Needs root.
#   alice logs in, creates a network, requests 3 nodes (warm: they are powered on) and watches every
#   stage arrive live with its time; sees them in her nodes table; releases them (live again);
#   bob sees none of it; a switch that refuses the commit makes an allocation fail, and the page says
#   at which step, in the switch's words, and what was rolled back; an operator sees the hotpool move.
# BMF_LAB_KEEP=1 leaves the lab up; the screenshots land in $BMF_CONSOLE_SHOTS (default build/console-shots).
set -euo pipefail
cd "$(dirname "$0")/../.."
export BMF_LAB_DIR=${BMF_LAB_DIR:-/var/lib/bmf-lab-console}
ROOT=$PWD
lab() { "$ROOT/tests/lab/bmf-lab" "$@"; }   # absolute: the EXIT trap runs after the cd below
[[ $(id -u) == 0 ]] || { echo "console-e2e: needs root (the lab's network namespaces)"; exit 77; }
[[ -x /usr/bin/chromium ]] || { echo "console-e2e: /usr/bin/chromium is missing (scripts/setup.sh installs it)"; exit 1; }
if [[ ! -f build/console/index.html || ! -d console/node_modules/playwright-core ]]; then
  echo "console-e2e: the console is not built here (scripts/build.sh could not install its npm packages: no npm registry?)"; exit 77
fi
lab down >/dev/null 2>&1 || true
[[ ${BMF_LAB_KEEP:-0} == 1 ]] || trap 'lab down >/dev/null 2>&1 || true' EXIT

lab up --nodes 5 >/dev/null
source "$BMF_LAB_DIR/env"
bmfctl class add any >/dev/null
secrets=$BMF_LAB_DIR/console-e2e; mkdir -p "$secrets"; chmod 700 "$secrets"
for u in alice:team-a:member bob:team-b:member operator::admin; do
  IFS=: read -r user project role <<< "$u"
  head -c 18 /dev/urandom | base64 > "$secrets/$user.pw"
  [[ -n $project ]] && bmfctl project add "$project" --quota-nodes 5 >/dev/null
  bmfctl user add "$user" --role "$role" --password-file "$secrets/$user.pw" >/dev/null
  [[ -n $project ]] && bmfctl project member add "$project" "$user" >/dev/null
done
# No hot nodes: an allocation powers its nodes on, so its stages take seconds and arrive one by one.
bmfctl hotpool set any --min 0 --max 0 >/dev/null
warm() { [[ $(bmfctl node list --state available -o json | /usr/bin/python3 -c 'import json,sys; print(sum(1 for n in json.load(sys.stdin).get("nodes",[]) if n.get("powerState")=="POWER_STATE_OFF"))') -eq 5 ]]; }
for _ in $(seq 120); do warm && break; sleep 0.5; done
warm || { echo "console-e2e: the 5 nodes did not go warm"; bmfctl node list; exit 1; }

export BMF_URL=$BMF_COORDINATOR
export BMF_SECRETS=$secrets BMF_SHOTS=${BMF_CONSOLE_SHOTS:-$PWD/build/console-shots}
export BMF_LAB_CMD=$PWD/tests/lab/bmf-lab BMFCTL=$(command -v bmfctl)
mkdir -p "$BMF_SHOTS"
(cd console && node e2e/console.e2e.mjs)
