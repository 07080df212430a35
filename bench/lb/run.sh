#!/usr/bin/env bash
# Load balancer latency, end to end: how long from a Service manifest written into --k8s-dir
# to its route in the router's kernel, with BASE Services already there (bench/lb/README.md).
#   router namespace: vipd with a bgpd.conf (AS 65000, the node as neighbor, kernel FIB)
#   node namespace:   vipd --lb-config --k8s-dir --lb-controller (AS 65009)
# Then COUNT new Services are written one at a time (atomically: write, rename), GAP ms apart;
# `ip monitor route` in the router namespace stamps each route's arrival. Prints p50/p90/p99/max
# and both daemons' CPU time and peak RSS.
# Usage: bench/lb/run.sh [--base N] [--count N] [--gap MS] [--build-dir DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
base=10000 count=200 gap=20 build=$root/build
while (($#)); do
  case $1 in
    --base) base=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --gap) gap=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $EUID -eq 0 ]] || { echo "needs root (network namespaces)" >&2; exit 1; }
bin=$build/bin
tag=lbb$$
dir=$(mktemp -d "/tmp/vipd-bench-lb.XXXXXX")
r=vbr-$tag n=vbn-$tag
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  ip netns del "$r" 2>/dev/null || true
  ip netns del "$n" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

ip netns add "$r"
ip netns add "$n"
ip -n "$r" link set lo up
ip -n "$n" link set lo up
ip -n "$r" link add eth0 type veth peer name eth0 netns "$n"
ip -n "$r" addr add 192.168.5.1/16 dev eth0
ip -n "$n" addr add 192.168.12.11/16 dev eth0
ip -n "$r" link set eth0 up
ip -n "$n" link set eth0 up

cat >"$dir/bgpd.conf" <<CONF
router bgp 65000
 bgp router-id 192.168.5.1
 neighbor 192.168.12.11 remote-as 65009
CONF
cat >"$dir/metallb.yaml" <<YAML
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: router, namespace: metallb-system}
spec: {myASN: 65009, peerASN: 65000, peerAddress: 192.168.5.1}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: all, namespace: metallb-system}
YAML
for p in $(seq 0 19); do
  printf -- '---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: pool-%d, namespace: metallb-system}\nspec: {addresses: ["10.%d.0.0/22"]}\n' "$p" "$p" >>"$dir/metallb.yaml"
done
k8s=$dir/k8s
mkdir -p "$k8s"
printf 'apiVersion: v1\nkind: Node\nmetadata: {name: node-0, labels: {kubernetes.io/hostname: node-0}}\n' >"$k8s/node.yaml"
service() {  # name
  printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: default}\nspec: {type: LoadBalancer, ports: [{port: 80, protocol: TCP}]}\n' "$1"
  printf -- '---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: %s-x, namespace: default, labels: {kubernetes.io/service-name: %s}}\naddressType: IPv4\nendpoints: [{addresses: [10.42.0.1], nodeName: node-0}]\n' "$1" "$1"
}
echo "== writing $base Services (100 per file)"
for ((f = 0; f * 100 < base; f++)); do
  for ((i = f * 100; i < base && i < (f + 1) * 100; i++)); do service "base-$i"; done >"$k8s/base-$f.yaml"
done

ip netns exec "$r" "$bin/vipd" --foreground --bgp-config "$dir/bgpd.conf" --socket "$dir/r.sock" \
  --log-file "$dir/r.log" >/dev/null 2>&1 &
pids+=($!)
rpid=$!
t_start=$EPOCHREALTIME
ip netns exec "$n" "$bin/vipd" --foreground --lb-config "$dir/metallb.yaml" --k8s-dir "$k8s" \
  --node-name node-0 --lb-controller --socket "$dir/n.sock" --log-file "$dir/n.log" >/dev/null 2>&1 &
pids+=($!)
npid=$!
routes() { ip -n "$r" route show proto 200 | wc -l; }
until (($(routes) >= base)); do
  sleep 0.2
  kill -0 "$npid" 2>/dev/null || { echo "node vipd died"; tail "$dir/n.log"; exit 1; }
done
echo "== $base routes in the router's kernel $(awk "BEGIN{printf \"%.2f\", $EPOCHREALTIME - $t_start}") s after the node's vipd started"

# Arrival stamps: one line per new route, "EPOCH PREFIX".
[[ -n ${LB_BENCH_PERF:-} ]] && { perf record -g -o "$LB_BENCH_PERF" -p "$npid" &>/dev/null & pids+=($!); }
ip netns exec "$r" ip monitor route 2>/dev/null | while read -r first _; do
  echo "$EPOCHREALTIME $first"
done >"$dir/arrivals" &
pids+=($!)
sleep 0.5
echo "== writing $count Services, one every $gap ms"
for ((i = 0; i < count; i++)); do
  service "new-$i" >"$k8s/.new-$i.tmp"
  echo "$EPOCHREALTIME new-$i" >>"$dir/writes"
  mv "$k8s/.new-$i.tmp" "$k8s/new-$i.yaml"
  sleep "$(awk "BEGIN{print $gap/1000}")"
done
until (($(routes) >= base + count)); do sleep 0.2; done
sleep 0.3
# Service new-i gets the (base+i)th address; match writes and arrivals by order of the
# addresses' appearance: each new route is a new /32 in the monitor, in the order written.
grep -v '^[0-9.]* Deleted' "$dir/arrivals" | awk '{print $1}' | tail -n "$count" >"$dir/arrival_times"
awk '{print $1}' "$dir/writes" >"$dir/write_times"
paste "$dir/write_times" "$dir/arrival_times" | awk '{printf "%.3f\n", ($2 - $1) * 1000}' | sort -n >"$dir/latency"
pct() { awk -v p="$1" '{a[NR]=$1} END{i=int(NR*p/100+0.5); if(i<1)i=1; if(i>NR)i=NR; print a[i]}' "$dir/latency"; }
echo "== Service written -> route in the router's kernel ($count Services over $base): p50 $(pct 50) ms, p90 $(pct 90) ms, p99 $(pct 99) ms, max $(pct 100) ms (target p99 < 100 ms)"
for who in node:$npid router:$rpid; do
  p=${who#*:}
  read -r ut st < <(awk '{print $14, $15}' "/proc/$p/stat")
  hz=$(getconf CLK_TCK)
  rss=$(awk '/VmHWM/{print $2}' "/proc/$p/status")
  echo "   ${who%%:*} vipd: CPU $(awk "BEGIN{printf \"%.2f\", ($ut+$st)/$hz}") s, peak RSS $((rss / 1024)) MiB"
done
