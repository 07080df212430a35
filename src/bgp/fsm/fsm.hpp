// The BGP session finite state machine of RFC 4271 §8 as a pure function:
//   step(SessionState, Event, Config, Jitter) -> Transition{SessionState, Actions}.
// It reads no socket and no clock. Timers are named in StartTimer/StopTimer actions and come
// back as *TimerExpires events; the driver in session.hpp executes them with event::Timer.
//
// One FSM instance serves one TCP connection (RFC 4271 §8: "one FSM per configured peer, plus
// one FSM for each incoming TCP connection" until collisions are resolved, §6.8); see
// collision.hpp for how the glue handles a second connection to the same peer.
//
// Not implemented (optional RFC 4271 §8.1.1 session attributes, all FALSE here):
// DelayOpen, SendNOTIFICATIONwithoutOPEN (only matters with DelayOpen), TrackTcpState,
// CollisionDetectEstablishedState (the glue always closes a new connection that collides with
// an Established one). DampPeerOscillations is implemented as the IdleHold backoff below.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bgp/wire/constants.hpp"
#include "common/bytes.hpp"

namespace vipd::bgp::fsm {

using Milliseconds = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;

// RFC 4271 §8.2.2. Display names are FRR's ("Idle", "Connect", ...).
enum class State : std::uint8_t { kIdle, kConnect, kActive, kOpenSent, kOpenConfirm, kEstablished };
std::string_view to_string(State state);

// The timers of RFC 4271 §8 / §10 plus two for peer oscillation damping (§8.1.1):
// kIdleHold delays an automatic restart; kIdleHoldReset marks a session stable enough to
// forget earlier failures (BIRD's "error forget time").
enum class TimerKind : std::uint8_t { kConnectRetry, kHold, kKeepalive, kIdleHold, kIdleHoldReset };
inline constexpr std::size_t kTimerKindCount = 5;
std::string_view to_string(TimerKind timer);

// NOTIFICATION codes and subcodes are those of the codec (bgp/wire/constants.hpp).

struct Config {
  // RFC 4271 §4.2: our Hold Time, 0 or >= 3 s (FRR default 180, `timers bgp K H`).
  Seconds hold_time{180};
  // RFC 4271 §10 suggests 1/3 of the hold time; FRR default 60. 0 means "hold_time / 3".
  Seconds keepalive{60};
  // RFC 4271 §10 ConnectRetryTime (FRR default 120 s, `timers connect`).
  Milliseconds connect_retry_time{std::chrono::seconds(120)};
  // RFC 4271 §8.2.2 OpenSent: "HoldTimer ... set to a large value ... 4 minutes is suggested".
  Milliseconds open_hold_time{std::chrono::seconds(240)};
  // FRR `neighbor A passive`: never initiate a TCP connection, only accept one.
  bool passive = false;
  // RFC 4271 §8.1.1 DampPeerOscillations: after a failure the FSM waits in Idle before it
  // restarts itself; the wait starts at idle_hold_base and doubles with each consecutive
  // failure up to idle_hold_max (FRR: 1 s doubling to 120 s). It returns to the base once a
  // session has stayed Established for idle_hold_reset (BIRD "error forget time" 300 s).
  Milliseconds idle_hold_base{std::chrono::seconds(1)};
  Milliseconds idle_hold_max{std::chrono::seconds(120)};
  Milliseconds idle_hold_reset{std::chrono::seconds(300)};

  bool operator==(const Config&) const = default;
};

// RFC 4271 §10: ConnectRetry and Keepalive timers are reduced by a random factor in
// [0.75, 1.0]. step() calls this once per jittered timer start; values outside the range are
// clamped. Tests return a constant.
using Jitter = std::function<double()>;

// ---- Events (RFC 4271 §8.1; the RFC event number is given for each). ----

struct ManualStart {};  // 1
struct ManualStop {     // 2
  // Cease subcode: 2 Administrative Shutdown (`neighbor A shutdown`), 4 Administrative Reset
  // (`clear ip bgp A`), 3 Peer De-configured, ...
  std::uint8_t cease_subcode = wire::cease_subcode::kAdministrativeShutdown;
  // RFC 9003 Shutdown Communication, sent as length octet + UTF-8 (truncated to 255 octets).
  std::string shutdown_message;
};
struct AutomaticStart {};         // 3
struct ManualStartPassive {};     // 4 ManualStart_with_PassiveTcpEstablishment
struct AutomaticStartPassive {};  // 5 AutomaticStart_with_PassiveTcpEstablishment
struct AutomaticStop {            // 8, e.g. maximum-prefix (1), BFD down (10)
  std::uint8_t cease_subcode = 0;
  Bytes data;
};
struct ConnectRetryTimerExpires {};   // 9
struct HoldTimerExpires {};           // 10
struct KeepaliveTimerExpires {};      // 11
struct IdleHoldTimerExpires {};       // 13
struct IdleHoldResetTimerExpires {};  // not in the RFC: the session has been stable (§8.1.1)
struct TcpConnectionValid {};         // 14
struct TcpConnectionInvalid {};       // 15
struct TcpCrAcked {};                 // 16 our outgoing connection completed
struct TcpConnectionConfirmed {};     // 17 we accepted the peer's connection
struct TcpConnectionFails {};         // 18
struct BgpOpen {                      // 19, already validated by the caller (§6.2)
  // Precondition: 0 or >= 3; the caller rejects 1 and 2 with OPEN error subcode 6
  // (Unacceptable Hold Time) as BgpOpenMsgErr instead (RFC 4271 §6.2).
  std::uint16_t peer_hold_time_s = 0;
  std::uint32_t peer_bgp_identifier = 0;  // host order
  std::uint32_t peer_asn = 0;
};
struct BgpHeaderErr {  // 21, RFC 4271 §6.1
  std::uint8_t code = wire::error_code::kMessageHeader;
  std::uint8_t subcode = 0;
  Bytes data;
};
struct BgpOpenMsgErr {  // 22, RFC 4271 §6.2
  std::uint8_t code = wire::error_code::kOpenMessage;
  std::uint8_t subcode = 0;
  Bytes data;
};
struct OpenCollisionDump {};  // 23, RFC 4271 §6.8: this connection loses
struct NotifMsgVerErr {       // 24, NOTIFICATION 2/1 Unsupported Version Number
  Bytes data;
};
struct NotifMsg {  // 25, any other NOTIFICATION received
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  Bytes data;
};
struct KeepAliveMsg {};  // 26
struct UpdateMsg {};     // 27, a valid UPDATE
struct UpdateMsgErr {    // 28, RFC 4271 §6.3 / RFC 7606 session-reset class
  std::uint8_t code = wire::error_code::kUpdateMessage;
  std::uint8_t subcode = 0;
  Bytes data;
};
// Not in the RFC: the glue sent an UPDATE. RFC 4271 §8.2.2 Established: "Each time the local
// system sends a KEEPALIVE or UPDATE message, it restarts its KeepaliveTimer".
struct UpdateSent {};

using Event =
    std::variant<ManualStart, ManualStop, AutomaticStart, ManualStartPassive, AutomaticStartPassive,
                 AutomaticStop, ConnectRetryTimerExpires, HoldTimerExpires, KeepaliveTimerExpires,
                 IdleHoldTimerExpires, IdleHoldResetTimerExpires, TcpConnectionValid,
                 TcpConnectionInvalid, TcpCrAcked, TcpConnectionConfirmed, TcpConnectionFails,
                 BgpOpen, BgpHeaderErr, BgpOpenMsgErr, OpenCollisionDump, NotifMsgVerErr, NotifMsg,
                 KeepAliveMsg, UpdateMsg, UpdateMsgErr, UpdateSent>;
std::string_view event_name(const Event& event);

// ---- Actions, executed in order. ----

// Why a session left Established (for `show ip bgp neighbors` "Last reset ... due to").
enum class DownReason : std::uint8_t {
  kManualStop,
  kAutomaticStop,
  kHoldTimerExpired,
  kTcpConnectionFails,
  kNotificationReceived,
  kNotificationSent,  // we found an error in a message the peer sent
  kFsmError,
  kCollision,
};
std::string_view to_string(DownReason reason);

struct StartTimer {  // (re)start: a running timer of that kind is restarted
  TimerKind which = TimerKind::kConnectRetry;
  Milliseconds duration{0};
  bool operator==(const StartTimer&) const = default;
};
struct StopTimer {
  TimerKind which = TimerKind::kConnectRetry;
  bool operator==(const StopTimer&) const = default;
};
struct InitiateTcpConnection {  // connect to the peer (abort a pending attempt first)
  bool operator==(const InitiateTcpConnection&) const = default;
};
struct DropTcpConnection {  // close this FSM's connection and any pending outgoing attempt
  bool operator==(const DropTcpConnection&) const = default;
};
struct SendOpen {
  bool operator==(const SendOpen&) const = default;
};
struct SendKeepalive {
  bool operator==(const SendKeepalive&) const = default;
};
struct SendNotification {  // always followed by DropTcpConnection (RFC 4271 §6)
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  Bytes data;
  bool operator==(const SendNotification&) const = default;
};
struct ProcessUpdate {  // the UPDATE that caused this event is accepted: hand it to the RIB
  bool operator==(const ProcessUpdate&) const = default;
};
struct SessionEstablished {
  bool operator==(const SessionEstablished&) const = default;
};
// Leaving Established: "deletes all routes associated with this connection" (§8.2.2); the glue
// clears the Adj-RIB-In and withdraws what it learned from this peer.
struct SessionDown {
  DownReason reason = DownReason::kFsmError;
  bool operator==(const SessionDown&) const = default;
};

using Action =
    std::variant<StartTimer, StopTimer, InitiateTcpConnection, DropTcpConnection, SendOpen,
                 SendKeepalive, SendNotification, ProcessUpdate, SessionEstablished, SessionDown>;
std::string to_string(const Action& action);

// ---- State ----

struct SessionState {
  State state = State::kIdle;
  // Set by any start event, cleared by ManualStop: while set, the FSM restarts itself from
  // Idle after the IdleHold time (RFC 4271 §8.1.1 AllowAutomaticStart + DampPeerOscillations).
  bool admin_up = false;
  bool idle_hold_pending = false;           // the IdleHold timer runs
  std::uint32_t connect_retry_counter = 0;  // RFC 4271 §8 ConnectRetryCounter
  // The next IdleHold wait; 0 means Config::idle_hold_base.
  Milliseconds next_idle_hold{0};
  // Negotiated in OpenSent (RFC 4271 §4.2, §10); 0 until then, and 0 = no hold/keepalive.
  std::uint16_t hold_time_s = 0;
  std::uint16_t keepalive_s = 0;
  // From the peer's OPEN.
  std::uint16_t peer_hold_time_s = 0;
  std::uint32_t peer_bgp_identifier = 0;
  std::uint32_t peer_asn = 0;

  bool operator==(const SessionState&) const = default;
};

struct Transition {
  SessionState state;
  std::vector<Action> actions;
};

Transition step(const SessionState& state, const Event& event, const Config& config,
                const Jitter& jitter);

// RFC 4271 §4.2: "the smaller of its configured Hold Time and the Hold Time received in the
// OPEN message"; 0 if either is 0 (no keepalives, no hold timer).
std::uint16_t negotiate_hold_time(Seconds ours, std::uint16_t peer_s);
// RFC 4271 §10: keepalive = min(configured, hold/3), at least 1 s; 0 iff hold is 0.
std::uint16_t negotiate_keepalive(Seconds configured, std::uint16_t hold_s);
// RFC 9003 §2: length octet + UTF-8 text, cut to 255 octets at a character boundary; empty
// text gives no data.
Bytes shutdown_communication(std::string_view text);

}  // namespace vipd::bgp::fsm
