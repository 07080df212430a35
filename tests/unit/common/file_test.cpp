#include "common/file.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace vipd {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "vipd-file-test-" + name;
}

TEST(ReadConfigFile, ReadsARegularFile) {
  std::string path = temp_path("regular");
  { std::ofstream(path) << "router bgp 65001\n"; }
  auto text = read_config_file(path);
  ASSERT_TRUE(text) << text.error();
  EXPECT_EQ(*text, "router bgp 65001\n");
  std::remove(path.c_str());
}

TEST(ReadConfigFile, ReadsAnEmptyFile) {
  std::string path = temp_path("empty");
  { std::ofstream{path}; }
  auto text = read_config_file(path);
  ASSERT_TRUE(text) << text.error();
  EXPECT_EQ(*text, "");
  std::remove(path.c_str());
}

TEST(ReadConfigFile, ReadsAFileLargerThanOneBuffer) {
  std::string path = temp_path("large");
  std::string content(100'000, 'x');
  { std::ofstream(path) << content; }
  auto text = read_config_file(path);
  ASSERT_TRUE(text) << text.error();
  EXPECT_EQ(*text, content);
  std::remove(path.c_str());
}

// D2: a directory used to read as an empty configuration.
TEST(ReadConfigFile, RefusesADirectory) {
  auto text = read_config_file(::testing::TempDir());
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), "not a regular file (a directory)");
}

// D2: a FIFO used to block the event loop until a writer came.
TEST(ReadConfigFile, RefusesAFifoWithoutBlocking) {
  std::string path = temp_path("fifo");
  std::remove(path.c_str());
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto text = read_config_file(path);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), "not a regular file (a FIFO)");
  std::remove(path.c_str());
}

// D2: /dev/zero used to grow memory until abort.
TEST(ReadConfigFile, RefusesADevice) {
  auto text = read_config_file("/dev/zero");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), "not a regular file (a character device)");
}

TEST(ReadConfigFile, RefusesAFileOverTheLimit) {
  std::string path = temp_path("over");
  { std::ofstream(path) << std::string(101, 'x'); }
  auto text = read_config_file(path, 100);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), "larger than the limit of 100 bytes");
  auto exact = read_config_file(path, 101);
  ASSERT_TRUE(exact) << exact.error();
  EXPECT_EQ(exact->size(), 101u);
  std::remove(path.c_str());
}

TEST(ReadConfigFile, SaysWhyItCannotOpen) {
  auto text = read_config_file("/nonexistent-dir/bgpd.conf");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), "No such file or directory");
}

}  // namespace
}  // namespace vipd
