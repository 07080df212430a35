// The load balancer's metric families (docs/metrics.md): MetalLB's controller
// (`metallb_allocator_*`, internal/allocator/stats.go) and Kubernetes client
// (`metallb_k8s_client_*`, internal/k8s/controllers/stats.go) families, vipd's own
// `vipd_lb_*`, and the VRRP families of the L2 mode's virtual routers.
#include <map>

#include "lb/module.hpp"
#include "metrics/families.hpp"
#include "vrrp/metrics.hpp"

namespace vipd::lb {

void LbModule::collect_metrics(metrics::Families& families) const {
  // The allocator's numbers come from the controller that decides, as in MetalLB, where only
  // the controller (one per cluster) exports them; a standby would double them in sums.
  if (options_.controller && leader_) {
    std::map<std::string, std::size_t> services;
    for (const auto& [key, decision] : allocation_.decisions)
      if (decision.kind == allocator::Decision::Kind::kAssigned) ++services[decision.pool];
    for (const auto& usage : allocation_.usage) {
      metrics::Labels labels{{"pool", usage.name}};
      // Doubles: an IPv6 pool may hold more than 2^64 addresses (saturated per family).
      const double v4_total = static_cast<double>(usage.ipv4_total);
      const double v6_total = static_cast<double>(usage.ipv6_total);
      const double v4_used = static_cast<double>(usage.ipv4_used);
      const double v6_used = static_cast<double>(usage.ipv6_used);
      families.gauge("metallb_allocator_addresses_total", "Number of usable IP addresses, per pool",
                     labels, v4_total + v6_total);
      families.gauge("metallb_allocator_ipv4_addresses_total",
                     "Number of usable IPV4 addresses, per pool", labels, v4_total);
      families.gauge("metallb_allocator_ipv6_addresses_total",
                     "Number of usable IPV6 addresses, per pool", labels, v6_total);
      families.gauge("metallb_allocator_addresses_in_use_total",
                     "Number of IP addresses in use, per pool", labels, v4_used + v6_used);
      families.gauge("metallb_allocator_ipv4_addresses_in_use_total",
                     "Number of IPV4 addresses in use, per pool", labels, v4_used);
      families.gauge("metallb_allocator_ipv6_addresses_in_use_total",
                     "Number of IPV6 addresses in use, per pool", labels, v6_used);
      families.gauge("metallb_allocator_services_allocated_total",
                     "Number of services allocated, per pool", labels,
                     static_cast<double>(services[usage.name]));
    }
    families.gauge("vipd_lb_allocation_failures",
                   "LoadBalancer Services that wanted an address and got none", {},
                   static_cast<double>(failed_.size()));
  }
  if (options_.controller)
    families.gauge("vipd_lb_controller_leader",
                   "1 while this controller holds the cluster's leadership (it assigns "
                   "addresses), else 0",
                   {}, leader_ ? 1 : 0);
  // The MetalLB resources loaded at start (a vipd whose files do not load does not start; from
  // the API: once a set has validated); stale while the last reload or the API's latest set
  // failed and the previous ones still run.
  families.gauge("metallb_k8s_client_config_loaded_bool",
                 "1 if the MetalLB configuration was successfully loaded at least once.", {},
                 source_ && (!source_->resources() || resources_ready_) ? 1 : 0);
  families.gauge("metallb_k8s_client_config_stale_bool",
                 "1 if running on a stale configuration, because the latest config failed to "
                 "load.",
                 {}, config_stale_ ? 1 : 0);
  families.counter("metallb_k8s_client_updates_total",
                   "Number of k8s object updates that have been processed.", {},
                   static_cast<double>(cluster_updates_));
  families.gauge("vipd_lb_service_addresses",
                 "Service addresses this node's speaker considers (assigned, of its pools)", {},
                 static_cast<double>(plan_.services.size()));
  families.gauge("vipd_lb_announced_prefixes", "Service prefixes this node originates into BGP", {},
                 static_cast<double>(originated_.size()));
  families.gauge("vipd_lb_l2_owned_addresses",
                 "Service addresses this node answers ARP/NDP for (L2 mode)", {},
                 static_cast<double>(l2_owned_.size()));
  if (l2_ && l2_->vrrp()) vrrp::collect_metrics(*l2_->vrrp(), "lb", families);
}

std::string LbModule::not_ready() const {
  if (!source_) return "lb: not started";
  if (cluster_updates_ == 0)
    return "lb: the cluster has not been read yet (" + options_.source_description + ")";
  if (source_->resources() && !resources_ready_)
    return "lb: no valid set of metallb.io resources yet (" + options_.source_description + ")";
  return {};
}

}  // namespace vipd::lb
