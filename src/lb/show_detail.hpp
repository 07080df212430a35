// The load balancer's show commands, shared between show.cpp (which installs them) and the
// files that render them.
#pragma once

#include <string>

#include "common/json.hpp"

namespace vipd::lb {

class LbModule;

// The fields every Service address shows, in BGP mode (ServiceAnnouncement) and in L2 mode
// (L2Announcement): service, ip, pool, announced, and the reason when it is not.
template <typename Announcement>
nlohmann::json announcement_json(const Announcement& a) {
  nlohmann::json s;
  s["service"] = a.service.to_string();
  s["ip"] = a.ip.to_string();
  s["pool"] = a.pool;
  s["announced"] = a.announced();
  if (!a.announced()) s["reason"] = a.withdrawn_reason;
  return s;
}

// `show lb l2 [json]` (show_l2.cpp).
nlohmann::json l2_json(const LbModule& module);
std::string l2_text(const LbModule& module);

}  // namespace vipd::lb
