#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `redistribute kernel|connected` with route maps against FRR 8.4: vipd (AS 65000, 10.0.0.1)
# redistributes a kernel route of its namespace (`ip route add … proto static`, which zebra
# and vipd call `kernel`), a blackhole route and its connected networks; FRR (AS 65001,
# 10.0.0.2) must receive them with the route maps' MED and communities, ORIGIN incomplete, the
# kernel route's gateway as a third-party next hop (RFC 4271 §5.1.3, shared subnet), and lose
# the kernel route when it is deleted. vipd's own protocol-200 routes are never redistributed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
it_init redistribute
it_require_vipd
command -v /usr/lib/frr/bgpd >/dev/null || it_die "FRR not installed (scripts/install-deps.sh)"

topo_create
topo_add_node f1
f1=${NODE_V4[f1]} r=$ROUTER_V4
# A link with a network of its own: a connected route that is not the session's (a veth pair
# inside the namespace: carrier while both ends are up; no dummy module needed).
ip -n "$IT_ROUTER_NS" link add dum0 type veth peer name dum1
ip -n "$IT_ROUTER_NS" addr add 10.77.0.1/24 dev dum0
ip -n "$IT_ROUTER_NS" link set dum1 up
ip -n "$IT_ROUTER_NS" link set dum0 up
ip -n "$IT_ROUTER_NS" route add blackhole 10.89.0.0/16
ip -n "$IT_ROUTER_NS" route add 10.90.0.0/16 via 10.0.0.9 proto 200  # as if vipd's own

conf=$IT_DIR/bgpd.conf
cat >"$conf" <<EOF2
ip prefix-list KERN seq 5 permit 10.88.0.0/16
route-map RK permit 10
 match ip address prefix-list KERN
 set metric 123
 set community 65000:88
exit
route-map RK permit 20
exit
route-map RC permit 10
 set community 65000:77 65000:78
exit
router bgp 65000
 bgp router-id $r
 timers bgp 1 3
 neighbor $f1 remote-as 65001
 neighbor $f1 timers connect 1
 address-family ipv4 unicast
  redistribute kernel route-map RK
  redistribute connected metric 7 route-map RC
 exit-address-family
EOF2
vipd_start "$conf"
frr_start f1 --as 65001 --neighbor "$r" 65000
check "FRR Established" wait_until 20 vipd_established "$f1"

# frr_attrs PREFIX : "origin=… med=… community=… nh=…" of FRR's path for PREFIX from vipd.
frr_attrs() {
  frr_vtysh f1 "show bgp ipv4 unicast $1 json" | jq -er '.paths[0] |
    "origin=\(.origin | ascii_downcase) med=\(.metric // "-") community=\(.community.string // "-")" +
    " nh=\(.nexthops[0].ip)"'
}
attrs_are() { [[ "$(frr_attrs "$1")" == "$2" ]]; }
check_attrs() {
  local desc=$1 before=$IT_FAILS
  check "$desc" wait_until 10 attrs_are "$2" "$3"
  ((IT_FAILS == before)) || echo "  got: $(frr_attrs "$2" || echo '(no route)')"
}

# Added once the session is up: the change is followed live (the netlink monitor).
ip -n "$IT_ROUTER_NS" route add 10.88.0.0/16 via 10.0.0.9 proto static
check_attrs "kernel route (proto static): MED 123 and 65000:88 from the map, gateway as next hop" \
  10.88.0.0/16 "origin=incomplete med=123 community=65000:88 nh=10.0.0.9"
check_attrs "blackhole route: next hop self, MED the route's metric (0)" \
  10.89.0.0/16 "origin=incomplete med=0 community=- nh=$r"
check_attrs "connected 10.77.0.0/24: metric 7, the map's communities" \
  10.77.0.0/24 "origin=incomplete med=7 community=65000:77 65000:78 nh=$r"
check_attrs "connected 10.0.0.0/24 (the session's network)" \
  10.0.0.0/24 "origin=incomplete med=7 community=65000:77 65000:78 nh=$r"
check_not "vipd's own protocol-200 route is not redistributed" peer_has_route f1 "$r" 10.90.0.0/16

ip -n "$IT_ROUTER_NS" route del 10.88.0.0/16
check "the kernel route deleted: FRR loses 10.88.0.0/16" \
  wait_until 10 eval "! peer_has_route f1 $r 10.88.0.0/16"
ip -n "$IT_ROUTER_NS" link set dum0 down
check "dum0 down: FRR loses 10.77.0.0/24" wait_until 10 eval "! peer_has_route f1 $r 10.77.0.0/24"
check "vipctl: no redistribute connected" vipd_configure "router bgp 65000" \
  "address-family ipv4 unicast" "no redistribute connected"
check "FRR loses 10.0.0.0/24" wait_until 10 eval "! peer_has_route f1 $r 10.0.0.0/24"
check "the blackhole route stays" peer_has_route f1 "$r" 10.89.0.0/16

it_finish
