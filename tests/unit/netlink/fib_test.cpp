// What the Fib writes for Loc-RIB changes, with the null backend recording the requests.
#include <gtest/gtest.h>

#include "event/sim_clock.hpp"
#include "fib_test_util.hpp"
#include "netlink/fib.hpp"

namespace vipd::netlink {
namespace {

using test::gateways;
using test::ips;
using test::RecordingFib;

Prefix pfx(const char* s) {
  return *Prefix::parse(s);
}

TEST(Fib, InstallsEveryNextHopBestFirstThenReplacesAndDeletes) {
  test::Changes c;
  RecordingFib fib;
  fib.apply({c.route("10.47.40.1/32", {"192.168.12.13", "192.168.12.11", "192.168.12.12"})});
  ASSERT_EQ(fib.written.size(), 1u);
  EXPECT_EQ(fib.written[0].op, RouteOp::kReplace);
  EXPECT_EQ(fib.written[0].route.prefix, pfx("10.47.40.1/32"));
  EXPECT_EQ(fib.written[0].route.protocol, kRouteProtocol);
  EXPECT_EQ(gateways(fib.written[0].route.next_hops),
            ips({"192.168.12.13", "192.168.12.11", "192.168.12.12"}));
  ASSERT_EQ(fib.routes().size(), 1u);
  EXPECT_TRUE(fib.routes().begin()->second.installed);

  fib.apply({c.route("10.47.40.1/32", {"192.168.12.13", "192.168.12.12"})});
  ASSERT_EQ(fib.written.size(), 2u);
  EXPECT_EQ(fib.written[1].op, RouteOp::kReplace);
  EXPECT_EQ(gateways(fib.written[1].route.next_hops), ips({"192.168.12.13", "192.168.12.12"}));

  fib.apply({c.removed("10.47.40.1/32")});
  ASSERT_EQ(fib.written.size(), 3u);
  EXPECT_EQ(fib.written[2].op, RouteOp::kDelete);
  EXPECT_TRUE(fib.written[2].route.next_hops.empty());
  EXPECT_TRUE(fib.routes().empty());
  EXPECT_EQ(fib.installs(), 2u);
  EXPECT_EQ(fib.deletes(), 1u);
}

TEST(Fib, UnchangedNextHopsAreNotRewrittenAndUnknownRemovalsIgnored) {
  test::Changes c;
  RecordingFib fib;
  fib.apply({c.route("10.0.0.0/8", {"192.0.2.1"})});
  // The same next hops with other attributes (a new MED, say) change nothing in the kernel.
  fib.apply({c.route("10.0.0.0/8", {"192.0.2.1"}), c.removed("10.1.0.0/16")});
  EXPECT_EQ(fib.written.size(), 1u);
}

TEST(Fib, RepeatedAndForeignFamilyNextHopsAreSkippedAndCapped) {
  test::Changes c;
  RecordingFib fib;
  fib.set_max_next_hops(2);
  fib.apply({c.route("10.0.0.0/8", {"192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.3"})});
  ASSERT_EQ(fib.written.size(), 1u);
  EXPECT_EQ(gateways(fib.written[0].route.next_hops), ips({"192.0.2.1", "192.0.2.2"}));

  // An IPv6 route whose only next hop is IPv4 cannot be a plain kernel gateway: not installed,
  // and an installed one is deleted.
  fib.apply({c.route("2001:db8::/32", {"fd00::1"})});
  bgp::rib::Change v4_next_hop = c.route("2001:db8::/32", {"fd00::1"});
  bgp::wire::PathAttributes a = *v4_next_hop.paths[0].attrs;
  a.mp_reach->next_hop = IpAddress::parse("192.0.2.9");
  bgp::rib::AttributeStore store;
  v4_next_hop.paths[0].attrs = store.intern(a);
  fib.apply({v4_next_hop});
  ASSERT_EQ(fib.written.size(), 3u);
  EXPECT_EQ(fib.written[2].op, RouteOp::kDelete);
  EXPECT_FALSE(fib.routes().contains(pfx("2001:db8::/32")));
}

TEST(Fib, RefusedRouteIsMarkedAndRetriedOnTheNextChange) {
  test::Changes c;
  RecordingFib fib;
  fib.refuse[pfx("10.9.0.0/16")] = ENETUNREACH;
  fib.apply({c.route("10.9.0.0/16", {"198.51.100.1"}), c.route("10.8.0.0/16", {"192.0.2.1"})});
  EXPECT_EQ(fib.failures(), 1u);
  const FibEntry& refused = fib.routes().at(pfx("10.9.0.0/16"));
  EXPECT_FALSE(refused.installed);
  EXPECT_NE(refused.error.find("unreachable"), std::string::npos) << refused.error;
  EXPECT_TRUE(fib.routes().at(pfx("10.8.0.0/16")).installed);
  fib.refuse.clear();
  fib.apply({c.route("10.9.0.0/16", {"198.51.100.1"})});
  EXPECT_EQ(fib.written.size(), 3u);
  EXPECT_TRUE(fib.routes().at(pfx("10.9.0.0/16")).installed);
}

TEST(Fib, DeletingARouteTheKernelNoLongerHasIsNoFailure) {
  test::Changes c;
  RecordingFib fib;
  fib.apply({c.route("10.9.0.0/16", {"192.0.2.1"})});
  fib.refuse[pfx("10.9.0.0/16")] = ESRCH;
  fib.apply({c.removed("10.9.0.0/16")});
  EXPECT_EQ(fib.failures(), 0u);
}

TEST(Fib, RemoveAllDeletesEveryInstalledRoute) {
  test::Changes c;
  event::SimClock clock;
  NullFib fib(&clock);
  fib.apply({c.route("10.47.40.0/32", {"192.0.2.1", "192.0.2.2"}),
             c.route("10.47.40.1/32", {"192.0.2.1"}), c.route("2001:db8::1/128", {"fd00::2"})});
  EXPECT_EQ(fib.routes().at(pfx("10.47.40.0/32")).since, clock.now());
  EXPECT_EQ(fib.requests(), 3u);
  fib.remove_all();
  EXPECT_EQ(fib.requests(), 6u);
  EXPECT_EQ(fib.deletes(), 3u);
  EXPECT_TRUE(fib.routes().empty());
  EXPECT_EQ(fib.name(), "null");
}

}  // namespace
}  // namespace vipd::netlink
