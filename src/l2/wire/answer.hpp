// The L2 mode's responder (MetalLB's "layer2" mode): the node that owns a Service IP answers
// ARP requests (RFC 826) and IPv6 Neighbor Solicitations (RFC 4861 §7.2.3) for it with its own
// MAC, although the address is configured on no interface. Pure: a received Ethernet frame in,
// the frame to send back out of the same interface (or nothing) out.
#pragma once

#include <functional>
#include <optional>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "l2/wire/mac.hpp"

namespace vipd::l2::wire {

// Whether this node answers for `address` on the interface the frame arrived on.
using OwnsAddress = std::function<bool(const IpAddress&)>;

// Returns the ARP reply (build_arp_reply) or solicited Neighbor Advertisement
// (build_solicited_neighbor_advert) for `frame` when it is a valid ARP request or NS for an
// address that `owns` accepts, sent by another station to the broadcast/a multicast address or
// to `our_mac`. Nothing for anything else: malformed frames, ARP replies, gratuitous ARPs
// (announcements: nothing to answer), frames from `our_mac` itself (our own announcements
// looping back), requests from a group MAC, and NS from a multicast source.
std::optional<Bytes> answer(ByteSpan frame, const MacAddress& our_mac, const OwnsAddress& owns);

}  // namespace vipd::l2::wire
