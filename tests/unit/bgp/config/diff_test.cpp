#include "bgp/config/diff.hpp"

#include <gtest/gtest.h>

#include "bgp/config/parser.hpp"

#include "config_test_util.hpp"

namespace vipd::bgp::config {
namespace {

using test::ip;

const char* kBase =
    "router bgp 65000\n"
    " bgp router-id 192.168.5.1\n"
    " neighbor 10.0.0.1 remote-as 65001\n"
    " neighbor 10.0.0.1 description one\n"
    " neighbor 10.0.0.2 remote-as 65002\n"
    " network 192.0.2.0/24\n";

BgpConfig parse(const std::string& text) {
  auto r = parse_config(text, "t");
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? *r : BgpConfig{};
}

// The diff between kBase and kBase plus `extra` lines.
ConfigDiff after(const std::string& extra) {
  return diff(parse(kBase), parse(std::string(kBase) + extra));
}

TEST(ConfigDiff, IdenticalIsEmpty) {
  EXPECT_TRUE(diff(parse(kBase), parse(kBase)).empty());
  EXPECT_TRUE(diff(BgpConfig{}, BgpConfig{}).empty());
}

TEST(ConfigDiff, InstanceAddedAndRemovedListItsContents) {
  auto added = diff(BgpConfig{}, parse(kBase));
  EXPECT_TRUE(added.instance_added);
  EXPECT_EQ(added.neighbors_added, (std::vector<IpAddress>{ip("10.0.0.1"), ip("10.0.0.2")}));
  ASSERT_EQ(added.networks_added.size(), 1u);
  EXPECT_EQ(added.networks_added[0].af, AddressFamily::kIpv4Unicast);

  auto removed = diff(parse(kBase), parse("hostname r1\n"));
  EXPECT_TRUE(removed.instance_removed);
  EXPECT_TRUE(removed.log_changed);
  EXPECT_EQ(removed.neighbors_removed, (std::vector<IpAddress>{ip("10.0.0.1"), ip("10.0.0.2")}));
  EXPECT_EQ(removed.networks_removed.size(), 1u);
}

TEST(ConfigDiff, AsnOrRouterIdChangeResetsEverything) {
  std::string other_as = kBase;
  other_as.replace(other_as.find("65000"), 5, "65100");
  auto d = diff(parse(kBase), parse(other_as));
  EXPECT_TRUE(d.asn_changed);
  EXPECT_TRUE(d.resets_all_sessions());
  EXPECT_FALSE(d.instance_added || d.instance_removed);

  auto r = after(" bgp router-id 192.168.5.2\n");
  EXPECT_TRUE(r.router_id_changed);
  EXPECT_TRUE(r.resets_all_sessions());
  EXPECT_TRUE(r.neighbors_changed.empty());
}

TEST(ConfigDiff, NeighborsAddedAndRemoved) {
  auto d = after(" neighbor 10.0.0.3 remote-as 65003\n no neighbor 10.0.0.2\n");
  EXPECT_EQ(d.neighbors_added, std::vector<IpAddress>{ip("10.0.0.3")});
  EXPECT_EQ(d.neighbors_removed, std::vector<IpAddress>{ip("10.0.0.2")});
  EXPECT_TRUE(d.neighbors_changed.empty());
  EXPECT_FALSE(d.resets_all_sessions());
}

// One neighbor change, checked for what it asks of the session.
void expect_change(const std::string& extra, const std::vector<std::string>& changed, bool reset,
                   bool shutdown_changed = false, bool timers_changed = false) {
  SCOPED_TRACE(extra);
  auto d = after(extra);
  ASSERT_EQ(d.neighbors_changed.size(), 1u);
  const auto& c = d.neighbors_changed[0];
  EXPECT_EQ(c.address, ip("10.0.0.1"));
  EXPECT_EQ(c.changed, changed);
  EXPECT_EQ(c.reset, reset);
  EXPECT_EQ(c.shutdown_changed, shutdown_changed);
  EXPECT_EQ(c.timers_changed, timers_changed);
  EXPECT_TRUE(d.neighbors_added.empty());
  EXPECT_TRUE(d.neighbors_removed.empty());
}

TEST(ConfigDiff, NeighborChangesThatResetTheSession) {
  expect_change(" neighbor 10.0.0.1 remote-as 65011\n", {"remote-as"}, true);
  expect_change(" neighbor 10.0.0.1 password x\n", {"password"}, true);
  expect_change(" neighbor 10.0.0.1 update-source eth0\n", {"update-source"}, true);
  expect_change(" neighbor 10.0.0.1 port 1179\n", {"port"}, true);
  expect_change(" neighbor 10.0.0.1 ebgp-multihop\n", {"ebgp-multihop"}, true);
  expect_change(" no neighbor 10.0.0.1 activate\n", {"activate"}, true);
  expect_change(" address-family ipv6\n neighbor 10.0.0.1 activate\n", {"activate"}, true);
}

TEST(ConfigDiff, NeighborChangesThatKeepTheSession) {
  expect_change(" neighbor 10.0.0.1 description two\n", {"description"}, false);
  expect_change(" neighbor 10.0.0.1 passive\n", {"passive"}, false);
  expect_change(" neighbor 10.0.0.1 timers 10 30\n", {"timers"}, false, false, true);
  expect_change(" neighbor 10.0.0.1 timers connect 3\n", {"timers connect"}, false, false, true);
  expect_change(" neighbor 10.0.0.1 shutdown message bye\n", {"shutdown"}, false, true);
}

TEST(ConfigDiff, ShutdownToggledBothWays) {
  std::string down = std::string(kBase) + " neighbor 10.0.0.1 shutdown\n";
  auto up = diff(parse(down), parse(kBase));
  ASSERT_EQ(up.neighbors_changed.size(), 1u);
  EXPECT_TRUE(up.neighbors_changed[0].shutdown_changed);
  // Only the message changes while staying down: nothing to do to the session.
  auto reworded =
      diff(parse(down), parse(std::string(kBase) + " neighbor 10.0.0.1 shutdown message later\n"));
  ASSERT_EQ(reworded.neighbors_changed.size(), 1u);
  EXPECT_FALSE(reworded.neighbors_changed[0].shutdown_changed);
  EXPECT_FALSE(reworded.neighbors_changed[0].reset);
}

TEST(ConfigDiff, NetworksPerFamily) {
  auto d = after(
      " no network 192.0.2.0/24\n network 198.51.100.0/24\n address-family ipv6 unicast\n"
      "  network 2001:db8::/32\n");
  EXPECT_EQ(d.networks_added, (std::vector<NetworkChange>{
                                  {AddressFamily::kIpv4Unicast, *Prefix::parse("198.51.100.0/24")},
                                  {AddressFamily::kIpv6Unicast, *Prefix::parse("2001:db8::/32")}}));
  EXPECT_EQ(
      d.networks_removed,
      (std::vector<NetworkChange>{{AddressFamily::kIpv4Unicast, *Prefix::parse("192.0.2.0/24")}}));
  EXPECT_TRUE(d.neighbors_changed.empty());
}

TEST(ConfigDiff, TimersMultipathAndLogging) {
  auto t = after(" timers bgp 3 9\n");
  EXPECT_TRUE(t.timers_changed);
  EXPECT_FALSE(t.resets_all_sessions());
  EXPECT_TRUE(t.neighbors_changed.empty());
  EXPECT_TRUE(after(" address-family ipv6\n  maximum-paths 4\n").multipath_changed);
  EXPECT_TRUE(after(" maximum-paths ibgp 2\n").multipath_changed);
  EXPECT_TRUE(after(" bgp always-compare-med\n").multipath_changed);
  EXPECT_TRUE(after(" bgp bestpath as-path multipath-relax\n").multipath_changed);
  EXPECT_FALSE(after(" bgp deterministic-med\n").empty());
  auto r = after("bgp no-rib\n");
  EXPECT_TRUE(r.no_rib_changed);
  EXPECT_FALSE(r.multipath_changed);
  auto l = after("log syslog informational\n");
  EXPECT_TRUE(l.log_changed);
  EXPECT_FALSE(l.timers_changed);
}

}  // namespace
}  // namespace vipd::bgp::config
