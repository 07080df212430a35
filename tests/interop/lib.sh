# shellcheck shell=bash
# Interop test library: real BGP peers (FRR bgpd, BIRD 2, GoBGP, ExaBGP 4) against vipd, each in
# its own network namespace, all created and removed by the test itself.
#
# Usage in a test script:
#   source "$(dirname "$0")/lib.sh"
#   it_init frr                     # temp dir, cleanup trap, root and tool checks
#   topo_create                     # router namespace with bridge br0 (10.0.0.1/24, fd00::1/64)
#   topo_add_node peer1             # namespace with eth0 on br0 (10.0.0.2/24, fd00::2/64)
#   frr_start peer1 --as 65001 --neighbor 10.0.0.1 65000 --prefix 10.1.0.0/24
#   vipd_start "$conf"
#   check "eBGP IPv4 Established" wait_until 20 vipd_established 10.0.0.2
#   it_finish                       # prints the summary, returns non-zero on any failure
#
# Every resource is named with IT_TAG (default: the script's pid) so parallel runs don't collide.
# Traffic stays inside the namespaces created here; private addresses are never configured in
# the root namespace.

IT_TAG=${IT_TAG:-$$}
IT_NAME=""
IT_DIR=""
IT_ROUTER_NS=""
IT_PASSES=0
IT_FAILS=0
IT_CLEANED=0
IT_NS_LIST=()          # namespaces to delete
IT_PIDS=()             # pids of every daemon we started
IT_LOGS=()             # "label|file" dumped on failure
declare -gA NODE_NS=() NODE_V4=() NODE_V6=() NODE_LINK=()
declare -gA PEER_TYPE=() PEER_PID=() PEER_CONF=() PEER_LOG=() PEER_CTL=() PEER_ARGS=()
IT_NODE_COUNT=0
VIPD_PID=""
VIPD_SOCK=""
VIPD_LOG=""
VIPD_CONF=""

# Router (vipd side) addresses on the shared bridge; node n gets .(n+1) / ::(n+1).
IT_V4_NET=${IT_V4_NET:-10.0.0}
IT_V6_NET=${IT_V6_NET:-fd00::}
ROUTER_V4="${IT_V4_NET}.1"
ROUTER_V6="${IT_V6_NET}1"

# ---------------------------------------------------------------------------------------------
# Logging, checks, results

it_log() { printf '[%s %s] %s\n' "$(date +%T.%3N)" "${IT_NAME:-interop}" "$*" >&2; }

it_die() {
  it_log "FATAL: $*"
  IT_FAILS=$((IT_FAILS + 1))
  echo "FAIL: $*"
  it_dump_logs
  exit 1
}

# Adds a log file that is printed when a check fails.
it_add_log() { IT_LOGS+=("$1|$2"); }

it_dump_logs() {
  local entry label file
  echo "===== logs (last ${IT_LOG_LINES:-25} lines each; full logs in $IT_DIR) =====" >&2
  for entry in "${IT_LOGS[@]}"; do
    label=${entry%%|*}
    file=${entry#*|}
    [[ -s "$file" ]] || continue
    echo "----- $label ($file) -----" >&2
    # Skip the periodic noise (keepalive timers, payload hex dumps).
    grep -a -v -E 'keepalive timer expire|routeadv timer|connect timer expire|Connect start to|Non blocking connect|sendmsg_nexthop|TCP payload|Scanning interfaces|receive-timer' "$file" |
      tail -n "${IT_LOG_LINES:-25}" >&2 || true
  done
  if [[ -n "$VIPD_SOCK" && -S "$VIPD_SOCK" ]]; then
    echo "----- vipctl show ip bgp summary json -----" >&2
    vipctl show ip bgp summary json >&2 2>&1 || true
  fi
  echo "===== end of logs =====" >&2
}

pass() { IT_PASSES=$((IT_PASSES + 1)); echo "PASS: $*"; }
fail() { IT_FAILS=$((IT_FAILS + 1)); echo "FAIL: $*"; }

# check DESCRIPTION CMD... : runs CMD, prints PASS/FAIL with the time it took.
check() {
  local desc=$1 t0 t1 rc=0
  shift
  t0=$(date +%s%N)
  "$@" || rc=$?
  t1=$(date +%s%N)
  local ms=$(((t1 - t0) / 1000000))
  if ((rc == 0)); then
    pass "$desc (${ms} ms)"
  else
    fail "$desc (${ms} ms; '$*' returned $rc)"
  fi
  return 0
}

# check_not DESCRIPTION CMD... : passes when CMD fails.
check_not() {
  local desc=$1
  shift
  if "$@"; then fail "$desc ('$*' succeeded)"; else pass "$desc"; fi
}

it_finish() {
  ((IT_FAILS == 0)) || it_dump_logs
  echo "${IT_NAME}: ${IT_PASSES} passed, ${IT_FAILS} failed"
  ((IT_FAILS == 0))
}

# wait_until TIMEOUT_S CMD... : polls CMD every 0.2 s until it succeeds; 1 on timeout.
wait_until() {
  local timeout=$1
  shift
  local deadline=$(($(date +%s%N) + timeout * 1000000000))
  while true; do
    "$@" >/dev/null 2>&1 && return 0
    (($(date +%s%N) >= deadline)) && return 1
    sleep 0.2
  done
}

# holds_for SECONDS CMD... : CMD must succeed on every poll (every 0.5 s) for SECONDS.
holds_for() {
  local secs=$1
  shift
  local deadline=$(($(date +%s%N) + secs * 1000000000))
  while (($(date +%s%N) < deadline)); do
    "$@" >/dev/null 2>&1 || { it_log "holds_for: '$*' failed"; return 1; }
    sleep 0.5
  done
}

# never_for SECONDS CMD... : CMD must fail on every poll for SECONDS.
never_for() {
  local secs=$1
  shift
  local deadline=$(($(date +%s%N) + secs * 1000000000))
  while (($(date +%s%N) < deadline)); do
    if "$@" >/dev/null 2>&1; then it_log "never_for: '$*' succeeded"; return 1; fi
    sleep 0.5
  done
}

# json_get FILTER : jq -r on stdin; prints nothing and fails if the value is null/absent.
json_get() {
  local out
  out=$(jq -er "$1" 2>/dev/null) || return 1
  [[ "$out" != "null" ]] || return 1
  printf '%s\n' "$out"
}

# ---------------------------------------------------------------------------------------------
# Setup and cleanup

it_init() {
  IT_NAME=$1
  [[ $EUID -eq 0 ]] || { echo "FAIL: ${IT_NAME}: interop tests need root (network namespaces)"; exit 1; }
  local tool
  for tool in ip jq; do
    command -v "$tool" >/dev/null || { echo "FAIL: ${IT_NAME}: '$tool' not installed (scripts/install-deps.sh)"; exit 1; }
  done
  IT_DIR=$(mktemp -d "/tmp/vipd-it-${IT_NAME}-${IT_TAG}.XXXXXX")
  chmod 755 "$IT_DIR"
  trap it_cleanup EXIT
  trap 'it_log "interrupted"; exit 130' INT
  trap 'it_log "terminated"; exit 143' TERM
  VIPD_BIN_DIR=${VIPD_BIN_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/bin}
  it_log "work dir $IT_DIR, vipd from $VIPD_BIN_DIR"
}

it_require_vipd() {
  [[ -x "$VIPD_BIN_DIR/vipd" && -x "$VIPD_BIN_DIR/vipctl" ]] ||
    it_die "vipd/vipctl not found in VIPD_BIN_DIR=$VIPD_BIN_DIR (build with scripts/build.sh)"
}

# it_stop_pids PID... : wakes frozen processes so they can die, then TERM, up to 2 s for them
# to exit, then KILL. Only ever pids the test started.
it_stop_pids() {
  local pid
  for pid in "$@"; do kill -CONT "$pid" 2>/dev/null || true; kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    local alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
}

it_cleanup() {
  local rc=$?
  ((IT_CLEANED)) && return
  IT_CLEANED=1
  trap - INT TERM
  local pid ns
  it_stop_pids "${IT_PIDS[@]}"
  # Anything else still living in our namespaces was started by us too (e.g. a daemon's child).
  for ns in "${IT_NS_LIST[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for ns in "${IT_NS_LIST[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [[ -n "$IT_DIR" && -d "$IT_DIR" ]]; then
    if ((rc == 0 && IT_FAILS == 0)) && [[ -z "${IT_KEEP_DIR:-}" ]]; then
      rm -rf "$IT_DIR"
    else
      it_log "logs kept in $IT_DIR"
    fi
  fi
  exit "$rc"
}

# ---------------------------------------------------------------------------------------------
# Topology: one "router" namespace (vipd) holding bridge br0; each node namespace has eth0, a
# veth whose other end is a port of br0 in the router namespace. Names are unique per IT_TAG.

ns_run() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

it_ns_new() {
  local ns=$1
  ip netns add "$ns" || it_die "ip netns add $ns"
  IT_NS_LIST+=("$ns")
  ip -n "$ns" link set lo up
  ns_run "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null
  ns_run "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 >/dev/null
}

# topo_create [V4/LEN...] : router namespace with br0 and its addresses.
# shellcheck disable=SC2120  # the extra addresses are optional
topo_create() {
  IT_ROUTER_NS="vit-r-${IT_TAG}"
  it_ns_new "$IT_ROUTER_NS"
  ip -n "$IT_ROUTER_NS" link add br0 type bridge
  ip -n "$IT_ROUTER_NS" link set br0 type bridge stp_state 0 forward_delay 0 2>/dev/null || true
  ip -n "$IT_ROUTER_NS" link set br0 up
  ip -n "$IT_ROUTER_NS" addr add "${ROUTER_V4}/24" dev br0
  ip -n "$IT_ROUTER_NS" addr add "${ROUTER_V6}/64" dev br0 nodad
  local a
  for a in "$@"; do ip -n "$IT_ROUTER_NS" addr add "$a" dev br0 nodad 2>/dev/null || ip -n "$IT_ROUTER_NS" addr add "$a" dev br0; done
  # The router namespace is also a node named "r", so a peer daemon can run there (harness
  # self-tests: peer against peer, without vipd).
  NODE_NS[r]=$IT_ROUTER_NS
  NODE_V4[r]=$ROUTER_V4
  NODE_V6[r]=$ROUTER_V6
}

# topo_add_node NAME [V4 [V6]] : node namespace on br0. Default addresses by creation order.
topo_add_node() {
  local name=$1
  IT_NODE_COUNT=$((IT_NODE_COUNT + 1))
  local idx=$((IT_NODE_COUNT + 1))
  local v4=${2:-${IT_V4_NET}.${idx}} v6=${3:-${IT_V6_NET}${idx}}
  local ns="vit-${name}-${IT_TAG}"
  it_ns_new "$ns"
  ip -n "$ns" link add eth0 type veth peer name "p-${name:0:10}" netns "$IT_ROUTER_NS" ||
    it_die "veth for $name"
  ip -n "$IT_ROUTER_NS" link set "p-${name:0:10}" master br0 up
  ip -n "$ns" addr add "${v4}/24" dev eth0
  ip -n "$ns" addr add "${v6}/64" dev eth0 nodad
  ip -n "$ns" link set eth0 up
  NODE_NS[$name]=$ns
  NODE_V4[$name]=$v4
  NODE_V6[$name]=$v6
  wait_until 10 ns_run "$ns" ping -c1 -W1 -q "$ROUTER_V4" || it_die "node $name cannot reach $ROUTER_V4"
  wait_until 10 ns_run "$ns" ping -6 -c1 -W1 -q "$ROUTER_V6" || it_die "node $name cannot reach $ROUTER_V6"
}

# topo_add_link_node NAME V4 ROUTER_V4 V6 ROUTER_V6 : node namespace on a link of its own to the
# router: a veth pair, not a port of br0, with a /24 and a /64 network. The router's end is
# l-NAME (NODE_LINK[NAME]), so the node's routes depend on that link's state alone. With
# TOPO_WIRE=1 the link goes through a wire (topo_wire), which node_link_cut can cut.
topo_add_link_node() {
  local name=$1 v4=$2 rv4=$3 v6=$4 rv6=$5
  local ns="vit-${name}-${IT_TAG}" dev="l-${name:0:10}"
  it_ns_new "$ns"
  if [[ ${TOPO_WIRE:-0} == 1 ]]; then
    topo_wire "$name" "$ns" eth0 "$IT_ROUTER_NS" "$dev"
  else
    ip -n "$ns" link add eth0 type veth peer name "$dev" netns "$IT_ROUTER_NS" ||
      it_die "veth for $name"
  fi
  ip -n "$IT_ROUTER_NS" addr add "${rv4}/24" dev "$dev"
  ip -n "$IT_ROUTER_NS" addr add "${rv6}/64" dev "$dev" nodad
  ip -n "$IT_ROUTER_NS" link set "$dev" up
  ip -n "$ns" addr add "${v4}/24" dev eth0
  ip -n "$ns" addr add "${v6}/64" dev eth0 nodad
  ip -n "$ns" link set eth0 up
  NODE_NS[$name]=$ns
  NODE_V4[$name]=$v4
  NODE_V6[$name]=$v6
  # shellcheck disable=SC2034  # read by the test scripts
  NODE_LINK[$name]=$dev
  wait_until 10 ns_run "$ns" ping -c1 -W1 -q "$rv4" || it_die "node $name cannot reach $rv4"
}

# topo_add_routed_node NAME V4 TRANSIT_NET4 NODE_NET4 : node namespace two hops away from the
# router, through a transit namespace (for multihop sessions, RFC 5883): router l-NAME
# TRANSIT_NET4.1/24 <-> TRANSIT_NET4.2 transit (forwarding) NODE_NET4.1 <-> eth0 V4/24 in the node,
# e.g. topo_add_routed_node n1 192.168.22.11 192.168.21 192.168.22. The router reaches the node's
# network through a route of its own (not a default route: vipd resolves a multihop neighbor
# only over a specific route); NODE_V4_ROUTER[NAME] is the router's address on its link.
declare -gA NODE_V4_ROUTER=()
topo_add_routed_node() {
  local name=$1 v4=$2 tnet=$3 nnet=$4
  local ns="vit-${name}-${IT_TAG}" tns="vit-t${name:0:8}-${IT_TAG}" dev="l-${name:0:10}"
  it_ns_new "$tns"
  it_ns_new "$ns"
  ns_run "$tns" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
  ip -n "$tns" link add to-r type veth peer name "$dev" netns "$IT_ROUTER_NS" || it_die "veth for $name's transit"
  topo_wire "$name" "$ns" eth0 "$tns" to-n
  ip -n "$IT_ROUTER_NS" addr add "${tnet}.1/24" dev "$dev"
  ip -n "$IT_ROUTER_NS" link set "$dev" up
  ip -n "$tns" addr add "${tnet}.2/24" dev to-r
  ip -n "$tns" addr add "${nnet}.1/24" dev to-n
  ip -n "$tns" link set to-r up
  ip -n "$tns" link set to-n up
  ip -n "$ns" addr add "${v4}/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "${nnet}.1"
  ip -n "$IT_ROUTER_NS" route add "${nnet}.0/24" via "${tnet}.2"
  NODE_NS[$name]=$ns
  NODE_V4[$name]=$v4
  NODE_V4_ROUTER[$name]="${tnet}.1"
  # shellcheck disable=SC2034  # read by the test scripts
  NODE_LINK[$name]=$dev
  wait_until 10 ns_run "$ns" ping -c1 -W1 -q "${tnet}.1" || it_die "node $name cannot reach ${tnet}.1"
}

# topo_wire NAME NODE_NS NODE_DEV OTHER_NS OTHER_DEV : the node's link as a wire: a namespace
# of its own with a bridge whose two ports are the peers of NODE_DEV and OTHER_DEV (veths
# created here). node_link_cut NAME takes the node's port off the bridge: every frame is lost
# both ways and neither end sees a change of link state, a cable cut that only BFD (or a hold
# timer) can tell. (`ip link set down` on a veth is seen at once by the other end's kernel, and
# by daemons that track their interfaces, such as BIRD's direct BGP and its BFD.)
declare -gA NODE_WIRE_NS=()
topo_wire() {
  local name=$1 wns="vit-w${1:0:8}-${IT_TAG}"
  it_ns_new "$wns"
  ip -n "$wns" link add br0 type bridge
  ip -n "$wns" link set br0 type bridge stp_state 0 forward_delay 0 2>/dev/null || true
  ip -n "$wns" link set br0 up
  ip -n "$wns" link add w-node type veth peer name "$3" netns "$2" || it_die "wire veth for $name"
  ip -n "$wns" link add w-other type veth peer name "$5" netns "$4" || it_die "wire veth for $name"
  ip -n "$wns" link set w-node master br0 up
  ip -n "$wns" link set w-other master br0 up
  NODE_WIRE_NS[$name]=$wns
}
node_link_cut() { ip -n "${NODE_WIRE_NS[$1]}" link set w-node nomaster; }
node_link_restore() { ip -n "${NODE_WIRE_NS[$1]}" link set w-node master br0; }

is_v6() { [[ "$1" == *:* ]]; }

# ---------------------------------------------------------------------------------------------
# Peer options, shared by every peer type:
#   --as N --router-id A --neighbor ADDR AS (repeatable) --password PW --keepalive S --hold S
#   --prefix P (repeatable, IPv4 or IPv6) --passive
#   --bfd PROFILE (FRR and BIRD) BFD under BGP, BFD_INTERVAL ms x 3 (default 300);
#   --multihop (FRR and BIRD) eBGP multihop, so multihop BFD (RFC 5883)
# IPv4 prefixes are announced over IPv4-transport sessions, IPv6 prefixes over IPv6 ones.
# Sessions to IPv6 neighbors carry only IPv6 unicast, sessions to IPv4 neighbors only IPv4.

_peer_parse() {
  P_AS=65001 P_RID="" P_PW="" P_KA=1 P_HOLD=3 P_PASSIVE=0 P_BFD="" P_MHOP=0
  P_NBR=() P_NBR_AS=() P_PFX4=() P_PFX6=()
  while (($#)); do
    case $1 in
      --as) P_AS=$2; shift 2 ;;
      --router-id) P_RID=$2; shift 2 ;;
      --neighbor) P_NBR+=("$2"); P_NBR_AS+=("$3"); shift 3 ;;
      --password) P_PW=$2; shift 2 ;;
      --keepalive) P_KA=$2; shift 2 ;;
      --hold) P_HOLD=$2; shift 2 ;;
      --passive) P_PASSIVE=1; shift ;;
      --bfd) P_BFD=$2; shift 2 ;;  # FRR: `neighbor A bfd profile P_BFD`, bfdd and zebra; BIRD: `bfd on`
      --multihop) P_MHOP=1; shift ;;
      --prefix) if is_v6 "$2"; then P_PFX6+=("$2"); else P_PFX4+=("$2"); fi; shift 2 ;;
      *) it_die "unknown peer option $1" ;;
    esac
  done
}

_peer_register() {  # name type pid conf log ctl
  PEER_TYPE[$1]=$2 PEER_PID[$1]=$3 PEER_CONF[$1]=$4 PEER_LOG[$1]=$5 PEER_CTL[$1]=$6
  IT_PIDS+=("$3")
  it_add_log "$2 on $1" "$5"
}

# peer_start TYPE NODE OPTIONS... ; TYPE is frr, bird, gobgp or exabgp.
peer_start() {
  local type=$1 node=$2
  shift 2
  PEER_ARGS[$node]="$type $*"
  "${type}_start" "$node" "$@"
}

# peer_restart NODE : starts the node's peer again with the options it was started with.
peer_restart() {
  local node=$1
  # shellcheck disable=SC2086  # the stored options are words
  peer_start ${PEER_ARGS[$node]%% *} "$node" ${PEER_ARGS[$node]#* }
}

peer_pid() { echo "${PEER_PID[$1]}"; }
peer_alive() { kill -0 "${PEER_PID[$1]}" 2>/dev/null; }

peer_kill9() {
  local pid=${PEER_PID[$1]}
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

peer_stop() {
  local pid=${PEER_PID[$1]}
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

peer_freeze() { kill -STOP "${PEER_PID[$1]}"; }
peer_thaw() { kill -CONT "${PEER_PID[$1]}"; }

# peer_state NODE NEIGHBOR : prints the BGP state the peer daemon reports for NEIGHBOR
# (Established, Active, Connect, OpenSent, ...), normalised to FRR's spelling.
peer_state() { "${PEER_TYPE[$1]}_state" "$1" "$2"; }
peer_established() { [[ "$(peer_state "$1" "$2")" == "Established" ]]; }

# peer_last_error NODE NEIGHBOR : the peer's own account of the last NOTIFICATION / reset.
peer_last_error() { "${PEER_TYPE[$1]}_last_error" "$1" "$2"; }

_local_addr_for() {  # node neighbor-address
  if is_v6 "$2"; then echo "${NODE_V6[$1]}"; else echo "${NODE_V4[$1]}"; fi
}

# bfd_log_down_ms vipd|frr|bird LOG PEER : the time (ms since the epoch) of the last Up -> Down
# of the BFD session to PEER in a daemon's log: vipd's, FRR bfdd's (`debug bfd peer`,
# millisecond timestamps), BIRD's (`timeformat log "%F %T.%3f"`, events traced).
bfd_log_down_ms() {
  local line
  case $1 in
    # "2026-12-06 16:19:01.865 BFD peer A[ multihop ...]: Up -> Down (control detection time expired)"
    vipd) line=$(grep -a "BFD peer $3[ :].*Up -> Down" "$2" | tail -n 1) ;;
    # "2026/12/06 16:00:00.123 BFD: [..] state-change: [mhop:no peer:A ...] up -> down reason:control-expired"
    frr) line=$(grep -a "state-change: .*peer:$3 .* up -> down" "$2" | tail -n 1) ;;
    # "2026-12-06 16:00:00.123 <TRACE> bfd1: Session to A changed state from Up to Down"
    bird) line=$(grep -a "Session to $3 changed state from Up to Down" "$2" | tail -n 1) ;;
  esac
  [[ -n "$line" ]] || return 1
  date -d "$(awk '{ gsub("/", "-", $1); print $1, $2 }' <<<"$line")" +%s%3N
}

# The BFD intervals peers start with (ms, both directions).
bfd_interval() { echo "${BFD_INTERVAL:-300}"; }

# ----- FRR bgpd (no zebra, no kernel) -----

frr_start() {
  local node=$1
  shift
  _peer_parse "$@"
  local d="$IT_DIR/frr-$node" i
  mkdir -p "$d"
  chmod 777 "$d"
  local rid=${P_RID:-${NODE_V4[$node]}}
  {
    echo "frr defaults traditional"
    echo "hostname frr-$node"
    echo "log timestamp precision 3"
    echo "debug bgp neighbor-events"
    echo "router bgp $P_AS"
    echo " bgp router-id $rid"
    echo " no bgp default ipv4-unicast"
    echo " no bgp ebgp-requires-policy"
    echo " no bgp network import-check"
    echo " timers bgp $P_KA $P_HOLD"
    for i in "${!P_NBR[@]}"; do
      echo " neighbor ${P_NBR[$i]} remote-as ${P_NBR_AS[$i]}"
      echo " neighbor ${P_NBR[$i]} timers $P_KA $P_HOLD"
      echo " neighbor ${P_NBR[$i]} timers connect 1"
      echo " neighbor ${P_NBR[$i]} advertisement-interval 0"
      echo " neighbor ${P_NBR[$i]} update-source $(_local_addr_for "$node" "${P_NBR[$i]}")"
      [[ -n "$P_PW" ]] && echo " neighbor ${P_NBR[$i]} password $P_PW"
      ((P_PASSIVE)) && echo " neighbor ${P_NBR[$i]} passive"
      [[ -n "$P_BFD" ]] && echo " neighbor ${P_NBR[$i]} bfd profile $P_BFD"
      ((P_MHOP)) && echo " neighbor ${P_NBR[$i]} ebgp-multihop 255"
    done
    echo " address-family ipv4 unicast"
    for i in "${!P_NBR[@]}"; do is_v6 "${P_NBR[$i]}" || echo "  neighbor ${P_NBR[$i]} activate"; done
    for i in "${P_PFX4[@]}"; do echo "  network $i"; done
    echo " exit-address-family"
    echo " address-family ipv6 unicast"
    for i in "${!P_NBR[@]}"; do is_v6 "${P_NBR[$i]}" && echo "  neighbor ${P_NBR[$i]} activate"; done
    for i in "${P_PFX6[@]}"; do echo "  network $i"; done
    echo " exit-address-family"
    echo "line vty"
  } >"$d/bgpd.conf"
  local zebra=(-Z)
  if [[ -n "$P_BFD" ]]; then
    # bgpd registers its BFD sessions with bfdd through zebra (FRR's zapi): both run beside it,
    # on a zserv socket of their own. bfdd starts with the profile's intervals (BFD_INTERVAL;
    # frr_bfdd changes them live). zebra and bfdd run as frr: they check that their user is in
    # the frrvty group, which root is not.
    zebra=(-z "$d/zserv.api")
    {
      echo "hostname frr-$node"
      echo "log timestamp precision 3"
      # The --log target keeps whole seconds; this one has the milliseconds (state changes are
      # timed from it).
      echo "log file $d/bfdd-ms.log debugging"
      echo "debug bfd peer"
      echo "bfd"
      echo " profile $P_BFD"
      echo "  transmit-interval $(bfd_interval)"
      echo "  receive-interval $(bfd_interval)"
      echo " exit"
      echo "exit"
    } >"$d/bfdd.conf"
    echo "hostname frr-$node" >"$d/zebra.conf"
    ip netns exec "${NODE_NS[$node]}" /usr/lib/frr/zebra -f "$d/zebra.conf" -i "$d/zebra.pid" \
      -z "$d/zserv.api" --vty_socket "$d" -P 0 -u frr -g frr \
      --log "file:$d/zebra.log" >"$d/zebra.stdout" 2>&1 &
    IT_PIDS+=("$!")
    it_add_log "zebra on $node" "$d/zebra.log"
    wait_until 10 test -S "$d/zserv.api" || it_die "FRR zebra on $node did not start"
    ip netns exec "${NODE_NS[$node]}" /usr/lib/frr/bfdd -f "$d/bfdd.conf" -i "$d/bfdd.pid" \
      -z "$d/zserv.api" --vty_socket "$d" --bfdctl "$d/bfdd.sock" -P 0 -u frr -g frr \
      --log "file:$d/bfdd.log" >"$d/bfdd.stdout" 2>&1 &
    IT_PIDS+=("$!")
    it_add_log "bfdd on $node" "$d/bfdd.log"
  fi
  ip netns exec "${NODE_NS[$node]}" /usr/lib/frr/bgpd -f "$d/bgpd.conf" -i "$d/bgpd.pid" \
    --vty_socket "$d" "${zebra[@]}" -n -S -P 0 -u root -g root \
    --log "file:$d/bgpd.log" >"$d/stdout.log" 2>&1 &
  _peer_register "$node" frr $! "$d/bgpd.conf" "$d/bgpd.log" "$d"
  it_add_log "frr stdout on $node" "$d/stdout.log"
  wait_until 10 frr_vtysh "$node" "show bgp summary json" || it_die "FRR bgpd on $node did not start"
}

frr_vtysh() {
  local node=$1
  shift
  local args=() c
  for c in "$@"; do args+=(-c "$c"); done
  vtysh --vty_socket "${PEER_CTL[$node]}" -d bgpd "${args[@]}" 2>/dev/null
}

# frr_bfdd NODE COMMAND... : runs vtysh commands against the node's bfdd.
frr_bfdd() {
  local node=$1
  shift
  local args=() c
  for c in "$@"; do args+=(-c "$c"); done
  vtysh --vty_socket "${PEER_CTL[$node]}" -d bfdd "${args[@]}" 2>/dev/null
}

frr_state() { frr_vtysh "$1" "show bgp neighbors $2 json" | json_get ".[\"$2\"].bgpState"; }

# FRR records a NOTIFICATION in the neighbor's JSON only when it arrives on the connection FRR
# opened; one received on the accepted ("stub") connection of a collision is only in its log.
frr_last_error() {
  frr_vtysh "$1" "show bgp neighbors $2 json" |
    jq -r ".[\"$2\"] | \"lastResetDueTo=\(.lastResetDueTo // \"\") lastNotificationReason=\(.lastNotificationReason // \"\") lastErrorCodeSubcode=\(.lastErrorCodeSubcode // \"\")\""
  grep -a "%NOTIFICATION: received from neighbor $2 " "${PEER_LOG[$1]}" | tail -n 1 || true
}

# pfxRcd as FRR sees it from the neighbor, for AFI ipv4Unicast/ipv6Unicast.
frr_pfx_rcvd() {
  frr_vtysh "$1" "show bgp neighbors $2 json" |
    json_get "[.[\"$2\"].addressFamilyInfo[]?.acceptedPrefixCounter] | add"
}

# ----- BIRD 2 -----

bird_start() {
  local node=$1
  shift
  _peer_parse "$@"
  local d="$IT_DIR/bird-$node" i p
  mkdir -p "$d"
  local rid=${P_RID:-${NODE_V4[$node]}}
  {
    echo "log \"$d/bird.log\" all;"
    # Milliseconds in the log when BFD runs: the tests time its state changes from it.
    [[ -n "$P_BFD" ]] && echo "timeformat log \"%F %T.%3f\";"
    echo "router id $rid;"
    echo "debug protocols { states, events, packets };"
    echo "protocol device { scan time 10; }"
    echo "protocol direct { ipv4; ipv6; interface \"eth0\"; }"
    echo "protocol static s4 { ipv4;"
    for p in "${P_PFX4[@]}"; do echo "  route $p blackhole;"; done
    echo "}"
    echo "protocol static s6 { ipv6;"
    for p in "${P_PFX6[@]}"; do echo "  route $p blackhole;"; done
    echo "}"
    if [[ -n "$P_BFD" ]]; then
      # BIRD's BFD (RFC 5880/5881/5883): the sessions BGP asks for (`bfd on`) take these
      # intervals; a `neighbor` line names a multihop session explicitly, with its local address.
      echo "protocol bfd {"
      echo "  interface \"*\" { interval $(bfd_interval) ms; multiplier 3; };"
      echo "  multihop { interval $(bfd_interval) ms; multiplier 3; };"
      if ((P_MHOP)); then
        for i in "${!P_NBR[@]}"; do
          echo "  neighbor ${P_NBR[$i]} local $(_local_addr_for "$node" "${P_NBR[$i]}") multihop on;"
        done
      fi
      echo "}"
    fi
    for i in "${!P_NBR[@]}"; do
      local af=ipv4 src=s4
      is_v6 "${P_NBR[$i]}" && af=ipv6 src=s6
      echo "protocol bgp n$i {"
      echo "  local $(_local_addr_for "$node" "${P_NBR[$i]}") as $P_AS;"
      echo "  neighbor ${P_NBR[$i]} as ${P_NBR_AS[$i]};"
      if ((P_MHOP)); then echo "  multihop;"; else echo "  direct;"; fi
      [[ -n "$P_BFD" ]] && echo "  bfd ${BIRD_BFD_MODE:-on};"
      echo "  hold time $P_HOLD; keepalive time $P_KA; startup hold time $P_HOLD;"
      echo "  connect delay time 1; connect retry time 2; error wait time 1, 4; error forget time 10;"
      [[ -n "$P_PW" ]] && echo "  password \"$P_PW\";"
      ((P_PASSIVE)) && echo "  passive on;"
      echo "  $af { import all; export where proto = \"$src\"; next hop self; };"
      echo "}"
    done
  } >"$d/bird.conf"
  : >"$d/bird.log"
  ip netns exec "${NODE_NS[$node]}" bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid" \
    >"$d/stdout.log" 2>&1 &
  _peer_register "$node" bird $! "$d/bird.conf" "$d/bird.log" "$d/bird.ctl"
  it_add_log "bird stdout on $node" "$d/stdout.log"
  wait_until 10 birdc -s "$d/bird.ctl" show status || it_die "BIRD on $node did not start"
}

# bird_bfd_interval NODE MS : the node's BFD intervals changed live (birdc configure; BIRD
# renegotiates with a Poll sequence, RFC 5880 §6.5).
bird_bfd_interval() {
  sed -i -E "s/interval [0-9]+ ms;/interval $2 ms;/g" "${PEER_CONF[$1]}"
  birdc -s "${PEER_CTL[$1]}" configure >/dev/null
}

# bird_bfd_session NODE PEER : "State Interval Timeout" of BIRD's session to PEER
# (`show bfd sessions`; the intervals in seconds, e.g. "Up 0.050 0.150").
bird_bfd_session() {
  birdc -s "${PEER_CTL[$1]}" show bfd sessions 2>/dev/null |
    awk -v p="$2" '$1 == p { for (i = 3; i <= NF; i++) if ($i ~ /^(Up|Down|Init|AdminDown)$/) { print $i, $(NF - 1), $NF; exit } }'
}

bird_proto_of() {  # node neighbor -> protocol name
  local node=$1 nbr=$2
  grep -B2 "neighbor $nbr as" "${PEER_CONF[$node]}" | sed -n 's/^protocol bgp \(n[0-9]*\) {/\1/p'
}

bird_show() { birdc -s "${PEER_CTL[$1]}" show protocols all "$(bird_proto_of "$1" "$2")" 2>/dev/null; }

bird_state() {
  local s
  s=$(bird_show "$1" "$2" | sed -n 's/^ *BGP state: *//p' | head -1)
  [[ -n "$s" ]] || return 1
  echo "$s"
}

# BIRD overwrites "Last error" on every reconnect attempt; the log keeps each NOTIFICATION
# received ("<RMT> n0: Received: Bad peer AS").
bird_last_error() {
  local proto
  proto=$(bird_proto_of "$1" "$2")
  {
    bird_show "$1" "$2" | grep -E 'Last error|BGP state' || true
    grep -E "<RMT> $proto: Received:" "${PEER_LOG[$1]}" | tail -n 3 || true
  } | tr -s ' \n' ' '
  echo
}

bird_pfx_rcvd() { bird_show "$1" "$2" | sed -n 's/^ *Routes: *\([0-9]*\) imported.*/\1/p' | head -1; }

# ----- GoBGP -----

gobgp_start() {
  local node=$1
  shift
  _peer_parse "$@"
  local d="$IT_DIR/gobgp-$node" i p
  mkdir -p "$d"
  local rid=${P_RID:-${NODE_V4[$node]}}
  local port=$((50051))
  {
    echo "[global.config]"
    echo "  as = $P_AS"
    echo "  router-id = \"$rid\""
    echo "  port = 179"
    echo "  local-address-list = [\"${NODE_V4[$node]}\", \"${NODE_V6[$node]}\"]"
    for i in "${!P_NBR[@]}"; do
      local afi=ipv4-unicast
      is_v6 "${P_NBR[$i]}" && afi=ipv6-unicast
      echo "[[neighbors]]"
      echo "  [neighbors.config]"
      echo "    neighbor-address = \"${P_NBR[$i]}\""
      echo "    peer-as = ${P_NBR_AS[$i]}"
      [[ -n "$P_PW" ]] && echo "    auth-password = \"$P_PW\""
      echo "  [neighbors.timers.config]"
      echo "    connect-retry = 1"
      echo "    hold-time = $P_HOLD"
      echo "    keepalive-interval = $P_KA"
      echo "    idle-hold-time-after-reset = 1"
      echo "  [neighbors.transport.config]"
      echo "    local-address = \"$(_local_addr_for "$node" "${P_NBR[$i]}")\""
      ((P_PASSIVE)) && echo "    passive-mode = true"
      echo "  [[neighbors.afi-safis]]"
      echo "    [neighbors.afi-safis.config]"
      echo "      afi-safi-name = \"$afi\""
    done
  } >"$d/gobgpd.toml"
  ip netns exec "${NODE_NS[$node]}" gobgpd -f "$d/gobgpd.toml" --api-hosts "127.0.0.1:$port" \
    --log-level=debug >"$d/gobgpd.log" 2>&1 &
  _peer_register "$node" gobgp $! "$d/gobgpd.toml" "$d/gobgpd.log" "$port"
  wait_until 15 gobgp_cli "$node" global || it_die "gobgpd on $node did not start"
  for p in "${P_PFX4[@]}"; do gobgp_cli "$node" global rib add -a ipv4 "$p" origin igp >/dev/null || it_die "gobgp rib add $p"; done
  for p in "${P_PFX6[@]}"; do gobgp_cli "$node" global rib add -a ipv6 "$p" origin igp >/dev/null || it_die "gobgp rib add $p"; done
}

gobgp_cli() {
  local node=$1
  shift
  ns_run "${NODE_NS[$node]}" gobgp -u 127.0.0.1 -p "${PEER_CTL[$node]}" "$@" 2>/dev/null
}

gobgp_state() {
  local s
  s=$(gobgp_cli "$1" neighbor "$2" -j | json_get '.state.session_state') || return 1
  case $s in
    6 | established | ESTABLISHED) echo Established ;;
    1 | idle) echo Idle ;;
    2 | connect) echo Connect ;;
    3 | active) echo Active ;;
    4 | opensent) echo OpenSent ;;
    5 | openconfirm) echo OpenConfirm ;;
    *) echo "$s" ;;
  esac
}

gobgp_last_error() { grep -iE 'notification|hold|cease|bad peer' "${PEER_LOG[$1]}" | tail -n 5; }

# ----- ExaBGP 4 (active only; no CLI: state comes from its log) -----

exabgp_start() {
  local node=$1
  shift
  _peer_parse "$@"
  local d="$IT_DIR/exabgp-$node" i p
  mkdir -p "$d"
  local rid=${P_RID:-${NODE_V4[$node]}}
  # What ExaBGP receives, as its JSON API messages, one a line (exabgp_routes replays them). The
  # process's stdout would be read back as API commands: nothing is written there, but the shell
  # keeps it open (no exec), as ExaBGP takes its end of file for the process's death.
  : >"$d/received.json"
  printf '#!/bin/sh\ncat >>"%s"\n' "$d/received.json" >"$d/dump.sh"
  chmod 755 "$d/dump.sh"
  {
    echo "process dump { run $d/dump.sh; encoder json; }"
    for i in "${!P_NBR[@]}"; do
      local fam="ipv4 unicast;" pfx=("${P_PFX4[@]}")
      if is_v6 "${P_NBR[$i]}"; then fam="ipv6 unicast;"; pfx=("${P_PFX6[@]}"); fi
      echo "neighbor ${P_NBR[$i]} {"
      echo "  router-id $rid;"
      echo "  local-address $(_local_addr_for "$node" "${P_NBR[$i]}");"
      echo "  local-as $P_AS;"
      echo "  peer-as ${P_NBR_AS[$i]};"
      echo "  hold-time $P_HOLD;"
      [[ -n "$P_PW" ]] && echo "  md5-password \"$P_PW\";"
      ((P_PASSIVE)) && echo "  passive true;"
      echo "  family { $fam }"
      echo "  api { processes [ dump ]; neighbor-changes; receive { parsed; update; } }"
      echo "  static {"
      for p in "${pfx[@]}"; do echo "    route $p next-hop self;"; done
      echo "  }"
      echo "}"
    done
  } >"$d/exabgp.conf"
  mkdir -p "$d/run"
  ip netns exec "${NODE_NS[$node]}" env \
    exabgp.daemon.user=root exabgp.daemon.daemonize=false exabgp.daemon.pid="$d/exabgp.pid" \
    exabgp.log.destination="$d/exabgp.log" exabgp.log.level="${EXA_LOG_LEVEL:-DEBUG}" exabgp.log.all=true \
    exabgp.log.network=true exabgp.log.message=true exabgp.log.reactor=true exabgp.log.processes=false \
    exabgp.api.cli=false exabgp.api.pipename="exabgp-$IT_TAG" exabgp.tcp.bind="" \
    exabgp.tcp.connections=0 exabgp.tcp.delay=0 exabgp.daemon.drop=false \
    exabgp "$d/exabgp.conf" >"$d/stdout.log" 2>&1 &
  _peer_register "$node" exabgp $! "$d/exabgp.conf" "$d/exabgp.log" "$d/received.json"
  it_add_log "exabgp stdout on $node" "$d/stdout.log"
  sleep 0.5
  peer_alive "$node" || it_die "ExaBGP on $node exited at start"
}

# ExaBGP has no query interface here: the session state is read from its log (log.all). A
# session is up at "connected to peer-K with outgoing-N LOCAL-REMOTE" (after OPENCONFIRM) and
# down at the next "peer reset"/"lost TCP session"/"closing connection" line of outgoing-N.
exabgp_state() {
  awk -v nbr="$2" '
    / connected to peer-[0-9]+ with / {
      if (substr($NF, length($NF) - length(nbr)) == "-" nbr) { conn = $(NF - 1); st = "Established" }
      next
    }
    conn != "" && $7 == conn && /peer reset|lost TCP|closing connection/ { st = "Idle" }
    END { print (st == "" ? "Idle" : st) }' "${PEER_LOG[$1]}"
}

# e.g. "peer reset, message [notification received (6,2)] error[Cease / Administrative Shutdown]"
exabgp_last_error() { grep -h 'peer reset, message' "${PEER_LOG[$1]}" | tail -n 3; }

# ---------------------------------------------------------------------------------------------
# Routes a peer received, read from the peer's own CLI/API and normalised to one line a route:
#   PREFIX path=ASN,ASN,... origin=igp|egp|incomplete nh=NEXT_HOP lp=LOCAL_PREF
# `path=` is empty for an empty AS_PATH; nh is the (global) next hop; lp is `-` when the route
# has none. Sorted. The family is the session's (lib.sh runs one family per session).

# peer_routes NODE NEIGHBOR : the routes the peer on NODE holds from NEIGHBOR.
peer_routes() { "${PEER_TYPE[$1]}_routes" "$1" "$2"; }

# _peer_routes_seen NODE NEIGHBOR STRIP : peer_routes, without the lp= field if STRIP is 1.
_peer_routes_seen() {
  local strip=$3
  peer_routes "$1" "$2" | if ((strip)); then sed 's/ lp=[^ ]*$//'; else cat; fi
}

# peer_routes_are NODE NEIGHBOR [-n] LINE... : exactly these routes, nothing more (order free).
# With -n the lp= field is left out of the comparison (an eBGP route carries no LOCAL_PREF, and
# some daemons show their own default for it).
peer_routes_are() {
  local node=$1 nbr=$2 strip=0 got
  shift 2
  [[ "${1:-}" == -n ]] && { strip=1; shift; }
  got=$(_peer_routes_seen "$node" "$nbr" "$strip") || return 1
  [[ "$got" == "$(printf '%s\n' "$@" | sort)" ]]
}

# peer_routes_diff NODE NEIGHBOR [-n] LINE... : prints what peer_routes_are found wrong.
peer_routes_diff() {
  local node=$1 nbr=$2 strip=0
  shift 2
  [[ "${1:-}" == -n ]] && { strip=1; shift; }
  diff <(printf '%s\n' "$@" | sort) <(_peer_routes_seen "$node" "$nbr" "$strip" || echo "(no answer from $node)") |
    sed -n 's/^< /  missing:    /p; s/^> /  unexpected: /p'
}

# peer_has_route NODE NEIGHBOR PREFIX : the peer holds PREFIX from NEIGHBOR, whatever its attributes.
peer_has_route() { peer_routes "$1" "$2" | grep -q "^$3 "; }

# peer_saw_eor NODE NEIGHBOR : the peer received an End-of-RIB marker (RFC 4724 §2) from
# NEIGHBOR for the session's family, on its current run.
peer_saw_eor() { "${PEER_TYPE[$1]}_saw_eor" "$1" "$2"; }

frr_saw_eor() {
  local af=ipv4Unicast
  is_v6 "$2" && af=ipv6Unicast
  frr_vtysh "$1" "show bgp neighbors $2 json" |
    jq -e --arg n "$2" --arg af "$af" '.[$n].gracefulRestartInfo.endOfRibRecv[$af] == true' >/dev/null
}

# BIRD traces "<TRACE> nK: Got END-OF-RIB" (debug packets).
bird_saw_eor() { grep -q "<TRACE> $(bird_proto_of "$1" "$2"): Got END-OF-RIB" "${PEER_LOG[$1]}"; }

# gobgpd --log-level=debug: {"Key":"10.0.0.1","msg":"EOR received",...}
gobgp_saw_eor() {
  jq -Rne --arg n "$2" 'any(inputs | fromjson? | select(.msg == "EOR received"); .Key == $n)' \
    "${PEER_LOG[$1]}" >/dev/null
}

exabgp_saw_eor() {
  jq -Rne --arg n "$2" 'any(inputs | fromjson?; .neighbor.address.peer == $n and .neighbor.message.eor != null)' \
    "${PEER_CTL[$1]}" >/dev/null
}

# FRR: `show bgp <afi> unicast neighbors N routes json`, the paths from N in the BGP table.
frr_routes() {
  local af=ipv4
  is_v6 "$2" && af=ipv6
  local out
  out=$(frr_vtysh "$1" "show bgp $af unicast neighbors $2 routes json") && [[ -n "$out" ]] || return 1
  jq -r '
    (.routes // {}) | to_entries[] | .key as $p | .value[] |
    "\($p) path=\(.path // "" | gsub(" "; ",")) origin=\(.origin // "-" | ascii_downcase) nh=\([.nexthops[]? | select(.scope != "link-local") | .ip] | first // "-") lp=\(.locPrf // "-")"' \
    <<<"$out" | sort
}

# BIRD: `show route protocol nK all` of the protocol of that neighbor.
bird_routes() {
  local proto
  proto=$(bird_proto_of "$1" "$2")
  [[ -n "$proto" ]] || return 1
  local out
  out=$(birdc -s "${PEER_CTL[$1]}" show route protocol "$proto" all 2>/dev/null) || return 1
  awk '
    function flush() { if (pfx != "") print pfx " path=" path " origin=" origin " nh=" nh " lp=" lp; pfx = "" }
    /^[0-9a-fA-F:.]+\/[0-9]+ / { flush(); pfx = $1; path = ""; origin = "-"; nh = "-"; lp = "-"; next }
    /^[ \t]+BGP\.origin:/ { origin = tolower($2); next }
    /^[ \t]+BGP\.as_path:/ { path = ""; for (i = 2; i <= NF; i++) path = path (i > 2 ? "," : "") $i; next }
    /^[ \t]+BGP\.next_hop:/ { nh = $2; next }
    /^[ \t]+BGP\.local_pref:/ { lp = $2; next }
    END { flush() }' <<<"$out" | sort
}

# GoBGP: `gobgp neighbor N adj-in -a ipv4|ipv6 -j` (before GoBGP's import policy; it has none).
gobgp_routes() {
  local af=ipv4
  is_v6 "$2" && af=ipv6
  local out
  out=$(gobgp_cli "$1" neighbor "$2" adj-in -a "$af" -j) && [[ -n "$out" ]] || return 1
  jq -r '
    (. // {}) | to_entries[] | .key as $p | .value[] |
    (.attrs // []) as $a |
    ([$a[] | select(.type == 2) | .as_paths[]?.asns[]?] | map(tostring) | join(",")) as $path |
    ([$a[] | select(.type == 3 or .type == 14) | .nexthop] | first // "-") as $nh |
    ([$a[] | select(.type == 5) | .value] | first // "-") as $lp |
    ([$a[] | select(.type == 1) | ["igp", "egp", "incomplete"][.value]] | first // "-") as $origin |
    "\($p) path=\($path) origin=\($origin) nh=\($nh) lp=\($lp)"' <<<"$out" | sort
}

# ExaBGP: replays the JSON API messages its `dump` process recorded: announcements and
# withdrawals in order, everything forgotten when the session goes down or comes up again.
exabgp_routes() {
  [[ -f "${PEER_CTL[$1]}" ]] || return 1
  jq -Rnr --arg nbr "$2" '
    def nlri: if type == "object" then .nlri else . end;
    reduce (inputs | fromjson? | select(.neighbor.address.peer == $nbr)) as $m ({};
      if $m.type == "state" and ($m.neighbor.state | IN("down", "connected", "up")) then {}
      elif $m.type == "update" and $m.neighbor.message.update then
        $m.neighbor.message.update as $u
        | ($u.attribute // {}) as $a
        | reduce ($u.withdraw // {} | .[] | .[] | nlri) as $p (.; del(.[$p]))
        | reduce ($u.announce // {} | .[] | to_entries[] | .key as $nh | .value[] |
                  [nlri, ($nh | split(" ")[0])]) as $e (.;
            .[$e[0]] = "path=\($a["as-path"] // [] | map(tostring) | join(",")) origin=\($a.origin // "-") nh=\($e[1]) lp=\($a["local-preference"] // "-")")
      else . end)
    | to_entries[] | "\(.key) \(.value)"' "${PEER_CTL[$1]}" | sort
}

# ---------------------------------------------------------------------------------------------
# vipd

# vipd_start CONFIG_FILE : starts vipd in the router namespace. VIPD_EXTRA_ARGS (word-split) is
# appended to its command line, e.g. VIPD_EXTRA_ARGS="--log-level debug".
vipd_start() {
  it_require_vipd
  VIPD_CONF=$1
  VIPD_SOCK="$IT_DIR/vipd.sock"
  VIPD_LOG="$IT_DIR/vipd.log"
  local already=0 entry
  for entry in "${IT_LOGS[@]}"; do [[ "$entry" == "vipd|"* ]] && already=1; done
  ((already)) || { it_add_log vipd "$VIPD_LOG"; it_add_log "vipd stdout" "$IT_DIR/vipd.stdout"; }
  rm -f "$VIPD_SOCK"
  # shellcheck disable=SC2086  # VIPD_EXTRA_ARGS is a list of words
  ip netns exec "$IT_ROUTER_NS" "$VIPD_BIN_DIR/vipd" --foreground --bgp-config "$VIPD_CONF" \
    --socket "$VIPD_SOCK" --log-file "$VIPD_LOG" --pid-file "$IT_DIR/vipd.pid" \
    ${VIPD_EXTRA_ARGS:-} >>"$IT_DIR/vipd.stdout" 2>&1 &
  VIPD_PID=$!
  IT_PIDS+=("$VIPD_PID")
  wait_until 10 vipctl show ip bgp summary json || it_die "vipd did not answer on $VIPD_SOCK"
}

vipctl() { "$VIPD_BIN_DIR/vipctl" --socket "$VIPD_SOCK" "$@"; }
vipd_alive() { kill -0 "$VIPD_PID" 2>/dev/null; }

vipd_kill9() {
  kill -KILL "$VIPD_PID" 2>/dev/null || true
  wait "$VIPD_PID" 2>/dev/null || true
}

# vipd_stop : SIGTERM; returns vipd's exit status (124 if it did not exit within 10 s).
vipd_stop() {
  local rc=0
  kill -TERM "$VIPD_PID" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$VIPD_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$VIPD_PID" 2>/dev/null; then
    kill -KILL "$VIPD_PID" 2>/dev/null || true
    wait "$VIPD_PID" 2>/dev/null || true
    return 124
  fi
  wait "$VIPD_PID" || rc=$?
  return "$rc"
}

vipd_neighbor_json() { vipctl show ip bgp neighbors "$1" json 2>/dev/null; }

vipd_state() {
  local s
  s=$(vipd_neighbor_json "$1" | json_get ".[\"$1\"].bgpState") ||
    s=$(vipctl show ip bgp summary json 2>/dev/null |
      json_get "[.ipv4Unicast.peers[\"$1\"].state, .ipv6Unicast.peers[\"$1\"].state] | map(select(. != null)) | first") ||
    return 1
  echo "$s"
}

vipd_established() { [[ "$(vipd_state "$1")" == "Established" ]]; }
vipd_not_established() { ! vipd_established "$1"; }

# vipd_neighbor_field ADDR FIELD : e.g. connectionsEstablished, lastResetDueTo.
vipd_neighbor_field() { vipd_neighbor_json "$1" | json_get ".[\"$1\"].$2"; }

# vipd_pfx_rcvd ADDR : pfxRcd in the summary (ipv4Unicast for IPv4 neighbors, else ipv6Unicast).
vipd_pfx_rcvd() {
  local af=ipv4Unicast
  is_v6 "$1" && af=ipv6Unicast
  vipctl show ip bgp summary json 2>/dev/null | json_get ".${af}.peers[\"$1\"].pfxRcd"
}

vipd_pfx_is() { [[ "$(vipd_pfx_rcvd "$1")" == "$2" ]]; }

# vipd_msg_rcvd ADDR
vipd_msg_rcvd() {
  local af=ipv4Unicast
  is_v6 "$1" && af=ipv6Unicast
  vipctl show ip bgp summary json 2>/dev/null | json_get ".${af}.peers[\"$1\"].msgRcvd"
}

# Both ends agree: vipd has NEIGHBOR Established and the peer on NODE has vipd Established.
both_established() {
  local node=$1 nbr=$2 addr_on_router=$3
  vipd_established "$nbr" && peer_established "$node" "$addr_on_router"
}

# vipd_established_all ADDR... : all given neighbors Established at vipd.
vipd_established_all() {
  local a
  for a in "$@"; do vipd_established "$a" || return 1; done
}

# Writes a vipd config for the router: vipd_conf FILE ASN [LINES...] ; the lines are put inside
# `router bgp`, IPv6 neighbors are activated in address-family ipv6 unicast automatically. A
# line "af6 X" puts X inside address-family ipv6 unicast (e.g. "af6 network 2001:db8::/48").
vipd_conf() {
  local file=$1 asn=$2 l
  shift 2
  local v6=() af6=()
  {
    echo "router bgp $asn"
    echo " bgp router-id $ROUTER_V4"
    for l in "$@"; do
      if [[ "$l" == "af6 "* ]]; then af6+=("${l#af6 }"); continue; fi
      echo " $l"
      if [[ "$l" =~ ^neighbor\ ([0-9a-fA-F:]*:[0-9a-fA-F:]*)\ remote-as ]]; then v6+=("${BASH_REMATCH[1]}"); fi
    done
    if ((${#v6[@]} + ${#af6[@]})); then
      echo " address-family ipv6 unicast"
      for l in "${v6[@]}"; do echo "  neighbor $l activate"; done
      for l in "${af6[@]}"; do echo "  $l"; done
      echo " exit-address-family"
    fi
  } >"$file"
}

# vipd_configure LINE... : runs the lines in vipd's config mode, in one vipctl session
# (`configure terminal` first), e.g. vipd_configure "router bgp 65000" "no network 10.0.0.0/8".
vipd_configure() {
  local args=(-c "configure terminal") l
  for l in "$@"; do args+=(-c "$l"); done
  vipctl "${args[@]}"
}
