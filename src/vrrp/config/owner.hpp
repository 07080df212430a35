// The address-owner rule, which needs the router's interface addresses and so is not part of
// parsing: RFC 5798 §5.2.4 (RFC 3768 §5.3.4) reserves priority 255 for the router that owns the
// virtual router's addresses (has them on an interface), and that router must use it.
#pragma once

#include <string>
#include <vector>

#include "common/ip.hpp"
#include "vrrp/config/model.hpp"

namespace vipd::vrrp::config {

// Warnings (empty: consistent) for `instance` on a router whose interfaces have `local`.
std::vector<std::string> check_address_owner(const VrrpInstance& instance,
                                             const std::vector<IpAddress>& local);

}  // namespace vipd::vrrp::config
