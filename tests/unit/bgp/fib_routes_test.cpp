// Loc-RIB changes as BGP's routes of the kernel route table: next hops, their order and cap,
// the families, and the distance by the best path's peer.
#include "bgp/fib_routes.hpp"

#include <gtest/gtest.h>

#include "bgp/rib/attribute_store.hpp"

namespace vipd::bgp {
namespace {

class FibRoutesTest : public ::testing::Test {
 protected:
  // The prefix with one selected path per next hop, best first, peers 1, 2, ...
  rib::Change route(const char* prefix, std::vector<const char*> next_hops) {
    rib::Change c = change(prefix, false);
    rib::PeerId peer = 1;
    for (const char* nh : next_hops) c.paths.push_back({peer++, attrs(c.family, nh)});
    return c;
  }
  rib::Change change(const char* prefix, bool removed) {
    rib::Change c;
    c.prefix = *Prefix::parse(prefix);
    c.family = c.prefix.family() == Family::kIpv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    c.removed = removed;
    return c;
  }
  rib::AttrRef attrs(wire::AfiSafi family, const char* next_hop) {
    wire::PathAttributes a;
    a.origin = wire::Origin::kIgp;
    if (family == wire::kIpv4Unicast) {
      a.next_hop = IpAddress::parse(next_hop);
    } else {
      a.mp_reach = wire::MpReach{};
      a.mp_reach->afi_safi = family;
      a.mp_reach->next_hop = IpAddress::parse(next_hop);
    }
    return store_.intern(std::move(a));
  }
  std::vector<fib::Route> convert(std::vector<rib::Change> changes, std::size_t max = 256) {
    std::vector<fib::Route> out;
    append_fib_routes(changes, max, distance_, out);
    return out;
  }
  static std::vector<IpAddress> gateways(const fib::Route& r) {
    std::vector<IpAddress> out;
    for (const auto& h : r.next_hops) out.push_back(h.gateway);
    return out;
  }
  static std::vector<IpAddress> ips(std::vector<const char*> texts) {
    std::vector<IpAddress> out;
    for (const char* t : texts) out.push_back(*IpAddress::parse(t));
    return out;
  }

  rib::AttributeStore store_;
  // Peer 1 is internal, the others external.
  DistanceOf distance_ = [](rib::PeerId id) {
    return id == 1 ? fib::distance::kIbgp : fib::distance::kEbgp;
  };
};

TEST_F(FibRoutesTest, EveryDistinctNextHopBestFirstWithTheBestPathsDistance) {
  auto routes = convert({route("10.47.40.1/32", {"192.168.12.13", "192.168.12.11"}),
                         route("10.47.40.2/32", {"192.168.12.12"}), change("10.47.40.3/32", true)});
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].prefix, *Prefix::parse("10.47.40.1/32"));
  EXPECT_EQ(routes[0].source, fib::Source::kBgp);
  EXPECT_EQ(gateways(routes[0]), ips({"192.168.12.13", "192.168.12.11"}));
  EXPECT_EQ(routes[0].distance, fib::distance::kIbgp);  // best path from peer 1
  EXPECT_EQ(routes[1].distance, fib::distance::kIbgp);
  EXPECT_TRUE(routes[2].next_hops.empty());  // removed: withdrawn from the table
}

TEST_F(FibRoutesTest, RepeatedAndForeignFamilyNextHopsAreSkippedAndCapped) {
  auto routes =
      convert({route("10.0.0.0/8", {"192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.3"})}, 2);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(gateways(routes[0]), ips({"192.0.2.1", "192.0.2.2"}));
  // An IPv6 route whose only next hop is IPv4 (RFC 8950) cannot be a plain kernel gateway: BGP
  // withdraws it from the table.
  rib::Change v4_next_hop = route("2001:db8::/32", {"fd00::1"});
  wire::PathAttributes a = *v4_next_hop.paths[0].attrs;
  a.mp_reach->next_hop = IpAddress::parse("192.0.2.9");
  v4_next_hop.paths[0].attrs = store_.intern(a);
  routes = convert({v4_next_hop, route("2001:db8:1::/48", {"fd00::2"})});
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_TRUE(routes[0].next_hops.empty());
  EXPECT_EQ(gateways(routes[1]), ips({"fd00::2"}));
  EXPECT_EQ(routes[1].distance, fib::distance::kIbgp);
}

TEST_F(FibRoutesTest, OtherFamiliesHaveNoKernelRoute) {
  rib::Change multicast = route("10.0.0.0/8", {"192.0.2.1"});
  multicast.family = wire::AfiSafi{wire::Afi::kIpv4, wire::Safi::kMulticast};
  auto routes = convert({multicast, route("10.1.0.0/16", {"192.0.2.2", "192.0.2.3"})});
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].prefix, *Prefix::parse("10.1.0.0/16"));
}

TEST_F(FibRoutesTest, AnExternalBestPathGivesTwenty) {
  rib::Change c = route("10.2.0.0/16", {"192.0.2.2", "192.0.2.3"});
  std::swap(c.paths[0], c.paths[1]);  // peer 2 (external) best
  auto routes = convert({c});
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].distance, fib::distance::kEbgp);
  EXPECT_EQ(gateways(routes[0]), ips({"192.0.2.3", "192.0.2.2"}));
}

}  // namespace
}  // namespace vipd::bgp
