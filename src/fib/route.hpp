// A route as every module hands it to the kernel route table: a prefix, the source that
// announces it with that source's administrative distance, and its next hops. Neutral, as
// BIRD's `krt` routes, OpenBGPD's `kroute_full` and holo's `RouteMsg` are: the table knows
// sources only as names and numbers, never a protocol's own structures (DESIGN principle 8).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/ip.hpp"
#include "netlink/route_message.hpp"

namespace vipd::fib {

// A gateway, optionally with the device it is reached over (0: resolved by the table over the
// connected networks and kernel routes, then by the kernel), and its ECMP weight.
using NextHop = netlink::NextHop;

// Who announces a route. One route per (prefix, source).
enum class Source : std::uint8_t {
  kConnected,
  kStatic,
  kLoadBalancer,  // the Service IPs this node serves itself (load balancer)
  kBgp,
};

// "connected", "static", "lb", "bgp": for logs, `show` and JSON.
std::string_view name(Source source);

// Administrative distances (zebra's defaults, FRR `distance`): of a prefix's routes the table
// installs the one with the lowest. A source gives the distance with each route, so one source
// may use several (BGP: external and internal).
namespace distance {
inline constexpr std::uint8_t kConnected = 0;
inline constexpr std::uint8_t kStatic = 1;
// A Service IP the node serves itself. Below eBGP, so that a route to the same IP learned over
// BGP (another node announcing it, or the router reflecting it back) never takes the node's own
// traffic away from its local endpoints; above static, so an operator's static route still
// wins. FRR assigns nothing to 10 among its defaults (OSPF 110, RIP 120, IS-IS 115).
inline constexpr std::uint8_t kLoadBalancer = 10;
inline constexpr std::uint8_t kEbgp = 20;   // RFC 4271 external peers (FRR `distance bgp 20 ..`)
inline constexpr std::uint8_t kIbgp = 200;  // internal peers and local routes
}  // namespace distance

struct Route {
  Prefix prefix;
  Source source = Source::kStatic;
  std::uint8_t distance = distance::kStatic;
  // Best first, each gateway of the prefix's family once; empty: the source withdraws its route.
  std::vector<NextHop> next_hops;
  bool operator==(const Route&) const = default;
};

}  // namespace vipd::fib
