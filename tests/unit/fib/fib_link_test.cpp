// Link tracking in the route table: which routes are rewritten when links go down and up,
// addresses come and go and kernel routes that next hops resolve over change, with the recording
// backend (no kernel, no monitor: the events are built here).
#include <gtest/gtest.h>

#include "event/sim_clock.hpp"
#include "fib/fib.hpp"
#include "fib_test_util.hpp"

namespace vipd::fib {
namespace {

using test::pfx;

using namespace netlink;  // the monitor's events and the kernel's links, addresses and routes
using test::apply;
using test::gateways;
using test::ips;
using test::RecordingFib;
using test::route;
using test::withdrawn;

constexpr std::uint32_t kUsable = IFF_UP | IFF_RUNNING | kLinkLowerUp;

enum class State { kUp, kNoCarrier, kAdminDown };

Link link(int ifindex, const char* name, State state = State::kUp) {
  Link l;
  l.ifindex = ifindex;
  l.name = name;
  l.flags = state == State::kUp ? kUsable : state == State::kNoCarrier ? std::uint32_t{IFF_UP} : 0u;
  l.oper_state = state == State::kUp ? OperState::kUp : OperState::kDown;
  return l;
}

InterfaceAddress address(int ifindex, const char* local, std::uint8_t length) {
  InterfaceAddress a;
  a.ifindex = ifindex;
  a.address = *IpAddress::parse(local);
  a.prefix_length = length;
  return a;
}

IpAddress ip(const char* s) {
  return *IpAddress::parse(s);
}

constexpr int kBr0 = 2, kEth1 = 3, kEth2 = 4, kEth9 = 9;

// The router: speakers on br0 (192.168.12.0/24), eth1 (192.168.13.0/24) and eth2
// (192.168.14.0/24); eth9 carries nothing the routes use.
class FibLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Link> links{link(kBr0, "br0"), link(kEth1, "eth1"), link(kEth2, "eth2"),
                            link(kEth9, "eth9")};
    std::vector<InterfaceAddress> addresses{
        address(kBr0, "192.168.12.1", 24),  address(kEth1, "192.168.13.1", 24),
        address(kEth2, "192.168.14.1", 24), address(kEth9, "10.9.0.1", 24),
        address(kBr0, "fd00:12::1", 64),    address(kEth1, "fd00:13::1", 64)};
    fib.reset_interfaces(links, addresses);
  }

  void link_event(LinkEvent::Kind kind, int ifindex, const char* name, State state) {
    fib.interface_event(LinkEvent{kind, link(ifindex, name, state)});
  }
  void down(int ifindex, const char* name, State state = State::kAdminDown) {
    link_event(LinkEvent::Kind::kDown, ifindex, name, state);
  }
  void up(int ifindex, const char* name) {
    link_event(LinkEvent::Kind::kUp, ifindex, name, State::kUp);
  }
  void address_event(AddressEvent::Kind kind, const InterfaceAddress& a) {
    fib.interface_event(AddressEvent{kind, a});
  }
  // The requests written since the last call.
  std::vector<RouteRequest> take() { return std::exchange(fib.written, {}); }

  event::SimClock clock;
  RecordingFib fib{&clock};
};

TEST_F(FibLinkTest, LinkDownRemovesItsNextHopFromAThreeWayRoute) {
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.13.2", "192.168.14.2"}),
              route("10.47.40.2/32", {"192.168.12.11", "192.168.14.2"})});
  auto w = take();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11", "192.168.13.2", "192.168.14.2"}));

  clock.advance(std::chrono::seconds(5));
  down(kEth1, "eth1");
  w = take();
  // Only the route using eth1 is rewritten, with the two others in their order.
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].op, RouteOp::kReplace);
  EXPECT_EQ(w[0].route.prefix, pfx("10.47.40.1/32"));
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11", "192.168.14.2"}));
  // The entry keeps all three (for `show ip route`); the eth1 one is unresolved, on eth1.
  const FibEntry& e = fib.routes().at(pfx("10.47.40.1/32"));
  EXPECT_EQ(gateways(e.routes.front().next_hops),
            ips({"192.168.12.11", "192.168.13.2", "192.168.14.2"}));
  EXPECT_FALSE(fib.resolved(ip("192.168.13.2")));
  EXPECT_EQ(fib.resolution(ip("192.168.13.2")), (Resolution{false, kEth1, std::nullopt, {}}));
  EXPECT_EQ(fib.resolution(ip("192.168.12.11")), (Resolution{true, kBr0, std::nullopt, {}}));
  EXPECT_TRUE(fib.in_kernel(e));
  EXPECT_EQ(e.since, clock.now());
  // The route that did not use eth1 keeps its time.
  EXPECT_NE(fib.routes().at(pfx("10.47.40.2/32")).since, clock.now());
}

TEST_F(FibLinkTest, CarrierLossCountsAsDown) {
  // The kernel keeps such next hops (flagged linkdown) and, by default, still sends traffic to
  // them: vipd takes them out itself.
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.13.2", "192.168.14.2"})});
  take();
  down(kEth2, "eth2", State::kNoCarrier);
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11", "192.168.13.2"}));
}

TEST_F(FibLinkTest, LastNextHopGoneDeletesTheRoute) {
  apply(fib, {route("10.47.40.3/32", {"192.168.13.2"}),
              route("10.47.40.4/32", {"192.168.13.2", "192.168.13.3"})});
  take();
  down(kEth1, "eth1");
  auto w = take();
  ASSERT_EQ(w.size(), 2u);
  for (const auto& r : w) {
    EXPECT_EQ(r.op, RouteOp::kDelete);
    EXPECT_TRUE(r.route.next_hops.empty());
  }
  EXPECT_EQ(w[0].route.prefix, pfx("10.47.40.3/32"));
  EXPECT_EQ(w[1].route.prefix, pfx("10.47.40.4/32"));
  // Still known (shown as inactive), not in the kernel.
  ASSERT_TRUE(fib.routes().contains(pfx("10.47.40.3/32")));
  EXPECT_FALSE(fib.in_kernel(fib.routes().at(pfx("10.47.40.3/32"))));
  EXPECT_EQ(fib.failures(), 0u);
  // The BGP withdrawal that follows has nothing left to delete.
  apply(fib, {withdrawn("10.47.40.3/32")});
  EXPECT_TRUE(take().empty());
  EXPECT_FALSE(fib.routes().contains(pfx("10.47.40.3/32")));
  // Nor has remove_all() for the other one.
  fib.remove_all();
  EXPECT_TRUE(take().empty());
}

TEST_F(FibLinkTest, LinkUpRestoresEveryNextHop) {
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.13.2", "192.168.14.2"}),
              route("10.47.40.3/32", {"192.168.13.2"})});
  take();
  down(kEth1, "eth1");
  EXPECT_EQ(take().size(), 2u);
  clock.advance(std::chrono::seconds(1));
  up(kEth1, "eth1");
  auto w = take();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].op, RouteOp::kReplace);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11", "192.168.13.2", "192.168.14.2"}));
  EXPECT_EQ(w[1].op, RouteOp::kReplace);
  EXPECT_EQ(w[1].route.prefix, pfx("10.47.40.3/32"));
  EXPECT_EQ(gateways(w[1].route.next_hops), ips({"192.168.13.2"}));
  EXPECT_TRUE(fib.resolved(ip("192.168.13.2")));
  EXPECT_EQ(fib.routes().at(pfx("10.47.40.3/32")).since, clock.now());
}

TEST_F(FibLinkTest, FlappingRewritesOnEveryTransitionAndEndsComplete) {
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.13.2", "192.168.14.2"}),
              route("10.47.40.3/32", {"192.168.13.2"})});
  take();
  for (int i = 0; i < 5; ++i) {
    down(kEth1, "eth1", i % 2 ? State::kNoCarrier : State::kAdminDown);
    auto w = take();
    ASSERT_EQ(w.size(), 2u) << i;
    EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11", "192.168.14.2"}));
    EXPECT_EQ(w[1].op, RouteOp::kDelete);
    // The monitor reports a carrier coming back before IFF_UP as kChanged; only usability
    // matters.
    link_event(LinkEvent::Kind::kChanged, kEth1, "eth1", State::kNoCarrier);
    EXPECT_TRUE(take().empty());
    up(kEth1, "eth1");
    w = take();
    ASSERT_EQ(w.size(), 2u) << i;
    EXPECT_EQ(gateways(w[0].route.next_hops),
              ips({"192.168.12.11", "192.168.13.2", "192.168.14.2"}));
    EXPECT_EQ(w[1].op, RouteOp::kReplace);
  }
  // A repeated up (the monitor's resync reporting what is known) writes nothing.
  up(kEth1, "eth1");
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(fib.failures(), 0u);
  for (const auto& [prefix, entry] : fib.routes()) EXPECT_TRUE(fib.in_kernel(entry));
}

TEST_F(FibLinkTest, EventsForUnrelatedLinksAreIgnored) {
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.13.2", "192.168.14.2"})});
  take();
  down(kEth9, "eth9");
  up(kEth9, "eth9");
  link_event(LinkEvent::Kind::kAdded, 10, "veth-new", State::kUp);
  link_event(LinkEvent::Kind::kRemoved, 10, "veth-new", State::kUp);
  address_event(AddressEvent::Kind::kAdded, address(kEth9, "10.9.1.1", 24));
  address_event(AddressEvent::Kind::kRemoved, address(kEth9, "10.9.0.1", 24));
  // A second address on br0, a VRRP VIP (/32), an MTU change: nothing resolves differently.
  address_event(AddressEvent::Kind::kAdded, address(kBr0, "192.168.12.254", 32));
  address_event(AddressEvent::Kind::kAdded, address(kBr0, "192.168.12.2", 24));
  Link mtu = link(kBr0, "br0");
  mtu.mtu = 9000;
  fib.interface_event(LinkEvent{LinkEvent::Kind::kChanged, mtu});
  fib.interface_event(RouteEvent{});
  fib.interface_event(ResyncNeeded{});
  EXPECT_TRUE(take().empty());
}

TEST_F(FibLinkTest, RoutesLearnedWhileALinkIsDownGetOnlyResolvedNextHops) {
  down(kEth1, "eth1");
  EXPECT_TRUE(take().empty());  // no routes yet
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.13.2", "192.168.14.2"}),
              route("10.47.40.3/32", {"192.168.13.2"})});
  auto w = take();
  // The route with no resolved next hop is not written at all.
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11", "192.168.14.2"}));
  EXPECT_EQ(fib.routes().size(), 2u);
  up(kEth1, "eth1");
  w = take();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[1].route.prefix, pfx("10.47.40.3/32"));
  EXPECT_EQ(w[1].op, RouteOp::kReplace);
}

TEST_F(FibLinkTest, AnEndingSessionOverADownLinkLeavesTheKernelRouteAlone) {
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.13.2", "192.168.14.2"})});
  take();
  down(kEth1, "eth1");
  take();
  // The session to 192.168.13.2 ends (hold timer): the kernel already has the two others.
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.14.2"})});
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(gateways(fib.routes().at(pfx("10.47.40.1/32")).routes.front().next_hops),
            ips({"192.168.12.11", "192.168.14.2"}));
  // eth1 comes back, but nothing uses it any more.
  up(kEth1, "eth1");
  EXPECT_TRUE(take().empty());
  // A resolved next hop leaving is written as usual.
  apply(fib, {route("10.47.40.1/32", {"192.168.14.2"})});
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.14.2"}));
}

TEST_F(FibLinkTest, Ipv6NextHopsReturnWithTheirAddressNotWithTheLink) {
  // The kernel flushes a link's IPv6 addresses when it goes admin down (keep_addr_on_down 0)
  // and does not restore them when it comes up: the network is back when the address is.
  apply(fib, {route("2001:db8:47::1/128", {"fd00:12::11", "fd00:13::2"})});
  take();
  down(kEth1, "eth1");
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"fd00:12::11"}));
  address_event(AddressEvent::Kind::kRemoved, address(kEth1, "fd00:13::1", 64));
  EXPECT_TRUE(take().empty());  // unresolved either way, now with no network at all
  EXPECT_EQ(fib.resolution(ip("fd00:13::2")), (Resolution{}));
  up(kEth1, "eth1");
  EXPECT_TRUE(take().empty());
  address_event(AddressEvent::Kind::kAdded, address(kEth1, "fd00:13::1", 64));
  w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"fd00:12::11", "fd00:13::2"}));
}

TEST_F(FibLinkTest, RemovedLinkAndRemovedAddressUnresolveTheirNextHops) {
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.14.2"})});
  take();
  link_event(LinkEvent::Kind::kRemoved, kEth2, "eth2", State::kUp);
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11"}));
  address_event(AddressEvent::Kind::kRemoved, address(kBr0, "192.168.12.1", 24));
  w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].op, RouteOp::kDelete);
}

TEST_F(FibLinkTest, NextHopsOnNoConnectedNetworkAreNotInstalled) {
  // With link tracking a gateway must be on a connected network (the kernel refuses a whole
  // multipath route for one unreachable gateway; here only that next hop stays out).
  apply(fib, {route("10.47.40.5/32", {"198.51.100.1", "192.168.12.11"}),
              route("10.47.40.6/32", {"198.51.100.1"})});
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11"}));
  EXPECT_EQ(fib.failures(), 0u);
  // An address that puts it on a connected network brings it in.
  address_event(AddressEvent::Kind::kAdded, address(kEth9, "198.51.100.254", 24));
  w = take();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"198.51.100.1", "192.168.12.11"}));
  EXPECT_EQ(gateways(w[1].route.next_hops), ips({"198.51.100.1"}));
}

TEST_F(FibLinkTest, ResetWithTheSameStateWritesNothingAndADifferentOneRewrites) {
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.13.2", "192.168.14.2"})});
  take();
  // After a monitor overrun: the same links and addresses read again.
  std::vector<Link> links{link(kBr0, "br0"), link(kEth1, "eth1"), link(kEth2, "eth2"),
                          link(kEth9, "eth9")};
  std::vector<InterfaceAddress> addresses{address(kBr0, "192.168.12.1", 24),
                                          address(kEth1, "192.168.13.1", 24),
                                          address(kEth2, "192.168.14.1", 24)};
  fib.reset_interfaces(links, addresses);
  EXPECT_TRUE(take().empty());
  // eth2 went down while notifications were lost.
  links[2] = link(kEth2, "eth2", State::kAdminDown);
  fib.reset_interfaces(links, addresses);
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11", "192.168.13.2"}));
}

TEST_F(FibLinkTest, ARefusedRouteIsRetriedWhenItsNextHopsChange) {
  fib.refuse[pfx("10.47.40.1/32")] = EINVAL;
  apply(fib, {route("10.47.40.1/32", {"192.168.12.11", "192.168.13.2"})});
  take();
  EXPECT_FALSE(fib.routes().at(pfx("10.47.40.1/32")).installed);
  fib.refuse.clear();
  down(kEth1, "eth1");
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11"}));
  EXPECT_TRUE(fib.routes().at(pfx("10.47.40.1/32")).installed);
}

// A kernel route (`ip route add ... proto static`): what recursive next hops resolve over.
netlink::Route kernel_route(const char* prefix, std::vector<std::pair<const char*, int>> hops,
                            std::uint8_t protocol = RTPROT_STATIC) {
  netlink::Route r;
  r.prefix = pfx(prefix);
  r.protocol = protocol;
  for (auto [gateway, ifindex] : hops) r.next_hops.push_back(NextHop{ip(gateway), ifindex});
  return r;
}

// zebra's recursive resolution: an iBGP next hop that is on no connected network but on a
// kernel route is installed through that route's gateway and device.
TEST_F(FibLinkTest, ARecursiveNextHopIsInstalledThroughTheKernelRoutesGateway) {
  apply(fib, {route("10.47.41.0/24", {"10.255.0.1"}, Source::kBgp, distance::kIbgp)});
  EXPECT_TRUE(take().empty());
  EXPECT_FALSE(fib.resolved(ip("10.255.0.1")));
  auto loopbacks = kernel_route("10.255.0.0/16", {{"192.168.13.2", kEth1}});
  fib.interface_event(RouteEvent{RouteEvent::Kind::kAdded, loopbacks});
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].op, RouteOp::kReplace);
  EXPECT_EQ(w[0].route.next_hops, (std::vector<NextHop>{NextHop{ip("192.168.13.2"), kEth1}}));
  const Resolution how = fib.resolution(ip("10.255.0.1"));
  EXPECT_TRUE(how.usable && how.recursive());
  EXPECT_EQ(how.route, pfx("10.255.0.0/16"));
  EXPECT_EQ(how.ifindex, kEth1);
  const FibEntry& e = fib.routes().at(pfx("10.47.41.0/24"));
  EXPECT_EQ(gateways(e.routes.front().next_hops), ips({"10.255.0.1"}));  // as BGP gave it
  EXPECT_EQ(gateways(fib.kernel_next_hops(e)), ips({"192.168.13.2"}));
  EXPECT_TRUE(fib.in_kernel(e));

  // The kernel route moves to another gateway (`ip route replace`): so does ours.
  loopbacks.next_hops = {NextHop{ip("192.168.14.2"), kEth2}};
  fib.interface_event(RouteEvent{RouteEvent::Kind::kAdded, loopbacks});
  w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].route.next_hops, (std::vector<NextHop>{NextHop{ip("192.168.14.2"), kEth2}}));
  // Its link goes down (the kernel flushes the route): ours is deleted, and comes back with a
  // kernel route again.
  down(kEth2, "eth2");
  w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].op, RouteOp::kDelete);
  EXPECT_FALSE(fib.resolved(ip("10.255.0.1")));
  up(kEth2, "eth2");
  EXPECT_TRUE(take().empty());
  fib.interface_event(RouteEvent{RouteEvent::Kind::kAdded, loopbacks});
  w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].op, RouteOp::kReplace);
  // Removed by hand: deleted.
  fib.interface_event(RouteEvent{RouteEvent::Kind::kRemoved, loopbacks});
  w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].op, RouteOp::kDelete);
}

TEST_F(FibLinkTest, RecursiveNextHopsMixWithConnectedOnesAndShareTheirGateways) {
  fib.interface_event(RouteEvent{RouteEvent::Kind::kAdded,
                                 kernel_route("10.255.0.0/16", {{"192.168.12.11", kBr0}})});
  // Two loopbacks behind the same router give its gateway once; a connected next hop stays as
  // it is (the kernel picks its device).
  apply(fib, {route("10.47.42.0/24", {"10.255.0.1", "10.255.0.2", "192.168.13.2"}, Source::kBgp,
                    distance::kIbgp)});
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].route.next_hops, (std::vector<NextHop>{NextHop{ip("192.168.12.11"), kBr0},
                                                        NextHop{ip("192.168.13.2"), 0}}));
  // The longer of two kernel routes wins.
  fib.interface_event(RouteEvent{RouteEvent::Kind::kAdded,
                                 kernel_route("10.255.0.2/32", {{"192.168.14.2", kEth2}})});
  w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].route.next_hops, (std::vector<NextHop>{NextHop{ip("192.168.12.11"), kBr0},
                                                        NextHop{ip("192.168.14.2"), kEth2},
                                                        NextHop{ip("192.168.13.2"), 0}}));
}

TEST_F(FibLinkTest, NotOverTheDefaultRouteNorABgpRouteButOverADeviceRoute) {
  apply(fib, {route("10.47.43.0/24", {"10.254.0.5"}, Source::kBgp, distance::kIbgp)});
  fib.interface_event(
      RouteEvent{RouteEvent::Kind::kAdded, kernel_route("0.0.0.0/0", {{"192.168.12.254", kBr0}})});
  fib.interface_event(
      RouteEvent{RouteEvent::Kind::kAdded,
                 kernel_route("10.254.0.0/16", {{"192.168.12.9", kBr0}}, RTPROT_BGP)});
  EXPECT_TRUE(take().empty());
  // `ip route add 10.254.0.0/16 dev eth1`: the next hop itself, over that device.
  netlink::Route device = kernel_route("10.254.0.0/16", {}, RTPROT_BOOT);
  device.device = kEth1;
  device.scope = RT_SCOPE_LINK;
  fib.interface_event(RouteEvent{RouteEvent::Kind::kAdded, device});
  auto w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].route.next_hops, (std::vector<NextHop>{NextHop{ip("10.254.0.5"), kEth1}}));
}

TEST_F(FibLinkTest, ASourceWhoseNextHopsDoNotResolveLeavesThePrefixToTheNext) {
  // A static route over eth1 and BGP's over br0: static is installed; eth1 goes down and BGP's
  // takes over (zebra selects only a route with an active next hop); back up, static again.
  apply(fib, {route("10.47.44.0/24", {"192.168.12.11"}, Source::kBgp, distance::kEbgp),
              route("10.47.44.0/24", {"192.168.13.2"}, Source::kStatic, distance::kStatic)});
  auto w = take();
  ASSERT_FALSE(w.empty());
  EXPECT_EQ(gateways(w.back().route.next_hops), ips({"192.168.13.2"}));
  down(kEth1, "eth1");
  w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].op, RouteOp::kReplace);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.12.11"}));
  EXPECT_EQ(fib.selected(fib.routes().at(pfx("10.47.44.0/24")))->source, Source::kBgp);
  up(kEth1, "eth1");
  w = take();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(gateways(w[0].route.next_hops), ips({"192.168.13.2"}));
}

TEST(FibUntracked, WithoutInterfacesEveryNextHopIsInstalledAndEventsAreIgnored) {
  RecordingFib fib;
  EXPECT_FALSE(fib.tracks_interfaces());
  fib.interface_event(LinkEvent{LinkEvent::Kind::kDown, link(kEth1, "eth1", State::kAdminDown)});
  apply(fib, {route("10.47.40.1/32", {"198.51.100.1", "192.168.13.2"})});
  ASSERT_EQ(fib.written.size(), 1u);
  EXPECT_EQ(gateways(fib.written[0].route.next_hops), ips({"198.51.100.1", "192.168.13.2"}));
  EXPECT_EQ(fib.resolution(ip("192.168.13.2")), (Resolution{true, 0, std::nullopt, {}}));
  fib.interface_event(LinkEvent{LinkEvent::Kind::kDown, link(kEth1, "eth1", State::kAdminDown)});
  EXPECT_EQ(fib.written.size(), 1u);
}

}  // namespace
}  // namespace vipd::fib
