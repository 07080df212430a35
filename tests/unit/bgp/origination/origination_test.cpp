// The outbound policy of originated routes (origination.hpp), without sessions.
#include "bgp/origination.hpp"

#include <gtest/gtest.h>

namespace vipd::bgp {
namespace {

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}
Prefix pfx(const char* text) {
  return *Prefix::parse(text);
}
rib::ExportTarget to(const char* address) {
  rib::ExportTarget t;
  t.peer.address = ip(address);
  return t;
}
std::uint32_t community(std::uint16_t as, std::uint16_t value) {
  return (std::uint32_t{as} << 16) | value;
}

TEST(OriginationSource, LocRibAttributesCarryEveryAdvertisementsCommunities) {
  Advertisement a{{}, {community(65000, 2), community(65000, 1)}, {}, 200};
  Advertisement b{{ip("192.0.2.1")}, {community(65000, 1), community(65000, 3)}, {}, 100};
  auto attrs = OriginationSource::attributes(OriginatedRoute{pfx("10.0.0.1/32"), {a, b}});
  EXPECT_EQ(attrs.origin, wire::Origin::kIgp);
  EXPECT_TRUE(attrs.as_path->empty());
  EXPECT_TRUE(attrs.next_hop->is_unspecified());  // next hop self
  EXPECT_EQ(attrs.communities, (std::vector<std::uint32_t>{community(65000, 1), community(65000, 2),
                                                           community(65000, 3)}));
  EXPECT_EQ(attrs.local_pref, 200u);  // the first one given
  auto v6 = OriginationSource::attributes(OriginatedRoute{pfx("2001:db8::1/128"), {a}});
  ASSERT_TRUE(v6.mp_reach.has_value());
  EXPECT_EQ(v6.mp_reach->afi_safi, wire::kIpv6Unicast);
  EXPECT_FALSE(v6.next_hop.has_value());
}

TEST(OriginationSource, ShapeGivesEachNeighborWhatReachesIt) {
  OriginationSource source("lb", 7);
  Advertisement to_one{{ip("192.0.2.1")}, {community(1, 1)}, {wire::LargeCommunity{1, 2, 3}}, {}};
  Advertisement to_two{{ip("192.0.2.1"), ip("192.0.2.2")}, {community(2, 2)}, {}, 150};
  source.set(OriginatedRoute{pfx("10.0.0.1/32"), {to_one, to_two}});
  auto base = OriginationSource::attributes(*source.find(pfx("10.0.0.1/32")));

  auto one = base;
  ASSERT_TRUE(source.shape(wire::kIpv4Unicast, pfx("10.0.0.1/32"), to("192.0.2.1"), one));
  EXPECT_EQ(one.communities, (std::vector<std::uint32_t>{community(1, 1), community(2, 2)}));
  EXPECT_EQ(one.large_communities->size(), 1u);
  EXPECT_EQ(one.local_pref, 150u);

  auto two = base;
  ASSERT_TRUE(source.shape(wire::kIpv4Unicast, pfx("10.0.0.1/32"), to("192.0.2.2"), two));
  EXPECT_EQ(two.communities, (std::vector<std::uint32_t>{community(2, 2)}));
  EXPECT_FALSE(two.large_communities.has_value());

  auto three = base;
  EXPECT_FALSE(source.shape(wire::kIpv4Unicast, pfx("10.0.0.1/32"), to("192.0.2.3"), three));
  auto unknown = base;
  EXPECT_FALSE(source.shape(wire::kIpv4Unicast, pfx("10.0.0.2/32"), to("192.0.2.1"), unknown));
}

TEST(OriginationSource, ReachChangesOnlyWithTheNeighborSets) {
  OriginatedRoute before{pfx("10.0.0.1/32"), {Advertisement{{ip("192.0.2.1")}, {1}, {}, {}}}};
  OriginatedRoute communities_only = before;
  communities_only.advertisements[0].communities = {2};
  EXPECT_FALSE(OriginationSource::reach_changed(before, communities_only));
  OriginatedRoute other_neighbor = before;
  other_neighbor.advertisements[0].neighbors = {ip("192.0.2.2")};
  EXPECT_TRUE(OriginationSource::reach_changed(before, other_neighbor));
  OriginatedRoute everyone = before;
  everyone.advertisements[0].neighbors.clear();
  EXPECT_TRUE(OriginationSource::reach_changed(before, everyone));
}

}  // namespace
}  // namespace vipd::bgp
