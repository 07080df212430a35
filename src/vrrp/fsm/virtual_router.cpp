#include "vrrp/fsm/virtual_router.hpp"

#include "common/log.hpp"

namespace vipd::vrrp::fsm {

namespace {

Event expiry_event(TimerKind which) {
  switch (which) {
    case TimerKind::kAdver:
      return AdverTimerExpired{};
    case TimerKind::kMasterDown:
      return MasterDownTimerExpired{};
    case TimerKind::kPreemptDelay:
      return PreemptDelayExpired{};
    case TimerKind::kGarpDelay:
      return GarpDelayExpired{};
    case TimerKind::kGarpRefresh:
      return GarpRefreshExpired{};
    case TimerKind::kLowerPrioGarp:
      return LowerPrioGarpExpired{};
    case TimerKind::kFirstGarp:
      return FirstGarpExpired{};
    case TimerKind::kHandover:
      return HandoverExpired{};
  }
  return LowerPrioGarpExpired{};
}

}  // namespace

void ActionSink::log(LogLevel level, std::string_view text) {
  if (level == LogLevel::kInfo) {
    vipd::log::info("{}", text);
  } else {
    vipd::log::debug("{}", text);
  }
}

VirtualRouter::VirtualRouter(event::Clock& clock, Config config, ActionSink& sink)
    : clock_(clock), config_(std::move(config)), sink_(sink) {
  for (auto& timer : timers_) timer = clock_.make_timer();
  stats_.last_transition = clock_.now();
}

VirtualRouter::~VirtualRouter() = default;

void VirtualRouter::handle(const Event& event) {
  events_.handle(event, [this](const Event& next, const std::shared_ptr<bool>& alive) {
    return dispatch(next, alive);
  });
}

bool VirtualRouter::dispatch(const Event& event, const std::shared_ptr<bool>& alive) {
  if (const auto* advert = std::get_if<AdvertReceived>(&event)) {
    ++stats_.adverts_received;
    if (advert->priority == 0) ++stats_.priority_zero_received;
    stats_.last_advert_received = clock_.now();
  }
  Transition t = step(fsm_, event, config_);
  const State from = fsm_.state;
  std::optional<InstanceState> before;
  if (observer_) before = fsm_;
  fsm_ = std::move(t.state);
  if (from != fsm_.state) {
    stats_.last_transition = clock_.now();
    ++stats_.transitions;
    if (fsm_.state == State::kMaster) ++stats_.became_master;
    if (from == State::kBackup && fsm_.state == State::kMaster && stats_.last_advert_received)
      stats_.last_takeover = stats_.last_transition - *stats_.last_advert_received;
    if (from == State::kMaster) ++stats_.released_master;
  }
  for (const Action& action : t.actions) {
    if (std::holds_alternative<StartTimer>(action) || std::holds_alternative<StopTimer>(action) ||
        std::holds_alternative<ShiftTimer>(action)) {
      run_timer_action(action);
      continue;
    }
    perform(action);
    if (!*alive) return false;
  }
  if (before && observer_ &&
      (before->state != fsm_.state || (before->faults > 0) != (fsm_.faults > 0) ||
       before->wants_master != fsm_.wants_master || before->sync_fault != fsm_.sync_fault)) {
    const InstanceState after = fsm_;
    observer_(*before, after);
    if (!*alive) return false;
  }
  return true;
}

void VirtualRouter::run_timer_action(const Action& action) {
  if (const auto* start = std::get_if<StartTimer>(&action)) {
    const TimerKind which = start->which;
    timers_[static_cast<std::size_t>(which)]->arm(start->duration,
                                                  [this, which] { handle(expiry_event(which)); });
  } else if (const auto* stop = std::get_if<StopTimer>(&action)) {
    timers_[static_cast<std::size_t>(stop->which)]->cancel();
  } else if (const auto* shift = std::get_if<ShiftTimer>(&action)) {
    auto& timer = timers_[static_cast<std::size_t>(shift->which)];
    if (!timer->armed()) return;
    const event::Duration remaining = timer->deadline() + shift->delta - clock_.now();
    const TimerKind which = shift->which;
    timer->arm(std::max(remaining, event::Duration::zero()),
               [this, which] { handle(expiry_event(which)); });
  }
}

void VirtualRouter::perform(const Action& action) {
  if (const auto* send = std::get_if<SendAdvert>(&action)) {
    ++stats_.adverts_sent;
    if (send->priority == 0) ++stats_.priority_zero_sent;
    sink_.send_advert(send->priority);
  } else if (std::holds_alternative<AddVips>(action)) {
    sink_.add_vips();
  } else if (std::holds_alternative<RemoveVips>(action)) {
    sink_.remove_vips();
  } else if (const auto* announce = std::get_if<Announce>(&action)) {
    sink_.announce(announce->repeat);
  } else if (const auto* notify = std::get_if<Notify>(&action)) {
    sink_.notify(notify->state, notify->priority);
  } else if (std::holds_alternative<NotifyMasterRxLowerPriority>(action)) {
    sink_.notify_master_rx_lower_priority();
  } else if (const auto* line = std::get_if<Log>(&action)) {
    sink_.log(line->level, line->text);
  }
}

std::optional<event::TimePoint> VirtualRouter::timer_deadline(TimerKind which) const {
  const auto& timer = timers_[static_cast<std::size_t>(which)];
  if (!timer->armed()) return std::nullopt;
  return timer->deadline();
}

}  // namespace vipd::vrrp::fsm
