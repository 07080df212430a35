// `vipctl show running-config json` for the VRRP configuration: every effective value, keyed by
// keepalived's keyword names. Times are in seconds, as in keepalived.conf. Secrets (auth_pass)
// stay out: monitoring scrapes this output.
#pragma once

#include <nlohmann/json.hpp>

#include "vrrp/config/model.hpp"

namespace vipd::vrrp::config {

nlohmann::json to_json(const KeepalivedConfig& config);
nlohmann::json to_json(const VrrpInstance& instance);

}  // namespace vipd::vrrp::config
