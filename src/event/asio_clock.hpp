// The real clock: steady time and timers on an Asio io_context.
#pragma once

#include <asio/io_context.hpp>

#include "event/clock.hpp"

namespace vipd::event {

class AsioClock final : public Clock {
 public:
  explicit AsioClock(asio::io_context& io) : io_(io) {}
  TimePoint now() const override { return SteadyClock::now(); }
  std::unique_ptr<Timer> make_timer() override;
  void post(std::function<void()> fn) override;
  asio::io_context& io() { return io_; }

 private:
  asio::io_context& io_;
};

}  // namespace vipd::event
