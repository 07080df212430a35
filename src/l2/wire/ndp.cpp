#include "l2/wire/ndp.hpp"

#include <algorithm>

#include "l2/wire/checksum.hpp"

namespace vipd::l2::wire {

namespace {

constexpr std::uint32_t kFlagRouter = 0x80000000;     // RFC 4861 §4.4
constexpr std::uint32_t kFlagSolicited = 0x40000000;  // RFC 4861 §4.4
constexpr std::uint32_t kFlagOverride = 0x20000000;   // RFC 4861 §4.4
// RFC 4861 §4.3/§4.4: type, code, checksum, 32 bits of flags or reserved, 128-bit target.
constexpr std::size_t kNdpMessageSize = 24;

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

// What an NS and an NA share on the wire (RFC 4861 §4.3, §4.4): the ICMPv6 header, one 32-bit
// word (the NA's flags, the NS's reserved field), the target and at most one link-layer
// address option (Source in an NS, Target in an NA).
struct NdpMessage {
  EthernetHeader ethernet;
  IpAddress source;
  IpAddress destination;
  std::uint8_t hop_limit = 255;
  std::uint8_t type = 0;
  std::uint32_t word = 0;
  IpAddress target;
  std::uint8_t option_type = 0;
  std::optional<MacAddress> link_layer;
};

Bytes encode_ndp(const NdpMessage& message) {
  ByteWriter body;
  body.u8(message.type);
  body.u8(0);   // code
  body.u16(0);  // checksum, filled in below
  body.u32(message.word);
  body.bytes(ByteSpan(message.target.octets().data(), 16));
  if (message.link_layer) {
    body.u8(message.option_type);
    body.u8(1);  // length in units of 8 octets
    body.bytes(message.link_layer->octets);
  }
  Bytes icmp = body.take();
  // RFC 4443 §2.3: the checksum covers the IPv6 pseudo-header (RFC 8200 §8.1) and the message.
  InternetChecksum sum;
  sum.add_pseudo_header(message.source, message.destination, kIpProtoIcmpv6,
                        static_cast<std::uint32_t>(icmp.size()));
  sum.add(icmp);
  const std::uint16_t checksum = sum.finish();
  icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
  icmp[3] = static_cast<std::uint8_t>(checksum);

  ByteWriter w;
  write_ethernet_header(w, message.ethernet);
  // RFC 8200 §3: version 6, traffic class 0, flow label 0.
  w.u32(0x60000000);
  w.u16(static_cast<std::uint16_t>(icmp.size()));
  w.u8(kIpProtoIcmpv6);
  w.u8(message.hop_limit);
  w.bytes(ByteSpan(message.source.octets().data(), 16));
  w.bytes(ByteSpan(message.destination.octets().data(), 16));
  w.bytes(icmp);
  return w.take();
}

// The validity checks that RFC 4861 §7.1.1 (NS) and §7.1.2 (NA) share, in one pass over the
// frame: Ethernet/IPv6 without extension headers, hop limit 255, ICMPv6 length >= 24, the
// expected type, checksum, code 0, a target that is not multicast, options with non-zero
// length. What each message adds (the NA's S flag, the NS's DAD rules) its parser checks.
// `not_this_type` is the error for another next header or ICMPv6 type.
Result<NdpMessage, FrameError> parse_ndp(ByteSpan data, std::uint8_t type,
                                         FrameError not_this_type) {
  ByteReader r(data);
  NdpMessage message;
  message.ethernet = read_ethernet_header(r);
  if (!r.ok()) return unexpected(FrameError::kTruncated);
  if (message.ethernet.ether_type != kEtherTypeIpv6) {
    return unexpected(FrameError::kWrongEtherType);
  }
  const std::uint32_t version_class_flow = r.u32();
  const std::uint16_t payload_length = r.u16();
  const std::uint8_t next_header = r.u8();
  message.hop_limit = r.u8();
  message.source = read_ipv6(r);
  message.destination = read_ipv6(r);
  if (!r.ok()) return unexpected(FrameError::kTruncated);
  if (version_class_flow >> 28 != 6) return unexpected(FrameError::kBadIpv6Header);
  if (payload_length > r.remaining()) return unexpected(FrameError::kBadIpv6Header);
  if (next_header != kIpProtoIcmpv6) return unexpected(not_this_type);
  // A router forwarding the message would have decremented it: the sender is off-link.
  if (message.hop_limit != 255) return unexpected(FrameError::kBadHopLimit);

  ByteSpan icmp = r.bytes(payload_length);  // anything after it is Ethernet padding
  if (icmp.size() < kNdpMessageSize) return unexpected(FrameError::kTruncated);
  if (icmp[0] != type) return unexpected(not_this_type);
  InternetChecksum sum;
  sum.add_pseudo_header(message.source, message.destination, kIpProtoIcmpv6,
                        static_cast<std::uint32_t>(icmp.size()));
  sum.add(icmp);
  if (sum.finish() != 0) return unexpected(FrameError::kBadChecksum);
  if (icmp[1] != 0) return unexpected(FrameError::kBadIcmpCode);

  ByteReader m(icmp);
  message.type = m.u8();
  m.skip(3);  // code, checksum
  message.word = m.u32();
  message.target = read_ipv6(m);
  if (is_ipv6_multicast(message.target)) return unexpected(FrameError::kMulticastTarget);

  // RFC 4861 §4.6: options are type, length in 8-octet units (never 0), value; unknown ones are
  // skipped (§4.4, §4.3). The link-layer option this message type carries is kept.
  message.option_type =
      type == kIcmpv6NeighborSolicit ? kNdpOptionSourceLinkLayer : kNdpOptionTargetLinkLayer;
  while (!m.empty()) {
    const std::uint8_t option = m.u8();
    const std::uint8_t length = m.u8();
    if (!m.ok() || length == 0 || m.remaining() < length * 8u - 2) {
      return unexpected(FrameError::kBadOption);
    }
    ByteSpan value = m.bytes(length * 8u - 2);
    // RFC 4861 §4.6.1: on Ethernet the option is 8 octets, the address right after the length.
    if (option == message.option_type && length == 1) {
      MacAddress mac;
      std::copy(value.begin(), value.begin() + 6, mac.octets.begin());
      message.link_layer = mac;
    }
  }
  return message;
}

// The fields NeighborAdvert and NeighborSolicit share, to and from the common form.
template <typename Message>
NdpMessage common_of(const Message& m, std::uint8_t type, std::uint8_t option_type) {
  NdpMessage message;
  message.ethernet = m.ethernet;
  message.source = m.source;
  message.destination = m.destination;
  message.hop_limit = m.hop_limit;
  message.type = type;
  message.target = m.target;
  message.option_type = option_type;
  return message;
}

template <typename Message>
Message from_common(const NdpMessage& message) {
  Message m;
  m.ethernet = message.ethernet;
  m.source = message.source;
  m.destination = message.destination;
  m.hop_limit = message.hop_limit;
  m.target = message.target;
  return m;
}

}  // namespace

IpAddress solicited_node_multicast(const IpAddress& address) {
  const auto& a = address.octets();
  return IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, a[13], a[14], a[15]});
}

bool is_solicited_node_multicast(const IpAddress& address) {
  if (!address.is_v6()) return false;
  const auto& a = address.octets();
  static constexpr std::uint8_t kPrefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
  return std::equal(std::begin(kPrefix), std::end(kPrefix), a.begin());
}

bool is_ipv6_multicast(const IpAddress& address) {
  return address.is_v6() && address.octets()[0] == 0xff;  // RFC 4291 §2.7: ff00::/8
}

Bytes encode_neighbor_advert(const NeighborAdvert& advert) {
  NdpMessage message = common_of(advert, kIcmpv6NeighborAdvert, kNdpOptionTargetLinkLayer);
  if (advert.router) message.word |= kFlagRouter;
  if (advert.solicited) message.word |= kFlagSolicited;
  if (advert.override) message.word |= kFlagOverride;
  message.link_layer = advert.target_link_layer;
  return encode_ndp(message);
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
  auto message = parse_ndp(data, kIcmpv6NeighborAdvert, FrameError::kNotNeighborAdvert);
  if (!message) return unexpected(message.error());
  NeighborAdvert advert = from_common<NeighborAdvert>(*message);
  advert.router = (message->word & kFlagRouter) != 0;
  advert.solicited = (message->word & kFlagSolicited) != 0;
  advert.override = (message->word & kFlagOverride) != 0;
  advert.target_link_layer = message->link_layer;
  // RFC 4861 §7.1.2: "If the IP Destination Address is a multicast address the Solicited flag
  // is zero."
  if (advert.solicited && is_ipv6_multicast(advert.destination)) {
    return unexpected(FrameError::kSolicitedToMulticast);
  }
  return advert;
}

Bytes encode_neighbor_solicit(const NeighborSolicit& solicit) {
  NdpMessage message = common_of(solicit, kIcmpv6NeighborSolicit, kNdpOptionSourceLinkLayer);
  message.word = 0;  // RFC 4861 §4.3: reserved, zero when sent
  message.link_layer = solicit.source_link_layer;
  return encode_ndp(message);
}

Result<NeighborSolicit, FrameError> parse_neighbor_solicit_frame(ByteSpan data) {
  auto message = parse_ndp(data, kIcmpv6NeighborSolicit, FrameError::kNotNeighborSolicit);
  if (!message) return unexpected(message.error());
  // The reserved word is ignored on receipt (RFC 4861 §4.3).
  NeighborSolicit solicit = from_common<NeighborSolicit>(*message);
  solicit.source_link_layer = message->link_layer;
  // RFC 4861 §7.1.1: "If the IP source address is the unspecified address, the IP destination
  // address is a solicited-node multicast address" and "there is no source link-layer address
  // option in the message."
  if (solicit.is_dad()) {
    if (!is_solicited_node_multicast(solicit.destination)) {
      return unexpected(FrameError::kDadNotToSolicitedNode);
    }
    if (solicit.source_link_layer) return unexpected(FrameError::kDadWithSourceLinkLayer);
  }
  return solicit;
}

Bytes build_solicited_neighbor_advert(const NeighborSolicit& solicit, const MacAddress& our_mac,
                                      bool router) {
  NeighborAdvert advert;
  advert.source = solicit.target;
  advert.hop_limit = 255;  // RFC 4861 §7.1.2
  advert.router = router;
  // RFC 4861 §7.2.4: "If the Target Address is either an anycast address or a unicast address
  // for which the node is providing proxy service, or the Target Link-Layer Address option is
  // not included, the Override flag SHOULD be set to zero. Otherwise, [...] one." We are the
  // owner and always include the option. (Linux answers a unicast NS with O = 0 and without
  // the option, which §7.2.4 allows; including it costs 8 octets and refreshes a cache that
  // may have lost the entry meanwhile, as §4.4 notes.)
  advert.override = true;
  advert.target = solicit.target;
  advert.target_link_layer = our_mac;
  if (solicit.is_dad()) {
    // RFC 4861 §7.2.4: "If the source of the solicitation is the unspecified address, the node
    // MUST set the Solicited flag to zero and multicast the advertisement to the all-nodes
    // address."
    advert.destination = all_nodes();
    advert.solicited = false;
    advert.ethernet = {MacAddress::ipv6_multicast(advert.destination.octets()), our_mac,
                       kEtherTypeIpv6};
  } else {
    // "Otherwise, the node MUST set the Solicited flag to one and unicast the advertisement to
    // the Source Address of the solicitation." Its link-layer address is the Source Link-Layer
    // Address option (§7.2.3 caches it), else the frame's Ethernet source.
    advert.destination = solicit.source;
    advert.solicited = true;
    advert.ethernet = {solicit.source_link_layer.value_or(solicit.ethernet.source), our_mac,
                       kEtherTypeIpv6};
  }
  return encode_neighbor_advert(advert);
}

}  // namespace vipd::l2::wire
