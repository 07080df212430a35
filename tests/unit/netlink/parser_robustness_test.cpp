// Every parser and the EventDecoder on mutated messages (a deterministic stand-in for a fuzzer,
// run under ASan+UBSan with the unit suite): captured and built messages with bytes flipped,
// attribute lengths changed and the message cut short. Nothing may read outside the message,
// and what parses must still be well-formed.
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>

#include <random>

#include "common/bytes.hpp"
#include "netlink/monitor.hpp"

namespace vipd::netlink {
namespace {

// Two captured kernel notifications of address_message_test.cpp, plus built messages of every
// kind (requests have the layout of notifications).
constexpr const char* kAddressV4 =
    "5800000014000000f3870a6b36390000021880000300000008000100c000020a08000200c000020a08000400"
    "c00002ff0b00030064303a7669700000080008008000000014000600fffffffffffffffff0111100f0111100";
constexpr const char* kAddressV6 =
    "480000001400000000000000000000000a408200030000001400010020010db8000000000000000000000010"
    "14000600fffffffffffffffff0111100f01111000800080082000000";

std::vector<Bytes> seeds() {
  std::vector<Bytes> out{from_hex(kAddressV4), from_hex(kAddressV6)};
  auto add = [&](const std::vector<std::byte>& b) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(b.data());
    out.emplace_back(p, p + b.size());
  };
  Route route{
      *Prefix::parse("2001:db8::/32"),
      {NextHop{*IpAddress::parse("fe80::1"), 3, 1}, NextHop{*IpAddress::parse("fe80::2"), 4, 2}}};
  add(build_route_message(RouteOp::kReplace, route, 1));
  std::vector<std::byte> link(512);
  MacvlanSpec spec = keepalived_vmac(3, 5, Family::kIpv4);
  link.resize(build_macvlan_create(link, spec));
  add(link);
  InterfaceAddress a = virtual_address(3, *IpAddress::parse("192.0.2.1"), 24, "d0:1");
  a.lifetime = AddressLifetime{5, 10};
  a.flags = IFA_F_NOPREFIXROUTE;
  add(build_address_message(AddressOp::kAdd, a));
  return out;
}

void check_well_formed(const nlmsghdr* m) {
  if (auto a = parse_address_message(m)) {
    EXPECT_LE(a->prefix_length, a->address.is_v4() ? 32 : 128);
    EXPECT_LT(a->label.size(), m->nlmsg_len);
    if (a->broadcast) {
      EXPECT_EQ(a->broadcast->family(), a->address.family());
    }
  }
  if (auto l = parse_link_message(m)) {
    EXPECT_GT(l->ifindex, 0);
    EXPECT_LE(static_cast<std::uint8_t>(l->oper_state), 6);
    EXPECT_LT(l->name.size() + l->kind.size() + l->address.size(), m->nlmsg_len);
  }
  if (auto r = parse_route_message(m)) {
    EXPECT_LE(r->prefix.length(), r->prefix.family() == Family::kIpv4 ? 32 : 128);
    for (const auto& hop : r->next_hops) EXPECT_EQ(hop.gateway.family(), r->prefix.family());
  }
}

TEST(ParserRobustness, MutatedMessagesParseSafely) {
  std::mt19937 random(20240501);
  EventDecoder decoder;
  std::size_t parsed = 0, events = 0;
  for (const Bytes& seed : seeds()) {
    for (int round = 0; round < 100000; ++round) {
      Bytes bytes = seed;
      int mutations = 1 + static_cast<int>(random() % 4);
      for (int i = 0; i < mutations; ++i) {
        std::size_t at = random() % bytes.size();
        switch (random() % 4) {
          case 0:  // a random byte
            bytes[at] = static_cast<std::uint8_t>(random());
            break;
          case 1:  // a small attribute length at an aligned offset past the headers
            at = 16 + (at & ~std::size_t{3});
            if (at + 2 <= bytes.size())
              bytes[at] = static_cast<std::uint8_t>(random() % 40), bytes[at + 1] = 0;
            break;
          case 2:  // a bit flipped
            bytes[at] ^= static_cast<std::uint8_t>(1u << (random() % 8));
            break;
          default:  // cut short
            bytes.resize(std::max<std::size_t>(sizeof(nlmsghdr), at));
            break;
        }
      }
      // nlmsg_len within the buffer, as mnl_nlmsg_ok() guarantees for received messages.
      if (bytes.size() < sizeof(nlmsghdr)) continue;
      auto* nlh = reinterpret_cast<nlmsghdr*>(bytes.data());
      if (nlh->nlmsg_len > bytes.size() || nlh->nlmsg_len < sizeof(nlmsghdr))
        nlh->nlmsg_len = static_cast<std::uint32_t>(bytes.size());
      // Keep the message types the parsers accept most of the time.
      if (random() % 4 != 0)
        nlh->nlmsg_type = reinterpret_cast<const nlmsghdr*>(seed.data())->nlmsg_type;
      check_well_formed(nlh);
      parsed += parse_address_message(nlh) || parse_link_message(nlh) || parse_route_message(nlh);
      std::vector<Event> out;
      decoder.decode(nlh, out);
      events += out.size();
    }
  }
  // Most mutations leave a parseable message: the test exercised the attribute paths.
  EXPECT_GT(parsed, 100000u);
  EXPECT_GT(events, 100000u);
}

}  // namespace
}  // namespace vipd::netlink
