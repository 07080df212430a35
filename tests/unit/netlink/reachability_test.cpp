// Reachability with built events: which kernel routes it keeps, how links take routes out (as
// the kernel flushes them), and how a next hop resolves over them.
#include "netlink/reachability.hpp"

#include <gtest/gtest.h>

#include "netlink_test_util.hpp"

namespace vipd::netlink {
namespace {

using namespace test;

Link reachable_link(int ifindex, bool up = true, bool carrier = true) {
  Link l;
  l.ifindex = ifindex;
  l.name = "l" + std::to_string(ifindex);
  l.flags =
      (up ? unsigned{IFF_UP} : 0u) | (up && carrier ? unsigned{IFF_RUNNING} | kLinkLowerUp : 0u);
  return l;
}

Route route(const char* prefix, std::vector<std::pair<const char*, int>> hops,
            std::uint32_t metric = 0, std::uint8_t protocol = RTPROT_BOOT) {
  Route r;
  r.prefix = *Prefix::parse(prefix);
  for (auto [gateway, ifindex] : hops) r.next_hops.push_back(NextHop{ip(gateway), ifindex});
  r.priority = metric;
  r.protocol = protocol;
  return r;
}

using Mode = Reachability::Mode;

class ReachabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Link> links = {reachable_link(2), reachable_link(3)};
    std::vector<InterfaceAddress> addresses = {address(2, "192.0.2.1", 24),
                                               address(3, "198.51.100.1", 24),
                                               address(2, "2001:db8:12::1", 64)};
    view_.reset(links, addresses);
  }
  bool event(Event e) { return view_.apply(e); }
  Reachability view_;
};

TEST_F(ReachabilityTest, KeepsOnlyRoutesNextHopsMayResolveOver) {
  EXPECT_TRUE(Reachability::eligible(route("10.0.0.0/8", {{"192.0.2.9", 2}})));
  EXPECT_FALSE(Reachability::eligible(route("0.0.0.0/0", {{"192.0.2.9", 2}})));
  EXPECT_FALSE(Reachability::eligible(route("10.0.0.0/8", {{"192.0.2.9", 2}}, 0, kRouteProtocol)));
  EXPECT_FALSE(Reachability::eligible(route("10.0.0.0/8", {{"192.0.2.9", 2}}, 0, RTPROT_BGP)));
  EXPECT_FALSE(Reachability::eligible(route("192.0.2.0/24", {}, 0, RTPROT_KERNEL)));
  Route hole = route("10.0.0.0/8", {});
  hole.type = RTN_BLACKHOLE;
  EXPECT_FALSE(Reachability::eligible(hole));
  Route other_table = route("10.0.0.0/8", {{"192.0.2.9", 2}});
  other_table.table = 100;
  EXPECT_FALSE(Reachability::eligible(other_table));
  EXPECT_FALSE(event(RouteEvent{RouteEvent::Kind::kAdded, hole}));
  EXPECT_EQ(view_.route_count(), 0u);
}

TEST_F(ReachabilityTest, ConnectedFirstThenTheLongestUsableRoute) {
  auto r = view_.resolve(ip("192.0.2.7"), Mode::kConnected);
  EXPECT_EQ(r, (Reachability::Resolution{true, true, 2, std::nullopt, 0, {}}));
  EXPECT_FALSE(view_.resolve(ip("10.1.2.3"), Mode::kRecursive).reachable);
  EXPECT_TRUE(
      event(RouteEvent{RouteEvent::Kind::kAdded, route("10.0.0.0/8", {{"192.0.2.9", 2}}, 30)}));
  EXPECT_TRUE(
      event(RouteEvent{RouteEvent::Kind::kAdded, route("10.1.0.0/16", {{"198.51.100.9", 3}}, 10)}));
  // A device route, no gateway, with a better second route of a lower metric.
  Route dev = route("10.1.0.0/16", {}, 5);
  dev.device = 3;
  EXPECT_TRUE(event(RouteEvent{RouteEvent::Kind::kAdded, dev}));
  EXPECT_EQ(view_.route_count(), 3u);
  EXPECT_FALSE(view_.resolve(ip("10.1.2.3"), Mode::kConnected).reachable);
  r = view_.resolve(ip("10.1.2.3"), Mode::kRecursive);
  // Through the device route: its link, no gateway of its own.
  EXPECT_EQ(r, (Reachability::Resolution{
                   true, false, 3, *Prefix::parse("10.1.0.0/16"), 5, {NextHop{IpAddress{}, 3}}}));
  // Link 3 loses its carrier: the /16 has no usable route, the /8 over link 2 resolves.
  EXPECT_TRUE(event(LinkEvent{LinkEvent::Kind::kDown, reachable_link(3, true, false)}));
  r = view_.resolve(ip("10.1.2.3"), Mode::kRecursive);
  EXPECT_EQ(r,
            (Reachability::Resolution{
                true, false, 2, *Prefix::parse("10.0.0.0/8"), 30, {NextHop{ip("192.0.2.9"), 2}}}));
  EXPECT_EQ(view_.route_count(), 3u);  // the kernel keeps them on a carrier loss
  // Back: the /16 again; the metric-5 route goes, the metric-10 one serves.
  EXPECT_TRUE(event(LinkEvent{LinkEvent::Kind::kUp, reachable_link(3)}));
  EXPECT_TRUE(event(RouteEvent{RouteEvent::Kind::kRemoved, dev}));
  EXPECT_EQ(view_.resolve(ip("10.1.2.3"), Mode::kRecursive).metric, 10u);
  // Unreachable over a down link names the link.
  EXPECT_TRUE(event(LinkEvent{LinkEvent::Kind::kDown, reachable_link(2, true, false)}));
  r = view_.resolve(ip("192.0.2.7"), Mode::kConnected);
  EXPECT_FALSE(r.reachable);
  EXPECT_EQ(r.ifindex, 2);
}

TEST_F(ReachabilityTest, AdminDownFlushesTheRoutesOverTheLinkAsTheKernelDoes) {
  event(RouteEvent{RouteEvent::Kind::kAdded, route("10.2.0.0/16", {{"192.0.2.9", 2}})});
  event(RouteEvent{RouteEvent::Kind::kAdded,
                   route("10.3.0.0/16", {{"192.0.2.9", 2}, {"198.51.100.9", 3}})});
  event(RouteEvent{RouteEvent::Kind::kAdded, route("2001:db8:99::/48", {{"2001:db8:12::9", 2}})});
  EXPECT_TRUE(view_.resolve(ip("2001:db8:99::1"), Mode::kRecursive).reachable);
  // IPv4 deletes single-path routes silently; a multipath route keeps its other next hop.
  EXPECT_TRUE(event(LinkEvent{LinkEvent::Kind::kDown, reachable_link(2, false)}));
  EXPECT_EQ(view_.route_count(), 1u);
  EXPECT_TRUE(view_.resolve(ip("10.3.0.1"), Mode::kRecursive).reachable);
  // Admin up does not restore what the kernel deleted.
  EXPECT_TRUE(event(LinkEvent{LinkEvent::Kind::kUp, reachable_link(2)}));
  EXPECT_FALSE(view_.resolve(ip("10.2.0.1"), Mode::kRecursive).reachable);
  EXPECT_FALSE(view_.resolve(ip("2001:db8:99::1"), Mode::kRecursive).reachable);
  // A link that goes away takes every route with a next hop over it, multipath ones too.
  EXPECT_TRUE(event(LinkEvent{LinkEvent::Kind::kRemoved, reachable_link(3)}));
  EXPECT_EQ(view_.route_count(), 0u);
  EXPECT_FALSE(event(RouteEvent{RouteEvent::Kind::kRemoved, route("10.9.0.0/16", {})}));
}

TEST_F(ReachabilityTest, ANotificationForAKnownRouteReplacesIt) {
  Route r = route("10.4.0.0/16", {{"192.0.2.9", 2}}, 7);
  EXPECT_TRUE(event(RouteEvent{RouteEvent::Kind::kAdded, r}));
  EXPECT_FALSE(event(RouteEvent{RouteEvent::Kind::kAdded, r}));  // the same again
  r.next_hops = {NextHop{ip("198.51.100.9"), 3}};                // `ip route replace`
  EXPECT_TRUE(event(RouteEvent{RouteEvent::Kind::kAdded, r}));
  EXPECT_EQ(view_.route_count(), 1u);
  EXPECT_EQ(view_.resolve(ip("10.4.0.1"), Mode::kRecursive).ifindex, 3);
  // Another gateway on the same link is a change too: routes over it are installed through it.
  r.next_hops = {NextHop{ip("198.51.100.10"), 3}};
  EXPECT_TRUE(event(RouteEvent{RouteEvent::Kind::kAdded, r}));
  EXPECT_EQ(view_.resolve(ip("10.4.0.1"), Mode::kRecursive).via,
            (std::vector<NextHop>{NextHop{ip("198.51.100.10"), 3}}));
}

TEST_F(ReachabilityTest, ViaListsOnlyTheNextHopsOnUsableLinks) {
  event(RouteEvent{RouteEvent::Kind::kAdded,
                   route("10.5.0.0/16", {{"192.0.2.9", 2}, {"198.51.100.9", 3}})});
  EXPECT_EQ(view_.resolve(ip("10.5.0.1"), Mode::kRecursive).via,
            (std::vector<NextHop>{NextHop{ip("192.0.2.9"), 2}, NextHop{ip("198.51.100.9"), 3}}));
  EXPECT_TRUE(event(LinkEvent{LinkEvent::Kind::kDown, reachable_link(3, true, false)}));
  EXPECT_EQ(view_.resolve(ip("10.5.0.1"), Mode::kRecursive).via,
            (std::vector<NextHop>{NextHop{ip("192.0.2.9"), 2}}));
  EXPECT_TRUE(view_.resolve(ip("192.0.2.7"), Mode::kRecursive).via.empty());  // connected
}

}  // namespace
}  // namespace vipd::netlink
