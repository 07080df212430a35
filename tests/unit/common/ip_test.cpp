#include "common/ip.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

namespace vipd {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::parse("192.168.12.11");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->v4_host_order(), 0xc0a80c0bu);
  EXPECT_EQ(v4->to_string(), "192.168.12.11");
  auto v6 = IpAddress::parse("2001:DB8:0:0::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->is_v6());
  EXPECT_EQ(v6->to_string(), "2001:db8::1");
  EXPECT_TRUE(IpAddress::parse("fe80::1")->is_link_local());
  EXPECT_FALSE(IpAddress::parse("2001:db8::1")->is_link_local());
}

TEST(IpAddress, RejectsGarbage) {
  for (const char* bad : {"", "1.2.3", "1.2.3.256", "k3s-node-4", "1.2.3.4 ", "::g", "1.2.3.4/32"})
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
}

TEST(IpAddress, OrdersByFamilyThenOctets) {
  EXPECT_LT(*IpAddress::parse("10.0.0.1"), *IpAddress::parse("10.0.0.2"));
  EXPECT_LT(*IpAddress::parse("255.255.255.255"), *IpAddress::parse("::"));
  std::unordered_set<IpAddress> set{*IpAddress::parse("10.0.0.1"), *IpAddress::parse("10.0.0.1")};
  EXPECT_EQ(set.size(), 1u);
}

TEST(Prefix, ParsesMasksAndContains) {
  auto p = Prefix::parse("10.47.40.7/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->to_string(), "10.47.40.0/24");
  EXPECT_FALSE(Prefix::parse("10.47.40.7/24", /*strict=*/true));
  EXPECT_TRUE(p->contains(*IpAddress::parse("10.47.40.200")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("10.47.41.1")));
  EXPECT_EQ(Prefix::parse("10.47.40.1")->length(), 32);
  EXPECT_EQ(Prefix::parse("2001:db8:1:2::/33")->to_string(), "2001:db8::/33");
  EXPECT_EQ(Prefix::parse("0.0.0.0/0")->length(), 0);
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "/8"})
    EXPECT_FALSE(Prefix::parse(bad)) << bad;
}

}  // namespace
}  // namespace vipd
