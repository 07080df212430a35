// What the daemon owns below its modules, shared by them: the kernel route table, the one
// writer of the kernel's routes (fib/fib.hpp). It is opened when a module first asks for it
// (opening deletes the routes a previous vipd left: docs/fib.md), so that a vipd whose
// modules install nothing (VRRP only, `bgp no-rib`, `vipd --check`) never touches the kernel's
// routes. It outlives the modules: they withdraw their routes when they stop.
#pragma once

#include <asio/io_context.hpp>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "event/clock.hpp"
#include "fib/netlink_fib.hpp"

namespace vipd {

class KernelServices {
 public:
  KernelServices(asio::io_context& io, event::Clock& clock) : io_(io), clock_(clock) {}
  ~KernelServices();
  KernelServices(const KernelServices&) = delete;
  KernelServices& operator=(const KernelServices&) = delete;

  // The kernel route table, opened on the first call. It follows the links and addresses with
  // a netlink monitor on the daemon's loop, so that next hops over a link that goes down leave
  // their routes and come back with it (docs/netlink.md, "Link tracking"); without the monitor
  // routes are still installed: every next hop counts as reachable and the kernel decides.
  Result<fib::Fib*, std::string> route_table();
  // Once every module has stopped: deletes what is left in the kernel and closes the sockets
  // and monitors, so that the loop has nothing more to wait for.
  void close();

 private:
  asio::io_context& io_;
  event::Clock& clock_;
  std::unique_ptr<fib::NetlinkFib> route_table_;
};

}  // namespace vipd
