#include "netlink/reachability.hpp"

#include <algorithm>

namespace vipd::netlink {
namespace {

// RTPROT_BGP of <linux/rtnetlink.h> (FRR's zebra, BIRD's `krt_source`): another daemon's BGP.
constexpr std::uint8_t kBgpProtocol = RTPROT_BGP;

std::vector<NextHop> hops_of(const Route& route) {
  if (route.next_hops.empty() && route.device > 0) return {NextHop{IpAddress{}, route.device}};
  return route.next_hops;
}

}  // namespace

bool Reachability::eligible(const Route& route) {
  return route.table == RT_TABLE_MAIN && route.type == RTN_UNICAST && route.prefix.length() > 0 &&
         route.protocol != kRouteProtocol && route.protocol != kBgpProtocol &&
         route.protocol != RTPROT_KERNEL;
}

void Reachability::reset(std::span<const Link> links, std::span<const InterfaceAddress> addresses,
                         std::span<const Route> routes) {
  connected_.reset(links, addresses);
  links_.clear();
  for (const auto& link : links) links_[link.ifindex] = {link.admin_up(), link.usable()};
  routes_.clear();
  route_count_ = 0;
  v4_lengths_.fill(0);
  v6_lengths_.fill(0);
  for (const auto& route : routes) route_added(route);
}

bool Reachability::link_usable(int ifindex) const {
  auto it = links_.find(ifindex);
  return it != links_.end() && it->second.usable;
}

bool Reachability::usable(const KernelRoute& route) const {
  return std::any_of(route.links.begin(), route.links.end(),
                     [&](int ifindex) { return link_usable(ifindex); });
}

bool Reachability::apply(const Event& event) {
  bool changed = connected_.apply(event);
  if (const auto* link = std::get_if<LinkEvent>(&event)) return link_changed(*link) || changed;
  if (const auto* route = std::get_if<RouteEvent>(&event)) {
    if (!eligible(route->route)) return changed;
    return (route->kind == RouteEvent::Kind::kAdded ? route_added(route->route)
                                                    : route_removed(route->route)) ||
           changed;
  }
  return changed;
}

bool Reachability::link_changed(const LinkEvent& event) {
  const int ifindex = event.link.ifindex;
  LinkState before;
  if (auto it = links_.find(ifindex); it != links_.end()) before = it->second;
  LinkState after;
  if (event.kind == LinkEvent::Kind::kRemoved)
    links_.erase(ifindex);
  else
    after = links_[ifindex] = {event.link.admin_up(), event.link.usable()};
  bool uses = false;
  for (const auto& [prefix, list] : routes_)
    for (const auto& route : list)
      uses |= std::find(route.links.begin(), route.links.end(), ifindex) != route.links.end();
  if (!uses) return false;
  bool changed = before.usable != after.usable;
  const bool removed = event.kind == LinkEvent::Kind::kRemoved;
  if (removed || (before.admin_up && !after.admin_up)) {
    // The kernel deletes routes with the link, IPv4 ones without a notification (docs/netlink.md,
    // "Link tracking"): on admin down those whose every next hop is on a link that is down (a
    // multipath route keeps its next hop elsewhere, marking this one dead); when the link goes
    // away every route with a next hop over it.
    auto down = [&](int l) {
      auto state = links_.find(l);
      return state == links_.end() || !state->second.admin_up;
    };
    for (auto it = routes_.begin(); it != routes_.end();) {
      auto& list = it->second;
      auto gone = std::erase_if(list, [&](const KernelRoute& route) {
        const auto& l = route.links;
        return removed ? std::find(l.begin(), l.end(), ifindex) != l.end()
                       : std::all_of(l.begin(), l.end(), down);
      });
      route_count_ -= gone;
      changed |= gone > 0;
      if (list.empty()) {
        const Prefix& p = it->first;
        --(p.family() == Family::kIpv4 ? v4_lengths_[p.length()] : v6_lengths_[p.length()]);
        it = routes_.erase(it);
      } else {
        ++it;
      }
    }
  }
  return changed;
}

bool Reachability::route_added(const Route& route) {
  if (!eligible(route)) return false;
  KernelRoute entry{route.priority, route_links(route), hops_of(route)};
  auto [it, added] = routes_.try_emplace(route.prefix);
  if (added) {
    const Prefix& p = route.prefix;
    ++(p.family() == Family::kIpv4 ? v4_lengths_[p.length()] : v6_lengths_[p.length()]);
  }
  auto& list = it->second;
  // The kernel keys a route by prefix and metric: a notification for one already known
  // replaces it (`ip route replace`, next hops changed).
  auto same = std::find_if(list.begin(), list.end(),
                           [&](const KernelRoute& r) { return r.metric == entry.metric; });
  if (same != list.end()) {
    if (*same == entry) return false;
    *same = std::move(entry);
    return true;
  }
  list.push_back(std::move(entry));
  ++route_count_;
  return true;
}

bool Reachability::route_removed(const Route& route) {
  auto it = routes_.find(route.prefix);
  if (it == routes_.end()) return false;
  auto& list = it->second;
  auto gone = std::erase_if(list, [&](const KernelRoute& r) { return r.metric == route.priority; });
  if (gone == 0) return false;
  route_count_ -= gone;
  if (list.empty()) {
    const Prefix& p = it->first;
    --(p.family() == Family::kIpv4 ? v4_lengths_[p.length()] : v6_lengths_[p.length()]);
    routes_.erase(it);
  }
  return true;
}

Reachability::Resolution Reachability::resolve(const IpAddress& next_hop, Mode mode) const {
  auto c = connected_.resolve(next_hop);
  if (c.usable) return {true, true, c.ifindex, std::nullopt, 0, {}};
  Resolution unreachable{false, false, c.ifindex, std::nullopt, 0, {}};
  if (mode == Mode::kConnected || routes_.empty()) return unreachable;
  // Longest match first; a prefix whose routes have no usable link is passed over for a
  // shorter one, as zebra walks up its table. Length 0 is never stored.
  const bool v4 = next_hop.is_v4();
  const int max = v4 ? 32 : 128;
  for (int length = max; length > 0; --length) {
    if ((v4 ? v4_lengths_[length] : v6_lengths_[length]) == 0) continue;
    auto it = routes_.find(Prefix(next_hop, static_cast<std::uint8_t>(length)));
    if (it == routes_.end()) continue;
    // The kernel uses the route with the lowest metric among those that work.
    const KernelRoute* best = nullptr;
    for (const auto& route : it->second)
      if (usable(route) && (!best || route.metric < best->metric)) best = &route;
    if (!best) continue;
    int link = 0;
    for (int l : best->links)
      if (link_usable(l)) {
        link = l;
        break;
      }
    std::vector<NextHop> via;
    for (const auto& hop : best->hops)
      if (hop.ifindex == 0 || link_usable(hop.ifindex)) via.push_back(hop);
    return {true, false, link, it->first, best->metric, std::move(via)};
  }
  return unreachable;
}

std::vector<int> route_links(const Route& route) {
  std::vector<int> links;
  if (route.device > 0) links.push_back(route.device);
  for (const auto& hop : route.next_hops)
    if (hop.ifindex > 0 && std::find(links.begin(), links.end(), hop.ifindex) == links.end())
      links.push_back(hop.ifindex);
  return links;
}

}  // namespace vipd::netlink
