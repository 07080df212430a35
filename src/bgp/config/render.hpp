// Writing the configuration back: `show running-config` / `write memory` text in FRR's layout,
// and `show running-config json`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bgp/config/model.hpp"

namespace vipd::bgp::config {

// Text that parse_config() reads back to an equal BgpConfig.
std::string render_config(const BgpConfig& config);

nlohmann::json to_json(const BgpConfig& config);

}  // namespace vipd::bgp::config
