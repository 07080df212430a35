#include "bgp/fsm/session.hpp"

#include <random>

namespace vipd::bgp::fsm {
namespace {

Event expiry_event(TimerKind which) {
  switch (which) {
    case TimerKind::kConnectRetry:
      return ConnectRetryTimerExpires{};
    case TimerKind::kHold:
      return HoldTimerExpires{};
    case TimerKind::kKeepalive:
      return KeepaliveTimerExpires{};
    case TimerKind::kIdleHold:
      return IdleHoldTimerExpires{};
    case TimerKind::kIdleHoldReset:
      return IdleHoldResetTimerExpires{};
  }
  return IdleHoldResetTimerExpires{};
}

// RFC 4271 §10: "a random factor that is uniformly distributed in the range from 0.75 to 1.0".
Jitter random_jitter() {
  auto engine = std::make_shared<std::mt19937>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.75, 1.0)(*engine); };
}

}  // namespace

Session::Session(event::Clock& clock, Config config, ActionHandler on_action, Jitter jitter)
    : clock_(clock),
      config_(std::move(config)),
      on_action_(std::move(on_action)),
      jitter_(jitter ? std::move(jitter) : random_jitter()) {
  for (auto& timer : timers_) timer = clock_.make_timer();
  stats_.last_state_change = clock_.now();
}

Session::~Session() = default;

void Session::handle(const Event& event) {
  events_.handle(event, [this](const Event& next, const std::shared_ptr<bool>& alive) {
    return dispatch(next, alive);
  });
}

bool Session::dispatch(const Event& event, const std::shared_ptr<bool>& alive) {
  record_received(event);
  Transition t = step(fsm_, event, config_, jitter_);
  const State from = fsm_.state;
  fsm_ = t.state;
  if (from != fsm_.state) record_transition(from, fsm_.state);

  for (const Action& action : t.actions) {
    if (std::holds_alternative<StartTimer>(action) || std::holds_alternative<StopTimer>(action)) {
      run_timer_action(action);
      continue;
    }
    if (const auto* n = std::get_if<SendNotification>(&action)) {
      ++stats_.notifications_sent;
      stats_.last_error = LastError{n->code, n->subcode, n->data, true, clock_.now()};
    } else if (const auto* down = std::get_if<SessionDown>(&action)) {
      stats_.last_reset_reason = down->reason;
      stats_.last_reset = clock_.now();
    }
    if (on_action_) {
      on_action_(action);
      if (!*alive) return false;
    }
  }
  if (from != fsm_.state && observer_) {
    observer_(from, fsm_.state);
    if (!*alive) return false;
  }
  return true;
}

void Session::run_timer_action(const Action& action) {
  if (const auto* start = std::get_if<StartTimer>(&action)) {
    const TimerKind which = start->which;
    timers_[static_cast<std::size_t>(which)]->arm(start->duration,
                                                  [this, which] { handle(expiry_event(which)); });
  } else if (const auto* stop = std::get_if<StopTimer>(&action)) {
    timers_[static_cast<std::size_t>(stop->which)]->cancel();
  }
}

void Session::record_received(const Event& event) {
  if (const auto* n = std::get_if<NotifMsg>(&event)) {
    ++stats_.notifications_received;
    stats_.last_error = LastError{n->code, n->subcode, n->data, false, clock_.now()};
  } else if (const auto* v = std::get_if<NotifMsgVerErr>(&event)) {
    ++stats_.notifications_received;
    // RFC 4271 §6.2: OPEN Message Error / Unsupported Version Number.
    stats_.last_error = LastError{wire::error_code::kOpenMessage, 1, v->data, false, clock_.now()};
  }
}

void Session::record_transition(State from, State to) {
  const event::TimePoint now = clock_.now();
  stats_.last_state_change = now;
  if (to == State::kEstablished) {
    ++stats_.established_transitions;
    stats_.established_at = now;
  }
  if (from == State::kEstablished) ++stats_.dropped;
}

event::Duration Session::uptime() const {
  if (fsm_.state != State::kEstablished) return event::Duration::zero();
  return clock_.now() - stats_.established_at;
}

std::optional<event::TimePoint> Session::timer_deadline(TimerKind which) const {
  const auto& timer = timers_[static_cast<std::size_t>(which)];
  if (!timer->armed()) return std::nullopt;
  return timer->deadline();
}

}  // namespace vipd::bgp::fsm
