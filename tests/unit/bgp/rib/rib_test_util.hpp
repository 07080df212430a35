// Helpers shared by the RIB unit tests: routes with the attributes the decision looks at.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "bgp/rib/decision.hpp"

namespace vipd::bgp::rib::test {

inline Prefix P(std::string_view text) {
  return *Prefix::parse(text);
}
inline IpAddress v4(const char* text) {
  return *IpAddress::parse(text);
}

inline wire::AsPath sequence(std::initializer_list<std::uint32_t> asns) {
  return wire::AsPath{{wire::AsSegment{wire::SegmentType::kAsSequence, asns}}};
}

// Attributes of a plain route: ORIGIN IGP, AS_PATH `path`, NEXT_HOP `next_hop`.
inline wire::PathAttributes attributes(std::initializer_list<std::uint32_t> path,
                                       const char* next_hop) {
  wire::PathAttributes a;
  a.origin = wire::Origin::kIgp;
  a.as_path = sequence(path);
  a.next_hop = v4(next_hop);
  return a;
}

// A peer: eBGP unless `ebgp` is false; router-id and address from `address`.
inline PeerInfo peer_at(const char* address, std::uint32_t as, bool ebgp = true) {
  return PeerInfo{ebgp, v4(address).v4_host_order(), v4(address), as};
}

// A candidate owning what it points to.
struct Route {
  wire::PathAttributes attrs;
  PeerInfo peer;
  std::uint32_t igp_cost = 0;
  PeerId id = 0;
  Candidate candidate() const {
    return {&attrs, &peer, id, igp_cost,
            next_hop_of(attrs, wire::kIpv4Unicast).value_or(IpAddress{})};
  }
};

// An eBGP route from a peer of AS `as` at `address`, advertising next hop `address`.
inline Route ebgp_route(std::uint32_t as, const char* address, PeerId id = 0) {
  return Route{attributes({as}, address), peer_at(address, as), 0, id};
}

// An iBGP route (local AS 65000) for a path from `origin_as`, next hop `address`.
inline Route ibgp_route(std::uint32_t origin_as, const char* address, PeerId id = 0) {
  return Route{attributes({origin_as}, address), peer_at(address, 65000, false), 0, id};
}

}  // namespace vipd::bgp::rib::test
