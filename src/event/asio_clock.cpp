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
    cancel();
    armed_ = true;
    deadline_ = SteadyClock::now() + after;
    timer_.expires_at(deadline_);
    // The generation guards against a cancelled wait whose handler was already queued.
    std::uint64_t generation = ++generation_;
    auto alive = alive_;
    timer_.async_wait([this, alive, generation, cb = std::move(on_expiry)](std::error_code ec) {
      if (ec || !*alive || generation != generation_) return;
      armed_ = false;
      cb();
    });
  }
  void cancel() override {
    if (!armed_) return;
    armed_ = false;
    ++generation_;
    timer_.cancel();
  }
  bool armed() const override { return armed_; }
  TimePoint deadline() const override { return deadline_; }

 private:
  asio::steady_timer timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::uint64_t generation_ = 0;
  TimePoint deadline_{};
  bool armed_ = false;

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
