// The Echo packet in FRR bfdd's layout (bfdd/bfd.h struct bfd_echo_pkt): hex fixture, round
// trip, decode errors.
#include "bfd/wire/echo.hpp"

#include <gtest/gtest.h>

namespace vipd::bfd::wire {
namespace {

// Version 1, length 24, reserved, My Discriminator 0x01020304, sent at 5 s + 6 us.
constexpr const char* kFrrEcho = "01 18 0000 01020304 0000000000000005 0000000000000006";

TEST(BfdEchoPacket, EncodesFrrLayout) {
  EchoPacket packet{0x01020304, std::chrono::microseconds(5'000'006)};
  EXPECT_EQ(to_hex(encode(packet)), to_hex(from_hex(kFrrEcho)));
  EXPECT_EQ(encode(packet).size(), kEchoSize);
}

TEST(BfdEchoPacket, DecodesFrrLayout) {
  auto packet = decode_echo(from_hex(kFrrEcho));
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->my_discriminator, 0x01020304u);
  EXPECT_EQ(packet->sent, std::chrono::microseconds(5'000'006));
  // FRR's IPv6 echoes carry no time: zero.
  auto untimed = decode_echo(from_hex("01 18 0000 00000007 0000000000000000 0000000000000000"));
  ASSERT_TRUE(untimed);
  EXPECT_EQ(untimed->sent.count(), 0);
}

TEST(BfdEchoPacket, DecodeErrors) {
  Bytes full = from_hex(kFrrEcho);
  EXPECT_EQ(decode_echo(ByteSpan(full.data(), 23)).error(), EchoDecodeError::kTruncated);
  Bytes bad_version = full;
  bad_version[0] = 2;
  EXPECT_EQ(decode_echo(bad_version).error(), EchoDecodeError::kBadVersion);
  Bytes zero = full;
  zero[4] = zero[5] = zero[6] = zero[7] = 0;
  EXPECT_EQ(decode_echo(zero).error(), EchoDecodeError::kZeroMyDiscriminator);
  // A nonsensical time is no error (it is only ours to read): it reads as zero.
  Bytes huge = full;
  for (int i = 8; i < 16; ++i) huge[i] = 0xff;
  ASSERT_TRUE(decode_echo(huge));
  EXPECT_EQ(decode_echo(huge)->sent.count(), 0);
}

}  // namespace
}  // namespace vipd::bfd::wire
