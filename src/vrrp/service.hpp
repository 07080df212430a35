// The VRRP module as the daemon runs it: the kernel network (raw sockets, AF_PACKET, rtnetlink),
// child processes, and the link changes of the daemon's interface view (interface up/down ->
// FAULT and track_interface) around a VrrpModule, all on the daemon's io_context. The module may
// run on a wrapper of the kernel network instead (NetworkWrapper): the load balancer's L2 mode
// answers ARP for its Service IPs instead of adding them to an interface.
#pragma once

#include <asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "event/clock.hpp"
#include "netlink/interface_view.hpp"
#include "vrrp/kernel_network.hpp"
#include "vrrp/module.hpp"
#include "vrrp/process.hpp"

namespace vipd::vrrp {

class VrrpService {
 public:
  // Wraps the kernel network: the module runs on what it returns, which forwards to `kernel`
  // (set_receiver, listen, send_advert, ...) and may intercept calls. The load balancer's L2
  // mode answers ARP for its Service IPs instead of adding them to an interface (it takes
  // add_address/delete_address). It lives as long as the module; `kernel` outlives it.
  using NetworkWrapper = std::function<std::unique_ptr<Network>(Network& kernel)>;

  // `interfaces`: the daemon's view of the links (netlink/interface_view.hpp); it outlives the
  // service. `wrap_network` (optional): see NetworkWrapper; empty: the module uses the kernel
  // network as it is.
  VrrpService(asio::io_context& io, event::Clock& clock, netlink::InterfaceView& interfaces,
              NetworkWrapper wrap_network = {});
  ~VrrpService();

  // Opens rtnetlink and follows the view's link changes (it must be ready: started), then
  // starts the configuration.
  Status<std::string> start(const config::KeepalivedConfig& config);
  // SIGHUP: unchanged instances keep running (VrrpModule::apply).
  void reload(const config::KeepalivedConfig& config) { module_.apply(config); }
  // SIGTERM: priority 0, VIPs removed, VMACs deleted. With `done`, masters hand over first
  // (VrrpModule::stop) and `done` runs when everything is closed; a second stop() while
  // handing over stops at once.
  void stop(std::function<void()> done = {});

  VrrpModule& module() { return module_; }

 private:
  // Order matters: the wrapper is made on network_ and the module on the wrapper, and they go
  // in the reverse order.
  KernelNetwork network_;
  std::unique_ptr<Network> wrapped_;  // null: no wrapper
  AsioProcessRunner processes_;
  VrrpModule module_;
  netlink::InterfaceView& interfaces_;
  netlink::InterfaceView::Subscription link_changes_;
  void link_event(const netlink::Event& event);
  bool stopped_ = false;
  bool stopping_ = false;
  void close();
};

}  // namespace vipd::vrrp
