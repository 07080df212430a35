// vrrp_script health checks with a fake process runner: interval, timeout, rise/fall, weights
// and FAULT, with keepalived's log lines.
#include <gtest/gtest.h>

#include "fakes.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

const std::string kCheck = "/usr/local/bin/check";

std::string script_config(const std::string& body, const std::string& track = "  chk\n") {
  return "vrrp_script chk {\n script \"" + kCheck + " web\"\n" + body + "}\n" +
         seed_instance(100, " track_script {\n" + track + " }\n");
}

TEST(Scripts, RunEveryIntervalWithTheirTimeoutAndNeverTwiceAtOnce) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(script_config(" interval 2\n timeout 1\n")));
  ASSERT_EQ(h.processes.runs.size(), 1u);
  EXPECT_EQ(h.processes.commands()[0], kCheck + " web");
  EXPECT_EQ(h.processes.runs[0].timeout, std::chrono::milliseconds(1000));
  h.processes.finish(kCheck, 0);
  h.clock.advance(2s);
  EXPECT_EQ(h.processes.runs.size(), 2u);
  // Still running at the next interval: skipped, as keepalived does.
  h.clock.advance(2s);
  EXPECT_EQ(h.processes.runs.size(), 2u);
  EXPECT_EQ(logs.count("Track script chk is running, expect idle - skipping run"), 1u);
}

TEST(Scripts, NegativeWeightLowersThePriorityWithFallAndRise) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(script_config(" interval 1\n weight -20\n fall 2\n rise 2\n")));
  // First result decides at once (INIT).
  h.processes.finish(kCheck, 1);
  EXPECT_EQ(logs.count("VRRP_Script(chk) failed (exited with status 1)"), 1u);
  EXPECT_EQ(h.instance().total_priority(), 80);
  EXPECT_EQ(h.instance().router()->fsm_state().priority, 80);
  EXPECT_EQ(h.module.script("chk")->status(), ScriptTracker::Status::kFailed);
  // One success is not enough to rise.
  h.clock.advance(1s);
  h.processes.finish(kCheck, 0);
  EXPECT_EQ(h.instance().total_priority(), 80);
  h.clock.advance(1s);
  h.processes.finish(kCheck, 0);
  EXPECT_EQ(logs.count("VRRP_Script(chk) succeeded"), 1u);
  EXPECT_EQ(h.instance().total_priority(), 100);
  // One failure is not enough to fall; a timeout counts as a failure.
  h.clock.advance(1s);
  h.processes.finish(kCheck, 1);
  EXPECT_EQ(h.instance().total_priority(), 100);
  h.clock.advance(1s);
  h.processes.finish(kCheck, -1, true);
  EXPECT_EQ(logs.count("VRRP_Script(chk) timed_out"), 1u);
  EXPECT_EQ(h.instance().total_priority(), 80);
}

TEST(Scripts, PositiveWeightIsAddedWhileGood) {
  Harness h;
  h.module.apply(parse(script_config(" weight 10\n")));
  EXPECT_EQ(h.instance().total_priority(), 100);  // INIT: no weight yet
  h.processes.finish(kCheck, 0);
  EXPECT_EQ(h.instance().total_priority(), 110);
  EXPECT_EQ(h.instance().router()->fsm_state().priority, 110);
}

TEST(Scripts, TrackScriptLineWeightOverridesTheScriptsOwn) {
  Harness h;
  h.module.apply(parse(script_config(" weight 10\n", "  chk weight -50\n")));
  h.processes.finish(kCheck, 1);
  EXPECT_EQ(h.instance().total_priority(), 50);
}

TEST(Scripts, WeightZeroFailureIsAFault) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(script_config("")));
  h.clock.advance(4s);
  h.processes.finish(kCheck, 0);
  ASSERT_EQ(h.instance().state(), fsm::State::kMaster);
  h.clock.advance(1s);
  h.processes.finish(kCheck, 2);
  EXPECT_EQ(h.instance().state(), fsm::State::kFault);
  EXPECT_EQ(logs.count("(VI_1) Entering FAULT STATE"), 1u);
  EXPECT_TRUE(h.network.installed.empty());
  h.clock.advance(1s);
  h.processes.finish(kCheck, 0);
  EXPECT_EQ(h.instance().state(), fsm::State::kBackup);
}

TEST(Scripts, InitFailStartsFailed) {
  Harness h;
  h.module.apply(parse(script_config(" weight -30\n init_fail\n")));
  EXPECT_EQ(h.instance().total_priority(), 70);
}

TEST(Scripts, UnusedScriptsDoNotRun) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse("vrrp_script idle {\n script /bin/true\n}\n" + seed_instance(100)));
  EXPECT_TRUE(h.processes.runs.empty());
  EXPECT_EQ(logs.count("Warning - script idle is not used"), 1u);
}

TEST(Scripts, SpawnFailureIsAFailedResult) {
  LogCapture logs;
  Harness h;
  h.module.apply(parse(script_config(" weight -5\n")));
  ProcessExit exit;
  exit.started = false;
  exit.error = "No such file or directory";
  h.processes.runs[0].finished = true;
  h.processes.runs[0].done(exit);
  EXPECT_EQ(logs.count("VRRP_Script(chk) failed (No such file or directory)"), 1u);
  EXPECT_EQ(h.instance().total_priority(), 95);
}

}  // namespace
}  // namespace vipd::vrrp::testing
