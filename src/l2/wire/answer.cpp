#include "l2/wire/answer.hpp"

#include "l2/wire/arp.hpp"
#include "l2/wire/frame.hpp"
#include "l2/wire/ndp.hpp"

namespace vipd::l2::wire {

namespace {

// A frame for the whole link, or for this station: not one we overheard in promiscuous mode.
bool addressed_to_us(const EthernetHeader& ethernet, const MacAddress& our_mac) {
  return ethernet.destination.is_multicast() || ethernet.destination == our_mac;
}

std::optional<Bytes> answer_arp(ByteSpan frame, const MacAddress& our_mac,
                                const OwnsAddress& owns) {
  auto request = parse_arp_frame(frame);
  if (!request) return std::nullopt;
  if (request->operation != kArpRequest) return std::nullopt;
  // RFC 5227 §3: an announcement (sender IP = target IP) asks nothing. A probe (sender IP
  // 0.0.0.0, §2.1.1) does ask, and is answered so the prober sees the address in use.
  if (request->is_gratuitous()) return std::nullopt;
  if (!addressed_to_us(request->ethernet, our_mac)) return std::nullopt;
  if (request->ethernet.source == our_mac || request->sender_mac == our_mac) return std::nullopt;
  // The reply goes to the sender hardware address: never to a group.
  if (request->sender_mac.is_multicast()) return std::nullopt;
  if (!owns(request->target_ip)) return std::nullopt;
  return build_arp_reply(*request, our_mac);
}

std::optional<Bytes> answer_neighbor_solicit(ByteSpan frame, const MacAddress& our_mac,
                                             const OwnsAddress& owns) {
  auto solicit = parse_neighbor_solicit_frame(frame);
  if (!solicit) return std::nullopt;
  if (!addressed_to_us(solicit->ethernet, our_mac)) return std::nullopt;
  // RFC 4291 §2.7: a multicast address is never a source; the answer would go to a group with
  // S set, which RFC 4861 §7.1.2 has receivers drop.
  if (is_ipv6_multicast(solicit->source)) return std::nullopt;
  // Where a solicited answer goes on Ethernet (build_solicited_neighbor_advert): a station
  // other than us. Our own solicitations looping back are not answered either.
  const MacAddress station = solicit->source_link_layer.value_or(solicit->ethernet.source);
  if (solicit->ethernet.source == our_mac || station == our_mac) return std::nullopt;
  if (!solicit->is_dad() && station.is_multicast()) return std::nullopt;
  // Address resolution and DAD go to the target's solicited-node group; unreachability probes
  // (RFC 4861 §7.3.3) are unicast to the target itself.
  if (!is_ipv6_multicast(solicit->destination) && !owns(solicit->destination)) {
    return std::nullopt;
  }
  if (!owns(solicit->target)) return std::nullopt;
  // A unicast NS without a Source Link-Layer Address option (RFC 4861 §4.3 only SHOULDs it for
  // unicast solicitations): §7.2.4 says to unicast the advertisement to the solicitation's
  // Source Address, and the link-layer address that source just sent from is the frame's
  // Ethernet source, so build_solicited_neighbor_advert sends there. (Linux goes through its
  // neighbour cache instead, soliciting the source first when it has no entry for it; a
  // responder without a neighbour cache answers directly.)
  return build_solicited_neighbor_advert(*solicit, our_mac);
}

}  // namespace

std::optional<Bytes> answer(ByteSpan frame, const MacAddress& our_mac, const OwnsAddress& owns) {
  if (frame.size() < kEthernetHeaderSize) return std::nullopt;
  const auto ether_type = static_cast<std::uint16_t>(frame[12] << 8 | frame[13]);
  if (ether_type == kEtherTypeArp) return answer_arp(frame, our_mac, owns);
  if (ether_type == kEtherTypeIpv6) return answer_neighbor_solicit(frame, our_mac, owns);
  return std::nullopt;
}

}  // namespace vipd::l2::wire
