#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# VRRP failover benchmark (issue 4, item 8). The seed's four routers on one bridge (r1
# 192.168.5.2 priority 100, r2-r4 priority 10, VIP 192.168.5.1/16, VRID 51; the seed's
# keepalived.conf with only priority, version and advert_int changed), all running vipd or all
# running keepalived 2.2.7, and a client (192.168.5.100) whose prober sends a UDP datagram to
# the VIP every 1 ms; every router runs an echo responder (probe.py). The master r1 is then
#   kill9  crashed: SIGKILL to its daemon and its link down at once (a dead router; the stale
#          VIP on its interface answers nobody), later rebooted (daemon start, link up);
#   term   stopped cleanly: SIGTERM, the daemon sends priority 0 and removes the VIP (keepalived
#          at once; vipd once the backup that takes over advertises: no outage expected).
# The outage is the client's: last reply before -> first reply after (from the prober's own
# timestamps). Also recorded, from the start of the outage: when a backup had the VIP configured
# (a 5 ms sampler of the routers' addresses) and its first gratuitous ARP on the bridge (tcpdump);
# and the end of the outage counted from r1's last advert on the bridge (tcpdump), the instant
# the RFC timers run from.
# Cases: VRRPv2 (PASS) and VRRPv3 at advert_int 1, VRRPv3 at advert_int 0.05; each daemon,
# each case, each stop, REPS times, in one run. Prints a table with median/min/max and the RFC
# bound: 3 x advert + Skew_Time after a crash, Skew_Time after priority 0 (RFC 3768 §6.1,
# RFC 5798 §6.1; Skew_Time of the priority-10 backups).
#
# Usage: bench/vrrp-failover/run.sh [--impls "vipd keepalived"] [--reps N]
#            [--cases "2:1 3:1 3:0.05"] [--build-dir DIR] [--quick] [--write-docs] [--keep]
#            [--note TEXT]
#   --quick       one repetition of each (a smoke run of the harness)
#   --write-docs  write the results into docs/benchmarks.md, section "VRRP failover"
#   --keep        keep the work directory (configs, logs, prober files) even on success
# Needs root (network namespaces), keepalived, tcpdump, python3, and vipd built:
#   cmake -S . -B build -DVIPD_INTEROP=OFF && cmake --build build --target vipd vipctl
set -uo pipefail

VB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VB_REPO=$(cd "$VB_HERE/../.." && pwd)
VB_COMMAND="bench/vrrp-failover/run.sh"
for arg in "$@"; do
  if [[ $arg =~ ^[A-Za-z0-9_./=,:-]+$ ]]; then VB_COMMAND+=" $arg"; else VB_COMMAND+=" ${arg@Q}"; fi
done

IMPLS="vipd keepalived"
REPS=5
CASES="2:1 3:1 3:0.05"
MODES=${VRRP_BENCH_MODES:-"kill9 term"}
WRITE_DOCS=0
NOTE=""
BUILD_NAME=build
PORT=7777
while (($#)); do
  case $1 in
    --impls) IMPLS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    --build-dir) BUILD_NAME=$2; export VIPD_BIN_DIR; VIPD_BIN_DIR="$(cd "$2" && pwd)/bin"; shift 2 ;;
    --quick) REPS=1; shift ;;
    --write-docs) WRITE_DOCS=1; shift ;;
    --keep) export IT_KEEP_DIR=1; shift ;;
    --note) NOTE=$2; shift 2 ;;
    -h | --help) awk 'NR == 1 || /^# shellcheck/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# shellcheck source=../../tests/interop/vrrp/lib.sh
source "$VB_REPO/tests/interop/vrrp/lib.sh"
# shellcheck source=report.sh
source "$VB_HERE/report.sh"

vr_init vrrp_failover_bench
[[ $IMPLS == *vipd* ]] && it_require_vipd
vr_topo 4
vr_add_node client 192.168.5.100
for r in "${VR_ROUTERS[@]}"; do
  ip netns exec "${VR_NS[$r]}" "${VR_RT[@]}" "$VR_PYTHON" "$VB_HERE/probe.py" echo --port "$PORT" \
    --name "$r" 2>"$IT_DIR/echo-$r.err" &
  IT_PIDS+=("$!")
done
vr_sampler_start 0.005
vr_capture_start arp or ip proto 112
RESULTS="$IT_DIR/results.tsv"
: >"$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
it_log "work dir $IT_DIR; impls: $IMPLS; cases: $CASES; $REPS repetitions"

# prober_start FILE : the prober in the client namespace; waits for 300 ms of replies.
prober_start() {
  "${VR_RT[@]}" ip netns exec "${VR_NS[client]}" "$VR_PYTHON" "$VB_HERE/probe.py" probe \
    --target "$VR_VIP" --port "$PORT" --interval 0.001 --out "$1" 2>"$1.err" &
  PROBER_PID=$!
  IT_PIDS+=("$PROBER_PID")
  wait_until 5 grep -q '^first ' "$1" || { it_log "no reply to the prober: $(cat "$1.err")"; return 1; }
  sleep 0.3
}

prober_stop() {
  kill -TERM "$PROBER_PID" 2>/dev/null
  { wait "$PROBER_PID"; } 2>/dev/null
}

# The failover in a prober file: the gaps after T0 in which probes were lost (short gaps
# without loss are replies delayed on a busy machine). The outage spans them all, from the last
# reply before the first to the first reply after the last: if a router answers for a moment
# and then goes quiet again, that is still one outage.

# resumed_after FILE T0 : replies came back from another router than r1 after the last loss
# and have not stopped for 0.5 s.
resumed_after() {
  awk -v t0="$2" -v now="$(vr_now)" '$1 == "gap" && $3 > t0 && ($5 > 0 || $6 != $7) { end = $3; after = $7 }
    END { exit !(end != "" && after != "r1" && now - end > 500000000) }' "$1"
}

# outage FILE T0 : "MS START BEFORE AFTER" of the failover after T0 (START: the last reply
# before it); "0 T0 BEFORE AFTER" if no probe was lost (a seamless handover: only the
# responder changed), "0 T0 - -" if nothing changed at all.
outage() {
  awk -v t0="$2" '$1 == "gap" && $3 > t0 && $5 > 0 {
      if (start == "") { start = $2; before = $6 }
      end = $3; after = $7 }
    $1 == "gap" && $3 > t0 && $5 == 0 && $6 != $7 && moved_from == "" { moved_from = $6; moved_to = $7 }
    END {
      if (start != "") printf "%.1f %s %s %s\n", (end - start) / 1e6, start, before, after
      else if (moved_from != "") print "0 " t0 " " moved_from " " moved_to
      else print "0 " t0 " - -" }' "$1"
}

# last_advert_before MAC T : the time (ns) of MAC's last VRRP advert on the bridge before T.
last_advert_before() {
  awk -v mac="$1" -v t="$2" '
    { split($1, p, "."); ns = p[1] * 1e9 + substr(p[2] "000000000", 1, 9) }
    ns < t && $2 == mac && / VRRPv[23], / { last = ns }
    END { if (last == "") exit 1; printf "%.0f\n", last }' "$VR_CAPTURE"
}

# garp_senders T : who sent the gratuitous ARPs for the VIP in the 200 ms after the first one
# after T, in wire order, runs counted: "r3x5 r2x5 r3x5". A client takes the sender of the last
# one (Linux accepts a gratuitous ARP whatever its neighbour locktime).
garp_senders() {
  local r map=""
  for r in "${VR_ROUTERS[@]}"; do map+="${VR_MAC[$r]}=$r "; done
  awk -v t="$1" -v vip="$VR_VIP" -v map="$map" '
    BEGIN { n = split(map, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); name[p[1]] = p[2] } }
    { split($1, p, "."); ns = p[1] * 1e9 + substr(p[2] "000000000", 1, 9) }
    ns >= t && index($0, "Request who-has " vip " ") && index($0, "tell " vip ",") && ($2 in name) {
      if (first == "") first = ns
      if (ns > first + 200000000) exit
      who = name[$2]
      if (who == last) count++
      else { if (last != "") out = out last "x" count " "; last = who; count = 1 }
    }
    END { if (last != "") out = out last "x" count; print (out == "" ? "-" : out) }' "$VR_CAPTURE"
}

# measure IMPL VERSION ADVERT MODE REP : one failover of r1, appended to RESULTS.
measure() {
  local impl=$1 version=$2 advert=$3 mode=$4 rep=$5
  local file="$IT_DIR/probe-$impl-v$version-$advert-$mode-$rep.txt" t0 ms start before after
  local takeover owner garp since_advert=- last status=ok
  prober_start "$file" || { printf '%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\tno-probe\t-\t-\n' "$@" >>"$RESULTS"; return 1; }
  t0=$(vr_now)
  if [[ $mode == kill9 ]]; then vr_crash r1; else vr_stop r1 || status="exit-$?"; fi
  wait_until 15 resumed_after "$file" "$t0" || status="no-recovery"
  prober_stop
  # The VIP move and the GARP are timed from the start of the client's outage (the kill and
  # stop commands themselves take a few ms to run).
  read -r ms start before after <<<"$(outage "$file" "$t0")"
  takeover=$(vr_acquired_ms "$start" -r1) || takeover=-
  owner=$(vr_vip_owners)
  garp=-
  [[ -n "$owner" && $owner != *" "* ]] && garp=$(vr_garp_times "${VR_MAC[$owner]}" "$start" | awk '{ print $1 }')
  # The RFC timers run from the master's last advert (priority 0 after SIGTERM): the outage's
  # end measured from it has none of the phase of the crash within the advert interval.
  if last=$(last_advert_before "${VR_MAC[r1]}" "$((start + 1000000))") && [[ $ms != 0 ]]; then
    since_advert=$(awk -v s="$start" -v m="$ms" -v l="$last" 'BEGIN { printf "%.0f", (s - l) / 1e6 + m }')
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$impl" "$version" "$advert" "$mode" "$rep" \
    "$ms" "$takeover" "${garp:--}" "$before>$after" "$status" "$since_advert" "$(garp_senders "$start")" >>"$RESULTS"
  it_log "$impl v$version ${advert}s $mode #$rep: outage $ms ms ($before -> $after), VIP moved after $takeover ms, first GARP after ${garp:--} ms, replies back $since_advert ms after r1's last advert${status:+ [$status]}"
  # r1 back, and preempting, before the next round.
  if [[ $mode == kill9 ]]; then vr_reboot r1; else vr_restart r1; fi
  wait_until 15 vr_owner_is r1 || it_log "r1 did not take the VIP back"
  holds_for 1 vr_owner_is r1 || it_log "r1 did not keep the VIP"
}

declare -A VERSION_OF=()
for impl in $IMPLS; do
  VERSION_OF[$impl]=$(impl_version "$impl")
  for c in $CASES; do
    version=${c%%:*} advert=${c#*:}
    for r in "${VR_ROUTERS[@]}"; do
      prio=$VR_BACKUP_PRIO
      [[ $r == r1 ]] && prio=$VR_MASTER_PRIO
      vr_conf "$IT_DIR/$r-v$version-$advert.conf" "$prio" "version=$version" "advert_int=$advert"
    done
    for r in "${VR_ROUTERS[@]}"; do vr_start "$r" "$impl" "$IT_DIR/$r-v$version-$advert.conf"; done
    if ! wait_until 15 vr_owner_is r1; then
      it_log "$impl v$version ${advert}s: r1 never became the only master (owners: $(vr_vip_owners))"
    fi
    holds_for 1 vr_owner_is r1
    for rep in $(seq 1 "$REPS"); do
      for mode in $MODES; do measure "$impl" "$version" "$advert" "$mode" "$rep"; done
    done
    vr_stop_all
  done
done

vr_sampler_stop
print_table
((WRITE_DOCS == 0)) || write_docs
it_finish
