// Interface addresses over a netlink Socket: add, replace, delete, list, exists. The kernel's
// answers come back as Error codes, chosen so that a caller can tell "already done" from
// "failed" (docs/netlink.md):
//   add an address that is there already     -> EEXIST        (Error::already_exists())
//   delete an address that is not there      -> EADDRNOTAVAIL (Error::not_found())
//   any of them on an interface that is gone -> ENODEV        (Error::not_found())
#pragma once

#include <sys/socket.h>

#include <span>
#include <string>
#include <vector>

#include "netlink/address_message.hpp"
#include "netlink/socket.hpp"

namespace vipd::netlink {

Status<Error> add_address(Socket& socket, const InterfaceAddress& address);
Status<Error> replace_address(Socket& socket, const InterfaceAddress& address);
Status<Error> delete_address(Socket& socket, const InterfaceAddress& address);

// The addresses of `family` (AF_INET, AF_INET6, AF_UNSPEC: both) on `ifindex` (0: on every
// interface), in the kernel's order (for IPv4: primary first, then its secondaries).
Result<std::vector<InterfaceAddress>, Error> list_addresses(Socket& socket, int ifindex = 0,
                                                            int family = AF_UNSPEC);

// Whether `ifindex` has `address` (with `prefix_length`, if given).
Result<bool, Error> address_exists(Socket& socket, int ifindex, const IpAddress& address,
                                   std::optional<std::uint8_t> prefix_length = std::nullopt);

// Many adds/deletes in batches (all VIPs of a VRRP instance at once); failures per request.
struct AddressRequest {
  AddressOp op;
  InterfaceAddress address;
};
Result<std::vector<Failure>, std::string> send_addresses(Socket& socket,
                                                         std::span<const AddressRequest> requests);

}  // namespace vipd::netlink
