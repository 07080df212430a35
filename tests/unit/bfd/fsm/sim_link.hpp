// A tiny driver for the tests: two BFD sessions back to back on a SimClock. It executes the
// FSM's actions (timers on the clock, packets encoded, decoded and delivered to the other side
// at once through clock.post) and records what happened when.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "bfd/fsm/fsm.hpp"
#include "bfd/wire/packet.hpp"
#include "event/sim_clock.hpp"

namespace vipd::bfd::fsm::testing {

using namespace std::chrono_literals;

struct Node {
  Session session;
  std::unique_ptr<event::Timer> transmit;
  std::unique_ptr<event::Timer> detection;
  std::unique_ptr<event::Timer> echo_transmit;
  std::unique_ptr<event::Timer> echo_detection;
  // §6.4: this node's forwarding plane sends the peer's echoes back (FRR: the kernel forwards
  // them, so IPv4 forwarding must be on).
  bool loops_echoes = true;
  std::vector<event::Duration> echoes_sent;
  std::vector<event::Duration> echoes_back;
  std::vector<ArmEchoTransmitTimer> echo_transmit_arms;
  std::vector<ArmEchoDetectionTimer> echo_detection_arms;
  int echo_cancels = 0;
  double jitter = 1.0;  // §6.8.7 random value given to step(): 1.0 means no reduction
  // Records, with times relative to the link's start.
  struct Change {
    event::Duration at;
    StateChanged change;
  };
  struct Sent {
    event::Duration at;
    wire::ControlPacket packet;
  };
  std::vector<Change> changes;
  std::vector<Sent> sent;
  std::vector<Sent> received;
  std::vector<ArmTransmitTimer> transmit_arms;
  std::vector<ArmDetectionTimer> detection_arms;
  std::vector<PacketDiscarded> discarded;
};

class Link {
 public:
  Link(const Config& a, const Config& b) : start_(clock.now()) {
    nodes_[0].session = make_session(a);
    nodes_[1].session = make_session(b);
    for (Node& node : nodes_) {
      node.transmit = clock.make_timer();
      node.detection = clock.make_timer();
      node.echo_transmit = clock.make_timer();
      node.echo_detection = clock.make_timer();
    }
  }

  Node& a() { return nodes_[0]; }
  Node& b() { return nodes_[1]; }
  event::Duration now() const { return clock.now() - start_; }

  void handle(Node& node, const Event& event) {
    const double u = node.jitter;
    Transition t = step(node.session, event, [u] { return u; });
    node.session = std::move(t.session);
    for (const Action& action : t.actions) apply(node, action);
  }

  // The node is restarted: a fresh session (a new discriminator), started.
  void restart(Node& node, const Config& config) {
    node.transmit->cancel();
    node.detection->cancel();
    node.echo_transmit->cancel();
    node.echo_detection->cancel();
    node.session = make_session(config);
    handle(node, Start{});
  }

  void run_for(event::Duration d) { clock.advance(d); }

  bool connected = true;  // false: packets in both directions are lost (a cut link)
  event::SimClock clock;

 private:
  Node& peer_of(Node& node) { return &node == &nodes_[0] ? nodes_[1] : nodes_[0]; }

  void apply(Node& node, const Action& action) {
    if (const auto* send = std::get_if<SendPacket>(&action)) {
      node.sent.push_back({now(), send->packet});
      // Through the codec, as on the wire.
      auto decoded = wire::decode(wire::encode(send->packet));
      if (!decoded) throw std::runtime_error("the FSM built an invalid packet");
      if (!connected) return;
      Node* peer = &peer_of(node);
      clock.post([this, peer, packet = *decoded] {
        if (!connected) return;
        peer->received.push_back({now(), packet});
        handle(*peer, PacketReceived{packet});
      });
    } else if (const auto* arm = std::get_if<ArmTransmitTimer>(&action)) {
      node.transmit_arms.push_back(*arm);
      node.transmit->arm(arm->after, [this, &node] { handle(node, TransmitTimerExpired{}); });
    } else if (std::holds_alternative<CancelTransmitTimer>(action)) {
      node.transmit->cancel();
    } else if (const auto* arm = std::get_if<ArmDetectionTimer>(&action)) {
      node.detection_arms.push_back(*arm);
      node.detection->arm(arm->after, [this, &node] { handle(node, DetectionTimerExpired{}); });
    } else if (std::holds_alternative<CancelDetectionTimer>(action)) {
      node.detection->cancel();
    } else if (std::holds_alternative<SendEcho>(action)) {
      // Out to the peer and back through its forwarding plane, on the next loop turn.
      node.echoes_sent.push_back(now());
      if (!connected || !peer_of(node).loops_echoes) return;
      clock.post([this, &node] {
        if (!connected || !peer_of(node).loops_echoes) return;
        node.echoes_back.push_back(now());
        handle(node, EchoReceived{});
      });
    } else if (const auto* arm_echo = std::get_if<ArmEchoTransmitTimer>(&action)) {
      node.echo_transmit_arms.push_back(*arm_echo);
      node.echo_transmit->arm(arm_echo->after,
                              [this, &node] { handle(node, EchoTransmitTimerExpired{}); });
    } else if (const auto* arm_echo = std::get_if<ArmEchoDetectionTimer>(&action)) {
      node.echo_detection_arms.push_back(*arm_echo);
      node.echo_detection->arm(arm_echo->after,
                               [this, &node] { handle(node, EchoDetectionTimerExpired{}); });
    } else if (std::holds_alternative<CancelEchoTimers>(action)) {
      ++node.echo_cancels;
      node.echo_transmit->cancel();
      node.echo_detection->cancel();
    } else if (const auto* changed = std::get_if<StateChanged>(&action)) {
      node.changes.push_back({now(), *changed});
    } else if (const auto* discarded = std::get_if<PacketDiscarded>(&action)) {
      node.discarded.push_back(*discarded);
    }
  }

  event::TimePoint start_;
  Node nodes_[2];
};

inline Config config(std::uint32_t discriminator, Microseconds tx = 300ms, Microseconds rx = 300ms,
                     std::uint8_t mult = 3) {
  Config c;
  c.local_discriminator = discriminator;
  c.timers = {tx, rx, mult};
  return c;
}

// Both sides Up with the configured timers, their Poll sequences done.
inline void bring_up(Link& link) {
  link.handle(link.a(), Start{});
  link.handle(link.b(), Start{});
  link.run_for(std::chrono::seconds(5));
  ASSERT_EQ(link.a().session.state, wire::State::kUp);
  ASSERT_EQ(link.b().session.state, wire::State::kUp);
  ASSERT_FALSE(link.a().session.poll_active);
  ASSERT_FALSE(link.b().session.poll_active);
}

}  // namespace vipd::bfd::fsm::testing
