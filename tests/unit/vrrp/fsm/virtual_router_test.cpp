// VirtualRouters on a simulated LAN reproduce the keepalived 2.2.7 drills: the seed logs
// (/work/shared/seed/keepalived-failover.log, keepalived-failback.log) and a two-router run of
// real keepalived in network namespaces (docs/vrrp.md, "Behaviour checks").
#include "vrrp/fsm/virtual_router.hpp"

#include <gtest/gtest.h>

#include "common/log.hpp"
#include "sim_util.hpp"

namespace vipd::vrrp::fsm {
namespace {

using namespace testing;
using event::Duration;

struct Line {
  Duration at;
  std::string text;
  bool operator==(const Line&) const = default;
};

std::vector<Line> info_lines(const RecordingSink& sink) {
  std::vector<Line> out;
  for (const Record& r : sink.records) {
    if (r.what.starts_with("Log(")) out.push_back({r.at, r.what.substr(4, r.what.size() - 5)});
  }
  return out;
}

TEST(Lan, KeepalivedTwoRouterDrill) {
  // keepalived 2.2.7, VI_1 of the seed config: A = 192.168.5.5 priority 10 starts at 0 s,
  // B = 192.168.5.2 priority 100 at 6 s, B is stopped at 14 s. keepalived logged (A):
  //   +0 Entering BACKUP STATE (init); +4 Entering MASTER STATE;
  //   +10 Master received advert from 192.168.5.2 with higher priority 100, ours 10;
  //   +10 Entering BACKUP STATE; +14 Entering MASTER STATE
  // and (B): +6 Entering BACKUP STATE (init); +7, +8, +9 received lower priority (10) advert
  // from 192.168.5.5 - discarding; +10 Entering MASTER STATE.
  event::SimClock clock;
  Lan lan(clock);
  auto& a = lan.add(seed_config(10, "192.168.5.5"));
  auto& b = lan.add(seed_config(100, "192.168.5.2"));
  a.router->start();
  clock.advance(6s);
  b.router->start();
  clock.advance(8s);
  b.router->stop();
  clock.advance(3s);

  const Duration a_master = 3s + 960937500ns;   // 3 + 246/256 s
  const Duration b_master = 6s + 3609375000ns;  // 6 s + 3 + 156/256 s
  EXPECT_EQ(info_lines(*a.sink),
            (std::vector<Line>{
                {0s, "(VI_1) Entering BACKUP STATE (init)"},
                {a_master, "(VI_1) Entering MASTER STATE"},
                {b_master,
                 "(VI_1) Master received advert from 192.168.5.2 with higher priority 100, ours "
                 "10"},
                {b_master, "(VI_1) Entering BACKUP STATE"},
                {14s + 960937500ns, "(VI_1) Entering MASTER STATE"},
            }));
  EXPECT_EQ(info_lines(*b.sink),
            (std::vector<Line>{
                {6s, "(VI_1) Entering BACKUP STATE (init)"},
                {6s + 960937500ns,
                 "(VI_1) received lower priority (10) advert from 192.168.5.5 - discarding"},
                {7s + 960937500ns,
                 "(VI_1) received lower priority (10) advert from 192.168.5.5 - discarding"},
                {8s + 960937500ns,
                 "(VI_1) received lower priority (10) advert from 192.168.5.5 - discarding"},
                {b_master, "(VI_1) Entering MASTER STATE"},
            }));
  // A took the priority 0 advert from B (keepalived logs this line with -D only).
  EXPECT_EQ(a.sink->times_of("LogDetail((VI_1) Backup received priority 0 advertisement)"),
            std::vector<Duration>{14s});
  EXPECT_EQ(a.router->state(), State::kMaster);
  EXPECT_EQ(b.router->state(), State::kStop);
  // VIPs move with mastership: A adds, removes, adds; B adds and removes.
  EXPECT_EQ(a.sink->times_of("AddVips"), (std::vector<Duration>{a_master, 14s + 960937500ns}));
  EXPECT_EQ(a.sink->times_of("RemoveVips"), (std::vector<Duration>{0s, b_master}));
  EXPECT_EQ(b.sink->times_of("AddVips"), std::vector<Duration>{b_master});
  EXPECT_EQ(b.sink->times_of("RemoveVips"), (std::vector<Duration>{6s, 14s}));
}

TEST(Lan, SeedFailoverSamePriorityHigherAddress) {
  // keepalived-failover.log: two routers at priority 10 both become master (they start at the
  // same time and miss each other); 192.168.5.2 yields to 192.168.5.5.
  event::SimClock clock;
  Lan lan(clock);
  auto& low = lan.add(seed_config(10, "192.168.5.2"));
  auto& high = lan.add(seed_config(10, "192.168.5.5"));
  low.connected = false;
  high.connected = false;
  low.router->start();
  high.router->start();
  clock.advance(4s);
  ASSERT_EQ(low.router->state(), State::kMaster);
  ASSERT_EQ(high.router->state(), State::kMaster);
  low.connected = true;
  high.connected = true;
  clock.advance(1s);
  EXPECT_EQ(low.sink->lines,
            (Strings{"(VI_1) Entering BACKUP STATE (init)", "(VI_1) Entering MASTER STATE",
                     "(VI_1) Master received advert from 192.168.5.5 with same priority 10 but "
                     "higher IP address than ours",
                     "(VI_1) Entering BACKUP STATE"}));
  EXPECT_EQ(high.router->state(), State::kMaster);
  EXPECT_EQ(low.router->state(), State::kBackup);
}

TEST(Lan, SplitBrainHealsWithForcedElection) {
  // A lower-priority router that became master while cut off is sent back by the higher one.
  event::SimClock clock;
  Lan lan(clock);
  auto& high = lan.add(seed_config(100, "192.168.5.2"));
  auto& low = lan.add(seed_config(10, "192.168.5.5"));
  high.router->start();
  low.router->start();
  clock.advance(5s);
  ASSERT_EQ(high.router->state(), State::kMaster);
  ASSERT_EQ(low.router->state(), State::kBackup);
  high.connected = false;
  clock.advance(5s);
  ASSERT_EQ(low.router->state(), State::kMaster);
  high.connected = true;
  clock.advance(2s);
  EXPECT_EQ(low.router->state(), State::kBackup);
  EXPECT_EQ(high.router->state(), State::kMaster);
  EXPECT_FALSE(high.sink
                   ->times_of("Log((VI_1) Received advert from 192.168.5.5 with lower "
                              "priority 10, ours 100, forcing new election)")
                   .empty());
  EXPECT_FALSE(high.sink->times_of("NotifyMasterRxLowerPriority").empty());
}

TEST(VirtualRouter, SinkMayCallBackIntoTheRouter) {
  event::SimClock clock;
  RecordingSink sink(clock, clock.now());
  VirtualRouter router(clock, seed_config(100), sink);
  // A notify script that reports a failed tracked object as soon as we become master.
  sink.on_notify = [&](State state) {
    if (state == State::kMaster) router.fault();
  };
  router.start();
  clock.advance(4s);
  EXPECT_EQ(router.state(), State::kFault);
  // The fault ran after the whole MASTER transition, not in the middle of it.
  Strings tail;
  for (const Record& r : sink.records) tail.push_back(r.what);
  const auto master = std::find(tail.begin(), tail.end(), "Notify(MASTER, 100)");
  ASSERT_NE(master, tail.end());
  EXPECT_EQ(*(master + 1), "Log((VI_1) Entering FAULT STATE)");
}

TEST(VirtualRouter, DefaultSinkLogsThroughVipdLog) {
  struct Quiet : ActionSink {
    void send_advert(std::uint8_t) override {}
    void add_vips() override {}
    void remove_vips() override {}
    void announce(unsigned) override {}
    void notify(State, std::uint8_t) override {}
  } sink;
  std::vector<std::pair<log::Level, std::string>> captured;
  log::set_sink([&](log::Level level, std::string_view text) {
    captured.emplace_back(level, std::string(text));
  });
  const log::Level saved = log::level();
  log::set_level(log::Level::kDebug);
  event::SimClock clock;
  VirtualRouter router(clock, seed_config(10), sink);
  router.start();
  clock.advance(4s);
  log::set_level(saved);
  log::set_sink({});
  ASSERT_EQ(captured.size(), 3u);
  EXPECT_EQ(captured[0],
            std::make_pair(log::Level::kInfo, std::string("(VI_1) Entering BACKUP STATE (init)")));
  EXPECT_EQ(captured[1], std::make_pair(log::Level::kDebug,
                                        std::string("(VI_1) Receive advertisement timeout")));
  EXPECT_EQ(captured[2],
            std::make_pair(log::Level::kInfo, std::string("(VI_1) Entering MASTER STATE")));
}

TEST(VirtualRouter, SetConfigAppliesToLaterEvents) {
  event::SimClock clock;
  RecordingSink sink(clock, clock.now());
  VirtualRouter router(clock, seed_config(100), sink);
  router.start();
  clock.advance(4s);
  Config faster = router.config();
  faster.advert_interval = 2s;
  router.set_config(faster);
  clock.advance(1s);  // the Adver timer armed with 1 s still fires, then re-arms with 2 s
  EXPECT_EQ(router.timer_deadline(TimerKind::kAdver), clock.now() - 1s + 609375000ns + 2s);
  EXPECT_EQ(router.stats().adverts_received, 0u);
}

}  // namespace
}  // namespace vipd::vrrp::fsm
