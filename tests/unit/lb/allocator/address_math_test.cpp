#include "lb/allocator/address_math.hpp"

#include <gtest/gtest.h>

namespace vipd::lb::address_math {
namespace {

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

TEST(LbAddressMath, IntegersRoundTripInBothFamilies) {
  for (const char* text : {"0.0.0.0", "10.47.40.1", "255.255.255.255", "::", "2001:db8::1",
                           "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    auto address = ip(text);
    EXPECT_EQ(from_integer(address.family(), to_integer(address)), address) << text;
  }
  EXPECT_EQ(to_integer(ip("10.0.1.2")), Uint128{0x0a000102});
  EXPECT_EQ(to_integer(ip("::1:0")), Uint128{0x10000});
  EXPECT_EQ(static_cast<std::uint64_t>(to_integer(ip("2001:db8::")) >> 64), 0x20010db800000000u);
}

TEST(LbAddressMath, RangeSizeSaturatesOnlyForTheWholeIpv6Space) {
  EXPECT_EQ(range_size(ip("10.0.0.0"), ip("10.0.0.255")), Uint128{256});
  EXPECT_EQ(range_size(ip("0.0.0.0"), ip("255.255.255.255")), Uint128{1} << 32);
  EXPECT_EQ(range_size(ip("2001:db8::"), ip("2001:db8::ffff:ffff:ffff:ffff")), Uint128{1} << 64);
  EXPECT_EQ(range_size(ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), kUint128Max);
  EXPECT_EQ(saturate_to_uint64(Uint128{1} << 64), UINT64_MAX);
  EXPECT_EQ(saturate_to_uint64(Uint128{12}), 12u);
}

TEST(LbAddressMath, RangeContainsOnlyItsOwnFamily) {
  EXPECT_TRUE(range_contains(ip("10.0.0.5"), ip("10.0.0.9"), ip("10.0.0.9")));
  EXPECT_FALSE(range_contains(ip("10.0.0.5"), ip("10.0.0.9"), ip("10.0.0.10")));
  EXPECT_FALSE(range_contains(ip("0.0.0.0"), ip("255.255.255.255"), ip("::1")));
}

TEST(LbAddressMath, BuggyFirmwareAddressesAreDotZeroAndDotTwoFiftyFiveOfIpv4) {
  EXPECT_TRUE(confuses_buggy_firmware(ip("10.0.0.0")));
  EXPECT_TRUE(confuses_buggy_firmware(ip("10.0.0.255")));
  EXPECT_FALSE(confuses_buggy_firmware(ip("10.0.0.1")));
  EXPECT_FALSE(confuses_buggy_firmware(ip("2001:db8::")));
  EXPECT_EQ(count_buggy_firmware_addresses(ip("10.0.0.0"), ip("10.0.3.255")), 8u);
  EXPECT_EQ(count_buggy_firmware_addresses(ip("10.0.0.1"), ip("10.0.0.254")), 0u);
  EXPECT_EQ(count_buggy_firmware_addresses(ip("10.0.0.254"), ip("10.0.1.1")), 2u);
  EXPECT_EQ(count_buggy_firmware_addresses(ip("0.0.0.0"), ip("0.0.0.0")), 1u);
  EXPECT_EQ(count_buggy_firmware_addresses(ip("2001:db8::"), ip("2001:db8::ffff")), 0u);
}

}  // namespace
}  // namespace vipd::lb::address_math
