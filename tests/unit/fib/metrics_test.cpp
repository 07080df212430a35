// The kernel route table's metric families (src/fib/metrics.cpp): routes in the kernel by the
// selected source and family (every pair present, 0 when empty), held-back prefixes, writes.
#include "fib/metrics.hpp"

#include <gtest/gtest.h>

#include "fib_test_util.hpp"

namespace vipd::fib::test {
namespace {

double kernel_route_count(const metrics::Families& f, const char* source, const char* afi) {
  return f.value("vipd_kernel_routes", {{"source", source}, {"afi", afi}}).value_or(-1);
}

TEST(FibMetrics, RoutesBySelectedSourceAndFamilyAndWrites) {
  RecordingFib fib;
  apply(fib,
        {route("10.47.40.1/32", {"192.168.12.11"}), route("10.47.40.2/32", {"192.168.12.12"}),
         route("2001:db8::/48", {"fd00::2"}),
         // Also BGP's, but the load balancer's own route wins (distance 10 < 20).
         route("10.47.40.1/32", {"192.168.12.1"}, Source::kLoadBalancer, distance::kLoadBalancer)});
  fib.refuse[pfx("10.47.40.3/32")] = 22;
  apply(fib, {route("10.47.40.3/32", {"192.168.12.13"})});
  metrics::Families f;
  collect_metrics(fib, f);
  EXPECT_EQ(kernel_route_count(f, "bgp", "ipv4"), 1);
  EXPECT_EQ(kernel_route_count(f, "lb", "ipv4"), 1);
  EXPECT_EQ(kernel_route_count(f, "bgp", "ipv6"), 1);
  EXPECT_EQ(kernel_route_count(f, "static", "ipv6"), 0);
  EXPECT_EQ(kernel_route_count(f, "connected", "ipv4"), 0);
  EXPECT_EQ(f.value("vipd_kernel_routes_not_installed", {}), 1);
  EXPECT_EQ(f.value("vipd_kernel_route_writes_total", {}), static_cast<double>(fib.installs()));
  EXPECT_EQ(f.value("vipd_kernel_route_failures_total", {}), 1);
  EXPECT_EQ(f.find("vipd_kernel_route_writes_total")->type, prometheus::MetricType::Counter);
  EXPECT_EQ(f.find("vipd_kernel_routes")->metric.size(), 8u);
}

}  // namespace
}  // namespace vipd::fib::test
