#!/usr/bin/env bash
# Issue 15, D1: vipd's memory with a neighbor that stops reading. In a network namespace of its
# own: vipd with two passive eBGP neighbors, a feeder (AS 65001) giving it PREFIXES routes and a
# stuck neighbor (AS 65002) that sends REFRESHES ROUTE-REFRESH and never reads. Prints vipd's
# VmRSS before the stuck neighbor, after its requests, and after it is gone.
#   bench/stuck-peer/run.sh BUILD_DIR [PREFIXES=50000] [REFRESHES=1500]
set -euo pipefail
BUILD=$(realpath "$1")
PREFIXES=${2:-50000}
REFRESHES=${3:-1500}
HERE=$(dirname "$(realpath "$0")")
NS=d1stuck$$
DIR=$(mktemp -d)
PIDS=()
cleanup() {
  if [[ -n "${VIPD:-}" ]] && ! kill -0 "$VIPD" 2>/dev/null; then
    echo "vipd exited:"
    tail -5 "$DIR/vipd.out" "$DIR/vipd.log" 2>/dev/null
  fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
for a in 1 2 3; do ip -n "$NS" addr add 10.255.0.$a/24 dev lo; done
cat >"$DIR/bgpd.conf" <<CONF
bgp no-rib
router bgp 65000
 bgp router-id 10.255.0.1
 neighbor 10.255.0.2 remote-as 65001
 neighbor 10.255.0.2 passive
 neighbor 10.255.0.3 remote-as 65002
 neighbor 10.255.0.3 passive
CONF
ip netns exec "$NS" "$BUILD/bin/vipd" --foreground --bgp-config "$DIR/bgpd.conf" \
  --socket "$DIR/vipd.sock" --log-file "$DIR/vipd.log" --pid-file "$DIR/vipd.pid" \
  >"$DIR/vipd.out" 2>&1 &
VIPD=$!
PIDS+=("$VIPD")
rss() { awk '/VmRSS/ {print $2 / 1024 " MB"}' "/proc/$VIPD/status"; }
summary() { "$BUILD/bin/vipctl" --socket "$DIR/vipd.sock" show ip bgp summary json; }
for _ in $(seq 50); do summary >/dev/null 2>&1 && break; sleep 0.2; done
echo "vipd started: $(rss)"
ip netns exec "$NS" python3 "$HERE/peers.py" feed 10.255.0.2 10.255.0.1 65001 "$PREFIXES" &
PIDS+=("$!")
for _ in $(seq 300); do
  n=$(summary | python3 -c 'import json,sys; print(json.load(sys.stdin)["ipv4Unicast"]["peers"]["10.255.0.2"]["pfxRcd"])' 2>/dev/null || echo 0)
  [[ "$n" == "$PREFIXES" ]] && break
  sleep 0.2
done
sleep 2
echo "table of $n routes: $(rss)"
ip netns exec "$NS" python3 "$HERE/peers.py" stuck 10.255.0.3 10.255.0.1 65002 "$REFRESHES" &
STUCK=$!
PIDS+=("$STUCK")
sleep 15
echo "stuck neighbor after $REFRESHES ROUTE-REFRESH: $(rss)"
"$BUILD/bin/vipctl" --socket "$DIR/vipd.sock" show ip bgp neighbors 10.255.0.3 json |
  python3 -c 'import json,sys; j=json.load(sys.stdin)["10.255.0.3"]; print("  state", j["bgpState"], "outq", j["messageStats"]["depthOutq"], "refresh received", j["messageStats"]["received"]["routeRefresh"])'
summary | python3 -c 'import json,sys; p=json.load(sys.stdin)["ipv4Unicast"]["peers"]["10.255.0.3"]; print("  pfxSnt", p["pfxSnt"])'
echo "  kernel Send-Q/Recv-Q of the session: $(ip netns exec "$NS" ss -tnH state established '( sport = :179 )' dst 10.255.0.3 | awk '{print $3 "/" $2}')"
kill "$STUCK"
wait "$STUCK" 2>/dev/null || true
sleep 8
echo "stuck neighbor gone: $(rss)"
grep -i "out of resources\|queued for sending" "$DIR/vipd.log" | head -3 || true
