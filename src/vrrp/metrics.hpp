// The VRRP instances' metric families (docs/metrics.md), vipd's own: keepalived has no
// Prometheus endpoint. One sample per running instance, labelled with its name, interface and
// VRID; `source` says whose instance it is ("keepalived.conf", or "lb" for the load balancer's
// L2 virtual routers).
#pragma once

#include <string_view>

#include "metrics/families.hpp"
#include "vrrp/module.hpp"

namespace vipd::vrrp {

// keepalived's numbering of states (vrrp.h: INIT 0, BACKUP 1, MASTER 2, FAULT 3), STOP 4.
double state_number(fsm::State state);

void collect_metrics(const VrrpModule& module, std::string_view source,
                     metrics::Families& families);

}  // namespace vipd::vrrp
