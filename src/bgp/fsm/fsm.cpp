#include "bgp/fsm/fsm.hpp"

#include <algorithm>
#include <cmath>

#include "bgp/fsm/builder.hpp"

namespace vipd::bgp::fsm {

namespace detail {

void Builder::start_jittered(TimerKind which, Milliseconds duration) {
  double factor = jitter_ ? jitter_() : 1.0;
  if (!(factor >= 0.75)) factor = 0.75;  // also catches NaN
  if (factor > 1.0) factor = 1.0;
  const auto ms =
      static_cast<Milliseconds::rep>(std::llround(static_cast<double>(duration.count()) * factor));
  start(which, Milliseconds(ms));
}

void Builder::restart_connect_retry() {
  if (!config_.passive) start_jittered(TimerKind::kConnectRetry, config_.connect_retry_time);
}

void Builder::start_session(bool passive_event) {
  next_.admin_up = true;
  if (next_.idle_hold_pending) {
    stop(TimerKind::kIdleHold);
    next_.idle_hold_pending = false;
  }
  restart_connect_retry();
  if (passive_event || config_.passive) {
    // RFC 4271 §8.2.2 Idle, events 4/5: listen only and wait in Active. With PassiveTcp-
    // Establishment the ConnectRetry timer still runs and Active connects when it fires;
    // with `neighbor passive` (Config::passive) it is never started.
    go(State::kActive);
  } else {
    emit(InitiateTcpConnection{});
    go(State::kConnect);
  }
}

void Builder::to_idle(DownReason reason, std::optional<SendNotification> notification,
                      Counter counter) {
  if (notification) emit(std::move(*notification));
  // "sets the ConnectRetryTimer to zero", "releases all BGP resources" (which include the hold
  // and keepalive timers and the damping-reset timer).
  stop(TimerKind::kConnectRetry);
  stop(TimerKind::kHold);
  stop(TimerKind::kKeepalive);
  stop(TimerKind::kIdleHoldReset);
  emit(DropTcpConnection{});
  // Established: "deletes all routes associated with this connection".
  if (from_ == State::kEstablished) emit(SessionDown{reason});

  if (counter == Counter::kManualStop) {
    next_.connect_retry_counter = 0;
    next_.admin_up = false;
  } else if (counter == Counter::kIncrement) {
    ++next_.connect_retry_counter;
  }
  next_.hold_time_s = 0;
  next_.keepalive_s = 0;
  go(State::kIdle);

  // RFC 4271 §8.1.1 DampPeerOscillations: wait IdleHoldTime before restarting, doubling it
  // for the next consecutive failure (FRR doubles its start timer the same way).
  if (next_.admin_up) {
    // The cap also applies when the configuration lowered it since the last failure.
    const Milliseconds cap = std::max(config_.idle_hold_max, config_.idle_hold_base);
    const Milliseconds wait = std::min(
        next_.next_idle_hold.count() > 0 ? next_.next_idle_hold : config_.idle_hold_base, cap);
    start(TimerKind::kIdleHold, wait);
    next_.idle_hold_pending = true;
    next_.next_idle_hold = std::min(wait * 2, cap);
  }
}

void Builder::open_sent() {
  stop(TimerKind::kConnectRetry);
  emit(SendOpen{});
  start(TimerKind::kHold, config_.open_hold_time);
  go(State::kOpenSent);
}

void Builder::fsm_error(std::uint8_t subcode) {
  to_idle(DownReason::kFsmError, SendNotification{wire::error_code::kFsm, subcode, {}});
}

// RFC 4271 §8.2.2, Idle state.
void step_idle(Builder& b, const Event& event) {
  SessionState& s = b.next();
  if (is<ManualStart, ManualStartPassive>(event)) {
    // A manual start also forgets earlier failures (no backoff, fresh counter).
    s.next_idle_hold = Milliseconds(0);
    s.connect_retry_counter = 0;
    b.start_session(is<ManualStartPassive>(event));
  } else if (is<AutomaticStart, AutomaticStartPassive>(event)) {
    // An automatic start does not cut a damping wait short (§8.1.1,
    // AutomaticStart_with_DampPeerOscillations): the IdleHold expiry will start the session.
    if (s.idle_hold_pending) return;
    s.connect_retry_counter = 0;
    b.start_session(is<AutomaticStartPassive>(event));
  } else if (is<IdleHoldTimerExpires>(event)) {
    // Event 13: the damping wait is over; restart as configured (active unless
    // `neighbor passive`). ConnectRetryCounter keeps counting consecutive failures.
    if (!s.idle_hold_pending) return;
    s.idle_hold_pending = false;
    if (s.admin_up) b.start_session(false);
  } else if (is<ManualStop>(event)) {
    // "ManualStop ... ignored in the Idle state" - but it must cancel a pending automatic
    // restart, or the session would come back by itself.
    if (s.idle_hold_pending) b.stop(TimerKind::kIdleHold);
    s.idle_hold_pending = false;
    s.admin_up = false;
    s.connect_retry_counter = 0;
  }
  // "Any other event (Events 9-12, 15-28) received in the Idle state does not cause change in
  // the state of the local system." AutomaticStop (8) is ignored likewise.
}

// RFC 4271 §8.2.2, Connect and Active states. With DelayOpen FALSE they differ only in the
// ConnectRetryTimer_Expires event and in TcpConnectionFails, which the RFC handles with or
// without a counter increment.
void step_connect_or_active(Builder& b, const Event& event) {
  const bool connect = b.from() == State::kConnect;
  if (is_start(event) ||
      is<TcpConnectionValid, TcpConnectionInvalid, UpdateSent, IdleHoldResetTimerExpires>(event)) {
    // Start events are ignored; Event 14 "the TCP connection is processed" and 15 "rejected"
    // without state change; the last two are local bookkeeping events of Established only.
    return;
  }
  if (const auto* stop = std::get_if<ManualStop>(&event)) {
    (void)stop;  // no OPEN was sent, so no NOTIFICATION (SendNOTIFICATIONwithoutOPEN FALSE)
    b.to_idle(DownReason::kManualStop, std::nullopt, Counter::kManualStop);
    return;
  }
  if (is<ConnectRetryTimerExpires>(event)) {
    if (b.config().passive) return;  // `neighbor passive`: never connect out
    if (connect) {
      // Connect: "drops the TCP connection, restarts the ConnectRetryTimer, ... initiates a
      // TCP connection to the other BGP peer, continues to listen ..., and stays in Connect".
      b.emit(DropTcpConnection{});
      b.restart_connect_retry();
      b.emit(InitiateTcpConnection{});
    } else {
      // Active: "restarts the ConnectRetryTimer, initiates a TCP connection ..., continues to
      // listen ..., and changes its state to Connect".
      b.restart_connect_retry();
      b.emit(InitiateTcpConnection{});
      b.go(State::kConnect);
    }
    return;
  }
  if (is<TcpCrAcked, TcpConnectionConfirmed>(event)) {
    b.open_sent();
    return;
  }
  if (is<TcpConnectionFails>(event)) {
    if (connect) {
      // Deviation from RFC 4271 §8.2.2 Connect (which goes to Idle), as FRR and OpenBGPD do: a
      // refused or failed connection attempt waits in Active for the ConnectRetry timer while
      // still accepting the peer's connection. In Idle the peer's own attempts would be
      // refused, and a neighbor that comes back would wait for our backoff.
      b.emit(DropTcpConnection{});
      b.restart_connect_retry();
      b.go(State::kActive);
      return;
    }
    // Active: Idle, counter incremented, damping.
    b.to_idle(DownReason::kTcpConnectionFails, std::nullopt, Counter::kIncrement);
    return;
  }
  if (is<NotifMsgVerErr>(event)) {
    b.to_idle(DownReason::kNotificationReceived);
    return;
  }
  if (is<BgpHeaderErr, BgpOpenMsgErr>(event)) {
    // No OPEN sent yet, so no NOTIFICATION (SendNOTIFICATIONwithoutOPEN FALSE).
    b.to_idle(DownReason::kNotificationSent);
    return;
  }
  // "In response to any other event (Events 8, 10-11, 13, 19, 23, 25-28)": Idle with the
  // counter incremented. No NOTIFICATION: the peer has not seen our OPEN.
  b.to_idle(is<AutomaticStop>(event) ? DownReason::kAutomaticStop : DownReason::kFsmError);
}

}  // namespace detail

Transition step(const SessionState& state, const Event& event, const Config& config,
                const Jitter& jitter) {
  detail::Builder b(state, config, jitter);
  switch (state.state) {
    case State::kIdle:
      detail::step_idle(b, event);
      break;
    case State::kConnect:
    case State::kActive:
      detail::step_connect_or_active(b, event);
      break;
    case State::kOpenSent:
      detail::step_open_sent(b, event);
      break;
    case State::kOpenConfirm:
      detail::step_open_confirm(b, event);
      break;
    case State::kEstablished:
      detail::step_established(b, event);
      break;
  }
  return std::move(b).finish();
}

std::uint16_t negotiate_hold_time(Seconds ours, std::uint16_t peer_s) {
  const auto our_s = static_cast<std::uint16_t>(std::clamp<Seconds::rep>(ours.count(), 0, 65535));
  if (our_s == 0 || peer_s == 0) return 0;
  return std::min(our_s, peer_s);
}

std::uint16_t negotiate_keepalive(Seconds configured, std::uint16_t hold_s) {
  if (hold_s == 0) return 0;
  const std::uint16_t third = std::max<std::uint16_t>(1, hold_s / 3);
  const auto conf = std::clamp<Seconds::rep>(configured.count(), 0, 65535);
  if (conf == 0) return third;
  return std::min(third, static_cast<std::uint16_t>(conf));
}

Bytes shutdown_communication(std::string_view text) {
  std::size_t n = std::min<std::size_t>(text.size(), 255);
  // Do not cut a UTF-8 sequence: back up over continuation octets (10xxxxxx).
  if (n < text.size()) {
    while (n > 0 && (static_cast<std::uint8_t>(text[n]) & 0xC0) == 0x80) --n;
  }
  if (n == 0) return {};
  Bytes out;
  out.reserve(n + 1);
  out.push_back(static_cast<std::uint8_t>(n));
  out.insert(out.end(), text.begin(), text.begin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

}  // namespace vipd::bgp::fsm
