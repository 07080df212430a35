#include "event/accept_backoff.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/descriptors.hpp"
#include "common/log.hpp"
#include "event/sim_clock.hpp"

namespace vipd::event {
namespace {

using namespace std::chrono_literals;

const std::error_code kEmfile(EMFILE, std::system_category());

class AcceptBackoffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::set_sink([this](log::Level level, std::string_view line) {
      lines.push_back({level, std::string(line)});
    });
  }
  void TearDown() override { log::set_sink(nullptr); }

  std::size_t count(std::string_view text) const {
    std::size_t n = 0;
    for (const auto& [level, line] : lines) n += line.find(text) != std::string::npos;
    return n;
  }

  SimClock clock;
  std::vector<std::pair<log::Level, std::string>> lines;
};

TEST_F(AcceptBackoffTest, RetriesAfterADelayThatDoublesUpToOneSecond) {
  AcceptBackoff backoff(clock, "bgp: IPv4 port 179");
  int retries = 0;
  std::vector<Duration> waits;
  TimePoint failed_at;
  std::function<void()> retry;
  retry = [&] {
    ++retries;
    waits.push_back(clock.now() - failed_at);
    if (retries < 6) {
      failed_at = clock.now();
      backoff.failed(kEmfile, retry);
    }
  };
  failed_at = clock.now();
  backoff.failed(kEmfile, retry);
  EXPECT_EQ(retries, 0) << "never from inside failed()";
  EXPECT_TRUE(backoff.waiting());
  clock.advance(10s);
  EXPECT_EQ(retries, 6);
  EXPECT_EQ(waits, (std::vector<Duration>{100ms, 200ms, 400ms, 800ms, 1s, 1s}));
  EXPECT_EQ(backoff.failures(), 6u);
}

TEST_F(AcceptBackoffTest, SuccessStartsOverAtTheFirstDelay) {
  AcceptBackoff backoff(clock, "control socket /run/vipd.sock");
  backoff.failed(kEmfile, [] {});
  backoff.failed(kEmfile, [] {});
  EXPECT_EQ(backoff.next_delay(), 400ms);
  backoff.succeeded();
  EXPECT_EQ(backoff.next_delay(), 100ms);
  EXPECT_EQ(backoff.failures(), 0u);
}

TEST_F(AcceptBackoffTest, CancelAndDestructionForgetThePendingRetry) {
  int retries = 0;
  {
    AcceptBackoff backoff(clock, "x");
    backoff.failed(kEmfile, [&] { ++retries; });
    backoff.cancel();
    EXPECT_FALSE(backoff.waiting());
    clock.advance(2s);
    EXPECT_EQ(retries, 0);
    backoff.failed(kEmfile, [&] { ++retries; });
  }
  clock.advance(2s);
  EXPECT_EQ(retries, 0);
}

TEST_F(AcceptBackoffTest, LogsTheFirstFailureNamingTheLimitThenOnceAMinute) {
  AcceptBackoff backoff(clock, "bgp: IPv4 port 179");
  std::function<void()> retry = [&] { backoff.failed(kEmfile, retry); };
  backoff.failed(kEmfile, retry);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].first, log::Level::kError);
  const std::string limit = std::to_string(nofile_limit());
  EXPECT_NE(lines[0].second.find("bgp: IPv4 port 179: cannot accept connections: "),
            std::string::npos)
      << lines[0].second;
  EXPECT_NE(lines[0].second.find("RLIMIT_NOFILE soft limit of " + limit + " descriptors"),
            std::string::npos)
      << lines[0].second;
  // A failure a second for 150 s: one line at the start, then one a minute.
  clock.advance(150s);
  EXPECT_GT(backoff.failures(), 140u);
  EXPECT_EQ(count(": cannot accept connections"), 1u);
  EXPECT_EQ(count("still cannot accept connections"), 2u);
  backoff.cancel();
  backoff.succeeded();
  EXPECT_EQ(count("accepting connections again after"), 1u);
  backoff.succeeded();  // a success outside an episode says nothing
  EXPECT_EQ(count("accepting connections again after"), 1u);
  // A new episode is logged at once again.
  backoff.failed(kEmfile, [] {});
  EXPECT_EQ(count(": cannot accept connections"), 2u);
}

TEST(LogLimiterTest, OneLinePerIntervalCountingTheOthers) {
  LogLimiter limiter(60s);
  TimePoint t{};
  EXPECT_TRUE(limiter.allow(t));
  EXPECT_EQ(limiter.suppressed(), 0u);
  EXPECT_FALSE(limiter.allow(t + 1s));
  EXPECT_FALSE(limiter.allow(t + 59s));
  EXPECT_TRUE(limiter.allow(t + 60s));
  EXPECT_EQ(limiter.suppressed(), 2u);
}

TEST(DescriptorsTest, ExhaustionErrorsAndTheirDescription) {
  EXPECT_TRUE(is_resource_exhaustion(kEmfile));
  EXPECT_TRUE(is_resource_exhaustion(std::error_code(ENFILE, std::system_category())));
  EXPECT_TRUE(is_resource_exhaustion(std::make_error_code(std::errc::too_many_files_open)));
  EXPECT_FALSE(is_resource_exhaustion(std::error_code(ECONNREFUSED, std::system_category())));
  // Asio's own "asio.system" category (accept() errors) is covered by bgp_asio_listener_test.
  EXPECT_NE(
      describe_resource_error(std::error_code(ENFILE, std::system_category())).find("fs.file-max"),
      std::string::npos);
  EXPECT_EQ(descriptor_reserve(64), 8u);
  EXPECT_EQ(descriptor_reserve(1024), 64u);
  EXPECT_EQ(descriptor_reserve(1u << 20), 64u);
}

TEST(DescriptorsTest, RaiseTakesTheSoftLimitToTheHardLimitAndKeepsTheReserve) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  rlimit lowered = before;
  lowered.rlim_cur = std::min<rlim_t>(before.rlim_max, 256);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  NofileLimit raised = raise_nofile_limit();
  EXPECT_TRUE(raised.error.empty()) << raised.error;
  EXPECT_EQ(raised.soft_before, lowered.rlim_cur);
  EXPECT_EQ(raised.soft, before.rlim_max);
  EXPECT_EQ(raised.hard, before.rlim_max);
  EXPECT_EQ(nofile_limit(), before.rlim_max);
  const auto limit = static_cast<int>(std::min<rlim_t>(before.rlim_max, 1 << 30));
  EXPECT_FALSE(in_descriptor_reserve(3));
  EXPECT_TRUE(in_descriptor_reserve(limit - 1));
  EXPECT_FALSE(in_descriptor_reserve(limit - 1 - static_cast<int>(descriptor_reserve(limit))));
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &before), 0);
}

}  // namespace
}  // namespace vipd::event
