// Internal to src/bgp/fsm: collects the next state and the actions of one step() and holds the
// moves shared by several states (going to Idle, starting a connection attempt).
#pragma once

#include <optional>

#include "bgp/fsm/fsm.hpp"

namespace vipd::bgp::fsm::detail {

// How a state leaves for Idle. RFC 4271 §8.2.2 repeats, per state and event, the list
// "sends NOTIFICATION / sets ConnectRetryTimer to zero / releases all BGP resources / drops the
// TCP connection / increments ConnectRetryCounter / performs peer oscillation damping".
enum class Counter : std::uint8_t {
  kIncrement,   // "increments the ConnectRetryCounter by 1"
  kKeep,        // the RFC does not increment it for this event
  kManualStop,  // "sets the ConnectRetryCounter to zero"; no automatic restart
};

class Builder {
 public:
  Builder(const SessionState& state, const Config& config, const Jitter& jitter)
      : from_(state.state), next_(state), config_(config), jitter_(jitter) {}

  SessionState& next() { return next_; }
  const Config& config() const { return config_; }
  State from() const { return from_; }

  // Constructs the action in place: moving a temporary Action trips GCC 12's
  // -Wmaybe-uninitialized false positive under -fsanitize (GCC PR 105562).
  template <typename A>
  void emit(A&& action) {
    actions_.emplace_back(std::in_place_type<std::decay_t<A>>, std::forward<A>(action));
  }
  void start(TimerKind which, Milliseconds duration) { emit(StartTimer{which, duration}); }
  // RFC 4271 §10: ConnectRetry and Keepalive timers are jittered.
  void start_jittered(TimerKind which, Milliseconds duration);
  void stop(TimerKind which) { emit(StopTimer{which}); }
  void go(State state) { next_.state = state; }

  // RFC 4271 §8.2.2 Idle state, ManualStart/AutomaticStart (events 1, 3) and the passive
  // variants (4, 5); also the automatic restart when the IdleHold timer expires (event 13).
  void start_session(bool passive_event);
  // The "release all BGP resources and go to Idle" sequence, then the §8.1.1 damping wait.
  void to_idle(DownReason reason, std::optional<SendNotification> notification = std::nullopt,
               Counter counter = Counter::kIncrement);
  // RFC 4271 §8.2.2 Connect/Active, Tcp_CR_Acked / TcpConnectionConfirmed with DelayOpen
  // FALSE: stop ConnectRetryTimer, send OPEN, HoldTimer := large value, go to OpenSent.
  void open_sent();
  // Connect/Active/OpenSent: (re)arm the ConnectRetry timer unless `neighbor passive`.
  void restart_connect_retry();
  void fsm_error(std::uint8_t subcode);

  Transition finish() && { return Transition{next_, std::move(actions_)}; }

 private:
  State from_;
  SessionState next_;
  const Config& config_;
  const Jitter& jitter_;
  std::vector<Action> actions_;
};

void step_idle(Builder& b, const Event& event);
void step_connect_or_active(Builder& b, const Event& event);
void step_open_sent(Builder& b, const Event& event);
void step_open_confirm(Builder& b, const Event& event);
void step_established(Builder& b, const Event& event);

template <typename... Ts>
bool is(const Event& event) {
  return (std::holds_alternative<Ts>(event) || ...);
}

// Start events are ignored outside Idle (RFC 4271 §8.2.2, every state: "Events 1, 3-7").
inline bool is_start(const Event& event) {
  return is<ManualStart, AutomaticStart, ManualStartPassive, AutomaticStartPassive>(event);
}

}  // namespace vipd::bgp::fsm::detail
