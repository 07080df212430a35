// The networks a gateway is directly reachable on: the subnets of the interfaces' addresses (the
// kernel's connected routes, scope link) together with the state of their links. The kernel FIB
// resolves BGP next hops over them, as zebra and BIRD do (docs/netlink.md, "Link tracking").
// Pure: fed with a dump of links and addresses, then with the monitor's events; no socket
// (DESIGN principle 1).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.hpp"
#include "netlink/address_message.hpp"
#include "netlink/link_message.hpp"
#include "netlink/monitor.hpp"

namespace vipd::netlink {

// The kernel adds no connected route for an address with IFA_F_NOPREFIXROUTE, and an IPv6
// address that failed duplicate address detection is not used.
bool has_connected_route(const InterfaceAddress& address);
// The connected route of an address: its subnet, or for a point-to-point address (IFA_ADDRESS
// other than IFA_LOCAL) the peer's.
Prefix network_of(const InterfaceAddress& address);

class ConnectedNetworks {
 public:
  struct Resolution {
    // The link of the longest connected network holding the gateway, preferring usable links;
    // 0: no connected network holds it.
    int ifindex = 0;
    // That link is usable (Link::usable(): up, with carrier): the gateway is resolved.
    bool usable = false;
    bool operator==(const Resolution&) const = default;
  };

  // The links and addresses the kernel has now (dumps): replaces what was known.
  void reset(std::span<const Link> links, std::span<const InterfaceAddress> addresses);
  // A monitor event (LinkEvent, AddressEvent; others are ignored). True if a link's usability,
  // or a connected network, was added, removed or changed: resolutions may differ.
  bool apply(const Event& event);

  Resolution resolve(const IpAddress& gateway) const;

  // The link's name as last reported ("" if unknown), for logs and `show`.
  std::string_view link_name(int ifindex) const;
  std::size_t network_count() const { return networks_.size(); }

 private:
  struct LinkState {
    std::string name;
    bool usable = false;
  };
  // One address's connected network. An address is identified by its link, its local address
  // and its prefix (the kernel's key for IPv4 and IPv6 alike).
  struct Network {
    int ifindex = 0;
    IpAddress local;
    Prefix prefix;
    bool operator==(const Network&) const = default;
  };
  bool link_seen(const Link& link);
  bool address_added(const InterfaceAddress& address);
  bool address_removed(const InterfaceAddress& address);

  std::map<int, LinkState> links_;
  std::vector<Network> networks_;  // a few per link: searched linearly
};

}  // namespace vipd::netlink
