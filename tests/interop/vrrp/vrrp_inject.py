#!/usr/bin/env python3
"""Sends hand-made VRRP adverts as whole Ethernet frames (AF_PACKET, SOCK_RAW), so that every
field a receiver checks can be set wrong on purpose: TTL, IP and VRRP checksums, version, VRID,
authentication, length.

  vrrp_inject.py --iface eth0 --src 192.168.5.99 --vrid 51 --priority 200 --auth-pass 1111 \
      --vip 192.168.5.1 [--version 2|3] [--advert-int 1] [--ttl 255] [--bad-checksum] \
      [--version-field N] [--truncate N] [--count N] [--rate PPS] [--case NAME ...]

A VRRPv2 advert (RFC 3768 §5) carries the advert interval in seconds and 8 octets of
authentication data; a VRRPv3 advert (RFC 5798 §5.2) the interval in centiseconds, and its
checksum covers the IPv4 pseudo-header (RFC 5798 §5.2.8). Without --auth-pass a v2 advert has
auth type 0. --case picks a named bad advert (several may be given; with --count they are sent
round-robin): ttl, checksum, auth, vrid, truncated, version (a well-formed advert of the other
version), garbage-version (version nibble 7). Prints "sent N in S s" at the end, and with
--case a line "CASE=N ..." with what was sent of each.
"""

import argparse
import socket
import struct
import sys
import time

MULTICAST_GROUP = "224.0.0.18"
MULTICAST_MAC = bytes.fromhex("01005e000012")
IPPROTO_VRRP = 112


def internet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def vrrp_message(opts, src, dst):
    vips = b"".join(socket.inet_aton(v) for v in opts.vip)
    version_field = opts.version_field if opts.version_field is not None else opts.version
    first = (version_field << 4) | 1
    if opts.version == 2:
        auth_type = 1 if opts.auth_pass is not None else 0
        auth = (opts.auth_pass or "").encode()[:8].ljust(8, b"\0")
        head = struct.pack("!BBBBBBH", first, opts.vrid, opts.priority, len(opts.vip), auth_type,
                           int(opts.advert_int), 0)
        body = head + vips + auth
        checksum = internet_checksum(body)
    else:
        centis = int(round(opts.advert_int * 100)) & 0x0FFF
        head = struct.pack("!BBBBHH", first, opts.vrid, opts.priority, len(opts.vip), centis, 0)
        body = head + vips
        pseudo = src + dst + struct.pack("!BBH", 0, IPPROTO_VRRP, len(body))
        checksum = internet_checksum(pseudo + body)
    if opts.bad_checksum:
        checksum ^= 0x5A5A
    body = body[:6] + struct.pack("!H", checksum) + body[8:]
    if opts.truncate is not None:
        body = body[:opts.truncate]
    return body


def ipv4_packet(opts, ident):
    src, dst = socket.inet_aton(opts.src), socket.inet_aton(opts.dst)
    payload = vrrp_message(opts, src, dst)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), ident & 0xFFFF, 0,
                         opts.ttl, IPPROTO_VRRP, 0, src, dst)
    header = header[:10] + struct.pack("!H", internet_checksum(header)) + header[12:]
    return header + payload


# Each case changes one thing of an otherwise valid advert.
CASES = {
    "ttl": {"ttl": 64},
    "checksum": {"bad_checksum": True},
    "auth": {"auth_pass": "wrong"},
    "vrid": {"vrid_delta": 1},
    "truncated": {"truncate": 6},
    "version": {"other_version": True},
    "garbage-version": {"version_field": 7},
}


def variants(opts):
    if not opts.case:
        return [opts]
    out = []
    for name in opts.case:
        variant = argparse.Namespace(**vars(opts))
        for key, value in CASES[name].items():
            if key == "vrid_delta":
                variant.vrid = (opts.vrid % 255) + value
            elif key == "other_version":
                # A well-formed advert of the other version (layout and checksum).
                variant.version = 3 if opts.version == 2 else 2
            else:
                setattr(variant, key, value)
        out.append(variant)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iface", default="eth0")
    parser.add_argument("--src", required=True)
    parser.add_argument("--dst", default=MULTICAST_GROUP)
    parser.add_argument("--vrid", type=int, default=51)
    parser.add_argument("--priority", type=int, default=200)
    parser.add_argument("--version", type=int, choices=(2, 3), default=2)
    parser.add_argument("--version-field", type=int, help="version nibble actually sent")
    parser.add_argument("--advert-int", type=float, default=1.0)
    parser.add_argument("--auth-pass")
    parser.add_argument("--vip", action="append", default=[])
    parser.add_argument("--ttl", type=int, default=255)
    parser.add_argument("--bad-checksum", action="store_true")
    parser.add_argument("--truncate", type=int, help="cut the VRRP message to N octets")
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--rate", type=float, default=0, help="packets per second (0: at once)")
    opts = parser.parse_args()
    if not opts.vip:
        opts.vip = ["192.168.5.1"]

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((opts.iface, 0))
    with open(f"/sys/class/net/{opts.iface}/address") as f:
        own_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    ethernet = MULTICAST_MAC + own_mac + struct.pack("!H", 0x0800)
    # Frames are prebuilt per variant; only the IP ID changes (like keepalived: one per packet).
    kinds = variants(opts)
    start = time.monotonic()
    sent = 0
    per_case = [0] * len(kinds)
    for i in range(opts.count):
        frame = ethernet + ipv4_packet(kinds[i % len(kinds)], i + 1)
        if opts.rate > 0:
            due = start + i / opts.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        try:
            sock.send(frame)
            sent += 1
            per_case[i % len(kinds)] += 1
        except BlockingIOError:
            pass
    print(f"sent {sent} in {time.monotonic() - start:.3f} s")
    if opts.case:
        print(" ".join(f"{name}={n}" for name, n in zip(opts.case, per_case)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
