#include "vrrp/wire/ipv4.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "test_util.hpp"

namespace vipd::vrrp::wire {
namespace {

using testing::ip;

TEST(Ipv4Packet, ParsesKeepalivedHeader) {
  const Bytes packet = from_hex(fixtures::kV2Pass);
  auto parsed = parse_ipv4_packet(packet);
  ASSERT_TRUE(parsed.ok()) << to_string(parsed.error());
  const Ipv4Header& h = parsed->header;
  EXPECT_EQ(h.header_length, 20);
  EXPECT_EQ(h.tos, kTosNetworkControl);
  EXPECT_EQ(h.total_length, 40);
  EXPECT_EQ(h.identification, 1);
  EXPECT_EQ(h.flags_fragment, 0);
  EXPECT_EQ(h.ttl, 255);
  EXPECT_EQ(h.protocol, kIpProtoVrrp);
  EXPECT_EQ(h.source, ip("192.168.5.2"));
  EXPECT_EQ(h.destination, ip("224.0.0.18"));
  EXPECT_EQ(to_hex(parsed->payload), to_hex(testing::vrrp_part(fixtures::kV2Pass)));
}

TEST(Ipv4Packet, BuildReproducesKeepalivedHeader) {
  const Bytes packet = from_hex(fixtures::kV2Pass);
  auto parsed = parse_ipv4_packet(packet);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(to_hex(build_ipv4_packet(parsed->header, parsed->payload)), to_hex(packet));
}

TEST(Ipv4Packet, OptionsAreSkipped) {
  // IHL 6: four NOP options; header checksum recomputed by hand-rolled build below.
  Bytes packet = from_hex(
      "46c0002c 0001 0000 ff 70 0000 c0a80502 e0000012 01010101"
      "21336401010151bec0a805013131313100000000");
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 24; i += 2)
    sum += static_cast<std::uint32_t>(packet[i] << 8 | packet[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  packet[10] = static_cast<std::uint8_t>(~sum >> 8);
  packet[11] = static_cast<std::uint8_t>(~sum);
  auto parsed = parse_ipv4_packet(packet);
  ASSERT_TRUE(parsed.ok()) << to_string(parsed.error());
  EXPECT_EQ(parsed->header.header_length, 24);
  EXPECT_EQ(parsed->payload.size(), 20u);
  EXPECT_EQ(parsed->payload[0], 0x21);
}

TEST(Ipv4Packet, Errors) {
  const Bytes good = from_hex(fixtures::kV2Pass);
  auto error_of = [](const Bytes& b) { return parse_ipv4_packet(b).error(); };
  for (std::size_t n = 0; n < 20; ++n) {
    EXPECT_EQ(error_of(Bytes(good.begin(), good.begin() + n)), DropCause::kTruncated) << n;
  }
  Bytes b = good;
  b[0] = 0x65;  // version 6
  EXPECT_EQ(error_of(b), DropCause::kBadIpHeader);
  b = good;
  b[0] = 0x44;  // IHL 4 (16 octets)
  EXPECT_EQ(error_of(b), DropCause::kBadIpHeader);
  b = Bytes(good.begin(), good.begin() + 22);
  b[0] = 0x46;  // IHL 6 but only 22 octets
  EXPECT_EQ(error_of(b), DropCause::kTruncated);
  b = good;
  b[8] = 0xfe;  // TTL changed without the checksum
  EXPECT_EQ(error_of(b), DropCause::kBadIpHeader);

  Ipv4Header h = parse_ipv4_packet(good)->header;
  const Bytes payload = testing::vrrp_part(fixtures::kV2Pass);
  h.flags_fragment = 0x2000;  // More Fragments
  EXPECT_EQ(error_of(build_ipv4_packet(h, payload)), DropCause::kBadIpHeader);
  h.flags_fragment = 0x0010;  // a later fragment
  EXPECT_EQ(error_of(build_ipv4_packet(h, payload)), DropCause::kBadIpHeader);
  h.flags_fragment = 0x4000;  // Don't Fragment is fine
  EXPECT_TRUE(parse_ipv4_packet(build_ipv4_packet(h, payload)).ok());

  b = good;
  b.push_back(0);  // received more than Total Length
  EXPECT_EQ(error_of(b), DropCause::kIpLengthMismatch);
  b = Bytes(good.begin(), good.end() - 1);  // received less
  EXPECT_EQ(error_of(b), DropCause::kIpLengthMismatch);
}

}  // namespace
}  // namespace vipd::vrrp::wire
