#include "lb/crd/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "lb/crd/validate_detail.hpp"
#include "lb/crd/values.hpp"
#include "lb/crd/yaml_reader.hpp"

namespace vipd::lb::crd {
namespace {

// Names are unique per kind (the API server's rule within a namespace; MetalLB reads one).
template <typename T>
void check_unique_names(Reporter& report, std::string_view kind, const std::vector<T>& items) {
  std::map<std::string, const ObjectMeta*> seen;
  for (const auto& item : items) {
    const auto [found, inserted] = seen.emplace(item.meta.name, &item.meta);
    if (!inserted) {
      report.error(kind, item.meta, "metadata.name",
                   fmt::format("duplicate name: {}/{} is already defined at {}", kind,
                               item.meta.name, found->second->where.at("metadata.name")));
    }
  }
}

std::string_view operator_name(LabelSelectorRequirement::Operator op) {
  switch (op) {
    case LabelSelectorRequirement::Operator::kIn:
      return "In";
    case LabelSelectorRequirement::Operator::kNotIn:
      return "NotIn";
    case LabelSelectorRequirement::Operator::kExists:
      return "Exists";
    case LabelSelectorRequirement::Operator::kDoesNotExist:
      return "DoesNotExist";
  }
  return "?";
}

}  // namespace

void Reporter::error(std::string_view kind, const ObjectMeta& meta, std::string_view field,
                     std::string_view reason) {
  errors_.push_back(format_message(meta.where.at(field), kind, meta.name, field, reason));
}

void Reporter::warning(std::string_view kind, const ObjectMeta& meta, std::string_view field,
                       std::string_view reason) {
  warnings_.push_back(format_message(meta.where.at(field), kind, meta.name, field, reason));
}

void check_selectors(Reporter& report, std::string_view kind, const ObjectMeta& meta,
                     std::string_view field, const std::vector<LabelSelector>& selectors) {
  for (std::size_t i = 0; i < selectors.size(); ++i) {
    const LabelSelector& selector = selectors[i];
    const std::string path = fmt::format("{}[{}]", field, i);
    for (const auto& [key, value] : selector.match_labels) {
      if (auto problem = check_label_key(key)) report.error(kind, meta, path, *problem);
      if (auto problem = check_label_value(value)) report.error(kind, meta, path, *problem);
    }
    std::set<std::string> expressions;
    for (std::size_t j = 0; j < selector.match_expressions.size(); ++j) {
      const auto& r = selector.match_expressions[j];
      const std::string expression_path = fmt::format("{}.matchExpressions[{}]", path, j);
      if (auto problem = check_label_key(r.key))
        report.error(kind, meta, expression_path, *problem);
      const bool takes_values = r.op == LabelSelectorRequirement::Operator::kIn ||
                                r.op == LabelSelectorRequirement::Operator::kNotIn;
      if (takes_values && r.values.empty()) {
        report.error(kind, meta, expression_path,
                     fmt::format("operator {} needs at least one value", operator_name(r.op)));
      }
      if (!takes_values && !r.values.empty()) {
        report.error(kind, meta, expression_path,
                     fmt::format("operator {} takes no values", operator_name(r.op)));
      }
      for (const auto& value : r.values) {
        if (auto problem = check_label_value(value)) {
          report.error(kind, meta, expression_path, *problem);
        }
      }
      check_no_duplicates(report, kind, meta, expression_path + ".values", r.values,
                          "match expression value in label selector");
      std::vector<std::string> sorted = r.values;
      std::sort(sorted.begin(), sorted.end());
      const std::string text =
          fmt::format("{} {} ({})", r.key, operator_name(r.op), fmt::join(sorted, ","));
      if (!expressions.insert(text).second) {
        report.error(kind, meta, expression_path,
                     fmt::format("duplicate definition of match expressions \"{}\"", text));
      }
    }
  }
  // MetalLB compares selectors by their printed form, match expression values sorted.
  const auto canonical = [](LabelSelector s) {
    for (auto& r : s.match_expressions) std::sort(r.values.begin(), r.values.end());
    return s;
  };
  for (std::size_t i = 0; i < selectors.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (canonical(selectors[i]) == canonical(selectors[j])) {
        const std::string field_name(field.substr(field.rfind('.') + 1));
        report.error(kind, meta, fmt::format("{}[{}]", field, i),
                     fmt::format("duplicate definition of {} \"{}\" (same as [{}])", field_name,
                                 to_string(selectors[i]), j));
        break;
      }
    }
  }
}

void check_no_duplicates(Reporter& report, std::string_view kind, const ObjectMeta& meta,
                         std::string_view field, const std::vector<std::string>& values,
                         std::string_view what) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (values[i] == values[j]) {
        report.error(kind, meta, fmt::format("{}[{}]", field, i),
                     fmt::format("duplicate definition of {} \"{}\"", what, values[i]));
        break;
      }
    }
  }
}

std::vector<const IpAddressPool*> selected_pools(const LbConfig& config,
                                                 const std::vector<std::string>& names,
                                                 const std::vector<LabelSelector>& selectors) {
  std::vector<const IpAddressPool*> out;
  for (const auto& pool : config.pools) {
    const bool everything = names.empty() && selectors.empty();
    const bool named = std::find(names.begin(), names.end(), pool.meta.name) != names.end();
    const bool matched =
        std::any_of(selectors.begin(), selectors.end(),
                    [&](const LabelSelector& s) { return s.matches(pool.meta.labels); });
    if (everything || named || matched) out.push_back(&pool);
  }
  return out;
}

void validate(LbConfig& config, std::vector<std::string>& errors,
              std::vector<std::string>& warnings) {
  Reporter report(errors, warnings);
  check_unique_names(report, "IPAddressPool", config.pools);
  check_unique_names(report, "BGPPeer", config.peers);
  check_unique_names(report, "BGPAdvertisement", config.bgp_advertisements);
  check_unique_names(report, "L2Advertisement", config.l2_advertisements);
  check_unique_names(report, "Community", config.communities);
  check_unique_names(report, "BFDProfile", config.bfd_profiles);
  check_unique_names(report, "Secret", config.secrets);
  validate_pools(config, report);
  validate_l2_advertisements(config, report);
  validate_bfd_profiles(config, report);
  validate_communities(config, report);
  validate_peers(config, report);
  validate_bgp_advertisements(config, report);
}

void validate(LbConfig& config, std::vector<std::string>& errors) {
  std::vector<std::string> warnings;
  validate(config, errors, warnings);
}

}  // namespace vipd::lb::crd
