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

TEST(Prefix, CoversAgreesWithMaskingEveryLength) {
  auto covers_by_masking = [](const Prefix& outer, const Prefix& inner) {
    return outer.family() == inner.family() && inner.length() >= outer.length() &&
           Prefix(inner.address(), outer.length()) == outer;
  };
  const Prefix inner4 = *Prefix::parse("172.31.200.77/32");
  const Prefix inner6 = *Prefix::parse("2001:db8:8000:1234::1/128");
  int covering = 0;
  for (int length = 0; length <= 128; ++length) {
    for (const Prefix* inner : {&inner4, &inner6}) {
      if (length > static_cast<int>(inner->address().size() * 8)) continue;
      // The prefix itself at this length, and one differing in the last bit it keeps.
      Prefix same(inner->address(), static_cast<std::uint8_t>(length));
      auto octets = inner->address().octets();
      if (length > 0)
        octets[(length - 1) / 8] ^= static_cast<std::uint8_t>(0x80 >> ((length - 1) % 8));
      IpAddress flipped = inner->family() == Family::kIpv4
                              ? IpAddress::v4({octets[0], octets[1], octets[2], octets[3]})
                              : IpAddress::v6(octets);
      Prefix other(flipped, static_cast<std::uint8_t>(length));
      for (const Prefix* outer : {&same, &other}) {
        EXPECT_EQ(outer->covers(*inner), covers_by_masking(*outer, *inner)) << outer->to_string();
        covering += outer->covers(*inner);
      }
      EXPECT_TRUE(same.covers(*inner));
      EXPECT_EQ(other.covers(*inner), length == 0) << other.to_string();
    }
  }
  EXPECT_EQ(covering, 33 + 129 + 2);  // every `same`, and the two /0 `other`s
  EXPECT_FALSE(Prefix::parse("10.0.0.0/8")->covers(*Prefix::parse("::/0")));
  EXPECT_FALSE(Prefix::parse("10.0.0.0/24")->covers(*Prefix::parse("10.0.0.0/16")));
}

}  // namespace
}  // namespace vipd
