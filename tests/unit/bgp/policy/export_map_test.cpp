// `neighbor A route-map NAME out` on top of the export rules (src/bgp/route_policy.cpp), in FRR's
// order: the map sees the path before our AS is prepended and before the next hop is rewritten
// (subgroup_announce_check() applies ROUTE_MAP_OUT; bgp_packet_attribute() prepends later).
#include <gtest/gtest.h>

#include "bgp/config/parser.hpp"
#include "bgp/route_policy.hpp"

namespace vipd::bgp {
namespace {

IpAddress A(const char* text) {
  return *IpAddress::parse(text);
}

struct ExportMapTest : ::testing::Test {
  config::BgpConfig config;
  rib::ExportPeer from;
  rib::ExportTarget to;
  rib::ExportContext ctx;
  wire::PathAttributes selected;

  void SetUp() override {
    from.id = 1;
    from.ebgp = true;
    from.address = A("192.0.2.1");
    to.peer.id = 2;
    to.peer.ebgp = true;
    to.peer.address = A("198.51.100.2");
    to.local_v4 = A("198.51.100.1");
    ctx.local_as = 65000;
    selected.origin = wire::Origin::kIgp;
    selected.as_path = wire::AsPath{{{wire::SegmentType::kAsSequence, {65001}}}};
    selected.next_hop = A("192.0.2.1");
    selected.med = 50;
    selected.local_pref = 100;
  }

  // A path from an iBGP route-reflector client to another iBGP neighbor (RFC 4456).
  void reflect() {
    from.ebgp = false;
    from.rr_client = true;
    from.router_id = 0x0a000002;
    to.peer.ebgp = false;
    to.peer.router_id = 0x0a000003;
  }

  // export_path() then the map; nullopt when it denies.
  std::optional<wire::PathAttributes> send(const std::string& maps) {
    auto parsed = config::parse_config(maps, "t.conf");
    EXPECT_TRUE(parsed.ok());
    config = *parsed;
    auto r = rib::export_path(wire::kIpv4Unicast, selected, from, to, ctx);
    if (r.verdict != rib::ExportVerdict::kSent) return std::nullopt;
    if (!apply_export_map("OUT", config.policy_environment(), wire::kIpv4Unicast,
                          *Prefix::parse("10.0.0.0/8"), selected, from, to, ctx, r.attributes))
      return std::nullopt;
    return r.attributes;
  }
};

std::vector<std::uint32_t> flat(const wire::PathAttributes& a) {
  std::vector<std::uint32_t> out;
  for (const auto& s : a.as_path->segments) out.insert(out.end(), s.asns.begin(), s.asns.end());
  return out;
}

TEST_F(ExportMapTest, MapSeesThePathWithoutOurAsAndPrependsGoBehindIt) {
  auto out = send(
      "bgp as-path access-list FIRST permit ^65001$\n"
      "route-map OUT permit 10\n match as-path FIRST\n set as-path prepend 65000 65000\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(flat(*out), (std::vector<std::uint32_t>{65000, 65000, 65000, 65001}));
  EXPECT_EQ(out->next_hop, A("198.51.100.1"));  // eBGP: our address, after the map
}

TEST_F(ExportMapTest, MedSetByTheMapIsSentLocalPreferenceIsNot) {
  auto out = send("route-map OUT permit 10\n set metric 7\n set local-preference 300\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->med, 7u);  // the received MED was removed before the map (RFC 4271 §5.1.4)
  EXPECT_EQ(out->local_pref, std::nullopt);  // RFC 4271 §5.1.5
  auto plain = send("route-map OUT permit 10\n");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->med, std::nullopt);
}

TEST_F(ExportMapTest, NextHopMatchesTheLocRibAndUnchangedKeepsIt) {
  auto out = send(
      "access-list NH permit 192.0.2.1/32\n"
      "route-map OUT permit 10\n match ip next-hop NH\n set ip next-hop unchanged\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->next_hop, A("192.0.2.1"));
  auto set = send("route-map OUT permit 10\n set ip next-hop 203.0.113.5\n");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->next_hop, A("203.0.113.5"));
}

TEST_F(ExportMapTest, DenyAndMissingMapSendNothing) {
  EXPECT_FALSE(send("route-map OUT deny 10\n"));
  EXPECT_FALSE(send("route-map OTHER permit 10\n"));
}

TEST_F(ExportMapTest, ReflectedRoutesOnlyGetTheVerdict) {
  reflect();
  auto out = send("route-map OUT permit 10\n set local-preference 300\n set metric 9\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->local_pref, 100u);
  EXPECT_EQ(out->med, 50u);
  EXPECT_FALSE(send("route-map OUT deny 10\n"));
}

// FRR's `bgp route-reflector allow-outbound-policy`: the set clauses reach reflected paths too.
TEST_F(ExportMapTest, AllowOutboundPolicyLetsTheMapChangeReflectedRoutes) {
  reflect();
  ctx.allow_outbound_policy = true;
  auto out = send("route-map OUT permit 10\n set local-preference 300\n set metric 9\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->local_pref, 300u);
  EXPECT_EQ(out->med, 9u);
  ASSERT_TRUE(out->as_path);
  EXPECT_EQ(flat(*out), (std::vector<std::uint32_t>{65001}));  // iBGP: nothing prepended
  EXPECT_EQ(out->next_hop, A("192.0.2.1"));                    // reflected: next hop kept
}

}  // namespace
}  // namespace vipd::bgp
