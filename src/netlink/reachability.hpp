// Next-hop reachability over the kernel's view of the network: the connected networks of usable
// links (ConnectedNetworks) and the kernel's main-table routes that vipd may resolve over. It
// answers whether a BGP next hop is reachable (RFC 4271 §9.1.2.1) the way FRR's nexthop tracking
// does for a kernel-only router (docs/config-bgp.md, "Next-hop resolution"):
//  - kConnected (eBGP single hop, FRR's connected check): only over a connected network of a
//    usable link;
//  - kRecursive (iBGP, ebgp-multihop): over a connected network, else over the longest kernel
//    route covering the next hop that has a usable link; not over the default route (FRR without
//    `ip nht resolve-via-default`) and not over a BGP route (vipd's own, protocol 200, or another
//    daemon's, RTPROT_BGP): BGP does not resolve over itself.
// Pure: fed with dumps of links, addresses and routes, then with the monitor's events; no socket
// (DESIGN principle 1).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "common/ip.hpp"
#include "netlink/connected.hpp"
#include "netlink/monitor.hpp"
#include "netlink/route_message.hpp"

namespace vipd::netlink {

// The links a route leaves through: its device and its next hops' interfaces, each once.
std::vector<int> route_links(const Route& route);

class Reachability {
 public:
  enum class Mode : std::uint8_t {
    kConnected,  // a connected network of a usable link only
    kRecursive,  // a connected network, else a kernel route (see above)
  };

  struct Resolution {
    bool reachable = false;
    // Over a connected network of link `ifindex` (connected), or over the kernel route `route`
    // with its metric; when unreachable, `ifindex` names the link that is down, if one holds
    // the next hop's network.
    bool connected = false;
    int ifindex = 0;
    std::optional<Prefix> route;
    std::uint32_t metric = 0;  // the kernel route's metric (RTA_PRIORITY); 0 when connected
    // Over a kernel route: its next hops on usable links, in its order, each with its gateway
    // and link (a route without a gateway, `ip route add P dev X`, gives one with an
    // unspecified gateway). What a route over this next hop is installed through, as zebra
    // installs a recursive next hop's resolved gateways. Empty when connected.
    std::vector<NextHop> via;
    bool operator==(const Resolution&) const = default;
  };

  // The links, addresses and main-table routes the kernel has now (dumps): replaces what was
  // known. Routes that cannot resolve a next hop (eligible() false) are left out.
  void reset(std::span<const Link> links, std::span<const InterfaceAddress> addresses,
             std::span<const Route> routes = {});
  // A monitor event. True if an answer of resolve() may have changed: a link's usability, a
  // connected network, or an eligible route was added, removed or changed.
  bool apply(const Event& event);

  Resolution resolve(const IpAddress& next_hop, Mode mode) const;

  // Kernel routes next hops may resolve over: unicast routes of the main table with a prefix
  // length above 0, of neither vipd's protocol nor RTPROT_BGP, nor the kernel's own connected
  // routes (those are ConnectedNetworks').
  static bool eligible(const Route& route);

  const ConnectedNetworks& connected() const { return connected_; }
  std::size_t route_count() const { return route_count_; }

 private:
  struct LinkState {
    bool admin_up = false;
    bool usable = false;
  };
  // One kernel route: its metric, the links of its next hops (or its device), and its next
  // hops (for Resolution::via).
  struct KernelRoute {
    std::uint32_t metric = 0;
    std::vector<int> links;
    std::vector<NextHop> hops;
    bool operator==(const KernelRoute&) const = default;
  };
  bool link_usable(int ifindex) const;
  bool usable(const KernelRoute& route) const;
  bool link_changed(const LinkEvent& event);
  bool route_added(const Route& route);
  bool route_removed(const Route& route);

  ConnectedNetworks connected_;
  std::map<int, LinkState> links_;
  // Prefix -> the kernel routes for it (one per metric, as the kernel keys them).
  std::map<Prefix, std::vector<KernelRoute>> routes_;
  std::size_t route_count_ = 0;
  // How many prefixes of each length (IPv4 and IPv6 apart): lookups probe only those lengths.
  std::array<std::uint32_t, 33> v4_lengths_{};
  std::array<std::uint32_t, 129> v6_lengths_{};
};

}  // namespace vipd::netlink
