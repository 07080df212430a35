#include "common/log.hpp"
#include "common/log_topics.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace vipd {
namespace {

TEST(Log, SinkReceivesMessagesAtOrAboveLevel) {
  std::vector<std::string> seen;
  log::set_sink([&](log::Level, std::string_view m) { seen.emplace_back(m); });
  log::set_level(log::Level::kInfo);
  log::debug("hidden {}", 1);
  log::info("(VI_1) Entering {} STATE", "MASTER");
  log::error("bad {}", 2);
  log::set_sink(nullptr);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "(VI_1) Entering MASTER STATE");
  EXPECT_EQ(seen[1], "bad 2");
}

TEST(Log, FileOutputAppendsTimestampedLines) {
  std::string path = ::testing::TempDir() + "vipd-log-test.log";
  std::remove(path.c_str());
  ASSERT_TRUE(log::to_file(path));
  log::info("hello {}", "file");
  log::to_stderr();
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find(" hello file\n"), std::string::npos) << ss.str();
  EXPECT_FALSE(log::to_file("/nonexistent-dir/x.log"));
  std::remove(path.c_str());
}

// Points fd 2 at `replacement` for the life of the object, then puts the real stderr back.
class StderrRedirect {
 public:
  explicit StderrRedirect(int replacement) : saved_(::dup(STDERR_FILENO)) {
    if (replacement >= 0)
      ::dup2(replacement, STDERR_FILENO);
    else
      ::close(STDERR_FILENO);
  }
  ~StderrRedirect() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

// D3: a stderr that cannot be written must cost the line, never the daemon.
TEST(Log, ClosedStderrDropsAndCountsLines) {
  log::to_stderr();
  const auto before = log::status().dropped_lines;
  {
    StderrRedirect closed(-1);
    EXPECT_NO_THROW(log::error("into a closed fd 2"));
    EXPECT_NO_THROW(log::error("again"));
  }
  EXPECT_EQ(log::status().dropped_lines, before + 2);
  EXPECT_FALSE(log::status().last_write_error.empty());
}

TEST(Log, PipeWithoutReaderDropsLinesAndSaysSoWhenWritesResume) {
  // As systemd runs services: SIGPIPE ignored, so a write to a pipe without reader gives EPIPE.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  log::to_stderr();
  {
    // Clears what earlier tests left pending, so that the count below is this test's.
    StderrRedirect null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    log::warning("reset");
  }
  const auto before = log::status().dropped_lines;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  {
    StderrRedirect broken(fds[1]);
    EXPECT_NO_THROW(log::warning("nobody reads this"));
  }
  ::close(fds[1]);
  EXPECT_EQ(log::status().dropped_lines, before + 1);
  EXPECT_NE(log::status().last_write_error.find("pipe"), std::string::npos)
      << log::status().last_write_error;

  // Writes work again: the next line is preceded by the count of lines lost.
  ASSERT_EQ(::pipe(fds), 0);
  {
    StderrRedirect working(fds[1]);
    log::warning("back");
  }
  ::close(fds[1]);
  char buffer[512] = {};
  ssize_t got = ::read(fds[0], buffer, sizeof buffer - 1);
  ::close(fds[0]);
  ASSERT_GT(got, 0);
  std::string text(buffer, static_cast<std::size_t>(got));
  EXPECT_NE(text.find(" 1 log lines dropped ("), std::string::npos) << text;
  EXPECT_NE(text.find(" back\n"), std::string::npos) << text;
  ::sigaction(SIGPIPE, &old, nullptr);
}

TEST(Log, FullDiskDropsAndCountsLines) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  ASSERT_TRUE(log::to_file("/dev/full"));
  const auto before = log::status().dropped_lines;
  EXPECT_NO_THROW(log::error("disk full"));
  EXPECT_EQ(log::status().dropped_lines, before + 1);
  EXPECT_NE(log::status().last_write_error.find("space"), std::string::npos)
      << log::status().last_write_error;
  // The --foreground case of D3: stderr (unbuffered) on a full disk threw from the logger.
  log::to_stderr();
  {
    StderrRedirect full(::open("/dev/full", O_WRONLY | O_CLOEXEC));
    EXPECT_NO_THROW(log::error("disk full on stderr"));
  }
  EXPECT_EQ(log::status().dropped_lines, before + 2);
}

// A log directory that vanished: reopen fails, says so, and keeps writing to the old file.
TEST(Log, FailedReopenIsReportedAndKeepsTheOldFile) {
  std::string dir = ::testing::TempDir() + "vipd-log-reopen";
  ::mkdir(dir.c_str(), 0700);
  std::string path = dir + "/vipd.log";
  ASSERT_TRUE(log::to_file(path));
  ASSERT_EQ(std::remove(path.c_str()), 0);
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  {
    StderrRedirect quiet(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    EXPECT_FALSE(log::reopen());
  }
  EXPECT_NE(log::status().reopen_error.find("cannot reopen log file " + path), std::string::npos)
      << log::status().reopen_error;
  EXPECT_EQ(log::status().output, "file " + path);
  ::mkdir(dir.c_str(), 0700);
  EXPECT_TRUE(log::reopen());
  EXPECT_TRUE(log::status().reopen_error.empty());
  log::to_stderr();
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace vipd

namespace vipd::log {
namespace {

// A debug topic's lines are written at debug level once the topic is on, whatever the level;
// a topic for some subjects writes only theirs.
TEST(LogTopics, OnTopicWritesWhateverTheLevelAndFilters) {
  std::vector<std::pair<Level, std::string>> lines;
  set_sink([&](Level level, std::string_view line) { lines.emplace_back(level, line); });
  set_level(Level::kError);
  topic_debug(Topic::kBgpKeepalives, "192.0.2.1", "off {}", 1);
  set_topic(Topic::kBgpKeepalives, true);
  topic_debug(Topic::kBgpKeepalives, "192.0.2.1", "on {}", 2);
  set_topic(Topic::kBgpKeepalives, true, {"192.0.2.2"});
  topic_debug(Topic::kBgpKeepalives, "192.0.2.1", "other peer {}", 3);
  topic_debug(Topic::kBgpKeepalives, "192.0.2.2", "this peer {}", 4);
  EXPECT_TRUE(topic_on(Topic::kBgpKeepalives));
  clear_topics();
  EXPECT_FALSE(topic_on(Topic::kBgpKeepalives));
  topic_debug(Topic::kBgpKeepalives, "192.0.2.2", "cleared {}", 5);
  set_level(Level::kInfo);
  set_sink(nullptr);
  EXPECT_EQ(lines, (std::vector<std::pair<Level, std::string>>{{Level::kDebug, "on 2"},
                                                               {Level::kDebug, "this peer 4"}}));
}

}  // namespace
}  // namespace vipd::log
