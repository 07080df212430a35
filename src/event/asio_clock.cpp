#include "event/asio_clock.hpp"

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

namespace vipd::event {
namespace {

class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(asio::io_context& io) : timer_(io) {}
  ~AsioTimer() override {
    *alive_ = false;
    cancel();
  }

  void arm(Duration after, std::function<void()> on_expiry) override {
    armed_ = true;
    deadline_ = SteadyClock::now() + after;
    callback_ = std::move(on_expiry);
    // A deadline later than the wait in flight costs nothing now: that wait waits again when it
    // ends. The hold and keepalive timers are restarted by every message (RFC 4271 §4.4, §8), and
    // a timer-queue update (and a cancelled handler to run) per message would cost more than
    // the message.
    if (waiting_ && deadline_ >= timer_.expiry()) return;
    wait();
  }
  void cancel() override {
    armed_ = false;
    callback_ = nullptr;
    // No wait left in flight: a loop that runs until it has no work must not wait for it.
    if (!waiting_) return;
    waiting_ = false;
    ++generation_;
    timer_.cancel();
  }
  bool armed() const override { return armed_; }
  TimePoint deadline() const override { return deadline_; }

 private:
  void wait() {
    timer_.expires_at(deadline_);  // cancels a wait in flight: its generation is then stale
    waiting_ = true;
    std::uint64_t generation = ++generation_;
    timer_.async_wait([this, alive = alive_, generation](std::error_code ec) {
      if (!*alive || generation != generation_) return;
      waiting_ = false;
      if (ec || !armed_) return;
      if (SteadyClock::now() < deadline_) {
        wait();  // re-armed for later while this wait was in flight
        return;
      }
      armed_ = false;
      auto callback = std::move(callback_);  // it may arm the timer again
      callback_ = nullptr;
      callback();
    });
  }

  asio::steady_timer timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::uint64_t generation_ = 0;  // of the wait in flight; older handlers do nothing
  std::function<void()> callback_;
  TimePoint deadline_{};
  bool armed_ = false;
  bool waiting_ = false;  // an async_wait is in flight (perhaps for an earlier deadline)

 public:
  AsioTimer(const AsioTimer&) = delete;
  AsioTimer& operator=(const AsioTimer&) = delete;
};

}  // namespace

std::unique_ptr<Timer> AsioClock::make_timer() {
  return std::make_unique<AsioTimer>(io_);
}

void AsioClock::post(std::function<void()> fn) {
  asio::post(io_, std::move(fn));
}

}  // namespace vipd::event
