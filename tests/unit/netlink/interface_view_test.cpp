// InterfaceView: the daemon's one view of links, addresses and kernel routes, fed with dumps and
// events by hand; what subscribers see and when.
#include <gtest/gtest.h>
#include <linux/if_addr.h>

#include <algorithm>
#include <string>
#include <vector>

#include "netlink/interface_view.hpp"

#include "netlink_test_util.hpp"

namespace vipd::netlink {
namespace {

using namespace test;

Link link(int ifindex, const char* name, std::uint32_t flags = kUsable) {
  Link l;
  l.ifindex = ifindex;
  l.name = name;
  l.flags = flags;
  return l;
}

Route route(const char* prefix, const char* gateway, int ifindex, std::uint32_t metric = 0) {
  Route r;
  r.prefix = *Prefix::parse(prefix);
  r.next_hops = {NextHop{*IpAddress::parse(gateway), ifindex}};
  r.protocol = RTPROT_STATIC;
  r.priority = metric;
  return r;
}

// What a subscriber saw, as short strings: "link+ eth0", "addr- 192.0.2.1", "resync", ...
struct Seen {
  std::vector<std::string> events;
  InterfaceView::Callback callback() {
    return [this](const Event& e) {
      if (const auto* l = std::get_if<LinkEvent>(&e)) {
        const char* kinds[] = {"link+ ", "link- ", "up ", "down ", "changed "};
        events.push_back(kinds[static_cast<int>(l->kind)] + l->link.name);
      } else if (const auto* a = std::get_if<AddressEvent>(&e)) {
        events.push_back((a->kind == AddressEvent::Kind::kAdded ? "addr+ " : "addr- ") +
                         a->address.address.to_string());
      } else if (const auto* r = std::get_if<RouteEvent>(&e)) {
        events.push_back((r->kind == RouteEvent::Kind::kAdded ? "route+ " : "route- ") +
                         r->route.prefix.to_string());
      } else {
        events.push_back("resync");
      }
    };
  }
};

TEST(InterfaceView, HoldsTheDumpedLinksAddressesAndEligibleRoutes) {
  InterfaceView view;
  EXPECT_FALSE(view.ready());
  Route bgp = route("10.9.0.0/16", "192.0.2.9", 2);
  bgp.protocol = RTPROT_BGP;  // never resolved over: not kept
  std::vector<Link> links{link(1, "lo", IFF_UP | IFF_RUNNING | IFF_LOOPBACK), link(2, "eth0")};
  std::vector<InterfaceAddress> addresses{address(2, "192.0.2.1", 24), address(1, "127.0.0.1", 8),
                                          address(2, "192.0.2.2", 24), address(2, "fe80::1", 64)};
  std::vector<Route> routes{route("10.1.0.0/16", "192.0.2.254", 2), bgp};
  view.reset(links, addresses, routes);
  EXPECT_TRUE(view.ready());
  ASSERT_NE(view.link("eth0"), nullptr);
  EXPECT_EQ(view.link("eth0")->ifindex, 2);
  EXPECT_EQ(view.link(1)->name, "lo");
  EXPECT_EQ(view.link("eth9"), nullptr);
  // Per link, in the kernel's order.
  ASSERT_EQ(view.addresses(2).size(), 3u);
  EXPECT_EQ(view.addresses(2)[0].address.to_string(), "192.0.2.1");
  EXPECT_EQ(view.addresses(2)[1].address.to_string(), "192.0.2.2");
  EXPECT_TRUE(view.addresses(7).empty());
  EXPECT_EQ(view.link_of(*IpAddress::parse("127.0.0.1")), 1);
  EXPECT_EQ(view.link_of(*IpAddress::parse("192.0.2.3")), std::nullopt);
  EXPECT_EQ(view.address_count(), 4u);
  EXPECT_EQ(view.all_links().size(), 2u);
  EXPECT_EQ(view.all_addresses().size(), 4u);
  ASSERT_EQ(view.all_routes().size(), 1u);
  EXPECT_EQ(view.all_routes()[0].prefix.to_string(), "10.1.0.0/16");
}

TEST(InterfaceView, SubscribersGetEveryEventAfterTheViewAppliedIt) {
  InterfaceView view;
  std::vector<Link> links{link(2, "eth0")};
  view.reset(links, {}, {});
  Seen seen;
  std::vector<bool> had_address;
  auto subscription = view.subscribe([&](const Event& e) {
    seen.callback()(e);
    had_address.push_back(view.link_of(*IpAddress::parse("192.0.2.1")).has_value());
  });
  view.apply(AddressEvent{AddressEvent::Kind::kAdded, address(2, "192.0.2.1", 24)});
  // The same address again (new flags): still one address, and the event still goes out.
  auto tentative = address(2, "192.0.2.1", 24);
  tentative.flags = IFA_F_PERMANENT;
  view.apply(AddressEvent{AddressEvent::Kind::kAdded, tentative});
  EXPECT_EQ(view.addresses(2).size(), 1u);
  EXPECT_EQ(view.addresses(2)[0].flags, std::uint32_t{IFA_F_PERMANENT});
  view.apply(LinkEvent{LinkEvent::Kind::kDown, link(2, "eth0", IFF_UP)});
  EXPECT_FALSE(view.link(2)->usable());
  view.apply(AddressEvent{AddressEvent::Kind::kRemoved, address(2, "192.0.2.1", 24)});
  view.apply(RouteEvent{RouteEvent::Kind::kAdded, route("10.1.0.0/16", "192.0.2.254", 2)});
  EXPECT_EQ(view.route_count(), 1u);
  view.apply(RouteEvent{RouteEvent::Kind::kRemoved, route("10.1.0.0/16", "192.0.2.254", 2)});
  EXPECT_EQ(view.route_count(), 0u);
  // ResyncNeeded is the owner's (it reads the dumps and calls reset()).
  view.apply(ResyncNeeded{});
  EXPECT_EQ(seen.events, (std::vector<std::string>{"addr+ 192.0.2.1", "addr+ 192.0.2.1",
                                                   "down eth0", "addr- 192.0.2.1",
                                                   "route+ 10.1.0.0/16", "route- 10.1.0.0/16"}));
  EXPECT_EQ(had_address, (std::vector<bool>{true, true, true, false, false, false}));
  view.reset(links, {}, {});
  EXPECT_EQ(seen.events.back(), "resync");
  // Unsubscribed: nothing more.
  subscription.reset();
  view.apply(LinkEvent{LinkEvent::Kind::kUp, link(2, "eth0")});
  EXPECT_EQ(seen.events.size(), 7u);
}

TEST(InterfaceView, ARemovedLinkTakesItsAddressesAndRoutesAlong) {
  InterfaceView view;
  std::vector<Link> links{link(2, "eth0"), link(3, "eth1")};
  std::vector<InterfaceAddress> addresses{address(2, "192.0.2.1", 24),
                                          address(3, "198.51.100.1", 24)};
  std::vector<Route> routes{route("10.1.0.0/16", "192.0.2.254", 2),
                            route("10.2.0.0/16", "198.51.100.254", 3)};
  view.reset(links, addresses, routes);
  view.apply(LinkEvent{LinkEvent::Kind::kRemoved, link(2, "eth0")});
  EXPECT_EQ(view.link(2), nullptr);
  EXPECT_TRUE(view.addresses(2).empty());
  EXPECT_EQ(view.link_of(*IpAddress::parse("192.0.2.1")), std::nullopt);
  ASSERT_EQ(view.route_count(), 1u);
  EXPECT_EQ(view.all_routes()[0].prefix.to_string(), "10.2.0.0/16");
  // Admin down: the kernel flushes the IPv4 routes over it without a notification; the view
  // does the same, so that a FIB reset from it later sees what the kernel has.
  view.apply(LinkEvent{LinkEvent::Kind::kDown, link(3, "eth1", 0)});
  EXPECT_EQ(view.route_count(), 0u);
  EXPECT_EQ(view.addresses(3).size(), 1u);  // IPv4 addresses stay on a link that is down
}

TEST(InterfaceView, CallbacksMayUnsubscribeAndSubscribeWhileEventsGoOut) {
  InterfaceView view;
  view.reset({}, {}, {});
  Seen first, second, late;
  InterfaceView::Subscription a, b, c;
  a = view.subscribe([&](const Event& e) {
    first.callback()(e);
    b.reset();  // the second one misses this event already
    if (!c.active()) c = view.subscribe(late.callback());
  });
  b = view.subscribe(second.callback());
  view.apply(LinkEvent{LinkEvent::Kind::kAdded, link(2, "eth0")});
  view.apply(LinkEvent{LinkEvent::Kind::kAdded, link(3, "eth1")});
  EXPECT_EQ(first.events, (std::vector<std::string>{"link+ eth0", "link+ eth1"}));
  EXPECT_TRUE(second.events.empty());
  // Subscribed during the first event: from the next one on.
  EXPECT_EQ(late.events, (std::vector<std::string>{"link+ eth1"}));
  // A subscription outliving its view is harmless.
  auto view2 = std::make_unique<InterfaceView>();
  auto orphan = view2->subscribe(late.callback());
  view2.reset();
  EXPECT_FALSE(orphan.active());
  orphan.reset();
}

}  // namespace
}  // namespace vipd::netlink

namespace vipd::netlink {
namespace {

// `redistribute kernel` reads the routes next hops never resolve over too (the default route,
// blackholes), but never vipd's, the kernel's own or local/broadcast ones; all_routes() stays
// what Reachability takes.
TEST(InterfaceView, KeepsDefaultAndBlackholeRoutesApartFromTheEligibleOnes) {
  InterfaceView view;
  Route gateway = route("10.1.0.0/16", "192.0.2.254", 2);
  Route fallback = route("0.0.0.0/0", "192.0.2.254", 2);
  Route blackhole;
  blackhole.prefix = *Prefix::parse("10.2.0.0/16");
  blackhole.type = RTN_BLACKHOLE;
  blackhole.protocol = RTPROT_BOOT;
  Route own = route("10.3.0.0/16", "192.0.2.254", 2);
  own.protocol = kRouteProtocol;
  Route kernel = route("192.0.2.0/24", "0.0.0.0", 2);
  kernel.protocol = RTPROT_KERNEL;
  Route local = route("10.4.0.1/32", "0.0.0.0", 2);
  local.type = RTN_LOCAL;
  view.reset(std::vector<Link>{link(2, "eth0")}, {},
             std::vector<Route>{gateway, fallback, blackhole, own, kernel, local});
  std::vector<std::string> kept;
  view.for_each_route([&](const Route& r) { kept.push_back(r.prefix.to_string()); });
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<std::string>{"0.0.0.0/0", "10.1.0.0/16", "10.2.0.0/16"}));
  ASSERT_EQ(view.all_routes().size(), 1u);  // only the eligible one
  // Deleted by event, and replaced across the two kinds (unicast -> blackhole).
  view.apply(RouteEvent{RouteEvent::Kind::kRemoved, fallback});
  Route replaced = gateway;
  replaced.type = RTN_BLACKHOLE;
  replaced.next_hops.clear();
  view.apply(RouteEvent{RouteEvent::Kind::kAdded, replaced});
  kept.clear();
  view.for_each_route([&](const Route& r) { kept.push_back(r.prefix.to_string()); });
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<std::string>{"10.1.0.0/16", "10.2.0.0/16"}));
  EXPECT_TRUE(view.all_routes().empty());
}

}  // namespace
}  // namespace vipd::netlink
