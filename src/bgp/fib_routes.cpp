#include "bgp/fib_routes.hpp"

#include <algorithm>

#include "bgp/rib/decision.hpp"

namespace vipd::bgp {

void append_fib_routes(std::span<const rib::Change> changes, std::size_t max_next_hops,
                       const DistanceOf& distance_of, std::vector<fib::Route>& out,
                       const FibFilter& filter) {
  for (const auto& change : changes) {
    if (change.family != wire::kIpv4Unicast && change.family != wire::kIpv6Unicast) continue;
    fib::Route route{change.prefix, fib::Source::kBgp, fib::distance::kEbgp, {}};
    const bool own =
        !change.paths.empty() && filter.local && filter.local(change.paths.front().peer);
    if (!change.removed && !own) {
      for (const auto& path : change.paths) {
        if (route.next_hops.size() >= max_next_hops) break;
        auto next_hop = rib::next_hop_of(*path.attrs, change.family);
        if (next_hop && filter.path && !filter.path(change.family, change.prefix, path, *next_hop))
          continue;
        if (!next_hop || next_hop->family() != change.prefix.family() || next_hop->is_unspecified())
          continue;
        fib::NextHop hop{*next_hop};
        // The kernel rejects repeated gateways in one multipath route as pointless; two peers
        // announcing the same third-party next hop give one kernel next hop.
        if (std::find(route.next_hops.begin(), route.next_hops.end(), hop) == route.next_hops.end())
          route.next_hops.push_back(hop);
      }
      if (!change.paths.empty()) route.distance = distance_of(change.paths.front().peer);
    }
    out.push_back(std::move(route));
  }
}

}  // namespace vipd::bgp
