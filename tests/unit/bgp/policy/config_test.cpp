// Policy lines of bgpd.conf/frr.conf: what is accepted, what is refused and why, and how
// `show running-config` writes them back (FRR's forms: explicit `seq`, numbered community lists
// first, `continue N` as `on-match goto N`).
#include <gtest/gtest.h>

#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"
#include "bgp/policy/text.hpp"
#include "policy_test_util.hpp"

namespace vipd::bgp::policy {
namespace {

using test::parse_ok;

std::string error_of(const std::string& text) {
  auto c = config::parse_config(text, "t.conf");
  return c.ok() ? "" : c.error().to_string();
}

// A file in the style of real frr.conf files: comments, several maps, a continue chain,
// quagga's `ip community-list` / `ip as-path access-list`, both access-list styles.
const char* kRealistic = R"(!
! edge router policy
hostname edge1
router bgp 65000
 neighbor 192.0.2.1 remote-as 65001
 neighbor 2001:db8::1 remote-as 65002
 !
 address-family ipv4 unicast
  neighbor 192.0.2.1 route-map FROM-TRANSIT in
  neighbor 192.0.2.1 route-map TO-TRANSIT out
 exit-address-family
 address-family ipv6 unicast
  neighbor 2001:db8::1 activate
  neighbor 2001:db8::1 route-map V6-IN in
 exit-address-family
!
access-list 10 permit 10.0.0.0 0.255.255.255
access-list MGMT seq 5 permit 192.168.0.0/16 exact-match
access-list MGMT seq 10 deny any
ipv6 access-list V6 permit 2001:db8::/32
ip prefix-list OURS seq 5 permit 203.0.113.0/24
ip as-path access-list 1 permit ^$
bgp as-path access-list TRANSIT seq 10 deny _64496_
bgp as-path access-list TRANSIT seq 20 permit .*
ip community-list standard BLACKHOLE permit 65000:666
bgp community-list 100 permit ^65001:
bgp large-community-list standard LC permit 65000:1:1
!
route-map FROM-TRANSIT deny 5
 match as-path TRANSIT
 ! nothing from AS 64496 through this transit
route-map FROM-TRANSIT permit 10
 description tag and prefer
 match community BLACKHOLE
 set community no-export additive
 set local-preference 50
 continue 30
route-map FROM-TRANSIT permit 20
 set local-preference 90
route-map FROM-TRANSIT permit 30
 set comm-list 100 delete
 on-match next
route-map FROM-TRANSIT permit 40
 call COMMON
route-map COMMON permit 10
 set weight 10
route-map TO-TRANSIT permit 10
 match ip address prefix-list OURS
 set as-path prepend 65000 65000
 set metric +10
route-map V6-IN permit 10
 match ipv6 address V6
 set ipv6 next-hop prefer-global
!
line vty
!
)";

TEST(PolicyConfig, RealisticFileLoadsRendersAndReloadsToTheSameResult) {
  auto c = parse_ok(kRealistic);
  EXPECT_EQ(c.policy.route_maps.size(), 4u);
  EXPECT_EQ(c.bgp->neighbors[0].in(config::AddressFamily::kIpv4Unicast).route_map_in,
            "FROM-TRANSIT");
  EXPECT_EQ(c.bgp->neighbors[1].in(config::AddressFamily::kIpv6Unicast).route_map_in, "V6-IN");
  std::string text = config::render_config(c);
  auto again = parse_ok(text);
  EXPECT_EQ(again, c) << text;
  EXPECT_EQ(config::render_config(again), text);
}

TEST(PolicyConfig, RendersInFrrForms) {
  auto c = parse_ok(kRealistic);
  EXPECT_EQ(render_access_lists(c.policy),
            "access-list 10 seq 5 permit 10.0.0.0 0.255.255.255\n"
            "access-list MGMT seq 5 permit 192.168.0.0/16 exact-match\n"
            "access-list MGMT seq 10 deny any\n"
            "ipv6 access-list V6 seq 5 permit 2001:db8::/32\n"
            "!\n");
  EXPECT_EQ(render_bgp_lists(c.policy),
            "bgp as-path access-list 1 seq 5 permit ^$\n"
            "bgp as-path access-list TRANSIT seq 10 deny _64496_\n"
            "bgp as-path access-list TRANSIT seq 20 permit .*\n"
            "bgp community-list 100 seq 5 permit ^65001:\n"
            "bgp community-list standard BLACKHOLE seq 5 permit 65000:666\n"
            "bgp large-community-list standard LC seq 5 permit 65000:1:1\n"
            "!\n");
  // FRR 8.4 sorts an entry's lines (call, description, match, on-match, set; each by text).
  std::string maps = render_route_maps(c.policy);
  EXPECT_NE(maps.find("route-map FROM-TRANSIT permit 10\n"
                      " description tag and prefer\n"
                      " match community BLACKHOLE\n"
                      " on-match goto 30\n"
                      " set community no-export additive\n"
                      " set local-preference 50\n"
                      "exit\n!\n"),
            std::string::npos)
      << maps;
  EXPECT_NE(maps.find(" set as-path prepend 65000 65000\n set metric +10\n"), std::string::npos);
}

TEST(PolicyConfig, CommunityListNumbersStylesAndSequences) {
  // community_list_set(): 1-99 standard, 100-500 expanded, one style per list, auto seq by 5,
  // duplicates ignored (community_list_dup_check()).
  auto c = parse_ok(
      "bgp community-list 1 permit 65000:1\n"
      "bgp community-list 1 permit 65000:1\n"
      "bgp community-list 1 deny 65000:2 65000:1\n"
      "bgp community-list standard S seq 12 permit local-AS\n"
      "bgp community-list standard S permit no-advertise\n");
  const auto* one = c.policy.find_community_list(false, "1");
  ASSERT_TRUE(one);
  ASSERT_EQ(one->entries.size(), 2u);
  EXPECT_EQ(one->entries[1].seq, 10);
  EXPECT_EQ(one->entries[1].communities, (std::vector<std::uint32_t>{0xFDE80001, 0xFDE80002}));
  EXPECT_EQ(c.policy.find_community_list(false, "S")->entries[1].seq, 15);
  EXPECT_NE(error_of("bgp community-list standard X permit 1:1\n"
                     "bgp community-list expanded X permit ^1:\n"),
            "");
  EXPECT_EQ(error_of("bgp community-list standard X permit 1:1\n"
                     "bgp community-list expanded X permit ^1:\n"),
            "t.conf:2: Community name conflict, previously defined as standard community");
  EXPECT_EQ(parse_ok("bgp community-list 150 permit 1:1\n")
                .policy.find_community_list(false, "150")
                ->style,
            ListStyle::kExpanded);  // 100-500 are expanded: `1:1` is a regex
}

TEST(PolicyConfig, RefusesMalformedValuesWithFileAndLine) {
  EXPECT_EQ(error_of("bgp community-list standard X permit 65536:1\n"),
            "t.conf:1: Malformed community-list value");
  EXPECT_EQ(error_of("bgp community-list standard X permit internet\n"),
            "t.conf:1: Malformed community-list value");  // FRR dropped `internet`
  EXPECT_EQ(error_of("\nbgp as-path access-list A permit ^65000_[a-z]\n"),
            "t.conf:2: Invalid character in as-path access-list ^65000_[a-z]");
  EXPECT_EQ(error_of("bgp as-path access-list A permit ^(65000\n"),
            "t.conf:1: can't compile regexp ^(65000");
  // A backreference: glibc's regcomp() takes it, RE2 has none (docs/config-bgp.md).
  EXPECT_EQ(error_of("bgp as-path access-list A permit _(6500[0-9])_\\1_\n"),
            "t.conf:1: can't compile regexp _(6500[0-9])_\\1_");
  EXPECT_EQ(error_of("bgp community-list expanded C permit (65000:1)\\1\n"),
            "t.conf:1: Malformed community-list value");
  EXPECT_EQ(error_of("route-map R permit 10\n set community 1:1 bogus\n"),
            "t.conf:2: Malformed communities attribute '1:1 bogus'");
  EXPECT_EQ(error_of("route-map R permit 10\n set metric rtt\n"),
            "t.conf:2: set metric rtt is not supported by vipd");
  EXPECT_EQ(error_of("route-map R permit 10\n set local-preference x\n"),
            "t.conf:2: Invalid value 'x': expected N, +N or -N (0-4294967295)");
  EXPECT_EQ(error_of("route-map R permit 10\n set as-path prepend 65000 x\n"),
            "t.conf:2: Invalid AS number: x");
}

TEST(PolicyConfig, NoFormsRemoveWhatTheyName) {
  auto c = parse_ok(
      "route-map R permit 10\n match metric 5\n match community C\n set weight 5\n call X\n"
      " on-match next\n description d\n"
      " no match community\n no set weight 5\n no call\n no on-match next\n no description\n"
      "route-map R permit 20\n"
      "route-map S permit 10\n"
      "no route-map S\n"
      "no route-map R permit 20\n");
  ASSERT_EQ(c.policy.route_maps.size(), 1u);
  const auto& e = c.policy.route_maps[0].entries;
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].matches.size(), 1u);
  EXPECT_TRUE(e[0].sets.empty());
  EXPECT_TRUE(e[0].call.empty());
  EXPECT_EQ(e[0].exit, ExitPolicy::kExit);
  EXPECT_TRUE(e[0].description.empty());
}

TEST(PolicyConfig, NeighborRouteMapNeedsTheNeighbor) {
  EXPECT_EQ(error_of("router bgp 1\n neighbor 192.0.2.9 route-map X in\n"),
            "t.conf:2: Specify remote-as or peer-group commands first");
  auto c = parse_ok(
      "router bgp 1\n neighbor 192.0.2.9 remote-as 2\n neighbor 192.0.2.9 route-map X out\n"
      " no neighbor 192.0.2.9 route-map X out\n");
  EXPECT_TRUE(c.bgp->neighbors[0].in(config::AddressFamily::kIpv4Unicast).route_map_out.empty());
}

TEST(PolicyText, CommunitiesParseSortAndName) {
  // community_str2com() / community_str().
  auto v = parse_communities("65000:2 no-export 65000:1 65000:2 blackhole graceful-shutdown");
  ASSERT_TRUE(v);
  EXPECT_EQ(communities_to_string(*v),
            "65000:1 65000:2 graceful-shutdown blackhole no-export");  // numeric order
  EXPECT_EQ(community_to_string(community::kLocalAs), "local-AS");
  EXPECT_EQ(community_to_string(community::kNoPeer), "no-peer");
  for (const char* bad :
       {"", "1", "1:", ":1", "1:2:3", "65536:0", "0:65536", "no-exports", "internet", "1:-1"})
    EXPECT_FALSE(parse_communities(bad)) << bad;
  auto large = parse_large_communities("4200000000:1:2 1:2:3");
  ASSERT_TRUE(large);
  EXPECT_EQ(large_communities_to_string(*large), "1:2:3 4200000000:1:2");
  EXPECT_FALSE(parse_large_communities("1:2"));
}

TEST(PolicyText, AsPathStrings) {
  // aspath_make_str_count().
  using wire::SegmentType;
  wire::AsPath p{{{SegmentType::kConfedSequence, {1, 2}},
                  {SegmentType::kAsSequence, {3, 4}},
                  {SegmentType::kAsSet, {5, 6}},
                  {SegmentType::kConfedSet, {7}}}};
  EXPECT_EQ(as_path_to_string(p), "(1 2) 3 4 {5,6} [7]");
  EXPECT_EQ(as_path_to_string(wire::AsPath{}), "");
}

}  // namespace
}  // namespace vipd::bgp::policy
