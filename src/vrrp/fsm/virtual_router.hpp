// fsm::VirtualRouter drives the pure state machine (fsm.hpp) for one vrrp_instance: it owns the
// InstanceState, runs its timers on an event::Clock (feeding their expiry back as events), and
// hands every other action to the instance through the small ActionSink interface.
//
// Instance contract (src/vrrp, the socket side):
//  - Call start() once the configuration is applied (after fault() for each tracked object that
//    is already down), stop() on shutdown/reload removal.
//  - For every packet that wire::receive_ipv4/receive_ipv6 accepted, call advert_received().
//    Dropped packets never reach the FSM (count them per wire::DropCause instead).
//  - set_priority() with base priority + tracking weights; fault()/fault_cleared() per tracked
//    object going down/up.
//  - Perform the sink calls in order. They may call back into the VirtualRouter (queued and run
//    after the current step), but must not destroy it.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "event/clock.hpp"
#include "event/serial_queue.hpp"
#include "vrrp/fsm/fsm.hpp"

namespace vipd::vrrp::fsm {

class ActionSink {
 public:
  virtual ~ActionSink() = default;
  virtual void send_advert(std::uint8_t priority) = 0;
  virtual void add_vips() = 0;
  virtual void remove_vips() = 0;
  // Gratuitous ARP / unsolicited NA for every VIP, `repeat` times (garp_interval apart).
  virtual void announce(unsigned repeat) = 0;
  // notify_master / notify_backup / notify_fault / notify_stop and `notify` scripts.
  virtual void notify(State state, std::uint8_t priority) = 0;
  virtual void notify_master_rx_lower_priority() {}
  // Default: kInfo to log::info, kDetail to log::debug (keepalived's -D lines).
  virtual void log(LogLevel level, std::string_view text);
};

class VirtualRouter {
 public:
  struct Stats {
    std::uint32_t became_master = 0;    // keepalived become_master
    std::uint32_t released_master = 0;  // keepalived release_master
    std::uint32_t adverts_sent = 0;
    std::uint32_t priority_zero_sent = 0;
    std::uint32_t adverts_received = 0;
    std::uint32_t priority_zero_received = 0;
    std::uint32_t transitions = 0;  // every change of state (FRR vrrpd's "transitions")
    event::TimePoint last_transition{};
    // Failover timing: when an advert was last received, and how long after it this router
    // last went from Backup to Master (RFC 5798 §6.4.2: Master_Down_Interval after a master
    // that died, Skew_Time after one that sent priority 0). nullopt: no such takeover yet.
    std::optional<event::TimePoint> last_advert_received;
    std::optional<event::Duration> last_takeover;
  };

  VirtualRouter(event::Clock& clock, Config config, ActionSink& sink);
  ~VirtualRouter();
  VirtualRouter(const VirtualRouter&) = delete;
  VirtualRouter& operator=(const VirtualRouter&) = delete;

  void start() { handle(Startup{}); }
  void stop() { handle(Shutdown{}); }
  void advert_received(std::uint8_t priority, const IpAddress& source,
                       Duration max_advert_interval = Duration::zero()) {
    handle(AdvertReceived{priority, source, max_advert_interval});
  }
  void set_priority(int priority) { handle(PriorityChanged{priority}); }
  void fault() { handle(FaultRaised{}); }
  void fault_cleared() { handle(FaultCleared{}); }
  void handle(const Event& event);

  State state() const { return fsm_.state; }
  const InstanceState& fsm_state() const { return fsm_; }
  const Config& config() const { return config_; }
  // New values apply from the next event (keepalived applies a reload the same way).
  void set_config(Config config) { config_ = std::move(config); }
  const Stats& stats() const { return stats_; }
  std::optional<event::TimePoint> timer_deadline(TimerKind which) const;

  // Told after a step (its actions performed) that changed the state, whether any fault is
  // raised, wants_master or sync_fault: what a vrrp_sync_group (sync_group.hpp) follows. It may
  // feed events back (they are queued like the sink's).
  using Observer = std::function<void(const InstanceState& before, const InstanceState& after)>;
  void set_observer(Observer observer) { observer_ = std::move(observer); }

 private:
  bool dispatch(const Event& event, const std::shared_ptr<bool>& alive);
  void run_timer_action(const Action& action);
  void perform(const Action& action);

  event::Clock& clock_;
  Config config_;
  ActionSink& sink_;
  InstanceState fsm_;
  Stats stats_;
  std::array<std::unique_ptr<event::Timer>, kTimerKindCount> timers_;
  Observer observer_;
  event::SerialQueue<Event> events_;  // last member: destroyed first, clearing its flag
};

}  // namespace vipd::vrrp::fsm
