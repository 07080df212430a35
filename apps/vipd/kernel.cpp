#include "kernel.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.hpp"

namespace vipd {

Status<std::string> write_sysctl(const std::string& name, const std::string& value) {
  // The names are vipd's own constants; never a path from the configuration.
  if (name.find("..") != std::string::npos) return unexpected("bad sysctl name " + name);
  const std::string path = "/proc/sys/" + name;
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(fmt::format("{}: {}", path, std::strerror(errno)));
  const std::string text = value + "\n";
  ssize_t written = ::write(fd, text.data(), text.size());
  int error = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size()))
    return unexpected(fmt::format("{}: {}", path, std::strerror(written < 0 ? error : EIO)));
  return Ok{};
}

KernelServices::~KernelServices() {
  close();
}

void KernelServices::close() {
  // Every module withdrew its routes when it stopped; what a module left (it failed to start)
  // goes here.
  if (route_table_) route_table_->remove_all();
  route_table_.reset();
  // Its pending read would keep the loop's last run_for() busy for its full time.
  interfaces_.stop();
}

Status<std::string> KernelServices::start() {
  // One netlink monitor for every module (docs/netlink.md, "One view of links and addresses").
  if (auto started = interfaces_.start(); !started)
    return unexpected("no netlink monitor: " + started.error());
  return Ok{};
}

Result<fib::Fib*, std::string> KernelServices::route_table() {
  if (route_table_) return route_table_.get();
  auto table = std::make_unique<fib::NetlinkFib>(&clock_);
  if (auto opened = table->open(); !opened) return unexpected(opened.error());
  if (auto tracked = table->track_interfaces(interfaces_.view()); !tracked)
    log::error(
        "fib: no link monitor ({}): links are not tracked, every next hop counts as reachable",
        tracked.error());
  route_table_ = std::move(table);
  return route_table_.get();
}

}  // namespace vipd
