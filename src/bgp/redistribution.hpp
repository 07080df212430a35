// `redistribute TYPE` as FRR's bgpd does it with zebra: the routes of one kind the kernel holds
// (the daemon's interface view: addresses for `connected`, main-table routes by rtm_protocol for
// the others) become BGP routes of this router, ORIGIN INCOMPLETE. Pure: a view in, routes out;
// the speaker applies the route map and puts them in the Loc-RIB (speaker_origination.cpp).
//
// Which kernel route is which FRR type is zebra 8.4's rule (zebra/rt_netlink.c,
// netlink_route_change_read_unicast() and proto2zebra()): the protocols of FRR's own daemons
// (rt_protos.d/frr.conf, linux/rtnetlink.h) are those daemons' types, `static` being staticd's
// RTPROT_ZSTATIC (196); every other protocol (boot, static, dhcp, ra, keepalived, bird, ...) is
// `kernel`; RTPROT_KERNEL routes (the kernel's prefix routes of addresses) are not routes of any
// type, the addresses themselves are `connected` (docs/config-bgp.md, "Redistribution").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bgp/config/route_types.hpp"
#include "bgp/wire/attributes.hpp"
#include "common/ip.hpp"
#include "netlink/interface_view.hpp"

namespace vipd::bgp {

// The FRR type of a kernel route (see the file comment): "kernel", "static", "ospf", ...
std::string_view route_type_of(const netlink::Route& route);

// zebra_check_addr(): 127/8, 224/4 (multicast), 169.254/16, ::1 and fe80::/10 are never
// redistributed.
bool redistributable(const Prefix& prefix);

// One route offered to BGP: the route zebra selected for the prefix.
struct RedistributedRoute {
  Prefix prefix;
  std::string_view type;              // a RouteType name
  std::uint32_t metric = 0;           // the kernel route's metric (RTA_PRIORITY); connected: 0
  std::optional<IpAddress> next_hop;  // its first gateway (IPv6: a global one); none: self
  bool operator==(const RedistributedRoute&) const = default;
};

// The routes of the view, one per prefix as zebra selects them (connected first, then the
// kernel route of the type with the lowest distance, then of the lowest metric), every type.
// Connected: the networks of the addresses of usable links (not `noprefixroute`, not
// `dadfailed`; for a point-to-point address its peer's).
std::vector<RedistributedRoute> selected_routes(const netlink::InterfaceView& view);

// The path FRR's bgp_redistribute_add() makes: ORIGIN INCOMPLETE, an empty AS_PATH, MED the
// route's metric or `metric N` when given, the route's next hop or this router's.
wire::PathAttributes redistributed_attributes(const RedistributedRoute& route,
                                              std::optional<std::uint32_t> metric);

// `bgp network import-check`: the prefixes the view has a route for that is no BGP route
// (zebra's import-check nexthop tracking: the longest match must be the `network` prefix
// itself): the connected networks of usable links and every kernel route kept by the view.
std::unordered_set<Prefix> import_check_prefixes(const netlink::InterfaceView& view);

}  // namespace vipd::bgp
