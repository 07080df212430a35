#include "bgp/config/render.hpp"

#include <gtest/gtest.h>

#include "bgp/config/parser.hpp"

namespace vipd::bgp::config {
namespace {

// Every supported command at least once.
const char* kFullConfig =
    "hostname r1\n"
    "password zebra\n"
    "enable password secret\n"
    "log file /var/log/vipd/bgpd.log informational\n"
    "log stdout warnings\n"
    "log syslog\n"
    "bgp no-rib\n"
    "!\n"
    "router bgp 4200000000\n"
    " bgp router-id 192.0.2.1\n"
    " bgp log-neighbor-changes\n"
    " no bgp default ipv4-unicast\n"
    " bgp always-compare-med\n"
    " bgp deterministic-med\n"
    " bgp bestpath as-path multipath-relax\n"
    " bgp ebgp-requires-policy\n"
    " bgp cluster-id 192.0.2.9\n"
    " bgp route-reflector allow-outbound-policy\n"
    " timers bgp 10 30\n"
    " neighbor 192.0.2.2 remote-as 65001\n"
    " neighbor 192.0.2.2 description \"uplink 1\n"
    " neighbor 192.0.2.2 shutdown message maintenance until 18:00\n"
    " neighbor 192.0.2.2 password s3cret\n"
    " neighbor 192.0.2.2 port 1179\n"
    " neighbor 192.0.2.2 passive\n"
    " neighbor 192.0.2.2 ebgp-multihop\n"
    " neighbor 192.0.2.2 update-source lo\n"
    " neighbor 192.0.2.2 timers 3 9\n"
    " neighbor 192.0.2.2 timers connect 1\n"
    " neighbor 192.0.2.3 remote-as internal\n"
    " neighbor 192.0.2.3 shutdown\n"
    " neighbor 192.0.2.3 ebgp-multihop 2\n"
    " neighbor 192.0.2.3 update-source 192.0.2.1\n"
    " neighbor 2001:db8::2 remote-as external\n"
    " !\n"
    " address-family ipv4 unicast\n"
    "  network 198.51.100.0/24\n"
    "  network 203.0.113.7/32\n"
    "  maximum-paths 16\n"
    "  maximum-paths ibgp 8\n"
    "  neighbor 192.0.2.2 activate\n"
    "  neighbor 192.0.2.2 next-hop-self\n"
    "  neighbor 192.0.2.2 maximum-prefix 1000 80 restart 5\n"
    "  neighbor 192.0.2.2 route-server-client\n"
    "  neighbor 192.0.2.2 prefix-list from-uplink in\n"
    "  neighbor 192.0.2.2 prefix-list to-uplink out\n"
    "  neighbor 192.0.2.3 route-reflector-client\n"
    "  neighbor 192.0.2.3 maximum-prefix 50 warning-only\n"
    " exit-address-family\n"
    " !\n"
    " address-family ipv6 unicast\n"
    "  network 2001:db8:100::/48\n"
    "  maximum-paths 4\n"
    "  neighbor 2001:db8::2 activate\n"
    " exit-address-family\n"
    "exit\n"
    "!\n"
    "ip prefix-list from-uplink seq 5 permit 198.51.100.0/22 le 24\n"
    "ip prefix-list from-uplink seq 10 deny any\n"
    "ipv6 prefix-list v6 description documentation only\n"
    "ipv6 prefix-list v6 seq 5 permit 2001:db8::/32 ge 48 le 64\n"
    "!\n"
    "line vty\n"
    " exec-timeout 10 30\n"
    " access-class vty-v4\n"
    " ipv6 access-class vty-v6\n"
    " no login\n"
    "!\n"
    "end\n";

TEST(RenderConfig, SeedInFrrLayout) {
  auto seed = load_config_file(std::string(VIPD_SOURCE_DIR) + "/tests/data/seed/bgpd.conf");
  ASSERT_TRUE(seed.ok());
  std::string text = render_config(*seed);
  EXPECT_EQ(text,
            "router bgp 65000\n"
            " bgp router-id 192.168.5.1\n"
            " neighbor 192.168.12.11 remote-as 65009\n"
            " neighbor 192.168.12.11 description \"k3s-master-1\"\n"
            " neighbor 192.168.12.12 remote-as 65009\n"
            " neighbor 192.168.12.12 description \"k3s-node-1\"\n"
            " neighbor 192.168.12.13 remote-as 65009\n"
            " neighbor 192.168.12.13 description \"k3s-node-2\"\n"
            " neighbor 192.168.12.14 remote-as 65009\n"
            " neighbor 192.168.12.14 description \"k3s-node-3\"\n"
            " neighbor 192.168.12.15 remote-as 65009\n"
            " neighbor 192.168.12.15 description \"k3s-node-4\n"
            " neighbor 192.168.12.16 remote-as 65009\n"
            " neighbor 192.168.12.16 description \"k3s-node-5\"\n"
            "exit\n"
            "!\n"
            "end\n");
  auto again = parse_config(text, "rendered");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(*again, *seed);
}

TEST(RenderConfig, FullConfigRendersAsWrittenAndRoundTrips) {
  auto full = parse_config(kFullConfig, "full.conf");
  ASSERT_TRUE(full.ok()) << full.error().to_string();
  EXPECT_EQ(render_config(*full), kFullConfig);
  auto again = parse_config(render_config(*full), "rendered");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(*again, *full);
}

TEST(RenderConfig, DeactivationUnderDefaultIsWrittenAsNoActivate) {
  auto c = parse_config(
      "router bgp 1\n neighbor 10.0.0.1 remote-as 2\n neighbor 10.0.0.2 remote-as 2\n"
      " no neighbor 10.0.0.1 activate\n neighbor 2001:db8::1 remote-as 2\n"
      " neighbor 2001:db8::1 activate\n",
      "c");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  std::string text = render_config(*c);
  EXPECT_NE(text.find(" address-family ipv4 unicast\n"
                      "  no neighbor 10.0.0.1 activate\n"
                      "  neighbor 2001:db8::1 activate\n"
                      " exit-address-family\n"),
            std::string::npos)
      << text;
  auto again = parse_config(text, "rendered");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *c);
}

TEST(RenderConfig, NeighborActivatedBeforeDefaultWasTurnedOffRoundTrips) {
  auto c = parse_config(
      "router bgp 1\n neighbor 10.0.0.1 remote-as 2\n no bgp default ipv4-unicast\n", "c");
  ASSERT_TRUE(c.ok());
  auto again = parse_config(render_config(*c), "rendered");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *c);
  EXPECT_TRUE(again->bgp->neighbors[0].in(AddressFamily::kIpv4Unicast).active);
}

TEST(RenderConfig, BestPathOptionsAndNoRibAreSetAndCleared) {
  auto on = parse_config(
      "bgp no-rib\nrouter bgp 1\n bgp always-compare-med\n bgp deterministic-med\n"
      " bgp bestpath as-path multipath-relax\n",
      "on.conf");
  ASSERT_TRUE(on.ok()) << on.error().to_string();
  EXPECT_TRUE(on->no_rib);
  EXPECT_TRUE(on->bgp->always_compare_med);
  EXPECT_TRUE(on->bgp->deterministic_med);
  EXPECT_TRUE(on->bgp->multipath_relax);
  auto off = parse_config(
      "bgp no-rib\nno bgp no-rib\nrouter bgp 1\n bgp always-compare-med\n"
      " no bgp always-compare-med\n bgp deterministic-med\n no bgp deterministic-med\n"
      " bgp bestpath as-path multipath-relax\n no bgp bestpath as-path multipath-relax\n",
      "off.conf");
  ASSERT_TRUE(off.ok()) << off.error().to_string();
  EXPECT_FALSE(off->no_rib);
  EXPECT_EQ(*off->bgp, *parse_config("router bgp 1\n", "plain.conf")->bgp);
}

TEST(RenderConfig, EmptyConfigIsJustEnd) {
  EXPECT_EQ(render_config(BgpConfig{}), "end\n");
}

TEST(ConfigJson, SeedAndFull) {
  auto seed = load_config_file(std::string(VIPD_SOURCE_DIR) + "/tests/data/seed/bgpd.conf");
  ASSERT_TRUE(seed.ok());
  auto j = to_json(*seed);
  EXPECT_EQ(j["routerBgp"]["as"], 65000);
  EXPECT_EQ(j["routerBgp"]["routerId"], "192.168.5.1");
  ASSERT_EQ(j["routerBgp"]["neighbors"].size(), 6u);
  EXPECT_EQ(j["routerBgp"]["neighbors"][4]["address"], "192.168.12.15");
  EXPECT_EQ(j["routerBgp"]["neighbors"][4]["description"], "\"k3s-node-4");
  EXPECT_EQ(j["routerBgp"]["neighbors"][4]["remoteAs"], 65009);
  EXPECT_EQ(j["routerBgp"]["neighbors"][4]["addressFamilies"]["ipv4Unicast"]["active"], true);

  auto full = parse_config(kFullConfig, "full.conf");
  ASSERT_TRUE(full.ok());
  auto f = to_json(*full);
  EXPECT_EQ(f["hostname"], "r1");
  EXPECT_EQ(f["log"]["file"]["path"], "/var/log/vipd/bgpd.log");
  EXPECT_EQ(f["log"]["stdout"]["level"], "warnings");
  const auto& n = f["routerBgp"]["neighbors"][0];
  EXPECT_EQ(n["passwordSet"], true);
  EXPECT_FALSE(n.contains("password"));
  EXPECT_EQ(n["port"], 1179);
  EXPECT_EQ(n["ebgpMultihop"], 255);
  EXPECT_EQ(n["shutdownMessage"], "maintenance until 18:00");
  EXPECT_EQ(n["timers"]["holdTime"], 9);
  EXPECT_EQ(f["routerBgp"]["neighbors"][1]["remoteAs"], "internal");
  EXPECT_EQ(f["routerBgp"]["addressFamilies"]["ipv6Unicast"]["networks"][0], "2001:db8:100::/48");
  EXPECT_EQ(f["routerBgp"]["addressFamilies"]["ipv4Unicast"]["maximumPathsIbgp"], 8);
  EXPECT_TRUE(to_json(BgpConfig{})["routerBgp"].is_null());
}

}  // namespace
}  // namespace vipd::bgp::config
