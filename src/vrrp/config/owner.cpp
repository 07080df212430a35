#include "vrrp/config/owner.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace vipd::vrrp::config {

std::vector<std::string> check_address_owner(const VrrpInstance& instance,
                                             const std::vector<IpAddress>& local) {
  std::vector<std::string> warnings;
  const VirtualAddress* owned = nullptr;
  for (const auto& vip : instance.virtual_ipaddress) {
    if (std::find(local.begin(), local.end(), vip.address) != local.end()) {
      owned = &vip;
      break;
    }
  }
  if (instance.priority == 255 && owned == nullptr)
    warnings.push_back(
        fmt::format("({}) priority 255 is reserved for the address owner, but no "
                    "virtual address of it is configured on this router",
                    instance.name));
  if (instance.priority != 255 && owned != nullptr)
    warnings.push_back(
        fmt::format("({}) owns virtual address {} (configured on this router) but "
                    "has priority {}; the address owner must use priority 255",
                    instance.name, owned->address.to_string(), instance.priority));
  return warnings;
}

}  // namespace vipd::vrrp::config
