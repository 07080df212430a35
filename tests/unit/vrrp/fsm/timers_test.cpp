// One VirtualRouter on a simulated clock: every timer fires at the exact RFC 5798 / RFC 3768
// instant (nanosecond precision), with keepalived's preempt_delay, nopreempt and GARP timing.
#include <gtest/gtest.h>

#include "sim_util.hpp"

namespace vipd::vrrp::fsm {
namespace {

using namespace testing;
using event::Duration;

class TimersTest : public ::testing::Test {
 protected:
  void make(const Config& config) {
    sink_ = std::make_unique<RecordingSink>(clock_, start_);
    router_ = std::make_unique<VirtualRouter>(clock_, config, *sink_);
  }
  // Moves the clock to `at` after the start.
  void at(Duration t) { clock_.advance(start_ + t - clock_.now()); }
  Duration now() const { return clock_.now() - start_; }

  event::SimClock clock_;
  const event::TimePoint start_ = clock_.now();
  std::unique_ptr<RecordingSink> sink_;
  std::unique_ptr<VirtualRouter> router_;
};

TEST_F(TimersTest, V2Priority10TakesOverAfterThreeAnd246Over256Seconds) {
  make(seed_config(10));
  router_->start();
  EXPECT_EQ(router_->timer_deadline(TimerKind::kMasterDown), start_ + 3s + 960937500ns);
  at(3s + 960937499ns);
  EXPECT_EQ(router_->state(), State::kBackup);
  at(3s + 960937500ns);
  EXPECT_EQ(router_->state(), State::kMaster);
  EXPECT_EQ(sink_->times_of("SendAdvert(10)"), std::vector<Duration>{3s + 960937500ns});
  // Then one advert per second.
  at(3s + 960937500ns + 3s);
  EXPECT_EQ(sink_->times_of("SendAdvert(10)").size(), 4u);
  EXPECT_EQ(sink_->times_of("SendAdvert(10)").back(), 6s + 960937500ns);
  EXPECT_EQ(router_->stats().became_master, 1u);
  EXPECT_EQ(router_->stats().adverts_sent, 4u);
}

TEST_F(TimersTest, AdvertsFromAMasterHoldTheBackup) {
  make(seed_config(10));
  router_->start();
  for (int i = 1; i <= 10; ++i) {
    at(std::chrono::seconds(i));
    router_->advert_received(100, ip("192.168.5.2"));
  }
  EXPECT_EQ(router_->state(), State::kBackup);
  // The master goes silent after t = 10 s.
  at(13s + 960937499ns);
  EXPECT_EQ(router_->state(), State::kBackup);
  at(13s + 960937500ns);
  EXPECT_EQ(router_->state(), State::kMaster);
}

TEST_F(TimersTest, PriorityZeroTakeoverAfterSkewTime) {
  make(seed_config(10));
  router_->start();
  at(1s);
  router_->advert_received(100, ip("192.168.5.2"));
  at(2s);
  router_->advert_received(0, ip("192.168.5.2"));
  EXPECT_EQ(router_->timer_deadline(TimerKind::kMasterDown), start_ + 2s + 960937500ns);
  at(2s + 960937500ns);
  EXPECT_EQ(router_->state(), State::kMaster);
  EXPECT_EQ(router_->stats().priority_zero_received, 1u);
}

TEST_F(TimersTest, V3LearnsFractionalInterval) {
  Config c = seed_config(100);
  c.version = wire::Version::kV3;
  make(c);
  router_->start();
  // The master advertises every 50 ms (advert_int 0.05).
  for (int i = 1; i <= 20; ++i) {
    at(std::chrono::milliseconds(50 * i));
    router_->advert_received(200, ip("192.168.5.2"), 50ms);
  }
  EXPECT_EQ(router_->fsm_state().master_advert_interval, 50ms);
  // Last advert at 1 s; Master_Down_Interval = 3 * 50 ms + 156 * 50 ms / 256.
  EXPECT_EQ(router_->timer_deadline(TimerKind::kMasterDown), start_ + 1s + 180468750ns);
  at(1s + 180468749ns);
  EXPECT_EQ(router_->state(), State::kBackup);
  at(1s + 180468750ns);
  EXPECT_EQ(router_->state(), State::kMaster);
  // As master it advertises its own 1 s interval again.
  at(1s + 180468750ns + 2s);
  EXPECT_EQ(sink_->times_of("SendAdvert(100)").size(), 3u);
}

TEST_F(TimersTest, V3FractionalIntervalAsMaster) {
  Config c = seed_config(150);
  c.version = wire::Version::kV3;
  c.advert_interval = 50ms;
  make(c);
  router_->start();
  // Master_Down_Interval = 150 ms + 106 * 50 ms / 256 = 170.703125 ms.
  at(170703125ns);
  ASSERT_EQ(router_->state(), State::kMaster);
  at(170703125ns + 1s);
  const auto sends = sink_->times_of("SendAdvert(150)");
  EXPECT_EQ(sends.size(), 21u);  // one on entering MASTER, then every 50 ms
  EXPECT_EQ(sends[1] - sends[0], 50ms);
  EXPECT_EQ(sends.back(), 170703125ns + 1s);
}

TEST_F(TimersTest, PreemptDelayDefersTakeoverFromALowerMaster) {
  Config c = seed_config(100, "192.168.5.2");
  c.preempt_delay = 5s;
  make(c);
  router_->start();
  // A lower-priority master advertises every second from t = 0.3 s.
  for (int i = 0; i < 12 && router_->state() == State::kBackup; ++i) {
    at(300ms + std::chrono::seconds(i));
    if (router_->state() == State::kBackup) router_->advert_received(10, ip("192.168.5.5"));
  }
  // The delay started at 0.3 s and ended at 5.3 s; the advert at 5.3 s came after it and was
  // discarded, so the last accepted one (4.3 s) + 3.609375 s is the takeover.
  EXPECT_EQ(sink_->times_of("LogDetail((VI_1) start preempt delay"), std::vector<Duration>{300ms});
  EXPECT_EQ(sink_->times_of("Log((VI_1) received lower priority"),
            (std::vector<Duration>{5300ms, 6300ms, 7300ms}));
  EXPECT_EQ(sink_->times_of("Log((VI_1) Entering MASTER STATE)"),
            std::vector<Duration>{4300ms + 3609375000ns});
}

TEST_F(TimersTest, WithoutPreemptDelayTheHigherBackupPreemptsAtOnce) {
  make(seed_config(100, "192.168.5.2"));
  router_->start();
  for (int i = 0; i < 5; ++i) {
    at(300ms + std::chrono::seconds(i));
    if (router_->state() == State::kBackup) router_->advert_received(10, ip("192.168.5.5"));
  }
  EXPECT_EQ(sink_->times_of("Log((VI_1) Entering MASTER STATE)"),
            std::vector<Duration>{3609375000ns});
}

TEST_F(TimersTest, NopreemptNeverTakesOverFromALiveMaster) {
  Config c = seed_config(100, "192.168.5.2");
  c.preempt = false;
  make(c);
  router_->start();
  for (int i = 0; i < 30; ++i) {
    at(300ms + std::chrono::seconds(i));
    router_->advert_received(10, ip("192.168.5.5"));
  }
  EXPECT_EQ(router_->state(), State::kBackup);
  at(29s + 300ms + 3609375000ns);
  EXPECT_EQ(router_->state(), State::kMaster);
}

TEST_F(TimersTest, PriorityChangeMovesTheRunningDeadline) {
  make(seed_config(100));
  router_->start();
  at(1s);
  router_->set_priority(50);
  // 3 s + 206/256 s from the start, not from the change.
  EXPECT_EQ(router_->timer_deadline(TimerKind::kMasterDown), start_ + 3s + 804687500ns);
  router_->set_priority(200);
  EXPECT_EQ(router_->timer_deadline(TimerKind::kMasterDown), start_ + 3s + 218750000ns);
}

TEST_F(TimersTest, GarpBurstsAfterBecomingMaster) {
  Config c = seed_config(255);
  c.initial_master = true;
  make(c);
  router_->start();
  at(6s);
  EXPECT_EQ(sink_->times_of("Announce(5)"), (std::vector<Duration>{0s, 5s}));
  EXPECT_EQ(sink_->times_of("SendAdvert(255)").size(), 7u);
}

TEST_F(TimersTest, FaultStopsAdvertsAndRecoveryWaitsAsBackup) {
  make(seed_config(100));
  router_->start();
  at(4s);
  ASSERT_EQ(router_->state(), State::kMaster);
  router_->fault();
  EXPECT_EQ(router_->state(), State::kFault);
  const std::size_t sent = sink_->times_of("SendAdvert").size();
  EXPECT_EQ(sink_->times_of("SendAdvert(0)"), std::vector<Duration>{4s});
  at(10s);
  EXPECT_EQ(sink_->times_of("SendAdvert").size(), sent);
  EXPECT_EQ(clock_.armed_timers(), 0u);
  router_->fault_cleared();
  EXPECT_EQ(router_->state(), State::kBackup);
  at(13s + 609374999ns);
  EXPECT_EQ(router_->state(), State::kBackup);
  at(13s + 609375000ns);
  EXPECT_EQ(router_->state(), State::kMaster);
  EXPECT_EQ(router_->stats().became_master, 2u);
  EXPECT_EQ(router_->stats().released_master, 1u);
}

TEST_F(TimersTest, ShutdownCancelsEveryTimer) {
  make(seed_config(100));
  router_->start();
  at(4s);
  router_->stop();
  EXPECT_EQ(router_->state(), State::kStop);
  EXPECT_EQ(clock_.armed_timers(), 0u);
  EXPECT_EQ(router_->stats().priority_zero_sent, 1u);
  at(20s);
  EXPECT_EQ(sink_->times_of("SendAdvert").back(), 4s);
}

}  // namespace
}  // namespace vipd::vrrp::fsm
