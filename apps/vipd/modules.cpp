#include "modules.hpp"

#include "bgp/module.hpp"
#include "common/log.hpp"
#include "fib/netlink_fib.hpp"
#include "vrrp/daemon_module.hpp"

namespace vipd {
namespace {

// Unless the configuration says `bgp no-rib`, the speaker installs its best paths in the kernel
// over rtnetlink. The kernel FIB is opened when the configuration first asks for it; opening
// deletes the routes a previous vipd left (docs/fib.md). It follows the links and addresses
// with a netlink monitor on the daemon's loop, so that next hops over a link that goes down
// leave their routes and come back with it (docs/netlink.md, "Link tracking"), and BGP resolves
// next hops over the same view (docs/config-bgp.md, "Next-hop resolution"). Without the
// monitor routes are still installed: every next hop counts as reachable and the kernel decides.
bgp::Speaker::FibFactory kernel_fib(asio::io_context& io, event::Clock& clock) {
  return [&io, &clock]() -> Result<std::unique_ptr<fib::Fib>, std::string> {
    auto table = std::make_unique<fib::NetlinkFib>(&clock);
    auto opened = table->open();
    if (!opened) return unexpected(opened.error());
    if (auto tracked = table->track_interfaces(io); !tracked)
      log::error(
          "fib: no link monitor ({}): links are not tracked, every next hop counts as "
          "reachable",
          tracked.error());
    return std::unique_ptr<fib::Fib>(std::move(table));
  };
}

}  // namespace

module::ModuleList build_modules(const DaemonOptions& options, asio::io_context& io,
                                 event::Clock& clock) {
  module::ModuleList modules;
  // BGP before VRRP: on stop, VRRP masters hand the gateway over while the routes are still
  // installed, and BGP leaves last.
  if (!options.bgp_config.empty()) {
    bgp::BgpModuleOptions bgp;
    bgp.config_file = options.bgp_config;
    bgp.speaker = bgp::SpeakerOptions{options.bgp_port, true};
    bgp.kernel_fib = kernel_fib(io, clock);
    modules.push_back(std::make_unique<bgp::BgpModule>(io, clock, std::move(bgp)));
  }
  if (!options.vrrp_config.empty())
    modules.push_back(std::make_unique<vrrp::VrrpDaemonModule>(io, clock, options.vrrp_config));
  return modules;
}

}  // namespace vipd
