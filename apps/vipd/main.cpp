// vipd: keeps virtual IPs reachable. Thin: parses the command line, the rest is in daemon.cpp.
#include <CLI/CLI.hpp>

#include "daemon.hpp"

int main(int argc, char** argv) {
  vipd::DaemonOptions options;
  CLI::App app{"vipd: BGP, VRRP and service IP daemon"};
  app.add_flag("-f,--foreground", options.foreground, "Stay in the foreground, log to stderr");
  app.add_flag("-t,--check", options.check,
               "Check the configuration files: print each error as FILE:LINE: message, exit 0 "
               "or 1; start nothing");
  app.add_flag("--strict", options.strict,
               "Treat configuration warnings (keywords vipd does not know or implement) as "
               "errors");
  app.add_option("--bgp-config", options.bgp_config, "quagga/FRR bgpd.conf")
      ->check(CLI::ExistingFile);
  app.add_option("--vrrp-config", options.vrrp_config, "keepalived.conf");
  app.add_option("--lb-config", options.lb_configs,
                 "MetalLB resources: files or directories of YAML (repeatable)");
  app.add_option("--k8s-dir", options.k8s_dir,
                 "The cluster's Services, EndpointSlices, Nodes and Namespaces as YAML files "
                 "in this directory (watched)");
  app.add_option("--k8s-api", options.k8s_api,
                 "The cluster from the Kubernetes API: \"in-cluster\" (the pod's service "
                 "account) or a kubeconfig file; the metallb.io resources come from it too "
                 "unless --lb-config is given");
  app.add_option("--k8s-context", options.k8s_context,
                 "With --k8s-api KUBECONFIG: the context (default: its current-context)");
  app.add_option("--k8s-namespace", options.k8s_namespace,
                 "With --k8s-api: the namespace of the metallb.io resources, the controller's "
                 "Lease and the status objects (default: the pod's namespace, else "
                 "metallb-system)");
  app.add_option("--node-name", options.node_name,
                 "This Kubernetes node's name, as MetalLB's METALLB_NODE_NAME (default: the "
                 "hostname)");
  app.add_flag("--lb-controller", options.lb_controller,
               "Assign Service addresses and record them in the Services' status (one "
               "controller per cluster: a lock in --k8s-dir, a Lease with --k8s-api)");
  app.add_option("--lb-class", options.lb_class,
                 "Serve only the LoadBalancer Services of this spec.loadBalancerClass (as "
                 "MetalLB's --lb-class; default: only those without one)");
  app.add_flag("--lb-controller-only", options.lb_controller_only,
               "As --lb-controller, but announce nothing (MetalLB's controller Deployment)");
  app.add_option("--l2-vrids", options.l2_vrids,
                 "L2 mode: the VRIDs its virtual routers take, FIRST-LAST (keep the routers' "
                 "own VRIDs outside)")
      ->capture_default_str();
  app.add_option("--l2-advert-interval", options.l2_advert_interval_ms,
                 "L2 mode: VRRPv3 advert interval in milliseconds, a multiple of 10 (the owner "
                 "of a Service IP is replaced after about 3 of them)")
      ->check(CLI::Range(10, 40950))
      ->capture_default_str();
  app.add_option("--l2-garp-refresh", options.l2_garp_refresh_s,
                 "L2 mode: repeat gratuitous ARPs / unsolicited NAs every N seconds while the "
                 "owner (for switches whose MAC tables age out; 0: only on takeover)")
      ->capture_default_str();
  app.add_option("--socket", options.socket, "Control socket for vipctl")->capture_default_str();
  app.add_option("--log-file", options.log_file, "Log to this file");
  app.add_option("--log-level", options.log_level, "debug, info, notice, warning or error")
      ->capture_default_str();
  app.add_option("--pid-file", options.pid_file, "Write the process id here");
  app.add_option("--bgp-port", options.bgp_port, "TCP port to accept BGP connections on")
      ->capture_default_str();
  app.add_option("--metrics-listen", options.metrics_listen,
                 "Serve Prometheus metrics (/metrics) and the probes (/healthz, /readyz) over "
                 "HTTP on ADDR:PORT ([IPV6]:PORT); MetalLB's port is 7472. Default: off");
  app.set_version_flag("--version", PROJECT_VERSION);
  CLI11_PARSE(app, argc, argv);
  return vipd::run_daemon(options);
}
