#include "bgp/rib/prefix_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "bgp/rib/path_list.hpp"

namespace vipd::bgp::rib {
namespace {

TEST(PrefixTable, KeysRoundTrip) {
  for (const char* text : {"0.0.0.0/0", "10.47.40.1/32", "255.255.255.0/24"}) {
    Prefix p = *Prefix::parse(text);
    EXPECT_EQ(V4Key::of(p).prefix(), p);
    EXPECT_TRUE(V4Key::of(p).used());
  }
  for (const char* text : {"::/0", "2001:db8::/32", "ffff::1/128"}) {
    Prefix p = *Prefix::parse(text);
    EXPECT_EQ(V6Key::of(p).prefix(), p);
  }
  EXPECT_NE(V4Key::of(*Prefix::parse("10.0.0.0/8")), V4Key::of(*Prefix::parse("10.0.0.0/16")));
  EXPECT_EQ(sizeof(PrefixTable<V4Key, PathList>::Slot), 32u);
}

// Random inserts and erases against std::map: growth, wrap-around and backward-shift deletion.
TEST(PrefixTable, MatchesAMapUnderRandomOperations) {
  PrefixTable<V4Key, int> table;
  std::map<std::uint64_t, int> model;
  std::mt19937 rng(7);
  for (int step = 0; step < 200000; ++step) {
    auto address = static_cast<std::uint32_t>(rng() % 4096) << 8;
    Prefix p(IpAddress::v4(address), 24);
    V4Key key = V4Key::of(p);
    if (rng() % 3 == 0) {
      EXPECT_EQ(table.erase(key), model.erase(key.bits) == 1);
    } else {
      table[key] = step;
      model[key.bits] = step;
    }
  }
  ASSERT_EQ(table.size(), model.size());
  for (const auto& [bits, value] : model) {
    const int* found = table.find(V4Key{bits});
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, value);
  }
  std::size_t visited = 0;
  table.for_each([&](const V4Key& k, int v) {
    EXPECT_EQ(model.at(k.bits), v);
    ++visited;
  });
  EXPECT_EQ(visited, model.size());
  EXPECT_EQ(table.find(V4Key::of(*Prefix::parse("10.0.0.0/8"))), nullptr);
}

TEST(PathList, InlineThenHeapThenInline) {
  AttributeStore store;
  wire::PathAttributes a;
  a.med = 1;
  AttrRef ref = store.intern(a);
  PathList list;
  list.add(Path{ref, 1});
  EXPECT_EQ(list.heap_bytes(), 0u);
  list.add(Path{ref, 2});
  list.add(Path{ref, 3});
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.heap_bytes(), 3 * sizeof(Path));
  EXPECT_EQ(ref.use_count(), 4u);
  list.remove(0);
  EXPECT_EQ(list.paths()[0].peer, 2u);
  EXPECT_EQ(list.paths()[1].peer, 3u);
  EXPECT_EQ(list.find(1), nullptr);
  list.remove(1);
  EXPECT_EQ(list.heap_bytes(), 0u);
  ASSERT_NE(list.find(2), nullptr);
  PathList moved = std::move(list);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(moved.size(), 1u);
  EXPECT_EQ(ref.use_count(), 2u);
  moved.remove(0);
  EXPECT_EQ(ref.use_count(), 1u);
}

}  // namespace
}  // namespace vipd::bgp::rib
