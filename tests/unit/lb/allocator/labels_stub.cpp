// TEMPORARY, removed at integration: a minimal LabelSelector matcher so the allocator's tests
// link before vipd_lb_crd (which owns src/lb/labels.cpp) is merged. Not part of any library.
#include <algorithm>

#include "lb/labels.hpp"

namespace vipd::lb {

bool LabelSelectorRequirement::matches(const Labels& labels) const {
  auto it = labels.find(key);
  bool has = it != labels.end();
  bool listed = has && std::find(values.begin(), values.end(), it->second) != values.end();
  switch (op) {
    case Operator::kIn:
      return listed;
    case Operator::kNotIn:
      return !listed;
    case Operator::kExists:
      return has;
    case Operator::kDoesNotExist:
      return !has;
  }
  return false;
}

bool LabelSelector::matches(const Labels& labels) const {
  for (const auto& [key, value] : match_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return std::all_of(match_expressions.begin(), match_expressions.end(),
                     [&](const LabelSelectorRequirement& r) { return r.matches(labels); });
}

bool any_selector_matches(const std::vector<LabelSelector>& selectors, const Labels& labels) {
  return selectors.empty() ||
         std::any_of(selectors.begin(), selectors.end(),
                     [&](const LabelSelector& s) { return s.matches(labels); });
}

}  // namespace vipd::lb
