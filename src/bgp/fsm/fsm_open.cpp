// RFC 4271 §8.2.2: the states in which our OPEN has been sent (OpenSent, OpenConfirm,
// Established). Errors here are reported to the peer with a NOTIFICATION before the TCP
// connection is dropped (RFC 4271 §6).
#include "bgp/fsm/builder.hpp"

namespace vipd::bgp::fsm::detail {
namespace {

SendNotification cease(std::uint8_t subcode, Bytes data = {}) {
  return SendNotification{wire::error_code::kCease, subcode, std::move(data)};
}

template <typename Err>
SendNotification from_error(const Err& e) {
  return SendNotification{e.code, e.subcode, e.data};
}

// Events handled alike in OpenSent, OpenConfirm and Established; false if not one of them.
bool step_common(Builder& b, const Event& event) {
  if (is_start(event) || is<TcpConnectionInvalid>(event)) return true;  // ignored
  if (is<TcpConnectionValid, TcpCrAcked, TcpConnectionConfirmed>(event)) {
    // "a second TCP connection may be in progress. This second TCP connection is tracked per
    // Call Collision Processing (Section 6.8)": the glue runs it in its own FSM.
    return true;
  }
  if (const auto* stop = std::get_if<ManualStop>(&event)) {
    // Cease, Administrative Shutdown/Reset (RFC 4486 §4) with the RFC 9003 message.
    b.to_idle(DownReason::kManualStop,
              cease(stop->cease_subcode, shutdown_communication(stop->shutdown_message)),
              Counter::kManualStop);
    return true;
  }
  if (const auto* stop = std::get_if<AutomaticStop>(&event)) {
    b.to_idle(DownReason::kAutomaticStop, cease(stop->cease_subcode, stop->data));
    return true;
  }
  if (is<HoldTimerExpires>(event)) {
    b.to_idle(DownReason::kHoldTimerExpired,
              SendNotification{wire::error_code::kHoldTimerExpired, 0, {}});
    return true;
  }
  if (is<OpenCollisionDump>(event)) {
    // RFC 4271 §6.8 / RFC 4486: Cease, Connection Collision Resolution.
    b.to_idle(DownReason::kCollision, cease(wire::cease_subcode::kConnectionCollisionResolution));
    return true;
  }
  if (const auto* err = std::get_if<BgpOpenMsgErr>(&event);
      err && b.from() != State::kEstablished) {
    b.to_idle(DownReason::kNotificationSent, from_error(*err));
    return true;
  }
  if (const auto* err = std::get_if<BgpHeaderErr>(&event)) {
    // In Established RFC 4271 §8.2.2 lists Event 21 among the FSM errors, but §6.1 requires the
    // Message Header Error NOTIFICATION for a bad header in any state; FRR and BIRD send the
    // header error, and so do we.
    b.to_idle(DownReason::kNotificationSent, from_error(*err));
    return true;
  }
  if (is<NotifMsgVerErr>(event)) {
    // OpenSent/OpenConfirm: Idle without incrementing the counter (version negotiation,
    // RFC 4271 §7). Established: counter incremented.
    b.to_idle(DownReason::kNotificationReceived, std::nullopt,
              b.from() == State::kEstablished ? Counter::kIncrement : Counter::kKeep);
    return true;
  }
  if (is<NotifMsg>(event)) {
    // OpenConfirm and Established: Idle, counter incremented, no NOTIFICATION. RFC 4271 lists
    // Event 25 among the FSM errors in OpenSent, but answering a NOTIFICATION with one is
    // pointless (the peer closes the connection after sending it, §6); FRR, BIRD and OpenBGPD
    // do not, and neither do we.
    b.to_idle(DownReason::kNotificationReceived);
    return true;
  }
  if (is<TcpConnectionFails>(event) && b.from() != State::kOpenSent) {
    b.to_idle(DownReason::kTcpConnectionFails);
    return true;
  }
  if (is<KeepaliveTimerExpires>(event) && b.from() != State::kOpenSent) {
    // "sends a KEEPALIVE message, restarts the KeepaliveTimer".
    b.emit(SendKeepalive{});
    if (b.next().keepalive_s > 0) {
      b.start_jittered(TimerKind::kKeepalive, Seconds(b.next().keepalive_s));
    }
    return true;
  }
  return false;
}

// RFC 6608 §4: messages that are unexpected in a state get that state's subcode; events that
// are not messages (timers) get 0 Unspecified Error.
bool is_message(const Event& event) {
  return is<BgpOpen, BgpOpenMsgErr, KeepAliveMsg, UpdateMsg, UpdateMsgErr>(event);
}

}  // namespace

// RFC 4271 §8.2.2, OpenSent state.
void step_open_sent(Builder& b, const Event& event) {
  if (step_common(b, event)) return;
  SessionState& s = b.next();
  if (is<TcpConnectionFails>(event)) {
    // "closes the BGP connection, restarts the ConnectRetryTimer, continues to listen for a
    // connection that may be initiated by the remote BGP peer, and changes its state to
    // Active". The 4-minute hold timer goes with the connection.
    b.emit(DropTcpConnection{});
    b.stop(TimerKind::kHold);
    b.restart_connect_retry();
    b.go(State::kActive);
    return;
  }
  if (const auto* open = std::get_if<BgpOpen>(&event)) {
    // Collision detection (§6.8) has been done by the glue before this event.
    // "sets the BGP ConnectRetryTimer to zero, sends a KEEPALIVE message, and sets a
    // KeepaliveTimer ... sets the HoldTimer according to the negotiated value (see Section
    // 4.2) ... If the negotiated hold time value is zero, then the HoldTimer and
    // KeepaliveTimer are not started."
    s.peer_hold_time_s = open->peer_hold_time_s;
    s.peer_bgp_identifier = open->peer_bgp_identifier;
    s.peer_asn = open->peer_asn;
    s.hold_time_s = negotiate_hold_time(b.config().hold_time, open->peer_hold_time_s);
    s.keepalive_s = negotiate_keepalive(b.config().keepalive, s.hold_time_s);
    b.stop(TimerKind::kConnectRetry);
    b.emit(SendKeepalive{});
    if (s.hold_time_s > 0) {
      b.start_jittered(TimerKind::kKeepalive, Seconds(s.keepalive_s));
      b.start(TimerKind::kHold, Seconds(s.hold_time_s));
    } else {
      b.stop(TimerKind::kHold);
    }
    b.go(State::kOpenConfirm);
    return;
  }
  if (is<UpdateSent, IdleHoldResetTimerExpires>(event)) return;  // Established only
  // "In response to any other event (Events 9, 11-13, 20, 25-28)": FSM Error.
  b.fsm_error(is_message(event) ? wire::fsm_subcode::kUnexpectedInOpenSent
                                : wire::fsm_subcode::kUnspecified);
}

// RFC 4271 §8.2.2, OpenConfirm state.
void step_open_confirm(Builder& b, const Event& event) {
  if (step_common(b, event)) return;
  const SessionState& s = b.next();
  if (is<KeepAliveMsg>(event)) {
    // "restarts the HoldTimer and changes its state to Established".
    if (s.hold_time_s > 0) b.start(TimerKind::kHold, Seconds(s.hold_time_s));
    b.start(TimerKind::kIdleHoldReset, b.config().idle_hold_reset);
    b.emit(SessionEstablished{});
    b.go(State::kEstablished);
    return;
  }
  if (is<UpdateSent, IdleHoldResetTimerExpires>(event)) return;  // Established only
  // A second OPEN on this connection is unexpected: collisions between two connections are
  // resolved by the glue, which signals OpenCollisionDump to the loser (§6.8). "In response
  // to any other event (Events 9, 12-13, 20, 27-28)": FSM Error.
  b.fsm_error(is_message(event) ? wire::fsm_subcode::kUnexpectedInOpenConfirm
                                : wire::fsm_subcode::kUnspecified);
}

// RFC 4271 §8.2.2, Established state.
void step_established(Builder& b, const Event& event) {
  if (step_common(b, event)) return;
  SessionState& s = b.next();
  if (is<KeepAliveMsg>(event)) {
    // "restarts its HoldTimer, if the negotiated HoldTime value is non-zero".
    if (s.hold_time_s > 0) b.start(TimerKind::kHold, Seconds(s.hold_time_s));
    return;
  }
  if (is<UpdateMsg>(event)) {
    // "processes the message, restarts its HoldTimer, if the negotiated HoldTime value is
    // non-zero".
    b.emit(ProcessUpdate{});
    if (s.hold_time_s > 0) b.start(TimerKind::kHold, Seconds(s.hold_time_s));
    return;
  }
  if (const auto* err = std::get_if<UpdateMsgErr>(&event)) {
    b.to_idle(DownReason::kNotificationSent, from_error(*err));
    return;
  }
  if (is<UpdateSent>(event)) {
    // "Each time the local system sends a KEEPALIVE or UPDATE message, it restarts its
    // KeepaliveTimer, unless the negotiated HoldTime value is zero."
    if (s.keepalive_s > 0) b.start_jittered(TimerKind::kKeepalive, Seconds(s.keepalive_s));
    return;
  }
  if (is<IdleHoldResetTimerExpires>(event)) {
    // §8.1.1 damping: the session has been stable; the next failure waits the base time.
    s.next_idle_hold = Milliseconds(0);
    return;
  }
  // "In response to any other event (Events 9, 12-13, 20-22)": FSM Error. That includes an
  // OPEN (valid or not) on an Established connection.
  b.fsm_error(is_message(event) ? wire::fsm_subcode::kUnexpectedInEstablished
                                : wire::fsm_subcode::kUnspecified);
}

}  // namespace vipd::bgp::fsm::detail
