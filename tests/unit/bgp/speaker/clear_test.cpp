// `clear ip bgp <*|A> soft [in|out]` and `clear bgp …` (FRR's peer_clear_soft()): sessions
// stay up; `in` re-applies the inbound policy from the Adj-RIB-In where soft-reconfiguration
// inbound keeps one and asks for a ROUTE-REFRESH (RFC 2918) where it does not; `out` sends the
// Adj-RIB-Out again.
#include "received.hpp"

namespace vipd::bgp::testing {
namespace {

class ClearSoftTest : public ReceivingTest {
 protected:
  control::CommandResult run(const std::string& line) {
    control::Session session;
    return tree_.execute(session, line);
  }
  // Runs `line`, which must succeed, then reads what `c` is sent for `ms` milliseconds.
  void clear(const std::string& line, FakeConnection& c, Received& r, Millis ms = 300ms) {
    auto result = run(line);
    EXPECT_TRUE(result.ok) << line << ": " << result.output;
    receive_until(
        c, r, [] { return false; }, ms);
  }
  static wire::Message announce(const char* prefix, const char* next_hop) {
    return announce_v4({pfx(prefix)}, 65001, next_hop);
  }
};

TEST_F(ClearSoftTest, SoftInWithoutSoftReconfigurationAsksForARouteRefresh) {
  const std::string a = "127.0.0.2", b = "127.0.0.3", idle = "127.0.0.4";
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002) +
                   passive_neighbor(idle, 65003)));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  // b cannot refresh: no Route Refresh capability in its OPEN (RFC 2918 §3).
  auto cb = establish(b, wire::make_open(65002, 90, 0x0a000003,
                                         {wire::MultiprotocolCapability{wire::kIpv4Unicast}}));
  ASSERT_TRUE(ca && cb);
  ASSERT_TRUE(ca->send(announce("10.1.0.0/24", "192.0.2.1")));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 1; }, 3s));
  Received ra, rb;
  clear("clear ip bgp " + a + " soft in", *ca, ra);
  EXPECT_EQ(ra.refreshes, 1u);
  EXPECT_TRUE(ra.routes.empty());  // nothing sent out
  clear("clear ip bgp " + a + " in", *ca, ra);
  EXPECT_EQ(ra.refreshes, 2u);
  // `clear bgp` covers both families; a is active in IPv4 unicast only.
  clear("clear bgp " + a + " soft in", *ca, ra);
  EXPECT_EQ(ra.refreshes, 3u);
  EXPECT_EQ(neighbor_json(a)["messageStats"]["routeRefreshSent"], 3) << neighbor_json(a).dump();
  // Neither an Adj-RIB-In nor the capability: FRR's error, and nothing sent; `*` still clears
  // the others (the idle neighbor has no session: nothing to do, no error).
  auto refused = run("clear ip bgp " + b + " soft in");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.output, "% BGP: Inbound soft reconfig for " + b +
                                " not possible as it\n      has neither refresh capability, nor "
                                "inbound soft reconfig");
  refused = run("clear ip bgp * soft in");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.output.find("% BGP: Inbound soft reconfig for " + b), 0u) << refused.output;
  receive_until(
      *ca, ra, [] { return false; }, 300ms);
  EXPECT_EQ(ra.refreshes, 4u);
  receive_until(
      *cb, rb, [] { return false; }, 300ms);
  EXPECT_EQ(rb.refreshes, 0u);
  EXPECT_TRUE(run("clear ip bgp " + idle + " soft").ok);
  // A family the neighbor is not active in, named: FRR's error; an unknown neighbor: vipd's.
  auto inactive = run("clear bgp ipv6 unicast " + a + " soft in");
  EXPECT_FALSE(inactive.ok);
  EXPECT_EQ(inactive.output, "% BGP: Enable IPv6 Unicast address family for the neighbor " + a);
  auto unknown = run("clear ip bgp 127.0.0.9 soft");
  EXPECT_FALSE(unknown.ok);
  EXPECT_EQ(unknown.output, "% No such neighbor 127.0.0.9");
  // Answering the refresh: the routes go through the inbound policy again, the session stays.
  ASSERT_TRUE(ca->send(announce("10.1.0.0/24", "192.0.2.1")));
  pump_for(100ms);
  EXPECT_EQ(prefixes("ipv4Unicast", a), 1);
  EXPECT_EQ(neighbor_json(a)["connectionsEstablished"], 1);
  EXPECT_TRUE(established(a) && established(b));
}

// With soft-reconfiguration inbound the policy is applied again to what the neighbor sent, and
// the neighbor is not asked for anything. What changed here is not configuration (which is
// re-applied by itself) but the router: the next hop of one route became one of its own
// addresses, a route RFC 4271 §6.3 says to ignore.
TEST_F(ClearSoftTest, SoftInWithSoftReconfigurationReappliesFromTheAdjRibIn) {
  const std::string a = "127.0.0.2";
  apply(router_bgp(passive_neighbor(a, 65001) + " neighbor " + a +
                   " soft-reconfiguration inbound\n"));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  ASSERT_TRUE(ca);
  ASSERT_TRUE(ca->send(announce("10.1.0.0/24", "192.0.2.1")));
  ASSERT_TRUE(ca->send(announce("10.2.0.0/24", "192.0.2.9")));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 2; }, 3s));
  with_subnet("192.0.2.1", 24);
  pump_for(100ms);
  EXPECT_EQ(prefixes("ipv4Unicast", a), 2);  // judged when it came
  Received ra;
  clear("clear ip bgp " + a + " soft in", *ca, ra);
  EXPECT_EQ(prefixes("ipv4Unicast", a), 1);
  EXPECT_EQ(ra.refreshes, 0u);
  EXPECT_EQ(show("show ip bgp json")["routes"].count("10.1.0.0/24"), 0u);
  EXPECT_EQ(peer(a)->adj_rib_in().count(wire::kIpv4Unicast), 2u);  // still what it sent
  // `clear bgp A soft`: in and out, still no refresh.
  clear("clear bgp " + a + " soft", *ca, ra);
  EXPECT_EQ(ra.refreshes, 0u);
  EXPECT_EQ(neighbor_json(a)["messageStats"]["routeRefreshSent"], 0);
}

TEST_F(ClearSoftTest, SoftOutSendsTheAdjRibOutAgain) {
  const std::string a = "127.0.0.2", b = "127.0.0.3";
  apply(router_bgp(passive_neighbor(a, 65001) + passive_neighbor(b, 65002)));
  auto ca = establish(a, peer_open(65001, 0x0a000002));
  auto cb = establish(b, peer_open(65002, 0x0a000003));
  ASSERT_TRUE(ca && cb);
  ASSERT_TRUE(ca->send(announce("10.1.0.0/24", "192.0.2.1")));
  Received rb;
  ASSERT_TRUE(receive_until(*cb, rb, [&] { return rb.routes.size() == 1 && rb.end_of_ribs; }));
  const std::size_t updates = rb.updates, eors = rb.end_of_ribs;
  Received ra;
  ASSERT_TRUE(receive_until(*ca, ra, [&] { return ra.end_of_ribs == 1; }));  // its first table
  clear("clear ip bgp " + b + " soft out", *cb, rb);
  // The table again, then End-of-RIB (RFC 4724 §2), as for a ROUTE-REFRESH from b.
  EXPECT_EQ(rb.end_of_ribs, eors + 1);
  EXPECT_GE(rb.updates, updates + 2);
  EXPECT_EQ(rb.routes.size(), 1u);
  EXPECT_EQ(rb.refreshes, 0u);  // `out` alone asks nothing of b
  // `clear ip bgp * out`: every neighbor's table; a's holds nothing but End-of-RIB.
  clear("clear ip bgp * out", *ca, ra);
  EXPECT_EQ(ra.end_of_ribs, 2u);
  EXPECT_TRUE(ra.routes.empty());
  EXPECT_EQ(ra.refreshes, 0u);
  receive_until(
      *cb, rb, [] { return false; }, 300ms);
  EXPECT_EQ(rb.end_of_ribs, eors + 2);
  EXPECT_TRUE(established(a) && established(b));
}

}  // namespace
}  // namespace vipd::bgp::testing
