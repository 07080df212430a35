# shellcheck shell=bash
# vipd's BFD against another daemon's, with BGP on top on both sides (sourced by the bfd_*_test.sh
# scripts after lib.sh):
#   run_bfd_suite frr|bird single|multihop
#  - single hop (RFC 5881): the node on a link of its own to vipd's namespace;
#    multihop (RFC 5883): the node two hops away through a transit namespace, `peer A multihop
#    local-address B` and `neighbor A ebgp-multihop`/`update-source` on vipd, eBGP multihop on
#    the peer (FRR: `neighbor A ebgp-multihop`, BIRD: `multihop` and a bfd `neighbor ... multihop`);
#  - the sessions come Up at 300 ms x 3 and each side sees the other's intervals;
#  - the intervals changed live on both sides (vipd: SIGHUP, FRR: vtysh, BIRD: birdc configure)
#    to 50 ms: Poll sequences (RFC 5880 §6.5), the sessions stay Up, the new intervals show in
#    `show bfd peers json` / `birdc show bfd sessions`;
#  - the node's link is cut (node_link_cut: the wire between them loses every frame, no link
#    state change that either kernel, or BIRD's interface tracking, would see): vipd's BFD goes
#    Down within the
#    detection time (50 ms x 3) plus a margin, BGP with Cease/BFD Down (RFC 9384) at once; the
#    peer's BFD goes Down within the same bound and its BGP follows; both figures are printed;
#  - the link restored: Up and Established again.

# The detection time with 50 ms x 3, and the margin allowed for scheduling on a loaded two-core
# machine (the detection time runs from the last packet received, up to one interval before the
# cut, so the figures are usually below DETECT_MS).
BFD_DETECT_MS=150
BFD_MARGIN_MS=${BFD_MARGIN_MS:-100}

_bfd_write_vipd_conf() {  # INTERVAL_MS
  local mh=() peer=()
  if [[ $BFD_HOPS == multihop ]]; then
    mh=(" neighbor $BFD_NODE_ADDR ebgp-multihop 255" " neighbor $BFD_NODE_ADDR update-source $BFD_ROUTER_ADDR")
    # The session is the neighbor's (same address); the peer block makes it multihop with a
    # local address (RFC 5883 §3 needs one). BIRD sends multihop BFD with its default TTL
    # (64), FRR with 255: the minimum TTL accepted is lowered for BIRD.
    peer=(" peer $BFD_NODE_ADDR multihop local-address $BFD_ROUTER_ADDR" "  profile fast")
    [[ $BFD_PEER == bird ]] && peer+=("  minimum-ttl ${BFD_BIRD_MIN_TTL:-60}")
    peer+=(" exit" " !")
  fi
  {
    echo "bgp no-rib"
    echo "router bgp 64512"
    echo " bgp router-id $BFD_ROUTER_ADDR"
    echo " neighbor $BFD_NODE_ADDR remote-as 64513"
    echo " neighbor $BFD_NODE_ADDR timers 10 30"
    echo " neighbor $BFD_NODE_ADDR timers connect 1"
    printf '%s\n' "${mh[@]}"
    echo " neighbor $BFD_NODE_ADDR bfd profile fast"
    echo "exit"
    echo "!"
    echo "bfd"
    echo " profile fast"
    echo "  transmit-interval $1"
    echo "  receive-interval $1"
    echo " exit"
    echo " !"
    printf '%s\n' "${peer[@]}"
    echo "exit"
    echo "!"
  } | grep -v '^$' >"$IT_DIR/bgpd.conf"
}

vipd_bfd() { vipctl show bfd peers json | json_get ".[] | select(.peer == \"$BFD_NODE_ADDR\") | $1"; }
vipd_bfd_is() { [[ "$(vipd_bfd "$1")" == "$2" ]]; }

# The peer's session, whatever the daemon: peer_bfd_state -> up/down/init, peer_bfd_intervals ->
# "TX DETECT" in ms as the peer uses them (FRR: transmit-interval and
# detect-multiplier x max(receive-interval, remote-transmit-interval); BIRD: its Interval and
# Timeout columns).
peer_bfd_state() {
  case $BFD_PEER in
    frr) _frr_bfd .status ;;
    bird) bird_bfd_session "$BFD_NODE" "$BFD_ROUTER_ADDR" | awk '{ print tolower($1) }' ;;
  esac
}
peer_bfd_intervals() {
  case $BFD_PEER in
    frr) _frr_bfd '"\(."transmit-interval") \(."remote-detect-multiplier" * ([."receive-interval", ."remote-transmit-interval"] | max))"' ;;
    bird) bird_bfd_session "$BFD_NODE" "$BFD_ROUTER_ADDR" | awk '{ printf "%d %d\n", $2 * 1000 + 0.5, $3 * 1000 + 0.5 }' ;;
  esac
}
_frr_bfd() { frr_bfdd "$BFD_NODE" "show bfd peers json" | json_get ".[] | select(.peer == \"$BFD_ROUTER_ADDR\") | $1"; }
peer_bfd_is() { [[ "$(peer_bfd_state)" == "$1" ]]; }
peer_bfd_intervals_are() { [[ "$(peer_bfd_intervals)" == "$1" ]]; }
peer_bfd_set_interval() {
  case $BFD_PEER in
    frr) frr_bfdd "$BFD_NODE" "configure terminal" "bfd" "profile fast" "transmit-interval $1" \
      "receive-interval $1" >/dev/null ;;
    bird) bird_bfd_interval "$BFD_NODE" "$1" ;;
  esac
}

# The time (ms since the epoch) of the peer's last Up -> Down in its log.
peer_bfd_down_ms() {
  local log=${PEER_LOG[$BFD_NODE]}
  [[ $BFD_PEER == frr ]] && log="$(dirname "$log")/bfdd-ms.log"
  bfd_log_down_ms "$BFD_PEER" "$log" "$BFD_ROUTER_ADDR"
}

peer_not_established() { ! peer_established "$BFD_NODE" "$BFD_ROUTER_ADDR"; }

run_bfd_suite() {
  BFD_PEER=$1 BFD_HOPS=$2
  BFD_NODE=n1
  topo_create
  if [[ $BFD_HOPS == single ]]; then
    TOPO_WIRE=1 topo_add_link_node "$BFD_NODE" 192.168.12.11 192.168.12.1 fd00:12::11 fd00:12::1
    BFD_NODE_ADDR=192.168.12.11 BFD_ROUTER_ADDR=192.168.12.1
  else
    topo_add_routed_node "$BFD_NODE" 192.168.22.11 192.168.21 192.168.22
    BFD_NODE_ADDR=192.168.22.11 BFD_ROUTER_ADDR=192.168.21.1
  fi
  local mh=()
  [[ $BFD_HOPS == multihop ]] && mh=(--multihop)
  # BFD_PCAP=1: capture the BFD packets on the router's side of the node's link (kept with the
  # logs when the test fails), to tell a late sender from a late receiver.
  if [[ -n ${BFD_PCAP:-} ]]; then
    ip netns exec "$IT_ROUTER_NS" tcpdump -i "${NODE_LINK[$BFD_NODE]}" -s 96 -U -w "$IT_DIR/bfd.pcap" \
      udp port 3784 or udp port 4784 >/dev/null 2>&1 &
    IT_PIDS+=("$!")
  fi

  _bfd_write_vipd_conf 300
  vipd_start "$IT_DIR/bgpd.conf"
  BFD_INTERVAL=300 peer_start "$BFD_PEER" "$BFD_NODE" --as 64513 --neighbor "$BFD_ROUTER_ADDR" 64512 \
    --keepalive 10 --hold 30 --bfd fast "${mh[@]}"

  echo "== sessions come up ($BFD_PEER, $BFD_HOPS)"
  check "BGP Established both ways" wait_until 30 both_established "$BFD_NODE" "$BFD_NODE_ADDR" "$BFD_ROUTER_ADDR"
  check "vipd's BFD session is up" wait_until 15 vipd_bfd_is .status up
  check "$BFD_PEER's BFD session is up" wait_until 15 peer_bfd_is up
  local want_mh=false
  [[ $BFD_HOPS == multihop ]] && want_mh=true
  check "vipd's session is $BFD_HOPS" vipd_bfd_is '.multihop | tostring' "$want_mh"
  check "vipd sees $BFD_PEER's 300 ms" vipd_bfd_is '."remote-transmit-interval"' 300
  check "$BFD_PEER sends every 300 ms, detection 900 ms" wait_until 5 peer_bfd_intervals_are "300 900"
  check "show bfd peers text in FRR's layout" \
    bash -c "'$VIPD_BIN_DIR/vipctl' --socket '$VIPD_SOCK' show bfd peers | grep -q 'Status: up'"
  [[ $BFD_PEER == frr ]] && check "FRR's session knows vipd's discriminator" \
    bash -c "[[ '$(_frr_bfd '."remote-id"')' == '$(vipd_bfd .id)' ]]"

  echo "== timers changed live (Poll sequences)"
  # Downs before this point do not count: FRR's bgpd re-registers its session with bfdd once
  # BGP is up (a new discriminator, so one Down seen by vipd) on some runs.
  local downs_before
  downs_before=$(vipctl show bfd peers counters json | jq '.[0]."session-down"')
  _bfd_write_vipd_conf 50
  kill -HUP "$VIPD_PID"
  peer_bfd_set_interval 50
  check "vipd sends 50 ms" wait_until 10 vipd_bfd_is '."transmit-interval"' 50
  check "vipd sees $BFD_PEER's 50 ms" wait_until 10 vipd_bfd_is '."remote-transmit-interval"' 50
  check "$BFD_PEER sends every 50 ms, detection 150 ms" wait_until 10 peer_bfd_intervals_are "50 150"
  check "vipd's detection time is 150 ms" wait_until 5 vipd_bfd_is '."remote-detect-multiplier" * ([."receive-interval", ."remote-transmit-interval"] | max)' 150
  check "sessions stay up through the Polls" holds_for 2 vipd_bfd_is .status up
  check "no BFD down event at vipd" \
    bash -c "'$VIPD_BIN_DIR/vipctl' --socket '$VIPD_SOCK' show bfd peers counters json | jq -e '.[0].\"session-down\" == $downs_before' >/dev/null"
  check "$BFD_PEER stays up" peer_bfd_is up
  check "BGP still Established" both_established "$BFD_NODE" "$BFD_NODE_ADDR" "$BFD_ROUTER_ADDR"

  echo "== link cut"
  local cut_ms down_ms detected peer_ms
  # Timed once the cut is done: on a loaded machine starting `ip` can take longer than the
  # detection time.
  node_link_cut "$BFD_NODE"
  cut_ms=$(date +%s%3N)
  check "vipd's BFD goes down" wait_until 5 vipd_bfd_is .status down
  check "vipd's diagnostic: detection time expired" \
    vipd_bfd_is .diagnostic "control detection time expired"
  if down_ms=$(bfd_log_down_ms vipd "$VIPD_LOG" "$BFD_NODE_ADDR"); then
    detected=$((down_ms - cut_ms))
    echo "MEASURED: vipd BFD Down ${detected} ms after the link cut ($BFD_PEER, $BFD_HOPS, 50 ms x 3, detection time ${BFD_DETECT_MS} ms)"
    check "vipd within the detection time + ${BFD_MARGIN_MS} ms" test "$detected" -le $((BFD_DETECT_MS + BFD_MARGIN_MS))
  else
    fail "vipd logged no Up -> Down"
  fi
  check "BGP neighbor down at vipd" wait_until 2 vipd_not_established "$BFD_NODE_ADDR"
  local reset
  reset=$(vipd_neighbor_field "$BFD_NODE_ADDR" lastNotificationReason || true)
  it_log "vipd's last reset of $BFD_NODE_ADDR: $(vipd_neighbor_field "$BFD_NODE_ADDR" lastResetDueTo || true) / $reset"
  check "vipd closed BGP with Cease/BFD Down" grep -q "BFD Down" <<<"$reset"
  check "vipd's BFD took BGP down at once" grep -qa "BFD peer $BFD_NODE_ADDR.*BGP neighbor closed" "$VIPD_LOG"
  check "$BFD_PEER's BFD goes down" wait_until 5 peer_bfd_is down
  if peer_ms=$(peer_bfd_down_ms); then
    echo "MEASURED: $BFD_PEER BFD Down $((peer_ms - cut_ms)) ms after the link cut ($BFD_HOPS, 50 ms x 3)"
    check "$BFD_PEER within the detection time + ${BFD_MARGIN_MS} ms" test $((peer_ms - cut_ms)) -le $((BFD_DETECT_MS + BFD_MARGIN_MS))
  else
    fail "$BFD_PEER logged no Up -> Down"
  fi
  check "$BFD_PEER's BGP goes down (hold time 30 s, so through BFD)" wait_until 5 peer_not_established

  echo "== link restored"
  node_link_restore "$BFD_NODE"
  check "BFD Up again" wait_until 20 vipd_bfd_is .status up
  check "BGP Established again" wait_until 40 both_established "$BFD_NODE" "$BFD_NODE_ADDR" "$BFD_ROUTER_ADDR"
}
