// The route types `redistribute` may name: FRR 8.4's lib/route_types.txt, the ones bgpd's
// grammar offers (the redistribute flag set, bgp itself left out), per family.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/ip.hpp"

namespace vipd::bgp::config {

struct RouteType {
  std::string_view name;
  bool ipv4 = false;
  bool ipv6 = false;
  // vipd reads these itself (the kernel's tables); the others are routes a daemon vipd does not
  // run installed in the kernel, which `redistribute` takes with a notice in the log.
  bool native = false;
  // zebra's administrative distance of the type, which decides between two kernel routes for
  // one prefix (only the selected one is redistributed, as zebra sends only that one).
  std::uint8_t distance = 0;
};

// Every type of FRR's grammar, in FRR's order (the order `show running-config` writes them).
std::span<const RouteType> route_types();
const RouteType* find_route_type(std::string_view name);
// The index of a type in route_types() (the order redistributions are kept in).
std::size_t route_type_index(std::string_view name);
// "<kernel|connected|static|rip|ospf|...>" for the command grammar of one family.
std::string route_type_alternatives(Family family);

}  // namespace vipd::bgp::config
