// The vipd process: composes the modules whose configuration was given, the control socket and
// the signal handling around one Asio event loop.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace vipd {

struct DaemonOptions {
  bool foreground = false;
  // --check / -t: load and validate every configuration given, print each error as
  // FILE:LINE: message, exit 0 or 1; nothing is started.
  bool check = false;
  // --strict: what a configuration file warns about (a keepalived.conf keyword vipd does not
  // know or implement) is an error, with --check and at start.
  bool strict = false;
  std::string bgp_config;
  std::string vrrp_config;
  std::vector<std::string> lb_configs;  // --lb-config: MetalLB resources
  std::string k8s_dir;                  // --k8s-dir: the cluster's objects as manifests
  std::string node_name;                // --node-name; empty: the hostname
  bool lb_controller = false;           // --lb-controller
  bool lb_controller_only = false;      // --lb-controller-only: assign, announce nothing
  std::string lb_class;                 // --lb-class: spec.loadBalancerClass served; empty: none
  // --k8s-api: "in-cluster" (the pod's service account) or a kubeconfig's path.
  std::string k8s_api;
  std::string k8s_context;           // --k8s-context: the kubeconfig's context (default: current)
  std::string k8s_namespace;         // --k8s-namespace; empty: the pod's, else metallb-system
  std::string l2_vrids = "100-254";  // --l2-vrids FIRST-LAST
  unsigned l2_advert_interval_ms = 20;  // --l2-advert-interval
  unsigned l2_garp_refresh_s = 0;       // --l2-garp-refresh
  std::string socket = "/run/vipd.sock";
  std::string log_file;
  std::string pid_file;
  std::string log_level = "info";
  std::uint16_t bgp_port = 179;
  std::string metrics_listen;  // --metrics-listen ADDR:PORT; empty: no HTTP endpoint
};

// The system's hostname (the shell's prompt without `hostname`, the default --node-name).
std::string system_hostname();

// Whether the daemon runs the load balancer (MetalLB's job).
inline bool runs_load_balancer(const DaemonOptions& options) {
  return !options.lb_configs.empty() || !options.k8s_api.empty();
}

// Runs until SIGTERM/SIGINT; returns the process exit status.
int run_daemon(const DaemonOptions& options);
// --check: returns the exit status.
int check_configuration(const DaemonOptions& options);

}  // namespace vipd
