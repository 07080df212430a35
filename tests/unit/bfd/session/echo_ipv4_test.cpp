// The IPv4 echo datagram (echo_ipv4.hpp) against a fixture whose checksums were computed
// independently (RFC 1071 / RFC 768 pseudo-header), and the parser's refusals.
#include "bfd/echo_ipv4.hpp"

#include <gtest/gtest.h>

#include "bfd/wire/echo.hpp"

namespace vipd::bfd {
namespace {

const IpAddress kSelf = *IpAddress::parse("192.168.12.11");

Bytes echo_payload() {
  return wire::encode(wire::EchoPacket{0x01020304, std::chrono::microseconds(5'000'006)});
}

// IPv4: TOS 0xc0, length 52, id 0x1234, TTL 255, UDP, checksum 0x0f5e, 192.168.12.11 to itself;
// UDP 3785 -> 3785, length 32, checksum 0x438c; FRR's echo payload.
constexpr const char* kFixture =
    "45c00034 12340000 ff110f5e c0a80c0b c0a80c0b"
    "0ec90ec9 0020438c"
    "01180000 01020304 0000000000000005 0000000000000006";

TEST(BfdEchoIpv4, BuildsAddressedToItself) {
  EXPECT_EQ(to_hex(build_ipv4_echo(kSelf, 3785, 0x1234, echo_payload())),
            to_hex(from_hex(kFixture)));
}

TEST(BfdEchoIpv4, ParsesTheLoopedDatagram) {
  Bytes looped = from_hex(kFixture);
  // The peer's forwarding: TTL 254, header checksum updated (RFC 1624).
  looped[8] = 254;
  looped[10] = 0x10;
  looped[11] = 0x5e;
  auto parsed = parse_ipv4_echo(looped, 3785);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->ttl, 254);
  EXPECT_EQ(parsed->source, kSelf);
  EXPECT_EQ(parsed->destination, kSelf);
  EXPECT_EQ(parsed->payload, echo_payload());
}

TEST(BfdEchoIpv4, RefusesOthers) {
  const Bytes good = from_hex(kFixture);
  EXPECT_FALSE(parse_ipv4_echo(good, 3784));  // another port
  Bytes bad_checksum = good;
  bad_checksum[11] ^= 1;
  EXPECT_FALSE(parse_ipv4_echo(bad_checksum, 3785));
  Bytes fragment = good;
  fragment[6] = 0x20;  // more fragments, with a valid header checksum
  fragment[10] = fragment[11] = 0;
  const std::uint16_t sum = internet_checksum(ByteSpan(fragment.data(), 20));
  fragment[10] = static_cast<std::uint8_t>(sum >> 8);
  fragment[11] = static_cast<std::uint8_t>(sum & 0xff);
  EXPECT_FALSE(parse_ipv4_echo(fragment, 3785));
  fragment[6] = 0;  // the same, unfragmented, passes: the refusal above was the fragment's
  fragment[10] = fragment[11] = 0;
  const std::uint16_t sum2 = internet_checksum(ByteSpan(fragment.data(), 20));
  fragment[10] = static_cast<std::uint8_t>(sum2 >> 8);
  fragment[11] = static_cast<std::uint8_t>(sum2 & 0xff);
  EXPECT_TRUE(parse_ipv4_echo(fragment, 3785));
  EXPECT_FALSE(parse_ipv4_echo(ByteSpan(good.data(), 27), 3785));  // truncated
  Bytes tcp = good;
  tcp[9] = 6;
  EXPECT_FALSE(parse_ipv4_echo(tcp, 3785));
}

}  // namespace
}  // namespace vipd::bfd
