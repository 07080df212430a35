// Links over a netlink Socket: lookup by index or name, state, admin up/down, macvlan create
// and delete. Kernel answers worth telling apart (docs/netlink.md):
//   no link with this index or name            -> ENODEV (Error::not_found())
//   create a link whose name is taken          -> EEXIST (Error::already_exists())
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "netlink/link_message.hpp"
#include "netlink/socket.hpp"

namespace vipd::netlink {

Result<Link, Error> get_link(Socket& socket, int ifindex);
Result<Link, Error> get_link(Socket& socket, std::string_view name);
Result<std::vector<Link>, Error> list_links(Socket& socket);

// ifindex <-> name.
Result<int, Error> link_index(Socket& socket, std::string_view name);
Result<std::string, Error> link_name(Socket& socket, int ifindex);

Status<Error> set_link_up(Socket& socket, int ifindex, bool up);

// Creates the macvlan (down) and returns it as the kernel reports it.
Result<Link, Error> create_macvlan(Socket& socket, const MacvlanSpec& spec);
Status<Error> delete_link(Socket& socket, int ifindex);
// IFLA_INET6_ADDR_GEN_MODE (IN6_ADDR_GEN_MODE_NONE: no automatic link-local address).
Status<Error> set_ipv6_addr_gen_mode(Socket& socket, int ifindex, std::uint8_t mode);

}  // namespace vipd::netlink
