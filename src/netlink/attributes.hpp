// Helpers shared by the rtnetlink message builders and parsers (route, address, link): starting
// a message in a caller's buffer, walking attributes, reading addresses out of attributes.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/ip.hpp"

namespace vipd::netlink {

// AF_INET or AF_INET6.
int family_of(const IpAddress& address);

// Starts a message of `type` with a zeroed family header of `header_size` bytes (rtmsg,
// ifaddrmsg, ifinfomsg) in `buffer`. nullptr if the buffer cannot hold the headers plus
// `attribute_room` bytes (the builders check each attribute again as they add it).
nlmsghdr* start_message(std::span<std::byte> buffer, std::uint16_t type, std::uint16_t flags,
                        std::size_t header_size, std::size_t attribute_room = 0);

// The family header of a message of at least header_size payload bytes, else nullptr.
template <typename Header>
const Header* family_header(const nlmsghdr* message) {
  if (message->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(Header)) return nullptr;
  return static_cast<const Header*>(mnl_nlmsg_get_payload(message));
}

// Calls fn(const nlattr*) for each attribute after the first `offset` payload bytes of the message
// (libmnl's mnl_attr_for_each, which needs C's implicit void* conversion).
template <typename Fn>
void for_each_attribute(const nlmsghdr* message, std::size_t offset, Fn&& fn) {
  const auto* end = static_cast<const char*>(mnl_nlmsg_get_payload_tail(message));
  for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(message, offset));
       mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr))
    fn(attr);
}

// The same for the attributes nested in `nest`.
template <typename Fn>
void for_each_nested(const nlattr* nest, Fn&& fn) {
  const auto* begin = static_cast<const char*>(mnl_attr_get_payload(nest));
  const auto* end = begin + mnl_attr_get_payload_len(nest);
  for (auto* attr = reinterpret_cast<const nlattr*>(begin);
       mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr))
    fn(attr);
}

// The address in an attribute of `family`: 4 bytes for AF_INET, 16 for AF_INET6, else nullopt.
std::optional<IpAddress> address_attribute(const nlattr* attr, int family);

// Reads an attribute into `out` and returns true, or returns false (out untouched) if its size
// is not the type's: a NUL-terminated string (IFLA_IFNAME, IFA_LABEL, IFLA_INFO_KIND), a u8, a
// u32, or an interface index (a u32 that must fit an int).
bool read_attribute(const nlattr* attr, std::string& out);
bool read_attribute(const nlattr* attr, std::uint8_t& out);
bool read_attribute(const nlattr* attr, std::uint32_t& out);
bool read_attribute(const nlattr* attr, int& out);

}  // namespace vipd::netlink
