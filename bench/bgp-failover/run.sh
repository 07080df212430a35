#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2317  # functions called through wait_until
# BGP+BFD failover benchmark (issue 11, item 9). Six speakers (s1..s6, vipd, AS 65009, on one
# bridge in the router's namespace, 10.0.0.2-7/24) announce the same /32 (the VIP 10.99.0.1,
# local on each speaker, answered by vipd-lab-server) to the router (10.0.0.1, AS 65000,
# maximum-paths 8, so one ECMP route with six next hops in its kernel), each over BGP with BFD.
# A client behind the router (10.1.0.2) sends a datagram to the VIP every 1 ms on FLOWS flows
# (vipd-lab-probe; the router hashes flows by L4). One speaker's link is cut
# (`ip link set eth0 down` in its namespace: the router's bridge stays up and nothing but BFD
# tells the router); the outage is the longest time the client's flows went unanswered.
# The router is vipd, FRR (zebra + bfdd + bgpd) or BIRD 2 in turn, with the same BFD intervals
# (300 ms x 3 and 50 ms x 3) on the router and the speakers, each REPS times, in one run.
# Also recorded: the router's reaction, from its BFD Down (its log) to the change of its kernel
# route (`ip -ts monitor route`): BGP and FIB work, the part of the outage after detection.
#
# Usage: bench/bgp-failover/run.sh [--routers "vipd frr bird"] [--intervals "300 50"]
#            [--reps N] [--flows N] [--build-dir DIR] [--quick] [--write-docs] [--keep]
#            [--note TEXT]
#   --quick       one repetition of each (a smoke run of the harness)
#   --write-docs  write the results into docs/benchmarks.md, section "BGP failover (BFD)"
#   --keep        keep the work directory (configs, logs, prober files) even on success
# Needs root (network namespaces), frr, bird2, jq, and vipd built with the lab's tools:
#   cmake --build build --target vipd vipctl vipd-lab-probe vipd-lab-server
set -uo pipefail

BB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BB_REPO=$(cd "$BB_HERE/../.." && pwd)
BB_COMMAND="bench/bgp-failover/run.sh"
for arg in "$@"; do
  if [[ $arg =~ ^[A-Za-z0-9_./=,:-]+$ ]]; then BB_COMMAND+=" $arg"; else BB_COMMAND+=" ${arg@Q}"; fi
done

ROUTERS="vipd frr bird"
INTERVALS="300 50"
REPS=5
FLOWS=24
WRITE_DOCS=0
NOTE=""
while (($#)); do
  case $1 in
    --routers) ROUTERS=$2; shift 2 ;;
    --intervals) INTERVALS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --flows) FLOWS=$2; shift 2 ;;
    --build-dir) export VIPD_BIN_DIR; VIPD_BIN_DIR="$(cd "$2" && pwd)/bin"; shift 2 ;;
    --quick) REPS=1; shift ;;
    --write-docs) WRITE_DOCS=1; shift ;;
    --keep) export IT_KEEP_DIR=1; shift ;;
    --note) NOTE=$2; shift 2 ;;
    -h | --help) awk 'NR == 1 || /^# shellcheck/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# shellcheck source=../../tests/interop/lib.sh
source "$BB_REPO/tests/interop/lib.sh"
# shellcheck source=report.sh
source "$BB_HERE/report.sh"

it_init bgp_failover_bench
it_require_vipd
for tool in vipd-lab-probe vipd-lab-server; do
  [[ -x "$VIPD_BIN_DIR/$tool" ]] || it_die "$VIPD_BIN_DIR/$tool missing (cmake --build build --target $tool)"
done
[[ $ROUTERS != *frr* || -x /usr/lib/frr/bfdd ]] || it_die "FRR not installed (package frr)"
[[ $ROUTERS != *bird* ]] || command -v bird >/dev/null || it_die "BIRD not installed (package bird2)"

VIP=10.99.0.1
PORT=9000
SPEAKERS=(s1 s2 s3 s4 s5 s6)
RESULTS="$IT_DIR/results.tsv"
: >"$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Topology: router namespace with br0 (10.0.0.1/24) and the speakers on it; the client on a
# link of its own (10.1.0.2/24, router 10.1.0.1).
IT_V4_NET=10.0.0 ROUTER_V4=10.0.0.1
topo_create
for s in "${SPEAKERS[@]}"; do
  topo_add_node "$s"
  ip -n "${NODE_NS[$s]}" addr add "$VIP/32" dev lo
  ip -n "${NODE_NS[$s]}" route replace default via "$ROUTER_V4"
  ns_run "${NODE_NS[$s]}" "$VIPD_BIN_DIR/vipd-lab-server" --name "$s" --udp "$PORT" \
    >"$IT_DIR/server-$s.log" 2>&1 &
  IT_PIDS+=("$!")
done
topo_add_link_node client 10.1.0.2 10.1.0.1 fd00:1::2 fd00:1::1
ip -n "${NODE_NS[client]}" route add default via 10.1.0.1
RNS=$IT_ROUTER_NS
ns_run "$RNS" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 >/dev/null
# Every change of the router's routes, timestamped (the FIB column).
ip -n "$RNS" -ts monitor route >"$IT_DIR/routes.log" 2>&1 &
IT_PIDS+=("$!")

RUN_PIDS=()  # the daemons of the current (router, interval)

run_spawn() {  # NS LOG CMD... : a daemon of this run
  local ns=$1 log=$2
  shift 2
  ip netns exec "$ns" "$@" >>"$log" 2>&1 &
  RUN_PIDS+=("$!")
  IT_PIDS+=("$!")
}

run_stop() {
  it_stop_pids "${RUN_PIDS[@]}"
  RUN_PIDS=()
  ip -n "$RNS" route del "$VIP/32" 2>/dev/null || true
}

speaker_addr() { echo "${NODE_V4[$1]}"; }

# speakers_start INTERVAL : vipd on every speaker, announcing the VIP with BFD to the router.
speakers_start() {
  local s d
  for s in "${SPEAKERS[@]}"; do
    d="$IT_DIR/$s"
    mkdir -p "$d"
    rm -f "$d/vipd.sock"
    cat >"$d/bgpd.conf" <<CONF
bgp no-rib
router bgp 65009
 bgp router-id $(speaker_addr "$s")
 no bgp network import-check
 neighbor $ROUTER_V4 remote-as 65000
 neighbor $ROUTER_V4 timers 10 30
 neighbor $ROUTER_V4 timers connect 1
 neighbor $ROUTER_V4 bfd profile bench
 network $VIP/32
exit
!
bfd
 profile bench
  transmit-interval $1
  receive-interval $1
 exit
exit
CONF
    run_spawn "${NODE_NS[$s]}" "$d/stdout.log" "$VIPD_BIN_DIR/vipd" --foreground --bgp-config "$d/bgpd.conf" \
      --socket "$d/vipd.sock" --log-file "$d/vipd.log" --pid-file "$d/vipd.pid"
  done
}

speaker_vipctl() { ns_run "${NODE_NS[$1]}" "$VIPD_BIN_DIR/vipctl" --socket "$IT_DIR/$1/vipd.sock" "${@:2}"; }

# The speaker's BFD session to the router is Up at INTERVAL both ways.
speaker_bfd_up() {
  speaker_vipctl "$1" show bfd peers json 2>/dev/null |
    jq -e --argjson i "$2" '.[0] | .status == "up" and ."transmit-interval" == $i and ."remote-transmit-interval" == $i' >/dev/null
}

# router_start IMPL INTERVAL
router_start() {
  local d="$IT_DIR/router-$1-$2" s
  mkdir -p "$d"
  chmod 777 "$d"
  case $1 in
    vipd)
      {
        echo "router bgp 65000"
        echo " bgp router-id $ROUTER_V4"
        echo " maximum-paths 8"
        for s in "${SPEAKERS[@]}"; do
          echo " neighbor $(speaker_addr "$s") remote-as 65009"
          echo " neighbor $(speaker_addr "$s") timers 10 30"
          echo " neighbor $(speaker_addr "$s") timers connect 1"
          echo " neighbor $(speaker_addr "$s") bfd profile bench"
        done
        echo "exit"
        echo "bfd"
        echo " profile bench"
        echo "  transmit-interval $2"
        echo "  receive-interval $2"
        echo " exit"
        echo "exit"
      } >"$d/bgpd.conf"
      run_spawn "$RNS" "$d/stdout.log" "$VIPD_BIN_DIR/vipd" --foreground --bgp-config "$d/bgpd.conf" \
        --socket "$d/vipd.sock" --log-file "$d/vipd.log" --pid-file "$d/vipd.pid"
      ;;
    frr)
      # zebra (the kernel), bfdd and bgpd; bgpd registers its BFD sessions through zebra.
      {
        echo "frr defaults traditional"
        echo "hostname bench"
        echo "log timestamp precision 3"
        echo "router bgp 65000"
        echo " bgp router-id $ROUTER_V4"
        echo " no bgp ebgp-requires-policy"
        echo " timers bgp 10 30"
        for s in "${SPEAKERS[@]}"; do
          echo " neighbor $(speaker_addr "$s") remote-as 65009"
          echo " neighbor $(speaker_addr "$s") timers connect 1"
          echo " neighbor $(speaker_addr "$s") bfd profile bench"
        done
        echo " address-family ipv4 unicast"
        echo "  maximum-paths 8"
        echo " exit-address-family"
      } >"$d/bgpd.conf"
      printf 'hostname bench\nlog timestamp precision 3\nlog file %s debugging\ndebug bfd peer\nbfd\n profile bench\n  transmit-interval %s\n  receive-interval %s\n exit\nexit\n' \
        "$d/bfdd-ms.log" "$2" "$2" >"$d/bfdd.conf"
      echo "hostname bench" >"$d/zebra.conf"
      run_spawn "$RNS" "$d/zebra.stdout" /usr/lib/frr/zebra -f "$d/zebra.conf" -i "$d/zebra.pid" \
        -z "$d/zserv.api" --vty_socket "$d" -P 0 -u frr -g frr --log "file:$d/zebra.log"
      wait_until 10 test -S "$d/zserv.api" || it_die "zebra did not start ($d)"
      run_spawn "$RNS" "$d/bfdd.stdout" /usr/lib/frr/bfdd -f "$d/bfdd.conf" -i "$d/bfdd.pid" \
        -z "$d/zserv.api" --vty_socket "$d" --bfdctl "$d/bfdd.sock" -P 0 -u frr -g frr --log "file:$d/bfdd.log"
      run_spawn "$RNS" "$d/bgpd.stdout" /usr/lib/frr/bgpd -f "$d/bgpd.conf" -i "$d/bgpd.pid" \
        -z "$d/zserv.api" --vty_socket "$d" -S -P 0 -u root -g root --log "file:$d/bgpd.log"
      ;;
    bird)
      {
        echo "log \"$d/bird.log\" all;"
        echo "timeformat log \"%F %T.%3f\";"
        echo "router id $ROUTER_V4;"
        echo "debug protocols { states, events };"
        echo "protocol device { scan time 10; }"
        # Merge the equal BGP paths into one ECMP route in the kernel (BIRD's maximum-paths).
        echo "protocol kernel { ipv4 { export where source = RTS_BGP; }; merge paths on limit 8; }"
        echo "protocol bfd { interface \"*\" { interval $2 ms; multiplier 3; }; }"
        echo "template bgp spk {"
        echo "  local $ROUTER_V4 as 65000; direct; bfd on;"
        echo "  hold time 30; keepalive time 10; connect delay time 1; connect retry time 1;"
        echo "  error wait time 1, 4;"
        echo "  ipv4 { import all; export none; };"
        echo "}"
        for s in "${SPEAKERS[@]}"; do echo "protocol bgp $s from spk { neighbor $(speaker_addr "$s") as 65009; }"; done
      } >"$d/bird.conf"
      run_spawn "$RNS" "$d/stdout.log" bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
      ;;
  esac
}

router_version() {
  case $1 in
    vipd) "$VIPD_BIN_DIR/vipd" --version 2>/dev/null | head -n1 ;;
    frr) /usr/lib/frr/bgpd --version 2>/dev/null | head -n1 ;;
    bird) bird --version 2>&1 | head -n1 ;;
  esac
}

# The router's kernel route to the VIP has N next hops.
vip_paths_are() {
  ip -n "$RNS" -j route show "$VIP/32" 2>/dev/null |
    jq -e --argjson n "$1" '.[0] | (if .nexthops then (.nexthops | length) else 1 end) == $n' >/dev/null
}

all_up() {  # INTERVAL : six BFD sessions Up at INTERVAL and six next hops
  local s
  for s in "${SPEAKERS[@]}"; do speaker_bfd_up "$s" "$1" || return 1; done
  vip_paths_are 6
}

# busiest_speaker : the speaker answering most of the prober's flows.
busiest_speaker() {
  ip netns exec "${NODE_NS[client]}" "$VIPD_BIN_DIR/vipd-lab-probe" --udp "$PORT" --flows "$FLOWS" \
    --sport-base 42000 --duration 0.3 --drain-ms 50 --json "$VIP" 2>/dev/null |
    jq -r '[.targets[].flows[].last_node | select(. != "")] | group_by(.) | map({n: .[0], c: length})
      | sort_by(-.c) | .[0] | "\(.n) \(.c)"'
}

# fib_change_after T_MS : ms from T_MS to the first change of the VIP's route logged after it
# (`ip -ts monitor route` lines: "[2026-12-06T16:02:19.123456] [Deleted ]10.99.0.1 proto ...").
fib_change_after() {
  local l t
  while read -r l; do
    l=${l#[}
    t=$(date -d "${l%%]*}" +%s%3N)
    ((t >= $1)) && { echo $((t - $1)); return 0; }
  done < <(grep -E "^\[[^]]*\] (Deleted )?${VIP//./\\.} " "$IT_DIR/routes.log")
  return 1
}

# router_bfd_down_after IMPL INTERVAL ADDR T_MS : ms from T_MS to the router's BFD Down of ADDR.
router_bfd_down_after() {
  local d="$IT_DIR/router-$1-$2" log t
  case $1 in
    vipd) log=$d/vipd.log ;;
    frr) log=$d/bfdd-ms.log ;;
    bird) log=$d/bird.log ;;
  esac
  t=$(bfd_log_down_ms "$1" "$log" "$3") && ((t >= $4)) && echo $((t - $4))
}

# one_cut IMPL INTERVAL REP
one_cut() {
  local impl=$1 iv=$2 rep=$3 victim flows out probe_pid cut_ms outage fib detect status=ok
  read -r victim flows <<<"$(busiest_speaker)"
  [[ -n "$victim" && "$victim" != null ]] || { it_log "no answer from the VIP"; victim=s1 flows=0; }
  out="$IT_DIR/probe-$impl-$iv-$rep.json"
  ip netns exec "${NODE_NS[client]}" "$VIPD_BIN_DIR/vipd-lab-probe" --udp "$PORT" --flows "$FLOWS" \
    --sport-base 42000 --json "$VIP" >"$out" 2>"$out.err" &
  probe_pid=$!
  IT_PIDS+=("$probe_pid")
  sleep 0.3
  # The cut's time is taken once `ip` has returned: on a loaded machine starting it can take
  # longer than the detection time, which would count against the router.
  ip -n "${NODE_NS[$victim]}" link set eth0 down
  cut_ms=$(date +%s%3N)
  wait_until 10 vip_paths_are 5 || status="route-not-updated"
  sleep 0.5
  kill -INT "$probe_pid" 2>/dev/null
  wait "$probe_pid" 2>/dev/null
  outage=$(jq -r .outage_ms "$out" 2>/dev/null || echo "-")
  [[ $(jq -r .recovered "$out" 2>/dev/null) == true ]] || status="not-recovered"
  fib=$(fib_change_after "$cut_ms" || true)
  detect=$(router_bfd_down_after "$impl" "$iv" "$(speaker_addr "$victim")" "$cut_ms" || true)
  # The router's own reaction, from its BFD Down to its kernel route's change: both times are
  # counted from the same cut_ms, which cancels out (starting `ip` on a loaded machine makes
  # cut_ms itself late by up to a hundred milliseconds).
  local react=-
  [[ $fib =~ ^[0-9]+$ && $detect =~ ^[0-9]+$ ]] && react=$((fib - detect))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$impl" "$iv" "$rep" "$outage" "${fib:--}" "$victim" "$flows" "$status" "${detect:--}" "$react" >>"$RESULTS"
  it_log "$impl ${iv} ms x 3, cut $rep: $victim ($flows of $FLOWS flows): outage $outage ms, BFD Down after ${detect:--} ms, route changed after ${fib:--} ms, reaction $react ms ($status)"
  # Back: link up, the speaker's default route again, six paths with BFD Up.
  ip -n "${NODE_NS[$victim]}" link set eth0 up
  ip -n "${NODE_NS[$victim]}" route replace default via "$ROUTER_V4"
  wait_until 30 all_up "$iv" || it_log "$impl: not all sessions back after cut $rep"
}

it_log "work dir $IT_DIR; routers: $ROUTERS; intervals: $INTERVALS ms x 3; $REPS cuts each; $FLOWS flows"
for iv in $INTERVALS; do
  for impl in $ROUTERS; do
    router_start "$impl" "$iv"
    speakers_start "$iv"
    if ! wait_until 40 all_up "$iv"; then
      it_log "$impl ${iv} ms: sessions not all up in 40 s"
      printf '%s\t%s\t-\t-\t-\t-\t-\tnot-up\t-\t-\n' "$impl" "$iv" >>"$RESULTS"
      run_stop
      continue
    fi
    sleep 1
    for rep in $(seq 1 "$REPS"); do one_cut "$impl" "$iv" "$rep"; done
    run_stop
  done
done

report_print
((WRITE_DOCS)) && report_write_docs "$BB_REPO/docs/benchmarks.md"
exit 0
