// rtnetlink route messages (rtnetlink(7)), built and parsed without a socket: a route with its
// next hops becomes one RTM_NEWROUTE / RTM_DELROUTE message, and a message of a route dump
// becomes a Route again. Pure, so the bytes can be tested without a kernel (DESIGN principle 1).
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/ip.hpp"
#include "netlink/attributes.hpp"

namespace vipd::netlink {

// The rtm_protocol of every route vipd installs; stale-route removal at start deletes exactly
// the routes of this protocol, so it must be no other daemon's. Values up to RTPROT_STATIC (4)
// belong to the kernel; <linux/rtnetlink.h> names 8-18, 42, 99, 186-189 and 192, and FRR's
// zebra uses 186-198 (/etc/iproute2/rt_protos.d/frr.conf: 196 is FRR's `static`, 198 `srte`).
// 200 is used by none of them. With `200 vipd` in /etc/iproute2/rt_protos.d/vipd.conf,
// `ip route` prints "proto vipd" (docs/fib.md).
inline constexpr std::uint8_t kRouteProtocol = 200;

struct NextHop {
  IpAddress gateway;
  // 0: the kernel picks the output interface by resolving the gateway over its routes.
  int ifindex = 0;
  // rtnexthop weight, 1-256 (carried as rtnh_hops = weight - 1).
  std::uint16_t weight = 1;
  bool operator==(const NextHop&) const = default;
};

struct Route {
  Prefix prefix;
  std::vector<NextHop> next_hops;  // empty in a delete
  std::uint32_t table = RT_TABLE_MAIN;
  std::uint8_t protocol = kRouteProtocol;
  // Read from the kernel's messages only; build_route_message() always writes a unicast route
  // of scope universe without RTA_PRIORITY or a device.
  std::uint8_t type = RTN_UNICAST;         // rtm_type: RTN_UNICAST, RTN_BLACKHOLE, ...
  std::uint8_t scope = RT_SCOPE_UNIVERSE;  // rtm_scope
  std::uint32_t priority = 0;              // RTA_PRIORITY, the route's metric
  int device = 0;  // RTA_OIF of a route without a gateway (`ip route add P dev X`)
  bool operator==(const Route&) const = default;
};

enum class RouteOp : std::uint8_t { kReplace, kDelete };

// Builds one message into `buffer` and returns its length, or 0 if it does not fit. kReplace is
// RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE (install or overwrite whatever route the table
// holds for the prefix, rtnetlink(7)); kDelete is RTM_DELROUTE for the prefix with our protocol
// (the kernel then deletes only a route of that protocol). One next hop goes as RTA_GATEWAY
// (+RTA_OIF), several as RTA_MULTIPATH with one rtnexthop each. Next hops of another address
// family than the prefix are not encodable this way and must be filtered out by the caller.
// `flags` are added to nlmsg_flags (NLM_F_ACK, NLM_F_ECHO).
std::size_t build_route_message(std::span<std::byte> buffer, RouteOp op, const Route& route,
                                std::uint32_t seq, std::uint16_t flags = NLM_F_REQUEST);
// The same into a new vector (tests, single requests).
std::vector<std::byte> build_route_message(RouteOp op, const Route& route, std::uint32_t seq,
                                           std::uint16_t flags = NLM_F_REQUEST);

// An RTM_GETROUTE dump request for the routes of `family` (AF_INET, AF_INET6) in `table` with
// rtm_protocol `protocol` (the kernel filters by both with NETLINK_GET_STRICT_CHK). Returns the
// length, or 0 if it does not fit.
std::size_t build_route_dump_request(std::span<std::byte> buffer, int family, std::uint32_t table,
                                     std::uint8_t protocol);

// A route of an RTM_NEWROUTE message (a dump entry or a notification): nullopt for other
// message types, other families than IPv4/IPv6, or malformed attributes.
std::optional<Route> parse_route_message(const nlmsghdr* message);

// The rtm_protocol of an RTM_NEWROUTE message (filters dumps before parsing).
std::optional<std::uint8_t> route_protocol(const nlmsghdr* message);

}  // namespace vipd::netlink
