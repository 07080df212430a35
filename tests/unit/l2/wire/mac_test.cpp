#include "l2/wire/mac.hpp"

#include <gtest/gtest.h>

#include "common/ip.hpp"

namespace vipd::l2::wire {
namespace {

TEST(MacAddress, ParseAndFormat) {
  auto mac = MacAddress::parse("02:00:5E:00:01:33");
  ASSERT_TRUE(mac);
  EXPECT_EQ(mac->to_string(), "02:00:5e:00:01:33");
  EXPECT_EQ(MacAddress::parse("02-00-5e-00-01-33"), mac);
  EXPECT_FALSE(mac->is_multicast());
  EXPECT_TRUE(MacAddress::broadcast().is_broadcast());
  EXPECT_TRUE(MacAddress::broadcast().is_multicast());
}

TEST(MacAddress, RejectsMalformedText) {
  EXPECT_FALSE(MacAddress::parse(""));
  EXPECT_FALSE(MacAddress::parse("02:00:5e:00:01"));
  EXPECT_FALSE(MacAddress::parse("02:00:5e:00:01:3g"));
  EXPECT_FALSE(MacAddress::parse("02:00-5e:00:01:33"));
  EXPECT_FALSE(MacAddress::parse("0200:5e:00:01:33:"));
  EXPECT_FALSE(MacAddress::parse("02:00:5e:00:01:333"));
}

TEST(MacAddress, Ipv6MulticastMapping) {
  // RFC 2464 §7.
  EXPECT_EQ(MacAddress::ipv6_multicast(IpAddress::parse("ff02::1")->octets()).to_string(),
            "33:33:00:00:00:01");
  EXPECT_EQ(MacAddress::ipv6_multicast(IpAddress::parse("ff02::1:ff00:12")->octets()).to_string(),
            "33:33:ff:00:00:12");
}

}  // namespace
}  // namespace vipd::l2::wire
