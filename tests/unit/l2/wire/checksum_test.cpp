#include "l2/wire/checksum.hpp"

#include <gtest/gtest.h>

namespace vipd::l2::wire {
namespace {

TEST(InternetChecksum, Rfc1071Example) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
  EXPECT_EQ(internet_checksum(from_hex("0001f203f4f5f6f7")), 0x220d);
}

TEST(InternetChecksum, Ipv4HeaderAndVerification) {
  // A textbook IPv4 header (checksum field zero) and the same header carrying its checksum.
  const Bytes header = from_hex("450000730000400040110000c0a80001c0a800c7");
  EXPECT_EQ(internet_checksum(header), 0xb861);
  EXPECT_EQ(internet_checksum(from_hex("45000073000040004011b861c0a80001c0a800c7")), 0);
}

TEST(InternetChecksum, OddSpansAreJoinedAsOneBuffer) {
  const Bytes all = from_hex("0102030405060708090a0b");
  InternetChecksum split;
  split.add(ByteSpan(all).subspan(0, 3));
  split.add(ByteSpan(all).subspan(3, 1));
  split.add(ByteSpan(all).subspan(4, 5));
  split.add(ByteSpan(all).subspan(9));
  EXPECT_EQ(split.finish(), internet_checksum(all));
  // An odd trailing octet is padded with zero (RFC 1071 §4.1): 0x0b00.
  EXPECT_EQ(internet_checksum(from_hex("0b")), static_cast<std::uint16_t>(~0x0b00));
}

TEST(InternetChecksum, EmptyAndCarryFolding) {
  EXPECT_EQ(internet_checksum({}), 0xffff);
  // 0xffff + 0xffff + 0x0002 folds twice.
  EXPECT_EQ(internet_checksum(from_hex("ffffffff0002")), static_cast<std::uint16_t>(~0x0002));
}

TEST(InternetChecksum, PseudoHeaders) {
  const IpAddress v4src = *IpAddress::parse("192.168.5.2");
  const IpAddress v4dst = *IpAddress::parse("224.0.0.18");
  InternetChecksum a;
  a.add_pseudo_header(v4src, v4dst, 112, 12);
  InternetChecksum b;
  b.add(from_hex("c0a80502e0000012007000 0c"));
  EXPECT_EQ(a.finish(), b.finish());

  const IpAddress v6src = *IpAddress::parse("fe80::2");
  const IpAddress v6dst = *IpAddress::parse("ff02::12");
  InternetChecksum c;
  c.add_pseudo_header(v6src, v6dst, 112, 40);
  InternetChecksum d;
  d.add(
      from_hex("fe800000000000000000000000000002ff020000000000000000000000000012"
               "00000028 00000070"));
  EXPECT_EQ(c.finish(), d.finish());
}

}  // namespace
}  // namespace vipd::l2::wire
