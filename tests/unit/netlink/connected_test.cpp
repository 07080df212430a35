// ConnectedNetworks: which link a gateway resolves over, from links, addresses and their events.
#include <gtest/gtest.h>
#include <linux/if_addr.h>

#include "netlink/connected.hpp"

#include "netlink_test_util.hpp"

namespace vipd::netlink {
namespace {

using namespace test;

using Resolution = ConnectedNetworks::Resolution;

Link connected_link(int ifindex, const char* name, bool usable = true) {
  Link l;
  l.ifindex = ifindex;
  l.name = name;
  // Admin up either way: a link without IFF_RUNNING has lost its carrier.
  l.flags = usable ? kUsable : std::uint32_t{IFF_UP};
  l.oper_state = usable ? OperState::kUp : OperState::kLowerLayerDown;
  return l;
}

Event link_event(LinkEvent::Kind kind, const Link& l) {
  return LinkEvent{kind, l};
}

Event address_event(AddressEvent::Kind kind, const InterfaceAddress& a) {
  return AddressEvent{kind, a};
}

TEST(ConnectedNetworks, ResolvesOverTheLongestNetworkOfAUsableLink) {
  ConnectedNetworks c;
  std::vector<Link> links{connected_link(2, "br0"), connected_link(3, "eth1"),
                          connected_link(4, "eth2", false)};
  std::vector<InterfaceAddress> addresses{
      address(2, "192.168.12.1", 24), address(3, "192.168.0.1", 16), address(4, "192.168.13.1", 24),
      address(2, "fd00:12::1", 64)};
  c.reset(links, addresses);
  EXPECT_EQ(c.network_count(), 4u);
  EXPECT_EQ(c.resolve(ip("192.168.12.11")), (Resolution{2, true}));  // /24 beats /16
  EXPECT_EQ(c.resolve(ip("192.168.99.1")), (Resolution{3, true}));
  EXPECT_EQ(c.resolve(ip("fd00:12::11")), (Resolution{2, true}));
  // eth2 has lost its carrier: its /24 does not resolve, the /16 of eth1 does (as the kernel's
  // lookup, which skips the dead connected route).
  EXPECT_EQ(c.resolve(ip("192.168.13.2")), (Resolution{3, true}));
  // No network at all, in either family.
  EXPECT_EQ(c.resolve(ip("198.51.100.1")), (Resolution{}));
  EXPECT_EQ(c.resolve(ip("2001:db8::1")), (Resolution{}));
  EXPECT_EQ(c.link_name(3), "eth1");
  EXPECT_EQ(c.link_name(9), "");
}

TEST(ConnectedNetworks, AGatewayOnADownLinkIsUnresolvedButNamesItsLink) {
  ConnectedNetworks c;
  std::vector<Link> links{connected_link(5, "p-edge", false)};
  std::vector<InterfaceAddress> addresses{address(5, "192.168.13.1", 24)};
  c.reset(links, addresses);
  EXPECT_EQ(c.resolve(ip("192.168.13.2")), (Resolution{5, false}));
  EXPECT_TRUE(c.apply(link_event(LinkEvent::Kind::kUp, connected_link(5, "p-edge"))));
  EXPECT_EQ(c.resolve(ip("192.168.13.2")), (Resolution{5, true}));
  EXPECT_TRUE(c.apply(link_event(LinkEvent::Kind::kDown, connected_link(5, "p-edge", false))));
  EXPECT_EQ(c.resolve(ip("192.168.13.2")), (Resolution{5, false}));
  // Admin down (no IFF_UP at all) is down as well.
  Link admin_down = connected_link(5, "p-edge");
  admin_down.flags = 0;
  EXPECT_FALSE(c.apply(link_event(LinkEvent::Kind::kChanged, admin_down)));
  EXPECT_EQ(c.resolve(ip("192.168.13.2")), (Resolution{5, false}));
}

TEST(ConnectedNetworks, EventsReportWhetherResolutionMayHaveChanged) {
  ConnectedNetworks c;
  std::vector<Link> links{connected_link(2, "br0")};
  c.reset(links, {});
  EXPECT_EQ(c.resolve(ip("192.168.12.11")), (Resolution{}));
  // The same state again, an MTU change, a route event: nothing that resolution depends on.
  EXPECT_FALSE(c.apply(link_event(LinkEvent::Kind::kChanged, connected_link(2, "br0"))));
  EXPECT_FALSE(c.apply(RouteEvent{}));
  EXPECT_FALSE(c.apply(ResyncNeeded{}));
  // Address added (once; the repeat is an update of the same address), then removed.
  auto a = address(2, "192.168.12.1", 24);
  EXPECT_TRUE(c.apply(address_event(AddressEvent::Kind::kAdded, a)));
  EXPECT_FALSE(c.apply(address_event(AddressEvent::Kind::kAdded, a)));
  EXPECT_EQ(c.resolve(ip("192.168.12.11")), (Resolution{2, true}));
  // Removing another prefix length of the same address changes nothing.
  EXPECT_FALSE(
      c.apply(address_event(AddressEvent::Kind::kRemoved, address(2, "192.168.12.1", 16))));
  EXPECT_TRUE(c.apply(address_event(AddressEvent::Kind::kRemoved, a)));
  EXPECT_EQ(c.resolve(ip("192.168.12.11")), (Resolution{}));
  // A new link, then its removal takes its addresses along.
  EXPECT_TRUE(c.apply(link_event(LinkEvent::Kind::kAdded, connected_link(7, "eth7"))));
  EXPECT_TRUE(c.apply(address_event(AddressEvent::Kind::kAdded, address(7, "10.7.0.1", 24))));
  EXPECT_EQ(c.resolve(ip("10.7.0.2")), (Resolution{7, true}));
  EXPECT_TRUE(c.apply(link_event(LinkEvent::Kind::kRemoved, connected_link(7, "eth7"))));
  EXPECT_EQ(c.resolve(ip("10.7.0.2")), (Resolution{}));
  EXPECT_EQ(c.network_count(), 0u);
}

TEST(ConnectedNetworks, PeerAddressesAndAddressesWithoutAConnectedRoute) {
  ConnectedNetworks c;
  std::vector<Link> links{connected_link(3, "tun0"), connected_link(4, "eth4")};
  // Point to point: the connected route is the peer's prefix, not the local address's.
  InterfaceAddress ptp = address(3, "10.255.0.1", 32);
  ptp.peer = ip("10.255.0.2");
  // `noprefixroute`: the kernel adds no connected route; a failed DAD leaves the address unused.
  InterfaceAddress no_route = address(4, "10.4.0.1", 24);
  no_route.flags = IFA_F_NOPREFIXROUTE;
  InterfaceAddress dad_failed = address(4, "2001:db8:4::1", 64);
  dad_failed.flags = IFA_F_DADFAILED;
  std::vector<InterfaceAddress> addresses{ptp, no_route, dad_failed};
  c.reset(links, addresses);
  EXPECT_EQ(c.resolve(ip("10.255.0.2")), (Resolution{3, true}));
  EXPECT_EQ(c.resolve(ip("10.4.0.2")), (Resolution{}));
  EXPECT_EQ(c.resolve(ip("2001:db8:4::2")), (Resolution{}));
  // The address loses `noprefixroute` (an update arrives as kAdded): now it counts; gaining it
  // again removes the network.
  InterfaceAddress with_route = no_route;
  with_route.flags = 0;
  EXPECT_TRUE(c.apply(address_event(AddressEvent::Kind::kAdded, with_route)));
  EXPECT_EQ(c.resolve(ip("10.4.0.2")), (Resolution{4, true}));
  EXPECT_TRUE(c.apply(address_event(AddressEvent::Kind::kAdded, no_route)));
  EXPECT_EQ(c.resolve(ip("10.4.0.2")), (Resolution{}));
}

TEST(ConnectedNetworks, TwoLinksOnOneNetworkPreferTheUsableOne) {
  ConnectedNetworks c;
  std::vector<Link> links{connected_link(2, "eth0", false), connected_link(3, "eth1")};
  std::vector<InterfaceAddress> addresses{address(2, "10.0.0.1", 24), address(3, "10.0.0.2", 24)};
  c.reset(links, addresses);
  EXPECT_EQ(c.resolve(ip("10.0.0.9")), (Resolution{3, true}));
  c.apply(link_event(LinkEvent::Kind::kUp, connected_link(2, "eth0")));
  EXPECT_EQ(c.resolve(ip("10.0.0.9")), (Resolution{2, true}));  // the lower ifindex on a tie
}

}  // namespace
}  // namespace vipd::netlink
