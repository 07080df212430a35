// `redistribute`, `network … route-map`, `bgp network import-check` and `table-map` on the
// Speaker, with the interface view fed by hand (what the daemon's netlink monitor feeds it) and
// the simulated clock: kernel routes and addresses appear and go, the Loc-RIB follows.
#include <linux/rtnetlink.h>

#include "bgp/redistribution.hpp"
#include "harness.hpp"

namespace vipd::bgp::testing {
namespace {

constexpr std::uint8_t kBoot = RTPROT_BOOT;      // `ip route add` without `proto`
constexpr std::uint8_t kStatic = RTPROT_STATIC;  // systemd-networkd, NetworkManager
constexpr std::uint8_t kZstatic = 196;           // FRR's staticd
constexpr std::uint8_t kOspf = 188;

netlink::Route kernel_route(const char* prefix, std::uint8_t protocol,
                            const char* gateway = nullptr, std::uint32_t metric = 0) {
  netlink::Route r;
  r.prefix = pfx(prefix);
  r.protocol = protocol;
  r.priority = metric;
  if (gateway)
    r.next_hops.push_back({ip(gateway), 2, 1});
  else
    r.device = 2;
  return r;
}

class RedistributionTest : public SpeakerTest {
 protected:
  void SetUp() override {
    SpeakerTest::SetUp();
    // lo (from the harness) and eth0 192.0.2.100/24, up.
    netlink::Link eth0;
    eth0.ifindex = 2;
    eth0.name = "eth0";
    eth0.flags = IFF_UP | IFF_RUNNING | netlink::kLinkLowerUp;
    auto links = loopback_links();
    links.push_back(eth0);
    auto addresses = loopback_addresses();
    netlink::InterfaceAddress a;
    a.ifindex = 2;
    a.address = ip("192.0.2.100");  // not the fake peer's next hop 192.0.2.1
    a.prefix_length = 24;
    addresses.push_back(a);
    interfaces_.reset(links, addresses);
  }

  void add(const netlink::Route& r) {
    interfaces_.apply(netlink::RouteEvent{netlink::RouteEvent::Kind::kAdded, r});
    pump_for(5ms);
  }
  void remove(const netlink::Route& r) {
    interfaces_.apply(netlink::RouteEvent{netlink::RouteEvent::Kind::kRemoved, r});
    pump_for(5ms);
  }
  // The Loc-RIB's path for `prefix` from `peer`, or nullptr.
  const wire::PathAttributes* path_of(const char* prefix,
                                      rib::PeerId peer = Speaker::kRedistributedPeer) {
    const Prefix p = pfx(prefix);
    const auto family = p.family() == Family::kIpv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    const wire::PathAttributes* found = nullptr;
    speaker_->loc_rib().for_each(family, [&](const Prefix& at, const rib::PathList& paths) {
      if (at != p) return;
      for (const auto& path : paths.paths())
        if (path.peer == peer) found = &*path.attrs;
    });
    return found;
  }
};

TEST_F(RedistributionTest, KernelRouteIsAnnouncedWhileItExists) {
  apply(router_bgp(" redistribute kernel\n"));
  EXPECT_EQ(path_of("10.9.0.0/16"), nullptr);
  auto route = kernel_route("10.9.0.0/16", kBoot, "192.0.2.254", 100);
  add(route);
  const auto* a = path_of("10.9.0.0/16");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->origin, wire::Origin::kIncomplete);
  EXPECT_EQ(a->med, 100u);  // the kernel route's metric, as zebra's
  EXPECT_EQ(a->next_hop, ip("192.0.2.254"));
  EXPECT_TRUE(a->as_path && a->as_path->empty());
  remove(route);
  EXPECT_EQ(path_of("10.9.0.0/16"), nullptr);
}

TEST_F(RedistributionTest, DeviceAndBlackholeRoutesHaveNextHopSelf) {
  apply(router_bgp(" redistribute kernel\n"));
  add(kernel_route("10.10.0.0/16", kBoot));
  auto blackhole = kernel_route("10.11.0.0/16", kBoot);
  blackhole.type = RTN_BLACKHOLE;
  blackhole.device = 0;
  add(blackhole);
  for (const char* p : {"10.10.0.0/16", "10.11.0.0/16"}) {
    const auto* a = path_of(p);
    ASSERT_NE(a, nullptr) << p;
    EXPECT_TRUE(a->next_hop && a->next_hop->is_unspecified()) << p;
  }
}

TEST_F(RedistributionTest, MetricAndRouteMapSetTheAttributes) {
  apply(router_bgp(" redistribute kernel metric 50 route-map RM\n") +
        "ip prefix-list ONLY seq 5 permit 10.9.0.0/16\n"
        "route-map RM permit 10\n match ip address prefix-list ONLY\n"
        " set community 65000:7\n set local-preference 300\n");
  add(kernel_route("10.9.0.0/16", kBoot, "192.0.2.254", 100));
  add(kernel_route("10.12.0.0/16", kBoot, "192.0.2.254", 100));
  const auto* a = path_of("10.9.0.0/16");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->med, 50u);  // `metric 50` over the route's own
  EXPECT_EQ(a->communities, (std::vector<std::uint32_t>{(65000u << 16) | 7}));
  EXPECT_EQ(a->local_pref, 300u);
  EXPECT_EQ(path_of("10.12.0.0/16"), nullptr);  // the map denies it

  // A change of the map applies at once: now it sets the metric and lets everything through.
  apply(router_bgp(" redistribute kernel metric 50 route-map RM\n") +
        "route-map RM permit 10\n set metric 77\n");
  ASSERT_NE(path_of("10.12.0.0/16"), nullptr);
  EXPECT_EQ(path_of("10.9.0.0/16")->med, 77u);
  EXPECT_FALSE(path_of("10.9.0.0/16")->communities.has_value());
  // `no redistribute` withdraws them all.
  apply(router_bgp(""));
  EXPECT_EQ(path_of("10.9.0.0/16"), nullptr);
  EXPECT_EQ(path_of("10.12.0.0/16"), nullptr);
}

TEST_F(RedistributionTest, ProtocolsAreTheTypesZebraMakesOfThem) {
  apply(router_bgp(" redistribute static\n redistribute ospf\n"));
  add(kernel_route("10.1.0.0/16", kBoot, "192.0.2.254"));
  add(kernel_route("10.2.0.0/16", kStatic, "192.0.2.254"));  // zebra: kernel, not static
  add(kernel_route("10.3.0.0/16", kZstatic, "192.0.2.254"));
  add(kernel_route("10.4.0.0/16", kOspf, "192.0.2.254"));
  add(kernel_route("10.5.0.0/16", netlink::kRouteProtocol, "192.0.2.254"));  // vipd's own
  EXPECT_EQ(path_of("10.1.0.0/16"), nullptr);
  EXPECT_EQ(path_of("10.2.0.0/16"), nullptr);
  EXPECT_NE(path_of("10.3.0.0/16"), nullptr);
  EXPECT_NE(path_of("10.4.0.0/16"), nullptr);
  EXPECT_EQ(path_of("10.5.0.0/16"), nullptr);

  apply(router_bgp(" redistribute kernel\n"));
  EXPECT_NE(path_of("10.1.0.0/16"), nullptr);
  EXPECT_NE(path_of("10.2.0.0/16"), nullptr);
  EXPECT_EQ(path_of("10.3.0.0/16"), nullptr);
  EXPECT_EQ(path_of("10.4.0.0/16"), nullptr);
  EXPECT_EQ(path_of("10.5.0.0/16"), nullptr);  // never vipd's own routes
}

TEST_F(RedistributionTest, LocalMulticastAndLinkLocalPrefixesAreNeverRedistributed) {
  apply(router_bgp(" redistribute kernel\n redistribute connected\n"));
  add(kernel_route("169.254.0.0/16", kBoot));
  add(kernel_route("224.0.0.0/4", kBoot));
  add(kernel_route("127.1.0.0/16", kBoot));
  auto local = kernel_route("10.20.0.1/32", kBoot);
  local.type = RTN_LOCAL;
  add(local);
  auto broadcast = kernel_route("10.20.0.255/32", kBoot);
  broadcast.type = RTN_BROADCAST;
  add(broadcast);
  for (const char* p :
       {"169.254.0.0/16", "224.0.0.0/4", "127.1.0.0/16", "10.20.0.1/32", "10.20.0.255/32"})
    EXPECT_EQ(path_of(p), nullptr) << p;
  EXPECT_EQ(path_of("127.0.0.0/8"), nullptr);  // lo's address
  EXPECT_NE(path_of("192.0.2.0/24"), nullptr);
}

TEST_F(RedistributionTest, ConnectedFollowsAddressesAndLinks) {
  apply(router_bgp(" redistribute connected\n") +
        " address-family ipv6 unicast\n  redistribute connected\n exit-address-family\n");
  const auto* a = path_of("192.0.2.0/24");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->med, 0u);
  EXPECT_TRUE(a->next_hop && a->next_hop->is_unspecified());
  netlink::InterfaceAddress v6;
  v6.ifindex = 2;
  v6.address = ip("2001:db8:5::1");
  v6.prefix_length = 64;
  interfaces_.apply(netlink::AddressEvent{netlink::AddressEvent::Kind::kAdded, v6});
  pump_for(5ms);
  EXPECT_NE(path_of("2001:db8:5::/64"), nullptr);
  // The link goes down: its connected routes leave, as zebra's do.
  netlink::Link eth0 = *interfaces_.link(2);
  eth0.flags = 0;
  interfaces_.apply(netlink::LinkEvent{netlink::LinkEvent::Kind::kDown, eth0});
  pump_for(5ms);
  EXPECT_EQ(path_of("192.0.2.0/24"), nullptr);
  EXPECT_EQ(path_of("2001:db8:5::/64"), nullptr);
}

TEST_F(RedistributionTest, NetworkImportCheckFollowsTheKernel) {
  // FRR 8.4's default: on.
  apply(router_bgp(" network 10.30.0.0/16\n network 192.0.2.0/24\n"));
  EXPECT_EQ(path_of("10.30.0.0/16", Speaker::kLocalPeer), nullptr);
  EXPECT_NE(path_of("192.0.2.0/24", Speaker::kLocalPeer), nullptr);  // connected
  auto route = kernel_route("10.30.0.0/16", kBoot, "192.0.2.254");
  add(route);
  ASSERT_NE(path_of("10.30.0.0/16", Speaker::kLocalPeer), nullptr);
  EXPECT_EQ(path_of("10.30.0.0/16", Speaker::kLocalPeer)->origin, wire::Origin::kIgp);
  remove(route);
  EXPECT_EQ(path_of("10.30.0.0/16", Speaker::kLocalPeer), nullptr);
  // A covering route is not enough: the longest match must be the prefix itself.
  add(kernel_route("10.0.0.0/8", kBoot, "192.0.2.254"));
  EXPECT_EQ(path_of("10.30.0.0/16", Speaker::kLocalPeer), nullptr);
  apply(router_bgp(" no bgp network import-check\n network 10.30.0.0/16\n"));
  EXPECT_NE(path_of("10.30.0.0/16", Speaker::kLocalPeer), nullptr);
}

TEST_F(RedistributionTest, NetworkRouteMapSetsOrDenies) {
  const std::string maps =
      "route-map SET permit 10\n set metric 5\n set community 65000:9\n"
      "route-map NO deny 10\n";
  apply(
      router_bgp(" no bgp network import-check\n network 10.40.0.0/16 route-map SET\n"
                 " network 10.41.0.0/16 route-map NO\n network 10.42.0.0/16 route-map MISSING\n") +
      maps);
  const auto* a = path_of("10.40.0.0/16", Speaker::kLocalPeer);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->med, 5u);
  EXPECT_EQ(a->communities, (std::vector<std::uint32_t>{(65000u << 16) | 9}));
  EXPECT_EQ(path_of("10.41.0.0/16", Speaker::kLocalPeer), nullptr);
  EXPECT_EQ(path_of("10.42.0.0/16", Speaker::kLocalPeer), nullptr);  // no such map: deny
  // `network P` again without the map: FRR removes the map.
  apply(router_bgp(" no bgp network import-check\n network 10.41.0.0/16\n") + maps);
  EXPECT_NE(path_of("10.41.0.0/16", Speaker::kLocalPeer), nullptr);
}

TEST_F(RedistributionTest, TableMapDecidesWhatGoesToTheFib) {
  const std::string a = "127.0.0.2";
  const std::string neighbor = passive(a) + " table-map TM\n";
  const std::string deny_ten =
      "ip prefix-list TEN seq 5 permit 10.50.0.0/16\n"
      "route-map TM deny 10\n match ip address prefix-list TEN\n"
      "route-map TM permit 20\n";
  apply(router_bgp(neighbor) + deny_ten);
  auto c = establish(a);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send(announce_v4({pfx("10.50.0.0/16"), pfx("10.51.0.0/16")})));
  auto in_fib = [&](const char* p) {
    auto it = speaker_->fib().routes().find(pfx(p));
    if (it == speaker_->fib().routes().end()) return false;
    for (const auto& r : it->second.routes)
      if (r.source == fib::Source::kBgp && !r.next_hops.empty()) return true;
    return false;
  };
  ASSERT_TRUE(wait_until([&] { return in_fib("10.51.0.0/16"); }, 2s));
  EXPECT_FALSE(in_fib("10.50.0.0/16"));
  EXPECT_NE(path_of("10.50.0.0/16", speaker_->neighbors().at(ip(a)).id), nullptr);  // still best
  // The map changes: applied at once to what is installed.
  apply(router_bgp(neighbor) + "route-map TM permit 10\n set ip next-hop 192.0.2.77\n");
  EXPECT_TRUE(in_fib("10.50.0.0/16"));
  const auto& hops = speaker_->fib().routes().at(pfx("10.50.0.0/16")).routes.front().next_hops;
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops.front().gateway, ip("192.0.2.77"));
  // Without a table-map every best path goes again.
  apply(router_bgp(passive(a)) + deny_ten);
  EXPECT_TRUE(in_fib("10.50.0.0/16"));
  EXPECT_EQ(
      speaker_->fib().routes().at(pfx("10.50.0.0/16")).routes.front().next_hops.front().gateway,
      ip("192.0.2.1"));
}

TEST_F(RedistributionTest, RedistributedRoutesAreNotInstalledByBgp) {
  apply(router_bgp(" redistribute kernel\n"));
  add(kernel_route("10.9.0.0/16", kBoot, "192.0.2.254"));
  ASSERT_NE(path_of("10.9.0.0/16"), nullptr);
  EXPECT_FALSE(speaker_->fib().routes().contains(pfx("10.9.0.0/16")) &&
               !speaker_->fib().routes().at(pfx("10.9.0.0/16")).routes.empty());
}

TEST(RouteTypes, ZebraMapping) {
  EXPECT_EQ(route_type_of(kernel_route("10.0.0.0/8", kBoot)), "kernel");
  EXPECT_EQ(route_type_of(kernel_route("10.0.0.0/8", kStatic)), "kernel");
  EXPECT_EQ(route_type_of(kernel_route("10.0.0.0/8", 16)), "kernel");  // DHCP
  EXPECT_EQ(route_type_of(kernel_route("10.0.0.0/8", kZstatic)), "static");
  EXPECT_EQ(route_type_of(kernel_route("10.0.0.0/8", kOspf)), "ospf");
  EXPECT_EQ(route_type_of(kernel_route("2001:db8::/32", kOspf)), "ospf6");
  EXPECT_EQ(route_type_of(kernel_route("10.0.0.0/8", 187)), "isis");
  EXPECT_EQ(route_type_of(kernel_route("10.0.0.0/8", 42)), "babel");
  EXPECT_FALSE(redistributable(pfx("fe80::/64")));
  EXPECT_FALSE(redistributable(pfx("::1/128")));
  EXPECT_TRUE(redistributable(pfx("0.0.0.0/0")));
  EXPECT_TRUE(redistributable(pfx("2001:db8::/32")));
}

}  // namespace
}  // namespace vipd::bgp::testing
