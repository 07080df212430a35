#include "netlink/fib.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "bgp/rib/decision.hpp"
#include "common/log.hpp"

namespace vipd::netlink {
namespace {

bool same_gateways(const std::vector<NextHop>& a, const std::vector<NextHop>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const NextHop& x, const NextHop& y) { return x.gateway == y.gateway; });
}

}  // namespace

event::TimePoint Fib::now() const {
  return clock_ ? clock_->now() : event::SteadyClock::now();
}

void Fib::apply(const std::vector<bgp::rib::Change>& changes) {
  if (!tracking_) return;
  requests_.clear();
  const auto stamp = now();
  for (const auto& change : changes) {
    if (change.family != bgp::wire::kIpv4Unicast && change.family != bgp::wire::kIpv6Unicast)
      continue;
    std::vector<NextHop> hops;
    if (!change.removed) {
      for (const auto& path : change.paths) {
        if (hops.size() >= max_next_hops_) break;
        auto next_hop = bgp::rib::next_hop_of(*path.attrs, change.family);
        if (!next_hop || next_hop->family() != change.prefix.family() || next_hop->is_unspecified())
          continue;
        NextHop hop{*next_hop};
        // The kernel rejects repeated gateways in one multipath route as pointless; two peers
        // announcing the same third-party next hop give one kernel next hop.
        if (std::find(hops.begin(), hops.end(), hop) == hops.end()) hops.push_back(hop);
      }
    }
    auto it = routes_.find(change.prefix);
    if (hops.empty()) {
      if (it == routes_.end()) continue;
      requests_.push_back({RouteOp::kDelete, Route{change.prefix, {}}});
      routes_.erase(it);
      continue;
    }
    // Gateways only: the interfaces resolve_interfaces() filled in are the kernel's choice.
    if (it != routes_.end() && it->second.installed && same_gateways(it->second.next_hops, hops))
      continue;
    requests_.push_back({RouteOp::kReplace, Route{change.prefix, hops}});
    routes_[change.prefix] = FibEntry{std::move(hops), stamp, true, {}};
  }
  write(requests_);
}

void Fib::remove_all() {
  requests_.clear();
  for (const auto& [prefix, entry] : routes_)
    if (entry.installed) requests_.push_back({RouteOp::kDelete, Route{prefix, {}}});
  routes_.clear();
  write(requests_);
}

void Fib::write(std::vector<RouteRequest>& requests) {
  if (requests.empty()) return;
  for (const auto& r : requests) ++(r.op == RouteOp::kDelete ? deletes_ : installs_);
  for (const auto& failure : program(requests)) {
    const RouteRequest& r = requests[failure.index];
    // A route that is already gone (deleted by hand, or its interface went down and the kernel
    // flushed it) is what a delete wants.
    if (r.op == RouteOp::kDelete && failure.error == ESRCH) continue;
    ++failures_;
    std::string hops;
    for (const auto& hop : r.route.next_hops)
      hops += (hops.empty() ? " via " : ", ") + hop.gateway.to_string();
    std::string reason = std::strerror(failure.error);
    if (!failure.message.empty()) reason += " (" + failure.message + ")";
    log::error("fib: cannot {} {}{}: {}", r.op == RouteOp::kDelete ? "delete" : "install",
               r.route.prefix.to_string(), hops, reason);
    if (r.op == RouteOp::kReplace) {
      if (auto it = routes_.find(r.route.prefix); it != routes_.end()) {
        it->second.installed = false;
        it->second.error = reason;
      }
    }
  }
}

Result<std::size_t, std::string> NetlinkFib::open() {
  if (auto opened = socket_.open(); !opened) return unexpected(opened.error());
  std::vector<RouteRequest> stale;
  for (int family : {AF_INET, AF_INET6}) {
    auto routes = socket_.dump(family, kRouteProtocol);
    if (!routes) return unexpected(routes.error());
    for (auto& route : *routes) stale.push_back({RouteOp::kDelete, Route{route.prefix, {}}});
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

std::vector<RouteFailure> NetlinkFib::program(std::span<const RouteRequest> requests) {
  auto failures = socket_.send(requests);
  if (failures) return std::move(*failures);
  // The socket failed as a whole (not open, or the kernel stopped answering): every request is
  // reported, so each prefix is logged and marked.
  log::error("fib: {}", failures.error());
  std::vector<RouteFailure> all;
  for (std::size_t i = 0; i < requests.size(); ++i) all.push_back({i, EIO, failures.error()});
  return all;
}

void NetlinkFib::resolve_interfaces() {
  if (!socket_.is_open()) return;
  for (int family : {AF_INET, AF_INET6}) {
    auto routes = socket_.dump(family, kRouteProtocol);
    if (!routes) {
      log::warning("fib: {}", routes.error());
      return;
    }
    auto& table = mutable_routes();
    for (const auto& route : *routes) {
      auto it = table.find(route.prefix);
      if (it == table.end()) continue;
      for (auto& hop : it->second.next_hops) {
        auto k = std::find_if(route.next_hops.begin(), route.next_hops.end(),
                              [&](const NextHop& h) { return h.gateway == hop.gateway; });
        if (k != route.next_hops.end()) hop.ifindex = k->ifindex;
      }
    }
  }
}

}  // namespace vipd::netlink
