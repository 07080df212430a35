// Kubernetes labels and label selectors (metav1.LabelSelector), as MetalLB's resources use
// them: nodeSelectors, ipAddressPoolSelectors, namespaceSelectors, serviceSelectors.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace vipd::lb {

using Labels = std::map<std::string, std::string>;

// One matchExpressions entry. In/NotIn take values; Exists/DoesNotExist take none
// (k8s.io/apimachinery labels.NewRequirement rules).
struct LabelSelectorRequirement {
  enum class Operator { kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Operator op = Operator::kIn;
  std::vector<std::string> values;
  bool operator==(const LabelSelectorRequirement&) const = default;
  bool matches(const Labels& labels) const;
};

// matchLabels AND every matchExpressions entry. An empty selector matches everything
// (metav1.LabelSelectorAsSelector).
struct LabelSelector {
  Labels match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  bool operator==(const LabelSelector&) const = default;
  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  bool matches(const Labels& labels) const;
};

// A list of selectors, as MetalLB reads `nodeSelectors` and friends: an empty list selects
// everything; otherwise one matching selector is enough.
bool any_selector_matches(const std::vector<LabelSelector>& selectors, const Labels& labels);

}  // namespace vipd::lb
