#!/usr/bin/env bash
# The seed homelab in network namespaces, with vipd as the router:
#   router namespace: vipd with tests/data/seed/bgpd.conf verbatim (AS 65000, router-id
#     192.168.5.1 on lo), 192.168.12.1/24 on bridge br0
#   six k3s nodes 192.168.12.11-16 (GoBGP, AS 65009), each announcing the seven Service IPs
#     10.47.40.0/32 .. 10.47.40.6/32, as in the seed's `show ip bgp`
# Waits until vipd has all six sessions Established with 7 prefixes each, prints
# `vipctl show ip bgp summary`, then removes everything (also on Ctrl-C or failure).
#
# Usage: scripts/demo.sh [--keep] [--no-build]
#   --keep      leave the lab running; prints how to enter it and how to tear it down
#   --no-build  skip scripts/install-deps.sh and scripts/build.sh (use the existing build/)
# Needs root (network namespaces). Nothing is configured outside the namespaces it creates.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

keep=0 build=1
for arg in "$@"; do
  case $arg in
    --keep) keep=1 ;;
    --no-build) build=0 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done
[[ $EUID -eq 0 ]] || { echo "demo: needs root (network namespaces); try: sudo $0 $*" >&2; exit 1; }

if ((build)); then
  echo "== installing dependencies (scripts/install-deps.sh)"
  "$root/scripts/install-deps.sh"
  echo "== building (scripts/build.sh)"
  "$root/scripts/build.sh"
fi
export VIPD_BIN_DIR=${VIPD_BIN_DIR:-$root/build/bin}

# The router sits on the k3s nodes' network as 192.168.12.1.
export IT_V4_NET=192.168.12 IT_V6_NET=fd00:12::
# shellcheck source-path=SCRIPTDIR source=../tests/interop/lib.sh
source "$root/tests/interop/lib.sh"
it_init demo
it_require_vipd

echo "== building the homelab in network namespaces (tag $IT_TAG)"
topo_create
ip -n "$IT_ROUTER_NS" addr add 192.168.5.1/32 dev lo   # bgp router-id of the seed's router
nodes=(k3s-master-1 k3s-node-1 k3s-node-2 k3s-node-3 k3s-node-4 k3s-node-5)
addrs=()
for i in "${!nodes[@]}"; do
  addr=192.168.12.$((11 + i))
  addrs+=("$addr")
  topo_add_node "${nodes[$i]}" "$addr" "fd00:12::$((11 + i))"
done

cp "$root/tests/data/seed/bgpd.conf" "$IT_DIR/bgpd.conf"
echo "== starting vipd in $IT_ROUTER_NS with tests/data/seed/bgpd.conf"
vipd_start "$IT_DIR/bgpd.conf"

services=()
for n in 0 1 2 3 4 5 6; do services+=(--prefix "10.47.40.$n/32"); done
for i in "${!nodes[@]}"; do
  echo "== ${nodes[$i]} (${addrs[$i]}): GoBGP AS 65009 announcing 10.47.40.0-6/32"
  peer_start gobgp "${nodes[$i]}" --as 65009 --keepalive 3 --hold 9 \
    --neighbor "$ROUTER_V4" 65000 "${services[@]}"
done

all_up() {
  local a
  for a in "${addrs[@]}"; do
    vipd_established "$a" && vipd_pfx_is "$a" 7 || return 1
  done
}
echo "== waiting for six sessions Established with 7 prefixes each"
t0=$(date +%s%N)
if wait_until 90 all_up; then
  echo "== all six Established, 7 prefixes each, after $((($(date +%s%N) - t0) / 1000000)) ms"
else
  fail "not all six sessions Established with 7 prefixes within 90 s"
  for a in "${addrs[@]}"; do echo "  $a: state=$(vipd_state "$a" || echo '?') pfxRcd=$(vipd_pfx_rcvd "$a" || echo '?')"; done
fi

echo
echo "router# show ip bgp summary"
vipctl show ip bgp summary || fail "vipctl show ip bgp summary"
echo
if vipctl show ip bgp >"$IT_DIR/show-ip-bgp.txt" 2>/dev/null; then
  echo "router# show ip bgp"
  cat "$IT_DIR/show-ip-bgp.txt"
  echo
fi

if ((IT_FAILS)); then
  it_dump_logs
  exit 1
fi

if ((keep)); then
  down="$IT_DIR/down.sh"
  {
    echo "#!/usr/bin/env bash"
    echo "# Tears down the vipd demo lab $IT_TAG: stops its processes, deletes its namespaces."
    echo "kill -TERM ${IT_PIDS[*]} 2>/dev/null; sleep 1; kill -KILL ${IT_PIDS[*]} 2>/dev/null"
    echo "for ns in ${IT_NS_LIST[*]}; do ip netns del \"\$ns\" 2>/dev/null; done"
    echo "rm -rf '$IT_DIR'"
    echo "echo 'vipd demo lab $IT_TAG removed'"
  } >"$down"
  chmod +x "$down"
  trap - EXIT INT TERM
  cat <<MSG
== the lab keeps running (tag $IT_TAG, files in $IT_DIR)
  router shell:     ip netns exec $IT_ROUTER_NS bash
  vipctl:           $VIPD_BIN_DIR/vipctl --socket $VIPD_SOCK show ip bgp summary
  a k3s node:       ip netns exec ${NODE_NS[k3s-node-1]} gobgp -p 50051 neighbor
  kill a node:      kill -9 ${PEER_PID[k3s-node-1]}    # k3s-node-1's GoBGP
  tear it down:     bash $down
MSG
  exit 0
fi
echo "== removing the lab"
