#include "bfd/fsm/fsm.hpp"

#include <algorithm>
#include <limits>

namespace vipd::bfd::fsm {

namespace {

std::uint32_t to_wire(Microseconds interval) {
  constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
  if (interval.count() <= 0) return 0;
  return interval.count() >= kMax ? kMax : static_cast<std::uint32_t>(interval.count());
}

// §6.8.3: at least one second while not Up.
Microseconds advertised_desired_min_tx(const Session& s) {
  const Microseconds configured = s.config.timers.desired_min_tx;
  return s.state == State::kUp ? configured : std::max(configured, kSlowTxInterval);
}

class Stepper {
 public:
  Stepper(const Session& session, const Jitter& jitter) : s_(session), jitter_(jitter) {}

  Transition done() {
    sync_echo();
    return {std::move(s_), std::move(actions_)};
  }

  void start() {
    if (s_.started) return;
    s_.started = true;
    apply_timers();
    sync_transmit();
  }

  void packet_received(const wire::ControlPacket& p) {
    // §6.8.6: "If the Your Discriminator field is nonzero, it MUST be used to select the
    // session": a packet for another session changes nothing here.
    if (p.your_discriminator != 0 && p.your_discriminator != s_.config.local_discriminator) {
      actions_.push_back(PacketDiscarded{DiscardReason::kYourDiscriminatorMismatch});
      return;
    }
    // §6.8.6: the remote variables are updated before the AdminDown discard.
    s_.remote_discriminator = p.my_discriminator;
    s_.remote_state = p.state;
    s_.remote_demand = p.demand;
    s_.remote_min_rx = Microseconds(p.required_min_rx_us);
    s_.remote_desired_min_tx = Microseconds(p.desired_min_tx_us);
    s_.remote_min_echo_rx = Microseconds(p.required_min_echo_rx_us);
    s_.remote_detect_mult = p.detect_mult;
    s_.remote_diag = p.diag;
    // §6.8.6: "If a Poll Sequence is being transmitted by the local system and the Final (F)
    // bit in the received packet is set, the Poll Sequence MUST be terminated."
    if (s_.poll_active && p.final) finish_poll();

    if (s_.state == State::kAdminDown) {
      actions_.push_back(PacketDiscarded{DiscardReason::kAdminDown});
      sync_transmit();
      return;
    }
    // §6.8.6 state transitions (the §6.2 diagram).
    if (p.state == State::kAdminDown) {
      if (s_.state != State::kDown) {
        change_state(State::kDown, Diagnostic::kNeighborSignaledSessionDown, true);
      }
    } else if (s_.state == State::kDown) {
      if (p.state == State::kDown) {
        change_state(State::kInit, s_.local_diag);
      } else if (p.state == State::kInit) {
        change_state(State::kUp, Diagnostic::kNone);
      }
    } else if (s_.state == State::kInit) {
      if (p.state == State::kInit || p.state == State::kUp) {
        change_state(State::kUp, Diagnostic::kNone);
      }
    } else if (p.state == State::kDown) {  // Up
      change_state(State::kDown, Diagnostic::kNeighborSignaledSessionDown);
    }
    // §6.8.6: "If the Poll (P) bit is set, send a BFD Control packet to the remote system with
    // the Poll (P) bit clear, and the Final (F) bit set" (§6.8.7: regardless of the timer).
    if (p.poll) actions_.push_back(SendPacket{make_packet(s_, true)});
    // §6.8.4: the packet was received for the purposes of the Detection Time.
    arm_detection(detection_time(s_));
    sync_transmit();
  }

  void detection_timer_expired() {
    s_.detection_armed = false;
    if (s_.state == State::kAdminDown) {
      // §6.8.16: AdminDown packets went out for a Detection Time; now stop.
      s_.admin_down_ceased = true;
      sync_transmit();
      return;
    }
    // §6.8.4: Init or Up without packets for a Detection Time: Down, diag 1.
    if (s_.state == State::kInit || s_.state == State::kUp) {
      change_state(State::kDown, Diagnostic::kControlDetectionTimeExpired);
    }
    // §6.8.1 bfd.RemoteDiscr: "If a period of a Detection Time passes without the receipt of a
    // valid, authenticated BFD packet from the remote system, this variable MUST be set to zero."
    forget_remote();
    sync_transmit();
  }

  void transmit_timer_expired() {
    s_.transmitting = false;  // the timer ran out; sync_transmit re-arms it when due
    if (!should_transmit()) return;
    actions_.push_back(SendPacket{make_packet(s_, false)});
    arm_transmit();
  }

  void admin_down(Diagnostic diag) {
    if (s_.state == State::kAdminDown) return;
    change_state(State::kAdminDown, diag);
    s_.admin_down_ceased = false;
    // §6.8.16: tell the peer at once, then keep sending AdminDown for a Detection Time.
    if (should_transmit()) actions_.push_back(SendPacket{make_packet(s_, false)});
    const Microseconds linger = detection_time(s_);
    if (linger.count() > 0 && s_.remote_discriminator != 0) {
      arm_detection(linger);
    } else {
      s_.admin_down_ceased = true;
      if (s_.detection_armed) {
        actions_.push_back(CancelDetectionTimer{});
        s_.detection_armed = false;
      }
    }
    sync_transmit();
  }

  void admin_up() {
    if (s_.state != State::kAdminDown) return;
    s_.admin_down_ceased = false;
    change_state(State::kDown, s_.local_diag);
    sync_transmit();
  }

  void parameters_changed(const Timers& timers) {
    s_.config.timers = timers;
    apply_timers();
    sync_transmit();
  }

  void echo_parameters_changed(const EchoParametersChanged& e) {
    s_.config.echo_mode = e.echo_mode;
    s_.config.desired_echo_tx = e.desired_echo_tx;
    // Advertised from the next Control packet on; FRR sends it without a Poll Sequence.
    s_.config.required_min_echo_rx = e.required_min_echo_rx;
  }

  // §6.4: one of our echoes came back through the peer's forwarding plane: the echo path works
  // (FRR's ptm_bfd_process_echo_pkt re-arms the echo detection timer).
  void echo_received() {
    if (!s_.echo_active) return;
    arm_echo_detection();
  }

  void echo_transmit_timer_expired() {
    if (!s_.echo_active) return;
    actions_.push_back(SendEcho{});
    arm_echo_transmit();
  }

  // §6.8.5: "If the Echo function is active and [...] no Echo packets have been received", the
  // session goes Down with diag 2 (Echo Function Failed); FRR's bfd_echo_recvtimer_cb does so in
  // Init or Up. Going Down stops the echoes (sync_echo).
  void echo_detection_timer_expired() {
    if (!s_.echo_active) return;
    if (s_.state == State::kInit || s_.state == State::kUp) {
      change_state(State::kDown, Diagnostic::kEchoFunctionFailed);
    }
    sync_transmit();
  }

 private:
  void change_state(State to, Diagnostic diag, bool peer_admin_down = false) {
    const State from = s_.state;
    s_.state = to;
    s_.local_diag = diag;
    s_.peer_signaled_admin_down = peer_admin_down;
    actions_.push_back(StateChanged{from, to, diag, peer_admin_down});
    apply_timers();
  }

  // §6.8.3: bring the advertised intervals in line with the state and the configuration; while
  // Up a change is announced with a Poll Sequence and the risky direction waits for the Final.
  void apply_timers() {
    const Microseconds tx = advertised_desired_min_tx(s_);
    const Microseconds rx = s_.config.timers.required_min_rx;
    s_.detect_mult = s_.config.timers.detect_mult;
    if (s_.state != State::kUp) {
      s_.desired_min_tx = s_.desired_min_tx_in_use = tx;
      s_.required_min_rx = s_.required_min_rx_in_use = rx;
      s_.poll_active = false;
      return;
    }
    if (tx == s_.desired_min_tx && rx == s_.required_min_rx) return;
    s_.desired_min_tx = tx;
    s_.required_min_rx = rx;
    // "If bfd.DesiredMinTxInterval is increased ... the actual transmission interval used MUST
    // NOT change until the Poll Sequence ... has terminated"; a decrease may apply at once.
    s_.desired_min_tx_in_use = std::min(s_.desired_min_tx_in_use, tx);
    // "If bfd.RequiredMinRxInterval is reduced ... the previous value ... MUST be used when
    // calculating the Detection Time ... until the Poll Sequence ... has terminated."
    s_.required_min_rx_in_use = std::max(s_.required_min_rx_in_use, rx);
    if (!s_.poll_active) start_poll();
  }

  void start_poll() {
    s_.poll_active = true;
    s_.polled_desired_min_tx = s_.desired_min_tx;
    s_.polled_required_min_rx = s_.required_min_rx;
  }

  // The Final acknowledges the polled values. If the advertised ones changed meanwhile the peer
  // may not know them yet: keep the safe combination and poll again (§6.5: one Poll Sequence at
  // a time).
  void finish_poll() {
    s_.desired_min_tx_in_use = std::min(s_.polled_desired_min_tx, s_.desired_min_tx);
    s_.required_min_rx_in_use = std::max(s_.polled_required_min_rx, s_.required_min_rx);
    if (s_.polled_desired_min_tx == s_.desired_min_tx &&
        s_.polled_required_min_rx == s_.required_min_rx) {
      s_.poll_active = false;
    } else {
      start_poll();
    }
  }

  void forget_remote() {
    const Session fresh = make_session(s_.config);
    s_.remote_discriminator = 0;
    s_.remote_state = State::kDown;
    s_.remote_min_rx = fresh.remote_min_rx;
    s_.remote_desired_min_tx = fresh.remote_desired_min_tx;
    s_.remote_min_echo_rx = fresh.remote_min_echo_rx;
    s_.remote_detect_mult = 0;
    s_.remote_demand = false;
    s_.remote_diag = Diagnostic::kNone;
  }

  // §6.8.7 "When to transmit".
  bool should_transmit() const {
    if (!s_.started) return false;
    if (s_.state == State::kAdminDown && s_.admin_down_ceased) return false;
    // "MUST NOT transmit BFD Control packets if bfd.RemoteDiscr is zero and the system is
    // taking the Passive role."
    if (s_.config.passive && s_.remote_discriminator == 0) return false;
    // "MUST NOT periodically transmit BFD Control packets if bfd.RemoteMinRxInterval is zero."
    if (s_.remote_min_rx.count() == 0) return false;
    // "... if Demand mode is active on the remote system (bfd.RemoteDemandMode is 1,
    // bfd.SessionState is Up, and bfd.RemoteSessionState is Up)".
    if (s_.remote_demand && s_.state == State::kUp && s_.remote_state == State::kUp) return false;
    return true;
  }

  void arm_transmit() {
    const Microseconds interval = transmit_interval(s_);
    const double u = jitter_ ? jitter_() : 1.0;
    actions_.push_back(ArmTransmitTimer{jittered(interval, s_.detect_mult, u), interval});
    s_.transmitting = true;
    s_.transmit_interval_armed = interval;
  }

  // Starts, stops or speeds up periodic transmission to match the session.
  void sync_transmit() {
    if (!should_transmit()) {
      if (s_.transmitting) {
        actions_.push_back(CancelTransmitTimer{});
        s_.transmitting = false;
      }
      return;
    }
    if (!s_.transmitting) {
      // Nothing was sent since the timer stopped (or ever): send now.
      actions_.push_back(SendPacket{make_packet(s_, false)});
      arm_transmit();
    } else if (transmit_interval(s_) < s_.transmit_interval_armed) {
      // §6.8.3: a faster rate may apply at once; re-arming from now never sends sooner than
      // the new interval after the last packet.
      arm_transmit();
    }
  }

  // Starts, stops or re-times the echo function after every event (FRR's bs_echo_timer_handler
  // and ptm_bfd_echo_start/stop): echoes flow only while echo_transmit_interval() says so; a new
  // interval restarts them (one echo now, the echo detection timer re-armed).
  void sync_echo() {
    const std::optional<Microseconds> interval = echo_transmit_interval(s_);
    if (!interval) {
      if (s_.echo_active) {
        actions_.push_back(CancelEchoTimers{});
        s_.echo_active = false;
        s_.echo_interval_in_use = Microseconds{0};
      }
      return;
    }
    if (s_.echo_active && *interval == s_.echo_interval_in_use) return;
    s_.echo_active = true;
    s_.echo_interval_in_use = *interval;
    arm_echo_detection();
    actions_.push_back(SendEcho{});
    arm_echo_transmit();
  }

  void arm_echo_transmit() {
    // §6.8.9 asks only for "no less than" the peer's Required Min Echo RX; FRR jitters echoes as
    // it jitters Control packets (§6.8.7: 75-100%, 75-90% with Detect Mult 1).
    const double u = jitter_ ? jitter_() : 1.0;
    actions_.push_back(ArmEchoTransmitTimer{jittered(s_.echo_interval_in_use, s_.detect_mult, u),
                                            s_.echo_interval_in_use});
  }

  void arm_echo_detection() {
    actions_.push_back(ArmEchoDetectionTimer{s_.remote_detect_mult * s_.echo_interval_in_use});
  }

  void arm_detection(Microseconds after) {
    actions_.push_back(ArmDetectionTimer{after});
    s_.detection_armed = true;
  }

  Session s_;
  const Jitter& jitter_;
  std::vector<Action> actions_;
};

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string micros(Microseconds us) {
  return std::to_string(us.count()) + "us";
}

}  // namespace

Session make_session(const Config& config) {
  Session s;
  s.config = config;
  s.detect_mult = config.timers.detect_mult;
  s.desired_min_tx = s.desired_min_tx_in_use = advertised_desired_min_tx(s);
  s.required_min_rx = s.required_min_rx_in_use = config.timers.required_min_rx;
  return s;
}

Transition step(const Session& session, const Event& event, const Jitter& jitter) {
  Stepper stepper(session, jitter);
  std::visit(Overloaded{
                 [&](const Start&) { stepper.start(); },
                 [&](const PacketReceived& e) { stepper.packet_received(e.packet); },
                 [&](const DetectionTimerExpired&) { stepper.detection_timer_expired(); },
                 [&](const TransmitTimerExpired&) { stepper.transmit_timer_expired(); },
                 [&](const AdminDown& e) { stepper.admin_down(e.diag); },
                 [&](const AdminUp&) { stepper.admin_up(); },
                 [&](const ParametersChanged& e) { stepper.parameters_changed(e.timers); },
                 [&](const EchoReceived&) { stepper.echo_received(); },
                 [&](const EchoTransmitTimerExpired&) { stepper.echo_transmit_timer_expired(); },
                 [&](const EchoDetectionTimerExpired&) { stepper.echo_detection_timer_expired(); },
                 [&](const EchoParametersChanged& e) { stepper.echo_parameters_changed(e); },
             },
             event);
  return stepper.done();
}

Microseconds transmit_interval(const Session& session) {
  return std::max(session.desired_min_tx_in_use, session.remote_min_rx);
}

Microseconds detection_time(const Session& session) {
  return session.remote_detect_mult *
         std::max(session.required_min_rx_in_use, session.remote_desired_min_tx);
}

Microseconds jittered(Microseconds interval, std::uint8_t detect_mult, double u) {
  u = std::clamp(u, 0.0, 1.0);
  // §6.8.7: "reduced by a random value of 0 to 25%"; with bfd.DetectMult 1 "MUST be no more
  // than 90% ... and MUST be no less than 75%".
  const double span = detect_mult == 1 ? 0.15 : 0.25;
  const double factor = 0.75 + span * u;
  return Microseconds(
      static_cast<Microseconds::rep>(static_cast<double>(interval.count()) * factor));
}

std::optional<Microseconds> echo_transmit_interval(const Session& session) {
  // §6.8.9 / §6.8.6: "If the Required Min Echo RX Interval field is zero, the local system
  // MUST NOT send Echo packets."
  if (!session.started || !session.config.echo_mode || session.state != State::kUp ||
      session.remote_min_echo_rx.count() == 0 || session.config.desired_echo_tx.count() <= 0) {
    return std::nullopt;
  }
  return std::max(session.config.desired_echo_tx, session.remote_min_echo_rx);
}

std::optional<Microseconds> echo_detection_time(const Session& session) {
  auto interval = echo_transmit_interval(session);
  if (!interval) return std::nullopt;
  return session.remote_detect_mult * *interval;
}

wire::ControlPacket make_packet(const Session& session, bool final) {
  wire::ControlPacket p;
  p.diag = session.local_diag;
  p.state = session.state;
  // §6.8.7: "A BFD Control packet MUST NOT have both the Poll (P) and Final (F) bits set."
  p.poll = session.poll_active && !final;
  p.final = final;
  p.detect_mult = session.detect_mult;
  p.my_discriminator = session.config.local_discriminator;
  p.your_discriminator = session.remote_discriminator;
  p.desired_min_tx_us = to_wire(session.desired_min_tx);
  p.required_min_rx_us = to_wire(session.required_min_rx);
  p.required_min_echo_rx_us = to_wire(session.config.required_min_echo_rx);
  return p;
}

std::string to_string(const Action& action) {
  return std::visit(
      Overloaded{
          [](const SendPacket& a) {
            const auto& p = a.packet;
            return "SendPacket(" + std::string(wire::to_string(p.state)) + (p.poll ? " P" : "") +
                   (p.final ? " F" : "") + " diag=" + std::to_string(static_cast<int>(p.diag)) +
                   " your=" + std::to_string(p.your_discriminator) +
                   " tx=" + std::to_string(p.desired_min_tx_us) +
                   " rx=" + std::to_string(p.required_min_rx_us) + ")";
          },
          [](const ArmTransmitTimer& a) {
            return "ArmTransmitTimer(" + micros(a.after) + " of " + micros(a.interval) + ")";
          },
          [](const CancelTransmitTimer&) { return std::string("CancelTransmitTimer"); },
          [](const ArmDetectionTimer& a) { return "ArmDetectionTimer(" + micros(a.after) + ")"; },
          [](const CancelDetectionTimer&) { return std::string("CancelDetectionTimer"); },
          [](const StateChanged& a) {
            return "StateChanged(" + std::string(wire::to_string(a.from)) + " -> " +
                   std::string(wire::to_string(a.to)) + ", " +
                   std::string(wire::to_string(a.diag)) +
                   (a.peer_signaled_admin_down ? ", peer AdminDown" : "") + ")";
          },
          [](const SendEcho&) { return std::string("SendEcho"); },
          [](const ArmEchoTransmitTimer& a) {
            return "ArmEchoTransmitTimer(" + micros(a.after) + " of " + micros(a.interval) + ")";
          },
          [](const ArmEchoDetectionTimer& a) {
            return "ArmEchoDetectionTimer(" + micros(a.after) + ")";
          },
          [](const CancelEchoTimers&) { return std::string("CancelEchoTimers"); },
          [](const PacketDiscarded& a) {
            return std::string(a.reason == DiscardReason::kAdminDown
                                   ? "PacketDiscarded(admin-down)"
                                   : "PacketDiscarded(your-discriminator)");
          },
      },
      action);
}

}  // namespace vipd::bfd::fsm
