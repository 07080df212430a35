#include "l2/wire/ndp.hpp"

#include <algorithm>

#include "l2/wire/checksum.hpp"

namespace vipd::l2::wire {

namespace {

constexpr std::uint32_t kFlagRouter = 0x80000000;     // RFC 4861 §4.4
constexpr std::uint32_t kFlagSolicited = 0x40000000;  // RFC 4861 §4.4
constexpr std::uint32_t kFlagOverride = 0x20000000;   // RFC 4861 §4.4

IpAddress all_nodes() {
  return IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01});
}

IpAddress read_ipv6(ByteReader& r) {
  ByteSpan b = r.bytes(16);
  if (!r.ok()) return {};
  std::array<std::uint8_t, 16> octets{};
  std::copy(b.begin(), b.end(), octets.begin());
  return IpAddress::v6(octets);
}

Bytes icmpv6_body(const NeighborAdvert& advert) {
  ByteWriter w;
  w.u8(kIcmpv6NeighborAdvert);
  w.u8(0);   // code
  w.u16(0);  // checksum, filled in below
  std::uint32_t flags = 0;
  if (advert.router) flags |= kFlagRouter;
  if (advert.solicited) flags |= kFlagSolicited;
  if (advert.override) flags |= kFlagOverride;
  w.u32(flags);
  w.bytes(ByteSpan(advert.target.octets().data(), 16));
  if (advert.target_link_layer) {
    w.u8(kNdpOptionTargetLinkLayer);
    w.u8(1);  // length in units of 8 octets
    w.bytes(advert.target_link_layer->octets);
  }
  Bytes body = w.take();
  // RFC 4443 §2.3: the checksum covers the IPv6 pseudo-header (RFC 8200 §8.1) and the message.
  InternetChecksum sum;
  sum.add_pseudo_header(advert.source, advert.destination, kIpProtoIcmpv6,
                        static_cast<std::uint32_t>(body.size()));
  sum.add(body);
  const std::uint16_t checksum = sum.finish();
  body[2] = static_cast<std::uint8_t>(checksum >> 8);
  body[3] = static_cast<std::uint8_t>(checksum);
  return body;
}

// RFC 4861 §7.1.2 checks on the ICMPv6 part; `icmp` is exactly the IPv6 payload.
Status<FrameError> check_icmpv6(ByteSpan icmp, const IpAddress& source,
                                const IpAddress& destination) {
  if (icmp.size() < 24) return unexpected(FrameError::kTruncated);
  if (icmp[0] != kIcmpv6NeighborAdvert || icmp[1] != 0) {
    return unexpected(FrameError::kNotNeighborAdvert);
  }
  InternetChecksum sum;
  sum.add_pseudo_header(source, destination, kIpProtoIcmpv6,
                        static_cast<std::uint32_t>(icmp.size()));
  sum.add(icmp);
  if (sum.finish() != 0) return unexpected(FrameError::kBadChecksum);
  return Ok{};
}

// RFC 4861 §4.6: options are type, length in 8-octet units (never 0), value.
Status<FrameError> read_options(ByteReader& r, NeighborAdvert& advert) {
  while (!r.empty()) {
    const std::uint8_t type = r.u8();
    const std::uint8_t length = r.u8();
    if (!r.ok() || length == 0 || r.remaining() < length * 8u - 2) {
      return unexpected(FrameError::kBadOption);
    }
    ByteSpan value = r.bytes(length * 8u - 2);
    if (type == kNdpOptionTargetLinkLayer && length == 1) {
      MacAddress mac;
      std::copy(value.begin(), value.begin() + 6, mac.octets.begin());
      advert.target_link_layer = mac;
    }
  }
  return Ok{};
}

}  // namespace

Bytes encode_neighbor_advert(const NeighborAdvert& advert) {
  const Bytes body = icmpv6_body(advert);
  ByteWriter w;
  write_ethernet_header(w, advert.ethernet);
  // RFC 8200 §3: version 6, traffic class 0, flow label 0.
  w.u32(0x60000000);
  w.u16(static_cast<std::uint16_t>(body.size()));
  w.u8(kIpProtoIcmpv6);
  w.u8(advert.hop_limit);
  w.bytes(ByteSpan(advert.source.octets().data(), 16));
  w.bytes(ByteSpan(advert.destination.octets().data(), 16));
  w.bytes(body);
  return w.take();
}

Bytes build_unsolicited_neighbor_advert(const MacAddress& source, const IpAddress& target,
                                        bool router) {
  NeighborAdvert advert;
  const IpAddress destination = all_nodes();
  advert.ethernet = {MacAddress::ipv6_multicast(destination.octets()), source, kEtherTypeIpv6};
  // RFC 4861 §7.2.6 lets the source be any address of the interface; keepalived uses the
  // announced address itself, which the host owns by now.
  advert.source = target;
  advert.destination = destination;
  advert.hop_limit = 255;  // RFC 4861 §7.1.2
  advert.router = router;
  advert.solicited = false;  // RFC 4861 §7.2.6: unsolicited
  advert.override = true;    // RFC 4861 §7.2.6: to update caches that hold the old address
  advert.target = target;
  advert.target_link_layer = source;
  return encode_neighbor_advert(advert);
}

Result<NeighborAdvert, FrameError> parse_neighbor_advert_frame(ByteSpan data) {
  ByteReader r(data);
  NeighborAdvert advert;
  advert.ethernet = read_ethernet_header(r);
  if (!r.ok()) return unexpected(FrameError::kTruncated);
  if (advert.ethernet.ether_type != kEtherTypeIpv6) return unexpected(FrameError::kWrongEtherType);
  const std::uint32_t version_class_flow = r.u32();
  const std::uint16_t payload_length = r.u16();
  const std::uint8_t next_header = r.u8();
  advert.hop_limit = r.u8();
  advert.source = read_ipv6(r);
  advert.destination = read_ipv6(r);
  if (!r.ok()) return unexpected(FrameError::kTruncated);
  if (version_class_flow >> 28 != 6) return unexpected(FrameError::kBadIpv6Header);
  if (payload_length > r.remaining()) return unexpected(FrameError::kBadIpv6Header);
  if (next_header != kIpProtoIcmpv6) return unexpected(FrameError::kNotNeighborAdvert);
  if (advert.hop_limit != 255) return unexpected(FrameError::kBadHopLimit);

  ByteSpan icmp = r.bytes(payload_length);  // anything after it is Ethernet padding
  if (auto checked = check_icmpv6(icmp, advert.source, advert.destination); !checked) {
    return unexpected(checked.error());
  }
  ByteReader m(icmp);
  m.skip(4);  // type, code, checksum
  const std::uint32_t flags = m.u32();
  advert.router = (flags & kFlagRouter) != 0;
  advert.solicited = (flags & kFlagSolicited) != 0;
  advert.override = (flags & kFlagOverride) != 0;
  advert.target = read_ipv6(m);
  if (advert.solicited && advert.destination.octets()[0] == 0xff) {
    return unexpected(FrameError::kSolicitedToMulticast);
  }
  if (auto options = read_options(m, advert); !options) return unexpected(options.error());
  return advert;
}

}  // namespace vipd::l2::wire
