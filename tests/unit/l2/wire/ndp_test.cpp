// Unsolicited Neighbor Advertisements against frames captured from keepalived 2.2.7 (veth in a
// private namespace, MAC 02:00:00:00:00:02, VIPs 2001:db8:5::1 and fe80::1).
#include "l2/wire/ndp.hpp"

#include <gtest/gtest.h>

#include "l2/wire/checksum.hpp"

namespace vipd::l2::wire {
namespace {

constexpr const char* kKeepalivedNaGlobal =
    "333300000001 020000000002 86dd"  // Ethernet
    "60000000 0020 3a ff"             // IPv6, 32 octets, ICMPv6
    "20010db8000500000000000000000001 ff020000000000000000000000000001"
    "88 00 f91f 20000000"               // NA, checksum, O flag
    "20010db8000500000000000000000001"  // target
    "02 01 020000000002";               // target link-layer option

constexpr const char* kKeepalivedNaLinkLocal =
    "333300000001 020000000002 86dd 60000000 0020 3a ff"
    "fe800000000000000000000000000001 ff020000000000000000000000000001"
    "88 00 579a 20000000 fe800000000000000000000000000001 02 01 020000000002";

const MacAddress kOwnerMac{{0x02, 0, 0, 0, 0, 0x02}};

TEST(UnsolicitedNa, BuildsKeepalivedFrames) {
  EXPECT_EQ(
      to_hex(build_unsolicited_neighbor_advert(kOwnerMac, *IpAddress::parse("2001:db8:5::1"))),
      to_hex(from_hex(kKeepalivedNaGlobal)));
  EXPECT_EQ(to_hex(build_unsolicited_neighbor_advert(kOwnerMac, *IpAddress::parse("fe80::1"))),
            to_hex(from_hex(kKeepalivedNaLinkLocal)));
  EXPECT_EQ(build_unsolicited_neighbor_advert(kOwnerMac, *IpAddress::parse("fe80::1")).size(),
            kUnsolicitedNaFrameSize);
}

TEST(UnsolicitedNa, ParsesKeepalivedFrame) {
  auto na = parse_neighbor_advert_frame(from_hex(kKeepalivedNaGlobal));
  ASSERT_TRUE(na.ok()) << to_string(na.error());
  EXPECT_EQ(na->ethernet.destination.to_string(), "33:33:00:00:00:01");
  EXPECT_EQ(na->ethernet.source, kOwnerMac);
  EXPECT_EQ(na->source.to_string(), "2001:db8:5::1");
  EXPECT_EQ(na->destination.to_string(), "ff02::1");
  EXPECT_EQ(na->hop_limit, 255);
  EXPECT_TRUE(na->override);
  EXPECT_FALSE(na->router);
  EXPECT_FALSE(na->solicited);
  EXPECT_EQ(na->target.to_string(), "2001:db8:5::1");
  ASSERT_TRUE(na->target_link_layer);
  EXPECT_EQ(*na->target_link_layer, kOwnerMac);
  EXPECT_EQ(encode_neighbor_advert(*na), from_hex(kKeepalivedNaGlobal));
}

TEST(UnsolicitedNa, RouterFlagChangesFlagsAndChecksum) {
  const Bytes frame =
      build_unsolicited_neighbor_advert(kOwnerMac, *IpAddress::parse("fe80::1"), true);
  EXPECT_EQ(frame[kEthernetHeaderSize + kIpv6HeaderSize + 4], 0xa0);  // R | O
  auto na = parse_neighbor_advert_frame(frame);
  ASSERT_TRUE(na.ok());
  EXPECT_TRUE(na->router);
  EXPECT_TRUE(na->override);
}

TEST(UnsolicitedNa, PaddingAfterPayloadIsIgnored) {
  Bytes frame = from_hex(kKeepalivedNaGlobal);
  frame.push_back(0);
  frame.push_back(0);
  EXPECT_TRUE(parse_neighbor_advert_frame(frame).ok());
}

TEST(UnsolicitedNa, UnknownOptionsAreSkippedAndTllaIsOptional) {
  // An NA carrying a 16-octet option of unknown type 99 before the Target Link-Layer option.
  const IpAddress source = *IpAddress::parse("2001:db8:5::1");
  const IpAddress all_nodes = *IpAddress::parse("ff02::1");
  Bytes icmp = from_hex(
      "88000000 20000000 20010db8000500000000000000000001"
      "6302 00000000000000000000000000ff 0201 020000000002");
  InternetChecksum sum;
  sum.add_pseudo_header(source, all_nodes, kIpProtoIcmpv6, static_cast<std::uint32_t>(icmp.size()));
  sum.add(icmp);
  const std::uint16_t checksum = sum.finish();
  icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
  icmp[3] = static_cast<std::uint8_t>(checksum);
  Bytes frame = from_hex(
      "333300000001 020000000002 86dd 60000000 0030 3a ff"
      "20010db8000500000000000000000001 ff020000000000000000000000000001");
  frame.insert(frame.end(), icmp.begin(), icmp.end());
  auto parsed = parse_neighbor_advert_frame(frame);
  ASSERT_TRUE(parsed.ok()) << to_string(parsed.error());
  ASSERT_TRUE(parsed->target_link_layer);
  EXPECT_EQ(*parsed->target_link_layer, kOwnerMac);

  // Without any option the advertisement is still valid (RFC 4861 §4.4: the option is
  // optional), and the encoder then leaves it out.
  NeighborAdvert bare = *parsed;
  bare.target_link_layer.reset();
  const Bytes encoded = encode_neighbor_advert(bare);
  EXPECT_EQ(encoded.size(), kUnsolicitedNaFrameSize - 8);
  auto reparsed = parse_neighbor_advert_frame(encoded);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(*reparsed, bare);
}

TEST(UnsolicitedNa, Errors) {
  const Bytes good = from_hex(kKeepalivedNaGlobal);
  auto error_of = [](const Bytes& b) { return parse_neighbor_advert_frame(b).error(); };
  for (std::size_t n : {0u, 13u, 14u, 53u}) {
    EXPECT_EQ(error_of(Bytes(good.begin(), good.begin() + n)), FrameError::kTruncated) << n;
  }
  // The payload length says 32 but the frame ends early.
  EXPECT_EQ(error_of(Bytes(good.begin(), good.end() - 1)), FrameError::kBadIpv6Header);

  Bytes b = good;
  b[13] = 0x00;
  EXPECT_EQ(error_of(b), FrameError::kWrongEtherType);
  b = good;
  b[14] = 0x40;
  EXPECT_EQ(error_of(b), FrameError::kBadIpv6Header);
  b = good;
  b[20] = 0x11;  // UDP
  EXPECT_EQ(error_of(b), FrameError::kNotNeighborAdvert);
  b = good;
  b[21] = 254;  // forwarded: RFC 4861 §7.1.2 drops it
  EXPECT_EQ(error_of(b), FrameError::kBadHopLimit);
  b = good;
  b[kEthernetHeaderSize + kIpv6HeaderSize + 3] ^= 0x01;
  EXPECT_EQ(error_of(b), FrameError::kBadChecksum);
  b = good;
  b[kEthernetHeaderSize + kIpv6HeaderSize] = 135;  // Neighbor Solicitation
  EXPECT_EQ(error_of(b), FrameError::kNotNeighborAdvert);
  b = good;
  b[18] = 0;
  b[19] = 20;  // ICMPv6 shorter than an NA
  EXPECT_EQ(error_of(b), FrameError::kTruncated);

  NeighborAdvert na = *parse_neighbor_advert_frame(good);
  na.solicited = true;
  EXPECT_EQ(error_of(encode_neighbor_advert(na)), FrameError::kSolicitedToMulticast);
}

TEST(UnsolicitedNa, ZeroLengthOptionIsRejected) {
  Bytes b = from_hex(kKeepalivedNaGlobal);
  const std::size_t option = kEthernetHeaderSize + kIpv6HeaderSize + 24;
  b[option + 1] = 0;  // length 0: RFC 4861 §4.6 says discard
  // Fix the checksum: the length octet's word went from 0x0201 to 0x0200.
  const std::size_t csum = kEthernetHeaderSize + kIpv6HeaderSize + 2;
  std::uint32_t c = static_cast<std::uint32_t>(b[csum] << 8 | b[csum + 1]) + 1;
  c = (c & 0xffff) + (c >> 16);
  b[csum] = static_cast<std::uint8_t>(c >> 8);
  b[csum + 1] = static_cast<std::uint8_t>(c);
  EXPECT_EQ(parse_neighbor_advert_frame(b).error(), FrameError::kBadOption);
}

}  // namespace
}  // namespace vipd::l2::wire
