#!/usr/bin/env bash
# vipd and keepalived 2.2.7 in one VRRP cluster, as during a migration of the seed's routers:
# four routers on one bridge, r1 (priority 100) and r3 run vipd, r2 and r4 (both priority 10,
# like r3) keepalived; both directions (vipd master with keepalived backups, then
# keepalived master with vipd backups), for VRRPv2 with PASS authentication (advert_int 1) and
# VRRPv3 (advert_int 1 and 0.05). In each: one master; the master stopped (SIGTERM: priority 0)
# and, for v2 and v3 at 0.05 s, crashed (SIGKILL and link down) -> a backup of either kind takes
# over within the RFC bound, the master back (running the other implementation, so that both
# directions are drilled in one cluster) -> it preempts; the VIP is sampled on every router
# every 5 ms all along and is never held twice for one advert interval or longer; no advert is
# dropped on either side (vipd: `show vrrp json` drop counters; keepalived: its JSON stats and
# no complaint in its log), so both read each other's checksums and authentication.
#
# VRRP_MIXED_WITH=keepalived puts keepalived where vipd would run (the harness's own check).
set -uo pipefail
# shellcheck source=vrrp/lib.sh
source "$(dirname "$0")/vrrp/lib.sh"

OTHER=${VRRP_MIXED_WITH:-vipd}
# keepalived's log lines for the adverts it discards (vrrp.c vrrp_check_packet, 2.2.7).
KEEPALIVED_DROP_LINES='checksum|wrong version|Unknown VRID|invalid passwd|auth|TTL|too short|too long|mismatch|unexpected ip number'

vr_init "vrrp_mixed_${OTHER}"
vr_topo 4
vr_sampler_start 0.005

# check_no_drops : every router accepted every advert (checksum, version, auth, interval).
check_no_drops() {
  local r json drops rx
  for r in r1 r2 r3 r4; do
    json=$(vr_json "$r")
    drops=$(jq -c '[.drops | to_entries[] | select(.value > 0)] | from_entries' <<<"$json")
    rx=$(jq -r .rx <<<"$json")
    check "$VR_LABEL $r (${VR_IMPL[$r]}) dropped no advert (drops: $drops)" test "$drops" == "{}"
    [[ $r != r1 ]] && check "$VR_LABEL $r (${VR_IMPL[$r]}) received adverts ($rx)" test "${rx:-0}" -gt 0
    if [[ ${VR_IMPL[$r]} == keepalived ]]; then
      check "$VR_LABEL $r keepalived logged no discarded advert" \
        check_not_logged "$r" "$KEEPALIVED_DROP_LINES"
    fi
  done
}

check_not_logged() {
  local lines
  lines=$(vr_log_since "$1" "${SCENARIO_MARK[$1]}" | grep -E -- "$2" | grep -v 'Opening file\|Configuration file')
  [[ -z "$lines" ]] && return 0
  it_log "$1 logged: $(head -n 3 <<<"$lines")"
  return 1
}

declare -A SCENARIO_MARK=()

# round VERSION ADVERT CRASH : one cluster, r1 (priority 100) vipd, r2 and r4 keepalived, r3
# vipd (all priority 10). r1 is stopped and comes back as keepalived (keepalived master with
# backups of both kinds), then stopped again and comes back as vipd; CRASH=1 repeats this with
# crashes (the returning daemon also clears the VIP the other one left behind).
round() {
  local version=$1 advert=$2 crash=$3 r t_start t_ready mode
  VR_VERSION=$version
  VR_ADVERT=$advert
  local name="v$version ${advert}s"
  [[ $version == 2 ]] && name="v2 PASS ${advert}s"
  VR_LABEL="[$name, $OTHER master]"
  it_log "===== $name"
  for r in r1 r2 r3 r4; do
    local impl=$OTHER prio=$VR_BACKUP_PRIO
    [[ $r == r2 || $r == r4 ]] && impl=keepalived
    [[ $r == r1 ]] && prio=$VR_MASTER_PRIO
    vr_conf "$IT_DIR/$r-v$version-$advert.conf" "$prio" "version=$version" "advert_int=$advert"
    vr_set_impl "$r" "$impl"
    SCENARIO_MARK[$r]=$(vr_log_mark "$r")
  done
  t_start=$(vr_now)
  for r in r1 r2 r3 r4; do vr_start "$r" "${VR_IMPL[$r]}" "$IT_DIR/$r-v$version-$advert.conf"; done
  check "$VR_LABEL r1 is the only router holding the VIP" wait_until 10 vr_owner_is r1
  t_ready=$(vr_now)
  check "$VR_LABEL r1 stays the only owner for 1 s" holds_for 1 vr_owner_is r1
  check "$VR_LABEL r1 reports MASTER" vr_state_is r1 MASTER
  for r in r2 r3 r4; do check "$VR_LABEL $r (${VR_IMPL[$r]}) reports BACKUP" vr_state_is "$r" BACKUP; done

  for mode in stop crash; do
    [[ $mode == crash ]] && ((!crash)) && break
    vr_drill_fail "$mode" r1 && vr_drill_return "$mode" r1 keepalived
    VR_LABEL="[$name, keepalived master]"
    vr_drill_fail "$mode" r1 && vr_drill_return "$mode" r1 "$OTHER"
    VR_LABEL="[$name, $OTHER master]"
  done

  VR_LABEL="[$name]"
  # While the routers start one after the other, a newcomer may time out before it hears the
  # master (keepalived does at 0.05 s on a loaded machine: its first Master_Down timer runs
  # during its own start-up); that is checked against 1 s, everything after against one
  # advert interval.
  local startup
  startup=$(vr_samples "$t_start" "$t_ready" | jq -c '{overlap_max_ms, overlaps: [.overlaps[] | {ms, owners}]}')
  jq_ok '.overlaps | length > 0' "$startup" && it_log "$VR_LABEL VIP held twice during the start: $startup"
  check "$VR_LABEL during the start, never two VIP owners for 1 s (longest $(jq -r .overlap_max_ms <<<"$startup") ms)" \
    jq_ok '.overlap_max_ms < 1000' "$startup"
  vr_check_overlap "$t_ready" "the whole round after the start"
  check_no_drops
  check "$VR_LABEL every daemon exits 0 on SIGTERM" vr_stop_all
  # The next round starts from a clean link: no VIP left behind by the last master.
  check "$VR_LABEL no VIP left after every daemon stopped" test -z "$(vr_vip_owners)"
}

round 2 1 1
round 3 1 0
round 3 0.05 1

VR_LABEL=""
vr_sampler_stop
summary=$(vr_samples 0)
it_log "sampler: $(jq -c '{samples, max_gap_ms, p99_gap_ms}' <<<"$summary")"
check "the sampler looked every <= 20 ms (99th percentile $(jq -r .p99_gap_ms <<<"$summary") ms, max $(jq -r .max_gap_ms <<<"$summary") ms)" \
  jq_ok '.samples > 100 and .p99_gap_ms <= 20' "$summary"
it_finish
