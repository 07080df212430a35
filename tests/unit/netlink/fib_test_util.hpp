// Loc-RIB changes for the Fib tests: paths whose attributes carry only a next hop; a Fib
// backend that records what it is asked to write.
#pragma once

#include <map>
#include <span>
#include <vector>

#include "bgp/rib/attribute_store.hpp"
#include "bgp/rib/loc_rib.hpp"
#include "netlink/fib.hpp"
#include "netlink/route_message.hpp"

namespace vipd::netlink::test {

// A Change by field name (the struct grows fields other owners need, e.g. previous_best).
inline bgp::rib::Change change(const Prefix& prefix, bool removed,
                               std::vector<bgp::rib::SelectedPath> paths = {}) {
  bgp::rib::Change c;
  c.family = prefix.family() == Family::kIpv4 ? bgp::wire::kIpv4Unicast : bgp::wire::kIpv6Unicast;
  c.prefix = prefix;
  c.removed = removed;
  c.paths = std::move(paths);
  return c;
}

class Changes {
 public:
  // The prefix with one selected path per next hop, best first.
  bgp::rib::Change route(const char* prefix, std::vector<const char*> next_hops) {
    bgp::rib::Change c = change(*Prefix::parse(prefix), false);
    bgp::rib::PeerId peer = 0;
    for (const char* nh : next_hops) c.paths.push_back({peer++, attrs(c.family, nh)});
    return c;
  }
  bgp::rib::Change removed(const char* prefix) { return change(*Prefix::parse(prefix), true); }
  bgp::rib::AttrRef attrs(bgp::wire::AfiSafi family, const char* next_hop) {
    bgp::wire::PathAttributes a;
    a.origin = bgp::wire::Origin::kIgp;
    if (family == bgp::wire::kIpv4Unicast) {
      a.next_hop = IpAddress::parse(next_hop);
    } else {
      a.mp_reach = bgp::wire::MpReach{};
      a.mp_reach->afi_safi = family;
      a.mp_reach->next_hop = IpAddress::parse(next_hop);
    }
    return store_.intern(std::move(a));
  }

 private:
  bgp::rib::AttributeStore store_;
};

// A null backend that keeps the requests and fails the prefixes it is told to.
class RecordingFib : public Fib {
 public:
  using Fib::Fib;
  std::string_view name() const override { return "recording"; }
  std::vector<RouteRequest> written;
  std::map<Prefix, int> refuse;

 protected:
  std::vector<RouteFailure> program(std::span<const RouteRequest> requests) override {
    std::vector<RouteFailure> failures;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      written.push_back(requests[i]);
      if (auto it = refuse.find(requests[i].route.prefix); it != refuse.end())
        failures.push_back({i, it->second, "refused"});
    }
    return failures;
  }
};

inline std::vector<IpAddress> gateways(const std::vector<NextHop>& hops) {
  std::vector<IpAddress> out;
  for (const auto& h : hops) out.push_back(h.gateway);
  return out;
}

inline std::vector<IpAddress> ips(std::vector<const char*> texts) {
  std::vector<IpAddress> out;
  for (const char* t : texts) out.push_back(*IpAddress::parse(t));
  return out;
}

}  // namespace vipd::netlink::test
