// The kernel FIB owner (DESIGN principle 3): turns the Loc-RIB's changes into kernel routes.
// Fib keeps what it installed (prefix -> next hops, for `show ip route`) and decides what to
// write; the backend does the writing: NetlinkFib into the kernel's main table, NullFib nowhere
// (tests, benchmarks, route servers and FRR's global `bgp no-rib`).
//
// Link tracking: once given the links and addresses (reset_interfaces()) and then their changes
// (interface_event()), Fib resolves every next hop over the connected networks of usable links,
// as zebra and BIRD do. A route carries only its resolved next hops into the kernel; when a link
// goes down or comes back, the routes whose next hops changed are rewritten (docs/netlink.md,
// "Link tracking"). The decision is here, without a socket; NetlinkFib feeds it a monitor.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bgp/rib/loc_rib.hpp"
#include "event/clock.hpp"
#include "netlink/connected.hpp"
#include "netlink/interface_view.hpp"
#include "netlink/monitor.hpp"
#include "netlink/reachability.hpp"
#include "netlink/route_socket.hpp"

namespace vipd::netlink {

struct FibEntry {
  // Every distinct next hop of the selected paths, best first. The kernel route has those that
  // resolve (Fib::resolved()); the others are shown as inactive.
  std::vector<NextHop> next_hops;
  event::TimePoint since;  // when the kernel route last changed
  bool installed = true;   // false: the kernel refused the route (error says why)
  std::string error;
};

class Fib {
 public:
  // Without a clock, entries are stamped with the steady clock.
  explicit Fib(const event::Clock* clock = nullptr) : clock_(clock) {}
  virtual ~Fib() = default;
  Fib(const Fib&) = delete;
  Fib& operator=(const Fib&) = delete;

  // Installs, replaces or deletes one kernel route per change: a removed prefix is deleted;
  // otherwise the route gets the distinct next hops of the selected paths (best first), at most
  // max_next_hops of them, each of the prefix's own family. A prefix left with no such next
  // hop (an IPv6 route with an IPv4 next hop, RFC 8950) is not installed. Of these next hops the
  // kernel gets the resolved ones; a route with none resolved stays out of the kernel (and is
  // kept here, for `show ip route`). Kernel refusals are logged with the prefix and kept in the
  // entry; they are not fatal.
  void apply(const std::vector<bgp::rib::Change>& changes);
  // Deletes every route this Fib installed (clean shutdown).
  void remove_all();

  const std::map<Prefix, FibEntry>& routes() const { return routes_; }

  // Link tracking. The links, addresses and main-table routes the kernel has now (dumps): from
  // here on next hops must resolve over a connected network of a usable link; routes whose next
  // hops resolve differently are rewritten. Before the first call every next hop counts as
  // resolved and the kernel alone decides (tests, benchmarks).
  void reset_interfaces(std::span<const Link> links, std::span<const InterfaceAddress> addresses,
                        std::span<const Route> routes = {});
  // A monitor event (LinkEvent, AddressEvent, RouteEvent; others are ignored, as is every event
  // before reset_interfaces()): a link that stops being usable takes the next hops resolved over
  // it out of their routes (a route left with none is deleted); one that is usable again, or a
  // new connected network, brings them back.
  void interface_event(const Event& event);
  bool tracks_interfaces() const { return tracks_interfaces_; }
  const ConnectedNetworks& connected() const { return reachability_.connected(); }
  // The kernel's view for BGP next-hop resolution (the Loc-RIB's resolver asks it); nullptr
  // while interfaces are not tracked: then every next hop counts as reachable.
  const Reachability* reachability() const { return tracks_interfaces_ ? &reachability_ : nullptr; }
  // Called when an answer of reachability() may have changed (after reset_interfaces() and
  // after an event that changed it), before this Fib rewrites its own routes, so that the
  // Loc-RIB's new choices arrive first and a route moves to another next hop in one write.
  void set_reachability_listener(std::function<void()> listener) {
    reachability_listener_ = std::move(listener);
  }
  // How a gateway resolves now: over which link, and whether that link is usable. Untracked:
  // always usable, link 0 (the kernel picks it).
  ConnectedNetworks::Resolution resolution(const IpAddress& gateway) const;
  bool resolved(const IpAddress& gateway) const { return resolution(gateway).usable; }
  // The entry's route is in the kernel: not refused, and at least one next hop resolved.
  bool in_kernel(const FibEntry& entry) const;
  // Fills in the output interfaces the kernel chose for the installed next hops (the kernel
  // resolves each gateway over its connected routes), for `show ip route`.
  virtual void resolve_interfaces() {}
  virtual std::string_view name() const = 0;

  void set_max_next_hops(std::size_t n) { max_next_hops_ = n; }
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
  virtual std::vector<RouteFailure> program(std::span<const RouteRequest> requests) = 0;
  std::map<Prefix, FibEntry>& mutable_routes() { return routes_; }

 private:
  // What the routes' gateways resolved to when their routes were last written, and how many
  // routes use each: a link event re-resolves these few, and only if one changed are the
  // routes searched.
  struct Gateway {
    std::size_t routes = 0;
    ConnectedNetworks::Resolution resolution;
  };
  event::TimePoint now() const;
  void write(std::vector<RouteRequest>& requests);
  ConnectedNetworks::Resolution resolve(const IpAddress& gateway) const;
  void acquire(const std::vector<NextHop>& hops);
  void release(const std::vector<NextHop>& hops);
  std::vector<NextHop> resolved_hops(const std::vector<NextHop>& hops) const;
  // Re-resolves every gateway in use and rewrites the routes of those that changed.
  void reresolve();

  const event::Clock* clock_;
  std::map<Prefix, FibEntry> routes_;
  std::map<IpAddress, Gateway> gateways_;
  Reachability reachability_;
  std::function<void()> reachability_listener_;
  bool tracks_interfaces_ = false;
  std::size_t max_next_hops_ = 256;
  bool tracking_ = true;
  std::size_t installs_ = 0, deletes_ = 0, failures_ = 0;
  std::vector<RouteRequest> requests_;  // reused by apply()
};

// Installs nothing; every write succeeds. Counts what it was asked to do.
class NullFib : public Fib {
 public:
  using Fib::Fib;
  std::string_view name() const override { return "null"; }
  std::size_t requests() const { return requests_; }

 protected:
  std::vector<RouteFailure> program(std::span<const RouteRequest> requests) override {
    requests_ += requests.size();
    return {};
  }

 private:
  std::size_t requests_ = 0;
};

// Writes the kernel's main table over rtnetlink with protocol kRouteProtocol.
class NetlinkFib : public Fib {
 public:
  using Fib::Fib;
  ~NetlinkFib() override;
  // Opens the socket and deletes the kRouteProtocol routes a previous run left behind (IPv4 and
  // IPv6). Returns how many stale routes were deleted.
  Result<std::size_t, std::string> open();
  // Link tracking (after open()): the daemon's interface view feeds reset_interfaces() now and
  // after it was read again, and interface_event() with every change. The view must be ready
  // (started) and outlive this Fib.
  Status<std::string> track_interfaces(InterfaceView& view);
  void resolve_interfaces() override;
  std::string_view name() const override { return "netlink"; }
  RouteSocket& socket() { return socket_; }

 protected:
  std::vector<RouteFailure> program(std::span<const RouteRequest> requests) override;

 private:
  void view_event(const InterfaceView& view, const Event& event);

  RouteSocket socket_;
  InterfaceView::Subscription interfaces_;  // destroyed first: its callback uses this
};

}  // namespace vipd::netlink
