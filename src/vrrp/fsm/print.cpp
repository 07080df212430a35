// Display names for states, timers, events and actions (logs, `show vrrp`, test diffs).
#include <fmt/format.h>

#include "vrrp/fsm/fsm.hpp"

namespace vipd::vrrp::fsm {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string duration_text(Duration d) {
  const auto ns = d.count();
  if (ns % 1000000 == 0) return fmt::format("{}ms", ns / 1000000);
  if (ns % 1000 == 0) return fmt::format("{}us", ns / 1000);
  return fmt::format("{}ns", ns);
}

}  // namespace

std::string_view to_string(State state) {
  switch (state) {
    case State::kInitialize:
      return "INIT";
    case State::kBackup:
      return "BACKUP";
    case State::kMaster:
      return "MASTER";
    case State::kFault:
      return "FAULT";
    case State::kStop:
      return "STOP";
  }
  return "UNKNOWN";
}

std::string_view to_string(TimerKind timer) {
  switch (timer) {
    case TimerKind::kAdver:
      return "Adver";
    case TimerKind::kMasterDown:
      return "MasterDown";
    case TimerKind::kPreemptDelay:
      return "PreemptDelay";
    case TimerKind::kGarpDelay:
      return "GarpDelay";
    case TimerKind::kGarpRefresh:
      return "GarpRefresh";
    case TimerKind::kLowerPrioGarp:
      return "LowerPrioGarp";
    case TimerKind::kFirstGarp:
      return "FirstGarp";
    case TimerKind::kHandover:
      return "Handover";
  }
  return "Unknown";
}

std::string_view event_name(const Event& event) {
  static constexpr std::string_view kNames[] = {"Startup",
                                                "Shutdown",
                                                "AdvertReceived",
                                                "AdverTimerExpired",
                                                "MasterDownTimerExpired",
                                                "PreemptDelayExpired",
                                                "GarpDelayExpired",
                                                "GarpRefreshExpired",
                                                "LowerPrioGarpExpired",
                                                "FirstGarpExpired",
                                                "HandoverExpired",
                                                "PriorityChanged",
                                                "FaultRaised",
                                                "FaultCleared",
                                                "SyncHold",
                                                "SyncForce"};
  static_assert(std::size(kNames) == std::variant_size_v<Event>);
  return kNames[event.index()];
}

std::string to_string(const Action& action) {
  return std::visit(
      Overloaded{
          [](const SendAdvert& a) { return fmt::format("SendAdvert({})", a.priority); },
          [](const StartTimer& a) {
            return fmt::format("StartTimer({}, {})", to_string(a.which), duration_text(a.duration));
          },
          [](const StopTimer& a) { return fmt::format("StopTimer({})", to_string(a.which)); },
          [](const ShiftTimer& a) {
            return fmt::format("ShiftTimer({}, {})", to_string(a.which), duration_text(a.delta));
          },
          [](const AddVips&) { return std::string("AddVips"); },
          [](const RemoveVips&) { return std::string("RemoveVips"); },
          [](const Announce& a) { return fmt::format("Announce({})", a.repeat); },
          [](const Notify& a) {
            return fmt::format("Notify({}, {})", to_string(a.state), a.priority);
          },
          [](const NotifyMasterRxLowerPriority&) {
            return std::string("NotifyMasterRxLowerPriority");
          },
          [](const Log& a) {
            return fmt::format("Log{}({})", a.level == LogLevel::kDetail ? "Detail" : "", a.text);
          },
      },
      action);
}

}  // namespace vipd::vrrp::fsm
