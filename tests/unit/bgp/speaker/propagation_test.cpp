// Route propagation through the Speaker on the simulated clock: what neighbors are sent (RFC 4271
// §9.1.3, §5.1), reflection (RFC 4456), policy, origination, maximum-prefix, ROUTE-REFRESH.
#include <iostream>
#include <map>

#include "bgp/config/render.hpp"

#include "received.hpp"

namespace vipd::bgp::testing {
namespace {

class PropagationTest : public ReceivingTest {
 protected:
  static wire::Message announce(std::vector<Prefix> prefixes, std::uint32_t as = 65001,
                                const char* next_hop = "192.0.2.1") {
    return announce_v4(std::move(prefixes), as, next_hop);
  }
  static wire::Message withdraw(std::vector<Prefix> prefixes) {
    wire::Update u;
    u.withdrawn = std::move(prefixes);
    return u;
  }
  static std::vector<std::uint32_t> as_path(const wire::PathAttributes& a) {
    std::vector<std::uint32_t> out;
    if (a.as_path)
      for (const auto& s : a.as_path->segments) out.insert(out.end(), s.asns.begin(), s.asns.end());
    return out;
  }
};

TEST_F(PropagationTest, EbgpToEbgpPrependsRewritesNextHopAndWithdraws) {
  // B on a subnet of ours (192.168.12.0/24): a third-party next hop there is kept.
  const std::string a = "127.0.0.2", b = "192.168.12.3";
  with_subnet("192.168.12.1", 24);
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002)));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  Received rb;
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24"), pfx("10.1.1.0/24")})));
  // A next hop on the subnet the receiver shares with us goes through unchanged (third party).
  ASSERT_TRUE(ca->send(announce({pfx("10.2.0.0/24")}, 65001, "192.168.12.2")));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 3; })) << rb.routes.size();
  const auto& r = rb.routes[pfx("10.1.0.0/24")];
  EXPECT_EQ(as_path(r), (std::vector<std::uint32_t>{65000, 65001}));
  EXPECT_EQ(r.next_hop, ip("127.0.0.1"));
  EXPECT_FALSE(r.local_pref);
  EXPECT_EQ(rb.routes[pfx("10.2.0.0/24")].next_hop, ip("192.168.12.2"));
  // Both prefixes sharing attributes came in one UPDATE.
  EXPECT_LE(rb.updates, 3u + 1u);  // + End-of-RIB
  // Nothing is sent back to the neighbor it came from.
  Received ra;
  receive_until(
      *ca, ra, [] { return false; }, 300ms);
  EXPECT_TRUE(ra.routes.empty());
  EXPECT_EQ(show("show ip bgp summary json")["ipv4Unicast"]["peers"][b]["pfxSnt"], 3);

  ASSERT_TRUE(ca->send(withdraw({pfx("10.1.0.0/24")})));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 2; }));
  EXPECT_FALSE(rb.routes.contains(pfx("10.1.0.0/24")));
  // The source session ends: everything it gave is withdrawn from the others.
  ca->close();
  ASSERT_TRUE(receive_until(
      *cb, rb, [&] { return rb.routes.empty(); }, 5s));
}

TEST_F(PropagationTest, ANewSessionGetsTheWholeTableThenEndOfRib) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002) +
                   " no bgp network import-check\n"
                   " address-family ipv4 unicast\n  network 198.51.100.0/24\n"
                   " exit-address-family\n"));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  ASSERT_TRUE(ca);
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24")})));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 1; }, 3s));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(cb);
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.end_of_ribs == 1; }));
  ASSERT_EQ(rb.routes.size(), 2u);
  // Our own route: our AS only, our address as next hop.
  EXPECT_EQ(as_path(rb.routes[pfx("198.51.100.0/24")]), (std::vector<std::uint32_t>{65000}));
  EXPECT_EQ(rb.routes[pfx("198.51.100.0/24")].next_hop, ip("127.0.0.1"));
  // `show ip bgp A.B.C.D/M` and `show ip bgp ADDRESS json` (longest match), FRR's layout.
  std::string detail = show_text("show ip bgp 198.51.100.0/24");
  EXPECT_NE(detail.find("BGP routing table entry for 198.51.100.0/24"), std::string::npos)
      << detail;
  EXPECT_NE(detail.find("  Local\n"), std::string::npos) << detail;
  EXPECT_NE(detail.find("weight 32768, valid, sourced, local, best"), std::string::npos) << detail;
  auto j = show("show ip bgp 10.1.0.77 json");
  EXPECT_EQ(j["prefix"], "10.1.0.0/24");
  ASSERT_EQ(j["paths"].size(), 1u);
  EXPECT_EQ(j["paths"][0]["aspath"]["string"], "65001");
  EXPECT_EQ(j["paths"][0]["peer"]["peerId"], a);
  EXPECT_EQ(j["paths"][0]["bestpath"]["overall"], true);
  control::Session session;
  auto missing = tree_.execute(session, "show ip bgp 203.0.113.0/24");
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.output.find("Network not in table"), std::string::npos);
  // ROUTE-REFRESH (RFC 2918): the table again, then End-of-RIB.
  Received again;
  ASSERT_TRUE(cb->send(wire::Message{wire::RouteRefresh{wire::kIpv4Unicast}}));
  ASSERT_TRUE(receive_until(*cb, again, [&] { return again.end_of_ribs == 1; }));
  EXPECT_EQ(again.routes.size(), 2u);
  // `no network`: withdrawn.
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002)));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 1; }));
  EXPECT_TRUE(rb.routes.contains(pfx("10.1.0.0/24")));
}

TEST_F(PropagationTest, IbgpRoutesAreReflectedOnlyWithRouteReflectorClients) {
  const std::string c1 = "127.0.0.2", c2 = "127.0.0.3";
  auto run = [&](bool reflect) {
    std::string body = passive_neighbor(c1, 65000) + passive_neighbor(c2, 65000);
    if (reflect) body += " neighbor " + c1 + " route-reflector-client\n";
    apply(router_bgp(body));
    auto x = establish(c1, peer_open(65000, 0x0a000002));
    auto y = establish(c2, peer_open(65000, 0x0a000003));
    if (!x || !y) return Received{};
    wire::Update u = std::get<wire::Update>(announce({pfx("10.9.0.0/24")}, 0));
    u.attributes.as_path = wire::AsPath{};
    u.attributes.local_pref = 150;
    x->send(wire::Message{u});
    Received ry;
    receive_until(
        *y, ry, [&] { return !ry.routes.empty(); }, 1500ms);
    return ry;
  };
  Received plain = run(false);
  EXPECT_TRUE(plain.routes.empty());  // RFC 4271 §9.2: no iBGP to iBGP
  apply(router_bgp(""));
  Received reflected = run(true);
  ASSERT_EQ(reflected.routes.size(), 1u);
  const auto& r = reflected.routes.begin()->second;
  EXPECT_EQ(r.originator_id, 0x0a000002u);                              // RFC 4456 §8
  EXPECT_EQ(r.cluster_list, (std::vector<std::uint32_t>{0x0a000001}));  // our router-id
  EXPECT_EQ(r.next_hop, ip("192.0.2.1"));                               // unchanged
  EXPECT_EQ(r.local_pref, 150u);
}

TEST_F(PropagationTest, PrefixListsInAndOutApplyLive) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  std::string lists =
      "ip prefix-list IN seq 5 permit 10.0.0.0/8 le 24\n"
      "ip prefix-list OUT seq 5 deny 10.1.1.0/24\n"
      "ip prefix-list OUT seq 10 permit any\n";
  std::string base = passive_neighbor(a, 65001) + passive_neighbor(b, 65002);
  apply(lists + router_bgp(base + " neighbor " + a + " prefix-list IN in\n"));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24"), pfx("10.1.1.0/24"), pfx("192.0.2.0/24")})));
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 2; }));
  EXPECT_FALSE(rb.routes.contains(pfx("192.0.2.0/24")));  // denied inbound
  EXPECT_EQ(prefixes("ipv4Unicast", a), 2);
  // Outbound list added live: 10.1.1.0/24 is withdrawn from b only.
  apply(lists + router_bgp(base + " neighbor " + a + " prefix-list IN in\n neighbor " + b +
                           " prefix-list OUT out\n"));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 1; }));
  EXPECT_TRUE(rb.routes.contains(pfx("10.1.0.0/24")));
  // Inbound list removed live, without soft-reconfiguration inbound: no Adj-RIB-In was kept, so
  // the neighbor is asked for its routes again (RFC 2918), as FRR does, and what it re-sends
  // goes through the new policy.
  EXPECT_EQ(peer(a)->adj_rib_in().count(wire::kIpv4Unicast), 0u);
  apply(lists + router_bgp(base + " neighbor " + b + " prefix-list OUT out\n"));
  Received ra;
  ASSERT_TRUE(receive_until(*ca, ra, [&] { return ra.refreshes == 1; }));
  EXPECT_EQ(prefixes("ipv4Unicast", a), 2);  // unchanged until the neighbor answers
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24"), pfx("10.1.1.0/24"), pfx("192.0.2.0/24")})));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 3; }, 3s));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 2; }));
  EXPECT_TRUE(rb.routes.contains(pfx("192.0.2.0/24")));
}

TEST_F(PropagationTest, EbgpRequiresPolicyBlocksBothWaysUntilAPolicyExists) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  apply(router_bgp(" bgp ebgp-requires-policy\n" + passive_neighbor(a, 65001) +
                   passive_neighbor(b, 65002)));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24")})));
  Received rb;
  receive_until(
      *cb, rb, [] { return false; }, 500ms);
  EXPECT_TRUE(rb.routes.empty());
  EXPECT_EQ(prefixes("ipv4Unicast", a), 0);  // RFC 8212: nothing accepted
}

TEST_F(PropagationTest, MaximumPrefixClosesTheSessionWithCeaseAndData) {
  const std::string a = "127.0.0.2";
  apply(router_bgp(passive_neighbor(a, 65001) + " neighbor " + a + " maximum-prefix 2\n"));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  ASSERT_TRUE(ca);
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24"), pfx("10.1.1.0/24"), pfx("10.1.2.0/24")})));
  auto n = ca->read_notification(3s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kMaxPrefixes);
  // RFC 4486 §4: AFI 1, SAFI 1, limit 2.
  EXPECT_EQ(n->data, (Bytes{0, 1, 1, 0, 0, 0, 2}));
  ASSERT_TRUE(wait_until(
      [&] {
        return show("show ip bgp summary json")["ipv4Unicast"]["peers"][a]["state"] ==
               "Idle (PfxCt)";
      },
      3s));
  EXPECT_EQ(prefixes("ipv4Unicast", a), 0);
}

}  // namespace
}  // namespace vipd::bgp::testing

namespace vipd::bgp::testing {
namespace {

// Routes another module originates (Speaker::originate): per-neighbor advertisements with
// communities and local preference, shown like `network` routes, never in the configuration,
// and withdrawn with their source.
TEST_F(PropagationTest, ModulesOriginateRoutesPerNeighborAndWithdrawThemWithTheirSource) {
  const std::string a = "127.0.0.2", b = "127.0.0.3", i = "127.0.0.4";
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002) +
                   passive_neighbor(i, 65000)));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  auto ci = establish(i, peer_open(65000, 0x0a000004));
  ASSERT_TRUE(ca && cb && ci);
  Received ra, rb, ri;
  ASSERT_TRUE(receive_until(*ca, ra, [&] { return ra.end_of_ribs == 1; }));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.end_of_ribs == 1; }));
  ASSERT_TRUE(receive_until(*ci, ri, [&] { return ri.end_of_ribs == 1; }));

  // Every neighbor with community 65000:100; neighbor a also with 65000:200 (two
  // advertisements reach it: communities merged); the iBGP neighbor with local preference 300.
  Advertisement everyone;
  everyone.communities = {(65000u << 16) | 100};
  everyone.local_preference = 300;
  Advertisement only_a;
  only_a.neighbors = {ip(a)};
  only_a.communities = {(65000u << 16) | 200};
  only_a.large_communities = {wire::LargeCommunity{65000, 1, 2}};
  speaker_->originate("lb", OriginatedRoute{pfx("10.47.40.1/32"), {everyone, only_a}});
  // Advertised to neighbor b only.
  Advertisement only_b;
  only_b.neighbors = {ip(b)};
  speaker_->originate("lb", OriginatedRoute{pfx("10.47.40.2/32"), {only_b}});

  ASSERT_TRUE(receive_until(*ca, ra, [&] { return ra.routes.size() == 1; }));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 2; }));
  ASSERT_TRUE(receive_until(*ci, ri, [&] { return ri.routes.size() == 1; }));
  const auto& at_a = ra.routes[pfx("10.47.40.1/32")];
  EXPECT_EQ(at_a.communities,
            (std::vector<std::uint32_t>{(65000u << 16) | 100, (65000u << 16) | 200}));
  EXPECT_EQ(at_a.large_communities,
            (std::vector<wire::LargeCommunity>{wire::LargeCommunity{65000, 1, 2}}));
  EXPECT_EQ(as_path(at_a), (std::vector<std::uint32_t>{65000}));
  EXPECT_EQ(at_a.next_hop, ip("127.0.0.1"));  // next hop self
  EXPECT_FALSE(at_a.local_pref.has_value());  // RFC 4271 §5.1.5: not to eBGP neighbors
  const auto& at_b = rb.routes[pfx("10.47.40.1/32")];
  EXPECT_EQ(at_b.communities, (std::vector<std::uint32_t>{(65000u << 16) | 100}));
  EXPECT_FALSE(at_b.large_communities.has_value());
  EXPECT_TRUE(rb.routes.contains(pfx("10.47.40.2/32")));
  EXPECT_FALSE(ra.routes.contains(pfx("10.47.40.2/32")));
  EXPECT_EQ(ri.routes[pfx("10.47.40.1/32")].local_pref, 300u);

  // Shown like a `network` route; not part of the configuration.
  std::string detail = show_text("show ip bgp 10.47.40.1/32");
  EXPECT_NE(detail.find("weight 32768, valid, sourced, local, best"), std::string::npos) << detail;
  EXPECT_EQ(config::render_config(speaker_->running()).find("10.47.40"), std::string::npos);

  // Moving the second route from b to a: b is sent the withdrawal, a the route.
  speaker_->originate("lb", OriginatedRoute{pfx("10.47.40.2/32"), {only_a}});
  ASSERT_TRUE(receive_until(*ca, ra, [&] { return ra.routes.size() == 2; }));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 1; }));

  // The module stops: every route of its source leaves every neighbor.
  speaker_->withdraw_source("lb");
  ASSERT_TRUE(receive_until(*ca, ra, [&] { return ra.routes.empty(); }));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.empty(); }));
  ASSERT_TRUE(receive_until(*ci, ri, [&] { return ri.routes.empty(); }));
  control::Session session;
  EXPECT_FALSE(tree_.execute(session, "show ip bgp 10.47.40.1/32").ok);
}

// Issue 15, D5: RFC 4271 §6.3, a next hop that is martian (FRR's set), an address of ours or
// the broadcast address of a connected subnet is ignored: not selected, not installed, not
// advertised; counted and logged once per neighbor. It replaces an earlier good path.
TEST_F(PropagationTest, RoutesWithMartianNextHopsAreIgnored) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  with_subnet("192.168.12.1", 24);
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002) +
                   " address-family ipv6 unicast\n  neighbor " + a + " activate\n  neighbor " + b +
                   " activate\n exit-address-family\n"));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  const Prefix good = pfx("10.9.0.0/24"), replaced = pfx("10.9.1.0/24");
  ASSERT_TRUE(ca->send(announce({good, replaced}, 65001, "192.0.2.1")));
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 2; }));
  // Our own address (session and interface), loopback, 0/8, a subnet's broadcast address.
  const std::vector<std::pair<const char*, const char*>> martians = {
      {"10.9.2.0/24", "127.0.0.1"},
      {"10.9.3.0/24", "192.168.12.1"},
      {"10.9.4.0/24", "127.0.0.5"},
      {"10.9.5.0/24", "0.1.2.3"},
      {"10.9.6.0/24", "192.168.12.255"}};
  for (const auto& [prefix, next_hop] : martians)
    ASSERT_TRUE(ca->send(announce({pfx(prefix)}, 65001, next_hop)));
  // The good path to `replaced` is replaced by a martian one: withdrawn, not kept.
  ASSERT_TRUE(ca->send(announce({replaced}, 65001, "127.0.0.1")));
  // IPv6: ::1, a link-local global next hop, multicast.
  for (const char* next_hop : {"::1", "fe80::1", "ff02::1"}) {
    wire::Update u;
    u.attributes = path();
    u.attributes.mp_reach = wire::MpReach{wire::kIpv6Unicast,       ip(next_hop), std::nullopt,
                                          {pfx("2001:db8:9::/48")}, {},           {}};
    ASSERT_TRUE(ca->send(u));
  }
  ASSERT_TRUE(ca->send(announce({pfx("10.9.7.0/24")}, 65001, "192.0.2.7")));  // a marker
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.contains(pfx("10.9.7.0/24")); }));
  receive_until(
      *cb, rb, [] { return false; }, 300ms);
  EXPECT_EQ(rb.routes.size(), 2u);
  EXPECT_TRUE(rb.routes.contains(good));
  EXPECT_FALSE(rb.routes.contains(replaced));
  for (const auto& [prefix, next_hop] : martians)
    EXPECT_FALSE(rb.routes.contains(pfx(prefix))) << prefix << " via " << next_hop;
  EXPECT_EQ(prefixes("ipv4Unicast", a), 2);  // good and the marker
  EXPECT_EQ(prefixes("ipv6Unicast", a), 0);
  EXPECT_EQ(neighbor_json(a)["martianNextHopRoutesIgnored"], 5 + 1 + 3);
}

TEST_F(PropagationTest, RouteMapsInAndOutApplyLive) {
  // FRR's order: the inbound map after the prefix list (bgp_input_modifier()); the outbound map
  // on the path before our AS is prepended (subgroup_announce_check(), then
  // bgp_packet_attribute()), with a MED it sets kept towards eBGP.
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  std::string maps =
      "ip prefix-list TEN seq 5 permit 10.0.0.0/8 le 24\n"
      "bgp community-list standard DROP permit 65001:666\n"
      "route-map IN deny 5\n match community DROP\n"
      "route-map IN permit 10\n match ip address prefix-list TEN\n"
      " set community 65000:100 additive\n"
      "route-map OUT permit 10\n set as-path prepend 65000 65000\n set metric 7\n";
  // With the Adj-RIB-In kept, a policy change is re-applied without asking the neighbor.
  std::string base = passive_neighbor(a, 65001) + passive_neighbor(b, 65002) + " neighbor " + a +
                     " soft-reconfiguration inbound\n";
  std::string in = " neighbor " + a + " route-map IN in\n";
  apply(maps + router_bgp(base + in + " neighbor " + b + " route-map OUT out\n"));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24"), pfx("192.0.2.0/24")})));
  wire::Update dropped = std::get<wire::Update>(announce({pfx("10.2.0.0/24")}));
  dropped.attributes.communities = {{65001u << 16 | 666}};
  ASSERT_TRUE(ca->send(wire::Message{dropped}));
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 1; }));
  receive_until(
      *cb, rb, [] { return false; }, 300ms);
  ASSERT_EQ(rb.routes.size(), 1u);  // 192.0.2.0/24: implicit deny; 10.2.0.0/24: deny 5
  EXPECT_EQ(prefixes("ipv4Unicast", a), 1);
  const auto& r = rb.routes[pfx("10.1.0.0/24")];
  EXPECT_EQ(as_path(r), (std::vector<std::uint32_t>{65000, 65000, 65000, 65001}));
  EXPECT_EQ(r.med, 7u);
  EXPECT_EQ(r.communities, (std::vector<std::uint32_t>{65000u << 16 | 100}));
  // The outbound map removed live: sent again as the export rules alone make it.
  apply(maps + router_bgp(base + in));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return !rb.routes[pfx("10.1.0.0/24")].med; }));
  EXPECT_EQ(as_path(rb.routes[pfx("10.1.0.0/24")]), (std::vector<std::uint32_t>{65000, 65001}));
  // A map changed live is re-applied to what the neighbor sent (no refresh needed).
  EXPECT_EQ(peer(a)->adj_rib_in().count(wire::kIpv4Unicast), 3u);
  apply(maps + "route-map IN permit 10\n match ip address prefix-list NONE\n" +
        router_bgp(base + in));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 0; }, 3s));
  Received ra;
  receive_until(
      *ca, ra, [] { return false; }, 200ms);
  EXPECT_EQ(ra.refreshes, 0u);
  // FRR: a route-map name without a map denies everything.
  apply(maps + router_bgp(base + " neighbor " + a + " route-map NOPE in\n"));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 0; }, 3s));
  apply(maps + router_bgp(base));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 3; }, 3s));
}

// commands_neighbor_options.cpp on the export side: send-community (FRR 8.4 sends all kinds by
// default), remove-private-AS, applied live without a session reset.
TEST_F(PropagationTest, SendCommunityAndRemovePrivateAsShapeWhatIsSent) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  std::string base = passive_neighbor(a, 65001) + passive_neighbor(b, 65002);
  apply(router_bgp(base));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  wire::Update u = std::get<wire::Update>(announce({pfx("10.1.0.0/24")}));
  u.attributes.as_path->segments[0].asns = {65001, 64600, 3356};
  u.attributes.communities = {{65001u << 16 | 1}};
  u.attributes.large_communities = {{wire::LargeCommunity{65001, 1, 2}}};
  ASSERT_TRUE(ca->send(wire::Message{u}));
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 1; }));
  EXPECT_TRUE(rb.routes[pfx("10.1.0.0/24")].communities);
  EXPECT_TRUE(rb.routes[pfx("10.1.0.0/24")].large_communities);
  apply(router_bgp(base + " no neighbor " + b + " send-community\n"));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return !rb.routes[pfx("10.1.0.0/24")].communities; }));
  EXPECT_TRUE(rb.routes[pfx("10.1.0.0/24")].large_communities);
  apply(router_bgp(base + " no neighbor " + b + " send-community all\n" + " neighbor " + b +
                   " remove-private-AS all\n"));
  ASSERT_TRUE(receive_until(*cb, rb, [&] {
    return as_path(rb.routes[pfx("10.1.0.0/24")]) == std::vector<std::uint32_t>{65000, 3356};
  })) << ::testing::PrintToString(as_path(rb.routes[pfx("10.1.0.0/24")]));
  EXPECT_FALSE(rb.routes[pfx("10.1.0.0/24")].large_communities);
  // as-override: the neighbor's own AS in the path becomes ours.
  apply(router_bgp(base + " neighbor " + b + " as-override\n"));
  u.attributes.as_path->segments[0].asns = {65001, 65002};
  ASSERT_TRUE(ca->send(wire::Message{u}));
  ASSERT_TRUE(receive_until(*cb, rb, [&] {
    return as_path(rb.routes[pfx("10.1.0.0/24")]) ==
           std::vector<std::uint32_t>{65000, 65001, 65000};
  })) << ::testing::PrintToString(as_path(rb.routes[pfx("10.1.0.0/24")]));
  EXPECT_TRUE(established(a) && established(b));
}

// `neighbor A weight N`: the first step of best-path selection (higher wins), shown in `show ip
// bgp`, never sent.
TEST_F(PropagationTest, NeighborWeightWinsBestPathAndIsNotSent) {
  const std::string a = "127.0.0.2", b = "127.0.0.3", c = "127.0.0.4";
  std::string base = passive_neighbor(a, 65001) + passive_neighbor(b, 65002) +
                     passive_neighbor(c, 65003) + " neighbor " + c +
                     " soft-reconfiguration inbound\n";
  apply(router_bgp(base + " neighbor " + c + " weight 100\n"));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  auto cc = establish(c, peer_open(65003, 0x0a000004));
  ASSERT_TRUE(ca && cb && cc);
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24")}, 65001)));
  wire::Update longer = std::get<wire::Update>(announce({pfx("10.1.0.0/24")}, 65003));
  longer.attributes.as_path->segments[0].asns = {65003, 65009, 65010};
  ASSERT_TRUE(cc->send(wire::Message{longer}));
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] {
    return rb.routes.contains(pfx("10.1.0.0/24")) &&
           as_path(rb.routes[pfx("10.1.0.0/24")]).size() == 4;
  }));
  auto j = show("show ip bgp 10.1.0.0/24 json");
  EXPECT_EQ(j["paths"][0]["weight"], 100) << j.dump();
  EXPECT_EQ(j["paths"][0]["bestpath"]["selectionReason"], "Weight") << j.dump();
  EXPECT_NE(show_text("show ip bgp").find("    100 65003 65009 65010 i"), std::string::npos)
      << show_text("show ip bgp");
  // Removed live: the shorter AS path wins again.
  apply(router_bgp(base));
  ASSERT_TRUE(receive_until(*cb, rb, [&] {
    return as_path(rb.routes[pfx("10.1.0.0/24")]) == std::vector<std::uint32_t>{65000, 65001};
  }));
}

// soft-reconfiguration inbound: received-routes as FRR; allowas-in on import.
TEST_F(PropagationTest, ReceivedRoutesAndAllowasIn) {
  const std::string a = "127.0.0.2";
  std::string base = passive_neighbor(a, 65001);
  apply(router_bgp(base));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  ASSERT_TRUE(ca);
  Received ra;  // answers keepalives while waiting
  auto has = [&](long n) {
    return receive_until(*ca, ra, [&] { return prefixes("ipv4Unicast", a) == n; });
  };
  control::Session session;
  auto refused = tree_.execute(session, "show ip bgp neighbors " + a + " received-routes");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.output, "% Inbound soft reconfiguration not enabled");
  EXPECT_EQ(show("show ip bgp neighbors " + a + " received-routes json")["warning"],
            "Inbound soft reconfiguration not enabled");
  wire::Update looped = std::get<wire::Update>(announce({pfx("10.9.0.0/24")}));
  looped.attributes.as_path->segments[0].asns = {65001, 65000, 65007};
  ASSERT_TRUE(ca->send(wire::Message{looped}));
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24")})));
  ASSERT_TRUE(has(1));
  // Our AS once in the path: accepted with allowas-in (default 3). soft-reconfiguration was
  // off, so nothing was kept: turning it on asks the neighbor for its routes (FRR), which fill
  // the Adj-RIB-In and go through the new policy.
  apply(router_bgp(base + " neighbor " + a + " allowas-in\n neighbor " + a +
                   " soft-reconfiguration inbound\n"));
  ASSERT_TRUE(receive_until(*ca, ra, [&] { return ra.refreshes == 1; }));
  ASSERT_TRUE(ca->send(wire::Message{looped}));
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24")})));
  ASSERT_TRUE(has(2));
  std::string text = show_text("show ip bgp neighbors " + a + " received-routes");
  EXPECT_NE(text.find("*> 10.9.0.0/24      192.0.2.1"), std::string::npos) << text;
  EXPECT_NE(text.find("Total number of prefixes 2"), std::string::npos) << text;
  auto j = show("show ip bgp neighbors " + a + " received-routes json");
  EXPECT_EQ(j["receivedRoutes"]["10.1.0.0/24"]["path"], "65001") << j.dump();
  EXPECT_EQ(j["totalPrefixCounter"], 2);
  // allowas-in removed live: the looping route leaves again (re-applied from the Adj-RIB-In).
  apply(router_bgp(base + " neighbor " + a + " soft-reconfiguration inbound\n"));
  ASSERT_TRUE(has(1)) << prefixes("ipv4Unicast", a);
  EXPECT_TRUE(established(a));
}

}  // namespace
}  // namespace vipd::bgp::testing

namespace vipd::bgp::testing {
namespace {

// Issue 15, D1: a neighbor that stops reading. UPDATEs are generated from the Adj-RIB-Out as its
// connection drains, so what waits for it stays under the output limits whatever it sends and
// whatever the other neighbors change; once it reads again it gets the current table.
class StuckNeighborTest : public PropagationTest {
 protected:
  StuckNeighborTest() { output_limits_ = {16 * 1024, 256 * 1024}; }

  const peer::Peer& peer(const std::string& address) const {
    return *speaker_->neighbors().at(ip(address)).peer;
  }
  // Runs the loop for `duration` while the fake peers send KEEPALIVEs (they read nothing), and
  // records the most bytes ever queued for `watched`.
  void run_for(Millis duration, std::initializer_list<FakeConnection*> peers,
               const std::string& watched) {
    auto deadline = clock_.now() + duration;
    while (clock_.now() < deadline) {
      if (clock_.now() >= next_keepalive_) {
        for (auto* c : peers) c->send(wire::Message{wire::Keepalive{}});
        next_keepalive_ = clock_.now() + 500ms;
      }
      step();
      max_queued_ = std::max(max_queued_, peer(watched).output_bytes());
    }
  }
  // An UPDATE of A with AS_PATH 65001 `second`.
  static wire::Message announce_path(std::vector<Prefix> prefixes, std::uint32_t second) {
    wire::Update u = std::get<wire::Update>(announce(std::move(prefixes)));
    u.attributes.as_path =
        wire::AsPath{{wire::AsSegment{wire::SegmentType::kAsSequence, {65001, second}}}};
    return u;
  }
  static std::vector<Prefix> table(std::uint32_t n) {
    std::vector<Prefix> out;
    for (std::uint32_t i = 0; i < n; ++i)
      out.emplace_back(IpAddress::v4(0x0a000000u + (i << 8)), 24);
    return out;
  }

  std::size_t max_queued_ = 0;
  event::TimePoint next_keepalive_{};
};

TEST_F(StuckNeighborTest, QueueStaysBoundedAndTheNeighborGetsTheCurrentTable) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002)));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.end_of_ribs == 1; }));
  cb->stall(true);
  // A's table: 4,000 prefixes in 40 attribute sets (about 18 kB of UPDATEs to B).
  std::map<Prefix, std::uint32_t> expected;  // prefix -> the second AS of its path
  auto send = [&](const std::vector<Prefix>& prefixes, std::uint32_t second) {
    ASSERT_TRUE(ca->send(announce_path(prefixes, second)));
    for (const auto& p : prefixes) expected[p] = second;
  };
  const auto prefixes = table(4000);
  for (std::size_t g = 0; g < 40; ++g)
    send({prefixes.begin() + g * 100, prefixes.begin() + (g + 1) * 100}, 64600 + g);
  run_for(200ms, {ca.get(), cb.get()}, b);
  // B asks for the table 1,500 times (in the issue each request queued the whole table again)
  // while A keeps changing paths: 15,000 changes and 1,075 withdrawals.
  for (std::uint32_t i = 0; i < 1500; ++i) {
    ASSERT_TRUE(cb->send(wire::Message{wire::RouteRefresh{wire::kIpv4Unicast}}));
    std::vector<Prefix> some;
    for (std::uint32_t k = 0; k < 10; ++k) some.push_back(prefixes[(i * 37 + k * 401) % 4000]);
    send(some, 65100 + i % 50);
    if (i % 7 == 0) {
      std::vector<Prefix> gone;
      for (std::uint32_t k = 0; k < 5; ++k) gone.push_back(prefixes[(i * 13 + k * 797) % 4000]);
      ASSERT_TRUE(ca->send(withdraw(gone)));
      for (const auto& p : gone) expected.erase(p);
    }
    run_for(2ms, {ca.get(), cb.get()}, b);
  }
  run_for(1s, {ca.get(), cb.get()}, b);
  EXPECT_TRUE(peer(b).established());
  EXPECT_EQ(neighbor_json(b)["messageStats"]["routeRefreshRecv"], 1500);
  // Flow control held B at the high-water mark and at most one batch past it, far below the cap
  // (the code before issue 15 D1 queued the whole table per request: some 27 MB here).
  EXPECT_GE(max_queued_, output_limits_.high_water);
  EXPECT_LT(max_queued_, output_limits_.high_water + 32 * 1024) << max_queued_;
  std::cout << "most bytes queued for the stuck neighbor: " << max_queued_ << "\n";

  // B reads again: it gets every prefix in its latest state and nothing withdrawn.
  auto current = [&] {
    if (rb.routes.size() != expected.size()) return false;
    for (const auto& [p, second] : expected) {
      auto it = rb.routes.find(p);
      if (it == rb.routes.end() ||
          as_path(it->second) != std::vector<std::uint32_t>{65000, 65001, second})
        return false;
    }
    return true;
  };
  cb->stall(false);
  ASSERT_TRUE(receive_until(*cb, rb, current, 2s)) << rb.routes.size() << " of " << expected.size();
  ca->send(wire::Message{wire::Keepalive{}});
  receive_until(
      *cb, rb, [] { return false; }, 500ms);
  EXPECT_TRUE(current());  // nothing stale came after
  EXPECT_GE(rb.end_of_ribs, 2u);
}

// The hard cap (here below the high-water mark, so that only the cap holds): a neighbor whose
// queue passes it is reset with Cease / Out of Resources (RFC 4486 §4, subcode 8), the
// NOTIFICATION ahead of what was queued.
class OutputCapTest : public StuckNeighborTest {
 protected:
  OutputCapTest() { output_limits_ = {1024 * 1024, 8 * 1024}; }
};

TEST_F(OutputCapTest, PastTheCapTheSessionIsResetWithOutOfResources) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002)));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.end_of_ribs == 1; }));
  cb->stall(true);
  const auto prefixes = table(4000);
  for (std::size_t g = 0; g < 40; ++g)
    ASSERT_TRUE(ca->send(
        announce_path({prefixes.begin() + g * 100, prefixes.begin() + (g + 1) * 100}, 64600 + g)));
  run_for(200ms, {ca.get(), cb.get()}, b);
  EXPECT_FALSE(peer(b).established());
  cb->stall(false);
  auto n = cb->read_notification(2s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, wire::error_code::kCease);
  EXPECT_EQ(n->subcode, wire::cease_subcode::kOutOfResources);
  EXPECT_TRUE(cb->wait_closed(2s));
  EXPECT_EQ(neighbor_json(b)["lastResetDueTo"], "Output queue full (Out of Resources)");
}

}  // namespace
}  // namespace vipd::bgp::testing

namespace vipd::bgp::testing {
namespace {

// `neighbor A default-originate` (FRR's subgroup_default_originate()): the neighbor gets
// 0.0.0.0/0 whatever the Loc-RIB holds, as our own route, past its outbound policy, in place of
// a learned default; `no` gives it the Loc-RIB's default again where the policy permits it.
TEST_F(PropagationTest, DefaultOriginateIsSentPastPolicyAndReplacesTheLearnedDefault) {
  const std::string a = "127.0.0.2", b = "127.0.0.3", i = "127.0.0.4";
  const std::string lists =
      "ip prefix-list NODEFAULT seq 5 deny 0.0.0.0/0\n"
      "ip prefix-list NODEFAULT seq 10 permit any\n";
  const std::string base = passive_neighbor(a, 65001) + passive_neighbor(b, 65002) +
                           passive_neighbor(i, 65000) + " neighbor " + b +
                           " prefix-list NODEFAULT out\n";
  const std::string originate =
      " neighbor " + b + " default-originate\n neighbor " + i + " default-originate\n";
  apply(lists + router_bgp(base + originate));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  auto ci = establish(i, peer_open(65000, 0x0a000004));
  ASSERT_TRUE(ca && cb && ci);
  Received ra, rb, ri;
  const Prefix def = pfx("0.0.0.0/0");
  // Sent with the initial table, though the Loc-RIB has no default.
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.end_of_ribs == 1; }));
  ASSERT_TRUE(rb.routes.contains(def));
  const auto& at_b = rb.routes[def];
  EXPECT_EQ(as_path(at_b), (std::vector<std::uint32_t>{65000}));
  EXPECT_EQ(at_b.next_hop, ip("127.0.0.1"));  // next hop self
  EXPECT_EQ(at_b.origin, wire::Origin::kIgp);
  EXPECT_EQ(at_b.med, 0u);  // FRR sets it
  EXPECT_FALSE(at_b.local_pref);
  ASSERT_TRUE(receive_until(*ci, ri, [&] { return ri.routes.contains(def); }));
  EXPECT_EQ(ri.routes[def].local_pref, 100u);  // RFC 4271 §5.1.5 towards iBGP
  EXPECT_TRUE(as_path(ri.routes[def]).empty());
  EXPECT_EQ(ri.routes[def].next_hop, ip("127.0.0.1"));
  EXPECT_EQ(show("show ip bgp summary json")["ipv4Unicast"]["peers"][b]["pfxSnt"], 1);
  EXPECT_EQ(show("show ip bgp neighbors " + b +
                 " advertised-routes json")["advertisedRoutes"]["0.0.0.0/0"]["path"],
            "65000");

  // A learned default: the others get it, b and i keep the originated one.
  ASSERT_TRUE(ca->send(announce({def, pfx("10.1.0.0/24")})));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 2; }));
  ASSERT_TRUE(receive_until(*ci, ri, [&] { return ri.routes.size() == 2; }));
  receive_until(
      *cb, rb, [] { return false; }, 300ms);
  EXPECT_EQ(as_path(rb.routes[def]), (std::vector<std::uint32_t>{65000}));
  EXPECT_EQ(ri.routes[def].next_hop, ip("127.0.0.1"));
  EXPECT_TRUE(as_path(ri.routes[def]).empty());
  // Session reset and ROUTE-REFRESH: still the originated one.
  ASSERT_TRUE(cb->send(wire::Message{wire::RouteRefresh{wire::kIpv4Unicast}}));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.end_of_ribs == 2; }));
  EXPECT_EQ(as_path(rb.routes[def]), (std::vector<std::uint32_t>{65000}));
  ci->close();
  // Restarts after the IdleHold time (1 s) and accepts the neighbor again.
  ASSERT_TRUE(wait_until([&] { return peer(i)->state() == fsm::State::kActive; }, 5s));
  ci = establish(i, peer_open(65000, 0x0a000004));
  ASSERT_TRUE(ci);
  Received ri2;
  ASSERT_TRUE(receive_until(*ci, ri2, [&] { return ri2.end_of_ribs == 1; }));
  ASSERT_TRUE(ri2.routes.contains(def));
  EXPECT_TRUE(as_path(ri2.routes[def]).empty());

  // `no`: i gets the learned default, b (whose list denies it) a withdrawal.
  apply(lists + router_bgp(base));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return !rb.routes.contains(def); }));
  ASSERT_TRUE(receive_until(*ci, ri2, [&] { return as_path(ri2.routes[def]).size() == 1; }));
  EXPECT_EQ(as_path(ri2.routes[def]), (std::vector<std::uint32_t>{65001}));
  // Without the list b gets the learned one.
  apply(lists + router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002) +
                           passive_neighbor(i, 65000)));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.contains(def); }));
  EXPECT_EQ(as_path(rb.routes[def]), (std::vector<std::uint32_t>{65000, 65001}));
  // And back: the originated one replaces it.
  apply(lists + router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002) +
                           passive_neighbor(i, 65000) + " neighbor " + b + " default-originate\n"));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return as_path(rb.routes[def]).size() == 1; }));
  EXPECT_EQ(rb.routes[def].med, 0u);
  Received none;
  receive_until(
      *ca, none, [] { return false; }, 200ms);
  EXPECT_FALSE(none.routes.contains(def));  // split horizon for the learned one; a has none
}

// The conditional form: the default exists while the map matches a route of the Loc-RIB, and
// the sets of the matching entry shape it; re-evaluated as routes come and go and when the map
// changes.
TEST_F(PropagationTest, ConditionalDefaultOriginateFollowsTheLocRibAndTheMap) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  auto policy = [](const std::string& uplink) {
    return "ip prefix-list UPLINK seq 5 permit " + uplink +
           "\n"
           "route-map HAVE-UPLINK permit 10\n match ip address prefix-list UPLINK\n"
           " set metric 50\n set community 65000:99\n";
  };
  const std::string bgp =
      router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002) + " neighbor " + b +
                 " default-originate route-map HAVE-UPLINK\n");
  apply(policy("203.0.113.0/24") + bgp);
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  Received rb;
  const Prefix def = pfx("0.0.0.0/0");
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.end_of_ribs == 1; }));
  EXPECT_FALSE(rb.routes.contains(def));  // nothing matches yet
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24")})));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 1; }));
  receive_until(
      *cb, rb, [] { return false; }, 300ms);
  EXPECT_FALSE(rb.routes.contains(def));
  // The uplink's route arrives: the default appears, shaped by the entry's sets.
  ASSERT_TRUE(ca->send(announce({pfx("203.0.113.0/24")})));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.contains(def); }));
  EXPECT_EQ(rb.routes[def].med, 50u);
  EXPECT_EQ(rb.routes[def].communities, (std::vector<std::uint32_t>{65000u << 16 | 99}));
  EXPECT_EQ(as_path(rb.routes[def]), (std::vector<std::uint32_t>{65000}));
  EXPECT_EQ(rb.routes[def].next_hop, ip("127.0.0.1"));
  // ... and goes with it.
  ASSERT_TRUE(ca->send(withdraw({pfx("203.0.113.0/24")})));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return !rb.routes.contains(def); }));
  EXPECT_TRUE(rb.routes.contains(pfx("10.1.0.0/24")));
  // The map changed live to match a route that is there: the default comes back.
  apply(policy("10.1.0.0/24") + bgp);
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.contains(def); }));
  // The session to the route's source goes: nothing matches, the default goes.
  ca->close();
  ASSERT_TRUE(receive_until(
      *cb, rb, [&] { return rb.routes.empty(); }, 5s));
}

// Per address family: under `address-family ipv6 unicast` it is ::/0, and IPv4 gets none.
TEST_F(PropagationTest, DefaultOriginateIsPerAddressFamily) {
  const std::string b = "127.0.0.3";
  apply(router_bgp(passive_neighbor(b, 65002) + " address-family ipv6 unicast\n  neighbor " + b +
                   " activate\n  neighbor " + b + " default-originate\n exit-address-family\n"));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(cb);
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.end_of_ribs == 2; }));
  ASSERT_EQ(rb.routes.size(), 1u);
  const auto& r = rb.routes[pfx("::/0")];
  ASSERT_TRUE(r.mp_reach);
  // Ours: the IPv6 address of the session's interface (lo), as for a `network` route.
  EXPECT_EQ(r.mp_reach->next_hop, ip("::1"));
  EXPECT_EQ(as_path(r), (std::vector<std::uint32_t>{65000}));
}

// Update groups (rib/export_group.hpp): neighbors with one outbound map share its evaluation,
// but each still gets its own split horizon, and a map that reads who the receiver is (`match
// peer`) is applied per neighbor.
TEST_F(PropagationTest, UpdateGroupsKeepSplitHorizonAndMatchPeerPerNeighbor) {
  const std::string a = "127.0.0.2", b = "127.0.0.3", c = "127.0.0.4";
  std::string base = passive_neighbor(a, 65001) + passive_neighbor(b, 65002) +
                     passive_neighbor(c, 65003) + " address-family ipv4 unicast\n";
  for (const auto& n : {a, b, c})
    base += "  neighbor " + n + " route-server-client\n  neighbor " + n + " route-map OUT out\n";
  base += " exit-address-family\n";
  const std::string all = "route-map OUT permit 10\n set metric 9\n";
  apply(all + router_bgp(base));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  auto cc = establish(c, peer_open(65003, 0x0a000004));
  ASSERT_TRUE(ca && cb && cc);
  ASSERT_TRUE(ca->send(announce({pfx("10.1.0.0/24")})));
  ASSERT_TRUE(cb->send(announce({pfx("10.2.0.0/24")}, 65002, "192.0.2.2")));
  Received ra, rb, rc;
  ASSERT_TRUE(receive_until(*ca, ra, [&] { return ra.routes.size() == 1; }));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 1; }));
  ASSERT_TRUE(receive_until(*cc, rc, [&] { return rc.routes.size() == 2; }));
  receive_until(
      *ca, ra, [] { return false; }, 300ms);
  EXPECT_EQ(ra.routes.size(), 1u);  // not its own route back
  EXPECT_TRUE(ra.routes.contains(pfx("10.2.0.0/24")));
  EXPECT_TRUE(rb.routes.contains(pfx("10.1.0.0/24")));
  EXPECT_EQ(rc.routes[pfx("10.1.0.0/24")].med, 9u);
  // Only b matches: a and c are withdrawn what they had, b keeps a's route.
  apply("route-map OUT permit 10\n match peer " + b + "\n set metric 8\n" + router_bgp(base));
  ASSERT_TRUE(receive_until(*cc, rc, [&] { return rc.routes.empty(); }));
  ASSERT_TRUE(receive_until(*ca, ra, [&] { return ra.routes.empty(); }));
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes[pfx("10.1.0.0/24")].med == 8u; }));
  EXPECT_EQ(rb.routes.size(), 1u);
}

}  // namespace
}  // namespace vipd::bgp::testing
