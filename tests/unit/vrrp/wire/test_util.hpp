#pragma once

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "vrrp/wire/advert.hpp"

namespace vipd::vrrp::wire::testing {

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

// The IPv4 header is 20 octets in every fixture.
inline Bytes vrrp_part(const char* ipv4_packet_hex) {
  Bytes packet = from_hex(ipv4_packet_hex);
  return Bytes(packet.begin() + 20, packet.end());
}

inline const PseudoHeader kMulticastV4{ip("192.168.5.2"), ip("224.0.0.18")};
inline const PseudoHeader kMulticastV6{ip("fe80::ff:fe00:2"), ip("ff02::12")};

}  // namespace vipd::vrrp::wire::testing
