#!/usr/bin/env bash
# agent_scale.sh - the agent channel at site scale, on this machine: ONE bmf-coordinator
# process and simulated agents (bench/swarm: bmf-swarm, the real protocol over TLS with the
# coordinator's certificate pinned, as production agents), spread over processes of at most
# 4,750 agents (one process may hold 20k descriptors here).
#
#   bench/agent_scale.sh steady  [N=19000] [WINDOW_S=60]   storm of N, then N heartbeating every 10 s:
#                                                           coordinator CPU and RSS, late heartbeats;
#                                                           then a coordinator restart under N agents
#   bench/agent_scale.sh storm   [N=10000]                 N registering at once: over TLS, then plain TCP
#   bench/agent_scale.sh kill9   [N=10000]                 kill -9 mid-storm, restart: none lost or twice
#   bench/agent_scale.sh flood   [N=10000] [BAD=1000]      the TLS storm with BAD misbehaving connections
#                                                           kept up: good agents on time, the API answering
# Environment: TLS=0 (steady over plain TCP), HB_MS (heartbeat interval, 10000), PER_ACK (heartbeats per
# asked-for ack, 3; the swarm times only the asked ones, so PER_ACK=1 times every heartbeat).
# Prints figures; exits non-zero only when something is lost or duplicated (never on a slow figure).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-steady}
BUILD=${BMF_BUILD_DIR:-$PWD/build}
DIR=$(mktemp -d /tmp/bmf-agent-scale.XXXXXX)
AGENT_PORT=${AGENT_PORT:-27420}
API_PORT=${API_PORT:-27480}
PER_PROC=4750
HB_MS=${HB_MS:-10000}
PER_ACK=${PER_ACK:-3}  # heartbeats per asked-for ack (the swarm times only those); PER_ACK=1 times every one
coord=""
swarms=()
cleanup() {
  for p in "${swarms[@]}" $coord; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$DIR"
}
trap cleanup EXIT
ulimit -n 20000
now_ms() { date +%s%3N; }
tck=$(getconf CLK_TCK)

# ---------------------------------------------------------------- the coordinator
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bmf-bench \
  -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
PIN=$(openssl x509 -in "$DIR/cert.pem" -outform DER | sha256sum | cut -d' ' -f1)
start_coordinator() {  # [TLS=1]
  local tls=()
  [[ ${1:-1} == 1 ]] && tls=(--tls-cert "$DIR/cert.pem" --tls-key "$DIR/key.pem")
  "$BUILD/coordinator/bmf-coordinator" --state-dir "$DIR/state" --agent-listen 127.0.0.1:$AGENT_PORT \
    --api-listen 127.0.0.1:$API_PORT --heartbeat-interval-ms "$HB_MS" --heartbeats-per-ack "$PER_ACK" "${tls[@]}" \
    >> "$DIR/coordinator.log" 2>&1 &
  coord=$!
  local i want=$(( $(grep -c COORDINATOR_STARTED "$DIR/coordinator.log" 2>/dev/null || true) + 1 ))
  for ((i = 0; i < 200; i++)); do (( $(grep -c COORDINATOR_STARTED "$DIR/coordinator.log" 2>/dev/null || true) >= want )) && break; sleep 0.05; done
}
cpu_s() { awk -v t="$tck" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
nodes_in_db() {
  /usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(*db.execute("SELECT count(*), count(DISTINCT system_uuid) FROM nodes WHERE substr(system_uuid, 1, 9) = ?", ("5e000000-",)).fetchone())' "$DIR/state/bmf.db"
}

# ---------------------------------------------------------------- the swarm
start_swarms() {  # N TLS(1|0) [extra bmf-swarm flags]
  local n=$1 tls=$2; shift 2
  local first=0 i=0 k
  local t=(); [[ $tls == 1 ]] && t=(--tls --cert-sha256 "$PIN")
  while ((first < n)); do
    k=$((n - first < PER_PROC ? n - first : PER_PROC))
    "$BUILD/bench/bmf-swarm" --coordinator 127.0.0.1:$AGENT_PORT --agents "$k" --first "$first" --report-ms 250 \
      "${t[@]}" "$@" > "$DIR/swarm-$i.log" 2>&1 &
    swarms+=($!)
    first=$((first + k)); i=$((i + 1))
  done
}
stop_swarms() { for p in "${swarms[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait "${swarms[@]}" 2>/dev/null || true; swarms=(); }
total() {  # FIELD: summed over the swarms' last SWARM lines
  local f sum=0 v
  for f in "$DIR"/swarm-*.log; do
    v=$(grep '^SWARM' "$f" 2>/dev/null | tail -1 | tr ' ' '\n' | sed -n "s/^$1=//p")
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
maxof() {  # FIELD: the largest value in any swarm's SWARM lines since line-count marks (see mark)
  local f m=0 v
  for f in "$DIR"/swarm-*.log; do
    v=$(tail -n +"$(cat "$f.mark" 2>/dev/null || echo 1)" "$f" | grep '^SWARM' | tr ' ' '\n' | sed -n "s/^$1=//p" | sort -n | tail -1)
    ((${v:-0} > m)) && m=${v:-0}
  done
  echo "$m"
}
mark() { local f; for f in "$DIR"/swarm-*.log; do echo $(( $(wc -l < "$f") + 1 )) > "$f.mark"; done; }
# Waits until `registered` sums to N (and `registrations` grew by at least N since BASE); prints
# "ELAPSED_MS PEAK_CONNECTS_PER_S" (connects sampled every 0.5 s).
wait_registered() {  # N BASE_REGISTRATIONS T0_MS TIMEOUT_S
  local n=$1 base=$2 t0=$3 limit=$4 peak=0 last prev_t now c
  last=$(total connects); prev_t=$(now_ms)
  while :; do
    sleep 0.5
    now=$(now_ms); c=$(total connects)
    rate=$(( (c - last) * 1000 / (now - prev_t) )); ((rate > peak)) && peak=$rate
    last=$c; prev_t=$now
    if (( $(total registered) >= n && $(total registrations) - base >= n )); then break; fi
    if (( now - t0 > limit * 1000 )); then echo "TIMEOUT registered=$(total registered) of $n" >&2; break; fi
  done
  echo "$(( $(now_ms) - t0 )) $peak"
}
check_db() {  # N
  read -r count distinct <<< "$(nodes_in_db)"
  echo "  database: $count node rows of the swarm, $distinct distinct system UUIDs (expected $1 and $1)"
  [[ $count == "$1" && $distinct == "$1" ]] || { echo "agent_scale: nodes lost or duplicated"; exit 1; }
}

case "$mode" in
steady)
  n=${2:-19000}; window=${3:-60}
  tls=${TLS:-1}  # TLS=0: plain TCP, to see what TLS costs
  # The raw floor first, the same minutes: this machine's speed drifts several-fold (a cold page
  # costs 2 to 20 us to touch, hour by hour), so the ratio to it is the figure that holds.
  floor=$("$BUILD/bench/epoll_floor" --connections "$n" --interval-ms "$HB_MS" --window-s 30 --reply-every 3)
  floor_pct=$(sed -n 's/.* cpu_pct=\([0-9.]*\).*/\1/p' <<< "$floor")
  echo "  raw floor (bench/epoll_floor: plain epoll, $n connections, a 64-byte message each every $((HB_MS / 1000)) s, every" \
       "3rd answered): ${floor_pct}% of one core"
  start_coordinator "$tls"
  base_rss=$(rss_mib "$coord")
  echo "agent_scale steady: $n agents over $([[ $tls == 1 ]] && echo "TLS (pinned)" || echo "plain TCP"), heartbeat every $((HB_MS / 1000)) s," \
       "$(( (n + PER_PROC - 1) / PER_PROC )) swarm processes"
  t0=$(now_ms); c0=$(cpu_s "$coord")
  start_swarms "$n" "$tls"
  read -r took peak <<< "$(wait_registered "$n" 0 "$t0" 300)"
  echo "  storm of $n: all registered in $took ms (coordinator CPU $(awk -v a="$(cpu_s "$coord")" -v b="$c0" 'BEGIN {printf "%.1f", a - b}') s; peak $peak connections/s)"
  sleep 15  # first heartbeats, first flush and sweep
  mark; hb0=$(total hb); ack0=$(total acks); late0=$(total late); c0=$(cpu_s "$coord"); t0=$(now_ms)
  sleep "$window"
  c1=$(cpu_s "$coord"); t1=$(now_ms); hb1=$(total hb); ack1=$(total acks); late1=$(total late)
  rss=$(rss_mib "$coord")
  cpu_pct=$(awk -v a="$c1" -v b="$c0" -v ms=$((t1 - t0)) 'BEGIN {printf "%.2f", (a - b) * 100000 / ms}')
  echo "  steady ${window} s: coordinator CPU ${cpu_pct}% of one core, RSS ${rss} MiB (${base_rss} MiB before the agents:" \
       "$(( (rss - base_rss) * 1048576 / n )) B per agent); $((hb1 - hb0)) heartbeats ($(( (hb1 - hb0) / window ))/s)," \
       "$((ack1 - ack0)) of them acked, $((late1 - late0)) acks later than one interval, slowest ack $(( $(maxof rtt_max_us) / 1000 )) ms"
  echo "  bmf / raw floor: $(awk -v a="$cpu_pct" -v b="$floor_pct" 'BEGIN {printf "%.1f", a / b}')x"
  check_db "$n"
  echo "  restart: SIGTERM, a new coordinator process on the same state"
  base=$(total registrations)
  t0=$(now_ms)
  kill -TERM "$coord"; wait "$coord" 2>/dev/null || true
  stopped=$(( $(now_ms) - t0 ))
  start_coordinator "$tls"
  read -r took peak <<< "$(wait_registered "$n" "$base" "$t0" 300)"
  echo "  restart under $n agents: old process gone in $stopped ms; every agent registered again $took ms after SIGTERM;" \
       "peak $peak connections/s (jittered backoff 250 ms doubling to 30 s)"
  check_db "$n"
  ;;
storm)
  n=${2:-10000}
  for tls in 1 0; do
    rm -rf "$DIR/state"; start_coordinator "$tls"
    t0=$(now_ms); c0=$(cpu_s "$coord")
    start_swarms "$n" "$tls" --no-spread
    read -r took peak <<< "$(wait_registered "$n" 0 "$t0" 300)"
    echo "agent_scale storm: $n agents at once over $([[ $tls == 1 ]] && echo "TLS (ECDSA P-256, pinned)" || echo "plain TCP"):" \
         "all registered in $took ms; coordinator CPU $(awk -v a="$(cpu_s "$coord")" -v b="$c0" 'BEGIN {printf "%.1f", a - b}') s; peak $peak connections/s"
    check_db "$n"
    stop_swarms; kill -TERM "$coord"; wait "$coord" 2>/dev/null || true
  done
  ;;
kill9)
  n=${2:-10000}
  start_coordinator 1
  t0=$(now_ms)
  start_swarms "$n" 1
  while (( $(total registrations) < n / 3 )); do sleep 0.05; done
  kill -KILL "$coord"; wait "$coord" 2>/dev/null || true
  echo "agent_scale kill9: kill -9 after $(( $(now_ms) - t0 )) ms of the storm, with $(total registrations) of $n registrations answered"
  start_coordinator 1
  base=0
  read -r took peak <<< "$(wait_registered "$n" 0 "$t0" 300)"
  echo "  after the restart every agent is registered: $took ms after the storm began"
  check_db "$n"
  ;;
flood)
  n=${2:-10000}; bad=${3:-1000}
  start_coordinator 1
  "$BUILD/bench/bmf-swarm" --coordinator 127.0.0.1:$AGENT_PORT --agents 0 --bad-clients "$bad" --report-ms 1000 \
    --tls --cert-sha256 "$PIN" > "$DIR/bad.log" 2>&1 &
  bad_pid=$!; swarms+=($bad_pid)
  sleep 1
  t0=$(now_ms)
  start_swarms "$n" 1
  api_worst=0; api_fail=0
  while (( $(total registered) < n )); do
    s=$(now_ms); curl -sf -m 5 "http://127.0.0.1:$API_PORT/healthz" >/dev/null || api_fail=$((api_fail + 1))
    d=$(( $(now_ms) - s )); ((d > api_worst)) && api_worst=$d
    (( $(now_ms) - t0 > 300000 )) && { echo "TIMEOUT"; break; }
    sleep 0.2
  done
  took=$(( $(now_ms) - t0 ))
  mark; sleep 25
  for i in $(seq 1 20); do s=$(now_ms); curl -sf -m 5 "http://127.0.0.1:$API_PORT/healthz" >/dev/null || api_fail=$((api_fail + 1))
    d=$(( $(now_ms) - s )); ((d > api_worst)) && api_worst=$d; sleep 0.2; done
  badline=$(grep '^SWARM' "$DIR/bad.log" | tail -1)
  echo "agent_scale flood: $n agents over TLS registering while $bad misbehaving connections are kept up" \
       "(garbage instead of TLS; inside TLS: 1 GiB length, truncated frame, 1 byte/200 ms, silent)"
  echo "  all $n registered in $took ms; then 25 s: $(total late) heartbeats later than one interval, slowest ack" \
       "$(( $(maxof rtt_max_us) / 1000 )) ms, $(total lost) sessions lost"
  echo "  bad connections made: $(echo "$badline" | tr ' ' '\n' | sed -n 's/^bad_connections=//p')" \
       "(refused: $(echo "$badline" | tr ' ' '\n' | sed -n 's/^bad_refused=//p')); /healthz: worst $api_worst ms, $api_fail failed"
  echo "  coordinator log: $(wc -l < "$DIR/coordinator.log") lines in all; AGENT_PROTOCOL_ERROR $(grep -c AGENT_PROTOCOL_ERROR "$DIR/coordinator.log" || true)," \
       "AGENT_TLS_HANDSHAKE_FAILED $(grep -c AGENT_TLS_HANDSHAKE_FAILED "$DIR/coordinator.log" || true)," \
       "AGENT_SESSION_TIMEOUT $(grep -c AGENT_SESSION_TIMEOUT "$DIR/coordinator.log" || true), LOG_SUPPRESSED summaries" \
       "$(grep -c LOG_SUPPRESSED "$DIR/coordinator.log" || true) (rate limit: 10 lines per 10 s per message)"
  check_db "$n"
  ;;
*) echo "usage: agent_scale.sh steady|storm|kill9|flood [...]"; exit 2 ;;
esac
