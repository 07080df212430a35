// Small text helpers shared by the k8s sources (not part of the module's API).
#pragma once

#include <string>
#include <string_view>

namespace vipd::k8s {

// Without leading and trailing whitespace: token and namespace files end with a newline.
inline std::string trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace vipd::k8s
