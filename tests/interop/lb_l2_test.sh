#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The load balancer in L2 mode (MetalLB's layer2, the seed's metallb-l2.yaml design) with a
# real Linux client: three nodes (node-a .11, node-b .12, node-c .13) on one LAN (br0 in the
# client namespace, 192.168.12.1), each running vipd with an IPAddressPool on the LAN's subnet
# and an L2Advertisement. The client's kernel resolves the Service IPs with ARP and NDP.
# Checks:
#   - every Service IP (three IPv4, one IPv6) resolves at the client to exactly one node's MAC,
#     the one `vipctl show lb l2` calls the owner; the four spread within one over the nodes;
#   - the owner writes MetalLB's ServiceL2Status (in the cluster directory);
#   - arping from the client gets answers from one MAC only (nobody else answers);
#   - the owner's vipd killed (SIGKILL): the client's cache follows the takeover to the
#     successor's MAC (gratuitous ARP), within 1 s (time printed); no other Service moves;
#   - the node back: it takes its Service back (preemption), the client's cache follows;
#   - the owner's link cut (partition) and healed: afterwards exactly one node answers.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export IT_V4_NET=192.168.12 IT_V6_NET=fd00:12::
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=lb_suite.sh
source "$here/lb_suite.sh"
it_init lb_l2
it_require_vipd
command -v arping >/dev/null || it_die "arping not installed (scripts/install-deps.sh)"

topo_create
nodes=(node-a node-b node-c)
declare -A MAC
for i in 0 1 2; do
  topo_add_node "${nodes[$i]}" "192.168.12.1$((i + 1))" "fd00:12::1$((i + 1))"
  MAC[${nodes[$i]}]=$(ip -n "${NODE_NS[${nodes[$i]}]}" -j link show eth0 | jq -r '.[0].address')
done
client=$IT_ROUTER_NS

lb=$IT_DIR/metallb.yaml
cat >"$lb" <<'YAML'
# The seed's L2 design on the lab's LAN: a pool on the nodes' own subnet, one L2Advertisement.
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: first-pool
  namespace: metallb-system
spec:
  addresses:
  - 192.168.12.200-192.168.12.250
  - fd00:12::200-fd00:12::250
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: main
  namespace: metallb-system
spec:
  ipAddressPools:
  - first-pool
YAML

k8s=$IT_DIR/k8s
mkdir -p "$k8s"
k8s_namespace_yaml default >"$k8s/namespace.yaml"
for n in "${nodes[@]}"; do k8s_node_yaml "$n" >"$k8s/$n.yaml"; done
service_yaml() {  # name family
  cat <<YAML
apiVersion: v1
kind: Service
metadata:
  name: $1
  namespace: default
spec:
  type: LoadBalancer
  ipFamilies: [$2]
  ports:
  - name: web
    port: 80
    protocol: TCP
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $1-x1
  namespace: default
  labels:
    kubernetes.io/service-name: $1
addressType: IPv4
endpoints:
- addresses: ["10.42.0.11"]
  nodeName: node-a
- addresses: ["10.42.0.12"]
  nodeName: node-b
- addresses: ["10.42.0.13"]
  nodeName: node-c
YAML
}
for i in 0 1 2; do service_yaml "svc-$i" IPv4 >"$k8s/svc-$i.yaml"; done
service_yaml svc-6 IPv6 >"$k8s/svc-6.yaml"


# The node whose vipd says it owns IP (its instance is master), or nothing.
owner_says() {
  local ip=$1 n
  for n in "${nodes[@]}"; do
    kill -0 "${LB_PID[$n]}" 2>/dev/null || continue
    lbctl "$n" show lb l2 json |
      jq -e --arg ip "$ip" --arg n "$n" '.services[] | select(.ip == $ip) | select(.owner == $n)' \
        >/dev/null 2>&1 && echo "$n"
  done
  return 0
}
# The MAC the client's kernel resolves IP to now (flushing what it had first).
resolve() {
  local ip=$1 fam=-4
  [[ $ip == *:* ]] && fam=-6
  ip -n "$client" neigh flush to "$ip" 2>/dev/null || true
  # No echo reply comes (the address is on no interface): the ARP/NDP answer is what counts.
  ip netns exec "$client" ping "$fam" -c1 -W0.3 -q "$ip" >/dev/null 2>&1 || true
  ip -n "$client" -j neigh show to "$ip" | jq -r '.[0].lladdr // empty'
}
# The MAC the client's cache holds for IP, without asking again.
cached() { ip -n "$client" -j neigh show to "$1" | jq -r '.[0].lladdr // empty'; }
node_of_mac() {
  local n
  for n in "${nodes[@]}"; do [[ ${MAC[$n]} == "$1" ]] && echo "$n"; done
  return 0
}
resolves_to() { [[ "$(resolve "$1")" == "${MAC[$2]}" ]]; }
cached_is() { [[ "$(cached "$1")" == "${MAC[$2]}" ]]; }
# MACs answering arping for IP (3 requests), distinct, sorted.
arp_answerers() {
  ip netns exec "$client" arping -c 3 -w 2 -I br0 "$1" 2>/dev/null |
    sed -n 's/.*from [0-9.]* \[\?\([0-9a-fA-F:]\{17\}\).*/\1/p' | tr 'A-F' 'a-f' | sort -u | tr '\n' ' ' || true
}

check "vipd --check accepts the MetalLB resources" "$VIPD_BIN_DIR/vipd" --check --lb-config "$lb"
lb_start node-a --log-level debug --lb-controller
lb_start node-b --log-level debug
lb_start node-c --log-level debug

ips=(192.168.12.200 192.168.12.201 192.168.12.202 fd00:12::200)
owner_known() { [[ -n "$(owner_says "$1")" ]]; }
declare -A OWNER
for ip in "${ips[@]}"; do
  if wait_until 15 owner_known "$ip"; then
    OWNER[$ip]=$(owner_says "$ip")
    pass "$ip has one owner by vipd's account: ${OWNER[$ip]}"
  else
    fail "$ip: no node says it owns it"
    OWNER[$ip]=none
  fi
done
owner_counts=$(printf '%s\n' "${OWNER[@]}" | sort | uniq -c | awk '{print $1}' | sort -n | tr '\n' ' ')
check "the four Services spread within one over the three nodes (owned: $owner_counts)" \
  test "$owner_counts" == "1 1 2 "
for ip in "${ips[@]}"; do
  check "the client resolves $ip to its owner ${OWNER[$ip]}'s MAC" wait_until 5 resolves_to "$ip" "${OWNER[$ip]}"
done
# MetalLB's ServiceL2Status, one per Service, written by its owner.
svc200=$(lbctl node-a show lb l2 json | jq -r '.services[] | select(.ip == "192.168.12.200") | .service')
status_file="$k8s/.vipd-status/l2/${svc200/\//_}_${OWNER[192.168.12.200]}.yaml"
check "ServiceL2Status of $svc200 written by its owner (${status_file##*/})" \
  wait_until 3 grep -q "node: ${OWNER[192.168.12.200]}" "$status_file"
check "one ServiceL2Status per Service" \
  bash -c "[[ \$(ls '$k8s/.vipd-status/l2' | wc -l) == 4 ]]"
answerers=$(arp_answerers 192.168.12.200)
check "arping 192.168.12.200: answers from the owner's MAC only ($answerers)" \
  test "$answerers" == "${MAC[${OWNER[192.168.12.200]}]} "

# Kill the owner of .200: the client's cache follows the successor's gratuitous ARP.
victim=${OWNER[192.168.12.200]}
for ip in "${ips[@]}"; do resolve "$ip" >/dev/null; done
t0=$(date +%s%N)
kill -KILL "${LB_PID[$victim]}"
moved() { local c; c=$(cached 192.168.12.200); [[ -n $c && $c != "${MAC[$victim]}" ]]; }
if wait_until 3 moved; then
  successor=$(node_of_mac "$(cached 192.168.12.200)")
  pass "owner $victim killed: the client's cache moved to $successor after $((($(date +%s%N) - t0) / 1000000)) ms (polled every 200 ms)"
else
  fail "owner $victim killed: the client's cache still says $(cached 192.168.12.200)"
  successor=none
fi
owner_is() { [[ "$(owner_says "$1")" == "$2" ]]; }
check "the new owner $successor says so" wait_until 3 owner_is 192.168.12.200 "$successor"
check "the new owner wrote its ServiceL2Status" \
  wait_until 3 test -e "$k8s/.vipd-status/l2/${svc200/\//_}_$successor.yaml"
for ip in 192.168.12.201 192.168.12.202; do
  [[ ${OWNER[$ip]} == "$victim" ]] && continue
  check "$ip did not move (still ${OWNER[$ip]})" cached_is "$ip" "${OWNER[$ip]}"
done

# The node back: preemption gives it its Service back.
lb_start "$victim" --log-level debug
check "$victim back: the client's cache follows it back to $victim" wait_until 10 cached_is 192.168.12.200 "$victim"
check "the ServiceL2Status $successor wrote while it owned it is gone" \
  wait_until 3 test ! -e "$k8s/.vipd-status/l2/${svc200/\//_}_$successor.yaml"

# Partition: cut the owner's port off the LAN, then heal; after healing one node answers.
port="p-${victim:0:10}"
ip -n "$client" link set "$port" nomaster
sleep 1
ip -n "$client" link set "$port" master br0
sleep 1
answerers=$(arp_answerers 192.168.12.200)
check "after the partition healed, one node answers arping for 192.168.12.200 ($answerers)" \
  bash -c "[[ \$(wc -w <<<'$answerers') == 1 ]]"

check "show lb l2 answers in text" bash -c "'$VIPD_BIN_DIR/vipctl' --socket '${LB_SOCK[node-a]}' show lb l2 | grep -q 'Planned owner'"
it_finish
