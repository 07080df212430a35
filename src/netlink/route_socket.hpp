// Route writes and dumps on a netlink Socket (rtnetlink(7)): RouteRequests become
// RTM_NEWROUTE/RTM_DELROUTE messages sent in batches (Socket::send), failures per request.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "netlink/route_message.hpp"
#include "netlink/socket.hpp"

namespace vipd::netlink {

struct RouteRequest {
  RouteOp op;
  Route route;
};

// A failed request: index into the requests given to send().
using RouteFailure = Failure;

class RouteSocket : public Socket {
 public:
  // Sends every request (in order, batched) and waits for the kernel's answers. Returns the
  // requests that failed, or an error if the socket itself failed (then some requests may have
  // been applied and others not).
  Result<std::vector<RouteFailure>, std::string> send(std::span<const RouteRequest> requests);

  // Every route of `family` (AF_INET or AF_INET6) in the main table with rtm_protocol
  // `protocol`.
  Result<std::vector<Route>, std::string> dump(int family, std::uint8_t protocol);
  // Every route of `family` in the main table, of any protocol.
  Result<std::vector<Route>, std::string> dump_main(int family);
};

}  // namespace vipd::netlink
