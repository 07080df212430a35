#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The BFD echo function (RFC 5880 §6.4, RFC 5881 §4) between vipd and FRR bfdd, both with
# `echo-mode` and 20 ms echoes over Control packets at 300 ms x 3, BGP on top:
#  - the sessions come Up and start echoing: echo counters rise on both sides (each side's IPv4
#    echoes go to the other's link-layer address from and to its own IP address, and the other
#    side's kernel forwards them back, so both namespaces forward IPv4 here);
#  - vipd shows FRR's fields (echo-transmit-interval, remote-echo-receive-interval, RTT);
#  - the node's link is cut: vipd goes Down with "echo function failed" within the echo
#    detection time (3 x 20 ms = 60 ms) plus a margin, far before the Control detection time
#    (900 ms); FRR goes Down too; the link restored, both come back and echo again.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

it_init bfd_echo_frr
[[ -x /usr/lib/frr/bfdd ]] || it_die "FRR bfdd not installed (package frr)"
topo_create
NODE=n1
topo_add_link_node "$NODE" 192.168.12.11 192.168.12.1 fd00:12::11 fd00:12::1
NODE_ADDR=192.168.12.11
ROUTER_ADDR=192.168.12.1
ECHO_MS=20
ECHO_DETECT_MS=$((3 * ECHO_MS))
CONTROL_DETECT_MS=900
MARGIN_MS=${BFD_MARGIN_MS:-100}

# Echoes are looped by the peer's forwarding plane (FRR's design): IPv4 forwarding in both of
# this test's namespaces, and no ICMP redirects for the hairpinned echoes.
for ns in "$IT_ROUTER_NS" "${NODE_NS[$NODE]}"; do
  ns_run "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
    net.ipv4.conf.default.send_redirects=0 >/dev/null
  for dev in $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ns_run "$ns" sysctl -qw "net.ipv4.conf.$dev.send_redirects=0" >/dev/null 2>&1 || true
  done
done

cat >"$IT_DIR/bgpd.conf" <<CONF
bgp no-rib
router bgp 64512
 bgp router-id $ROUTER_ADDR
 neighbor $NODE_ADDR remote-as 64513
 neighbor $NODE_ADDR timers 10 30
 neighbor $NODE_ADDR timers connect 1
 neighbor $NODE_ADDR bfd profile fast
exit
!
bfd
 profile fast
  transmit-interval 300
  receive-interval 300
  echo-mode
  echo transmit-interval $ECHO_MS
  echo receive-interval $ECHO_MS
 exit
 !
exit
!
CONF
vipd_start "$IT_DIR/bgpd.conf"
FRR_BFD_INTERVAL=300 peer_start frr "$NODE" --as 64513 --neighbor "$ROUTER_ADDR" 64512 \
  --keepalive 10 --hold 30 --bfd fast
# lib.sh starts bfdd without echo; FRR takes these lines live (bfdd_cli.c).
frr_bfdd "$NODE" "configure terminal" "bfd" "profile fast" "echo-mode" \
  "echo transmit-interval $ECHO_MS" "echo receive-interval $ECHO_MS" >/dev/null

vipd_bfd() { vipctl show bfd peers json | json_get ".[] | select(.peer == \"$NODE_ADDR\") | $1"; }
vipd_cnt() { vipctl show bfd peers counters json | json_get ".[] | select(.peer == \"$NODE_ADDR\") | $1"; }
frr_bfd() { frr_bfdd "$NODE" "show bfd peers json" | json_get ".[] | select(.peer == \"$ROUTER_ADDR\") | $1"; }
frr_cnt() { frr_bfdd "$NODE" "show bfd peers counters json" | json_get ".[] | select(.peer == \"$ROUTER_ADDR\") | $1"; }
vipd_bfd_is() { [[ "$(vipd_bfd "$1")" == "$2" ]]; }
frr_bfd_is() { [[ "$(frr_bfd "$1")" == "$2" ]]; }
more_than() { local v; v=$("$1" "$2"); [[ -n "$v" && "$v" -gt "$3" ]]; }

echo "== sessions come up and echo"
check "BGP Established both ways" wait_until 30 both_established "$NODE" "$NODE_ADDR" "$ROUTER_ADDR"
check "vipd's BFD session is up" wait_until 15 vipd_bfd_is .status up
check "FRR's BFD session is up" wait_until 15 frr_bfd_is .status up
check "vipd sees FRR's echo receive interval" wait_until 10 vipd_bfd_is '."remote-echo-receive-interval"' $ECHO_MS
check "FRR sees vipd's echo receive interval" wait_until 10 frr_bfd_is '."remote-echo-receive-interval"' $ECHO_MS
check "vipd's echo transmit interval" vipd_bfd_is '."echo-transmit-interval"' $ECHO_MS
check "vipd sends echoes" wait_until 10 more_than vipd_cnt '."echo-packet-output"' 50
check "vipd's echoes come back through FRR's forwarding" wait_until 10 more_than vipd_cnt '."echo-packet-input"' 50
check "FRR sends echoes" wait_until 10 more_than frr_cnt '."echo-packet-output"' 50
check "FRR's echoes come back through vipd's namespace" wait_until 10 more_than frr_cnt '."echo-packet-input"' 50
in1=$(vipd_cnt '."echo-packet-input"')
sleep 2
in2=$(vipd_cnt '."echo-packet-input"')
it_log "vipd echo input: $in1 -> $in2 in 2 s"
check "vipd's echo input keeps rising (>= 50/s at ${ECHO_MS} ms)" test $((in2 - in1)) -ge 100
check "sessions stay up" holds_for 2 vipd_bfd_is .status up
it_log "vipd RTT: $(vipd_bfd '."rtt-min"')/$(vipd_bfd '."rtt-avg"')/$(vipd_bfd '."rtt-max"') usec"
check "vipd measures the echo round trip" more_than vipd_bfd '."rtt-max"' 0
text_has_echo_lines() {
  vipctl show bfd peers | grep -q "Echo transmission interval: ${ECHO_MS}ms" &&
    vipctl show bfd peers counters | grep -Eq 'Echo packet input: [1-9][0-9]* packets'
}
check "show bfd peers text has FRR's echo lines" text_has_echo_lines

echo "== link cut"
cut_ms=$(date +%s%3N)
ip -n "${NODE_NS[$NODE]}" link set eth0 down
check "vipd's BFD goes down" wait_until 5 vipd_bfd_is .status down
check "vipd's diagnostic: echo function failed" vipd_bfd_is .diagnostic "echo function failed"
down_line=$(grep -a "BFD peer $NODE_ADDR: Up -> Down" "$VIPD_LOG" | tail -n 1)
down_ms=$(date -d "$(cut -c1-23 <<<"$down_line")" +%s%3N)
detected=$((down_ms - cut_ms))
it_log "vipd detected the cut after ${detected} ms (echo detection ${ECHO_DETECT_MS} ms, control ${CONTROL_DETECT_MS} ms)"
echo "MEASURED: vipd BFD Down ${detected} ms after the link cut (echo 20 ms x 3, control 300 ms x 3)"
check "within the echo detection time + ${MARGIN_MS} ms" test "$detected" -le $((ECHO_DETECT_MS + MARGIN_MS))
check "BGP neighbor down at vipd" wait_until 2 vipd_not_established "$NODE_ADDR"
check "FRR's BFD goes down" wait_until 5 frr_bfd_is .status down
check "FRR's diagnostic: echo function failed" frr_bfd_is .diagnostic "echo function failed"

echo "== link restored"
ip -n "${NODE_NS[$NODE]}" link set eth0 up
check "BFD Up again" wait_until 20 vipd_bfd_is .status up
out_before=$(vipd_cnt '."echo-packet-input"')
check "echoes flow again" wait_until 10 more_than vipd_cnt '."echo-packet-input"' $((out_before + 50))
check "BGP Established again" wait_until 40 both_established "$NODE" "$NODE_ADDR" "$ROUTER_ADDR"

it_finish
