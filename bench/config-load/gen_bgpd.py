#!/usr/bin/env python3
"""Writes a bgpd.conf of N `ip prefix-list` lines (10 lists) and M passive neighbors, each
with an inbound prefix list: the shape of an IXP route server's configuration."""
import sys

n = int(sys.argv[1])
neighbors = int(sys.argv[2]) if len(sys.argv) > 2 else 200
lists = 10
out = ["hostname bench", "!"]
per = n // lists
for l in range(lists):
    for i in range(per):
        k = l * per + i
        a = 10 + (k >> 16) % 200
        out.append(f"ip prefix-list PL{l} seq {(i + 1) * 5} permit {a}.{(k >> 8) & 255}.{k & 255}.0/24 le 32")
out += ["!", "bgp no-rib", "!", "router bgp 65000", " bgp router-id 192.0.2.1"]
# Documentation range 198.18/15 (RFC 2544); the neighbors are passive: nothing is sent anywhere.
for j in range(neighbors):
    out.append(f" neighbor 198.18.{j >> 8}.{j & 255} remote-as {65001 + j}")
    out.append(f" neighbor 198.18.{j >> 8}.{j & 255} passive")
out += [" !", " address-family ipv4 unicast"]
for j in range(neighbors):
    out.append(f"  neighbor 198.18.{j >> 8}.{j & 255} prefix-list PL{j % lists} in")
out += [" exit-address-family", "!"]
print("\n".join(out))
