#include "netlink/route_socket.hpp"

#include <libmnl/libmnl.h>

namespace vipd::netlink {

Result<std::vector<RouteFailure>, std::string> RouteSocket::send(
    std::span<const RouteRequest> requests) {
  return Socket::send(requests.size(), [&](std::size_t i, std::span<std::byte> room) {
    return build_route_message(room, requests[i].op, requests[i].route, 0);
  });
}

Result<std::vector<Route>, std::string> RouteSocket::dump(int family, std::uint8_t protocol) {
  auto request = [&](std::span<std::byte> room) {
    return build_route_dump_request(room, family, RT_TABLE_MAIN, protocol);
  };
  auto routes = collect<Route>(request, [&](const nlmsghdr* m) -> std::optional<Route> {
    // Without strict checking (kernels before 4.20) the kernel dumps every table and protocol.
    if (route_protocol(m) != protocol) return std::nullopt;
    auto route = parse_route_message(m);
    if (!route || route->table != RT_TABLE_MAIN) return std::nullopt;
    return route;
  });
  if (!routes) return unexpected("netlink route dump: " + routes.error().text());
  return std::move(*routes);
}

Result<std::vector<Route>, std::string> RouteSocket::dump_main(int family) {
  auto request = [&](std::span<std::byte> room) {
    // Protocol 0 (RTPROT_UNSPEC): the kernel does not filter by protocol.
    return build_route_dump_request(room, family, RT_TABLE_MAIN, RTPROT_UNSPEC);
  };
  auto routes = collect<Route>(request, [&](const nlmsghdr* m) -> std::optional<Route> {
    auto route = parse_route_message(m);
    if (!route || route->table != RT_TABLE_MAIN) return std::nullopt;
    return route;
  });
  if (!routes) return unexpected("netlink route dump: " + routes.error().text());
  return std::move(*routes);
}

}  // namespace vipd::netlink
