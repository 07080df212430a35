// `redistribute`, `network … route-map`, `table-map` and `bgp network import-check`: parsed,
// written back as FRR writes them, reloaded to the same configuration, diffed.
#include <gtest/gtest.h>

#include "bgp/config/diff.hpp"
#include "bgp/config/parser.hpp"
#include "bgp/config/render.hpp"

namespace vipd::bgp::config {
namespace {

// In FRR's layout (bgp_config_write_family(): networks, redistribute, neighbors, maximum-paths,
// table-map; bgp_config_write_redistribute(): metric before route-map).
const char* kConfig =
    "router bgp 65000\n"
    " no bgp network import-check\n"
    " !\n"
    " address-family ipv4 unicast\n"
    "  network 198.51.100.0/24 route-map NET\n"
    "  network 203.0.113.0/24\n"
    "  redistribute kernel metric 20 route-map KERN\n"
    "  redistribute connected\n"
    "  redistribute static metric 5\n"
    "  redistribute ospf route-map OSPF\n"
    "  table-map TM\n"
    " exit-address-family\n"
    " !\n"
    " address-family ipv6 unicast\n"
    "  network 2001:db8::/48 route-map NET\n"
    "  redistribute connected route-map V6\n"
    "  redistribute ospf6\n"
    "  table-map TM6\n"
    " exit-address-family\n"
    "exit\n"
    "!\n"
    "end\n";

TEST(Redistribute, RendersAsWrittenAndRoundTrips) {
  auto c = parse_config(kConfig, "r.conf");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  const auto& v4 = c->bgp->in(AddressFamily::kIpv4Unicast);
  ASSERT_EQ(v4.redistribute.size(), 4u);
  EXPECT_EQ(v4.redistribute[0], (Redistribution{"kernel", 20, "KERN"}));
  EXPECT_EQ(v4.network_route_maps.at(*Prefix::parse("198.51.100.0/24")), "NET");
  EXPECT_EQ(v4.table_map, "TM");
  EXPECT_EQ(c->bgp->network_import_check, false);
  EXPECT_EQ(render_config(*c), kConfig);
  auto again = parse_config(render_config(*c), "rendered");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *c);
}

TEST(Redistribute, FrrsOtherSpellingsAndOrder) {
  // Router level means IPv4; `route-map` before `metric`; types written in FRR's order
  // whatever the input order; a repeated line changes only what it gives (bgp_redist_add()).
  auto c = parse_config(
      "router bgp 65000\n"
      " redistribute ospf\n"
      " redistribute kernel route-map KERN metric 20\n"
      " redistribute kernel metric 30\n"
      " bgp network import-check exact\n"
      " table-map TM\n",
      "r.conf");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  const auto& v4 = c->bgp->in(AddressFamily::kIpv4Unicast);
  ASSERT_EQ(v4.redistribute.size(), 2u);
  EXPECT_EQ(v4.redistribute[0], (Redistribution{"kernel", 30, "KERN"}));
  EXPECT_EQ(v4.redistribute[1].type, "ospf");
  EXPECT_EQ(c->bgp->network_import_check, true);
  EXPECT_NE(render_config(*c).find(" bgp network import-check\n"), std::string::npos);
  EXPECT_NE(render_config(*c).find("  redistribute kernel metric 30 route-map KERN\n"),
            std::string::npos);
}

TEST(Redistribute, NoFormsRemove) {
  auto c = parse_config(std::string(kConfig) +
                            "router bgp 65000\n"
                            " no redistribute kernel\n"
                            " no redistribute static metric 5\n"
                            " no table-map\n"
                            " network 198.51.100.0/24\n"
                            " address-family ipv6 unicast\n"
                            "  no redistribute connected route-map V6\n"
                            "  no network 2001:db8::/48 route-map NET\n",
                        "r.conf");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  const auto& v4 = c->bgp->in(AddressFamily::kIpv4Unicast);
  ASSERT_EQ(v4.redistribute.size(), 2u);
  EXPECT_EQ(v4.redistribute[0].type, "connected");
  EXPECT_TRUE(v4.table_map.empty());
  EXPECT_TRUE(v4.network_route_maps.empty());  // `network P` again removed the map
  const auto& v6 = c->bgp->in(AddressFamily::kIpv6Unicast);
  ASSERT_EQ(v6.redistribute.size(), 1u);
  EXPECT_TRUE(v6.network_route_maps.empty());
  EXPECT_TRUE(v6.networks.empty());
}

TEST(Redistribute, TypesOfTheOtherFamilyAreRefused) {
  auto v4 = parse_config("router bgp 65000\n redistribute ospf6\n", "r.conf");
  ASSERT_FALSE(v4.ok());
  EXPECT_NE(v4.error().to_string().find("ospf6 is not a route type of ipv4 unicast"),
            std::string::npos)
      << v4.error().to_string();
  auto v6 = parse_config("router bgp 65000\n address-family ipv6 unicast\n  redistribute rip\n",
                         "r.conf");
  ASSERT_FALSE(v6.ok());
  auto bad = parse_config("router bgp 65000\n redistribute bgp\n", "r.conf");
  EXPECT_FALSE(bad.ok());
}

TEST(Redistribute, DiffReportsOriginationChanges) {
  auto a = parse_config("router bgp 65000\n", "a");
  auto b = parse_config("router bgp 65000\n redistribute connected\n", "b");
  auto c = parse_config("router bgp 65000\n no bgp network import-check\n", "c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(diff(*a, *a).empty());
  EXPECT_TRUE(diff(*a, *b).origination_changed);
  EXPECT_FALSE(diff(*a, *b).empty());
  EXPECT_TRUE(diff(*a, *c).origination_changed);
}

}  // namespace
}  // namespace vipd::bgp::config
