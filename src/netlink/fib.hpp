// The kernel FIB owner (DESIGN principle 3): turns the Loc-RIB's changes into kernel routes.
// Fib keeps what it installed (prefix -> next hops, for `show ip route`) and decides what to
// write; the backend does the writing: NetlinkFib into the kernel's main table, NullFib nowhere
// (tests, benchmarks, route servers and FRR's global `bgp no-rib`).
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "bgp/rib/loc_rib.hpp"
#include "event/clock.hpp"
#include "netlink/route_socket.hpp"

namespace vipd::netlink {

struct FibEntry {
  std::vector<NextHop> next_hops;
  event::TimePoint since;  // when these next hops were written
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
  // hop (an IPv6 route with an IPv4 next hop, RFC 8950) is not installed. Kernel refusals are
  // logged with the prefix and kept in the entry; they are not fatal.
  void apply(const std::vector<bgp::rib::Change>& changes);
  // Deletes every route this Fib installed (clean shutdown).
  void remove_all();

  const std::map<Prefix, FibEntry>& routes() const { return routes_; }
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
  event::TimePoint now() const;
  void write(std::vector<RouteRequest>& requests);

  const event::Clock* clock_;
  std::map<Prefix, FibEntry> routes_;
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
  // Opens the socket and deletes the kRouteProtocol routes a previous run left behind (IPv4 and
  // IPv6). Returns how many stale routes were deleted.
  Result<std::size_t, std::string> open();
  void resolve_interfaces() override;
  std::string_view name() const override { return "netlink"; }
  RouteSocket& socket() { return socket_; }

 protected:
  std::vector<RouteFailure> program(std::span<const RouteRequest> requests) override;

 private:
  RouteSocket socket_;
};

}  // namespace vipd::netlink
