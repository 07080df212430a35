// metrics::Families (src/metrics/families.hpp): families made once and found by name, samples
// of several contributors in one family, the text format prometheus-cpp writes.
#include "metrics/families.hpp"

#include <gtest/gtest.h>

namespace vipd::metrics {
namespace {

TEST(Families, SamplesOfOneNameShareOneFamily) {
  Families f;
  f.gauge("vipd_vrrp_state", "state", {{"instance", "VI_1"}}, 2);
  f.counter("vipd_x_total", "x", {}, 5);
  f.gauge("vipd_vrrp_state", "other help, ignored", {{"instance", "lb-1"}}, 1);
  ASSERT_EQ(f.families().size(), 2u);
  const auto* state = f.find("vipd_vrrp_state");
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->help, "state");
  EXPECT_EQ(state->type, prometheus::MetricType::Gauge);
  EXPECT_EQ(state->metric.size(), 2u);
  EXPECT_EQ(f.value("vipd_vrrp_state", {{"instance", "lb-1"}}), 1);
  EXPECT_EQ(f.value("vipd_x_total", {}), 5);
  EXPECT_EQ(f.value("vipd_vrrp_state", {{"instance", "VI_9"}}), std::nullopt);
  EXPECT_EQ(f.value("nothing", {}), std::nullopt);
}

TEST(Families, LabelOrderDoesNotMatterForLookups) {
  Families f;
  f.gauge("g", "h", {{"peer", "p"}, {"vrf", "default"}}, 1);
  EXPECT_EQ(f.value("g", {{"vrf", "default"}, {"peer", "p"}}), 1);
}

TEST(Families, AnotherTypeUnderAKnownNameIsDropped) {
  Families f;
  f.gauge("g", "h", {}, 1);
  f.counter("g", "h", {{"a", "b"}}, 2);
  EXPECT_EQ(f.find("g")->metric.size(), 1u);
}

TEST(Families, AppendMergesByName) {
  Families a, b;
  a.gauge("g", "h", {{"k", "1"}}, 1);
  b.gauge("g", "h", {{"k", "2"}}, 2);
  b.counter("c_total", "c", {}, 3);
  a.append(std::move(b).take());
  EXPECT_EQ(a.find("g")->metric.size(), 2u);
  EXPECT_EQ(a.value("c_total", {}), 3);
}

TEST(Families, TextFormatHasHelpTypeAndSamples) {
  Families f;
  f.declare("metallb_bgp_session_up", "BGP session state (1 is up, 0 is down)",
            prometheus::MetricType::Gauge);
  f.gauge("metallb_bgp_session_up", "ignored", {{"peer", "10.0.0.2:179"}, {"vrf", "default"}}, 1);
  f.counter("metallb_bgp_updates_total", "Number of BGP UPDATE messages sent",
            {{"peer", "10.0.0.2:179"}, {"vrf", "default"}}, 7);
  EXPECT_EQ(serialize(f.families()),
            "# HELP metallb_bgp_session_up BGP session state (1 is up, 0 is down)\n"
            "# TYPE metallb_bgp_session_up gauge\n"
            "metallb_bgp_session_up{peer=\"10.0.0.2:179\",vrf=\"default\"} 1\n"
            "# HELP metallb_bgp_updates_total Number of BGP UPDATE messages sent\n"
            "# TYPE metallb_bgp_updates_total counter\n"
            "metallb_bgp_updates_total{peer=\"10.0.0.2:179\",vrf=\"default\"} 7\n");
}

TEST(Families, DeclaredFamilyWithoutSamplesStillHasHelpAndType) {
  Families f;
  f.declare("metallb_bfd_session_up", "BFD session state (1 is up, 0 is down)",
            prometheus::MetricType::Gauge);
  EXPECT_EQ(serialize(f.families()),
            "# HELP metallb_bfd_session_up BFD session state (1 is up, 0 is down)\n"
            "# TYPE metallb_bfd_session_up gauge\n");
}

}  // namespace
}  // namespace vipd::metrics
