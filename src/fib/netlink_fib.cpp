#include "fib/netlink_fib.hpp"

#include <sys/socket.h>

#include <cstring>
#include <utility>

#include "common/log.hpp"
#include "netlink/addresses.hpp"

namespace vipd::fib {

using netlink::kRouteProtocol;
using netlink::RouteOp;
using netlink::RouteRequest;

NetlinkFib::~NetlinkFib() = default;

Result<std::size_t, std::string> NetlinkFib::open() {
  if (auto opened = socket_.open(); !opened) return unexpected(opened.error());
  std::vector<RouteRequest> stale;
  for (int family : {AF_INET, AF_INET6}) {
    auto routes = socket_.dump(family, kRouteProtocol);
    if (!routes) return unexpected(routes.error());
    for (auto& route : *routes)
      stale.push_back({RouteOp::kDelete, netlink::Route{route.prefix, {}}});
  }
  auto failures = socket_.send(stale);
  if (!failures) return unexpected(failures.error());
  for (const auto& f : *failures)
    if (f.error != ESRCH)
      log::error("fib: cannot delete stale route {}: {}", stale[f.index].route.prefix.to_string(),
                 std::strerror(f.error));
  if (!stale.empty())
    log::notice("fib: deleted {} stale routes of protocol {} left by a previous run",
                stale.size() - failures->size(), kRouteProtocol);
  return stale.size() - failures->size();
}

Status<std::string> NetlinkFib::track_interfaces(netlink::InterfaceView& view) {
  if (!view.ready()) return unexpected(std::string("no interface view"));
  interfaces_ = view.subscribe([this, &view](const netlink::Event& e) { view_event(view, e); });
  view_event(view, netlink::ResyncNeeded{});
  log::info("fib: tracking {} links, {} connected networks and {} kernel routes",
            view.links().size(), connected().network_count(), reachability()->route_count());
  return Ok{};
}

void NetlinkFib::view_event(const netlink::InterfaceView& view, const netlink::Event& event) {
  if (!std::holds_alternative<netlink::ResyncNeeded>(event)) {
    interface_event(event);
    return;
  }
  // The view was read again (at start, or after notifications were lost).
  reset_interfaces(view.all_links(), view.all_addresses(), view.all_routes());
}

std::vector<netlink::RouteFailure> NetlinkFib::program(std::span<const RouteRequest> requests) {
  auto failures = socket_.send(requests);
  if (failures) return std::move(*failures);
  // The socket failed as a whole (not open, or the kernel stopped answering): every request is
  // reported, so each prefix is logged and marked.
  log::error("fib: {}", failures.error());
  std::vector<netlink::RouteFailure> all;
  for (std::size_t i = 0; i < requests.size(); ++i) all.push_back({i, EIO, failures.error()});
  return all;
}

std::map<Prefix, std::vector<NextHop>> NetlinkFib::kernel_routes() {
  std::map<Prefix, std::vector<NextHop>> out;
  if (!socket_.is_open()) return out;
  for (int family : {AF_INET, AF_INET6}) {
    auto routes = socket_.dump(family, kRouteProtocol);
    if (!routes) {
      log::warning("fib: {}", routes.error());
      return out;
    }
    for (auto& route : *routes) out[route.prefix] = std::move(route.next_hops);
  }
  return out;
}

}  // namespace vipd::fib
