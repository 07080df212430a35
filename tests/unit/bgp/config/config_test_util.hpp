// Helpers the bgpd.conf tests share.
#pragma once

#include <string_view>

#include "common/ip.hpp"

namespace vipd::bgp::config::test {

inline IpAddress ip(std::string_view text) {
  return *IpAddress::parse(text);
}

}  // namespace vipd::bgp::config::test
