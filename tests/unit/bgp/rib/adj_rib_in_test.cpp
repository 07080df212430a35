#include "bgp/rib/adj_rib_in.hpp"

#include <gtest/gtest.h>

#include "rib_test_util.hpp"

namespace vipd::bgp::rib {
namespace {

using test::P;

TEST(AdjRibIn, CountsPerFamilyAndReplacesImplicitly) {
  AttributeStore store;
  AdjRibIn rib;
  auto a = store.intern(wire::PathAttributes{});
  wire::PathAttributes with_med;
  with_med.med = 5;
  auto b = store.intern(with_med);
  rib.announce(wire::kIpv4Unicast, P("10.47.40.0/32"), a);
  rib.announce(wire::kIpv4Unicast, P("10.47.40.1/32"), a);
  rib.announce(wire::kIpv4Unicast, P("10.47.40.1/32"), b);  // implicit withdraw of a
  rib.announce(wire::kIpv6Unicast, P("2001:db8::/48"), b);
  EXPECT_EQ(rib.count(wire::kIpv4Unicast), 2u);
  EXPECT_EQ(rib.count(wire::kIpv6Unicast), 1u);
  EXPECT_EQ(rib.total(), 3u);
  ASSERT_NE(rib.find(wire::kIpv4Unicast, P("10.47.40.1/32")), nullptr);
  EXPECT_EQ((*rib.find(wire::kIpv4Unicast, P("10.47.40.1/32")))->med, 5u);
  EXPECT_EQ(rib.find(wire::kIpv6Unicast, P("10.47.40.1/32")), nullptr);
}

TEST(AdjRibIn, WithdrawAndClear) {
  AttributeStore store;
  AdjRibIn rib;
  auto a = store.intern(wire::PathAttributes{});
  rib.announce(wire::kIpv4Unicast, P("10.0.0.0/8"), a);
  EXPECT_FALSE(rib.withdraw(wire::kIpv4Unicast, P("10.0.0.0/16")));
  EXPECT_FALSE(rib.withdraw(wire::kIpv6Unicast, P("10.0.0.0/8")));
  EXPECT_TRUE(rib.withdraw(wire::kIpv4Unicast, P("10.0.0.0/8")));
  EXPECT_EQ(rib.total(), 0u);
  rib.announce(wire::kIpv4Unicast, P("10.0.0.0/8"), a);
  rib.clear();
  EXPECT_EQ(rib.count(wire::kIpv4Unicast), 0u);
  a.reset();
  EXPECT_EQ(store.size(), 0u);  // the table released its references
}

// Without soft-reconfiguration inbound a family is not kept: nothing stored, and turning it off
// forgets (and releases) what was.
TEST(AdjRibIn, AFamilyNotKeptStoresNothing) {
  AttributeStore store;
  AdjRibIn rib;
  auto a = store.intern(wire::PathAttributes{});
  rib.announce(wire::kIpv4Unicast, P("10.0.0.0/8"), a);
  rib.announce(wire::kIpv6Unicast, P("2001:db8::/32"), a);
  rib.keep(wire::kIpv4Unicast, false);
  EXPECT_FALSE(rib.kept(wire::kIpv4Unicast));
  EXPECT_TRUE(rib.kept(wire::kIpv6Unicast));
  EXPECT_EQ(rib.count(wire::kIpv4Unicast), 0u);
  EXPECT_EQ(rib.count(wire::kIpv6Unicast), 1u);
  rib.announce(wire::kIpv4Unicast, P("10.1.0.0/16"), a);
  EXPECT_EQ(rib.count(wire::kIpv4Unicast), 0u);
  EXPECT_FALSE(rib.withdraw(wire::kIpv4Unicast, P("10.1.0.0/16")));
  rib.keep(wire::kIpv6Unicast, false);
  a.reset();
  EXPECT_EQ(store.size(), 0u);
  rib.keep(wire::kIpv4Unicast, true);
  rib.announce(wire::kIpv4Unicast, P("10.1.0.0/16"), store.intern(wire::PathAttributes{}));
  EXPECT_EQ(rib.count(wire::kIpv4Unicast), 1u);
}

}  // namespace
}  // namespace vipd::bgp::rib
