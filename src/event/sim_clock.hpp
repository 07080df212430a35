// A simulated clock for tests: time advances only through advance()/run_until(), firing due
// timers in deadline order (ties in arming order), each seeing now() equal to its deadline.
#pragma once

#include <cstdint>
#include <deque>
#include <map>

#include "event/clock.hpp"

namespace vipd::event {

class SimClock final : public Clock {
 public:
  SimClock();
  ~SimClock() override;

  TimePoint now() const override { return now_; }
  std::unique_ptr<Timer> make_timer() override;
  void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }

  // Runs posted work and fires every timer due up to now()+d, then sets now() to now()+d.
  void advance(Duration d);
  // Runs posted work (and work it posts) without moving time.
  void run_posted();
  std::size_t armed_timers() const { return queue_.size(); }
  // Deadline of the earliest armed timer (TimePoint::max() when none).
  TimePoint next_deadline() const;

 private:
  class SimTimer;
  using Key = std::pair<TimePoint, std::uint64_t>;

  Key add(TimePoint deadline, SimTimer* timer);
  void remove(const Key& key) { queue_.erase(key); }

  TimePoint now_;
  std::uint64_t sequence_ = 0;
  std::map<Key, SimTimer*> queue_;
  std::deque<std::function<void()>> posted_;
};

}  // namespace vipd::event
