#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Route propagation policy against GoBGP speakers, every result read from the receiving
# speaker's own RIB (`gobgp neighbor 10.0.0.1 adj-in`). vipd is AS 65000, router-id 10.0.0.1:
#   c1 10.0.0.2, c2 10.0.0.3   iBGP, route-reflector-client   10.11.0.0/24, 10.12.0.0/24
#   n3 10.0.0.4, n4 10.0.0.5   iBGP, not clients             10.13.0.0/24, 10.14.0.0/24
#   rs 10.0.0.6                AS 65006, route-server-client  10.16.0.0/24 (MED 60)
#   e7 10.0.0.7                AS 65007, prefix-list in/out   10.17.0.0/24 (MED 50), 10.17.1.0/24
#   e8 10.0.0.8                AS 65008, maximum-prefix 2     10.18.0-2.0/24
#   b9 10.0.0.9                AS 65009, BIRD (GoBGP cannot send a ROUTE-REFRESH)
# and vipd originates `network 10.200.0.0/24`. Checks:
#   - RFC 4456: client->client and non-client->client reflected, client->non-client reflected,
#     non-client->non-client not; ORIGINATOR_ID and CLUSTER_LIST; next hops unchanged.
#   - RFC 7947 route server client: AS_PATH without 65000, next hop and MED unchanged.
#   - prefix-list out and in, and removing them live (no ROUTE-REFRESH needed for `in`).
#   - RFC 4271 §5.1.4: a neighbor AS's MED is not passed to another AS.
#   - maximum-prefix: Cease/Maximum Number of Prefixes Reached (6/1), the session stays down.
#   - `bgp ebgp-requires-policy` (RFC 8212) live: eBGP without policy gets and gives nothing.
#   - `next-hop-self` live, towards a non-client: eBGP-learned and own routes, not reflected ones.
#   - ROUTE-REFRESH from BIRD (`reload in`): vipd sends its Adj-RIB-Out again.
#   - recursive next hop (zebra's recursive resolution): c1 announces 10.21.0.0/24 with next hop
#     10.255.0.1, on no connected network but on a static kernel route via c1: the kernel route
#     goes via c1 (the static route's gateway), and `show ip route` shows it `(recursive)`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export IT_V4_NET=10.0.0 IT_V6_NET=fd00::
# shellcheck source=lib.sh
source "$here/lib.sh"
it_init routing
it_require_vipd
for tool in gobgpd bird; do command -v "$tool" >/dev/null || it_die "$tool not installed (scripts/install-deps.sh)"; done

topo_create
for n in c1 c2 n3 n4 rs e7 e8 b9; do topo_add_node "$n"; done
c1=${NODE_V4[c1]} c2=${NODE_V4[c2]} n3=${NODE_V4[n3]} n4=${NODE_V4[n4]}
rs=${NODE_V4[rs]} e7=${NODE_V4[e7]} e8=${NODE_V4[e8]} b9=${NODE_V4[b9]} r=$ROUTER_V4

conf=$IT_DIR/bgpd.conf
cat >"$conf" <<EOF
ip prefix-list E7-IN seq 5 deny 10.17.1.0/24
ip prefix-list E7-IN seq 10 permit 0.0.0.0/0 le 32
ip prefix-list E7-OUT seq 5 permit 10.16.0.0/24
router bgp 65000
 bgp router-id $r
 timers bgp 1 3
 no bgp network import-check
 neighbor $c1 remote-as 65000
 neighbor $c2 remote-as 65000
 neighbor $n3 remote-as 65000
 neighbor $n4 remote-as 65000
 neighbor $rs remote-as 65006
 neighbor $e7 remote-as 65007
 neighbor $e8 remote-as 65008
 neighbor $b9 remote-as 65009
 address-family ipv4 unicast
  network 10.200.0.0/24
  neighbor $c1 route-reflector-client
  neighbor $c2 route-reflector-client
  neighbor $rs route-server-client
  neighbor $e7 prefix-list E7-IN in
  neighbor $e7 prefix-list E7-OUT out
  neighbor $e8 maximum-prefix 2
 exit-address-family
EOF
vipd_start "$conf"

peer_start gobgp c1 --as 65000 --neighbor "$r" 65000 --prefix 10.11.0.0/24
peer_start gobgp c2 --as 65000 --neighbor "$r" 65000 --prefix 10.12.0.0/24
peer_start gobgp n3 --as 65000 --neighbor "$r" 65000 --prefix 10.13.0.0/24
peer_start gobgp n4 --as 65000 --neighbor "$r" 65000 --prefix 10.14.0.0/24
peer_start gobgp rs --as 65006 --neighbor "$r" 65000
gobgp_cli rs global rib add -a ipv4 10.16.0.0/24 origin igp med 60 >/dev/null
peer_start gobgp e7 --as 65007 --neighbor "$r" 65000 --prefix 10.17.1.0/24
gobgp_cli e7 global rib add -a ipv4 10.17.0.0/24 origin igp med 50 >/dev/null
peer_start gobgp e8 --as 65008 --neighbor "$r" 65000 \
  --prefix 10.18.0.0/24 --prefix 10.18.1.0/24 --prefix 10.18.2.0/24

peer_start bird b9 --as 65009 --neighbor "$r" 65000

check "c1 c2 n3 n4 rs e7 b9 Established" \
  wait_until 30 vipd_established_all "$c1" "$c2" "$n3" "$n4" "$rs" "$e7" "$b9"

# check_routes DESCRIPTION NODE [-n] LINE... : the speaker on NODE holds exactly these routes
# from vipd; on failure, what is missing or extra.
check_routes() {
  local desc=$1 node=$2 before=$IT_FAILS
  shift 2
  check "$desc" wait_until 10 peer_routes_are "$node" "$r" "$@"
  ((IT_FAILS == before)) || peer_routes_diff "$node" "$r" "$@"
}

# extra_attrs NODE PREFIX : "originator=A clusters=B,C med=N" of the route from vipd.
extra_attrs() {
  gobgp_cli "$1" neighbor "$r" adj-in -a ipv4 -j | jq -er --arg p "$2" '.[$p][0].attrs as $a |
    "originator=\([$a[] | select(.type == 9) | .value] | first // "-")" +
    " clusters=\([$a[] | select(.type == 10) | .value[]] | join(",") | if . == "" then "-" else . end)" +
    " med=\([$a[] | select(.type == 4) | .metric] | first // "-")"'
}
attrs_are() { [[ "$(extra_attrs "$1" "$2")" == "$3" ]]; }
check_attrs() {
  local desc=$1 before=$IT_FAILS
  check "$desc" wait_until 5 attrs_are "$2" "$3" "$4"
  ((IT_FAILS == before)) || echo "  got: $(extra_attrs "$2" "$3" || echo '(no route)')"
}

ibgp() { echo "$1 path=$2 origin=igp nh=$3 lp=100"; }
own=$(ibgp 10.200.0.0/24 "" "$r")
from_rs=$(ibgp 10.16.0.0/24 65006 "$rs")
from_e7=$(ibgp 10.17.0.0/24 65007 "$e7")

# ----- RFC 4456 route reflection
check_routes "RR client c1: c2's (client) and n3's, n4's (non-clients) reflected, eBGP and own routes; not its own, not e7's denied 10.17.1.0/24" \
  c1 "$(ibgp 10.12.0.0/24 "" "$c2")" "$(ibgp 10.13.0.0/24 "" "$n3")" "$(ibgp 10.14.0.0/24 "" "$n4")" \
  "$from_rs" "$from_e7" "$own"
check_attrs "RR client c1: c2's route has ORIGINATOR_ID c2, CLUSTER_LIST 10.0.0.1" \
  c1 10.12.0.0/24 "originator=$c2 clusters=$r med=-"
check_attrs "RR client c1: n3's route has ORIGINATOR_ID n3, CLUSTER_LIST 10.0.0.1" \
  c1 10.13.0.0/24 "originator=$n3 clusters=$r med=-"
check_attrs "RR client c1: e7's route (eBGP-learned) is not reflected: no ORIGINATOR_ID; its MED 50 kept into iBGP" \
  c1 10.17.0.0/24 "originator=- clusters=- med=50"
check_routes "non-client n3: the clients' routes reflected, not n4's (non-client to non-client)" \
  n3 "$(ibgp 10.11.0.0/24 "" "$c1")" "$(ibgp 10.12.0.0/24 "" "$c2")" "$from_rs" "$from_e7" "$own"

# ----- RFC 7947 route server client, and RFC 4271 §5.1.4 MED
check_routes "RS client rs: AS_PATH without 65000, next hops unchanged" rs -n \
  "10.11.0.0/24 path= origin=igp nh=$c1" "10.12.0.0/24 path= origin=igp nh=$c2" \
  "10.13.0.0/24 path= origin=igp nh=$n3" "10.14.0.0/24 path= origin=igp nh=$n4" \
  "10.17.0.0/24 path=65007 origin=igp nh=$e7" "10.200.0.0/24 path= origin=igp nh=$r"
check_attrs "RS client rs: e7's MED 50 passed unchanged" rs 10.17.0.0/24 "originator=- clusters=- med=50"

# ----- prefix-list out
check_routes "e7 with prefix-list E7-OUT out: only 10.16.0.0/24 (third-party next hop rs)" e7 -n \
  "10.16.0.0/24 path=65000,65006 origin=igp nh=$rs"
check_attrs "e7: rs's MED 60 not passed to another AS" e7 10.16.0.0/24 "originator=- clusters=- med=-"

# ----- maximum-prefix
check "e8 (3 prefixes, maximum-prefix 2): vipd logs %MAXPFXEXCEED" \
  wait_until 10 grep -q "%MAXPFXEXCEED: No. of IPv4 Unicast prefix received from $e8" "$VIPD_LOG"
e8_saw_max_prefix_cease() { grep -i notification "${PEER_LOG[e8]}" | grep -qiE 'code.?6.*subcode.?1|maximum'; }
check "e8: GoBGP received Cease/Maximum Number of Prefixes Reached (6/1)" wait_until 5 e8_saw_max_prefix_cease
check "e8: the session stays down (no restart configured)" never_for 3 vipd_established "$e8"
c1_has_e8_routes() { peer_routes c1 "$r" | grep -q '^10\.18\.'; }
check_not "e8: none of its prefixes is at c1" c1_has_e8_routes

# ----- RFC 8212, live
check "vipctl: bgp ebgp-requires-policy" vipd_configure "router bgp 65000" "bgp ebgp-requires-policy"
check_routes "ebgp-requires-policy: rs (no policy) gets nothing" rs -n
check_routes "ebgp-requires-policy: c1 loses rs's 10.16.0.0/24 (no inbound policy), keeps e7's (prefix-list in)" \
  c1 "$(ibgp 10.12.0.0/24 "" "$c2")" "$(ibgp 10.13.0.0/24 "" "$n3")" "$(ibgp 10.14.0.0/24 "" "$n4")" \
  "$from_e7" "$own"
check "vipctl: no bgp ebgp-requires-policy" vipd_configure "router bgp 65000" "no bgp ebgp-requires-policy"
check "no ebgp-requires-policy: c1 has rs's route back" wait_until 10 peer_has_route c1 "$r" 10.16.0.0/24
check "no ebgp-requires-policy: rs has e7's route back" wait_until 10 peer_has_route rs "$r" 10.17.0.0/24

# ----- removing the prefix lists live
check "vipctl: no neighbor e7 prefix-list E7-OUT out" vipd_configure "router bgp 65000" \
  "address-family ipv4 unicast" "no neighbor $e7 prefix-list E7-OUT out"
check_routes "e7 without out-list: every route, AS_PATH 65000 first, third-party next hops on the subnet" e7 -n \
  "10.11.0.0/24 path=65000 origin=igp nh=$c1" "10.12.0.0/24 path=65000 origin=igp nh=$c2" \
  "10.13.0.0/24 path=65000 origin=igp nh=$n3" "10.14.0.0/24 path=65000 origin=igp nh=$n4" \
  "10.16.0.0/24 path=65000,65006 origin=igp nh=$rs" "10.200.0.0/24 path=65000 origin=igp nh=$r"
check "vipctl: no neighbor e7 prefix-list E7-IN in" vipd_configure "router bgp 65000" \
  "address-family ipv4 unicast" "no neighbor $e7 prefix-list E7-IN in"
check "e7 without in-list: c1 gets 10.17.1.0/24 (from the Adj-RIB-In, no ROUTE-REFRESH)" \
  wait_until 10 peer_has_route c1 "$r" 10.17.1.0/24

# ----- next-hop-self, live, towards a non-client
check "vipctl: neighbor n3 next-hop-self" vipd_configure "router bgp 65000" \
  "address-family ipv4 unicast" "neighbor $n3 next-hop-self"
check_routes "n3 with next-hop-self: eBGP-learned routes via 10.0.0.1, reflected ones unchanged" \
  n3 "$(ibgp 10.11.0.0/24 "" "$c1")" "$(ibgp 10.12.0.0/24 "" "$c2")" "$(ibgp 10.16.0.0/24 65006 "$r")" \
  "$(ibgp 10.17.0.0/24 65007 "$r")" "$(ibgp 10.17.1.0/24 65007 "$r")" "$own"

# ----- ROUTE-REFRESH (RFC 2918) from BIRD
# BIRD's "Import updates" count of received UPDATE entries grows by every route vipd sends again.
bird_updates_received() { bird_show b9 "$r" | awk '/Import updates:/ { print $3; exit }'; }
bird_updates_at_least() { (($(bird_updates_received || echo 0) >= $1)); }
b9_routes=(
  "10.11.0.0/24 path=65000 origin=igp nh=$c1" "10.12.0.0/24 path=65000 origin=igp nh=$c2"
  "10.13.0.0/24 path=65000 origin=igp nh=$n3" "10.14.0.0/24 path=65000 origin=igp nh=$n4"
  "10.16.0.0/24 path=65000,65006 origin=igp nh=$rs" "10.17.0.0/24 path=65000,65007 origin=igp nh=$e7"
  "10.17.1.0/24 path=65000,65007 origin=igp nh=$e7" "10.200.0.0/24 path=65000 origin=igp nh=$r"
)
check_routes "b9 (BIRD) holds vipd's 8 routes" b9 -n "${b9_routes[@]}"
before=$(bird_updates_received || echo 0)
check "b9: birdc reload in (ROUTE-REFRESH)" birdc -s "${PEER_CTL[b9]}" reload in "$(bird_proto_of b9 "$r")"
check "b9: vipd counted the ROUTE-REFRESH" \
  wait_until 5 eval "[[ \$(vipd_neighbor_field $b9 messageStats.routeRefreshRecv) == 1 ]]"
check "b9: vipd answered the ROUTE-REFRESH with its 8 routes again (updates received $before -> +8)" \
  wait_until 10 bird_updates_at_least $((before + 8))
check_routes "b9: still exactly vipd's 8 routes" b9 -n "${b9_routes[@]}"

# ----- recursive next hop: iBGP next hop resolved over a static kernel route
ip -n "$IT_ROUTER_NS" route add 10.255.0.0/16 via "$c1" proto static
gobgp_cli c1 global rib add -a ipv4 10.21.0.0/24 nexthop 10.255.0.1 >/dev/null
recursive_installed() {
  ip -n "$IT_ROUTER_NS" route show 10.21.0.0/24 | grep -qE "via $c1 dev \S+ proto (200|vipd)"
}
check "recursive: 10.21.0.0/24 (next hop 10.255.0.1) in the kernel via $c1, the static route's gateway" \
  wait_until 10 recursive_installed
# The line of the recursive next hop, then the gateway it resolved over, in the FIB.
shows_recursive() {
  vipctl show ip route |
    grep -A1 -F 'B>  10.21.0.0/24 [200/0] via 10.255.0.1 (recursive), ' | tail -n 1 |
    grep -qE "^  \* +via $c1, "
}
before=$IT_FAILS
check "recursive: show ip route has 10.255.0.1 (recursive) then $c1 in the FIB" shows_recursive
((IT_FAILS == before)) || vipctl show ip route >&2
ip -n "$IT_ROUTER_NS" route del 10.255.0.0/16
recursive_gone() { [[ -z "$(ip -n "$IT_ROUTER_NS" route show 10.21.0.0/24)" ]]; }
check "recursive: the static route deleted, 10.21.0.0/24 leaves the kernel" wait_until 10 recursive_gone

it_finish
