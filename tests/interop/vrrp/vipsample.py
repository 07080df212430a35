#!/usr/bin/env python3
"""Samples which routers hold the VIP, every few milliseconds, and reports overlaps.

  vipsample.py run --vip 192.168.5.1 --out FILE [--interval 0.005] NAME=NETNS ...
      Opens one rtnetlink socket inside each network namespace (setns), then dumps the IPv4
      addresses and the links of every namespace each --interval. A router "holds" the VIP when
      the address is on an interface that is up (a crashed router is modelled by its link going
      down: its stale address does not count). Writes one line per change of the owner set,
      "REALTIME_NS OWNER,OWNER" ("-" for none), "# gap REALTIME_NS MS" when one round took over
      50 ms, and at SIGTERM/SIGINT "# samples N max_gap_ms G p99_gap_ms P". The clock is
      CLOCK_REALTIME, the clock of `date +%s%N`.

  vipsample.py analyze --log FILE [--since NS] [--until NS]
      Prints JSON about the window: "overlap_max_ms" (longest time two or more routers held the
      VIP at once), "overlaps" (each such period), "none_max_ms" (longest time nobody held it),
      "acquired" (each router's first acquisition in the window, ns), "owners_at_end",
      "samples", "max_gap_ms", "p99_gap_ms" (time between two samples).
"""

import argparse
import ctypes
import json
import os
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
NETLINK_ROUTE = 0
RTM_NEWLINK, RTM_GETLINK, RTM_NEWADDR, RTM_GETADDR = 16, 18, 20, 22
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFA_LOCAL = 2
IFF_UP = 0x1
NLMSG_HDR = struct.Struct("=IHHII")
IFADDRMSG = struct.Struct("=BBBBI")
IFINFOMSG = struct.Struct("=BxHiII")
RTATTR = struct.Struct("=HH")


def netlink_socket_in(netns):
    """An rtnetlink socket that lives in the named namespace (ip netns NAME)."""
    libc = ctypes.CDLL(None, use_errno=True)
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {netns}")
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        if libc.setns(own, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(own)
        os.close(target)
    sock.bind((0, 0))
    return sock


def dump(sock, msg_type, body, seq):
    """Sends a dump request; yields (type, payload) of each answer message."""
    sock.send(NLMSG_HDR.pack(NLMSG_HDR.size + len(body), msg_type, NLM_F_REQUEST | NLM_F_DUMP,
                             seq, 0) + body)
    while True:
        data = sock.recv(65536)
        offset = 0
        while offset + NLMSG_HDR.size <= len(data):
            length, kind, _, _, _ = NLMSG_HDR.unpack_from(data, offset)
            if kind == NLMSG_DONE:
                return
            if kind == NLMSG_ERROR:
                raise OSError("netlink dump error")
            yield kind, data[offset + NLMSG_HDR.size:offset + length]
            offset += (length + 3) & ~3


def attributes(payload, start):
    offset = start
    while offset + RTATTR.size <= len(payload):
        length, kind = RTATTR.unpack_from(payload, offset)
        if length < RTATTR.size:
            return
        yield kind, payload[offset + RTATTR.size:offset + length]
        offset += (length + 3) & ~3


def holds_vip(sock, vip, seq):
    up = set()
    for kind, payload in dump(sock, RTM_GETLINK, IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0),
                              seq):
        if kind == RTM_NEWLINK:
            _, _, index, flags, _ = IFINFOMSG.unpack_from(payload)
            if flags & IFF_UP:
                up.add(index)
    found = False
    for kind, payload in dump(sock, RTM_GETADDR, IFADDRMSG.pack(socket.AF_INET, 0, 0, 0, 0),
                              seq + 1):
        if kind != RTM_NEWADDR:
            continue
        index = IFADDRMSG.unpack_from(payload)[4]
        for attr, value in attributes(payload, IFADDRMSG.size):
            if attr == IFA_LOCAL and value == vip and index in up:
                found = True
    return found


def run(args):
    vip = socket.inet_aton(args.vip)
    routers = []
    for spec in args.routers:
        name, netns = spec.split("=", 1)
        routers.append((name, netns_socket_retry(netns)))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    interval_ns = int(args.interval * 1e9)
    gaps = []
    last_sample = None
    previous = None
    seq = 1
    with open(args.out, "w", buffering=1) as out:
        next_at = time.monotonic_ns()
        while not stop:
            owners = []
            for name, sock in routers:
                if holds_vip(sock, vip, seq):
                    owners.append(name)
                seq += 2
            now = time.monotonic_ns()
            if last_sample is not None:
                gaps.append(now - last_sample)
                if gaps[-1] > 50_000_000:
                    out.write(f"# gap {time.time_ns()} {gaps[-1] / 1e6:.1f}\n")
            last_sample = now
            if owners != previous:
                out.write(f"{time.time_ns()} {','.join(owners) or '-'}\n")
                previous = owners
            next_at += interval_ns
            delay = next_at - time.monotonic_ns()
            if delay > 0:
                time.sleep(delay / 1e9)
            else:
                next_at = time.monotonic_ns()
        gaps.sort()
        p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0
        out.write(f"# samples {len(gaps) + 1} max_gap_ms {(gaps[-1] if gaps else 0) / 1e6:.1f} "
                  f"p99_gap_ms {p99 / 1e6:.1f}\n")


def netns_socket_retry(netns):
    for _ in range(50):
        try:
            return netlink_socket_in(netns)
        except FileNotFoundError:
            time.sleep(0.1)
    return netlink_socket_in(netns)


def analyze(args):
    changes = []
    samples, max_gap, p99_gap = 0, 0.0, 0.0
    with open(args.log) as log:
        for line in log:
            if line.startswith("# samples"):
                words = line.split()
                samples, max_gap, p99_gap = int(words[2]), float(words[4]), float(words[6])
                continue
            if line.startswith("#"):
                continue
            stamp, owners = line.split()
            changes.append((int(stamp), [] if owners == "-" else owners.split(",")))
    since = args.since if args.since is not None else (changes[0][0] if changes else 0)
    until = args.until if args.until is not None else time.time_ns()
    # The owner set in force at `since`, then every change inside the window.
    current = []
    window = []
    for stamp, owners in changes:
        if stamp <= since:
            current = owners
        elif stamp < until:
            window.append((stamp, owners))
    periods = [(since, current)] + window
    overlaps, none_max, acquired = [], 0, {}
    for i, (start, owners) in enumerate(periods):
        end = periods[i + 1][0] if i + 1 < len(periods) else until
        length = end - start
        if len(owners) >= 2:
            overlaps.append({"start": start, "ms": round(length / 1e6, 1), "owners": owners})
        if not owners:
            none_max = max(none_max, length)
        previous = periods[i - 1][1] if i > 0 else owners
        for owner in owners:
            if i > 0 and owner not in previous and owner not in acquired:
                acquired[owner] = start
    print(json.dumps({
        "overlap_max_ms": max((o["ms"] for o in overlaps), default=0.0),
        "overlaps": overlaps,
        "none_max_ms": round(none_max / 1e6, 1),
        "acquired": acquired,
        "owners_at_end": periods[-1][1],
        "samples": samples,
        "max_gap_ms": max_gap,
        "p99_gap_ms": p99_gap,
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run")
    p_run.add_argument("--vip", required=True)
    p_run.add_argument("--out", required=True)
    p_run.add_argument("--interval", type=float, default=0.005)
    p_run.add_argument("routers", nargs="+", metavar="NAME=NETNS")
    p_an = sub.add_parser("analyze")
    p_an.add_argument("--log", required=True)
    p_an.add_argument("--since", type=int)
    p_an.add_argument("--until", type=int)
    args = parser.parse_args()
    if args.command == "run":
        run(args)
    else:
        analyze(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
