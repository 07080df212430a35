// Unsolicited IPv6 Neighbor Advertisement (RFC 4861 §4.4, §7.2.6): the IPv6 counterpart of a
// gratuitous ARP (RFC 5798 §8.2.2). A whole Ethernet frame, ready for an AF_PACKET socket:
// Ethernet to 33:33:00:00:00:01, IPv6 from the announced address to ff02::1 with hop limit 255,
// ICMPv6 type 136 with the Override flag (and Router when the host forwards), the target
// address, and a Target Link-Layer Address option. This is the frame keepalived 2.2.7 sends.
#pragma once

#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "l2/wire/frame.hpp"
#include "l2/wire/mac.hpp"

namespace vipd::l2::wire {

inline constexpr std::uint8_t kIpProtoIcmpv6 = 58;
inline constexpr std::uint8_t kIcmpv6NeighborAdvert = 136;
inline constexpr std::uint8_t kNdpOptionTargetLinkLayer = 2;  // RFC 4861 §4.6.1
inline constexpr std::size_t kIpv6HeaderSize = 40;
// Ethernet + IPv6 + NA (24) + Target Link-Layer Address option (8).
inline constexpr std::size_t kUnsolicitedNaFrameSize = kEthernetHeaderSize + kIpv6HeaderSize + 32;

struct NeighborAdvert {
  EthernetHeader ethernet;
  IpAddress source;
  IpAddress destination;
  std::uint8_t hop_limit = 255;
  bool router = false;     // R: the sender is a router
  bool solicited = false;  // S: a reply to a Neighbor Solicitation
  bool override = false;   // O: replace cached link-layer addresses
  IpAddress target;
  std::optional<MacAddress> target_link_layer;

  bool operator==(const NeighborAdvert&) const = default;
};

// `router`: set the R flag (keepalived sets it when the interface forwards IPv6).
Bytes build_unsolicited_neighbor_advert(const MacAddress& source, const IpAddress& target,
                                        bool router = false);
// Encodes any advertisement (source/destination/target must be IPv6); computes the checksum.
Bytes encode_neighbor_advert(const NeighborAdvert& advert);
// Parses and validates an Ethernet/IPv6/ICMPv6 NA (RFC 4861 §7.1.2: hop limit 255, checksum,
// code 0, length >= 24, options with non-zero length, S clear for a multicast destination).
// Extension headers are not accepted (NDP senders do not use them).
Result<NeighborAdvert, FrameError> parse_neighbor_advert_frame(ByteSpan frame);

}  // namespace vipd::l2::wire
