// What every listening socket does when accept() fails (BGP's TCP listeners, the control
// socket). Out of descriptors (EMFILE, ENFILE) or socket memory, the connection stays in the
// backlog and the listener stays readable: accepting again at once spins the event loop at 100%
// CPU without progress. The listener waits instead, 100 ms doubling to 1 s, and tries again;
// connections wait in the backlog meanwhile (or are refused by the kernel once it is full).
//
// Logging is bounded: the first failure of an episode is logged as an error naming the limit,
// then at most one line a minute says how many attempts failed since, and the first success
// says the listener accepts again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "event/clock.hpp"

namespace vipd::event {

// At most one line per interval; counts what it held back in between.
class LogLimiter {
 public:
  explicit LogLimiter(Duration interval) : interval_(interval) {}
  // True when a line may be written now; then suppressed() says how many were held back since
  // the previous one.
  bool allow(TimePoint now);
  std::uint64_t suppressed() const { return reported_suppressed_; }

 private:
  Duration interval_;
  bool logged_ = false;
  TimePoint last_{};
  std::uint64_t held_back_ = 0;
  std::uint64_t reported_suppressed_ = 0;
};

class AcceptBackoff {
 public:
  static constexpr Duration kFirstDelay = std::chrono::milliseconds(100);
  static constexpr Duration kMaxDelay = std::chrono::seconds(1);
  static constexpr Duration kLogInterval = std::chrono::minutes(1);

  // `what` names the listener in the log: "bgp: IPv4 port 179", "control socket /run/vipd.sock".
  AcceptBackoff(Clock& clock, std::string what);
  ~AcceptBackoff();  // cancel()
  AcceptBackoff(const AcceptBackoff&) = delete;
  AcceptBackoff& operator=(const AcceptBackoff&) = delete;

  // An accept failed: `retry` runs after the delay (never from inside this call, never after
  // cancel() or destruction), and the delay doubles for the next failure.
  void failed(std::error_code ec, std::function<void()> retry);
  // An accept succeeded: the episode (if any) ends, and the next failure waits the first delay.
  void succeeded();
  // Forgets a pending retry (the listener is closing).
  void cancel();

  bool waiting() const { return timer_->armed(); }
  Duration next_delay() const { return delay_; }
  std::uint64_t failures() const { return failures_; }  // in the current episode

 private:
  Clock& clock_;
  std::string what_;
  std::unique_ptr<Timer> timer_;
  Duration delay_ = kFirstDelay;
  std::uint64_t failures_ = 0;
  TimePoint episode_start_{};
  LogLimiter log_{kLogInterval};
};

}  // namespace vipd::event
