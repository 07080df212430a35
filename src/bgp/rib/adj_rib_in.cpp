#include "bgp/rib/adj_rib_in.hpp"

namespace vipd::bgp::rib {

void AdjRibIn::keep(wire::AfiSafi family, bool on) {
  if (family == wire::kIpv4Unicast) {
    keep_v4_ = on;
    if (!on) v4_ = {};
  } else if (family == wire::kIpv6Unicast) {
    keep_v6_ = on;
    if (!on) v6_ = {};
  }
}

bool AdjRibIn::kept(wire::AfiSafi family) const {
  if (family == wire::kIpv4Unicast) return keep_v4_;
  if (family == wire::kIpv6Unicast) return keep_v6_;
  return false;
}

void AdjRibIn::announce(wire::AfiSafi family, const Prefix& prefix, AttributesHandle attributes) {
  if (family == wire::kIpv4Unicast && keep_v4_ && prefix.family() == Family::kIpv4)
    v4_[V4Key::of(prefix)] = std::move(attributes);
  else if (family == wire::kIpv6Unicast && keep_v6_ && prefix.family() == Family::kIpv6)
    v6_[V6Key::of(prefix)] = std::move(attributes);
}

bool AdjRibIn::withdraw(wire::AfiSafi family, const Prefix& prefix) {
  if (family == wire::kIpv4Unicast && keep_v4_ && prefix.family() == Family::kIpv4)
    return v4_.erase(V4Key::of(prefix));
  if (family == wire::kIpv6Unicast && keep_v6_ && prefix.family() == Family::kIpv6)
    return v6_.erase(V6Key::of(prefix));
  return false;
}

void AdjRibIn::clear() {
  v4_ = {};
  v6_ = {};
}

std::size_t AdjRibIn::count(wire::AfiSafi family) const {
  if (family == wire::kIpv4Unicast) return v4_.size();
  if (family == wire::kIpv6Unicast) return v6_.size();
  return 0;
}

const AttributesHandle* AdjRibIn::find(wire::AfiSafi family, const Prefix& prefix) const {
  if (family == wire::kIpv4Unicast && prefix.family() == Family::kIpv4)
    return v4_.find(V4Key::of(prefix));
  if (family == wire::kIpv6Unicast && prefix.family() == Family::kIpv6)
    return v6_.find(V6Key::of(prefix));
  return nullptr;
}

}  // namespace vipd::bgp::rib
