#include "bgp/config/route_types.hpp"

#include <array>

namespace vipd::bgp::config {
namespace {

// Distances are zebra's defaults (lib/route_types.h ZEBRA_*_DISTANCE_DEFAULT). `table`, `vnc`
// and `vnc-direct` are no kernel routes of another daemon: accepted, they bring nothing.
constexpr std::array kTypes{
    RouteType{"kernel", true, true, true, 0},       RouteType{"connected", true, true, true, 0},
    RouteType{"static", true, true, false, 1},      RouteType{"rip", true, false, false, 120},
    RouteType{"ripng", false, true, false, 120},    RouteType{"ospf", true, false, false, 110},
    RouteType{"ospf6", false, true, false, 110},    RouteType{"isis", true, true, false, 115},
    RouteType{"eigrp", true, false, false, 90},     RouteType{"nhrp", true, true, false, 10},
    RouteType{"table", true, true, false, 15},      RouteType{"vnc", true, true, false, 20},
    RouteType{"vnc-direct", true, true, false, 20}, RouteType{"babel", true, true, false, 100},
    RouteType{"sharp", true, true, false, 150},     RouteType{"openfabric", true, true, false, 115},
};

}  // namespace

std::span<const RouteType> route_types() {
  return kTypes;
}

const RouteType* find_route_type(std::string_view name) {
  for (const auto& t : kTypes)
    if (t.name == name) return &t;
  return nullptr;
}

std::size_t route_type_index(std::string_view name) {
  for (std::size_t i = 0; i < kTypes.size(); ++i)
    if (kTypes[i].name == name) return i;
  return kTypes.size();
}

std::string route_type_alternatives(Family family) {
  std::string out = "<";
  for (const auto& t : kTypes) {
    if (!(family == Family::kIpv4 ? t.ipv4 : t.ipv6)) continue;
    if (out.size() > 1) out += '|';
    out += t.name;
  }
  return out + ">";
}

}  // namespace vipd::bgp::config
