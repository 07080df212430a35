#include "netlink/interface_view.hpp"

#include <algorithm>

#include "netlink/reachability.hpp"

namespace vipd::netlink {
namespace {

bool same_address(const InterfaceAddress& a, const InterfaceAddress& b) {
  // The kernel's key of an address, for IPv4 and IPv6 alike.
  return a.ifindex == b.ifindex && a.address == b.address && a.prefix_length == b.prefix_length;
}

}  // namespace

struct InterfaceView::Subscribers {
  std::uint64_t next_id = 1;
  // Shared pointers: a callback being called stays alive when it unsubscribes itself.
  std::vector<std::pair<std::uint64_t, std::shared_ptr<Callback>>> list;
};

InterfaceView::InterfaceView() : subscribers_(std::make_shared<Subscribers>()) {}

InterfaceView::~InterfaceView() = default;

InterfaceView::Subscription InterfaceView::subscribe(Callback callback) {
  const std::uint64_t id = subscribers_->next_id++;
  subscribers_->list.emplace_back(id, std::make_shared<Callback>(std::move(callback)));
  return Subscription(subscribers_, id);
}

InterfaceView::Subscription& InterfaceView::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = std::move(other.owner_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void InterfaceView::Subscription::reset() {
  if (auto owner = owner_.lock(); owner && id_ != 0)
    std::erase_if(owner->list, [&](const auto& entry) { return entry.first == id_; });
  owner_.reset();
  id_ = 0;
}

void InterfaceView::deliver(const Event& event) {
  // A snapshot: callbacks may subscribe or unsubscribe. One that was unsubscribed by an earlier
  // callback of this round is skipped; one subscribed during it starts with the next event.
  auto snapshot = subscribers_->list;
  for (const auto& [id, callback] : snapshot) {
    const auto& now = subscribers_->list;
    const bool subscribed = std::any_of(now.begin(), now.end(),
                                        [id = id](const auto& entry) { return entry.first == id; });
    if (subscribed) (*callback)(event);
  }
}

void InterfaceView::reset(std::span<const Link> links, std::span<const InterfaceAddress> addresses,
                          std::span<const Route> routes) {
  links_.clear();
  addresses_.clear();
  routes_.clear();
  other_routes_.clear();
  for (const auto& link : links) links_[link.ifindex] = link;
  for (const auto& address : addresses) address_added(address);
  for (const auto& route : routes) route_added(route);
  ready_ = true;
  deliver(ResyncNeeded{});
}

void InterfaceView::apply(const Event& event) {
  if (const auto* link = std::get_if<LinkEvent>(&event)) {
    link_event(*link);
  } else if (const auto* address = std::get_if<AddressEvent>(&event)) {
    if (address->kind == AddressEvent::Kind::kAdded)
      address_added(address->address);
    else
      address_removed(address->address);
  } else if (const auto* route = std::get_if<RouteEvent>(&event)) {
    if (route->kind == RouteEvent::Kind::kAdded)
      route_added(route->route);
    else if (!routes_.erase({route->route.prefix, route->route.priority}))
      other_routes_.erase({route->route.prefix, route->route.priority});
  } else {
    return;  // ResyncNeeded: the owner reads the dumps and calls reset()
  }
  deliver(event);
}

void InterfaceView::link_event(const LinkEvent& event) {
  const int ifindex = event.link.ifindex;
  const bool removed = event.kind == LinkEvent::Kind::kRemoved;
  const auto before = links_.find(ifindex);
  const bool was_admin_up = before != links_.end() && before->second.admin_up();
  if (removed) {
    links_.erase(ifindex);
    // The kernel removes the addresses with the link (and may not say so for each).
    addresses_.erase(ifindex);
  } else {
    links_[ifindex] = event.link;
  }
  if (!removed && !(was_admin_up && !event.link.admin_up())) return;
  // The kernel deletes routes with their link, IPv4 ones without a notification
  // (docs/netlink.md, "Link tracking"): when the link goes away every route with a next hop
  // over it; on admin down those whose every link is down (a multipath route keeps its next
  // hops elsewhere). The same rule as Reachability's, so that a FIB reset from this view later
  // sees what the kernel has.
  auto down = [&](int l) {
    auto it = links_.find(l);
    return it == links_.end() || !it->second.admin_up();
  };
  auto gone = [&](const auto& entry) {
    auto l = route_links(entry.second);
    return removed ? std::find(l.begin(), l.end(), ifindex) != l.end()
                   : !l.empty() && std::all_of(l.begin(), l.end(), down);
  };
  std::erase_if(routes_, gone);
  std::erase_if(other_routes_, gone);
}

void InterfaceView::address_added(const InterfaceAddress& address) {
  auto& list = addresses_[address.ifindex];
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const InterfaceAddress& a) { return same_address(a, address); });
  // kAdded also reports changes of an address already known (flags, lifetimes): in place, so
  // that the kernel's order stays.
  if (it != list.end())
    *it = address;
  else
    list.push_back(address);
}

void InterfaceView::address_removed(const InterfaceAddress& address) {
  auto it = addresses_.find(address.ifindex);
  if (it == addresses_.end()) return;
  std::erase_if(it->second, [&](const InterfaceAddress& a) { return same_address(a, address); });
  if (it->second.empty()) addresses_.erase(it);
}

bool InterfaceView::kept(const Route& route) {
  switch (route.type) {
    case RTN_UNICAST:
    case RTN_BLACKHOLE:
    case RTN_UNREACHABLE:
    case RTN_PROHIBIT:
      break;
    default:
      return false;  // local, broadcast, multicast, ... (zebra ignores them too)
  }
  // zebra's netlink_route_change_read_unicast(): neither the kernel's own routes nor redirects.
  // BGP daemons' routes (RTPROT_BGP) are dropped by the monitor's socket filter, so they are
  // not kept from the dumps either.
  return route.table == RT_TABLE_MAIN && route.protocol != kRouteProtocol &&
         route.protocol != RTPROT_KERNEL && route.protocol != RTPROT_REDIRECT &&
         route.protocol != RTPROT_BGP;
}

void InterfaceView::route_added(const Route& route) {
  if (!kept(route)) return;
  // A notification for a route already known replaces it (`ip route replace`); a route may move
  // between the two maps (a unicast route replaced by a blackhole one).
  const std::pair key{route.prefix, route.priority};
  if (Reachability::eligible(route)) {
    other_routes_.erase(key);
    routes_[key] = route;
  } else {
    routes_.erase(key);
    other_routes_[key] = route;
  }
}

const Link* InterfaceView::link(int ifindex) const {
  auto it = links_.find(ifindex);
  return it != links_.end() ? &it->second : nullptr;
}

const Link* InterfaceView::link(std::string_view name) const {
  for (const auto& [ifindex, link] : links_)
    if (link.name == name) return &link;
  return nullptr;
}

const std::vector<InterfaceAddress>& InterfaceView::addresses(int ifindex) const {
  static const std::vector<InterfaceAddress> kNone;
  auto it = addresses_.find(ifindex);
  return it != addresses_.end() ? it->second : kNone;
}

std::optional<int> InterfaceView::link_of(const IpAddress& address) const {
  for (const auto& [ifindex, list] : addresses_)
    for (const auto& a : list)
      if (a.address == address) return ifindex;
  return std::nullopt;
}

std::vector<Link> InterfaceView::all_links() const {
  std::vector<Link> out;
  out.reserve(links_.size());
  for (const auto& [ifindex, link] : links_) out.push_back(link);
  return out;
}

std::vector<InterfaceAddress> InterfaceView::all_addresses() const {
  std::vector<InterfaceAddress> out;
  out.reserve(address_count());
  for_each_address([&](const InterfaceAddress& a) { out.push_back(a); });
  return out;
}

std::vector<Route> InterfaceView::all_routes() const {
  std::vector<Route> out;
  out.reserve(routes_.size());
  for (const auto& [key, route] : routes_) out.push_back(route);
  return out;
}

std::size_t InterfaceView::address_count() const {
  std::size_t n = 0;
  for (const auto& [ifindex, list] : addresses_) n += list.size();
  return n;
}

}  // namespace vipd::netlink
