// Golden test of the configurations in tests/data/configs/: realistic bgpd.conf / frr.conf and
// keepalived.conf files written the way people write them (comments, `!` separators, FRR and
// quagga layouts, IPv6, BFD, route maps; scripts, sync groups, unicast peers, notify...).
//
// For each NAME.conf (keepalived-*.conf is a keepalived.conf, every other one a bgpd.conf):
//  1. it loads;
//  2. its `show running-config` is rendered: for BGP the FRR-layout text vipd writes back
//     (render_config), for keepalived the file as loaded under VrrpDaemonModule's header;
//  3. the render loads again to a configuration equal to the first (nothing lost or changed on
//     `write memory` and reload);
//  4. a render is compared with the checked-in NAME.expected: for BGP the running-config text,
//     for keepalived (whose running-config is the file itself) `show running-config json`, the
//     effective values, with the loader's warnings.
//
// Regenerate the expected files after an intended change of the output:
//   VIPD_GOLDEN_UPDATE=1 build/tests/unit/configs/config_golden_test
// then review `git diff tests/data/configs`. With VIPD_GOLDEN_PENDING=1 the files of
// tests/data/configs/pending/ (commands not implemented yet) are checked too; a file moves up
// from pending/ once everything it uses is accepted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"
#include "vrrp/config/json.hpp"
#include "vrrp/config/parser.hpp"

namespace vipd {
namespace {

namespace fs = std::filesystem;

const fs::path kConfigDir = fs::path(VIPD_SOURCE_DIR) / "tests" / "data" / "configs";

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

std::vector<fs::path> config_files() {
  std::vector<fs::path> dirs{kConfigDir};
  if (env_set("VIPD_GOLDEN_PENDING")) dirs.push_back(kConfigDir / "pending");
  std::vector<fs::path> files;
  for (const auto& dir : dirs) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file() && entry.path().extension() == ".conf")
        files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool is_keepalived(const fs::path& file) {
  return file.filename().string().rfind("keepalived-", 0) == 0;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Either compares `actual` with NAME.expected or, under VIPD_GOLDEN_UPDATE, writes it there.
void check_expected(const fs::path& conf, const std::string& actual) {
  fs::path expected_path = conf;
  expected_path.replace_extension(".expected");
  if (env_set("VIPD_GOLDEN_UPDATE")) {
    std::ofstream(expected_path, std::ios::binary | std::ios::trunc) << actual;
    std::cout << "wrote " << expected_path.string() << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(expected_path))
      << expected_path << " is missing (VIPD_GOLDEN_UPDATE=1 writes it)";
  EXPECT_EQ(actual, read_file(expected_path))
      << "the render of " << conf.filename() << " differs from " << expected_path.filename()
      << " (VIPD_GOLDEN_UPDATE=1 rewrites it after an intended change)";
}

void check_bgp(const fs::path& conf) {
  const std::string name = conf.filename().string();
  auto first = bgp::config::parse_config(read_file(conf), name);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  const std::string render = bgp::config::render_config(*first);
  auto again = bgp::config::parse_config(render, name + " (rendered)");
  ASSERT_TRUE(again.ok()) << "the render does not load: " << again.error().to_string() << "\n"
                          << render;
  EXPECT_TRUE(*again == *first) << "the render loads to a different configuration; rendered "
                                   "again it reads\n"
                                << bgp::config::render_config(*again) << "\ninstead of\n"
                                << render;
  check_expected(conf, render);
}

// What VrrpDaemonModule::running_config() shows: the file as loaded, under a header.
std::string keepalived_running_config(const std::string& name, const std::string& text) {
  return "!\n! keepalived.conf " + name + "\n!\n" + text;
}

void check_keepalived(const fs::path& conf) {
  const std::string name = conf.filename().string();
  std::vector<vrrp::config::ConfigWarning> warnings;
  auto first = vrrp::config::parse_keepalived_config(read_file(conf), name, &warnings);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  const std::string render = keepalived_running_config(name, read_file(conf));
  auto again = vrrp::config::parse_keepalived_config(render, name + " (rendered)");
  ASSERT_TRUE(again.ok()) << "the render does not load: " << again.error().to_string();
  EXPECT_TRUE(*again == *first) << "the render loads to a different configuration:\n"
                                << vrrp::config::to_json(*again).dump(2) << "\ninstead of\n"
                                << vrrp::config::to_json(*first).dump(2);
  nlohmann::json golden;
  golden["warnings"] = nlohmann::json::array();
  for (const auto& w : warnings) golden["warnings"].push_back(w.to_string());
  golden["config"] = vrrp::config::to_json(*first);
  check_expected(conf, golden.dump(2) + "\n");
}

class GoldenConfig : public ::testing::TestWithParam<fs::path> {};

TEST_P(GoldenConfig, LoadsRendersAndReloadsEqual) {
  if (is_keepalived(GetParam()))
    check_keepalived(GetParam());
  else
    check_bgp(GetParam());
}

std::string test_name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.stem().string();
  if (info.param.parent_path().filename() == "pending") name = "pending_" + name;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Configs, GoldenConfig, ::testing::ValuesIn(config_files()), test_name);

// The directory is found and holds the corpus (an empty glob would pass every test above).
TEST(GoldenConfigs, CorpusIsThere) {
  auto files = config_files();
  auto keepalived = std::count_if(files.begin(), files.end(), is_keepalived);
  EXPECT_GE(static_cast<long>(files.size()) - keepalived, 10) << kConfigDir;
  EXPECT_GE(keepalived, 6) << kConfigDir;
  if (env_set("VIPD_GOLDEN_UPDATE")) return;
  for (const auto& f : files) {
    if (f.parent_path().filename() == "pending") continue;
    fs::path expected = f;
    expected.replace_extension(".expected");
    EXPECT_TRUE(fs::exists(expected)) << expected << " is missing";
  }
}

}  // namespace
}  // namespace vipd
