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
}

Result<fib::Fib*, std::string> KernelServices::route_table() {
  if (route_table_) return route_table_.get();
  auto table = std::make_unique<fib::NetlinkFib>(&clock_);
  if (auto opened = table->open(); !opened) return unexpected(opened.error());
  if (auto tracked = table->track_interfaces(io_); !tracked)
    log::error(
        "fib: no link monitor ({}): links are not tracked, every next hop counts as reachable",
        tracked.error());
  route_table_ = std::move(table);
  return route_table_.get();
}

}  // namespace vipd
