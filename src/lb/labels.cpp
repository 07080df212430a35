#include "lb/labels.hpp"

#include <algorithm>

namespace vipd::lb {

bool LabelSelectorRequirement::matches(const Labels& labels) const {
  const auto found = labels.find(key);
  const bool present = found != labels.end();
  const auto listed = [&] {
    return present && std::find(values.begin(), values.end(), found->second) != values.end();
  };
  switch (op) {
    case Operator::kIn:
      return listed();
    case Operator::kNotIn:
      // k8s: a missing key satisfies NotIn.
      return !listed();
    case Operator::kExists:
      return present;
    case Operator::kDoesNotExist:
      return !present;
  }
  return false;
}

bool LabelSelector::matches(const Labels& labels) const {
  for (const auto& [key, value] : match_labels) {
    const auto found = labels.find(key);
    if (found == labels.end() || found->second != value) return false;
  }
  return std::all_of(match_expressions.begin(), match_expressions.end(),
                     [&](const LabelSelectorRequirement& r) { return r.matches(labels); });
}

bool any_selector_matches(const std::vector<LabelSelector>& selectors, const Labels& labels) {
  if (selectors.empty()) return true;
  return std::any_of(selectors.begin(), selectors.end(),
                     [&](const LabelSelector& s) { return s.matches(labels); });
}

}  // namespace vipd::lb
