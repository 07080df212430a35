// Prefix lists, per-neighbor policy and roles: parsing, errors, matching (FRR lib/plist.c rules).
#include <gtest/gtest.h>

#include "bgp/config/diff.hpp"
#include "bgp/config/parser.hpp"

namespace vipd::bgp::config {
namespace {

Prefix P(const char* text) {
  return *Prefix::parse(text);
}

BgpConfig parse_ok(const std::string& text) {
  auto c = parse_config(text, "t.conf");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
  return c.ok() ? *c : BgpConfig{};
}

TEST(PrefixList, ExactLengthWithoutGeLe) {
  PrefixListEntry e{5, true, false, P("10.0.0.0/8"), std::nullopt, std::nullopt};
  EXPECT_TRUE(e.matches(P("10.0.0.0/8")));
  EXPECT_FALSE(e.matches(P("10.1.0.0/16")));
  EXPECT_FALSE(e.matches(P("11.0.0.0/8")));
  EXPECT_FALSE(e.matches(P("0.0.0.0/0")));
}

TEST(PrefixList, GeAloneReachesFullLengthLeAloneStartsAtPrefixLength) {
  PrefixListEntry ge{5, true, false, P("10.0.0.0/8"), 24, std::nullopt};
  EXPECT_FALSE(ge.matches(P("10.1.0.0/16")));
  EXPECT_TRUE(ge.matches(P("10.1.2.0/24")));
  EXPECT_TRUE(ge.matches(P("10.1.2.3/32")));
  PrefixListEntry le{5, true, false, P("10.0.0.0/8"), std::nullopt, 16};
  EXPECT_TRUE(le.matches(P("10.0.0.0/8")));
  EXPECT_TRUE(le.matches(P("10.1.0.0/16")));
  EXPECT_FALSE(le.matches(P("10.1.2.0/24")));
  PrefixListEntry v6{5, true, false, P("2001:db8::/32"), 48, 64};
  EXPECT_TRUE(v6.matches(P("2001:db8:1::/48")));
  EXPECT_FALSE(v6.matches(P("2001:db8::/32")));
  EXPECT_FALSE(v6.matches(P("10.0.0.0/8")));  // other family
}

TEST(PrefixList, FirstMatchDecidesNoMatchDeniesEmptyPermits) {
  auto c = parse_ok(
      "ip prefix-list L deny 10.1.0.0/16 le 32\n"
      "ip prefix-list L permit 10.0.0.0/8 le 24\n");
  const PrefixList* l = c.find_prefix_list(AddressFamily::kIpv4Unicast, "L");
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->entries.size(), 2u);
  EXPECT_EQ(l->entries[0].seq, 5u);  // FRR numbers entries 5, 10, ...
  EXPECT_EQ(l->entries[1].seq, 10u);
  EXPECT_FALSE(l->permits(P("10.1.2.0/24")));
  EXPECT_TRUE(l->permits(P("10.2.0.0/16")));
  EXPECT_FALSE(l->permits(P("192.0.2.0/24")));
  PrefixList empty;
  EXPECT_TRUE(empty.permits(P("192.0.2.0/24")));
  EXPECT_EQ(c.find_prefix_list(AddressFamily::kIpv6Unicast, "L"), nullptr);
}

TEST(PrefixList, ExplicitSeqOrdersAndReplacesAndNoRemoves) {
  auto c = parse_ok(
      "ip prefix-list L seq 20 permit any\n"
      "ip prefix-list L seq 10 deny 10.0.0.0/8\n"
      "ip prefix-list L seq 20 deny any\n"
      "ip prefix-list L permit 192.0.2.0/24\n"
      "no ip prefix-list L seq 10\n");
  const PrefixList* l = c.find_prefix_list(AddressFamily::kIpv4Unicast, "L");
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->entries.size(), 2u);
  EXPECT_EQ(l->entries[0].seq, 20u);
  EXPECT_FALSE(l->entries[0].permit);
  EXPECT_EQ(l->entries[1].seq, 25u);
  auto gone = parse_ok("ip prefix-list L permit any\nno ip prefix-list L\n");
  EXPECT_TRUE(gone.prefix_lists.empty());
}

TEST(PrefixList, BadRangeAndUnknownListAreErrorsWithLine) {
  auto bad = parse_config("!\nip prefix-list L permit 10.0.0.0/16 ge 8\n", "p.conf");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 2u);
  EXPECT_NE(bad.error().message.find("Invalid prefix range"), std::string::npos);
  auto le_below_ge = parse_config("ip prefix-list L permit 10.0.0.0/8 ge 24 le 16\n", "p.conf");
  EXPECT_FALSE(le_below_ge.ok());
  auto missing = parse_config("no ip prefix-list NOPE\n", "p.conf");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().line, 1u);
  auto v6_in_v4 = parse_config("ip prefix-list L permit 2001:db8::/32\n", "p.conf");
  EXPECT_FALSE(v6_in_v4.ok());
}

TEST(NeighborPolicy, QuaggaRouterLevelLinesMeanIpv4) {
  auto c = parse_ok(
      "router bgp 65000\n"
      " neighbor 10.0.0.2 remote-as 65000\n"
      " neighbor 10.0.0.2 route-reflector-client\n"
      " neighbor 10.0.0.2 next-hop-self\n"
      " neighbor 10.0.0.3 remote-as 65003\n"
      " neighbor 10.0.0.3 route-server-client\n"
      " neighbor 10.0.0.3 prefix-list IN in\n"
      " neighbor 10.0.0.3 maximum-prefix 100\n");
  const auto& v4 = AddressFamily::kIpv4Unicast;
  const auto* a = c.bgp->find(*IpAddress::parse("10.0.0.2"));
  const auto* b = c.bgp->find(*IpAddress::parse("10.0.0.3"));
  EXPECT_TRUE(a->in(v4).route_reflector_client);
  EXPECT_TRUE(a->in(v4).next_hop_self);
  EXPECT_FALSE(a->in(AddressFamily::kIpv6Unicast).next_hop_self);
  EXPECT_TRUE(b->in(v4).route_server_client);
  EXPECT_EQ(b->in(v4).prefix_list_in, "IN");
  ASSERT_TRUE(b->in(v4).maximum_prefix);
  EXPECT_EQ(b->in(v4).maximum_prefix->limit, 100u);
  EXPECT_FALSE(b->in(v4).maximum_prefix->warning_only);
}

TEST(NeighborPolicy, ReflectorClientMustBeInternal) {
  auto c = parse_config(
      "router bgp 65000\n neighbor 10.0.0.3 remote-as 65003\n"
      " neighbor 10.0.0.3 route-reflector-client\n",
      "rr.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().line, 3u);
  EXPECT_NE(c.error().message.find("Not an internal neighbor"), std::string::npos);
}

TEST(NeighborPolicy, PolicyChangesDoNotResetTheSession) {
  auto before = parse_ok("router bgp 65000\n neighbor 10.0.0.3 remote-as 65003\n");
  auto after = parse_ok(
      "router bgp 65000\n neighbor 10.0.0.3 remote-as 65003\n"
      " neighbor 10.0.0.3 prefix-list OUT out\n neighbor 10.0.0.3 maximum-prefix 5\n");
  auto d = diff(before, after);
  ASSERT_EQ(d.neighbors_changed.size(), 1u);
  EXPECT_FALSE(d.neighbors_changed[0].reset);
  EXPECT_EQ(d.neighbors_changed[0].changed,
            (std::vector<std::string>{"outbound policy", "inbound policy"}));
}

}  // namespace
}  // namespace vipd::bgp::config
