#include "lb/l2/responder_network.hpp"

#include <fmt/format.h>

namespace vipd::lb::l2 {

std::optional<vrrp::InterfaceInfo> ResponderNetwork::find_interface(std::string_view name) {
  auto info = kernel_.find_interface(name);
  if (info) macs_[info->ifindex] = info->mac;
  return info;
}

Status<std::string> ResponderNetwork::add_address(const netlink::InterfaceAddress& address) {
  // The instance looked its interface up before it could become master.
  auto mac = macs_.find(address.ifindex);
  if (mac == macs_.end())
    return unexpected(fmt::format("no MAC known for interface {}", address.ifindex));
  auto claimed = responder_.claim(address.ifindex, mac->second, address.address);
  if (claimed && listener_) listener_(address.ifindex, address.address, true);
  return claimed;
}

Status<std::string> ResponderNetwork::delete_address(const netlink::InterfaceAddress& address) {
  responder_.release(address.ifindex, address.address);
  if (listener_) listener_(address.ifindex, address.address, false);
  return Ok();
}

}  // namespace vipd::lb::l2
