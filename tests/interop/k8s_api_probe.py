#!/usr/bin/env python3
"""Measures, for the lb_k8s_api interop test, how long a Service takes from its creation in the
(test) Kubernetes API to its address being assigned (status.loadBalancer.ingress, seen through a
watch, as any client of the API sees it) and announced (FRR has the /32 from every node). Run
inside the router namespace:
  k8s_api_probe.py CONTROL_URL API_URL CA_FILE TOKEN VTY_SOCKET COUNT FIRST_INDEX NODES
Prints one line per Service and a last line "p50_ms=.. p99_ms=.. max_ms=..". Stdlib only; the
watch is event-driven so that measuring does not load the API server (polling it would)."""
import http.client
import json
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request

control, api, ca, token, vty = sys.argv[1:6]
count, first, nodes = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
api_url = urllib.parse.urlparse(api)
tls = ssl.create_default_context(cafile=ca)


def load(doc):
    request = urllib.request.Request(control + "/_fake/load", data=json.dumps(doc).encode(),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def wait_for_ingress(name, version, deadline):
    """The Service's first ingress address, from a watch starting at `version`."""
    connection = http.client.HTTPSConnection(api_url.hostname, api_url.port, context=tls,
                                             timeout=max(0.1, deadline - time.monotonic()))
    connection.request("GET", "/api/v1/namespaces/default/services?watch=1&resourceVersion="
                       f"{version}&fieldSelector=metadata.name%3D{name}",
                       headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    try:
        while time.monotonic() < deadline:
            line = response.readline()
            if not line:
                return None
            event = json.loads(line)
            ingress = event.get("object", {}).get("status", {}).get("loadBalancer", {}).get(
                "ingress", [])
            if ingress:
                return ingress[0]["ip"]
    except (OSError, ValueError):
        return None
    finally:
        connection.close()
    return None


def frr_paths(prefix):
    out = subprocess.run(["vtysh", "--vty_socket", vty, "-d", "bgpd", "-c",
                          f"show bgp ipv4 unicast {prefix} json"], capture_output=True,
                         text=True).stdout
    try:
        return len(json.loads(out).get("paths", []))
    except ValueError:
        return 0


samples = []
for i in range(first, first + count):
    name = f"probe-{i}"
    # The Service and its endpoints on every node (a Service without a ready endpoint is not
    # announced, as MetalLB's speaker does).
    doc = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": name, "namespace": "default"},
         "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}]}},
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": name + "-x1", "namespace": "default",
                      "labels": {"kubernetes.io/service-name": name}},
         "addressType": "IPv4",
         "endpoints": [{"addresses": [f"10.42.0.{11 + n}"], "nodeName": f"node-{chr(97 + n)}"}
                       for n in range(nodes)]}]}
    start = time.monotonic()
    created = load(doc)
    # The watch starts before the Service's own version: its ADDED event comes first.
    version = int(created["applied"][0]["resourceVersion"]) - 1
    ip = wait_for_ingress(name, version, start + 5)
    assigned = time.monotonic()
    while ip and frr_paths(ip + "/32") < nodes and time.monotonic() - start < 5:
        time.sleep(0.005)
    done = time.monotonic()
    ok = bool(ip) and frr_paths(ip + "/32") >= nodes
    ms = (done - start) * 1000 if ok else float("inf")
    samples.append(ms)
    print(f"{name} {ip or '-'} assigned_ms={(assigned - start) * 1000:.1f} "
          f"announced_ms={ms:.1f}", flush=True)

samples.sort()
p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
print(f"p50_ms={p(0.5):.1f} p99_ms={p(0.99):.1f} max_ms={samples[-1]:.1f}")
