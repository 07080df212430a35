#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The load balancer on Kubernetes nodes against FRR as the upstream router: FRR bgpd (AS 65000,
# 192.168.12.1) in the router namespace; two nodes (node-a 192.168.12.11, node-b .12) each run
# vipd with MetalLB resources (--lb-config) and a shared cluster directory (--k8s-dir); node-a
# is also the controller. Checks:
#   - the controller assigns the pool's addresses in order and records them in status files;
#   - FRR learns each Service /32 from both nodes, with the BGPAdvertisement's communities and
#     large communities, as eBGP paths from AS 65009; no route goes from FRR into the nodes;
#   - a Service written later appears at FRR (latency printed), a deleted one is withdrawn;
#   - externalTrafficPolicy: Local announces only from the node with a ready endpoint, and is
#     withdrawn there when that endpoint stops being ready;
#   - a node labelled node.kubernetes.io/exclude-from-external-load-balancers withdraws
#     everything and keeps its session;
#   - SIGTERM on a node: its paths leave FRR; `vipctl show lb ...` answers in text and JSON.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export IT_V4_NET=192.168.12 IT_V6_NET=fd00:12::
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=lb_suite.sh
source "$here/lb_suite.sh"
it_init lb_frr
it_require_vipd

topo_create
topo_add_node node-a 192.168.12.11 fd00:12::11
topo_add_node node-b 192.168.12.12 fd00:12::12
# FRR also announces a route of its own, which the nodes must not take.
peer_start frr r --as 65000 --keepalive 1 --hold 3 --prefix 10.99.0.0/24 \
  --neighbor 192.168.12.11 65009 --neighbor 192.168.12.12 65009

lb=$IT_DIR/metallb.yaml
cat >"$lb" <<'YAML'
# MetalLB resources as a user keeps them: the seed's three, with a community and short timers.
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: upstream
  namespace: metallb-system
spec:
  myASN: 65009
  peerASN: 65000
  peerAddress: 192.168.12.1
  holdTime: 3s
  keepaliveTime: 1s
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: first-pool
  namespace: metallb-system
spec:
  addresses:
  - 10.47.40.1/24
---
apiVersion: metallb.io/v1beta1
kind: Community
metadata:
  name: communities
  namespace: metallb-system
spec:
  communities:
  - name: lab-services
    value: 65009:100
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata:
  name: main
  namespace: metallb-system
spec:
  ipAddressPools:
  - first-pool
  communities:
  - lab-services
  - large:65009:1:2
YAML

k8s=$IT_DIR/k8s
mkdir -p "$k8s"
service_yaml() {  # name [policy]
  cat <<YAML
apiVersion: v1
kind: Service
metadata:
  name: $1
  namespace: default
spec:
  type: LoadBalancer
  externalTrafficPolicy: ${2:-Cluster}
  ports:
  - name: redis
    port: 6379
    protocol: TCP
  - name: bus
    port: 16379
    protocol: TCP
YAML
}
slice_yaml() {  # service ready node...
  local svc=$1 ready=$2 n i=10
  shift 2
  cat <<YAML
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $svc-x1
  namespace: default
  labels:
    kubernetes.io/service-name: $svc
addressType: IPv4
endpoints:
YAML
  for n in "$@"; do
    i=$((i + 1))
    printf -- '- addresses: ["10.42.0.%d"]\n  nodeName: %s\n  conditions:\n    ready: %s\n' "$i" "$n" "$ready"
  done
}
k8s_namespace_yaml default >"$k8s/namespace.yaml"
k8s_node_yaml node-a >"$k8s/node-a.yaml"
k8s_node_yaml node-b >"$k8s/node-b.yaml"
for i in 0 1 2; do
  service_yaml "svc-$i" >"$k8s/svc-$i.yaml"
  { echo "---"; slice_yaml "svc-$i" true node-a node-b; } >>"$k8s/svc-$i.yaml"
done


check "vipd --check accepts the MetalLB resources" "$VIPD_BIN_DIR/vipd" --check --lb-config "$lb"
lb_start node-a --lb-controller
lb_start node-b

# FRR's view: prefix -> the next hops it has for it.
frr_paths() {  # prefix -> sorted next hops, comma separated
  frr_vtysh r "show bgp ipv4 unicast $1 json" |
    jq -r '[.paths[]? | .nexthops[0].ip] | sort | join(",")'
}
paths_are() { [[ "$(frr_paths "$1")" == "$2" ]]; }
both=192.168.12.11,192.168.12.12

check "FRR session with node-a Established" wait_until 20 peer_established r 192.168.12.11
check "FRR session with node-b Established" wait_until 20 peer_established r 192.168.12.12
for i in 0 1 2; do
  check "10.47.40.$i/32 (svc-$i) at FRR from both nodes" wait_until 15 paths_are "10.47.40.$i/32" "$both"
done
check "status file records svc-0's address" \
  bash -c "grep -rq '10.47.40.0' '$k8s/.vipd-status/'"
path_json=$(frr_vtysh r "show bgp ipv4 unicast 10.47.40.0/32 json")
check "eBGP path from AS 65009" bash -c "jq -e '.paths[0].aspath.string == \"65009\"' <<<'$path_json' >/dev/null"
check "community 65009:100 (the Community alias) carried" \
  bash -c "jq -e '.paths[0].community.string == \"65009:100\"' <<<'$path_json' >/dev/null"
check "large community 65009:1:2 carried" \
  bash -c "jq -e '.paths[0].largeCommunity.string == \"65009:1:2\"' <<<'$path_json' >/dev/null"
check "nodes take no route from FRR (MetalLB's speakers accept none)" \
  bash -c "[[ \$('$VIPD_BIN_DIR/vipctl' --socket '${LB_SOCK[node-a]}' show ip bgp summary json | jq '.ipv4Unicast.peers[\"192.168.12.1\"].pfxRcd') == 0 ]]"

# A Service written now: route at FRR, latency from the write.
t0=$(date +%s%N)
{ service_yaml svc-3; echo "---"; slice_yaml svc-3 true node-a node-b; } >"$k8s/svc-3.yaml.tmp"
mv "$k8s/svc-3.yaml.tmp" "$k8s/svc-3.yaml"
if wait_until 10 paths_are 10.47.40.3/32 "$both"; then
  pass "new Service svc-3 -> 10.47.40.3/32 at FRR from both nodes after $((($(date +%s%N) - t0) / 1000000)) ms"
else
  fail "new Service svc-3 not at FRR: '$(frr_paths 10.47.40.3/32)'"
fi

# Deleted: withdrawn; its address is free again.
rm "$k8s/svc-1.yaml"
check "deleted Service svc-1: 10.47.40.1/32 withdrawn at FRR" wait_until 10 paths_are 10.47.40.1/32 ""
check "svc-0 kept its address" paths_are 10.47.40.0/32 "$both"

# externalTrafficPolicy: Local with the only endpoint on node-b.
{ service_yaml svc-2 Local; echo "---"; slice_yaml svc-2 true node-b; } >"$k8s/svc-2.yaml"
check "Local policy: 10.47.40.2/32 only from node-b" wait_until 10 paths_are 10.47.40.2/32 192.168.12.12
{ service_yaml svc-2 Local; echo "---"; slice_yaml svc-2 false node-b; } >"$k8s/svc-2.yaml"
check "Local policy, endpoint not ready: withdrawn" wait_until 10 paths_are 10.47.40.2/32 ""

# node-a excluded by label: its routes go, its session stays.
k8s_node_yaml node-a "    node.kubernetes.io/exclude-from-external-load-balancers: \"\"" >"$k8s/node-a.yaml"
check "excluded node-a: 10.47.40.0/32 only from node-b" wait_until 10 paths_are 10.47.40.0/32 192.168.12.12
check "excluded node-a keeps its session" peer_established r 192.168.12.11
k8s_node_yaml node-a >"$k8s/node-a.yaml"
check "node-a back: 10.47.40.0/32 from both" wait_until 10 paths_are 10.47.40.0/32 "$both"

# The show commands.
check "show lb pools json: 3 addresses in use" \
  bash -c "[[ \$('$VIPD_BIN_DIR/vipctl' --socket '${LB_SOCK[node-a]}' show lb pools json | jq '.[0].assignedIPv4') == 3 ]]"
check "show lb services lists svc-0 with both nodes" \
  bash -c "'$VIPD_BIN_DIR/vipctl' --socket '${LB_SOCK[node-b]}' show lb services | grep -E 'default/svc-0 .*node-a,node-b'"
check "show lb announcements shows the community" \
  bash -c "'$VIPD_BIN_DIR/vipctl' --socket '${LB_SOCK[node-b]}' show lb announcements | grep -q '65009:100'"
check "show ip bgp summary on a node lists the BGPPeer" \
  bash -c "'$VIPD_BIN_DIR/vipctl' --socket '${LB_SOCK[node-b]}' show ip bgp summary | grep -q '192.168.12.1 '"

# SIGTERM on node-b: Cease, its paths leave FRR at once.
kill -TERM "${LB_PID[node-b]}"
check "node-b stopped: 10.47.40.0/32 only from node-a" wait_until 5 paths_are 10.47.40.0/32 192.168.12.11
check "node-b's vipd exited" wait_until 5 bash -c "! kill -0 ${LB_PID[node-b]} 2>/dev/null"

it_finish
