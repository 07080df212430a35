#include "netlink/fib.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "bgp/rib/decision.hpp"
#include "common/log.hpp"
#include "netlink/addresses.hpp"

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

ConnectedNetworks::Resolution Fib::resolve(const IpAddress& gateway) const {
  // Untracked: the kernel resolves the gateway (or refuses the route) by itself.
  if (!tracks_interfaces_) return {0, true};
  return reachability_.connected().resolve(gateway);
}

ConnectedNetworks::Resolution Fib::resolution(const IpAddress& gateway) const {
  auto it = gateways_.find(gateway);
  return it != gateways_.end() ? it->second.resolution : resolve(gateway);
}

bool Fib::in_kernel(const FibEntry& entry) const {
  return entry.installed && std::any_of(entry.next_hops.begin(), entry.next_hops.end(),
                                        [&](const NextHop& h) { return resolved(h.gateway); });
}

void Fib::acquire(const std::vector<NextHop>& hops) {
  for (const auto& hop : hops) {
    auto [it, added] = gateways_.try_emplace(hop.gateway);
    if (added) it->second.resolution = resolve(hop.gateway);
    ++it->second.routes;
  }
}

void Fib::release(const std::vector<NextHop>& hops) {
  for (const auto& hop : hops) {
    auto it = gateways_.find(hop.gateway);
    if (it != gateways_.end() && --it->second.routes == 0) gateways_.erase(it);
  }
}

std::vector<NextHop> Fib::resolved_hops(const std::vector<NextHop>& hops) const {
  std::vector<NextHop> out;
  for (const auto& hop : hops)
    if (resolved(hop.gateway)) out.push_back(hop);
  return out;
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
      // Nothing to delete when no next hop resolved: the route was never written, or was
      // deleted when its last next hop went.
      if (!it->second.installed || in_kernel(it->second))
        requests_.push_back({RouteOp::kDelete, Route{change.prefix, {}}});
      release(it->second.next_hops);
      routes_.erase(it);
      continue;
    }
    // Gateways only: the interfaces resolve_interfaces() filled in are the kernel's choice.
    if (it != routes_.end() && it->second.installed && same_gateways(it->second.next_hops, hops))
      continue;
    std::vector<NextHop> before;
    bool was_written = false;
    if (it != routes_.end()) {
      before = resolved_hops(it->second.next_hops);
      was_written = !it->second.installed || !before.empty();
      release(it->second.next_hops);
    }
    acquire(hops);
    auto active = resolved_hops(hops);
    if (it != routes_.end() && it->second.installed && same_gateways(before, active)) {
      // Only unresolved next hops came or went (a session over a link that is down ended):
      // the kernel route stays as it is.
      it->second.next_hops = std::move(hops);
      continue;
    }
    if (!active.empty())
      requests_.push_back({RouteOp::kReplace, Route{change.prefix, std::move(active)}});
    else if (was_written)
      requests_.push_back({RouteOp::kDelete, Route{change.prefix, {}}});
    routes_[change.prefix] = FibEntry{std::move(hops), stamp, true, {}};
  }
  write(requests_);
}

void Fib::remove_all() {
  requests_.clear();
  for (const auto& [prefix, entry] : routes_)
    if (!entry.installed || in_kernel(entry))
      requests_.push_back({RouteOp::kDelete, Route{prefix, {}}});
  routes_.clear();
  gateways_.clear();
  write(requests_);
}

void Fib::reset_interfaces(std::span<const Link> links, std::span<const InterfaceAddress> addresses,
                           std::span<const Route> routes) {
  reachability_.reset(links, addresses, routes);
  tracks_interfaces_ = true;
  if (reachability_listener_) reachability_listener_();
  reresolve();
}

void Fib::interface_event(const Event& event) {
  if (!tracks_interfaces_) return;
  if (!reachability_.apply(event)) return;
  // The Loc-RIB first: its new selections replace the routes whose best next hop went, then
  // only the gateways still in use are re-resolved here.
  if (reachability_listener_) reachability_listener_();
  reresolve();
}

void Fib::reresolve() {
  // The gateways whose resolution changed in a way the kernel route shows: resolved or not, or
  // resolved over another link. With whether they were resolved before.
  std::map<IpAddress, bool> changed;
  for (auto& [gateway, state] : gateways_) {
    auto after = resolve(gateway);
    auto before = std::exchange(state.resolution, after);
    if (after.usable == before.usable && (!after.usable || after.ifindex == before.ifindex))
      continue;
    changed.emplace(gateway, before.usable);
    std::string name(connected().link_name(after.ifindex));
    if (name.empty()) name = std::to_string(after.ifindex);
    if (after.usable)
      log::notice("fib: next hop {} resolved over {}", gateway.to_string(), name);
    else if (after.ifindex != 0)
      log::notice("fib: next hop {} unresolved: {} is down", gateway.to_string(), name);
    else
      log::notice("fib: next hop {} unresolved: no connected network holds it",
                  gateway.to_string());
  }
  if (changed.empty()) return;
  // The routes using one of them get the next hops that resolve now, or are deleted if none
  // does. Other routes are not written.
  requests_.clear();
  const auto stamp = now();
  std::size_t rewritten = 0, deleted = 0;
  for (auto& [prefix, entry] : routes_) {
    bool affected = false, was_written = !entry.installed;
    for (const auto& hop : entry.next_hops) {
      auto c = changed.find(hop.gateway);
      affected |= c != changed.end();
      was_written |= c != changed.end() ? c->second : resolved(hop.gateway);
    }
    if (!affected) continue;
    auto active = resolved_hops(entry.next_hops);
    if (!active.empty()) {
      requests_.push_back({RouteOp::kReplace, Route{prefix, std::move(active)}});
      ++rewritten;
    } else if (was_written) {
      requests_.push_back({RouteOp::kDelete, Route{prefix, {}}});
      ++deleted;
    } else {
      continue;
    }
    entry.since = stamp;
    entry.installed = true;
    entry.error.clear();
  }
  if (rewritten + deleted > 0)
    log::info("fib: next hops changed: {} routes rewritten, {} deleted", rewritten, deleted);
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

NetlinkFib::~NetlinkFib() = default;

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

Status<std::string> NetlinkFib::track_interfaces(InterfaceView& view) {
  if (!view.ready()) return unexpected(std::string("no interface view"));
  interfaces_ = view.subscribe([this, &view](const Event& e) { view_event(view, e); });
  view_event(view, ResyncNeeded{});
  log::info("fib: tracking {} links, {} connected networks and {} kernel routes",
            view.links().size(), connected().network_count(), reachability()->route_count());
  return Ok{};
}

void NetlinkFib::view_event(const InterfaceView& view, const Event& event) {
  if (!std::holds_alternative<ResyncNeeded>(event)) {
    interface_event(event);
    return;
  }
  // The view was read again (at start, or after notifications were lost).
  reset_interfaces(view.all_links(), view.all_addresses(), view.all_routes());
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
