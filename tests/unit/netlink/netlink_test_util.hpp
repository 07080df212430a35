// Values and builders the netlink unit tests share.
#pragma once

#include <net/if.h>

#include <cstdint>

#include "common/ip.hpp"
#include "netlink/address_message.hpp"
#include "netlink/link_message.hpp"

namespace vipd::netlink::test {

// The sequence number iproute2 used in the captured messages.
inline constexpr std::uint32_t kSeq = 0x6b0a87ed;
// Admin up with carrier: Link::usable().
inline constexpr std::uint32_t kUsable = IFF_UP | IFF_RUNNING | kLinkLowerUp;

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}
inline Prefix pfx(const char* text) {
  return *Prefix::parse(text);
}
inline InterfaceAddress address(int ifindex, const char* local, std::uint8_t length) {
  InterfaceAddress a;
  a.ifindex = ifindex;
  a.address = ip(local);
  a.prefix_length = length;
  return a;
}

}  // namespace vipd::netlink::test
