// FRR bfdd's `bfd` node and `neighbor A bfd [profile NAME]` in bgpd.conf: parse, render back
// byte for byte, diff.
#include <gtest/gtest.h>

#include "bgp/config/diff.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"

namespace vipd::bgp::config {
namespace {

// As FRR 8/9 writes it (bfdd's node after bgpd's lines).
const char* kWithBfd =
    "router bgp 64512\n"
    " neighbor 192.168.12.11 remote-as 64513\n"
    " neighbor 192.168.12.11 bfd\n"
    " neighbor 192.168.12.12 remote-as 64513\n"
    " neighbor 192.168.12.12 bfd profile fast\n"
    "exit\n"
    "!\n"
    "bfd\n"
    " profile fast\n"
    "  detect-multiplier 3\n"
    "  receive-interval 50\n"
    "  transmit-interval 50\n"
    "  echo-mode\n"
    "  passive-mode\n"
    "  minimum-ttl 250\n"
    " exit\n"
    " !\n"
    " peer 192.168.12.11\n"
    "  profile fast\n"
    "  detect-multiplier 5\n"
    " exit\n"
    " !\n"
    " peer 2001:db8::2 multihop local-address 2001:db8::1\n"
    "  shutdown\n"
    " exit\n"
    " !\n"
    " peer 10.0.0.2 interface eth1\n"
    " exit\n"
    " !\n"
    "exit\n"
    "!\n"
    "end\n";

TEST(BfdConfig, ParsesFrrBfdNodeAndNeighborLines) {
  auto config = parse_config(kWithBfd, "bgpd.conf");
  ASSERT_TRUE(config) << config.error().message;
  const RouterBgp& bgp = *config->bgp;
  ASSERT_EQ(bgp.neighbors.size(), 2u);
  EXPECT_TRUE(bgp.neighbors[0].bfd);
  EXPECT_EQ(bgp.neighbors[0].bfd_profile, "");
  EXPECT_TRUE(bgp.neighbors[1].bfd);
  EXPECT_EQ(bgp.neighbors[1].bfd_profile, "fast");

  const BfdConfig& bfd = config->bfd;
  EXPECT_TRUE(bfd.present);
  ASSERT_EQ(bfd.profiles.size(), 1u);
  const BfdSettings& fast = bfd.profiles[0].settings;
  EXPECT_EQ(bfd.profiles[0].name, "fast");
  EXPECT_EQ(fast.detect_multiplier, 3);
  EXPECT_EQ(fast.receive_interval_ms, 50u);
  EXPECT_EQ(fast.transmit_interval_ms, 50u);
  EXPECT_TRUE(fast.echo_mode);
  EXPECT_TRUE(fast.passive_mode);
  EXPECT_EQ(fast.minimum_ttl, 250);
  ASSERT_EQ(bfd.peers.size(), 3u);
  EXPECT_EQ(bfd.peers[0].address, *IpAddress::parse("192.168.12.11"));
  EXPECT_EQ(bfd.peers[0].profile, "fast");
  EXPECT_EQ(bfd.peers[0].settings.detect_multiplier, 5);
  EXPECT_TRUE(bfd.peers[1].multihop);
  EXPECT_EQ(bfd.peers[1].local_address, IpAddress::parse("2001:db8::1"));
  EXPECT_TRUE(bfd.peers[1].settings.shutdown);
  EXPECT_EQ(bfd.peers[2].interface, "eth1");
}

TEST(BfdConfig, RendersBackByteForByte) {
  auto config = parse_config(kWithBfd, "bgpd.conf");
  ASSERT_TRUE(config);
  EXPECT_EQ(render_config(*config), kWithBfd);
  auto again = parse_config(render_config(*config), "bgpd.conf");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *config);
  const auto json = to_json(*config);
  EXPECT_EQ(json["bfd"]["profiles"][0]["receiveInterval"], 50);
  EXPECT_EQ(json["bfd"]["peers"][1]["localAddress"], "2001:db8::1");
}

TEST(BfdConfig, BlocksNeedNoExit) {
  // vtysh style: a command of an outer node leaves the inner blocks.
  auto config = parse_config(
      "bfd\n profile a\n  transmit-interval 100\n peer 192.0.2.1\n  receive-interval 200\n"
      "router bgp 1\n neighbor 192.0.2.1 remote-as 2\n neighbor 192.0.2.1 bfd\n",
      "bgpd.conf");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bfd.profiles[0].settings.transmit_interval_ms, 100u);
  EXPECT_EQ(config->bfd.peers[0].settings.receive_interval_ms, 200u);
  EXPECT_TRUE(config->bgp->neighbors[0].bfd);
}

TEST(BfdConfig, RejectsWhatFrrRejects) {
  EXPECT_FALSE(parse_config("bfd\n peer 192.0.2.1 multihop\n", "f"));  // needs local-address
  EXPECT_FALSE(parse_config("bfd\n profile a\n  detect-multiplier 1\n", "f"));
  EXPECT_FALSE(parse_config("bfd\n profile a\n  receive-interval 5\n", "f"));
  EXPECT_FALSE(parse_config("bfd\n profile a\n  minimum-ttl 255\n", "f"));
  EXPECT_FALSE(parse_config("bfd\n peer 192.0.2.1 local-address 2001:db8::1\n", "f"));
  // `neighbor A bfd` needs the neighbor.
  EXPECT_FALSE(parse_config("router bgp 1\n neighbor 192.0.2.1 bfd\n", "f"));
}

TEST(BfdConfig, NoFormsRemove) {
  auto config = parse_config(
      "router bgp 1\n neighbor 192.0.2.1 remote-as 2\n neighbor 192.0.2.1 bfd profile x\n"
      " no neighbor 192.0.2.1 bfd profile\n"
      "bfd\n profile x\n  echo-mode\n  no echo-mode\n  detect-multiplier 4\n  no "
      "detect-multiplier\n"
      " peer 192.0.2.1\n exit\n no peer 192.0.2.1\n",
      "f");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->bgp->neighbors[0].bfd);
  EXPECT_EQ(config->bgp->neighbors[0].bfd_profile, "");
  EXPECT_EQ(config->bfd.profiles[0].settings, BfdSettings{});
  EXPECT_TRUE(config->bfd.peers.empty());
}

TEST(BfdConfig, DiffReportsBfdWithoutReset) {
  auto before = parse_config("router bgp 1\n neighbor 192.0.2.1 remote-as 2\n", "f");
  auto after = parse_config(
      "router bgp 1\n neighbor 192.0.2.1 remote-as 2\n neighbor 192.0.2.1 bfd\n"
      "bfd\n profile p\n",
      "f");
  ASSERT_TRUE(before && after);
  const ConfigDiff d = diff(*before, *after);
  EXPECT_TRUE(d.bfd_changed);
  ASSERT_EQ(d.neighbors_changed.size(), 1u);
  EXPECT_EQ(d.neighbors_changed[0].changed, std::vector<std::string>{"bfd"});
  EXPECT_FALSE(d.neighbors_changed[0].reset);
  EXPECT_FALSE(d.empty());
}

TEST(BfdConfig, EchoLinesAsFrrWritesThem) {
  // FRR bfdd_cli.c: `echo transmit-interval`, `echo receive-interval <disabled|N>`, after
  // `echo-mode`; the older `echo-interval N` (MetalLB's template) sets both and is written back
  // as the two lines.
  const char* text =
      "bfd\n"
      " profile fast\n"
      "  echo-mode\n"
      "  echo transmit-interval 20\n"
      "  echo receive-interval disabled\n"
      " exit\n"
      " !\n"
      "exit\n"
      "!\n"
      "end\n";
  auto config = parse_config(text, "bgpd.conf");
  ASSERT_TRUE(config) << config.error().message;
  const BfdSettings& fast = config->bfd.profiles[0].settings;
  EXPECT_EQ(fast.echo_transmit_interval_ms, 20u);
  EXPECT_EQ(fast.echo_receive_interval_ms, 0u);
  EXPECT_EQ(render_config(*config), text);
  EXPECT_EQ(to_json(*config)["bfd"]["profiles"][0]["echoReceiveInterval"], 0);

  auto older = parse_config("bfd\n peer 192.0.2.1\n  echo-mode\n  echo-interval 30\n", "f");
  ASSERT_TRUE(older) << older.error().message;
  EXPECT_EQ(older->bfd.peers[0].settings.echo_transmit_interval_ms, 30u);
  EXPECT_EQ(older->bfd.peers[0].settings.echo_receive_interval_ms, 30u);
  EXPECT_NE(render_config(*older).find("  echo transmit-interval 30\n  echo receive-interval 30\n"),
            std::string::npos);

  auto removed = parse_config(
      "bfd\n profile p\n  echo-interval 30\n  no echo-interval\n  echo receive-interval 40\n"
      "  no echo receive-interval\n  echo transmit-interval 40\n  no echo transmit-interval 40\n",
      "f");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->bfd.profiles[0].settings, BfdSettings{});
}

TEST(BfdConfig, EchoOnlyOnSingleHopPeers) {
  // RFC 5883 §3; FRR: "% Echo mode is only available for single hop sessions."
  EXPECT_FALSE(parse_config(
      "bfd\n peer 2001:db8::2 multihop local-address 2001:db8::1\n  echo-mode\n", "f"));
  EXPECT_FALSE(parse_config(
      "bfd\n peer 10.0.0.2 multihop local-address 10.0.0.1\n  echo-interval 50\n", "f"));
  EXPECT_FALSE(parse_config("bfd\n profile a\n  echo transmit-interval 5\n", "f"));  // 10-60000
  EXPECT_TRUE(parse_config("bfd\n profile a\n  echo-mode\n", "f"));
}

}  // namespace
}  // namespace vipd::bgp::config
