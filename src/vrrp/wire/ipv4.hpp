// The IPv4 header in front of a VRRP message: a raw IPPROTO_VRRP socket delivers it, and the
// instance needs its TTL (RFC 5798 §7.1: MUST be 255), source (the sender's primary address,
// used to break priority ties, §6.4.3) and destination (for the v3 pseudo-header checksum).
#pragma once

#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "vrrp/wire/drop_cause.hpp"

namespace vipd::vrrp::wire {

inline constexpr std::size_t kIpv4MinHeaderSize = 20;
// RFC 2474 CS6 "network control", the DSCP keepalived (and RFC 5798 routers) send with.
inline constexpr std::uint8_t kTosNetworkControl = 0xc0;

struct Ipv4Header {
  std::uint8_t header_length = kIpv4MinHeaderSize;  // octets (IHL * 4)
  std::uint8_t tos = kTosNetworkControl;
  std::uint16_t total_length = 0;
  std::uint16_t identification = 0;
  std::uint16_t flags_fragment = 0;  // flags (3 bits) and fragment offset
  std::uint8_t ttl = 255;
  std::uint8_t protocol = 112;
  IpAddress source;
  IpAddress destination;
  bool operator==(const Ipv4Header&) const = default;
};

struct Ipv4Packet {
  Ipv4Header header;
  ByteSpan payload;  // a view into the parsed buffer
};

// Validates and splits a received IPv4 packet: kTruncated (under 20 octets or under IHL),
// kBadIpHeader (version not 4, IHL < 5, header checksum wrong, a fragment), kIpLengthMismatch
// (Total Length differs from the received size; keepalived drops these too). Options are
// skipped. The protocol and TTL are returned, not checked (see validate.hpp).
Result<Ipv4Packet, DropCause> parse_ipv4_packet(ByteSpan packet);

// A 20-octet header (no options) + payload with Total Length and header checksum filled in.
// For IP_HDRINCL senders and for test fixtures.
Bytes build_ipv4_packet(const Ipv4Header& header, ByteSpan payload);

}  // namespace vipd::vrrp::wire
