// Gratuitous ARP against a frame captured from keepalived 2.2.7 (veth in a private namespace,
// interface MAC 02:00:00:00:00:02, VIP 192.168.5.1).
#include "l2/wire/arp.hpp"

#include <gtest/gtest.h>

namespace vipd::l2::wire {
namespace {

constexpr const char* kKeepalivedGarp =
    "ffffffffffff 020000000002 0806"  // Ethernet: broadcast, from the master, ARP
    "0001 0800 06 04 0001"            // Ethernet/IPv4, request
    "020000000002 c0a80501"           // sender: our MAC, the VIP
    "ffffffffffff c0a80501";          // target: broadcast, the VIP

const MacAddress kMac{{0x02, 0, 0, 0, 0, 0x02}};

TEST(GratuitousArp, BuildsKeepalivedFrame) {
  const Bytes frame = build_gratuitous_arp(kMac, *IpAddress::parse("192.168.5.1"));
  EXPECT_EQ(to_hex(frame), to_hex(from_hex(kKeepalivedGarp)));
  EXPECT_EQ(frame.size(), kArpFrameSize);
}

TEST(GratuitousArp, ParsesKeepalivedFrameWithPadding) {
  Bytes frame = from_hex(kKeepalivedGarp);
  frame.resize(60, 0);  // Ethernet minimum, as received from a NIC
  auto arp = parse_arp_frame(frame);
  ASSERT_TRUE(arp.ok());
  EXPECT_EQ(arp->ethernet.destination, MacAddress::broadcast());
  EXPECT_EQ(arp->ethernet.source, kMac);
  EXPECT_EQ(arp->operation, kArpRequest);
  EXPECT_EQ(arp->sender_mac, kMac);
  EXPECT_EQ(arp->sender_ip.to_string(), "192.168.5.1");
  EXPECT_EQ(arp->target_ip.to_string(), "192.168.5.1");
  EXPECT_TRUE(arp->is_gratuitous());
  EXPECT_EQ(encode_arp_frame(*arp), from_hex(kKeepalivedGarp));
}

TEST(GratuitousArp, OrdinaryReplyIsNotGratuitous) {
  ArpFrame reply;
  reply.ethernet = {kMac, MacAddress::broadcast(), kEtherTypeArp};
  reply.operation = kArpReply;
  reply.sender_ip = *IpAddress::parse("192.168.5.2");
  reply.target_ip = *IpAddress::parse("192.168.5.9");
  auto parsed = parse_arp_frame(encode_arp_frame(reply));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, reply);
  EXPECT_FALSE(parsed->is_gratuitous());
}

TEST(GratuitousArp, Errors) {
  const Bytes good = from_hex(kKeepalivedGarp);
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto r = parse_arp_frame(ByteSpan(good).subspan(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error(), FrameError::kTruncated) << n;
  }
  Bytes ipv4 = good;
  ipv4[13] = 0x00;  // ethertype 0x0800
  EXPECT_EQ(parse_arp_frame(ipv4).error(), FrameError::kWrongEtherType);
  Bytes hlen = good;
  hlen[18] = 8;
  EXPECT_EQ(parse_arp_frame(hlen).error(), FrameError::kBadArpHeader);
  Bytes ptype = good;
  ptype[16] = 0x86;
  EXPECT_EQ(parse_arp_frame(ptype).error(), FrameError::kBadArpHeader);
  Bytes htype = good;
  htype[15] = 6;  // IEEE 802
  EXPECT_EQ(parse_arp_frame(htype).error(), FrameError::kBadArpHeader);
  EXPECT_EQ(to_string(FrameError::kBadArpHeader), "bad ARP header");
}

}  // namespace
}  // namespace vipd::l2::wire
