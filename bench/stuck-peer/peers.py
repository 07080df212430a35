#!/usr/bin/env python3
"""Issue 15, D1: a feeder that gives vipd a table, and a neighbor that establishes, sends
ROUTE-REFRESH requests and never reads again. Used by run.sh inside a network namespace.

  peers.py feed    LOCAL REMOTE AS PREFIXES   # announces PREFIXES /24s, then keeps the session
  peers.py stuck   LOCAL REMOTE AS REFRESHES  # OPEN, KEEPALIVE, then REFRESHES ROUTE-REFRESH
Both keep their session alive with KEEPALIVEs until killed (SIGTERM)."""
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def message(kind, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), kind) + body


def open_message(asn, router_id):
    caps = b""
    caps += bytes([1, 4]) + struct.pack("!HBB", 1, 0, 1)  # multiprotocol IPv4 unicast
    caps += bytes([2, 0])  # route refresh
    caps += bytes([65, 4]) + struct.pack("!I", asn)  # 4-octet AS
    params = bytes([2, len(caps)]) + caps
    my_as = asn if asn < 65536 else 23456
    body = struct.pack("!BHH4sB", 4, my_as, 90, socket.inet_aton(router_id), len(params)) + params
    return message(1, body)


KEEPALIVE = message(4)
REFRESH = message(5, struct.pack("!HBB", 1, 0, 1))  # IPv4 unicast: 23 bytes


def updates(asn, next_hop, count):
    attrs = bytes([0x40, 1, 1, 0])  # ORIGIN IGP
    attrs += bytes([0x40, 2, 6, 2, 1]) + struct.pack("!I", asn)  # AS_PATH
    attrs += bytes([0x40, 3, 4]) + socket.inet_aton(next_hop)
    nlri = b""
    for i in range(count):
        # 20.0.0.0/24, 20.0.1.0/24, ...
        nlri += bytes([24]) + struct.pack("!I", (20 << 24) + (i << 8))[:3]
        if len(nlri) >= 4000 or i == count - 1:
            yield message(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)
            nlri = b""


def connect(local, remote, asn, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((local, 0))
    s.connect((remote, 179))
    s.sendall(open_message(asn, local))
    # OPEN and KEEPALIVE from vipd, then ours: Established.
    got = b""
    while got.count(MARKER) < 2:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("connection closed during the handshake")
        got += chunk
    s.sendall(KEEPALIVE)
    return s


def keep_alive(s, read):
    s.setblocking(False)
    while True:
        if read:
            try:
                while s.recv(65536):
                    pass
            except BlockingIOError:
                pass
        try:
            s.send(KEEPALIVE)
        except BlockingIOError:
            pass
        time.sleep(1 if read else 10)


def main():
    mode, local, remote, asn, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(
        sys.argv[5])
    if mode == "feed":
        s = connect(local, remote, asn)
        for u in updates(asn, "10.255.0.9", count):
            s.sendall(u)
        print("fed", count, flush=True)
        keep_alive(s, read=True)
    else:
        s = connect(local, remote, asn, rcvbuf=4096)
        time.sleep(1)
        for _ in range(count):
            s.sendall(REFRESH)
        print("sent", count, "refreshes", flush=True)
        keep_alive(s, read=False)


main()
