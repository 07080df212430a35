# shellcheck shell=bash
# VRRP interop library, on top of ../lib.sh: routers on one bridge like the seed's four OpenWRT
# boxes, each in its own network namespace with eth0 192.168.5.N/16, running vipd or keepalived
# with the seed's keepalived.conf; a sampler of who holds the VIP; a capture on the bridge.
#
#   source "$(dirname "$0")/vrrp/lib.sh"
#   vr_init vrrp_cluster               # it_init + tools
#   vr_topo 4                          # switch namespace with br0, routers r1..r4 (.2 ... .5)
#   vr_conf "$IT_DIR/r1.conf" 100      # the seed config with priority 100
#   vr_start r1 vipd "$IT_DIR/r1.conf" # or keepalived
#   vr_sampler_start; vr_capture_start arp
#   check "one master" wait_until 10 vr_owner_is r1
#
# The switch namespace holds only the bridge (no address). Every namespace, daemon, sampler and
# capture is removed by lib.sh's cleanup trap, by pid and by namespace name.

# shellcheck disable=SC1091  # ../lib.sh, found at run time
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VR_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VR_SEED_CONF=${VR_SEED_CONF:-$VR_LIB_DIR/../../data/seed/keepalived.conf}
VR_VIP=192.168.5.1
VR_VIP_LEN=16
VR_INSTANCE=VI_1
VR_PYTHON=${VR_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
VR_SW_NS=""
VR_ROUTERS=()
declare -gA VR_NS=() VR_ADDR=() VR_MAC=() VR_IMPL=() VR_PID=() VR_CONF=() VR_LOG=() VR_SOCK=()
declare -gA VR_CHILD_PIDFILE=() VR_TMP=()
VR_SAMPLER_PID=""
VR_SAMPLES=""
VR_CAPTURE=""

vr_init() {
  it_init "$1"
  local tool
  for tool in tcpdump keepalived unshare "$VR_PYTHON"; do
    command -v "$tool" >/dev/null || it_die "'$tool' not installed (scripts/install-deps.sh)"
  done
  [[ -r "$VR_SEED_CONF" ]] || it_die "seed config $VR_SEED_CONF missing"
  VR_KEEPALIVED_JSON_SIGNAL=$(keepalived --signum=JSON)
  # Measuring processes run with SCHED_FIFO priority 10 where allowed: `"${VR_RT[@]}" CMD &`.
  VR_RT=()
  chrt -f 10 true 2>/dev/null && VR_RT=(chrt -f 10)
}

vr_now() { date +%s%N; }

# jq_ok FILTER JSON : FILTER is true of JSON (for check, without printing the value).
jq_ok() { jq -e "$1" <<<"$2" >/dev/null; }

# ---------------------------------------------------------------------------------------------
# Topology

# vr_topo N : the switch and routers r1..rN with 192.168.5.2 .. 192.168.5.(N+1).
vr_topo() {
  local count=$1 i
  VR_SW_NS="vit-sw-${IT_TAG}"
  it_ns_new "$VR_SW_NS"
  ip -n "$VR_SW_NS" link add br0 type bridge
  # No STP delay, no IGMP snooping: every frame reaches every port at once, as on a dumb switch.
  ip -n "$VR_SW_NS" link set br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  ip -n "$VR_SW_NS" link set br0 up
  for ((i = 1; i <= count; i++)); do
    vr_add_node "r$i" "192.168.5.$((i + 1))"
    VR_ROUTERS+=("r$i")
  done
}

# vr_add_node NAME ADDR : a namespace with eth0 on the bridge and ADDR/16.
vr_add_node() {
  local name=$1 addr=$2
  local ns="vit-${name}-${IT_TAG}"
  it_ns_new "$ns"
  ip -n "$ns" link add eth0 type veth peer name "p-$name" netns "$VR_SW_NS" || it_die "veth for $name"
  ip -n "$VR_SW_NS" link set "p-$name" master br0 up
  ip -n "$ns" addr add "$addr/16" dev eth0
  ip -n "$ns" link set eth0 up
  VR_NS[$name]=$ns
  VR_ADDR[$name]=$addr
  VR_MAC[$name]=$(ip -n "$ns" -j link show dev eth0 | jq -r '.[0].address')
}

vr_link() { ip -n "${VR_NS[$1]}" link set eth0 "$2"; }

# ---------------------------------------------------------------------------------------------
# Configuration: the seed's keepalived.conf, verbatim apart from the settings given.

# vr_conf FILE PRIORITY [version=2|3] [advert_int=S] [global=LINE]... [instance=LINE]...
# version=3 adds `vrrp_version 3` to global_defs and drops the authentication block (VRRPv3 has
# none, RFC 5798 §5.2); global= and instance= add a line to global_defs / vrrp_instance.
vr_conf() {
  local file=$1 priority=$2 version=2 advert=1 arg
  local globals=() instance=()
  shift 2
  for arg in "$@"; do
    case $arg in
      version=*) version=${arg#*=} ;;
      advert_int=*) advert=${arg#*=} ;;
      global=*) globals+=("    ${arg#*=}") ;;
      instance=*) instance+=("    ${arg#*=}") ;;
      *) it_die "vr_conf: unknown setting $arg" ;;
    esac
  done
  ((version == 3)) && globals+=("    vrrp_version 3")
  awk -v prio="$priority" -v adv="$advert" -v v3="$((version == 3))" \
    -v globals="$(printf '%s\n' "${globals[@]}")" -v instance="$(printf '%s\n' "${instance[@]}")" '
    /^    router_id / { print; if (globals != "") print globals; next }
    /^    priority [0-9]+$/ { print "    priority " prio; next }
    /^    advert_int [0-9.]+$/ { print "    advert_int " adv; if (instance != "") print instance; next }
    v3 && /^    authentication \{/ { skip = 1; next }
    skip { if ($0 ~ /^    \}/) skip = 0; next }
    { print }' "$VR_SEED_CONF" >"$file"
  grep -q "^    priority $priority\$" "$file" || it_die "vr_conf: priority not set in $file"
}

# ---------------------------------------------------------------------------------------------
# Daemons

# vr_start NAME IMPL CONF : IMPL is vipd or keepalived; waits until the daemon answers.
vr_start() {
  local name=$1 impl=$2 conf=$3
  vr_set_impl "$name" "$impl"
  VR_CONF[$name]=$conf
  "_vr_start_$impl" "$name" "$conf"
}

# vr_set_impl NAME IMPL : what NAME runs from now on (and so which log vr_log_* read).
vr_set_impl() {
  VR_IMPL[$1]=$2
  VR_LOG[$1]="$IT_DIR/$1/$2.log"
}

vr_restart() { vr_start "$1" "${VR_IMPL[$1]}" "${VR_CONF[$1]}"; }

_vr_start_vipd() {
  local name=$1 conf=$2 d="$IT_DIR/$1"
  it_require_vipd
  mkdir -p "$d"
  VR_SOCK[$name]="$d/vipd.sock"
  _vr_add_log_once "vipd on $name" "$d/vipd.log"
  _vr_add_log_once "vipd stdout on $name" "$d/vipd.stdout"
  rm -f "$d/vipd.sock"
  # Debug is vipd's counterpart of keepalived's -D (docs/vrrp.md, "Log levels").
  # shellcheck disable=SC2086  # VIPD_EXTRA_ARGS is a list of words
  ip netns exec "${VR_NS[$name]}" "$VIPD_BIN_DIR/vipd" --foreground --vrrp-config "$conf" \
    --socket "$d/vipd.sock" --log-file "$d/vipd.log" --pid-file "$d/vipd.pid" \
    --log-level "${VR_VIPD_LOG_LEVEL:-debug}" ${VIPD_EXTRA_ARGS:-} >>"$d/vipd.stdout" 2>&1 &
  VR_PID[$name]=$!
  IT_PIDS+=("$!")
  wait_until 10 vr_vipctl "$name" show vrrp json || it_die "vipd on $name did not answer"
}

# keepalived as the brief runs it (`-n -l -D`), in a private mount namespace whose /tmp is the
# router's own directory: its STATS/JSON dumps go to a fixed /tmp path, which would collide
# between routers. The work directory is bound back at its own path inside.
_vr_start_keepalived() {
  local name=$1 conf=$2 d="$IT_DIR/$1"
  local tmp="$d/tmp" inner=${IT_DIR#/tmp/}
  mkdir -p "$tmp/$inner"
  VR_TMP[$name]=$tmp
  VR_CHILD_PIDFILE[$name]="$d/keepalived_vrrp.pid"
  _vr_add_log_once "keepalived on $name" "$d/keepalived.log"
  rm -f "$d/keepalived.pid" "$d/keepalived_vrrp.pid"
  # shellcheck disable=SC2016  # the inner script expands its own arguments
  ip netns exec "${VR_NS[$name]}" unshare -m --propagation private sh -c \
    'mount --bind "$1" "$2/$3" && mount --rbind "$2" /tmp && shift 3 && exec "$@"' sh \
    "$IT_DIR" "$tmp" "$inner" keepalived -n -l -D -f "$conf" -p "$d/keepalived.pid" \
    -r "$d/keepalived_vrrp.pid" >>"$d/keepalived.log" 2>&1 &
  VR_PID[$name]=$!
  IT_PIDS+=("$!")
  wait_until 10 _vr_keepalived_child "$name" || it_die "keepalived on $name did not start its VRRP child"
}

_vr_keepalived_child() {
  local pid
  pid=$(cat "${VR_CHILD_PIDFILE[$1]}" 2>/dev/null) && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

_vr_add_log_once() {
  local entry
  for entry in "${IT_LOGS[@]}"; do [[ "$entry" == "$1|"* ]] && return; done
  it_add_log "$1" "$2"
}

vr_vipctl() {
  local name=$1
  shift
  "$VIPD_BIN_DIR/vipctl" --socket "${VR_SOCK[$name]}" --timeout 5 "$@"
}

vr_alive() { kill -0 "${VR_PID[$1]}" 2>/dev/null; }

# vr_stop NAME : SIGTERM (the daemon sends priority 0 and removes the VIP); waits up to 10 s.
vr_stop() {
  local pid=${VR_PID[$1]}
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    it_log "$1 (${VR_IMPL[$1]}) did not exit within 10 s of SIGTERM"
    kill -KILL "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    return 124
  fi
  { wait "$pid"; } 2>/dev/null
}

# vr_stop_all : SIGTERM to every router's daemon at once; fails if one did not exit 0.
vr_stop_all() {
  local r rc=0 pids=()
  for r in "${VR_ROUTERS[@]}"; do vr_alive "$r" && pids+=("${VR_PID[$r]}"); done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null
  for r in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$r" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$r" 2>/dev/null && { it_log "pid $r did not exit within 10 s of SIGTERM"; kill -KILL "$r"; rc=1; }
    { wait "$r" || rc=1; } 2>/dev/null
  done
  return "$rc"
}

# vr_kill9 NAME [-- CMD...] : SIGKILL to every process of the daemon; nothing is sent, the VIP
# stays configured. keepalived's VRRP child gets SIGTERM when its parent dies (and then sends
# priority 0), and the parent respawns a dead child: so both are stopped first, then killed.
# CMD runs right after the kill, before the wait for the process to be reaped.
vr_kill9() {
  local name=$1 pids=("${VR_PID[$1]}") child
  shift
  if [[ ${VR_IMPL[$name]} == keepalived ]]; then
    child=$(cat "${VR_CHILD_PIDFILE[$name]}" 2>/dev/null) && pids+=("$child")
  fi
  # Disowned, bash reaps it without a "Killed" job report.
  disown "${VR_PID[$name]}" 2>/dev/null
  kill -STOP "${pids[@]}" 2>/dev/null
  kill -KILL "${pids[@]}" 2>/dev/null
  [[ ${1:-} == -- ]] && { shift; "$@"; }
  for _ in $(seq 1 100); do kill -0 "${VR_PID[$name]}" 2>/dev/null || break; sleep 0.02; done
  return 0
}

# vr_crash NAME : the router dies (power loss): daemon SIGKILLed and the link down at once, so
# the stale VIP left on its interface answers nobody.
vr_crash() { vr_kill9 "$1" -- vr_link "$1" down; }

# vr_reboot NAME : a crashed router comes back: its daemon starts while the link is still down
# (it must clear the stale VIP, as keepalived's "removing VIPs" at init), then the link comes up.
vr_reboot() {
  local name=$1
  vr_restart "$name"
  wait_until 5 vr_no_stale_vip "$name" || it_log "$name: stale VIP still configured 5 s after start"
  vr_link "$name" up
}

vr_no_stale_vip() { ! ip -n "${VR_NS[$1]}" -4 -o addr show dev eth0 | grep -q " $VR_VIP/"; }

# ---------------------------------------------------------------------------------------------
# State

# vr_has_vip NAME : the VIP is on NAME's eth0 and the link is up.
vr_has_vip() {
  local ns=${VR_NS[$1]}
  ip -n "$ns" link show dev eth0 | grep -q '[<,]UP[,>]' &&
    ip -n "$ns" -4 -o addr show dev eth0 | grep -q " $VR_VIP/$VR_VIP_LEN "
}

vr_vip_owners() {
  local r out=()
  for r in "${VR_ROUTERS[@]}"; do vr_has_vip "$r" && out+=("$r"); done
  echo "${out[*]}"
}

# vr_owner_is NAME : NAME and only NAME holds the VIP.
vr_owner_is() { [[ "$(vr_vip_owners)" == "$1" ]]; }
vr_one_owner() { local o; o=$(vr_vip_owners); [[ -n "$o" && "$o" != *" "* ]]; }

# vr_json NAME : the instance as JSON, normalised to
#   {"state": "MASTER", "priority": N, "rx": adverts received, "tx": sent, "drops": {cause: n}}.
vr_json() { "_vr_json_${VR_IMPL[$1]}" "$1"; }

# vipd: `show vrrp NAME json` is a list of instances (src/vrrp/show.cpp).
_vr_json_vipd() {
  vr_vipctl "$1" show vrrp "$VR_INSTANCE" json 2>/dev/null | jq -c '.[0] as $i | {
    state: ($i.state | ascii_upcase), priority: $i.priority.effective,
    rx: $i.counters.adverts_received, tx: $i.counters.adverts_sent,
    drops: $i.counters.drops, raw: $i}'
}

# keepalived writes its instances to /tmp/keepalived.json on the JSON signal (our private /tmp).
_vr_json_keepalived() {
  local name=$1 file="${VR_TMP[$1]}/keepalived.json"
  rm -f "$file"
  kill -s "$VR_KEEPALIVED_JSON_SIGNAL" "${VR_PID[$name]}" 2>/dev/null || return 1
  for _ in $(seq 1 150); do jq -e . "$file" >/dev/null 2>&1 && break; sleep 0.02; done
  jq -c '.[0] as $i | {
    state: (["INIT", "BACKUP", "MASTER", "FAULT"][$i.data.state] // "STOP"),
    priority: $i.data.effective_priority, rx: $i.stats.advert_rcvd, tx: $i.stats.advert_sent,
    drops: {"bad-ttl": $i.stats.ip_ttl_err, "truncated": $i.stats.packet_len_err,
            "advert-interval-mismatch": $i.stats.advert_interval_err,
            "bad-type": $i.stats.invalid_type_rcvd, "address-list-mismatch": $i.stats.addr_list_err,
            "invalid-auth-type": $i.stats.invalid_authtype,
            "auth-type-mismatch": $i.stats.authtype_mismatch, "bad-auth": $i.stats.auth_failure},
    raw: $i}' "$file"
}

vr_state() { vr_json "$1" | jq -r '.state'; }
vr_state_is() { [[ "$(vr_state "$1")" == "$2" ]]; }

# vr_drop_total NAME : the sum of every drop counter.
vr_drop_total() { vr_json "$1" | jq '[.drops[]? | numbers] | add // 0'; }

# vr_log_mark NAME : the current length of NAME's log, for vr_log_since.
vr_log_mark() { wc -l 2>/dev/null <"${VR_LOG[$1]}" || echo 0; }
vr_log_since() { tail -n "+$(($2 + 1))" "${VR_LOG[$1]}"; }

# vr_log_has NAME MARK TEXT : TEXT (fixed string) appears in NAME's log after MARK.
vr_log_has() { vr_log_since "$1" "$2" | grep -qF -- "$3"; }
vr_log_count() { vr_log_since "$1" "$2" | grep -cF -- "$3"; }

# ---------------------------------------------------------------------------------------------
# Observers

# vr_sampler_start [INTERVAL_S] : who holds the VIP, sampled every INTERVAL_S (default 5 ms).
vr_sampler_start() {
  local specs=() r
  for r in "${VR_ROUTERS[@]}"; do specs+=("$r=${VR_NS[$r]}"); done
  VR_SAMPLES="$IT_DIR/vip-samples.log"
  # Real-time priority: on a machine busy with builds a normal process misses its 5 ms ticks
  # (it needs ~0.3 ms of CPU per round for four routers).
  "${VR_RT[@]}" "$VR_PYTHON" "$VR_LIB_DIR/vipsample.py" run --vip "$VR_VIP" --out "$VR_SAMPLES" \
    --interval "${1:-0.005}" "${specs[@]}" 2>"$IT_DIR/vipsample.err" &
  VR_SAMPLER_PID=$!
  IT_PIDS+=("$!")
  wait_until 5 test -s "$VR_SAMPLES" || it_die "VIP sampler did not start: $(cat "$IT_DIR/vipsample.err")"
}

vr_sampler_stop() {
  [[ -n "$VR_SAMPLER_PID" ]] || return 0
  kill -TERM "$VR_SAMPLER_PID" 2>/dev/null
  wait "$VR_SAMPLER_PID" 2>/dev/null
  VR_SAMPLER_PID=""
}

# vr_samples SINCE_NS [UNTIL_NS] : vipsample.py analyze of the window (JSON).
vr_samples() {
  "$VR_PYTHON" "$VR_LIB_DIR/vipsample.py" analyze --log "$VR_SAMPLES" --since "$1" ${2:+--until "$2"}
}

# vr_capture_start FILTER : tcpdump on the bridge in the switch namespace (sees every frame).
vr_capture_start() {
  VR_CAPTURE="$IT_DIR/capture.txt"
  ip netns exec "$VR_SW_NS" tcpdump -i br0 -nn -e -tt -l --immediate-mode "$@" \
    >"$VR_CAPTURE" 2>"$IT_DIR/tcpdump.err" &
  IT_PIDS+=("$!")
  wait_until 5 grep -q 'listening on' "$IT_DIR/tcpdump.err" || it_die "tcpdump did not start"
}

# vr_garps MAC SINCE_NS UNTIL_NS : gratuitous ARPs for the VIP from MAC in the window.
vr_garps() {
  awk -v mac="$1" -v since="$2" -v until="$3" -v vip="$VR_VIP" '
    {
      split($1, t, "."); ns = t[1] * 1e9 + substr(t[2] "000000000", 1, 9)
    }
    ns >= since && ns < until && $2 == mac && index($0, "Request who-has " vip " ") &&
      index($0, "tell " vip ",") { n++ }
    END { print n + 0 }' "$VR_CAPTURE"
}

# vr_garp_times MAC ORIGIN_NS [FROM_NS] : the time (ms after ORIGIN, may be negative) of each
# gratuitous ARP from MAC since FROM (default ORIGIN).
vr_garp_times() {
  awk -v mac="$1" -v origin="$2" -v since="${3:-$2}" -v vip="$VR_VIP" '
    {
      split($1, t, "."); ns = t[1] * 1e9 + substr(t[2] "000000000", 1, 9)
    }
    ns >= since && $2 == mac && index($0, "Request who-has " vip " ") && index($0, "tell " vip ",") {
      printf "%s%.0f", sep, (ns - origin) / 1e6; sep = " "
    }
    END { print "" }' "$VR_CAPTURE"
}

# vr_name_of_mac MAC
vr_name_of_mac() {
  local r
  for r in "${!VR_MAC[@]}"; do [[ ${VR_MAC[$r]} == "$1" ]] && echo "$r"; done
}

# vr_ms_between A_NS B_NS
vr_ms_between() { echo $((($2 - $1) / 1000000)); }

# vr_bound_ms ADVERT_S PRIORITY VERSION [ADVERTS] : ADVERTS x advert + Skew_Time in ms (default
# 3 adverts, the Master_Down_Interval; 0 gives Skew_Time alone, the bound after priority 0).
# Skew_Time: v2 (256 - priority) / 256 s (RFC 3768 §6.1), v3 the same times the advert interval
# (RFC 5798 §6.1).
vr_bound_ms() {
  awk -v a="$1" -v p="$2" -v v="$3" -v n="${4:-3}" \
    'BEGIN { skew = (256 - p) / 256 * (v == 3 ? a : 1); printf "%.0f\n", (n * a + skew) * 1000 }'
}

# ---------------------------------------------------------------------------------------------
# Drills: the master (priority VR_MASTER_PRIO) goes away and comes back; the backups all have
# VR_BACKUP_PRIO. Settings: VR_ADVERT (s), VR_VERSION, VR_SLACK_MS (added to the RFC bounds
# for the sampler period and scheduling), VR_LABEL (prefix of every check).

VR_ADVERT=1
VR_VERSION=2
VR_MASTER_PRIO=100
VR_BACKUP_PRIO=10
VR_SLACK_MS=${VR_SLACK_MS:-150}
VR_LABEL=""
declare -gA VR_MARK=()

vr_mark_logs() { local r; for r in "${VR_ROUTERS[@]}"; do VR_MARK[$r]=$(vr_log_mark "$r"); done; }

# vr_logged NAME TEXT : TEXT in NAME's log since vr_mark_logs.
vr_logged() { vr_log_has "$1" "${VR_MARK[$1]:-0}" "$2"; }

# vr_logged_in_order NAME FIRST SECOND : SECOND after FIRST in NAME's log since vr_mark_logs.
vr_logged_in_order() {
  vr_log_since "$1" "${VR_MARK[$1]:-0}" |
    awk -v a="$2" -v b="$3" 'index($0, a) { seen = 1 } seen && index($0, b) { ok = 1 } END { exit !ok }'
}

# vr_acquired_ms T0 NAME : when NAME first took the VIP after T0, in ms after T0 (sampler);
# with -NAME, when any router but NAME first did.
vr_acquired_ms() {
  local at
  at=$(vr_samples "$1" | jq -r --arg n "$2" '[.acquired | to_entries[] |
    select(if ($n | startswith("-")) then .key != $n[1:] else .key == $n end) | .value] | min // empty')
  [[ -n "$at" ]] || return 1
  vr_ms_between "$1" "$at"
}

# vr_check_overlap T0 WHAT : never two VIP owners for one advert interval since T0.
vr_check_overlap() {
  local overlap
  overlap=$(vr_samples "$1" | jq -c '{overlap_max_ms, overlaps: [.overlaps[] | {ms, owners}]}')
  jq_ok '.overlaps | length > 0' "$overlap" && it_log "${VR_LABEL:+$VR_LABEL }VIP held twice during $2: $overlap"
  check "${VR_LABEL:+$VR_LABEL }never two VIP owners for one advert interval during $2 (longest $(jq -r .overlap_max_ms <<<"$overlap") ms)" \
    jq_ok ".overlap_max_ms < $VR_ADVERT * 1000" "$overlap"
}

# vr_settled_owner SECONDS TIMEOUT : prints the router that held the VIP alone, without change,
# for SECONDS (backups whose timers expire together may each take it for a moment before the
# election settles); fails after TIMEOUT seconds.
vr_settled_owner() {
  local settle_ns=$(($(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }') * 1000000))
  local deadline=$(($(vr_now) + $2 * 1000000000)) last="" since=0 owners now
  while now=$(vr_now) && ((now < deadline)); do
    owners=$(vr_vip_owners)
    if [[ -n "$owners" && "$owners" != *" "* && "$owners" == "$last" ]]; then
      ((now - since >= settle_ns)) && { echo "$owners"; return 0; }
    else
      last=$owners since=$now
    fi
    sleep 0.05
  done
  return 1
}

# vr_drill_fail MODE MASTER : MASTER goes away (MODE stop: SIGTERM, the daemon sends priority
# 0; crash: SIGKILL and link down) and a backup must hold the VIP within the RFC bound:
# Skew_Time after priority 0, Master_Down_Interval after a crash. Then the election must settle
# on one owner. Sets VR_DRILL_OWNER, VR_DRILL_T0 and VR_DRILL_MS (the first takeover).
vr_drill_fail() {
  local mode=$1 master=$2 bound rfc owner settle
  VR_DRILL_OWNER=""
  vr_mark_logs
  VR_DRILL_T0=$(vr_now)
  if [[ $mode == stop ]]; then
    check "${VR_LABEL:+$VR_LABEL }[$mode] $master (${VR_IMPL[$master]}) exits 0 on SIGTERM" vr_stop "$master"
    rfc=$(vr_bound_ms "$VR_ADVERT" "$VR_BACKUP_PRIO" "$VR_VERSION" 0)
  else
    vr_crash "$master"
    rfc=$(vr_bound_ms "$VR_ADVERT" "$VR_BACKUP_PRIO" "$VR_VERSION")
  fi
  bound=$((rfc + VR_SLACK_MS))
  # Settled: the same owner for 1.5 advert intervals (a collision is over after one exchange of
  # adverts), at least 0.5 s.
  settle=$(awk -v a="$VR_ADVERT" 'BEGIN { s = 1.5 * a; print (s < 0.5 ? 0.5 : s) }')
  if ! owner=$(vr_settled_owner "$settle" 15); then
    fail "${VR_LABEL:+$VR_LABEL }[$mode] no single VIP owner after $master went away (owners: $(vr_vip_owners))"
    return 1
  fi
  VR_DRILL_OWNER=$owner
  VR_DRILL_MS=$(vr_acquired_ms "$VR_DRILL_T0" "-$master") || VR_DRILL_MS=999999
  it_log "${VR_LABEL:+$VR_LABEL }[$mode] a backup held the VIP ${VR_DRILL_MS} ms after $master went away (RFC bound $rfc ms); settled on $owner (${VR_IMPL[$owner]})"
  check "${VR_LABEL:+$VR_LABEL }[$mode] takeover in ${VR_DRILL_MS} ms <= ${bound} ms (RFC bound + ${VR_SLACK_MS} ms); $owner (${VR_IMPL[$owner]}) the owner" \
    test "$VR_DRILL_MS" -le "$bound"
  check "${VR_LABEL:+$VR_LABEL }[$mode] $owner logs '($VR_INSTANCE) Entering MASTER STATE'" \
    vr_logged "$owner" "($VR_INSTANCE) Entering MASTER STATE"
  if [[ $mode == stop ]]; then
    check "${VR_LABEL:+$VR_LABEL }[$mode] $owner logs '($VR_INSTANCE) Backup received priority 0 advertisement'" \
      vr_logged "$owner" "($VR_INSTANCE) Backup received priority 0 advertisement"
  fi
  vr_check_overlap "$VR_DRILL_T0" "the $mode takeover"
}

# vr_drill_return MODE MASTER [IMPL] : MASTER comes back (restart, or reboot after a crash),
# running IMPL if given, and preempts, with the lines of the seed's keepalived-failback.log on
# the owner it displaces.
vr_drill_return() {
  local mode=$1 master=$2 owner=$VR_DRILL_OWNER t0 ms
  [[ -n "${3:-}" ]] && vr_set_impl "$master" "$3"
  local from="${VR_ADDR[$master]}" higher
  higher="Master received advert from $from with higher priority $VR_MASTER_PRIO, ours $VR_BACKUP_PRIO"
  vr_mark_logs
  t0=$(vr_now)
  if [[ $mode == stop ]]; then
    vr_restart "$master"
  else
    vr_reboot "$master"
    check "${VR_LABEL:+$VR_LABEL }[$mode] $master (${VR_IMPL[$master]}) cleared its stale VIP before its link came up" \
      vr_no_stale_vip_or_owner "$master"
  fi
  check "${VR_LABEL:+$VR_LABEL }[$mode] $master (${VR_IMPL[$master]}) preempts: the only VIP owner again" wait_until 10 vr_owner_is "$master"
  ms=$(vr_acquired_ms "$t0" "$master") || ms=999999
  it_log "${VR_LABEL:+$VR_LABEL }[$mode] $master took the VIP back ${ms} ms after its restart"
  if [[ -n "$owner" ]]; then
    check "${VR_LABEL:+$VR_LABEL }[$mode] $owner (${VR_IMPL[$owner]}) logs '($VR_INSTANCE) $higher'" \
      wait_until 3 vr_logged "$owner" "($VR_INSTANCE) $higher"
    check "${VR_LABEL:+$VR_LABEL }[$mode] then '($VR_INSTANCE) Entering BACKUP STATE'" \
      vr_logged_in_order "$owner" "$higher" "($VR_INSTANCE) Entering BACKUP STATE"
  fi
  check "${VR_LABEL:+$VR_LABEL }[$mode] $master logs '($VR_INSTANCE) Entering MASTER STATE'" \
    vr_logged "$master" "($VR_INSTANCE) Entering MASTER STATE"
  vr_check_overlap "$t0" "the $mode failback"
  check "${VR_LABEL:+$VR_LABEL }[$mode] $master stays the only owner for 1 s" holds_for 1 vr_owner_is "$master"
}

# After vr_reboot the link is up again: the VIP may be back legitimately once the router
# preempts, so it holds the VIP alone or not at all.
vr_no_stale_vip_or_owner() { vr_no_stale_vip "$1" || vr_owner_is "$1"; }
