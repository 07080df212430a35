#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# L2 mode in steady state (the issue's target: 250 Service IPs on 6 nodes, under 2% of one core
# per node). NODES node namespaces on one bridge (tests/interop/lib.sh), each with eth0 on
# 192.168.12.0/24 and 10.99.0.0/16; a cluster directory with NODES Nodes and SERVICES
# LoadBalancer Services (each with an EndpointSlice on every node), an IPAddressPool
# 10.99.128.0/17 and one L2Advertisement. vipd on every node (node-1 also --lb-controller):
# once every Service IP has an owner and 10 s more, each node's vipd CPU time (utime+stime from
# /proc/PID/stat) over SECONDS s, its peak RSS (VmHWM), its VRRP instances and how many it is
# master of (`vipctl show lb l2 json`).
# Then, one after the other (both must see the same adverts), keepalived 2.2.7 runs the same
# virtual routers: per node a keepalived.conf with vipd's instances (VRID, interface, this
# node's priority, the Service IPs as /32, vrrp_version 3, advert_int ADVERT_MS), measured the
# same way (parent and VRRP child summed). Prints a table and the ratio vipd/keepalived.
#
# Usage: bench/l2-steady/run.sh [--services N] [--nodes N] [--seconds S] [--advert-ms MS]
#            [--build-dir DIR] [--keep]
#   --keep   keep the work directory (configs, logs, show lb l2 json of each node)
# Needs root (network namespaces), keepalived, jq, and vipd built:
#   cmake --build build --target vipd vipctl
set -uo pipefail

L2_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
L2_REPO=$(cd "$L2_HERE/../.." && pwd)

SERVICES=250
NODES=6
SECONDS_MEASURED=30
ADVERT_MS=20
SETTLE=10
while (($#)); do
  case $1 in
    --services) SERVICES=$2; shift 2 ;;
    --nodes) NODES=$2; shift 2 ;;
    --seconds) SECONDS_MEASURED=$2; shift 2 ;;
    --advert-ms) ADVERT_MS=$2; shift 2 ;;
    --build-dir) export VIPD_BIN_DIR; VIPD_BIN_DIR="$(cd "$2" && pwd)/bin"; shift 2 ;;
    --keep) export IT_KEEP_DIR=1; shift ;;
    -h | --help) awk 'NR == 1 || /^# shellcheck/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
((SERVICES >= 1 && SERVICES <= 30000)) || { echo "run.sh: --services 1..30000" >&2; exit 2; }
((NODES >= 2 && NODES <= 12)) || { echo "run.sh: --nodes 2..12 (the default VRID range)" >&2; exit 2; }
((ADVERT_MS >= 10 && ADVERT_MS % 10 == 0)) || { echo "run.sh: --advert-ms a multiple of 10" >&2; exit 2; }

export IT_V4_NET=192.168.12 IT_V6_NET=fd00:12::
# shellcheck source=../../tests/interop/lib.sh
source "$L2_REPO/tests/interop/lib.sh"
# shellcheck source=../../tests/interop/lb_suite.sh
source "$L2_REPO/tests/interop/lb_suite.sh"

it_init l2_steady
it_require_vipd
command -v keepalived >/dev/null || it_die "keepalived not installed"
HZ=$(getconf CLK_TCK)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
ADVERT_S=$(awk -v ms="$ADVERT_MS" 'BEGIN { printf "%g", ms / 1000 }')

# ---------------------------------------------------------------------------------------------
# The LAN: lib.sh's bridge in the router namespace (192.168.12.1/24); every node also gets an
# address in 10.99.0.0/16, the subnet whose pool holds the Service IPs (the /24 has too few).

topo_create
ip -n "$IT_ROUTER_NS" addr add 10.99.0.1/16 dev br0
nodes=()
for i in $(seq 1 "$NODES"); do
  n=node-$i
  nodes+=("$n")
  topo_add_node "$n" "192.168.12.$((10 + i))" "fd00:12::$((10 + i))"
  ip -n "${NODE_NS[$n]}" addr add "10.99.0.$((10 + i))/16" dev eth0
done

lb=$IT_DIR/metallb.yaml
cat >"$lb" <<'YAML'
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lan
  namespace: metallb-system
spec:
  addresses:
  - 10.99.128.0/17
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: lan
  namespace: metallb-system
spec:
  ipAddressPools:
  - lan
YAML

k8s=$IT_DIR/k8s
mkdir -p "$k8s"
k8s_namespace_yaml default >"$k8s/namespace.yaml"
for n in "${nodes[@]}"; do k8s_node_yaml "$n" >"$k8s/$n.yaml"; done
endpoints=""
for i in $(seq 1 "$NODES"); do endpoints+="- addresses: [\"10.42.0.$i\"]"$'\n'"  nodeName: node-$i"$'\n'; done
# One file of 50 Services (and their EndpointSlices) at a time.
for ((f = 0; f * 50 < SERVICES; f++)); do
  for ((s = f * 50; s < SERVICES && s < (f + 1) * 50; s++)); do
    cat <<YAML
---
apiVersion: v1
kind: Service
metadata:
  name: svc-$s
  namespace: default
spec:
  type: LoadBalancer
  ports:
  - name: web
    port: 80
    protocol: TCP
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-$s-x1
  namespace: default
  labels:
    kubernetes.io/service-name: svc-$s
addressType: IPv4
endpoints:
$endpoints
YAML
  done >"$k8s/services-$f.yaml"
done

"$VIPD_BIN_DIR/vipd" --check --lb-config "$lb" >/dev/null || it_die "vipd --check rejects $lb"

# ---------------------------------------------------------------------------------------------
# Measurement

# cpu_ticks PID... : utime+stime of the processes (all their threads), in clock ticks.
cpu_ticks() {
  local pid total=0 stat rest
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || it_die "process $pid is gone"
    # Fields after "(comm)": state is field 3, utime 14 and stime 15 of the whole line.
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

# hwm_kib PID... : the sum of the processes' peak RSS (VmHWM), in KiB.
hwm_kib() {
  local pid total=0 kib
  for pid in "$@"; do
    kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || kib=0
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

# measure LABEL : CPU of every node's processes (PIDS_OF[node], space-separated) over
# SECONDS_MEASURED, all nodes sampled together; sets CPU_PCT[node] and RSS_MIB[node].
declare -A PIDS_OF=() CPU_PCT=() RSS_MIB=() T0=()
measure() {
  local n start end
  start=$(date +%s%N)
  # shellcheck disable=SC2086  # a list of pids
  for n in "${nodes[@]}"; do T0[$n]=$(cpu_ticks ${PIDS_OF[$n]}); done
  sleep "$SECONDS_MEASURED"
  end=$(date +%s%N)
  for n in "${nodes[@]}"; do
    # shellcheck disable=SC2086
    CPU_PCT[$n]=$(awk -v a="${T0[$n]}" -v b="$(cpu_ticks ${PIDS_OF[$n]})" -v hz="$HZ" \
      -v ns="$((end - start))" 'BEGIN { printf "%.2f", (b - a) / hz / (ns / 1e9) * 100 }')
    # shellcheck disable=SC2086
    RSS_MIB[$n]=$(awk -v k="$(hwm_kib ${PIDS_OF[$n]})" 'BEGIN { printf "%.1f", k / 1024 }')
  done
  it_log "$1: measured over $(((end - start) / 1000000)) ms"
}

# ---------------------------------------------------------------------------------------------
# vipd

declare -A VIPD_INSTANCES=() VIPD_MASTERS=() VIPD_CPU=() VIPD_RSS=()
l2_json() { lbctl "$1" show lb l2 json; }
# The Service IPs some node says it owns (its instance is master), distinct.
owned_ips() {
  local n
  for n in "${nodes[@]}"; do l2_json "$n" | jq -r '.services[] | select(.owner) | .ip'; done | sort -u
}
all_owned() { [[ $(owned_ips | wc -l) == "$SERVICES" ]]; }
# Exactly one owner per Service IP.
owners_unique() {
  local n
  [[ -z $(for n in "${nodes[@]}"; do l2_json "$n" | jq -r '.services[] | select(.owner) | .ip'; done | sort | uniq -d) ]]
}

lb_start node-1 --lb-controller
for n in "${nodes[@]:1}"; do lb_start "$n"; done
it_log "vipd on ${#nodes[@]} nodes; waiting until the $SERVICES Service IPs have an owner"
t0=$(date +%s)
wait_until 120 all_owned || it_die "only $(owned_ips | wc -l) of $SERVICES Service IPs have an owner after 120 s"
it_log "every Service IP has an owner after $(($(date +%s) - t0)) s; $SETTLE s more"
sleep "$SETTLE"
owners_unique || it_log "WARNING: a Service IP has two owners"
for n in "${nodes[@]}"; do PIDS_OF[$n]=${LB_PID[$n]}; done
measure vipd
for n in "${nodes[@]}"; do
  l2_json "$n" >"$IT_DIR/l2-$n.json" || it_die "show lb l2 json on $n"
  VIPD_INSTANCES[$n]=$(jq '[.services[] | .thisNode | select(. and .state != "not running") | .instance] | unique | length' "$IT_DIR/l2-$n.json")
  VIPD_MASTERS[$n]=$(jq '[.services[] | select(.owner) | .thisNode.instance] | unique | length' "$IT_DIR/l2-$n.json")
  VIPD_CPU[$n]=${CPU_PCT[$n]}
  VIPD_RSS[$n]=${RSS_MIB[$n]}
done
all_owned || it_log "WARNING: a Service IP lost its owner during the measurement"
owners_unique || it_log "WARNING: a Service IP has two owners after the measurement"

# Stopped before keepalived starts: both daemons must see the same adverts.
for n in "${nodes[@]}"; do kill -TERM "${LB_PID[$n]}" 2>/dev/null; done
for n in "${nodes[@]}"; do
  for _ in $(seq 1 100); do kill -0 "${LB_PID[$n]}" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "${LB_PID[$n]}" 2>/dev/null && it_log "vipd on $n did not exit within 10 s of SIGTERM"
  { wait "${LB_PID[$n]}"; } 2>/dev/null
done

# ---------------------------------------------------------------------------------------------
# keepalived: the virtual routers vipd ran, from each node's `show lb l2 json`.

# keepalived_conf NODE : per instance of the node, its VRID, interface, this node's priority and
# the Service IPs (sorted, so every node lists a router's addresses in the same order).
keepalived_conf() {
  local n=$1
  printf 'global_defs {\n    router_id %s\n    vrrp_version 3\n}\n' "$n"
  jq -r --arg n "$n" --arg adv "$ADVERT_S" '
    [.services[] | select(.thisNode and .thisNode.state != "not running")]
    | group_by(.thisNode.instance)[]
    | (.[0].candidates[] | select(.node == $n) | .priority) as $prio
    | "vrrp_instance \(.[0].thisNode.instance) {\n    state BACKUP\n    interface \(.[0].thisNode.interface)\n    virtual_router_id \(.[0].virtualRouter)\n    priority \($prio)\n    advert_int \($adv)\n    virtual_ipaddress {\n"
      + ([.[].ip] | sort_by(split(".") | map(tonumber)) | map("        \(.)/32\n") | add)
      + "    }\n}"' "$IT_DIR/l2-$n.json"
}

declare -A KA_PID=() KA_CHILD=() KA_CPU=() KA_RSS=() KA_INSTANCES=() KA_MASTERS=()
ka_child() {
  local pid
  pid=$(cat "$IT_DIR/keepalived-$1/vrrp.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null && echo "$pid"
}
for n in "${nodes[@]}"; do
  d=$IT_DIR/keepalived-$n
  mkdir -p "$d"
  keepalived_conf "$n" >"$d/keepalived.conf"
  ip netns exec "${NODE_NS[$n]}" keepalived -t"$d/config-test.log" -f "$d/keepalived.conf" >/dev/null 2>&1 ||
    it_die "keepalived rejects $d/keepalived.conf: $(cat "$d/config-test.log")"
done
for n in "${nodes[@]}"; do
  d=$IT_DIR/keepalived-$n
  it_add_log "keepalived on $n" "$d/keepalived.log"
  # -n: the parent stays in the foreground (its pid is ours), -P: the VRRP child only, -G: the
  # console log only (nothing into the machine's syslog).
  ip netns exec "${NODE_NS[$n]}" keepalived -n -l -G -P -f "$d/keepalived.conf" -p "$d/keepalived.pid" \
    -r "$d/vrrp.pid" >>"$d/keepalived.log" 2>&1 &
  KA_PID[$n]=$!
  IT_PIDS+=("${KA_PID[$n]}")
done
for n in "${nodes[@]}"; do
  wait_until 10 ka_child "$n" || it_die "keepalived on $n did not start its VRRP child"
  KA_CHILD[$n]=$(ka_child "$n")
  IT_PIDS+=("${KA_CHILD[$n]}")
done

# keepalived configures a master's addresses on its interface: a router's first address on
# eth0 says who is its master. ka_masters NODE : the node's instances that hold their addresses.
ka_masters() {
  local n=$1 have
  have=$(ip -n "${NODE_NS[$n]}" -4 -o addr show dev eth0 | awk '{ print $4 }')
  awk 'FNR == NR { have[$1] = 1; next }
       /^vrrp_instance / { name = $2; first = 1 }
       /^        [0-9.]+\/32$/ && first { first = 0; if ($1 in have) print name }' \
    <(echo "$have") "$IT_DIR/keepalived-$n/keepalived.conf"
}
ka_owned_ips() {
  local n
  for n in "${nodes[@]}"; do ip -n "${NODE_NS[$n]}" -4 -o addr show dev eth0 | awk '$4 ~ /^10\.99\..*\/32$/ { print $4 }'; done
}
ka_all_owned() { [[ $(ka_owned_ips | sort -u | wc -l) == "$SERVICES" ]]; }
ka_unique() { [[ -z $(ka_owned_ips | sort | uniq -d) ]]; }

it_log "keepalived on ${#nodes[@]} nodes; waiting until the $SERVICES Service IPs have an owner"
t0=$(date +%s)
wait_until 120 ka_all_owned || it_die "only $(ka_owned_ips | sort -u | wc -l) of $SERVICES Service IPs configured after 120 s"
it_log "every Service IP has an owner after $(($(date +%s) - t0)) s; $SETTLE s more"
sleep "$SETTLE"
ka_unique || it_log "WARNING: a Service IP is configured on two nodes"
for n in "${nodes[@]}"; do PIDS_OF[$n]="${KA_PID[$n]} ${KA_CHILD[$n]}"; done
measure keepalived
for n in "${nodes[@]}"; do
  KA_INSTANCES[$n]=$(grep -c '^vrrp_instance ' "$IT_DIR/keepalived-$n/keepalived.conf")
  KA_MASTERS[$n]=$(ka_masters "$n" | wc -l)
  KA_CPU[$n]=${CPU_PCT[$n]}
  KA_RSS[$n]=${RSS_MIB[$n]}
  [[ ${KA_INSTANCES[$n]} == "${VIPD_INSTANCES[$n]}" ]] ||
    it_log "WARNING: $n: keepalived runs ${KA_INSTANCES[$n]} instances, vipd ran ${VIPD_INSTANCES[$n]}"
done
ka_all_owned || it_log "WARNING: a Service IP lost its owner during the measurement"
ka_unique || it_log "WARNING: a Service IP is configured on two nodes after the measurement"
it_stop_pids "${KA_PID[@]}" "${KA_CHILD[@]}"

# ---------------------------------------------------------------------------------------------
# Report

echo
echo "L2 mode steady state: $SERVICES Service IPs, ${#nodes[@]} nodes, adverts every $ADVERT_MS ms, CPU over $SECONDS_MEASURED s"
echo "$(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); load average at the start: $LOAD_BEFORE"
echo "vipd at $(git -C "$L2_REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), $(keepalived --version 2>&1 | head -1)"
echo
printf '| %-6s | %9s | %9s | %9s | %7s | %14s | %12s | %10s | %7s |\n' node "instances" "masters" \
  "vipd CPU" "vipd RSS" "keepalived CPU" "keepalived RSS" "ka masters" ratio
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' -------- ----------- ----------- ----------- --------- \
  ---------------- -------------- ------------ ---------
for n in "${nodes[@]}"; do
  ratio=$(awk -v a="${VIPD_CPU[$n]}" -v b="${KA_CPU[$n]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  printf '| %-6s | %9s | %9s | %8s%% | %4s MB | %13s%% | %9s MB | %10s | %7s |\n' "$n" "${VIPD_INSTANCES[$n]}" \
    "${VIPD_MASTERS[$n]}" "${VIPD_CPU[$n]}" "${VIPD_RSS[$n]}" "${KA_CPU[$n]}" "${KA_RSS[$n]}" \
    "${KA_MASTERS[$n]}" "$ratio"
done
vipd_cpus=() ka_cpus=()
for n in "${nodes[@]}"; do
  vipd_cpus+=("${VIPD_CPU[$n]}")
  ka_cpus+=("${KA_CPU[$n]}")
done
awk -v v="${vipd_cpus[*]}" -v k="${ka_cpus[*]}" 'BEGIN {
    n = split(v, a, " "); split(k, b, " ")
    for (i = 1; i <= n; i++) { sv += a[i]; sk += b[i]; if (a[i] > mv) mv = a[i]; if (b[i] > 0) { sr += a[i] / b[i]; nr++ } }
    printf "| mean   |           |           | %8.2f%% |         | %13.2f%% |              |            | %7s |\n",
      sv / n, sk / n, nr ? sprintf("%.2f", sr / nr) : "-"
    printf "\nvipd: max %.2f%% of one core per node (target: under 2%%)\n", mv }'
echo "(keepalived: parent and VRRP child summed, CPU and peak RSS; ratio: vipd CPU / keepalived CPU)"
it_finish
