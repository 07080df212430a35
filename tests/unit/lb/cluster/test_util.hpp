// Helpers shared by the cluster tests: fixture files and parsing them.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "lb/cluster/parse.hpp"

namespace vipd::lb::cluster::test {

inline std::string fixture_path(const std::string& name) {
  return std::string(VIPD_SOURCE_DIR) + "/tests/data/lb/cluster/" + name;
}

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(fixture_path(name));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline ParsedObjects parse_fixture(const std::string& name) {
  ParsedObjects objects;
  parse_objects(read_fixture(name), name, objects);
  return objects;
}

inline ParsedObjects parse_text(const std::string& text, const ParseOptions& options = {}) {
  ParsedObjects objects;
  parse_objects(text, "f.yaml", objects, options);
  return objects;
}

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

}  // namespace vipd::lb::cluster::test
