#include "lb/cluster/parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>

#include "test_util.hpp"

namespace vipd::lb::cluster {
namespace {

using test::ip;
using test::parse_fixture;
using test::parse_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const Service* find_service(const ParsedObjects& objects, const std::string& ns,
                            const std::string& name) {
  for (const Service& service : objects.services) {
    if (service.key == ObjectKey{ns, name}) return &service;
  }
  return nullptr;
}

// The seed's `kubectl get svc`, as `kubectl get svc -o yaml` prints it: a List with
// managedFields, uids, status.
TEST(ParseServices, KubectlListOfTheSeedServices) {
  ParsedObjects objects = parse_fixture("kubectl-get-svc.yaml");
  EXPECT_THAT(objects.errors, IsEmpty());
  ASSERT_THAT(objects.services, SizeIs(7));
  const char* external[] = {"10.47.40.0", "10.47.40.1", "10.47.40.2",
                            "10.47.40.3", "10.47.40.5", "10.47.40.6"};
  int load_balancers = 0;
  for (const Service& service : objects.services) {
    if (service.type != "LoadBalancer") continue;
    EXPECT_EQ(service.key.name, "shake-test-cluster-" + std::to_string(load_balancers) + "-svc");
    EXPECT_THAT(service.ingress, ElementsAre(ip(external[load_balancers])));
    ASSERT_THAT(service.ports, SizeIs(2));
    EXPECT_EQ(service.ports[0].port, 6379);
    EXPECT_EQ(service.ports[1].port, 16379);
    ++load_balancers;
  }
  EXPECT_EQ(load_balancers, 6);

  const Service* first = find_service(objects, "default", "shake-test-cluster-0-svc");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->where, "kubectl-get-svc.yaml:57");
  EXPECT_EQ(first->type, "LoadBalancer");
  EXPECT_THAT(first->ports, ElementsAre(ServicePort{"redis", "TCP", 6379, 32530},
                                        ServicePort{"bus", "TCP", 16379, 30502}));
  EXPECT_THAT(first->cluster_ips, ElementsAre(ip("10.43.51.216")));
  EXPECT_THAT(first->ip_families, ElementsAre(Family::kIpv4));
  EXPECT_EQ(first->ip_family_policy, Service::IpFamilyPolicy::kSingleStack);
  EXPECT_FALSE(first->external_traffic_policy_local);
  EXPECT_EQ(first->load_balancer_ip, "");
  EXPECT_FALSE(first->load_balancer_class.has_value());
  EXPECT_EQ(first->labels, (Labels{{"app.kubernetes.io/instance", "shake-test-cluster"},
                                   {"app.kubernetes.io/name", "redis-cluster"}}));
  EXPECT_EQ(first->annotations,
            (Labels{{"metallb.universe.tf/ip-allocated-from-pool", "first-pool"}}));

  const Service* cluster_ip = find_service(objects, "default", "shake-test-cluster");
  ASSERT_NE(cluster_ip, nullptr);
  EXPECT_EQ(cluster_ip->type, "ClusterIP");
  EXPECT_THAT(cluster_ip->ingress, IsEmpty());
  EXPECT_THAT(cluster_ip->ports, ElementsAre(ServicePort{"redis", "TCP", 6379, 0}));
}

TEST(ParseServices, HandWrittenManifestsAndOtherKindsIgnored) {
  ParsedObjects objects = parse_fixture("services.yaml");
  EXPECT_THAT(objects.errors, IsEmpty());
  // web, dns, headless; not the IPAddressPool, the Knative Service or the Deployment.
  ASSERT_THAT(objects.services, SizeIs(3));
  EXPECT_THAT(objects.nodes, IsEmpty());

  const Service* web = find_service(objects, "default", "web");  // no namespace: default
  ASSERT_NE(web, nullptr);
  EXPECT_TRUE(web->external_traffic_policy_local);
  EXPECT_EQ(web->annotations, (Labels{{"metallb.io/loadBalancerIPs", "192.168.20.10"},
                                      {"metallb.io/allow-shared-ip", "web-and-dns"}}));
  EXPECT_THAT(web->ports,
              ElementsAre(ServicePort{"http", "TCP", 80, 0}, ServicePort{"https", "TCP", 443, 0}));
  EXPECT_THAT(web->ip_families, IsEmpty());
  EXPECT_EQ(web->where, "services.yaml:3");

  const Service* dns = find_service(objects, "infra", "dns");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->load_balancer_ip, "192.168.20.11");
  EXPECT_EQ(dns->load_balancer_class, "vipd.io/lb");
  EXPECT_EQ(dns->ip_family_policy, Service::IpFamilyPolicy::kRequireDualStack);
  EXPECT_THAT(dns->ip_families, ElementsAre(Family::kIpv6, Family::kIpv4));
  EXPECT_THAT(dns->cluster_ips, ElementsAre(ip("fd00:43::53"), ip("10.43.0.53")));
  EXPECT_THAT(dns->ports, ElementsAre(ServicePort{"dns-udp", "UDP", 53, 0},
                                      ServicePort{"dns-tcp", "TCP", 53, 0}));
  EXPECT_EQ(dns->labels, (Labels{{"app", "dns"}, {"tier", "edge"}}));

  const Service* headless = find_service(objects, "default", "headless");
  ASSERT_NE(headless, nullptr);
  EXPECT_THAT(headless->cluster_ips, IsEmpty());  // clusterIP: None
  EXPECT_EQ(headless->ip_family_policy, Service::IpFamilyPolicy::kPreferDualStack);
  EXPECT_EQ(headless->type, "ClusterIP");
}

TEST(ParseEndpointSlices, KubectlList) {
  ParsedObjects objects = parse_fixture("endpointslices.yaml");
  EXPECT_THAT(objects.errors, IsEmpty());
  // The FQDN slice is skipped: names are no addresses.
  ASSERT_THAT(objects.endpoint_slices, SizeIs(4));
  const EndpointSlice& slice = objects.endpoint_slices[0];
  EXPECT_EQ(slice.key, (ObjectKey{"default", "shake-test-cluster-0-svc-x7k2p"}));
  EXPECT_EQ(slice.service_name, "shake-test-cluster-0-svc");
  EXPECT_EQ(slice.address_type, Family::kIpv4);
  ASSERT_THAT(slice.endpoints, SizeIs(6));
  EXPECT_EQ(slice.endpoints[0], (Endpoint{{ip("10.42.0.15")}, "k3s-node-1", true, true, false}));
  EXPECT_EQ(slice.endpoints[1], (Endpoint{{ip("10.42.1.22")}, "k3s-node-2", false, false, false}));
  EXPECT_EQ(slice.endpoints[2], (Endpoint{{ip("10.42.2.31")}, "k3s-node-3", false, true, true}));
  EXPECT_EQ(slice.endpoints[3],
            (Endpoint{{ip("10.42.3.40")}, "k3s-node-4", std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ(slice.endpoints[4],
            (Endpoint{{ip("10.42.4.50")}, "k3s-node-5", false, std::nullopt, std::nullopt}));
  EXPECT_EQ(slice.endpoints[5],
            (Endpoint{{ip("10.42.9.9")}, "", true, std::nullopt, std::nullopt}));

  const EndpointSlice& v6 = objects.endpoint_slices[1];
  EXPECT_EQ(v6.address_type, Family::kIpv6);
  ASSERT_THAT(v6.endpoints, SizeIs(2));
  EXPECT_THAT(v6.endpoints[0].addresses, ElementsAre(ip("fd00:42::6")));
  EXPECT_THAT(v6.endpoints[1].addresses, IsEmpty());

  EXPECT_THAT(objects.endpoint_slices[2].endpoints, IsEmpty());  // endpoints: null
  EXPECT_EQ(objects.endpoint_slices[3].key.namespace_, "staging");
}

TEST(ParseNodes, ConditionsAndLabels) {
  ParsedObjects objects = parse_fixture("nodes.yaml");
  EXPECT_THAT(objects.errors, IsEmpty());
  ASSERT_THAT(objects.nodes, SizeIs(6));
  for (const Node& node : objects.nodes) {
    SCOPED_TRACE(node.name);
    const bool ready = node.name != "k3s-node-3" && node.name != "k3s-node-5";  // Unknown, False
    EXPECT_EQ(node.ready, ready);
    EXPECT_EQ(node.network_unavailable, node.name == "k3s-node-4");
    EXPECT_EQ(node.labels.at("kubernetes.io/hostname"), node.name);
    EXPECT_EQ(node.labels.contains("node.kubernetes.io/exclude-from-external-load-balancers"),
              node.name == "k3s-node-6");
  }
  EXPECT_EQ(objects.nodes[5].labels.at("node.kubernetes.io/exclude-from-external-load-balancers"),
            "");
}

TEST(ParseNamespaces, KubectlJson) {
  ParsedObjects objects = parse_fixture("namespaces.json");
  EXPECT_THAT(objects.errors, IsEmpty());
  ASSERT_THAT(objects.namespaces, SizeIs(2));
  EXPECT_EQ(objects.namespaces[0].name, "default");
  EXPECT_EQ(objects.namespaces[1].labels,
            (Labels{{"kubernetes.io/metadata.name", "infra"}, {"team", "network"}}));
}

TEST(ParseNodes, MissingConditionsMeanReady) {
  ParsedObjects objects = parse_text("apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n");
  ASSERT_THAT(objects.nodes, SizeIs(1));
  EXPECT_TRUE(objects.nodes[0].ready);
  EXPECT_FALSE(objects.nodes[0].network_unavailable);
}

// Errors: "FILE:LINE: Kind/name: field: reason", and only the object in error is dropped.
TEST(ParseErrors, WrongTypesAndInvalidAddresses) {
  struct Case {
    const char* spec;
    const char* error;
  };
  const Case cases[] = {
      {"  ports:\n  - port: http\n",
       "f.yaml:7: Service/bad: spec.ports[0].port: not an integer: \"http\""},
      {"  ports:\n  - port: 70000\n",
       "f.yaml:7: Service/bad: spec.ports[0].port: 70000 is out of range 1-65535"},
      {"  ports:\n  - {port: 80, protocol: ICMP}\n",
       "f.yaml:7: Service/bad: spec.ports[0].protocol: must be TCP, UDP or SCTP, not \"ICMP\""},
      {"  ports: 80\n", "f.yaml:6: Service/bad: spec.ports: expected a list, got a scalar"},
      {"  loadBalancerIP: 10.0.0.300\n",
       "f.yaml:6: Service/bad: spec.loadBalancerIP: invalid IP address \"10.0.0.300\""},
      {"  type: Loadbalancer\n",
       "f.yaml:6: Service/bad: spec.type: must be ClusterIP, NodePort, LoadBalancer or "
       "ExternalName, not \"Loadbalancer\""},
      {"  externalTrafficPolicy: OnlyLocal\n",
       "f.yaml:6: Service/bad: spec.externalTrafficPolicy: must be Local or Cluster, not "
       "\"OnlyLocal\""},
      {"  ipFamilies: [IPv5]\n",
       "f.yaml:6: Service/bad: spec.ipFamilies[0]: must be IPv4 or IPv6, not \"IPv5\""},
      {"  ipFamilyPolicy: DualStack\n",
       "f.yaml:6: Service/bad: spec.ipFamilyPolicy: must be SingleStack, PreferDualStack or "
       "RequireDualStack, not \"DualStack\""},
      {"  clusterIPs: [10.43.0.1, nope]\n",
       "f.yaml:6: Service/bad: spec.clusterIPs[1]: invalid IP address \"nope\""},
      {"  loadBalancerClass: \"a\xff\"\n",
       "f.yaml:6: Service/bad: spec.loadBalancerClass: not valid UTF-8"},
      {"  loadBalancerClass: {a: b}\n",
       "f.yaml:6: Service/bad: spec.loadBalancerClass: expected a string, got a mapping"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.spec);
    std::string text = std::string("apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\n") +
                       "spec:\n" + c.spec +
                       "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: good\n";
    ParsedObjects objects = parse_text(text);
    EXPECT_THAT(objects.errors, ElementsAre(c.error));
    ASSERT_THAT(objects.services, SizeIs(1));
    EXPECT_EQ(objects.services[0].key.name, "good");
  }
}

TEST(ParseErrors, StatusMetadataAndEndpoints) {
  ParsedObjects objects = parse_text(R"(apiVersion: v1
kind: Service
metadata:
  name: s
  labels: [a, b]
status:
  loadBalancer:
    ingress:
    - ip: 10.47.40.256
    - hostname: lb.example.com
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: e}
addressType: IPv4
endpoints:
- addresses: ["fd00::1"]
  conditions: {ready: maybe}
---
apiVersion: v1
kind: Node
metadata: {}
---
apiVersion: v1
kind: Node
metadata: {name: n}
status:
  conditions:
  - {type: Ready, status: Yes}
---
kind: Namespace
metadata: {name: no-api-version}
)");
  EXPECT_THAT(
      objects.errors,
      ElementsAre(
          "f.yaml:5: Service/s: metadata.labels: expected a mapping, got a list",
          "f.yaml:9: Service/s: status.loadBalancer.ingress[0].ip: invalid IP address "
          "\"10.47.40.256\"",
          "f.yaml:17: EndpointSlice/e: endpoints[0].addresses[0]: fd00::1 is not of the slice's "
          "addressType",
          "f.yaml:18: EndpointSlice/e: endpoints[0].conditions.ready: not a boolean: \"maybe\"",
          "f.yaml:22: Node: metadata.name: required",
          "f.yaml:29: Node/n: status.conditions[0].status: must be True, False or Unknown, not "
          "\"Yes\"",
          "f.yaml:31: Namespace: apiVersion: required (\"v1\")"));
  EXPECT_THAT(objects.services, IsEmpty());
  EXPECT_THAT(objects.endpoint_slices, IsEmpty());
  EXPECT_THAT(objects.nodes, IsEmpty());
  EXPECT_THAT(objects.namespaces, IsEmpty());
}

// One bad item of a List, or one document with a syntax error, hides nothing else.
TEST(ParseErrors, BadItemsAndDocumentsAreSkippedAlone) {
  ParsedObjects objects = parse_text(R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: one}
- apiVersion: v1
  kind: Service
  metadata: {name: two}
  spec: {ports: [{port: -1}]}
- apiVersion: v1
  kind: Service
  metadata: {name: three}
---
apiVersion: v1
kind: Service
metadata: {name: broken
  spec: [
---
apiVersion: v1
kind: Service
metadata: {name: four}
)");
  ASSERT_THAT(objects.errors, SizeIs(2));
  EXPECT_EQ(objects.errors[0],
            "f.yaml:10: Service/two: spec.ports[0].port: -1 is out of range 1-65535");
  EXPECT_THAT(objects.errors[1], HasSubstr("f.yaml:1"));  // the syntax error, in lines 14-18
  std::vector<std::string> names;
  for (const Service& service : objects.services) names.push_back(service.key.name);
  EXPECT_THAT(names, ElementsAre("one", "three", "four"));
}

TEST(ParseErrors, SyntaxErrorLineIsTheFileLine) {
  ParsedObjects objects = parse_text(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
      "---\n"
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: b\n---\n"
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n");
  EXPECT_THAT(objects.errors, ElementsAre("f.yaml:8: end of map flow not found"));
  EXPECT_THAT(objects.namespaces, SizeIs(2));
}

TEST(Parse, NullsEmptyDocumentsAndLeniency) {
  ParsedObjects objects = parse_text(R"(---
# only a comment
---
apiVersion: v1
kind: Service
metadata:
  name: s
  namespace: ~
  labels: null
  annotations:
    empty:
spec:
  ports: null
  type: LoadBalancer
  ipFamilies: []
status: {}
...
---
apiVersion: v1
kind: Service
metadata: {name: quoted, namespace: ns}
spec:
  ports: [{port: "8080", nodePort: +30000}]
)");
  EXPECT_THAT(objects.errors, IsEmpty());
  ASSERT_THAT(objects.services, SizeIs(2));
  EXPECT_EQ(objects.services[0].key, (ObjectKey{"default", "s"}));
  EXPECT_EQ(objects.services[0].annotations, (Labels{{"empty", ""}}));
  EXPECT_EQ(objects.services[0].type, "LoadBalancer");
  EXPECT_THAT(objects.services[1].ports, ElementsAre(ServicePort{"", "TCP", 8080, 30000}));
}

TEST(Parse, NonObjectDocumentsAreErrors) {
  ParsedObjects objects = parse_text("- a\n- b\n---\njust text\n---\n{}\n");
  EXPECT_THAT(objects.errors,
              ElementsAre("f.yaml:1: expected a Kubernetes object (a mapping), got a list",
                          "f.yaml:4: expected a Kubernetes object (a mapping), got a scalar"));
}

TEST(Parse, AliasBombsAreCutShort) {
  // Aliases let a few kilobytes name a long list many times: reading must stay linear in the
  // text, so the reader gives up (with an error) instead of doing 400,000 visits.
  std::string addresses;
  for (int i = 0; i < 200; ++i) addresses += fmt::format("10.0.{}.{}, ", i / 250, i % 250 + 1);
  std::string endpoints;
  for (int i = 0; i < 2000; ++i) endpoints += "*e, ";
  std::string slice =
      "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
      "metadata: {name: bomb}\naddressType: IPv4\n"
      "x: &e {addresses: [" +
      addresses +
      "]}\n"
      "endpoints: [" +
      endpoints + "]\n";
  ParsedObjects bomb = parse_text(slice);
  EXPECT_THAT(bomb.endpoint_slices, IsEmpty());
  ASSERT_THAT(bomb.errors, SizeIs(1));
  EXPECT_THAT(bomb.errors[0], HasSubstr("too many entries"));

  std::string labels;
  for (int i = 0; i < 200; ++i) labels += fmt::format("k{}: v, ", i);
  std::string items;
  for (int i = 0; i < 2000; ++i) items += "*n, ";
  std::string list =
      "apiVersion: v1\nkind: List\n"
      "x: &n {apiVersion: v1, kind: Node, metadata: {name: n, labels: {" +
      labels + "}}}\nitems: [" + items + "]\n";
  ParsedObjects nodes = parse_text(list);
  EXPECT_LT(nodes.nodes.size(), 2000u);
  ASSERT_FALSE(nodes.errors.empty());
  EXPECT_THAT(nodes.errors.back(), HasSubstr("too many entries"));
}

TEST(Parse, NeverThrows) {
  const char* inputs[] = {
      "",
      "\n",
      "---",
      "...",
      "%YAML 1.2\n---\nkind: Service\n",
      "[",
      "{",
      "\"",
      "a: b: c",
      "kind: List\nitems: 3\n",
      "kind: List\nitems: [1, [2], {kind: List, items: [{}]}]\n",
      "&a [*a]",
      "kind: [Service]\n",
      "apiVersion: v1\nkind: Service\nmetadata: []\n",
      "apiVersion: v1\nkind: Service\nmetadata: {name: [x]}\n",
      "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: 5\nstatus: [1]\n",
      "apiVersion: v1\nkind: Service\nmetadata: {name: x, labels: {[a]: b}}\n",
      "\t\tkind: Service",
      "!!binary x",
      "? [a]\n: b\n",
      "- &x a\n- *y\n",
  };
  for (const char* input : inputs) {
    SCOPED_TRACE(input);
    EXPECT_NO_THROW(parse_text(input));
  }
  ParsedObjects list = parse_text("kind: List\nitems: 3\n");
  EXPECT_THAT(list.errors, ElementsAre("f.yaml:2: List: items: expected a list, got a scalar"));
}

// yaml-cpp 0.7's LoadAll never returns on these (found by lb_cluster_fuzz).
TEST(Parse, StrayCommaWhereADocumentStarts) {
  ParsedObjects objects = parse_text(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n# c\n\n  ,\n"
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n"
      "--- ,\n"
      "...\n"
      "- a\n- b\n,\n"
      "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n");
  EXPECT_THAT(objects.errors,
              ElementsAre("f.yaml:7: unexpected ','; document skipped",
                          "f.yaml:11: unexpected ','; document skipped",
                          "f.yaml:13: expected a Kubernetes object (a mapping), got a list"));
  ASSERT_THAT(objects.namespaces, SizeIs(2));
  EXPECT_EQ(objects.namespaces[1].name, "c");
}

// Another document may follow `...` without `---`.
TEST(Parse, DocumentEndMarkers) {
  ParsedObjects objects = parse_text(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n...\n"
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n...\n...\n");
  EXPECT_THAT(objects.errors, IsEmpty());
  EXPECT_THAT(objects.namespaces, SizeIs(2));
}

TEST(Parse, DirectivesGoWithTheirDocument) {
  ParsedObjects objects = parse_text(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
      "...\n%YAML 1.2\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
  EXPECT_THAT(objects.errors, IsEmpty());
  EXPECT_THAT(objects.namespaces, SizeIs(2));
}

TEST(RenderStatus, RoundTrip) {
  std::vector<ServiceEvent> events = {
      {"IPAllocated", "Assigned IP [\"10.47.40.0\"]", false, "2026-01-02T03:04:05Z"},
      {"AllocationFailed", "no available IPs: pool: first-pool\nsecond line", true,
       "2026-01-02T03:04:06Z"},
  };
  ObjectKey key{"default", "shake-test-cluster-0-svc"};
  std::string text = render_status(key, {ip("10.47.40.0"), ip("2001:db8::1")}, events);
  ParseOptions options;
  options.read_events = true;
  ParsedObjects objects = test::parse_text(text, options);
  EXPECT_THAT(objects.errors, IsEmpty());
  ASSERT_THAT(objects.services, SizeIs(1));
  EXPECT_EQ(objects.services[0].key, key);
  EXPECT_THAT(objects.services[0].ingress, ElementsAre(ip("10.47.40.0"), ip("2001:db8::1")));
  ASSERT_THAT(objects.events, SizeIs(2));
  EXPECT_EQ(objects.events[0].first, key);
  EXPECT_EQ(objects.events[0].second, events[0]);
  EXPECT_EQ(objects.events[1].second, events[1]);

  // Without read_events the Events are ignored; empty ingress renders as loadBalancer: {}.
  ParsedObjects plain = test::parse_text(render_status(key, {}, events));
  EXPECT_THAT(plain.errors, IsEmpty());
  ASSERT_THAT(plain.services, SizeIs(1));
  EXPECT_THAT(plain.services[0].ingress, IsEmpty());
  EXPECT_THAT(plain.events, IsEmpty());
  EXPECT_THAT(render_status(key, {}, {}), HasSubstr("loadBalancer: {}"));
}

}  // namespace
}  // namespace vipd::lb::cluster
