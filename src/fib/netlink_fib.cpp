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

Status<std::string> NetlinkFib::track_interfaces(asio::io_context& io) {
  if (monitor_) return Ok{};
  netlink::MonitorOptions options;
  // Links, addresses and routes: a link going down sends a few notifications per address and
  // route. Our own routes and other BGP daemons' are dropped in the kernel (a socket filter):
  // next hops do not resolve over them, and a full table would flood the queue.
  options.routes = true;
  options.ignored_route_protocols = {kRouteProtocol, RTPROT_BGP};
  options.receive_buffer_bytes = 1024 * 1024;
  auto monitor = std::make_unique<netlink::AsioMonitor>(
      io, [this](const netlink::Event& e) { monitor_event(e); }, options);
  // Joined first, read second: a change in between is also queued, and applies idempotently.
  if (auto started = monitor->start(); !started) return unexpected(started.error());
  monitor_ = std::move(monitor);
  if (auto read = read_interfaces(); !read) {
    monitor_.reset();
    return read;
  }
  log::info("fib: tracking {} links, {} connected networks and {} kernel routes",
            monitor_->monitor().links().size(), connected().network_count(),
            reachability()->route_count());
  return Ok{};
}

Status<std::string> NetlinkFib::read_interfaces() {
  auto addresses = netlink::list_addresses(socket_);
  if (!addresses) return unexpected("address dump: " + addresses.error().text());
  std::vector<netlink::Route> routes;
  for (int family : {AF_INET, AF_INET6}) {
    auto dumped = socket_.dump_main(family);
    if (!dumped) return unexpected(dumped.error());
    for (auto& route : *dumped)
      if (netlink::Reachability::eligible(route)) routes.push_back(std::move(route));
  }
  std::vector<netlink::Link> links;
  for (const auto& [index, link] : monitor_->monitor().links()) links.push_back(link);
  reset_interfaces(links, *addresses, routes);
  return Ok{};
}

void NetlinkFib::monitor_event(const netlink::Event& event) {
  if (!std::holds_alternative<netlink::ResyncNeeded>(event)) {
    interface_event(event);
    return;
  }
  // Notifications were lost: read the addresses and routes again. The monitor has already read
  // the links again (and reports their changes as events next, which then change nothing).
  log::warning("fib: link monitor overrun, links, addresses and routes read again");
  if (auto read = read_interfaces(); !read)
    log::error("fib: after a monitor overrun: {}", read.error());
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
