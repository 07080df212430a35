// Gratuitous ARP (RFC 5227 §3 "ARP Announcement", RFC 5798 §8.1.2 / RFC 3768 §8.2): an ARP
// request for the virtual IP with sender = target = that IP, broadcast, so every host on the LAN
// updates its cache to the new owner's MAC. keepalived 2.2.7 sends exactly this frame (a request,
// target hardware address ff:ff:ff:ff:ff:ff), and so does MetalLB's L2 mode.
//
// ARP reply (RFC 826 "Packet Reception"): what the owner of an address sends back to a request
// for it, the L2 mode's answer for a Service IP.
#pragma once

#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "l2/wire/frame.hpp"
#include "l2/wire/mac.hpp"

namespace vipd::l2::wire {

inline constexpr std::uint16_t kArpRequest = 1;
inline constexpr std::uint16_t kArpReply = 2;
inline constexpr std::size_t kArpFrameSize = kEthernetHeaderSize + 28;

struct ArpFrame {
  EthernetHeader ethernet;
  std::uint16_t operation = kArpRequest;
  MacAddress sender_mac;
  IpAddress sender_ip;
  MacAddress target_mac;
  IpAddress target_ip;

  // RFC 5227 §3: an announcement names the same address as sender and target.
  bool is_gratuitous() const { return sender_ip == target_ip; }
  bool operator==(const ArpFrame&) const = default;
};

// Ethernet + ARP request announcing `vip` (an IPv4 address) at `source`: 42 octets, the driver
// or NIC pads to the Ethernet minimum.
Bytes build_gratuitous_arp(const MacAddress& source, const IpAddress& vip);
// RFC 826: the reply to `request` (an ARP request for an address we own, request.target_ip),
// unicast to the requester's hardware address: sender = (our MAC, the address asked for),
// target = (requester's MAC, requester's IP). For an RFC 5227 §2.1.1 probe (sender IP 0.0.0.0)
// this gives what Linux sends: still unicast to the prober, target IP 0.0.0.0. 42 octets.
Bytes build_arp_reply(const ArpFrame& request, const MacAddress& our_mac);
Bytes encode_arp_frame(const ArpFrame& frame);
// Parses an Ethernet/IPv4 ARP frame (trailing padding ignored).
Result<ArpFrame, FrameError> parse_arp_frame(ByteSpan frame);

}  // namespace vipd::l2::wire
