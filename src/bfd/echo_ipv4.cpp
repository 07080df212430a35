#include "bfd/echo_ipv4.hpp"

namespace vipd::bfd {

namespace {
constexpr std::size_t kIpHeaderSize = 20;
constexpr std::size_t kUdpHeaderSize = 8;
constexpr std::uint8_t kProtocolUdp = 17;
constexpr std::uint8_t kTosInternetControl = 0xc0;  // DSCP CS6 (RFC 5881 §4)
constexpr std::uint8_t kEchoTtl = 255;
}  // namespace

std::uint16_t internet_checksum(ByteSpan data, std::uint32_t initial) {
  std::uint32_t sum = initial;
  for (std::size_t i = 0; i + 1 < data.size(); i += 2)
    sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (data.size() % 2) sum += static_cast<std::uint32_t>(data.back() << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

Bytes build_ipv4_echo(const IpAddress& self, std::uint16_t port, std::uint16_t id,
                      ByteSpan payload) {
  const std::uint32_t address = self.v4_host_order();
  const auto udp_length = static_cast<std::uint16_t>(kUdpHeaderSize + payload.size());
  ByteWriter out;
  out.u8(0x45);  // version 4, 5 words of header
  out.u8(kTosInternetControl);
  out.u16(static_cast<std::uint16_t>(kIpHeaderSize + udp_length));
  out.u16(id);
  out.u16(0);  // flags, fragment offset
  out.u8(kEchoTtl);
  out.u8(kProtocolUdp);
  const std::size_t ip_checksum_at = out.placeholder_u16();
  out.u32(address);
  out.u32(address);
  out.u16(port);
  out.u16(port);
  out.u16(udp_length);
  const std::size_t udp_checksum_at = out.placeholder_u16();
  out.bytes(payload);
  Bytes packet = out.take();
  ByteWriter patch(packet);
  patch.patch_u16(ip_checksum_at, internet_checksum(ByteSpan(packet.data(), kIpHeaderSize)));
  // UDP checksum over the pseudo-header (source, destination, protocol, UDP length) and the
  // UDP header and payload (RFC 768).
  const std::uint32_t pseudo =
      (address >> 16) * 2 + (address & 0xffff) * 2 + kProtocolUdp + udp_length;
  std::uint16_t udp_checksum =
      internet_checksum(ByteSpan(packet.data() + kIpHeaderSize, udp_length), pseudo);
  if (udp_checksum == 0) udp_checksum = 0xffff;  // RFC 768: zero means "no checksum"
  patch.patch_u16(udp_checksum_at, udp_checksum);
  return packet;
}

std::optional<ParsedIpv4Echo> parse_ipv4_echo(ByteSpan datagram, std::uint16_t port) {
  if (datagram.size() < kIpHeaderSize + kUdpHeaderSize) return std::nullopt;
  const std::size_t header = static_cast<std::size_t>(datagram[0] & 0x0f) * 4;
  if (datagram[0] >> 4 != 4 || header < kIpHeaderSize || datagram.size() < header + kUdpHeaderSize)
    return std::nullopt;
  if (internet_checksum(datagram.first(header)) != 0) return std::nullopt;
  ByteReader ip(datagram);
  ip.skip(2);
  const std::uint16_t total = ip.u16();
  ip.skip(2);
  const std::uint16_t fragment = ip.u16();
  ParsedIpv4Echo parsed;
  parsed.ttl = ip.u8();
  const std::uint8_t protocol = ip.u8();
  ip.skip(2);
  parsed.source = IpAddress::v4(ip.u32());
  parsed.destination = IpAddress::v4(ip.u32());
  if (protocol != kProtocolUdp || (fragment & 0x3fff) != 0 || total > datagram.size() ||
      total < header + kUdpHeaderSize)
    return std::nullopt;
  ByteReader udp(datagram.subspan(header, total - header));
  udp.skip(2);
  if (udp.u16() != port) return std::nullopt;
  const std::uint16_t length = udp.u16();
  if (length < kUdpHeaderSize || length > total - header) return std::nullopt;
  udp.skip(2);
  const ByteSpan payload = udp.bytes(length - kUdpHeaderSize);
  parsed.payload.assign(payload.begin(), payload.end());
  return parsed;
}

}  // namespace vipd::bfd
