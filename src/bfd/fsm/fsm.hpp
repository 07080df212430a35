// The BFD session state machine of RFC 5880 §6.2 and the reception processing of §6.8.6 as a
// pure function: step(Session, Event, Jitter) -> Transition{Session, Actions}. It reads no socket
// and no clock: the transmit and detection timers are armed by actions and come back as events.
//
// Asynchronous mode only: vipd never sets the D bit (demand mode off); a peer's D bit is honoured
// as §6.8.7 requires (no periodic packets while both are Up). Timer changes follow §6.8.3: a Poll
// Sequence announces changed intervals while the session is Up; a larger DesiredMinTx is used
// only once the Final arrives, and a smaller RequiredMinRx counts in the Detection Time only once
// the Final arrives (the other directions apply at once). Outside Up new values apply at once,
// as FRR bfdd does. Packets leave at most once per transmit interval; the Final answering a Poll
// is the exception (§6.8.7).
//
// Authentication (auth.hpp) and the session lookup by discriminator or address (§6.8.6) belong
// to the session code that calls step() with packets that passed them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bfd/wire/packet.hpp"

namespace vipd::bfd::fsm {

using Microseconds = std::chrono::microseconds;
using wire::Diagnostic;
using wire::State;

// §6.8.3: "When bfd.SessionState is not Up, the system MUST set bfd.DesiredMinTxInterval to a
// value of not less than one second".
inline constexpr Microseconds kSlowTxInterval = std::chrono::seconds(1);

// The operator's timers (FRR `transmit-interval`, `receive-interval`, `detect-multiplier`; MetalLB
// BFDProfile transmitInterval, receiveInterval, detectMultiplier). FRR's defaults.
struct Timers {
  Microseconds desired_min_tx = std::chrono::milliseconds(300);
  Microseconds required_min_rx = std::chrono::milliseconds(300);
  std::uint8_t detect_mult = 3;
  bool operator==(const Timers&) const = default;
};

struct Config {
  std::uint32_t local_discriminator = 0;  // §6.8.1 bfd.LocalDiscr: nonzero, unique per system
  Timers timers;
  // FRR `passive-mode` / MetalLB passiveMode: send nothing until the peer's first packet
  // (§6.1 passive role, §6.8.7 "MUST NOT transmit ... if bfd.RemoteDiscr is zero").
  bool passive = false;
  // §6.4 echo function, as FRR `echo-mode` / MetalLB echoMode: while Up we send echo packets when
  // the peer allows it (nonzero Required Min Echo RX, §6.8.9). required_min_echo_rx is what we
  // advertise (FRR `echo receive-interval`, default 50 ms; 0 = `disabled`: we do not loop the
  // peer's echoes back); desired_echo_tx is FRR's `echo transmit-interval` (default 50 ms). The
  // driver keeps echo_mode off and required_min_echo_rx 0 on multihop sessions (RFC 5883 §3).
  bool echo_mode = false;
  Microseconds desired_echo_tx = std::chrono::milliseconds(50);
  Microseconds required_min_echo_rx{0};
  bool operator==(const Config&) const = default;
};

// The session, RFC 5880 §6.8.1's state variables plus what §6.8.3 and the timers need.
struct Session {
  Config config;
  State state = State::kDown;                 // bfd.SessionState
  State remote_state = State::kDown;          // bfd.RemoteSessionState
  std::uint32_t remote_discriminator = 0;     // bfd.RemoteDiscr
  Diagnostic local_diag = Diagnostic::kNone;  // bfd.LocalDiag
  // What we advertise (bfd.DesiredMinTxInterval, bfd.RequiredMinRxInterval, bfd.DetectMult).
  Microseconds desired_min_tx = kSlowTxInterval;
  Microseconds required_min_rx{0};
  std::uint8_t detect_mult = 0;
  // §6.8.3: the values in effect while a Poll Sequence announces the advertised ones.
  Microseconds desired_min_tx_in_use = kSlowTxInterval;
  Microseconds required_min_rx_in_use{0};
  // What the peer last sent.
  Microseconds remote_min_rx{1};  // bfd.RemoteMinRxInterval (initialised to 1 µs, §6.8.1)
  Microseconds remote_desired_min_tx{0};
  Microseconds remote_min_echo_rx{0};
  std::uint8_t remote_detect_mult = 0;
  bool remote_demand = false;  // bfd.RemoteDemandMode
  Diagnostic remote_diag = Diagnostic::kNone;
  // §6.5 Poll Sequence: in progress, and the (tx, rx) it announces.
  bool poll_active = false;
  Microseconds polled_desired_min_tx{0};
  Microseconds polled_required_min_rx{0};
  // Timers as the driver holds them.
  bool started = false;       // Start was given
  bool transmitting = false;  // the transmit timer is armed
  Microseconds transmit_interval_armed{0};
  bool detection_armed = false;
  // §6.4 echo: packets are being sent (FRR's BFD_SESS_FLAG_ECHO_ACTIVE) at this interval; the
  // echo transmit and echo detection timers are armed.
  bool echo_active = false;
  Microseconds echo_interval_in_use{0};
  bool admin_down_ceased = false;  // AdminDown for a Detection Time: no more packets (§6.8.16)
  // The last transition to Down was the peer's AdminDown (§6.8.6, diag 3): RFC 5882 §3.2 says a
  // client should not treat it as a failure; FRR bgpd keeps the BGP session.
  bool peer_signaled_admin_down = false;

  bool operator==(const Session&) const = default;
};

// A new session in Down (§6.8.1 initial values). Nothing is sent before Start.
Session make_session(const Config& config);

// ---- Events ----

struct Start {};  // begin: send (unless passive) and arm the transmit timer
struct PacketReceived {
  wire::ControlPacket packet;  // decoded, authenticated and matched to this session
};
struct DetectionTimerExpired {};
struct TransmitTimerExpired {};
struct AdminDown {  // FRR `shutdown` (§6.8.16)
  Diagnostic diag = Diagnostic::kAdministrativelyDown;
};
struct AdminUp {};  // FRR `no shutdown`
struct ParametersChanged {
  Timers timers;
};
// §6.4 echo: one of our echo packets came back (the driver matched its discriminator).
struct EchoReceived {};
struct EchoTransmitTimerExpired {};
struct EchoDetectionTimerExpired {};
// echo-mode, echo transmit-interval or echo receive-interval changed.
struct EchoParametersChanged {
  bool echo_mode = false;
  Microseconds desired_echo_tx{0};
  Microseconds required_min_echo_rx{0};
};
using Event =
    std::variant<Start, PacketReceived, DetectionTimerExpired, TransmitTimerExpired, AdminDown,
                 AdminUp, ParametersChanged, EchoReceived, EchoTransmitTimerExpired,
                 EchoDetectionTimerExpired, EchoParametersChanged>;

// ---- Actions, executed in order ----

struct SendPacket {
  wire::ControlPacket packet;  // the session adds authentication
  bool operator==(const SendPacket&) const = default;
};
struct ArmTransmitTimer {  // (re)arm: the next periodic packet is due after `after`
  Microseconds after{0};
  Microseconds interval{0};  // the transmit interval `after` was jittered from (§6.8.7)
  bool operator==(const ArmTransmitTimer&) const = default;
};
struct CancelTransmitTimer {
  bool operator==(const CancelTransmitTimer&) const = default;
};
struct ArmDetectionTimer {  // (re)arm: the peer is declared dead after `after` (§6.8.4)
  Microseconds after{0};
  bool operator==(const ArmDetectionTimer&) const = default;
};
struct CancelDetectionTimer {
  bool operator==(const CancelDetectionTimer&) const = default;
};
// §6.4: send one echo packet (the driver fills in the discriminator and the send time).
struct SendEcho {
  bool operator==(const SendEcho&) const = default;
};
struct ArmEchoTransmitTimer {  // (re)arm: the next echo packet is due after `after`
  Microseconds after{0};
  Microseconds interval{0};  // the echo transmit interval `after` was jittered from
  bool operator==(const ArmEchoTransmitTimer&) const = default;
};
struct ArmEchoDetectionTimer {  // (re)arm: the echo function has failed after `after`
  Microseconds after{0};
  bool operator==(const ArmEchoDetectionTimer&) const = default;
};
struct CancelEchoTimers {  // echo stops: both echo timers
  bool operator==(const CancelEchoTimers&) const = default;
};
struct StateChanged {
  State from = State::kDown;
  State to = State::kDown;
  Diagnostic diag = Diagnostic::kNone;    // bfd.LocalDiag after the change
  bool peer_signaled_admin_down = false;  // Down because the peer said AdminDown
  bool operator==(const StateChanged&) const = default;
};
// Why a packet changed nothing (counted by the session).
enum class DiscardReason : std::uint8_t {
  kYourDiscriminatorMismatch,  // §6.8.6: Your Discriminator is not ours
  kAdminDown,                  // §6.8.6: bfd.SessionState is AdminDown
};
struct PacketDiscarded {
  DiscardReason reason = DiscardReason::kAdminDown;
  bool operator==(const PacketDiscarded&) const = default;
};
using Action = std::variant<SendPacket, ArmTransmitTimer, CancelTransmitTimer, ArmDetectionTimer,
                            CancelDetectionTimer, StateChanged, PacketDiscarded, SendEcho,
                            ArmEchoTransmitTimer, ArmEchoDetectionTimer, CancelEchoTimers>;
std::string to_string(const Action& action);

struct Transition {
  Session session;
  std::vector<Action> actions;
};

// §6.8.7 jitter: a uniform random number in [0, 1]; the transmit interval is reduced to 75-100%
// of itself (75-90% when bfd.DetectMult is 1). Out-of-range values are clamped. Tests pass a
// constant.
using Jitter = std::function<double()>;

Transition step(const Session& session, const Event& event, const Jitter& jitter);

// ---- Derived values ----

// §6.8.7: max(bfd.DesiredMinTxInterval in use, bfd.RemoteMinRxInterval).
Microseconds transmit_interval(const Session& session);
// §6.8.4, asynchronous mode: the remote Detect Mult × max(bfd.RequiredMinRxInterval in use, the
// remote Desired Min TX).
Microseconds detection_time(const Session& session);
// §6.8.7: the interval reduced by jitter u in [0, 1].
Microseconds jittered(Microseconds interval, std::uint8_t detect_mult, double u);
// §6.4/§6.8.9 echo: the interval to send echo packets at when the echo function is on (started,
// Up, echo_mode, and the peer's Required Min Echo RX is nonzero): max(desired_echo_tx, remote
// Required Min Echo RX), as FRR's bs_echo_timer_handler(); nullopt when echo packets must not be
// sent.
std::optional<Microseconds> echo_transmit_interval(const Session& session);
// FRR's echo detection time (ptm_bfd_echo_start): the remote Detect Mult × the echo transmit
// interval (RFC 5880 §6.8.5 leaves it to the implementation).
std::optional<Microseconds> echo_detection_time(const Session& session);
// The packet the session sends now (§6.8.7 contents); `final` answers a Poll.
wire::ControlPacket make_packet(const Session& session, bool final);

}  // namespace vipd::bfd::fsm
