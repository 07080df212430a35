#include "vrrp/wire/ipv4.hpp"

#include "l2/wire/checksum.hpp"

namespace vipd::vrrp::wire {

namespace {

constexpr std::uint16_t kMoreFragments = 0x2000;
constexpr std::uint16_t kFragmentOffsetMask = 0x1fff;

IpAddress read_ipv4(ByteReader& r) {
  ByteSpan b = r.bytes(4);
  if (!r.ok()) return {};
  return IpAddress::v4({b[0], b[1], b[2], b[3]});
}

}  // namespace

Result<Ipv4Packet, DropCause> parse_ipv4_packet(ByteSpan packet) {
  if (packet.size() < kIpv4MinHeaderSize) return unexpected(DropCause::kTruncated);
  ByteReader r(packet);
  Ipv4Packet out;
  Ipv4Header& h = out.header;
  const std::uint8_t version_ihl = r.u8();
  if (version_ihl >> 4 != 4) return unexpected(DropCause::kBadIpHeader);
  h.header_length = static_cast<std::uint8_t>((version_ihl & 0x0f) * 4);
  if (h.header_length < kIpv4MinHeaderSize) return unexpected(DropCause::kBadIpHeader);
  if (packet.size() < h.header_length) return unexpected(DropCause::kTruncated);
  h.tos = r.u8();
  h.total_length = r.u16();
  h.identification = r.u16();
  h.flags_fragment = r.u16();
  h.ttl = r.u8();
  h.protocol = r.u8();
  r.skip(2);  // header checksum, verified over the whole header below
  h.source = read_ipv4(r);
  h.destination = read_ipv4(r);
  // RFC 791: the checksum covers the header, options included.
  if (l2::wire::internet_checksum(packet.subspan(0, h.header_length)) != 0) {
    return unexpected(DropCause::kBadIpHeader);
  }
  // A raw socket hands over reassembled datagrams; a fragment here is malformed.
  if ((h.flags_fragment & (kMoreFragments | kFragmentOffsetMask)) != 0) {
    return unexpected(DropCause::kBadIpHeader);
  }
  if (h.total_length != packet.size()) return unexpected(DropCause::kIpLengthMismatch);
  out.payload = packet.subspan(h.header_length);
  return out;
}

Bytes build_ipv4_packet(const Ipv4Header& header, ByteSpan payload) {
  ByteWriter w;
  w.u8(0x45);  // version 4, IHL 5
  w.u8(header.tos);
  w.u16(static_cast<std::uint16_t>(kIpv4MinHeaderSize + payload.size()));
  w.u16(header.identification);
  w.u16(header.flags_fragment);
  w.u8(header.ttl);
  w.u8(header.protocol);
  w.u16(0);
  w.bytes(ByteSpan(header.source.octets().data(), 4));
  w.bytes(ByteSpan(header.destination.octets().data(), 4));
  Bytes packet = w.take();
  const std::uint16_t checksum = l2::wire::internet_checksum(packet);
  packet[10] = static_cast<std::uint8_t>(checksum >> 8);
  packet[11] = static_cast<std::uint8_t>(checksum);
  packet.insert(packet.end(), payload.begin(), payload.end());
  return packet;
}

}  // namespace vipd::vrrp::wire
