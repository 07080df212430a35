#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# vipd's neighbor options against FRR: node "src" (AS 65001) announces 2 prefixes; vipd keeps
# them with `soft-reconfiguration inbound` (received-routes lists what src sent) and passes them
# to node "dst" (AS 65002) with `remove-private-AS all`: dst holds AS_PATH 65000, not
# 65000 65001 (next hop src: a third-party next hop on the shared subnet). Removing the option live re-advertises (no session reset): dst holds 65000 65001.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=peer_suite.sh
source "$here/peer_suite.sh"

suite_setup nbropts_frr frr src dst
s4=${NODE_V4[src]} d4=${NODE_V4[dst]} r4=$ROUTER_V4

vipd_conf "$IT_DIR/bgpd.conf" 65000 "timers bgp 1 3" \
  "neighbor $s4 remote-as 65001" "neighbor $s4 soft-reconfiguration inbound" \
  "neighbor $d4 remote-as 65002" "neighbor $d4 remove-private-AS all"
vipd_start "$IT_DIR/bgpd.conf"
peer_start frr src --as 65001 --keepalive 1 --hold 3 --neighbor "$r4" 65000 \
  --prefix 10.111.0.0/24 --prefix 10.111.1.0/24
peer_start frr dst --as 65002 --keepalive 1 --hold 3 --neighbor "$r4" 65000

check "src Established" wait_until 30 vipd_established "$s4"
check "dst Established" wait_until 30 vipd_established "$d4"
check "vipd pfxRcd from src == 2" wait_until 15 vipd_pfx_is "$s4" 2
check "received-routes lists what FRR sent (2 prefixes, AS_PATH 65001)" \
  eval "vipctl show ip bgp neighbors $s4 received-routes json |
    jq -e '.totalPrefixCounter == 2 and .receivedRoutes[\"10.111.0.0/24\"].path == \"65001\"' >/dev/null"
check "received-routes refused where soft-reconfiguration is off" \
  eval "vipctl show ip bgp neighbors $d4 received-routes json |
    jq -e '.warning == \"Inbound soft reconfiguration not enabled\"' >/dev/null"
check_routes "dst holds src's prefixes with private AS 65001 removed (AS_PATH 65000)" dst "$r4" -n \
  "10.111.0.0/24 path=65000 origin=igp nh=$s4" "10.111.1.0/24 path=65000 origin=igp nh=$s4"
dst_conns=$(vipd_neighbor_field "$d4" connectionsEstablished || echo "?")
vipd_configure "router bgp 65000" "no neighbor $d4 remove-private-AS all" >/dev/null
check_routes "without remove-private-AS, dst holds AS_PATH 65000 65001" dst "$r4" -n \
  "10.111.0.0/24 path=65000,65001 origin=igp nh=$s4" "10.111.1.0/24 path=65000,65001 origin=igp nh=$s4"
check "the change re-advertised without a session reset" \
  test "$dst_conns" == "$(vipd_neighbor_field "$d4" connectionsEstablished || echo "??")"
it_finish
