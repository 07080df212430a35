// The API source against an in-memory API (fake_api.hpp) on the simulated clock: what it reads
// becomes the cluster state and the MetalLB resources; what the load balancer writes becomes
// the requests MetalLB's controller and speaker make (status subresource with the
// resourceVersion read, 409 -> reread, Events, status objects by generateName and labels).
#include "lb/kube/api_source.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace vipd::lb::kube {
namespace {

using testing::FakeApi;
using testing::json;

json service(const std::string& name, const std::string& type = "LoadBalancer") {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"type", type},
            {"ports", json::array({{{"port", 80}, {"protocol", "TCP"}}})},
            {"clusterIP", "10.43.0.10"}}},
          {"status", {{"loadBalancer", json::object()}}}};
}

json node(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}};
}

json pool(const std::string& range) {
  return {{"apiVersion", "metallb.io/v1beta1"},
          {"kind", "IPAddressPool"},
          {"metadata", {{"name", "first-pool"}, {"namespace", "metallb-system"}}},
          {"spec", {{"addresses", json::array({range})}}}};
}

class ApiSourceTest : public ::testing::Test {
 protected:
  ApiSourceTest() {
    api_.apply("services", service("web"));
    api_.apply("nodes", node("k3s-node-1"));
    api_.apply("ipaddresspools", pool("10.47.40.0/24"));
  }

  std::unique_ptr<ApiSource> make(const std::string& node_name = "k3s-node-1") {
    ApiSourceOptions options;
    options.node_name = node_name;
    options.pod_name = "vipd-speaker-x7";
    options.pod_uid = "pod-uid-1";
    options.reflector.seed = 1;
    options.lease.seed = 1;
    auto source = std::make_unique<ApiSource>(api_, clock_, options);
    EXPECT_TRUE(source->start([this](const cluster::ClusterState&) { ++calls_; }).empty());
    settle();
    return source;
  }
  void settle(std::chrono::milliseconds d = std::chrono::milliseconds(50)) {
    clock_.run_posted();
    clock_.advance(d);
  }

  event::SimClock clock_;
  FakeApi api_{clock_};
  int calls_ = 0;
};

TEST_F(ApiSourceTest, ListsEverythingThenCallsOnceWithTheStateAndTheResources) {
  auto source = make();
  EXPECT_TRUE(source->synced());
  EXPECT_EQ(calls_, 1);
  ASSERT_EQ(source->state().services.size(), 1u);
  EXPECT_EQ(source->state().services.begin()->second.type, "LoadBalancer");
  EXPECT_TRUE(source->state().nodes.contains("k3s-node-1"));
  ASSERT_NE(source->resources(), nullptr);
  ASSERT_EQ(source->resources()->documents.size(), 1u);
  EXPECT_NE(source->resources()->documents[0].second.find("10.47.40.0/24"), std::string::npos);
}

TEST_F(ApiSourceTest, AWatchedChangeIsOneListenerCallAndAnUnchangedOneNone) {
  auto source = make();
  api_.apply("services", service("db"));
  settle();
  EXPECT_EQ(calls_, 2);
  EXPECT_EQ(source->state().services.size(), 2u);
  // A change of a field the load balancer does not read (an annotation of a Node's status).
  json n = node("k3s-node-1");
  n["metadata"]["annotations"] = {{"node.alpha.kubernetes.io/ttl", "0"}};
  api_.apply("nodes", n);
  settle();
  EXPECT_EQ(calls_, 2);
  // The resources change: a call even though the cluster state did not.
  const auto generation = source->resources()->generation;
  api_.apply("ipaddresspools", pool("10.47.41.0/24"));
  settle();
  EXPECT_EQ(calls_, 3);
  EXPECT_GT(source->resources()->generation, generation);
  // The controller's own status write on the pool is no new configuration.
  json counted = pool("10.47.41.0/24");
  counted["status"] = {{"assignedIPv4", 1}, {"availableIPv4", 255}};
  const auto before = source->resources()->generation;
  api_.apply("ipaddresspools", counted);
  settle();
  EXPECT_EQ(source->resources()->generation, before);
  EXPECT_EQ(calls_, 3);
}

TEST_F(ApiSourceTest, IngressGoesThroughTheStatusSubresourceWithTheVersionRead) {
  auto source = make();
  const cluster::ObjectKey web{"default", "web"};
  const std::string version =
      (*api_.find("services", "default/web"))["metadata"]["resourceVersion"];
  source->write_ingress(web, {*IpAddress::parse("10.47.40.0")});
  // At once in the state, without a listener call.
  EXPECT_EQ(source->state().services.at(web).ingress.size(), 1u);
  settle();
  ASSERT_EQ(api_.count("PUT", "/api/v1/namespaces/default/services/web/status"), 1u);
  const auto& put = api_.requests.back();
  auto body = json::parse(put.body);
  EXPECT_EQ(body["metadata"]["resourceVersion"], version);
  EXPECT_EQ(body["status"]["loadBalancer"]["ingress"][0]["ip"], "10.47.40.0");
  const auto& stored = *api_.find("services", "default/web");
  EXPECT_EQ(stored["status"]["loadBalancer"]["ingress"][0]["ip"], "10.47.40.0");
  EXPECT_EQ(calls_, 1) << "our own write, seen back through the watch, is no change";
  EXPECT_EQ(source->pending_writes(), 0u);

  // Released: loadBalancer is emptied, as MetalLB's controller does.
  source->write_ingress(web, {});
  settle();
  EXPECT_EQ((*api_.find("services", "default/web"))["status"]["loadBalancer"], json::object());
}

TEST_F(ApiSourceTest, TheAddressIsWrittenBeforeTheEventsAndStatusObjects) {
  auto source = make();
  const auto before = api_.requests.size();
  source->write_ingress({"default", "web"}, {*IpAddress::parse("10.47.40.0")});
  source->record_event({"default", "web"}, "IPAllocated", "Assigned IP [\"10.47.40.0\"]", false);
  source->write_bgp_status({{"default", "web"}, "k3s-node-1", {"router-a"}});
  ASSERT_EQ(api_.requests.size(), before + 1) << "only the Service's status goes at once";
  EXPECT_EQ(api_.requests.back().method, "PUT");
  settle();
  EXPECT_EQ(api_.count("POST", "/api/v1/namespaces/default/events"), 1u);
  EXPECT_EQ(api_.objects("servicebgpstatuses").size(), 1u);
  // With the API away the held-back writes do not wait for the address's retries.
  api_.api_down = true;
  source->write_ingress({"default", "web"}, {*IpAddress::parse("10.47.40.1")});
  source->record_event({"default", "web"}, "IPAllocated", "Assigned IP [\"10.47.40.1\"]", false);
  settle();
  EXPECT_GE(api_.count("POST", "/api/v1/namespaces/default/events"), 2u);
  api_.api_down = false;
  settle(std::chrono::seconds(3));
  EXPECT_EQ(source->pending_writes(), 0u);
}

TEST_F(ApiSourceTest, AConflictRereadsTheServiceAndWritesAgain) {
  auto source = make();
  // Someone (kubectl label) changes the Service just before our write lands.
  bool conflicted = false;
  api_.intercept = [&](const k8s::Request& request) -> std::optional<k8s::Response> {
    if (request.method == "PUT" && !conflicted) {
      conflicted = true;
      json labelled = *api_.find("services", "default/web");
      labelled["metadata"]["labels"] = {{"team", "a"}};
      api_.apply("services", labelled);
      return std::nullopt;  // the fake now answers 409: the version sent is old
    }
    return std::nullopt;
  };
  source->write_ingress({"default", "web"}, {*IpAddress::parse("10.47.40.7")});
  settle();
  EXPECT_EQ(source->stats().conflicts, 1u);
  EXPECT_EQ(api_.count("GET", "/api/v1/namespaces/default/services/web"), 1u);
  const auto& stored = *api_.find("services", "default/web");
  EXPECT_EQ(stored["status"]["loadBalancer"]["ingress"][0]["ip"], "10.47.40.7");
  EXPECT_EQ(stored["metadata"]["labels"]["team"], "a") << "the other writer's change is kept";
}

TEST_F(ApiSourceTest, WhileTheApiIsAwayTheStateStaysAndWritesAreRetriedWithBackoff) {
  auto source = make();
  api_.api_down = true;
  api_.cut_watches();
  settle();
  EXPECT_EQ(source->state().services.size(), 1u) << "what was known is kept";
  source->write_ingress({"default", "web"}, {*IpAddress::parse("10.47.40.1")});
  settle(std::chrono::milliseconds(10));
  const auto tried = api_.count("PUT", "/api/v1/namespaces/default/services/web/status");
  EXPECT_EQ(tried, 1u);
  settle(std::chrono::seconds(5));
  const auto retried = api_.count("PUT", "/api/v1/namespaces/default/services/web/status");
  EXPECT_GT(retried, tried);
  EXPECT_LE(retried, 5u) << "backoff, not a request storm";
  api_.api_down = false;
  settle(std::chrono::seconds(40));
  EXPECT_EQ(source->pending_writes(), 0u);
  EXPECT_EQ((*api_.find("services", "default/web"))["status"]["loadBalancer"]["ingress"][0]["ip"],
            "10.47.40.1");
  EXPECT_EQ(source->state().services.at({"default", "web"}).ingress.size(), 1u);
}

TEST_F(ApiSourceTest, RepeatedEventsAreFoldedIntoOneWithACount) {
  auto source = make();
  source->record_event({"default", "web"}, "AllocationFailed", "no available IPs", true);
  settle();
  source->record_event({"default", "web"}, "AllocationFailed", "no available IPs", true);
  settle();
  auto events = api_.objects("events");
  ASSERT_EQ(events.size(), 1u);
  const auto& event = events.begin()->second;
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["reason"], "AllocationFailed");
  EXPECT_EQ(event["involvedObject"]["kind"], "Service");
  EXPECT_EQ(event["involvedObject"]["name"], "web");
  EXPECT_FALSE(event["involvedObject"]["uid"].get<std::string>().empty());
  EXPECT_EQ(event["count"], 2);
  EXPECT_EQ(source->stats().events_posted, 2u);
}

TEST_F(ApiSourceTest, ServiceL2StatusIsCreatedLabelledAndOwnedThenPatchedThenDeleted) {
  auto source = make();
  cluster::ServiceL2Status status{{"default", "web"}, "k3s-node-1", {"eth0"}};
  source->write_l2_status(status);
  settle();
  auto objects = api_.objects("servicel2statuses");
  ASSERT_EQ(objects.size(), 1u);
  auto object = objects.begin()->second;
  const std::string name = object["metadata"]["name"];
  EXPECT_TRUE(name.starts_with("l2-")) << name;
  EXPECT_EQ(object["metadata"]["labels"]["metallb.io/node"], "k3s-node-1");
  EXPECT_EQ(object["metadata"]["labels"]["metallb.io/service-name"], "web");
  EXPECT_EQ(object["metadata"]["labels"]["metallb.io/service-namespace"], "default");
  EXPECT_EQ(object["metadata"]["ownerReferences"][0]["uid"], "pod-uid-1");
  EXPECT_EQ(object["status"]["node"], "k3s-node-1");
  EXPECT_EQ(object["status"]["interfaces"][0]["name"], "eth0");

  status.interfaces = {"eth0", "eth1"};
  source->write_l2_status(status);
  settle();
  objects = api_.objects("servicel2statuses");
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects.begin()->second["metadata"]["name"], name) << "the same object, patched";
  EXPECT_EQ(objects.begin()->second["status"]["interfaces"].size(), 2u);

  source->remove_l2_status({"default", "web"}, "k3s-node-1");
  settle();
  EXPECT_TRUE(api_.objects("servicel2statuses").empty());
}

TEST_F(ApiSourceTest, ARestartedSpeakerClearsWhatItLeftAndKeepsOtherNodesStatuses) {
  json mine = {{"apiVersion", "metallb.io/v1beta1"},
               {"kind", "ServiceBGPStatus"},
               {"metadata",
                {{"name", "bgp-old"},
                 {"namespace", "metallb-system"},
                 {"labels", {{"metallb.io/node", "k3s-node-1"}}}}}};
  json theirs = mine;
  theirs["metadata"]["name"] = "bgp-other";
  theirs["metadata"]["labels"]["metallb.io/node"] = "k3s-node-2";
  api_.apply("servicebgpstatuses", mine);
  api_.apply("servicebgpstatuses", theirs);
  auto source = make();
  source->clear_bgp_statuses("k3s-node-1");
  source->write_bgp_status({{"default", "web"}, "k3s-node-1", {"router-a", "router-b"}});
  settle();
  auto objects = api_.objects("servicebgpstatuses");
  EXPECT_FALSE(objects.contains("metallb-system/bgp-old"));
  EXPECT_TRUE(objects.contains("metallb-system/bgp-other"));
  ASSERT_EQ(objects.size(), 2u);
  for (const auto& [key, object] : objects) {
    if (key == "metallb-system/bgp-other") continue;
    EXPECT_EQ(object["status"]["peers"], json::array({"router-a", "router-b"}));
    EXPECT_EQ(object["status"]["serviceName"], "web");
  }
}

TEST_F(ApiSourceTest, SessionStatusIsNamedNodeDashPeerAndPoolCountsArePatched) {
  auto source = make();
  source->write_session_status({"k3s-node-1", "router-a", "192.168.5.1", "", "Established", "N/A"});
  source->write_pool_status({"first-pool", 6, 0, 250, 0});
  settle();
  const json* session = api_.find("bgpsessionstatuses", "metallb-system/k3s-node-1-router-a");
  ASSERT_NE(session, nullptr);
  EXPECT_EQ((*session)["status"]["bgpStatus"], "Established");
  EXPECT_EQ((*session)["metadata"]["labels"]["metallb.io/peer"], "router-a");
  const json* stored = api_.find("ipaddresspools", "metallb-system/first-pool");
  EXPECT_EQ((*stored)["status"]["assignedIPv4"], 6);
  EXPECT_EQ((*stored)["status"]["availableIPv4"], 250);
}

TEST_F(ApiSourceTest, TheFirstCallWaitsForEveryResourceToList) {
  // The pools cannot be listed yet (RBAC not applied): nothing may be assigned from an empty
  // configuration meanwhile.
  bool forbidden = true;
  api_.intercept = [&](const k8s::Request& request) -> std::optional<k8s::Response> {
    if (forbidden && request.path.find("ipaddresspools") != std::string::npos)
      return k8s::Response{403, R"({"kind":"Status","code":403})", "", {}};
    return std::nullopt;
  };
  auto source = make();
  EXPECT_FALSE(source->synced());
  EXPECT_EQ(calls_, 0);
  forbidden = false;
  settle(std::chrono::seconds(35));
  EXPECT_TRUE(source->synced());
  EXPECT_EQ(calls_, 1);
}

TEST_F(ApiSourceTest, LeadershipThroughTheLease) {
  auto source = make();
  bool leader = false;
  source->acquire_leadership([&](bool l) { leader = l; });
  settle(std::chrono::seconds(3));
  EXPECT_TRUE(leader);
  auto leases = api_.objects("leases");
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases.begin()->first, "metallb-system/vipd-controller");
  EXPECT_TRUE(leases.begin()->second["spec"]["holderIdentity"].get<std::string>().starts_with(
      "k3s-node-1_"));
}

}  // namespace
}  // namespace vipd::lb::kube
