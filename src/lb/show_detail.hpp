// The load balancer's show commands, shared between show.cpp (which installs them) and the
// files that render them.
#pragma once

#include <string>

#include "common/json.hpp"

namespace vipd::lb {

class LbModule;

// `show lb l2 [json]` (show_l2.cpp).
nlohmann::json l2_json(const LbModule& module);
std::string l2_text(const LbModule& module);

}  // namespace vipd::lb
