#include "netlink/address_message.hpp"

#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink/attributes.hpp"

namespace vipd::netlink {
namespace {

bool put_address(nlmsghdr* nlh, std::size_t room, std::uint16_t type, const IpAddress& a) {
  return mnl_attr_put_check(nlh, room, type, a.size(), a.octets().data());
}

// The attributes of an RTM_NEWADDR/RTM_DELADDR request after the ifaddrmsg, in the order
// iproute2 writes them (so the bytes compare equal to `ip addr add|del`).
bool put_address_attributes(nlmsghdr* nlh, std::size_t room, AddressOp op,
                            const InterfaceAddress& a) {
  bool add = op != AddressOp::kDelete;
  bool v4 = a.address.is_v4();
  if (!put_address(nlh, room, IFA_LOCAL, a.address)) return false;
  if (add && v4 && a.broadcast && !put_address(nlh, room, IFA_BROADCAST, *a.broadcast))
    return false;
  if (v4 && !a.label.empty() && !mnl_attr_put_strz_check(nlh, room, IFA_LABEL, a.label.c_str()))
    return false;
  if (!put_address(nlh, room, IFA_ADDRESS, a.peer.value_or(a.address))) return false;
  if (!add) return true;
  // Flags up to 0xff fit ifa_flags; IFA_F_NOPREFIXROUTE and later ones need IFA_FLAGS (kernel
  // 3.14), which carries all 32 bits and takes precedence.
  if (a.flags > 0xff && !mnl_attr_put_u32_check(nlh, room, IFA_FLAGS, a.flags)) return false;
  if (a.lifetime) {
    ifa_cacheinfo info{};
    info.ifa_prefered = a.lifetime->preferred;
    info.ifa_valid = a.lifetime->valid;
    if (!mnl_attr_put_check(nlh, room, IFA_CACHEINFO, sizeof info, &info)) return false;
  }
  return true;
}

}  // namespace

int InterfaceAddress::family() const {
  return family_of(address);
}

InterfaceAddress virtual_address(int ifindex, const IpAddress& address, std::uint8_t prefix_length,
                                 std::string label) {
  InterfaceAddress a;
  a.ifindex = ifindex;
  a.address = address;
  a.prefix_length = prefix_length;
  if (address.is_v4())
    a.label = std::move(label);
  else
    a.flags = IFA_F_NODAD;
  return a;
}

std::size_t build_address_message(std::span<std::byte> buffer, AddressOp op,
                                  const InterfaceAddress& address, std::uint32_t seq,
                                  std::uint16_t flags) {
  const std::size_t room = buffer.size();
  nlmsghdr* nlh = nullptr;
  switch (op) {
    case AddressOp::kAdd:
      nlh =
          start_message(buffer, RTM_NEWADDR, flags | NLM_F_CREATE | NLM_F_EXCL, sizeof(ifaddrmsg));
      break;
    case AddressOp::kReplace:
      nlh = start_message(buffer, RTM_NEWADDR, flags | NLM_F_CREATE | NLM_F_REPLACE,
                          sizeof(ifaddrmsg));
      break;
    case AddressOp::kDelete:
      nlh = start_message(buffer, RTM_DELADDR, flags, sizeof(ifaddrmsg));
      break;
  }
  if (!nlh) return 0;
  nlh->nlmsg_seq = seq;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  ifa->ifa_family = static_cast<unsigned char>(address.family());
  ifa->ifa_prefixlen = address.prefix_length;
  ifa->ifa_flags = static_cast<unsigned char>(address.flags & 0xff);
  ifa->ifa_scope = address.address.is_v4() ? address.scope : std::uint8_t{RT_SCOPE_UNIVERSE};
  ifa->ifa_index = static_cast<std::uint32_t>(address.ifindex);
  if (!put_address_attributes(nlh, room, op, address)) return 0;
  return nlh->nlmsg_len;
}

std::vector<std::byte> build_address_message(AddressOp op, const InterfaceAddress& address,
                                             std::uint32_t seq, std::uint16_t flags) {
  std::vector<std::byte> out(MNL_NLMSG_HDRLEN + 128 + address.label.size());
  out.resize(build_address_message(out, op, address, seq, flags));
  return out;
}

std::size_t build_address_dump_request(std::span<std::byte> buffer, int family, int ifindex) {
  nlmsghdr* nlh = start_message(buffer, RTM_GETADDR, NLM_F_DUMP, sizeof(ifaddrmsg));
  if (!nlh) return 0;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  ifa->ifa_family = static_cast<unsigned char>(family);
  ifa->ifa_index = static_cast<std::uint32_t>(ifindex);
  return nlh->nlmsg_len;
}

std::optional<InterfaceAddress> parse_address_message(const nlmsghdr* message) {
  if (message->nlmsg_type != RTM_NEWADDR && message->nlmsg_type != RTM_DELADDR) return std::nullopt;
  const auto* ifa = family_header<ifaddrmsg>(message);
  if (!ifa) return std::nullopt;
  int family = ifa->ifa_family;
  if (family != AF_INET && family != AF_INET6) return std::nullopt;
  if (ifa->ifa_prefixlen > (family == AF_INET ? 32 : 128)) return std::nullopt;

  InterfaceAddress out;
  out.ifindex = static_cast<int>(ifa->ifa_index);
  out.prefix_length = ifa->ifa_prefixlen;
  out.scope = ifa->ifa_scope;
  out.flags = ifa->ifa_flags;
  std::optional<IpAddress> local, address;
  bool bad = false;
  for_each_attribute(message, sizeof(ifaddrmsg), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case IFA_LOCAL:
        bad |= !(local = address_attribute(attr, family));
        break;
      case IFA_ADDRESS:
        bad |= !(address = address_attribute(attr, family));
        break;
      case IFA_BROADCAST:
        bad |= !(out.broadcast = address_attribute(attr, family));
        break;
      case IFA_LABEL:
        bad |= !read_attribute(attr, out.label);
        break;
      case IFA_FLAGS:
        bad |= !read_attribute(attr, out.flags);
        break;
      case IFA_CACHEINFO:
        if (mnl_attr_get_payload_len(attr) >= sizeof(ifa_cacheinfo)) {
          ifa_cacheinfo info;
          std::memcpy(&info, mnl_attr_get_payload(attr), sizeof info);
          out.lifetime = AddressLifetime{info.ifa_prefered, info.ifa_valid};
        } else {
          bad = true;
        }
        break;
      default:
        break;
    }
  });
  // IFA_LOCAL is the interface's address, IFA_ADDRESS the peer of a point-to-point link (or
  // the same address again). IPv6 sends IFA_LOCAL only for a peer address.
  if (bad || (!local && !address)) return std::nullopt;
  out.address = local ? *local : *address;
  if (local && address && *address != *local) out.peer = address;
  // A permanent address reports infinite lifetimes; keep "none given" for those, so that what
  // was written (no lifetime) compares equal to what is read back.
  if (out.lifetime && *out.lifetime == AddressLifetime{}) out.lifetime.reset();
  return out;
}

}  // namespace vipd::netlink
