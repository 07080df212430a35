#include "event/sim_clock.hpp"

namespace vipd::event {

class SimClock::SimTimer final : public Timer {
 public:
  explicit SimTimer(SimClock& clock) : clock_(clock) {}
  ~SimTimer() override { cancel(); }

  void arm(Duration after, std::function<void()> on_expiry) override {
    cancel();
    callback_ = std::move(on_expiry);
    key_ = clock_.add(clock_.now() + after, this);
    armed_ = true;
  }
  void cancel() override {
    if (armed_) clock_.remove(key_);
    armed_ = false;
  }
  bool armed() const override { return armed_; }
  TimePoint deadline() const override { return key_.first; }

  void fire() {
    armed_ = false;
    auto cb = std::move(callback_);
    callback_ = nullptr;
    if (cb) cb();  // may re-arm or destroy this timer
  }

 private:
  SimClock& clock_;
  std::function<void()> callback_;
  Key key_{};
  bool armed_ = false;
};

// Start far from the epoch so that "now - interval" never underflows in code under test.
SimClock::SimClock() : now_(TimePoint{} + std::chrono::hours(24 * 365)) {}
SimClock::~SimClock() = default;

std::unique_ptr<Timer> SimClock::make_timer() {
  return std::make_unique<SimTimer>(*this);
}

SimClock::Key SimClock::add(TimePoint deadline, SimTimer* timer) {
  Key key{deadline, sequence_++};
  queue_.emplace(key, timer);
  return key;
}

void SimClock::run_posted() {
  while (!posted_.empty()) {
    auto fn = std::move(posted_.front());
    posted_.pop_front();
    fn();
  }
}

TimePoint SimClock::next_deadline() const {
  return queue_.empty() ? TimePoint::max() : queue_.begin()->first.first;
}

void SimClock::advance(Duration d) {
  const TimePoint end = now_ + d;
  run_posted();
  while (!queue_.empty() && queue_.begin()->first.first <= end) {
    auto it = queue_.begin();
    SimTimer* timer = it->second;
    now_ = it->first.first;
    queue_.erase(it);
    timer->fire();
    run_posted();
  }
  now_ = end;
}

}  // namespace vipd::event
