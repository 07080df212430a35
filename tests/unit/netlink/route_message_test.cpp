// The route messages byte by byte: each built message is walked with libmnl, independently of
// parse_route_message(), and every header field and attribute is checked.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>

#include <cstring>

#include "netlink/route_message.hpp"

#include "netlink_test_util.hpp"

namespace vipd::netlink {
namespace {

using namespace test;

struct Parsed {
  nlmsghdr header{};
  rtmsg rtm{};
  std::optional<IpAddress> dst, gateway;
  std::optional<std::uint32_t> table, oif;
  std::vector<NextHop> multipath;
  int attributes = 0;
};

IpAddress address(const void* p, std::size_t len) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  if (len == 4) return IpAddress::v4({b[0], b[1], b[2], b[3]});
  std::array<std::uint8_t, 16> a{};
  std::memcpy(a.data(), b, 16);
  return IpAddress::v6(a);
}

Parsed walk(const std::vector<std::byte>& bytes) {
  Parsed out;
  EXPECT_GE(bytes.size(), sizeof(nlmsghdr) + sizeof(rtmsg));
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data());
  EXPECT_EQ(nlh->nlmsg_len, bytes.size());
  int left = static_cast<int>(bytes.size());
  EXPECT_TRUE(mnl_nlmsg_ok(nlh, left));
  out.header = *nlh;
  out.rtm = *static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  const auto* end = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(rtmsg)));
       mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr)) {
    ++out.attributes;
    std::size_t len = mnl_attr_get_payload_len(attr);
    switch (mnl_attr_get_type(attr)) {
      case RTA_DST:
        out.dst = address(mnl_attr_get_payload(attr), len);
        break;
      case RTA_GATEWAY:
        out.gateway = address(mnl_attr_get_payload(attr), len);
        break;
      case RTA_TABLE:
        EXPECT_EQ(len, 4u);
        out.table = mnl_attr_get_u32(attr);
        break;
      case RTA_OIF:
        out.oif = mnl_attr_get_u32(attr);
        break;
      case RTA_MULTIPATH: {
        // rtnetlink(7): rtnexthop entries, each followed by its attributes within rtnh_len.
        const auto* rtnh = static_cast<const rtnexthop*>(mnl_attr_get_payload(attr));
        int bytes_left = static_cast<int>(len);
        while (RTNH_OK(rtnh, bytes_left)) {
          NextHop hop;
          hop.ifindex = rtnh->rtnh_ifindex;
          hop.weight = static_cast<std::uint16_t>(rtnh->rtnh_hops + 1);
          EXPECT_EQ(rtnh->rtnh_flags, 0);
          int attr_bytes = static_cast<int>(rtnh->rtnh_len - RTNH_LENGTH(0));
          for (const auto* a = reinterpret_cast<const rtattr*>(RTNH_DATA(rtnh));
               RTA_OK(a, attr_bytes); a = RTA_NEXT(a, attr_bytes)) {
            EXPECT_EQ(a->rta_type, RTA_GATEWAY);
            hop.gateway = address(RTA_DATA(a), RTA_PAYLOAD(a));
          }
          out.multipath.push_back(hop);
          bytes_left -= RTNH_ALIGN(rtnh->rtnh_len);
          rtnh = RTNH_NEXT(rtnh);
        }
        EXPECT_EQ(bytes_left, 0);
        break;
      }
      default:
        ADD_FAILURE() << "unexpected attribute " << mnl_attr_get_type(attr);
    }
  }
  return out;
}

void expect_route_header(const Parsed& m, int family, int dst_len) {
  EXPECT_EQ(m.rtm.rtm_family, family);
  EXPECT_EQ(m.rtm.rtm_dst_len, dst_len);
  EXPECT_EQ(m.rtm.rtm_src_len, 0);
  EXPECT_EQ(m.rtm.rtm_tos, 0);
  EXPECT_EQ(m.rtm.rtm_table, RT_TABLE_MAIN);
  EXPECT_EQ(m.rtm.rtm_protocol, kRouteProtocol);
  EXPECT_EQ(m.rtm.rtm_scope, RT_SCOPE_UNIVERSE);
  EXPECT_EQ(m.rtm.rtm_type, RTN_UNICAST);
  EXPECT_EQ(m.rtm.rtm_flags, 0u);
  EXPECT_EQ(m.table, RT_TABLE_MAIN);
}

TEST(RouteMessage, ProtocolIsVipds) {
  EXPECT_EQ(kRouteProtocol, 200);
}

TEST(RouteMessage, ReplaceIpv4OneNextHop) {
  Route r{pfx("10.47.40.1/32"), {NextHop{ip("192.168.12.11")}}};
  auto bytes = build_route_message(RouteOp::kReplace, r, 77);
  Parsed m = walk(bytes);
  EXPECT_EQ(m.header.nlmsg_type, RTM_NEWROUTE);
  EXPECT_EQ(m.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
  EXPECT_EQ(m.header.nlmsg_seq, 77u);
  expect_route_header(m, AF_INET, 32);
  EXPECT_EQ(m.dst, ip("10.47.40.1"));
  EXPECT_EQ(m.gateway, ip("192.168.12.11"));
  EXPECT_FALSE(m.oif);
  EXPECT_TRUE(m.multipath.empty());
  EXPECT_EQ(m.attributes, 3);  // RTA_DST, RTA_TABLE, RTA_GATEWAY
  EXPECT_EQ(parse_route_message(reinterpret_cast<const nlmsghdr*>(bytes.data())), r);
}

TEST(RouteMessage, OneNextHopWithInterfaceCarriesOif) {
  Route r{pfx("10.0.0.0/8"), {NextHop{ip("192.0.2.2"), 7}}};
  auto bytes = build_route_message(RouteOp::kReplace, r, 1, NLM_F_REQUEST | NLM_F_ACK);
  Parsed m = walk(bytes);
  EXPECT_EQ(m.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  EXPECT_EQ(m.dst, ip("10.0.0.0"));
  EXPECT_EQ(m.oif, 7u);
  EXPECT_EQ(parse_route_message(reinterpret_cast<const nlmsghdr*>(bytes.data())), r);
}

TEST(RouteMessage, ReplaceIpv4ThreeNextHopsIsMultipath) {
  Route r{pfx("10.47.40.0/32"),
          {NextHop{ip("192.168.12.11")}, NextHop{ip("192.168.12.12")},
           NextHop{ip("192.168.12.13"), 0, 3}}};
  auto bytes = build_route_message(RouteOp::kReplace, r, 5);
  Parsed m = walk(bytes);
  expect_route_header(m, AF_INET, 32);
  EXPECT_FALSE(m.gateway);
  ASSERT_EQ(m.multipath.size(), 3u);
  EXPECT_EQ(m.multipath, r.next_hops);  // gateways, ifindex 0, weights 1, 1, 3
  EXPECT_EQ(m.attributes, 3);           // RTA_DST, RTA_TABLE, RTA_MULTIPATH
  EXPECT_EQ(parse_route_message(reinterpret_cast<const nlmsghdr*>(bytes.data())), r);
}

TEST(RouteMessage, ReplaceIpv6OneAndSeveralNextHops) {
  Route one{pfx("2001:db8:47::/48"), {NextHop{ip("fd00:12::11")}}};
  auto bytes = build_route_message(RouteOp::kReplace, one, 9);
  Parsed m = walk(bytes);
  expect_route_header(m, AF_INET6, 48);
  EXPECT_EQ(m.dst, ip("2001:db8:47::"));
  EXPECT_EQ(m.gateway, ip("fd00:12::11"));
  EXPECT_EQ(parse_route_message(reinterpret_cast<const nlmsghdr*>(bytes.data())), one);

  Route two{pfx("2001:db8:47::1/128"), {NextHop{ip("fd00:12::11")}, NextHop{ip("fe80::1"), 4}}};
  bytes = build_route_message(RouteOp::kReplace, two, 10);
  m = walk(bytes);
  expect_route_header(m, AF_INET6, 128);
  ASSERT_EQ(m.multipath.size(), 2u);
  EXPECT_EQ(m.multipath, two.next_hops);
  EXPECT_EQ(parse_route_message(reinterpret_cast<const nlmsghdr*>(bytes.data())), two);
}

TEST(RouteMessage, DeleteCarriesPrefixAndProtocolOnly) {
  Route r{pfx("10.47.40.6/32"), {NextHop{ip("192.168.12.11")}}};
  auto bytes = build_route_message(RouteOp::kDelete, r, 3);
  Parsed m = walk(bytes);
  EXPECT_EQ(m.header.nlmsg_type, RTM_DELROUTE);
  EXPECT_EQ(m.header.nlmsg_flags, NLM_F_REQUEST);
  expect_route_header(m, AF_INET, 32);
  EXPECT_EQ(m.dst, ip("10.47.40.6"));
  EXPECT_FALSE(m.gateway);  // any next hops: the whole route goes
  EXPECT_TRUE(m.multipath.empty());
  EXPECT_EQ(m.attributes, 2);
}

TEST(RouteMessage, DefaultRouteHasZeroLengthDestination) {
  Route r{pfx("0.0.0.0/0"), {NextHop{ip("192.0.2.1")}}};
  auto bytes = build_route_message(RouteOp::kReplace, r, 1);
  Parsed m = walk(bytes);
  EXPECT_EQ(m.rtm.rtm_dst_len, 0);
  EXPECT_EQ(parse_route_message(reinterpret_cast<const nlmsghdr*>(bytes.data())), r);
}

TEST(RouteMessage, TooSmallBufferBuildsNothing) {
  Route r{pfx("10.47.40.0/32"), {NextHop{ip("192.168.12.11")}, NextHop{ip("192.168.12.12")}}};
  auto full = build_route_message(RouteOp::kReplace, r, 1);
  std::vector<std::byte> buffer(full.size());
  EXPECT_EQ(build_route_message(buffer, RouteOp::kReplace, r, 1), full.size());
  for (std::size_t room : {std::size_t{0}, std::size_t{16}, full.size() - 1}) {
    std::vector<std::byte> small(room);
    EXPECT_EQ(build_route_message(small, RouteOp::kReplace, r, 1), 0u) << room;
  }
}

TEST(RouteMessage, ParseRejectsOtherMessagesAndBadLengths) {
  Route r{pfx("10.47.40.0/32"), {NextHop{ip("192.168.12.11")}}};
  auto bytes = build_route_message(RouteOp::kReplace, r, 1);
  auto* nlh = reinterpret_cast<nlmsghdr*>(bytes.data());
  EXPECT_EQ(route_protocol(nlh), kRouteProtocol);
  nlh->nlmsg_type = RTM_NEWADDR;
  EXPECT_FALSE(parse_route_message(nlh));
  EXPECT_FALSE(route_protocol(nlh));
  nlh->nlmsg_type = RTM_NEWROUTE;
  static_cast<rtmsg*>(mnl_nlmsg_get_payload(nlh))->rtm_dst_len = 33;
  EXPECT_FALSE(parse_route_message(nlh));
  static_cast<rtmsg*>(mnl_nlmsg_get_payload(nlh))->rtm_dst_len = 32;
  static_cast<rtmsg*>(mnl_nlmsg_get_payload(nlh))->rtm_family = AF_INET6;  // 4-byte RTA_DST
  EXPECT_FALSE(parse_route_message(nlh));
}

// What the kernel reports beyond what vipd writes: a static route of another protocol with a
// metric, a link route without a gateway (its device), and a blackhole route.
TEST(RouteMessage, ParseKeepsTypeScopeMetricAndDevice) {
  auto message = [](std::uint8_t protocol, std::uint8_t scope, std::uint8_t type, const char* dst,
                    std::uint8_t len, const char* gateway, std::uint32_t oif,
                    std::uint32_t priority) {
    std::vector<std::byte> bytes(512);
    auto* nlh = mnl_nlmsg_put_header(bytes.data());
    nlh->nlmsg_type = RTM_NEWROUTE;
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = len;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = protocol;
    rtm->rtm_scope = scope;
    rtm->rtm_type = type;
    IpAddress d = ip(dst);
    mnl_attr_put(nlh, RTA_DST, 4, d.octets().data());
    if (gateway) {
      IpAddress g = ip(gateway);
      mnl_attr_put(nlh, RTA_GATEWAY, 4, g.octets().data());
    }
    if (oif) mnl_attr_put_u32(nlh, RTA_OIF, oif);
    if (priority) mnl_attr_put_u32(nlh, RTA_PRIORITY, priority);
    bytes.resize(nlh->nlmsg_len);
    return bytes;
  };
  auto via =
      message(RTPROT_STATIC, RT_SCOPE_UNIVERSE, RTN_UNICAST, "10.9.0.0", 16, "192.0.2.1", 3, 20);
  auto parsed = parse_route_message(reinterpret_cast<const nlmsghdr*>(via.data()));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->protocol, RTPROT_STATIC);
  EXPECT_EQ(parsed->priority, 20u);
  EXPECT_EQ(parsed->type, RTN_UNICAST);
  EXPECT_EQ(parsed->device, 0);
  EXPECT_EQ(parsed->next_hops, (std::vector<NextHop>{NextHop{ip("192.0.2.1"), 3}}));

  auto dev = message(RTPROT_BOOT, RT_SCOPE_LINK, RTN_UNICAST, "10.8.0.0", 24, nullptr, 5, 0);
  parsed = parse_route_message(reinterpret_cast<const nlmsghdr*>(dev.data()));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scope, RT_SCOPE_LINK);
  EXPECT_EQ(parsed->device, 5);
  EXPECT_TRUE(parsed->next_hops.empty());

  auto hole =
      message(RTPROT_STATIC, RT_SCOPE_UNIVERSE, RTN_BLACKHOLE, "10.7.0.0", 16, nullptr, 0, 0);
  parsed = parse_route_message(reinterpret_cast<const nlmsghdr*>(hole.data()));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, RTN_BLACKHOLE);
  EXPECT_EQ(parsed->device, 0);
}

}  // namespace
}  // namespace vipd::netlink
