#include "common/log.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vipd
