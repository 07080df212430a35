// `include` on the file system: nested, glob, relative to the including file, missing files,
// diagnostics in the included file's own name and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "test_util.hpp"

namespace vipd::vrrp::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace test;
namespace fs = std::filesystem;

class IncludeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/vipd-kaconf-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    fs::path path = fs::path(dir_) / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

  Result<KeepalivedConfig, ConfigError> load(const std::string& name) {
    warnings_.clear();
    std::vector<ConfigWarning> warnings;
    auto r = load_keepalived_config(dir_ + "/" + name, &warnings);
    for (const auto& w : warnings) warnings_.push_back(w.to_string());
    return r;
  }

  std::string dir_;
  std::vector<std::string> warnings_;
};

TEST_F(IncludeTest, NestedAndRelativeToTheIncludingFile) {
  write("keepalived.conf",
        "include conf.d/global.conf\n"
        "vrrp_instance VI_1 {\n"
        " interface eth0\n"
        " virtual_router_id 51\n"
        " virtual_ipaddress {\n"
        "  include conf.d/vips.conf\n"  // inside a block, as keepalived allows
        " }\n"
        "}\n");
  // conf.d/global.conf names "inner.conf": keepalived reads it from conf.d/, its own directory.
  write("conf.d/global.conf", "global_defs {\n router_id R1\n}\ninclude inner.conf\n");
  write("conf.d/inner.conf", "vrrp_script chk {\n script /bin/true\n}\n");
  write("conf.d/vips.conf", "10.0.0.1\n10.0.0.2/24 dev eth1\n");
  auto r = load("keepalived.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->global_defs.router_id, "R1");
  ASSERT_EQ(r->scripts.size(), 1u);
  EXPECT_EQ(r->scripts[0].name, "chk");
  ASSERT_EQ(r->instances.size(), 1u);
  ASSERT_EQ(r->instances[0].virtual_ipaddress.size(), 2u);
  EXPECT_EQ(r->instances[0].virtual_ipaddress[1].to_string(), "10.0.0.2/24 dev eth1");
}

TEST_F(IncludeTest, ErrorsNameTheIncludedFileAndItsLine) {
  write("keepalived.conf", "include sub/a.conf\n");
  write("sub/a.conf", "global_defs {\n router_id R\n}\ninclude b.conf\n");
  write("sub/b.conf", "\n\nglobal_defs {\n bogus 1\n}\nvrrp_instance X {\n}\n");
  auto r = load("keepalived.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), dir_ +
                                       "/sub/b.conf:6: (X) Unknown interface! (set 'interface', or "
                                       "'default_interface' in global_defs)");
  EXPECT_THAT(warnings_, ::testing::Contains(dir_ + "/sub/b.conf:4: Unknown keyword 'bogus'"));
}

TEST_F(IncludeTest, WarningsNameTheIncludedFileAndItsLine) {
  write("keepalived.conf", "include vi.conf\n");
  write("vi.conf", instance(" priority 0"));
  auto r = load("keepalived.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_THAT(warnings_, ElementsAre(dir_ + "/vi.conf:4: (VI_1) Priority not valid! must be "
                                            "between 1 & 255. Using default 100"));
}

TEST_F(IncludeTest, GlobReadsMatchesInSortedOrder) {
  write("keepalived.conf", "include vrrp/*.conf\ninclude vrrp/{x,y}.inc\n");
  write("vrrp/b.conf", "vrrp_instance B {\n interface eth0\n virtual_router_id 2\n}\n");
  write("vrrp/a.conf", "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\n");
  write("vrrp/y.inc", "vrrp_instance Y {\n interface eth0\n virtual_router_id 4\n}\n");
  write("vrrp/x.inc", "vrrp_instance X {\n interface eth0\n virtual_router_id 3\n}\n");
  write("vrrp/ignored.txt", "bogus\n");
  fs::create_directories(fs::path(dir_) / "vrrp" / "dir.conf");  // directories are skipped
  auto r = load("keepalived.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->instances.size(), 4u);
  EXPECT_EQ(r->instances[0].name, "A");
  EXPECT_EQ(r->instances[1].name, "B");
  EXPECT_EQ(r->instances[2].name, "X");
  EXPECT_EQ(r->instances[3].name, "Y");
}

TEST_F(IncludeTest, MissingFileIsAnErrorAndAnEmptyGlobAWarning) {
  // keepalived 2.2.7 -t: "(Line 1) Config files missing 'nonexist.conf'." for a plain name and
  // nothing for a pattern without match (it logs "No config files matched" when running).
  write("missing.conf", "global_defs {\n}\ninclude nonexist.conf\n");
  auto missing = load("missing.conf");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().to_string(),
            dir_ + "/missing.conf:3: Config files missing '" + dir_ + "/nonexist.conf'");
  write("glob.conf", "include none*.conf\n");
  auto glob = load("glob.conf");
  ASSERT_TRUE(glob.ok()) << glob.error().to_string();
  EXPECT_THAT(warnings_, ElementsAre(dir_ + "/glob.conf:1: No config files matched '" + dir_ +
                                     "/none*.conf'"));
}

TEST_F(IncludeTest, ExecutableFilesAreSkipped) {
  write("keepalived.conf", "include x.conf\n");
  std::string x = write("x.conf", "bogus\n");
  ASSERT_EQ(chmod(x.c_str(), 0755), 0);
  auto r = load("keepalived.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_THAT(warnings_, ElementsAre(dir_ + "/keepalived.conf:1: Configuration file '" + x +
                                     "' is not a regular non-executable file - skipping"));
}

// D2: keepalived.conf must be a regular file: a directory read as an empty configuration, a
// FIFO blocked the event loop, /dev/zero grew memory until abort.
TEST_F(IncludeTest, MainFileThatIsNotARegularFileIsAnError) {
  fs::create_directories(fs::path(dir_) / "dir.conf");
  auto directory = load("dir.conf");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().to_string(), dir_ + "/dir.conf: not a regular file (a directory)");
  ASSERT_EQ(mkfifo((dir_ + "/fifo.conf").c_str(), 0600), 0);
  auto fifo = load("fifo.conf");
  ASSERT_FALSE(fifo.ok());
  EXPECT_EQ(fifo.error().to_string(), dir_ + "/fifo.conf: not a regular file (a FIFO)");
  fs::create_symlink("/dev/zero", fs::path(dir_) / "zero.conf");
  auto zero = load("zero.conf");
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().to_string(), dir_ + "/zero.conf: not a regular file (a character device)");
}

// An include of something that is not a regular file, or over the size limit, is skipped with a
// warning, as keepalived skips files it cannot open; it never blocks.
TEST_F(IncludeTest, IncludesThatAreNotRegularOrTooLargeAreSkipped) {
  write("keepalived.conf", "include fifo.conf\ninclude zero.conf\ninclude huge.conf\n");
  std::string fifo = dir_ + "/fifo.conf";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string zero = dir_ + "/zero.conf";
  fs::create_symlink("/dev/zero", zero);
  std::string huge = write("huge.conf", "");
  fs::resize_file(huge, (std::uintmax_t{64} << 20) + 1);  // sparse: costs no disk
  auto r = load("keepalived.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_THAT(
      warnings_,
      ElementsAre(dir_ + "/keepalived.conf:1: Configuration file '" + fifo +
                      "' is not a regular non-executable file - skipping",
                  dir_ + "/keepalived.conf:2: Configuration file '" + zero +
                      "' is not a regular non-executable file - skipping",
                  dir_ + "/keepalived.conf:3: Configuration file '" + huge +
                      "' open problem (larger than the limit of 67108864 bytes) - skipping"));
}

TEST_F(IncludeTest, AbsolutePath) {
  std::string vips = write("elsewhere/vips.conf", "10.9.9.9\n");
  write("keepalived.conf", instance("", "include " + vips));
  auto r = load("keepalived.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->instances[0].virtual_ipaddress[0].address, ip("10.9.9.9"));
}

TEST_F(IncludeTest, QuotedNameWithBlanks) {
  write("my vips.conf", "10.9.9.8\n");
  write("keepalived.conf", instance("", "include \"my vips.conf\""));
  auto r = load("keepalived.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->instances[0].virtual_ipaddress[0].address, ip("10.9.9.8"));
}

TEST_F(IncludeTest, BlockMayCloseInAnotherFile) {
  // keepalived reads included lines as if they stood at the include line.
  write("keepalived.conf", "global_defs {\ninclude rest.conf\n");
  write("rest.conf", " router_id FROM_REST\n}\n");
  auto r = load("keepalived.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->global_defs.router_id, "FROM_REST");
}

TEST_F(IncludeTest, IncludeLoopStops) {
  write("keepalived.conf", "include keepalived.conf\n");
  auto r = load("keepalived.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), dir_ +
                                       "/keepalived.conf:1: includes are nested more than 16 "
                                       "deep (does a file include itself?)");
}

TEST_F(IncludeTest, CrlfAndCommentsInIncludedFiles) {
  write("keepalived.conf", "include a.conf # comment\r\n");
  write("a.conf", "! comment\r\nglobal_defs {\r\n router_id R2 # c\r\n}\r\n");
  auto r = load("keepalived.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->global_defs.router_id, "R2");
  EXPECT_THAT(warnings_, IsEmpty());
}

}  // namespace
}  // namespace vipd::vrrp::config
