// The speaker's decision (announce.hpp): which neighbors a node has and what it originates to
// them, for MetalLB's rules on peers, advertisements, traffic policy and node exclusion.
#include "lb/announce.hpp"

#include <gtest/gtest.h>

#include "seed.hpp"

namespace vipd::lb {
namespace {

using test::ip;
using test::prefix;

cluster::ClusterState assigned_seed() {
  auto state = test::seed_cluster(2);
  state.services.at({"default", "shake-test-cluster-0-svc"}).ingress = {ip("10.47.40.0")};
  state.services.at({"default", "shake-test-cluster-1-svc"}).ingress = {ip("10.47.40.1")};
  return state;
}

TEST(PlanBgp, TheSeedNodePeersWithTheRouterAndAnnouncesEachServiceAsAHostRoute) {
  auto plan = plan_bgp(test::seed_config(), assigned_seed(), "k3s-node-3");
  EXPECT_TRUE(plan.errors.empty());
  EXPECT_EQ(plan.neighbors.asn, 65009u);
  ASSERT_EQ(plan.neighbors.neighbors.size(), 1u);
  const auto& n = plan.neighbors.neighbors[0];
  EXPECT_EQ(n.address, ip("192.168.5.1"));
  EXPECT_EQ(n.remote_as.asn, 65000u);
  EXPECT_EQ(n.description, "BGPPeer bgp-config");
  // MetalLB's speakers take no routes from their peers.
  EXPECT_EQ(n.in(bgp::config::AddressFamily::kIpv4Unicast).prefix_list_in, kDenyAllPrefixList);
  ASSERT_EQ(plan.neighbors.prefix_lists.size(), 2u);
  EXPECT_FALSE(plan.neighbors.prefix_lists[0].permits(prefix("10.0.0.0/8")));

  ASSERT_EQ(plan.routes.size(), 2u);
  const auto& route = plan.routes.at(prefix("10.47.40.0/32"));
  ASSERT_EQ(route.advertisements.size(), 1u);
  EXPECT_EQ(route.advertisements[0].neighbors, std::vector<IpAddress>{ip("192.168.5.1")});
  EXPECT_TRUE(route.advertisements[0].communities.empty());
  EXPECT_FALSE(route.advertisements[0].local_preference.has_value());
  ASSERT_EQ(plan.services.size(), 2u);
  EXPECT_TRUE(plan.services[0].announced());
  EXPECT_EQ(plan.services[0].pool, "first-pool");
  EXPECT_EQ(plan.services[0].peers, std::vector<std::string>{"bgp-config"});
}

TEST(PlanBgp, PeerTimersBecomeNeighborTimersWithMetalLbsDefaults) {
  auto config = test::seed_config();
  config.peers[0].hold_time = std::chrono::seconds(3);
  auto n = neighbor_of(config.peers[0]);
  ASSERT_TRUE(n.timers.has_value());
  EXPECT_EQ(n.timers->hold, 3);
  EXPECT_EQ(n.timers->keepalive, 1) << "keepalive defaults to a third of the hold time";
  EXPECT_EQ(n.connect_retry, kDefaultConnectRetrySeconds) << "no connectTime: retry quickly";
  config.peers[0].keepalive_time = std::chrono::seconds(2);
  config.peers[0].connect_time = std::chrono::milliseconds(5000);
  config.peers[0].ebgp_multihop = true;
  config.peers[0].peer_port = 1790;
  config.peers[0].source_address = ip("192.168.12.11");
  config.peers[0].password = "s3cret";
  n = neighbor_of(config.peers[0]);
  EXPECT_EQ(n.timers->keepalive, 2);
  EXPECT_EQ(n.connect_retry, 5);
  EXPECT_EQ(n.ebgp_multihop, 255);
  EXPECT_EQ(n.port, 1790);
  EXPECT_EQ(n.update_source, "192.168.12.11");
  EXPECT_EQ(n.password, "s3cret");
  EXPECT_FALSE(n.in(bgp::config::AddressFamily::kIpv6Unicast).active) << "one family by default";
  config.peers[0].dual_stack_address_family = true;
  EXPECT_TRUE(neighbor_of(config.peers[0]).in(bgp::config::AddressFamily::kIpv6Unicast).active);
}

TEST(PlanBgp, APeerWithABfdProfileGetsABfdSessionAndNeighborBfd) {
  using namespace std::chrono_literals;
  auto config = test::seed_config();
  EXPECT_TRUE(plan_bgp(config, assigned_seed(), "k3s-node-3").bfd_sessions.empty());
  crd::BfdProfile profile;
  profile.meta.name = "fast";
  profile.receive_interval = 50;
  profile.transmit_interval = 60;
  profile.detect_multiplier = 4;
  profile.passive_mode = true;
  config.bfd_profiles.push_back(profile);
  config.peers[0].bfd_profile = "fast";
  auto plan = plan_bgp(config, assigned_seed(), "k3s-node-3");
  ASSERT_EQ(plan.bfd_sessions.size(), 1u);
  const auto& session = plan.bfd_sessions[0];
  EXPECT_EQ(session.peer.peer, ip("192.168.5.1"));
  EXPECT_FALSE(session.peer.multihop);
  EXPECT_EQ(session.timers, (bfd::fsm::Timers{60ms, 50ms, 4}));
  EXPECT_TRUE(session.passive);
  EXPECT_FALSE(session.echo_mode);
  EXPECT_EQ(session.minimum_ttl, bfd::kDefaultMinimumTtl);
  EXPECT_TRUE(session.bgp_client);
  EXPECT_EQ(session.profile, "fast");
  EXPECT_TRUE(plan.neighbors.neighbors[0].bfd);
  EXPECT_EQ(plan.neighbors.neighbors[0].bfd_profile, "fast");
  // ebgpMultiHop with a sourceAddress: RFC 5883 multihop.
  config.peers[0].ebgp_multihop = true;
  config.peers[0].source_address = ip("192.168.5.11");
  const auto multihop = bfd_session_of(config.peers[0], profile);
  EXPECT_TRUE(multihop.peer.multihop);
  EXPECT_EQ(multihop.peer.local, ip("192.168.5.11"));
}

TEST(PlanBgp, BfdEchoIntervalSetsBothEchoIntervals) {
  // MetalLB's FRR template writes `echo-interval N`, which FRR applies to both directions.
  using namespace std::chrono_literals;
  auto config = test::seed_config();
  crd::BfdProfile profile;
  profile.meta.name = "echo";
  profile.echo_mode = true;
  EXPECT_EQ(bfd_session_of(config.peers[0], profile).echo_transmit_interval, 50ms);  // FRR's
  profile.echo_interval = 20;
  const auto session = bfd_session_of(config.peers[0], profile);
  EXPECT_TRUE(session.echo_mode);
  EXPECT_EQ(session.echo_transmit_interval, 20ms);
  EXPECT_EQ(session.echo_receive_interval, 20ms);
}

TEST(PlanBgp, PeersAreChosenByNodeSelectors) {
  auto config = test::seed_config();
  auto second = config.peers[0];
  second.meta.name = "rack-b";
  second.peer_address = ip("192.168.5.3");
  second.node_selectors = {LabelSelector{{{"kubernetes.io/hostname", "k3s-node-5"}}, {}}};
  config.peers.push_back(second);
  auto state = assigned_seed();
  EXPECT_EQ(plan_bgp(config, state, "k3s-node-1").peers.size(), 1u);
  auto plan = plan_bgp(config, state, "k3s-node-5");
  EXPECT_EQ(plan.peers.size(), 2u);
  EXPECT_EQ(plan.routes.at(prefix("10.47.40.1/32")).advertisements[0].neighbors.size(), 2u);
}

TEST(PlanBgp, OneBgpInstancePerNodeMeansOneMyAsn) {
  auto config = test::seed_config();
  auto other = config.peers[0];
  other.meta.name = "other-as";
  other.my_asn = 65010;
  other.peer_address = ip("192.168.5.9");
  config.peers.push_back(other);
  auto plan = plan_bgp(config, assigned_seed(), "k3s-node-1");
  ASSERT_EQ(plan.errors.size(), 1u);
  EXPECT_NE(plan.errors[0].find("BGPPeer/other-as: myASN 65010 differs from 65009"),
            std::string::npos);
  EXPECT_EQ(plan.neighbors.neighbors.size(), 1u);
}

TEST(PlanBgp, AdvertisementsAggregateAndCarryCommunitiesLocalPrefAndChosenPeers) {
  auto config = test::seed_config();
  auto& adv = config.bgp_advertisements[0];
  adv.aggregation_length = 24;
  adv.standard_communities = {(65535u << 16) | 65282u};
  adv.large_communities = {{65009, 1, 2}};
  adv.local_pref = 150;
  auto plan = plan_bgp(config, assigned_seed(), "k3s-node-1");
  ASSERT_EQ(plan.routes.size(), 1u) << "both /32s fall in one /24";
  const auto& route = plan.routes.at(prefix("10.47.40.0/24"));
  ASSERT_EQ(route.advertisements.size(), 1u);
  EXPECT_EQ(route.advertisements[0].communities, std::vector<std::uint32_t>{0xffffff02u});
  EXPECT_EQ(route.advertisements[0].large_communities.size(), 1u);
  EXPECT_EQ(route.advertisements[0].local_preference, 150u);

  // `peers` names a peer this node does not have: nothing goes out, and show says why.
  adv.peers = {"someone-else"};
  plan = plan_bgp(config, assigned_seed(), "k3s-node-1");
  EXPECT_TRUE(plan.routes.empty());
  EXPECT_EQ(plan.services[0].withdrawn_reason, "noPeers");
}

TEST(PlanBgp, APoolWithoutAdvertisementOnThisNodeIsNotAnnounced) {
  auto config = test::seed_config();
  config.bgp_advertisements[0].node_selectors = {
      LabelSelector{{{"kubernetes.io/hostname", "k3s-master-1"}}, {}}};
  auto state = assigned_seed();
  EXPECT_EQ(plan_bgp(config, state, "k3s-master-1").routes.size(), 2u);
  auto plan = plan_bgp(config, state, "k3s-node-1");
  EXPECT_TRUE(plan.routes.empty());
  EXPECT_EQ(plan.services[0].withdrawn_reason, "notOwner");
  // Selected by pool labels instead of names.
  config.bgp_advertisements[0].node_selectors.clear();
  config.bgp_advertisements[0].ip_address_pools.clear();
  config.bgp_advertisements[0].ip_address_pool_selectors = {LabelSelector{{{"tier", "edge"}}, {}}};
  EXPECT_TRUE(plan_bgp(config, state, "k3s-node-1").routes.empty());
  config.pools[0].meta.labels["tier"] = "edge";
  EXPECT_EQ(plan_bgp(config, state, "k3s-node-1").routes.size(), 2u);
}

TEST(PlanBgp, TrafficPolicyLocalNeedsAReadyEndpointOnThisNode) {
  auto state = assigned_seed();
  auto& service = state.services.at({"default", "shake-test-cluster-0-svc"});
  service.external_traffic_policy_local = true;
  auto slice = test::slice_on("shake-test-cluster-0-svc", {"k3s-node-2"});
  state.endpoint_slices[slice.key] = slice;
  EXPECT_TRUE(
      plan_bgp(test::seed_config(), state, "k3s-node-2").routes.contains(prefix("10.47.40.0/32")));
  auto plan = plan_bgp(test::seed_config(), state, "k3s-node-1");
  EXPECT_FALSE(plan.routes.contains(prefix("10.47.40.0/32")));
  EXPECT_TRUE(plan.routes.contains(prefix("10.47.40.1/32"))) << "Cluster policy: every node";
  EXPECT_EQ(plan.services[0].withdrawn_reason, "noLocalEndpoints");
  // Its last endpoint no longer ready: withdrawn there too.
  state.endpoint_slices[slice.key].endpoints[0].ready = false;
  EXPECT_FALSE(
      plan_bgp(test::seed_config(), state, "k3s-node-2").routes.contains(prefix("10.47.40.0/32")));
}

TEST(PlanBgp, ClusterPolicyNeedsAHealthyEndpointSomewhere) {
  auto state = assigned_seed();
  state.endpoint_slices.clear();
  auto plan = plan_bgp(test::seed_config(), state, "k3s-node-1");
  EXPECT_TRUE(plan.routes.empty());
  EXPECT_EQ(plan.services[0].withdrawn_reason, "noEndpoints");
  EXPECT_EQ(plan.neighbors.neighbors.size(), 1u) << "sessions stay up";
}

TEST(PlanBgp, ExcludedOrNotReadyNodesAnnounceNothingButKeepTheirSessions) {
  auto state = assigned_seed();
  state.nodes.at("k3s-node-1").labels[kExcludeLabel] = "";
  auto plan = plan_bgp(test::seed_config(), state, "k3s-node-1");
  EXPECT_TRUE(plan.routes.empty());
  EXPECT_EQ(plan.node_excluded, "nodeExcluded");
  EXPECT_EQ(plan.neighbors.neighbors.size(), 1u);
  state.nodes.at("k3s-node-2").ready = false;
  EXPECT_EQ(plan_bgp(test::seed_config(), state, "k3s-node-2").node_excluded, "nodeNotReady");
  EXPECT_EQ(plan_bgp(test::seed_config(), state, "k3s-node-3").routes.size(), 2u);
}

TEST(PlanBgp, AnAddressInNoPoolIsNotAnnounced) {
  auto state = assigned_seed();
  state.services.at({"default", "shake-test-cluster-0-svc"}).ingress = {ip("192.0.2.7")};
  auto plan = plan_bgp(test::seed_config(), state, "k3s-node-1");
  EXPECT_EQ(plan.routes.size(), 1u);
  EXPECT_EQ(plan.services[0].withdrawn_reason, "noPool");
}

}  // namespace
}  // namespace vipd::lb

namespace vipd::lb {
namespace {

TEST(PlanBgp, OnlyServicesOfTheLoadBalancerClassAreAnnounced) {
  auto state = assigned_seed();
  auto& first = state.services.begin()->second;
  first.load_balancer_class = "example.com/other";
  // Without --lb-class: Services without a class only (MetalLB's default).
  auto plan = plan_bgp(test::seed_config(), state, "k3s-node-3");
  EXPECT_EQ(plan.routes.size(), 1u);
  for (const auto& a : plan.services) EXPECT_NE(a.service, first.key);
  // With it: that class's only.
  plan = plan_bgp(test::seed_config(), state, "k3s-node-3", "example.com/other");
  ASSERT_EQ(plan.services.size(), 1u);
  EXPECT_EQ(plan.services[0].service, first.key);
}

}  // namespace
}  // namespace vipd::lb
