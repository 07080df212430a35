#include "lb/cluster/objects.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lb/cluster/parse.hpp"
#include "test_util.hpp"

namespace vipd::lb::cluster {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ClusterState fixture_state() {
  ClusterState state;
  for (const char* file :
       {"kubectl-get-svc.yaml", "endpointslices.yaml", "nodes.yaml", "namespaces.json"}) {
    ParsedObjects objects = test::parse_fixture(file);
    EXPECT_THAT(objects.errors, IsEmpty()) << file;
    for (auto& service : objects.services) state.services[service.key] = service;
    for (auto& slice : objects.endpoint_slices) state.endpoint_slices[slice.key] = slice;
    for (auto& node : objects.nodes) state.nodes[node.name] = node;
    for (auto& ns : objects.namespaces) state.namespaces[ns.name] = ns;
  }
  return state;
}

const ObjectKey kFirst{"default", "shake-test-cluster-0-svc"};

TEST(ClusterState, SlicesOfAServiceInItsNamespace) {
  ClusterState state = fixture_state();
  std::vector<std::string> names;
  for (const EndpointSlice* slice : state.slices_of(kFirst)) names.push_back(slice->key.name);
  // Not the slice of the same service name in "staging", not the other Service's.
  EXPECT_THAT(names,
              ElementsAre("shake-test-cluster-0-svc-v6abc", "shake-test-cluster-0-svc-x7k2p"));
  EXPECT_THAT(state.slices_of({"default", "shake-test-cluster-1-svc"}).size(), 1u);
  EXPECT_THAT(state.slices_of({"default", "nothing"}), IsEmpty());
  EXPECT_THAT(state.slices_of({"staging", "shake-test-cluster-0-svc"}).size(), 1u);
}

// MetalLB's speaker (epslices.EndpointCanServe and hasHealthyEndpoint).
TEST(ClusterState, LocalEndpointRules) {
  ClusterState state = fixture_state();
  EXPECT_TRUE(state.has_local_endpoint(kFirst, "k3s-node-1"));   // ready
  EXPECT_FALSE(state.has_local_endpoint(kFirst, "k3s-node-2"));  // not ready, not serving
  // Not ready but serving while terminating: graceful shutdown keeps the announcement.
  EXPECT_TRUE(state.has_local_endpoint(kFirst, "k3s-node-3"));
  EXPECT_TRUE(state.has_local_endpoint(kFirst, "k3s-node-4"));   // no conditions: ready
  EXPECT_FALSE(state.has_local_endpoint(kFirst, "k3s-node-5"));  // not ready, serving unset
  EXPECT_TRUE(state.has_local_endpoint(kFirst, "k3s-node-6"));   // the IPv6 slice
  EXPECT_FALSE(state.has_local_endpoint(kFirst, ""));            // the endpoint without nodeName
  EXPECT_FALSE(state.has_local_endpoint(kFirst, "k3s-node-7"));
  // Another Service, another namespace.
  EXPECT_FALSE(state.has_local_endpoint({"default", "shake-test-cluster-1-svc"}, "k3s-node-1"));
  EXPECT_TRUE(state.has_local_endpoint({"staging", "shake-test-cluster-0-svc"}, "k3s-node-6"));
}

TEST(ClusterState, EndpointWithoutAddressesServesNothing) {
  ClusterState state;
  // Built whole: assigning a short literal to a member trips g++ 12's -Wrestrict under ASan.
  EndpointSlice slice{.key = {"default", "s-1"},
                      .service_name = "s",
                      .endpoints = {Endpoint{{}, "n1", true, true, false}}};
  state.endpoint_slices[slice.key] = slice;
  EXPECT_FALSE(state.has_local_endpoint({"default", "s"}, "n1"));
  state.endpoint_slices[slice.key].endpoints[0].addresses.push_back(*IpAddress::parse("10.0.0.1"));
  EXPECT_TRUE(state.has_local_endpoint({"default", "s"}, "n1"));
  // Ready wins over serving (publishNotReadyAddresses: ready true, serving false).
  state.endpoint_slices[slice.key].endpoints[0].serving = false;
  EXPECT_TRUE(state.has_local_endpoint({"default", "s"}, "n1"));
}

TEST(ClusterState, FindNamespace) {
  ClusterState state = fixture_state();
  ASSERT_NE(state.find_namespace("infra"), nullptr);
  EXPECT_EQ(state.find_namespace("infra")->labels.at("team"), "network");
  EXPECT_EQ(state.find_namespace("staging"), nullptr);
}

}  // namespace
}  // namespace vipd::lb::cluster
