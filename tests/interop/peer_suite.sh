# shellcheck shell=bash
# The per-peer conformance suite shared by frr_test.sh, bird_test.sh, gobgp_test.sh and
# exabgp_test.sh: vipd (AS 65000) against one peer daemon type, four sessions at once:
#   node "ebgp" (AS 65001): eBGP over IPv4 (10.0.0.2) and over IPv6 (fd00::2)
#   node "ibgp" (AS 65000): iBGP over IPv4 (10.0.0.3) and over IPv6 (fd00::3)
# Each node announces 3 IPv4 prefixes on its IPv4 session and 2 IPv6 prefixes on its IPv6 one.
# Timers: keepalive 1 s, hold 3 s on both sides.

# run_peer_suite TYPE
run_peer_suite() {
  local type=$1
  it_init "$type"
  it_require_vipd
  command -v "${PEER_BINARY[$type]}" >/dev/null || it_die "${PEER_BINARY[$type]} not installed (scripts/install-deps.sh)"
  topo_create
  topo_add_node ebgp
  topo_add_node ibgp
  local e4=${NODE_V4[ebgp]} e6=${NODE_V6[ebgp]} i4=${NODE_V4[ibgp]} i6=${NODE_V6[ibgp]}

  vipd_conf "$IT_DIR/bgpd.conf" 65000 \
    "timers bgp 1 3" \
    "neighbor $e4 remote-as 65001" "neighbor $e4 description ebgp-v4-$type" \
    "neighbor $e6 remote-as 65001" "neighbor $e6 description ebgp-v6-$type" \
    "neighbor $i4 remote-as 65000" "neighbor $i4 description ibgp-v4-$type" \
    "neighbor $i6 remote-as 65000" "neighbor $i6 description ibgp-v6-$type"
  vipd_start "$IT_DIR/bgpd.conf"

  peer_start "$type" ebgp --as 65001 --keepalive 1 --hold 3 \
    --neighbor "$ROUTER_V4" 65000 --neighbor "$ROUTER_V6" 65000 \
    --prefix 10.101.0.0/24 --prefix 10.101.1.0/24 --prefix 10.101.2.0/24 \
    --prefix 2001:db8:101::/48 --prefix 2001:db8:102::/48
  peer_start "$type" ibgp --as 65000 --keepalive 1 --hold 3 \
    --neighbor "$ROUTER_V4" 65000 --neighbor "$ROUTER_V6" 65000 \
    --prefix 10.102.0.0/24 --prefix 10.102.1.0/24 --prefix 10.102.2.0/24 \
    --prefix 2001:db8:201::/48 --prefix 2001:db8:202::/48

  local node addr raddr kind
  local -A label=([$e4]="eBGP IPv4" [$e6]="eBGP IPv6" [$i4]="iBGP IPv4" [$i6]="iBGP IPv6")
  local -A node_of=([$e4]=ebgp [$e6]=ebgp [$i4]=ibgp [$i6]=ibgp)
  local t_up=30
  for addr in "$e4" "$e6" "$i4" "$i6"; do
    check "$type ${label[$addr]} ($addr): vipd reaches Established" wait_until "$t_up" vipd_established "$addr"
    ((IT_FAILS == 0)) || t_up=2
  done
  # If sessions did not come up, the checks that depend on them wait 2 s instead of their
  # full timeout, so that a broken build fails in seconds rather than minutes.
  local t_peer=10 t_pfx=15
  ((IT_FAILS == 0)) || t_peer=2 t_pfx=2
  for addr in "$e4" "$e6" "$i4" "$i6"; do
    node=${node_of[$addr]}
    raddr=$ROUTER_V4
    is_v6 "$addr" && raddr=$ROUTER_V6
    check "$type ${label[$addr]}: $type sees vipd ($raddr) Established" wait_until "$t_peer" peer_established "$node" "$raddr"
  done
  for addr in "$e4" "$e6" "$i4" "$i6"; do
    local want=3
    kind=IPv4
    is_v6 "$addr" && { want=2; kind=IPv6; }
    check "$type ${label[$addr]}: vipd pfxRcd == $want $kind prefixes" wait_until "$t_pfx" vipd_pfx_is "$addr" "$want"
  done
  check "$type eBGP IPv4: negotiated hold time 3000 ms" \
    eval "[[ \"\$(vipd_neighbor_field $e4 bgpTimerHoldTimeMsecs)\" == 3000 ]]"
  check "$type eBGP IPv4: description shown in summary" \
    eval "vipctl show ip bgp summary json | jq -e '.ipv4Unicast.peers[\"$e4\"].desc == \"ebgp-v4-$type\"' >/dev/null"

  # Stability: 8 s = 8 keepalive periods, > 2 hold times; no reset, keepalives counted.
  local -A conns=() rcvd=()
  for addr in "$e4" "$e6" "$i4" "$i6"; do
    conns[$addr]=$(vipd_neighbor_field "$addr" connectionsEstablished || echo "?")
    rcvd[$addr]=$(vipd_msg_rcvd "$addr" || echo 0)
  done
  check "$type all 4 sessions stay Established for 8 s (keepalive 1 s, hold 3 s)" \
    holds_for 8 vipd_established_all "$e4" "$e6" "$i4" "$i6"
  for addr in "$e4" "$e6" "$i4" "$i6"; do
    local c r
    c=$(vipd_neighbor_field "$addr" connectionsEstablished || echo "??")
    r=$(vipd_msg_rcvd "$addr" || echo 0)
    check "$type ${label[$addr]}: no reset during 8 s (connectionsEstablished ${conns[$addr]} -> $c)" \
      test "${conns[$addr]}" == "$c"
    check "$type ${label[$addr]}: keepalives received (msgRcvd ${rcvd[$addr]} -> $r, want +5)" \
      test "$r" -ge $((rcvd[$addr] + 5))
  done

  # SIGTERM: vipd exits 0 after Cease/Administrative Shutdown to every peer.
  local rc=0
  vipd_stop || rc=$?
  check "$type vipd exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
  check "$type eBGP IPv4: $type received Cease/Administrative Shutdown" \
    wait_until "$t_peer" peer_saw_admin_shutdown ebgp "$ROUTER_V4"
}

peer_saw_admin_shutdown() {
  peer_last_error "$1" "$2" | grep -qiE 'admin[a-z]* *shut'
}

declare -gA PEER_BINARY=([frr]=/usr/lib/frr/bgpd [bird]=bird [gobgp]=gobgpd [exabgp]=exabgp)
