// Link messages against bytes captured from the real implementations: requests as iproute2 6.1
// sends them (strace -e write=3; seq 0x6b0a87ed, d0 = ifindex 3, vrrp.5 = ifindex 4), and the
// RTM_DELLINK Linux 6.18 multicast when the macvlan vrrp.5 was deleted (strace -e read=3 of
// `ip monitor link`).
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include <cstring>
#include <functional>
#include <map>

#include "common/bytes.hpp"
#include "netlink/attributes.hpp"
#include "netlink/link_message.hpp"

#include "netlink_test_util.hpp"

namespace vipd::netlink {
namespace {

using namespace test;

// Builds with `build` (and sequence number and flags as iproute2 sends them) to hex.
template <typename Build>
std::string built(Build&& build) {
  std::vector<std::byte> buffer(1024);
  std::size_t len = build(std::span<std::byte>(buffer));
  EXPECT_GT(len, 0u);
  auto* nlh = reinterpret_cast<nlmsghdr*>(buffer.data());
  nlh->nlmsg_seq = kSeq;
  nlh->nlmsg_flags |= NLM_F_ACK;
  return to_hex(ByteSpan(reinterpret_cast<const std::uint8_t*>(buffer.data()), len));
}

// `ip link add link d0 name vrrp.5 address 00:00:5e:00:01:05 type macvlan mode private`
constexpr const char* kIproute2MacvlanAdd =
    "5c00000010000506ed870a6b00000000000000000000000000000000000000000a00010000005e0001050000"
    "08000500030000000b000300767272702e3500001c0012000b0001006d6163766c616e000c00020008000100"
    "01000000";
// `ip link set d0 up`, `ip link set d0 down`, `ip link del vrrp.5`
constexpr const char* kIproute2SetUp =
    "2000000010000500ed870a6b0000000000000000030000000100000001000000";
constexpr const char* kIproute2SetDown =
    "2000000010000500ed870a6b0000000000000000030000000000000001000000";
constexpr const char* kIproute2Delete =
    "2000000011000500ed870a6b0000000000000000040000000000000000000000";

// The kernel's RTM_DELLINK for vrrp.5 (with zeroed statistics).
constexpr const char* kKernelDelLinkMacvlan =
    "d8020000110000000000000000000000000001000400000002100000ffffffff0b000300767272702e350000"
    "08000d00e803000005001000020000000500110000000000050043000000000008000400dc05000008003200"
    "4400000008003300ffff000008001b000000000008001e000000000008003d000000000008001f0001000000"
    "08002800ffff0000080029000000010008003a000000010008003f0000000100080040000000010008003b00"
    "f8ff070008003c00ffff00000800420000000000080020000100000005002100000000000800230000000000"
    "08002f000000000008003000000000000600440000000000060045000000000005002700000000000a000100"
    "00005e00010500000a000200ffffffffffff0000cc0017000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000064000700000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000c002b0005000200000000003c0012000c0001006d6163766c616e00"
    "2c00020008000100010000000600020000000000080006000000000008000700e80300000800080000000000"
    "0800050003000000090006006e6f6f700000000004001a0024000e0000000000000000000000000000000000"
    "0000000000000000000000000000000004003e8004004180";

TEST(LinkMessage, MacvlanCreateIsTheBytesOfIproute2ButForTwoKernelConventions) {
  MacvlanSpec spec{"vrrp.5", 3, {0x00, 0x00, 0x5e, 0x00, 0x01, 0x05}, MacvlanMode::kPrivate};
  // iproute2 writes IFLA_INFO_KIND without its NUL (0b00 0100 "macvlan") and its nests without
  // NLA_F_NESTED; libmnl, like the kernel's own messages, writes "macvlan\0" (0c00) and sets
  // NLA_F_NESTED (0x8000) on IFLA_LINKINFO (0x12) and IFLA_INFO_DATA (0x02), which the kernel
  // requires of nests under strict validation. Both pad to the same length.
  std::string expected = kIproute2MacvlanAdd;
  auto patch = [&](const std::string& from, const std::string& to) {
    auto at = expected.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    expected.replace(at, from.size(), to);
  };
  patch("1c0012000b000100", "1c0012800c000100");
  patch("0c00020008000100", "0c00028008000100");
  EXPECT_EQ(built([&](std::span<std::byte> b) { return build_macvlan_create(b, spec); }), expected);
}

TEST(LinkMessage, SetUpDownAndDeleteAreTheBytesOfIproute2) {
  EXPECT_EQ(built([](std::span<std::byte> b) { return build_link_set_up(b, 3, true); }),
            kIproute2SetUp);
  EXPECT_EQ(built([](std::span<std::byte> b) { return build_link_set_up(b, 3, false); }),
            kIproute2SetDown);
  EXPECT_EQ(built([](std::span<std::byte> b) { return build_link_delete(b, 4); }), kIproute2Delete);
}

TEST(LinkMessage, ParsesTheKernelsMacvlanNotification) {
  Bytes bytes = from_hex(kKernelDelLinkMacvlan);
  ASSERT_EQ(bytes.size(), 728u);
  auto link = parse_link_message(reinterpret_cast<const nlmsghdr*>(bytes.data()));
  ASSERT_TRUE(link);
  EXPECT_EQ(link->ifindex, 4);
  EXPECT_EQ(link->name, "vrrp.5");
  EXPECT_EQ(format_link_address(link->address), "00:00:5e:00:01:05");
  EXPECT_EQ(link->mtu, 1500u);
  EXPECT_EQ(link->kind, "macvlan");
  EXPECT_EQ(link->macvlan_mode, MacvlanMode::kPrivate);
  EXPECT_EQ(link->parent_ifindex, 3);
  EXPECT_EQ(link->master_ifindex, 0);
  EXPECT_EQ(link->type, 1);  // ARPHRD_ETHER
  EXPECT_EQ(link->flags, static_cast<std::uint32_t>(IFF_BROADCAST | IFF_MULTICAST));
  EXPECT_EQ(link->oper_state, OperState::kDown);
  EXPECT_FALSE(link->admin_up());
  EXPECT_FALSE(link->carrier());
  EXPECT_FALSE(link->usable());
}

TEST(LinkMessage, UsableNeedsAdminUpAndRunning) {
  Link link;
  link.flags = IFF_UP;
  EXPECT_TRUE(link.admin_up());
  EXPECT_FALSE(link.usable());  // up without carrier: NO-CARRIER
  link.flags = IFF_UP | IFF_RUNNING | kLinkLowerUp;
  EXPECT_TRUE(link.usable());
  EXPECT_TRUE(link.carrier());
  link.flags = IFF_RUNNING | kLinkLowerUp;
  EXPECT_FALSE(link.usable());
}

TEST(LinkMessage, KeepalivedVmacFollowsRfc5798AndKeepalived) {
  MacvlanSpec v4 = keepalived_vmac(3, 51, Family::kIpv4);
  EXPECT_EQ(v4.name, "vrrp.51");
  EXPECT_EQ(format_link_address(v4.mac), "00:00:5e:00:01:33");
  EXPECT_EQ(v4.parent_ifindex, 3);
  EXPECT_EQ(v4.mode, MacvlanMode::kPrivate);
  MacvlanSpec v6 = keepalived_vmac(3, 255, Family::kIpv6);
  EXPECT_EQ(v6.name, "vrrp.255");
  EXPECT_EQ(format_link_address(v6.mac), "00:00:5e:00:02:ff");
}

TEST(LinkMessage, KeepalivedVmacNamesWhenTheFirstIsTaken) {
  std::vector<std::string> v4, v6;
  for (unsigned attempt = 0; attempt < 9; ++attempt) {
    v4.push_back(keepalived_vmac_name(7, Family::kIpv4, attempt));
    v6.push_back(keepalived_vmac_name(7, Family::kIpv6, attempt));
  }
  EXPECT_EQ(v4, (std::vector<std::string>{"vrrp.7", "vrrp1.7", "vrrp2.7", "vrrp3.7", "vrrp4.7",
                                          "vrrp5.7", "vrrp6.7", "vrrp7.7", "vrrp8.7"}));
  EXPECT_EQ(v6, (std::vector<std::string>{"vrrp.7", "vrrp6.7", "vrrp1.7", "vrrp2.7", "vrrp3.7",
                                          "vrrp4.7", "vrrp5.7", "vrrp7.7", "vrrp8.7"}));
}

TEST(LinkMessage, MacAddressText) {
  EXPECT_EQ(parse_mac_address("00:00:5E:00:01:0a"),
            (MacAddress{0x00, 0x00, 0x5e, 0x00, 0x01, 0x0a}));
  EXPECT_EQ(format_link_address(*parse_mac_address("00:00:5E:00:01:0a")), "00:00:5e:00:01:0a");
  for (const char* bad : {"", "00:00:5e:00:01", "00:00:5e:00:01:0a:", "00-00-5e-00-01-0a",
                          "00:00:5e:00:01:0g", "0:00:5e:00:01:0a0", "+0:00:5e:00:01:0a"})
    EXPECT_EQ(parse_mac_address(bad), std::nullopt) << bad;
  EXPECT_EQ(format_link_address({}), "");
}

TEST(LinkMessage, OperStateNamesAreIproute2s) {
  EXPECT_EQ(to_string(OperState::kUp), "UP");
  EXPECT_EQ(to_string(OperState::kLowerLayerDown), "LOWERLAYERDOWN");
  EXPECT_EQ(to_string(OperState::kUnknown), "UNKNOWN");
  EXPECT_EQ(to_string(OperState::kDormant), "DORMANT");
}

// Walks the attributes of a request built by `build`: type -> payload.
template <typename Build>
std::map<std::uint16_t, std::vector<std::uint8_t>> attributes_of(Build&& build,
                                                                 nlmsghdr* header = nullptr) {
  std::vector<std::byte> buffer(512);
  buffer.resize(build(std::span<std::byte>(buffer)));
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer.data());
  if (header) *header = *nlh;
  std::map<std::uint16_t, std::vector<std::uint8_t>> out;
  for_each_attribute(nlh, sizeof(ifinfomsg), [&](const nlattr* a) {
    const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(a));
    out[mnl_attr_get_type(a)] = {p, p + mnl_attr_get_payload_len(a)};
  });
  return out;
}

std::vector<std::uint8_t> u32_bytes(std::uint32_t v) {
  std::vector<std::uint8_t> out(4);
  std::memcpy(out.data(), &v, 4);
  return out;
}

TEST(LinkMessage, GetRequestsByIndexOrNameSkipStatistics) {
  nlmsghdr header{};
  auto by_index =
      attributes_of([](std::span<std::byte> b) { return build_link_get_request(b, 42); }, &header);
  EXPECT_EQ(header.nlmsg_type, RTM_GETLINK);
  EXPECT_EQ(header.nlmsg_flags, NLM_F_REQUEST);
  EXPECT_EQ(by_index.size(), 1u);
  EXPECT_EQ(by_index[IFLA_EXT_MASK], u32_bytes(RTEXT_FILTER_SKIP_STATS));

  auto by_name =
      attributes_of([](std::span<std::byte> b) { return build_link_get_request(b, "eth0"); });
  EXPECT_EQ(by_name[IFLA_IFNAME], (std::vector<std::uint8_t>{'e', 't', 'h', '0', 0}));
  EXPECT_EQ(by_name[IFLA_EXT_MASK], u32_bytes(RTEXT_FILTER_SKIP_STATS));

  auto dump =
      attributes_of([](std::span<std::byte> b) { return build_link_dump_request(b); }, &header);
  EXPECT_EQ(header.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(dump[IFLA_EXT_MASK], u32_bytes(RTEXT_FILTER_SKIP_STATS));
}

TEST(LinkMessage, AddrGenModeIsNestedInAfSpecInet6) {
  std::vector<std::byte> buffer(128);
  buffer.resize(build_link_set_addr_gen_mode(buffer, 9, IN6_ADDR_GEN_MODE_NONE));
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer.data());
  EXPECT_EQ(nlh->nlmsg_type, RTM_NEWLINK);
  EXPECT_EQ(static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh))->ifi_index, 9);
  int found = 0;
  for_each_attribute(nlh, sizeof(ifinfomsg), [&](const nlattr* spec) {
    ASSERT_EQ(mnl_attr_get_type(spec), IFLA_AF_SPEC);
    for_each_nested(spec, [&](const nlattr* inet6) {
      ASSERT_EQ(mnl_attr_get_type(inet6), AF_INET6);
      for_each_nested(inet6, [&](const nlattr* mode) {
        EXPECT_EQ(mnl_attr_get_type(mode), IFLA_INET6_ADDR_GEN_MODE);
        EXPECT_EQ(mnl_attr_get_payload_len(mode), 1u);
        EXPECT_EQ(mnl_attr_get_u8(mode), IN6_ADDR_GEN_MODE_NONE);
        ++found;
      });
    });
  });
  EXPECT_EQ(found, 1);
}

TEST(LinkMessage, EveryBuilderReportsABufferTooSmall) {
  MacvlanSpec spec = keepalived_vmac(3, 5, Family::kIpv4);
  std::vector<std::function<std::size_t(std::span<std::byte>)>> builders{
      [&](std::span<std::byte> b) { return build_macvlan_create(b, spec); },
      [](std::span<std::byte> b) { return build_link_get_request(b, 3); },
      [](std::span<std::byte> b) { return build_link_get_request(b, "vrrp.5"); },
      [](std::span<std::byte> b) { return build_link_dump_request(b); },
      [](std::span<std::byte> b) { return build_link_set_up(b, 3, true); },
      [](std::span<std::byte> b) { return build_link_delete(b, 3); },
      [](std::span<std::byte> b) { return build_link_set_addr_gen_mode(b, 3, 1); },
  };
  for (std::size_t i = 0; i < builders.size(); ++i) {
    std::vector<std::byte> buffer(512);
    std::size_t full = builders[i](buffer);
    ASSERT_GT(full, 0u) << i;
    for (std::size_t room = 0; room < full; ++room)
      EXPECT_EQ(builders[i](std::span(buffer).first(room)), 0u) << i << " " << room;
  }
}

class MalformedLink : public ::testing::Test {
 protected:
  Bytes bytes = from_hex(kKernelDelLinkMacvlan);
  nlmsghdr* nlh() { return reinterpret_cast<nlmsghdr*>(bytes.data()); }
  ifinfomsg* ifi() { return static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(nlh())); }
  nlattr* attr(std::uint16_t type) {
    nlattr* found = nullptr;
    for_each_attribute(nlh(), sizeof(ifinfomsg), [&](const nlattr* a) {
      if (mnl_attr_get_type(a) == type) found = const_cast<nlattr*>(a);
    });
    return found;
  }
  bool parses() { return parse_link_message(nlh()).has_value(); }
};

TEST_F(MalformedLink, TheFixtureItselfParses) {
  EXPECT_TRUE(parses());
}

TEST_F(MalformedLink, OtherMessageTypes) {
  nlh()->nlmsg_type = RTM_NEWADDR;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedLink, BridgePortMessagesAreNotLinks) {
  ifi()->ifi_family = AF_BRIDGE;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedLink, ShortHeader) {
  nlh()->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(ifinfomsg) - 1;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedLink, NoIndex) {
  ifi()->ifi_index = 0;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedLink, NameWithoutItsNul) {
  nlattr* name = attr(IFLA_IFNAME);
  static_cast<char*>(mnl_attr_get_payload(name))[6] = 'x';
  EXPECT_FALSE(parses());
}

TEST_F(MalformedLink, MtuOfTheWrongSize) {
  attr(IFLA_MTU)->nla_len = MNL_ATTR_HDRLEN + 2;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedLink, OperStateOutOfRange) {
  *static_cast<std::uint8_t*>(mnl_attr_get_payload(attr(IFLA_OPERSTATE))) = 7;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedLink, ParentOfTheWrongSize) {
  attr(IFLA_LINK)->nla_len = MNL_ATTR_HDRLEN + 1;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedLink, MacvlanModeOfTheWrongSize) {
  nlattr* mode = nullptr;
  for_each_nested(attr(IFLA_LINKINFO), [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
      for_each_nested(a, [&](const nlattr* d) {
        if (mnl_attr_get_type(d) == IFLA_MACVLAN_MODE) mode = const_cast<nlattr*>(d);
      });
  });
  ASSERT_NE(mode, nullptr);
  mode->nla_len = MNL_ATTR_HDRLEN + 2;
  EXPECT_FALSE(parses());
}

TEST_F(MalformedLink, AnotherKindsDataIsNotReadAsMacvlan) {
  nlattr* kind = nullptr;
  for_each_nested(attr(IFLA_LINKINFO), [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == IFLA_INFO_KIND) kind = const_cast<nlattr*>(a);
  });
  ASSERT_NE(kind, nullptr);
  static_cast<char*>(mnl_attr_get_payload(kind))[0] = 'n';  // "nacvlan"
  auto link = parse_link_message(nlh());
  ASSERT_TRUE(link);
  EXPECT_EQ(link->kind, "nacvlan");
  EXPECT_EQ(link->macvlan_mode, std::nullopt);
}

}  // namespace
}  // namespace vipd::netlink
