// Helpers of the keepalived.conf parser tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "vrrp/config/parser.hpp"

namespace vipd::vrrp::config::test {

inline const std::string kSourceDir = VIPD_SOURCE_DIR;

struct Parsed {
  Result<KeepalivedConfig, ConfigError> result;
  std::vector<std::string> warnings;  // "FILE:LINE: message"
};

inline Parsed parse(std::string_view text, std::string_view file = "k.conf") {
  std::vector<ConfigWarning> warnings;
  auto result = parse_keepalived_config(text, file, &warnings);
  std::vector<std::string> texts;
  for (const auto& w : warnings) texts.push_back(w.to_string());
  return {std::move(result), std::move(texts)};
}

// The configuration of `text`, which must load.
inline KeepalivedConfig parsed_ok(std::string_view text) {
  auto p = parse(text);
  EXPECT_TRUE(p.result.ok()) << p.result.error().to_string();
  return p.result.ok() ? *p.result : KeepalivedConfig{};
}

// The error of `text`, which must not load, as the user sees it.
inline std::string error_of(std::string_view text) {
  auto p = parse(text);
  EXPECT_FALSE(p.result.ok());
  return p.result.ok() ? std::string("(loaded)") : p.result.error().to_string();
}

inline std::vector<std::string> warnings_of(std::string_view text) {
  auto p = parse(text);
  EXPECT_TRUE(p.result.ok()) << p.result.error().to_string();
  return p.warnings;
}

// An instance VI_1 on eth0, VRID 51: `body` starts at line 4, the VIP block follows it.
inline std::string instance(std::string_view body, std::string_view vips = "10.0.0.1") {
  return "vrrp_instance VI_1 {\n"
         " interface eth0\n"
         " virtual_router_id 51\n" +
         std::string(body) + "\n virtual_ipaddress {\n  " + std::string(vips) + "\n }\n}\n";
}

// The only instance of `text`.
inline VrrpInstance instance_of(std::string_view text) {
  auto config = parsed_ok(text);
  EXPECT_EQ(config.instances.size(), 1u);
  return config.instances.empty() ? VrrpInstance{} : config.instances[0];
}

inline IpAddress ip(std::string_view text) {
  return *IpAddress::parse(text);
}

}  // namespace vipd::vrrp::config::test
