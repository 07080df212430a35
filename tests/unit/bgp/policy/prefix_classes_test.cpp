// policy::PrefixClasses: a route map's result is the same for every prefix of one class, given
// the same attributes, family and context, so that the Adj-RIB-Out and the import path may
// evaluate it once per (attribute set, class). Checked by evaluating every prefix of a varied
// set and comparing within classes; maps read by the real parser.
#include <gtest/gtest.h>

#include <map>

#include "bgp/config/parser.hpp"
#include "bgp/policy/evaluate.hpp"
#include "policy_test_util.hpp"

namespace vipd::bgp::policy {
namespace {

using test::parse_ok;

// Prefix lists of both families, access lists in both forms, a called map with its own list,
// on-match next and goto, attribute matches and sets that depend on the family.
const char* kPolicy =
    "ip prefix-list BOGONS seq 5 permit 10.0.0.0/8 le 32\n"
    "ip prefix-list BOGONS seq 10 permit 192.168.0.0/16 le 32\n"
    "ip prefix-list LONG seq 5 permit 0.0.0.0/0 ge 25\n"
    "ip prefix-list CUSTOMERS seq 5 permit 198.51.100.0/24 le 28\n"
    "ip prefix-list CUSTOMERS seq 10 deny 203.0.113.0/24 le 32\n"
    "ip prefix-list CUSTOMERS seq 15 permit 203.0.0.0/8 le 24\n"
    "ipv6 prefix-list V6-LONG seq 5 permit ::/0 ge 49\n"
    "ipv6 prefix-list V6-DOC seq 5 permit 2001:db8::/32 le 64\n"
    "access-list EDGE seq 5 deny 100.64.0.0/10\n"
    "access-list EDGE seq 10 permit 100.0.0.0/8\n"
    "access-list 1 permit 172.16.0.0 0.15.255.255\n"
    "ipv6 access-list V6-EDGE seq 5 permit 2001:db8:8000::/33\n"
    "bgp community-list standard TAGGED seq 5 permit 65000:1\n"
    "bgp as-path access-list FROM-2 seq 5 permit _65002$\n"
    "route-map CUST permit 10\n"
    " match ip address prefix-list CUSTOMERS\n"
    " set local-preference 200\n"
    "route-map CUST permit 20\n"
    " match ipv6 address V6-EDGE\n"
    " set metric 7\n"
    "route-map CUST permit 30\n"
    "route-map RM deny 10\n"
    " match ip address prefix-list BOGONS\n"
    "route-map RM deny 20\n"
    " match ip address prefix-list LONG\n"
    "route-map RM deny 25\n"
    " match ipv6 address prefix-list V6-LONG\n"
    "route-map RM permit 30\n"
    " match ip address EDGE\n"
    " match community TAGGED\n"
    " set metric 30\n"
    " on-match next\n"
    "route-map RM permit 40\n"
    " match ip address 1\n"
    " set ip next-hop 192.0.2.99\n"
    " on-match goto 60\n"
    "route-map RM permit 50\n"
    " match as-path FROM-2\n"
    " match ipv6 address prefix-list V6-DOC\n"
    " set ipv6 next-hop global 2001:db8::99\n"
    " set as-path prepend 65000 65000\n"
    "route-map RM permit 60\n"
    " call CUST\n"
    " set community 65000:60 additive\n";

std::vector<Prefix> prefixes() {
  std::vector<Prefix> out;
  // Every /8 to /32 step of a few IPv4 neighbourhoods, and IPv6 ones of every length.
  for (const char* base : {"10.1.2.3", "192.168.7.9", "100.64.1.1", "100.1.1.1", "172.20.0.1",
                           "172.40.0.1", "198.51.100.17", "203.0.113.5", "203.9.9.9", "8.8.8.8"})
    for (std::uint8_t length = 8; length <= 32; length += 3)
      out.emplace_back(*IpAddress::parse(base), length);
  for (const char* base : {"2001:db8:8000::1", "2001:db8:1::1", "2001:db9::1", "2a00:1450::1"})
    for (std::uint8_t length = 16; length <= 128; length += 8)
      out.emplace_back(*IpAddress::parse(base), length);
  return out;
}

std::vector<wire::PathAttributes> attribute_sets() {
  std::vector<wire::PathAttributes> out;
  for (std::uint32_t last : {65002u, 65003u})
    for (bool tagged : {false, true}) {
      wire::PathAttributes a;
      a.origin = wire::Origin::kIgp;
      a.as_path = wire::AsPath{{wire::AsSegment{wire::SegmentType::kAsSequence, {65001, last}}}};
      a.next_hop = *IpAddress::parse("192.0.2.1");
      if (tagged) a.communities = std::vector<std::uint32_t>{65000u << 16 | 1};
      out.push_back(a);
    }
  return out;
}

struct Result {
  Outcome outcome;
  Route route;
  bool operator==(const Result& o) const {
    return outcome == o.outcome &&
           (!outcome.permit || (route.attributes == o.route.attributes &&
                                route.weight == o.route.weight && route.tag == o.route.tag));
  }
};

Result evaluate(const Environment& env, Direction direction, const Prefix& prefix,
                const wire::PathAttributes& attrs) {
  Context ctx;
  ctx.direction = direction;
  ctx.neighbor = *IpAddress::parse("192.0.2.1");
  ctx.local_address = *IpAddress::parse("192.0.2.254");
  Route route{prefix, attrs, 0, 0};
  Outcome o = apply("RM", env, ctx, route);
  return {o, std::move(route)};
}

TEST(PrefixClasses, OneResultPerAttributeSetFamilyAndClass) {
  auto config = parse_ok(kPolicy);
  auto env = config.policy_environment();
  auto classes = PrefixClasses::of("RM", env);
  ASSERT_TRUE(classes);
  // BOGONS, LONG, V6-LONG, EDGE, 1, V6-DOC, and CUST's CUSTOMERS and V6-EDGE.
  EXPECT_EQ(classes->clauses().size(), 8u);
  const auto all = prefixes();
  std::size_t groups = 0, differing_within_attributes = 0;
  for (auto direction : {Direction::kIn, Direction::kOut}) {
    for (const auto& attrs : attribute_sets()) {
      std::map<std::pair<Family, std::uint64_t>, Result> seen;
      std::optional<Result> first;
      for (const auto& prefix : all) {
        Result r = evaluate(env, direction, prefix, attrs);
        if (first && !(r == *first)) ++differing_within_attributes;
        if (!first) first = r;
        auto key = std::make_pair(prefix.family(), classes->classify(env, prefix));
        auto [it, added] = seen.emplace(key, r);
        if (added) continue;
        EXPECT_TRUE(r == it->second) << prefix.to_string() << " class " << key.second;
      }
      groups += seen.size();
    }
  }
  // The prefixes fall in many classes, and the map's answer does depend on the prefix: a
  // classify() that ignored a clause would put differing results in one class.
  EXPECT_GE(groups, 2u * 4u * 8u);
  EXPECT_GT(differing_within_attributes, 0u);
}

TEST(PrefixClasses, ClauseBitsFollowTheLists) {
  auto config = parse_ok(kPolicy);
  auto env = config.policy_environment();
  auto classes = PrefixClasses::of("RM", env);
  ASSERT_TRUE(classes);
  // Bits in the order met: BOGONS, LONG, V6-LONG, EDGE, 1, V6-DOC, CUSTOMERS, V6-EDGE.
  EXPECT_EQ(classes->classify(env, *Prefix::parse("10.0.0.0/24")), 0b1u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("10.0.0.0/30")), 0b11u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("100.1.0.0/16")), 0b1000u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("100.64.0.0/16")), 0u);  // EDGE denies it
  EXPECT_EQ(classes->classify(env, *Prefix::parse("172.31.0.0/16")), 0b10000u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("198.51.100.0/24")), 0b1000000u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("2001:db8:8000::/48")), 0b10100000u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("2001:db8::/48")), 0b100000u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("2001:db8::/56")), 0b100100u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("2001:db8::/64")), 0b100100u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("2001:db8::/96")), 0b100u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("8.8.8.0/24")), 0u);
}

TEST(PrefixClasses, RepeatedClausesAndRecursiveCallsCountOnce) {
  auto config = parse_ok(
      "ip prefix-list A seq 5 permit 10.0.0.0/8 le 32\n"
      "route-map SELF permit 10\n match ip address prefix-list A\n call SELF\n"
      "route-map SELF permit 20\n match ip address prefix-list A\n set metric 1\n"
      "route-map SELF permit 30\n call MISSING\n");
  auto env = config.policy_environment();
  auto classes = PrefixClasses::of("SELF", env);
  ASSERT_TRUE(classes);
  EXPECT_EQ(classes->clauses().size(), 1u);
  EXPECT_EQ(classes->classify(env, *Prefix::parse("10.1.0.0/16")), 1u);
  // A map that does not exist has no clauses: it denies every prefix alike.
  auto none = PrefixClasses::of("NOPE", env);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->clauses().size(), 0u);
}

TEST(PrefixClasses, MoreThanSixtyFourClausesAreNotClassified) {
  std::string text;
  for (int i = 0; i <= 64; ++i) {
    text += "ip prefix-list L" + std::to_string(i) + " seq 5 permit 10." + std::to_string(i) +
            ".0.0/16\n";
    text += "route-map BIG permit " + std::to_string(10 + i) + "\n match ip address prefix-list L" +
            std::to_string(i) + "\n";
  }
  auto config = parse_ok(text);
  auto env = config.policy_environment();
  EXPECT_FALSE(PrefixClasses::of("BIG", env));
  // One fewer fits.
  config.policy.route_maps.front().entries.pop_back();
  auto fits = PrefixClasses::of("BIG", env);
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->clauses().size(), 64u);
  EXPECT_EQ(fits->classify(env, *Prefix::parse("10.63.0.0/16")), std::uint64_t{1} << 63);
}

}  // namespace
}  // namespace vipd::bgp::policy
