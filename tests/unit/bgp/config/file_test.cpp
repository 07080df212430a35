#include "bgp/config/file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vipd::bgp::config {
namespace {

namespace fs = std::filesystem;

class WriteConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("vipd-config-test-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override {
    fs::permissions(dir, fs::perms::owner_all);
    fs::remove_all(dir);
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {}));
  }
  fs::path dir;
};

TEST_F(WriteConfigFile, CreatesWithPrivateMode) {
  auto path = (dir / "bgpd.conf").string();
  auto r = write_config_file(path, "router bgp 1\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(read(path), "router bgp 1\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(entries(), 1u);  // no temporary file left behind
}

TEST_F(WriteConfigFile, ReplacesAndKeepsTheOriginalMode) {
  auto path = (dir / "bgpd.conf").string();
  std::ofstream(path) << "old contents that are longer than the new ones\n";
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto r = write_config_file(path, "new\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(read(path), "new\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(WriteConfigFile, FailureLeavesTheOriginalAndSaysWhy) {
  auto path = (dir / "missing-dir" / "bgpd.conf").string();
  auto r = write_config_file(path, "x\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("Can't create temporary configuration file"), std::string::npos)
      << r.error();
  EXPECT_NE(r.error().find("No such file or directory"), std::string::npos) << r.error();

  // Renaming over a directory fails after the temporary file was written: it must be removed.
  auto target = dir / "is-a-directory";
  fs::create_directories(target / "child");
  auto r2 = write_config_file(target.string(), "x\n");
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().find("Can't replace configuration file"), std::string::npos) << r2.error();
  EXPECT_EQ(entries(), 1u);
  EXPECT_TRUE(fs::is_directory(target));
}

}  // namespace
}  // namespace vipd::bgp::config
