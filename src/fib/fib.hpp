// The kernel route table (DESIGN principles 3 and 8): every module hands it neutral routes
// (route.hpp: prefix, source with its administrative distance, gateways); per prefix it selects
// the route of the best source, as zebra does, and is the one writer of the kernel's routes.
// Fib decides what to write and keeps what it was given (for `show ip route`); the backend does
// the writing: NetlinkFib into the kernel's main table (netlink_fib.hpp), NullFib nowhere
// (tests, benchmarks, route servers and FRR's global `bgp no-rib`).
//
// Link tracking: once given the links, addresses and kernel routes (reset_interfaces()) and then
// their changes (interface_event()), Fib resolves every gateway as zebra and BIRD do: over a
// connected network of a usable link, else recursively over the longest kernel route that has
// a usable link (not the default route, not a BGP route: netlink/reachability.hpp), in which
// case the route is installed through that kernel route's gateways. A route carries only its
// resolved next hops into the kernel; when a link goes down or comes back, the routes whose next
// hops changed are rewritten (docs/fib.md, "Link tracking"). The decision is here, without a
// socket: the inputs are netlink's dumps and monitor events.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "event/clock.hpp"
#include "fib/route.hpp"
#include "netlink/connected.hpp"
#include "netlink/monitor.hpp"
#include "netlink/reachability.hpp"
#include "netlink/route_socket.hpp"

namespace vipd::fib {

// One source's route for a prefix, as the source gave it.
struct SourceRoute {
  Source source = Source::kStatic;
  std::uint8_t distance = 0;
  std::vector<NextHop> next_hops;
};

struct FibEntry {
  // Every source's route for the prefix, lowest distance first (then by source). The selected
  // one (Fib::selected()) is what the kernel gets.
  std::vector<SourceRoute> routes;
  event::TimePoint since;  // when the kernel route last changed
  bool installed = true;   // false: the kernel refused the route (error says why)
  std::string error;
};

// How a gateway resolves.
struct Resolution {
  // Over a connected network of link `ifindex` or over the kernel route `route`; when not
  // usable, `ifindex` names the link that is down, if one holds the gateway's network.
  bool usable = false;
  int ifindex = 0;
  std::optional<Prefix> route;
  // Over a kernel route: the gateways (with links) the route is installed through instead.
  std::vector<NextHop> via;
  bool recursive() const { return route.has_value(); }
  bool operator==(const Resolution&) const = default;
};

class Fib {
 public:
  // Without a clock, entries are stamped with the steady clock.
  explicit Fib(const event::Clock* clock = nullptr) : clock_(clock) {}
  virtual ~Fib() = default;
  Fib(const Fib&) = delete;
  Fib& operator=(const Fib&) = delete;

  // Takes each source's new route for its prefix (one per prefix and source; empty next hops:
  // withdrawn) and writes what changes the selected route of a prefix: installed, replaced or
  // deleted. Of the selected route's next hops the kernel gets the resolved ones (recursive
  // ones through the gateways they resolve over), at most max_next_hops; a route with none
  // resolved stays out of the kernel (and is kept here, for `show ip route`), and a prefix whose
  // best route has none gets the next source's. Kernel refusals are logged with the prefix and
  // kept in the entry; they are not fatal. The routes' next hops are moved from.
  void apply(std::span<Route> routes);
  // Withdraws every route of `source` (a module stops, or hands its routes to another table).
  void withdraw_all(Source source);
  // Deletes every route this Fib installed, of every source (clean shutdown).
  void remove_all();

  const std::map<Prefix, FibEntry>& routes() const { return routes_; }
  // The route of the entry the kernel gets: the first by distance with a resolved next hop,
  // else the first. Never null for an entry of routes().
  const SourceRoute* selected(const FibEntry& entry) const;
  // What the kernel has for the entry: the selected route's resolved next hops, recursive ones
  // replaced by the gateways they resolve over (empty: the prefix is not in the kernel).
  std::vector<NextHop> kernel_next_hops(const FibEntry& entry) const;

  // Link tracking. The links, addresses and main-table routes the kernel has now (dumps): from
  // here on gateways must resolve over a connected network of a usable link or a kernel route;
  // routes whose next hops resolve differently are rewritten. Before the first call every next
  // hop counts as resolved and the kernel alone decides (tests, benchmarks).
  void reset_interfaces(std::span<const netlink::Link> links,
                        std::span<const netlink::InterfaceAddress> addresses,
                        std::span<const netlink::Route> routes = {});
  // A monitor event (LinkEvent, AddressEvent, RouteEvent; others are ignored, as is every event
  // before reset_interfaces()): a link that stops being usable takes the next hops resolved over
  // it out of their routes (a route left with none is deleted); one that is usable again, or a
  // new connected network or kernel route, brings them back.
  void interface_event(const netlink::Event& event);
  bool tracks_interfaces() const { return tracks_interfaces_; }
  const netlink::ConnectedNetworks& connected() const { return reachability_.connected(); }
  // The kernel's view for next-hop resolution of the sources (BGP's Loc-RIB asks it); nullptr
  // while interfaces are not tracked: then every next hop counts as reachable.
  const netlink::Reachability* reachability() const {
    return tracks_interfaces_ ? &reachability_ : nullptr;
  }
  // Called when an answer of reachability() may have changed (after reset_interfaces() and
  // after an event that changed it), before this Fib rewrites its own routes, so that a
  // source's new choices arrive first and a route moves to another next hop in one write.
  void set_reachability_listener(std::function<void()> listener) {
    reachability_listener_ = std::move(listener);
  }
  // How a gateway resolves now. Untracked: always usable, link 0 (the kernel picks it).
  Resolution resolution(const IpAddress& gateway) const;
  bool resolved(const IpAddress& gateway) const { return resolution(gateway).usable; }
  // The entry's route is in the kernel: not refused, and at least one next hop resolved.
  bool in_kernel(const FibEntry& entry) const;
  // The next hops the kernel has for each prefix of ours, with the output interfaces it chose
  // (the kernel resolves a gateway without a device over its connected routes), for `show ip
  // route`. Empty when the backend writes no kernel.
  virtual std::map<Prefix, std::vector<NextHop>> kernel_routes() { return {}; }
  virtual std::string_view name() const = 0;

  // The kernel's limit is 256 next hops per route (fib_multipath); fewer may be configured.
  void set_max_next_hops(std::size_t n) { max_next_hops_ = n; }
  std::size_t max_next_hops() const { return max_next_hops_; }
  // Off: apply() only counts (a route server with FRR's `bgp no-rib` keeps no FIB view at all,
  // which saves a map entry per prefix). On by default.
  void set_tracking(bool on) { tracking_ = on; }
  bool tracking() const { return tracking_; }
  // Counters: routes written (replace), deleted, and refused by the backend.
  std::size_t installs() const { return installs_; }
  std::size_t deletes() const { return deletes_; }
  std::size_t failures() const { return failures_; }

 protected:
  // Writes the requests; returns those that failed.
  virtual std::vector<netlink::RouteFailure> program(
      std::span<const netlink::RouteRequest> requests) = 0;

 private:
  // What the gateways of the routes resolved to when their routes were last written, and how
  // many source routes use each: a link event re-resolves these few, and only if one changed
  // are the routes searched.
  struct Gateway {
    std::size_t routes = 0;
    Resolution resolution;
  };
  // A kernel route as written: its next hops, and the link each one's gateway resolved over (0
  // untracked): a gateway that moves to another link is written again even though the request
  // would be the same.
  struct KernelRoute {
    std::vector<NextHop> hops;
    std::vector<int> links;
    bool operator==(const KernelRoute&) const = default;
  };
  event::TimePoint now() const;
  void write(std::vector<netlink::RouteRequest>& requests);
  Resolution resolve(const IpAddress& gateway) const;
  // The gateway's resolution as last written; `fresh` holds it for a gateway not in use.
  const Resolution& cached(const IpAddress& gateway, Resolution& fresh) const;
  void acquire(const std::vector<NextHop>& hops);
  void release(const std::vector<NextHop>& hops);
  // Whether one of the route's next hops resolves (what selection asks, without building them).
  bool any_resolved(const SourceRoute& route) const;
  // The route's next hops as the kernel gets them (see kernel_next_hops()) into `hops`, and
  // their links into `links` unless it is null.
  void kernel_hops(const SourceRoute& route, std::vector<NextHop>& hops,
                   std::vector<int>* links) const;
  // The selected route's, or nothing.
  KernelRoute kernel_route(const FibEntry& entry) const;
  // Writes what the entry's kernel route became, given what it was (`before`, `was_written`):
  // nothing, a replace or a delete.
  void rewrite(const Prefix& prefix, FibEntry& entry, const KernelRoute& before, bool was_written,
               event::TimePoint stamp);
  // Re-resolves every gateway in use and rewrites the routes of those that changed.
  void reresolve();

  const event::Clock* clock_;
  std::map<Prefix, FibEntry> routes_;
  std::map<IpAddress, Gateway> gateways_;
  netlink::Reachability reachability_;
  std::function<void()> reachability_listener_;
  bool tracks_interfaces_ = false;
  std::size_t max_next_hops_ = 256;
  bool tracking_ = true;
  std::size_t installs_ = 0, deletes_ = 0, failures_ = 0;
  std::vector<netlink::RouteRequest> requests_;  // reused by apply()
};

// Installs nothing; every write succeeds. Counts what it was asked to do.
class NullFib : public Fib {
 public:
  using Fib::Fib;
  std::string_view name() const override { return "null"; }
  std::size_t requests() const { return requests_; }

 protected:
  std::vector<netlink::RouteFailure> program(
      std::span<const netlink::RouteRequest> requests) override {
    requests_ += requests.size();
    return {};
  }

 private:
  std::size_t requests_ = 0;
};

}  // namespace vipd::fib
