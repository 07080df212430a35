// Unsolicited IPv6 Neighbor Advertisement (RFC 4861 §4.4, §7.2.6): the IPv6 counterpart of a
// gratuitous ARP (RFC 5798 §8.2.2). A whole Ethernet frame, ready for an AF_PACKET socket:
// Ethernet to 33:33:00:00:00:01, IPv6 from the announced address to ff02::1 with hop limit 255,
// ICMPv6 type 136 with the Override flag (and Router when the host forwards), the target
// address, and a Target Link-Layer Address option. This is the frame keepalived 2.2.7 sends.
//
// Neighbor Solicitation (RFC 4861 §4.3) and the solicited Neighbor Advertisement that answers it
// (§7.2.4): the IPv6 side of the L2 mode, where the owner of a Service IP answers for it.
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
inline constexpr std::uint8_t kIcmpv6NeighborSolicit = 135;
inline constexpr std::uint8_t kIcmpv6NeighborAdvert = 136;
inline constexpr std::uint8_t kNdpOptionSourceLinkLayer = 1;  // RFC 4861 §4.6.1
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

// RFC 4861 §4.3. Options other than the Source Link-Layer Address (a DAD nonce, RFC 7527) are
// skipped when parsing and not kept.
struct NeighborSolicit {
  EthernetHeader ethernet;
  IpAddress source;  // the unspecified address (::) for Duplicate Address Detection
  IpAddress destination;
  std::uint8_t hop_limit = 255;
  IpAddress target;
  std::optional<MacAddress> source_link_layer;

  // RFC 4862 §5.4.2: Duplicate Address Detection solicits from the unspecified address.
  bool is_dad() const { return source.is_unspecified(); }
  bool operator==(const NeighborSolicit&) const = default;
};

// RFC 4291 §2.7.1: ff02::1:ff00:0/104 followed by the low 24 bits of `address` (IPv6).
IpAddress solicited_node_multicast(const IpAddress& address);
bool is_solicited_node_multicast(const IpAddress& address);
bool is_ipv6_multicast(const IpAddress& address);

// `router`: set the R flag (keepalived sets it when the interface forwards IPv6).
Bytes build_unsolicited_neighbor_advert(const MacAddress& source, const IpAddress& target,
                                        bool router = false);
// Encodes any advertisement (source/destination/target must be IPv6); computes the checksum.
Bytes encode_neighbor_advert(const NeighborAdvert& advert);
// Parses and validates an Ethernet/IPv6/ICMPv6 NA (RFC 4861 §7.1.2: hop limit 255, checksum,
// code 0, length >= 24, target not multicast, options with non-zero length, S clear for a
// multicast destination). Extension headers are not accepted (NDP senders do not use them).
Result<NeighborAdvert, FrameError> parse_neighbor_advert_frame(ByteSpan frame);

// Encodes a solicitation (source/destination/target IPv6); computes the checksum.
Bytes encode_neighbor_solicit(const NeighborSolicit& solicit);
// Parses and validates an Ethernet/IPv6/ICMPv6 NS (RFC 4861 §7.1.1: hop limit 255, checksum,
// code 0, length >= 24, target not multicast, options with non-zero length; from the
// unspecified address only to a solicited-node multicast address and without a Source
// Link-Layer Address option). No extension headers, as for the NA.
Result<NeighborSolicit, FrameError> parse_neighbor_solicit_frame(ByteSpan frame);

// RFC 4861 §7.2.4: the advertisement that answers `solicit`, a valid NS for an address this
// node owns (solicit.target) on an interface whose MAC is `our_mac`. Source = the target
// (as Linux and keepalived do), Target Link-Layer Address option = `our_mac`, S = 1 and O = 1
// (an owner, not a proxy or anycast: MetalLB's responder sets O too), R = `router`, hop limit
// 255. To the solicitation's source, on Ethernet to its Source Link-Layer Address or, without
// that option, to the frame's Ethernet source. A DAD solicitation (unspecified source) is
// answered with S = 0 to ff02::1 (33:33:00:00:00:01).
Bytes build_solicited_neighbor_advert(const NeighborSolicit& solicit, const MacAddress& our_mac,
                                      bool router = false);

}  // namespace vipd::l2::wire
