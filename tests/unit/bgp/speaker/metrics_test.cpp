// The speaker's metric families (src/bgp/metrics.cpp): MetalLB's names, types and FRR-mode
// labels, with the values of a session the fake peer drives.
#include <gtest/gtest.h>

#include "bgp/metrics.hpp"
#include "harness.hpp"

namespace vipd::bgp::testing {
namespace {

metrics::Families scrape_speaker(const Speaker& speaker) {
  metrics::Families families;
  collect_metrics(speaker, families);
  return families;
}

prometheus::MetricType metric_type_of(const metrics::Families& families, std::string_view name) {
  const auto* family = families.find(name);
  EXPECT_NE(family, nullptr) << name;
  return family ? family->type : prometheus::MetricType::Untyped;
}

TEST(BgpMetricsLabel, PeerIsAddressColonPortAsMetalLbPrintsIt) {
  EXPECT_EQ(metallb_peer_label(*IpAddress::parse("192.0.2.1"), 179), "192.0.2.1:179");
  // MetalLB formats "%s:%d": IPv6 without brackets.
  EXPECT_EQ(metallb_peer_label(*IpAddress::parse("fd00::1"), 1179), "fd00::1:1179");
}

TEST_F(SpeakerTest, MetricsCarryMetalLbFamiliesWithTheSessionsValues) {
  const std::string a = "127.0.0.2";
  apply(router_bgp(passive(a) + " no bgp network import-check\n"
                                " address-family ipv4 unicast\n  network 198.51.100.0/24\n"
                                " exit-address-family\n"));
  const metrics::Labels labels{{"peer", "127.0.0.2:179"}, {"vrf", "default"}};
  auto down = scrape_speaker(*speaker_);
  EXPECT_EQ(down.value("metallb_bgp_session_up", labels), 0);
  EXPECT_EQ(down.value("metallb_bgp_opens_sent", labels), 0);

  auto c = establish(a);
  ASSERT_TRUE(c);
  // Our network route and the End-of-RIB.
  for (int updates = 0; updates < 2;) {
    auto m = c->read(2s);
    ASSERT_TRUE(m);
    if (std::holds_alternative<wire::Update>(*m)) ++updates;
  }
  ASSERT_TRUE(c->send(announce_v4({pfx("10.1.0.0/24"), pfx("10.2.0.0/16")})));
  ASSERT_TRUE(wait_until([&] { return prefixes("ipv4Unicast", a) == 2; }, 2s));

  auto up = scrape_speaker(*speaker_);
  EXPECT_EQ(up.value("metallb_bgp_session_up", labels), 1);
  EXPECT_EQ(up.value("metallb_bgp_opens_sent", labels), 1);
  EXPECT_EQ(up.value("metallb_bgp_opens_received", labels), 1);
  EXPECT_EQ(up.value("metallb_bgp_updates_total", labels), 2);
  EXPECT_EQ(up.value("metallb_bgp_updates_total_received", labels), 1);
  EXPECT_EQ(up.value("metallb_bgp_announced_prefixes_total", labels), 1);
  EXPECT_EQ(up.value("metallb_bgp_received_prefixes_total", labels), 2);
  EXPECT_EQ(up.value("metallb_bgp_notifications_sent", labels), 0);
  EXPECT_EQ(up.value("vipd_bgp_established_transitions_total", labels), 1);
  const peer::Peer* p = peer(a);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(up.value("metallb_bgp_total_sent", labels), static_cast<double>(p->sent().total()));
  EXPECT_EQ(up.value("metallb_bgp_total_received", labels),
            static_cast<double>(p->received().total()));
  EXPECT_EQ(up.value("vipd_bgp_loc_rib_prefixes", {{"afi", "ipv4"}}), 3);

  // MetalLB's types: its dashboards rate() the counters.
  using prometheus::MetricType;
  EXPECT_EQ(metric_type_of(up, "metallb_bgp_session_up"), MetricType::Gauge);
  EXPECT_EQ(metric_type_of(up, "metallb_bgp_announced_prefixes_total"), MetricType::Gauge);
  for (auto name : {"metallb_bgp_updates_total", "metallb_bgp_opens_sent",
                    "metallb_bgp_keepalives_received", "metallb_bgp_route_refresh_sent"})
    EXPECT_EQ(metric_type_of(up, name), MetricType::Counter) << name;
  EXPECT_EQ(up.find("metallb_bgp_session_up")->help, "BGP session state (1 is up, 0 is down)");
  EXPECT_EQ(up.find("metallb_bgp_updates_total")->help, "Number of BGP UPDATE messages sent");

  // The peer goes away: down again, the counters stay.
  c->close();
  ASSERT_TRUE(wait_until([&] { return !established(a); }, 3s));
  auto after = scrape_speaker(*speaker_);
  EXPECT_EQ(after.value("metallb_bgp_session_up", labels), 0);
  EXPECT_EQ(after.value("metallb_bgp_announced_prefixes_total", labels), 0);
  EXPECT_EQ(after.value("metallb_bgp_opens_sent", labels), 1);
}

}  // namespace
}  // namespace vipd::bgp::testing
