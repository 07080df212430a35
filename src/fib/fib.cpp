#include "fib/fib.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/log.hpp"

namespace vipd::fib {

using netlink::RouteOp;
using netlink::RouteRequest;

std::string_view name(Source source) {
  switch (source) {
    case Source::kConnected:
      return "connected";
    case Source::kStatic:
      return "static";
    case Source::kLoadBalancer:
      return "lb";
    case Source::kBgp:
      return "bgp";
  }
  return "unknown";
}

event::TimePoint Fib::now() const {
  return clock_ ? clock_->now() : event::SteadyClock::now();
}

Resolution Fib::resolve(const IpAddress& gateway) const {
  // Untracked: the kernel resolves the gateway (or refuses the route) by itself.
  if (!tracks_interfaces_) return {true, 0, std::nullopt, {}};
  // As zebra: a connected network of a usable link first, else the longest kernel route with a
  // usable link (netlink::Reachability, kRecursive: not the default route, not a BGP route).
  auto r = reachability_.resolve(gateway, netlink::Reachability::Mode::kRecursive);
  Resolution out{r.reachable, r.ifindex, std::nullopt, {}};
  if (r.reachable && !r.connected) {
    out.route = r.route;
    out.via = std::move(r.via);
  }
  return out;
}

Resolution Fib::resolution(const IpAddress& gateway) const {
  auto it = gateways_.find(gateway);
  return it != gateways_.end() ? it->second.resolution : resolve(gateway);
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

const Resolution& Fib::cached(const IpAddress& gateway, Resolution& fresh) const {
  // Every gateway in use is in gateways_ (acquire()): its resolution as last written.
  auto it = gateways_.find(gateway);
  if (it != gateways_.end()) return it->second.resolution;
  fresh = resolve(gateway);
  return fresh;
}

bool Fib::any_resolved(const SourceRoute& route) const {
  if (!tracks_interfaces_) return !route.next_hops.empty();
  Resolution fresh;
  return std::any_of(route.next_hops.begin(), route.next_hops.end(), [&](const NextHop& hop) {
    const Resolution& r = cached(hop.gateway, fresh);
    return r.usable && (!r.recursive() || !r.via.empty());
  });
}

void Fib::kernel_hops(const SourceRoute& route, std::vector<NextHop>& hops,
                      std::vector<int>* links) const {
  hops.clear();
  if (links) links->clear();
  auto add = [&](const NextHop& hop, int link) {
    if (hops.size() >= max_next_hops_) return;
    // The kernel refuses a multipath route that repeats a gateway; two next hops that resolve
    // over the same kernel route give its gateways once.
    auto same = [&](const NextHop& h) { return h.gateway == hop.gateway; };
    if (std::any_of(hops.begin(), hops.end(), same)) return;
    hops.push_back(hop);
    if (links) links->push_back(link);
  };
  Resolution fresh;
  for (const auto& hop : route.next_hops) {
    if (!tracks_interfaces_) {
      add(hop, 0);
      continue;
    }
    const Resolution& r = cached(hop.gateway, fresh);
    if (!r.usable) continue;
    if (!r.recursive()) {
      add(hop, r.ifindex);
      continue;
    }
    // Recursive: zebra installs the resolved gateways with their devices. A kernel route
    // without a gateway (a device route) takes the next hop itself over its device.
    for (const auto& via : r.via)
      add(NextHop{via.gateway.is_unspecified() ? hop.gateway : via.gateway, via.ifindex,
                  hop.weight},
          via.ifindex);
  }
}

const SourceRoute* Fib::selected(const FibEntry& entry) const {
  // zebra's rib_process: the best route whose next hops are active; a source whose gateways do
  // not resolve leaves the prefix to the next one.
  for (const auto& route : entry.routes)
    if (any_resolved(route)) return &route;
  return entry.routes.empty() ? nullptr : &entry.routes.front();
}

Fib::KernelRoute Fib::kernel_route(const FibEntry& entry) const {
  KernelRoute out;
  const SourceRoute* route = selected(entry);
  if (route) kernel_hops(*route, out.hops, &out.links);
  return out;
}

std::vector<NextHop> Fib::kernel_next_hops(const FibEntry& entry) const {
  return kernel_route(entry).hops;
}

bool Fib::in_kernel(const FibEntry& entry) const {
  return entry.installed && std::any_of(entry.routes.begin(), entry.routes.end(),
                                        [&](const SourceRoute& r) { return any_resolved(r); });
}

void Fib::rewrite(const Prefix& prefix, FibEntry& entry, const KernelRoute& before,
                  bool was_written, event::TimePoint stamp) {
  auto after = kernel_route(entry);
  // Only unresolved next hops, or a route that is not selected, came or went (a session over a
  // link that is down ended): the kernel route stays as it is.
  if (entry.installed && after == before) return;
  if (!after.hops.empty())
    requests_.push_back({RouteOp::kReplace, netlink::Route{prefix, std::move(after.hops)}});
  else if (was_written)
    requests_.push_back({RouteOp::kDelete, netlink::Route{prefix, {}}});
  entry.since = stamp;
  entry.installed = true;
  entry.error.clear();
}

void Fib::apply(std::span<Route> routes) {
  if (!tracking_) return;
  requests_.clear();
  const auto stamp = now();
  for (auto& route : routes) {
    const bool withdrawn = route.next_hops.empty();
    auto it = routes_.find(route.prefix);
    if (it == routes_.end()) {
      if (withdrawn) continue;
      acquire(route.next_hops);
      it = routes_.emplace_hint(it, route.prefix, FibEntry{{}, stamp, true, {}});
      auto& added = it->second.routes.emplace_back(
          SourceRoute{route.source, route.distance, std::move(route.next_hops)});
      std::vector<NextHop> hops;
      kernel_hops(added, hops, nullptr);
      if (!hops.empty())
        requests_.push_back({RouteOp::kReplace, netlink::Route{route.prefix, std::move(hops)}});
      continue;
    }
    FibEntry& entry = it->second;
    auto& list = entry.routes;
    auto own = std::find_if(list.begin(), list.end(),
                            [&](const SourceRoute& r) { return r.source == route.source; });
    if (withdrawn && own == list.end()) continue;
    if (withdrawn && list.size() == 1) {
      // The prefix's last route. Nothing to delete when no next hop resolved: the route was
      // never written, or was deleted when its last next hop went.
      const bool was_written = !entry.installed || any_resolved(*own);
      release(own->next_hops);
      routes_.erase(it);
      if (was_written) requests_.push_back({RouteOp::kDelete, netlink::Route{route.prefix, {}}});
      continue;
    }
    // The same next hops with other attributes (a new MED, say) change nothing in the kernel.
    if (!withdrawn && own != list.end() && own->distance == route.distance &&
        own->next_hops == route.next_hops && entry.installed)
      continue;
    const auto before = kernel_route(entry);
    const bool was_written = !entry.installed || !before.hops.empty();
    if (own != list.end()) release(own->next_hops);
    if (withdrawn) {
      list.erase(own);
    } else {
      acquire(route.next_hops);
      if (own == list.end())
        list.push_back({route.source, route.distance, std::move(route.next_hops)});
      else
        *own = {route.source, route.distance, std::move(route.next_hops)};
      std::stable_sort(list.begin(), list.end(), [](const SourceRoute& a, const SourceRoute& b) {
        return std::pair(a.distance, a.source) < std::pair(b.distance, b.source);
      });
    }
    rewrite(it->first, entry, before, was_written, stamp);
  }
  write(requests_);
}

void Fib::withdraw_all(Source source) {
  std::vector<Route> gone;
  for (const auto& [prefix, entry] : routes_)
    for (const auto& route : entry.routes)
      if (route.source == source) gone.push_back({prefix, source, route.distance, {}});
  apply(gone);
}

void Fib::remove_all() {
  requests_.clear();
  for (const auto& [prefix, entry] : routes_)
    if (!entry.installed || in_kernel(entry))
      requests_.push_back({RouteOp::kDelete, netlink::Route{prefix, {}}});
  routes_.clear();
  gateways_.clear();
  write(requests_);
}

void Fib::reset_interfaces(std::span<const netlink::Link> links,
                           std::span<const netlink::InterfaceAddress> addresses,
                           std::span<const netlink::Route> routes) {
  reachability_.reset(links, addresses, routes);
  tracks_interfaces_ = true;
  if (reachability_listener_) reachability_listener_();
  reresolve();
}

void Fib::interface_event(const netlink::Event& event) {
  if (!tracks_interfaces_) return;
  if (!reachability_.apply(event)) return;
  // The sources first (BGP's Loc-RIB): their new selections replace the routes whose best next
  // hop went, then only the gateways still in use are re-resolved here.
  if (reachability_listener_) reachability_listener_();
  reresolve();
}

void Fib::reresolve() {
  // The gateways whose resolution changed in a way the kernel route shows: resolved or not, or
  // resolved over another link or kernel route. Kept aside until the routes' kernel next hops
  // as last written are known.
  std::map<IpAddress, Resolution> changed;
  for (auto& [gateway, state] : gateways_) {
    auto after = resolve(gateway);
    const auto& before = state.resolution;
    if (after.usable == before.usable &&
        (!after.usable || (after.ifindex == before.ifindex && after.route == before.route &&
                           after.via == before.via))) {
      state.resolution = std::move(after);
      continue;
    }
    changed.emplace(gateway, std::move(after));
  }
  if (changed.empty()) return;
  // The routes using one of them, with what the kernel has for them now.
  struct Affected {
    std::map<Prefix, FibEntry>::iterator entry;
    KernelRoute before;
    bool was_written;
  };
  std::vector<Affected> affected;
  for (auto it = routes_.begin(); it != routes_.end(); ++it) {
    bool uses = false;
    for (const auto& route : it->second.routes)
      for (const auto& hop : route.next_hops) uses |= changed.contains(hop.gateway);
    if (!uses) continue;
    auto before = kernel_route(it->second);
    const bool was_written = !it->second.installed || !before.hops.empty();
    affected.push_back({it, std::move(before), was_written});
  }
  for (auto& [gateway, after] : changed) {
    std::string name(connected().link_name(after.ifindex));
    if (name.empty()) name = std::to_string(after.ifindex);
    if (after.usable && after.recursive())
      log::notice("fib: next hop {} resolved over the kernel route {} ({})", gateway.to_string(),
                  after.route->to_string(), name);
    else if (after.usable)
      log::notice("fib: next hop {} resolved over {}", gateway.to_string(), name);
    else if (after.ifindex != 0)
      log::notice("fib: next hop {} unresolved: {} is down", gateway.to_string(), name);
    else
      log::notice("fib: next hop {} unresolved: no connected network or kernel route holds it",
                  gateway.to_string());
    gateways_[gateway].resolution = std::move(after);
  }
  // Those routes get the next hops that resolve now, or are deleted if none does. Other routes
  // are not written.
  requests_.clear();
  const auto stamp = now();
  for (auto& a : affected) rewrite(a.entry->first, a.entry->second, a.before, a.was_written, stamp);
  std::size_t deleted = 0;
  for (const auto& r : requests_) deleted += r.op == RouteOp::kDelete;
  if (!requests_.empty())
    log::info("fib: next hops changed: {} routes rewritten, {} deleted", requests_.size() - deleted,
              deleted);
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

}  // namespace vipd::fib
