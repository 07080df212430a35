#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# vipd under failure: TCP MD5 (FRR, BIRD; right and wrong password), peer killed and restarted,
# vipd killed and restarted, peer frozen (hold timer expiry), peer with the wrong AS (OPEN
# Message Error / Bad Peer AS as the peer reports it), and Cease on SIGTERM.
#
#   node   daemon  addr      AS (peer)  vipd expects  notes
#   frr    FRR     10.0.0.2  65001      65001         MD5 "s3cret-frr"
#   bird   BIRD    10.0.0.3  65002      65002         MD5 "s3cret-bird"
#   gobgp  GoBGP   10.0.0.4  65003      65003         killed, frozen
#   frrbad FRR     10.0.0.5  65099      65005         wrong AS
#   birdbd BIRD    10.0.0.6  65098      65006         wrong AS
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

HOLD=3
KEEPALIVE=1

gobgp_down() { ! peer_established gobgp "$ROUTER_V4"; }
frr_saw_cease() { frr_last_error frr "$ROUTER_V4" | grep -q "Cease/Administrative Shutdown"; }
bird_saw_cease() { bird_last_error bird "$ROUTER_V4" | grep -qi "Received: Administrative shutdown"; }
gobgp_saw_cease() { grep -q "code 6(cease) subcode 2(administrative shutdown)" "${PEER_LOG[gobgp]}"; }
conns_grew() { local now; now=$(vipd_neighbor_field "$GOBGP" connectionsEstablished) && ((now > $1)); }

it_init failure
it_require_vipd
topo_create
topo_add_node frr
topo_add_node bird
topo_add_node gobgp
topo_add_node frrbad
topo_add_node birdbd
FRR=${NODE_V4[frr]} BIRD=${NODE_V4[bird]} GOBGP=${NODE_V4[gobgp]}
FRRBAD=${NODE_V4[frrbad]} BIRDBAD=${NODE_V4[birdbd]}

vipd_conf "$IT_DIR/bgpd.conf" 65000 \
  "timers bgp $KEEPALIVE $HOLD" \
  "neighbor $FRR remote-as 65001" "neighbor $FRR password s3cret-frr" \
  "neighbor $BIRD remote-as 65002" "neighbor $BIRD password s3cret-bird" \
  "neighbor $GOBGP remote-as 65003" \
  "neighbor $FRRBAD remote-as 65005" \
  "neighbor $BIRDBAD remote-as 65006"
vipd_start "$IT_DIR/bgpd.conf"

common=(--keepalive "$KEEPALIVE" --hold "$HOLD" --neighbor "$ROUTER_V4" 65000)
peer_start frr frr --as 65001 --password s3cret-frr "${common[@]}" --prefix 10.201.0.0/24
peer_start bird bird --as 65002 --password s3cret-bird "${common[@]}" --prefix 10.202.0.0/24
peer_start gobgp gobgp --as 65003 "${common[@]}" --prefix 10.203.0.0/24
peer_start frr frrbad --as 65099 "${common[@]}"
peer_start bird birdbd --as 65098 "${common[@]}"

# --- TCP MD5, right password -------------------------------------------------------------
check "MD5 FRR right password: vipd Established" wait_until 20 vipd_established "$FRR"
check "MD5 FRR right password: FRR Established" wait_until 5 peer_established frr "$ROUTER_V4"
check "MD5 BIRD right password: vipd Established" wait_until 20 vipd_established "$BIRD"
check "MD5 BIRD right password: BIRD Established" wait_until 5 peer_established bird "$ROUTER_V4"
check "GoBGP (no MD5): vipd Established" wait_until 20 vipd_established "$GOBGP"
check "MD5 FRR: prefix received over the MD5 session" wait_until 10 vipd_pfx_is "$FRR" 1

# --- Wrong AS ----------------------------------------------------------------------------
frr_bad_as() { frr_last_error frrbad "$ROUTER_V4" | grep -q 'OPEN Message Error/Bad Peer AS'; }
bird_bad_as() { bird_last_error birdbd "$ROUTER_V4" | grep -qi 'Received: Bad peer AS'; }
check "wrong AS: FRR (AS 65099, vipd expects 65005) received OPEN Message Error/Bad Peer AS" \
  wait_until 15 frr_bad_as
check "wrong AS: BIRD (AS 65098, vipd expects 65006) received 'Bad peer AS'" wait_until 15 bird_bad_as
check "wrong AS: FRR peer never Established at vipd" vipd_not_established "$FRRBAD"
check "wrong AS: BIRD peer never Established at vipd" vipd_not_established "$BIRDBAD"
it_log "FRR wrong-AS peer reports: $(frr_last_error frrbad "$ROUTER_V4")"
peer_stop frrbad
peer_stop birdbd

# --- TCP MD5, wrong password -------------------------------------------------------------
peer_stop frr
peer_stop bird
check "MD5: FRR session down after FRR stopped" wait_until $((HOLD + 3)) vipd_not_established "$FRR"
peer_start frr frr --as 65001 --password wrong-frr "${common[@]}"
peer_start bird bird --as 65002 --password wrong-bird "${common[@]}"
either_md5_up() {
  vipd_established "$FRR" || vipd_established "$BIRD" ||
    peer_established frr "$ROUTER_V4" || peer_established bird "$ROUTER_V4"
}
check "MD5 wrong password (FRR and BIRD): never Established in 8 s, neither side" never_for 8 either_md5_up
peer_stop frr
peer_stop bird
peer_start frr frr --as 65001 --password s3cret-frr "${common[@]}" --prefix 10.201.0.0/24
peer_start bird bird --as 65002 --password s3cret-bird "${common[@]}" --prefix 10.202.0.0/24
check "MD5 right password again: FRR Established" wait_until 20 vipd_established "$FRR"
check "MD5 right password again: BIRD Established" wait_until 20 vipd_established "$BIRD"

# --- kill -9 of the peer, restart ---------------------------------------------------------
wait_until 10 vipd_established "$GOBGP" || true
conns=$(vipd_neighbor_field "$GOBGP" connectionsEstablished || echo 0)
peer_kill9 gobgp
check "kill -9 GoBGP: vipd leaves Established within hold+2 s" wait_until $((HOLD + 2)) vipd_not_established "$GOBGP"
peer_restart gobgp
check "kill -9 GoBGP, restart: Established again" wait_until 20 vipd_established "$GOBGP"
check "kill -9 GoBGP, restart: GoBGP Established" wait_until 5 peer_established gobgp "$ROUTER_V4"
check "kill -9 GoBGP, restart: connectionsEstablished incremented ($conns -> +1)" \
  conns_grew "$conns"
check "kill -9 GoBGP, restart: prefix received again" wait_until 10 vipd_pfx_is "$GOBGP" 1

# --- peer frozen: hold timer expiry -------------------------------------------------------
holdtime_reason() {
  local j
  j=$(vipd_neighbor_json "$GOBGP") || return 1
  jq -e --arg a "$GOBGP" '.[$a] | [.lastResetDueTo // "", .lastNotificationReason // ""] | join(" ")
    | test("hold ?timer expired"; "i")' <<<"$j" >/dev/null
}
check "freeze: GoBGP Established before SIGSTOP" wait_until 10 vipd_established "$GOBGP"
peer_freeze gobgp
t0=$(date +%s%N)
if wait_until $((HOLD + 5)) vipd_not_established "$GOBGP"; then
  ms=$((($(date +%s%N) - t0) / 1000000))
  check "freeze: vipd drops the frozen peer at hold expiry (${ms} ms after SIGSTOP, want <= $((HOLD * 1000 + 1500)))" \
    test "$ms" -le $((HOLD * 1000 + 1500))
  check "freeze: not before hold-keepalive (${ms} ms >= $(((HOLD - KEEPALIVE) * 1000 - 300)))" \
    test "$ms" -ge $(((HOLD - KEEPALIVE) * 1000 - 300))
else
  fail "freeze: vipd still Established $((HOLD + 5)) s after SIGSTOP of the peer"
fi
check "freeze: lastResetDueTo/lastNotificationReason says Hold Timer Expired" wait_until 3 holdtime_reason
it_log "vipd neighbor after hold expiry: $(vipd_neighbor_json "$GOBGP" | jq -c --arg a "$GOBGP" '.[$a] | {bgpState, lastResetDueTo, lastNotificationReason, connectionsDropped}' 2>/dev/null)"
check "freeze: frozen peer stays down while frozen (3 s)" never_for 3 vipd_established "$GOBGP"
peer_thaw gobgp
check "freeze: after SIGCONT the session comes back" wait_until 30 vipd_established "$GOBGP"

# --- kill -9 of vipd, restart ---------------------------------------------------------------
vipd_kill9
check "kill -9 vipd: GoBGP notices (leaves Established within hold+3 s)" \
  wait_until $((HOLD + 3)) gobgp_down
vipd_start "$IT_DIR/bgpd.conf"
check "kill -9 vipd, restart: FRR (MD5) Established again" wait_until 30 vipd_established "$FRR"
check "kill -9 vipd, restart: BIRD (MD5) Established again" wait_until 30 vipd_established "$BIRD"
check "kill -9 vipd, restart: GoBGP Established again" wait_until 30 vipd_established "$GOBGP"
check "kill -9 vipd, restart: FRR prefix received again (pfxRcd 1)" wait_until 10 vipd_pfx_is "$FRR" 1
check "kill -9 vipd, restart: BIRD prefix received again (pfxRcd 1)" wait_until 5 vipd_pfx_is "$BIRD" 1
check "kill -9 vipd, restart: GoBGP prefix received again (pfxRcd 1)" wait_until 5 vipd_pfx_is "$GOBGP" 1
it_log "pfxRcd after vipd restart: FRR=$(vipd_pfx_rcvd "$FRR") BIRD=$(vipd_pfx_rcvd "$BIRD") GoBGP=$(vipd_pfx_rcvd "$GOBGP")"

# --- SIGTERM: Cease / Administrative Shutdown ---------------------------------------------
rc=0
vipd_stop || rc=$?
check "SIGTERM: vipd exits 0 (got $rc)" test "$rc" -eq 0
check "SIGTERM: FRR received Cease/Administrative Shutdown" \
  wait_until 5 frr_saw_cease
check "SIGTERM: BIRD received Administrative shutdown" \
  wait_until 5 bird_saw_cease
check "SIGTERM: GoBGP received cease/administrative shutdown" \
  wait_until 5 gobgp_saw_cease

it_finish
