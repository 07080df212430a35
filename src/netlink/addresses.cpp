#include "netlink/addresses.hpp"

#include <algorithm>

#include "netlink/attributes.hpp"

namespace vipd::netlink {
namespace {

Status<Error> write_address(Socket& socket, AddressOp op, const InterfaceAddress& address) {
  return socket.request(
      [&](std::span<std::byte> room) { return build_address_message(room, op, address); });
}

}  // namespace

Status<Error> add_address(Socket& socket, const InterfaceAddress& address) {
  return write_address(socket, AddressOp::kAdd, address);
}

Status<Error> replace_address(Socket& socket, const InterfaceAddress& address) {
  return write_address(socket, AddressOp::kReplace, address);
}

Status<Error> delete_address(Socket& socket, const InterfaceAddress& address) {
  return write_address(socket, AddressOp::kDelete, address);
}

Result<std::vector<InterfaceAddress>, Error> list_addresses(Socket& socket, int ifindex,
                                                            int family) {
  auto request = [&](std::span<std::byte> room) {
    return build_address_dump_request(room, family, ifindex);
  };
  // Kernels without strict checking (before 4.20) ignore the interface in the request.
  return socket.collect<InterfaceAddress>(
      request, [&](const nlmsghdr* m) -> std::optional<InterfaceAddress> {
        auto address = parse_address_message(m);
        if (!address || (ifindex != 0 && address->ifindex != ifindex)) return std::nullopt;
        return address;
      });
}

Result<bool, Error> address_exists(Socket& socket, int ifindex, const IpAddress& address,
                                   std::optional<std::uint8_t> prefix_length) {
  auto all = list_addresses(socket, ifindex, family_of(address));
  if (!all) return unexpected(all.error());
  return std::any_of(all->begin(), all->end(), [&](const InterfaceAddress& a) {
    return a.address == address && (!prefix_length || a.prefix_length == *prefix_length);
  });
}

Result<std::vector<Failure>, std::string> send_addresses(Socket& socket,
                                                         std::span<const AddressRequest> requests) {
  return socket.send(requests.size(), [&](std::size_t i, std::span<std::byte> room) {
    return build_address_message(room, requests[i].op, requests[i].address);
  });
}

}  // namespace vipd::netlink
