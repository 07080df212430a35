#include "event/asio_clock.hpp"

#include <gtest/gtest.h>

namespace vipd::event {
namespace {

using namespace std::chrono_literals;

TEST(AsioClock, TimerFiresOnceAndCancelledTimerDoesNot) {
  asio::io_context io;
  AsioClock clock(io);
  int fired = 0, cancelled_fired = 0;
  auto t = clock.make_timer();
  auto u = clock.make_timer();
  t->arm(5ms, [&] { ++fired; });
  u->arm(1ms, [&] { ++cancelled_fired; });
  u->cancel();
  EXPECT_FALSE(u->armed());
  clock.post([&] { EXPECT_EQ(fired, 0); });
  io.run_for(200ms);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(cancelled_fired, 0);
  EXPECT_FALSE(t->armed());
}

TEST(AsioClock, RearmFromCallbackAndDestroyWhilePending) {
  asio::io_context io;
  AsioClock clock(io);
  int ticks = 0;
  auto t = clock.make_timer();
  std::function<void()> tick = [&] {
    if (++ticks < 3) t->arm(1ms, tick);
  };
  t->arm(1ms, tick);
  auto doomed = clock.make_timer();
  bool doomed_fired = false;
  doomed->arm(2ms, [&] { doomed_fired = true; });
  doomed.reset();
  io.run_for(200ms);
  EXPECT_EQ(ticks, 3);
  EXPECT_FALSE(doomed_fired);
}

// A later deadline while a wait is in flight (the hold timer restarted by every message): the
// timer fires at the last deadline, with the last callback, once.
TEST(AsioClock, RearmLaterFiresAtTheLastDeadlineWithTheLastCallback) {
  asio::io_context io;
  AsioClock clock(io);
  auto t = clock.make_timer();
  int first = 0, last = 0;
  auto start = SteadyClock::now();
  TimePoint fired_at{};
  t->arm(10ms, [&] { ++first; });
  auto rearm = clock.make_timer();
  rearm->arm(5ms, [&] { t->arm(40ms, [&] { ++last, fired_at = SteadyClock::now(); }); });
  io.run_for(300ms);
  EXPECT_EQ(first, 0);
  EXPECT_EQ(last, 1);
  EXPECT_GE(fired_at - start, 45ms);
  EXPECT_FALSE(t->armed());
}

// An earlier deadline than the wait in flight fires early; a cancelled timer leaves no work, so
// a loop that runs until it is out of work returns at once.
TEST(AsioClock, RearmEarlierFiresEarlyAndCancelLeavesNoWork) {
  asio::io_context io;
  AsioClock clock(io);
  auto t = clock.make_timer();
  int fired = 0;
  auto start = SteadyClock::now();
  t->arm(10s, [&] { fired += 100; });
  t->arm(5ms, [&] { ++fired; });
  EXPECT_LT(t->deadline() - start, 1s);
  io.run_for(2s);
  EXPECT_EQ(fired, 1);
  EXPECT_LT(SteadyClock::now() - start, 1s);

  t->arm(10s, [&] { fired += 100; });
  t->arm(20s, [&] { fired += 100; });
  t->cancel();
  io.restart();
  auto before = SteadyClock::now();
  io.run();  // nothing left: returns
  EXPECT_LT(SteadyClock::now() - before, 1s);
  EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace vipd::event
