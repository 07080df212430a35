#!/usr/bin/env bash
# VRRP drill of the seed: four routers on one bridge (192.168.5.2-5/16, VIP 192.168.5.1/16,
# VRID 51, PASS 1111, priorities 100/10/10/10, advert_int 1), every one running vipd with the
# seed's keepalived.conf (priority adjusted). Checks: exactly one master and the VIP on exactly
# one router; the master stopped (SIGTERM, then in a second round a crash: SIGKILL and link down)
# -> a backup owns the VIP within the RFC bound, its gratuitous ARPs (garp_master_repeat = 5,
# and 5 more garp_master_delay = 5 s later) are seen on the bridge; the old master back -> it
# preempts; the log lines read like the seed's keepalived-failover.log / keepalived-failback.log.
#
# VRRP_IMPL=keepalived runs the same drill on keepalived 2.2.7 alone (the harness's own check).
set -uo pipefail
# shellcheck source=vrrp/lib.sh
source "$(dirname "$0")/vrrp/lib.sh"

IMPL=${VRRP_IMPL:-vipd}
GARP_REPEAT=5
GARP_DELAY_S=5

vr_init "vrrp_cluster_${IMPL}"
vr_topo 4
for r in r1 r2 r3 r4; do
  prio=$VR_BACKUP_PRIO
  [[ $r == r1 ]] && prio=$VR_MASTER_PRIO
  vr_conf "$IT_DIR/$r.conf" "$prio"
done
vr_sampler_start 0.005
vr_capture_start arp
RUN_START=$(vr_now)
for r in r1 r2 r3 r4; do vr_start "$r" "$IMPL" "$IT_DIR/$r.conf"; done
if [[ $IMPL == vipd ]]; then
  # One view of links and addresses for every module: one socket joined to rtnetlink groups in
  # r1's namespace, vipd's (/proc/net/netlink: sk Eth Pid Groups ...; Eth 0 is NETLINK_ROUTE).
  monitors=$(awk 'NR > 1 && $2 == 0 && $4 != "00000000"' "/proc/${VR_PID[r1]}/net/netlink" | wc -l)
  check "vipd on r1 has one netlink monitor socket (saw $monitors)" test "$monitors" -eq 1
fi

# check_garps NAME T_ACQUIRED : a burst of garp_master_repeat at takeover and another
# garp_master_delay later (keepalived's vrrp_garp_master_* defaults, 5 and 5 s). A master that
# hears a lower-priority advert (the other backups that timed out at the same moment) forces a
# new election with one more burst (garp_lower_prio_repeat, default = garp_master_repeat) and a
# second one garp_lower_prio_delay (= garp_master_delay) later: keepalived's vrrp.c, followed by
# vipd (docs/vrrp.md). So each burst is 5 x (1 + "forcing new election" lines since the mark).
check_garps() {
  local name=$1 at=$2 mac=${VR_MAC[$1]} first second forced want
  local late=$((at + (GARP_DELAY_S + 1) * 1000000000))
  wait_until $((GARP_DELAY_S + 3)) test "$(vr_now)" -gt "$late"
  forced=$(vr_log_since "$name" "${VR_MARK[$name]:-0}" | grep -c "forcing new election")
  want=$((GARP_REPEAT * (1 + forced)))
  first=$(vr_garps "$mac" $((at - 200000000)) $((at + 2000000000)))
  second=$(vr_garps "$mac" $((at + (GARP_DELAY_S - 1) * 1000000000)) "$late")
  it_log "$name gratuitous ARPs (ms after taking the VIP): $(vr_garp_times "$mac" "$at" $((at - 200000000)))"
  check "$name sends $want gratuitous ARPs on takeover ($GARP_REPEAT x (1 + $forced forced elections); saw $first)" \
    test "$first" -eq "$want"
  check "$name sends $want more ${GARP_DELAY_S} s later (saw $second)" test "$second" -eq "$want"
}

# check_backup_collisions WINNER : the priority-10 backups share one Master_Down timer, so
# several may become master together; each that is not WINNER yields to a higher address at the
# same priority, like the seed's keepalived-failover.log.
check_backup_collisions() {
  local winner=$1 r
  for r in r2 r3 r4; do
    [[ $r == "$winner" ]] && continue
    vr_logged "$r" "($VR_INSTANCE) Entering MASTER STATE" || continue
    it_log "$r became master too (timer collision); it must yield"
    check "$r logs '($VR_INSTANCE) Master received advert from 192.168.5.N with same priority 10 but higher IP address than ours', then 'Entering BACKUP STATE'" \
      vr_logged_in_order "$r" "with same priority 10 but higher IP address than ours" "($VR_INSTANCE) Entering BACKUP STATE"
    check "$r yields to an address above its own" yields_to_higher "$r"
  done
}

yields_to_higher() {
  local from
  from=$(vr_log_since "$1" "${VR_MARK[$1]}" |
    sed -n 's/.*Master received advert from 192\.168\.5\.\([0-9]*\) with same priority 10 but higher IP.*/\1/p' | head -1)
  [[ -n "$from" ]] && ((from > ${VR_ADDR[$1]##*.}))
}

# ---- start: r1 (priority 100) is the one master
check "r1 (priority 100) is the only router holding the VIP" wait_until 10 vr_owner_is r1
check "r1 stays the only owner for 3 s" holds_for 3 vr_owner_is r1
check "r1 reports MASTER" vr_state_is r1 MASTER
for r in r2 r3 r4; do check "$r reports BACKUP" vr_state_is "$r" BACKUP; done
for r in r1 r2 r3 r4; do
  check "$r logs '($VR_INSTANCE) Entering BACKUP STATE (init)'" vr_log_has "$r" 0 "($VR_INSTANCE) Entering BACKUP STATE (init)"
done
check "r1 logs '($VR_INSTANCE) Entering MASTER STATE'" vr_log_has r1 0 "($VR_INSTANCE) Entering MASTER STATE"
vr_check_overlap "$RUN_START" "the start"
if at=$(vr_samples "$RUN_START" | jq -r '.acquired.r1 // empty') && [[ -n "$at" ]]; then
  vr_mark_logs
  check_garps r1 "$at"
fi

drill() {  # drill MODE : MODE is stop (SIGTERM) or crash (SIGKILL + link down)
  local mode=$1
  vr_drill_fail "$mode" r1 || return
  check_backup_collisions "$VR_DRILL_OWNER"
  check_garps "$VR_DRILL_OWNER" $((VR_DRILL_T0 + VR_DRILL_MS * 1000000))
  vr_drill_return "$mode" r1
}

drill stop
drill crash

for r in r1 r2 r3 r4; do
  drops=$(vr_drop_total "$r")
  check "$r dropped no advert (valid cluster traffic; drops: $drops)" test "${drops:-x}" -eq 0
done
vr_sampler_stop
summary=$(vr_samples "$RUN_START")
it_log "whole run: $(jq -c '{overlap_max_ms, none_max_ms, samples, max_gap_ms, p99_gap_ms}' <<<"$summary")"
check "the sampler looked every <= 20 ms (99th percentile $(jq -r .p99_gap_ms <<<"$summary") ms, max $(jq -r .max_gap_ms <<<"$summary") ms)" \
  jq_ok '.samples > 100 and .p99_gap_ms <= 20' "$summary"
it_finish
