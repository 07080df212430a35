// EventDecoder: notifications in, events out, without a socket. Link notifications are built
// here the way the kernel lays them out (ifinfomsg + IFLA_IFNAME/IFLA_MTU/IFLA_OPERSTATE);
// address and route notifications have the layout of the requests the builders write.
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include "netlink/monitor.hpp"

#include "netlink_test_util.hpp"

namespace vipd::netlink {
namespace {

using namespace test;

struct LinkState {
  int ifindex;
  const char* name;
  std::uint32_t flags;
  std::uint32_t mtu = 1500;
  unsigned char family = AF_UNSPEC;
};

std::vector<std::byte> link_message(std::uint16_t type, const LinkState& s) {
  std::vector<std::byte> out(256);
  nlmsghdr* nlh = mnl_nlmsg_put_header(out.data());
  nlh->nlmsg_type = type;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = s.family;
  ifi->ifi_index = s.ifindex;
  ifi->ifi_flags = s.flags;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, s.name);
  mnl_attr_put_u32(nlh, IFLA_MTU, s.mtu);
  bool running = (s.flags & IFF_RUNNING) != 0;
  mnl_attr_put_u8(nlh, IFLA_OPERSTATE,
                  static_cast<std::uint8_t>(running ? OperState::kUp : OperState::kDown));
  out.resize(nlh->nlmsg_len);
  return out;
}

const nlmsghdr* header(const std::vector<std::byte>& bytes) {
  return reinterpret_cast<const nlmsghdr*>(bytes.data());
}

class Decoder : public ::testing::Test {
 protected:
  std::vector<Event> feed(std::uint16_t type, const LinkState& state) {
    auto bytes = link_message(type, state);
    std::vector<Event> out;
    decoder.decode(header(bytes), out);
    return out;
  }
  static std::vector<std::pair<LinkEvent::Kind, int>> kinds(const std::vector<Event>& events) {
    std::vector<std::pair<LinkEvent::Kind, int>> out;
    for (const auto& e : events) {
      auto* link = std::get_if<LinkEvent>(&e);
      EXPECT_NE(link, nullptr);
      if (link) out.emplace_back(link->kind, link->link.ifindex);
    }
    return out;
  }
  using K = LinkEvent::Kind;
  EventDecoder decoder;
};

TEST_F(Decoder, ALinkSeenFirstIsAddedAndTheSameStateAgainIsNothing) {
  auto events = feed(RTM_NEWLINK, {4, "vrrp.5", IFF_BROADCAST});
  ASSERT_EQ(events.size(), 1u);
  const auto& added = std::get<LinkEvent>(events[0]);
  EXPECT_EQ(added.kind, K::kAdded);
  EXPECT_EQ(added.link.name, "vrrp.5");
  EXPECT_EQ(added.link.mtu, 1500u);
  EXPECT_EQ(decoder.links().at(4).name, "vrrp.5");
  EXPECT_TRUE(feed(RTM_NEWLINK, {4, "vrrp.5", IFF_BROADCAST}).empty());
}

TEST_F(Decoder, UsabilityChangesAreUpAndDownOtherChangesAreChanged) {
  feed(RTM_NEWLINK, {3, "d0", 0});
  // Admin up without carrier (NO-CARRIER): not usable yet.
  EXPECT_EQ(kinds(feed(RTM_NEWLINK, {3, "d0", IFF_UP})),
            (std::vector<std::pair<K, int>>{{K::kChanged, 3}}));
  EXPECT_EQ(kinds(feed(RTM_NEWLINK, {3, "d0", kUsable})),
            (std::vector<std::pair<K, int>>{{K::kUp, 3}}));
  EXPECT_EQ(kinds(feed(RTM_NEWLINK, {3, "d0", kUsable, 9000})),
            (std::vector<std::pair<K, int>>{{K::kChanged, 3}}));
  EXPECT_EQ(decoder.links().at(3).mtu, 9000u);
  // Carrier lost while admin up.
  auto down = feed(RTM_NEWLINK, {3, "d0", IFF_UP, 9000});
  ASSERT_EQ(kinds(down), (std::vector<std::pair<K, int>>{{K::kDown, 3}}));
  EXPECT_TRUE(std::get<LinkEvent>(down[0]).link.admin_up());
  EXPECT_FALSE(std::get<LinkEvent>(down[0]).link.carrier());
  EXPECT_EQ(kinds(feed(RTM_NEWLINK, {3, "d0", kUsable, 9000})),
            (std::vector<std::pair<K, int>>{{K::kUp, 3}}));
  // Admin down.
  EXPECT_EQ(kinds(feed(RTM_NEWLINK, {3, "d0", IFF_RUNNING | kLinkLowerUp, 9000})),
            (std::vector<std::pair<K, int>>{{K::kDown, 3}}));
}

TEST_F(Decoder, ARemovedLinkIsForgotten) {
  feed(RTM_NEWLINK, {4, "vrrp.5", kUsable});
  auto removed = feed(RTM_DELLINK, {4, "vrrp.5", kUsable});
  ASSERT_EQ(kinds(removed), (std::vector<std::pair<K, int>>{{K::kRemoved, 4}}));
  EXPECT_EQ(std::get<LinkEvent>(removed[0]).link.name, "vrrp.5");
  EXPECT_EQ(decoder.links().count(4), 0u);
  // The same index again is a new link.
  EXPECT_EQ(kinds(feed(RTM_NEWLINK, {4, "vrrp.6", 0})),
            (std::vector<std::pair<K, int>>{{K::kAdded, 4}}));
}

TEST_F(Decoder, BridgePortMessagesDoNotTouchTheLinks) {
  feed(RTM_NEWLINK, {3, "d0", kUsable});
  EXPECT_TRUE(feed(RTM_DELLINK, {3, "d0", 0, 1500, AF_BRIDGE}).empty());
  EXPECT_TRUE(feed(RTM_NEWLINK, {3, "d0", 0, 1500, AF_BRIDGE}).empty());
  EXPECT_EQ(decoder.links().at(3).flags, kUsable);
}

Link make_link(int ifindex, const char* name, std::uint32_t flags, std::uint32_t mtu = 1500) {
  Link link;
  link.ifindex = ifindex;
  link.name = name;
  link.flags = flags;
  link.mtu = mtu;
  return link;
}

TEST_F(Decoder, ResetReportsTheDifferencesToTheTableBefore) {
  std::vector<Event> none;
  Link lo = make_link(1, "lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING, 65536);
  Link d0 = make_link(3, "d0", kUsable);
  Link d1 = make_link(2, "d1", kUsable);
  Link gone = make_link(4, "vrrp.5", 0);
  decoder.reset_links({lo, d0, d1, gone}, none, false);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(decoder.links().size(), 4u);

  Link d0_down = d0;
  d0_down.flags = IFF_UP;
  Link d1_mtu = d1;
  d1_mtu.mtu = 9000;
  Link fresh = make_link(5, "vrrp.6", 0);
  std::vector<Event> out;
  decoder.reset_links({lo, d0_down, d1_mtu, fresh}, out);
  auto got = kinds(out);
  std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return a.second < b.second; });
  EXPECT_EQ(got, (std::vector<std::pair<K, int>>{
                     {K::kChanged, 2}, {K::kDown, 3}, {K::kRemoved, 4}, {K::kAdded, 5}}));
  EXPECT_EQ(decoder.links().size(), 4u);
  EXPECT_EQ(decoder.links().count(4), 0u);
}

TEST_F(Decoder, AddressesAddedAndRemoved) {
  InterfaceAddress vip = virtual_address(3, *IpAddress::parse("192.0.2.10"), 24, "d0:vip");
  auto add = build_address_message(AddressOp::kAdd, vip);
  auto del = build_address_message(AddressOp::kDelete, vip);
  std::vector<Event> out;
  decoder.decode(header(add), out);
  decoder.decode(header(del), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<AddressEvent>(out[0]), (AddressEvent{AddressEvent::Kind::kAdded, vip}));
  EXPECT_EQ(std::get<AddressEvent>(out[1]), (AddressEvent{AddressEvent::Kind::kRemoved, vip}));
}

TEST_F(Decoder, RoutesAddedAndRemoved) {
  Route route{*Prefix::parse("10.47.40.0/24"), {NextHop{*IpAddress::parse("192.0.2.1")}}};
  auto add = build_route_message(RouteOp::kReplace, route, 1);
  auto del = build_route_message(RouteOp::kDelete, Route{route.prefix, {}}, 2);
  std::vector<Event> out;
  decoder.decode(header(add), out);
  decoder.decode(header(del), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<RouteEvent>(out[0]), (RouteEvent{RouteEvent::Kind::kAdded, route}));
  EXPECT_EQ(std::get<RouteEvent>(out[1]).kind, RouteEvent::Kind::kRemoved);
  EXPECT_EQ(std::get<RouteEvent>(out[1]).route.prefix, route.prefix);
}

TEST_F(Decoder, OtherAndMalformedMessagesAreNoEvent) {
  std::vector<Event> out;
  nlmsghdr done{};
  done.nlmsg_len = sizeof done;
  done.nlmsg_type = NLMSG_DONE;
  decoder.decode(&done, out);
  done.nlmsg_type = RTM_NEWNEIGH;
  decoder.decode(&done, out);
  done.nlmsg_type = RTM_NEWLINK;  // no ifinfomsg
  decoder.decode(&done, out);
  done.nlmsg_type = RTM_NEWADDR;  // no ifaddrmsg
  decoder.decode(&done, out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(decoder.links().empty());
}

TEST(Monitor, ProcessReadyBeforeOpenIsAnError) {
  Monitor monitor([](const Event&) {});
  EXPECT_FALSE(monitor.is_open());
  EXPECT_EQ(monitor.fd(), -1);
  auto processed = monitor.process_ready();
  ASSERT_FALSE(processed);
  EXPECT_EQ(processed.error(), "netlink monitor not open");
}

}  // namespace
}  // namespace vipd::netlink
