// Time for protocol code: a Clock gives now() and one-shot Timers. Daemons use AsioClock (the
// event loop); tests use SimClock, which moves only when told, so timer behaviour is
// deterministic and instant.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace vipd::event {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Duration = SteadyClock::duration;

class Timer {
 public:
  virtual ~Timer() = default;
  // (Re)arms the timer; a pending expiry is cancelled first. The callback runs on the loop.
  virtual void arm(Duration after, std::function<void()> on_expiry) = 0;
  virtual void cancel() = 0;
  virtual bool armed() const = 0;
  // When an armed timer fires (meaningless when not armed).
  virtual TimePoint deadline() const = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual std::unique_ptr<Timer> make_timer() = 0;
  // Runs fn later on the loop, never from inside this call.
  virtual void post(std::function<void()> fn) = 0;
};

}  // namespace vipd::event
