// What the daemon owns below its modules, shared by them:
//  - the one view of links, addresses and kernel routes (netlink/interface_view.hpp), fed by
//    one netlink monitor, that every module reads and subscribes to (docs/netlink.md);
//  - the kernel route table, the one writer of the kernel's routes (fib/fib.hpp). It is opened
//    when a module first asks for it (opening deletes the routes a previous vipd left:
//    docs/fib.md), so that a vipd whose modules install nothing (VRRP only, `bgp no-rib`,
//    `vipd --check`) never touches the kernel's routes.
// Both outlive the modules: they withdraw their routes and subscriptions when they stop.
#pragma once

#include <asio/io_context.hpp>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "event/clock.hpp"
#include "fib/netlink_fib.hpp"
#include "netlink/kernel_interface_view.hpp"

namespace vipd {

// Writes /proc/sys/NAME ("net/ipv4/ip_forward"), as zebra's `ip forwarding` does.
Status<std::string> write_sysctl(const std::string& name, const std::string& value);

class KernelServices {
 public:
  KernelServices(asio::io_context& io, event::Clock& clock)
      : io_(io), clock_(clock), interfaces_(io) {}
  ~KernelServices();
  KernelServices(const KernelServices&) = delete;
  KernelServices& operator=(const KernelServices&) = delete;

  // The interface view. Modules may subscribe before it is started; it is filled by start().
  netlink::InterfaceView& interfaces() { return interfaces_.view(); }
  // Starts the view's monitor and reads the kernel's links, addresses and routes (before the
  // modules start). Not called by `vipd --check`.
  Status<std::string> start();
  // The kernel route table, opened on the first call. It follows the interface view, so that
  // next hops over a link that goes down leave their routes and come back with it
  // (docs/netlink.md, "Link tracking"); without the view's monitor routes are still
  // installed: every next hop counts as reachable and the kernel decides.
  Result<fib::Fib*, std::string> route_table();
  // The route table if a module opened it; nullptr otherwise (metrics: never opens it).
  const fib::Fib* open_route_table() const { return route_table_.get(); }
  // Once every module has stopped: deletes what is left in the kernel and closes the sockets
  // and monitors, so that the loop has nothing more to wait for.
  void close();

 private:
  asio::io_context& io_;
  event::Clock& clock_;
  netlink::KernelInterfaceView interfaces_;
  std::unique_ptr<fib::NetlinkFib> route_table_;  // declared last: it subscribes to the view
};

}  // namespace vipd
