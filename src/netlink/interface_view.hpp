// The daemon's one view of the kernel's links and addresses, and of the main-table routes that
// next hops may resolve over (Reachability::eligible()). Every module reads it and subscribes to
// its changes instead of asking the kernel on its own, so that during a link flap VRRP, BGP and
// the kernel FIB all see the same links in the same order (docs/netlink.md, "One view of links
// and addresses").
//
// Pure (DESIGN principle 1): fed with dumps (reset()) and then with monitor events (apply()); no
// socket. KernelInterfaceView (kernel_interface_view.hpp) feeds it from one netlink monitor on
// the daemon's io_context; unit tests feed it by hand.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ip.hpp"
#include "netlink/address_message.hpp"
#include "netlink/link_message.hpp"
#include "netlink/monitor.hpp"
#include "netlink/route_message.hpp"

namespace vipd::netlink {

class InterfaceView {
 public:
  // Called with every event after the view has applied it, so that the view already answers
  // with the new state. ResyncNeeded means the whole view was read again from the kernel
  // (reset()): whatever a subscriber derived from it must be derived again. A callback may
  // subscribe and unsubscribe (also itself), but must not feed the view.
  using Callback = std::function<void(const Event&)>;

  class Subscription;

  InterfaceView();
  ~InterfaceView();
  InterfaceView(const InterfaceView&) = delete;
  InterfaceView& operator=(const InterfaceView&) = delete;

  // The links, addresses and main-table routes the kernel has now (dumps): replaces what was
  // known (routes that are not eligible() are left out), then tells every subscriber
  // ResyncNeeded.
  void reset(std::span<const Link> links, std::span<const InterfaceAddress> addresses,
             std::span<const Route> routes = {});
  // A monitor event: LinkEvent, AddressEvent and RouteEvent change the view and then go to the
  // subscribers (also those that changed nothing: an AddressEvent for an address already known
  // reports new flags). ResyncNeeded is the owner's to handle (read the dumps, then reset()) and
  // is ignored here.
  void apply(const Event& event);

  // Until the Subscription is destroyed or reset, `callback` gets every event (see Callback).
  [[nodiscard]] Subscription subscribe(Callback callback);

  // reset() was called: the view holds the kernel's state. Before that it is empty.
  bool ready() const { return ready_; }

  const std::map<int, Link>& links() const { return links_; }
  const Link* link(int ifindex) const;
  const Link* link(std::string_view name) const;
  // The link's addresses in the kernel's order (IPv4: primary before its secondaries); empty
  // for an unknown link.
  const std::vector<InterfaceAddress>& addresses(int ifindex) const;
  // The link holding `address` (the first, if several do), or nullopt.
  std::optional<int> link_of(const IpAddress& address) const;
  // Calls f(const InterfaceAddress&) for the addresses of every link, by link index.
  template <typename F>
  void for_each_address(F&& f) const {
    for (const auto& [ifindex, list] : addresses_)
      for (const auto& address : list) f(address);
  }

  // Copies in the form reset() takes, for a subscriber that builds its own state from them
  // (the kernel FIB's reset_interfaces()).
  std::vector<Link> all_links() const;
  std::vector<InterfaceAddress> all_addresses() const;
  std::vector<Route> all_routes() const;
  std::size_t address_count() const;
  std::size_t route_count() const { return routes_.size(); }

  // The routes `redistribute kernel|static|ospf|...` reads (zebra's view of the kernel's main
  // table): unicast, blackhole, unreachable and prohibit routes, default routes included, of
  // every protocol but the kernel's own (RTPROT_KERNEL: the prefix routes of addresses, which
  // are `connected`), ICMP redirects, BGP daemons' and vipd's (kRouteProtocol). A superset of the
  // routes next hops resolve over (Reachability::eligible()).
  static bool kept(const Route& route);
  // Calls f(const Route&) for every kept() route, eligible ones included.
  template <typename F>
  void for_each_route(F&& f) const {
    for (const auto& [key, route] : routes_) f(route);
    for (const auto& [key, route] : other_routes_) f(route);
  }

 private:
  struct Subscribers;
  void link_event(const LinkEvent& event);
  void address_added(const InterfaceAddress& address);
  void address_removed(const InterfaceAddress& address);
  void route_added(const Route& route);
  void deliver(const Event& event);

  bool ready_ = false;
  std::map<int, Link> links_;
  std::map<int, std::vector<InterfaceAddress>> addresses_;
  // The kernel keys a main-table route by prefix and metric.
  std::map<std::pair<Prefix, std::uint32_t>, Route> routes_;
  // The kept() routes that are not eligible() (default, blackhole, ...), likewise keyed.
  std::map<std::pair<Prefix, std::uint32_t>, Route> other_routes_;
  std::shared_ptr<Subscribers> subscribers_;
};

// Unsubscribes when destroyed or reset(); outliving the view is harmless.
class InterfaceView::Subscription {
 public:
  Subscription() = default;
  ~Subscription() { reset(); }
  Subscription(Subscription&& other) noexcept
      : owner_(std::move(other.owner_)), id_(std::exchange(other.id_, 0)) {}
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  void reset();
  bool active() const { return id_ != 0 && !owner_.expired(); }

 private:
  friend class InterfaceView;
  Subscription(std::weak_ptr<Subscribers> owner, std::uint64_t id)
      : owner_(std::move(owner)), id_(id) {}
  std::weak_ptr<Subscribers> owner_;
  std::uint64_t id_ = 0;
};

}  // namespace vipd::netlink
