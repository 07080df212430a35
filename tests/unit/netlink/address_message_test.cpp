// Address messages against bytes captured from the real implementations: requests as iproute2
// 6.1 sends them (strace -e write=3 of `ip addr add|del`; seq 0x6b0a87ed, ifindex 3), and
// notifications as Linux 6.18 multicasts them (strace -e read=3 of `ip monitor address`).
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include "common/bytes.hpp"
#include "netlink/address_message.hpp"

#include "netlink_test_util.hpp"

namespace vipd::netlink {
namespace {

using namespace test;

constexpr std::uint16_t kRequestAck = NLM_F_REQUEST | NLM_F_ACK;

std::string hex_of(const std::vector<std::byte>& bytes) {
  return to_hex(ByteSpan(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

const nlmsghdr* as_message(const Bytes& bytes) {
  return reinterpret_cast<const nlmsghdr*>(bytes.data());
}

// `ip addr add 192.0.2.10/24 brd 192.0.2.255 label d0:vip dev d0`
constexpr const char* kIproute2AddV4 =
    "3c00000014000506ed870a6b00000000021800000300000008000200c000020a08000400c00002ff0b000300"
    "64303a766970000008000100c000020a";
// `ip -6 addr add 2001:db8::10/64 dev d0 nodad`
constexpr const char* kIproute2AddV6Nodad =
    "4000000014000506ed870a6b000000000a400200030000001400020020010db8000000000000000000000010"
    "1400010020010db8000000000000000000000010";
// `ip addr del 192.0.2.10/24 dev d0`
constexpr const char* kIproute2DelV4 =
    "2800000015000500ed870a6b00000000021800000300000008000200c000020a08000100c000020a";

// The kernel's RTM_NEWADDR for the IPv4 add above (IFA_F_PERMANENT, IFA_FLAGS, IFA_CACHEINFO
// with infinite lifetimes), its RTM_NEWADDR for the IPv6 add (IFA_F_NODAD|IFA_F_PERMANENT,
// IFA_ADDRESS only), and its RTM_DELADDR for the IPv4 delete.
constexpr const char* kKernelNewAddrV4 =
    "5800000014000000f3870a6b36390000021880000300000008000100c000020a08000200c000020a08000400"
    "c00002ff0b00030064303a7669700000080008008000000014000600fffffffffffffffff0111100f0111100";
constexpr const char* kKernelNewAddrV6 =
    "480000001400000000000000000000000a408200030000001400010020010db8000000000000000000000010"
    "14000600fffffffffffffffff0111100f01111000800080082000000";
constexpr const char* kKernelDelAddrV4 =
    "5800000015000000f3870a6b38390000021880000300000008000100c000020a08000200c000020a08000400"
    "c00002ff0b00030064303a7669700000080008008000000014000600fffffffffffffffff0111100f0111100";

InterfaceAddress vip_v4() {
  InterfaceAddress a = virtual_address(3, ip("192.0.2.10"), 24, "d0:vip");
  a.broadcast = ip("192.0.2.255");
  return a;
}

TEST(AddressMessage, Ipv4AddIsTheBytesOfIproute2) {
  EXPECT_EQ(hex_of(build_address_message(AddressOp::kAdd, vip_v4(), kSeq, kRequestAck)),
            kIproute2AddV4);
}

TEST(AddressMessage, Ipv6VirtualAddressIsNodadAndTheBytesOfIproute2) {
  InterfaceAddress a = virtual_address(3, ip("2001:db8::10"), 64, "ignored for IPv6");
  EXPECT_EQ(a.flags, static_cast<std::uint32_t>(IFA_F_NODAD));
  EXPECT_EQ(a.label, "");
  EXPECT_EQ(hex_of(build_address_message(AddressOp::kAdd, a, kSeq, kRequestAck)),
            kIproute2AddV6Nodad);
}

TEST(AddressMessage, Ipv4DeleteIsTheBytesOfIproute2WithoutBroadcastOrFlags) {
  InterfaceAddress a = vip_v4();
  a.label.clear();
  a.flags = IFA_F_NOPREFIXROUTE;  // flags and lifetime belong to adds only
  a.lifetime = AddressLifetime{0, 60};
  auto bytes = build_address_message(AddressOp::kDelete, a, kSeq, kRequestAck);
  // The ifa_flags byte keeps the low bits (0x00 for NOPREFIXROUTE = 0x200): still iproute2's.
  EXPECT_EQ(hex_of(bytes), kIproute2DelV4);
}

TEST(AddressMessage, ReplaceAsksForCreateAndReplace) {
  auto bytes = build_address_message(AddressOp::kReplace, vip_v4());
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data());
  EXPECT_EQ(nlh->nlmsg_type, RTM_NEWADDR);
  EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
}

TEST(AddressMessage, ParsesTheKernelsIpv4Notification) {
  auto bytes = from_hex(kKernelNewAddrV4);
  auto a = parse_address_message(as_message(bytes));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ifindex, 3);
  EXPECT_EQ(a->address, ip("192.0.2.10"));
  EXPECT_EQ(a->prefix_length, 24);
  EXPECT_EQ(a->label, "d0:vip");
  EXPECT_EQ(a->broadcast, ip("192.0.2.255"));
  EXPECT_EQ(a->peer, std::nullopt);
  EXPECT_EQ(a->scope, RT_SCOPE_UNIVERSE);
  EXPECT_EQ(a->flags, static_cast<std::uint32_t>(IFA_F_PERMANENT));
  EXPECT_EQ(a->lifetime, std::nullopt);  // infinite = permanent
  EXPECT_EQ(a->family(), AF_INET);
}

TEST(AddressMessage, ParsesTheKernelsIpv6Notification) {
  auto bytes = from_hex(kKernelNewAddrV6);
  auto a = parse_address_message(as_message(bytes));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ifindex, 3);
  EXPECT_EQ(a->address, ip("2001:db8::10"));
  EXPECT_EQ(a->prefix_length, 64);
  EXPECT_EQ(a->flags, static_cast<std::uint32_t>(IFA_F_NODAD | IFA_F_PERMANENT));
  EXPECT_EQ(a->label, "");
  EXPECT_EQ(a->family(), AF_INET6);
}

TEST(AddressMessage, ParsesTheKernelsDeleteNotification) {
  auto bytes = from_hex(kKernelDelAddrV4);
  EXPECT_EQ(as_message(bytes)->nlmsg_type, RTM_DELADDR);
  auto a = parse_address_message(as_message(bytes));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address, ip("192.0.2.10"));
  EXPECT_EQ(a->label, "d0:vip");
}

TEST(AddressMessage, RoundTripsEveryField) {
  InterfaceAddress a;
  a.ifindex = 7;
  a.address = ip("10.0.0.1");
  a.prefix_length = 30;
  a.label = "eth0:1";
  a.broadcast = ip("10.0.0.3");
  a.peer = ip("10.0.0.2");
  a.scope = RT_SCOPE_LINK;
  a.flags = IFA_F_NOPREFIXROUTE | IFA_F_SECONDARY;
  a.lifetime = AddressLifetime{30, 120};
  auto bytes = build_address_message(AddressOp::kAdd, a);
  auto back = parse_address_message(reinterpret_cast<const nlmsghdr*>(bytes.data()));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, a);

  InterfaceAddress v6 = virtual_address(2, ip("fe80::1"), 64);
  v6.flags |= IFA_F_NOPREFIXROUTE;  // needs IFA_FLAGS
  auto bytes6 = build_address_message(AddressOp::kAdd, v6);
  auto back6 = parse_address_message(reinterpret_cast<const nlmsghdr*>(bytes6.data()));
  ASSERT_TRUE(back6);
  EXPECT_EQ(*back6, v6);
}

TEST(AddressMessage, Ipv4OnlyAttributesAreLeftOutForIpv6) {
  InterfaceAddress a = virtual_address(2, ip("2001:db8::1"), 64);
  a.label = "eth0:1";
  a.broadcast = ip("2001:db8::ff");
  a.scope = RT_SCOPE_LINK;
  auto bytes = build_address_message(AddressOp::kAdd, a);
  auto back = parse_address_message(reinterpret_cast<const nlmsghdr*>(bytes.data()));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->label, "");
  EXPECT_EQ(back->broadcast, std::nullopt);
  EXPECT_EQ(back->scope, RT_SCOPE_UNIVERSE);  // the kernel derives IPv6 scopes
}

TEST(AddressMessage, EveryBuilderReportsABufferTooSmall) {
  InterfaceAddress a = vip_v4();
  a.lifetime = AddressLifetime{1, 2};
  a.flags = IFA_F_NOPREFIXROUTE;
  for (AddressOp op : {AddressOp::kAdd, AddressOp::kReplace, AddressOp::kDelete}) {
    auto full = build_address_message(op, a);
    ASSERT_GT(full.size(), 0u);
    std::vector<std::byte> buffer(full.size());
    EXPECT_EQ(build_address_message(buffer, op, a), full.size());
    for (std::size_t room = 0; room < full.size(); ++room)
      EXPECT_EQ(build_address_message(std::span(buffer).first(room), op, a), 0u) << room;
  }
  std::vector<std::byte> dump(MNL_NLMSG_HDRLEN + sizeof(ifaddrmsg));
  EXPECT_EQ(build_address_dump_request(dump, AF_INET6, 5), dump.size());
  EXPECT_EQ(build_address_dump_request(std::span(dump).first(dump.size() - 1), AF_INET6, 5), 0u);
}

TEST(AddressMessage, DumpRequestNamesFamilyAndInterface) {
  std::vector<std::byte> buffer(64);
  buffer.resize(build_address_dump_request(buffer, AF_INET, 9));
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer.data());
  EXPECT_EQ(nlh->nlmsg_type, RTM_GETADDR);
  EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + sizeof(ifaddrmsg));
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  EXPECT_EQ(ifa->ifa_family, AF_INET);
  EXPECT_EQ(ifa->ifa_index, 9u);
  // Strict checking refuses a dump whose other header fields are set.
  EXPECT_EQ(ifa->ifa_prefixlen, 0);
  EXPECT_EQ(ifa->ifa_flags, 0);
  EXPECT_EQ(ifa->ifa_scope, 0);
}

// Malformed notifications: each is the IPv4 fixture with one thing broken.
class MalformedAddress : public ::testing::Test {
 protected:
  Bytes bytes = from_hex(kKernelNewAddrV4);
  nlmsghdr* nlh() { return reinterpret_cast<nlmsghdr*>(bytes.data()); }
  ifaddrmsg* ifa() { return static_cast<ifaddrmsg*>(mnl_nlmsg_get_payload(nlh())); }
  // The attribute of `type` in the fixture.
  nlattr* attr(std::uint16_t type) {
    nlattr* found = nullptr;
    auto* end = static_cast<char*>(mnl_nlmsg_get_payload_tail(nlh()));
    for (auto* a = static_cast<nlattr*>(mnl_nlmsg_get_payload_offset(nlh(), sizeof(ifaddrmsg)));
         mnl_attr_ok(a, static_cast<int>(end - reinterpret_cast<char*>(a)));
         a = static_cast<nlattr*>(static_cast<void*>(mnl_attr_next(a))))
      if (mnl_attr_get_type(a) == type) found = a;
    return found;
  }
  bool parses() { return parse_address_message(nlh()).has_value(); }
};

TEST_F(MalformedAddress, TheFixtureItselfParses) {
  EXPECT_TRUE(parses());
}

TEST_F(MalformedAddress, OtherMessageTypes) {
  nlh()->nlmsg_type = RTM_NEWLINK;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedAddress, ShortHeader) {
  nlh()->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(ifaddrmsg) - 1;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedAddress, OtherFamilies) {
  ifa()->ifa_family = AF_PACKET;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedAddress, PrefixLengthBeyondTheFamily) {
  ifa()->ifa_prefixlen = 33;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedAddress, AddressOfTheWrongSize) {
  attr(IFA_LOCAL)->nla_len = MNL_ATTR_HDRLEN + 3;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedAddress, LabelWithoutItsNul) {
  nlattr* label = attr(IFA_LABEL);
  static_cast<char*>(mnl_attr_get_payload(label))[6] = 'x';
  EXPECT_FALSE(parses());
}

TEST_F(MalformedAddress, FlagsOfTheWrongSize) {
  attr(IFA_FLAGS)->nla_len = MNL_ATTR_HDRLEN + 2;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedAddress, CacheinfoTooShort) {
  attr(IFA_CACHEINFO)->nla_len = MNL_ATTR_HDRLEN + 8;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedAddress, NoAddressAtAll) {
  attr(IFA_LOCAL)->nla_type = 0x7ff;  // unknown: skipped
  attr(IFA_ADDRESS)->nla_type = 0x7fe;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedAddress, APeerDifferentFromTheLocalAddressIsAPeer) {
  static_cast<std::uint8_t*>(mnl_attr_get_payload(attr(IFA_ADDRESS)))[3] = 0x0b;
  auto a = parse_address_message(nlh());
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address, ip("192.0.2.10"));
  EXPECT_EQ(a->peer, ip("192.0.2.11"));
}

}  // namespace
}  // namespace vipd::netlink
