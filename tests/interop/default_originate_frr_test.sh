#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `neighbor A default-originate [route-map NAME]` against FRR: vipd (AS 65000) has no default
# route; FRR node "dst" (AS 65002) is sent 0.0.0.0/0 with AS_PATH 65000 and vipd's next hop.
# Then the conditional form: the default exists while the route map matches a route vipd
# learns from FRR node "src" (AS 65001); src withdraws it -> dst loses the default; src
# announces it again -> dst gets it back. `no neighbor A default-originate` withdraws it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=peer_suite.sh
source "$here/peer_suite.sh"

suite_setup default_originate_frr frr src dst
s4=${NODE_V4[src]} d4=${NODE_V4[dst]} r4=$ROUTER_V4
uplink=10.112.0.0/24

vipd_conf "$IT_DIR/bgpd.conf" 65000 "timers bgp 1 3" \
  "neighbor $s4 remote-as 65001" \
  "neighbor $d4 remote-as 65002" "neighbor $d4 default-originate"
vipd_start "$IT_DIR/bgpd.conf"
peer_start frr src --as 65001 --keepalive 1 --hold 3 --neighbor "$r4" 65000 \
  --prefix "$uplink" --prefix 10.112.1.0/24
peer_start frr dst --as 65002 --keepalive 1 --hold 3 --neighbor "$r4" 65000

check "src Established" wait_until 30 vipd_established "$s4"
check "dst Established" wait_until 30 vipd_established "$d4"
check_routes "dst holds vipd's originated default (AS_PATH 65000, next hop vipd) and src's routes" \
  dst "$r4" -n "0.0.0.0/0 path=65000 origin=igp nh=$r4" \
  "$uplink path=65000,65001 origin=igp nh=$s4" "10.112.1.0/24 path=65000,65001 origin=igp nh=$s4"
check "vipd shows the default among dst's advertised routes" \
  eval "vipctl show ip bgp neighbors $d4 advertised-routes json |
    jq -e '.advertisedRoutes[\"0.0.0.0/0\"] != null' >/dev/null"

# The conditional form: a default while the map matches src's uplink prefix.
vipd_configure "ip prefix-list UPLINK seq 5 permit $uplink" \
  "route-map HAVE-UPLINK permit 10" "match ip address prefix-list UPLINK" "exit" \
  "router bgp 65000" "neighbor $d4 default-originate route-map HAVE-UPLINK" >/dev/null
check "the conditional default is written back" \
  eval "vipctl show running-config | grep -qx '  neighbor $d4 default-originate route-map HAVE-UPLINK'"
check_routes "with the uplink route present, dst keeps the default" dst "$r4" -n \
  "0.0.0.0/0 path=65000 origin=igp nh=$r4" \
  "$uplink path=65000,65001 origin=igp nh=$s4" "10.112.1.0/24 path=65000,65001 origin=igp nh=$s4"
frr_vtysh src "configure terminal" "router bgp 65001" "address-family ipv4 unicast" \
  "no network $uplink" >/dev/null
check_routes "src withdraws the uplink route: dst loses the default" dst "$r4" -n \
  "10.112.1.0/24 path=65000,65001 origin=igp nh=$s4"
frr_vtysh src "configure terminal" "router bgp 65001" "address-family ipv4 unicast" \
  "network $uplink" >/dev/null
check_routes "src announces it again: the default is back" dst "$r4" -n \
  "0.0.0.0/0 path=65000 origin=igp nh=$r4" \
  "$uplink path=65000,65001 origin=igp nh=$s4" "10.112.1.0/24 path=65000,65001 origin=igp nh=$s4"
vipd_configure "router bgp 65000" "no neighbor $d4 default-originate" >/dev/null
check_routes "no neighbor default-originate: dst loses the default" dst "$r4" -n \
  "$uplink path=65000,65001 origin=igp nh=$s4" "10.112.1.0/24 path=65000,65001 origin=igp nh=$s4"
it_finish
