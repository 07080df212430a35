// What the route table writes for the sources' routes, with the null backend recording the
// requests: one route per prefix, of the source with the lowest administrative distance.
#include <gtest/gtest.h>

#include "event/sim_clock.hpp"
#include "fib/fib.hpp"
#include "fib_test_util.hpp"

namespace vipd::fib {
namespace {

using test::pfx;

using netlink::kRouteProtocol;
using netlink::RouteOp;
using test::apply;
using test::gateways;
using test::ips;
using test::RecordingFib;
using test::route;
using test::withdrawn;

TEST(Fib, InstallsEveryNextHopBestFirstThenReplacesAndDeletes) {
  RecordingFib fib;
  apply(fib, {route("10.47.40.1/32", {"192.168.12.13", "192.168.12.11", "192.168.12.12"})});
  ASSERT_EQ(fib.written.size(), 1u);
  EXPECT_EQ(fib.written[0].op, RouteOp::kReplace);
  EXPECT_EQ(fib.written[0].route.prefix, pfx("10.47.40.1/32"));
  EXPECT_EQ(fib.written[0].route.protocol, kRouteProtocol);
  EXPECT_EQ(gateways(fib.written[0].route.next_hops),
            ips({"192.168.12.13", "192.168.12.11", "192.168.12.12"}));
  ASSERT_EQ(fib.routes().size(), 1u);
  EXPECT_TRUE(fib.routes().begin()->second.installed);

  apply(fib, {route("10.47.40.1/32", {"192.168.12.13", "192.168.12.12"})});
  ASSERT_EQ(fib.written.size(), 2u);
  EXPECT_EQ(fib.written[1].op, RouteOp::kReplace);
  EXPECT_EQ(gateways(fib.written[1].route.next_hops), ips({"192.168.12.13", "192.168.12.12"}));

  apply(fib, {withdrawn("10.47.40.1/32")});
  ASSERT_EQ(fib.written.size(), 3u);
  EXPECT_EQ(fib.written[2].op, RouteOp::kDelete);
  EXPECT_TRUE(fib.written[2].route.next_hops.empty());
  EXPECT_TRUE(fib.routes().empty());
  EXPECT_EQ(fib.installs(), 2u);
  EXPECT_EQ(fib.deletes(), 1u);
}

TEST(Fib, UnchangedNextHopsAreNotRewrittenAndUnknownRemovalsIgnored) {
  RecordingFib fib;
  apply(fib, {route("10.0.0.0/8", {"192.0.2.1"})});
  apply(fib, {route("10.0.0.0/8", {"192.0.2.1"}), withdrawn("10.1.0.0/16"),
              withdrawn("10.0.0.0/8", Source::kStatic)});
  EXPECT_EQ(fib.written.size(), 1u);
}

TEST(Fib, KernelNextHopsAreCapped) {
  RecordingFib fib;
  fib.set_max_next_hops(2);
  apply(fib, {route("10.0.0.0/8", {"192.0.2.1", "192.0.2.2", "192.0.2.3"})});
  ASSERT_EQ(fib.written.size(), 1u);
  EXPECT_EQ(gateways(fib.written[0].route.next_hops), ips({"192.0.2.1", "192.0.2.2"}));
  // The entry keeps what the source gave.
  EXPECT_EQ(fib.routes().at(pfx("10.0.0.0/8")).routes.front().next_hops.size(), 3u);
}

TEST(Fib, RefusedRouteIsMarkedAndRetriedOnTheNextChange) {
  RecordingFib fib;
  fib.refuse[pfx("10.9.0.0/16")] = ENETUNREACH;
  apply(fib, {route("10.9.0.0/16", {"198.51.100.1"}), route("10.8.0.0/16", {"192.0.2.1"})});
  EXPECT_EQ(fib.failures(), 1u);
  const FibEntry& refused = fib.routes().at(pfx("10.9.0.0/16"));
  EXPECT_FALSE(refused.installed);
  EXPECT_NE(refused.error.find("unreachable"), std::string::npos) << refused.error;
  EXPECT_TRUE(fib.routes().at(pfx("10.8.0.0/16")).installed);
  fib.refuse.clear();
  apply(fib, {route("10.9.0.0/16", {"198.51.100.1"})});
  EXPECT_EQ(fib.written.size(), 3u);
  EXPECT_TRUE(fib.routes().at(pfx("10.9.0.0/16")).installed);
}

TEST(Fib, DeletingARouteTheKernelNoLongerHasIsNoFailure) {
  RecordingFib fib;
  apply(fib, {route("10.9.0.0/16", {"192.0.2.1"})});
  fib.refuse[pfx("10.9.0.0/16")] = ESRCH;
  apply(fib, {withdrawn("10.9.0.0/16")});
  EXPECT_EQ(fib.failures(), 0u);
}

TEST(Fib, RemoveAllDeletesEveryInstalledRoute) {
  event::SimClock clock;
  NullFib fib(&clock);
  apply(fib, {route("10.47.40.0/32", {"192.0.2.1", "192.0.2.2"}),
              route("10.47.40.1/32", {"192.0.2.1"}), route("2001:db8::1/128", {"fd00::2"}),
              route("10.47.40.1/32", {"192.0.2.9"}, Source::kStatic, distance::kStatic)});
  EXPECT_EQ(fib.routes().at(pfx("10.47.40.0/32")).since, clock.now());
  EXPECT_EQ(fib.requests(), 4u);
  fib.remove_all();
  EXPECT_EQ(fib.requests(), 7u);
  EXPECT_EQ(fib.deletes(), 3u);
  EXPECT_TRUE(fib.routes().empty());
  EXPECT_EQ(fib.name(), "null");
}

// zebra's administrative distance: connected 0, static 1, the load balancer's Service IPs 10,
// eBGP 20, iBGP 200.
TEST(FibSources, TheLowestDistanceIsInstalledAndTheNextTakesOverWhenItWithdraws) {
  RecordingFib fib;
  apply(fib, {route("10.47.40.1/32", {"192.0.2.1", "192.0.2.2"}, Source::kBgp, distance::kIbgp)});
  ASSERT_EQ(fib.written.size(), 1u);
  // A static route for the same prefix wins over BGP's.
  apply(fib, {route("10.47.40.1/32", {"192.0.2.9"}, Source::kStatic, distance::kStatic)});
  ASSERT_EQ(fib.written.size(), 2u);
  EXPECT_EQ(gateways(fib.written[1].route.next_hops), ips({"192.0.2.9"}));
  const FibEntry& e = fib.routes().at(pfx("10.47.40.1/32"));
  ASSERT_EQ(e.routes.size(), 2u);
  EXPECT_EQ(e.routes[0].source, Source::kStatic);
  EXPECT_EQ(fib.selected(e)->source, Source::kStatic);
  // BGP's route changing writes nothing while it is not selected.
  apply(fib, {route("10.47.40.1/32", {"192.0.2.3"}, Source::kBgp, distance::kIbgp)});
  EXPECT_EQ(fib.written.size(), 2u);
  // The static route goes: BGP's is installed, not a delete.
  apply(fib, {withdrawn("10.47.40.1/32", Source::kStatic)});
  ASSERT_EQ(fib.written.size(), 3u);
  EXPECT_EQ(fib.written[2].op, RouteOp::kReplace);
  EXPECT_EQ(gateways(fib.written[2].route.next_hops), ips({"192.0.2.3"}));
  EXPECT_EQ(fib.selected(fib.routes().at(pfx("10.47.40.1/32")))->source, Source::kBgp);
  // Then BGP's goes too: deleted.
  apply(fib, {withdrawn("10.47.40.1/32")});
  ASSERT_EQ(fib.written.size(), 4u);
  EXPECT_EQ(fib.written[3].op, RouteOp::kDelete);
  EXPECT_TRUE(fib.routes().empty());
}

TEST(FibSources, TheLoadBalancerWinsOverBgpAndADistanceChangeReorders) {
  RecordingFib fib;
  apply(fib,
        {route("198.51.100.10/32", {"192.0.2.1"}, Source::kBgp, distance::kEbgp),
         route("198.51.100.10/32", {"192.0.2.5"}, Source::kLoadBalancer, distance::kLoadBalancer)});
  EXPECT_EQ(gateways(fib.kernel_next_hops(fib.routes().at(pfx("198.51.100.10/32")))),
            ips({"192.0.2.5"}));
  EXPECT_EQ(gateways(fib.written.back().route.next_hops), ips({"192.0.2.5"}));
  // Same next hops, another distance (the best path moved to an iBGP peer): nothing to write.
  const auto writes = fib.written.size();
  apply(fib, {route("198.51.100.10/32", {"192.0.2.1"}, Source::kBgp, distance::kIbgp)});
  EXPECT_EQ(fib.written.size(), writes);
  EXPECT_EQ(fib.routes().at(pfx("198.51.100.10/32")).routes.back().distance, distance::kIbgp);
  // A source may also come in below: BGP with distance 1 (no source does; the order is by
  // distance, not by source).
  apply(fib, {route("198.51.100.10/32", {"192.0.2.1"}, Source::kBgp, 1)});
  EXPECT_EQ(gateways(fib.written.back().route.next_hops), ips({"192.0.2.1"}));
}

TEST(FibSources, WithdrawAllTakesOnlyThatSourcesRoutes) {
  RecordingFib fib;
  apply(fib, {route("10.1.0.0/16", {"192.0.2.1"}), route("10.2.0.0/16", {"192.0.2.1"}),
              route("10.2.0.0/16", {"192.0.2.7"}, Source::kStatic, distance::kStatic),
              route("10.3.0.0/16", {"192.0.2.8"}, Source::kStatic, distance::kStatic)});
  fib.written.clear();
  fib.withdraw_all(Source::kBgp);
  // 10.1 deleted; 10.2 was the static route's all along: nothing to write.
  ASSERT_EQ(fib.written.size(), 1u);
  EXPECT_EQ(fib.written[0].op, RouteOp::kDelete);
  EXPECT_EQ(fib.written[0].route.prefix, pfx("10.1.0.0/16"));
  EXPECT_EQ(fib.routes().size(), 2u);
}

TEST(FibSources, UntrackedWithoutClockStampsWithTheSteadyClock) {
  RecordingFib fib;
  apply(fib, {route("10.1.0.0/16", {"192.0.2.1"})});
  EXPECT_LE(fib.routes().begin()->second.since, event::SteadyClock::now());
  EXPECT_EQ(name(Source::kLoadBalancer), "lb");
  EXPECT_EQ(name(Source::kBgp), "bgp");
}

}  // namespace
}  // namespace vipd::fib
