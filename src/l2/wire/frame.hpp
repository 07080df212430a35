// Ethernet II framing shared by the ARP and NDP builders, and the error causes their parsers
// report.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/bytes.hpp"
#include "l2/wire/mac.hpp"

namespace vipd::l2::wire {

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr std::size_t kEthernetHeaderSize = 14;

enum class FrameError : std::uint8_t {
  kTruncated,              // shorter than the headers it claims
  kWrongEtherType,         // not the protocol the parser expects
  kBadArpHeader,           // hardware/protocol type or address lengths are not Ethernet/IPv4
  kBadIpv6Header,          // version is not 6, or payload length exceeds the frame
  kNotNeighborAdvert,      // next header is not ICMPv6, or the ICMPv6 type is not 136
  kBadHopLimit,            // RFC 4861 §7.1.1/§7.1.2: NDP messages must arrive with hop limit 255
  kBadChecksum,            // ICMPv6 checksum (RFC 4443 §2.3)
  kBadOption,              // RFC 4861 §4.6: an option with length 0 or running past the end
  kSolicitedToMulticast,   // RFC 4861 §7.1.2: Solicited flag set with a multicast destination
  kNotNeighborSolicit,     // next header is not ICMPv6, or the ICMPv6 type is not 135
  kBadIcmpCode,            // RFC 4861 §7.1.1/§7.1.2: ICMP code is not 0
  kMulticastTarget,        // RFC 4861 §7.1.1/§7.1.2: Target Address is a multicast address
  kDadNotToSolicitedNode,  // RFC 4861 §7.1.1: unspecified source, not to a solicited-node group
  kDadWithSourceLinkLayer  // RFC 4861 §7.1.1: unspecified source with a Source Link-Layer option
};
std::string_view to_string(FrameError error);

struct EthernetHeader {
  MacAddress destination;
  MacAddress source;
  std::uint16_t ether_type = 0;
  bool operator==(const EthernetHeader&) const = default;
};

void write_ethernet_header(ByteWriter& w, const EthernetHeader& header);
// Reads 14 octets; the reader's ok() is false when the frame is shorter.
EthernetHeader read_ethernet_header(ByteReader& r);

}  // namespace vipd::l2::wire
