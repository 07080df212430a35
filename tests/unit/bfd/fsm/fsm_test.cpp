// The BFD session FSM (RFC 5880 §6.2, §6.8) on a simulated clock: two sessions back to back
// (sim_link.hpp), and single steps for the transition table.
#include "bfd/fsm/fsm.hpp"

#include <gtest/gtest.h>

#include "sim_link.hpp"

namespace vipd::bfd::fsm {
namespace {

using namespace std::chrono_literals;
using testing::bring_up;
using testing::config;
using testing::Link;
using testing::Node;

std::vector<std::pair<State, State>> transitions(const Node& node) {
  std::vector<std::pair<State, State>> out;
  for (const auto& c : node.changes) out.emplace_back(c.change.from, c.change.to);
  return out;
}

// ---- §6.2 three-way handshake ----

TEST(BfdFsm, ThreeWayHandshakeActiveToPassive) {
  Config passive = config(2);
  passive.passive = true;
  Link link(config(1), passive);
  link.handle(link.a(), Start{});
  link.handle(link.b(), Start{});
  EXPECT_TRUE(link.b().sent.empty());  // passive: nothing before the peer spoke
  link.run_for(2s);
  // B: Down -> Init on A's Down; A: Down -> Up on B's Init; B: Init -> Up on A's Up.
  EXPECT_EQ(transitions(link.b()), (std::vector<std::pair<State, State>>{
                                       {State::kDown, State::kInit}, {State::kInit, State::kUp}}));
  EXPECT_EQ(transitions(link.a()),
            (std::vector<std::pair<State, State>>{{State::kDown, State::kUp}}));
  EXPECT_EQ(link.a().session.remote_discriminator, 2u);
  EXPECT_EQ(link.b().session.remote_discriminator, 1u);
  EXPECT_EQ(link.a().changes[0].change.diag, Diagnostic::kNone);
}

TEST(BfdFsm, ThreeWayHandshakeBothActive) {
  Link link(config(1), config(2));
  link.handle(link.a(), Start{});
  link.handle(link.b(), Start{});
  link.run_for(3s);
  const std::vector<std::pair<State, State>> expected{{State::kDown, State::kInit},
                                                      {State::kInit, State::kUp}};
  EXPECT_EQ(transitions(link.a()), expected);
  EXPECT_EQ(transitions(link.b()), expected);
  // Init -> Up takes the next packet: one slow-rate interval (1 s, §6.8.3) for B; B's Up packet
  // then leaves at B's new 300 ms rate and brings A Up.
  EXPECT_EQ(link.b().changes[1].at, 1s);
  EXPECT_EQ(link.a().changes[1].at, 1300ms);
}

TEST(BfdFsm, FirstPacketIsDownWithYourDiscriminatorZero) {
  Link link(config(7), config(8));
  link.connected = false;
  link.handle(link.a(), Start{});
  ASSERT_EQ(link.a().sent.size(), 1u);
  const wire::ControlPacket& p = link.a().sent[0].packet;
  EXPECT_EQ(p.state, State::kDown);
  EXPECT_EQ(p.my_discriminator, 7u);
  EXPECT_EQ(p.your_discriminator, 0u);
  EXPECT_EQ(p.detect_mult, 3);
  EXPECT_FALSE(p.poll || p.final || p.demand || p.auth);
}

// ---- §6.8.3 slow rate ----

TEST(BfdFsm, SlowRateBeforeUp) {
  Link link(config(1, 50ms, 50ms), config(2));
  link.connected = false;
  link.handle(link.a(), Start{});
  link.run_for(5s);
  // One packet a second, each advertising 1 s whatever the configured 50 ms.
  ASSERT_EQ(link.a().sent.size(), 6u);
  for (std::size_t i = 0; i < link.a().sent.size(); ++i) {
    EXPECT_EQ(link.a().sent[i].at, std::chrono::seconds(i));
    EXPECT_EQ(link.a().sent[i].packet.desired_min_tx_us, 1000000u);
    EXPECT_EQ(link.a().sent[i].packet.required_min_rx_us, 50000u);
  }
  for (const auto& arm : link.a().transmit_arms) EXPECT_EQ(arm.interval, 1s);
}

TEST(BfdFsm, LeavesSlowRateWithAPollOnceUp) {
  Link link(config(1), config(2));
  bring_up(link);
  // The first Up packet of each side polls for 300 ms (§6.8.3: DesiredMinTx changed).
  bool polled = false;
  for (const auto& s : link.a().sent) {
    if (s.packet.state == State::kUp && s.packet.poll) {
      polled = true;
      EXPECT_EQ(s.packet.desired_min_tx_us, 300000u);
    }
  }
  EXPECT_TRUE(polled);
  EXPECT_EQ(transmit_interval(link.a().session), 300ms);
  EXPECT_EQ(detection_time(link.a().session), 900ms);
  // Steady state: a packet every 300 ms.
  const std::size_t before = link.a().sent.size();
  link.run_for(3s);
  EXPECT_EQ(link.a().sent.size() - before, 10u);
}

// ---- §6.8.4 detection ----

TEST(BfdFsm, DetectionTimeoutAtExactlyTheDetectionTime) {
  Link link(config(1), config(2));
  bring_up(link);
  link.run_for(123ms);
  link.connected = false;
  const auto last_heard = link.a().received.back().at;
  link.run_for(2s);
  ASSERT_EQ(link.a().changes.back().change.to, State::kDown);
  EXPECT_EQ(link.a().changes.back().change.from, State::kUp);
  EXPECT_EQ(link.a().changes.back().change.diag, Diagnostic::kControlDetectionTimeExpired);
  EXPECT_EQ(link.a().changes.back().at, last_heard + 900ms);
  EXPECT_FALSE(link.a().changes.back().change.peer_signaled_admin_down);
  // The peer is forgotten (§6.8.1 bfd.RemoteDiscr) and the next packets say why.
  EXPECT_EQ(link.a().session.remote_discriminator, 0u);
  EXPECT_EQ(link.a().sent.back().packet.diag, Diagnostic::kControlDetectionTimeExpired);
  EXPECT_EQ(link.a().sent.back().packet.your_discriminator, 0u);
  EXPECT_EQ(link.a().sent.back().packet.desired_min_tx_us, 1000000u);  // slow rate again
}

TEST(BfdFsm, DetectionTimeUsesTheLargerOfLocalRxAndRemoteTx) {
  // A: rx 100 ms; B: tx 400 ms, mult 5 -> A detects after 5 x 400 ms.
  Link link(config(1, 300ms, 100ms), config(2, 400ms, 300ms, 5));
  link.handle(link.a(), Start{});
  link.handle(link.b(), Start{});
  link.run_for(5s);
  ASSERT_EQ(link.a().session.state, State::kUp);
  EXPECT_EQ(detection_time(link.a().session), 2000ms);
  EXPECT_EQ(link.a().detection_arms.back().after, 2000ms);
  // B: A's mult 3 x max(B rx 300, A tx 300).
  EXPECT_EQ(detection_time(link.b().session), 900ms);
  // A sends at max(its 300 ms, B's required 300 ms); B at max(400, 100).
  EXPECT_EQ(transmit_interval(link.a().session), 300ms);
  EXPECT_EQ(transmit_interval(link.b().session), 400ms);
}

TEST(BfdFsm, DetectionExpiryInDownForgetsThePeerAndPassiveFallsSilent) {
  Config passive = config(2);
  passive.passive = true;
  Link link(config(1), passive);
  link.handle(link.b(), Start{});
  PacketReceived down{make_packet(make_session(config(1)), false)};
  link.handle(link.b(), down);
  EXPECT_EQ(link.b().session.state, State::kInit);
  ASSERT_FALSE(link.b().sent.empty());  // the passive side answers once spoken to
  link.connected = false;
  link.run_for(10s);
  EXPECT_EQ(link.b().session.state, State::kDown);
  EXPECT_EQ(link.b().session.remote_discriminator, 0u);
  const std::size_t sent = link.b().sent.size();
  link.run_for(10s);
  EXPECT_EQ(link.b().sent.size(), sent);
  EXPECT_FALSE(link.b().transmit->armed());
}

// ---- §6.8.3 Poll sequences ----

TEST(BfdFsm, PollSequenceTo50msAppliesTheNewDetectionTimeOnlyAfterFinal) {
  Link link(config(1), config(2));
  bring_up(link);
  // B first, so that A's own change is the one that matters for A's detection time.
  link.handle(link.b(), ParametersChanged{{50ms, 50ms, 3}});
  link.run_for(1s);
  ASSERT_FALSE(link.b().session.poll_active);
  EXPECT_EQ(link.a().session.remote_desired_min_tx, 50ms);
  EXPECT_EQ(detection_time(link.a().session), 900ms);  // A still requires 300 ms

  const std::size_t arms_before = link.a().detection_arms.size();
  const std::size_t received_before = link.a().received.size();
  link.handle(link.a(), ParametersChanged{{50ms, 50ms, 3}});
  EXPECT_TRUE(link.a().session.poll_active);
  EXPECT_EQ(link.a().session.required_min_rx, 50ms);          // advertised at once
  EXPECT_EQ(link.a().session.required_min_rx_in_use, 300ms);  // but not yet used
  EXPECT_EQ(detection_time(link.a().session), 900ms);
  // A faster transmit rate applies at once: the timer is re-armed with 50 ms.
  EXPECT_EQ(link.a().transmit_arms.back().interval, 50ms);
  link.run_for(1s);
  ASSERT_FALSE(link.a().session.poll_active);

  // Every detection arm before the Final used 900 ms; the Final's and later ones 150 ms.
  std::size_t final_index = 0;
  for (std::size_t i = received_before; i < link.a().received.size(); ++i) {
    if (link.a().received[i].packet.final) {
      final_index = i - received_before;
      break;
    }
  }
  const auto& arms = link.a().detection_arms;
  ASSERT_GT(arms.size(), arms_before + final_index);
  for (std::size_t i = arms_before; i < arms_before + final_index; ++i) {
    EXPECT_EQ(arms[i].after, 900ms) << i;
  }
  for (std::size_t i = arms_before + final_index; i < arms.size(); ++i) {
    EXPECT_EQ(arms[i].after, 150ms) << i;
  }
  // A's Poll packets carried P and the new values; B answered with F and P clear.
  bool saw_poll = false;
  for (const auto& s : link.a().sent) {
    if (s.packet.poll && s.packet.required_min_rx_us == 50000) saw_poll = true;
  }
  EXPECT_TRUE(saw_poll);
  for (const auto& s : link.b().sent) EXPECT_FALSE(s.packet.poll && s.packet.final);

  // And the new detection time holds: cut the link, Down 150 ms after the last packet.
  link.connected = false;
  const auto last_heard = link.a().received.back().at;
  link.run_for(1s);
  EXPECT_EQ(link.a().changes.back().at, last_heard + 150ms);
  EXPECT_EQ(link.a().changes.back().change.diag, Diagnostic::kControlDetectionTimeExpired);
}

TEST(BfdFsm, LargerTransmitIntervalWaitsForFinal) {
  Link link(config(1), config(2));
  bring_up(link);
  link.connected = false;  // hold the Final back
  link.handle(link.a(), ParametersChanged{{1s, 300ms, 3}});
  EXPECT_TRUE(link.a().session.poll_active);
  EXPECT_EQ(link.a().session.desired_min_tx, 1s);
  EXPECT_EQ(transmit_interval(link.a().session), 300ms);  // §6.8.3: not before the Final
  link.connected = true;
  link.run_for(300ms);
  EXPECT_FALSE(link.a().session.poll_active);
  EXPECT_EQ(transmit_interval(link.a().session), 1s);
}

TEST(BfdFsm, AnswersPollWithFinalAtOnceCarryingItsState) {
  Session s = make_session(config(2));
  const auto start = step(s, Start{}, [] { return 1.0; });
  wire::ControlPacket poll = make_packet(make_session(config(1)), false);
  poll.state = State::kInit;
  poll.your_discriminator = 2;
  poll.poll = true;
  const auto t = step(start.session, PacketReceived{poll}, [] { return 1.0; });
  EXPECT_EQ(t.session.state, State::kUp);
  const SendPacket* final = nullptr;
  for (const Action& a : t.actions) {
    if (auto* send = std::get_if<SendPacket>(&a)) final = send;
  }
  ASSERT_NE(final, nullptr);
  EXPECT_TRUE(final->packet.final);
  EXPECT_FALSE(final->packet.poll);  // §6.8.7: never both, though our own Poll is running
  EXPECT_TRUE(t.session.poll_active);
  EXPECT_EQ(final->packet.state, State::kUp);
}

// ---- §6.8.7 jitter ----

TEST(BfdFsm, JitterBounds) {
  EXPECT_EQ(jittered(1000ms, 3, 0.0), 750ms);
  EXPECT_EQ(jittered(1000ms, 3, 1.0), 1000ms);
  EXPECT_EQ(jittered(1000ms, 3, 0.5), 875ms);
  EXPECT_EQ(jittered(1000ms, 1, 0.0), 750ms);
  EXPECT_EQ(jittered(1000ms, 1, 1.0), 900ms);
  EXPECT_EQ(jittered(1000ms, 3, -1.0), 750ms);  // clamped
  EXPECT_EQ(jittered(1000ms, 3, 2.0), 1000ms);
  for (double u = 0.0; u <= 1.0; u += 0.01) {
    EXPECT_GE(jittered(300ms, 2, u), 225ms);
    EXPECT_LE(jittered(300ms, 2, u), 300ms);
    EXPECT_GE(jittered(300ms, 1, u), 225ms);
    EXPECT_LE(jittered(300ms, 1, u), 270ms);
  }
}

TEST(BfdFsm, TransmitTimerIsJittered) {
  Link link(config(1, 300ms, 300ms, 1), config(2));
  link.a().jitter = 0.0;
  link.connected = false;
  link.handle(link.a(), Start{});
  link.run_for(3s);
  for (const auto& arm : link.a().transmit_arms) {
    EXPECT_EQ(arm.interval, 1s);
    EXPECT_EQ(arm.after, 750ms);
  }
  EXPECT_EQ(link.a().sent[1].at, 750ms);
  link.a().jitter = 1.0;
  link.run_for(3s);
  EXPECT_EQ(link.a().transmit_arms.back().after, 900ms);  // detect mult 1: at most 90%
}

// ---- §6.8.16 AdminDown ----

TEST(BfdFsm, LocalAdminDownTakesThePeerDownWithDiag3) {
  Link link(config(1), config(2));
  bring_up(link);
  link.handle(link.a(), AdminDown{});
  EXPECT_EQ(link.a().session.state, State::kAdminDown);
  EXPECT_EQ(link.a().changes.back().change.to, State::kAdminDown);
  EXPECT_EQ(link.a().changes.back().change.diag, Diagnostic::kAdministrativelyDown);
  EXPECT_EQ(link.a().sent.back().packet.state, State::kAdminDown);
  EXPECT_EQ(link.a().sent.back().packet.diag, Diagnostic::kAdministrativelyDown);
  link.run_for(10ms);
  EXPECT_EQ(link.b().session.state, State::kDown);
  const StateChanged& change = link.b().changes.back().change;
  EXPECT_EQ(change.from, State::kUp);
  EXPECT_EQ(change.diag, Diagnostic::kNeighborSignaledSessionDown);
  EXPECT_TRUE(change.peer_signaled_admin_down);  // the BGP glue ignores this one (RFC 5882 §3.2)
  EXPECT_TRUE(link.b().session.peer_signaled_admin_down);
  // B's packets are discarded while A is AdminDown, and A stops after a Detection Time.
  link.run_for(5s);
  EXPECT_FALSE(link.a().discarded.empty());
  EXPECT_EQ(link.a().discarded.back().reason, DiscardReason::kAdminDown);
  EXPECT_TRUE(link.a().session.admin_down_ceased);
  EXPECT_FALSE(link.a().transmit->armed());
  EXPECT_EQ(link.b().session.state, State::kDown);
  // AdminUp: Down, then the handshake again.
  link.handle(link.a(), AdminUp{});
  EXPECT_EQ(link.a().session.state, State::kDown);
  link.run_for(5s);
  EXPECT_EQ(link.a().session.state, State::kUp);
  EXPECT_EQ(link.b().session.state, State::kUp);
  EXPECT_FALSE(link.b().session.peer_signaled_admin_down);
}

TEST(BfdFsm, PeerAdminDownTakesUsDown) {
  Link link(config(1), config(2));
  bring_up(link);
  link.handle(link.b(), AdminDown{});
  link.run_for(10ms);
  EXPECT_EQ(link.a().session.state, State::kDown);
  EXPECT_EQ(link.a().changes.back().change.diag, Diagnostic::kNeighborSignaledSessionDown);
  EXPECT_TRUE(link.a().changes.back().change.peer_signaled_admin_down);
  EXPECT_EQ(link.a().session.remote_state, State::kAdminDown);
  // A stays Down (not Init) while the peer says AdminDown.
  link.run_for(3s);
  EXPECT_EQ(link.a().session.state, State::kDown);
}

// ---- §6.8.6 a restarted peer ----

TEST(BfdFsm, RestartedPeerWithANewDiscriminator) {
  Link link(config(1), config(2));
  bring_up(link);
  link.restart(link.b(), config(99));
  link.run_for(10ms);
  // B's first packet is Down with Your Discriminator 0 (the session code matched it by
  // address): A goes Down with diag 3 and learns the new discriminator.
  ASSERT_GE(link.a().changes.size(), 1u);
  EXPECT_EQ(link.a().changes.back().change.from, State::kUp);
  EXPECT_EQ(link.a().changes.back().change.to, State::kDown);
  EXPECT_EQ(link.a().changes.back().change.diag, Diagnostic::kNeighborSignaledSessionDown);
  EXPECT_FALSE(link.a().changes.back().change.peer_signaled_admin_down);
  link.run_for(5s);
  EXPECT_EQ(link.a().session.state, State::kUp);
  EXPECT_EQ(link.a().session.remote_discriminator, 99u);
  EXPECT_EQ(link.b().session.state, State::kUp);
}

TEST(BfdFsm, DiscardsPacketsForAnotherDiscriminator) {
  Session s = make_session(config(5));
  wire::ControlPacket p = make_packet(make_session(config(6)), false);
  p.your_discriminator = 4;
  const auto t = step(s, PacketReceived{p}, nullptr);
  EXPECT_EQ(t.session, s);
  ASSERT_EQ(t.actions.size(), 1u);
  EXPECT_EQ(std::get<PacketDiscarded>(t.actions[0]).reason,
            DiscardReason::kYourDiscriminatorMismatch);
}

// ---- The §6.2 / §6.8.6 table: what each local state does on each remote state ----

struct TableRow {
  State local;
  State remote;
  State next;
  Diagnostic diag;  // the StateChanged diag when the state changes
};

TEST(BfdFsm, TransitionTable) {
  const Diagnostic kNone = Diagnostic::kNone;
  const Diagnostic kNeighbor = Diagnostic::kNeighborSignaledSessionDown;
  const TableRow rows[] = {
      {State::kDown, State::kAdminDown, State::kDown, kNone},
      {State::kDown, State::kDown, State::kInit, kNone},
      {State::kDown, State::kInit, State::kUp, kNone},
      {State::kDown, State::kUp, State::kDown, kNone},
      {State::kInit, State::kAdminDown, State::kDown, kNeighbor},
      {State::kInit, State::kDown, State::kInit, kNone},
      {State::kInit, State::kInit, State::kUp, kNone},
      {State::kInit, State::kUp, State::kUp, kNone},
      {State::kUp, State::kAdminDown, State::kDown, kNeighbor},
      {State::kUp, State::kDown, State::kDown, kNeighbor},
      {State::kUp, State::kInit, State::kUp, kNone},
      {State::kUp, State::kUp, State::kUp, kNone},
  };
  for (const TableRow& row : rows) {
    SCOPED_TRACE(std::string(wire::to_string(row.local)) + " + remote " +
                 std::string(wire::to_string(row.remote)));
    Session s = make_session(config(1));
    s.state = row.local;
    s.remote_discriminator = 2;
    wire::ControlPacket p = make_packet(make_session(config(2)), false);
    p.state = row.remote;
    p.your_discriminator = 1;
    const auto t = step(s, PacketReceived{p}, nullptr);
    EXPECT_EQ(t.session.state, row.next);
    const StateChanged* change = nullptr;
    for (const Action& a : t.actions) {
      if (auto* c = std::get_if<StateChanged>(&a)) change = c;
    }
    if (row.next == row.local) {
      EXPECT_EQ(change, nullptr);
    } else {
      ASSERT_NE(change, nullptr);
      EXPECT_EQ(change->from, row.local);
      EXPECT_EQ(change->to, row.next);
      EXPECT_EQ(change->diag, row.diag);
      EXPECT_EQ(change->peer_signaled_admin_down, row.remote == State::kAdminDown);
    }
    // Every accepted packet re-arms the detection timer (§6.8.4).
    bool armed = false;
    for (const Action& a : t.actions) armed |= std::holds_alternative<ArmDetectionTimer>(a);
    EXPECT_TRUE(armed);
  }
}

TEST(BfdFsm, AdminDownDiscardsEverythingButUpdatesRemoteVariables) {
  Session s = make_session(config(1));
  s.state = State::kAdminDown;
  wire::ControlPacket p = make_packet(make_session(config(2, 200ms, 100ms)), false);
  const auto t = step(s, PacketReceived{p}, nullptr);
  EXPECT_EQ(t.session.state, State::kAdminDown);
  EXPECT_EQ(t.session.remote_discriminator, 2u);
  EXPECT_EQ(t.session.remote_min_rx, 100ms);
  ASSERT_EQ(t.actions.size(), 1u);
  EXPECT_EQ(std::get<PacketDiscarded>(t.actions[0]).reason, DiscardReason::kAdminDown);
}

// ---- §6.8.7 demand mode of the peer; §6.4 echo negotiation ----

TEST(BfdFsm, PeerDemandModeStopsPeriodicPacketsWhileBothUp) {
  Session s = make_session(config(1));
  s = step(s, Start{}, nullptr).session;
  s.state = State::kUp;
  s.remote_discriminator = 2;
  wire::ControlPacket p = make_packet(make_session(config(2)), false);
  p.state = State::kUp;
  p.your_discriminator = 1;
  p.demand = true;
  const auto t = step(s, PacketReceived{p}, nullptr);
  EXPECT_FALSE(t.session.transmitting);
  bool cancelled = false;
  for (const Action& a : t.actions) cancelled |= std::holds_alternative<CancelTransmitTimer>(a);
  EXPECT_TRUE(cancelled);
  // We never ask for demand mode ourselves.
  EXPECT_FALSE(make_packet(t.session, false).demand);
}

TEST(BfdFsm, EchoNegotiation) {
  Config c = config(1);
  c.echo_mode = true;
  c.desired_echo_tx = 20ms;
  c.required_min_echo_rx = 50ms;
  Session s = make_session(c);
  EXPECT_EQ(make_packet(s, false).required_min_echo_rx_us, 50000u);
  s.state = State::kUp;
  s.started = true;
  s.remote_detect_mult = 4;
  EXPECT_EQ(echo_transmit_interval(s), std::nullopt);  // the peer allows no echo (0)
  s.remote_min_echo_rx = 50ms;
  EXPECT_EQ(echo_transmit_interval(s), 50ms);  // the slower of ours and the peer's
  EXPECT_EQ(echo_detection_time(s), 200ms);    // FRR: the peer's Detect Mult x the interval
  s.remote_min_echo_rx = 10ms;
  EXPECT_EQ(echo_transmit_interval(s), 20ms);
  s.state = State::kInit;
  EXPECT_EQ(echo_transmit_interval(s), std::nullopt);  // only while Up
  s.state = State::kUp;
  s.config.echo_mode = false;
  EXPECT_EQ(echo_transmit_interval(s), std::nullopt);
}

TEST(BfdFsm, EchoRxIsLearnedFromPackets) {
  Link link(config(1), config(2));
  link.b().session.config.required_min_echo_rx = 50ms;
  bring_up(link);
  EXPECT_EQ(link.a().session.remote_min_echo_rx, 50ms);
}

TEST(BfdFsm, ActionsPrint) {
  EXPECT_EQ(to_string(Action{StateChanged{State::kUp, State::kDown,
                                          Diagnostic::kControlDetectionTimeExpired, false}}),
            "StateChanged(Up -> Down, control detection time expired)");
  EXPECT_EQ(to_string(Action{ArmDetectionTimer{900ms}}), "ArmDetectionTimer(900000us)");
}

}  // namespace
}  // namespace vipd::bfd::fsm
