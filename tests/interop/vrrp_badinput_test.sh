#!/usr/bin/env bash
# Bad VRRP input: a master (r1, priority 100) and a backup (r2, priority 10) with the seed's
# config (v2, PASS 1111), and an injector on the same bridge sending hand-made adverts from
# 192.168.5.99 with priority 200 (vrrp/vrrp_inject.py, AF_PACKET): each would make the master
# step down if it were accepted. TTL 64, a bad checksum, a wrong password, VRID 52, a VRRP
# message cut to 6 octets, a VRRPv3 advert to the v2 instance, version 7; then a flood of all
# of them (5000 per
# second for 3 s). Each must be dropped and counted under its cause in `vipctl show vrrp json`,
# logged once per cause (keepalived's wording, rate-limited: one line per cause per minute),
# and change nothing: r1 stays master and the only VIP owner, r2 stays backup. Last, a valid
# advert with priority 200 (the control) must make r1 step down, as in keepalived.
#
# VRRP_IMPL=keepalived runs it against keepalived 2.2.7, the harness's own check: keepalived
# counts only some causes (KEEPALIVED_CAUSE), logs every packet, and the flood and log-count
# results are printed as its baseline instead of checked.
set -uo pipefail
# shellcheck source=vrrp/lib.sh
source "$(dirname "$0")/vrrp/lib.sh"

IMPL=${VRRP_IMPL:-vipd}
INJECTOR=192.168.5.99
PER_CASE=20
FLOOD_RATE=5000
FLOOD_SECONDS=3
CASES=(ttl checksum auth vrid truncated version garbage-version)
# The drop cause each case must be counted under in `show vrrp json` (wire::DropCause).
declare -A CAUSE=([ttl]=bad-ttl [checksum]=bad-checksum [auth]=bad-auth [vrid]=vrid-mismatch
  [truncated]=truncated [version]=bad-version [garbage-version]=bad-version)
# keepalived 2.2.7 counts only some (its stats; mapped to these names in vrrp/lib.sh): version 7
# fails its length check first (a v3 advert to a v2 instance is logged, not counted).
declare -A KEEPALIVED_CAUSE=([ttl]=bad-ttl [auth]=bad-auth [garbage-version]=truncated)
# The line logged for each cause: keepalived 2.2.7's wording (vrrp.c vrrp_check_packet and
# vrrp_scheduler.c), which vipd copies (src/vrrp/drop_log.cpp).
declare -A LOG_LINE=([bad-ttl]="invalid TTL/HL. Received 64 and expect 255"
  [bad-checksum]="Invalid VRRPv2 checksum" [bad-auth]="received an invalid passwd!"
  [vrid-mismatch]="Unknown VRID(52) received on interface(eth0)"
  [truncated]="IPv4 VRRP packet too short" [bad-version]="wrong version. Received ")

vr_init "vrrp_badinput_${IMPL}"
vr_topo 2
vr_add_node inj "$INJECTOR"
vr_conf "$IT_DIR/r1.conf" "$VR_MASTER_PRIO"
vr_conf "$IT_DIR/r2.conf" "$VR_BACKUP_PRIO"
vr_sampler_start 0.005
for r in r1 r2; do vr_start "$r" "$IMPL" "$IT_DIR/$r.conf"; done
check "r1 is the only VIP owner" wait_until 10 vr_owner_is r1
check "r1 stays the only owner for 1 s" holds_for 1 vr_owner_is r1
vr_mark_logs

inject() {
  ip netns exec "${VR_NS[inj]}" "$VR_PYTHON" "$VR_LIB_DIR/vrrp_inject.py" --iface eth0 \
    --src "$INJECTOR" --vrid 51 --priority 200 --auth-pass 1111 --vip "$VR_VIP" "$@"
}

declare -A BEFORE=()
snapshot() {  # the drop counters of both routers, as JSON, into BEFORE
  local r
  for r in r1 r2; do BEFORE[$r]=$(vr_json "$r" | jq -c .drops); done
}

# drops_delta NAME : {cause: increase since the snapshot}, only the causes that moved.
drops_delta() {
  jq -c --argjson before "${BEFORE[$1]}" \
    '.drops | to_entries | map(select(.value != ($before[.key] // 0)) | {key, value: (.value - ($before[.key] // 0))}) | from_entries' \
    <<<"$(vr_json "$1")"
}

# expected_cause CASE : the counter CASE must move, empty if the implementation has none.
expected_cause() {
  if [[ $IMPL == vipd ]]; then echo "${CAUSE[$1]}"; else echo "${KEEPALIVED_CAUSE[$1]:-}"; fi
}

# expect DESCRIPTION CMD... : a check for vipd; for keepalived (the harness check) a note of
# what keepalived does.
expect() {
  local desc=$1
  shift
  if [[ $IMPL == vipd ]]; then
    check "$desc" "$@"
  elif "$@"; then
    it_log "keepalived baseline: yes: $desc"
  else
    it_log "keepalived baseline: NO: $desc"
  fi
}

# cpu_ms NAME : CPU time (user + system) of NAME's daemon processes.
cpu_ms() {
  local pids=("${VR_PID[$1]}") pid total=0
  [[ ${VR_IMPL[$1]} == keepalived ]] && pids+=("$(cat "${VR_CHILD_PIDFILE[$1]}")")
  for pid in "${pids[@]}"; do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo $((total * 1000 / $(getconf CLK_TCK)))
}

check_state_unchanged() {
  check "$1: r1 still the only VIP owner" vr_owner_is r1
  check "$1: r1 still MASTER" vr_state_is r1 MASTER
  check "$1: r2 still BACKUP" vr_state_is r2 BACKUP
}

t_cases=$(vr_now)
for c in "${CASES[@]}"; do
  snapshot
  sent=$(inject --case "$c" --count "$PER_CASE" --rate 100 | awk '/^sent / { print $2 }')
  sleep 0.3
  check_state_unchanged "$c"
  cause=$(expected_cause "$c")
  for r in r1 r2; do
    delta=$(drops_delta "$r")
    it_log "$c: $r drop counters moved by $delta"
    if [[ -n "$cause" ]]; then
      check "$c: $r counted $sent under $cause and nothing else ($delta)" \
        test "$delta" == "{\"$cause\":$sent}"
    else
      it_log "$c: keepalived has no counter for it"
    fi
  done
done
vr_check_overlap "$t_cases" "the bad adverts"

# ---- the flood: every case in turn, FLOOD_RATE a second
snapshot
cpu_before=$(cpu_ms r1)
t_flood=$(vr_now)
every_case=()
for c in "${CASES[@]}"; do every_case+=(--case "$c"); done
flood_out=$(inject "${every_case[@]}" --count $((FLOOD_RATE * FLOOD_SECONDS)) --rate "$FLOOD_RATE")
sleep 0.5
sent=$(awk '/^sent / { print $2 }' <<<"$flood_out")
declare -A FLOOD_SENT=()
for kv in $(tail -n 1 <<<"$flood_out"); do FLOOD_SENT[${kv%%=*}]=${kv#*=}; done
it_log "flood: injector $(tr '\n' ' ' <<<"$flood_out"); r1 ($IMPL) used $(($(cpu_ms r1) - cpu_before)) ms of CPU"
check "flood: injector sent ${sent} adverts" test "${sent:-0}" -ge $((FLOOD_RATE * FLOOD_SECONDS * 9 / 10))
expect "flood: r1 still the only VIP owner" vr_owner_is r1
expect "flood: r1 still MASTER" vr_state_is r1 MASTER
expect "flood: r2 still BACKUP" vr_state_is r2 BACKUP
overlap=$(vr_samples "$t_flood" | jq -c '{overlap_max_ms, overlaps: [.overlaps[] | {ms, owners}]}')
expect "flood: the VIP never held twice (longest $(jq -r .overlap_max_ms <<<"$overlap") ms)" \
  jq_ok '.overlap_max_ms == 0' "$overlap"
for r in r1 r2; do
  delta=$(drops_delta "$r")
  it_log "flood: $r drop counters moved by $delta"
  for cause in $(for c in "${CASES[@]}"; do expected_cause "$c"; done | sort -u); do
    want=0
    for c in "${CASES[@]}"; do
      [[ $(expected_cause "$c") == "$cause" ]] && want=$((want + ${FLOOD_SENT[$c]:-0}))
    done
    got=$(jq -r --arg k "$cause" '.[$k] // 0' <<<"$delta")
    # The socket buffer may overflow under the flood: what the kernel drops is not seen.
    expect "flood: $r counted $cause $got of $want (>= 90%)" \
      test "$got" -ge $((want * 9 / 10)) -a "$got" -le "$want"
  done
done

# ---- logs: one line per cause since the first bad advert (the rate limit is one a minute)
for r in r1 r2; do
  for cause in $(printf '%s\n' "${CAUSE[@]}" | sort -u); do
    n=$(vr_log_since "$r" "${VR_MARK[$r]}" | grep -cF -- "${LOG_LINE[$cause]}")
    expect "$r logged '${LOG_LINE[$cause]}' once (saw $n)" test "$n" -eq 1
  done
done

# ---- the control: a valid advert with priority 200 is obeyed (RFC 3768 §6.4.3)
vr_mark_logs
inject --count 1 >/dev/null
check "control: r1 logs 'Master received advert from $INJECTOR with higher priority 200, ours 100'" \
  wait_until 3 vr_logged r1 "($VR_INSTANCE) Master received advert from $INJECTOR with higher priority 200, ours 100"
check "control: r1 then logs 'Entering BACKUP STATE'" \
  vr_logged_in_order r1 "with higher priority 200, ours 100" "($VR_INSTANCE) Entering BACKUP STATE"
check "control: r1 becomes master again after Master_Down_Interval" wait_until 8 vr_owner_is r1

vr_sampler_stop
it_finish
