// Full action lists for the important BGP FSM transitions (RFC 4271 §8.2.2) and the
// peer-oscillation damping of §8.1.1.
#include <gtest/gtest.h>

#include "bgp/fsm/fsm.hpp"
#include "test_util.hpp"

namespace vipd::bgp::fsm {
namespace {

using namespace std::chrono_literals;
using testing::concat;
using testing::constant_jitter;
using testing::idle_stops;
using testing::names;
using testing::Strings;

class FsmTransition : public ::testing::Test {
 protected:
  Transition run(const SessionState& s, const Event& e, double jitter = 1.0) {
    return step(s, e, config_, constant_jitter(jitter));
  }
  SessionState started(State state) {
    SessionState s;
    s.state = state;
    s.admin_up = true;
    return s;
  }
  SessionState negotiated(State state, std::uint16_t hold = 90, std::uint16_t keepalive = 30) {
    SessionState s = started(state);
    s.hold_time_s = hold;
    s.keepalive_s = keepalive;
    return s;
  }
  Config config_;
};

// RFC 4271 §8.2.2 Idle: "starts the ConnectRetryTimer with the initial value, initiates a TCP
// connection ... changes its state to Connect" - the timer reduced by jitter (§10).
TEST_F(FsmTransition, IdleManualStartConnects) {
  const Transition t = run(SessionState{}, ManualStart{}, 0.8);
  EXPECT_EQ(t.state.state, State::kConnect);
  EXPECT_TRUE(t.state.admin_up);
  EXPECT_EQ(t.state.connect_retry_counter, 0u);
  EXPECT_EQ(names(t.actions),
            (Strings{"StartTimer(ConnectRetry, 96000ms)", "InitiateTcpConnection"}));
}

TEST_F(FsmTransition, IdlePassiveStartListensWithConnectRetry) {
  const Transition t = run(SessionState{}, ManualStartPassive{});
  EXPECT_EQ(t.state.state, State::kActive);
  EXPECT_EQ(names(t.actions), (Strings{"StartTimer(ConnectRetry, 120000ms)"}));
}

TEST_F(FsmTransition, NeighborPassiveNeverConnects) {
  config_.passive = true;
  Transition t = run(SessionState{}, ManualStart{});
  EXPECT_EQ(t.state.state, State::kActive);
  EXPECT_TRUE(t.actions.empty());
  // A stray ConnectRetry expiry in Active does not connect either.
  t = run(t.state, ConnectRetryTimerExpires{});
  EXPECT_EQ(t.state.state, State::kActive);
  EXPECT_TRUE(t.actions.empty());
  // OpenSent + TcpConnectionFails goes back to Active without a ConnectRetry timer.
  t = run(started(State::kOpenSent), TcpConnectionFails{});
  EXPECT_EQ(t.state.state, State::kActive);
  EXPECT_EQ(names(t.actions), (Strings{"DropTcpConnection", "StopTimer(Hold)"}));
}

TEST_F(FsmTransition, JitterIsClampedToTheRfcRange) {
  EXPECT_EQ(names(run(SessionState{}, ManualStartPassive{}, 0.1).actions),
            (Strings{"StartTimer(ConnectRetry, 90000ms)"}));
  EXPECT_EQ(names(run(SessionState{}, ManualStartPassive{}, 7.0).actions),
            (Strings{"StartTimer(ConnectRetry, 120000ms)"}));
}

// Connect: "drops the TCP connection, restarts the ConnectRetryTimer, ... initiates a TCP
// connection".
TEST_F(FsmTransition, ConnectRetryInConnectReconnects) {
  const Transition t = run(started(State::kConnect), ConnectRetryTimerExpires{}, 0.75);
  EXPECT_EQ(t.state.state, State::kConnect);
  EXPECT_EQ(names(t.actions), (Strings{"DropTcpConnection", "StartTimer(ConnectRetry, 90000ms)",
                                       "InitiateTcpConnection"}));
}

TEST_F(FsmTransition, ConnectRetryInActiveConnects) {
  const Transition t = run(started(State::kActive), ConnectRetryTimerExpires{});
  EXPECT_EQ(t.state.state, State::kConnect);
  EXPECT_EQ(names(t.actions),
            (Strings{"StartTimer(ConnectRetry, 120000ms)", "InitiateTcpConnection"}));
}

// Connect/Active + Tcp_CR_Acked / TcpConnectionConfirmed: "stops the ConnectRetryTimer ...
// sends an OPEN message ... sets the HoldTimer to a large value" (4 minutes).
TEST_F(FsmTransition, TcpUpSendsOpenWithLargeHoldTimer) {
  for (State from : {State::kConnect, State::kActive}) {
    for (const Event& e : {Event(TcpCrAcked{}), Event(TcpConnectionConfirmed{})}) {
      const Transition t = run(started(from), e);
      EXPECT_EQ(t.state.state, State::kOpenSent);
      EXPECT_EQ(names(t.actions),
                (Strings{"StopTimer(ConnectRetry)", "SendOpen", "StartTimer(Hold, 240000ms)"}));
    }
  }
}

TEST_F(FsmTransition, ConnectTcpFailureWaitsInActive) {
  // Deliberate deviation from RFC 4271 §8.2.2 (Idle), as FRR/OpenBGPD: keep accepting the
  // peer's connection and retry when ConnectRetry fires; no backoff for refused attempts.
  const Transition t = run(started(State::kConnect), TcpConnectionFails{});
  EXPECT_EQ(t.state.state, State::kActive);
  EXPECT_EQ(names(t.actions), (Strings{"DropTcpConnection", "StartTimer(ConnectRetry, 120000ms)"}));
  EXPECT_FALSE(t.state.idle_hold_pending);
  EXPECT_EQ(t.state.connect_retry_counter, started(State::kConnect).connect_retry_counter);
}

TEST_F(FsmTransition, ManualStopInConnectSendsNothing) {
  const Transition t = run(started(State::kConnect), ManualStop{});
  EXPECT_EQ(t.state.state, State::kIdle);
  EXPECT_FALSE(t.state.admin_up);
  EXPECT_EQ(names(t.actions), idle_stops());
}

// OpenSent + BGPOpen: KEEPALIVE, keepalive timer (jittered), negotiated hold timer.
TEST_F(FsmTransition, OpenSentOpenNegotiatesTimers) {
  const Transition t =
      run(started(State::kOpenSent),
          BgpOpen{.peer_hold_time_s = 90, .peer_bgp_identifier = 7, .peer_asn = 65001}, 0.9);
  EXPECT_EQ(t.state.state, State::kOpenConfirm);
  EXPECT_EQ(t.state.hold_time_s, 90);
  EXPECT_EQ(t.state.keepalive_s, 30);
  EXPECT_EQ(t.state.peer_bgp_identifier, 7u);
  EXPECT_EQ(t.state.peer_asn, 65001u);
  EXPECT_EQ(names(t.actions),
            (Strings{"StopTimer(ConnectRetry)", "SendKeepalive", "StartTimer(Keepalive, 27000ms)",
                     "StartTimer(Hold, 90000ms)"}));
}

TEST_F(FsmTransition, OpenSentOpenWithZeroHoldStartsNoTimers) {
  const Transition t = run(started(State::kOpenSent), BgpOpen{.peer_hold_time_s = 0});
  EXPECT_EQ(t.state.state, State::kOpenConfirm);
  EXPECT_EQ(t.state.hold_time_s, 0);
  EXPECT_EQ(t.state.keepalive_s, 0);
  EXPECT_EQ(names(t.actions),
            (Strings{"StopTimer(ConnectRetry)", "SendKeepalive", "StopTimer(Hold)"}));
}

TEST_F(FsmTransition, OpenSentTcpFailureGoesActive) {
  const Transition t = run(started(State::kOpenSent), TcpConnectionFails{});
  EXPECT_EQ(t.state.state, State::kActive);
  EXPECT_EQ(names(t.actions), (Strings{"DropTcpConnection", "StopTimer(Hold)",
                                       "StartTimer(ConnectRetry, 120000ms)"}));
}

TEST_F(FsmTransition, OpenSentHoldExpiry) {
  const Transition t = run(started(State::kOpenSent), HoldTimerExpires{});
  EXPECT_EQ(t.state.state, State::kIdle);
  EXPECT_EQ(names(t.actions), concat(concat({"SendNotification(4/0)"}, idle_stops()),
                                     {"StartTimer(IdleHold, 1000ms)"}));
}

// OPEN Message Error passes through the caller's code/subcode/data (§6.2).
TEST_F(FsmTransition, OpenSentOpenErrorSendsCallersNotification) {
  const Transition t = run(started(State::kOpenSent), BgpOpenMsgErr{2, 6, {0x00, 0x01}});
  EXPECT_EQ(names(t.actions)[0], "SendNotification(2/6 0001)");
  EXPECT_EQ(t.state.connect_retry_counter, 1u);
}

TEST_F(FsmTransition, CollisionDumpSendsCeaseSeven) {
  for (State from : {State::kOpenSent, State::kOpenConfirm}) {
    const Transition t = run(negotiated(from), OpenCollisionDump{});
    EXPECT_EQ(t.state.state, State::kIdle);
    EXPECT_EQ(names(t.actions), concat(concat({"SendNotification(6/7)"}, idle_stops()),
                                       {"StartTimer(IdleHold, 1000ms)"}));
  }
}

// RFC 6608: unexpected messages get a state-specific FSM Error subcode.
TEST_F(FsmTransition, UnexpectedMessagesGetRfc6608Subcodes) {
  EXPECT_EQ(names(run(started(State::kOpenSent), UpdateMsg{}).actions)[0], "SendNotification(5/1)");
  EXPECT_EQ(names(run(negotiated(State::kOpenConfirm), UpdateMsg{}).actions)[0],
            "SendNotification(5/2)");
  EXPECT_EQ(names(run(negotiated(State::kEstablished), BgpOpen{}).actions)[0],
            "SendNotification(5/3)");
  EXPECT_EQ(names(run(negotiated(State::kEstablished), ConnectRetryTimerExpires{}).actions)[0],
            "SendNotification(5/0)");
}

TEST_F(FsmTransition, OpenConfirmKeepaliveEstablishes) {
  const Transition t = run(negotiated(State::kOpenConfirm), KeepAliveMsg{});
  EXPECT_EQ(t.state.state, State::kEstablished);
  EXPECT_EQ(names(t.actions),
            (Strings{"StartTimer(Hold, 90000ms)", "StartTimer(IdleHoldReset, 300000ms)",
                     "SessionEstablished"}));
}

TEST_F(FsmTransition, OpenConfirmKeepaliveTimerSendsKeepalive) {
  const Transition t = run(negotiated(State::kOpenConfirm), KeepaliveTimerExpires{}, 1.0);
  EXPECT_EQ(t.state.state, State::kOpenConfirm);
  EXPECT_EQ(names(t.actions), (Strings{"SendKeepalive", "StartTimer(Keepalive, 30000ms)"}));
}

TEST_F(FsmTransition, OpenConfirmNotificationGoesIdleSilently) {
  const Transition t = run(negotiated(State::kOpenConfirm), NotifMsg{6, 2, {}});
  EXPECT_EQ(t.state.state, State::kIdle);
  EXPECT_EQ(names(t.actions), concat(idle_stops(), {"StartTimer(IdleHold, 1000ms)"}));
}

TEST_F(FsmTransition, EstablishedMessagesRestartHoldTimer) {
  const SessionState s = negotiated(State::kEstablished);
  EXPECT_EQ(names(run(s, KeepAliveMsg{}).actions), (Strings{"StartTimer(Hold, 90000ms)"}));
  EXPECT_EQ(names(run(s, UpdateMsg{}).actions),
            (Strings{"ProcessUpdate", "StartTimer(Hold, 90000ms)"}));
  EXPECT_EQ(names(run(s, KeepaliveTimerExpires{}, 0.75).actions),
            (Strings{"SendKeepalive", "StartTimer(Keepalive, 22500ms)"}));
  EXPECT_EQ(names(run(s, UpdateSent{}).actions), (Strings{"StartTimer(Keepalive, 30000ms)"}));
  for (const Event& e : {Event(KeepAliveMsg{}), Event(UpdateMsg{}), Event(UpdateSent{})}) {
    EXPECT_EQ(run(s, e).state, s);
  }
}

TEST_F(FsmTransition, EstablishedWithZeroHoldTimeHasNoTimers) {
  const SessionState s = negotiated(State::kEstablished, 0, 0);
  EXPECT_TRUE(run(s, KeepAliveMsg{}).actions.empty());
  EXPECT_EQ(names(run(s, UpdateMsg{}).actions), (Strings{"ProcessUpdate"}));
  EXPECT_TRUE(run(s, UpdateSent{}).actions.empty());
}

TEST_F(FsmTransition, EstablishedHoldExpiry) {
  const Transition t = run(negotiated(State::kEstablished), HoldTimerExpires{});
  EXPECT_EQ(t.state.state, State::kIdle);
  EXPECT_EQ(names(t.actions), concat(concat({"SendNotification(4/0)"}, idle_stops()),
                                     {"SessionDown(BGP Notification send (Hold Timer Expired))",
                                      "StartTimer(IdleHold, 1000ms)"}));
  EXPECT_EQ(t.state.connect_retry_counter, 1u);
}

// RFC 4486 Administrative Shutdown with an RFC 9003 Shutdown Communication.
TEST_F(FsmTransition, EstablishedManualStopSendsShutdownCommunication) {
  const Transition t = run(negotiated(State::kEstablished), ManualStop{2, "maint"});
  EXPECT_EQ(t.state.state, State::kIdle);
  EXPECT_FALSE(t.state.admin_up);
  EXPECT_FALSE(t.state.idle_hold_pending);
  EXPECT_EQ(names(t.actions), concat(concat({"SendNotification(6/2 056d61696e74)"}, idle_stops()),
                                     {"SessionDown(Admin. shutdown)"}));
}

TEST_F(FsmTransition, AdministrativeResetAndAutomaticStopSubcodes) {
  EXPECT_EQ(names(run(negotiated(State::kEstablished), ManualStop{4, ""}).actions)[0],
            "SendNotification(6/4)");
  EXPECT_EQ(names(run(negotiated(State::kEstablished),
                      AutomaticStop{wire::cease_subcode::kMaxPrefixes, {0, 1, 1, 0, 0, 0, 100}})
                      .actions)[0],
            "SendNotification(6/1 00010100000064)");
}

TEST_F(FsmTransition, EstablishedUpdateErrorSendsCallersNotification) {
  const Transition t = run(negotiated(State::kEstablished), UpdateMsgErr{3, 1, {}});
  EXPECT_EQ(names(t.actions)[0], "SendNotification(3/1)");
  EXPECT_EQ(names(t.actions)[6], "SessionDown(BGP Notification send)");
}

TEST_F(FsmTransition, EstablishedNotificationOrTcpFailureWithdrawsRoutes) {
  EXPECT_EQ(names(run(negotiated(State::kEstablished), NotifMsg{6, 2, {}}).actions),
            concat(idle_stops(),
                   {"SessionDown(BGP Notification received)", "StartTimer(IdleHold, 1000ms)"}));
  EXPECT_EQ(
      names(run(negotiated(State::kEstablished), TcpConnectionFails{}).actions),
      concat(idle_stops(), {"SessionDown(TCP connection closed)", "StartTimer(IdleHold, 1000ms)"}));
}

// ---- §8.1.1 DampPeerOscillations: the IdleHold backoff ----

TEST_F(FsmTransition, IdleHoldExpiryRestartsTheSession) {
  SessionState s = run(started(State::kActive), TcpConnectionFails{}).state;
  s.connect_retry_counter = 3;
  const Transition t = run(s, IdleHoldTimerExpires{});
  EXPECT_EQ(t.state.state, State::kConnect);
  EXPECT_FALSE(t.state.idle_hold_pending);
  EXPECT_EQ(t.state.connect_retry_counter, 3u);  // keeps counting consecutive failures
  EXPECT_EQ(names(t.actions),
            (Strings{"StartTimer(ConnectRetry, 120000ms)", "InitiateTcpConnection"}));
}

TEST_F(FsmTransition, IdleHoldRestartFollowsNeighborPassive) {
  config_.passive = true;
  const SessionState s = run(started(State::kActive), TcpConnectionFails{}).state;
  const Transition t = run(s, IdleHoldTimerExpires{});
  EXPECT_EQ(t.state.state, State::kActive);
  EXPECT_TRUE(t.actions.empty());
}

TEST_F(FsmTransition, BackoffDoublesUpToTheMaximum) {
  config_.idle_hold_base = 1s;
  config_.idle_hold_max = 10s;
  SessionState s = started(State::kActive);
  Strings waits;
  for (int i = 0; i < 6; ++i) {
    Transition t = run(s, TcpConnectionFails{});  // Active -> Idle, damped
    waits.push_back(names(t.actions).back());
    t = run(t.state, IdleHoldTimerExpires{});  // -> Connect
    t = run(t.state, TcpConnectionFails{});    // -> Active, not damped
    s = t.state;
  }
  EXPECT_EQ(waits, (Strings{"StartTimer(IdleHold, 1000ms)", "StartTimer(IdleHold, 2000ms)",
                            "StartTimer(IdleHold, 4000ms)", "StartTimer(IdleHold, 8000ms)",
                            "StartTimer(IdleHold, 10000ms)", "StartTimer(IdleHold, 10000ms)"}));
}

TEST_F(FsmTransition, LoweredMaximumCapsTheNextWait) {
  config_.idle_hold_max = 10s;
  SessionState s = started(State::kActive);
  s.next_idle_hold = 64s;  // grown under an older, larger maximum
  const Transition t = run(s, TcpConnectionFails{});
  EXPECT_EQ(names(t.actions).back(), "StartTimer(IdleHold, 10000ms)");
  EXPECT_EQ(t.state.next_idle_hold, 10s);
}

TEST_F(FsmTransition, StableSessionAndManualStartResetTheBackoff) {
  SessionState s = negotiated(State::kEstablished);
  s.next_idle_hold = 64s;
  // Established long enough: the reset timer fires.
  EXPECT_EQ(run(s, IdleHoldResetTimerExpires{}).state.next_idle_hold, 0ms);
  // Outside Established it means nothing.
  SessionState c = started(State::kConnect);
  c.next_idle_hold = 64s;
  EXPECT_EQ(run(c, IdleHoldResetTimerExpires{}).state.next_idle_hold, 64s);
  // A manual start forgets earlier failures and cancels a pending wait.
  SessionState idle;
  idle.admin_up = true;
  idle.idle_hold_pending = true;
  idle.next_idle_hold = 64s;
  const Transition t = run(idle, ManualStart{});
  EXPECT_EQ(t.state.next_idle_hold, 0ms);
  EXPECT_EQ(names(t.actions), (Strings{"StopTimer(IdleHold)", "StartTimer(ConnectRetry, 120000ms)",
                                       "InitiateTcpConnection"}));
}

TEST_F(FsmTransition, AutomaticStartDoesNotCutTheDampingWaitShort) {
  SessionState idle;
  idle.admin_up = true;
  idle.idle_hold_pending = true;
  const Transition t = run(idle, AutomaticStart{});
  EXPECT_EQ(t.state, idle);
  EXPECT_TRUE(t.actions.empty());
}

TEST_F(FsmTransition, ManualStopInIdleCancelsTheAutomaticRestart) {
  SessionState idle;
  idle.admin_up = true;
  idle.idle_hold_pending = true;
  const Transition t = run(idle, ManualStop{});
  EXPECT_FALSE(t.state.admin_up);
  EXPECT_FALSE(t.state.idle_hold_pending);
  EXPECT_EQ(names(t.actions), (Strings{"StopTimer(IdleHold)"}));
  // A stale expiry afterwards does nothing.
  EXPECT_TRUE(run(t.state, IdleHoldTimerExpires{}).actions.empty());
}

}  // namespace
}  // namespace vipd::bgp::fsm
