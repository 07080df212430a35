#include "bgp/config/model.hpp"

#include <algorithm>

namespace vipd::bgp::config {

const char* to_string(AddressFamily af) {
  switch (af) {
    case AddressFamily::kIpv4Unicast:
      return "ipv4 unicast";
    case AddressFamily::kIpv6Unicast:
      return "ipv6 unicast";
  }
  return "";
}

AddressFamily family_of(const Prefix& prefix) {
  return prefix.family() == Family::kIpv4 ? AddressFamily::kIpv4Unicast
                                          : AddressFamily::kIpv6Unicast;
}

std::string RemoteAs::to_string() const {
  switch (kind) {
    case Kind::kInternal:
      return "internal";
    case Kind::kExternal:
      return "external";
    case Kind::kNumber:
      break;
  }
  return std::to_string(asn);
}

NeighborConfig* RouterBgp::find(const IpAddress& address) {
  auto it = std::find_if(neighbors.begin(), neighbors.end(),
                         [&](const NeighborConfig& n) { return n.address == address; });
  return it == neighbors.end() ? nullptr : &*it;
}

const NeighborConfig* RouterBgp::find(const IpAddress& address) const {
  return const_cast<RouterBgp*>(this)->find(address);
}

bool RouterBgp::active_by_default(const IpAddress& neighbor, AddressFamily f) const {
  return f == AddressFamily::kIpv4Unicast && neighbor.is_v4() && default_ipv4_unicast;
}

}  // namespace vipd::bgp::config
