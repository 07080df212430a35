#include "netlink/attributes.hpp"

#include <sys/socket.h>

#include <array>
#include <cstring>

namespace vipd::netlink {

int family_of(const IpAddress& address) {
  return address.is_v4() ? AF_INET : AF_INET6;
}

nlmsghdr* start_message(std::span<std::byte> buffer, std::uint16_t type, std::uint16_t flags,
                        std::size_t header_size, std::size_t attribute_room) {
  std::size_t header_bytes = MNL_NLMSG_HDRLEN + MNL_ALIGN(header_size);
  if (buffer.size() < header_bytes + attribute_room) return nullptr;
  std::memset(buffer.data(), 0, header_bytes);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags | NLM_F_REQUEST;
  mnl_nlmsg_put_extra_header(nlh, header_size);
  return nlh;
}

std::optional<IpAddress> address_attribute(const nlattr* attr, int family) {
  std::size_t len = mnl_attr_get_payload_len(attr);
  const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
  if (family == AF_INET && len == 4) return IpAddress::v4({p[0], p[1], p[2], p[3]});
  if (family == AF_INET6 && len == 16) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), p, 16);
    return IpAddress::v6(b);
  }
  return std::nullopt;
}

bool read_attribute(const nlattr* attr, std::string& out) {
  if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) != 0) return false;
  out = mnl_attr_get_str(attr);
  return true;
}

bool read_attribute(const nlattr* attr, std::uint8_t& out) {
  if (mnl_attr_get_payload_len(attr) != 1) return false;
  out = mnl_attr_get_u8(attr);
  return true;
}

bool read_attribute(const nlattr* attr, std::uint32_t& out) {
  if (mnl_attr_get_payload_len(attr) != 4) return false;
  out = mnl_attr_get_u32(attr);
  return true;
}

bool read_attribute(const nlattr* attr, int& out) {
  std::uint32_t value = 0;
  if (!read_attribute(attr, value) || value > 0x7fffffffu) return false;
  out = static_cast<int>(value);
  return true;
}

}  // namespace vipd::netlink
