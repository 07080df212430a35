#include "modules.hpp"

#include "bgp/module.hpp"
#include "vrrp/daemon_module.hpp"

namespace vipd {

module::ModuleList build_modules(const DaemonOptions& options, asio::io_context& io,
                                 event::Clock& clock, KernelServices& kernel) {
  module::ModuleList modules;
  // BGP before VRRP: on stop, VRRP masters hand the gateway over while the routes are still
  // installed, and BGP leaves last.
  if (!options.bgp_config.empty()) {
    bgp::BgpModuleOptions bgp;
    bgp.config_file = options.bgp_config;
    bgp.speaker = bgp::SpeakerOptions{options.bgp_port, true};
    // Unless bgpd.conf says `bgp no-rib`, best paths go to the daemon's kernel route table.
    bgp.kernel_fib = [&kernel] { return kernel.route_table(); };
    bgp.interfaces = &kernel.interfaces();
    modules.push_back(std::make_unique<bgp::BgpModule>(io, clock, std::move(bgp)));
  }
  if (!options.vrrp_config.empty())
    modules.push_back(std::make_unique<vrrp::VrrpDaemonModule>(io, clock, kernel.interfaces(),
                                                               options.vrrp_config));
  return modules;
}

}  // namespace vipd
