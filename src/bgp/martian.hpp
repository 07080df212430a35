// Martian next hops: the one check of whether a received route's next hop can be used at all,
// before it becomes a candidate (FRR's bgp_update_martian_nexthop). RFC 4271 §6.3: a NEXT_HOP
// that is not a valid host address or is the IP address of the receiving speaker is semantically
// incorrect, and the route "SHOULD be ignored" without a NOTIFICATION. As FRR ("DENIED due to:
// martian or self next-hop"), vipd treats it as a withdrawal of the neighbor's earlier path to
// the prefix (the route is not kept beside a stale one). The set is FRR's:
//  - IPv4: 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 (multicast), 240.0.0.0/4 (class E, with
//    255.255.255.255);
//  - IPv6 (MP_REACH_NLRI, RFC 4760 §3; RFC 2545 §3): ::, ::1, ff00::/8, and fe80::/10 as the
//    global next hop (a link-local address belongs only in the second, link-local field);
//  - an address of this router: any address configured on one of its interfaces, and the
//    session's own address;
//  - the broadcast address of a connected IPv4 subnet (/30 and shorter; RFC 3021 /31 has
//    none): the kernel refuses a route through it ("invalid gateway"), so such a path would be
//    selected and advertised although it can never be installed.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "bgp/wire/attributes.hpp"
#include "common/ip.hpp"
#include "netlink/interface_view.hpp"

namespace vipd::bgp {

// Why `address` can never be a next hop whoever asks ("martian"), or nullopt.
std::optional<std::string> reserved_next_hop(const IpAddress& address);

class MartianNextHops {
 public:
  // The router's own addresses and the broadcast addresses of its IPv4 subnets, from the
  // interface view (none without one).
  void reset(const netlink::InterfaceView* interfaces);

  // Why the next hop of a path of `family` with attributes `attrs`, received over a session
  // whose local address is `session_local`, is not usable, or nullopt. A path without a next
  // hop for the family is left to the decision process.
  std::optional<std::string> check(const wire::PathAttributes& attrs, wire::AfiSafi family,
                                   const std::optional<IpAddress>& session_local) const;

 private:
  std::optional<std::string> check(const IpAddress& next_hop,
                                   const std::optional<IpAddress>& session_local) const;

  std::set<IpAddress> local_;
  std::set<IpAddress> subnet_broadcasts_;
};

}  // namespace vipd::bgp
