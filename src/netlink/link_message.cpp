#include "netlink/link_message.hpp"

#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <charconv>

#include "netlink/attributes.hpp"

namespace vipd::netlink {
namespace {

ifinfomsg* link_header(nlmsghdr* nlh) {
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  ifi->ifi_family = AF_UNSPEC;
  return ifi;
}

// IFLA_LINKINFO { IFLA_INFO_KIND, IFLA_INFO_DATA { IFLA_MACVLAN_MODE } } of a macvlan.
void read_link_info(const nlattr* info, Link& link, bool& bad) {
  for_each_nested(info, [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) == IFLA_INFO_KIND) bad |= !read_attribute(attr, link.kind);
  });
  if (link.kind != "macvlan") return;
  for_each_nested(info, [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) != IFLA_INFO_DATA) return;
    for_each_nested(attr, [&](const nlattr* data) {
      if (mnl_attr_get_type(data) != IFLA_MACVLAN_MODE) return;
      std::uint32_t mode = 0;
      if (read_attribute(data, mode))
        link.macvlan_mode = static_cast<MacvlanMode>(mode);
      else
        bad = true;
    });
  });
}

}  // namespace

std::string format_link_address(std::span<const std::uint8_t> address) {
  std::string out;
  for (std::uint8_t b : address) out += fmt::format("{}{:02x}", out.empty() ? "" : ":", b);
  return out;
}

std::optional<MacAddress> parse_mac_address(std::string_view text) {
  MacAddress mac{};
  if (text.size() != 17) return std::nullopt;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const char* octet = text.data() + i * 3;
    if (i + 1 < mac.size() && octet[2] != ':') return std::nullopt;
    auto [end, ec] = std::from_chars(octet, octet + 2, mac[i], 16);
    if (ec != std::errc{} || end != octet + 2) return std::nullopt;
  }
  return mac;
}

std::string_view to_string(OperState state) {
  switch (state) {
    case OperState::kUnknown:
      return "UNKNOWN";
    case OperState::kNotPresent:
      return "NOTPRESENT";
    case OperState::kDown:
      return "DOWN";
    case OperState::kLowerLayerDown:
      return "LOWERLAYERDOWN";
    case OperState::kTesting:
      return "TESTING";
    case OperState::kDormant:
      return "DORMANT";
    case OperState::kUp:
      return "UP";
  }
  return "UNKNOWN";
}

MacvlanSpec keepalived_vmac(int parent_ifindex, std::uint8_t vrid, Family family) {
  MacvlanSpec spec;
  spec.name = keepalived_vmac_name(vrid, family);
  spec.parent_ifindex = parent_ifindex;
  // RFC 5798 §7.3: IPv4 00-00-5E-00-01-{VRID}, IPv6 00-00-5E-00-02-{VRID}.
  spec.mac = {
      0x00, 0x00, 0x5e, 0x00, family == Family::kIpv4 ? std::uint8_t{0x01} : std::uint8_t{0x02},
      vrid};
  spec.mode = MacvlanMode::kPrivate;
  return spec;
}

std::string keepalived_vmac_name(std::uint8_t vrid, Family family, unsigned attempt) {
  if (attempt == 0) return fmt::format("vrrp.{}", vrid);
  unsigned number = attempt;
  if (family == Family::kIpv6)
    number = attempt == 1 ? 6 : (attempt - 1 < 6 ? attempt - 1 : attempt);
  return fmt::format("vrrp{}.{}", number, vrid);
}

std::size_t build_link_get_request(std::span<std::byte> buffer, int ifindex) {
  nlmsghdr* nlh = start_message(buffer, RTM_GETLINK, 0, sizeof(ifinfomsg), MNL_ATTR_HDRLEN + 4);
  if (!nlh) return 0;
  link_header(nlh)->ifi_index = ifindex;
  mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return nlh->nlmsg_len;
}

std::size_t build_link_get_request(std::span<std::byte> buffer, std::string_view name) {
  const std::size_t room = buffer.size();
  nlmsghdr* nlh = start_message(buffer, RTM_GETLINK, 0, sizeof(ifinfomsg));
  if (!nlh) return 0;
  link_header(nlh);
  std::string text(name);
  if (!mnl_attr_put_strz_check(nlh, room, IFLA_IFNAME, text.c_str()) ||
      !mnl_attr_put_u32_check(nlh, room, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS))
    return 0;
  return nlh->nlmsg_len;
}

std::size_t build_link_dump_request(std::span<std::byte> buffer) {
  nlmsghdr* nlh =
      start_message(buffer, RTM_GETLINK, NLM_F_DUMP, sizeof(ifinfomsg), MNL_ATTR_HDRLEN + 4);
  if (!nlh) return 0;
  link_header(nlh);
  mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return nlh->nlmsg_len;
}

std::size_t build_link_set_up(std::span<std::byte> buffer, int ifindex, bool up) {
  nlmsghdr* nlh = start_message(buffer, RTM_NEWLINK, 0, sizeof(ifinfomsg));
  if (!nlh) return 0;
  auto* ifi = link_header(nlh);
  ifi->ifi_index = ifindex;
  // ifi_change masks which ifi_flags bits apply: only IFF_UP changes.
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = up ? IFF_UP : 0;
  return nlh->nlmsg_len;
}

std::size_t build_macvlan_create(std::span<std::byte> buffer, const MacvlanSpec& spec) {
  const std::size_t room = buffer.size();
  nlmsghdr* nlh = start_message(buffer, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(ifinfomsg));
  if (!nlh) return 0;
  link_header(nlh);
  // In iproute2's order (`ip link add link P name N address M type macvlan mode private`).
  if (!mnl_attr_put_check(nlh, room, IFLA_ADDRESS, spec.mac.size(), spec.mac.data()) ||
      !mnl_attr_put_u32_check(nlh, room, IFLA_LINK,
                              static_cast<std::uint32_t>(spec.parent_ifindex)) ||
      !mnl_attr_put_strz_check(nlh, room, IFLA_IFNAME, spec.name.c_str()))
    return 0;
  nlattr* info = mnl_attr_nest_start_check(nlh, room, IFLA_LINKINFO);
  if (!info || !mnl_attr_put_strz_check(nlh, room, IFLA_INFO_KIND, "macvlan")) return 0;
  nlattr* data = mnl_attr_nest_start_check(nlh, room, IFLA_INFO_DATA);
  if (!data ||
      !mnl_attr_put_u32_check(nlh, room, IFLA_MACVLAN_MODE, static_cast<std::uint32_t>(spec.mode)))
    return 0;
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, info);
  return nlh->nlmsg_len;
}

std::size_t build_link_delete(std::span<std::byte> buffer, int ifindex) {
  nlmsghdr* nlh = start_message(buffer, RTM_DELLINK, 0, sizeof(ifinfomsg));
  if (!nlh) return 0;
  link_header(nlh)->ifi_index = ifindex;
  return nlh->nlmsg_len;
}

std::size_t build_link_set_addr_gen_mode(std::span<std::byte> buffer, int ifindex,
                                         std::uint8_t mode) {
  const std::size_t room = buffer.size();
  nlmsghdr* nlh = start_message(buffer, RTM_NEWLINK, 0, sizeof(ifinfomsg));
  if (!nlh) return 0;
  link_header(nlh)->ifi_index = ifindex;
  nlattr* spec = mnl_attr_nest_start_check(nlh, room, IFLA_AF_SPEC);
  if (!spec) return 0;
  nlattr* inet6 = mnl_attr_nest_start_check(nlh, room, AF_INET6);
  if (!inet6 || !mnl_attr_put_u8_check(nlh, room, IFLA_INET6_ADDR_GEN_MODE, mode)) return 0;
  mnl_attr_nest_end(nlh, inet6);
  mnl_attr_nest_end(nlh, spec);
  return nlh->nlmsg_len;
}

std::optional<Link> parse_link_message(const nlmsghdr* message) {
  if (message->nlmsg_type != RTM_NEWLINK && message->nlmsg_type != RTM_DELLINK) return std::nullopt;
  const auto* ifi = family_header<ifinfomsg>(message);
  // The bridge reports its ports with family AF_BRIDGE on the same group (an RTM_DELLINK of
  // that family is a port leaving the bridge, not a link going away); links are AF_UNSPEC.
  if (!ifi || ifi->ifi_family != AF_UNSPEC) return std::nullopt;
  Link link;
  link.ifindex = ifi->ifi_index;
  link.flags = ifi->ifi_flags;
  link.type = ifi->ifi_type;
  bool bad = false;
  for_each_attribute(message, sizeof(ifinfomsg), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case IFLA_IFNAME:
        bad |= !read_attribute(attr, link.name);
        break;
      case IFLA_ADDRESS: {
        const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
        link.address.assign(p, p + mnl_attr_get_payload_len(attr));
        break;
      }
      case IFLA_MTU:
        bad |= !read_attribute(attr, link.mtu);
        break;
      case IFLA_OPERSTATE: {
        std::uint8_t state = 0;
        bad |= !read_attribute(attr, state) || state > static_cast<std::uint8_t>(OperState::kUp);
        link.oper_state = static_cast<OperState>(state);
        break;
      }
      case IFLA_LINK:
        bad |= !read_attribute(attr, link.parent_ifindex);
        break;
      case IFLA_MASTER:
        bad |= !read_attribute(attr, link.master_ifindex);
        break;
      case IFLA_LINKINFO:
        read_link_info(attr, link, bad);
        break;
      default:
        break;
    }
  });
  if (bad || link.ifindex <= 0) return std::nullopt;
  return link;
}

}  // namespace vipd::netlink
