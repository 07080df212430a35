// Display names for states, timers, events and actions (logs, `show`, test failure messages).
#include <fmt/format.h>

#include "bgp/fsm/fsm.hpp"

namespace vipd::bgp::fsm {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

std::string hex(const Bytes& data) {
  std::string out;
  for (std::uint8_t b : data) out += fmt::format("{:02x}", b);
  return out;
}

}  // namespace

std::string_view to_string(State state) {
  switch (state) {
    case State::kIdle:
      return "Idle";
    case State::kConnect:
      return "Connect";
    case State::kActive:
      return "Active";
    case State::kOpenSent:
      return "OpenSent";
    case State::kOpenConfirm:
      return "OpenConfirm";
    case State::kEstablished:
      return "Established";
  }
  return "?";
}

std::string_view to_string(TimerKind timer) {
  switch (timer) {
    case TimerKind::kConnectRetry:
      return "ConnectRetry";
    case TimerKind::kHold:
      return "Hold";
    case TimerKind::kKeepalive:
      return "Keepalive";
    case TimerKind::kIdleHold:
      return "IdleHold";
    case TimerKind::kIdleHoldReset:
      return "IdleHoldReset";
  }
  return "?";
}

std::string_view to_string(DownReason reason) {
  switch (reason) {
    case DownReason::kManualStop:
      return "Admin. shutdown";
    case DownReason::kAutomaticStop:
      return "Automatic stop";
    case DownReason::kHoldTimerExpired:
      return "BGP Notification send (Hold Timer Expired)";
    case DownReason::kTcpConnectionFails:
      return "TCP connection closed";
    case DownReason::kNotificationReceived:
      return "BGP Notification received";
    case DownReason::kNotificationSent:
      return "BGP Notification send";
    case DownReason::kFsmError:
      return "FSM error";
    case DownReason::kCollision:
      return "Connection collision resolution";
  }
  return "?";
}

std::string_view event_name(const Event& event) {
  static constexpr std::string_view kNames[] = {
      "ManualStart",
      "ManualStop",
      "AutomaticStart",
      "ManualStart_with_PassiveTcpEstablishment",
      "AutomaticStart_with_PassiveTcpEstablishment",
      "AutomaticStop",
      "ConnectRetryTimer_Expires",
      "HoldTimer_Expires",
      "KeepaliveTimer_Expires",
      "IdleHoldTimer_Expires",
      "IdleHoldResetTimer_Expires",
      "TcpConnection_Valid",
      "Tcp_CR_Invalid",
      "Tcp_CR_Acked",
      "TcpConnectionConfirmed",
      "TcpConnectionFails",
      "BGPOpen",
      "BGPHeaderErr",
      "BGPOpenMsgErr",
      "OpenCollisionDump",
      "NotifMsgVerErr",
      "NotifMsg",
      "KeepAliveMsg",
      "UpdateMsg",
      "UpdateMsgErr",
      "UpdateSent",
  };
  static_assert(std::size(kNames) == std::variant_size_v<Event>);
  return kNames[event.index()];
}

std::string to_string(const Action& action) {
  return std::visit(
      Overloaded{
          [](const StartTimer& a) {
            return fmt::format("StartTimer({}, {}ms)", to_string(a.which), a.duration.count());
          },
          [](const StopTimer& a) { return fmt::format("StopTimer({})", to_string(a.which)); },
          [](const InitiateTcpConnection&) { return std::string("InitiateTcpConnection"); },
          [](const DropTcpConnection&) { return std::string("DropTcpConnection"); },
          [](const SendOpen&) { return std::string("SendOpen"); },
          [](const SendKeepalive&) { return std::string("SendKeepalive"); },
          [](const SendNotification& a) {
            return fmt::format("SendNotification({}/{}{}{})", a.code, a.subcode,
                               a.data.empty() ? "" : " ", hex(a.data));
          },
          [](const ProcessUpdate&) { return std::string("ProcessUpdate"); },
          [](const SessionEstablished&) { return std::string("SessionEstablished"); },
          [](const SessionDown& a) { return fmt::format("SessionDown({})", to_string(a.reason)); },
      },
      action);
}

}  // namespace vipd::bgp::fsm
