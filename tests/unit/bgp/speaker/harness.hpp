// Test harness for bgp::Speaker / peer::Peer on the simulated clock: the Speaker's sessions run
// over the in-memory transport (bgp/peer/memory_transport.hpp) and scripted fake BGP peers hold
// the other ends. Every wait moves the SimClock by 1 ms at a time, so timers fire at their
// deadlines, nothing sleeps and every run takes the same steps.
#pragma once

#include <random>

#include "bgp/peer/memory_transport.hpp"
#include "event/sim_clock.hpp"
#include "fake_peer.hpp"

namespace vipd::bgp::testing {

// A port number no one listens on yet (ports only name listeners in the memory network).
inline std::uint16_t free_port() {
  static std::uint16_t next = 20000;
  return next++;
}

// A fake peer's end of an in-memory connection.
class MemoryChannel final : public ByteChannel {
 public:
  explicit MemoryChannel(std::unique_ptr<peer::MemorySocket> socket) : socket_(std::move(socket)) {}
  bool send(ByteSpan bytes, const std::function<void()>&) override { return socket_->write(bytes); }
  bool fill(Bytes& in) override {
    Bytes bytes = socket_->read();
    in.insert(in.end(), bytes.begin(), bytes.end());
    return socket_->eof();
  }
  void close() override { socket_->close(); }
  void stall(bool stalled) override { socket_->stall(stalled); }

 private:
  std::unique_ptr<peer::MemorySocket> socket_;
};

// A listener of a fake peer in the memory network (for vipd as the active side).
class FakeListener {
 public:
  FakeListener(Pump pump, const std::string& address, std::uint16_t port)
      : pump_(std::move(pump)), queue_(pump_.network->listen({ip(address), port})) {}

  std::unique_ptr<FakeConnection> accept(Millis timeout) {
    auto deadline = pump_.clock->now() + timeout;
    for (;;) {
      if (auto socket = queue_->accept())
        return std::make_unique<FakeConnection>(pump_,
                                                std::make_unique<MemoryChannel>(std::move(socket)));
      if (pump_.clock->now() >= deadline) return nullptr;
      pump_.step();
    }
  }

 private:
  Pump pump_;
  std::shared_ptr<peer::MemoryAcceptQueue> queue_;
};

class SpeakerTest : public SpeakerFixture {
 protected:
  void SetUp() override {
    SpeakerFixture::SetUp();
    port_ = free_port();
    // A seeded jitter source: every run takes exactly the same steps.
    auto engine = std::make_shared<std::mt19937>(4271);
    fsm::Jitter jitter = [engine] {
      return std::uniform_real_distribution<double>(0.75, 1.0)(*engine);
    };
    speaker_ = std::make_unique<Speaker>(
        clock_, transport_, SpeakerOptions{port_, true, std::move(jitter), output_limits_});
    attach_interfaces();
    speaker_->install_commands(tree_);
  }

  void step() override { clock_.advance(1ms); }
  Pump stepper() override {
    return {[this] { step(); }, &clock_, &network_};
  }
  event::TimePoint now() const override { return clock_.now(); }

  // The connection is made at once (as the kernel completes a TCP handshake) if the Speaker
  // listens; the Speaker takes it when the clock next runs.
  std::unique_ptr<FakeConnection> open_connection(const std::string& from, Millis,
                                                  const std::string& md5_key) override {
    bool v6 = from.find(':') != std::string::npos;
    auto socket = network_.connect(ip(from), {v6 ? kLocalV6 : kLocalV4, port_}, md5_key);
    if (!socket) return nullptr;
    return std::make_unique<FakeConnection>(stepper(),
                                            std::make_unique<MemoryChannel>(std::move(socket)));
  }

  // The Speaker's host: its addresses as the loopback TCP tests had them.
  peer::OutputLimits output_limits_;  // set by a derived fixture's constructor
  const IpAddress kLocalV4 = ip("127.0.0.1");
  const IpAddress kLocalV6 = ip("::1");
  event::SimClock clock_;
  peer::MemoryNetwork network_{clock_};
  peer::MemoryTransport transport_{network_, kLocalV4, kLocalV6};
};

}  // namespace vipd::bgp::testing
