// The kernel route table's netlink backend: writes the kernel's main table over rtnetlink
// (netlink::RouteSocket, batched, protocol netlink::kRouteProtocol), and follows links,
// addresses and kernel routes through the daemon's one interface view.
#pragma once

#include <memory>

#include "fib/fib.hpp"
#include "netlink/interface_view.hpp"
#include "netlink/route_socket.hpp"

namespace vipd::fib {

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
  Status<std::string> track_interfaces(netlink::InterfaceView& view);
  std::map<Prefix, std::vector<NextHop>> kernel_routes() override;
  std::string_view name() const override { return "netlink"; }
  netlink::RouteSocket& socket() { return socket_; }

 protected:
  std::vector<netlink::RouteFailure> program(
      std::span<const netlink::RouteRequest> requests) override;

 private:
  void view_event(const netlink::InterfaceView& view, const netlink::Event& event);

  netlink::RouteSocket socket_;
  netlink::InterfaceView::Subscription interfaces_;  // destroyed first: its callback uses this
};

}  // namespace vipd::fib
