// Reading MetalLB resources from text in tests: parse as file "t.yaml", then validate.
#pragma once

#include <string>
#include <string_view>

#include "lb/crd/load.hpp"
#include "lb/crd/validate.hpp"

namespace vipd::lb::crd::test {

inline LoadResult parse_only(std::string_view text) {
  LoadResult result;
  parse_documents(text, "t.yaml", result);
  return result;
}

inline LoadResult load_text(std::string_view text) {
  LoadResult result = parse_only(text);
  validate(result.config, result.errors, result.warnings);
  return result;
}

inline IpAddress ip(std::string_view text) {
  return *IpAddress::parse(text);
}

inline std::string data_path(std::string_view name) {
  return std::string(VIPD_SOURCE_DIR) + "/tests/data/" + std::string(name);
}

}  // namespace vipd::lb::crd::test
