#!/bin/bash
# Captures the frames that tests/unit/l2/wire/{arp,ndp,answer}_test.cpp embed as fixtures: two
# network namespaces joined by a veth pair (owner o0 02:00:00:00:00:01, client c0
# 02:00:00:00:00:02), the owner's kernel answering for addresses configured on o0, tcpdump on
# o0. Needs root, iproute2, tcpdump, ping, iputils-arping. Writes OUT_DIR/*.pcap and prints every
# frame as hex (tcpdump -xx). Everything it creates is removed on exit, also on failure.
set -euo pipefail
out=${1:-/tmp/l2-fixtures}
mkdir -p "$out"
o=vipd-capo-$$
c=vipd-capc-$$
tcpdump_pid=
cleanup() {
  [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null || true
  ip netns del "$o" 2>/dev/null || true
  ip netns del "$c" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$o"
ip netns add "$c"
ip -n "$o" link add o0 address 02:00:00:00:00:01 type veth peer name c0 netns "$c"
ip -n "$c" link set c0 address 02:00:00:00:00:02
for ns in "$o" "$c"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=0
  ip -n "$ns" link set lo up
done
ip -n "$o" link set o0 up
ip -n "$c" link set c0 up
ip -n "$o" addr add 10.77.0.1/24 dev o0
ip -n "$c" addr add 10.77.0.2/24 dev c0
ip -n "$o" -6 addr add fd00:77::1/64 dev o0 nodad
ip -n "$o" -6 addr add fd00:77::5/64 dev o0 nodad
ip -n "$c" -6 addr add fd00:77::2/64 dev c0 nodad
sleep 1

capture() {  # NAME COMMAND...: tcpdump on o0 while COMMAND runs in the client namespace
  local name=$1
  shift
  ip netns exec "$o" tcpdump -i o0 -U -w "$out/$name.pcap" 'arp or (icmp6 and (ip6[40] == 135 or ip6[40] == 136))' 2>/dev/null &
  tcpdump_pid=$!
  sleep 1
  ip netns exec "$c" "$@" >/dev/null 2>&1 || true
  sleep 1
  kill "$tcpdump_pid"
  wait "$tcpdump_pid" 2>/dev/null || true
  tcpdump_pid=
  echo "== $name: $*"
  tcpdump -r "$out/$name.pcap" -nn -e -xx 2>/dev/null
}

# ARP request from the client's kernel and the owner kernel's reply (RFC 826).
capture arp_request ping -c1 -W1 10.77.0.1
# RFC 5227 ARP probe (sender IP 0.0.0.0) and the owner kernel's reply.
capture arp_probe arping -D -c1 -w1 -I c0 10.77.0.1
# RFC 5227 announcement (gratuitous request) and a gratuitous reply: neither is answered.
capture arp_gratuitous arping -U -c1 -w1 -I c0 -s 10.77.0.2 10.77.0.2
capture arp_gratuitous_reply arping -A -c1 -w1 -I c0 -s 10.77.0.2 10.77.0.2
# Multicast NS (address resolution) and the owner kernel's solicited NA.
capture ns_multicast ping -6 -c1 -W1 fd00:77::1
# Unicast NS (RFC 4861 §7.3.3 PROBE): the entry is made STALE, then used.
ip netns exec "$c" sysctl -qw net.ipv6.neigh.c0.delay_first_probe_time=1
ip -n "$c" -6 neigh replace fd00:77::1 lladdr 02:00:00:00:00:01 dev c0 nud stale
capture ns_unicast ping -6 -c3 -i1 -W1 fd00:77::1
# DAD NS (RFC 4862 §5.4.2) for an address the owner already has, and the owner's NA to ff02::1.
capture ns_dad sh -c 'ip -6 addr add fd00:77::5/64 dev c0 && sleep 2'
