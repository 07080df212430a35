// The speaker's decision in L2 mode (announce_l2.hpp): which Service IPs are announced, by
// which virtual router, and the VRRPv3 instances each node runs, for the seed's L2 design
// (metallb-l2.yaml: pool 192.168.20.1-192.168.20.250, one L2Advertisement).
#include "lb/announce_l2.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "lb/announce.hpp"
#include "seed.hpp"

namespace vipd::lb {
namespace {

using test::ip;
using test::prefix;

// The seed's six Services with addresses from the L2 pool, 192.168.20.1 up.
cluster::ClusterState l2_cluster(int services = 6) {
  auto state = test::seed_cluster(services);
  int i = 1;
  for (auto& [key, service] : state.services)
    service.ingress = {IpAddress::v4(0xc0a81400u + static_cast<std::uint32_t>(i++))};
  return state;
}

const std::vector<NodeInterface> kLan{{"eth0", {prefix("192.168.20.0/24")}}};

L2Plan plan_for(const std::string& node, const cluster::ClusterState& state,
                const crd::LbConfig& config = test::l2_seed_config()) {
  return plan_l2(config, state, node, kLan, L2Options{});
}

TEST(PlanL2, EveryServiceIpIsAnnouncedByOneVirtualRouterThatEveryNodeAgreesOn) {
  const auto state = l2_cluster();
  std::map<std::string, std::uint8_t> vrid_of;  // IP -> VRID, from the first node
  for (const auto& node : test::kNodes) {
    auto plan = plan_for(node, state);
    EXPECT_TRUE(plan.errors.empty()) << node;
    ASSERT_EQ(plan.services.size(), 6u) << node;
    for (const auto& a : plan.services) {
      EXPECT_TRUE(a.announced()) << a.ip.to_string() << " " << a.withdrawn_reason;
      EXPECT_EQ(a.candidates, test::kNodes);
      EXPECT_GE(a.vrid, 100);
      auto [it, first] = vrid_of.emplace(a.ip.to_string(), a.vrid);
      EXPECT_EQ(it->second, a.vrid) << node << " disagrees on " << a.ip.to_string();
    }
  }
}

TEST(PlanL2, EachNodeRunsVrrpV3InstancesWithTheSeedsAddressesAtCentisecondAdverts) {
  const auto state = l2_cluster();
  std::map<std::uint8_t, std::map<std::string, std::uint8_t>> priorities;  // VRID -> node -> prio
  std::map<std::uint8_t, std::set<IpAddress>> vips;
  for (const auto& node : test::kNodes) {
    auto plan = plan_for(node, state);
    for (const auto& instance : plan.vrrp.instances) {
      EXPECT_EQ(instance.version, 3);
      EXPECT_EQ(instance.interface, "eth0");
      EXPECT_EQ(instance.family, Family::kIpv4);
      EXPECT_EQ(instance.advert_int, std::chrono::milliseconds(20));
      EXPECT_TRUE(instance.skip_check_adv_addr);
      EXPECT_EQ(instance.name, l2_instance_name("eth0", instance.virtual_router_id, Family::kIpv4));
      EXPECT_LT(instance.priority, 255);  // never the address owner (RFC 5798 §5.2.4)
      EXPECT_GT(instance.priority, 0);
      priorities[instance.virtual_router_id][node] = instance.priority;
      for (const auto& vip : instance.virtual_ipaddress) {
        EXPECT_EQ(vip.prefix_length, 32);
        vips[instance.virtual_router_id].insert(vip.address);
      }
    }
  }
  // Every Service IP is in exactly one virtual router; within a router the priorities differ,
  // so VRRP's election has one winner, and each router's highest priority is its primary's.
  std::set<IpAddress> all;
  for (const auto& [vrid, addresses] : vips)
    for (const auto& a : addresses) EXPECT_TRUE(all.insert(a).second) << a.to_string();
  EXPECT_EQ(all.size(), 6u);
  for (const auto& [vrid, by_node] : priorities) {
    std::set<std::uint8_t> distinct;
    for (const auto& [node, priority] : by_node) distinct.insert(priority);
    EXPECT_EQ(distinct.size(), by_node.size()) << "VRID " << int(vrid);
    EXPECT_EQ(*distinct.rbegin(), 250);
  }
}

TEST(PlanL2, OwnersSpreadOneServiceEachOverTheSixNodes) {
  auto plan = plan_for("k3s-node-1", l2_cluster());
  auto owners = l2::owners(plan.routers);
  std::map<std::string, int> per_node;
  for (const auto& [key, owner] : owners) {
    ASSERT_TRUE(owner.has_value());
    ++per_node[*owner];
  }
  EXPECT_EQ(per_node.size(), 6u);
  for (const auto& [node, count] : per_node) EXPECT_EQ(count, 1) << node;
}

TEST(PlanL2, ExternalTrafficPolicyLocalLimitsTheCandidatesToNodesWithAnEndpoint) {
  auto state = l2_cluster(1);
  auto& service = state.services.begin()->second;
  service.external_traffic_policy_local = true;
  auto slice = test::slice_on(service.key.name, {"k3s-node-2", "k3s-node-4"});
  state.endpoint_slices[slice.key] = slice;
  for (const auto& node : test::kNodes) {
    auto plan = plan_for(node, state);
    ASSERT_EQ(plan.services.size(), 1u);
    EXPECT_EQ(plan.services[0].candidates, (std::vector<std::string>{"k3s-node-2", "k3s-node-4"}));
    const bool runs = node == "k3s-node-2" || node == "k3s-node-4";
    EXPECT_EQ(plan.vrrp.instances.size(), runs ? 1u : 0u) << node;
  }
}

TEST(PlanL2, ExcludedAndNotReadyNodesAndNodeSelectorsNarrowTheCandidates) {
  auto state = l2_cluster(1);
  state.nodes.at("k3s-node-1").labels[kExcludeLabel] = "";
  state.nodes.at("k3s-node-2").ready = false;
  auto config = test::l2_seed_config();
  LabelSelector not_master;
  not_master.match_expressions.push_back(
      {"kubernetes.io/hostname", LabelSelectorRequirement::Operator::kNotIn, {"k3s-master-1"}});
  config.l2_advertisements[0].node_selectors = {not_master};
  auto plan = plan_for("k3s-node-3", state, config);
  ASSERT_EQ(plan.services.size(), 1u);
  EXPECT_EQ(plan.services[0].candidates,
            (std::vector<std::string>{"k3s-node-3", "k3s-node-4", "k3s-node-5"}));
  EXPECT_TRUE(plan_for("k3s-master-1", state, config).vrrp.instances.empty());
  EXPECT_TRUE(plan_for("k3s-node-1", state, config).vrrp.instances.empty());
}

TEST(PlanL2, WithdrawnAddressesSayWhy) {
  auto state = l2_cluster(2);
  state.endpoint_slices.clear();  // no endpoints anywhere: Cluster policy announces nothing
  auto plan = plan_for("k3s-node-3", state);
  ASSERT_EQ(plan.services.size(), 2u);
  EXPECT_EQ(plan.services[0].withdrawn_reason, "noEndpoints");
  EXPECT_TRUE(plan.vrrp.instances.empty());

  // A pool no L2Advertisement selects is left to BGP mode: not in the L2 plan at all.
  state = l2_cluster(1);
  auto config = test::l2_seed_config();
  config.l2_advertisements[0].ip_address_pools = {"other-pool"};
  EXPECT_TRUE(plan_for("k3s-node-3", state, config).services.empty());
}

TEST(PlanL2, AnAddressOnNoSubnetOfTheNodeIsAnErrorUnlessTheAdvertisementNamesAnInterface) {
  const auto state = l2_cluster(1);
  const std::vector<NodeInterface> elsewhere{{"eth1", {prefix("10.0.0.0/24")}}};
  auto plan = plan_l2(test::l2_seed_config(), state, "k3s-node-3", elsewhere, L2Options{});
  // Every node runs the only Service's router (all six are candidates).
  EXPECT_TRUE(plan.vrrp.instances.empty());
  ASSERT_EQ(plan.errors.size(), 1u);
  EXPECT_NE(plan.errors[0].find("192.168.20.1"), std::string::npos) << plan.errors[0];

  auto config = test::l2_seed_config();
  config.l2_advertisements[0].interfaces = {"eth1"};
  plan = plan_l2(config, state, "k3s-node-3", elsewhere, L2Options{});
  EXPECT_TRUE(plan.errors.empty());
  ASSERT_EQ(plan.vrrp.instances.size(), 1u);
  EXPECT_EQ(plan.vrrp.instances[0].interface, "eth1");
}

TEST(PlanL2, IPv6AddressesGetInstancesOfTheirOwn) {
  auto state = l2_cluster(1);
  auto config = test::l2_seed_config();
  crd::IpAddressPool v6;
  v6.meta.name = "v6-pool";
  v6.addresses = {"fd00:20::/120"};
  v6.ranges = {*crd::parse_address_range("fd00:20::/120")};
  config.pools.push_back(v6);
  config.l2_advertisements[0].ip_address_pools.push_back("v6-pool");
  state.services.begin()->second.ingress.push_back(ip("fd00:20::1"));
  const std::vector<NodeInterface> lan{
      {"eth0", {prefix("192.168.20.0/24"), prefix("fd00:20::/64")}}};
  auto plan = plan_l2(config, state, "k3s-node-3", lan, L2Options{});
  ASSERT_EQ(plan.vrrp.instances.size(), 2u);
  EXPECT_EQ(plan.vrrp.instances[0].family, Family::kIpv4);
  EXPECT_EQ(plan.vrrp.instances[1].family, Family::kIpv6);
  EXPECT_EQ(plan.vrrp.instances[1].virtual_router_id, plan.vrrp.instances[0].virtual_router_id);
  EXPECT_EQ(plan.vrrp.instances[1].virtual_ipaddress.at(0).prefix_length, 128);
}

TEST(PlanL2, WithASharedPreviousPlacementANewServiceMovesNoOwner) {
  // The module passes none (nodes do not share one yet); place() keeps what it is given.
  const auto six = l2_cluster(6);
  auto before = plan_for("k3s-node-3", l2_cluster(5));
  auto kept =
      plan_l2(test::l2_seed_config(), six, "k3s-node-3", kLan, L2Options{}, before.placement);
  auto owners_before = l2::owners(before.routers);
  auto owners_after = l2::owners(kept.routers);
  for (const auto& [key, owner] : owners_before) EXPECT_EQ(owners_after.at(key), owner) << key;
}

}  // namespace
}  // namespace vipd::lb
