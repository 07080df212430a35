#include "bgp/redistribution.hpp"

#include <linux/rtnetlink.h>

#include <map>
#include <tuple>

#include "bgp/origination.hpp"
#include "netlink/connected.hpp"

namespace vipd::bgp {
namespace {

// FRR's own rtm_protocol values (zebra/rt_netlink.h; 42 and 186-192 are in linux/rtnetlink.h).
constexpr std::uint8_t kProtoBabel = 42;
constexpr std::uint8_t kProtoIsis = 187;
constexpr std::uint8_t kProtoOspf = 188;
constexpr std::uint8_t kProtoRip = 189;
constexpr std::uint8_t kProtoRipng = 190;
constexpr std::uint8_t kProtoNhrp = 191;
constexpr std::uint8_t kProtoEigrp = 192;
constexpr std::uint8_t kProtoSharp = 194;
constexpr std::uint8_t kProtoZstatic = 196;
constexpr std::uint8_t kProtoOpenfabric = 197;

std::uint8_t distance_of(std::string_view type) {
  const config::RouteType* t = config::find_route_type(type);
  return t ? t->distance : 255;
}

}  // namespace

std::string_view route_type_of(const netlink::Route& route) {
  switch (route.protocol) {
    case kProtoBabel:
      return "babel";
    case kProtoIsis:
      return "isis";
    case kProtoOspf:
      return route.prefix.family() == Family::kIpv4 ? "ospf" : "ospf6";
    case kProtoRip:
      return "rip";
    case kProtoRipng:
      return "ripng";
    case kProtoNhrp:
      return "nhrp";
    case kProtoEigrp:
      return "eigrp";
    case kProtoSharp:
      return "sharp";
    case kProtoZstatic:
      return "static";
    case kProtoOpenfabric:
      return "openfabric";
    default:
      // RTPROT_BOOT (`ip route add`), RTPROT_STATIC (systemd-networkd, NetworkManager),
      // DHCP, RA, keepalived, BIRD, ...: zebra makes them all ZEBRA_ROUTE_KERNEL.
      return "kernel";
  }
}

bool redistributable(const Prefix& prefix) {
  const auto& o = prefix.address().octets();
  if (prefix.family() == Family::kIpv4) {
    // IPV4_NET127, IN_CLASSD, IPV4_LINKLOCAL of zebra_check_addr().
    return o[0] != 127 && (o[0] & 0xf0) != 0xe0 && !(o[0] == 169 && o[1] == 254);
  }
  if (prefix.address() == *IpAddress::parse("::1")) return false;
  return !(o[0] == 0xfe && (o[1] & 0xc0) == 0x80);
}

std::vector<RedistributedRoute> selected_routes(const netlink::InterfaceView& view) {
  // Per prefix the route zebra selects: connected before kernel routes (rib_choose_best()),
  // then the lowest distance, then the lowest metric.
  using Rank = std::tuple<bool, std::uint8_t, std::uint32_t>;
  std::map<Prefix, std::pair<Rank, RedistributedRoute>> best;
  auto offer = [&](RedistributedRoute r, Rank rank) {
    if (!redistributable(r.prefix)) return;
    auto [it, added] = best.try_emplace(r.prefix, rank, r);
    if (!added && rank < it->second.first) it->second = {rank, std::move(r)};
  };
  for (const auto& [ifindex, link] : view.links()) {
    if (!link.usable()) continue;  // zebra's connected routes need an operative interface
    for (const auto& a : view.addresses(ifindex))
      if (netlink::has_connected_route(a))
        offer({netlink::network_of(a), "connected", 0, std::nullopt}, {false, 0, 0});
  }
  view.for_each_route([&](const netlink::Route& route) {
    RedistributedRoute r{route.prefix, route_type_of(route), route.priority, std::nullopt};
    if (route.type == RTN_UNICAST && !route.next_hops.empty()) {
      const IpAddress& gateway = route.next_hops.front().gateway;
      // An IPv6 link-local gateway means nothing to a neighbor: next hop self (RFC 2545 §2).
      if (gateway.family() == route.prefix.family() && !gateway.is_unspecified() &&
          !(gateway.is_v6() && gateway.is_link_local()))
        r.next_hop = gateway;
    }
    const Rank rank{true, distance_of(r.type), route.priority};
    offer(std::move(r), rank);
  });
  std::vector<RedistributedRoute> out;
  out.reserve(best.size());
  for (auto& [prefix, entry] : best) out.push_back(std::move(entry.second));
  return out;
}

wire::PathAttributes redistributed_attributes(const RedistributedRoute& route,
                                              std::optional<std::uint32_t> metric) {
  wire::PathAttributes a = local_route_attributes(route.prefix);
  a.origin = wire::Origin::kIncomplete;
  a.med = metric ? *metric : route.metric;
  if (route.next_hop) {
    if (a.mp_reach)
      a.mp_reach->next_hop = *route.next_hop;
    else
      a.next_hop = *route.next_hop;
  }
  return a;
}

std::unordered_set<Prefix> import_check_prefixes(const netlink::InterfaceView& view) {
  std::unordered_set<Prefix> present;
  for (const auto& [ifindex, link] : view.links()) {
    if (!link.usable()) continue;
    for (const auto& a : view.addresses(ifindex))
      if (netlink::has_connected_route(a)) present.insert(netlink::network_of(a));
  }
  view.for_each_route([&](const netlink::Route& route) { present.insert(route.prefix); });
  return present;
}

}  // namespace vipd::bgp
