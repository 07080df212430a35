// The VRRP module as the daemon runs it: the kernel network (raw sockets, AF_PACKET, rtnetlink),
// child processes, and the netlink link monitor (interface up/down -> FAULT and track_interface)
// around a VrrpModule, all on the daemon's io_context.
#pragma once

#include <asio/io_context.hpp>
#include <memory>
#include <string>

#include "event/clock.hpp"
#include "netlink/monitor_asio.hpp"
#include "vrrp/kernel_network.hpp"
#include "vrrp/module.hpp"
#include "vrrp/process.hpp"

namespace vipd::vrrp {

class VrrpService {
 public:
  VrrpService(asio::io_context& io, event::Clock& clock);
  ~VrrpService();

  // Opens rtnetlink and the link monitor, then starts the configuration.
  Status<std::string> start(const config::KeepalivedConfig& config);
  // SIGHUP: unchanged instances keep running (VrrpModule::apply).
  void reload(const config::KeepalivedConfig& config) { module_.apply(config); }
  // SIGTERM: priority 0, VIPs removed, VMACs deleted.
  void stop();

  VrrpModule& module() { return module_; }

 private:
  KernelNetwork network_;
  AsioProcessRunner processes_;
  VrrpModule module_;
  netlink::AsioMonitor monitor_;
  bool stopped_ = false;
};

}  // namespace vipd::vrrp
