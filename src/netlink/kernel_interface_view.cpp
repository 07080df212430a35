#include "netlink/kernel_interface_view.hpp"

#include <sys/socket.h>

#include "common/log.hpp"
#include "netlink/addresses.hpp"
#include "netlink/reachability.hpp"

namespace vipd::netlink {
namespace {

MonitorOptions view_options() {
  MonitorOptions options;
  // Links, addresses and routes: a link going down sends a few notifications per address and
  // route. vipd's own routes and other BGP daemons' are dropped in the kernel (a socket
  // filter): next hops do not resolve over them, and a full table would flood the queue.
  options.routes = true;
  options.ignored_route_protocols = {kRouteProtocol, RTPROT_BGP};
  // One queue for every module, of the default 4 MiB: a burst of route notifications seldom
  // overruns it (an overrun costs a full read of links, addresses and routes).
  return options;
}

}  // namespace

KernelInterfaceView::KernelInterfaceView(asio::io_context& io)
    : monitor_(
          io, [this](const Event& event) { monitor_event(event); }, view_options()) {}

KernelInterfaceView::~KernelInterfaceView() = default;

Status<std::string> KernelInterfaceView::start() {
  if (monitor_.running()) return Ok{};
  if (!dumps_.is_open())
    if (auto opened = dumps_.open(); !opened) return unexpected("rtnetlink: " + opened.error());
  // Joined first, read second: a change in between is also queued, and applies idempotently.
  if (auto started = monitor_.start(); !started) return started;
  if (auto read = read_all(); !read) {
    monitor_.stop();
    return read;
  }
  log::info("interfaces: {} links, {} addresses and {} kernel routes", view_.links().size(),
            view_.address_count(), view_.route_count());
  return Ok{};
}

void KernelInterfaceView::stop() {
  monitor_.stop();
}

Status<std::string> KernelInterfaceView::read_all() {
  auto addresses = list_addresses(dumps_);
  if (!addresses) return unexpected("address dump: " + addresses.error().text());
  std::vector<Route> routes;
  for (int family : {AF_INET, AF_INET6}) {
    auto dumped = dumps_.dump_main(family);
    if (!dumped) return unexpected(dumped.error());
    for (auto& route : *dumped)
      if (InterfaceView::kept(route)) routes.push_back(std::move(route));
  }
  std::vector<Link> links;
  for (const auto& [index, link] : monitor_.monitor().links()) links.push_back(link);
  view_.reset(links, *addresses, routes);
  return Ok{};
}

void KernelInterfaceView::monitor_event(const Event& event) {
  if (!std::holds_alternative<ResyncNeeded>(event)) {
    view_.apply(event);
    return;
  }
  // Notifications were lost: read the addresses and routes again. The monitor has already read
  // the links again, and reports their changes as events next (which the view then applies
  // idempotently, and VRRP acts on).
  ++overruns_;
  log::warning("interfaces: netlink monitor overrun, links, addresses and routes read again");
  if (auto read = read_all(); !read)
    log::error("interfaces: after a monitor overrun: {}", read.error());
}

}  // namespace vipd::netlink
