// `show vrrp [NAME] [json]`: the instances in the layout of keepalived's data and stats dumps
// (`keepalived --signum=DATA` writes /tmp/keepalived.data, `--signum=STATS` keepalived.stats),
// and as JSON for machines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "vrrp/module.hpp"

namespace vipd::vrrp {

std::string instance_text(const VrrpModule& module, const Instance& instance);
nlohmann::json instance_json(const VrrpModule& module, const Instance& instance);
// Every instance (or the one named), "------< VRRP Topology >------" first.
std::string vrrp_text(const VrrpModule& module, const Instance* only = nullptr);
nlohmann::json vrrp_json(const VrrpModule& module, const Instance* only = nullptr);

}  // namespace vipd::vrrp
