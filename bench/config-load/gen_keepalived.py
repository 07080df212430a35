#!/usr/bin/env python3
"""Writes a keepalived.conf of INSTANCES vrrp_instances (250 per interface, 3 VIPs each) and one
instance with EXCLUDED virtual_ipaddress_excluded lines. Documentation and private ranges only;
the file is for --check and load timing, never run."""
import sys

instances = int(sys.argv[1])
excluded = int(sys.argv[2]) if len(sys.argv) > 2 else 0
out = ["global_defs {", "  router_id bench", "}"]
for i in range(instances):
    ifname, vrid = f"eth{i // 250}", 1 + i % 250
    out += [f"vrrp_instance VI_{i} {{", "  state BACKUP", f"  interface {ifname}",
            f"  virtual_router_id {vrid}", "  priority 100", "  advert_int 1",
            "  virtual_ipaddress {"]
    out += [f"    10.{i >> 8 & 255}.{i & 255}.{k + 1}/32" for k in range(3)]
    out += ["  }", "}"]
if excluded:
    out += ["vrrp_instance BIG {", "  state BACKUP", "  interface big0", "  virtual_router_id 1",
            "  priority 100", "  virtual_ipaddress {", "    192.0.2.1/32", "  }",
            "  virtual_ipaddress_excluded {"]
    out += [f"    100.{64 + (k >> 16) % 64}.{k >> 8 & 255}.{k & 255}/32" for k in range(excluded)]
    out += ["  }", "}"]
print("\n".join(out))
