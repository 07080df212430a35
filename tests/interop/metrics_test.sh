#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# vipd's Prometheus endpoint (--metrics-listen, docs/metrics.md) scraped by a real Prometheus:
# vipd with a BGP session to FRR and a VRRP instance on br0, its endpoint on [::1]:7472 of the
# router namespace (the IPv6 form of the flag; the port is free there, the namespace is ours).
# Checks: promtool accepts the exposition (its lint may only object to MetalLB's own names,
# kept for the dashboards built on them), MetalLB's families have the values vipctl shows
# (session up 1, then 0 once FRR stops), the VRRP failover timing after a higher-priority
# router (injected adverts) goes away, /healthz and /readyz, and a Prometheus server scraping
# vipd answers metallb_bgp_session_up through its HTTP API.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
PYTHON=${PYTHON:-$(command -v python3)}
METRICS="[::1]:7472"
PROM_LISTEN="127.0.0.1:9090"

it_init metrics
for tool in "$PROMETHEUS" "$PROMTOOL"; do
  [[ -x "$tool" ]] || it_die "$tool not installed (package prometheus)"
done
command -v curl >/dev/null || it_die "curl not installed (scripts/install-deps.sh)"

topo_create
topo_add_node p1
P1_V4=${NODE_V4[p1]}
PEER="$P1_V4:179"

conf="$IT_DIR/bgpd.conf"
vipd_conf "$conf" 65000 "neighbor $P1_V4 remote-as 65001" "neighbor $P1_V4 timers connect 1" \
  "no bgp network import-check" "network 10.9.0.0/24"
cat >"$IT_DIR/keepalived.conf" <<EOF
global_defs {
    vrrp_version 3
}
vrrp_instance VI_1 {
    interface br0
    virtual_router_id 51
    advert_int 0.1
    priority 100
    virtual_ipaddress {
        10.0.100.1/24 dev br0
    }
}
EOF

VIPD_EXTRA_ARGS="--vrrp-config $IT_DIR/keepalived.conf --metrics-listen $METRICS" vipd_start "$conf"
frr_start p1 --as 65001 --neighbor "$ROUTER_V4" 65000 --prefix 10.1.0.0/24 --prefix 10.2.0.0/24

in_router() { ip netns exec "$IT_ROUTER_NS" "$@"; }
# get PATH FILE : the body into FILE; prints the HTTP status.
get() { in_router curl -s --max-time 5 -o "$2" -w '%{http_code}' "http://$METRICS$1"; }
scrape() { [[ "$(get /metrics "$IT_DIR/metrics.txt")" == 200 ]]; }
# value SERIES : the value of the series (exactly these labels, in vipd's order) in the last
# scrape.
value() { awk -v s="$1" 'index($0, s " ") == 1 { print $2; found = 1 } END { exit !found }' \
  "$IT_DIR/metrics.txt"; }
is() { scrape && [[ "$(value "$1")" == "$2" ]]; }
at_least() { scrape && awk -v v="$(value "$1")" -v min="$2" 'BEGIN { exit !(v >= min) }'; }
vrrp_state() { vipctl show vrrp json | jq -r '.[0].state'; }
vrrp_is() { [[ "$(vrrp_state)" == "$1" ]]; }

check "BGP Established" wait_until 15 vipd_established "$P1_V4"
check "VRRP master" wait_until 10 vrrp_is MASTER
check "IPv4 prefixes received" wait_until 10 vipd_pfx_is "$P1_V4" 2

echo "== the exposition"
check "/metrics answers 200" scrape
# promtool's lint objects to MetalLB's names that break today's conventions
# (metallb_bgp_opens_sent is a counter without _total, metallb_bgp_announced_prefixes_total a
# gauge with it); vipd keeps them so that MetalLB's dashboards and alerts keep working. Any
# other finding, and any parse error, fails.
promtool_accepts() {
  local rc=0
  "$PROMTOOL" check metrics <"$IT_DIR/metrics.txt" >"$IT_DIR/promtool.txt" 2>&1 || rc=$?
  ((rc == 0)) && return 0
  ((rc == 3)) || { cat "$IT_DIR/promtool.txt" >&2; return 1; }
  if grep -v -E '^metallb_[a-z0-9_]+ (counter metrics should have "_total" suffix|non-counter metrics should not have "_total" suffix)$' \
    "$IT_DIR/promtool.txt" | grep -q .; then
    cat "$IT_DIR/promtool.txt" >&2
    return 1
  fi
}
check "promtool check metrics (only MetalLB's names linted)" promtool_accepts
check "Content-Type is the text format 0.0.4" bash -c \
  "ip netns exec $IT_ROUTER_NS curl -s -o /dev/null -w '%{content_type}' 'http://$METRICS/metrics' |
     grep -qF 'text/plain; version=0.0.4'"
for family in metallb_bgp_session_up metallb_bgp_updates_total metallb_bgp_announced_prefixes_total \
  metallb_bgp_opens_sent vipd_vrrp_state vipd_kernel_routes vipd_build_info process_start_time_seconds; do
  check "# TYPE $family" grep -q "^# TYPE $family " "$IT_DIR/metrics.txt"
done

echo "== BGP (MetalLB's families, FRR mode labels)"
l="peer=\"$PEER\",vrf=\"default\""
check "metallb_bgp_session_up{$l} 1" is "metallb_bgp_session_up{$l}" 1
check "metallb_bgp_opens_sent{$l} >= 1" at_least "metallb_bgp_opens_sent{$l}" 1
check "metallb_bgp_opens_received{$l} >= 1" at_least "metallb_bgp_opens_received{$l}" 1
check "metallb_bgp_updates_total{$l} >= 1 (network 10.9.0.0/24, End-of-RIB)" \
  at_least "metallb_bgp_updates_total{$l}" 1
check "metallb_bgp_updates_total_received{$l} >= 1" at_least "metallb_bgp_updates_total_received{$l}" 1
check "metallb_bgp_announced_prefixes_total{$l} 1" is "metallb_bgp_announced_prefixes_total{$l}" 1
check "metallb_bgp_received_prefixes_total{$l} 2" is "metallb_bgp_received_prefixes_total{$l}" 2
check "metallb_bgp_total_received matches vipctl's msgRcvd (or more: a keepalive may come)" bash -c \
  "[[ \$(awk -v s='metallb_bgp_total_received{$l}' 'index(\$0, s \" \") == 1 { print \$2 }' '$IT_DIR/metrics.txt') -le \
      \$('$VIPD_BIN_DIR/vipctl' --socket '$VIPD_SOCK' show ip bgp summary json | jq '.ipv4Unicast.peers[\"$P1_V4\"].msgRcvd') ]]"
check "vipd_kernel_routes{source=\"bgp\",afi=\"ipv4\"} 2" is 'vipd_kernel_routes{source="bgp",afi="ipv4"}' 2

echo "== VRRP and its failover timing"
v='instance="VI_1",interface="br0",vrid="51",family="ipv4",source="keepalived.conf"'
check "vipd_vrrp_state{$v} 2 (MASTER)" is "vipd_vrrp_state{$v}" 2
check "vipd_vrrp_master{$v} 1" is "vipd_vrrp_master{$v}" 1
check "no takeover yet" bash -c "! grep -q '^vipd_vrrp_last_takeover_seconds' '$IT_DIR/metrics.txt'"
# A router of priority 200 on the LAN for 1 s (its adverts from p1), then gone: vipd backs off
# and takes over again after Master_Down_Interval (3 x 0.1 s + skew, RFC 5798 §6.4.2).
ip netns exec "${NODE_NS[p1]}" "$PYTHON" "$here/vrrp/vrrp_inject.py" --iface eth0 --src "$P1_V4" \
  --vrid 51 --priority 200 --version 3 --advert-int 0.1 --vip 10.0.100.1 --count 10 --rate 10 \
  >"$IT_DIR/inject.log" 2>&1 &
inject_pid=$!
IT_PIDS+=("$inject_pid")
check "VRRP backup while the other router advertises" wait_until 5 vrrp_is BACKUP
wait "$inject_pid" || true
check "VRRP master again" wait_until 5 vrrp_is MASTER
check "vipd_vrrp_became_master_total{$v} 2" is "vipd_vrrp_became_master_total{$v}" 2
check "vipd_vrrp_released_master_total{$v} 1" is "vipd_vrrp_released_master_total{$v}" 1
check "vipd_vrrp_last_takeover_seconds{$v} between 0.3 and 1 s" bash -c \
  "awk -v s='vipd_vrrp_last_takeover_seconds{$v}' 'index(\$0, s \" \") == 1 { t = \$2 }
     END { print \"takeover \" t \" s\" > \"/dev/stderr\"; exit !(t >= 0.3 && t <= 1) }' '$IT_DIR/metrics.txt'"

echo "== probes"
check "/healthz 200" bash -c "[[ \$(ip netns exec $IT_ROUTER_NS curl -s -o /dev/null -w '%{http_code}' 'http://$METRICS/healthz') == 200 ]]"
check "/readyz 200" bash -c "[[ \$(ip netns exec $IT_ROUTER_NS curl -s -o /dev/null -w '%{http_code}' 'http://$METRICS/readyz') == 200 ]]"
check "/metricsx 404 (exact paths)" bash -c "[[ \$(ip netns exec $IT_ROUTER_NS curl -s -o /dev/null -w '%{http_code}' 'http://$METRICS/metricsx') == 404 ]]"

echo "== a Prometheus server scraping vipd"
mkdir -p "$IT_DIR/prometheus"
cat >"$IT_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vipd
    static_configs:
      - targets: ['$METRICS']
EOF
in_router "$PROMETHEUS" --config.file="$IT_DIR/prometheus.yml" \
  --storage.tsdb.path="$IT_DIR/prometheus" --web.listen-address="$PROM_LISTEN" \
  --log.level=warn >"$IT_DIR/prometheus.log" 2>&1 &
IT_PIDS+=("$!")
it_add_log prometheus "$IT_DIR/prometheus.log"
# query EXPR VALUE : Prometheus's HTTP API has one series for EXPR with this value.
query() {
  local out
  out=$(in_router curl -s --max-time 5 -G "http://$PROM_LISTEN/api/v1/query" \
    --data-urlencode "query=$1") || return 1
  [[ "$(jq -r '.status' <<<"$out")" == success ]] || return 1
  [[ "$(jq -r '.data.result | length' <<<"$out")" == 1 ]] || return 1
  [[ "$(jq -r '.data.result[0].value[1]' <<<"$out")" == "$2" ]]
}
check "Prometheus scrapes vipd: up{job=\"vipd\"} 1" wait_until 15 query 'up{job="vipd"}' 1
check "Prometheus: metallb_bgp_session_up{peer=\"$PEER\"} 1" \
  wait_until 5 query "metallb_bgp_session_up{peer=\"$PEER\",vrf=\"default\"}" 1
check "Prometheus: the MetalLB alert expression finds no session down" \
  wait_until 5 query 'count(metallb_bgp_session_up == 0) or vector(0)' 0

echo "== the peer stops"
peer_stop p1
check "metallb_bgp_session_up{$l} 0" wait_until 10 is "metallb_bgp_session_up{$l}" 0
check "metallb_bgp_announced_prefixes_total{$l} 0" is "metallb_bgp_announced_prefixes_total{$l}" 0
check "vipd_kernel_routes{source=\"bgp\",afi=\"ipv4\"} 0" is 'vipd_kernel_routes{source="bgp",afi="ipv4"}' 0
check "Prometheus: metallb_bgp_session_up{peer=\"$PEER\"} 0" \
  wait_until 10 query "metallb_bgp_session_up{peer=\"$PEER\",vrf=\"default\"}" 0
check "/readyz still 200 (a peer down is not vipd unready)" bash -c \
  "[[ \$(ip netns exec $IT_ROUTER_NS curl -s -o /dev/null -w '%{http_code}' 'http://$METRICS/readyz') == 200 ]]"

echo "== stop"
check "vipd exits 0 on SIGTERM" vipd_stop
check "the endpoint is closed" bash -c "! ip netns exec $IT_ROUTER_NS curl -s --max-time 2 -o /dev/null 'http://$METRICS/healthz'"

it_finish
