#include "vrrp/metrics.hpp"

#include <chrono>
#include <string>

namespace vipd::vrrp {

double state_number(fsm::State state) {
  switch (state) {
    case fsm::State::kInitialize:
      return 0;
    case fsm::State::kBackup:
      return 1;
    case fsm::State::kMaster:
      return 2;
    case fsm::State::kFault:
      return 3;
    case fsm::State::kStop:
      return 4;
  }
  return 0;
}

void collect_metrics(const VrrpModule& module, std::string_view source,
                     metrics::Families& families) {
  using prometheus::MetricType;
  families.declare("vipd_vrrp_state",
                   "VRRP instance state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP)",
                   MetricType::Gauge);
  for (const Instance* instance : module.instances()) {
    const fsm::VirtualRouter* router = instance->router();
    if (!router) continue;  // could not start: nothing runs
    const config::VrrpInstance& config = instance->config();
    metrics::Labels labels{{"instance", config.name},
                           {"interface", config.interface},
                           {"vrid", std::to_string(config.virtual_router_id)},
                           {"family", config.family == Family::kIpv4 ? "ipv4" : "ipv6"},
                           {"source", std::string(source)}};
    const fsm::State state = instance->state();
    families.gauge("vipd_vrrp_state",
                   "VRRP instance state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP)", labels,
                   state_number(state));
    families.gauge("vipd_vrrp_master", "1 while the VRRP instance is master, else 0", labels,
                   state == fsm::State::kMaster ? 1 : 0);
    families.gauge("vipd_vrrp_priority",
                   "Effective priority of the VRRP instance (tracking weights applied)", labels,
                   instance->total_priority());
    const fsm::VirtualRouter::Stats& stats = router->stats();
    families.counter("vipd_vrrp_transitions_total", "VRRP state changes of the instance", labels,
                     stats.transitions);
    families.counter("vipd_vrrp_became_master_total", "Times the VRRP instance became master",
                     labels, stats.became_master);
    families.counter("vipd_vrrp_released_master_total", "Times the VRRP instance left master",
                     labels, stats.released_master);
    families.counter("vipd_vrrp_adverts_sent_total", "VRRP advertisements sent", labels,
                     stats.adverts_sent);
    families.counter("vipd_vrrp_adverts_received_total",
                     "VRRP advertisements received and accepted", labels, stats.adverts_received);
    families.counter("vipd_vrrp_priority_zero_received_total",
                     "VRRP advertisements with priority 0 received (a master handing over)", labels,
                     stats.priority_zero_received);
    families.counter("vipd_vrrp_packets_dropped_total",
                     "VRRP packets dropped by the checks of RFC 5798 §7.1 and keepalived's", labels,
                     static_cast<double>(instance->counters().total_drops()));
    families.counter("vipd_vrrp_gratuitous_sent_total",
                     "Gratuitous ARPs and unsolicited neighbor advertisements sent", labels,
                     static_cast<double>(instance->counters().garp_sent));
    if (stats.last_takeover)
      families.gauge("vipd_vrrp_last_takeover_seconds",
                     "Seconds from the last advertisement received to this instance's last "
                     "change from BACKUP to MASTER (the failover as this router saw it)",
                     labels, std::chrono::duration<double>(*stats.last_takeover).count());
  }
}

}  // namespace vipd::vrrp
