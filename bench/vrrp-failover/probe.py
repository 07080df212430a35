#!/usr/bin/env python3
"""UDP prober and echo responder for the VRRP failover benchmark.

  probe.py echo --port 7777 --name r1
      Answers every datagram on UDP PORT (any local address, so the VIP too while it is
      configured) with the datagram followed by NAME.

  probe.py probe --target 192.168.5.1 --port 7777 --out FILE [--interval 0.001]
      Sends a datagram to TARGET:PORT every INTERVAL and timestamps each reply. Writes to FILE
      (line-buffered, CLOCK_REALTIME nanoseconds, the clock of `date +%s%N`):
        "first T NAME"                       the first reply
        "gap START END MS LOST BEFORE AFTER" replies stopped at START (the last reply before)
                                             and resumed at END (the first reply after); LOST
                                             probes went unanswered; BEFORE/AFTER name who
                                             answered. Gaps of at least --min-gap (5 ms), and
                                             every change of responder whatever the gap.
        "# sent N received M"                at SIGTERM.
"""

import argparse
import os
import select
import signal
import socket
import struct
import sys
import time

PROBE = struct.Struct("!QQ")  # sequence number, send time (monotonic ns)


def echo(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", args.port))
    name = args.name.encode()
    while True:
        data, peer = sock.recvfrom(2048)
        try:
            sock.sendto(data[:PROBE.size] + name, peer)
        except OSError:
            pass  # the route may be gone for a moment (link down): the prober sees a gap


def probe(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    target = (args.target, args.port)
    interval = int(args.interval * 1e9)
    min_gap = int(args.min_gap * 1e6)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    sent = received = 0
    last_seq = -1
    last_time = None
    last_name = "-"
    with open(args.out, "w", buffering=1) as out:
        next_send = time.monotonic_ns()
        while not stop:
            now = time.monotonic_ns()
            if now >= next_send:
                try:
                    sock.sendto(PROBE.pack(sent, now), target)
                except OSError:
                    pass  # no route / ARP failure: counted as lost
                sent += 1
                next_send += interval
                if now - next_send > 100 * interval:  # we were descheduled: do not burst
                    next_send = now + interval
            timeout = max(0, next_send - time.monotonic_ns()) / 1e9
            ready, _, _ = select.select([sock], [], [], timeout)
            if not ready:
                continue
            while True:
                try:
                    data = sock.recv(2048)
                except BlockingIOError:
                    break
                if len(data) < PROBE.size:
                    continue
                stamp = time.time_ns()
                seq, _ = PROBE.unpack_from(data)
                name = data[PROBE.size:].decode(errors="replace") or "?"
                received += 1
                if last_time is None:
                    out.write(f"first {stamp} {name}\n")
                elif stamp - last_time >= min_gap or name != last_name:
                    lost = max(0, seq - last_seq - 1)
                    out.write(f"gap {last_time} {stamp} {(stamp - last_time) / 1e6:.1f} {lost} "
                              f"{last_name} {name}\n")
                if seq > last_seq:
                    last_seq = seq
                last_time = stamp
                last_name = name
        out.write(f"# sent {sent} received {received}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(required=True)
    responder = commands.add_parser("echo")
    responder.set_defaults(handler=echo)
    responder.add_argument("--name", default=os.uname().nodename)
    prober = commands.add_parser("probe")
    prober.set_defaults(handler=probe)
    prober.add_argument("--target", required=True)
    prober.add_argument("--interval", type=float, default=0.001)
    prober.add_argument("--min-gap", type=float, default=5.0, help="ms")
    prober.add_argument("--out", required=True)
    for command in (responder, prober):
        command.add_argument("--port", type=int, default=7777)
    args = parser.parse_args()
    args.handler(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
