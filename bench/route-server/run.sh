#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Side-by-side route-server benchmark (DESIGN "Testing layers" 5). In network namespaces made
# here, bgp_feeder sends P prefixes (an Internet-like mix, feed.hpp) to the daemon under test,
# an eBGP route server that passes them to S bgp_sink peers. For each daemon, one after the
# other on the same topology, it measures:
#   propagate  first UPDATE written by the feeder -> every sink holds all P prefixes
#   withdraw   first withdrawal written           -> every sink holds none
#   CPU        the daemon's utime+stime over both phases, all its processes
#   peak RSS   VmHWM summed over the daemon's processes
# and prints a table with ratios to BIRD. Not part of CI or ctest.
#
# Usage: bench/route-server/run.sh [--quick] [--prefixes P] [--sinks S]
#            [--attribute-sets N] [--daemons "vipd bird frr gobgp openbgpd"] [--seed N]
#            [--timeout S] [--stall S]
#            [--build-dir DIR] [--extended-message] [--route-maps] [--write-docs] [--keep]
#            [--note TEXT]
#   --quick       P = 50,000 and S = 2 (a smoke run of the harness)
#   --attribute-sets N  distinct attribute sets (AS paths) in the feed; default P/20. A full
#                 table seen from one peer has one per 3-10 prefixes: P/4 is the diverse shape
#   --timeout S   give up a phase after S seconds (default 120 quick, 1800 full: GoBGP needs
#                 over 15 minutes a phase for P = 1,000,000 on 2 cores)
#   --stall S     give up a phase when neither the sinks' counts nor the daemon's CPU time
#                 moved for S seconds (default 15): a daemon that does not propagate at all
#   --route-maps  every neighbor of every daemon gets a 10-clause route map (BIRD: filter) in
#                 and out that lets the whole feed through (daemons.sh, rs_frr_policy): with a
#                 run without it, what policy evaluation costs
#   --write-docs  write the results into docs/benchmarks.md, section "Route server"
#   --keep        keep the work directory (configs, logs) even on success
# Needs root (network namespaces) and the tools built:
#   cmake -S . -B build-bench -DVIPD_BENCH=ON -DVIPD_INTEROP=OFF -DVIPD_TESTS=OFF
#   cmake --build build-bench --target bgp_feeder bgp_sink vipd vipctl
set -euo pipefail

RS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RS_REPO=$(cd "$RS_HERE/../.." && pwd)
# The tree the run starts from (others may commit while it runs).
RS_COMMIT=$(git -C "$RS_REPO" describe --always --dirty 2>/dev/null || echo unknown)
RS_COMMAND="bench/route-server/run.sh"
for arg in "$@"; do
  if [[ $arg =~ ^[A-Za-z0-9_./=,:-]+$ ]]; then RS_COMMAND+=" $arg"; else RS_COMMAND+=" ${arg@Q}"; fi
done

PREFIXES=1000000
ATTRIBUTE_SETS=0
SINKS=4
DAEMONS="vipd bird frr gobgp openbgpd"
SEED=1
TIMEOUT=""
STALL=15
BUILD_DIR="$RS_REPO/build-bench"
EXTENDED=""
WRITE_DOCS=0
NOTE=""
QUICK=0
while (($#)); do
  case $1 in
    --quick) QUICK=1; PREFIXES=50000; SINKS=2; shift ;;
    --prefixes) PREFIXES=$2; shift 2 ;;
    --attribute-sets) ATTRIBUTE_SETS=$2; shift 2 ;;
    --sinks) SINKS=$2; shift 2 ;;
    --daemons) DAEMONS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --stall) STALL=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$(cd "$2" && pwd); shift 2 ;;
    --extended-message) EXTENDED=--extended-message; shift ;;
    --route-maps) export RS_ROUTE_MAPS=1; shift ;;
    --write-docs) WRITE_DOCS=1; shift ;;
    --keep) export IT_KEEP_DIR=1; shift ;;
    --note) NOTE=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$TIMEOUT" ]] || { ((QUICK)) && TIMEOUT=120 || TIMEOUT=1800; }
((SINKS >= 1 && SINKS <= 89)) || { echo "run.sh: --sinks must be 1-89" >&2; exit 2; }

FEEDER_BIN="$BUILD_DIR/bench/bgp_feeder"
SINK_BIN="$BUILD_DIR/bench/bgp_sink"
export VIPD_BIN_DIR="$BUILD_DIR/bin"
for tool in "$FEEDER_BIN" "$SINK_BIN"; do
  [[ -x "$tool" ]] || { echo "run.sh: $tool not built (see --help)" >&2; exit 2; }
done

# Namespaces, the bridge, the trap that removes them and kills what we started.
# shellcheck source=../../tests/interop/lib.sh
source "$RS_REPO/tests/interop/lib.sh"
# shellcheck source=daemons.sh
source "$RS_HERE/daemons.sh"
# shellcheck source=report.sh
source "$RS_HERE/report.sh"

RS_AS=65000
FEEDER_AS=65001
RS_ADDR=$ROUTER_V4
FEEDER_ADDR="${IT_V4_NET}.2"
SINK_ADDRS=() SINK_ASES=()
for ((i = 1; i <= SINKS; i++)); do
  SINK_ADDRS+=("${IT_V4_NET}.$((10 + i))")
  SINK_ASES+=("$((65100 + i))")
done

ROUND_PIDS=()  # feeder, sinks and daemon of the daemon being measured
FEED_FD=""
DAEMON_PID=""
CLK_TCK=$(getconf CLK_TCK)
declare -A R_STATUS=() R_VERSION=() R_PROP=() R_WD=() R_CPU=() R_CPU_A=() R_CPU_W=() R_RSS=()
declare -A R_FEED=() R_LOAD=() R_TOOLS=() R_SAMPLE=()

# shellcheck disable=SC2317  # called through wait_until
round_exited() {
  local pid
  for pid in "${ROUND_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then return 1; fi
  done
}

# Stops the round's processes: only the pids started for it, then whatever is left in the router
# namespace (the daemon's own children).
stop_round() {
  local pid
  if [[ -n "$FEED_FD" ]]; then
    feeder_command quit
    exec {FEED_FD}>&-
    FEED_FD=""
  fi
  if ((${#ROUND_PIDS[@]})); then
    kill -TERM "${ROUND_PIDS[@]}" 2>/dev/null || true
    wait_until 10 round_exited || kill -KILL "${ROUND_PIDS[@]}" 2>/dev/null || true
    wait "${ROUND_PIDS[@]}" 2>/dev/null || true
  fi
  for pid in $(ip netns pids "$IT_ROUTER_NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  ROUND_PIDS=()
  DAEMON_PID=""
}

# Writes a command line to the feeder. In a subshell: with the feeder gone, SIGPIPE ends the
# subshell, not the harness.
feeder_command() { (echo "$1" >&"$FEED_FD") 2>/dev/null || true; }

# shellcheck disable=SC2317  # the EXIT trap
rs_cleanup() {
  local rc=$?
  set +e  # from here on every step is best effort, and (exit rc) must not end the trap
  stop_round
  (exit "$rc")
  it_cleanup
}

# cpu_ticks_of PID... : utime + stime summed over the processes (all their threads).
cpu_ticks_of() {
  local pid total=0 t
  for pid in "$@"; do
    # Fields after "pid (comm) ": state is 1, utime 12, stime 13 (proc(5) fields 14 and 15).
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# The daemon's CPU: every process in the router namespace.
# shellcheck disable=SC2046  # pids are words
daemon_cpu_ticks() { cpu_ticks_of $(ip netns pids "$IT_ROUTER_NS" 2>/dev/null); }

# Peak RSS (VmHWM) summed over the daemon's processes, in KiB.
daemon_hwm_kib() {
  local pid total=0 k
  for pid in $(ip netns pids "$IT_ROUTER_NS" 2>/dev/null); do
    k=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
    total=$((total + ${k:-0}))
  done
  echo "$total"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# field_of FILE WORD : the timestamp (2nd field) of the first line starting with WORD.
field_of() { awk -v w="$2" '$1 == w { print $2; exit }' "$1" 2>/dev/null; }

# Last known prefix count of a sink (its latest progress/full line).
sink_count() {
  awk '$1 == "progress" || $1 == "full" || $1 == "eor" { c = $3 } $1 == "empty" { c = 0 }
       END { print c + 0 }' "$1" 2>/dev/null
}

round_closed() {  # prints the first "closed" reason of the feeder or a sink
  local f
  for f in "$RD/feeder.out" "$RD"/sink*.out; do
    if grep -q '^closed ' "$f" 2>/dev/null; then
      echo "$(basename "$f" .out): $(grep -m1 '^closed ' "$f" | cut -d' ' -f3-)"
      return 0
    fi
  done
  return 1
}

# wait_all WORD TIMEOUT_S : until every sink printed WORD (established/full/empty). Returns 0,
# or 1 on timeout, 2 on a stall (no count or CPU progress for STALL s), 3 when a session or
# the daemon died. For "established" the feeder is waited for too.
wait_all() {
  local word=$1 timeout_s=$2 start last_move cpu cpu_mark counts counts_mark f all_done
  start=$(now_ms) last_move=$start cpu_mark=$(daemon_cpu_ticks) counts_mark=""
  while true; do
    all_done=1
    for f in "$RD"/sink*.out; do grep -q "^$word " "$f" 2>/dev/null || all_done=0; done
    [[ $word != established ]] || grep -q '^established ' "$RD/feeder.out" 2>/dev/null || all_done=0
    if ((all_done)); then return 0; fi
    if round_closed >/dev/null || ! kill -0 "$DAEMON_PID" 2>/dev/null; then return 3; fi
    local now
    now=$(now_ms)
    ((now - start < timeout_s * 1000)) || return 1
    if [[ $word != established ]]; then
      counts="" cpu=$(daemon_cpu_ticks)
      for f in "$RD"/sink*.out; do counts+="$(sink_count "$f") "; done
      # Progress: a sink's count moved, or the daemon used over 0.2 s of CPU since the mark.
      if [[ "$counts" != "$counts_mark" ]] || ((cpu - cpu_mark > CLK_TCK / 5)); then
        last_move=$now counts_mark=$counts cpu_mark=$cpu
      fi
      ((now - last_move < STALL * 1000)) || return 2
    fi
    # The tools stamp the events themselves: polling slowly only costs the daemon less CPU.
    sleep 0.5
  done
}

# The phase's status text for wait_all's return code.
phase_failure() {
  local rc=$1 phase=$2 total=0 f
  for f in "$RD"/sink*.out; do total=$((total + $(sink_count "$f"))); done
  local want=$((PREFIXES * SINKS))
  [[ $phase == withdraw ]] && want=0
  case $rc in
    1) echo "$phase timeout (sinks hold $total of $want)" ;;
    2) if [[ $phase == propagate && $total -eq 0 ]]; then echo "no propagation";
       else echo "$phase stalled (sinks hold $total, want $want)"; fi ;;
    3) if ! kill -0 "$DAEMON_PID" 2>/dev/null; then echo "daemon exited during $phase";
       else echo "session closed during $phase: $(round_closed)"; fi ;;
  esac
}

# phase_seconds START WORD [feeder] : seconds (3 decimals) from the feeder's START line to the
# latest sink's WORD line (or to the feeder's own WORD line).
phase_seconds() {
  local start=$1 word=$2 latest=0 t f s
  t=$(field_of "$RD/feeder.out" "$start")
  local files=("$RD"/sink*.out)
  [[ ${3:-} != feeder ]] || files=("$RD/feeder.out")
  for f in "${files[@]}"; do
    s=$(field_of "$f" "$word")
    if ((s > latest)); then latest=$s; fi
  done
  awk -v a="$t" -v b="$latest" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# CPU ticks of the feeder and the sinks (they share the cores with the daemon).
tools_cpu_ticks() {
  local pid tools=()
  for pid in "${ROUND_PIDS[@]}"; do [[ $pid == "$DAEMON_PID" ]] || tools+=("$pid"); done
  cpu_ticks_of "${tools[@]}"
}

ticks_to_s() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'; }

start_round_tools() {
  local i
  for i in "${!SINK_ADDRS[@]}"; do
    # shellcheck disable=SC2086  # EXTENDED is empty or one flag
    ip netns exec "${NODE_NS[sink$((i + 1))]}" "$SINK_BIN" --local "${SINK_ADDRS[$i]}" \
      --remote "$RS_ADDR" --local-as "${SINK_ASES[$i]}" --remote-as "$RS_AS" \
      --expect "$PREFIXES" --connect-timeout 60 $EXTENDED \
      >"$RD/sink$((i + 1)).out" 2>"$RD/sink$((i + 1)).err" </dev/null &
    ROUND_PIDS+=($!)
  done
  rm -f "$RD/feeder.cmd"
  mkfifo "$RD/feeder.cmd"
  # shellcheck disable=SC2086
  ip netns exec "${NODE_NS[feeder]}" "$FEEDER_BIN" --local "$FEEDER_ADDR" --remote "$RS_ADDR" \
    --local-as "$FEEDER_AS" --remote-as "$RS_AS" --prefixes "$PREFIXES" --seed "$SEED" \
    --attribute-sets "$ATTRIBUTE_SETS" --connect-timeout 60 --verify $EXTENDED \
    <"$RD/feeder.cmd" >"$RD/feeder.out" 2>"$RD/feeder.err" &
  ROUND_PIDS+=($!)
  exec {FEED_FD}>"$RD/feeder.cmd"
}

# phase DAEMON COMMAND WORD : sends COMMAND to the feeder and waits for every sink's WORD line.
# Sets PHASE_RC (wait_all's code) and PHASE_TICKS (the daemon's CPU meanwhile); updates the
# daemon's peak RSS.
phase() {
  local d=$1 before
  before=$(daemon_cpu_ticks)
  feeder_command "$2"
  PHASE_RC=0
  wait_all "$3" "$TIMEOUT" || PHASE_RC=$?
  PHASE_TICKS=$(($(daemon_cpu_ticks) - before))
  R_RSS[$d]=$(awk -v k="$(daemon_hwm_kib)" 'BEGIN { printf "%.0f", k / 1024 }')
}

# Measures one daemon; fills the R_* entries for it.
bench_one() {
  local d=$1 rc tools0
  RD="$IT_DIR/$d"
  mkdir -p "$RD"
  R_STATUS[$d]=ok R_PROP[$d]=- R_WD[$d]=- R_CPU[$d]=- R_CPU_A[$d]=- R_CPU_W[$d]=- R_RSS[$d]=-
  R_FEED[$d]=- R_TOOLS[$d]=- R_SAMPLE[$d]=- R_LOAD[$d]=$(cut -d' ' -f1 /proc/loadavg)
  if ! "${d}_available"; then
    R_STATUS[$d]="not installed" R_VERSION[$d]=$d
    return
  fi
  R_VERSION[$d]=$("${d}_version")
  it_log "$d: ${R_VERSION[$d]}, load ${R_LOAD[$d]}"
  "${d}_start" "$RD"
  ROUND_PIDS+=("$DAEMON_PID")
  start_round_tools
  wait_all established 90 || rc=$?
  if ((${rc:-0})); then
    R_STATUS[$d]="no session: $(round_closed || echo "daemon exited or timeout")"
    stop_round
    return
  fi
  rc=0
  wait_until 120 grep -q '^ready ' "$RD/feeder.out" || { R_STATUS[$d]="feeder not ready"; stop_round; return; }
  # Let the daemon settle after the sessions came up (timers, update groups).
  sleep 2
  tools0=$(tools_cpu_ticks)
  it_log "$d: announcing $PREFIXES prefixes to $SINKS sinks"
  phase "$d" announce full
  R_CPU_A[$d]=$(ticks_to_s "$PHASE_TICKS")
  R_CPU[$d]=${R_CPU_A[$d]}
  local ticks=$PHASE_TICKS
  if ((PHASE_RC)); then
    R_STATUS[$d]=$(phase_failure "$PHASE_RC" propagate)
    stop_round
    return
  fi
  R_PROP[$d]=$(phase_seconds announce_start full)
  R_FEED[$d]=$(phase_seconds announce_start announce_done feeder)
  # What a sink got: AS_PATH head and NEXT_HOP of its first route (route-server semantics).
  R_SAMPLE[$d]=$(awk '$1 == "sample" { sub("first_as=", "", $3); sub("next_hop=", "", $4)
                                      print $3 ", " $4; exit }' "$RD/sink1.out")
  it_log "$d: propagated in ${R_PROP[$d]} s; withdrawing"
  phase "$d" withdraw empty
  R_CPU_W[$d]=$(ticks_to_s "$PHASE_TICKS")
  R_CPU[$d]=$(ticks_to_s $((ticks + PHASE_TICKS)))
  if ((PHASE_RC)); then
    R_STATUS[$d]=$(phase_failure "$PHASE_RC" withdraw)
  else
    R_WD[$d]=$(phase_seconds withdraw_start empty)
    it_log "$d: withdrawn in ${R_WD[$d]} s"
  fi
  R_TOOLS[$d]=$(ticks_to_s $(($(tools_cpu_ticks) - tools0)))
  stop_round
}

main() {
  it_init route-server
  trap rs_cleanup EXIT
  it_log "P=$PREFIXES A=$(attribute_sets) S=$SINKS daemons: $DAEMONS (work dir $IT_DIR)"
  topo_create
  topo_add_node feeder "$FEEDER_ADDR"
  local i d
  for i in "${!SINK_ADDRS[@]}"; do topo_add_node "sink$((i + 1))" "${SINK_ADDRS[$i]}"; done
  RS_NS=$IT_ROUTER_NS
  for d in $DAEMONS; do
    declare -F "${d}_start" >/dev/null || { it_log "unknown daemon $d"; continue; }
    bench_one "$d"
  done
  print_table
  ((WRITE_DOCS == 0)) || write_docs
}

# On one line with main: bash reads a script as it runs it, so an edit of this file during a
# run cannot add commands after main.
main; exit
