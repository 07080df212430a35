// The kernel route table's netlink backend: writes the kernel's main table over rtnetlink
// (netlink::RouteSocket, batched, protocol netlink::kRouteProtocol) and, until the daemon feeds
// one view of links and addresses to every module, follows them with a monitor of its own.
#pragma once

#include <asio/io_context.hpp>

#include <memory>

#include "fib/fib.hpp"
#include "netlink/monitor_asio.hpp"
#include "netlink/route_socket.hpp"

namespace vipd::fib {

class NetlinkFib : public Fib {
 public:
  using Fib::Fib;
  ~NetlinkFib() override;
  // Opens the socket and deletes the kRouteProtocol routes a previous run left behind (IPv4 and
  // IPv6). Returns how many stale routes were deleted.
  Result<std::size_t, std::string> open();
  // Link tracking (after open()): a netlink monitor on `io` (links, addresses, and routes other
  // than vipd's and BGP's, which a socket filter drops in the kernel) feeds interface_event();
  // the current links, addresses and main-table routes are read first, and again after a
  // monitor overrun.
  Status<std::string> track_interfaces(asio::io_context& io);
  std::map<Prefix, std::vector<NextHop>> kernel_routes() override;
  std::string_view name() const override { return "netlink"; }
  netlink::RouteSocket& socket() { return socket_; }

 protected:
  std::vector<netlink::RouteFailure> program(
      std::span<const netlink::RouteRequest> requests) override;

 private:
  void monitor_event(const netlink::Event& event);
  // The links, addresses and routes the kernel has now.
  Status<std::string> read_interfaces();

  netlink::RouteSocket socket_;
  std::unique_ptr<netlink::AsioMonitor> monitor_;  // destroyed first: its callback uses this
};

}  // namespace vipd::fib
