#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `neighbor A soft-reconfiguration inbound` against FRR: two FRR nodes announce three prefixes
# each to vipd (AS 65000) through the same inbound route map IN: node "plain" (AS 65001) without
# soft-reconfiguration, node "soft" (AS 65002) with it. IN first denies the x.x.2.0/24 prefixes.
#   - IN changed live (it denies the x.x.0.0/24 ones instead): vipd's table follows on both;
#     only plain is sent a ROUTE-REFRESH (RFC 2918: FRR counts it, routeRefreshRecv), soft's
#     routes are re-imported from vipd's Adj-RIB-In. plain's x.x.2.0/24 comes back, which only
#     the refresh can bring: vipd kept nothing of it.
#   - `show ip bgp neighbors A received-routes` answers for soft only.
#   - `clear ip bgp A soft in` refreshes plain and not soft; `clear ip bgp A soft out` sends
#     soft its table again (FRR counts the UPDATEs).
#   - soft-reconfiguration turned on live for plain: exactly one ROUTE-REFRESH, after which
#     received-routes lists its three prefixes, and `clear bgp * soft` refreshes neither.
# No session is reset by any of it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=peer_suite.sh
source "$here/peer_suite.sh"

suite_setup soft_reconfig_frr frr plain soft
p4=${NODE_V4[plain]} s4=${NODE_V4[soft]} r4=$ROUTER_V4

vipd_conf "$IT_DIR/bgpd.conf" 65000 "timers bgp 1 3" \
  "neighbor $p4 remote-as 65001" "neighbor $p4 route-map IN in" \
  "neighbor $s4 remote-as 65002" "neighbor $s4 route-map IN in" \
  "neighbor $s4 soft-reconfiguration inbound"
cat >>"$IT_DIR/bgpd.conf" <<CONF
!
ip prefix-list TWO seq 5 permit 10.131.2.0/24
ip prefix-list TWO seq 10 permit 10.132.2.0/24
ip prefix-list ZERO seq 5 permit 10.131.0.0/24
ip prefix-list ZERO seq 10 permit 10.132.0.0/24
!
route-map IN deny 5
 match ip address prefix-list TWO
route-map IN permit 10
CONF
vipd_start "$IT_DIR/bgpd.conf"
peer_start frr plain --as 65001 --keepalive 1 --hold 3 --neighbor "$r4" 65000 \
  --prefix 10.131.0.0/24 --prefix 10.131.1.0/24 --prefix 10.131.2.0/24
peer_start frr soft --as 65002 --keepalive 1 --hold 3 --neighbor "$r4" 65000 \
  --prefix 10.132.0.0/24 --prefix 10.132.1.0/24 --prefix 10.132.2.0/24

# vipd_prefixes_from NEIGHBOR : the prefixes of vipd's table with a path from NEIGHBOR, sorted,
# on one line.
vipd_prefixes_from() {
  vipctl show ip bgp json | jq -r --arg n "$1" \
    '[.routes | to_entries[] | select(any(.value[]; .peerId == $n)) | .key] | sort | join(" ")'
}
vipd_prefixes_are() { [[ "$(vipd_prefixes_from "$1")" == "$2" ]]; }

# frr_stat NODE FIELD : FRR's messageStats.FIELD for its neighbor vipd (e.g. routeRefreshRecv).
frr_stat() { frr_vtysh "$1" "show bgp neighbors $r4 json" | json_get ".[\"$r4\"].messageStats.$2"; }
frr_stat_is() { [[ "$(frr_stat "$1" "$2")" == "$3" ]]; }
frr_stat_above() { (($(frr_stat "$1" "$2" || echo 0) > $3)); }

# received_own NEIGHBOR AS : the prefixes of vipd's received-routes json from NEIGHBOR with
# AS_PATH AS, its own (FRR also sends vipd's routes back, with 65000 in the path: vipd keeps them
# in the Adj-RIB-In, as FRR does, and drops them on import), sorted, on one line.
received_own() {
  vipctl show ip bgp neighbors "$1" received-routes json | jq -er --arg asn "$2" \
    '[.receivedRoutes | to_entries[] | select(.value.path == $asn) | .key] | sort | join(" ")'
}
received_own_are() { [[ "$(received_own "$1" "$2")" == "$3" ]]; }

check "plain Established" wait_until 30 vipd_established "$p4"
check "soft Established" wait_until 30 vipd_established "$s4"
check "vipd holds plain's 10.131.0.0/24 and 10.131.1.0/24 (IN denies 10.131.2.0/24)" \
  wait_until 15 vipd_prefixes_are "$p4" "10.131.0.0/24 10.131.1.0/24"
check "vipd holds soft's 10.132.0.0/24 and 10.132.1.0/24" \
  wait_until 5 vipd_prefixes_are "$s4" "10.132.0.0/24 10.132.1.0/24"
check "received-routes of soft lists the 3 prefixes it sent (before policy)" \
  received_own_are "$s4" 65002 "10.132.0.0/24 10.132.1.0/24 10.132.2.0/24"
check "received-routes of plain is refused: Inbound soft reconfiguration not enabled" \
  eval "vipctl show ip bgp neighbors $p4 received-routes json |
    jq -e '.warning == \"Inbound soft reconfiguration not enabled\"' >/dev/null"
check_not "received-routes of plain in text fails (vipctl exit status)" \
  vipctl show ip bgp neighbors "$p4" received-routes

conns_p=$(vipd_neighbor_field "$p4" connectionsEstablished || echo "?")
conns_s=$(vipd_neighbor_field "$s4" connectionsEstablished || echo "?")
rr_p=$(frr_stat plain routeRefreshRecv || echo "?")
rr_s=$(frr_stat soft routeRefreshRecv || echo "?")
check "FRR counters read (plain routeRefreshRecv=$rr_p, soft routeRefreshRecv=$rr_s)" \
  eval "[[ $rr_p =~ ^[0-9]+$ && $rr_s =~ ^[0-9]+$ ]]"

# The inbound route map changed live, in one step (a match of the same command replaces the
# old one, as in FRR): it denies the x.x.0.0/24 prefixes instead.
check "vipctl: route-map IN deny 5 matches prefix-list ZERO" \
  vipd_configure "route-map IN deny 5" "match ip address prefix-list ZERO"
check "plain (no soft-reconfiguration): 10.131.2.0/24 back through a ROUTE-REFRESH, 10.131.0.0/24 gone" \
  wait_until 10 vipd_prefixes_are "$p4" "10.131.1.0/24 10.131.2.0/24"
check "soft (soft-reconfiguration): re-imported from the Adj-RIB-In, 10.132.0.0/24 gone" \
  wait_until 5 vipd_prefixes_are "$s4" "10.132.1.0/24 10.132.2.0/24"
check "FRR plain received one ROUTE-REFRESH ($rr_p -> $((rr_p + 1)))" \
  wait_until 5 frr_stat_is plain routeRefreshRecv $((rr_p + 1))
check "FRR soft received no ROUTE-REFRESH (stays $rr_s)" frr_stat_is soft routeRefreshRecv "$rr_s"

# FRR's exec commands: `clear ip bgp A soft in|out`.
check "vipctl: clear ip bgp $p4 soft in" vipctl clear ip bgp "$p4" soft in
check "FRR plain received a second ROUTE-REFRESH" \
  wait_until 5 frr_stat_is plain routeRefreshRecv $((rr_p + 2))
check "vipctl: clear ip bgp $s4 soft in (from the Adj-RIB-In)" vipctl clear ip bgp "$s4" soft in
updates_s=$(frr_stat soft updatesRecv || echo 0)
check "vipctl: clear ip bgp $s4 soft out" vipctl clear ip bgp "$s4" soft out
check "FRR soft was sent its table again (updatesRecv above $updates_s)" \
  wait_until 5 frr_stat_above soft updatesRecv "$updates_s"
check "FRR soft still received no ROUTE-REFRESH" frr_stat_is soft routeRefreshRecv "$rr_s"
check "vipd's tables unchanged by the soft clears" \
  eval "vipd_prefixes_are $p4 '10.131.1.0/24 10.131.2.0/24' &&
        vipd_prefixes_are $s4 '10.132.1.0/24 10.132.2.0/24'"

# soft-reconfiguration inbound turned on live for plain: one ROUTE-REFRESH fills its Adj-RIB-In.
check "vipctl: neighbor $p4 soft-reconfiguration inbound" \
  vipd_configure "router bgp 65000" "neighbor $p4 soft-reconfiguration inbound"
check "FRR plain received exactly one more ROUTE-REFRESH" \
  wait_until 5 frr_stat_is plain routeRefreshRecv $((rr_p + 3))
check "received-routes of plain now lists its 3 prefixes" \
  wait_until 5 received_own_are "$p4" 65001 "10.131.0.0/24 10.131.1.0/24 10.131.2.0/24"
check "received-routes of plain in text lists 10.131.0.0/24, which IN denies" \
  eval "vipctl show ip bgp neighbors $p4 received-routes | grep -q '^\*> 10.131.0.0/24 .* 65001 i\$'"
# Both keep an Adj-RIB-In now: `clear bgp * soft` re-applies from it, and sends both their tables.
updates_p=$(frr_stat plain updatesRecv || echo 0)
updates_s=$(frr_stat soft updatesRecv || echo 0)
check "vipctl: clear bgp * soft" vipctl clear bgp '*' soft
check "FRR plain and soft were sent their tables again" \
  eval "wait_until 5 frr_stat_above plain updatesRecv $updates_p &&
        wait_until 5 frr_stat_above soft updatesRecv $updates_s"
check "no further ROUTE-REFRESH to plain (1 s)" holds_for 1 frr_stat_is plain routeRefreshRecv $((rr_p + 3))
check "still none to soft" frr_stat_is soft routeRefreshRecv "$rr_s"
check "no session was reset" \
  eval "[[ \"\$(vipd_neighbor_field $p4 connectionsEstablished)\" == \"$conns_p\" &&
           \"\$(vipd_neighbor_field $s4 connectionsEstablished)\" == \"$conns_s\" ]]"
it_finish
