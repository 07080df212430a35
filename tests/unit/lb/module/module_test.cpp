// The load-balancer module through the module interface, with a fake cluster source and a
// fake BGP module: the controller assigns and records, the speaker announces and withdraws,
// and only changes reach BGP.
#include "lb/module.hpp"

#include <gtest/gtest.h>

#include <set>

#include "control/cli.hpp"
#include "fakes.hpp"
#include "metrics/families.hpp"
#include "seed.hpp"

namespace vipd::lb {
namespace {

using test::ip;
using test::prefix;

class LbModuleTest : public ::testing::Test {
 protected:
  std::unique_ptr<LbModule> make(bool controller, const std::string& node = "k3s-node-1") {
    return std::make_unique<LbModule>(bgp_, options_for(controller, node));
  }
  LbModuleOptions options_for(bool controller, const std::string& node) {
    LbModuleOptions options;
    options.node_name = node;
    options.controller = controller;
    options.source_description = "fake";
    options.bfd = &bfd_;
    options.make_source = [this]() -> std::unique_ptr<cluster::ClusterSource> {
      auto source = std::make_unique<test::FakeSource>();
      source->edit() = initial_;
      source->l2_statuses_out = &l2_statuses_;
      source_ = source.get();
      return source;
    };
    return options;
  }
  // As make(true), with `tweak` applied to the fake source the module makes.
  std::unique_ptr<LbModule> make_with(std::function<void(test::FakeSource&)> tweak) {
    auto options = options_for(true, "k3s-node-1");
    options.make_source = [inner = options.make_source, tweak]() {
      auto source = inner();
      tweak(*static_cast<test::FakeSource*>(source.get()));
      return source;
    };
    return std::make_unique<LbModule>(bgp_, options);
  }
  // load() reads files; these tests give the resources directly.
  void start(LbModule& module, crd::LbConfig config) {
    module.set_loaded(std::move(config));
    ASSERT_TRUE(module.start().ok());
  }

  cluster::ClusterState initial_ = test::seed_cluster();
  test::FakeBgp bgp_;
  test::FakeBfd bfd_;
  test::FakeSource* source_ = nullptr;
  test::FakeSource::L2Statuses l2_statuses_;  // what the nodes' sources were given
};

TEST_F(LbModuleTest, TheControllerAssignsTheSeedsAddressesInOrderAndRecordsThem) {
  auto module = make(true);
  start(*module, test::seed_config());
  ASSERT_EQ(source_->writes.size(), 6u);
  EXPECT_EQ(source_->writes[0].first.name, "shake-test-cluster-0-svc");
  EXPECT_EQ(source_->writes[0].second, std::vector<IpAddress>{ip("10.47.40.0")});
  EXPECT_EQ(source_->writes[5].second, std::vector<IpAddress>{ip("10.47.40.5")});
  auto allocated = source_->events_of("IPAllocated");
  ASSERT_EQ(allocated.size(), 6u);
  EXPECT_EQ(allocated[0],
            "default/shake-test-cluster-0-svc IPAllocated Assigned IP [\"10.47.40.0\"]");
  // The speaker's side, as MetalLB's: one nodeAssigned per Service it announces.
  auto assigned = source_->events_of("nodeAssigned");
  ASSERT_EQ(assigned.size(), 6u);
  EXPECT_EQ(assigned[0],
            "default/shake-test-cluster-0-svc nodeAssigned announcing from node \"k3s-node-1\" "
            "with protocol \"bgp\"");
  // And, as this node's speaker, announces all six to the router.
  EXPECT_EQ(bgp_.neighbors.at(kBgpSource).neighbors.size(), 1u);
  EXPECT_EQ(bgp_.routes.at(kBgpSource).size(), 6u);
  EXPECT_TRUE(bgp_.routes.at(kBgpSource).contains(prefix("10.47.40.5/32")));
  EXPECT_TRUE(module->leader());

  // Nothing changed: nothing written, nothing sent again.
  int before = bgp_.originations;
  source_->changed();
  EXPECT_EQ(source_->writes.size(), 6u);
  EXPECT_EQ(bgp_.originations, before);
  EXPECT_EQ(source_->events.size(), 12u);
}

TEST_F(LbModuleTest, ASpeakerOnlyAnnouncesWhatTheStatusSays) {
  auto module = make(false);
  start(*module, test::seed_config());
  EXPECT_TRUE(source_->writes.empty()) << "a speaker never assigns";
  EXPECT_TRUE(bgp_.routes[kBgpSource].empty());
  source_->edit().services.at({"default", "shake-test-cluster-2-svc"}).ingress = {ip("10.47.40.2")};
  source_->changed();
  ASSERT_EQ(bgp_.routes.at(kBgpSource).size(), 1u);
  EXPECT_TRUE(bgp_.routes.at(kBgpSource).contains(prefix("10.47.40.2/32")));
  // The Service is deleted: its route is withdrawn.
  source_->edit().services.erase({"default", "shake-test-cluster-2-svc"});
  source_->changed();
  EXPECT_TRUE(bgp_.routes.at(kBgpSource).empty());
  EXPECT_EQ(bgp_.withdrawals, 1);
}

TEST_F(LbModuleTest, AStandbyControllerWritesNothingUntilItLeads) {
  auto module = make(true);
  start(*module, test::seed_config());
  // Another process takes the lock; then a Service appears.
  source_->writes.clear();
  source_->set_leader(false);
  EXPECT_FALSE(module->leader());
  auto svc = test::lb_service("new-svc");
  source_->edit().services[svc.key] = svc;
  const int pool_writes = source_->pool_status_writes;
  source_->changed();
  EXPECT_TRUE(source_->writes.empty());
  EXPECT_EQ(source_->pool_status_writes, pool_writes) << "the pools' counts are the leader's";
  source_->set_leader(true);
  EXPECT_EQ(source_->pool_statuses.at("first-pool").assigned_ipv4, 7u);
  ASSERT_EQ(source_->writes.size(), 1u);
  EXPECT_EQ(source_->writes[0].first.name, "new-svc");
  EXPECT_EQ(source_->writes[0].second, std::vector<IpAddress>{ip("10.47.40.6")});
}

TEST_F(LbModuleTest, AddingOrRemovingAServiceNeverMovesAnother) {
  auto module = make(true);
  start(*module, test::seed_config());
  source_->edit().services.erase({"default", "shake-test-cluster-1-svc"});
  source_->changed();
  auto svc = test::lb_service("late-svc");
  source_->edit().services[svc.key] = svc;
  source_->changed();
  const auto& services = source_->state().services;
  EXPECT_EQ(services.at({"default", "shake-test-cluster-0-svc"}).ingress[0], ip("10.47.40.0"));
  EXPECT_EQ(services.at({"default", "shake-test-cluster-2-svc"}).ingress[0], ip("10.47.40.2"));
  EXPECT_EQ(services.at({"default", "late-svc"}).ingress[0], ip("10.47.40.1"))
      << "the lowest free address, freed by the deleted Service";
}

TEST_F(LbModuleTest, ExhaustedPoolRecordsAllocationFailed) {
  auto config = test::seed_config();
  config.pools[0].addresses = {"10.47.40.0-10.47.40.1"};
  config.pools[0].ranges = {*crd::parse_address_range("10.47.40.0-10.47.40.1")};
  initial_ = test::seed_cluster(3);
  auto module = make(true);
  start(*module, config);
  auto failed = source_->events_of("AllocationFailed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].find("shake-test-cluster-2-svc AllocationFailed Failed to allocate IP"),
            std::string::npos)
      << failed[0];
  EXPECT_EQ(source_->events_of("IPAllocated").size(), 2u);
  // Reported once, not again on every pass.
  source_->changed();
  EXPECT_EQ(source_->events_of("AllocationFailed").size(), 1u);
}

TEST_F(LbModuleTest, StopWithdrawsTheRoutesAndRemovesTheNeighbors) {
  auto module = make(true);
  start(*module, test::seed_config());
  ASSERT_FALSE(bgp_.routes.at(kBgpSource).empty());
  bool done = false;
  module->stop([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_FALSE(bgp_.routes.contains(kBgpSource));
  EXPECT_TRUE(bgp_.neighbors.at(kBgpSource).neighbors.empty());
}

TEST_F(LbModuleTest, PeersWithABfdProfileGetBfdSessionsUntilStop) {
  auto module = make(false, "k3s-node-3");
  auto config = test::seed_config();
  crd::BfdProfile profile;
  profile.meta.name = "fast";
  config.bfd_profiles.push_back(profile);
  config.peers[0].bfd_profile = "fast";
  start(*module, config);
  ASSERT_EQ(bfd_.requests.at(kBgpSource).size(), 1u);
  EXPECT_EQ(bfd_.requests.at(kBgpSource)[0].peer.peer, ip("192.168.5.1"));
  module->stop({});
  EXPECT_TRUE(bfd_.requests.at(kBgpSource).empty());
}

TEST_F(LbModuleTest, ShowCommandsAnswerInTextAndJson) {
  auto module = make(true);
  start(*module, test::seed_config());
  control::CommandTree tree;
  module->install_commands(tree);
  control::Session session;
  auto pools = tree.execute(session, "show lb pools json");
  ASSERT_TRUE(pools.ok) << pools.output;
  auto pools_json = nlohmann::json::parse(pools.output);
  EXPECT_EQ(pools_json[0]["name"], "first-pool");
  EXPECT_EQ(pools_json[0]["assignedIPv4"], 6);
  EXPECT_EQ(pools_json[0]["availableIPv4"], 250);
  auto services = nlohmann::json::parse(tree.execute(session, "show lb services json").output);
  ASSERT_EQ(services.size(), 6u);
  EXPECT_EQ(services[0]["ip"], "10.47.40.0");
  EXPECT_EQ(services[0]["nodes"].size(), 6u) << "every node announces Cluster-policy Services";
  auto text = tree.execute(session, "show lb services").output;
  EXPECT_NE(text.find("default/shake-test-cluster-0-svc"), std::string::npos) << text;
  auto announcements =
      nlohmann::json::parse(tree.execute(session, "show lb announcements json").output);
  ASSERT_EQ(announcements.size(), 6u);
  EXPECT_EQ(announcements[0]["advertisements"][0]["peers"][0]["address"], "192.168.5.1");
}

TEST_F(LbModuleTest, ABgpRefusalIsReportedAndRetriedOnTheNextChange) {
  bgp_.refuse = "lb: local AS 65009 differs from the running `router bgp 65000`";
  auto module = make(false);
  start(*module, test::seed_config());
  EXPECT_FALSE(bgp_.neighbors.contains(kBgpSource));
  bgp_.refuse.clear();
  source_->changed();
  EXPECT_TRUE(bgp_.neighbors.contains(kBgpSource));
}

}  // namespace
}  // namespace vipd::lb

namespace vipd::lb {
namespace {

// The seed's L2 design (metallb-l2.yaml): every node runs the virtual routers of the addresses
// it may own, through a recording runner.
class LbModuleL2Test : public LbModuleTest {
 protected:
  std::unique_ptr<LbModule> make_with_runner(bool controller, const std::string& node) {
    LbModuleOptions options = options_for(controller, node);
    options.make_l2 = [this]() -> std::unique_ptr<L2Runner> {
      auto runner = std::make_unique<test::FakeL2Runner>();
      runner->fail_start = fail_start_;
      runner_ = runner.get();
      return runner;
    };
    return std::make_unique<LbModule>(bgp_, std::move(options));
  }
  test::FakeL2Runner* runner_ = nullptr;
  std::string fail_start_;
};

TEST_F(LbModuleL2Test, TheSeedsL2DesignRunsOneVirtualRouterPerServiceOnEveryNode) {
  auto module = make_with_runner(true, "k3s-node-1");
  start(*module, test::l2_seed_config());
  ASSERT_NE(runner_, nullptr);
  EXPECT_EQ(runner_->starts, 1);
  // L2 mode announces nothing over BGP.
  EXPECT_TRUE(bgp_.routes[kBgpSource].empty());
  // The six Services got 192.168.20.1-6; this node runs a router for each (all six nodes may
  // own every Service), with the addresses as VIPs.
  ASSERT_FALSE(runner_->applied.empty());
  const auto& config = runner_->applied.back();
  std::set<IpAddress> vips;
  for (const auto& instance : config.instances) {
    EXPECT_EQ(instance.version, 3);
    for (const auto& vip : instance.virtual_ipaddress) vips.insert(vip.address);
  }
  EXPECT_EQ(vips.size(), 6u);
  EXPECT_TRUE(vips.contains(ip("192.168.20.1")));
  EXPECT_EQ(module->l2_plan().services.size(), 6u);

  // A pass with nothing new applies nothing again.
  const auto applies = runner_->applied.size();
  source_->changed();
  runner_->interfaces_changed();
  EXPECT_EQ(runner_->applied.size(), applies);

  // A Service deleted: its address leaves its router, the others stay.
  source_->edit().services.erase({"default", "shake-test-cluster-5-svc"});
  source_->changed();
  ASSERT_EQ(runner_->applied.size(), applies + 1);
  vips.clear();
  for (const auto& instance : runner_->applied.back().instances)
    for (const auto& vip : instance.virtual_ipaddress) vips.insert(vip.address);
  EXPECT_EQ(vips.size(), 5u);

  control::CommandTree tree;
  module->install_commands(tree);
  control::Session session;
  auto shown = tree.execute(session, "show lb l2 json");
  ASSERT_TRUE(shown.ok) << shown.output;
  auto j = nlohmann::json::parse(shown.output);
  EXPECT_EQ(j["node"], "k3s-node-1");
  EXPECT_EQ(j["vrids"], "100-254");
  ASSERT_EQ(j["services"].size(), 5u);
  EXPECT_EQ(j["services"][0]["candidates"].size(), 6u);
  EXPECT_TRUE(j["services"][0].contains("plannedOwner"));
  auto text = tree.execute(session, "show lb l2").output;
  EXPECT_NE(text.find("192.168.20.1 "), std::string::npos) << text;
  EXPECT_NE(text.find("Planned owner"), std::string::npos) << text;

  module->stop({});
  EXPECT_EQ(runner_->stops, 1);
}

TEST_F(LbModuleL2Test, TheOwnerPublishesServiceL2StatusWhileItAnswers) {
  auto module = make_with_runner(true, "k3s-node-3");
  start(*module, test::l2_seed_config());
  ASSERT_NE(runner_, nullptr);
  EXPECT_TRUE(l2_statuses_.empty());
  const cluster::ObjectKey svc0{"default", "shake-test-cluster-0-svc"};
  runner_->own(ip("192.168.20.1"), true);
  ASSERT_EQ(l2_statuses_.size(), 1u);
  const auto& status = l2_statuses_.at({svc0, "k3s-node-3"});
  EXPECT_EQ(status.service, svc0);
  EXPECT_EQ(status.node, "k3s-node-3");
  EXPECT_EQ(status.interfaces, std::vector<std::string>{"eth0"});
  EXPECT_EQ(module->l2_owned().at(ip("192.168.20.1")), "eth0");
  // Lost the election: the status goes.
  runner_->own(ip("192.168.20.1"), false);
  EXPECT_TRUE(l2_statuses_.empty());
  // Owned again, then the Service is deleted: the status goes with it.
  runner_->own(ip("192.168.20.1"), true);
  source_->edit().services.erase(svc0);
  source_->changed();
  EXPECT_TRUE(l2_statuses_.empty());
  // Stopping removes what this node published.
  runner_->own(ip("192.168.20.2"), true);
  EXPECT_EQ(l2_statuses_.size(), 1u);
  module->stop({});
  EXPECT_TRUE(l2_statuses_.empty());
}

TEST_F(LbModuleL2Test, NodesThatLearntTheServicesInDifferentOrdersRunTheSameRouters) {
  // Node A sees four Services, then all six; node B sees all six at once (a restart, one batch
  // of a watch). Both must run the same virtual routers, or two nodes answer for one address.
  const auto all_six = initial_;
  for (int i = 4; i < 6; ++i)
    initial_.services.erase({"default", "shake-test-cluster-" + std::to_string(i) + "-svc"});
  auto a = make_with_runner(true, "k3s-node-3");
  start(*a, test::l2_seed_config());
  test::FakeL2Runner* runner_a = runner_;
  test::FakeSource* source_a = source_;
  for (int i = 4; i < 6; ++i) {
    const cluster::ObjectKey key{"default", "shake-test-cluster-" + std::to_string(i) + "-svc"};
    source_a->edit().services[key] = all_six.services.at(key);
  }
  source_a->changed();  // A's controller assigns the two new addresses
  initial_ = source_a->state();
  auto b = make_with_runner(false, "k3s-node-3");
  start(*b, test::l2_seed_config());
  ASSERT_FALSE(runner_a->applied.empty());
  ASSERT_FALSE(runner_->applied.empty());
  EXPECT_EQ(a->l2_plan().services.size(), 6u);
  EXPECT_EQ(runner_a->applied.back(), runner_->applied.back());
  EXPECT_EQ(a->l2_plan().routers, b->l2_plan().routers);
}

TEST_F(LbModuleL2Test, ARunnerThatCannotStartIsRetriedOnTheNextPass) {
  fail_start_ = "socket(AF_PACKET): Operation not permitted";
  auto module = make_with_runner(true, "k3s-node-2");
  start(*module, test::l2_seed_config());
  EXPECT_TRUE(module->l2_plan().services.empty());
  EXPECT_EQ(module->l2_runner(), nullptr);
  fail_start_.clear();
  source_->changed();
  ASSERT_NE(module->l2_runner(), nullptr);
  EXPECT_EQ(module->l2_plan().services.size(), 6u);
}

TEST_F(LbModuleL2Test, BgpOnlyConfigurationsNeverStartL2Mode) {
  auto module = make_with_runner(true, "k3s-node-1");
  start(*module, test::seed_config());
  EXPECT_EQ(runner_, nullptr);
  EXPECT_EQ(module->l2_runner(), nullptr);
}

// /metrics and /readyz (src/lb/metrics.cpp): MetalLB's allocator families from the controller
// that assigns, its Kubernetes client families, and readiness once the cluster was read.
TEST_F(LbModuleTest, MetricsAndReadiness) {
  auto module = make_with([](test::FakeSource& fake) { fake.defer_first_call = true; });
  EXPECT_NE(module->not_ready(), "");
  start(*module, test::seed_config());
  EXPECT_EQ(module->not_ready(), "lb: the cluster has not been read yet (fake)");
  source_->changed();
  EXPECT_EQ(module->not_ready(), "");

  metrics::Families f;
  module->collect_metrics(f);
  const metrics::Labels pool{{"pool", "first-pool"}};
  ASSERT_EQ(module->allocation().usage.size(), 1u);
  const auto& usage = module->allocation().usage[0];
  EXPECT_EQ(f.value("metallb_allocator_addresses_in_use_total", pool), 6);
  EXPECT_EQ(f.value("metallb_allocator_ipv4_addresses_in_use_total", pool), 6);
  EXPECT_EQ(f.value("metallb_allocator_ipv6_addresses_in_use_total", pool), 0);
  EXPECT_EQ(f.value("metallb_allocator_addresses_total", pool),
            static_cast<double>(usage.ipv4_total + usage.ipv6_total));
  EXPECT_GE(usage.ipv4_total, 6u);
  EXPECT_EQ(f.value("metallb_allocator_services_allocated_total", pool), 6);
  EXPECT_EQ(f.find("metallb_allocator_addresses_total")->help,
            "Number of usable IP addresses, per pool");
  EXPECT_EQ(f.value("metallb_k8s_client_config_loaded_bool", {}), 1);
  EXPECT_EQ(f.value("metallb_k8s_client_config_stale_bool", {}), 0);
  EXPECT_EQ(f.value("metallb_k8s_client_updates_total", {}), 1);
  EXPECT_EQ(f.find("metallb_k8s_client_updates_total")->type, prometheus::MetricType::Counter);
  EXPECT_EQ(f.value("vipd_lb_controller_leader", {}), 1);
  EXPECT_EQ(f.value("vipd_lb_announced_prefixes", {}), 6);

  // A standby controller (and a speaker) exports no allocator numbers: sums stay right.
  source_->set_leader(false);
  metrics::Families standby;
  module->collect_metrics(standby);
  EXPECT_EQ(standby.find("metallb_allocator_addresses_total"), nullptr);
  EXPECT_EQ(standby.value("vipd_lb_controller_leader", {}), 0);
}

}  // namespace
}  // namespace vipd::lb

namespace vipd::lb {
namespace {

// The seed's metallb-bgp.yaml as the API serves its objects (JSON, one document each).
std::vector<std::pair<std::string, std::string>> seed_documents(const std::string& pool_range) {
  return {
      {"IPAddressPool metallb-system/first-pool",
       R"({"apiVersion":"metallb.io/v1beta1","kind":"IPAddressPool","metadata":{"name":)"
       R"("first-pool","namespace":"metallb-system"},"spec":{"addresses":[")" +
           pool_range + R"("]}})"},
      {"BGPPeer metallb-system/bgp-config",
       R"({"apiVersion":"metallb.io/v1beta2","kind":"BGPPeer","metadata":{"name":"bgp-config",)"
       R"("namespace":"metallb-system"},"spec":{"myASN":65009,"peerASN":65000,)"
       R"("peerAddress":"192.168.5.1"}})"},
      {"BGPAdvertisement metallb-system/main",
       R"({"apiVersion":"metallb.io/v1beta1","kind":"BGPAdvertisement","metadata":{"name":)"
       R"("main","namespace":"metallb-system"},"spec":{"ipAddressPools":["first-pool"]}})"},
  };
}

TEST_F(LbModuleTest, TheSpeakerPublishesServiceBgpStatusAndSessionStatus) {
  auto module = make(true);
  start(*module, test::seed_config());
  EXPECT_EQ(source_->bgp_status_clears, 1) << "what a previous run left is cleared once";
  ASSERT_EQ(source_->bgp_statuses.size(), 6u);
  const cluster::ObjectKey first{"default", "shake-test-cluster-0-svc"};
  const auto& status = source_->bgp_statuses.at({first, "k3s-node-1"});
  EXPECT_EQ(status.peers, std::vector<std::string>{"bgp-config"});
  // The session, as FRR names its states; BFD not configured: "N/A".
  ASSERT_EQ(source_->session_statuses.size(), 1u);
  EXPECT_EQ(source_->session_statuses.at("bgp-config").bgp_status, "Idle");
  EXPECT_EQ(source_->session_statuses.at("bgp-config").peer_address, "192.168.5.1");
  EXPECT_EQ(source_->session_statuses.at("bgp-config").bfd_status, "N/A");
  bgp_.states[ip("192.168.5.1")] = "Established";
  const int writes = source_->session_status_writes;
  source_->changed();
  EXPECT_EQ(source_->session_statuses.at("bgp-config").bgp_status, "Established");
  EXPECT_EQ(source_->session_status_writes, writes + 1);
  source_->changed();
  EXPECT_EQ(source_->session_status_writes, writes + 1) << "unchanged: not written again";

  // A Service deleted: its status goes, the others stay.
  source_->edit().services.erase(first);
  source_->changed();
  EXPECT_EQ(source_->bgp_statuses.size(), 5u);
  EXPECT_FALSE(source_->bgp_statuses.contains({first, "k3s-node-1"}));
  // On stop the node announces nothing: every status it published goes.
  bool stopped = false;
  module->stop([&] { stopped = true; });
  EXPECT_TRUE(stopped);
}

TEST_F(LbModuleTest, TheLeaderPublishesThePoolsCounts) {
  auto module = make(true);
  start(*module, test::seed_config());
  ASSERT_EQ(source_->pool_statuses.size(), 1u);
  const auto& pool = source_->pool_statuses.at("first-pool");
  EXPECT_EQ(pool.assigned_ipv4, 6u);
  EXPECT_EQ(pool.available_ipv4, 256u - 6u);
  EXPECT_EQ(pool.assigned_ipv6 + pool.available_ipv6, 0u);
  const int writes = source_->pool_status_writes;
  source_->changed();
  EXPECT_EQ(source_->pool_status_writes, writes) << "unchanged counts are not written again";
}

TEST_F(LbModuleTest, ResourcesFromTheSourceReplaceTheFilesAndAnInvalidSetKeepsTheLastValid) {
  auto module = make_with([](test::FakeSource& fake) {
    fake.carries_resources = true;
    fake.documents = {1, seed_documents("10.47.40.1/24")};
  });
  start(*module, {});  // nothing from files
  ASSERT_EQ(module->config().pools.size(), 1u);
  EXPECT_EQ(module->config().peers.size(), 1u);
  EXPECT_EQ(source_->writes.size(), 6u) << "assigned from the API's pool";
  EXPECT_EQ(bgp_.routes.at(kBgpSource).size(), 6u);

  // An invalid pool (MetalLB refuses the whole set): the running one is kept, nothing moves.
  source_->documents = {2, seed_documents("10.47.40.0/33")};
  source_->changed();
  EXPECT_EQ(module->config().pools[0].addresses, std::vector<std::string>{"10.47.40.1/24"});
  EXPECT_EQ(source_->writes.size(), 6u);
  EXPECT_EQ(bgp_.routes.at(kBgpSource).size(), 6u);

  // A valid change applies: a smaller pool keeps the addresses it still holds.
  source_->documents = {3, seed_documents("10.47.40.0-10.47.40.3")};
  source_->changed();
  EXPECT_EQ(module->config().pools[0].addresses, std::vector<std::string>{"10.47.40.0-10.47.40.3"});
  EXPECT_EQ(bgp_.routes.at(kBgpSource).size(), 4u);
}

TEST_F(LbModuleTest, LeadingBeforeTheSourcesFirstStateAssignsNothing) {
  // The API source's Lease may be won before every resource has been listed: with an empty or
  // partial cluster the controller would release every Service's address.
  auto module = make_with([](test::FakeSource& fake) { fake.defer_first_call = true; });
  start(*module, test::seed_config());
  source_->set_leader(true);
  EXPECT_TRUE(source_->writes.empty());
  EXPECT_TRUE(source_->events.empty());
  EXPECT_FALSE(bgp_.routes.contains(kBgpSource));
  source_->changed();
  EXPECT_EQ(source_->writes.size(), 6u);
}

TEST_F(LbModuleTest, NothingIsAssignedOrAnnouncedBeforeTheSourcesResourcesValidate) {
  auto module = make_with([](test::FakeSource& fake) {
    fake.carries_resources = true;
    fake.documents = {1, seed_documents("not-a-range")};
  });
  start(*module, {});
  EXPECT_TRUE(source_->writes.empty()) << "no pool: nothing may be released or failed either";
  EXPECT_TRUE(source_->events.empty());
  EXPECT_FALSE(bgp_.routes.contains(kBgpSource) && !bgp_.routes.at(kBgpSource).empty());
  source_->documents = {2, seed_documents("10.47.40.1/24")};
  source_->changed();
  EXPECT_EQ(source_->writes.size(), 6u);
}

}  // namespace
}  // namespace vipd::lb
