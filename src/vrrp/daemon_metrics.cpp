#include "vrrp/daemon_module.hpp"
#include "vrrp/metrics.hpp"

namespace vipd::vrrp {

void VrrpDaemonModule::collect_metrics(metrics::Families& families) const {
  vrrp::collect_metrics(service_->module(), "keepalived.conf", families);
}

}  // namespace vipd::vrrp
