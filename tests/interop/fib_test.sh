#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Kernel FIB end to end: the seed topology (router namespace with vipd and the seed's bgpd.conf
# plus `maximum-paths 8`, six GoBGP speakers AS 65009 each announcing 10.47.40.0-6/32). Checks:
#   - a stale route of vipd's protocol (200) is deleted at start;
#   - `ip route show 10.47.40.N` in the router namespace lists six next hops, proto 200, for all
#     seven /32s; `vipctl show ip route [json]` shows them;
#   - `bgp no-rib` (live) removes the routes from the kernel, `no bgp no-rib` puts them back;
#   - link tracking and next-hop reachability (RFC 4271 §9.1.2.1): a seventh speaker on a link of
#     its own (l-edge, 192.168.13.0/24, hold time 30 s) adds its next hop to all seven routes;
#     `ip link set l-edge down` in the router namespace takes exactly that next hop out of every
#     route within 3 s (the kernel alone would keep it, marked dead): its paths are inaccessible,
#     shown without `*` in `show ip bgp`, no longer selected (so not in `show ip route`), the
#     session stays up; `up` brings it back; the same for a carrier loss (the speaker's end goes
#     down: the kernel would keep it, marked linkdown, and still use it);
#   - kill -9 of one speaker: within hold time (3 s) + 2 s its next hop leaves every route and
#     the other five stay; the same for a frozen speaker (SIGSTOP, hold timer expiry);
#   - maximum-paths 1 (live) and two more speakers on links of their own (l-fo-a, l-fo-b) both
#     announcing 10.47.50.0/32: the best one's link goes down in the router namespace, and the
#     kernel route and `show ip bgp` switch to the other within 3 s; link up, back again;
#   - SIGTERM to vipd: every route of protocol 200 is gone.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export IT_V4_NET=192.168.12 IT_V6_NET=fd00:12::
# shellcheck source=lib.sh
source "$here/lib.sh"
it_init fib
it_require_vipd

topo_create
ip -n "$IT_ROUTER_NS" addr add 192.168.5.1/32 dev lo  # the seed router's bgp router-id
nodes=(k3s-master-1 k3s-node-1 k3s-node-2 k3s-node-3 k3s-node-4 k3s-node-5)
addrs=()
for i in "${!nodes[@]}"; do
  addrs+=("192.168.12.$((11 + i))")
  topo_add_node "${nodes[$i]}" "${addrs[$i]}" "fd00:12::$((11 + i))"
done

# The seed's bgpd.conf, verbatim, plus ECMP and short timers (hold 3 s) under `router bgp`.
conf=$IT_DIR/bgpd.conf
cp "$root/tests/data/seed/bgpd.conf" "$conf"
{
  echo " maximum-paths 8"
  for a in "${addrs[@]}"; do echo " neighbor $a timers 1 3"; done
} >>"$conf"

# A route a previous vipd left behind (kill -9, crash): deleted at start.
ip -n "$IT_ROUTER_NS" route add 10.99.0.0/16 via 192.168.12.11 proto 200
vipd_start "$conf"
check "stale route of protocol 200 deleted at start" \
  wait_until 5 bash -c "[[ -z \$(ip -n '$IT_ROUTER_NS' route show 10.99.0.0/16) ]]"

services=()
for n in 0 1 2 3 4 5 6; do services+=(--prefix "10.47.40.$n/32"); done
for i in "${!nodes[@]}"; do
  peer_start gobgp "${nodes[$i]}" --as 65009 --keepalive 1 --hold 3 \
    --neighbor "$ROUTER_V4" 65000 "${services[@]}"
done

# route_gateways PREFIX : the gateways of vipd's kernel route to PREFIX, sorted, one a line.
route_gateways() {
  ip -n "$IT_ROUTER_NS" -j route show "$1" proto 200 |
    jq -r '.[] | if .nexthops then .nexthops[].gateway else .gateway end' | sort
}
# every_route_has GATEWAYS... : each of the seven /32s has exactly these next hops.
every_route_has() {
  local want n
  want=$(printf '%s\n' "$@" | sort)
  for n in 0 1 2 3 4 5 6; do
    [[ "$(route_gateways "10.47.40.$n/32")" == "$want" ]] || return 1
  done
}

t0=$(date +%s%N)
if wait_until 60 every_route_has "${addrs[@]}"; then
  pass "seven routes with six next hops after $((($(date +%s%N) - t0) / 1000000)) ms"
else
  fail "seven routes with six next hops within 60 s"
  ip -n "$IT_ROUTER_NS" route show proto 200 >&2 || true
fi
shown=$(ip -n "$IT_ROUTER_NS" route show 10.47.40.1)
echo "router# ip route show 10.47.40.1"
echo "$shown"
check "ip route shows protocol 200 (or its name vipd)" grep -qE 'proto (200|vipd)' <<<"$shown"
check "ip route lists six nexthop lines" test "$(grep -c 'nexthop via' <<<"$shown")" -eq 6
check "each next hop resolved over br0" test "$(grep -c 'dev br0' <<<"$shown")" -eq 6

text=$(vipctl show ip route)
echo "router# show ip route"
echo "$text"
check "show ip route: 10.47.40.1/32 selected and in the FIB" \
  grep -qE '^B>\* 10\.47\.40\.1/32 \[20/0\] via 192\.168\.12\.1[1-6], br0, weight 1, ' <<<"$text"
check "show ip route: 7 routes, 42 next hop lines" \
  test "$(grep -c ' via 192\.168\.12\.' <<<"$text")" -eq 42
check "show ip route json: 7 installed routes with 6 next hops each" \
  test "$(vipctl show ip route json | jq '[.[][] | select(.installed and (.nexthops | length) == 6)] | length')" -eq 7

# FRR's global `bgp no-rib`, live: the routes leave the kernel and come back with `no bgp no-rib`.
no_routes() { [[ -z "$(ip -n "$IT_ROUTER_NS" route show proto 200)" ]]; }
check "vipctl: bgp no-rib" vipctl -c 'configure terminal' -c 'bgp no-rib' -c end
check "bgp no-rib removes the kernel routes" wait_until 3 no_routes
# As in FRR, `bgp no-rib` keeps BGP's routes out of the RIB: `show ip route` lists none of them
# (the Loc-RIB still has them: `show ip bgp`).
check "show ip route under no-rib: no BGP routes" \
  eval '! grep -qE "^B" <<<"$(vipctl show ip route)"'
check "show ip bgp under no-rib: the routes are still selected" \
  grep -qE '^\*> 10\.47\.40\.1/32' <<<"$(vipctl show ip bgp)"
check "vipctl: no bgp no-rib" vipctl -c 'configure terminal' -c 'no bgp no-rib' -c end
check "no bgp no-rib installs the seven routes again" wait_until 3 every_route_has "${addrs[@]}"

# Link tracking. The "edge" speaker sits on a link of its own, so its next hop resolves over
# l-edge, not br0. Its hold time is 30 s: within this section only link events can move its
# next hop, not the session.
topo_add_link_node edge 192.168.13.2 192.168.13.1 fd00:13::2 fd00:13::1
edge_link=${NODE_LINK[edge]}
check "vipctl: neighbor 192.168.13.2 (edge)" vipd_configure "router bgp 65000" \
  "neighbor 192.168.13.2 remote-as 65009" "neighbor 192.168.13.2 timers 10 30"
peer_start gobgp edge --as 65009 --keepalive 10 --hold 30 --neighbor 192.168.13.1 65000 \
  "${services[@]}"
with_edge=("${addrs[@]}" 192.168.13.2)
check "edge's next hop joins the seven routes" wait_until 30 every_route_has "${with_edge[@]}"
check "edge's next hop resolved over $edge_link" \
  test "$(ip -n "$IT_ROUTER_NS" route show 10.47.40.1 | grep -c "via 192.168.13.2 dev $edge_link")" -eq 1

# vipd's view: each of the seven routes has exactly these next hops, all in the FIB (fib: true).
show_agrees() {
  local want
  want=$(printf '%s\n' "$@" | jq -R . | jq -sc 'sort')
  [[ "$(vipctl show ip route json | jq --argjson want "$want" '
    [.[][] | select(.installed and ([.nexthops[] | select(.fib) | .ip] | sort) == $want
                    and ([.nexthops[].ip] | sort) == $want)]
    | length')" == 7 ]]
}
# bgp_valid GATEWAY VALID : in `show ip bgp json` the path over GATEWAY is valid (true) or not
# (false) for each of the seven prefixes.
bgp_valid() {
  [[ "$(vipctl show ip bgp json | jq --arg gw "$1" --argjson valid "$2" '
    [.routes[][] | select(.nexthops[0].ip == $gw and .valid == $valid)] | length')" == 7 ]]
}

# link_drill HOW DOWN UP : takes l-edge down with the command DOWN, checks that the edge next hop
# leaves every kernel route and vipd agrees, then brings it back with UP.
link_drill() {
  local how=$1 down=$2 up=$3 t0
  # shellcheck disable=SC2086  # the commands are lists of words
  ip -n "$IT_ROUTER_NS" $down
  t0=$(date +%s%N)
  if wait_until 3 every_route_has "${addrs[@]}"; then
    pass "$how: next hop 192.168.13.2 gone from all seven routes after $((($(date +%s%N) - t0) / 1000000)) ms, the six others kept"
  else
    fail "$how: next hop 192.168.13.2 not removed from every route within 3 s"
    ip -n "$IT_ROUTER_NS" route show proto 200 >&2 || true
  fi
  # FRR's nexthop tracking: the edge speaker's paths stay, inaccessible, and are no longer used.
  check "$how: show ip route json agrees (six next hops, all in the FIB)" \
    wait_until 3 show_agrees "${addrs[@]}"
  check "$how: show ip bgp json: the seven paths over 192.168.13.2 are not valid" \
    wait_until 3 bgp_valid 192.168.13.2 false
  local text
  text=$(vipctl show ip bgp)
  echo "router# show ip bgp    ($how)"
  grep -A7 '10\.47\.40\.1/32' <<<"$text"
  check "$how: show ip bgp lists 192.168.13.2 without '*' in seven routes" \
    test "$(grep -cE '^    +192\.168\.13\.2 ' <<<"$text")" -eq 7
  text=$(vipctl show ip bgp 10.47.40.1/32)
  check "$how: show ip bgp 10.47.40.1/32: 192.168.13.2 (inaccessible)" \
    grep -q '192\.168\.13\.2 (inaccessible) from 192\.168\.13\.2' <<<"$text"
  check "$how: show ip route has six FIB next hops per route" \
    test "$(grep -cE '^(B>\*|  \*) .* via 192\.168\.12\.' <<<"$(vipctl show ip route)")" -eq 42
  check "$how: the edge session is still Established" vipd_established 192.168.13.2
  # shellcheck disable=SC2086
  ip -n "$IT_ROUTER_NS" $up
  t0=$(date +%s%N)
  if wait_until 5 every_route_has "${with_edge[@]}"; then
    pass "$how, back up: all seven next hops back after $((($(date +%s%N) - t0) / 1000000)) ms"
  else
    fail "$how, back up: next hop 192.168.13.2 not back within 5 s"
    ip -n "$IT_ROUTER_NS" route show proto 200 >&2 || true
  fi
  check "$how, back up: show ip route json agrees (seven in the FIB)" \
    wait_until 3 show_agrees "${with_edge[@]}"
  check "$how, back up: show ip bgp json: the paths over 192.168.13.2 are valid again" \
    wait_until 3 bgp_valid 192.168.13.2 true
}
link_drill "$edge_link admin down" "link set $edge_link down" "link set $edge_link up"
# The speaker's end goes down: l-edge stays admin up without a carrier (LOWERLAYERDOWN).
link_drill "$edge_link carrier loss" "netns exec ${NODE_NS[edge]} ip link set eth0 down" \
  "netns exec ${NODE_NS[edge]} ip link set eth0 up"
check "edge session Established after both drills" vipd_established 192.168.13.2

# The edge speaker leaves: the rest of the test has the six br0 speakers.
peer_stop edge
check "vipctl: no neighbor 192.168.13.2" vipd_configure "router bgp 65000" "no neighbor 192.168.13.2"
check "edge's next hop gone once its speaker is" wait_until 5 every_route_has "${addrs[@]}"

# A dead speaker: vipd's hold timer (3 s) expires, its next hop leaves every route.
victim=k3s-node-2 victim_addr=192.168.12.13
survivors=()
for a in "${addrs[@]}"; do [[ "$a" == "$victim_addr" ]] || survivors+=("$a"); done
peer_kill9 "$victim"
t0=$(date +%s%N)
if wait_until 5 every_route_has "${survivors[@]}"; then
  pass "next hop $victim_addr gone from all seven routes after $((($(date +%s%N) - t0) / 1000000)) ms (session closed)"
else
  fail "next hop $victim_addr not removed from every route within hold time + 2 s"
  ip -n "$IT_ROUTER_NS" route show proto 200 >&2 || true
fi
check "the five other next hops stay" holds_for 3 every_route_has "${survivors[@]}"

# kill -9 closes the speaker's TCP socket, so vipd sees the session end at once. A frozen speaker
# (SIGSTOP) keeps the socket open: only vipd's hold timer (3 s) notices.
frozen=k3s-node-3 frozen_addr=192.168.12.14
left=()
for a in "${survivors[@]}"; do [[ "$a" == "$frozen_addr" ]] || left+=("$a"); done
peer_freeze "$frozen"
t0=$(date +%s%N)
if wait_until 5 every_route_has "${left[@]}"; then
  pass "frozen speaker's next hop $frozen_addr gone after $((($(date +%s%N) - t0) / 1000000)) ms (hold 3 s)"
else
  fail "frozen speaker's next hop $frozen_addr not removed within hold time + 2 s"
fi
peer_thaw "$frozen"

# maximum-paths 1: two speakers on links of their own announce 10.47.50.0/32; fo-a wins on its
# lower router-id. Its link goes down in the router namespace: its path is inaccessible, so the
# other one becomes best and replaces the kernel route (FRR falls back the same way); up, back.
check "vipctl: maximum-paths 1" vipd_configure "router bgp 65000" "maximum-paths 1"
topo_add_link_node fo-a 192.168.21.2 192.168.21.1 fd00:21::2 fd00:21::1
topo_add_link_node fo-b 192.168.22.2 192.168.22.1 fd00:22::2 fd00:22::1
fo_link=${NODE_LINK[fo-a]}
check "vipctl: neighbors fo-a and fo-b" vipd_configure "router bgp 65000" \
  "neighbor 192.168.21.2 remote-as 65009" "neighbor 192.168.21.2 timers 10 30" \
  "neighbor 192.168.22.2 remote-as 65009" "neighbor 192.168.22.2 timers 10 30"
for n in fo-a fo-b; do
  peer_start gobgp "$n" --as 65009 --keepalive 10 --hold 30 \
    --neighbor "${NODE_V4[$n]%.2}.1" 65000 --prefix 10.47.50.0/32
done
best_is() {
  [[ "$(route_gateways 10.47.50.0/32)" == "$1" ]] &&
    grep -qE "^\*> 10\.47\.50\.0/32 +$1 " <<<"$(vipctl show ip bgp)"
}
other_valid() { grep -qE '^\*  +192\.168\.22\.2 ' <<<"$(vipctl show ip bgp)"; }
check "10.47.50.0/32 via fo-a (192.168.21.2) in the kernel and show ip bgp" \
  wait_until 30 best_is 192.168.21.2
check "fo-b's path valid, not best" wait_until 30 other_valid
echo "router# show ip bgp    (maximum-paths 1)"
grep -A2 '10\.47\.50\.0/32' <<<"$(vipctl show ip bgp)"
ip -n "$IT_ROUTER_NS" link set "$fo_link" down
t0=$(date +%s%N)
if wait_until 3 best_is 192.168.22.2; then
  pass "$fo_link down: kernel route and best path switch to 192.168.22.2 after $((($(date +%s%N) - t0) / 1000000)) ms"
else
  fail "$fo_link down: no switch to 192.168.22.2 within 3 s"
  ip -n "$IT_ROUTER_NS" route show 10.47.50.0/32 >&2 || true
  vipctl show ip bgp >&2 || true
fi
text=$(vipctl show ip bgp)
echo "router# show ip bgp    ($fo_link down)"
grep -A2 '10\.47\.50\.0/32' <<<"$text"
check "$fo_link down: fo-a's path kept without '*'" grep -qE '^    +192\.168\.21\.2 ' <<<"$text"
check "$fo_link down: show ip bgp 10.47.50.0/32 says inaccessible" \
  grep -q '192\.168\.21\.2 (inaccessible) from 192\.168\.21\.2' <<<"$(vipctl show ip bgp 10.47.50.0/32)"
check "$fo_link down: show ip bgp nexthop: 192.168.21.2 invalid" \
  grep -q '^ 192\.168\.21\.2 invalid, #paths 1' <<<"$(vipctl show ip bgp nexthop)"
check "$fo_link down: the fo-a session is still Established" vipd_established 192.168.21.2
ip -n "$IT_ROUTER_NS" link set "$fo_link" up
t0=$(date +%s%N)
if wait_until 5 best_is 192.168.21.2; then
  pass "$fo_link up: back to 192.168.21.2 after $((($(date +%s%N) - t0) / 1000000)) ms"
else
  fail "$fo_link up: not back to 192.168.21.2 within 5 s"
  ip -n "$IT_ROUTER_NS" route show 10.47.50.0/32 >&2 || true
fi
check "$fo_link up: one kernel next hop" test "$(route_gateways 10.47.50.0/32 | wc -l)" -eq 1

# Clean shutdown: routes removed.
kill -TERM "$VIPD_PID"
t0=$(date +%s%N)
wait "$VIPD_PID" 2>/dev/null || true
check "vipd exits on SIGTERM" bash -c "! kill -0 $VIPD_PID 2>/dev/null"
remaining=$(ip -n "$IT_ROUTER_NS" route show proto 200)
check "no route of protocol 200 after SIGTERM" test -z "$remaining"
it_log "vipd stopped $((($(date +%s%N) - t0) / 1000000)) ms after SIGTERM"
it_finish
