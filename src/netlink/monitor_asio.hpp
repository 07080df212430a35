// A Monitor driven by an asio::io_context (the daemon's one event loop, DESIGN principle 4):
// waits for the netlink socket to become readable and calls Monitor::process_ready().
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <memory>
#include <string>

#include "netlink/monitor.hpp"

namespace vipd::netlink {

class AsioMonitor {
 public:
  AsioMonitor(asio::io_context& io, Monitor::Callback callback, MonitorOptions options = {});
  ~AsioMonitor();
  AsioMonitor(const AsioMonitor&) = delete;
  AsioMonitor& operator=(const AsioMonitor&) = delete;

  // Opens the monitor and starts waiting for notifications; events arrive from the io_context's
  // run(). If the socket fails later, the monitor logs the error and stops; error() says why.
  Status<std::string> start();
  void stop();
  bool running() const { return running_; }
  const std::string& error() const { return error_; }

  Monitor& monitor() { return monitor_; }

 private:
  void wait();

  Monitor monitor_;
  asio::posix::stream_descriptor descriptor_;
  // Guards a wait completion queued before destruction (as AsioTimer's does).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool running_ = false;
  std::string error_;
};

}  // namespace vipd::netlink
