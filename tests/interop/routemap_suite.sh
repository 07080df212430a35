# shellcheck shell=bash
# Route maps against a real peer (routemap_frr_test.sh, routemap_bird_test.sh): node "src"
# (AS 65001) announces 10.121.0.0/24, 10.121.1.0/24 and 10.121.2.0/24 to vipd (AS 65000),
# which originates 10.200.0.0/24 and passes everything to node "dst" (AS 65002):
#   inbound from src (FROM-SRC): 10.121.2.0/24 denied; 10.121.0.0/24 gets AS 65099 prepended
#     and LOCAL_PREF 250; the rest passes unchanged;
#   outbound to dst (TO-DST): vipd's own 10.200.0.0/24 gets `set as-path prepend 65000 65000`,
#     10.121.1.0/24 `set origin incomplete`, the rest passes.
# What dst holds is read from dst's own CLI. Then two live changes, neither resetting a
# session: the outbound map's prepend becomes one AS (dst's path follows), and the inbound map
# is removed from src (10.121.2.0/24 reaches dst, 10.121.0.0/24 loses the prepend).

# run_routemap_suite TYPE
run_routemap_suite() {
  local type=$1
  suite_setup "routemap_$type" "$type" src dst
  local s4=${NODE_V4[src]} d4=${NODE_V4[dst]} r4=$ROUTER_V4

  vipd_conf "$IT_DIR/bgpd.conf" 65000 "timers bgp 1 3" "no bgp network import-check" \
    "neighbor $s4 remote-as 65001" "neighbor $s4 route-map FROM-SRC in" \
    "neighbor $d4 remote-as 65002" "neighbor $d4 route-map TO-DST out" \
    "network 10.200.0.0/24"
  cat >>"$IT_DIR/bgpd.conf" <<CONF
!
ip prefix-list OWN seq 5 permit 10.200.0.0/24
ip prefix-list P0 seq 5 permit 10.121.0.0/24
ip prefix-list P1 seq 5 permit 10.121.1.0/24
ip prefix-list P2 seq 5 permit 10.121.2.0/24
!
route-map FROM-SRC deny 5
 match ip address prefix-list P2
route-map FROM-SRC permit 10
 match ip address prefix-list P0
 set as-path prepend 65099
 set local-preference 250
route-map FROM-SRC permit 20
!
route-map TO-DST permit 10
 match ip address prefix-list OWN
 set as-path prepend 65000 65000
route-map TO-DST permit 20
 match ip address prefix-list P1
 set origin incomplete
route-map TO-DST permit 30
CONF
  vipd_start "$IT_DIR/bgpd.conf"
  peer_start "$type" src --as 65001 --keepalive 1 --hold 3 --neighbor "$r4" 65000 \
    --prefix 10.121.0.0/24 --prefix 10.121.1.0/24 --prefix 10.121.2.0/24
  peer_start "$type" dst --as 65002 --keepalive 1 --hold 3 --neighbor "$r4" 65000

  check "$type src Established" wait_until 30 vipd_established "$s4"
  check "$type dst Established" wait_until 30 vipd_established "$d4"
  SUITE_T_ROUTES=15
  ((IT_FAILS == 0)) || SUITE_T_ROUTES=2
  check "$type vipd accepted 2 of src's 3 prefixes (10.121.2.0/24 denied inbound)" \
    wait_until "$SUITE_T_ROUTES" vipd_pfx_is "$s4" 2
  check "$type inbound set local-preference 250 on 10.121.0.0/24 (vipd's table)" \
    eval "vipctl show ip bgp json | jq -e '.routes[\"10.121.0.0/24\"][0].locPrf == 250' >/dev/null"
  check_routes "$type dst holds the maps' result: own prefix prepended twice, 65099 prepended inbound, origin incomplete, 10.121.2.0/24 absent" \
    dst "$r4" -n \
    "10.200.0.0/24 path=65000,65000,65000 origin=igp nh=$r4" \
    "10.121.0.0/24 path=65000,65099,65001 origin=igp nh=$s4" \
    "10.121.1.0/24 path=65000,65001 origin=incomplete nh=$s4"

  local conns_s conns_d
  conns_s=$(vipd_neighbor_field "$s4" connectionsEstablished || echo "?")
  conns_d=$(vipd_neighbor_field "$d4" connectionsEstablished || echo "?")
  check "$type vipctl: the outbound map's prepend becomes one AS" \
    vipd_configure "route-map TO-DST permit 10" "set as-path prepend 65000"
  check_routes "$type dst: own prefix now prepended once (re-advertised at once)" dst "$r4" -n \
    "10.200.0.0/24 path=65000,65000 origin=igp nh=$r4" \
    "10.121.0.0/24 path=65000,65099,65001 origin=igp nh=$s4" \
    "10.121.1.0/24 path=65000,65001 origin=incomplete nh=$s4"
  check "$type vipctl: no neighbor $s4 route-map FROM-SRC in" \
    vipd_configure "router bgp 65000" "no neighbor $s4 route-map FROM-SRC in"
  check_routes "$type dst: without the inbound map 10.121.2.0/24 arrives and 10.121.0.0/24 loses 65099" \
    dst "$r4" -n \
    "10.200.0.0/24 path=65000,65000 origin=igp nh=$r4" \
    "10.121.0.0/24 path=65000,65001 origin=igp nh=$s4" \
    "10.121.1.0/24 path=65000,65001 origin=incomplete nh=$s4" \
    "10.121.2.0/24 path=65000,65001 origin=igp nh=$s4"
  check "$type no session was reset by the policy changes" \
    eval "[[ \"\$(vipd_neighbor_field $s4 connectionsEstablished)\" == \"$conns_s\" &&
             \"\$(vipd_neighbor_field $d4 connectionsEstablished)\" == \"$conns_d\" ]]"
}
