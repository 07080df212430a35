#!/usr/bin/env python3
"""Gaps between consecutive BFD Control packets in a pcap (run.sh's capture).

  analyze.py FILE.pcap --interval 10 --mult 3 [--label-a A --label-b B]

Reads a classic pcap (microsecond or nanosecond; Ethernet or Linux cooked), keeps IPv4 UDP to
port 3784, groups packets by direction (source, destination) and prints, per sender side and in
total: packets, gaps p50/p90/p99/max/min, the share of gaps above the interval (a late timer:
RFC 5880 §6.8.7 jitter makes the intended gap 75-100% of the interval), and gaps reaching the
detection time (interval x mult: the receiver's detection timer would expire). Packets with the
Final bit (answers to a Poll, sent outside the periodic schedule) are left out.
"""

import argparse
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    else:
        endian = ">"
        magic = struct.unpack(">I", data[:4])[0]
    nano = magic == 0xA1B23C4D
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    offset = 24
    while offset + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        t = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:  # Ethernet
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype == 113:  # Linux cooked
            if len(frame) < 16 or frame[14:16] != b"\x08\x00":
                continue
            ip = frame[16:]
        else:
            sys.exit(f"unsupported link type {linktype}")
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        hl = (ip[0] & 15) * 4
        udp = ip[hl:]
        if len(udp) < 8 + 2 or struct.unpack("!H", udp[2:4])[0] != 3784:
            continue
        final = bool(udp[8 + 1] & 0x10)
        yield t, ip[12:16], ip[16:20], final


def pct(values, p):
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def line(name, gaps, n, interval, detect):
    gaps = sorted(gaps)
    late = sum(1 for g in gaps if g > interval)
    expire = sum(1 for g in gaps if g >= detect)
    print(f"| {name} | {n} | {pct(gaps, 50):.3f} | {pct(gaps, 90):.3f} | {pct(gaps, 99):.3f} | "
          f"{gaps[-1]:.3f} | {gaps[0]:.3f} | {100 * late / len(gaps):.2f}% | {expire} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("--interval", type=float, default=10.0, help="ms")
    ap.add_argument("--mult", type=int, default=3)
    ap.add_argument("--label-a", default="A")
    ap.add_argument("--label-b", default="B")
    args = ap.parse_args()
    flows = {}
    for t, src, dst, final in packets(args.pcap):
        if final:
            continue
        flows.setdefault((src, dst), []).append(t)
    if not flows:
        sys.exit("no BFD Control packets captured")
    detect = args.interval * args.mult
    print(f"gaps between consecutive Control packets of one direction, ms (intended: "
          f"{0.75 * args.interval:.1f}-{args.interval:.1f}; detection time {detect:.0f})")
    print()
    print("| sender | packets | p50 | p90 | p99 | max | min | > interval | >= detection |")
    print("|---|---|---|---|---|---|---|---|---|")
    sides = {}
    for (src, dst), times in sorted(flows.items()):
        gaps = [(b - a) * 1000 for a, b in zip(times, times[1:])]
        # run.sh gives side A the addresses ending in .1, side B those ending in .2.
        label = args.label_a if src[3] == 1 else args.label_b
        name = f"{label} {'.'.join(map(str, src))}"
        line(name, gaps, len(times), args.interval, detect)
        side = sides.setdefault(label, [[], 0])
        side[0].extend(gaps)
        side[1] += len(times)
    for label, (gaps, n) in sides.items():
        line(f"**{label}, all sessions**", gaps, n, args.interval, detect)


if __name__ == "__main__":
    main()
