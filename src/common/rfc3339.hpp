// The time now as RFC 3339 in UTC with seconds ("2026-12-07T12:00:00Z"), as Kubernetes writes
// Event timestamps (the cluster sources' Events and status files).
#pragma once

#include <ctime>
#include <string>

namespace vipd {

inline std::string rfc3339_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace vipd
