// fsm::Session drives the pure FSM (fsm.hpp) for one TCP connection: it owns the SessionState,
// runs the FSM timers on an event::Clock (feeding their expiry back as events), and passes
// every other action to the glue's callback. It also keeps what `show ip bgp neighbors` needs
// (uptime, last state change, last error, established/dropped counters).
//
// Glue contract (src/bgp/peer):
//  - Feed events with handle(): ManualStart/ManualStop from configuration and `clear`,
//    TcpCrAcked/TcpConnectionConfirmed/TcpConnectionFails from the socket, and one event per
//    received message (BgpOpen after §6.2 checks and §6.8 collision resolution, KeepAliveMsg,
//    UpdateMsg / UpdateMsgErr after RFC 7606 classification, NotifMsg / NotifMsgVerErr,
//    BgpHeaderErr / BgpOpenMsgErr). Feed UpdateSent after writing an UPDATE.
//  - Execute the actions the callback receives, in order: InitiateTcpConnection,
//    DropTcpConnection, SendOpen (with Config::hold_time as the Hold Time), SendKeepalive,
//    SendNotification, ProcessUpdate, SessionEstablished, SessionDown. Timer actions never
//    reach the callback.
//  - The callback may call handle() again (e.g. a connect() that fails at once): the event is
//    queued and processed after the current actions. It must not destroy the Session; post
//    the destruction to the event loop instead (a destroyed Session stops dispatching safely,
//    but later queued events are lost).
#pragma once

#include <array>
#include <memory>
#include <optional>

#include "bgp/fsm/fsm.hpp"
#include "event/clock.hpp"
#include "event/serial_queue.hpp"

namespace vipd::bgp::fsm {

class Session {
 public:
  using ActionHandler = std::function<void(const Action&)>;
  using StateObserver = std::function<void(State from, State to)>;

  struct LastError {
    std::uint8_t code = 0;
    std::uint8_t subcode = 0;
    Bytes data;
    bool sent = false;  // true: we sent the NOTIFICATION; false: the peer did
    event::TimePoint at{};
  };

  struct Stats {
    std::uint32_t established_transitions = 0;  // FRR "Established N"
    std::uint32_t dropped = 0;                  // FRR "dropped N"
    std::uint32_t notifications_sent = 0;
    std::uint32_t notifications_received = 0;
    std::optional<LastError> last_error;
    std::optional<DownReason> last_reset_reason;  // why Established was last left
    event::TimePoint last_reset{};
    event::TimePoint last_state_change{};
    event::TimePoint established_at{};  // meaningful while Established
  };

  // jitter: RFC 4271 §10 factor source returning [0.75, 1.0]; empty = a seeded random source.
  Session(event::Clock& clock, Config config, ActionHandler on_action, Jitter jitter = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void handle(const Event& event);

  State state() const { return fsm_.state; }
  const SessionState& fsm_state() const { return fsm_; }
  const Config& config() const { return config_; }
  // New timer values apply to timers started from now on (FRR applies `timers` on reset).
  void set_config(const Config& config) { config_ = config; }
  void set_state_observer(StateObserver observer) { observer_ = std::move(observer); }

  const Stats& stats() const { return stats_; }
  // Carries counters over when the glue promotes a collision winner (collision.hpp).
  void restore_stats(const Stats& stats) { stats_ = stats; }
  // Time since the session became Established; zero when it is not.
  event::Duration uptime() const;
  event::Duration time_in_state() const { return clock_.now() - stats_.last_state_change; }
  // When a running FSM timer fires (nullopt when it is not running).
  std::optional<event::TimePoint> timer_deadline(TimerKind which) const;

 private:
  bool dispatch(const Event& event, const std::shared_ptr<bool>& alive);
  void run_timer_action(const Action& action);
  void record_received(const Event& event);
  void record_transition(State from, State to);

  event::Clock& clock_;
  Config config_;
  ActionHandler on_action_;
  Jitter jitter_;
  StateObserver observer_;
  SessionState fsm_;
  Stats stats_;
  std::array<std::unique_ptr<event::Timer>, kTimerKindCount> timers_;
  event::SerialQueue<Event> events_;  // last member: destroyed first, clearing its flag
};

}  // namespace vipd::bgp::fsm
