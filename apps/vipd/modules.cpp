#include "modules.hpp"

#include <algorithm>

#include "bfd/module.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/module.hpp"
#include "lb/cluster/dir_source.hpp"
#include "lb/l2_service.hpp"
#include "lb/module.hpp"
#include "vrrp/daemon_module.hpp"

namespace vipd {
namespace {

// Whether bgpd.conf has a `bfd` node or a `neighbor A bfd` line (a file that does not load is
// the BGP module's error to report).
bool bgp_config_uses_bfd(const std::string& path) {
  if (path.empty()) return false;
  auto config = bgp::config::load_config_file(path);
  if (!config) return false;
  if (config->bfd.present) return true;
  return config->bgp && std::any_of(config->bgp->neighbors.begin(), config->bgp->neighbors.end(),
                                    [](const auto& neighbor) { return neighbor.bfd; });
}

}  // namespace

module::ModuleList build_modules(const DaemonOptions& options, asio::io_context& io,
                                 event::Clock& clock, KernelServices& kernel) {
  module::ModuleList modules;
  // BGP first: on stop (reverse order) the load balancer withdraws its Service addresses and
  // VRRP masters hand the gateway over while the routes are still installed; BGP leaves last.
  // A node's load balancer needs BGP even without a bgpd.conf: its BGPPeers are neighbors.
  bgp::BgpModule* bgp_module = nullptr;
  if (!options.bgp_config.empty() || !options.lb_configs.empty()) {
    bgp::BgpModuleOptions bgp;
    bgp.config_file = options.bgp_config;
    bgp.speaker = bgp::SpeakerOptions{options.bgp_port, true};
    // Unless bgpd.conf says `bgp no-rib`, best paths go to the daemon's kernel route table.
    bgp.kernel_fib = [&kernel] { return kernel.route_table(); };
    bgp.interfaces = &kernel.interfaces();
    // zebra's `ip forwarding` / `ipv6 forwarding` lines of an integrated frr.conf.
    bgp.write_sysctl = write_sysctl;
    auto module = std::make_unique<bgp::BgpModule>(io, clock, std::move(bgp));
    bgp_module = module.get();
    modules.push_back(std::move(module));
  }
  // BFD when a source needs it: bgpd.conf's `bfd` node or a `neighbor A bfd`, or the load
  // balancer, whose BGPPeers may name a BFDProfile at any time (it opens no socket until a
  // session exists). Adding the first BFD line to a running daemon's bgpd.conf takes a restart.
  // After BGP, so that on stop (reverse order) its sessions end (with AdminDown, which peers do
  // not count as a failure) before BGP closes.
  bfd::BfdModule* bfd_module = nullptr;
  if (bgp_module && (!options.lb_configs.empty() || bgp_config_uses_bfd(options.bgp_config))) {
    bfd::BfdModuleOptions bfd;
    bfd.config_file = options.bgp_config;
    bfd.bgp = bgp_module;
    auto module = std::make_unique<bfd::BfdModule>(io, clock, std::move(bfd));
    bfd_module = module.get();
    modules.push_back(std::move(module));
  }
  if (!options.vrrp_config.empty())
    modules.push_back(std::make_unique<vrrp::VrrpDaemonModule>(io, clock, kernel.interfaces(),
                                                               options.vrrp_config));
  if (!options.lb_configs.empty()) {
    lb::LbModuleOptions lb;
    lb.config_paths = options.lb_configs;
    lb.node_name = options.node_name.empty() ? system_hostname() : options.node_name;
    lb.controller = options.lb_controller;
    lb.source_description = "--k8s-dir " + options.k8s_dir;
    lb.bfd = bfd_module;
    lb.make_source = [&io, dir = options.k8s_dir]() -> std::unique_ptr<lb::cluster::ClusterSource> {
      return std::make_unique<lb::cluster::DirSource>(io, dir);
    };
    lb.make_l2 = [&io, &clock, &kernel]() -> std::unique_ptr<lb::L2Runner> {
      return std::make_unique<lb::L2Service>(io, clock, kernel.interfaces());
    };
    lb.l2.vrids = *lb::parse_vrid_range(options.l2_vrids);  // run_daemon checked it
    lb.l2.advert_interval = std::chrono::milliseconds(options.l2_advert_interval_ms);
    lb.l2.garp_refresh = std::chrono::seconds(options.l2_garp_refresh_s);
    modules.push_back(std::make_unique<lb::LbModule>(*bgp_module, std::move(lb)));
  }
  return modules;
}

}  // namespace vipd
