// Text forms MetalLB's resources use, read as Kubernetes and MetalLB read them: Go durations
// (metav1.Duration), base64 Secret data, label keys and values, object names; and a
// conservative test of whether two lists of node selectors can select the same node.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "lb/labels.hpp"

namespace vipd::lb::crd {

// Go's time.ParseDuration: "90s", "1m30s", "1.5h", "500ms", "-3s", "0". Truncated to whole
// milliseconds. The error says what is wrong ("missing unit", "unknown unit "x"").
Result<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// Standard base64 with padding, line breaks ignored (Go's encoding/json for []byte).
std::optional<std::string> decode_base64(std::string_view text);

// k8s apimachinery validation. Each returns nullopt when valid, else the reason.
std::optional<std::string> check_label_key(std::string_view key);        // "[prefix/]name"
std::optional<std::string> check_label_value(std::string_view value);    // may be empty
std::optional<std::string> check_object_name(std::string_view name);     // RFC 1123 subdomain
std::optional<std::string> check_namespace_name(std::string_view name);  // RFC 1123 label
// A Linux interface name (IFNAMSIZ: at most 15 bytes, no '/', no whitespace, not "." or "..").
std::optional<std::string> check_interface_name(std::string_view name);

// Whether some set of labels could match both lists (an empty list matches everything). False
// only when every pair of selectors provably contradicts itself on some key (app=a against
// app=b, Exists against DoesNotExist, In [a] against NotIn [a]...).
bool selectors_may_overlap(const std::vector<LabelSelector>& a,
                           const std::vector<LabelSelector>& b);

// "app in (a,b)", as k8s prints a selector; for messages.
std::string to_string(const LabelSelector& selector);

}  // namespace vipd::lb::crd
