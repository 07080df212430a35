#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# BFD timing accuracy (issue 11, item 3: "timing accurate enough for 10 ms x 3 sessions on this
# machine"). Two network namespaces joined by a veth pair with three address pairs; in each, a
# vipd whose bgpd.conf has only a `bfd` node with three single hop sessions (`peer B
# local-address A`) at transmit-interval 10, receive-interval 10, detect-multiplier 3 (30 ms
# detection time). Once all six sessions are Up, tcpdump on one end of the veth records every
# Control packet (UDP 3784, nanosecond kernel timestamps) for DURATION seconds; analyze.py
# prints the distribution of the gaps between consecutive packets of each direction of each
# session. RFC 5880 §6.8.7 jitter makes the intended gap uniform in 7.5-10 ms; a gap above 10 ms
# is timer lateness, and a gap of 30 ms or more would let the peer's detection time expire.
# Whether any did expire is read from both daemons' `show bfd peers counters` (session-down
# events) and logs.
#
# Usage: bench/bfd-jitter/run.sh [--duration S] [--sessions N] [--interval MS] [--peer vipd|frr]
#            [--build-dir DIR] [--keep]
#   --peer frr  the second namespace runs FRR bfdd (with the same peers) instead of vipd
# Needs root, tcpdump, python3, vipd built (cmake --build build --target vipd vipctl).
set -uo pipefail

BJ_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BJ_REPO=$(cd "$BJ_HERE/../.." && pwd)
DURATION=20
SESSIONS=3
INTERVAL=10
PEER=vipd
while (($#)); do
  case $1 in
    --duration) DURATION=$2; shift 2 ;;
    --sessions) SESSIONS=$2; shift 2 ;;
    --interval) INTERVAL=$2; shift 2 ;;
    --peer) PEER=$2; shift 2 ;;
    --build-dir) export VIPD_BIN_DIR; VIPD_BIN_DIR="$(cd "$2" && pwd)/bin"; shift 2 ;;
    --keep) export IT_KEEP_DIR=1; shift ;;
    -h | --help) awk 'NR == 1 || /^# shellcheck/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
export VIPD_BIN_DIR=${VIPD_BIN_DIR:-$BJ_REPO/build/bin}

# shellcheck source=../../tests/interop/lib.sh
source "$BJ_REPO/tests/interop/lib.sh"
it_init bfd_jitter
it_require_vipd
command -v tcpdump >/dev/null || it_die "tcpdump not installed"
[[ $PEER == vipd || -x /usr/lib/frr/bfdd ]] || it_die "FRR bfdd not installed (package frr)"

NS_A="vbj-a-${IT_TAG}"
NS_B="vbj-b-${IT_TAG}"
it_ns_new "$NS_A"
it_ns_new "$NS_B"
ip -n "$NS_A" link add veth0 type veth peer name veth1 netns "$NS_B" || it_die "veth"
addr() { echo "10.201.$1.$2"; }  # session index, side (1: A, 2: B); only inside the namespaces
for ((i = 0; i < SESSIONS; i++)); do
  ip -n "$NS_A" addr add "$(addr "$i" 1)/24" dev veth0
  ip -n "$NS_B" addr add "$(addr "$i" 2)/24" dev veth1
done
ip -n "$NS_A" link set veth0 up
ip -n "$NS_B" link set veth1 up

write_conf() {  # SIDE(1|2) FILE
  local me=$1 other=$((3 - $1)) i
  {
    echo "bfd"
    echo " profile bench"
    echo "  detect-multiplier 3"
    echo "  transmit-interval $INTERVAL"
    echo "  receive-interval $INTERVAL"
    echo " exit"
    for ((i = 0; i < SESSIONS; i++)); do
      echo " peer $(addr "$i" "$other") local-address $(addr "$i" "$me")"
      echo "  profile bench"
      echo " exit"
    done
    echo "exit"
  } >"$2"
}

start_vipd() {  # NAME NS
  local name=$1 ns=$2 conf="$IT_DIR/$1.conf"
  write_conf "$([[ $name == a ]] && echo 1 || echo 2)" "$conf"
  ip netns exec "$ns" "$VIPD_BIN_DIR/vipd" --foreground --bgp-config "$conf" \
    --socket "$IT_DIR/$name.sock" --log-file "$IT_DIR/$name.log" --pid-file "$IT_DIR/$name.pid" \
    >>"$IT_DIR/$name.stdout" 2>&1 &
  IT_PIDS+=("$!")
  it_add_log "vipd $name" "$IT_DIR/$name.log"
  wait_until 10 "$VIPD_BIN_DIR/vipctl" --socket "$IT_DIR/$name.sock" show bfd peers json ||
    it_die "vipd $name did not answer"
}

start_frr() {  # in NS_B
  local d="$IT_DIR/frr"
  mkdir -p "$d" && chmod 777 "$d"
  { echo "hostname bench-frr"; write_conf 2 /dev/stdout; } >"$d/bfdd.conf"
  ip netns exec "$NS_B" /usr/lib/frr/bfdd -f "$d/bfdd.conf" -i "$d/bfdd.pid" \
    -z "$d/zserv.api" --vty_socket "$d" --bfdctl "$d/bfdd.sock" -P 0 -u frr -g frr \
    --log "file:$d/bfdd.log" >"$d/bfdd.stdout" 2>&1 &
  IT_PIDS+=("$!")
  it_add_log "bfdd" "$d/bfdd.log"
}

vipctl_a() { "$VIPD_BIN_DIR/vipctl" --socket "$IT_DIR/a.sock" "$@"; }
vipctl_b() { "$VIPD_BIN_DIR/vipctl" --socket "$IT_DIR/b.sock" "$@"; }
frr_b() { vtysh --vty_socket "$IT_DIR/frr" -d bfdd -c "$1" 2>/dev/null; }
peers_json_b() { if [[ $PEER == vipd ]]; then vipctl_b "$@"; else frr_b "$*"; fi; }
all_up() {
  [[ "$(vipctl_a show bfd peers json | jq '[.[] | select(.status == "up")] | length')" == "$SESSIONS" ]] &&
    [[ "$(peers_json_b show bfd peers json | jq '[.[] | select(.status == "up")] | length')" == "$SESSIONS" ]]
}
downs() {  # total session-down events of both sides
  local a b
  a=$(vipctl_a show bfd peers counters json | jq '[.[]."session-down"] | add')
  b=$(peers_json_b show bfd peers counters json | jq '[.[]."session-down"] | add')
  echo $((a + b))
}

start_vipd a "$NS_A"
if [[ $PEER == vipd ]]; then start_vipd b "$NS_B"; else start_frr; fi
wait_until 30 all_up || it_die "the $SESSIONS sessions did not come up on both sides"
sleep 2  # past the Poll Sequences that follow Up (§6.8.3)
downs_before=$(downs)

it_log "capturing ${DURATION} s of $SESSIONS sessions at ${INTERVAL} ms x 3 (vipd <-> $PEER)"
ip netns exec "$NS_A" tcpdump -i veth0 -n -s 96 --time-stamp-precision=nano -w "$IT_DIR/bfd.pcap" \
  udp port 3784 2>"$IT_DIR/tcpdump.log" &
tcpdump_pid=$!
IT_PIDS+=("$tcpdump_pid")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$DURATION"
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
downs_after=$(downs)

echo "## BFD timing: $SESSIONS sessions, ${INTERVAL} ms x 3, vipd <-> $PEER, ${DURATION} s"
echo "host: $(nproc) CPUs, load average $load_before (start) / $load_after (end); $(uname -r)"
python3 "$BJ_HERE/analyze.py" "$IT_DIR/bfd.pcap" --interval "$INTERVAL" --mult 3 \
  --label-a "vipd (A)" --label-b "$PEER (B)"
expired=$((downs_after - downs_before))
echo "detection-time expiries (session-down events, both sides): $expired"
grep -h "Up -> Down" "$IT_DIR"/*.log 2>/dev/null | tail -n 5
check "no detection time expired" test "$expired" -eq 0
it_finish
