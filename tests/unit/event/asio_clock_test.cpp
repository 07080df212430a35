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

}  // namespace
}  // namespace vipd::event
