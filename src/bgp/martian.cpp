#include "bgp/martian.hpp"

#include "bgp/rib/decision.hpp"

namespace vipd::bgp {

std::optional<std::string> reserved_next_hop(const IpAddress& address) {
  const auto& o = address.octets();
  if (address.is_v4()) {
    // FRR's IPV4_NET0, IPV4_NET127, IPV4_CLASS_DE (224/4 and 240/4, 255.255.255.255 included).
    if (o[0] == 0 || o[0] == 127 || o[0] >= 224) return "martian next hop " + address.to_string();
    return std::nullopt;
  }
  const IpAddress loopback = IpAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  if (address.is_unspecified() || address == loopback || o[0] == 0xff)
    return "martian next hop " + address.to_string();
  // RFC 2545 §3: the link-local address goes in the second field, next to a global one.
  if (address.is_link_local()) return "link-local global next hop " + address.to_string();
  return std::nullopt;
}

void MartianNextHops::reset(const netlink::InterfaceView* interfaces) {
  local_.clear();
  subnet_broadcasts_.clear();
  if (!interfaces) return;
  interfaces->for_each_address([&](const netlink::InterfaceAddress& a) {
    local_.insert(a.address);
    if (!a.address.is_v4() || a.prefix_length > 30) return;
    const std::uint32_t host_bits = 0xffffffffu >> a.prefix_length;
    subnet_broadcasts_.insert(IpAddress::v4(a.address.v4_host_order() | host_bits));
  });
}

std::optional<std::string> MartianNextHops::check(
    const IpAddress& next_hop, const std::optional<IpAddress>& session_local) const {
  if (auto reserved = reserved_next_hop(next_hop)) return reserved;
  if (local_.contains(next_hop) || next_hop == session_local)
    return "next hop " + next_hop.to_string() + " is an address of this router";
  if (subnet_broadcasts_.contains(next_hop))
    return "next hop " + next_hop.to_string() + " is the broadcast address of a connected subnet";
  return std::nullopt;
}

std::optional<std::string> MartianNextHops::check(
    const wire::PathAttributes& attrs, wire::AfiSafi family,
    const std::optional<IpAddress>& session_local) const {
  auto next_hop = rib::next_hop_of(attrs, family);
  if (!next_hop) return std::nullopt;
  return check(*next_hop, session_local);
}

}  // namespace vipd::bgp
