// AsioProcessRunner with real children: exit codes, signals, timeouts, spawn failures, and the
// loop never blocking on a child.
#include <gtest/gtest.h>

#include <pwd.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <chrono>

#include "vrrp/process.hpp"

namespace vipd::vrrp {
namespace {

using namespace std::chrono_literals;

struct Runner {
  asio::io_context io;
  AsioProcessRunner runner{io};
  std::vector<ProcessExit> exits;
  void run(std::vector<std::string> argv, std::optional<std::chrono::milliseconds> timeout = {}) {
    runner.run(argv, timeout, [this](const ProcessExit& e) { exits.push_back(e); });
  }
  void wait(std::size_t count, std::chrono::milliseconds limit = 5000ms) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (exits.size() < count && std::chrono::steady_clock::now() < end) {
      io.restart();
      io.run_for(10ms);
    }
  }
};

TEST(ProcessRunner, ExitCodesAndSignals) {
  Runner r;
  r.run({"/bin/sh", "-c", "exit 3"});
  r.wait(1);
  r.run({"true"});  // looked up in PATH
  r.wait(2);
  r.run({"vipd-no-such-program"});  // not in PATH
  r.wait(3);
  ASSERT_EQ(r.exits.size(), 3u);
  EXPECT_FALSE(r.exits[2].started);
  r.exits.pop_back();
  r.wait(2);
  r.run({"/bin/sh", "-c", "kill -9 $$"});
  r.wait(3);
  ASSERT_EQ(r.exits.size(), 3u);
  EXPECT_EQ(r.exits[0].exit_code, 3);
  EXPECT_FALSE(r.exits[0].success());
  EXPECT_TRUE(r.exits[1].success());
  EXPECT_EQ(r.exits[2].signal, 9);
  EXPECT_FALSE(r.exits[2].success());
  EXPECT_EQ(r.runner.running(), 0u);
}

TEST(ProcessRunner, TimeoutKillsTheWholeProcessGroupWithoutBlocking) {
  Runner r;
  const auto start = std::chrono::steady_clock::now();
  // The shell's child sleep must die too (SIGTERM goes to the process group).
  r.run({"/bin/sh", "-c", "sleep 30; exit 0"}, 200ms);
  r.run({"/bin/sh", "-c", "exit 0"});
  r.wait(1);
  ASSERT_EQ(r.exits.size(), 1u);
  EXPECT_TRUE(r.exits[0].success());  // the quick one finished while the slow one ran
  r.wait(2);
  ASSERT_EQ(r.exits.size(), 2u);
  EXPECT_TRUE(r.exits[1].timed_out);
  EXPECT_FALSE(r.exits[1].success());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(ProcessRunner, RunsAsTheGivenUserAndGroup) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  const RunAs as{nobody->pw_uid, nobody->pw_gid};
  Runner r;
  const std::string expect = "test \"$(id -u):$(id -g):$(id -G)\" = \"" + std::to_string(as.uid) +
                             ":" + std::to_string(as.gid) + ":" + std::to_string(as.gid) + "\"";
  r.runner.run(
      {"/bin/sh", "-c", expect}, std::nullopt, [&](const ProcessExit& e) { r.exits.push_back(e); },
      as);
  // Without run_as (or with vipd's own ids) the child keeps vipd's user.
  r.runner.run(
      {"/bin/sh", "-c", "test \"$(id -u)\" = 0"}, std::nullopt,
      [&](const ProcessExit& e) { r.exits.push_back(e); }, RunAs{0, 0});
  r.wait(2);
  ASSERT_EQ(r.exits.size(), 2u);
  EXPECT_TRUE(r.exits[0].success()) << r.exits[0].exit_code;
  EXPECT_TRUE(r.exits[1].success()) << r.exits[1].exit_code;
}

TEST(ProcessRunner, SpawnFailureIsReported) {
  Runner r;
  r.run({"/nonexistent/vipd-test-script"});
  r.run({});
  r.wait(2);
  ASSERT_EQ(r.exits.size(), 2u);
  // execve's error comes back from the child.
  EXPECT_FALSE(r.exits[0].started);
  EXPECT_EQ(r.exits[0].error, "No such file or directory");
  EXPECT_FALSE(r.exits[0].success());
  EXPECT_FALSE(r.exits[1].started);
  EXPECT_EQ(r.exits[1].error, "empty command");
}

}  // namespace
}  // namespace vipd::vrrp
