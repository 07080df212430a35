#include "bgp/rib/attribute_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "rib_test_util.hpp"

namespace vipd::bgp::rib {
namespace {

using test::attributes;

TEST(AttributeStore, EqualAttributesShareOneCopy) {
  AttributeStore store;
  AttrRef a = store.intern(attributes({65009}, "192.168.1.51"));
  AttrRef b = store.intern(attributes({65009}, "192.168.1.51"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(a.use_count(), 2u);
  EXPECT_EQ(a->next_hop, test::v4("192.168.1.51"));
}

TEST(AttributeStore, EveryFieldDistinguishes) {
  AttributeStore store;
  auto base = attributes({65009}, "192.168.1.51");
  std::vector<wire::PathAttributes> variants(12, base);
  variants[1].med = 0;
  variants[2].local_pref = 100;
  variants[3].origin = wire::Origin::kIncomplete;
  variants[4].as_path = test::sequence({65009, 65009});
  variants[5].next_hop = test::v4("192.168.1.52");
  variants[6].atomic_aggregate = true;
  variants[7].communities = std::vector<std::uint32_t>{0xfde80001};
  variants[8].originator_id = 1;
  variants[9].cluster_list = std::vector<std::uint32_t>{1};
  variants[10].large_communities = std::vector<wire::LargeCommunity>{{65009, 1, 2}};
  variants[11].unknown.push_back({0xc0, 99, {1, 2, 3}});
  std::vector<AttrRef> refs;
  for (const auto& v : variants) refs.push_back(store.intern(v));
  EXPECT_EQ(store.size(), variants.size());
  for (std::size_t i = 1; i < refs.size(); ++i) {
    EXPECT_NE(refs[i], refs[0]) << i;
    EXPECT_EQ(*refs[i], variants[i]) << i;
  }
  EXPECT_NE(hash_attributes(variants[0]), hash_attributes(variants[4]));
  EXPECT_EQ(hash_attributes(variants[3]), hash_attributes(variants[3]));
}

TEST(AttributeStore, LastReferenceReleasesTheCopy) {
  AttributeStore store;
  AttrRef a = store.intern(attributes({65009}, "192.168.1.51"));
  AttrRef other = store.intern(attributes({65010}, "192.168.1.52"));
  {
    AttrRef copy = a;
    AttrRef moved = std::move(copy);
    EXPECT_FALSE(copy);
    EXPECT_EQ(a.use_count(), 2u);
  }
  EXPECT_EQ(a.use_count(), 1u);
  EXPECT_EQ(store.size(), 2u);
  a.reset();
  EXPECT_EQ(store.size(), 1u);
  // Interning again after the release makes a fresh copy.
  AttrRef again = store.intern(attributes({65009}, "192.168.1.51"));
  EXPECT_EQ(again.use_count(), 1u);
  EXPECT_EQ(store.size(), 2u);
  other = again;  // assignment drops the other copy
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(again.use_count(), 2u);
}

TEST(AttributeStore, ReferencesMayOutliveTheStore) {
  auto store = std::make_unique<AttributeStore>();
  AttrRef a = store->intern(attributes({65009}, "192.168.1.51"));
  store.reset();
  EXPECT_EQ(a->as_path, test::sequence({65009}));
  a.reset();  // frees the orphaned copy (ASan would report a leak or a use after free)
  EXPECT_FALSE(a);
}

TEST(AttributeStore, SerialsAreNeverReused) {
  // Caches keyed by serial (AdjRibOut's verdicts) must not answer for a new set that happens to
  // get a freed set's address.
  AttributeStore store;
  std::uint64_t last = 0;
  for (std::uint32_t i = 0; i < 100; ++i) {
    AttrRef a = store.intern(attributes({65000 + i % 2}, "192.168.1.51"));
    EXPECT_GT(a.serial(), last);  // released at the end of the iteration: a new copy each time
    last = a.serial();
    AttrRef again = store.intern(attributes({65000 + i % 2}, "192.168.1.51"));
    EXPECT_EQ(again.serial(), a.serial());
  }
  EXPECT_EQ(AttrRef().serial(), 0u);
}

TEST(AttributeStore, HandleIsPointerSized) {
  EXPECT_EQ(sizeof(AttrRef), sizeof(void*));
}

// The index (open addressing, backward-shift deletion) under growth and releases in random
// order: every live set is still found as the same copy, and the count stays exact.
TEST(AttributeStore, IndexKeepsEverySetThroughGrowthAndRandomReleases) {
  AttributeStore store;
  std::mt19937 random(7);
  std::vector<AttrRef> live;
  for (std::uint32_t i = 0; i < 20000; ++i) {
    live.push_back(store.intern(attributes({65000 + i, 64512 + i % 7}, "192.168.1.51")));
    if (i % 3 == 2) {
      std::size_t k = random() % live.size();
      std::swap(live[k], live.back());
      live.pop_back();
    }
  }
  EXPECT_EQ(store.size(), live.size());
  EXPECT_GT(store.index_bytes(), 0u);
  for (const auto& a : live) EXPECT_EQ(store.intern(wire::PathAttributes(*a)), a);
  EXPECT_EQ(store.size(), live.size());
  std::shuffle(live.begin(), live.end(), random);
  while (!live.empty()) {
    live.pop_back();
    if (live.size() % 997 != 0) continue;
    for (const auto& a : live) ASSERT_EQ(store.intern(wire::PathAttributes(*a)), a);
  }
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace vipd::bgp::rib
