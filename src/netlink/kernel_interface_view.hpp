// The InterfaceView of the running daemon: one netlink monitor on the daemon's io_context
// (links, addresses, and main-table routes other than vipd's and other BGP daemons', which a
// socket filter drops in the kernel) feeds the view; the links, addresses and routes are dumped
// at start and again after a monitor overrun. VRRP, BGP and the kernel FIB all read this one
// view (docs/netlink.md, "One view of links and addresses").
#pragma once

#include <asio/io_context.hpp>
#include <string>

#include "netlink/interface_view.hpp"
#include "netlink/monitor_asio.hpp"
#include "netlink/route_socket.hpp"

namespace vipd::netlink {

class KernelInterfaceView {
 public:
  explicit KernelInterfaceView(asio::io_context& io);
  ~KernelInterfaceView();
  KernelInterfaceView(const KernelInterfaceView&) = delete;
  KernelInterfaceView& operator=(const KernelInterfaceView&) = delete;

  // Joins the notification groups, then reads the links, addresses and routes into the view
  // (its subscribers get ResyncNeeded). Events arrive from the io_context's run(). Idempotent.
  Status<std::string> start();
  void stop();
  bool running() const { return monitor_.running(); }

  InterfaceView& view() { return view_; }
  const InterfaceView& view() const { return view_; }
  std::size_t overruns() const { return overruns_; }

 private:
  void monitor_event(const Event& event);
  // The addresses and routes the kernel has now, with the monitor's links, into the view.
  Status<std::string> read_all();

  InterfaceView view_;
  RouteSocket dumps_;
  AsioMonitor monitor_;  // declared last, destroyed first: its callback uses the others
  std::size_t overruns_ = 0;
};

}  // namespace vipd::netlink
