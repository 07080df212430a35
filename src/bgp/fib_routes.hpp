// BGP's side of the kernel route table: the Loc-RIB's changes become the table's neutral routes
// (fib/route.hpp), source BGP, so that the table itself knows no BGP (DESIGN principle 8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "bgp/rib/loc_rib.hpp"
#include "fib/route.hpp"

namespace vipd::bgp {

// The administrative distance of the route whose best path came from this peer: FRR's `distance
// bgp 20 200 200` (external, internal, local).
using DistanceOf = std::function<std::uint8_t(rib::PeerId)>;

// What FRR's bgp_zebra_announce() adds to the next-hop rules: a prefix whose best path is our
// own (`network`, `redistribute`, a module's route) is not installed by BGP; `table-map` runs on
// each selected path (a deny leaves its next hop out, `set ip next-hop` changes it).
struct FibFilter {
  std::function<bool(rib::PeerId)> local;  // empty: none is
  // False: the path is not installed; may change `next_hop`. Empty: every path is.
  std::function<bool(wire::AfiSafi, const Prefix&, const rib::SelectedPath&, IpAddress& next_hop)>
      path;
};

// Appends one route per IPv4 or IPv6 unicast change (other families have no kernel route): the
// distinct next hops of the selected paths, best first, at most max_next_hops, each of the
// prefix's own family (an IPv6 route with an IPv4 next hop, RFC 8950, cannot be a plain kernel
// gateway); the distance of the best path's peer. A removed prefix, or one left with no such
// next hop, gives a route without next hops: BGP withdraws it from the table.
void append_fib_routes(std::span<const rib::Change> changes, std::size_t max_next_hops,
                       const DistanceOf& distance_of, std::vector<fib::Route>& out,
                       const FibFilter& filter = {});

}  // namespace vipd::bgp
