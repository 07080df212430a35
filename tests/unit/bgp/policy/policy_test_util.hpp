// Helpers shared by the policy tests: maps are written as config text and read by the real
// parser.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "bgp/config/parser.hpp"

namespace vipd::bgp::policy::test {

inline config::BgpConfig parse_ok(const std::string& text) {
  auto c = config::parse_config(text, "t.conf");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
  return c.ok() ? *c : config::BgpConfig{};
}

}  // namespace vipd::bgp::policy::test
