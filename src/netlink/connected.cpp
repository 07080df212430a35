#include "netlink/connected.hpp"

#include <linux/if_addr.h>

#include <algorithm>

namespace vipd::netlink {

bool has_connected_route(const InterfaceAddress& a) {
  return (a.flags & (IFA_F_NOPREFIXROUTE | IFA_F_DADFAILED)) == 0;
}

Prefix network_of(const InterfaceAddress& a) {
  return Prefix(a.peer ? *a.peer : a.address, a.prefix_length);
}

void ConnectedNetworks::reset(std::span<const Link> links,
                              std::span<const InterfaceAddress> addresses) {
  links_.clear();
  networks_.clear();
  for (const auto& link : links) link_seen(link);
  for (const auto& address : addresses) address_added(address);
}

bool ConnectedNetworks::apply(const Event& event) {
  if (const auto* link = std::get_if<LinkEvent>(&event)) {
    if (link->kind != LinkEvent::Kind::kRemoved) return link_seen(link->link);
    // The kernel removes the addresses of a deleted link with it.
    bool had = links_.erase(link->link.ifindex) > 0;
    auto gone =
        std::erase_if(networks_, [&](const Network& n) { return n.ifindex == link->link.ifindex; });
    return had || gone > 0;
  }
  if (const auto* address = std::get_if<AddressEvent>(&event)) {
    // kAdded also reports changes of an address already known (flags, lifetimes).
    if (address->kind == AddressEvent::Kind::kRemoved || !has_connected_route(address->address))
      return address_removed(address->address);
    return address_added(address->address);
  }
  return false;
}

bool ConnectedNetworks::link_seen(const Link& link) {
  auto [it, added] = links_.try_emplace(link.ifindex);
  bool changed = added || it->second.usable != link.usable();
  it->second.name = link.name;
  it->second.usable = link.usable();
  return changed;
}

bool ConnectedNetworks::address_added(const InterfaceAddress& address) {
  if (!has_connected_route(address)) return false;
  Network n{address.ifindex, address.address, network_of(address)};
  if (std::find(networks_.begin(), networks_.end(), n) != networks_.end()) return false;
  networks_.push_back(n);
  return true;
}

bool ConnectedNetworks::address_removed(const InterfaceAddress& address) {
  Network n{address.ifindex, address.address, network_of(address)};
  return std::erase(networks_, n) > 0;
}

ConnectedNetworks::Resolution ConnectedNetworks::resolve(const IpAddress& gateway) const {
  // Longest prefix first among usable links (the kernel's lookup for a new route: a link that
  // is down has lost its connected routes or has them marked linkdown), then among all, so that
  // an unresolved gateway still names the link it belongs to.
  const Network* best = nullptr;
  bool best_usable = false;
  for (const auto& n : networks_) {
    if (!n.prefix.contains(gateway)) continue;
    auto link = links_.find(n.ifindex);
    bool usable = link != links_.end() && link->second.usable;
    bool better = !best || (usable && !best_usable) ||
                  (usable == best_usable &&
                   (n.prefix.length() > best->prefix.length() ||
                    (n.prefix.length() == best->prefix.length() && n.ifindex < best->ifindex)));
    if (better) {
      best = &n;
      best_usable = usable;
    }
  }
  if (!best) return {};
  return {best->ifindex, best_usable};
}

std::string_view ConnectedNetworks::link_name(int ifindex) const {
  auto it = links_.find(ifindex);
  return it == links_.end() ? std::string_view() : std::string_view(it->second.name);
}

}  // namespace vipd::netlink
