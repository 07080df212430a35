// A fake bfd::Network for the tests: two of them connected back to back deliver each datagram
// to the other side on the next loop turn (SimClock::post), with TTL 255 unless told otherwise;
// cut() loses everything from then on, in both directions. An echo goes out and comes back to
// its sender with TTL 254 when the other side `forwards` (its kernel loops it, as for FRR).
#pragma once

#include <memory>
#include <vector>

#include "bfd/session.hpp"
#include "event/sim_clock.hpp"

namespace vipd::bfd::testing {

class FakeNetwork final : public Network {
 public:
  FakeNetwork(event::SimClock& clock, IpAddress self) : clock_(clock), self_(self) {}
  void set_receiver(Receiver receiver) override { receiver_ = std::move(receiver); }
  Status<std::string> open(const PeerKey& peer) override {
    opened.push_back(peer);
    return Ok();
  }
  void close(const PeerKey& peer) override { closed.push_back(peer); }
  Status<std::string> send(const PeerKey& peer, ByteSpan payload) override {
    if (!peer_ || !connected) return Ok();  // lost on the wire, not a send error
    Datagram datagram;
    datagram.payload.assign(payload.begin(), payload.end());
    datagram.source = self_;
    datagram.destination = peer.peer;
    datagram.multihop = peer.multihop;
    datagram.ttl = ttl;
    clock_.post([target = peer_, datagram = std::move(datagram), link = connected_flag_] {
      if (*link && target->receiver_) target->receiver_(datagram);
    });
    return Ok();
  }
  Status<std::string> send_echo(const EchoRoute& route, ByteSpan payload) override {
    echo_routes.push_back(route);
    if (!peer_ || !connected || !peer_->forwards) return Ok();
    Datagram datagram;
    datagram.echo = true;
    datagram.payload.assign(payload.begin(), payload.end());
    datagram.source = route.local ? *route.local : self_;
    datagram.destination = datagram.source;
    datagram.ttl = echo_ttl;
    clock_.post([this, datagram = std::move(datagram), link = connected_flag_] {
      if (*link && peer_->forwards && receiver_) receiver_(datagram);
    });
    return Ok();
  }
  void reflect_echo(const Datagram& datagram) override { reflected.push_back(datagram); }
  // Hands a datagram to this side's receiver as if the kernel had.
  void inject(const Datagram& datagram) { receiver_(datagram); }

  void connect(FakeNetwork& other) {
    peer_ = &other;
    other.peer_ = this;
    other.connected_flag_ = connected_flag_;
  }
  void cut() { *connected_flag_ = connected = false; }

  bool connected = true;
  std::uint8_t ttl = 255;
  bool forwards = true;
  std::uint8_t echo_ttl = 254;
  std::vector<EchoRoute> echo_routes;
  std::vector<Datagram> reflected;
  std::vector<PeerKey> opened;
  std::vector<PeerKey> closed;

 private:
  event::SimClock& clock_;
  IpAddress self_;
  FakeNetwork* peer_ = nullptr;
  Receiver receiver_;
  std::shared_ptr<bool> connected_flag_ = std::make_shared<bool>(true);
};

}  // namespace vipd::bfd::testing
