// fsm::Session on a simulated clock: timers fire exactly when RFC 4271 says, with §10 jitter,
// and the §8.1.1 backoff doubles.
#include "bgp/fsm/session.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "event/sim_clock.hpp"
#include "test_util.hpp"

namespace vipd::bgp::fsm {
namespace {

using namespace std::chrono_literals;
using event::Duration;
using event::TimePoint;
using testing::constant_jitter;
using testing::Strings;

struct Record {
  Duration at;
  std::string action;
};

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() { config_.connect_retry_time = 10s; }

  void make(Jitter jitter = constant_jitter(1.0)) {
    session_ = std::make_unique<Session>(
        clock_, config_,
        [this](const Action& a) {
          log_.push_back({clock_.now() - start_, to_string(a)});
          if (on_action_) on_action_(a);
        },
        std::move(jitter));
  }

  // Start, connect, exchange OPEN (peer hold time `hold`) and KEEPALIVE.
  void establish(std::uint16_t hold = 90) {
    session_->handle(ManualStart{});
    session_->handle(TcpCrAcked{});
    session_->handle(BgpOpen{.peer_hold_time_s = hold, .peer_bgp_identifier = 1});
    session_->handle(KeepAliveMsg{});
    ASSERT_EQ(session_->state(), State::kEstablished);
  }

  std::vector<Duration> times_of(std::string_view action) const {
    std::vector<Duration> out;
    for (const Record& r : log_) {
      if (r.action.starts_with(action)) out.push_back(r.at);
    }
    return out;
  }

  event::SimClock clock_;
  const TimePoint start_ = clock_.now();
  Config config_;
  std::vector<Record> log_;
  std::function<void(const Action&)> on_action_;
  std::unique_ptr<Session> session_;
};

TEST_F(SessionTest, BringUpHandsNonTimerActionsToTheGlue) {
  make();
  establish();
  Strings actions;
  for (const Record& r : log_) actions.push_back(r.action);
  EXPECT_EQ(actions,
            (Strings{"InitiateTcpConnection", "SendOpen", "SendKeepalive", "SessionEstablished"}));
  EXPECT_EQ(session_->stats().established_transitions, 1u);
  EXPECT_EQ(session_->fsm_state().hold_time_s, 90);
  EXPECT_EQ(session_->fsm_state().keepalive_s, 30);
  // Hold and Keepalive timers run, ConnectRetry does not.
  EXPECT_EQ(session_->timer_deadline(TimerKind::kHold), clock_.now() + 90s);
  EXPECT_EQ(session_->timer_deadline(TimerKind::kKeepalive), clock_.now() + 30s);
  EXPECT_FALSE(session_->timer_deadline(TimerKind::kConnectRetry));
}

TEST_F(SessionTest, SilentPeerIsDroppedExactlyAtHoldExpiry) {
  make();
  establish(90);
  clock_.advance(50s);
  session_->handle(KeepAliveMsg{});  // last sign of life at t=50s
  log_.clear();
  clock_.advance(90s - 1ms);
  EXPECT_EQ(session_->state(), State::kEstablished);
  EXPECT_TRUE(times_of("SendNotification").empty());
  clock_.advance(1ms);
  EXPECT_EQ(session_->state(), State::kIdle);
  ASSERT_EQ(times_of("SendNotification(4/0)").size(), 1u);
  EXPECT_EQ(times_of("SendNotification(4/0)")[0], 140s);
  EXPECT_EQ(times_of("SessionDown")[0], 140s);
  const auto& stats = session_->stats();
  EXPECT_EQ(stats.dropped, 1u);
  ASSERT_TRUE(stats.last_error);
  EXPECT_TRUE(stats.last_error->sent);
  EXPECT_EQ(stats.last_error->code, wire::error_code::kHoldTimerExpired);
  EXPECT_EQ(stats.last_reset_reason, DownReason::kHoldTimerExpired);
  EXPECT_EQ(stats.last_reset, start_ + 140s);
  EXPECT_EQ(session_->uptime(), Duration::zero());
}

TEST_F(SessionTest, KeepalivesGoOutEveryJitteredInterval) {
  make(Jitter{});  // the real random RFC 4271 §10 jitter
  establish(90);
  // The peer keeps the session alive.
  for (int i = 0; i < 100; ++i) {
    clock_.advance(20s);
    session_->handle(KeepAliveMsg{});
  }
  const auto sent = times_of("SendKeepalive");
  ASSERT_GT(sent.size(), 60u);  // 2000 s / 30 s at most, / 22.5 s at least
  for (std::size_t i = 1; i < sent.size(); ++i) {
    const Duration interval = sent[i] - sent[i - 1];
    EXPECT_GE(interval, 22500ms);
    EXPECT_LE(interval, 30s);
  }
  EXPECT_EQ(session_->state(), State::kEstablished);
  EXPECT_EQ(session_->uptime(), 2000s);
}

TEST_F(SessionTest, SendingAnUpdateRestartsTheKeepaliveTimer) {
  make();
  establish(90);
  clock_.advance(20s);
  session_->handle(UpdateSent{});
  session_->handle(KeepAliveMsg{});
  clock_.advance(29s);
  EXPECT_EQ(times_of("SendKeepalive").size(), 1u);  // only the one in OpenSent
  clock_.advance(1s);
  EXPECT_EQ(times_of("SendKeepalive").size(), 2u);
  EXPECT_EQ(times_of("SendKeepalive").back(), 50s);
}

TEST_F(SessionTest, ZeroHoldTimeNeverExpires) {
  make();
  establish(0);
  clock_.advance(24h);
  EXPECT_EQ(session_->state(), State::kEstablished);
  EXPECT_EQ(times_of("SendKeepalive").size(), 1u);
  EXPECT_EQ(clock_.armed_timers(), 0u);  // the damping-reset timer has fired too
}

TEST_F(SessionTest, ConnectRetryFiresWithJitter) {
  make(constant_jitter(0.8));
  session_->handle(ManualStart{});
  clock_.advance(30s);
  EXPECT_EQ(times_of("InitiateTcpConnection"), (std::vector<Duration>{0s, 8s, 16s, 24s}));
  EXPECT_EQ(times_of("DropTcpConnection"), (std::vector<Duration>{8s, 16s, 24s}));
}

TEST_F(SessionTest, ConnectRetryWithRandomJitterStaysInRange) {
  make(Jitter{});
  session_->handle(ManualStart{});
  clock_.advance(1000s);
  const auto starts = times_of("InitiateTcpConnection");
  ASSERT_GT(starts.size(), 100u);
  for (std::size_t i = 1; i < starts.size(); ++i) {
    EXPECT_GE(starts[i] - starts[i - 1], 7500ms);
    EXPECT_LE(starts[i] - starts[i - 1], 10s);
  }
}

TEST_F(SessionTest, OpenMustArriveWithinFourMinutes) {
  make();
  session_->handle(ManualStart{});
  session_->handle(TcpCrAcked{});
  clock_.advance(240s - 1ms);
  EXPECT_EQ(session_->state(), State::kOpenSent);
  clock_.advance(1ms);
  EXPECT_EQ(session_->state(), State::kIdle);
  EXPECT_EQ(times_of("SendNotification(4/0)"), (std::vector<Duration>{240s}));
}

// A peer that refuses every connection: the glue reports the failure from inside its
// InitiateTcpConnection handler (re-entrant handle()). Refused attempts are not damped: the
// session waits in Active (still accepting) and retries every ConnectRetry interval.
TEST_F(SessionTest, RefusedConnectionsRetryEveryConnectRetryInterval) {
  config_.connect_retry_time = 5s;
  make();
  on_action_ = [this](const Action& a) {
    if (std::holds_alternative<InitiateTcpConnection>(a)) session_->handle(TcpConnectionFails{});
  };
  session_->handle(ManualStart{});
  EXPECT_EQ(session_->state(), State::kActive);
  clock_.advance(21s);
  EXPECT_EQ(times_of("InitiateTcpConnection"), (std::vector<Duration>{0s, 5s, 10s, 15s, 20s}));
  EXPECT_EQ(session_->state(), State::kActive);
  on_action_ = nullptr;
  session_->handle(ManualStop{});
  EXPECT_EQ(clock_.armed_timers(), 0u);
  session_->handle(ManualStart{});
  session_->handle(TcpConnectionFails{});
  EXPECT_EQ(session_->timer_deadline(TimerKind::kConnectRetry), clock_.now() + 5s);
}

TEST_F(SessionTest, StableSessionResetsTheBackoff) {
  config_.idle_hold_base = 1s;
  config_.idle_hold_max = 60s;
  config_.idle_hold_reset = 100s;
  config_.hold_time = 0s;
  make();
  // Three flaps in a row: the next wait would be 8 s.
  for (int i = 0; i < 3; ++i) {
    establish(0);
    session_->handle(NotifMsg{6, 4, {}});
    clock_.advance(session_->timer_deadline(TimerKind::kIdleHold).value() - clock_.now());
  }
  EXPECT_EQ(session_->fsm_state().next_idle_hold, 8s);
  session_->handle(TcpCrAcked{});
  session_->handle(BgpOpen{.peer_hold_time_s = 0});
  session_->handle(KeepAliveMsg{});
  clock_.advance(99s);
  EXPECT_EQ(session_->fsm_state().next_idle_hold, 8s);
  clock_.advance(1s);
  EXPECT_EQ(session_->fsm_state().next_idle_hold, 0ms);
  session_->handle(TcpConnectionFails{});
  EXPECT_EQ(session_->timer_deadline(TimerKind::kIdleHold), clock_.now() + 1s);
  EXPECT_EQ(session_->stats().established_transitions, 4u);
  EXPECT_EQ(session_->stats().dropped, 4u);
}

TEST_F(SessionTest, ManualStopCancelsEveryTimer) {
  make();
  establish();
  session_->handle(ManualStop{2, "bye"});
  EXPECT_EQ(clock_.armed_timers(), 0u);
  EXPECT_EQ(session_->state(), State::kIdle);
  clock_.advance(1h);
  EXPECT_EQ(session_->state(), State::kIdle);
  EXPECT_EQ(session_->stats().last_reset_reason, DownReason::kManualStop);
}

TEST_F(SessionTest, ReceivedNotificationIsTheLastError) {
  make();
  establish();
  session_->handle(NotifMsg{6, 2, {3, 'b', 'y', 'e'}});
  const auto& err = session_->stats().last_error;
  ASSERT_TRUE(err);
  EXPECT_FALSE(err->sent);
  EXPECT_EQ(err->code, 6);
  EXPECT_EQ(err->subcode, 2);
  EXPECT_EQ(session_->stats().notifications_received, 1u);
  EXPECT_EQ(session_->stats().last_reset_reason, DownReason::kNotificationReceived);
}

TEST_F(SessionTest, StateChangesAreObservedAndTimed) {
  make();
  std::vector<std::pair<State, State>> changes;
  session_->set_state_observer([&](State from, State to) { changes.emplace_back(from, to); });
  session_->handle(ManualStart{});
  clock_.advance(3s);
  session_->handle(TcpCrAcked{});
  EXPECT_EQ(session_->stats().last_state_change, start_ + 3s);
  clock_.advance(2s);
  EXPECT_EQ(session_->time_in_state(), 2s);
  EXPECT_EQ(changes, (std::vector<std::pair<State, State>>{{State::kIdle, State::kConnect},
                                                           {State::kConnect, State::kOpenSent}}));
}

TEST_F(SessionTest, ThrowingCallbackDoesNotWedgeTheSession) {
  make();
  on_action_ = [](const Action& a) {
    if (std::holds_alternative<InitiateTcpConnection>(a)) throw std::runtime_error("no route");
  };
  EXPECT_THROW(session_->handle(ManualStart{}), std::runtime_error);
  EXPECT_EQ(session_->state(), State::kConnect);
  on_action_ = nullptr;
  session_->handle(TcpCrAcked{});
  EXPECT_EQ(session_->state(), State::kOpenSent);
}

TEST_F(SessionTest, GlueMayDestroyTheSessionFromItsCallback) {
  make();
  establish();
  on_action_ = [this](const Action& a) {
    if (std::holds_alternative<SessionDown>(a)) session_.reset();
  };
  session_->handle(HoldTimerExpires{});
  EXPECT_EQ(session_, nullptr);
  EXPECT_EQ(clock_.armed_timers(), 0u);  // its timers went with it
  EXPECT_EQ(log_.back().action, "SessionDown(BGP Notification send (Hold Timer Expired))");
}

}  // namespace
}  // namespace vipd::bgp::fsm
