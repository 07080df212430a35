#include "l2/wire/frame.hpp"

namespace vipd::l2::wire {

std::string_view to_string(FrameError error) {
  switch (error) {
    case FrameError::kTruncated:
      return "truncated";
    case FrameError::kWrongEtherType:
      return "wrong ethertype";
    case FrameError::kBadArpHeader:
      return "bad ARP header";
    case FrameError::kBadIpv6Header:
      return "bad IPv6 header";
    case FrameError::kNotNeighborAdvert:
      return "not a neighbor advertisement";
    case FrameError::kBadHopLimit:
      return "hop limit is not 255";
    case FrameError::kBadChecksum:
      return "bad ICMPv6 checksum";
    case FrameError::kBadOption:
      return "bad NDP option";
    case FrameError::kSolicitedToMulticast:
      return "solicited advertisement to a multicast address";
    case FrameError::kNotNeighborSolicit:
      return "not a neighbor solicitation";
    case FrameError::kBadIcmpCode:
      return "ICMPv6 code is not 0";
    case FrameError::kMulticastTarget:
      return "multicast target address";
    case FrameError::kDadNotToSolicitedNode:
      return "solicitation from the unspecified address not to a solicited-node address";
    case FrameError::kDadWithSourceLinkLayer:
      return "solicitation from the unspecified address with a source link-layer address";
  }
  return "unknown";
}

void write_ethernet_header(ByteWriter& w, const EthernetHeader& header) {
  w.bytes(header.destination.octets);
  w.bytes(header.source.octets);
  w.u16(header.ether_type);
}

EthernetHeader read_ethernet_header(ByteReader& r) {
  EthernetHeader header;
  ByteSpan destination = r.bytes(6);
  ByteSpan source = r.bytes(6);
  header.ether_type = r.u16();
  if (!r.ok()) return header;
  std::copy(destination.begin(), destination.end(), header.destination.octets.begin());
  std::copy(source.begin(), source.end(), header.source.octets.begin());
  return header;
}

}  // namespace vipd::l2::wire
