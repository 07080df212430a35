# shellcheck shell=bash
# The per-peer conformance suite shared by frr_test.sh, bird_test.sh, gobgp_test.sh and
# exabgp_test.sh: vipd (AS 65000) against one peer daemon type, four sessions at once:
#   node "ebgp" (AS 65001): eBGP over IPv4 (10.0.0.2) and over IPv6 (fd00::2)
#   node "ibgp" (AS 65000): iBGP over IPv4 (10.0.0.3) and over IPv6 (fd00::3)
# Each node announces 3 IPv4 prefixes on its IPv4 session and 2 IPv6 prefixes on its IPv6 one;
# vipd originates `network 10.200.0.0/24` and `network 2001:db8:200::/48`.
# Timers: keepalive 1 s, hold 3 s on both sides.
#
# Route propagation, read from the peer's own CLI/API (peer_routes in lib.sh), exact sets:
#   (every route ORIGIN IGP: `network` routes are IGP, and so are the peers' own)
#   eBGP node: vipd's prefix with AS_PATH 65000 and vipd's session address as next hop, and the
#     iBGP node's prefixes with AS_PATH 65000 and their next hop kept (the iBGP node is on the
#     eBGP node's subnet: a third-party next hop, RFC 4271 §5.1.3).
#   iBGP node: vipd's prefix with an empty AS_PATH, LOCAL_PREF 100, next hop vipd's address, and
#     the eBGP node's prefixes with AS_PATH 65001, LOCAL_PREF 100 and their next hop unchanged.
# Then: the eBGP node stops (its prefixes leave the iBGP node) and starts again (they return);
# `no network 10.200.0.0/24` live withdraws it from both nodes, `network` brings it back.

# suite_setup NAME TYPE NODE... : what every suite with peer daemons of one TYPE starts with:
# it_init NAME, vipd and the TYPE's binary required, the topology with these nodes
# (NODE_V4[node], NODE_V6[node]; vipd at ROUTER_V4, ROUTER_V6).
suite_setup() {
  local name=$1 type=$2 node
  shift 2
  it_init "$name"
  it_require_vipd
  command -v "${PEER_BINARY[$type]}" >/dev/null || it_die "${PEER_BINARY[$type]} not installed (scripts/install-deps.sh)"
  topo_create
  for node in "$@"; do topo_add_node "$node"; done
}

# run_peer_suite TYPE
run_peer_suite() {
  local type=$1
  suite_setup "$type" "$type" ebgp ibgp
  local e4=${NODE_V4[ebgp]} e6=${NODE_V6[ebgp]} i4=${NODE_V4[ibgp]} i6=${NODE_V6[ibgp]}

  vipd_conf "$IT_DIR/bgpd.conf" 65000 \
    "timers bgp 1 3" "no bgp network import-check" \
    "neighbor $e4 remote-as 65001" "neighbor $e4 description ebgp-v4-$type" \
    "neighbor $e6 remote-as 65001" "neighbor $e6 description ebgp-v6-$type" \
    "neighbor $i4 remote-as 65000" "neighbor $i4 description ibgp-v4-$type" \
    "neighbor $i6 remote-as 65000" "neighbor $i6 description ibgp-v6-$type" \
    "network 10.200.0.0/24" "af6 network 2001:db8:200::/48"
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

  # What each peer received from vipd, from the peer's own CLI.
  local r4=$ROUTER_V4 r6=$ROUTER_V6
  SUITE_T_ROUTES=10
  ((IT_FAILS == 0)) || SUITE_T_ROUTES=2
  local ebgp4=("10.200.0.0/24 path=65000 origin=igp nh=$r4"
    "10.102.0.0/24 path=65000 origin=igp nh=$i4" "10.102.1.0/24 path=65000 origin=igp nh=$i4" "10.102.2.0/24 path=65000 origin=igp nh=$i4")
  local ebgp6=("2001:db8:200::/48 path=65000 origin=igp nh=$r6"
    "2001:db8:201::/48 path=65000 origin=igp nh=$i6" "2001:db8:202::/48 path=65000 origin=igp nh=$i6")
  local own_ibgp4=("10.200.0.0/24 path= origin=igp nh=$r4 lp=100")
  local own_ibgp6=("2001:db8:200::/48 path= origin=igp nh=$r6 lp=100")
  local from_ebgp4=("10.101.0.0/24 path=65001 origin=igp nh=$e4 lp=100" "10.101.1.0/24 path=65001 origin=igp nh=$e4 lp=100"
    "10.101.2.0/24 path=65001 origin=igp nh=$e4 lp=100")
  local from_ebgp6=("2001:db8:101::/48 path=65001 origin=igp nh=$e6 lp=100" "2001:db8:102::/48 path=65001 origin=igp nh=$e6 lp=100")
  check_routes "$type eBGP IPv4: $type holds exactly vipd's 10.200.0.0/24 (nh vipd) + the iBGP node's 3 (nh third-party), AS_PATH 65000" \
    ebgp "$r4" -n "${ebgp4[@]}"
  check_routes "$type eBGP IPv6: $type holds exactly vipd's 2001:db8:200::/48 (nh vipd) + the iBGP node's 2 (nh third-party), AS_PATH 65000" \
    ebgp "$r6" -n "${ebgp6[@]}"
  check_routes "$type iBGP IPv4: $type holds exactly vipd's 10.200.0.0/24 (empty AS_PATH, LOCAL_PREF 100) + the eBGP node's 3 (AS_PATH 65001, nh unchanged)" \
    ibgp "$r4" "${own_ibgp4[@]}" "${from_ebgp4[@]}"
  check_routes "$type iBGP IPv6: $type holds exactly vipd's 2001:db8:200::/48 (empty AS_PATH, LOCAL_PREF 100) + the eBGP node's 2 (AS_PATH 65001, nh unchanged)" \
    ibgp "$r6" "${own_ibgp6[@]}" "${from_ebgp6[@]}"

  for addr in "$e4" "$e6" "$i4" "$i6"; do
    raddr=$r4
    is_v6 "$addr" && raddr=$r6
    check "$type ${label[$addr]}: $type received End-of-RIB from vipd" \
      wait_until 5 peer_saw_eor "${node_of[$addr]}" "$raddr"
  done

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

  # RFC 4271 §9.1.2: a route whose AS_PATH holds our own AS is not accepted. FRR sends vipd's
  # routes back to it (FRR does not split-horizon eBGP update groups), with AS_PATH 65001 65000;
  # FRR itself discards such routes on receipt ("DENIED due to: as-path contains our own AS"), so
  # they count neither in pfxRcd nor towards maximum-prefix.
  check "$type eBGP: vipd holds no route whose AS_PATH contains its own AS 65000" vipd_no_own_as_paths

  # The eBGP node goes away: its prefixes leave the iBGP node, vipd's own stay; it comes back:
  # they return, and it gets vipd's table again.
  peer_stop ebgp
  check_routes "$type eBGP node stopped: iBGP IPv4 holds only vipd's 10.200.0.0/24" \
    ibgp "$r4" "${own_ibgp4[@]}"
  check_routes "$type eBGP node stopped: iBGP IPv6 holds only vipd's 2001:db8:200::/48" \
    ibgp "$r6" "${own_ibgp6[@]}"
  peer_restart ebgp
  check "$type eBGP node restarted: vipd has both sessions Established again" \
    wait_until 20 vipd_established_all "$e4" "$e6"
  check_routes "$type eBGP node restarted: iBGP IPv4 has the eBGP node's 3 prefixes back" \
    ibgp "$r4" "${own_ibgp4[@]}" "${from_ebgp4[@]}"
  check_routes "$type eBGP node restarted: iBGP IPv6 has the eBGP node's 2 prefixes back" \
    ibgp "$r6" "${own_ibgp6[@]}" "${from_ebgp6[@]}"
  check_routes "$type eBGP node restarted: it holds vipd's IPv4 table again" ebgp "$r4" -n "${ebgp4[@]}"
  check_routes "$type eBGP node restarted: it holds vipd's IPv6 table again" ebgp "$r6" -n "${ebgp6[@]}"

  # `no network` live: withdrawn from both nodes, the rest stays; `network` brings it back.
  check "$type vipctl: no network 10.200.0.0/24" \
    vipd_configure "router bgp 65000" "no network 10.200.0.0/24"
  check_routes "$type withdrawal: eBGP IPv4 lost 10.200.0.0/24, keeps the iBGP node's 3" \
    ebgp "$r4" -n "${ebgp4[@]:1}"
  check_routes "$type withdrawal: iBGP IPv4 lost 10.200.0.0/24, keeps the eBGP node's 3" \
    ibgp "$r4" "${from_ebgp4[@]}"
  check_routes "$type withdrawal: IPv6 untouched (iBGP node)" ibgp "$r6" "${own_ibgp6[@]}" "${from_ebgp6[@]}"
  check "$type vipctl: network 10.200.0.0/24" \
    vipd_configure "router bgp 65000" "network 10.200.0.0/24"
  check_routes "$type re-announced: eBGP IPv4 has 10.200.0.0/24 again" ebgp "$r4" -n "${ebgp4[@]}"
  check_routes "$type re-announced: iBGP IPv4 has 10.200.0.0/24 again" \
    ibgp "$r4" "${own_ibgp4[@]}" "${from_ebgp4[@]}"

  # SIGTERM: vipd exits 0 after Cease/Administrative Shutdown to every peer.
  local rc=0
  vipd_stop || rc=$?
  check "$type vipd exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
  check "$type eBGP IPv4: $type received Cease/Administrative Shutdown" \
    wait_until "$t_peer" peer_saw_admin_shutdown ebgp "$ROUTER_V4"
}

# check_routes DESCRIPTION NODE NEIGHBOR [-n] LINE... : the peer on NODE holds exactly these
# routes from NEIGHBOR within SUITE_T_ROUTES seconds; on failure, what is missing or extra.
check_routes() {
  local desc=$1 before=$IT_FAILS
  shift
  check "$desc" wait_until "${SUITE_T_ROUTES:-10}" peer_routes_are "$@"
  ((IT_FAILS == before)) || peer_routes_diff "$@"
}

# vipd_no_own_as_paths : no path in vipd's IPv4 or IPv6 table has AS 65000 in its AS_PATH;
# prints the ones that do.
vipd_no_own_as_paths() {
  local fam out looped=()
  for fam in "" ipv6; do
    # shellcheck disable=SC2086  # $fam is empty or one word
    out=$(vipctl show ip bgp $fam json | jq -r '.routes | to_entries[] | .key as $p | .value[] |
      select(.path | split(" ") | index("65000")) | "  looped: \($p) from \(.peerId), AS_PATH \(.path)"') ||
      return 1
    [[ -z "$out" ]] || looped+=("$out")
  done
  ((${#looped[@]} == 0)) || { printf '%s\n' "${looped[@]}"; return 1; }
}

peer_saw_admin_shutdown() {
  peer_last_error "$1" "$2" | grep -qiE 'admin[a-z]* *shut'
}

declare -gA PEER_BINARY=([frr]=/usr/lib/frr/bgpd [bird]=bird [gobgp]=gobgpd [exabgp]=exabgp)
