// A fake bfd::Network for the tests: two of them connected back to back deliver each datagram
// to the other side on the next loop turn (SimClock::post), with TTL 255 unless told otherwise;
// cut() loses everything from then on, in both directions.
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
  void connect(FakeNetwork& other) {
    peer_ = &other;
    other.peer_ = this;
    other.connected_flag_ = connected_flag_;
  }
  void cut() { *connected_flag_ = connected = false; }

  bool connected = true;
  std::uint8_t ttl = 255;
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
