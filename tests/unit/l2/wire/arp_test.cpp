// Gratuitous ARP against a frame captured from keepalived 2.2.7 (veth in a private namespace,
// interface MAC 02:00:00:00:00:02, VIP 192.168.5.1); ARP replies against Linux's (fixtures.hpp).
#include "l2/wire/arp.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace vipd::l2::wire {
namespace {

using fixtures::kClient;
using fixtures::kOwner;

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

TEST(ArpReply, ParsesLinuxRequest) {
  auto request = parse_arp_frame(from_hex(fixtures::kArpRequest));
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->operation, kArpRequest);
  EXPECT_EQ(request->ethernet.destination, MacAddress::broadcast());
  EXPECT_EQ(request->sender_mac, kClient);
  EXPECT_EQ(request->sender_ip.to_string(), "10.77.0.2");
  EXPECT_EQ(request->target_mac, MacAddress{});
  EXPECT_EQ(request->target_ip.to_string(), "10.77.0.1");
  EXPECT_FALSE(request->is_gratuitous());
}

TEST(ArpReply, IsWhatLinuxSendsForARequest) {
  auto request = parse_arp_frame(from_hex(fixtures::kArpRequest));
  ASSERT_TRUE(request.ok());
  const Bytes reply = build_arp_reply(*request, kOwner);
  EXPECT_EQ(to_hex(reply), to_hex(from_hex(fixtures::kLinuxArpReply)));
  EXPECT_EQ(reply.size(), kArpFrameSize);
}

TEST(ArpReply, IsWhatLinuxSendsForAProbe) {
  // RFC 5227 §2.1.1: sender IP 0.0.0.0, target hardware address ignored (arping sends
  // broadcast). The reply is still unicast to the prober and names 0.0.0.0 as the target IP.
  auto probe = parse_arp_frame(from_hex(fixtures::kArpProbe));
  ASSERT_TRUE(probe.ok());
  EXPECT_TRUE(probe->sender_ip.is_unspecified());
  const Bytes reply = build_arp_reply(*probe, kOwner);
  EXPECT_EQ(to_hex(reply), to_hex(from_hex(fixtures::kLinuxArpProbeReply)));
}

TEST(ArpReply, RoundTripsAndIgnoresTheRequestsPaddingAndTargetMac) {
  Bytes padded = from_hex(fixtures::kArpRequest);
  padded.resize(60, 0);  // as a NIC delivers it
  auto request = parse_arp_frame(padded);
  ASSERT_TRUE(request.ok());
  request->target_mac = MacAddress::broadcast();  // what a request says there does not matter
  auto reply = parse_arp_frame(build_arp_reply(*request, kOwner));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->ethernet, (EthernetHeader{kClient, kOwner, kEtherTypeArp}));
  EXPECT_EQ(reply->operation, kArpReply);
  EXPECT_EQ(reply->sender_mac, kOwner);
  EXPECT_EQ(reply->sender_ip, request->target_ip);
  EXPECT_EQ(reply->target_mac, kClient);
  EXPECT_EQ(reply->target_ip, request->sender_ip);
  EXPECT_FALSE(reply->is_gratuitous());
  EXPECT_EQ(encode_arp_frame(*reply), from_hex(fixtures::kLinuxArpReply));
}

TEST(ArpReply, GoesToTheSenderHardwareAddressNotTheEthernetSource) {
  // A bridge that rewrote the Ethernet source does not redirect the reply: RFC 826 answers the
  // ARP sender, as Linux does.
  auto request = parse_arp_frame(from_hex(fixtures::kArpRequest));
  ASSERT_TRUE(request.ok());
  request->ethernet.source = MacAddress{{0x02, 0, 0, 0, 0, 0x99}};
  auto reply = parse_arp_frame(build_arp_reply(*request, kOwner));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->ethernet.destination, kClient);
}

TEST(ArpReply, CapturedAnnouncementsAreGratuitous) {
  auto announcement = parse_arp_frame(from_hex(fixtures::kArpAnnouncement));
  ASSERT_TRUE(announcement.ok());
  EXPECT_EQ(announcement->operation, kArpRequest);
  EXPECT_TRUE(announcement->is_gratuitous());
  auto gratuitous_reply = parse_arp_frame(from_hex(fixtures::kArpGratuitousReply));
  ASSERT_TRUE(gratuitous_reply.ok());
  EXPECT_EQ(gratuitous_reply->operation, kArpReply);
  EXPECT_TRUE(gratuitous_reply->is_gratuitous());
}

}  // namespace
}  // namespace vipd::l2::wire
