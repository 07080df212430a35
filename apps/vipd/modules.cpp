#include "modules.hpp"

#include <algorithm>

#include "bfd/module.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/module.hpp"
#include "k8s/client.hpp"
#include "lb/cluster/dir_source.hpp"
#include "lb/kube/api_source.hpp"
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

// The speaker's pod, owner of its status objects (the manifests pass the downward API's
// metadata.name and metadata.uid).
std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

Result<k8s::ApiConfig, std::string> load_api_config(const DaemonOptions& options) {
  const bool in_cluster = options.k8s_api == "in-cluster";
  auto config = in_cluster ? k8s::in_cluster_config()
                           : k8s::load_kubeconfig(options.k8s_api, options.k8s_context);
  if (!config) return config;
  if (!options.k8s_namespace.empty())
    config->namespace_ = options.k8s_namespace;
  else if (!in_cluster || config->namespace_.empty())
    config->namespace_ = "metallb-system";
  return config;
}

module::ModuleList build_modules(const DaemonOptions& options, asio::io_context& io,
                                 event::Clock& clock, KernelServices& kernel) {
  module::ModuleList modules;
  // BGP first: on stop (reverse order) the load balancer withdraws its Service addresses and
  // VRRP masters hand the gateway over while the routes are still installed; BGP leaves last.
  // A node's load balancer needs BGP even without a bgpd.conf: its BGPPeers are neighbors.
  bgp::BgpModule* bgp_module = nullptr;
  const bool lb = runs_load_balancer(options);
  const bool speaker = lb && !options.lb_controller_only;
  if (!options.bgp_config.empty() || lb) {
    bgp::BgpModuleOptions bgp;
    bgp.config_file = options.bgp_config;
    // A controller without a speaker has no BGP sessions: it does not listen.
    bgp.speaker = bgp::SpeakerOptions{options.bgp_port, !options.bgp_config.empty() || speaker};
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
  if (bgp_module && (speaker || bgp_config_uses_bfd(options.bgp_config))) {
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
  if (lb) {
    lb::LbModuleOptions lb;
    lb.config_paths = options.lb_configs;
    lb.node_name = options.node_name.empty() ? system_hostname() : options.node_name;
    lb.controller = options.lb_controller || options.lb_controller_only;
    lb.speaker = speaker;
    if (!options.lb_class.empty()) lb.allocation.load_balancer_class = options.lb_class;
    lb.bfd = bfd_module;
    lb.clock = &clock;
    if (!options.k8s_api.empty()) {
      lb.source_description = "--k8s-api " + options.k8s_api;
      lb.make_source = [&io, &clock, options,
                        node = lb.node_name]() -> std::unique_ptr<lb::cluster::ClusterSource> {
        auto config = load_api_config(options);  // run_daemon checked it loads
        if (!config) return nullptr;
        lb::kube::ApiSourceOptions api;
        api.namespace_ = config->namespace_;
        api.node_name = options.lb_controller_only ? "" : node;
        api.pod_name = environment("POD_NAME");
        api.pod_uid = environment("POD_UID");
        api.component = options.lb_controller_only ? "vipd-controller" : "vipd-speaker";
        api.watch_resources = options.lb_configs.empty();
        return std::make_unique<lb::kube::ApiSource>(
            std::make_unique<k8s::CurlClient>(io, std::move(*config)), clock, std::move(api));
      };
    } else {
      lb.source_description = "--k8s-dir " + options.k8s_dir;
      lb.make_source = [&io,
                        dir = options.k8s_dir]() -> std::unique_ptr<lb::cluster::ClusterSource> {
        return std::make_unique<lb::cluster::DirSource>(io, dir);
      };
    }
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
