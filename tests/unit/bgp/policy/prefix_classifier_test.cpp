// bgp::PrefixClassifier: a route map's prefix clauses bound to their lists once (short lists
// scanned, long ones searched and remembered) give the same class as policy::PrefixClasses
// evaluated through the configuration's environment, for every kind of clause: prefix lists of
// both families, short and long, empty and missing, access lists of both families.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string_view>

#include "bgp/prefix_classifier.hpp"
#include "policy_test_util.hpp"

namespace vipd::bgp {
namespace {

using policy::test::parse_ok;

// A list long enough to be searched by length rather than scanned (PrefixMatcher).
std::string long_list() {
  std::string text;
  for (int i = 0; i < 40; ++i)
    text += "ip prefix-list CUSTOMERS seq " + std::to_string(5 * (i + 1)) +
            (i % 7 == 3 ? " deny " : " permit ") + "100." + std::to_string(i) + ".0.0/16 le " +
            std::to_string(17 + i % 8) + "\n";
  return text;
}

const std::string kPolicy =
    "ip prefix-list BOGONS seq 5 permit 0.0.0.0/8 le 32\n"
    "ip prefix-list BOGONS seq 10 permit 10.0.0.0/8 le 32\n"
    "ip prefix-list BOGONS seq 15 deny 100.64.0.0/16\n"
    "ip prefix-list BOGONS seq 20 permit 100.64.0.0/10 le 32\n"
    "ip prefix-list BOGONS seq 25 permit any\n"
    "ip prefix-list TOO-SPECIFIC seq 5 permit 0.0.0.0/0 ge 25\n"
    "ip prefix-list EXACT seq 5 permit 100.1.0.0/16\n"
    "ip prefix-list EMPTY description nothing in it yet\n"
    "ipv6 prefix-list V6-LONG seq 5 permit ::/0 ge 49\n"
    "ipv6 prefix-list V6-DOC seq 5 permit 2001:db8::/32 le 64\n" +
    long_list() +
    "access-list EDGE seq 5 deny 100.64.0.0/10\n"
    "access-list EDGE seq 10 permit 100.0.0.0/8\n"
    "ipv6 access-list V6-EDGE seq 5 permit 2001:db8:8000::/33\n"
    "route-map RM deny 10\n match ip address prefix-list BOGONS\n"
    "route-map RM deny 20\n match ip address prefix-list TOO-SPECIFIC\n"
    "route-map RM deny 30\n match ipv6 address prefix-list V6-LONG\n"
    "route-map RM permit 40\n match ip address prefix-list EXACT\n"
    "route-map RM permit 50\n match ip address prefix-list EMPTY\n"
    "route-map RM permit 60\n match ip address prefix-list MISSING\n"
    "route-map RM permit 70\n match ipv6 address prefix-list V6-DOC\n"
    "route-map RM permit 80\n match ip address EDGE\n"
    "route-map RM permit 90\n match ipv6 address V6-EDGE\n"
    "route-map RM permit 100\n match ip address NO-SUCH-ACL\n"
    "route-map RM permit 110\n match ip address prefix-list CUSTOMERS\n"
    "route-map SHORT deny 10\n match ip address prefix-list BOGONS\n"
    "route-map SHORT deny 20\n match ip address prefix-list TOO-SPECIFIC\n";

std::vector<Prefix> prefixes() {
  std::mt19937 rng(9);
  std::vector<Prefix> out;
  for (int i = 0; i < 4000; ++i) {
    // Mostly 100/8 (the long list, EDGE, BOGONS' 100.64/10), some anywhere.
    std::uint32_t address = rng();
    if (i % 3 != 0) address = 0x64000000u | (address & 0x003fffffu);
    out.emplace_back(
        IpAddress::v4(
            {static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
             static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)}),
        static_cast<std::uint8_t>(rng() % 33));
  }
  for (const char* base : {"2001:db8:8000::1", "2001:db8:1::1", "2001:db9::1", "::1"})
    for (std::uint8_t length = 0; length <= 128; length += 4)
      out.emplace_back(*IpAddress::parse(base), length);
  return out;
}

TEST(PrefixClassifier, AgreesWithTheClassesThroughTheEnvironment) {
  auto config = std::make_shared<const config::BgpConfig>(parse_ok(kPolicy));
  auto env = config->policy_environment();
  for (const char* map : {"RM", "SHORT"}) {
    auto classes = policy::PrefixClasses::of(map, env);
    ASSERT_TRUE(classes);
    auto classifier = PrefixClassifier::make(config, map);
    ASSERT_TRUE(classifier);
    std::set<std::uint64_t> seen;
    const auto all = prefixes();
    // Twice: the second pass answers RM's prefixes from the memo.
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& p : all) {
        const std::uint64_t want = classes->classify(env, p);
        ASSERT_EQ(classifier->classify(p), want) << map << " " << p.to_string();
        seen.insert(want);
      }
    // The prefixes reach many classes: the comparison is not between zeros.
    EXPECT_GE(seen.size(), std::string_view(map) == "RM" ? 10u : 3u) << map;
  }
}

TEST(PrefixClassifier, MissingMapOrTooManyClauses) {
  auto config = std::make_shared<const config::BgpConfig>(parse_ok(kPolicy));
  auto none = PrefixClassifier::make(config, "NOPE");
  ASSERT_TRUE(none);  // no clauses: every prefix in class 0
  EXPECT_EQ(none->classify(*Prefix::parse("10.0.0.0/8")), 0u);
  EXPECT_FALSE(PrefixClassifier::make(nullptr, "RM"));
}

}  // namespace
}  // namespace vipd::bgp
