// Reading Kubernetes objects out of yaml-cpp nodes as the API server reads them: fields typed
// as in the CRD's schema (a quoted "65000" is not an integer, a plain 10 is not a string),
// unknown fields refused (kubectl's default strict field validation), null meaning unset. Every
// problem is reported as "FILE:LINE: Kind/name: path: reason"; nothing here throws.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.hpp"
#include "lb/crd/resources.hpp"
#include "lb/labels.hpp"

namespace vipd::lb::crd {

// "FILE:LINE: Kind/name: path: reason"; the Kind/name and path parts are left out when empty.
std::string format_message(const std::string& location, std::string_view kind,
                           std::string_view name, std::string_view path, std::string_view reason);

// One resource being read: where its messages go and where its field lines are recorded.
class ResourceReader {
 public:
  ResourceReader(std::string kind, SourceLocation& where, std::vector<std::string>& errors,
                 std::vector<std::string>& warnings)
      : kind_(std::move(kind)), where_(where), errors_(errors), warnings_(warnings) {}

  const std::string& kind() const { return kind_; }
  void set_name(std::string name) { name_ = std::move(name); }
  int error_count() const { return error_count_; }

  // 1-based line of `node`, or of the resource when yaml-cpp has no mark for it.
  int line_of(const YAML::Node& node) const;
  void error(const YAML::Node& at, std::string_view path, std::string_view reason);
  void warning(const YAML::Node& at, std::string_view path, std::string_view reason);
  void record_line(const std::string& path, const YAML::Node& at);

  // A field of a mapping: `read` gets its (non-null) value and its path.
  struct Field {
    std::string_view key;
    std::function<void(const YAML::Node& value, const std::string& path)> read;
    bool required = false;
  };
  // Unknown and repeated keys are errors, as is a missing required field; a null value is
  // unset (its reader is not called; a required field is then missing). `node` null: empty.
  void read_map(const YAML::Node& node, const std::string& path, const std::vector<Field>& fields);
  // Calls `each` for every item of a sequence (with "path[i]").
  void read_list(const YAML::Node& node, const std::string& path,
                 const std::function<void(const YAML::Node&, const std::string&)>& each);

  std::optional<std::string> read_string(const YAML::Node& node, const std::string& path);
  std::optional<bool> read_bool(const YAML::Node& node, const std::string& path);
  // An integer in [min, max] (the field's type or its schema's bounds).
  std::optional<std::int64_t> read_integer(const YAML::Node& node, const std::string& path,
                                           std::int64_t min, std::int64_t max);
  std::vector<std::string> read_string_list(const YAML::Node& node, const std::string& path);
  // A map of strings (labels, annotations, Secret data).
  Labels read_string_map(const YAML::Node& node, const std::string& path);
  std::optional<std::chrono::milliseconds> read_duration(const YAML::Node& node,
                                                         const std::string& path);
  std::optional<IpAddress> read_address(const YAML::Node& node, const std::string& path,
                                        std::string_view what);
  // metav1.LabelSelector; `legacy`: BGPPeer v1beta1's NodeSelector, whose matchExpressions need
  // values even for Exists (its CRD says minItems 1).
  std::optional<LabelSelector> read_selector(const YAML::Node& node, const std::string& path,
                                             bool legacy = false);
  std::vector<LabelSelector> read_selectors(const YAML::Node& node, const std::string& path,
                                            bool legacy = false);

 private:
  std::string message(const YAML::Node& at, std::string_view path, std::string_view reason) const;

  std::string kind_;
  std::string name_;
  SourceLocation& where_;
  std::vector<std::string>& errors_;
  std::vector<std::string>& warnings_;
  int error_count_ = 0;
};

}  // namespace vipd::lb::crd
