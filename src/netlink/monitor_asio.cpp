#include "netlink/monitor_asio.hpp"

#include "common/log.hpp"

namespace vipd::netlink {

AsioMonitor::AsioMonitor(asio::io_context& io, Monitor::Callback callback, MonitorOptions options)
    : monitor_(std::move(callback), options), descriptor_(io) {}

AsioMonitor::~AsioMonitor() {
  *alive_ = false;
  stop();
}

Status<std::string> AsioMonitor::start() {
  if (running_) return Ok{};
  if (auto opened = monitor_.open(); !opened) return opened;
  if (!descriptor_.is_open()) {
    std::error_code ec;
    descriptor_.assign(monitor_.fd(), ec);
    if (ec) return unexpected("netlink monitor: " + ec.message());
  }
  running_ = true;
  error_.clear();
  wait();
  return Ok{};
}

void AsioMonitor::stop() {
  running_ = false;
  if (!descriptor_.is_open()) return;
  std::error_code ec;
  descriptor_.cancel(ec);
  // The Monitor owns the fd and closes it; the descriptor only borrowed it.
  descriptor_.release();
}

void AsioMonitor::wait() {
  auto alive = alive_;
  descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [this, alive](std::error_code ec) {
                           if (ec || !*alive || !running_) return;
                           if (auto processed = monitor_.process_ready(); !processed) {
                             error_ = processed.error();
                             log::error("{}", error_);
                             stop();
                             return;
                           }
                           if (running_) wait();
                         });
}

}  // namespace vipd::netlink
