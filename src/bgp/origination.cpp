#include "bgp/origination.hpp"

#include <algorithm>

namespace vipd::bgp {
namespace {

template <typename T>
void add_unique(std::vector<T>& to, const std::vector<T>& from) {
  for (const auto& v : from)
    if (std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
}

// The communities, large communities and local preference of the advertisements that reach
// `neighbor` (all of them when `neighbor` is nullptr). False: none reaches it.
bool merge(const OriginatedRoute& route, const IpAddress* neighbor,
           wire::PathAttributes& attributes) {
  std::vector<std::uint32_t> communities;
  std::vector<wire::LargeCommunity> large;
  std::optional<std::uint32_t> local_preference;
  bool reached = false;
  for (const auto& a : route.advertisements) {
    if (neighbor && !a.reaches(*neighbor)) continue;
    reached = true;
    add_unique(communities, a.communities);
    add_unique(large, a.large_communities);
    if (!local_preference) local_preference = a.local_preference;
  }
  // RFC 1997 and RFC 8092 do not order them; sorted, as FRR shows and sends them.
  std::sort(communities.begin(), communities.end());
  std::sort(large.begin(), large.end());
  attributes.communities.reset();
  attributes.large_communities.reset();
  if (!communities.empty()) attributes.communities = std::move(communities);
  if (!large.empty()) attributes.large_communities = std::move(large);
  attributes.local_pref = local_preference;
  return reached;
}

}  // namespace

bool Advertisement::reaches(const IpAddress& neighbor) const {
  return neighbors.empty() ||
         std::find(neighbors.begin(), neighbors.end(), neighbor) != neighbors.end();
}

const OriginatedRoute* OriginationSource::find(const Prefix& prefix) const {
  auto it = routes_.find(prefix);
  return it == routes_.end() ? nullptr : &it->second;
}

wire::PathAttributes local_route_attributes(const Prefix& prefix) {
  wire::PathAttributes a;
  a.origin = wire::Origin::kIgp;
  a.as_path = wire::AsPath{};
  if (prefix.family() == Family::kIpv4) {
    a.next_hop = IpAddress{};
  } else {
    wire::MpReach reach;
    reach.afi_safi = wire::kIpv6Unicast;
    reach.next_hop = IpAddress::v6({});
    a.mp_reach = std::move(reach);
  }
  return a;
}

wire::PathAttributes OriginationSource::attributes(const OriginatedRoute& route) {
  wire::PathAttributes a = local_route_attributes(route.prefix);
  merge(route, nullptr, a);
  return a;
}

bool OriginationSource::reach_changed(const OriginatedRoute& before, const OriginatedRoute& after) {
  auto reach = [](const OriginatedRoute& r) {
    std::vector<std::vector<IpAddress>> sets;
    for (const auto& a : r.advertisements) {
      auto n = a.neighbors;
      std::sort(n.begin(), n.end());
      sets.push_back(std::move(n));
    }
    std::sort(sets.begin(), sets.end());
    return sets;
  };
  return reach(before) != reach(after);
}

bool OriginationSource::shape(wire::AfiSafi, const Prefix& prefix, const rib::ExportTarget& to,
                              wire::PathAttributes& attributes) const {
  const OriginatedRoute* route = find(prefix);
  if (!route) return false;
  return merge(*route, &to.peer.address, attributes);
}

}  // namespace vipd::bgp
