// Issue 15: large keepalived.conf files. The checks that used to compare every pair of
// instances (VRID conflicts) or every pair of addresses of a block (duplicates) now use maps and
// sets; these tests keep their answers: the first conflict in file order, every duplicate.
#include <fmt/format.h>

#include "test_util.hpp"

namespace vipd::vrrp::config::test {
namespace {

std::string instance(int i, const std::string& interface, int vrid, const std::string& peers) {
  std::string text = fmt::format(
      "vrrp_instance I{} {{\n interface {}\n virtual_router_id {}\n priority 100\n"
      " virtual_ipaddress {{\n  10.{}.{}.1/32\n }}\n",
      i, interface, vrid, i / 256, i % 256);
  if (!peers.empty()) text += " unicast_peer {\n" + peers + " }\n";
  return text + "}\n";
}

TEST(KeepalivedScale, ManyInstancesWithoutConflictLoad) {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += instance(i, fmt::format("eth{}", i / 250), 1 + i % 250, "");
  // Unicast instances may share a VRID when their peers differ.
  for (int i = 0; i < 50; ++i)
    text += instance(2000 + i, "uni0", 7, fmt::format("  192.0.2.{}\n", i + 1));
  auto p = parse(text);
  ASSERT_TRUE(p.result) << p.result.error().to_string();
  EXPECT_EQ(p.result->instances.size(), 2050u);
}

TEST(KeepalivedScale, FirstConflictInFileOrderIsReported) {
  std::string text;
  for (int i = 0; i < 300; ++i)
    text += instance(i, "uni0", 7, fmt::format("  192.0.2.{}\n", i % 200 + 1));
  // I200 shares its peer with I0: the first conflict.
  auto p = parse(text);
  ASSERT_FALSE(p.result);
  EXPECT_NE(p.result.error().to_string().find("(I200) duplicate VRID conflict with I0 VRID 7"),
            std::string::npos)
      << p.result.error().to_string();
  // A multicast instance conflicts with the first multicast one of its VRID, not a unicast one.
  text = instance(0, "eth0", 9, "  192.0.2.1\n") + instance(1, "eth0", 9, "") +
         instance(2, "eth0", 9, "") + instance(3, "eth0", 9, "");
  p = parse(text);
  ASSERT_FALSE(p.result);
  EXPECT_NE(p.result.error().to_string().find("I1 and I2 both use VRID 9"), std::string::npos)
      << p.result.error().to_string();
}

TEST(KeepalivedScale, LargeExcludedBlockKeepsEveryDuplicateWarning) {
  std::string text =
      "vrrp_instance BIG {\n interface eth0\n virtual_router_id 1\n priority 100\n"
      " virtual_ipaddress {\n  192.0.2.1/32\n }\n virtual_ipaddress_excluded {\n";
  for (int k = 0; k < 20000; ++k) text += fmt::format("  100.64.{}.{}/32\n", k / 256, k % 256);
  text +=
      "  100.64.0.5/32\n }\n virtual_ipaddress_excluded {\n  100.64.0.6/32\n"
      "  100.65.0.1/32\n }\n}\n";
  auto p = parse(text);
  ASSERT_TRUE(p.result) << p.result.error().to_string();
  EXPECT_EQ(p.result->instances.at(0).virtual_ipaddress_excluded.size(), 20001u);
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_NE(p.warnings[0].find("100.64.0.5 is listed twice"), std::string::npos) << p.warnings[0];
  EXPECT_NE(p.warnings[1].find("100.64.0.6 is listed twice"), std::string::npos) << p.warnings[1];
}

}  // namespace
}  // namespace vipd::vrrp::config::test
