// Next-hop resolution (RFC 4271 §9.1.2.1) as the speaker wires it: the Loc-RIB's resolver asks
// a netlink::Reachability (the kernel FIB's view of links, addresses and kernel routes), and a
// change of that view re-decides only the prefixes over the next hops it affects.
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <map>
#include <set>
#include <string>

#include "bgp/rib/loc_rib.hpp"
#include "netlink/reachability.hpp"
#include "rib_test_util.hpp"

namespace vipd::bgp::rib {
namespace {

using test::P;

using netlink::Reachability;
using test::attributes;
using test::peer_at;
using test::v4;

netlink::Link link(int ifindex, const char* name, bool up = true, bool carrier = true) {
  netlink::Link l;
  l.ifindex = ifindex;
  l.name = name;
  l.flags = (up ? unsigned{IFF_UP} : 0u) |
            (up && carrier ? unsigned{IFF_RUNNING} | netlink::kLinkLowerUp : 0u);
  return l;
}

netlink::InterfaceAddress address(int ifindex, const char* a, std::uint8_t length) {
  netlink::InterfaceAddress out;
  out.ifindex = ifindex;
  out.address = v4(a);
  out.prefix_length = length;
  return out;
}

netlink::Route kernel_route(const char* prefix, const char* gateway, int ifindex,
                            std::uint8_t protocol = RTPROT_BOOT, std::uint32_t metric = 0) {
  netlink::Route r;
  r.prefix = P(prefix);
  r.next_hops = {netlink::NextHop{v4(gateway), ifindex}};
  r.protocol = protocol;
  r.priority = metric;
  return r;
}

// The seed router: br0 (ifindex 2, 192.168.12.1/24) with the k3s nodes, a link of its own for
// one node (edge, ifindex 3, 192.168.13.1/24), and a static route to a remote network
// 10.99.0.0/16 via a router on br0 (metric 20).
constexpr int kBr0 = 2, kEdge = 3;

class NextHopTest : public ::testing::Test {
 protected:
  explicit NextHopTest(std::uint16_t maximum_paths = 1) : rib_(options(maximum_paths)) {
    links_ = {link(1, "lo"), link(kBr0, "br0"), link(kEdge, "edge")};
    std::vector<netlink::InterfaceAddress> addresses = {address(kBr0, "192.168.12.1", 24),
                                                        address(kEdge, "192.168.13.1", 24)};
    std::vector<netlink::Route> routes = {
        kernel_route("10.99.0.0/16", "192.168.12.254", kBr0, RTPROT_STATIC, 20)};
    view_.reset(links_, addresses, routes);
    rib_.set_resolver(resolver());
    // Peers 1, 2: eBGP nodes on br0; 3: the node on edge; 4: an iBGP peer; 5: eBGP multihop.
    rib_.set_peer(1, single_hop(peer_at("192.168.12.11", 65009)));
    rib_.set_peer(2, single_hop(peer_at("192.168.12.12", 65009)));
    rib_.set_peer(3, single_hop(peer_at("192.168.13.11", 65009)));
    rib_.set_peer(4, peer_at("10.99.1.1", 65000, false));
    rib_.set_peer(5, peer_at("10.99.1.2", 65010));
  }
  static DecisionOptions options(std::uint16_t maximum_paths) {
    DecisionOptions o;
    o.local_as = 65000;
    o.maximum_paths = maximum_paths;
    o.maximum_paths_ibgp = maximum_paths;
    return o;
  }
  static PeerInfo single_hop(PeerInfo info) {
    info.single_hop = true;
    return info;
  }
  LocRib::NextHopResolver resolver() {
    return [this](const IpAddress& next_hop, bool connected_only) -> std::optional<std::uint32_t> {
      auto r = view_.resolve(next_hop, connected_only ? Reachability::Mode::kConnected
                                                      : Reachability::Mode::kRecursive);
      if (!r.reachable) return std::nullopt;
      return r.metric;
    };
  }
  void announce(PeerId peer, const std::string& prefix, const char* next_hop) {
    auto a = attributes({peer == 4 ? 65020u : 65009u}, next_hop);
    ASSERT_TRUE(rib_.update(wire::kIpv4Unicast, P(prefix), peer, store_.intern(std::move(a))));
  }
  // The link's state changes as the monitor reports it; returns how many prefixes the Loc-RIB
  // decided again.
  std::size_t set_link(int ifindex, bool up, bool carrier = true) {
    netlink::Link l = link(ifindex, ifindex == kBr0 ? "br0" : "edge", up, carrier);
    netlink::LinkEvent e{
        l.usable() ? netlink::LinkEvent::Kind::kUp : netlink::LinkEvent::Kind::kDown, l};
    view_.apply(e);
    return rib_.revalidate();
  }
  const Path* path_of(const std::string& prefix, PeerId peer) const {
    const PathList* list = rib_.find(wire::kIpv4Unicast, P(prefix));
    return list ? list->find(peer) : nullptr;
  }
  static std::vector<PeerId> peers(const SelectedPaths& paths) {
    std::vector<PeerId> out;
    for (const auto& p : paths) out.push_back(p.peer);
    return out;
  }
  std::vector<PeerId> selected(const std::string& prefix) const {
    return peers(rib_.selected(wire::kIpv4Unicast, P(prefix)));
  }

  std::vector<netlink::Link> links_;
  Reachability view_;
  AttributeStore store_;
  LocRib rib_;
};

TEST_F(NextHopTest, SingleHopEbgpNextHopsMustBeOnAConnectedNetwork) {
  announce(1, "10.47.40.1/32", "192.168.12.11");  // the node itself, on br0
  announce(2, "10.47.40.2/32", "10.99.1.7");      // reachable only over the static route
  announce(3, "10.47.40.3/32", "192.168.14.9");   // on no network at all
  EXPECT_TRUE(path_of("10.47.40.1/32", 1)->valid());
  EXPECT_EQ(path_of("10.47.40.1/32", 1)->igp_cost, 0u);
  EXPECT_FALSE(path_of("10.47.40.2/32", 2)->valid());
  EXPECT_FALSE(path_of("10.47.40.3/32", 3)->valid());
  // Kept (as in the Adj-RIB-In), counted, but neither selected nor handed on.
  EXPECT_EQ(rib_.path_count(wire::kIpv4Unicast), 3u);
  EXPECT_TRUE(selected("10.47.40.2/32").empty());
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].prefix, P("10.47.40.1/32"));
}

TEST_F(NextHopTest, IbgpAndMultihopNextHopsResolveOverNonBgpKernelRoutes) {
  announce(4, "10.47.41.1/32", "10.99.1.1");  // iBGP: over the static route, its metric
  announce(5, "10.47.41.2/32", "10.99.1.2");  // eBGP multihop: the same
  ASSERT_TRUE(path_of("10.47.41.1/32", 4)->valid());
  EXPECT_EQ(path_of("10.47.41.1/32", 4)->igp_cost, 20u);
  ASSERT_TRUE(path_of("10.47.41.2/32", 5)->valid());
  EXPECT_EQ(path_of("10.47.41.2/32", 5)->igp_cost, 20u);

  // Not over the default route (FRR without `ip nht resolve-via-default`), nor over a BGP
  // route, vipd's own (protocol 200) or another daemon's (RTPROT_BGP).
  view_.apply(netlink::RouteEvent{netlink::RouteEvent::Kind::kAdded,
                                  kernel_route("0.0.0.0/0", "192.168.12.254", kBr0)});
  view_.apply(
      netlink::RouteEvent{netlink::RouteEvent::Kind::kAdded,
                          kernel_route("10.98.0.0/16", "192.168.12.254", kBr0, RTPROT_BGP)});
  view_.apply(netlink::RouteEvent{
      netlink::RouteEvent::Kind::kAdded,
      kernel_route("10.97.0.0/16", "192.168.12.11", kBr0, netlink::kRouteProtocol)});
  EXPECT_EQ(rib_.revalidate(), 0u);
  announce(4, "10.47.41.3/32", "172.16.0.1");
  announce(4, "10.47.41.4/32", "10.98.0.1");
  announce(4, "10.47.41.5/32", "10.97.0.1");
  EXPECT_FALSE(path_of("10.47.41.3/32", 4)->valid());
  EXPECT_FALSE(path_of("10.47.41.4/32", 4)->valid());
  EXPECT_FALSE(path_of("10.47.41.5/32", 4)->valid());

  // The static route goes: both paths with it; it comes back with another metric.
  auto route = kernel_route("10.99.0.0/16", "192.168.12.254", kBr0, RTPROT_STATIC, 20);
  EXPECT_TRUE(view_.apply(netlink::RouteEvent{netlink::RouteEvent::Kind::kRemoved, route}));
  EXPECT_EQ(rib_.revalidate(), 2u);
  EXPECT_FALSE(path_of("10.47.41.1/32", 4)->valid());
  route.priority = 5;
  view_.apply(netlink::RouteEvent{netlink::RouteEvent::Kind::kAdded, route});
  EXPECT_EQ(rib_.revalidate(), 2u);
  EXPECT_EQ(path_of("10.47.41.1/32", 4)->igp_cost, 5u);
  // Its link loses its carrier: the route is unusable.
  set_link(kBr0, true, false);
  EXPECT_FALSE(path_of("10.47.41.2/32", 5)->valid());
}

TEST_F(NextHopTest, OwnRoutesAreValidAndWithoutResolverEveryNextHopIs) {
  PeerInfo self;
  self.ebgp = false;
  self.local = true;
  rib_.set_peer(0, self);
  announce(0, "10.47.42.0/24", "0.0.0.0");  // `network`: next hop 0.0.0.0, "this router"
  EXPECT_TRUE(path_of("10.47.42.0/24", 0)->valid());
  announce(3, "10.47.42.1/32", "192.168.14.9");
  EXPECT_FALSE(path_of("10.47.42.1/32", 3)->valid());
  EXPECT_FALSE(rib_.next_hops().empty());
  // No link information (bgp no-rib, no monitor): today's behaviour, and no index.
  rib_.set_resolver({});
  EXPECT_TRUE(path_of("10.47.42.1/32", 3)->valid());
  EXPECT_TRUE(rib_.next_hops().empty());
  rib_.set_resolver(resolver());
  EXPECT_FALSE(path_of("10.47.42.1/32", 3)->valid());
}

TEST_F(NextHopTest, BestPathFallsBackWhenItsNextHopGoesAwayAndBack) {
  // maximum-paths 1: node .11 (br0) wins on router-id over the node on edge.
  announce(3, "10.47.40.1/32", "192.168.13.11");
  announce(1, "10.47.40.1/32", "192.168.12.11");
  EXPECT_EQ(selected("10.47.40.1/32"), (std::vector<PeerId>{1}));
  rib_.drain_changes();

  set_link(kBr0, false);  // admin down
  EXPECT_EQ(selected("10.47.40.1/32"), (std::vector<PeerId>{3}));
  EXPECT_FALSE(path_of("10.47.40.1/32", 1)->valid());
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{3}));
  ASSERT_TRUE(changes[0].previous_best);
  EXPECT_EQ(changes[0].previous_best->peer, 1);

  set_link(kBr0, true);
  EXPECT_EQ(selected("10.47.40.1/32"), (std::vector<PeerId>{1}));
  changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(peers(changes[0].paths), (std::vector<PeerId>{1}));

  // Both links down: the prefix has no usable path and is removed; its paths stay.
  set_link(kBr0, false);
  set_link(kEdge, true, false);  // carrier lost
  EXPECT_TRUE(selected("10.47.40.1/32").empty());
  changes = rib_.drain_changes();
  ASSERT_FALSE(changes.empty());
  EXPECT_TRUE(changes.back().removed);
  EXPECT_EQ(rib_.find(wire::kIpv4Unicast, P("10.47.40.1/32"))->size(), 2u);
  set_link(kEdge, true);
  EXPECT_EQ(selected("10.47.40.1/32"), (std::vector<PeerId>{3}));
}

class EcmpNextHopTest : public NextHopTest {
 protected:
  EcmpNextHopTest() : NextHopTest(8) {}
};

TEST_F(EcmpNextHopTest, MultipathSetShrinksAndGrowsWithTheLinks) {
  announce(1, "10.47.40.0/32", "192.168.12.11");
  announce(2, "10.47.40.0/32", "192.168.12.12");
  announce(3, "10.47.40.0/32", "192.168.13.11");
  EXPECT_EQ(selected("10.47.40.0/32"), (std::vector<PeerId>{1, 2, 3}));
  rib_.drain_changes();

  set_link(kEdge, false);
  EXPECT_EQ(selected("10.47.40.0/32"), (std::vector<PeerId>{1, 2}));
  EXPECT_EQ(rib_.drain_changes().size(), 1u);
  // br0's address goes: nothing is connected any more.
  view_.apply(netlink::AddressEvent{netlink::AddressEvent::Kind::kRemoved,
                                    address(kBr0, "192.168.12.1", 24)});
  rib_.revalidate();
  EXPECT_TRUE(selected("10.47.40.0/32").empty());
  view_.apply(netlink::AddressEvent{netlink::AddressEvent::Kind::kAdded,
                                    address(kBr0, "192.168.12.1", 24)});
  rib_.revalidate();
  EXPECT_EQ(selected("10.47.40.0/32"), (std::vector<PeerId>{1, 2}));
  set_link(kEdge, true);
  EXPECT_EQ(selected("10.47.40.0/32"), (std::vector<PeerId>{1, 2, 3}));
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_TRUE(changes[0].removed);
  EXPECT_EQ(peers(changes[2].paths), (std::vector<PeerId>{1, 2, 3}));
}

TEST_F(EcmpNextHopTest, OnlyPrefixesOverAnAffectedNextHopAreDecidedAgain) {
  // 1000 prefixes from the br0 node only, 1000 from the edge node only, 10 from both.
  for (int i = 0; i < 1000; ++i) {
    announce(1, "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32",
             "192.168.12.11");
    announce(3, "10.3." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32",
             "192.168.13.11");
  }
  for (int i = 0; i < 10; ++i) {
    announce(1, "10.5.0." + std::to_string(i) + "/32", "192.168.12.11");
    announce(3, "10.5.0." + std::to_string(i) + "/32", "192.168.13.11");
  }
  rib_.drain_changes();
  // An unrelated link: no next hop resolves differently, nothing is decided.
  netlink::Link other = link(9, "wlan0", false);
  view_.apply(netlink::LinkEvent{netlink::LinkEvent::Kind::kAdded, other});
  EXPECT_EQ(rib_.revalidate(), 0u);
  EXPECT_EQ(rib_.pending_changes(), 0u);

  // The edge link goes down: its 1010 prefixes and no other are decided again; 1000 are
  // removed and 10 lose a multipath.
  EXPECT_EQ(set_link(kEdge, false), 1010u);
  auto changes = rib_.drain_changes();
  ASSERT_EQ(changes.size(), 1010u);
  std::size_t removed = 0;
  for (const auto& c : changes) {
    removed += c.removed;
    EXPECT_NE(c.prefix.address().octets()[1], 1) << c.prefix.to_string();
  }
  EXPECT_EQ(removed, 1000u);

  // 600 of the edge node's prefixes are withdrawn, 200 move to a next hop on br0: the index
  // forgets them (they are not decided for the edge link any more).
  for (int i = 0; i < 600; ++i)
    rib_.withdraw(wire::kIpv4Unicast,
                  P("10.3." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32"), 3);
  for (int i = 600; i < 800; ++i)
    announce(3, "10.3." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32",
             "192.168.12.13");
  rib_.drain_changes();
  EXPECT_EQ(set_link(kEdge, true), 210u);
  EXPECT_EQ(rib_.drain_changes().size(), 210u);

  auto hops = rib_.next_hops();
  std::map<std::string, std::size_t> paths;
  for (const auto& h : hops) paths[h.address.to_string()] = h.paths;
  EXPECT_EQ(paths, (std::map<std::string, std::size_t>{
                       {"192.168.12.11", 1010}, {"192.168.12.13", 200}, {"192.168.13.11", 210}}));
  // Flapping does not grow the index: each flap decides the same 210 prefixes.
  for (int flap = 0; flap < 5; ++flap) {
    EXPECT_EQ(set_link(kEdge, false), 210u);
    EXPECT_EQ(set_link(kEdge, true), 210u);
  }
  // The node goes away: its next hops leave the index with its last path.
  rib_.withdraw_peer(3);
  paths.clear();
  for (const auto& h : rib_.next_hops()) paths[h.address.to_string()] = h.paths;
  EXPECT_EQ(paths, (std::map<std::string, std::size_t>{{"192.168.12.11", 1010}}));
}

TEST_F(NextHopTest, IgpCostOfTheResolvingRouteBreaksTies) {
  // RFC 4271 §9.1.2.2 (e): two iBGP paths, next hops over routes of metric 20 and 5.
  rib_.set_peer(6, peer_at("10.99.1.6", 65000, false));
  view_.apply(
      netlink::RouteEvent{netlink::RouteEvent::Kind::kAdded,
                          kernel_route("10.96.0.0/16", "192.168.12.253", kBr0, RTPROT_STATIC, 5)});
  rib_.revalidate();
  announce(4, "10.47.43.0/24", "10.99.1.1");
  auto a = attributes({65020}, "10.96.0.1");
  ASSERT_TRUE(rib_.update(wire::kIpv4Unicast, P("10.47.43.0/24"), 6, store_.intern(a)));
  EXPECT_EQ(selected("10.47.43.0/24"), (std::vector<PeerId>{6}));
  EXPECT_EQ(rib_.find(wire::kIpv4Unicast, P("10.47.43.0/24"))->reason(), Step::kIgpCost);
}

}  // namespace
}  // namespace vipd::bgp::rib
