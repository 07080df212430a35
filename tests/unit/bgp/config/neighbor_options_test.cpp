// The neighbor options of commands_neighbor_options.cpp: parse, render in FRR 8.4's order,
// reload to the same configuration, errors with FILE:LINE, and what a change does (diff.hpp).
#include <gtest/gtest.h>

#include "bgp/config/diff.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"

namespace vipd::bgp::config {
namespace {

const char* kHead = "router bgp 65000\n neighbor 192.0.2.2 remote-as 65001\n";

BgpConfig parse_neighbor_lines(const std::string& body) {
  auto c = parse_config(std::string(kHead) + body, "t.conf");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
  return c.ok() ? *c : BgpConfig{};
}

const NeighborAfConfig& v4(const BgpConfig& c) {
  return c.bgp->neighbors.at(0).in(AddressFamily::kIpv4Unicast);
}

// Renders, checks the rendered text has `expected`, and that it reloads to the same config.
void round_trip(const BgpConfig& c, const std::string& expected) {
  std::string text = render_config(c);
  EXPECT_NE(text.find(expected), std::string::npos) << text;
  auto again = parse_config(text, "rendered");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(*again, c);
}

TEST(NeighborOptions, SoftReconfiguration) {
  auto c = parse_neighbor_lines(" neighbor 192.0.2.2 soft-reconfiguration inbound\n");
  EXPECT_TRUE(v4(c).soft_reconfiguration);
  round_trip(c, "  neighbor 192.0.2.2 soft-reconfiguration inbound\n");
  auto off = parse_neighbor_lines(
      " address-family ipv4 unicast\n  neighbor 192.0.2.2 soft-reconfiguration inbound\n"
      "  no neighbor 192.0.2.2 soft-reconfiguration inbound\n");
  EXPECT_FALSE(v4(off).soft_reconfiguration);
}

TEST(NeighborOptions, SendCommunityDefaultsAndNoLines) {
  auto c = parse_neighbor_lines("");
  EXPECT_TRUE(v4(c).send_community && v4(c).send_extended_community &&
              v4(c).send_large_community);  // FRR 8.4: all three by default
  EXPECT_EQ(render_config(c).find("send-community"), std::string::npos);
  auto none = parse_neighbor_lines(" no neighbor 192.0.2.2 send-community all\n");
  EXPECT_FALSE(v4(none).send_community || v4(none).send_extended_community ||
               v4(none).send_large_community);
  round_trip(none, "  no neighbor 192.0.2.2 send-community all\n");
  auto some = parse_neighbor_lines(" no neighbor 192.0.2.2 send-community\n");  // standard only
  EXPECT_FALSE(v4(some).send_community);
  EXPECT_TRUE(v4(some).send_extended_community);
  round_trip(some, "  no neighbor 192.0.2.2 send-community\n");
  auto large = parse_neighbor_lines(" no neighbor 192.0.2.2 send-community both\n");
  round_trip(large,
             "  no neighbor 192.0.2.2 send-community\n"
             "  no neighbor 192.0.2.2 send-community extended\n");
  auto back = parse_neighbor_lines(
      " no neighbor 192.0.2.2 send-community all\n neighbor 192.0.2.2 send-community large\n"
      " neighbor 192.0.2.2 send-community\n");
  EXPECT_TRUE(v4(back).send_community && v4(back).send_large_community);
  round_trip(back, "  no neighbor 192.0.2.2 send-community extended\n");
}

TEST(NeighborOptions, Weight) {
  auto c = parse_neighbor_lines(" neighbor 192.0.2.2 weight 200\n");
  EXPECT_EQ(v4(c).weight, 200);
  round_trip(c, "  neighbor 192.0.2.2 weight 200\n");
  EXPECT_FALSE(
      v4(parse_neighbor_lines(" neighbor 192.0.2.2 weight 5\n no neighbor 192.0.2.2 weight\n"))
          .weight);
  auto bad = parse_config(std::string(kHead) + " neighbor 192.0.2.2 weight 70000\n", "w.conf");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().file, "w.conf");
  EXPECT_EQ(bad.error().line, 3u);
}

TEST(NeighborOptions, AdvertisementIntervalAndSessionFlags) {
  auto c = parse_neighbor_lines(
      " neighbor 192.0.2.2 advertisement-interval 5\n"
      " neighbor 192.0.2.2 disable-connected-check\n"
      " neighbor 192.0.2.2 enforce-first-as\n");
  const auto& n = c.bgp->neighbors.at(0);
  EXPECT_EQ(n.advertisement_interval, 5);
  EXPECT_TRUE(n.disable_connected_check);
  EXPECT_TRUE(n.enforce_first_as);
  round_trip(c,
             " neighbor 192.0.2.2 disable-connected-check\n"
             " neighbor 192.0.2.2 enforce-first-as\n"
             " neighbor 192.0.2.2 advertisement-interval 5\n");
  auto alias = parse_neighbor_lines(" neighbor 192.0.2.2 enforce-multihop\n");
  EXPECT_TRUE(alias.bgp->neighbors.at(0).disable_connected_check);
  auto bad = parse_config(std::string(kHead) + " neighbor 192.0.2.2 advertisement-interval 601\n",
                          "a.conf");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 3u);
}

// FRR's `neighbor A interface IFNAME`: written after `port`, before `passive`; a change
// resets the session (the socket is bound to the interface).
TEST(NeighborOptions, InterfaceBindsAndResets) {
  auto c = parse_neighbor_lines(
      " neighbor 192.0.2.2 port 1179\n neighbor 192.0.2.2 passive\n"
      " neighbor 192.0.2.2 interface wg0\n");
  EXPECT_EQ(c.bgp->neighbors.at(0).interface, "wg0");
  round_trip(c,
             " neighbor 192.0.2.2 port 1179\n"
             " neighbor 192.0.2.2 interface wg0\n"
             " neighbor 192.0.2.2 passive\n");
  auto other = parse_neighbor_lines(" neighbor 192.0.2.2 interface wg1\n");
  auto d = diff(c, other);
  ASSERT_EQ(d.neighbors_changed.size(), 1u);
  EXPECT_TRUE(d.neighbors_changed[0].reset);
  EXPECT_TRUE(
      parse_neighbor_lines(" neighbor 192.0.2.2 interface wg0\n no neighbor 192.0.2.2 interface\n")
          .bgp->neighbors.at(0)
          .interface.empty());
}

// The per-peer graceful-restart modes: kept and written back last, as FRR does; nothing resets.
TEST(NeighborOptions, GracefulRestartModesKept) {
  for (const char* mode :
       {"graceful-restart", "graceful-restart-helper", "graceful-restart-disable"}) {
    SCOPED_TRACE(mode);
    auto c = parse_neighbor_lines(std::string(" neighbor 192.0.2.2 bfd\n neighbor 192.0.2.2 ") +
                                  mode + "\n");
    EXPECT_EQ(c.bgp->neighbors.at(0).graceful_restart, mode);
    round_trip(c, std::string(" neighbor 192.0.2.2 bfd\n neighbor 192.0.2.2 ") + mode + "\n");
    auto d = diff(parse_neighbor_lines(""), c);
    ASSERT_EQ(d.neighbors_changed.size(), 1u);
    EXPECT_FALSE(d.neighbors_changed[0].reset);
  }
  std::vector<ConfigError> notices;
  EXPECT_TRUE(check_config(std::string(kHead) + " neighbor 192.0.2.2 graceful-restart\n", "t.conf",
                           &notices)
                  .empty());
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].to_string().find("t.conf:3: 'neighbor 192.0.2.2 graceful-restart' has no "
                                        "effect in vipd"),
            std::string::npos);
  EXPECT_TRUE(parse_neighbor_lines(" neighbor 192.0.2.2 graceful-restart\n"
                                   " no neighbor 192.0.2.2 graceful-restart\n")
                  .bgp->neighbors.at(0)
                  .graceful_restart.empty());
}

TEST(NeighborOptions, AsPathOptionsInFrrOrder) {
  auto c = parse_neighbor_lines(
      " address-family ipv4 unicast\n"
      "  neighbor 192.0.2.2 weight 7\n"
      "  neighbor 192.0.2.2 attribute-unchanged med\n"
      "  neighbor 192.0.2.2 allowas-in\n"
      "  neighbor 192.0.2.2 as-override\n"
      "  neighbor 192.0.2.2 remove-private-AS all replace-AS\n");
  EXPECT_EQ(v4(c).allowas_in, 3);
  EXPECT_TRUE(v4(c).remove_private_as_all && v4(c).remove_private_as_replace);
  round_trip(c,
             "  neighbor 192.0.2.2 remove-private-AS all replace-AS\n"
             "  neighbor 192.0.2.2 as-override\n"
             "  neighbor 192.0.2.2 allowas-in\n"
             "  neighbor 192.0.2.2 weight 7\n"
             "  neighbor 192.0.2.2 attribute-unchanged med\n");
  auto all = parse_neighbor_lines(
      " neighbor 192.0.2.2 attribute-unchanged\n neighbor 192.0.2.2 allowas-in 2\n");
  round_trip(all, "  neighbor 192.0.2.2 allowas-in 2\n");
  round_trip(all, "  neighbor 192.0.2.2 attribute-unchanged as-path next-hop med\n");
  auto origin = parse_neighbor_lines(" neighbor 192.0.2.2 allowas-in origin\n");
  EXPECT_TRUE(v4(origin).allowas_in_origin);
  round_trip(origin, "  neighbor 192.0.2.2 allowas-in origin\n");
  auto cleared = parse_neighbor_lines(
      " neighbor 192.0.2.2 remove-private-AS\n no neighbor 192.0.2.2 remove-private-AS\n"
      " neighbor 192.0.2.2 attribute-unchanged\n"
      " no neighbor 192.0.2.2 attribute-unchanged next-hop\n"
      " neighbor 192.0.2.2 allowas-in 4\n no neighbor 192.0.2.2 allowas-in\n");
  EXPECT_FALSE(v4(cleared).remove_private_as);
  EXPECT_TRUE(v4(cleared).as_path_unchanged && !v4(cleared).next_hop_unchanged);
  EXPECT_FALSE(v4(cleared).allowas_in);
}

TEST(NeighborOptions, UnsupportedOptionsAreRefusedByName) {
  for (const char* line : {" neighbor 192.0.2.2 local-as 65100 no-prepend replace-as\n",
                           " neighbor 192.0.2.2 capability extended-nexthop\n"}) {
    auto c = parse_config(std::string(kHead) + line, "r.conf");
    ASSERT_FALSE(c.ok()) << line;
    EXPECT_EQ(c.error().line, 3u);
    std::string word = std::string(line).substr(std::string(" neighbor 192.0.2.2 ").size());
    word = word.substr(0, word.find_first_of(" \n"));
    EXPECT_NE(c.error().message.find(word), std::string::npos) << c.error().to_string();
    EXPECT_NE(c.error().message.find("not supported"), std::string::npos);
  }
}

TEST(NeighborOptions, DefaultOriginateParsesRendersAndNoForm) {
  // Router level: IPv4 unicast (FRR's hidden alias); written after send-community, before
  // soft-reconfiguration, as bgp_config_write_peer_af() does.
  auto c = parse_neighbor_lines(
      " neighbor 192.0.2.2 default-originate\n"
      " neighbor 192.0.2.2 soft-reconfiguration inbound\n"
      " no neighbor 192.0.2.2 send-community large\n");
  EXPECT_TRUE(v4(c).default_originate);
  EXPECT_EQ(v4(c).default_originate_map, "");
  round_trip(c,
             "  no neighbor 192.0.2.2 send-community large\n"
             "  neighbor 192.0.2.2 default-originate\n"
             "  neighbor 192.0.2.2 soft-reconfiguration inbound\n");
  // Per family; a later line replaces the map.
  auto v6 = parse_neighbor_lines(
      " neighbor 192.0.2.2 default-originate route-map OLD\n"
      " address-family ipv6 unicast\n"
      "  neighbor 192.0.2.2 activate\n"
      "  neighbor 192.0.2.2 default-originate route-map OLD\n"
      "  neighbor 192.0.2.2 default-originate route-map HAVE-UPLINK\n");
  const auto& a6 = v6.bgp->neighbors.at(0).in(AddressFamily::kIpv6Unicast);
  EXPECT_TRUE(a6.default_originate);
  EXPECT_EQ(a6.default_originate_map, "HAVE-UPLINK");
  EXPECT_EQ(v4(v6).default_originate_map, "OLD");
  round_trip(v6,
             " address-family ipv6 unicast\n"
             "  neighbor 192.0.2.2 activate\n"
             "  neighbor 192.0.2.2 default-originate route-map HAVE-UPLINK\n");
  // `no` clears it whatever map it names.
  auto off = parse_neighbor_lines(
      " neighbor 192.0.2.2 default-originate route-map M\n"
      " no neighbor 192.0.2.2 default-originate route-map OTHER\n");
  EXPECT_FALSE(v4(off).default_originate);
  EXPECT_EQ(v4(off).default_originate_map, "");
  EXPECT_EQ(render_config(off).find("default-originate"), std::string::npos);
  // A re-advertisement, no session reset (FRR's peer_default_originate_set()).
  auto d = diff(parse_neighbor_lines(""),
                parse_neighbor_lines(" neighbor 192.0.2.2 default-originate\n"));
  ASSERT_EQ(d.neighbors_changed.size(), 1u);
  EXPECT_FALSE(d.neighbors_changed[0].reset);
  EXPECT_EQ(d.neighbors_changed[0].changed, std::vector<std::string>{"outbound policy"});
}

TEST(NeighborOptions, DiffResetsOnlyWhereFrrDoes) {
  auto base = parse_neighbor_lines("");
  auto changed = [&](const std::string& body) {
    auto d = diff(base, parse_neighbor_lines(body));
    EXPECT_EQ(d.neighbors_changed.size(), 1u) << body;
    return d.neighbors_changed.empty() ? NeighborChange{} : d.neighbors_changed[0];
  };
  // peer_change_reset_out: re-advertised, no reset.
  for (const char* body :
       {" no neighbor 192.0.2.2 send-community\n", " neighbor 192.0.2.2 remove-private-AS\n",
        " neighbor 192.0.2.2 as-override\n", " neighbor 192.0.2.2 attribute-unchanged\n"}) {
    auto c = changed(body);
    EXPECT_FALSE(c.reset) << body;
    EXPECT_EQ(c.changed, std::vector<std::string>{"outbound policy"}) << body;
  }
  // peer_change_reset_in and none: no reset.
  for (const char* body :
       {" neighbor 192.0.2.2 soft-reconfiguration inbound\n", " neighbor 192.0.2.2 weight 3\n",
        " neighbor 192.0.2.2 allowas-in\n", " neighbor 192.0.2.2 enforce-first-as\n",
        " neighbor 192.0.2.2 advertisement-interval 9\n"})
    EXPECT_FALSE(changed(body).reset) << body;
  // peer_change_reset.
  EXPECT_TRUE(changed(" neighbor 192.0.2.2 disable-connected-check\n").reset);
}

}  // namespace
}  // namespace vipd::bgp::config
