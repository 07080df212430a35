#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# vipd's BFD against FRR bfdd (RFC 5880/5881 single hop), with BGP on top on both sides
# (`neighbor A bfd profile fast`; FRR's bgpd registers with bfdd through zebra):
#  - the sessions come Up, FRR's `show bfd peers json` and vipd's agree;
#  - timers changed live on both sides (vipd: SIGHUP, FRR: vtysh) from 300 ms to 50 ms: Poll
#    sequences (RFC 5880 §6.5), the sessions stay Up;
#  - the node's link is cut (`ip link set down` on its veth): vipd's BFD goes Down within the
#    detection time (50 ms x 3) plus a margin and its BGP session to the node goes down with
#    Cease/BFD Down (RFC 9384) at the same moment; FRR's BFD session goes Down too.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

it_init bfd_frr
[[ -x /usr/lib/frr/bfdd ]] || it_die "FRR bfdd not installed (package frr)"
topo_create
NODE=n1
topo_add_link_node "$NODE" 192.168.12.11 192.168.12.1 fd00:12::11 fd00:12::1
NODE_ADDR=192.168.12.11
ROUTER_ADDR=192.168.12.1
# The detection time with 50 ms x 3 and the margin the test allows for scheduling on a loaded
# two-core machine.
DETECT_MS=150
MARGIN_MS=${BFD_MARGIN_MS:-100}

write_vipd_conf() {  # INTERVAL_MS
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
  transmit-interval $1
  receive-interval $1
 exit
 !
exit
!
CONF
}

write_vipd_conf 300
vipd_start "$IT_DIR/bgpd.conf"
FRR_BFD_INTERVAL=300 peer_start frr "$NODE" --as 64513 --neighbor "$ROUTER_ADDR" 64512 \
  --keepalive 10 --hold 30 --bfd fast

vipd_bfd() { vipctl show bfd peers json | json_get ".[] | select(.peer == \"$NODE_ADDR\") | $1"; }
frr_bfd() { frr_bfdd "$NODE" "show bfd peers json" | json_get ".[] | select(.peer == \"$ROUTER_ADDR\") | $1"; }
frr_not_established() { ! peer_established "$NODE" "$ROUTER_ADDR"; }
vipd_bfd_is() { [[ "$(vipd_bfd "$1")" == "$2" ]]; }
frr_bfd_is() { [[ "$(frr_bfd "$1")" == "$2" ]]; }

echo "== sessions come up"
check "BGP Established both ways" wait_until 30 both_established "$NODE" "$NODE_ADDR" "$ROUTER_ADDR"
check "vipd's BFD session is up" wait_until 15 vipd_bfd_is .status up
check "FRR's BFD session is up" wait_until 15 frr_bfd_is .status up
check "FRR's session knows vipd's discriminator" \
  bash -c "[[ '$(frr_bfd '."remote-id"')' == '$(vipd_bfd .id)' ]]"
check "vipd sees FRR's 300 ms" vipd_bfd_is '."remote-transmit-interval"' 300
check "FRR sees vipd's 300 ms" frr_bfd_is '."remote-receive-interval"' 300
check "show bfd peers text in FRR's layout" \
  bash -c "'$VIPD_BIN_DIR/vipctl' --socket '$VIPD_SOCK' show bfd peers | grep -q 'Status: up'"

echo "== timers changed live (Poll sequences)"
write_vipd_conf 50
kill -HUP "$VIPD_PID"
frr_bfdd "$NODE" "configure terminal" "bfd" "profile fast" "transmit-interval 50" \
  "receive-interval 50" >/dev/null
check "vipd sends 50 ms" wait_until 10 vipd_bfd_is '."transmit-interval"' 50
check "FRR sees vipd's 50 ms" wait_until 10 frr_bfd_is '."remote-transmit-interval"' 50
check "vipd sees FRR's 50 ms" wait_until 10 vipd_bfd_is '."remote-transmit-interval"' 50
check "sessions stay up through the Polls" holds_for 3 vipd_bfd_is .status up
check "no BFD down event at vipd" \
  bash -c "'$VIPD_BIN_DIR/vipctl' --socket '$VIPD_SOCK' show bfd peers counters json | jq -e '.[0].\"session-down\" == 0' >/dev/null"
check "FRR stays up" frr_bfd_is .status up
check "BGP still Established" both_established "$NODE" "$NODE_ADDR" "$ROUTER_ADDR"

echo "== link cut"
cut_ms=$(date +%s%3N)
ip -n "${NODE_NS[$NODE]}" link set eth0 down
check "vipd's BFD goes down" wait_until 5 vipd_bfd_is .status down
check "vipd's diagnostic: detection time expired" \
  vipd_bfd_is .diagnostic "control detection time expired"
down_line=$(grep -a "BFD peer $NODE_ADDR: Up -> Down" "$VIPD_LOG" | tail -n 1)
down_ms=$(date -d "$(cut -c1-23 <<<"$down_line")" +%s%3N)
detected=$((down_ms - cut_ms))
it_log "vipd detected the cut after ${detected} ms (detection time ${DETECT_MS} ms)"
echo "MEASURED: vipd BFD Down ${detected} ms after the link cut (50 ms x 3)"
check "within the detection time + ${MARGIN_MS} ms" test "$detected" -le $((DETECT_MS + MARGIN_MS))
check "BGP neighbor down at vipd" wait_until 2 vipd_not_established "$NODE_ADDR"
reset=$(vipd_neighbor_field "$NODE_ADDR" lastNotificationReason || true)
it_log "vipd's last reset of $NODE_ADDR: $(vipd_neighbor_field "$NODE_ADDR" lastResetDueTo || true) / $reset"
check "vipd closed BGP with Cease/BFD Down" grep -q "BFD Down" <<<"$reset"
check "vipd's BFD took BGP down at once" grep -qa "BFD peer $NODE_ADDR.*BGP neighbor closed" "$VIPD_LOG"
check "FRR's BFD goes down" wait_until 5 frr_bfd_is .status down
check "FRR's BGP goes down (hold time 30 s, so through BFD)" \
  wait_until 5 frr_not_established

echo "== link restored"
ip -n "${NODE_NS[$NODE]}" link set eth0 up
check "BFD Up again" wait_until 20 vipd_bfd_is .status up
check "BGP Established again" wait_until 40 both_established "$NODE" "$NODE_ADDR" "$ROUTER_ADDR"

it_finish
