#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Prometheus's FRR exporter (Debian's prometheus-frr-exporter, frr_exporter 1.1.4) with vipctl as
# its vtysh (docs/vipctl.md, "Prometheus FRR exporter"): vipd with an IPv4 and an IPv6 BGP
# session to FRR, BFD under both, and a VRRP router of both families (two keepalived instances,
# VRID 51 on br0); the exporter's bgp, bgp6, bfd and vrrp collectors must come up and export
# every session, BFD peer and VRRP instance, with the values vipctl shows.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

EXPORTER=${EXPORTER:-/usr/bin/prometheus-frr-exporter}
EXPORTER_PORT=9342

it_init frr_exporter
[[ -x "$EXPORTER" ]] || it_die "$EXPORTER not installed (package prometheus-frr-exporter)"
command -v curl >/dev/null || it_die "curl not installed (scripts/install-deps.sh)"
[[ -x /usr/lib/frr/bfdd ]] || it_die "FRR bfdd not installed (package frr)"

topo_create
topo_add_node p1
P1_V4=${NODE_V4[p1]} P1_V6=${NODE_V6[p1]}

conf="$IT_DIR/bgpd.conf"
vipd_conf "$conf" 65000 \
  "neighbor $P1_V4 remote-as 65001" "neighbor $P1_V4 timers connect 1" "neighbor $P1_V4 bfd" \
  "neighbor $P1_V4 description uplink" \
  "neighbor $P1_V6 remote-as 65001" "neighbor $P1_V6 timers connect 1" "neighbor $P1_V6 bfd" \
  "no bgp network import-check" "network 10.9.0.0/24" "af6 network fd00:9::/48"
sed -i '1i bgp no-rib' "$conf"

# One VRRP router of both families, as FRR's vrrpd runs it: two keepalived instances with the
# same VRID on the same interface. Alone on br0, each is master after Master_Down_Interval. The
# VIPs are outside the BGP subnets: an IPv6 VIP in br0's /64 can become the source address of
# the IPv6 BFD packets (kernel source selection), which FRR's session does not accept.
cat >"$IT_DIR/keepalived.conf" <<EOF
global_defs {
    vrrp_version 3
}
vrrp_instance VI_4 {
    interface br0
    virtual_router_id 51
    priority 100
    advert_int 0.1
    virtual_ipaddress {
        10.0.100.1/24
    }
}
vrrp_instance VI_6 {
    interface br0
    virtual_router_id 51
    priority 100
    advert_int 0.1
    virtual_ipaddress {
        fd00:100::1/64
    }
}
EOF

VIPD_EXTRA_ARGS="--vrrp-config $IT_DIR/keepalived.conf" vipd_start "$conf"
BFD_INTERVAL=100 frr_start p1 --as 65001 --neighbor "$ROUTER_V4" 65000 --neighbor "$ROUTER_V6" 65000 \
  --prefix 10.1.0.0/24 --prefix 10.2.0.0/24 --prefix fd00:1::/48 --bfd fast

vipd_bfd_up() {
  [[ "$(vipctl show bfd peers json | jq -r "[.[] | select(.status == \"up\")] | length")" == 2 ]]
}
vrrp_masters() {
  [[ "$(vipctl show vrrp json | jq -r '[.[] | select(.state == "MASTER")] | length')" == 2 ]]
}
check "BGP IPv4 Established" wait_until 15 vipd_established "$P1_V4"
check "BGP IPv6 Established" wait_until 15 vipd_established "$P1_V6"
check "both BFD sessions up" wait_until 10 vipd_bfd_up
check "both VRRP instances master" wait_until 10 vrrp_masters
check "IPv4 prefixes received" wait_until 10 vipd_pfx_is "$P1_V4" 2
check "IPv6 prefixes received" wait_until 10 vipd_pfx_is "$P1_V6" 1

# exporter PORT LOG ARGS... : the exporter with vipctl as its vtysh, on the loopback of the
# router namespace.
exporter() {
  local port=$1 log=$2
  shift 2
  ip netns exec "$IT_ROUTER_NS" "$EXPORTER" --frr.vtysh --frr.vtysh.path="$VIPD_BIN_DIR/vipctl" \
    --frr.vtysh.options="--socket $VIPD_SOCK" --web.listen-address="127.0.0.1:$port" "$@" \
    >"$log" 2>&1 &
  IT_PIDS+=("$!")
  it_add_log "frr_exporter on $port" "$log"
}
scrape() {  # PORT FILE
  ip netns exec "$IT_ROUTER_NS" curl -sf --max-time 10 "http://127.0.0.1:$1/metrics" >"$2"
}
# The documented command line (docs/vipctl.md): ospf off (vipd has none), bgp6 and vrrp on.
exporter "$EXPORTER_PORT" "$IT_DIR/exporter.log" --no-collector.ospf --collector.bgp6 --collector.vrrp
# The neighbor descriptions as a label (`show bgp vrf all neighbors json`).
exporter $((EXPORTER_PORT + 1)) "$IT_DIR/exporter-desc.log" --no-collector.ospf --no-collector.bfd \
  --collector.bgp.peer-descriptions --collector.bgp.peer-descriptions.plain-text
check "the exporter answers /metrics" wait_until 10 scrape "$EXPORTER_PORT" "$IT_DIR/metrics.txt"

# has SERIES VALUE : the scrape has exactly this line (labels sorted by name, as the exporter's
# Prometheus client writes them).
has() {
  grep -qxF "$1 $2" "$IT_DIR/metrics.txt" || {
    it_log "missing '$1 $2'; the scrape has:"
    grep -F "${1%%\{*}" "$IT_DIR/metrics.txt" >&2 || true
    return 1
  }
}
series() { check "$1 $2" has "$1" "$2"; }

echo "== collectors"
for c in bgp bgp6 bfd vrrp; do series "frr_collector_up{collector=\"$c\"}" 1; done
check_not "no ospf collector" grep -q 'collector="ospf"' "$IT_DIR/metrics.txt"
# With the ospf collector on, its command fails as FRR's vtysh without ospfd does (status 1).
ospf_answered() { vipctl -c "show ip ospf vrf all interface json" >/dev/null; }
check_not "the ospf collector's command fails" ospf_answered

echo "== BGP (bgp, bgp6)"
l4='afi="ipv4",local_as="65000"'
l6='afi="ipv6",local_as="65000"'
p4="peer=\"$P1_V4\",peer_as=\"65001\",safi=\"unicast\",vrf=\"default\""
p6="peer=\"$P1_V6\",peer_as=\"65001\",safi=\"unicast\",vrf=\"default\""
series "frr_bgp_peer_state{$l4,$p4}" 1
series "frr_bgp_peer_state{$l6,$p6}" 1
series "frr_bgp_peer_prefixes_received_count_total{$l4,$p4}" 2
series "frr_bgp_peer_prefixes_received_count_total{$l6,$p6}" 1
series "frr_bgp_peer_prefixes_advertised_count_total{$l4,$p4}" 1
series "frr_bgp_peer_prefixes_advertised_count_total{$l6,$p6}" 1
series "frr_bgp_peers_count_total{$l4,safi=\"unicast\",vrf=\"default\"}" 1
series "frr_bgp_peers_count_total{$l6,safi=\"unicast\",vrf=\"default\"}" 1
check "frr_bgp_peer_uptime_seconds > 0" bash -c \
  "grep -F 'frr_bgp_peer_uptime_seconds{$l4,$p4} ' '$IT_DIR/metrics.txt' | awk '{ exit !(\$2 > 0) }'"
check "frr_bgp_peer_message_received_total present" \
  grep -qF "frr_bgp_peer_message_received_total{$l4,$p4} " "$IT_DIR/metrics.txt"
check "the exporter with peer descriptions answers /metrics" \
  wait_until 10 scrape $((EXPORTER_PORT + 1)) "$IT_DIR/metrics-desc.txt"
check "frr_bgp_peer_state with peer_desc=\"uplink\"" grep -qxF \
  "frr_bgp_peer_state{$l4,peer=\"$P1_V4\",peer_as=\"65001\",peer_desc=\"uplink\",safi=\"unicast\",vrf=\"default\"} 1" \
  "$IT_DIR/metrics-desc.txt"

echo "== BFD"
series "frr_bfd_peer_count" 2
series "frr_bfd_peer_state{local=\"\",peer=\"$P1_V4\"}" 1
series "frr_bfd_peer_state{local=\"\",peer=\"$P1_V6\"}" 1

echo "== VRRP"
vr='interface="br0"'
series "frr_vrrp_state{$vr,proto=\"v4\",state=\"Master\",subinterface=\"br0\",vrid=\"51\"}" 1
series "frr_vrrp_state{$vr,proto=\"v4\",state=\"Backup\",subinterface=\"br0\",vrid=\"51\"}" 0
series "frr_vrrp_state{$vr,proto=\"v6\",state=\"Master\",subinterface=\"br0\",vrid=\"51\"}" 1
# Each keepalived instance's other family: what FRR shows for a family with no address.
series "frr_vrrp_state{$vr,proto=\"v6\",state=\"Initialize\",subinterface=\"\",vrid=\"51\"}" 1
check "frr_vrrp_state_transitions_total (Initialize -> Backup -> Master)" \
  has "frr_vrrp_state_transitions_total{$vr,proto=\"v4\",subinterface=\"br0\",vrid=\"51\"}" 2
check "frr_vrrp_advertisements_sent_total > 0" bash -c \
  "grep -F 'frr_vrrp_advertisements_sent_total{$vr,proto=\"v4\",subinterface=\"br0\",vrid=\"51\"} ' \
    '$IT_DIR/metrics.txt' | awk '{ exit !(\$2 > 0) }'"
check "no collector error in the exporters' logs" bash -c \
  "! grep -q 'collector scrape failed\|cannot unmarshal' '$IT_DIR/exporter.log' '$IT_DIR/exporter-desc.log'"

it_finish
