#include "kernel.hpp"

#include "common/log.hpp"

namespace vipd {

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
