#include "netlink/links.hpp"

namespace vipd::netlink {
namespace {

Result<Link, Error> get_one(Socket& socket, const Socket::Writer& write) {
  std::optional<Link> link;
  auto answered = socket.request(write, [&](const nlmsghdr* m) {
    if (!link) link = parse_link_message(m);
  });
  if (!answered) return unexpected(answered.error());
  if (!link) return unexpected(Error{EBADMSG, "no link in the kernel's answer", false});
  return std::move(*link);
}

}  // namespace

Result<Link, Error> get_link(Socket& socket, int ifindex) {
  return get_one(socket,
                 [&](std::span<std::byte> room) { return build_link_get_request(room, ifindex); });
}

Result<Link, Error> get_link(Socket& socket, std::string_view name) {
  return get_one(socket,
                 [&](std::span<std::byte> room) { return build_link_get_request(room, name); });
}

Result<std::vector<Link>, Error> list_links(Socket& socket) {
  return socket.collect<Link>(
      [](std::span<std::byte> room) { return build_link_dump_request(room); }, parse_link_message);
}

Result<int, Error> link_index(Socket& socket, std::string_view name) {
  auto link = get_link(socket, name);
  if (!link) return unexpected(link.error());
  return link->ifindex;
}

Result<std::string, Error> link_name(Socket& socket, int ifindex) {
  auto link = get_link(socket, ifindex);
  if (!link) return unexpected(link.error());
  return std::move(link->name);
}

Status<Error> set_link_up(Socket& socket, int ifindex, bool up) {
  return socket.request(
      [&](std::span<std::byte> room) { return build_link_set_up(room, ifindex, up); });
}

Result<Link, Error> create_macvlan(Socket& socket, const MacvlanSpec& spec) {
  auto created =
      socket.request([&](std::span<std::byte> room) { return build_macvlan_create(room, spec); });
  if (!created) return unexpected(created.error());
  return get_link(socket, spec.name);
}

Status<Error> delete_link(Socket& socket, int ifindex) {
  return socket.request(
      [&](std::span<std::byte> room) { return build_link_delete(room, ifindex); });
}

Status<Error> set_ipv6_addr_gen_mode(Socket& socket, int ifindex, std::uint8_t mode) {
  return socket.request(
      [&](std::span<std::byte> room) { return build_link_set_addr_gen_mode(room, ifindex, mode); });
}

}  // namespace vipd::netlink
