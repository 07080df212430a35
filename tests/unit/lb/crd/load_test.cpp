// Realistic files, as MetalLB's documentation writes them and kubectl prints them: every field
// of every kind is read, and they load with no error.
#include "lb/crd/load.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "test_util.hpp"

namespace vipd::lb::crd {
namespace {

using std::chrono::milliseconds;
using test::data_path;
using testing::ElementsAre;
using testing::IsEmpty;
using Op = LabelSelectorRequirement::Operator;
using test::ip;

TEST(Load, SeedFilesLoadCleanly) {
  for (const char* name : {"seed/metallb-bgp.yaml", "seed/metallb-l2.yaml"}) {
    const auto result = load_lb_config({data_path(name)});
    EXPECT_THAT(result.errors, IsEmpty()) << name;
    EXPECT_THAT(result.warnings, IsEmpty()) << name;
  }
  const auto bgp = load_lb_config({data_path("seed/metallb-bgp.yaml")});
  ASSERT_EQ(bgp.config.pools.size(), 1u);
  EXPECT_EQ(bgp.config.pools[0].ranges,
            (std::vector<AddressRange>{{ip("10.47.40.0"), ip("10.47.40.255")}}));
  ASSERT_EQ(bgp.config.peers.size(), 1u);
  EXPECT_EQ(bgp.config.peers[0].peer_address, ip("192.168.5.1"));
  EXPECT_EQ(bgp.config.peers[0].peer_port, 179);
  ASSERT_EQ(bgp.config.bgp_advertisements.size(), 1u);
}

TEST(Load, BgpDocumentationExampleReadsEveryField) {
  const auto result = load_lb_config({data_path("lb/bgp-full.yaml")});
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_THAT(result.warnings, IsEmpty());
  const LbConfig& c = result.config;
  const std::string file = data_path("lb/bgp-full.yaml");

  ASSERT_EQ(c.pools.size(), 2u);
  const IpAddressPool& production = c.pools[0];
  EXPECT_EQ(production.meta.name, "production");
  EXPECT_EQ(production.meta.namespace_, "metallb-system");
  EXPECT_EQ(production.meta.labels, (Labels{{"tier", "prod"}}));
  EXPECT_EQ(production.meta.where.to_string(), file + ":4");
  EXPECT_EQ(production.meta.where.at("spec.addresses[1]"), file + ":13");
  EXPECT_EQ(production.addresses,
            (std::vector<std::string>{"198.51.100.0/24", "192.168.10.0-192.168.10.255"}));
  EXPECT_EQ(production.ranges[1], (AddressRange{ip("192.168.10.0"), ip("192.168.10.255")}));
  EXPECT_TRUE(production.avoid_buggy_ips);
  EXPECT_TRUE(production.auto_assign);
  EXPECT_FALSE(production.service_allocation);

  const IpAddressPool& v6 = c.pools[1];
  EXPECT_FALSE(v6.auto_assign);
  EXPECT_EQ(v6.ranges[0], (AddressRange{ip("2001:db8:100::"), ip("2001:db8:100::ff")}));
  ASSERT_TRUE(v6.service_allocation);
  EXPECT_EQ(v6.service_allocation->priority, 50);
  EXPECT_EQ(v6.service_allocation->namespaces, std::vector<std::string>{"web"});
  EXPECT_EQ(v6.service_allocation->namespace_selectors,
            (std::vector<LabelSelector>{{{{"team", "web"}}, {}}}));
  EXPECT_EQ(v6.service_allocation->service_selectors,
            (std::vector<LabelSelector>{{{}, {{"app", Op::kIn, {"frontend", "api"}}}}}));

  ASSERT_EQ(c.bfd_profiles.size(), 1u);
  const BfdProfile& bfd = c.bfd_profiles[0];
  EXPECT_EQ(bfd.receive_interval, 380u);
  EXPECT_EQ(bfd.transmit_interval, 270u);
  EXPECT_EQ(bfd.detect_multiplier, 5u);
  EXPECT_EQ(bfd.echo_interval, 62u);
  EXPECT_FALSE(bfd.echo_mode);
  EXPECT_TRUE(bfd.passive_mode);
  EXPECT_EQ(bfd.minimum_ttl, 10u);

  ASSERT_EQ(c.communities.size(), 1u);
  EXPECT_EQ(c.communities[0].communities,
            (std::vector<CommunityAlias>{{"vpn-only", "1234:1"},
                                         {"NO_ADVERTISE", "65535:65282"},
                                         {"big", "large:4200000000:1:2"}}));

  ASSERT_EQ(c.secrets.size(), 1u);
  EXPECT_EQ(c.secrets[0].type, "kubernetes.io/basic-auth");
  EXPECT_EQ(c.secrets[0].password, "s3cr3t");

  ASSERT_EQ(c.peers.size(), 2u);
  const BgpPeer& rack1 = c.peers[0];
  EXPECT_EQ(rack1.api_version, "metallb.io/v1beta2");
  EXPECT_EQ(rack1.my_asn, 64500u);
  EXPECT_EQ(rack1.peer_asn, 64501u);
  EXPECT_EQ(rack1.peer_address, ip("10.0.0.1"));
  EXPECT_EQ(rack1.source_address, ip("10.0.0.10"));
  EXPECT_EQ(rack1.peer_port, 1179);
  EXPECT_EQ(rack1.hold_time, milliseconds(90000));
  EXPECT_EQ(rack1.keepalive_time, milliseconds(30000));
  EXPECT_EQ(rack1.connect_time, milliseconds(5000));
  EXPECT_EQ(rack1.router_id, ip("10.10.10.10"));
  ASSERT_TRUE(rack1.password_secret);
  EXPECT_EQ(rack1.password_secret->name, "rack1-password");
  EXPECT_EQ(rack1.password_secret->namespace_, "metallb-system");
  EXPECT_EQ(rack1.password_from_secret, "s3cr3t");
  EXPECT_EQ(rack1.effective_password(), "s3cr3t");
  EXPECT_EQ(rack1.bfd_profile, "fast");
  EXPECT_TRUE(rack1.enable_graceful_restart);
  EXPECT_TRUE(rack1.ebgp_multihop);
  EXPECT_EQ(rack1.node_selectors,
            (std::vector<LabelSelector>{
                {{{"rack", "rack1"}}, {{"kubernetes.io/hostname", Op::kNotIn, {"node-9"}}}}}));

  const BgpPeer& rack2 = c.peers[1];
  EXPECT_EQ(rack2.peer_asn, 0u);
  EXPECT_EQ(rack2.dynamic_asn, BgpPeer::DynamicAsn::kExternal);
  EXPECT_EQ(rack2.password, "plain-text");
  EXPECT_EQ(rack2.effective_password(), "plain-text");
  EXPECT_TRUE(rack2.dual_stack_address_family);
  EXPECT_FALSE(rack2.hold_time);
  EXPECT_EQ(rack2.effective_hold_time(), milliseconds(90000));

  ASSERT_EQ(c.bgp_advertisements.size(), 3u);
  const BgpAdvertisement& local = c.bgp_advertisements[0];
  EXPECT_EQ(local.ip_address_pools, std::vector<std::string>{"production"});
  EXPECT_EQ(local.aggregation_length, 32);
  EXPECT_EQ(local.local_pref, 100u);
  EXPECT_EQ(local.peers, std::vector<std::string>{"rack1-tor"});
  EXPECT_EQ(local.standard_communities,
            (std::vector<std::uint32_t>{(1234u << 16) | 1, (65000u << 16) | 100}));
  EXPECT_EQ(local.large_communities,
            (std::vector<bgp::wire::LargeCommunity>{{1, 2, 3}, {4200000000u, 1, 2}}));
  const BgpAdvertisement& external = c.bgp_advertisements[1];
  EXPECT_EQ(external.ip_address_pool_selectors,
            (std::vector<LabelSelector>{{{{"tier", "prod"}}, {}}}));
  EXPECT_EQ(external.aggregation_length, 24);
  EXPECT_EQ(external.aggregation_length_v6, 120);
  EXPECT_EQ(external.node_selectors,
            (std::vector<LabelSelector>{{{{"kubernetes.io/hostname", "node-1"}}, {}}}));
  EXPECT_EQ(external.standard_communities, std::vector<std::uint32_t>{0xFFFFFF02u});
  EXPECT_FALSE(external.local_pref);
  EXPECT_EQ(c.bgp_advertisements[2].service_selectors,
            (std::vector<LabelSelector>{{{{"exposure", "bgp"}}, {}}}));
}

TEST(Load, L2ExampleReadsEveryField) {
  const auto result = load_lb_config({data_path("lb/l2-full.yaml")});
  ASSERT_THAT(result.errors, IsEmpty());
  ASSERT_EQ(result.config.l2_advertisements.size(), 1u);
  const L2Advertisement& ad = result.config.l2_advertisements[0];
  EXPECT_EQ(ad.ip_address_pools, std::vector<std::string>{"lan"});
  EXPECT_EQ(ad.ip_address_pool_selectors,
            (std::vector<LabelSelector>{{{}, {{"zone", Op::kExists, {}}}}}));
  EXPECT_EQ(ad.node_selectors,
            (std::vector<LabelSelector>{
                {{{"kubernetes.io/hostname", "worker-1"}}, {}},
                {{}, {{"node-role.kubernetes.io/control-plane", Op::kDoesNotExist, {}}}}}));
  EXPECT_EQ(ad.interfaces, (std::vector<std::string>{"eth0", "bond0.100"}));
  EXPECT_EQ(ad.service_selectors, (std::vector<LabelSelector>{{{{"l2", "yes"}}, {}}}));
  EXPECT_EQ(ad.preferred_node_selectors,
            (std::vector<PreferredNodeSelector>{{80, {{{"ssd", "true"}}, {}}}}));
  EXPECT_EQ(result.config.pools[0].ranges[1], (AddressRange{ip("fd00:20::10"), ip("fd00:20::ff")}));
}

TEST(Load, KubectlListWithStatusAndServerFields) {
  const auto result = load_lb_config({data_path("lb/list.yaml")});
  ASSERT_THAT(result.errors, IsEmpty());
  ASSERT_EQ(result.config.pools.size(), 1u);
  EXPECT_EQ(result.config.pools[0].meta.name, "default");
  EXPECT_EQ(result.config.pools[0].meta.where.to_string(), data_path("lb/list.yaml") + ":5");
  ASSERT_EQ(result.config.l2_advertisements.size(), 1u);
}

TEST(Load, JsonFile) {
  const auto result = load_lb_config({data_path("lb/pool.json")});
  ASSERT_THAT(result.errors, IsEmpty());
  ASSERT_EQ(result.config.pools.size(), 1u);
  const IpAddressPool& pool = result.config.pools[0];
  EXPECT_EQ(pool.meta.name, "json-pool");
  EXPECT_FALSE(pool.auto_assign);
  EXPECT_EQ(pool.ranges[1], (AddressRange{ip("2001:db8:1::1"), ip("2001:db8:1::9")}));
  EXPECT_EQ(pool.service_allocation->priority, 1);
  EXPECT_EQ(pool.service_allocation->namespaces, (std::vector<std::string>{"a", "b"}));
}

TEST(Load, V1beta1Peer) {
  const auto result = load_lb_config({data_path("lb/peer-v1beta1.yaml")});
  ASSERT_THAT(result.errors, IsEmpty());
  ASSERT_EQ(result.config.peers.size(), 1u);
  const BgpPeer& peer = result.config.peers[0];
  EXPECT_EQ(peer.api_version, "metallb.io/v1beta1");
  EXPECT_EQ(peer.my_asn, 64512u);
  EXPECT_EQ(peer.peer_asn, 64512u);
  EXPECT_EQ(peer.peer_port, 179);  // 0 in v1beta1: the default
  EXPECT_EQ(peer.hold_time, milliseconds(120000));
  EXPECT_EQ(peer.keepalive_time, milliseconds(40000));
  EXPECT_EQ(peer.source_address, ip("172.30.0.10"));
  EXPECT_EQ(peer.router_id, ip("172.30.0.10"));
  EXPECT_EQ(peer.password, "secret");
  EXPECT_EQ(peer.node_selectors, (std::vector<LabelSelector>{{{{"kubernetes.io/os", "linux"}},
                                                              {{"rack", Op::kIn, {"a", "b"}}}}}));
}

TEST(Load, DirectoryReadsManifestsSortedNotOtherFiles) {
  const auto result = load_lb_config({data_path("lb/dir")});
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_THAT(result.warnings, IsEmpty());
  ASSERT_EQ(result.config.pools.size(), 2u);
  EXPECT_EQ(result.config.pools[0].meta.name, "from-dir");
  EXPECT_EQ(result.config.pools[1].meta.name, "from-json");
  EXPECT_EQ(result.config.l2_advertisements.size(), 1u);
}

TEST(Load, OtherKindsAreSkippedWithAWarning) {
  const std::string file = data_path("lb/mixed.yaml");
  const auto result = load_lb_config({file});
  ASSERT_THAT(result.errors, IsEmpty());
  EXPECT_THAT(result.warnings,
              ElementsAre(file + ":3: Namespace: skipped: v1 Namespace is not a MetalLB resource "
                                 "vipd reads",
                          file + ":8: ServiceL2Status: skipped: metallb.io/v1beta1 "
                                 "ServiceL2Status is not a MetalLB resource vipd reads"));
  EXPECT_EQ(result.config.pools.size(), 1u);
}

TEST(Load, SeveralPathsAreValidatedTogether) {
  // The pool of one file and the advertisement of the other see each other: no warning.
  const auto result =
      load_lb_config({data_path("lb/dir/10-pools.yaml"), data_path("lb/dir/20-l2.yml")});
  EXPECT_THAT(result.errors, IsEmpty());
  EXPECT_THAT(result.warnings, IsEmpty());
}

TEST(Load, MissingPath) {
  const auto result = load_lb_config({"/nonexistent/metallb.yaml"});
  EXPECT_THAT(result.errors, ElementsAre("/nonexistent/metallb.yaml: no such file or directory"));
}

// D2: a MetalLB resource path that is not a regular file, or too large, is an error that says
// why, and is read without blocking (FIFO) or growing memory (/dev/zero).
TEST(Load, PathsThatAreNotRegularFilesOrTooLargeAreErrors) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "vipd-lb-load-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string fifo = (dir / "fifo.yaml").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string zero = (dir / "zero.yaml").string();
  fs::create_symlink("/dev/zero", zero);
  const std::string huge = (dir / "huge.yaml").string();
  { std::ofstream{huge}; }
  fs::resize_file(huge, (std::uintmax_t{16} << 20) + 1);  // sparse: costs no disk
  const auto result = load_lb_config({fifo, zero, huge});
  EXPECT_THAT(result.errors,
              ElementsAre(fifo + ": cannot read: not a regular file (a FIFO)",
                          zero + ": cannot read: not a regular file (a character device)",
                          huge + ": cannot read: larger than the limit of 16777216 bytes"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vipd::lb::crd
