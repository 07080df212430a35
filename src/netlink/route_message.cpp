#include "netlink/route_message.hpp"

#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace vipd::netlink {

std::size_t build_route_message(std::span<std::byte> buffer, RouteOp op, const Route& route,
                                std::uint32_t seq, std::uint16_t flags) {
  const std::size_t room = buffer.size();
  // rtnetlink(7): NLM_F_REPLACE replaces an existing route for the same prefix (and, for
  // IPv6, the whole set of multipath siblings), NLM_F_CREATE creates it if there is none.
  nlmsghdr* nlh =
      op == RouteOp::kReplace
          ? start_message(buffer, RTM_NEWROUTE, flags | NLM_F_CREATE | NLM_F_REPLACE, sizeof(rtmsg))
          : start_message(buffer, RTM_DELROUTE, flags, sizeof(rtmsg));
  if (!nlh) return 0;
  nlh->nlmsg_seq = seq;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_get_payload(nlh));
  const IpAddress& dst = route.prefix.address();
  rtm->rtm_family = static_cast<unsigned char>(family_of(dst));
  rtm->rtm_dst_len = route.prefix.length();
  rtm->rtm_protocol = route.protocol;
  // rtm_table holds only 8 bits; RTA_TABLE below carries the full id.
  rtm->rtm_table = static_cast<unsigned char>(route.table < 256 ? route.table : RT_TABLE_UNSPEC);
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;  // a route via a gateway (not a link or host route)
  rtm->rtm_type = RTN_UNICAST;

  bool ok = mnl_attr_put_check(nlh, room, RTA_DST, dst.size(), dst.octets().data()) &&
            mnl_attr_put_u32_check(nlh, room, RTA_TABLE, route.table);
  if (!ok) return 0;
  if (op == RouteOp::kReplace) {
    if (route.next_hops.size() == 1) {
      const NextHop& hop = route.next_hops.front();
      ok = mnl_attr_put_check(nlh, room, RTA_GATEWAY, hop.gateway.size(),
                              hop.gateway.octets().data());
      if (ok && hop.ifindex > 0)
        ok = mnl_attr_put_u32_check(nlh, room, RTA_OIF, static_cast<std::uint32_t>(hop.ifindex));
      if (!ok) return 0;
    } else if (route.next_hops.size() > 1) {
      // RTA_MULTIPATH: a sequence of struct rtnexthop, each followed by its own attributes
      // (RTA_GATEWAY here); rtnh_len covers the rtnexthop and its attributes.
      nlattr* multipath = mnl_attr_nest_start_check(nlh, room, RTA_MULTIPATH);
      if (!multipath) return 0;
      for (const NextHop& hop : route.next_hops) {
        std::size_t need =
            RTNH_ALIGN(sizeof(rtnexthop)) + MNL_ATTR_HDRLEN + MNL_ALIGN(hop.gateway.size());
        if (nlh->nlmsg_len + need > room) return 0;
        auto* rtnh = static_cast<rtnexthop*>(mnl_nlmsg_get_payload_tail(nlh));
        std::memset(rtnh, 0, RTNH_ALIGN(sizeof(rtnexthop)));
        nlh->nlmsg_len += RTNH_ALIGN(sizeof(rtnexthop));
        rtnh->rtnh_ifindex = hop.ifindex;
        rtnh->rtnh_hops =
            static_cast<unsigned char>(hop.weight == 0 ? 0 : std::min<int>(hop.weight, 256) - 1);
        mnl_attr_put(nlh, RTA_GATEWAY, hop.gateway.size(), hop.gateway.octets().data());
        rtnh->rtnh_len =
            static_cast<unsigned short>(reinterpret_cast<char*>(mnl_nlmsg_get_payload_tail(nlh)) -
                                        reinterpret_cast<char*>(rtnh));
      }
      mnl_attr_nest_end(nlh, multipath);
    }
  }
  return nlh->nlmsg_len;
}

std::vector<std::byte> build_route_message(RouteOp op, const Route& route, std::uint32_t seq,
                                           std::uint16_t flags) {
  std::vector<std::byte> out(MNL_NLMSG_HDRLEN + 64 + route.next_hops.size() * 32);
  out.resize(build_route_message(out, op, route, seq, flags));
  return out;
}

std::size_t build_route_dump_request(std::span<std::byte> buffer, int family, std::uint32_t table,
                                     std::uint8_t protocol) {
  nlmsghdr* nlh =
      start_message(buffer, RTM_GETROUTE, NLM_F_DUMP, sizeof(rtmsg), MNL_ATTR_HDRLEN + 4);
  if (!nlh) return 0;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_get_payload(nlh));
  rtm->rtm_family = static_cast<unsigned char>(family);
  rtm->rtm_protocol = protocol;
  rtm->rtm_table = static_cast<unsigned char>(table < 256 ? table : RT_TABLE_UNSPEC);
  mnl_attr_put_u32(nlh, RTA_TABLE, table);
  return nlh->nlmsg_len;
}

std::optional<std::uint8_t> route_protocol(const nlmsghdr* message) {
  if (message->nlmsg_type != RTM_NEWROUTE && message->nlmsg_type != RTM_DELROUTE)
    return std::nullopt;
  if (message->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(rtmsg)) return std::nullopt;
  return static_cast<const rtmsg*>(mnl_nlmsg_get_payload(message))->rtm_protocol;
}

std::optional<Route> parse_route_message(const nlmsghdr* message) {
  if (message->nlmsg_type != RTM_NEWROUTE && message->nlmsg_type != RTM_DELROUTE)
    return std::nullopt;
  const auto* rtm = family_header<rtmsg>(message);
  if (!rtm) return std::nullopt;
  int family = rtm->rtm_family;
  if (family != AF_INET && family != AF_INET6) return std::nullopt;
  unsigned max_len = family == AF_INET ? 32 : 128;
  if (rtm->rtm_dst_len > max_len) return std::nullopt;

  Route route;
  route.table = rtm->rtm_table;
  route.protocol = rtm->rtm_protocol;
  route.type = rtm->rtm_type;
  route.scope = rtm->rtm_scope;
  IpAddress dst = family == AF_INET ? IpAddress::v4(0u) : IpAddress::v6({});
  std::optional<NextHop> single;
  int oif = 0;
  bool bad = false;
  for_each_attribute(message, sizeof(rtmsg), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case RTA_DST:
        if (auto a = address_attribute(attr, family))
          dst = *a;
        else
          bad = true;
        break;
      case RTA_TABLE:
        if (mnl_attr_get_payload_len(attr) == 4) route.table = mnl_attr_get_u32(attr);
        break;
      case RTA_OIF:
        if (mnl_attr_get_payload_len(attr) == 4) oif = static_cast<int>(mnl_attr_get_u32(attr));
        break;
      case RTA_PRIORITY:
        if (mnl_attr_get_payload_len(attr) == 4) route.priority = mnl_attr_get_u32(attr);
        break;
      case RTA_GATEWAY:
        if (auto a = address_attribute(attr, family))
          single = NextHop{*a};
        else
          bad = true;
        break;
      case RTA_MULTIPATH: {
        const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
        std::size_t left = mnl_attr_get_payload_len(attr);
        while (left >= sizeof(rtnexthop)) {
          const auto* rtnh = reinterpret_cast<const rtnexthop*>(p);
          if (rtnh->rtnh_len < sizeof(rtnexthop) || rtnh->rtnh_len > left) {
            bad = true;
            break;
          }
          NextHop hop;
          hop.ifindex = rtnh->rtnh_ifindex;
          hop.weight = static_cast<std::uint16_t>(rtnh->rtnh_hops + 1);
          // The rtnexthop's own attributes follow it, up to rtnh_len.
          const auto* a = reinterpret_cast<const nlattr*>(p + RTNH_ALIGN(sizeof(rtnexthop)));
          int attr_left =
              static_cast<int>(rtnh->rtnh_len) - static_cast<int>(RTNH_ALIGN(sizeof(rtnexthop)));
          bool has_gateway = false;
          while (mnl_attr_ok(a, attr_left)) {
            if (mnl_attr_get_type(a) == RTA_GATEWAY) {
              if (auto g = address_attribute(a, family)) {
                hop.gateway = *g;
                has_gateway = true;
              }
            }
            a = mnl_attr_next(a);
            attr_left = static_cast<int>(rtnh->rtnh_len) -
                        static_cast<int>(reinterpret_cast<const std::uint8_t*>(a) - p);
          }
          if (has_gateway) route.next_hops.push_back(hop);
          std::size_t step = RTNH_ALIGN(rtnh->rtnh_len);
          if (step >= left) break;
          p += step;
          left -= step;
        }
        break;
      }
      default:
        break;
    }
  });
  if (bad) return std::nullopt;
  route.prefix = Prefix(dst, rtm->rtm_dst_len);
  if (single) {
    single->ifindex = oif;
    route.next_hops.insert(route.next_hops.begin(), *single);
  } else if (route.next_hops.empty()) {
    route.device = oif;
  }
  return route;
}

}  // namespace vipd::netlink
