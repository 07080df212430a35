// The VRRP module as the daemon runs it: the kernel network (raw sockets, AF_PACKET, rtnetlink),
// child processes, and the netlink link monitor (interface up/down -> FAULT and track_interface)
// around a VrrpModule, all on the daemon's io_context.
#pragma once

#include <asio/io_context.hpp>
#include <functional>
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
  // SIGTERM: priority 0, VIPs removed, VMACs deleted. With `done`, masters hand over first
  // (VrrpModule::stop) and `done` runs when everything is closed; a second stop() while
  // handing over stops at once.
  void stop(std::function<void()> done = {});

  VrrpModule& module() { return module_; }

 private:
  KernelNetwork network_;
  AsioProcessRunner processes_;
  VrrpModule module_;
  netlink::AsioMonitor monitor_;
  bool stopped_ = false;
  bool stopping_ = false;
  void close();
};

}  // namespace vipd::vrrp
