#include "bgp/wire/as4.hpp"

#include <gtest/gtest.h>

#include "bgp/wire/update.hpp"
#include "wire_test_util.hpp"

namespace vipd::bgp::wire {
namespace {

using namespace testing;

AsSegment seq(std::vector<std::uint32_t> asns) {
  return {SegmentType::kAsSequence, asns};
}
AsSegment set(std::vector<std::uint32_t> asns) {
  return {SegmentType::kAsSet, asns};
}
AsSegment confed(std::vector<std::uint32_t> asns) {
  return {SegmentType::kConfedSequence, asns};
}
AsPath path(std::vector<AsSegment> s) {
  return AsPath{std::move(s)};
}

// RFC 6793 §4.2.3.
TEST(As4, MergeTakesLeadingHopsFromAsPath) {
  AsPath as_path = path({seq({65001, kAsTrans, kAsTrans, 65002})});
  AsPath as4_path = path({seq({100000, 200000, 65002})});
  EXPECT_EQ(merge_as4_path(as_path, as4_path), path({seq({65001, 100000, 200000, 65002})}));
}

TEST(As4, MergeWithEqualLengthUsesAs4Path) {
  EXPECT_EQ(merge_as4_path(path({seq({kAsTrans, 65002})}), path({seq({100000, 65002})})),
            path({seq({100000, 65002})}));
}

TEST(As4, MergeIgnoresLongerAs4Path) {
  AsPath as_path = path({seq({65001, kAsTrans})});
  EXPECT_EQ(merge_as4_path(as_path, path({seq({1, 2, 3})})), as_path);
}

TEST(As4, MergeCountsAsSetAsOne) {
  AsPath as_path = path({seq({65001, kAsTrans}), set({1, 2})});
  AsPath as4_path = path({seq({100000}), set({1, 2})});
  EXPECT_EQ(merge_as4_path(as_path, as4_path), path({seq({65001, 100000}), set({1, 2})}));
}

TEST(As4, MergeKeepsLeadingConfederationSegments) {
  AsPath as_path = path({confed({64512}), seq({65001, kAsTrans})});
  AsPath as4_path = path({seq({100000})});
  EXPECT_EQ(merge_as4_path(as_path, as4_path), path({confed({64512}), seq({65001, 100000})}));
  // Nothing to take: confederation segments are still kept.
  EXPECT_EQ(merge_as4_path(path({confed({64512}), seq({kAsTrans})}), path({seq({100000})})),
            path({confed({64512}), seq({100000})}));
}

TEST(As4, ReconstructReplacesAggregatorWhenAsTrans) {
  PathAttributes a;
  a.as_path = path({seq({65001, kAsTrans})});
  a.as4_path = path({seq({100000})});
  a.aggregator = Aggregator{kAsTrans, v4("192.0.2.1")};
  a.as4_aggregator = Aggregator{100000, v4("192.0.2.1")};
  PathAttributes r = reconstruct_as4(a);
  EXPECT_EQ(r.as_path, path({seq({65001, 100000})}));
  EXPECT_EQ(r.aggregator, (Aggregator{100000, v4("192.0.2.1")}));
  EXPECT_FALSE(r.as4_path);
  EXPECT_FALSE(r.as4_aggregator);
}

TEST(As4, ReconstructIgnoresAs4WhenAggregatorIsNotAsTrans) {
  PathAttributes a;
  a.as_path = path({seq({65001, kAsTrans})});
  a.as4_path = path({seq({100000})});
  a.aggregator = Aggregator{65005, v4("192.0.2.1")};
  a.as4_aggregator = Aggregator{100000, v4("192.0.2.1")};
  PathAttributes r = reconstruct_as4(a);
  EXPECT_EQ(r.as_path, a.as_path);
  EXPECT_EQ(r.aggregator, a.aggregator);
  EXPECT_FALSE(r.as4_path);
}

TEST(As4, ReconstructWithoutAs4AttributesIsIdentity) {
  PathAttributes a;
  a.as_path = path({seq({65001})});
  EXPECT_EQ(reconstruct_as4(a), a);
}

// RFC 6793 §4.2.2.
TEST(As4, PrepareForTwoOctetPeer) {
  PathAttributes a;
  a.as_path = path({seq({65001, 4200000001u})});
  a.aggregator = Aggregator{4200000001u, v4("192.0.2.1")};
  PathAttributes p = prepare_for_two_octet_peer(a);
  EXPECT_EQ(p.as_path, path({seq({65001, kAsTrans})}));
  EXPECT_EQ(p.as4_path, a.as_path);
  EXPECT_EQ(p.aggregator, (Aggregator{kAsTrans, v4("192.0.2.1")}));
  EXPECT_EQ(p.as4_aggregator, a.aggregator);

  // Through the 2-octet wire and back.
  Update u;
  u.attributes = p;
  Options old{false, false};
  auto back = decode_update(testing::body_of(encode_update(u, old)), old);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->problems.empty());
  EXPECT_EQ(reconstruct_as4(back->attributes), a);
}

TEST(As4, PrepareLeavesConfederationSegmentsOutOfAs4Path) {
  PathAttributes a;
  a.as_path = path({confed({4200000002u}), seq({4200000001u})});
  PathAttributes p = prepare_for_two_octet_peer(a);
  EXPECT_EQ(p.as_path, path({confed({kAsTrans}), seq({kAsTrans})}));
  EXPECT_EQ(p.as4_path, path({seq({4200000001u})}));
}

TEST(As4, PrepareAddsNothingWhenEverythingFits) {
  PathAttributes a;
  a.as_path = path({seq({65001, 65002})});
  a.aggregator = Aggregator{65001, v4("192.0.2.1")};
  a.as4_path = path({seq({1})});  // stale: replaced
  PathAttributes p = prepare_for_two_octet_peer(a);
  EXPECT_EQ(p.as_path, a.as_path);
  EXPECT_EQ(p.aggregator, a.aggregator);
  EXPECT_FALSE(p.as4_path);
  EXPECT_FALSE(p.as4_aggregator);
}

}  // namespace
}  // namespace vipd::bgp::wire
