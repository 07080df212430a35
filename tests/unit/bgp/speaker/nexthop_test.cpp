// Next-hop reachability through the Speaker (RFC 4271 §9.1.2.1): with a FIB that tracks links
// (a fib::NullFib fed with built links and events), a path whose next hop is on a link that is down
// is kept but not valid: not selected, not installed, not advertised, shown without `*` and as
// "inaccessible"; when the link comes back it is used again.
#include <linux/rtnetlink.h>

#include <map>

#include "fib/fib.hpp"
#include "harness.hpp"

namespace vipd::bgp::testing {
namespace {

constexpr int kBr0 = 2, kEdge = 3;

netlink::Link link(int ifindex, bool up) {
  netlink::Link l;
  l.ifindex = ifindex;
  l.name = ifindex == kBr0 ? "br0" : "edge";
  l.flags = up ? unsigned{IFF_UP} | unsigned{IFF_RUNNING} | netlink::kLinkLowerUp : 0u;
  return l;
}

netlink::InterfaceAddress address(int ifindex, const char* a) {
  netlink::InterfaceAddress out;
  out.ifindex = ifindex;
  out.address = ip(a);
  out.prefix_length = 24;
  return out;
}

class NextHopSpeakerTest : public SpeakerTest {
 protected:
  void SetUp() override {
    SpeakerTest::SetUp();
    // The router's links: br0 with the node 192.168.12.11, edge with the node 192.168.13.11.
    speaker_->set_kernel_fib([this]() -> Result<fib::Fib*, std::string> {
      // The daemon's table, shared by the modules: here a NullFib the test owns.
      table_ = std::make_unique<fib::NullFib>(&clock_);
      std::vector<netlink::Link> links = {link(kBr0, true), link(kEdge, true)};
      std::vector<netlink::InterfaceAddress> addresses = {address(kBr0, "192.168.12.1"),
                                                          address(kEdge, "192.168.13.1")};
      table_->reset_interfaces(links, addresses);
      fib_ = table_.get();
      return table_.get();
    });
  }
  void TearDown() override {
    SpeakerTest::TearDown();  // the speaker leaves the table before it goes
    table_.reset();
  }
  void set_link(int ifindex, bool up) {
    fib_->interface_event(netlink::LinkEvent{
        up ? netlink::LinkEvent::Kind::kUp : netlink::LinkEvent::Kind::kDown, link(ifindex, up)});
  }
  static wire::Message announce(const Prefix& prefix, std::uint32_t as, const char* next_hop) {
    wire::Update u;
    u.attributes = path(as);
    u.attributes.next_hop = ip(next_hop);
    u.nlri = {prefix};
    return u;
  }
  // The first AS after ours in what `c` was last sent for `prefix` (0: withdrawn or not sent).
  std::uint32_t origin_seen(FakeConnection& c, const Prefix& prefix) {
    for (;;) {
      auto m = c.read(Millis(50));
      if (!m) break;
      auto* u = std::get_if<wire::Update>(&*m);
      if (!u) {
        if (std::holds_alternative<wire::Keepalive>(*m)) c.send(wire::Message{wire::Keepalive{}});
        continue;
      }
      for (const auto& p : u->withdrawn)
        if (p == prefix) seen_[prefix] = 0;
      for (const auto& p : u->nlri)
        if (p == prefix && u->attributes.as_path)
          seen_[prefix] = u->attributes.as_path->segments.front().asns.back();
    }
    return seen_[prefix];
  }
  bool wait_origin(FakeConnection& c, const Prefix& prefix, std::uint32_t as) {
    return wait_until([&] { return origin_seen(c, prefix) == as; }, 3s);
  }
  // The installed next hops of `prefix` ("" if none).
  std::string installed(const Prefix& prefix) {
    auto it = speaker_->fib().routes().find(prefix);
    if (it == speaker_->fib().routes().end()) return "";
    std::string out;
    for (const auto& route : it->second.routes)
      for (const auto& hop :
           route.source == fib::Source::kBgp ? route.next_hops : std::vector<fib::NextHop>{})
        out += (out.empty() ? "" : ",") + hop.gateway.to_string();
    return out;
  }

  std::unique_ptr<fib::Fib> table_;
  fib::Fib* fib_ = nullptr;
  std::map<Prefix, std::uint32_t> seen_;
};

TEST_F(NextHopSpeakerTest, BestPathOverALinkThatGoesDownFallsBackAndReturns) {
  const std::string a = "127.0.0.2", b = "127.0.0.3", c = "127.0.0.4";
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65003) +
                   passive_neighbor(c, 65002)));
  ASSERT_EQ(speaker_->fib().reachability() != nullptr, true);
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65003, 0x0a000003));
  auto cc = establish(c, peer_open(65002, 0x0a000004));
  ASSERT_TRUE(ca && cb && cc);
  const Prefix p = pfx("10.47.40.1/32");
  // maximum-paths 1: A (lower router-id) wins while its next hop on br0 resolves.
  ASSERT_TRUE(ca->send(announce(p, 65001, "192.168.12.11")));
  ASSERT_TRUE(cb->send(announce(p, 65003, "192.168.13.11")));
  ASSERT_TRUE(wait_origin(*cc, p, 65001));
  EXPECT_EQ(installed(p), "192.168.12.11");

  set_link(kBr0, false);
  ASSERT_TRUE(wait_origin(*cc, p, 65003));
  EXPECT_EQ(installed(p), "192.168.13.11");
  auto paths = show("show ip bgp json")["routes"][p.to_string()];
  ASSERT_EQ(paths.size(), 2u) << paths.dump();  // A's path is kept
  for (const auto& j : paths) {
    bool from_a = j["peerId"] == a;
    EXPECT_EQ(j["valid"], !from_a) << j.dump();
    EXPECT_EQ(j.value("bestpath", false), !from_a) << j.dump();
  }
  std::string table = show_text("show ip bgp");
  EXPECT_NE(table.find("*> 10.47.40.1/32    192.168.13.11"), std::string::npos) << table;
  EXPECT_NE(table.find("\n                    192.168.12.11"), std::string::npos) << table;
  std::string detail = show_text("show ip bgp 10.47.40.1/32");
  EXPECT_NE(detail.find("    192.168.12.11 (inaccessible) from 127.0.0.2 (10.0.0.2)\n"),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("Origin IGP, invalid, external\n"), std::string::npos) << detail;
  auto detail_json = show("show ip bgp 10.47.40.1/32 json");
  bool inaccessible = false;
  for (const auto& j : detail_json["paths"])
    inaccessible |=
        j["nexthops"][0]["ip"] == "192.168.12.11" && j["nexthops"][0]["accessible"] == false;
  EXPECT_TRUE(inaccessible) << detail_json.dump();
  std::string nexthops = show_text("show ip bgp nexthop");
  EXPECT_NE(nexthops.find(" 192.168.12.11 invalid, #paths 1\n  Must be Connected\n"),
            std::string::npos)
      << nexthops;
  EXPECT_NE(nexthops.find(" 192.168.13.11 valid [IGP metric 0], #paths 1\n  if edge\n"),
            std::string::npos)
      << nexthops;

  set_link(kBr0, true);
  ASSERT_TRUE(wait_origin(*cc, p, 65001));
  EXPECT_EQ(installed(p), "192.168.12.11");

  // Both links down: no usable path, withdrawn from C and from the FIB.
  set_link(kBr0, false);
  set_link(kEdge, false);
  ASSERT_TRUE(wait_origin(*cc, p, 0));
  EXPECT_EQ(installed(p), "");
  EXPECT_EQ(show("show ip bgp json")["routes"][p.to_string()].size(), 2u);
  set_link(kEdge, true);
  ASSERT_TRUE(wait_origin(*cc, p, 65003));
}

TEST_F(NextHopSpeakerTest, AnnouncedOverAnUnreachableNextHopIsNeitherUsedNorAdvertised) {
  const std::string a = "127.0.0.2", c = "127.0.0.4";
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(c, 65002)));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cc = establish(c, peer_open(65002, 0x0a000004));
  ASSERT_TRUE(ca && cc);
  // A single-hop neighbor's next hop must be on a connected network: 10.9.9.9 is on none.
  ASSERT_TRUE(ca->send(announce(pfx("10.47.41.0/24"), 65001, "10.9.9.9")));
  ASSERT_TRUE(ca->send(announce(pfx("10.47.41.1/32"), 65001, "192.168.13.11")));
  ASSERT_TRUE(wait_origin(*cc, pfx("10.47.41.1/32"), 65001));
  EXPECT_EQ(origin_seen(*cc, pfx("10.47.41.0/24")), 0u);
  EXPECT_EQ(installed(pfx("10.47.41.0/24")), "");
  auto paths = show("show ip bgp json")["routes"]["10.47.41.0/24"];
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_FALSE(paths[0]["valid"]);
  // pfxRcd counts it, as FRR's PfxRcd counts the received (accepted) paths.
  EXPECT_EQ(prefixes("ipv4Unicast", a), 2);
  EXPECT_EQ(show("show ip bgp nexthop json")["ipv4"]["10.9.9.9"]["valid"], false);
}

TEST_F(NextHopSpeakerTest, BgpNoRibCountsEveryNextHopAsReachable) {
  const std::string a = "127.0.0.2";
  apply("bgp no-rib\n" + router_bgp(passive_neighbor(a, 65001)));
  EXPECT_EQ(speaker_->fib().reachability(), nullptr);
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  ASSERT_TRUE(ca);
  ASSERT_TRUE(ca->send(announce(pfx("10.47.42.0/24"), 65001, "10.9.9.9")));
  auto valid = [&] {
    auto paths = show("show ip bgp json")["routes"]["10.47.42.0/24"];
    return paths.size() == 1 && paths[0]["valid"] == true;
  };
  ASSERT_TRUE(wait_until(valid, 3s));
  EXPECT_TRUE(show("show ip bgp nexthop json").empty());
  // `no bgp no-rib`: the kernel FIB tracks links, and the path is checked at once.
  apply(router_bgp(passive_neighbor(a, 65001)));
  ASSERT_NE(speaker_->fib().reachability(), nullptr);
  EXPECT_FALSE(show("show ip bgp json")["routes"]["10.47.42.0/24"][0]["valid"]);
}

TEST_F(NextHopSpeakerTest, ShowIpRouteListsEverySourceAndRecursiveNextHops) {
  const std::string a = "127.0.0.2";
  apply(router_bgp(passive_neighbor(a, 65000)));
  auto ca = establish(a, peer_open(65000, 0x0a000002));
  ASSERT_TRUE(ca);
  // The iBGP neighbor's loopback 10.255.0.1 is on no connected network; a static kernel route
  // leads there over br0.
  netlink::Route loopbacks;
  loopbacks.prefix = pfx("10.255.0.0/16");
  loopbacks.protocol = RTPROT_STATIC;
  loopbacks.next_hops = {netlink::NextHop{ip("192.168.12.254"), kBr0}};
  fib_->interface_event(netlink::RouteEvent{netlink::RouteEvent::Kind::kAdded, loopbacks});
  const Prefix p = pfx("10.47.45.0/24");
  wire::Message m = announce(p, 65001, "10.255.0.1");
  std::get<wire::Update>(m).attributes.local_pref = 100;
  ASSERT_TRUE(ca->send(m));
  ASSERT_TRUE(wait_until([&] { return installed(p) == "10.255.0.1"; }, 3s));
  const fib::FibEntry& entry = fib_->routes().at(p);
  EXPECT_EQ(fib_->kernel_next_hops(entry),
            (std::vector<fib::NextHop>{fib::NextHop{ip("192.168.12.254"), kBr0}}));
  std::string text = show_text("show ip route");
  EXPECT_NE(text.find("B>  10.47.45.0/24 [200/0] via 10.255.0.1 (recursive), weight 1, "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n  *                       via 192.168.12.254, "), std::string::npos)
      << text;

  // A static route for the same prefix (distance 1) is installed instead; BGP's is kept, shown
  // without `>`.
  std::vector<fib::Route> routes{fib::Route{
      p, fib::Source::kStatic, fib::distance::kStatic, {fib::NextHop{ip("192.168.13.5")}}}};
  fib_->apply(routes);
  EXPECT_EQ(fib_->kernel_next_hops(entry), (std::vector<fib::NextHop>{{ip("192.168.13.5")}}));
  text = show_text("show ip route");
  EXPECT_NE(text.find("S>* 10.47.45.0/24 [1/0] via 192.168.13.5, "), std::string::npos) << text;
  EXPECT_NE(text.find("B   10.47.45.0/24 [200/0] via 10.255.0.1 (recursive), "), std::string::npos)
      << text;
  auto json = show("show ip route json")[p.to_string()];
  ASSERT_EQ(json.size(), 2u) << json.dump();
  EXPECT_EQ(json[0]["protocol"], "static");
  EXPECT_EQ(json[0]["selected"], true);
  EXPECT_EQ(json[0]["distance"], 1);
  EXPECT_EQ(json[1]["protocol"], "bgp");
  EXPECT_EQ(json[1]["selected"], false);
  EXPECT_EQ(json[1]["nexthops"][0]["recursive"], true);
  EXPECT_EQ(json[1]["nexthops"][1]["resolver"], true);
  EXPECT_EQ(json[1]["nexthops"][1]["ip"], "192.168.12.254");
}

}  // namespace
}  // namespace vipd::bgp::testing
