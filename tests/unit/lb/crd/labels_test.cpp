// LabelSelector matching with Kubernetes' semantics.
#include "lb/labels.hpp"

#include <gtest/gtest.h>

namespace vipd::lb {
namespace {

using Op = LabelSelectorRequirement::Operator;

TEST(LabelSelector, EmptySelectorMatchesEverything) {
  EXPECT_TRUE(LabelSelector{}.matches({}));
  EXPECT_TRUE(LabelSelector{}.matches({{"a", "b"}}));
}

TEST(LabelSelector, MatchLabelsNeedEveryPair) {
  const LabelSelector s{{{"rack", "r1"}, {"zone", "z"}}, {}};
  EXPECT_TRUE(s.matches({{"rack", "r1"}, {"zone", "z"}, {"extra", "x"}}));
  EXPECT_FALSE(s.matches({{"rack", "r1"}}));
  EXPECT_FALSE(s.matches({{"rack", "r2"}, {"zone", "z"}}));
}

TEST(LabelSelector, InNeedsTheKeyWithAListedValue) {
  const LabelSelectorRequirement r{"app", Op::kIn, {"a", "b"}};
  EXPECT_TRUE(r.matches({{"app", "b"}}));
  EXPECT_FALSE(r.matches({{"app", "c"}}));
  EXPECT_FALSE(r.matches({}));
}

TEST(LabelSelector, NotInIsSatisfiedByAMissingKey) {
  const LabelSelectorRequirement r{"app", Op::kNotIn, {"a"}};
  EXPECT_TRUE(r.matches({}));
  EXPECT_TRUE(r.matches({{"app", "b"}}));
  EXPECT_FALSE(r.matches({{"app", "a"}}));
}

TEST(LabelSelector, ExistsAndDoesNotExist) {
  const LabelSelectorRequirement exists{"ssd", Op::kExists, {}};
  const LabelSelectorRequirement absent{"ssd", Op::kDoesNotExist, {}};
  EXPECT_TRUE(exists.matches({{"ssd", ""}}));
  EXPECT_FALSE(exists.matches({}));
  EXPECT_TRUE(absent.matches({}));
  EXPECT_FALSE(absent.matches({{"ssd", "true"}}));
}

TEST(LabelSelector, LabelsAndExpressionsAreAnded) {
  const LabelSelector s{{{"rack", "r1"}}, {{"host", Op::kNotIn, {"n9"}}}};
  EXPECT_TRUE(s.matches({{"rack", "r1"}, {"host", "n1"}}));
  EXPECT_FALSE(s.matches({{"rack", "r1"}, {"host", "n9"}}));
}

TEST(LabelSelector, AnySelectorOfAListMatches) {
  EXPECT_TRUE(any_selector_matches({}, {{"x", "y"}}));
  const std::vector<LabelSelector> list{{{{"a", "1"}}, {}}, {{{"b", "2"}}, {}}};
  EXPECT_TRUE(any_selector_matches(list, {{"b", "2"}}));
  EXPECT_FALSE(any_selector_matches(list, {{"c", "3"}}));
}

}  // namespace
}  // namespace vipd::lb
