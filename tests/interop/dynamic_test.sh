#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Dynamic neighbors against FRR: vipd lists no neighbor, only `bgp listen range 10.0.0.0/24
# peer-group K3S`; two FRR speakers (k3s nodes, each its own AS) connect, are accepted with the
# group's settings, and the routes of both are received, installed in the kernel (proto 200)
# and passed on to the other. A node that stops is deleted with its routes (FRR's bgp_stop()).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

it_init dynamic
topo_create
topo_add_node k1
topo_add_node k2
k1=${NODE_V4[k1]}
k2=${NODE_V4[k2]}

conf="$IT_DIR/bgpd.conf"
cat >"$conf" <<CONF
router bgp 65000
 bgp router-id $ROUTER_V4
 neighbor K3S peer-group
 neighbor K3S remote-as external
 neighbor K3S timers 1 3
 bgp listen range ${IT_V4_NET}.0/24 peer-group K3S
 bgp listen limit 10
exit
CONF
vipd_start "$conf"
peer_start frr k1 --as 65101 --neighbor "$ROUTER_V4" 65000 --prefix 10.101.0.0/24
peer_start frr k2 --as 65102 --neighbor "$ROUTER_V4" 65000 --prefix 10.102.0.0/24

check "k1 accepted as a dynamic neighbor and Established" wait_until 20 vipd_established "$k1"
check "k2 accepted as a dynamic neighbor and Established" wait_until 20 vipd_established "$k2"
kernel_route() { ip -n "$IT_ROUTER_NS" route show "$1" | grep -qE 'proto (200|vipd)'; }
check "k1's route installed in the kernel" wait_until 10 kernel_route 10.101.0.0/24
check "k2's route installed in the kernel" wait_until 10 kernel_route 10.102.0.0/24
frr_has() { frr_vtysh "$1" "show ip bgp $2 json" | jq -e '.paths | length > 0' >/dev/null; }
check "k2 receives k1's route through vipd" wait_until 10 frr_has k2 10.101.0.0/24
check "k1 receives k2's route through vipd" wait_until 10 frr_has k1 10.102.0.0/24

summary=$(vipctl show ip bgp summary)
echo "$summary"
check "summary marks k1 with *" grep -q "^\*${k1} " <<<"$summary"
check "summary footer counts 2 of limit 10" grep -q "^2 dynamic neighbor(s), limit 10$" <<<"$summary"
check "neighbors show the peer group" bash -c \
  "'$VIPD_BIN_DIR/vipctl' --socket '$VIPD_SOCK' show ip bgp neighbors $k1 | grep -q 'Member of peer-group K3S'"
check "running config lists no neighbor address" bash -c \
  "! '$VIPD_BIN_DIR/vipctl' --socket '$VIPD_SOCK' show running-config | grep -q 'neighbor $k1'"

peer_stop k1
gone() { ! vipctl show ip bgp summary json | jq -e ".ipv4Unicast.peers[\"$k1\"]" >/dev/null; }
check "k1 deleted when its session ends" wait_until 10 gone
check "k1's route withdrawn from the kernel" wait_until 10 bash -c \
  "[[ -z \$(ip -n '$IT_ROUTER_NS' route show 10.101.0.0/24) ]]"
check "k2 stays Established" vipd_established "$k2"
it_finish
