#include "vrrp/fsm/fsm.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace vipd::vrrp::fsm {

namespace {

std::string micros_as_seconds(Duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return fmt::format("{}.{:06}", us / 1000000, us % 1000000);
}

// Accumulates the next state and the actions of one step.
class Builder {
 public:
  Builder(const InstanceState& state, const Config& config) : next_(state), config_(config) {}

  Transition finish() && { return {std::move(next_), std::move(actions_)}; }
  InstanceState& next() { return next_; }

  template <typename A>
  void emit(A action) {
    actions_.emplace_back(std::move(action));
  }
  template <typename... Args>
  void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
    emit(Log{level,
             fmt::format("({}) {}", config_.name, fmt::format(f, std::forward<Args>(args)...))});
  }
  void start(TimerKind which, Duration d) { emit(StartTimer{which, d}); }
  void stop(TimerKind which) { emit(StopTimer{which}); }

  Duration down_interval() const {
    return master_down_interval(config_, next_.priority, next_.master_advert_interval);
  }
  void arm_master_down(Duration d) {
    next_.master_down_duration = d;
    start(TimerKind::kMasterDown, d);
  }
  bool is_owner() const { return next_.base_priority == kPriorityOwner; }

  void startup();
  void shutdown();
  void enter_master();
  void enter_backup();  // from Master or Fault (not from Initialize)
  void enter_fault();
  void backup_advert(const AdvertReceived& advert);
  void master_advert(const AdvertReceived& advert);
  void priority_changed(int requested);
  void fault_cleared();
  void handover_done(std::string_view why);

 private:
  void stop_master_timers();
  void stop_backup_timers();
  void learn_interval(const AdvertReceived& advert);
  void reset_preempt_delay(bool log_stop);
  void master_lower_priority(const AdvertReceived& advert);

  InstanceState next_;
  const Config& config_;
  std::vector<Action> actions_;
};

void Builder::stop_master_timers() {
  stop(TimerKind::kAdver);
  stop(TimerKind::kGarpDelay);
  stop(TimerKind::kGarpRefresh);
  stop(TimerKind::kLowerPrioGarp);
  stop(TimerKind::kFirstGarp);
  next_.lower_prio_bursts_owed = 0;
  next_.lower_prio_answered = false;
  next_.stop_advert_answered = false;
}

void Builder::stop_backup_timers() {
  stop(TimerKind::kMasterDown);
  stop(TimerKind::kPreemptDelay);
  next_.preempt_delay = PreemptDelay::kIdle;
}

// RFC 5798 §6.4.1.
void Builder::startup() {
  if (next_.state == State::kStop && next_.vips_set) stop(TimerKind::kHandover);
  next_.successor.reset();
  next_.base_priority = config_.priority;
  next_.priority = config_.priority;
  next_.master_advert_interval = config_.advert_interval;
  next_.master_address.reset();
  next_.preempt_delay = PreemptDelay::kIdle;
  next_.wants_master = false;
  if (next_.faults > 0 || next_.sync_fault) {
    // keepalived 2.2.7: an instance whose interface is down at startup (or whose sync group is in
    // FAULT) logs "(VI_1) entering FAULT state" (the instance logged the cause before).
    next_.state = State::kFault;
    log(LogLevel::kInfo, "entering FAULT state");
    emit(RemoveVips{});
    next_.vips_set = false;
    emit(Notify{State::kFault, next_.priority});
    return;
  }
  // RFC 5798 §6.4.1: "If the Priority = 255 ... transition to the Master state". keepalived
  // requires the initial state MASTER as well (`state BACKUP` + priority 255 starts as backup).
  if (config_.initial_master && is_owner()) {
    enter_master();
    return;
  }
  // Stale VIPs (a previous run that crashed) must not linger on a backup.
  emit(RemoveVips{});
  next_.vips_set = false;
  next_.state = State::kBackup;
  log(LogLevel::kInfo, "Entering BACKUP STATE (init)");
  emit(Notify{State::kBackup, next_.priority});
  // keepalived: `state MASTER` below 255 waits the full Master_Down_Interval like any backup
  // (its shorter first timeout applies to sync group members only).
  arm_master_down(down_interval());
}

// RFC 5798 §6.4.2 / §6.4.3 "If a Shutdown event is received".
void Builder::shutdown() {
  if (next_.state == State::kMaster) {
    stop_master_timers();
    emit(SendAdvert{kPriorityStop});
    log(LogLevel::kDetail, "sent 0 priority");
    if (config_.stop_handover > Duration::zero()) {
      // The VIPs stay until the successor's advert (handover_done) or kHandover.
      start(TimerKind::kHandover, config_.stop_handover);
    } else {
      emit(RemoveVips{});
      next_.vips_set = false;
    }
  } else {
    stop_backup_timers();
  }
  next_.state = State::kStop;
  emit(Notify{State::kStop, next_.priority});
}

// Stop with the VIPs still held (Config::stop_handover): release them now.
void Builder::handover_done(std::string_view why) {
  stop(TimerKind::kHandover);
  log(LogLevel::kDetail, "releasing the virtual addresses ({})", why);
  emit(RemoveVips{});
  next_.vips_set = false;
  next_.successor.reset();
}

// RFC 5798 §6.4.1 / §6.4.2 transition to Master.
void Builder::enter_master() {
  if (next_.master_advert_interval != config_.advert_interval) {
    log(LogLevel::kDetail, "changing advert interval from {}ms to locally configured {}ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(next_.master_advert_interval).count(),
        std::chrono::duration_cast<std::chrono::milliseconds>(config_.advert_interval).count());
    next_.master_advert_interval = config_.advert_interval;
  }
  stop_backup_timers();
  next_.state = State::kMaster;
  next_.wants_master = false;
  // keepalived sends the advert first so the old master drops the VIPs before our GARPs.
  emit(SendAdvert{next_.priority});
  log(LogLevel::kInfo, "Entering MASTER STATE");
  emit(AddVips{});
  next_.vips_set = true;
  if (config_.garp_master_repeat > 0) {
    if (config_.first_garp_hold > Duration::zero()) {
      start(TimerKind::kFirstGarp, config_.first_garp_hold);
    } else {
      emit(Announce{config_.garp_master_repeat});
    }
    if (config_.garp_master_delay > Duration::zero()) {
      start(TimerKind::kGarpDelay, config_.garp_master_delay);
    }
  }
  if (config_.garp_master_refresh > Duration::zero()) {
    start(TimerKind::kGarpRefresh, config_.garp_master_refresh);
  }
  emit(Notify{State::kMaster, next_.priority});
  start(TimerKind::kAdver, config_.advert_interval);
}

void Builder::enter_backup() {
  const State from = next_.state;
  if (from == State::kMaster) stop_master_timers();
  next_.state = State::kBackup;
  next_.wants_master = false;
  log(LogLevel::kInfo, "Entering BACKUP STATE");
  if (from == State::kMaster) {
    emit(RemoveVips{});
    next_.vips_set = false;
  }
  emit(Notify{State::kBackup, next_.priority});
  reset_preempt_delay(false);
  arm_master_down(down_interval());
}

void Builder::enter_fault() {
  const State from = next_.state;
  next_.state = State::kFault;
  next_.wants_master = false;
  log(LogLevel::kInfo, "Entering FAULT STATE");
  if (from == State::kMaster) {
    stop_master_timers();
    // Tell the backups at once rather than letting them wait for Master_Down_Interval.
    emit(SendAdvert{kPriorityStop});
    emit(RemoveVips{});
    next_.vips_set = false;
  } else {
    stop_backup_timers();
  }
  emit(Notify{State::kFault, next_.priority});
}

void Builder::fault_cleared() {
  next_.master_advert_interval = config_.advert_interval;
  if (config_.initial_master && is_owner()) {
    enter_master();
  } else {
    enter_backup();
  }
}

void Builder::learn_interval(const AdvertReceived& advert) {
  // RFC 5798 §6.4.2: "Set Master_Adver_Interval to Adver Interval contained in the
  // ADVERTISEMENT". VRRPv2 has no such field: the intervals must match (RFC 3768 §7.1).
  if (config_.version != wire::Version::kV3) return;
  if (advert.max_advert_interval == next_.master_advert_interval) return;
  log(LogLevel::kDetail, "advertisement interval updated from {}ms to {}ms by master",
      std::chrono::duration_cast<std::chrono::milliseconds>(next_.master_advert_interval).count(),
      std::chrono::duration_cast<std::chrono::milliseconds>(advert.max_advert_interval).count());
  next_.master_advert_interval = advert.max_advert_interval;
}

void Builder::reset_preempt_delay(bool log_stop) {
  if (next_.preempt_delay == PreemptDelay::kIdle) return;
  if (log_stop) log(LogLevel::kDetail, "stop preempt delay");
  if (next_.preempt_delay == PreemptDelay::kRunning) stop(TimerKind::kPreemptDelay);
  next_.preempt_delay = PreemptDelay::kIdle;
}

// RFC 5798 §6.4.2 "If an ADVERTISEMENT is received" in Backup.
void Builder::backup_advert(const AdvertReceived& advert) {
  if (advert.priority == kPriorityStop) {
    // "Set the Master_Down_Timer to Skew_Time".
    log(LogLevel::kDetail, "Backup received priority 0 advertisement");
    arm_master_down(skew_time(config_.version, next_.priority, next_.master_advert_interval));
    return;
  }
  const bool lower = advert.priority < next_.priority;
  const bool delaying =
      config_.preempt_delay > Duration::zero() && next_.preempt_delay != PreemptDelay::kExpired;
  if (!config_.preempt || !lower || delaying) {
    // "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is greater than or
    // equal to the local Priority": accept this master and reset the Master_Down_Timer.
    learn_interval(advert);
    arm_master_down(down_interval());
    next_.wants_master = false;
    next_.master_address = advert.source;
    next_.master_priority = advert.priority;
    if (config_.preempt_delay > Duration::zero()) {
      if (!lower) {
        reset_preempt_delay(true);
      } else if (next_.preempt_delay == PreemptDelay::kIdle) {
        log(LogLevel::kDetail, "start preempt delay ({})",
            micros_as_seconds(config_.preempt_delay));
        start(TimerKind::kPreemptDelay, config_.preempt_delay);
        next_.preempt_delay = PreemptDelay::kRunning;
      }
    }
    return;
  }
  // "Discard the ADVERTISEMENT": the Master_Down_Timer keeps running and we take over.
  log(LogLevel::kInfo, "received lower priority ({}) advert from {} - discarding", advert.priority,
      advert.source.to_string());
  next_.master_address = advert.source;
}

void Builder::master_lower_priority(const AdvertReceived& advert) {
  // RFC 5798 §6.4.3 discards it; keepalived re-asserts itself so that the other router (which
  // presumably missed our adverts) goes back to backup, and refreshes the ARP caches.
  // keepalived does so for every such advert, so each forged one costs an advert, a gratuitous
  // ARP burst, a log line and a notify script. vipd answers once per Adver_Timer run: the
  // forced advert is multicast, so every lower router that can hear us has heard it, and the
  // periodic one follows within an advert interval anyway. Later ones are discarded as the RFC
  // says, silently (a log line each would be the amplification again).
  if (next_.lower_prio_answered) return;
  next_.lower_prio_answered = true;
  log(LogLevel::kInfo,
      "Received advert from {} with lower priority {}, ours {}, forcing new election",
      advert.source.to_string(), advert.priority, next_.priority);
  emit(SendAdvert{next_.priority});
  if (config_.garp_lower_prio_repeat > 0) {
    emit(Announce{config_.garp_lower_prio_repeat});
    if (config_.garp_lower_prio_delay > Duration::zero()) {
      // Armed by the first advert only (a steady stream of lower adverts must not postpone the
      // burst forever); later ones add to what that run owes.
      if (next_.lower_prio_bursts_owed == 0)
        start(TimerKind::kLowerPrioGarp, config_.garp_lower_prio_delay);
      next_.lower_prio_bursts_owed = std::min(next_.lower_prio_bursts_owed + 1, kMaxElectionBursts);
    }
  }
  emit(NotifyMasterRxLowerPriority{});
  start(TimerKind::kAdver, config_.advert_interval);
}

// RFC 5798 §6.4.3 "If an ADVERTISEMENT is received" in Master.
void Builder::master_advert(const AdvertReceived& advert) {
  if (advert.priority == kPriorityStop) {
    // "Send an ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval", once per advert
    // interval: the backups have heard the first answer, the periodic advert follows anyway.
    if (next_.stop_advert_answered) return;
    next_.stop_advert_answered = true;
    emit(SendAdvert{next_.priority});
    log(LogLevel::kDetail, "Master received priority 0 message");
    start(TimerKind::kAdver, config_.advert_interval);
    return;
  }
  const auto address_order = advert.source <=> config_.primary_address;
  if (advert.priority == next_.priority) {
    if (address_order == 0) {
      log(LogLevel::kInfo,
          "WARNING - equal priority advert received from remote host with our IP address.");
    } else if (next_.priority == kPriorityOwner) {
      log(LogLevel::kInfo,
          "CONFIGURATION ERROR: local instance and a remote instance are both configured as "
          "address owner, please fix - reducing local priority");
      next_.priority = kPriorityOwner - 1;
      next_.base_priority = kPriorityOwner - 1;
    }
  }
  const bool higher =
      advert.priority > next_.priority || (advert.priority == next_.priority && address_order > 0);
  const bool lower =
      advert.priority < next_.priority || (advert.priority == next_.priority && address_order < 0);
  if (lower) {
    master_lower_priority(advert);
    return;
  }
  if (!higher) {
    // Our own address: keepalived restarts the Adver_Timer without sending.
    start(TimerKind::kAdver, config_.advert_interval);
    return;
  }
  // RFC 5798 §6.4.3: higher priority, or equal priority and a greater primary address.
  if (advert.priority > next_.priority) {
    log(LogLevel::kInfo, "Master received advert from {} with higher priority {}, ours {}",
        advert.source.to_string(), advert.priority, next_.priority);
  } else {
    log(LogLevel::kInfo,
        "Master received advert from {} with same priority {} but higher IP address than ours",
        advert.source.to_string(), advert.priority);
  }
  if (config_.advert_on_yield) emit(SendAdvert{next_.priority});
  learn_interval(advert);
  next_.master_address = advert.source;
  next_.master_priority = advert.priority;
  enter_backup();
}

void Builder::priority_changed(int requested) {
  if (is_owner()) return;  // keepalived: an address owner's priority never changes
  const auto priority = static_cast<std::uint8_t>(std::clamp(requested, 1, kPriorityOwner - 1));
  if (priority == next_.priority) return;
  log(LogLevel::kInfo, "Changing effective priority from {} to {}", next_.priority, priority);
  next_.priority = priority;
  const Duration old_down = next_.master_down_duration;
  next_.master_down_duration = down_interval();
  if (next_.state == State::kBackup) {
    // keepalived moves the running Master_Down deadline by the change in its length.
    emit(ShiftTimer{TimerKind::kMasterDown, next_.master_down_duration - old_down});
  }
}

}  // namespace

Duration skew_time(wire::Version version, std::uint8_t priority, Duration master_advert_interval) {
  const auto weight = static_cast<Duration::rep>(256 - priority);
  if (version == wire::Version::kV2) {
    return Duration(weight * Duration(std::chrono::seconds(1)).count() / 256);
  }
  return Duration(weight * master_advert_interval.count() / 256);
}

Duration master_down_interval(const Config& config, std::uint8_t priority,
                              Duration master_advert_interval) {
  return static_cast<Duration::rep>(config.down_timer_adverts) * master_advert_interval +
         skew_time(config.version, priority, master_advert_interval);
}

AdvertReceived advert_received(const wire::Advert& advert, const IpAddress& source) {
  return {advert.priority, source, advert.advert_interval()};
}

Transition step(const InstanceState& state, const Event& event, const Config& config) {
  Builder b(state, config);
  const State current = state.state;
  const bool running = current == State::kBackup || current == State::kMaster;
  if (std::holds_alternative<Startup>(event)) {
    if (current == State::kInitialize || current == State::kStop) b.startup();
  } else if (std::holds_alternative<Shutdown>(event)) {
    if (current != State::kStop) b.shutdown();
  } else if (const auto* advert = std::get_if<AdvertReceived>(&event)) {
    if (current == State::kBackup) b.backup_advert(*advert);
    if (current == State::kMaster) b.master_advert(*advert);
    if (current == State::kStop && state.vips_set && advert->priority != kPriorityStop &&
        !state.successor) {
      // The successor's advert precedes its gratuitous ARPs (it sends the advert first).
      b.next().successor = advert->source;
      if (config.handover_grace > Duration::zero()) {
        b.start(TimerKind::kHandover, config.handover_grace);
      } else {
        b.handover_done(fmt::format("new master {}", advert->source.to_string()));
      }
    }
  } else if (std::holds_alternative<HandoverExpired>(event)) {
    if (current == State::kStop && state.vips_set) {
      b.handover_done(state.successor ? fmt::format("new master {}", state.successor->to_string())
                                      : std::string("no new master"));
    }
  } else if (std::holds_alternative<AdverTimerExpired>(event)) {
    if (current == State::kMaster) {
      // RFC 5798 §6.4.3 "If the Adver_Timer fires".
      b.emit(SendAdvert{state.priority});
      b.next().lower_prio_answered = false;
      b.next().stop_advert_answered = false;
      b.start(TimerKind::kAdver, config.advert_interval);
    }
  } else if (std::holds_alternative<MasterDownTimerExpired>(event)) {
    if (current == State::kBackup) {
      // RFC 5798 §6.4.2 "If the Master_Down_Timer fires".
      b.log(LogLevel::kDetail, "Receive advertisement timeout");
      if (config.sync_group) {
        // keepalived's vrrp_sync_can_goto_master(): wait, timer re-armed, until every member
        // of the group wants to be master; the group then sends SyncForce.
        b.next().wants_master = true;
        b.arm_master_down(b.down_interval());
      } else {
        b.enter_master();
      }
    }
  } else if (std::holds_alternative<PreemptDelayExpired>(event)) {
    if (current == State::kBackup && state.preempt_delay == PreemptDelay::kRunning) {
      b.next().preempt_delay = PreemptDelay::kExpired;
    }
  } else if (std::holds_alternative<GarpDelayExpired>(event)) {
    if (current == State::kMaster) b.emit(Announce{config.garp_master_repeat});
  } else if (std::holds_alternative<GarpRefreshExpired>(event)) {
    if (current == State::kMaster) {
      b.emit(Announce{config.garp_master_refresh_repeat});
      b.start(TimerKind::kGarpRefresh, config.garp_master_refresh);
    }
  } else if (std::holds_alternative<LowerPrioGarpExpired>(event)) {
    if (current == State::kMaster && state.lower_prio_bursts_owed > 0) {
      b.emit(Announce{config.garp_lower_prio_repeat * state.lower_prio_bursts_owed});
    }
    b.next().lower_prio_bursts_owed = 0;
  } else if (std::holds_alternative<FirstGarpExpired>(event)) {
    if (current == State::kMaster) b.emit(Announce{config.garp_master_repeat});
  } else if (const auto* change = std::get_if<PriorityChanged>(&event)) {
    if (current != State::kInitialize && current != State::kStop) {
      b.priority_changed(change->priority);
    }
  } else if (std::holds_alternative<FaultRaised>(event)) {
    ++b.next().faults;
    if (running && state.faults == 0) b.enter_fault();
  } else if (std::holds_alternative<FaultCleared>(event)) {
    if (state.faults > 0) {
      --b.next().faults;
      if (current == State::kFault && b.next().faults == 0 && !state.sync_fault) b.fault_cleared();
    }
  } else if (const auto* hold = std::get_if<SyncHold>(&event)) {
    if (hold->fault != state.sync_fault) {
      b.next().sync_fault = hold->fault;
      if (hold->fault && running && state.faults == 0) b.enter_fault();
      if (!hold->fault && current == State::kFault && state.faults == 0) b.fault_cleared();
    }
  } else if (const auto* force = std::get_if<SyncForce>(&event)) {
    if (force->target == State::kMaster && current == State::kBackup) b.enter_master();
    if (force->target == State::kBackup && current == State::kMaster) b.enter_backup();
  }
  return std::move(b).finish();
}

}  // namespace vipd::vrrp::fsm
