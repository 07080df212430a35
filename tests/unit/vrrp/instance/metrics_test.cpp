// The VRRP instances' metric families (src/vrrp/metrics.cpp) on the SimClock: state, counters
// and the takeover time of RFC 5798 §6.4.2 after a master dies and after one hands over.
#include "vrrp/metrics.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

const metrics::Labels kVi1{{"instance", "VI_1"},
                           {"interface", "eth0"},
                           {"vrid", "51"},
                           {"family", "ipv4"},
                           {"source", "keepalived.conf"}};

metrics::Families scrape_vrrp(const VrrpModule& module) {
  metrics::Families families;
  collect_metrics(module, "keepalived.conf", families);
  return families;
}

TEST(VrrpMetrics, StateCountersAndTakeoverAfterTheMasterDies) {
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  h.clock.advance(4s);
  auto master = scrape_vrrp(h.module);
  EXPECT_EQ(master.value("vipd_vrrp_state", kVi1), 2);
  EXPECT_EQ(master.value("vipd_vrrp_master", kVi1), 1);
  EXPECT_EQ(master.value("vipd_vrrp_priority", kVi1), 100);
  EXPECT_EQ(master.value("vipd_vrrp_became_master_total", kVi1), 1);
  // Init -> Backup -> Master, without an advert heard: no takeover to time.
  EXPECT_EQ(master.value("vipd_vrrp_transitions_total", kVi1), 2);
  EXPECT_EQ(master.find("vipd_vrrp_last_takeover_seconds"), nullptr);
  EXPECT_EQ(master.find("vipd_vrrp_state")->type, prometheus::MetricType::Gauge);
  EXPECT_EQ(master.find("vipd_vrrp_transitions_total")->type, prometheus::MetricType::Counter);

  PeerAdvert peer;
  peer.priority = 150;
  h.deliver(peer.packet());
  auto backup = scrape_vrrp(h.module);
  EXPECT_EQ(backup.value("vipd_vrrp_state", kVi1), 1);
  EXPECT_EQ(backup.value("vipd_vrrp_master", kVi1), 0);
  EXPECT_EQ(backup.value("vipd_vrrp_released_master_total", kVi1), 1);
  EXPECT_EQ(backup.value("vipd_vrrp_adverts_received_total", kVi1), 1);

  // The other master dies: Master_Down_Interval = 3 x 1 s + Skew_Time (256 - 100) / 256 s.
  h.clock.advance(5s);
  auto again = scrape_vrrp(h.module);
  EXPECT_EQ(again.value("vipd_vrrp_state", kVi1), 2);
  EXPECT_EQ(again.value("vipd_vrrp_became_master_total", kVi1), 2);
  EXPECT_EQ(again.value("vipd_vrrp_transitions_total", kVi1), 4);
  ASSERT_TRUE(again.value("vipd_vrrp_last_takeover_seconds", kVi1));
  EXPECT_NEAR(*again.value("vipd_vrrp_last_takeover_seconds", kVi1), 3 + 156.0 / 256, 0.002);
}

TEST(VrrpMetrics, TakeoverAfterAHandoverIsTheSkewTime) {
  Harness h;
  h.module.apply(parse(seed_instance(100)));
  PeerAdvert peer;
  peer.priority = 150;
  h.deliver(peer.packet());
  h.clock.advance(500ms);
  h.deliver(peer.packet());
  ASSERT_EQ(h.instance().state(), fsm::State::kBackup);
  // RFC 5798 §6.4.2: a priority 0 advert sets Master_Down_Timer to Skew_Time.
  peer.priority = 0;
  h.deliver(peer.packet());
  h.clock.advance(2s);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  auto f = scrape_vrrp(h.module);
  EXPECT_NEAR(*f.value("vipd_vrrp_last_takeover_seconds", kVi1), 156.0 / 256, 0.002);
  EXPECT_EQ(f.value("vipd_vrrp_priority_zero_received_total", kVi1), 1);
}

TEST(VrrpMetrics, StateNumbersAreKeepalivedsAndTheFamilyExistsWithoutInstances) {
  EXPECT_EQ(state_number(fsm::State::kInitialize), 0);
  EXPECT_EQ(state_number(fsm::State::kBackup), 1);
  EXPECT_EQ(state_number(fsm::State::kMaster), 2);
  EXPECT_EQ(state_number(fsm::State::kFault), 3);
  EXPECT_EQ(state_number(fsm::State::kStop), 4);
  Harness h;
  auto f = scrape_vrrp(h.module);
  ASSERT_NE(f.find("vipd_vrrp_state"), nullptr);
  EXPECT_TRUE(f.find("vipd_vrrp_state")->metric.empty());
}

}  // namespace
}  // namespace vipd::vrrp::testing
