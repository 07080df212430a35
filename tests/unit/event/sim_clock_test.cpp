#include "event/sim_clock.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vipd::event {
namespace {

using namespace std::chrono_literals;

TEST(SimClock, FiresTimersInDeadlineOrderAtTheirDeadline) {
  SimClock clock;
  const TimePoint start = clock.now();
  std::string order;
  auto a = clock.make_timer();
  auto b = clock.make_timer();
  auto c = clock.make_timer();
  a->arm(3s, [&] {
    order += 'a';
    EXPECT_EQ(clock.now(), start + 3s);
  });
  b->arm(1s, [&] { order += 'b'; });
  c->arm(5s, [&] { order += 'c'; });
  clock.advance(4s);
  EXPECT_EQ(order, "ba");
  EXPECT_TRUE(c->armed());
  EXPECT_FALSE(a->armed());
  EXPECT_EQ(clock.now(), start + 4s);
  clock.advance(1s);
  EXPECT_EQ(order, "bac");
}

TEST(SimClock, RearmAndCancelReplaceThePendingExpiry) {
  SimClock clock;
  int fired = 0;
  auto t = clock.make_timer();
  t->arm(1s, [&] { ++fired; });
  t->arm(10s, [&] { fired += 10; });
  clock.advance(5s);
  EXPECT_EQ(fired, 0);
  t->cancel();
  clock.advance(10s);
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(clock.armed_timers(), 0u);
}

TEST(SimClock, CallbackMayRearmItsOwnTimer) {
  SimClock clock;
  int fired = 0;
  auto t = clock.make_timer();
  std::function<void()> tick = [&] {
    ++fired;
    t->arm(1s, tick);
  };
  t->arm(1s, tick);
  clock.advance(10s);
  EXPECT_EQ(fired, 10);
}

TEST(SimClock, DestroyedTimerNeverFires) {
  SimClock clock;
  bool fired = false;
  {
    auto t = clock.make_timer();
    t->arm(1s, [&] { fired = true; });
  }
  clock.advance(2s);
  EXPECT_FALSE(fired);
}

TEST(SimClock, PostedWorkRunsOnAdvanceNotInline) {
  SimClock clock;
  int runs = 0;
  clock.post([&] {
    ++runs;
    clock.post([&] { ++runs; });
  });
  EXPECT_EQ(runs, 0);
  clock.run_posted();
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace vipd::event
