#include "common/boxed.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vipd {
namespace {

// Boxed behaves as std::optional where PathAttributes uses it: set, reset, copy (deep), move,
// compare, emplace, and the size of a pointer either way.
TEST(Boxed, ActsAsAnOptionalHeldOnTheHeap) {
  static_assert(sizeof(Boxed<std::vector<int>>) == sizeof(void*));
  Boxed<std::vector<int>> a;
  EXPECT_FALSE(a);
  EXPECT_FALSE(a.has_value());
  EXPECT_TRUE(a == std::nullopt);
  EXPECT_THROW(a.value(), std::bad_optional_access);
  a = std::vector<int>{1, 2};
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 2u);
  Boxed<std::vector<int>> b = a;  // a copy of the value, not of the pointer
  b->push_back(3);
  EXPECT_EQ(a->size(), 2u);
  EXPECT_FALSE(a == b);
  b->pop_back();
  EXPECT_TRUE(a == b);
  Boxed<std::vector<int>> none;
  EXPECT_FALSE(a == none);
  EXPECT_TRUE(none == Boxed<std::vector<int>>(std::nullopt));
  Boxed<std::vector<int>> moved = std::move(b);
  EXPECT_EQ(moved.value(), (std::vector<int>{1, 2}));
  moved.reset();
  EXPECT_FALSE(moved);
  moved.emplace(3u, 7);
  EXPECT_EQ(*moved, (std::vector<int>{7, 7, 7}));
  moved = std::nullopt;
  EXPECT_FALSE(moved);
  std::optional<std::string> from_optional{"x"};
  Boxed<std::string> s = from_optional;
  EXPECT_EQ(*s, "x");
  const auto& alias = a;
  a = alias;  // self-assignment keeps the value
  EXPECT_EQ(*a, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace vipd
