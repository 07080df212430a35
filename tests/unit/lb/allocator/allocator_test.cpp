// One test per allocation rule of MetalLB's controller (metallb.io/usage and
// internal/allocator), as the allocator decides it from pools and cluster state alone.
#include "lb/allocator/allocator.hpp"

#include <gtest/gtest.h>

#include "allocator_test_support.hpp"

namespace vipd::lb::allocator {
namespace {

using namespace testing;
using Kind = Decision::Kind;
using Policy = cluster::Service::IpFamilyPolicy;

TEST(LbAllocator, FirstServiceGetsTheFirstAddressOfTheNetworkAsMetalLbReadsCidrs) {
  // 10.47.40.1/24 is the whole /24 for MetalLB: host bits are ignored, .0 is given.
  cluster::ClusterState state;
  add(state, load_balancer("default", "web"));
  auto result = reconcile({pool("seed", {"10.47.40.1/24"})}, state);
  const auto& d = decision_of(result, "default", "web");
  EXPECT_EQ(d.kind, Kind::kAssigned);
  EXPECT_EQ(d.ips, ips({"10.47.40.0"}));
  EXPECT_EQ(d.pool, "seed");
  EXPECT_TRUE(d.changed);
}

TEST(LbAllocator, AvoidBuggyIpsSkipsDotZeroAndDotTwoFiftyFive) {
  auto seed = pool("seed", {"10.47.40.1/24"});
  seed.avoid_buggy_ips = true;
  auto edge = pool("edge", {"10.0.0.254-10.0.1.1"});
  edge.avoid_buggy_ips = true;
  edge.auto_assign = false;
  cluster::ClusterState state;
  add(state, load_balancer("default", "web"));
  for (const char* name : {"e1", "e2", "e3"}) {
    auto s = load_balancer("edge", name);
    s.annotations[kAddressPoolAnnotation] = "edge";
    add(state, s);
  }
  auto result = reconcile({seed, edge}, state);
  EXPECT_EQ(decision_of(result, "default", "web").ips, ips({"10.47.40.1"}));
  EXPECT_EQ(decision_of(result, "edge", "e1").ips, ips({"10.0.0.254"}));
  EXPECT_EQ(decision_of(result, "edge", "e2").ips, ips({"10.0.1.1"}));
  EXPECT_EQ(decision_of(result, "edge", "e3").kind, Kind::kFailed);
  EXPECT_EQ(decision_of(result, "edge", "e3").message, "no available IPs in pool edge");
}

TEST(LbAllocator, ServicesTakeTheLowestFreeAddressRangeByRangeInNameOrder) {
  cluster::ClusterState state;
  for (const char* name : {"a", "b", "c"}) add(state, load_balancer("default", name));
  auto result = reconcile({pool("p", {"10.0.0.8-10.0.0.9", "10.0.1.0/30"})}, state);
  EXPECT_EQ(decision_of(result, "default", "a").ips, ips({"10.0.0.8"}));
  EXPECT_EQ(decision_of(result, "default", "b").ips, ips({"10.0.0.9"}));
  EXPECT_EQ(decision_of(result, "default", "c").ips, ips({"10.0.1.0"}));
}

TEST(LbAllocator, OnlyLoadBalancerServicesAreOurs) {
  cluster::ClusterState state;
  auto cluster_ip = load_balancer("default", "internal");
  cluster_ip.type = "ClusterIP";
  add(state, cluster_ip);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  const auto& d = decision_of(result, "default", "internal");
  EXPECT_EQ(d.kind, Kind::kIgnored);
  EXPECT_TRUE(d.ips.empty());
  EXPECT_FALSE(d.changed);
}

TEST(LbAllocator, ServiceThatStopsBeingALoadBalancerReleasesItsAddress) {
  cluster::ClusterState state;
  auto was_lb = load_balancer("default", "a");
  was_lb.type = "NodePort";
  was_lb.ingress = ips({"10.0.0.0"});
  add(state, was_lb);
  add(state, load_balancer("default", "b"));
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "a").kind, Kind::kIgnored);
  EXPECT_TRUE(decision_of(result, "default", "a").changed);  // its status is cleared
  EXPECT_EQ(decision_of(result, "default", "b").ips, ips({"10.0.0.0"}));
}

TEST(LbAllocator, LoadBalancerClassSelectsWhichServicesAreOurs) {
  cluster::ClusterState state;
  add(state, load_balancer("default", "plain"));
  auto other = load_balancer("default", "other");
  other.load_balancer_class = "example.com/other";
  other.ingress = ips({"10.0.0.0"});  // another controller's business
  add(state, other);
  auto mine = load_balancer("default", "mine");
  mine.load_balancer_class = "vipd.io/lb";
  add(state, mine);
  std::vector pools{pool("p", {"10.0.0.0/24"})};

  auto without_class = reconcile(pools, state);
  EXPECT_EQ(decision_of(without_class, "default", "plain").kind, Kind::kAssigned);
  EXPECT_EQ(decision_of(without_class, "default", "other").kind, Kind::kIgnored);
  EXPECT_FALSE(decision_of(without_class, "default", "other").changed);
  EXPECT_EQ(decision_of(without_class, "default", "mine").kind, Kind::kIgnored);

  auto with_class = reconcile(pools, state, {.load_balancer_class = "vipd.io/lb"});
  EXPECT_EQ(decision_of(with_class, "default", "plain").kind, Kind::kIgnored);
  EXPECT_EQ(decision_of(with_class, "default", "other").kind, Kind::kIgnored);
  EXPECT_EQ(decision_of(with_class, "default", "mine").kind, Kind::kAssigned);
}

TEST(LbAllocator, RequestedAddressInAPoolIsGiven) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.42";
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "web").ips, ips({"10.0.0.42"}));
  EXPECT_EQ(decision_of(result, "default", "web").pool, "p");
}

TEST(LbAllocator, RequestedAddressOutsideEveryPoolFails) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.annotations[kLoadBalancerIpsAnnotation] = "192.168.1.1";
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  const auto& d = decision_of(result, "default", "web");
  EXPECT_EQ(d.kind, Kind::kFailed);
  EXPECT_EQ(d.message, "[\"192.168.1.1\"] is not allowed in config");
}

TEST(LbAllocator, RequestedBuggyAddressIsNotInAnAvoidBuggyIpsPool) {
  auto p = pool("p", {"10.0.0.0/24"});
  p.avoid_buggy_ips = true;
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.255";
  add(state, s);
  auto result = reconcile({p}, state);
  EXPECT_EQ(decision_of(result, "default", "web").message,
            "[\"10.0.0.255\"] is not allowed in config");
}

TEST(LbAllocator, DeprecatedSpecLoadBalancerIpIsHonoured) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.load_balancer_ip = "10.0.0.7";
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "web").ips, ips({"10.0.0.7"}));
}

TEST(LbAllocator, AnnotationAndSpecLoadBalancerIpTogetherFail) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.load_balancer_ip = "10.0.0.7";
  s.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.8";
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  const auto& d = decision_of(result, "default", "web");
  EXPECT_EQ(d.kind, Kind::kFailed);
  EXPECT_EQ(d.message,
            "service can not have both metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP");
}

TEST(LbAllocator, UnreadableRequestedAddressesFail) {
  cluster::ClusterState state;
  auto bad = load_balancer("default", "bad");
  bad.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.1,not-an-ip";
  add(state, bad);
  auto same_family = load_balancer("default", "two-v4");
  same_family.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.1, 10.0.0.2";
  add(state, same_family);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "bad").message,
            "invalid metallb.io/loadBalancerIPs: \"10.0.0.1,not-an-ip\"");
  EXPECT_EQ(decision_of(result, "default", "two-v4").message,
            "IPFamilyForAddresses: same address family [\"10.0.0.1\" \"10.0.0.2\"]");
}

TEST(LbAllocator, RequestedAddressOfTheWrongFamilyFails) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.annotations[kLoadBalancerIpsAnnotation] = "2001:db8::5";
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24", "2001:db8::/64"})}, state);
  EXPECT_EQ(decision_of(result, "default", "web").message,
            "requested loadBalancer IP(s) [\"2001:db8::5\"] does not match the ipFamily of the "
            "service");
}

TEST(LbAllocator, RequestedAddressesOfBothFamiliesForADualStackService) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.ip_family_policy = Policy::kRequireDualStack;
  s.ip_families = {Family::kIpv6, Family::kIpv4};
  s.annotations[kLoadBalancerIpsAnnotation] = "2001:db8::5,10.0.0.5";
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24", "2001:db8::/64"})}, state);
  EXPECT_EQ(decision_of(result, "default", "web").ips, ips({"10.0.0.5", "2001:db8::5"}));
}

TEST(LbAllocator, RequestedAddressAndPoolMustAgree) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.5";
  s.annotations[kAddressPoolAnnotation] = "other";
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24"}), pool("other", {"10.0.1.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "web").message,
            "requested loadBalancer IP(s) [\"10.0.0.5\"] is not compatible with requested "
            "address pool other");
}

TEST(LbAllocator, PoolAnnotationChoosesThePool) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.annotations[kAddressPoolAnnotation] = "second";
  add(state, s);
  auto result = reconcile({pool("first", {"10.0.0.0/24"}), pool("second", {"10.0.1.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "web").ips, ips({"10.0.1.0"}));
  EXPECT_EQ(decision_of(result, "default", "web").pool, "second");
}

TEST(LbAllocator, DeprecatedPoolAnnotationIsRead) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.annotations[kDeprecatedAddressPoolAnnotation] = "second";
  add(state, s);
  auto result = reconcile({pool("first", {"10.0.0.0/24"}), pool("second", {"10.0.1.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "web").pool, "second");
}

TEST(LbAllocator, UnknownPoolFails) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.annotations[kAddressPoolAnnotation] = "nope";
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "web").kind, Kind::kFailed);
  EXPECT_EQ(decision_of(result, "default", "web").message, "unknown pool \"nope\"");
}

TEST(LbAllocator, AutoAssignFalsePoolIsUsedOnlyWhenAskedFor) {
  auto reserved = pool("reserved", {"10.0.0.0/24"});
  reserved.auto_assign = false;
  cluster::ClusterState state;
  add(state, load_balancer("default", "any"));
  auto by_pool = load_balancer("default", "by-pool");
  by_pool.annotations[kAddressPoolAnnotation] = "reserved";
  add(state, by_pool);
  auto by_ip = load_balancer("default", "by-ip");
  by_ip.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.9";
  add(state, by_ip);

  auto alone = reconcile({reserved}, state);
  EXPECT_EQ(decision_of(alone, "default", "any").kind, Kind::kFailed);
  EXPECT_EQ(decision_of(alone, "default", "any").message, "no available IPs");
  EXPECT_EQ(decision_of(alone, "default", "by-pool").ips, ips({"10.0.0.0"}));
  EXPECT_EQ(decision_of(alone, "default", "by-ip").ips, ips({"10.0.0.9"}));

  auto with_general = reconcile({reserved, pool("general", {"192.168.0.0/24"})}, state);
  EXPECT_EQ(decision_of(with_general, "default", "any").ips, ips({"192.168.0.0"}));
}

TEST(LbAllocator, PinnedPoolsAreTriedByPriorityUnsetLastThenUnrestrictedPools) {
  auto with_priority = [](std::string name, std::string cidr, std::optional<int> priority) {
    auto p = pool(name, {cidr});
    p.service_allocation = allocate_to(priority);
    return p;
  };
  std::vector pools{pool("general", {"10.9.0.0/31"}), with_priority("unset", "10.3.0.0/31", {}),
                    with_priority("second", "10.2.0.0/31", 20),
                    with_priority("first", "10.1.0.0/31", 10),
                    with_priority("zero", "10.4.0.0/31", 0)};
  cluster::ClusterState state;
  for (int i = 0; i < 11; ++i) add(state, load_balancer("default", fmt::format("s{:02}", i)));
  auto result = reconcile(pools, state);
  auto got = [&](int i) { return decision_of(result, "default", fmt::format("s{:02}", i)).pool; };
  EXPECT_EQ(got(0), "first");
  EXPECT_EQ(got(1), "first");
  EXPECT_EQ(got(2), "second");
  EXPECT_EQ(got(3), "second");
  // Priority 0 is MetalLB's "no priority"; unprioritised pools keep their configuration order.
  EXPECT_EQ(got(4), "unset");
  EXPECT_EQ(got(5), "unset");
  EXPECT_EQ(got(6), "zero");
  EXPECT_EQ(got(7), "zero");
  EXPECT_EQ(got(8), "general");
  EXPECT_EQ(got(9), "general");
  EXPECT_EQ(decision_of(result, "default", "s10").kind, Kind::kFailed);
}

TEST(LbAllocator, NamespacesRestrictAPoolToTheirServices) {
  auto team = pool("team-a", {"10.1.0.0/24"});
  team.service_allocation = allocate_to({}, {"team-a"});
  std::vector pools{pool("general", {"10.9.0.0/24"}), team};
  cluster::ClusterState state;
  add(state, load_balancer("team-a", "web"));
  add(state, load_balancer("team-b", "web"));
  auto intruder = load_balancer("team-b", "intruder");
  intruder.annotations[kLoadBalancerIpsAnnotation] = "10.1.0.77";
  add(state, intruder);
  auto result = reconcile(pools, state);
  EXPECT_EQ(decision_of(result, "team-a", "web").pool, "team-a");
  EXPECT_EQ(decision_of(result, "team-b", "web").pool, "general");
  EXPECT_EQ(decision_of(result, "team-b", "intruder").message,
            "pool team-a not compatible for ip assignment");
}

TEST(LbAllocator, NamespaceSelectorsMatchTheNamespacesLabels) {
  auto prod = pool("prod", {"10.1.0.0/24"});
  crd::ServiceAllocation allocation;
  allocation.namespace_selectors = {labels_selector({{"env", "prod"}})};
  prod.service_allocation = allocation;
  cluster::ClusterState state;
  state.namespaces["shop"] = {.name = "shop", .labels = {{"env", "prod"}}};
  state.namespaces["lab"] = {.name = "lab", .labels = {{"env", "test"}}};
  add(state, load_balancer("shop", "web"));
  add(state, load_balancer("lab", "web"));
  auto result = reconcile({prod, pool("general", {"10.9.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "shop", "web").pool, "prod");
  EXPECT_EQ(decision_of(result, "lab", "web").pool, "general");
}

TEST(LbAllocator, NamespaceSelectorsMatchingNoNamespaceAdmitNoService) {
  // A deliberate difference: MetalLB would drop the namespace restriction instead.
  auto prod = pool("prod", {"10.1.0.0/24"});
  crd::ServiceAllocation allocation;
  allocation.namespace_selectors = {labels_selector({{"env", "prod"}})};
  allocation.service_selectors = {labels_selector({{"tier", "front"}})};
  prod.service_allocation = allocation;
  cluster::ClusterState state;
  auto s = load_balancer("lab", "web");
  s.labels = {{"tier", "front"}};
  add(state, s);
  auto result = reconcile({prod}, state);
  EXPECT_EQ(decision_of(result, "lab", "web").kind, Kind::kFailed);
}

TEST(LbAllocator, ServiceSelectorsMatchTheServicesLabels) {
  auto front = pool("front", {"10.1.0.0/24"});
  crd::ServiceAllocation allocation;
  LabelSelectorRequirement tier_in;
  tier_in.key = "tier";
  tier_in.op = LabelSelectorRequirement::Operator::kIn;
  tier_in.values = {"front", "edge"};
  LabelSelector selector;
  selector.match_expressions = {tier_in};
  allocation.service_selectors = {selector};
  front.service_allocation = allocation;
  cluster::ClusterState state;
  auto edge = load_balancer("default", "edge");
  edge.labels = {{"tier", "edge"}};
  add(state, edge);
  auto db = load_balancer("default", "db");
  db.labels = {{"tier", "back"}};
  add(state, db);
  auto result = reconcile({front, pool("general", {"10.9.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "edge").pool, "front");
  EXPECT_EQ(decision_of(result, "default", "db").pool, "general");
}

cluster::Service sharing(const std::string& name, const std::string& key,
                         std::vector<cluster::ServicePort> ports) {
  auto s = load_balancer("default", name);
  s.annotations[kAllowSharedIpAnnotation] = key;
  s.ports = std::move(ports);
  return s;
}

TEST(LbAllocator, ServicesWithTheSameSharingKeyAndDistinctPortsShareAnAddress) {
  cluster::ClusterState state;
  add(state, sharing("dns-tcp", "dns", {port("TCP", 53)}));
  add(state, sharing("dns-udp", "dns", {port("UDP", 53)}));
  add(state, load_balancer("default", "web"));
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "dns-tcp").ips, ips({"10.0.0.0"}));
  EXPECT_EQ(decision_of(result, "default", "dns-udp").ips, ips({"10.0.0.0"}));
  EXPECT_EQ(decision_of(result, "default", "web").ips, ips({"10.0.0.1"}));
  EXPECT_EQ(result.usage[0].ipv4_used, 2u);  // the shared address counts once
}

TEST(LbAllocator, ServicesWithTheSameSharingKeyAndAClashingPortGetDifferentAddresses) {
  cluster::ClusterState state;
  add(state, sharing("a", "k", {port("TCP", 80)}));
  add(state, sharing("b", "k", {port("TCP", 80), port("TCP", 443)}));
  add(state, sharing("c", "k", {port("TCP", 443)}));
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "a").ips, ips({"10.0.0.0"}));
  EXPECT_EQ(decision_of(result, "default", "b").ips, ips({"10.0.0.1"}));
  EXPECT_EQ(decision_of(result, "default", "c").ips, ips({"10.0.0.0"}));
}

TEST(LbAllocator, SharingNeedsTheSameExternalTrafficPolicy) {
  cluster::ClusterState state;
  add(state, sharing("a", "k", {port("TCP", 80)}));
  auto local = sharing("b", "k", {port("TCP", 443)});
  local.external_traffic_policy_local = true;
  add(state, local);
  auto local_too = sharing("c", "k", {port("TCP", 8443)});
  local_too.external_traffic_policy_local = true;
  add(state, local_too);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "a").ips, ips({"10.0.0.0"}));
  EXPECT_EQ(decision_of(result, "default", "b").ips, ips({"10.0.0.1"}));
  // MetalLB also compares the pod selectors of Local Services; ours carry none.
  EXPECT_EQ(decision_of(result, "default", "c").ips, ips({"10.0.0.1"}));
}

TEST(LbAllocator, WithoutAKeyOrWithDifferentKeysAnAddressIsExclusive) {
  cluster::ClusterState state;
  add(state, load_balancer("default", "a"));
  auto b = load_balancer("default", "b");
  b.ports = {port("TCP", 443)};
  add(state, b);
  add(state, sharing("c", "one", {port("TCP", 1)}));
  add(state, sharing("d", "two", {port("TCP", 2)}));
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "a").ips, ips({"10.0.0.0"}));
  EXPECT_EQ(decision_of(result, "default", "b").ips, ips({"10.0.0.1"}));
  EXPECT_EQ(decision_of(result, "default", "c").ips, ips({"10.0.0.2"}));
  EXPECT_EQ(decision_of(result, "default", "d").ips, ips({"10.0.0.3"}));
}

TEST(LbAllocator, RequestingAnAddressHeldUnderAnotherKeyFailsWithMetalLbsMessage) {
  cluster::ClusterState state;
  auto holder = sharing("holder", "one", {port("TCP", 80)});
  holder.ingress = ips({"10.0.0.5"});
  add(state, holder);
  auto other_key = sharing("x-other-key", "two", {port("TCP", 81)});
  other_key.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.5";
  add(state, other_key);
  auto same_port = sharing("y-same-port", "one", {port("TCP", 80)});
  same_port.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.5";
  add(state, same_port);
  auto fine = sharing("z-fine", "one", {port("UDP", 80)});
  fine.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.5";
  add(state, fine);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "x-other-key").message,
            "can't change sharing key for \"default/x-other-key\", address also in use by "
            "default/holder");
  EXPECT_EQ(decision_of(result, "default", "y-same-port").message,
            "port TCP/80 is already in use on \"10.0.0.5\"");
  EXPECT_EQ(decision_of(result, "default", "z-fine").ips, ips({"10.0.0.5"}));
}

TEST(LbAllocator, SingleStackTakesTheServicesFirstFamily) {
  cluster::ClusterState state;
  auto v6 = load_balancer("default", "v6");
  v6.ip_families = {Family::kIpv6};
  add(state, v6);
  auto from_cluster_ip = load_balancer("default", "v6-cluster-ip");
  from_cluster_ip.cluster_ips = ips({"fd00::10"});
  add(state, from_cluster_ip);
  add(state, load_balancer("default", "v4"));
  auto result = reconcile({pool("p", {"10.0.0.0/24", "2001:db8::/64"})}, state);
  EXPECT_EQ(decision_of(result, "default", "v6").ips, ips({"2001:db8::"}));
  EXPECT_EQ(decision_of(result, "default", "v6-cluster-ip").ips, ips({"2001:db8::1"}));
  EXPECT_EQ(decision_of(result, "default", "v4").ips, ips({"10.0.0.0"}));
}

TEST(LbAllocator, RequireDualStackNeedsAPoolWithBothFamilies) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "dual");
  s.ip_family_policy = Policy::kRequireDualStack;
  add(state, s);
  auto only_v4 = reconcile({pool("v4", {"10.0.0.0/24"}), pool("v6", {"2001:db8::/64"})}, state);
  EXPECT_EQ(decision_of(only_v4, "default", "dual").kind, Kind::kFailed);
  auto both = reconcile(
      {pool("v4", {"10.0.0.0/24"}), pool("both", {"10.1.0.0/24", "2001:db8::/64"})}, state);
  EXPECT_EQ(decision_of(both, "default", "dual").ips, ips({"10.1.0.0", "2001:db8::"}));
  EXPECT_EQ(decision_of(both, "default", "dual").pool, "both");
}

TEST(LbAllocator, PreferDualStackTakesBothFamiliesWhenAPoolHasThemElseOne) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "prefer");
  s.ip_family_policy = Policy::kPreferDualStack;
  s.ip_families = {Family::kIpv6, Family::kIpv4};
  add(state, s);
  // A later pool with both families wins over an earlier single-family one.
  auto both = reconcile(
      {pool("v4", {"10.0.0.0/24"}), pool("both", {"10.1.0.0/24", "2001:db8::/64"})}, state);
  EXPECT_EQ(decision_of(both, "default", "prefer").ips, ips({"10.1.0.0", "2001:db8::"}));
  // Without one, the first pool with the primary family (here IPv6), else any.
  auto single = reconcile({pool("v4", {"10.0.0.0/24"}), pool("v6", {"2001:db8::/64"})}, state);
  EXPECT_EQ(decision_of(single, "default", "prefer").ips, ips({"2001:db8::"}));
  auto v4_only = reconcile({pool("v4", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(v4_only, "default", "prefer").ips, ips({"10.0.0.0"}));
}

TEST(LbAllocator, PreferDualStackServiceHoldingOneAddressGainsTheOtherFamilyFromItsPool) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "prefer");
  s.ip_family_policy = Policy::kPreferDualStack;
  s.ingress = ips({"10.0.0.9"});
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24", "2001:db8::/64"})}, state);
  const auto& d = decision_of(result, "default", "prefer");
  EXPECT_EQ(d.ips, ips({"10.0.0.9", "2001:db8::"}));
  EXPECT_TRUE(d.changed);
}

TEST(LbAllocator, RecordedAddressIsKeptAndNotGivenToANewService) {
  cluster::ClusterState state;
  auto old = load_balancer("default", "zz-old");
  old.ingress = ips({"10.0.0.0"});
  add(state, old);
  add(state, load_balancer("default", "aa-new"));  // comes first in name order
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "zz-old").ips, ips({"10.0.0.0"}));
  EXPECT_FALSE(decision_of(result, "default", "zz-old").changed);
  EXPECT_EQ(decision_of(result, "default", "aa-new").ips, ips({"10.0.0.1"}));
}

TEST(LbAllocator, RecordedAddressIsKeptInAPoolNoLongerAutoAssigned) {
  auto p = pool("p", {"10.0.0.0/24"});
  p.auto_assign = false;
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.ingress = ips({"10.0.0.3"});
  add(state, s);
  auto result = reconcile({p}, state);
  EXPECT_EQ(decision_of(result, "default", "web").ips, ips({"10.0.0.3"}));
  EXPECT_FALSE(decision_of(result, "default", "web").changed);
}

TEST(LbAllocator, RequestForAnAddressAnotherServiceHoldsFailsInsteadOfTakingIt) {
  cluster::ClusterState state;
  auto holder = load_balancer("default", "zz-holder");
  holder.ingress = ips({"10.0.0.5"});
  add(state, holder);
  auto thief = load_balancer("default", "aa-thief");
  thief.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.5";
  add(state, thief);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "zz-holder").ips, ips({"10.0.0.5"}));
  EXPECT_EQ(decision_of(result, "default", "aa-thief").kind, Kind::kFailed);
}

TEST(LbAllocator, TwoStatusesClaimingOneAddressLeaveItToTheFirstInNameOrder) {
  cluster::ClusterState state;
  auto a = load_balancer("default", "a");
  a.ingress = ips({"10.0.0.0"});
  add(state, a);
  auto b = load_balancer("default", "b");
  b.ingress = ips({"10.0.0.0"});
  add(state, b);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "a").ips, ips({"10.0.0.0"}));
  const auto& moved = decision_of(result, "default", "b");
  EXPECT_EQ(moved.ips, ips({"10.0.0.1"}));
  EXPECT_TRUE(moved.changed);
  EXPECT_EQ(moved.message,
            "current IP for \"default/b\" not allowed by config, will attempt for new IP "
            "assignment: can't change sharing key for \"default/b\", address also in use by "
            "default/a (kept by default/a, which comes first)");
}

TEST(LbAllocator, ChangingTheRequestedPoolOrAddressMovesTheService) {
  cluster::ClusterState state;
  auto by_pool = load_balancer("default", "by-pool");
  by_pool.ingress = ips({"10.0.0.0"});
  by_pool.annotations[kAddressPoolAnnotation] = "second";
  add(state, by_pool);
  auto by_ip = load_balancer("default", "by-ip");
  by_ip.ingress = ips({"10.0.0.1"});
  by_ip.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.50";
  add(state, by_ip);
  auto result = reconcile({pool("first", {"10.0.0.0/24"}), pool("second", {"10.0.1.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "default", "by-pool").ips, ips({"10.0.1.0"}));
  EXPECT_EQ(decision_of(result, "default", "by-ip").ips, ips({"10.0.0.50"}));
}

TEST(LbAllocator, ShrinkingAPoolMovesOnlyTheAddressesOutsideIt) {
  cluster::ClusterState state;
  auto inside = load_balancer("default", "inside");
  inside.ingress = ips({"10.0.0.1"});
  add(state, inside);
  auto outside = load_balancer("default", "outside");
  outside.ingress = ips({"10.0.0.200"});
  add(state, outside);
  auto result = reconcile({pool("p", {"10.0.0.0-10.0.0.99"})}, state);
  EXPECT_EQ(decision_of(result, "default", "inside").ips, ips({"10.0.0.1"}));
  EXPECT_FALSE(decision_of(result, "default", "inside").changed);
  const auto& moved = decision_of(result, "default", "outside");
  EXPECT_EQ(moved.ips, ips({"10.0.0.0"}));
  EXPECT_TRUE(moved.changed);
  EXPECT_NE(moved.message.find("[\"10.0.0.200\"] is not allowed in config"), std::string::npos);
}

TEST(LbAllocator, ServiceLeavingAPoolsNamespacesMoves) {
  auto team = pool("team", {"10.1.0.0/24"});
  team.service_allocation = allocate_to({}, {"team-a"});
  cluster::ClusterState state;
  auto s = load_balancer("team-b", "web");
  s.ingress = ips({"10.1.0.4"});
  add(state, s);
  auto result = reconcile({team, pool("general", {"10.9.0.0/24"})}, state);
  EXPECT_EQ(decision_of(result, "team-b", "web").ips, ips({"10.9.0.0"}));
}

TEST(LbAllocator, ExhaustedPoolsFailUntilAnAddressIsReleased) {
  cluster::ClusterState state;
  for (const char* name : {"a", "b", "c"}) add(state, load_balancer("default", name));
  std::vector pools{pool("tiny", {"10.0.0.0/31"})};
  auto full = reconcile(pools, state);
  EXPECT_EQ(decision_of(full, "default", "c").kind, Kind::kFailed);
  EXPECT_EQ(decision_of(full, "default", "c").message, "no available IPs");
  EXPECT_EQ(full.usage[0].ipv4_used, 2u);

  auto next = with_statuses(state, full);
  next.services.erase({"default", "a"});
  auto after = reconcile(pools, next);
  EXPECT_EQ(decision_of(after, "default", "c").ips, ips({"10.0.0.0"}));
  EXPECT_EQ(decision_of(after, "default", "b").ips, ips({"10.0.0.1"}));
  EXPECT_FALSE(decision_of(after, "default", "b").changed);
}

TEST(LbAllocator, StatusOutsideEveryPoolIsReplacedOrCleared) {
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.ingress = ips({"192.168.0.1"});
  add(state, s);
  auto result = reconcile({pool("tiny", {"10.0.0.0/32"}), pool("t2", {"10.0.0.1/32"})}, state);
  EXPECT_EQ(decision_of(result, "default", "web").kind, Kind::kAssigned);
  auto none = reconcile({}, state);
  EXPECT_EQ(decision_of(none, "default", "web").kind, Kind::kFailed);
  EXPECT_TRUE(decision_of(none, "default", "web").changed);
}

TEST(LbAllocator, UsageCountsWhatPoolsCanGiveAndWhatIsTaken) {
  auto v4 = pool("v4", {"10.0.0.0/23", "10.0.2.5-10.0.2.9"});
  v4.avoid_buggy_ips = true;
  auto v6 = pool("v6", {"2001:db8::/120", "2001:db8:1::/64"});
  auto huge = pool("huge", {"2001:db8:2::/48"});
  cluster::ClusterState state;
  add(state, load_balancer("default", "a"));
  auto b = load_balancer("default", "b");
  b.ip_families = {Family::kIpv6};
  add(state, b);
  auto result = reconcile({v4, v6, huge}, state);
  ASSERT_EQ(result.usage.size(), 3u);
  EXPECT_EQ(result.usage[0], (PoolUsage{.name = "v4", .ipv4_total = 512 - 4 + 5, .ipv4_used = 1}));
  EXPECT_EQ(result.usage[1].ipv6_used, 1u);
  // 256 + 2^64 does not fit: saturated.
  EXPECT_EQ(result.usage[1].ipv6_total, UINT64_MAX);
  EXPECT_EQ(result.usage[2].ipv6_total, UINT64_MAX);
  EXPECT_EQ(result.usage[2].ipv4_total, 0u);
}

TEST(LbAllocator, PoolContainingFindsThePoolOfAnAddress) {
  std::vector pools{pool("a", {"10.0.0.0/24"}), pool("b", {"10.0.1.5-10.0.1.9", "2001:db8::/64"})};
  EXPECT_EQ(pool_containing(pools, ip("10.0.0.255")), &pools[0]);
  EXPECT_EQ(pool_containing(pools, ip("10.0.1.9")), &pools[1]);
  EXPECT_EQ(pool_containing(pools, ip("2001:db8::ffff")), &pools[1]);
  EXPECT_EQ(pool_containing(pools, ip("10.0.1.10")), nullptr);
  EXPECT_EQ(pool_containing(pools, ip("::a00:1")), nullptr);
}

TEST(LbAllocator, BadRequestOnAServiceThatHasAnAddressKeepsItAndSaysSo) {
  // convergeBalancer keeps the recorded address and reports LoadBalancerFailed.
  cluster::ClusterState state;
  auto s = load_balancer("default", "web");
  s.ingress = ips({"10.0.0.4"});
  s.load_balancer_ip = "10.0.0.4";
  s.annotations[kLoadBalancerIpsAnnotation] = "10.0.0.4";
  add(state, s);
  auto result = reconcile({pool("p", {"10.0.0.0/24"})}, state);
  const auto& d = decision_of(result, "default", "web");
  EXPECT_EQ(d.ips, ips({"10.0.0.4"}));
  EXPECT_EQ(d.message,
            "invalid requested loadbalancer IPs: service can not have both "
            "metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP");
}

}  // namespace
}  // namespace vipd::lb::allocator
